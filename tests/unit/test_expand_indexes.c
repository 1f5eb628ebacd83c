/*
 * Grant expansion that writes many grants compared with what is stored drops the two grant
 * indexes it never reads while it runs, and builds them again at the end: the schema afterwards
 * (sqlite_master: every index of v1_grants with its statement) is the one before, after a
 * completed expansion and after one stopped by its progress callback; a small expansion keeps them
 * throughout.
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
static xf *build(int members, int others)
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
	assert_int_equal(xf_count(f, "group:s:member"), (size_t)members);
	return f;
}

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
	assert_string_equal(grant_indexes(f), before);
	assert_int_equal(xf_count(f, "group:d:member"), MANY + 1); /* with the expandable grant */
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
	assert_string_equal(grant_indexes(f), before);
	/* and the store is still usable: running again completes it */
	CHECK(xf_expand(f, NULL));
	assert_int_equal(xf_count(f, "group:d:member"), MANY + 1); /* with the expandable grant */
	assert_string_equal(grant_indexes(f), before);
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
		cmocka_unit_test(test_cancelled_expansion_rebuilds),
		cmocka_unit_test(test_small_expansion_keeps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
