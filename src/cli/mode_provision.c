/*
 * The provisioning one-shots: grant, revoke, create account, create resource, delete resource,
 * rotate credentials (the Go SDK's pkg/provisioner flows, run in-process against the connector's
 * callbacks). Each one calls the connector once (retried on Unavailable / DeadlineExceeded like
 * the Go SDK's clients), reports the outcome as log records on stderr and returns the exit
 * status; a failure is one line on stderr. Grant and revoke read what they need from the c1z of a
 * previous sync (--file) and leave it unchanged. Secrets: see provision.h.
 */
#include "cli/modes.h"
#include "cli/provision.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "baton/store.h"
#include "connector/connector.h"
#include "core/error.h"
#include "core/log.h"
#include "crypto/crypto.h"
#include "sync/sync.h"
#include "types/types.h"
#include "c1/connector/v2/annotation_ratelimit.pb-c.h"

#define S BATON_FIELD_STRING
#define HIDDEN_CLI (BATON_FIELD_CLI_ONLY | BATON_FIELD_HIDDEN)

const baton_field baton__provision_fields[] = {
	{.name = "secret-recipient", .kind = S, .flags = HIDDEN_CLI,
	 .description = "libbaton: print the secrets that --create-account-* and --rotate-credentials produce on "
	                "stdout, as armored age files encrypted to this key: an age1... recipient, an ssh-ed25519 "
	                "public key, an Ed25519 JWK or PEM public key, or a file holding one (without it they are "
	                "discarded)"},
	/* credential issuing (mode_credentials.c); the Go SDK issues only through service-mode tasks */
	{.name = "issue-credential", .kind = S, .flags = HIDDEN_CLI,
	 .description = "libbaton: the id of the identity to issue a new credential for (needs --secret-recipient)"},
	{.name = "issue-credential-type", .kind = S, .flags = HIDDEN_CLI,
	 .description = "libbaton: the resource type of the identity to issue a credential for"},
	{.name = "issue-credential-option", .kind = S, .flags = HIDDEN_CLI,
	 .description = "libbaton: the kind of credential: api-key, keypair, token or client-secret (default: the "
	                "connector's preferred one)"},
	{.name = "issue-credential-scopes", .kind = BATON_FIELD_STRING_LIST, .flags = HIDDEN_CLI,
	 .description = "libbaton: scopes of the issued api key or token"},
	{.name = "issue-credential-audiences", .kind = BATON_FIELD_STRING_LIST, .flags = HIDDEN_CLI,
	 .description = "libbaton: audiences of the issued token"},
	{.name = "issue-credential-key-profile", .kind = S, .flags = HIDDEN_CLI,
	 .description = "libbaton: the key of an issued keypair as kty:parameter (RSA:2048, EC:P-256, OKP:Ed25519; "
	                "default: the connector's first)"},
	{.name = "issue-credential-expires-in", .kind = BATON_FIELD_INT, .flags = HIDDEN_CLI,
	 .description = "libbaton: the issued credential must expire within this many seconds (0: no expiry asked)"},
	{.name = "issue-credential-request-id", .kind = S, .flags = HIDDEN_CLI,
	 .description = "libbaton: the idempotency key of the issuance, 1..128 of [A-Za-z0-9_-] (default: random)"},
};
const size_t baton__n_provision_fields = sizeof(baton__provision_fields) / sizeof(baton__provision_fields[0]);

/* The password the one-shots ask for, as the Go SDK's provisioner does. */
#define ONESHOT_PASSWORD_LENGTH 20
/* A recipient file is a key, not a document. */
#define MAX_RECIPIENT_FILE (64 * 1024)

typedef baton__prov prov;

/* ------------------------------------------------------------------------------------------ */
/* Reporting                                                                                   */

/* A usage problem: one line, exit 2 (the Go SDK's exit status for flag and validation errors). */
static int usage_error(const char *fmt, ...) BATON_PRINTF(1, 2);
static int usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 2;
}

/* A failed call: its message as one line, and the exit status of its code. */
static int failed(int rc)
{
	const baton_error *e = baton_error_last();
	fprintf(stderr, "%s\n", e->code != BATON_OK && e->message[0] ? e->message : "unknown error");
	return baton__exit_status(rc < 0 ? rc : BATON_EUNKNOWN);
}

static const char *str(prov *p, const char *name)
{
	return baton__cli_string(p->env->cli, name);
}

/* ------------------------------------------------------------------------------------------ */
/* Setup                                                                                       */

static void prov_init(prov *p, baton__cli_env *env, const char *op)
{
	memset(p, 0, sizeof(*p));
	p->env = env;
	p->op = op;
	baton__ctx_init(&p->data);
	baton__ctx_init(&p->cctx);
}

static void prov_free(prov *p)
{
	baton__call_free(&p->call);
	if (p->store)
		baton_store_discard(p->store);
	if (p->rt_open)
		baton__runtime_close(&p->rt);
	baton__ctx_release(&p->cctx);
	baton__ctx_release(&p->data);
	baton__wipe(&p->recipient, sizeof(p->recipient));
}

static int open_connector(prov *p)
{
	int rc = baton__runtime_open(&p->rt, p->env->connector);
	if (rc == 0)
		p->rt_open = true;
	return rc;
}

/* Reads the file a recipient may be given in: at most 64 KiB of text. */
static int read_recipient_file(const char *path, char **out)
{
	*out = NULL;
	FILE *f = fopen(path, "rb");
	if (!f)
		return BATON_ENOTFOUND;
	char *text = malloc(MAX_RECIPIENT_FILE + 1);
	if (!text) {
		fclose(f);
		return baton__error_oom("recipient file");
	}
	size_t n = fread(text, 1, MAX_RECIPIENT_FILE + 1, f);
	bool err = ferror(f) != 0;
	fclose(f);
	if (err || n > MAX_RECIPIENT_FILE) {
		free(text);
		return baton_error_set(BATON_EINVALID, "%s: %s", path, err ? "cannot be read" : "too large for a public key");
	}
	text[n] = '\0';
	*out = text;
	return 0;
}

/*
 * The user's key for secrets, from --secret-recipient (or $BATON_SECRET_RECIPIENT when the flag
 * table does not have it), else the file named by --credential-public-key. Parsed before the
 * connector is called, so that a typo never costs a rotated credential.
 */
static int load_recipient(prov *p)
{
	const char *v = str(p, "secret-recipient");
	const char *flag = "--secret-recipient";
	if (!*v && !baton__cli_flag(p->env->cli, "secret-recipient")) {
		const char *e = getenv("BATON_SECRET_RECIPIENT");
		v = e ? e : "";
	}
	bool must_be_file = false;
	if (!*v && *(v = str(p, "credential-public-key"))) {
		flag = "--credential-public-key";
		must_be_file = true;
	}
	if (!*v)
		return 0;
	int rc;
	char *text = NULL;
	bool looks_inline = !strncmp(v, "age1", 4) || v[0] == '{' || !strncmp(v, "ssh-ed25519 ", 12) ||
	                    !strncmp(v, "-----BEGIN", 10);
	if (must_be_file || !looks_inline) {
		rc = read_recipient_file(v, &text);
		if (rc == BATON_ENOTFOUND)
			return baton_error_set(BATON_EINVALID, "%s: %s is %s", flag, v,
			                       must_be_file ? "not a readable file"
			                                    : "neither a public key (age1..., ssh-ed25519, JWK, PEM) nor a "
			                                      "readable file");
		if (rc)
			return baton__error_prefix("%s", flag);
		rc = baton__age_recipient_parse_any(text, &p->recipient);
		free(text);
	} else {
		rc = baton__age_recipient_parse_any(v, &p->recipient);
	}
	if (rc)
		return baton__error_prefix("%s", flag);
	if ((rc = baton__age_recipient_key_id(&p->recipient, p->key_id)))
		return rc;
	p->have_recipient = true;
	return 0;
}

/* The c1z of a previous sync, read-only: it must exist (the Go SDK would create an empty one and
 * then fail to find anything in it). */
static int open_c1z(prov *p)
{
	p->c1z = str(p, "file");
	if (!*p->c1z)
		p->c1z = "sync.c1z";
	struct stat st;
	if (stat(p->c1z, &st) != 0 || st.st_size == 0)
		return baton_error_set(BATON_EPRECONDITION, "%s: %s does not exist or is empty: run a sync into it "
		                       "first", p->op, p->c1z);
	baton_store_options o = BATON_STORE_OPTIONS_INIT;
	o.read_only = true;
	const char *tmp = str(p, "c1z-temp-dir");
	o.tmp_dir = *tmp ? tmp : NULL;
	int rc = baton_store_open(p->c1z, &o, &p->store);
	if (rc)
		return baton__error_prefix("%s", p->op);
	return 0;
}

static int load_entitlement(prov *p, const char *id, baton_entitlement **out)
{
	int rc = baton_store_get_entitlement(p->store, NULL, id, &p->data, out);
	if (rc == BATON_ENOTFOUND)
		return baton_error_set(rc, "%s: entitlement '%s' not found in %s", p->op, id, p->c1z);
	return rc ? baton__error_prefix("%s: reading entitlement '%s'", p->op, id) : 0;
}

static int load_resource(prov *p, const char *what, baton_resource_id id, baton_resource **out)
{
	int rc = baton_store_get_resource(p->store, NULL, &id, &p->data, out);
	if (rc == BATON_ENOTFOUND)
		return baton_error_set(rc, "%s: %s '%s' of type '%s' not found in %s", p->op, what, id.resource,
		                       id.resource_type, p->c1z);
	return rc ? baton__error_prefix("%s: reading %s '%s'", p->op, what, id.resource) : 0;
}

/* Gives the entitlement its whole resource (the store's copy may hold a stub). */
static void hydrate(baton_entitlement *e, baton_resource *r)
{
	e->resource = r;
	e->msg->resource = r->msg;
}

static int refuse_external(prov *p, baton_resource *r, const char *what)
{
	if (baton_annotations_contains(baton_resource_annotations(r), "c1.connector.v2.BatonID"))
		return baton_error_set(BATON_EPRECONDITION, "%s: cannot %s on external resource", p->op, what);
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Calling the connector                                                                       */

typedef baton__prov_invoke_fn invoke_fn;
typedef baton__prov_consume_fn consume_fn;

/*
 * Runs one callback: up to 3 retries on Unavailable / DeadlineExceeded, 15 s apart growing
 * linearly up to 60 s, or as a RateLimitDescription in the response asks (the Go SDK's provisioning
 * client). `consume` reads the call's results before they are released.
 */
static int run_call(prov *p, baton__call_kind kind, const baton__rtype *t, invoke_fn invoke, consume_fn consume,
                    void *arg)
{
	baton__retryer r = {0, 3, 15000, 60000, 0};
	for (;;) {
		baton__call_begin(&p->call, &p->cctx, &p->rt, kind, t->rt, "");
		baton_error_clear();
		int rc = invoke(p, t, arg);
		baton__ratelimit rl;
		memset(&rl, 0, sizeof(rl));
		if (rc) {
			if (rc > 0 || baton_error_last()->code == BATON_OK)
				baton_error_set(rc < 0 ? rc : BATON_EUNKNOWN, "the connector failed without a message");
			else if (baton_error_last()->code != rc)
				baton_error_set(rc, "%s", baton_error_last()->message);
			if (rc > 0)
				rc = BATON_EUNKNOWN;
			if (p->call.annotations_ready) {
				baton_error saved = *baton_error_last();
				C1__Connector__V2__RateLimitDescription *d = NULL;
				if (baton__annotations_pick(&p->call.annotations,
				                            &c1__connector__v2__rate_limit_description__descriptor,
				                            (ProtobufCMessage **)&d) > 0 && d && d->reset_at) {
					rl.has_reset = true;
					rl.reset_ms = d->reset_at->seconds * 1000 + d->reset_at->nanos / 1000000;
					rl.remaining = d->remaining;
				}
				baton_error_set(saved.code, "%s", saved.message);
			}
			baton__error_prefix("%s failed", p->op);
		} else if (consume) {
			rc = consume(p, arg);
		}
		/* what the connector built for a secret (a generated password) is in the callback's
		 * memory too: zero it before it is reused or freed */
		if (kind == BATON__CALL_CREATE_ACCOUNT || kind == BATON__CALL_ROTATE || kind == BATON__CALL_ISSUE_CREDENTIAL)
			baton_arena_wipe(&p->cctx.arena);
		baton__call_end(&p->call, &p->cctx);
		if (rc == 0)
			return 0;
		/* an issuance that failed may still have minted a credential: never repeated (as Go) */
		if (kind == BATON__CALL_ISSUE_CREDENTIAL)
			return rc;
		if (!baton__retry_should(&r, rc, &rl, p->op, NULL))
			return rc;
	}
}

static bool response_has(prov *p, const char *message_name)
{
	return p->call.annotations_ready && baton_annotations_contains(&p->call.annotations, message_name);
}

/* The credential the one-shots ask for: a random password of 20 characters, as the Go SDK asks
 * whatever the connector offers, unless the connector cannot make one and can do without. */
static void oneshot_credentials(const baton_credential_details *d, baton_credential_options *o)
{
	memset(o, 0, sizeof(*o));
	o->kind = BATON_CREDENTIAL_OPTION_RANDOM_PASSWORD;
	o->password_length = ONESHOT_PASSWORD_LENGTH;
	if (!d || !d->supported)
		return;
	bool random = false, none = false;
	for (size_t i = 0; i < d->n_supported; i++) {
		random |= d->supported[i] == BATON_CREDENTIAL_OPTION_RANDOM_PASSWORD;
		none |= d->supported[i] == BATON_CREDENTIAL_OPTION_NO_PASSWORD;
	}
	if (!random && none) {
		o->kind = BATON_CREDENTIAL_OPTION_NO_PASSWORD;
		o->password_length = 0;
	}
}

/*
 * The secrets of the call (create account, rotate): each one encrypted as an age file, to the
 * user's key and printed armored on stdout, or to a throw-away key that is discarded. Only names
 * and sizes are logged. The plaintexts are wiped by baton__call_end().
 */
static int deliver_secrets(prov *p)
{
	baton__call *c = &p->call;
	for (size_t i = 0; i < c->n_secrets; i++) {
		const baton__secret *s = &c->secrets[i];
		baton__age_recipient throwaway;
		const baton__age_recipient *r = &p->recipient;
		char idx[24];
		snprintf(idx, sizeof(idx), "%zu", i);
		if (!p->have_recipient) {
			baton__age_identity id;
			int rc = baton__age_identity_generate(&id);
			memset(&throwaway, 0, sizeof(throwaway));
			throwaway.kind = BATON__AGE_X25519;
			memcpy(throwaway.pub, id.pub, sizeof(id.pub));
			baton__wipe(&id, sizeof(id));
			if (rc)
				return baton__error_prefix("%s: encrypting secret '%s'", p->op, s->name);
			r = &throwaway;
		}
		uint8_t *ct = NULL;
		size_t n = 0;
		char *armored = NULL;
		int rc = baton__age_encrypt(r, s->bytes, s->len, &ct, &n);
		if (!rc && p->have_recipient) {
			rc = baton__age_armor(ct, n, &armored);
			if (!rc && (fputs(armored, stdout) == EOF || fflush(stdout) == EOF))
				rc = baton_error_set(BATON_EUNAVAILABLE, "writing to stdout failed");
		}
		free(ct);
		free(armored);
		if (rc)
			return baton__error_prefix("%s: encrypting secret '%s'", p->op, s->name);
		if (p->have_recipient)
			baton__log(BATON_LOG_INFO, "secret printed on stdout, encrypted to the recipient", "name", s->name,
			           "description", s->description, "#index", idx, "key_id", p->key_id, NULL);
		else
			baton__log(BATON_LOG_WARN, "secret not shown: it was encrypted to a throw-away key and discarded "
			           "(use --secret-recipient to receive it)", "name", s->name, "description", s->description,
			           "#index", idx, NULL);
	}
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Grant                                                                                       */

typedef struct grant_args {
	baton_resource *principal;
	baton_entitlement *entitlement;
} grant_args;

static int invoke_grant(prov *p, const baton__rtype *t, void *arg)
{
	grant_args *a = arg;
	return t->syncer->grant(&p->cctx, a->principal, a->entitlement);
}

static int consume_grant(prov *p, void *arg)
{
	grant_args *a = arg;
	baton_resource_id pid = baton_resource_get_id(a->principal);
	char n[24];
	snprintf(n, sizeof(n), "%zu", p->call.n_items);
	if (response_has(p, "c1.connector.v2.GrantAlreadyExists"))
		baton__log(BATON_LOG_INFO, "already granted", "entitlement_id", baton_entitlement_id(a->entitlement),
		           "principal_type", pid.resource_type, "principal_id", pid.resource, NULL);
	else
		baton__log(BATON_LOG_INFO, "granted", "entitlement_id", baton_entitlement_id(a->entitlement),
		           "principal_type", pid.resource_type, "principal_id", pid.resource, "#grants", n, NULL);
	return 0;
}

int baton__mode_grant(baton__cli_env *env)
{
	prov p;
	prov_init(&p, env, "grant");
	const char *eid = str(&p, "grant-entitlement"), *pid = str(&p, "grant-principal"),
	           *ptype = str(&p, "grant-principal-type");
	if (!*eid || !*pid || !*ptype) {
		prov_free(&p);
		return usage_error("--grant-entitlement needs --grant-principal and --grant-principal-type");
	}
	grant_args a = {NULL, NULL};
	baton_resource *er = NULL;
	const baton__rtype *t = NULL;
	int rc = open_c1z(&p);
	if (!rc)
		rc = load_entitlement(&p, eid, &a.entitlement);
	if (!rc) {
		baton_resource *stub = baton_entitlement_resource(a.entitlement);
		if (!stub)
			rc = baton_error_set(BATON_EDATALOSS, "grant: entitlement '%s' has no resource", eid);
		else
			rc = load_resource(&p, "resource", baton_resource_get_id(stub), &er);
	}
	if (!rc)
		rc = refuse_external(&p, er, "grant entitlement");
	if (!rc)
		rc = load_resource(&p, "principal", (baton_resource_id){ptype, pid}, &a.principal);
	if (!rc)
		rc = open_connector(&p);
	if (!rc) {
		hydrate(a.entitlement, er);
		const char *type = baton_resource_get_id(er).resource_type;
		t = baton__runtime_find(&p.rt, type);
		if (!t || !t->syncer->grant)
			rc = baton_error_set(BATON_EUNIMPLEMENTED, "grant: resource type %s does not have provisioner "
			                     "configured", type);
	}
	if (!rc)
		rc = run_call(&p, BATON__CALL_GRANT, t, invoke_grant, consume_grant, &a);
	int status = rc ? failed(rc) : 0;
	prov_free(&p);
	return status;
}

/* ------------------------------------------------------------------------------------------ */
/* Revoke                                                                                      */

static int invoke_revoke(prov *p, const baton__rtype *t, void *arg)
{
	return t->syncer->revoke(&p->cctx, arg);
}

static int consume_revoke(prov *p, void *arg)
{
	baton_grant *g = arg;
	baton__log(BATON_LOG_INFO, response_has(p, "c1.connector.v2.GrantAlreadyRevoked") ? "already revoked" : "revoked",
	           "grant_id", baton_grant_id(g), NULL);
	return 0;
}

int baton__mode_revoke(baton__cli_env *env)
{
	prov p;
	prov_init(&p, env, "revoke");
	const char *gid = str(&p, "revoke-grant");
	if (!*gid) {
		prov_free(&p);
		return usage_error("--revoke-grant needs the id of a grant");
	}
	baton_grant *g = NULL;
	baton_entitlement *e = NULL;
	baton_resource *principal = NULL, *er = NULL;
	const baton__rtype *t = NULL;
	int rc = open_c1z(&p);
	if (!rc) {
		rc = baton_store_get_grant(p.store, NULL, gid, &p.data, &g);
		if (rc == BATON_ENOTFOUND)
			rc = baton_error_set(rc, "revoke: grant '%s' not found in %s", gid, p.c1z);
		else if (rc)
			rc = baton__error_prefix("revoke: reading grant '%s'", gid);
	}
	if (!rc)
		rc = load_entitlement(&p, baton_grant_entitlement_id(g), &e);
	if (!rc)
		rc = load_resource(&p, "principal", baton_grant_principal_id(g), &principal);
	if (!rc) {
		baton_resource *stub = baton_entitlement_resource(e);
		if (!stub)
			rc = baton_error_set(BATON_EDATALOSS, "revoke: entitlement '%s' has no resource", baton_entitlement_id(e));
		else
			rc = load_resource(&p, "resource", baton_resource_get_id(stub), &er);
	}
	if (!rc)
		rc = refuse_external(&p, er, "revoke grant");
	if (!rc)
		rc = open_connector(&p);
	if (!rc) {
		/* {id, entitlement with its resource, principal, the grant's annotations}; the store keeps
		 * GrantExpandable apart from the grant's bytes, and the Go SDK's reader does not put it back */
		hydrate(e, er);
		g->entitlement = e;
		g->msg->entitlement = e->msg;
		g->principal = principal;
		g->msg->principal = principal->msg;
		baton_annotations_remove(baton_grant_annotations(g), "c1.connector.v2.GrantExpandable");
		const char *type = baton_resource_get_id(er).resource_type;
		t = baton__runtime_find(&p.rt, type);
		if (!t || !t->syncer->revoke)
			rc = baton_error_set(BATON_EUNIMPLEMENTED, "revoke: resource type %s does not have provisioner "
			                     "configured", type);
	}
	if (!rc)
		rc = run_call(&p, BATON__CALL_REVOKE, t, invoke_revoke, consume_revoke, g);
	int status = rc ? failed(rc) : 0;
	prov_free(&p);
	return status;
}

/* ------------------------------------------------------------------------------------------ */
/* Create account                                                                              */

typedef struct account_args {
	baton_account_info info;
	const char *email;
	baton_credential_options opts;
	const char *type;
} account_args;

static int invoke_create_account(prov *p, const baton__rtype *t, void *arg)
{
	account_args *a = arg;
	return t->syncer->create_account(&p->cctx, &a->info, &a->opts);
}

static int consume_create_account(prov *p, void *arg)
{
	account_args *a = arg;
	baton__call *c = &p->call;
	if (!c->has_account_result)
		return baton_error_set(BATON_EUNIMPLEMENTED, "create account: the connector reported no result "
		                       "(baton_ctx_account_result)");
	baton_resource_id id = {"", ""};
	if (c->account)
		id = baton_resource_get_id(c->account);
	const char *msg = "account created";
	switch (c->account_result) {
	case BATON_ACCOUNT_CREATED: msg = "account created"; break;
	case BATON_ACCOUNT_ACTION_REQUIRED: msg = "account creation needs action"; break;
	case BATON_ACCOUNT_ALREADY_EXISTS: msg = "account already exists"; break;
	case BATON_ACCOUNT_IN_PROGRESS: msg = "account creation in progress"; break;
	}
	baton__log(BATON_LOG_DEBUG, "create account", "login", a->info.login ? a->info.login : "", "email", a->email,
	           "resource_type", a->type, NULL);
	if (c->account_message && *c->account_message)
		baton__log(BATON_LOG_INFO, msg, "resource_type", id.resource_type, "resource_id", id.resource, "message",
		           c->account_message, NULL);
	else
		baton__log(BATON_LOG_INFO, msg, "resource_type", id.resource_type, "resource_id", id.resource, NULL);
	return deliver_secrets(p);
}

/* The account manager for --create-account-resource-type (the Go SDK's routing). */
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
		return baton_error_set(BATON_EUNIMPLEMENTED, "create account: connector does not have account manager "
		                       "configured");
	if (!*type) {
		if (n == 1) {
			*out = only;
			return 0;
		}
		const baton__rtype *u = baton__runtime_find(&p->rt, "user");
		if (!u || !u->syncer->create_account)
			return baton_error_set(BATON_EUNIMPLEMENTED, "create account: connector has multiple account managers "
			                       "configured, but no resource type specified, and no default account manager "
			                       "configured");
		*out = u;
		return 0;
	}
	const baton__rtype *t = baton__runtime_find(&p->rt, type);
	if (!t || !t->syncer->create_account)
		return baton_error_set(BATON_EUNIMPLEMENTED, "create account: connector does not have account manager "
		                       "configured for resource type: %s", type);
	*out = t;
	return 0;
}

int baton__mode_create_account(baton__cli_env *env)
{
	prov p;
	prov_init(&p, env, "create account");
	const char *login = str(&p, "create-account-login"), *email = str(&p, "create-account-email"),
	           *ptext = str(&p, "create-account-profile");
	account_args a;
	memset(&a, 0, sizeof(a));
	a.type = str(&p, "create-account-resource-type");
	json_t *profile = NULL;
	if (*ptext) {
		/* the given object, with login and email added when it has none */
		json_error_t jerr;
		profile = json_loads(ptext, JSON_REJECT_DUPLICATES, &jerr);
		if (!json_is_object(profile)) {
			json_decref(profile);
			prov_free(&p);
			return usage_error("create-account-profile is empty or incorrectly formatted: %s", ptext);
		}
		if (*login && !json_object_get(profile, "login"))
			json_object_set_new(profile, "login", json_string(login));
		if (*email && !json_object_get(profile, "email"))
			json_object_set_new(profile, "email", json_string(email));
		const char *l = json_string_value(json_object_get(profile, "login"));
		const char *m = json_string_value(json_object_get(profile, "email"));
		login = l ? l : "";
		email = m ? m : "";
	} else if (*login) {
		profile = json_pack("{s:s, s:s}", "login", login, "email", email);
	} else {
		prov_free(&p);
		return usage_error("--create-account-login or --create-account-profile is required to create an account");
	}
	char *profile_json = profile ? json_dumps(profile, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	const char *emails[1] = {email};
	a.info.login = login;
	a.info.emails = *email ? emails : NULL;
	a.info.n_emails = *email ? 1 : 0;
	a.info.profile_json = profile_json;
	a.email = email;
	const baton__rtype *t = NULL;
	int rc = profile_json ? 0 : baton__error_oom("account profile");
	if (!rc)
		rc = load_recipient(&p);
	if (!rc)
		rc = open_connector(&p);
	if (!rc)
		rc = account_manager(&p, a.type, &t);
	if (!rc) {
		oneshot_credentials(t->syncer->create_account_details, &a.opts);
		rc = run_call(&p, BATON__CALL_CREATE_ACCOUNT, t, invoke_create_account, consume_create_account, &a);
	}
	int status = rc ? failed(rc) : 0;
	free(profile_json);
	json_decref(profile);
	prov_free(&p);
	return status;
}

/* ------------------------------------------------------------------------------------------ */
/* Rotate credentials                                                                          */

typedef struct rotate_args {
	baton_resource_id id;
	baton_credential_options opts;
} rotate_args;

static int invoke_rotate(prov *p, const baton__rtype *t, void *arg)
{
	rotate_args *a = arg;
	return t->syncer->rotate_credentials(&p->cctx, &a->id, &a->opts);
}

static int consume_rotate(prov *p, void *arg)
{
	rotate_args *a = arg;
	baton__log(BATON_LOG_INFO, "credentials rotated", "resource_type", a->id.resource_type, "resource_id",
	           a->id.resource, NULL);
	return deliver_secrets(p);
}

int baton__mode_rotate_credentials(baton__cli_env *env)
{
	prov p;
	prov_init(&p, env, "rotate credentials");
	rotate_args a;
	memset(&a, 0, sizeof(a));
	a.id.resource = str(&p, "rotate-credentials");
	a.id.resource_type = str(&p, "rotate-credentials-type");
	if (!*a.id.resource || !*a.id.resource_type) {
		prov_free(&p);
		return usage_error("--rotate-credentials needs --rotate-credentials-type");
	}
	const baton__rtype *t = NULL;
	int rc = load_recipient(&p);
	if (!rc)
		rc = open_connector(&p);
	if (!rc) {
		t = baton__runtime_find(&p.rt, a.id.resource_type);
		if (!t || !t->syncer->rotate_credentials)
			rc = baton_error_set(BATON_EUNIMPLEMENTED, "rotate credentials: resource type %s does not have "
			                     "credential manager configured", a.id.resource_type);
	}
	if (!rc) {
		oneshot_credentials(t->syncer->rotate_details, &a.opts);
		rc = run_call(&p, BATON__CALL_ROTATE, t, invoke_rotate, consume_rotate, &a);
	}
	int status = rc ? failed(rc) : 0;
	prov_free(&p);
	return status;
}

/* ------------------------------------------------------------------------------------------ */
/* Delete resource                                                                             */

static int invoke_delete(prov *p, const baton__rtype *t, void *arg)
{
	/* no parent, as the Go SDK's one-shot (its V1 DeleteResource call) */
	return t->syncer->delete_resource(&p->cctx, arg, NULL);
}

static int consume_delete(prov *p, void *arg)
{
	baton_resource_id *id = arg;
	(void)p;
	baton__log(BATON_LOG_INFO, "resource deleted", "resource_type", id->resource_type, "resource_id", id->resource,
	           NULL);
	return 0;
}

int baton__mode_delete_resource(baton__cli_env *env)
{
	prov p;
	prov_init(&p, env, "delete resource");
	baton_resource_id id = {str(&p, "delete-resource-type"), str(&p, "delete-resource")};
	if (!*id.resource || !*id.resource_type) {
		prov_free(&p);
		return usage_error("--delete-resource needs --delete-resource-type");
	}
	const baton__rtype *t = NULL;
	int rc = open_connector(&p);
	if (!rc) {
		t = baton__runtime_find(&p.rt, id.resource_type);
		if (!t || !t->syncer->delete_resource)
			rc = baton_error_set(BATON_EUNIMPLEMENTED, "delete resource: resource type %s does not have resource "
			                     "Delete() configured", id.resource_type);
	}
	if (!rc)
		rc = run_call(&p, BATON__CALL_DELETE_RESOURCE, t, invoke_delete, consume_delete, &id);
	int status = rc ? failed(rc) : 0;
	prov_free(&p);
	return status;
}

/* ------------------------------------------------------------------------------------------ */
/* Create resource (libbaton's own one-shot: the Go SDK has the RPC but no flag)                */

static int invoke_create_resource(prov *p, const baton__rtype *t, void *arg)
{
	return t->syncer->create_resource(&p->cctx, arg);
}

static int consume_create_resource(prov *p, void *arg)
{
	(void)arg;
	if (p->call.n_items == 0) {
		baton__log(BATON_LOG_INFO, "resource created", NULL);
		return 0;
	}
	baton_resource *r = p->call.items[0];
	baton_resource_id id = baton_resource_get_id(r);
	baton__log(BATON_LOG_INFO, "resource created", "resource_type", id.resource_type, "resource_id", id.resource,
	           "display_name", baton_resource_display_name(r), NULL);
	return 0;
}

static C1__Connector__V2__ResourceId *id_msg(baton_ctx *ctx, const char *type, const char *id)
{
	C1__Connector__V2__ResourceId *m = baton_ctx_alloc(ctx, sizeof(*m));
	if (!m)
		return NULL;
	c1__connector__v2__resource_id__init(m);
	m->resource_type = baton_ctx_strdup(ctx, type);
	m->resource = baton_ctx_strdup(ctx, id);
	return m->resource_type && m->resource ? m : NULL;
}

int baton__mode_create_resource(baton__cli_env *env)
{
	prov p;
	prov_init(&p, env, "create resource");
	const char *name = str(&p, "create-resource"), *type = str(&p, "create-resource-type"),
	           *parent = str(&p, "create-resource-parent");
	if (!*name || !*type) {
		prov_free(&p);
		return usage_error("--create-resource (the display name) and --create-resource-type go together");
	}
	char *ref[4] = {NULL, NULL, NULL, NULL};
	if (*parent && (baton__parse_resource_ref(parent, ref) || ref[2])) {
		for (int i = 0; i < 4; i++)
			free(ref[i]);
		prov_free(&p);
		return usage_error("--create-resource-parent: '%s' is not a resource reference (type/id)", parent);
	}
	/* a resource with only its type in its id: the connector assigns the id */
	C1__Connector__V2__Resource *m = baton_ctx_alloc(&p.data, sizeof(*m));
	baton_resource *r = NULL;
	int rc = 0;
	if (m) {
		c1__connector__v2__resource__init(m);
		m->id = id_msg(&p.data, type, "");
		m->display_name = baton_ctx_strdup(&p.data, name);
		if (ref[0])
			m->parent_resource_id = id_msg(&p.data, ref[0], ref[1]);
	}
	if (!m || !m->id || !m->display_name || (ref[0] && !m->parent_resource_id))
		rc = baton__error_oom("resource");
	for (int i = 0; i < 4; i++)
		free(ref[i]);
	if (!rc)
		rc = baton__resource_wrap(&p.data, m, &r);
	const baton__rtype *t = NULL;
	if (!rc)
		rc = open_connector(&p);
	if (!rc) {
		t = baton__runtime_find(&p.rt, type);
		if (!t || !t->syncer->create_resource)
			rc = baton_error_set(BATON_EUNIMPLEMENTED, "create resource: resource type %s does not have resource "
			                     "Create() configured", type);
	}
	if (!rc)
		rc = run_call(&p, BATON__CALL_CREATE_RESOURCE, t, invoke_create_resource, consume_create_resource, r);
	int status = rc ? failed(rc) : 0;
	prov_free(&p);
	return status;
}

/* ------------------------------------------------------------------------------------------ */
/* The steps, for the one-shots in other files (provision.h)                                  */

void baton__prov_init(prov *p, baton__cli_env *env, const char *op) { prov_init(p, env, op); }
void baton__prov_free(prov *p) { prov_free(p); }
int baton__prov_open_connector(prov *p) { return open_connector(p); }
int baton__prov_load_recipient(prov *p) { return load_recipient(p); }
int baton__prov_run_call(prov *p, baton__call_kind kind, const baton__rtype *t, invoke_fn invoke, consume_fn consume,
                         void *arg)
{
	return run_call(p, kind, t, invoke, consume, arg);
}
int baton__prov_deliver_secrets(prov *p) { return deliver_secrets(p); }
int baton__prov_failed(int rc) { return failed(rc); }
int baton__prov_usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 2;
}
