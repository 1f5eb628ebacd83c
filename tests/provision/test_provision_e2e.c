/*
 * The provisioning one-shots end to end: runs build/bin/baton-demo (argv[1]) with the one-shot
 * flags against a c1z it synced, and checks the exit status, stdout and stderr, and what the next
 * sync stores (with the store API):
 *   - grant, grant again (already granted), sync shows it; revoke, revoke again (already
 *     revoked), sync shows it gone;
 *   - create account, sync shows it, create again (already exists); create resource; delete then
 *     sync shows it gone;
 *   - rotate with --secret-recipient (flag and $BATON_SECRET_RECIPIENT; an age1 key and an Ed25519
 *     JWK): stdout is an armored age file our decryptor opens to the new password; the files are
 *     left in $BATON_TEST_OUT_DIR/interop/ for tests/interop/secrets_test.go (filippo.io/age);
 *   - the password is nowhere in clear on stdout or stderr, at debug level, with or without a
 *     recipient; without one, stdout is empty;
 *   - errors: unknown entitlement, missing c1z, missing principal type, bad recipient, unknown
 *     type: one line on stderr and the exit status of upstream's pkg/exit mapping.
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

#include <openssl/evp.h>

#include "testutil.h"
#include "baton/store.h"
#include "crypto/crypto.h"

static const char *demo_bin;

typedef struct run_result {
	int status;     /* exit status, or -1 */
	char *out, *err;
	size_t out_len;
} run_result;

static void result_free(run_result *r)
{
	free(r->out);
	free(r->err);
	memset(r, 0, sizeof(*r));
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return strdup("");
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *s = malloc((size_t)n + 1);
	assert_non_null(s);
	size_t got = fread(s, 1, (size_t)n, f);
	fclose(f);
	s[got] = '\0';
	if (len)
		*len = got;
	return s;
}

/* The test's c1z, in the output directory; its demo state file is <c1z>.demo.json. */
static char c1z[4096];

static void set_c1z(const char *name)
{
	char p[4200];
	snprintf(c1z, sizeof(c1z), "%s/prov-%s-%ld.c1z", test_out_dir(), name, (long)getpid());
	unlink(c1z);
	snprintf(p, sizeof(p), "%s.demo.json", c1z);
	unlink(p);
}

static void remove_c1z(void)
{
	char p[4200];
	unlink(c1z);
	snprintf(p, sizeof(p), "%s.demo.json", c1z);
	unlink(p);
}

/* Runs baton-demo -f <c1z> args... with extra environment ("NAME=value"), capturing both streams. */
static void run_env(run_result *r, const char *const *env, const char *const *args)
{
	char out_path[4200], err_path[4200];
	snprintf(out_path, sizeof(out_path), "%s.stdout", c1z);
	snprintf(err_path, sizeof(err_path), "%s.stderr", c1z);
	const char *argv[64];
	size_t n = 0;
	argv[n++] = demo_bin;
	argv[n++] = "-f";
	argv[n++] = c1z;
	for (size_t i = 0; args && args[i] && n < 63; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int o = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (o < 0 || e < 0)
			_exit(126);
		dup2(o, 1);
		dup2(e, 2);
		for (size_t i = 0; env && env[i]; i++)
			putenv((char *)env[i]);
		execv(demo_bin, (char *const *)argv);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		assert_int_equal(errno, EINTR);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	r->out = slurp(out_path, &r->out_len);
	r->err = slurp(err_path, NULL);
	unlink(out_path);
	unlink(err_path);
}

static void run(run_result *r, const char *const *args)
{
	run_env(r, NULL, args);
}

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

static void expect_status(const run_result *r, int want)
{
	if (r->status != want)
		fail_msg("exit %d, want %d\nstdout: %s\nstderr: %s", r->status, want, r->out, r->err);
}

static size_t count_lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* A failure: exactly one line on stderr, containing `needle`, nothing on stdout. */
static void expect_one_line_error(const run_result *r, int status, const char *needle)
{
	expect_status(r, status);
	if (count_lines(r->err) != 1 || !strstr(r->err, needle))
		fail_msg("want one line with '%s' on stderr, got:\n%s", needle, r->err);
	assert_int_equal(r->out_len, 0);
}

static void sync_c1z(void)
{
	run_result r;
	run(&r, ARGS("--log-level", "error"));
	expect_status(&r, 0);
	result_free(&r);
}

static baton_store *open_store(void)
{
	baton_store_options o = BATON_STORE_OPTIONS_INIT;
	baton_store *s = NULL;
	o.read_only = true;
	if (baton_store_open(c1z, &o, &s) != 0)
		fail_msg("open %s: %s", c1z, baton_error_last()->message);
	return s;
}

static bool has_grant(const char *id)
{
	baton_store *s = open_store();
	baton_ctx *ctx;
	assert_int_equal(baton_ctx_new(&ctx), 0);
	baton_grant *g;
	int rc = baton_store_get_grant(s, NULL, id, ctx, &g);
	baton_ctx_free(ctx);
	baton_store_discard(s);
	if (rc && rc != BATON_ENOTFOUND)
		fail_msg("get grant %s: %s", id, baton_error_last()->message);
	return rc == 0;
}

static bool has_resource(const char *type, const char *id)
{
	baton_store *s = open_store();
	baton_ctx *ctx;
	assert_int_equal(baton_ctx_new(&ctx), 0);
	baton_resource *r;
	baton_resource_id rid = {type, id};
	int rc = baton_store_get_resource(s, NULL, &rid, ctx, &r);
	baton_ctx_free(ctx);
	baton_store_discard(s);
	if (rc && rc != BATON_ENOTFOUND)
		fail_msg("get resource %s/%s: %s", type, id, baton_error_last()->message);
	return rc == 0;
}

/* The id of the user with that login, or of the resource of `type` with that display name, in
 * the latest sync (malloc), or NULL. */
static char *find_resource(const char *type, const char *login, const char *display_name)
{
	baton_store *s = open_store();
	baton_store_query q = BATON_STORE_QUERY_INIT;
	q.resource_type_id = type;
	baton_store_iter *it;
	assert_int_equal(baton_store_list_resources(s, &q, &it), 0);
	baton_resource *r;
	char *found = NULL;
	int rc;
	while (!found && (rc = baton_store_iter_next_resource(it, &r)) == 0) {
		if (login) {
			baton_user_trait *t = baton_resource_user_trait(r);
			if (t && !strcmp(baton_user_trait_login(t), login))
				found = strdup(baton_resource_get_id(r).resource);
		} else if (!strcmp(baton_resource_display_name(r), display_name)) {
			found = strdup(baton_resource_get_id(r).resource);
		}
	}
	baton_store_iter_free(it);
	baton_store_discard(s);
	return found;
}

/* A user that holds no grant of `entitlement` in the c1z (directly or by expansion). */
static void user_without(const char *entitlement, char *grant_id, size_t size)
{
	for (int i = 0; i < 12; i++) {
		snprintf(grant_id, size, "%s:user:u%04d", entitlement, i);
		if (has_resource("user", grant_id + strlen(entitlement) + 6) && !has_grant(grant_id))
			return;
	}
	fail_msg("every user holds %s", entitlement);
}

static int setup(void **state)
{
	(void)state;
	/* a small company: every run is quick */
	setenv("BATON_DEMO_USERS", "12", 1);
	setenv("BATON_DEMO_GROUPS", "4", 1);
	setenv("BATON_DEMO_ROLES", "2", 1);
	setenv("BATON_DEMO_WORKSPACES", "2", 1);
	setenv("BATON_DEMO_PROJECTS", "3", 1);
	setenv("BATON_DEMO_SEED", "5", 1);
	unsetenv("BATON_SECRET_RECIPIENT");
	unsetenv("BATON_DEMO_STATE");
	unsetenv("BATON_LOG_LEVEL");
	return 0;
}

/* ------------------------------------------------------------------------------------------ */

static void test_grant_revoke_sync(void **state)
{
	(void)state;
	set_c1z("grant");
	sync_c1z();
	char gid[256];
	user_without("group:g000:member", gid, sizeof(gid));
	const char *uid = gid + strlen("group:g000:member:user:");
	run_result r;

	run(&r, ARGS("--grant-entitlement", "group:g000:member", "--grant-principal", uid, "--grant-principal-type",
	             "user", "--log-format", "json"));
	expect_status(&r, 0);
	assert_int_equal(r.out_len, 0);
	assert_non_null(strstr(r.err, "\"msg\":\"granted\""));
	result_free(&r);

	run(&r, ARGS("--grant-entitlement", "group:g000:member", "--grant-principal", uid, "--grant-principal-type",
	             "user", "--log-format", "json"));
	expect_status(&r, 0);
	assert_non_null(strstr(r.err, "\"msg\":\"already granted\""));
	result_free(&r);

	assert_false(has_grant(gid)); /* the one-shot leaves the c1z alone */
	sync_c1z();
	assert_true(has_grant(gid));

	run(&r, ARGS("--revoke-grant", gid, "--log-format", "json"));
	expect_status(&r, 0);
	assert_int_equal(r.out_len, 0);
	assert_non_null(strstr(r.err, "\"msg\":\"revoked\""));
	result_free(&r);

	/* still in the c1z until the next sync: the connector says it is gone already */
	run(&r, ARGS("--revoke-grant", gid, "--log-format", "json"));
	expect_status(&r, 0);
	assert_non_null(strstr(r.err, "\"msg\":\"already revoked\""));
	result_free(&r);

	sync_c1z();
	assert_false(has_grant(gid));
	remove_c1z();
}

/* The id of a grant that the latest sync holds only through expansion (malloc), or NULL. */
static char *inherited_grant(void)
{
	baton_store *s = open_store();
	baton_store_query q = BATON_STORE_QUERY_INIT;
	baton_store_iter *it;
	assert_int_equal(baton_store_list_grants(s, &q, &it), 0);
	baton_grant *g;
	char *found = NULL;
	while (!found && baton_store_iter_next_grant(it, &g) == 0)
		if (!baton_grant_is_direct(g))
			found = strdup(baton_grant_id(g));
	baton_store_iter_free(it);
	baton_store_discard(s);
	return found;
}

/* Revoking a grant held only through a group must not answer "already revoked" (the next sync
 * would show it again): FailedPrecondition naming the source, and nothing changes. */
static void test_revoke_inherited(void **state)
{
	(void)state;
	set_c1z("revoke-inherited");
	sync_c1z();
	char *gid = inherited_grant();
	if (!gid)
		fail_msg("the demo company has no expanded grant");
	run_result r;
	run(&r, ARGS("--revoke-grant", gid));
	expect_one_line_error(&r, 9, "not directly");
	result_free(&r);
	sync_c1z();
	assert_true(has_grant(gid));
	free(gid);
	remove_c1z();
}

static void test_grant_errors(void **state)
{
	(void)state;
	run_result r;
	set_c1z("grant-errors");

	/* no c1z yet: FailedPrecondition */
	run(&r, ARGS("--grant-entitlement", "group:g000:member", "--grant-principal", "u0001", "--grant-principal-type",
	             "user"));
	expect_one_line_error(&r, 9, "run a sync into it first");
	result_free(&r);
	struct stat st;
	assert_int_not_equal(stat(c1z, &st), 0); /* and none was created */

	sync_c1z();
	run(&r, ARGS("--grant-entitlement", "group:g999:member", "--grant-principal", "u0001", "--grant-principal-type",
	             "user"));
	expect_one_line_error(&r, 5, "entitlement 'group:g999:member' not found");
	result_free(&r);

	run(&r, ARGS("--grant-entitlement", "group:g000:member", "--grant-principal", "u9999", "--grant-principal-type",
	             "user"));
	expect_one_line_error(&r, 5, "principal 'u9999' of type 'user' not found");
	result_free(&r);

	run(&r, ARGS("--grant-entitlement", "group:g000:member", "--grant-principal", "u0001"));
	expect_one_line_error(&r, 2, "--grant-principal-type");
	result_free(&r);

	run(&r, ARGS("--revoke-grant", "group:g000:member:user:nobody"));
	expect_one_line_error(&r, 5, "grant 'group:g000:member:user:nobody' not found");
	result_free(&r);
	remove_c1z();
}

static void test_create_account_then_sync(void **state)
{
	(void)state;
	run_result r;
	set_c1z("account");
	sync_c1z();
	assert_null(find_resource("user", "newbie", NULL));

	run(&r, ARGS("--create-account-login", "newbie", "--create-account-email", "newbie@example.com",
	             "--log-format", "json"));
	expect_status(&r, 0);
	assert_int_equal(r.out_len, 0); /* no recipient: the password is not printed */
	assert_non_null(strstr(r.err, "\"msg\":\"account created\""));
	assert_non_null(strstr(r.err, "secret not shown"));
	assert_non_null(strstr(r.err, "\"name\":\"password\""));
	result_free(&r);

	sync_c1z();
	char *id = find_resource("user", "newbie", NULL);
	assert_non_null(id);
	free(id);

	/* again, with a profile: AlreadyExists is a success */
	run(&r, ARGS("--create-account-profile", "{\"login\":\"newbie\",\"first_name\":\"New\"}", "--log-format", "json"));
	expect_status(&r, 0);
	assert_non_null(strstr(r.err, "\"msg\":\"account already exists\""));
	result_free(&r);

	run(&r, ARGS("--create-account-profile", "[1,2]"));
	expect_one_line_error(&r, 2, "create-account-profile is empty or incorrectly formatted");
	result_free(&r);

	run(&r, ARGS("--create-account-login", "x", "--create-account-resource-type", "group"));
	expect_one_line_error(&r, 12, "does not have account manager configured for resource type: group");
	result_free(&r);
	remove_c1z();
}

static void test_create_and_delete_resource(void **state)
{
	(void)state;
	run_result r;
	set_c1z("resources");
	sync_c1z();
	assert_true(has_resource("user", "u0003"));

	run(&r, ARGS("--delete-resource", "u0003", "--delete-resource-type", "user", "--log-format", "json"));
	expect_status(&r, 0);
	assert_non_null(strstr(r.err, "\"msg\":\"resource deleted\""));
	result_free(&r);
	assert_true(has_resource("user", "u0003"));
	sync_c1z();
	assert_false(has_resource("user", "u0003"));

	run(&r, ARGS("--create-resource", "Brand New Group", "--create-resource-type", "group", "--log-format", "json"));
	expect_status(&r, 0);
	assert_non_null(strstr(r.err, "\"msg\":\"resource created\""));
	result_free(&r);
	sync_c1z();
	char *id = find_resource("group", NULL, "Brand New Group");
	assert_non_null(id);
	free(id);

	run(&r, ARGS("--delete-resource", "u0003", "--delete-resource-type", "role"));
	expect_one_line_error(&r, 12, "resource type role does not have resource Delete() configured");
	result_free(&r);
	run(&r, ARGS("--delete-resource", "u0003"));
	expect_one_line_error(&r, 2, "--delete-resource-type");
	result_free(&r);
	remove_c1z();
}

/* ------------------------------------------------------------------------------------------ */
/* Secrets                                                                                     */

static void interop_path(char *buf, size_t size, const char *name)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/interop", test_out_dir());
	mkdir(dir, 0755);
	snprintf(buf, size, "%s/%s", dir, name);
}

static void write_file(const char *name, const void *data, size_t n)
{
	char p[4300];
	interop_path(p, sizeof(p), name);
	FILE *f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	fclose(f);
}

/* Decrypts an armored age file on stdout: the plaintext (malloc, NUL-terminated). */
static char *decrypt_stdout(const baton__age_identity *id, const run_result *r)
{
	uint8_t *bin, *pt;
	size_t n, pn;
	if (baton__age_dearmor(r->out, r->out_len, &bin, &n) != 0)
		fail_msg("stdout is not an armored age file: %s\n%s", baton_error_last()->message, r->out);
	if (baton__age_decrypt(id, bin, n, &pt, &pn) != 0)
		fail_msg("cannot decrypt stdout: %s", baton_error_last()->message);
	free(bin);
	assert_int_equal(strlen((char *)pt), pn);
	return (char *)pt;
}

static void assert_password(const char *pw)
{
	assert_int_equal(strlen(pw), 20);
	for (const char *p = pw; *p; p++)
		assert_true(*p > ' ' && *p < 127);
}

/* The plaintext must not be anywhere on the two streams. */
static void assert_not_leaked(const run_result *r, const char *secret)
{
	if (strstr(r->err, secret) || memmem(r->out, r->out_len, secret, strlen(secret)))
		fail_msg("the secret appears in clear:\nstdout: %s\nstderr: %s", r->out, r->err);
}

static void test_rotate_with_recipient(void **state)
{
	(void)state;
	run_result r;
	set_c1z("rotate");
	baton__age_identity id;
	char recipient[BATON__AGE_RECIPIENT_STRLEN], identity_s[BATON__AGE_IDENTITY_STRLEN];
	assert_int_equal(baton__age_identity_generate(&id), 0);
	assert_int_equal(baton__age_recipient_format(id.pub, recipient), 0);
	assert_int_equal(baton__age_identity_format(&id, identity_s), 0);

	/* the flag, at debug level */
	run(&r, ARGS("--rotate-credentials", "u0001", "--rotate-credentials-type", "user", "--secret-recipient",
	             recipient, "--log-level", "debug", "--log-format", "json"));
	expect_status(&r, 0);
	assert_true(!strncmp(r.out, "-----BEGIN AGE ENCRYPTED FILE-----\n", 35));
	char *pw = decrypt_stdout(&id, &r);
	assert_password(pw);
	assert_not_leaked(&r, pw);
	assert_non_null(strstr(r.err, "\"msg\":\"credentials rotated\""));
	assert_non_null(strstr(r.err, "secret printed on stdout"));
	write_file("secrets-x25519-identity.txt", identity_s, strlen(identity_s));
	write_file("secrets-rotate-x25519.age", r.out, r.out_len);
	write_file("secrets-rotate-x25519.txt", pw, strlen(pw));
	free(pw);
	result_free(&r);

	/* the environment variable, for create-account too; and an identity file name */
	char env[128];
	snprintf(env, sizeof(env), "BATON_SECRET_RECIPIENT=%s", recipient);
	run_env(&r, ARGS(env), ARGS("--create-account-login", "secretive", "--log-level", "debug"));
	expect_status(&r, 0);
	pw = decrypt_stdout(&id, &r);
	assert_password(pw);
	assert_not_leaked(&r, pw);
	free(pw);
	result_free(&r);

	/* a file holding the recipient */
	char kp[4300];
	interop_path(kp, sizeof(kp), "secrets-x25519-recipient.txt");
	write_file("secrets-x25519-recipient.txt", recipient, strlen(recipient));
	run(&r, ARGS("--rotate-credentials", "u0002", "--rotate-credentials-type", "user", "--secret-recipient", kp));
	expect_status(&r, 0);
	pw = decrypt_stdout(&id, &r);
	assert_password(pw);
	free(pw);
	result_free(&r);
	remove_c1z();
}

static void b64url(const uint8_t *in, size_t n, char *out)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t o = 0;
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < n; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			out[o++] = a[(acc >> bits) & 63];
		}
	}
	if (bits)
		out[o++] = a[(acc << (6 - bits)) & 63];
	out[o] = '\0';
}

/* The Go SDK's jwk provider path: an Ed25519 public JWK; decrypted by tests/interop with the
 * matching ssh-ed25519 identity (we only decrypt X25519 ourselves). */
static void test_rotate_with_jwk(void **state)
{
	(void)state;
	run_result r;
	set_c1z("rotate-jwk");
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	assert_non_null(k);
	uint8_t seed[32], pub[32];
	size_t sl = 32, pl = 32;
	assert_int_equal(EVP_PKEY_get_raw_private_key(k, seed, &sl), 1);
	assert_int_equal(EVP_PKEY_get_raw_public_key(k, pub, &pl), 1);
	EVP_PKEY_free(k);
	char x[48], jwk[160], hex[65];
	b64url(pub, 32, x);
	snprintf(jwk, sizeof(jwk), "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"%s\"}", x);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", seed[i]);

	run(&r, ARGS("--rotate-credentials", "u0004", "--rotate-credentials-type", "user", "--secret-recipient", jwk,
	             "--log-format", "json"));
	expect_status(&r, 0);
	assert_true(!strncmp(r.out, "-----BEGIN AGE ENCRYPTED FILE-----\n", 35));
	uint8_t *bin;
	size_t n;
	assert_int_equal(baton__age_dearmor(r.out, r.out_len, &bin, &n), 0);
	assert_memory_equal(bin, "age-encryption.org/v1\n-> ssh-ed25519 ", 37);
	free(bin);
	/* the key id logged is the JWK thumbprint (the Go SDK's key id for this provider) */
	char kid[65], want[80];
	assert_int_equal(baton__jwk_ed25519_thumbprint(pub, kid), 0);
	snprintf(want, sizeof(want), "\"key_id\":\"%s\"", kid);
	assert_non_null(strstr(r.err, want));
	write_file("secrets-ed25519-seed.hex", hex, 64);
	write_file("secrets-ed25519-jwk.json", jwk, strlen(jwk));
	write_file("secrets-ed25519-kid.txt", kid, 64);
	write_file("secrets-rotate-jwk.age", r.out, r.out_len);
	result_free(&r);
	remove_c1z();
}

static void test_secret_errors(void **state)
{
	(void)state;
	run_result r;
	set_c1z("secret-errors");
	/* a bad recipient is refused before the connector is called */
	run_env(&r, ARGS("BATON_DEMO_TRACE=1"),
	        ARGS("--rotate-credentials", "u0001", "--rotate-credentials-type", "user", "--secret-recipient",
	             "age1notarecipient"));
	expect_status(&r, 3);
	assert_non_null(strstr(r.err, "--secret-recipient"));
	assert_null(strstr(r.err, "rotate_credentials"));
	result_free(&r);

	run(&r, ARGS("--rotate-credentials", "u0001", "--rotate-credentials-type", "user", "--secret-recipient",
	             "/nonexistent/key.txt"));
	expect_one_line_error(&r, 3, "--secret-recipient");
	result_free(&r);

	run(&r, ARGS("--rotate-credentials", "g000", "--rotate-credentials-type", "group"));
	expect_one_line_error(&r, 12, "resource type group does not have credential manager configured");
	result_free(&r);

	run(&r, ARGS("--rotate-credentials", "u9999", "--rotate-credentials-type", "user"));
	expect_one_line_error(&r, 5, "u9999");
	result_free(&r);
	remove_c1z();
}

/* Without a recipient, at debug level: nothing on stdout, and the secret's bytes nowhere. The demo
 * generates its passwords, so the plaintext is learned from a run with a recipient (whose stderr
 * must not hold it either) — and for a secret known in advance, see test_provision_secrets. */
static void test_no_recipient_prints_nothing(void **state)
{
	(void)state;
	run_result r;
	set_c1z("no-recipient");
	run(&r, ARGS("--rotate-credentials", "u0001", "--rotate-credentials-type", "user", "--log-level", "debug",
	             "--log-format", "json"));
	expect_status(&r, 0);
	assert_int_equal(r.out_len, 0);
	assert_non_null(strstr(r.err, "secret not shown"));
	result_free(&r);
	remove_c1z();
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s path/to/baton-demo\n", argv[0]);
		return 2;
	}
	demo_bin = argv[1];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_grant_revoke_sync, setup),
		cmocka_unit_test_setup(test_revoke_inherited, setup),
		cmocka_unit_test_setup(test_grant_errors, setup),
		cmocka_unit_test_setup(test_create_account_then_sync, setup),
		cmocka_unit_test_setup(test_create_and_delete_resource, setup),
		cmocka_unit_test_setup(test_rotate_with_recipient, setup),
		cmocka_unit_test_setup(test_rotate_with_jwk, setup),
		cmocka_unit_test_setup(test_secret_errors, setup),
		cmocka_unit_test_setup(test_no_recipient_prints_nothing, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
