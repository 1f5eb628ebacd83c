/* Service mode: the provisioning tasks (Grant, Revoke, CreateResource, DeleteResource,
 * CreateAccount, RotateCredentials); see tasks.c for the map of every task. */
#include "service/tasks.h"

#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "baton/entitlement.h"
#include "baton/grant.h"
#include "baton/resource.h"
#include "baton/sync.h"
#include "connector/connector.h"
#include "connector/ext.h"
#include "core/ctx.h"
#include "core/error.h"
#include "core/log.h"
#include "crypto/crypto.h"
#include "proto/protojson.h"
#include "sync/pool.h"
#include "types/types.h"

typedef C1__Connectorapi__Baton__V1__Task task_t;

/* As Go: the handler's connector call failed (its gRPC status), joined with ErrTaskNonRetryable. */
#define FAIL_CONNECTOR (BATON__SVC_FAIL_STATUS | BATON__SVC_FAIL_NON_RETRYABLE)

/* ------------------------------------------------------------------------------------------ */
/* Grant and revoke                                                                            */

typedef struct prov {
	baton__runtime rt;
	bool rt_open;
	baton_ctx data, cctx;
	baton__call call;
} prov;

static void prov_init(prov *p)
{
	memset(p, 0, sizeof(*p));
	baton__ctx_init(&p->data);
	baton__ctx_init(&p->cctx);
}

static void prov_free(prov *p)
{
	baton__call_free(&p->call);
	if (p->rt_open)
		baton__runtime_close(&p->rt);
	baton__ctx_release(&p->cctx);
	baton__ctx_release(&p->data);
}

/* Re-reads a task's message as the SDK's own object (packed, then unpacked in ctx). */
static int repack(baton_ctx *ctx, const ProtobufCMessage *m, uint8_t **buf, size_t *len)
{
	*len = protobuf_c_message_get_packed_size(m);
	*buf = malloc(*len ? *len : 1);
	if (!*buf)
		return baton__error_oom("task");
	protobuf_c_message_pack(m, *buf);
	(void)ctx;
	return 0;
}

static int unpack_entitlement(baton_ctx *ctx, const C1__Connector__V2__Entitlement *m, baton_entitlement **out)
{
	uint8_t *b;
	size_t n;
	int rc = repack(ctx, &m->base, &b, &n);
	if (!rc)
		rc = baton_entitlement_unpack(ctx, b, n, out);
	free(b);
	return rc;
}

static int unpack_resource(baton_ctx *ctx, const C1__Connector__V2__Resource *m, baton_resource **out)
{
	uint8_t *b;
	size_t n;
	int rc = repack(ctx, &m->base, &b, &n);
	if (!rc)
		rc = baton_resource_unpack(ctx, b, n, out);
	free(b);
	return rc;
}

static int unpack_grant(baton_ctx *ctx, const C1__Connector__V2__Grant *m, baton_grant **out)
{
	uint8_t *b;
	size_t n;
	int rc = repack(ctx, &m->base, &b, &n);
	if (!rc)
		rc = baton_grant_unpack(ctx, b, n, out);
	free(b);
	return rc;
}

/* Which callback a task needs of its resource type. */
static bool has_callback(const baton_resource_syncer *s, baton__call_kind kind)
{
	switch (kind) {
	case BATON__CALL_GRANT: return s->grant != NULL;
	case BATON__CALL_REVOKE: return s->revoke != NULL;
	case BATON__CALL_CREATE_RESOURCE: return s->create_resource != NULL;
	case BATON__CALL_DELETE_RESOURCE: return s->delete_resource != NULL;
	case BATON__CALL_ROTATE: return s->rotate_credentials != NULL;
	default: return false;
	}
}

/* A resource's type as Go's getters read it: "" when anything on the way is missing. */
static const char *resource_type_of(const C1__Connector__V2__Resource *r)
{
	return r && r->id && r->id->resource_type ? r->id->resource_type : "";
}

/* The builder's refusal when the type lacks the callback (Unimplemented, Go's words). */
static int provisioner(prov *p, const baton_connector *conn, baton__call_kind kind, const char *type,
                       const baton__rtype **out)
{
	int rc = baton__runtime_open(&p->rt, conn);
	if (rc)
		return rc;
	p->rt_open = true;
	*out = baton__runtime_find(&p->rt, type);
	if (*out && has_callback((*out)->syncer, kind))
		return 0;
	switch (kind) {
	case BATON__CALL_CREATE_RESOURCE:
		return baton_error_set(BATON_EUNIMPLEMENTED, "resource type %s does not have resource Create() configured", type);
	case BATON__CALL_DELETE_RESOURCE:
		return baton_error_set(BATON_EUNIMPLEMENTED, "resource type %s does not have resource Delete() configured", type);
	case BATON__CALL_ROTATE:
		/* sic: Go's message names no type */
		return baton_error_set(BATON_EUNIMPLEMENTED, "resource type does not have credential manager configured");
	default:
		return baton_error_set(BATON_EUNIMPLEMENTED, "resource type %s does not have provisioner configured", type);
	}
}

/* A connector's failure as the builder wraps it: "<outer>: <the connector's error>". */
static int connector_failed(int rc, const char *outer)
{
	if (rc > 0 || baton_error_last()->code == BATON_OK)
		baton_error_set(rc < 0 ? rc : BATON_EUNKNOWN, "the connector failed without a message");
	if (rc > 0)
		rc = BATON_EUNKNOWN;
	return baton__svc_wrap_status(rc, outer);
}

void baton__svc_do_grant(baton__svc *s, const task_t *task)
{
	const C1__Connectorapi__Baton__V1__Task__GrantTask *g = task->grant;
	if (!g || !g->entitlement || !g->principal) {
		baton_error_set(BATON_EUNKNOWN, "malformed grant task");
		baton__svc_finish_error(s, task, NULL, 0, BATON_EUNKNOWN, BATON__SVC_FAIL_NON_RETRYABLE);
		return;
	}
	if (baton__svc_gated(s, task))
		return;
	prov p;
	prov_init(&p);
	baton_entitlement *ent = NULL;
	baton_resource *principal = NULL;
	const baton__rtype *t = NULL;
	/* the builder looks the type up first (a missing one is "") */
	int rc = provisioner(&p, s->env->connector, BATON__CALL_GRANT, resource_type_of(g->entitlement->resource), &t);
	if (!rc)
		rc = unpack_entitlement(&p.data, g->entitlement, &ent);
	if (!rc)
		rc = unpack_resource(&p.data, g->principal, &principal);
	if (rc) {
		baton__svc_finish_error(s, task, NULL, 0, rc, FAIL_CONNECTOR);
		prov_free(&p);
		return;
	}
	baton__call_begin(&p.call, &p.cctx, &p.rt, BATON__CALL_GRANT, t->rt, "");
	baton_error_clear();
	rc = t->syncer->grant(&p.cctx, principal, ent);
	if (rc) {
		rc = connector_failed(rc, "grant failed");
		baton__svc_finish_error(s, task, NULL, 0, rc, FAIL_CONNECTOR);
	} else {
		C1__Connector__V2__GrantManagerServiceGrantResponse resp = C1__CONNECTOR__V2__GRANT_MANAGER_SERVICE_GRANT_RESPONSE__INIT;
		C1__Connector__V2__Grant **grants = p.call.n_items ? calloc(p.call.n_items, sizeof(*grants)) : NULL;
		size_t n = 0;
		for (size_t i = 0; grants && i < p.call.n_items; i++) {
			baton_grant *bg = p.call.items[i];
			const uint8_t *d;
			size_t len;
			/* packing brings the message up to date with the object */
			if (baton_grant_pack(bg, &p.cctx, &d, &len) == 0)
				grants[n++] = bg->msg;
		}
		resp.grants = grants;
		resp.n_grants = n;
		resp.annotations = p.call.annos;
		resp.n_annotations = p.call.n_annos;
		char nb[24];
		snprintf(nb, sizeof(nb), "%zu", n);
		baton__log(BATON_LOG_INFO, "service: granted", "task_id", task->id, "#grants", nb, NULL);
		baton__svc_finish(s, task->id, &resp.base, p.call.annos, p.call.n_annos, 0, NULL, false);
		free(grants);
	}
	baton__call_end(&p.call, &p.cctx);
	prov_free(&p);
}

void baton__svc_do_revoke(baton__svc *s, const task_t *task)
{
	const C1__Connectorapi__Baton__V1__Task__RevokeTask *r = task->revoke;
	const C1__Connector__V2__Grant *gm = r ? r->grant : NULL;
	if (!gm) {
		baton_error_set(BATON_EUNKNOWN, "invalid task type");
		baton__svc_finish_error(s, task, NULL, 0, BATON_EUNKNOWN, BATON__SVC_FAIL_NON_RETRYABLE);
		return;
	}
	if (baton__svc_gated(s, task))
		return;
	prov p;
	prov_init(&p);
	baton_grant *g = NULL;
	const baton__rtype *t = NULL;
	int rc = provisioner(&p, s->env->connector, BATON__CALL_REVOKE,
	                     resource_type_of(gm->entitlement ? gm->entitlement->resource : NULL), &t);
	if (!rc)
		rc = unpack_grant(&p.data, gm, &g);
	if (rc) {
		baton__svc_finish_error(s, task, NULL, 0, rc, FAIL_CONNECTOR);
		prov_free(&p);
		return;
	}
	baton__call_begin(&p.call, &p.cctx, &p.rt, BATON__CALL_REVOKE, t->rt, "");
	baton_error_clear();
	rc = t->syncer->revoke(&p.cctx, g);
	if (rc) {
		rc = connector_failed(rc, "revoke failed");
		baton__svc_finish_error(s, task, NULL, 0, rc, FAIL_CONNECTOR);
	} else {
		C1__Connector__V2__GrantManagerServiceRevokeResponse resp =
		    C1__CONNECTOR__V2__GRANT_MANAGER_SERVICE_REVOKE_RESPONSE__INIT;
		resp.annotations = p.call.annos;
		resp.n_annotations = p.call.n_annos;
		baton__log(BATON_LOG_INFO, "service: revoked", "task_id", task->id, "grant_id", gm->id ? gm->id : "", NULL);
		baton__svc_finish(s, task->id, &resp.base, p.call.annos, p.call.n_annos, 0, NULL, false);
	}
	baton__call_end(&p.call, &p.cctx);
	prov_free(&p);
}

/* ------------------------------------------------------------------------------------------ */
/* Create and delete resource                                                                  */

void baton__svc_do_create_resource(baton__svc *s, const task_t *task)
{
	const C1__Connectorapi__Baton__V1__Task__CreateResourceTask *c = task->create_resource;
	if (!c || !c->resource) {
		baton_error_set(BATON_EUNKNOWN, "malformed create resource task");
		baton__svc_finish_error(s, task, NULL, 0, BATON_EUNKNOWN, BATON__SVC_FAIL_NON_RETRYABLE);
		return;
	}
	if (baton__svc_gated(s, task))
		return;
	prov p;
	prov_init(&p);
	baton_resource *r = NULL;
	const baton__rtype *t = NULL;
	int rc = provisioner(&p, s->env->connector, BATON__CALL_CREATE_RESOURCE, resource_type_of(c->resource), &t);
	if (!rc)
		rc = unpack_resource(&p.data, c->resource, &r);
	if (rc) {
		baton__svc_finish_error(s, task, NULL, 0, rc, FAIL_CONNECTOR);
		prov_free(&p);
		return;
	}
	baton__call_begin(&p.call, &p.cctx, &p.rt, BATON__CALL_CREATE_RESOURCE, t->rt, "");
	baton_error_clear();
	rc = t->syncer->create_resource(&p.cctx, r);
	if (rc) {
		rc = connector_failed(rc, "error: create resource failed");
		baton__svc_finish_error(s, task, NULL, 0, rc, FAIL_CONNECTOR);
	} else {
		C1__Connector__V2__CreateResourceResponse resp = C1__CONNECTOR__V2__CREATE_RESOURCE_RESPONSE__INIT;
		if (p.call.n_items) {
			baton_resource *created = p.call.items[0];
			const uint8_t *d;
			size_t len;
			if (baton_resource_pack(created, &p.cctx, &d, &len) == 0)
				resp.created = created->msg;
		}
		resp.annotations = p.call.annos;
		resp.n_annotations = p.call.n_annos;
		baton__log(BATON_LOG_INFO, "service: resource created", "task_id", task->id, NULL);
		baton__svc_finish(s, task->id, &resp.base, p.call.annos, p.call.n_annos, 0, NULL, false);
	}
	baton__call_end(&p.call, &p.cctx);
	prov_free(&p);
}

void baton__svc_do_delete_resource(baton__svc *s, const task_t *task)
{
	const C1__Connectorapi__Baton__V1__Task__DeleteResourceTask *d = task->delete_resource;
	const C1__Connector__V2__ResourceId *id = d ? d->resource_id : NULL;
	if (!id || !id->resource || !*id->resource || !id->resource_type || !*id->resource_type) {
		baton_error_set(BATON_EUNKNOWN, "malformed delete resource task");
		baton__svc_finish_error(s, task, NULL, 0, BATON_EUNKNOWN, BATON__SVC_FAIL_NON_RETRYABLE);
		return;
	}
	if (baton__svc_gated(s, task))
		return;
	prov p;
	prov_init(&p);
	const baton__rtype *t = NULL;
	int rc = provisioner(&p, s->env->connector, BATON__CALL_DELETE_RESOURCE, id->resource_type, &t);
	if (rc) {
		baton__svc_finish_error(s, task, NULL, 0, rc, FAIL_CONNECTOR);
		prov_free(&p);
		return;
	}
	baton_resource_id rid = {id->resource_type, id->resource}, parent = {"", ""};
	const C1__Connector__V2__ResourceId *pid = d->parent_resource_id;
	bool has_parent = pid && pid->resource_type && *pid->resource_type && pid->resource && *pid->resource;
	if (has_parent) {
		parent.resource_type = pid->resource_type;
		parent.resource = pid->resource;
	}
	baton__call_begin(&p.call, &p.cctx, &p.rt, BATON__CALL_DELETE_RESOURCE, t->rt, "");
	baton_error_clear();
	rc = t->syncer->delete_resource(&p.cctx, &rid, has_parent ? &parent : NULL);
	if (rc) {
		rc = connector_failed(rc, "error: delete resource failed");
		baton__svc_finish_error(s, task, NULL, 0, rc, FAIL_CONNECTOR);
	} else {
		C1__Connector__V2__DeleteResourceResponse resp = C1__CONNECTOR__V2__DELETE_RESOURCE_RESPONSE__INIT;
		resp.annotations = p.call.annos;
		resp.n_annotations = p.call.n_annos;
		baton__log(BATON_LOG_INFO, "service: resource deleted", "task_id", task->id, "resource_type",
		           rid.resource_type, "resource_id", rid.resource, NULL);
		baton__svc_finish(s, task->id, &resp.base, p.call.annos, p.call.n_annos, 0, NULL, false);
	}
	baton__call_end(&p.call, &p.cctx);
	prov_free(&p);
}

/* ------------------------------------------------------------------------------------------ */
/* Create account and rotate credentials: the secrets, encrypted as the Go SDK's providers do   */

/* The task's CredentialOptions as the callbacks' (Go's ConvertCredentialOptions); constraints
 * in ctx. An encrypted password would need the platform's key exchange: refused. */
static int credential_options(baton_ctx *ctx, const C1__Connector__V2__CredentialOptions *in,
                              baton_credential_options *out)
{
	memset(out, 0, sizeof(*out));
	if (!in)
		return 0;
	out->force_change_at_next_login = in->force_change_at_next_login;
	switch (in->options_case) {
	case C1__CONNECTOR__V2__CREDENTIAL_OPTIONS__OPTIONS_RANDOM_PASSWORD: {
		const C1__Connector__V2__CredentialOptions__RandomPassword *r = in->random_password;
		out->kind = BATON_CREDENTIAL_OPTION_RANDOM_PASSWORD;
		out->password_length = r->length < 0 ? 0 : r->length > UINT32_MAX ? UINT32_MAX : (uint32_t)r->length;
		if (r->n_constraints) {
			baton_password_constraint *c = baton_ctx_alloc(ctx, r->n_constraints * sizeof(*c));
			if (!c)
				return baton__error_oom("credential options");
			for (size_t i = 0; i < r->n_constraints; i++) {
				c[i].char_set = r->constraints[i]->char_set;
				c[i].min_count = r->constraints[i]->min_count;
			}
			out->constraints = c;
			out->n_constraints = r->n_constraints;
		}
		return 0;
	}
	case C1__CONNECTOR__V2__CREDENTIAL_OPTIONS__OPTIONS_NO_PASSWORD:
		out->kind = BATON_CREDENTIAL_OPTION_NO_PASSWORD;
		return 0;
	case C1__CONNECTOR__V2__CREDENTIAL_OPTIONS__OPTIONS_SSO:
		out->kind = BATON_CREDENTIAL_OPTION_SSO;
		out->sso_provider = in->sso->sso_provider;
		return 0;
	case C1__CONNECTOR__V2__CREDENTIAL_OPTIONS__OPTIONS_ENCRYPTED_PASSWORD:
		return baton_error_set(BATON_EUNIMPLEMENTED, "encrypted password credential options are not supported by "
		                       "libbaton's service mode");
	default:
		return baton_error_set(BATON_EINVALID, "invalid credential options");
	}
}

static bool provider_is(const char *p, const char *want)
{
	/* Go trims and lower-cases provider names */
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	size_t n = strlen(p);
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\n' || p[n - 1] == '\r'))
		n--;
	return n == strlen(want) && !strncasecmp(p, want, n);
}

/* One secret encrypted for one EncryptionConfig (the baton/jwk/v1 and baton/age/v1 providers). */
static int encrypt_secret(baton_ctx *ctx, const C1__Connector__V2__EncryptionConfig *conf, const baton__secret *sec,
                          C1__Connector__V2__EncryptedData **out)
{
	const char *pname = conf->provider ? conf->provider : "";
	bool blank = true;
	for (const char *q = pname; *q; q++)
		if (*q != ' ' && *q != '\t' && *q != '\n' && *q != '\r')
			blank = false;
	bool age = blank ? conf->config_case == C1__CONNECTOR__V2__ENCRYPTION_CONFIG__CONFIG_AGE_RECIPIENT_CONFIG
	                 : provider_is(pname, "baton/age/v1");
	bool jwk = blank ? conf->config_case == C1__CONNECTOR__V2__ENCRYPTION_CONFIG__CONFIG_JWK_PUBLIC_KEY_CONFIG
	                 : provider_is(pname, "baton/jwk/v1") || provider_is(pname, "baton/jwk/v1/private");
	baton__age_recipient r;
	int rc;
	if (age) {
		const char *text = conf->config_case == C1__CONNECTOR__V2__ENCRYPTION_CONFIG__CONFIG_AGE_RECIPIENT_CONFIG
		                       ? conf->age_recipient_config->recipient
		                       : "";
		if (!text || !*text)
			return baton_error_set(BATON_EINVALID, "age: recipient is required");
		if (baton__age_parse_recipient(text, &r))
			return baton_error_set(BATON_EINVALID, "age: invalid recipient");
	} else if (jwk) {
		const ProtobufCBinaryData *k =
		    conf->config_case == C1__CONNECTOR__V2__ENCRYPTION_CONFIG__CONFIG_JWK_PUBLIC_KEY_CONFIG
		        ? &conf->jwk_public_key_config->pub_key
		        : NULL;
		char *json = k ? baton_ctx_alloc(ctx, k->len + 1) : NULL;
		if (!json)
			return baton_error_set(BATON_EINVALID, "jwk: public key is required");
		memcpy(json, k->data, k->len);
		json[k->len] = '\0';
		if ((rc = baton__age_recipient_from_jwk(json, &r)))
			return baton__error_prefix("jwk");
	} else if (blank)
		return baton_error_set(BATON_EUNKNOWN, "crypto/providers: encryption provider not registered");
	else {
		/* Go names the provider, trimmed and lower-cased */
		char name[128];
		size_t k = 0;
		while (*pname == ' ' || *pname == '\t' || *pname == '\n' || *pname == '\r')
			pname++;
		for (; pname[k] && k < sizeof(name) - 1; k++)
			name[k] = (char)((pname[k] >= 'A' && pname[k] <= 'Z') ? pname[k] - 'A' + 'a' : pname[k]);
		while (k && (name[k - 1] == ' ' || name[k - 1] == '\t' || name[k - 1] == '\n' || name[k - 1] == '\r'))
			k--;
		name[k] = '\0';
		return baton_error_set(BATON_EUNKNOWN, "crypto/providers: encryption provider not registered (%s)", name);
	}
	char kid[65];
	uint8_t *ct = NULL;
	size_t n = 0;
	if ((rc = baton__age_recipient_key_id(&r, kid)) || (rc = baton__age_encrypt(&r, sec->bytes, sec->len, &ct, &n)))
		return rc;
	C1__Connector__V2__EncryptedData *e = baton_ctx_alloc(ctx, sizeof(*e));
	char **ids = baton_ctx_alloc(ctx, sizeof(*ids));
	uint8_t *bytes = baton_ctx_alloc(ctx, jwk ? (n + 2) / 3 * 4 + 1 : n ? n : 1);
	if (!e || !ids || !bytes) {
		free(ct);
		return baton__error_oom("encrypted data");
	}
	c1__connector__v2__encrypted_data__init(e);
	e->provider = (char *)(age ? "baton/age/v1" : "baton/jwk/v1");
	e->name = baton_ctx_strdup(ctx, sec->name ? sec->name : "");
	e->description = baton_ctx_strdup(ctx, sec->description ? sec->description : "");
	ids[0] = baton_ctx_strdup(ctx, kid);
	e->key_ids = ids;
	e->n_key_ids = 1;
	if (jwk) {
		/* the jwk provider sends the age file as standard base64 text, and the key id twice */
		e->key_id = ids[0];
		e->encrypted_bytes.len = (size_t)EVP_EncodeBlock(bytes, ct, (int)n);
	} else {
		memcpy(bytes, ct, n);
		e->encrypted_bytes.len = n;
	}
	e->encrypted_bytes.data = bytes;
	free(ct);
	*out = e;
	return 0;
}

/* Every secret of the call for every config, in Go's order (secret by secret). Also used by
 * tasks_issue.c (tasks.h). */
int baton__svc_encrypt_secrets(baton_ctx *ctx, const baton__call *call, C1__Connector__V2__EncryptionConfig **confs,
                               size_t n_confs, C1__Connector__V2__EncryptedData ***out, size_t *n_out)
{
	*out = NULL;
	*n_out = 0;
	size_t total = call->n_secrets * n_confs;
	if (!total)
		return 0;
	C1__Connector__V2__EncryptedData **v = baton_ctx_alloc(ctx, total * sizeof(*v));
	if (!v)
		return baton__error_oom("encrypted data");
	size_t k = 0;
	for (size_t i = 0; i < call->n_secrets; i++)
		for (size_t j = 0; j < n_confs; j++) {
			if (!confs[j])
				return baton_error_set(BATON_EINVALID, "encryption config %zu is empty", j);
			int rc = encrypt_secret(ctx, confs[j], &call->secrets[i], &v[k++]);
			if (rc)
				return rc;
		}
	*out = v;
	*n_out = k;
	return 0;
}

/* The account manager for a resource type id ("" : the only one, else "user"), as Go's builder. */
static int account_manager(prov *p, const char *type, const baton__rtype **out)
{
	const baton__rtype *only = NULL;
	size_t n = 0;
	for (size_t i = 0; i < p->rt.n_types; i++)
		if (p->rt.types[i].syncer->create_account) {
			only = &p->rt.types[i];
			n++;
		}
	if (n == 0)
		return baton_error_set(BATON_EUNIMPLEMENTED, "connector does not have account manager configured");
	if (!type || !*type) {
		if (n == 1) {
			*out = only;
			return 0;
		}
		*out = baton__runtime_find(&p->rt, "user");
		if (!*out || !(*out)->syncer->create_account)
			return baton_error_set(BATON_EUNIMPLEMENTED, "connector has multiple account managers configured, but "
			                       "no resource type specified, and no default account manager configured");
		return 0;
	}
	*out = baton__runtime_find(&p->rt, type);
	if (!*out || !(*out)->syncer->create_account)
		return baton_error_set(BATON_EUNIMPLEMENTED, "connector does not have account manager configured for "
		                       "resource type: %s", type);
	return 0;
}

void baton__svc_do_create_account(baton__svc *s, const task_t *task)
{
	const C1__Connectorapi__Baton__V1__Task__CreateAccountTask *c = task->create_account;
	if (!c || !c->account_info) {
		baton_error_set(BATON_EUNKNOWN, "malformed create account task");
		baton__svc_finish_error(s, task, NULL, 0, BATON_EUNKNOWN, BATON__SVC_FAIL_NON_RETRYABLE);
		return;
	}
	if (baton__svc_gated(s, task))
		return;
	prov p;
	prov_init(&p);
	const C1__Connector__V2__AccountInfo *ai = c->account_info;
	baton_account_info info;
	memset(&info, 0, sizeof(info));
	baton_credential_options opts;
	const baton__rtype *t = NULL;
	int rc = 0;
	/* the primary email first */
	const char **emails = ai->n_emails ? baton_ctx_alloc(&p.data, ai->n_emails * sizeof(*emails)) : NULL;
	if (ai->n_emails && !emails)
		rc = baton__error_oom("account info");
	size_t ne = 0;
	for (size_t i = 0; !rc && i < ai->n_emails; i++)
		if (ai->emails[i]->is_primary)
			emails[ne++] = ai->emails[i]->address;
	for (size_t i = 0; !rc && i < ai->n_emails; i++)
		if (!ai->emails[i]->is_primary)
			emails[ne++] = ai->emails[i]->address;
	info.login = ai->login;
	info.login_aliases = (const char *const *)ai->login_aliases;
	info.n_login_aliases = ai->n_login_aliases;
	info.emails = emails;
	info.n_emails = ne;
	if (!rc && ai->profile) {
		char *json = NULL;
		if ((rc = baton__protojson_write(&p.data.arena, &ai->profile->base, NULL, &json, NULL)) == 0)
			info.profile_json = json;
	}
	if (!rc && !(rc = baton__runtime_open(&p.rt, s->env->connector)))
		p.rt_open = true;
	if (!rc)
		rc = account_manager(&p, c->resource_type_id, &t);
	/* the builder's order: the account manager, then the options */
	if (!rc && (rc = credential_options(&p.data, c->credential_options, &opts)))
		rc = baton__svc_wrap_status(rc, "error: converting credential options failed");
	if (rc) {
		baton__svc_finish_error(s, task, NULL, 0, rc, FAIL_CONNECTOR);
		prov_free(&p);
		return;
	}
	baton__call_begin(&p.call, &p.cctx, &p.rt, BATON__CALL_CREATE_ACCOUNT, t->rt, "");
	baton_error_clear();
	rc = t->syncer->create_account(&p.cctx, &info, &opts);
	if (rc)
		rc = connector_failed(rc, "error: create account failed");
	else if (!p.call.has_account_result)
		rc = baton_error_set(BATON_EUNIMPLEMENTED, "create account: the connector reported no result "
		                     "(baton_ctx_account_result)");
	C1__Connector__V2__CreateAccountResponse resp = C1__CONNECTOR__V2__CREATE_ACCOUNT_RESPONSE__INIT;
	C1__Connector__V2__CreateAccountResponse__SuccessResult ok =
	    C1__CONNECTOR__V2__CREATE_ACCOUNT_RESPONSE__SUCCESS_RESULT__INIT;
	C1__Connector__V2__CreateAccountResponse__ActionRequiredResult ar =
	    C1__CONNECTOR__V2__CREATE_ACCOUNT_RESPONSE__ACTION_REQUIRED_RESULT__INIT;
	C1__Connector__V2__CreateAccountResponse__AlreadyExistsResult ae =
	    C1__CONNECTOR__V2__CREATE_ACCOUNT_RESPONSE__ALREADY_EXISTS_RESULT__INIT;
	C1__Connector__V2__CreateAccountResponse__InProgressResult ip =
	    C1__CONNECTOR__V2__CREATE_ACCOUNT_RESPONSE__IN_PROGRESS_RESULT__INIT;
	if (!rc)
		rc = baton__svc_encrypt_secrets(&p.cctx, &p.call, c->encryption_configs, c->n_encryption_configs,
		                                &resp.encrypted_data, &resp.n_encrypted_data);
	if (!rc) {
		C1__Connector__V2__Resource *res = NULL;
		const uint8_t *d;
		size_t len;
		if (p.call.account && baton_resource_pack(p.call.account, &p.cctx, &d, &len) == 0)
			res = p.call.account->msg;
		switch (p.call.account_result) {
		case BATON_ACCOUNT_ACTION_REQUIRED:
			ar.resource = res;
			ar.message = p.call.account_message ? p.call.account_message : (char *)"";
			resp.result_case = C1__CONNECTOR__V2__CREATE_ACCOUNT_RESPONSE__RESULT_ACTION_REQUIRED;
			resp.action_required = &ar;
			break;
		case BATON_ACCOUNT_ALREADY_EXISTS:
			ae.resource = res;
			resp.result_case = C1__CONNECTOR__V2__CREATE_ACCOUNT_RESPONSE__RESULT_ALREADY_EXISTS;
			resp.already_exists = &ae;
			break;
		case BATON_ACCOUNT_IN_PROGRESS:
			ip.resource = res;
			resp.result_case = C1__CONNECTOR__V2__CREATE_ACCOUNT_RESPONSE__RESULT_IN_PROGRESS;
			resp.in_progress = &ip;
			break;
		default:
			ok.resource = res;
			resp.result_case = C1__CONNECTOR__V2__CREATE_ACCOUNT_RESPONSE__RESULT_SUCCESS;
			resp.success = &ok;
			break;
		}
		resp.annotations = p.call.annos;
		resp.n_annotations = p.call.n_annos;
		char ns[24];
		snprintf(ns, sizeof(ns), "%zu", resp.n_encrypted_data);
		baton__log(BATON_LOG_INFO, "service: account created", "task_id", task->id, "#encrypted_secrets", ns, NULL);
		baton__svc_finish(s, task->id, &resp.base, p.call.annos, p.call.n_annos, 0, NULL, false);
	} else
		baton__svc_finish_error(s, task, NULL, 0, rc, FAIL_CONNECTOR);
	/* the plaintexts (secrets, a generated password) are wiped */
	baton_arena_wipe(&p.cctx.arena);
	baton__call_end(&p.call, &p.cctx);
	prov_free(&p);
}

void baton__svc_do_rotate(baton__svc *s, const task_t *task)
{
	const C1__Connectorapi__Baton__V1__Task__RotateCredentialsTask *c = task->rotate_credentials;
	const C1__Connector__V2__ResourceId *id = c ? c->resource_id : NULL;
	if (!id || !id->resource_type || !id->resource) {
		baton_error_set(BATON_EUNKNOWN, "malformed rotate credentials task");
		baton__svc_finish_error(s, task, NULL, 0, BATON_EUNKNOWN, BATON__SVC_FAIL_NON_RETRYABLE);
		return;
	}
	if (baton__svc_gated(s, task))
		return;
	prov p;
	prov_init(&p);
	baton_credential_options opts;
	const baton__rtype *t = NULL;
	/* the builder's order: the credential manager, then the options */
	int rc = provisioner(&p, s->env->connector, BATON__CALL_ROTATE, id->resource_type, &t);
	if (!rc && (rc = credential_options(&p.data, c->credential_options, &opts)))
		rc = baton__svc_wrap_status(rc, "error: converting credential options failed");
	if (rc) {
		baton__svc_finish_error(s, task, NULL, 0, rc, FAIL_CONNECTOR);
		prov_free(&p);
		return;
	}
	baton_resource_id rid = {id->resource_type, id->resource};
	baton__call_begin(&p.call, &p.cctx, &p.rt, BATON__CALL_ROTATE, t->rt, "");
	baton_error_clear();
	rc = t->syncer->rotate_credentials(&p.cctx, &rid, &opts);
	if (rc)
		rc = connector_failed(rc, "error: rotate credentials on resource failed");
	C1__Connector__V2__RotateCredentialResponse resp = C1__CONNECTOR__V2__ROTATE_CREDENTIAL_RESPONSE__INIT;
	if (!rc)
		rc = baton__svc_encrypt_secrets(&p.cctx, &p.call, c->encryption_configs, c->n_encryption_configs,
		                                &resp.encrypted_data, &resp.n_encrypted_data);
	if (!rc) {
		resp.resource_id = (C1__Connector__V2__ResourceId *)id;
		resp.annotations = p.call.annos;
		resp.n_annotations = p.call.n_annos;
		baton__log(BATON_LOG_INFO, "service: credentials rotated", "task_id", task->id, "resource_type",
		           rid.resource_type, "resource_id", rid.resource, NULL);
		baton__svc_finish(s, task->id, &resp.base, p.call.annos, p.call.n_annos, 0, NULL, false);
	} else
		baton__svc_finish_error(s, task, NULL, 0, rc, FAIL_CONNECTOR);
	baton_arena_wipe(&p.cctx.arena);
	baton__call_end(&p.call, &p.cctx);
	prov_free(&p);
}

