/* protojson: writer output as Go's protojson.Marshal prints it (compact), reader, round trips,
 * well-known types and error messages. */
#include "testutil.h"

#include <math.h>
#include <string.h>

#include "baton/common.h"
#include "c1/connector/v2/annotation_grant.pb-c.h"
#include "c1/connector/v2/annotation_trait.pb-c.h"
#include "c1/connector/v2/connector.pb-c.h"
#include "c1/connector/v2/grant.pb-c.h"
#include "c1/connector/v2/resource.pb-c.h"
#include "core/arena.h"
#include "google/protobuf/any.pb-c.h"
#include "google/protobuf/duration.pb-c.h"
#include "google/protobuf/empty.pb-c.h"
#include "google/protobuf/field_mask.pb-c.h"
#include "google/protobuf/struct.pb-c.h"
#include "google/protobuf/timestamp.pb-c.h"
#include "google/protobuf/wrappers.pb-c.h"
#include "proto/any.h"
#include "proto/protojson.h"
#include "test_proto_alltypes.h"

static baton_arena A;

static int setup(void **state)
{
	(void)state;
	baton_arena_init(&A);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	baton_arena_release(&A);
	return 0;
}

static char *write_json(const ProtobufCMessage *m, const baton_protojson_opts *opts)
{
	char *out = NULL;
	size_t len = 0;
	int rc = baton__protojson_write(&A, m, opts, &out, &len);
	if (rc != 0)
		fail_msg("protojson_write failed: %s", baton_error_last()->message);
	assert_int_equal(strlen(out), len);
	return out;
}

static void assert_json(const ProtobufCMessage *m, const char *want)
{
	assert_string_equal(write_json(m, NULL), want);
}

static ProtobufCMessage *read_json(const ProtobufCMessageDescriptor *d, const char *text)
{
	ProtobufCMessage *m = NULL;
	int rc = baton__protojson_read(&A, d, text, strlen(text), &m);
	if (rc != 0)
		fail_msg("protojson_read of %s failed: %s", text, baton_error_last()->message);
	assert_non_null(m);
	assert_ptr_equal(m->descriptor, d);
	return m;
}

/* Reading canonical JSON and writing it again gives the same text. */
static void assert_canonical(const ProtobufCMessageDescriptor *d, const char *text)
{
	assert_string_equal(write_json(read_json(d, text), NULL), text);
}

/* Same bytes under deterministic packing: the two messages are equal. */
static void assert_same_message(const ProtobufCMessage *a, const ProtobufCMessage *b)
{
	uint8_t *da, *db;
	size_t la, lb;
	assert_int_equal(baton__pb_pack(&A, a, &da, &la), 0);
	assert_int_equal(baton__pb_pack(&A, b, &db, &lb), 0);
	assert_int_equal(la, lb);
	assert_memory_equal(da, db, la);
}

static void assert_read_fails(const ProtobufCMessageDescriptor *d, const char *text, int code,
                              const char *substr)
{
	ProtobufCMessage *m = (ProtobufCMessage *)1;
	baton_error_clear();
	int rc = baton__protojson_read(&A, d, text, strlen(text), &m);
	assert_int_equal(rc, code);
	assert_null(m);
	assert_int_equal(baton_error_last()->code, code);
	if (!strstr(baton_error_last()->message, substr))
		fail_msg("error \"%s\" does not contain \"%s\"", baton_error_last()->message, substr);
}

static void assert_write_fails(const ProtobufCMessage *m, int code, const char *substr)
{
	char *out = (char *)1;
	baton_error_clear();
	assert_int_equal(baton__protojson_write(&A, m, NULL, &out, NULL), code);
	assert_null(out);
	if (!strstr(baton_error_last()->message, substr))
		fail_msg("error \"%s\" does not contain \"%s\"", baton_error_last()->message, substr);
}

/* ---- every scalar kind, repeated, maps, oneofs, nesting (hand-written descriptor) ---- */

static const char ALL_JSON[] =
	"{\"fInt32\":-5,\"fSint32\":-6,\"fSfixed32\":-7,\"fUint32\":4000000000,\"fFixed32\":5,"
	"\"fInt64\":\"-9007199254740993\",\"fSint64\":\"-9223372036854775808\",\"fSfixed64\":\"8\","
	"\"fUint64\":\"18446744073709551615\",\"fFixed64\":\"10\",\"fFloat\":0.1,\"fDouble\":2.5,"
	"\"fBool\":true,\"fEnum\":\"TRAIT_USER\",\"fString\":\"h\\\"i\\\\\\n\\u0001\\t<\xc3\xa9>&\","
	"\"fBytes\":\"AP8Q\",\"rInt32\":[1,-2],\"rString\":[\"a\",\"b\"],\"rMsg\":[{\"fInt32\":1},{}],"
	"\"intMap\":{\"-1\":\"m\",\"2\":\"y\",\"3\":\"x\"},\"boolMap\":{\"false\":0,\"true\":1},"
	"\"child\":{\"fString\":\"c\"},\"opt\":0,\"oStr\":\"\",\"rFloat\":[1.5,1e+21],"
	"\"rEnum\":[\"TRAIT_GROUP\",99],\"ts\":\"2024-01-02T03:04:05.005Z\"}";

static TestAll *make_all(void)
{
	static TestAll t, c, r0, r1;
	static TestIntMapEntry e1, e2, e3;
	static TestIntMapEntry *im[3];
	static TestBoolMapEntry b1, b2;
	static TestBoolMapEntry *bm[2];
	static int32_t ri[] = {1, -2};
	static char *rs[] = {"a", "b"};
	static TestAll *rm[2];
	static float rf[] = {1.5f, 1e21f};
	static int re[] = {2, 99};
	static uint8_t bytes[] = {0x00, 0xff, 0x10};
	static Google__Protobuf__Timestamp ts = GOOGLE__PROTOBUF__TIMESTAMP__INIT;

	test_all_init(&t.base);
	test_all_init(&c.base);
	test_all_init(&r0.base);
	test_all_init(&r1.base);
	t.f_int32 = -5;
	t.f_sint32 = -6;
	t.f_sfixed32 = -7;
	t.f_uint32 = 4000000000u;
	t.f_fixed32 = 5;
	t.f_int64 = -9007199254740993LL;
	t.f_sint64 = INT64_MIN;
	t.f_sfixed64 = 8;
	t.f_uint64 = UINT64_MAX;
	t.f_fixed64 = 10;
	t.f_float = 0.1f;
	t.f_double = 2.5;
	t.f_bool = 1;
	t.f_enum = 1;
	t.f_string = "h\"i\\\n\x01\t<\xc3\xa9>&";
	t.f_bytes.data = bytes;
	t.f_bytes.len = sizeof bytes;
	t.n_r_int32 = 2;
	t.r_int32 = ri;
	t.n_r_string = 2;
	t.r_string = rs;
	r0.f_int32 = 1;
	rm[0] = &r0;
	rm[1] = &r1;
	t.n_r_msg = 2;
	t.r_msg = rm;
	/* map entries out of key order: the writer sorts them */
	test_int_map_entry_init(&e1.base);
	test_int_map_entry_init(&e2.base);
	test_int_map_entry_init(&e3.base);
	e1.key = 3;
	e1.value = "x";
	e2.key = -1;
	e2.value = "m";
	e3.key = 2;
	e3.value = "y";
	im[0] = &e1;
	im[1] = &e2;
	im[2] = &e3;
	t.n_int_map = 3;
	t.int_map = im;
	test_bool_map_entry_init(&b1.base);
	test_bool_map_entry_init(&b2.base);
	b1.key = 1;
	b1.value = 1;
	b2.key = 0;
	b2.value = 0;
	bm[0] = &b1;
	bm[1] = &b2;
	t.n_bool_map = 2;
	t.bool_map = bm;
	c.f_string = "c";
	t.child = &c;
	t._opt_case = 23; /* optional int32 opt = 0: present although default */
	t.opt = 0;
	t.choice_case = 24;
	t.o_str = "";
	t.n_r_float = 2;
	t.r_float = rf;
	t.n_r_enum = 2;
	t.r_enum = re;
	ts.seconds = 1704164645;
	ts.nanos = 5000000;
	t.ts = &ts;
	return &t;
}

static void test_all_types_write(void **state)
{
	(void)state;
	assert_json(&make_all()->base, ALL_JSON);
}

static void test_all_types_roundtrip(void **state)
{
	(void)state;
	TestAll *orig = make_all();
	ProtobufCMessage *m = read_json(&test_all_desc, ALL_JSON);
	TestAll *t = (TestAll *)m;
	assert_int_equal(t->f_sint64, INT64_MIN);
	assert_true(t->f_uint64 == UINT64_MAX);
	assert_int_equal(t->f_uint32, 4000000000u);
	assert_int_equal(t->_opt_case, 23);
	assert_int_equal(t->opt, 0);
	assert_int_equal(t->choice_case, 24);
	assert_string_equal(t->o_str, "");
	assert_int_equal(t->n_int_map, 3);
	assert_int_equal(t->int_map[0]->key, -1);
	assert_int_equal(t->r_enum[1], 99);
	assert_int_equal(t->f_bytes.len, 3);
	assert_int_equal(t->f_bytes.data[1], 0xff);
	assert_int_equal(t->ts->nanos, 5000000);
	assert_string_equal(write_json(m, NULL), ALL_JSON);
	assert_same_message(m, &orig->base);

	/* binary round trip too: pack, unpack, write */
	uint8_t *data;
	size_t len;
	ProtobufCMessage *back;
	assert_int_equal(baton__pb_pack(&A, m, &data, &len), 0);
	assert_int_equal(baton__pb_unpack(&A, &test_all_desc, data, len, &back), 0);
	assert_string_equal(write_json(back, NULL), ALL_JSON);
}

static void test_all_types_unpopulated(void **state)
{
	(void)state;
	TestAll t;
	test_all_init(&t.base);
	assert_json(&t.base, "{}");
	baton_protojson_opts o = {.emit_unpopulated = true};
	assert_string_equal(write_json(&t.base, &o),
		"{\"fInt32\":0,\"fSint32\":0,\"fSfixed32\":0,\"fUint32\":0,\"fFixed32\":0,"
		"\"fInt64\":\"0\",\"fSint64\":\"0\",\"fSfixed64\":\"0\",\"fUint64\":\"0\",\"fFixed64\":\"0\","
		"\"fFloat\":0,\"fDouble\":0,\"fBool\":false,\"fEnum\":\"TRAIT_UNSPECIFIED\",\"fString\":\"\","
		"\"fBytes\":\"\",\"rInt32\":[],\"rString\":[],\"rMsg\":[],\"intMap\":{},\"boolMap\":{},"
		"\"child\":null,\"rFloat\":[],\"rEnum\":[],\"ts\":null}");
	/* a set synthetic oneof (proto3 optional) prints even at its default, under its own name */
	t._opt_case = 23;
	assert_json(&t.base, "{\"opt\":0}");
	t.choice_case = 25;
	t.o_msg = NULL;
	assert_json(&t.base, "{\"opt\":0,\"oMsg\":{}}");
	/* -0.0 is not the default */
	test_all_init(&t.base);
	t.f_double = -0.0;
	assert_json(&t.base, "{\"fDouble\":-0}");
}

static void test_all_types_read_forms(void **state)
{
	(void)state;
	/* proto names, numbers as strings, 64-bit as numbers, exponent integers, enum numbers,
	 * URL-safe unpadded base64, nulls */
	TestAll *t = (TestAll *)read_json(&test_all_desc,
		"{\"f_int32\":\"12\",\"fInt64\":-9007199254740993,\"f_uint32\":1e3,\"fSint32\":2.0,"
		"\"fEnum\":2,\"fBytes\":\"AP8Q_-8\",\"fFloat\":\"NaN\",\"fDouble\":\"-Infinity\","
		"\"child\":null,\"fString\":null,\"rInt32\":null,\"intMap\":{\"7\":\"q\"},"
		"\"boolMap\":{\"true\":\"5\"}}");
	assert_int_equal(t->f_int32, 12);
	assert_int_equal(t->f_int64, -9007199254740993LL);
	assert_int_equal(t->f_uint32, 1000);
	assert_int_equal(t->f_sint32, 2);
	assert_int_equal(t->f_enum, 2);
	assert_int_equal(t->f_bytes.len, 5);
	assert_int_equal(t->f_bytes.data[3], 0xff);
	assert_int_equal(t->f_bytes.data[4], 0xef);
	assert_true(isnan(t->f_float));
	assert_true(isinf(t->f_double) && t->f_double < 0);
	assert_null(t->child);
	assert_string_equal(t->f_string, "");
	assert_int_equal(t->n_r_int32, 0);
	assert_int_equal(t->int_map[0]->key, 7);
	assert_int_equal(t->bool_map[0]->key, 1);
	assert_int_equal(t->bool_map[0]->value, 5);
	assert_json(&t->base,
		"{\"fInt32\":12,\"fSint32\":2,\"fUint32\":1000,\"fInt64\":\"-9007199254740993\","
		"\"fFloat\":\"NaN\",\"fDouble\":\"-Infinity\",\"fEnum\":\"TRAIT_GROUP\",\"fBytes\":\"AP8Q/+8=\","
		"\"intMap\":{\"7\":\"q\"},\"boolMap\":{\"true\":5}}");
}

static void test_multiline(void **state)
{
	(void)state;
	TestAll t, c;
	int32_t ri[] = {1, 2};
	test_all_init(&t.base);
	test_all_init(&c.base);
	t.f_int32 = 1;
	t.n_r_int32 = 2;
	t.r_int32 = ri;
	t.child = &c;
	baton_protojson_opts o = {.multiline = true};
	assert_string_equal(write_json(&t.base, &o),
		"{\n  \"fInt32\": 1,\n  \"rInt32\": [\n    1,\n    2\n  ],\n  \"child\": {}\n}");
	TestAll e;
	test_all_init(&e.base);
	assert_string_equal(write_json(&e.base, &o), "{}");
}

static void test_map_duplicate_keys(void **state)
{
	(void)state;
	/* a protobuf-c array can hold one key twice; like the wire format, the last one wins */
	TestAll t;
	TestIntMapEntry a, b, c;
	TestIntMapEntry *es[] = {&a, &b, &c};
	test_all_init(&t.base);
	test_int_map_entry_init(&a.base);
	test_int_map_entry_init(&b.base);
	test_int_map_entry_init(&c.base);
	a.key = 5;
	a.value = "first";
	b.key = 1;
	b.value = "one";
	c.key = 5;
	c.value = "last";
	t.n_int_map = 3;
	t.int_map = es;
	assert_json(&t.base, "{\"intMap\":{\"1\":\"one\",\"5\":\"last\"}}");
}

/* ---- floats ---- */

static void check_double(double v, const char *want)
{
	Google__Protobuf__DoubleValue d = GOOGLE__PROTOBUF__DOUBLE_VALUE__INIT;
	d.value = v;
	assert_json(&d.base, want);
	if (want[0] != '"') {
		Google__Protobuf__DoubleValue *back =
			(Google__Protobuf__DoubleValue *)read_json(&google__protobuf__double_value__descriptor, want);
		assert_true(back->value == v);
	}
}

static void check_float(float v, const char *want)
{
	Google__Protobuf__FloatValue f = GOOGLE__PROTOBUF__FLOAT_VALUE__INIT;
	f.value = v;
	assert_json(&f.base, want);
	Google__Protobuf__FloatValue *back =
		(Google__Protobuf__FloatValue *)read_json(&google__protobuf__float_value__descriptor, want);
	if (!isnan(v))
		assert_true(back->value == v);
}

static void test_float_format(void **state)
{
	(void)state;
	check_double(1, "1");
	check_double(0, "0");
	check_double(-0.0, "-0");
	check_double(1.5, "1.5");
	check_double(0.1, "0.1");
	check_double(-2.25, "-2.25");
	check_double(1e20, "100000000000000000000");
	check_double(1e21, "1e+21");
	check_double(1.5e300, "1.5e+300");
	check_double(0.000001, "0.000001");
	check_double(1e-7, "1e-7");
	check_double(1.25e-7, "1.25e-7");
	check_double(1e-10, "1e-10");
	check_double(123456789.125, "123456789.125");
	check_double(9007199254740993.0, "9007199254740992");
	check_double(1.7976931348623157e308, "1.7976931348623157e+308");
	check_double(5e-324, "5e-324");
	check_double(1.0 / 3, "0.3333333333333333");
	check_double(NAN, "\"NaN\"");
	check_double(INFINITY, "\"Infinity\"");
	check_double(-INFINITY, "\"-Infinity\"");
	check_float(0.1f, "0.1");
	check_float(1.1f, "1.1");
	check_float(16777216.0f, "16777216");
	check_float(3.4028235e38f, "3.4028235e+38");
	check_float(1e-7f, "1e-7");
	check_float(NAN, "\"NaN\"");
}

/* ---- real messages ---- */

static Google__Protobuf__Any *user_trait_any(void)
{
	static C1__Connector__V2__UserTrait ut = C1__CONNECTOR__V2__USER_TRAIT__INIT;
	static C1__Connector__V2__UserTrait__Email em = C1__CONNECTOR__V2__USER_TRAIT__EMAIL__INIT;
	static C1__Connector__V2__UserTrait__Email *ems[1];
	static C1__Connector__V2__UserTrait__MFAStatus mfa = C1__CONNECTOR__V2__USER_TRAIT__MFASTATUS__INIT;
	static char *aliases[] = {"al"};
	static char *emp[] = {"E1"};
	static Google__Protobuf__Timestamp created = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
	em.address = "alice@example.com";
	em.is_primary = 1;
	ems[0] = &em;
	ut.n_emails = 1;
	ut.emails = ems;
	mfa.mfa_enabled = 1;
	ut.mfa_status = &mfa;
	ut.login = "alice";
	ut.n_login_aliases = 1;
	ut.login_aliases = aliases;
	ut.n_employee_ids = 1;
	ut.employee_ids = emp;
	created.seconds = 1704164645;
	ut.last_login = &created;
	Google__Protobuf__Any *any;
	assert_int_equal(baton__any_pack(&A, &ut.base, &any), 0);
	return any;
}

static const char RESOURCE_JSON[] =
	"{\"id\":{\"resourceType\":\"user\",\"resource\":\"u1\"},\"displayName\":\"Alice\","
	"\"annotations\":[{\"@type\":\"type.googleapis.com/c1.connector.v2.UserTrait\","
	"\"emails\":[{\"address\":\"alice@example.com\",\"isPrimary\":true}],"
	"\"login\":\"alice\",\"loginAliases\":[\"al\"],\"employeeIds\":[\"E1\"],"
	"\"lastLogin\":\"2024-01-02T03:04:05Z\",\"mfaStatus\":{\"mfaEnabled\":true}}],"
	"\"description\":\"d\"}";

static void test_resource_with_user_trait(void **state)
{
	(void)state;
	C1__Connector__V2__Resource r = C1__CONNECTOR__V2__RESOURCE__INIT;
	C1__Connector__V2__ResourceId id = C1__CONNECTOR__V2__RESOURCE_ID__INIT;
	Google__Protobuf__Any *anns[1] = {user_trait_any()};
	id.resource_type = "user";
	id.resource = "u1";
	r.id = &id;
	r.display_name = "Alice";
	r.n_annotations = 1;
	r.annotations = anns;
	r.description = "d";
	assert_json(&r.base, RESOURCE_JSON);

	ProtobufCMessage *back = read_json(&c1__connector__v2__resource__descriptor, RESOURCE_JSON);
	assert_string_equal(write_json(back, NULL), RESOURCE_JSON);
	assert_same_message(back, &r.base);
	C1__Connector__V2__Resource *br = (C1__Connector__V2__Resource *)back;
	assert_true(baton__any_is(br->annotations[0], &c1__connector__v2__user_trait__descriptor));

	/* jansson view of the same */
	json_t *j = baton__protojson_to_jansson(&r.base, NULL);
	assert_non_null(j);
	test_json_assert_str(j, "annotations.0.emails.0.address", "alice@example.com");
	test_json_assert_str(j, "annotations.0.@type", "type.googleapis.com/c1.connector.v2.UserTrait");
	ProtobufCMessage *from_j;
	assert_int_equal(baton__protojson_read_jansson(&A, &c1__connector__v2__resource__descriptor, j,
	                                               &from_j), 0);
	assert_same_message(from_j, &r.base);
	json_decref(j);

	/* a double Go prints as a 21-digit integer still makes a jansson value */
	Google__Protobuf__DoubleValue big = GOOGLE__PROTOBUF__DOUBLE_VALUE__INIT;
	big.value = 1e20;
	j = baton__protojson_to_jansson(&big.base, NULL);
	assert_non_null(j);
	assert_true(json_is_real(j) && json_real_value(j) == 1e20);
	json_decref(j);
}

static const char CAPS_JSON[] =
	"{\"resourceTypeCapabilities\":[{\"resourceType\":{\"id\":\"user\",\"displayName\":\"User\","
	"\"traits\":[\"TRAIT_USER\"]},\"capabilities\":[\"CAPABILITY_SYNC\",\"CAPABILITY_PROVISION\"]},"
	"{\"resourceType\":{\"id\":\"group\",\"displayName\":\"Group\",\"traits\":[\"TRAIT_GROUP\"]},"
	"\"capabilities\":[\"CAPABILITY_SYNC\"],\"optInRequired\":true}],"
	"\"connectorCapabilities\":[\"CAPABILITY_SYNC\",\"CAPABILITY_PROVISION\"],"
	"\"credentialDetails\":{\"capabilityAccountProvisioning\":{\"supportedCredentialOptions\":"
	"[\"CAPABILITY_DETAIL_CREDENTIAL_OPTION_NO_PASSWORD\","
	"\"CAPABILITY_DETAIL_CREDENTIAL_OPTION_RANDOM_PASSWORD\"],\"preferredCredentialOption\":"
	"\"CAPABILITY_DETAIL_CREDENTIAL_OPTION_RANDOM_PASSWORD\"}}}";

static void test_connector_capabilities(void **state)
{
	(void)state;
	assert_canonical(&c1__connector__v2__connector_capabilities__descriptor, CAPS_JSON);
	C1__Connector__V2__ConnectorCapabilities *c = (C1__Connector__V2__ConnectorCapabilities *)
		read_json(&c1__connector__v2__connector_capabilities__descriptor, CAPS_JSON);
	assert_int_equal(c->n_resource_type_capabilities, 2);
	assert_string_equal(c->resource_type_capabilities[1]->resource_type->id, "group");
	assert_int_equal(c->credential_details->capability_account_provisioning->preferred_credential_option,
	                 2 /* CAPABILITY_DETAIL_CREDENTIAL_OPTION_RANDOM_PASSWORD */);

	/* the same wrapped in an Any, as the `capabilities` command prints it */
	Google__Protobuf__Any *any;
	assert_int_equal(baton__any_pack(&A, &c->base, &any), 0);
	char want[sizeof CAPS_JSON + 128];
	snprintf(want, sizeof want, "{\"@type\":\"type.googleapis.com/%s\",%s",
	         c1__connector__v2__connector_capabilities__descriptor.name, CAPS_JSON + 1);
	char *text = write_json(&any->base, NULL);
	assert_string_equal(text, want);
	Google__Protobuf__Any *back =
		(Google__Protobuf__Any *)read_json(&google__protobuf__any__descriptor, text);
	assert_same_message(&back->base, &any->base);

	baton_protojson_opts o = {.multiline = true};
	text = write_json(&any->base, &o);
	static const char prefix[] =
		"{\n  \"@type\": \"type.googleapis.com/c1.connector.v2.ConnectorCapabilities\",\n"
		"  \"resourceTypeCapabilities\": [\n    {\n      \"resourceType\": {\n"
		"        \"id\": \"user\",\n";
	assert_int_equal(strncmp(text, prefix, strlen(prefix)), 0);
	back = (Google__Protobuf__Any *)read_json(&google__protobuf__any__descriptor, text);
	assert_same_message(&back->base, &any->base);
}

static void test_grant_declaration_order(void **state)
{
	(void)state;
	/* Grant declares sources (5) before annotations (4); Go prints declaration order. */
	C1__Connector__V2__Grant g = C1__CONNECTOR__V2__GRANT__INIT;
	C1__Connector__V2__GrantSources gs = C1__CONNECTOR__V2__GRANT_SOURCES__INIT;
	C1__Connector__V2__GrantSources__SourcesEntry e1 = C1__CONNECTOR__V2__GRANT_SOURCES__SOURCES_ENTRY__INIT;
	C1__Connector__V2__GrantSources__SourcesEntry e2 = C1__CONNECTOR__V2__GRANT_SOURCES__SOURCES_ENTRY__INIT;
	C1__Connector__V2__GrantSources__SourcesEntry *es[] = {&e1, &e2};
	C1__Connector__V2__GrantSources__GrantSource s1 = C1__CONNECTOR__V2__GRANT_SOURCES__GRANT_SOURCE__INIT;
	C1__Connector__V2__GrantSources__GrantSource s2 = C1__CONNECTOR__V2__GRANT_SOURCES__GRANT_SOURCE__INIT;
	C1__Connector__V2__GrantExpandable ge = C1__CONNECTOR__V2__GRANT_EXPANDABLE__INIT;
	char *eids[] = {"e1"};
	Google__Protobuf__Any *anns[1];
	s1.is_direct = 1;
	e1.key = "b";
	e1.value = &s1;
	e2.key = "a";
	e2.value = &s2;
	gs.n_sources = 2;
	gs.sources = es;
	ge.n_entitlement_ids = 1;
	ge.entitlement_ids = eids;
	ge.shallow = 1;
	assert_int_equal(baton__any_pack(&A, &ge.base, &anns[0]), 0);
	g.id = "g";
	g.sources = &gs;
	g.n_annotations = 1;
	g.annotations = anns;
	static const char want[] =
		"{\"id\":\"g\",\"sources\":{\"sources\":{\"a\":{},\"b\":{\"isDirect\":true}}},"
		"\"annotations\":[{\"@type\":\"type.googleapis.com/c1.connector.v2.GrantExpandable\","
		"\"entitlementIds\":[\"e1\"],\"shallow\":true}]}";
	assert_json(&g.base, want);
	assert_canonical(&c1__connector__v2__grant__descriptor, want);
	/* the writer did not reorder the caller's map */
	assert_string_equal(gs.sources[0]->key, "b");
}

/* ---- well-known types ---- */

static void check_timestamp(int64_t s, int32_t ns, const char *want)
{
	Google__Protobuf__Timestamp t = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
	t.seconds = s;
	t.nanos = ns;
	assert_json(&t.base, want);
	Google__Protobuf__Timestamp *b =
		(Google__Protobuf__Timestamp *)read_json(&google__protobuf__timestamp__descriptor, want);
	assert_int_equal(b->seconds, s);
	assert_int_equal(b->nanos, ns);
}

static void test_timestamp(void **state)
{
	(void)state;
	check_timestamp(0, 0, "\"1970-01-01T00:00:00Z\"");
	check_timestamp(1704164645, 0, "\"2024-01-02T03:04:05Z\"");
	check_timestamp(1704164645, 500000000, "\"2024-01-02T03:04:05.500Z\"");
	check_timestamp(1704164645, 123456000, "\"2024-01-02T03:04:05.123456Z\"");
	check_timestamp(1704164645, 1, "\"2024-01-02T03:04:05.000000001Z\"");
	check_timestamp(-1, 0, "\"1969-12-31T23:59:59Z\"");
	check_timestamp(951782400, 0, "\"2000-02-29T00:00:00Z\"");
	check_timestamp(-62135596800LL, 0, "\"0001-01-01T00:00:00Z\"");
	check_timestamp(253402300799LL, 999999999, "\"9999-12-31T23:59:59.999999999Z\"");
	/* offsets and short fractions are read, then written in UTC */
	Google__Protobuf__Timestamp *t = (Google__Protobuf__Timestamp *)read_json(
		&google__protobuf__timestamp__descriptor, "\"2024-01-02T04:34:05.5+01:30\"");
	assert_int_equal(t->seconds, 1704164645);
	assert_int_equal(t->nanos, 500000000);
	assert_json(&t->base, "\"2024-01-02T03:04:05.500Z\"");
}

static void check_duration(int64_t s, int32_t ns, const char *want)
{
	Google__Protobuf__Duration d = GOOGLE__PROTOBUF__DURATION__INIT;
	d.seconds = s;
	d.nanos = ns;
	assert_json(&d.base, want);
	Google__Protobuf__Duration *b =
		(Google__Protobuf__Duration *)read_json(&google__protobuf__duration__descriptor, want);
	assert_int_equal(b->seconds, s);
	assert_int_equal(b->nanos, ns);
}

static void test_duration(void **state)
{
	(void)state;
	check_duration(0, 0, "\"0s\"");
	check_duration(1, 500000000, "\"1.500s\"");
	check_duration(-1, -500000000, "\"-1.500s\"");
	check_duration(0, -1000, "\"-0.000001s\"");
	check_duration(3, 1, "\"3.000000001s\"");
	check_duration(315576000000LL, 0, "\"315576000000s\"");
	Google__Protobuf__Duration *d = (Google__Protobuf__Duration *)read_json(
		&google__protobuf__duration__descriptor, "\"1.5s\"");
	assert_int_equal(d->seconds, 1);
	assert_int_equal(d->nanos, 500000000);
	d = (Google__Protobuf__Duration *)read_json(&google__protobuf__duration__descriptor, "\"-.25s\"");
	assert_int_equal(d->seconds, 0);
	assert_int_equal(d->nanos, -250000000);
	d = (Google__Protobuf__Duration *)read_json(&google__protobuf__duration__descriptor, "\"+2.s\"");
	assert_int_equal(d->seconds, 2);
	assert_int_equal(d->nanos, 0);
}

static void test_struct_value_list(void **state)
{
	(void)state;
	/* keys come out sorted, nested values keep their kinds */
	ProtobufCMessage *m = read_json(&google__protobuf__struct__descriptor,
		"{\"z\":1,\"a\":[true,null,\"x\",{\"c\":2.5,\"b\":-0.5}],\"m\":{},\"n\":null,\"l\":[]}");
	assert_json(m, "{\"a\":[true,null,\"x\",{\"b\":-0.5,\"c\":2.5}],\"l\":[],\"m\":{},\"n\":null,\"z\":1}");
	assert_canonical(&google__protobuf__value__descriptor, "\"s\"");
	assert_canonical(&google__protobuf__value__descriptor, "null");
	assert_canonical(&google__protobuf__value__descriptor, "[1,{\"k\":[]}]");
	assert_canonical(&google__protobuf__list_value__descriptor, "[1e+21,\"x\",false]");
	Google__Protobuf__Value *v =
		(Google__Protobuf__Value *)read_json(&google__protobuf__value__descriptor, "123");
	assert_int_equal(v->kind_case, GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE);
	assert_true(v->number_value == 123.0);

	/* a Struct field of a real message */
	assert_canonical(&c1__connector__v2__resource__descriptor,
	                 "{\"displayName\":\"x\",\"profile\":{\"a\":\"b\",\"n\":{\"o\":[]}}}");
}

static void test_struct_from_json(void **state)
{
	(void)state;
	Google__Protobuf__Struct *st;
	assert_int_equal(baton__struct_from_json(
		&A, "{\"b\":{\"y\":1,\"x\":2},\"a\":\"s\",\"c\":[{\"q\":1,\"p\":2}]}", &st), 0);
	assert_int_equal(st->n_fields, 3);
	assert_string_equal(st->fields[0]->key, "a");
	assert_string_equal(st->fields[1]->key, "b");
	assert_string_equal(st->fields[2]->key, "c");
	Google__Protobuf__Struct *inner = st->fields[1]->value->struct_value;
	assert_string_equal(inner->fields[0]->key, "x");
	inner = st->fields[2]->value->list_value->values[0]->struct_value;
	assert_string_equal(inner->fields[0]->key, "p");
	assert_json(&st->base, "{\"a\":\"s\",\"b\":{\"x\":2,\"y\":1},\"c\":[{\"p\":2,\"q\":1}]}");

	assert_int_equal(baton__struct_from_json(&A, "[1]", &st), BATON_EINVALID);
	assert_non_null(strstr(baton_error_last()->message, "expected a JSON object, got array"));
	assert_int_equal(baton__struct_from_json(&A, "{\"a\":", &st), BATON_EINVALID);
	assert_non_null(strstr(baton_error_last()->message, "invalid JSON"));
}

static void test_wrappers(void **state)
{
	(void)state;
	assert_canonical(&google__protobuf__bool_value__descriptor, "false");
	assert_canonical(&google__protobuf__int32_value__descriptor, "-3");
	assert_canonical(&google__protobuf__int32_value__descriptor, "0");
	assert_canonical(&google__protobuf__int64_value__descriptor, "\"-9223372036854775808\"");
	assert_canonical(&google__protobuf__uint32_value__descriptor, "4294967295");
	assert_canonical(&google__protobuf__uint64_value__descriptor, "\"18446744073709551615\"");
	assert_canonical(&google__protobuf__float_value__descriptor, "0.25");
	assert_canonical(&google__protobuf__double_value__descriptor, "0.1");
	assert_canonical(&google__protobuf__string_value__descriptor, "\"\\u001f\"");
	assert_canonical(&google__protobuf__bytes_value__descriptor, "\"aGk=\"");
	Google__Protobuf__Int64Value *i = (Google__Protobuf__Int64Value *)read_json(
		&google__protobuf__int64_value__descriptor, "42");
	assert_int_equal(i->value, 42);
	/* integers beyond int64 written as bare numbers (Go prints doubles up to 1e21 that way) */
	Google__Protobuf__Value *v = (Google__Protobuf__Value *)read_json(
		&google__protobuf__value__descriptor, "[\"\\\"99999999999999999999\",-99999999999999999999,1]");
	assert_json(&v->base, "[\"\\\"99999999999999999999\",-100000000000000000000,1]");
	Google__Protobuf__UInt64Value *u = (Google__Protobuf__UInt64Value *)read_json(
		&google__protobuf__uint64_value__descriptor, "9223372036854775808");
	assert_true(u->value == 9223372036854775808ULL);
}

/* -0 keeps its sign (Go writes a negative-zero double as -0 and reads it back): jansson reads the
 * literal -0 as the integer 0, so it once came back as 0 and a write-read-write changed the text. */
static void test_negative_zero(void **state)
{
	(void)state;
	Google__Protobuf__DoubleValue *d = (Google__Protobuf__DoubleValue *)read_json(
		&google__protobuf__double_value__descriptor, "-0");
	assert_true(d->value == 0.0 && signbit(d->value));
	assert_canonical(&google__protobuf__double_value__descriptor, "-0");
	assert_canonical(&google__protobuf__value__descriptor, "-0");
	assert_canonical(&google__protobuf__value__descriptor, "[true,-0,0,\"-0\",{\"a\":-0}]");
	Google__Protobuf__Value *v = (Google__Protobuf__Value *)read_json(
		&google__protobuf__value__descriptor, "[-0.0e6,-0,-0.5,\"x-0\"]");
	assert_json(&v->base, "[-0,-0,-0.5,\"x-0\"]");
	assert_true(signbit(v->list_value->values[1]->number_value));
	/* an integer field still reads -0 as 0; a date's "-0" is left alone */
	Google__Protobuf__Int64Value *i = (Google__Protobuf__Int64Value *)read_json(
		&google__protobuf__int64_value__descriptor, "-0");
	assert_int_equal(i->value, 0);
	assert_canonical(&google__protobuf__timestamp__descriptor, "\"2024-01-02T03:04:05Z\"");
}

static void test_empty_and_field_mask(void **state)
{
	(void)state;
	assert_canonical(&google__protobuf__empty__descriptor, "{}");
	Google__Protobuf__FieldMask fm = GOOGLE__PROTOBUF__FIELD_MASK__INIT;
	char *paths[] = {"display_name", "id.resource_type"};
	fm.n_paths = 2;
	fm.paths = paths;
	assert_json(&fm.base, "\"displayName,id.resourceType\"");
	Google__Protobuf__FieldMask *b = (Google__Protobuf__FieldMask *)read_json(
		&google__protobuf__field_mask__descriptor, "\"displayName,id.resourceType\"");
	assert_int_equal(b->n_paths, 2);
	assert_string_equal(b->paths[1], "id.resource_type");
	char *bad[] = {"Bad_Path"};
	fm.n_paths = 1;
	fm.paths = bad;
	assert_write_fails(&fm.base, BATON_EINVALID, "irreversible");
	/* not a full name (Go refuses these too): what it wrote could not be read back */
	char *invalid[][1] = {{"locatio\""}, {""}, {"a..b"}, {".a"}, {"a."}, {"1a"}, {"a.2b"}, {"a-b"}};
	for (size_t k = 0; k < sizeof invalid / sizeof invalid[0]; k++) {
		fm.paths = invalid[k];
		assert_write_fails(&fm.base, BATON_EINVALID, "contains invalid path");
	}
	char *fine[] = {"a1.b_c", "_x"};
	fm.n_paths = 2;
	fm.paths = fine;
	assert_json(&fm.base, "\"a1.bC,X\"");
}

static void test_any_forms(void **state)
{
	(void)state;
	/* a regular message: its fields inline */
	assert_canonical(&google__protobuf__any__descriptor,
	                 "{\"@type\":\"type.googleapis.com/c1.connector.v2.GrantExpandable\","
	                 "\"entitlementIds\":[\"a\",\"b\"]}");
	/* well-known types inside: "value" holds the special form */
	assert_canonical(&google__protobuf__any__descriptor,
	                 "{\"@type\":\"type.googleapis.com/google.protobuf.Timestamp\","
	                 "\"value\":\"2024-01-02T03:04:05Z\"}");
	assert_canonical(&google__protobuf__any__descriptor,
	                 "{\"@type\":\"type.googleapis.com/google.protobuf.Struct\","
	                 "\"value\":{\"a\":[1,2]}}");
	assert_canonical(&google__protobuf__any__descriptor,
	                 "{\"@type\":\"type.googleapis.com/google.protobuf.Empty\",\"value\":{}}");
	assert_canonical(&google__protobuf__any__descriptor,
	                 "{\"@type\":\"type.googleapis.com/google.protobuf.Duration\",\"value\":\"1.500s\"}");
	assert_canonical(&google__protobuf__any__descriptor,
	                 "{\"@type\":\"type.googleapis.com/google.protobuf.Any\",\"value\":"
	                 "{\"@type\":\"type.googleapis.com/google.protobuf.StringValue\",\"value\":\"x\"}}");
	/* an empty message inside, and the empty Any */
	assert_canonical(&google__protobuf__any__descriptor,
	                 "{\"@type\":\"type.googleapis.com/c1.connector.v2.GrantAlreadyExists\"}");
	assert_canonical(&google__protobuf__any__descriptor, "{}");
	/* the type URL is kept as given; any prefix before the last '/' is accepted */
	assert_canonical(&google__protobuf__any__descriptor,
	                 "{\"@type\":\"example.com/x/c1.connector.v2.GrantExpandable\",\"shallow\":true}");
	/* @type need not come first */
	Google__Protobuf__Any *a = (Google__Protobuf__Any *)read_json(&google__protobuf__any__descriptor,
		"{\"shallow\":true,\"@type\":\"type.googleapis.com/c1.connector.v2.GrantExpandable\"}");
	assert_true(baton__any_is(a, &c1__connector__v2__grant_expandable__descriptor));
	assert_json(&a->base, "{\"@type\":\"type.googleapis.com/c1.connector.v2.GrantExpandable\","
	                      "\"shallow\":true}");
}

static void test_strings(void **state)
{
	(void)state;
	Google__Protobuf__StringValue s = GOOGLE__PROTOBUF__STRING_VALUE__INIT;
	/* no HTML escaping; control characters escaped; DEL and non-ASCII kept */
	s.value = "<a href=\"x\">&</a>\x7f\xe2\x82\xac\xf0\x9f\x98\x80\r\b\f";
	assert_json(&s.base, "\"<a href=\\\"x\\\">&</a>\x7f\xe2\x82\xac\xf0\x9f\x98\x80\\r\\b\\f\"");
	/* invalid UTF-8: each bad byte becomes U+FFFD (Go would refuse the message) */
	s.value = "a\xff" "b\xc3" "c\xed\xa0\x80";
	assert_json(&s.base, "\"a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
	/* escapes read back */
	Google__Protobuf__StringValue *b = (Google__Protobuf__StringValue *)read_json(
		&google__protobuf__string_value__descriptor, "\"\\u00e9\\ud83d\\ude00\\/\"");
	assert_string_equal(b->value, "\xc3\xa9\xf0\x9f\x98\x80/");
}

/* ---- errors ---- */

static void test_read_errors(void **state)
{
	(void)state;
	const ProtobufCMessageDescriptor *res = &c1__connector__v2__resource__descriptor;
	assert_read_fails(res, "{\"id\":{\"resourceType\":\"u\",\"bogus\":1}}", BATON_EINVALID,
	                  "id: unknown field \"bogus\" in c1.connector.v2.ResourceId");
	assert_read_fails(res, "{\"displayName\":true}", BATON_EINVALID,
	                  "displayName: expected string, got boolean");
	assert_read_fails(res,
		"{\"annotations\":[{\"@type\":\"type.googleapis.com/c1.connector.v2.UserTrait\","
		"\"emails\":[{\"address\":\"a\"},{\"address\":5}]}]}",
		BATON_EINVALID, "annotations[0].emails[1].address: expected string, got number");
	assert_read_fails(res, "{\"annotations\":[{\"@type\":\"type.googleapis.com/foo.Bar\"}]}",
	                  BATON_EUNIMPLEMENTED, "annotations[0]: google.protobuf.Any: unknown message type "
	                  "\"type.googleapis.com/foo.Bar\"");
	assert_read_fails(res, "{\"annotations\":[{\"shallow\":true}]}", BATON_EINVALID,
	                  "annotations[0]: google.protobuf.Any: missing \"@type\"");
	assert_read_fails(res, "{\"displayName\":", BATON_EINVALID, "invalid JSON at line 1");
	assert_read_fails(res, "[]", BATON_EINVALID, "expected object, got array");
	assert_read_fails(res, "{\"displayName\":\"a\",\"displayName\":\"b\"}", BATON_EINVALID,
	                  "duplicate object key");
	assert_read_fails(res, "{\"displayName\":\"a\",\"display_name\":\"b\"}", BATON_EINVALID,
	                  "duplicate field \"display_name\" in c1.connector.v2.Resource");
	assert_read_fails(res, "{\"createdAt\":\"2024-13-01T00:00:00Z\"}", BATON_EINVALID,
	                  "createdAt: invalid google.protobuf.Timestamp value \"2024-13-01T00:00:00Z\"");
	assert_read_fails(res, "{\"createdAt\":\"2024-01-01 00:00:00\"}", BATON_EINVALID,
	                  "invalid google.protobuf.Timestamp value");
	assert_read_fails(res, "{\"createdAt\":\"2024-01-01T00:00:00.1234567890Z\"}", BATON_EINVALID,
	                  "invalid google.protobuf.Timestamp value");
	assert_read_fails(res, "{\"createdAt\":1}", BATON_EINVALID,
	                  "createdAt: expected RFC 3339 timestamp string, got number");
	assert_read_fails(res, "{\"creationSource\":\"NOPE\"}", BATON_EINVALID,
	                  "creationSource: invalid value for enum c1.connector.v2.Resource.CreationSource: \"NOPE\"");
	assert_read_fails(res, "{\"displayName\":\"a\",\"x\":123456789012345678901234567890}",
	                  BATON_EINVALID, "unknown field \"x\"");
	assert_read_fails(&google__protobuf__bytes_value__descriptor, "\"@@@@\"", BATON_EINVALID,
	                  "invalid base64");
	assert_read_fails(&google__protobuf__bytes_value__descriptor, "\"abcde\"", BATON_EINVALID,
	                  "invalid base64");
	assert_read_fails(&google__protobuf__bytes_value__descriptor, "\"a+b-\"", BATON_EINVALID,
	                  "invalid base64");
	assert_read_fails(&google__protobuf__int32_value__descriptor, "3000000000", BATON_EINVALID,
	                  "out of range");
	assert_read_fails(&google__protobuf__int32_value__descriptor, "1.5", BATON_EINVALID,
	                  "invalid integer");
	assert_read_fails(&google__protobuf__uint64_value__descriptor, "\"-1\"", BATON_EINVALID,
	                  "out of range");
	assert_read_fails(&google__protobuf__int64_value__descriptor, "\" 1\"", BATON_EINVALID,
	                  "invalid integer");
	assert_read_fails(&google__protobuf__float_value__descriptor, "1e39", BATON_EINVALID,
	                  "out of range for float");
	assert_read_fails(&google__protobuf__bool_value__descriptor, "\"true\"", BATON_EINVALID,
	                  "expected boolean, got string");
	assert_read_fails(&google__protobuf__duration__descriptor, "\"1.5\"", BATON_EINVALID,
	                  "invalid google.protobuf.Duration value \"1.5\"");
	assert_read_fails(&google__protobuf__duration__descriptor, "\"01s\"", BATON_EINVALID,
	                  "invalid google.protobuf.Duration");
	assert_read_fails(&google__protobuf__duration__descriptor, "\"315576000001s\"", BATON_EINVALID,
	                  "invalid google.protobuf.Duration");
	assert_read_fails(&google__protobuf__empty__descriptor, "{\"x\":1}", BATON_EINVALID,
	                  "unknown field \"x\" in google.protobuf.Empty");
	assert_read_fails(&google__protobuf__any__descriptor,
	                  "{\"@type\":\"type.googleapis.com/google.protobuf.Timestamp\",\"seconds\":1}",
	                  BATON_EINVALID, "unknown field \"seconds\"");
	assert_read_fails(&google__protobuf__any__descriptor,
	                  "{\"@type\":\"type.googleapis.com/google.protobuf.Timestamp\"}",
	                  BATON_EINVALID, "missing \"value\"");
	assert_read_fails(&c1__connector__v2__grant__descriptor,
	                  "{\"sources\":{\"sources\":{\"k\":{\"isDirect\":1}}}}", BATON_EINVALID,
	                  "sources.sources[\"k\"].isDirect: expected boolean, got number");
	assert_read_fails(&c1__connector__v2__grant__descriptor,
	                  "{\"sources\":{\"sources\":{\"k\":null}}}", BATON_EINVALID,
	                  "sources.sources[\"k\"]: expected a value, got null");
	assert_read_fails(&c1__connector__v2__resource_type__descriptor, "{\"traits\":[null]}",
	                  BATON_EINVALID, "traits[0]: expected enum name or number, got null");

	assert_read_fails(&test_all_desc, "{\"oStr\":\"a\",\"oMsg\":{}}", BATON_EINVALID,
	                  "same oneof");
	assert_read_fails(&test_all_desc, "{\"intMap\":{\"x\":\"a\"}}", BATON_EINVALID,
	                  "intMap[x]: invalid integer map key \"x\"");
	assert_read_fails(&test_all_desc, "{\"boolMap\":{\"yes\":1}}", BATON_EINVALID,
	                  "invalid boolean map key \"yes\"");
}

static void test_write_errors(void **state)
{
	(void)state;
	Google__Protobuf__Any any = GOOGLE__PROTOBUF__ANY__INIT;
	any.type_url = "type.googleapis.com/foo.Bar";
	assert_write_fails(&any.base, BATON_EUNIMPLEMENTED, "unknown message type \"type.googleapis.com/foo.Bar\"");

	uint8_t junk[] = {0xff, 0xff, 0xff};
	any.type_url = "type.googleapis.com/c1.connector.v2.UserTrait";
	any.value.data = junk;
	any.value.len = sizeof junk;
	assert_write_fails(&any.base, BATON_EDATALOSS, "cannot decode");

	any.type_url = "";
	assert_write_fails(&any.base, BATON_EINVALID, "type_url is not set");

	Google__Protobuf__Timestamp t = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
	t.seconds = 253402300800LL;
	assert_write_fails(&t.base, BATON_EINVALID, "out of range");
	t.seconds = 0;
	t.nanos = -1;
	assert_write_fails(&t.base, BATON_EINVALID, "nanos -1 out of range");

	Google__Protobuf__Duration d = GOOGLE__PROTOBUF__DURATION__INIT;
	d.seconds = 1;
	d.nanos = -1;
	assert_write_fails(&d.base, BATON_EINVALID, "different signs");

	/* errors name the path */
	C1__Connector__V2__Resource r = C1__CONNECTOR__V2__RESOURCE__INIT;
	Google__Protobuf__Struct st = GOOGLE__PROTOBUF__STRUCT__INIT;
	Google__Protobuf__Struct__FieldsEntry e = GOOGLE__PROTOBUF__STRUCT__FIELDS_ENTRY__INIT;
	Google__Protobuf__Struct__FieldsEntry *es[] = {&e};
	Google__Protobuf__Value v = GOOGLE__PROTOBUF__VALUE__INIT;
	e.key = "k";
	e.value = &v;
	st.n_fields = 1;
	st.fields = es;
	r.profile = &st;
	assert_write_fails(&r.base, BATON_EINVALID,
	                   "profile[\"k\"]: google.protobuf.Value: none of the oneof fields is set");
	v.kind_case = GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE;
	v.number_value = NAN;
	assert_write_fails(&r.base, BATON_EINVALID, "invalid number");
}

int main(void)
{
	test_all_setup();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_all_types_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_all_types_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_all_types_unpopulated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_all_types_read_forms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_multiline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_duplicate_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_float_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resource_with_user_trait, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connector_capabilities, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grant_declaration_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timestamp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duration, setup, teardown),
		cmocka_unit_test_setup_teardown(test_struct_value_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_struct_from_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrappers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_negative_zero, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_and_field_mask, setup, teardown),
		cmocka_unit_test_setup_teardown(test_any_forms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_strings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_errors, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
