/*
 * External resources (baton_sync_options.external_resource_*, --external-resource-c1z): the
 * principals, entitlements and grants copied from another connector's c1z, and the grants with
 * ExternalResourceMatch* annotations rewritten onto them, as the Go SDK's syncer does.
 */
#include "sync_testutil.h"
#include "ext_team.h"

#include <sys/wait.h>

/* ---- the external c1z: users alice and bob, group eng (member: alice), an app ---------------- */

static void write_external_users(const char *path, bool with_bob)
{
	baton_ctx *ctx;
	CHECK(baton_ctx_new(&ctx));
	baton_store *s;
	CHECK(baton_store_open(path, NULL, &s));
	char id[28];
	CHECK(baton_store_sync_start(s, BATON_SYNC_TYPE_FULL, NULL, id));
	const baton_trait ut[] = {BATON_TRAIT_USER}, gt[] = {BATON_TRAIT_GROUP};
	baton_resource_type *user, *group, *app;
	CHECK(baton_resource_type_new(ctx, "User", ut, 1, &user));
	CHECK(baton_resource_type_new(ctx, "Group", gt, 1, &group));
	CHECK(baton_resource_type_new(ctx, "App", NULL, 0, &app));
	CHECK(baton_store_put_resource_type(s, user));
	CHECK(baton_store_put_resource_type(s, group));
	CHECK(baton_store_put_resource_type(s, app));
	baton_resource *alice, *bob, *eng, *app1;
	CHECK(baton_user_resource_new(ctx, "Alice", user, "alice", &alice));
	CHECK(baton_user_resource_new(ctx, "Bob", user, "bob", &bob));
	baton_user_trait *t;
	CHECK(baton_resource_get_user_trait(alice, &t));
	CHECK(baton_user_trait_add_email(t, "alice@example.com", true));
	CHECK(baton_resource_get_user_trait(bob, &t));
	CHECK(baton_user_trait_add_email(t, "b\xc3\xb3" "b@example.com", true)); /* bób */
	CHECK(baton_user_trait_set_profile_json(t, "{\"department\":\"Sales\"}"));
	CHECK(baton_group_resource_new(ctx, "Engineering", group, "eng", &eng));
	CHECK(baton_resource_set_profile_json(eng, "{\"code\":\"eng\"}"));
	CHECK(baton_resource_new(ctx, "App 1", app, "app1", &app1));
	CHECK(baton_store_put_resource(s, alice));
	if (with_bob)
		CHECK(baton_store_put_resource(s, bob));
	CHECK(baton_store_put_resource(s, eng));
	CHECK(baton_store_put_resource(s, app1));
	baton_entitlement *member;
	CHECK(baton_assignment_entitlement_new(ctx, eng, "member", &member));
	CHECK(baton_store_put_entitlement(s, member));
	baton_resource_id pa = {"user", "alice"};
	baton_grant *g;
	CHECK(baton_grant_new_for_entitlement(ctx, member, &pa, &g));
	CHECK(baton_store_put_grant(s, g));
	CHECK(baton_store_sync_end(s));
	CHECK(baton_store_close(s));
	baton_ctx_free(ctx);
}

static void write_external(const char *path)
{
	write_external_users(path, true);
}

/* ---- the connector: one team t1 whose grants ask for external principals (ext_team.h) -------- */

static const baton_resource_syncer *const team_types[] = {&team_type};
static const baton_connector team_connector = {
	.version = BATON_CONNECTOR_VERSION, .display_name = "Teams", .resource_types = team_types, .n_resource_types = 1,
};

/* The stored grant `id` of the sync, or NULL. */
static baton_grant *grant_of(baton_store *s, baton_ctx *ctx, const char *sync_id, const char *id)
{
	baton_grant *g;
	int rc = baton_store_get_grant(s, sync_id, id, ctx, &g);
	if (rc == BATON_ENOTFOUND)
		return NULL;
	CHECK(rc);
	return g;
}

static void test_users_and_groups(void **state)
{
	(void)state;
	char *ext = tmp_c1z("ext-src"), *path = tmp_c1z("ext");
	write_external(ext);
	baton_sync_options o = BATON_SYNC_OPTIONS_INIT;
	o.c1z_path = path;
	o.external_resource_c1z = ext;
	baton_sync_summary sum;
	CHECK(baton_sync(&team_connector, &o, &sum));

	char *types = rows_of(path, sum.sync_id, "resource_types");
	char *res = rows_of(path, sum.sync_id, "resources");
	char *ents = rows_of(path, sum.sync_id, "entitlements");
	char *grants = rows_of(path, sum.sync_id, "grants");
	/* user and group copied (app has no matching trait), with their resources */
	assert_string_equal(types, "group\nteam\nuser\n");
	assert_string_equal(res, "group:eng\nteam:t1\nuser:alice\nuser:bob\n");
	assert_non_null(strstr(ents, "group:eng:member\n"));
	/* MatchAll -> every user; email match (case-folded, BÓB = bób) -> bob; MatchID -> eng, expandable
	 * remapped to group:eng:member, so expansion gives alice viewer; a group profile match
	 * (code ENG = eng) -> eng, expandable remapped too (alice lead); no match -> deleted; the
	 * external membership copied. */
	assert_string_equal(grants, "group:eng:member:user:alice\n"
	                            "team:t1:admin:user:bob\n"
	                            "team:t1:lead:group:eng\n"
	                            "team:t1:lead:user:alice\n"
	                            "team:t1:member:user:alice\n"
	                            "team:t1:member:user:bob\n"
	                            "team:t1:viewer:group:eng\n"
	                            "team:t1:viewer:user:alice\n");

	baton_store_options ro = BATON_STORE_OPTIONS_INIT;
	ro.read_only = true;
	baton_store *s;
	CHECK(baton_store_open(path, &ro, &s));
	baton_ctx *ctx;
	CHECK(baton_ctx_new(&ctx));
	baton_resource_id bob = {"user", "bob"};
	baton_resource *r;
	CHECK(baton_store_get_resource(s, sum.sync_id, &bob, ctx, &r));
	assert_true(baton_annotations_contains(baton_resource_annotations(r), "c1.connector.v2.BatonID"));
	baton_entitlement *e;
	CHECK(baton_store_get_entitlement(s, sum.sync_id, "group:eng:member", ctx, &e));
	assert_true(baton_annotations_contains(baton_entitlement_annotations(e), "c1.connector.v2.EntitlementImmutable"));
	baton_grant *g = grant_of(s, ctx, sum.sync_id, "group:eng:member:user:alice");
	assert_true(baton_annotations_contains(baton_grant_annotations(g), "c1.connector.v2.GrantImmutable"));
	/* the rewritten grant: principal copied whole, annotations kept, expandable remapped */
	g = grant_of(s, ctx, sum.sync_id, "team:t1:viewer:group:eng");
	assert_string_equal(baton_resource_display_name(baton_grant_principal(g)), "Engineering");
	assert_true(baton_annotations_contains(baton_grant_annotations(g), "c1.connector.v2.ExternalResourceMatchID"));
	char *json;
	CHECK(baton_annotations_pick_json(baton_grant_annotations(g), "c1.connector.v2.GrantExpandable", ctx, &json));
	assert_non_null(strstr(json, "\"group:eng:member\""));
	assert_null(strstr(json, "bid:e:"));
	g = grant_of(s, ctx, sum.sync_id, "team:t1:member:user:alice");
	assert_false(baton_annotations_contains(baton_grant_annotations(g), "c1.connector.v2.GrantExpandable"));
	baton_ctx_free(ctx);
	baton_store_discard(s);
	free(types);
	free(res);
	free(ents);
	free(grants);
	free(ext);
	free(path);
}

static void test_entitlement_filter_and_traits(void **state)
{
	(void)state;
	char *ext = tmp_c1z("extf-src"), *path = tmp_c1z("extf");
	write_external(ext);
	baton_sync_options o = BATON_SYNC_OPTIONS_INIT;
	o.c1z_path = path;
	o.external_resource_c1z = ext;
	o.external_resource_entitlement_id_filter = "group:eng:member";
	baton_sync_summary sum;
	CHECK(baton_sync(&team_connector, &o, &sum));
	char *res = rows_of(path, sum.sync_id, "resources");
	char *grants = rows_of(path, sum.sync_id, "grants");
	/* only eng's members: alice */
	assert_string_equal(res, "team:t1\nuser:alice\n");
	assert_string_equal(grants, "team:t1:member:user:alice\n");
	free(res);
	free(grants);
	free(path);

	/* An unknown filter entitlement fails the sync. */
	path = tmp_c1z("extf2");
	o.c1z_path = path;
	o.external_resource_entitlement_id_filter = "group:eng:owner";
	assert_int_equal(baton_sync(&team_connector, &o, &sum), BATON_ENOTFOUND);
	assert_non_null(strstr(baton_error_last()->message, "group:eng:owner"));
	free(path);

	/* Traits replace the default set: groups only, so no user is copied or matched. */
	path = tmp_c1z("extt");
	const baton_trait only_group[] = {BATON_TRAIT_GROUP};
	o.c1z_path = path;
	o.external_resource_entitlement_id_filter = NULL;
	o.external_resource_traits = only_group;
	o.n_external_resource_traits = 1;
	CHECK(baton_sync(&team_connector, &o, &sum));
	res = rows_of(path, sum.sync_id, "resources");
	grants = rows_of(path, sum.sync_id, "grants");
	assert_string_equal(res, "group:eng\nteam:t1\n");
	/* the membership of eng to alice is copied (alice herself is not a principal here) */
	assert_string_equal(grants, "group:eng:member:user:alice\nteam:t1:lead:group:eng\nteam:t1:lead:user:alice\n"
	                            "team:t1:viewer:group:eng\nteam:t1:viewer:user:alice\n");
	free(res);
	free(grants);
	free(path);

	/* A missing file fails the sync. */
	path = tmp_c1z("extm");
	o.c1z_path = path;
	char missing[4200];
	snprintf(missing, sizeof missing, "%s.nope", ext);
	o.external_resource_c1z = missing;
	o.external_resource_traits = NULL;
	o.n_external_resource_traits = 0;
	assert_int_equal(baton_sync(&team_connector, &o, &sum), BATON_ENOTFOUND);
	assert_non_null(strstr(baton_error_last()->message, "does not exist"));
	free(path);
	free(ext);
}

/*
 * A sync stopped inside the step (after the copies, before the matching) is resumed after the
 * external file lost bob: the resumed step removes the bob its first attempt copied (upstream's
 * stale-principal reconciliation). Runs first: the stopped attempt is a child process that sets
 * the fault variable before anything reads it.
 */
static void test_stale_principals_on_resume(void **state)
{
	(void)state;
	char *ext = tmp_c1z("exts-src"), *path = tmp_c1z("exts");
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		setenv("BATON_TEST_FAIL_AT", "sync.external.match:1", 1);
		write_external(ext);
		baton_sync_options o = BATON_SYNC_OPTIONS_INIT;
		o.c1z_path = path;
		o.external_resource_c1z = ext;
		baton_sync_summary sum;
		int rc = baton_sync(&team_connector, &o, &sum);
		_exit(rc == BATON_EINTERNAL && strstr(baton_error_last()->message, "sync.external.match") ? 0 : 1);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_int_equal(access(path, F_OK), -1); /* nothing saved: the work is in the working copy */

	unlink(ext);
	write_external_users(ext, false);
	baton_sync_options o = BATON_SYNC_OPTIONS_INIT;
	o.c1z_path = path;
	o.external_resource_c1z = ext;
	baton_sync_summary sum;
	CHECK(baton_sync(&team_connector, &o, &sum));
	assert_true(sum.resumed);
	/* the external types and resources in the working copy are never listed from the connector
	 * ("list ... with unknown resource type" warnings) */
	assert_int_equal(sum.warnings, 0);
	char *res = rows_of(path, sum.sync_id, "resources");
	char *grants = rows_of(path, sum.sync_id, "grants");
	assert_string_equal(res, "group:eng\nteam:t1\nuser:alice\n");
	/* no grant to bob either: the email match finds nobody now */
	assert_null(strstr(grants, "bob"));
	assert_non_null(strstr(grants, "team:t1:member:user:alice\n"));
	free(res);
	free(grants);
	free(ext);
	free(path);
}

/* A connector that also serves "user" (as the external c1z does): its entitlements and grants
 * calls must never be made for the external copies (alice, bob) on a resume. */
static int foreign_calls;

static int list_no_users(baton_ctx *ctx, const baton_resource_id *parent)
{
	(void)ctx;
	(void)parent;
	return 0;
}

static int user_entitlements(baton_ctx *ctx, const baton_resource *res)
{
	(void)ctx;
	(void)res;
	foreign_calls++;
	return 0;
}

static int user_grants(baton_ctx *ctx, const baton_resource *res)
{
	(void)ctx;
	(void)res;
	foreign_calls++;
	return 0;
}

/* a static entitlement of every user: never copied onto the external users */
static int user_static(baton_ctx *ctx)
{
	baton_resource *stub;
	baton_entitlement *e;
	int rc = baton_resource_new(ctx, "stub", baton_ctx_resource_type(ctx), "stub", &stub);
	if (!rc)
		rc = baton_assignment_entitlement_new(ctx, stub, "self", &e);
	return rc ? rc : baton_ctx_emit_entitlement(ctx, e);
}

static const baton_trait user_trait[] = {BATON_TRAIT_USER};
static const baton_resource_syncer own_user_type = {
	.version = BATON_RESOURCE_SYNCER_VERSION, .name = "User", .traits = user_trait, .n_traits = 1,
	.list = list_no_users, .entitlements = user_entitlements, .grants = user_grants,
	.static_entitlements = user_static,
};
static const baton_resource_syncer *const team_user_types[] = {&team_type, &own_user_type};
static const baton_connector team_user_connector = {
	.version = BATON_CONNECTOR_VERSION, .display_name = "Teams and users", .resource_types = team_user_types,
	.n_resource_types = 2,
};

static void test_resume_with_shared_type(void **state)
{
	(void)state;
	char *ext = tmp_c1z("extu-src"), *path = tmp_c1z("extu");
	write_external(ext);
	/* the failing run in a fresh process: fault sites read their variables once per process */
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		setenv("BATON_TEST_FAIL_AT", "sync.external.match:1", 1);
		execl("/proc/self/exe", "test_sync_external", "--fail-run", path, ext, (char *)NULL);
		_exit(2);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	baton_sync_options o = BATON_SYNC_OPTIONS_INIT;
	o.c1z_path = path;
	o.external_resource_c1z = ext;
	baton_sync_summary sum;
	foreign_calls = 0;
	CHECK(baton_sync(&team_user_connector, &o, &sum));
	assert_true(sum.resumed);
	assert_int_equal(sum.warnings, 0);
	assert_int_equal(foreign_calls, 0);
	char *grants = rows_of(path, sum.sync_id, "grants");
	assert_non_null(strstr(grants, "team:t1:member:user:alice\n"));
	char *ents = rows_of(path, sum.sync_id, "entitlements");
	assert_null(strstr(ents, ":self"));
	free(ents);
	free(grants);
	free(ext);
	free(path);
}

/* --fail-run C1Z EXT: the first run of test_resume_with_shared_type, stopped by the fault. */
static int fail_run(const char *path, const char *ext)
{
	baton_sync_options o = BATON_SYNC_OPTIONS_INIT;
	o.c1z_path = path;
	o.external_resource_c1z = ext;
	baton_sync_summary sum;
	int rc = baton_sync(&team_user_connector, &o, &sum);
	return rc == BATON_EINTERNAL && strstr(baton_error_last()->message, "sync.external.match") ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "--fail-run"))
		return fail_run(argv[2], argv[3]);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stale_principals_on_resume),
		cmocka_unit_test(test_resume_with_shared_type),
		cmocka_unit_test(test_users_and_groups),
		cmocka_unit_test(test_entitlement_filter_and_traits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
