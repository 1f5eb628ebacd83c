/*
 * baton-demo: what the connector's own files share (not the model's: model.h, model_int.h).
 *   connector.c       the resource types and their callbacks: listing, get, entitlements, grants,
 *                     and the provisioning callbacks' entry points;
 *   demo_provision.c  what the provisioning callbacks do (grant, revoke, create and delete
 *                     resources, create accounts, rotate credentials) and model results as errors;
 *   demo_open.c       the configuration, opening and closing the connector (one model per state
 *                     file), validate;
 *   demo_hooks.c      the test hooks and the state path (demo.h);
 *   demo_events.c, demo_actions.c, demo_tickets.c, demo_tokens.c: demo_ext.h.
 */
#ifndef BATON_DEMO_INT_H
#define BATON_DEMO_INT_H

#include "demo.h"
#include "demo_ext.h"

/* Counts the running callback (demo_enter, the test hooks) and returns the error it must fail with. */
#define ENTER()                                         \
	do {                                            \
		int enter_rc_ = demo_enter(__func__);   \
		if (enter_rc_ != 0)                     \
			return enter_rc_;               \
	} while (0)

/* The model a connector serves (init's userdata). */
static inline demo_model *model_of(baton_ctx *ctx)
{
	return (demo_model *)baton_ctx_userdata(ctx);
}

/* connector.c: the resource of model object `ref`, in ctx; a grant of entitlement `ent` of `kind`
 * on r to a model principal (expandable for groups); emitting the resource of `ref`. */
int demo_build_resource(baton_ctx *ctx, demo_model *m, demo_ref ref, baton_resource **out);
int demo_build_grant(baton_ctx *ctx, demo_model *m, const baton_resource *r, demo_kind kind,
                     unsigned int ent, demo_ref principal, baton_grant **out);
int demo_emit_object(baton_ctx *ctx, demo_model *m, demo_ref ref);

/*
 * demo_provision.c: the provisioning callbacks' bodies, for resource type `kind` (the model's
 * write lock held: connector.c's callbacks wrap them in DEMO_WRITING).
 */
int demo_provision_grant(baton_ctx *ctx, demo_kind kind, const baton_resource *principal,
                         const baton_entitlement *entitlement);
int demo_provision_revoke(baton_ctx *ctx, demo_kind kind, const baton_grant *grant);
int demo_provision_create(baton_ctx *ctx, demo_kind kind, const baton_resource *resource);
int demo_provision_delete(baton_ctx *ctx, demo_kind kind, const baton_resource_id *id,
                          const baton_resource_id *parent);
int demo_provision_account(baton_ctx *ctx, const baton_account_info *info, const baton_credential_options *opts);
int demo_provision_rotate(baton_ctx *ctx, const baton_resource_id *id, const baton_credential_options *opts);
/* The user type's password options (create_account, rotate_credentials). */
extern const baton_credential_details demo_password_details;
/* Maps a model result to a baton error (with a message), or 0; `path` is the model's state file. */
int demo_error(const char *path, int rc, const char *what, const char *id);

/* demo_open.c: the configuration and the connector-level callbacks. */
extern const baton_config_schema demo_config;
int demo_init(baton_ctx *ctx, void **userdata);
void demo_close(void *userdata);
int demo_validate(baton_ctx *ctx);

#endif /* BATON_DEMO_INT_H */
