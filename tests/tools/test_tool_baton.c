/*
 * Drives the built `baton` binary (path in argv[1]) and checks what it prints.
 *
 * Expected counts come from SQLite queries on the decompressed test files (c1z_raw, which shares
 * nothing with the store), or from files the test writes itself with the store API.
 */
#define _GNU_SOURCE /* mknod, makedev */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "testutil.h"
#include "c1z_raw.h"
#include "baton.h"
#include "baton/store.h"

#include "tool_testutil.h"

/* Length of the array at `field` (a missing field counts as empty, as protojson omits it). */
static size_t array_len(json_t *root, const char *field)
{
	json_t *a = json_object_get(root, field);
	if (!a)
		return 0;
	assert_true(json_is_array(a));
	return json_array_size(a);
}

/* ---- stats ------------------------------------------------------------------------------- */

static void assert_json_int(json_t *root, const char *path, long long want)
{
	json_t *v = test_json_get(root, path);
	if (!v)
		fail_msg("no %s in output", path);
	/* protojson writes int64 as a string */
	assert_true(json_is_string(v));
	assert_int_equal(strtoll(json_string_value(v), NULL, 10), want);
}

static void test_stats_expanded(void **state)
{
	(void)state;
	const char *f = test_data_path(EXPANDED);
	run r;

	RUN(&r, "-f", f, "stats");
	assert_ok(&r);
	assert_non_null(strstr(r.out, "Resource Types | 4"));
	assert_non_null(strstr(r.out, "Resources      | 1221"));
	assert_non_null(strstr(r.out, "Entitlements   | 342"));
	assert_non_null(strstr(r.out, "Grants         | 14981"));
	assert_non_null(strstr(r.out, "Sync ID        | " SYNC_36ZF));
	assert_non_null(strstr(r.out, "Duration       | 2m11s"));
	assert_non_null(strstr(r.out, "project       | 100       | 200          | 6370"));
	assert_null(strstr(r.out, "\033["));  /* no ANSI when not a terminal */
	run_free(&r);

	json_t *j = RUN_JSON("-f", f, "-o", "json", "stats");
	test_json_assert_str(j, "id", SYNC_36ZF);
	test_json_assert_str(j, "syncType", "full");
	test_json_assert_str(j, "startedAt", "2025-12-17T16:31:25.057185Z");
	test_json_assert_str(j, "endedAt", "2025-12-17T16:33:36.381422Z");
	assert_json_int(j, "stats.resourceTypes", 4);
	assert_json_int(j, "stats.resources", 1221);
	assert_json_int(j, "stats.entitlements", 342);
	assert_json_int(j, "stats.grants", 14981);
	assert_json_int(j, "stats.resourcesByResourceType.user", 1000);
	assert_json_int(j, "stats.entitlementsByResourceType.group", 42);
	assert_json_int(j, "stats.grantsByResourceType.role", 6320);
	/* A type without entitlements has no entry (the SDK groups rows that exist). */
	assert_null(test_json_get(j, "stats.entitlementsByResourceType.user"));
	json_decref(j);
}

/*
 * The unexpanded file's only sync never ended. `stats` looks at finished syncs only (as the Go
 * tool: an info line, exit 0); listings fall back to the latest unfinished sync (SDK fallback),
 * and `stats --sync-id` counts that sync.
 */
static void test_stats_unexpanded(void **state)
{
	(void)state;
	const char *f = test_data_path(UNEXPANDED);
	run r;

	RUN(&r, "-f", f, "stats");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "No finished sync found"));
	run_free(&r);

	RUN(&r, "-f", f, "-o", "json", "stats");
	assert_int_equal(r.status, 0);
	assert_int_equal(r.out_len, 0);
	assert_non_null(strstr(r.err, "No finished sync found"));
	run_free(&r);

	json_t *j = RUN_JSON("-f", f, "-o", "json", "stats", "--sync-id", SYNC_36ZF);
	assert_null(json_object_get(j, "endedAt"));
	assert_json_int(j, "stats.resourceTypes", 4);
	assert_json_int(j, "stats.resources", 1221);
	assert_json_int(j, "stats.entitlements", 342);
	assert_json_int(j, "stats.grants", 2909);
	json_decref(j);

	j = RUN_JSON("-f", f, "-o", "json", "grants");
	assert_int_equal(array_len(j, "grants"), 2909);
	json_decref(j);
}

/* ---- listings ---------------------------------------------------------------------------- */

static void check_listing_counts(const char *rel)
{
	const char *f = strdup(test_data_path(rel));
	c1z_raw *raw = c1z_raw_open(f);
	json_t *j;

	j = RUN_JSON("-f", f, "-o", "json", "resource-types");
	assert_int_equal(array_len(j, "resourceTypes"), c1z_raw_count(raw, "v1_resource_types"));
	json_decref(j);

	j = RUN_JSON("-f", f, "-o", "json", "resources");
	assert_int_equal(array_len(j, "resources"), c1z_raw_count(raw, "v1_resources"));
	/* Each row carries its resource type, looked up. */
	assert_non_null(test_json_get(j, "resources.0.resourceType.id"));
	json_decref(j);

	j = RUN_JSON("-f", f, "-o", "json", "entitlements");
	assert_int_equal(array_len(j, "entitlements"), c1z_raw_count(raw, "v1_entitlements"));
	assert_non_null(test_json_get(j, "entitlements.0.resource.displayName"));
	json_decref(j);

	j = RUN_JSON("-f", f, "-o", "json", "grants");
	assert_int_equal(array_len(j, "grants"), c1z_raw_count(raw, "v1_grants"));
	assert_non_null(test_json_get(j, "grants.0.principal.displayName"));
	assert_non_null(test_json_get(j, "grants.0.entitlement.displayName"));
	json_decref(j);

	j = RUN_JSON("-f", f, "-o", "json", "principals");
	assert_int_equal(array_len(j, "resources"),
	                 c1z_raw_int(raw,
	                             "SELECT COUNT(*) FROM (SELECT DISTINCT principal_resource_type_id, "
	                             "principal_resource_id FROM v1_grants)",
	                             NULL, NULL));
	json_decref(j);

	/* The console tables have a header plus one line per row. */
	run r;
	RUN(&r, "-f", f, "resources");
	assert_ok(&r);
	size_t lines = 0;
	for (const char *p = r.out; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, c1z_raw_count(raw, "v1_resources") + 1);
	assert_true(strncmp(r.out, "ID ", 3) == 0);
	run_free(&r);

	c1z_raw_close(raw);
	free((void *)f);
}

static void test_listings_expanded(void **state)
{
	(void)state;
	check_listing_counts(EXPANDED);
}

static void test_listings_unexpanded(void **state)
{
	(void)state;
	check_listing_counts(UNEXPANDED);
}

static void test_filters(void **state)
{
	(void)state;
	const char *f = strdup(test_data_path(EXPANDED));
	c1z_raw *raw = c1z_raw_open(f);
	static const char *const types[] = {"user", "group", "project", "role", "nosuchtype"};
	json_t *j;

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		const char *t = types[i];
		j = RUN_JSON("-f", f, "-o", "json", "resources", "-t", t);
		assert_int_equal(array_len(j, "resources"),
		                 c1z_raw_int(raw, "SELECT COUNT(*) FROM v1_resources WHERE resource_type_id = ?", t, NULL));
		json_decref(j);
		j = RUN_JSON("-f", f, "-o", "json", "entitlements", "--resource-type", t);
		assert_int_equal(array_len(j, "entitlements"),
		                 c1z_raw_int(raw, "SELECT COUNT(*) FROM v1_entitlements WHERE resource_type_id = ?", t,
		                             NULL));
		json_decref(j);
		j = RUN_JSON("-f", f, "-o", "json", "grants", "-t", t);
		assert_int_equal(array_len(j, "grants"),
		                 c1z_raw_int(raw, "SELECT COUNT(*) FROM v1_grants WHERE resource_type_id = ?", t, NULL));
		json_decref(j);
	}

	/* -t with -r: grants on one resource (and the principals holding them). */
	j = RUN_JSON("-f", f, "-o", "json", "grants", "-t", "group", "-r", "group-0000010");
	int64_t want = c1z_raw_int(raw, "SELECT COUNT(*) FROM v1_grants WHERE resource_type_id = ? AND resource_id = ?",
	                           "group", "group-0000010");
	assert_true(want > 0);
	assert_int_equal(array_len(j, "grants"), want);
	json_decref(j);
	j = RUN_JSON("-f", f, "-o", "json", "principals", "-t", "group", "-r", "group-0000010");
	assert_int_equal(array_len(j, "resources"),
	                 c1z_raw_int(raw,
	                             "SELECT COUNT(*) FROM (SELECT DISTINCT principal_resource_type_id, principal_resource_id "
	                             "FROM v1_grants WHERE resource_type_id = ? AND resource_id = ?)",
	                             "group", "group-0000010"));
	json_decref(j);

	/* entitlements -t -r: the entitlements of one resource, each of them on that resource. */
	j = RUN_JSON("-f", f, "-o", "json", "entitlements", "-t", "group", "-r", "group-0000010");
	want = c1z_raw_int(raw, "SELECT COUNT(*) FROM v1_entitlements WHERE resource_type_id = ? AND resource_id = ?",
	                   "group", "group-0000010");
	assert_true(want > 0);
	assert_true(want < c1z_raw_int(raw, "SELECT COUNT(*) FROM v1_entitlements WHERE resource_type_id = ?", "group",
	                               NULL));
	assert_int_equal(array_len(j, "entitlements"), want);
	{
		size_t k;
		json_t *e;
		json_array_foreach(json_object_get(j, "entitlements"), k, e) {
			const char *rid = json_string_value(test_json_get(e, "entitlement.resource.id.resource"));
			assert_non_null(rid);
			assert_string_equal(rid, "group-0000010");
		}
	}
	json_decref(j);
	j = RUN_JSON("-f", f, "-o", "json", "entitlements", "--resource-type=group", "--resource=no-such-group");
	assert_int_equal(array_len(j, "entitlements"), 0);
	json_decref(j);

	/* -e: grants of one entitlement, and their principals. */
	const char *ent = "project:project-0000042:access";
	j = RUN_JSON("-f", f, "-o", "json", "grants", "-e", ent);
	want = c1z_raw_int(raw, "SELECT COUNT(*) FROM v1_grants WHERE entitlement_id = ?", ent, NULL);
	assert_true(want > 0);
	assert_int_equal(array_len(j, "grants"), want);
	json_decref(j);
	j = RUN_JSON("-f", f, "-o", "json", "principals", "--entitlement=project:project-0000042:access");
	assert_int_equal(array_len(j, "resources"),
	                 c1z_raw_int(raw,
	                             "SELECT COUNT(*) FROM (SELECT DISTINCT principal_resource_type_id, principal_resource_id "
	                             "FROM v1_grants WHERE entitlement_id = ?)",
	                             ent, NULL));
	json_decref(j);

	/* An entitlement that does not exist: an empty list prints as {} (protojson). */
	run r;
	RUN(&r, "-f", f, "-o", "json", "grants", "-e", "no:such:entitlement");
	assert_ok(&r);
	assert_string_equal(r.out, "{}");
	run_free(&r);

	c1z_raw_close(raw);
	free((void *)f);
}

/* ---- access ------------------------------------------------------------------------------ */

/* Sorted, newline-joined entitlement ids of an access output. */
static char *access_ids(json_t *j)
{
	size_t n = 0, cap = 64;
	char **ids = malloc(cap * sizeof(*ids));
	json_t *acc = json_object_get(j, "access");
	size_t i, k;
	json_t *a, *e;
	json_array_foreach(acc, i, a) {
		json_array_foreach(json_object_get(a, "entitlements"), k, e) {
			if (n == cap)
				ids = realloc(ids, (cap *= 2) * sizeof(*ids));
			ids[n++] = strdup(json_string_value(json_object_get(e, "id")));
		}
	}
	for (size_t x = 1; x < n; x++)
		for (size_t y = x; y > 0 && strcmp(ids[y - 1], ids[y]) > 0; y--) {
			char *t = ids[y];
			ids[y] = ids[y - 1];
			ids[y - 1] = t;
		}
	size_t len = 1;
	for (size_t x = 0; x < n; x++)
		len += strlen(ids[x]) + 1;
	char *s = calloc(1, len);
	for (size_t x = 0; x < n; x++) {
		strcat(s, ids[x]);
		strcat(s, "\n");
		free(ids[x]);
	}
	free(ids);
	return s;
}

static char *sql_ids(c1z_raw *raw, const char *user)
{
	sqlite3_stmt *st;
	const char *sql = "SELECT DISTINCT entitlement_id FROM v1_grants WHERE principal_resource_type_id = 'user' "
	                  "AND principal_resource_id = ? ORDER BY entitlement_id";
	assert_int_equal(sqlite3_prepare_v2(c1z_raw_db(raw), sql, -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, user, -1, SQLITE_TRANSIENT);
	size_t len = 0, cap = 4096;
	char *s = calloc(1, cap);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		size_t l = strlen(id);
		if (len + l + 2 > cap)
			s = realloc(s, cap = (cap + l) * 2);
		memcpy(s + len, id, l);
		len += l;
		s[len++] = '\n';
		s[len] = '\0';
	}
	sqlite3_finalize(st);
	return s;
}

static void test_access(void **state)
{
	(void)state;
	const char *user = "user-0000200";
	char *fe = strdup(test_data_path(EXPANDED));
	char *fu = strdup(test_data_path(UNEXPANDED));
	c1z_raw *raw = c1z_raw_open(fe);
	char *want = sql_ids(raw, user);
	c1z_raw_close(raw);
	raw = c1z_raw_open(fu);
	char *direct = sql_ids(raw, user);
	c1z_raw_close(raw);
	assert_true(strlen(want) > strlen(direct)); /* expansion gave this user more */

	/* Expanded file: exactly the entitlements of the user's stored grants (direct + expanded). */
	json_t *j = RUN_JSON("-f", fe, "-o", "json", "access", "-t", "user", "-r", user);
	test_json_assert_str(j, "principal.id.resource", user);
	char *got = access_ids(j);
	assert_string_equal(got, want);
	free(got);
	json_decref(j);

	/* Unexpanded file: as the Go tool, only the stored grants... */
	j = RUN_JSON("-f", fu, "-o", "json", "access", "-t", "user", "-r", user);
	got = access_ids(j);
	assert_string_equal(got, direct);
	free(got);
	json_decref(j);

	/* ...and with --with-expansion, following the GrantExpandable edges gives the expanded
	 * file's effective access. */
	j = RUN_JSON("-f", fu, "-o", "json", "access", "-t", "user", "-r", user, "--with-expansion");
	got = access_ids(j);
	assert_string_equal(got, want);
	free(got);
	json_decref(j);

	run r;
	RUN(&r, "-f", fe, "access", "-t", "user", "-r", user);
	assert_ok(&r);
	/* The Go tool's pterm tree. */
	assert_true(strncmp(r.out, "\u2514\u2500\u252cEffective Access for User 0000200 (user)\n  ",
	                    strlen("\u2514\u2500\u252cEffective Access for User 0000200 (user)\n  ")) == 0);
	run_free(&r);

	RUN(&r, "-f", fe, "access", "-t", "user");
	assert_error(&r, 2, "-r/--resource");
	run_free(&r);

	free(want);
	free(direct);
	free(fe);
	free(fu);
}

/* ---- diff (files written with the store API) --------------------------------------------- */

/* The sorted ids ("type:id" for resources) of diff bucket `path` ("resources.created"). */
static char *bucket(json_t *j, const char *path)
{
	json_t *a = test_json_get(j, path);
	size_t i, n = a ? json_array_size(a) : 0;
	char **ids = calloc(n + 1, sizeof(*ids));
	json_t *e;
	json_array_foreach(a, i, e) {
		json_t *rid = json_object_get(e, "id");
		char buf[256];
		if (json_is_object(rid))
			snprintf(buf, sizeof(buf), "%s:%s", json_string_value(json_object_get(rid, "resourceType")),
			         json_string_value(json_object_get(rid, "resource")));
		else
			snprintf(buf, sizeof(buf), "%s", json_string_value(rid));
		ids[i] = strdup(buf);
	}
	for (size_t x = 1; x < n; x++)
		for (size_t y = x; y > 0 && strcmp(ids[y - 1], ids[y]) > 0; y--) {
			char *t = ids[y];
			ids[y] = ids[y - 1];
			ids[y - 1] = t;
		}
	char *s = calloc(1, 4096);
	for (size_t x = 0; x < n; x++) {
		if (x)
			strcat(s, ",");
		strcat(s, ids[x]);
		free(ids[x]);
	}
	free(ids);
	return s;
}

static void assert_bucket(json_t *j, const char *path, const char *want)
{
	char *got = bucket(j, path);
	if (strcmp(got, want) != 0)
		fail_msg("%s: got [%s], want [%s]", path, got, want);
	free(got);
}

static void check_diff(json_t *j)
{
	assert_bucket(j, "resources.created", "user:dave");
	assert_bucket(j, "resources.deleted", "user:carol");
	assert_bucket(j, "resources.modified", "user:bob");
	assert_bucket(j, "entitlements.created", "");
	assert_bucket(j, "entitlements.deleted", "");
	assert_bucket(j, "entitlements.modified", "");
	assert_bucket(j, "grants.created", "group:eng:member:user:dave");
	assert_bucket(j, "grants.deleted", "");
	assert_bucket(j, "grants.modified", "group:eng:member:user:bob");
	/* Modified rows are the newer version. */
	test_json_assert_str(j, "resources.modified.0.displayName", "Robert");
}

static void test_diff(void **state)
{
	(void)state;
	char old_id[28], new_id[28];
	char *f = make_file("two", true, old_id, new_id);
	json_t *j;
	run r;

	/* Explicit syncs. */
	j = RUN_JSON("-f", f, "diff", "--sync-id", new_id, "--base-sync-id", old_id);
	check_diff(j);
	json_decref(j);

	/* Default: the latest two finished full syncs (needs the library to list syncs). */
	RUN(&r, "-f", f, "diff");
	if (r.status == 0) {
		j = test_json_parse(r.out);
		check_diff(j);
		json_decref(j);
	} else {
		assert_error(&r, 1, "--base-sync-id");
		print_message("note: default diff needs baton_store_sync_list: %s", r.err);
	}
	run_free(&r);

	/* Swapped: everything inverts. */
	j = RUN_JSON("-f", f, "diff", "--sync-id", old_id, "--base-sync-id", new_id);
	assert_bucket(j, "resources.created", "user:carol");
	assert_bucket(j, "resources.deleted", "user:dave");
	assert_bucket(j, "grants.deleted", "group:eng:member:user:dave");
	json_decref(j);

	/* Same sync on both sides: nothing changed, but the three sections are there. */
	RUN(&r, "-f", f, "-o", "json", "diff", "--sync-id", new_id, "--base-sync-id", new_id);
	assert_ok(&r);
	assert_string_equal(r.out, "{\"resources\":{},\"entitlements\":{},\"grants\":{}}");
	run_free(&r);

	/* Two files. */
	char *fo = make_file("old", false, old_id, NULL);
	char *fn = make_file("new", false, NULL, new_id);
	j = RUN_JSON("-f", fn, "diff", "--against", fo);
	check_diff(j);
	json_decref(j);

	RUN(&r, "-f", f, "diff", "--sync-id", "nosuchsync", "--base-sync-id", old_id);
	assert_error(&r, 1, "nosuchsync");
	run_free(&r);

	/* A file with one full sync cannot be diffed against itself by default. */
	RUN(&r, "-f", fo, "diff");
	assert_int_equal(r.status, 1);
	run_free(&r);

	unlink(f);
	unlink(fo);
	unlink(fn);
	free(f);
	free(fo);
	free(fn);
}

/* ---- unknown Any values ------------------------------------------------------------------ */

/* An annotation whose type is not in the schema is dropped from JSON output, not fatal. */
static void test_unknown_any(void **state)
{
	(void)state;
	char path[4096], id[28];
	baton_store *s;
	baton_ctx *ctx;
	baton_resource_type *ut;
	baton_resource *u;

	snprintf(path, sizeof(path), "%s/tool-%d-any.c1z", test_out_dir(), (int)getpid());
	unlink(path);
	CHECK(baton_ctx_new(&ctx));
	CHECK(baton_store_open(path, NULL, &s));
	CHECK(baton_store_sync_start(s, BATON_SYNC_TYPE_FULL, NULL, id));
	CHECK(baton_resource_type_new(ctx, "user", (const baton_trait[]){BATON_TRAIT_USER}, 1, &ut));
	CHECK(baton_annotations_append_bytes(baton_resource_type_annotations(ut),
	                                     "type.googleapis.com/acme.v1.NotInSchema", (const uint8_t *)"\x08\x01", 2));
	CHECK(baton_store_put_resource_type(s, ut));
	CHECK(baton_user_resource_new(ctx, "Alice", ut, "alice", &u));
	CHECK(baton_annotations_append_bytes(baton_resource_annotations(u), "acme.v1.AlsoUnknown",
	                                     (const uint8_t *)"\x0a\x01x", 3));
	CHECK(baton_store_put_resource(s, u));
	CHECK(baton_store_sync_end(s));
	CHECK(baton_store_close(s));
	baton_ctx_free(ctx);

	json_t *j = RUN_JSON("-f", path, "-o", "json", "resources");
	assert_int_equal(array_len(j, "resources"), 1);
	json_t *annos = test_json_get(j, "resources.0.resource.annotations");
	assert_non_null(annos);
	assert_int_equal(json_array_size(annos), 1); /* the UserTrait stays */
	test_json_assert_str(j, "resources.0.resource.annotations.0.@type",
	                     "type.googleapis.com/c1.connector.v2.UserTrait");
	assert_null(test_json_get(j, "resources.0.resourceType.annotations"));
	json_decref(j);

	j = RUN_JSON("-f", path, "-o", "json", "resource-types");
	assert_null(test_json_get(j, "resourceTypes.0.resourceType.annotations"));
	test_json_assert_str(j, "resourceTypes.0.resourceType.id", "user");
	json_decref(j);
	unlink(path);
}

/* ---- syncs ------------------------------------------------------------------------------- */

static void test_syncs(void **state)
{
	(void)state;
	char old_id[28], new_id[28];
	char *f = make_file("syncs", true, old_id, new_id);
	run r;

	RUN(&r, "-f", f, "-o", "json", "syncs");
	if (r.status != 0)
		fail_msg("baton syncs: status %d: %s", r.status, r.err);
	json_t *j = test_json_parse(r.out);
	assert_int_equal(array_len(j, "syncs"), 2);
	test_json_assert_str(j, "syncs.0.id", old_id);
	test_json_assert_str(j, "syncs.1.id", new_id);
	test_json_assert_str(j, "syncs.1.syncType", "full");
	assert_non_null(test_json_get(j, "syncs.1.endedAt"));
	json_decref(j);
	run_free(&r);
	unlink(f);
	free(f);
}

/* `syncs` lists the runs in the file's row (creation) order, as the Go tool does (its ListSyncs
 * orders by the v1_sync_runs row id): not by start time, end time or sync id. Three syncs are
 * renamed and given times so that each of those four orders is different. */
static void test_syncs_order(void **state)
{
	(void)state;
	char a[28], b[28], c[28];
	char *f = make_file("syncs-order", true, a, b);
	baton_store *s;
	CHECK(baton_store_open(f, NULL, &s));
	write_sync(s, old_rows, 3, c);
	CHECK(baton_store_close(s));
	/* row 1 -> Z (2nd to start, 1st to end), row 2 -> A (last to start and end), row 3 -> M
	 * (1st to start, 2nd to end); by id: A, M, Z */
	static const char *const tables[] = {"v1_resource_types", "v1_resources", "v1_entitlements", "v1_grants",
	                                     "v1_assets", "v1_sync_runs"};
	char sql[1024];
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		snprintf(sql, sizeof(sql),
		         "UPDATE %s SET sync_id = CASE sync_id WHEN '%s' THEN '3zzzzzzzzzzzzzzzzzzzzzzzzzz' "
		         "WHEN '%s' THEN '3aaaaaaaaaaaaaaaaaaaaaaaaaa' WHEN '%s' THEN '3mmmmmmmmmmmmmmmmmmmmmmmmmm' "
		         "ELSE sync_id END",
		         tables[i], a, b, c);
		c1z_raw_edit(f, sql, NULL, 0);
	}
	c1z_raw_edit(f, "UPDATE v1_sync_runs SET "
	                "started_at = CASE id WHEN 1 THEN '2026-01-01 02:00:00' WHEN 2 THEN '2026-01-01 03:00:00' "
	                "ELSE '2026-01-01 01:00:00' END, "
	                "ended_at = CASE id WHEN 1 THEN '2026-01-01 02:10:00' WHEN 2 THEN '2026-01-01 05:00:00' "
	                "ELSE '2026-01-01 04:00:00' END",
	             NULL, 0);
	static const char *const want[] = {"3zzzzzzzzzzzzzzzzzzzzzzzzzz", "3aaaaaaaaaaaaaaaaaaaaaaaaaa",
	                                   "3mmmmmmmmmmmmmmmmmmmmmmmmmm"};
	static const char *const started[] = {"2026-01-01T02:00:00Z", "2026-01-01T03:00:00Z", "2026-01-01T01:00:00Z"};
	run r;
	RUN(&r, "-f", f, "-o", "json", "syncs");
	if (r.status != 0)
		fail_msg("baton syncs: status %d: %s", r.status, r.err);
	json_t *j = test_json_parse(r.out);
	assert_int_equal(array_len(j, "syncs"), 3);
	for (int i = 0; i < 3; i++) {
		char key[64];
		snprintf(key, sizeof(key), "syncs.%d.id", i);
		test_json_assert_str(j, key, want[i]);
		snprintf(key, sizeof(key), "syncs.%d.startedAt", i);
		test_json_assert_str(j, key, started[i]);
	}
	json_decref(j);
	run_free(&r);
	/* the console table in the same order */
	RUN(&r, "-f", f, "syncs");
	assert_int_equal(r.status, 0);
	const char *z = strstr(r.out, want[0]), *ya = strstr(r.out, want[1]), *m = strstr(r.out, want[2]);
	assert_true(z && ya && m && z < ya && ya < m);
	run_free(&r);
	/* the latest finished sync (by end) is still the one read by default: A */
	RUN(&r, "-f", f, "-o", "json", "stats");
	assert_int_equal(r.status, 0);
	j = test_json_parse(r.out);
	test_json_assert_str(j, "id", want[1]);
	json_decref(j);
	run_free(&r);
	unlink(f);
	free(f);
}

/* ---- export ------------------------------------------------------------------------------ */

static void test_export(void **state)
{
	(void)state;
	const char *f = strdup(test_data_path(EXPANDED));
	c1z_raw *raw = c1z_raw_open(f);
	char out[4096];
	run r;

	snprintf(out, sizeof(out), "%s/tool-%d-export.csv", test_out_dir(), (int)getpid());
	RUN(&r, "-f", f, "export", "csv", "--out", out);
	assert_ok(&r);
	run_free(&r);
	char *csv = slurp(out, NULL);
	const char *header = "Type,Last Name,First Name,User ID,User Status,Email Address,Entitlement Display Name,"
	                     "Entitlement,Resource Type,Resource Name,Entitlement Description,Entitlement Slug\n";
	assert_true(strncmp(csv, header, strlen(header)) == 0);
	size_t identity = 0, ent = 0, grant = 0;
	for (char *line = csv; line && *line;) {
		char *nl = strchr(line, '\n');
		if (strncmp(line, "Identity,", 9) == 0)
			identity++;
		else if (strncmp(line, "Entitlement,", 12) == 0)
			ent++;
		else if (strncmp(line, "Grant,", 6) == 0)
			grant++;
		/* 12 columns: 11 commas outside quotes */
		size_t commas = 0;
		bool q = false;
		for (char *p = line; p < nl; p++) {
			if (*p == '"')
				q = !q;
			else if (*p == ',' && !q)
				commas++;
		}
		assert_int_equal(commas, 11);
		line = nl ? nl + 1 : NULL;
	}
	assert_int_equal(identity, c1z_raw_int(raw, "SELECT COUNT(*) FROM v1_resources WHERE resource_type_id = 'user'",
	                                       NULL, NULL));
	assert_int_equal(ent, c1z_raw_count(raw, "v1_entitlements"));
	assert_int_equal(grant, c1z_raw_int(raw, "SELECT COUNT(*) FROM v1_grants WHERE principal_resource_type_id = 'user'",
	                                    NULL, NULL));
	assert_non_null(strstr(csv, "\nIdentity,,,,Enabled,user-0@example.com,,,,,,\n"));
	free(csv);
	unlink(out);

	snprintf(out, sizeof(out), "%s/tool-%d-export.json", test_out_dir(), (int)getpid());
	RUN(&r, "-f", f, "export", "json", "--out", out);
	assert_ok(&r);
	run_free(&r);
	char *text = slurp(out, NULL);
	json_t *j = test_json_parse(text);
	test_json_assert_str(j, "syncId", SYNC_36ZF);
	assert_int_equal(array_len(j, "resourceTypes"), c1z_raw_count(raw, "v1_resource_types"));
	assert_int_equal(array_len(j, "resources"), c1z_raw_count(raw, "v1_resources"));
	assert_int_equal(array_len(j, "entitlements"), c1z_raw_count(raw, "v1_entitlements"));
	assert_int_equal(array_len(j, "grants"), c1z_raw_count(raw, "v1_grants"));
	json_decref(j);
	free(text);
	unlink(out);

	/* The output takes the mode of the file it replaces (a private export stays private), else
	 * 0666 less the umask; a stale ".tmp" (here a symlink to another file) is replaced, never
	 * written through. */
	{
		char tmp[4200], victim[4200];
		struct stat st;
		mode_t old_mask = umask(022);
		snprintf(out, sizeof(out), "%s/tool-%d-mode.csv", test_out_dir(), (int)getpid());
		snprintf(tmp, sizeof(tmp), "%s.tmp", out);
		snprintf(victim, sizeof(victim), "%s/tool-%d-victim", test_out_dir(), (int)getpid());
		unlink(out);
		RUN(&r, "-f", f, "export", "csv", "--out", out);
		assert_ok(&r);
		run_free(&r);
		assert_int_equal(stat(out, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0644);
		assert_int_equal(chmod(out, 0600), 0);
		FILE *v = fopen(victim, "w");
		assert_non_null(v);
		fputs("victim", v);
		fclose(v);
		assert_int_equal(symlink(victim, tmp), 0);
		RUN(&r, "-f", f, "export", "json", "--out", out);
		assert_ok(&r);
		run_free(&r);
		assert_int_equal(stat(out, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
		assert_int_not_equal(lstat(tmp, &st), 0);
		char *vtext = slurp(victim, NULL);
		assert_string_equal(vtext, "victim");
		free(vtext);
		unlink(out);
		umask(077);
		RUN(&r, "-f", f, "export", "csv", "--out", out);
		assert_ok(&r);
		run_free(&r);
		assert_int_equal(stat(out, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
		umask(old_mask);
		unlink(out);
		unlink(victim);
	}

	/* --out may not name the file being read. */
	RUN(&r, "-f", f, "export", "csv", "--out", f);
	assert_error(&r, 1, "refusing to overwrite");
	run_free(&r);

	c1z_raw_close(raw);
	free((void *)f);
}

/* ---- errors, help, read-only -------------------------------------------------------------- */

static void test_errors(void **state)
{
	(void)state;
	const char *f = strdup(test_data_path(EXPANDED));
	char bad[4096];
	run r;

	RUN(&r, "-f", "/nonexistent/dir/none.c1z", "resources");
	assert_error(&r, 1, "/nonexistent/dir/none.c1z");
	run_free(&r);

	/* Default file name when -f is missing: ./sync.c1z, which does not exist here. */
	RUN(&r, "-f", "sync-does-not-exist.c1z", "stats");
	assert_error(&r, 1, "sync-does-not-exist.c1z");
	run_free(&r);

	/* Corrupt: the first 4 KiB of a real file (truncated frame), and garbage. */
	snprintf(bad, sizeof(bad), "%s/tool-%d-corrupt.c1z", test_out_dir(), (int)getpid());
	size_t len;
	char *bytes = slurp(f, &len);
	FILE *o = fopen(bad, "wb");
	fwrite(bytes, 1, 4096, o);
	fclose(o);
	free(bytes);
	RUN(&r, "-f", bad, "grants");
	assert_error(&r, 1, bad);
	run_free(&r);
	o = fopen(bad, "wb");
	fputs("this is not a c1z file at all", o);
	fclose(o);
	RUN(&r, "-f", bad, "-o", "json", "resources");
	assert_error(&r, 1, "not a c1z");
	run_free(&r);
	unlink(bad);

	RUN(&r, "-f", f, "frobnicate");
	assert_error(&r, 2, "unknown command \"frobnicate\"");
	run_free(&r);

	RUN(&r, "-f", f, "grants", "--frobnicate");
	assert_error(&r, 2, "unknown flag: --frobnicate");
	run_free(&r);

	RUN(&r, "-f", f, "grants", "-z");
	assert_error(&r, 2, "unknown shorthand flag");
	run_free(&r);

	RUN(&r, "-f", f, "resources", "-e", "x");
	assert_error(&r, 2, "unknown flag: --entitlement");
	run_free(&r);

	/* entitlements -r needs -t, like grants */
	RUN(&r, "-f", f, "entitlements", "-r", "group-0000010");
	assert_error(&r, 2, "--resource-type and --resource are required");
	run_free(&r);
	RUN(&r, "-f", f, "entitlements", "-t", "", "-r", "group-0000010");
	assert_error(&r, 2, "--resource-type and --resource are required");
	run_free(&r);
	RUN(&r, "-f", f, "entitlements", "-e", "x");
	assert_error(&r, 2, "unknown flag: --entitlement");
	run_free(&r);

	RUN(&r, "-f", f, "grants", "-t", "group", "-r", "group-0000010", "-e", "x");
	assert_error(&r, 2, "cannot be used together");
	run_free(&r);

	RUN(&r, "-f", f, "principals", "-r", "group-0000010", "-e", "x");
	assert_error(&r, 2, "cannot be used together");
	run_free(&r);

	RUN(&r, "-f", f, "principals", "-t", "group");
	assert_error(&r, 2, "together");
	run_free(&r);

	RUN(&r, "-f", f, "grants", "-t");
	assert_error(&r, 2, "needs a value");
	run_free(&r);

	RUN(&r, "-f", f, "-o", "yaml", "grants");
	assert_error(&r, 2, "yaml");
	run_free(&r);

	RUN(&r, "-f", f, "resources", "--sync-id", "nosuchsync");
	assert_error(&r, 1, "nosuchsync");
	run_free(&r);

	free((void *)f);
}

static void test_help(void **state)
{
	(void)state;
	static const char *const cmds[][2] = {
		{"resource-types", NULL}, {"resources", NULL}, {"entitlements", NULL}, {"grants", NULL},
		{"principals", NULL}, {"access", NULL}, {"syncs", NULL}, {"stats", NULL}, {"diff", NULL},
		{"export", "json"}, {"export", "csv"}, {"export", NULL},
	};
	run r;

	RUN(&r, "--help");
	assert_ok(&r);
	assert_non_null(strstr(r.out, "Usage: baton"));
	assert_non_null(strstr(r.out, "access"));
	run_free(&r);

	RUN(&r, "--version");
	assert_ok(&r);
	assert_non_null(strstr(r.out, baton_version()));
	run_free(&r);

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (cmds[i][1])
			RUN(&r, cmds[i][0], cmds[i][1], "--help");
		else
			RUN(&r, cmds[i][0], "-h");
		assert_ok(&r);
		assert_non_null(strstr(r.out, "Usage: baton"));
		run_free(&r);
	}

	RUN(&r, "help", "grants");
	assert_ok(&r);
	assert_non_null(strstr(r.out, "--entitlement"));
	run_free(&r);

	/* No command: usage on stderr, status 2. */
	RUN(&r, "-f", "x.c1z");
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "Usage: baton"));
	run_free(&r);
}

/* Every command, both output formats: the file's bytes never change. */
static void test_read_only(void **state)
{
	(void)state;
	const char *f = strdup(test_data_path(EXPANDED));
	char out[4096];
	struct stat before, after;
	size_t len_before, len_after;
	char *bytes_before = slurp(f, &len_before);
	assert_int_equal(stat(f, &before), 0);

	snprintf(out, sizeof(out), "%s/tool-%d-ro.out", test_out_dir(), (int)getpid());
	const char *const cmds[][6] = {
		{"resource-types"}, {"resources"}, {"entitlements"}, {"grants"}, {"principals"},
		{"access", "-t", "user", "-r", "user-0000001"}, {"stats"}, {"syncs"},
		{"diff", "--sync-id", SYNC_36ZF, "--base-sync-id", SYNC_36ZF},
		{"export", "json", "--out", out}, {"export", "csv", "--out", out},
	};
	for (int fmt = 0; fmt < 2; fmt++) {
		for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
			run r;
			const char *args[12] = {"-f", f, "-o", fmt ? "json" : "console"};
			size_t n = 4;
			for (size_t k = 0; k < 6 && cmds[i][k]; k++)
				args[n++] = cmds[i][k];
			args[n] = NULL;
			run_baton(&r, args);
			run_free(&r);
		}
	}
	unlink(out);

	char *bytes_after = slurp(f, &len_after);
	assert_int_equal(stat(f, &after), 0);
	assert_int_equal(len_before, len_after);
	assert_memory_equal(bytes_before, bytes_after, len_before);
	assert_true(before.st_mtim.tv_sec == after.st_mtim.tv_sec && before.st_mtim.tv_nsec == after.st_mtim.tv_nsec);
	free(bytes_before);
	free(bytes_after);
	free((void *)f);
}

/* ---- expand ------------------------------------------------------------------------------ */

/* `expand` finishes the unexpanded file's grant-expansion step: the result holds the Go SDK's
 * expanded grant count; --output leaves -f alone; in place replaces it; a second run adds nothing. */
static void test_expand(void **state)
{
	(void)state;
	char in[4096], out[4096];
	size_t before_len, after_len;
	run r;

	snprintf(in, sizeof in, "%s/tool-expand-in.c1z", test_out_dir());
	snprintf(out, sizeof out, "%s/tool-expand-out.c1z", test_out_dir());
	unlink(out);
	copy_file(test_data_path(UNEXPANDED), in);
	char *before = slurp(in, &before_len);

	json_t *j = RUN_JSON("-f", in, "-o", "json", "expand", "--output", out);
	test_json_assert_str(j, "syncId", SYNC_36ZF);
	assert_json_int(j, "grantsCreated", 12072);
	assert_json_int(j, "grantsUpdated", 1199);
	assert_json_int(j, "edges", 799);
	assert_true(json_is_true(json_object_get(j, "syncEnded")));
	json_decref(j);

	char *after = slurp(in, &after_len);
	assert_int_equal(after_len, before_len);
	assert_memory_equal(after, before, before_len);
	free(after);
	free(before);

	j = RUN_JSON("-f", out, "-o", "json", "stats");
	test_json_assert_str(j, "id", SYNC_36ZF);
	assert_json_int(j, "stats.grants", 14981);
	json_decref(j);

	/* In place, then again: nothing left to do. */
	RUN(&r, "-f", in, "expand");
	assert_ok(&r);
	assert_non_null(strstr(r.out, "grants created     12072"));
	run_free(&r);
	j = RUN_JSON("-f", in, "-o", "json", "stats");
	assert_json_int(j, "stats.grants", 14981);
	json_decref(j);
	/* The sync is finished and expanded now: nothing to do, with or without --sync-id. */
	j = RUN_JSON("-f", in, "-o", "json", "expand", "--sync-id", SYNC_36ZF);
	assert_true(json_is_true(json_object_get(j, "nothingToExpand")));
	test_json_assert_str(j, "syncId", SYNC_36ZF);
	json_decref(j);

	RUN(&r, "-f", "/nonexistent/dir/none.c1z", "expand");
	assert_error(&r, 1, "none.c1z");
	run_free(&r);

	/* A connector's sync of the file is unfinished (its working copy is there): in place would
	 * lose its work, so it is refused and the file left as it is; --output still works. */
	{
		char wip[4200];
		size_t n1, n2;
		snprintf(wip, sizeof(wip), "%s.wip", in);
		copy_file(test_data_path(UNEXPANDED), in);
		assert_int_equal(mkdir(wip, 0700), 0);
		char *b1 = slurp(in, &n1);
		RUN(&r, "-f", in, "expand");
		assert_error(&r, 1, "a sync of this file is unfinished or running");
		run_free(&r);
		char *b2 = slurp(in, &n2);
		assert_int_equal(n1, n2);
		assert_memory_equal(b1, b2, n1);
		free(b1);
		free(b2);
		unlink(out);
		RUN(&r, "-f", in, "expand", "--output", out);
		assert_ok(&r);
		run_free(&r);
		assert_int_equal(rmdir(wip), 0);
	}
	unlink(in);
	unlink(out);
}

/* ---- hostile output targets and long names ------------------------------------------------ */

enum { K_ABSENT, K_REGULAR, K_LINK_REGULAR, K_DANGLING, K_DIR, K_FIFO, K_CHARDEV, K_LINK_DEVICE, K_N };
static const char *const k_names[K_N] = {"absent", "regular", "symlink->regular", "dangling symlink",
                                         "directory", "FIFO", "char device", "symlink->device"};

/* Makes `path` (in test_out_dir) of kind k; false if it cannot be made here (mknod needs root). */
static bool make_kind(const char *path, const char *aux, int k)
{
	unlink(path);
	rmdir(path);
	unlink(aux);
	switch (k) {
	case K_REGULAR:
		copy_file(test_data_path(EXPANDED), path);
		break;
	case K_LINK_REGULAR:
		copy_file(test_data_path(EXPANDED), aux);
		assert_int_equal(symlink(aux, path), 0);
		break;
	case K_DANGLING:
		assert_int_equal(symlink(aux, path), 0);
		break;
	case K_DIR:
		assert_int_equal(mkdir(path, 0700), 0);
		break;
	case K_FIFO:
		assert_int_equal(mkfifo(path, 0600), 0);
		break;
	case K_CHARDEV:
		return mknod(path, S_IFCHR | 0600, makedev(1, 3)) == 0;
	case K_LINK_DEVICE:
		assert_int_equal(symlink("/dev/null", path), 0);
		break;
	default:
		break;
	}
	return true;
}

/* export json, export csv and expand --output over every kind of target: a regular file, nothing
 * or a link to a regular file is written; anything else is refused with one line, untouched. */
static void test_output_targets(void **state)
{
	(void)state;
	char path[4096], aux[4096], in[4096];
	snprintf(path, sizeof path, "%s/tool-target-%d", test_out_dir(), (int)getpid());
	snprintf(aux, sizeof aux, "%s/tool-target-aux-%d", test_out_dir(), (int)getpid());
	snprintf(in, sizeof in, "%s/tool-target-in-%d.c1z", test_out_dir(), (int)getpid());
	copy_file(test_data_path(UNEXPANDED), in);
	for (int cmd = 0; cmd < 3; cmd++) {
		for (int k = 0; k < K_N; k++) {
			if (!make_kind(path, aux, k))
				continue;
			struct stat before, st;
			memset(&before, 0, sizeof(before));
			lstat(path, &before);
			run r;
			if (cmd == 0)
				RUN(&r, "-f", in, "export", "json", "--out", path);
			else if (cmd == 1)
				RUN(&r, "-f", in, "export", "csv", "--out", path);
			else
				RUN(&r, "-f", in, "expand", "--output", path);
			bool writable = k == K_ABSENT || k == K_REGULAR || k == K_LINK_REGULAR;
			if (writable) {
				if (r.status != 0)
					fail_msg("command %d, %s: status %d: %s", cmd, k_names[k], r.status, r.err);
				assert_int_equal(lstat(path, &st), 0);
				if (k == K_LINK_REGULAR) {
					assert_true(S_ISLNK(st.st_mode)); /* written through the link */
					assert_int_equal(stat(path, &st), 0);
				}
				assert_true(S_ISREG(st.st_mode));
				assert_true(st.st_size > 0);
			} else {
				if (r.status == 0)
					fail_msg("command %d, %s: not refused", cmd, k_names[k]);
				assert_error(&r, 1, "refusing");
				assert_non_null(strstr(r.err, path));
				assert_int_equal(lstat(path, &st), 0);
				assert_int_equal(st.st_mode, before.st_mode);
				assert_int_equal(st.st_ino, before.st_ino);
				assert_int_equal(st.st_rdev, before.st_rdev);
			}
			run_free(&r);
			char tmp[4200];
			snprintf(tmp, sizeof tmp, "%s.tmp", path);
			assert_int_equal(access(tmp, F_OK), -1); /* no temporary file left */
		}
	}
	unlink(path);
	rmdir(path);
	unlink(aux);
	unlink(in);
}

/* One very long display name among many short rows: console cells are cut (with an ellipsis)
 * so the output stays proportional to the rows, not rows x longest name; JSON keeps it whole. */
static void test_long_names(void **state)
{
	(void)state;
	static const size_t lens[] = {1, 119, 120, 121, 512, 1000}; /* the API's limit: 1024 bytes */
	enum { ROWS = 300 };
	for (size_t li = 0; li < sizeof(lens) / sizeof(lens[0]); li++) {
		for (int multibyte = 0; multibyte < 2; multibyte++) {
			size_t len = lens[li];
			if (multibyte && len * 2 > 1024)
				continue;
			char path[4096];
			snprintf(path, sizeof path, "%s/tool-long-%d.c1z", test_out_dir(), (int)getpid());
			unlink(path);
			/* the name: `len` code points, ASCII or 2-byte "é" */
			size_t bytes = len * (multibyte ? 2 : 1);
			char *name = malloc(bytes + 1);
			for (size_t i = 0; i < len; i++) {
				if (multibyte)
					memcpy(name + 2 * i, "\xC3\xA9", 2);
				else
					name[i] = (char)('a' + i % 26);
			}
			name[bytes] = '\0';

			baton_store *s;
			baton_ctx *ctx;
			baton_resource_type *ut;
			char id[28];
			CHECK(baton_store_open(path, NULL, &s));
			CHECK(baton_ctx_new(&ctx));
			CHECK(baton_store_sync_start(s, BATON_SYNC_TYPE_FULL, NULL, id));
			CHECK(baton_resource_type_new(ctx, "user", (const baton_trait[]){BATON_TRAIT_USER}, 1, &ut));
			CHECK(baton_store_put_resource_type(s, ut));
			for (int i = 0; i < ROWS; i++) {
				baton_resource *u;
				char uid[32];
				snprintf(uid, sizeof uid, "u%d", i);
				CHECK(baton_user_resource_new(ctx, i == 0 ? name : "short", ut, uid, &u));
				CHECK(baton_store_put_resource(s, u));
			}
			CHECK(baton_store_sync_end(s));
			CHECK(baton_store_close(s));
			baton_ctx_free(ctx);

			run r;
			RUN(&r, "-f", path, "resources");
			assert_ok(&r);
			/* columns are padded to at most 120 code points: every line but the long name's is at
			 * most a few such cells, and the whole is proportional to the rows, not rows x len */
			size_t max_line = 0, cur = 0;
			const char *line_start = r.out;
			for (const char *p = r.out; *p; p++) {
				if (*p == '\n') {
					bool has_name = strstr(line_start, name) && strstr(line_start, name) < p;
					if (!has_name && cur > max_line)
						max_line = cur;
					cur = 0;
					line_start = p + 1;
				} else if (((unsigned char)*p & 0xC0) != 0x80) {
					cur++;
				}
			}
			if (max_line > 600)
				fail_msg("length %zu: a line of %zu code points", len, max_line);
			if (r.out_len > (size_t)(ROWS + 2) * 600 * 2)
				fail_msg("length %zu: %zu bytes of output for %d rows", len, r.out_len, ROWS);
			assert_non_null(strstr(r.out, name)); /* printed whole, as Go prints it */
			run_free(&r);

			/* JSON: the name is whole */
			json_t *j = RUN_JSON("-f", path, "-o", "json", "resources");
			char *dump = json_dumps(j, JSON_COMPACT);
			assert_non_null(dump);
			assert_non_null(strstr(dump, name));
			free(dump);
			json_decref(j);
			free(name);
			unlink(path);
		}
	}
}

/* Deep Structs in a resource's profile, a UserTrait annotation's profile and a GrantMetadata
 * annotation, 100 and 5,000 deep: every reading command ends normally (no signal); what is
 * over the bound is one clear error line. */
static void test_deep_nesting(void **state)
{
	(void)state;
	static const size_t depths[] = {100, 5000}; /* 50,000: test_store_files */
	char base[4096], path[4096];
	char old_id[28];
	char *made = make_file("deep-base", false, old_id, NULL);
	snprintf(base, sizeof base, "%s", made);
	free(made);
	snprintf(path, sizeof path, "%s/tool-deep-%d.c1z", test_out_dir(), (int)getpid());
	for (int variant = 0; variant < 3; variant++) {
		for (size_t di = 0; di < sizeof(depths) / sizeof(depths[0]); di++) {
			size_t n, m, a, k;
			uint8_t *st = c1z_raw_deep_struct(depths[di], false, &n), *inner, *any, *extra;
			const char *sql;
			if (variant == 0) { /* Resource.profile (9) */
				inner = NULL;
				any = NULL;
				extra = c1z_raw_pb_field(9, st, n, &k);
				sql = "UPDATE v1_resources SET data = data || ?1 WHERE external_id = 'user:alice'";
			} else if (variant == 1) { /* Resource.annotations (4): UserTrait{profile (3)} */
				inner = c1z_raw_pb_field(3, st, n, &m);
				any = c1z_raw_any("c1.connector.v2.UserTrait", inner, m, &a);
				extra = c1z_raw_pb_field(4, any, a, &k);
				sql = "UPDATE v1_resources SET data = data || ?1 WHERE external_id = 'user:alice'";
			} else { /* Grant.annotations (4): GrantMetadata{metadata (1)} */
				inner = c1z_raw_pb_field(1, st, n, &m);
				any = c1z_raw_any("c1.connector.v2.GrantMetadata", inner, m, &a);
				extra = c1z_raw_pb_field(4, any, a, &k);
				sql = "UPDATE v1_grants SET data = data || ?1";
			}
			copy_file(base, path);
			c1z_raw_edit(path, sql, extra, k);
			char out[4200];
			snprintf(out, sizeof out, "%s.json", path);
			const char *const cmds[][10] = {
				{"-f", path, "-o", "json", "resources", NULL},
				{"-f", path, "-o", "json", "grants", NULL},
				{"-f", path, "-o", "json", "access", "-t", "user", "-r", "alice", NULL},
				{"-f", path, "-o", "json", "diff", "--against", base, NULL},
				{"-f", path, "export", "json", "--out", out, NULL},
				{"-f", path, "resources", NULL},
			};
			for (size_t c = 0; c < sizeof(cmds) / sizeof(cmds[0]); c++) {
				run r;
				run_baton(&r, cmds[c]);
				if (r.status < 0)
					fail_msg("variant %d depth %zu, command %s: killed by a signal; stderr: %s", variant,
					         depths[di], cmds[c][4], r.err);
				if (depths[di] <= 100 && r.status != 0)
					fail_msg("variant %d depth %zu, command %s: %s", variant, depths[di], cmds[c][4], r.err);
				/* (a listing streams: the rows before the bad one may be out already) */
				const char *nl = strchr(r.err, '\n');
				if (r.status != 0 && (r.status != 1 || strncmp(r.err, "baton: ", 7) != 0 || !nl || nl[1] ||
				                      !strstr(r.err, "deeper than")))
					fail_msg("variant %d depth %zu, command %s: status %d, stderr %s", variant, depths[di],
					         cmds[c][4], r.status, r.err);
				run_free(&r);
			}
			unlink(out);
			free(st);
			free(inner);
			free(any);
			free(extra);
		}
	}
	unlink(path);
	unlink(base);
}

/* A sync run with an empty sync_id: every command says the file has it, in one line, and never
 * names an internal function; an empty --sync-id for expand is refused, not ignored. */
static void test_empty_sync_id(void **state)
{
	(void)state;
	char old_id[28], out[4200];
	char *path = make_file("empty-sync", false, old_id, NULL);
	c1z_raw_edit(path, "UPDATE v1_sync_runs SET sync_id = ''", NULL, 0);
	snprintf(out, sizeof out, "%s.out", path);
	const char *const cmds[][8] = {
		{"-f", path, "stats", NULL},
		{"-f", path, "resources", NULL},
		{"-f", path, "grants", NULL},
		{"-f", path, "syncs", NULL},
		{"-f", path, "diff", NULL},
		{"-f", path, "export", "json", "--out", out, NULL},
	};
	for (size_t c = 0; c < sizeof(cmds) / sizeof(cmds[0]); c++) {
		run r;
		run_baton(&r, cmds[c]);
		assert_error(&r, 1, "empty sync_id");
		if (strstr(r.err, "baton_store") || strstr(r.err, "baton__"))
			fail_msg("command %s names an internal function: %s", cmds[c][2], r.err);
		run_free(&r);
		assert_int_equal(access(out, F_OK), -1);
	}
	free(path);
	path = make_file("empty-sync-flag", false, old_id, NULL);
	run r;
	RUN(&r, "-f", path, "expand", "--sync-id", "");
	if (r.status == 0 || !strstr(r.err, "--sync-id"))
		fail_msg("an empty --sync-id was not refused: status %d, %s", r.status, r.err);
	run_free(&r);
	unlink(path);
	free(path);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s PATH-TO-BATON\n", argv[0]);
		return 2;
	}
	baton_bin = argv[1];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_stats_expanded),
		cmocka_unit_test(test_stats_unexpanded),
		cmocka_unit_test(test_listings_expanded),
		cmocka_unit_test(test_listings_unexpanded),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_access),
		cmocka_unit_test(test_diff),
		cmocka_unit_test(test_syncs),
		cmocka_unit_test(test_syncs_order),
		cmocka_unit_test(test_unknown_any),
		cmocka_unit_test(test_export),
		cmocka_unit_test(test_read_only),
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_output_targets),
		cmocka_unit_test(test_long_names),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_empty_sync_id),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
