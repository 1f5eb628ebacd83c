/*
 * Grant expansion: the contributions of a source entitlement that several edges read
 * (expand_int.h).
 *
 * A source entitlement S feeds every destination it has an edge to, and each (edge, S) pair
 * used to read S's grants from the store again: in a tenant where one large group feeds dozens
 * of projects, that is the same 20,000 rows read, decoded and sorted dozens of times. S's grants
 * are final once S's own node has been expanded (every node is expanded once, after the nodes
 * that reach it, and only the node's own entitlements are written), so the first read of S may
 * keep its contributions for the later ones: sorted by principal and with duplicates folded
 * (a principal's grants on S count as direct when any of them is, which is what applying them
 * one after the other leaves). Memory is bounded: at most EXPAND_SRC_CACHE_BYTES are held by all
 * kept lists together, a source that does not fit is streamed as before, and a list is freed
 * after its last read.
 */
#include "sync/expand_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"

int baton__expand_contrib_cmp(const void *a, const void *b)
{
	const contrib *x = a, *y = b;
	int c = strcmp(x->prt, y->prt);
	if (!c)
		c = strcmp(x->pid, y->pid);
	if (!c)
		c = (int)y->direct - (int)x->direct; /* direct first: then an indirect one changes nothing */
	if (!c)
		c = x->seq < y->seq ? -1 : x->seq > y->seq;
	return c;
}

int baton__expand_srcs_init(expander *x)
{
	baton__graph *g = &x->g;
	uint32_t n = g->ents.count;
	x->src_uses = calloc((size_t)n + 1, sizeof(*x->src_uses));
	x->src_cache = calloc((size_t)n + 1, sizeof(*x->src_cache));
	x->src_nocache = calloc((size_t)n + 1, sizeof(*x->src_nocache));
	if (!x->src_uses || !x->src_cache || !x->src_nocache)
		return baton__error_oom("grant expansion");
	/* expand_node reads every member of an edge's source component once per edge */
	for (uint32_t k = 0; k < g->cedges.count; k++) {
		uint32_t c = g->cedges.edges[k].src;
		for (uint32_t m = g->member_start[c]; m < g->member_start[c + 1]; m++)
			x->src_uses[g->members[m]]++;
	}
	return 0;
}

static void list_free(expander *x, uint32_t src)
{
	srclist *l = x->src_cache[src];
	if (!l)
		return;
	x->src_cache_bytes -= l->bytes;
	baton_arena_release(&l->arena);
	free(l->v);
	free(l);
	x->src_cache[src] = NULL;
}

void baton__expand_srcs_free(expander *x)
{
	if (x->src_cache)
		for (uint32_t i = 0; i < x->g.ents.count; i++)
			list_free(x, i);
	free(x->src_cache);
	free(x->src_uses);
	free(x->src_nocache);
	x->src_cache = NULL;
	x->src_uses = NULL;
	x->src_nocache = NULL;
}

int baton__expand_src_row(expander *x, sqlite3_stmt *st, uint32_t src, contrib *c)
{
	const char *prt = baton__expand_col_text(st, 1), *pid = baton__expand_col_text(st, 2);
	if (!*prt && !*pid)
		return 1; /* no principal */
	const char *src_id = x->g.ents.strs[src];
	size_t src_len = x->g.ents.lens[src];
	baton_arena_reset(&x->row_arena);
	baton__sources have = {NULL, 0, 0};
	const void *blob = sqlite3_column_blob(st, 0);
	size_t blen = (size_t)sqlite3_column_bytes(st, 0);
	const uint8_t *principal;
	size_t principal_len;
	int rc = baton__wire_grant_read(&x->row_arena, blob ? blob : (const void *)"", blen, &principal,
	                                &principal_len, &have);
	if (rc)
		return baton__error_prefix("grant %lld on '%s'", (long long)sqlite3_column_int64(st, 3), src_id);
	c->direct = have.n == 0 || baton__sources_find(&have, src_id, src_len) >= 0;
	c->prt = prt;
	c->pid = pid;
	c->principal = principal;
	c->principal_len = principal_len;
	c->rt = BATON__NONE;
	return 0;
}

int baton__expand_contrib_copy(baton_arena *a, contrib *c)
{
	size_t lt = strlen(c->prt), li = strlen(c->pid);
	char *k = baton_arena_alloc_raw(a, lt + li + 2);
	if (!k)
		return baton__error_oom("grant expansion");
	memcpy(k, c->prt, lt + 1);
	memcpy(k + lt + 1, c->pid, li + 1);
	c->prt = k;
	c->pid = k + lt + 1;
	if (c->principal && !(c->principal = baton_arena_memdup(a, c->principal, c->principal_len)))
		return baton__error_oom("grant expansion");
	return 0;
}

/* Reads every contribution of src into a new list; *l NULL when it grew past the budget. */
static int read_list(expander *x, uint32_t src, srclist **out)
{
	*out = NULL;
	srclist *l = calloc(1, sizeof(*l));
	if (!l)
		return baton__error_oom("grant expansion");
	baton_arena_init(&l->arena);
	size_t budget = EXPAND_SRC_CACHE_BYTES - x->src_cache_bytes;
	src_iter it;
	int sr = SQLITE_DONE, rc = baton__expand_src_open(x, src, &it);
	bool fits = true;
	uint32_t seq = 0;
	while (!rc && (sr = baton__expand_src_next(x, &it)) == SQLITE_ROW) {
		if (l->n == l->cap) {
			size_t nc = l->cap ? l->cap * 2 : 256;
			contrib *v = realloc(l->v, nc * sizeof(*v));
			if (!v) {
				rc = baton__error_oom("grant expansion");
				break;
			}
			l->v = v;
			l->cap = nc;
		}
		contrib *c = &l->v[l->n];
		int r = baton__expand_src_row(x, it.cur, src, c);
		if (r == 1)
			continue;
		if (r < 0 || (r = baton__expand_contrib_copy(&l->arena, c))) {
			rc = r;
			break;
		}
		c->seq = seq++;
		c->rt = baton__strtab_find(&x->g.rtypes, c->prt, strlen(c->prt));
		l->n++;
		if (l->arena.reserved + l->cap * sizeof(*l->v) > budget) {
			fits = false;
			break;
		}
	}
	if (!rc && fits && sr != SQLITE_DONE && sr != SQLITE_ROW)
		rc = baton__store_sqlerr(x->s, sr, "grant expansion: reading grants");
	baton__expand_src_close(x, &it);
	baton_arena_reset(&x->row_arena);
	if (rc || !fits) {
		baton_arena_release(&l->arena);
		free(l->v);
		free(l);
		return rc;
	}
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), baton__expand_contrib_cmp);
	/* One entry per principal: the first (direct ones sort first) stands for all of them. */
	size_t u = 0;
	for (size_t i = 0; i < l->n; i++) {
		if (u && strcmp(l->v[u - 1].prt, l->v[i].prt) == 0 && strcmp(l->v[u - 1].pid, l->v[i].pid) == 0)
			continue;
		l->v[u++] = l->v[i];
	}
	l->n = u;
	l->bytes = l->arena.reserved + l->cap * sizeof(*l->v);
	*out = l;
	return 0;
}

int baton__expand_srcs_get(expander *x, uint32_t src, srclist **out)
{
	*out = x->src_cache[src];
	if (*out || x->src_uses[src] < 2 || x->src_nocache[src])
		return 0;
	int rc = read_list(x, src, out);
	if (rc)
		return rc;
	if (!*out) {
		x->src_nocache[src] = 1;
		return 0;
	}
	x->src_cache[src] = *out;
	x->src_cache_bytes += (*out)->bytes;
	return 0;
}

void baton__expand_srcs_done(expander *x, uint32_t src)
{
	if (x->src_uses[src] && --x->src_uses[src] == 0)
		list_free(x, src);
}
