/*
 * Grant expansion on small graphs built with the store: shallow edges, resource type filters,
 * cycles, a chain deeper than the Go SDK's SQLite limit, a diamond, merged duplicate edges,
 * missing and mismatched sources, idempotence, and the sync token's grant-expansion step.
 */
#include "expand_testutil.h"

#include "store/store.h"

static void expand_ok(xf *f, baton_expand_stats *st)
{
	CHECK(xf_expand(f, st));
}

static void test_shallow(void **state)
{
	(void)state;
	xf *f = xf_new("exp-shallow");
	xf_ent(f, "group:g1:member");
	xf_ent(f, "group:g2:member");
	xf_ent(f, "role:r1:assigned");
	xf_ent(f, "role:r2:assigned");
	xf_grant(f, "group:g1:member", "user:u1");
	xf_grant(f, "group:g1:member", "user:u3");
	xf_grant(f, "group:g2:member", "user:u3");
	xf_exp(f, "group:g2:member", "group:g1", "group:g1:member", false, NULL);
	xf_exp(f, "role:r1:assigned", "group:g2", "group:g2:member", true, NULL);
	xf_exp(f, "role:r2:assigned", "group:g2", "group:g2:member", false, NULL);
	baton_expand_stats st;
	expand_ok(f, &st);
	assert_int_equal(st.edges, 3);
	assert_int_equal(st.nodes, 4);
	assert_int_equal(st.depth, 2);

	assert_string_equal(xf_sources(f, "group:g2:member", "user:u1"), "*group:g1:member");
	/* An existing direct grant: its own entitlement first, then the source. */
	assert_string_equal(xf_sources(f, "group:g2:member", "user:u3"), "*group:g1:member,*group:g2:member");
	/* Shallow: only grants direct on g2 pass (u1 got g2 through g1). */
	assert_null(xf_sources(f, "role:r1:assigned", "user:u1"));
	assert_string_equal(xf_sources(f, "role:r1:assigned", "user:u3"), "*group:g2:member");
	assert_string_equal(xf_sources(f, "role:r1:assigned", "group:g1"), "*group:g2:member");
	assert_string_equal(xf_sources(f, "role:r1:assigned", "group:g2"), "");
	assert_int_equal(xf_count(f, "role:r1:assigned"), 3);
	/* Deep: everything on g2, with is_direct telling whether it was direct there. */
	assert_string_equal(xf_sources(f, "role:r2:assigned", "user:u1"), "group:g2:member");
	assert_string_equal(xf_sources(f, "role:r2:assigned", "user:u3"), "*group:g2:member");
	assert_int_equal(xf_count(f, "role:r2:assigned"), 4);
	assert_int_equal(st.grants_created, 1 + 2 + 3);
	assert_int_equal(st.grants_updated, 1);

	/* The created grant as a whole: GrantImmutable only, the stored entitlement embedded. */
	baton_grant *g;
	CHECK(baton_store_get_grant(f->s, f->sync_id, "role:r2:assigned:user:u1", f->ctx, &g));
	assert_string_equal(baton_grant_entitlement_id(g), "role:r2:assigned");
	assert_non_null(baton_grant_entitlement(g));
	assert_string_equal(baton_entitlement_display_name(baton_grant_entitlement(g)), "assigned");
	assert_true(baton_annotations_contains(baton_grant_annotations(g), "c1.connector.v2.GrantImmutable"));
	assert_int_equal(baton_annotations_count(baton_grant_annotations(g)), 1);
	xf_free(f);
}

static void test_filters(void **state)
{
	(void)state;
	xf *f = xf_new("exp-filters");
	xf_ent(f, "group:g1:member");
	xf_ent(f, "role:ru:assigned");
	xf_ent(f, "role:rg:assigned");
	xf_grant(f, "group:g1:member", "user:u1");
	xf_grant(f, "group:g1:member", "group:g9");
	xf_grant(f, "group:g1:member", "app:a1");
	xf_exp(f, "role:ru:assigned", "group:g1", "group:g1:member", false, "user");
	xf_exp(f, "role:rg:assigned", "group:g1", "group:g1:member", false, "group,nosuchtype");
	baton_expand_stats st;
	expand_ok(f, &st);
	assert_non_null(xf_sources(f, "role:ru:assigned", "user:u1"));
	assert_null(xf_sources(f, "role:ru:assigned", "group:g9"));
	assert_null(xf_sources(f, "role:ru:assigned", "app:a1"));
	assert_null(xf_sources(f, "role:rg:assigned", "user:u1"));
	assert_string_equal(xf_sources(f, "role:rg:assigned", "group:g9"), "*group:g1:member");
	assert_null(xf_sources(f, "role:rg:assigned", "app:a1"));
	xf_free(f);
}

/* A 2-cycle fed from outside and feeding a successor, a 3-cycle, a self-loop. */
static void build_cycles(xf *f)
{
	const char *ents[] = {"group:a:member", "group:b:member", "group:c:member", "group:d:member",
	                      "group:x:member", "group:y:member", "group:z:member", "group:s:member"};
	for (size_t i = 0; i < sizeof(ents) / sizeof(ents[0]); i++)
		xf_ent(f, ents[i]);
	xf_exp(f, "group:a:member", "group:b", "group:b:member", false, NULL);
	xf_exp(f, "group:b:member", "group:a", "group:a:member", false, NULL);
	xf_grant(f, "group:a:member", "user:ua");
	xf_grant(f, "group:b:member", "user:ub");
	xf_grant(f, "group:c:member", "user:uc");
	xf_exp(f, "group:a:member", "group:c", "group:c:member", false, NULL);
	xf_exp(f, "group:d:member", "group:a", "group:a:member", false, NULL);

	xf_exp(f, "group:y:member", "group:x", "group:x:member", false, NULL);
	xf_exp(f, "group:z:member", "group:y", "group:y:member", false, NULL);
	xf_exp(f, "group:x:member", "group:z", "group:z:member", false, NULL);
	xf_grant(f, "group:x:member", "user:ux");

	xf_exp(f, "group:s:member", "group:s", "group:s:member", false, NULL);
	xf_grant(f, "group:s:member", "user:us");
}

static void test_cycles(void **state)
{
	(void)state;
	xf *f = xf_new("exp-cycles");
	build_cycles(f);
	uint64_t before = xf_total(f);

	baton_expand_options o = BATON_EXPAND_OPTIONS_INIT;
	o.dont_fix_cycles = true;
	baton_expand_stats st;
	st_expect_error(baton_expand_store(f->s, f->sync_id, &o, &st), BATON_EPRECONDITION, "cycle");
	assert_int_equal(xf_total(f), before);

	expand_ok(f, &st);
	assert_int_equal(st.cycles_collapsed, 3);
	assert_int_equal(st.nodes, 8);
	assert_int_equal(st.components, 8 - 1 - 2);
	/* What flows into the cycle reaches every member... */
	assert_string_equal(xf_sources(f, "group:a:member", "user:uc"), "*group:c:member");
	assert_string_equal(xf_sources(f, "group:b:member", "user:uc"), "*group:c:member");
	/* ...but members do not receive each other's grants. */
	assert_null(xf_sources(f, "group:b:member", "user:ua"));
	assert_null(xf_sources(f, "group:a:member", "user:ub"));
	/* Every member feeds the successor. */
	assert_string_equal(xf_sources(f, "group:d:member", "user:ua"), "*group:a:member");
	assert_string_equal(xf_sources(f, "group:d:member", "user:ub"), "*group:b:member");
	assert_string_equal(xf_sources(f, "group:d:member", "user:uc"), "group:a:member,group:b:member");
	assert_string_equal(xf_sources(f, "group:d:member", "group:a"), "*group:b:member,*group:d:member");
	/* A cycle with nothing flowing in, and a self-loop: nothing changes. */
	assert_null(xf_sources(f, "group:y:member", "user:ux"));
	assert_int_equal(xf_count(f, "group:y:member"), 1);
	assert_int_equal(xf_count(f, "group:s:member"), 2);
	assert_string_equal(xf_sources(f, "group:s:member", "group:s"), "");
	assert_string_equal(xf_sources(f, "group:s:member", "user:us"), "");

	/* A second run changes nothing. */
	uint64_t total = xf_total(f);
	expand_ok(f, &st);
	assert_int_equal(st.grants_created, 0);
	assert_int_equal(st.grants_updated, 0);
	assert_int_equal(xf_total(f), total);
	xf_free(f);
}

static int cancel_cb(const baton_expand_progress *p, void *userdata)
{
	(void)userdata;
	return p->phase == BATON_EXPAND_PHASE_EXPAND && p->done >= 10;
}

static void test_chain_50(void **state)
{
	(void)state;
	xf *f = xf_new("exp-chain");
	char ent[64], prev[64], pr[64];
	for (int i = 0; i <= 50; i++) {
		snprintf(ent, sizeof ent, "group:g%d:member", i);
		xf_ent(f, ent);
		if (i) {
			snprintf(prev, sizeof prev, "group:g%d:member", i - 1);
			snprintf(pr, sizeof pr, "group:g%d", i - 1);
			xf_exp(f, ent, pr, prev, false, NULL);
		}
	}
	xf_grant(f, "group:g0:member", "user:u0");

	/* Cancelled half-way, then run again: the same result as in one go. */
	baton_expand_options o = BATON_EXPAND_OPTIONS_INIT;
	o.progress = cancel_cb;
	baton_expand_stats st;
	st_expect_error(baton_expand_store(f->s, f->sync_id, &o, &st), BATON_ECANCELLED, "cancel");
	assert_true(st.grants_created > 0);
	expand_ok(f, &st);
	assert_int_equal(st.depth, 50);
	assert_int_equal(st.edges, 50);
	for (int i = 1; i <= 50; i++) {
		snprintf(ent, sizeof ent, "group:g%d:member", i);
		assert_non_null(xf_sources(f, ent, "user:u0"));
		/* g_i holds u0 and the groups g0 .. g(i-1). */
		assert_int_equal(xf_count(f, ent), (size_t)i + 1);
	}
	assert_string_equal(xf_sources(f, "group:g1:member", "user:u0"), "*group:g0:member");
	assert_string_equal(xf_sources(f, "group:g50:member", "user:u0"), "group:g49:member");
	assert_string_equal(xf_sources(f, "group:g50:member", "group:g48"), "*group:g49:member");
	xf_free(f);
}

static void test_diamond(void **state)
{
	(void)state;
	xf *f = xf_new("exp-diamond");
	xf_ent(f, "group:t:member");
	xf_ent(f, "group:l:member");
	xf_ent(f, "group:r:member");
	xf_ent(f, "group:b:member");
	xf_exp(f, "group:l:member", "group:t", "group:t:member", false, NULL);
	xf_exp(f, "group:r:member", "group:t", "group:t:member", false, NULL);
	xf_exp(f, "group:b:member", "group:l", "group:l:member", false, NULL);
	xf_exp(f, "group:b:member", "group:r", "group:r:member", false, NULL);
	xf_grant(f, "group:t:member", "user:u");
	baton_expand_stats st;
	expand_ok(f, &st);
	assert_string_equal(xf_sources(f, "group:b:member", "user:u"), "group:l:member,group:r:member");
	assert_string_equal(xf_sources(f, "group:b:member", "group:t"), "*group:l:member,*group:r:member");
	assert_int_equal(xf_count(f, "group:b:member"), 4);
	assert_int_equal(st.depth, 2);
	xf_free(f);
}

/* Stores a second expandable grant for the same (entitlement, principal) under another id. */
static void exp_twice(xf *f, const char *ent, const char *principal, bool shallow1, const char *rts1,
                      bool shallow2, const char *rts2)
{
	xf_exp(f, ent, principal, "group:s:member", shallow1, rts1);
	CHECK(baton_store_flush(f->s));
	char sql[256];
	snprintf(sql, sizeof sql, "UPDATE v1_grants SET external_id = external_id || '#1' WHERE external_id = "
	         "'%s:%s'", ent, principal);
	st_sql(f->s->db, sql);
	xf_exp(f, ent, principal, "group:s:member", shallow2, rts2);
}

static void test_duplicate_edges(void **state)
{
	(void)state;
	xf *f = xf_new("exp-dups");
	xf_ent(f, "group:s:member");
	xf_ent(f, "role:d1:x");
	xf_ent(f, "role:d2:x");
	xf_ent(f, "role:d3:x");
	xf_ent(f, "role:d4:x");
	xf_grant(f, "group:s:member", "user:us");
	xf_grant(f, "group:s:member", "group:gs");
	xf_grant(f, "group:s:member", "app:as");
	CHECK(baton_store_put_grant(f->s, xf_grant_new(f, "group:s:member", "user:ui", "group:other:member", NULL,
	                                               false, NULL)));
	exp_twice(f, "role:d1:x", "group:s", true, NULL, false, NULL);       /* deep wins */
	exp_twice(f, "role:d2:x", "group:s", true, NULL, true, NULL);        /* shallow stays */
	exp_twice(f, "role:d3:x", "group:s", false, "user", false, NULL);    /* unfiltered wins */
	exp_twice(f, "role:d4:x", "group:s", false, "user", false, "group"); /* union */
	baton_expand_stats st;
	expand_ok(f, &st);
	assert_int_equal(st.expandable_grants, 8);
	assert_int_equal(st.edges, 4);

	assert_string_equal(xf_sources(f, "role:d1:x", "user:ui"), "group:s:member");
	assert_non_null(xf_sources(f, "role:d1:x", "app:as"));
	assert_null(xf_sources(f, "role:d2:x", "user:ui"));
	assert_string_equal(xf_sources(f, "role:d2:x", "user:us"), "*group:s:member");
	assert_non_null(xf_sources(f, "role:d2:x", "group:gs"));
	assert_non_null(xf_sources(f, "role:d3:x", "app:as"));
	assert_non_null(xf_sources(f, "role:d3:x", "group:gs"));
	assert_non_null(xf_sources(f, "role:d4:x", "user:us"));
	assert_non_null(xf_sources(f, "role:d4:x", "user:ui"));
	assert_non_null(xf_sources(f, "role:d4:x", "group:gs"));
	assert_null(xf_sources(f, "role:d4:x", "app:as"));
	/* The two grants to group:s on d1 are both there and untouched. */
	assert_string_equal(xf_sources(f, "role:d1:x", "group:s"), " | ");
	xf_free(f);
}

static void test_missing_source(void **state)
{
	(void)state;
	xf *f = xf_new("exp-missing");
	xf_ent(f, "group:s:member");
	xf_ent(f, "role:m:x");
	xf_grant(f, "group:s:member", "user:u1");
	xf_exp(f, "role:m:x", "group:s", "group:nope:member,group:s:member", false, NULL);
	baton_expand_stats st;
	expand_ok(f, &st);
	assert_int_equal(st.edges_dropped, 1);
	assert_int_equal(st.edges, 1);
	assert_string_equal(xf_sources(f, "role:m:x", "user:u1"), "*group:s:member");
	xf_free(f);
}

static void test_principal_mismatch(void **state)
{
	(void)state;
	xf *f = xf_new("exp-mismatch");
	xf_ent(f, "group:g1:member");
	xf_ent(f, "role:r:x");
	xf_grant(f, "group:g1:member", "user:u2");
	xf_exp(f, "role:r:x", "user:u1", "group:g1:member", false, NULL);
	uint64_t before = xf_total(f);
	baton_expand_stats st;
	int rc = xf_expand(f, &st);
	st_expect_error(rc, BATON_EINVALID, "role:r:x");
	const char *msg = baton_error_last()->message;
	assert_non_null(strstr(msg, "group:g1:member"));
	assert_non_null(strstr(msg, "user:u1"));
	assert_non_null(strstr(msg, "group:g1"));
	assert_non_null(strstr(msg, "did not match"));
	assert_int_equal(xf_total(f), before);
	xf_free(f);
}

/* ------------------------------------------------------------------------------------------ */
/* The sync token's grant-expansion step                                                       */

static const char *token_of(xf *f)
{
	baton_sync_run run;
	CHECK(baton_store_sync_get(f->s, f->sync_id, f->ctx, &run));
	return run.sync_token;
}

static bool ended(xf *f)
{
	baton_sync_run run;
	CHECK(baton_store_sync_get(f->s, f->sync_id, f->ctx, &run));
	return run.ended_at != NULL;
}

static void small_graph(xf *f)
{
	xf_ent(f, "group:g:member");
	xf_ent(f, "role:r:x");
	xf_grant(f, "group:g:member", "user:u");
	xf_exp(f, "role:r:x", "group:g", "group:g:member", false, NULL);
}

static void test_token_v1_steps_left(void **state)
{
	(void)state;
	xf *f = xf_new("exp-tok1");
	small_graph(f);
	CHECK(baton_store_sync_checkpoint(f->s,
		"{\"actions_map\":{\"0000000001\":{\"id\":\"0000000001\",\"operation\":\"list-grants\","
		"\"page_token\":\"a<b&c\"},\"0000000002\":{\"id\":\"0000000002\",\"operation\":\"grant-expansion\"}},"
		"\"action_order\":[\"0000000001\",\"0000000002\"],\"current_action_id\":3,\"needs_expansion\":true,"
		"\"completed_actions_count\":5,\"ingest_quality\":{},\"version\":1}"));
	baton_expand_stats st;
	CHECK(baton_expand_store(f->s, NULL, NULL, &st));
	assert_string_equal(st.sync_id, f->sync_id);
	assert_false(st.sync_ended);
	assert_int_equal(st.grants_created, 1);
	assert_string_equal(token_of(f),
		"{\"actions_map\":{\"0000000001\":{\"id\":\"0000000001\",\"operation\":\"list-grants\","
		"\"page_token\":\"a\\u003cb\\u0026c\"}},\"action_order\":[\"0000000001\"],\"current_action_id\":3,"
		"\"needs_expansion\":true,\"completed_actions_count\":6,\"ingest_quality\":{},\"version\":1}");
	assert_false(ended(f));
	assert_string_equal(baton_store_sync_current(f->s), f->sync_id);
	/* Not at the step any more: nothing to pick. */
	st_expect_error(baton_expand_store(f->s, NULL, NULL, &st), BATON_ENOTFOUND, "no sync");
	xf_free(f);
}

static void test_token_v1_last_step(void **state)
{
	(void)state;
	xf *f = xf_new("exp-tok2");
	small_graph(f);
	CHECK(baton_store_sync_checkpoint(f->s,
		"{\"actions_map\":{\"0000000001\":{\"id\":\"0000000001\",\"operation\":\"grant-expansion\"}},"
		"\"action_order\":[\"0000000001\"],\"current_action_id\":2,\"needs_expansion\":true,\"version\":1}"));
	baton_expand_stats st;
	CHECK(baton_expand_store(f->s, NULL, NULL, &st));
	assert_true(st.sync_ended);
	assert_true(ended(f));
	assert_null(baton_store_sync_current(f->s));
	assert_string_equal(token_of(f), "{\"current_action_id\":2,\"needs_expansion\":true,"
	                                 "\"completed_actions_count\":1,\"version\":1}");
	assert_string_equal(xf_sources(f, "role:r:x", "user:u"), "*group:g:member");
	baton_sync_run run;
	CHECK(baton_store_sync_get(f->s, f->sync_id, f->ctx, &run));
	assert_true(run.supports_diff);
	xf_free(f);
}

static void test_token_no_expansion_needed(void **state)
{
	(void)state;
	xf *f = xf_new("exp-tok3");
	small_graph(f);
	CHECK(baton_store_sync_checkpoint(f->s, "{\"current_action\":{\"operation\":\"grant-expansion\"},"
	                                        "\"completed_actions_count\":7}"));
	baton_expand_stats st;
	CHECK(baton_expand_store(f->s, NULL, NULL, &st));
	assert_true(st.skipped);
	assert_true(st.sync_ended);
	assert_int_equal(st.grants_created, 0);
	assert_string_equal(token_of(f), "{\"completed_actions_count\":8}");
	assert_null(xf_sources(f, "role:r:x", "user:u"));
	xf_free(f);
}

static void test_token_keep_state(void **state)
{
	(void)state;
	xf *f = xf_new("exp-tok4");
	small_graph(f);
	const char *tok = "{\"actions\":[{\"operation\":\"list-grants\"}],\"current_action\":{\"operation\":"
	                  "\"grant-expansion\"},\"needs_expansion\":true}";
	CHECK(baton_store_sync_checkpoint(f->s, tok));
	baton_expand_options o = BATON_EXPAND_OPTIONS_INIT;
	o.keep_sync_state = true;
	baton_expand_stats st;
	CHECK(baton_expand_store(f->s, NULL, &o, &st));
	assert_int_equal(st.grants_created, 1);
	assert_string_equal(token_of(f), tok);
	/* Then as the syncer would: the V0 stack's next action becomes current. */
	CHECK(baton_expand_store(f->s, NULL, NULL, &st));
	assert_false(st.sync_ended);
	assert_int_equal(st.grants_created, 0);
	assert_string_equal(token_of(f), "{\"current_action\":{\"operation\":\"list-grants\"},"
	                                 "\"needs_expansion\":true,\"completed_actions_count\":1}");
	xf_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shallow),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_cycles),
		cmocka_unit_test(test_chain_50),
		cmocka_unit_test(test_diamond),
		cmocka_unit_test(test_duplicate_edges),
		cmocka_unit_test(test_missing_source),
		cmocka_unit_test(test_principal_mismatch),
		cmocka_unit_test(test_token_v1_steps_left),
		cmocka_unit_test(test_token_v1_last_step),
		cmocka_unit_test(test_token_no_expansion_needed),
		cmocka_unit_test(test_token_keep_state),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
