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
 * with the Go SDK's output). Issue 17: every flag of baton-demo --help has an observable effect or
 * is refused (test_no_flag_ignored, test_refusals), and so is a flag the mode that runs does not
 * read (test_mode_readers: sync flags with a one-shot or in service mode, two modes); several
 * --log-path; --http-timeout-seconds on an SDK HTTP client against a silent server; the
 * health-check and completion subcommands; --version with the connector's version;
 * capabilities without configuration; the schema version 2 kinds, rules and options, and a
 * version 1 schema still read.
 *
 * Also: `test_cli --examples <connector>...` (every example's own flags are in its config
 * schema) and `test_cli --parity docs/parity.md <baton-demo>`.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
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

/* A subcommand's --help is that subcommand's (cobra's): its description, its usage line, its own
 * flags, then the root's persistent (SDK) flags as "Global Flags"; never the root's help.
 * tests/interop (TestCLISubcommandHelpMatchesGo) compares the text byte for byte with Go's. */
static void test_subcommand_help(void **state)
{
	(void)state;
	static const char *const subs[] = {"health-check", "capabilities", "config", "completion"};
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		char usage[128], hflag[128];
		snprintf(usage, sizeof(usage), "Usage:\n  baton-demo %s [%s]\n", subs[i],
		         strcmp(subs[i], "completion") ? "flags" : "command");
		snprintf(hflag, sizeof(hflag), "help for %s\n", subs[i]);
		result r = run(demo_bin, NULL, ARGS(subs[i], "--help"));
		assert_int_equal(r.status, 0);
		assert_string_equal(r.err, "");
		assert_contains(r.out, usage);
		assert_contains(r.out, "\nFlags:\n");
		assert_contains(r.out, hflag);
		assert_contains(r.out, "\nGlobal Flags:\n");
		assert_lacks(r.out, "Baton Demo: A generated company"); /* the root's description */
		assert_lacks(r.out, "SDK flags:");
		assert_lacks(r.out, "help for baton-demo");
		/* the SDK's flags are global, the connector's are not */
		char *global = strstr(r.out, "Global Flags:\n");
		assert_non_null(strstr(global, "  -f, --file string"));
		assert_non_null(strstr(global, "($BATON_FILE) (default \"sync.c1z\")"));
		assert_null(strstr(global, "--users int"));
		assert_null(strstr(global, "--grant-entitlement"));
		assert_null(strstr(global, "-v, --version"));
		char *users = strstr(r.out, "--users int");
		if (!strcmp(subs[i], "capabilities"))
			assert_true(users && users < global); /* it builds the connector: its fields are local */
		else
			assert_null(users);
		done(&r);

		/* the same with -h and with `help <subcommand>` */
		result h = run(demo_bin, NULL, ARGS(subs[i], "-h"));
		result h2 = run(demo_bin, NULL, ARGS("help", subs[i]));
		result full = run(demo_bin, NULL, ARGS(subs[i], "--help"));
		assert_string_equal(h.out, full.out);
		assert_string_equal(h2.out, full.out);
		done(&h);
		done(&h2);
		done(&full);
	}
	result r = run(demo_bin, NULL, ARGS("health-check", "--help"));
	assert_contains(r.out, "Query the health check server of a running connector.\n");
	assert_contains(r.out, "Flags:\n"
	                       "      --endpoint string   Endpoint to check: health, ready, or live (default \"health\")\n"
	                       "  -h, --help              help for health-check\n"
	                       "      --timeout int       Request timeout in seconds (default 5)\n\n"
	                       "Global Flags:\n");
	done(&r);
	r = run(demo_bin, NULL, ARGS("completion", "--help"));
	assert_contains(r.out, "Available Commands:\n  bash ");
	assert_lacks(r.out, "powershell"); /* not generated (refused): not offered */
	assert_contains(r.out, "Use \"baton-demo completion [command] --help\"");
	done(&r);
}

static void test_version(void **state)
{
	(void)state;
	/* cobra's line with the connector's version (baton_connector.version_string), then libbaton's */
	result r = run(demo_bin, NULL, ARGS("--version"));
	assert_int_equal(r.status, 0);
	char want[128];
	snprintf(want, sizeof(want), "baton-demo version v0.3.0\nlibbaton version %s\n", BATON_VERSION);
	assert_string_equal(r.out, want);
	done(&r);
	r = run(demo_bin, NULL, ARGS("-v"));
	assert_string_equal(r.out, want);
	done(&r);
	/* a connector that does not say its version */
	r = run(probe_bin, NULL, ARGS("--version"));
	snprintf(want, sizeof(want), "cli-probe version dev\nlibbaton version %s\n", BATON_VERSION);
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
	/* `config` needs no configuration; nor does `capabilities` (Go's
	 * WithDefaultCapabilitiesConnectorBuilder: libbaton derives them without init) */
	r = run(probe_bin, NULL, ARGS("config"));
	assert_int_equal(r.status, 0);
	done(&r);
	r = run(probe_bin, NULL, ARGS("capabilities"));
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	assert_contains(r.out, "\"@type\": \"type.googleapis.com/c1.connector.v2.ConnectorCapabilities\"");
	done(&r);
	/* nor an invalid one; parse errors still count */
	r = run(probe_bin, NULL, ARGS("capabilities", "--limit", "500", "--base-url", "ftp://x"));
	assert_int_equal(r.status, 0);
	done(&r);
	r = run(probe_bin, NULL, ARGS("capabilities", "--limit", "many"));
	assert_int_equal(r.status, 2);
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
	/* sorted by type id: api_token (the demo's issued API tokens) first */
	test_json_assert_str(j, "resourceTypeCapabilities.0.resourceType.id", "api_token");
	test_json_assert_str(j, "resourceTypeCapabilities.1.resourceType.id", "group");
	test_json_assert_str(j, "resourceTypeCapabilities.5.resourceType.id", "workspace");
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

/* ------------------------------------------------------------------------------------------ */
/* Field kinds, rules and options of BATON_CONFIG_SCHEMA_VERSION 2 (issue 17 point 5)           */

typedef struct rule_case {
	const char *flag, *value;
	const char *want; /* the one problem line; NULL: accepted */
} rule_case;

static void test_rules_v2(void **state)
{
	(void)state;
	static const rule_case cases[] = {
		{"--email", "ann@example.com", NULL},
		{"--email", "Ann Lee <ann@example.com>", NULL},
		{"--email", "ann.example.com", "field email: value must be a valid email address but got 'ann.example.com'"},
		{"--email", "ann@", "field email: value must be a valid email address but got 'ann@'"},
		{"--site", "https://example.com/a?b=c", NULL},
		{"--site", "/just/a/path", NULL},
		{"--site", "mailto:ann@example.com", NULL},
		{"--site", "example.com", "field site: value must be a valid URL but got 'example.com'"},
		{"--site", "http://exa mple.com/", "field site: value must be a valid URL but got 'http://exa mple.com/'"},
		{"--site", "https://example.com/%zz", "field site: value must be a valid URL but got 'https://example.com/%zz'"},
		{"--host", "db-1.example.com", NULL},
		{"--host", "10.0.0.1", NULL},
		{"--host", "-db.example.com", "field host: value must be a valid hostname but got '-db.example.com'"},
		{"--host", "a..b", "field host: value must be a valid hostname but got 'a..b'"},
		{"--addr", "192.168.1.1", NULL},
		{"--addr", "fe80::1", NULL},
		{"--addr", "192.168.1", "field addr: value must be a valid IP address but got '192.168.1'"},
		{"--addr", "01.2.3.4", "field addr: value must be a valid IP address but got '01.2.3.4'"},
		{"--addr4", "::ffff:1.2.3.4", NULL},
		{"--addr4", "::1", "field addr4: value must be a valid IPv4 address but got '::1'"},
		{"--addr6", "1.2.3.4", NULL}, /* as upstream: To16 of an IPv4 address is not nil */
		{"--addr6", "::g", "field addr6: value must be a valid IPv6 address but got '::g'"},
		{"--tenant-id", "123e4567-e89b-12d3-a456-426614174000", NULL},
		{"--tenant-id", "{123e4567-e89b-12d3-a456-426614174000}", NULL},
		{"--tenant-id", "urn:uuid:123e4567-e89b-12d3-a456-426614174000", NULL},
		{"--tenant-id", "123e4567e89b12d3a456426614174000", NULL},
		{"--tenant-id", "123e4567-e89b-12d3-a456-42661417400", "field tenant-id: value must be a valid UUID but got "
		                                                      "'123e4567-e89b-12d3-a456-42661417400'"},
		{"--key", "ak_a-b_z", NULL},
		{"--key", "xk_a-b_z", "field key: value must have prefix 'ak_' but got 'xk_a-b_z'"},
		{"--key", "ak_a-b", "field key: value must have suffix '_z' but got 'ak_a-b'"},
		{"--key", "ak_ab_z", "field key: value must contain '-' but got 'ak_ab_z'"},
		{"--scopes", "s:a,s:b", NULL},
		{"--scopes", "s:a,s:b,s:c,s:d", "field scopes: value must have at most 3 items but got 4"},
		{"--scopes", "s:a,s:a", "field scopes: value must not contain duplicate items but got multiple \"s:a\""},
		{"--scopes", "s:a,x", "field scopes invalid item at field 1: value must have prefix 's:' but got 'x'"},
		{"--code", "abcd", NULL},
		{"--code", "abc", "field code: value must be exactly 4 characters long but got 3"},
		{"--code", "1234", "field code: value must not be one of [0000 1234] but got '1234'"},
		{"--port", "8080", NULL},
		{"--port", "81", "field port: value must be one of [80 443 8080] but got 81"},
		{"--level", "13", "field level: value must not be one of [13] but got 13"},
		{"--level", "21", "field level: value must be less than or equal to 20 but got 21"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const rule_case *c = &cases[i];
		result r = run(probe_bin, ENV("PROBE_VARIANT=kinds"), ARGS(c->flag, c->value));
		if (c->want) {
			assert_one_line(&r, 2, c->want);
		} else if (r.status != 9) { /* the probe's init ran: "probe done" */
			fprintf(stderr, "%s %s: want accepted, got exit %d: %s\n", c->flag, c->value, r.status, r.err);
			fail();
		}
		done(&r);
	}
	/* min_items applies to a given (non-empty) list only, as upstream: an empty list is a zero value */
	result r = run(probe_bin, ENV("PROBE_VARIANT=kinds", "BATON_SCOPES="), NULL);
	assert_int_equal(r.status, 9);
	done(&r);
}

static void test_kinds_v2(void **state)
{
	(void)state;
	/* OAUTH2 and RANDOM fields are strings on the command line */
	result r = run(probe_bin, ENV("PROBE_VARIANT=kinds"), ARGS("--token", "tok", "--nonce", "n1"));
	assert_int_equal(r.status, 9);
	assert_contains(r.out, "token=tok (set)\n");
	assert_contains(r.out, "nonce=n1 (set)\n");
	/* a suggested value is not a default; a default_value_func is, computed at start */
	assert_contains(r.out, "site= (default)\n");
	assert_contains(r.out, "retries=0 (default)\n");
	assert_contains(r.out, "started=computed (default)\n");
	done(&r);
	r = run(probe_bin, ENV("PROBE_VARIANT=kinds", "PROBE_COMPUTED=at-start"), NULL);
	assert_contains(r.out, "started=at-start (default)\n");
	done(&r);
	/* the schema: types, rules, suggested values, the re-exported SDK fields at the connector's place */
	r = run(probe_bin, ENV("PROBE_VARIANT=kinds"), ARGS("config"));
	assert_int_equal(r.status, 0);
	json_t *j = test_json_parse(r.out);
	json_t *fields = json_object_get(j, "fields");
	test_json_assert_str(find_field(fields, "token"), "stringField.type", "STRING_FIELD_TYPE_OAUTH2");
	test_json_assert_str(find_field(fields, "nonce"), "stringField.type", "STRING_FIELD_TYPE_RANDOM");
	test_json_assert_str(find_field(fields, "email"), "stringField.rules.wellKnown", "WELL_KNOWN_STRING_EMAIL");
	test_json_assert_str(find_field(fields, "site"), "stringField.suggestedValue", "https://example.com");
	test_json_assert_str(find_field(fields, "key"), "stringField.rules.suffix", "_z");
	test_json_assert_str(find_field(fields, "scopes"), "stringSliceField.rules.maxItems", "3");
	test_json_assert_str(find_field(fields, "scopes"), "stringSliceField.suggestedValue.1", "s:write");
	test_json_assert_str(find_field(fields, "retries"), "intField.suggestedValue", "3");
	test_json_assert_str(find_field(fields, "started"), "stringField.defaultValue", "computed");
	size_t n = json_array_size(fields);
	test_json_assert_str(json_array_get(fields, n - 2), "name", "ticketing");
	test_json_assert_str(json_array_get(fields, n - 1), "name", "http-timeout-seconds");
	assert_null(json_object_get(json_array_get(fields, n - 1), "isOps")); /* was ops, now GUI */
	size_t http = 0;
	for (size_t i = 0; i < n; i++)
		http += !strcmp(json_string_value(json_object_get(json_array_get(fields, i), "name")), "http-timeout-seconds");
	assert_int_equal(http, 1);
	json_decref(j);
	done(&r);
	/* a re-exported flag keeps working as the SDK's */
	r = run(probe_bin, ENV("PROBE_VARIANT=kinds"), ARGS("--http-timeout-seconds", "7"));
	assert_contains(r.out, "sdk.http-timeout-seconds=7\n");
	done(&r);
	r = run(probe_bin, ENV("PROBE_VARIANT=kinds"), ARGS("--http-timeout-seconds", "7000"));
	assert_one_line(&r, 2, "field http-timeout-seconds: value must be less than or equal to 1800 but got 7000");
	done(&r);
}

/* A schema built against BATON_CONFIG_SCHEMA_VERSION 1's baton_field still works. */
static void test_schema_v1(void **state)
{
	(void)state;
	result r = run(probe_bin, ENV("PROBE_VARIANT=v1"), ARGS("--gamma", "go"));
	assert_int_equal(r.status, 9);
	assert_contains(r.out, "alpha=a1\nbeta=7\ngamma=go\n");
	done(&r);
	r = run(probe_bin, ENV("PROBE_VARIANT=v1"), ARGS("--gamma", "x", "--beta", "12", "--alpha", "z"));
	assert_int_equal(r.status, 2);
	assert_string_equal(r.err, "field alpha: value must be at least 2 characters long but got 1\n"
	                           "field beta: value must be less than or equal to 9 but got 12\n"
	                           "field gamma: value must match pattern ^g but got 'x'\n");
	done(&r);
	r = run(probe_bin, ENV("PROBE_VARIANT=v1"), ARGS("config"));
	json_t *j = test_json_parse(r.out);
	json_t *fields = json_object_get(j, "fields");
	test_json_assert_str(find_field(fields, "beta"), "intField.defaultValue", "7");
	test_json_assert_str(find_field(fields, "gamma"), "stringField.rules.pattern", "^g");
	json_decref(j);
	done(&r);
}

/* ------------------------------------------------------------------------------------------ */
/* No flag accepted and ignored (issue 17)                                                     */

/* The flags --help lists (long names, without "--"), in order; `sdk_only`: after "SDK flags:";
 * `connector_only`: before it. Returns the count; names are malloc'd. */
static size_t help_flags(const char *help, char **names, size_t max, int which)
{
	size_t n = 0;
	bool in_sdk = false;
	for (const char *line = help; line && *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		if (len >= 10 && !strncmp(line, "SDK flags:", 10))
			in_sdk = true;
		const char *p = line;
		while (p < line + len && *p == ' ')
			p++;
		if (p + 4 < line + len && p[0] == '-' && p[1] != '-' && p[2] == ',')
			p += 4; /* "-f, " */
		if (p > line && p + 2 < line + len && p[0] == '-' && p[1] == '-') {
			p += 2;
			size_t k = 0;
			while (p + k < line + len && p[k] != ' ')
				k++;
			bool take = which == 0 || (which == 1 && in_sdk) || (which == 2 && !in_sdk);
			if (take && n < max && !(k == 4 && !strncmp(p, "help", 4)) && !(k == 7 && !strncmp(p, "version", 7)))
				names[n++] = strndup(p, k);
		}
		line = end ? end + 1 : NULL;
	}
	return n;
}

enum { REFUSED = 1, EFFECT = 2, SPECIAL = 3 };

typedef struct flag_case {
	const char *flag;
	int want;
	const char *flag_args[3];  /* the flag (and its value) */
	const char *ctx_args[6];   /* context, also used by the baseline run */
	const char *err_has;       /* REFUSED: stderr names it; EFFECT: stderr has it, the baseline's not */
	const char *err_lacks;     /* EFFECT: stderr lacks it, the baseline's has it */
	const char *file;          /* EFFECT: the run creates it, the baseline does not */
} flag_case;

#define DBG "--log-level", "debug"
static const flag_case demo_cases[] = {
	{"users", EFFECT, {"--users", "3"}, {DBG}, "3 users", NULL, NULL},
	{"groups", EFFECT, {"--groups", "2"}, {DBG}, "2 groups", NULL, NULL},
	{"roles", EFFECT, {"--roles", "1"}, {DBG}, "1 roles", NULL, NULL},
	{"workspaces", EFFECT, {"--workspaces", "2"}, {DBG}, "2 workspaces", NULL, NULL},
	{"projects", EFFECT, {"--projects", "3"}, {DBG}, "3 projects", NULL, NULL},
	{"seed", EFFECT, {"--seed", "5"}, {DBG}, "seed 5,", NULL, NULL},
	{"page-size", EFFECT, {"--page-size", "2"}, {DBG, "--users", "5"},
	 "\"resource_type_id\":\"user\",\"parent\":\"none\",\"page\":3", NULL, NULL},
	/* the demo reads its state file at init: a broken one fails the run, naming it */
	{"state-file", EFFECT, {"--state-file", "broken.json"}, {"--users", "3"}, "broken.json", NULL, NULL},
	{"auth-method", REFUSED, {"--auth-method", "oauth"}, {0}, "--auth-method", NULL, NULL},
	{"client-id", REFUSED, {"--client-id", "id"}, {0}, "client-id", NULL, NULL},
	{"client-secret", REFUSED, {"--client-secret", "s"}, {0}, "client-secret", NULL, NULL},
	/* a missing file is refused up front; test_cli_diff and test_sync_external show its effect */
	{"external-resource-c1z", REFUSED, {"--external-resource-c1z", "ext.c1z"}, {0},
	 "external resource c1z file does not exist: ext.c1z", NULL, NULL},
	{"external-resource-entitlement-id-filter", REFUSED, {"--external-resource-entitlement-id-filter", "e"}, {0},
	 "--external-resource-entitlement-id-filter", NULL, NULL},
	{"external-resource-traits", REFUSED, {"--external-resource-traits", "user"}, {0}, "--external-resource-traits",
	 NULL, NULL},
	{"file", EFFECT, {"--file", "out.c1z"}, {"--users", "3"}, NULL, NULL, "out.c1z"},
	{"health-check", REFUSED, {"--health-check"}, {0}, "--health-check ", NULL, NULL},
	{"health-check-port", REFUSED, {"--health-check-port", "9000"}, {"--health-check"}, "--health-check", NULL, NULL},
	{"http-timeout-seconds", SPECIAL, {0}, {0}, NULL, NULL, NULL}, /* test_http_timeout */
	{"keep-previous-sync-c1z", REFUSED, {"--keep-previous-sync-c1z"}, {0}, "--keep-previous-sync-c1z", NULL, NULL},
	{"log-format", EFFECT, {"--log-format", "console"}, {"--users", "3"}, NULL, "{\"level\"", NULL},
	{"log-level", EFFECT, {"--log-level", "debug"}, {"--users", "3"}, "\"level\":\"debug\"", NULL, NULL},
	{"log-level-debug-expires-at", REFUSED, {"--log-level-debug-expires-at", "2030-01-01T00:00:00Z"}, {0},
	 "--log-level-debug-expires-at", NULL, NULL},
	{"log-path", EFFECT, {"--log-path", "demo.log"}, {"--users", "3"}, NULL, NULL, "demo.log"},
	{"otel-collector-endpoint", REFUSED, {"--otel-collector-endpoint", "localhost:4317"}, {0},
	 "--otel-collector-endpoint", NULL, NULL},
	{"parallel-sync", EFFECT, {"--parallel-sync"}, {"--users", "3"}, "syncing in parallel", NULL, NULL},
	{"provisioning", REFUSED, {"--provisioning"}, {0}, "--provisioning", NULL, NULL},
	{"skip-entitlements-and-grants", EFFECT, {"--skip-entitlements-and-grants"}, {"--users", "3"}, NULL,
	 "Syncing entitlements", NULL},
	{"skip-full-sync", REFUSED, {"--skip-full-sync"}, {0}, "--skip-full-sync", NULL, NULL},
	{"storage-engine", REFUSED, {"--storage-engine", "pebble"}, {0}, "--storage-engine pebble", NULL, NULL},
	{"sync-resource-types", EFFECT, {"--sync-resource-types", "workspace"}, {"--users", "3"}, NULL,
	 "\"resource_type_id\":\"user\"", NULL},
	{"sync-resources", EFFECT, {"--sync-resources", "workspace/ws00"}, {"--users", "3"}, NULL, "Syncing resources...",
	 NULL},
	{"task-concurrency", REFUSED, {"--task-concurrency", "5"}, {0}, "--task-concurrency", NULL, NULL},
	{"ticketing", REFUSED, {"--ticketing"}, {0}, "--ticketing", NULL, NULL},
	{"workers", EFFECT, {"--workers", "2"}, {"--users", "3"}, "\"workers\":2", NULL, NULL},
};

static bool file_in(const char *dir, const char *name)
{
	char path[900];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

/* Runs the demo with the case's flag (with_flag) or without it (the baseline). */
static result run_case(const flag_case *c, bool with_flag)
{
	const char *args[12];
	size_t n = 0;
	for (size_t i = 0; with_flag && i < 3 && c->flag_args[i]; i++)
		args[n++] = c->flag_args[i];
	for (size_t i = 0; i < 6 && c->ctx_args[i]; i++)
		args[n++] = c->ctx_args[i];
	args[n] = NULL;
	char dir[600];
	new_dir(dir, sizeof(dir));
	write_file(dir, "broken.json", "this is not JSON");
	return run_in(dir, demo_bin, NULL, args);
}

static void test_no_flag_ignored(void **state)
{
	(void)state;
	result h = run(demo_bin, NULL, ARGS("--help"));
	assert_int_equal(h.status, 0);
	char *names[256];
	size_t n = help_flags(h.out, names, 256, 0);
	assert_true(n >= 30);
	size_t nc = sizeof(demo_cases) / sizeof(demo_cases[0]);
	for (size_t i = 0; i < n; i++) {
		const flag_case *c = NULL;
		for (size_t j = 0; j < nc; j++)
			if (!strcmp(demo_cases[j].flag, names[i]))
				c = &demo_cases[j];
		if (!c) {
			fprintf(stderr, "--%s is in baton-demo --help but has no case here: show its effect or refuse it\n",
			        names[i]);
			fail();
		}
		if (c->want == SPECIAL)
			continue;
		result r = run_case(c, true);
		if (c->want == REFUSED) {
			if (r.status == 0 || !strstr(r.err, c->err_has)) {
				fprintf(stderr, "--%s: want a refusal naming \"%s\", got exit %d: %s\n", c->flag, c->err_has,
				        r.status, r.err);
				fail();
			}
		} else {
			result b = run_case(c, false);
			bool ok = true;
			if (c->err_has)
				ok = ok && strstr(r.err, c->err_has) && !strstr(b.err, c->err_has);
			if (c->err_lacks)
				ok = ok && !strstr(r.err, c->err_lacks) && strstr(b.err, c->err_lacks);
			if (c->file)
				ok = ok && file_in(r.dir, c->file) && !file_in(b.dir, c->file);
			if (!ok) {
				fprintf(stderr, "--%s: no observable effect (exit %d, stderr: %s)\nbaseline (exit %d): %s\n", c->flag,
				        r.status, r.err, b.status, b.err);
				fail();
			}
			done(&b);
		}
		done(&r);
	}
	/* every case is still a flag of --help (the table does not keep dead entries) */
	for (size_t j = 0; j < nc; j++) {
		bool found = false;
		for (size_t i = 0; i < n; i++)
			found = found || !strcmp(demo_cases[j].flag, names[i]);
		if (!found) {
			fprintf(stderr, "case --%s is not in baton-demo --help any more\n", demo_cases[j].flag);
			fail();
		}
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	done(&h);
}

/* The refusals' exact words and exit statuses; the companions of a mode accepted with it. */
static void test_refusals(void **state)
{
	(void)state;
	/* diff and compaction (test_cli_diff runs them): their flags go together, as upstream */
	result r = run(demo_bin, NULL, ARGS("--diff-syncs", "--base-sync-id", "a"));
	assert_one_line(&r, 2, "if any flags in the group [diff-syncs base-sync-id applied-sync-id] are set they must "
	                "all be set; missing [applied-sync-id]");
	done(&r);
	r = run(demo_bin, NULL, ARGS("--compact-syncs", "--compact-sync-ids", "a", "--compact-file-paths", "x.c1z"));
	assert_one_line(&r, 2, "if any flags in the group [compact-syncs compact-sync-ids compact-file-paths "
	                "compact-output-path] are set they must all be set; missing [compact-output-path]");
	done(&r);
	r = run(demo_bin, NULL, ARGS("--list-resource-actions", "user"));
	assert_int_equal(r.status, 12);
	assert_contains(r.err, "--list-resource-actions: resource-scoped actions");
	done(&r);
	r = run(demo_bin, ENV("BATON_OTEL_TRACING_DISABLED=true"), NULL);
	assert_one_line(&r, 12, "--otel-tracing-disabled: OpenTelemetry export is not supported yet by libbaton");
	done(&r);
	r = run(demo_bin, NULL, ARGS("--storage-engine", "pebble"));
	assert_one_line(&r, 12, "--storage-engine pebble: the pebble storage engine is not supported yet by libbaton "
	                        "(c1z files are SQLite: use sqlite or leave it unset)");
	done(&r);
	r = run(demo_bin, NULL, ARGS("--skip-full-sync"));
	assert_one_line(&r, 2, "--skip-full-sync applies to service mode (--client-id) only; nothing reads it in this run");
	done(&r);
	r = run(demo_bin, NULL, ARGS("--event-feed-cursor", "c"));
	assert_one_line(&r, 2, "--event-feed-cursor is used only with --event-feed; nothing reads it in this run");
	done(&r);
	r = run(demo_bin, NULL, ARGS("-p"));
	assert_one_line(&r, 2, "--provisioning is used only with --grant-entitlement or --revoke-grant or "
	                       "--create-account-login or --create-account-profile or --delete-resource or "
	                       "--rotate-credentials or --create-resource or --create-resource-type; nothing reads it "
	                       "in this run");
	done(&r);
	r = run(demo_bin, NULL, ARGS("--auth-method", "x"));
	assert_one_line(&r, 2, "--auth-method x: this connector has no auth methods (field groups) to choose from");
	done(&r);
	/* sqlite is what libbaton writes: accepted */
	r = run(demo_bin, NULL, ARGS("--storage-engine", "sqlite", "--users", "2"));
	assert_int_equal(r.status, 0);
	done(&r);
	/* a companion with its mode is accepted (here the mode fails later for its own reason) */
	r = run(demo_bin, NULL, ARGS("--event-feed=true", "--event-feed-cursor", "c"));
	assert_lacks(r.err, "nothing reads it");
	done(&r);
}

/*
 * A flag the mode that runs does not read is refused, naming the flag and the mode (the Go SDK
 * ignores it): sync flags with a one-shot or in service mode, a second mode flag; what the mode
 * reads is accepted with it.
 */
static void test_mode_readers(void **state)
{
	(void)state;
	result r = run(demo_bin, NULL, ARGS("--grant-entitlement", "e", "--grant-principal", "p",
	                                    "--skip-entitlements-and-grants"));
	assert_one_line(&r, 2, "--skip-entitlements-and-grants is not read by --grant-entitlement; nothing reads it in "
	                       "this run");
	done(&r);
	r = run(demo_bin, NULL, ARGS("--revoke-grant", "g", "--workers", "2"));
	assert_one_line(&r, 2, "--workers is not read by --revoke-grant; nothing reads it in this run");
	done(&r);
	r = run(demo_bin, ENV("BATON_SYNC_RESOURCE_TYPES=user"), ARGS("--list-ticket-schemas"));
	assert_one_line(&r, 2, "--sync-resource-types is not read by --list-ticket-schemas; nothing reads it in this run");
	done(&r);
	r = run(demo_bin, NULL, ARGS("--event-feed=true", "--c1z-temp-dir", "."));
	assert_one_line(&r, 2, "--c1z-temp-dir is not read by --event-feed; nothing reads it in this run");
	done(&r);
	r = run(demo_bin, NULL, ARGS("--create-account-login", "ann", "--parallel-sync"));
	assert_one_line(&r, 2, "--parallel-sync is not read by --create-account-login; nothing reads it in this run");
	done(&r);
	r = run(demo_bin, NULL, ARGS("--diff-syncs", "--base-sync-id", "a", "--applied-sync-id", "b", "--sync-resources",
	                             "user/u1"));
	assert_one_line(&r, 2, "--sync-resources is not read by --diff-syncs; nothing reads it in this run");
	done(&r);
	/* service mode: the sync task says what to skip (its full syncs read the external resource
	 * flags: tests/service/external_service.sh) */
	r = run(demo_bin, NULL, ARGS("--client-id", "id", "--client-secret", "s", "--skip-entitlements-and-grants"));
	assert_one_line(&r, 2, "--skip-entitlements-and-grants is not read by service mode (--client-id); nothing reads "
	                       "it in this run");
	done(&r);
	/* what upstream's service mode reads and libbaton's does not yet */
	const char *const later[] = {"--skip-full-sync", "--keep-previous-sync-c1z",
	                             "--log-level-debug-expires-at=2030-01-01T00:00:00Z"};
	for (size_t i = 0; i < 3; i++) {
		r = run(demo_bin, NULL, ARGS("--client-id", "id", "--client-secret", "s", later[i]));
		char want[200];
		snprintf(want, sizeof(want), "%.*s is not supported yet by libbaton's service mode",
		         (int)strcspn(later[i], "="), later[i]);
		assert_one_line(&r, 12, want);
		done(&r);
	}
	/* one mode per run */
	r = run(demo_bin, NULL, ARGS("--invoke-action", "a", "--list-action-schemas"));
	assert_one_line(&r, 2, "--list-action-schemas cannot be used with --invoke-action: one mode runs at a time, and "
	                       "nothing reads it in this run");
	done(&r);
	r = run(demo_bin, NULL, ARGS("--client-id", "id", "--client-secret", "s", "--grant-entitlement", "e",
	                             "--grant-principal", "p"));
	assert_one_line(&r, 2, "--grant-entitlement cannot be used with --client-id: one mode runs at a time, and nothing "
	                       "reads it in this run");
	done(&r);
	/* what the mode reads is accepted with it (these runs fail later, for their own reasons) */
	r = run(demo_bin, NULL, ARGS("--grant-entitlement", "e", "--grant-principal", "p", "--grant-principal-type",
	                             "user", "--c1z-temp-dir", ".", "--file", "none.c1z"));
	assert_int_not_equal(r.status, 0);
	assert_lacks(r.err, "nothing reads it");
	assert_contains(r.err, "none.c1z");
	done(&r);
	r = run(demo_bin, NULL, ARGS("--diff-syncs", "--base-sync-id", "a", "--applied-sync-id", "b", "--c1z-temp-dir",
	                             ".", "--file", "none.c1z"));
	assert_int_not_equal(r.status, 0);
	assert_lacks(r.err, "nothing reads it");
	done(&r);
	/* --file is accepted by every mode, as upstream (docs/parity.md) */
	r = run(demo_bin, NULL, ARGS("--delete-resource", "u1", "--file", "x.c1z"));
	assert_lacks(r.err, "nothing reads it");
	done(&r);
	/* a sync reads them all */
	r = run(demo_bin, NULL, ARGS("--users", "2", "--workers", "2", "--c1z-temp-dir", ".", "--sync-resource-types",
	                             "user"));
	assert_int_equal(r.status, 0);
	done(&r);
}

/* --log-path with several paths writes every record to each. */
static void test_log_paths(void **state)
{
	(void)state;
	char dir[600];
	new_dir(dir, sizeof(dir));
	result r = run_in(dir, demo_bin, NULL, ARGS("--log-level", "debug", "--log-path", "a.log", "--log-path",
	                                            "b.log,stdout", "--users", "1"));
	assert_int_equal(r.status, 0);
	assert_lacks(r.err, "demo company");
	assert_contains(r.out, "demo company");
	const char *names[] = {"a.log", "b.log"};
	for (size_t i = 0; i < 2; i++) {
		char path[800];
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		char *log = slurp(path);
		assert_contains(log, "demo company");
		assert_contains(log, "Sync complete.");
		free(log);
	}
	done(&r);
	r = run_in(dir, demo_bin, NULL, ARGS("--log-path", "a.log", "--log-path", "no/such/dir/x.log"));
	assert_int_equal(r.status, 2);
	assert_contains(r.err, "cannot open log file no/such/dir/x.log");
	done(&r);
}

/* A loopback listener that accepts connections and never answers (a hung API). */
static int silent_listener(int *port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof(a);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

/* --http-timeout-seconds is the timeout of every baton_http_client made with the default. */
static void test_http_timeout(void **state)
{
	(void)state;
	int port, fd = silent_listener(&port);
	char env[128];
	snprintf(env, sizeof(env), "PROBE_HTTP_URL=http://127.0.0.1:%d", port);
	result r = run(probe_bin, ENV(env), ARGS(URL, "--http-timeout-seconds", "1"));
	int code = 0;
	long long ms = -1;
	const char *line = strstr(r.out, "http=");
	assert_non_null(line);
	assert_int_equal(sscanf(line, "http=%d %lld", &code, &ms), 2);
	assert_int_equal(code, BATON_EDEADLINE);
	if (ms < 900 || ms > 5000) {
		fprintf(stderr, "the request took %lld ms with --http-timeout-seconds 1\n", ms);
		fail();
	}
	done(&r);
	r = run(probe_bin, ENV(env, "BATON_HTTP_TIMEOUT_SECONDS=2"), ARGS(URL));
	line = strstr(r.out, "http=");
	assert_non_null(line);
	assert_int_equal(sscanf(line, "http=%d %lld", &code, &ms), 2);
	assert_int_equal(code, BATON_EDEADLINE);
	assert_true(ms >= 1900 && ms <= 6000);
	done(&r);
	close(fd);
}

/* A one-shot HTTP server in a child: answers one request with `status`, writes the request line
 * it got to `seen`. */
static pid_t serve_once(int fd, int status, const char *seen)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(60); /* never outlive a failed test */
		int c = accept(fd, NULL, NULL);
		if (c < 0)
			_exit(1);
		char buf[2048];
		ssize_t n = read(c, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		FILE *f = fopen(seen, "w");
		if (f) {
			fputs(buf, f);
			fclose(f);
		}
		char resp[256];
		int k = snprintf(resp, sizeof(resp), "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
		                 "Connection: close\r\n\r\n{}", status);
		if (write(c, resp, (size_t)k) < 0)
			_exit(1);
		close(c);
		_exit(0);
	}
	return pid;
}

static void test_health_check(void **state)
{
	(void)state;
	int port, fd = silent_listener(&port);
	char portarg[32], seen[700];
	snprintf(portarg, sizeof(portarg), "%d", port);
	snprintf(seen, sizeof(seen), "%s/health-seen", base_dir);
	/* no configuration needed: the probe's required --base-url is not given */
	pid_t pid = serve_once(fd, 200, seen);
	result r = run(probe_bin, NULL, ARGS("health-check", "--health-check-port", portarg, "--endpoint", "ready",
	                                      "--health-check-bind-address", "127.0.0.1"));
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	waitpid(pid, NULL, 0);
	char *req = slurp(seen);
	assert_true(!strncmp(req, "GET /ready HTTP/1.1\r\n", 21));
	free(req);
	done(&r);
	pid = serve_once(fd, 503, seen);
	r = run(demo_bin, NULL, ARGS("health-check", "--health-check-port", portarg));
	assert_one_line(&r, 2, "health check returned status 503");
	waitpid(pid, NULL, 0);
	req = slurp(seen);
	assert_true(!strncmp(req, "GET /health HTTP/1.1\r\n", 22));
	free(req);
	done(&r);
	/* a server that never answers: --timeout */
	r = run(demo_bin, NULL, ARGS("health-check", "--health-check-port", portarg, "--timeout", "1"));
	assert_int_equal(r.status, 2);
	assert_contains(r.err, "health check failed: Get \"http://127.0.0.1:");
	assert_contains(r.err, "Client.Timeout exceeded");
	done(&r);
	close(fd);
	r = run(demo_bin, NULL, ARGS("health-check", "--endpoint", "status"));
	assert_one_line(&r, 2, "invalid endpoint: status (valid: health, ready, live)");
	done(&r);
	/* its own flags belong to it */
	r = run(demo_bin, NULL, ARGS("--endpoint", "ready"));
	assert_one_line(&r, 2, "unknown flag: --endpoint");
	done(&r);
}

static bool have(const char *prog)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", prog);
	return system(cmd) == 0;
}

/* Completes `words` (the last one being completed) with the bash script; returns COMPREPLY. */
static char *bash_complete(const char *script, const char *words)
{
	char cmd[4096];
	snprintf(cmd, sizeof(cmd),
	         "source '%s'; COMP_WORDS=(%s); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); "
	         "[[ \"%s\" == *' ' ]] && { COMP_WORDS+=(''); COMP_CWORD=$(( COMP_CWORD + 1 )); }; "
	         "_baton_demo_complete; echo \"${COMPREPLY[*]}\"",
	         script, words, words);
	result r = run("/bin/bash", NULL, ARGS("-c", cmd));
	assert_int_equal(r.status, 0);
	char *out = r.out;
	free(r.err);
	return out;
}

static void test_completion(void **state)
{
	(void)state;
	result r = run(demo_bin, NULL, ARGS("completion", "bash"));
	assert_int_equal(r.status, 0);
	char script[700];
	snprintf(script, sizeof(script), "%s/complete.bash", base_dir);
	FILE *f = fopen(script, "w");
	assert_non_null(f);
	fputs(r.out, f);
	fclose(f);
	done(&r);
	char *got = bash_complete(script, "baton-demo --fi");
	assert_string_equal(got, "--file\n");
	free(got);
	got = bash_complete(script, "baton-demo --us");
	assert_string_equal(got, "--users\n");
	free(got);
	got = bash_complete(script, "baton-demo --storage-engine s");
	assert_string_equal(got, "sqlite\n");
	free(got);
	got = bash_complete(script, "baton-demo con");
	assert_string_equal(got, "config\n");
	free(got);
	got = bash_complete(script, "baton-demo completion z");
	assert_string_equal(got, "zsh\n");
	free(got);
	/* hidden flags are not offered */
	got = bash_complete(script, "baton-demo --grant-e");
	assert_string_equal(got, "\n");
	free(got);
	r = run(demo_bin, NULL, ARGS("completion", "tcsh"));
	assert_one_line(&r, 2, "unknown shell \"tcsh\" for completion: expected bash, zsh or fish");
	done(&r);
	r = run(demo_bin, NULL, ARGS("completion"));
	assert_one_line(&r, 2, "completion needs a shell: baton-demo completion bash|zsh|fish");
	done(&r);
	/* zsh and fish: the scripts name every visible flag and parse in their shell when it is here */
	const char *shells[] = {"zsh", "fish"};
	for (size_t i = 0; i < 2; i++) {
		r = run(demo_bin, NULL, ARGS("completion", shells[i]));
		assert_int_equal(r.status, 0);
		assert_contains(r.out, i == 0 ? "'--users[How many users" : "-l users -d 'How many users");
		assert_contains(r.out, i == 0 ? "'--storage-engine[" : "-l storage-engine");
		assert_lacks(r.out, "grant-entitlement");
		if (have(shells[i])) {
			char path[700];
			snprintf(path, sizeof(path), "%s/complete.%s", base_dir, shells[i]);
			f = fopen(path, "w");
			assert_non_null(f);
			fputs(r.out, f);
			fclose(f);
			char sh[64];
			snprintf(sh, sizeof(sh), "/usr/bin/env");
			result s = run(sh, NULL, ARGS(shells[i], "-n", path));
			assert_int_equal(s.status, 0);
			done(&s);
			char cmd[2400];
			if (i == 0) /* zsh: the script registers its function with compinit */
				snprintf(cmd, sizeof(cmd), "autoload -U compinit; compinit -u -d '%s/zcompdump'; source '%s'; "
				         "print -r -- $_comps[baton-demo]", base_dir, path);
			else /* fish: complete a flag and a SELECT value */
				snprintf(cmd, sizeof(cmd), "source '%s'; complete -C 'baton-demo --us'; "
				         "complete -C 'baton-demo --storage-engine '", path);
			s = run(sh, NULL, i == 0 ? ARGS("zsh", "-f", "-c", cmd) : ARGS("fish", "-c", cmd));
			assert_int_equal(s.status, 0);
			if (i == 0) {
				assert_string_equal(s.out, "_baton_demo\n");
			} else {
				assert_contains(s.out, "--users\tHow many users");
				assert_contains(s.out, "sqlite\t");
			}
			done(&s);
		}
		done(&r);
	}
}

/* Every example connector's own flags (its --help before "SDK flags:") are fields of its
 * `config` schema: a setting ConductorOne cannot see cannot be set in a hosted connector. */
static int examples_main(int argc, char **argv)
{
	int failures = 0;
	snprintf(base_dir, sizeof(base_dir), "%s/cli-examples-%ld", test_out_dir(), (long)getpid());
	mkdir(base_dir, 0755);
	for (int a = 0; a < argc; a++) {
		result h = run(argv[a], NULL, ARGS("--help"));
		result c = run(argv[a], NULL, ARGS("config"));
		json_error_t e;
		json_t *j = json_loads(c.out, 0, &e);
		if (h.status != 0 || c.status != 0 || !j) {
			fprintf(stderr, "%s: --help exit %d, config exit %d: %s%s\n", argv[a], h.status, c.status, h.err, c.err);
			failures++;
		}
		char *names[256];
		size_t n = help_flags(h.out, names, 256, 2);
		json_t *fields = json_object_get(j, "fields");
		for (size_t i = 0; i < n; i++) {
			bool found = false;
			size_t k;
			json_t *fl;
			json_array_foreach(fields, k, fl) {
				const char *nm = json_string_value(json_object_get(fl, "name"));
				found = found || (nm && !strcmp(nm, names[i]));
			}
			if (!found) {
				fprintf(stderr, "%s: --%s is in --help but not in the config schema\n", argv[a], names[i]);
				failures++;
			}
			free(names[i]);
		}
		printf("%s: %zu connector flags checked\n", argv[a], n);
		json_decref(j);
		done(&h);
		done(&c);
	}
	return failures ? 1 : 0;
}

/* docs/parity.md against baton-demo: every flag named in the libbaton column of its Flags table is
 * a flag baton-demo knows, and every flag of baton-demo --help has a row. */
static int parity_main(const char *md_path, const char *demo)
{
	demo_bin = demo;
	snprintf(base_dir, sizeof(base_dir), "%s/cli-parity-%ld", test_out_dir(), (long)getpid());
	mkdir(base_dir, 0755);
	char *md = slurp(md_path);
	if (!md || !*md) {
		fprintf(stderr, "cannot read %s\n", md_path);
		return 1;
	}
	const char *start = strstr(md, "\n## Flags\n"), *end = start ? strstr(start + 1, "\n## ") : NULL;
	if (!start || !end) {
		fprintf(stderr, "%s: no Flags section\n", md_path);
		return 1;
	}
	int failures = 0;
	size_t named = 0;
	char go_names[8192] = " ";
	for (const char *line = start; line < end;) {
		const char *nl = strchr(line, '\n');
		size_t len = (size_t)(nl - line);
		if (len > 4 && !strncmp(line, "| `", 3)) {
			/* the Go name */
			const char *q = memchr(line + 3, '`', len - 3);
			if (q && strlen(go_names) + (size_t)(q - line) + 2 < sizeof(go_names)) {
				strncat(go_names, line + 3, (size_t)(q - line - 3));
				strcat(go_names, " ");
			}
		}
		if (len > 2 && line[0] == '|' && line[1] == ' ') {
			/* the libbaton column: every `--name` */
			const char *col = memchr(line + 1, '|', len - 1);
			for (const char *p = col; p && p < line + len; p++) {
				if (strncmp(p, "`--", 3))
					continue;
				const char *e = memchr(p + 3, '`', (size_t)(line + len - p - 3));
				if (!e)
					break;
				char flag[128];
				snprintf(flag, sizeof(flag), "--%.*s=1", (int)(e - p - 3), p + 3);
				result r = run(demo_bin, NULL, ARGS(flag, "--help"));
				if (strstr(r.err, "unknown flag")) {
					fprintf(stderr, "docs/parity.md names %s, which baton-demo does not know: %s", flag, r.err);
					failures++;
				}
				named++;
				done(&r);
				p = e;
			}
		}
		line = nl + 1;
	}
	result h = run(demo_bin, NULL, ARGS("--help"));
	char *names[256];
	size_t n = help_flags(h.out, names, 256, 1);
	for (size_t i = 0; i < n; i++) {
		char key[160];
		snprintf(key, sizeof(key), " %s ", names[i]);
		if (!strstr(go_names, key)) {
			fprintf(stderr, "--%s is an SDK flag of baton-demo --help without a row in docs/parity.md\n", names[i]);
			failures++;
		}
		free(names[i]);
	}
	done(&h);
	free(md);
	printf("docs/parity.md: %zu libbaton flags checked, %zu --help SDK flags found in it\n", named, n);
	return failures || named < 70 || n < 25 ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "--parity"))
		return parity_main(argv[2], argv[3]);
	if (argc >= 2 && !strcmp(argv[1], "--examples"))
		return examples_main(argc - 2, argv + 2);
	if (argc < 3) {
		fprintf(stderr, "usage: %s <baton-demo> <cli-probe> | --examples <connector>...\n", argv[0]);
		return 2;
	}
	demo_bin = argv[1];
	probe_bin = argv[2];
	snprintf(base_dir, sizeof(base_dir), "%s/cli-%ld", test_out_dir(), (long)getpid());
	mkdir(base_dir, 0755);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_subcommand_help),
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
		cmocka_unit_test(test_no_flag_ignored),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_mode_readers),
		cmocka_unit_test(test_log_paths),
		cmocka_unit_test(test_http_timeout),
		cmocka_unit_test(test_health_check),
		cmocka_unit_test(test_completion),
		cmocka_unit_test(test_rules_v2),
		cmocka_unit_test(test_kinds_v2),
		cmocka_unit_test(test_schema_v1),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
