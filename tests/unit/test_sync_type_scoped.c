/*
 * Type-scoped entitlements and grants (baton_resource_syncer.type_entitlements / type_grants,
 * the Go SDK's TypeScopedEntitlementsSyncer / TypeScopedGrantsSyncer): one paged listing per type
 * instead of one per resource, with the rows, resume from a checkpoint inside the listing,
 * workers, spawned cursors, targeted syncs and the validation at load.
 *
 * The connector: user (4 users), team (3 teams; per-resource entitlement "member", type-scoped
 * grants over three pages "" -> "p1" -> "p2"), repo (2 repos; type-scoped entitlements over two
 * pages, type-scoped grants whose first page only spawns two cursors with EnqueuePageTokens).
 * The per-resource grants callbacks of team and repo fail the test if the syncer calls them.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "sync_testutil.h"
#include "connector/connector.h"

static atomic_int ts_team_calls, ts_repo_calls, ts_ent_calls, per_resource_calls;
static atomic_int stop_at_team_page;       /* > 0: the Nth team grants page requests a stop */
static char team_tokens[256];              /* page tokens team grants saw, space separated */
static pthread_mutex_t tok_mu = PTHREAD_MUTEX_INITIALIZER;
static int n_users = 4;                    /* users listed (one page) */
static atomic_int user_grants_calls;
static atomic_int stop_at_user_grant;      /* > 0: the Nth user grants call requests a stop */

static void ts_reset(void)
{
	reset_all();
	ts_team_calls = ts_repo_calls = ts_ent_calls = per_resource_calls = 0;
	stop_at_team_page = 0;
	team_tokens[0] = '\0';
	n_users = 4;
	user_grants_calls = stop_at_user_grant = 0;
}

static const baton_trait user_tr[] = {BATON_TRAIT_USER};
static const baton_trait group_tr[] = {BATON_TRAIT_GROUP};


static int ts_list_users(baton_ctx *ctx, const baton_resource_id *parent)
{
	(void)parent;
	for (int i = 0; i < n_users; i++) {
		char id[24];
		snprintf(id, sizeof(id), "u%d", i);
		baton_resource *r;
		int rc = baton_user_resource_new(ctx, id, baton_ctx_resource_type(ctx), id, &r);
		if (rc || (rc = baton_ctx_emit_resource(ctx, r)))
			return rc;
	}
	return 0;
}

/* Users hold no grants; the calls are counted (and can request a stop). */
static int user_grants(baton_ctx *ctx, const baton_resource *res)
{
	(void)ctx;
	(void)res;
	int n = atomic_fetch_add(&user_grants_calls, 1) + 1;
	if (stop_at_user_grant > 0 && n == stop_at_user_grant)
		baton_sync_request_stop();
	return 0;
}

static int list_n(baton_ctx *ctx, const char *prefix, int n)
{
	for (int i = 0; i < n; i++) {
		char id[24];
		snprintf(id, sizeof(id), "%s%d", prefix, i);
		baton_resource *r;
		int rc = baton_group_resource_new(ctx, id, baton_ctx_resource_type(ctx), id, &r);
		if (rc || (rc = baton_ctx_emit_resource(ctx, r)))
			return rc;
	}
	return 0;
}
static int ts_list_teams(baton_ctx *ctx, const baton_resource_id *parent)
{
	(void)parent;
	return list_n(ctx, "t", 3);
}
static int ts_list_repos(baton_ctx *ctx, const baton_resource_id *parent)
{
	(void)parent;
	return list_n(ctx, "r", 2);
}

static int member_ent(baton_ctx *ctx, const baton_resource *res)
{
	baton_entitlement *e;
	int rc = baton_assignment_entitlement_new(ctx, res, "member", &e);
	return rc ? rc : baton_ctx_emit_entitlement(ctx, e);
}

static int must_not_be_called(baton_ctx *ctx, const baton_resource *res)
{
	(void)ctx;
	(void)res;
	atomic_fetch_add(&per_resource_calls, 1);
	return baton_error_set(BATON_EINTERNAL, "per-resource grants called for a type-scoped type");
}

/* A grant of <type>:<rid>:<ent> to user:<uid>, built from ids only (no stored resource here). */
static int emit_grant(baton_ctx *ctx, const char *type, const char *rid, const char *ent, const char *uid)
{
	baton_resource_id id = {type, rid};
	baton_resource *r;
	baton_grant *g;
	baton_resource_id p = {"user", uid};
	int rc = baton_resource_new_with_id(ctx, rid, &id, &r);
	if (!rc)
		rc = baton_grant_new(ctx, r, ent, &p, &g);
	return rc ? rc : baton_ctx_emit_grant(ctx, g);
}

/* Team t1's member grant to team t0, expandable through t0's members (grant expansion). */
static int emit_nested_team(baton_ctx *ctx)
{
	baton_resource_id id = {"team", "t1"};
	baton_resource_id p = {"team", "t0"};
	baton_resource *r;
	baton_grant *g;
	const char *ents[] = {"team:t0:member"};
	int rc = baton_resource_new_with_id(ctx, "t1", &id, &r);
	if (!rc)
		rc = baton_grant_new(ctx, r, "member", &p, &g);
	if (!rc)
		rc = baton_grant_set_expandable(g, ents, 1, false, NULL, 0);
	return rc ? rc : baton_ctx_emit_grant(ctx, g);
}

/* Team grants for the whole type: "" t0->u0, t0->u1; "p1" t1->u2, t2->u0, t1->team t0
 * (expandable); "p2" t2->u3. */
static int team_type_grants(baton_ctx *ctx, const char *type_id)
{
	assert_string_equal(type_id, "team");
	assert_string_equal(baton_resource_type_id(baton_ctx_resource_type(ctx)), "team");
	int n = atomic_fetch_add(&ts_team_calls, 1) + 1;
	const char *t = baton_ctx_page_token(ctx);
	pthread_mutex_lock(&tok_mu);
	snprintf(team_tokens + strlen(team_tokens), sizeof(team_tokens) - strlen(team_tokens), "[%s]", t);
	pthread_mutex_unlock(&tok_mu);
	int rc;
	if (!*t) {
		if ((rc = emit_grant(ctx, "team", "t0", "member", "u0")) || (rc = emit_grant(ctx, "team", "t0", "member", "u1")))
			return rc;
		rc = baton_ctx_set_next_page(ctx, "p1");
	} else if (!strcmp(t, "p1")) {
		if ((rc = emit_grant(ctx, "team", "t1", "member", "u2")) || (rc = emit_grant(ctx, "team", "t2", "member", "u0")) ||
		    (rc = emit_nested_team(ctx)))
			return rc;
		rc = baton_ctx_set_next_page(ctx, "p2");
	} else if (!strcmp(t, "p2")) {
		rc = emit_grant(ctx, "team", "t2", "member", "u3");
	} else {
		return baton_error_set(BATON_EINVALID, "unexpected team page token '%s'", t);
	}
	if (stop_at_team_page > 0 && n == stop_at_team_page)
		baton_sync_request_stop();
	return rc;
}

/* Repo entitlements for the whole type, two pages: r0 admin, then r1 admin. */
static int repo_type_entitlements(baton_ctx *ctx, const char *type_id)
{
	assert_string_equal(type_id, "repo");
	atomic_fetch_add(&ts_ent_calls, 1);
	const char *t = baton_ctx_page_token(ctx);
	const char *rid = !*t ? "r0" : "r1";
	baton_resource_id id = {"repo", rid};
	baton_resource *r;
	baton_entitlement *e;
	int rc = baton_resource_new_with_id(ctx, rid, &id, &r);
	if (!rc)
		rc = baton_permission_entitlement_new(ctx, r, "admin", &e);
	if (!rc)
		rc = baton_ctx_emit_entitlement(ctx, e);
	if (!rc && !*t)
		rc = baton_ctx_set_next_page(ctx, "e1");
	return rc;
}

/* Repo grants: page "" lists nothing and spawns cursors "s0" and "s1"; each grants admin on r<i>
 * to u<i>, "s1" over two pages (its second page "s1b" grants r1 admin to u3). */
static int repo_type_grants(baton_ctx *ctx, const char *type_id)
{
	assert_string_equal(type_id, "repo");
	atomic_fetch_add(&ts_repo_calls, 1);
	const char *t = baton_ctx_page_token(ctx);
	if (!*t)
		return baton_annotations_append_json(baton_ctx_annotations(ctx), "c1.connector.v2.EnqueuePageTokens",
		                                     "{\"pageTokens\":[\"s0\",\"s1\"],\"estimatedTotal\":\"3\"}");
	if (!strcmp(t, "s0"))
		return emit_grant(ctx, "repo", "r0", "admin", "u0");
	if (!strcmp(t, "s1")) {
		int rc = emit_grant(ctx, "repo", "r1", "admin", "u1");
		return rc ? rc : baton_ctx_set_next_page(ctx, "s1b");
	}
	if (!strcmp(t, "s1b"))
		return emit_grant(ctx, "repo", "r1", "admin", "u3");
	return baton_error_set(BATON_EINVALID, "unexpected repo page token '%s'", t);
}

static int repo_get(baton_ctx *ctx, const baton_resource_id *id, const baton_resource_id *parent)
{
	(void)parent;
	baton_resource *r;
	int rc = baton_group_resource_new(ctx, id->resource, baton_ctx_resource_type(ctx), id->resource, &r);
	return rc ? rc : baton_ctx_emit_resource(ctx, r);
}

static const baton_resource_syncer ts_user = {
	.version = BATON_RESOURCE_SYNCER_VERSION, .name = "User", .traits = user_tr, .n_traits = 1,
	.list = ts_list_users, .grants = user_grants,
};
static const baton_resource_syncer ts_team = {
	.version = BATON_RESOURCE_SYNCER_VERSION, .name = "Team", .traits = group_tr, .n_traits = 1,
	.list = ts_list_teams, .entitlements = member_ent, .grants = must_not_be_called,
	.type_grants = team_type_grants,
};
static const baton_resource_syncer ts_repo = {
	.version = BATON_RESOURCE_SYNCER_VERSION, .name = "Repo", .traits = group_tr, .n_traits = 1,
	.list = ts_list_repos, .grants = must_not_be_called, .get = repo_get,
	.type_entitlements = repo_type_entitlements, .type_grants = repo_type_grants,
};
static const baton_resource_syncer *const ts_types[] = {&ts_user, &ts_team, &ts_repo};
static const baton_connector ts_connector = {
	.version = BATON_CONNECTOR_VERSION, .display_name = "TypeScoped", .resource_types = ts_types,
	.n_resource_types = 3,
};

static const char want_grants[] =
	"repo:r0:admin:user:u0\n"
	"repo:r1:admin:user:u1\n"
	"repo:r1:admin:user:u3\n"
	"team:t0:member:user:u0\n"
	"team:t0:member:user:u1\n"
	"team:t1:member:team:t0\n"
	"team:t1:member:user:u0\n" /* expanded from t0 */
	"team:t1:member:user:u1\n" /* expanded from t0 */
	"team:t1:member:user:u2\n"
	"team:t2:member:user:u0\n"
	"team:t2:member:user:u3\n";
static const char want_ents[] =
	"repo:r0:admin\n"
	"repo:r1:admin\n"
	"team:t0:member\n"
	"team:t1:member\n"
	"team:t2:member\n";

static void check_rows(const char *path, const char *sync_id)
{
	char *g = rows_of(path, sync_id, "grants");
	char *e = rows_of(path, sync_id, "entitlements");
	char *r = rows_of(path, sync_id, "resources");
	assert_string_equal(g, want_grants);
	assert_string_equal(e, want_ents);
	assert_int_equal(count_lines(r), 4 + 3 + 2);
	free(g);
	free(e);
	free(r);
}

static void check_type_annotations(const char *path, const char *sync_id)
{
	baton_store *s;
	baton_store_options so = BATON_STORE_OPTIONS_INIT;
	so.read_only = true;
	CHECK(baton_store_open(path, &so, &s));
	baton_ctx *ctx;
	baton_ctx_new(&ctx);
	baton_resource_type *rt;
	CHECK(baton_store_get_resource_type(s, sync_id, "team", ctx, &rt));
	assert_true(baton_annotations_contains(baton_resource_type_annotations(rt), "c1.connector.v2.TypeScopedGrants"));
	assert_false(baton_annotations_contains(baton_resource_type_annotations(rt),
	                                        "c1.connector.v2.TypeScopedEntitlements"));
	CHECK(baton_store_get_resource_type(s, sync_id, "repo", ctx, &rt));
	assert_true(baton_annotations_contains(baton_resource_type_annotations(rt), "c1.connector.v2.TypeScopedGrants"));
	assert_true(baton_annotations_contains(baton_resource_type_annotations(rt),
	                                       "c1.connector.v2.TypeScopedEntitlements"));
	CHECK(baton_store_get_resource_type(s, sync_id, "user", ctx, &rt));
	assert_false(baton_annotations_contains(baton_resource_type_annotations(rt), "c1.connector.v2.TypeScopedGrants"));
	baton_ctx_free(ctx);
	baton_store_discard(s);
}

/* One paged listing per type: every page's rows stored, no per-resource call. */
static void test_type_scoped_rows(void **state)
{
	(void)state;
	ts_reset();
	char *path = tmp_c1z("ts-rows");
	baton_sync_options o = BATON_SYNC_OPTIONS_INIT;
	o.c1z_path = path;
	baton_sync_summary sum;
	CHECK(baton_sync(&ts_connector, &o, &sum));
	check_rows(path, sum.sync_id);
	check_type_annotations(path, sum.sync_id);
	assert_int_equal(ts_team_calls, 3);
	assert_string_equal(team_tokens, "[][p1][p2]");
	assert_int_equal(ts_ent_calls, 2);
	assert_int_equal(ts_repo_calls, 4); /* "", s0, s1, s1b */
	assert_int_equal(per_resource_calls, 0);
	assert_int_equal(sum.grants, 9);
	assert_int_equal(sum.expanded_grants, 2);
	assert_int_equal(sum.entitlements, 5);
	free(path);
	/* for tests/interop/typescoped_test.go (scripts/interop.sh): the same sync into that file */
	const char *interop = getenv("BATON_INTEROP_TYPESCOPED_C1Z");
	if (interop && *interop) {
		unlink(interop);
		baton_sync_options io = BATON_SYNC_OPTIONS_INIT;
		io.c1z_path = interop;
		CHECK(baton_sync(&ts_connector, &io, NULL));
		baton_ctx *ctx;
		baton_ctx_new(&ctx);
		char *json, caps[4200];
		CHECK(baton__connector_capabilities_json(&ts_connector, ctx, false, &json));
		snprintf(caps, sizeof(caps), "%s.caps.json", interop);
		FILE *f = fopen(caps, "w");
		assert_non_null(f);
		fputs(json, f);
		assert_int_equal(fclose(f), 0);
		baton_ctx_free(ctx);
	}
}

/* The types as capabilities report them (Go: the ResourceType with its annotations, and only
 * CAPABILITY_SYNC for a type-scoped listing; tests/interop compares the whole message). */
static void test_type_scoped_capabilities(void **state)
{
	(void)state;
	baton_ctx *ctx;
	baton_ctx_new(&ctx);
	char *json;
	CHECK(baton__connector_capabilities_json(&ts_connector, ctx, false, &json));
	const char *team = strstr(json, "{\"id\":\"team\"");
	assert_non_null(team);
	const char *user = strstr(json, "{\"id\":\"user\"");
	const char *anno = strstr(team, "type.googleapis.com/c1.connector.v2.TypeScopedGrants");
	if (!anno || !user || anno > user)
		fail_msg("no TypeScopedGrants on the team type: %s", json);
	assert_non_null(strstr(json, "type.googleapis.com/c1.connector.v2.TypeScopedEntitlements"));
	baton_ctx_free(ctx);
}

/* The same rows with workers (the type-scoped calls and the spawned cursors run on the pool). */
static void test_type_scoped_workers(void **state)
{
	(void)state;
	for (int w = 1; w <= 4; w += 3) {
		ts_reset();
		char *path = tmp_c1z("ts-workers");
		baton_sync_options o = BATON_SYNC_OPTIONS_INIT;
		o.c1z_path = path;
		o.workers = w;
		baton_sync_summary sum;
		CHECK(baton_sync(&ts_connector, &o, &sum));
		check_rows(path, sum.sync_id);
		assert_int_equal(ts_team_calls, 3);
		assert_int_equal(ts_repo_calls, 4);
		assert_int_equal(per_resource_calls, 0);
		free(path);
	}
}

/*
 * A stop inside the team listing (after page "p1" is written): the checkpoint holds the
 * type-scoped action at page "p2" in the Go SDK's format (type_scoped, no resource id, state
 * token version 2); the next run resumes it there and ends with the uninterrupted run's rows.
 */
static void test_type_scoped_resume(void **state)
{
	(void)state;
	for (int w = 0; w <= 2; w += 2) {
		ts_reset();
		stop_at_team_page = 2;
		char *path = tmp_c1z("ts-resume");
		baton_sync_options o = BATON_SYNC_OPTIONS_INIT;
		o.c1z_path = path;
		o.workers = w;
		int rc = baton_sync(&ts_connector, &o, NULL);
		assert_int_not_equal(rc, 0);
		assert_int_not_equal(access(path, F_OK), 0);
		baton_store *s;
		baton_store_options so = BATON_STORE_OPTIONS_INIT;
		so.resumable_work_dir = true;
		CHECK(baton_store_open(path, &so, &s));
		baton_ctx *ctx;
		baton_ctx_new(&ctx);
		baton_sync_run run1;
		CHECK(baton_store_sync_latest_unfinished(s, BATON_SYNC_TYPE_FULL, ctx, &run1));
		char *sid = strdup(run1.id);
		char *tok = strdup(run1.sync_token);
		baton_ctx_free(ctx);
		CHECK(baton_store_suspend(s));
		/* sequentially the stop comes after page "p1" is written; with workers the pages fetched
		 * but not written when the stop came are fetched again (the state holds written pages
		 * only), so only the action is certain */
		const char *want = w ? "\"resource_type_id\":\"team\",\"type_scoped\":true"
		                     : "\"page_token\":\"p2\",\"resource_type_id\":\"team\",\"type_scoped\":true";
		if (!strstr(tok, want))
			fail_msg("no type-scoped team action at p2 in the checkpoint: %s", tok);
		assert_int_equal(rc, BATON_ECANCELLED);
		assert_non_null(strstr(tok, "\"version\":2"));
		free(tok);

		stop_at_team_page = 0;
		team_tokens[0] = '\0';
		baton_sync_summary sum;
		CHECK(baton_sync(&ts_connector, &o, &sum));
		assert_true(sum.resumed);
		assert_string_equal(sum.sync_id, sid);
		/* resumed at p2: the first two pages are not listed again */
		if (!w)
			assert_string_equal(team_tokens, "[p2]");
		else if (strcmp(team_tokens, "[p2]") && strcmp(team_tokens, "[p1][p2]") && strcmp(team_tokens, "[][p1][p2]"))
			fail_msg("team pages on resume: %s", team_tokens);
		check_rows(path, sid);
		free(sid);
		free(path);
	}
}

/*
 * The root of the grants phase over more than one store page (10,000 resources a page): the
 * type-scoped listings are planned on its first page only, and the root is marked
 * type_scoped_planned in the checkpoint, so a run resumed on a later page of the root does not
 * plan them again (upstream's TypeScopedPlanned).
 */
static void test_type_scoped_planned_once_across_resume(void **state)
{
	(void)state;
	ts_reset();
	n_users = 10001;
	stop_at_user_grant = 10; /* inside the batch of the root's first page */
	char *path = tmp_c1z("ts-planned");
	baton_sync_options o = BATON_SYNC_OPTIONS_INIT;
	o.c1z_path = path;
	assert_int_equal(baton_sync(&ts_connector, &o, NULL), BATON_ECANCELLED);
	baton_store *s;
	baton_store_options so = BATON_STORE_OPTIONS_INIT;
	so.resumable_work_dir = true;
	CHECK(baton_store_open(path, &so, &s));
	baton_ctx *ctx;
	baton_ctx_new(&ctx);
	baton_sync_run run1;
	CHECK(baton_store_sync_latest_unfinished(s, BATON_SYNC_TYPE_FULL, ctx, &run1));
	char *sid = strdup(run1.id);
	if (!strstr(run1.sync_token, "\"operation\":\"list-grants\",\"page_token\":") ||
	    !strstr(run1.sync_token, "\"type_scoped_planned\":true"))
		fail_msg("the grants root is not checkpointed mid-listing and planned: %.400s", run1.sync_token);
	baton_ctx_free(ctx);
	CHECK(baton_store_suspend(s));
	assert_int_equal(ts_team_calls, 0);

	stop_at_user_grant = 0;
	baton_sync_summary sum;
	CHECK(baton_sync(&ts_connector, &o, &sum));
	assert_true(sum.resumed);
	assert_string_equal(sum.sync_id, sid);
	/* every user's grants listed once: the root's second page too (it was once taken into the
	 * batch of its own children and skipped as an unknown resource) */
	assert_int_equal(user_grants_calls, 10001);
	assert_int_equal(sum.warnings, 0);
	/* one team listing in all, not one more for the root's second page */
	assert_string_equal(team_tokens, "[][p1][p2]");
	assert_int_equal(ts_repo_calls, 4);
	char *g = rows_of(path, sid, "grants");
	assert_string_equal(g, want_grants);
	free(g);
	free(sid);
	free(path);
}

/* A targeted sync of a resource of a type-scoped type syncs the resource but lists neither its
 * entitlements nor its grants (upstream's TARGETED SYNC contract). */
static void test_type_scoped_targeted(void **state)
{
	(void)state;
	ts_reset();
	char *path = tmp_c1z("ts-targeted");
	baton_sync_options o = BATON_SYNC_OPTIONS_INIT;
	o.c1z_path = path;
	CHECK(baton_sync(&ts_connector, &o, NULL));
	ts_reset();
	const char *targets[] = {"repo/r1"};
	o.sync_resources = targets;
	o.n_sync_resources = 1;
	baton_sync_summary sum;
	CHECK(baton_sync(&ts_connector, &o, &sum));
	char *res = rows_of(path, sum.sync_id, "resources");
	assert_string_equal(res, "repo:r1\n");
	char *g = rows_of(path, sum.sync_id, "grants");
	assert_string_equal(g, "");
	assert_int_equal(ts_repo_calls + ts_ent_calls + per_resource_calls, 0);
	free(res);
	free(g);
	free(path);
}

/* ---- validation at load ---- */

static int describe_ts_grants(baton_ctx *ctx, baton_resource_type *rt)
{
	(void)ctx;
	return baton_annotations_update_json(baton_resource_type_annotations(rt), "c1.connector.v2.TypeScopedGrants",
	                                     "{}");
}
static int describe_ts_ents(baton_ctx *ctx, baton_resource_type *rt)
{
	(void)ctx;
	return baton_annotations_update_json(baton_resource_type_annotations(rt),
	                                     "c1.connector.v2.TypeScopedEntitlements", "{}");
}

static int sync_one_type(const baton_resource_syncer *t, const char *tag)
{
	const baton_resource_syncer *types[] = {&ts_user, t};
	baton_connector c = {
		.version = BATON_CONNECTOR_VERSION, .display_name = "Bad", .resource_types = types,
		.n_resource_types = 2,
	};
	char *path = tmp_c1z(tag);
	baton_sync_options o = BATON_SYNC_OPTIONS_INIT;
	o.c1z_path = path;
	int rc = baton_sync(&c, &o, NULL);
	/* refused before anything is written */
	if (rc)
		assert_int_not_equal(access(path, F_OK), 0);
	free(path);
	return rc;
}

static void test_type_scoped_annotation_without_callback(void **state)
{
	(void)state;
	ts_reset();
	/* the annotation from describe, no type_grants: the type's grants would silently be lost */
	baton_resource_syncer g = {
		.version = BATON_RESOURCE_SYNCER_VERSION, .name = "Team", .traits = group_tr, .n_traits = 1,
		.list = ts_list_teams, .grants = must_not_be_called, .describe = describe_ts_grants,
	};
	assert_int_equal(sync_one_type(&g, "ts-bad-g"), BATON_EINVALID);
	const char *m = baton_error_last()->message;
	if (!strstr(m, "'team'") || !strstr(m, "TypeScopedGrants") || !strstr(m, "type_grants"))
		fail_msg("message: %s", m);

	baton_resource_syncer e = {
		.version = BATON_RESOURCE_SYNCER_VERSION, .name = "Team", .traits = group_tr, .n_traits = 1,
		.list = ts_list_teams, .entitlements = member_ent, .describe = describe_ts_ents,
	};
	assert_int_equal(sync_one_type(&e, "ts-bad-e"), BATON_EINVALID);
	m = baton_error_last()->message;
	if (!strstr(m, "TypeScopedEntitlements") || !strstr(m, "type_entitlements"))
		fail_msg("message: %s", m);

	/* a version 1 struct cannot have the callback: the message says so (its members past
	 * rotate_details are not read) */
	g.version = 1;
	g.type_grants = team_type_grants;
	assert_int_equal(sync_one_type(&g, "ts-bad-v1"), BATON_EINVALID);
	m = baton_error_last()->message;
	if (!strstr(m, "version 1"))
		fail_msg("message: %s", m);

	/* the annotation and its callback together: fine */
	g.version = BATON_RESOURCE_SYNCER_VERSION;
	assert_int_equal(sync_one_type(&g, "ts-good"), 0);
	assert_int_equal(ts_team_calls, 3);
	assert_int_equal(per_resource_calls, 0);
}

int main(void)
{
	(void)fake_connector;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_type_scoped_rows),
		cmocka_unit_test(test_type_scoped_workers),
		cmocka_unit_test(test_type_scoped_resume),
		cmocka_unit_test(test_type_scoped_planned_once_across_resume),
		cmocka_unit_test(test_type_scoped_targeted),
		cmocka_unit_test(test_type_scoped_capabilities),
		cmocka_unit_test(test_type_scoped_annotation_without_callback),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
