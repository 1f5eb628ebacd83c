/* The store: writing every kind of row, saving, reopening, reading back the same bytes. */
#define _GNU_SOURCE /* memmem */
#include "store_testutil.h"

#include <regex.h>
#include <jansson.h>

#include "c1z_raw.h"

typedef struct fixture {
	baton_ctx *ctx;
	char *dir;
	char *path;
	/* what was written, packed */
	const uint8_t *rt_bytes[2], *res_bytes[3], *ent_bytes[2], *grant_bytes[3];
	size_t rt_len[2], res_len[3], ent_len[2], grant_len[3];
	char sync_id[28];
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	CHECK(baton_ctx_new(&f->ctx));
	f->dir = st_mkdtemp("rt");
	f->path = st_path(f->dir, "sync.c1z");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	baton_ctx_free(f->ctx);
	st_rmtree(f->dir);
	free(f->dir);
	free(f->path);
	free(f);
	return 0;
}

static void pack_grant(baton_ctx *ctx, baton_grant *g, const uint8_t **d, size_t *n)
{
	CHECK(baton_grant_pack(g, ctx, d, n));
}

/* Writes a small sync of every kind of row into f->path. */
static void write_sample(fixture *f)
{
	baton_ctx *ctx = f->ctx;
	baton_store *s;
	CHECK(baton_store_open(f->path, NULL, &s));
	CHECK(baton_store_sync_start(s, BATON_SYNC_TYPE_FULL, NULL, f->sync_id));
	assert_int_equal(strlen(f->sync_id), 27);
	assert_true(baton_store_is_dirty(s));

	baton_trait user_t = BATON_TRAIT_USER, group_t = BATON_TRAIT_GROUP;
	baton_resource_type *rt_user, *rt_group;
	CHECK(baton_resource_type_new(ctx, "User", &user_t, 1, &rt_user));
	CHECK(baton_resource_type_new(ctx, "Group", &group_t, 1, &rt_group));
	CHECK(baton_annotations_set_skip_entitlements_and_grants(baton_resource_type_annotations(rt_user)));

	baton_resource *u1, *u2, *g1;
	CHECK(baton_user_resource_new(ctx, "Alice Smith", rt_user, "u1", &u1));
	CHECK(baton_user_trait_add_email(baton_resource_user_trait(u1), "alice@example.com", true));
	CHECK(baton_user_resource_new(ctx, "Bob", rt_user, "u2", &u2));
	CHECK(baton_group_resource_new(ctx, "Eng", rt_group, "g1", &g1));
	baton_resource_id parent = {"group", "g1"};
	CHECK(baton_resource_set_parent(u2, &parent));

	baton_entitlement *member, *admin;
	CHECK(baton_assignment_entitlement_new(ctx, g1, "member", &member));
	CHECK(baton_permission_entitlement_new(ctx, g1, "admin", &admin));
	const baton_resource_type *gt[] = {rt_user, rt_group};
	CHECK(baton_entitlement_set_grantable_to(member, gt, 2));

	baton_resource_id pu1 = {"user", "u1"}, pg1 = {"group", "g1"};
	baton_grant *gr1, *gr2, *gr3;
	CHECK(baton_grant_new(ctx, g1, "member", &pu1, &gr1));
	CHECK(baton_grant_new(ctx, g1, "admin", &pg1, &gr2));
	const char *exp_ids[] = {"group:g1:member"};
	CHECK(baton_grant_set_expandable(gr2, exp_ids, 1, false, NULL, 0));
	CHECK(baton_grant_new_with_principal(ctx, g1, "member", u2, &gr3));
	CHECK(baton_grant_add_source(gr3, "group:g1:admin", false));
	CHECK(baton_grant_add_source(gr3, "group:g1:member", true));

	CHECK(baton_resource_type_pack(rt_user, ctx, &f->rt_bytes[0], &f->rt_len[0]));
	CHECK(baton_resource_type_pack(rt_group, ctx, &f->rt_bytes[1], &f->rt_len[1]));
	CHECK(baton_resource_pack(u1, ctx, &f->res_bytes[0], &f->res_len[0]));
	CHECK(baton_resource_pack(u2, ctx, &f->res_bytes[1], &f->res_len[1]));
	CHECK(baton_resource_pack(g1, ctx, &f->res_bytes[2], &f->res_len[2]));
	CHECK(baton_entitlement_pack(member, ctx, &f->ent_bytes[0], &f->ent_len[0]));
	CHECK(baton_entitlement_pack(admin, ctx, &f->ent_bytes[1], &f->ent_len[1]));
	pack_grant(ctx, gr1, &f->grant_bytes[0], &f->grant_len[0]);
	pack_grant(ctx, gr2, &f->grant_bytes[1], &f->grant_len[1]);
	pack_grant(ctx, gr3, &f->grant_bytes[2], &f->grant_len[2]);

	CHECK(baton_store_put_resource_type(s, rt_user));
	CHECK(baton_store_put_resource_type(s, rt_group));
	CHECK(baton_store_put_resource(s, u1));
	CHECK(baton_store_put_resource(s, u2));
	CHECK(baton_store_put_resource(s, g1));
	CHECK(baton_store_put_entitlement(s, member));
	CHECK(baton_store_put_entitlement(s, admin));
	CHECK(baton_store_put_grant(s, gr1));
	CHECK(baton_store_put_grant(s, gr2));
	CHECK(baton_store_put_grant(s, gr3));
	static const uint8_t png[] = {0x89, 'P', 'N', 'G', 1, 2, 3};
	CHECK(baton_store_put_asset(s, "icon-1", "image/png", png, sizeof png));
	CHECK(baton_store_put_asset(s, "icon-2", "", png, sizeof png));
	CHECK(baton_store_put_asset(s, "icon-empty", "image/png", png, 0)); /* skipped */
	CHECK(baton_store_sync_checkpoint(s, "{\"step_durations_ms\":{\"list-grants\":12,\"init\":3},"
	                                     "\"connector_call_stats\":{\"get\":{\"count\":2,\"total_ms\":5,"
	                                     "\"max_ms\":4}}}"));
	CHECK(baton_store_sync_end(s));
	assert_null(baton_store_sync_current(s));
	CHECK(baton_store_close(s));
}

static void test_roundtrip_every_row(void **state)
{
	fixture *f = *state;
	write_sample(f);
	struct stat st;
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);

	baton_store_options o = BATON_STORE_OPTIONS_INIT;
	o.read_only = true;
	baton_store *s;
	CHECK(baton_store_open(f->path, &o, &s));
	baton_store_iter *it;
	const uint8_t *d;
	size_t n;
	baton_ctx *ctx = f->ctx;

	CHECK(baton_store_list_resource_types(s, NULL, &it));
	baton_resource_type *rt;
	for (int i = 0; i < 2; i++) {
		CHECK(baton_store_iter_next_resource_type(it, &rt));
		CHECK(baton_resource_type_pack(rt, ctx, &d, &n));
		assert_memory_equal(d, f->rt_bytes[i], n);
		assert_int_equal(n, f->rt_len[i]);
	}
	assert_int_equal(baton_store_iter_next_resource_type(it, &rt), BATON_ITEROVER);
	assert_string_equal(baton_store_iter_next_page_token(it), "");
	baton_store_iter_free(it);

	CHECK(baton_store_list_resources(s, NULL, &it));
	baton_resource *r;
	for (int i = 0; i < 3; i++) {
		CHECK(baton_store_iter_next_resource(it, &r));
		CHECK(baton_resource_pack(r, ctx, &d, &n));
		assert_int_equal(n, f->res_len[i]);
		assert_memory_equal(d, f->res_bytes[i], n);
	}
	assert_int_equal(baton_store_iter_next_resource(it, &r), BATON_ITEROVER);
	baton_store_iter_free(it);

	CHECK(baton_store_list_entitlements(s, NULL, &it));
	baton_entitlement *e;
	for (int i = 0; i < 2; i++) {
		CHECK(baton_store_iter_next_entitlement(it, &e));
		CHECK(baton_entitlement_pack(e, ctx, &d, &n));
		assert_int_equal(n, f->ent_len[i]);
		assert_memory_equal(d, f->ent_bytes[i], n);
	}
	assert_int_equal(baton_store_iter_next_entitlement(it, &e), BATON_ITEROVER);
	baton_store_iter_free(it);

	CHECK(baton_store_list_grants(s, NULL, &it));
	baton_grant *g;
	for (int i = 0; i < 3; i++) {
		CHECK(baton_store_iter_next_grant(it, &g));
		CHECK(baton_grant_pack(g, ctx, &d, &n));
		assert_int_equal(n, f->grant_len[i]);
		assert_memory_equal(d, f->grant_bytes[i], n);
	}
	assert_int_equal(baton_store_iter_next_grant(it, &g), BATON_ITEROVER);
	baton_store_iter_free(it);

	/* Point reads. */
	CHECK(baton_store_get_grant(s, NULL, "group:g1:admin:group:g1", ctx, &g));
	const char *const *ids;
	size_t nids;
	CHECK(baton_grant_expandable(g, ctx, &ids, &nids, NULL, NULL, NULL));
	assert_int_equal(nids, 1);
	assert_string_equal(ids[0], "group:g1:member");
	baton_resource_id rid = {"user", "u2"};
	CHECK(baton_store_get_resource(s, NULL, &rid, ctx, &r));
	baton_resource_id par;
	assert_true(baton_resource_get_parent(r, &par));
	assert_string_equal(par.resource, "g1");
	CHECK(baton_store_get_resource_type(s, NULL, "group", ctx, &rt));
	CHECK(baton_store_get_entitlement(s, NULL, "group:g1:admin", ctx, &e));
	assert_int_equal(baton_store_get_entitlement(s, NULL, "nope", ctx, &e), BATON_ENOTFOUND);
	const char *ct;
	const uint8_t *ad;
	size_t al;
	CHECK(baton_store_get_asset(s, NULL, "icon-1", ctx, &ct, &ad, &al));
	assert_string_equal(ct, "image/png");
	assert_int_equal(al, 7);
	CHECK(baton_store_get_asset(s, NULL, "icon-2", ctx, &ct, &ad, &al));
	assert_string_equal(ct, "unknown");
	assert_int_equal(baton_store_get_asset(s, NULL, "icon-empty", ctx, &ct, &ad, &al), BATON_ENOTFOUND);

	baton_store_counts c;
	CHECK(baton_store_count(s, NULL, &c));
	assert_int_equal(c.resource_types, 2);
	assert_int_equal(c.resources, 3);
	assert_int_equal(c.entitlements, 2);
	assert_int_equal(c.grants, 3);
	assert_int_equal(c.assets, 2);

	baton_sync_run run;
	CHECK(baton_store_sync_latest_finished(s, BATON_SYNC_TYPE_ANY, ctx, &run));
	assert_string_equal(run.id, f->sync_id);
	assert_int_equal(run.type, BATON_SYNC_TYPE_FULL);
	assert_non_null(run.ended_at);
	assert_false(baton_store_is_dirty(s));
	/* Read-only: writes are refused. */
	char id[28];
	st_expect_error(baton_store_sync_start(s, BATON_SYNC_TYPE_FULL, NULL, id), BATON_EPERM, "read-only");
	CHECK(baton_store_close(s));
}

/* The raw columns, as the Go SDK would write them. */
static void test_raw_columns(void **state)
{
	fixture *f = *state;
	write_sample(f);
	c1z_raw *raw = c1z_raw_open(f->path);
	sqlite3 *db = c1z_raw_db(raw);
	sqlite3_stmt *st;

	/* Grants: the expandable one has its annotation moved into `expansion`. */
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT external_id, expansion, needs_expansion, data, "
	                 "resource_type_id, resource_id, entitlement_id, principal_resource_type_id, "
	                 "principal_resource_id FROM v1_grants ORDER BY id", -1, &st, NULL), SQLITE_OK);
	int row = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *ext = (const char *)sqlite3_column_text(st, 0);
		if (strcmp(ext, "group:g1:admin:group:g1") == 0) {
			assert_int_equal(sqlite3_column_type(st, 1), SQLITE_BLOB);
			assert_int_equal(sqlite3_column_int(st, 2), 1);
			/* the data blob no longer names GrantExpandable */
			const char *blob = sqlite3_column_blob(st, 3);
			int bn = sqlite3_column_bytes(st, 3);
			assert_null(memmem(blob, (size_t)bn, "GrantExpandable", 15));
			assert_string_equal((const char *)sqlite3_column_text(st, 7), "group");
		} else {
			assert_int_equal(sqlite3_column_type(st, 1), SQLITE_NULL);
			assert_int_equal(sqlite3_column_int(st, 2), 0);
		}
		assert_string_equal((const char *)sqlite3_column_text(st, 4), "group");
		assert_string_equal((const char *)sqlite3_column_text(st, 5), "g1");
		row++;
	}
	assert_int_equal(row, 3);
	sqlite3_finalize(st);

	/* Resources: "type:id" keys, parent columns NULL unless set. */
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT external_id, parent_resource_type_id, "
	                 "parent_resource_id, discovered_at, typeof(discovered_at) FROM v1_resources "
	                 "ORDER BY id", -1, &st, NULL), SQLITE_OK);
	regex_t re;
	assert_int_equal(regcomp(&re, "^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}"
	                         "(\\.[0-9]*[1-9])?$", REG_EXTENDED | REG_NOSUB), 0);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "user:u1");
	assert_int_equal(sqlite3_column_type(st, 1), SQLITE_NULL);
	assert_int_equal(regexec(&re, (const char *)sqlite3_column_text(st, 3), 0, NULL, 0), 0);
	assert_string_equal((const char *)sqlite3_column_text(st, 4), "text");
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "user:u2");
	assert_string_equal((const char *)sqlite3_column_text(st, 1), "group");
	assert_string_equal((const char *)sqlite3_column_text(st, 2), "g1");
	sqlite3_finalize(st);

	/* The sync run: KSUID, timestamps, type, flags, stats JSON as Go's encoding/json. */
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT sync_id, started_at, ended_at, sync_type, "
	                 "parent_sync_id, linked_sync_id, supports_diff, grants_backfilled, stats "
	                 "FROM v1_sync_runs", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	const char *sid = (const char *)sqlite3_column_text(st, 0);
	assert_string_equal(sid, f->sync_id);
	for (const char *p = sid; *p; p++)
		assert_true((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'));
	assert_int_equal(regexec(&re, (const char *)sqlite3_column_text(st, 1), 0, NULL, 0), 0);
	assert_int_equal(regexec(&re, (const char *)sqlite3_column_text(st, 2), 0, NULL, 0), 0);
	assert_true(strcmp((const char *)sqlite3_column_text(st, 1),
	                   (const char *)sqlite3_column_text(st, 2)) <= 0);
	assert_string_equal((const char *)sqlite3_column_text(st, 3), "full");
	assert_string_equal((const char *)sqlite3_column_text(st, 4), "");
	assert_string_equal((const char *)sqlite3_column_text(st, 5), "");
	assert_int_equal(sqlite3_column_int(st, 6), 0);
	assert_int_equal(sqlite3_column_int(st, 7), 1);
	assert_string_equal((const char *)sqlite3_column_text(st, 8),
		"{\"resource_types\":2,\"resources\":3,\"entitlements\":2,\"grants\":3,"
		"\"resources_by_resource_type\":{\"group\":1,\"user\":2},"
		"\"grants_by_resource_type\":{\"group\":3},"
		"\"entitlements_by_resource_type\":{\"group\":2},\"assets\":2,"
		"\"step_durations_ms\":{\"init\":3,\"list-grants\":12},"
		"\"connector_call_stats\":{\"get\":{\"count\":2,\"total_ms\":5,\"max_ms\":4}}}");
	sqlite3_finalize(st);
	regfree(&re);

	/* Assets: raw bytes; empty content type stored as "unknown". */
	assert_int_equal(c1z_raw_count(raw, "v1_assets"), 2);
	c1z_raw_close(raw);

	/* The frame: magic, one zstd frame with content size and checksum. */
	size_t len;
	unsigned char *bytes = st_read_file(f->path, &len);
	assert_memory_equal(bytes, "C1ZF\0", 5);
	unsigned long long fcs = ZSTD_getFrameContentSize(bytes + 5, len - 5);
	assert_true(fcs != ZSTD_CONTENTSIZE_UNKNOWN && fcs != ZSTD_CONTENTSIZE_ERROR);
	assert_int_equal(fcs % 4096, 0);
	assert_int_equal(ZSTD_findFrameCompressedSize(bytes + 5, len - 5), len - 5);
	/* Frame header descriptor: bit 2 = content checksum. */
	assert_true(bytes[5 + 4] & 0x04);
	free(bytes);
}

static char *fixture_path(void)
{
	/* tests/unit/<this file> -> tests/fixtures/c1z_v1_schema.json */
	static char buf[4096];
	snprintf(buf, sizeof buf, "%s", __FILE__);
	char *slash = strrchr(buf, '/');
	*slash = '\0';
	slash = strrchr(buf, '/');
	snprintf(slash, sizeof buf - (size_t)(slash - buf), "/fixtures/c1z_v1_schema.json");
	return buf;
}

/* sqlite_master of a file we write is exactly what the Go SDK creates (fixture taken from a file
 * the SDK writes: `go test -run TestSchemaFixture -update` in tests/interop). */
static void test_schema_matches_go_sdk(void **state)
{
	fixture *f = *state;
	write_sample(f);
	json_error_t jerr;
	json_t *want = json_load_file(fixture_path(), 0, &jerr);
	if (!want)
		fail_msg("fixture %s: %s", fixture_path(), jerr.text);
	c1z_raw *raw = c1z_raw_open(f->path);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(c1z_raw_db(raw), "SELECT type, name, tbl_name, sql FROM "
	                 "sqlite_master WHERE name NOT LIKE 'sqlite_stat%' ORDER BY name", -1, &st, NULL),
	                 SQLITE_OK);
	size_t i = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		json_t *w = json_array_get(want, i);
		if (!w)
			fail_msg("extra schema object %s", sqlite3_column_text(st, 1));
		for (int c = 0; c < 4; c++) {
			const char *got = (const char *)sqlite3_column_text(st, c);
			const char *exp = json_string_value(json_array_get(w, (size_t)c));
			if (!got || !exp || strcmp(got, exp) != 0)
				fail_msg("schema object %zu column %d:\n got: %s\nwant: %s", i, c, got, exp);
		}
		i++;
	}
	assert_int_equal(i, json_array_size(want));
	sqlite3_finalize(st);
	/* Page size and encoding as the SDK's files. */
	assert_int_equal(sqlite3_prepare_v2(c1z_raw_db(raw), "PRAGMA page_size", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 4096);
	sqlite3_finalize(st);
	c1z_raw_close(raw);
	json_decref(want);
}

struct walk {
	int n;
	char keys[8][16];
};

static int collect(const char *key, const uint8_t *val, size_t len, void *ud)
{
	struct walk *w = ud;
	(void)val;
	(void)len;
	snprintf(w->keys[w->n++ % 8], 16, "%s", key);
	return 0;
}

/* A store opened and closed without changes does not touch the file; sessions do not dirty it. */
static void test_clean_close_and_sessions(void **state)
{
	fixture *f = *state;
	write_sample(f);
	struct stat before, after;
	assert_int_equal(stat(f->path, &before), 0);
	size_t l0, l1;
	unsigned char *b0 = st_read_file(f->path, &l0);
	sleep(1);
	baton_store *s;
	CHECK(baton_store_open(f->path, NULL, &s));
	assert_false(baton_store_is_dirty(s));
	const char *sid = f->sync_id;
	CHECK(baton_store_session_set(s, sid, "a%b:1", (const uint8_t *)"x", 1));
	CHECK(baton_store_session_set(s, sid, "a_b:1", (const uint8_t *)"y", 1));
	CHECK(baton_store_session_set(s, sid, "axb:1", (const uint8_t *)"z", 1));
	CHECK(baton_store_session_set(s, sid, "a\\b:1", (const uint8_t *)"w", 1));
	CHECK(baton_store_session_set(s, sid, "a%b:1", (const uint8_t *)"xx", 2)); /* upsert */
	CHECK(baton_store_session_set(s, "other", "a%b:2", (const uint8_t *)"o", 1));
	assert_false(baton_store_is_dirty(s));
	const uint8_t *v;
	size_t vn;
	CHECK(baton_store_session_get(s, sid, "a%b:1", f->ctx, &v, &vn));
	assert_int_equal(vn, 2);
	assert_memory_equal(v, "xx", 2);
	assert_int_equal(baton_store_session_get(s, sid, "zzz", f->ctx, &v, &vn), BATON_ENOTFOUND);

	/* Prefix walks: % and _ and \ are literal. */
	struct walk w = {0};
	CHECK(baton_store_session_each(s, sid, "a%", collect, &w));
	assert_int_equal(w.n, 1);
	assert_string_equal(w.keys[0], "a%b:1");
	w.n = 0;
	CHECK(baton_store_session_each(s, sid, "a_", collect, &w));
	assert_int_equal(w.n, 1);
	assert_string_equal(w.keys[0], "a_b:1");
	w.n = 0;
	CHECK(baton_store_session_each(s, sid, "a\\", collect, &w));
	assert_int_equal(w.n, 1);
	w.n = 0;
	CHECK(baton_store_session_each(s, sid, NULL, collect, &w));
	assert_int_equal(w.n, 4);
	CHECK(baton_store_session_clear(s, sid, "a_"));
	w.n = 0;
	CHECK(baton_store_session_each(s, sid, "", collect, &w));
	assert_int_equal(w.n, 3);
	CHECK(baton_store_session_delete(s, sid, "axb:1"));
	CHECK(baton_store_session_clear(s, sid, NULL));
	w.n = 0;
	CHECK(baton_store_session_each(s, sid, "", collect, &w));
	assert_int_equal(w.n, 0);
	w.n = 0;
	CHECK(baton_store_session_each(s, "other", "", collect, &w));
	assert_int_equal(w.n, 1);
	assert_false(baton_store_is_dirty(s));
	CHECK(baton_store_close(s));
	assert_int_equal(stat(f->path, &after), 0);
	assert_int_equal(before.st_mtime, after.st_mtime);
	unsigned char *b1 = st_read_file(f->path, &l1);
	assert_int_equal(l0, l1);
	assert_memory_equal(b0, b1, l0);
	free(b0);
	free(b1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip_every_row, setup, teardown),
		cmocka_unit_test_setup_teardown(test_raw_columns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema_matches_go_sdk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clean_close_and_sessions, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
