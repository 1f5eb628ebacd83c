/*
 * baton-file: users, resources, entitlements and grants from a YAML, JSON or CSV file, in the
 * input format of the upstream baton-file connector. See README.md here.
 *
 *  - loader.c: the input files into one JSON document {users, resources, entitlements, grants}
 *    (YAML and CSV are converted; JSON is read as it is).
 *  - model.c: the document into resource types, resources, entitlements and grants, with the
 *    indexes the callbacks page through. Read once, then read-only (safe from several threads).
 *  - connector.c: the callbacks, and the connector built around a loaded model.
 */
#ifndef BATON_FILE_H
#define BATON_FILE_H

#include <baton.h>
#include <jansson.h>

/* ---- loader.c ------------------------------------------------------------------------------ */

/*
 * Bounds of the loaders, past which a file is refused with BATON_EINVALID naming the file, the
 * line and the column: how deep YAML and JSON collections nest, and how much all the aliases of
 * a YAML file together may stand for once copied (nodes, bytes of scalar text).
 */
#define FILE_YAML_MAX_DEPTH 64
#define FILE_JSON_MAX_DEPTH 64
#define FILE_YAML_MAX_ALIAS_NODES 1000000
#define FILE_YAML_MAX_ALIAS_BYTES (32 << 20)
/* The config file read by main.c (the SDK refuses larger ones too). */
#define FILE_CONFIG_MAX_BYTES ((size_t)16 << 20)

/*
 * Opens an input file for reading without ever blocking in open() (a FIFO with no writer) and
 * refuses anything but a regular file (FIFO, socket, device, directory) with BATON_EINVALID:
 * "<what> <path>: is a FIFO, not a regular file". Returns the descriptor or a negative code
 * (BATON_ENOTFOUND: no such file).
 */
int file_open_input(const char *path, const char *what);
/* The whole input file (opened as above) in a new NUL-terminated buffer; more than `max` bytes:
 * BATON_EEXHAUSTED. */
int file_read_all(const char *path, const char *what, size_t max, char **data, size_t *len);
/* The offset of the first malformed byte of a UTF-8 text (overlong forms, surrogates, past
 * U+10FFFF, cut short, bytes that start nothing), or `len` when it is well formed. */
size_t file_utf8_invalid_at(const char *text, size_t len);

/*
 * Reads `path` into *doc, a new JSON object the caller releases with json_decref(): .json as
 * JSON, .yaml/.yml as YAML, .csv as a users table (see file_load_csv). Errors: BATON_EINVALID
 * (unsupported extension, malformed content: the message names the file and the line) and
 * BATON_ENOTFOUND (no such file), with baton_error_set().
 */
int file_load(const char *path, json_t **doc);

/* Which table a CSV file fills. */
typedef enum file_csv_table {
	FILE_CSV_USERS,
	FILE_CSV_GRANTS
} file_csv_table;

/*
 * Appends the rows of a CSV file (RFC 4180, first row the header) to doc's "users" or "grants"
 * array. Headers are matched without regard to case and surrounding spaces: the Excel sheet's
 * headers of upstream baton-file ("Display Name", "Principal Receiving Grant", "Profile: title")
 * or the YAML keys ("display_name", "principal", "entitlement_id", "profile.title").
 */
int file_load_csv(const char *path, file_csv_table table, json_t *doc);

/*
 * Converts a YAML text into JSON. Scalars become strings, except under a key named "profile"
 * where plain scalars are typed as YAML 1.2 does (null, true/false, integers, floats).
 * `name` names the text in messages.
 */
int file_yaml_to_json(const char *name, const char *text, size_t len, json_t **out);

/* ---- model.c ------------------------------------------------------------------------------- */

typedef struct file_resource file_resource;
typedef struct file_entitlement file_entitlement;
typedef struct file_grant file_grant;

typedef struct file_type {
	char *id;             /* the resource_type lower-cased ("user" for users) */
	char *name;           /* title-cased ("Workspace") */
	baton_trait trait;    /* from resource_function; UNSPECIFIED when none */
	file_resource **top;  /* resources of the type without a parent, sorted by id */
	size_t n_top, cap_top;
} file_type;

struct file_resource {
	const char *name;          /* the id, unique over users and resources */
	file_type *type;
	const char *display_name;
	const char *description;
	const char *parent_name;   /* parent_resource as given ("" or NULL: none) */
	file_resource *parent;     /* NULL: top level */
	file_resource **children;  /* sorted by type id, then id */
	size_t n_children, cap_children;
	file_entitlement **ents;   /* sorted by slug */
	size_t n_ents, cap_ents;
	file_grant **grants;       /* grants of entitlements on this resource, sorted */
	size_t n_grants, cap_grants;
	/* users */
	bool is_user;
	const char *email;
	baton_status status;
	baton_account_type account_type;
	bool has_last_login;
	baton_timestamp last_login;
	char *profile_json;        /* NULL: none */
};

struct file_entitlement {
	char *id;                  /* "<type>:<name>:<slug>" */
	file_resource *resource;
	const char *slug;
	const char *display_name;
	const char *description;
};

struct file_grant {
	char *id;                          /* "<entitlement id>:<type>:<name>" */
	file_entitlement *entitlement;
	file_resource *principal;
	file_entitlement *expand;          /* GrantExpandable source, or NULL */
};

typedef struct file_model {
	char *input;           /* the paths the model was read from */
	char *users_csv;
	char *grants_csv;
	json_t *doc;           /* owns every const char * of the model */
	file_type **types;     /* in order of first appearance, "user" first */
	size_t n_types;
	file_resource **resources;
	size_t n_resources;
	file_entitlement **entitlements;
	size_t n_entitlements;
	file_grant **grants;
	size_t n_grants;
	json_t *by_name;       /* resource name -> index in resources */
	char **warnings;       /* rows skipped and why, logged by init */
	size_t n_warnings;
} file_model;

/*
 * Loads the input file and the optional CSV tables (NULL or "": none) into a new model.
 * Rows that upstream baton-file skips (empty names, duplicates, unknown references) are skipped
 * with a warning in model->warnings; malformed files are errors.
 */
int file_model_load(const char *input, const char *users_csv, const char *grants_csv,
                    file_model **out);
void file_model_free(file_model *m);
/* The type with that id, or NULL. */
file_type *file_model_type(const file_model *m, const char *id);
/* The resource with that type and id, or NULL. */
file_resource *file_model_resource(const file_model *m, const char *type_id, const char *name);

/* ---- connector.c --------------------------------------------------------------------------- */

/*
 * The connector for a loaded model (NULL when loading failed: init then fails with `load_rc`
 * and `load_error`). One resource syncer per type of the model. The returned connector and its syncers
 * live until file_connector_free().
 */
baton_connector *file_connector_new(file_model *m, int load_rc, const char *load_error);
void file_connector_free(baton_connector *c);

#endif /* BATON_FILE_H */
