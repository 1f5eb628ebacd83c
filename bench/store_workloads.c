/*
 * Workloads on the store directly: writepack (grants written through the store into a finished
 * c1z), gen-graph (unexpanded c1z files with a given entitlement graph), expand (grant expansion
 * of a copy of a c1z) and verify (a c1z holds a finished sync with rows).
 */
#include "bench.h"

#include <stdlib.h>
#include <string.h>

#define CHECK(what, expr)                                   \
	do {                                                \
		int rc_ = (expr);                           \
		if (rc_ != 0)                               \
			return bench_fail((what), rc_);     \
	} while (0)

/* ------------------------------------------------------------------------------------------ */
/* writepack                                                                                   */

/*
 * Shape (the Go peer writes the same rows): resource types user and group; 1,000 users u0..u999;
 * 100 groups g0..g99 with one assignment entitlement "member" each; grant i goes to entitlement
 * group:g<i%100>:member and principal user u<(i/100)%1000>, with "-<round>" appended to the
 * principal id for i >= 100,000 (round = i/100,000), so that every grant id is distinct.
 */
#define WP_USERS 1000
#define WP_GROUPS 100
#define WP_ROUND (WP_USERS * WP_GROUPS)

int bench_writepack(int argc, char **argv)
{
	long long n = 1000000;
	const char *out = NULL;
	for (int i = 1; i < argc; i++) {
		if (bench_opt_long(argc, argv, &i, "--grants", &n) || bench_opt_str(argc, argv, &i, "-o", &out))
			continue;
		fprintf(stderr, "writepack: unknown option %s\n", argv[i]);
		return 2;
	}
	if (!out) {
		fprintf(stderr, "writepack: -o FILE is required\n");
		return 2;
	}
	remove(out);
	double t0 = bench_now();
	baton_store *s;
	CHECK("open", baton_store_open(out, NULL, &s));
	char sync_id[28];
	CHECK("sync start", baton_store_sync_start(s, BATON_SYNC_TYPE_FULL, NULL, sync_id));

	baton_ctx *keep;
	CHECK("ctx", baton_ctx_new(&keep));
	baton_resource_type *user_t, *group_t;
	CHECK("type", baton_resource_type_new(keep, "User", (baton_trait[]){BATON_TRAIT_USER}, 1, &user_t));
	CHECK("type", baton_resource_type_new(keep, "Group", (baton_trait[]){BATON_TRAIT_GROUP}, 1, &group_t));
	CHECK("put type", baton_store_put_resource_type(s, user_t));
	CHECK("put type", baton_store_put_resource_type(s, group_t));
	baton_resource *groups[WP_GROUPS];
	char id[64], name[64];
	for (int g = 0; g < WP_GROUPS; g++) {
		snprintf(id, sizeof(id), "g%d", g);
		snprintf(name, sizeof(name), "Group %d", g);
		CHECK("group", baton_group_resource_new(keep, name, group_t, id, &groups[g]));
		CHECK("put group", baton_store_put_resource(s, groups[g]));
		baton_entitlement *e;
		CHECK("entitlement", baton_assignment_entitlement_new(keep, groups[g], "member", &e));
		CHECK("put entitlement", baton_store_put_entitlement(s, e));
	}
	baton_ctx *ctx;
	CHECK("ctx", baton_ctx_new(&ctx));
	for (int u = 0; u < WP_USERS; u++) {
		snprintf(id, sizeof(id), "u%d", u);
		snprintf(name, sizeof(name), "User %d", u);
		baton_resource *r;
		CHECK("user", baton_user_resource_new(ctx, name, user_t, id, &r));
		CHECK("put user", baton_store_put_resource(s, r));
	}
	baton_ctx_free(ctx);
	ctx = NULL;
	for (long long i = 0; i < n; i++) {
		if (i % 1000 == 0) {
			baton_ctx_free(ctx);
			CHECK("ctx", baton_ctx_new(&ctx));
		}
		long long round = i / WP_ROUND;
		int u = (int)((i / WP_GROUPS) % WP_USERS);
		if (round)
			snprintf(id, sizeof(id), "u%d-%lld", u, round);
		else
			snprintf(id, sizeof(id), "u%d", u);
		baton_grant *g;
		CHECK("grant", baton_grant_new(ctx, groups[i % WP_GROUPS], "member",
		                               &(baton_resource_id){"user", id}, &g));
		CHECK("put grant", baton_store_put_grant(s, g));
	}
	baton_ctx_free(ctx);
	double te = bench_now();
	CHECK("sync end", baton_store_sync_end(s));
	double tc = bench_now();
	CHECK("close", baton_store_close(s));
	baton_ctx_free(keep);
	double t1 = bench_now();
	char extra[96];
	/* put_s: the put loop; end_s: sync end (the deferred index build, the stats); close_s: the pack */
	snprintf(extra, sizeof(extra), ",\"put_s\":%.3f,\"end_s\":%.3f,\"close_s\":%.3f", te - t0,
	         tc - te, t1 - tc);
	bench_result("writepack", (uint64_t)n, out, t1 - t0, extra);
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* gen-graph                                                                                   */

typedef struct gen {
	baton_store *s;
	baton_ctx *ctx;
	baton_resource_type *user_t, *group_t;
	uint64_t grants;
} gen;

static int gen_group(gen *G, const char *gid, baton_resource **out)
{
	char name[80];
	snprintf(name, sizeof(name), "Group %s", gid);
	int rc = baton_group_resource_new(G->ctx, name, G->group_t, gid, out);
	if (!rc)
		rc = baton_store_put_resource(G->s, *out);
	baton_entitlement *e;
	if (!rc)
		rc = baton_assignment_entitlement_new(G->ctx, *out, "member", &e);
	if (!rc)
		rc = baton_store_put_entitlement(G->s, e);
	return rc;
}

/* A member grant on group `on` to principal (type, pid); when `type` is "group", expandable
 * from that group's member entitlement (members of pid are members of `on`). */
static int gen_member(gen *G, baton_resource *on, const char *type, const char *pid)
{
	baton_grant *g;
	int rc = baton_grant_new(G->ctx, on, "member", &(baton_resource_id){type, pid}, &g);
	if (!rc && !strcmp(type, "group")) {
		char src[96];
		snprintf(src, sizeof(src), "group:%s:member", pid);
		const char *ids[] = {src};
		rc = baton_grant_set_expandable(g, ids, 1, false, NULL, 0);
	}
	if (!rc)
		rc = baton_store_put_grant(G->s, g);
	G->grants++;
	return rc;
}

static int gen_users(gen *G, int users)
{
	char id[32], name[48];
	for (int u = 0; u < users; u++) {
		snprintf(id, sizeof(id), "u%d", u);
		snprintf(name, sizeof(name), "User %d", u);
		baton_resource *r;
		int rc = baton_user_resource_new(G->ctx, name, G->user_t, id, &r);
		if (!rc)
			rc = baton_store_put_resource(G->s, r);
		if (rc)
			return rc;
	}
	return 0;
}

static char *gid(char *buf, size_t n, const char *prefix, int i)
{
	snprintf(buf, n, "%s%d", prefix, i);
	return buf;
}

/*
 * chain:  groups c0..c<depth>; c<i> is a member of c<i+1> (expandable), so c0 reaches the
 *         end through `depth` edges; users u (of `users`) are direct members of
 *         c<depth - u%10>.
 * wide:   root w; 100 mid groups m<j> members of w; 1,000 leaf groups l<k> each a member of
 *         3 mid groups; each user a member of 2 leaf groups.
 * cycles: 100 rings of 5 groups r<k>_<i> (r<k>_<i> a member of r<k>_<(i+1)%5>), a feeder
 *         f<k> member of r<k>_0 and each ring's r<k>_4 a member of sink s<k>; user u is a
 *         member of f<u%100> and of r<u%100>_<(u/100)%5>.
 */
static int gen_chain(gen *G, int depth, int users)
{
	char a[32], b[32];
	baton_resource **c = calloc((size_t)depth + 1, sizeof(*c));
	if (!c)
		return BATON_EEXHAUSTED;
	int rc = 0;
	for (int i = 0; i <= depth && !rc; i++)
		rc = gen_group(G, gid(a, sizeof(a), "c", i), &c[i]);
	for (int i = 0; i < depth && !rc; i++)
		rc = gen_member(G, c[i + 1], "group", gid(a, sizeof(a), "c", i));
	for (int u = 0; u < users && !rc; u++)
		rc = gen_member(G, c[depth - u % 10 < 0 ? 0 : depth - u % 10], "user", gid(b, sizeof(b), "u", u));
	free(c);
	return rc;
}

static int gen_wide(gen *G, int mids, int leaves, int users)
{
	char a[32];
	baton_resource *w, **m = calloc((size_t)mids, sizeof(*m)), **l = calloc((size_t)leaves, sizeof(*l));
	int rc = (!m || !l) ? BATON_EEXHAUSTED : gen_group(G, "w", &w);
	for (int j = 0; j < mids && !rc; j++)
		rc = gen_group(G, gid(a, sizeof(a), "m", j), &m[j]);
	for (int k = 0; k < leaves && !rc; k++)
		rc = gen_group(G, gid(a, sizeof(a), "l", k), &l[k]);
	for (int j = 0; j < mids && !rc; j++)
		rc = gen_member(G, w, "group", gid(a, sizeof(a), "m", j));
	for (int k = 0; k < leaves && !rc; k++)
		for (int x = 0; x < 3 && !rc; x++)
			rc = gen_member(G, m[(k * 3 + x * 7) % mids], "group", gid(a, sizeof(a), "l", k));
	for (int u = 0; u < users && !rc; u++)
		for (int x = 0; x < 2 && !rc; x++)
			rc = gen_member(G, l[(u * 2 + x * 13) % leaves], "user", gid(a, sizeof(a), "u", u));
	free(m);
	free(l);
	return rc;
}

static int gen_cycles(gen *G, int rings, int users)
{
	char a[32];
	int rc = 0;
	baton_resource **f = calloc((size_t)rings, sizeof(*f)), **r = calloc((size_t)rings * 5, sizeof(*r));
	if (!f || !r)
		rc = BATON_EEXHAUSTED;
	for (int k = 0; k < rings && !rc; k++) {
		baton_resource *sink;
		rc = gen_group(G, gid(a, sizeof(a), "f", k), &f[k]);
		for (int i = 0; i < 5 && !rc; i++) {
			snprintf(a, sizeof(a), "r%d_%d", k, i);
			rc = gen_group(G, a, &r[k * 5 + i]);
		}
		if (!rc)
			rc = gen_group(G, gid(a, sizeof(a), "s", k), &sink);
		for (int i = 0; i < 5 && !rc; i++) {
			snprintf(a, sizeof(a), "r%d_%d", k, i);
			rc = gen_member(G, r[k * 5 + (i + 1) % 5], "group", a);
		}
		if (!rc)
			rc = gen_member(G, r[k * 5], "group", gid(a, sizeof(a), "f", k));
		if (!rc) {
			snprintf(a, sizeof(a), "r%d_4", k);
			rc = gen_member(G, sink, "group", a);
		}
	}
	for (int u = 0; u < users && !rc; u++) {
		rc = gen_member(G, f[u % rings], "user", gid(a, sizeof(a), "u", u));
		if (!rc)
			rc = gen_member(G, r[(u % rings) * 5 + (u / rings) % 5], "user", gid(a, sizeof(a), "u", u));
	}
	free(f);
	free(r);
	return rc;
}

/*
 * tenant: the shape of a real tenant (issue 18): 35,000 users; 17 groups, 100 projects and 100
 * roles; 334 entitlements (group member/admin, project member/admin, role assigned); about
 * 66,600 direct grants; 401 expandable grants from 32 source entitlements (the 17 group member
 * entitlements, mostly large, and 15 role entitlements) onto the others:
 *   g0 has users u < 20,000; user u is also in g<1 + u%16>; g<k>:admin has 10 users;
 *   r<k>:assigned has 100 users; p<k>:admin 10 users, p<k>:member 1 user;
 *   g0:member -> p0..p8:member; g<i>:member -> 4 project entitlements; r<k> (k < 15) ->
 *   about 22 roles and project admins (328 edges in all).
 * `users` scales the user counts (the shape stays).
 */
static int tenant_res(gen *G, const baton_resource_type *t, const char *prefix, int i, const char *e1,
                      const char *e2, baton_resource **out)
{
	char id[32], name[48];
	gid(id, sizeof(id), prefix, i);
	snprintf(name, sizeof(name), "Res %s", id);
	int rc = baton_resource_new(G->ctx, name, t, id, out);
	if (!rc)
		rc = baton_store_put_resource(G->s, *out);
	const char *es[] = {e1, e2};
	for (int k = 0; k < 2 && !rc; k++) {
		if (!es[k])
			continue;
		baton_entitlement *e;
		rc = baton_assignment_entitlement_new(G->ctx, *out, es[k], &e);
		if (!rc)
			rc = baton_store_put_entitlement(G->s, e);
	}
	return rc;
}

/* A grant of entitlement `slug` on `on` to (type, pid); expandable from `src` when given. */
static int tenant_grant(gen *G, baton_resource *on, const char *slug, const char *type, const char *pid,
                        const char *src)
{
	baton_grant *g;
	int rc = baton_grant_new(G->ctx, on, slug, &(baton_resource_id){type, pid}, &g);
	if (!rc && src)
		rc = baton_grant_set_expandable(g, &src, 1, false, NULL, 0);
	if (!rc)
		rc = baton_store_put_grant(G->s, g);
	G->grants++;
	return rc;
}

static int gen_tenant(gen *G, int users)
{
	enum { NG = 17, NP = 100, NR = 100 };
	baton_resource_type *proj_t, *role_t;
	baton_resource *g[NG], *p[NP], *r[NR];
	char a[32], b[48];
	int rc = baton_resource_type_new(G->ctx, "Project", NULL, 0, &proj_t);
	if (!rc)
		rc = baton_resource_type_new(G->ctx, "Role", (baton_trait[]){BATON_TRAIT_ROLE}, 1, &role_t);
	if (!rc)
		rc = baton_store_put_resource_type(G->s, proj_t);
	if (!rc)
		rc = baton_store_put_resource_type(G->s, role_t);
	for (int i = 0; i < NG && !rc; i++)
		rc = tenant_res(G, G->group_t, "g", i, "member", "admin", &g[i]);
	for (int i = 0; i < NP && !rc; i++)
		rc = tenant_res(G, proj_t, "p", i, "member", "admin", &p[i]);
	for (int i = 0; i < NR && !rc; i++)
		rc = tenant_res(G, role_t, "r", i, "assigned", NULL, &r[i]);
	/* direct grants */
	int big = users * 4 / 7;
	for (int u = 0; u < users && !rc; u++) {
		gid(a, sizeof(a), "u", u);
		if (u < big)
			rc = tenant_grant(G, g[0], "member", "user", a, NULL);
		if (!rc)
			rc = tenant_grant(G, g[1 + u % 16], "member", "user", a, NULL);
	}
	for (int k = 0; k < NG && !rc; k++)
		for (int j = 0; j < 10 && !rc; j++)
			rc = tenant_grant(G, g[k], "admin", "user", gid(a, sizeof(a), "u", (k * 10 + j) % users), NULL);
	for (int k = 0; k < NR && !rc; k++)
		for (int j = 0; j < 100 && !rc; j++)
			rc = tenant_grant(G, r[k], "assigned", "user", gid(a, sizeof(a), "u", (k * 347 + j * 97) % users),
			                  NULL);
	for (int k = 0; k < NP && !rc; k++) {
		for (int j = 0; j < 10 && !rc; j++)
			rc = tenant_grant(G, p[k], "admin", "user", gid(a, sizeof(a), "u", (k * 131 + j * 3001) % users),
			                  NULL);
		if (!rc)
			rc = tenant_grant(G, p[k], "member", "user", gid(a, sizeof(a), "u", (k * 53 + 7) % users), NULL);
	}
	/* expandable grants: groups onto projects */
	for (int k = 0; k < 9 && !rc; k++)
		rc = tenant_grant(G, p[k], "member", "group", "g0", "group:g0:member");
	for (int i = 1; i < NG && !rc; i++) {
		gid(a, sizeof(a), "g", i);
		snprintf(b, sizeof(b), "group:g%d:member", i);
		for (int x = 0; x < 4 && !rc; x++)
			rc = tenant_grant(G, p[10 + (i * 7 + x * 13) % 90], x % 2 ? "admin" : "member", "group", a, b);
	}
	/* roles onto roles and project admins */
	int edges = 0;
	for (int k = 0; k < 15 && !rc; k++) {
		gid(a, sizeof(a), "r", k);
		snprintf(b, sizeof(b), "role:r%d:assigned", k);
		for (int x = 0; x < 22 && edges < 328 && !rc; x++, edges++) {
			if (x < 11)
				rc = tenant_grant(G, r[15 + (k * 11 + x) % 85], "assigned", "role", a, b);
			else
				rc = tenant_grant(G, p[(k * 7 + x) % 100], "admin", "role", a, b);
		}
	}
	return rc;
}

int bench_gen_graph(int argc, char **argv)
{
	const char *kind = NULL, *out = NULL;
	long long scale = 1;
	for (int i = 1; i < argc; i++) {
		if (bench_opt_str(argc, argv, &i, "-o", &out) || bench_opt_long(argc, argv, &i, "--scale", &scale))
			continue;
		if (argv[i][0] != '-' && !kind) {
			kind = argv[i];
			continue;
		}
		fprintf(stderr, "gen-graph: unknown argument %s\n", argv[i]);
		return 2;
	}
	if (!kind || !out || scale < 1) {
		fprintf(stderr, "gen-graph: KIND and -o FILE are required (--scale divides the sizes)\n");
		return 2;
	}
	int sc = (int)scale;
	remove(out);
	gen G = {0};
	CHECK("open", baton_store_open(out, NULL, &G.s));
	char sync_id[28];
	CHECK("sync start", baton_store_sync_start(G.s, BATON_SYNC_TYPE_FULL, NULL, sync_id));
	CHECK("ctx", baton_ctx_new(&G.ctx));
	CHECK("type", baton_resource_type_new(G.ctx, "User", (baton_trait[]){BATON_TRAIT_USER}, 1, &G.user_t));
	CHECK("type", baton_resource_type_new(G.ctx, "Group", (baton_trait[]){BATON_TRAIT_GROUP}, 1, &G.group_t));
	CHECK("put type", baton_store_put_resource_type(G.s, G.user_t));
	CHECK("put type", baton_store_put_resource_type(G.s, G.group_t));
	int users = 2000 / sc, rc;
	if (!strcmp(kind, "chain")) {
		CHECK("users", gen_users(&G, users));
		rc = gen_chain(&G, 1000 / sc, users);
	} else if (!strcmp(kind, "wide")) {
		users = 5000 / sc;
		CHECK("users", gen_users(&G, users));
		rc = gen_wide(&G, 100 / sc > 3 ? 100 / sc : 3, 1000 / sc, users);
	} else if (!strcmp(kind, "cycles")) {
		users = 5000 / sc;
		CHECK("users", gen_users(&G, users));
		rc = gen_cycles(&G, 100 / sc > 1 ? 100 / sc : 1, users);
	} else if (!strcmp(kind, "tenant")) {
		users = 35000 / sc;
		CHECK("users", gen_users(&G, users));
		rc = gen_tenant(&G, users);
	} else {
		fprintf(stderr, "gen-graph: unknown kind '%s' (chain, wide, cycles, tenant)\n", kind);
		return 2;
	}
	if (rc)
		return bench_fail(kind, rc);
	CHECK("sync end", baton_store_sync_end(G.s));
	CHECK("close", baton_store_close(G.s));
	baton_ctx_free(G.ctx);
	bench_result("gen-graph", G.grants, out, 0, NULL);
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* expand                                                                                      */

int bench_expand(int argc, char **argv)
{
	const char *in = NULL, *work = NULL, *label = "expand";
	for (int i = 1; i < argc; i++) {
		if (bench_opt_str(argc, argv, &i, "-o", &work) || bench_opt_str(argc, argv, &i, "--label", &label))
			continue;
		if (argv[i][0] != '-' && !in) {
			in = argv[i];
			continue;
		}
		fprintf(stderr, "expand: unknown argument %s\n", argv[i]);
		return 2;
	}
	if (!in || !work) {
		fprintf(stderr, "expand: IN and -o WORKFILE are required (IN is copied to WORKFILE first)\n");
		return 2;
	}
	if (bench_copy_file(in, work) != 0)
		return 1;
	baton_expand_stats st;
	memset(&st, 0, sizeof(st));
	double t0 = bench_now();
	int rc = baton_expand_file(work, NULL, NULL, &st);
	double t1 = bench_now();
	if (rc)
		return bench_fail("expand", rc);
	char extra[256];
	snprintf(extra, sizeof(extra),
	         ",\"nodes\":%llu,\"edges\":%llu,\"depth\":%llu,\"cycles\":%llu,\"grants_updated\":%llu",
	         (unsigned long long)st.nodes, (unsigned long long)st.edges, (unsigned long long)st.depth,
	         (unsigned long long)st.cycles_collapsed, (unsigned long long)st.grants_updated);
	bench_result(label, st.grants_created, work, t1 - t0, extra);
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* verify                                                                                      */

/* Prints the id of the newest sync of a c1z (for the Go peer's expand). */
int bench_sync_id(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "sync-id: FILE\n");
		return 2;
	}
	baton_store_options o = BATON_STORE_OPTIONS_INIT;
	o.read_only = true;
	baton_store *s;
	CHECK(argv[1], baton_store_open(argv[1], &o, &s));
	baton_ctx *ctx;
	CHECK("ctx", baton_ctx_new(&ctx));
	baton_sync_run *runs;
	size_t n;
	int rc = baton_store_sync_list(s, ctx, &runs, &n);
	baton_store_discard(s);
	if (rc)
		return bench_fail("sync list", rc);
	if (n == 0) {
		fprintf(stderr, "sync-id: %s holds no sync\n", argv[1]);
		return 1;
	}
	printf("%s\n", runs[n - 1].id);
	baton_ctx_free(ctx);
	return 0;
}

int bench_verify(int argc, char **argv)
{
	const char *path = NULL;
	long long min_grants = 0;
	for (int i = 1; i < argc; i++) {
		if (bench_opt_long(argc, argv, &i, "--min-grants", &min_grants))
			continue;
		if (argv[i][0] != '-' && !path) {
			path = argv[i];
			continue;
		}
		fprintf(stderr, "verify: unknown argument %s\n", argv[i]);
		return 2;
	}
	if (!path) {
		fprintf(stderr, "verify: FILE is required\n");
		return 2;
	}
	baton_store_options o = BATON_STORE_OPTIONS_INIT;
	o.read_only = true;
	baton_store *s;
	CHECK(path, baton_store_open(path, &o, &s));
	baton_ctx *ctx;
	CHECK("ctx", baton_ctx_new(&ctx));
	baton_sync_run run;
	int rc = baton_store_sync_latest_finished(s, BATON_SYNC_TYPE_ANY, ctx, &run);
	if (rc) {
		baton_store_discard(s);
		return bench_fail("no finished sync", rc);
	}
	baton_store_counts c;
	rc = baton_store_count(s, run.id, &c);
	baton_store_discard(s);
	if (rc)
		return bench_fail("count", rc);
	printf("%s: sync %s: %llu resource types, %llu resources, %llu entitlements, %llu grants\n", path,
	       run.id, (unsigned long long)c.resource_types, (unsigned long long)c.resources,
	       (unsigned long long)c.entitlements, (unsigned long long)c.grants);
	baton_ctx_free(ctx);
	if (c.grants < (uint64_t)min_grants) {
		fprintf(stderr, "verify: %s: %llu grants, expected at least %lld\n", path,
		        (unsigned long long)c.grants, min_grants);
		return 1;
	}
	return 0;
}
