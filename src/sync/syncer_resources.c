/*
 * Resource types and resources: list-resource-types, the list-resources root and pages, the
 * trait check and the child resource types they schedule.
 */
#include "sync/syncer_int.h"

/* ------------------------------------------------------------------------------------------ */
/* Phases                                                                                      */

int baton__syncer_step_resource_types(baton__syncer *s, baton__action *a)
{
	if (!a->page_token)
		baton__log(BATON_LOG_INFO, "Syncing resource types...", NULL);
	s->phase = "list-resource-types";
	size_t n = 0;
	for (size_t i = 0; i < s->rt.n_types; i++) {
		const baton__rtype *t = &s->rt.types[i];
		if (s->opts->n_sync_resource_types) {
			bool want = false;
			for (size_t j = 0; j < s->opts->n_sync_resource_types; j++)
				if (!strcmp(s->opts->sync_resource_types[j], t->id))
					want = true;
			if (!want)
				continue;
		}
		int rc = baton_store_put_resource_type(s->store, t->rt);
		if (rc)
			return rc;
		n++;
	}
	s->n_resource_types += n;
	s->pages++;
	for (size_t j = 0; j < s->opts->n_sync_resource_types; j++) {
		if (!baton__runtime_find(&s->rt, s->opts->sync_resource_types[j]))
			return baton_error_set(BATON_EUNKNOWN, "invalid resource type '%s' in filter",
			                       s->opts->sync_resource_types[j]);
	}
	char cnt[24];
	snprintf(cnt, sizeof(cnt), "%zu", n);
	baton__log(BATON_LOG_INFO, "Synced resource types", "#count", cnt, NULL);
	return baton__syncer_transition(s, a->id, NULL, NULL, 0);
}

/* Root list-resources: one list-resources action per stored type. */
int baton__syncer_step_resources_root(baton__syncer *s, baton__action *a)
{
	if (!a->page_token)
		baton__log(BATON_LOG_INFO, "Syncing resources...", NULL);
	s->phase = "list-resources";
	baton_store_query q = BATON_STORE_QUERY_INIT;
	q.sync_id = s->sync_id;
	q.page_size = BATON__SYNC_STORE_PAGE;
	q.page_token = a->page_token;
	baton_store_iter *it;
	int rc = baton_store_list_resource_types(s->store, &q, &it);
	if (rc)
		return rc;
	baton__action *acts = NULL;
	size_t n = 0, cap = 0;
	baton_resource_type *rt;
	while ((rc = baton_store_iter_next_resource_type(it, &rt)) == 0) {
		/* a type the connector does not serve is a copy from the external c1z, in the working
		 * copy of a sync resumed from a checkpoint taken before that step: not listed (the
		 * external step copies it again), never a call for an unknown type */
		if (!baton__runtime_find(&s->rt, baton_resource_type_id(rt)))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			baton__action *v = realloc(acts, cap * sizeof(*v));
			if (!v) {
				rc = baton__error_oom("actions");
				break;
			}
			acts = v;
		}
		memset(&acts[n], 0, sizeof(acts[n]));
		acts[n].op = BATON__OP_RESOURCES;
		acts[n].resource_type_id = strdup(baton_resource_type_id(rt));
		if (a->parent_resource_type_id && a->parent_resource_id) {
			acts[n].parent_resource_type_id = strdup(a->parent_resource_type_id);
			acts[n].parent_resource_id = strdup(a->parent_resource_id);
		}
		n++;
	}
	char *next = NULL;
	if (rc == BATON_ITEROVER) {
		rc = 0;
		next = strdup(baton_store_iter_next_page_token(it));
	}
	baton_store_iter_free(it);
	if (!rc)
		rc = baton__syncer_transition(s, a->id, next, acts, n);
	for (size_t i = 0; i < n; i++)
		baton__action_clear(&acts[i]);
	free(acts);
	free(next);
	return rc;
}

static const char *trait_message(baton_trait t)
{
	switch (t) {
	case BATON_TRAIT_USER: return "UserTrait";
	case BATON_TRAIT_GROUP: return "GroupTrait";
	case BATON_TRAIT_ROLE: return "RoleTrait";
	case BATON_TRAIT_APP: return "AppTrait";
	case BATON_TRAIT_SECRET: return "SecretTrait";
	default: return NULL;
	}
}

static int validate_traits(baton__syncer *s, baton_resource *r)
{
	baton_resource_id id = baton_resource_get_id(r);
	baton__type_info *t = baton__syncer_stored_type(s, id.resource_type);
	if (!t)
		return baton_error_last()->code ? baton_error_last()->code : BATON_EINTERNAL;
	if (!t->stored)
		return baton_error_set(BATON_ENOTFOUND, "resource type '%s' not found", id.resource_type);
	for (size_t i = 0; i < t->n_traits; i++) {
		const char *m = trait_message(t->traits[i]);
		if (m && !baton_resource_has_trait(r, t->traits[i])) {
			baton__log(BATON_LOG_ERROR, "resource was missing expected trait", "trait", m,
			           "resource_type_id", id.resource_type, "resource_id", id.resource, NULL);
			return baton_error_set(BATON_EUNKNOWN, "resource was missing expected trait %s", m);
		}
	}
	return 0;
}

/* 0 valid, 1 to drop (counted), <0 abort (BatonID). */
int baton__syncer_check_resource(baton_resource *r)
{
	if (!r)
		return 1;
	if (baton__syncer_has_anno(baton_resource_annotations(r), "c1.connector.v2.BatonID"))
		return baton_error_set(BATON_EINTERNAL,
		                       "connector returned a resource with SDK-reserved BatonID ownership annotation");
	baton_resource_id id = baton_resource_get_id(r);
	if (!id.resource_type || !*id.resource_type || !id.resource || !*id.resource)
		return 1;
	return 0;
}

typedef struct child_ctx {
	baton__syncer *s;
	const char *ptype, *pid;
	baton__action **acts;
	size_t *n, *cap;
	bool record;   /* record in the schedule (list-resources) or only skip scheduled (targeted) */
} child_ctx;

static int on_child(void *ud, ProtobufCMessage *m)
{
	child_ctx *c = ud;
	const char *child = ((C1__Connector__V2__ChildResourceType *)m)->resource_type_id;
	child = baton__nz(child);
	const baton_sync_options *o = c->s->opts;
	if (o->n_sync_resource_types) {
		bool want = false;
		for (size_t j = 0; j < o->n_sync_resource_types; j++)
			if (!strcmp(o->sync_resource_types[j], child))
				want = true;
		if (!want)
			return 0;
	}
	baton__buf key = {0};
	baton__buf_puts(&key, child);
	baton__buf_put(&key, "\0", 1);
	baton__buf_puts(&key, c->ptype);
	baton__buf_put(&key, "\0", 1);
	baton__buf_puts(&key, c->pid);
	if (key.oom)
		return baton__error_oom("child schedule");
	int rc;
	if (c->record) {
		rc = baton__strset_add(&c->s->child_schedule, key.data, key.len);
	} else {
		rc = baton__strset_has(&c->s->child_schedule, key.data, key.len) ? 0 : 1;
	}
	baton__buf_free(&key);
	if (rc <= 0)
		return rc;
	if (*c->n == *c->cap) {
		size_t cap = *c->cap ? *c->cap * 2 : 8;
		baton__action *v = realloc(*c->acts, cap * sizeof(*v));
		if (!v)
			return baton__error_oom("actions");
		*c->acts = v;
		*c->cap = cap;
	}
	baton__action *a = &(*c->acts)[(*c->n)++];
	memset(a, 0, sizeof(*a));
	a->op = BATON__OP_RESOURCES;
	a->resource_type_id = (char *)child;
	a->parent_resource_type_id = (char *)c->ptype;
	a->parent_resource_id = (char *)c->pid;
	return 0;
}

/* Collects list-resources actions for r's ChildResourceType annotations (strings borrowed). */
int baton__syncer_schedule_children(baton__syncer *s, baton__page *p, baton_resource *r, baton__action **acts,
                                    size_t *n, size_t *cap, bool record)
{
	baton_resource_id id = baton_resource_get_id(r);
	child_ctx c = {s, id.resource_type, id.resource, acts, n, cap, record};
	return baton__syncer_each_anno(baton_resource_annotations(r), &p->ctx.arena,
	                               &c1__connector__v2__child_resource_type__descriptor, on_child, &c);
}

int baton__syncer_call_resources(baton__syncer *s, baton__page *p, const baton__action *a)
{
	const baton__rtype *t = baton__runtime_find(&s->rt, a->resource_type_id);
	if (!t)
		return baton_error_set(BATON_ENOTFOUND, "error: list resources with unknown resource type %s",
		                       baton__nz(a->resource_type_id));
	baton_resource_id parent = {a->parent_resource_type_id, a->parent_resource_id};
	bool has_parent = a->parent_resource_type_id && a->parent_resource_id;
	baton__syncer_call_begin(s, p, BATON__CALL_LIST, t, a->page_token);
	int rc = t->syncer->list(&p->ctx, has_parent ? &parent : NULL);
	rc = baton__syncer_call_result(s, p, rc, "list-resources");
	return rc ? baton__syncer_call_error(rc, "list-resources", a) : 0;
}

int baton__syncer_consume_resources(baton__syncer *s, baton__page *p, const baton__action *a)
{
	s->phase = "list-resources";
	const baton__rtype *t = baton__runtime_find(&s->rt, a->resource_type_id);
	if (!t)
		return baton_error_set(BATON_ENOTFOUND, "error: list resources with unknown resource type %s",
		                       baton__nz(a->resource_type_id));
	bool has_parent = a->parent_resource_type_id && a->parent_resource_id;
	baton__syncer_log_page(s, a, "list-resources", has_parent ? a->parent_resource_type_id : NULL,
	                       has_parent ? a->parent_resource_id : NULL, p->call.n_items, p->call.next_page);
	int rc = 0;
	baton__action *kids = NULL;
	size_t nk = 0, ck = 0;
	size_t listed = 0;
	for (size_t i = 0; !rc && i < p->call.n_items; i++) {
		baton_resource *r = p->call.items[i];
		int v = baton__syncer_check_resource(r);
		if (v < 0) {
			rc = v;
			break;
		}
		if (v > 0)
			continue;
		listed++;
		baton_resource_id id = baton_resource_get_id(r);
		baton_resource *existing;
		int g = baton_store_get_resource(s->store, s->sync_id, &id, &s->sctx, &existing);
		if (g != 0 && g != BATON_ENOTFOUND) {
			rc = g;
			break;
		}
		if ((rc = validate_traits(s, r)))
			break;
		bool has_children = baton__syncer_has_anno(baton_resource_annotations(r), "c1.connector.v2.ChildResourceType");
		if ((rc = baton_store_put_resource(s->store, r)))
			break;
		if (g == 0 && !has_children)
			continue;
		if ((rc = baton__syncer_schedule_children(s, p, r, &kids, &nk, &ck, true)))
			break;
	}
	baton__ctx_reset(&s->sctx);
	if (!rc) {
		s->n_resources += listed;
		baton__type_info *ti = baton__syncer_type_get(s, t->id, true);
		if (ti)
			ti->resources += listed;
		/* children go straight onto the stack, not into the batch */
		for (size_t i = 0; !rc && i < nk; i++)
			rc = baton__state_push(&s->st, &kids[i], NULL);
		if (!rc) {
			if (!p->call.next_page) {
				char cnt[24];
				snprintf(cnt, sizeof(cnt), "%" PRIu64, ti ? ti->resources : 0);
				baton__log(BATON_LOG_INFO, "Synced resources", "resource_type_id", t->id, "#count", cnt, NULL);
			}
			rc = baton__syncer_transition(s, a->id, p->call.next_page, NULL, 0);
		}
	}
	free(kids);
	return rc ? baton__syncer_call_error(rc, "list-resources", a) : 0;
}
