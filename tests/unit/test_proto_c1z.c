/*
 * protojson and deterministic packing against real data: every row of the Go SDK's test c1z files
 * goes bytes -> message -> JSON -> message -> bytes and must come back equal; rows without maps
 * must pack to exactly the bytes Go wrote.
 */
#include "testutil.h"

#include <string.h>

#include "baton/common.h"
#include "c1z_raw.h"
#include "c1/connector/v2/entitlement.pb-c.h"
#include "c1/connector/v2/grant.pb-c.h"
#include "c1/connector/v2/resource.pb-c.h"
#include "core/arena.h"
#include "google/protobuf/any.pb-c.h"
#include "proto/any.h"
#include "proto/pbutil.h"
#include "proto/protojson.h"
#include "proto/registry.h"

typedef struct walk {
	const ProtobufCMessageDescriptor *desc;
	baton_arena arena;
	size_t rows, identical, with_maps, annotations;
} walk;

/* Whether the message has a map with two or more entries anywhere, inside Any values too: there
 * Go's (non-deterministic) order and ours may differ. */
static bool has_map(baton_arena *a, const ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	if (d == &google__protobuf__any__descriptor) {
		const Google__Protobuf__Any *any = (const Google__Protobuf__Any *)m;
		const ProtobufCMessageDescriptor *inner = baton__registry_find_url(any->type_url);
		ProtobufCMessage *im;
		assert_non_null(inner);
		assert_int_equal(baton__pb_unpack(a, inner, any->value.data, any->value.len, &im), 0);
		return has_map(a, im);
	}
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (f->type != PROTOBUF_C_TYPE_MESSAGE || !baton__pb_has(m, f))
			continue;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			if (baton__pb_is_map(d, f) && baton__pb_count(m, f) > 1)
				return true;
			ProtobufCMessage **arr = *(ProtobufCMessage ***)baton__pb_member(m, f);
			for (size_t j = 0; j < baton__pb_count(m, f); j++)
				if (has_map(a, arr[j]))
					return true;
		} else if (has_map(a, *(ProtobufCMessage **)baton__pb_member(m, f))) {
			return true;
		}
	}
	return false;
}

static int check_row(int64_t id, const uint8_t *data, size_t len, void *userdata)
{
	walk *w = userdata;
	baton_arena *a = &w->arena;
	ProtobufCMessage *m, *back;
	char *json;
	size_t jlen;
	uint8_t *p1, *p2;
	size_t l1, l2;

	baton_arena_reset(a);
	if (baton__pb_unpack(a, w->desc, data, len, &m) != 0)
		fail_msg("row %lld: %s", (long long)id, baton_error_last()->message);
	if (baton__protojson_write(a, m, NULL, &json, &jlen) != 0)
		fail_msg("row %lld: write: %s", (long long)id, baton_error_last()->message);
	if (baton__protojson_read(a, w->desc, json, jlen, &back) != 0)
		fail_msg("row %lld: read: %s\n%s", (long long)id, baton_error_last()->message, json);
	/* The JSON is canonical (maps sorted, also inside Any): equal JSON, equal messages. */
	char *json2;
	assert_int_equal(baton__protojson_write(a, back, NULL, &json2, NULL), 0);
	assert_string_equal(json, json2);
	/* Go's bytes and ours, for the original and the round-tripped message */
	assert_int_equal(baton__pb_pack(a, m, &p1, &l1), 0);
	assert_int_equal(baton__pb_pack(a, back, &p2, &l2), 0);

	w->rows++;
	if (strstr(json, "\"@type\""))
		w->annotations++;
	if (has_map(a, m)) {
		w->with_maps++;
	} else {
		if (l1 != len || memcmp(p1, data, len) != 0)
			fail_msg("row %lld: packing differs from the Go bytes (%zu vs %zu bytes)", (long long)id,
			         l1, len);
		if (l2 != len || memcmp(p2, data, len) != 0)
			fail_msg("row %lld: JSON round trip changed the message:\n%s", (long long)id, json);
		w->identical++;
	}
	return 0;
}

static void check_file(const char *rel)
{
	static const struct {
		const char *table;
		const ProtobufCMessageDescriptor *desc;
	} tables[] = {
		{"v1_resource_types", &c1__connector__v2__resource_type__descriptor},
		{"v1_resources", &c1__connector__v2__resource__descriptor},
		{"v1_entitlements", &c1__connector__v2__entitlement__descriptor},
		{"v1_grants", &c1__connector__v2__grant__descriptor},
	};
	c1z_raw *raw = c1z_raw_open(test_data_path(rel));
	for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
		walk w;
		memset(&w, 0, sizeof w);
		w.desc = tables[i].desc;
		baton_arena_init(&w.arena);
		int rc = c1z_raw_each_blob(raw, tables[i].table, check_row, &w);
		baton_arena_release(&w.arena);
		assert_int_equal(rc, 0);
		assert_int_equal(w.rows, (size_t)c1z_raw_count(raw, tables[i].table));
		assert_true(w.rows > 0);
		print_message("%s %s: %zu rows, %zu byte-identical, %zu with maps, %zu with Any\n", rel,
		              tables[i].table, w.rows, w.identical, w.with_maps, w.annotations);
	}
	c1z_raw_close(raw);
}

static void test_unexpanded(void **state)
{
	(void)state;
	check_file("c1z/expansion-small.unexpanded.c1z");
}

static void test_expanded(void **state)
{
	(void)state;
	check_file("c1z/expansion-small.expanded.c1z");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unexpanded),
		cmocka_unit_test(test_expanded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
