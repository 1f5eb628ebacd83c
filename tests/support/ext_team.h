/*
 * The "team" resource type of the external-resources tests (tests/unit/test_sync_external.c and
 * the ext-probe connector, tests/cli/ext_probe.c, that tests/interop/external_test.go syncs
 * against its Go twin): one team t1 with five entitlements, whose grants ask for external
 * principals (ExternalResourceMatchAll, ExternalResourceMatch on a user email and a profile
 * value, ExternalResourceMatchID, two of them GrantExpandable from an entitlement BID). Public
 * API only.
 */
#ifndef BATON_TESTS_EXT_TEAM_H
#define BATON_TESTS_EXT_TEAM_H

#include "baton.h"

static int list_teams(baton_ctx *ctx, const baton_resource_id *parent)
{
	(void)parent;
	baton_resource *r;
	int rc = baton_resource_new(ctx, "Team 1", baton_ctx_resource_type(ctx), "t1", &r);
	return rc ? rc : baton_ctx_emit_resource(ctx, r);
}

static int team_entitlements(baton_ctx *ctx, const baton_resource *res)
{
	static const char *const names[] = {"member", "admin", "viewer", "guest", "lead"};
	for (size_t i = 0; i < 5; i++) {
		baton_entitlement *e;
		int rc = baton_assignment_entitlement_new(ctx, res, names[i], &e);
		if (rc || (rc = baton_ctx_emit_entitlement(ctx, e)))
			return rc;
	}
	return 0;
}

static int team_emit(baton_ctx *ctx, const baton_resource *res, const char *ent, const char *ptype, const char *pid,
                     const char *anno, const char *json, const char *expand_from)
{
	baton_resource_id p = {ptype, pid};
	baton_grant *g;
	int rc = baton_grant_new(ctx, res, ent, &p, &g);
	if (!rc)
		rc = baton_annotations_append_json(baton_grant_annotations(g), anno, json);
	if (!rc && expand_from) {
		const char *src[] = {expand_from};
		rc = baton_grant_set_expandable(g, src, 1, false, NULL, 0);
	}
	return rc ? rc : baton_ctx_emit_grant(ctx, g);
}

static int team_grants(baton_ctx *ctx, const baton_resource *res)
{
	int rc;
	if ((rc = team_emit(ctx, res, "member", "user", "anyone", "c1.connector.v2.ExternalResourceMatchAll",
	                    "{\"resourceType\":\"TRAIT_USER\"}", NULL)) ||
	    (rc = team_emit(ctx, res, "admin", "user", "someone", "c1.connector.v2.ExternalResourceMatch",
	                    "{\"resourceType\":\"TRAIT_USER\",\"key\":\"email\",\"value\":\"B\xc3\x93" "B@Example.com\"}", NULL)) ||
	    (rc = team_emit(ctx, res, "viewer", "group", "ext-eng", "c1.connector.v2.ExternalResourceMatchID",
	                    "{\"id\":\"eng\"}", "bid:e:group/ext-eng:member")) ||
	    (rc = team_emit(ctx, res, "guest", "user", "nobody", "c1.connector.v2.ExternalResourceMatch",
	                    "{\"resourceType\":\"TRAIT_USER\",\"key\":\"department\",\"value\":\"nowhere\"}", NULL)) ||
	    (rc = team_emit(ctx, res, "lead", "group", "ext-g2", "c1.connector.v2.ExternalResourceMatch",
	                    "{\"resourceType\":\"TRAIT_GROUP\",\"key\":\"code\",\"value\":\"ENG\"}",
	                    "bid:e:group/ext-g2:member")))
		return rc;
	return 0;
}

static const baton_resource_syncer team_type = {
	.version = BATON_RESOURCE_SYNCER_VERSION, .name = "Team", .list = list_teams,
	.entitlements = team_entitlements, .grants = team_grants,
};
#endif
