/* Writing rows: upserts keyed by (external_id, sync_id), batched in transactions. */
#include "store/store.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "proto/any.h"
#include "types/types.h"
#include "c1/connector/v2/grant.pb-c.h"
#include "c1/connector/v2/annotation_grant.pb-c.h"

#define GRANT_EXPANDABLE "c1.connector.v2.GrantExpandable"

#define INSERT_GRANT                                                                                \
	"INSERT INTO v1_grants (resource_type_id, resource_id, entitlement_id, "                       \
	"principal_resource_type_id, principal_resource_id, external_id, expansion, needs_expansion, " \
	"data, sync_id, discovered_at) VALUES (?5, ?6, ?7, ?8, ?9, ?1, ?10, ?11, ?2, ?3, ?4)"

const char baton__append_grant_sql[] = INSERT_GRANT;

const char baton__put_grant_sql[] = INSERT_GRANT " "
	"ON CONFLICT (external_id, sync_id) DO UPDATE SET data = EXCLUDED.data, "
	"expansion = EXCLUDED.expansion, needs_expansion = CASE "
	"WHEN EXCLUDED.expansion IS NULL OR EXCLUDED.expansion = X'' THEN 0 "
	"WHEN v1_grants.expansion IS NULL AND EXCLUDED.expansion IS NOT NULL THEN 1 "
	"WHEN v1_grants.expansion IS NOT NULL AND EXCLUDED.expansion IS NOT NULL AND "
	"v1_grants.expansion != EXCLUDED.expansion THEN 1 "
	"ELSE v1_grants.needs_expansion END";

static const char *const put_sql[BATON__PUT_KINDS] = {
	[BATON__PUT_RESOURCE_TYPE] =
		"INSERT INTO v1_resource_types (external_id, data, sync_id, discovered_at) "
		"VALUES (?1, ?2, ?3, ?4) "
		"ON CONFLICT (external_id, sync_id) DO UPDATE SET data = EXCLUDED.data",
	[BATON__PUT_RESOURCE] =
		"INSERT INTO v1_resources (resource_type_id, external_id, parent_resource_type_id, "
		"parent_resource_id, data, sync_id, discovered_at) VALUES (?5, ?1, ?6, ?7, ?2, ?3, ?4) "
		"ON CONFLICT (external_id, sync_id) DO UPDATE SET data = EXCLUDED.data",
	[BATON__PUT_ENTITLEMENT] =
		"INSERT INTO v1_entitlements (resource_type_id, resource_id, external_id, data, sync_id, "
		"discovered_at) VALUES (?5, ?6, ?1, ?2, ?3, ?4) "
		"ON CONFLICT (external_id, sync_id) DO UPDATE SET data = EXCLUDED.data",
	/* needs_expansion on conflict: 0 when the new expansion is empty; 1 when it appears or
	 * changes; otherwise kept. All right-hand sides see the old row. */
	[BATON__PUT_GRANT] = baton__put_grant_sql,
	[BATON__PUT_ASSET] =
		"INSERT INTO v1_assets (external_id, content_type, data, sync_id, discovered_at) "
		"VALUES (?1, ?5, ?2, ?3, ?4) "
		"ON CONFLICT (external_id, sync_id) DO UPDATE SET data = EXCLUDED.data",
};

void baton__rows_finalize(baton_store *s)
{
	for (int i = 0; i < BATON__PUT_KINDS; i++) {
		sqlite3_finalize(s->put[i]);
		s->put[i] = NULL;
	}
	sqlite3_finalize(s->put_grant_append);
	s->put_grant_append = NULL;
}

static bool blank(const char *s)
{
	for (; s && *s; s++)
		if (!isspace((unsigned char)*s))
			return false;
	return true;
}

int baton__grant_bytes_take_expansion(baton_arena *arena, const uint8_t *in, size_t in_len,
                                      uint8_t **data, size_t *len, uint8_t **exp, size_t *exp_len)
{
	*data = (uint8_t *)in;
	*len = in_len;
	*exp = NULL;
	*exp_len = 0;
	ProtobufCMessage *m;
	int rc = baton__pb_unpack(arena, &c1__connector__v2__grant__descriptor, in, in_len, &m);
	if (rc)
		return rc;
	C1__Connector__V2__Grant *g = (C1__Connector__V2__Grant *)m;
	const ProtobufCMessageDescriptor *ed = &c1__connector__v2__grant_expandable__descriptor;
	size_t first = g->n_annotations;
	for (size_t i = 0; i < g->n_annotations && first == g->n_annotations; i++)
		if (baton__any_is(g->annotations[i], ed))
			first = i;
	if (first == g->n_annotations)
		return 0;
	ProtobufCMessage *em;
	if (baton__any_unpack(arena, g->annotations[first], ed, &em) != 0) {
		/* As upstream: an annotation that does not decode is left where it is. */
		baton_error_clear();
		return 0;
	}
	size_t kept = 0;
	for (size_t i = 0; i < g->n_annotations; i++)
		if (!baton__any_is(g->annotations[i], ed))
			g->annotations[kept++] = g->annotations[i];
	g->n_annotations = kept;
	if (kept == 0)
		g->annotations = NULL;

	C1__Connector__V2__GrantExpandable *e = (C1__Connector__V2__GrantExpandable *)em;
	bool valid = false;
	for (size_t i = 0; i < e->n_entitlement_ids && !valid; i++)
		valid = !blank(e->entitlement_ids[i]);
	if (valid && (rc = baton__pb_pack(arena, em, exp, exp_len)))
		return rc;
	return baton__pb_pack(arena, m, data, len);
}

/* ------------------------------------------------------------------------------------------ */

static int put_begin(baton_store *s, const char *fn, baton__put_kind kind, const void *obj,
                     sqlite3_stmt **st)
{
	if (!s || !obj)
		return baton_error_set(BATON_EINVALID, "%s: store and object are required", fn);
	int rc = baton__store_check_writable(s, fn);
	if (rc)
		return rc;
	if (!s->current[0])
		return baton_error_set(BATON_EPRECONDITION, "c1z %s: %s: no sync is current", s->path, fn);
	if (!s->put[kind]) {
		int sr = sqlite3_prepare_v3(s->db, put_sql[kind], -1, SQLITE_PREPARE_PERSISTENT,
		                            &s->put[kind], NULL);
		if (sr != SQLITE_OK)
			return baton__store_sqlerr(s, sr, "prepare");
	}
	if ((rc = baton__store_begin(s)))
		return rc;
	if (kind == BATON__PUT_GRANT && !s->bulk_checked)
		baton__store_bulk_grants_begin(s);
	*st = s->put[kind];
	return 0;
}

/* Binds the common columns (?1 external_id, ?2 data, ?3 sync_id, ?4 discovered_at) and runs. */
static int put_finish(baton_store *s, sqlite3_stmt *st, const char *external_id, const void *data,
                      size_t len)
{
	char now[BATON__TS_LEN];
	baton__store_row_stamp(s, now);
	sqlite3_bind_text(st, 1, external_id, -1, SQLITE_STATIC);
	sqlite3_bind_blob64(st, 2, len ? data : "", len, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, s->current, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
	int sr = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	baton__ctx_reset(&s->scratch);
	if (sr != SQLITE_DONE)
		return baton__store_sqlerr(s, sr, "writing a row");
	s->dirty = true;
	if (++s->pending >= BATON__STORE_TX_ROWS)
		return baton__store_commit(s);
	return 0;
}

static int put_fail(baton_store *s, sqlite3_stmt *st, int rc)
{
	sqlite3_clear_bindings(st);
	baton__ctx_reset(&s->scratch);
	return rc;
}

BATON_API int baton_store_put_resource_type(baton_store *s, baton_resource_type *rt)
{
	sqlite3_stmt *st = NULL;
	int rc = put_begin(s, "baton_store_put_resource_type", BATON__PUT_RESOURCE_TYPE, rt, &st);
	if (rc)
		return rc;
	const uint8_t *data;
	size_t len;
	if ((rc = baton_resource_type_pack(rt, &s->scratch, &data, &len)))
		return put_fail(s, st, rc);
	return put_finish(s, st, baton_resource_type_id(rt), data, len);
}

BATON_API int baton_store_put_resource(baton_store *s, baton_resource *r)
{
	sqlite3_stmt *st = NULL;
	int rc = put_begin(s, "baton_store_put_resource", BATON__PUT_RESOURCE, r, &st);
	if (rc)
		return rc;
	const uint8_t *data;
	size_t len;
	if ((rc = baton_resource_pack(r, &s->scratch, &data, &len)))
		return put_fail(s, st, rc);
	baton_resource_id id = baton_resource_get_id(r);
	char *key = baton__id_join(&s->scratch, id.resource_type, id.resource, NULL);
	if (!key)
		return put_fail(s, st, baton__error_oom("resource key"));
	sqlite3_bind_text(st, 5, id.resource_type ? id.resource_type : "", -1, SQLITE_STATIC);
	baton_resource_id parent;
	if (baton_resource_get_parent(r, &parent)) {
		sqlite3_bind_text(st, 6, parent.resource_type ? parent.resource_type : "", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, parent.resource ? parent.resource : "", -1, SQLITE_STATIC);
	}
	return put_finish(s, st, key, data, len);
}

BATON_API int baton_store_put_entitlement(baton_store *s, baton_entitlement *e)
{
	sqlite3_stmt *st = NULL;
	int rc = put_begin(s, "baton_store_put_entitlement", BATON__PUT_ENTITLEMENT, e, &st);
	if (rc)
		return rc;
	const uint8_t *data;
	size_t len;
	if ((rc = baton_entitlement_pack(e, &s->scratch, &data, &len)))
		return put_fail(s, st, rc);
	baton_resource *res = baton_entitlement_resource(e);
	baton_resource_id rid = {"", ""};
	if (res)
		rid = baton_resource_get_id(res);
	sqlite3_bind_text(st, 5, rid.resource_type ? rid.resource_type : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, rid.resource ? rid.resource : "", -1, SQLITE_STATIC);
	return put_finish(s, st, baton_entitlement_id(e), data, len);
}

BATON_API int baton_store_put_grant(baton_store *s, baton_grant *g)
{
	sqlite3_stmt *st = NULL;
	int rc = put_begin(s, "baton_store_put_grant", BATON__PUT_GRANT, g, &st);
	if (rc)
		return rc;
	const uint8_t *data;
	size_t len;
	if ((rc = baton_grant_pack(g, &s->scratch, &data, &len)))
		return put_fail(s, st, rc);
	uint8_t *exp = NULL;
	size_t exp_len = 0;
	if (baton_annotations_contains(baton_grant_annotations(g), GRANT_EXPANDABLE)) {
		uint8_t *nd;
		size_t nl;
		rc = baton__grant_bytes_take_expansion(&s->scratch.arena, data, len, &nd, &nl, &exp, &exp_len);
		if (rc)
			return put_fail(s, st, rc);
		data = nd;
		len = nl;
	}
	baton_resource_id res = baton_grant_resource_id(g), pr = baton_grant_principal_id(g);
	bool append = (s->grants_deferred & BATON__GIDX_UNIQUE) != 0; /* the bulk phase (bulk.c) */
	if (s->writer && append) {
		/* Copied into the writer thread's batch; written there (writer.c). */
		const char *cols[5] = {res.resource_type ? res.resource_type : "",
		                       res.resource ? res.resource : "", baton_grant_entitlement_id(g),
		                       pr.resource_type ? pr.resource_type : "", pr.resource ? pr.resource : ""};
		rc = baton__store_writer_put(s, baton_grant_id(g), data, len, cols, exp, exp_len);
		baton__ctx_reset(&s->scratch);
		if (rc)
			return rc;
		s->dirty = true;
		if (++s->pending >= BATON__STORE_TX_ROWS)
			return baton__store_commit(s);
		return 0;
	}
	if (append) {
		/* No unique index to conflict on: a plain INSERT, duplicates merged at the bulk end. */
		sqlite3_clear_bindings(st);
		if (!s->put_grant_append) {
			int sr = sqlite3_prepare_v3(s->db, baton__append_grant_sql, -1, SQLITE_PREPARE_PERSISTENT,
			                            &s->put_grant_append, NULL);
			if (sr != SQLITE_OK)
				return put_fail(s, st, baton__store_sqlerr(s, sr, "prepare"));
		}
		st = s->put_grant_append;
	}
	sqlite3_bind_text(st, 5, res.resource_type ? res.resource_type : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, res.resource ? res.resource : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, baton_grant_entitlement_id(g), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, pr.resource_type ? pr.resource_type : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, pr.resource ? pr.resource : "", -1, SQLITE_STATIC);
	if (exp)
		sqlite3_bind_blob64(st, 10, exp, exp_len, SQLITE_STATIC);
	sqlite3_bind_int(st, 11, exp ? 1 : 0);
	return put_finish(s, st, baton_grant_id(g), data, len);
}

BATON_API int baton_store_put_asset(baton_store *s, const char *asset_id, const char *content_type,
                                    const uint8_t *data, size_t len)
{
	if (s && asset_id && len == 0) {
		int rc = baton__store_check_writable(s, "baton_store_put_asset");
		return rc; /* empty assets are skipped, as upstream */
	}
	if (!data)
		return baton_error_set(BATON_EINVALID, "baton_store_put_asset: data is required");
	sqlite3_stmt *st = NULL;
	int rc = put_begin(s, "baton_store_put_asset", BATON__PUT_ASSET, asset_id, &st);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 5, content_type && *content_type ? content_type : "unknown", -1,
	                  SQLITE_STATIC);
	return put_finish(s, st, asset_id, data, len);
}

BATON_API int baton_store_flush(baton_store *s)
{
	if (!s)
		return baton_error_set(BATON_EINVALID, "baton_store_flush: store is NULL");
	return baton__store_commit(s);
}
