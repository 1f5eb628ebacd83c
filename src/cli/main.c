/*
 * baton_main: the connector's program. Parse the table (defaults, config file, environment,
 * argv), answer --help / --version, configure logging, run `config` (no validation, as upstream),
 * validate, then run `capabilities` or the first mode whose flags are present (modes.h).
 * Usage and validation errors print one line per problem to stderr and exit 2, as the Go SDK's
 * RunConnector does for plain errors.
 */
#define _GNU_SOURCE /* fopencookie: one log stream writing to every --log-path */
#include "cli/cli.h"
#include "cli/modes.h"
#include "cli/provision.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "baton/sync.h"
#include "core/error.h"
#include "core/log.h"
#include "http/http_int.h"

#define USAGE_EXIT 2

int baton__exit_status(int code)
{
	int c = code < 0 ? -code : code;
	return c >= 1 && c <= 16 ? c : 2;
}

/* Prints the last error's message (one line per problem) and returns `status`. */
static int fail(int status)
{
	const char *m = baton_error_last()->message;
	fprintf(stderr, "%s\n", m && *m ? m : "unknown error");
	return status;
}

static FILE *log_file;

/* --log-path with several paths: every record goes to each of them, as zap's OutputPaths. */
typedef struct log_tee {
	FILE *out[16];
	bool own[16];
	size_t n;
} log_tee;

static ssize_t tee_write(void *cookie, const char *buf, size_t size)
{
	log_tee *t = cookie;
	for (size_t i = 0; i < t->n; i++) {
		fwrite(buf, 1, size, t->out[i]);
		fflush(t->out[i]);
	}
	return (ssize_t)size;
}

static int tee_close(void *cookie)
{
	log_tee *t = cookie;
	for (size_t i = 0; i < t->n; i++)
		if (t->own[i])
			fclose(t->out[i]);
	free(t);
	return 0;
}

static int open_log_paths(const char *const *paths, size_t n)
{
	if (n > 16) {
		baton_error_set(BATON_EINVALID, "--log-path: at most 16 paths (got %zu)", n);
		return -1;
	}
	log_tee *t = calloc(1, sizeof(*t));
	if (!t) {
		baton_error_set(BATON_EEXHAUSTED, "out of memory (log paths)");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(paths[i], "stdout") || !strcmp(paths[i], "stderr")) {
			t->out[t->n++] = paths[i][3] == 'o' ? stdout : stderr;
			continue;
		}
		FILE *f = fopen(paths[i], "a");
		if (!f) {
			baton_error_set(BATON_EINVALID, "cannot open log file %s: %s", paths[i], strerror(errno));
			tee_close(t);
			return -1;
		}
		t->own[t->n] = true;
		t->out[t->n++] = f;
	}
	cookie_io_functions_t io = {.read = NULL, .write = tee_write, .seek = NULL, .close = tee_close};
	if (!(log_file = fopencookie(t, "w", io))) {
		tee_close(t);
		baton_error_set(BATON_EEXHAUSTED, "cannot open the log streams");
		return -1;
	}
	setvbuf(log_file, NULL, _IOLBF, 0);
	baton__log_set_stream(log_file);
	return 0;
}

static int configure_logging(baton__cli *cli)
{
	baton_log_level level = BATON_LOG_INFO;
	baton__log_format fmt = BATON__LOG_JSON;
	const char *lv = baton__cli_string(cli, "log-level");
	bool bad_level = *lv && baton__log_parse_level(lv, &level) != 0;
	/* an unknown format is JSON, as upstream */
	if (baton__log_parse_format(baton__cli_string(cli, "log-format"), &fmt))
		fmt = BATON__LOG_JSON;
	const char *const *paths;
	size_t n = baton__cli_list(cli, "log-path", &paths);
	if (n == 1 && !strcmp(paths[0], "stdout")) {
		baton__log_set_stream(stdout);
	} else if (n == 1 && !strcmp(paths[0], "stderr")) {
		/* the default stream */
	} else if (n == 1) {
		if (!(log_file = fopen(paths[0], "a"))) {
			baton_error_set(BATON_EINVALID, "cannot open log file %s: %s", paths[0], strerror(errno));
			return -1;
		}
		baton__log_set_stream(log_file);
	} else if (n > 1 && open_log_paths(paths, n)) {
		return -1;
	}
	baton__log_configure(level, fmt);
	if (bad_level)
		baton__log(BATON_LOG_WARN, "invalid log level, using info", "log_level", lv, NULL);
	return 0;
}

static int unsupported(const char *what)
{
	baton_error_set(BATON_EUNIMPLEMENTED, "%s is not supported by libbaton", what);
	return fail(baton__exit_status(BATON_EUNIMPLEMENTED));
}

/* The main command's checks after validation (upstream's MakeMainCommand). */
static int main_checks(baton__cli *cli)
{
	const char *tmp = baton__cli_string(cli, "c1z-temp-dir");
	struct stat st;
	if (*tmp && stat(tmp, &st)) {
		baton_error_set(BATON_EINVALID, "the specified c1z temp dir does not exist: %s", tmp);
		return fail(USAGE_EXIT);
	}
	int64_t timeout = baton__cli_int(cli, "http-timeout-seconds");
	if (timeout <= 0) {
		baton_error_set(BATON_EINVALID, "field http-timeout-seconds: value must be greater than or equal to 1 but "
		                "got %lld", (long long)timeout);
		return fail(USAGE_EXIT);
	}
	baton__http_set_default_timeout_ms(timeout * 1000);
	const char *ext = baton__cli_string(cli, "external-resource-c1z");
	if (*ext && access(ext, R_OK) != 0) {
		baton_error_set(BATON_EINVALID, "the specified external resource c1z file does not exist: %s", ext);
		return fail(USAGE_EXIT);
	}
	baton_trait traits[16];
	size_t n_traits;
	if (baton__cli_external_traits(cli, traits, 16, &n_traits))
		return fail(USAGE_EXIT);
	/* no flag is accepted and ignored: what libbaton does not do is refused here (policy.c) */
	int rc = baton__cli_refuse_ignored(cli);
	if (rc)
		return fail(rc == BATON_EUNIMPLEMENTED ? baton__exit_status(rc) : USAGE_EXIT);
	return 0;
}

static int run_main(baton__cli_env *env)
{
	baton__cli *cli = env->cli;
	if (*baton__cli_string(cli, "client-id"))
		return unsupported("service mode (--client-id)");
	int rc = main_checks(cli);
	if (rc)
		return rc;
	if (*baton__cli_string(cli, "grant-entitlement"))
		return baton__mode_grant(env);
	if (*baton__cli_string(cli, "revoke-grant"))
		return baton__mode_revoke(env);
	if (baton__cli_bool(cli, "event-feed"))
		return baton__mode_event_feed(env);
	if (*baton__cli_string(cli, "create-account-profile") || *baton__cli_string(cli, "create-account-login"))
		return baton__mode_create_account(env);
	if (*baton__cli_string(cli, "invoke-action"))
		return baton__mode_invoke_action(env);
	if (baton__cli_bool(cli, "list-action-schemas"))
		return baton__mode_list_action_schemas(env);
	if (*baton__cli_string(cli, "create-resource") || *baton__cli_string(cli, "create-resource-type"))
		return baton__mode_create_resource(env);
	if (*baton__cli_string(cli, "delete-resource"))
		return baton__mode_delete_resource(env);
	if (*baton__cli_string(cli, "rotate-credentials"))
		return baton__mode_rotate_credentials(env);
	if (*baton__cli_string(cli, "issue-credential"))
		return baton__mode_issue_credential(env);
	if (baton__cli_bool(cli, "create-ticket"))
		return baton__mode_create_ticket(env);
	if (baton__cli_bool(cli, "bulk-create-ticket"))
		return baton__mode_bulk_create_ticket(env);
	if (baton__cli_bool(cli, "list-ticket-schemas"))
		return baton__mode_list_ticket_schemas(env);
	if (baton__cli_bool(cli, "get-ticket"))
		return baton__mode_get_ticket(env);
	if (baton__cli_bool(cli, "diff-syncs"))
		return baton__mode_diff_syncs(env);
	if (baton__cli_bool(cli, "compact-syncs"))
		return baton__mode_compact_syncs(env);
	return baton__mode_sync(env);
}

BATON_API int baton_main(int argc, char **argv, const baton_connector *connector)
{
	baton__cli cli;
	if (baton__cli_init(&cli, connector))
		return fail(USAGE_EXIT);
	int status = 0;
	baton__config cfg = {&cli};
	baton__cli_env env = {&cli, connector, &cfg};
	if (baton__cli_parse(&cli, argc, argv)) {
		status = fail(USAGE_EXIT);
		goto done;
	}
	if (cli.help) {
		baton__cli_usage(&cli, stdout);
		goto done;
	}
	if (cli.version) {
		/* cobra's line with the connector's version, then the SDK's */
		const char *v = connector && connector->version >= 3 && connector->version_string &&
		                        *connector->version_string ? connector->version_string : "dev";
		printf("%s version %s\nlibbaton version %s\n", cli.prog, v, baton_version());
		goto done;
	}
	if (cli.command && !strcmp(cli.command, "completion")) {
		status = baton__mode_completion(&env);
		goto done;
	}
	if (configure_logging(&cli)) {
		status = fail(USAGE_EXIT);
		goto done;
	}
	if (cli.command && !strcmp(cli.command, "config")) {
		status = baton__mode_config_schema(&env);
		goto done;
	}
	if (cli.command && !strcmp(cli.command, "health-check")) {
		/* a client of a running connector's health server: no configuration needed, as upstream */
		status = baton__mode_health_check(&env);
		goto done;
	}
	if (cli.command && !strcmp(cli.command, "capabilities")) {
		/*
		 * libbaton derives the capabilities from the callbacks that are set, without calling
		 * init: it is always Go's WithDefaultCapabilitiesConnectorBuilder case, where the
		 * command runs with an incomplete configuration (no validation).
		 */
		status = baton__mode_capabilities(&env);
		goto done;
	}
	if (baton__cli_validate(&cli)) {
		status = fail(USAGE_EXIT);
		goto done;
	}
	baton__config_set_active(&cfg);
	status = run_main(&env);
	baton__config_set_active(NULL);
done:
	fflush(stdout);
	baton__log_set_stream(NULL);
	if (log_file) {
		fclose(log_file);
		log_file = NULL;
	}
	baton__cli_free(&cli);
	return status;
}
