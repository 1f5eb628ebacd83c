/*
 * Test-only helpers shared by the store tests (tests/unit/test_store_*.c): the grant data several
 * of them write, and the few steps they all take to look at the file the store saved. Every
 * failure ends the current test through fail_msg() or a cmocka assertion.
 */
#ifndef BATON_TEST_STORE_FILL_H
#define BATON_TEST_STORE_FILL_H

#include <stdbool.h>
#include <stdint.h>
#include <sqlite3.h>

#include "baton/ctx.h"
#include "baton/resource.h"
#include "baton/store.h"

/* How many groups store_fill_group_members spreads its grants over. */
#define STORE_FILL_GROUPS 50

/*
 * What store_fill_group_members writes: the resource type "Group" (trait GROUP), the groups
 * g0 .. g49, and `grants` grants of their "member" entitlement. Grant i is of group j % 50 to the
 * user <uid_prefix><j / 50> (the number zero-padded to uid_digits digits; 0: not padded), where
 * j = i, or with `scattered` j = i * 7919 % grants (a permutation when grants is prime to 7919):
 * the user ids then come in no order, so the store's grant indexes grow by random inserts.
 * With `read_first`, the first grant is read back right after its put: a read ends the store's
 * bulk phase (store/bulk.c), so the grant indexes are kept row by row from there on.
 */
typedef struct store_fill_members {
	int grants;
	bool scattered;
	const char *uid_prefix;
	int uid_digits;
	bool read_first;
} store_fill_members;

/* Puts the data `m` describes into `s` (in a sync the caller started). Allocates nothing that
 * outlives the call: the store copies what it is given. */
void store_fill_group_members(baton_store *s, const store_fill_members *m);

/*
 * A test fixture: a context, a directory and one group "g1" (resource type "Group", no traits)
 * whose "member" grants store_fill_put_member makes.
 */
typedef struct store_fill_fx {
	baton_ctx *ctx;
	char *dir;  /* the fixture's directory (owned: freed, not removed, by store_fill_fx_free) */
	char *path; /* <dir>/<file>, or NULL when no file was named (owned) */
	baton_resource *group;
} store_fill_fx;

/* A fixture in `dir` (a malloc'ed path whose ownership passes to the fixture); `file`, if not
 * NULL, names the fixture's path in it. Never returns NULL: fails the test instead. */
store_fill_fx *store_fill_fx_new(char *dir, const char *file);
/* Frees the fixture, its context and its strings; the caller removes the directory first. */
void store_fill_fx_free(store_fill_fx *f);

/* Puts the grant of g1's "member" to user u<i> (expandable from `expandable_from`, a grant's
 * entitlement id, when not NULL); returns baton_store_put_grant's result. */
int store_fill_put_member(store_fill_fx *f, baton_store *s, int i, const char *expandable_from);

/* The first column of the first row of `sql` (which must return a row) as an integer. */
int64_t store_fill_i64(sqlite3 *db, const char *sql);
/* Every grant row of db in rowid order, one line each, every column but discovered_at (and
 * sync_id unless with_sync): for comparing two files row by row. malloc'd; the caller frees it. */
char *store_fill_grant_rows(sqlite3 *db, bool with_sync);
/* Whether db has the unique (external_id, sync_id) grant index (the store may defer it). */
bool store_fill_has_unique_index(sqlite3 *db);

/*
 * Checks that `c1z` is a c1z (magic, one zstd frame with its size in the header), writes its
 * payload to <dir>/<name> as a plain SQLite file and opens it (writable). The caller closes the
 * handle with sqlite3_close; the file stays until the directory is removed.
 */
sqlite3 *store_fill_open_payload(const char *c1z, const char *dir, const char *name);

/* The size of the file at `path` in bytes. */
long store_fill_file_size(const char *path);

/* Opens the c1z at `path` read-only through the store and closes it, both without error. */
void store_fill_read_back(const char *path);

#endif
