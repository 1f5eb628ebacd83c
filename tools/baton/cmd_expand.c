/* `expand`: finish the grant-expansion step of a sync, on its own. */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "baton/expand.h"
#include "core/file.h"

static void print_stats(const tool *t, const baton_expand_stats *st, const char *where)
{
	if (t->format == FORMAT_JSON) {
		printf("{\"syncId\":\"%s\",\"expandableGrants\":\"%" PRIu64 "\",\"nodes\":\"%" PRIu64
		       "\",\"edges\":\"%" PRIu64 "\",\"edgesDropped\":\"%" PRIu64 "\",\"cyclesCollapsed\":\"%"
		       PRIu64 "\",\"depth\":\"%" PRIu64 "\",\"grantsCreated\":\"%" PRIu64
		       "\",\"grantsUpdated\":\"%" PRIu64 "\",\"syncEnded\":%s}",
		       st->sync_id, st->expandable_grants, st->nodes, st->edges, st->edges_dropped,
		       st->cycles_collapsed, st->depth, st->grants_created, st->grants_updated,
		       st->sync_ended ? "true" : "false");
		return;
	}
	if (st->skipped) {
		printf("sync %s needed no expansion; its grant-expansion step was removed (%s)\n",
		       st->sync_id, where);
		return;
	}
	printf("expanded sync %s into %s\n", st->sync_id, where);
	printf("  expandable grants  %" PRIu64 "\n", st->expandable_grants);
	printf("  graph              %" PRIu64 " entitlements, %" PRIu64 " edges (%" PRIu64
	       " dropped), %" PRIu64 " cycles collapsed, depth %" PRIu64 "\n",
	       st->nodes, st->edges, st->edges_dropped, st->cycles_collapsed, st->depth);
	printf("  grants created     %" PRIu64 "\n", st->grants_created);
	printf("  grants updated     %" PRIu64 "\n", st->grants_updated);
	if (st->sync_ended)
		printf("  the sync is now finished\n");
}

int cmd_expand(tool *t)
{
	const char *out = t->args.value[FLAG_OUTPUT_PATH];
	const char *sync_id = t->args.value[FLAG_SYNC_ID];
	baton_store_options so = BATON_STORE_OPTIONS_INIT;
	baton_expand_options eo = BATON_EXPAND_OPTIONS_INIT;
	baton_expand_stats st;
	baton_store *s = NULL;
	int rc;

	if (t->args.given[FLAG_SYNC_ID] && (!sync_id || !*sync_id))
		return tool_usage_fail("--sync-id needs a non-empty value");
	if (out && strcmp(out, t->file) == 0)
		out = NULL; /* the same file: expand in place */
	/* The store opens a missing file as a new, empty one; here that can only be a mistake. */
	if (access(t->file, F_OK) != 0)
		return tool_fail("%s: %s", t->file, strerror(errno));
	/* A connector's unfinished (or running) sync of this file lives in "<file>.wip/" and replaces
	 * the file when it ends; rewriting the file now would make that sync fail at its end, or be
	 * discarded by its next run: its work would be lost either way. */
	if (!out) {
		char wip[4200];
		snprintf(wip, sizeof(wip), "%s.wip", t->file);
		if (access(wip, F_OK) == 0)
			return tool_fail("%s: a sync of this file is unfinished or running (%s): let the connector "
			                 "finish it, or use --output PATH to write the expansion elsewhere",
			                 t->file, wip);
	}
	if (out) {
		/* Refused before the work, not after it: only a regular file (or nothing) is replaced. */
		char *resolved;
		if (baton__file_check_target(out, &resolved) < 0)
			return tool_fail_last();
		free(resolved);
	}
	if ((rc = baton_store_open(t->file, &so, &s)) < 0)
		return tool_fail_last();
	memset(&st, 0, sizeof(st));
	rc = baton_expand_store(s, sync_id, &eo, &st);
	if (rc == 0 && out)
		rc = baton_store_save_as(s, out);
	if (rc < 0) {
		int status = tool_fail_last();
		baton_store_discard(s);
		return status;
	}
	if (out)
		baton_store_discard(s);
	else if (baton_store_close(s) < 0)
		return tool_fail_last();
	print_stats(t, &st, out ? out : t->file);
	return TOOL_EXIT_OK;
}
