/*
 * A large expansion defers the unique (external_id, sync_id) grant index too (expand_defer.c):
 * new grants are plain INSERTs while their ids are known to be new, and the index is built at
 * the end. The grants must be row for row (rowid, every column, data) what the upsert path
 * gives, including when a new grant's id is already stored on a row that is not a grant of that
 * entitlement to that principal (a connector's own id) and when two created grants join to the
 * same id; and a process killed in the middle of the expansion must reopen, run again and end
 * with the same rows as an uninterrupted run.
 */
#include "expand_testutil.h"

#include <signal.h>
#include <sys/wait.h>

#include "store/store.h"
#include "store_fill.h"
#include "sync/expand_int.h" /* baton__expand_keep_unique */

/* Above the expansion size from which grant indexes are deferred (20,000 estimated new grants). */
#define MANY 12000
/* Enough for expansion to commit (every 50,000 writes) before it is killed. */
#define KILL_MANY 30000

/* An xf on `path`, resumable or not (xf_new's store is not). */
static xf *open_xf(const char *dir, const char *name, bool resumable)
{
	xf *f = calloc(1, sizeof(*f));
	CHECK(baton_ctx_new(&f->ctx));
	f->dir = strdup(dir);
	f->path = st_path(dir, name);
	baton_store_options o = BATON_STORE_OPTIONS_INIT;
	o.resumable_work_dir = resumable;
	CHECK(baton_store_open(f->path, &o, &f->s));
	return f;
}

static void close_xf(xf *f, bool discard)
{
	if (discard)
		baton_store_discard(f->s);
	else
		CHECK(baton_store_close(f->s));
	baton_ctx_free(f->ctx);
	free(f->dir);
	free(f->path);
	free(f);
}

/* A grant of group:<rid>:member to principal (prt, pid), which may hold ':'. */
static void put_member(xf *f, const char *rid, const char *prt, const char *pid)
{
	baton_resource_id p = {prt, pid};
	baton_grant *g;
	CHECK(baton_grant_new(f->ctx, xf_resource(f, "group", rid), "member", &p, &g));
	CHECK(baton_store_put_grant(f->s, g));
}

/* What fill() stores besides the plain shape. */
typedef struct shape {
	int many;     /* members of group:s:member */
	bool tricky;  /* two members whose grants of one destination join to the same id */
	bool foreign; /* stored grants that carry ids expansion gives */
	bool prefix;  /* the second destination's id is the first's followed by ':' */
} shape;

/*
 * group:d:member and a second destination (group:e:member, or group:d:member:user with `prefix`)
 * both expand from group:s:member, whose `many` members (user:u<i>) become grants of both.
 * With `tricky`, both also expand from group:t:member, and the members (a, "b:c") of s and
 * ("a:b", c) of t give each destination two grants with the same id ("group:d:member:a:b:c"):
 * the upsert makes them one row with the later data.
 * With `foreign`, a stored grant of group:o:member to user:z carries the id that expansion gives
 * group:d:member's grant to user:u7, and the expandable grant of the second destination the one
 * it gives group:d:member's grant to user:u8 (as a connector may set its own ids): the upsert
 * gives them the new data and keeps their other columns (the expandable one its expansion).
 */
static void fill(xf *f, shape sh)
{
	const char *second = sh.prefix ? "member:user" : "member";
	const char *second_rid = sh.prefix ? "d" : "e";
	xf_ent(f, "group:s:member");
	xf_ent(f, "group:d:member");
	xf_ent(f, "group:o:member");
	{
		baton_entitlement *e;
		CHECK(baton_assignment_entitlement_new(f->ctx, xf_resource(f, "group", second_rid), second, &e));
		CHECK(baton_store_put_entitlement(f->s, e));
	}
	if (sh.tricky)
		xf_ent(f, "group:t:member");
	for (int k = 0; k < (sh.tricky ? 2 : 1); k++) {
		const char *src = k ? "t" : "s";
		char from_id[32], principal[32];
		snprintf(from_id, sizeof from_id, "group:%s:member", src);
		snprintf(principal, sizeof principal, "group:%s", src);
		xf_exp(f, "group:d:member", principal, from_id, false, NULL);
		baton_resource_id p = {"group", src};
		const char *from[] = {from_id};
		baton_grant *g;
		CHECK(baton_grant_new(f->ctx, xf_resource(f, "group", second_rid), second, &p, &g));
		CHECK(baton_grant_set_expandable(g, from, 1, false, NULL, 0));
		CHECK(baton_store_put_grant(f->s, g));
	}
	char p[32];
	for (int i = 0; i < sh.many; i++) {
		snprintf(p, sizeof p, "user:u%d", i);
		xf_grant(f, "group:s:member", p);
		if (sh.tricky && i == sh.many / 2) {
			put_member(f, "s", "a", "b:c");
			put_member(f, "t", "a:b", "c");
		}
	}
	xf_grant(f, "group:o:member", "user:z");
	CHECK(baton_store_flush(f->s));
	if (sh.foreign) {
		char sql[512];
		snprintf(sql, sizeof sql,
		         "UPDATE v1_grants SET external_id = 'group:d:member:user:u7' "
		         "WHERE external_id = 'group:o:member:user:z'; "
		         "UPDATE v1_grants SET external_id = 'group:d:member:user:u8' "
		         "WHERE external_id = 'group:%s:%s:group:s'",
		         second_rid, second);
		assert_int_equal(sqlite3_exec(f->s->db, sql, NULL, NULL, NULL), SQLITE_OK);
	}
	/* a grant read ends the bulk phase: expansion starts with every index in place */
	assert_int_equal(xf_count(f, "group:s:member"), (size_t)sh.many + (sh.tricky ? 1 : 0));
}

typedef struct watch {
	xf *f;
	bool saw_without; /* the unique index absent while expanding */
	uint64_t kill_after;
} watch;

static int on_progress(const baton_expand_progress *p, void *data)
{
	watch *w = data;
	if (p->phase == BATON_EXPAND_PHASE_EXPAND && !store_fill_has_unique_index(w->f->s->db))
		w->saw_without = true;
	if (w->kill_after && p->grants_created >= w->kill_after) {
		if (!w->saw_without)
			_exit(4); /* the kill must come while the index is deferred */
		raise(SIGKILL);
	}
	return 0;
}

static int expand(xf *f, watch *w)
{
	baton_expand_options o = {0};
	o.version = BATON_EXPAND_OPTIONS_VERSION;
	o.progress = on_progress;
	o.progress_data = w;
	baton_expand_stats st;
	return baton_expand_store(f->s, f->sync_id, &o, &st);
}

/* The grants after expanding fill(foreign), deferring the unique index or not. */
static char *expanded(const char *dir, const char *name, shape sh, bool keep_unique, bool *saw_without)
{
	xf *f = open_xf(dir, name, false);
	CHECK(baton_store_sync_start(f->s, BATON_SYNC_TYPE_FULL, NULL, f->sync_id));
	fill(f, sh);
	baton__expand_keep_unique = keep_unique;
	watch w = {f, false, 0};
	CHECK(expand(f, &w));
	baton__expand_keep_unique = false;
	*saw_without = w.saw_without;
	assert_true(store_fill_has_unique_index(f->s->db));
	assert_int_equal(f->s->grants_deferred & BATON__GIDX_UNIQUE, 0);
	char *rows = store_fill_grant_rows(f->s->db, false);
	/* saving builds the rest; the file's schema is whole */
	CHECK(baton_store_sync_end(f->s));
	assert_int_equal(f->s->grants_deferred, 0);
	close_xf(f, true);
	return rows;
}

static void compare_paths(shape sh)
{
	char *dir = st_mkdtemp("exp-uniq");
	bool with, without;
	char *ref = expanded(dir, "upsert.c1z", sh, true, &with);
	char *got = expanded(dir, "deferred.c1z", sh, false, &without);
	assert_false(with); /* the upsert path keeps the index */
	/* this one went without it, at least for a while; not when destination ids can join */
	assert_int_equal(without, !sh.prefix);
	assert_string_equal(got, ref);
	size_t rows = 0;
	for (const char *c = ref; (c = strchr(c, '\n')); c++)
		rows++;
	/* the expandable grants, s's and t's members, o's grant, and every member in both
	 * destinations, less the joined ids (one row for two) and the foreign ids (the stored row
	 * rewritten) */
	size_t members = (size_t)sh.many + (sh.tricky ? 2 : 0);
	assert_int_equal(rows, (sh.tricky ? 4 : 2) + members + 1 + 2 * members - (sh.tricky ? 2 : 0) -
	                           (sh.foreign ? 2 : 0));
	if (sh.tricky)
		assert_non_null(strstr(ref, "|group:d:member:a:b:c|"));
	if (sh.foreign) /* the expandable grant kept its expansion under the new data */
		assert_non_null(strstr(ref, "|group:d:member:user:u8|0A0E67726F75703A733A6D656D626572|"));
	free(ref);
	free(got);
	st_rmtree(dir);
	free(dir);
}

static void test_same_rows_as_upsert(void **state)
{
	(void)state;
	compare_paths((shape){MANY, false, false, false});
}

/* Two grants created with the same id: the second is written by the upsert (index built back). */
static void test_joined_ids(void **state)
{
	(void)state;
	compare_paths((shape){MANY, true, false, false});
}

/* A stored grant of another entitlement holds a new grant's id: the upsert rewrites its data;
 * so must the deferred path (it builds the index back on that id). */
static void test_foreign_id_collision(void **state)
{
	(void)state;
	compare_paths((shape){MANY, true, true, false});
}

/* A destination id that is another's followed by ':': ids may join anywhere, the upsert throughout. */
static void test_prefix_ids_keep_upsert(void **state)
{
	(void)state;
	compare_paths((shape){MANY, true, true, true});
}

/*
 * Killed in the middle of the expansion, after the first of its commits (50,000 writes): the
 * working copy has expansion's rows without the unique index. Reopened, the store builds it (no
 * duplicate to merge); the expansion run again ends with the rows of an uninterrupted run.
 */
static void test_killed_expansion_resumes(void **state)
{
	(void)state;
	char *dir = st_mkdtemp("exp-uniq-kill");
	char *path = st_path(dir, "killed.c1z");
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		xf *f = open_xf(dir, "killed.c1z", true);
		if (baton_store_sync_start(f->s, BATON_SYNC_TYPE_FULL, NULL, f->sync_id))
			_exit(2);
		fill(f, (shape){KILL_MANY, false, false, false});
		watch w = {f, false, 50000 - 100};
		expand(f, &w);
		_exit(3);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

	xf *f = open_xf(dir, "killed.c1z", true);
	assert_true(baton_store_resumed(f->s));
	assert_true(store_fill_has_unique_index(f->s->db)); /* repaired on open */
	int64_t rows = store_fill_i64(f->s->db, "SELECT count(*) FROM v1_grants");
	/* expansion's first commit (50,000 writes) is there, not the rest */
	assert_int_equal(rows, 2 + KILL_MANY + 1 + 50000);
	assert_int_equal(store_fill_i64(f->s->db, "SELECT count(*) FROM (SELECT 1 FROM v1_grants GROUP BY "
	                                          "external_id, sync_id HAVING count(*) > 1)"),
	                 0);
	bool resumed = false;
	CHECK(baton_store_sync_start_or_resume(f->s, BATON_SYNC_TYPE_FULL, NULL, f->sync_id, &resumed));
	assert_true(resumed);
	CHECK(xf_expand(f, NULL));
	char *got = store_fill_grant_rows(f->s->db, false);
	close_xf(f, true);

	bool without;
	char *ref = expanded(dir, "straight.c1z", (shape){KILL_MANY, false, false, false}, false, &without);
	assert_true(without);
	assert_string_equal(got, ref);
	free(got);
	free(ref);
	free(path);
	st_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_killed_expansion_resumes),
		cmocka_unit_test(test_same_rows_as_upsert),
		cmocka_unit_test(test_joined_ids),
		cmocka_unit_test(test_foreign_id_collision),
		cmocka_unit_test(test_prefix_ids_keep_upsert),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
