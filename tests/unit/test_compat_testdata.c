/*
 * Byte-level compatibility with files written by the Go baton-sdk: every data blob of the
 * expansion-small c1z pair decodes with our generated protobuf-c types, re-encodes to exactly the
 * bytes Go wrote, and carries no field our schema does not know (annotations included: each
 * google.protobuf.Any is opened and checked the same way). A handful of values found by looking
 * inside the files are asserted too.
 *
 * The files are read with the test-only raw reader (support/c1z_raw.h), not with the store.
 */
#include <stdbool.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>

#include "testutil.h"
#include "c1z_raw.h"

#include "google/protobuf/any.pb-c.h"
#include "google/protobuf/struct.pb-c.h"
#include "c1/connector/v2/resource.pb-c.h"
#include "c1/connector/v2/entitlement.pb-c.h"
#include "c1/connector/v2/grant.pb-c.h"
#include "c1/connector/v2/annotation_trait.pb-c.h"
#include "c1/connector/v2/annotation_grant.pb-c.h"
#include "c1/connector/v2/annotation_etag.pb-c.h"
#include "c1/connector/v2/annotation_resource_tree.pb-c.h"
#include "c1/connector/v2/annotation_entitlement.pb-c.h"
#include "c1/connector/v2/annotation_external_link.pb-c.h"

/* The files use deprecated fields (trait status and profile, creation_source): we must read them. */
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

#define TYPE_URL_PREFIX "type.googleapis.com/"

/* Annotation types we open inside Anys. Anything else in the files fails the test. */
static const ProtobufCMessageDescriptor *const any_types[] = {
	&c1__connector__v2__user_trait__descriptor,
	&c1__connector__v2__group_trait__descriptor,
	&c1__connector__v2__role_trait__descriptor,
	&c1__connector__v2__app_trait__descriptor,
	&c1__connector__v2__secret_trait__descriptor,
	&c1__connector__v2__skip_entitlements_and_grants__descriptor,
	&c1__connector__v2__skip_grants__descriptor,
	&c1__connector__v2__skip_entitlements__descriptor,
	&c1__connector__v2__child_resource_type__descriptor,
	&c1__connector__v2__external_link__descriptor,
	&c1__connector__v2__etag__descriptor,
	&c1__connector__v2__grant_expandable__descriptor,
	&c1__connector__v2__grant_immutable__descriptor,
	&c1__connector__v2__grant_metadata__descriptor,
	&c1__connector__v2__entitlement_immutable__descriptor,
};
#define N_ANY_TYPES (sizeof any_types / sizeof any_types[0])

/* What one pass over a file found. */
typedef struct facts {
	const char *file;
	int64_t rows[4];
	size_t any_count[N_ANY_TYPES]; /* annotations of each type anywhere, embedded objects included */
	size_t top_count[N_ANY_TYPES]; /* annotations of each type on the rows' own objects */

	char rt_ids[256];        /* resource type ids in row order, comma separated */
	int user_rt_trait;       /* traits[0] of the "user" type */

	size_t res_user, res_group, res_role, res_project, res_with_parent, res_listed;
	size_t users_enabled, users_primary_email, users_human;
	char u500_email[64], u500_login[64], u500_employee_id[64], u500_status_details[32];
	char u500_full_name[64];
	bool u500_primary;
	char everyone_name[32], everyone_color[32];
	double everyone_size;
	char role0_profile_keys[128]; /* wire order of role-0000000's RoleTrait profile keys */

	size_t ent_project, ent_group, ent_role, ent_assignment, ent_permission;
	char p99_access_desc[128], p99_access_slug[32], p99_access_grantable[64];

	size_t grants_user_principal, grants_group_principal;
	size_t grants_with_sources, source_entries, direct_sources;
	size_t expandable_shallow, expandable_rt_ids;
	char g19_expandable[128];      /* project:project-0000099:access:group:group-0000019 */
	char g10_sources[128];         /* project:project-0000099:access:group:group-0000010 */
	char u0_p32_sources[256];      /* project:project-0000032:access:user:user-0000000 */
	bool u0_p32_immutable;
} facts;

static void catf(char *buf, size_t cap, const char *s)
{
	size_t n = strlen(buf);
	snprintf(buf + n, cap - n, "%s%s", n ? "," : "", s);
}

static size_t any_index(const char *type_url)
{
	if (strncmp(type_url, TYPE_URL_PREFIX, strlen(TYPE_URL_PREFIX)) != 0)
		fail_msg("annotation with unexpected type URL %s", type_url);
	const char *name = type_url + strlen(TYPE_URL_PREFIX);
	for (size_t i = 0; i < N_ANY_TYPES; i++)
		if (strcmp(any_types[i]->name, name) == 0)
			return i;
	fail_msg("annotation of a type this test does not open: %s", type_url);
	return 0;
}

static void check_message(facts *f, const ProtobufCMessage *m, const char *where);

/* Opens an Any: its value must decode, re-encode to the same bytes and be fully known. */
static void check_any(facts *f, const Google__Protobuf__Any *any, const char *where)
{
	size_t i = any_index(any->type_url);
	const ProtobufCMessageDescriptor *d = any_types[i];
	ProtobufCMessage *m = protobuf_c_message_unpack(d, NULL, any->value.len, any->value.data);
	if (!m)
		fail_msg("%s: %s inside an Any does not decode", where, d->name);
	size_t n = protobuf_c_message_get_packed_size(m);
	uint8_t *buf = malloc(n ? n : 1);
	assert_non_null(buf);
	protobuf_c_message_pack(m, buf);
	if (n != any->value.len || (n > 0 && memcmp(buf, any->value.data, n) != 0))
		fail_msg("%s: %s inside an Any re-encodes differently (%zu vs %zu bytes)", where,
		         d->name, n, any->value.len);
	free(buf);
	f->any_count[i]++;
	check_message(f, m, where);
	protobuf_c_message_free_unpacked(m, NULL);
}

/* Walks every sub-message: no unknown fields anywhere, and every Any opened. */
static void check_message(facts *f, const ProtobufCMessage *m, const char *where)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	const char *base = (const char *)m;

	if (m->n_unknown_fields != 0)
		fail_msg("%s: %s has %u unknown field(s), the first numbered %u", where, d->name,
		         m->n_unknown_fields, m->unknown_fields[0].tag);
	if (d == &google__protobuf__any__descriptor) {
		check_any(f, (const Google__Protobuf__Any *)m, where);
		return;
	}
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *fd = &d->fields[i];
		if (fd->type != PROTOBUF_C_TYPE_MESSAGE)
			continue;
		if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t cnt = *(const size_t *)(base + fd->quantifier_offset);
			ProtobufCMessage *const *arr = *(ProtobufCMessage *const *const *)(base + fd->offset);
			for (size_t j = 0; j < cnt; j++)
				check_message(f, arr[j], where);
			continue;
		}
		if ((fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
		    *(const uint32_t *)(base + fd->quantifier_offset) != fd->id)
			continue;
		const ProtobufCMessage *sub = *(ProtobufCMessage *const *)(base + fd->offset);
		if (sub)
			check_message(f, sub, where);
	}
}

/* Decodes a blob as `d`, checks the round trip and the schema coverage; caller frees. */
static ProtobufCMessage *decode_checked(facts *f, const ProtobufCMessageDescriptor *d, int64_t id,
                                        const uint8_t *data, size_t len)
{
	char where[128];
	snprintf(where, sizeof where, "%s: %s row %lld", f->file, d->name, (long long)id);

	ProtobufCMessage *m = protobuf_c_message_unpack(d, NULL, len, data);
	if (!m)
		fail_msg("%s: does not decode", where);
	size_t n = protobuf_c_message_get_packed_size(m);
	uint8_t *buf = malloc(n ? n : 1);
	assert_non_null(buf);
	protobuf_c_message_pack(m, buf);
	if (n != len || (n > 0 && memcmp(buf, data, n) != 0)) {
		size_t k = 0;
		while (k < n && k < len && buf[k] == data[k])
			k++;
		fail_msg("%s: re-encodes differently (%zu vs %zu bytes, first difference at %zu)", where,
		         n, len, k);
	}
	free(buf);
	check_message(f, m, where);
	return m;
}

static const Google__Protobuf__Value *struct_get(const Google__Protobuf__Struct *s, const char *key)
{
	if (!s)
		return NULL;
	for (size_t i = 0; i < s->n_fields; i++)
		if (strcmp(s->fields[i]->key, key) == 0)
			return s->fields[i]->value;
	return NULL;
}

/* The first annotation of type `d`, unpacked (caller frees), or NULL. */
static ProtobufCMessage *pick(Google__Protobuf__Any *const *anns, size_t n,
                              const ProtobufCMessageDescriptor *d)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(anns[i]->type_url + strlen(TYPE_URL_PREFIX), d->name) == 0)
			return protobuf_c_message_unpack(d, NULL, anns[i]->value.len, anns[i]->value.data);
	}
	return NULL;
}

static void count_top(facts *f, Google__Protobuf__Any *const *anns, size_t n)
{
	for (size_t i = 0; i < n; i++)
		f->top_count[any_index(anns[i]->type_url)]++;
}

/* ------------------------------------------------------------------------------------------ */

static int on_resource_type(int64_t id, const uint8_t *data, size_t len, void *ud)
{
	facts *f = ud;
	C1__Connector__V2__ResourceType *rt = (C1__Connector__V2__ResourceType *)decode_checked(
		f, &c1__connector__v2__resource_type__descriptor, id, data, len);
	f->rows[0]++;
	count_top(f, rt->annotations, rt->n_annotations);
	catf(f->rt_ids, sizeof f->rt_ids, rt->id);
	if (strcmp(rt->id, "user") == 0 && rt->n_traits > 0)
		f->user_rt_trait = (int)rt->traits[0];
	protobuf_c_message_free_unpacked(&rt->base, NULL);
	return 0;
}

static void inspect_user(facts *f, const C1__Connector__V2__Resource *r)
{
	C1__Connector__V2__UserTrait *ut = (C1__Connector__V2__UserTrait *)pick(
		r->annotations, r->n_annotations, &c1__connector__v2__user_trait__descriptor);
	if (!ut)
		fail_msg("%s: user %s has no UserTrait", f->file, r->id->resource);
	if (ut->status && ut->status->status == C1__CONNECTOR__V2__USER_TRAIT__STATUS__STATUS__STATUS_ENABLED)
		f->users_enabled++;
	if (ut->n_emails > 0 && ut->emails[0]->is_primary)
		f->users_primary_email++;
	if (ut->account_type == C1__CONNECTOR__V2__USER_TRAIT__ACCOUNT_TYPE__ACCOUNT_TYPE_HUMAN)
		f->users_human++;
	if (strcmp(r->id->resource, "user-0000500") == 0) {
		assert_int_equal(ut->n_emails, 1);
		snprintf(f->u500_email, sizeof f->u500_email, "%s", ut->emails[0]->address);
		f->u500_primary = ut->emails[0]->is_primary;
		snprintf(f->u500_login, sizeof f->u500_login, "%s", ut->login);
		assert_int_equal(ut->n_employee_ids, 1);
		snprintf(f->u500_employee_id, sizeof f->u500_employee_id, "%s", ut->employee_ids[0]);
		assert_non_null(ut->status);
		snprintf(f->u500_status_details, sizeof f->u500_status_details, "%s", ut->status->details);
		const Google__Protobuf__Value *v = struct_get(ut->profile, "full_name");
		if (v && v->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE)
			snprintf(f->u500_full_name, sizeof f->u500_full_name, "%s", v->string_value);
	}
	protobuf_c_message_free_unpacked(&ut->base, NULL);
}

static void inspect_everyone(facts *f, const C1__Connector__V2__Resource *r)
{
	C1__Connector__V2__GroupTrait *gt = (C1__Connector__V2__GroupTrait *)pick(
		r->annotations, r->n_annotations, &c1__connector__v2__group_trait__descriptor);
	assert_non_null(gt);
	snprintf(f->everyone_name, sizeof f->everyone_name, "%s", r->display_name);
	const Google__Protobuf__Value *v = struct_get(gt->profile, "group_color");
	if (v && v->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE)
		snprintf(f->everyone_color, sizeof f->everyone_color, "%s", v->string_value);
	v = struct_get(gt->profile, "group_size");
	if (v && v->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE)
		f->everyone_size = v->number_value;
	protobuf_c_message_free_unpacked(&gt->base, NULL);
}

static int on_resource(int64_t id, const uint8_t *data, size_t len, void *ud)
{
	facts *f = ud;
	C1__Connector__V2__Resource *r = (C1__Connector__V2__Resource *)decode_checked(
		f, &c1__connector__v2__resource__descriptor, id, data, len);
	f->rows[1]++;
	count_top(f, r->annotations, r->n_annotations);
	assert_non_null(r->id);
	const char *t = r->id->resource_type;
	if (strcmp(t, "user") == 0) {
		f->res_user++;
		inspect_user(f, r);
	} else if (strcmp(t, "group") == 0) {
		f->res_group++;
		if (strcmp(r->id->resource, "group-everyone") == 0)
			inspect_everyone(f, r);
	} else if (strcmp(t, "role") == 0) {
		f->res_role++;
		if (strcmp(r->id->resource, "role-0000000") == 0) {
			C1__Connector__V2__RoleTrait *rt = (C1__Connector__V2__RoleTrait *)pick(
				r->annotations, r->n_annotations, &c1__connector__v2__role_trait__descriptor);
			assert_non_null(rt);
			for (size_t i = 0; rt->profile && i < rt->profile->n_fields; i++)
				catf(f->role0_profile_keys, sizeof f->role0_profile_keys, rt->profile->fields[i]->key);
			protobuf_c_message_free_unpacked(&rt->base, NULL);
		}
	} else if (strcmp(t, "project") == 0) {
		f->res_project++;
	}
	if (r->parent_resource_id)
		f->res_with_parent++;
	if (r->creation_source == C1__CONNECTOR__V2__RESOURCE__CREATION_SOURCE__CREATION_SOURCE_CONNECTOR_LIST_RESOURCES)
		f->res_listed++;
	protobuf_c_message_free_unpacked(&r->base, NULL);
	return 0;
}

static int on_entitlement(int64_t id, const uint8_t *data, size_t len, void *ud)
{
	facts *f = ud;
	C1__Connector__V2__Entitlement *e = (C1__Connector__V2__Entitlement *)decode_checked(
		f, &c1__connector__v2__entitlement__descriptor, id, data, len);
	f->rows[2]++;
	count_top(f, e->annotations, e->n_annotations);
	assert_non_null(e->resource);
	assert_non_null(e->resource->id);
	const char *t = e->resource->id->resource_type;
	if (strcmp(t, "project") == 0)
		f->ent_project++;
	else if (strcmp(t, "group") == 0)
		f->ent_group++;
	else if (strcmp(t, "role") == 0)
		f->ent_role++;
	if (e->purpose == C1__CONNECTOR__V2__ENTITLEMENT__PURPOSE_VALUE__PURPOSE_VALUE_ASSIGNMENT)
		f->ent_assignment++;
	else if (e->purpose == C1__CONNECTOR__V2__ENTITLEMENT__PURPOSE_VALUE__PURPOSE_VALUE_PERMISSION)
		f->ent_permission++;
	if (strcmp(e->id, "project:project-0000099:access") == 0) {
		snprintf(f->p99_access_desc, sizeof f->p99_access_desc, "%s", e->description);
		snprintf(f->p99_access_slug, sizeof f->p99_access_slug, "%s", e->slug);
		for (size_t i = 0; i < e->n_grantable_to; i++)
			catf(f->p99_access_grantable, sizeof f->p99_access_grantable, e->grantable_to[i]->id);
	}
	protobuf_c_message_free_unpacked(&e->base, NULL);
	return 0;
}

static void sources_keys(const C1__Connector__V2__GrantSources *s, char *buf, size_t cap)
{
	buf[0] = '\0';
	for (size_t i = 0; s && i < s->n_sources; i++)
		catf(buf, cap, s->sources[i]->key);
}

static int on_grant(int64_t id, const uint8_t *data, size_t len, void *ud)
{
	facts *f = ud;
	C1__Connector__V2__Grant *g = (C1__Connector__V2__Grant *)decode_checked(
		f, &c1__connector__v2__grant__descriptor, id, data, len);
	f->rows[3]++;
	count_top(f, g->annotations, g->n_annotations);
	assert_non_null(g->principal);
	assert_non_null(g->principal->id);
	if (strcmp(g->principal->id->resource_type, "user") == 0)
		f->grants_user_principal++;
	else if (strcmp(g->principal->id->resource_type, "group") == 0)
		f->grants_group_principal++;
	if (g->sources) {
		f->grants_with_sources++;
		f->source_entries += g->sources->n_sources;
		for (size_t i = 0; i < g->sources->n_sources; i++) {
			const C1__Connector__V2__GrantSources__GrantSource *v = g->sources->sources[i]->value;
			if (v && v->is_direct)
				f->direct_sources++;
		}
	}

	C1__Connector__V2__GrantExpandable *ge = (C1__Connector__V2__GrantExpandable *)pick(
		g->annotations, g->n_annotations, &c1__connector__v2__grant_expandable__descriptor);
	if (ge) {
		if (ge->shallow)
			f->expandable_shallow++;
		f->expandable_rt_ids += ge->n_resource_type_ids;
		if (strcmp(g->id, "project:project-0000099:access:group:group-0000019") == 0)
			for (size_t i = 0; i < ge->n_entitlement_ids; i++)
				catf(f->g19_expandable, sizeof f->g19_expandable, ge->entitlement_ids[i]);
		protobuf_c_message_free_unpacked(&ge->base, NULL);
	}
	if (strcmp(g->id, "project:project-0000099:access:group:group-0000010") == 0)
		sources_keys(g->sources, f->g10_sources, sizeof f->g10_sources);
	if (strcmp(g->id, "project:project-0000032:access:user:user-0000000") == 0) {
		sources_keys(g->sources, f->u0_p32_sources, sizeof f->u0_p32_sources);
		ProtobufCMessage *im = pick(g->annotations, g->n_annotations,
		                            &c1__connector__v2__grant_immutable__descriptor);
		f->u0_p32_immutable = im != NULL;
		if (im)
			protobuf_c_message_free_unpacked(im, NULL);
	}
	protobuf_c_message_free_unpacked(&g->base, NULL);
	return 0;
}

static facts *scan(const char *rel)
{
	/* Open first: a failure there must not leave `f` behind. */
	c1z_raw *raw = c1z_raw_open(test_data_path(rel));
	facts *f = calloc(1, sizeof *f);
	assert_non_null(f);
	f->file = rel;
	c1z_raw_each_blob(raw, "v1_resource_types", on_resource_type, f);
	c1z_raw_each_blob(raw, "v1_resources", on_resource, f);
	c1z_raw_each_blob(raw, "v1_entitlements", on_entitlement, f);
	c1z_raw_each_blob(raw, "v1_grants", on_grant, f);
	c1z_raw_close(raw);
	return f;
}

static size_t count_of(const size_t *counts, const ProtobufCMessageDescriptor *d)
{
	for (size_t i = 0; i < N_ANY_TYPES; i++)
		if (any_types[i] == d)
			return counts[i];
	fail_msg("type %s not in any_types", d->name);
	return 0;
}

#define top(f, t) count_of((f)->top_count, &c1__connector__v2__##t##__descriptor)
#define deep(f, t) count_of((f)->any_count, &c1__connector__v2__##t##__descriptor)

/* What the two files share: resource types, resources and entitlements are byte-identical. */
static void assert_common(const facts *f)
{
	assert_int_equal(f->rows[0], 4);
	assert_int_equal(f->rows[1], 1221);
	assert_int_equal(f->rows[2], 342);

	assert_string_equal(f->rt_ids, "project,user,group,role");
	assert_int_equal(f->user_rt_trait, C1__CONNECTOR__V2__RESOURCE_TYPE__TRAIT__TRAIT_USER);

	assert_int_equal(f->res_user, 1000);
	assert_int_equal(f->res_group, 21);
	assert_int_equal(f->res_role, 100);
	assert_int_equal(f->res_project, 100);
	assert_int_equal(f->res_with_parent, 0);
	assert_int_equal(f->res_listed, 1221);
	assert_int_equal(f->users_enabled, 1000);
	assert_int_equal(f->users_primary_email, 1000);
	assert_int_equal(f->users_human, 1000);
	assert_string_equal(f->u500_email, "user-500@example.com");
	assert_true(f->u500_primary);
	assert_string_equal(f->u500_login, "user-0000500");
	assert_string_equal(f->u500_employee_id, "user-0000500");
	assert_string_equal(f->u500_status_details, "Enabled");
	assert_string_equal(f->u500_full_name, "User 0000500");
	assert_string_equal(f->everyone_name, "Everyone");
	assert_string_equal(f->everyone_color, "green");
	assert_true(f->everyone_size == 1001.0);
	/*
	 * Map entries inside annotations are NOT in key order in these files (the Go SDK packs
	 * annotations with anypb.New, which is not deterministic): re-encoding is byte-identical
	 * only because the entries are kept in wire order. A writer that re-sorts them would differ.
	 */
	assert_string_equal(f->role0_profile_keys,
	                    "group_assignments,role_color,total_assignments,direct_assignments");

	assert_int_equal(f->ent_project, 200);
	assert_int_equal(f->ent_group, 42);
	assert_int_equal(f->ent_role, 100);
	assert_int_equal(f->ent_assignment, 221);
	assert_int_equal(f->ent_permission, 121);
	assert_string_equal(f->p99_access_desc, "Has access to the Project 0000099 project");
	assert_string_equal(f->p99_access_slug, "access");
	assert_string_equal(f->p99_access_grantable, "group,user");

	/* Traits: one per user, group and role resource; the user type skips entitlements and grants. */
	assert_int_equal(top(f, user_trait), 1000);
	assert_int_equal(top(f, group_trait), 21);
	assert_int_equal(top(f, role_trait), 100);
	assert_int_equal(top(f, skip_entitlements_and_grants), 1);
	/* Every grant written by the connector embeds its entitlement's resource with an empty ETag. */
	assert_int_equal(top(f, etag), 0);
	assert_int_equal(deep(f, etag), 2909);

	/* GrantExpandable stays inside the grant blobs in both files (old schema, no expansion column). */
	assert_int_equal(top(f, grant_expandable), 409);
	assert_int_equal(f->expandable_shallow, 0);
	assert_int_equal(f->expandable_rt_ids, 0);
	assert_string_equal(f->g19_expandable, "group:group-0000019:member,group:group-0000019:admin");
	assert_int_equal(f->direct_sources, 0);
}

static void test_unexpanded(void **state)
{
	(void)state;
	facts *f = scan("c1z/expansion-small.unexpanded.c1z");
	assert_common(f);
	assert_int_equal(f->rows[3], 2909);
	assert_int_equal(f->grants_user_principal, 2500);
	assert_int_equal(f->grants_group_principal, 409);
	assert_int_equal(f->grants_with_sources, 0);
	assert_int_equal(top(f, grant_immutable), 0);
	assert_int_equal(deep(f, user_trait), 1000);
	/* Embedded copies: 100 resources, 100 role entitlements, 394 grants on roles. */
	assert_int_equal(deep(f, role_trait), 100 + 100 + 394);
	assert_string_equal(f->g10_sources, "");
	assert_string_equal(f->u0_p32_sources, ""); /* only made by expansion */
	free(f);
}

static void test_expanded(void **state)
{
	(void)state;
	facts *f = scan("c1z/expansion-small.expanded.c1z");
	assert_common(f);
	assert_int_equal(f->rows[3], 14981);
	assert_int_equal(f->grants_user_principal, 12441);
	assert_int_equal(f->grants_group_principal, 2540);
	/* 12,072 new grants, all immutable and sourced, plus 1,199 existing grants that gained sources. */
	assert_int_equal(top(f, grant_immutable), 12072);
	assert_int_equal(f->grants_with_sources, 12072 + 1199);
	assert_int_equal(f->source_entries, 26670);
	/* An existing grant: the group's membership plus the grant's own entitlement. */
	assert_string_equal(f->g10_sources, "group:group-0000019:member,project:project-0000099:access");
	/* A derived grant: sources in key order, as Go's deterministic map order. */
	assert_string_equal(f->u0_p32_sources, "group:group-0000000:admin,group:group-0000000:member,"
	                                       "group:group-0000012:admin,group:group-0000012:member");
	assert_true(f->u0_p32_immutable);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unexpanded),
		cmocka_unit_test(test_expanded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
