/*
 * Grant expansion over duplicate grants: K grants of the same (entitlement, principal) on the
 * source and on the destination, K = 1 .. 1,000. The result is exactly the K = 1 result for every
 * copy (each applied contribution is idempotent); the work, which was K x K row reads per
 * principal, is now K (timings: bench notes, not here).
 */
#include "expand_testutil.h"

#include "store/store.h"
#include "sync/expand_int.h" /* baton__expand_scan_mode */

static const char *const principals[] = {"user:u1", "user:u2", "group:g", "user:u3"};
#define NP (sizeof(principals) / sizeof(principals[0]))

/* Builds d <- s (s's members get d), with every principal's grants on s and d made K times. */
static xf *build(size_t k)
{
	xf *f = xf_new("exp-dup");
	xf_ent(f, "group:s:member");
	xf_ent(f, "group:d:member");
	xf_exp(f, "group:d:member", "group:s", "group:s:member", false, NULL);
	for (size_t i = 0; i < NP; i++) {
		xf_grant(f, "group:s:member", principals[i]);
		if (i % 2 == 0) /* half the principals already hold d */
			xf_grant(f, "group:d:member", principals[i]);
	}
	CHECK(baton_store_flush(f->s));
	if (k > 1) {
		char sql[1024];
		snprintf(sql, sizeof sql,
		         "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %zu) "
		         "INSERT INTO v1_grants (resource_type_id, resource_id, entitlement_id, "
		         "principal_resource_type_id, principal_resource_id, external_id, expansion, "
		         "needs_expansion, data, sync_id, discovered_at) "
		         "SELECT g.resource_type_id, g.resource_id, g.entitlement_id, g.principal_resource_type_id, "
		         "g.principal_resource_id, g.external_id || '#' || n.i, g.expansion, g.needs_expansion, "
		         "g.data, g.sync_id, g.discovered_at FROM v1_grants g, n WHERE g.principal_resource_id "
		         "!= 's'",
		         k - 1);
		st_sql(f->s->db, sql);
	}
	return f;
}

static void test_duplicates(void **state)
{
	(void)state;
	static const size_t ks[] = {1, 2, 10, 100, 1000};
	const char *want[NP];
	baton_expand_stats want_st;
	xf *ref = NULL;
	for (size_t ki = 0; ki < sizeof(ks) / sizeof(ks[0]); ki++) {
		size_t k = ks[ki];
		xf *f = build(k);
		baton_expand_stats st;
		CHECK(xf_expand(f, &st));
		if (k == 1) {
			ref = f;
			want_st = st;
			for (size_t i = 0; i < NP; i++)
				want[i] = xf_sources(f, "group:d:member", principals[i]);
			continue;
		}
		/* one grant created per principal that had none on d, whatever K */
		assert_int_equal(st.grants_created, want_st.grants_created);
		assert_int_equal(xf_count(f, "group:s:member"), NP * k);
		for (size_t i = 0; i < NP; i++) {
			/* every copy on d: the K = 1 sources */
			const char *got = xf_sources(f, "group:d:member", principals[i]);
			size_t copies = i % 2 == 0 ? k : 1;
			char *expect = baton_ctx_strdup(f->ctx, want[i]);
			for (size_t c = 1; c < copies; c++)
				expect = baton_ctx_sprintf(f->ctx, "%s | %s", expect, want[i]);
			if (strcmp(got, expect) != 0)
				fail_msg("K=%zu, %s: sources %.200s, want %.200s", k, principals[i], got, expect);
		}
		assert_int_equal(xf_count(f, "group:d:member"), 1 + NP + (NP + 1) / 2 * (k - 1));
		xf_free(f);
	}
	xf_free(ref);
}

/* A full disk during the expansion (SQLite's page limit set 0 to 120 pages above the data): every
 * run either completes or says there is no space, never "no transaction is active". At some sizes
 * a grant write fails mid-expansion, SQLite rolls the transaction back, and the commit that
 * follows used to replace the error with "cannot commit - no transaction is active". */
static void test_disk_full(void **state)
{
	(void)state;
	int failed = 0, mid = 0;
	for (int extra = 0; extra <= 120; extra += 8) {
		xf *f = build(300);
		char sql[128];
		sqlite3_stmt *st;
		assert_int_equal(sqlite3_prepare_v2(f->s->db, "PRAGMA page_count", -1, &st, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		int pages = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
		snprintf(sql, sizeof sql, "PRAGMA max_page_count = %d", pages + extra);
		st_sql(f->s->db, sql);
		baton_expand_stats bs;
		int rc = xf_expand(f, &bs);
		const char *msg = baton_error_last()->message;
		if (rc != 0) {
			failed++;
			if (rc != BATON_EEXHAUSTED || !strstr(msg, "no space left on device") ||
			    strstr(msg, "no transaction is active"))
				fail_msg("%d extra pages: rc %d: %s", extra, rc, msg);
			if (strstr(msg, "grant expansion: updating a grant") || strstr(msg, "grant expansion: storing a grant"))
				mid++;
		}
		xf_free(f);
	}
	print_message("disk full: %d of 16 sizes failed, %d of them mid-expansion\n", failed, mid);
	assert_true(failed > 0);
	/* In scan mode (the _scan variant) expansion drops two indexes before it writes: the pages they
	 * free hold its rows, so the disk fills up only while indexes are built, before or after. */
	if (baton__expand_scan_mode <= 0)
		assert_true(mid > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_disk_full),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
