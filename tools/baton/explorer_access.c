/*
 * `baton explorer`: a principal's effective access (/api/access/...) and, for one (principal,
 * entitlement) pair, the graph of the paths through nested groups that explain it (/api/path/...).
 */
#include "explorer_int.h"

#include <inttypes.h>

#ifdef BATON_HAVE_MHD

static void write_sources(xbuf *b, baton_grant *g)
{
	size_t n = baton_grant_source_count(g);
	xb_puts(b, "[");
	for (size_t i = 0; i < n; i++) {
		bool direct = false;
		const char *id = baton_grant_source_at(g, i, &direct);
		xb_puts(b, i ? ",{\"entitlement_id\":" : "{\"entitlement_id\":");
		xb_str(b, id);
		xb_printf(b, ",\"is_direct\":%s}", direct ? "true" : "false");
	}
	xb_puts(b, "]");
}

/* ---- effective access and its explanation ------------------------------------------------- */

static bool edge_applies(const xedge *e, const char *principal_type)
{
	if (!e->n_types)
		return true;
	for (size_t i = 0; i < e->n_types; i++) {
		if (strcmp(e->types[i], principal_type) == 0)
			return true;
	}
	return false;
}

/* What the principal holds of one entitlement. */
typedef struct holding {
	const char *id;
	bool stored, direct;
	char *grant_id;
	xbuf sources;          /* JSON array of the stored grant's sources */
	const xedge *via;      /* computed: the first edge that gave it */
	struct holding *next;
} holding;

typedef struct holdings {
	strmap map;
	holding *head, **tail;
	size_t n;
} holdings;

static holding *hold_add(request *rq, holdings *h, const char *id, bool *added)
{
	holding *e = strmap_get(&h->map, id, strlen(id));
	*added = false;
	if (e)
		return e;
	if (!(e = baton_arena_alloc(&rq->a, sizeof(*e))))
		return NULL;
	memset(e, 0, sizeof(*e));
	if (!(e->id = baton_arena_strdup(&rq->a, id)) || strmap_put(&h->map, e->id, strlen(e->id), e) < 0)
		return NULL;
	*h->tail = e;
	h->tail = &e->next;
	h->n++;
	*added = true;
	return e;
}

/* The principal's stored grants, then what expansion adds (nothing new in an expanded sync). */
static int load_holdings(request *rq, explorer *x, const char *type, const char *id, holdings *h)
{
	baton_store_query q = BATON_STORE_QUERY_INIT;
	baton_resource_id principal = {type, id};
	baton_store_iter *it = NULL;
	baton_grant *g;
	bool added;
	strmap_init(&h->map, &rq->a);
	h->head = NULL;
	h->tail = &h->head;
	h->n = 0;
	q.sync_id = tool_query_sync(x->t);
	q.principal = &principal;
	int rc = baton_store_list_grants(x->t->store, &q, &it);
	while (rc == 0 && (rc = baton_store_iter_next_grant(it, &g)) == 0) {
		holding *e = hold_add(rq, h, baton_grant_entitlement_id(g), &added);
		if (!e) {
			rc = baton_error_set(BATON_EEXHAUSTED, "out of memory");
			break;
		}
		e->stored = true;
		e->direct |= baton_grant_is_direct(g);
		if (!e->grant_id) {
			e->grant_id = baton_arena_strdup(&rq->a, baton_grant_id(g));
			write_sources(&e->sources, g);
		}
	}
	baton_store_iter_free(it);
	if (rc != BATON_ITEROVER)
		return rc;
	for (holding *e = h->head; e; e = e->next) {
		for (const xedge *ed = strmap_get(&x->out_edges, e->id, strlen(e->id)); ed; ed = ed->next_out) {
			if (!edge_applies(ed, type) || (ed->shallow && !e->direct))
				continue;
			holding *d = hold_add(rq, h, ed->dst, &added);
			if (!d)
				return baton_error_set(BATON_EEXHAUSTED, "out of memory");
			if (added)
				d->via = ed;
		}
	}
	return 0;
}

static void free_holdings(holdings *h)
{
	for (holding *e = h->head; e; e = e->next)
		xb_free(&e->sources);
	strmap_free(&h->map);
}

typedef struct agroup {
	C1__Connector__V2__Resource *res;
	C1__Connector__V2__ResourceType *rt;
	xbuf ents, how;
	size_t n;
	struct agroup *next;
} agroup;

/*
 * /api/access/:resourceType/:resourceId: the principal's effective access grouped by resource
 * (v1.ResourceAccessListOutput), each group with "how" (libbaton extension): per entitlement,
 * whether the principal holds it directly, through a stored expanded grant (its sources), or
 * through expansion not yet stored in the file.
 */
void xp_api_access(request *rq, explorer *x, const char *type, const char *id)
{
	static const char *const known[] = {NULL};
	C1__Connector__V2__Resource *pr;
	C1__Connector__V2__ResourceType *prt;
	holdings h;
	if (!xp_check_params(rq, known) || !xp_need_type(rq, x, type, &prt) || !xp_need_resource(rq, x, type, id, &pr))
		return;
	int rc = load_holdings(rq, x, type, id, &h);
	strmap groups;
	strmap_init(&groups, &rq->a);
	agroup *head = NULL, **tail = &head;
	for (holding *e = rc < 0 ? NULL : h.head; e; e = e->next) {
		C1__Connector__V2__Entitlement *en;
		if ((rc = lookup_entitlement(x->t->lk, e->id, &en)) < 0)
			break;
		C1__Connector__V2__ResourceId *rid = en->resource ? en->resource->id : NULL;
		const char *rt = rid && rid->resource_type ? rid->resource_type : "";
		const char *r = rid && rid->resource ? rid->resource : "";
		char *key = baton_arena_alloc(&rq->a, strlen(rt) + strlen(r) + 2);
		if (!key) {
			rc = baton_error_set(BATON_EEXHAUSTED, "out of memory");
			break;
		}
		sprintf(key, "%s\x1f%s", rt, r);
		agroup *grp = strmap_get(&groups, key, strlen(key));
		if (!grp) {
			if (!(grp = baton_arena_alloc(&rq->a, sizeof(*grp)))) {
				rc = baton_error_set(BATON_EEXHAUSTED, "out of memory");
				break;
			}
			memset(grp, 0, sizeof(*grp));
			if ((rc = lookup_resource(x->t->lk, rid, &grp->res)) < 0 ||
			    (rc = lookup_resource_type(x->t->lk, rt, &grp->rt)) < 0 ||
			    (rc = strmap_put(&groups, key, strlen(key), grp)) < 0)
				break;
			*tail = grp;
			tail = &grp->next;
		}
		xb_puts(&grp->ents, grp->n ? "," : "");
		xb_msg(&grp->ents, &en->base);
		xbuf *w = &grp->how;
		xb_puts(w, grp->n ? "," : "");
		xb_puts(w, "{\"entitlement_id\":");
		xb_str(w, e->id);
		xb_printf(w, ",\"direct\":%s,\"expanded\":%s,\"stored\":%s", e->direct ? "true" : "false",
		          e->direct ? "false" : "true", e->stored ? "true" : "false");
		if (e->grant_id) {
			xb_puts(w, ",\"grant_id\":");
			xb_str(w, e->grant_id);
			xb_puts(w, ",\"sources\":");
			xb_putn(w, e->sources.p ? e->sources.p : "[]", e->sources.p ? e->sources.len : 2);
		}
		xb_puts(w, "}");
		grp->n++;
	}
	if (rc == 0) {
		xbuf *b = &rq->body;
		xp_data_begin(rq);
		xb_puts(b, "{\"principal\":");
		xb_msg(b, &pr->base);
		size_t n = 0;
		for (agroup *g = head; g; g = g->next) {
			xb_puts(b, n++ ? "," : ",\"access\":[");
			xb_puts(b, "{\"resource\":");
			xb_msg(b, &g->res->base);
			xb_puts(b, ",\"resource_type\":");
			xb_msg(b, &g->rt->base);
			xb_puts(b, ",\"entitlements\":[");
			xb_putn(b, g->ents.p ? g->ents.p : "", g->ents.len);
			xb_puts(b, "],\"how\":[");
			xb_putn(b, g->how.p ? g->how.p : "", g->how.len);
			xb_puts(b, "]}");
		}
		xb_puts(b, n ? "]}}" : "}}");
	}
	for (agroup *g = head; g; g = g->next) {
		xb_free(&g->ents);
		xb_free(&g->how);
	}
	strmap_free(&groups);
	free_holdings(&h);
	if (rc < 0)
		xp_set_lib_error(rq, rc);
}

/* Writes an entitlement node of the path graph. */
static int path_node(xbuf *b, explorer *x, const char *eid, bool direct, bool target, bool source, size_t n)
{
	C1__Connector__V2__Entitlement *en;
	C1__Connector__V2__Resource *res = NULL;
	C1__Connector__V2__ResourceType *rt = NULL;
	int rc = lookup_entitlement(x->t->lk, eid, &en);
	if (rc < 0)
		return rc;
	C1__Connector__V2__ResourceId *rid = en->resource ? en->resource->id : NULL;
	if ((rc = lookup_resource(x->t->lk, rid, &res)) < 0 ||
	    (rc = lookup_resource_type(x->t->lk, rid ? rid->resource_type : "", &rt)) < 0)
		return rc;
	xb_puts(b, n ? ",{\"id\":" : "{\"id\":");
	xb_str(b, eid);
	xb_puts(b, ",\"kind\":\"entitlement\",\"label\":");
	xb_str(b, en->display_name && *en->display_name ? en->display_name : en->slug ? en->slug : eid);
	xb_puts(b, ",\"slug\":");
	xb_str(b, en->slug);
	xb_puts(b, ",\"resource\":");
	xb_str(b, pb_display_resource(res));
	xb_puts(b, ",\"resource_type\":");
	xb_str(b, pb_display_resource_type(rt));
	xb_printf(b, ",\"direct\":%s,\"target\":%s,\"source\":%s}", direct ? "true" : "false",
	          target ? "true" : "false", source ? "true" : "false");
	return 0;
}

/*
 * /api/path/:principalType/:principalId?entitlement_id=ID (libbaton): why the principal holds the
 * entitlement. The graph holds the principal, the entitlements it holds directly, and every
 * entitlement on an expansion path from those to ID; its edges are the direct grants and the
 * GrantExpandable edges (each with the grant that carries it). "sources" are the stored grant's.
 */
void xp_api_path(request *rq, explorer *x, const char *type, const char *id)
{
	static const char *const known[] = {"entitlement_id", NULL};
	C1__Connector__V2__Resource *pr;
	C1__Connector__V2__ResourceType *prt;
	holdings h;
	if (!xp_check_params(rq, known))
		return;
	const char *target = xp_qget(rq, "entitlement_id");
	if (!target || !*target) {
		xp_set_error(rq, 400, "entitlement_id is required");
		return;
	}
	if (!xp_need_type(rq, x, type, &prt) || !xp_need_resource(rq, x, type, id, &pr))
		return;
	C1__Connector__V2__Entitlement *ten;
	int rc = lookup_entitlement(x->t->lk, target, &ten);
	if (rc < 0) {
		xp_set_lib_error(rq, rc);
		return;
	}
	if (ten->display_name && strncmp(ten->display_name, "MISSING ENTITLEMENT (", 21) == 0) {
		xp_set_error(rq, 404, "no entitlement \"%s\" in this sync", target);
		return;
	}
	if ((rc = load_holdings(rq, x, type, id, &h)) < 0) {
		free_holdings(&h);
		xp_set_lib_error(rq, rc);
		return;
	}
	holding *th = strmap_get(&h.map, target, strlen(target));
	if (!th) {
		free_holdings(&h);
		xp_set_error(rq, 404, "%s:%s does not hold entitlement \"%s\"", type, id, target);
		return;
	}
	/* Backwards from the target over usable edges (source held, shallow only from direct). */
	strmap in_graph;
	strmap_init(&in_graph, &rq->a);
	const char **queue = baton_arena_alloc(&rq->a, (h.n + 1) * sizeof(*queue));
	const xedge **edges = NULL;
	size_t qn = 0, ne = 0, ecap = 0;
	bool truncated = false;
	if (!queue) {
		rc = baton_error_set(BATON_EEXHAUSTED, "out of memory");
		goto done;
	}
	queue[qn++] = th->id;
	strmap_put(&in_graph, th->id, strlen(th->id), th);
	for (size_t qi = 0; qi < qn; qi++) {
		for (const xedge *e = strmap_get(&x->in_edges, queue[qi], strlen(queue[qi])); e; e = e->next_in) {
			holding *sh = strmap_get(&h.map, e->src, strlen(e->src));
			if (!sh || !edge_applies(e, type) || (e->shallow && !sh->direct))
				continue;
			if (ne == ecap) {
				ecap = ecap ? ecap * 2 : 16;
				const xedge **ng = realloc(edges, ecap * sizeof(*ng));
				if (!ng) {
					rc = baton_error_set(BATON_EEXHAUSTED, "out of memory");
					goto done;
				}
				edges = ng;
			}
			edges[ne++] = e;
			if (!strmap_get(&in_graph, sh->id, strlen(sh->id))) {
				if (qn >= MAX_PATH_NODES) {
					truncated = true;
					continue;
				}
				strmap_put(&in_graph, sh->id, strlen(sh->id), sh);
				queue[qn++] = sh->id;
			}
		}
	}
	xbuf *b = &rq->body;
	xp_data_begin(rq);
	xb_puts(b, "{\"principal\":");
	xb_msg(b, &pr->base);
	xb_puts(b, ",\"principal_resource_type\":");
	xb_msg(b, &prt->base);
	xb_puts(b, ",\"entitlement\":");
	xb_msg(b, &ten->base);
	xb_printf(b, ",\"direct\":%s,\"stored\":%s", th->direct ? "true" : "false", th->stored ? "true" : "false");
	if (th->grant_id) {
		xb_puts(b, ",\"grant_id\":");
		xb_str(b, th->grant_id);
		xb_puts(b, ",\"sources\":");
		xb_putn(b, th->sources.p ? th->sources.p : "[]", th->sources.p ? th->sources.len : 2);
	}
	xb_puts(b, ",\"nodes\":[{\"id\":");
	char pkey[600];
	snprintf(pkey, sizeof(pkey), "principal:%s:%s", type, id);
	xb_str(b, pkey);
	xb_puts(b, ",\"kind\":\"principal\",\"label\":");
	xb_str(b, pb_display_resource(pr));
	xb_puts(b, ",\"resource_type\":");
	xb_str(b, pb_display_resource_type(prt));
	xb_puts(b, "}");
	for (size_t i = 0; i < qn && rc == 0; i++) {
		holding *nh = strmap_get(&h.map, queue[i], strlen(queue[i]));
		bool is_source = false;
		for (size_t k = 0; k < ne && !is_source; k++)
			is_source = edges[k]->dst == th->id ? strcmp(edges[k]->src, queue[i]) == 0 : false;
		if (!is_source && th->sources.p) {
			/* a stored source names it */
			xbuf needle = {0};
			xb_puts(&needle, "{\"entitlement_id\":");
			xb_str(&needle, queue[i]);
			is_source = needle.p && strstr(th->sources.p, needle.p) != NULL;
			xb_free(&needle);
		}
		rc = path_node(b, x, queue[i], nh && nh->direct, i == 0, is_source && i != 0, 1);
	}
	xb_puts(b, "],\"edges\":[");
	size_t n_out = 0;
	for (size_t i = 0; i < qn; i++) {
		holding *nh = strmap_get(&h.map, queue[i], strlen(queue[i]));
		if (!nh || !nh->direct)
			continue;
		xb_puts(b, n_out++ ? ",{\"from\":" : "{\"from\":");
		xb_str(b, pkey);
		xb_puts(b, ",\"to\":");
		xb_str(b, queue[i]);
		xb_puts(b, ",\"kind\":\"direct\"");
		if (nh->grant_id) {
			xb_puts(b, ",\"grant_id\":");
			xb_str(b, nh->grant_id);
		}
		xb_puts(b, "}");
	}
	for (size_t k = 0; k < ne; k++) {
		const xedge *e = edges[k];
		if (!strmap_get(&in_graph, e->src, strlen(e->src)))
			continue;
		C1__Connector__V2__ResourceId vid = C1__CONNECTOR__V2__RESOURCE_ID__INIT;
		C1__Connector__V2__Resource *via = NULL;
		vid.resource_type = (char *)e->via_type;
		vid.resource = (char *)e->via_id;
		lookup_resource(x->t->lk, &vid, &via);
		xb_puts(b, n_out++ ? ",{\"from\":" : "{\"from\":");
		xb_str(b, e->src);
		xb_puts(b, ",\"to\":");
		xb_str(b, e->dst);
		xb_printf(b, ",\"kind\":\"expands\",\"shallow\":%s,\"grant_id\":", e->shallow ? "true" : "false");
		xb_str(b, e->grant_id);
		xb_puts(b, ",\"via\":{\"resource_type\":");
		xb_str(b, e->via_type);
		xb_puts(b, ",\"resource\":");
		xb_str(b, e->via_id);
		xb_puts(b, ",\"display_name\":");
		xb_str(b, pb_display_resource(via));
		xb_puts(b, "}}");
	}
	xb_printf(b, "],\"truncated\":%s}}", truncated ? "true" : "false");
done:
	free(edges);
	strmap_free(&in_graph);
	free_holdings(&h);
	if (rc < 0)
		xp_set_lib_error(rq, rc);
}

#endif /* BATON_HAVE_MHD */
