/*
 * c1z interop, C writes and Go reads: writes $BATON_TEST_OUT_DIR/interop/ours.c1z with the store
 * and ours.json, a manifest of what it stored (see interop_manifest.h), for the Go SDK's own
 * reader in tests/interop/store_test.go to check (scripts/interop.sh runs both).
 *
 * The file holds one finished full sync (resource types with traits -- one without resources --, users with user traits, a
 * group, a resource with a parent, entitlements, grants -- two expandable, one with sources --,
 * two assets and session keys) and, started after it, an unfinished full sync with different
 * rows, so the reader must pick the finished one. Under plain ctest this only writes the files
 * and reads them back with our own store.
 */
#include "store_testutil.h"

#include <errno.h>

#include "interop_manifest.h"

typedef struct writer {
	baton_ctx *ctx;
	baton_store *s;
	json_t *rts, *res, *ents, *grants;
} writer;

static void put_rt(writer *w, json_t *list, baton_resource_type *rt)
{
	const uint8_t *d;
	size_t n;
	CHECK(baton_resource_type_pack(rt, w->ctx, &d, &n));
	json_array_append_new(list, im_with_data(im_describe_resource_type(rt), d, n));
	CHECK(baton_store_put_resource_type(w->s, rt));
}

static void put_res(writer *w, json_t *list, baton_resource *r)
{
	const uint8_t *d;
	size_t n;
	CHECK(baton_resource_pack(r, w->ctx, &d, &n));
	json_array_append_new(list, im_with_data(im_describe_resource(r), d, n));
	CHECK(baton_store_put_resource(w->s, r));
}

static void put_ent(writer *w, baton_entitlement *e)
{
	const uint8_t *d;
	size_t n;
	CHECK(baton_entitlement_pack(e, w->ctx, &d, &n));
	json_array_append_new(w->ents, im_with_data(im_describe_entitlement(e), d, n));
	CHECK(baton_store_put_entitlement(w->s, e));
}

static void put_grant(writer *w, baton_grant *g)
{
	const uint8_t *d;
	size_t n;
	CHECK(baton_grant_pack(g, w->ctx, &d, &n));
	json_array_append_new(w->grants, im_with_data(im_describe_grant(g, w->ctx), d, n));
	CHECK(baton_store_put_grant(w->s, g));
}

static const uint8_t png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 0x0d, 0xff, 0xfe, 0x80};
static const char doc[] = "plain text asset";
static const uint8_t session_val[] = {'p', 'a', 'g', 'e', '-', '2', 0, 0xff, 0x01};

static void test_write_ours_c1z(void **state)
{
	(void)state;
	writer w = {0};
	char dir[4096], path[4200], mpath[4200], fin[28], unfin[28];
	snprintf(dir, sizeof dir, "%s/interop", test_out_dir());
	if (mkdir(dir, 0777) != 0 && errno != EEXIST)
		fail_msg("mkdir %s: %s", dir, strerror(errno));
	snprintf(path, sizeof path, "%s/ours.c1z", dir);
	snprintf(mpath, sizeof mpath, "%s/ours.json", dir);
	unlink(path);
	unlink(mpath);

	CHECK(baton_ctx_new(&w.ctx));
	baton_ctx *ctx = w.ctx;
	w.rts = json_array();
	w.res = json_array();
	w.ents = json_array();
	w.grants = json_array();
	CHECK(baton_store_open(path, NULL, &w.s));

	/* ---- sync 1: full, finished ---- */
	CHECK(baton_store_sync_start(w.s, BATON_SYNC_TYPE_FULL, NULL, fin));

	baton_trait t_user = BATON_TRAIT_USER, t_group = BATON_TRAIT_GROUP;
	baton_resource_type *rt_user, *rt_group, *rt_org, *rt_repo, *rt_role;
	CHECK(baton_resource_type_new(ctx, "User", &t_user, 1, &rt_user));
	CHECK(baton_resource_type_set_description(rt_user, "People who sign in"));
	CHECK(baton_resource_type_new(ctx, "Group", &t_group, 1, &rt_group));
	CHECK(baton_resource_type_new(ctx, "Org", NULL, 0, &rt_org));
	CHECK(baton_resource_type_new(ctx, "Repository", NULL, 0, &rt_repo));
	put_rt(&w, w.rts, rt_user);
	put_rt(&w, w.rts, rt_group);
	put_rt(&w, w.rts, rt_org);
	put_rt(&w, w.rts, rt_repo);
	/* A type without resources: upstream's stats list it with a zero count. */
	baton_trait t_role = BATON_TRAIT_ROLE;
	CHECK(baton_resource_type_new(ctx, "Cloud Role", &t_role, 1, &rt_role));
	put_rt(&w, w.rts, rt_role);

	baton_resource *alice, *bob, *eng, *acme, *widgets;
	CHECK(baton_user_resource_new(ctx, "Alice Smith", rt_user, "alice", &alice));
	baton_user_trait *ut = baton_resource_user_trait(alice);
	assert_non_null(ut);
	CHECK(baton_user_trait_add_email(ut, "alice@example.com", true));
	CHECK(baton_user_trait_add_email(ut, "alice.alt@example.org", false));
	const char *aliases[] = {"asmith", "alice.smith"};
	CHECK(baton_user_trait_set_login(ut, "alice", aliases, 2));
	const char *emp[] = {"E-1001"};
	CHECK(baton_user_trait_set_employee_ids(ut, emp, 1));
	CHECK(baton_user_trait_set_last_login(ut, (baton_timestamp){1700000000, 123456789}));
	CHECK(baton_user_trait_set_mfa_enabled(ut, true));
	CHECK(baton_user_trait_set_profile_json(ut, "{\"department\":\"R&D\",\"level\":3}"));
	CHECK(baton_user_resource_new(ctx, "Bob", rt_user, "bob", &bob));
	ut = baton_resource_user_trait(bob);
	assert_non_null(ut);
	CHECK(baton_user_trait_add_email(ut, "bob@example.org", true));
	CHECK(baton_user_trait_set_status(ut, BATON_STATUS_DISABLED, "on leave"));
	CHECK(baton_user_trait_set_account_type(ut, BATON_ACCOUNT_TYPE_SERVICE));
	CHECK(baton_group_resource_new(ctx, "Engineering", rt_group, "eng", &eng));
	baton_group_trait *gt = baton_resource_group_trait(eng);
	assert_non_null(gt);
	CHECK(baton_group_trait_set_source_type(gt, BATON_GROUP_SOURCE_NATIVE));
	CHECK(baton_group_trait_set_raw_source_type(gt, "AAD security group"));
	CHECK(baton_resource_set_description(eng, "Everyone who builds things"));
	CHECK(baton_resource_new(ctx, "ACME", rt_org, "acme", &acme));
	CHECK(baton_resource_new(ctx, "widgets", rt_repo, "acme/widgets", &widgets));
	baton_resource_id acme_id = {"org", "acme"};
	CHECK(baton_resource_set_parent(widgets, &acme_id));
	put_res(&w, w.res, alice);
	put_res(&w, w.res, bob);
	put_res(&w, w.res, eng);
	put_res(&w, w.res, acme);
	put_res(&w, w.res, widgets);

	baton_entitlement *member, *admin, *write;
	CHECK(baton_assignment_entitlement_new(ctx, eng, "member", &member));
	const baton_resource_type *both[] = {rt_user, rt_group};
	CHECK(baton_entitlement_set_grantable_to(member, both, 2));
	CHECK(baton_entitlement_set_description(member, "Member of Engineering"));
	CHECK(baton_permission_entitlement_new(ctx, eng, "admin", &admin));
	CHECK(baton_permission_entitlement_new(ctx, widgets, "write", &write));
	CHECK(baton_entitlement_set_grantable_to(write, both, 2));
	put_ent(&w, member);
	put_ent(&w, admin);
	put_ent(&w, write);

	baton_resource_id p_alice = {"user", "alice"}, p_bob = {"user", "bob"}, p_eng = {"group", "eng"};
	baton_grant *g_alice, *g_bob, *g_eng_write, *g_eng_admin, *g_alice_write;
	CHECK(baton_grant_new(ctx, eng, "member", &p_alice, &g_alice));
	CHECK(baton_grant_new_with_principal(ctx, eng, "member", bob, &g_bob));
	CHECK(baton_grant_set_metadata_json(g_bob, "{\"source\":\"hr\"}"));
	/* Members of eng get write on widgets (expansion pending), user principals only. */
	CHECK(baton_grant_new(ctx, widgets, "write", &p_eng, &g_eng_write));
	const char *member_ids[] = {"group:eng:member"}, *user_rt[] = {"user"};
	CHECK(baton_grant_set_expandable(g_eng_write, member_ids, 1, false, user_rt, 1));
	/* A shallow expandable grant, the annotation among others. */
	CHECK(baton_grant_new(ctx, eng, "admin", &p_eng, &g_eng_admin));
	CHECK(baton_grant_set_immutable(g_eng_admin, "src-1", NULL));
	CHECK(baton_grant_set_expandable(g_eng_admin, member_ids, 1, true, NULL, 0));
	/* What the expander derives: alice's write via eng membership, plus a direct source. */
	CHECK(baton_grant_new(ctx, widgets, "write", &p_alice, &g_alice_write));
	CHECK(baton_grant_add_source(g_alice_write, "group:eng:member", false));
	CHECK(baton_grant_add_source(g_alice_write, "repository:acme/widgets:write", true));
	put_grant(&w, g_alice);
	put_grant(&w, g_bob);
	put_grant(&w, g_eng_write);
	put_grant(&w, g_eng_admin);
	put_grant(&w, g_alice_write);
	(void)p_bob;

	CHECK(baton_store_put_asset(w.s, "icon-alice", "image/png", png, sizeof png));
	CHECK(baton_store_put_asset(w.s, "doc-1", "", (const uint8_t *)doc, strlen(doc)));
	CHECK(baton_store_session_set(w.s, fin, "cursor:users", session_val, sizeof session_val));
	CHECK(baton_store_session_set(w.s, fin, "etag", (const uint8_t *)"W/\"42\"", 6));
	CHECK(baton_store_sync_end(w.s));

	/* ---- sync 2: full, left unfinished ---- */
	json_t *u_rts = json_array(), *u_res = json_array();
	CHECK(baton_store_sync_start(w.s, BATON_SYNC_TYPE_FULL, NULL, unfin));
	assert_string_not_equal(fin, unfin);
	baton_resource_type *rt_person;
	CHECK(baton_resource_type_new(ctx, "Person", &t_user, 1, &rt_person));
	CHECK(baton_resource_type_set_id(rt_person, "user"));
	put_rt(&w, u_rts, rt_person);
	baton_resource *carol;
	CHECK(baton_user_resource_new(ctx, "Carol", rt_person, "carol", &carol));
	put_res(&w, u_res, carol);
	CHECK(baton_store_flush(w.s));
	CHECK(baton_store_close(w.s));

	json_t *assets = json_array();
	char *b = im_base64(png, sizeof png);
	json_array_append_new(assets, json_pack("{s:s, s:s, s:s}", "id", "icon-alice", "content_type", "image/png", "data", b));
	free(b);
	b = im_base64((const uint8_t *)doc, strlen(doc));
	json_array_append_new(assets, json_pack("{s:s, s:s, s:s}", "id", "doc-1", "content_type", "unknown", "data", b));
	free(b);
	json_t *sessions = json_array();
	b = im_base64(session_val, sizeof session_val);
	json_array_append_new(sessions, json_pack("{s:s, s:s, s:s}", "sync_id", fin, "key", "cursor:users", "value", b));
	free(b);
	b = im_base64((const uint8_t *)"W/\"42\"", 6);
	json_array_append_new(sessions, json_pack("{s:s, s:s, s:s}", "sync_id", fin, "key", "etag", "value", b));
	free(b);

	json_t *counts = json_pack("{s:I, s:I, s:I, s:I, s:I}", "resource_types", (json_int_t)json_array_size(w.rts),
	                           "resources", (json_int_t)json_array_size(w.res), "entitlements",
	                           (json_int_t)json_array_size(w.ents), "grants", (json_int_t)json_array_size(w.grants),
	                           "assets", (json_int_t)json_array_size(assets));
	json_t *m = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:{s:o, s:o}}", "writer", "libbaton",
	                      "finished_sync_id", fin, "unfinished_sync_id", unfin, "counts", counts,
	                      "resource_types", w.rts, "resources", w.res, "entitlements", w.ents, "grants",
	                      w.grants, "assets", assets, "sessions", sessions, "unfinished", "resource_types",
	                      u_rts, "resources", u_res);
	assert_non_null(m);
	if (json_dump_file(m, mpath, JSON_INDENT(1) | JSON_SORT_KEYS) != 0)
		fail_msg("cannot write %s", mpath);

	/* Read it back with our own store: the counts of both syncs and the sync choice. */
	baton_store_options o = BATON_STORE_OPTIONS_INIT;
	o.read_only = true;
	baton_store *s;
	CHECK(baton_store_open(path, &o, &s));
	baton_sync_run run;
	CHECK(baton_store_sync_latest_finished(s, BATON_SYNC_TYPE_FULL, ctx, &run));
	assert_string_equal(run.id, fin);
	CHECK(baton_store_sync_latest_unfinished(s, BATON_SYNC_TYPE_ANY, ctx, &run));
	assert_string_equal(run.id, unfin);
	baton_store_counts c;
	CHECK(baton_store_count(s, NULL, &c));
	assert_int_equal(c.resource_types, 5);
	assert_int_equal(c.resources, 5);
	assert_int_equal(c.entitlements, 3);
	assert_int_equal(c.grants, 5);
	assert_int_equal(c.assets, 2);
	CHECK(baton_store_count(s, unfin, &c));
	assert_int_equal(c.resource_types, 1);
	assert_int_equal(c.resources, 1);
	baton_store_discard(s);
	print_message("wrote %s (finished sync %s, unfinished %s) and %s\n", path, fin, unfin, mpath);
	json_decref(m);
	baton_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_ours_c1z),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
