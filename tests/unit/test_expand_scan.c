/*
 * Scan mode (src/sync/expand_scan.c): during a large expansion the two grant indexes expansion
 * reads are deferred too, and what it reads through them comes from lists read before they are
 * dropped and from the row ranges each component's expansion created. The grants must be row for
 * row (rowid, every column, data, sync) what the index path gives, on a graph that has every kind
 * of read: a source with new rows of its own (depth 2), a collapsed cycle (one range holding two
 * entitlements' rows), shallow and filtered edges, destinations with grants already (merged), a
 * stored grant holding the id a new grant gets (the upsert rewrites it, no row is created), and
 * an older sync with grants of the same entitlements. Leaving scan mode in the middle (a
 * principal set that outgrew its bound builds the indexes back) must not change a row either.
 */
#include "expand_testutil.h"

#include "store/store.h"
#include "store_fill.h"
#include "sync/expand_int.h" /* baton__expand_scan_mode, baton__expand_scan_leave_at */

static bool has_index(sqlite3 *db, const char *name)
{
	char sql[160];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = '%s'", name);
	return store_fill_i64(db, sql) == 1;
}

static bool read_indexes(sqlite3 *db)
{
	bool a = has_index(db, "idx_grants_entitlement_sync_grant_v1");
	bool b = has_index(db, "idx_grants_entitlement_id_principal_id_v1");
	assert_int_equal(a, b); /* deferred and built together */
	return a;
}

static void user(char *buf, size_t n, int i)
{
	snprintf(buf, n, "user:u%05d", i);
}

/* Every occurrence of `id` in rows becomes `label` (padded with '.' to the id's length). */
static void relabel(char *rows, const char *id, char label)
{
	size_t n = strlen(id);
	for (char *p = rows; (p = strstr(p, id)); p += n) {
		memset(p, '.', n);
		*p = label;
	}
}

/* The graph described at the top, with n users; *older is the first sync's id. */
static void fill(xf *f, int n, char older[28])
{
	char u[32];
	/* an older sync with grants of a destination (the (entitlement, principal) index has no sync) */
	xf_ent(f, "project:p1:member");
	for (int i = 0; i < n; i += 3) {
		user(u, sizeof u, i);
		xf_grant(f, "project:p1:member", u);
	}
	CHECK(baton_store_sync_end(f->s));
	memcpy(older, f->sync_id, 28);
	CHECK(baton_store_sync_start(f->s, BATON_SYNC_TYPE_FULL, NULL, f->sync_id));

	const char *ents[] = {"group:g1:member", "group:g2:member",   "group:g3:member",   "group:c1:member",
	                      "group:c2:member", "group:o:member",    "project:p1:member", "project:p1:admin",
	                      "project:p2:member", "project:p3:member", "role:r1:assigned"};
	for (size_t i = 0; i < sizeof ents / sizeof ents[0]; i++)
		xf_ent(f, ents[i]);
	for (int i = 0; i < n; i++) {
		user(u, sizeof u, i);
		xf_grant(f, "group:g1:member", u);
		user(u, sizeof u, n / 2 + i);
		xf_grant(f, "group:g2:member", u);
		if (i % 5 == 0) {
			user(u, sizeof u, i * 3);
			xf_grant(f, "role:r1:assigned", u);
		}
		if (i % 7 == 0) { /* already a member, one of them with a source of its own */
			user(u, sizeof u, i);
			CHECK(baton_store_put_grant(f->s, xf_grant_new(f, "project:p1:member", u, i % 14 ? NULL : "*x:y:z",
			                                               NULL, false, NULL)));
		}
	}
	xf_grant(f, "group:g2:member", "group:gx"); /* filtered out of the shallow edge */
	xf_grant(f, "group:c2:member", "user:cz");
	xf_grant(f, "project:p2:member", "user:u00001");
	xf_grant(f, "group:o:member", "user:z");

	xf_exp(f, "project:p1:member", "group:g1", "group:g1:member", false, NULL);
	xf_exp(f, "project:p1:member", "group:g2", "group:g2:member", false, NULL);
	xf_exp(f, "project:p1:member", "role:r1", "role:r1:assigned", false, NULL);
	xf_exp(f, "project:p1:admin", "group:g2", "group:g2:member", true, "user");
	xf_exp(f, "group:g3:member", "group:g1", "group:g1:member", false, NULL);
	xf_exp(f, "project:p2:member", "group:g3", "group:g3:member", false, NULL);
	xf_exp(f, "group:c1:member", "group:c2", "group:c2:member", false, NULL);
	xf_exp(f, "group:c2:member", "group:c1", "group:c1:member", false, NULL);
	xf_exp(f, "group:c1:member", "group:g2", "group:g2:member", false, NULL);
	xf_exp(f, "project:p3:member", "group:c1", "group:c1:member", false, NULL);
	CHECK(baton_store_flush(f->s));
	/* a stored grant of another entitlement holds the id expansion gives p1's grant to u00005 */
	assert_int_equal(sqlite3_exec(f->s->db, "UPDATE v1_grants SET external_id = 'project:p1:member:user:u00005' "
	                                        "WHERE external_id = 'group:o:member:user:z'", NULL, NULL, NULL),
	                 SQLITE_OK);
}

typedef struct watch {
	sqlite3 *db;
	bool saw_without; /* the read indexes absent while expanding */
	bool saw_with;
} watch;

static int on_progress(const baton_expand_progress *p, void *data)
{
	watch *w = data;
	if (p->phase == BATON_EXPAND_PHASE_EXPAND && p->done > 0) {
		if (read_indexes(w->db))
			w->saw_with = true;
		else
			w->saw_without = true;
	}
	return 0;
}

static int expand(xf *f, watch *w, baton_expand_stats *st)
{
	baton_expand_options o = {0};
	o.version = BATON_EXPAND_OPTIONS_VERSION;
	o.progress = on_progress;
	o.progress_data = w;
	w->db = f->s->db;
	return baton_expand_store(f->s, f->sync_id, &o, st);
}

/* Every grant row (with its sync) after expanding fill(n) in `mode`, leaving it at `leave_at`. */
static char *expanded(int n, int mode, uint64_t leave_at, watch *w, baton_expand_stats *st)
{
	xf *f = xf_new("exp-scan");
	char older[28];
	fill(f, n, older);
	/* a grant read ends the bulk phase: expansion starts with every index in place */
	assert_int_equal(xf_count(f, "group:g1:member"), (size_t)n);
	assert_true(read_indexes(f->s->db));
	baton__expand_scan_mode = mode;
	baton__expand_scan_leave_at = leave_at;
	int rc = expand(f, w, st);
	baton__expand_scan_mode = 0;
	baton__expand_scan_leave_at = 0;
	CHECK(rc);
	char *rows = store_fill_grant_rows(f->s->db, true);
	relabel(rows, older, 'A');
	relabel(rows, f->sync_id, 'B');
	/* the sync's end builds whatever is still deferred: the file's schema is whole */
	CHECK(baton_store_sync_end(f->s));
	assert_int_equal(f->s->grants_deferred, 0);
	assert_true(read_indexes(f->s->db));
	xf_free(f);
	return rows;
}

static void test_same_rows_as_index_path(void **state)
{
	(void)state;
	watch wi = {0}, ws = {0};
	baton_expand_stats si, ss;
	char *ref = expanded(600, -1, 0, &wi, &si);
	char *got = expanded(600, 1, 0, &ws, &ss);
	assert_true(wi.saw_with && !wi.saw_without);
	assert_true(ws.saw_without && !ws.saw_with);
	assert_string_equal(got, ref);
	assert_int_equal(ss.grants_created, si.grants_created);
	assert_int_equal(ss.grants_updated, si.grants_updated);
	assert_true(si.grants_created > 2000);
	assert_true(si.grants_updated > 0);
	/* what the graph asks for is there: depth 2 (g1 -> g3 -> p2), the cycle, the filter, the
	 * foreign id rewritten rather than a second row */
	assert_non_null(strstr(ref, "|project:p2:member|user|u00002|project:p2:member:user:u00002|"));
	assert_non_null(strstr(ref, "|project:p3:member|user|cz|"));
	assert_null(strstr(ref, "|project:p1:admin|group|gx|"));
	assert_null(strstr(ref, "|project:p1:member|user|u00005|"));
	free(ref);
	free(got);
}

/* Leaving scan mode early, in the middle and near the end changes nothing. */
static void test_leave_midway(void **state)
{
	(void)state;
	watch w0 = {0};
	baton_expand_stats s0;
	char *ref = expanded(400, -1, 0, &w0, &s0);
	uint64_t at[] = {1, s0.grants_created / 2, s0.grants_created - 1};
	for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
		watch w = {0};
		baton_expand_stats s;
		char *got = expanded(400, 1, at[i], &w, &s);
		assert_string_equal(got, ref);
		assert_true(w.saw_with); /* built back */
		free(got);
	}
	free(ref);
}

/*
 * One node fed more contributions than a batch holds (65,536): principals of both sources are
 * applied in two flushes, the second finding the grants the first created (kept per principal in
 * scan mode) and merging its source into them.
 */
static char *two_batches(int mode, uint64_t *created)
{
	xf *f = xf_new("exp-scan-batches");
	xf_ent(f, "group:a:member");
	xf_ent(f, "group:b:member");
	xf_ent(f, "group:d:member");
	xf_exp(f, "group:d:member", "group:a", "group:a:member", false, NULL);
	xf_exp(f, "group:d:member", "group:b", "group:b:member", false, NULL);
	char u[32];
	for (int i = 0; i < 40000; i++) {
		user(u, sizeof u, i);
		xf_grant(f, "group:a:member", u);
		user(u, sizeof u, 70000 - i);
		xf_grant(f, "group:b:member", u);
	}
	CHECK(baton_store_flush(f->s));
	assert_int_equal(xf_count(f, "group:a:member"), 40000);
	baton__expand_scan_mode = mode;
	baton_expand_stats st;
	int rc = xf_expand(f, &st);
	baton__expand_scan_mode = 0;
	CHECK(rc);
	*created = st.grants_created;
	/* a principal of both: one grant with both sources */
	assert_string_equal(xf_sources(f, "group:d:member", "user:u35000"), "*group:a:member,*group:b:member");
	char *rows = store_fill_grant_rows(f->s->db, false);
	xf_free(f);
	return rows;
}

static void test_node_over_two_batches(void **state)
{
	(void)state;
	uint64_t ci, cs;
	char *ref = two_batches(-1, &ci), *got = two_batches(1, &cs);
	assert_int_equal(ci, 70001); /* u00000 .. u70000 */
	assert_int_equal(cs, ci);
	assert_string_equal(got, ref);
	free(ref);
	free(got);
}

/*
 * By size: an expansion that writes more than twice the stored rows goes without the two
 * indexes, whether it starts with them built or right after a bulk phase (they are built for it
 * on entry, then dropped: a sync's expansion); one that writes fewer keeps them. Both modes give
 * the same rows.
 */
static void auto_mode(int dests, bool after_bulk, watch *w, char **rows)
{
	xf *f = xf_new("exp-scan-auto");
	xf_ent(f, "group:s:member");
	char ent[32];
	for (int k = 0; k < dests; k++) {
		snprintf(ent, sizeof ent, "group:d%d:member", k);
		xf_ent(f, ent);
		xf_exp(f, ent, "group:s", "group:s:member", false, NULL);
	}
	char u[32];
	for (int i = 0; i < 12000; i++) {
		user(u, sizeof u, i);
		xf_grant(f, "group:s:member", u);
	}
	CHECK(baton_store_flush(f->s));
	if (!after_bulk)
		assert_int_equal(xf_count(f, "group:s:member"), 12000);
	baton_expand_stats st;
	CHECK(expand(f, w, &st));
	assert_int_equal(st.grants_created, 12000u * (unsigned)dests);
	*rows = store_fill_grant_rows(f->s->db, false);
	CHECK(baton_store_sync_end(f->s));
	assert_true(read_indexes(f->s->db));
	xf_free(f);
}

static void test_auto_mode(void **state)
{
	(void)state;
	watch built = {0}, bulk = {0}, few = {0};
	char *a, *b, *c;
	auto_mode(3, false, &built, &a);
	auto_mode(3, true, &bulk, &b);
	auto_mode(1, false, &few, &c);
	assert_true(built.saw_without && !built.saw_with);
	assert_true(bulk.saw_without && !bulk.saw_with);
	assert_true(few.saw_with && !few.saw_without);
	assert_string_equal(a, b);
	free(a);
	free(b);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_rows_as_index_path),
		cmocka_unit_test(test_leave_midway),
		cmocka_unit_test(test_node_over_two_batches),
		cmocka_unit_test(test_auto_mode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
