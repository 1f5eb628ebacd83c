/* The listing commands: resource-types, resources, entitlements, grants, principals, access. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

/* Common state of one listing: the open store, the lookups, the row arena, the output. */
typedef struct listing {
	tool *t;
	baton_arena row;      /* memory of one row, reset after it is written */
	json_list json;
	table *tb;
} listing;

static int listing_start(listing *l, tool *t, const char *json_field, size_t n_cols,
                         const char *const *headers)
{
	int rc;

	memset(l, 0, sizeof(*l));
	l->t = t;
	baton_arena_init(&l->row);
	if ((rc = tool_open(t, true)) != 0)
		return rc;
	if (lookup_new(t, &t->lk) < 0)
		return tool_fail_last();
	if (t->format == FORMAT_JSON) {
		json_list_begin(&l->json, stdout, json_field);
	} else if (!(l->tb = table_new(n_cols, headers))) {
		return tool_fail_last();
	}
	return 0;
}

/* Writes one row: its message in JSON mode, its cells in console mode. */
static int listing_row(listing *l, const ProtobufCMessage *msg, const char *const *cells)
{
	int rc = l->t->format == FORMAT_JSON ? json_list_add(&l->json, msg) : table_add(l->tb, cells);
	baton_arena_reset(&l->row);
	return rc;
}

/* Ends the listing; `rc` is the status so far (a negative library code, or 0). */
static int listing_finish(listing *l, int rc)
{
	if (rc == 0) {
		if (l->t->format == FORMAT_JSON)
			rc = json_list_end(&l->json);
		else
			table_print(l->tb, stdout);
	}
	table_free(l->tb);
	baton_arena_release(&l->row);
	if (rc < 0) {
		if (l->t->format == FORMAT_JSON && l->json.n)
			fputc('\n', stdout);
		return tool_fail_last();
	}
	return TOOL_EXIT_OK;
}

static const char *flag_value(const tool *t, tool_flag_id id)
{
	return t->args.given[id] ? t->args.value[id] : NULL;
}

static char *trait_names(baton_arena *a, const C1__Connector__V2__ResourceType *rt)
{
	size_t len = 1;
	for (size_t i = 0; i < rt->n_traits; i++) {
		const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(
			&c1__connector__v2__resource_type__trait__descriptor, (int)rt->traits[i]);
		len += (v ? strlen(v->name) : 12) + 2;
	}
	char *s = baton_arena_alloc(a, len);
	if (!s)
		return NULL;
	for (size_t i = 0; i < rt->n_traits; i++) {
		const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(
			&c1__connector__v2__resource_type__trait__descriptor, (int)rt->traits[i]);
		char num[16];
		snprintf(num, sizeof(num), "%d", (int)rt->traits[i]);
		if (i)
			strcat(s, ", ");
		strcat(s, v ? v->name : num);
	}
	return s;
}

int cmd_resource_types(tool *t)
{
	static const char *const headers[] = {"ID", "Display Name", "Traits"};
	listing l;
	baton_store_iter *it = NULL;
	baton_resource_type *rt;
	int rc;

	if ((rc = listing_start(&l, t, "resourceTypes", 3, headers)) != 0)
		return rc;
	baton_store_query q = BATON_STORE_QUERY_INIT;
	q.sync_id = tool_query_sync(t);
	rc = baton_store_list_resource_types(t->store, &q, &it);
	while (rc == 0 && (rc = baton_store_iter_next_resource_type(it, &rt)) == 0) {
		C1__Connector__V2__ResourceType *m = pb_resource_type(&l.row, rt);
		if (!m) {
			rc = BATON_EDATALOSS;
			break;
		}
		pb_prune_unknown_any(&m->base);
		Baton__V1__ResourceTypeOutput o = BATON__V1__RESOURCE_TYPE_OUTPUT__INIT;
		o.resource_type = m;
		const char *cells[] = {m->id, m->display_name, trait_names(&l.row, m)};
		rc = listing_row(&l, &o.base, cells);
	}
	baton_store_iter_free(it);
	return listing_finish(&l, rc == BATON_ITEROVER ? 0 : rc);
}

/* A ResourceOutput for r: its type and parent looked up. */
static int resource_output(tool *t, C1__Connector__V2__Resource *r, Baton__V1__ResourceOutput *o)
{
	int rc;

	baton__v1__resource_output__init(o);
	o->resource = r;
	if ((rc = lookup_resource_type(t->lk, r->id ? r->id->resource_type : "", &o->resource_type)) < 0)
		return rc;
	if (r->parent_resource_id && (rc = lookup_resource(t->lk, r->parent_resource_id, &o->parent)) < 0)
		return rc;
	return 0;
}

static int resource_row(listing *l, C1__Connector__V2__Resource *r)
{
	Baton__V1__ResourceOutput o;
	int rc;
	char parent[1024] = "-";

	if ((rc = resource_output(l->t, r, &o)) < 0)
		return rc;
	if (o.parent)
		snprintf(parent, sizeof(parent), "%s (%s)", pb_display_resource(o.parent),
		         o.parent->id && o.parent->id->resource_type ? o.parent->id->resource_type : "");
	const char *cells[] = {r->id ? r->id->resource : "", r->display_name,
	                       pb_display_resource_type(o.resource_type), parent};
	return listing_row(l, &o.base, cells);
}

static const char *const resource_headers[] = {"ID", "Display Name", "Resource Type", "Parent Resource"};

int cmd_resources(tool *t)
{
	listing l;
	baton_store_iter *it = NULL;
	baton_resource *r;
	int rc;

	if ((rc = listing_start(&l, t, "resources", 4, resource_headers)) != 0)
		return rc;
	baton_store_query q = BATON_STORE_QUERY_INIT;
	q.sync_id = tool_query_sync(t);
	const char *type = flag_value(t, FLAG_RESOURCE_TYPE);
	if (type && *type)
		q.resource_type_id = type;
	rc = baton_store_list_resources(t->store, &q, &it);
	while (rc == 0 && (rc = baton_store_iter_next_resource(it, &r)) == 0) {
		C1__Connector__V2__Resource *m = pb_resource(&l.row, r);
		if (!m) {
			rc = BATON_EDATALOSS;
			break;
		}
		pb_prune_unknown_any(&m->base);
		rc = resource_row(&l, m);
	}
	baton_store_iter_free(it);
	return listing_finish(&l, rc == BATON_ITEROVER ? 0 : rc);
}

int cmd_entitlements(tool *t)
{
	static const char *const headers[] = {"ID", "Display Name", "Resource Type", "Resource", "Permission"};
	listing l;
	baton_store_iter *it = NULL;
	baton_entitlement *e;
	int rc;

	/* -t TYPE alone: entitlements on resources of that type; -t TYPE -r ID: on that resource
	 * (the same pairing as `grants`). */
	baton_store_query q = BATON_STORE_QUERY_INIT;
	baton_resource_id only;
	const char *type = flag_value(t, FLAG_RESOURCE_TYPE);
	const char *res = flag_value(t, FLAG_RESOURCE);
	if (res) {
		if (!type || !*type || !*res)
			return tool_usage_fail("--resource-type and --resource are required (both non-empty)");
		only.resource_type = type;
		only.resource = res;
		q.resource = &only;
	} else if (type) {
		if (!*type)
			return tool_usage_fail("--resource-type needs a non-empty value");
		q.resource_type_id = type;
	}
	if ((rc = listing_start(&l, t, "entitlements", 5, headers)) != 0)
		return rc;
	q.sync_id = tool_query_sync(t);
	rc = baton_store_list_entitlements(t->store, &q, &it);
	while (rc == 0 && (rc = baton_store_iter_next_entitlement(it, &e)) == 0) {
		C1__Connector__V2__Entitlement *m = pb_entitlement(&l.row, e);
		if (!m) {
			rc = BATON_EDATALOSS;
			break;
		}
		pb_prune_unknown_any(&m->base);
		Baton__V1__EntitlementOutput o = BATON__V1__ENTITLEMENT_OUTPUT__INIT;
		o.entitlement = m;
		C1__Connector__V2__ResourceId *rid = m->resource ? m->resource->id : NULL;
		if ((rc = lookup_resource_type(t->lk, rid ? rid->resource_type : "", &o.resource_type)) < 0 ||
		    (rc = lookup_resource(t->lk, rid, &o.resource)) < 0)
			break;
		const char *cells[] = {m->id, m->display_name, pb_display_resource_type(o.resource_type),
		                       pb_display_resource(o.resource), m->slug};
		rc = listing_row(&l, &o.base, cells);
	}
	baton_store_iter_free(it);
	return listing_finish(&l, rc == BATON_ITEROVER ? 0 : rc);
}

/*
 * Checks the -t/-r/-e combination shared by grants and principals and fills the query.
 * `together` requires -t and -r to come as a pair (principals).
 */
static int grant_filter(tool *t, baton_store_query *q, baton_resource_id *rid, bool together)
{
	const char *type = flag_value(t, FLAG_RESOURCE_TYPE);
	const char *res = flag_value(t, FLAG_RESOURCE);
	const char *ent = flag_value(t, FLAG_ENTITLEMENT);

	if (res && ent)
		return tool_usage_fail("flags -r/--resource and -e/--entitlement cannot be used together");
	if (together && (type != NULL) != (res != NULL))
		return tool_usage_fail("flags -t/--resource-type and -r/--resource must be given together");
	if (res) {
		if (!type || !*type || !*res)
			return tool_usage_fail("--resource-type and --resource are required (both non-empty)");
		rid->resource_type = type;
		rid->resource = res;
		q->resource = rid;
		return 0;
	}
	if (type) {
		if (!*type)
			return tool_usage_fail("--resource-type needs a non-empty value");
		q->resource_type_id = type;
	}
	if (ent) {
		if (!*ent)
			return tool_usage_fail("--entitlement needs a non-empty value");
		q->entitlement_id = ent;
	}
	return 0;
}

int cmd_grants(tool *t)
{
	static const char *const headers[] = {"ID", "Resource Type", "Resource", "Entitlement", "Principal"};
	baton_store_query q = BATON_STORE_QUERY_INIT;
	baton_resource_id rid;
	listing l;
	baton_store_iter *it = NULL;
	baton_grant *g;
	int rc;

	if ((rc = grant_filter(t, &q, &rid, false)) != 0)
		return rc;
	if ((rc = listing_start(&l, t, "grants", 5, headers)) != 0)
		return rc;
	q.sync_id = tool_query_sync(t);
	rc = baton_store_list_grants(t->store, &q, &it);
	while (rc == 0 && (rc = baton_store_iter_next_grant(it, &g)) == 0) {
		C1__Connector__V2__Grant *m = pb_grant(&l.row, g);
		if (!m) {
			rc = BATON_EDATALOSS;
			break;
		}
		pb_prune_unknown_any(&m->base);
		pb_grant_drop_expandable(m);
		Baton__V1__GrantOutput o = BATON__V1__GRANT_OUTPUT__INIT;
		o.grant = m;
		C1__Connector__V2__ResourceId *res_id =
			m->entitlement && m->entitlement->resource ? m->entitlement->resource->id : NULL;
		if ((rc = lookup_entitlement(t->lk, m->entitlement ? m->entitlement->id : "", &o.entitlement)) < 0 ||
		    (rc = lookup_resource(t->lk, m->principal ? m->principal->id : NULL, &o.principal)) < 0 ||
		    (rc = lookup_resource(t->lk, res_id, &o.resource)) < 0 ||
		    (rc = lookup_resource_type(t->lk, res_id ? res_id->resource_type : "", &o.resource_type)) < 0)
			break;
		const char *cells[] = {m->id, pb_display_resource_type(o.resource_type),
		                       pb_display_resource(o.resource), o.entitlement->display_name,
		                       pb_display_resource(o.principal)};
		rc = listing_row(&l, &o.base, cells);
	}
	baton_store_iter_free(it);
	return listing_finish(&l, rc == BATON_ITEROVER ? 0 : rc);
}

int cmd_principals(tool *t)
{
	baton_store_query q = BATON_STORE_QUERY_INIT;
	baton_resource_id rid;
	listing l;
	baton_store_iter *it = NULL;
	baton_grant *g;
	strmap seen;
	int rc;

	if ((rc = grant_filter(t, &q, &rid, true)) != 0)
		return rc;
	if ((rc = listing_start(&l, t, "resources", 4, resource_headers)) != 0)
		return rc;
	strmap_init(&seen, &t->arena);
	q.sync_id = tool_query_sync(t);
	rc = baton_store_list_grants(t->store, &q, &it);
	while (rc == 0 && (rc = baton_store_iter_next_grant(it, &g)) == 0) {
		baton_resource_id p = baton_grant_principal_id(g);
		size_t tl = strlen(p.resource_type), rl = strlen(p.resource);
		char *key = baton_arena_alloc(&l.row, tl + rl + 2);
		if (!key) {
			rc = baton_error_set(BATON_EEXHAUSTED, "out of memory");
			break;
		}
		memcpy(key, p.resource_type, tl);
		key[tl] = '\x1f';
		memcpy(key + tl + 1, p.resource, rl);
		if (strmap_get(&seen, key, tl + rl + 1)) {
			baton_arena_reset(&l.row);
			continue;
		}
		if ((rc = strmap_put(&seen, key, tl + rl + 1, &seen)) < 0)
			break;
		C1__Connector__V2__ResourceId pid = C1__CONNECTOR__V2__RESOURCE_ID__INIT;
		pid.resource_type = (char *)p.resource_type;
		pid.resource = (char *)p.resource;
		C1__Connector__V2__Resource *r;
		if ((rc = lookup_resource(t->lk, &pid, &r)) < 0)
			break;
		rc = resource_row(&l, r);
	}
	baton_store_iter_free(it);
	rc = listing_finish(&l, rc == BATON_ITEROVER ? 0 : rc);
	strmap_free(&seen);
	return rc;
}

/* ---- access ------------------------------------------------------------------------------ */

/* An expansion edge: holders of the source entitlement also get `dst`. */
typedef struct edge {
	const char *dst;
	bool shallow;
	const char *const *types;   /* principal types it applies to; none: all */
	size_t n_types;
	struct edge *next;
} edge;

typedef struct held {
	const char *id;
	bool direct;
} held;

typedef struct access_state {
	tool *t;
	strmap edges;    /* source entitlement id -> edge list */
	strmap held;     /* entitlement id -> held */
	held **order;    /* in the order they were found */
	size_t n, cap;
	bool follow;     /* --with-expansion: dedupe and follow GrantExpandable edges */
} access_state;

static int hold(access_state *st, const char *id, bool direct, bool *added)
{
	/* As the Go tool, one entry per stored grant unless following expansion. */
	held *h = st->follow ? strmap_get(&st->held, id, strlen(id)) : NULL;
	*added = false;
	if (h) {
		h->direct |= direct;
		return 0;
	}
	if (!(h = baton_arena_alloc(&st->t->arena, sizeof(*h))) ||
	    !(h->id = baton_arena_strdup(&st->t->arena, id)))
		return baton_error_set(BATON_EEXHAUSTED, "out of memory");
	h->direct = direct;
	if (st->n == st->cap) {
		size_t ncap = st->cap ? st->cap * 2 : 64;
		held **n = realloc(st->order, ncap * sizeof(*n));
		if (!n)
			return baton_error_set(BATON_EEXHAUSTED, "out of memory");
		st->order = n;
		st->cap = ncap;
	}
	st->order[st->n++] = h;
	*added = true;
	return strmap_put(&st->held, h->id, strlen(h->id), h);
}

/* Reads every GrantExpandable of the sync into the edge map. */
static int load_edges(access_state *st)
{
	baton_arena *a = &st->t->arena;
	baton_store_query q = BATON_STORE_QUERY_INIT;
	baton_store_iter *it = NULL;
	baton_grant *g;
	baton_ctx *ctx = NULL;
	int rc;

	q.sync_id = tool_query_sync(st->t);
	rc = baton_store_list_grants(st->t->store, &q, &it);
	while (rc == 0 && (rc = baton_store_iter_next_grant(it, &g)) == 0) {
		const char *const *ids, *const *types;
		size_t n, n_types;
		bool shallow;

		if (!ctx && (rc = baton_ctx_new(&ctx)) < 0)
			break;
		rc = baton_grant_expandable(g, ctx, &ids, &n, &shallow, &types, &n_types);
		if (rc == BATON_ENOTFOUND) {
			rc = 0;
			continue;
		}
		if (rc < 0)
			break;
		const char *dst = baton_arena_strdup(a, baton_grant_entitlement_id(g));
		const char **tcopy = n_types ? baton_arena_alloc(a, n_types * sizeof(*tcopy)) : NULL;
		if (!dst || (n_types && !tcopy)) {
			rc = baton_error_set(BATON_EEXHAUSTED, "out of memory");
			break;
		}
		for (size_t i = 0; i < n_types; i++) {
			if (!(tcopy[i] = baton_arena_strdup(a, types[i]))) {
				rc = baton_error_set(BATON_EEXHAUSTED, "out of memory");
				break;
			}
		}
		for (size_t i = 0; rc == 0 && i < n; i++) {
			edge *e = baton_arena_alloc(a, sizeof(*e));
			if (!e) {
				rc = baton_error_set(BATON_EEXHAUSTED, "out of memory");
				break;
			}
			e->dst = dst;
			e->shallow = shallow;
			e->types = tcopy;
			e->n_types = n_types;
			e->next = strmap_get(&st->edges, ids[i], strlen(ids[i]));
			rc = strmap_put(&st->edges, ids[i], strlen(ids[i]), e);
		}
		baton_ctx_free(ctx);
		ctx = NULL;
	}
	baton_ctx_free(ctx);
	baton_store_iter_free(it);
	return rc == BATON_ITEROVER ? 0 : rc;
}

static bool edge_applies(const edge *e, const char *principal_type)
{
	if (!e->n_types)
		return true;
	for (size_t i = 0; i < e->n_types; i++) {
		if (strcmp(e->types[i], principal_type) == 0)
			return true;
	}
	return false;
}

typedef struct access_group {
	Baton__V1__ResourceAccessOutput out;
	size_t cap;
} access_group;

/* The Go tool's pterm tree: the principal at the root, resources under it, entitlement slugs
 * (as given: no fallback) under those, and an empty line at the end. */
static void print_access_tree(const Baton__V1__ResourceAccessListOutput *o)
{
	const C1__Connector__V2__Resource *p = o->principal;
	printf("\u2514\u2500\u252cEffective Access for %s (%s)\n", p->display_name ? p->display_name : "",
	       p->id && p->id->resource_type ? p->id->resource_type : "");
	for (size_t i = 0; i < o->n_access; i++) {
		const Baton__V1__ResourceAccessOutput *g = o->access[i];
		bool last = i + 1 == o->n_access;
		const char *branch = last ? "\u2514" : "\u251c";
		printf("  %s\u2500%s%s (%s)\n", branch, g->n_entitlements ? "\u252c" : "\u2500",
		       g->resource && g->resource->display_name ? g->resource->display_name : "",
		       g->resource_type && g->resource_type->display_name ? g->resource_type->display_name : "");
		for (size_t j = 0; j < g->n_entitlements; j++) {
			const char *slug = g->entitlements[j]->slug ? g->entitlements[j]->slug : "";
			printf("  %s %s\u2500\u2500%s\n", last ? " " : "\u2502",
			       j + 1 == g->n_entitlements ? "\u2514" : "\u251c", slug);
		}
	}
	printf("\n");
}

int cmd_access(tool *t)
{
	const char *type = flag_value(t, FLAG_RESOURCE_TYPE);
	const char *res = flag_value(t, FLAG_RESOURCE);
	access_state st;
	baton_store_iter *it = NULL;
	baton_grant *g;
	strmap groups;
	access_group **list = NULL;
	size_t n_list = 0;
	int rc;

	if (!type || !res || !*type || !*res)
		return tool_usage_fail("access needs both -t/--resource-type and -r/--resource (the principal)");
	if ((rc = tool_open(t, true)) != 0)
		return rc;
	if (lookup_new(t, &t->lk) < 0)
		return tool_fail_last();

	memset(&st, 0, sizeof(st));
	st.t = t;
	st.follow = t->args.given[FLAG_WITH_EXPANSION];
	strmap_init(&st.edges, &t->arena);
	strmap_init(&st.held, &t->arena);
	strmap_init(&groups, &t->arena);

	C1__Connector__V2__ResourceId pid = C1__CONNECTOR__V2__RESOURCE_ID__INIT;
	pid.resource_type = (char *)type;
	pid.resource = (char *)res;
	Baton__V1__ResourceAccessListOutput out = BATON__V1__RESOURCE_ACCESS_LIST_OUTPUT__INIT;
	if ((rc = lookup_resource(t->lk, &pid, &out.principal)) < 0)
		goto done;

	/* The principal's own grants: direct on their entitlement unless the expander made them. */
	baton_store_query q = BATON_STORE_QUERY_INIT;
	baton_resource_id principal = {type, res};
	q.sync_id = tool_query_sync(t);
	q.principal = &principal;
	rc = baton_store_list_grants(t->store, &q, &it);
	while (rc == 0 && (rc = baton_store_iter_next_grant(it, &g)) == 0) {
		const char *eid = baton_grant_entitlement_id(g);
		size_t n = baton_grant_source_count(g);
		bool direct = n == 0, added;
		for (size_t i = 0; i < n && !direct; i++)
			direct = strcmp(baton_grant_source_at(g, i, NULL), eid) == 0;
		rc = hold(&st, eid, direct, &added);
	}
	baton_store_iter_free(it);
	if (rc != BATON_ITEROVER)
		goto done;

	/* --with-expansion: what grant expansion gives on top (nothing new once the sync has been
	 * expanded). The Go tool lists the stored grants only. */
	if (st.follow && (rc = load_edges(&st)) < 0)
		goto done;
	for (size_t i = 0; st.follow && i < st.n; i++) {
		held *h = st.order[i];
		for (const edge *e = strmap_get(&st.edges, h->id, strlen(h->id)); e; e = e->next) {
			bool added;
			if (!edge_applies(e, type) || (e->shallow && !h->direct))
				continue;
			if ((rc = hold(&st, e->dst, false, &added)) < 0)
				goto done;
		}
	}

	/* Group by the entitlement's resource, in the order first seen. */
	for (size_t i = 0; i < st.n; i++) {
		C1__Connector__V2__Entitlement *en;
		if ((rc = lookup_entitlement(t->lk, st.order[i]->id, &en)) < 0)
			goto done;
		C1__Connector__V2__ResourceId *rid = en->resource ? en->resource->id : NULL;
		const char *rt = rid && rid->resource_type ? rid->resource_type : "";
		const char *r = rid && rid->resource ? rid->resource : "";
		size_t tl = strlen(rt), rl = strlen(r);
		char *key = baton_arena_alloc(&t->arena, tl + rl + 2);
		if (!key) {
			rc = baton_error_set(BATON_EEXHAUSTED, "out of memory");
			goto done;
		}
		memcpy(key, rt, tl);
		key[tl] = '\x1f';
		memcpy(key + tl + 1, r, rl);
		access_group *grp = strmap_get(&groups, key, tl + rl + 1);
		if (!grp) {
			if (!(grp = baton_arena_alloc(&t->arena, sizeof(*grp)))) {
				rc = baton_error_set(BATON_EEXHAUSTED, "out of memory");
				goto done;
			}
			baton__v1__resource_access_output__init(&grp->out);
			if ((rc = lookup_resource(t->lk, rid, &grp->out.resource)) < 0 ||
			    (rc = lookup_resource_type(t->lk, rt, &grp->out.resource_type)) < 0 ||
			    (rc = strmap_put(&groups, key, tl + rl + 1, grp)) < 0)
				goto done;
			access_group **nl = realloc(list, (n_list + 1) * sizeof(*nl));
			if (!nl) {
				rc = baton_error_set(BATON_EEXHAUSTED, "out of memory");
				goto done;
			}
			list = nl;
			list[n_list++] = grp;
		}
		if (grp->out.n_entitlements == grp->cap) {
			size_t ncap = grp->cap ? grp->cap * 2 : 8;
			C1__Connector__V2__Entitlement **ne = baton_arena_alloc(&t->arena, ncap * sizeof(*ne));
			if (!ne) {
				rc = baton_error_set(BATON_EEXHAUSTED, "out of memory");
				goto done;
			}
			if (grp->out.n_entitlements)
				memcpy(ne, grp->out.entitlements, grp->out.n_entitlements * sizeof(*ne));
			grp->out.entitlements = ne;
			grp->cap = ncap;
		}
		grp->out.entitlements[grp->out.n_entitlements++] = en;
	}

	Baton__V1__ResourceAccessOutput **acc = n_list ? baton_arena_alloc(&t->arena, n_list * sizeof(*acc)) : NULL;
	if (n_list && !acc) {
		rc = baton_error_set(BATON_EEXHAUSTED, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < n_list; i++)
		acc[i] = &list[i]->out;
	out.n_access = n_list;
	out.access = acc;
	rc = 0;
	if (t->format == FORMAT_JSON)
		rc = pb_write_json(stdout, &out.base);
	else
		print_access_tree(&out);

done:
	free(list);
	free(st.order);
	strmap_free(&st.edges);
	strmap_free(&st.held);
	strmap_free(&groups);
	return rc < 0 ? tool_fail_last() : TOOL_EXIT_OK;
}
