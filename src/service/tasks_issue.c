/*
 * Service mode: the IssueCredential task (see tasks.c for the map of every task). The Go SDK's
 * handler (pkg/tasks/c1api/issue_credential.go) calls its connector's IssueCredential through
 * gRPC and the builder does the work; both are done here in one step:
 *   - a task without identity_id, credential_options or an encryption config is malformed;
 *   - the identity's type must have issue_credential (Unimplemented otherwise);
 *   - every encryption config is checked before the connector is asked to mint anything
 *     (InvalidArgument "error: creating encryption manager failed: ...");
 *   - the request (kind, scopes, audiences, key profile, expiry, request id = the task id) is
 *     checked against the type's issue_details (InvalidArgument "invalid credential issuance
 *     request: ..."), the callback runs, its result is checked (Internal "connector returned
 *     invalid credential issuance output: ..."), and the secrets are encrypted for every config
 *     (the same encryption as CreateAccount / RotateCredentials) and wiped;
 *   - success: FinishTask with the IssueCredentialResponse {secret, encrypted_data, annotations,
 *     resource_mode, request_id} and its annotations.
 * Every failure is non-retryable (the credential may have been minted): the message is what Go's
 * task manager sends, the connector's status as its gRPC client reports it ("rpc error: code = X
 * desc = ...") joined with "task failed and is non-retryable".
 */
#include "service/tasks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "baton/resource.h"
#include "core/ctx.h"
#include "core/error.h"
#include "core/log.h"

typedef C1__Connectorapi__Baton__V1__Task task_t;

/* The task's CredentialIssueOptions as the request's kind, lists and key profile. */
static void issue_options(const C1__Connector__V2__CredentialIssueOptions *in, baton_credential_issue_request *req,
                          baton_key_profile *profile)
{
	switch (in->options_case) {
	case C1__CONNECTOR__V2__CREDENTIAL_ISSUE_OPTIONS__OPTIONS_API_KEY:
		req->kind = BATON_CREDENTIAL_OPTION_API_KEY;
		req->scopes = (const char *const *)in->api_key->scopes;
		req->n_scopes = in->api_key->n_scopes;
		break;
	case C1__CONNECTOR__V2__CREDENTIAL_ISSUE_OPTIONS__OPTIONS_KEYPAIR: {
		req->kind = BATON_CREDENTIAL_OPTION_KEYPAIR;
		const C1__Connector__V2__KeyGenerationProfile *p = in->keypair->profile;
		if (p) {
			memset(profile, 0, sizeof(*profile));
			profile->kty = p->kty;
			if (p->parameters_case == C1__CONNECTOR__V2__KEY_GENERATION_PROFILE__PARAMETERS_RSA_MODULUS_BITS)
				profile->rsa_modulus_bits = p->rsa_modulus_bits;
			else if (p->parameters_case == C1__CONNECTOR__V2__KEY_GENERATION_PROFILE__PARAMETERS_CRV)
				profile->crv = p->crv;
			req->key_profile = profile;
		}
		break;
	}
	case C1__CONNECTOR__V2__CREDENTIAL_ISSUE_OPTIONS__OPTIONS_TOKEN:
		req->kind = BATON_CREDENTIAL_OPTION_TOKEN;
		req->scopes = (const char *const *)in->token->scopes;
		req->n_scopes = in->token->n_scopes;
		req->audiences = (const char *const *)in->token->audiences;
		req->n_audiences = in->token->n_audiences;
		break;
	case C1__CONNECTOR__V2__CREDENTIAL_ISSUE_OPTIONS__OPTIONS_CLIENT_SECRET:
		req->kind = BATON_CREDENTIAL_OPTION_CLIENT_SECRET;
		break;
	default:
		req->kind = BATON_CREDENTIAL_OPTION_UNSPECIFIED; /* "unsupported credential option" */
		break;
	}
}

/*
 * Go's crypto.ValidateEncryptionConfigs, done by encrypting a throw-away byte for each config with
 * the encryption the secrets get: a config that cannot take it fails before anything is minted.
 */
static int check_configs(baton_ctx *ctx, C1__Connector__V2__EncryptionConfig **confs, size_t n)
{
	uint8_t probe = 0;
	baton__secret sec = {.name = (char *)"probe", .description = (char *)"", .bytes = &probe, .len = 1};
	baton__call one;
	memset(&one, 0, sizeof(one));
	one.secrets = &sec;
	one.n_secrets = 1;
	for (size_t i = 0; i < n; i++) {
		if (!confs[i])
			return baton_error_set(BATON_EINVALID, "encryption config %zu is empty", i);
		C1__Connector__V2__EncryptedData **out;
		size_t n_out;
		if (baton__svc_encrypt_secrets(ctx, &one, &confs[i], 1, &out, &n_out)) {
			if (baton_error_last()->code == BATON_EEXHAUSTED)
				return BATON_EEXHAUSTED;
			return baton_error_set(BATON_EINVALID, "invalid encryption config %zu: %s", i,
			                       baton_error_last()->message);
		}
	}
	return 0;
}

void baton__svc_do_issue_credential(baton__svc *s, const task_t *task)
{
	const C1__Connectorapi__Baton__V1__Task__IssueCredentialTask *c = task->issue_credential;
	if (!c || !c->identity_id || !c->credential_options || c->n_encryption_configs == 0) {
		baton__log(BATON_LOG_ERROR, "service: issue credential task is malformed", "task_id", task->id, NULL);
		baton_error_set(BATON_EUNKNOWN, "malformed issue credential task");
		baton__svc_finish_error(s, task, NULL, 0, BATON_EUNKNOWN, BATON__SVC_FAIL_NON_RETRYABLE);
		return;
	}
	if (baton__svc_gated(s, task))
		return;
	baton__runtime rt;
	bool rt_open = false;
	baton_ctx data, cctx;
	baton__call call;
	memset(&call, 0, sizeof(call));
	baton__ctx_init(&data);
	baton__ctx_init(&cctx);

	baton_credential_issue_request req;
	memset(&req, 0, sizeof(req));
	baton_key_profile profile;
	req.identity.resource_type = c->identity_id->resource_type ? c->identity_id->resource_type : "";
	req.identity.resource = c->identity_id->resource ? c->identity_id->resource : "";
	req.request_id = task->id;
	if (c->expires_at) {
		req.has_expires_at = true;
		req.expires_at.seconds = c->expires_at->seconds;
		req.expires_at.nanos = c->expires_at->nanos;
	}
	issue_options(c->credential_options, &req, &profile);

	const baton__rtype *t = NULL;
	const baton_credential_issue_option *opt = NULL;
	int rc = baton__runtime_open(&rt, s->env->connector);
	if (!rc) {
		rt_open = true;
		t = baton__runtime_find(&rt, req.identity.resource_type);
		if (!t || !t->issue_credential || !t->issue_details)
			rc = baton_error_set(BATON_EUNIMPLEMENTED, "resource type does not have credential issuer configured");
	}
	if (!rc && (rc = check_configs(&data, c->encryption_configs, c->n_encryption_configs)) && rc != BATON_EEXHAUSTED)
		rc = baton__svc_wrap_status(rc, "error: creating encryption manager failed");
	if (!rc) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		baton_timestamp now = {(int64_t)ts.tv_sec, (int32_t)ts.tv_nsec};
		rc = baton__issue_check_request(t->issue_details, &req, now, &opt);
	}
	if (!rc) {
		baton__call_begin(&call, &cctx, &rt, BATON__CALL_ISSUE_CREDENTIAL, t->rt, "");
		baton_error_clear();
		rc = t->issue_credential(&cctx, &req);
		if (rc) {
			if (rc > 0 || baton_error_last()->code == BATON_OK)
				baton_error_set(rc < 0 ? rc : BATON_EUNKNOWN, "the connector failed without a message");
			if (rc > 0)
				rc = BATON_EUNKNOWN;
			rc = baton__svc_wrap_status(rc, "error: issue credential for identity failed");
		} else
			rc = baton__issue_check_result(&call, &req, opt);
	}
	C1__Connector__V2__IssueCredentialResponse resp = C1__CONNECTOR__V2__ISSUE_CREDENTIAL_RESPONSE__INIT;
	if (!rc)
		rc = baton__svc_encrypt_secrets(&cctx, &call, c->encryption_configs, c->n_encryption_configs,
		                                &resp.encrypted_data, &resp.n_encrypted_data);
	const uint8_t *packed;
	size_t packed_len;
	if (!rc)
		rc = baton_resource_pack(call.issued, &cctx, &packed, &packed_len);
	if (!rc) {
		resp.secret = call.issued->msg;
		resp.resource_mode = (C1__Connector__V2__CredentialResourceMode)call.issued_mode;
		resp.request_id = (char *)req.request_id;
		resp.annotations = call.annos;
		resp.n_annotations = call.n_annos;
		baton_resource_id sid = baton_resource_get_id(call.issued);
		char ns[24];
		snprintf(ns, sizeof(ns), "%zu", resp.n_encrypted_data);
		baton__log(BATON_LOG_INFO, "service: credential issued", "task_id", task->id, "identity_type",
		           req.identity.resource_type, "identity_id", req.identity.resource, "secret_type", sid.resource_type,
		           "secret_id", sid.resource, "#encrypted_secrets", ns, NULL);
		baton__svc_finish(s, task->id, &resp.base, call.annos, call.n_annos, 0, NULL, false);
	} else {
		const baton_error *e = baton_error_last();
		baton__log(BATON_LOG_ERROR, "service: failed issuing credential", "task_id", task->id, "error", e->message,
		           NULL);
		baton__svc_finish_error(s, task, NULL, 0, rc, BATON__SVC_FAIL_STATUS | BATON__SVC_FAIL_NON_RETRYABLE);
	}
	/* the plaintexts are wiped */
	baton_arena_wipe(&cctx.arena);
	if (call.rt)
		baton__call_end(&call, &cctx);
	baton__call_free(&call);
	if (rt_open)
		baton__runtime_close(&rt);
	baton__ctx_release(&cctx);
	baton__ctx_release(&data);
}
