/*
 * Static entitlements, the roots of list-entitlements and list-grants (which resources get
 * them), and list-entitlements pages with the end of a page shared with list-grants.
 */
#include "sync/syncer_int.h"

#define MAX_ENQUEUE_TOKENS 1024
#define MAX_ENQUEUE_TOKEN_BYTES (1024 * 1024)
#define MAX_ENQUEUE_TOTAL_BYTES (16 * 1024 * 1024)

/* Root static entitlements: one action per connector resource type. */
int baton__syncer_step_static_root(baton__syncer *s, baton__action *a)
{
	baton__log(BATON_LOG_INFO, "Syncing static entitlements...", NULL);
	s->phase = "list-static-entitlements";
	baton__action *acts = calloc(s->rt.n_types ? s->rt.n_types : 1, sizeof(*acts));
	if (!acts)
		return baton__error_oom("actions");
	for (size_t i = 0; i < s->rt.n_types; i++) {
		acts[i].op = BATON__OP_STATIC_ENTITLEMENTS;
		acts[i].resource_type_id = (char *)s->rt.types[i].id;
	}
	int rc = baton__syncer_transition(s, a->id, NULL, acts, s->rt.n_types);
	free(acts);
	return rc;
}

/* An entitlement for `res` from a static template (Go's expansion of static entitlements). */
static int static_entitlement(baton__syncer *s, baton_entitlement *tmpl, baton_resource *res, baton_entitlement **out)
{
	C1__Connector__V2__Entitlement *tm = tmpl->msg;
	const char *slug = baton__nz(tm->slug);
	baton_entitlement *e;
	int rc = baton_entitlement_new(&s->sctx, res, *slug ? slug : "-", (baton_entitlement_purpose)tm->purpose, &e);
	if (rc)
		return rc;
	baton_resource_id id = baton_resource_get_id(res);
	char *eid = baton_ctx_sprintf(&s->sctx, "%s:%s:%s", id.resource_type, id.resource, slug);
	if (!eid)
		return BATON_EEXHAUSTED;
	e->msg->id = eid;
	e->msg->slug = (char *)baton__str(&s->sctx, slug);
	const char *dn = tm->display_name && *tm->display_name ? tm->display_name : baton_resource_display_name(res);
	const char *desc = tm->description && *tm->description ? tm->description : baton_resource_description(res);
	e->msg->display_name = baton__str(&s->sctx, dn);
	e->msg->description = baton__str(&s->sctx, desc);
	e->msg->n_grantable_to = tm->n_grantable_to;
	e->msg->grantable_to = tm->grantable_to;
	/* annotations: shared, except a resource-scoped exclusion group gets the resource id suffix */
	size_t na = tm->n_annotations;
	Google__Protobuf__Any **v = baton_ctx_alloc(&s->sctx, (na ? na : 1) * sizeof(*v));
	if (!v)
		return BATON_EEXHAUSTED;
	for (size_t i = 0; i < na; i++) {
		v[i] = tm->annotations[i];
		if (!baton__any_is(v[i], &c1__connector__v2__entitlement_exclusion_group__descriptor))
			continue;
		C1__Connector__V2__EntitlementExclusionGroup *g;
		if ((rc = baton__any_unpack(&s->sctx.arena, v[i], &c1__connector__v2__entitlement_exclusion_group__descriptor,
		                            (ProtobufCMessage **)&g)))
			return rc;
		if (!g->scope_to_resource)
			continue;
		g->exclusion_group_id = baton_ctx_sprintf(&s->sctx, "%s-%s", baton__nz(g->exclusion_group_id), id.resource);
		if (!g->exclusion_group_id || (rc = baton__any_pack(&s->sctx.arena, &g->base, &v[i])))
			return rc ? rc : BATON_EEXHAUSTED;
	}
	e->msg->n_annotations = na;
	e->msg->annotations = v;
	e->annos.cap = na;
	*out = e;
	return 0;
}

int baton__syncer_step_static(baton__syncer *s, baton__action *a)
{
	s->phase = "list-static-entitlements";
	const baton__rtype *t = baton__runtime_find(&s->rt, a->resource_type_id);
	if (!t)
		return baton_error_set(BATON_ENOTFOUND, "error: list static entitlements with unknown resource type %s",
		                       baton__nz(a->resource_type_id));
	if (!t->syncer->static_entitlements)
		return baton__syncer_transition(s, a->id, NULL, NULL, 0);
	baton__syncer_call_begin(s, &s->main, BATON__CALL_STATIC_ENTITLEMENTS, t, a->page_token);
	int rc = t->syncer->static_entitlements(&s->main.ctx);
	rc = baton__syncer_call_result(s, &s->main, rc, "list-static-entitlements");
	if (!rc)
		baton__syncer_log_page(s, a, "list-static-entitlements", NULL, NULL, s->main.call.n_items,
		                       s->main.call.next_page);
	for (size_t i = 0; !rc && i < s->main.call.n_items; i++) {
		baton_entitlement *tmpl = s->main.call.items[i];
		char *page = NULL;
		do {
			baton_store_query q = BATON_STORE_QUERY_INIT;
			q.sync_id = s->sync_id;
			q.resource_type_id = t->id;
			q.page_size = 1000;
			q.page_token = page;
			baton_store_iter *it;
			if ((rc = baton_store_list_resources(s->store, &q, &it)))
				break;
			baton_resource *r;
			baton_entitlement **ents = NULL;
			size_t ne = 0, ce = 0;
			while ((rc = baton_store_iter_next_resource(it, &r)) == 0) {
				/* an external copy of this type (a resumed sync; see the eg root) */
				if (baton__syncer_has_anno(baton_resource_annotations(r), "c1.connector.v2.BatonID"))
					continue;
				/* copy out of the iterator's row memory */
				const uint8_t *data;
				size_t len;
				baton_resource *copy;
				baton_entitlement *e;
				if ((rc = baton_resource_pack(r, &s->sctx, &data, &len)) ||
				    (rc = baton_resource_unpack(&s->sctx, data, len, &copy)) ||
				    (rc = static_entitlement(s, tmpl, copy, &e)))
					break;
				if (ne == ce) {
					ce = ce ? ce * 2 : 64;
					baton_entitlement **nv = realloc(ents, ce * sizeof(*nv));
					if (!nv) {
						rc = baton__error_oom("entitlements");
						break;
					}
					ents = nv;
				}
				ents[ne++] = e;
			}
			free(page);
			page = NULL;
			if (rc == BATON_ITEROVER) {
				rc = 0;
				const char *np = baton_store_iter_next_page_token(it);
				page = np && *np ? strdup(np) : NULL;
			}
			baton_store_iter_free(it);
			for (size_t j = 0; !rc && j < ne; j++)
				rc = baton_store_put_entitlement(s->store, ents[j]);
			if (!rc) {
				s->n_entitlements += ne;
				baton__type_info *ti = baton__syncer_type_get(s, t->id, true);
				if (ti)
					ti->entitlements += ne;
			}
			free(ents);
			baton__ctx_reset(&s->sctx);
		} while (!rc && page);
		free(page);
	}
	if (!rc)
		rc = baton__syncer_transition(s, a->id, s->main.call.next_page, NULL, 0);
	baton__call_end(&s->main.call, &s->main.ctx);
	return rc ? baton__syncer_call_error(rc, "list-static-entitlements", a) : 0;
}

static bool skip_eg(baton__syncer *s, baton_resource *r, int *err)
{
	*err = 0;
	if (s->st.should_skip_entitlements_and_grants)
		return true;
	if (baton__syncer_has_anno(baton_resource_annotations(r), "c1.connector.v2.SkipEntitlementsAndGrants"))
		return true;
	baton__type_info *t = baton__syncer_stored_type(s, baton_resource_get_id(r).resource_type);
	if (!t) {
		*err = baton_error_last()->code ? baton_error_last()->code : BATON_EINTERNAL;
		return false;
	}
	if (!t->stored) {
		*err = baton_error_set(BATON_ENOTFOUND, "resource type '%s' not found", t->id);
		return false;
	}
	return t->skip_eg;
}

bool baton__syncer_skip_grants(baton__syncer *s, baton_resource *r, int *err)
{
	*err = 0;
	if (baton__syncer_has_anno(baton_resource_annotations(r), "c1.connector.v2.SkipGrants"))
		return true;
	if (s->st.should_skip_grants)
		return true;
	return skip_eg(s, r, err);
}

bool baton__syncer_skip_entitlements(baton__syncer *s, baton_resource *r, int *err)
{
	if (skip_eg(s, r, err) || *err)
		return !*err;
	baton_annotations *a = baton_resource_annotations(r);
	if (baton__syncer_has_anno(a, "c1.connector.v2.SkipEntitlements") ||
	    baton__syncer_has_anno(a, "c1.connector.v2.SkipEntitlementsAndGrants"))
		return true;
	baton__type_info *t = baton__syncer_stored_type(s, baton_resource_get_id(r).resource_type);
	return t && t->skip_ents;
}

/*
 * The type-scoped actions of a root list-entitlements / list-grants (upstream plans them once, on
 * the root's first page, and marks the root type_scoped_planned so a resumed root does not plan
 * them again): one per stored type carrying the TypeScopedEntitlements / TypeScopedGrants
 * annotation, with no resource id. Skip annotations are not consulted on this path (upstream).
 */
static int plan_type_scoped(baton__syncer *s, bool grants, baton__action **acts, size_t *n, size_t *cap)
{
	for (size_t i = 0; i < s->rt.n_types; i++) {
		baton__type_info *t = baton__syncer_stored_type(s, s->rt.types[i].id);
		if (!t)
			return baton_error_last()->code ? baton_error_last()->code : BATON_EINTERNAL;
		if (!t->stored || !(grants ? t->ts_grants : t->ts_ents))
			continue;
		if (*n == *cap) {
			size_t nc = *cap ? *cap * 2 : 16;
			baton__action *v = realloc(*acts, nc * sizeof(*v));
			if (!v)
				return baton__error_oom("actions");
			*acts = v;
			*cap = nc;
		}
		baton__action *x = &(*acts)[*n];
		memset(x, 0, sizeof(*x));
		x->op = grants ? BATON__OP_GRANTS : BATON__OP_ENTITLEMENTS;
		x->type_scoped = true;
		if (!(x->resource_type_id = strdup(t->id)))
			return baton__error_oom("actions");
		(*n)++;
	}
	return 0;
}

/* Root list-entitlements / list-grants: one action per stored resource not skipped, a page of
 * the store at a time, and the type-scoped actions (plan_type_scoped). */
int baton__syncer_step_eg_root(baton__syncer *s, baton__action *a)
{
	bool grants = a->op == BATON__OP_GRANTS;
	if (!a->page_token)
		baton__log(BATON_LOG_INFO, grants ? "Syncing grants..." : "Syncing entitlements...", NULL);
	s->phase = grants ? "list-grants" : "list-entitlements";
	baton_store_query q = BATON_STORE_QUERY_INIT;
	q.sync_id = s->sync_id;
	q.page_size = BATON__SYNC_STORE_PAGE;
	q.page_token = a->page_token;
	baton_store_iter *it;
	int rc = baton_store_list_resources(s->store, &q, &it);
	if (rc)
		return rc;
	baton__action *acts = NULL;
	size_t n = 0, cap = 0;
	if (!a->type_scoped_planned && (rc = plan_type_scoped(s, grants, &acts, &n, &cap))) {
		baton_store_iter_free(it);
		for (size_t i = 0; i < n; i++)
			baton__action_clear(&acts[i]);
		free(acts);
		return rc;
	}
	bool planned = !a->type_scoped_planned;
	baton_resource *r;
	while ((rc = baton_store_iter_next_resource(it, &r)) == 0) {
		/* an external copy in the working copy of a resumed sync (see the resources root): a
		 * type the connector does not serve, or a principal carrying the BatonID annotation
		 * (which connectors may not set, and the external step sets on every copy) */
		if (!baton__runtime_find(&s->rt, baton_resource_get_id(r).resource_type) ||
		    baton__syncer_has_anno(baton_resource_annotations(r), "c1.connector.v2.BatonID"))
			continue;
		int err;
		bool skip = grants ? baton__syncer_skip_grants(s, r, &err) : baton__syncer_skip_entitlements(s, r, &err);
		if (err) {
			rc = err;
			break;
		}
		if (skip)
			continue;
		baton_resource_id id = baton_resource_get_id(r);
		baton__type_info *t = baton__syncer_stored_type(s, id.resource_type);
		if (t && (grants ? t->ts_grants : t->ts_ents))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			baton__action *v = realloc(acts, cap * sizeof(*v));
			if (!v) {
				rc = baton__error_oom("actions");
				break;
			}
			acts = v;
		}
		memset(&acts[n], 0, sizeof(acts[n]));
		acts[n].op = a->op;
		acts[n].resource_type_id = strdup(id.resource_type);
		acts[n].resource_id = strdup(id.resource);
		if (!acts[n].resource_type_id || !acts[n].resource_id) {
			baton__action_clear(&acts[n]);
			rc = baton__error_oom("actions");
			break;
		}
		n++;
	}
	char *next = NULL;
	if (rc == BATON_ITEROVER) {
		rc = 0;
		const char *np = baton_store_iter_next_page_token(it);
		next = np && *np ? strdup(np) : NULL;
	}
	baton_store_iter_free(it);
	uint64_t id = a->id;
	if (!rc)
		rc = baton__syncer_transition(s, id, next, acts, n);
	if (!rc && next && planned) {
		baton__action *still = baton__state_get(&s->st, id);
		if (still)
			still->type_scoped_planned = true;
	}
	for (size_t i = 0; i < n; i++)
		baton__action_clear(&acts[i]);
	free(acts);
	free(next);
	return rc;
}

/* EnqueuePageTokens of a response: spawned sibling cursors (checked as upstream). */
static int collect_spawned(baton__syncer *s, baton__page *p, const baton__action *a, baton__action **out, size_t *n_out)
{
	*out = NULL;
	*n_out = 0;
	if (!p->call.annotations_ready)
		return 0;
	baton_annotations *annos = &p->call.annotations;
	baton__annotations_sync(annos);
	C1__Connector__V2__EnqueuePageTokens *ept = NULL;
	int count = 0;
	for (size_t i = 0; i < *annos->n; i++) {
		Google__Protobuf__Any *any = (*annos->items)[i];
		if (!baton__any_is(any, &c1__connector__v2__enqueue_page_tokens__descriptor))
			continue;
		if (++count > 1)
			return baton_error_set(BATON_EINVALID, "%s: more than one EnqueuePageTokens annotation in one response",
			                       baton__op_name(a->op));
		int rc = baton__any_unpack(&p->ctx.arena, any, &c1__connector__v2__enqueue_page_tokens__descriptor,
		                           (ProtobufCMessage **)&ept);
		if (rc)
			return rc;
	}
	if (!ept || !ept->n_page_tokens)
		return 0;
	if (ept->n_page_tokens > MAX_ENQUEUE_TOKENS)
		return baton_error_set(BATON_EINVALID, "EnqueuePageTokens: %zu tokens, at most %d", ept->n_page_tokens,
		                       MAX_ENQUEUE_TOKENS);
	size_t total = 0;
	baton__action *v = calloc(ept->n_page_tokens, sizeof(*v));
	if (!v)
		return baton__error_oom("spawned cursors");
	for (size_t i = 0; i < ept->n_page_tokens; i++) {
		const char *t = baton__nz(ept->page_tokens[i]);
		size_t len = strlen(t);
		total += len;
		if (!len || len > MAX_ENQUEUE_TOKEN_BYTES || total > MAX_ENQUEUE_TOTAL_BYTES) {
			free(v);
			return baton_error_set(BATON_EINVALID, "EnqueuePageTokens: token %zu is empty or too large", i);
		}
		bool dup = p->call.next_page && !strcmp(p->call.next_page, t);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(v[j].page_token, t))
				dup = true;
		if (dup) {
			free(v);
			return baton_error_set(BATON_EINTERNAL, "duplicate or cyclic spawned cursor for op %s, resource type "
			                       "\"%s\", resource \"%s\", page token \"%s\"", baton__op_name(a->op),
			                       baton__nz(a->resource_type_id), baton__nz(a->resource_id), t);
		}
		v[i].op = a->op;
		v[i].page_token = (char *)t;
		v[i].resource_type_id = a->resource_type_id;
		v[i].resource_id = a->resource_id;
		v[i].spawned = true;
		v[i].type_scoped = a->type_scoped;
	}
	*out = v;
	*n_out = ept->n_page_tokens;
	return 0;
}

int baton__syncer_fresh_type_exists(baton__syncer *s, const char *type_id, bool *exists)
{
	if (!type_id || !*type_id) {
		*exists = true;
		return 0;
	}
	baton__type_info *t = baton__syncer_stored_type(s, type_id);
	if (!t)
		return baton_error_last()->code ? baton_error_last()->code : BATON_EINTERNAL;
	*exists = t->stored;
	return 0;
}

/*
 * The connector call of a per-resource list-entitlements or list-grants page: the stored resource,
 * then the type's callback (NULL: nothing to list). Errors keep the upstream wording of each op.
 */
int baton__syncer_call_for_resource(baton__syncer *s, baton__page *p, const baton__action *a, bool grants)
{
	const char *what = grants ? "grants" : "entitlements";
	const char *op = grants ? "list-grants" : "list-entitlements";
	const baton__rtype *t = baton__runtime_find(&s->rt, a->resource_type_id);
	if (!t)
		return baton_error_set(BATON_ENOTFOUND, "error: list %s with unknown resource type %s", what,
		                       baton__nz(a->resource_type_id));
	if (a->type_scoped) {
		/* one call for the whole type: no stored resource, the type id instead (upstream sends a
		 * stub resource {type, type} with the routing annotation) */
		int (*tcb)(baton_ctx *, const char *) = grants ? t->type_grants : t->type_entitlements;
		if (!tcb)
			return baton_error_set(BATON_EINVALID, "error: type-scoped list %s for resource type %s, but its "
			                       "syncer has no %s callback", what, t->id,
			                       grants ? "type_grants" : "type_entitlements");
		baton__syncer_call_begin(s, p, grants ? BATON__CALL_GRANTS : BATON__CALL_ENTITLEMENTS, t, a->page_token);
		int trc = tcb(&p->ctx, t->id);
		trc = baton__syncer_call_result(s, p, trc, op);
		return trc ? baton__syncer_call_error(trc, op, a) : 0;
	}
	baton_resource_id rid = {baton__nz(a->resource_type_id), baton__nz(a->resource_id)};
	baton__syncer_call_begin(s, p, grants ? BATON__CALL_GRANTS : BATON__CALL_ENTITLEMENTS, t, a->page_token);
	baton_resource *res;
	baton__syncer_store_lock(s);
	int rc = baton_store_get_resource(s->store, s->sync_id, &rid, &p->ctx, &res);
	baton__syncer_store_unlock(s);
	if (rc) {
		if (grants)
			baton__error_prefix("sync-grants-for-resource: error getting resource");
		return baton__syncer_call_error(rc, op, a);
	}
	int (*cb)(baton_ctx *, const baton_resource *) = grants ? t->syncer->grants : t->syncer->entitlements;
	p->ctx.input_msg = res->msg; /* const to the callback: validated once in the grants it embeds */
	rc = cb ? cb(&p->ctx, res) : 0;
	rc = baton__syncer_call_result(s, p, rc, op);
	return rc ? baton__syncer_call_error(rc, op, a) : 0;
}

int baton__syncer_call_entitlements(baton__syncer *s, baton__page *p, const baton__action *a)
{
	return baton__syncer_call_for_resource(s, p, a, false);
}

/*
 * The end of an entitlements or grants page whose rows are stored (rc 0) or failed: the actions
 * it spawned, the counts, and the move to its next page.
 */
int baton__syncer_end_eg_page(baton__syncer *s, baton__page *p, const baton__action *a, int rc, const char *type_id,
                              bool grants, uint64_t stored)
{
	baton__action *sp = NULL;
	size_t nsp = 0;
	if (!rc)
		rc = collect_spawned(s, p, a, &sp, &nsp);
	if (!rc) {
		baton__type_info *ti = baton__syncer_type_get(s, type_id, true);
		if (grants) {
			s->n_grants += stored;
			if (ti)
				ti->grants += stored;
		} else {
			s->n_entitlements += stored;
			if (ti)
				ti->entitlements += stored;
		}
		rc = baton__syncer_transition(s, a->id, p->call.next_page, sp, nsp);
	}
	free(sp);
	return rc ? baton__syncer_call_error(rc, grants ? "list-grants" : "list-entitlements", a) : 0;
}

int baton__syncer_consume_entitlements(baton__syncer *s, baton__page *p, const baton__action *a)
{
	s->phase = "list-entitlements";
	const baton__rtype *t = baton__runtime_find(&s->rt, a->resource_type_id);
	if (!t)
		return baton_error_set(BATON_ENOTFOUND, "error: list entitlements with unknown resource type %s",
		                       baton__nz(a->resource_type_id));
	if (a->type_scoped || t->syncer->entitlements)
		baton__syncer_log_page(s, a, "list-entitlements", a->resource_type_id, a->resource_id, p->call.n_items,
		                       p->call.next_page);
	int rc = 0;
	size_t stored = 0;
	for (size_t i = 0; !rc && i < p->call.n_items; i++) {
		baton_entitlement *e = p->call.items[i];
		baton_resource *er = baton_entitlement_resource(e);
		if (s->type == BATON_SYNC_TYPE_FULL && er) {
			bool ok = false;
			if ((rc = baton__syncer_fresh_type_exists(s, baton_resource_get_id(er).resource_type, &ok)))
				break;
			if (!ok) {
				s->st.ingest_quality.entitlements_dropped++;
				s->st.ingest_quality.source_cache_replay_blocked = true;
				s->st.ingest_quality.reason_flags |= 1;
				continue;
			}
		}
		int v = baton__syncer_check_resource(er);
		if (v < 0) {
			rc = v;
			break;
		}
		if (v > 0 || !*baton_entitlement_id(e)) {
			s->st.ingest_quality.invalid_entitlements_observed++;
			continue;
		}
		if ((rc = baton_store_put_entitlement(s->store, e)))
			break;
		stored++;
	}
	return baton__syncer_end_eg_page(s, p, a, rc, t->id, false, stored);
}
