/*
 * The `baton` tool: what its source files share.
 *
 *   main.c        command line: global flags, command table, help, dispatch
 *   args.c        flag parsing (cobra-like: -t v, -tv, -t=v, --name v, --name=v)
 *   table.c       console tables (aligned columns, cut to the terminal width on a tty)
 *   pb.c          library objects -> protobuf-c messages, pruning unknown Any, JSON emission
 *   lookup.c      cached lookups of the objects rows point at (the Go tool's storecache)
 *   strmap.c      a small string-keyed hash map
 *   cmd_list.c    resource-types, resources, entitlements, grants, principals, access
 *   cmd_sync.c    syncs, stats
 *   cmd_diff.c    diff
 *   cmd_export.c  export json, export csv
 *   explorer*.c   explorer (local web page; explorer.h)
 *   cmd_compare.c principals compare
 *   cmd_xlsx.c    export xlsx (the CSV rows, through libxlsxwriter)
 *   cmd_file.c    dump-db, optimize, export c1z, recalculate-stats, to-pebble (writers)
 *   cmd_sanitize*.c  sanitize (cmd_sanitize.h)
 *
 * Conventions: helpers return 0 or a negative baton_error_code with the message in
 * baton_error_last(), like the library; command functions return the process exit status.
 */
#ifndef BATON_TOOL_CLI_H
#define BATON_TOOL_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "baton.h"
#include "baton/store.h"
#include "core/arena.h"

#include "google/protobuf/timestamp.pb-c.h"
#include "c1/connector/v2/resource.pb-c.h"
#include "c1/connector/v2/entitlement.pb-c.h"
#include "c1/connector/v2/grant.pb-c.h"
#include "baton/v1/outputs.pb-c.h"
#include "c1/reader/v2/sync.pb-c.h"

/* Exit statuses. */
#define TOOL_EXIT_OK 0
#define TOOL_EXIT_FAIL 1
#define TOOL_EXIT_USAGE 2

/* ---- strmap.c ------------------------------------------------------------------------------ */

/* Keys are copied into the map's arena; values are opaque pointers. */
typedef struct strmap {
	baton_arena *arena;
	struct strmap_slot *slots;
	size_t cap, len;
} strmap;

void strmap_init(strmap *m, baton_arena *arena);
void strmap_free(strmap *m);
/* The value stored under key, or NULL. */
void *strmap_get(const strmap *m, const char *key, size_t key_len);
/* Stores value under key (replacing). 0 or BATON_EEXHAUSTED. */
int strmap_put(strmap *m, const char *key, size_t key_len, void *value);

/* ---- args.c -------------------------------------------------------------------------------- */

typedef enum tool_flag_id {
	FLAG_FILE = 0,
	FLAG_OUTPUT,
	FLAG_HELP,
	FLAG_VERSION,
	FLAG_SYNC_ID,
	FLAG_RESOURCE_TYPE,
	FLAG_RESOURCE,
	FLAG_ENTITLEMENT,
	FLAG_OUT,
	FLAG_BASE_SYNC_ID,
	FLAG_AGAINST,
	FLAG_OUTPUT_PATH,
	FLAG_PORT,
	FLAG_HOST,
	FLAG_WITH_EXPANSION,
	FLAG_DRY_RUN,
	FLAG_REPLAY,
	FLAG_PRESERVE_SUSPECT,
	FLAG_VALIDATE,
	FLAG_BATCH_SIZE,
	FLAG_TMP_DIR,
	FLAG_COMPARE_FILE,
	FLAG_COMPARE_ENTITLEMENT,
	FLAG_OUT_ENGINE,
	FLAG_SECRET_FILE,
	FLAG_ANCHOR,
	FLAG_ALLOW_UNKNOWN,
	FLAG_COUNT
} tool_flag_id;

typedef struct tool_flag_def {
	tool_flag_id id;
	const char *name;   /* long name, without "--" */
	char short_name;    /* 0 when none */
	bool takes_value;
	const char *metavar;
} tool_flag_def;

/* The definition of a flag (static). */
const tool_flag_def *tool_flag_get(tool_flag_id id);

typedef struct tool_args {
	const char *words[4];      /* command words ("export", "csv") */
	size_t n_words;
	const char *value[FLAG_COUNT];
	bool given[FLAG_COUNT];
	const char *extra;         /* first unexpected positional argument, if any */
} tool_args;

/*
 * Splits argv into command words and flags. Returns 0, or TOOL_EXIT_USAGE after printing
 * "baton: <problem>" for an unknown flag or a missing value.
 */
int tool_args_parse(int argc, char **argv, tool_args *out);

/* ---- the run ------------------------------------------------------------------------------- */

typedef enum tool_format { FORMAT_CONSOLE = 0, FORMAT_JSON } tool_format;

typedef struct lookup lookup;

typedef struct tool {
	tool_args args;
	const char *file;
	tool_format format;
	baton_store *store;
	char sync_id[64];          /* the sync reads use ("" when the store falls back itself) */
	baton_arena arena;         /* lives for the whole run (caches, tables) */
	lookup *lk;
} tool;

/* Prints "baton: <message>" on stderr; returns TOOL_EXIT_FAIL. */
int tool_fail(const char *fmt, ...) BATON_PRINTF(1, 2);
/* Same with exit status TOOL_EXIT_USAGE. */
int tool_usage_fail(const char *fmt, ...) BATON_PRINTF(1, 2);
/* Prints the last library error as "baton: <message>"; returns TOOL_EXIT_FAIL. */
int tool_fail_last(void);

/*
 * Opens t->file read-only and selects the sync as the Go tool does: --sync-id when given (it
 * must exist), else the latest finished sync of any type, else nothing (the store then falls
 * back as upstream's readers do). Returns 0 or an exit status (error printed).
 */
int tool_open(tool *t, bool use_sync_flag);
/* Opens another c1z read-only (for diff --against). */
int tool_open_path(const char *path, baton_store **out);

/* signals.c: around a command other than explorer, a private $TMPDIR removed on SIGINT/SIGTERM
 * (then re-raised) and at the end; the test hook BATON_TOOL_TEST_PAUSE_MS (tool_open_path). */
void tool_signals_begin(void);
void tool_signals_end(void);
void tool_test_pause(void);
/* Whether a SIGINT or SIGTERM is pending (blocked and waiting: explorer's start-up). */
bool tool_stop_pending(void);
/* The sync id to put into queries (NULL: let the store choose). */
const char *tool_query_sync(const tool *t);

/* ---- table.c ------------------------------------------------------------------------------- */

typedef struct table table;

table *table_new(size_t n_cols, const char *const *headers);
/* Appends a row of n_cols cells (copied; NULL prints as ""). 0 or BATON_EEXHAUSTED. */
int table_add(table *tb, const char *const *cells);
/* Writes the table to `out`: header, " | " separators, padded columns; cut to the terminal
 * width and with a bold header when `out` is a terminal. */
void table_print(const table *tb, FILE *out);
void table_free(table *tb);
/* Terminal width for out when it is a tty ($COLUMNS, else ioctl), 0 when not a tty. */
size_t tool_term_width(FILE *out);

/* ---- pb.c ---------------------------------------------------------------------------------- */

/* Library objects as protobuf-c messages allocated in `a` (NULL, last error set, on failure). */
C1__Connector__V2__ResourceType *pb_resource_type(baton_arena *a, baton_resource_type *rt);
C1__Connector__V2__Resource *pb_resource(baton_arena *a, baton_resource *r);
C1__Connector__V2__Entitlement *pb_entitlement(baton_arena *a, baton_entitlement *e);
C1__Connector__V2__Grant *pb_grant(baton_arena *a, baton_grant *g);

/* Deterministic wire bytes of an object, in `a` (for comparing two versions of a row); grants
 * without their GrantExpandable annotations, as the Go SDK's store holds them. */
int pb_bytes_resource(baton_arena *a, baton_resource *r, uint8_t **data, size_t *len);
int pb_bytes_entitlement(baton_arena *a, baton_entitlement *e, uint8_t **data, size_t *len);
int pb_bytes_grant(baton_arena *a, baton_grant *g, uint8_t **data, size_t *len);
/* Removes the GrantExpandable annotations of a grant message (the Go tool does not show them). */
void pb_grant_drop_expandable(C1__Connector__V2__Grant *m);
/* Decodes bytes back into a message in `a`. */
ProtobufCMessage *pb_decode(baton_arena *a, const ProtobufCMessageDescriptor *d, const uint8_t *data,
                            size_t len);

/* Frees the serialization scratch memory (at exit). */
void pb_cleanup(void);

/* Removes, at every depth, google.protobuf.Any values whose type is not in our schema. */
void pb_prune_unknown_any(ProtobufCMessage *m);

/* Writes msg as compact protojson to out. */
int pb_write_json(FILE *out, const ProtobufCMessage *msg);

/*
 * Streams `{"<field>":[e1,e2,...]}` (protojson of a message with one repeated field), writing
 * `{}` when there are no elements, as protojson does for an empty list.
 */
typedef struct json_list {
	FILE *out;
	const char *field;
	size_t n;
} json_list;
void json_list_begin(json_list *l, FILE *out, const char *field);
int json_list_add(json_list *l, const ProtobufCMessage *element);
/* Closes the list (writes "]}", or "{}" when it stayed empty). */
int json_list_end(json_list *l);

/* Stored sync-run time text ("2006-01-02 15:04:05.999") read as UTC; false when unparsable. */
bool tool_parse_time(const char *text, int64_t *sec, int32_t *nanos);
/* A Timestamp message in `a` for stored time text, NULL for NULL/unparsable text. */
Google__Protobuf__Timestamp *pb_timestamp(baton_arena *a, const char *text);
/* RFC 3339 text (UTC, "Z", whole seconds) of stored time text into buf; "" for NULL. */
void tool_format_time(const char *text, char *buf, size_t cap);

/* ---- lookup.c ------------------------------------------------------------------------------ */

/*
 * Cached point reads in the tool's sync. Objects that are missing come back as placeholders
 * named like the Go tool's ("MISSING RESOURCE (type:id)"). Messages live in the tool's arena,
 * already pruned of unknown Any values.
 */
int lookup_new(tool *t, lookup **out);
void lookup_free(lookup *lk);
int lookup_resource_type(lookup *lk, const char *id, C1__Connector__V2__ResourceType **out);
int lookup_resource(lookup *lk, const C1__Connector__V2__ResourceId *id, C1__Connector__V2__Resource **out);
int lookup_entitlement(lookup *lk, const char *id, C1__Connector__V2__Entitlement **out);

/* Display helpers: "" for NULL messages. */
const char *pb_display_resource(const C1__Connector__V2__Resource *r);
const char *pb_display_resource_type(const C1__Connector__V2__ResourceType *rt);

/* ---- commands ------------------------------------------------------------------------------ */

int cmd_resource_types(tool *t);
int cmd_resources(tool *t);
int cmd_entitlements(tool *t);
int cmd_grants(tool *t);
int cmd_principals(tool *t);
int cmd_access(tool *t);
int cmd_syncs(tool *t);
int cmd_stats(tool *t);
int cmd_diff(tool *t);
int cmd_export_json(tool *t);
int cmd_export_csv(tool *t);
int cmd_expand(tool *t);
int cmd_explorer(tool *t);
int cmd_principals_compare(tool *t);
int cmd_dump_db(tool *t);
int cmd_optimize(tool *t);
int cmd_export_c1z(tool *t);
int cmd_recalculate_stats(tool *t);
int cmd_to_pebble(tool *t);
int cmd_export_xlsx(tool *t);
int cmd_rollback_expansion(tool *t);
int cmd_sanitize(tool *t);

#endif
