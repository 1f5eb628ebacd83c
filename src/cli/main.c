/*
 * baton_main: the connector's program. Parse the table (defaults, config file, environment,
 * argv), answer --help / --version, configure logging, run `config` (no validation, as upstream),
 * validate, then run `capabilities` or the first mode whose flags are present (modes.h).
 * Usage and validation errors print one line per problem to stderr and exit 2, as the Go SDK's
 * RunConnector does for plain errors.
 */
#include "cli/cli.h"
#include "cli/modes.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "baton/sync.h"
#include "core/error.h"
#include "core/log.h"
#include "service/service.h"

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
	if (n && !strcmp(paths[0], "stdout")) {
		baton__log_set_stream(stdout);
	} else if (n && strcmp(paths[0], "stderr")) {
		if (!(log_file = fopen(paths[0], "a"))) {
			baton_error_set(BATON_EINVALID, "cannot open log file %s: %s", paths[0], strerror(errno));
			return -1;
		}
		baton__log_set_stream(log_file);
	}
	baton__log_configure(level, fmt);
	if (bad_level)
		baton__log(BATON_LOG_WARN, "invalid log level, using info", "log_level", lv, NULL);
	if (n > 1)
		baton__log(BATON_LOG_WARN, "only the first --log-path is used", "ignored", paths[1], NULL);
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
	if (*baton__cli_string(cli, "external-resource-c1z"))
		return unsupported("external resources (--external-resource-c1z)");
	if (!strcmp(baton__cli_string(cli, "storage-engine"), "pebble"))
		baton__log(BATON_LOG_WARN, "the pebble storage engine is not supported by libbaton; using sqlite", NULL);
	if (*baton__cli_string(cli, "otel-collector-endpoint"))
		baton__log(BATON_LOG_WARN, "OpenTelemetry export is not supported by libbaton; ignoring "
		           "--otel-collector-endpoint", NULL);
	return 0;
}

static int run_main(baton__cli_env *env)
{
	baton__cli *cli = env->cli;
	int rc = main_checks(cli);
	if (rc)
		return rc;
	if (*baton__cli_string(cli, "client-id"))
		return baton__service_run(env);
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
	if (baton__cli_bool(cli, "create-ticket"))
		return baton__mode_create_ticket(env);
	if (baton__cli_bool(cli, "bulk-create-ticket"))
		return baton__mode_bulk_create_ticket(env);
	if (baton__cli_bool(cli, "list-ticket-schemas"))
		return baton__mode_list_ticket_schemas(env);
	if (baton__cli_bool(cli, "get-ticket"))
		return baton__mode_get_ticket(env);
	if (baton__cli_bool(cli, "diff-syncs"))
		return unsupported("--diff-syncs");
	if (baton__cli_bool(cli, "compact-syncs"))
		return unsupported("--compact-syncs");
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
		printf("%s version %s\n", cli.prog, baton_version());
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
	if (baton__cli_validate(&cli)) {
		status = fail(USAGE_EXIT);
		goto done;
	}
	baton__config_set_active(&cfg);
	if (cli.command && !strcmp(cli.command, "capabilities"))
		status = baton__mode_capabilities(&env);
	else
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
