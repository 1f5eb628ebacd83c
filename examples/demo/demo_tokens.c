/*
 * baton-demo: API tokens, the demo's credential issuing (the Go SDK's CredentialIssuer).
 *
 * A user can be issued API tokens: issue_credential on the user type mints a random token
 * ("bdt_" + 40 hex digits) with scopes out of read / write / admin (read when none is asked) and
 * an expiry (the caller's, 1 hour .. 365 days ahead, else 90 days). The token's value leaves the
 * connector only as the secret `token`, which the SDK encrypts for the caller and wipes. The token
 * itself is an `api_token` resource (trait SECRET, naming the user as its identity) in VIRTUAL
 * mode: only the issuing call returns it, syncs do not list it. Deleting it (delete_resource on
 * `api_token`) revokes it. Issued and revoked tokens are kept as operations of the state file
 * ("issue_token" / "revoke_token"), so ids are t0001, t0002, ... in issuing order. Disabled users
 * get none (FailedPrecondition).
 *
 * The request id (a service task's id) makes issuing idempotent, as a provider with idempotency
 * keys would: a request id seen before mints no second token. While the model that issued it is
 * loaded (a process's life in one-shot mode; in service mode, while a task has the connector
 * open, see demo_open.c), the same answer is given again (the same api_token and value, kept in
 * memory for that); after a restart the value is gone (the state file never holds it) and the
 * request is refused (AlreadyExists), as is a request id reused for another user or one whose
 * token was revoked.
 * The kept values (demo_model_keep_answer, model.h) are wiped before they are freed, when the
 * model is freed or when an issue that cannot be logged is undone; the call's own copies (in
 * its context) are wiped once the secret is handed to the SDK.
 *
 * Threads: issuing and revoking run under the model's write lock for their whole body (model.h,
 * "Locking"), and tasks running at once share one model, so concurrent IssueCredential tasks
 * never count the same tokens and mint one id twice, and two with one request id mint one token.
 * Processes: the write lock also locks the state file and replays what other processes logged
 * meanwhile (model.h, "Other processes"), so ids count their tokens too, and a request id another
 * process answered is refused here (its value is in that process only).
 */
#include "demo_int.h"
#include "demo_json.h"
#include "demo_secret.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>

#define DAY (24 * 3600)

/* How many tokens were issued so far, and whether `id` is one that is not revoked. */
static size_t scan_tokens(demo_model *m, const char *id, bool *live)
{
	const json_t *ops = demo_model_ops(m);
	size_t i, issued = 0;

	if (live != NULL)
		*live = false;
	for (i = 0; i < json_array_size(ops); i++) {
		json_t *op = json_array_get(ops, i);
		const char *verb = demo_json_str(op, "op");
		if (strcmp(verb, "issue_token") == 0) {
			issued++;
			if (live != NULL && id != NULL && strcmp(demo_json_str(op, "token"), id) == 0)
				*live = true;
		} else if (strcmp(verb, "revoke_token") == 0 && live != NULL && id != NULL &&
		           strcmp(demo_json_str(op, "token"), id) == 0) {
			*live = false;
		}
	}
	return issued;
}

static int model_failed(const demo_model *m, int rc, const char *what)
{
	if (rc == DEMO_NOMEM)
		return baton_error_set(BATON_EEXHAUSTED, "%s: out of memory", what);
	return baton_error_set(BATON_EINTERNAL, "%s: cannot read or write the state file %s", what,
	                       m->state_path ? m->state_path : "");
}

/* "bdt_" and 40 lowercase hex digits from the SDK's CSPRNG. */
static int new_token(baton_ctx *ctx, char **out)
{
	static const baton_password_constraint hex = {"0123456789abcdef", 40};
	baton_credential_options o;
	char *body, *t;
	int rc;

	memset(&o, 0, sizeof(o));
	o.kind = BATON_CREDENTIAL_OPTION_RANDOM_PASSWORD;
	o.password_length = 40;
	o.constraints = &hex;
	o.n_constraints = 1;
	if ((rc = baton_ctx_generate_password(ctx, &o, &body)) != 0)
		return rc;
	t = baton_ctx_alloc(ctx, 4 + strlen(body) + 1);
	if (t != NULL) {
		memcpy(t, "bdt_", 4);
		memcpy(t + 4, body, strlen(body) + 1);
	}
	demo_secret_wipe(body); /* copied, or not needed: the context frees it unwiped */
	if (t == NULL)
		return baton_error_set(BATON_EEXHAUSTED, "issue token: out of memory");
	*out = t;
	return 0;
}

/* The issue_token operation that answered request id `rid`, or NULL. */
static json_t *find_request(demo_model *m, const char *rid)
{
	const json_t *ops = demo_model_ops(m);
	size_t i;

	for (i = 0; rid != NULL && i < json_array_size(ops); i++) {
		json_t *op = json_array_get(ops, i);
		if (strcmp(demo_json_str(op, "op"), "issue_token") == 0 &&
		    strcmp(demo_json_str(op, "request_id"), rid) == 0)
			return op;
	}
	return NULL;
}

/* Answers the call: token `id` of user `uid` expiring at `expires`, its value `token`. */
static int answer(baton_ctx *ctx, const char *id, const char *uid, baton_timestamp expires, const char *token)
{
	baton_resource_id sid = {"api_token", id};
	baton_resource_id who = {"user", uid};
	baton_resource *secret;
	baton_secret_trait *trait;
	char name[96];
	int rc;

	snprintf(name, sizeof(name), "API token %s for %s", id, uid);
	if ((rc = baton_resource_new_with_id(ctx, name, &sid, &secret)) != 0 ||
	    (rc = baton_resource_get_secret_trait(secret, &trait)) != 0 ||
	    (rc = baton_secret_trait_set_identity_id(trait, &who)) != 0 ||
	    (rc = baton_secret_trait_set_created_by_id(trait, &who)) != 0 ||
	    (rc = baton_secret_trait_set_expires_at(trait, expires)) != 0 ||
	    (rc = baton_secret_trait_set_credential_type(trait, BATON_CREDENTIAL_TYPE_STATIC_SECRET)) != 0 ||
	    (rc = baton_secret_trait_set_credential_detail(trait, "api_token")) != 0 ||
	    (rc = baton_ctx_emit_secret(ctx, "token", "API token for the demo company's API", (const uint8_t *)token,
	                                strlen(token))) != 0)
		return rc;
	return baton_ctx_issued_credential(ctx, secret, BATON_CREDENTIAL_RESOURCE_MODE_VIRTUAL);
}

/* A request id seen before (`op` issued its token): the same answer, or a refusal. */
static int answer_again(baton_ctx *ctx, demo_model *m, const demo_obj *u, json_t *op, const char *rid)
{
	const char *id = demo_json_str(op, "token");
	const demo_answer *kept = demo_model_answer(m, rid);
	baton_timestamp expires;
	bool live;

	if (strcmp(demo_json_str(op, "user"), u->id) != 0)
		return baton_error_set(BATON_EEXISTS, "issue token: request id %s was used for user %s", rid,
		                       demo_json_str(op, "user"));
	scan_tokens(m, id, &live);
	if (!live)
		return baton_error_set(BATON_EEXISTS, "issue token: request id %s issued api_token %s, revoked since", rid,
		                       id);
	if (kept == NULL || strcmp(kept->token, id) != 0)
		return baton_error_set(BATON_EEXISTS, "issue token: request id %s issued api_token %s already "
		                       "(its value is kept only in the memory of the process that issued it, "
		                       "not across restarts)", rid, id);
	expires.seconds = (int64_t)json_integer_value(json_object_get(op, "expires_at"));
	expires.nanos = 0;
	baton_ctx_log(ctx, BATON_LOG_INFO, "issue token: request id %s answered again with api_token %s", rid, id);
	return answer(ctx, id, u->id, expires, kept->value);
}

/* Logs token `id` of user u with value `token`, keeps the answer for the request id, answers. */
static int issue_new(baton_ctx *ctx, demo_model *m, const demo_obj *u, const baton_credential_issue_request *req,
                     const char *id, baton_timestamp expires, const char *token)
{
	json_t *scopes, *op;
	size_t k;
	int rc;

	scopes = json_array();
	for (k = 0; k < req->n_scopes && scopes != NULL; k++)
		json_array_append_new(scopes, json_string(req->scopes[k]));
	if (scopes != NULL && req->n_scopes == 0)
		json_array_append_new(scopes, json_string("read"));
	/* remembered before it is handed over: a token the state file cannot hold is not issued */
	op = json_pack("{s:s, s:s, s:s, s:o, s:I, s:s}", "op", "issue_token", "token", id, "user", u->id, "scopes",
	               scopes, "expires_at", (json_int_t)expires.seconds, "request_id",
	               req->request_id != NULL ? req->request_id : "");
	if (op == NULL)
		return baton_error_set(BATON_EEXHAUSTED, "issue token: out of memory");
	if (req->request_id != NULL && demo_model_keep_answer(m, req->request_id, id, token) != DEMO_OK) {
		json_decref(op);
		return baton_error_set(BATON_EEXHAUSTED, "issue token: out of memory");
	}
	if ((rc = demo_model_log(m, op)) != DEMO_OK) {
		demo_model_forget_answer(m, req->request_id);
		return model_failed(m, rc, "issue token");
	}
	return answer(ctx, id, u->id, expires, token);
}

/* demo_issue_token's body (the model's write lock held). */
static int issue_token(baton_ctx *ctx, const baton_credential_issue_request *req)
{
	demo_model *m = model_of(ctx);
	demo_obj *u;
	char id[32], *token = NULL;
	baton_timestamp expires;
	json_t *prev;
	int rc;

	u = demo_model_find(m, DEMO_USER, req->identity.resource, NULL);
	if (u == NULL)
		return baton_error_set(BATON_ENOTFOUND, "issue token: user %s not found", req->identity.resource);
	if (u->disabled)
		return baton_error_set(BATON_EPRECONDITION, "issue token: user %s is disabled", u->id);
	if ((prev = find_request(m, req->request_id)) != NULL)
		return answer_again(ctx, m, u, prev, req->request_id);
	if (req->has_expires_at) {
		expires = req->expires_at;
	} else {
		expires.seconds = (int64_t)time(NULL) + 90 * DAY;
		expires.nanos = 0;
	}
	/* the next id: counted from the log, which no other call changes while we hold the lock */
	snprintf(id, sizeof(id), "t%04zu", scan_tokens(m, NULL, NULL) + 1);
	if ((rc = new_token(ctx, &token)) != 0)
		return rc;
	rc = issue_new(ctx, m, u, req, id, expires, token);
	demo_secret_wipe(token); /* kept (wiped later) or handed to the SDK by now */
	return rc;
}

int demo_issue_token(baton_ctx *ctx, const baton_credential_issue_request *req)
{
	ENTER();
	return DEMO_WRITING(model_of(ctx), issue_token(ctx, req));
}

/* delete_resource on api_token: revokes the token (the model's write lock held). */
static int revoke_live_token(baton_ctx *ctx, const baton_resource_id *id)
{
	demo_model *m = model_of(ctx);
	bool live;
	int rc;

	scan_tokens(m, id->resource, &live);
	if (!live)
		return baton_error_set(BATON_ENOTFOUND, "api_token %s not found", id->resource);
	rc = demo_model_log(m, json_pack("{s:s, s:s}", "op", "revoke_token", "token", id->resource));
	if (rc != DEMO_OK)
		return model_failed(m, rc, "revoke token");
	baton_ctx_log(ctx, BATON_LOG_INFO, "api token %s revoked", id->resource);
	return 0;
}

static int revoke_token(baton_ctx *ctx, const baton_resource_id *id, const baton_resource_id *parent)
{
	ENTER();
	(void)parent;
	return DEMO_WRITING(model_of(ctx), revoke_live_token(ctx, id));
}

/* Tokens are VIRTUAL: a sync lists none. */
static int list_tokens(baton_ctx *ctx, const baton_resource_id *parent)
{
	ENTER();
	(void)parent;
	return 0;
}

static const char *const token_scopes[] = {"read", "write", "admin"};

static const baton_credential_issue_option token_options[] = {{
	.option = BATON_CREDENTIAL_OPTION_API_KEY,
	.expiry_supported = true,
	.expiry_min_seconds = 3600,
	.expiry_max_seconds = 365 * DAY,
	.scopes = token_scopes,
	.n_scopes = 3,
	.resource_mode = BATON_CREDENTIAL_RESOURCE_MODE_VIRTUAL,
	.secret_resource_type_id = "api_token",
}};

const baton_credential_issue_details demo_token_details = {
	.options = token_options,
	.n_options = 1,
	.preferred = BATON_CREDENTIAL_OPTION_API_KEY,
};

static const baton_trait trait_secret[] = {BATON_TRAIT_SECRET};

const baton_resource_syncer demo_token_syncer = {
	.version = BATON_RESOURCE_SYNCER_VERSION,
	.name = "API token",
	.id = "api_token",
	.traits = trait_secret,
	.n_traits = 1,
	.description = "API tokens issued to users; deleting one revokes it",
	.list = list_tokens,
	.delete_resource = revoke_token,
};
