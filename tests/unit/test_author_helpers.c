/*
 * The helpers added for connector authors (issue 14): grant directness for revoke, the
 * already-granted / already-revoked answers, the entitlement name and resource id accessors,
 * grantable-to by type ids, the int form of the trait getters, and BATON_TRY.
 */
#include "sync_testutil.h"
#include "connector/connector.h"

/* ---- BATON_TRY ---- */

static int calls;

static int step(int rc)
{
	calls++;
	if (rc)
		return baton_error_set(rc, "step %d failed", calls);
	return 0;
}

static int three_steps(int fail_at)
{
	BATON_TRY(step(fail_at == 1 ? BATON_ENOTFOUND : 0));
	BATON_TRY(step(fail_at == 2 ? BATON_EUNAVAILABLE : 0));
	BATON_TRY(step(fail_at == 3 ? BATON_EPERM : 0));
	return 0;
}

static void test_try(void **state)
{
	(void)state;
	calls = 0;
	assert_int_equal(three_steps(0), 0);
	assert_int_equal(calls, 3);
	calls = 0;
	/* returns the first failure's code unchanged, with its message, and stops there */
	assert_int_equal(three_steps(2), BATON_EUNAVAILABLE);
	assert_int_equal(calls, 2);
	assert_string_equal(baton_error_last()->message, "step 2 failed");
	calls = 0;
	assert_int_equal(three_steps(1), BATON_ENOTFOUND);
	assert_int_equal(calls, 1);
	/* the expression is evaluated once */
	calls = 0;
	assert_int_equal(three_steps(3), BATON_EPERM);
	assert_int_equal(calls, 3);
}

/* ---- grant directness ---- */

static void test_grant_direct_inherited(void **state)
{
	(void)state;
	baton_ctx *ctx;
	CHECK(baton_ctx_new(&ctx));
	baton_resource_id tid = {"team", "eng"}, uid = {"user", "ann"};
	baton_resource *team;
	CHECK(baton_resource_new_with_id(ctx, "Eng", &tid, &team));

	/* emitted by a connector: no sources, direct, not inherited */
	baton_grant *g;
	CHECK(baton_grant_new(ctx, team, "member", &uid, &g));
	assert_true(baton_grant_is_direct(g));
	assert_null(baton_grant_inherited_from(g));

	/* made by expansion: only the team it came through */
	CHECK(baton_grant_add_source(g, "team:backend:member", false));
	assert_false(baton_grant_is_direct(g));
	assert_string_equal(baton_grant_inherited_from(g), "team:backend:member");
	/* several: the smallest key that is not the grant's own entitlement */
	CHECK(baton_grant_add_source(g, "team:api:member", true));
	assert_string_equal(baton_grant_inherited_from(g), "team:api:member");
	assert_false(baton_grant_is_direct(g));

	/* direct AND inherited: its own entitlement among the sources */
	CHECK(baton_grant_add_source(g, "team:eng:member", true));
	assert_true(baton_grant_is_direct(g));
	assert_string_equal(baton_grant_inherited_from(g), "team:api:member");

	/* the same survives the wire (what the revoke one-shot reads from the c1z) */
	const uint8_t *data;
	size_t len;
	CHECK(baton_grant_pack(g, ctx, &data, &len));
	baton_grant *back;
	CHECK(baton_grant_unpack(ctx, data, len, &back));
	assert_true(baton_grant_is_direct(back));
	assert_string_equal(baton_grant_inherited_from(back), "team:api:member");

	/* only its own entitlement: direct, not inherited */
	baton_grant *own;
	CHECK(baton_grant_new(ctx, team, "member", &uid, &own));
	CHECK(baton_grant_add_source(own, "team:eng:member", true));
	assert_true(baton_grant_is_direct(own));
	assert_null(baton_grant_inherited_from(own));

	baton_error_clear();
	assert_false(baton_grant_is_direct(NULL));
	assert_int_equal(baton_error_last()->code, BATON_EINVALID);
	assert_null(baton_grant_inherited_from(NULL));
	baton_ctx_free(ctx);
}

/* ---- entitlement accessors ---- */

static void test_entitlement_name_and_resource(void **state)
{
	(void)state;
	baton_ctx *ctx;
	CHECK(baton_ctx_new(&ctx));
	baton_resource_id aid = {"app", "wiki:main"};
	baton_resource *app;
	CHECK(baton_resource_new_with_id(ctx, "Wiki", &aid, &app));
	baton_entitlement *e;
	CHECK(baton_permission_entitlement_new(ctx, app, "edit", &e));
	CHECK(baton_entitlement_set_slug(e, "Editors"));
	/* the name survives a slug change and a resource id holding ':' */
	assert_string_equal(baton_entitlement_name(e), "edit");
	assert_string_equal(baton_entitlement_slug(e), "Editors");
	baton_resource_id rid = baton_entitlement_resource_id(e);
	assert_string_equal(rid.resource_type, "app");
	assert_string_equal(rid.resource, "wiki:main");

	/* after the wire, as a grant one-shot passes it */
	const uint8_t *data;
	size_t len;
	CHECK(baton_entitlement_pack(e, ctx, &data, &len));
	baton_entitlement *back;
	CHECK(baton_entitlement_unpack(ctx, data, len, &back));
	assert_string_equal(baton_entitlement_name(back), "edit");
	assert_string_equal(baton_entitlement_resource_id(back).resource, "wiki:main");

	/* an id that is not "<type>:<id>:name" comes back whole; no resource: empty ids */
	static const uint8_t foreign[] = {0x12, 0x03, 'x', 'y', 'z'}; /* Entitlement{id: "xyz"} */
	baton_entitlement *f;
	CHECK(baton_entitlement_unpack(ctx, foreign, sizeof(foreign), &f));
	assert_string_equal(baton_entitlement_name(f), "xyz");
	assert_string_equal(baton_entitlement_resource_id(f).resource_type, "");
	assert_string_equal(baton_entitlement_resource_id(f).resource, "");
	assert_string_equal(baton_entitlement_name(NULL), "");
	baton_ctx_free(ctx);
}

/* ---- grantable_to by ids ---- */

static int list_nothing(baton_ctx *ctx, const baton_resource_id *parent)
{
	(void)ctx;
	(void)parent;
	return 0;
}

static const baton_trait h_user_traits[] = {BATON_TRAIT_USER};
static const baton_resource_syncer user_type = {
	.version = BATON_RESOURCE_SYNCER_VERSION,
	.name = "User",
	.traits = h_user_traits,
	.n_traits = 1,
	.description = "People",
	.list = list_nothing,
};
static const baton_resource_syncer team_type = {
	.version = BATON_RESOURCE_SYNCER_VERSION,
	.name = "Team",
	.list = list_nothing,
};
static const baton_resource_syncer *const types[] = {&user_type, &team_type};
static const baton_connector connector = {
	.version = BATON_CONNECTOR_VERSION,
	.display_name = "helpers",
	.resource_types = types,
	.n_resource_types = 2,
};

static void test_grantable_to_ids(void **state)
{
	(void)state;
	baton_ctx *ctx;
	CHECK(baton_ctx_new(&ctx));
	baton_resource_id tid = {"team", "eng"};
	baton_resource *team;
	CHECK(baton_resource_new_with_id(ctx, "Eng", &tid, &team));
	baton_entitlement *e;
	CHECK(baton_assignment_entitlement_new(ctx, team, "member", &e));

	/* outside a callback: types holding only their id */
	static const char *const ids[] = {"user", "team"};
	CHECK(baton_entitlement_set_grantable_to_ids(e, ids, 2));
	assert_int_equal(baton_entitlement_grantable_to_count(e), 2);
	assert_string_equal(baton_entitlement_grantable_to_at(e, 0), "user");
	assert_string_equal(baton_entitlement_grantable_to_at(e, 1), "team");
	char *json;
	CHECK(baton_entitlement_to_json(e, ctx, &json));
	assert_null(strstr(json, "People"));

	/* bad ids: refused, the list unchanged */
	static const char *const bad[] = {"user", ""};
	assert_int_equal(baton_entitlement_set_grantable_to_ids(e, bad, 2), BATON_EINVALID);
	assert_non_null(strstr(baton_error_last()->message, "id 1 is empty"));
	static const char *const nul[] = {NULL};
	assert_int_equal(baton_entitlement_set_grantable_to_ids(e, nul, 1), BATON_EINVALID);
	assert_int_equal(baton_entitlement_set_grantable_to_ids(e, NULL, 1), BATON_EINVALID);
	assert_int_equal(baton_entitlement_grantable_to_count(e), 2);
	assert_int_equal(baton_entitlement_set_grantable_to_ids(NULL, ids, 1), BATON_EINVALID);

	/* inside a callback: the connector's own type is embedded whole, an unknown id as a stub */
	baton__runtime rt;
	CHECK(baton__runtime_build(&rt, &connector));
	baton__call call;
	memset(&call, 0, sizeof(call));
	baton_ctx *cctx;
	CHECK(baton_ctx_new(&cctx));
	baton__call_begin(&call, cctx, &rt, BATON__CALL_ENTITLEMENTS, rt.types[1].rt, "");
	baton_resource *t2;
	CHECK(baton_resource_new_with_id(cctx, "Eng", &tid, &t2));
	baton_entitlement *e2;
	CHECK(baton_assignment_entitlement_new(cctx, t2, "member", &e2));
	static const char *const mixed[] = {"user", "robot"};
	CHECK(baton_entitlement_set_grantable_to_ids(e2, mixed, 2));
	CHECK(baton_entitlement_to_json(e2, cctx, &json));
	assert_non_null(strstr(json, "\"displayName\":\"User\""));
	assert_non_null(strstr(json, "\"description\":\"People\""));
	assert_non_null(strstr(json, "TRAIT_USER"));
	assert_non_null(strstr(json, "\"id\":\"robot\""));
	/* identical to the object form for the known type */
	baton_entitlement *e3;
	CHECK(baton_assignment_entitlement_new(cctx, t2, "member", &e3));
	const baton_resource_type *user_rt = rt.types[0].rt;
	CHECK(baton_entitlement_set_grantable_to(e3, &user_rt, 1));
	CHECK(baton_entitlement_set_grantable_to_ids(e2, ids, 1));
	const uint8_t *a, *b;
	size_t al, bl;
	CHECK(baton_entitlement_pack(e2, cctx, &a, &al));
	CHECK(baton_entitlement_pack(e3, cctx, &b, &bl));
	assert_int_equal(al, bl);
	assert_memory_equal(a, b, al);
	/* n == 0 clears */
	CHECK(baton_entitlement_set_grantable_to_ids(e2, NULL, 0));
	assert_int_equal(baton_entitlement_grantable_to_count(e2), 0);
	CHECK(baton_ctx_emit_entitlement(cctx, e3));
	baton__call_end(&call, cctx);
	baton__call_free(&call);
	baton_ctx_free(cctx);
	baton__runtime_close(&rt);
	baton_ctx_free(ctx);
}

/* ---- already granted / revoked ---- */

static void test_annotate_already(void **state)
{
	(void)state;
	baton_ctx *ctx;
	CHECK(baton_ctx_new(&ctx));
	assert_int_equal(baton_ctx_annotate_already_granted(ctx), BATON_EPRECONDITION);
	assert_int_equal(baton_ctx_annotate_already_revoked(ctx), BATON_EPRECONDITION);
	assert_int_equal(baton_ctx_annotate_already_granted(NULL), BATON_EPRECONDITION);

	baton__runtime rt;
	memset(&rt, 0, sizeof(rt));
	baton__call call;
	memset(&call, 0, sizeof(call));

	baton__call_begin(&call, ctx, &rt, BATON__CALL_GRANT, NULL, "");
	CHECK(baton_ctx_annotate_already_granted(ctx));
	CHECK(baton_ctx_annotate_already_granted(ctx)); /* twice: still one */
	baton_annotations *an = baton_ctx_annotations(ctx);
	assert_int_equal(baton_annotations_count(an), 1);
	assert_string_equal(baton_annotations_type_at(an, 0), "c1.connector.v2.GrantAlreadyExists");
	/* the revoke answer in a grant callback is a mistake the author hears about */
	assert_int_equal(baton_ctx_annotate_already_revoked(ctx), BATON_EINVALID);
	assert_non_null(strstr(baton_error_last()->message, "only in a revoke callback, not in a grant callback"));
	assert_int_equal(baton_annotations_count(an), 1);
	baton__call_end(&call, ctx);

	baton__call_begin(&call, ctx, &rt, BATON__CALL_REVOKE, NULL, "");
	CHECK(baton_ctx_annotate_already_revoked(ctx));
	an = baton_ctx_annotations(ctx);
	assert_int_equal(baton_annotations_count(an), 1);
	assert_true(baton_annotations_contains(an, "c1.connector.v2.GrantAlreadyRevoked"));
	assert_int_equal(baton_ctx_annotate_already_granted(ctx), BATON_EINVALID);
	baton__call_end(&call, ctx);

	baton__call_begin(&call, ctx, &rt, BATON__CALL_LIST, NULL, "");
	assert_int_equal(baton_ctx_annotate_already_granted(ctx), BATON_EINVALID);
	assert_int_equal(baton_ctx_annotate_already_revoked(ctx), BATON_EINVALID);
	baton__call_end(&call, ctx);
	baton__call_free(&call);
	baton_ctx_free(ctx);
}

/* ---- trait getters, int form ---- */

static void test_trait_get_int_form(void **state)
{
	(void)state;
	baton_ctx *ctx;
	CHECK(baton_ctx_new(&ctx));
	baton_resource_type *rt;
	CHECK(baton_resource_type_new(ctx, "User", NULL, 0, &rt));
	baton_resource *r;
	CHECK(baton_resource_new(ctx, "Ann", rt, "ann", &r));

	baton_user_trait *ut = NULL;
	CHECK(baton_resource_get_user_trait(r, &ut));
	assert_non_null(ut);
	/* the same handle as the deprecated pointer form, with the Go defaults */
	assert_ptr_equal(ut, baton_resource_user_trait(r));
	assert_int_equal(baton_user_trait_account_type(ut), BATON_ACCOUNT_TYPE_HUMAN);
	assert_true(baton_resource_has_trait(r, BATON_TRAIT_USER));

	baton_group_trait *gt;
	baton_role_trait *rlt;
	baton_app_trait *at;
	baton_secret_trait *st;
	CHECK(baton_resource_get_group_trait(r, &gt));
	CHECK(baton_resource_get_role_trait(r, &rlt));
	CHECK(baton_resource_get_app_trait(r, &at));
	CHECK(baton_resource_get_secret_trait(r, &st));
	assert_ptr_equal(gt, baton_resource_group_trait(r));
	assert_ptr_equal(rlt, baton_resource_role_trait(r));
	assert_ptr_equal(at, baton_resource_app_trait(r));
	assert_ptr_equal(st, baton_resource_secret_trait(r));
	assert_true(baton_resource_has_trait(r, BATON_TRAIT_SECRET));

	/* errors are codes, *out NULL */
	ut = (baton_user_trait *)1;
	assert_int_equal(baton_resource_get_user_trait(NULL, &ut), BATON_EINVALID);
	assert_null(ut);
	assert_int_equal(baton_resource_get_user_trait(r, NULL), BATON_EINVALID);

	/* a UserTrait whose bytes do not decode: BATON_EDATALOSS, not a NULL to guess about */
	baton_resource *broken;
	CHECK(baton_resource_new(ctx, "Bob", rt, "bob", &broken));
	static const uint8_t junk[] = {0x0a, 0xff};
	CHECK(baton_annotations_append_bytes(baton_resource_annotations(broken), "c1.connector.v2.UserTrait",
	                                     junk, sizeof(junk)));
	ut = (baton_user_trait *)1;
	int rc = baton_resource_get_user_trait(broken, &ut);
	assert_int_equal(rc, BATON_EDATALOSS);
	assert_null(ut);
	assert_non_null(strstr(baton_error_last()->message, "UserTrait"));
	baton_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_try),
		cmocka_unit_test(test_grant_direct_inherited),
		cmocka_unit_test(test_entitlement_name_and_resource),
		cmocka_unit_test(test_grantable_to_ids),
		cmocka_unit_test(test_annotate_already),
		cmocka_unit_test(test_trait_get_int_form),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
