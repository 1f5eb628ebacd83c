/*
 * The bulk phase of a new file (src/store/bulk.c): grant puts are appends without the unique
 * (external_id, sync_id) index, which is built when the phase ends. Grants put more than once
 * must leave exactly the rows the upsert path leaves (rowids, columns, needs_expansion), with and
 * without the writer thread, and a working copy killed before the index was built must reopen
 * with the index and the same rows.
 */
#define _GNU_SOURCE
#include "store_testutil.h"

#include <signal.h>
#include <sys/wait.h>

#include "store/store.h" /* s->db, s->bulk_checked, baton__store_writer_* */
#include "store_fill.h"

#define N_USERS 3000
#define EXP_X "group:g2:member"
#define EXP_Y "group:g3:member"

/* The fixture: a context, a directory, the group g1 whose member grants store_fill_put_member puts. */
typedef store_fill_fx fx;

static int setup(void **state)
{
	baton__store_writer_disabled = false;
	*state = store_fill_fx_new(st_mkdtemp("bulk"), NULL);
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	baton__store_writer_disabled = false;
	st_rmtree(f->dir);
	store_fill_fx_free(f);
	return 0;
}

/*
 * N_USERS grants, some put again later (one right at the start, so most rowids depend on the
 * duplicates' rowids being given back), covering the upsert's needs_expansion cases: an expansion
 * that appears (1), stays the same (kept), changes (1), disappears (0).
 */
static int put_sequence(fx *f, baton_store *s, int from, int to)
{
	int rc = 0;
	for (int i = from; i < to && !rc; i++) {
		bool exp_first = i == 150 || i == 300 || i == 400 || i == 600;
		rc = store_fill_put_member(f, s, i, exp_first ? EXP_X : NULL);
		switch (i) {
		case 1: if (!rc) rc = store_fill_put_member(f, s, 0, NULL); break;
		case 100: if (!rc) rc = store_fill_put_member(f, s, 50, EXP_X); break;
		case 201: if (!rc) rc = store_fill_put_member(f, s, 150, EXP_X); break;
		case 1500: if (!rc) rc = store_fill_put_member(f, s, 300, EXP_Y); break;
		case 1600: if (!rc) rc = store_fill_put_member(f, s, 400, NULL); break;
		case 1700:
			if (!rc) rc = store_fill_put_member(f, s, 500, EXP_X);
			if (!rc) rc = store_fill_put_member(f, s, 600, EXP_X);
			break;
		case 2900:
			if (!rc) rc = store_fill_put_member(f, s, 500, NULL);
			if (!rc) rc = store_fill_put_member(f, s, 600, EXP_X);
			break;
		default: break;
		}
	}
	return rc;
}

/* The rows of the sequence in a new file; bulk = false writes them through the upsert. */
static char *rows_of(fx *f, const char *name, bool bulk, bool thread)
{
	char *path = st_path(f->dir, name);
	baton__store_writer_disabled = !thread;
	baton_store *s;
	CHECK(baton_store_open(path, NULL, &s));
	char id[28];
	CHECK(baton_store_sync_start(s, BATON_SYNC_TYPE_FULL, NULL, id));
	if (!bulk)
		s->bulk_checked = true; /* as in a file that already has grants: no bulk phase */
	CHECK(put_sequence(f, s, 0, N_USERS));
	/* The bulk phase dropped the unique index and put every row, duplicates too. */
	assert_int_equal(!store_fill_has_unique_index(s->db), bulk);
	if (!thread)
		assert_false(baton__store_writer_active(s));
	CHECK(baton_store_sync_end(s));
	assert_true(store_fill_has_unique_index(s->db));
	char *rows = store_fill_grant_rows(s->db, false);
	CHECK(baton_store_close(s));
	baton__store_writer_disabled = false;
	free(path);
	return rows;
}

static void check_expected_rows(fx *f)
{
	/* Independent of the comparison: the values the upsert semantics give. */
	char *path = st_path(f->dir, "check.c1z");
	baton_store *s;
	CHECK(baton_store_open(path, NULL, &s));
	char id[28];
	CHECK(baton_store_sync_start(s, BATON_SYNC_TYPE_FULL, NULL, id));
	CHECK(put_sequence(f, s, 0, N_USERS));
	CHECK(baton_store_sync_end(s));
	assert_int_equal(store_fill_i64(s->db, "SELECT count(*) FROM v1_grants"), N_USERS);
	assert_int_equal(store_fill_i64(s->db, "SELECT max(id) FROM v1_grants"), N_USERS);
	assert_int_equal(store_fill_i64(s->db, "SELECT id FROM v1_grants WHERE external_id LIKE '%:u2'"), 3);
	static const struct { int user, needs, has_exp; } want[] = {
		{0, 0, 0}, {50, 1, 1}, {150, 1, 1}, {300, 1, 1}, {400, 0, 0}, {500, 0, 0}, {600, 1, 1},
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		char sql[256];
		snprintf(sql, sizeof sql, "SELECT needs_expansion * 10 + (expansion IS NOT NULL) FROM v1_grants "
		         "WHERE external_id LIKE '%%:user:u%d'", want[i].user);
		assert_int_equal(store_fill_i64(s->db, sql), want[i].needs * 10 + want[i].has_exp);
	}
	/* u300's expansion is the later one (EXP_Y) */
	assert_int_equal(store_fill_i64(s->db, "SELECT instr(expansion, 'g3') > 0 FROM v1_grants WHERE "
	                            "external_id LIKE '%:user:u300'"), 1);
	CHECK(baton_store_close(s));
	free(path);
}

/* Bulk path (thread, no thread) against the upsert path, row by row. */
static void test_bulk_duplicates_match_upsert(void **state)
{
	fx *f = *state;
	char *ref = rows_of(f, "upsert.c1z", false, false);
	char *threaded = rows_of(f, "bulk-thread.c1z", true, true);
	char *single = rows_of(f, "bulk-single.c1z", true, false);
	assert_string_equal(threaded, ref);
	assert_string_equal(single, ref);
	free(ref);
	free(threaded);
	free(single);
	check_expected_rows(f);
}

/* Every grant put twice in a row, 20,000 grants: the bulk path merges them to the upsert path's
 * rows (rowids dense, in put order). The renumbering costs one index seek per row; it used to
 * count the moved rows below each row, quadratic in this shape (49 s at 32,000 grants). */
static char *rows_twice(fx *f, const char *name, bool bulk)
{
	char *path = st_path(f->dir, name);
	baton_store *s;
	CHECK(baton_store_open(path, NULL, &s));
	char id[28];
	CHECK(baton_store_sync_start(s, BATON_SYNC_TYPE_FULL, NULL, id));
	if (!bulk)
		s->bulk_checked = true;
	for (int i = 0; i < 20000; i++) {
		CHECK(store_fill_put_member(f, s, i, NULL));
		CHECK(store_fill_put_member(f, s, i, NULL));
	}
	CHECK(baton_store_sync_end(s));
	assert_int_equal(store_fill_i64(s->db, "SELECT count(*) FROM v1_grants"), 20000);
	assert_int_equal(store_fill_i64(s->db, "SELECT max(id) FROM v1_grants"), 20000);
	assert_int_equal(store_fill_i64(s->db, "SELECT id FROM v1_grants WHERE external_id LIKE '%:user:u19999'"),
	                 20000);
	char *rows = store_fill_grant_rows(s->db, false);
	CHECK(baton_store_close(s));
	free(path);
	return rows;
}

static void test_bulk_every_grant_twice(void **state)
{
	fx *f = *state;
	char *ref = rows_twice(f, "twice-upsert.c1z", false);
	char *bulk = rows_twice(f, "twice-bulk.c1z", true);
	assert_string_equal(bulk, ref);
	free(ref);
	free(bulk);
}

/* A read in the bulk phase ends it: it sees merged rows; later puts are upserts again. */
static void test_bulk_read_sees_merged_rows(void **state)
{
	fx *f = *state;
	char *path = st_path(f->dir, "read.c1z");
	baton_store *s;
	CHECK(baton_store_open(path, NULL, &s));
	char id[28];
	CHECK(baton_store_sync_start(s, BATON_SYNC_TYPE_FULL, NULL, id));
	CHECK(put_sequence(f, s, 0, 1600));
	baton_store_counts c;
	CHECK(baton_store_count(s, NULL, &c));
	assert_int_equal(c.grants, 1600);
	assert_true(store_fill_has_unique_index(s->db));
	baton_grant *g;
	CHECK(baton_store_get_grant(s, NULL, "group:g1:member:user:u300", f->ctx, &g));
	CHECK(put_sequence(f, s, 1600, N_USERS));
	CHECK(baton_store_sync_end(s));
	char *rows = store_fill_grant_rows(s->db, false);
	CHECK(baton_store_close(s));
	char *ref = rows_of(f, "read-ref.c1z", false, false);
	assert_string_equal(rows, ref);
	free(rows);
	free(ref);
	free(path);
}

static void copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb");
	if (!in)
		return; /* no journal: nothing to copy */
	FILE *out = fopen(to, "wb");
	assert_non_null(out);
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	assert_int_equal(fclose(out), 0);
}

/* A copy of the working copy's database and journal (if any); returns the copy's path (malloc). */
static char *copy_wip_db(fx *f, const char *c1z)
{
	char from[4200], to[4200];
	char *copy = st_path(f->dir, "inspect.db");
	snprintf(from, sizeof from, "%s.wip/db", c1z);
	copy_file(from, copy);
	snprintf(from, sizeof from, "%s.wip/db-journal", c1z);
	snprintf(to, sizeof to, "%s-journal", copy);
	copy_file(from, to);
	return copy;
}

/*
 * Runs first (the kill site is read from the environment at the process's first fault check: the
 * child sets it before any store call, the parent never has it). The child puts the sequence in a
 * resumable working copy, commits, and is killed by sync end in the middle of merging the
 * duplicates: the working copy (after its journal is rolled back) has every row, duplicates
 * included, and no unique index.
 */
static void test_killed_bulk_reopens(void **state)
{
	fx *f = *state;
	char *path = st_path(f->dir, "killed.c1z");
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* killed in the middle of the merge: duplicates moved, rows renumbered, index built,
		 * nothing replayed; the journal rolls all of it back on the next open */
		setenv("BATON_TEST_KILL_AT", "store.unique.replay:1", 1);
		baton_store_options o = BATON_STORE_OPTIONS_INIT;
		o.resumable_work_dir = true;
		baton_store *s;
		char id[28];
		if (baton_store_open(path, &o, &s) || baton_store_sync_start(s, BATON_SYNC_TYPE_FULL, NULL, id) ||
		    put_sequence(f, s, 0, 2000) || baton_store_flush(s))
			_exit(2);
		baton_store_sync_end(s); /* killed in it */
		_exit(3);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

	/* What the kill left, looked at in a copy (opening it rolls the hot journal back; the working
	 * copy itself is left for the store to open): duplicates and no unique index. */
	char *db = copy_wip_db(f, path);
	{
		char j[4200];
		struct stat jst;
		snprintf(j, sizeof j, "%s.wip/db-journal", path);
		/* the merge's changes were in a transaction: the journal is hot */
		assert_int_equal(stat(j, &jst), 0);
		assert_true(jst.st_size > 0);
	}
	sqlite3 *raw;
	assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(raw, "SELECT count(*), (SELECT count(*) FROM sqlite_master WHERE "
	                                         "name = 'idx_grants_external_sync_v1') FROM v1_grants", -1, &st, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_true(sqlite3_column_int(st, 0) > 2000);
	assert_int_equal(sqlite3_column_int(st, 1), 0);
	sqlite3_finalize(st);
	sqlite3_close(raw);
	free(db);

	/* Reopened: the index is built, the rows merged; the resumed sync re-puts a page, finishes. */
	baton_store_options o = BATON_STORE_OPTIONS_INIT;
	o.resumable_work_dir = true;
	baton_store *s;
	CHECK(baton_store_open(path, &o, &s));
	assert_true(baton_store_resumed(s));
	assert_true(store_fill_has_unique_index(s->db));
	assert_int_equal(store_fill_i64(s->db, "SELECT count(*) FROM v1_grants"), 2000);
	char id[28];
	bool resumed = false;
	CHECK(baton_store_sync_start_or_resume(s, BATON_SYNC_TYPE_FULL, NULL, id, &resumed));
	assert_true(resumed);
	CHECK(put_sequence(f, s, 1500, N_USERS));
	CHECK(baton_store_sync_end(s));
	char *rows = store_fill_grant_rows(s->db, false);
	CHECK(baton_store_close(s));

	/* Uninterrupted, the same puts (the re-put page included) in one bulk phase. */
	char *path2 = st_path(f->dir, "straight.c1z");
	CHECK(baton_store_open(path2, NULL, &s));
	CHECK(baton_store_sync_start(s, BATON_SYNC_TYPE_FULL, NULL, id));
	CHECK(put_sequence(f, s, 0, 2000));
	CHECK(put_sequence(f, s, 1500, N_USERS));
	CHECK(baton_store_sync_end(s));
	char *ref = store_fill_grant_rows(s->db, false);
	CHECK(baton_store_close(s));
	assert_string_equal(rows, ref);
	free(rows);
	free(ref);
	free(path);
	free(path2);
}

/*
 * Runs first, in a child (as test_killed_bulk_reopens): merging fails once (fault site
 * store.unique.replay), sync end returns the error and changes nothing (rows and missing index as
 * before); the next sync end merges and ends the sync. Exit codes name the failed check.
 */
static void test_failed_merge_changes_nothing(void **state)
{
	fx *f = *state;
	char *path = st_path(f->dir, "failed.c1z");
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		setenv("BATON_TEST_FAIL_AT", "store.unique.replay:1", 1);
		baton_store *s;
		char id[28];
		if (baton_store_open(path, NULL, &s) || baton_store_sync_start(s, BATON_SYNC_TYPE_FULL, NULL, id) ||
		    put_sequence(f, s, 0, N_USERS) || baton_store_flush(s))
			_exit(2);
		int64_t rows = store_fill_i64(s->db, "SELECT count(*) FROM v1_grants");
		if (rows <= N_USERS)
			_exit(3);
		if (baton_store_sync_end(s) != BATON_EINTERNAL || !strstr(baton_error_last()->message, "store.unique.replay"))
			_exit(4);
		if (store_fill_i64(s->db, "SELECT count(*) FROM v1_grants") != rows || store_fill_has_unique_index(s->db))
			_exit(5);
		if (baton_store_sync_end(s) || !store_fill_has_unique_index(s->db) ||
		    store_fill_i64(s->db, "SELECT count(*) FROM v1_grants") != N_USERS ||
		    store_fill_i64(s->db, "SELECT id FROM v1_grants WHERE external_id LIKE '%:u2'") != 3)
			_exit(6);
		if (baton_store_close(s))
			_exit(7);
		_exit(0);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		/* these two first: their children set fault variables before the process's first fault check */
		cmocka_unit_test_setup_teardown(test_failed_merge_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_killed_bulk_reopens, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bulk_duplicates_match_upsert, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bulk_read_sees_merged_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bulk_every_grant_twice, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
