/*
 * Workloads that run a whole sync (baton_sync: validate, resource types, resources,
 * entitlements, grants, grant expansion, pack) of a synthetic in-process connector.
 *
 * The connector (the Go peer's is the same, bench/peer-go/synth.go):
 *  - user:  U users u0.., TRAIT_USER, SkipEntitlementsAndGrants on the type;
 *  - group: G groups g0.., TRAIT_GROUP, entitlement "member"; user u is a member of the groups
 *           (u + k*max(1, G/4)) % G for k < 4 (at most G); group g >= 1 is a member of group
 *           (g-1)/8 (expandable: an 8-ary tree of nested groups);
 *  - role:  R roles r0.., TRAIT_ROLE, entitlement "assigned", granted to users
 *           (r*199 + j) % U for j < min(3200, U), and to group (r*7+3) % G (expandable).
 * Defaults 5,000 / 200 / 25 give 100,224 grants before expansion. Lists and grants come in pages
 * of 100 rows.
 *  - fanout: N groups (default 10,000) with M grants each (default 1,000) to users u0..u<M-1>;
 *    M users; no roles, nothing expandable.
 *  - latency: every connector call (validate, list, entitlements, grants) first sleeps
 *    --latency-ms (default 20) milliseconds; sizes default to 100 / 20 / 5.
 */
#include "bench.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PAGE 100

typedef struct synth {
	int users, groups, roles;
	int groups_per_user;  /* memberships per user */
	int users_per_role;
	int nest;             /* group g >= 1 is a member of (g-1)/nest; 0: no nesting */
	int grants_per;       /* fanout: grants per group (then memberships are users 0..grants_per-1) */
	unsigned latency_ms;
} synth;

static void synth_sleep(const synth *S)
{
	if (!S->latency_ms)
		return;
	struct timespec ts = {S->latency_ms / 1000, (long)(S->latency_ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int page_start(baton_ctx *ctx)
{
	const char *t = baton_ctx_page_token(ctx);
	return *t ? atoi(t) : 0;
}

static int next_page(baton_ctx *ctx, int next, int total)
{
	if (next >= total)
		return 0;
	char buf[24];
	snprintf(buf, sizeof(buf), "%d", next);
	return baton_ctx_set_next_page(ctx, buf);
}

static int synth_validate(baton_ctx *ctx)
{
	synth_sleep(baton_ctx_userdata(ctx));
	return 0;
}

static int describe_user(baton_ctx *ctx, baton_resource_type *rt)
{
	(void)ctx;
	return baton_annotations_set_skip_entitlements_and_grants(baton_resource_type_annotations(rt));
}

typedef int (*new_fn)(baton_ctx *, const char *, const baton_resource_type *, const char *, baton_resource **);

static int list_of(baton_ctx *ctx, int total, const char *prefix, const char *label, new_fn fn)
{
	synth_sleep(baton_ctx_userdata(ctx));
	int start = page_start(ctx);
	char id[24], name[40];
	for (int i = start; i < total && i < start + PAGE; i++) {
		snprintf(id, sizeof(id), "%s%d", prefix, i);
		snprintf(name, sizeof(name), "%s %d", label, i);
		baton_resource *r;
		int rc = fn(ctx, name, baton_ctx_resource_type(ctx), id, &r);
		if (!rc)
			rc = baton_ctx_emit_resource(ctx, r);
		if (rc)
			return rc;
	}
	return next_page(ctx, start + PAGE, total);
}

static int list_users(baton_ctx *ctx, const baton_resource_id *parent)
{
	const synth *S = baton_ctx_userdata(ctx);
	return list_of(ctx, S->users, "u", "User", baton_user_resource_new);
}

static int list_groups(baton_ctx *ctx, const baton_resource_id *parent)
{
	const synth *S = baton_ctx_userdata(ctx);
	return list_of(ctx, S->groups, "g", "Group", baton_group_resource_new);
}

static int list_roles(baton_ctx *ctx, const baton_resource_id *parent)
{
	const synth *S = baton_ctx_userdata(ctx);
	return list_of(ctx, S->roles, "r", "Role", baton_role_resource_new);
}

static int one_entitlement(baton_ctx *ctx, const baton_resource *resource, const char *name)
{
	synth_sleep(baton_ctx_userdata(ctx));
	baton_entitlement *e;
	int rc = baton_assignment_entitlement_new(ctx, resource, name, &e);
	return rc ? rc : baton_ctx_emit_entitlement(ctx, e);
}

static int group_entitlements(baton_ctx *ctx, const baton_resource *resource)
{
	return one_entitlement(ctx, resource, "member");
}

static int role_entitlements(baton_ctx *ctx, const baton_resource *resource)
{
	return one_entitlement(ctx, resource, "assigned");
}

/* Principal k of a resource's grant list: a user index (>= 0) or a group index (-1 - g). */
typedef struct plist {
	int *v;
	int n, cap;
} plist;

static int plist_add(plist *p, int x)
{
	if (p->n == p->cap) {
		int cap = p->cap ? p->cap * 2 : 256;
		int *v = realloc(p->v, (size_t)cap * sizeof(*v));
		if (!v)
			return baton_error_set(BATON_EEXHAUSTED, "out of memory");
		p->v = v;
		p->cap = cap;
	}
	p->v[p->n++] = x;
	return 0;
}

static int emit_grants(baton_ctx *ctx, const baton_resource *resource, const char *ent, const plist *p)
{
	int start = page_start(ctx);
	char id[24], src[48];
	for (int i = start; i < p->n && i < start + PAGE; i++) {
		int x = p->v[i];
		baton_grant *g;
		int rc;
		if (x >= 0) {
			snprintf(id, sizeof(id), "u%d", x);
			rc = baton_grant_new(ctx, resource, ent, &(baton_resource_id){"user", id}, &g);
		} else {
			snprintf(id, sizeof(id), "g%d", -1 - x);
			rc = baton_grant_new(ctx, resource, ent, &(baton_resource_id){"group", id}, &g);
			snprintf(src, sizeof(src), "group:%s:member", id);
			const char *ids[] = {src};
			if (!rc)
				rc = baton_grant_set_expandable(g, ids, 1, false, NULL, 0);
		}
		if (!rc)
			rc = baton_ctx_emit_grant(ctx, g);
		if (rc)
			return rc;
	}
	return next_page(ctx, start + PAGE, p->n);
}

static int resource_index(const baton_resource *r)
{
	baton_resource_id id = baton_resource_get_id(r);
	return atoi(id.resource + 1);
}

static int group_grants(baton_ctx *ctx, const baton_resource *resource)
{
	const synth *S = baton_ctx_userdata(ctx);
	synth_sleep(S);
	int g = resource_index(resource), rc = 0;
	plist p = {0};
	if (S->grants_per) {
		for (int u = 0; u < S->grants_per && !rc; u++)
			rc = plist_add(&p, u);
	} else {
		int gpu = S->groups_per_user < S->groups ? S->groups_per_user : S->groups;
		int stride = S->groups / gpu > 1 ? S->groups / gpu : 1;
		for (int k = 0; k < gpu && !rc; k++) {
			/* users u with (u + k*stride) % G == g */
			int u0 = ((g - k * stride) % S->groups + S->groups) % S->groups;
			for (int u = u0; u < S->users && !rc; u += S->groups)
				rc = plist_add(&p, u);
		}
		if (S->nest)
			for (int c = g * S->nest + 1; c <= g * S->nest + S->nest && c < S->groups && !rc; c++)
				rc = plist_add(&p, -1 - c);
	}
	if (!rc)
		rc = emit_grants(ctx, resource, "member", &p);
	free(p.v);
	return rc;
}

static int role_grants(baton_ctx *ctx, const baton_resource *resource)
{
	const synth *S = baton_ctx_userdata(ctx);
	synth_sleep(S);
	int r = resource_index(resource), rc = 0;
	plist p = {0};
	int n = S->users_per_role < S->users ? S->users_per_role : S->users;
	for (int j = 0; j < n && !rc; j++)
		rc = plist_add(&p, (r * 199 + j) % S->users);
	if (S->groups && !rc)
		rc = plist_add(&p, -1 - (r * 7 + 3) % S->groups);
	if (!rc)
		rc = emit_grants(ctx, resource, "assigned", &p);
	free(p.v);
	return rc;
}

static const baton_trait user_traits[] = {BATON_TRAIT_USER};
static const baton_trait group_traits[] = {BATON_TRAIT_GROUP};
static const baton_trait role_traits[] = {BATON_TRAIT_ROLE};

static const baton_resource_syncer user_syncer = {
	.version = BATON_RESOURCE_SYNCER_VERSION,
	.name = "User", .id = "user", .traits = user_traits, .n_traits = 1,
	.describe = describe_user,
	.list = list_users,
};
static const baton_resource_syncer group_syncer = {
	.version = BATON_RESOURCE_SYNCER_VERSION,
	.name = "Group", .id = "group", .traits = group_traits, .n_traits = 1,
	.list = list_groups, .entitlements = group_entitlements, .grants = group_grants,
};
static const baton_resource_syncer role_syncer = {
	.version = BATON_RESOURCE_SYNCER_VERSION,
	.name = "Role", .id = "role", .traits = role_traits, .n_traits = 1,
	.list = list_roles, .entitlements = role_entitlements, .grants = role_grants,
};

int bench_sync(int argc, char **argv)
{
	const char *mode = argv[0], *out = NULL, *tmp = NULL;
	bool fanout = !strcmp(mode, "fanout"), latency = !strcmp(mode, "latency");
	long long users = latency ? 100 : 5000, groups = latency ? 20 : 200, roles = latency ? 5 : 25;
	long long workers = 0, lat = 20, resources = 10000, grants_per = 1000;
	for (int i = 1; i < argc; i++) {
		if (bench_opt_str(argc, argv, &i, "-o", &out) || bench_opt_str(argc, argv, &i, "--tmp-dir", &tmp) ||
		    bench_opt_long(argc, argv, &i, "--users", &users) ||
		    bench_opt_long(argc, argv, &i, "--groups", &groups) ||
		    bench_opt_long(argc, argv, &i, "--roles", &roles) ||
		    bench_opt_long(argc, argv, &i, "--workers", &workers) ||
		    bench_opt_long(argc, argv, &i, "--latency-ms", &lat) ||
		    bench_opt_long(argc, argv, &i, "--resources", &resources) ||
		    bench_opt_long(argc, argv, &i, "--grants-per", &grants_per))
			continue;
		fprintf(stderr, "%s: unknown option %s\n", mode, argv[i]);
		return 2;
	}
	if (!out) {
		fprintf(stderr, "%s: -o FILE is required\n", mode);
		return 2;
	}
	synth S = {
		.users = (int)users, .groups = (int)groups, .roles = (int)roles,
		.groups_per_user = 4, .users_per_role = 3200, .nest = 8,
		.latency_ms = latency ? (unsigned)lat : 0,
	};
	if (fanout) {
		S = (synth){.users = (int)grants_per, .groups = (int)resources, .grants_per = (int)grants_per};
	}
	if (S.users < 1 || S.groups < 1) {
		fprintf(stderr, "%s: sizes must be at least 1\n", mode);
		return 2;
	}
	const baton_resource_syncer *types[] = {&user_syncer, &group_syncer, &role_syncer};
	baton_connector c = {
		.version = BATON_CONNECTOR_VERSION,
		.display_name = "baton-bench synthetic",
		.validate = synth_validate,
		.resource_types = types,
		.n_resource_types = (fanout || S.roles == 0) ? 2 : 3,
		.userdata = &S,
	};
	baton_sync_options o = BATON_SYNC_OPTIONS_INIT;
	o.c1z_path = out;
	o.tmp_dir = tmp;
	o.workers = (int)workers;
	remove(out);
	baton_sync_summary sum;
	memset(&sum, 0, sizeof(sum));
	double t0 = bench_now();
	int rc = baton_sync(&c, &o, &sum);
	double t1 = bench_now();
	if (rc)
		return bench_fail(mode, rc);
	char extra[256];
	snprintf(extra, sizeof(extra),
	         ",\"resources\":%llu,\"entitlements\":%llu,\"direct_grants\":%llu,\"expanded_grants\":%llu,"
	         "\"workers\":%lld",
	         (unsigned long long)sum.resources, (unsigned long long)sum.entitlements,
	         (unsigned long long)sum.grants, (unsigned long long)sum.expanded_grants, workers);
	bench_result(mode, sum.resources + sum.entitlements + sum.grants + sum.expanded_grants, out,
	             t1 - t0, extra);
	return 0;
}
