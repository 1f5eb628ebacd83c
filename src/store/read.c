/* Reading rows: streaming iterators over one prepared statement, point reads, counts. */
#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "proto/any.h"
#include "c1/connector/v2/grant.pb-c.h"
#include "c1/connector/v2/entitlement.pb-c.h"
#include "c1/connector/v2/resource.pb-c.h"

#define MAX_PAGE_SIZE 10000u
#define GRANT_EXPANDABLE "c1.connector.v2.GrantExpandable"

/* Grant listing columns, by position in the SELECT below. */
enum { G_ID = 0, G_DATA, G_EXPANSION, G_ENT, G_RT, G_RID, G_PRT, G_PID };
#define GRANT_COLUMNS "id, data, expansion, entitlement_id, resource_type_id, resource_id, " \
	"principal_resource_type_id, principal_resource_id"

struct baton_store_iter {
	baton_store *s;
	baton__put_kind kind;
	sqlite3_stmt *st;
	baton_ctx ctx;          /* memory of the current row, reset per row */
	uint32_t page_size;     /* 0: no pages */
	uint32_t count;
	int64_t last_id;
	bool done;
	char token[24];
};

static const char *const table_names[] = {
	[BATON__PUT_RESOURCE_TYPE] = "v1_resource_types",
	[BATON__PUT_RESOURCE] = "v1_resources",
	[BATON__PUT_ENTITLEMENT] = "v1_entitlements",
	[BATON__PUT_GRANT] = "v1_grants",
	[BATON__PUT_ASSET] = "v1_assets",
};

typedef struct qbuild {
	char sql[768];
	size_t len;
	const char *binds[8];
	int n;
} qbuild;

static void qb_add(qbuild *q, const char *fmt, const char *arg)
{
	int w = snprintf(q->sql + q->len, sizeof(q->sql) - q->len, " %s %s = ?",
	                 q->n ? "AND" : "WHERE", fmt);
	q->len += (size_t)w;
	q->binds[q->n++] = arg ? arg : "";
}

static int bad_filter(const char *fn, const char *field)
{
	return baton_error_set(BATON_EINVALID, "%s: the %s filter does not apply to this listing", fn, field);
}

static int parse_token(const char *token, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(token, &end, 10);
	if (errno || *end || end == token || v < 0)
		return baton_error_set(BATON_EINVALID, "invalid page token \"%s\"", token);
	*out = v;
	return 0;
}

static int list_start(baton_store *s, baton__put_kind kind, const char *fn, const baton_store_query *q,
                      baton_store_iter **out)
{
	if (!s || !out)
		return baton_error_set(BATON_EINVALID, "%s: store and out are required", fn);
	*out = NULL;
	baton_store_query none = BATON_STORE_QUERY_INIT;
	if (!q)
		q = &none;
	if (q->version != BATON_STORE_QUERY_VERSION)
		return baton_error_set(BATON_EINVALID, "%s: unsupported query version %u", fn, q->version);
	int rc = baton__store_commit(s);
	if (rc || (kind == BATON__PUT_GRANT && (rc = baton__store_bulk_grants_end(s, false))))
		return rc;

	qbuild b = {.len = 0, .n = 0};
	b.len = (size_t)snprintf(b.sql, sizeof(b.sql), "SELECT %s FROM %s",
	                         kind == BATON__PUT_GRANT ? GRANT_COLUMNS : "id, data", table_names[kind]);
	if (q->resource_type_id && *q->resource_type_id) {
		if (kind == BATON__PUT_RESOURCE_TYPE)
			return bad_filter(fn, "resource_type_id");
		qb_add(&b, "resource_type_id", q->resource_type_id);
	}
	if (q->resource) {
		if (kind != BATON__PUT_ENTITLEMENT && kind != BATON__PUT_GRANT)
			return bad_filter(fn, "resource");
		qb_add(&b, "resource_id", q->resource->resource);
		qb_add(&b, "resource_type_id", q->resource->resource_type);
	}
	if (q->parent) {
		if (kind != BATON__PUT_RESOURCE)
			return bad_filter(fn, "parent");
		if (q->parent->resource && *q->parent->resource) {
			qb_add(&b, "parent_resource_id", q->parent->resource);
			qb_add(&b, "parent_resource_type_id", q->parent->resource_type);
		}
	}
	if (q->entitlement_id) {
		if (kind != BATON__PUT_GRANT)
			return bad_filter(fn, "entitlement_id");
		qb_add(&b, "entitlement_id", q->entitlement_id);
	}
	if (q->principal) {
		if (kind != BATON__PUT_GRANT)
			return bad_filter(fn, "principal");
		qb_add(&b, "principal_resource_id", q->principal->resource);
		qb_add(&b, "principal_resource_type_id", q->principal->resource_type);
	}
	char syncbuf[BATON__SYNC_ID_MAX];
	const char *sync_id;
	if ((rc = baton__store_resolve_sync(s, q->sync_id, BATON__PICK_LIST, syncbuf, &sync_id)))
		return rc;
	if (*sync_id)
		qb_add(&b, "sync_id", sync_id);
	int64_t from = -1;
	if (q->page_token && *q->page_token) {
		if ((rc = parse_token(q->page_token, &from)))
			return rc;
		b.len += (size_t)snprintf(b.sql + b.len, sizeof(b.sql) - b.len, " %s id >= ?",
		                          b.n ? "AND" : "WHERE");
	}
	b.len += (size_t)snprintf(b.sql + b.len, sizeof(b.sql) - b.len, " ORDER BY id ASC%s",
	                          q->page_size ? " LIMIT ?" : "");

	baton_store_iter *it = calloc(1, sizeof(*it));
	if (!it)
		return baton__error_oom("iterator");
	baton__ctx_init(&it->ctx);
	it->s = s;
	it->kind = kind;
	it->page_size = q->page_size > MAX_PAGE_SIZE ? MAX_PAGE_SIZE : q->page_size;
	if ((rc = baton__store_prepare(s, b.sql, &it->st))) {
		baton_store_iter_free(it);
		return rc;
	}
	int idx = 1;
	for (int i = 0; i < b.n; i++)
		sqlite3_bind_text(it->st, idx++, b.binds[i], -1, SQLITE_TRANSIENT);
	if (from >= 0)
		sqlite3_bind_int64(it->st, idx++, from);
	if (it->page_size)
		sqlite3_bind_int64(it->st, idx++, (int64_t)it->page_size + 1);
	*out = it;
	return 0;
}

BATON_API int baton_store_list_resource_types(baton_store *s, const baton_store_query *q,
                                              baton_store_iter **out)
{
	return list_start(s, BATON__PUT_RESOURCE_TYPE, "baton_store_list_resource_types", q, out);
}

BATON_API int baton_store_list_resources(baton_store *s, const baton_store_query *q, baton_store_iter **out)
{
	return list_start(s, BATON__PUT_RESOURCE, "baton_store_list_resources", q, out);
}

BATON_API int baton_store_list_entitlements(baton_store *s, const baton_store_query *q,
                                            baton_store_iter **out)
{
	return list_start(s, BATON__PUT_ENTITLEMENT, "baton_store_list_entitlements", q, out);
}

BATON_API int baton_store_list_grants(baton_store *s, const baton_store_query *q, baton_store_iter **out)
{
	return list_start(s, BATON__PUT_GRANT, "baton_store_list_grants", q, out);
}

BATON_API void baton_store_iter_free(baton_store_iter *it)
{
	if (!it)
		return;
	if (it->st)
		baton__store_release(it->s, it->st);
	baton__ctx_release(&it->ctx);
	free(it);
}

BATON_API const char *baton_store_iter_next_page_token(const baton_store_iter *it)
{
	return it ? it->token : "";
}

/* Steps to the next row: 0 (row ready), BATON_ITEROVER, or an error. */
static int iter_step(baton_store_iter *it, baton__put_kind kind, const char *fn)
{
	if (!it)
		return baton_error_set(BATON_EINVALID, "%s: iterator is NULL", fn);
	if (it->kind != kind)
		return baton_error_set(BATON_EINVALID, "%s: the iterator lists another kind of row", fn);
	if (it->done)
		return BATON_ITEROVER;
	int sr = sqlite3_step(it->st);
	if (sr == SQLITE_DONE) {
		it->done = true;
		return BATON_ITEROVER;
	}
	if (sr != SQLITE_ROW) {
		it->done = true;
		return baton__store_sqlerr(it->s, sr, "listing rows");
	}
	if (it->page_size && it->count == it->page_size) {
		/* The extra row: there is another page, starting after the last row returned. */
		snprintf(it->token, sizeof(it->token), "%lld", (long long)it->last_id + 1);
		it->done = true;
		return BATON_ITEROVER;
	}
	it->count++;
	it->last_id = sqlite3_column_int64(it->st, 0);
	baton__ctx_reset(&it->ctx);
	return 0;
}

static const uint8_t *col_blob(sqlite3_stmt *st, int col, size_t *len)
{
	const void *p = sqlite3_column_blob(st, col);
	*len = (size_t)sqlite3_column_bytes(st, col);
	return p ? p : (const uint8_t *)"";
}

/* The external id of row `rowid` of `kind`'s table, for messages ("" when it cannot be read). */
static void row_external_id(baton_store *s, baton__put_kind kind, int64_t rowid, char *buf, size_t size)
{
	char sql[96];
	sqlite3_stmt *st;
	buf[0] = '\0';
	snprintf(sql, sizeof(sql), "SELECT external_id FROM %s WHERE id = ?", table_names[kind]);
	baton_error saved = *baton_error_last();
	char msg[1024];
	snprintf(msg, sizeof(msg), "%s", saved.message ? saved.message : "");
	if (baton__store_prepare(s, sql, &st) == 0) {
		sqlite3_bind_int64(st, 1, rowid);
		if (sqlite3_step(st) == SQLITE_ROW) {
			const unsigned char *t = sqlite3_column_text(st, 0);
			snprintf(buf, size, "%s", t ? (const char *)t : "");
		}
		baton__store_release(s, st);
	}
	baton_error_set(saved.code, "%s", msg);
}

/* Names the row in the current error: "c1z PATH: v1_grants row 12 (external id \"g1\"): ...". */
static int row_error(baton_store *s, baton__put_kind kind, sqlite3_stmt *st)
{
	int64_t rowid = sqlite3_column_int64(st, 0);
	char ext[256];
	row_external_id(s, kind, rowid, ext, sizeof(ext));
	return baton__error_prefix("c1z %s: %s row %lld (external id \"%s\")", s->path, table_names[kind],
	                           (long long)rowid, ext);
}

/* The `data` column of a row: a message's bytes, never NULL or empty (that would read as a message
 * with every field empty: a grant of nothing to no one). */
static int row_data(baton_store *s, baton__put_kind kind, sqlite3_stmt *st, int col, const uint8_t **d,
                    size_t *len)
{
	*d = col_blob(st, col, len);
	if (*len == 0) {
		baton_error_set(BATON_EDATALOSS, "the data column is %s",
		                sqlite3_column_type(st, col) == SQLITE_NULL ? "NULL" : "empty");
		return row_error(s, kind, st);
	}
	return 0;
}

static const char *col_text(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	return t ? (const char *)t : "";
}

BATON_API int baton_store_iter_next_resource_type(baton_store_iter *it, baton_resource_type **rt)
{
	int rc = iter_step(it, BATON__PUT_RESOURCE_TYPE, "baton_store_iter_next_resource_type");
	if (rc)
		return rc;
	size_t len;
	const uint8_t *d;
	if ((rc = row_data(it->s, BATON__PUT_RESOURCE_TYPE, it->st, 1, &d, &len)))
		return rc;
	if ((rc = baton_resource_type_unpack(&it->ctx, d, len, rt)))
		return row_error(it->s, BATON__PUT_RESOURCE_TYPE, it->st);
	return 0;
}

BATON_API int baton_store_iter_next_resource(baton_store_iter *it, baton_resource **r)
{
	int rc = iter_step(it, BATON__PUT_RESOURCE, "baton_store_iter_next_resource");
	if (rc)
		return rc;
	size_t len;
	const uint8_t *d;
	if ((rc = row_data(it->s, BATON__PUT_RESOURCE, it->st, 1, &d, &len)))
		return rc;
	if ((rc = baton_resource_unpack(&it->ctx, d, len, r)))
		return row_error(it->s, BATON__PUT_RESOURCE, it->st);
	return 0;
}

BATON_API int baton_store_iter_next_entitlement(baton_store_iter *it, baton_entitlement **e)
{
	int rc = iter_step(it, BATON__PUT_ENTITLEMENT, "baton_store_iter_next_entitlement");
	if (rc)
		return rc;
	size_t len;
	const uint8_t *d;
	if ((rc = row_data(it->s, BATON__PUT_ENTITLEMENT, it->st, 1, &d, &len)))
		return rc;
	if ((rc = baton_entitlement_unpack(&it->ctx, d, len, e)))
		return row_error(it->s, BATON__PUT_ENTITLEMENT, it->st);
	return 0;
}

/* Identity columns of a grant row, for rebuilding slim grants. */
typedef struct grant_keys {
	const char *ent, *rt, *rid, *prt, *pid;
} grant_keys;

/*
 * Decodes a grant row: slim grants (no entitlement or principal in the bytes) get id-only stubs
 * from the row's columns, and the expansion column is put back as a GrantExpandable annotation.
 */
static int grant_from_row(baton_ctx *ctx, const uint8_t *data, size_t len, const uint8_t *exp,
                          size_t exp_len, const grant_keys *k, baton_grant **out)
{
	int rc = baton_grant_unpack(ctx, data, len, out);
	if (rc)
		return rc;
	if (k && (!baton_grant_entitlement(*out) || !baton_grant_principal(*out))) {
		ProtobufCMessage *m;
		rc = baton__pb_unpack(&ctx->arena, &c1__connector__v2__grant__descriptor, data, len, &m);
		if (rc)
			return rc;
		C1__Connector__V2__Grant *g = (C1__Connector__V2__Grant *)m;
		if (!g->entitlement) {
			C1__Connector__V2__Entitlement *e = baton_ctx_alloc(ctx, sizeof(*e));
			C1__Connector__V2__Resource *r = baton_ctx_alloc(ctx, sizeof(*r));
			C1__Connector__V2__ResourceId *id = baton_ctx_alloc(ctx, sizeof(*id));
			if (!e || !r || !id)
				return baton__error_oom("grant");
			c1__connector__v2__entitlement__init(e);
			c1__connector__v2__resource__init(r);
			c1__connector__v2__resource_id__init(id);
			id->resource_type = baton_ctx_strdup(ctx, k->rt);
			id->resource = baton_ctx_strdup(ctx, k->rid);
			e->id = baton_ctx_strdup(ctx, k->ent);
			if (!id->resource_type || !id->resource || !e->id)
				return baton__error_oom("grant");
			r->id = id;
			e->resource = r;
			g->entitlement = e;
		}
		if (!g->principal) {
			C1__Connector__V2__Resource *r = baton_ctx_alloc(ctx, sizeof(*r));
			C1__Connector__V2__ResourceId *id = baton_ctx_alloc(ctx, sizeof(*id));
			if (!r || !id)
				return baton__error_oom("grant");
			c1__connector__v2__resource__init(r);
			c1__connector__v2__resource_id__init(id);
			id->resource_type = baton_ctx_strdup(ctx, k->prt);
			id->resource = baton_ctx_strdup(ctx, k->pid);
			if (!id->resource_type || !id->resource)
				return baton__error_oom("grant");
			r->id = id;
			g->principal = r;
		}
		uint8_t *nd;
		size_t nl;
		if ((rc = baton__pb_pack(&ctx->arena, m, &nd, &nl)))
			return rc;
		if ((rc = baton_grant_unpack(ctx, nd, nl, out)))
			return rc;
	}
	if (exp && exp_len) {
		baton_annotations *a = baton_grant_annotations(*out);
		rc = baton_annotations_remove(a, GRANT_EXPANDABLE);
		if (rc >= 0)
			rc = baton_annotations_append_bytes(a, GRANT_EXPANDABLE, exp, exp_len);
		if (rc < 0)
			return rc;
	}
	return 0;
}

BATON_API int baton_store_iter_next_grant(baton_store_iter *it, baton_grant **g)
{
	int rc = iter_step(it, BATON__PUT_GRANT, "baton_store_iter_next_grant");
	if (rc)
		return rc;
	size_t len, exp_len;
	const uint8_t *d;
	if ((rc = row_data(it->s, BATON__PUT_GRANT, it->st, G_DATA, &d, &len)))
		return rc;
	const uint8_t *exp = sqlite3_column_type(it->st, G_EXPANSION) == SQLITE_NULL ? NULL :
	                     col_blob(it->st, G_EXPANSION, &exp_len);
	grant_keys k = {col_text(it->st, G_ENT), col_text(it->st, G_RT), col_text(it->st, G_RID),
	                col_text(it->st, G_PRT), col_text(it->st, G_PID)};
	if ((rc = grant_from_row(&it->ctx, d, len, exp, exp ? exp_len : 0, &k, g)))
		return row_error(it->s, BATON__PUT_GRANT, it->st);
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Point reads                                                                                 */

/*
 * Selects the first row of `kind` matching external_id (and resource_type_id when given) in the
 * sync chosen by `pick`; *st is left on the row, and the connection held (end with get_end).
 */
static int get_row(baton_store *s, baton__put_kind kind, const char *fn, const char *sync_id,
                   baton__sync_pick pick, const char *rt, const char *external_id, sqlite3_stmt **st)
{
	if (!s || !external_id)
		return baton_error_set(BATON_EINVALID, "%s: store and id are required", fn);
	/* No commit first: a point read sees the open batch's rows (same connection), and the syncer
	 * reads a resource per action, so committing here cost a transaction per action. */
	int rc = kind == BATON__PUT_GRANT ? baton__store_bulk_grants_end(s, false) : 0;
	if (rc)
		return rc;
	/* Ahead of the writer thread's batch, if one is being written (writer.c): until get_end. */
	baton__store_writer_pause(s);
	char syncbuf[BATON__SYNC_ID_MAX];
	const char *sid;
	if ((rc = baton__store_resolve_sync(s, sync_id, pick, syncbuf, &sid))) {
		baton__store_writer_resume(s);
		return rc;
	}
	qbuild b = {.len = 0, .n = 0};
	b.len = (size_t)snprintf(b.sql, sizeof(b.sql), "SELECT %s FROM %s",
	                         kind == BATON__PUT_GRANT ? GRANT_COLUMNS :
	                         kind == BATON__PUT_ASSET ? "id, data, content_type" : "id, data",
	                         table_names[kind]);
	if (rt)
		qb_add(&b, "resource_type_id", rt);
	qb_add(&b, "external_id", external_id);
	if (*sid)
		qb_add(&b, "sync_id", sid);
	b.len += (size_t)snprintf(b.sql + b.len, sizeof(b.sql) - b.len, " LIMIT 1");
	if ((rc = baton__store_prepare(s, b.sql, st))) {
		baton__store_writer_resume(s);
		return rc;
	}
	for (int i = 0; i < b.n; i++)
		sqlite3_bind_text(*st, i + 1, b.binds[i], -1, SQLITE_TRANSIENT);
	int sr = sqlite3_step(*st);
	if (sr == SQLITE_ROW)
		return 0;
	baton__store_release(s, *st);
	baton__store_writer_resume(s);
	*st = NULL;
	if (sr == SQLITE_DONE)
		return baton_error_set(BATON_ENOTFOUND, "%s '%s' not found", fn + sizeof("baton_store_get_") - 1,
		                       external_id);
	return baton__store_sqlerr(s, sr, "reading a row");
}

/* Ends a point read begun by get_row. */
static void get_end(baton_store *s, sqlite3_stmt *st)
{
	baton__store_release(s, st);
	baton__store_writer_resume(s);
}

BATON_API int baton_store_get_resource_type(baton_store *s, const char *sync_id, const char *id,
                                            baton_ctx *ctx, baton_resource_type **out)
{
	sqlite3_stmt *st;
	if (!ctx || !out)
		return baton_error_set(BATON_EINVALID, "baton_store_get_resource_type: ctx and out are required");
	int rc = get_row(s, BATON__PUT_RESOURCE_TYPE, "baton_store_get_resource_type", sync_id,
	                 BATON__PICK_GET, NULL, id, &st);
	if (rc)
		return rc;
	size_t len;
	const uint8_t *d;
	rc = row_data(s, BATON__PUT_RESOURCE_TYPE, st, 1, &d, &len);
	if (rc == 0 && (rc = baton_resource_type_unpack(ctx, d, len, out)))
		rc = row_error(s, BATON__PUT_RESOURCE_TYPE, st);
	get_end(s, st);
	return rc;
}

BATON_API int baton_store_get_resource(baton_store *s, const char *sync_id, const baton_resource_id *id,
                                       baton_ctx *ctx, baton_resource **out)
{
	if (!id || !id->resource_type || !id->resource || !ctx || !out)
		return baton_error_set(BATON_EINVALID, "baton_store_get_resource: id, ctx and out are required");
	char *key = baton_ctx_sprintf(ctx, "%s:%s", id->resource_type, id->resource);
	if (!key)
		return baton__error_oom("resource key");
	sqlite3_stmt *st;
	int rc = get_row(s, BATON__PUT_RESOURCE, "baton_store_get_resource", sync_id, BATON__PICK_LIST,
	                 id->resource_type, key, &st);
	if (rc)
		return rc;
	size_t len;
	const uint8_t *d;
	rc = row_data(s, BATON__PUT_RESOURCE, st, 1, &d, &len);
	if (rc == 0 && (rc = baton_resource_unpack(ctx, d, len, out)))
		rc = row_error(s, BATON__PUT_RESOURCE, st);
	get_end(s, st);
	return rc;
}

BATON_API int baton_store_get_entitlement(baton_store *s, const char *sync_id, const char *id,
                                          baton_ctx *ctx, baton_entitlement **out)
{
	if (!ctx || !out)
		return baton_error_set(BATON_EINVALID, "baton_store_get_entitlement: ctx and out are required");
	sqlite3_stmt *st;
	int rc = get_row(s, BATON__PUT_ENTITLEMENT, "baton_store_get_entitlement", sync_id,
	                 BATON__PICK_GET, NULL, id, &st);
	if (rc)
		return rc;
	size_t len;
	const uint8_t *d;
	rc = row_data(s, BATON__PUT_ENTITLEMENT, st, 1, &d, &len);
	if (rc == 0 && (rc = baton_entitlement_unpack(ctx, d, len, out)))
		rc = row_error(s, BATON__PUT_ENTITLEMENT, st);
	get_end(s, st);
	return rc;
}

BATON_API int baton_store_get_grant(baton_store *s, const char *sync_id, const char *id,
                                    baton_ctx *ctx, baton_grant **out)
{
	if (!ctx || !out)
		return baton_error_set(BATON_EINVALID, "baton_store_get_grant: ctx and out are required");
	sqlite3_stmt *st;
	int rc = get_row(s, BATON__PUT_GRANT, "baton_store_get_grant", sync_id, BATON__PICK_GET, NULL, id,
	                 &st);
	if (rc)
		return rc;
	size_t len, exp_len;
	const uint8_t *d;
	if ((rc = row_data(s, BATON__PUT_GRANT, st, G_DATA, &d, &len))) {
		get_end(s, st);
		return rc;
	}
	const uint8_t *exp = sqlite3_column_type(st, G_EXPANSION) == SQLITE_NULL ? NULL :
	                     col_blob(st, G_EXPANSION, &exp_len);
	grant_keys k = {col_text(st, G_ENT), col_text(st, G_RT), col_text(st, G_RID), col_text(st, G_PRT),
	                col_text(st, G_PID)};
	if ((rc = grant_from_row(ctx, d, len, exp, exp ? exp_len : 0, &k, out)))
		rc = row_error(s, BATON__PUT_GRANT, st);
	get_end(s, st);
	return rc;
}

BATON_API int baton_store_get_asset(baton_store *s, const char *sync_id, const char *asset_id,
                                    baton_ctx *ctx, const char **content_type, const uint8_t **data,
                                    size_t *len)
{
	if (!ctx || !content_type || !data || !len)
		return baton_error_set(BATON_EINVALID, "baton_store_get_asset: ctx and outputs are required");
	sqlite3_stmt *st;
	int rc = get_row(s, BATON__PUT_ASSET, "baton_store_get_asset", sync_id, BATON__PICK_NONE, NULL,
	                 asset_id, &st);
	if (rc)
		return rc;
	size_t n;
	const uint8_t *d = col_blob(st, 1, &n);
	uint8_t *copy = baton_ctx_alloc(ctx, n ? n : 1);
	char *ct = baton_ctx_strdup(ctx, col_text(st, 2));
	if (!copy || !ct) {
		rc = baton__error_oom("asset");
	} else {
		memcpy(copy, d, n);
		*data = copy;
		*len = n;
		*content_type = ct;
	}
	get_end(s, st);
	return rc;
}

BATON_API int baton_store_count(baton_store *s, const char *sync_id, baton_store_counts *counts)
{
	if (!s || !counts)
		return baton_error_set(BATON_EINVALID, "baton_store_count: store and counts are required");
	int rc = baton__store_commit(s);
	if (rc || (rc = baton__store_bulk_grants_end(s, false)))
		return rc;
	char syncbuf[BATON__SYNC_ID_MAX];
	const char *sid;
	if ((rc = baton__store_resolve_sync(s, sync_id, BATON__PICK_LIST, syncbuf, &sid)))
		return rc;
	uint64_t *dst[] = {&counts->resource_types, &counts->resources, &counts->entitlements,
	                   &counts->grants, &counts->assets};
	for (int k = 0; k < BATON__PUT_KINDS; k++) {
		char sql[128];
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s%s", table_names[k],
		         *sid ? " WHERE sync_id = ?" : "");
		sqlite3_stmt *st;
		if ((rc = baton__store_prepare(s, sql, &st)))
			return rc;
		if (*sid)
			sqlite3_bind_text(st, 1, sid, -1, SQLITE_TRANSIENT);
		int sr = sqlite3_step(st);
		if (sr == SQLITE_ROW)
			*dst[k] = (uint64_t)sqlite3_column_int64(st, 0);
		else
			rc = baton__store_sqlerr(s, sr, "counting rows");
		baton__store_release(s, st);
		if (rc)
			return rc;
	}
	return 0;
}

size_t baton__store_iter_memory(const baton_store_iter *it)
{
	return it ? it->ctx.arena.reserved : 0;
}
