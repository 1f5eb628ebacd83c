/* Grant expansion: deferring grant indexes during a large expansion (expand_int.h). */
#include "sync/expand_int.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/hash.h"

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
 * rows (*yes), and at least twice the stored rows (x->scan_pays). The estimate follows the
 * topological order: a component's size is its own grants (counted through the index, at most
 * the threshold each) plus what flows in from its sources, and the new grants are what flows in
 * times the component's entitlements (it ignores principals that already hold a destination, so
 * it can only be high when grants overlap). Rebuilding costs two sorted passes over the whole
 * table, which only pays off for large expansions; scan mode (expand_scan.c) rebuilds the two
 * indexes expansion reads as well, which pays off when the new rows outnumber the stored ones
 * well: building both costs ~1.3 us a row (old and new), keeping them ~2.1 us a new row. */
#define EXPAND_DEFER_MIN 20000
static int worth_deferring(expander *x, bool *yes)
{
	*yes = false;
	x->scan_pays = false;
	baton__graph *g = &x->g;
	int64_t need = x->max_row / 4 + 1, total = 0;
	if (need < EXPAND_DEFER_MIN)
		need = EXPAND_DEFER_MIN;
	int64_t scan_need = 2 * x->max_row + 1;
	if (scan_need < need)
		scan_need = need;
	int64_t cap = scan_need; /* what the counts are bounded by */
	int64_t *size = calloc((size_t)g->ncomp + 1, sizeof(*size));
	if (!size)
		return baton__error_oom("grant expansion");
	sqlite3_stmt *st;
	int rc = baton__expand_prepare(x, "SELECT count(*) FROM (SELECT 1 FROM v1_grants INDEXED BY "
	                    "idx_grants_entitlement_sync_grant_v1 WHERE entitlement_id = ? AND sync_id = ? LIMIT ?)",
	                 &st);
	for (uint32_t i = 0; !rc && i < g->ncomp && total < cap; i++) {
		uint32_t c = g->order[i];
		int64_t in = 0, own = 0;
		for (uint32_t k = g->in_start[c]; k < g->in_start[c + 1]; k++) {
			in += size[g->cedges.edges[g->in_edges[k]].src];
			if (in > cap)
				in = cap;
		}
		for (uint32_t m = g->member_start[c]; !rc && m < g->member_start[c + 1] && own < cap; m++) {
			uint32_t ent = g->members[m];
			sqlite3_bind_text(st, 1, g->ents.strs[ent], (int)g->ents.lens[ent], SQLITE_STATIC);
			sqlite3_bind_text(st, 2, x->sync_id, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 3, cap);
			int sr = sqlite3_step(st);
			if (sr == SQLITE_ROW)
				own += sqlite3_column_int64(st, 0);
			else
				rc = baton__store_sqlerr(x->s, sr, "grant expansion: counting grants");
			sqlite3_reset(st);
		}
		size[c] = own + in > cap ? cap : own + in;
		total += in * (int64_t)(g->member_start[c + 1] - g->member_start[c]);
	}
	sqlite3_finalize(st);
	free(size);
	*yes = !rc && total >= need;
	x->scan_pays = *yes && total >= scan_need;
	return rc;
}

int baton__expand_defer_indexes(expander *x)
{
	const unsigned unread = BATON__GIDX_RESOURCE | BATON__GIDX_PRINCIPAL;
	int rc = worth_deferring(x, &x->large);
	if (rc || !x->large || (x->s->grants_deferred & unread) == unread)
		return rc; /* small, or still deferred since the bulk phase */
	return baton__store_grants_defer(x->s, unread);
}

/*
 * The unique (external_id, sync_id) index. Expansion knows, from the (entitlement, principal)
 * index, that no grant of destination D to principal P is stored before it creates one, and
 * creates each (D, P) once; the upsert's conflict can then only come from a row whose id is D's
 * grant id for P ("D:type:id") without being a grant of D to P: a stored row with that id (a
 * connector's own ids), or a grant created for another (D', P') whose id joins to the same
 * string. The latter needs a principal type holding ':' or a destination id that is another's
 * followed by ':' (then "D:type:id" splits two ways).
 *
 * During a large expansion with no such pair of destinations, the index is dropped and new
 * grants are plain INSERTs, as long as the principal type holds no ':' and the id's 64-bit hash
 * is not in a set of the stored grant ids of the sync (read from the index before it is dropped).
 * Otherwise (a real conflict, a possible one, or a hash collision) the index is built back (no
 * duplicate to merge: every row added meanwhile had a new id) and the rest of the expansion goes
 * through the upsert: rows, rowids and data are the upsert path's. The build at the end of the
 * expansion is one sorted pass instead of a B-tree insert per new grant.
 *
 * A process killed meanwhile leaves committed rows without the index and without duplicates: the
 * repair on reopening (store/bulk.c) builds it without a merge, and expansion run again converges
 * as after any interruption.
 */
#define EXPAND_IDS_MAX (1u << 20) /* stored ids held; more: the upsert throughout */
#define EXPAND_IDS_MIN_CAP (1u << 16)

bool baton__expand_keep_unique;

static uint64_t id_hash(const void *p, size_t n)
{
	uint64_t h = baton__mix64(baton__fnv1a64(BATON__FNV1A64_BASIS, p, n));
	return h ? h : 1; /* 0 marks an empty slot */
}

/* Adds h (absent) to the set; false when the set cannot grow. */
static bool ids_add(expander *x, uint64_t h)
{
	if ((x->ids_n + 1) * 2 > x->ids_cap) {
		if (x->ids_n + 1 > EXPAND_IDS_MAX)
			return false;
		uint32_t nc = x->ids_cap ? x->ids_cap * 2 : EXPAND_IDS_MIN_CAP;
		uint64_t *ns = calloc(nc, sizeof(*ns));
		if (!ns)
			return false;
		for (uint32_t i = 0; i < x->ids_cap; i++) {
			uint64_t v = x->ids[i];
			if (!v)
				continue;
			uint32_t k = (uint32_t)v & (nc - 1);
			while (ns[k])
				k = (k + 1) & (nc - 1);
			ns[k] = v;
		}
		free(x->ids);
		x->ids = ns;
		x->ids_cap = nc;
	}
	uint32_t k = (uint32_t)h & (x->ids_cap - 1);
	while (x->ids[k])
		k = (k + 1) & (x->ids_cap - 1);
	x->ids[k] = h;
	x->ids_n++;
	return true;
}

static bool ids_has(const expander *x, uint64_t h)
{
	if (!x->ids)
		return false;
	for (uint32_t k = (uint32_t)h & (x->ids_cap - 1); x->ids[k]; k = (k + 1) & (x->ids_cap - 1))
		if (x->ids[k] == h)
			return true;
	return false;
}

static void ids_free(expander *x)
{
	free(x->ids);
	x->ids = NULL;
	x->ids_cap = x->ids_n = 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Whether an entitlement id of the graph is another's followed by ':'. */
static int ids_may_join(expander *x, bool *yes)
{
	const baton__strtab *t = &x->g.ents;
	*yes = false;
	if (t->count < 2)
		return 0;
	const char **v = malloc((size_t)t->count * sizeof(*v));
	if (!v)
		return baton__error_oom("grant expansion");
	for (uint32_t i = 0; i < t->count; i++)
		v[i] = t->strs[i];
	qsort(v, t->count, sizeof(*v), cmp_str);
	/* the ids starting with "<id>:" sort right after "<id>:" itself: the first id not below it */
	for (uint32_t i = 0; i < t->count && !*yes; i++) {
		size_t n = strlen(v[i]);
		uint32_t lo = i + 1, hi = t->count;
		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;
			int c = strncmp(v[mid], v[i], n);
			if (c < 0 || (c == 0 && (unsigned char)v[mid][n] < ':'))
				lo = mid + 1;
			else
				hi = mid;
		}
		*yes = lo < t->count && strncmp(v[lo], v[i], n) == 0 && v[lo][n] == ':';
	}
	free(v);
	return 0;
}

int baton__expand_defer_unique(expander *x)
{
	/* Right after a bulk phase the index was just built (merging the phase's duplicates needs
	 * it): dropping and building it again costs more than it saves (sync-shape: +6% CPU). */
	if (!x->large || x->unique_built || baton__expand_keep_unique ||
	    (x->s->grants_deferred & BATON__GIDX_UNIQUE))
		return 0;
	bool join;
	int rc = ids_may_join(x, &join);
	if (rc || join)
		return rc;
	sqlite3_stmt *st, *plain = NULL;
	rc = baton__expand_prepare(x, "SELECT external_id FROM v1_grants INDEXED BY idx_grants_external_sync_v1 "
	                                  "WHERE sync_id = ?", &st);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, x->sync_id, -1, SQLITE_STATIC);
	int sr = SQLITE_DONE;
	bool fits = true;
	while (fits && (sr = sqlite3_step(st)) == SQLITE_ROW) {
		const void *b = sqlite3_column_blob(st, 0);
		uint64_t h = id_hash(b ? b : "", (size_t)sqlite3_column_bytes(st, 0));
		fits = ids_has(x, h) || ids_add(x, h);
	}
	sqlite3_finalize(st);
	if (fits && sr != SQLITE_DONE)
		rc = baton__store_sqlerr(x->s, sr, "grant expansion: reading grant ids");
	if (!rc && fits)
		rc = baton__expand_prepare(x, "INSERT INTO v1_grants (resource_type_id, resource_id, entitlement_id, "
		                              "principal_resource_type_id, principal_resource_id, external_id, expansion, "
		                              "needs_expansion, data, sync_id, discovered_at) VALUES (?1, ?2, ?3, ?4, ?5, "
		                              "?6, NULL, 0, ?7, ?8, ?9)", &plain);
	if (!rc && fits)
		rc = baton__store_grants_defer_unique(x->s);
	if (rc || !fits) {
		/* too many ids to hold (or an error): the upsert throughout */
		sqlite3_finalize(plain);
		ids_free(x);
		return rc;
	}
	x->ins_upsert = x->ins;
	x->ins = plain;
	x->ins_dest = NULL;
	return 0;
}

/* Builds the unique index back (lean: with the store's smaller cache); x->ins is the upsert again. */
static int unique_back(expander *x, bool lean)
{
	ids_free(x);
	int rc = lean ? baton__store_grants_build_lean(x->s, BATON__GIDX_UNIQUE) :
	                baton__store_grants_build(x->s, BATON__GIDX_UNIQUE, true);
	if (rc)
		return rc;
	sqlite3_finalize(x->ins);
	x->ins = x->ins_upsert;
	x->ins_upsert = NULL;
	x->ins_dest = NULL;
	return 0;
}

int baton__expand_unique_check(expander *x, const char *prt, const char *id, size_t len)
{
	if (!x->ins_upsert || (!strchr(prt, ':') && !ids_has(x, id_hash(id, len))))
		return 0;
	return unique_back(x, false);
}

int baton__expand_unique_end(expander *x, bool ok)
{
	if (!x->ins_upsert)
		return 0;
	/* After the last commit: lean, so the build adds little to the peak memory (expand-tenant:
	 * 87 MB with the 32 MiB cache, 77 MB so; main 74 MB). */
	if (ok)
		return unique_back(x, true);
	ids_free(x); /* left deferred: the store builds it (no duplicate to merge) */
	return 0;
}
