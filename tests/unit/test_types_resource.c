/* Resource types and resources: builders, setters, readers, serialization. */
#include "types_testutil.h"

#include "c1/connector/v2/resource.pb-c.h"
#include "c1/connector/v2/annotation_id_alias.pb-c.h"
#include "c1/connector/v2/annotation_trait.pb-c.h"

/* ---- resource types ---- */

static void test_resource_type_ids(void **state)
{
	baton_ctx *ctx = *state;
	static const struct {
		const char *name, *id;
	} cases[] = {
		{"Service Account", "service-account"},
		{"User", "user"},
		{"group", "group"},
		{"My  Big Group", "my--big-group"},
		{" Lead", "-lead"},
		{"A_B.C:D", "a_b.c:d"},
		{"\xc3\x9c" "ber Thing", "\xc3\x9c" "ber-thing"}, /* non-ASCII unchanged */
		{"TAB\tX", "tab\tx"},                          /* only spaces become '-' */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		baton_resource_type *rt;
		CHECK(baton_resource_type_new(ctx, cases[i].name, NULL, 0, &rt));
		assert_string_equal(baton_resource_type_id(rt), cases[i].id);
		assert_string_equal(baton_resource_type_display_name(rt), cases[i].name);
		assert_int_equal(baton_resource_type_trait_count(rt), 0);
	}
}

static void test_resource_type_traits_and_setters(void **state)
{
	baton_ctx *ctx = *state;
	baton_trait traits[] = {BATON_TRAIT_USER, BATON_TRAIT_APP};
	baton_resource_type *rt;
	CHECK(baton_resource_type_new(ctx, "User", traits, 2, &rt));
	assert_int_equal(baton_resource_type_trait_count(rt), 2);
	assert_int_equal(baton_resource_type_trait_at(rt, 0), BATON_TRAIT_USER);
	assert_int_equal(baton_resource_type_trait_at(rt, 1), BATON_TRAIT_APP);
	assert_int_equal(baton_resource_type_trait_at(rt, 2), BATON_TRAIT_UNSPECIFIED);
	assert_true(baton_resource_type_has_trait(rt, BATON_TRAIT_APP));
	assert_false(baton_resource_type_has_trait(rt, BATON_TRAIT_GROUP));

	assert_string_equal(baton_resource_type_description(rt), "");
	CHECK(baton_resource_type_set_description(rt, "People"));
	assert_string_equal(baton_resource_type_description(rt), "People");
	CHECK(baton_resource_type_set_id(rt, "person"));
	assert_string_equal(baton_resource_type_id(rt), "person");
	assert_false(baton_resource_type_sourced_externally(rt));
	CHECK(baton_resource_type_set_sourced_externally(rt, true));
	assert_true(baton_resource_type_sourced_externally(rt));
	CHECK(baton_resource_type_set_description(rt, NULL));
	assert_string_equal(baton_resource_type_description(rt), "");
}

static void test_resource_type_validation(void **state)
{
	baton_ctx *ctx = *state;
	baton_resource_type *rt = NULL;
	baton_trait dup[] = {BATON_TRAIT_USER, BATON_TRAIT_USER};
	ASSERT_ERR(baton_resource_type_new(ctx, "User", dup, 2, &rt), BATON_EINVALID, "unique");
	baton_trait bad[] = {(baton_trait)99};
	ASSERT_ERR(baton_resource_type_new(ctx, "User", bad, 1, &rt), BATON_EINVALID, "not defined");
	ASSERT_ERR(baton_resource_type_new(ctx, "", NULL, 0, &rt), BATON_EINVALID,
	           "resource type id must be 1..1024");
	ASSERT_ERR(baton_resource_type_new(ctx, types_repeat(ctx, 'a', 1025), NULL, 0, &rt),
	           BATON_EINVALID, "1..1024");
	assert_null(rt);

	CHECK(baton_resource_type_new(ctx, types_repeat(ctx, 'a', 1024), NULL, 0, &rt));
	ASSERT_ERR(baton_resource_type_set_id(rt, ""), BATON_EINVALID, "resource type id");
	ASSERT_ERR(baton_resource_type_set_description(rt, types_repeat(ctx, 'd', 4097)),
	           BATON_EINVALID, "resource type description must be at most 4096");
	CHECK(baton_resource_type_set_description(rt, types_repeat(ctx, 'd', 4096)));
}

static void test_resource_type_roundtrip(void **state)
{
	baton_ctx *ctx = *state;
	baton_trait traits[] = {BATON_TRAIT_GROUP};
	baton_resource_type *rt, *back;
	CHECK(baton_resource_type_new(ctx, "Security Group", traits, 1, &rt));
	CHECK(baton_resource_type_set_description(rt, "Groups"));
	CHECK(baton_resource_type_set_sourced_externally(rt, true));
	CHECK(baton_annotations_add_child_resource_type(baton_resource_type_annotations(rt), "user"));

	const uint8_t *data;
	size_t len;
	CHECK(baton_resource_type_pack(rt, ctx, &data, &len));
	CHECK(baton_resource_type_unpack(ctx, data, len, &back));
	assert_string_equal(baton_resource_type_id(back), "security-group");
	assert_string_equal(baton_resource_type_display_name(back), "Security Group");
	assert_string_equal(baton_resource_type_description(back), "Groups");
	assert_true(baton_resource_type_sourced_externally(back));
	assert_int_equal(baton_resource_type_trait_count(back), 1);
	assert_int_equal(baton_resource_type_trait_at(back, 0), BATON_TRAIT_GROUP);
	assert_int_equal(baton_annotations_count(baton_resource_type_annotations(back)), 1);
	assert_string_equal(baton_annotations_type_at(baton_resource_type_annotations(back), 0),
	                    "c1.connector.v2.ChildResourceType");

	/* Byte level, with the generated types directly. */
	C1__Connector__V2__ResourceType *m =
		c1__connector__v2__resource_type__unpack(types_pb_alloc(ctx), len, data);
	assert_non_null(m);
	assert_string_equal(m->id, "security-group");
	assert_int_equal(m->n_traits, 1);
	assert_int_equal(m->traits[0], C1__CONNECTOR__V2__RESOURCE_TYPE__TRAIT__TRAIT_GROUP);
	assert_int_equal(m->n_annotations, 1);
	assert_string_equal(m->annotations[0]->type_url,
	                    "type.googleapis.com/c1.connector.v2.ChildResourceType");

	char *json;
	CHECK(baton_resource_type_to_json(rt, ctx, &json));
	json_t *j = types_json(json);
	test_json_assert_str(j, "id", "security-group");
	test_json_assert_str(j, "displayName", "Security Group");
	test_json_assert_str(j, "traits.0", "TRAIT_GROUP");
	test_json_assert_str(j, "description", "Groups");
	assert_true(json_is_true(test_json_get(j, "sourcedExternally")));
	test_json_assert_str(j, "annotations.0.@type",
	                     "type.googleapis.com/c1.connector.v2.ChildResourceType");
	test_json_assert_str(j, "annotations.0.resourceTypeId", "user");
	json_decref(j);

	const uint8_t junk[] = {0x0a, 0xff, 0x01};
	ASSERT_ERR(baton_resource_type_unpack(ctx, junk, sizeof junk, &back), BATON_EDATALOSS, "");
}

/* ---- resources ---- */

static void test_resource_ids(void **state)
{
	baton_ctx *ctx = *state;
	baton_resource_type *rt = types_rt(ctx, "Service Account", 0);
	baton_resource *r;

	CHECK(baton_resource_new(ctx, "Deploy Bot", rt, "sa-1", &r));
	baton_resource_id id = baton_resource_get_id(r);
	assert_string_equal(id.resource_type, "service-account");
	assert_string_equal(id.resource, "sa-1");
	assert_string_equal(baton_resource_display_name(r), "Deploy Bot");

	CHECK(baton_resource_new_int(ctx, "n", rt, 42, &r));
	assert_string_equal(baton_resource_get_id(r).resource, "42");
	CHECK(baton_resource_new_int(ctx, "n", rt, -7, &r));
	assert_string_equal(baton_resource_get_id(r).resource, "-7");
	CHECK(baton_resource_new_int(ctx, "n", rt, INT64_MAX, &r));
	assert_string_equal(baton_resource_get_id(r).resource, "9223372036854775807");
	CHECK(baton_resource_new_int(ctx, "n", rt, INT64_MIN, &r));
	assert_string_equal(baton_resource_get_id(r).resource, "-9223372036854775808");
	CHECK(baton_resource_new_int(ctx, "n", rt, 0, &r));
	assert_string_equal(baton_resource_get_id(r).resource, "0");

	baton_resource_id given = {"repo", "org/repo"};
	CHECK(baton_resource_new_with_id(ctx, "Repo", &given, &r));
	id = baton_resource_get_id(r);
	assert_string_equal(id.resource_type, "repo");
	assert_string_equal(id.resource, "org/repo");

	/* Strings are copied. */
	char buf[8] = "abc";
	CHECK(baton_resource_new(ctx, buf, rt, buf, &r));
	strcpy(buf, "xyz");
	assert_string_equal(baton_resource_display_name(r), "abc");
	assert_string_equal(baton_resource_get_id(r).resource, "abc");
}

static void test_resource_validation(void **state)
{
	baton_ctx *ctx = *state;
	baton_resource_type *rt = types_rt(ctx, "User", BATON_TRAIT_USER);
	baton_resource *r = NULL;
	ASSERT_ERR(baton_resource_new(ctx, "x", rt, "", &r), BATON_EINVALID,
	           "resource id resource must be 1..1024 bytes");
	ASSERT_ERR(baton_resource_new(ctx, "x", rt, types_repeat(ctx, 'i', 1025), &r), BATON_EINVALID,
	           "1..1024");
	ASSERT_ERR(baton_resource_new(ctx, types_repeat(ctx, 'n', 1025), rt, "id", &r), BATON_EINVALID,
	           "resource display_name must be at most 1024");
	baton_resource_id bad = {"", "x"};
	ASSERT_ERR(baton_resource_new_with_id(ctx, "x", &bad, &r), BATON_EINVALID,
	           "resource id resource_type");
	ASSERT_ERR(baton_resource_new(ctx, "x", NULL, "id", &r), BATON_EINVALID, "rt");
	assert_null(r);

	CHECK(baton_resource_new(ctx, "", rt, types_repeat(ctx, 'i', 1024), &r));
	ASSERT_ERR(baton_resource_set_description(r, types_repeat(ctx, 'd', 2049)), BATON_EINVALID,
	           "resource description must be at most 2048");
	ASSERT_ERR(baton_resource_set_display_name(r, types_repeat(ctx, 'd', 1025)), BATON_EINVALID,
	           "display_name");
	ASSERT_ERR(baton_resource_set_icon(r, ""), BATON_EINVALID, "resource icon id must be 1..1024");
	ASSERT_ERR(baton_resource_set_status(r, (baton_status)7, NULL), BATON_EINVALID,
	           "status 7 is not defined");
	ASSERT_ERR(baton_resource_set_status(r, BATON_STATUS_DISABLED, types_repeat(ctx, 'x', 1025)),
	           BATON_EINVALID, "details must be at most 1024");
	baton_timestamp bad_ts = {1, 1000000000};
	ASSERT_ERR(baton_resource_set_created_at(r, bad_ts), BATON_EINVALID, "nanos");
	ASSERT_ERR(baton_resource_set_profile_json(r, "[1,2]"), BATON_EINVALID, "resource profile");
	ASSERT_ERR(baton_resource_set_profile_json(r, "{nope"), BATON_EINVALID, "resource profile");
	baton_resource_id bad_parent = {"group", ""};
	ASSERT_ERR(baton_resource_set_parent(r, &bad_parent), BATON_EINVALID, "parent resource id");
	ASSERT_ERR(baton_resource_set_nhi_type(r, (baton_nhi_type)9, NULL), BATON_EINVALID,
	           "nhi_type 9");
	ASSERT_ERR(baton_resource_set_nhi_type(r, BATON_NHI_TYPE_ASSUMABLE_ROLE,
	                                       types_repeat(ctx, 'x', 1025)),
	           BATON_EINVALID, "nhi_detail must be at most 1024");

	/* Failures leave the object unchanged. */
	assert_string_equal(baton_resource_description(r), "");
	assert_int_equal(baton_resource_status(r, NULL), BATON_STATUS_UNSPECIFIED);
	assert_false(baton_resource_get_parent(r, NULL));
	assert_int_equal(baton_annotations_count(baton_resource_annotations(r)), 0);
}

static void test_resource_setters_roundtrip(void **state)
{
	baton_ctx *ctx = *state;
	baton_resource_type *rt = types_rt(ctx, "Repository", 0);
	baton_resource *r, *back;
	CHECK(baton_resource_new(ctx, "Repo", rt, "r1", &r));
	baton_resource_id parent = {"org", "o1"};
	CHECK(baton_resource_set_parent(r, &parent));
	CHECK(baton_resource_set_display_name(r, "Repo One"));
	CHECK(baton_resource_set_description(r, "The first repo"));
	CHECK(baton_resource_set_external_id(r, "ext-1", "https://x/1", "external"));
	CHECK(baton_resource_set_profile_json(
		r, "{\"login\":\"alice\",\"count\":12.9,\"neg\":-3.7,\"ok\":true,\"nested\":{\"a\":[1,\"b\"]}}"));
	CHECK(baton_resource_set_icon(r, "asset-9"));
	CHECK(baton_resource_set_status(r, BATON_STATUS_DISABLED, "locked by admin"));
	baton_timestamp ts = {1700000000, 123456789};
	CHECK(baton_resource_set_created_at(r, ts));
	CHECK(baton_resource_set_baton_resource(r, true));
	CHECK(baton_resource_set_nhi_type(r, BATON_NHI_TYPE_MANAGED_IDENTITY, "azure"));

	const uint8_t *data;
	size_t len;
	CHECK(baton_resource_pack(r, ctx, &data, &len));
	CHECK(baton_resource_unpack(ctx, data, len, &back));

	baton_resource_id id = baton_resource_get_id(back);
	assert_string_equal(id.resource_type, "repository");
	assert_string_equal(id.resource, "r1");
	baton_resource_id p;
	assert_true(baton_resource_get_parent(back, &p));
	assert_string_equal(p.resource_type, "org");
	assert_string_equal(p.resource, "o1");
	assert_string_equal(baton_resource_display_name(back), "Repo One");
	assert_string_equal(baton_resource_description(back), "The first repo");
	assert_true(baton_resource_is_baton_resource(back));
	assert_string_equal(baton_resource_icon(back), "asset-9");
	const char *details;
	assert_int_equal(baton_resource_status(back, &details), BATON_STATUS_DISABLED);
	assert_string_equal(details, "locked by admin");
	baton_timestamp got;
	assert_true(baton_resource_created_at(back, &got));
	assert_int_equal(got.seconds, 1700000000);
	assert_int_equal(got.nanos, 123456789);

	const char *s;
	int64_t n;
	CHECK(baton_resource_profile_string(back, "login", &s));
	assert_string_equal(s, "alice");
	CHECK(baton_resource_profile_int64(back, "count", &n));
	assert_int_equal(n, 12);
	CHECK(baton_resource_profile_int64(back, "neg", &n));
	assert_int_equal(n, -3);
	ASSERT_ERR(baton_resource_profile_string(back, "count", &s), BATON_EINVALID, "not a string");
	ASSERT_ERR(baton_resource_profile_int64(back, "login", &n), BATON_EINVALID, "not a number");
	ASSERT_ERR(baton_resource_profile_string(back, "missing", &s), BATON_ENOTFOUND, "missing");

	char *pj;
	CHECK(baton_resource_profile_json(back, ctx, &pj));
	json_t *j = types_json(pj);
	test_json_assert_str(j, "login", "alice");
	assert_true(json_is_true(test_json_get(j, "ok")));
	test_json_assert_str(j, "nested.a.1", "b");
	types_assert_json_int(j, "nested.a.0", 1);
	json_decref(j);

	/* Byte level. */
	C1__Connector__V2__Resource *m = c1__connector__v2__resource__unpack(types_pb_alloc(ctx), len, data);
	assert_non_null(m);
	assert_string_equal(m->external_id->id, "ext-1");
	assert_string_equal(m->external_id->link, "https://x/1");
	assert_string_equal(m->external_id->description, "external");
	assert_int_equal(m->status->status, C1__CONNECTOR__V2__STATUS__RESOURCE_STATUS__RESOURCE_STATUS_DISABLED);
	assert_string_equal(m->icon->id, "asset-9");
	assert_int_equal(m->created_at->seconds, 1700000000);
	assert_true(m->baton_resource);
	assert_int_equal(m->profile->n_fields, 5);
	/* Map entries are written sorted by key (deterministic). */
	assert_string_equal(m->profile->fields[0]->key, "count");
	assert_string_equal(m->profile->fields[4]->key, "ok");
	assert_int_equal(m->n_annotations, 1);
	assert_string_equal(m->annotations[0]->type_url,
	                    "type.googleapis.com/c1.connector.v2.NonHumanIdentityTrait");
	C1__Connector__V2__NonHumanIdentityTrait *nhi = c1__connector__v2__non_human_identity_trait__unpack(
		types_pb_alloc(ctx), m->annotations[0]->value.len, m->annotations[0]->value.data);
	assert_non_null(nhi);
	assert_int_equal(nhi->nhi_type, C1__CONNECTOR__V2__NON_HUMAN_IDENTITY_TRAIT__NHI_TYPE__NHI_TYPE_MANAGED_IDENTITY);
	assert_string_equal(nhi->nhi_detail, "azure");

	/* Packing again gives the same bytes. */
	const uint8_t *data2;
	size_t len2;
	CHECK(baton_resource_pack(back, ctx, &data2, &len2));
	assert_int_equal(len2, len);
	assert_memory_equal(data2, data, len);

	/* nhi update replaces in place. */
	CHECK(baton_resource_set_nhi_type(r, BATON_NHI_TYPE_APP_REGISTRATION, NULL));
	assert_int_equal(baton_annotations_count(baton_resource_annotations(r)), 1);

	/* Clearing. */
	CHECK(baton_resource_set_parent(r, NULL));
	assert_false(baton_resource_get_parent(r, NULL));
	CHECK(baton_resource_set_description(r, ""));
	assert_string_equal(baton_resource_description(r), "");
}

static void test_resource_json(void **state)
{
	baton_ctx *ctx = *state;
	baton_resource_type *rt = types_rt(ctx, "Group", BATON_TRAIT_GROUP);
	baton_resource *r;
	CHECK(baton_resource_new(ctx, "Admins", rt, "g1", &r));
	CHECK(baton_resource_set_description(r, "admin group"));
	CHECK(baton_resource_set_status(r, BATON_STATUS_ENABLED, NULL));
	baton_timestamp ts = {0, 500000000};
	CHECK(baton_resource_set_created_at(r, ts));
	char *json;
	CHECK(baton_resource_to_json(r, ctx, &json));
	json_t *j = types_json(json);
	test_json_assert_str(j, "id.resourceType", "group");
	test_json_assert_str(j, "id.resource", "g1");
	test_json_assert_str(j, "displayName", "Admins");
	test_json_assert_str(j, "description", "admin group");
	test_json_assert_str(j, "status.status", "RESOURCE_STATUS_ENABLED");
	test_json_assert_str(j, "createdAt", "1970-01-01T00:00:00.500Z");
	assert_null(test_json_get(j, "annotations"));
	assert_null(test_json_get(j, "parentResourceId"));
	json_decref(j);
}

static void test_resource_aliases(void **state)
{
	baton_ctx *ctx = *state;
	baton_resource_type *rt = types_rt(ctx, "User", 0);
	baton_resource *r;
	CHECK(baton_resource_new(ctx, "A", rt, "u1", &r));
	assert_int_equal(baton_resource_alias_count(r), 0);
	assert_null(baton_resource_alias_at(r, 0));

	const char *first[] = {"a@x", "b@x", "a@x"};
	CHECK(baton_resource_add_aliases(r, first, 3));
	assert_int_equal(baton_resource_alias_count(r), 2);
	assert_string_equal(baton_resource_alias_at(r, 0), "a@x");
	assert_string_equal(baton_resource_alias_at(r, 1), "b@x");

	const char *second[] = {"b@x", "c@x"};
	CHECK(baton_resource_add_aliases(r, second, 2));
	assert_int_equal(baton_resource_alias_count(r), 3);
	assert_string_equal(baton_resource_alias_at(r, 2), "c@x");
	/* One Aliases annotation, updated in place. */
	baton_annotations *a = baton_resource_annotations(r);
	assert_int_equal(baton_annotations_count(a), 1);
	assert_string_equal(baton_annotations_type_at(a, 0), "c1.connector.v2.Aliases");

	ASSERT_ERR(baton_resource_add_aliases(r, NULL, 0), BATON_EINVALID, "at least one alias");
	const char *empty[] = {"ok", ""};
	ASSERT_ERR(baton_resource_add_aliases(r, empty, 2), BATON_EINVALID, "alias 1 is empty");
	const char *longa[] = {types_repeat(ctx, 'l', 257)};
	ASSERT_ERR(baton_resource_add_aliases(r, longa, 1), BATON_EINVALID, "1..256");
	const char *many[101];
	for (int i = 0; i < 101; i++)
		many[i] = baton_ctx_sprintf(ctx, "alias-%d", i);
	ASSERT_ERR(baton_resource_add_aliases(r, many, 98), BATON_EINVALID, "at most 100");
	assert_int_equal(baton_resource_alias_count(r), 3);
	CHECK(baton_resource_add_aliases(r, many, 97));
	assert_int_equal(baton_resource_alias_count(r), 100);

	/* Round trip. */
	const uint8_t *data;
	size_t len;
	baton_resource *back;
	CHECK(baton_resource_pack(r, ctx, &data, &len));
	CHECK(baton_resource_unpack(ctx, data, len, &back));
	assert_int_equal(baton_resource_alias_count(back), 100);
	assert_string_equal(baton_resource_alias_at(back, 3), "alias-0");
	C1__Connector__V2__Resource *m = c1__connector__v2__resource__unpack(types_pb_alloc(ctx), len, data);
	C1__Connector__V2__Aliases *al = c1__connector__v2__aliases__unpack(
		types_pb_alloc(ctx), m->annotations[0]->value.len, m->annotations[0]->value.data);
	assert_int_equal(al->n_ids, 100);
	assert_string_equal(al->ids[0], "a@x");
}

static void test_split_full_name(void **state)
{
	baton_ctx *ctx = *state;
	const char *f, *l;
	baton_split_full_name(ctx, "Ada Lovelace King", &f, &l);
	assert_string_equal(f, "Ada");
	assert_string_equal(l, "Lovelace King");
	baton_split_full_name(ctx, "Plato", &f, &l);
	assert_string_equal(f, "Plato");
	assert_string_equal(l, "");
	baton_split_full_name(ctx, "", &f, &l);
	assert_string_equal(f, "");
	assert_string_equal(l, "");
	baton_split_full_name(ctx, " Lead", &f, &l);
	assert_string_equal(f, "");
	assert_string_equal(l, "Lead");
}

static void test_resource_unpack_errors(void **state)
{
	baton_ctx *ctx = *state;
	baton_resource *r;
	const uint8_t junk[] = {0x0a, 0x10, 0x01};
	ASSERT_ERR(baton_resource_unpack(ctx, junk, sizeof junk, &r), BATON_EDATALOSS, "");
	/* An empty message is valid. */
	CHECK(baton_resource_unpack(ctx, NULL, 0, &r));
	assert_string_equal(baton_resource_get_id(r).resource, "");
	assert_string_equal(baton_resource_icon(r), "");
	assert_false(baton_resource_created_at(r, NULL));
	char *pj;
	ASSERT_ERR(baton_resource_profile_json(r, ctx, &pj), BATON_ENOTFOUND, "profile");
}

/* Memory stays in the context: building many objects and freeing the context is all. */
static void test_resource_memory_in_ctx(void **state)
{
	(void)state;
	baton_ctx *ctx;
	CHECK(baton_ctx_new(&ctx));
	size_t before = baton_ctx_memory_used(ctx);
	baton_resource_type *rt = types_rt(ctx, "User", BATON_TRAIT_USER);
	for (int i = 0; i < 200; i++) {
		baton_resource *r;
		CHECK(baton_user_resource_new(ctx, "User", rt, baton_ctx_sprintf(ctx, "u%d", i), &r));
		baton_user_trait *ut = baton_resource_user_trait(r);
		CHECK(baton_user_trait_add_email(ut, "u@example.com", true));
		CHECK(baton_resource_set_profile_json(r, "{\"k\":\"v\"}"));
		const uint8_t *data;
		size_t len;
		CHECK(baton_resource_pack(r, ctx, &data, &len));
		char *json;
		CHECK(baton_resource_to_json(r, ctx, &json));
		baton_resource *back;
		CHECK(baton_resource_unpack(ctx, data, len, &back));
	}
	assert_true(baton_ctx_memory_used(ctx) > before);
	baton_ctx_free(ctx); /* ASan's leak checker verifies nothing escaped the arena */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_resource_type_ids, types_setup, types_teardown),
		cmocka_unit_test_setup_teardown(test_resource_type_traits_and_setters, types_setup, types_teardown),
		cmocka_unit_test_setup_teardown(test_resource_type_validation, types_setup, types_teardown),
		cmocka_unit_test_setup_teardown(test_resource_type_roundtrip, types_setup, types_teardown),
		cmocka_unit_test_setup_teardown(test_resource_ids, types_setup, types_teardown),
		cmocka_unit_test_setup_teardown(test_resource_validation, types_setup, types_teardown),
		cmocka_unit_test_setup_teardown(test_resource_setters_roundtrip, types_setup, types_teardown),
		cmocka_unit_test_setup_teardown(test_resource_json, types_setup, types_teardown),
		cmocka_unit_test_setup_teardown(test_resource_aliases, types_setup, types_teardown),
		cmocka_unit_test_setup_teardown(test_split_full_name, types_setup, types_teardown),
		cmocka_unit_test_setup_teardown(test_resource_unpack_errors, types_setup, types_teardown),
		cmocka_unit_test(test_resource_memory_in_ctx),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
