/* Helpers for the example connectors' end-to-end tests: run a program, open what it wrote. */
#ifndef BATON_EXAMPLES_UTIL_H
#define BATON_EXAMPLES_UTIL_H

#include <baton.h>

#include "testutil.h"

/*
 * Runs argv (argv[0] a path) with stdout and stderr into `out_path` (NULL: /dev/null) and `env`
 * (NULL-terminated "K=V" added to the environment, may be NULL). Returns the exit status, or
 * 128 + the signal number.
 */
int ex_run(const char *const *argv, const char *const *env, const char *out_path);
/* The whole file at path, NUL-terminated (malloc'd; "" when missing). */
char *ex_slurp(const char *path);
/* The first 16 KiB of the file, in a static buffer (for failure messages: fail_msg() does not
 * return, so nothing may be left to free). */
const char *ex_log(const char *path);
/* A path in the test output directory: "<out>/<prefix>-<pid>-<name>", in a static ring of 8. */
const char *ex_path(const char *prefix, const char *name);

/* Opens a c1z read-only or fails the test. */
baton_store *ex_open(const char *c1z);
/* Row counts of the latest finished sync. */
baton_store_counts ex_counts(baton_store *s);
/* Point reads that fail the test when absent. */
baton_resource *ex_resource(baton_store *s, baton_ctx *ctx, const char *type, const char *id);
baton_entitlement *ex_entitlement(baton_store *s, baton_ctx *ctx, const char *id);
baton_grant *ex_grant(baton_store *s, baton_ctx *ctx, const char *id);
/* Whether a grant with that id exists. */
bool ex_has_grant(baton_store *s, const char *id);
/* The resource as protojson (in ctx), for asserting on nested fields. */
json_t *ex_resource_json(baton_store *s, const char *type, const char *id);

#endif
