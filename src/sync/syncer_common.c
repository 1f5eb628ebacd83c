/*
 * What every phase of the syncer uses: the resource type cache, annotations, the transition of
 * an action to its next page, the connector call around a callback, the store lock.
 */
#include "sync/syncer_int.h"

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                     */

baton__type_info *baton__syncer_type_get(baton__syncer *s, const char *id, bool create)
{
	for (size_t i = 0; i < s->n_types; i++)
		if (!strcmp(s->types[i].id, id))
			return &s->types[i];
	if (!create)
		return NULL;
	if (s->n_types == s->cap_types) {
		size_t cap = s->cap_types ? s->cap_types * 2 : 16;
		baton__type_info *v = realloc(s->types, cap * sizeof(*v));
		if (!v)
			return NULL;
		s->types = v;
		s->cap_types = cap;
	}
	baton__type_info *t = &s->types[s->n_types];
	memset(t, 0, sizeof(*t));
	t->id = strdup(id);
	if (!t->id)
		return NULL;
	s->n_types++;
	return t;
}

/* Type info from the stored resource type (looked up once). NULL with an error when the store
 * fails; a type that is not stored gives info with stored = false. */
baton__type_info *baton__syncer_stored_type(baton__syncer *s, const char *id)
{
	baton__type_info *t = baton__syncer_type_get(s, id, false);
	if (t && (t->stored || t->n_traits || t->skip_eg))
		return t;
	if (!t && !(t = baton__syncer_type_get(s, id, true))) {
		baton__error_oom("resource type cache");
		return NULL;
	}
	baton_ctx tmp;
	baton__ctx_init(&tmp);
	baton_resource_type *rt;
	int rc = baton_store_get_resource_type(s->store, s->sync_id, id, &tmp, &rt);
	if (rc == 0) {
		t->stored = true;
		baton_annotations *a = baton_resource_type_annotations(rt);
		t->skip_eg = baton_annotations_contains(a, "c1.connector.v2.SkipEntitlementsAndGrants");
		t->skip_ents = t->skip_eg || baton_annotations_contains(a, "c1.connector.v2.SkipEntitlements");
		t->ts_ents = baton_annotations_contains(a, "c1.connector.v2.TypeScopedEntitlements");
		t->ts_grants = baton_annotations_contains(a, "c1.connector.v2.TypeScopedGrants");
		t->n_traits = 0;
		for (size_t i = 0; i < baton_resource_type_trait_count(rt) && t->n_traits < 16; i++)
			t->traits[t->n_traits++] = baton_resource_type_trait_at(rt, i);
	} else if (rc == BATON_ENOTFOUND) {
		t->stored = false;
		baton_error_clear();
	} else {
		baton__ctx_release(&tmp);
		return NULL;
	}
	baton__ctx_release(&tmp);
	return t;
}

bool baton__syncer_has_anno(baton_annotations *a, const char *name)
{
	return baton_annotations_contains(a, name);
}

/* Unpacks every annotation of `desc`'s type; calls fn for each. */
int baton__syncer_each_anno(baton_annotations *a, baton_arena *arena, const ProtobufCMessageDescriptor *desc,
                            int (*fn)(void *ud, ProtobufCMessage *m), void *ud)
{
	baton__annotations_sync(a);
	for (size_t i = 0; i < *a->n; i++) {
		Google__Protobuf__Any *any = (*a->items)[i];
		if (!baton__any_is(any, desc))
			continue;
		ProtobufCMessage *m;
		int rc = baton__any_unpack(arena, any, desc, &m);
		if (rc)
			return rc;
		if ((rc = fn(ud, m)))
			return rc;
	}
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Transitions                                                                                 */

/* Pushes children (taking copies), then sets the next page or finishes the action. Same-op
 * children join the running batch. */
int baton__syncer_transition(baton__syncer *s, uint64_t id, const char *next, baton__action *children, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		baton__action *c = &children[i];
		if (c->spawned) {
			/* a spawned cursor already admitted in this process is skipped */
			baton__buf key = {0};
			baton__buf_printf(&key, "%d|%d|%s|%s|%s|%s|", c->op, c->type_scoped,
			                  baton__nz(c->resource_type_id), baton__nz(c->resource_id),
			                  baton__nz(c->parent_resource_type_id), baton__nz(c->parent_resource_id));
			baton__buf_puts(&key, baton__nz(c->page_token));
			int added = key.oom ? BATON_EEXHAUSTED : baton__strset_add(&s->spawned_admitted, key.data, key.len);
			baton__buf_free(&key);
			if (added < 0)
				return added;
			if (added == 0) {
				baton__log(BATON_LOG_WARN, "skipping re-mentioned spawned cursor: identical work was "
				           "already admitted this sync", "op", baton__op_name(c->op), "resource_type_id",
				           baton__nz(c->resource_type_id), "resource_id", baton__nz(c->resource_id), NULL);
				continue;
			}
		}
		uint64_t cid;
		int rc = baton__state_push(&s->st, c, &cid);
		if (rc)
			return rc;
		if (s->batch_op && c->op == s->batch_op && c->spawned) {
			if (s->q_len == s->q_cap) {
				size_t cap = s->q_cap ? s->q_cap * 2 : 128;
				uint64_t *q = realloc(s->queue, cap * sizeof(*q));
				if (!q)
					return baton__error_oom("batch queue");
				s->queue = q;
				s->q_cap = cap;
			}
			s->queue[s->q_len++] = cid;
		}
	}
	if (next && *next)
		return baton__state_set_page(&s->st, id, next);
	baton__state_finish(&s->st, id);
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Connector calls                                                                             */

void baton__syncer_call_begin(baton__syncer *s, baton__page *p, baton__call_kind kind, const baton__rtype *t,
                              const char *token)
{
	baton__call_begin(&p->call, &p->ctx, &s->rt, kind, t ? t->rt : NULL, token);
	memset(&p->rl, 0, sizeof(p->rl));
	baton_error_clear();
}

/* Normalizes a callback's result; on failure keeps the rate-limit hint of its annotations. */
int baton__syncer_call_result(baton__syncer *s, baton__page *p, int rc, const char *what)
{
	atomic_fetch_add_explicit(&s->pages, 1, memory_order_relaxed);
	if (rc == 0) {
		const char *tok = p->call.page_token;
		if (tok && *tok && p->call.next_page && !strcmp(tok, p->call.next_page))
			return baton_error_set(BATON_EINTERNAL, "%s: next page token unchanged (token=%s) - likely a "
			                       "connector bug", what, tok);
		return 0;
	}
	if (rc > 0 || baton_error_last()->code == BATON_OK)
		baton_error_set(rc < 0 ? rc : BATON_EUNKNOWN, "the callback failed without a message");
	else if (baton_error_last()->code != rc)
		baton_error_set(rc, "%s", baton_error_last()->message);
	if (rc > 0)
		rc = BATON_EUNKNOWN;
	if (p->call.annotations_ready) {
		C1__Connector__V2__RateLimitDescription *rl = NULL;
		baton_error last = *baton_error_last();
		char *msg = strdup(last.message);
		if (baton__annotations_pick(&p->call.annotations, &c1__connector__v2__rate_limit_description__descriptor,
		                            (ProtobufCMessage **)&rl) > 0 && rl && rl->reset_at) {
			p->rl.has_reset = true;
			p->rl.reset_ms = rl->reset_at->seconds * 1000 + rl->reset_at->nanos / 1000000;
			p->rl.remaining = rl->remaining;
		}
		baton_error_set(rc, "%s", msg ? msg : "");
		free(msg);
	}
	return rc;
}

/* Prefixes the current error with the call's identity. */
int baton__syncer_call_error(int rc, const char *op, const baton__action *a)
{
	return baton__error_prefix("%s (resource type '%s', resource '%s', page '%s')", op,
	                           baton__nz(a->resource_type_id), baton__nz(a->resource_id),
	                           baton__nz(a->page_token)) ? rc : rc;
}

/*
 * The batched operations come in two halves: call_* makes the connector call of one page (on a
 * worker thread when there are workers: it only reads shared state, and the store under the store
 * lock), consume_* writes the page to the store and moves the action on (always on the loop
 * thread). The caller ends the page's call (baton__call_end) after both.
 */

void baton__syncer_store_lock(baton__syncer *s)
{
	pthread_mutex_lock(&s->store_mu);
}

void baton__syncer_store_unlock(baton__syncer *s)
{
	pthread_mutex_unlock(&s->store_mu);
}
