/* Grant expansion: deferring two grant indexes during a large expansion (expand_int.h). */
#include "sync/expand_int.h"

#include <stdlib.h>

#include "core/error.h"

/*
 * Two secondary indexes of v1_grants are never read by expansion: (resource_type_id,
 * resource_id) and (principal_resource_type_id, principal_resource_id). When expansion is
 * expected to write many grants compared with what is stored, they are deferred (the store drops
 * them, store/bulk.c) and built in one sorted pass by whatever needs them next: sync end, saving,
 * a grant read. After a sync's bulk phase they are still deferred, and stay so: each is built once.
 * A working copy left without them by an interrupted expansion gets them back when it is opened
 * (the schema is applied with "if not exists" on every open).
 */

/* Whether expansion will write at least EXPAND_DEFER_MIN grants and a quarter of the stored grant
 * rows. The estimate follows the topological order: a component's size is its own grants (counted
 * through the index, at most the threshold each) plus what flows in from its sources, and the new
 * grants are what flows in times the component's entitlements (it ignores principals that already
 * hold a destination, so it can only be high when grants overlap). Rebuilding costs two sorted
 * passes over the whole table, which only pays off for large expansions. */
#define EXPAND_DEFER_MIN 20000
static int worth_deferring(expander *x, bool *yes)
{
	*yes = false;
	baton__graph *g = &x->g;
	int64_t need = x->max_row / 4 + 1, total = 0;
	if (need < EXPAND_DEFER_MIN)
		need = EXPAND_DEFER_MIN;
	int64_t *size = calloc((size_t)g->ncomp + 1, sizeof(*size));
	if (!size)
		return baton__error_oom("grant expansion");
	sqlite3_stmt *st;
	int rc = baton__expand_prepare(x, "SELECT count(*) FROM (SELECT 1 FROM v1_grants INDEXED BY "
	                    "idx_grants_entitlement_sync_grant_v1 WHERE entitlement_id = ? AND sync_id = ? LIMIT ?)",
	                 &st);
	for (uint32_t i = 0; !rc && i < g->ncomp && total < need; i++) {
		uint32_t c = g->order[i];
		int64_t in = 0, own = 0;
		for (uint32_t k = g->in_start[c]; k < g->in_start[c + 1]; k++) {
			in += size[g->cedges.edges[g->in_edges[k]].src];
			if (in > need)
				in = need;
		}
		for (uint32_t m = g->member_start[c]; !rc && m < g->member_start[c + 1] && own < need; m++) {
			uint32_t ent = g->members[m];
			sqlite3_bind_text(st, 1, g->ents.strs[ent], (int)g->ents.lens[ent], SQLITE_STATIC);
			sqlite3_bind_text(st, 2, x->sync_id, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 3, need);
			int sr = sqlite3_step(st);
			if (sr == SQLITE_ROW)
				own += sqlite3_column_int64(st, 0);
			else
				rc = baton__store_sqlerr(x->s, sr, "grant expansion: counting grants");
			sqlite3_reset(st);
		}
		size[c] = own + in > need ? need : own + in;
		total += in * (int64_t)(g->member_start[c + 1] - g->member_start[c]);
	}
	sqlite3_finalize(st);
	free(size);
	*yes = !rc && total >= need;
	return rc;
}

int baton__expand_defer_indexes(expander *x)
{
	const unsigned unread = BATON__GIDX_RESOURCE | BATON__GIDX_PRINCIPAL;
	if ((x->s->grants_deferred & unread) == unread)
		return 0; /* still deferred since the bulk phase */
	bool yes;
	int rc = worth_deferring(x, &yes);
	if (rc || !yes)
		return rc;
	return baton__store_grants_defer(x->s, unread);
}
