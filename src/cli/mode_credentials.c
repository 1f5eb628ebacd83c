/*
 * The credential-issuing one-shot (libbaton's hidden --issue-credential flags): asks the
 * connector's issue_credential callback for a NEW credential for an identity, as the Go SDK's
 * builder does for an IssueCredential request (which Go only receives as a service-mode task):
 * the request is checked against the type's issue_details before the connector is called, the
 * result after it, and the secret material leaves the process only encrypted. Go refuses an
 * issuance without an encryption config; here that is --secret-recipient (or
 * $BATON_SECRET_RECIPIENT, --credential-public-key), required before anything is minted.
 */
#include "cli/modes.h"
#include "cli/provision.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "core/error.h"
#include "core/log.h"

typedef struct issue_args {
	baton_credential_issue_request req;
	baton_key_profile profile;
	char profile_text[128];
	char request_id[33];
} issue_args;

static const struct {
	const char *name;
	baton_credential_option kind;
} kinds[] = {
	{"api-key", BATON_CREDENTIAL_OPTION_API_KEY},
	{"keypair", BATON_CREDENTIAL_OPTION_KEYPAIR},
	{"token", BATON_CREDENTIAL_OPTION_TOKEN},
	{"client-secret", BATON_CREDENTIAL_OPTION_CLIENT_SECRET},
};

static const char *kind_flag_name(baton_credential_option k)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (kinds[i].kind == k)
			return kinds[i].name;
	return "unspecified";
}

/* "kty:parameter": RSA takes the modulus bits, EC and OKP the curve. */
static int parse_profile(issue_args *a, const char *text)
{
	size_t n = strlen(text);
	if (n >= sizeof(a->profile_text))
		return -1;
	memcpy(a->profile_text, text, n + 1);
	char *colon = strchr(a->profile_text, ':');
	if (!colon || colon == a->profile_text || !colon[1])
		return -1;
	*colon = '\0';
	a->profile.kty = a->profile_text;
	if (strcmp(a->profile_text, "RSA") == 0) {
		char *end;
		errno = 0;
		unsigned long bits = strtoul(colon + 1, &end, 10);
		if (*end || errno || bits == 0 || bits > UINT32_MAX)
			return -1;
		a->profile.rsa_modulus_bits = (uint32_t)bits;
	} else {
		a->profile.crv = colon + 1;
	}
	return 0;
}

static int random_request_id(char out[33])
{
	uint8_t b[16];
	size_t got = 0;
	while (got < sizeof(b)) {
		ssize_t n = getrandom(b + got, sizeof(b) - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return baton_error_set(BATON_EINTERNAL, "getrandom: %s", strerror(errno));
		got += (size_t)n;
	}
	for (size_t i = 0; i < sizeof(b); i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	return 0;
}

static int invoke_issue(baton__prov *p, const baton__rtype *t, void *arg)
{
	issue_args *a = arg;
	return t->issue_credential(&p->cctx, &a->req);
}

static int consume_issue(baton__prov *p, void *arg)
{
	issue_args *a = arg;
	const baton__rtype *t = baton__runtime_find(&p->rt, a->req.identity.resource_type);
	const baton_credential_issue_option *o = NULL;
	/* the option was found before the call; find it again for the result check */
	for (size_t i = 0; i < t->issue_details->n_options && !o; i++)
		if (t->issue_details->options[i].option == a->req.kind)
			o = &t->issue_details->options[i];
	int rc = baton__issue_check_result(&p->call, &a->req, o);
	if (rc)
		return rc;
	baton_resource_id sid = baton_resource_get_id(p->call.issued);
	baton__log(BATON_LOG_INFO, "credential issued", "identity_type", a->req.identity.resource_type, "identity_id",
	           a->req.identity.resource, "secret_type", sid.resource_type, "secret_id", sid.resource,
	           "resource_mode", p->call.issued_mode == BATON_CREDENTIAL_RESOURCE_MODE_VIRTUAL
	                                ? "CREDENTIAL_RESOURCE_MODE_VIRTUAL"
	                                : "CREDENTIAL_RESOURCE_MODE_DISCOVERABLE",
	           "request_id", a->req.request_id, NULL);
	return baton__prov_deliver_secrets(p);
}

int baton__mode_issue_credential(baton__cli_env *env)
{
	baton__prov p;
	baton__prov_init(&p, env, "issue credential");
	issue_args a;
	memset(&a, 0, sizeof(a));
	baton__cli *cli = env->cli;
	a.req.identity.resource = baton__cli_string(cli, "issue-credential");
	a.req.identity.resource_type = baton__cli_string(cli, "issue-credential-type");
	const char *kind = baton__cli_string(cli, "issue-credential-option");
	const char *profile = baton__cli_string(cli, "issue-credential-key-profile");
	int64_t expires_in = baton__cli_int(cli, "issue-credential-expires-in");
	a.req.request_id = baton__cli_string(cli, "issue-credential-request-id");
	a.req.n_scopes = baton__cli_list(cli, "issue-credential-scopes", &a.req.scopes);
	a.req.n_audiences = baton__cli_list(cli, "issue-credential-audiences", &a.req.audiences);
	int status = 0;
	if (!*a.req.identity.resource_type)
		status = baton__prov_usage_error("--issue-credential needs --issue-credential-type");
	else if (expires_in < 0)
		status = baton__prov_usage_error("--issue-credential-expires-in must be 0 or a number of seconds");
	else if (*profile && parse_profile(&a, profile))
		status = baton__prov_usage_error("--issue-credential-key-profile must be kty:parameter (RSA:2048, EC:P-256, "
		                                 "OKP:Ed25519): %s", profile);
	if (!status && *kind) {
		for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
			if (strcmp(kind, kinds[i].name) == 0)
				a.req.kind = kinds[i].kind;
		if (!a.req.kind)
			status = baton__prov_usage_error("--issue-credential-option must be api-key, keypair, token or "
			                                 "client-secret: %s", kind);
	}
	if (status) {
		baton__prov_free(&p);
		return status;
	}
	int rc = baton__prov_load_recipient(&p);
	if (!rc && !p.have_recipient)
		rc = baton_error_set(BATON_EINVALID, "issue credential: at least one encryption config is required for "
		                     "credential issuance: give --secret-recipient");
	if (!rc && !*a.req.request_id && !(rc = random_request_id(a.request_id)))
		a.req.request_id = a.request_id;
	if (!rc)
		rc = baton__prov_open_connector(&p);
	const baton__rtype *t = NULL;
	if (!rc) {
		t = baton__runtime_find(&p.rt, a.req.identity.resource_type);
		if (!t || !t->issue_credential)
			rc = baton_error_set(BATON_EUNIMPLEMENTED, "issue credential: resource type %s does not have "
			                     "credential issuer configured", a.req.identity.resource_type);
	}
	if (!rc) {
		const baton_credential_issue_details *d = t->issue_details;
		if (!a.req.kind)
			a.req.kind = d->preferred;
		/* a keypair without a profile asks for the connector's first one */
		if (a.req.kind == BATON_CREDENTIAL_OPTION_KEYPAIR && !*profile)
			for (size_t i = 0; i < d->n_options; i++)
				if (d->options[i].option == BATON_CREDENTIAL_OPTION_KEYPAIR && d->options[i].n_key_profiles)
					a.profile = d->options[i].key_profiles[0];
		if (a.req.kind == BATON_CREDENTIAL_OPTION_KEYPAIR)
			a.req.key_profile = &a.profile;
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		baton_timestamp now = {(int64_t)ts.tv_sec, (int32_t)ts.tv_nsec};
		if (expires_in > 0) {
			a.req.has_expires_at = true;
			a.req.expires_at.seconds = now.seconds + expires_in;
			a.req.expires_at.nanos = now.nanos;
		}
		const baton_credential_issue_option *o = NULL;
		rc = baton__issue_check_request(d, &a.req, now, &o);
		if (rc)
			baton__error_prefix("issue credential (%s)", kind_flag_name(a.req.kind));
	}
	if (!rc)
		rc = baton__prov_run_call(&p, BATON__CALL_ISSUE_CREDENTIAL, t, invoke_issue, consume_issue, &a);
	status = rc ? baton__prov_failed(rc) : 0;
	baton__prov_free(&p);
	return status;
}
