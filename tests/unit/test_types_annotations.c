/* Annotation lists: append/update/remove semantics, JSON access, typed helpers, errors. */
#include "types_testutil.h"

#include "c1/connector/v2/resource.pb-c.h"
#include "c1/connector/v2/annotation_resource_tree.pb-c.h"
#include "c1/connector/v2/annotation_ratelimit.pb-c.h"

static baton_annotations *type_annos(baton_ctx *ctx)
{
	baton_resource_type *rt = types_rt(ctx, "Group", BATON_TRAIT_GROUP);
	return baton_resource_type_annotations(rt);
}

static void test_append_update_remove(void **state)
{
	baton_ctx *ctx = *state;
	baton_annotations *a = type_annos(ctx);
	assert_int_equal(baton_annotations_count(a), 0);
	assert_null(baton_annotations_type_at(a, 0));
	assert_false(baton_annotations_contains(a, "c1.connector.v2.SkipGrants"));

	/* Append always adds, update replaces in place or appends. */
	CHECK(baton_annotations_add_child_resource_type(a, "user"));
	CHECK(baton_annotations_add_child_resource_type(a, "group"));
	CHECK(baton_annotations_set_skip_grants(a));
	CHECK(baton_annotations_set_skip_grants(a));
	assert_int_equal(baton_annotations_count(a), 3);
	CHECK(baton_annotations_append_json(a, "c1.connector.v2.RawId", "{\"id\":\"first\"}"));
	CHECK(baton_annotations_append_json(a, "c1.connector.v2.RawId", "{\"id\":\"second\"}"));
	assert_int_equal(baton_annotations_count(a), 5);
	/* Update rewrites every entry of the type in place. */
	CHECK(baton_annotations_update_json(a, "c1.connector.v2.RawId", "{\"id\":\"third\"}"));
	assert_int_equal(baton_annotations_count(a), 5);
	char *json;
	CHECK(baton_annotations_json_at(a, 3, ctx, &json));
	json_t *j = types_json(json);
	test_json_assert_str(j, "id", "third");
	json_decref(j);
	CHECK(baton_annotations_json_at(a, 4, ctx, &json));
	j = types_json(json);
	test_json_assert_str(j, "id", "third");
	json_decref(j);
	CHECK(baton_annotations_update_json(a, "c1.connector.v2.ExternalLink",
	                                    "{\"url\":\"https://example.com\"}"));
	assert_int_equal(baton_annotations_count(a), 6);

	assert_string_equal(baton_annotations_type_at(a, 0), "c1.connector.v2.ChildResourceType");
	assert_string_equal(baton_annotations_type_at(a, 2), "c1.connector.v2.SkipGrants");
	assert_string_equal(baton_annotations_type_at(a, 5), "c1.connector.v2.ExternalLink");
	assert_true(baton_annotations_contains(a, "c1.connector.v2.SkipGrants"));
	size_t idx = 99;
	CHECK(baton_annotations_find(a, "c1.connector.v2.RawId", &idx));
	assert_int_equal(idx, 3);
	ASSERT_ERR(baton_annotations_find(a, "c1.connector.v2.SkipEntitlements", &idx), BATON_ENOTFOUND,
	           "SkipEntitlements");

	/* Pick reads the first entry. */
	CHECK(baton_annotations_pick_json(a, "c1.connector.v2.ChildResourceType", ctx, &json));
	j = types_json(json);
	test_json_assert_str(j, "resourceTypeId", "user");
	json_decref(j);
	ASSERT_ERR(baton_annotations_pick_json(a, "c1.connector.v2.SkipEntitlements", ctx, &json),
	           BATON_ENOTFOUND, "");

	/* Remove. */
	assert_int_equal(baton_annotations_remove(a, "c1.connector.v2.ChildResourceType"), 2);
	assert_int_equal(baton_annotations_remove(a, "c1.connector.v2.ChildResourceType"), 0);
	assert_int_equal(baton_annotations_count(a), 4);
	assert_string_equal(baton_annotations_type_at(a, 0), "c1.connector.v2.SkipGrants");

	/* Empty messages have empty bytes; bytes_at range check. */
	const uint8_t *data;
	size_t len = 99;
	CHECK(baton_annotations_bytes_at(a, 0, &data, &len));
	assert_int_equal(len, 0);
	ASSERT_ERR(baton_annotations_bytes_at(a, 4, &data, &len), BATON_ERANGE, "out of range");
	ASSERT_ERR(baton_annotations_json_at(a, 4, ctx, &json), BATON_ERANGE, "out of range");
	CHECK(baton_annotations_bytes_at(a, 1, &data, &len));
	/* RawId{id:"third"}: field 1, length 5. */
	assert_int_equal(len, 7);
	assert_memory_equal(data, "\x0a\x05third", 7);
}

static void test_json_errors(void **state)
{
	baton_ctx *ctx = *state;
	baton_annotations *a = type_annos(ctx);
	ASSERT_ERR(baton_annotations_append_json(a, "c1.connector.v2.NoSuchThing", "{}"), BATON_EINVALID,
	           "unknown message type");
	ASSERT_ERR(baton_annotations_append_json(a, "c1.connector.v2.RawId", "{\"id\":"), BATON_EINVALID,
	           "c1.connector.v2.RawId");
	ASSERT_ERR(baton_annotations_append_json(a, "c1.connector.v2.RawId", "{\"bogus\":1}"),
	           BATON_EINVALID, "bogus");
	ASSERT_ERR(baton_annotations_update_json(a, "c1.connector.v2.RawId", "{\"id\":5}"),
	           BATON_EINVALID, "id");
	assert_int_equal(baton_annotations_count(a), 0);

	/* Proto field names are accepted too. */
	CHECK(baton_annotations_append_json(a, "c1.connector.v2.ChildResourceType",
	                                    "{\"resource_type_id\":\"user\"}"));
	char *json;
	CHECK(baton_annotations_json_at(a, 0, ctx, &json));
	json_t *j = types_json(json);
	test_json_assert_str(j, "resourceTypeId", "user");
	json_decref(j);
}

static void test_append_bytes(void **state)
{
	baton_ctx *ctx = *state;
	baton_annotations *a = type_annos(ctx);
	/* ChildResourceType{resource_type_id:"team"} packed by hand. */
	const uint8_t child[] = {0x0a, 0x04, 't', 'e', 'a', 'm'};
	CHECK(baton_annotations_append_bytes(a, "c1.connector.v2.ChildResourceType", child, sizeof child));
	CHECK(baton_annotations_append_bytes(
		a, "type.googleapis.com/c1.connector.v2.ChildResourceType", child, sizeof child));
	CHECK(baton_annotations_append_bytes(a, "example.com/acme.Unknown", child, sizeof child));
	const uint8_t bad[] = {0x0a, 0x09, 'x'};
	CHECK(baton_annotations_append_bytes(a, "c1.connector.v2.ChildResourceType", bad, sizeof bad));
	CHECK(baton_annotations_append_bytes(a, "c1.connector.v2.SkipGrants", NULL, 0));
	ASSERT_ERR(baton_annotations_append_bytes(a, "", child, 1), BATON_EINVALID, "empty");
	assert_int_equal(baton_annotations_count(a), 5);

	assert_string_equal(baton_annotations_type_at(a, 0), "c1.connector.v2.ChildResourceType");
	assert_string_equal(baton_annotations_type_at(a, 1), "c1.connector.v2.ChildResourceType");
	assert_string_equal(baton_annotations_type_at(a, 2), "acme.Unknown");
	char *json;
	CHECK(baton_annotations_json_at(a, 1, ctx, &json));
	json_t *j = types_json(json);
	test_json_assert_str(j, "resourceTypeId", "team");
	json_decref(j);
	ASSERT_ERR(baton_annotations_json_at(a, 2, ctx, &json), BATON_EUNIMPLEMENTED, "acme.Unknown");
	ASSERT_ERR(baton_annotations_json_at(a, 3, ctx, &json), BATON_EDATALOSS, "");

	/* The bytes were copied, and the type URLs are as given / completed. */
	const uint8_t *data;
	size_t len;
	CHECK(baton_annotations_bytes_at(a, 0, &data, &len));
	assert_ptr_not_equal(data, child);
	assert_int_equal(len, sizeof child);
	assert_memory_equal(data, child, sizeof child);

	/* On the wire. */
	baton_resource_type *rt = types_rt(ctx, "Team", 0);
	baton_annotations *ta = baton_resource_type_annotations(rt);
	CHECK(baton_annotations_append_bytes(ta, "c1.connector.v2.ChildResourceType", child, sizeof child));
	CHECK(baton_annotations_append_bytes(ta, "example.com/acme.Unknown", child, sizeof child));
	const uint8_t *packed;
	size_t plen;
	CHECK(baton_resource_type_pack(rt, ctx, &packed, &plen));
	C1__Connector__V2__ResourceType *m =
		c1__connector__v2__resource_type__unpack(types_pb_alloc(ctx), plen, packed);
	assert_string_equal(m->annotations[0]->type_url,
	                    "type.googleapis.com/c1.connector.v2.ChildResourceType");
	assert_string_equal(m->annotations[1]->type_url, "example.com/acme.Unknown");
}

static void test_typed_helpers(void **state)
{
	baton_ctx *ctx = *state;
	baton_annotations *a = type_annos(ctx);
	CHECK(baton_annotations_set_skip_entitlements_and_grants(a));
	CHECK(baton_annotations_set_skip_entitlements(a));
	CHECK(baton_annotations_set_skip_grants(a));
	ASSERT_ERR(baton_annotations_set_external_link(a, "http://insecure"), BATON_EINVALID,
	           "https://");
	ASSERT_ERR(baton_annotations_set_external_link(a, ""), BATON_EINVALID, "external link url");
	ASSERT_ERR(baton_annotations_set_external_link(
		           a, baton_ctx_sprintf(ctx, "https://%s", types_repeat(ctx, 'u', 1017))),
	           BATON_EINVALID, "1..1024");
	CHECK(baton_annotations_set_external_link(a, "https://app.example.com/x"));
	CHECK(baton_annotations_set_external_link(a, "https://app.example.com/y"));
	CHECK(baton_annotations_set_raw_id(a, "raw"));
	ASSERT_ERR(baton_annotations_add_child_resource_type(a, ""), BATON_EINVALID,
	           "child resource type id");
	baton_timestamp reset = {1700000000, 0};
	CHECK(baton_annotations_set_rate_limit(a, BATON_RATELIMIT_OVERLIMIT, 100, 0, &reset));
	CHECK(baton_annotations_set_rate_limit(a, BATON_RATELIMIT_OK, 100, 42, NULL)); /* update */
	ASSERT_ERR(baton_annotations_set_rate_limit(a, (baton_ratelimit_status)4, 0, 0, NULL),
	           BATON_EINVALID, "rate limit status 4");
	assert_int_equal(baton_annotations_count(a), 6);

	static const char *const want[] = {
		"c1.connector.v2.SkipEntitlementsAndGrants", "c1.connector.v2.SkipEntitlements",
		"c1.connector.v2.SkipGrants", "c1.connector.v2.ExternalLink", "c1.connector.v2.RawId",
		"c1.connector.v2.RateLimitDescription",
	};
	for (size_t i = 0; i < 6; i++)
		assert_string_equal(baton_annotations_type_at(a, i), want[i]);

	char *json;
	CHECK(baton_annotations_pick_json(a, "c1.connector.v2.ExternalLink", ctx, &json));
	json_t *j = types_json(json);
	test_json_assert_str(j, "url", "https://app.example.com/y");
	json_decref(j);
	CHECK(baton_annotations_pick_json(a, "c1.connector.v2.RateLimitDescription", ctx, &json));
	j = types_json(json);
	test_json_assert_str(j, "status", "STATUS_OK");
	types_assert_json_int(j, "limit", 100);
	types_assert_json_int(j, "remaining", 42);
	assert_null(test_json_get(j, "resetAt"));
	json_decref(j);

	baton_annotations *b = type_annos(ctx);
	CHECK(baton_annotations_set_rate_limit(b, BATON_RATELIMIT_ERROR, -1, 5, &reset));
	const uint8_t *data;
	size_t len;
	CHECK(baton_annotations_bytes_at(b, 0, &data, &len));
	C1__Connector__V2__RateLimitDescription *rl =
		c1__connector__v2__rate_limit_description__unpack(types_pb_alloc(ctx), len, data);
	assert_non_null(rl);
	assert_int_equal(rl->status, C1__CONNECTOR__V2__RATE_LIMIT_DESCRIPTION__STATUS__STATUS_ERROR);
	assert_int_equal(rl->limit, -1);
	assert_int_equal(rl->reset_at->seconds, 1700000000);
	CHECK(baton_annotations_json_at(b, 0, ctx, &json));
	j = types_json(json);
	test_json_assert_str(j, "resetAt", "2023-11-14T22:13:20Z");
	json_decref(j);
}

static void test_on_every_object(void **state)
{
	baton_ctx *ctx = *state;
	baton_resource_type *rt = types_rt(ctx, "User", BATON_TRAIT_USER);
	baton_resource *r;
	CHECK(baton_user_resource_new(ctx, "A", rt, "u1", &r));
	baton_entitlement *e;
	CHECK(baton_assignment_entitlement_new(ctx, r, "member", &e));
	baton_resource_id p = {"user", "u2"};
	baton_grant *g;
	CHECK(baton_grant_new(ctx, r, "member", &p, &g));
	baton_annotations *lists[] = {
		baton_resource_type_annotations(rt), baton_resource_annotations(r),
		baton_entitlement_annotations(e), baton_grant_annotations(g),
	};
	for (size_t i = 0; i < 4; i++) {
		size_t before = baton_annotations_count(lists[i]);
		/* Grow past the initial capacity. */
		for (int k = 0; k < 20; k++)
			CHECK(baton_annotations_append_json(lists[i], "c1.connector.v2.RequestId",
			                                    "{\"requestId\":\"r\"}"));
		assert_int_equal(baton_annotations_count(lists[i]), before + 20);
	}
	/* Everything lands on the wire. */
	const uint8_t *data;
	size_t len;
	CHECK(baton_grant_pack(g, ctx, &data, &len));
	baton_grant *back;
	CHECK(baton_grant_unpack(ctx, data, len, &back));
	assert_int_equal(baton_annotations_count(baton_grant_annotations(back)), 20);
	baton_resource *br = baton_entitlement_resource(baton_grant_entitlement(back));
	assert_int_equal(baton_annotations_count(baton_resource_annotations(br)), 21);
	assert_string_equal(baton_annotations_type_at(baton_resource_annotations(br), 0),
	                    "c1.connector.v2.UserTrait");
	CHECK(baton_entitlement_pack(e, ctx, &data, &len));
	baton_entitlement *eback;
	CHECK(baton_entitlement_unpack(ctx, data, len, &eback));
	assert_int_equal(baton_annotations_count(baton_entitlement_annotations(eback)), 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_append_update_remove, types_setup, types_teardown),
		cmocka_unit_test_setup_teardown(test_json_errors, types_setup, types_teardown),
		cmocka_unit_test_setup_teardown(test_append_bytes, types_setup, types_teardown),
		cmocka_unit_test_setup_teardown(test_typed_helpers, types_setup, types_teardown),
		cmocka_unit_test_setup_teardown(test_on_every_object, types_setup, types_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
