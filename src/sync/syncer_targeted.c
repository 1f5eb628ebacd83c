/*
 * Targeted syncs (--sync-resources): the references to sync, the resource fetched with the
 * connector's get, and the grants, entitlements and children scheduled for it.
 */
#include "sync/syncer_int.h"

/* A resource from the connector's `get` (NULL when it does not exist or cannot be fetched). */
int baton__syncer_fetch_resource(baton__syncer *s, baton_ctx *ctx, const baton_resource_id *id,
                                 const baton_resource_id *parent, baton_resource **out)
{
	*out = NULL;
	const baton__rtype *t = baton__runtime_find(&s->rt, id->resource_type);
	if (!t || !t->syncer->get) {
		baton__log(BATON_LOG_WARN, "skipping resource due to unimplemented connector", "resource_id", id->resource,
		           "resource_type_id", id->resource_type, NULL);
		return 0;
	}
	baton__call call;
	memset(&call, 0, sizeof(call));
	baton__call_begin(&call, ctx, &s->rt, BATON__CALL_GET, t->rt, "");
	baton_error_clear();
	int rc = t->syncer->get(ctx, id, parent);
	ctx->sdk_state = NULL;
	if (rc == 0 && call.n_items)
		*out = call.items[0];
	baton__call_free(&call);
	if (rc == BATON_ENOTFOUND || rc == BATON_EUNIMPLEMENTED || (rc == 0 && !*out)) {
		baton__log(BATON_LOG_WARN, "skipping resource due to not found", "resource_id", id->resource,
		           "resource_type_id", id->resource_type, NULL);
		baton_error_clear();
		return 0;
	}
	if (rc && baton_error_last()->code == BATON_OK)
		baton_error_set(rc, "get failed");
	return rc;
}

int baton__syncer_call_targeted(baton__syncer *s, baton__page *p, const baton__action *a)
{
	p->result = NULL;
	if (!a->resource_id || !a->resource_type_id)
		return baton_error_set(BATON_EUNKNOWN, "cannot get resource without a resource target");
	baton_resource_id id = {a->resource_type_id, a->resource_id};
	baton_resource_id pid = {a->parent_resource_type_id, a->parent_resource_id};
	bool hp = a->parent_resource_type_id && a->parent_resource_id;
	baton_resource *r;
	int rc = baton__syncer_fetch_resource(s, &p->ctx, &id, hp ? &pid : NULL, &r);
	if (rc)
		return baton__syncer_call_error(rc, "targeted-resource-sync", a);
	p->result = r;
	return 0;
}

int baton__syncer_consume_targeted(baton__syncer *s, baton__page *p, const baton__action *a)
{
	s->phase = "targeted-resource-sync";
	baton_resource_id id = {a->resource_type_id, a->resource_id};
	baton_resource *r = p->result;
	p->result = NULL;
	int rc = 0;
	if (!r || (rc = baton__syncer_check_resource(r)) != 0) {
		if (rc < 0)
			return rc;
		return baton__syncer_transition(s, a->id, NULL, NULL, 0);
	}
	baton__action *acts = NULL;
	size_t n = 0, cap = 8;
	acts = calloc(cap, sizeof(*acts));
	if (!acts)
		return baton__error_oom("actions");
	if ((rc = baton_store_put_resource(s->store, r)))
		goto done;
	s->n_resources++;
	int err;
	bool sg = baton__syncer_skip_grants(s, r, &err);
	if (err) {
		rc = err;
		goto done;
	}
	baton__type_info *ti = baton__syncer_stored_type(s, id.resource_type);
	if (!sg && !(ti && ti->ts_grants)) {
		acts[n].op = BATON__OP_GRANTS;
		acts[n].resource_type_id = (char *)id.resource_type;
		acts[n].resource_id = (char *)id.resource;
		n++;
	}
	bool se = baton__syncer_skip_entitlements(s, r, &err);
	if (err) {
		rc = err;
		goto done;
	}
	if (!se && !(ti && ti->ts_ents)) {
		acts[n].op = BATON__OP_ENTITLEMENTS;
		acts[n].resource_type_id = (char *)id.resource_type;
		acts[n].resource_id = (char *)id.resource;
		n++;
	}
	size_t first_child = n;
	if ((rc = baton__syncer_schedule_children(s, p, r, &acts, &n, &cap, false)))
		goto done;
	if ((rc = baton__syncer_transition(s, a->id, NULL, acts, n)))
		goto done;
	for (size_t i = first_child; i < n; i++) {
		baton__buf key = {0};
		baton__buf_puts(&key, acts[i].resource_type_id);
		baton__buf_put(&key, "\0", 1);
		baton__buf_puts(&key, acts[i].parent_resource_type_id);
		baton__buf_put(&key, "\0", 1);
		baton__buf_puts(&key, acts[i].parent_resource_id);
		if (!key.oom)
			baton__strset_add(&s->child_schedule, key.data, key.len);
		baton__buf_free(&key);
	}
done:
	free(acts);
	return rc;
}

int baton__syncer_parse_targets(baton__syncer *s)
{
	const baton_sync_options *o = s->opts;
	if (!o->n_sync_resources)
		return 0;
	s->targets = calloc(o->n_sync_resources, sizeof(*s->targets));
	if (!s->targets)
		return baton__error_oom("targeted resources");
	for (size_t i = 0; i < o->n_sync_resources; i++) {
		char *ref[4];
		int rc = baton__parse_resource_ref(o->sync_resources[i], ref);
		if (rc)
			return rc;
		bool keep = true;
		if (o->n_sync_resource_types) {
			keep = false;
			for (size_t j = 0; j < o->n_sync_resource_types; j++)
				if (!strcmp(o->sync_resource_types[j], ref[0]))
					keep = true;
		}
		for (size_t j = 0; keep && j < s->n_targets; j++) {
			bool same = true;
			for (int k = 0; k < 4; k++)
				if (strcmp(baton__nz(s->targets[j][k]), baton__nz(ref[k])))
					same = false;
			if (same)
				keep = false;
		}
		if (!keep) {
			for (int k = 0; k < 4; k++)
				free(ref[k]);
			continue;
		}
		memcpy(s->targets[s->n_targets++], ref, sizeof(ref));
	}
	return 0;
}
