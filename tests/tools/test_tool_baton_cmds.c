/*
 * The `baton` commands added to match the Go SDK's tool (dump-db, optimize, export c1z,
 * recalculate-stats, principals compare, to-pebble) and the Go semantics of grants/diff/expand
 * and the help. Drives the built binary (path in argv[1]); expected values come from SQLite
 * queries on the decompressed files (c1z_raw) or from files written with the store API.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "testutil.h"
#include "c1z_raw.h"
#include "c1/connector/v2/grant.pb-c.h"
#include "baton.h"
#include "baton/store.h"

#include "tool_testutil.h"

/* ---- point 2: the Go tool's semantics ---------------------------------------------------- */

/* Grants of the Go-written file carry GrantExpandable annotations (older schema: in the data
 * blob). Both stores move them into the expansion column when opening it; our readers put them
 * back as an annotation, Go's do not, so the Go tool's `grants` and `diff` never show it, and
 * neither do we. */
static void test_no_grant_expandable(void **state)
{
	(void)state;
	char *fe = strdup(test_data_path(EXPANDED));
	c1z_raw *raw = c1z_raw_open(fe);
	assert_true(c1z_raw_int(raw, "SELECT count(*) FROM v1_grants WHERE instr(data, CAST(? AS BLOB)) > 0",
	                        "c1.connector.v2.GrantExpandable", NULL) > 0);
	c1z_raw_close(raw);

	run r;
	RUN(&r, "-f", fe, "-o", "json", "grants");
	assert_ok(&r);
	assert_non_null(strstr(r.out, "\"grants\":["));
	assert_null(strstr(r.out, "GrantExpandable"));
	run_free(&r);
	free(fe);

	/* Two syncs of the same expandable grants, one of them changed otherwise: diff reports that
	 * one only (the annotation is not part of the comparison) and shows no annotation. */
	char path[4096], ids[2][28];
	snprintf(path, sizeof path, "%s/tool-diffexp-%d.c1z", test_out_dir(), (int)getpid());
	unlink(path);
	baton_store *s;
	CHECK(baton_store_open(path, NULL, &s));
	for (int k = 0; k < 2; k++) {
		baton_ctx *ctx;
		baton_resource_type *ut, *gt;
		baton_resource *grp, *u;
		baton_entitlement *member;
		CHECK(baton_ctx_new(&ctx));
		CHECK(baton_store_sync_start(s, BATON_SYNC_TYPE_FULL, NULL, ids[k]));
		CHECK(baton_resource_type_new(ctx, "user", (const baton_trait[]){BATON_TRAIT_USER}, 1, &ut));
		CHECK(baton_resource_type_new(ctx, "group", (const baton_trait[]){BATON_TRAIT_GROUP}, 1, &gt));
		CHECK(baton_store_put_resource_type(s, ut));
		CHECK(baton_store_put_resource_type(s, gt));
		CHECK(baton_group_resource_new(ctx, "Engineering", gt, "eng", &grp));
		CHECK(baton_store_put_resource(s, grp));
		CHECK(baton_assignment_entitlement_new(ctx, grp, "member", &member));
		CHECK(baton_store_put_entitlement(s, member));
		const char *users[] = {"alice", "bob"};
		for (int i = 0; i < 2; i++) {
			baton_grant *g;
			baton_resource_id pid = {"user", users[i]};
			const char *src[] = {"group:other:member"};
			CHECK(baton_user_resource_new(ctx, users[i], ut, users[i], &u));
			CHECK(baton_store_put_resource(s, u));
			CHECK(baton_grant_new(ctx, grp, "member", &pid, &g));
			CHECK(baton_grant_set_expandable(g, src, 1, false, NULL, 0));
			if (k == 1 && i == 1)
				CHECK(baton_grant_set_metadata_json(g, "{\"note\":\"changed\"}"));
			CHECK(baton_store_put_grant(s, g));
		}
		CHECK(baton_store_sync_end(s));
		baton_ctx_free(ctx);
		nanosleep(&(struct timespec){0, 20000000}, NULL);
	}
	CHECK(baton_store_close(s));
	json_t *j = RUN_JSON("-f", path, "diff");
	json_t *mod = test_json_get(j, "grants.modified");
	assert_int_equal(json_array_size(mod), 1);
	char *text = json_dumps(j, 0);
	assert_null(strstr(text, "GrantExpandable"));
	free(text);
	json_decref(j);
	RUN(&r, "-f", path, "-o", "json", "grants");
	assert_ok(&r);
	assert_null(strstr(r.out, "GrantExpandable"));
	run_free(&r);
	unlink(path);
}

/* A file with nothing to expand: `expand` succeeds and leaves it byte for byte. */
static void test_expand_nothing(void **state)
{
	(void)state;
	char id[28];
	char *path = make_file("noexpand", false, id, NULL);
	size_t n1, n2;
	char *b1 = slurp(path, &n1);
	run r;
	RUN(&r, "-f", path, "expand");
	assert_ok(&r);
	assert_non_null(strstr(r.out, "nothing to expand"));
	run_free(&r);
	json_t *j = RUN_JSON("-f", path, "-o", "json", "expand");
	assert_true(json_is_true(json_object_get(j, "nothingToExpand")));
	json_decref(j);
	char *b2 = slurp(path, &n2);
	assert_int_equal(n1, n2);
	assert_memory_equal(b1, b2, n1);
	free(b1);
	free(b2);
	/* An explicit sync id that does not exist is still an error. */
	RUN(&r, "-f", path, "expand", "--sync-id", "nosuchsync");
	assert_int_equal(r.status, 1);
	run_free(&r);
	unlink(path);
	free(path);
}

/* The group "ops" (bob is a member); ops (the group) is a member of eng, and its members are too. */
static void expand_marker_more(tool_fixture *f, baton_store *s)
{
	baton_resource *ops;
	baton_entitlement *e;
	baton_grant *g;
	CHECK(baton_group_resource_new(f->ctx, "Operations", f->gt, "ops", &ops));
	CHECK(baton_store_put_resource(s, ops));
	CHECK(baton_assignment_entitlement_new(f->ctx, ops, "member", &e));
	CHECK(baton_store_put_entitlement(s, e));
	CHECK(baton_store_put_grant(s, fixture_member_grant(f, ops, "bob")));
	const char *src[] = {"group:ops:member"};
	CHECK(baton_grant_new(f->ctx, f->eng, "member", &(baton_resource_id){"group", "ops"}, &g));
	CHECK(baton_grant_set_expandable(g, src, 1, false, NULL, 0));
	CHECK(baton_store_put_grant(s, g));
}

/* A finished sync whose expandable grants were never expanded, without the supports_diff marker (as
 * a store-written file); `expand` expands it and marks it as Go's syncer does, so rollback-expansion
 * (ours and Go's) accepts it; a sync expanded already (by us, or the Go-written expanded file) is
 * left alone by `expand`: success, nothing written. */
static void test_expand_marker(void **state)
{
	(void)state;
	char path[4096], id[28];
	snprintf(path, sizeof path, "%s/tool-expandmark-%d.c1z", test_out_dir(), (int)getpid());
	unlink(path);
	baton_store *s;
	CHECK(baton_store_open(path, NULL, &s));
	const fixture_row bob = {"bob", "bob", NULL};
	const fixture_more ops = {NULL, expand_marker_more};
	write_sync_more(s, &bob, 1, &ops, id);
	CHECK(baton_store_close(s));

	run r;
	RUN(&r, "-f", path, "rollback-expansion", "--dry-run");
	assert_error(&r, 1, "no supports_diff marker");
	run_free(&r);
	json_t *j = RUN_JSON("-f", path, "-o", "json", "expand");
	test_json_assert_str(j, "syncId", id);
	test_json_assert_str(j, "grantsCreated", "1");
	json_decref(j);
	c1z_raw *raw = c1z_raw_open(path);
	assert_non_null(raw);
	assert_int_equal(c1z_raw_int(raw, "SELECT supports_diff FROM v1_sync_runs WHERE sync_id = ?", id, NULL), 1);
	assert_int_equal(c1z_raw_int(raw, "SELECT count(*) FROM v1_grants WHERE principal_resource_id = ? AND "
	                                  "entitlement_id = ?", "bob", "group:eng:member"),
	                 1);
	c1z_raw_close(raw);
	RUN(&r, "-f", path, "rollback-expansion", "--dry-run");
	assert_ok(&r);
	assert_non_null(strstr(r.out, "would delete 1 expansion-derived grant(s)"));
	run_free(&r);

	/* Expanded already: nothing to do, nothing written (with and without --sync-id). */
	size_t n1, n2;
	char *b1 = slurp(path, &n1);
	RUN(&r, "-f", path, "expand");
	assert_ok(&r);
	assert_non_null(strstr(r.out, "was expanded already"));
	run_free(&r);
	j = RUN_JSON("-f", path, "-o", "json", "expand", "--sync-id", id);
	assert_true(json_is_true(json_object_get(j, "nothingToExpand")));
	test_json_assert_str(j, "syncId", id);
	json_decref(j);
	char *b2 = slurp(path, &n2);
	assert_int_equal(n1, n2);
	assert_memory_equal(b1, b2, n1);
	free(b1);
	free(b2);

	/* The Go-written expanded file (its sync finished and expanded by the Go SDK). */
	copy_file(test_data_path(EXPANDED), path);
	b1 = slurp(path, &n1);
	RUN(&r, "-f", path, "expand");
	assert_ok(&r);
	assert_non_null(strstr(r.out, "was expanded already"));
	run_free(&r);
	b2 = slurp(path, &n2);
	assert_int_equal(n1, n2);
	assert_memory_equal(b1, b2, n1);
	free(b1);
	free(b2);
	unlink(path);
}

/* The help says which commands write and which are extensions; hidden commands stay hidden. */
static void test_help_marks(void **state)
{
	(void)state;
	run r;
	RUN(&r, "--help");
	assert_ok(&r);
	assert_null(strstr(r.out, "Nothing here modifies"));
	assert_non_null(strstr(r.out, "Run the grant-expansion step of a sync [writes] [ext]"));
	assert_non_null(strstr(r.out, "principals compare"));
	assert_non_null(strstr(r.out, "recalculate-stats"));
	assert_non_null(strstr(r.out, "export c1z"));
	assert_null(strstr(r.out, "  dump-db "));
	assert_null(strstr(r.out, "  optimize "));
	run_free(&r);
	static const char *const cmds[][2] = {
		{"dump-db", NULL}, {"optimize", NULL}, {"recalculate-stats", NULL}, {"to-pebble", NULL},
		{"export", "c1z"}, {"principals", "compare"},
	};
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (cmds[i][1])
			RUN(&r, cmds[i][0], cmds[i][1], "--help");
		else
			RUN(&r, cmds[i][0], "--help");
		assert_ok(&r);
		assert_non_null(strstr(r.out, "Usage: baton"));
		run_free(&r);
	}
	RUN(&r, "access", "--help");
	assert_non_null(strstr(r.out, "--with-expansion"));
	run_free(&r);
}

/* ---- writers ------------------------------------------------------------------------------ */

static int64_t db_count(const char *db_path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static void test_dump_db(void **state)
{
	(void)state;
	char out[4096], dir[4096];
	run r;
	const char *f = test_data_path(EXPANDED);
	c1z_raw *raw = c1z_raw_open(f);
	int64_t grants = c1z_raw_count(raw, "v1_grants");
	c1z_raw_close(raw);

	snprintf(out, sizeof out, "%s/tool-dump-%d.db", test_out_dir(), (int)getpid());
	unlink(out);
	RUN(&r, "-f", f, "dump-db", "--out", out);
	assert_ok(&r);
	run_free(&r);
	assert_int_equal(db_count(out, "SELECT count(*) FROM v1_grants"), grants);
	/* Again over the existing file: replaced. */
	RUN(&r, "-f", f, "dump-db", "--out", out);
	assert_ok(&r);
	run_free(&r);
	assert_int_equal(db_count(out, "SELECT count(*) FROM v1_grants"), grants);
	unlink(out);

	/* A directory as the target is refused and left alone. */
	snprintf(dir, sizeof dir, "%s/tool-dump-dir-%d", test_out_dir(), (int)getpid());
	mkdir(dir, 0700);
	RUN(&r, "-f", f, "dump-db", "--out", dir);
	assert_error(&r, 1, "not a regular file");
	run_free(&r);
	struct stat st;
	assert_int_equal(stat(dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	rmdir(dir);

	RUN(&r, "-f", "/dev/null", "dump-db", "--out", out);
	assert_int_equal(r.status, 1);
	run_free(&r);
	assert_int_equal(access(out, F_OK), -1);
}

static void test_optimize(void **state)
{
	(void)state;
	char in[4096], wip[4200];
	run r;
	snprintf(in, sizeof in, "%s/tool-opt-%d.c1z", test_out_dir(), (int)getpid());
	copy_file(test_data_path(EXPANDED), in);

	json_t *before = RUN_JSON("-f", in, "-o", "json", "stats");
	RUN(&r, "-f", in, "optimize");
	assert_ok(&r);
	assert_string_equal(r.out, "Optimized C1Z successfully.");
	run_free(&r);
	json_t *after = RUN_JSON("-f", in, "-o", "json", "stats");
	assert_true(json_equal(before, after));
	json_decref(before);
	json_decref(after);

	/* Refused while a connector's sync of the file is unfinished; the file is left alone. */
	snprintf(wip, sizeof wip, "%s.wip", in);
	assert_int_equal(mkdir(wip, 0700), 0);
	size_t n1, n2;
	char *b1 = slurp(in, &n1);
	RUN(&r, "-f", in, "optimize");
	assert_error(&r, 1, "unfinished");
	run_free(&r);
	char *b2 = slurp(in, &n2);
	assert_int_equal(n1, n2);
	assert_memory_equal(b1, b2, n1);
	free(b1);
	free(b2);
	rmdir(wip);

	/* Not a c1z: an error, the file kept. */
	RUN(&r, "-f", test_out_dir(), "optimize");
	assert_error(&r, 1, "not a regular file");
	run_free(&r);
	unlink(in);
}

static void test_export_c1z(void **state)
{
	(void)state;
	char old_id[28], new_id[28], out[4096];
	run r;
	char *two = make_file("export-two", true, old_id, new_id);
	snprintf(out, sizeof out, "%s/tool-latest-%d.c1z", test_out_dir(), (int)getpid());
	unlink(out);

	/* Default: the latest finished full sync only. */
	RUN(&r, "-f", two, "export", "c1z", "--out", out);
	assert_ok(&r);
	run_free(&r);
	json_t *j = RUN_JSON("-f", out, "-o", "json", "syncs");
	assert_int_equal(json_array_size(json_object_get(j, "syncs")), 1);
	test_json_assert_str(j, "syncs.0.id", new_id);
	json_decref(j);
	j = RUN_JSON("-f", out, "-o", "json", "resources", "-t", "user");
	assert_int_equal(json_array_size(json_object_get(j, "resources")), 3);
	json_decref(j);
	c1z_raw *raw = c1z_raw_open(out);
	assert_int_equal(c1z_raw_count(raw, "v1_grants"), 3);
	assert_int_equal(c1z_raw_count(raw, "v1_resources"), 4);
	c1z_raw_close(raw);

	/* An existing output is refused (as the Go tool) and left alone. */
	RUN(&r, "-f", two, "export", "c1z", "--out", out, "--sync-id", old_id);
	assert_error(&r, 1, "already exists");
	run_free(&r);
	unlink(out);

	RUN(&r, "-f", two, "export", "c1z", "--out", out, "--sync-id", old_id);
	assert_ok(&r);
	run_free(&r);
	j = RUN_JSON("-f", out, "-o", "json", "syncs");
	assert_int_equal(json_array_size(json_object_get(j, "syncs")), 1);
	test_json_assert_str(j, "syncs.0.id", old_id);
	json_decref(j);
	unlink(out);

	RUN(&r, "-f", two, "export", "c1z", "--out", out, "--sync-id", "nosuchsync");
	assert_error(&r, 1, "nosuchsync");
	run_free(&r);
	assert_int_equal(access(out, F_OK), -1);
	unlink(two);
	free(two);
}

/* The stats text stored for the only sync of path (malloc'ed). */
static char *stored_stats(const char *path)
{
	c1z_raw *raw = c1z_raw_open(path);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(c1z_raw_db(raw), "SELECT stats FROM v1_sync_runs", -1, &st, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	const char *t = (const char *)sqlite3_column_text(st, 0);
	char *copy = strdup(t ? t : "");
	sqlite3_finalize(st);
	c1z_raw_close(raw);
	return copy;
}

static void test_recalculate_stats(void **state)
{
	(void)state;
	char in[4096];
	run r;
	snprintf(in, sizeof in, "%s/tool-recalc-%d.c1z", test_out_dir(), (int)getpid());
	char id[28];
	char *made = make_file("recalc", false, id, NULL);
	rename(made, in);
	free(made);

	/* A resource added to the finished sync afterwards: its cached stats (4 resources) are stale. */
	baton_store *s;
	baton_ctx *ctx;
	baton_resource_type *ut;
	baton_resource *u;
	CHECK(baton_store_open(in, NULL, &s));
	CHECK(baton_ctx_new(&ctx));
	CHECK(baton_store_sync_set_current(s, id));
	CHECK(baton_resource_type_new(ctx, "user", (const baton_trait[]){BATON_TRAIT_USER}, 1, &ut));
	CHECK(baton_user_resource_new(ctx, "Erin", ut, "erin", &u));
	CHECK(baton_store_put_resource(s, u));
	CHECK(baton_store_close(s));
	baton_ctx_free(ctx);
	char *stats = stored_stats(in);
	assert_non_null(strstr(stats, "\"resources\":4"));
	free(stats);

	RUN(&r, "-f", in, "recalculate-stats");
	assert_ok(&r);
	assert_non_null(strstr(r.out, "Recalculated stats for sync "));
	assert_non_null(strstr(r.out, "Recalculated stats for 1 sync(s)"));
	run_free(&r);
	stats = stored_stats(in);
	assert_non_null(strstr(stats, "\"resources\":5"));
	free(stats);
	json_t *j = RUN_JSON("-f", in, "-o", "json", "stats");
	test_json_assert_str(j, "stats.resources", "5");
	json_decref(j);

	RUN(&r, "-f", in, "recalculate-stats", "--sync-id", "nosuchsync");
	assert_error(&r, 1, "nosuchsync");
	run_free(&r);
	unlink(in);
}

static void test_principals_compare(void **state)
{
	(void)state;
	const char *ent = "group:group-0000017:member";
	char *fe = strdup(test_data_path(EXPANDED));
	char *fu = strdup(test_data_path(UNEXPANDED));
	c1z_raw *raw = c1z_raw_open(fe);
	int64_t in_e = c1z_raw_int(raw, "SELECT count(DISTINCT principal_resource_type_id || ':' || "
	                                "principal_resource_id) FROM v1_grants WHERE entitlement_id = ?", ent, NULL);
	c1z_raw_close(raw);
	raw = c1z_raw_open(fu);
	int64_t in_u = c1z_raw_int(raw, "SELECT count(DISTINCT principal_resource_type_id || ':' || "
	                                "principal_resource_id) FROM v1_grants WHERE entitlement_id = ?", ent, NULL);
	c1z_raw_close(raw);
	assert_true(in_e > in_u && in_u > 0);

	/* Expanded (base) against unexpanded: the expansion-only principals are missing. */
	json_t *j = RUN_JSON("-f", fe, "-o", "json", "principals", "compare", "-e", ent, "--compare-file", fu,
	                     "--compare-entitlement", ent);
	assert_int_equal(json_array_size(json_object_get(j, "base")), in_e);
	assert_int_equal(json_array_size(json_object_get(j, "compared")), in_u);
	assert_int_equal(json_array_size(json_object_get(j, "missing")), in_e - in_u);
	assert_null(json_object_get(j, "extra"));
	json_decref(j);

	/* The other way round: extra instead of missing. */
	j = RUN_JSON("-f", fu, "-o", "json", "principals", "compare", "-e", ent, "--compare-file", fe,
	             "--compare-entitlement", ent);
	assert_int_equal(json_array_size(json_object_get(j, "extra")), in_e - in_u);
	assert_null(json_object_get(j, "missing"));
	json_decref(j);

	run r;
	RUN(&r, "-f", fe, "principals", "compare", "-e", ent, "--compare-file", fe, "--compare-entitlement", ent);
	assert_ok(&r);
	assert_non_null(strstr(r.out, "The principals between these entitlements appear to match!"));
	run_free(&r);
	RUN(&r, "-f", fe, "principals", "compare", "-e", ent, "--compare-file", fu, "--compare-entitlement", ent);
	assert_ok(&r);
	assert_non_null(strstr(r.out, "Missing Principals"));
	assert_null(strstr(r.out, "Extra Principals"));
	run_free(&r);
	RUN(&r, "-f", fe, "principals", "compare", "-e", ent);
	assert_error(&r, 2, "--compare-entitlement");
	run_free(&r);
	free(fe);
	free(fu);
}

static void test_export_xlsx(void **state)
{
	(void)state;
	char out[4096], dir[4096];
	run r;
	snprintf(out, sizeof out, "%s/tool-%d.xlsx", test_out_dir(), (int)getpid());
	unlink(out);
	RUN(&r, "-f", test_data_path(EXPANDED), "export", "xlsx", "--out", out);
	if (r.status == 1 && strstr(r.err, "built without libxlsxwriter")) {
		run_free(&r);
		skip();
	}
	assert_ok(&r);
	run_free(&r);
	size_t n;
	char *b = slurp(out, &n);
	assert_true(n > 1000);
	assert_memory_equal(b, "PK\x03\x04", 4); /* a zip container, as every XLSX */
	free(b);
	unlink(out);

	/* A directory as the target is refused; a broken input leaves no file. */
	snprintf(dir, sizeof dir, "%s/tool-xlsx-dir-%d", test_out_dir(), (int)getpid());
	mkdir(dir, 0700);
	RUN(&r, "-f", test_data_path(EXPANDED), "export", "xlsx", "--out", dir);
	assert_error(&r, 1, "not a regular file");
	run_free(&r);
	rmdir(dir);
	RUN(&r, "-f", "/nonexistent/x.c1z", "export", "xlsx", "--out", out);
	assert_int_equal(r.status, 1);
	run_free(&r);
	assert_int_equal(access(out, F_OK), -1);
}

/* Number of entitlements in an access output. */
static size_t access_count(json_t *j)
{
	size_t n = 0, i;
	json_t *a;
	json_array_foreach(json_object_get(j, "access"), i, a)
		n += json_array_size(json_object_get(a, "entitlements"));
	return n;
}

/* Boolean flags take =true/=false as with cobra; anything else is a usage error. */
static void test_bool_flags(void **state)
{
	(void)state;
	const char *f = test_data_path(UNEXPANDED);
	json_t *plain = RUN_JSON("-f", f, "-o", "json", "access", "-t", "user", "-r", "user-0000200");
	json_t *off = RUN_JSON("-f", f, "-o", "json", "access", "-t", "user", "-r", "user-0000200",
	                       "--with-expansion=false");
	json_t *on = RUN_JSON("-f", f, "-o", "json", "access", "-t", "user", "-r", "user-0000200",
	                      "--with-expansion=true");
	/* the last occurrence wins, as with cobra */
	json_t *on_off = RUN_JSON("-f", f, "-o", "json", "access", "-t", "user", "-r", "user-0000200",
	                          "--with-expansion", "--with-expansion=false");
	json_t *off_on = RUN_JSON("-f", f, "-o", "json", "access", "-t", "user", "-r", "user-0000200",
	                          "--with-expansion=false", "--with-expansion");
	assert_true(json_equal(plain, off));
	assert_true(access_count(on) > access_count(plain));
	assert_true(json_equal(plain, on_off));
	assert_true(json_equal(on, off_on));
	json_decref(plain);
	json_decref(off);
	json_decref(on);
	json_decref(on_off);
	json_decref(off_on);
	run r;
	RUN(&r, "-f", f, "access", "-t", "user", "-r", "user-0000200", "--with-expansion=maybe");
	assert_error(&r, 2, "=true/=false");
	run_free(&r);
}

/* The member grants of test_rollback_dry_run: "direct" has its own source, "derived" another
 * one and GrantImmutable, "suspect" another one only, "plain" none. */
static void rollback_edit_grant(baton_grant *g, size_t row)
{
	if (row == 0)
		CHECK(baton_grant_add_source(g, "group:eng:member", true));
	if (row == 1) {
		CHECK(baton_grant_add_source(g, "group:other:member", false));
		CHECK(baton_grant_set_immutable(g, NULL, NULL));
	}
	if (row == 2)
		CHECK(baton_grant_add_source(g, "group:other:member", false));
}

static void rollback_more(tool_fixture *f, baton_store *s)
{
	(void)f;
	CHECK(baton_store_sync_set_supports_diff(s));
}

/* rollback-expansion --dry-run counts as the Go SDK classifies: a grant with its own source is
 * "cleared", one with sources but not its own is "deleted" (suspect without GrantImmutable). */
static void test_rollback_dry_run(void **state)
{
	(void)state;
	char path[4096], id[28];
	snprintf(path, sizeof path, "%s/tool-rollback-%d.c1z", test_out_dir(), (int)getpid());
	unlink(path);
	baton_store *s;
	CHECK(baton_store_open(path, NULL, &s));
	const fixture_row users[] = {
		{"direct", "direct", "member"}, {"derived", "derived", "member"},
		{"suspect", "suspect", "member"}, {"plain", "plain", "member"},
	};
	const fixture_more sources = {rollback_edit_grant, rollback_more};
	write_sync_more(s, users, 4, &sources, id);
	CHECK(baton_store_close(s));

	size_t n1, n2;
	char *b1 = slurp(path, &n1);
	run r;
	RUN(&r, "-f", path, "rollback-expansion", "--dry-run");
	assert_ok(&r);
	char want[8192];
	snprintf(want, sizeof want,
	         "dry-run: sync %s \u2014 would delete 2 expansion-derived grant(s) and clear sources on 1 direct "
	         "grant(s) [1 deleted grant(s) carried Sources but no self-source and no expander marker \u2014 "
	         "verify they are not connector-set; pass --preserve-suspect-grants to keep them]\n", id);
	assert_string_equal(r.out, want);
	run_free(&r);
	RUN(&r, "-f", path, "rollback-expansion", "--dry-run", "--preserve-suspect-grants", "--replay");
	assert_ok(&r);
	assert_non_null(strstr(r.out, "would delete 1 expansion-derived grant(s) and clear sources on 1 direct"));
	assert_non_null(strstr(r.out, "[1 grant(s) had Sources but no self-source and no expander marker"));
	assert_non_null(strstr(r.out, "; replayed expansion\n"));
	run_free(&r);
	char *b2 = slurp(path, &n2);
	assert_int_equal(n1, n2);
	assert_memory_equal(b1, b2, n1); /* a dry run changes nothing */
	free(b2);

	/* The write path: a new file holding the sync rolled back; the input is never modified. */
	char out[4200], out2[4200];
	snprintf(out, sizeof out, "%s.rolled.c1z", path);
	snprintf(out2, sizeof out2, "%s.replayed.c1z", path);
	unlink(out);
	unlink(out2);
	RUN(&r, "-f", path, "rollback-expansion", "--out", out);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.err, "warning: --replay not set"));
	snprintf(want, sizeof want,
	         "sync %s rolled back: deleted 2 expansion-derived grant(s), cleared sources on 1 direct grant(s) "
	         "[1 deleted grant(s) carried Sources but no self-source and no expander marker \u2014 verify they "
	         "are not connector-set; pass --preserve-suspect-grants to keep them]; wrote %s\n",
	         id, out);
	assert_string_equal(r.out, want);
	run_free(&r);
	b2 = slurp(path, &n2);
	assert_int_equal(n1, n2);
	assert_memory_equal(b1, b2, n1);
	free(b2);
	c1z_raw *raw = c1z_raw_open(out);
	assert_non_null(raw);
	/* The direct grant (sources cleared) and the plain one stay; the derived and suspect are gone. */
	assert_int_equal(c1z_raw_int(raw, "SELECT count(*) FROM v1_grants WHERE sync_id = ?", id, NULL), 2);
	assert_int_equal(c1z_raw_int(raw, "SELECT count(*) FROM v1_grants WHERE principal_resource_id IN (?, ?)",
	                             "direct", "plain"), 2);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(c1z_raw_db(raw), "SELECT data FROM v1_grants", -1, &st, NULL), SQLITE_OK);
	int rows = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		C1__Connector__V2__Grant *g = c1__connector__v2__grant__unpack(
			NULL, (size_t)sqlite3_column_bytes(st, 0), sqlite3_column_blob(st, 0));
		assert_non_null(g);
		assert_null(g->sources); /* no sources left */
		assert_non_null(g->id);
		c1__connector__v2__grant__free_unpacked(g, NULL);
		rows++;
	}
	sqlite3_finalize(st);
	assert_int_equal(rows, 2);
	/* The run: stats dropped, token marked for expansion with an Init action (Go's replay token). */
	assert_int_equal(c1z_raw_int(raw, "SELECT count(*) FROM v1_sync_runs WHERE sync_id = ? AND stats IS NULL AND "
	                                  "json_extract(sync_token, '$.needs_expansion') = 1 AND "
	                                  "json_extract(sync_token, '$.actions_map.\"' || json_extract(sync_token, "
	                                  "'$.action_order[0]') || '\".operation') = 'init'",
	                             id, NULL),
	                 1);
	assert_int_equal(c1z_raw_int(raw, "SELECT count(*) FROM v1_sync_runs", NULL, NULL), 1);
	int64_t rolled_done = c1z_raw_int(raw, "SELECT json_extract(sync_token, '$.completed_actions_count') FROM "
	                                       "v1_sync_runs", NULL, NULL);
	int64_t rolled_next = c1z_raw_int(raw, "SELECT json_extract(sync_token, '$.current_action_id') FROM "
	                                       "v1_sync_runs", NULL, NULL);
	c1z_raw_close(raw);
	/* As Go: an existing --out is refused, and --preserve-suspect-grants keeps the suspect grant. */
	RUN(&r, "-f", path, "rollback-expansion", "--out", out);
	assert_error(&r, 1, "already exists");
	run_free(&r);
	unlink(out);
	RUN(&r, "-f", path, "rollback-expansion", "--out", out, "--preserve-suspect-grants", "--replay");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "rolled back: deleted 1 expansion-derived grant(s), cleared sources on 1"));
	assert_non_null(strstr(r.out, "; replayed expansion\n"));
	run_free(&r);
	raw = c1z_raw_open(out);
	assert_int_equal(c1z_raw_int(raw, "SELECT count(*) FROM v1_grants WHERE principal_resource_id = ?", "suspect",
	                             NULL),
	                 1);
	assert_int_equal(c1z_raw_int(raw, "SELECT count(*) FROM v1_grants WHERE principal_resource_id = ?", "derived",
	                             NULL),
	                 0);
	/* The replayed token is what Go's syncer leaves: the Init action and the grant-expansion action it
	 * pushed both run and counted, no action left, still marked for expansion. */
	assert_int_equal(c1z_raw_int(raw, "SELECT count(*) FROM v1_sync_runs WHERE json_extract(sync_token, "
	                                  "'$.actions_map') IS NULL AND json_extract(sync_token, '$.action_order') IS "
	                                  "NULL AND json_extract(sync_token, '$.needs_expansion') = 1",
	                             NULL, NULL),
	                 1);
	assert_int_equal(c1z_raw_int(raw, "SELECT json_extract(sync_token, '$.completed_actions_count') FROM "
	                                  "v1_sync_runs", NULL, NULL),
	                 rolled_done + 2);
	assert_int_equal(c1z_raw_int(raw, "SELECT json_extract(sync_token, '$.current_action_id') FROM v1_sync_runs",
	                             NULL, NULL),
	                 rolled_next + 1);
	c1z_raw_close(raw);
	unlink(out);
	/* --validate: this file has no expandable grants, so the replay re-derives none of the removed
	 * sources: the divergences are listed, and no output is left behind. */
	RUN(&r, "-f", path, "rollback-expansion", "--out", out2, "--replay", "--validate");
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.err, "rollback+replay changed grant sources (3 divergence(s)); output not finalized"));
	assert_non_null(strstr(r.err, "grant \"group:eng:member:user:derived\": present before, absent after replay"));
	assert_non_null(strstr(r.err, "\ngrant \"group:eng:member:user:direct\": sources changed "
	                              "before=[group:eng:member=true] after=[]\n"));
	assert_int_equal(r.out_len, 0);
	run_free(&r);
	assert_int_not_equal(access(out2, F_OK), 0);
	RUN(&r, "-f", path, "rollback-expansion", "--out", "/dev/null");
	assert_error(&r, 1, "not a regular file");
	run_free(&r);

	/* Flag mistakes. */
	RUN(&r, "-f", path, "rollback-expansion");
	assert_error(&r, 1, "--out is required");
	run_free(&r);
	RUN(&r, "-f", path, "rollback-expansion", "--dry-run", "--validate");
	assert_error(&r, 1, "--validate requires --replay");
	run_free(&r);
	/* A sync without the supports_diff marker: nothing to roll back, as Go says. */
	RUN(&r, "-f", test_data_path(EXPANDED), "rollback-expansion", "--dry-run");
	assert_error(&r, 1, "no supports_diff marker");
	run_free(&r);
	free(b1);
	unlink(path);
}

static void test_to_pebble(void **state)
{
	(void)state;
	run r;
	RUN(&r, "-f", test_data_path(EXPANDED), "to-pebble");
	assert_error(&r, 1, "not supported");
	run_free(&r);
	RUN(&r, "-f", test_data_path(EXPANDED), "to-pebble", "--out", "x.c1z", "--batch-size", "10", "--tmp-dir", "/tmp");
	assert_error(&r, 1, "not supported");
	run_free(&r);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s BATON_BINARY\n", argv[0]);
		return 2;
	}
	baton_bin = argv[1];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_grant_expandable),
		cmocka_unit_test(test_expand_nothing),
		cmocka_unit_test(test_expand_marker),
		cmocka_unit_test(test_help_marks),
		cmocka_unit_test(test_dump_db),
		cmocka_unit_test(test_optimize),
		cmocka_unit_test(test_export_c1z),
		cmocka_unit_test(test_recalculate_stats),
		cmocka_unit_test(test_principals_compare),
		cmocka_unit_test(test_export_xlsx),
		cmocka_unit_test(test_bool_flags),
		cmocka_unit_test(test_rollback_dry_run),
		cmocka_unit_test(test_to_pebble),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
