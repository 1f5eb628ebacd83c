/*
 * Secrets never in clear, with a secret known in advance: a tiny connector whose create_account
 * and rotate_credentials hand the SDK a canary, run through baton_main() in a child process (as a
 * connector program would be) at debug level, in both log formats. Without a recipient the canary
 * is on neither stream and stdout is empty; with one, stdout decrypts to exactly the canary and
 * stderr still does not hold it.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"
#include "baton/connector.h"
#include "baton/sync.h"
#include "crypto/crypto.h"

static const char canary[] = "CANARY-9f8e7d6c5b4a-secret";

static int list_users(baton_ctx *ctx, const baton_resource_id *parent)
{
	(void)ctx;
	(void)parent;
	return 0;
}

static int create_account(baton_ctx *ctx, const baton_account_info *info, const baton_credential_options *opts)
{
	baton_resource *r;
	int rc;
	(void)opts;
	baton_ctx_log(ctx, BATON_LOG_DEBUG, "creating %s", info->login);
	if ((rc = baton_user_resource_new(ctx, info->login, baton_ctx_resource_type(ctx), info->login, &r)) ||
	    (rc = baton_ctx_emit_secret(ctx, "password", "canary", (const uint8_t *)canary, strlen(canary))) ||
	    (rc = baton_ctx_emit_secret(ctx, "api-key", "canary again", (const uint8_t *)canary, strlen(canary))))
		return rc;
	return baton_ctx_account_result(ctx, BATON_ACCOUNT_CREATED, r, NULL);
}

static int rotate(baton_ctx *ctx, const baton_resource_id *id, const baton_credential_options *opts)
{
	(void)id;
	if (opts->kind != BATON_CREDENTIAL_OPTION_RANDOM_PASSWORD || opts->password_length != 20)
		return baton_error_set(BATON_EINVALID, "want a random password of 20");
	return baton_ctx_emit_secret(ctx, "password", "canary", (const uint8_t *)canary, strlen(canary));
}

static const baton_trait user_traits[] = {BATON_TRAIT_USER};
static const baton_credential_option options[] = {BATON_CREDENTIAL_OPTION_RANDOM_PASSWORD};
static const baton_credential_details details = {options, 1, BATON_CREDENTIAL_OPTION_RANDOM_PASSWORD};
static const baton_resource_syncer users = {
	.version = BATON_RESOURCE_SYNCER_VERSION,
	.name = "User",
	.traits = user_traits,
	.n_traits = 1,
	.list = list_users,
	.create_account = create_account,
	.create_account_details = &details,
	.rotate_credentials = rotate,
	.rotate_details = &details,
};
static const baton_resource_syncer *const types[] = {&users};
static const baton_connector canary_connector = {
	.version = BATON_CONNECTOR_VERSION,
	.display_name = "Canary",
	.resource_types = types,
	.n_resource_types = 1,
};

typedef struct result {
	int status;
	char *out, *err;
	size_t out_len;
} result;

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
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

static void run_main(result *r, const char *const *args)
{
	char op[4096], ep[4096];
	snprintf(op, sizeof(op), "%s/prov-secrets-%ld.stdout", test_out_dir(), (long)getpid());
	snprintf(ep, sizeof(ep), "%s/prov-secrets-%ld.stderr", test_out_dir(), (long)getpid());
	char *argv[32];
	int argc = 0;
	argv[argc++] = (char *)"canary";
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
		int st = baton_main(argc, argv, &canary_connector);
		fflush(NULL);
		_exit(st);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		assert_int_equal(errno, EINTR);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	size_t el;
	r->out = slurp(op, &r->out_len);
	r->err = slurp(ep, &el);
	unlink(op);
	unlink(ep);
}

static void result_free(result *r)
{
	free(r->out);
	free(r->err);
}

static void assert_no_canary(const result *r)
{
	if (strstr(r->err, canary) || memmem(r->out, r->out_len, canary, strlen(canary)))
		fail_msg("the canary appears in clear:\nstdout: %s\nstderr: %s", r->out, r->err);
	/* nor a prefix long enough to matter */
	if (strstr(r->err, "CANARY-9f8e") || memmem(r->out, r->out_len, "CANARY-9f8e", 11))
		fail_msg("part of the canary appears in clear:\nstderr: %s", r->err);
}

static void test_no_recipient(void **state)
{
	(void)state;
	const char *formats[] = {"json", "console"};
	for (int i = 0; i < 2; i++) {
		result r;
		run_main(&r, (const char *const[]){"--create-account-login", "alice", "--log-level", "debug", "--log-format",
		                                   formats[i], NULL});
		if (r.status != 0)
			fail_msg("exit %d: %s", r.status, r.err);
		assert_int_equal(r.out_len, 0);
		assert_no_canary(&r);
		assert_non_null(strstr(r.err, "secret not shown"));
		assert_non_null(strstr(r.err, "api-key"));
		result_free(&r);

		run_main(&r, (const char *const[]){"--rotate-credentials", "alice", "--rotate-credentials-type", "user",
		                                   "--log-level", "debug", "--log-format", formats[i], NULL});
		if (r.status != 0)
			fail_msg("exit %d: %s", r.status, r.err);
		assert_int_equal(r.out_len, 0);
		assert_no_canary(&r);
		result_free(&r);
	}
}

static void test_with_recipient(void **state)
{
	(void)state;
	baton__age_identity id;
	char rs[BATON__AGE_RECIPIENT_STRLEN];
	assert_int_equal(baton__age_identity_generate(&id), 0);
	assert_int_equal(baton__age_recipient_format(id.pub, rs), 0);
	result r;
	run_main(&r, (const char *const[]){"--create-account-login", "alice", "--secret-recipient", rs, "--log-level",
	                                   "debug", NULL});
	if (r.status != 0)
		fail_msg("exit %d: %s", r.status, r.err);
	assert_no_canary(&r);
	/* two secrets: two armored files, one after the other */
	const char *second = strstr(r.out + 1, "-----BEGIN AGE ENCRYPTED FILE-----");
	assert_non_null(second);
	size_t lens[2] = {(size_t)(second - r.out), r.out_len - (size_t)(second - r.out)};
	const char *starts[2] = {r.out, second};
	for (int i = 0; i < 2; i++) {
		uint8_t *bin, *pt;
		size_t n, pn;
		assert_int_equal(baton__age_dearmor(starts[i], lens[i], &bin, &n), 0);
		assert_int_equal(baton__age_decrypt(&id, bin, n, &pt, &pn), 0);
		assert_int_equal(pn, strlen(canary));
		assert_memory_equal(pt, canary, pn);
		baton__wipe_free(pt, pn);
		free(bin);
	}
	result_free(&r);
}

int main(void)
{
	unsetenv("BATON_SECRET_RECIPIENT");
	unsetenv("BATON_LOG_LEVEL");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_recipient),
		cmocka_unit_test(test_with_recipient),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
