/*
 * Grant expansion of a stored sync (include/baton/expand.h): load the entitlement graph from the
 * expandable grants, collapse cycles, then push grants along the edges in topological order.
 *
 * The closure is streamed: for every edge M -> N (collapsed nodes) and every source entitlement S
 * of M, the grants on S are read in row order through the (entitlement_id, sync_id, id) index;
 * each grant that passes the edge gives a contribution (D, principal, S, is_direct) for every
 * destination D of N, which is applied to the store at once: the grants of D for that principal
 * are looked up through the (entitlement_id, principal) index and their sources merged, or a new
 * grant is stored. N is processed after every node that reaches it, so S's grants are final when
 * they are read, and no write ever touches the rows being read (S is never in N).
 *
 * Writes are plain upserts and set unions, so running expansion again, or after an interruption,
 * converges to the same grants. (A large expansion writes new grants as plain INSERTs while the
 * unique index is deferred, with the upsert's result: expand_defer.c.)
 */
#include "sync/expand.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/faults.h"
#include "proto/any.h"
#include "store/store.h"
#include "c1/connector/v2/annotation_grant.pb-c.h"

#include "sync/expand_int.h"

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                     */

static int report(expander *x, baton_expand_phase phase, uint64_t done, uint64_t total)
{
	x->phase = phase;
	x->progress_done = done;
	x->progress_total = total;
	if (!x->opts || !x->opts->progress)
		return 0;
	baton_expand_progress p = {phase, done, total, x->created, x->updated_writes};
	if (x->opts->progress(&p, x->opts->progress_data) != 0)
		return baton_error_set(BATON_ECANCELLED, "grant expansion: cancelled by the progress callback");
	return 0;
}

int baton__expand_prepare(expander *x, const char *sql, sqlite3_stmt **st)
{
	int sr = sqlite3_prepare_v3(x->s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);
	if (sr != SQLITE_OK)
		return baton__store_sqlerr(x->s, sr, "grant expansion: prepare");
	return 0;
}

static void finalize_all(expander *x)
{
	sqlite3_stmt **sts[] = {&x->q_ent, &x->q_src, &x->q_dst, &x->upd, &x->ins, &x->ins_upsert, &x->touch, &x->q_prin};
	for (size_t i = 0; i < sizeof(sts) / sizeof(sts[0]); i++) {
		sqlite3_finalize(*sts[i]);
		*sts[i] = NULL;
	}
}

const char *baton__expand_col_text(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	return t ? (const char *)t : "";
}

static int meta_reserve(expander *x, uint32_t n)
{
	if (n <= x->meta_cap)
		return 0;
	uint32_t cap = x->meta_cap ? x->meta_cap : 64;
	while (cap < n)
		cap *= 2;
	ent_meta *m = realloc(x->meta, (size_t)cap * sizeof(*m));
	if (!m)
		return baton__error_oom("entitlement graph");
	memset(m + x->meta_cap, 0, (size_t)(cap - x->meta_cap) * sizeof(*m));
	x->meta = m;
	x->meta_cap = cap;
	return 0;
}

/*
 * Looks an entitlement up in the store (once per entitlement): its state and resource. When
 * `data` is given the stored bytes are copied into `arena` too.
 */
static int ent_lookup(expander *x, uint32_t ent, baton_arena *arena, const uint8_t **data, size_t *len)
{
	int rc = meta_reserve(x, ent + 1);
	if (rc)
		return rc;
	ent_meta *m = &x->meta[ent];
	if (m->state != ENT_UNKNOWN && !data)
		return 0;
	if (m->state == ENT_MISSING)
		return 0;
	sqlite3_bind_text(x->q_ent, 1, x->g.ents.strs[ent], (int)x->g.ents.lens[ent], SQLITE_STATIC);
	sqlite3_bind_text(x->q_ent, 2, x->sync_id, -1, SQLITE_STATIC);
	int sr = sqlite3_step(x->q_ent);
	if (sr == SQLITE_ROW) {
		if (m->state == ENT_UNKNOWN) {
			m->rt = baton_arena_strdup(&x->g.arena, baton__expand_col_text(x->q_ent, 0));
			m->rid = baton_arena_strdup(&x->g.arena, baton__expand_col_text(x->q_ent, 1));
			if (!m->rt || !m->rid)
				rc = baton__error_oom("entitlement graph");
			m->state = ENT_FOUND;
		}
		if (!rc && data) {
			const void *d = sqlite3_column_blob(x->q_ent, 2);
			*len = (size_t)sqlite3_column_bytes(x->q_ent, 2);
			*data = baton_arena_memdup(arena, d ? d : "", *len);
			if (!*data)
				rc = baton__error_oom("entitlement");
		}
	} else if (sr == SQLITE_DONE) {
		m->state = ENT_MISSING;
	} else {
		rc = baton__store_sqlerr(x->s, sr, "grant expansion: reading an entitlement");
	}
	sqlite3_reset(x->q_ent);
	sqlite3_clear_bindings(x->q_ent);
	return rc;
}

static int intern(expander *x, const char *s, uint32_t *out)
{
	*out = baton__strtab_intern(&x->g.ents, s, strlen(s));
	if (*out == BATON__NONE)
		return baton_error_last()->code;
	return meta_reserve(x, *out + 1);
}

/* ------------------------------------------------------------------------------------------ */
/* Loading the graph                                                                           */

static int load_row(expander *x, sqlite3_stmt *st)
{
	const char *ext = baton__expand_col_text(st, 1), *dst_id = baton__expand_col_text(st, 2);
	const char *prt = baton__expand_col_text(st, 3), *pid = baton__expand_col_text(st, 4);
	const void *blob = sqlite3_column_blob(st, 5);
	size_t blen = (size_t)sqlite3_column_bytes(st, 5);
	ProtobufCMessage *m;
	baton_arena_reset(&x->row_arena);
	int rc = baton__pb_unpack(&x->row_arena, &c1__connector__v2__grant_expandable__descriptor,
	                          blob ? blob : (const void *)"", blen, &m);
	if (rc)
		return baton__error_prefix("grant expansion: grant '%s'", ext);
	const C1__Connector__V2__GrantExpandable *e = (const C1__Connector__V2__GrantExpandable *)m;
	x->stats->expandable_grants++;
	uint32_t dst;
	for (size_t i = 0; i < e->n_entitlement_ids; i++) {
		const char *src_id = e->entitlement_ids[i] ? e->entitlement_ids[i] : "";
		if (!*src_id) {
			x->stats->edges_dropped++;
			continue;
		}
		uint32_t src;
		if ((rc = intern(x, src_id, &src)) || (rc = ent_lookup(x, src, NULL, NULL, NULL)))
			return rc;
		const ent_meta *sm = &x->meta[src];
		if (sm->state == ENT_MISSING) {
			x->stats->edges_dropped++;
			continue;
		}
		if (strcmp(sm->rt, prt) != 0 || strcmp(sm->rid, pid) != 0)
			return baton_error_set(BATON_EINVALID, "grant expansion: grant '%s' (entitlement '%s', "
			                       "principal %s:%s) expands from entitlement '%s', which is on resource "
			                       "%s:%s: source entitlement resource id did not match grant principal id",
			                       ext, dst_id, prt, pid, src_id, sm->rt, sm->rid);
		if ((rc = intern(x, dst_id, &dst)))
			return rc;
		rc = baton__graph_add_edge(&x->g, src, dst, e->shallow, (const char *const *)e->resource_type_ids,
		                           e->n_resource_type_ids);
		if (rc)
			return rc;
	}
	return 0;
}

static int load_graph(expander *x)
{
	sqlite3_stmt *st;
	int rc = baton__expand_prepare(x, "SELECT id, external_id, entitlement_id, principal_resource_type_id, "
	                    "principal_resource_id, expansion FROM v1_grants WHERE sync_id = ? AND "
	                    "expansion IS NOT NULL AND needs_expansion = 1 ORDER BY id", &st);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, x->sync_id, -1, SQLITE_STATIC);
	int sr;
	uint64_t rows = 0;
	while ((sr = sqlite3_step(st)) == SQLITE_ROW) {
		if ((rc = load_row(x, st)))
			break;
		if (++rows % EXPAND_PROGRESS_EVERY == 0 && (rc = report(x, BATON_EXPAND_PHASE_LOAD, rows, 0)))
			break;
	}
	if (!rc && sr != SQLITE_DONE)
		rc = baton__store_sqlerr(x->s, sr, "grant expansion: reading expandable grants");
	sqlite3_finalize(st);
	baton_arena_reset(&x->row_arena);
	return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Applying contributions                                                                      */

static int tx_write_done(expander *x)
{
	x->s->dirty = true;
	if (++x->writes_in_tx < EXPAND_TX_WRITES)
		return 0;
	x->writes_in_tx = 0;
	int rc = baton__store_commit(x->s);
	return rc ? rc : baton__store_begin(x->s);
}

int baton__expand_dst_row_copy(expander *x, sqlite3_stmt *st, dst_row **rows, size_t *n, size_t *cap)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 2;
		dst_row *r = baton_arena_alloc_raw(&x->apply_arena, nc * sizeof(*r));
		if (!r)
			return baton__error_oom("grant expansion");
		if (*n)
			memcpy(r, *rows, *n * sizeof(*r));
		*rows = r;
		*cap = nc;
	}
	dst_row *r = &(*rows)[(*n)++];
	r->id = sqlite3_column_int64(st, 0);
	const void *b = sqlite3_column_blob(st, 1);
	r->len = (size_t)sqlite3_column_bytes(st, 1);
	if (!(r->data = baton_arena_memdup(&x->apply_arena, b ? b : "", r->len)))
		return baton__error_oom("grant expansion");
	return 0;
}

/* The grants of D for principal P (copied: they are rewritten afterwards). */
static int read_dst_rows(expander *x, const dest *d, const char *prt, const char *pid, dst_row **rows,
                         size_t *n)
{
	size_t cap = 0;
	*rows = NULL;
	*n = 0;
	sqlite3_bind_text(x->q_dst, 1, d->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(x->q_dst, 2, prt, -1, SQLITE_STATIC);
	sqlite3_bind_text(x->q_dst, 3, pid, -1, SQLITE_STATIC);
	sqlite3_bind_text(x->q_dst, 4, x->sync_id, -1, SQLITE_STATIC);
	int sr, rc = 0;
	while (!rc && (sr = sqlite3_step(x->q_dst)) == SQLITE_ROW)
		rc = baton__expand_dst_row_copy(x, x->q_dst, rows, n, &cap);
	if (!rc && sr != SQLITE_DONE)
		rc = baton__store_sqlerr(x->s, sr, "grant expansion: reading grants");
	sqlite3_reset(x->q_dst);
	sqlite3_clear_bindings(x->q_dst);
	return rc;
}

static int step_write(expander *x, sqlite3_stmt *st, const char *what)
{
	int sr = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (sr != SQLITE_DONE)
		return baton__store_sqlerr(x->s, sr, what);
	return 0;
}

/*
 * Merges the sources `add` (a node's contributions for one principal) into one existing grant of
 * D: D itself first when it had no sources. One write at most, whatever the number of sources.
 */
static int merge_into(expander *x, const dest *d, const dst_row *row, const baton__sources *add)
{
	baton__sources have = {NULL, 0, 0};
	const uint8_t *pr;
	size_t prl;
	int rc = baton__wire_grant_read(&x->apply_arena, row->data, row->len, &pr, &prl, &have);
	if (rc)
		return baton__error_prefix("grant row %lld", (long long)row->id);
	bool changed = false;
	if (have.n == 0) {
		if ((rc = baton__sources_add(&x->apply_arena, &have, d->id, strlen(d->id), true)))
			return rc;
		changed = true;
	}
	for (uint32_t k = 0; k < add->n; k++) {
		const baton__source *a = &add->v[k];
		long at = baton__sources_find(&have, a->key, a->len);
		if (at < 0) {
			if ((rc = baton__sources_add(&x->apply_arena, &have, a->key, a->len, a->direct)))
				return rc;
			changed = true;
		} else if (a->direct && !have.v[at].direct) {
			have.v[at].direct = true;
			changed = true;
		}
	}
	if (!changed)
		return 0;
	uint8_t *nd;
	size_t nl;
	if ((rc = baton__wire_grant_set_sources(&x->apply_arena, row->data, row->len, &have, &nd, &nl)))
		return rc;
	sqlite3_bind_blob64(x->upd, 1, nd, nl, SQLITE_STATIC);
	sqlite3_bind_int64(x->upd, 2, row->id);
	if ((rc = step_write(x, x->upd, "grant expansion: updating a grant")))
		return rc;
	x->updated_writes++;
	if (row->id <= x->max_row) {
		sqlite3_bind_int64(x->touch, 1, row->id);
		if ((rc = step_write(x, x->touch, "grant expansion: counting updates")))
			return rc;
	}
	return tx_write_done(x);
}

/* *created: the new row's id, or 0 when the upsert wrote an existing row instead. */
static int create_grant(expander *x, const dest *d, const char *prt, const char *pid,
                        const uint8_t *principal, size_t principal_len, baton__sources *src, int64_t *created)
{
	int rc;
	uint8_t *stub = NULL;
	if (!principal) {
		size_t sl;
		if ((rc = baton__wire_principal_stub(&x->apply_arena, prt, pid, &stub, &sl)))
			return rc;
		principal = stub;
		principal_len = sl;
	}
	/* the id Go gives it: "<entitlement id>:<principal type>:<principal id>" */
	size_t el = x->g.ents.lens[d->ent], tl = strlen(prt), il = strlen(pid);
	char *id = baton_arena_alloc_raw(&x->apply_arena, el + tl + il + 3);
	if (!id)
		return baton__error_oom("grant expansion");
	memcpy(id, d->id, el);
	id[el] = ':';
	memcpy(id + el + 1, prt, tl);
	id[el + 1 + tl] = ':';
	memcpy(id + el + 2 + tl, pid, il + 1);
	uint8_t *data;
	size_t len;
	if ((rc = baton__wire_grant_new(&x->apply_arena, d->data, d->len, principal, principal_len, id, src,
	                                &data, &len)))
		return rc;
	/* While the unique index is deferred: an id that may be stored already goes back to the upsert. */
	if ((rc = baton__expand_unique_check(x, prt, id, el + tl + il + 2)))
		return rc;
	char now[BATON__TS_LEN];
	baton__store_row_stamp(x->s, now);
	/* Bindings stay across rows (every one is set before the first): the destination's are
	 * set again only when it changes (each API call takes the connection's mutex). */
	sqlite3_stmt *st = x->ins;
	if (x->ins_dest != d) {
		sqlite3_bind_text(st, 1, d->rt, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, d->rid, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, d->id, (int)el, SQLITE_STATIC);
		sqlite3_bind_text(st, 8, x->sync_id, -1, SQLITE_STATIC);
		x->ins_dest = d;
	}
	sqlite3_bind_text(st, 4, prt, (int)tl, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, pid, (int)il, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, id, (int)(el + tl + il + 2), SQLITE_STATIC);
	sqlite3_bind_blob64(st, 7, data, len, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, now, -1, SQLITE_STATIC);
	int sr = sqlite3_step(st);
	sqlite3_reset(st);
	if (sr != SQLITE_DONE)
		return baton__store_sqlerr(x->s, sr, "grant expansion: storing a grant");
	/* a new row takes the next row id; the upsert's update leaves the last insert's id as it was */
	int64_t row = sqlite3_last_insert_rowid(x->s->db);
	if (row > x->top_row)
		*created = x->top_row = row;
	x->created++;
	return tx_write_done(x);
}

/* Principal P gets D through every source in `src` (the node's contributions for P). */
static int apply(expander *x, dest *d, const char *prt, const char *pid, const uint8_t *principal,
                 size_t principal_len, baton__sources *src)
{
	dst_row *rows = NULL;
	size_t n = 0;
	int rc = 0;
	if (x->scan && d->have.slots)
		rc = baton__expand_scan_dst(x, d, prt, pid, &rows, &n);
	else if (!d->have.slots || baton__expand_pset_has(&d->have, prt, pid))
		rc = read_dst_rows(x, d, prt, pid, &rows, &n);
	if (rc)
		return rc;
	if (n == 0) {
		int64_t id = 0;
		rc = create_grant(x, d, prt, pid, principal, principal_len, src, &id);
		if (!rc && x->scan && d->have.slots)
			rc = baton__expand_scan_created(x, d, prt, pid, id);
		else if (!rc)
			baton__expand_pset_add(&x->node_arena, &d->have, prt, pid);
	}
	for (size_t i = 0; i < n && !rc; i++)
		rc = merge_into(x, d, &rows[i], src);
	if (!rc && ++x->applied % EXPAND_PROGRESS_EVERY == 0)
		rc = report(x, BATON_EXPAND_PHASE_EXPAND, x->progress_done, x->progress_total);
	return rc;
}

static bool filter_has(const baton__edge *e, uint32_t rt)
{
	uint32_t lo = 0, hi = e->nf;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (e->filter[mid] == rt)
			return true;
		if (e->filter[mid] < rt)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/*
 * The contributions of every (edge, source) pair of a node are gathered before anything is
 * written, in batches of at most EXPAND_BATCH, and applied per principal: a principal reached
 * through several sources (a user in four child groups of the same parent) gets one new grant
 * with all of its sources, instead of a grant from the first source then one rewrite per later
 * source. Sorted by (principal type, principal id) the new grants also go into each
 * destination's index ranges in key order. The final grants are the same whatever the order or
 * batching (applying is a set union per grant); the principal of a new grant is the one of its
 * first contribution in (edge, source, direct first, row) order, as when the pairs were applied
 * one after the other. Only the row ids of new grants follow the new order.
 */
#define EXPAND_BATCH 65536u

static int node_contrib_cmp(const void *a, const void *b)
{
	const contrib *x = a, *y = b;
	int c = strcmp(x->prt, y->prt);
	if (!c)
		c = strcmp(x->pid, y->pid);
	if (!c)
		c = x->pair < y->pair ? -1 : x->pair > y->pair;
	if (!c)
		c = (int)y->direct - (int)x->direct;
	if (!c)
		c = x->seq < y->seq ? -1 : x->seq > y->seq;
	return c;
}

/*
 * Sorts the batch. Kept source lists arrive already sorted, so a node fed by a few of them is a
 * few ascending runs: those are merged (linear per pass) instead of sorted again; anything with
 * many runs (streamed sources, in row order) is sorted.
 */
#define EXPAND_MERGE_RUNS 64
static void sort_batch(expander *x)
{
	size_t n = x->nbatch;
	uint32_t starts[EXPAND_MERGE_RUNS + 1];
	uint32_t runs = 1;
	starts[0] = 0;
	for (size_t i = 1; i < n && runs <= EXPAND_MERGE_RUNS; i++)
		if (node_contrib_cmp(&x->batch[i - 1], &x->batch[i]) > 0 && runs++ < EXPAND_MERGE_RUNS)
			starts[runs - 1] = (uint32_t)i;
	if (runs == 1)
		return;
	/* the other buffer lives only for this merge: held across the expansion it could pin freed
	 * heap memory below it and raise the peak RSS of the later phases */
	contrib *tmp = runs > EXPAND_MERGE_RUNS ? NULL : malloc(n * sizeof(*tmp));
	if (!tmp) {
		qsort(x->batch, n, sizeof(*x->batch), node_contrib_cmp);
		return;
	}
	starts[runs] = (uint32_t)n;
	contrib *from = x->batch, *to = tmp;
	while (runs > 1) {
		uint32_t nr = 0;
		for (uint32_t r = 0; r < runs; r += 2) {
			size_t a = starts[r], am = starts[r + 1], b = am, bm = r + 1 < runs ? starts[r + 2] : am, o = a;
			while (a < am && b < bm)
				to[o++] = node_contrib_cmp(&from[a], &from[b]) <= 0 ? from[a++] : from[b++];
			memcpy(to + o, from + a, (am - a) * sizeof(*to));
			o += am - a;
			memcpy(to + o, from + b, (bm - b) * sizeof(*to));
			starts[nr++] = starts[r];
		}
		starts[nr] = (uint32_t)n;
		runs = nr;
		contrib *t = from;
		from = to;
		to = t;
	}
	if (from != x->batch)
		memcpy(x->batch, from, n * sizeof(*x->batch));
	free(tmp);
}

static int flush_batch(expander *x, dest *dests, size_t nd)
{
	int rc = 0;
	sort_batch(x);
	for (size_t k = 0; k < x->nbatch && !rc;) {
		const contrib *c = &x->batch[k];
		baton_arena_reset(&x->apply_arena);
		baton__sources src = {NULL, 0, 0};
		size_t j = k;
		for (; j < x->nbatch && !rc; j++) {
			const contrib *o = &x->batch[j];
			if (j > k && (strcmp(o->prt, c->prt) != 0 || strcmp(o->pid, c->pid) != 0))
				break;
			const char *sid = x->g.ents.strs[o->src];
			size_t sl = x->g.ents.lens[o->src];
			long at = baton__sources_find(&src, sid, sl);
			if (at < 0)
				rc = baton__sources_add(&x->apply_arena, &src, sid, sl, o->direct);
			else if (o->direct)
				src.v[at].direct = true;
		}
		for (size_t i = 0; i < nd && !rc; i++)
			rc = apply(x, &dests[i], c->prt, c->pid, c->principal, c->principal_len, &src);
		k = j;
	}
	x->nbatch = 0;
	baton_arena_reset(&x->batch_arena);
	return rc;
}

/* Adds one contribution of (edge, source) pair `pair` to the node's batch (flushed when full). */
static int gather(expander *x, const contrib *c, uint32_t src, uint32_t pair, dest *dests, size_t nd)
{
	contrib *b = &x->batch[x->nbatch++];
	*b = *c;
	b->src = src;
	b->pair = pair;
	return x->nbatch == EXPAND_BATCH ? flush_batch(x, dests, nd) : 0;
}

/* Streams the grants on S and gathers what passes edge e (copied: the batch outlives the row). */
static int gather_stream(expander *x, const baton__edge *e, uint32_t src, uint32_t pair, dest *dests, size_t nd)
{
	src_iter it;
	int sr = SQLITE_DONE, rc = baton__expand_src_open(x, src, &it);
	uint32_t seq = 0;
	contrib c;
	while (!rc && (sr = baton__expand_src_next(x, &it)) == SQLITE_ROW) {
		if (e->nf) {
			const char *prt = baton__expand_col_text(it.cur, 1);
			uint32_t rt = baton__strtab_find(&x->g.rtypes, prt, strlen(prt));
			if (rt == BATON__NONE || !filter_has(e, rt))
				continue;
		}
		int r = baton__expand_src_row(x, it.cur, src, &c);
		if (r == 1 || (r == 0 && e->shallow && !c.direct))
			continue;
		if (r < 0 || (r = baton__expand_contrib_copy(&x->batch_arena, &c))) {
			rc = r;
			break;
		}
		c.seq = seq++;
		rc = gather(x, &c, src, pair, dests, nd);
	}
	if (!rc && sr != SQLITE_DONE)
		rc = baton__store_sqlerr(x->s, sr, "grant expansion: reading grants");
	baton__expand_src_close(x, &it);
	return rc;
}

/* Gathers the kept contributions of S that pass edge e (the list lives until the node is done). */
static int gather_cached(expander *x, const baton__edge *e, uint32_t src, uint32_t pair, const srclist *l,
                         dest *dests, size_t nd)
{
	int rc = 0;
	for (size_t k = 0; k < l->n && !rc; k++) {
		const contrib *c = &l->v[k];
		if (e->nf && (c->rt == BATON__NONE || !filter_has(e, c->rt)))
			continue;
		if (e->shallow && !c->direct)
			continue;
		rc = gather(x, c, src, pair, dests, nd);
	}
	return rc;
}

static int expand_node(expander *x, uint32_t c)
{
	baton__graph *g = &x->g;
	if (g->in_start[c] == g->in_start[c + 1])
		return 0;
	baton_arena_reset(&x->node_arena);
	x->ins_dest = NULL; /* the destinations bound to x->ins are gone with the arena */
	x->nrows = 0;
	int64_t first_row = x->node_first_row = x->top_row + 1;
	uint32_t first = g->member_start[c], count = g->member_start[c + 1] - first;
	dest *dests = baton_arena_alloc(&x->node_arena, (size_t)count * sizeof(*dests));
	if (!dests)
		return baton__error_oom("grant expansion");
	size_t nd = 0;
	for (uint32_t i = 0; i < count; i++) {
		uint32_t ent = g->members[first + i];
		dest *d = &dests[nd];
		int rc = ent_lookup(x, ent, &x->node_arena, &d->data, &d->len);
		if (rc)
			return rc;
		if (x->meta[ent].state != ENT_FOUND)
			continue; /* a destination that is not stored: its edges are dropped */
		d->ent = ent;
		d->id = g->ents.strs[ent];
		d->rt = x->meta[ent].rt;
		d->rid = x->meta[ent].rid;
		if ((rc = x->scan ? baton__expand_scan_pset(x, d) : baton__expand_pset_load(x, d)))
			return rc;
		nd++;
	}
	if (nd == 0)
		return 0;
	if (!x->batch && !(x->batch = malloc(EXPAND_BATCH * sizeof(*x->batch))))
		return baton__error_oom("grant expansion");
	x->nbatch = 0;
	baton_arena_reset(&x->batch_arena);
	/* the sources read, marked done once the node is written (kept lists are read until then) */
	uint32_t npairs = 0, maxpairs = 0;
	for (uint32_t k = g->in_start[c]; k < g->in_start[c + 1]; k++) {
		const baton__edge *e = &g->cedges.edges[g->in_edges[k]];
		maxpairs += g->member_start[e->src + 1] - g->member_start[e->src];
	}
	uint32_t *used = baton_arena_alloc_raw(&x->node_arena, (size_t)maxpairs * sizeof(*used) + 1);
	if (!used)
		return baton__error_oom("grant expansion");
	int rc = 0;
	for (uint32_t k = g->in_start[c]; k < g->in_start[c + 1] && !rc; k++) {
		const baton__edge *e = &g->cedges.edges[g->in_edges[k]];
		for (uint32_t m = g->member_start[e->src]; m < g->member_start[e->src + 1] && !rc; m++) {
			uint32_t src = g->members[m];
			if (x->meta[src].state == ENT_MISSING) {
				used[npairs++] = src;
				continue;
			}
			srclist *l;
			rc = baton__expand_srcs_get(x, src, &l);
			used[npairs++] = src;
			if (!rc)
				rc = l ? gather_cached(x, e, src, npairs, l, dests, nd)
				       : gather_stream(x, e, src, npairs, dests, nd);
		}
	}
	/* the node's last flush: what it creates is not looked up again (scan mode keeps no record) */
	x->last_flush = true;
	if (!rc)
		rc = flush_batch(x, dests, nd);
	x->last_flush = false;
	if (x->comp_lo) {
		/* the rows this node created, for the reads of its entitlements as sources (scan mode) */
		x->comp_lo[c] = first_row;
		x->comp_hi[c] = x->top_row;
	}
	x->nbatch = 0;
	baton_arena_reset(&x->batch_arena);
	for (uint32_t i = 0; i < npairs; i++)
		baton__expand_srcs_done(x, used[i]);
	return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* The whole expansion of one sync                                                             */

static int prepare_closure(expander *x)
{
	int rc;
	if ((rc = baton__store_exec(x->s, "CREATE TEMP TABLE IF NOT EXISTS baton_expand_touched "
	                                  "(id INTEGER PRIMARY KEY); DELETE FROM temp.baton_expand_touched")))
		return rc;
	sqlite3_stmt *st;
	if ((rc = baton__expand_prepare(x, "SELECT coalesce(max(id), 0) FROM v1_grants", &st)))
		return rc;
	if (sqlite3_step(st) == SQLITE_ROW)
		x->max_row = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if ((rc = baton__expand_prepare(x, "SELECT data, principal_resource_type_id, principal_resource_id, id FROM v1_grants "
	                     "INDEXED BY idx_grants_entitlement_sync_grant_v1 "
	                     "WHERE entitlement_id = ? AND sync_id = ? ORDER BY id", &x->q_src)) ||
	    (rc = baton__expand_prepare(x, "SELECT id, data FROM v1_grants WHERE entitlement_id = ? AND "
	                     "principal_resource_type_id = ? AND principal_resource_id = ? AND sync_id = ? "
	                     "ORDER BY id", &x->q_dst)) ||
	    (rc = baton__expand_prepare(x, "UPDATE v1_grants SET data = ? WHERE id = ?", &x->upd)) ||
	    (rc = baton__expand_prepare(x, "INSERT INTO v1_grants (resource_type_id, resource_id, entitlement_id, "
	                     "principal_resource_type_id, principal_resource_id, external_id, expansion, "
	                     "needs_expansion, data, sync_id, discovered_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, "
	                     "0, ?7, ?8, ?9) ON CONFLICT (external_id, sync_id) DO UPDATE SET data = EXCLUDED.data",
	                  &x->ins)) ||
	    (rc = baton__expand_prepare(x, "INSERT OR IGNORE INTO temp.baton_expand_touched (id) VALUES (?)", &x->touch)))
		return rc;
	return 0;
}

static int count_touched(expander *x)
{
	sqlite3_stmt *st;
	int rc = baton__expand_prepare(x, "SELECT count(*) FROM temp.baton_expand_touched", &st);
	if (rc)
		return rc;
	if (sqlite3_step(st) == SQLITE_ROW)
		x->stats->grants_updated = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return 0;
}

static void graph_stats(expander *x)
{
	baton__graph *g = &x->g;
	x->stats->edges = g->edges.count;
	uint32_t n = g->ents.count;
	bool *in = calloc((size_t)n + 1, sizeof(bool));
	if (!in)
		return;
	for (uint32_t k = 0; k < g->edges.count; k++)
		in[g->edges.edges[k].src] = in[g->edges.edges[k].dst] = true;
	uint64_t nodes = 0, comps = 0;
	for (uint32_t v = 0; v < n; v++)
		nodes += in[v];
	for (uint32_t c = 0; c < g->ncomp; c++)
		comps += in[g->members[g->member_start[c]]];
	x->stats->nodes = nodes;
	x->stats->components = comps;
	x->stats->cycles_collapsed = g->cycles;
	x->stats->depth = g->depth;
	free(in);
}

static bool env_true(const char *name)
{
	const char *v = getenv(name);
	return v && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0 || strcmp(v, "TRUE") == 0 ||
	             strcmp(v, "True") == 0);
}

static int run_expansion(expander *x)
{
	int rc = report(x, BATON_EXPAND_PHASE_LOAD, 0, 0);
	if (!rc) {
		rc = baton__expand_prepare(x, "SELECT resource_type_id, resource_id, data FROM v1_entitlements "
		                "WHERE external_id = ? AND sync_id = ? LIMIT 1", &x->q_ent);
	}
	if (!rc)
		rc = baton__fault("expand.load");
	if (!rc)
		rc = load_graph(x);
	if (rc)
		return rc;
	uint32_t n = x->g.ents.count;
	if ((rc = report(x, BATON_EXPAND_PHASE_CYCLES, 0, n)))
		return rc;
	bool no_fix = (x->opts && x->opts->dont_fix_cycles) || env_true("BATON_DONT_FIX_CYCLES");
	if ((rc = baton__graph_collapse(&x->g, no_fix)))
		return rc;
	graph_stats(x);
	if ((rc = report(x, BATON_EXPAND_PHASE_CYCLES, n, n)))
		return rc;
	if (x->g.edges.count == 0)
		return report(x, BATON_EXPAND_PHASE_EXPAND, 0, 0);

	if ((rc = baton__expand_srcs_init(x)) || (rc = prepare_closure(x)) || (rc = baton__store_begin(x->s)) ||
	    (rc = baton__expand_defer_indexes(x)) || (rc = baton__expand_scan_begin(x)) ||
	    (rc = baton__expand_defer_unique(x)))
		return rc;
	uint32_t nc = x->g.ncomp;
	for (uint32_t i = 0; i < nc && !rc; i++) {
		if (!(rc = baton__fault("expand.node")))
			rc = expand_node(x, x->g.order[i]);
		if (!rc)
			rc = report(x, BATON_EXPAND_PHASE_EXPAND, i + 1, nc);
	}
	/* Even after a failure what was written is kept: it is consistent and a rerun completes it.
	 * The failure is what is reported, not what the commit then says. Deferred grant indexes stay
	 * deferred: the store builds them once, for the next reader, sync end or save (store/bulk.c),
	 * but the unique one, built here after a success (expand_defer.c). */
	char *why = rc ? strdup(baton_error_last()->message) : NULL;
	int crc = baton__store_commit(x->s);
	if (!rc)
		rc = crc;
	int urc = baton__expand_unique_end(x, !rc);
	if (!rc)
		rc = urc;
	x->stats->grants_created = x->created;
	if (!rc)
		rc = count_touched(x);
	else if (crc && why)
		baton_error_set(rc, "%s", why);
	free(why);
	baton__store_exec(x->s, "DROP TABLE IF EXISTS temp.baton_expand_touched");
	return rc;
}

static int finish_step(expander *x, const baton__expand_target *t)
{
	int rc = report(x, BATON_EXPAND_PHASE_FINISH, 0, 0);
	if (rc)
		return rc;
	bool empty;
	if ((rc = baton__expand_token_pop(x->s, t->sync_id, &empty)))
		return rc;
	if (empty) {
		if ((rc = baton_store_sync_end(x->s)))
			return rc;
		x->stats->sync_ended = true;
	}
	return 0;
}

BATON_API int baton_expand_store(baton_store *s, const char *sync_id, const baton_expand_options *opts,
                                 baton_expand_stats *stats)
{
	baton_expand_stats local;
	if (!stats)
		stats = &local;
	memset(stats, 0, sizeof(*stats));
	if (!s)
		return baton_error_set(BATON_EINVALID, "baton_expand_store: store is NULL");
	/* Expansion reads grants by entitlement (and principal) and upserts new ones: only those
	 * indexes are built; the others stay deferred until sync end or saving (store/bulk.c). */
	bool unique_built = (s->grants_deferred & BATON__GIDX_UNIQUE) != 0;
	int brc = baton__store_grants_build(s, BATON__EXPAND_GIDX_READ, true);
	if (brc)
		return brc;
	if (opts && opts->version != BATON_EXPAND_OPTIONS_VERSION)
		return baton_error_set(BATON_EINVALID, "baton_expand_store: unsupported options version %u",
		                       opts->version);
	int rc = baton__store_check_writable(s, "grant expansion");
	if (rc)
		return rc;
	baton__expand_target t;
	if ((rc = baton__expand_pick(s, sync_id, &t)))
		return rc;
	snprintf(stats->sync_id, sizeof(stats->sync_id), "%s", t.sync_id);

	char prev[BATON__SYNC_ID_MAX];
	snprintf(prev, sizeof(prev), "%s", s->current);
	bool step = t.at_step && !(opts && opts->keep_sync_state);
	if (step) {
		/* As the syncer on entering the step: the sync becomes current and supports diffs. */
		if ((rc = baton_store_sync_set_current(s, t.sync_id)) ||
		    (rc = baton_store_sync_set_supports_diff(s)))
			return rc;
	}

	expander x;
	memset(&x, 0, sizeof(x));
	x.s = s;
	x.sync_id = t.sync_id;
	x.opts = opts;
	x.stats = stats;
	x.unique_built = unique_built;
	baton__graph_init(&x.g);
	baton_arena_init(&x.row_arena);
	baton_arena_init(&x.apply_arena);
	baton_arena_init(&x.node_arena);
	baton_arena_init(&x.batch_arena);

	if (t.needs_expansion || !t.at_step)
		rc = run_expansion(&x);
	else
		stats->skipped = true;
	finalize_all(&x);
	baton__expand_scan_free(&x);
	if (!rc && step)
		rc = finish_step(&x, &t);
	else if (!rc && !t.unfinished)
		rc = baton__store_sync_mark_supports_diff(s, t.sync_id); /* expanded: as Go's marker says */

	baton__expand_srcs_free(&x);
	baton__graph_free(&x.g);
	free(x.meta);
	baton_arena_release(&x.row_arena);
	baton_arena_release(&x.apply_arena);
	baton_arena_release(&x.node_arena);
	baton_arena_release(&x.batch_arena);
	free(x.batch);

	/* Give back the caller's current sync (unless it was the one just ended). */
	if (step) {
		int r2 = 0;
		if (prev[0] && !(stats->sync_ended && strcmp(prev, t.sync_id) == 0))
			r2 = baton_store_sync_set_current(s, prev);
		else if (!prev[0])
			s->current[0] = '\0';
		if (!rc)
			rc = r2;
	}
	if (!rc)
		baton_error_clear();
	return rc;
}

BATON_API int baton_expand_file(const char *in_path, const char *out_path, const baton_expand_options *opts,
                                baton_expand_stats *stats)
{
	if (!in_path || !*in_path)
		return baton_error_set(BATON_EINVALID, "baton_expand_file: in_path is required");
	if (opts && opts->version != BATON_EXPAND_OPTIONS_VERSION)
		return baton_error_set(BATON_EINVALID, "baton_expand_file: unsupported options version %u",
		                       opts->version);
	baton_store_options so = BATON_STORE_OPTIONS_INIT;
	so.tmp_dir = opts ? opts->tmp_dir : NULL;
	baton_store *s;
	int rc = baton_store_open(in_path, &so, &s);
	if (rc)
		return rc;
	rc = baton_expand_store(s, NULL, opts, stats);
	if (rc) {
		baton_store_discard(s);
		return rc;
	}
	if (out_path && *out_path && strcmp(out_path, in_path) != 0) {
		rc = baton_store_save_as(s, out_path);
		baton_store_discard(s);
		return rc;
	}
	return baton_store_close(s);
}
