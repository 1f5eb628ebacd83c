/* Entitlements: ids, builders, setters, embedding of the resource, serialization. */
#include "types_testutil.h"

#include "c1/connector/v2/entitlement.pb-c.h"
#include "c1/connector/v2/annotation_exclusion_group.pb-c.h"
#include "c1/connector/v2/annotation_trait.pb-c.h"

static baton_resource *group_resource(baton_ctx *ctx)
{
	baton_resource_type *rt = types_rt(ctx, "Group", BATON_TRAIT_GROUP);
	baton_resource *r;
	CHECK(baton_group_resource_new(ctx, "Engineering", rt, "g1", &r));
	return r;
}

static C1__Connector__V2__Entitlement *decode(baton_ctx *ctx, baton_entitlement *e)
{
	const uint8_t *data;
	size_t len;
	CHECK(baton_entitlement_pack(e, ctx, &data, &len));
	C1__Connector__V2__Entitlement *m =
		c1__connector__v2__entitlement__unpack(types_pb_alloc(ctx), len, data);
	assert_non_null(m);
	return m;
}

static void test_entitlement_ids_and_builders(void **state)
{
	baton_ctx *ctx = *state;
	baton_resource *r = group_resource(ctx);
	baton_entitlement *e;

	CHECK(baton_assignment_entitlement_new(ctx, r, "member", &e));
	assert_string_equal(baton_entitlement_id(e), "group:g1:member");
	assert_string_equal(baton_entitlement_display_name(e), "member");
	assert_string_equal(baton_entitlement_slug(e), "member");
	assert_string_equal(baton_entitlement_description(e), "");
	assert_int_equal(baton_entitlement_purpose_of(e), BATON_PURPOSE_ASSIGNMENT);
	assert_ptr_equal(baton_entitlement_resource(e), r);

	CHECK(baton_permission_entitlement_new(ctx, r, "read:all", &e));
	assert_string_equal(baton_entitlement_id(e), "group:g1:read:all"); /* no escaping */
	assert_int_equal(baton_entitlement_purpose_of(e), BATON_PURPOSE_PERMISSION);
	CHECK(baton_ownership_entitlement_new(ctx, r, "owner", &e));
	assert_int_equal(baton_entitlement_purpose_of(e), BATON_PURPOSE_OWNERSHIP);
	CHECK(baton_entitlement_new(ctx, r, "x", BATON_PURPOSE_UNSPECIFIED, &e));
	assert_int_equal(baton_entitlement_purpose_of(e), BATON_PURPOSE_UNSPECIFIED);
	ASSERT_ERR(baton_entitlement_new(ctx, r, "x", (baton_entitlement_purpose)5, &e), BATON_EINVALID,
	           "purpose 5");

	assert_int_equal(baton_entitlement_purpose_from_string("assignment"), BATON_PURPOSE_ASSIGNMENT);
	assert_int_equal(baton_entitlement_purpose_from_string("permission"), BATON_PURPOSE_PERMISSION);
	assert_int_equal(baton_entitlement_purpose_from_string("ownership"), BATON_PURPOSE_OWNERSHIP);
	assert_int_equal(baton_entitlement_purpose_from_string("Ownership"), BATON_PURPOSE_UNSPECIFIED);
	assert_int_equal(baton_entitlement_purpose_from_string(""), BATON_PURPOSE_UNSPECIFIED);
	assert_int_equal(baton_entitlement_purpose_from_string(NULL), BATON_PURPOSE_UNSPECIFIED);

	baton_resource_id rid = {"service-account", "42"};
	assert_string_equal(baton_entitlement_id_format(ctx, &rid, "use"), "service-account:42:use");
	assert_string_equal(baton_entitlement_id_format(ctx, &rid, ""), "service-account:42:");

	/* Int ids flow through. */
	baton_resource_type *rt = types_rt(ctx, "Team", 0);
	baton_resource *ti;
	CHECK(baton_resource_new_int(ctx, "T", rt, 7, &ti));
	CHECK(baton_assignment_entitlement_new(ctx, ti, "member", &e));
	assert_string_equal(baton_entitlement_id(e), "team:7:member");

	ASSERT_ERR(baton_assignment_entitlement_new(ctx, r, types_repeat(ctx, 'n', 1025), &e),
	           BATON_EINVALID, "entitlement display_name must be at most 1024");
	ASSERT_ERR(baton_assignment_entitlement_new(ctx, r, types_repeat(ctx, 'n', 1020), &e),
	           BATON_EINVALID, "entitlement id must be 1..1024");
}

static void test_entitlement_setters_roundtrip(void **state)
{
	baton_ctx *ctx = *state;
	baton_resource *r = group_resource(ctx);
	baton_resource_type *user = types_rt(ctx, "User", BATON_TRAIT_USER);
	baton_resource_type *grp = types_rt(ctx, "Group", BATON_TRAIT_GROUP);
	baton_entitlement *e, *back;
	CHECK(baton_assignment_entitlement_new(ctx, r, "member", &e));
	CHECK(baton_entitlement_set_display_name(e, "Member of Engineering"));
	CHECK(baton_entitlement_set_description(e, "Is a member"));
	CHECK(baton_entitlement_set_slug(e, "membership"));
	CHECK(baton_entitlement_set_purpose(e, BATON_PURPOSE_PERMISSION));
	ASSERT_ERR(baton_entitlement_set_purpose(e, (baton_entitlement_purpose)-1), BATON_EINVALID,
	           "purpose");
	const baton_resource_type *types[] = {user, grp};
	CHECK(baton_entitlement_set_grantable_to(e, types, 2));
	ASSERT_ERR(baton_entitlement_set_description(e, types_repeat(ctx, 'd', 2049)), BATON_EINVALID,
	           "entitlement description must be at most 2048");
	ASSERT_ERR(baton_entitlement_set_display_name(e, types_repeat(ctx, 'd', 1025)), BATON_EINVALID,
	           "entitlement display_name");
	CHECK(baton_entitlement_set_exclusion_group(e, "tier", 1, false));
	CHECK(baton_entitlement_set_exclusion_group(e, "tier", 2, true)); /* replaces */
	CHECK(baton_entitlement_set_immutable(e, "src-1", "{\"why\":\"scim\"}"));
	ASSERT_ERR(baton_entitlement_set_immutable(e, "src-1", "[]"), BATON_EINVALID,
	           "entitlement immutable metadata");
	baton_annotations *a = baton_entitlement_annotations(e);
	assert_int_equal(baton_annotations_count(a), 2);

	const uint8_t *data;
	size_t len;
	CHECK(baton_entitlement_pack(e, ctx, &data, &len));
	CHECK(baton_entitlement_unpack(ctx, data, len, &back));
	assert_string_equal(baton_entitlement_id(back), "group:g1:member");
	assert_string_equal(baton_entitlement_display_name(back), "Member of Engineering");
	assert_string_equal(baton_entitlement_description(back), "Is a member");
	assert_string_equal(baton_entitlement_slug(back), "membership");
	assert_int_equal(baton_entitlement_purpose_of(back), BATON_PURPOSE_PERMISSION);
	assert_int_equal(baton_entitlement_grantable_to_count(back), 2);
	assert_string_equal(baton_entitlement_grantable_to_at(back, 0), "user");
	assert_string_equal(baton_entitlement_grantable_to_at(back, 1), "group");
	assert_null(baton_entitlement_grantable_to_at(back, 2));
	baton_resource *br = baton_entitlement_resource(back);
	assert_non_null(br);
	assert_string_equal(baton_resource_get_id(br).resource, "g1");
	assert_string_equal(baton_resource_display_name(br), "Engineering");
	assert_true(baton_resource_has_trait(br, BATON_TRAIT_GROUP));
	baton_annotations *ba = baton_entitlement_annotations(back);
	assert_int_equal(baton_annotations_count(ba), 2);
	char *json;
	CHECK(baton_annotations_pick_json(ba, "c1.connector.v2.EntitlementExclusionGroup", ctx, &json));
	json_t *j = types_json(json);
	test_json_assert_str(j, "exclusionGroupId", "tier");
	types_assert_json_int(j, "order", 2);
	assert_true(json_is_true(test_json_get(j, "isDefault")));
	json_decref(j);
	CHECK(baton_annotations_pick_json(ba, "c1.connector.v2.EntitlementImmutable", ctx, &json));
	j = types_json(json);
	test_json_assert_str(j, "sourceId", "src-1");
	test_json_assert_str(j, "metadata.why", "scim");
	json_decref(j);

	/* Byte level: the full resource and types are embedded. */
	C1__Connector__V2__Entitlement *m = decode(ctx, e);
	assert_string_equal(m->id, "group:g1:member");
	assert_int_equal(m->purpose, C1__CONNECTOR__V2__ENTITLEMENT__PURPOSE_VALUE__PURPOSE_VALUE_PERMISSION);
	assert_non_null(m->resource);
	assert_string_equal(m->resource->display_name, "Engineering");
	assert_int_equal(m->resource->n_annotations, 1);
	assert_int_equal(m->n_grantable_to, 2);
	assert_int_equal(m->grantable_to[0]->n_traits, 1);
	assert_string_equal(m->grantable_to[1]->display_name, "Group");
	C1__Connector__V2__EntitlementExclusionGroup *eg = c1__connector__v2__entitlement_exclusion_group__unpack(
		types_pb_alloc(ctx), m->annotations[0]->value.len, m->annotations[0]->value.data);
	assert_int_equal(eg->order, 2);
	assert_true(eg->is_default);

	/* Clearing grantable_to. */
	CHECK(baton_entitlement_set_grantable_to(e, NULL, 0));
	assert_int_equal(baton_entitlement_grantable_to_count(e), 0);
}

static void test_entitlement_embeds_live_resource(void **state)
{
	baton_ctx *ctx = *state;
	baton_resource_type *rt = types_rt(ctx, "User", BATON_TRAIT_USER);
	baton_resource *r;
	CHECK(baton_user_resource_new(ctx, "Alice", rt, "u1", &r));
	baton_entitlement *e;
	CHECK(baton_permission_entitlement_new(ctx, r, "impersonate", &e));
	/* Changes to the resource's trait after building still reach the embedded copy. */
	baton_user_trait *t = baton_resource_user_trait(r);
	CHECK(baton_user_trait_set_status(t, BATON_STATUS_DISABLED, NULL));
	CHECK(baton_user_trait_set_login(t, "alice", NULL, 0));
	C1__Connector__V2__Entitlement *m = decode(ctx, e);
	assert_int_equal(m->resource->status->status,
	                 C1__CONNECTOR__V2__STATUS__RESOURCE_STATUS__RESOURCE_STATUS_DISABLED);
	C1__Connector__V2__UserTrait *ut = c1__connector__v2__user_trait__unpack(
		types_pb_alloc(ctx), m->resource->annotations[0]->value.len,
		m->resource->annotations[0]->value.data);
	assert_string_equal(ut->login, "alice");

	char *json;
	CHECK(baton_entitlement_to_json(e, ctx, &json));
	json_t *j = types_json(json);
	test_json_assert_str(j, "id", "user:u1:impersonate");
	test_json_assert_str(j, "displayName", "impersonate");
	test_json_assert_str(j, "slug", "impersonate");
	test_json_assert_str(j, "purpose", "PURPOSE_VALUE_PERMISSION");
	test_json_assert_str(j, "resource.id.resourceType", "user");
	test_json_assert_str(j, "resource.status.status", "RESOURCE_STATUS_DISABLED");
	test_json_assert_str(j, "resource.annotations.0.login", "alice");
	json_decref(j);
}

static void test_entitlement_unpack_errors(void **state)
{
	baton_ctx *ctx = *state;
	baton_entitlement *e;
	const uint8_t junk[] = {0x12, 0x05, 'a'};
	ASSERT_ERR(baton_entitlement_unpack(ctx, junk, sizeof junk, &e), BATON_EDATALOSS, "");
	CHECK(baton_entitlement_unpack(ctx, NULL, 0, &e));
	assert_null(baton_entitlement_resource(e));
	assert_string_equal(baton_entitlement_id(e), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_entitlement_ids_and_builders, types_setup, types_teardown),
		cmocka_unit_test_setup_teardown(test_entitlement_setters_roundtrip, types_setup, types_teardown),
		cmocka_unit_test_setup_teardown(test_entitlement_embeds_live_resource, types_setup, types_teardown),
		cmocka_unit_test_setup_teardown(test_entitlement_unpack_errors, types_setup, types_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
