/*
 * The connector command line, driving the real programs: build/bin/baton-demo (argv[1]) and the
 * cli-probe connector (argv[2], tests/cli/probe.c, whose init prints the configuration it reads).
 * Each run gets a fresh working directory (for ./.baton.yaml) and a clean environment.
 *
 * Covered: --help and --version; one line + exit 2 for a mistyped flag, a missing argument, an
 * unknown command, a bad number or boolean and a missing required field; precedence flag > env >
 * file > default for every kind (lists and maps from YAML, the environment and repeated flags);
 * BATON_CONFIG_PATH; every validation rule and constraint kind (cobra's wording for required flags
 * and flag groups, the Go SDK's for rules and the connector's constraints); field groups;
 * secrets kept out of errors and logs; the SDK's own checks (service mode, http timeout, temp dir);
 * exit statuses; and the shapes of `capabilities` and `config` (the Go interop test compares them
 * with the Go SDK's output).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "baton/common.h"
#include "testutil.h"

static const char *demo_bin, *probe_bin;
static char base_dir[512];
static int run_no;

typedef struct result {
	int status;     /* exit status, or 128 + signal */
	char *out, *err;
	char dir[600];  /* the working directory used */
} result;

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return strdup("");
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *s = malloc((size_t)n + 1);
	size_t got = fread(s, 1, (size_t)n, f);
	s[got] = '\0';
	fclose(f);
	return s;
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[800];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* A new working directory for the next run. */
static void new_dir(char *dir, size_t size)
{
	snprintf(dir, size, "%s/run%03d", base_dir, ++run_no);
	mkdir(dir, 0755);
}

/*
 * Runs bin with args (NULL-terminated) in `dir` (NULL: a new one) with only PATH, the sanitizer
 * options and `env` (NULL-terminated "K=V") in the environment.
 */
static result run_in(const char *dir, const char *bin, const char *const *env, const char *const *args)
{
	result r;
	memset(&r, 0, sizeof(r));
	if (dir)
		snprintf(r.dir, sizeof(r.dir), "%s", dir);
	else
		new_dir(r.dir, sizeof(r.dir));
	char out[700], err[700];
	snprintf(out, sizeof(out), "%s/.stdout", r.dir);
	snprintf(err, sizeof(err), "%s/.stderr", r.dir);
	const char *argv[64];
	size_t n = 0;
	argv[n++] = bin;
	for (size_t i = 0; args && args[i] && n < 63; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	const char *envp[64];
	size_t ne = 0;
	static char path_var[4096];
	snprintf(path_var, sizeof(path_var), "PATH=%s", getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
	envp[ne++] = path_var;
	static const char *const keep[] = {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"};
	static char kept[3][1024];
	for (size_t i = 0; i < 3; i++) {
		if (getenv(keep[i])) {
			snprintf(kept[i], sizeof(kept[i]), "%s=%s", keep[i], getenv(keep[i]));
			envp[ne++] = kept[i];
		}
	}
	for (size_t i = 0; env && env[i] && ne < 63; i++)
		envp[ne++] = env[i];
	envp[ne] = NULL;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (chdir(r.dir))
			_exit(126);
		int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644), e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (o < 0 || e < 0)
			_exit(126);
		dup2(o, 1);
		dup2(e, 2);
		execve(bin, (char *const *)argv, (char *const *)envp);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	r.out = slurp(out);
	r.err = slurp(err);
	return r;
}

static result run(const char *bin, const char *const *env, const char *const *args)
{
	return run_in(NULL, bin, env, args);
}

static void done(result *r)
{
	free(r->out);
	free(r->err);
}

/* Asserts the run failed with `status` and printed exactly one line, `line`, on stderr. */
static void assert_one_line(result *r, int status, const char *line)
{
	char want[2048];
	snprintf(want, sizeof(want), "%s\n", line);
	if (r->status != status || strcmp(r->err, want)) {
		fprintf(stderr, "want exit %d and stderr \"%s\"\n got exit %d and stderr \"%s\"\n", status, line, r->status,
		        r->err);
		fail();
	}
	assert_string_equal(r->out, "");
}

static void assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle)) {
		fprintf(stderr, "missing \"%s\" in:\n%s\n", needle, hay);
		fail();
	}
}

static void assert_lacks(const char *hay, const char *needle)
{
	if (strstr(hay, needle)) {
		fprintf(stderr, "unexpected \"%s\" in:\n%s\n", needle, hay);
		fail();
	}
}

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define ENV(...) ((const char *const[]){__VA_ARGS__, NULL})
#define URL "--base-url=https://x.example"

/* ------------------------------------------------------------------------------------------ */

static void test_help(void **state)
{
	(void)state;
	result r = run(demo_bin, NULL, ARGS("--help"));
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	assert_contains(r.out, "Baton Demo: A generated company");
	assert_contains(r.out, "Usage:\n  baton-demo [flags]\n");
	assert_contains(r.out, "capabilities");
	/* connector fields first, with type, description, env var and default */
	char *conn = strstr(r.out, "Connector flags:\n"), *sdk = strstr(r.out, "SDK flags:\n");
	assert_non_null(conn);
	assert_non_null(sdk);
	assert_true(conn < sdk);
	char *users = strstr(r.out, "--users int");
	assert_non_null(users);
	assert_true(users > conn && users < sdk);
	assert_contains(r.out, "How many users the generated company has ($BATON_USERS) (default 50)");
	assert_contains(r.out, "-f, --file string");
	assert_contains(r.out, "($BATON_FILE) (default \"sync.c1z\")");
	assert_contains(r.out, "--log-level string");
	assert_contains(r.out, "-p, --provisioning");
	assert_contains(r.out, "-h, --help");
	assert_contains(r.out, "BATON_CONFIG_PATH");
	/* hidden flags stay hidden */
	assert_lacks(r.out, "--grant-entitlement");
	assert_lacks(r.out, "--skip-grants");
	assert_lacks(r.out, "--c1z-temp-dir");
	done(&r);

	/* -h, the help command, and required / secret marking */
	r = run(probe_bin, NULL, ARGS("-h"));
	assert_int_equal(r.status, 0);
	assert_contains(r.out, "--base-url string");
	assert_contains(r.out, "required: The API's base URL ($BATON_BASE_URL)");
	assert_contains(r.out, "The API key ($BATON_API_KEY)");
	assert_lacks(r.out, "default-key-value");     /* a secret's default is not shown */
	assert_contains(r.out, "--tags strings");
	assert_contains(r.out, "(default [a,b])");
	assert_contains(r.out, "--labels stringToString");
	assert_contains(r.out, "-V, --verbose");
	assert_lacks(r.out, "--debug-dump");
	done(&r);
	r = run(probe_bin, NULL, ARGS("help"));
	assert_int_equal(r.status, 0);
	assert_contains(r.out, "SDK flags:");
	done(&r);

	/* field groups are shown as auth methods */
	r = run(probe_bin, ENV("PROBE_VARIANT=groups"), ARGS("--help"));
	assert_int_equal(r.status, 0);
	assert_contains(r.out, "auth method \"api-key\" (default): Authenticate with a key");
	assert_contains(r.out, "auth method \"oauth\"");
	done(&r);
}

static void test_version(void **state)
{
	(void)state;
	result r = run(demo_bin, NULL, ARGS("--version"));
	assert_int_equal(r.status, 0);
	char want[128];
	snprintf(want, sizeof(want), "baton-demo version %s\n", BATON_VERSION);
	assert_string_equal(r.out, want);
	done(&r);
	r = run(demo_bin, NULL, ARGS("-v"));
	assert_string_equal(r.out, want);
	done(&r);
}

static void test_usage_errors(void **state)
{
	(void)state;
	result r = run(demo_bin, NULL, ARGS("--usres", "5"));
	assert_one_line(&r, 2, "unknown flag: --usres");
	done(&r);
	r = run(demo_bin, NULL, ARGS("-x"));
	assert_one_line(&r, 2, "unknown shorthand flag: 'x' in -x");
	done(&r);
	r = run(demo_bin, NULL, ARGS("--file"));
	assert_one_line(&r, 2, "flag needs an argument: --file");
	done(&r);
	r = run(demo_bin, NULL, ARGS("-f"));
	assert_one_line(&r, 2, "flag needs an argument: 'f' in -f");
	done(&r);
	r = run(demo_bin, NULL, ARGS("sync"));
	assert_one_line(&r, 2, "unknown command \"sync\" for \"baton-demo\"");
	done(&r);
	r = run(demo_bin, NULL, ARGS("--users", "many"));
	assert_one_line(&r, 2, "invalid argument \"many\" for \"--users\" flag: strconv.ParseInt: parsing \"many\": "
	                       "invalid syntax");
	done(&r);
	r = run(demo_bin, NULL, ARGS("--provisioning=maybe"));
	assert_one_line(&r, 2, "invalid argument \"maybe\" for \"-p, --provisioning\" flag: strconv.ParseBool: "
	                       "parsing \"maybe\": invalid syntax");
	done(&r);
	r = run(demo_bin, ENV("BATON_USERS=lots"), NULL);
	assert_one_line(&r, 2, "invalid argument \"lots\" for \"BATON_USERS\" environment variable: strconv.ParseInt: "
	                       "parsing \"lots\": invalid syntax");
	done(&r);
	/* the missing required field */
	r = run(probe_bin, NULL, NULL);
	assert_one_line(&r, 2, "required flag(s) \"base-url\" not set");
	done(&r);
	/* `config` needs no configuration; `capabilities` validates it, as upstream */
	r = run(probe_bin, NULL, ARGS("config"));
	assert_int_equal(r.status, 0);
	done(&r);
	r = run(probe_bin, NULL, ARGS("capabilities"));
	assert_one_line(&r, 2, "required flag(s) \"base-url\" not set");
	done(&r);
}

/* The demo's sizes as its init logs them at debug level. */
static void assert_demo_users(const char *dir, const char *const *env, const char *const *extra, const char *want)
{
	const char *args[16] = {"--log-level", "debug", "--groups", "0", "--roles", "0", "--projects", "0"};
	size_t n = 8;
	for (size_t i = 0; extra && extra[i]; i++)
		args[n++] = extra[i];
	args[n] = NULL;
	result r = run_in(dir, demo_bin, env, args);
	if (r.status != 0) {
		fprintf(stderr, "baton-demo exit %d: %s\n", r.status, r.err);
		fail();
	}
	assert_contains(r.err, want);
	done(&r);
}

static void test_precedence_demo(void **state)
{
	(void)state;
	char dir[600];
	new_dir(dir, sizeof(dir));
	/* default */
	assert_demo_users(dir, NULL, NULL, "seed 1, 50 users");
	/* file */
	write_file(dir, ".baton.yaml", "users: 11\nseed: 7\nfile: from-yaml.c1z\n");
	assert_demo_users(dir, NULL, NULL, "seed 7, 11 users");
	char path[800];
	snprintf(path, sizeof(path), "%s/from-yaml.c1z", dir);
	assert_int_equal(access(path, F_OK), 0);
	/* env over file */
	assert_demo_users(dir, ENV("BATON_USERS=12"), NULL, "seed 7, 12 users");
	/* flag over env over file */
	assert_demo_users(dir, ENV("BATON_USERS=12", "BATON_SEED=9"), ARGS("--users", "13"), "seed 9, 13 users");
	assert_demo_users(dir, ENV("BATON_USERS=12"), ARGS("--users=14"), "seed 7, 14 users");
	/* the legacy BATON_DEMO_* variable still works, below the configuration */
	write_file(dir, ".baton.yaml", "seed: 3\n");
	assert_demo_users(dir, ENV("BATON_DEMO_USERS=15"), NULL, "seed 3, 15 users");
	assert_demo_users(dir, ENV("BATON_DEMO_USERS=15", "BATON_USERS=16"), NULL, "seed 3, 16 users");
	/* BATON_CONFIG_PATH */
	write_file(dir, "custom.yml", "users: 17\n");
	snprintf(path, sizeof(path), "BATON_CONFIG_PATH=%s/custom.yml", dir);
	assert_demo_users(dir, ENV(path), NULL, "seed 1, 17 users");
	snprintf(path, sizeof(path), "BATON_CONFIG_PATH=%s/custom.json", dir);
	result r = run_in(dir, demo_bin, ENV(path), NULL);
	assert_one_line(&r, 2, "expected config file to have .yaml or .yml extension");
	done(&r);
	/* a missing BATON_CONFIG_PATH file is no error (as viper) */
	snprintf(path, sizeof(path), "BATON_CONFIG_PATH=%s/nope.yaml", dir);
	assert_demo_users(dir, ENV(path), NULL, "seed 1, 50 users");
	/* a broken file is */
	write_file(dir, ".baton.yaml", "users: [1,\n");
	r = run_in(dir, demo_bin, NULL, NULL);
	assert_int_equal(r.status, 2);
	assert_contains(r.err, "reading config file ./.baton.yaml: ");
	done(&r);
	write_file(dir, ".baton.yaml", "users: twelve\n");
	r = run_in(dir, demo_bin, NULL, NULL);
	assert_one_line(&r, 2, "invalid argument \"twelve\" for \"users\" in ./.baton.yaml (line 1): strconv.ParseInt: "
	                       "parsing \"twelve\": invalid syntax");
	done(&r);
}

static void test_precedence_probe(void **state)
{
	(void)state;
	/* defaults */
	result r = run(probe_bin, NULL, ARGS(URL));
	assert_int_equal(r.status, 9); /* init's FailedPrecondition */
	assert_contains(r.out, "base-url=https://x.example (set)\n");
	assert_contains(r.out, "api-key=default-key-value (default)\n");
	assert_contains(r.out, "region=us (default)\n");
	assert_contains(r.out, "tags=[a],[b] (default)\n");
	assert_contains(r.out, "labels=k:v (default)\n");
	assert_contains(r.out, "limit=10 (default)\n");
	assert_contains(r.out, "verbose=false (default)\n");
	assert_contains(r.out, "cert= (default)\n");
	assert_contains(r.out, "auth-method=\n");
	assert_contains(r.out, "sdk.file=sync.c1z\n");
	assert_contains(r.out, "sdk.http-timeout-seconds=300\n");
	assert_contains(r.err, "probe done");
	done(&r);

	/* the file: lists, maps, scalars */
	char dir[600];
	new_dir(dir, sizeof(dir));
	write_file(dir, ".baton.yaml",
	           "base-url: https://file.example\n"
	           "tags:\n  - one\n  - \"t,wo\"\n"
	           "labels:\n  z: last\n  a: first\n"
	           "limit: 20\nverbose: true\nregion: eu\ncert: ca.pem\ntoken: tok\n"
	           "unknown-key: ignored\n"
	           "password: ~\nuser: null\n"); /* nulls are no values (else user/password would clash) */
	write_file(dir, "ca.pem", "PEM!");
	r = run_in(dir, probe_bin, NULL, NULL);
	assert_int_equal(r.status, 9);
	assert_contains(r.out, "base-url=https://file.example (set)\n");
	assert_contains(r.out, "tags=[one],[t,wo] (set)\n");
	assert_contains(r.out, "labels=a:first,z:last (set)\n");
	assert_contains(r.out, "limit=20 (set)\n");
	assert_contains(r.out, "verbose=true (set)\n");
	assert_contains(r.out, "region=eu (set)\n");
	assert_contains(r.out, "cert=4 bytes:PEM! (set)\n");
	done(&r);
	/* the environment over the file (comma lists, k=v maps, JSON maps) */
	r = run_in(dir, probe_bin, ENV("BATON_TAGS=x,y", "BATON_LABELS=b=2,a=1", "BATON_LIMIT=30", "BATON_VERBOSE=false"),
	           NULL);
	assert_contains(r.out, "tags=[x],[y] (set)\n");
	assert_contains(r.out, "labels=a:1,b:2 (set)\n");
	assert_contains(r.out, "limit=30 (set)\n");
	assert_contains(r.out, "verbose=false (set)\n");
	done(&r);
	r = run_in(dir, probe_bin, ENV("BATON_LABELS={\"j\":\"son\"}"), NULL);
	assert_contains(r.out, "labels=j:son (set)\n");
	done(&r);
	/* flags over both; repeated list and map flags add up */
	r = run_in(dir, probe_bin, ENV("BATON_TAGS=x,y", "BATON_LIMIT=30"),
	           ARGS("--tags", "p", "--tags=q,\"r,s\"", "--labels", "m=1", "--labels=n=2,m=3", "--limit", "40", "-V",
	                "--region", "us"));
	assert_contains(r.out, "tags=[p],[q],[r,s] (set)\n");
	assert_contains(r.out, "labels=m:3,n:2 (set)\n");
	assert_contains(r.out, "limit=40 (set)\n");
	assert_contains(r.out, "verbose=true (set)\n");
	assert_contains(r.out, "region=us (set)\n");
	done(&r);
}

static void test_validation(void **state)
{
	(void)state;
	struct {
		const char *const *args;
		const char *line;
	} cases[] = {
		{ARGS("--base-url", "ftp://x"), "field base-url: value must match pattern ^https?:// but got 'ftp://x'"},
		{ARGS(URL, "--region", "mars"), "field region: value must be one of [us eu] but got 'mars'"},
		{ARGS(URL, "--limit", "101"), "field limit: value must be less than or equal to 100 but got 101"},
		{ARGS(URL, "--limit", "-1"), "field limit: value must be greater than or equal to 1 but got -1"},
		{ARGS(URL, "--tags", "ok,toolong"), "field tags invalid item at field 1: value must be at most 5 characters "
		                                    "long but got 7"},
		{ARGS(URL, "--labels", "novalue"), "invalid argument \"novalue\" for \"--labels\" flag: novalue must be "
		                                   "formatted as key=value"},
		{ARGS(URL, "--cert", "ca.txt"), "field cert: file must have one of the extensions [.pem] but got 'ca.txt'"},
		{ARGS(URL, "--cert", "missing.pem"), "field cert: reading missing.pem: No such file or directory"},
		{ARGS(URL, "--user", "u"), "if any flags in the group [user password] are set they must all be set; "
		                           "missing [password]"},
		{ARGS(URL, "--user", "u", "--password", "p", "--token", "t"),
		 "if any flags in the group [token user] are set none of the others can be; [token user] were all set"},
		{ARGS(URL, "--cert", "ca.pem"), "set fields ('cert') are dependent on ('token') being set"},
		/* the SDK's own flags and groups */
		{ARGS(URL, "--grant-entitlement", "e"), "if any flags in the group [grant-entitlement grant-principal] are "
		                                        "set they must all be set; missing [grant-principal]"},
		{ARGS(URL, "--revoke-grant", "g", "--delete-resource", "r"),
		 "if any flags in the group [grant-entitlement revoke-grant create-account-login delete-resource "
		 "rotate-credentials event-feed create-ticket get-ticket list-ticket-schemas bulk-create-ticket] are set "
		 "none of the others can be; [delete-resource revoke-grant] were all set"},
		{ARGS(URL, "--http-timeout-seconds", "2000"), "field http-timeout-seconds: value must be less than or "
		                                              "equal to 1800 but got 2000"},
		{ARGS(URL, "--http-timeout-seconds", "0"), "field http-timeout-seconds: value must be greater than or "
		                                           "equal to 1 but got 0"},
		{ARGS(URL, "--storage-engine", "rocks"), "field storage-engine: value must be one of [ sqlite pebble] but "
		                                         "got 'rocks'"},
		{ARGS(URL, "--task-concurrency", "500"), "field task-concurrency: value must be less than or equal to 100 "
		                                         "but got 500"},
		{ARGS(URL, "--c1z-temp-dir", "/nonexistent/dir"), "the specified c1z temp dir does not exist: "
		                                                  "/nonexistent/dir"},
		{ARGS(URL, "--client-id", "id"), "if any flags in the group [client-id client-secret] are set they must all "
		                                 "be set; missing [client-secret]"},
	};
	char dir[600];
	new_dir(dir, sizeof(dir));
	write_file(dir, "ca.pem", "PEM");
	write_file(dir, "ca.txt", "TXT");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		result r = run_in(dir, probe_bin, NULL, cases[i].args);
		assert_one_line(&r, 2, cases[i].line);
		done(&r);
	}
	/* several rule problems: one line each */
	result r = run_in(dir, probe_bin, NULL, ARGS(URL, "--limit", "500", "--region", "mars"));
	assert_int_equal(r.status, 2);
	assert_string_equal(r.err, "field region: value must be one of [us eu] but got 'mars'\n"
	                           "field limit: value must be less than or equal to 100 but got 500\n");
	done(&r);
	/* service mode: a client id that is not name@host/suffix is refused before anything runs */
	r = run_in(dir, probe_bin, NULL, ARGS(URL, "--client-id", "id", "--client-secret", "s"));
	assert_one_line(&r, 2, "invalid client id");
	done(&r);
	/* and so is a client secret that is not Go's four-part form, without quoting it */
	r = run_in(dir, probe_bin, NULL, ARGS(URL, "--client-id", "c@h.invalid/x", "--client-secret", "s"));
	assert_one_line(&r, 2, "invalid client secret");
	done(&r);
	/* the demo's bounds */
	r = run(demo_bin, NULL, ARGS("--page-size", "20000"));
	assert_one_line(&r, 2, "field page-size: value must be less than or equal to 10000 but got 20000");
	done(&r);
	r = run(demo_bin, NULL, ARGS("--users", "-3"));
	assert_one_line(&r, 2, "field users: value must be greater than or equal to 0 but got -3");
	done(&r);
}

static void test_groups(void **state)
{
	(void)state;
	const char *const *env = ENV("PROBE_VARIANT=groups");
	/* the default group: cobra's required marks are off; only its fields are validated */
	result r = run(probe_bin, env, ARGS("--key-a", "a"));
	assert_one_line(&r, 2, "field base-url of type string is marked as required but it has a zero-value");
	done(&r);
	r = run(probe_bin, env, ARGS("--base-url", "u", "--key-a", "a"));
	assert_int_equal(r.status, 9);
	assert_contains(r.out, "auth-method=api-key\n");
	done(&r);
	/* cobra's at-least-one group */
	r = run(probe_bin, env, ARGS("--base-url", "u"));
	assert_one_line(&r, 2, "at least one of the flags in the group [key-a key-b] is required");
	done(&r);
	/* another group, selected by --auth-method */
	r = run(probe_bin, env, ARGS("--base-url", "u", "--key-b", "b", "--auth-method", "oauth"));
	assert_one_line(&r, 2, "field oauth-secret of type string is marked as required but it has a zero-value");
	done(&r);
	r = run(probe_bin, env, ARGS("--base-url", "u", "--key-b", "b", "--auth-method", "oauth", "--oauth-secret", "s"));
	assert_int_equal(r.status, 9);
	assert_contains(r.out, "auth-method=oauth\n");
	done(&r);
	r = run(probe_bin, env, ARGS("--base-url", "u", "--key-a", "a", "--auth-method", "kerberos"));
	assert_one_line(&r, 2, "unknown auth method \"kerberos\": expected one of api-key, oauth");
	done(&r);
}

static void test_secrets(void **state)
{
	(void)state;
	/* a secret's value is not echoed by a rule error, nor logged */
	result r = run(probe_bin, ENV("BATON_API_KEY=short"), ARGS(URL));
	assert_one_line(&r, 2, "field api-key: value must be at least 8 characters long but got 5");
	done(&r);
	r = run(probe_bin, ENV("BATON_API_KEY=hunter2-very-secret", "BATON_TOKEN=tok-very-secret"),
	        ARGS(URL, "--log-level", "debug", "--password", "pw-very-secret", "--user", "u", "--client-secret", "cs-x"));
	assert_lacks(r.err, "very-secret");
	done(&r);
	r = run(probe_bin, NULL, ARGS(URL, "--labels", "secretless"));
	assert_int_equal(r.status, 2);
	done(&r);
}

static void test_log_flags(void **state)
{
	(void)state;
	char dir[600];
	new_dir(dir, sizeof(dir));
	/* JSON when stderr/stdout is not a terminal; console on request; --log-path replaces stderr */
	result r = run_in(dir, demo_bin, NULL, ARGS("--log-level", "debug", "--users", "1"));
	assert_int_equal(r.status, 0);
	assert_contains(r.err, "{\"level\":\"debug\"");
	done(&r);
	r = run_in(dir, demo_bin, NULL, ARGS("--log-level", "debug", "--log-format", "console", "--users", "1"));
	assert_int_equal(r.status, 0);
	assert_contains(r.err, "DEBUG");
	assert_lacks(r.err, "{\"level\"");
	done(&r);
	r = run_in(dir, demo_bin, NULL, ARGS("--log-level", "debug", "--log-path", "demo.log", "--users", "1"));
	assert_int_equal(r.status, 0);
	assert_lacks(r.err, "demo company");
	char path[800];
	snprintf(path, sizeof(path), "%s/demo.log", dir);
	char *log = slurp(path);
	assert_contains(log, "demo company");
	free(log);
	done(&r);
	/* an unknown level keeps info (as upstream) and says so */
	r = run_in(dir, demo_bin, NULL, ARGS("--log-level", "chatty", "--users", "1"));
	assert_int_equal(r.status, 0);
	assert_contains(r.err, "invalid log level");
	done(&r);
}

static void test_capabilities(void **state)
{
	(void)state;
	result r = run(demo_bin, NULL, ARGS("capabilities"));
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	size_t n = strlen(r.out);
	assert_true(n > 2);
	assert_int_not_equal(r.out[n - 1], '\n'); /* no trailing newline */
	const char *head = "{\n  \"@type\": \"type.googleapis.com/c1.connector.v2.ConnectorCapabilities\",\n";
	assert_true(!strncmp(r.out, head, strlen(head)));
	json_t *j = test_json_parse(r.out);
	test_json_assert_str(j, "resourceTypeCapabilities.0.resourceType.id", "group");
	test_json_assert_str(j, "resourceTypeCapabilities.4.resourceType.id", "workspace");
	assert_non_null(test_json_get(j, "resourceTypeCapabilities.0.permissions"));
	test_json_assert_str(j, "credentialDetails.capabilityAccountProvisioning.preferredCredentialOption",
	                     "CAPABILITY_DETAIL_CREDENTIAL_OPTION_RANDOM_PASSWORD");
	json_decref(j);
	done(&r);
	/* configuration given to capabilities is accepted (and validated) */
	r = run(demo_bin, ENV("BATON_USERS=3"), ARGS("capabilities", "--seed", "2"));
	assert_int_equal(r.status, 0);
	done(&r);
}

static json_t *find_field(json_t *fields, const char *name)
{
	size_t i;
	json_t *f;
	json_array_foreach(fields, i, f) {
		if (!strcmp(json_string_value(json_object_get(f, "name")), name))
			return f;
	}
	return NULL;
}

static void test_config_schema(void **state)
{
	(void)state;
	/* flags given do not change the schema's defaults */
	result r = run(demo_bin, ENV("BATON_USERS=3"), ARGS("config", "--log-level", "debug"));
	assert_int_equal(r.status, 0);
	size_t n = strlen(r.out);
	assert_true(n > 2);
	assert_int_not_equal(r.out[n - 1], '\n');
	json_t *j = test_json_parse(r.out);
	json_t *fields = json_object_get(j, "fields");
	test_json_assert_str(j, "fields.0.name", "log-level");
	test_json_assert_str(j, "fields.0.stringField.defaultValue", "info");
	assert_true(json_is_true(test_json_get(j, "fields.0.isOps")));
	test_json_assert_str(j, "displayName", "Baton Demo");
	json_t *users = find_field(fields, "users");
	assert_non_null(users);
	test_json_assert_str(users, "intField.defaultValue", "50");
	test_json_assert_str(users, "intField.rules.lte", "1000000");
	test_json_assert_str(users, "displayName", "Users");
	json_t *timeout = find_field(fields, "http-timeout-seconds");
	test_json_assert_str(timeout, "intField.defaultValue", "300");
	test_json_assert_str(timeout, "intField.rules.gte", "1");
	assert_null(find_field(fields, "file"));        /* not exported */
	assert_null(find_field(fields, "log-format"));
	json_decref(j);
	done(&r);

	r = run(probe_bin, NULL, ARGS("config"));
	assert_int_equal(r.status, 0);
	j = test_json_parse(r.out);
	fields = json_object_get(j, "fields");
	json_t *url = find_field(fields, "base-url");
	assert_true(json_is_true(json_object_get(url, "isRequired")));
	assert_true(json_is_true(test_json_get(url, "stringField.rules.isRequired")));
	test_json_assert_str(url, "stringField.rules.pattern", "^https?://");
	test_json_assert_str(url, "placeholder", "https://api.example.com");
	json_t *key = find_field(fields, "api-key");
	assert_true(json_is_true(json_object_get(key, "isSecret")));
	test_json_assert_str(find_field(fields, "region"), "stringField.rules.in.1", "eu");
	test_json_assert_str(find_field(fields, "tags"), "stringSliceField.defaultValue.1", "b");
	test_json_assert_str(find_field(fields, "labels"), "stringMapField.defaultValue.k.value", "v");
	test_json_assert_str(find_field(fields, "cert"), "stringField.type", "STRING_FIELD_TYPE_FILE_UPLOAD");
	test_json_assert_str(find_field(fields, "cert"), "stringField.allowedExtensions.0", ".pem");
	assert_non_null(test_json_get(find_field(fields, "verbose"), "boolField"));
	assert_true(json_is_true(json_object_get(find_field(fields, "tuning"), "isOps")));
	assert_null(find_field(fields, "debug-dump"));
	test_json_assert_str(j, "constraints.0.kind", "CONSTRAINT_KIND_REQUIRED_TOGETHER");
	test_json_assert_str(j, "constraints.1.kind", "CONSTRAINT_KIND_MUTUALLY_EXCLUSIVE");
	test_json_assert_str(j, "constraints.2.kind", "CONSTRAINT_KIND_DEPENDENT_ON");
	test_json_assert_str(j, "constraints.2.secondaryFieldNames.0", "token");
	test_json_assert_str(j, "catalogId", "probe");
	json_decref(j);
	done(&r);

	r = run(probe_bin, ENV("PROBE_VARIANT=groups"), ARGS("config"));
	j = test_json_parse(r.out);
	test_json_assert_str(j, "fieldGroups.0.name", "api-key");
	assert_true(json_is_true(test_json_get(j, "fieldGroups.0.default")));
	test_json_assert_str(j, "fieldGroups.1.fields.2", "oauth-secret");
	test_json_assert_str(j, "constraints.0.kind", "CONSTRAINT_KIND_AT_LEAST_ONE");
	json_decref(j);
	done(&r);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s <baton-demo> <cli-probe>\n", argv[0]);
		return 2;
	}
	demo_bin = argv[1];
	probe_bin = argv[2];
	snprintf(base_dir, sizeof(base_dir), "%s/cli-%ld", test_out_dir(), (long)getpid());
	mkdir(base_dir, 0755);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_precedence_demo),
		cmocka_unit_test(test_precedence_probe),
		cmocka_unit_test(test_validation),
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_secrets),
		cmocka_unit_test(test_log_flags),
		cmocka_unit_test(test_capabilities),
		cmocka_unit_test(test_config_schema),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
