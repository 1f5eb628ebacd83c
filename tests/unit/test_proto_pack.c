/* Deterministic packing and google.protobuf.Any. */
#include "testutil.h"

#include <string.h>

#include "baton/common.h"
#include "c1/connector/v2/annotation_grant.pb-c.h"
#include "c1/connector/v2/annotation_trait.pb-c.h"
#include "c1/connector/v2/grant.pb-c.h"
#include "core/arena.h"
#include "google/protobuf/any.pb-c.h"
#include "google/protobuf/struct.pb-c.h"
#include "proto/any.h"

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

typedef C1__Connector__V2__GrantSources__SourcesEntry SourcesEntry;
typedef C1__Connector__V2__GrantSources__GrantSource GrantSource;

static SourcesEntry *source(const char *key, int direct)
{
	SourcesEntry *e = baton_arena_alloc(&A, sizeof *e);
	GrantSource *s = baton_arena_alloc(&A, sizeof *s);
	c1__connector__v2__grant_sources__sources_entry__init(e);
	c1__connector__v2__grant_sources__grant_source__init(s);
	s->is_direct = direct;
	e->key = (char *)key;
	e->value = s;
	return e;
}

/* protobuf_c_message_pack on its own (keeps array order), into the arena. */
static uint8_t *plain_pack(const ProtobufCMessage *m, size_t *len)
{
	*len = protobuf_c_message_get_packed_size(m);
	uint8_t *buf = baton_arena_alloc(&A, *len + 1);
	assert_int_equal(protobuf_c_message_pack(m, buf), *len);
	return buf;
}

static void test_grant_sources_sorted(void **state)
{
	(void)state;
	SourcesEntry *unsorted[] = {source("ent:c", 1), source("ent:a", 0), source("ent:B", 1),
	                            source("ent:b", 0), source("", 1)};
	SourcesEntry *sorted[] = {unsorted[4], unsorted[2], unsorted[1], unsorted[3], unsorted[0]};
	C1__Connector__V2__GrantSources gs = C1__CONNECTOR__V2__GRANT_SOURCES__INIT;
	gs.n_sources = 5;
	gs.sources = sorted;
	size_t want_len;
	uint8_t *want = plain_pack(&gs.base, &want_len);

	gs.sources = unsorted;
	size_t plain_len;
	uint8_t *plain = plain_pack(&gs.base, &plain_len);
	assert_int_equal(plain_len, want_len);
	assert_true(memcmp(plain, want, want_len) != 0); /* order matters on the wire */

	uint8_t *data;
	size_t len;
	assert_int_equal(baton__pb_pack(&A, &gs.base, &data, &len), 0);
	assert_int_equal(len, want_len);
	assert_memory_equal(data, want, len);
	/* the caller's array is untouched */
	assert_string_equal(gs.sources[0]->key, "ent:c");

	/* nested inside a Grant (copy-on-write through the parent) */
	C1__Connector__V2__Grant g = C1__CONNECTOR__V2__GRANT__INIT, g2 = C1__CONNECTOR__V2__GRANT__INIT;
	C1__Connector__V2__GrantSources gs2 = C1__CONNECTOR__V2__GRANT_SOURCES__INIT;
	gs2.n_sources = 5;
	gs2.sources = sorted;
	g.id = g2.id = "g";
	g.sources = &gs;
	g2.sources = &gs2;
	uint8_t *d2;
	size_t l2;
	want = plain_pack(&g2.base, &want_len);
	assert_int_equal(baton__pb_pack(&A, &g.base, &d2, &l2), 0);
	assert_int_equal(l2, want_len);
	assert_memory_equal(d2, want, l2);
	assert_ptr_equal(g.sources, &gs);
	assert_ptr_equal(gs.sources, unsorted);

	/* in-place sort */
	assert_int_equal(baton__pb_sort_maps(&g.base), 0);
	assert_string_equal(gs.sources[0]->key, "");
	assert_string_equal(gs.sources[1]->key, "ent:B");
	assert_string_equal(gs.sources[4]->key, "ent:c");
	size_t l3;
	uint8_t *d3 = plain_pack(&g.base, &l3);
	assert_memory_equal(d3, want, l3);
}

static Google__Protobuf__Struct__FieldsEntry *field(const char *key, Google__Protobuf__Value *v)
{
	Google__Protobuf__Struct__FieldsEntry *e = baton_arena_alloc(&A, sizeof *e);
	google__protobuf__struct__fields_entry__init(e);
	e->key = (char *)key;
	e->value = v;
	return e;
}

static Google__Protobuf__Value *num(double d)
{
	Google__Protobuf__Value *v = baton_arena_alloc(&A, sizeof *v);
	google__protobuf__value__init(v);
	v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE;
	v->number_value = d;
	return v;
}

static Google__Protobuf__Value *obj(Google__Protobuf__Struct *s)
{
	Google__Protobuf__Value *v = baton_arena_alloc(&A, sizeof *v);
	google__protobuf__value__init(v);
	v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE;
	v->struct_value = s;
	return v;
}

static void test_struct_fields_sorted(void **state)
{
	(void)state;
	/* {"z": 1, "a": {"y": 2, "b": 3}} built out of order, vs. the same built in order */
	Google__Protobuf__Struct inner = GOOGLE__PROTOBUF__STRUCT__INIT, outer = GOOGLE__PROTOBUF__STRUCT__INIT;
	Google__Protobuf__Struct__FieldsEntry *in_f[] = {field("y", num(2)), field("b", num(3))};
	Google__Protobuf__Struct__FieldsEntry *out_f[] = {field("z", num(1)), field("a", obj(&inner))};
	inner.n_fields = 2;
	inner.fields = in_f;
	outer.n_fields = 2;
	outer.fields = out_f;

	Google__Protobuf__Struct inner2 = GOOGLE__PROTOBUF__STRUCT__INIT, outer2 = GOOGLE__PROTOBUF__STRUCT__INIT;
	Google__Protobuf__Struct__FieldsEntry *in2[] = {in_f[1], in_f[0]};
	Google__Protobuf__Struct__FieldsEntry *out2[] = {field("a", obj(&inner2)), out_f[0]};
	inner2.n_fields = 2;
	inner2.fields = in2;
	outer2.n_fields = 2;
	outer2.fields = out2;

	size_t want_len, len;
	uint8_t *want = plain_pack(&outer2.base, &want_len), *data;
	assert_int_equal(baton__pb_pack(&A, &outer.base, &data, &len), 0);
	assert_int_equal(len, want_len);
	assert_memory_equal(data, want, len);
	assert_string_equal(outer.fields[0]->key, "z");
	assert_string_equal(inner.fields[0]->key, "y");

	/* packing the same thing twice gives the same bytes; Any carries them */
	Google__Protobuf__Any *any;
	assert_int_equal(baton__any_pack(&A, &outer.base, &any), 0);
	assert_string_equal(any->type_url, "type.googleapis.com/google.protobuf.Struct");
	assert_int_equal(any->value.len, want_len);
	assert_memory_equal(any->value.data, want, want_len);
}

static void test_any_roundtrip(void **state)
{
	(void)state;
	C1__Connector__V2__GrantExpandable ge = C1__CONNECTOR__V2__GRANT_EXPANDABLE__INIT;
	char *ids[] = {"e1", "e2"};
	ge.n_entitlement_ids = 2;
	ge.entitlement_ids = ids;
	ge.shallow = 1;

	Google__Protobuf__Any any;
	assert_int_equal(baton__any_pack_into(&A, &ge.base, &any), 0);
	assert_string_equal(any.type_url, "type.googleapis.com/c1.connector.v2.GrantExpandable");
	assert_true(baton__any_is(&any, &c1__connector__v2__grant_expandable__descriptor));
	assert_false(baton__any_is(&any, &c1__connector__v2__user_trait__descriptor));
	assert_false(baton__any_is(NULL, &c1__connector__v2__user_trait__descriptor));

	ProtobufCMessage *m;
	assert_int_equal(baton__any_unpack(&A, &any, &c1__connector__v2__grant_expandable__descriptor, &m), 0);
	C1__Connector__V2__GrantExpandable *back = (C1__Connector__V2__GrantExpandable *)m;
	assert_int_equal(back->n_entitlement_ids, 2);
	assert_string_equal(back->entitlement_ids[1], "e2");
	assert_true(back->shallow);

	baton_error_clear();
	assert_int_equal(baton__any_unpack(&A, &any, &c1__connector__v2__user_trait__descriptor, &m),
	                 BATON_EINVALID);
	assert_null(m);
	assert_non_null(strstr(baton_error_last()->message, "c1.connector.v2.GrantExpandable"));

	uint8_t junk[] = {0x0a, 0x05, 'a'};
	any.value.data = junk;
	any.value.len = sizeof junk;
	assert_int_equal(baton__any_unpack(&A, &any, &c1__connector__v2__grant_expandable__descriptor, &m),
	                 BATON_EDATALOSS);
	assert_non_null(strstr(baton_error_last()->message, "cannot decode c1.connector.v2.GrantExpandable"));

	/* an empty message packs to zero bytes, still with a valid pointer */
	C1__Connector__V2__GrantAlreadyExists empty = C1__CONNECTOR__V2__GRANT_ALREADY_EXISTS__INIT;
	Google__Protobuf__Any *a2;
	assert_int_equal(baton__any_pack(&A, &empty.base, &a2), 0);
	assert_int_equal(a2->value.len, 0);
	assert_non_null(a2->value.data);
}

/* Unpacks `data` as `desc`: the return code (the message, on success, in *out). */
static int unpack(const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t len, ProtobufCMessage **out)
{
	baton_error_clear();
	return baton__pb_unpack(&A, desc, data, len, out);
}

/*
 * A key written in two or more bytes can say field number 0, which protobuf-c takes (it checks
 * the first byte only) and keeps as an unknown field that it packs back as a key it refuses: it
 * is refused on unpack, at any depth, in a plain, repeated or oneof field.
 */
static void test_field_number_zero(void **state)
{
	(void)state;
	ProtobufCMessage *m;
	/* top level: key 0x80 0x00 (field 0, varint) = 0 */
	const uint8_t top[] = {0x80, 0x00, 0x00};
	assert_int_equal(unpack(&c1__connector__v2__grant__descriptor, top, sizeof top, &m), BATON_EDATALOSS);
	assert_null(m);
	assert_non_null(strstr(baton_error_last()->message, "cannot decode c1.connector.v2.Grant: a field number is 0"));
	/* in the entitlement (field 1): key 0x85 0x00 (field 0, fixed32) */
	const uint8_t nested[] = {0x0a, 0x06, 0x85, 0x00, 0x01, 0x02, 0x03, 0x04};
	assert_int_equal(unpack(&c1__connector__v2__grant__descriptor, nested, sizeof nested, &m), BATON_EDATALOSS);
	assert_non_null(strstr(baton_error_last()->message, "c1.connector.v2.Grant"));
	/* in a Struct's map entry (a repeated message) */
	const uint8_t entry[] = {0x0a, 0x06, 0x0a, 0x01, 'a', 0x80, 0x00, 0x00};
	assert_int_equal(unpack(&google__protobuf__struct__descriptor, entry, sizeof entry, &m), BATON_EDATALOSS);
	/* in a Value's struct_value (a oneof member, field 5) */
	const uint8_t oneof[] = {0x2a, 0x03, 0x80, 0x00, 0x00};
	assert_int_equal(unpack(&google__protobuf__value__descriptor, oneof, sizeof oneof, &m), BATON_EDATALOSS);
	/* the same places with field number 15 instead: an unknown field, kept, and packed back as read */
	const uint8_t fine[] = {0x2a, 0x02, 0x78, 0x00};
	assert_int_equal(unpack(&google__protobuf__value__descriptor, fine, sizeof fine, &m), 0);
	uint8_t *back;
	size_t back_len;
	assert_int_equal(baton__pb_pack(&A, m, &back, &back_len), 0);
	assert_int_equal(back_len, sizeof fine);
	assert_memory_equal(back, fine, sizeof fine);
	const uint8_t fine_entry[] = {0x0a, 0x05, 0x0a, 0x01, 'a', 0x78, 0x00};
	assert_int_equal(unpack(&google__protobuf__struct__descriptor, fine_entry, sizeof fine_entry, &m), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_grant_sources_sorted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_struct_fields_sorted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_any_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_field_number_zero, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
