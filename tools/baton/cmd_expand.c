/* `expand`: finish the grant-expansion step of a sync, on its own. */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "baton/expand.h"
#include "core/file.h"
#include "sync/expand.h"

/*
 * Whether grant expansion already ran on a finished sync: some grant of it carries sources (the
 * expander's provenance), as a sync expanded by the Go SDK's syncer (or by us) does. Re-expanding
 * such a sync would rewrite its grants for nothing; the Go SDK never expands a finished sync again.
 * (Grant rows do not tell: both SDKs leave needs_expansion set after expanding, and files written
 * before the supports_diff marker existed do not have it.) 1 yes, 0 no, or a negative error.
 */
static int already_expanded(baton_store *s, const char *sync_id)
{
	baton_store_query q = BATON_STORE_QUERY_INIT;
	baton_store_iter *it = NULL;
	baton_grant *g;
	q.sync_id = sync_id;
	int rc = baton_store_list_grants(s, &q, &it);
	while (rc == 0 && (rc = baton_store_iter_next_grant(it, &g)) == 0) {
		if (baton_grant_source_count(g) > 0)
			rc = 1;
	}
	baton_store_iter_free(it);
	return rc == BATON_ITEROVER ? 0 : rc;
}

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
	/* The sync baton_expand_store works on; a finished one that was expanded already (by the Go SDK,
	 * or by us) is left alone: a no-op that succeeds, as when nothing waits for expansion. */
	baton__expand_target target;
	bool nothing = false, done = false;
	rc = baton__expand_pick(s, sync_id && *sync_id ? sync_id : NULL, &target);
	if (rc == 0 && !target.unfinished && (rc = already_expanded(s, target.sync_id)) > 0) {
		done = true;
		rc = 0;
	} else if (rc == 0) {
		rc = baton_expand_store(s, sync_id && *sync_id ? sync_id : NULL, &eo, &st);
	}
	if (rc == BATON_ENOTFOUND && !(sync_id && *sync_id)) {
		/* No sync needs expanding: a no-op that succeeds, as the Go syncer treats it. */
		baton_error_clear();
		nothing = true;
		rc = 0;
	}
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
	if (nothing || done) {
		if (t->format == FORMAT_JSON)
			printf("{\"syncId\":\"%s\",\"nothingToExpand\":true}\n", done ? target.sync_id : "");
		else if (done)
			printf("nothing to expand in %s: sync %s was expanded already (its grants carry expansion "
			       "sources)%s\n",
			       t->file, target.sync_id, out ? " (copied unchanged)" : "");
		else
			printf("nothing to expand in %s: no sync is waiting for grant expansion%s\n", t->file,
			       out ? " (copied unchanged)" : "");
		return TOOL_EXIT_OK;
	}
	print_stats(t, &st, out ? out : t->file);
	return TOOL_EXIT_OK;
}
