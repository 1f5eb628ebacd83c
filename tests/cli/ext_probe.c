/*
 * ext-probe: a connector whose grants ask for external principals (ExternalResourceMatchAll,
 * ExternalResourceMatch on a user email and on a group profile value, ExternalResourceMatchID with
 * a GrantExpandable given as an entitlement BID), for the Go interop test
 * (tests/interop/external_test.go), which syncs the same connector written with the Go SDK with
 * the same --external-resource-c1z and compares the files.
 */
#include "baton.h"

static int list_teams(baton_ctx *ctx, const baton_resource_id *parent)
{
	(void)parent;
	baton_resource *r;
	int rc = baton_resource_new(ctx, "Team 1", baton_ctx_resource_type(ctx), "t1", &r);
	return rc ? rc : baton_ctx_emit_resource(ctx, r);
}

static const char *const ents[] = {"member", "admin", "viewer", "guest", "lead"};

static int team_entitlements(baton_ctx *ctx, const baton_resource *res)
{
	for (size_t i = 0; i < sizeof ents / sizeof ents[0]; i++) {
		baton_entitlement *e;
		int rc = baton_assignment_entitlement_new(ctx, res, ents[i], &e);
		if (rc || (rc = baton_ctx_emit_entitlement(ctx, e)))
			return rc;
	}
	return 0;
}

static int emit(baton_ctx *ctx, const baton_resource *res, const char *ent, const char *ptype, const char *pid,
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
	if ((rc = emit(ctx, res, "member", "user", "anyone", "c1.connector.v2.ExternalResourceMatchAll",
	               "{\"resourceType\":\"TRAIT_USER\"}", NULL)) ||
	    (rc = emit(ctx, res, "admin", "user", "someone", "c1.connector.v2.ExternalResourceMatch",
	               "{\"resourceType\":\"TRAIT_USER\",\"key\":\"email\",\"value\":\"B\xc3\x93" "B@Example.com\"}", NULL)) ||
	    (rc = emit(ctx, res, "viewer", "group", "ext-eng", "c1.connector.v2.ExternalResourceMatchID",
	               "{\"id\":\"eng\"}", "bid:e:group/ext-eng:member")) ||
	    (rc = emit(ctx, res, "guest", "user", "nobody", "c1.connector.v2.ExternalResourceMatch",
	               "{\"resourceType\":\"TRAIT_USER\",\"key\":\"department\",\"value\":\"nowhere\"}", NULL)) ||
	    (rc = emit(ctx, res, "lead", "group", "ext-g2", "c1.connector.v2.ExternalResourceMatch",
	               "{\"resourceType\":\"TRAIT_GROUP\",\"key\":\"code\",\"value\":\"ENG\"}", "bid:e:group/ext-g2:member")))
		return rc;
	return 0;
}

static const baton_resource_syncer team_type = {
	.version = BATON_RESOURCE_SYNCER_VERSION, .name = "Team", .list = list_teams,
	.entitlements = team_entitlements, .grants = team_grants,
};
static const baton_resource_syncer *const types[] = {&team_type};
static const baton_connector connector = {
	.version = BATON_CONNECTOR_VERSION, .display_name = "Ext Probe", .resource_types = types, .n_resource_types = 1,
};

int main(int argc, char **argv)
{
	return baton_main(argc, argv, &connector);
}
