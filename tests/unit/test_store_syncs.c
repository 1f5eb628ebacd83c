/* Sync-run selection, pagination, upsert semantics and streaming memory. */
#include "store_testutil.h"

#include <time.h>

#include "c1z_raw.h"
#include "store/store.h" /* baton__store_iter_memory */

typedef struct fx {
	baton_ctx *ctx;
	char *dir, *path, *db;
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	CHECK(baton_ctx_new(&f->ctx));
	f->dir = st_mkdtemp("sync");
	f->path = st_path(f->dir, "s.c1z");
	f->db = st_path(f->dir, "raw.db");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	baton_ctx_free(f->ctx);
	st_rmtree(f->dir);
	free(f->dir);
	free(f->path);
	free(f->db);
	free(f);
	return 0;
}

/* Inflates a c1z (written by the store, so with a content size) into a plain SQLite file. */
static void c1z_to_db(const char *c1z, const char *db)
{
	size_t n;
	unsigned char *b = st_read_file(c1z, &n);
	unsigned long long size = ZSTD_getFrameContentSize(b + 5, n - 5);
	assert_true(size < (1ull << 32));
	unsigned char *out = malloc(size ? size : 1);
	size_t got = ZSTD_decompress(out, size, b + 5, n - 5);
	assert_false(ZSTD_isError(got));
	st_write_file(db, out, got);
	free(out);
	free(b);
}

static void local_time(time_t t, char *buf, size_t cap)
{
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(buf, cap, "%Y-%m-%d %H:%M:%S", &tm);
}

static baton_resource_type *rt_named(baton_ctx *ctx, const char *name)
{
	baton_resource_type *rt;
	CHECK(baton_resource_type_new(ctx, name, NULL, 0, &rt));
	return rt;
}

/* Which sync a default listing reads: the single resource type of each sync names it. */
static const char *listed_type(baton_store *s, baton_ctx *ctx)
{
	baton_store_iter *it;
	CHECK(baton_store_list_resource_types(s, NULL, &it));
	baton_resource_type *rt;
	const char *name = NULL;
	if (baton_store_iter_next_resource_type(it, &rt) == 0)
		name = baton_ctx_strdup(ctx, baton_resource_type_id(rt));
	assert_int_equal(baton_store_iter_next_resource_type(it, &rt), BATON_ITEROVER);
	baton_store_iter_free(it);
	return name;
}

static void test_sync_selection(void **state)
{
	fx *f = *state;
	baton_store *s;
	CHECK(baton_store_open(f->path, NULL, &s));
	/* Five syncs, each with one resource type named after it; times rewritten below. */
	static const struct { const char *name; baton_sync_type type; } syncs[] = {
		{"a", BATON_SYNC_TYPE_FULL}, {"b", BATON_SYNC_TYPE_FULL}, {"c", BATON_SYNC_TYPE_PARTIAL},
		{"d", BATON_SYNC_TYPE_FULL}, {"e", BATON_SYNC_TYPE_PARTIAL},
	};
	char ids[5][28];
	for (int i = 0; i < 5; i++) {
		CHECK(baton_store_sync_start(s, syncs[i].type, NULL, ids[i]));
		CHECK(baton_store_put_resource_type(s, rt_named(f->ctx, syncs[i].name)));
		CHECK(baton_store_sync_end(s));
	}
	CHECK(baton_store_close(s));

	char old_start[32], recent[32], sql[2048];
	local_time(time(NULL) - 8 * 24 * 3600, old_start, sizeof old_start);
	local_time(time(NULL) - 3600, recent, sizeof recent);
	c1z_to_db(f->path, f->db);
	sqlite3 *db = st_sqlite_open(f->db);
	/* a and b end at the same instant: the larger sync id wins the tie. */
	snprintf(sql, sizeof sql,
	         "UPDATE v1_sync_runs SET sync_id = 'AAAAAAAAAAAAAAAAAAAAAAAAAAA', started_at = '2020-01-01 00:00:00', "
	         "  ended_at = '2020-01-01 00:00:02' WHERE sync_id = '%s';"
	         "UPDATE v1_resource_types SET sync_id = 'AAAAAAAAAAAAAAAAAAAAAAAAAAA' WHERE sync_id = '%s';"
	         "UPDATE v1_sync_runs SET sync_id = 'BBBBBBBBBBBBBBBBBBBBBBBBBBB', started_at = '2020-01-01 00:00:00', "
	         "  ended_at = '2020-01-01 00:00:02' WHERE sync_id = '%s';"
	         "UPDATE v1_resource_types SET sync_id = 'BBBBBBBBBBBBBBBBBBBBBBBBBBB' WHERE sync_id = '%s';"
	         "UPDATE v1_sync_runs SET started_at = '2021-01-01 00:00:00', ended_at = '2021-01-01 00:00:01.5' "
	         "  WHERE sync_id = '%s';"
	         "UPDATE v1_sync_runs SET started_at = '%s', ended_at = NULL WHERE sync_id = '%s';"
	         "UPDATE v1_sync_runs SET started_at = '%s', ended_at = NULL WHERE sync_id = '%s';",
	         ids[0], ids[0], ids[1], ids[1], ids[2], old_start, ids[3], recent, ids[4]);
	st_sql(db, sql);
	sqlite3_close(db);
	st_write_c1z_from_db(f->db, f->path);

	CHECK(baton_store_open(f->path, NULL, &s));
	baton_sync_run run;
	CHECK(baton_store_sync_latest_finished(s, BATON_SYNC_TYPE_ANY, f->ctx, &run));
	assert_string_equal(run.id, ids[2]);
	CHECK(baton_store_sync_latest_finished(s, BATON_SYNC_TYPE_FULL, f->ctx, &run));
	assert_string_equal(run.id, "BBBBBBBBBBBBBBBBBBBBBBBBBBB");
	CHECK(baton_store_sync_latest_unfinished(s, BATON_SYNC_TYPE_ANY, f->ctx, &run));
	assert_string_equal(run.id, ids[4]);
	assert_null(run.ended_at);
	/* d is unfinished but older than 7 days: abandoned. */
	assert_int_equal(baton_store_sync_latest_unfinished(s, BATON_SYNC_TYPE_FULL, f->ctx, &run),
	                 BATON_ENOTFOUND);

	/* Lists read the latest finished full sync; gets the latest finished of any type. */
	assert_string_equal(listed_type(s, f->ctx), "b");
	baton_resource_type *rt;
	CHECK(baton_store_get_resource_type(s, NULL, "c", f->ctx, &rt));
	assert_int_equal(baton_store_get_resource_type(s, NULL, "b", f->ctx, &rt), BATON_ENOTFOUND);
	CHECK(baton_store_get_resource_type(s, "BBBBBBBBBBBBBBBBBBBBBBBBBBB", "b", f->ctx, &rt));
	baton_store_query q = BATON_STORE_QUERY_INIT;
	q.sync_id = "AAAAAAAAAAAAAAAAAAAAAAAAAAA";
	baton_store_iter *it;
	CHECK(baton_store_list_resource_types(s, &q, &it));
	CHECK(baton_store_iter_next_resource_type(it, &rt));
	assert_string_equal(baton_resource_type_id(rt), "a");
	baton_store_iter_free(it);

	/* Resume: the old full sync is not resumed, a new one starts; the recent partial is. */
	char id[28];
	bool resumed = true;
	CHECK(baton_store_sync_start_or_resume(s, BATON_SYNC_TYPE_FULL, NULL, id, &resumed));
	assert_false(resumed);
	assert_string_not_equal(id, ids[3]);
	assert_string_equal(baton_store_sync_current(s), id);
	/* The current sync is what reads use now (empty). */
	assert_null(listed_type(s, f->ctx));
	CHECK(baton_store_sync_end(s));
	CHECK(baton_store_sync_start_or_resume(s, BATON_SYNC_TYPE_PARTIAL, NULL, id, &resumed));
	assert_true(resumed);
	assert_string_equal(id, ids[4]);
	CHECK(baton_store_sync_checkpoint(s, "{\"version\":1}"));
	CHECK(baton_store_sync_get(s, ids[4], f->ctx, &run));
	assert_string_equal(run.sync_token, "{\"version\":1}");
	/* Starting another type while a sync is open is refused. */
	st_expect_error(baton_store_sync_start(s, BATON_SYNC_TYPE_FULL, NULL, id), BATON_EPRECONDITION,
	                "cannot start");
	st_expect_error(baton_store_sync_start(s, BATON_SYNC_TYPE_ANY, NULL, id), BATON_EPRECONDITION,
	                "cannot start");
	assert_int_equal(baton_store_sync_set_current(s, "nope"), BATON_ENOTFOUND);
	baton_store_discard(s);

	/* Type rules on a fresh store. */
	char *p2 = st_path(f->dir, "t.c1z");
	CHECK(baton_store_open(p2, NULL, &s));
	st_expect_error(baton_store_sync_start(s, BATON_SYNC_TYPE_FULL, "x", id), BATON_EINVALID,
	                "parent sync id must be empty");
	st_expect_error(baton_store_sync_start(s, BATON_SYNC_TYPE_ANY, NULL, id), BATON_EINVALID,
	                "SyncTypeAny");
	CHECK(baton_store_sync_start(s, BATON_SYNC_TYPE_PARTIAL, "parent-id", id));
	CHECK(baton_store_sync_get(s, id, f->ctx, &run));
	assert_string_equal(run.parent_sync_id, "parent-id");
	assert_int_equal(run.type, BATON_SYNC_TYPE_PARTIAL);
	CHECK(baton_store_sync_set_supports_diff(s));
	CHECK(baton_store_sync_get(s, id, f->ctx, &run));
	assert_true(run.supports_diff);
	baton_store_discard(s);
	free(p2);

	baton_sync_type t;
	CHECK(baton_sync_type_parse("partial_deletions", &t));
	assert_int_equal(t, BATON_SYNC_TYPE_PARTIAL_DELETIONS);
	assert_string_equal(baton_sync_type_name(BATON_SYNC_TYPE_RESOURCES_ONLY), "resources_only");
	assert_int_equal(baton_sync_type_parse("bogus", &t), BATON_EINVALID);
}

static void test_pagination(void **state)
{
	fx *f = *state;
	baton_store *s;
	CHECK(baton_store_open(f->path, NULL, &s));
	char id[28];
	CHECK(baton_store_sync_start(s, BATON_SYNC_TYPE_FULL, NULL, id));
	for (int i = 0; i < 10025; i++) {
		char name[32];
		snprintf(name, sizeof name, "t%05d", i);
		CHECK(baton_store_put_resource_type(s, rt_named(f->ctx, name)));
		if (i % 1000 == 0)
			baton__ctx_reset(f->ctx);
	}
	baton_store_query q = BATON_STORE_QUERY_INIT;
	q.page_size = 10;
	const char *want_tokens[] = {"11", "21"};
	char token[32] = "";
	/* Two pages of 10 from the start: tokens are the next row id, in decimal. */
	for (int page = 0; page < 2; page++) {
		baton_store_iter *it;
		CHECK(baton_store_list_resource_types(s, &q, &it));
		int n = 0;
		baton_resource_type *rt;
		int rc;
		while ((rc = baton_store_iter_next_resource_type(it, &rt)) == 0) {
			char want[32];
			snprintf(want, sizeof want, "t%05d", page * 10 + n);
			assert_string_equal(baton_resource_type_id(rt), want);
			n++;
		}
		assert_int_equal(rc, BATON_ITEROVER);
		assert_int_equal(n, 10);
		snprintf(token, sizeof token, "%s", baton_store_iter_next_page_token(it));
		assert_string_equal(token, want_tokens[page]);
		baton_store_iter_free(it);
		q.page_token = token;
	}
	/* Token from the end: the last 5 rows after id 10020. */
	q.page_token = "10021";
	baton_store_iter *it;
	CHECK(baton_store_list_resource_types(s, &q, &it));
	int n = 0;
	baton_resource_type *rt;
	while (baton_store_iter_next_resource_type(it, &rt) == 0)
		n++;
	assert_int_equal(n, 5);
	assert_string_equal(baton_store_iter_next_page_token(it), "");
	baton_store_iter_free(it);
	/* Page size clamp: 50,000 asks give pages of 10,000. */
	q.page_token = NULL;
	q.page_size = 50000;
	CHECK(baton_store_list_resource_types(s, &q, &it));
	n = 0;
	while (baton_store_iter_next_resource_type(it, &rt) == 0)
		n++;
	assert_int_equal(n, 10000);
	assert_string_equal(baton_store_iter_next_page_token(it), "10001");
	baton_store_iter_free(it);
	/* No page size: every row. */
	q.page_size = 0;
	CHECK(baton_store_list_resource_types(s, &q, &it));
	n = 0;
	while (baton_store_iter_next_resource_type(it, &rt) == 0)
		n++;
	assert_int_equal(n, 10025);
	baton_store_iter_free(it);
	q.page_token = "abc";
	st_expect_error(baton_store_list_resource_types(s, &q, &it), BATON_EINVALID, "page token");
	baton_store_discard(s);
}

static int64_t raw_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t v = sqlite3_column_type(st, 0) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static baton_grant *grant_with(fx *f, const char *exp_id)
{
	baton_resource *g1;
	baton_resource_type *rt = rt_named(f->ctx, "Group");
	CHECK(baton_group_resource_new(f->ctx, "G", rt, "g1", &g1));
	baton_resource_id p = {"user", "u1"};
	baton_grant *g;
	CHECK(baton_grant_new(f->ctx, g1, "member", &p, &g));
	if (exp_id) {
		const char *ids[] = {exp_id};
		CHECK(baton_grant_set_expandable(g, ids, 1, false, NULL, 0));
	}
	return g;
}

/* Puts one grant (with an expandable id or none) into the file's only sync; returns the row's
 * (needs_expansion, expansion IS NULL, id). */
static void put_and_check(fx *f, const char *exp_id, int want_needs, bool want_null)
{
	baton_store *s;
	CHECK(baton_store_open(f->path, NULL, &s));
	char id[28];
	bool resumed;
	CHECK(baton_store_sync_start_or_resume(s, BATON_SYNC_TYPE_FULL, NULL, id, &resumed));
	CHECK(baton_store_put_grant(s, grant_with(f, exp_id)));
	CHECK(baton_store_close(s));
	c1z_raw *raw = c1z_raw_open(f->path);
	sqlite3 *db = c1z_raw_db(raw);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM v1_grants"), 1);
	assert_int_equal(raw_int(db, "SELECT id FROM v1_grants"), 1);
	assert_int_equal(raw_int(db, "SELECT needs_expansion FROM v1_grants"), want_needs);
	assert_int_equal(raw_int(db, "SELECT expansion IS NULL FROM v1_grants"), want_null);
	c1z_raw_close(raw);
}

static void set_needs(fx *f, int v)
{
	c1z_to_db(f->path, f->db);
	sqlite3 *db = st_sqlite_open(f->db);
	char sql[128];
	snprintf(sql, sizeof sql, "UPDATE v1_grants SET needs_expansion = %d", v);
	st_sql(db, sql);
	sqlite3_close(db);
	st_write_c1z_from_db(f->db, f->path);
}

static void test_grant_upsert_needs_expansion(void **state)
{
	fx *f = *state;
	put_and_check(f, NULL, 0, true);                 /* plain grant */
	put_and_check(f, "group:g1:admin", 1, false);    /* NULL -> expansion: 1 */
	set_needs(f, 0);                                 /* as if expanded */
	put_and_check(f, "group:g1:admin", 0, false);    /* same expansion: kept */
	put_and_check(f, "group:g2:admin", 1, false);    /* changed: 1 */
	put_and_check(f, "   ", 0, true);                /* blank ids: not expandable, cleared */
	set_needs(f, 1);
	put_and_check(f, NULL, 0, true);                 /* no expansion: 0 */

	/* Other tables: only data is overwritten; discovered_at and parent columns keep first values. */
	baton_store *s;
	CHECK(baton_store_open(f->path, NULL, &s));
	char id[28];
	bool resumed;
	CHECK(baton_store_sync_start_or_resume(s, BATON_SYNC_TYPE_FULL, NULL, id, &resumed));
	assert_true(resumed);
	baton_resource_type *rt = rt_named(f->ctx, "User");
	baton_resource *u;
	CHECK(baton_resource_new(f->ctx, "U", rt, "u1", &u));
	CHECK(baton_store_put_resource(s, u));
	CHECK(baton_store_close(s));
	c1z_raw *raw = c1z_raw_open(f->path);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(c1z_raw_db(raw), "SELECT discovered_at FROM v1_resources", -1,
	                 &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	char first_seen[64];
	snprintf(first_seen, sizeof first_seen, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	c1z_raw_close(raw);

	CHECK(baton_store_open(f->path, NULL, &s));
	CHECK(baton_store_sync_start_or_resume(s, BATON_SYNC_TYPE_FULL, NULL, id, &resumed));
	baton_resource_id parent = {"group", "g1"};
	CHECK(baton_resource_set_parent(u, &parent));
	CHECK(baton_resource_set_display_name(u, "Renamed"));
	CHECK(baton_store_put_resource(s, u));
	CHECK(baton_store_close(s));
	raw = c1z_raw_open(f->path);
	assert_int_equal(sqlite3_prepare_v2(c1z_raw_db(raw), "SELECT discovered_at, parent_resource_id, "
	                 "instr(data, 'Renamed') > 0, id FROM v1_resources", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), first_seen);
	assert_int_equal(sqlite3_column_type(st, 1), SQLITE_NULL);
	assert_int_equal(sqlite3_column_int(st, 2), 1);
	assert_int_equal(sqlite3_column_int(st, 3), 1);
	sqlite3_finalize(st);
	c1z_raw_close(raw);
}

/* Puts `n` member grants on `on` to users u<first>..; each call its own ids. */
static void put_members(fx *f, baton_store *s, baton_resource *on, int first, int n)
{
	for (int i = first; i < first + n; i++) {
		char uid[32];
		snprintf(uid, sizeof uid, "u%d", i);
		baton_grant *g;
		CHECK(baton_grant_new(f->ctx, on, "member", &(baton_resource_id){"user", uid}, &g));
		CHECK(baton_store_put_grant(s, g));
	}
}

static char *stats_of(fx *f, const char *sync_id)
{
	c1z_raw *raw = c1z_raw_open(f->path);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(c1z_raw_db(raw), "SELECT stats FROM v1_sync_runs WHERE sync_id = ?",
	                 -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, sync_id, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	char *out = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	c1z_raw_close(raw);
	return out;
}

/*
 * Grant counts by resource type count only the grants of the sync, whether the file holds one
 * sync (counted on the covering (resource_type_id, resource_id) index) or several (counted on
 * the table, filtered by sync id).
 */
static void test_stats_grants_by_type(void **state)
{
	fx *f = *state;
	baton_resource_type *gt = rt_named(f->ctx, "Group"), *rt = rt_named(f->ctx, "Role");
	baton_resource *g1, *r1;
	CHECK(baton_group_resource_new(f->ctx, "G", gt, "g1", &g1));
	CHECK(baton_role_resource_new(f->ctx, "R", rt, "r1", &r1));
	char a[28], b[28];
	baton_store *s;
	CHECK(baton_store_open(f->path, NULL, &s));
	CHECK(baton_store_sync_start(s, BATON_SYNC_TYPE_FULL, NULL, a));
	put_members(f, s, g1, 0, 5);
	put_members(f, s, r1, 0, 2);
	put_members(f, s, g1, 0, 1); /* an upsert: counted once */
	CHECK(baton_store_sync_end(s));
	CHECK(baton_store_close(s));
	char *st = stats_of(f, a);
	assert_non_null(strstr(st, "\"grants\":7,"));
	assert_non_null(strstr(st, "\"grants_by_resource_type\":{\"group\":5,\"role\":2}"));
	free(st);

	/* A second sync in the same file: only its own grants. */
	CHECK(baton_store_open(f->path, NULL, &s));
	CHECK(baton_store_sync_start(s, BATON_SYNC_TYPE_FULL, NULL, b));
	put_members(f, s, r1, 10, 3);
	CHECK(baton_store_sync_end(s));
	CHECK(baton_store_close(s));
	st = stats_of(f, b);
	assert_non_null(strstr(st, "\"grants\":3,"));
	assert_non_null(strstr(st, "\"grants_by_resource_type\":{\"role\":3}"));
	free(st);
	st = stats_of(f, a);
	assert_non_null(strstr(st, "\"grants_by_resource_type\":{\"group\":5,\"role\":2}"));
	free(st);
}

/* Rows written together share one discovered_at, as the Go SDK stamps a bulk put (a page) with
 * one time: at most 1,000 rows per stamp, so 2,500 grants get at least 3 and far fewer than 2,500. */
static void test_rows_share_discovered_at(void **state)
{
	fx *f = *state;
	baton_resource_type *gt = rt_named(f->ctx, "Group");
	baton_resource *g1;
	CHECK(baton_group_resource_new(f->ctx, "G", gt, "g1", &g1));
	baton_store *s;
	char id[28];
	CHECK(baton_store_open(f->path, NULL, &s));
	CHECK(baton_store_sync_start(s, BATON_SYNC_TYPE_FULL, NULL, id));
	put_members(f, s, g1, 0, 2500);
	CHECK(baton_store_sync_end(s));
	CHECK(baton_store_close(s));
	c1z_raw *raw = c1z_raw_open(f->path);
	sqlite3 *db = c1z_raw_db(raw);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*), max(n), min(d) <= max(d) FROM (SELECT discovered_at d, "
	                                    "count(*) n FROM v1_grants GROUP BY discovered_at)", -1, &st, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t stamps = sqlite3_column_int64(st, 0), largest = sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);
	c1z_raw_close(raw);
	assert_true(stamps >= 3);
	assert_true(stamps <= 1250);
	assert_true(largest <= 1000);
	assert_true(largest >= 2);
}

/* Listing 200k grants keeps the iterator's memory flat. */
static void test_streaming_memory(void **state)
{
	fx *f = *state;
	baton_store *s;
	CHECK(baton_store_open(f->path, NULL, &s));
	char id[28];
	CHECK(baton_store_sync_start(s, BATON_SYNC_TYPE_FULL, NULL, id));
	baton_resource_type *rt = rt_named(f->ctx, "Group");
	baton_resource *g1;
	CHECK(baton_group_resource_new(f->ctx, "G", rt, "g1", &g1));
	baton_ctx *tmp;
	CHECK(baton_ctx_new(&tmp));
	const int total = 200000;
	for (int i = 0; i < total; i++) {
		char uid[32];
		snprintf(uid, sizeof uid, "user-%07d", i);
		baton_resource_id p = {"user", uid};
		baton_grant *g;
		CHECK(baton_grant_new(tmp, g1, "member", &p, &g));
		CHECK(baton_store_put_grant(s, g));
		if (i % 1000 == 999) {
			baton_ctx_free(tmp);
			CHECK(baton_ctx_new(&tmp));
		}
	}
	baton_ctx_free(tmp);
	CHECK(baton_store_sync_end(s));

	baton_store_iter *it;
	CHECK(baton_store_list_grants(s, NULL, &it));
	baton_grant *g;
	int n = 0;
	size_t early = 0, peak = 0;
	while (baton_store_iter_next_grant(it, &g) == 0) {
		size_t m = baton__store_iter_memory(it);
		if (m > peak)
			peak = m;
		if (n == 1000)
			early = m;
		n++;
	}
	assert_int_equal(n, total);
	print_message("iterator memory: %zu bytes after 1000 rows, peak %zu over %d rows\n", early, peak, n);
	assert_true(peak <= early);
	assert_true(peak <= 64 * 1024);
	baton_store_iter_free(it);
	baton_store_discard(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sync_selection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pagination, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grant_upsert_needs_expansion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_streaming_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stats_grants_by_type, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rows_share_discovered_at, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
