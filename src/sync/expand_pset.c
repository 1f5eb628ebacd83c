/* Grant expansion: the set of principals already holding a destination (expand_int.h). */
#include "sync/expand_int.h"

#include <string.h>

#include "core/error.h"

static uint32_t pset_hash(const char *prt, size_t lt, const char *pid, size_t li)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < lt; i++)
		h = (h ^ (unsigned char)prt[i]) * 16777619u;
	h = (h ^ 0xFFu) * 16777619u;
	for (size_t i = 0; i < li; i++)
		h = (h ^ (unsigned char)pid[i]) * 16777619u;
	return h;
}

/* The slot of (prt, pid): where it is, or the empty slot where it would go. */
static uint32_t pset_slot(const pset *ps, const char *prt, size_t lt, const char *pid, size_t li)
{
	uint32_t mask = ps->cap - 1, i = pset_hash(prt, lt, pid, li) & mask;
	for (;; i = (i + 1) & mask) {
		const char *k = ps->slots[i];
		if (!k)
			return i;
		if (ps->lens[i] == lt + 1 + li && memcmp(k, prt, lt) == 0 && k[lt] == '\0' &&
		    memcmp(k + lt + 1, pid, li) == 0)
			return i;
	}
}

bool baton__expand_pset_has(const pset *ps, const char *prt, const char *pid)
{
	size_t lt = strlen(prt), li = strlen(pid);
	return ps->slots[pset_slot(ps, prt, lt, pid, li)] != NULL;
}

/* Adds (prt, pid): its slot, or UINT32_MAX when the set is dropped (out of room or memory). */
static uint32_t pset_insert(baton_arena *a, pset *ps, const char *prt, const char *pid)
{
	if (!ps->slots)
		return UINT32_MAX;
	size_t lt = strlen(prt), li = strlen(pid);
	if ((ps->n + 1) * 2 > ps->cap) {
		uint32_t nc = ps->cap * 2;
		const char **ns = nc <= EXPAND_PSET_MAX * 2 ? baton_arena_alloc(a, (size_t)nc * sizeof(*ns)) : NULL;
		uint32_t *nl = ns ? baton_arena_alloc_raw(a, (size_t)nc * sizeof(*nl)) : NULL;
		uint32_t *nv = nl && ps->vals ? baton_arena_alloc_raw(a, (size_t)nc * sizeof(*nv)) : NULL;
		if (!nl || (ps->vals && !nv)) {
			ps->slots = NULL;
			return UINT32_MAX;
		}
		pset old = *ps;
		ps->slots = ns;
		ps->lens = nl;
		ps->vals = nv;
		ps->cap = nc;
		for (uint32_t i = 0; i < old.cap; i++) {
			if (!old.slots[i])
				continue;
			const char *k = old.slots[i];
			size_t kt = strlen(k);
			uint32_t j = pset_slot(ps, k, kt, k + kt + 1, old.lens[i] - kt - 1);
			ps->slots[j] = k;
			ps->lens[j] = old.lens[i];
			if (nv)
				nv[j] = old.vals[i];
		}
	}
	uint32_t j = pset_slot(ps, prt, lt, pid, li);
	if (ps->slots[j])
		return j;
	char *k = baton_arena_alloc_raw(a, lt + 1 + li);
	if (!k) {
		ps->slots = NULL;
		return UINT32_MAX;
	}
	memcpy(k, prt, lt);
	k[lt] = '\0';
	memcpy(k + lt + 1, pid, li);
	ps->slots[j] = k;
	ps->lens[j] = (uint32_t)(lt + 1 + li);
	ps->n++;
	if (ps->vals)
		ps->vals[j] = EXPAND_NO_ROW;
	return j;
}

void baton__expand_pset_add(baton_arena *a, pset *ps, const char *prt, const char *pid)
{
	pset_insert(a, ps, prt, pid);
}

uint32_t *baton__expand_pset_put(baton_arena *a, pset *ps, const char *prt, const char *pid)
{
	uint32_t j = pset_insert(a, ps, prt, pid);
	return j == UINT32_MAX || !ps->vals ? NULL : &ps->vals[j];
}

uint32_t *baton__expand_pset_val(const pset *ps, const char *prt, const char *pid)
{
	uint32_t j = pset_slot(ps, prt, strlen(prt), pid, strlen(pid));
	return ps->slots[j] && ps->vals ? &ps->vals[j] : NULL;
}

/*
 * Reads the principals of every grant of d: one range scan of the (entitlement, principal) index,
 * which holds both columns, so no table row is read. That index has no sync id: grants of other
 * syncs in the file are read too. The set may hold more principals than d's sync has, never
 * fewer, and a principal in it only means its grants are looked up (with the sync id) before a
 * new one is made, so the result is the same.
 */
int baton__expand_pset_load(expander *x, dest *d)
{
	int rc;
	if (!x->q_prin && (rc = baton__expand_prepare(x, "SELECT principal_resource_type_id, principal_resource_id "
	                                                 "FROM v1_grants WHERE entitlement_id = ?", &x->q_prin)))
		return rc;
	d->have.cap = 64;
	d->have.n = 0;
	d->have.vals = NULL;
	d->have.slots = baton_arena_alloc(&x->node_arena, 64 * sizeof(*d->have.slots));
	d->have.lens = baton_arena_alloc_raw(&x->node_arena, 64 * sizeof(*d->have.lens));
	if (!d->have.slots || !d->have.lens)
		return baton__error_oom("grant expansion");
	sqlite3_bind_text(x->q_prin, 1, d->id, -1, SQLITE_STATIC);
	int sr;
	rc = 0;
	while ((sr = sqlite3_step(x->q_prin)) == SQLITE_ROW) {
		baton__expand_pset_add(&x->node_arena, &d->have, baton__expand_col_text(x->q_prin, 0), baton__expand_col_text(x->q_prin, 1));
		if (!d->have.slots || d->have.n > EXPAND_PSET_MAX) {
			d->have.slots = NULL; /* too large to hold: look every principal up */
			break;
		}
	}
	if (d->have.slots && sr != SQLITE_DONE)
		rc = baton__store_sqlerr(x->s, sr, "grant expansion: reading grants");
	sqlite3_reset(x->q_prin);
	sqlite3_clear_bindings(x->q_prin);
	return rc;
}

