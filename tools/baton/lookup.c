/*
 * Cached point reads of resource types, resources and entitlements, for decorating rows with the
 * objects they refer to. A row that points at something absent from the sync gets a placeholder
 * named as the Go tool names it, so one dangling reference never stops a listing.
 */
#include "cli.h"

#include <string.h>

struct lookup {
	tool *t;
	strmap rts, resources, entitlements;
};

int lookup_new(tool *t, lookup **out)
{
	lookup *lk = baton_arena_alloc(&t->arena, sizeof(*lk));
	if (!lk)
		return baton_error_set(BATON_EEXHAUSTED, "out of memory");
	lk->t = t;
	strmap_init(&lk->rts, &t->arena);
	strmap_init(&lk->resources, &t->arena);
	strmap_init(&lk->entitlements, &t->arena);
	*out = lk;
	return 0;
}

void lookup_free(lookup *lk)
{
	if (!lk)
		return;
	strmap_free(&lk->rts);
	strmap_free(&lk->resources);
	strmap_free(&lk->entitlements);
}

/* Concatenation of the non-NULL parts, in the arena. */
static char *join(baton_arena *a, const char *const *parts, size_t n)
{
	size_t len = 1;
	for (size_t i = 0; i < n; i++)
		len += parts[i] ? strlen(parts[i]) : 0;
	char *s = baton_arena_alloc(a, len), *p = s;
	if (!s)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		size_t l = parts[i] ? strlen(parts[i]) : 0;
		memcpy(p, parts[i] ? parts[i] : "", l);
		p += l;
	}
	*p = '\0';
	return s;
}

int lookup_resource_type(lookup *lk, const char *id, C1__Connector__V2__ResourceType **out)
{
	baton_arena *a = &lk->t->arena;
	C1__Connector__V2__ResourceType *m;
	baton_resource_type *rt;
	baton_ctx *ctx;
	int rc;

	if (!id)
		id = "";
	if ((m = strmap_get(&lk->rts, id, strlen(id)))) {
		*out = m;
		return 0;
	}
	if ((rc = baton_ctx_new(&ctx)) < 0)
		return rc;
	rc = baton_store_get_resource_type(lk->t->store, tool_query_sync(lk->t), id, ctx, &rt);
	if (rc == 0) {
		m = pb_resource_type(a, rt);
		if (!m)
			rc = baton_error_last()->code;
	} else if (rc == BATON_ENOTFOUND) {
		rc = 0;
		if ((m = baton_arena_alloc(a, sizeof(*m)))) {
			c1__connector__v2__resource_type__init(m);
			m->id = baton_arena_strdup(a, id);
			m->display_name = join(a, (const char *const[]){"MISSING RESOURCE TYPE (", id, ")"}, 3);
		}
	}
	baton_ctx_free(ctx);
	if (rc < 0)
		return rc;
	if (!m || !m->id)
		return baton_error_set(BATON_EEXHAUSTED, "out of memory");
	pb_prune_unknown_any(&m->base);
	if ((rc = strmap_put(&lk->rts, id, strlen(id), m)) < 0)
		return rc;
	*out = m;
	return 0;
}

int lookup_resource(lookup *lk, const C1__Connector__V2__ResourceId *rid, C1__Connector__V2__Resource **out)
{
	baton_arena *a = &lk->t->arena;
	C1__Connector__V2__Resource *m;
	baton_resource *r;
	baton_ctx *ctx;
	char keybuf[512];
	int rc;

	const char *type = rid && rid->resource_type ? rid->resource_type : "";
	const char *res = rid && rid->resource ? rid->resource : "";
	size_t tl = strlen(type), rl = strlen(res);
	char *key = tl + rl + 1 <= sizeof(keybuf) ? keybuf : baton_arena_alloc(a, tl + rl + 1);
	if (!key)
		return baton_error_set(BATON_EEXHAUSTED, "out of memory");
	memcpy(key, type, tl);
	key[tl] = '\x1f';
	memcpy(key + tl + 1, res, rl);

	if ((m = strmap_get(&lk->resources, key, tl + rl + 1))) {
		*out = m;
		return 0;
	}
	if ((rc = baton_ctx_new(&ctx)) < 0)
		return rc;
	baton_resource_id id = {type, res};
	rc = baton_store_get_resource(lk->t->store, tool_query_sync(lk->t), &id, ctx, &r);
	if (rc == 0) {
		m = pb_resource(a, r);
		if (!m)
			rc = baton_error_last()->code;
	} else if (rc == BATON_ENOTFOUND || rc == BATON_EINVALID) {
		/* Absent, or an id the library refuses to look up (empty parts): a placeholder. */
		rc = 0;
		C1__Connector__V2__ResourceId *nid = baton_arena_alloc(a, sizeof(*nid));
		if ((m = baton_arena_alloc(a, sizeof(*m))) && nid) {
			c1__connector__v2__resource__init(m);
			c1__connector__v2__resource_id__init(nid);
			nid->resource_type = baton_arena_strdup(a, type);
			nid->resource = baton_arena_strdup(a, res);
			m->id = nid;
			m->display_name = join(a, (const char *const[]){"MISSING RESOURCE (", type, ":", res, ")"}, 5);
		}
	}
	baton_ctx_free(ctx);
	if (rc < 0)
		return rc;
	if (!m || !m->display_name)
		return baton_error_set(BATON_EEXHAUSTED, "out of memory");
	pb_prune_unknown_any(&m->base);
	if ((rc = strmap_put(&lk->resources, key, tl + rl + 1, m)) < 0)
		return rc;
	*out = m;
	return 0;
}

int lookup_entitlement(lookup *lk, const char *id, C1__Connector__V2__Entitlement **out)
{
	baton_arena *a = &lk->t->arena;
	C1__Connector__V2__Entitlement *m;
	baton_entitlement *e;
	baton_ctx *ctx;
	int rc;

	if (!id)
		id = "";
	if ((m = strmap_get(&lk->entitlements, id, strlen(id)))) {
		*out = m;
		return 0;
	}
	if ((rc = baton_ctx_new(&ctx)) < 0)
		return rc;
	rc = baton_store_get_entitlement(lk->t->store, tool_query_sync(lk->t), id, ctx, &e);
	if (rc == 0) {
		m = pb_entitlement(a, e);
		if (!m)
			rc = baton_error_last()->code;
	} else if (rc == BATON_ENOTFOUND || rc == BATON_EINVALID) {
		rc = 0;
		if ((m = baton_arena_alloc(a, sizeof(*m)))) {
			c1__connector__v2__entitlement__init(m);
			m->id = baton_arena_strdup(a, id);
			m->display_name = join(a, (const char *const[]){"MISSING ENTITLEMENT (", id, ")"}, 3);
		}
	}
	baton_ctx_free(ctx);
	if (rc < 0)
		return rc;
	if (!m || !m->display_name)
		return baton_error_set(BATON_EEXHAUSTED, "out of memory");
	pb_prune_unknown_any(&m->base);
	if ((rc = strmap_put(&lk->entitlements, id, strlen(id), m)) < 0)
		return rc;
	*out = m;
	return 0;
}

const char *pb_display_resource(const C1__Connector__V2__Resource *r)
{
	return r && r->display_name ? r->display_name : "";
}

const char *pb_display_resource_type(const C1__Connector__V2__ResourceType *rt)
{
	return rt && rt->display_name ? rt->display_name : "";
}
