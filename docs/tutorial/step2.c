/*
 * Tutorial step 2 (docs/tutorial.md): groups, their `member` entitlement and its grants,
 * including a group inside another group.
 * Built and run by the test suite (tests/examples/, ctest -R tutorial).
 */
#include <baton.h>
#include <string.h>

static const char *const people[][2] = {
	{"alice", "Alice Example"},
	{"bob", "Bob Example"},
};

/* group id, name, members ("user:<id>" or "group:<id>") */
struct group {
	const char *id, *name;
	const char *members[3];
};
static const struct group groups[] = {
	{"eng", "Engineering", {"user:alice", "group:oncall", NULL}},
	{"oncall", "On call", {"user:bob", NULL, NULL}},
};

static int list_users(baton_ctx *ctx, const baton_resource_id *parent)
{
	(void)parent; /* NULL for a top-level type; see callbacks/list.md */
	for (size_t i = 0; i < 2; i++) {
		baton_resource *user;
		int rc = baton_user_resource_new(ctx, people[i][1], baton_ctx_resource_type(ctx),
		                                 people[i][0], &user);
		if (rc == 0)
			rc = baton_ctx_emit_resource(ctx, user);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int list_groups(baton_ctx *ctx, const baton_resource_id *parent)
{
	(void)parent; /* NULL for a top-level type; see callbacks/list.md */
	for (size_t i = 0; i < 2; i++) {
		baton_resource *group;
		int rc = baton_group_resource_new(ctx, groups[i].name, baton_ctx_resource_type(ctx),
		                                  groups[i].id, &group);
		if (rc == 0)
			rc = baton_ctx_emit_resource(ctx, group);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int group_entitlements(baton_ctx *ctx, const baton_resource *group)
{
	baton_entitlement *member;
	int rc = baton_assignment_entitlement_new(ctx, group, "member", &member);

	if (rc == 0)
		rc = baton_ctx_emit_entitlement(ctx, member);
	return rc;
}

static int group_grants(baton_ctx *ctx, const baton_resource *group)
{
	const char *id = baton_resource_get_id(group).resource;

	for (size_t i = 0; i < 2; i++) {
		if (strcmp(groups[i].id, id) != 0)
			continue;
		for (const char *const *m = groups[i].members; *m != NULL; m++) {
			bool is_group = strncmp(*m, "group:", 6) == 0;
			baton_resource_id principal = {is_group ? "group" : "user", strchr(*m, ':') + 1};
			baton_grant *grant;
			int rc = baton_grant_new(ctx, group, "member", &principal, &grant);

			/* A group in a group: its members are members here too. The SDK's grant
			 * expansion adds those grants after the sync. */
			if (rc == 0 && is_group) {
				const char *source = baton_ctx_sprintf(ctx, "group:%s:member", principal.resource);
				rc = baton_grant_set_expandable(grant, &source, 1, false, NULL, 0);
			}
			if (rc == 0)
				rc = baton_ctx_emit_grant(ctx, grant);
			if (rc != 0)
				return rc;
		}
		return 0;
	}
	return baton_error_set(BATON_ENOTFOUND, "no group %s", id);
}

static const baton_trait user_traits[] = {BATON_TRAIT_USER};
static const baton_resource_syncer users = {
	.version = BATON_RESOURCE_SYNCER_VERSION,
	.name = "User",
	.traits = user_traits,
	.n_traits = 1,
	.list = list_users,
};

static const baton_trait group_traits[] = {BATON_TRAIT_GROUP};
static const baton_resource_syncer group_type = {
	.version = BATON_RESOURCE_SYNCER_VERSION,
	.name = "Group",
	.traits = group_traits,
	.n_traits = 1,
	.list = list_groups,
	.entitlements = group_entitlements,
	.grants = group_grants,
};

static const baton_resource_syncer *const types[] = {&users, &group_type};

static const baton_connector connector = {
	.version = BATON_CONNECTOR_VERSION,
	.display_name = "Tutorial",
	.resource_types = types,
	.n_resource_types = 2,
};

int main(int argc, char **argv)
{
	return baton_main(argc, argv, &connector);
}
