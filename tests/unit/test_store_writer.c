/*
 * The grant writer thread (src/store/writer.c): rows queued by baton_store_put_grant are written
 * before anything reads them or commits, upserts keep their meaning, and an error of the thread
 * comes back to the caller without committing the transaction.
 */
#define _GNU_SOURCE
#include "store_testutil.h"

#include <sched.h>
#include <stdatomic.h>
#include <time.h>

#include "c1z_raw.h"
#include "store/store.h" /* baton__store_writer_active, s->db */
#include "store_fill.h"

/* The fixture: a context, the file w.c1z in a new directory, the group g1 whose member grants
 * store_fill_put_member puts. */
typedef store_fill_fx fx;

static bool two_cpus(void)
{
	cpu_set_t set;
	return sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) >= 2;
}

static int setup(void **state)
{
	*state = store_fill_fx_new(st_mkdtemp("writer"), "w.c1z");
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	st_rmtree(f->dir);
	store_fill_fx_free(f);
	return 0;
}

/* Runs first: the fault (BATON_TEST_FAIL_AT=store.writer:2, set in main) hits the second batch. */
static void test_writer_error_not_committed(void **state)
{
	fx *f = *state;
	if (!two_cpus()) {
		print_message("one CPU: no writer thread, nothing to fail\n");
		return;
	}
	baton_store *s;
	CHECK(baton_store_open(f->path, NULL, &s));
	char id[28];
	CHECK(baton_store_sync_start(s, BATON_SYNC_TYPE_FULL, NULL, id));
	int rc = 0, i;
	for (i = 0; i < 5000 && rc == 0; i++)
		rc = store_fill_put_member(f, s, i, NULL);
	assert_int_equal(rc, BATON_EINTERNAL);
	assert_non_null(strstr(baton_error_last()->message, "store.writer"));
	assert_true(i < 5000); /* reported by a later put, not only at the end */
	/* Nothing of it is committed, and saving fails rather than writing part of the sync. */
	assert_int_equal(baton_store_flush(s), BATON_EINTERNAL);
	assert_int_equal(baton_store_close(s), BATON_EINTERNAL);
	assert_int_equal(access(f->path, F_OK), -1);
}

/* Queued rows are written before a commit, a read, and the end of the sync. */
static void test_writer_rows_visible(void **state)
{
	fx *f = *state;
	baton_store *s;
	CHECK(baton_store_open(f->path, NULL, &s));
	char id[28];
	CHECK(baton_store_sync_start(s, BATON_SYNC_TYPE_FULL, NULL, id));
	for (int i = 0; i < 10; i++)
		CHECK(store_fill_put_member(f, s, i, NULL));
	/* With two CPUs the rows go through the thread; they are in no table until handed over. */
	assert_int_equal(baton__store_writer_active(s), two_cpus());
	CHECK(baton_store_flush(s));
	assert_int_equal(store_fill_i64(s->db, "SELECT count(*) FROM v1_grants"), 10);

	/* Several batches, upserts among them: the last put of an id wins, as row by row. */
	for (int i = 0; i < 3000; i++)
		CHECK(store_fill_put_member(f, s, i, NULL));
	CHECK(store_fill_put_member(f, s, 7, "group:g2:member"));
	/* A point read sees every row put before it. */
	baton_grant *g;
	CHECK(baton_store_get_grant(s, NULL, "group:g1:member:user:u7", f->ctx, &g));
	baton_store_counts c;
	CHECK(baton_store_count(s, NULL, &c));
	assert_int_equal(c.grants, 3000);
	assert_int_equal(store_fill_i64(s->db, "SELECT needs_expansion FROM v1_grants WHERE "
	                              "external_id = 'group:g1:member:user:u7'"), 1);
	assert_int_equal(store_fill_i64(s->db, "SELECT min(id) FROM v1_grants WHERE "
	                              "external_id = 'group:g1:member:user:u7'"), 8);
	CHECK(baton_store_sync_end(s));
	CHECK(baton_store_close(s));

	c1z_raw *raw = c1z_raw_open(f->path);
	assert_int_equal(c1z_raw_count(raw, "v1_grants"), 3000);
	c1z_raw_close(raw);
}

/* The writer thread's rows, and whether each takes 2 ms (test_read_ahead_of_batch). */
static atomic_int rows_written;
static atomic_bool rows_slow;

static void count_row(void)
{
	atomic_fetch_add(&rows_written, 1);
	if (atomic_load(&rows_slow)) {
		struct timespec ts = {0, 2 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
}

/*
 * A point read while the thread writes a batch (the syncer reads the resource of each page of
 * grants) gets the connection after the thread's current row, not after its whole batch: the two
 * threads run together instead of taking turns. The batch is slowed to 2 ms a row (over a second
 * for 512 rows): a read that waited for the batch would see all 512 rows written.
 */
static void test_read_ahead_of_batch(void **state)
{
	fx *f = *state;
	if (!two_cpus()) {
		print_message("one CPU: no writer thread, nothing to wait for\n");
		return;
	}
	baton_store *s;
	CHECK(baton_store_open(f->path, NULL, &s));
	char id[28];
	CHECK(baton_store_sync_start(s, BATON_SYNC_TYPE_FULL, NULL, id));
	CHECK(baton_store_put_resource(s, f->group));
	atomic_store(&rows_written, 0);
	atomic_store(&rows_slow, true);
	baton__store_writer_row_hook = count_row;
	for (int i = 0; i < 600; i++) /* the first 512 are handed to the thread */
		CHECK(store_fill_put_member(f, s, i, NULL));
	assert_true(baton__store_writer_active(s));
	while (atomic_load(&rows_written) == 0)
		sched_yield();
	baton_resource *r;
	baton_resource_id rid = baton_resource_get_id(f->group);
	CHECK(baton_store_get_resource(s, NULL, &rid, f->ctx, &r));
	int seen = atomic_load(&rows_written);
	atomic_store(&rows_slow, false);
	assert_string_equal(baton_resource_get_id(r).resource, "g1");
	assert_in_range(seen, 1, 511);
	/* The thread goes on afterwards, and every row is there. */
	CHECK(baton_store_flush(s));
	baton__store_writer_row_hook = NULL;
	assert_int_equal(atomic_load(&rows_written), 600);
	assert_int_equal(store_fill_i64(s->db, "SELECT count(*) FROM v1_grants"), 600);
	CHECK(baton_store_sync_end(s));
	CHECK(baton_store_close(s));
}

int main(void)
{
	/* Read once by the fault module, at its first use: before any store call. */
	setenv("BATON_TEST_FAIL_AT", "store.writer:2", 1);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_writer_error_not_committed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_rows_visible, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_ahead_of_batch, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
