/*
 * baton-demo: what the provisioning callbacks do, behind connector.c's per-type entry points
 * (which count the call and hold the model's write lock, model.h "Locking"): grant and revoke
 * entitlements of groups, roles and projects, create groups and projects, delete users, groups
 * and projects, create accounts and rotate their credentials (passwords from the SDK's CSPRNG);
 * and the mapping of the model's results to baton errors. API tokens are demo_tokens.c's.
 */
#include "demo_int.h"
#include "demo_secret.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Maps a model result to a baton error (with a message), or 0; `path` is m's state file. */
int demo_error(const char *path, int rc, const char *what, const char *id)
{
	switch (rc) {
	case DEMO_OK:
	case DEMO_EXISTS:
	case DEMO_ABSENT:
		return 0;
	case DEMO_NOTFOUND:
		return baton_error_set(BATON_ENOTFOUND, "%s: %s not found", what, id ? id : "");
	case DEMO_INVALID:
		return baton_error_set(BATON_EINVALID, "%s: %s is not allowed", what, id ? id : "");
	case DEMO_NOMEM:
		return baton_error_set(BATON_EEXHAUSTED, "%s: out of memory", what);
	default:
		return baton_error_set(BATON_EINTERNAL, "%s: cannot read or write the state file %s", what,
		                       path ? path : "");
	}
}

/* Splits an entitlement id "<type>:<resource>:<name>" (ids of this connector hold no ':'). */
static int split_entitlement_id(baton_ctx *ctx, const char *id, demo_kind *kind, const char **rid,
                                const char **name)
{
	const char *a = id ? strchr(id, ':') : NULL;
	const char *b = id ? strrchr(id, ':') : NULL;
	char *type;

	if (a == NULL || a == b)
		return baton_error_set(BATON_EINVALID, "malformed entitlement id \"%s\"", id ? id : "");
	type = baton_ctx_strndup(ctx, id, (size_t)(a - id));
	*rid = baton_ctx_strndup(ctx, a + 1, (size_t)(b - a - 1));
	*name = b + 1;
	if (type == NULL || *rid == NULL)
		return BATON_EEXHAUSTED;
	if (!demo_kind_parse(type, kind))
		return baton_error_set(BATON_ENOTFOUND, "entitlement %s: unknown resource type", id);
	return 0;
}

int demo_provision_grant(baton_ctx *ctx, demo_kind expected, const baton_resource *principal,
                      const baton_entitlement *entitlement)
{
	demo_model *m = model_of(ctx);
	const char *eid = baton_entitlement_id(entitlement);
	baton_resource_id pid = baton_resource_get_id(principal);
	const baton_resource *er = baton_entitlement_resource(entitlement);
	const char *rid, *name;
	demo_kind kind, pkind;
	baton_grant *g;
	size_t pidx;
	int rc;

	if ((rc = split_entitlement_id(ctx, eid, &kind, &rid, &name)) != 0)
		return rc;
	if (er != NULL && *baton_resource_get_id(er).resource != '\0')
		rid = baton_resource_get_id(er).resource;
	if (kind != expected)
		return baton_error_set(BATON_EINVALID, "entitlement %s is not on a %s", eid, demo_kind_id(expected));
	if (!demo_kind_parse(pid.resource_type, &pkind))
		return baton_error_set(BATON_EINVALID, "principal type %s cannot hold %s", pid.resource_type, eid);
	rc = demo_model_grant(m, kind, rid, name, pkind, pid.resource);
	if (rc == DEMO_EXISTS)
		return baton_ctx_annotate_already_granted(ctx);
	if (rc != DEMO_OK)
		return demo_error(model_of(ctx)->state_path, rc, "grant", eid);
	/* report the grant that now exists */
	if (demo_model_find(m, pkind, pid.resource, &pidx) == NULL)
		return 0;
	{
		baton_resource *target;
		size_t tidx;
		if (demo_model_find(m, kind, rid, &tidx) == NULL ||
		    (rc = demo_build_resource(ctx, m, (demo_ref){kind, tidx}, &target)) != 0 ||
		    (rc = demo_build_grant(ctx, m, target, kind, (unsigned int)demo_entitlement_index(kind, name),
		                      (demo_ref){pkind, pidx}, &g)) != 0)
			return rc;
	}
	return baton_ctx_emit_grant(ctx, g);
}

int demo_provision_revoke(baton_ctx *ctx, demo_kind expected, const baton_grant *grant)
{
	const char *eid = baton_grant_entitlement_id(grant);
	baton_resource_id pid = baton_grant_principal_id(grant);
	const char *rid, *name;
	demo_kind kind, pkind;
	int rc;

	if ((rc = split_entitlement_id(ctx, eid, &kind, &rid, &name)) != 0)
		return rc;
	if (kind != expected)
		return baton_error_set(BATON_EINVALID, "entitlement %s is not on a %s", eid, demo_kind_id(expected));
	if (!demo_kind_parse(pid.resource_type, &pkind))
		return baton_error_set(BATON_EINVALID, "principal type %s cannot hold %s", pid.resource_type, eid);
	/* Held only through a group (an expanded grant): removing nothing and answering "already
	 * revoked" would be a lie, the next sync shows it again (docs/callbacks/revoke.md). */
	if (!baton_grant_is_direct(grant))
		return baton_error_set(BATON_EPRECONDITION, "%s holds %s through %s, not directly: revoke that instead",
		                       pid.resource, eid, baton_grant_inherited_from(grant));
	rc = demo_model_revoke(model_of(ctx), kind, rid, name, pkind, pid.resource);
	if (rc == DEMO_ABSENT)
		return baton_ctx_annotate_already_revoked(ctx);
	return demo_error(model_of(ctx)->state_path, rc, "revoke", baton_grant_id(grant));
}

int demo_provision_create(baton_ctx *ctx, demo_kind kind, const baton_resource *resource)
{
	demo_model *m = model_of(ctx);
	baton_resource_id parent = {NULL, NULL};
	size_t idx;
	int rc;

	if (kind == DEMO_PROJECT && (!baton_resource_get_parent(resource, &parent) ||
	                             strcmp(parent.resource_type, demo_kind_id(DEMO_WORKSPACE)) != 0))
		return baton_error_set(BATON_EINVALID, "a project needs a workspace as its parent");
	rc = demo_model_create(m, kind, baton_resource_display_name(resource),
	                       baton_resource_description(resource), parent.resource, &idx);
	if (rc != DEMO_OK)
		return demo_error(model_of(ctx)->state_path, rc, "create resource", baton_resource_display_name(resource));
	return demo_emit_object(ctx, m, (demo_ref){kind, idx});
}

int demo_provision_delete(baton_ctx *ctx, demo_kind kind, const baton_resource_id *id,
                       const baton_resource_id *parent)
{
	int rc;

	if (id == NULL || strcmp(id->resource_type, demo_kind_id(kind)) != 0)
		return baton_error_set(BATON_EINVALID, "not a %s", demo_kind_id(kind));
	rc = demo_model_delete(model_of(ctx), kind, id->resource, parent ? parent->resource : NULL);
	return demo_error(model_of(ctx)->state_path, rc, "delete resource", id->resource);
}

static const baton_credential_option password_options[] = {
	BATON_CREDENTIAL_OPTION_NO_PASSWORD, BATON_CREDENTIAL_OPTION_RANDOM_PASSWORD};
const baton_credential_details demo_password_details = {
	password_options, 2, BATON_CREDENTIAL_OPTION_RANDOM_PASSWORD};

/* A new password for opts (RANDOM_PASSWORD), or NULL when none is asked for. */
static int make_password(baton_ctx *ctx, const baton_credential_options *opts, bool required, char **pw)
{
	baton_credential_option kind = opts ? opts->kind : BATON_CREDENTIAL_OPTION_NO_PASSWORD;

	*pw = NULL;
	if (kind == BATON_CREDENTIAL_OPTION_RANDOM_PASSWORD)
		return baton_ctx_generate_password(ctx, opts, pw);
	if (kind == BATON_CREDENTIAL_OPTION_NO_PASSWORD && !required)
		return 0;
	return baton_error_set(BATON_EINVALID, "credential option %d is not supported", (int)kind);
}

/* create_account's body once the password (NULL: none) is made. */
static int create_account_with(baton_ctx *ctx, const baton_account_info *info, const char *pw)
{
	demo_model *m = model_of(ctx);
	baton_resource *r;
	size_t idx;
	int rc;

	rc = demo_model_create_user(m, info->login, (const char *const *)info->emails, info->n_emails,
	                            info->profile_json, &idx);
	if (rc == DEMO_EXISTS) {
		if ((rc = demo_build_resource(ctx, m, (demo_ref){DEMO_USER, idx}, &r)) != 0)
			return rc;
		return baton_ctx_account_result(ctx, BATON_ACCOUNT_ALREADY_EXISTS, r, NULL);
	}
	if (rc != DEMO_OK)
		return demo_error(m->state_path, rc, "create account", info->login);
	if ((rc = demo_build_resource(ctx, m, (demo_ref){DEMO_USER, idx}, &r)) != 0)
		return rc;
	if (pw != NULL && (rc = baton_ctx_emit_secret(ctx, "password", "The new account's password",
	                                              (const uint8_t *)pw, strlen(pw))) != 0)
		return rc;
	return baton_ctx_account_result(ctx, BATON_ACCOUNT_CREATED, r, NULL);
}

/* create_account's body (the model's write lock held). The password lives in the call's context
 * until the SDK frees it: wiped as soon as it is handed over (the SDK copies it), or unused. */
int demo_provision_account(baton_ctx *ctx, const baton_account_info *info, const baton_credential_options *opts)
{
	char *pw;
	int rc;

	if ((rc = make_password(ctx, opts, false, &pw)) != 0)
		return rc;
	rc = create_account_with(ctx, info, pw);
	demo_secret_wipe(pw);
	return rc;
}

/* rotate_credentials' body (the model's write lock held); the password is wiped as
 * create_account's is. */
int demo_provision_rotate(baton_ctx *ctx, const baton_resource_id *id, const baton_credential_options *opts)
{
	demo_model *m = model_of(ctx);
	char *pw;
	int rc;

	if (id == NULL || strcmp(id->resource_type, demo_kind_id(DEMO_USER)) != 0)
		return baton_error_set(BATON_EINVALID, "only users have credentials");
	if (demo_model_find(m, DEMO_USER, id->resource, NULL) == NULL)
		return baton_error_set(BATON_ENOTFOUND, "user %s not found", id->resource);
	if ((rc = make_password(ctx, opts, true, &pw)) != 0)
		return rc;
	if ((rc = demo_model_rotate(m, id->resource)) != DEMO_OK)
		rc = demo_error(m->state_path, rc, "rotate credentials", id->resource);
	else
		rc = baton_ctx_emit_secret(ctx, "password", "The new password", (const uint8_t *)pw, strlen(pw));
	demo_secret_wipe(pw);
	return rc;
}
