/*
 * What saving does to the file's size (src/store/store.c baton_store_close, src/store/c1z_io.c):
 * the database is compacted (VACUUM INTO) before it is packed, so space freed by rewritten rows
 * is not carried into the c1z; the default zstd level is the Go SDK's default encoder's (3), not
 * the fastest (1); a database of more than 32 MiB is compressed by worker threads and reads back.
 */
#include "store_testutil.h"

/* Decompresses a c1z into <dir>/<name> (a plain SQLite file) and opens it. */
static sqlite3 *open_payload(const char *c1z, const char *dir, const char *name)
{
	size_t len = 0;
	unsigned char *buf = st_read_file(c1z, &len);
	assert_true(len > 5);
	assert_memory_equal(buf, "C1ZF\0", 5);
	unsigned long long n = ZSTD_getFrameContentSize(buf + 5, len - 5);
	assert_true(n != ZSTD_CONTENTSIZE_ERROR && n != ZSTD_CONTENTSIZE_UNKNOWN);
	void *db = malloc((size_t)n);
	assert_non_null(db);
	size_t got = ZSTD_decompress(db, (size_t)n, buf + 5, len - 5);
	assert_false(ZSTD_isError(got));
	assert_int_equal(got, n);
	char *path = st_path(dir, name);
	st_write_file(path, db, got);
	sqlite3 *h = st_sqlite_open(path);
	free(path);
	free(db);
	free(buf);
	return h;
}

static int64_t query_i64(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/*
 * Assets first written with 20 KB of data (overflow pages) and then rewritten with 5 bytes: the
 * overflow pages are freed. Without compaction they would be saved as free pages.
 */
static void test_rewritten_rows_leave_no_free_pages(void **state)
{
	(void)state;
	char *dir = st_mkdtemp("savesize");
	char *path = st_path(dir, "rewritten.c1z");
	baton_store *s;
	CHECK(baton_store_open(path, NULL, &s));
	char sync_id[28];
	CHECK(baton_store_sync_start(s, BATON_SYNC_TYPE_FULL, NULL, sync_id));
	uint8_t *big = malloc(20000);
	assert_non_null(big);
	for (int i = 0; i < 20000; i++)
		big[i] = (uint8_t)(i * 7919 % 251);
	enum { N = 60 };
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < N; i++) {
			char id[32];
			snprintf(id, sizeof id, "asset-%d", i);
			CHECK(baton_store_put_asset(s, id, "application/octet-stream",
			                            pass == 0 ? big : (const uint8_t *)"short", pass == 0 ? 20000 : 5));
		}
	}
	CHECK(baton_store_sync_end(s));
	CHECK(baton_store_close(s));
	free(big);

	sqlite3 *db = open_payload(path, dir, "rewritten.db");
	assert_int_equal(query_i64(db, "PRAGMA freelist_count"), 0);
	assert_int_equal(query_i64(db, "PRAGMA page_size"), 4096);
	assert_int_equal(query_i64(db, "select count(*) from v1_assets"), N);
	/* every row holds the rewritten data */
	assert_int_equal(query_i64(db, "select max(length(data)) from v1_assets"), 5);
	sqlite3_close(db);
	/* and the file reads back through the store */
	baton_store_options ro = {.version = BATON_STORE_OPTIONS_VERSION, .read_only = true};
	CHECK(baton_store_open(path, &ro, &s));
	CHECK(baton_store_close(s));
	st_rmtree(dir);
	free(path);
	free(dir);
}

/* The same grants written with the given options; returns the c1z's size. */
static long write_grants(const char *path, const baton_store_options *opts, int n)
{
	baton_store *s;
	CHECK(baton_store_open(path, opts, &s));
	char sync_id[28];
	CHECK(baton_store_sync_start(s, BATON_SYNC_TYPE_FULL, NULL, sync_id));
	baton_ctx *keep;
	CHECK(baton_ctx_new(&keep));
	baton_resource_type *gt;
	CHECK(baton_resource_type_new(keep, "Group", (baton_trait[]){BATON_TRAIT_GROUP}, 1, &gt));
	CHECK(baton_store_put_resource_type(s, gt));
	baton_resource *groups[50];
	for (int g = 0; g < 50; g++) {
		char id[16];
		snprintf(id, sizeof id, "g%d", g);
		CHECK(baton_group_resource_new(keep, id, gt, id, &groups[g]));
		CHECK(baton_store_put_resource(s, groups[g]));
	}
	baton_ctx *ctx = NULL;
	for (int i = 0; i < n; i++) {
		if (i % 1000 == 0) {
			baton_ctx_free(ctx);
			CHECK(baton_ctx_new(&ctx));
		}
		char uid[32];
		snprintf(uid, sizeof uid, "u%d", i / 50);
		baton_grant *g;
		CHECK(baton_grant_new(ctx, groups[i % 50], "member", &(baton_resource_id){"user", uid}, &g));
		CHECK(baton_store_put_grant(s, g));
	}
	baton_ctx_free(ctx);
	CHECK(baton_store_sync_end(s));
	CHECK(baton_store_close(s));
	baton_ctx_free(keep);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	return (long)st.st_size;
}

static void test_default_level_and_workers(void **state)
{
	(void)state;
	char *dir = st_mkdtemp("savelevel");
	char *def = st_path(dir, "default.c1z"), *fast = st_path(dir, "level1.c1z");
	enum { N = 90000 }; /* a database of more than 32 MiB: compressed by worker threads */
	long def_size = write_grants(def, NULL, N);
	baton_store_options o1 = {.version = BATON_STORE_OPTIONS_VERSION, .compression_level = 1};
	long fast_size = write_grants(fast, &o1, N);
	/* level 3 packs these grants tighter than level 1 (the same level: within 0.1%) */
	if (!(def_size * 100 < fast_size * 99))
		fail_msg("default level: %ld bytes, level 1: %ld bytes", def_size, fast_size);

	sqlite3 *db = open_payload(def, dir, "default.db");
	assert_true(query_i64(db, "PRAGMA page_count") * 4096 > (int64_t)32 << 20);
	assert_int_equal(query_i64(db, "select count(*) from v1_grants"), N);
	assert_int_equal(query_i64(db, "PRAGMA page_size"), 4096);
	sqlite3_close(db);
	baton_store_options ro = {.version = BATON_STORE_OPTIONS_VERSION, .read_only = true};
	baton_store *s;
	CHECK(baton_store_open(def, &ro, &s));
	CHECK(baton_store_close(s));
	st_rmtree(dir);
	free(def);
	free(fast);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rewritten_rows_leave_no_free_pages),
		cmocka_unit_test(test_default_level_and_workers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
