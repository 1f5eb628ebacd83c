/*
 * Deferred grant indexes. Maintaining the four non-unique secondary indexes of v1_grants row by
 * row is most of the cost of writing grants (each insert walks five B-trees whose keys arrive in
 * no useful order). When grants are first written into a store whose v1_grants is empty, those
 * four indexes are dropped, and they are built again in one sorted pass (CREATE INDEX) before
 * anything can use them: a grant read, expansion, sync end, saving. The unique (external_id,
 * sync_id) index that upserts need, and the partial expansion indexes, stay.
 *
 * The rebuilt indexes are the same statements as the schema's, so the file's sqlite_master is
 * unchanged; a working copy left without them by a killed process gets them back when it is
 * opened (the schema is applied with "if not exists" on every open).
 */
#include "store/store.h"

#include <stdio.h>

#include "core/error.h"

static const char *const deferred_names[] = {
	"idx_grants_resource_type_id_resource_id_v1",
	"idx_grants_principal_id_v1",
	"idx_grants_entitlement_id_principal_id_v1",
	"idx_grants_entitlement_sync_grant_v1",
};

/* As in the schema (store.c), statement for statement. */
static const char rebuild_sql[] =
	"create index if not exists idx_grants_resource_type_id_resource_id_v1 on v1_grants "
	"(resource_type_id, resource_id);\n"
	"create index if not exists idx_grants_principal_id_v1 on v1_grants "
	"(principal_resource_type_id, principal_resource_id);\n"
	"create index if not exists idx_grants_entitlement_id_principal_id_v1 on v1_grants "
	"(entitlement_id, principal_resource_type_id, principal_resource_id);\n"
	"create index if not exists idx_grants_entitlement_sync_grant_v1 on v1_grants "
	"(entitlement_id, sync_id, id);";

void baton__store_bulk_grants_begin(baton_store *s)
{
	if (s->bulk_checked || s->read_only)
		return;
	s->bulk_checked = true;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM v1_grants LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return;
	int sr = sqlite3_step(st);
	sqlite3_finalize(st);
	if (sr != SQLITE_DONE)
		return; /* grants already there (or an error): keep the indexes */
	/* In a savepoint, so a failure (e.g. a statement still reading) leaves every index in place. */
	if (sqlite3_exec(s->db, "SAVEPOINT baton_bulk", NULL, NULL, NULL) != SQLITE_OK)
		return;
	char sql[128];
	for (size_t i = 0; i < sizeof(deferred_names) / sizeof(deferred_names[0]); i++) {
		snprintf(sql, sizeof(sql), "DROP INDEX IF EXISTS %s", deferred_names[i]);
		if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
			sqlite3_exec(s->db, "ROLLBACK TO baton_bulk; RELEASE baton_bulk", NULL, NULL, NULL);
			return;
		}
	}
	if (sqlite3_exec(s->db, "RELEASE baton_bulk", NULL, NULL, NULL) == SQLITE_OK) {
		s->bulk_grants = true;
		baton__store_writer_start(s);
	}
}

int baton__store_bulk_grants_end(baton_store *s, bool required)
{
	if (!s || !s->bulk_grants)
		return 0;
	/* Every queued grant row is in the table before the indexes are built or anything reads. */
	int rc = baton__store_writer_drain(s);
	if (rc)
		return rc;
	int sr = sqlite3_exec(s->db, rebuild_sql, NULL, NULL, NULL);
	if (sr != SQLITE_OK) {
		if (required)
			return baton__store_sqlerr(s, sr, "building the grant indexes");
		/* A statement still reading can lock the schema; reads work without the indexes, and
		 * the next call (at the latest saving) builds them. */
		return 0;
	}
	s->bulk_grants = false;
	return 0;
}
