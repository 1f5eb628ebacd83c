/*
 * Credential issuing (issue_credential, Go's CredentialIssuer): the capability and its details in
 * the capabilities JSON, the load-time checks of issue_details, and the hidden --issue-credential
 * one-shot run through baton_main() in a child process: the request checked before the connector
 * is called, the result after, the secret on stdout only encrypted to --secret-recipient.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"
#include "baton/connector.h"
#include "baton/sync.h"
#include "connector/connector.h"
#include "core/ctx.h"
#include "crypto/crypto.h"

static const char canary[] = "CANARY-issued-7a6b5c4d";
static const char *calls_file;

static int list_none(baton_ctx *ctx, const baton_resource_id *parent)
{
	(void)ctx;
	(void)parent;
	return 0;
}

static int delete_key(baton_ctx *ctx, const baton_resource_id *id, const baton_resource_id *parent)
{
	(void)ctx;
	(void)id;
	(void)parent;
	return 0;
}

/* Marks each call in a file, so the tests see whether the connector was reached. */
static void mark_call(void)
{
	FILE *f = calls_file ? fopen(calls_file, "a") : NULL;
	if (f) {
		fputs("x", f);
		fclose(f);
	}
}

static int issue(baton_ctx *ctx, const baton_credential_issue_request *req)
{
	mark_call();
	const char *mode = getenv("ISSUE_TEST_MODE");
	mode = mode ? mode : "";
	/* what the connector was asked, in the secret's description, for the test to check */
	char seen[256];
	snprintf(seen, sizeof(seen), "kind=%d scopes=%zu first=%s expiry=%d rid=%zu", (int)req->kind, req->n_scopes,
	         req->n_scopes ? req->scopes[0] : "-", req->has_expires_at, strlen(req->request_id));
	baton_resource_type *rt;
	baton_resource *r;
	baton_secret_trait *t;
	int rc = baton_resource_type_new(ctx, "API Key", NULL, 0, &rt);
	if (!rc)
		rc = baton_resource_type_set_id(rt, "api-key");
	if (!rc)
		rc = baton_secret_resource_new(ctx, "key", rt, "key-1", &r);
	if (!rc)
		rc = baton_resource_get_secret_trait(r, &t);
	baton_resource_id who = req->identity;
	if (!strcmp(mode, "wrong-identity"))
		who.resource = "mallory";
	if (!rc)
		rc = baton_secret_trait_set_identity_id(t, &who);
	if (!rc && req->has_expires_at) {
		baton_timestamp at = req->expires_at;
		if (!strcmp(mode, "late-expiry"))
			at.seconds += 10;
		rc = baton_secret_trait_set_expires_at(t, at);
	}
	if (!rc)
		rc = baton_ctx_issued_credential(ctx, r, BATON_CREDENTIAL_RESOURCE_MODE_VIRTUAL);
	if (!rc)
		rc = baton_ctx_emit_secret(ctx, "api_key", seen, (const uint8_t *)canary, strlen(canary));
	return rc;
}

static const baton_trait user_traits[] = {BATON_TRAIT_USER};
static const baton_trait secret_traits[] = {BATON_TRAIT_SECRET};
static const char *const scopes[] = {"read", "write"};
static const baton_key_profile profiles[] = {{"EC", 0, "P-256"}};
static const baton_credential_issue_option issue_opts[] = {
	{.option = BATON_CREDENTIAL_OPTION_API_KEY, .expiry_supported = true, .expiry_min_seconds = 60,
	 .expiry_max_seconds = 86400, .scopes = scopes, .n_scopes = 2,
	 .resource_mode = BATON_CREDENTIAL_RESOURCE_MODE_VIRTUAL, .secret_resource_type_id = "api-key"},
	{.option = BATON_CREDENTIAL_OPTION_KEYPAIR, .key_profiles = profiles, .n_key_profiles = 1,
	 .resource_mode = BATON_CREDENTIAL_RESOURCE_MODE_DISCOVERABLE, .secret_resource_type_id = "api-key"},
};
static baton_credential_issue_details issue_details = {issue_opts, 2, BATON_CREDENTIAL_OPTION_API_KEY};

static const baton_resource_syncer users = {
	.version = BATON_RESOURCE_SYNCER_VERSION,
	.name = "User",
	.traits = user_traits,
	.n_traits = 1,
	.list = list_none,
	.issue_credential = issue,
	.issue_details = &issue_details,
};
static baton_resource_syncer keys = {
	.version = BATON_RESOURCE_SYNCER_VERSION,
	.name = "API Key",
	.id = "api-key",
	.traits = secret_traits,
	.n_traits = 1,
	.list = list_none,
	.delete_resource = delete_key,
};
static const baton_resource_syncer *const types[] = {&users, &keys};
static const baton_connector issuer = {
	.version = BATON_CONNECTOR_VERSION,
	.display_name = "Issuer",
	.resource_types = types,
	.n_resource_types = 2,
};

/* ---- capabilities ---- */

static void test_capabilities(void **state)
{
	(void)state;
	baton_ctx ctx;
	baton__ctx_init(&ctx);
	char *json;
	assert_int_equal(baton__connector_capabilities_json(&issuer, &ctx, false, &json), 0);
	const char *want_user =
		"\"capabilities\":[\"CAPABILITY_SYNC\",\"CAPABILITY_CREDENTIAL_ISSUE\"],\"permissions\":{},"
		"\"credentialIssue\":{\"options\":[{\"option\":\"CAPABILITY_DETAIL_CREDENTIAL_OPTION_API_KEY\","
		"\"expiry\":{\"min\":\"60s\",\"max\":\"86400s\"},\"scopes\":[\"read\",\"write\"],"
		"\"resourceMode\":\"CREDENTIAL_RESOURCE_MODE_VIRTUAL\",\"secretResourceTypeId\":\"api-key\"},"
		"{\"option\":\"CAPABILITY_DETAIL_CREDENTIAL_OPTION_KEYPAIR\",\"keyProfiles\":[{\"kty\":\"EC\","
		"\"crv\":\"P-256\"}],\"resourceMode\":\"CREDENTIAL_RESOURCE_MODE_DISCOVERABLE\","
		"\"secretResourceTypeId\":\"api-key\"}],\"preferredOption\":\"CAPABILITY_DETAIL_CREDENTIAL_OPTION_API_KEY\"}";
	if (!strstr(json, want_user))
		fail_msg("capabilities: %s", json);
	assert_non_null(strstr(json, "\"connectorCapabilities\":[\"CAPABILITY_SYNC\",\"CAPABILITY_RESOURCE_DELETE\","
	                             "\"CAPABILITY_CREDENTIAL_ISSUE\"]"));
	/* for tests/interop/issue_test.go: the Go builder's capabilities of the same connector */
	char dir[4096], path[4200];
	snprintf(dir, sizeof(dir), "%s/interop", test_out_dir());
	mkdir(dir, 0700);
	snprintf(path, sizeof(path), "%s/issue-caps.json", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(json, f);
	assert_int_equal(fclose(f), 0);
	baton__ctx_release(&ctx);
}

/* Details Go's builder refuses are refused when the connector is loaded. */
static void test_bad_details(void **state)
{
	(void)state;
	baton__runtime rt;
	/* preferred not offered */
	issue_details.preferred = BATON_CREDENTIAL_OPTION_TOKEN;
	assert_int_equal(baton__runtime_build(&rt, &issuer), BATON_EINVALID);
	assert_non_null(strstr(baton_error_last()->message, "not part of the supported options"));
	issue_details.preferred = BATON_CREDENTIAL_OPTION_API_KEY;
	/* a keypair option needs a profile; an API key none */
	baton_credential_issue_option o[1] = {issue_opts[1]};
	o[0].n_key_profiles = 0;
	issue_details.options = o;
	issue_details.n_options = 1;
	issue_details.preferred = BATON_CREDENTIAL_OPTION_KEYPAIR;
	assert_int_equal(baton__runtime_build(&rt, &issuer), BATON_EINVALID);
	assert_non_null(strstr(baton_error_last()->message, "keypair options must advertise at least one key profile"));
	/* a bad RSA size */
	static const baton_key_profile rsa[] = {{"RSA", 1000, NULL}};
	o[0].key_profiles = rsa;
	o[0].n_key_profiles = 1;
	assert_int_equal(baton__runtime_build(&rt, &issuer), BATON_EINVALID);
	assert_non_null(strstr(baton_error_last()->message, "RSA modulus bits"));
	/* min above max */
	o[0] = issue_opts[0];
	o[0].expiry_min_seconds = 100000;
	issue_details.preferred = BATON_CREDENTIAL_OPTION_API_KEY;
	assert_int_equal(baton__runtime_build(&rt, &issuer), BATON_EINVALID);
	assert_non_null(strstr(baton_error_last()->message, "minimum must not exceed maximum"));
	/* the secret type must be deletable */
	o[0] = issue_opts[0];
	keys.delete_resource = NULL;
	assert_int_equal(baton__runtime_build(&rt, &issuer), BATON_EINVALID);
	assert_non_null(strstr(baton_error_last()->message, "without ResourceDeleterV2"));
	keys.delete_resource = delete_key;
	assert_int_equal(baton__runtime_build(&rt, &issuer), 0);
	baton__runtime_close(&rt);
	issue_details.options = issue_opts;
	issue_details.n_options = 2;
}

/* ---- the one-shot ---- */

typedef struct result {
	int status;
	char *out, *err;
	size_t out_len;
	size_t calls;
} result;

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		*len = 0;
		return strdup("");
	}
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *s = malloc((size_t)n + 1);
	assert_non_null(s);
	size_t got = fread(s, 1, (size_t)n, f);
	fclose(f);
	s[got] = '\0';
	*len = got;
	return s;
}

static void run_main(result *r, const char *mode, const char *const *args)
{
	char op[4096], ep[4096], cp[4096];
	snprintf(op, sizeof(op), "%s/issue-%ld.stdout", test_out_dir(), (long)getpid());
	snprintf(ep, sizeof(ep), "%s/issue-%ld.stderr", test_out_dir(), (long)getpid());
	snprintf(cp, sizeof(cp), "%s/issue-%ld.calls", test_out_dir(), (long)getpid());
	unlink(cp);
	char *argv[32];
	int argc = 0;
	argv[argc++] = (char *)"issuer";
	for (size_t i = 0; args[i] && argc < 31; i++)
		argv[argc++] = (char *)args[i];
	argv[argc] = NULL;
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int o = open(op, O_WRONLY | O_CREAT | O_TRUNC, 0600), e = open(ep, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (o < 0 || e < 0)
			_exit(126);
		dup2(o, 1);
		dup2(e, 2);
		calls_file = cp;
		setenv("ISSUE_TEST_MODE", mode, 1);
		int st = baton_main(argc, argv, &issuer);
		fflush(NULL);
		_exit(st);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		assert_int_equal(errno, EINTR);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	size_t el, cl;
	r->out = slurp(op, &r->out_len);
	r->err = slurp(ep, &el);
	free(slurp(cp, &cl));
	r->calls = cl;
	unlink(op);
	unlink(ep);
	unlink(cp);
}

static void result_free(result *r)
{
	free(r->out);
	free(r->err);
}

static void recipient(baton__age_identity *id, char rs[BATON__AGE_RECIPIENT_STRLEN])
{
	assert_int_equal(baton__age_identity_generate(id), 0);
	assert_int_equal(baton__age_recipient_format(id->pub, rs), 0);
}

static void test_issue_encrypted(void **state)
{
	(void)state;
	baton__age_identity id;
	char rs[BATON__AGE_RECIPIENT_STRLEN];
	recipient(&id, rs);
	result r;
	run_main(&r, "", (const char *const[]){"--issue-credential", "alice", "--issue-credential-type", "user",
	                                       "--issue-credential-scopes", "write", "--issue-credential-expires-in",
	                                       "3600", "--secret-recipient", rs, "--log-level", "debug", NULL});
	if (r.status != 0)
		fail_msg("exit %d: %s", r.status, r.err);
	assert_int_equal(r.calls, 1);
	assert_null(strstr(r.err, canary));
	assert_null(memmem(r.out, r.out_len, canary, strlen(canary)));
	assert_non_null(strstr(r.err, "credential issued"));
	assert_non_null(strstr(r.err, "key-1"));
	/* the connector saw the preferred kind (API key = 5), the scope, the expiry, a random request id */
	assert_non_null(strstr(r.err, "kind=5 scopes=1 first=write expiry=1 rid=32"));
	uint8_t *bin, *pt;
	size_t n, pn;
	assert_int_equal(baton__age_dearmor(r.out, r.out_len, &bin, &n), 0);
	assert_int_equal(baton__age_decrypt(&id, bin, n, &pt, &pn), 0);
	assert_int_equal(pn, strlen(canary));
	assert_memory_equal(pt, canary, pn);
	baton__wipe_free(pt, pn);
	free(bin);
	result_free(&r);
}

/* Refusals before the connector is called (nothing minted): exit status 2 or 3, no call. */
static void test_refused_before_call(void **state)
{
	(void)state;
	baton__age_identity id;
	char rs[BATON__AGE_RECIPIENT_STRLEN];
	recipient(&id, rs);
	static const struct {
		const char *args[12];
		const char *msg;
	} cases[] = {
		{{"--issue-credential", "alice", "--issue-credential-type", "user", NULL},
		 "at least one encryption config is required"},
		{{"--issue-credential", "alice", "--issue-credential-type", "user", "--issue-credential-scopes", "admin",
		  "--secret-recipient", "RS", NULL},
		 "scope \"admin\" is not advertised by connector"},
		{{"--issue-credential", "alice", "--issue-credential-type", "user", "--issue-credential-expires-in",
		  "999999", "--secret-recipient", "RS", NULL},
		 "requested expiry exceeds connector maximum"},
		{{"--issue-credential", "alice", "--issue-credential-type", "user", "--issue-credential-expires-in", "10",
		  "--secret-recipient", "RS", NULL},
		 "requested expiry is below connector minimum"},
		{{"--issue-credential", "alice", "--issue-credential-type", "user", "--issue-credential-option", "token",
		  "--secret-recipient", "RS", NULL},
		 "CAPABILITY_DETAIL_CREDENTIAL_OPTION_TOKEN is not advertised by connector"},
		{{"--issue-credential", "alice", "--issue-credential-type", "user", "--issue-credential-option", "keypair",
		  "--issue-credential-key-profile", "EC:P-384", "--secret-recipient", "RS", NULL},
		 "requested key generation profile is not advertised by connector"},
		{{"--issue-credential", "alice", "--issue-credential-type", "user", "--issue-credential-option", "keypair",
		  "--issue-credential-expires-in", "100", "--secret-recipient", "RS", NULL},
		 "connector does not support caller-selected expiry"},
		{{"--issue-credential", "alice", "--issue-credential-type", "user", "--issue-credential-request-id",
		  "no spaces", "--secret-recipient", "RS", NULL},
		 "request id must be 1..128 characters"},
		{{"--issue-credential", "alice", "--issue-credential-type", "api-key", "--secret-recipient", "RS", NULL},
		 "does not have credential issuer configured"},
		{{"--issue-credential", "alice", "--issue-credential-type", "user", "--issue-credential-option", "pgp",
		  "--secret-recipient", "RS", NULL},
		 "--issue-credential-option must be"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *args[13];
		size_t k = 0;
		for (; cases[i].args[k]; k++)
			args[k] = strcmp(cases[i].args[k], "RS") ? cases[i].args[k] : rs;
		args[k] = NULL;
		result r;
		run_main(&r, "", args);
		if (r.status == 0 || r.calls != 0 || !strstr(r.err, cases[i].msg))
			fail_msg("case %zu: exit %d, %zu calls, stderr: %s", i, r.status, r.calls, r.err);
		result_free(&r);
	}
}

/* A keypair with the advertised profile (the default one) reaches the connector. */
static void test_keypair_default_profile(void **state)
{
	(void)state;
	baton__age_identity id;
	char rs[BATON__AGE_RECIPIENT_STRLEN];
	recipient(&id, rs);
	result r;
	run_main(&r, "", (const char *const[]){"--issue-credential", "alice", "--issue-credential-type", "user",
	                                       "--issue-credential-option", "keypair", "--secret-recipient", rs, NULL});
	/* the connector answers VIRTUAL where the keypair option advertised DISCOVERABLE: refused after */
	assert_int_equal(r.calls, 1);
	assert_int_not_equal(r.status, 0);
	assert_non_null(strstr(r.err, "credential resource mode does not match advertised capability"));
	assert_int_equal(r.out_len, 0);
	result_free(&r);
}

/* What the connector hands back is checked; a bad result delivers nothing. */
static void test_bad_results(void **state)
{
	(void)state;
	baton__age_identity id;
	char rs[BATON__AGE_RECIPIENT_STRLEN];
	recipient(&id, rs);
	static const struct {
		const char *mode, *msg;
	} cases[] = {
		{"wrong-identity", "identity_id does not match authenticating principal"},
		{"late-expiry", "expires_at exceeds requested expiry"},
	};
	for (size_t i = 0; i < 2; i++) {
		result r;
		run_main(&r, cases[i].mode,
		         (const char *const[]){"--issue-credential", "alice", "--issue-credential-type", "user",
		                               "--issue-credential-expires-in", "600", "--secret-recipient", rs, NULL});
		if (r.status != 13 || r.calls != 1 || !strstr(r.err, cases[i].msg) || r.out_len)
			fail_msg("case %s: exit %d, %zu calls, stderr: %s", cases[i].mode, r.status, r.calls, r.err);
		assert_non_null(strstr(r.err, "connector returned invalid credential issuance output"));
		result_free(&r);
	}
}

int main(void)
{
	unsetenv("BATON_SECRET_RECIPIENT");
	unsetenv("BATON_LOG_LEVEL");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capabilities),
		cmocka_unit_test(test_bad_details),
		cmocka_unit_test(test_issue_encrypted),
		cmocka_unit_test(test_refused_before_call),
		cmocka_unit_test(test_keypair_default_profile),
		cmocka_unit_test(test_bad_results),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
