/*
 * Diff syncs (include/baton/compact.h): a partial sync holding the applied sync's rows whose
 * external ids the base sync lacks, as upstream's GenerateSyncDiff (`--diff-syncs`).
 */
#include <stdio.h>
#include <string.h>

#include "baton/compact.h"
#include "core/ctx.h"
#include "core/error.h"
#include "store/store.h"

/* The columns each table's diff copies (upstream copies these and no others: a grant's expansion
 * columns keep their defaults), in the order of upstream's table descriptors. */
static const struct diff_table {
	const char *name;
	const char *columns;
} diff_tables[] = {
	{"v1_resource_types", "external_id, data, sync_id, discovered_at"},
	{"v1_resources", "external_id, data, sync_id, discovered_at, resource_type_id, parent_resource_type_id, "
	                 "parent_resource_id"},
	{"v1_entitlements", "external_id, data, sync_id, discovered_at, resource_type_id, resource_id"},
	{"v1_grants", "external_id, data, sync_id, discovered_at, resource_type_id, resource_id, entitlement_id, "
	              "principal_resource_type_id, principal_resource_id"},
	{"v1_assets", "external_id, data, sync_id, discovered_at, content_type"},
};

/* The select list: the same columns with sync_id replaced by the bound new id (parameter 1). */
static void select_list(const char *columns, char *out, size_t size)
{
	const char *p = strstr(columns, "sync_id");
	size_t head = (size_t)(p - columns);
	snprintf(out, size, "%.*s?1%s", (int)head, columns, p + strlen("sync_id"));
}

static int check_sync(baton_store *s, const char *id, const char *which)
{
	baton_ctx ctx;
	baton__ctx_init(&ctx);
	baton_sync_run run;
	int rc = baton_store_sync_get(s, id, &ctx, &run);
	baton__ctx_release(&ctx);
	if (rc == BATON_ENOTFOUND)
		return baton_error_set(BATON_ENOTFOUND, "generate-diff: %s sync not found: %s", which, id);
	return rc;
}

static int copy_table(baton_store *s, const struct diff_table *t, const char *base, const char *applied,
                      const char *diff_id)
{
	char sel[512], sql[1536];
	select_list(t->columns, sel, sizeof sel);
	snprintf(sql, sizeof sql,
	         "INSERT INTO %s (%s) SELECT %s FROM %s WHERE sync_id = ?2 AND external_id NOT IN "
	         "(SELECT external_id FROM %s WHERE sync_id = ?3)",
	         t->name, t->columns, sel, t->name, t->name);
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return baton__store_sqlerr(s, rc, "preparing a diff");
	sqlite3_bind_text(st, 1, diff_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, applied, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, base, -1, SQLITE_STATIC);
	int sr = sqlite3_step(st);
	sqlite3_finalize(st);
	if (sr != SQLITE_DONE)
		return baton__store_sqlerr(s, sr, "writing a diff");
	s->dirty = true;
	return 0;
}

BATON_API int baton_store_sync_diff(baton_store *s, const char *base_sync_id, const char *applied_sync_id,
                                    char new_sync_id[28])
{
	if (!s)
		return baton_error_set(BATON_EINVALID, "baton_store_sync_diff: store is NULL");
	if (!base_sync_id || !*base_sync_id || !applied_sync_id || !*applied_sync_id)
		return baton_error_set(BATON_EINVALID, "missing base sync ID or applied sync ID");
	int rc = baton__store_check_writable(s, "generate diff");
	if (rc)
		return rc;
	if (s->current[0]) {
		baton_ctx ctx;
		baton__ctx_init(&ctx);
		baton_sync_run run;
		rc = baton_store_sync_get(s, s->current, &ctx, &run);
		bool open = rc == 0 && !run.ended_at;
		baton__ctx_release(&ctx);
		if (open)
			return baton_error_set(BATON_EPRECONDITION, "generate-diff: sync %s is in progress", s->current);
		s->current[0] = '\0';
	}
	if ((rc = check_sync(s, base_sync_id, "base")) || (rc = check_sync(s, applied_sync_id, "new")))
		return rc;
	/* The sync run, its rows and its end in one transaction: an error leaves nothing behind. */
	rc = baton__store_bulk_grants_end(s, true);
	if (!rc)
		rc = baton__store_commit(s);
	if (rc)
		return rc;
	rc = baton__store_exec(s, "SAVEPOINT baton_diff");
	if (rc)
		return rc;
	char id[28];
	rc = baton_store_sync_start(s, BATON_SYNC_TYPE_PARTIAL, base_sync_id, id);
	for (size_t i = 0; rc == 0 && i < sizeof diff_tables / sizeof diff_tables[0]; i++)
		rc = copy_table(s, &diff_tables[i], base_sync_id, applied_sync_id, id);
	if (rc == 0)
		rc = baton_store_sync_end(s);
	if (rc == 0)
		rc = baton__store_exec(s, "RELEASE baton_diff");
	if (rc) {
		int keep = rc;
		sqlite3_exec(s->db, "ROLLBACK TO baton_diff; RELEASE baton_diff", NULL, NULL, NULL);
		s->current[0] = '\0';
		return keep;
	}
	if (new_sync_id)
		memcpy(new_sync_id, id, sizeof id);
	return 0;
}
