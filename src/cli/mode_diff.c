/*
 * `--diff-syncs` and `--compact-syncs` (include/baton/compact.h), as the Go SDK's local differ and
 * compactor tasks: no connector call is made.
 *   --diff-syncs --base-sync-id B --applied-sync-id A [--file F]: adds to F a partial sync (parent
 *     B) holding A's rows whose ids B lacks; logs its id.
 *   --compact-syncs --compact-file-paths P1,P2,... --compact-sync-ids S1,S2,...
 *     --compact-output-path DIR: merges the files into DIR/compacted-<new sync id>.c1z; logs the
 *     path and id.
 */
#include "cli/modes.h"

#include <stdio.h>
#include <stdlib.h>

#include "baton/compact.h"
#include "core/error.h"
#include "core/log.h"

static int failed(int rc)
{
	fprintf(stderr, "%s\n", baton_error_last()->message);
	return baton__exit_status(rc);
}

int baton__mode_diff_syncs(baton__cli_env *env)
{
	baton__cli *cli = env->cli;
	const char *base = baton__cli_string(cli, "base-sync-id");
	const char *applied = baton__cli_string(cli, "applied-sync-id");
	if (!*base || !*applied)
		return failed(baton_error_set(BATON_EINVALID, "missing base sync ID or applied sync ID"));
	const char *path = baton__cli_string(cli, "file");
	if (!*path)
		path = "sync.c1z";
	baton_store_options o = BATON_STORE_OPTIONS_INIT;
	const char *tmp = baton__cli_string(cli, "c1z-temp-dir");
	o.tmp_dir = *tmp ? tmp : NULL;
	baton_store *s = NULL;
	int rc = baton_store_open(path, &o, &s);
	if (rc)
		return failed(rc);
	char id[28];
	rc = baton_store_sync_diff(s, base, applied, id);
	if (rc) {
		baton_store_discard(s);
		return failed(rc);
	}
	if ((rc = baton_store_close(s)))
		return failed(rc);
	baton__log(BATON_LOG_INFO, "generated diff of syncs", "new_sync_id", id, NULL);
	return 0;
}

int baton__mode_compact_syncs(baton__cli_env *env)
{
	baton__cli *cli = env->cli;
	const char *const *paths = NULL, *const *ids = NULL;
	size_t np = baton__cli_list(cli, "compact-file-paths", &paths);
	size_t ni = baton__cli_list(cli, "compact-sync-ids", &ids);
	if (np != ni)
		return failed(baton_error_set(BATON_EINVALID, "sync-compactor: must include exactly one syncID per file"));
	baton_compact_options o = BATON_COMPACT_OPTIONS_INIT;
	const char *tmp = baton__cli_string(cli, "c1z-temp-dir");
	o.tmp_dir = *tmp ? tmp : NULL;
	char *out = NULL, id[28];
	int rc = baton_compact_files(baton__cli_string(cli, "compact-output-path"), paths, ids, np, &o, &out, id);
	if (rc)
		return failed(rc);
	baton__log(BATON_LOG_INFO, "compacted file", "file_path", out, "sync_id", id, NULL);
	free(out);
	return 0;
}
