/*
 * What saving does to the file's size (src/store/store.c baton_store_close, src/store/c1z_io.c):
 * the database is compacted (VACUUM INTO) before it is packed, so space freed by rewritten rows
 * is not carried into the c1z; the default zstd level is the Go SDK's default encoder's (3), not
 * the fastest (1); a database of more than 32 MiB is compressed by worker threads and reads back.
 */
#include "store_testutil.h"

#include "store_fill.h"

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

	sqlite3 *db = store_fill_open_payload(path, dir, "rewritten.db");
	assert_int_equal(store_fill_i64(db, "PRAGMA freelist_count"), 0);
	assert_int_equal(store_fill_i64(db, "PRAGMA page_size"), 4096);
	assert_int_equal(store_fill_i64(db, "select count(*) from v1_assets"), N);
	/* every row holds the rewritten data */
	assert_int_equal(store_fill_i64(db, "select max(length(data)) from v1_assets"), 5);
	sqlite3_close(db);
	/* and the file reads back through the store */
	store_fill_read_back(path);
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
	store_fill_group_members(s, &(store_fill_members){.grants = n, .uid_prefix = "u"});
	CHECK(baton_store_sync_end(s));
	CHECK(baton_store_close(s));
	return store_fill_file_size(path);
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

	sqlite3 *db = store_fill_open_payload(def, dir, "default.db");
	assert_true(store_fill_i64(db, "PRAGMA page_count") * 4096 > (int64_t)32 << 20);
	assert_int_equal(store_fill_i64(db, "select count(*) from v1_grants"), N);
	assert_int_equal(store_fill_i64(db, "PRAGMA page_size"), 4096);
	sqlite3_close(db);
	store_fill_read_back(def);
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
