/*
 * `baton explorer`: the JSON endpoints over resources — /api/info, /api/resourceTypes,
 * /api/resources, /api/entitlements, /api/grants/..., /api/principals/... and
 * /api/:type/:id (the Go explorer's routes and shapes). Access and its explanation are in
 * explorer_access.c; serving and routing in explorer.c.
 */
#include "explorer_int.h"

#include <ctype.h>
#include <inttypes.h>
#include <strings.h>

#ifdef BATON_HAVE_MHD

/* ---- profile (as the Go explorer's extractProfileFields) ---------------------------------- */

typedef struct kv {
	const char *k, *v;
} kv;

static int cmp_kv(const void *a, const void *b)
{
	return strcmp(((const kv *)a)->k, ((const kv *)b)->k);
}

static bool any_is(const Google__Protobuf__Any *an, const char *type)
{
	const char *tu = an->type_url ? an->type_url : "";
	size_t tl = strlen(tu), n = strlen(type);
	return tl > n && tu[tl - n - 1] == '/' && strcmp(tu + tl - n, type) == 0;
}

/*
 * ",\"profile\":{...}": the resource's profile, else its user/group/role/app trait's (as Go's
 * GetProfile), string values (others as ""), plus the primary email of a user trait; sorted by
 * key as Go writes a map. Nothing when empty.
 */
static void write_profile(xbuf *b, const C1__Connector__V2__Resource *r)
{
	const Google__Protobuf__Struct *p = r->profile;
	const char *email = NULL;
	ProtobufCMessage *owned[8];
	size_t n_owned = 0;
	static const struct {
		const char *name;
		const ProtobufCMessageDescriptor *d;
	} traits[] = {
		{"c1.connector.v2.UserTrait", &c1__connector__v2__user_trait__descriptor},
		{"c1.connector.v2.GroupTrait", &c1__connector__v2__group_trait__descriptor},
		{"c1.connector.v2.RoleTrait", &c1__connector__v2__role_trait__descriptor},
		{"c1.connector.v2.AppTrait", &c1__connector__v2__app_trait__descriptor},
	};
	for (size_t t = 0; t < sizeof(traits) / sizeof(traits[0]); t++) {
		for (size_t i = 0; i < r->n_annotations && n_owned < 8; i++) {
			const Google__Protobuf__Any *an = r->annotations[i];
			if (!any_is(an, traits[t].name))
				continue;
			ProtobufCMessage *m = protobuf_c_message_unpack(traits[t].d, NULL, an->value.len, an->value.data);
			if (!m)
				continue;
			owned[n_owned++] = m;
			const Google__Protobuf__Struct *tp = NULL;
			if (t == 0) {
				C1__Connector__V2__UserTrait *ut = (C1__Connector__V2__UserTrait *)m;
				tp = ut->profile;
				for (size_t j = 0; j < ut->n_emails && !email; j++) {
					if (ut->emails[j]->is_primary && ut->emails[j]->address && *ut->emails[j]->address)
						email = ut->emails[j]->address;
				}
			} else if (t == 1) {
				tp = ((C1__Connector__V2__GroupTrait *)m)->profile;
			} else if (t == 2) {
				tp = ((C1__Connector__V2__RoleTrait *)m)->profile;
			} else {
				tp = ((C1__Connector__V2__AppTrait *)m)->profile;
			}
			if (!p && tp)
				p = tp;
			break;
		}
	}
	size_t n = (p ? p->n_fields : 0) + 1, k = 0;
	kv *list = malloc(n * sizeof(*list));
	if (list) {
		for (size_t i = 0; p && i < p->n_fields; i++) {
			const Google__Protobuf__Struct__FieldsEntry *f = p->fields[i];
			const Google__Protobuf__Value *v = f->value;
			if (email && f->key && strcmp(f->key, "email") == 0)
				continue;
			list[k].k = f->key ? f->key : "";
			list[k++].v = v && v->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE && v->string_value
				? v->string_value : "";
		}
		if (email) {
			list[k].k = "email";
			list[k++].v = email;
		}
		qsort(list, k, sizeof(*list), cmp_kv);
		for (size_t i = 0; i < k; i++) {
			xb_puts(b, i ? "," : ",\"profile\":{");
			xb_str(b, list[i].k);
			xb_puts(b, ":");
			xb_str(b, list[i].v);
		}
		if (k)
			xb_puts(b, "}");
		free(list);
	} else {
		b->oom = true;
	}
	for (size_t i = 0; i < n_owned; i++)
		protobuf_c_message_free_unpacked(owned[i], NULL);
}

/* ---- routes ------------------------------------------------------------------------------- */

void xp_api_info(request *rq, explorer *x)
{
	static const char *const known[] = {NULL};
	if (!xp_check_params(rq, known))
		return;
	const baton_store_counts c = x->counts;
	xbuf *b = &rq->body;
	xp_data_begin(rq);
	xb_puts(b, "{\"file\":");
	xb_str(b, x->t->file);
	xb_puts(b, ",\"sync_id\":");
	xb_str(b, x->t->sync_id);
	xb_printf(b, ",\"read_only\":true,\"counts\":{\"resource_types\":%" PRIu64 ",\"resources\":%" PRIu64
	          ",\"entitlements\":%" PRIu64 ",\"grants\":%" PRIu64 "},\"expansion_edges\":%zu",
	          c.resource_types, c.resources, c.entitlements, c.grants, x->n_edges);
	xb_puts(b, ",\"default_resource_type\":");
	xb_str(b, x->default_type ? x->default_type : "");
	xb_puts(b, ",\"version\":");
	xb_str(b, baton_version());
	xb_puts(b, "}}");
}

void xp_api_resource_types(request *rq, explorer *x)
{
	static const char *const known[] = {"page_token", "page_size", NULL};
	baton_store_query q = BATON_STORE_QUERY_INIT;
	baton_store_iter *it = NULL;
	baton_resource_type *rt;
	if (!xp_check_params(rq, known) || !xp_page_size(rq, LIST_PAGE_SIZE, &q.page_size))
		return;
	q.sync_id = tool_query_sync(x->t);
	q.page_token = xp_store_token(rq);
	xbuf *b = &rq->body;
	xp_data_begin(rq);
	xb_puts(b, "{");
	size_t n = 0;
	int rc = baton_store_list_resource_types(x->t->store, &q, &it);
	while (rc == 0 && (rc = baton_store_iter_next_resource_type(it, &rt)) == 0) {
		C1__Connector__V2__ResourceType *m = pb_resource_type(&rq->a, rt);
		if (!m) {
			rc = baton_error_last()->code;
			break;
		}
		pb_prune_unknown_any(&m->base);
		xb_puts(b, n++ ? "," : "\"resource_types\":[");
		xb_puts(b, "{\"resource_type\":");
		xb_msg(b, &m->base);
		xb_puts(b, "}");
	}
	if (rc != BATON_ITEROVER) {
		baton_store_iter_free(it);
		xp_set_lib_error(rq, rc);
		return;
	}
	xb_puts(b, n ? "]}" : "}");
	xp_next_token(rq, baton_store_iter_next_page_token(it));
	baton_store_iter_free(it);
	xb_puts(b, "}");
}

static bool contains_ci(const char *hay, const char *needle)
{
	if (!hay)
		return false;
	size_t nl = strlen(needle);
	for (; *hay; hay++) {
		if (strncasecmp(hay, needle, nl) == 0)
			return true;
	}
	return !nl;
}

static void resource_output(xbuf *b, explorer *x, C1__Connector__V2__Resource *m)
{
	C1__Connector__V2__ResourceType *rt = NULL;
	C1__Connector__V2__Resource *parent = NULL;
	lookup_resource_type(x->t->lk, m->id ? m->id->resource_type : "", &rt);
	if (m->parent_resource_id)
		lookup_resource(x->t->lk, m->parent_resource_id, &parent);
	xb_puts(b, "{\"resource\":");
	xb_msg(b, &m->base);
	if (rt) {
		xb_puts(b, ",\"resource_type\":");
		xb_msg(b, &rt->base);
	}
	if (parent) {
		xb_puts(b, ",\"parent\":");
		xb_msg(b, &parent->base);
	}
	xb_puts(b, "}");
}

/*
 * /api/resources?resource_type_id=&page_token=&page_size=&q=
 * Without q: one store page. With q (libbaton extension): resources whose display name or id
 * contains q (any case); the page token is then an offset into the matches, total_count their number.
 */
void xp_api_resources(request *rq, explorer *x)
{
	static const char *const known[] = {"resource_type_id", "page_token", "page_size", "q", NULL};
	baton_store_query q = BATON_STORE_QUERY_INIT;
	baton_store_iter *it = NULL;
	baton_resource *r;
	uint32_t ps;
	size_t offset = 0;
	if (!xp_check_params(rq, known) || !xp_page_size(rq, LIST_PAGE_SIZE, &ps))
		return;
	const char *type = xp_qget(rq, "resource_type_id");
	const char *search = xp_qget(rq, "q");
	if (!type || !*type)
		type = x->default_type;
	C1__Connector__V2__ResourceType *rtm;
	if (type && *type && !xp_need_type(rq, x, type, &rtm))
		return;
	if (search && !xp_offset_token(rq, &offset))
		return;
	q.sync_id = tool_query_sync(x->t);
	q.resource_type_id = type && *type ? type : NULL;
	if (!search) {
		q.page_token = xp_store_token(rq);
		q.page_size = ps;
	}
	xbuf *b = &rq->body;
	xp_data_begin(rq);
	xb_puts(b, "{");
	size_t n = 0, matched = 0;
	int rc = baton_store_list_resources(x->t->store, &q, &it);
	while (rc == 0 && (rc = baton_store_iter_next_resource(it, &r)) == 0) {
		if (search) {
			baton_resource_id id = baton_resource_get_id(r);
			if (!contains_ci(baton_resource_display_name(r), search) && !contains_ci(id.resource, search))
				continue;
			matched++;
			if (matched <= offset || n >= ps)
				continue;
		}
		C1__Connector__V2__Resource *m = pb_resource(&rq->a, r);
		if (!m) {
			rc = baton_error_last()->code;
			break;
		}
		pb_prune_unknown_any(&m->base);
		xb_puts(b, n++ ? "," : "\"resources\":[");
		resource_output(b, x, m);
		baton_arena_reset(&rq->a);
	}
	if (rc != BATON_ITEROVER) {
		baton_store_iter_free(it);
		xp_set_lib_error(rq, rc);
		return;
	}
	xb_puts(b, n ? "]}" : "}");
	if (search) {
		char tok[32] = "";
		if (offset + n < matched)
			snprintf(tok, sizeof(tok), "%zu", offset + n);
		xp_next_token(rq, tok);
		xb_printf(b, ",\"total_count\":%zu", matched);
	} else {
		xp_next_token(rq, baton_store_iter_next_page_token(it));
		if (!xp_store_token(rq) && q.resource_type_id) {
			baton_store_iter_free(it);
			it = NULL;
			/* Go counts every resource of the type on the first page. */
			baton_store_query cq = BATON_STORE_QUERY_INIT;
			cq.sync_id = q.sync_id;
			cq.resource_type_id = q.resource_type_id;
			size_t count = 0;
			rc = baton_store_list_resources(x->t->store, &cq, &it);
			while (rc == 0 && (rc = baton_store_iter_next_resource(it, &r)) == 0)
				count++;
			if (rc == BATON_ITEROVER)
				xb_printf(b, ",\"total_count\":%zu", count);
		}
	}
	baton_store_iter_free(it);
	xb_puts(b, "}");
}

/* /api/entitlements?page_token=&page_size= (+ resource_type_id, resource_id: libbaton filters). */
void xp_api_entitlements(request *rq, explorer *x)
{
	static const char *const known[] = {"page_token", "page_size", "resource_type_id", "resource_id", NULL};
	baton_store_query q = BATON_STORE_QUERY_INIT;
	baton_store_iter *it = NULL;
	baton_entitlement *e;
	baton_resource_id only;
	if (!xp_check_params(rq, known) || !xp_page_size(rq, LIST_PAGE_SIZE, &q.page_size))
		return;
	const char *type = xp_qget(rq, "resource_type_id"), *res = xp_qget(rq, "resource_id");
	if (res && (!type || !*type || !*res)) {
		xp_set_error(rq, 400, "resource_id needs resource_type_id (both non-empty)");
		return;
	}
	if (type && *type) {
		C1__Connector__V2__ResourceType *rtm;
		if (!xp_need_type(rq, x, type, &rtm))
			return;
		if (res) {
			only.resource_type = type;
			only.resource = res;
			q.resource = &only;
		} else {
			q.resource_type_id = type;
		}
	}
	q.sync_id = tool_query_sync(x->t);
	q.page_token = xp_store_token(rq);
	xbuf *b = &rq->body;
	xp_data_begin(rq);
	xb_puts(b, "{");
	size_t n = 0;
	int rc = baton_store_list_entitlements(x->t->store, &q, &it);
	while (rc == 0 && (rc = baton_store_iter_next_entitlement(it, &e)) == 0) {
		C1__Connector__V2__Entitlement *m = pb_entitlement(&rq->a, e);
		if (!m) {
			rc = baton_error_last()->code;
			break;
		}
		pb_prune_unknown_any(&m->base);
		C1__Connector__V2__ResourceId *rid = m->resource ? m->resource->id : NULL;
		C1__Connector__V2__ResourceType *rt = NULL;
		C1__Connector__V2__Resource *rr = NULL;
		if ((rc = lookup_resource_type(x->t->lk, rid ? rid->resource_type : "", &rt)) < 0 ||
		    (rc = lookup_resource(x->t->lk, rid, &rr)) < 0)
			break;
		xb_puts(b, n++ ? "," : "\"entitlements\":[");
		xb_puts(b, "{\"entitlement\":");
		xb_msg(b, &m->base);
		xb_puts(b, ",\"resource\":");
		xb_msg(b, &rr->base);
		xb_puts(b, ",\"resource_type\":");
		xb_msg(b, &rt->base);
		xb_puts(b, "}");
		baton_arena_reset(&rq->a);
	}
	if (rc != BATON_ITEROVER) {
		baton_store_iter_free(it);
		xp_set_lib_error(rq, rc);
		return;
	}
	xb_puts(b, n ? "]}" : "}");
	xp_next_token(rq, baton_store_iter_next_page_token(it));
	baton_store_iter_free(it);
	xb_puts(b, "}");
}

/* A principal with its grants on the resource (one row of /api/grants). */
typedef struct pgroup {
	char *key, *type, *id;
	xbuf grants, ents;
	size_t n;
	size_t index;          /* order of first appearance, from 0 */
	struct pgroup *next;
} pgroup;

/* /api/grants/:resourceType/:resourceId: grants on a resource grouped by principal. */
void xp_api_grants(request *rq, explorer *x, const char *type, const char *id)
{
	static const char *const known[] = {"page_token", "page_size", NULL};
	uint32_t ps;
	size_t offset;
	C1__Connector__V2__Resource *res;
	C1__Connector__V2__ResourceType *rtm;
	if (!xp_check_params(rq, known) || !xp_page_size(rq, GRANTS_PAGE_SIZE, &ps) || !xp_offset_token(rq, &offset) ||
	    !xp_need_type(rq, x, type, &rtm) || !xp_need_resource(rq, x, type, id, &res))
		return;
	baton_store_query q = BATON_STORE_QUERY_INIT;
	baton_resource_id rid = {type, id};
	baton_store_iter *it = NULL;
	baton_grant *g;
	strmap groups, counts;
	pgroup *head = NULL, **tail = &head;
	size_t n_groups = 0;
	strmap_init(&groups, &rq->a);
	strmap_init(&counts, &rq->a);
	q.sync_id = tool_query_sync(x->t);
	q.resource = &rid;
	int rc = baton_store_list_grants(x->t->store, &q, &it);
	while (rc == 0 && (rc = baton_store_iter_next_grant(it, &g)) == 0) {
		baton_resource_id p = baton_grant_principal_id(g);
		char *key = baton_arena_alloc(&rq->a, strlen(p.resource_type) + strlen(p.resource) + 2);
		if (!key) {
			rc = baton_error_set(BATON_EEXHAUSTED, "out of memory");
			break;
		}
		sprintf(key, "%s\x1f%s", p.resource_type, p.resource);
		pgroup *pg = strmap_get(&groups, key, strlen(key));
		if (!pg) {
			pg = baton_arena_alloc(&rq->a, sizeof(*pg));
			if (!pg) {
				rc = baton_error_set(BATON_EEXHAUSTED, "out of memory");
				break;
			}
			memset(pg, 0, sizeof(*pg));
			pg->key = key;
			pg->type = baton_arena_strdup(&rq->a, p.resource_type);
			pg->id = baton_arena_strdup(&rq->a, p.resource);
			if ((rc = strmap_put(&groups, key, strlen(key), pg)) < 0)
				break;
			size_t *cnt = strmap_get(&counts, p.resource_type, strlen(p.resource_type));
			if (!cnt) {
				cnt = baton_arena_alloc(&rq->a, sizeof(*cnt));
				if (!cnt) {
					rc = baton_error_set(BATON_EEXHAUSTED, "out of memory");
					break;
				}
				*cnt = 0;
				if ((rc = strmap_put(&counts, p.resource_type, strlen(p.resource_type), cnt)) < 0)
					break;
			}
			(*cnt)++;
			*tail = pg;
			tail = &pg->next;
			pg->index = n_groups++;
		}
		/* Only the groups of this page carry their grants. */
		if (pg->index < offset || pg->index >= offset + ps)
			continue;
		baton_arena ga;
		baton_arena_init(&ga);
		C1__Connector__V2__Grant *gm = pb_grant(&ga, g);
		C1__Connector__V2__Entitlement *en = NULL;
		if (!gm || (rc = lookup_entitlement(x->t->lk, baton_grant_entitlement_id(g), &en)) < 0) {
			rc = gm ? rc : baton_error_last()->code;
			baton_arena_release(&ga);
			break;
		}
		pb_prune_unknown_any(&gm->base);
		/* Go's store keeps GrantExpandable in its own column and lists grants without it: so do we
		 * here (the expansion is what /api/path shows). */
		size_t kept = 0;
		for (size_t i = 0; i < gm->n_annotations; i++) {
			if (!any_is(gm->annotations[i], "c1.connector.v2.GrantExpandable"))
				gm->annotations[kept++] = gm->annotations[i];
		}
		gm->n_annotations = kept;
		xb_puts(&pg->grants, pg->n ? "," : "");
		xb_msg(&pg->grants, &gm->base);
		xb_puts(&pg->ents, pg->n ? "," : "");
		xb_msg(&pg->ents, &en->base);
		pg->n++;
		baton_arena_release(&ga);
	}
	baton_store_iter_free(it);
	xbuf *b = &rq->body;
	if (rc == BATON_ITEROVER) {
		rc = 0;
		xp_data_begin(rq);
		xb_puts(b, "{\"resource\":");
		xb_msg(b, &res->base);
		xb_puts(b, ",\"resource_type\":");
		xb_msg(b, &rtm->base);
		size_t i = 0, shown = 0;
		for (pgroup *pg = head; pg && rc == 0; pg = pg->next, i++) {
			if (i < offset || i >= offset + ps)
				continue;
			C1__Connector__V2__Resource *pr;
			C1__Connector__V2__ResourceType *prt;
			C1__Connector__V2__ResourceId pid = C1__CONNECTOR__V2__RESOURCE_ID__INIT;
			pid.resource_type = pg->type;
			pid.resource = pg->id;
			if ((rc = lookup_resource(x->t->lk, &pid, &pr)) < 0 ||
			    (rc = lookup_resource_type(x->t->lk, pg->type, &prt)) < 0)
				break;
			xb_puts(b, shown++ ? "," : ",\"access\":[");
			xb_puts(b, "{\"resource_type\":");
			xb_msg(b, &prt->base);
			xb_puts(b, ",\"resource\":");
			xb_msg(b, &pr->base);
			xb_puts(b, ",\"grants\":[");
			xb_putn(b, pg->grants.p ? pg->grants.p : "", pg->grants.len);
			xb_puts(b, "],\"entitlements\":[");
			xb_putn(b, pg->ents.p ? pg->ents.p : "", pg->ents.len);
			xb_puts(b, "]");
			write_profile(b, pr);
			xb_puts(b, "}");
		}
		if (shown)
			xb_puts(b, "]");
		xb_puts(b, "}");
		char tok[32] = "";
		if (offset + ps < n_groups)
			snprintf(tok, sizeof(tok), "%zu", offset + ps);
		xp_next_token(rq, tok);
		xb_printf(b, ",\"total_count\":%zu,\"counts_by_type\":{", n_groups);
		/* counts in first-seen order of types */
		strmap seen;
		strmap_init(&seen, &rq->a);
		size_t nt = 0;
		for (pgroup *pg = head; pg; pg = pg->next) {
			if (strmap_get(&seen, pg->type, strlen(pg->type)))
				continue;
			strmap_put(&seen, pg->type, strlen(pg->type), pg);
			size_t *cnt = strmap_get(&counts, pg->type, strlen(pg->type));
			xb_puts(b, nt++ ? "," : "");
			xb_str(b, pg->type);
			xb_printf(b, ":%zu", cnt ? *cnt : 0);
		}
		strmap_free(&seen);
		xb_puts(b, "}}");
	}
	for (pgroup *pg = head; pg; pg = pg->next) {
		xb_free(&pg->grants);
		xb_free(&pg->ents);
	}
	strmap_free(&groups);
	strmap_free(&counts);
	if (rc < 0)
		xp_set_lib_error(rq, rc);
}

/* /api/:resourceType/:resourceId: one resource (Go's ResourceDetailOutput). */
void xp_api_resource(request *rq, explorer *x, const char *type, const char *id)
{
	static const char *const known[] = {NULL};
	C1__Connector__V2__Resource *r, *parent = NULL;
	C1__Connector__V2__ResourceType *rt;
	if (!xp_check_params(rq, known) || !xp_need_type(rq, x, type, &rt) || !xp_need_resource(rq, x, type, id, &r))
		return;
	if (r->parent_resource_id)
		lookup_resource(x->t->lk, r->parent_resource_id, &parent);
	xbuf *b = &rq->body;
	xp_data_begin(rq);
	xb_puts(b, "{\"resource\":");
	xb_msg(b, &r->base);
	xb_puts(b, ",\"resource_type\":");
	xb_msg(b, &rt->base);
	if (parent) {
		xb_puts(b, ",\"parent\":");
		xb_msg(b, &parent->base);
	}
	write_profile(b, r);
	xb_puts(b, "}}");
}

/* /api/principals/:resourceType: resources of the type with the number of users granted on each. */
void xp_api_principals(request *rq, explorer *x, const char *type)
{
	static const char *const known[] = {NULL};
	C1__Connector__V2__ResourceType *rt;
	if (!xp_check_params(rq, known) || !xp_need_type(rq, x, type, &rt))
		return;
	const char *cached = strmap_get(&x->principals_cache, type, strlen(type));
	if (cached) {
		xb_puts(&rq->body, cached);
		return;
	}
	baton_store_iter *it = NULL;
	baton_resource *r;
	int rc = BATON_ITEROVER;
	xbuf *b = &rq->body;
	size_t n = 0;
	if (rc == BATON_ITEROVER) {
		baton_store_query rq2 = BATON_STORE_QUERY_INIT;
		rq2.sync_id = tool_query_sync(x->t);
		rq2.resource_type_id = type;
		xp_data_begin(rq);
		xb_puts(b, "{");
		rc = baton_store_list_resources(x->t->store, &rq2, &it);
		baton_arena ra;
		baton_arena_init(&ra);
		while (rc == 0 && (rc = baton_store_iter_next_resource(it, &r)) == 0) {
			C1__Connector__V2__Resource *m = pb_resource(&ra, r);
			if (!m) {
				rc = baton_error_last()->code;
				break;
			}
			pb_prune_unknown_any(&m->base);
			const char *rid = m->id && m->id->resource ? m->id->resource : "";
			char key[1024];
			int kl = snprintf(key, sizeof(key), "%s\x1f%s", type, rid);
			size_t *cnt = kl > 0 && (size_t)kl < sizeof(key) ? strmap_get(&x->user_counts, key, (size_t)kl) : NULL;
			C1__Connector__V2__Resource *parent = NULL;
			if (m->parent_resource_id)
				lookup_resource(x->t->lk, m->parent_resource_id, &parent);
			xb_puts(b, n++ ? ",{\"resource\":" : "\"resources\":[{\"resource\":");
			xb_msg(b, &m->base);
			xb_puts(b, ",\"resource_type\":");
			xb_msg(b, &rt->base);
			if (parent) {
				xb_puts(b, ",\"parent\":");
				xb_msg(b, &parent->base);
			}
			xb_printf(b, ",\"userCount\":%zu}", cnt ? *cnt : 0);
			baton_arena_reset(&ra);
		}
		baton_arena_release(&ra);
	}
	baton_store_iter_free(it);
	if (rc != BATON_ITEROVER) {
		xp_set_lib_error(rq, rc);
		return;
	}
	xb_puts(b, n ? "]}}" : "}}");
	char *copy = b->oom ? NULL : baton_arena_strdup(&x->t->arena, b->p);
	if (copy)
		strmap_put(&x->principals_cache, type, strlen(type), copy);
}

#endif /* BATON_HAVE_MHD */
