/*
 * A hand-written protobuf-c message type with a field of every scalar kind, repeated fields, two
 * maps, a synthetic oneof (proto3 `optional`), a real oneof and nested messages: our schema has
 * no sint/fixed fields, so the generic protojson and packing code is exercised through this.
 *
 *   message test.AllTypes {
 *     int32 f_int32 = 1; sint32 f_sint32 = 2; sfixed32 f_sfixed32 = 3; uint32 f_uint32 = 4;
 *     fixed32 f_fixed32 = 5; int64 f_int64 = 6; sint64 f_sint64 = 7; sfixed64 f_sfixed64 = 8;
 *     uint64 f_uint64 = 9; fixed64 f_fixed64 = 10; float f_float = 11; double f_double = 12;
 *     bool f_bool = 13; c1.connector.v2.ResourceType.Trait f_enum = 14; string f_string = 15;
 *     bytes f_bytes = 16; repeated int32 r_int32 = 17; repeated string r_string = 18;
 *     repeated AllTypes r_msg = 19; map<sint64, string> int_map = 20;
 *     map<bool, int32> bool_map = 21; AllTypes child = 22; optional int32 opt = 23;
 *     oneof choice { string o_str = 24; AllTypes o_msg = 25; }
 *     repeated float r_float = 26; repeated ResourceType.Trait r_enum = 27;
 *     google.protobuf.Timestamp ts = 28;
 *   }
 *
 * Included by one test file only (static data).
 */
#ifndef TEST_PROTO_ALLTYPES_H
#define TEST_PROTO_ALLTYPES_H

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <protobuf-c/protobuf-c.h>

#include "c1/connector/v2/resource.pb-c.h"
#include "google/protobuf/timestamp.pb-c.h"

typedef struct TestIntMapEntry {
	ProtobufCMessage base;
	int64_t key;
	char *value;
} TestIntMapEntry;

typedef struct TestBoolMapEntry {
	ProtobufCMessage base;
	protobuf_c_boolean key;
	int32_t value;
} TestBoolMapEntry;

typedef struct TestAll TestAll;
struct TestAll {
	ProtobufCMessage base;
	int32_t f_int32, f_sint32, f_sfixed32;
	uint32_t f_uint32, f_fixed32;
	int64_t f_int64, f_sint64, f_sfixed64;
	uint64_t f_uint64, f_fixed64;
	float f_float;
	double f_double;
	protobuf_c_boolean f_bool;
	int f_enum;
	char *f_string;
	ProtobufCBinaryData f_bytes;
	size_t n_r_int32;
	int32_t *r_int32;
	size_t n_r_string;
	char **r_string;
	size_t n_r_msg;
	TestAll **r_msg;
	size_t n_int_map;
	TestIntMapEntry **int_map;
	size_t n_bool_map;
	TestBoolMapEntry **bool_map;
	TestAll *child;
	uint32_t _opt_case;
	int32_t opt;
	uint32_t choice_case;
	union {
		char *o_str;
		TestAll *o_msg;
	};
	size_t n_r_float;
	float *r_float;
	size_t n_r_enum;
	int *r_enum;
	Google__Protobuf__Timestamp *ts;
};

static ProtobufCMessageDescriptor test_all_desc;
static ProtobufCMessageDescriptor test_int_map_entry_desc;
static ProtobufCMessageDescriptor test_bool_map_entry_desc;

static void test_all_init(ProtobufCMessage *m)
{
	TestAll *t = (TestAll *)m;
	memset(t, 0, sizeof *t);
	t->base.descriptor = &test_all_desc;
	t->f_string = (char *)protobuf_c_empty_string;
}

static void test_int_map_entry_init(ProtobufCMessage *m)
{
	TestIntMapEntry *e = (TestIntMapEntry *)m;
	memset(e, 0, sizeof *e);
	e->base.descriptor = &test_int_map_entry_desc;
	e->value = (char *)protobuf_c_empty_string;
}

static void test_bool_map_entry_init(ProtobufCMessage *m)
{
	memset(m, 0, sizeof(TestBoolMapEntry));
	m->descriptor = &test_bool_map_entry_desc;
}

#define TA_FIELD(name, id, label, type, q, member, desc, def, flags) \
	{name, id, label, type, q, offsetof(TestAll, member), desc, def, flags, 0, NULL, NULL}
#define TA_PLAIN(name, id, type, member) \
	TA_FIELD(name, id, PROTOBUF_C_LABEL_NONE, type, 0, member, NULL, NULL, 0)
#define TA_REP(name, id, type, member, desc) \
	TA_FIELD(name, id, PROTOBUF_C_LABEL_REPEATED, type, offsetof(TestAll, n_##member), member, \
	         desc, NULL, 0)

static ProtobufCFieldDescriptor test_all_fields[] = {
	TA_PLAIN("f_int32", 1, PROTOBUF_C_TYPE_INT32, f_int32),
	TA_PLAIN("f_sint32", 2, PROTOBUF_C_TYPE_SINT32, f_sint32),
	TA_PLAIN("f_sfixed32", 3, PROTOBUF_C_TYPE_SFIXED32, f_sfixed32),
	TA_PLAIN("f_uint32", 4, PROTOBUF_C_TYPE_UINT32, f_uint32),
	TA_PLAIN("f_fixed32", 5, PROTOBUF_C_TYPE_FIXED32, f_fixed32),
	TA_PLAIN("f_int64", 6, PROTOBUF_C_TYPE_INT64, f_int64),
	TA_PLAIN("f_sint64", 7, PROTOBUF_C_TYPE_SINT64, f_sint64),
	TA_PLAIN("f_sfixed64", 8, PROTOBUF_C_TYPE_SFIXED64, f_sfixed64),
	TA_PLAIN("f_uint64", 9, PROTOBUF_C_TYPE_UINT64, f_uint64),
	TA_PLAIN("f_fixed64", 10, PROTOBUF_C_TYPE_FIXED64, f_fixed64),
	TA_PLAIN("f_float", 11, PROTOBUF_C_TYPE_FLOAT, f_float),
	TA_PLAIN("f_double", 12, PROTOBUF_C_TYPE_DOUBLE, f_double),
	TA_PLAIN("f_bool", 13, PROTOBUF_C_TYPE_BOOL, f_bool),
	TA_FIELD("f_enum", 14, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_ENUM, 0, f_enum,
	         &c1__connector__v2__resource_type__trait__descriptor, NULL, 0),
	TA_FIELD("f_string", 15, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_STRING, 0, f_string, NULL,
	         &protobuf_c_empty_string, 0),
	TA_PLAIN("f_bytes", 16, PROTOBUF_C_TYPE_BYTES, f_bytes),
	TA_REP("r_int32", 17, PROTOBUF_C_TYPE_INT32, r_int32, NULL),
	TA_REP("r_string", 18, PROTOBUF_C_TYPE_STRING, r_string, NULL),
	TA_REP("r_msg", 19, PROTOBUF_C_TYPE_MESSAGE, r_msg, &test_all_desc),
	TA_REP("int_map", 20, PROTOBUF_C_TYPE_MESSAGE, int_map, &test_int_map_entry_desc),
	TA_REP("bool_map", 21, PROTOBUF_C_TYPE_MESSAGE, bool_map, &test_bool_map_entry_desc),
	TA_FIELD("child", 22, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_MESSAGE, 0, child, &test_all_desc,
	         NULL, 0),
	TA_FIELD("opt", 23, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_INT32, offsetof(TestAll, _opt_case),
	         opt, NULL, NULL, PROTOBUF_C_FIELD_FLAG_ONEOF),
	TA_FIELD("o_str", 24, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_STRING,
	         offsetof(TestAll, choice_case), o_str, NULL, &protobuf_c_empty_string,
	         PROTOBUF_C_FIELD_FLAG_ONEOF),
	TA_FIELD("o_msg", 25, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_MESSAGE,
	         offsetof(TestAll, choice_case), o_msg, &test_all_desc, NULL,
	         PROTOBUF_C_FIELD_FLAG_ONEOF),
	TA_FIELD("r_float", 26, PROTOBUF_C_LABEL_REPEATED, PROTOBUF_C_TYPE_FLOAT,
	         offsetof(TestAll, n_r_float), r_float, NULL, NULL, PROTOBUF_C_FIELD_FLAG_PACKED),
	TA_FIELD("r_enum", 27, PROTOBUF_C_LABEL_REPEATED, PROTOBUF_C_TYPE_ENUM,
	         offsetof(TestAll, n_r_enum), r_enum,
	         &c1__connector__v2__resource_type__trait__descriptor, NULL, PROTOBUF_C_FIELD_FLAG_PACKED),
	TA_FIELD("ts", 28, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_MESSAGE, 0, ts,
	         &google__protobuf__timestamp__descriptor, NULL, 0),
};
#define TEST_ALL_NFIELDS (sizeof test_all_fields / sizeof test_all_fields[0])

static unsigned test_all_by_name[TEST_ALL_NFIELDS];
static const ProtobufCIntRange test_all_ranges[] = {{1, 0}, {0, TEST_ALL_NFIELDS}};

static ProtobufCFieldDescriptor test_int_map_entry_fields[] = {
	{"key", 1, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_SINT64, 0, offsetof(TestIntMapEntry, key),
	 NULL, NULL, 0, 0, NULL, NULL},
	{"value", 2, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_STRING, 0, offsetof(TestIntMapEntry, value),
	 NULL, &protobuf_c_empty_string, 0, 0, NULL, NULL},
};
static ProtobufCFieldDescriptor test_bool_map_entry_fields[] = {
	{"key", 1, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_BOOL, 0, offsetof(TestBoolMapEntry, key),
	 NULL, NULL, 0, 0, NULL, NULL},
	{"value", 2, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_INT32, 0, offsetof(TestBoolMapEntry, value),
	 NULL, NULL, 0, 0, NULL, NULL},
};
static const unsigned test_entry_by_name[] = {0, 1};
static const ProtobufCIntRange test_entry_ranges[] = {{1, 0}, {0, 2}};

static ProtobufCMessageDescriptor test_all_desc = {
	PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC, "test.AllTypes", "AllTypes", "TestAll", "test",
	sizeof(TestAll), TEST_ALL_NFIELDS, test_all_fields, test_all_by_name,
	1, test_all_ranges, test_all_init, NULL, NULL, NULL};
static ProtobufCMessageDescriptor test_int_map_entry_desc = {
	PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC, "test.AllTypes.IntMapEntry", "IntMapEntry",
	"TestIntMapEntry", "test", sizeof(TestIntMapEntry), 2, test_int_map_entry_fields,
	test_entry_by_name, 1, test_entry_ranges, test_int_map_entry_init, NULL, NULL, NULL};
static ProtobufCMessageDescriptor test_bool_map_entry_desc = {
	PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC, "test.AllTypes.BoolMapEntry", "BoolMapEntry",
	"TestBoolMapEntry", "test", sizeof(TestBoolMapEntry), 2, test_bool_map_entry_fields,
	test_entry_by_name, 1, test_entry_ranges, test_bool_map_entry_init, NULL, NULL, NULL};

static int test_all_name_cmp(const void *a, const void *b)
{
	return strcmp(test_all_fields[*(const unsigned *)a].name,
	              test_all_fields[*(const unsigned *)b].name);
}

/* Fills the by-name index protobuf-c uses for lookups by field name. Call once before use. */
static void test_all_setup(void)
{
	for (unsigned i = 0; i < TEST_ALL_NFIELDS; i++)
		test_all_by_name[i] = i;
	qsort(test_all_by_name, TEST_ALL_NFIELDS, sizeof test_all_by_name[0], test_all_name_cmp);
}

#endif
