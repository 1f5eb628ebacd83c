/* Grants: ids, entitlement stubs, principals, options, serialization. */
#include "types_testutil.h"

#include <stdlib.h>
#include <string.h>

#include "core/ctx.h"
#include "types/types.h"

#include "c1/connector/v2/grant.pb-c.h"
#include "c1/connector/v2/annotation_grant.pb-c.h"

static baton_resource *group_resource(baton_ctx *ctx)
{
	baton_resource_type *rt = types_rt(ctx, "Group", BATON_TRAIT_GROUP);
	baton_resource *r;
	CHECK(baton_group_resource_new(ctx, "Engineering", rt, "g1", &r));
	CHECK(baton_resource_set_description(r, "eng"));
	return r;
}

static C1__Connector__V2__Grant *decode(baton_ctx *ctx, baton_grant *g)
{
	const uint8_t *data;
	size_t len;
	CHECK(baton_grant_pack(g, ctx, &data, &len));
	C1__Connector__V2__Grant *m = c1__connector__v2__grant__unpack(types_pb_alloc(ctx), len, data);
	assert_non_null(m);
	return m;
}

static void test_grant_ids_and_stub(void **state)
{
	baton_ctx *ctx = *state;
	baton_resource *r = group_resource(ctx);
	baton_resource_id principal = {"user", "u1"};
	baton_grant *g;
	CHECK(baton_grant_new(ctx, r, "member", &principal, &g));
	assert_string_equal(baton_grant_id(g), "group:g1:member:user:u1");
	assert_string_equal(baton_grant_entitlement_id(g), "group:g1:member");
	baton_resource_id rid = baton_grant_resource_id(g);
	assert_string_equal(rid.resource_type, "group");
	assert_string_equal(rid.resource, "g1");
	baton_resource_id pid = baton_grant_principal_id(g);
	assert_string_equal(pid.resource_type, "user");
	assert_string_equal(pid.resource, "u1");
	baton_entitlement *e = baton_grant_entitlement(g);
	assert_non_null(e);
	assert_string_equal(baton_entitlement_display_name(e), "");
	assert_ptr_equal(baton_entitlement_resource(e), r);
	baton_resource *p = baton_grant_principal(g);
	assert_non_null(p);
	assert_string_equal(baton_resource_display_name(p), "");

	/* Byte level: a stub entitlement {id, resource}, a principal with only its id. */
	C1__Connector__V2__Grant *m = decode(ctx, g);
	assert_string_equal(m->id, "group:g1:member:user:u1");
	assert_string_equal(m->entitlement->id, "group:g1:member");
	assert_string_equal(m->entitlement->display_name, "");
	assert_string_equal(m->entitlement->slug, "");
	assert_int_equal(m->entitlement->purpose, 0);
	assert_int_equal(m->entitlement->n_annotations, 0);
	assert_string_equal(m->entitlement->resource->display_name, "Engineering");
	assert_string_equal(m->entitlement->resource->description, "eng");
	assert_int_equal(m->entitlement->resource->n_annotations, 1);
	assert_string_equal(m->principal->id->resource_type, "user");
	assert_string_equal(m->principal->id->resource, "u1");
	assert_false(m->principal->id->baton_resource);
	assert_string_equal(m->principal->display_name, "");
	assert_int_equal(m->principal->n_annotations, 0);
	assert_null(m->principal->status);
	assert_null(m->sources);

	/* The id helper. */
	assert_string_equal(baton_grant_id_format(ctx, "a:b:c", &principal), "a:b:c:user:u1");
	/* Separators inside the parts are not escaped. */
	baton_resource_id odd = {"team:x", "id:1"};
	CHECK(baton_grant_new(ctx, r, "m:n", &odd, &g));
	assert_string_equal(baton_grant_id(g), "group:g1:m:n:team:x:id:1");

	baton_resource_id bad = {"user", ""};
	ASSERT_ERR(baton_grant_new(ctx, r, "member", &bad, &g), BATON_EINVALID,
	           "grant principal resource must be 1..1024");
	baton_resource_id bad_type = {"", "u1"};
	ASSERT_ERR(baton_grant_new(ctx, r, "member", &bad_type, &g), BATON_EINVALID,
	           "grant principal resource_type must be 1..1024 bytes (got 0)");
	baton_resource_id no_id = {"user", NULL};
	ASSERT_ERR(baton_grant_new(ctx, r, "member", &no_id, &g), BATON_EINVALID,
	           "grant principal resource must be 1..1024 bytes (got 0)");
	ASSERT_ERR(baton_grant_new(ctx, r, "member", NULL, &g), BATON_EINVALID, "principal");
}

static void test_grant_with_principal_and_entitlement(void **state)
{
	baton_ctx *ctx = *state;
	baton_resource *r = group_resource(ctx);
	baton_resource_type *ut = types_rt(ctx, "User", BATON_TRAIT_USER);
	baton_resource *user;
	CHECK(baton_user_resource_new(ctx, "Alice", ut, "u1", &user));
	baton_grant *g;
	CHECK(baton_grant_new_with_principal(ctx, r, "member", user, &g));
	assert_string_equal(baton_grant_id(g), "group:g1:member:user:u1");
	assert_ptr_equal(baton_grant_principal(g), user);
	/* Later changes to the principal reach the packed grant. */
	CHECK(baton_user_trait_set_login(baton_resource_user_trait(user), "alice", NULL, 0));
	C1__Connector__V2__Grant *m = decode(ctx, g);
	assert_string_equal(m->principal->display_name, "Alice");
	assert_int_equal(m->principal->n_annotations, 1);
	assert_int_equal(m->principal->status->status,
	                 C1__CONNECTOR__V2__STATUS__RESOURCE_STATUS__RESOURCE_STATUS_ENABLED);

	/* A grant of a whole entitlement embeds it as it is. */
	baton_entitlement *e;
	CHECK(baton_assignment_entitlement_new(ctx, r, "member", &e));
	CHECK(baton_entitlement_set_description(e, "members"));
	baton_resource_id principal = {"user", "u2"};
	CHECK(baton_grant_new_for_entitlement(ctx, e, &principal, &g));
	assert_string_equal(baton_grant_id(g), "group:g1:member:user:u2");
	assert_ptr_equal(baton_grant_entitlement(g), e);
	m = decode(ctx, g);
	assert_string_equal(m->entitlement->description, "members");
	assert_string_equal(m->entitlement->slug, "member");
	assert_int_equal(m->entitlement->purpose,
	                 C1__CONNECTOR__V2__ENTITLEMENT__PURPOSE_VALUE__PURPOSE_VALUE_ASSIGNMENT);
}

static void test_grant_options(void **state)
{
	baton_ctx *ctx = *state;
	baton_resource *r = group_resource(ctx);
	baton_resource_id principal = {"group", "g2"};
	baton_grant *g, *back;
	CHECK(baton_grant_new(ctx, r, "member", &principal, &g));

	const char *ents[] = {"group:g2:member"};
	const char *rts[] = {"user"};
	CHECK(baton_grant_set_expandable(g, ents, 1, true, rts, 1));
	ASSERT_ERR(baton_grant_set_expandable(g, NULL, 0, false, NULL, 0), BATON_EINVALID,
	           "at least one entitlement id");
	const char *dup[] = {"a", "a"};
	ASSERT_ERR(baton_grant_set_expandable(g, dup, 2, false, NULL, 0), BATON_EINVALID, "unique");
	const char *empty[] = {""};
	ASSERT_ERR(baton_grant_set_expandable(g, empty, 1, false, NULL, 0), BATON_EINVALID, "empty");
	CHECK(baton_grant_set_immutable(g, "src", "{\"k\":1}"));
	CHECK(baton_grant_set_immutable(g, NULL, NULL)); /* appends again */
	CHECK(baton_grant_set_metadata_json(g, "{\"a\":\"1\"}"));
	CHECK(baton_grant_set_metadata_json(g, "{\"a\":\"2\"}")); /* update */
	ASSERT_ERR(baton_grant_set_metadata_json(g, "nope"), BATON_EINVALID, "grant metadata");
	CHECK(baton_grant_add_source(g, "zeta:1:m", false));
	CHECK(baton_grant_add_source(g, "alpha:1:m", true));
	CHECK(baton_grant_add_source(g, "mid:1:m", false));
	CHECK(baton_grant_add_source(g, "zeta:1:m", true)); /* update */

	baton_annotations *a = baton_grant_annotations(g);
	assert_int_equal(baton_annotations_count(a), 4);
	assert_string_equal(baton_annotations_type_at(a, 0), "c1.connector.v2.GrantExpandable");
	assert_string_equal(baton_annotations_type_at(a, 1), "c1.connector.v2.GrantImmutable");
	assert_string_equal(baton_annotations_type_at(a, 2), "c1.connector.v2.GrantImmutable");
	assert_string_equal(baton_annotations_type_at(a, 3), "c1.connector.v2.GrantMetadata");

	const uint8_t *data;
	size_t len;
	CHECK(baton_grant_pack(g, ctx, &data, &len));
	CHECK(baton_grant_unpack(ctx, data, len, &back));
	assert_string_equal(baton_grant_id(back), "group:g1:member:group:g2");
	assert_int_equal(baton_grant_source_count(back), 3);
	bool direct = false;
	assert_string_equal(baton_grant_source_at(back, 0, &direct), "alpha:1:m");
	assert_true(direct);
	assert_string_equal(baton_grant_source_at(back, 1, &direct), "mid:1:m");
	assert_false(direct);
	assert_string_equal(baton_grant_source_at(back, 2, &direct), "zeta:1:m");
	assert_true(direct);
	assert_null(baton_grant_source_at(back, 3, NULL));

	const char *const *eids, *const *rtids;
	size_t n, n_rt;
	bool shallow = false;
	CHECK(baton_grant_expandable(back, ctx, &eids, &n, &shallow, &rtids, &n_rt));
	assert_int_equal(n, 1);
	assert_string_equal(eids[0], "group:g2:member");
	assert_true(shallow);
	assert_int_equal(n_rt, 1);
	assert_string_equal(rtids[0], "user");

	baton_entitlement *be = baton_grant_entitlement(back);
	assert_string_equal(baton_entitlement_id(be), "group:g1:member");
	assert_string_equal(baton_resource_display_name(baton_entitlement_resource(be)), "Engineering");
	assert_string_equal(baton_resource_get_id(baton_grant_principal(back)).resource, "g2");

	char *json;
	CHECK(baton_annotations_pick_json(baton_grant_annotations(back), "c1.connector.v2.GrantMetadata",
	                                  ctx, &json));
	json_t *j = types_json(json);
	test_json_assert_str(j, "metadata.a", "2");
	json_decref(j);

	/* Byte level: sources sorted by key. */
	C1__Connector__V2__Grant *m = c1__connector__v2__grant__unpack(types_pb_alloc(ctx), len, data);
	assert_int_equal(m->sources->n_sources, 3);
	assert_string_equal(m->sources->sources[0]->key, "alpha:1:m");
	assert_string_equal(m->sources->sources[2]->key, "zeta:1:m");
	assert_true(m->sources->sources[2]->value->is_direct);
	C1__Connector__V2__GrantExpandable *ge = c1__connector__v2__grant_expandable__unpack(
		types_pb_alloc(ctx), m->annotations[0]->value.len, m->annotations[0]->value.data);
	assert_string_equal(ge->entitlement_ids[0], "group:g2:member");
	assert_true(ge->shallow);

	/* No expandable annotation. */
	baton_grant *plain;
	CHECK(baton_grant_new(ctx, r, "member", &principal, &plain));
	ASSERT_ERR(baton_grant_expandable(plain, ctx, NULL, NULL, NULL, NULL, NULL), BATON_ENOTFOUND,
	           "GrantExpandable");
}

/*
 * Go SDK output (proto.Marshal) for:
 *   g := NewResource("Eng", NewResourceType("Group", GROUP), "g1", WithAliases("x1"),
 *          WithNHIType(ASSUMABLE_ROLE, "iam"), WithGroupTrait(WithGroupSourceType(directory_synced),
 *          WithRawGroupSourceType("raw"), WithGroupIcon({id: "gi"})))
 *   NewGrant(g, "member", &ResourceId{user, u1}, WithGrantMetadata({"k": "v"}),
 *     WithAnnotation(&GrantExpandable{["group:g2:member"], shallow, ["user"]}))
 */
static const char go_grant_hex[] =
	"0af8010ae4010a0b0a0567726f7570120267311a03456e6722330a2b747970652e676f6f676c65617069732e"
	"636f6d2f63312e636f6e6e6563746f722e76322e416c696173657312040a02783122440a39747970652e676f"
	"6f676c65617069732e636f6d2f63312e636f6e6e6563746f722e76322e4e6f6e48756d616e4964656e746974"
	"79547261697412070802120369616d224f0a2e747970652e676f6f676c65617069732e636f6d2f63312e636f"
	"6e6e6563746f722e76322e47726f75705472616974121d0a040a0267691a106469726563746f72795f73796e"
	"636564220372617752040a026769120f67726f75703a67313a6d656d626572120c0a0a0a0475736572120275"
	"311a1767726f75703a67313a6d656d6265723a757365723a753122410a31747970652e676f6f676c65617069"
	"732e636f6d2f63312e636f6e6e6563746f722e76322e4772616e744d65746164617461120c0a0a0a080a016b"
	"12031a017622500a33747970652e676f6f676c65617069732e636f6d2f63312e636f6e6e6563746f722e7632"
	"2e4772616e74457870616e6461626c6512190a0f67726f75703a67323a6d656d62657210011a0475736572";

static void test_grant_matches_go(void **state)
{
	baton_ctx *ctx = *state;
	baton_resource_type *rt = types_rt(ctx, "Group", BATON_TRAIT_GROUP);
	baton_resource *g;
	CHECK(baton_resource_new(ctx, "Eng", rt, "g1", &g));
	const char *x1[] = {"x1"};
	CHECK(baton_resource_add_aliases(g, x1, 1));
	CHECK(baton_resource_set_nhi_type(g, BATON_NHI_TYPE_ASSUMABLE_ROLE, "iam"));
	baton_group_trait *gt = baton_resource_group_trait(g);
	CHECK(baton_group_trait_set_source_type(gt, BATON_GROUP_SOURCE_DIRECTORY_SYNCED));
	CHECK(baton_group_trait_set_raw_source_type(gt, "raw"));
	CHECK(baton_group_trait_set_icon(gt, "gi"));
	baton_resource_id p = {"user", "u1"};
	baton_grant *gr;
	CHECK(baton_grant_new(ctx, g, "member", &p, &gr));
	CHECK(baton_grant_set_metadata_json(gr, "{\"k\":\"v\"}"));
	const char *eids[] = {"group:g2:member"}, *rts[] = {"user"};
	CHECK(baton_grant_set_expandable(gr, eids, 1, true, rts, 1));
	const uint8_t *data;
	size_t len;
	CHECK(baton_grant_pack(gr, ctx, &data, &len));
	types_assert_bytes_hex(ctx, data, len, go_grant_hex);
}

static void test_grant_json(void **state)
{
	baton_ctx *ctx = *state;
	baton_resource *r = group_resource(ctx);
	baton_resource_id principal = {"user", "u1"};
	baton_grant *g;
	CHECK(baton_grant_new(ctx, r, "member", &principal, &g));
	CHECK(baton_grant_add_source(g, "group:g9:member", true));
	char *json;
	CHECK(baton_grant_to_json(g, ctx, &json));
	json_t *j = types_json(json);
	test_json_assert_str(j, "id", "group:g1:member:user:u1");
	test_json_assert_str(j, "entitlement.id", "group:g1:member");
	test_json_assert_str(j, "entitlement.resource.displayName", "Engineering");
	assert_null(test_json_get(j, "entitlement.displayName"));
	test_json_assert_str(j, "principal.id.resourceType", "user");
	test_json_assert_str(j, "principal.id.resource", "u1");
	assert_true(json_is_true(test_json_get(j, "sources.sources.group:g9:member.isDirect")));
	json_decref(j);
}

static void test_grant_unpack_errors(void **state)
{
	baton_ctx *ctx = *state;
	baton_grant *g;
	const uint8_t junk[] = {0x0a, 0x03, 0xff};
	ASSERT_ERR(baton_grant_unpack(ctx, junk, sizeof junk, &g), BATON_EDATALOSS, "");
	CHECK(baton_grant_unpack(ctx, NULL, 0, &g));
	assert_null(baton_grant_entitlement(g));
	assert_null(baton_grant_principal(g));
	assert_string_equal(baton_grant_entitlement_id(g), "");
	assert_string_equal(baton_grant_principal_id(g).resource, "");
}

/* Packs g with and without the input-resource splice (types/grant.c): the same bytes. */
static void assert_pack_spliced_same(baton_ctx *ctx, baton_resource *input, baton_grant *g)
{
	const uint8_t *data;
	size_t len;
	ctx->input_msg = NULL;
	CHECK(baton_grant_pack(g, ctx, &data, &len));
	uint8_t *whole = malloc(len);
	assert_non_null(whole);
	memcpy(whole, data, len);
	size_t whole_len = len;
	ctx->input_msg = input->msg;
	ctx->input_packed = NULL;
	for (int k = 0; k < 2; k++) { /* packs the input, then reuses it */
		CHECK(baton_grant_pack(g, ctx, &data, &len));
		assert_non_null(ctx->input_packed);
		assert_int_equal(len, whole_len);
		assert_memory_equal(data, whole, len);
	}
	ctx->input_msg = NULL;
	ctx->input_packed = NULL;
	free(whole);
}

static void test_grant_pack_spliced(void **state)
{
	baton_ctx *ctx = *state;
	baton_resource *r = group_resource(ctx);
	CHECK(baton_annotations_append_json(baton_resource_annotations(r), "c1.connector.v2.RawId",
	                                    "{\"id\":\"raw-1\"}"));
	baton_resource_id u1 = {"user", "u1"};
	baton_grant *g;
	CHECK(baton_grant_new(ctx, r, "member", &u1, &g));
	assert_pack_spliced_same(ctx, r, g);

	/* every option: annotations, and the sources map, added out of order (sorted when packed) */
	const char *ents[] = {"group:g2:member"};
	CHECK(baton_grant_new(ctx, r, "member", &u1, &g));
	CHECK(baton_grant_set_expandable(g, ents, 1, true, NULL, 0));
	CHECK(baton_grant_set_immutable(g, "src", "{\"k\":1}"));
	CHECK(baton_grant_set_metadata_json(g, "{\"b\":\"2\",\"a\":\"1\"}"));
	CHECK(baton_grant_add_source(g, "zeta:1:m", false));
	CHECK(baton_grant_add_source(g, "alpha:1:m", true));
	CHECK(baton_grant_add_source(g, "mid:1:m", false));
	assert_pack_spliced_same(ctx, r, g);

	/* a whole principal, and an entitlement with more than the stub's fields */
	baton_resource_type *ut = types_rt(ctx, "User", BATON_TRAIT_USER);
	baton_resource *user;
	CHECK(baton_user_resource_new(ctx, "Alice", ut, "u1", &user));
	CHECK(baton_grant_new_with_principal(ctx, r, "member", user, &g));
	assert_pack_spliced_same(ctx, r, g);
	baton_entitlement *e;
	CHECK(baton_entitlement_new(ctx, r, "admin", BATON_PURPOSE_PERMISSION, &e));
	CHECK(baton_entitlement_set_description(e, "admins of the group"));
	CHECK(baton_grant_new_for_entitlement(ctx, e, &u1, &g));
	assert_pack_spliced_same(ctx, r, g);

	/* a large input resource (lengths of more than one varint byte) */
	char big[2000];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK(baton_resource_set_description(r, big));
	CHECK(baton_grant_new(ctx, r, "member", &u1, &g));
	assert_pack_spliced_same(ctx, r, g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_grant_ids_and_stub, types_setup, types_teardown),
		cmocka_unit_test_setup_teardown(test_grant_with_principal_and_entitlement, types_setup, types_teardown),
		cmocka_unit_test_setup_teardown(test_grant_options, types_setup, types_teardown),
		cmocka_unit_test_setup_teardown(test_grant_matches_go, types_setup, types_teardown),
		cmocka_unit_test_setup_teardown(test_grant_json, types_setup, types_teardown),
		cmocka_unit_test_setup_teardown(test_grant_unpack_errors, types_setup, types_teardown),
		cmocka_unit_test_setup_teardown(test_grant_pack_spliced, types_setup, types_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
