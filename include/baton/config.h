/*
 * libbaton: connector configuration.
 *
 * A connector declares its configuration once, as an array of baton_field pointed to by its
 * baton_connector's `config` member. From it baton_main() derives:
 *  - the command-line flags (--base-dn, -b), next to the SDK's own flags (--file, --log-level, ...);
 *  - the environment variables: BATON_ + the name upper-cased with '-' as '_' (BATON_BASE_DN);
 *  - the YAML config file keys (the field names): ./.baton.yaml, or the file named by
 *    $BATON_CONFIG_PATH, which must end in .yaml or .yml;
 *  - validation with one clear line per problem, using the Go SDK's wording;
 *  - --help (connector fields first, then the SDK's flags, each with its environment variable);
 *  - the `config` subcommand's JSON schema (c1.config.v1.Configuration, as the Go SDK prints it).
 * Precedence: flag > environment > file > default. A secret field's value never appears in logs,
 * errors or help output (its default is not shown either).
 *
 *     static const char *const auth_fields[] = {"api-key"};
 *     static const baton_field fields[] = {
 *         {.name = "base-url", .kind = BATON_FIELD_STRING, .flags = BATON_FIELD_REQUIRED,
 *          .description = "The API's base URL", .placeholder = "https://api.example.com"},
 *         {.name = "api-key", .kind = BATON_FIELD_STRING, .flags = BATON_FIELD_SECRET,
 *          .description = "The API key"},
 *         {.name = "page-size", .kind = BATON_FIELD_INT, .default_value = "100", .min = 1, .max = 500},
 *     };
 *     static const baton_config_schema schema = {
 *         .version = BATON_CONFIG_SCHEMA_VERSION, .fields = fields, .n_fields = 3,
 *     };
 *     ... .config = &schema, ... in the baton_connector.
 *
 * Callbacks (and init) read the values through their context: baton_ctx_config_string(ctx,
 * "base-url"). Every string handed to the SDK here is borrowed and must stay valid while
 * baton_main() runs (static data, typically).
 */
#ifndef BATON_CONFIG_H
#define BATON_CONFIG_H

#include "common.h"
#include "ctx.h"

BATON_BEGIN_DECLS

typedef enum baton_field_kind {
	BATON_FIELD_STRING = 0,
	BATON_FIELD_BOOL,         /* may not be required; flag alone means true */
	BATON_FIELD_INT,          /* a signed 64-bit decimal integer */
	BATON_FIELD_STRING_LIST,  /* comma-separated in flags and the environment; a YAML list too */
	BATON_FIELD_STRING_MAP,   /* k=v,k=v in flags and the environment; a YAML mapping too */
	BATON_FIELD_SELECT,       /* a string that must be one of `options` */
	BATON_FIELD_FILE,         /* a path in flags, environment and file; the value is the file's
	                             bytes (at most 2 MiB), read when the configuration is loaded */
	BATON_FIELD_OAUTH2,       /* a string the UI fills by an OAuth2 flow (Go's Oauth2Field) */
	BATON_FIELD_RANDOM        /* a string the UI fills with a random value (Go's RandomField) */
} baton_field_kind;

/* Well-known string formats (c1.config.v1.WellKnownString numbers), checked as the Go SDK checks
 * them. */
typedef enum baton_well_known {
	BATON_WELL_KNOWN_NONE = 0,
	BATON_WELL_KNOWN_EMAIL = 1,    /* an RFC 5322 address, "a@b.example" or "Name <a@b.example>" */
	BATON_WELL_KNOWN_HOSTNAME = 2, /* an IP address, or dot-separated labels of letters, digits, '-' */
	BATON_WELL_KNOWN_IP = 3,       /* IPv4 or IPv6 */
	BATON_WELL_KNOWN_IPV4 = 4,     /* IPv4 (or IPv4-mapped IPv6) */
	BATON_WELL_KNOWN_IPV6 = 5,     /* any IP address (as upstream: an IPv4 address is one too) */
	BATON_WELL_KNOWN_URI = 6,      /* an absolute URI or an absolute path (Go's url.ParseRequestURI) */
	BATON_WELL_KNOWN_UUID = 8      /* 8-4-4-4-12 hex, optionally {...} or urn:uuid:, or 32 hex digits */
} baton_well_known;

/* Field flags. */
#define BATON_FIELD_REQUIRED   (1u << 0)  /* must be given (not allowed on BOOL fields) */
#define BATON_FIELD_SECRET     (1u << 1)  /* masked in the UI; never printed or logged */
#define BATON_FIELD_HIDDEN     (1u << 2)  /* left out of --help */
#define BATON_FIELD_OPS        (1u << 3)  /* exported to the schema as an operations field (isOps) */
#define BATON_FIELD_CLI_ONLY   (1u << 4)  /* not exported to the `config` schema: a hosted connector
                                             cannot set it, so keep it for local-only settings */
/*
 * Re-export one of the SDK's own flags (Go's field.XField.ExportAs): the field's `name` is an SDK
 * flag ("log-level", "http-timeout-seconds", ...); it keeps the SDK's kind, default, description
 * and behaviour, and only its export changes: the schema lists it among the connector's fields,
 * at this position, as a GUI field (or an ops field with BATON_FIELD_OPS, or not at all with
 * BATON_FIELD_CLI_ONLY), instead of where the SDK lists it. Other members are ignored.
 */
#define BATON_FIELD_REEXPORT   (1u << 5)

typedef struct baton_field {
	/* The flag name: lowercase letters, digits and '-', starting with a letter ("base-dn").
	 * It may not be one of the SDK's own flag names. */
	const char *name;
	baton_field_kind kind;
	unsigned int flags;          /* BATON_FIELD_* */
	const char *display_name;    /* for the UI (schema only) */
	const char *description;     /* --help and the schema */
	const char *placeholder;     /* for the UI (schema only) */
	/*
	 * Default in command-line form ("300", "true", "a,b", "k=v,k2=v2"); NULL: the kind's zero
	 * value. Must itself be valid for the field (checked when baton_main() starts).
	 */
	const char *default_value;
	char short_name;             /* e.g. 'u' for -u; 0 for none */
	/* SELECT: the allowed values (required, at least one). FILE: allowed extensions, e.g.
	 * ".json" (none: any file). */
	const char *const *options;
	size_t n_options;
	/* INT: inclusive bounds, checked when min < max (the schema's gte/lte rules). */
	int64_t min, max;
	/* STRING, SELECT: length bounds in bytes; STRING_LIST: the same for each item. min_len
	 * applies when > 0, max_len when > 0. */
	size_t min_len, max_len;
	/* STRING, SELECT, STRING_LIST items: a POSIX extended regular expression the value must
	 * match, or NULL. */
	const char *pattern;

	/* ---- BATON_CONFIG_SCHEMA_VERSION 2 ---- */

	/*
	 * The value the UI pre-fills for a new connector (Go's WithSuggestedValue), in command-line
	 * form; schema only: it is not a default, the command line never sees it. NULL: none.
	 */
	const char *suggested_value;
	/*
	 * Computes the default once when baton_main() starts (Go's WithDefaultValueFunc); the string
	 * returned (command-line form) must stay valid while baton_main() runs. Wins over
	 * default_value; NULL returned: no default.
	 */
	const char *(*default_value_func)(void);
	/* STRING, OAUTH2, RANDOM, STRING_LIST items: rules checked in the Go SDK's order after
	 * min_len/max_len/pattern: prefix, suffix, contains (each when not NULL), then well_known. */
	const char *prefix;
	const char *suffix;
	const char *contains;
	baton_well_known well_known;
	/* STRING_LIST: item count bounds (each when > 0) and no duplicate items (unique_items). */
	size_t min_items, max_items;
	bool unique_items;
	/* STRING, OAUTH2, RANDOM, STRING_LIST items: the exact length in bytes (when > 0), checked
	 * before min_len; and values the value may not be (checked after a SELECT's options). */
	size_t exact_len;
	const char *const *not_in;
	size_t n_not_in;
	/* INT: the allowed values (when n_int_in > 0) and the forbidden ones, checked after min/max. */
	const int64_t *int_in;
	size_t n_int_in;
	const int64_t *int_not_in;
	size_t n_int_not_in;
} baton_field;

/* Constraint kinds (c1.config.v1.ConstraintKind numbers). */
typedef enum baton_constraint_kind {
	BATON_CONSTRAINT_REQUIRED_TOGETHER = 1,  /* all of `fields` or none */
	BATON_CONSTRAINT_AT_LEAST_ONE = 2,       /* one or more of `fields` */
	BATON_CONSTRAINT_MUTUALLY_EXCLUSIVE = 3, /* at most one of `fields` (none may be required) */
	BATON_CONSTRAINT_DEPENDENT_ON = 4        /* when any of `fields` is set, all of
	                                            `secondary_fields` must be */
} baton_constraint_kind;

/* A rule between fields, by name. A field is "set" when its value is not the zero value (""
 * false, 0, empty list or map), whether it came from a flag, the environment, the file or a
 * default. */
typedef struct baton_constraint {
	baton_constraint_kind kind;
	const char *const *fields;           /* at least two distinct names (DEPENDENT_ON: one) */
	size_t n_fields;
	const char *const *secondary_fields; /* DEPENDENT_ON only */
	size_t n_secondary;
} baton_constraint;

/*
 * A group of fields (an "auth method"). When a schema has groups, --auth-method NAME selects one
 * (else the default group, else the first) and only its fields are validated; the others are
 * ignored. At most one group may be the default.
 */
typedef struct baton_field_group {
	const char *name;
	const char *display_name;
	const char *help_text;
	const char *const *fields;
	size_t n_fields;
	bool is_default;
	bool cli_only;               /* not exported to the `config` schema */
} baton_field_group;

/* 1: baton_field up to `pattern`; 2: suggested_value ... unique_items. A version 1 schema's
 * `fields` array is read with the version 1 layout. */
#define BATON_CONFIG_SCHEMA_VERSION 2

typedef struct baton_config_schema {
	unsigned int version; /* BATON_CONFIG_SCHEMA_VERSION */
	const baton_field *fields;
	size_t n_fields;
	const baton_constraint *constraints;
	size_t n_constraints;
	const baton_field_group *groups;
	size_t n_groups;
	/* Schema metadata (c1.config.v1.Configuration); the schema's display name is the
	 * connector's display_name. */
	const char *help_url;
	const char *icon_url;
	const char *catalog_id;
	bool is_directory;
	bool supports_external_resources;
	bool requires_external_connector;
} baton_config_schema;

/*
 * Reading configuration from any callback of the connector, init included. `name` is a field
 * name of the connector's schema, or one of the SDK's own flags ("file", "log-level",
 * "http-timeout-seconds", ...). A name that is not declared, or asked for as the wrong kind,
 * gives the zero value and logs a warning. The value is the one in effect: given (flag,
 * environment or file) or else the default. Outside baton_main() (a connector driven directly,
 * as in unit tests) there is no configuration: every reader gives the zero value, silently.
 *
 * Strings, lists and file bytes are borrowed: they stay valid until baton_main() returns. A
 * SELECT or FILE field is read with baton_ctx_config_string (a FILE field gives the path) and
 * baton_ctx_config_file (the bytes).
 */
BATON_API const char *baton_ctx_config_string(baton_ctx *ctx, const char *name); /* never NULL */
BATON_API bool baton_ctx_config_bool(baton_ctx *ctx, const char *name);
BATON_API int64_t baton_ctx_config_int(baton_ctx *ctx, const char *name);
/* The items of a STRING_LIST field (*items may be NULL when there are none); returns the count. */
BATON_API size_t baton_ctx_config_list(baton_ctx *ctx, const char *name, const char *const **items);
/* A STRING_MAP value by key (NULL when absent); and all keys, sorted, with their count. */
BATON_API const char *baton_ctx_config_map_get(baton_ctx *ctx, const char *name, const char *key);
BATON_API size_t baton_ctx_config_map_keys(baton_ctx *ctx, const char *name, const char *const **keys);
/* FILE fields: the bytes read from the given path (*data NUL-terminated after *len bytes);
 * false when the field was not given. */
BATON_API bool baton_ctx_config_file(baton_ctx *ctx, const char *name, const uint8_t **data, size_t *len);
/* Whether the value was given (flag, environment or file) rather than defaulted. */
BATON_API bool baton_ctx_config_is_set(baton_ctx *ctx, const char *name);
/* The field group selected by --auth-method (or the default one); "" when the schema has none. */
BATON_API const char *baton_ctx_config_auth_method(baton_ctx *ctx);

BATON_END_DECLS

#endif /* BATON_CONFIG_H */
