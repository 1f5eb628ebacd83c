/*
 * The object decoders (include/baton/resource.h, entitlement.h, grant.h): what a c1z row or a
 * connector's response becomes once its protobuf bytes are unpacked. The first byte picks the
 * message (resource type, resource, entitlement, grant), the rest is its wire bytes. An object that
 * unpacks is read through every reader (traits, profile, annotations, aliases, sources,
 * expandable, nested objects), validated, written as JSON, and packed; what it packs unpacks again
 * and packs to the same bytes. Without the c1z framing (zstd, SQLite) around it, this runs many
 * times faster than fuzz_c1z on the same decoders.
 */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "baton/entitlement.h"
#include "baton/grant.h"
#include "baton/resource.h"
#include "types/types.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setenv("BATON_LOG_LEVEL", "error", 1);
	return 0;
}

static void read_annotations(baton_annotations *a, baton_ctx *ctx)
{
	size_t n = baton_annotations_count(a);
	for (size_t i = 0; i < n && i < 64; i++) {
		const char *type = baton_annotations_type_at(a, i);
		const uint8_t *bytes;
		size_t len, at;
		char *json;
		FUZZ_CHECK(type != NULL);
		FUZZ_CHECK(baton_annotations_bytes_at(a, i, &bytes, &len) == 0);
		FUZZ_CHECK(baton_annotations_contains(a, type));
		FUZZ_CHECK(baton_annotations_find(a, type, &at) == 0 && at <= i);
		baton_annotations_json_at(a, i, ctx, &json);
	}
	FUZZ_CHECK(baton_annotations_type_at(a, n) == NULL);
}

static void read_resource(baton_resource *r, baton_ctx *ctx)
{
	baton_resource_id id = baton_resource_get_id(r), parent;
	const char *details, *s;
	baton_timestamp t;
	baton_user_trait *u;
	baton_group_trait *g;
	baton_role_trait *ro;
	baton_app_trait *ap;
	baton_secret_trait *se;
	char *json;
	int64_t v;
	bool b;

	FUZZ_CHECK(id.resource_type != NULL && id.resource != NULL);
	baton_resource_get_parent(r, &parent);
	FUZZ_CHECK(baton_resource_display_name(r) != NULL);
	FUZZ_CHECK(baton_resource_description(r) != NULL);
	baton_resource_is_baton_resource(r);
	baton_resource_status(r, &details);
	baton_resource_icon(r);
	baton_resource_created_at(r, &t);
	baton_resource_profile_json(r, ctx, &json);
	baton_resource_profile_string(r, "name", &s);
	baton_resource_profile_int64(r, "count", &v);
	for (size_t i = 0, n = baton_resource_alias_count(r); i < n && i < 64; i++)
		FUZZ_CHECK(baton_resource_alias_at(r, i) != NULL);
	if (baton_resource_get_user_trait(r, &u) == 0 && u) {
		for (size_t i = 0, n = baton_user_trait_email_count(u); i < n && i < 64; i++)
			baton_user_trait_email_at(u, i, &b);
		baton_user_trait_status(u, &details);
		baton_user_trait_account_type(u);
		baton_user_trait_login(u);
		for (size_t i = 0, n = baton_user_trait_login_alias_count(u); i < n && i < 64; i++)
			baton_user_trait_login_alias_at(u, i);
		for (size_t i = 0, n = baton_user_trait_employee_id_count(u); i < n && i < 64; i++)
			baton_user_trait_employee_id_at(u, i);
		baton_user_trait_last_login(u, &t);
		baton_user_trait_mfa_enabled(u, &b);
		baton_user_trait_sso_enabled(u, &b);
	}
	if (baton_resource_get_group_trait(r, &g) == 0 && g) {
		baton_group_trait_source_type(g);
		baton_group_trait_raw_source_type(g);
	}
	if (baton_resource_get_role_trait(r, &ro) == 0 && ro) {
		baton_role_trait_scope_type(ro);
		for (size_t i = 0, n = baton_role_trait_condition_count(ro); i < n && i < 64; i++)
			baton_role_trait_condition_at(ro, i);
	}
	if (baton_resource_get_app_trait(r, &ap) == 0 && ap) {
		baton_app_trait_help_url(ap);
		baton_app_trait_logo(ap);
		for (size_t i = 0, n = baton_app_trait_flag_count(ap); i < n && i < 64; i++)
			baton_app_trait_flag_at(ap, i);
		baton_app_trait_source_type(ap);
	}
	if (baton_resource_get_secret_trait(r, &se) == 0 && se) {
		baton_resource_id rid;
		baton_secret_trait_last_used_at(se, &t);
		baton_secret_trait_expires_at(se, &t);
		baton_secret_trait_created_by_id(se, &rid);
		baton_secret_trait_identity_id(se, &rid);
		baton_secret_trait_credential_type(se);
		baton_secret_trait_credential_detail(se);
	}
	read_annotations(baton_resource_annotations(r), ctx);
}

static void read_entitlement(baton_entitlement *e, baton_ctx *ctx)
{
	baton_resource *r;

	FUZZ_CHECK(baton_entitlement_id(e) != NULL);
	FUZZ_CHECK(baton_entitlement_display_name(e) != NULL);
	baton_entitlement_description(e);
	baton_entitlement_slug(e);
	baton_entitlement_purpose_of(e);
	baton_entitlement_name(e);
	baton_entitlement_resource_id(e);
	for (size_t i = 0, n = baton_entitlement_grantable_to_count(e); i < n && i < 64; i++)
		baton_entitlement_grantable_to_at(e, i);
	if ((r = baton_entitlement_resource(e)) != NULL)
		read_resource(r, ctx);
	read_annotations(baton_entitlement_annotations(e), ctx);
}

static void read_grant(baton_grant *g, baton_ctx *ctx)
{
	baton_entitlement *e;
	baton_resource *p;
	const char *const *ids, *const *rts;
	size_t n_ids, n_rts;
	bool direct, shallow;

	FUZZ_CHECK(baton_grant_id(g) != NULL);
	FUZZ_CHECK(baton_grant_entitlement_id(g) != NULL);
	baton_grant_resource_id(g);
	baton_grant_principal_id(g);
	for (size_t i = 0, n = baton_grant_source_count(g); i < n && i < 64; i++)
		FUZZ_CHECK(baton_grant_source_at(g, i, &direct) != NULL);
	baton_grant_is_direct(g);
	baton_grant_inherited_from(g);
	baton_grant_expandable(g, ctx, &ids, &n_ids, &shallow, &rts, &n_rts);
	if ((e = baton_grant_entitlement(g)) != NULL)
		read_entitlement(e, ctx);
	if ((p = baton_grant_principal(g)) != NULL)
		read_resource(p, ctx);
	read_annotations(baton_grant_annotations(g), ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	baton_ctx *ctx, *ctx2;
	const uint8_t *bytes = NULL, *bytes2 = NULL;
	size_t len = 0, len2 = 0;
	char *json;
	int rc = -1, rc2 = -1;

	if (size < 1 || baton_ctx_new(&ctx) != 0)
		return 0;
	if (baton_ctx_new(&ctx2) != 0) {
		baton_ctx_free(ctx);
		return 0;
	}
	data++;
	size--;
	switch (data[-1] & 3) {
	case 0: {
		baton_resource_type *rt, *rt2;
		if (baton_resource_type_unpack(ctx, data, size, &rt) != 0)
			break;
		FUZZ_CHECK(baton_resource_type_id(rt) != NULL);
		baton_resource_type_display_name(rt);
		baton_resource_type_description(rt);
		baton_resource_type_sourced_externally(rt);
		for (size_t i = 0, n = baton_resource_type_trait_count(rt); i < n && i < 64; i++)
			baton_resource_type_has_trait(rt, baton_resource_type_trait_at(rt, i));
		read_annotations(baton_resource_type_annotations(rt), ctx);
		baton_resource_type_to_json(rt, ctx, &json);
		if ((rc = baton_resource_type_pack(rt, ctx, &bytes, &len)) == 0 &&
		    (rc2 = baton_resource_type_unpack(ctx2, bytes, len, &rt2)) == 0)
			rc2 = baton_resource_type_pack(rt2, ctx2, &bytes2, &len2);
		break;
	}
	case 1: {
		baton_resource *r, *r2;
		if (baton_resource_unpack(ctx, data, size, &r) != 0)
			break;
		read_resource(r, ctx);
		baton__validate_resource(r, "fuzz");
		baton_resource_to_json(r, ctx, &json);
		if ((rc = baton_resource_pack(r, ctx, &bytes, &len)) == 0 &&
		    (rc2 = baton_resource_unpack(ctx2, bytes, len, &r2)) == 0)
			rc2 = baton_resource_pack(r2, ctx2, &bytes2, &len2);
		break;
	}
	case 2: {
		baton_entitlement *e, *e2;
		if (baton_entitlement_unpack(ctx, data, size, &e) != 0)
			break;
		read_entitlement(e, ctx);
		baton__validate_entitlement(e, "fuzz");
		baton_entitlement_to_json(e, ctx, &json);
		if ((rc = baton_entitlement_pack(e, ctx, &bytes, &len)) == 0 &&
		    (rc2 = baton_entitlement_unpack(ctx2, bytes, len, &e2)) == 0)
			rc2 = baton_entitlement_pack(e2, ctx2, &bytes2, &len2);
		break;
	}
	default: {
		baton_grant *g, *g2;
		if (baton_grant_unpack(ctx, data, size, &g) != 0)
			break;
		read_grant(g, ctx);
		baton__validate_grant(g, "fuzz");
		baton_grant_to_json(g, ctx, &json);
		if ((rc = baton_grant_pack(g, ctx, &bytes, &len)) == 0 &&
		    (rc2 = baton_grant_unpack(ctx2, bytes, len, &g2)) == 0)
			rc2 = baton_grant_pack(g2, ctx2, &bytes2, &len2);
		break;
	}
	}
	/* what packs unpacks again, and packs to the same bytes */
	if (rc == 0) {
		FUZZ_CHECK(rc2 == 0);
		FUZZ_CHECK(len == len2 && (len == 0 || memcmp(bytes, bytes2, len) == 0));
	}
	baton_ctx_free(ctx2);
	baton_ctx_free(ctx);
	return 0;
}
