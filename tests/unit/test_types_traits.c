/* Trait handles: defaults, setters, readers, live-view flushing and mirroring to the resource. */
#include "types_testutil.h"

#include "c1/connector/v2/resource.pb-c.h"
#include "c1/connector/v2/annotation_trait.pb-c.h"

static C1__Connector__V2__Resource *decode(baton_ctx *ctx, baton_resource *r)
{
	const uint8_t *data;
	size_t len;
	CHECK(baton_resource_pack(r, ctx, &data, &len));
	C1__Connector__V2__Resource *m = c1__connector__v2__resource__unpack(types_pb_alloc(ctx), len, data);
	assert_non_null(m);
	return m;
}

static baton_resource *roundtrip(baton_ctx *ctx, baton_resource *r)
{
	const uint8_t *data;
	size_t len;
	baton_resource *back;
	CHECK(baton_resource_pack(r, ctx, &data, &len));
	CHECK(baton_resource_unpack(ctx, data, len, &back));
	return back;
}

static C1__Connector__V2__UserTrait *decode_user(baton_ctx *ctx, const Google__Protobuf__Any *any)
{
	assert_string_equal(any->type_url, "type.googleapis.com/c1.connector.v2.UserTrait");
	C1__Connector__V2__UserTrait *ut =
		c1__connector__v2__user_trait__unpack(types_pb_alloc(ctx), any->value.len, any->value.data);
	assert_non_null(ut);
	return ut;
}

/* The exact bytes the Go SDK's NewUserResource("Alice", userType, "u1", nil) marshals to. */
static const uint8_t go_user_resource[] = {
	0x0a, 0x0a, 0x0a, 0x04, 'u', 's', 'e', 'r', 0x12, 0x02, 'u', '1', /* id */
	0x1a, 0x05, 'A', 'l', 'i', 'c', 'e',                              /* display_name */
	0x22, 0x37,                                                       /* annotations[0]: Any */
	0x0a, 0x2d, 't', 'y', 'p', 'e', '.', 'g', 'o', 'o', 'g', 'l', 'e', 'a', 'p', 'i', 's', '.', 'c',
	'o', 'm', '/', 'c', '1', '.', 'c', 'o', 'n', 'n', 'e', 'c', 't', 'o', 'r', '.', 'v', '2', '.',
	'U', 's', 'e', 'r', 'T', 'r', 'a', 'i', 't',
	0x12, 0x06, 0x12, 0x02, 0x08, 0x01, 0x28, 0x01, /* value: status{ENABLED}, account_type HUMAN */
	0x5a, 0x02, 0x08, 0x01,                         /* status{ENABLED} (mirrored) */
};

static void test_user_resource_defaults_and_bytes(void **state)
{
	baton_ctx *ctx = *state;
	baton_resource_type *rt = types_rt(ctx, "User", BATON_TRAIT_USER);
	baton_resource *r;
	CHECK(baton_user_resource_new(ctx, "Alice", rt, "u1", &r));

	const uint8_t *data;
	size_t len;
	CHECK(baton_resource_pack(r, ctx, &data, &len));
	assert_int_equal(len, sizeof go_user_resource);
	assert_memory_equal(data, go_user_resource, len);

	C1__Connector__V2__Resource *m = decode(ctx, r);
	assert_int_equal(m->n_annotations, 1);
	C1__Connector__V2__UserTrait *ut = decode_user(ctx, m->annotations[0]);
	assert_int_equal(ut->status->status, C1__CONNECTOR__V2__USER_TRAIT__STATUS__STATUS__STATUS_ENABLED);
	assert_string_equal(ut->status->details, "");
	assert_int_equal(ut->account_type, C1__CONNECTOR__V2__USER_TRAIT__ACCOUNT_TYPE__ACCOUNT_TYPE_HUMAN);
	assert_non_null(m->status);
	assert_int_equal(m->status->status, C1__CONNECTOR__V2__STATUS__RESOURCE_STATUS__RESOURCE_STATUS_ENABLED);

	baton_user_trait *t = baton_resource_user_trait(r);
	assert_int_equal(baton_user_trait_status(t, NULL), BATON_STATUS_ENABLED);
	assert_int_equal(baton_user_trait_account_type(t), BATON_ACCOUNT_TYPE_HUMAN);
	assert_int_equal(baton_resource_status(r, NULL), BATON_STATUS_ENABLED);
	assert_true(baton_resource_has_trait(r, BATON_TRAIT_USER));
	assert_false(baton_resource_has_trait(r, BATON_TRAIT_GROUP));

	char *json;
	CHECK(baton_resource_to_json(r, ctx, &json));
	json_t *j = types_json(json);
	test_json_assert_str(j, "annotations.0.@type", "type.googleapis.com/c1.connector.v2.UserTrait");
	test_json_assert_str(j, "annotations.0.status.status", "STATUS_ENABLED");
	test_json_assert_str(j, "annotations.0.accountType", "ACCOUNT_TYPE_HUMAN");
	test_json_assert_str(j, "status.status", "RESOURCE_STATUS_ENABLED");
	json_decref(j);
}

/*
 * Go SDK output (proto.Marshal) for:
 *   NewUserResource("Alice Smith", NewResourceType("Service Account", USER), "u1",
 *     [WithEmail("a@x.com", true), WithEmail("b@x.com", false), WithUserLogin("alice", "al", "as"),
 *      WithEmployeeID("E1", "E2"), WithAccountType(SERVICE), WithDetailedStatus(DISABLED, "sus"),
 *      WithUserProfile({"dept": "eng"}), WithUserIcon({id: "ic"}), WithCreatedAt(1700000000.123),
 *      WithLastLogin(1650000000), WithMFAStatus({true}), WithSSOStatus({false}),
 *      WithStructuredName({Alice, Smith, [M], Dr})],
 *     WithParentResourceID(org/o1), WithDescription("desc"))
 */
static const char go_user_full_hex[] =
	"0a150a0f736572766963652d6163636f756e741202753112090a036f726712026f311a0b416c69636520536d"
	"69746822b5010a2d747970652e676f6f676c65617069732e636f6d2f63312e636f6e6e6563746f722e76322e"
	"5573657254726169741283010a0b0a076140782e636f6d10010a090a076240782e636f6d1207080212037375"
	"731a0f0a0d0a046465707412051a03656e6722040a02696328023205616c6963653a02616c3a026173420b08"
	"80e2cfaa0610c0a9d33a4a06088081e49206520208015a0062150a05416c6963651205536d6974681a014d22"
	"0244726a0245316a0245322a04646573634a0f0a0d0a046465707412051a03656e6752040a0269635a070802"
	"1203737573620b0880e2cfaa0610c0a9d33a";

static void test_user_resource_matches_go(void **state)
{
	baton_ctx *ctx = *state;
	baton_resource_type *rt = types_rt(ctx, "Service Account", BATON_TRAIT_USER);
	baton_resource *u;
	CHECK(baton_user_resource_new(ctx, "Alice Smith", rt, "u1", &u));
	baton_resource_id org = {"org", "o1"};
	CHECK(baton_resource_set_parent(u, &org));
	CHECK(baton_resource_set_description(u, "desc"));
	baton_user_trait *t = baton_resource_user_trait(u);
	CHECK(baton_user_trait_add_email(t, "a@x.com", true));
	CHECK(baton_user_trait_add_email(t, "b@x.com", false));
	const char *al[] = {"al", "as"};
	CHECK(baton_user_trait_set_login(t, "alice", al, 2));
	const char *emp[] = {"E1", "E2"};
	CHECK(baton_user_trait_set_employee_ids(t, emp, 2));
	CHECK(baton_user_trait_set_account_type(t, BATON_ACCOUNT_TYPE_SERVICE));
	CHECK(baton_user_trait_set_status(t, BATON_STATUS_DISABLED, "sus"));
	CHECK(baton_user_trait_set_profile_json(t, "{\"dept\":\"eng\"}"));
	CHECK(baton_user_trait_set_icon(t, "ic"));
	baton_timestamp t1 = {1700000000, 123000000}, t2 = {1650000000, 0};
	CHECK(baton_user_trait_set_created_at(t, t1));
	CHECK(baton_user_trait_set_last_login(t, t2));
	CHECK(baton_user_trait_set_mfa_enabled(t, true));
	CHECK(baton_user_trait_set_sso_enabled(t, false));
	const char *mid[] = {"M"};
	CHECK(baton_user_trait_set_structured_name(t, "Alice", "Smith", mid, 1, "Dr", NULL));
	const uint8_t *data;
	size_t len;
	CHECK(baton_resource_pack(u, ctx, &data, &len));
	types_assert_bytes_hex(ctx, data, len, go_user_full_hex);
}

static void test_user_trait_all_setters(void **state)
{
	baton_ctx *ctx = *state;
	baton_resource_type *rt = types_rt(ctx, "User", BATON_TRAIT_USER);
	baton_resource *r;
	CHECK(baton_user_resource_new(ctx, "Alice Smith", rt, "u1", &r));
	baton_user_trait *t = baton_resource_user_trait(r);
	assert_non_null(t);
	assert_ptr_equal(baton_resource_user_trait(r), t);

	CHECK(baton_user_trait_add_email(t, "alice@example.com", true));
	CHECK(baton_user_trait_add_email(t, "", false));   /* ignored */
	CHECK(baton_user_trait_add_email(t, NULL, false)); /* ignored */
	CHECK(baton_user_trait_add_email(t, "a2@example.com", false));
	const char *aliases[] = {"asmith", "alice.s"};
	CHECK(baton_user_trait_set_login(t, "alice", aliases, 2));
	const char *one[] = {"al"};
	CHECK(baton_user_trait_set_login(t, "", one, 1)); /* ignored, aliases too */
	const char *emp[] = {"E1", "E2"};
	CHECK(baton_user_trait_set_employee_ids(t, emp, 2));
	CHECK(baton_user_trait_set_account_type(t, BATON_ACCOUNT_TYPE_SERVICE));
	baton_timestamp ll = {1650000000, 5};
	CHECK(baton_user_trait_set_last_login(t, ll));
	CHECK(baton_user_trait_set_mfa_enabled(t, true));
	CHECK(baton_user_trait_set_sso_enabled(t, false));
	const char *middle[] = {"Marie", "Ann"};
	CHECK(baton_user_trait_set_structured_name(t, "Alice", "Smith", middle, 2, "Dr", NULL));
	CHECK(baton_user_trait_set_status(t, BATON_STATUS_DISABLED, "suspended"));
	CHECK(baton_user_trait_set_profile_json(t, "{\"dept\":\"eng\"}"));
	CHECK(baton_user_trait_set_icon(t, "icon-1"));
	baton_timestamp ca = {1500000000, 0};
	CHECK(baton_user_trait_set_created_at(t, ca));

	/* Validation. */
	ASSERT_ERR(baton_user_trait_set_account_type(t, (baton_account_type)4), BATON_EINVALID,
	           "account_type 4 is not defined");
	ASSERT_ERR(baton_user_trait_set_status(t, (baton_status)-1, NULL), BATON_EINVALID,
	           "user trait status");
	ASSERT_ERR(baton_user_trait_set_status(t, BATON_STATUS_ENABLED, types_repeat(ctx, 'x', 1025)),
	           BATON_EINVALID, "user trait status details must be at most 1024");
	ASSERT_ERR(baton_user_trait_set_icon(t, ""), BATON_EINVALID, "user trait icon id");
	ASSERT_ERR(baton_user_trait_set_profile_json(t, "3"), BATON_EINVALID, "user trait profile");
	baton_timestamp bad = {0, -1};
	ASSERT_ERR(baton_user_trait_set_last_login(t, bad), BATON_EINVALID, "last_login");

	/* Read back through a packed and unpacked copy. */
	baton_resource *back = roundtrip(ctx, r);
	baton_user_trait *bt = baton_resource_user_trait(back);
	assert_non_null(bt);
	assert_int_equal(baton_user_trait_email_count(bt), 2);
	bool primary = false;
	assert_string_equal(baton_user_trait_email_at(bt, 0, &primary), "alice@example.com");
	assert_true(primary);
	assert_string_equal(baton_user_trait_email_at(bt, 1, &primary), "a2@example.com");
	assert_false(primary);
	assert_null(baton_user_trait_email_at(bt, 2, NULL));
	assert_string_equal(baton_user_trait_login(bt), "alice");
	assert_int_equal(baton_user_trait_login_alias_count(bt), 2);
	assert_string_equal(baton_user_trait_login_alias_at(bt, 1), "alice.s");
	assert_int_equal(baton_user_trait_employee_id_count(bt), 2);
	assert_string_equal(baton_user_trait_employee_id_at(bt, 0), "E1");
	assert_int_equal(baton_user_trait_account_type(bt), BATON_ACCOUNT_TYPE_SERVICE);
	baton_timestamp got;
	assert_true(baton_user_trait_last_login(bt, &got));
	assert_int_equal(got.seconds, 1650000000);
	assert_int_equal(got.nanos, 5);
	bool en = false;
	assert_true(baton_user_trait_mfa_enabled(bt, &en));
	assert_true(en);
	en = true;
	assert_true(baton_user_trait_sso_enabled(bt, &en));
	assert_false(en);
	const char *g, *f, *p, *s;
	assert_true(baton_user_trait_structured_name(bt, &g, &f, &p, &s));
	assert_string_equal(g, "Alice");
	assert_string_equal(f, "Smith");
	assert_string_equal(p, "Dr");
	assert_string_equal(s, "");
	assert_int_equal(baton_user_trait_middle_name_count(bt), 2);
	assert_string_equal(baton_user_trait_middle_name_at(bt, 1), "Ann");
	const char *details;
	assert_int_equal(baton_user_trait_status(bt, &details), BATON_STATUS_DISABLED);
	assert_string_equal(details, "suspended");

	/* Mirrored to the resource (the resource's own fields were never set). */
	assert_int_equal(baton_resource_status(back, &details), BATON_STATUS_DISABLED);
	assert_string_equal(details, "suspended");
	assert_string_equal(baton_resource_icon(back), "icon-1");
	assert_true(baton_resource_created_at(back, &got));
	assert_int_equal(got.seconds, 1500000000);
	const char *dept;
	CHECK(baton_resource_profile_string(back, "dept", &dept));
	assert_string_equal(dept, "eng");

	/* And at the byte level. */
	C1__Connector__V2__Resource *m = decode(ctx, r);
	assert_string_equal(m->icon->id, "icon-1");
	assert_int_equal(m->status->status, C1__CONNECTOR__V2__STATUS__RESOURCE_STATUS__RESOURCE_STATUS_DISABLED);
	assert_string_equal(m->status->details, "suspended");
	assert_int_equal(m->created_at->seconds, 1500000000);
	assert_non_null(m->profile);
	C1__Connector__V2__UserTrait *ut = decode_user(ctx, m->annotations[0]);
	assert_int_equal(ut->n_emails, 2);
	assert_int_equal(ut->n_login_aliases, 2);
	assert_string_equal(ut->employee_ids[1], "E2");
	assert_int_equal(ut->account_type, C1__CONNECTOR__V2__USER_TRAIT__ACCOUNT_TYPE__ACCOUNT_TYPE_SERVICE);
	assert_true(ut->mfa_status->mfa_enabled);
	assert_non_null(ut->sso_status);
	assert_string_equal(ut->structured_name->prefix, "Dr");

	/* Login replaces the aliases. */
	CHECK(baton_user_trait_set_login(t, "alice2", NULL, 0));
	assert_string_equal(baton_user_trait_login(t), "alice2");
	assert_int_equal(baton_user_trait_login_alias_count(t), 0);
}

static void test_mirroring_precedence(void **state)
{
	baton_ctx *ctx = *state;
	baton_resource_type *rt = types_rt(ctx, "User", BATON_TRAIT_USER);
	baton_resource *r;
	const char *details;

	/* Resource setter BEFORE the trait setter: the resource's value wins. */
	CHECK(baton_resource_new(ctx, "A", rt, "u1", &r));
	CHECK(baton_resource_set_status(r, BATON_STATUS_DELETED, "gone"));
	CHECK(baton_resource_set_icon(r, "res-icon"));
	baton_user_trait *t = baton_resource_user_trait(r);
	CHECK(baton_user_trait_set_status(t, BATON_STATUS_DISABLED, "trait"));
	CHECK(baton_user_trait_set_icon(t, "trait-icon"));
	assert_int_equal(baton_resource_status(r, &details), BATON_STATUS_DELETED);
	assert_string_equal(details, "gone");
	assert_string_equal(baton_resource_icon(r), "res-icon");
	C1__Connector__V2__Resource *m = decode(ctx, r);
	assert_int_equal(m->status->status, C1__CONNECTOR__V2__STATUS__RESOURCE_STATUS__RESOURCE_STATUS_DELETED);
	assert_string_equal(m->icon->id, "res-icon");
	/* The trait still carries its own values. */
	C1__Connector__V2__UserTrait *ut = decode_user(ctx, m->annotations[0]);
	assert_int_equal(ut->status->status, C1__CONNECTOR__V2__USER_TRAIT__STATUS__STATUS__STATUS_DISABLED);
	assert_string_equal(ut->icon->id, "trait-icon");

	/* Resource setter AFTER the trait setter: the resource's value still wins. */
	CHECK(baton_user_resource_new(ctx, "B", rt, "u2", &r));
	t = baton_resource_user_trait(r);
	CHECK(baton_user_trait_set_status(t, BATON_STATUS_DISABLED, NULL));
	assert_int_equal(baton_resource_status(r, NULL), BATON_STATUS_DISABLED); /* mirrored */
	CHECK(baton_resource_set_status(r, BATON_STATUS_ENABLED, "by resource"));
	assert_int_equal(baton_resource_status(r, &details), BATON_STATUS_ENABLED);
	assert_string_equal(details, "by resource");
	CHECK(baton_user_trait_set_status(t, BATON_STATUS_DELETED, NULL));
	assert_int_equal(baton_resource_status(r, NULL), BATON_STATUS_ENABLED);
	m = decode(ctx, r);
	assert_int_equal(m->status->status, C1__CONNECTOR__V2__STATUS__RESOURCE_STATUS__RESOURCE_STATUS_ENABLED);
	assert_string_equal(m->status->details, "by resource");

	/* Unset resource field: the mirror follows the latest trait value, flushes are idempotent. */
	CHECK(baton_user_resource_new(ctx, "C", rt, "u3", &r));
	t = baton_resource_user_trait(r);
	const uint8_t *d1, *d2;
	size_t l1, l2;
	CHECK(baton_user_trait_set_status(t, BATON_STATUS_DISABLED, "x"));
	CHECK(baton_resource_pack(r, ctx, &d1, &l1));
	CHECK(baton_resource_pack(r, ctx, &d2, &l2));
	assert_int_equal(l1, l2);
	assert_memory_equal(d1, d2, l1);
	CHECK(baton_user_trait_set_status(t, BATON_STATUS_ENABLED, NULL));
	assert_int_equal(baton_resource_status(r, &details), BATON_STATUS_ENABLED);
	assert_string_equal(details, "");
	m = decode(ctx, r);
	assert_int_equal(m->status->status, C1__CONNECTOR__V2__STATUS__RESOURCE_STATUS__RESOURCE_STATUS_ENABLED);
	assert_int_equal(m->n_annotations, 1);
}

static void test_mirroring_first_trait_wins(void **state)
{
	baton_ctx *ctx = *state;
	baton_resource_type *rt = types_rt(ctx, "Thing", 0);
	baton_resource *r;
	CHECK(baton_resource_new(ctx, "T", rt, "t1", &r));
	/* Group first, then user: the group's profile and icon are mirrored. */
	baton_group_trait *g = baton_resource_group_trait(r);
	baton_user_trait *u = baton_resource_user_trait(r);
	CHECK(baton_user_trait_set_profile_json(u, "{\"from\":\"user\"}"));
	CHECK(baton_user_trait_set_icon(u, "user-icon"));
	CHECK(baton_group_trait_set_profile_json(g, "{\"from\":\"group\"}"));
	CHECK(baton_group_trait_set_icon(g, "group-icon"));
	const char *from;
	CHECK(baton_resource_profile_string(r, "from", &from));
	assert_string_equal(from, "group");
	assert_string_equal(baton_resource_icon(r), "group-icon");
	baton_annotations *a = baton_resource_annotations(r);
	assert_int_equal(baton_annotations_count(a), 2);
	assert_string_equal(baton_annotations_type_at(a, 0), "c1.connector.v2.GroupTrait");
	assert_string_equal(baton_annotations_type_at(a, 1), "c1.connector.v2.UserTrait");
	/* A trait without the value does not hide a later one that has it. */
	CHECK(baton_resource_new(ctx, "T", rt, "t2", &r));
	baton_role_trait *ro = baton_resource_role_trait(r);
	assert_non_null(ro);
	baton_secret_trait *se = baton_resource_secret_trait(r);
	CHECK(baton_secret_trait_set_profile_json(se, "{\"from\":\"secret\"}"));
	CHECK(baton_resource_profile_string(r, "from", &from));
	assert_string_equal(from, "secret");
	CHECK(baton_role_trait_set_profile_json(ro, "{\"from\":\"role\"}"));
	CHECK(baton_resource_profile_string(r, "from", &from));
	assert_string_equal(from, "role");
	/* The author's profile beats every trait. */
	CHECK(baton_resource_set_profile_json(r, "{\"from\":\"resource\"}"));
	CHECK(baton_resource_profile_string(r, "from", &from));
	assert_string_equal(from, "resource");
}

static void test_trait_update_vs_existing(void **state)
{
	baton_ctx *ctx = *state;
	baton_resource_type *rt = types_rt(ctx, "User", BATON_TRAIT_USER);
	baton_resource *r;
	CHECK(baton_resource_new(ctx, "A", rt, "u1", &r));
	baton_annotations *a = baton_resource_annotations(r);
	CHECK(baton_annotations_set_raw_id(a, "raw-1"));
	baton_user_trait *t = baton_resource_user_trait(r);
	CHECK(baton_annotations_set_skip_grants(a));
	CHECK(baton_user_trait_set_login(t, "alice", NULL, 0));
	/* The trait keeps the slot it took when first requested. */
	assert_int_equal(baton_annotations_count(a), 3);
	assert_string_equal(baton_annotations_type_at(a, 1), "c1.connector.v2.UserTrait");

	/* A parsed resource: the trait is bound to its existing slot and updated in place. */
	baton_resource *back = roundtrip(ctx, r);
	baton_user_trait *bt = baton_resource_user_trait(back);
	assert_string_equal(baton_user_trait_login(bt), "alice");
	CHECK(baton_user_trait_add_email(bt, "a@x.com", false));
	baton_annotations *ba = baton_resource_annotations(back);
	assert_int_equal(baton_annotations_count(ba), 3);
	assert_string_equal(baton_annotations_type_at(ba, 1), "c1.connector.v2.UserTrait");
	C1__Connector__V2__Resource *m = decode(ctx, back);
	C1__Connector__V2__UserTrait *ut = decode_user(ctx, m->annotations[1]);
	assert_int_equal(ut->n_emails, 1);
	assert_string_equal(ut->login, "alice");
}

static void test_parsed_trait_gets_no_defaults(void **state)
{
	baton_ctx *ctx = *state;
	/* A resource whose UserTrait has no status and no account type (built by hand). */
	C1__Connector__V2__UserTrait ut = C1__CONNECTOR__V2__USER_TRAIT__INIT;
	uint8_t utbuf[64];
	size_t utlen = c1__connector__v2__user_trait__pack(&ut, utbuf);
	Google__Protobuf__Any any = GOOGLE__PROTOBUF__ANY__INIT;
	any.type_url = "type.googleapis.com/c1.connector.v2.UserTrait";
	any.value.data = utbuf;
	any.value.len = utlen;
	Google__Protobuf__Any *anys[] = {&any};
	C1__Connector__V2__ResourceId rid = C1__CONNECTOR__V2__RESOURCE_ID__INIT;
	rid.resource_type = "user";
	rid.resource = "u9";
	C1__Connector__V2__Resource res = C1__CONNECTOR__V2__RESOURCE__INIT;
	res.id = &rid;
	res.n_annotations = 1;
	res.annotations = anys;
	uint8_t buf[256];
	size_t len = c1__connector__v2__resource__pack(&res, buf);

	baton_resource *r;
	CHECK(baton_resource_unpack(ctx, buf, len, &r));
	assert_int_equal(baton_resource_status(r, NULL), BATON_STATUS_UNSPECIFIED);
	baton_user_trait *t = baton_resource_user_trait(r);
	assert_non_null(t);
	assert_int_equal(baton_user_trait_account_type(t), BATON_ACCOUNT_TYPE_UNSPECIFIED);
	assert_int_equal(baton_user_trait_status(t, NULL), BATON_STATUS_UNSPECIFIED);
	CHECK(baton_user_trait_set_login(t, "bob", NULL, 0));
	C1__Connector__V2__Resource *m = decode(ctx, r);
	C1__Connector__V2__UserTrait *got = decode_user(ctx, m->annotations[0]);
	assert_null(got->status);
	assert_int_equal(got->account_type, 0);
	assert_string_equal(got->login, "bob");
	assert_null(m->status);

	/* Untouched parsed resources pack to their original bytes. */
	baton_resource *r2;
	CHECK(baton_resource_unpack(ctx, buf, len, &r2));
	const uint8_t *d;
	size_t l;
	CHECK(baton_resource_pack(r2, ctx, &d, &l));
	assert_int_equal(l, len);
	assert_memory_equal(d, buf, len);
}

static void test_legacy_status_fallback(void **state)
{
	baton_ctx *ctx = *state;
	/* Old data: status only on the trait, resource field unset. */
	C1__Connector__V2__UserTrait__Status st = C1__CONNECTOR__V2__USER_TRAIT__STATUS__INIT;
	st.status = C1__CONNECTOR__V2__USER_TRAIT__STATUS__STATUS__STATUS_DISABLED;
	st.details = "old";
	C1__Connector__V2__UserTrait ut = C1__CONNECTOR__V2__USER_TRAIT__INIT;
	ut.status = &st;
	C1__Connector__V2__AssetRef icon = C1__CONNECTOR__V2__ASSET_REF__INIT;
	icon.id = "old-icon";
	ut.icon = &icon;
	uint8_t utbuf[128];
	size_t utlen = c1__connector__v2__user_trait__pack(&ut, utbuf);
	Google__Protobuf__Any any = GOOGLE__PROTOBUF__ANY__INIT;
	any.type_url = "type.googleapis.com/c1.connector.v2.UserTrait";
	any.value.data = utbuf;
	any.value.len = utlen;
	Google__Protobuf__Any *anys[] = {&any};
	C1__Connector__V2__Resource res = C1__CONNECTOR__V2__RESOURCE__INIT;
	res.n_annotations = 1;
	res.annotations = anys;
	uint8_t buf[256];
	size_t len = c1__connector__v2__resource__pack(&res, buf);

	baton_resource *r;
	CHECK(baton_resource_unpack(ctx, buf, len, &r));
	const char *details;
	assert_int_equal(baton_resource_status(r, &details), BATON_STATUS_DISABLED);
	assert_string_equal(details, "old");
	assert_string_equal(baton_resource_icon(r), "old-icon");

	/* Agent trait status READY reads as ENABLED. */
	baton_resource_type *rt = types_rt(ctx, "Agent", BATON_TRAIT_AGENT);
	CHECK(baton_resource_new(ctx, "bot", rt, "a1", &r));
	CHECK(baton_annotations_update_json(baton_resource_annotations(r), "c1.connector.v2.AgentTrait",
	                                    "{\"status\":\"AGENT_STATUS_READY\",\"profile\":{\"k\":\"v\"}}"));
	assert_int_equal(baton_resource_status(r, NULL), BATON_STATUS_ENABLED);
	assert_true(baton_resource_has_trait(r, BATON_TRAIT_AGENT));
	const char *v;
	CHECK(baton_resource_profile_string(r, "k", &v));
	assert_string_equal(v, "v");
}

static void test_group_trait(void **state)
{
	baton_ctx *ctx = *state;
	baton_resource_type *rt = types_rt(ctx, "Group", BATON_TRAIT_GROUP);
	baton_resource *r;
	CHECK(baton_group_resource_new(ctx, "Admins", rt, "g1", &r));
	C1__Connector__V2__Resource *m = decode(ctx, r);
	assert_int_equal(m->n_annotations, 1);
	assert_string_equal(m->annotations[0]->type_url, "type.googleapis.com/c1.connector.v2.GroupTrait");
	assert_int_equal(m->annotations[0]->value.len, 0); /* no defaults */
	assert_null(m->status);

	baton_group_trait *g = baton_resource_group_trait(r);
	CHECK(baton_group_trait_set_source_type(g, BATON_GROUP_SOURCE_DIRECTORY_SYNCED));
	CHECK(baton_group_trait_set_raw_source_type(g, "AAD-synced"));
	CHECK(baton_group_trait_set_icon(g, "gi"));
	CHECK(baton_group_trait_set_profile_json(g, "{\"members\":3}"));
	ASSERT_ERR(baton_group_trait_set_source_type(g, types_repeat(ctx, 's', 65)), BATON_EINVALID,
	           "group_source_type must be at most 64");
	ASSERT_ERR(baton_group_trait_set_raw_source_type(g, types_repeat(ctx, 's', 257)),
	           BATON_EINVALID, "raw_group_source_type must be at most 256");
	ASSERT_ERR(baton_group_trait_set_icon(g, NULL), BATON_EINVALID, "group trait icon id");

	baton_resource *back = roundtrip(ctx, r);
	baton_group_trait *bg = baton_resource_group_trait(back);
	assert_string_equal(baton_group_trait_source_type(bg), "directory_synced");
	assert_string_equal(baton_group_trait_raw_source_type(bg), "AAD-synced");
	assert_string_equal(baton_resource_icon(back), "gi");
	int64_t n;
	CHECK(baton_resource_profile_int64(back, "members", &n));
	assert_int_equal(n, 3);
	m = decode(ctx, r);
	assert_string_equal(m->icon->id, "gi");
	assert_non_null(m->profile);
	C1__Connector__V2__GroupTrait *gt = c1__connector__v2__group_trait__unpack(
		types_pb_alloc(ctx), m->annotations[0]->value.len, m->annotations[0]->value.data);
	assert_string_equal(gt->group_source_type, "directory_synced");
}

static void test_role_trait(void **state)
{
	baton_ctx *ctx = *state;
	baton_resource_type *rt = types_rt(ctx, "Role", BATON_TRAIT_ROLE);
	baton_resource *r;
	CHECK(baton_role_resource_new(ctx, "Admin", rt, "admin", &r));
	baton_role_trait *t = baton_resource_role_trait(r);
	assert_string_equal(baton_role_trait_scope_type(t), "");
	assert_int_equal(baton_role_trait_condition_count(t), 0);
	const char *exprs[] = {"a == b", "c in d"};
	CHECK(baton_role_trait_set_scope_conditions(t, "cel", exprs, 2));
	CHECK(baton_role_trait_set_profile_json(t, "{\"level\":\"high\"}"));
	baton_resource *back = roundtrip(ctx, r);
	baton_role_trait *bt = baton_resource_role_trait(back);
	assert_string_equal(baton_role_trait_scope_type(bt), "cel");
	assert_int_equal(baton_role_trait_condition_count(bt), 2);
	assert_string_equal(baton_role_trait_condition_at(bt, 1), "c in d");
	assert_null(baton_role_trait_condition_at(bt, 2));
	const char *lvl;
	CHECK(baton_resource_profile_string(back, "level", &lvl));
	assert_string_equal(lvl, "high");
	/* Replaces. */
	CHECK(baton_role_trait_set_scope_conditions(t, "cel", exprs, 1));
	assert_int_equal(baton_role_trait_condition_count(t), 1);
	assert_true(baton_resource_has_trait(r, BATON_TRAIT_ROLE));
}

static void test_app_trait(void **state)
{
	baton_ctx *ctx = *state;
	baton_resource_type *rt = types_rt(ctx, "App", BATON_TRAIT_APP);
	baton_resource *r;
	CHECK(baton_app_resource_new(ctx, "Slack", rt, "app1", &r));
	baton_app_trait *t = baton_resource_app_trait(r);
	ASSERT_ERR(baton_app_trait_set_help_url(t, "http://help"), BATON_EINVALID,
	           "help_url must start with https://");
	ASSERT_ERR(baton_app_trait_set_help_url(t, baton_ctx_sprintf(ctx, "https://%s",
	                                                             types_repeat(ctx, 'h', 1017))),
	           BATON_EINVALID, "help_url must be at most 1024");
	CHECK(baton_app_trait_set_help_url(t, "https://help.example.com"));
	CHECK(baton_app_trait_set_logo(t, "logo-1"));
	baton_app_flag flags[] = {BATON_APP_FLAG_SAML, BATON_APP_FLAG_HIDDEN};
	CHECK(baton_app_trait_set_flags(t, flags, 2));
	baton_app_flag bad_flags[] = {(baton_app_flag)6};
	ASSERT_ERR(baton_app_trait_set_flags(t, bad_flags, 1), BATON_EINVALID, "flag 6");
	CHECK(baton_app_trait_set_source_type(t, "okta"));
	CHECK(baton_app_trait_set_raw_source_type(t, "okta-raw"));
	ASSERT_ERR(baton_app_trait_set_source_type(t, types_repeat(ctx, 's', 65)), BATON_EINVALID,
	           "app_source_type must be at most 64");
	ASSERT_ERR(baton_app_trait_set_raw_source_type(t, types_repeat(ctx, 's', 257)), BATON_EINVALID,
	           "raw_app_source_type");
	CHECK(baton_app_trait_set_icon(t, "app-icon"));
	CHECK(baton_app_trait_set_profile_json(t, "{\"tier\":\"gold\"}"));

	baton_resource *back = roundtrip(ctx, r);
	baton_app_trait *bt = baton_resource_app_trait(back);
	assert_string_equal(baton_app_trait_help_url(bt), "https://help.example.com");
	assert_string_equal(baton_app_trait_logo(bt), "logo-1");
	assert_int_equal(baton_app_trait_flag_count(bt), 2);
	assert_int_equal(baton_app_trait_flag_at(bt, 0), BATON_APP_FLAG_SAML);
	assert_int_equal(baton_app_trait_flag_at(bt, 1), BATON_APP_FLAG_HIDDEN);
	assert_string_equal(baton_app_trait_source_type(bt), "okta");
	assert_string_equal(baton_resource_icon(back), "app-icon");
	const char *tier;
	CHECK(baton_resource_profile_string(back, "tier", &tier));
	assert_string_equal(tier, "gold");
	/* Help URL may be cleared. */
	CHECK(baton_app_trait_set_help_url(t, NULL));
	assert_string_equal(baton_app_trait_help_url(t), "");
	char *json;
	CHECK(baton_resource_to_json(r, ctx, &json));
	json_t *j = types_json(json);
	test_json_assert_str(j, "annotations.0.flags.0", "APP_FLAG_SAML");
	test_json_assert_str(j, "annotations.0.rawAppSourceType", "okta-raw");
	json_decref(j);
}

static void test_secret_trait(void **state)
{
	baton_ctx *ctx = *state;
	baton_resource_type *rt = types_rt(ctx, "Secret", BATON_TRAIT_SECRET);
	baton_resource *r;
	CHECK(baton_secret_resource_new(ctx, "key", rt, "k1", &r));
	baton_secret_trait *t = baton_resource_secret_trait(r);
	baton_timestamp lu = {100, 1}, ex = {200, 2}, ca = {50, 0};
	CHECK(baton_secret_trait_set_last_used_at(t, lu));
	CHECK(baton_secret_trait_set_expires_at(t, ex));
	baton_resource_id by = {"user", "u1"}, ident = {"sa", "s1"}, bad = {"", ""};
	CHECK(baton_secret_trait_set_created_by_id(t, &by));
	CHECK(baton_secret_trait_set_identity_id(t, &ident));
	ASSERT_ERR(baton_secret_trait_set_identity_id(t, &bad), BATON_EINVALID,
	           "secret trait identity_id resource_type");
	CHECK(baton_secret_trait_set_credential_type(t, BATON_CREDENTIAL_TYPE_ASYMMETRIC_KEY));
	ASSERT_ERR(baton_secret_trait_set_credential_type(t, (baton_credential_type)4), BATON_EINVALID,
	           "credential_type 4");
	CHECK(baton_secret_trait_set_credential_detail(t, "ssh_key"));
	CHECK(baton_secret_trait_set_created_at(t, ca));
	CHECK(baton_secret_trait_set_profile_json(t, "{\"alg\":\"ed25519\"}"));

	baton_resource *back = roundtrip(ctx, r);
	baton_secret_trait *bt = baton_resource_secret_trait(back);
	baton_timestamp got;
	assert_true(baton_secret_trait_last_used_at(bt, &got));
	assert_int_equal(got.seconds, 100);
	assert_true(baton_secret_trait_expires_at(bt, &got));
	assert_int_equal(got.nanos, 2);
	baton_resource_id id;
	assert_true(baton_secret_trait_created_by_id(bt, &id));
	assert_string_equal(id.resource_type, "user");
	assert_string_equal(id.resource, "u1");
	assert_true(baton_secret_trait_identity_id(bt, &id));
	assert_string_equal(id.resource, "s1");
	assert_int_equal(baton_secret_trait_credential_type(bt), BATON_CREDENTIAL_TYPE_ASYMMETRIC_KEY);
	assert_string_equal(baton_secret_trait_credential_detail(bt), "ssh_key");
	assert_true(baton_resource_created_at(back, &got));
	assert_int_equal(got.seconds, 50);
	const char *alg;
	CHECK(baton_resource_profile_string(back, "alg", &alg));
	assert_string_equal(alg, "ed25519");
	C1__Connector__V2__Resource *m = decode(ctx, r);
	assert_int_equal(m->created_at->seconds, 50);
	CHECK(baton_secret_trait_set_identity_id(t, NULL));
	assert_false(baton_secret_trait_identity_id(t, NULL));
}

static void test_scope_binding(void **state)
{
	baton_ctx *ctx = *state;
	baton_resource_type *rt = types_rt(ctx, "Role Binding", BATON_TRAIT_SCOPE_BINDING);
	baton_resource_id role = {"role", "admin"}, scope = {"project", "p1"};
	baton_resource *r = NULL;
	ASSERT_ERR(baton_scope_binding_resource_new(ctx, "b", rt, "b1", NULL, &scope, &r), BATON_EINVALID,
	           "role ID is required");
	ASSERT_ERR(baton_scope_binding_resource_new(ctx, "b", rt, "b1", &role, NULL, &r), BATON_EINVALID,
	           "scope resource ID is required");
	assert_null(r);
	CHECK(baton_scope_binding_resource_new(ctx, "b", rt, "b1", &role, &scope, &r));
	assert_string_equal(baton_resource_get_id(r).resource_type, "role-binding");
	assert_true(baton_resource_has_trait(r, BATON_TRAIT_SCOPE_BINDING));
	C1__Connector__V2__Resource *m = decode(ctx, r);
	assert_string_equal(m->annotations[0]->type_url,
	                    "type.googleapis.com/c1.connector.v2.ScopeBindingTrait");
	C1__Connector__V2__ScopeBindingTrait *sb = c1__connector__v2__scope_binding_trait__unpack(
		types_pb_alloc(ctx), m->annotations[0]->value.len, m->annotations[0]->value.data);
	assert_string_equal(sb->role_id->resource, "admin");
	assert_string_equal(sb->scope_resource_id->resource_type, "project");
}

static void test_trait_annotation_removed(void **state)
{
	baton_ctx *ctx = *state;
	baton_resource_type *rt = types_rt(ctx, "User", BATON_TRAIT_USER);
	baton_resource *r;
	CHECK(baton_user_resource_new(ctx, "A", rt, "u1", &r));
	baton_user_trait *t = baton_resource_user_trait(r);
	CHECK(baton_user_trait_set_status(t, BATON_STATUS_DISABLED, NULL));
	baton_annotations *a = baton_resource_annotations(r);
	assert_int_equal(baton_annotations_remove(a, "c1.connector.v2.UserTrait"), 1);
	assert_int_equal(baton_annotations_count(a), 0);
	assert_false(baton_resource_has_trait(r, BATON_TRAIT_USER));
	/* What was mirrored stays (a plain field, as in Go). */
	assert_int_equal(baton_resource_status(r, NULL), BATON_STATUS_DISABLED);
	/* The old handle is detached; asking again makes a fresh trait with defaults. */
	CHECK(baton_user_trait_set_login(t, "ignored", NULL, 0));
	baton_user_trait *t2 = baton_resource_user_trait(r);
	assert_ptr_not_equal(t, t2);
	assert_string_equal(baton_user_trait_login(t2), "");
	assert_int_equal(baton_user_trait_status(t2, NULL), BATON_STATUS_ENABLED);
	assert_int_equal(baton_annotations_count(a), 1);
	assert_int_equal(baton_resource_status(r, NULL), BATON_STATUS_DISABLED);

	/* Updating the trait through JSON replaces the live view. */
	CHECK(baton_annotations_update_json(a, "c1.connector.v2.UserTrait", "{\"login\":\"json\"}"));
	baton_user_trait *t3 = baton_resource_user_trait(r);
	assert_string_equal(baton_user_trait_login(t3), "json");
	assert_int_equal(baton_annotations_count(a), 1);
}

/* A typed constructor's trait goes after annotations added right after construction (Go's
 * New<X>Resource runs the caller's options first); once placed, it keeps its slot. */
static void test_typed_constructor_trait_order(void **state)
{
	baton_ctx *ctx = *state;
	baton_resource_type *rt = types_rt(ctx, "Group", BATON_TRAIT_GROUP);
	baton_resource *r;
	CHECK(baton_group_resource_new(ctx, "Eng", rt, "eng", &r));
	CHECK(baton_annotations_add_child_resource_type(baton_resource_annotations(r), "team"));
	C1__Connector__V2__Resource *m = decode(ctx, r);
	assert_int_equal(m->n_annotations, 2);
	assert_string_equal(m->annotations[0]->type_url,
	                    "type.googleapis.com/c1.connector.v2.ChildResourceType");
	assert_string_equal(m->annotations[1]->type_url, "type.googleapis.com/c1.connector.v2.GroupTrait");
	/* Placed now: later additions go behind it. */
	CHECK(baton_annotations_set_skip_grants(baton_resource_annotations(r)));
	m = decode(ctx, r);
	assert_int_equal(m->n_annotations, 3);
	assert_string_equal(m->annotations[1]->type_url, "type.googleapis.com/c1.connector.v2.GroupTrait");
	assert_string_equal(m->annotations[2]->type_url, "type.googleapis.com/c1.connector.v2.SkipGrants");

	/* An accessor on a plain resource takes its slot at once (Go: the option's position). */
	CHECK(baton_resource_new(ctx, "Eng", rt, "eng", &r));
	assert_non_null(baton_resource_group_trait(r));
	CHECK(baton_annotations_add_child_resource_type(baton_resource_annotations(r), "team"));
	m = decode(ctx, r);
	assert_string_equal(m->annotations[0]->type_url, "type.googleapis.com/c1.connector.v2.GroupTrait");
}

/* Reading a parsed resource's trait changes nothing: only traits written through the builder
 * mirror their deprecated fields onto the resource. */
static void test_trait_read_does_not_mirror(void **state)
{
	baton_ctx *ctx = *state;
	C1__Connector__V2__UserTrait__Status st = C1__CONNECTOR__V2__USER_TRAIT__STATUS__INIT;
	st.status = C1__CONNECTOR__V2__USER_TRAIT__STATUS__STATUS__STATUS_DISABLED;
	C1__Connector__V2__UserTrait ut = C1__CONNECTOR__V2__USER_TRAIT__INIT;
	ut.status = &st;
	ut.login = "bob";
	uint8_t tbuf[128];
	size_t tlen = c1__connector__v2__user_trait__pack(&ut, tbuf);
	Google__Protobuf__Any any = GOOGLE__PROTOBUF__ANY__INIT;
	any.type_url = "type.googleapis.com/c1.connector.v2.UserTrait";
	any.value.data = tbuf;
	any.value.len = tlen;
	Google__Protobuf__Any *annos[] = {&any};
	C1__Connector__V2__ResourceId id = C1__CONNECTOR__V2__RESOURCE_ID__INIT;
	id.resource_type = "user";
	id.resource = "bob";
	C1__Connector__V2__Resource msg = C1__CONNECTOR__V2__RESOURCE__INIT;
	msg.id = &id;
	msg.display_name = "Bob";
	msg.n_annotations = 1;
	msg.annotations = annos;
	uint8_t buf[256];
	size_t len = c1__connector__v2__resource__pack(&msg, buf);

	baton_resource *r;
	const uint8_t *out;
	size_t out_len;
	CHECK(baton_resource_unpack(ctx, buf, len, &r));
	baton_user_trait *t = baton_resource_user_trait(r);
	assert_string_equal(baton_user_trait_login(t), "bob");
	assert_int_equal(baton_user_trait_status(t, NULL), BATON_STATUS_DISABLED);
	CHECK(baton_resource_pack(r, ctx, &out, &out_len));
	assert_int_equal(out_len, len);
	assert_memory_equal(out, buf, len);
	/* Writing through the handle mirrors, as Go's WithUserTrait does. */
	CHECK(baton_user_trait_set_login(t, "robert", NULL, 0));
	C1__Connector__V2__Resource *m = decode(ctx, r);
	assert_non_null(m->status);
	assert_int_equal(m->status->status,
	                 C1__CONNECTOR__V2__STATUS__RESOURCE_STATUS__RESOURCE_STATUS_DISABLED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_user_resource_defaults_and_bytes, types_setup, types_teardown),
		cmocka_unit_test_setup_teardown(test_user_resource_matches_go, types_setup, types_teardown),
		cmocka_unit_test_setup_teardown(test_user_trait_all_setters, types_setup, types_teardown),
		cmocka_unit_test_setup_teardown(test_mirroring_precedence, types_setup, types_teardown),
		cmocka_unit_test_setup_teardown(test_mirroring_first_trait_wins, types_setup, types_teardown),
		cmocka_unit_test_setup_teardown(test_trait_update_vs_existing, types_setup, types_teardown),
		cmocka_unit_test_setup_teardown(test_parsed_trait_gets_no_defaults, types_setup, types_teardown),
		cmocka_unit_test_setup_teardown(test_legacy_status_fallback, types_setup, types_teardown),
		cmocka_unit_test_setup_teardown(test_group_trait, types_setup, types_teardown),
		cmocka_unit_test_setup_teardown(test_role_trait, types_setup, types_teardown),
		cmocka_unit_test_setup_teardown(test_app_trait, types_setup, types_teardown),
		cmocka_unit_test_setup_teardown(test_secret_trait, types_setup, types_teardown),
		cmocka_unit_test_setup_teardown(test_scope_binding, types_setup, types_teardown),
		cmocka_unit_test_setup_teardown(test_trait_annotation_removed, types_setup, types_teardown),
		cmocka_unit_test_setup_teardown(test_typed_constructor_trait_order, types_setup, types_teardown),
		cmocka_unit_test_setup_teardown(test_trait_read_does_not_mirror, types_setup, types_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
