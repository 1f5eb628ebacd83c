/*
 * baton-synth: a synthetic, bench-like connector for the crash and memory tests (the shape of
 * bench/sync_workloads.c's, run through baton_main so it resumes like any connector). Nothing is
 * held in memory: every page is computed from its token, so the connector itself stays flat at
 * any size.
 *
 *  - user:  SYNTH_USERS (default 2,000) users u0.., SkipEntitlementsAndGrants on the type;
 *  - group: SYNTH_GROUPS (default 50) groups g0.., entitlement "member": the users u with
 *           u % G == g, then the child groups 4g+1..4g+4 (expandable: a 4-ary tree of nesting);
 *  - role:  SYNTH_ROLES (default 10) roles r0.., entitlement "assigned": SYNTH_ROLE_USERS
 *           (default 500) users (r*97 + j) % U, then group (r*7+3) % G (expandable).
 *  - team:  only with SYNTH_TEAMS > 0: teams t0.., entitlement "member" and grants listed per
 *           type (type_entitlements / type_grants): user u is a member of team u % T; the grants
 *           listing's first page covers the first half of the users and spawns a cursor
 *           (EnqueuePageTokens) for the second half.
 * SYNTH_PAGE (default 50) rows per page.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <baton.h>

typedef struct synth {
	long users, groups, roles, role_users, page, teams;
} synth;

static synth S;

static long env_long(const char *name, long def)
{
	const char *v = getenv(name);
	return v && *v ? atol(v) : def;
}

static long page_start(baton_ctx *ctx)
{
	const char *t = baton_ctx_page_token(ctx);
	return *t ? atol(t) : 0;
}

static int next_page(baton_ctx *ctx, long next, long total)
{
	char buf[24];
	if (next >= total)
		return 0;
	snprintf(buf, sizeof(buf), "%ld", next);
	return baton_ctx_set_next_page(ctx, buf);
}

static int describe_user(baton_ctx *ctx, baton_resource_type *rt)
{
	(void)ctx;
	return baton_annotations_set_skip_entitlements_and_grants(baton_resource_type_annotations(rt));
}

typedef int (*new_fn)(baton_ctx *, const char *, const baton_resource_type *, const char *, baton_resource **);

static int list_of(baton_ctx *ctx, long total, const char *prefix, const char *label, new_fn fn)
{
	long start = page_start(ctx), i;
	char id[32], name[48];

	for (i = start; i < total && i < start + S.page; i++) {
		baton_resource *r;
		int rc;
		snprintf(id, sizeof(id), "%s%ld", prefix, i);
		snprintf(name, sizeof(name), "%s %ld", label, i);
		rc = fn(ctx, name, baton_ctx_resource_type(ctx), id, &r);
		if (!rc)
			rc = baton_ctx_emit_resource(ctx, r);
		if (rc)
			return rc;
	}
	return next_page(ctx, start + S.page, total);
}

static int list_users(baton_ctx *ctx, const baton_resource_id *parent)
{
	(void)parent;
	return list_of(ctx, S.users, "u", "User", baton_user_resource_new);
}

static int list_groups(baton_ctx *ctx, const baton_resource_id *parent)
{
	(void)parent;
	return list_of(ctx, S.groups, "g", "Group", baton_group_resource_new);
}

static int list_roles(baton_ctx *ctx, const baton_resource_id *parent)
{
	(void)parent;
	return list_of(ctx, S.roles, "r", "Role", baton_role_resource_new);
}

static int one_entitlement(baton_ctx *ctx, const baton_resource *resource, const char *name)
{
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

static long resource_index(const baton_resource *r)
{
	baton_resource_id id = baton_resource_get_id(r);
	return atol(id.resource + 1);
}

/* One grant: to user u (u >= 0) or, expandable, to group -1 - u. */
static int emit(baton_ctx *ctx, const baton_resource *resource, const char *ent, long x)
{
	char id[32], src[64];
	baton_grant *g;
	int rc;

	if (x >= 0) {
		snprintf(id, sizeof(id), "u%ld", x);
		rc = baton_grant_new(ctx, resource, ent, &(baton_resource_id){"user", id}, &g);
	} else {
		const char *ids[1];
		snprintf(id, sizeof(id), "g%ld", -1 - x);
		rc = baton_grant_new(ctx, resource, ent, &(baton_resource_id){"group", id}, &g);
		snprintf(src, sizeof(src), "group:%s:member", id);
		ids[0] = src;
		if (!rc)
			rc = baton_grant_set_expandable(g, ids, 1, false, NULL, 0);
	}
	return rc ? rc : baton_ctx_emit_grant(ctx, g);
}

static int group_grants(baton_ctx *ctx, const baton_resource *resource)
{
	long g = resource_index(resource), start = page_start(ctx), i;
	long nu = g < S.users ? (S.users - 1 - g) / S.groups + 1 : 0;
	long first_child = 4 * g + 1, nc = 0, total;

	if (first_child < S.groups)
		nc = S.groups - first_child < 4 ? S.groups - first_child : 4;
	total = nu + nc;
	for (i = start; i < total && i < start + S.page; i++) {
		int rc = emit(ctx, resource, "member", i < nu ? g + i * S.groups : -1 - (first_child + i - nu));
		if (rc)
			return rc;
	}
	return next_page(ctx, start + S.page, total);
}

static int role_grants(baton_ctx *ctx, const baton_resource *resource)
{
	long r = resource_index(resource), start = page_start(ctx), i;
	long nu = S.role_users < S.users ? S.role_users : S.users, total = nu + (S.groups > 0);

	for (i = start; i < total && i < start + S.page; i++) {
		int rc = emit(ctx, resource, "assigned", i < nu ? (r * 97 + i) % S.users : -1 - (r * 7 + 3) % S.groups);
		if (rc)
			return rc;
	}
	return next_page(ctx, start + S.page, total);
}

static int list_teams(baton_ctx *ctx, const baton_resource_id *parent)
{
	(void)parent;
	return list_of(ctx, S.teams, "t", "Team", baton_group_resource_new);
}

static int team_resource(baton_ctx *ctx, long t, baton_resource **out)
{
	char id[32];
	snprintf(id, sizeof(id), "t%ld", t);
	return baton_resource_new_with_id(ctx, id, &(baton_resource_id){"team", id}, out);
}

static int team_type_entitlements(baton_ctx *ctx, const char *type_id)
{
	long start = page_start(ctx), t;
	(void)type_id;
	for (t = start; t < S.teams && t < start + S.page; t++) {
		baton_resource *r;
		int rc = team_resource(ctx, t, &r);
		if (!rc)
			rc = one_entitlement(ctx, r, "member");
		if (rc)
			return rc;
	}
	return next_page(ctx, start + S.page, S.teams);
}

/* Page tokens "FROM:TO" over the users; the first page ("") is 0:U/2 and spawns U/2:U. */
static int team_type_grants(baton_ctx *ctx, const char *type_id)
{
	const char *tok = baton_ctx_page_token(ctx);
	long from = 0, to = S.users / 2, u;
	char next[96];
	int rc = 0;
	(void)type_id;
	if (*tok && sscanf(tok, "%ld:%ld", &from, &to) != 2)
		return baton_error_set(BATON_EINVALID, "bad team page token '%s'", tok);
	if (!*tok && to < S.users) {
		snprintf(next, sizeof(next), "{\"pageTokens\":[\"%ld:%ld\"]}", to, S.users);
		rc = baton_annotations_append_json(baton_ctx_annotations(ctx), "c1.connector.v2.EnqueuePageTokens", next);
	}
	for (u = from; !rc && u < to && u < from + S.page; u++) {
		char uid[32];
		baton_resource *r;
		baton_grant *g;
		snprintf(uid, sizeof(uid), "u%ld", u);
		rc = team_resource(ctx, u % S.teams, &r);
		if (!rc)
			rc = baton_grant_new(ctx, r, "member", &(baton_resource_id){"user", uid}, &g);
		if (!rc)
			rc = baton_ctx_emit_grant(ctx, g);
	}
	if (!rc && from + S.page < to) {
		snprintf(next, sizeof(next), "%ld:%ld", from + S.page, to);
		rc = baton_ctx_set_next_page(ctx, next);
	}
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

static const baton_resource_syncer team_syncer = {
	.version = BATON_RESOURCE_SYNCER_VERSION,
	.name = "Team", .id = "team", .traits = group_traits, .n_traits = 1,
	.list = list_teams, .type_entitlements = team_type_entitlements, .type_grants = team_type_grants,
};

static const baton_resource_syncer *types[] = {&user_syncer, &group_syncer, &role_syncer, &team_syncer};

static baton_connector synth_connector = {
	.version = BATON_CONNECTOR_VERSION,
	.display_name = "baton-synth",
	.resource_types = types,
	.n_resource_types = 3,
};

int main(int argc, char **argv)
{
	S.users = env_long("SYNTH_USERS", 2000);
	S.groups = env_long("SYNTH_GROUPS", 50);
	S.roles = env_long("SYNTH_ROLES", 10);
	S.role_users = env_long("SYNTH_ROLE_USERS", 500);
	S.page = env_long("SYNTH_PAGE", 50);
	S.teams = env_long("SYNTH_TEAMS", 0);
	if (S.teams > 0)
		synth_connector.n_resource_types = 4;
	if (S.users < 1 || S.groups < 1 || S.roles < 0 || S.page < 1) {
		fprintf(stderr, "baton-synth: SYNTH_USERS, SYNTH_GROUPS and SYNTH_PAGE must be at least 1\n");
		return 2;
	}
	return baton_main(argc, argv, &synth_connector);
}
