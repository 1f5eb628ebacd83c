/*
 * The c1z interop manifest (C side), shared by test_interop_store.c (writes ours.c1z and
 * ours.json) and test_interop_store_read.c (reads go.c1z and checks it against go.json).
 *
 * A manifest says what a writer stored. Every object is described by a small JSON object of the
 * fields both implementations can read back (ids, names, trait values, expansion, sources) plus
 * "data": the base64 of the object's wire bytes as it was handed to the store. The same
 * description is computed by tests/interop/store_test.go (describe* there); the shapes must stay
 * identical, since each reader compares what it reads with the other side's manifest:
 *
 *   resource type  {"id","display_name","description","traits":[enum numbers]}
 *   resource       {"resource_type","resource","display_name","description",
 *                   "parent_resource_type","parent_resource",
 *                   "user":{...} (only with a UserTrait), "group":{...} (only with a GroupTrait)}
 *   user           {"emails":[{"address","primary"}],"login","login_aliases":[],
 *                   "employee_ids":[],"status":n,"status_details","account_type":n}
 *   group          {"source_type","raw_source_type"}
 *   entitlement    {"id","display_name","description","slug","purpose":n,"resource_type",
 *                   "resource","grantable_to":[ids]}
 *   grant          {"id","entitlement_id","resource_type","resource","principal_resource_type",
 *                   "principal_resource","sources":{entitlement id: is_direct},
 *                   "expandable":null | {"entitlement_ids":[],"shallow":b,"resource_type_ids":[]}}
 *
 * Top level: {"writer","finished_sync_id","unfinished_sync_id","counts":{...},"resource_types",
 * "resources","entitlements","grants","assets":[{"id","content_type","data"}],
 * "sessions":[{"sync_id","key","value"}],"unfinished":{"resource_types":[],"resources":[]}}.
 */
#ifndef BATON_INTEROP_MANIFEST_H
#define BATON_INTEROP_MANIFEST_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "testutil.h"
#include "baton/resource.h"
#include "baton/entitlement.h"
#include "baton/grant.h"

static inline char *im_base64(const uint8_t *data, size_t len)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *s = malloc(4 * ((len + 2) / 3) + 1), *p = s;
	assert_non_null(s);
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)data[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)data[i + 1] << 8;
		if (i + 2 < len)
			v |= data[i + 2];
		*p++ = tab[(v >> 18) & 63];
		*p++ = tab[(v >> 12) & 63];
		*p++ = i + 1 < len ? tab[(v >> 6) & 63] : '=';
		*p++ = i + 2 < len ? tab[v & 63] : '=';
	}
	*p = '\0';
	return s;
}

/* Decodes padded standard base64 into a malloc'ed buffer; fails the test on bad input. */
static inline uint8_t *im_unbase64(const char *s, size_t *len)
{
	size_t n = strlen(s);
	if (n % 4)
		fail_msg("base64 length %zu is not a multiple of 4", n);
	uint8_t *out = malloc(n / 4 * 3 + 1), *p = out;
	assert_non_null(out);
	for (size_t i = 0; i < n; i += 4) {
		uint32_t v = 0;
		int pad = 0;
		for (int k = 0; k < 4; k++) {
			char c = s[i + (size_t)k];
			int d = 0;
			if (c >= 'A' && c <= 'Z')
				d = c - 'A';
			else if (c >= 'a' && c <= 'z')
				d = c - 'a' + 26;
			else if (c >= '0' && c <= '9')
				d = c - '0' + 52;
			else if (c == '+')
				d = 62;
			else if (c == '/')
				d = 63;
			else if (c == '=') {
				d = 0;
				pad++;
			} else
				fail_msg("bad base64 character %d", c);
			v = v << 6 | (uint32_t)d;
		}
		*p++ = (uint8_t)(v >> 16);
		if (pad < 2)
			*p++ = (uint8_t)(v >> 8);
		if (pad < 1)
			*p++ = (uint8_t)v;
	}
	*len = (size_t)(p - out);
	return out;
}

static inline json_t *im_str(const char *s) { return json_string(s ? s : ""); }

static inline json_t *im_describe_resource_type(const baton_resource_type *rt)
{
	json_t *traits = json_array();
	for (size_t i = 0; i < baton_resource_type_trait_count(rt); i++)
		json_array_append_new(traits, json_integer(baton_resource_type_trait_at(rt, i)));
	return json_pack("{s:o, s:o, s:o, s:o}", "id", im_str(baton_resource_type_id(rt)),
	                 "display_name", im_str(baton_resource_type_display_name(rt)), "description",
	                 im_str(baton_resource_type_description(rt)), "traits", traits);
}

static inline json_t *im_describe_resource(baton_resource *r)
{
	baton_resource_id id = baton_resource_get_id(r), parent = {"", ""};
	baton_resource_get_parent(r, &parent);
	json_t *o = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "resource_type", im_str(id.resource_type),
	                      "resource", im_str(id.resource), "display_name",
	                      im_str(baton_resource_display_name(r)), "description",
	                      im_str(baton_resource_description(r)), "parent_resource_type",
	                      im_str(parent.resource_type), "parent_resource", im_str(parent.resource));
	assert_non_null(o);
	if (baton_resource_has_trait(r, BATON_TRAIT_USER)) {
		baton_user_trait *t = baton_resource_user_trait(r);
		assert_non_null(t);
		json_t *emails = json_array(), *aliases = json_array(), *emp = json_array();
		for (size_t i = 0; i < baton_user_trait_email_count(t); i++) {
			bool primary = false;
			const char *a = baton_user_trait_email_at(t, i, &primary);
			json_array_append_new(emails, json_pack("{s:o, s:b}", "address", im_str(a), "primary", primary));
		}
		for (size_t i = 0; i < baton_user_trait_login_alias_count(t); i++)
			json_array_append_new(aliases, im_str(baton_user_trait_login_alias_at(t, i)));
		for (size_t i = 0; i < baton_user_trait_employee_id_count(t); i++)
			json_array_append_new(emp, im_str(baton_user_trait_employee_id_at(t, i)));
		const char *details = NULL;
		baton_status st = baton_user_trait_status(t, &details);
		json_object_set_new(o, "user", json_pack("{s:o, s:o, s:o, s:o, s:i, s:o, s:i}", "emails", emails,
		                                         "login", im_str(baton_user_trait_login(t)),
		                                         "login_aliases", aliases, "employee_ids", emp,
		                                         "status", (int)st, "status_details", im_str(details),
		                                         "account_type", (int)baton_user_trait_account_type(t)));
	}
	if (baton_resource_has_trait(r, BATON_TRAIT_GROUP)) {
		baton_group_trait *t = baton_resource_group_trait(r);
		assert_non_null(t);
		json_object_set_new(o, "group", json_pack("{s:o, s:o}", "source_type",
		                                          im_str(baton_group_trait_source_type(t)),
		                                          "raw_source_type", im_str(baton_group_trait_raw_source_type(t))));
	}
	return o;
}

static inline json_t *im_describe_entitlement(baton_entitlement *e)
{
	json_t *gt = json_array();
	for (size_t i = 0; i < baton_entitlement_grantable_to_count(e); i++)
		json_array_append_new(gt, im_str(baton_entitlement_grantable_to_at(e, i)));
	baton_resource *r = baton_entitlement_resource(e);
	baton_resource_id rid = r ? baton_resource_get_id(r) : (baton_resource_id){"", ""};
	return json_pack("{s:o, s:o, s:o, s:o, s:i, s:o, s:o, s:o}", "id", im_str(baton_entitlement_id(e)),
	                 "display_name", im_str(baton_entitlement_display_name(e)), "description",
	                 im_str(baton_entitlement_description(e)), "slug", im_str(baton_entitlement_slug(e)),
	                 "purpose", (int)baton_entitlement_purpose_of(e), "resource_type",
	                 im_str(rid.resource_type), "resource", im_str(rid.resource), "grantable_to", gt);
}

static inline json_t *im_describe_grant(baton_grant *g, baton_ctx *ctx)
{
	baton_resource_id rid = baton_grant_resource_id(g), pid = baton_grant_principal_id(g);
	json_t *sources = json_object();
	for (size_t i = 0; i < baton_grant_source_count(g); i++) {
		bool direct = false;
		const char *eid = baton_grant_source_at(g, i, &direct);
		json_object_set_new(sources, eid, json_boolean(direct));
	}
	json_t *exp = json_null();
	const char *const *ids, *const *rts;
	size_t n = 0, n_rt = 0;
	bool shallow = false;
	int rc = baton_grant_expandable(g, ctx, &ids, &n, &shallow, &rts, &n_rt);
	if (rc == 0) {
		json_t *a = json_array(), *b = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(a, im_str(ids[i]));
		for (size_t i = 0; i < n_rt; i++)
			json_array_append_new(b, im_str(rts[i]));
		exp = json_pack("{s:o, s:b, s:o}", "entitlement_ids", a, "shallow", shallow,
		                "resource_type_ids", b);
	} else if (rc != BATON_ENOTFOUND) {
		fail_msg("baton_grant_expandable(%s): %d %s", baton_grant_id(g), rc, baton_error_last()->message);
	}
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id", im_str(baton_grant_id(g)),
	                 "entitlement_id", im_str(baton_grant_entitlement_id(g)), "resource_type",
	                 im_str(rid.resource_type), "resource", im_str(rid.resource),
	                 "principal_resource_type", im_str(pid.resource_type), "principal_resource",
	                 im_str(pid.resource), "sources", sources, "expandable", exp);
}

/* Adds "data": base64 of bytes to a description (returned). */
static inline json_t *im_with_data(json_t *desc, const uint8_t *data, size_t len)
{
	char *b64 = im_base64(data, len);
	json_object_set_new(desc, "data", json_string(b64));
	free(b64);
	return desc;
}

/* Asserts that `got` (a description) equals `want` (a manifest entry), ignoring "data". */
static inline void im_assert_same(const char *what, json_t *got, json_t *want)
{
	json_t *w = json_deep_copy(want);
	json_object_del(w, "data");
	if (!json_equal(got, w)) {
		char *gs = json_dumps(got, JSON_SORT_KEYS | JSON_COMPACT);
		char *ws = json_dumps(w, JSON_SORT_KEYS | JSON_COMPACT);
		print_error("%s differs from the manifest:\n got: %s\nwant: %s\n", what, gs, ws);
		free(gs);
		free(ws);
		json_decref(w);
		fail();
	}
	json_decref(w);
}

#endif
