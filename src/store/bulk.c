/*
 * Deferred grant indexes. Maintaining the five secondary indexes of v1_grants row by row is most
 * of the cost of writing grants (each insert walks six B-trees whose keys arrive in no useful
 * order). The store owns one set of deferred grant indexes (s->grants_deferred, a mask of
 * BATON__GIDX_*): an index in it is absent from the file and is built in one sorted pass (CREATE
 * INDEX) by the first reader that needs it; everything still deferred is built before a sync
 * ends, before saving and before any grant read through the store's API.
 *
 *  - The bulk phase: when grants are first written into a store whose v1_grants is empty, all
 *    five are dropped, the unique (external_id, sync_id) one included, and a grant put is a plain
 *    append (rows.c, writer.c). Ending it builds the unique index first: if a connector emitted
 *    the same grant twice (or a resumed sync re-put a page), the later rows are moved aside, the
 *    rows after them renumbered, the index built, and the later rows replayed in rowid order
 *    through the grant upsert itself, so the table is what the upserts would have made (the
 *    first row's rowid and columns, the later rows' data and expansion, needs_expansion from the
 *    upsert's CASE applied in order, and no rowid gaps).
 *  - A large writer (expansion) defers the indexes it does not read (baton__store_grants_defer),
 *    and the unique one when it can tell that its rows repeat no stored (external_id, sync_id)
 *    (baton__store_grants_defer_unique): its build at the end then finds no duplicate; were a
 *    process killed meanwhile, the repair on reopening finds none either.
 *
 * The rebuilt indexes are the schema's statements, so the file's sqlite_master is unchanged. A
 * working copy left without them by a killed process gets them back when it is opened: the
 * unique one through the same duplicate handling (baton__store_grants_unique_repair, before the
 * schema), the others by the schema's "if not exists".
 */
#include "store/store.h"

#include <stdio.h>

#include "core/error.h"
#include "core/faults.h"
#include "core/log.h"

static const struct gidx {
	unsigned bit;
	const char *name;
	const char *create;
} gidx[] = {
	/* the unique one first: it may have duplicates to resolve */
	{BATON__GIDX_UNIQUE, "idx_grants_external_sync_v1",
	 "create unique index if not exists idx_grants_external_sync_v1 on v1_grants (external_id, sync_id);"},
	{BATON__GIDX_RESOURCE, "idx_grants_resource_type_id_resource_id_v1",
	 "create index if not exists idx_grants_resource_type_id_resource_id_v1 on v1_grants "
	 "(resource_type_id, resource_id);"},
	{BATON__GIDX_PRINCIPAL, "idx_grants_principal_id_v1",
	 "create index if not exists idx_grants_principal_id_v1 on v1_grants "
	 "(principal_resource_type_id, principal_resource_id);"},
	{BATON__GIDX_ENT_PRINCIPAL, "idx_grants_entitlement_id_principal_id_v1",
	 "create index if not exists idx_grants_entitlement_id_principal_id_v1 on v1_grants "
	 "(entitlement_id, principal_resource_type_id, principal_resource_id);"},
	{BATON__GIDX_ENT_SYNC, "idx_grants_entitlement_sync_grant_v1",
	 "create index if not exists idx_grants_entitlement_sync_grant_v1 on v1_grants "
	 "(entitlement_id, sync_id, id);"},
};
#define N_GIDX (sizeof(gidx) / sizeof(gidx[0]))

#define GRANT_COLS                                                                                  \
	"id, resource_type_id, resource_id, entitlement_id, principal_resource_type_id, "              \
	"principal_resource_id, external_id, expansion, needs_expansion, data, sync_id, discovered_at"

/*
 * Moves every grant row that repeats an earlier row's (external_id, sync_id) into
 * temp.baton_grant_dups, closes the rowid gaps they leave (rows keep their order: a later row
 * moves down by the number of duplicates before it, as if the duplicates had never taken a rowid),
 * and builds the unique index. The temp table is emptied, never dropped: a DROP fails while any
 * statement of the connection reads.
 */
static const char move_dups_sql[] =
	"CREATE TEMP TABLE IF NOT EXISTS baton_grant_dups (id INTEGER PRIMARY KEY, resource_type_id, "
	"resource_id, entitlement_id, principal_resource_type_id, principal_resource_id, external_id, "
	"expansion, needs_expansion, data, sync_id, discovered_at, seq INTEGER);\n"
	"DELETE FROM temp.baton_grant_dups;\n"
	"INSERT INTO temp.baton_grant_dups SELECT " GRANT_COLS ", row_number() OVER (ORDER BY id) FROM v1_grants "
	"WHERE id NOT IN (SELECT min(id) FROM v1_grants GROUP BY external_id, sync_id);\n"
	"DELETE FROM v1_grants WHERE id IN (SELECT id FROM temp.baton_grant_dups);\n"
	/* seq of the nearest moved row below = how many moved rows are below: one seek per row, so
	 * a connector that repeats every grant costs O(n log n), not O(n x duplicates) */
	"UPDATE v1_grants SET id = id - (SELECT d.seq FROM temp.baton_grant_dups d WHERE d.id < v1_grants.id "
	"ORDER BY d.id DESC LIMIT 1) WHERE id > (SELECT min(id) FROM temp.baton_grant_dups);\n"
	"create unique index if not exists idx_grants_external_sync_v1 on v1_grants (external_id, sync_id);";

/* Replays the moved rows, oldest first, through the grant upsert (rows.c). */
static int replay_dups(baton_store *s, int64_t *n)
{
	sqlite3_stmt *sel = NULL, *up = NULL;
	int sr = sqlite3_prepare_v2(s->db, "SELECT " GRANT_COLS " FROM temp.baton_grant_dups ORDER BY id", -1,
	                            &sel, NULL);
	if (sr == SQLITE_OK)
		sr = sqlite3_prepare_v2(s->db, baton__put_grant_sql, -1, &up, NULL);
	while (sr == SQLITE_OK && (sr = sqlite3_step(sel)) == SQLITE_ROW) {
		/* upsert parameters: ?1 external_id ?2 data ?3 sync_id ?4 discovered_at ?5-?9 the
		 * resource and principal columns ?10 expansion ?11 needs_expansion */
		static const int param_of_col[12] = {0, 5, 6, 7, 8, 9, 1, 10, 11, 2, 3, 4};
		for (int c = 1; c < 12; c++)
			sqlite3_bind_value(up, param_of_col[c], sqlite3_column_value(sel, c));
		sr = sqlite3_step(up);
		sqlite3_reset(up);
		if (sr == SQLITE_DONE) {
			sr = SQLITE_OK;
			(*n)++;
		}
	}
	sqlite3_finalize(sel);
	sqlite3_finalize(up);
	if (sr != SQLITE_DONE)
		return baton__store_sqlerr(s, sr, "replaying duplicate grants");
	return 0;
}

/* Builds the unique grant index, resolving duplicates; all or nothing (a savepoint). */
static int build_unique(baton_store *s)
{
	int sr = sqlite3_exec(s->db, "SAVEPOINT baton_unique", NULL, NULL, NULL);
	if (sr != SQLITE_OK)
		return baton__store_sqlerr(s, sr, "building the unique grant index");
	int rc = baton__fault("store.unique");
	if (!rc && (sr = sqlite3_exec(s->db, gidx[0].create, NULL, NULL, NULL)) != SQLITE_OK) {
		if ((sr & 0xff) != SQLITE_CONSTRAINT) {
			rc = baton__store_sqlerr(s, sr, "building the unique grant index");
		} else {
			/* The same grant was put twice: rare (a connector repeating itself, a resumed page). */
			int64_t n = 0;
			sr = sqlite3_exec(s->db, move_dups_sql, NULL, NULL, NULL);
			if (sr != SQLITE_OK)
				rc = baton__store_sqlerr(s, sr, "moving duplicate grants aside");
			if (!rc && !(rc = baton__fault("store.unique.replay")))
				rc = replay_dups(s, &n);
			if (!rc && (sr = sqlite3_exec(s->db, "DELETE FROM temp.baton_grant_dups", NULL, NULL, NULL)) != SQLITE_OK)
				rc = baton__store_sqlerr(s, sr, "moving duplicate grants aside");
			if (!rc) {
				char buf[24];
				snprintf(buf, sizeof(buf), "%lld", (long long)n);
				baton__log(BATON_LOG_INFO, "grants put more than once were merged", "path", s->path,
				           "rows", buf, NULL);
			}
		}
	}
	if (rc) {
		sqlite3_exec(s->db, "ROLLBACK TO baton_unique; RELEASE baton_unique", NULL, NULL, NULL);
		return rc;
	}
	if ((sr = sqlite3_exec(s->db, "RELEASE baton_unique", NULL, NULL, NULL)) != SQLITE_OK)
		return baton__store_sqlerr(s, sr, "building the unique grant index");
	return 0;
}

/*
 * Drops the grant indexes in mask, in a savepoint, so a failure (e.g. a statement still reading)
 * leaves every index in place. 0, or a store error naming `what` (none set when what is NULL).
 */
static int drop_gidx(baton_store *s, unsigned mask, const char *what)
{
	int sr = sqlite3_exec(s->db, "SAVEPOINT baton_defer", NULL, NULL, NULL);
	if (sr != SQLITE_OK)
		return what ? baton__store_sqlerr(s, sr, what) : -1;
	char sql[128];
	for (size_t i = 0; sr == SQLITE_OK && i < N_GIDX; i++) {
		if (!(mask & gidx[i].bit))
			continue;
		snprintf(sql, sizeof(sql), "DROP INDEX IF EXISTS %s", gidx[i].name);
		sr = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
	}
	if (sr != SQLITE_OK) {
		int rc = what ? baton__store_sqlerr(s, sr, what) : -1;
		sqlite3_exec(s->db, "ROLLBACK TO baton_defer; RELEASE baton_defer", NULL, NULL, NULL);
		return rc;
	}
	if ((sr = sqlite3_exec(s->db, "RELEASE baton_defer", NULL, NULL, NULL)) != SQLITE_OK)
		return what ? baton__store_sqlerr(s, sr, what) : -1;
	return 0;
}

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
	if (sr != SQLITE_DONE || s->grants_deferred)
		return; /* grants already there (or an error): keep the indexes */
	if (drop_gidx(s, BATON__GIDX_ALL, NULL) == 0) {
		s->grants_deferred = BATON__GIDX_ALL;
		baton__store_writer_start(s);
	}
}

int baton__store_grants_build(baton_store *s, unsigned mask, bool required)
{
	if (!s || !(s->grants_deferred & mask))
		return 0;
	/* Every queued grant row is in the table before an index is built or anything reads. */
	int rc = baton__store_writer_drain(s);
	if (rc)
		return rc;
	if (mask & s->grants_deferred & BATON__GIDX_UNIQUE) {
		/* Always an error when it fails: until it exists, the table may hold duplicates. */
		if ((rc = build_unique(s)))
			return rc;
		s->grants_deferred &= ~BATON__GIDX_UNIQUE;
	}
	for (size_t i = 1; i < N_GIDX; i++) {
		if (!(mask & s->grants_deferred & gidx[i].bit))
			continue;
		int sr = sqlite3_exec(s->db, gidx[i].create, NULL, NULL, NULL);
		if (sr != SQLITE_OK) {
			if (required)
				return baton__store_sqlerr(s, sr, "building the grant indexes");
			/* A statement still reading can lock the schema; reads work without these indexes,
			 * and the next call (at the latest saving) builds them. */
			return 0;
		}
		s->grants_deferred &= ~gidx[i].bit;
	}
	return 0;
}

/* The page cache of a lean build, KiB. */
#define LEAN_CACHE_KIB 16384

int baton__store_grants_build_lean(baton_store *s, unsigned mask)
{
	sqlite3_stmt *st;
	int64_t cache = 0;
	if (sqlite3_prepare_v2(s->db, "PRAGMA cache_size", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			cache = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	char sql[64];
	bool shrink = cache < -LEAN_CACHE_KIB; /* negative: KiB */
	if (shrink) {
		snprintf(sql, sizeof sql, "PRAGMA cache_size = %d", -LEAN_CACHE_KIB);
		sqlite3_exec(s->db, sql, NULL, NULL, NULL);
	}
	int rc = baton__store_grants_build(s, mask, true);
	if (shrink) {
		snprintf(sql, sizeof sql, "PRAGMA cache_size = %lld", (long long)cache);
		sqlite3_exec(s->db, sql, NULL, NULL, NULL);
	}
	return rc;
}

int baton__store_grants_defer(baton_store *s, unsigned mask)
{
	mask &= ~BATON__GIDX_UNIQUE & ~s->grants_deferred;
	if (!mask)
		return 0;
	int rc = drop_gidx(s, mask, "deferring grant indexes");
	if (!rc)
		s->grants_deferred |= mask;
	return rc;
}

int baton__store_grants_defer_unique(baton_store *s)
{
	if (s->grants_deferred & BATON__GIDX_UNIQUE)
		return 0;
	int rc = drop_gidx(s, BATON__GIDX_UNIQUE, "deferring the unique grant index");
	if (!rc)
		s->grants_deferred |= BATON__GIDX_UNIQUE;
	return rc;
}

int baton__store_bulk_grants_end(baton_store *s, bool required)
{
	return baton__store_grants_build(s, BATON__GIDX_ALL, required);
}

int baton__store_grants_unique_repair(baton_store *s)
{
	sqlite3_stmt *st;
	int sr = sqlite3_prepare_v2(s->db,
	                            "SELECT (SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'v1_grants'), "
	                            "(SELECT count(*) FROM sqlite_master WHERE type = 'index' AND "
	                            "name = 'idx_grants_external_sync_v1')", -1, &st, NULL);
	if (sr != SQLITE_OK)
		return baton__store_sqlerr(s, sr, "checking the grant indexes");
	sr = sqlite3_step(st);
	bool missing = sr == SQLITE_ROW && sqlite3_column_int(st, 0) == 1 && sqlite3_column_int(st, 1) == 0;
	sqlite3_finalize(st);
	if (sr != SQLITE_ROW)
		return baton__store_sqlerr(s, sr, "checking the grant indexes");
	if (!missing)
		return 0;
	baton__log(BATON_LOG_INFO, "building the unique grant index a killed run left out", "path", s->path, NULL);
	return build_unique(s);
}
