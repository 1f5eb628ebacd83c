/*
 * Grant expansion in scan mode: the two grant indexes expansion reads are deferred too
 * (expand_int.h).
 *
 * Expansion reads the grants on a source entitlement through the (entitlement_id, sync_id, id)
 * index and the grants of a destination to a principal through the (entitlement_id, principal)
 * one. Keeping both up to date costs a B-tree insert each per new grant, more than half of
 * SQLite's work per row; building them once afterwards is one sorted pass each (measured on the
 * 419,169 grants of expand-tenant: 1.42 s to insert with both indexes, 0.52 s without, 0.54 s to
 * build both).
 *
 * What expansion reads through them is known before it writes, except what it writes itself:
 *  - a source's grants are the rows it had on entry (read from the index before it is dropped,
 *    row ids only) and the rows created while the source's own component was expanded: every
 *    new row gets the next row id, so they are one range of row ids per component, read by a
 *    range scan filtered on the entitlement;
 *  - a destination is written only while its own component is expanded, so its rows on entry
 *    (row ids read from the index before it is dropped; their principals read by row id when the
 *    node is expanded) and the rows created since, kept per (destination, principal) in the
 *    node's principal set, are all its rows of the sync.
 * The row ids are kept as varint deltas (~1.5 bytes a grant); what is per principal lives only
 * while its node is expanded, as on the index path.
 * Rows are read in the same order as through the indexes (row order; a principal's rows in row
 * order), so the result is row for row the same.
 *
 * Only for an expansion expected to write more than twice the stored rows (expand_defer.c: the
 * rebuild then costs less than the upkeep; a sync's expansion builds them on entry first, as any
 * expansion does), and only while what is read on entry fits EXPAND_SCAN_BYTES and no destination
 * has more principals than a set holds. A set that outgrows its bound later builds both indexes
 * back and expansion goes on through them. With no index kept up to date, the table's pages are
 * written in order and the saved file needs no compacting copy (store/compacted.c).
 * They stay deferred after it, with the two it never reads: the store builds them when the next
 * reader, the sync's end or saving needs them (store/bulk.c), and a process killed meanwhile gets
 * them back when the file is opened. (Building them at expansion's end with the store's lean
 * cache kept expand-tenant's peak at 71 MB instead of 95, but left the heap fragmented for the
 * sync end's builds: test_memory_flat's 400k-grant sync peaked 11-13 MB above its 200k one.)
 */
#include "sync/expand_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/log.h"
#include "proto/pbutil.h"

int baton__expand_scan_mode;
uint64_t baton__expand_scan_leave_at;

#define EXPAND_SCAN_BYTES ((size_t)64 << 20)
#define SCAN_READ_GIDX (BATON__EXPAND_GIDX_READ & ~BATON__GIDX_UNIQUE) /* the two it reads through */

static bool is_dest(const expander *x, uint32_t ent)
{
	uint32_t c = x->g.comp[ent];
	return x->g.in_start[c] != x->g.in_start[c + 1];
}

/* Appends row `id` (above every row in b) to b; the bytes it took, or 0 when out of memory. */
static size_t rowbuf_add(expand_rowbuf *b, int64_t id)
{
	uint64_t d = (uint64_t)(id - b->last);
	size_t len = baton__pb_varint_len(d);
	if (b->n + len > b->cap) {
		size_t nc = b->cap ? b->cap * 2 : 64;
		uint8_t *nv = realloc(b->v, nc);
		if (!nv)
			return 0;
		b->v = nv;
		b->cap = nc;
	}
	b->n += baton__pb_varint_put(b->v + b->n, d);
	b->last = id;
	b->count++;
	return len;
}

/* The next row id of a list being read (*id: the one before, 0 at the start): 1, 0 at the end,
 * -1 when the list is damaged (cannot happen: rowbuf_add wrote it). */
static int rowbuf_next(const uint8_t **p, const uint8_t *end, int64_t *id)
{
	if (*p >= end)
		return 0;
	uint64_t d;
	size_t len = baton__pb_varint_get(*p, end, &d);
	if (!len)
		return -1;
	*p += len;
	*id += (int64_t)d;
	return 1;
}

/* The row ids of the sync's grants on every source and destination (index only). */
static int read_rows(expander *x, size_t *bytes, bool *fits)
{
	sqlite3_stmt *st;
	int rc = baton__expand_prepare(x, "SELECT id FROM v1_grants INDEXED BY idx_grants_entitlement_sync_grant_v1 "
	                                  "WHERE entitlement_id = ? AND sync_id = ? ORDER BY id", &st);
	if (rc)
		return rc;
	uint32_t n = x->g.ents.count;
	for (uint32_t e = 0; e < n && !rc && *fits; e++) {
		if (!x->src_uses[e] && !is_dest(x, e))
			continue;
		sqlite3_bind_text(st, 1, x->g.ents.strs[e], (int)x->g.ents.lens[e], SQLITE_STATIC);
		sqlite3_bind_text(st, 2, x->sync_id, -1, SQLITE_STATIC);
		int sr;
		while ((sr = sqlite3_step(st)) == SQLITE_ROW) {
			size_t len = rowbuf_add(&x->ent_rows[e], sqlite3_column_int64(st, 0));
			if (!len) {
				rc = baton__error_oom("grant expansion");
				break;
			}
			if ((*bytes += len) > EXPAND_SCAN_BYTES || x->ent_rows[e].count > EXPAND_PSET_MAX / 2) {
				*fits = false;
				break;
			}
		}
		if (!rc && *fits && sr != SQLITE_DONE)
			rc = baton__store_sqlerr(x->s, sr, "grant expansion: reading grants");
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return rc;
}

void baton__expand_scan_free(expander *x)
{
	sqlite3_finalize(x->q_row_src);
	sqlite3_finalize(x->q_range);
	sqlite3_finalize(x->q_row_dst);
	sqlite3_finalize(x->q_row_prin);
	x->q_row_src = x->q_range = x->q_row_dst = x->q_row_prin = NULL;
	if (x->ent_rows)
		for (uint32_t e = 0; e < x->g.ents.count; e++)
			free(x->ent_rows[e].v);
	free(x->ent_rows);
	x->ent_rows = NULL;
	free(x->comp_lo);
	free(x->comp_hi);
	free(x->rows);
	x->comp_lo = x->comp_hi = NULL;
	x->rows = NULL;
	x->nrows = x->rows_cap = 0;
	x->scan = false;
}

/* The row arrays of a new scan: every list empty, no component expanded. */
static int scan_alloc(expander *x)
{
	uint32_t n = x->g.ents.count, nc = x->g.ncomp;
	x->ent_rows = calloc((size_t)n + 1, sizeof(*x->ent_rows));
	x->comp_lo = malloc(((size_t)nc + 1) * sizeof(*x->comp_lo));
	x->comp_hi = malloc(((size_t)nc + 1) * sizeof(*x->comp_hi));
	if (!x->ent_rows || !x->comp_lo || !x->comp_hi) {
		baton__expand_scan_free(x);
		return baton__error_oom("grant expansion");
	}
	for (uint32_t c = 0; c <= nc; c++) {
		x->comp_lo[c] = 1;
		x->comp_hi[c] = 0;
	}
	return 0;
}

/* The statements of scan mode; then it is on (the read indexes are deferred by now). */
static int scan_start(expander *x)
{
	int rc = baton__expand_prepare(x, "SELECT data, principal_resource_type_id, principal_resource_id, id "
	                                  "FROM v1_grants WHERE id = ?", &x->q_row_src);
	if (!rc)
		rc = baton__expand_prepare(x, "SELECT data, principal_resource_type_id, principal_resource_id, id "
		                              "FROM v1_grants WHERE id BETWEEN ?1 AND ?2 AND entitlement_id = ?3 AND "
		                              "sync_id = ?4 ORDER BY id", &x->q_range);
	if (!rc)
		rc = baton__expand_prepare(x, "SELECT id, data FROM v1_grants WHERE id = ?1 AND sync_id = ?2", &x->q_row_dst);
	if (!rc)
		rc = baton__expand_prepare(x, "SELECT principal_resource_type_id, principal_resource_id FROM v1_grants "
		                              "WHERE id = ?", &x->q_row_prin);
	if (rc)
		return rc;
	x->top_row = x->max_row;
	x->scan = true;
	baton__log(BATON_LOG_DEBUG, "grant expansion: the two grant indexes it reads are deferred (scan mode)", "sync_id",
	           x->sync_id, NULL);
	return 0;
}

int baton__expand_scan_begin(expander *x)
{
	if (baton__expand_scan_mode < 0 || (baton__expand_scan_mode == 0 && !x->scan_pays) ||
	    (x->s->grants_deferred & SCAN_READ_GIDX))
		return 0;
	int rc = scan_alloc(x);
	if (rc)
		return rc;
	size_t bytes = 0;
	bool fits = true;
	rc = read_rows(x, &bytes, &fits);
	if (!rc && fits)
		rc = baton__store_grants_defer(x->s, SCAN_READ_GIDX);
	if (!rc && fits)
		rc = scan_start(x);
	if (rc || !fits) {
		baton__expand_scan_free(x); /* too much to hold: through the indexes */
		return rc;
	}
	return 0;
}

int baton__expand_scan_leave(expander *x)
{
	if (!x->scan)
		return 0;
	x->scan = false; /* the lists stay until the end: an open source read goes on with them */
	return baton__store_grants_build(x->s, SCAN_READ_GIDX, true);
}

int baton__expand_src_open(expander *x, uint32_t src, src_iter *it)
{
	memset(it, 0, sizeof(*it));
	it->src = src;
	if (!x->scan) {
		sqlite3_bind_text(x->q_src, 1, x->g.ents.strs[src], (int)x->g.ents.lens[src], SQLITE_STATIC);
		sqlite3_bind_text(x->q_src, 2, x->sync_id, -1, SQLITE_STATIC);
		it->cur = x->q_src;
		it->phase = SRC_INDEX;
		return 0;
	}
	it->p = x->ent_rows[src].v;
	it->end = it->p + x->ent_rows[src].n;
	return 0;
}

int baton__expand_src_next(expander *x, src_iter *it)
{
	if (it->phase == SRC_ROWS) {
		if (it->cur)
			sqlite3_reset(it->cur);
		int more;
		while ((more = rowbuf_next(&it->p, it->end, &it->last)) > 0) {
			sqlite3_bind_int64(x->q_row_src, 1, it->last);
			int sr = sqlite3_step(x->q_row_src);
			it->cur = x->q_row_src;
			if (sr != SQLITE_DONE)
				return sr; /* a row, or an error (a row is never deleted during expansion) */
			sqlite3_reset(x->q_row_src);
		}
		if (more < 0)
			return SQLITE_CORRUPT;
		/* then the rows created while the source's component was expanded */
		uint32_t c = x->g.comp[it->src];
		it->phase = SRC_DONE;
		it->cur = NULL;
		if (x->comp_lo[c] > x->comp_hi[c])
			return SQLITE_DONE;
		sqlite3_bind_int64(x->q_range, 1, x->comp_lo[c]);
		sqlite3_bind_int64(x->q_range, 2, x->comp_hi[c]);
		sqlite3_bind_text(x->q_range, 3, x->g.ents.strs[it->src], (int)x->g.ents.lens[it->src], SQLITE_STATIC);
		sqlite3_bind_text(x->q_range, 4, x->sync_id, -1, SQLITE_STATIC);
		it->cur = x->q_range;
		it->phase = SRC_RANGE;
	}
	if (it->phase == SRC_DONE)
		return SQLITE_DONE;
	return sqlite3_step(it->cur);
}

void baton__expand_src_close(expander *x, src_iter *it)
{
	(void)x;
	if (it->cur) {
		sqlite3_reset(it->cur);
		sqlite3_clear_bindings(it->cur);
	}
	it->cur = NULL;
}

/* Appends row `id` to the chain at *head (rows arrive in row order). */
static int chain_add(expander *x, uint32_t *head, int64_t id)
{
	if (x->nrows >= EXPAND_ROW_NEW - 1)
		return baton__error_oom("grant expansion");
	if (x->nrows == x->rows_cap) {
		uint32_t nc = x->rows_cap ? x->rows_cap * 2 : 1024;
		expand_row *r = nc > x->rows_cap ? realloc(x->rows, (size_t)nc * sizeof(*r)) : NULL;
		if (!r)
			return baton__error_oom("grant expansion");
		x->rows = r;
		x->rows_cap = nc;
	}
	uint32_t k = x->nrows++;
	x->rows[k].id = id;
	x->rows[k].next = EXPAND_NO_ROW;
	if (*head == EXPAND_NO_ROW) {
		*head = k;
		return 0;
	}
	uint32_t t = *head;
	while (x->rows[t].next != EXPAND_NO_ROW)
		t = x->rows[t].next;
	x->rows[t].next = k;
	return 0;
}

int baton__expand_scan_pset(expander *x, dest *d)
{
	const expand_rowbuf *b = &x->ent_rows[d->ent];
	uint32_t cap = 64;
	while (cap < 2 * b->count + 2)
		cap *= 2;
	pset *ps = &d->have;
	ps->cap = cap;
	ps->n = 0;
	ps->slots = baton_arena_alloc(&x->node_arena, (size_t)cap * sizeof(*ps->slots));
	ps->lens = baton_arena_alloc_raw(&x->node_arena, (size_t)cap * sizeof(*ps->lens));
	ps->vals = baton_arena_alloc_raw(&x->node_arena, (size_t)cap * sizeof(*ps->vals));
	if (!ps->slots || !ps->lens || !ps->vals)
		return baton__error_oom("grant expansion");
	/* d's rows on entry, in row order: each principal's chain is in row order */
	int64_t id = 0;
	int rc = 0, more;
	const uint8_t *p = b->v;
	while (!rc && (more = rowbuf_next(&p, b->v + b->n, &id)) != 0) {
		if (more < 0)
			return baton_error_set(BATON_EINTERNAL, "grant expansion: a row list is damaged");
		sqlite3_bind_int64(x->q_row_prin, 1, id);
		int sr = sqlite3_step(x->q_row_prin);
		if (sr == SQLITE_ROW) {
			uint32_t *v = baton__expand_pset_put(&x->node_arena, ps, baton__expand_col_text(x->q_row_prin, 0),
			                                     baton__expand_col_text(x->q_row_prin, 1));
			rc = v ? chain_add(x, v, id) : baton__error_oom("grant expansion");
		} else if (sr != SQLITE_DONE) {
			rc = baton__store_sqlerr(x->s, sr, "grant expansion: reading grants");
		}
		sqlite3_reset(x->q_row_prin);
	}
	return rc;
}

/* Appends row `id` of d to *rows (apply arena) when it is a grant of the sync. */
static int read_dst_row(expander *x, int64_t id, dst_row **rows, size_t *n, size_t *cap)
{
	sqlite3_bind_int64(x->q_row_dst, 1, id);
	sqlite3_bind_text(x->q_row_dst, 2, x->sync_id, -1, SQLITE_STATIC);
	int sr = sqlite3_step(x->q_row_dst), rc = 0;
	if (sr == SQLITE_ROW)
		rc = baton__expand_dst_row_copy(x, x->q_row_dst, rows, n, cap);
	else if (sr != SQLITE_DONE)
		rc = baton__store_sqlerr(x->s, sr, "grant expansion: reading grants");
	sqlite3_reset(x->q_row_dst);
	return rc;
}

int baton__expand_scan_dst(expander *x, dest *d, const char *prt, const char *pid, dst_row **rows, size_t *n)
{
	*rows = NULL;
	*n = 0;
	uint32_t *v = baton__expand_pset_val(&d->have, prt, pid);
	size_t cap = 0;
	if (v && (*v & EXPAND_ROW_NEW) && *v != EXPAND_NO_ROW) /* the one row this node created */
		return read_dst_row(x, x->node_first_row + (*v & ~EXPAND_ROW_NEW), rows, n, &cap);
	int rc = 0;
	for (uint32_t r = v ? *v : EXPAND_NO_ROW; r != EXPAND_NO_ROW && !rc; r = x->rows[r].next)
		rc = read_dst_row(x, x->rows[r].id, rows, n, &cap);
	return rc;
}

int baton__expand_scan_created(expander *x, dest *d, const char *prt, const char *pid, int64_t id)
{
	if (baton__expand_scan_leave_at && x->created == baton__expand_scan_leave_at)
		return baton__expand_scan_leave(x);
	/* The node's last flush applies each principal to d once: nothing looks this row up again
	 * (and the set need not grow by a principal per new grant). */
	if (x->last_flush)
		return 0;
	uint32_t *v = baton__expand_pset_put(&x->node_arena, &d->have, prt, pid);
	if (!v)
		return baton__expand_scan_leave(x); /* the set is dropped: d's rows are looked up through the index */
	if (!id)
		return 0;
	/* a created grant is its principal's only row of d (it had none): kept in the value itself,
	 * as its distance from the node's first new row, instead of a chain entry */
	if (*v == EXPAND_NO_ROW && id - x->node_first_row < (int64_t)(EXPAND_ROW_NEW - 1)) {
		*v = EXPAND_ROW_NEW | (uint32_t)(id - x->node_first_row);
		return 0;
	}
	return chain_add(x, v, id);
}
