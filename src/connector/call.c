/* What a callback can do with its context: the baton_ctx_* functions of connector.h. */
#include "connector/connector.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/log.h"
#include "types/types.h"

#define BATON__MAX_PAGE_TOKEN (1024 * 1024)

baton__call *baton__call_of(baton_ctx *ctx)
{
	return ctx ? (baton__call *)ctx->sdk_state : NULL;
}

void baton__call_begin(baton__call *call, baton_ctx *ctx, baton__runtime *rt, baton__call_kind kind,
                       const baton_resource_type *type, const char *page_token)
{
	void **items = call->items;
	size_t cap = call->cap_items;
	memset(call, 0, sizeof(*call));
	call->items = items;
	call->cap_items = cap;
	call->rt = rt;
	call->kind = kind;
	call->resource_type = type;
	call->page_token = page_token ? page_token : "";
	ctx->sdk_state = call;
	baton__ctx_clear_input(ctx);
}

static void wipe_secrets(baton__call *call)
{
	for (size_t i = 0; i < call->n_secrets; i++) {
		baton__secret *s = &call->secrets[i];
		if (s->bytes) {
			volatile uint8_t *p = s->bytes;
			for (size_t j = 0; j < s->len; j++)
				p[j] = 0;
		}
		free(s->bytes);
		free(s->name);
		free(s->description);
	}
	free(call->secrets);
	call->secrets = NULL;
	call->n_secrets = 0;
}

void baton__call_end(baton__call *call, baton_ctx *ctx)
{
	wipe_secrets(call);
	call->n_items = 0;
	call->next_page = NULL;
	call->annotations_ready = false;
	call->n_annos = 0;
	call->annos = NULL;
	call->account = NULL;
	call->account_message = NULL;
	call->issued = NULL;
	call->issued_mode = BATON_CREDENTIAL_RESOURCE_MODE_UNSPECIFIED;
	call->has_account_result = false;
	if (ctx->sdk_state == call)
		ctx->sdk_state = NULL;
	baton__ctx_reset(ctx);
}

void baton__call_free(baton__call *call)
{
	wipe_secrets(call);
	free(call->items);
	call->items = NULL;
	call->cap_items = 0;
	call->n_items = 0;
}

static baton__call *need_call(baton_ctx *ctx, const char *fn)
{
	baton__call *call = baton__call_of(ctx);
	if (!call)
		baton_error_set(BATON_EPRECONDITION, "%s: not inside a connector callback", fn);
	return call;
}

BATON_API void *baton_ctx_userdata(baton_ctx *ctx)
{
	baton__call *call = baton__call_of(ctx);
	return call && call->rt ? call->rt->userdata : NULL;
}

BATON_API const baton_resource_type *baton_ctx_resource_type(baton_ctx *ctx)
{
	baton__call *call = baton__call_of(ctx);
	return call ? call->resource_type : NULL;
}

BATON_API const char *baton_ctx_sync_id(baton_ctx *ctx)
{
	baton__call *call = baton__call_of(ctx);
	return call && call->rt && call->rt->sync_id ? call->rt->sync_id : "";
}

BATON_API const char *baton_ctx_page_token(baton_ctx *ctx)
{
	baton__call *call = baton__call_of(ctx);
	return call && call->page_token ? call->page_token : "";
}

BATON_API uint32_t baton_ctx_page_size(baton_ctx *ctx)
{
	baton__call *call = baton__call_of(ctx);
	return call ? call->page_size : 0;
}

BATON_API int baton_ctx_set_next_page(baton_ctx *ctx, const char *token)
{
	baton__call *call = need_call(ctx, "baton_ctx_set_next_page");
	if (!call)
		return BATON_EPRECONDITION;
	if (!token || !*token) {
		call->next_page = NULL;
		return 0;
	}
	size_t n = strlen(token);
	if (n > BATON__MAX_PAGE_TOKEN)
		return baton_error_set(BATON_EINVALID, "baton_ctx_set_next_page: token is %zu bytes, at most %d",
		                       n, BATON__MAX_PAGE_TOKEN);
	size_t bad = baton__utf8_invalid_at(token, n);
	if (bad != (size_t)-1)
		return baton_error_set(BATON_EINVALID, "baton_ctx_set_next_page: the token is not valid UTF-8 "
		                       "(byte %zu)", bad);
	char *copy = baton_ctx_strndup(ctx, token, n);
	if (!copy)
		return BATON_EEXHAUSTED;
	call->next_page = copy;
	return 0;
}

static const char *kind_name(baton__call_kind k)
{
	switch (k) {
	case BATON__CALL_INIT: return "init";
	case BATON__CALL_VALIDATE: return "validate";
	case BATON__CALL_DESCRIBE: return "describe";
	case BATON__CALL_LIST: return "list";
	case BATON__CALL_ENTITLEMENTS: return "entitlements";
	case BATON__CALL_GRANTS: return "grants";
	case BATON__CALL_GET: return "get";
	case BATON__CALL_STATIC_ENTITLEMENTS: return "static_entitlements";
	case BATON__CALL_GRANT: return "grant";
	case BATON__CALL_REVOKE: return "revoke";
	case BATON__CALL_CREATE_RESOURCE: return "create_resource";
	case BATON__CALL_DELETE_RESOURCE: return "delete_resource";
	case BATON__CALL_CREATE_ACCOUNT: return "create_account";
	case BATON__CALL_ROTATE: return "rotate_credentials";
	case BATON__CALL_ISSUE_CREDENTIAL: return "issue_credential";
	default: return "none";
	}
}

static int push_item(baton__call *call, void *obj)
{
	if (call->n_items == call->cap_items) {
		size_t cap = call->cap_items ? call->cap_items * 2 : 64;
		void **p = realloc(call->items, cap * sizeof(*p));
		if (!p)
			return baton__error_oom("emitted items");
		call->items = p;
		call->cap_items = cap;
	}
	call->items[call->n_items++] = obj;
	return 0;
}

static int check_emit(baton_ctx *ctx, const char *fn, const void *obj, baton_ctx *obj_ctx,
                      baton__call_kind k1, baton__call_kind k2, baton__call_kind k3, baton__call **out)
{
	baton__call *call = need_call(ctx, fn);
	if (!call)
		return BATON_EPRECONDITION;
	if (!obj)
		return baton__null_arg(fn, "object");
	if (call->kind != k1 && call->kind != k2 && call->kind != k3)
		return baton_error_set(BATON_EINVALID, "%s: cannot be used in a %s callback", fn,
		                       kind_name(call->kind));
	if (obj_ctx != ctx)
		return baton_error_set(BATON_EINVALID, "%s: the object was not built with this callback's context",
		                       fn);
	*out = call;
	return 0;
}

BATON_API int baton_ctx_emit_resource(baton_ctx *ctx, baton_resource *r)
{
	baton__call *call = NULL;
	int rc = check_emit(ctx, "baton_ctx_emit_resource", r, r ? r->ctx : NULL, BATON__CALL_LIST,
	                    BATON__CALL_GET, BATON__CALL_CREATE_RESOURCE, &call);
	if (!rc)
		rc = baton__validate_resource(r, "baton_ctx_emit_resource");
	return rc ? rc : push_item(call, r);
}

BATON_API int baton_ctx_emit_entitlement(baton_ctx *ctx, baton_entitlement *e)
{
	baton__call *call = NULL;
	int rc = check_emit(ctx, "baton_ctx_emit_entitlement", e, e ? e->ctx : NULL, BATON__CALL_ENTITLEMENTS,
	                    BATON__CALL_STATIC_ENTITLEMENTS, BATON__CALL_ENTITLEMENTS, &call);
	if (!rc)
		rc = baton__validate_entitlement(e, "baton_ctx_emit_entitlement");
	return rc ? rc : push_item(call, e);
}

BATON_API int baton_ctx_emit_grant(baton_ctx *ctx, baton_grant *g)
{
	baton__call *call = NULL;
	int rc = check_emit(ctx, "baton_ctx_emit_grant", g, g ? g->ctx : NULL, BATON__CALL_GRANTS,
	                    BATON__CALL_GRANT, BATON__CALL_GRANTS, &call);
	if (!rc)
		rc = baton__validate_grant(g, "baton_ctx_emit_grant");
	return rc ? rc : push_item(call, g);
}

BATON_API baton_annotations *baton_ctx_annotations(baton_ctx *ctx)
{
	baton__call *call = need_call(ctx, "baton_ctx_annotations");
	if (!call)
		return NULL;
	if (!call->annotations_ready) {
		baton__annotations_init(&call->annotations, ctx, &call->n_annos, &call->annos, NULL);
		call->annotations_ready = true;
	}
	return &call->annotations;
}

/* Puts an empty annotation message on the response of a callback of kind `want`. */
static int annotate_empty(baton_ctx *ctx, const char *fn, baton__call_kind want, const char *message)
{
	baton__call *call = need_call(ctx, fn);
	if (!call)
		return BATON_EPRECONDITION;
	if (call->kind != want)
		return baton_error_set(BATON_EINVALID, "%s: only in a %s callback, not in a %s callback", fn,
		                       kind_name(want), kind_name(call->kind));
	baton_annotations *a = baton_ctx_annotations(ctx);
	return a ? baton_annotations_update_json(a, message, "{}") : BATON_EEXHAUSTED;
}

BATON_API int baton_ctx_annotate_already_granted(baton_ctx *ctx)
{
	return annotate_empty(ctx, "baton_ctx_annotate_already_granted", BATON__CALL_GRANT,
	                      "c1.connector.v2.GrantAlreadyExists");
}

BATON_API int baton_ctx_annotate_already_revoked(baton_ctx *ctx)
{
	return annotate_empty(ctx, "baton_ctx_annotate_already_revoked", BATON__CALL_REVOKE,
	                      "c1.connector.v2.GrantAlreadyRevoked");
}

BATON_API int baton_ctx_account_result(baton_ctx *ctx, baton_account_result result,
                                       baton_resource *account, const char *message)
{
	baton__call *call = need_call(ctx, "baton_ctx_account_result");
	if (!call)
		return BATON_EPRECONDITION;
	if (call->kind != BATON__CALL_CREATE_ACCOUNT)
		return baton_error_set(BATON_EINVALID, "baton_ctx_account_result: cannot be used in a %s callback",
		                       kind_name(call->kind));
	if (result < BATON_ACCOUNT_CREATED || result > BATON_ACCOUNT_IN_PROGRESS)
		return baton_error_set(BATON_EINVALID, "baton_ctx_account_result: unknown result %d", (int)result);
	if (!account && result != BATON_ACCOUNT_IN_PROGRESS)
		return baton__null_arg("baton_ctx_account_result", "account");
	if (account && account->ctx != ctx)
		return baton_error_set(BATON_EINVALID,
		                       "baton_ctx_account_result: the account was not built with this callback's context");
	char *msg = NULL;
	if (message && !(msg = baton_ctx_strdup(ctx, message)))
		return BATON_EEXHAUSTED;
	call->has_account_result = true;
	call->account_result = result;
	call->account = account;
	call->account_message = msg;
	return 0;
}

BATON_API int baton_ctx_issued_credential(baton_ctx *ctx, baton_resource *secret,
                                          baton_credential_resource_mode mode)
{
	baton__call *call = need_call(ctx, "baton_ctx_issued_credential");
	if (!call)
		return BATON_EPRECONDITION;
	if (call->kind != BATON__CALL_ISSUE_CREDENTIAL)
		return baton_error_set(BATON_EINVALID, "baton_ctx_issued_credential: cannot be used in a %s callback",
		                       kind_name(call->kind));
	if (!secret)
		return baton__null_arg("baton_ctx_issued_credential", "secret");
	if (secret->ctx != ctx)
		return baton_error_set(BATON_EINVALID, "baton_ctx_issued_credential: the secret was not built with this "
		                       "callback's context");
	if (mode != BATON_CREDENTIAL_RESOURCE_MODE_DISCOVERABLE && mode != BATON_CREDENTIAL_RESOURCE_MODE_VIRTUAL)
		return baton_error_set(BATON_EINVALID, "baton_ctx_issued_credential: unknown resource mode %d", (int)mode);
	int rc = baton__validate_resource(secret, "baton_ctx_issued_credential");
	if (rc)
		return rc;
	call->issued = secret;
	call->issued_mode = mode;
	return 0;
}

BATON_API int baton_ctx_emit_secret(baton_ctx *ctx, const char *name, const char *description,
                                    const uint8_t *bytes, size_t len)
{
	baton__call *call = need_call(ctx, "baton_ctx_emit_secret");
	if (!call)
		return BATON_EPRECONDITION;
	if (call->kind != BATON__CALL_CREATE_ACCOUNT && call->kind != BATON__CALL_ROTATE &&
	    call->kind != BATON__CALL_ISSUE_CREDENTIAL)
		return baton_error_set(BATON_EINVALID, "baton_ctx_emit_secret: cannot be used in a %s callback",
		                       kind_name(call->kind));
	if (!bytes && len)
		return baton__null_arg("baton_ctx_emit_secret", "bytes");
	baton__secret *v = realloc(call->secrets, (call->n_secrets + 1) * sizeof(*v));
	if (!v)
		return baton__error_oom("secret");
	call->secrets = v;
	baton__secret *s = &v[call->n_secrets];
	memset(s, 0, sizeof(*s));
	s->name = strdup(name ? name : "");
	s->description = strdup(description ? description : "");
	s->bytes = malloc(len ? len : 1);
	if (!s->name || !s->description || !s->bytes) {
		free(s->name);
		free(s->description);
		free(s->bytes);
		return baton__error_oom("secret");
	}
	if (len)
		memcpy(s->bytes, bytes, len);
	s->len = len;
	call->n_secrets++;
	return 0;
}

BATON_API void baton_ctx_log(baton_ctx *ctx, baton_log_level level, const char *fmt, ...)
{
	if (!baton__log_enabled(level) || !fmt)
		return;
	char buf[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	baton__call *call = baton__call_of(ctx);
	const char *rt = call && call->resource_type ? baton_resource_type_id(call->resource_type) : NULL;
	if (rt && *rt)
		baton__log(level, buf, "resource_type_id", rt, NULL);
	else
		baton__log(level, buf, NULL);
}
