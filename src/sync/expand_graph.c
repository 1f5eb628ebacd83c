/* The entitlement graph of grant expansion: interning, merged edges, cycles, topological order. */
#include "sync/expand.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/hash.h"

/* ------------------------------------------------------------------------------------------ */
/* Hashing                                                                                     */

/* FNV-1a from the seed these tables always used (not FNV's own basis). */
static uint64_t hash_bytes(const char *s, size_t len)
{
	return baton__fnv1a64(1469598103934665603ull, s, len);
}

static uint64_t hash_pair(uint32_t a, uint32_t b)
{
	return baton__mix64((uint64_t)a << 32 | b);
}

/* Grows an array of `size`-byte elements to hold at least `need` (doubling). */
static int grow(void **arr, uint32_t *cap, uint32_t need, size_t size, const char *what)
{
	if (need <= *cap)
		return 0;
	uint32_t n = *cap ? *cap : 16;
	while (n < need) {
		if (n > UINT32_MAX / 2)
			return baton_error_set(BATON_EEXHAUSTED, "%s: too many entries", what);
		n *= 2;
	}
	void *p = realloc(*arr, (size_t)n * size);
	if (!p)
		return baton__error_oom(what);
	*arr = p;
	*cap = n;
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Interned strings                                                                            */

void baton__strtab_init(baton__strtab *t, baton_arena *arena)
{
	memset(t, 0, sizeof(*t));
	t->arena = arena;
}

void baton__strtab_free(baton__strtab *t)
{
	free(t->strs);
	free(t->lens);
	free(t->slots);
	baton_arena *a = t->arena;
	memset(t, 0, sizeof(*t));
	t->arena = a;
}

static uint32_t strtab_slot(const baton__strtab *t, const char *s, size_t len, bool *found)
{
	uint32_t mask = t->nslots - 1;
	uint32_t i = (uint32_t)hash_bytes(s, len) & mask;
	for (;;) {
		uint32_t v = t->slots[i];
		if (v == 0) {
			*found = false;
			return i;
		}
		if (t->lens[v - 1] == len && memcmp(t->strs[v - 1], s, len) == 0) {
			*found = true;
			return i;
		}
		i = (i + 1) & mask;
	}
}

uint32_t baton__strtab_find(const baton__strtab *t, const char *s, size_t len)
{
	if (!t->nslots)
		return BATON__NONE;
	bool found;
	uint32_t i = strtab_slot(t, s, len, &found);
	return found ? t->slots[i] - 1 : BATON__NONE;
}

static int strtab_rehash(baton__strtab *t, uint32_t nslots)
{
	uint32_t *slots = calloc(nslots, sizeof(*slots));
	if (!slots)
		return baton__error_oom("entitlement graph");
	free(t->slots);
	t->slots = slots;
	t->nslots = nslots;
	for (uint32_t k = 0; k < t->count; k++) {
		bool found;
		uint32_t i = strtab_slot(t, t->strs[k], t->lens[k], &found);
		t->slots[i] = k + 1;
	}
	return 0;
}

uint32_t baton__strtab_intern(baton__strtab *t, const char *s, size_t len)
{
	if (len > UINT32_MAX) {
		baton_error_set(BATON_EINVALID, "identifier too long");
		return BATON__NONE;
	}
	if ((uint64_t)(t->count + 1) * 2 > t->nslots &&
	    strtab_rehash(t, t->nslots ? t->nslots * 2 : 64) != 0)
		return BATON__NONE;
	bool found;
	uint32_t i = strtab_slot(t, s, len, &found);
	if (found)
		return t->slots[i] - 1;
	uint32_t cap = t->cap;
	if (grow((void **)&t->strs, &cap, t->count + 1, sizeof(*t->strs), "entitlement graph") != 0)
		return BATON__NONE;
	uint32_t cap2 = t->cap;
	if (grow((void **)&t->lens, &cap2, t->count + 1, sizeof(*t->lens), "entitlement graph") != 0)
		return BATON__NONE;
	t->cap = cap < cap2 ? cap : cap2;
	char *copy = baton_arena_strndup(t->arena, s, len);
	if (!copy) {
		baton__error_oom("entitlement graph");
		return BATON__NONE;
	}
	t->strs[t->count] = copy;
	t->lens[t->count] = (uint32_t)len;
	t->slots[i] = t->count + 1;
	return t->count++;
}

/* ------------------------------------------------------------------------------------------ */
/* Edge sets                                                                                   */

static void edgeset_free(baton__edgeset *es)
{
	free(es->edges);
	free(es->slots);
	memset(es, 0, sizeof(*es));
}

static uint32_t edgeset_slot(const baton__edgeset *es, uint32_t src, uint32_t dst, bool *found)
{
	uint32_t mask = es->nslots - 1;
	uint32_t i = (uint32_t)hash_pair(src, dst) & mask;
	for (;;) {
		uint32_t v = es->slots[i];
		if (v == 0) {
			*found = false;
			return i;
		}
		if (es->edges[v - 1].src == src && es->edges[v - 1].dst == dst) {
			*found = true;
			return i;
		}
		i = (i + 1) & mask;
	}
}

static int edgeset_rehash(baton__edgeset *es, uint32_t nslots)
{
	uint32_t *slots = calloc(nslots, sizeof(*slots));
	if (!slots)
		return baton__error_oom("entitlement graph");
	free(es->slots);
	es->slots = slots;
	es->nslots = nslots;
	for (uint32_t k = 0; k < es->count; k++) {
		bool found;
		uint32_t i = edgeset_slot(es, es->edges[k].src, es->edges[k].dst, &found);
		es->slots[i] = k + 1;
	}
	return 0;
}

/* Union of two sorted unique lists into arena memory. */
static int filter_union(baton_arena *a, const uint32_t *x, uint32_t nx, const uint32_t *y, uint32_t ny,
                        uint32_t **out, uint32_t *nout)
{
	uint32_t *u = baton_arena_alloc_raw(a, ((size_t)nx + ny) * sizeof(*u));
	if (!u)
		return baton__error_oom("entitlement graph");
	uint32_t i = 0, j = 0, n = 0;
	while (i < nx || j < ny) {
		if (j == ny || (i < nx && x[i] < y[j]))
			u[n++] = x[i++];
		else if (i == nx || y[j] < x[i])
			u[n++] = y[j++];
		else {
			u[n++] = x[i++];
			j++;
		}
	}
	*out = u;
	*nout = n;
	return 0;
}

/* Merges (shallow, filter) into an existing edge: deep wins; unfiltered wins; else union. */
static int edge_merge(baton_arena *a, baton__edge *e, bool shallow, const uint32_t *filter, uint32_t nf)
{
	e->shallow = e->shallow && shallow;
	if (e->nf == 0)
		return 0;
	if (nf == 0) {
		e->nf = 0;
		e->filter = NULL;
		return 0;
	}
	return filter_union(a, e->filter, e->nf, filter, nf, &e->filter, &e->nf);
}

/* Adds or merges an edge whose filter is already interned, sorted and unique (copied here). */
static int edgeset_put(baton_arena *a, baton__edgeset *es, uint32_t src, uint32_t dst, bool shallow,
                       const uint32_t *filter, uint32_t nf)
{
	if ((uint64_t)(es->count + 1) * 2 > es->nslots) {
		int rc = edgeset_rehash(es, es->nslots ? es->nslots * 2 : 64);
		if (rc)
			return rc;
	}
	bool found;
	uint32_t i = edgeset_slot(es, src, dst, &found);
	if (found)
		return edge_merge(a, &es->edges[es->slots[i] - 1], shallow, filter, nf);
	int rc = grow((void **)&es->edges, &es->cap, es->count + 1, sizeof(*es->edges), "entitlement graph");
	if (rc)
		return rc;
	baton__edge *e = &es->edges[es->count];
	e->src = src;
	e->dst = dst;
	e->shallow = shallow;
	e->nf = nf;
	e->filter = NULL;
	if (nf) {
		e->filter = baton_arena_memdup(a, filter, (size_t)nf * sizeof(*filter));
		if (!e->filter)
			return baton__error_oom("entitlement graph");
	}
	es->slots[i] = ++es->count;
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Graph                                                                                       */

void baton__graph_init(baton__graph *g)
{
	memset(g, 0, sizeof(*g));
	baton_arena_init(&g->arena);
	baton__strtab_init(&g->ents, &g->arena);
	baton__strtab_init(&g->rtypes, &g->arena);
}

void baton__graph_free(baton__graph *g)
{
	baton__strtab_free(&g->ents);
	baton__strtab_free(&g->rtypes);
	edgeset_free(&g->edges);
	edgeset_free(&g->cedges);
	free(g->comp);
	free(g->member_start);
	free(g->members);
	free(g->cyclic);
	free(g->in_start);
	free(g->in_edges);
	free(g->order);
	baton_arena_release(&g->arena);
	memset(g, 0, sizeof(*g));
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

int baton__graph_add_edge(baton__graph *g, uint32_t src, uint32_t dst, bool shallow,
                          const char *const *rtypes, size_t n_rt)
{
	uint32_t stackbuf[16];
	uint32_t *f = stackbuf;
	if (n_rt > 16) {
		f = baton_arena_alloc_raw(&g->arena, n_rt * sizeof(*f));
		if (!f)
			return baton__error_oom("entitlement graph");
	}
	uint32_t nf = 0;
	for (size_t i = 0; i < n_rt; i++) {
		const char *r = rtypes[i] ? rtypes[i] : "";
		uint32_t id = baton__strtab_intern(&g->rtypes, r, strlen(r));
		if (id == BATON__NONE)
			return baton_error_last()->code;
		f[nf++] = id;
	}
	qsort(f, nf, sizeof(*f), u32_cmp);
	uint32_t u = 0;
	for (uint32_t i = 0; i < nf; i++)
		if (u == 0 || f[u - 1] != f[i])
			f[u++] = f[i];
	return edgeset_put(&g->arena, &g->edges, src, dst, shallow, f, u);
}

size_t baton__graph_memory(const baton__graph *g)
{
	size_t n = g->arena.reserved;
	n += (size_t)g->ents.cap * (sizeof(char *) + sizeof(uint32_t)) + (size_t)g->ents.nslots * 4;
	n += (size_t)g->rtypes.cap * (sizeof(char *) + sizeof(uint32_t)) + (size_t)g->rtypes.nslots * 4;
	n += (size_t)g->edges.cap * sizeof(baton__edge) + (size_t)g->edges.nslots * 4;
	n += (size_t)g->cedges.cap * sizeof(baton__edge) + (size_t)g->cedges.nslots * 4;
	size_t nodes = g->ents.count, comps = g->ncomp;
	if (g->comp)
		n += nodes * 4 * 2 + (comps + 1) * 4 * 2 + comps * (4 + sizeof(bool)) +
		     (size_t)g->cedges.count * 4;
	return n;
}

/* Compressed adjacency of the entitlement-level edges: out-neighbours of each node. */
typedef struct adjacency {
	uint32_t *start; /* n + 1 */
	uint32_t *next;  /* edge count */
} adjacency;

static int adjacency_build(const baton__graph *g, adjacency *adj)
{
	uint32_t n = g->ents.count, m = g->edges.count;
	adj->start = calloc((size_t)n + 1, sizeof(uint32_t));
	adj->next = malloc(((size_t)m + 1) * sizeof(uint32_t));
	if (!adj->start || !adj->next)
		return baton__error_oom("entitlement graph");
	for (uint32_t k = 0; k < m; k++)
		adj->start[g->edges.edges[k].src + 1]++;
	for (uint32_t v = 0; v < n; v++)
		adj->start[v + 1] += adj->start[v];
	uint32_t *fill = malloc(((size_t)n + 1) * sizeof(uint32_t));
	if (!fill)
		return baton__error_oom("entitlement graph");
	memcpy(fill, adj->start, ((size_t)n + 1) * sizeof(uint32_t));
	for (uint32_t k = 0; k < m; k++)
		adj->next[fill[g->edges.edges[k].src]++] = g->edges.edges[k].dst;
	free(fill);
	return 0;
}

/*
 * Tarjan's strongly connected components without recursion: an explicit frame stack holds each
 * node's position in its adjacency list. Components come out in reverse topological order.
 */
static int tarjan(baton__graph *g, const adjacency *adj)
{
	uint32_t n = g->ents.count;
	uint32_t *index = malloc(((size_t)n + 1) * sizeof(uint32_t));
	uint32_t *low = malloc(((size_t)n + 1) * sizeof(uint32_t));
	uint32_t *stack = malloc(((size_t)n + 1) * sizeof(uint32_t));
	uint32_t *fnode = malloc(((size_t)n + 1) * sizeof(uint32_t));
	uint32_t *fpos = malloc(((size_t)n + 1) * sizeof(uint32_t));
	bool *on = calloc((size_t)n + 1, sizeof(bool));
	g->comp = malloc(((size_t)n + 1) * sizeof(uint32_t));
	int rc = 0;
	if (!index || !low || !stack || !fnode || !fpos || !on || !g->comp) {
		rc = baton__error_oom("entitlement graph");
		goto done;
	}
	for (uint32_t v = 0; v < n; v++)
		index[v] = BATON__NONE;
	uint32_t next_index = 0, sp = 0, ncomp = 0;
	for (uint32_t root = 0; root < n; root++) {
		if (index[root] != BATON__NONE)
			continue;
		uint32_t fp = 0;
		fnode[fp] = root;
		fpos[fp++] = adj->start[root];
		index[root] = low[root] = next_index++;
		stack[sp++] = root;
		on[root] = true;
		while (fp) {
			uint32_t v = fnode[fp - 1];
			if (fpos[fp - 1] < adj->start[v + 1]) {
				uint32_t w = adj->next[fpos[fp - 1]++];
				if (index[w] == BATON__NONE) {
					index[w] = low[w] = next_index++;
					stack[sp++] = w;
					on[w] = true;
					fnode[fp] = w;
					fpos[fp++] = adj->start[w];
				} else if (on[w] && index[w] < low[v]) {
					low[v] = index[w];
				}
				continue;
			}
			if (low[v] == index[v]) {
				uint32_t w;
				do {
					w = stack[--sp];
					on[w] = false;
					g->comp[w] = ncomp;
				} while (w != v);
				ncomp++;
			}
			fp--;
			if (fp) {
				uint32_t u = fnode[fp - 1];
				if (low[v] < low[u])
					low[u] = low[v];
			}
		}
	}
	g->ncomp = ncomp;
done:
	free(index);
	free(low);
	free(stack);
	free(fnode);
	free(fpos);
	free(on);
	return rc;
}

static int collapse_after_scc(baton__graph *g, bool fail_on_cycle)
{
	uint32_t n = g->ents.count, nc = g->ncomp;
	g->member_start = calloc((size_t)nc + 1, sizeof(uint32_t));
	g->members = malloc(((size_t)n + 1) * sizeof(uint32_t));
	g->cyclic = calloc((size_t)nc + 1, sizeof(bool));
	if (!g->member_start || !g->members || !g->cyclic)
		return baton__error_oom("entitlement graph");
	for (uint32_t v = 0; v < n; v++)
		g->member_start[g->comp[v] + 1]++;
	for (uint32_t c = 0; c < nc; c++)
		g->member_start[c + 1] += g->member_start[c];
	uint32_t *fill = malloc(((size_t)nc + 1) * sizeof(uint32_t));
	if (!fill)
		return baton__error_oom("entitlement graph");
	memcpy(fill, g->member_start, ((size_t)nc + 1) * sizeof(uint32_t));
	for (uint32_t v = 0; v < n; v++)
		g->members[fill[g->comp[v]]++] = v;
	free(fill);

	for (uint32_t c = 0; c < nc; c++)
		if (g->member_start[c + 1] - g->member_start[c] > 1)
			g->cyclic[c] = true;
	for (uint32_t k = 0; k < g->edges.count; k++) {
		const baton__edge *e = &g->edges.edges[k];
		if (e->src == e->dst)
			g->cyclic[g->comp[e->src]] = true;
	}
	for (uint32_t c = 0; c < nc; c++) {
		if (!g->cyclic[c])
			continue;
		g->cycles++;
		if (fail_on_cycle) {
			uint32_t first = g->members[g->member_start[c]];
			uint32_t size = g->member_start[c + 1] - g->member_start[c];
			return baton_error_set(BATON_EPRECONDITION, "grant expansion: the entitlement graph has a "
			                       "cycle through '%s' (%u entitlement%s) and fixing cycles is disabled",
			                       g->ents.strs[first], size, size == 1 ? "" : "s");
		}
	}

	/* Component-level edges: edges inside a component are dropped, parallel ones merged. */
	for (uint32_t k = 0; k < g->edges.count; k++) {
		const baton__edge *e = &g->edges.edges[k];
		uint32_t cs = g->comp[e->src], cd = g->comp[e->dst];
		if (cs == cd)
			continue;
		int rc = edgeset_put(&g->arena, &g->cedges, cs, cd, e->shallow, e->filter, e->nf);
		if (rc)
			return rc;
	}
	return 0;
}

/* Kahn's algorithm over the components; also groups the edges by destination and finds the depth. */
static int topo_order(baton__graph *g)
{
	uint32_t nc = g->ncomp, m = g->cedges.count;
	g->in_start = calloc((size_t)nc + 1, sizeof(uint32_t));
	g->in_edges = malloc(((size_t)m + 1) * sizeof(uint32_t));
	g->order = malloc(((size_t)nc + 1) * sizeof(uint32_t));
	uint32_t *out_start = calloc((size_t)nc + 1, sizeof(uint32_t));
	uint32_t *out_edges = malloc(((size_t)m + 1) * sizeof(uint32_t));
	uint32_t *indeg = calloc((size_t)nc + 1, sizeof(uint32_t));
	uint32_t *level = calloc((size_t)nc + 1, sizeof(uint32_t));
	uint32_t *fill = malloc(((size_t)nc + 1) * sizeof(uint32_t));
	int rc = 0;
	if (!g->in_start || !g->in_edges || !g->order || !out_start || !out_edges || !indeg || !level ||
	    !fill) {
		rc = baton__error_oom("entitlement graph");
		goto done;
	}
	for (uint32_t k = 0; k < m; k++) {
		g->in_start[g->cedges.edges[k].dst + 1]++;
		out_start[g->cedges.edges[k].src + 1]++;
	}
	for (uint32_t c = 0; c < nc; c++) {
		g->in_start[c + 1] += g->in_start[c];
		out_start[c + 1] += out_start[c];
	}
	memcpy(fill, g->in_start, ((size_t)nc + 1) * sizeof(uint32_t));
	for (uint32_t k = 0; k < m; k++)
		g->in_edges[fill[g->cedges.edges[k].dst]++] = k;
	memcpy(fill, out_start, ((size_t)nc + 1) * sizeof(uint32_t));
	for (uint32_t k = 0; k < m; k++)
		out_edges[fill[g->cedges.edges[k].src]++] = k;

	uint32_t head = 0, tail = 0;
	for (uint32_t c = 0; c < nc; c++) {
		indeg[c] = g->in_start[c + 1] - g->in_start[c];
		if (indeg[c] == 0)
			g->order[tail++] = c;
	}
	while (head < tail) {
		uint32_t c = g->order[head++];
		for (uint32_t i = out_start[c]; i < out_start[c + 1]; i++) {
			uint32_t d = g->cedges.edges[out_edges[i]].dst;
			if (level[c] + 1 > level[d])
				level[d] = level[c] + 1;
			if (level[d] > g->depth)
				g->depth = level[d];
			if (--indeg[d] == 0)
				g->order[tail++] = d;
		}
	}
	if (tail != nc)
		rc = baton_error_set(BATON_EINTERNAL, "grant expansion: the collapsed graph still has a cycle");
done:
	free(out_start);
	free(out_edges);
	free(indeg);
	free(level);
	free(fill);
	return rc;
}

int baton__graph_collapse(baton__graph *g, bool fail_on_cycle)
{
	adjacency adj = {NULL, NULL};
	int rc = adjacency_build(g, &adj);
	if (!rc)
		rc = tarjan(g, &adj);
	free(adj.start);
	free(adj.next);
	if (!rc)
		rc = collapse_after_scc(g, fail_on_cycle);
	if (!rc)
		rc = topo_order(g);
	return rc;
}
