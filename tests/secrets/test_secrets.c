/*
 * Secrets and private files, end to end.
 *
 * A planted secret — the HTTP example's `api-token` (a BATON_FIELD_SECRET field) given by flag,
 * by environment and by YAML file, a password in the base URL, the SDK's own `client-secret` on
 * baton-demo (refused, and accepted by service mode with the platform unreachable; also its
 * base64 form and private key) — must never appear in anything a run leaves: stdout and stderr
 * (debug logs, console and JSON, progress, errors of failing runs, --help and `config`), the c1z (decompressed), the
 * working copy a failed run keeps, or anything in TMPDIR.
 *
 * Files: the working copy "<c1z>.wip/" is 0700 and everything in it owner-only; the "<c1z>.tmp"
 * being packed is 0600; the saved c1z keeps the previous file's mode (else 0666 less the umask);
 * a read-only store's temporary directory is 0700 with owner-only files.
 *
 *   test_secrets path/to/baton-http-example path/to/baton-demo path/to/baton
 */
#include "http_testutil.h"
#include "server.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#define SECRET "PLANTED-7f3a9c-SECRET"
#define URL_SECRET "PLANTED-url-pass-91b2"
/* A client secret service mode accepts (Go's form, an Ed25519 JWK whose ignored member "zz" is
 * the planted SECRET), its base64 part and its private key d: none may appear anywhere. */
#define SVC_JWK_B64 "eyJrdHkiOiJPS1AiLCJjcnYiOiJFZDI1NTE5IiwieCI6InpwM1BXY2NTQlZPdGhTTnN5ck1zVGVFaDlpTjhTWTNnSDZfcDBEUkZaTWMi" \
                    "LCJkIjoielkzTzFybnItQUV3NW0wbVpCTzBjSEZpWWoxTmlSdk1pU1Y1X1Ffa0tiZyIsInp6IjoiUExBTlRFRC03ZjNhOWMtU0VDUkVUIn0"
#define SVC_SECRET "secret-token:conductorone.com:v1:" SVC_JWK_B64
#define SVC_KEY_D "zY3O1rnr-AEw5m0mZBO0cHFiYj1NiRvMiSV5_Q_kKbg"

static const char *http_bin, *demo_bin, *tool_bin;
static char dir[4096], tmpdir[4200], out_path[4200], c1z[4200];
static int scans;

static char *slurp_n(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	*len = 0;
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)n + 1);
	assert_non_null(buf);
	*len = fread(buf, 1, (size_t)n, f);
	fclose(f);
	return buf;
}

static bool mem_has(const char *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle);

	for (size_t i = 0; hay && k <= n && i <= n - k; i++)
		if (memcmp(hay + i, needle, k) == 0)
			return true;
	return false;
}

/* Fails when the file (decompressed when it is a c1z) contains a secret. */
static void scan_file(const char *path, const char *label)
{
	size_t n;
	char *data = slurp_n(path, &n);

	if (!data)
		return;
	scans++;
	if (mem_has(data, n, SECRET) || mem_has(data, n, URL_SECRET) || mem_has(data, n, SVC_JWK_B64) ||
	    mem_has(data, n, SVC_KEY_D))
		fail_msg("%s: a secret is in %s", label, path);
	if (n > 5 && memcmp(data, "C1ZF", 5) == 0) {
		size_t cap = ZSTD_getFrameContentSize(data + 5, n - 5);
		if (cap != ZSTD_CONTENTSIZE_UNKNOWN && cap != ZSTD_CONTENTSIZE_ERROR && cap < (1u << 30)) {
			char *raw = malloc(cap + 1);
			size_t got;
			assert_non_null(raw);
			got = ZSTD_decompress(raw, cap, data + 5, n - 5);
			assert_false(ZSTD_isError(got));
			if (mem_has(raw, got, SECRET) || mem_has(raw, got, URL_SECRET) || mem_has(raw, got, SVC_JWK_B64) ||
			    mem_has(raw, got, SVC_KEY_D))
				fail_msg("%s: a secret is in the decompressed %s", label, path);
			free(raw);
		}
	}
	free(data);
}

static void scan_tree(const char *path, const char *label)
{
	struct stat st;
	DIR *d;
	struct dirent *e;

	if (lstat(path, &st) != 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		scan_file(path, label);
		return;
	}
	if (!(d = opendir(path)))
		return;
	while ((e = readdir(d)) != NULL) {
		char p[4600];
		/* the .baton.yaml this test wrote holds the secret on purpose */
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || !strcmp(e->d_name, ".baton.yaml"))
			continue;
		snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
		scan_tree(p, label);
	}
	closedir(d);
}

/* Runs argv with env added (stdout and stderr to out_path, cwd = dir), killed after `limit`
 * seconds; returns the wait status. */
static int run_for(char *const argv[], const char *const *env, int limit)
{
	pid_t pid = fork();
	int st = -1;

	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 1);
		dup2(fd, 2);
		if (chdir(dir) != 0)
			_exit(126);
		setenv("TMPDIR", tmpdir, 1);
		for (size_t i = 0; env && env[i]; i++) {
			char kv[512];
			char *eq;
			snprintf(kv, sizeof(kv), "%s", env[i]);
			eq = strchr(kv, '=');
			*eq = '\0';
			setenv(kv, eq + 1, 1);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	for (int i = 0; i < limit * 100 * test_time_scale(); i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return st;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return st;
}

static int run(char *const argv[], const char *const *env)
{
	return run_for(argv, env, 60);
}

/* Everything a run left: its output, the c1z and what is next to it, TMPDIR. */
static void scan_all(const char *label)
{
	scan_tree(dir, label);
	scan_tree(tmpdir, label);
}

static test_server *start_server(void)
{
	size_t n;
	char path[1024], *text, *p;
	test_server *s;

	snprintf(path, sizeof(path), "%s/scim.json", HTTP_FIXTURE_DIR);
	text = slurp_n(path, &n);
	assert_non_null(text);
	/* the fixture's token becomes the planted one */
	while ((p = strstr(text, "scim-SECRET-token")) != NULL) {
		char *rest = strdup(p + strlen("scim-SECRET-token"));
		char *nt = malloc(strlen(text) + strlen(SECRET) + 1);
		*p = '\0';
		sprintf(nt, "%s" SECRET "%s", text, rest);
		free(text);
		free(rest);
		text = nt;
	}
	s = test_server_start_json(text);
	free(text);
	return s;
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "%s/secrets-XXXXXX", test_out_dir());
	assert_non_null(mkdtemp(dir));
	snprintf(tmpdir, sizeof(tmpdir), "%s/tmp", dir);
	assert_int_equal(mkdir(tmpdir, 0700), 0);
	snprintf(out_path, sizeof(out_path), "%s/output.txt", dir);
	snprintf(c1z, sizeof(c1z), "%s/sync.c1z", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[4300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static void clean(void)
{
	char cmd[17000];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s.wip' '%s' '%s'/* '%s/.baton.yaml'", c1z, c1z, tmpdir, dir);
	assert_int_equal(system(cmd), 0);
}

static void test_http_example_secrets(void **state)
{
	(void)state;
	for (int how = 0; how < 7; how++) {
		test_server *s = start_server();
		char base[256], url_with_pass[300];
		const char *env[4] = {NULL};
		const char *label = "";
		int st;
		bool want_ok = true;

		clean();
		snprintf(base, sizeof(base), "%s", test_server_base(s));
		snprintf(url_with_pass, sizeof(url_with_pass), "http://scim:" URL_SECRET "@127.0.0.1:%d",
		         test_server_port(s));
		char *argv_flag[] = {(char *)http_bin, "--base-url", base, "--api-token", SECRET, "-f", c1z,
		                     "--page-size", "2", "--log-level", "debug", NULL};
		char *argv_plain[] = {(char *)http_bin, "--base-url", base, "-f", c1z, "--log-level", "debug",
		                      "--page-size", "2", "--log-format", "json", NULL};
		char *argv_down[] = {(char *)http_bin, "--base-url", "http://127.0.0.1:1", "--api-token", SECRET,
		                     "-f", c1z, "--log-level", "debug", NULL};
		char *argv_pass[] = {(char *)http_bin, "--base-url", url_with_pass, "--api-token", SECRET, "-f", c1z,
		                     "--log-level", "debug", NULL};
		char *argv_help[] = {(char *)http_bin, "--help", NULL};
		char *argv_config[] = {(char *)http_bin, "config", NULL};
		char **argv = argv_flag;
		switch (how) {
		case 0:
			label = "token by flag, console debug log";
			break;
		case 1:
			label = "token by environment, JSON debug log";
			env[0] = "BATON_API_TOKEN=" SECRET;
			argv = argv_plain;
			break;
		case 2: {
			char yaml[4300];
			FILE *f;
			label = "token in .baton.yaml";
			snprintf(yaml, sizeof(yaml), "%s/.baton.yaml", dir);
			f = fopen(yaml, "w");
			assert_non_null(f);
			fprintf(f, "api-token: %s\n", SECRET);
			fclose(f);
			argv = argv_plain;
			break;
		}
		case 3:
			label = "API down (the error path)";
			argv = argv_down;
			env[0] = "BATON_HTTP_TIMEOUT_SECONDS=2";
			want_ok = false;
			break;
		case 4:
			label = "a password in the base URL";
			argv = argv_pass;
			want_ok = false; /* the fixture does not expect basic auth: whatever happens, no leak */
			break;
		case 5:
			label = "--help with the token in the environment";
			env[0] = "BATON_API_TOKEN=" SECRET;
			argv = argv_help;
			break;
		case 6:
			label = "config with the token in the environment";
			env[0] = "BATON_API_TOKEN=" SECRET;
			argv = argv_config;
			break;
		}
		/* the SDK retries an unreachable API without end, as upstream: stopped after 4 s */
		st = run_for(argv, env, want_ok ? 60 : 4);
		if (want_ok && st != 0) {
			size_t n;
			char *o = slurp_n(out_path, &n);
			fail_msg("%s: %d\n%s", label, st, o ? o : "");
		}
		scan_all(label);
		test_server_stop(s);
		printf("ok   %-44s no secret in the output, the c1z, the working copy or TMPDIR\n", label);
	}
}

static void test_demo_secrets(void **state)
{
	char yaml[4300];
	FILE *f;
	(void)state;
	{
		/* a client id service mode takes, so the secret is read (and refused) */
		char *argv[] = {(char *)demo_bin, "--client-id", "cid@tenant.invalid/x", "--client-secret", SECRET, "-f",
		                c1z, "--log-level", "debug", NULL};
		clean();
		run(argv, NULL);
		scan_all("baton-demo --client-secret");
	}
	{
		/* service mode with a secret it accepts, the platform unreachable: Hello is retried and
		 * logged at debug level until the process is killed */
		const char *env[] = {"BATON_C1_API_HOST=127.0.0.1:1", NULL};
		char *argv[] = {(char *)demo_bin, "--client-id", "cid@tenant.invalid/x", "--client-secret", SVC_SECRET,
		                "--log-level", "debug", "--log-format", "console", NULL};
		size_t n;
		clean();
		run_for(argv, env, 4);
		char *o = slurp_n(out_path, &n);
		assert_non_null(o);
		if (!strstr(o, "startup Hello failed; will retry"))
			fail_msg("service mode did not try to reach the platform:\n%s", o);
		free(o);
		scan_all("baton-demo service mode, platform down");
	}
	{
		const char *env[] = {"BATON_CLIENT_SECRET=" SVC_SECRET, "BATON_CLIENT_ID=cid@tenant.invalid/x",
		                     "BATON_C1_API_HOST=127.0.0.1:1", "BATON_LOG_LEVEL=debug", NULL};
		char *argv[] = {(char *)demo_bin, "-f", c1z, NULL};
		clean();
		run_for(argv, env, 3);
		scan_all("baton-demo BATON_CLIENT_SECRET");
	}
	{
		char *argv[] = {(char *)demo_bin, "-f", c1z, "--log-level", "debug", NULL};
		clean();
		snprintf(yaml, sizeof(yaml), "%s/.baton.yaml", dir);
		f = fopen(yaml, "w");
		assert_non_null(f);
		fprintf(f, "client-id: cid@tenant.invalid/x\nclient-secret: %s\n", SECRET);
		fclose(f);
		run(argv, NULL);
		scan_all("baton-demo client-secret in .baton.yaml");
	}
	{
		/* a normal sync with the secret in the environment of the process */
		const char *env[] = {"BATON_API_TOKEN=" SECRET, NULL};
		char *argv[] = {(char *)demo_bin, "-f", c1z, "--log-level", "debug", NULL};
		clean();
		assert_int_equal(run(argv, env), 0);
		scan_all("baton-demo sync");
	}
	printf("ok   baton-demo: client-secret by flag, environment and YAML: no secret anywhere\n");
}

static mode_t mode_of(const char *p)
{
	struct stat st;

	if (lstat(p, &st) != 0)
		fail_msg("%s: %s", p, strerror(errno));
	return st.st_mode & 07777;
}

/* Every entry under d (not d itself) is owner-only. */
static void assert_private_tree(const char *d)
{
	DIR *dd = opendir(d);
	struct dirent *e;

	assert_non_null(dd);
	while ((e = readdir(dd)) != NULL) {
		char p[4600];
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", d, e->d_name);
		if (mode_of(p) & 077)
			fail_msg("%s has mode %o", p, (unsigned)mode_of(p));
	}
	closedir(dd);
}

/* Starts argv paused at a fault site; returns once it is paused. */
static pid_t start_paused(char *const argv[], const char *pause)
{
	pid_t pid = fork();
	double t0 = (double)time(NULL);

	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 2);
		fd = open("/dev/null", O_WRONLY);
		dup2(fd, 1);
		setenv("TMPDIR", tmpdir, 1);
		setenv("BATON_TEST_PAUSE_AT", pause, 1);
		execv(argv[0], argv);
		_exit(127);
	}
	for (;;) {
		size_t n;
		char *o = slurp_n(out_path, &n);
		bool paused = o && strstr(o, "paused at");
		free(o);
		if (paused)
			return pid;
		if ((double)time(NULL) - t0 > 30 * test_time_scale())
			fail_msg("never paused at %s", pause);
		usleep(10000);
	}
}

static void test_private_files(void **state)
{
	char wip[4300], tmp[4300];
	pid_t pid;
	int st;
	mode_t old = umask(022);

	(void)state;
	clean();
	snprintf(wip, sizeof(wip), "%s.wip", c1z);
	snprintf(tmp, sizeof(tmp), "%s.tmp", c1z);
	{
		char *argv[] = {(char *)demo_bin, "-f", c1z, NULL};
		pid = start_paused(argv, "c1z.write:2:2000");
		assert_int_equal(mode_of(wip), 0700);
		assert_private_tree(wip);
		assert_int_equal(mode_of(tmp), 0600);
		waitpid(pid, &st, 0);
		assert_int_equal(st, 0);
		assert_int_equal(mode_of(c1z), 0644);
		printf("ok   working copy 0700 (its files owner-only), %s.tmp 0600, new c1z 0644 (umask 022)\n", "<c1z>");
	}
	{
		/* a private c1z stays private */
		char *argv[] = {(char *)demo_bin, "-f", c1z, NULL};
		assert_int_equal(chmod(c1z, 0600), 0);
		assert_int_equal(run(argv, NULL), 0);
		assert_int_equal(mode_of(c1z), 0600);
		printf("ok   a c1z made 0600 by its owner is still 0600 after the next sync\n");
	}
	{
		/* the baton tool's read-only working copy in TMPDIR */
		char *argv[] = {(char *)tool_bin, "-f", c1z, "stats", NULL};
		DIR *d;
		struct dirent *e;
		int n = 0;
		pid = start_paused(argv, "c1z.decode:1:1500");
		d = opendir(tmpdir);
		assert_non_null(d);
		while ((e = readdir(d)) != NULL) {
			char p[4600];
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			snprintf(p, sizeof(p), "%s/%s", tmpdir, e->d_name);
			assert_int_equal(mode_of(p), 0700);
			assert_private_tree(p);
			n++;
		}
		closedir(d);
		waitpid(pid, &st, 0);
		assert_int_equal(st, 0);
		assert_int_equal(n, 1);
		printf("ok   the baton tool's temporary directory 0700, its files owner-only\n");
	}
	umask(old);
}

static void test_summary(void **state)
{
	(void)state;
	printf("SECRETS-FIGURES files_scanned=%d\n", scans);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_http_example_secrets),
		cmocka_unit_test(test_demo_secrets),
		cmocka_unit_test(test_private_files),
		cmocka_unit_test(test_summary),
	};

	if (argc < 4) {
		fprintf(stderr, "usage: %s baton-http-example baton-demo baton\n", argv[0]);
		return 2;
	}
	/* the children run in the test directory: absolute paths */
	http_bin = realpath(argv[1], NULL);
	demo_bin = realpath(argv[2], NULL);
	tool_bin = realpath(argv[3], NULL);
	if (!http_bin || !demo_bin || !tool_bin) {
		fprintf(stderr, "%s: a program is missing\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests(tests, setup, teardown);
}
