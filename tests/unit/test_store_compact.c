/* Diff syncs (baton_store_sync_diff) and compaction (baton_compact_files), as upstream's
 * GenerateSyncDiff and SQLite compactor. */
#include "store_testutil.h"

#include "baton/compact.h"
#include "baton/expand.h"

typedef struct fx {
	baton_ctx *ctx;
	char *dir;
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	CHECK(baton_ctx_new(&f->ctx));
	f->dir = st_mkdtemp("compact");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	baton_ctx_free(f->ctx);
	st_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static baton_resource_type *rtype(baton_ctx *ctx, const char *name)
{
	baton_resource_type *rt;
	CHECK(baton_resource_type_new(ctx, name, NULL, 0, &rt));
	return rt;
}

/* Puts resource types `types` ("a,b,c") and groups `groups` ("id=Display;...") in a new sync of
 * `type` and ends it; returns its id in `id`. */
static void put_sync(fx *f, baton_store *s, baton_sync_type type, const char *const *types, size_t nt,
                     const char *const *groups, size_t ng, char id[28])
{
	CHECK(baton_store_sync_start(s, type, type == BATON_SYNC_TYPE_PARTIAL ? "" : NULL, id));
	for (size_t i = 0; i < nt; i++)
		CHECK(baton_store_put_resource_type(s, rtype(f->ctx, types[i])));
	baton_resource_type *grt = rtype(f->ctx, "group");
	for (size_t i = 0; i < ng; i += 2) {
		baton_resource *r;
		CHECK(baton_group_resource_new(f->ctx, groups[i + 1], grt, groups[i], &r));
		CHECK(baton_store_put_resource(s, r));
	}
	CHECK(baton_store_sync_end(s));
}

static const char *group_name(baton_store *s, baton_ctx *ctx, const char *sync_id, const char *gid)
{
	baton_resource_id id = {"group", gid};
	baton_resource *r;
	int rc = baton_store_get_resource(s, sync_id, &id, ctx, &r);
	if (rc == BATON_ENOTFOUND)
		return NULL;
	CHECK(rc);
	return baton_resource_display_name(r);
}

static void test_diff(void **state)
{
	fx *f = *state;
	char *path = st_path(f->dir, "d.c1z");
	baton_store *s;
	CHECK(baton_store_open(path, NULL, &s));
	char base[28], applied[28], diff[28];
	const char *t1[] = {"User", "Group"}, *t2[] = {"User", "App"};
	const char *g1[] = {"g1", "Old", "g2", "Gone"}, *g2[] = {"g1", "Renamed", "g3", "Added"};
	put_sync(f, s, BATON_SYNC_TYPE_FULL, t1, 2, g1, 4, base);
	put_sync(f, s, BATON_SYNC_TYPE_FULL, t2, 2, g2, 4, applied);

	/* Errors first: nothing is written by them. */
	assert_int_equal(baton_store_sync_diff(s, "", applied, diff), BATON_EINVALID);
	assert_int_equal(baton_store_sync_diff(s, "2NOSUCHSYNCxxxxxxxxxxxxxxxx", applied, diff), BATON_ENOTFOUND);
	assert_non_null(strstr(baton_error_last()->message, "base sync not found"));
	assert_int_equal(baton_store_sync_diff(s, base, "2NOSUCHSYNCxxxxxxxxxxxxxxxx", diff), BATON_ENOTFOUND);
	baton_sync_run *runs;
	size_t n;
	CHECK(baton_store_sync_list(s, f->ctx, &runs, &n));
	assert_int_equal(n, 2);

	CHECK(baton_store_sync_diff(s, base, applied, diff));
	assert_null(baton_store_sync_current(s));
	CHECK(baton_store_close(s));

	CHECK(baton_store_open(path, NULL, &s));
	baton_sync_run run;
	CHECK(baton_store_sync_get(s, diff, f->ctx, &run));
	assert_int_equal(run.type, BATON_SYNC_TYPE_PARTIAL);
	assert_string_equal(run.parent_sync_id, base);
	assert_non_null(run.ended_at);
	/* Only the rows whose ids the base lacks: resource type "app", group g3 (g1 changed but kept
	 * its id, g2 disappeared: neither is represented). */
	baton_store_counts c;
	CHECK(baton_store_count(s, diff, &c));
	assert_int_equal(c.resource_types, 1);
	assert_int_equal(c.resources, 1);
	assert_string_equal(group_name(s, f->ctx, diff, "g3"), "Added");
	assert_null(group_name(s, f->ctx, diff, "g1"));
	/* The sources are untouched. */
	CHECK(baton_store_count(s, applied, &c));
	assert_int_equal(c.resources, 2);
	CHECK(baton_store_close(s));

	/* A read-only store refuses. */
	baton_store_options ro = BATON_STORE_OPTIONS_INIT;
	ro.read_only = true;
	CHECK(baton_store_open(path, &ro, &s));
	assert_int_equal(baton_store_sync_diff(s, base, applied, diff), BATON_EPERM);
	baton_store_discard(s);
	free(path);
}

/* Writes a c1z with one finished sync of `type` (groups as put_sync); returns its sync id. */
static char *write_file(fx *f, const char *name, baton_sync_type type, const char *const *types, size_t nt,
                        const char *const *groups, size_t ng, char id[28])
{
	char *path = st_path(f->dir, name);
	baton_store *s;
	CHECK(baton_store_open(path, NULL, &s));
	put_sync(f, s, type, types, nt, groups, ng, id);
	CHECK(baton_store_close(s));
	return path;
}

static void test_compact(void **state)
{
	fx *f = *state;
	char *out_dir = st_path(f->dir, "out"), *tmp = st_path(f->dir, "tmp");
	assert_int_equal(mkdir(out_dir, 0700), 0);
	assert_int_equal(mkdir(tmp, 0700), 0);
	char id_a[28], id_b[28], id_c[28];
	const char *ta[] = {"User", "Group"}, *tb[] = {"Group", "App"}, *tc[] = {"Role"};
	const char *ga[] = {"g1", "Old", "g2", "Kept"}, *gb[] = {"g1", "New", "g3", "Added"},
	           *gc[] = {"g1", "Newest"};
	/* Written in this order: a (oldest rows), b, then c (newest rows). */
	char *a = write_file(f, "a.c1z", BATON_SYNC_TYPE_FULL, ta, 2, ga, 4, id_a);
	char *b = write_file(f, "b.c1z", BATON_SYNC_TYPE_PARTIAL, tb, 2, gb, 4, id_b);
	char *c = write_file(f, "c.c1z", BATON_SYNC_TYPE_PARTIAL, tc, 1, gc, 2, id_c);

	baton_compact_options o = BATON_COMPACT_OPTIONS_INIT;
	o.tmp_dir = tmp;
	/* c is listed before b: order does not beat time, the latest discovered row wins. */
	const char *paths[] = {a, c, b}, *ids[] = {id_a, id_c, id_b};
	char *out = NULL, nid[28];
	CHECK(baton_compact_files(out_dir, paths, ids, 3, &o, &out, nid));
	char want[4096];
	snprintf(want, sizeof want, "%s/compacted-%s.c1z", out_dir, nid);
	assert_string_equal(out, want);
	assert_int_equal(st_count_entries(tmp), 0);
	assert_int_equal(st_count_entries(out_dir), 1);

	baton_store_options ro = BATON_STORE_OPTIONS_INIT;
	ro.read_only = true;
	baton_store *s;
	CHECK(baton_store_open(out, &ro, &s));
	baton_sync_run *runs;
	size_t n;
	CHECK(baton_store_sync_list(s, f->ctx, &runs, &n));
	assert_int_equal(n, 1);
	assert_string_equal(runs[0].id, nid);
	assert_int_equal(runs[0].type, BATON_SYNC_TYPE_FULL); /* union: a is full */
	assert_non_null(runs[0].ended_at);
	baton_store_counts cnt;
	CHECK(baton_store_count(s, nid, &cnt));
	assert_int_equal(cnt.resource_types, 4); /* user, group, app, role */
	assert_int_equal(cnt.resources, 3);
	assert_string_equal(group_name(s, f->ctx, nid, "g1"), "Newest");
	assert_string_equal(group_name(s, f->ctx, nid, "g2"), "Kept");
	assert_string_equal(group_name(s, f->ctx, nid, "g3"), "Added");
	baton_store_discard(s);
	free(out);

	/* Partial-only inputs give a partial sync. */
	const char *p2[] = {b, c}, *i2[] = {id_b, id_c};
	CHECK(baton_compact_files(out_dir, p2, i2, 2, &o, &out, nid));
	CHECK(baton_store_open(out, &ro, &s));
	baton_sync_run run;
	CHECK(baton_store_sync_get(s, nid, f->ctx, &run));
	assert_int_equal(run.type, BATON_SYNC_TYPE_PARTIAL);
	assert_string_equal(group_name(s, f->ctx, nid, "g1"), "Newest");
	baton_store_discard(s);
	free(out);

	/* Errors leave nothing behind. */
	assert_int_equal(baton_compact_files(out_dir, paths, ids, 1, &o, &out, nid), BATON_EINVALID);
	char *missing = st_path(f->dir, "nope");
	assert_int_equal(baton_compact_files(missing, paths, ids, 2, &o, &out, nid), BATON_ENOTFOUND);
	const char *pm[] = {a, missing};
	assert_int_equal(baton_compact_files(out_dir, pm, ids, 2, &o, &out, nid), BATON_ENOTFOUND);
	assert_non_null(strstr(baton_error_last()->message, "does not exist"));
	/* A file whose only sync is a diff half is not compactable. */
	char id_d[28];
	char *d = write_file(f, "d.c1z", BATON_SYNC_TYPE_PARTIAL_UPSERTS, tc, 1, gc, 0, id_d);
	const char *p3[] = {a, d}, *i3[] = {id_a, id_d};
	assert_int_equal(baton_compact_files(out_dir, p3, i3, 2, &o, &out, nid), BATON_EPRECONDITION);
	assert_non_null(strstr(baton_error_last()->message, "not compactable"));
	assert_null(out);
	assert_int_equal(st_count_entries(tmp), 0);
	assert_int_equal(st_count_entries(out_dir), 2);
	free(missing);
	free(a);
	free(b);
	free(c);
	free(d);
	free(out_dir);
	free(tmp);
}

/* A full result has its grants expanded: an expandable grant from the base and a membership from
 * a partial give the derived grant. */
static void test_compact_expands(void **state)
{
	fx *f = *state;
	baton_resource_type *grt = rtype(f->ctx, "Group"), *rrt = rtype(f->ctx, "Role");
	baton_resource *g1, *r1;
	CHECK(baton_group_resource_new(f->ctx, "G", grt, "g1", &g1));
	CHECK(baton_role_resource_new(f->ctx, "R", rrt, "r1", &r1));
	baton_entitlement *member, *assigned;
	CHECK(baton_assignment_entitlement_new(f->ctx, g1, "member", &member));
	CHECK(baton_assignment_entitlement_new(f->ctx, r1, "assigned", &assigned));
	baton_resource_id gp = {"group", "g1"}, up = {"user", "u1"};
	baton_grant *rule, *membership;
	CHECK(baton_grant_new_for_entitlement(f->ctx, assigned, &gp, &rule));
	const char *src[] = {baton_entitlement_id(member)};
	CHECK(baton_grant_set_expandable(rule, src, 1, false, NULL, 0));
	CHECK(baton_grant_new_for_entitlement(f->ctx, member, &up, &membership));

	char *base = st_path(f->dir, "base.c1z"), *part = st_path(f->dir, "part.c1z");
	char id_base[28], id_part[28];
	baton_store *s;
	CHECK(baton_store_open(base, NULL, &s));
	CHECK(baton_store_sync_start(s, BATON_SYNC_TYPE_FULL, NULL, id_base));
	CHECK(baton_store_put_resource_type(s, grt));
	CHECK(baton_store_put_resource_type(s, rrt));
	CHECK(baton_store_put_resource(s, g1));
	CHECK(baton_store_put_resource(s, r1));
	CHECK(baton_store_put_entitlement(s, member));
	CHECK(baton_store_put_entitlement(s, assigned));
	CHECK(baton_store_put_grant(s, rule));
	CHECK(baton_store_sync_end(s));
	CHECK(baton_store_close(s));
	CHECK(baton_store_open(part, NULL, &s));
	CHECK(baton_store_sync_start(s, BATON_SYNC_TYPE_PARTIAL, "", id_part));
	CHECK(baton_store_put_grant(s, membership));
	CHECK(baton_store_sync_end(s));
	CHECK(baton_store_close(s));

	const char *paths[] = {base, part}, *ids[] = {id_base, id_part};
	char *out, nid[28];
	CHECK(baton_compact_files(f->dir, paths, ids, 2, NULL, &out, nid));
	CHECK(baton_store_open(out, NULL, &s));
	baton_grant *g;
	char *derived = baton_grant_id_format(f->ctx, baton_entitlement_id(assigned), &up);
	assert_non_null(derived);
	CHECK(baton_store_get_grant(s, nid, derived, f->ctx, &g));
	baton_store_counts cnt;
	CHECK(baton_store_count(s, nid, &cnt));
	assert_int_equal(cnt.grants, 3);
	baton_store_discard(s);
	free(out);
	free(base);
	free(part);
}

/* Puts a full sync as put_sync, marked supports_diff (as the syncer does). */
static void put_diffable(fx *f, baton_store *s, const char *const *types, size_t nt, const char *const *groups,
                         size_t ng, char id[28])
{
	CHECK(baton_store_sync_start(s, BATON_SYNC_TYPE_FULL, NULL, id));
	for (size_t i = 0; i < nt; i++)
		CHECK(baton_store_put_resource_type(s, rtype(f->ctx, types[i])));
	baton_resource_type *grt = rtype(f->ctx, "group");
	for (size_t i = 0; i < ng; i += 2) {
		baton_resource *r;
		CHECK(baton_group_resource_new(f->ctx, groups[i + 1], grt, groups[i], &r));
		CHECK(baton_store_put_resource(s, r));
	}
	CHECK(baton_store_sync_set_supports_diff(s));
	CHECK(baton_store_sync_end(s));
}

static void test_diff_from_file(void **state)
{
	fx *f = *state;
	char *old_path = st_path(f->dir, "old.c1z"), *new_path = st_path(f->dir, "new.c1z");
	const char *t1[] = {"User", "Group"}, *t2[] = {"Group", "App"};
	const char *g1[] = {"g1", "Old", "g2", "Gone", "g4", "Same"}, *g2[] = {"g1", "Renamed", "g3", "Added", "g4", "Same"};
	char old_id[28], new_id[28], plain[28], up[28], del[28];
	baton_store *s;
	CHECK(baton_store_open(old_path, NULL, &s));
	put_diffable(f, s, t1, 2, g1, 6, old_id);
	CHECK(baton_store_close(s));
	CHECK(baton_store_open(new_path, NULL, &s));
	put_diffable(f, s, t2, 2, g2, 6, new_id);
	put_sync(f, s, BATON_SYNC_TYPE_FULL, t2, 2, g2, 6, plain); /* supports_diff = 0 */

	assert_int_equal(baton_store_sync_diff_from_file(s, old_path, old_id, plain, up, del), BATON_EPRECONDITION);
	assert_non_null(strstr(baton_error_last()->message, "does not support diff"));
	assert_int_equal(baton_store_sync_diff_from_file(s, old_path, new_id, new_id, up, del), BATON_ENOTFOUND);
	CHECK(baton_store_sync_diff_from_file(s, old_path, old_id, new_id, up, del));
	CHECK(baton_store_close(s));

	CHECK(baton_store_open(new_path, NULL, &s));
	baton_sync_run run;
	CHECK(baton_store_sync_get(s, del, f->ctx, &run));
	assert_int_equal(run.type, BATON_SYNC_TYPE_PARTIAL_DELETIONS);
	assert_string_equal(run.parent_sync_id, old_id);
	assert_string_equal(run.linked_sync_id, up);
	assert_true(run.supports_diff);
	assert_non_null(run.ended_at);
	CHECK(baton_store_sync_get(s, up, f->ctx, &run));
	assert_int_equal(run.type, BATON_SYNC_TYPE_PARTIAL_UPSERTS);
	assert_string_equal(run.linked_sync_id, del);
	baton_store_counts c;
	/* deletions: the User type and g2; upserts: the App type, g1 (changed) and g3 (new) */
	CHECK(baton_store_count(s, del, &c));
	assert_int_equal(c.resource_types, 1);
	assert_int_equal(c.resources, 1);
	assert_string_equal(group_name(s, f->ctx, del, "g2"), "Gone");
	CHECK(baton_store_count(s, up, &c));
	assert_int_equal(c.resource_types, 1);
	assert_int_equal(c.resources, 2);
	assert_string_equal(group_name(s, f->ctx, up, "g1"), "Renamed");
	assert_string_equal(group_name(s, f->ctx, up, "g3"), "Added");
	assert_null(group_name(s, f->ctx, up, "g4"));
	baton_store_discard(s);
	free(old_path);
	free(new_path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_diff, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compact_expands, setup, teardown),
		cmocka_unit_test_setup_teardown(test_diff_from_file, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
