/*
 * The resumable working copy "<c1z>.wip/" (baton_store_options.resumable_work_dir): what an
 * abrupt stop (a forked child killed with SIGKILL, or ending with _exit() without closing) leaves
 * is picked up by the next open; a copy made from another c1z or with a damaged database is
 * discarded; the lock keeps a second opener out; nothing is ever left in TMPDIR.
 */
#include "store_testutil.h"

#include <signal.h>
#include <sys/wait.h>

#include "store/store.h" /* s->db: a small page cache, so a big transaction spills into the file */

static baton_store *open_wip(const char *path)
{
	baton_store_options o = BATON_STORE_OPTIONS_INIT;
	o.resumable_work_dir = true;
	baton_store *s;
	CHECK(baton_store_open(path, &o, &s));
	return s;
}

static int try_open_wip(const char *path, baton_store **s)
{
	baton_store_options o = BATON_STORE_OPTIONS_INIT;
	o.resumable_work_dir = true;
	return baton_store_open(path, &o, s);
}

static char *wip_of(const char *path, const char *name)
{
	char *p = malloc(4200);
	snprintf(p, 4200, "%s.wip%s%s", path, name ? "/" : "", name ? name : "");
	return p;
}

static bool exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0;
}

static off_t size_of(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 ? st.st_size : -1;
}

/* Puts users u<from>..u<to-1>, each with a display name of `name_len` bytes. No assertions: also
 * used in forked children. */
static int put_users(baton_store *s, int from, int to, size_t name_len)
{
	baton_ctx *ctx;
	if (baton_ctx_new(&ctx))
		return -1;
	char *name = malloc(name_len + 1);
	memset(name, 'n', name_len);
	name[name_len] = '\0';
	int rc = 0;
	for (int i = from; i < to && rc == 0; i++) {
		char id[32];
		snprintf(id, sizeof id, "u%d", i);
		baton_resource_id rid = {"user", id};
		baton_resource *r;
		rc = baton_resource_new_with_id(ctx, name, &rid, &r);
		if (!rc)
			rc = baton_store_put_resource(s, r);
	}
	free(name);
	baton_ctx_free(ctx);
	return rc;
}

static uint64_t count_resources(baton_store *s, const char *sync_id)
{
	baton_store_counts c;
	CHECK(baton_store_count(s, sync_id, &c));
	return c.resources;
}

/* A c1z with one finished sync of `n` users, written the ordinary way. */
static void write_finished(const char *path, int n, char id[28])
{
	baton_store *s;
	CHECK(baton_store_open(path, NULL, &s));
	CHECK(baton_store_sync_start(s, BATON_SYNC_TYPE_FULL, NULL, id));
	CHECK(put_users(s, 0, n, 8));
	CHECK(baton_store_sync_end(s));
	CHECK(baton_store_close(s));
}

typedef enum stop_how { STOP_SIGKILL, STOP_EXIT } stop_how;

typedef struct child_report {
	char sync_id[28];
	int rc;
	char msg[256];
} child_report;

/*
 * In a child: open the resumable store, start (or resume) a full sync, put `committed` users,
 * checkpoint `token`, then put `uncommitted` more with big names (a transaction large enough to
 * spill into the database file, so the rollback journal is hot), optionally end the sync; then
 * stop without closing. The sync id comes back through a pipe.
 */
static child_report run_child(const char *path, int committed, const char *token, int uncommitted,
                              bool end_sync, stop_how how)
{
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		child_report r;
		memset(&r, 0, sizeof r);
		baton_store_options o = BATON_STORE_OPTIONS_INIT;
		o.resumable_work_dir = true;
		baton_store *s;
		r.rc = baton_store_open(path, &o, &s);
		if (!r.rc && sqlite3_exec(s->db, "PRAGMA cache_size = 16", NULL, NULL, NULL) != SQLITE_OK)
			r.rc = -1;
		if (!r.rc)
			r.rc = baton_store_sync_start_or_resume(s, BATON_SYNC_TYPE_FULL, NULL, r.sync_id, NULL);
		if (!r.rc)
			r.rc = put_users(s, 0, committed, 8);
		if (!r.rc)
			r.rc = baton_store_sync_checkpoint(s, token);
		if (!r.rc)
			r.rc = put_users(s, committed, committed + uncommitted, 1000);
		if (!r.rc && end_sync)
			r.rc = baton_store_sync_end(s);
		if (r.rc)
			snprintf(r.msg, sizeof r.msg, "%s", baton_error_last()->message);
		if (write(fds[1], &r, sizeof r) != (ssize_t)sizeof r)
			_exit(3);
		close(fds[1]);
		if (r.rc)
			_exit(2);
		if (how == STOP_SIGKILL)
			raise(SIGKILL);
		_exit(0);
	}
	close(fds[1]);
	child_report r;
	memset(&r, 0, sizeof r);
	assert_int_equal(read(fds[0], &r, sizeof r), (ssize_t)sizeof r);
	close(fds[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (r.rc)
		fail_msg("child failed: %d %s", r.rc, r.msg);
	if (how == STOP_SIGKILL)
		assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	else
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return r;
}

/* A killed writer's checkpoint and committed rows are there on the next open; its uncommitted
 * transaction (hot journal) is rolled back; the c1z was never touched. */
static void test_resume_after_sigkill(void **state)
{
	(void)state;
	char *dir = st_mkdtemp("wip-kill");
	char *path = st_path(dir, "sync.c1z");
	char first[28];
	write_finished(path, 3, first);
	size_t n0;
	unsigned char *before = st_read_file(path, &n0);

	child_report r = run_child(path, 40, "{\"tok\":1}", 4500, false, STOP_SIGKILL);
	char *marker = wip_of(path, "marker"), *journal = wip_of(path, "db-journal");
	assert_true(exists(marker));
	assert_true(size_of(journal) > 0); /* the killed transaction left a hot journal */
	char *db = wip_of(path, "db");
	assert_true(size_of(db) > 3000000); /* ... and ~4.5 MB of uncommitted pages in the file */
	size_t n1;
	unsigned char *after = st_read_file(path, &n1);
	assert_int_equal(n0, n1);
	assert_memory_equal(before, after, n0);
	free(after);

	baton_store *s = open_wip(path);
	assert_true(baton_store_resumed(s));
	assert_true(baton_store_is_dirty(s));
	assert_true(size_of(db) < 1000000); /* rolled back to the committed state */
	free(db);
	baton_ctx *ctx;
	CHECK(baton_ctx_new(&ctx));
	baton_sync_run run;
	CHECK(baton_store_sync_latest_unfinished(s, BATON_SYNC_TYPE_FULL, ctx, &run));
	assert_string_equal(run.id, r.sync_id);
	assert_string_equal(run.sync_token, "{\"tok\":1}");
	assert_int_equal(count_resources(s, r.sync_id), 40);
	assert_int_equal(count_resources(s, first), 3);
	assert_int_equal(baton_store_sync_unsaved_finished(s, ctx, &run), BATON_ENOTFOUND);

	/* resume it: same sync id, finish, save */
	char again[28];
	bool resumed = false;
	CHECK(baton_store_sync_start_or_resume(s, BATON_SYNC_TYPE_FULL, NULL, again, &resumed));
	assert_true(resumed);
	assert_string_equal(again, r.sync_id);
	CHECK(put_users(s, 40, 50, 8));
	CHECK(baton_store_sync_end(s));
	CHECK(baton_store_close(s));
	char *wip = wip_of(path, NULL);
	assert_false(exists(wip));

	CHECK(baton_store_open(path, NULL, &s));
	CHECK(baton_store_sync_latest_finished(s, BATON_SYNC_TYPE_FULL, ctx, &run));
	assert_string_equal(run.id, r.sync_id);
	assert_int_equal(count_resources(s, r.sync_id), 50);
	baton_store_discard(s);
	baton_ctx_free(ctx);
	assert_no_temp_left();

	free(wip);
	free(before);
	free(marker);
	free(journal);
	free(path);
	st_rmtree(dir);
	free(dir);
}

/* Two kills in a row, the first on a path with no c1z yet ("none" in the marker). */
static void test_resume_twice_from_nothing(void **state)
{
	(void)state;
	char *dir = st_mkdtemp("wip-twice");
	char *path = st_path(dir, "sync.c1z");
	child_report a = run_child(path, 10, "{\"tok\":1}", 0, false, STOP_EXIT);
	assert_false(exists(path));
	child_report b = run_child(path, 20, "{\"tok\":2}", 100, false, STOP_SIGKILL);
	assert_string_equal(a.sync_id, b.sync_id); /* the second child resumed the first's sync */
	assert_false(exists(path));

	baton_store *s = open_wip(path);
	assert_true(baton_store_resumed(s));
	baton_ctx *ctx;
	CHECK(baton_ctx_new(&ctx));
	baton_sync_run run;
	CHECK(baton_store_sync_latest_unfinished(s, BATON_SYNC_TYPE_FULL, ctx, &run));
	assert_string_equal(run.id, a.sync_id);
	assert_string_equal(run.sync_token, "{\"tok\":2}");
	assert_int_equal(count_resources(s, a.sync_id), 20);
	baton_ctx_free(ctx);
	baton_store_discard(s); /* discard: the working copy goes too */
	char *wip = wip_of(path, NULL);
	assert_false(exists(wip));
	assert_false(exists(path));
	assert_no_temp_left();
	free(wip);
	free(path);
	st_rmtree(dir);
	free(dir);
}

/* The stop came after the sync ended but before the c1z was saved: the next open reports it. */
static void test_unsaved_finished_sync(void **state)
{
	(void)state;
	char *dir = st_mkdtemp("wip-end");
	char *path = st_path(dir, "sync.c1z");
	char first[28];
	write_finished(path, 2, first);
	child_report r = run_child(path, 5, "{}", 0, true, STOP_SIGKILL);

	baton_store *s = open_wip(path);
	baton_ctx *ctx;
	CHECK(baton_ctx_new(&ctx));
	baton_sync_run run;
	CHECK(baton_store_sync_unsaved_finished(s, ctx, &run));
	assert_string_equal(run.id, r.sync_id);
	assert_non_null(run.ended_at);
	assert_int_equal(baton_store_sync_latest_unfinished(s, BATON_SYNC_TYPE_ANY, ctx, &run), BATON_ENOTFOUND);
	CHECK(baton_store_close(s));

	/* saved now: a fresh working copy has nothing unsaved */
	s = open_wip(path);
	assert_false(baton_store_resumed(s));
	assert_int_equal(baton_store_sync_unsaved_finished(s, ctx, &run), BATON_ENOTFOUND);
	CHECK(baton_store_sync_latest_finished(s, BATON_SYNC_TYPE_FULL, ctx, &run));
	assert_string_equal(run.id, r.sync_id);
	baton_store_discard(s);
	baton_ctx_free(ctx);
	free(path);
	st_rmtree(dir);
	free(dir);
}

/* A wip made from another c1z (the file was replaced since; or a crash between the rename and
 * the removal) is discarded. */
static void test_marker_mismatch_discards(void **state)
{
	(void)state;
	char *dir = st_mkdtemp("wip-mismatch");
	char *path = st_path(dir, "sync.c1z");
	char first[28], second[28];
	write_finished(path, 2, first);
	child_report r = run_child(path, 7, "{}", 0, false, STOP_SIGKILL);

	/* someone replaces the file (another writer, or the killed run's own final save) */
	write_finished(path, 4, second);

	baton_store *s = open_wip(path);
	assert_false(baton_store_resumed(s));
	assert_false(baton_store_is_dirty(s));
	baton_ctx *ctx;
	CHECK(baton_ctx_new(&ctx));
	baton_sync_run run;
	assert_int_equal(baton_store_sync_get(s, r.sync_id, ctx, &run), BATON_ENOTFOUND);
	CHECK(baton_store_sync_latest_finished(s, BATON_SYNC_TYPE_FULL, ctx, &run));
	assert_string_equal(run.id, second);
	baton_store_discard(s);

	/* the same c1z, another mtime: also a mismatch */
	r = run_child(path, 7, "{}", 0, false, STOP_EXIT);
	struct timespec ts[2] = {{0, UTIME_OMIT}, {1000000000, 0}};
	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
	s = open_wip(path);
	assert_false(baton_store_resumed(s));
	assert_int_equal(baton_store_sync_get(s, r.sync_id, ctx, &run), BATON_ENOTFOUND);
	baton_store_discard(s);

	/* a marker that is not ours at all */
	r = run_child(path, 7, "{}", 0, false, STOP_EXIT);
	char *marker = wip_of(path, "marker");
	st_write_file(marker, "garbage\n", 8);
	s = open_wip(path);
	assert_false(baton_store_resumed(s));
	baton_store_discard(s);

	baton_ctx_free(ctx);
	char *wip = wip_of(path, NULL);
	assert_false(exists(wip));
	assert_no_temp_left();
	free(wip);
	free(marker);
	free(path);
	st_rmtree(dir);
	free(dir);
}

/* A damaged database in the wip is discarded and the store is made again from the c1z. */
static void test_corrupt_db_discards(void **state)
{
	(void)state;
	char *dir = st_mkdtemp("wip-corrupt");
	char *path = st_path(dir, "sync.c1z");
	char first[28];
	write_finished(path, 2, first);
	char *db = wip_of(path, "db"), *journal = wip_of(path, "db-journal");
	const struct { const char *what; const char *bytes; size_t len; } damage[] = {
		{"not sqlite", "this is not a database at all, not even close......", 52},
		{"empty", "", 0},
		{"missing", NULL, 0},
	};
	for (size_t i = 0; i < sizeof(damage) / sizeof(damage[0]); i++) {
		child_report r = run_child(path, 6, "{}", 0, false, STOP_SIGKILL);
		unlink(journal);
		if (damage[i].bytes)
			st_write_file(db, damage[i].bytes, damage[i].len);
		else
			unlink(db);
		baton_store *s = open_wip(path);
		assert_false(baton_store_resumed(s));
		baton_ctx *ctx;
		CHECK(baton_ctx_new(&ctx));
		baton_sync_run run;
		assert_int_equal(baton_store_sync_get(s, r.sync_id, ctx, &run), BATON_ENOTFOUND);
		CHECK(baton_store_sync_latest_finished(s, BATON_SYNC_TYPE_FULL, ctx, &run));
		assert_string_equal(run.id, first);
		baton_ctx_free(ctx);
		baton_store_discard(s);
	}
	/* a database without the store's tables */
	run_child(path, 6, "{}", 0, false, STOP_SIGKILL);
	unlink(journal);
	sqlite3 *raw = st_sqlite_open(db);
	st_sql(raw, "DROP TABLE v1_grants");
	sqlite3_close(raw);
	baton_store *s = open_wip(path);
	assert_false(baton_store_resumed(s));
	baton_store_discard(s);

	char *wip = wip_of(path, NULL);
	assert_false(exists(wip));
	assert_no_temp_left();
	free(wip);
	free(db);
	free(journal);
	free(path);
	st_rmtree(dir);
	free(dir);
}

/* One opener at a time: another process (or handle) gets a clear BATON_EUNAVAILABLE. */
static void test_lock(void **state)
{
	(void)state;
	char *dir = st_mkdtemp("wip-lock");
	char *path = st_path(dir, "sync.c1z");
	baton_store *s = open_wip(path);
	char id[28];
	CHECK(baton_store_sync_start(s, BATON_SYNC_TYPE_FULL, NULL, id));

	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		baton_store *t = NULL;
		int rc = try_open_wip(path, &t);
		bool ok = rc == BATON_EUNAVAILABLE && t == NULL &&
		          strstr(baton_error_last()->message, "is in use by another process") != NULL;
		_exit(ok ? 0 : 1);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	baton_store *t = NULL;
	st_expect_error(try_open_wip(path, &t), BATON_EUNAVAILABLE, "is in use by another process");
	assert_null(t);
	/* the refused open did not remove anything */
	char *marker = wip_of(path, "marker");
	assert_true(exists(marker));

	/* a read-only open does not care */
	baton_store_options ro = BATON_STORE_OPTIONS_INIT;
	ro.read_only = true;
	ro.resumable_work_dir = true;
	CHECK(baton_store_open(path, &ro, &t));
	baton_store_discard(t);

	CHECK(baton_store_suspend(s));
	assert_true(exists(marker));
	s = open_wip(path); /* free again */
	assert_true(baton_store_resumed(s));
	CHECK(baton_store_close(s));
	assert_false(exists(marker));
	assert_true(exists(path));
	assert_no_temp_left();
	free(marker);
	free(path);
	st_rmtree(dir);
	free(dir);
}

/* Read-only opens and version-1 options never create, use or remove a working copy; a suspend
 * with nothing to resume leaves none. */
static void test_wip_only_when_asked(void **state)
{
	(void)state;
	char *dir = st_mkdtemp("wip-ro");
	char *path = st_path(dir, "sync.c1z");
	char first[28];
	write_finished(path, 2, first);
	char *wip = wip_of(path, NULL), *marker = wip_of(path, "marker");

	/* version 1 options: the member is not read */
	baton_store_options o = BATON_STORE_OPTIONS_INIT;
	o.version = 1;
	o.resumable_work_dir = true;
	baton_store *s;
	CHECK(baton_store_open(path, &o, &s));
	assert_false(exists(wip));
	baton_store_discard(s);

	/* suspend with no change and nothing picked up: nothing kept */
	s = open_wip(path);
	assert_true(exists(marker));
	CHECK(baton_store_suspend(s));
	assert_false(exists(wip));

	/* a kept wip is invisible to read-only opens, and stays as it is */
	child_report r = run_child(path, 3, "{}", 0, false, STOP_SIGKILL);
	struct stat m0, m1;
	assert_int_equal(stat(marker, &m0), 0);
	baton_store_options ro = BATON_STORE_OPTIONS_INIT;
	ro.read_only = true;
	ro.resumable_work_dir = true;
	CHECK(baton_store_open(path, &ro, &s));
	assert_false(baton_store_resumed(s));
	baton_ctx *ctx;
	CHECK(baton_ctx_new(&ctx));
	baton_sync_run run;
	assert_int_equal(baton_store_sync_get(s, r.sync_id, ctx, &run), BATON_ENOTFOUND);
	baton_store_discard(s);
	assert_int_equal(stat(marker, &m1), 0);
	assert_int_equal(m0.st_ino, m1.st_ino);
	assert_int_equal(m0.st_mtim.tv_nsec, m1.st_mtim.tv_nsec);

	/* the directory is private */
	struct stat ws;
	assert_int_equal(stat(wip, &ws), 0);
	assert_int_equal(ws.st_mode & 0777, 0700);

	/* a resumed wip is kept by suspend even without new changes */
	s = open_wip(path);
	assert_true(baton_store_resumed(s));
	CHECK(baton_store_suspend(s));
	assert_true(exists(marker));
	s = open_wip(path);
	CHECK(baton_store_sync_get(s, r.sync_id, ctx, &run));
	baton_store_discard(s);
	assert_false(exists(wip));
	baton_ctx_free(ctx);
	assert_no_temp_left();
	free(wip);
	free(marker);
	free(path);
	st_rmtree(dir);
	free(dir);
}

/* A save that fails keeps the working copy: nothing is lost, the next open resumes it. */
static void test_failed_save_keeps_wip(void **state)
{
	(void)state;
	char *dir = st_mkdtemp("wip-save");
	char *path = st_path(dir, "sync.c1z");
	char first[28], id[28];
	write_finished(path, 2, first);
	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	assert_int_equal(mkdir(tmp, 0755), 0); /* "<path>.tmp" cannot be created as a file */

	baton_store *s = open_wip(path);
	CHECK(baton_store_sync_start(s, BATON_SYNC_TYPE_FULL, NULL, id));
	CHECK(put_users(s, 0, 4, 8));
	CHECK(baton_store_sync_end(s));
	assert_int_not_equal(baton_store_close(s), 0);
	char *marker = wip_of(path, "marker");
	assert_true(exists(marker));
	rmdir(tmp);

	s = open_wip(path);
	assert_true(baton_store_resumed(s));
	baton_ctx *ctx;
	CHECK(baton_ctx_new(&ctx));
	baton_sync_run run;
	CHECK(baton_store_sync_unsaved_finished(s, ctx, &run));
	assert_string_equal(run.id, id);
	baton_ctx_free(ctx);
	CHECK(baton_store_close(s));
	assert_false(exists(marker));
	assert_no_temp_left();
	free(marker);
	free(path);
	st_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resume_after_sigkill),
		cmocka_unit_test(test_resume_twice_from_nothing),
		cmocka_unit_test(test_unsaved_finished_sync),
		cmocka_unit_test(test_marker_mismatch_discards),
		cmocka_unit_test(test_corrupt_db_discards),
		cmocka_unit_test(test_lock),
		cmocka_unit_test(test_wip_only_when_asked),
		cmocka_unit_test(test_failed_save_keeps_wip),
	};
	return cmocka_run_group_tests(tests, st_tmpdir_setup, st_tmpdir_teardown);
}
