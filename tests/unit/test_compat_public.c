/*
 * The Go baton-sdk's files through the PUBLIC API: every data blob of the expansion-small c1z
 * pair goes through baton_<type>_unpack and baton_<type>_pack and must come back byte-identical,
 * and the readers return what the files hold (the values were found by looking inside the files;
 * test_compat_testdata.c checks the same blobs with the generated protobuf-c types).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "c1z_raw.h"
#include "baton/ctx.h"
#include "baton/resource.h"
#include "baton/entitlement.h"
#include "baton/grant.h"
#include "baton/annotations.h"

#define OK(expr)                                                                             \
	do {                                                                                     \
		int rc_ = (expr);                                                                    \
		if (rc_ != 0)                                                                        \
			fail_msg("%s: %d (%s)", #expr, rc_, baton_error_last()->message);                \
	} while (0)

typedef enum kind { K_RESOURCE_TYPE, K_RESOURCE, K_ENTITLEMENT, K_GRANT } kind;
static const char *const tables[] = { "v1_resource_types", "v1_resources", "v1_entitlements",
	                                  "v1_grants" };

typedef struct walk {
	const char *file;
	kind k;
	size_t rows;
	/* Found while walking. */
	size_t users, users_enabled, expandable, with_sources, source_entries;
	bool saw_u500, saw_everyone, saw_p99_access, saw_g19, saw_g10, saw_u0_p32;
} walk;

static void assert_bytes_equal(const walk *w, int64_t id, const char *when, const uint8_t *got,
                               size_t got_len, const uint8_t *want, size_t want_len)
{
	if (got_len == want_len && (want_len == 0 || memcmp(got, want, want_len) == 0))
		return;
	size_t k = 0;
	while (k < got_len && k < want_len && got[k] == want[k])
		k++;
	fail_msg("%s: %s row %lld: %s gives different bytes (%zu vs %zu in the file, first "
	         "difference at %zu)", w->file, tables[w->k], (long long)id, when, got_len, want_len, k);
}

static void inspect_resource(walk *w, int64_t id, baton_resource *r, baton_ctx *ctx,
                             const uint8_t *data, size_t len)
{
	baton_resource_id rid = baton_resource_get_id(r);
	const char *details = NULL;

	if (strcmp(rid.resource_type, "user") == 0) {
		w->users++;
		assert_true(baton_resource_has_trait(r, BATON_TRAIT_USER));
		/* The resource has no status of its own: the reader falls back to the trait's. */
		if (baton_resource_status(r, &details) == BATON_STATUS_ENABLED)
			w->users_enabled++;
	}
	if (strcmp(rid.resource, "user-0000500") == 0) {
		w->saw_u500 = true;
		assert_string_equal(baton_resource_display_name(r), "User 0000500");
		assert_int_equal(baton_resource_status(r, &details), BATON_STATUS_ENABLED);
		assert_string_equal(details, "Enabled");
		const char *full_name = NULL;
		OK(baton_resource_profile_string(r, "full_name", &full_name));
		assert_string_equal(full_name, "User 0000500");

		baton_user_trait *ut = baton_resource_user_trait(r);
		assert_non_null(ut);
		bool primary = false;
		assert_int_equal(baton_user_trait_email_count(ut), 1);
		assert_string_equal(baton_user_trait_email_at(ut, 0, &primary), "user-500@example.com");
		assert_true(primary);
		assert_int_equal(baton_user_trait_status(ut, &details), BATON_STATUS_ENABLED);
		assert_string_equal(details, "Enabled");
		assert_int_equal(baton_user_trait_account_type(ut), BATON_ACCOUNT_TYPE_HUMAN);
		assert_string_equal(baton_user_trait_login(ut), "user-0000500");
		assert_int_equal(baton_user_trait_login_alias_count(ut), 0);
		assert_int_equal(baton_user_trait_employee_id_count(ut), 1);
		assert_string_equal(baton_user_trait_employee_id_at(ut, 0), "user-0000500");
		assert_false(baton_user_trait_last_login(ut, &(baton_timestamp){ 0, 0 }));
	}
	if (strcmp(rid.resource, "group-everyone") == 0) {
		w->saw_everyone = true;
		assert_string_equal(baton_resource_display_name(r), "Everyone");
		assert_true(baton_resource_has_trait(r, BATON_TRAIT_GROUP));
		assert_false(baton_resource_has_trait(r, BATON_TRAIT_USER));
		int64_t size = 0;
		OK(baton_resource_profile_int64(r, "group_size", &size));
		assert_int_equal(size, 1001);
		const char *color = NULL;
		OK(baton_resource_profile_string(r, "group_color", &color));
		assert_string_equal(color, "green");
		assert_int_equal(baton_resource_profile_string(r, "group_size", &color), BATON_EINVALID);
		assert_int_equal(baton_resource_profile_string(r, "missing", &color), BATON_ENOTFOUND);
		assert_false(baton_resource_get_parent(r, &(baton_resource_id){ NULL, NULL }));

		const uint8_t *d2;
		size_t l2;
		OK(baton_resource_pack(r, ctx, &d2, &l2));
		assert_bytes_equal(w, id, "pack after reading the profile", d2, l2, data, len);
	}
}

static void inspect_entitlement(walk *w, baton_entitlement *e)
{
	if (strcmp(baton_entitlement_id(e), "project:project-0000099:access") != 0)
		return;
	w->saw_p99_access = true;
	assert_string_equal(baton_entitlement_display_name(e), "access");
	assert_string_equal(baton_entitlement_description(e), "Has access to the Project 0000099 project");
	assert_string_equal(baton_entitlement_slug(e), "access");
	assert_int_equal(baton_entitlement_purpose_of(e), BATON_PURPOSE_ASSIGNMENT);
	assert_int_equal(baton_entitlement_grantable_to_count(e), 2);
	assert_string_equal(baton_entitlement_grantable_to_at(e, 0), "group");
	assert_string_equal(baton_entitlement_grantable_to_at(e, 1), "user");
	baton_resource *r = baton_entitlement_resource(e);
	assert_non_null(r);
	assert_string_equal(baton_resource_get_id(r).resource, "project-0000099");
	assert_string_equal(baton_resource_display_name(r), "Project 0000099");
}

static void inspect_grant(walk *w, baton_grant *g, baton_ctx *ctx)
{
	const char *const *ents = NULL, *const *rts = NULL;
	size_t n = 0, n_rt = 0;
	bool shallow = true;
	int rc = baton_grant_expandable(g, ctx, &ents, &n, &shallow, &rts, &n_rt);

	if (rc == 0) {
		w->expandable++;
		assert_false(shallow);
		assert_int_equal(n_rt, 0);
	} else {
		assert_int_equal(rc, BATON_ENOTFOUND);
	}
	size_t ns = baton_grant_source_count(g);
	if (ns > 0) {
		w->with_sources++;
		w->source_entries += ns;
	}

	const char *id = baton_grant_id(g);
	if (strcmp(id, "project:project-0000099:access:group:group-0000019") == 0) {
		w->saw_g19 = true;
		assert_int_equal(rc, 0);
		assert_int_equal(n, 2);
		assert_string_equal(ents[0], "group:group-0000019:member");
		assert_string_equal(ents[1], "group:group-0000019:admin");
		assert_string_equal(baton_grant_entitlement_id(g), "project:project-0000099:access");
		baton_resource_id res = baton_grant_resource_id(g);
		assert_string_equal(res.resource_type, "project");
		assert_string_equal(res.resource, "project-0000099");
		baton_resource_id p = baton_grant_principal_id(g);
		assert_string_equal(p.resource_type, "group");
		assert_string_equal(p.resource, "group-0000019");
	}
	if (strcmp(id, "project:project-0000099:access:group:group-0000010") == 0 && ns > 0) {
		bool direct = true;
		w->saw_g10 = true;
		assert_int_equal(ns, 2);
		assert_string_equal(baton_grant_source_at(g, 0, &direct), "group:group-0000019:member");
		assert_false(direct);
		assert_string_equal(baton_grant_source_at(g, 1, NULL), "project:project-0000099:access");
	}
	if (strcmp(id, "project:project-0000032:access:user:user-0000000") == 0) {
		w->saw_u0_p32 = true;
		assert_int_equal(ns, 4);
		assert_string_equal(baton_grant_source_at(g, 0, NULL), "group:group-0000000:admin");
		assert_string_equal(baton_grant_source_at(g, 1, NULL), "group:group-0000000:member");
		assert_string_equal(baton_grant_source_at(g, 2, NULL), "group:group-0000012:admin");
		assert_string_equal(baton_grant_source_at(g, 3, NULL), "group:group-0000012:member");
		assert_true(baton_annotations_contains(baton_grant_annotations(g),
		                                       "c1.connector.v2.GrantImmutable"));
	}
}

/*
 * Reading a file's user through its trait view must not change what the resource packs to
 * (Go's GetUserTrait is read-only). Kept apart from the walk so a failure here does not hide the
 * rest; cleans up before failing so sanitizer runs report only the failure.
 */
static void test_trait_read_keeps_bytes(void **state)
{
	(void)state;
	c1z_raw *raw = c1z_raw_open(test_data_path("c1z/expansion-small.unexpanded.c1z"));
	sqlite3_stmt *st;
	baton_ctx *ctx;
	baton_resource *r;
	const uint8_t *out;
	size_t out_len;
	bool primary = false, same;
	char email[64];

	assert_int_equal(sqlite3_prepare_v2(c1z_raw_db(raw),
	                                    "SELECT data FROM v1_resources "
	                                    "WHERE external_id = 'user:user-0000500'", -1, &st, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	const uint8_t *data = sqlite3_column_blob(st, 0);
	size_t len = (size_t)sqlite3_column_bytes(st, 0);

	OK(baton_ctx_new(&ctx));
	OK(baton_resource_unpack(ctx, data, len, &r));
	baton_user_trait *ut = baton_resource_user_trait(r);
	assert_non_null(ut);
	snprintf(email, sizeof email, "%s", baton_user_trait_email_at(ut, 0, &primary));
	OK(baton_resource_pack(r, ctx, &out, &out_len));
	same = out_len == len && memcmp(out, data, len) == 0;
	size_t got_len = out_len;

	baton_ctx_free(ctx);
	sqlite3_finalize(st);
	c1z_raw_close(raw);
	assert_string_equal(email, "user-500@example.com");
	assert_true(primary);
	if (!same)
		fail_msg("user-0000500: baton_resource_user_trait() on an unpacked resource changes what it "
		         "packs to (%zu bytes instead of the file's %zu): the trait's status and profile "
		         "get mirrored onto the resource", got_len, len);
}

static int on_blob(int64_t id, const uint8_t *data, size_t len, void *ud)
{
	walk *w = ud;
	baton_ctx *ctx;
	const uint8_t *out = NULL;
	size_t out_len = 0;

	OK(baton_ctx_new(&ctx));
	w->rows++;
	switch (w->k) {
	case K_RESOURCE_TYPE: {
		baton_resource_type *rt;
		OK(baton_resource_type_unpack(ctx, data, len, &rt));
		OK(baton_resource_type_pack(rt, ctx, &out, &out_len));
		assert_bytes_equal(w, id, "unpack + pack", out, out_len, data, len);
		if (strcmp(baton_resource_type_id(rt), "user") == 0) {
			assert_string_equal(baton_resource_type_display_name(rt), "User");
			assert_true(baton_resource_type_has_trait(rt, BATON_TRAIT_USER));
			assert_true(baton_annotations_contains(baton_resource_type_annotations(rt),
			                                       "c1.connector.v2.SkipEntitlementsAndGrants"));
		}
		break;
	}
	case K_RESOURCE: {
		baton_resource *r;
		OK(baton_resource_unpack(ctx, data, len, &r));
		OK(baton_resource_pack(r, ctx, &out, &out_len));
		assert_bytes_equal(w, id, "unpack + pack", out, out_len, data, len);
		inspect_resource(w, id, r, ctx, data, len);
		break;
	}
	case K_ENTITLEMENT: {
		baton_entitlement *e;
		OK(baton_entitlement_unpack(ctx, data, len, &e));
		OK(baton_entitlement_pack(e, ctx, &out, &out_len));
		assert_bytes_equal(w, id, "unpack + pack", out, out_len, data, len);
		inspect_entitlement(w, e);
		break;
	}
	case K_GRANT: {
		baton_grant *g;
		OK(baton_grant_unpack(ctx, data, len, &g));
		OK(baton_grant_pack(g, ctx, &out, &out_len));
		assert_bytes_equal(w, id, "unpack + pack", out, out_len, data, len);
		inspect_grant(w, g, ctx);
		break;
	}
	}
	baton_ctx_free(ctx);
	return 0;
}

static walk scan(const char *rel, c1z_raw *raw, kind k)
{
	walk w = { .file = rel, .k = k };
	c1z_raw_each_blob(raw, tables[k], on_blob, &w);
	return w;
}

static void check_file(const char *rel, bool expanded)
{
	c1z_raw *raw = c1z_raw_open(test_data_path(rel));

	walk w = scan(rel, raw, K_RESOURCE_TYPE);
	assert_int_equal(w.rows, 4);

	w = scan(rel, raw, K_RESOURCE);
	assert_int_equal(w.rows, 1221);
	assert_int_equal(w.users, 1000);
	assert_int_equal(w.users_enabled, 1000);
	assert_true(w.saw_u500);
	assert_true(w.saw_everyone);

	w = scan(rel, raw, K_ENTITLEMENT);
	assert_int_equal(w.rows, 342);
	assert_true(w.saw_p99_access);

	w = scan(rel, raw, K_GRANT);
	assert_int_equal(w.rows, expanded ? 14981 : 2909);
	assert_int_equal(w.expandable, 409);
	assert_true(w.saw_g19);
	assert_int_equal(w.with_sources, expanded ? 13271 : 0);
	assert_int_equal(w.source_entries, expanded ? 26670 : 0);
	assert_int_equal(w.saw_g10, expanded);
	assert_int_equal(w.saw_u0_p32, expanded);

	c1z_raw_close(raw);
}

static void test_unexpanded(void **state)
{
	(void)state;
	check_file("c1z/expansion-small.unexpanded.c1z", false);
}

static void test_expanded(void **state)
{
	(void)state;
	check_file("c1z/expansion-small.expanded.c1z", true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unexpanded),
		cmocka_unit_test(test_expanded),
		cmocka_unit_test(test_trait_read_keeps_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
