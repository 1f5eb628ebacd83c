/* baton_main: the connector's program. */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "baton/sync.h"
#include "core/log.h"

static baton__flag default_flags[] = {
	{"file", 'f', BATON__FLAG_STRING, "sync.c1z", "The path to the c1z file to sync with", false, false, NULL, false, NULL, 0},
	{"log-level", 0, BATON__FLAG_STRING, "info", "The log level: debug, info, warn, error", false, false, NULL, false, NULL, 0},
	{"log-format", 0, BATON__FLAG_STRING, NULL, "The output format for logs: json, console", false, false, NULL, false, NULL, 0},
	{"sync-resources", 0, BATON__FLAG_STRINGS, NULL, "The resource IDs to sync", false, false, NULL, false, NULL, 0},
	{"sync-resource-types", 0, BATON__FLAG_STRINGS, NULL, "The resource type IDs to sync", false, false, NULL, false, NULL, 0},
	{"skip-entitlements-and-grants", 0, BATON__FLAG_BOOL, NULL,
	 "This must be set to skip syncing of entitlements and grants", false, false, NULL, false, NULL, 0},
	{"skip-grants", 0, BATON__FLAG_BOOL, NULL,
	 "This must be set to skip syncing of grants only (entitlements will still be synced)", true, false, NULL, false, NULL, 0},
	{"workers", 0, BATON__FLAG_INT, "0",
	 "The number of sync workers to use. -1 for auto-detect, 0 for sequential, >0 for parallel", false, false, NULL, false, NULL, 0},
	{"c1z-temp-dir", 0, BATON__FLAG_STRING, NULL, "The directory to store temporary files in. It must exist, and "
	 "write access is required. Defaults to the OS temporary directory.", true, false, NULL, false, NULL, 0},
};

static const char *str_or(baton__flag *f, const char *def)
{
	return f && f->set && f->str ? f->str : def;
}

static int run_sync(baton__cli *cli, const baton_connector *connector)
{
	baton_sync_options o = BATON_SYNC_OPTIONS_INIT;
	o.c1z_path = str_or(baton__cli_flag(cli, "file"), "sync.c1z");
	o.tmp_dir = str_or(baton__cli_flag(cli, "c1z-temp-dir"), NULL);
	o.skip_entitlements_and_grants = baton__cli_flag(cli, "skip-entitlements-and-grants")->b;
	o.skip_grants = baton__cli_flag(cli, "skip-grants")->b;
	baton__flag *sr = baton__cli_flag(cli, "sync-resources");
	baton__flag *st = baton__cli_flag(cli, "sync-resource-types");
	o.sync_resources = (const char *const *)sr->list;
	o.n_sync_resources = sr->n_list;
	o.sync_resource_types = (const char *const *)st->list;
	o.n_sync_resource_types = st->n_list;
	o.workers = atoi(str_or(baton__cli_flag(cli, "workers"), "0"));
	baton_sync_summary sum;
	int rc = baton_sync(connector, &o, &sum);
	if (rc) {
		baton__log(BATON_LOG_ERROR, "error running connector", "error", baton_error_last()->message, NULL);
		return 1;
	}
	return 0;
}

BATON_API int baton_main(int argc, char **argv, const baton_connector *connector)
{
	baton__cli cli;
	memset(&cli, 0, sizeof(cli));
	baton__flag flags[sizeof(default_flags) / sizeof(default_flags[0])];
	memcpy(flags, default_flags, sizeof(flags));
	cli.flags = flags;
	cli.n_flags = sizeof(flags) / sizeof(flags[0]);
	int status = 0;
	if (baton__cli_parse(&cli, argc, argv)) {
		fprintf(stderr, "%s\n", baton_error_last()->message);
		baton__cli_free(&cli);
		return 1;
	}
	if (cli.help) {
		baton__cli_usage(&cli, connector ? connector->display_name : NULL, stdout);
		goto done;
	}
	if (cli.version) {
		printf("%s version %s\n", cli.prog, baton_version());
		goto done;
	}
	baton_log_level level = BATON_LOG_INFO;
	baton__log_format fmt = isatty(1) ? BATON__LOG_CONSOLE : BATON__LOG_JSON;
	baton__flag *lf = baton__cli_flag(&cli, "log-level"), *ff = baton__cli_flag(&cli, "log-format");
	if ((lf->set && baton__log_parse_level(lf->str, &level)) ||
	    (ff->set && baton__log_parse_format(ff->str, &fmt))) {
		fprintf(stderr, "%s\n", baton_error_last()->message);
		status = 1;
		goto done;
	}
	baton__log_configure(level, fmt);
	status = run_sync(&cli, connector);
done:
	baton__cli_free(&cli);
	return status;
}
