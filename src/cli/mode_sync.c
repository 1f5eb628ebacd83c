/* The default mode: sync into --file (resuming an unfinished sync), shaped by the sync flags. */
#include "cli/modes.h"

#include <stdio.h>

#include "baton/sync.h"
#include "core/error.h"
#include "core/log.h"

int baton__mode_sync(baton__cli_env *env)
{
	baton__cli *cli = env->cli;
	baton_sync_options o = BATON_SYNC_OPTIONS_INIT;
	o.c1z_path = baton__cli_string(cli, "file");
	if (!*o.c1z_path)
		o.c1z_path = "sync.c1z";
	const char *tmp = baton__cli_string(cli, "c1z-temp-dir");
	o.tmp_dir = *tmp ? tmp : NULL;
	o.skip_entitlements_and_grants = baton__cli_bool(cli, "skip-entitlements-and-grants");
	o.skip_grants = baton__cli_bool(cli, "skip-grants");
	o.n_sync_resources = baton__cli_list(cli, "sync-resources", &o.sync_resources);
	o.n_sync_resource_types = baton__cli_list(cli, "sync-resource-types", &o.sync_resource_types);
	int64_t workers = baton__cli_int(cli, "workers");
	if (baton__cli_bool(cli, "parallel-sync") && !workers)
		workers = -1;
	o.workers = workers < 0 ? 0 : workers > 64 ? 64 : (int)workers;
	baton_sync_summary sum;
	int rc = baton_sync(env->connector, &o, &sum);
	if (rc) {
		fprintf(stderr, "%s\n", baton_error_last()->message);
		return baton__exit_status(rc);
	}
	return 0;
}
