/*
 * Helpers shared by the baton-demo tests: running the binary, the expected grants of a generated
 * company after expansion, and a content digest of a c1z.
 */
#ifndef BATON_DEMO_TESTUTIL_H
#define BATON_DEMO_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "model.h"

/*
 * Runs `bin -f c1z` with the current environment plus `env` ("NAME=value" strings, NULL-terminated;
 * may be NULL), stdout to /dev/null and stderr to `stderr_path` (NULL: /dev/null). Returns the
 * raw wait status, or -1 when the program could not be started.
 */
int demo_run(const char *bin, const char *c1z, const char *const *env, const char *stderr_path);

/* How many operations of the state file have "op" `verb` (m's model lock held, or m unshared). */
size_t demo_count_ops(const demo_model *m, const char *verb);

/* setenv() from a "NAME=value" string. */
void demo_setenv_kv(const char *kv);

/* "exit 0", "exit 3", "signal 9" for a wait status, in a static buffer. */
const char *demo_status_str(int status);

/*
 * The grants a full sync with expansion must produce for model m: a JSON object keyed by grant
 * id, each value an object of source entitlement ids (empty: a direct grant nobody expanded
 * into). Caller decrefs.
 */
json_t *demo_expected_grants(demo_model *m);

/* Environment strings for the model parameters p (static storage, NULL-terminated). */
const char *const *demo_param_env(const demo_params *p);

/*
 * The content of a c1z, as compared by the kill test: one sorted list of rows per table
 * (resource types, resources, entitlements, grants), each row being the table name, the external
 * id and the data bytes; sync ids, row ids and discovered_at are left out. Also the number of
 * sync runs, finished and not.
 */
typedef struct demo_content {
	char **rows;      /* "table\tid\t<hex of data>", sorted */
	size_t n_rows;
	size_t per_table[4];
	int64_t syncs_finished, syncs_unfinished;
} demo_content;

/* Reads `path` (fails the test when it cannot). */
void demo_content_read(const char *path, demo_content *out);
void demo_content_free(demo_content *c);
/*
 * Compares two contents; returns 0 when equal, else writes what differs (up to a few rows) into
 * msg and returns 1.
 */
int demo_content_compare(const demo_content *want, const demo_content *got, char *msg, size_t msg_size);

/*
 * The unfinished sync a stopped run left in "<c1z>.wip/": its id and its checkpoint's
 * completed_actions_count. Returns 0, or -1 with the reason in msg (no working copy, no or more
 * than one unfinished sync, no checkpoint).
 */
int demo_wip_unfinished(const char *c1z, char *id, size_t id_size, long long *completed, char *msg,
                        size_t msg_size);
/* The id of the latest finished full sync in c1z. Returns 0, or -1 with the reason in msg. */
int demo_latest_finished(const char *c1z, char *id, size_t id_size, char *msg, size_t msg_size);

#endif /* BATON_DEMO_TESTUTIL_H */
