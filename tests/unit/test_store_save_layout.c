/*
 * The save step's choices (src/store/compacted.c, src/store/c1z_io.c):
 *  - the layout scan (baton__store_layout_scan) sees what VACUUM would change: B-trees grown by
 *    random inserts, interleaved B-trees, free pages; a working copy already laid out as VACUUM
 *    lays it out is saved as it is, without the VACUUM INTO copy, and saves no larger;
 *  - a compact database is packed with a 2 MiB zstd window (smaller, and readable);
 *  - the VACUUM INTO copy of a resumable working copy is never fsynced (it is read once and
 *    removed), while the working copy's own commits still are; it adds no second 32 MiB cache.
 */
#include "store_testutil.h"

#include <stdint.h>

#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

#include "core/log.h"
#include "store_fill.h"
#include "store/store.h"

static void exec_ok(sqlite3 *db, const char *sql)
{
	char *err = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", sql, err ? err : "?");
}

/* Removes a test's directory and frees its paths. */
static void remove_dir(char *dir, char *path)
{
	st_rmtree(dir);
	free(path);
	free(dir);
}

/*
 * The scan against SQLite's own account of the pages (the dbstat table, where this SQLite has
 * it): the same number of leaves, and the same leaves out of order when they are listed per
 * B-tree in key order.
 */
static void check_against_dbstat(sqlite3 *db, const baton__store_layout *l)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "SELECT name, pageno, pagetype FROM dbstat", -1, &st, NULL) !=
	    SQLITE_OK) {
		print_message("no dbstat in this SQLite: the scan is checked by its outcomes only\n");
		return;
	}
	int64_t leaves = 0, out_of_order = 0, prev = 0;
	char name[256] = "";
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *n = (const char *)sqlite3_column_text(st, 0);
		if (strcmp(n, name) != 0) {
			snprintf(name, sizeof name, "%s", n);
			prev = 0;
		}
		if (strcmp((const char *)sqlite3_column_text(st, 2), "leaf") != 0)
			continue;
		int64_t pg = sqlite3_column_int64(st, 1);
		leaves++;
		if (prev && pg != prev + 1)
			out_of_order++;
		prev = pg;
	}
	sqlite3_finalize(st);
	assert_int_equal(l->leaves, leaves);
	assert_int_equal(l->leaves_out_of_order, out_of_order);
}

static baton__store_layout scan(sqlite3 *db)
{
	baton__store_layout l;
	assert_int_equal(baton__store_layout_scan(db, &l), 0);
	check_against_dbstat(db, &l);
	print_message("pages %lld free %lld leaves %lld out of order %lld pure %lld/%lld sampled free %lld/%lld\n",
	              (long long)l.pages, (long long)l.free_pages, (long long)l.leaves,
	              (long long)l.leaves_out_of_order, (long long)l.pure_pages, (long long)l.known_pages,
	              (long long)l.sampled_free, (long long)l.sampled_bytes);
	return l;
}

/* 20,000 rows of about 200 bytes; keys in order, or scattered (a multiplicative permutation). */
static void fill(sqlite3 *db, bool index_first, bool scattered)
{
	exec_ok(db, "PRAGMA page_size = 4096; CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT, v BLOB)");
	if (index_first)
		exec_ok(db, "CREATE INDEX t_k ON t (k)");
	exec_ok(db, "BEGIN");
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO t (k, v) VALUES (?1, zeroblob(150))", -1, &st, NULL),
	                 SQLITE_OK);
	for (int i = 0; i < 20000; i++) {
		char k[48];
		snprintf(k, sizeof k, "key-%08d-padding-padding", scattered ? (int)((i * 7919L) % 20011) : i);
		sqlite3_bind_text(st, 1, k, -1, SQLITE_TRANSIENT);
		assert_int_equal(sqlite3_step(st), SQLITE_DONE);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	exec_ok(db, "COMMIT");
	if (!index_first)
		exec_ok(db, "CREATE INDEX t_k ON t (k)");
}

static void test_layout_scan(void **state)
{
	(void)state;
	char *dir = st_mkdtemp("layout");
	char *p = st_path(dir, "a.db");

	/* the table appended, then the index built sorted: compact as it is */
	sqlite3 *db = st_sqlite_open(p);
	fill(db, false, true);
	baton__store_layout l = scan(db);
	assert_true(l.leaves > 500);
	assert_true(baton__store_layout_compact(&l));
	sqlite3_close(db);
	unlink(p);

	/* the same rows written again after the index is dropped: the table's leaves come off the
	 * freelist out of key order, but every B-tree's pages stay together: compact */
	db = st_sqlite_open(p);
	fill(db, false, true);
	exec_ok(db, "CREATE TEMP TABLE t2 AS SELECT * FROM t; DROP INDEX t_k; DELETE FROM t; "
	            "INSERT INTO t SELECT * FROM t2 ORDER BY id; CREATE INDEX t_k ON t (k)");
	l = scan(db);
	assert_true(l.leaves_out_of_order * 100 > l.leaves * 5);
	assert_true(baton__store_layout_compact(&l));
	/* and packs within 2% of its VACUUMed copy */
	char *vac = st_path(dir, "vac.db"), *z1 = st_path(dir, "as-is.c1z"), *z2 = st_path(dir, "vac.c1z");
	char sql[4200];
	snprintf(sql, sizeof sql, "VACUUM INTO '%s'", vac);
	exec_ok(db, sql);
	CHECK(baton__c1z_encode_window(p, z1, 3, 21, NULL));
	CHECK(baton__c1z_encode_window(vac, z2, 3, 21, NULL));
	print_message("packed as it is %ld bytes, VACUUMed %ld\n", store_fill_file_size(z1), store_fill_file_size(z2));
	assert_true(store_fill_file_size(z1) * 100 <= store_fill_file_size(z2) * 102);
	free(vac);
	free(z1);
	free(z2);
	sqlite3_close(db);
	unlink(p);

	/* the index grown by scattered inserts, its pages between the table's: not compact ... */
	db = st_sqlite_open(p);
	fill(db, true, true);
	l = scan(db);
	assert_true(l.leaves_out_of_order * 100 > l.leaves * 20);
	assert_true(l.pure_pages * 100 < l.known_pages * 90);
	assert_false(baton__store_layout_compact(&l));
	/* ... until VACUUMed */
	exec_ok(db, "VACUUM");
	l = scan(db);
	assert_true(baton__store_layout_compact(&l));

	/* every third row deleted: leaves in order but a third empty */
	exec_ok(db, "DELETE FROM t WHERE id % 3 = 0");
	l = scan(db);
	assert_true(l.pure_pages * 100 >= l.known_pages * BATON__LAYOUT_MIN_PURE_PCT);
	assert_false(baton__store_layout_compact(&l));
	/* most rows deleted: free pages (holding the deleted rows' bytes) */
	exec_ok(db, "VACUUM; DELETE FROM t WHERE id > 2000");
	l = scan(db);
	assert_true(l.free_pages > 0);
	assert_false(baton__store_layout_compact(&l));
	sqlite3_close(db);

	/* a page it does not understand: not known (the save then VACUUMs) */
	db = st_sqlite_open(p);
	int64_t root = store_fill_i64(db, "SELECT rootpage FROM sqlite_schema WHERE name = 't'");
	sqlite3_close(db);
	int fd = open(p, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "\x07", 1, (off_t)(root - 1) * 4096), 1);
	close(fd);
	db = st_sqlite_open(p);
	assert_int_equal(baton__store_layout_scan(db, &l), -1);
	sqlite3_close(db);

	remove_dir(dir, p);
}

/* zstd frame window of a c1z */
static unsigned long long c1z_window(const char *path)
{
	size_t len = 0;
	unsigned char *buf = st_read_file(path, &len);
	assert_true(len > 5 + ZSTD_FRAMEHEADERSIZE_MAX);
	ZSTD_frameHeader h;
	assert_int_equal(ZSTD_getFrameHeader(&h, buf + 5, len - 5), 0);
	free(buf);
	return h.windowSize;
}

/*
 * A store at `path`, opened with `o`, after one full sync of grants of 50 groups to users
 * <tag>-user-NNNNNNN, ended and not saved yet (the caller closes it). `scattered`: user ids in a
 * scattered order, and the first grant read back at once: a read ends the bulk phase
 * (store/bulk.c), so the grant indexes are kept row by row from there and grow scattered through
 * the file (a fresh file filled in one bulk phase has every index built in one sorted pass and is
 * already compact).
 */
static baton_store *synced_grants(const char *path, const baton_store_options *o, int n, bool scattered,
                                  const char *tag)
{
	baton_store *s;
	CHECK(baton_store_open(path, o, &s));
	char sync_id[28], prefix[16];
	CHECK(baton_store_sync_start(s, BATON_SYNC_TYPE_FULL, NULL, sync_id));
	snprintf(prefix, sizeof prefix, "%s-user-", tag);
	store_fill_group_members(s, &(store_fill_members){.grants = n, .scattered = scattered, .uid_prefix = prefix,
	                                                  .uid_digits = 7, .read_first = scattered});
	CHECK(baton_store_sync_end(s));
	return s;
}

static char *log_buf;
static size_t log_len;

/* Closes s with the store's debug log captured; returns whether the save skipped the VACUUM. */
static bool close_skipped_vacuum(baton_store *s)
{
	FILE *f = open_memstream(&log_buf, &log_len);
	assert_non_null(f);
	baton__log_set_stream(f);
	baton__log_configure(BATON_LOG_DEBUG, BATON__LOG_CONSOLE);
	CHECK(baton_store_close(s));
	baton__log_configure(BATON_LOG_ERROR, BATON__LOG_CONSOLE);
	baton__log_set_stream(NULL);
	fclose(f);
	bool skipped = strstr(log_buf, "already compact") != NULL;
	free(log_buf);
	log_buf = NULL;
	return skipped;
}

static void test_compact_copy_saved_as_is(void **state)
{
	(void)state;
	char *dir = st_mkdtemp("savecompact");
	char *path = st_path(dir, "g.c1z");
	enum { N = 30000 };

	/* grants written in a scattered order: the working copy is not compact, the save VACUUMs */
	baton_store *s = synced_grants(path, NULL, N, true, "a");
	assert_false(close_skipped_vacuum(s));
	long first = store_fill_file_size(path);
	sqlite3 *db = store_fill_open_payload(path, dir, "first.db");
	baton__store_layout l = scan(db);
	assert_true(baton__store_layout_compact(&l));
	sqlite3_close(db);
	/* packed compact: the 256 KiB window */
	assert_int_equal(c1z_window(path), 1ULL << 21);

	/* opened again (the working copy is the compacted payload) and a small sync with one asset
	 * added: saved as it is, no larger than a VACUUMed copy would be (within a few pages) */
	char sync_id[28];
	CHECK(baton_store_open(path, NULL, &s));
	CHECK(baton_store_sync_start(s, BATON_SYNC_TYPE_PARTIAL, NULL, sync_id));
	CHECK(baton_store_put_asset(s, "logo", "image/png", (const uint8_t *)"png", 3));
	CHECK(baton_store_sync_end(s));
	assert_true(close_skipped_vacuum(s));
	long second = store_fill_file_size(path);
	assert_true(second <= first + 4096);
	assert_int_equal(c1z_window(path), 1ULL << 21);
	db = store_fill_open_payload(path, dir, "second.db");
	assert_int_equal(store_fill_i64(db, "SELECT count(*) FROM v1_grants"), N);
	assert_int_equal(store_fill_i64(db, "SELECT count(*) FROM v1_assets"), 1);
	sqlite3_close(db);

	/* many grants more, scattered, in a second sync: fragmented again, VACUUMed again */
	s = synced_grants(path, NULL, N, true, "b");
	assert_false(close_skipped_vacuum(s));
	db = store_fill_open_payload(path, dir, "third.db");
	l = scan(db);
	assert_true(baton__store_layout_compact(&l));
	assert_int_equal(store_fill_i64(db, "SELECT count(*) FROM v1_grants"), 2 * N);
	sqlite3_close(db);

	/* and every file reads back through the store */
	store_fill_read_back(path);
	remove_dir(dir, path);
}

/* A fresh file whose grants all came in one bulk phase has every grant index built in one sorted
 * pass after the rows (store/bulk.c): it is compact as written, and saving skips the VACUUM. */
static void test_bulk_file_saved_as_is(void **state)
{
	(void)state;
	char *dir = st_mkdtemp("savebulk");
	char *path = st_path(dir, "b.c1z");
	assert_true(close_skipped_vacuum(synced_grants(path, NULL, 30000, false, "k")));
	sqlite3 *db = store_fill_open_payload(path, dir, "b.db");
	assert_int_equal(store_fill_i64(db, "SELECT count(*) FROM v1_grants"), 30000);
	assert_int_equal(store_fill_i64(db, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check != 'ok'"), 0);
	sqlite3_close(db);
	remove_dir(dir, path);
}

/* The window rule, and that it is what makes the compacted copy smaller. */
static void test_compact_window(void **state)
{
	(void)state;
	assert_int_equal(baton__c1z_window_for(3, true), 21);
	assert_int_equal(baton__c1z_window_for(1, true), 21);
	assert_int_equal(baton__c1z_window_for(3, false), BATON__C1Z_WINDOW_LOG);
	assert_int_equal(baton__c1z_window_for(9, true), BATON__C1Z_WINDOW_LOG);

	char *dir = st_mkdtemp("savewindow");
	char *path = st_path(dir, "w.c1z");
	CHECK(baton_store_close(synced_grants(path, NULL, 40000, true, "w")));
	sqlite3 *db = store_fill_open_payload(path, dir, "w.db");
	sqlite3_close(db);
	char *raw = st_path(dir, "w.db"), *small = st_path(dir, "small.c1z"), *large = st_path(dir, "large.c1z");
	CHECK(baton__c1z_encode_window(raw, small, 3, 21, NULL));
	CHECK(baton__c1z_encode_window(raw, large, 3, BATON__C1Z_WINDOW_LOG, NULL));
	print_message("compacted copy packed: %ld bytes (2 MiB window), %ld bytes (8 MiB)\n", store_fill_file_size(small),
	              store_fill_file_size(large));
	assert_true(store_fill_file_size(small) < store_fill_file_size(large));
	assert_int_equal(store_fill_file_size(small), store_fill_file_size(path));
	store_fill_read_back(small);
	free(raw);
	free(small);
	free(large);
	remove_dir(dir, path);
}

/*
 * The VACUUM INTO copy's page cache: 4 MiB, and the working copy's cut to 4 MiB first, so saving a
 * database larger than the 32 MiB cache adds no second 32 MiB cache at its peak (SQLite's own
 * account of its heap).
 */
static void test_vacuum_copy_memory(void **state)
{
	(void)state;
	char *dir = st_mkdtemp("savemem");
	char *path = st_path(dir, "m.c1z");
	baton_store *s = synced_grants(path, NULL, 90000, true, "m");
	sqlite3_int64 before = sqlite3_memory_used();
	if (before == 0) {
		print_message("this SQLite keeps no memory statistics\n");
		CHECK(baton_store_close(s));
		remove_dir(dir, path);
		skip();
	}
	sqlite3_memory_highwater(1);
	assert_false(close_skipped_vacuum(s));
	sqlite3_int64 peak = sqlite3_memory_highwater(0);
	print_message("SQLite heap before the save %lld, peak during it %lld\n", (long long)before, (long long)peak);
	assert_true(peak - before < (sqlite3_int64)16 << 20);
	sqlite3 *db = store_fill_open_payload(path, dir, "m.db");
	assert_true(store_fill_i64(db, "PRAGMA page_count") * 4096 > (int64_t)40 << 20);
	assert_int_equal(store_fill_i64(db, "SELECT count(*) FROM v1_grants"), 90000);
	sqlite3_close(db);
	remove_dir(dir, path);
}

/* ---- a VFS over the default one that counts syncs per file ---- */

static sqlite3_vfs *base_vfs;
static sqlite3_vfs count_vfs;
static int syncs_packed, syncs_packed_journal, syncs_db;

typedef struct counted_file {
	sqlite3_file base;
	sqlite3_file *real;
	int *counter;
} counted_file;

#define REAL(f) (((counted_file *)(f))->real)
static int c_close(sqlite3_file *f)
{
	int rc = REAL(f)->pMethods ? REAL(f)->pMethods->xClose(REAL(f)) : SQLITE_OK;
	sqlite3_free(REAL(f));
	return rc;
}
static int c_read(sqlite3_file *f, void *b, int n, sqlite3_int64 o)
{
	return REAL(f)->pMethods->xRead(REAL(f), b, n, o);
}
static int c_write(sqlite3_file *f, const void *b, int n, sqlite3_int64 o)
{
	return REAL(f)->pMethods->xWrite(REAL(f), b, n, o);
}
static int c_truncate(sqlite3_file *f, sqlite3_int64 n)
{
	return REAL(f)->pMethods->xTruncate(REAL(f), n);
}
static int c_sync(sqlite3_file *f, int flags)
{
	counted_file *c = (counted_file *)f;
	if (c->counter)
		(*c->counter)++;
	return c->real->pMethods->xSync(c->real, flags);
}
static int c_size(sqlite3_file *f, sqlite3_int64 *n)
{
	return REAL(f)->pMethods->xFileSize(REAL(f), n);
}
static int c_lock(sqlite3_file *f, int l)
{
	return REAL(f)->pMethods->xLock(REAL(f), l);
}
static int c_unlock(sqlite3_file *f, int l)
{
	return REAL(f)->pMethods->xUnlock(REAL(f), l);
}
static int c_reserved(sqlite3_file *f, int *r)
{
	return REAL(f)->pMethods->xCheckReservedLock(REAL(f), r);
}
static int c_fcntl(sqlite3_file *f, int op, void *arg)
{
	return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}
static int c_sector(sqlite3_file *f)
{
	return REAL(f)->pMethods->xSectorSize(REAL(f));
}
static int c_dev(sqlite3_file *f)
{
	/* no shared memory, no mmap: the rollback journal is all the store uses */
	return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

static const sqlite3_io_methods counted_methods = {
	.iVersion = 1,
	.xClose = c_close, .xRead = c_read, .xWrite = c_write, .xTruncate = c_truncate, .xSync = c_sync,
	.xFileSize = c_size, .xLock = c_lock, .xUnlock = c_unlock, .xCheckReservedLock = c_reserved,
	.xFileControl = c_fcntl, .xSectorSize = c_sector, .xDeviceCharacteristics = c_dev,
};

static bool ends_with(const char *s, const char *tail)
{
	size_t a = strlen(s), b = strlen(tail);
	return a >= b && strcmp(s + a - b, tail) == 0;
}

static int c_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out_flags)
{
	(void)vfs;
	counted_file *c = (counted_file *)f;
	c->real = sqlite3_malloc(base_vfs->szOsFile);
	if (!c->real)
		return SQLITE_NOMEM;
	memset(c->real, 0, (size_t)base_vfs->szOsFile);
	int rc = base_vfs->xOpen(base_vfs, name, c->real, flags, out_flags);
	if (rc != SQLITE_OK) {
		sqlite3_free(c->real);
		c->base.pMethods = NULL;
		return rc;
	}
	c->counter = !name                           ? NULL :
	             ends_with(name, "packed.db")         ? &syncs_packed :
	             ends_with(name, "packed.db-journal") ? &syncs_packed_journal :
	             ends_with(name, "/db")               ? &syncs_db : NULL;
	c->base.pMethods = &counted_methods;
	return SQLITE_OK;
}

static void test_vacuum_copy_not_synced(void **state)
{
	(void)state;
	base_vfs = sqlite3_vfs_find(NULL);
	assert_non_null(base_vfs);
	count_vfs = *base_vfs;
	count_vfs.zName = "baton-test-count-syncs";
	count_vfs.szOsFile = (int)sizeof(counted_file);
	count_vfs.xOpen = c_open;
	count_vfs.pNext = NULL;
	assert_int_equal(sqlite3_vfs_register(&count_vfs, 1), SQLITE_OK);

	char *dir = st_mkdtemp("savesync");
	char *path = st_path(dir, "r.c1z");
	baton_store_options o = {.version = BATON_STORE_OPTIONS_VERSION, .resumable_work_dir = true};
	baton_store *s = synced_grants(path, &o, 10000, true, "r");
	int db_syncs_before_close = syncs_db;
	assert_false(close_skipped_vacuum(s));
	print_message("syncs: working copy %d, copy %d, copy's journal %d\n", syncs_db, syncs_packed,
	              syncs_packed_journal);
	/* the resumable working copy's commits are synced (the counting works) ... */
	assert_true(db_syncs_before_close > 0);
	/* ... the VACUUM INTO copy and its journal are not */
	assert_int_equal(syncs_packed, 0);
	assert_int_equal(syncs_packed_journal, 0);
	assert_int_equal(sqlite3_vfs_unregister(&count_vfs), SQLITE_OK);

	store_fill_read_back(path);
	remove_dir(dir, path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_scan),
		cmocka_unit_test(test_compact_copy_saved_as_is),
		cmocka_unit_test(test_bulk_file_saved_as_is),
		cmocka_unit_test(test_compact_window),
		cmocka_unit_test(test_vacuum_copy_not_synced),
		cmocka_unit_test(test_vacuum_copy_memory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
