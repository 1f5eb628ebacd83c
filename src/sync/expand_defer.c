/* Grant expansion: deferring two grant indexes during a large expansion (expand_int.h). */
#include "sync/expand_int.h"

#include <stdlib.h>

#include "core/error.h"

/*
 * Two secondary indexes of v1_grants are never read by expansion: (resource_type_id,
 * resource_id) and (principal_resource_type_id, principal_resource_id). When expansion is
 * expected to write many grants compared with what is stored, they are dropped while it runs
 * and built again in one sorted pass at the end (as the store does for a first bulk of grants,
 * store/bulk.c): maintaining them row by row is a third of the cost of each new grant. The
 * statements are the schema's (store/store.c), so sqlite_master is unchanged afterwards; a
 * working copy left without them by an interrupted expansion gets them back when it is opened
 * (the schema is applied with "if not exists" on every open), and a failed expansion rebuilds
 * them before returning.
 */
static const char expand_rebuild_sql[] =
	"create index if not exists idx_grants_resource_type_id_resource_id_v1 on v1_grants "
	"(resource_type_id, resource_id);\n"
	"create index if not exists idx_grants_principal_id_v1 on v1_grants "
	"(principal_resource_type_id, principal_resource_id);";

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
	bool yes;
	int rc = worth_deferring(x, &yes);
	if (rc || !yes)
		return rc;
	rc = baton__store_exec(x->s, "DROP INDEX IF EXISTS idx_grants_resource_type_id_resource_id_v1; "
	                                 "DROP INDEX IF EXISTS idx_grants_principal_id_v1");
	if (!rc)
		x->deferred = true;
	return rc;
}

int baton__expand_rebuild_indexes(expander *x)
{
	if (!x->deferred)
		return 0;
	int rc = baton__store_begin(x->s);
	if (!rc)
		rc = baton__store_exec(x->s, expand_rebuild_sql);
	if (!rc)
		rc = baton__store_commit(x->s);
	if (!rc)
		x->deferred = false;
	return rc;
}

