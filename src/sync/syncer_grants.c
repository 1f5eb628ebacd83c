/*
 * list-grants pages (what is kept, dropped or fetched with each grant) and the grant expansion
 * at the end of a sync.
 */
#include "sync/syncer_int.h"

static int on_expandable_filter(baton__syncer *s, baton__page *p, baton_grant *g, bool *changed)
{
	*changed = false;
	baton_annotations *annos = baton_grant_annotations(g);
	if (baton__syncer_has_anno(annos, "c1.connector.v2.ExternalResourceMatchAll") ||
	    baton__syncer_has_anno(annos, "c1.connector.v2.ExternalResourceMatch") ||
	    baton__syncer_has_anno(annos, "c1.connector.v2.ExternalResourceMatchID"))
		return 0;
	C1__Connector__V2__GrantExpandable *ge = NULL;
	int picked = baton__annotations_pick(annos, &c1__connector__v2__grant_expandable__descriptor,
	                                     (ProtobufCMessage **)&ge);
	if (picked < 0)
		return picked;
	if (!picked || !ge->n_resource_type_ids)
		return 0;
	size_t keep = 0;
	char **kept = baton_ctx_alloc(&p->ctx, ge->n_resource_type_ids * sizeof(*kept));
	if (!kept)
		return BATON_EEXHAUSTED;
	for (size_t i = 0; i < ge->n_resource_type_ids; i++) {
		bool ok = false;
		int rc = baton__syncer_fresh_type_exists(s, ge->resource_type_ids[i], &ok);
		if (rc)
			return rc;
		if (ok) {
			kept[keep++] = ge->resource_type_ids[i];
		} else {
			s->st.ingest_quality.expansion_resource_types_dropped++;
			s->st.ingest_quality.source_cache_replay_blocked = true;
			s->st.ingest_quality.reason_flags |= 8;
		}
	}
	if (keep == ge->n_resource_type_ids)
		return 0;
	*changed = true;
	baton_annotations_remove(annos, "c1.connector.v2.GrantExpandable");
	if (keep) {
		ge->n_resource_type_ids = keep;
		ge->resource_type_ids = kept;
		return baton__annotations_append_msg(annos, &ge->base);
	}
	s->st.ingest_quality.expansions_dropped++;
	s->st.ingest_quality.source_cache_replay_blocked = true;
	s->st.ingest_quality.reason_flags |= 16;
	return 0;
}

int baton__syncer_call_grants(baton__syncer *s, baton__page *p, const baton__action *a)
{
	return baton__syncer_call_for_resource(s, p, a, true);
}

/* A related resource from the connector's `get` (targeted syncs); retried as a page would be. */
static int fetch_related(baton__syncer *s, baton_ctx *ctx, const baton_resource_id *id,
                         const baton_resource_id *parent, baton_resource **out)
{
	for (;;) {
		int rc = baton__syncer_fetch_resource(s, ctx, id, parent, out);
		/* sequentially the whole step is retried; in a batch of the pool only this call */
		if (!rc || !s->pool || !baton__pool_retry(s->pool, rc, NULL, "list-grants"))
			return rc;
		baton__ctx_reset(ctx);
	}
}

int baton__syncer_consume_grants(baton__syncer *s, baton__page *p, const baton__action *a)
{
	s->phase = "list-grants";
	const baton__rtype *t = baton__runtime_find(&s->rt, a->resource_type_id);
	if (!t)
		return baton_error_set(BATON_ENOTFOUND, "error: list grants with unknown resource type %s",
		                       baton__nz(a->resource_type_id));
	if (a->type_scoped || t->syncer->grants)
		baton__syncer_log_page(s, a, "list-grants", a->resource_type_id, a->resource_id, p->call.n_items,
		                       p->call.next_page);
	int rc = 0;
	bool insert = p->call.annotations_ready &&
	              baton__syncer_has_anno(&p->call.annotations, "c1.connector.v2.InsertResourceGrants");
	baton__strset inserted = {0};
	size_t stored = 0;
	for (size_t i = 0; !rc && i < p->call.n_items; i++) {
		baton_grant *g = p->call.items[i];
		baton_annotations *ga = baton_grant_annotations(g);
		baton_entitlement *ge = baton_grant_entitlement(g);
		baton_resource *er = ge ? baton_entitlement_resource(ge) : NULL;
		if (insert) {
			if (!baton__syncer_has_anno(ga, "c1.connector.v2.InsertResourceGrants") &&
			    (rc = baton_annotations_append_json(ga, "c1.connector.v2.InsertResourceGrants", "{}")))
				break;
			int v = baton__syncer_check_resource(er);
			if (v < 0) {
				rc = v;
				break;
			}
			if (v > 0) {
				s->st.ingest_quality.invalid_resources_observed++;
				continue;
			}
			bool ok = true;
			if (s->type == BATON_SYNC_TYPE_FULL &&
			    (rc = baton__syncer_fresh_type_exists(s, baton_resource_get_id(er).resource_type, &ok)))
				break;
			if (!ok) {
				s->st.ingest_quality.grant_resources_dropped++;
				s->st.ingest_quality.source_cache_replay_blocked = true;
				s->st.ingest_quality.reason_flags |= 4;
			} else {
				baton_resource_id id = baton_resource_get_id(er);
				baton__buf key = {0};
				baton__buf_puts(&key, id.resource_type);
				baton__buf_put(&key, "\0", 1);
				baton__buf_puts(&key, id.resource);
				int added = key.oom ? BATON_EEXHAUSTED : baton__strset_add(&inserted, key.data, key.len);
				baton__buf_free(&key);
				if (added < 0) {
					rc = added;
					break;
				}
				if (added && (rc = baton_store_put_resource(s->store, er)))
					break;
			}
		}
		if (s->type == BATON_SYNC_TYPE_FULL && er && baton_grant_principal(g)) {
			bool ok = false;
			if ((rc = baton__syncer_fresh_type_exists(s, baton_resource_get_id(er).resource_type, &ok)))
				break;
			bool external = baton__syncer_has_anno(ga, "c1.connector.v2.ExternalResourceMatchAll") ||
			                baton__syncer_has_anno(ga, "c1.connector.v2.ExternalResourceMatch") ||
			                baton__syncer_has_anno(ga, "c1.connector.v2.ExternalResourceMatchID");
			bool pok = true;
			if (ok && (rc = baton__syncer_fresh_type_exists(s, baton_grant_principal_id(g).resource_type, &pok)))
				break;
			if (!ok || (!pok && !external)) {
				s->st.ingest_quality.grants_dropped++;
				s->st.ingest_quality.source_cache_replay_blocked = true;
				s->st.ingest_quality.reason_flags |= 2;
				continue;
			}
			bool changed;
			if ((rc = on_expandable_filter(s, p, g, &changed)))
				break;
		}
		if (!s->opts->skip_grant_expansion && baton__syncer_has_anno(ga, "c1.connector.v2.GrantExpandable"))
			s->st.needs_expansion = true;
		if (baton__syncer_has_anno(ga, "c1.connector.v2.ExternalResourceMatchAll") ||
		    baton__syncer_has_anno(ga, "c1.connector.v2.ExternalResourceMatch") ||
		    baton__syncer_has_anno(ga, "c1.connector.v2.ExternalResourceMatchID"))
			s->st.has_external_resource_grants = true;
		if (s->st.should_fetch_related_resources && er) {
			baton_resource_id id = baton_resource_get_id(er);
			baton_resource *have;
			int g2 = baton_store_get_resource(s->store, s->sync_id, &id, &s->sctx, &have);
			if (g2 == BATON_ENOTFOUND) {
				baton_resource_id pid;
				bool hp = baton_resource_get_parent(er, &pid);
				baton_resource *fetched;
				baton_ctx fctx;
				baton__ctx_init(&fctx);
				rc = fetch_related(s, &fctx, &id, hp ? &pid : NULL, &fetched);
				if (!rc && fetched && baton__syncer_check_resource(fetched) == 0)
					rc = baton_store_put_resource(s->store, fetched);
				baton__ctx_release(&fctx);
				if (rc)
					break;
			} else if (g2) {
				rc = g2;
				break;
			}
		}
		if ((rc = baton_store_put_grant(s->store, g)))
			break;
		stored++;
	}
	baton__strset_free(&inserted);
	baton__ctx_reset(&s->sctx);
	return baton__syncer_end_eg_page(s, p, a, rc, t->id, true, stored);
}

/* ------------------------------------------------------------------------------------------ */
/* Expansion                                                                                   */

/* Stops the expansion at its next node (or load batch) when a stop is requested; what it wrote is
 * kept and the resumed sync runs the expansion again over it. */
static int expansion_progress(const baton_expand_progress *p, void *ud)
{
	(void)p;
	(void)ud;
	return baton__sync_stop_requested() ? 1 : 0;
}

static int run_expansion(baton__syncer *s)
{
	baton_expand_options eo = BATON_EXPAND_OPTIONS_INIT;
	eo.keep_sync_state = true;
	eo.progress = expansion_progress;
	baton_expand_stats stats;
	memset(&stats, 0, sizeof(stats));
	int rc = baton_expand_store(s->store, s->sync_id, &eo, &stats);
	if (!rc)
		s->n_expanded += stats.grants_created;
	return rc;
}

int baton__syncer_step_expansion(baton__syncer *s, baton__action *a)
{
	s->phase = "grant-expansion";
	int rc = baton_store_sync_set_supports_diff(s->store);
	if (rc)
		return rc;
	if (s->opts->skip_grant_expansion || !s->st.needs_expansion) {
		baton__log(BATON_LOG_DEBUG, "skipping grant expansion, no grants to expand", NULL);
		baton__state_finish(&s->st, a->id);
		return 0;
	}
	baton__log(BATON_LOG_INFO, "Expanding grants...", NULL);
	/* the expander reads the token: make sure it says needs_expansion */
	if ((rc = baton__syncer_checkpoint(s, true)))
		return rc;
	if ((rc = run_expansion(s)))
		return rc;
	baton__state_finish(&s->st, a->id);
	return 0;
}
