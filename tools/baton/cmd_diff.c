/*
 * `diff`: what changed between two syncs. By default the latest two finished full syncs of the
 * file (as the Go tool); --sync-id / --base-sync-id pick them explicitly, and --against takes
 * the older one from another c1z. Rows match on their key (resource: type and id; entitlement
 * and grant: id); a matched row is modified when its deterministic serialization differs.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

enum { KIND_RESOURCE = 0, KIND_ENTITLEMENT, KIND_GRANT };

typedef struct row {
	const char *key;
	size_t key_len;
	uint8_t *data;
	size_t len;
	bool seen;
} row;

typedef struct msg_list {
	ProtobufCMessage **items;
	size_t n, cap;
} msg_list;

static int list_push(baton_arena *a, msg_list *l, ProtobufCMessage *m)
{
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 16;
		ProtobufCMessage **ni = baton_arena_alloc(a, ncap * sizeof(*ni));
		if (!ni)
			return baton_error_set(BATON_EEXHAUSTED, "out of memory");
		if (l->n)
			memcpy(ni, l->items, l->n * sizeof(*ni));
		l->items = ni;
		l->cap = ncap;
	}
	l->items[l->n++] = m;
	return 0;
}

static const ProtobufCMessageDescriptor *kind_desc(int kind)
{
	return kind == KIND_RESOURCE ? &c1__connector__v2__resource__descriptor
	       : kind == KIND_ENTITLEMENT ? &c1__connector__v2__entitlement__descriptor
	                                  : &c1__connector__v2__grant__descriptor;
}

static int list_kind(baton_store *s, int kind, const char *sync_id, baton_store_iter **it)
{
	baton_store_query q = BATON_STORE_QUERY_INIT;
	q.sync_id = sync_id;
	return kind == KIND_RESOURCE ? baton_store_list_resources(s, &q, it)
	       : kind == KIND_ENTITLEMENT ? baton_store_list_entitlements(s, &q, it)
	                                  : baton_store_list_grants(s, &q, it);
}

/* The next row's key and bytes (in `a`), BATON_ITEROVER at the end. */
static int next_row(baton_store_iter *it, int kind, baton_arena *a, row *out)
{
	char *key;
	int rc;

	memset(out, 0, sizeof(*out));
	if (kind == KIND_RESOURCE) {
		baton_resource *r;
		if ((rc = baton_store_iter_next_resource(it, &r)) < 0)
			return rc;
		baton_resource_id id = baton_resource_get_id(r);
		size_t tl = strlen(id.resource_type), rl = strlen(id.resource);
		if (!(key = baton_arena_alloc(a, tl + rl + 2)))
			return baton_error_set(BATON_EEXHAUSTED, "out of memory");
		memcpy(key, id.resource_type, tl);
		key[tl] = '\x1f';
		memcpy(key + tl + 1, id.resource, rl);
		out->key_len = tl + rl + 1;
		rc = pb_bytes_resource(a, r, &out->data, &out->len);
	} else if (kind == KIND_ENTITLEMENT) {
		baton_entitlement *e;
		if ((rc = baton_store_iter_next_entitlement(it, &e)) < 0)
			return rc;
		if (!(key = baton_arena_strdup(a, baton_entitlement_id(e))))
			return baton_error_set(BATON_EEXHAUSTED, "out of memory");
		out->key_len = strlen(key);
		rc = pb_bytes_entitlement(a, e, &out->data, &out->len);
	} else {
		baton_grant *g;
		if ((rc = baton_store_iter_next_grant(it, &g)) < 0)
			return rc;
		if (!(key = baton_arena_strdup(a, baton_grant_id(g))))
			return baton_error_set(BATON_EEXHAUSTED, "out of memory");
		out->key_len = strlen(key);
		rc = pb_bytes_grant(a, g, &out->data, &out->len);
	}
	out->key = key;
	return rc;
}

static int decoded(baton_arena *a, int kind, const row *r, msg_list *into)
{
	ProtobufCMessage *m = pb_decode(a, kind_desc(kind), r->data, r->len);
	if (!m)
		return baton_error_last()->code;
	pb_prune_unknown_any(m);
	return list_push(a, into, m);
}

/* Buckets one kind of row into created / deleted / modified. */
static int diff_kind(baton_arena *a, int kind, baton_store *old_s, const char *old_id, baton_store *new_s,
                     const char *new_id, msg_list out[3])
{
	baton_store_iter *it = NULL;
	strmap old_rows;
	row **order = NULL;
	size_t n_order = 0, cap = 0;
	row r;
	int rc;

	strmap_init(&old_rows, a);
	rc = list_kind(old_s, kind, old_id, &it);
	while (rc == 0 && (rc = next_row(it, kind, a, &r)) == 0) {
		row *copy = baton_arena_memdup(a, &r, sizeof(r));
		if (!copy) {
			rc = baton_error_set(BATON_EEXHAUSTED, "out of memory");
			break;
		}
		if (n_order == cap) {
			size_t ncap = cap ? cap * 2 : 256;
			row **no = realloc(order, ncap * sizeof(*no));
			if (!no) {
				rc = baton_error_set(BATON_EEXHAUSTED, "out of memory");
				break;
			}
			order = no;
			cap = ncap;
		}
		order[n_order++] = copy;
		rc = strmap_put(&old_rows, copy->key, copy->key_len, copy);
	}
	baton_store_iter_free(it);
	it = NULL;
	if (rc != BATON_ITEROVER)
		goto done;

	rc = list_kind(new_s, kind, new_id, &it);
	while (rc == 0 && (rc = next_row(it, kind, a, &r)) == 0) {
		row *o = strmap_get(&old_rows, r.key, r.key_len);
		if (!o) {
			rc = decoded(a, kind, &r, &out[0]);
		} else {
			o->seen = true;
			if (o->len != r.len || memcmp(o->data, r.data, r.len) != 0)
				rc = decoded(a, kind, &r, &out[2]);
		}
	}
	baton_store_iter_free(it);
	it = NULL;
	if (rc != BATON_ITEROVER)
		goto done;
	rc = 0;
	for (size_t i = 0; i < n_order && rc == 0; i++) {
		if (!order[i]->seen)
			rc = decoded(a, kind, order[i], &out[1]);
	}
done:
	baton_store_iter_free(it);
	free(order);
	strmap_free(&old_rows);
	return rc;
}

/* The finished full sync before `newer` in `s` (by ended_at, then id), into buf. */
static int previous_full(baton_store *s, const baton_sync_run *newer, char *buf, size_t cap)
{
	baton_ctx *ctx;
	baton_sync_run *runs;
	size_t n;
	const baton_sync_run *best = NULL;
	int rc;

	if ((rc = baton_ctx_new(&ctx)) < 0)
		return rc;
	if ((rc = baton_store_sync_list(s, ctx, &runs, &n)) < 0) {
		char why[256];
		snprintf(why, sizeof(why), "%s", baton_error_last()->message);
		baton_error_set(rc, "cannot find the sync before %s (%s); name it with --base-sync-id",
		                newer->id, why);
		baton_ctx_free(ctx);
		return rc;
	}
	for (size_t i = 0; i < n; i++) {
		const baton_sync_run *r = &runs[i];
		if (!r->ended_at || r->type != BATON_SYNC_TYPE_FULL || strcmp(r->id, newer->id) == 0)
			continue;
		if (newer->ended_at) {
			int c = strcmp(r->ended_at, newer->ended_at);
			if (c > 0 || (c == 0 && strcmp(r->id, newer->id) > 0))
				continue;
		}
		if (!best || strcmp(r->ended_at, best->ended_at) > 0 ||
		    (strcmp(r->ended_at, best->ended_at) == 0 && strcmp(r->id, best->id) > 0))
			best = r;
	}
	if (best)
		snprintf(buf, cap, "%s", best->id);
	else
		rc = baton_error_set(BATON_EPRECONDITION,
		                     "cannot diff a single sync run: no finished full sync before %s", newer->id);
	baton_ctx_free(ctx);
	return rc;
}

/* Resolves an explicit id (must exist) or the latest finished full sync of `s`. */
static int pick_sync(baton_store *s, const char *path, const char *explicit_id, baton_ctx *ctx,
                     baton_sync_run *run)
{
	int rc;
	if (explicit_id) {
		rc = baton_store_sync_get(s, explicit_id, ctx, run);
		if (rc == BATON_ENOTFOUND)
			return baton_error_set(rc, "%s: no sync with id \"%s\"", path, explicit_id);
		return rc;
	}
	rc = baton_store_sync_latest_finished(s, BATON_SYNC_TYPE_FULL, ctx, run);
	if (rc == BATON_ENOTFOUND)
		return baton_error_set(rc, "%s: no finished full sync - cannot diff", path);
	return rc;
}

int cmd_diff(tool *t)
{
	const tool_args *a = &t->args;
	baton_store *old_s = NULL;
	const char *old_path = t->file;
	baton_ctx *ctx = NULL;
	baton_sync_run newer, older;
	char old_id[64];
	msg_list lists[3][3];
	int rc;

	if (a->given[FLAG_SYNC_ID] && !*a->value[FLAG_SYNC_ID])
		return tool_usage_fail("--sync-id needs a non-empty value");
	if (a->given[FLAG_BASE_SYNC_ID] && !*a->value[FLAG_BASE_SYNC_ID])
		return tool_usage_fail("--base-sync-id needs a non-empty value");
	if (a->given[FLAG_AGAINST] && !*a->value[FLAG_AGAINST])
		return tool_usage_fail("--against needs a non-empty path");
	if ((rc = tool_open(t, false)) != 0)
		return rc;
	if (baton_ctx_new(&ctx) < 0)
		return tool_fail_last();
	memset(lists, 0, sizeof(lists));

	if ((rc = pick_sync(t->store, t->file, a->given[FLAG_SYNC_ID] ? a->value[FLAG_SYNC_ID] : NULL, ctx,
	                    &newer)) < 0)
		goto done;
	if (a->given[FLAG_AGAINST]) {
		old_path = a->value[FLAG_AGAINST];
		if ((rc = tool_open_path(old_path, &old_s)) < 0)
			goto done;
	} else {
		old_s = t->store;
	}
	if (a->given[FLAG_BASE_SYNC_ID] || old_s != t->store) {
		if ((rc = pick_sync(old_s, old_path, a->given[FLAG_BASE_SYNC_ID] ? a->value[FLAG_BASE_SYNC_ID] : NULL,
		                    ctx, &older)) < 0)
			goto done;
		snprintf(old_id, sizeof(old_id), "%s", older.id);
	} else if ((rc = previous_full(t->store, &newer, old_id, sizeof(old_id))) < 0) {
		goto done;
	}

	for (int k = 0; k < 3; k++) {
		if ((rc = diff_kind(&t->arena, k, old_s, old_id, t->store, newer.id, lists[k])) < 0)
			goto done;
	}

	Baton__V1__ResourceDiff rd = BATON__V1__RESOURCE_DIFF__INIT;
	Baton__V1__EntitlementDiff ed = BATON__V1__ENTITLEMENT_DIFF__INIT;
	Baton__V1__GrantDiff gd = BATON__V1__GRANT_DIFF__INIT;
	rd.n_created = lists[0][0].n, rd.created = (C1__Connector__V2__Resource **)lists[0][0].items;
	rd.n_deleted = lists[0][1].n, rd.deleted = (C1__Connector__V2__Resource **)lists[0][1].items;
	rd.n_modified = lists[0][2].n, rd.modified = (C1__Connector__V2__Resource **)lists[0][2].items;
	ed.n_created = lists[1][0].n, ed.created = (C1__Connector__V2__Entitlement **)lists[1][0].items;
	ed.n_deleted = lists[1][1].n, ed.deleted = (C1__Connector__V2__Entitlement **)lists[1][1].items;
	ed.n_modified = lists[1][2].n, ed.modified = (C1__Connector__V2__Entitlement **)lists[1][2].items;
	gd.n_created = lists[2][0].n, gd.created = (C1__Connector__V2__Grant **)lists[2][0].items;
	gd.n_deleted = lists[2][1].n, gd.deleted = (C1__Connector__V2__Grant **)lists[2][1].items;
	gd.n_modified = lists[2][2].n, gd.modified = (C1__Connector__V2__Grant **)lists[2][2].items;
	Baton__V1__C1ZDiffOutput out = BATON__V1__C1_ZDIFF_OUTPUT__INIT;
	out.resources = &rd;
	out.entitlements = &ed;
	out.grants = &gd;
	rc = pb_write_json(stdout, &out.base);

done:
	if (old_s && old_s != t->store)
		baton_store_discard(old_s);
	baton_ctx_free(ctx);
	return rc < 0 ? tool_fail_last() : TOOL_EXIT_OK;
}
