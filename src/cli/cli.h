/*
 * The connector's command line (baton_main): one table of flags, the SDK's own (the Go SDK's
 * pkg/field/defaults.go names, defaults and hidden-ness) followed by the connector's configuration
 * fields (include/baton/config.h), each filled from, in rising precedence, its default, the YAML
 * config file, its BATON_* environment variable and the command line.
 *
 *   flags.c    the SDK's flag table and its default relationships
 *   args.c     building the table, argv / environment parsing, value conversion
 *   yaml.c     the config file (./.baton.yaml or $BATON_CONFIG_PATH), with libyaml
 *   config.c   schema checks, validation, the baton_ctx_config_* readers
 *   wellknown.c  the well-known string formats (email, URI, hostname, IP, UUID)
 *   policy.c   refusing the flags a run would not act on (no flag accepted and ignored)
 *   schema.c   the `config` subcommand's c1.config.v1.Configuration
 *   usage.c    --help
 *   main.c     baton_main: parse, validate, configure logging, pick the mode (modes.h)
 *   mode_*.c   the modes and subcommands (mode_health.c: health-check, mode_completion.c)
 *
 * Reading values, for mode code: baton__cli_string / _bool / _int / _list never fail: a name
 * that is not in the table gives "" / false / 0 / nothing. A STRING or INT flag's `str` holds the
 * value in effect (given, else the default, else ""); `set` says whether it was given (flag,
 * environment or config file).
 */
#ifndef BATON_CLI_CLI_H
#define BATON_CLI_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stddef.h>

#include "baton/connector.h"
#include "baton/config.h"

typedef enum baton__flag_kind {
	BATON__FLAG_STRING,   /* also SELECT and FILE fields */
	BATON__FLAG_BOOL,
	BATON__FLAG_INT,
	BATON__FLAG_STRINGS,  /* repeatable, comma-separated */
	BATON__FLAG_MAP       /* repeatable, k=v,k=v */
} baton__flag_kind;

/* Where a value came from (rising precedence). */
typedef enum baton__source {
	BATON__SRC_DEFAULT = 0,
	BATON__SRC_FILE,
	BATON__SRC_ENV,
	BATON__SRC_FLAG
} baton__source;

typedef struct baton__flag {
	const char *name;      /* long name, without "--" */
	char shorthand;        /* 0: none */
	baton__flag_kind kind;
	const char *def;       /* default in command-line form, NULL for none */
	const char *help;      /* description, without the $BATON_ suffix */
	bool hidden;
	/* value */
	bool set;              /* given on the command line, in the environment or the config file */
	char *str;             /* STRING / INT: the value in effect (malloc; never NULL after parsing) */
	bool b;                /* BOOL */
	char **list;           /* STRINGS: the items; MAP: the keys (malloc) */
	size_t n_list;
	/* ---- beyond the syncer engineer's first version ---- */
	char **values;         /* MAP: the values, parallel to list */
	int64_t i;             /* INT: the parsed value */
	const baton_field *field; /* the declaration (the SDK's own table, or the connector's schema) */
	bool sdk;              /* one of the SDK's flags */
	baton__source source;
	bool from_flag_once;   /* a STRINGS / MAP flag was given once on the command line already */
	uint8_t *data;         /* FILE fields: the file's bytes (malloc, NUL-terminated) */
	size_t len;
	/* an SDK flag the connector re-exports (BATON_FIELD_REEXPORT): its declaration there */
	const baton_field *export_as;
} baton__flag;

typedef struct baton__cli {
	baton__flag *flags;    /* the SDK's flags, then the connector's fields (malloc) */
	size_t n_flags;
	size_t n_sdk;
	bool help, version;
	const char *prog;
	const char *command;   /* "capabilities", "config", or NULL (the main command) */
	const baton_connector *connector;
	const baton_config_schema *schema;  /* the connector's, or NULL */
	char *config_file;     /* the YAML file that was read, or NULL (malloc) */
	const baton_field_group *group;     /* the auth method in effect, or NULL */
	/* the connector's declarations in the current layout (a version 1 schema's converted copy) */
	const baton_field *fields;
	size_t n_fields;
	baton_field *fields_owned;          /* the converted copy (malloc), or NULL */
	/* ---- subcommand arguments ---- */
	const char *hc_endpoint;  /* health-check --endpoint (argv; NULL: "health") */
	const char *hc_timeout;   /* health-check --timeout (argv; NULL: "5") */
	const char *shell;        /* completion's argument (argv), or NULL */
} baton__cli;

/* The parsed configuration (modes.h): what the baton_ctx_config_* readers see. */
typedef struct baton__config {
	baton__cli *cli;
} baton__config;

/* ---- flags.c ---- */

/* The SDK's fields, in the Go SDK's DefaultFields order. */
extern const baton_field baton__sdk_fields[];
extern const size_t baton__n_sdk_fields;
/* The SDK's default relationships (cobra flag groups and dependents). */
extern const baton_constraint baton__sdk_constraints[];
extern const size_t baton__n_sdk_constraints;
/* A computed default (log-format, event-feed-start-at) or the field's own, in a static buffer. */
const char *baton__sdk_default(const baton_field *f);

/* ---- args.c ---- */

/*
 * Builds the table for `connector` (its schema checked: BATON_EINVALID naming the mistake).
 * The connector may be NULL (SDK flags only). On failure nothing needs freeing.
 */
int baton__cli_init(baton__cli *cli, const baton_connector *connector);
/*
 * Parses: defaults, then the config file, the environment, and argv. Returns 0, or
 * BATON_EINVALID with the one-line message Go's cobra/pflag gives ("unknown flag: --x", "flag
 * needs an argument: --file", ...). --help / --version are noted in cli->help / cli->version.
 */
int baton__cli_parse(baton__cli *cli, int argc, char **argv);
baton__flag *baton__cli_flag(baton__cli *cli, const char *name);
const char *baton__cli_string(baton__cli *cli, const char *name);   /* never NULL */
bool baton__cli_bool(baton__cli *cli, const char *name);           /* a STRING flag: parsed leniently */
int64_t baton__cli_int(baton__cli *cli, const char *name);
size_t baton__cli_list(baton__cli *cli, const char *name, const char *const **items);
bool baton__cli_is_set(baton__cli *cli, const char *name);
/* The environment variable of a flag: BATON_ + upper-cased name, '-' as '_'. */
void baton__cli_env_name(const char *flag, char *buf, size_t size);
/* Sets one flag from text (for the config file); `where` names the source in errors. */
int baton__cli_set_text(baton__flag *f, const char *v, baton__source src, const char *where);
/* Replaces a STRINGS / MAP flag with items (config file lists and mappings). */
int baton__cli_set_items(baton__flag *f, const char *const *items, const char *const *values, size_t n,
                         baton__source src, const char *where);
void baton__cli_free(baton__cli *cli);

/* ---- yaml.c ---- */

/* Bounds of the config file reader: the file's size, how deep collections nest, and how much all
 * the aliases together may stand for (nodes, bytes of scalar text). Past them: BATON_EINVALID
 * (BATON_EEXHAUSTED for the size) naming the file and the line. */
#define BATON__CONFIG_FILE_MAX ((size_t)16 << 20)
#define BATON__YAML_MAX_DEPTH 64
#define BATON__YAML_MAX_ALIAS_NODES 100000
#define BATON__YAML_MAX_ALIAS_BYTES (4 << 20)

/* Reads $BATON_CONFIG_PATH or ./.baton.yaml (missing: nothing to do) into the table: parsed once,
 * in one pass, within the bounds above; a path that is not a regular file is refused. */
int baton__cli_read_config_file(baton__cli *cli);

/* ---- config.c ---- */

/*
 * Validates the values as the Go SDK does (cobra's required flags and flag groups, then reading
 * FILE fields' bytes, then each field's rules, then the connector's constraints). Returns 0, or
 * BATON_EINVALID with every problem in the message, one per line.
 */
int baton__cli_validate(baton__cli *cli);
/* Makes cfg the configuration the baton_ctx_config_* readers see (NULL: none). */
void baton__config_set_active(baton__config *cfg);

/* ---- wellknown.c ---- */

/* NULL when v has the format, else what it should be ("email address", "URL", ...), in the Go
 * SDK's words for "value must be a valid %s". */
const char *baton__well_known_check(baton_well_known wk, const char *v);

/* ---- policy.c ---- */

/* Refuses (BATON_EUNIMPLEMENTED / BATON_EINVALID, naming the flag) a given flag that this
 * one-shot run would not act on: unsupported features, service-mode-only flags, a mode's
 * companion flags without the mode. 0 when every given flag is used. */
int baton__cli_refuse_ignored(baton__cli *cli);

/* ---- schema.c ---- */

/* The `config` subcommand's JSON (two-space indented, no trailing newline), malloc'd. */
int baton__config_schema_json(const baton__cli *cli, char **json);

/* ---- usage.c ---- */

void baton__cli_usage(const baton__cli *cli, FILE *out);

#endif
