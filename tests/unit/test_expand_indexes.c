/*
 * Grant expansion that writes many grants compared with what is stored defers the two grant
 * indexes it never reads (the store drops them, store/bulk.c) and leaves them deferred: the next
 * grant read, sync end or save builds them, once. (One that writes more than twice the stored
 * rows drops the two it reads as well: test_expand_scan.) The schema afterwards (sqlite_master: every
 * index of v1_grants with its statement) is the one before, after a completed expansion and after
 * one stopped by its progress callback; a small expansion keeps them throughout; right after a new
 * file's bulk phase expansion builds only the indexes it reads.
 */
#include "expand_testutil.h"

#include "store/store.h"

/* Above the expansion size from which the indexes are deferred (20,000 estimated new grants). */
#define MANY 25000

/* The indexes of v1_grants, "name=sql;" in name order, in ctx memory. */
static const char *grant_indexes(xf *f)
{
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(f->s->db,
	                                    "SELECT name, coalesce(sql, '') FROM sqlite_master WHERE type = 'index' "
	                                    "AND tbl_name = 'v1_grants' ORDER BY name",
	                                    -1, &st, NULL),
	                 SQLITE_OK);
	const char *out = "";
	while (sqlite3_step(st) == SQLITE_ROW)
		out = baton_ctx_sprintf(f->ctx, "%s%s=%s;", out, (const char *)sqlite3_column_text(st, 0),
		                        (const char *)sqlite3_column_text(st, 1));
	sqlite3_finalize(st);
	return out;
}

typedef struct watch {
	xf *f;
	bool saw_dropped, saw_kept; /* idx_grants_principal_id_v1 absent / present during expansion */
	bool cancel;
} watch;

static int on_progress(const baton_expand_progress *p, void *data)
{
	watch *w = data;
	if (p->phase != BATON_EXPAND_PHASE_EXPAND)
		return 0;
	if (strstr(grant_indexes(w->f), "idx_grants_principal_id_v1="))
		w->saw_kept = true;
	else
		w->saw_dropped = true;
	return w->cancel ? 1 : 0;
}

/* d <- s, with `members` principals on s and `others` unrelated grants stored. */
static xf *build_bulk(int members, int others, bool read)
{
	xf *f = xf_new("exp-idx");
	xf_ent(f, "group:s:member");
	xf_ent(f, "group:d:member");
	xf_ent(f, "group:o:member");
	xf_exp(f, "group:d:member", "group:s", "group:s:member", false, NULL);
	char p[32];
	for (int i = 0; i < members; i++) {
		snprintf(p, sizeof p, "user:u%d", i);
		xf_grant(f, "group:s:member", p);
	}
	for (int i = 0; i < others; i++) {
		snprintf(p, sizeof p, "user:o%d", i);
		xf_grant(f, "group:o:member", p);
	}
	CHECK(baton_store_flush(f->s));
	/* a grant read builds the indexes the store defers while it is first filled (store/bulk.c) */
	if (read)
		assert_int_equal(xf_count(f, "group:s:member"), (size_t)members);
	return f;
}

static xf *build(int members, int others)
{
	return build_bulk(members, others, true);
}

static const unsigned unread = BATON__GIDX_RESOURCE | BATON__GIDX_PRINCIPAL;

static int run(xf *f, watch *w)
{
	baton_expand_options o = {0};
	o.version = BATON_EXPAND_OPTIONS_VERSION;
	o.progress = on_progress;
	o.progress_data = w;
	baton_expand_stats st;
	return baton_expand_store(f->s, f->sync_id, &o, &st);
}

static void test_large_expansion_rebuilds(void **state)
{
	(void)state;
	xf *f = build(MANY, 0);
	const char *before = baton_ctx_strdup(f->ctx, grant_indexes(f));
	assert_non_null(strstr(before, "idx_grants_principal_id_v1="));
	watch w = {f, false, false, false};
	CHECK(run(f, &w));
	assert_true(w.saw_dropped);
	assert_false(w.saw_kept);
	/* still deferred after it; the next grant read builds them */
	assert_null(strstr(grant_indexes(f), "idx_grants_principal_id_v1="));
	assert_non_null(strstr(grant_indexes(f), "idx_grants_entitlement_sync_grant_v1="));
	assert_int_equal(f->s->grants_deferred, unread);
	assert_int_equal(xf_count(f, "group:d:member"), MANY + 1); /* with the expandable grant */
	assert_string_equal(grant_indexes(f), before);
	assert_int_equal(f->s->grants_deferred, 0);
	xf_free(f);
}

static void test_cancelled_expansion_rebuilds(void **state)
{
	(void)state;
	xf *f = build(MANY, 0);
	const char *before = baton_ctx_strdup(f->ctx, grant_indexes(f));
	watch w = {f, false, false, true};
	assert_int_equal(run(f, &w), BATON_ECANCELLED);
	assert_true(w.saw_dropped);
	/* the unique index too: a large expansion defers it (test_expand_unique), and a stopped one
	 * leaves it for the store to build */
	assert_int_equal(f->s->grants_deferred, unread | BATON__GIDX_UNIQUE);
	/* saving builds what is deferred: the file has the full schema */
	char *saved = st_path(f->dir, "saved.c1z");
	CHECK(baton_store_save_as(f->s, saved));
	free(saved);
	assert_string_equal(grant_indexes(f), before);
	/* and the store is still usable: running again completes it */
	CHECK(xf_expand(f, NULL));
	assert_int_equal(xf_count(f, "group:d:member"), MANY + 1); /* with the expandable grant */
	assert_string_equal(grant_indexes(f), before);
	xf_free(f);
}

/* Right after the bulk phase (no read): expansion builds the unique and entitlement indexes only;
 * the two it does not read stay deferred from the bulk phase to sync end, built once. */
static void test_after_bulk_builds_once(void **state)
{
	(void)state;
	xf *f = build_bulk(MANY, 0, false);
	assert_int_equal(f->s->grants_deferred, BATON__GIDX_ALL);
	watch w = {f, false, false, false};
	CHECK(run(f, &w));
	assert_true(w.saw_dropped);
	assert_false(w.saw_kept);
	assert_int_equal(f->s->grants_deferred, unread);
	const char *after = grant_indexes(f);
	assert_non_null(strstr(after, "idx_grants_external_sync_v1="));
	assert_non_null(strstr(after, "idx_grants_entitlement_sync_grant_v1="));
	assert_non_null(strstr(after, "idx_grants_entitlement_id_principal_id_v1="));
	CHECK(baton_store_sync_end(f->s));
	assert_int_equal(f->s->grants_deferred, 0);
	assert_non_null(strstr(grant_indexes(f), "idx_grants_principal_id_v1="));
	assert_non_null(strstr(grant_indexes(f), "idx_grants_resource_type_id_resource_id_v1="));
	xf_free(f);
}

static void test_small_expansion_keeps(void **state)
{
	(void)state;
	xf *f = build(3, 2000);
	const char *before = baton_ctx_strdup(f->ctx, grant_indexes(f));
	watch w = {f, false, false, false};
	CHECK(run(f, &w));
	assert_true(w.saw_kept);
	assert_false(w.saw_dropped);
	assert_string_equal(grant_indexes(f), before);
	xf_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_large_expansion_rebuilds),
		cmocka_unit_test(test_after_bulk_builds_once),
		cmocka_unit_test(test_cancelled_expansion_rebuilds),
		cmocka_unit_test(test_small_expansion_keeps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
