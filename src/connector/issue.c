/*
 * Credential issuing (the Go SDK's CredentialIssuer): the checks of a type's issue_details, the
 * CredentialDetailsCredentialIssue message of the capabilities, and the checks the SDK makes of a
 * request before calling issue_credential and of what the callback handed over after it. The
 * rules and messages follow the Go builder's (connectorbuilder/credentials.go and
 * credential_issue_validation.go).
 */
#include "connector/connector.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include "core/error.h"
#include "types/types.h"

const char *baton__credential_option_name(baton_credential_option o)
{
	switch (o) {
	case BATON_CREDENTIAL_OPTION_NO_PASSWORD: return "CAPABILITY_DETAIL_CREDENTIAL_OPTION_NO_PASSWORD";
	case BATON_CREDENTIAL_OPTION_RANDOM_PASSWORD: return "CAPABILITY_DETAIL_CREDENTIAL_OPTION_RANDOM_PASSWORD";
	case BATON_CREDENTIAL_OPTION_SSO: return "CAPABILITY_DETAIL_CREDENTIAL_OPTION_SSO";
	case BATON_CREDENTIAL_OPTION_ENCRYPTED_PASSWORD: return "CAPABILITY_DETAIL_CREDENTIAL_OPTION_ENCRYPTED_PASSWORD";
	case BATON_CREDENTIAL_OPTION_API_KEY: return "CAPABILITY_DETAIL_CREDENTIAL_OPTION_API_KEY";
	case BATON_CREDENTIAL_OPTION_KEYPAIR: return "CAPABILITY_DETAIL_CREDENTIAL_OPTION_KEYPAIR";
	case BATON_CREDENTIAL_OPTION_TOKEN: return "CAPABILITY_DETAIL_CREDENTIAL_OPTION_TOKEN";
	case BATON_CREDENTIAL_OPTION_CLIENT_SECRET: return "CAPABILITY_DETAIL_CREDENTIAL_OPTION_CLIENT_SECRET";
	default: return "CAPABILITY_DETAIL_CREDENTIAL_OPTION_UNSPECIFIED";
	}
}

static bool is_blank(const char *s)
{
	if (!s)
		return true;
	for (; *s; s++)
		if (!isspace((unsigned char)*s))
			return false;
	return true;
}

static bool in_list(const char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] && strcmp(v[i], s) == 0)
			return true;
	return false;
}

/* A key profile's shape (Go's validateKeyGenerationProfile); the message in the error. */
static int check_profile(const baton_key_profile *p)
{
	static const char *const ec[] = {"P-256", "P-384", "P-521"};
	static const char *const okp[] = {"Ed25519", "Ed448", "X25519", "X448"};
	if (!p || !p->kty)
		return baton_error_set(BATON_EINVALID, "key generation profile is required");
	bool has_crv = p->crv != NULL, has_bits = p->rsa_modulus_bits != 0;
	if (strcmp(p->kty, "RSA") == 0) {
		if (!has_bits || has_crv)
			return baton_error_set(BATON_EINVALID, "RSA profile requires rsa_modulus_bits and no curve");
		if (p->rsa_modulus_bits < 2048 || p->rsa_modulus_bits > 16384 || p->rsa_modulus_bits % 256)
			return baton_error_set(BATON_EINVALID, "RSA modulus bits must be 2048..16384 in 256-bit increments");
	} else if (strcmp(p->kty, "EC") == 0) {
		if (!has_crv || has_bits || !in_list(ec, 3, p->crv))
			return baton_error_set(BATON_EINVALID, "EC profile requires a recognized P-256, P-384, or P-521 curve");
	} else if (strcmp(p->kty, "OKP") == 0) {
		if (!has_crv || has_bits || !in_list(okp, 4, p->crv))
			return baton_error_set(BATON_EINVALID, "OKP profile requires a recognized curve");
	} else {
		return baton_error_set(BATON_EINVALID, "unsupported JWK key type \"%s\"", p->kty);
	}
	return 0;
}

static bool same_profile(const baton_key_profile *a, const baton_key_profile *b)
{
	return strcmp(a->kty ? a->kty : "", b->kty ? b->kty : "") == 0 && a->rsa_modulus_bits == b->rsa_modulus_bits &&
	       (a->crv == NULL) == (b->crv == NULL) && (!a->crv || strcmp(a->crv, b->crv) == 0);
}

/* What each kind may advertise (Go's validateCredentialIssueDescriptorShape). */
static const char *shape_problem(const baton_credential_issue_option *o)
{
	bool scopes = o->n_scopes || o->custom_scopes_allowed;
	bool audiences = o->n_audiences || o->custom_audiences_allowed;
	bool profiles = o->n_key_profiles != 0;
	switch (o->option) {
	case BATON_CREDENTIAL_OPTION_API_KEY:
		return profiles || audiences ? "API key options may only advertise scopes and expiry" : NULL;
	case BATON_CREDENTIAL_OPTION_KEYPAIR:
		if (!profiles)
			return "keypair options must advertise at least one key profile";
		return scopes || audiences ? "keypair options may only advertise key profiles and expiry" : NULL;
	case BATON_CREDENTIAL_OPTION_TOKEN:
		return profiles ? "token options may only advertise scopes, audiences, and expiry" : NULL;
	case BATON_CREDENTIAL_OPTION_CLIENT_SECRET:
		return profiles || scopes || audiences ? "client secret options may only advertise expiry" : NULL;
	default:
		return "unsupported issuance option";
	}
}

static int check_one(const baton__runtime *rt, const char *type_id, const baton_credential_issue_details *d)
{
#define BAD(...) baton_error_set(BATON_EINVALID, "error: validating credential issuance details for %s: " \
                                 __VA_ARGS__)
	if (d->preferred == BATON_CREDENTIAL_OPTION_UNSPECIFIED)
		return BAD("%s", type_id, "preferred credential issue option is not set");
	if (d->n_options && !d->options)
		return BAD("%s", type_id, "options is NULL");
	bool preferred_seen = false;
	for (size_t i = 0; i < d->n_options; i++) {
		const baton_credential_issue_option *o = &d->options[i];
		if (o->option == BATON_CREDENTIAL_OPTION_UNSPECIFIED)
			return BAD("%s", type_id, "credential issue option descriptor is invalid");
		if (o->resource_mode != BATON_CREDENTIAL_RESOURCE_MODE_DISCOVERABLE &&
		    o->resource_mode != BATON_CREDENTIAL_RESOURCE_MODE_VIRTUAL)
			return BAD("%s", type_id, "credential issue resource mode is not set");
		if (!o->secret_resource_type_id || !*o->secret_resource_type_id)
			return BAD("%s", type_id, "credential issue secret resource type is not set");
		const char *shape = shape_problem(o);
		if (shape)
			return BAD("invalid credential issue option %s: %s", type_id, baton__credential_option_name(o->option),
			           shape);
		if ((o->n_scopes && !o->scopes) || (o->n_audiences && !o->audiences) ||
		    (o->n_key_profiles && !o->key_profiles))
			return BAD("%s", type_id, "a list of the option is NULL with a non-zero count");
		for (size_t j = 0; j < o->n_key_profiles; j++)
			if (check_profile(&o->key_profiles[j]))
				return BAD("invalid credential issue key profile: %s", type_id, baton_error_last()->message);
		if (o->expiry_min_seconds < 0 || o->expiry_max_seconds < 0)
			return BAD("invalid credential issue expiry capability: %s", type_id,
			           o->expiry_min_seconds < 0 ? "minimum must be a valid positive duration"
			                                     : "maximum must be a valid positive duration");
		if (o->expiry_min_seconds && o->expiry_max_seconds && o->expiry_min_seconds > o->expiry_max_seconds)
			return BAD("invalid credential issue expiry capability: %s", type_id,
			           "minimum must not exceed maximum");
		for (size_t j = 0; j < i; j++)
			if (d->options[j].option == o->option)
				return BAD("duplicate credential issue option %s", type_id,
				           baton__credential_option_name(o->option));
		preferred_seen |= o->option == d->preferred;
		const baton__rtype *secret = baton__runtime_find(rt, o->secret_resource_type_id);
		if (!secret || !secret->syncer->delete_resource)
			return baton_error_set(BATON_EINVALID, "credential issue option %s returns secret resource type "
			                       "\"%s\" without ResourceDeleterV2 (a type with delete_resource)",
			                       baton__credential_option_name(o->option), o->secret_resource_type_id);
	}
	if (!preferred_seen)
		return BAD("%s", type_id, "preferred credential issue option is not part of the supported options");
	return 0;
#undef BAD
}

int baton__issue_check_details(const baton__runtime *rt)
{
	for (size_t i = 0; i < rt->n_types; i++) {
		const baton__rtype *t = &rt->types[i];
		if (!t->issue_credential)
			continue;
		if (!t->issue_details)
			return baton_error_set(BATON_EINVALID, "resource type '%s': issue_credential needs its issue_details",
			                       t->id);
		int rc = check_one(rt, t->id, t->issue_details);
		if (rc)
			return rc;
	}
	return 0;
}

static char **strv(baton_ctx *ctx, const char *const *v, size_t n)
{
	char **out = baton_ctx_alloc(ctx, (n ? n : 1) * sizeof(*out));
	for (size_t i = 0; out && i < n; i++)
		if (!(out[i] = baton_ctx_strdup(ctx, v[i] ? v[i] : "")))
			return NULL;
	return out;
}

static Google__Protobuf__Duration *duration(baton_ctx *ctx, int64_t seconds)
{
	if (!seconds)
		return NULL;
	Google__Protobuf__Duration *d = baton_ctx_alloc(ctx, sizeof(*d));
	if (d) {
		google__protobuf__duration__init(d);
		d->seconds = seconds;
	}
	return d;
}

int baton__issue_details_msg(baton_ctx *ctx, const baton_credential_issue_details *d,
                             C1__Connector__V2__CredentialDetailsCredentialIssue **out)
{
	C1__Connector__V2__CredentialDetailsCredentialIssue *m = baton_ctx_alloc(ctx, sizeof(*m));
	C1__Connector__V2__CredentialIssueOptionDescriptor **opts =
		baton_ctx_alloc(ctx, (d->n_options ? d->n_options : 1) * sizeof(*opts));
	if (!m || !opts)
		return baton__error_oom("credential issue details");
	c1__connector__v2__credential_details_credential_issue__init(m);
	for (size_t i = 0; i < d->n_options; i++) {
		const baton_credential_issue_option *o = &d->options[i];
		C1__Connector__V2__CredentialIssueOptionDescriptor *x = baton_ctx_alloc(ctx, sizeof(*x));
		C1__Connector__V2__KeyGenerationProfile **kp =
			baton_ctx_alloc(ctx, (o->n_key_profiles ? o->n_key_profiles : 1) * sizeof(*kp));
		if (!x || !kp)
			return baton__error_oom("credential issue details");
		c1__connector__v2__credential_issue_option_descriptor__init(x);
		x->option = (C1__Connector__V2__CapabilityDetailCredentialOption)o->option;
		for (size_t j = 0; j < o->n_key_profiles; j++) {
			const baton_key_profile *p = &o->key_profiles[j];
			C1__Connector__V2__KeyGenerationProfile *y = baton_ctx_alloc(ctx, sizeof(*y));
			if (!y)
				return baton__error_oom("credential issue details");
			c1__connector__v2__key_generation_profile__init(y);
			y->kty = baton_ctx_strdup(ctx, p->kty);
			if (!y->kty)
				return baton__error_oom("credential issue details");
			if (p->rsa_modulus_bits) {
				y->parameters_case = C1__CONNECTOR__V2__KEY_GENERATION_PROFILE__PARAMETERS_RSA_MODULUS_BITS;
				y->rsa_modulus_bits = p->rsa_modulus_bits;
			} else if (p->crv) {
				y->parameters_case = C1__CONNECTOR__V2__KEY_GENERATION_PROFILE__PARAMETERS_CRV;
				if (!(y->crv = baton_ctx_strdup(ctx, p->crv)))
					return baton__error_oom("credential issue details");
			}
			kp[j] = y;
		}
		x->n_key_profiles = o->n_key_profiles;
		x->key_profiles = kp;
		if (o->expiry_supported) {
			C1__Connector__V2__IssuanceExpiryCapability *e = baton_ctx_alloc(ctx, sizeof(*e));
			if (!e)
				return baton__error_oom("credential issue details");
			c1__connector__v2__issuance_expiry_capability__init(e);
			e->min = duration(ctx, o->expiry_min_seconds);
			e->max = duration(ctx, o->expiry_max_seconds);
			if ((o->expiry_min_seconds && !e->min) || (o->expiry_max_seconds && !e->max))
				return baton__error_oom("credential issue details");
			x->expiry = e;
		}
		x->scopes = strv(ctx, o->scopes, o->n_scopes);
		x->audiences = strv(ctx, o->audiences, o->n_audiences);
		x->secret_resource_type_id = baton_ctx_strdup(ctx, o->secret_resource_type_id);
		if (!x->scopes || !x->audiences || !x->secret_resource_type_id)
			return baton__error_oom("credential issue details");
		x->n_scopes = o->n_scopes;
		x->n_audiences = o->n_audiences;
		x->custom_scopes_allowed = o->custom_scopes_allowed;
		x->custom_audiences_allowed = o->custom_audiences_allowed;
		x->resource_mode = (C1__Connector__V2__CredentialResourceMode)o->resource_mode;
		opts[i] = x;
	}
	m->n_options = d->n_options;
	m->options = opts;
	m->preferred_option = (C1__Connector__V2__CapabilityDetailCredentialOption)d->preferred;
	*out = m;
	return 0;
}

/* Go's validateRequestedValues. */
static int check_values(const char *kind, const char *const *req, size_t n, const char *const *adv, size_t n_adv,
                        bool custom)
{
	for (size_t i = 0; i < n; i++) {
		if (is_blank(req[i]))
			return baton_error_set(BATON_EINVALID, "%s must not be empty", kind);
		for (size_t j = 0; j < i; j++)
			if (strcmp(req[j], req[i]) == 0)
				return baton_error_set(BATON_EINVALID, "duplicate %s \"%s\"", kind, req[i]);
		if (!custom && !in_list(adv, n_adv, req[i]))
			return baton_error_set(BATON_EINVALID, "%s \"%s\" is not advertised by connector", kind, req[i]);
	}
	return 0;
}

static bool valid_request_id(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > 128)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

/* The sign of (b - a) - secs seconds, for valid nanos; differences beyond int64 saturate. */
static int cmp_elapsed(baton_timestamp b, baton_timestamp a, int64_t secs)
{
	int64_t ds;
	int32_t dn = b.nanos - a.nanos;
	if (__builtin_sub_overflow(b.seconds, a.seconds, &ds))
		return b.seconds > a.seconds ? 1 : -1;
	if (dn < 0) {
		if (ds == INT64_MIN)
			return -1;
		ds--;
		dn += 1000000000;
	}
	if (ds != secs)
		return ds < secs ? -1 : 1;
	return dn > 0;
}

static int request_problem(const baton_credential_issue_details *d, const baton_credential_issue_request *req,
                           baton_timestamp now, const baton_credential_issue_option **option)
{
	if (!req || !req->identity.resource || !*req->identity.resource || !req->identity.resource_type ||
	    !*req->identity.resource_type)
		return baton_error_set(BATON_EINVALID, "identity id is required");
	if (!valid_request_id(req->request_id))
		return baton_error_set(BATON_EINVALID, "request id must be 1..128 characters containing only letters, "
		                       "digits, underscore, or hyphen");
	if (req->kind < BATON_CREDENTIAL_OPTION_API_KEY || req->kind > BATON_CREDENTIAL_OPTION_CLIENT_SECRET)
		return baton_error_set(BATON_EINVALID, "unsupported credential option");
	const baton_credential_issue_option *o = NULL;
	for (size_t i = 0; i < d->n_options && !o; i++)
		if (d->options[i].option == req->kind)
			o = &d->options[i];
	if (!o)
		return baton_error_set(BATON_EINVALID, "credential option %s is not advertised by connector",
		                       baton__credential_option_name(req->kind));
	if ((req->n_scopes && !req->scopes) || (req->n_audiences && !req->audiences))
		return baton_error_set(BATON_EINVALID, "a list of the request is NULL with a non-zero count");
	int rc = 0;
	if (req->kind == BATON_CREDENTIAL_OPTION_KEYPAIR) {
		if ((rc = check_profile(req->key_profile)))
			return rc;
		bool found = false;
		for (size_t i = 0; i < o->n_key_profiles && !found; i++)
			found = same_profile(&o->key_profiles[i], req->key_profile);
		if (!found)
			return baton_error_set(BATON_EINVALID, "requested key generation profile is not advertised by connector");
	}
	if (req->kind == BATON_CREDENTIAL_OPTION_API_KEY || req->kind == BATON_CREDENTIAL_OPTION_TOKEN)
		rc = check_values("scope", req->scopes, req->n_scopes, o->scopes, o->n_scopes, o->custom_scopes_allowed);
	if (!rc && req->kind == BATON_CREDENTIAL_OPTION_TOKEN)
		rc = check_values("audience", req->audiences, req->n_audiences, o->audiences, o->n_audiences,
		                  o->custom_audiences_allowed);
	if (rc)
		return rc;
	if (req->has_expires_at) {
		if (req->expires_at.nanos < 0 || req->expires_at.nanos > 999999999)
			return baton_error_set(BATON_EINVALID, "expires_at must be valid");
		if (cmp_elapsed(req->expires_at, now, 0) <= 0)
			return baton_error_set(BATON_EINVALID, "expires_at must be in the future");
		if (!o->expiry_supported)
			return baton_error_set(BATON_EINVALID, "connector does not support caller-selected expiry");
		if (o->expiry_min_seconds && cmp_elapsed(req->expires_at, now, o->expiry_min_seconds) < 0)
			return baton_error_set(BATON_EINVALID, "requested expiry is below connector minimum");
		if (o->expiry_max_seconds && cmp_elapsed(req->expires_at, now, o->expiry_max_seconds) > 0)
			return baton_error_set(BATON_EINVALID, "requested expiry exceeds connector maximum");
	}
	*option = o;
	return 0;
}

int baton__issue_check_request(const baton_credential_issue_details *d, const baton_credential_issue_request *req,
                               baton_timestamp now, const baton_credential_issue_option **option)
{
	int rc = request_problem(d, req, now, option);
	return rc ? baton__error_prefix("invalid credential issuance request") : 0;
}

static int result_problem(const baton__call *call, const baton_credential_issue_request *req,
                          const baton_credential_issue_option *o)
{
	baton_resource *s = call->issued;
	if (!s)
		return baton_error_set(BATON_EINTERNAL, "secret resource and id are required "
		                       "(baton_ctx_issued_credential was not called)");
	baton_resource_id id = baton_resource_get_id(s);
	if (is_blank(id.resource) || is_blank(id.resource_type))
		return baton_error_set(BATON_EINTERNAL, "secret resource id is incomplete");
	if (!baton_annotations_contains(baton_resource_annotations(s), "c1.connector.v2.SecretTrait"))
		return baton_error_set(BATON_EINTERNAL, "secret resource must carry SecretTrait");
	baton_secret_trait *t = NULL;
	if (baton_resource_get_secret_trait(s, &t))
		return baton_error_set(BATON_EINTERNAL, "read secret trait: %s", baton_error_last()->message);
	baton_resource_id who;
	if (!baton_secret_trait_identity_id(t, &who) || strcmp(who.resource, req->identity.resource) != 0 ||
	    strcmp(who.resource_type, req->identity.resource_type) != 0)
		return baton_error_set(BATON_EINTERNAL, "secret trait identity_id does not match authenticating principal");
	if (req->has_expires_at) {
		baton_timestamp at;
		if (!baton_secret_trait_expires_at(t, &at))
			return baton_error_set(BATON_EINTERNAL, "secret trait expires_at is required when expiry was requested");
		if (at.nanos < 0 || at.nanos > 999999999)
			return baton_error_set(BATON_EINTERNAL, "secret trait expires_at is invalid");
		if (cmp_elapsed(at, req->expires_at, 0) > 0)
			return baton_error_set(BATON_EINTERNAL, "secret trait expires_at exceeds requested expiry");
	}
	if (call->issued_mode == BATON_CREDENTIAL_RESOURCE_MODE_UNSPECIFIED || call->issued_mode != o->resource_mode)
		return baton_error_set(BATON_EINTERNAL, "credential resource mode does not match advertised capability");
	if (strcmp(id.resource_type, o->secret_resource_type_id) != 0)
		return baton_error_set(BATON_EINTERNAL, "secret resource type does not match advertised capability");
	if (call->n_secrets == 0)
		return baton_error_set(BATON_EINTERNAL, "at least one plaintext value is required");
	for (size_t i = 0; i < call->n_secrets; i++) {
		const baton__secret *v = &call->secrets[i];
		if (is_blank(v->name) || v->len == 0)
			return baton_error_set(BATON_EINTERNAL, "plaintext value %zu must have a name and non-empty bytes", i);
		for (size_t j = 0; j < i; j++)
			if (strcmp(call->secrets[j].name, v->name) == 0)
				return baton_error_set(BATON_EINTERNAL, "duplicate plaintext value name \"%s\"", v->name);
	}
	return 0;
}

int baton__issue_check_result(const baton__call *call, const baton_credential_issue_request *req,
                              const baton_credential_issue_option *option)
{
	int rc = result_problem(call, req, option);
	return rc ? baton__error_prefix("connector returned invalid credential issuance output") : 0;
}
