/* The store handle: open, schema and migrations, pragmas, saving, the statement cache. */
#include "store/store.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "core/file.h"
#include "core/input.h"
#include "core/faults.h"
#include "core/log.h"

/* ------------------------------------------------------------------------------------------ */
/* Schema: the DDL text of the Go SDK, byte for byte (sqlite_master keeps it), in its order.    */

static const char ddl_resource_types[] =
	"\ncreate table if not exists v1_resource_types (\n"
	"    id integer primary key,\n"
	"    external_id text not null,\n"
	"    data blob not null,\n"
	"    sync_id text not null,\n"
	"    discovered_at datetime not null\n"
	");\n"
	"create unique index if not exists idx_resource_types_external_sync_v1 on v1_resource_types "
	"(external_id, sync_id);";

/* The second and third index names are swapped relative to their columns, as upstream. */
static const char ddl_resources[] =
	"\ncreate table if not exists v1_resources (\n"
	"    id integer primary key,\n"
	"    resource_type_id text not null,\n"
	"    external_id text not null,\n"
	"\tparent_resource_type_id text,\n"
	"\tparent_resource_id text,\n"
	"    data blob not null,\n"
	"    sync_id text not null,\n"
	"    discovered_at datetime not null\n"
	");\n"
	"create index if not exists idx_resources_resource_type_id_v1 on v1_resources (resource_type_id);\n"
	"create index if not exists idx_resources_external_sync_v1 on v1_resources "
	"(parent_resource_type_id, parent_resource_id);\n"
	"create unique index if not exists idx_resources_parent_resource_id_v1 on v1_resources "
	"(external_id, sync_id);";

static const char ddl_entitlements[] =
	"\ncreate table if not exists v1_entitlements (\n"
	"    id integer primary key,\n"
	"    resource_type_id text not null,\n"
	"    resource_id text not null,\n"
	"    external_id text not null,\n"
	"    data blob not null,\n"
	"    sync_id text not null,\n"
	"    discovered_at datetime not null\n"
	");\n"
	"create index if not exists idx_entitlements_resource_id_v1 on v1_entitlements "
	"(resource_type_id, resource_id);\n"
	"create unique index if not exists idx_entitlements_external_sync_v1 on v1_entitlements "
	"(external_id, sync_id);";

static const char ddl_sync_runs[] =
	"\ncreate table if not exists v1_sync_runs (\n"
	"    id integer primary key,\n"
	"    sync_id text not null,\n"
	"    started_at datetime not null,\n"
	"    ended_at datetime,\n"
	"    sync_token text not null,\n"
	"    sync_type text not null default 'full',\n"
	"    parent_sync_id text not null default '',\n"
	"    linked_sync_id text not null default '',\n"
	"    supports_diff integer not null default 0,\n"
	"    grants_backfilled integer not null default 0,\n"
	"\t\tstats text,\n"
	"    ingest_invariant_generation text not null default '',\n"
	"    ingest_invariant_coverage text not null default '',\n"
	"    ingest_invariant_mode text not null default ''\n"
	");\n"
	"create unique index if not exists idx_sync_runs_sync_id_v1 on v1_sync_runs (sync_id);";

static const char ddl_grants[] =
	"\ncreate table if not exists v1_grants (\n"
	"    id integer primary key,\n"
	"\tresource_type_id text not null,\n"
	"    resource_id text not null,\n"
	"    entitlement_id text not null,\n"
	"    principal_resource_type_id text not null,\n"
	"    principal_resource_id text not null,\n"
	"    external_id text not null,\n"
	"    expansion blob,                             -- Serialized GrantExpandable proto; NULL if "
	"grant is not expandable.\n"
	"    needs_expansion integer not null default 0, -- 1 if grant should be processed during "
	"expansion.\n"
	"    data blob not null,\n"
	"    sync_id text not null,\n"
	"    discovered_at datetime not null\n"
	");\n"
	"create index if not exists idx_grants_resource_type_id_resource_id_v1 on v1_grants "
	"(resource_type_id, resource_id);\n"
	"create index if not exists idx_grants_principal_id_v1 on v1_grants "
	"(principal_resource_type_id, principal_resource_id);\n"
	"create index if not exists idx_grants_entitlement_id_principal_id_v1 on v1_grants "
	"(entitlement_id, principal_resource_type_id, principal_resource_id);\n"
	"create unique index if not exists idx_grants_external_sync_v1 on v1_grants "
	"(external_id, sync_id);\n"
	"create index if not exists idx_grants_entitlement_sync_grant_v1 on v1_grants "
	"(entitlement_id, sync_id, id);";

static const char ddl_assets[] =
	"\ncreate table if not exists v1_assets (\n"
	"    id integer primary key,\n"
	"    external_id text not null,\n"
	"    content_type text not null,\n"
	"    data blob not null,\n"
	"    sync_id text not null,\n"
	"    discovered_at datetime not null\n"
	");\n"
	"create unique index if not exists idx_assets_external_sync_v1 on v1_assets "
	"(external_id, sync_id);";

static const char ddl_sessions[] =
	"\nCREATE TABLE IF NOT EXISTS v1_connector_sessions (\n"
	"    id integer primary key,\n"
	"\tsync_id text NOT NULL,\n"
	"\tkey TEXT NOT NULL,\n"
	"\tvalue BLOB NOT NULL\n"
	");\n"
	"create unique index if not exists idx_session_store_sync_key_v1 on v1_connector_sessions "
	"(sync_id, key);";

/* Tables a non-empty c1z must already have (every v1 writer, old or new, created them). */
static const char *const required_tables[] = {
	"v1_resource_types", "v1_resources", "v1_entitlements", "v1_grants", "v1_sync_runs",
};

/* ------------------------------------------------------------------------------------------ */
/* Errors, statements                                                                          */

static int sqlite_code(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_NOMEM:
	case SQLITE_FULL:
		return BATON_EEXHAUSTED;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return BATON_EDATALOSS;
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return BATON_EPERM;
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return BATON_EUNAVAILABLE;
	case SQLITE_CONSTRAINT:
	case SQLITE_MISMATCH:
	case SQLITE_RANGE:
	case SQLITE_TOOBIG:
		return BATON_EINVALID;
	default:
		return BATON_EINTERNAL;
	}
}

int baton__store_sqlerr(baton_store *s, int rc, const char *what)
{
	const char *msg = s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc);
	if ((rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB)
		s->corrupt = true;
	/* SQLITE_FULL: the working copy's file system is full (or SQLite's page limit is reached) */
	char hint[512] = "";
	if ((rc & 0xff) == SQLITE_FULL)
		snprintf(hint, sizeof(hint), " (no space left on device (ENOSPC) for the working copy in %s)",
		         s->work_dir ? s->work_dir : "the temporary directory");
	int code = baton_error_set(sqlite_code(rc), "c1z %s: %s: %s%s", s->path, what, msg, hint);
	/* These can end the transaction inside SQLite: a later COMMIT would only say "no transaction
	 * is active"; it reports this instead. */
	switch (rc & 0xff) {
	case SQLITE_FULL:
	case SQLITE_IOERR:
	case SQLITE_NOMEM:
	case SQLITE_CORRUPT:
		if (!s->write_err) {
			s->write_err = code;
			snprintf(s->write_msg, sizeof(s->write_msg), "%.200s: %.200s%.300s", what, msg, hint);
		}
		break;
	default:
		break;
	}
	return code;
}

int baton__store_exec(baton_store *s, const char *sql)
{
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		return 0;
	char what[160];
	baton__store_failed_stmt(s->db, sql, what, sizeof(what));
	return baton__store_sqlerr(s, rc, what);
}

int baton__store_prepare(baton_store *s, const char *sql, sqlite3_stmt **out)
{
	for (unsigned i = 0; i < BATON__STORE_STMT_CACHE; i++) {
		baton__stmt_slot *slot = &s->cache[i];
		if (slot->stmt && strcmp(slot->sql, sql) == 0) {
			*out = slot->stmt;
			slot->stmt = NULL;
			free(slot->sql);
			slot->sql = NULL;
			return 0;
		}
	}
	int rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, out, NULL);
	if (rc != SQLITE_OK) {
		*out = NULL;
		return baton__store_sqlerr(s, rc, "prepare");
	}
	return 0;
}

void baton__store_release(baton_store *s, sqlite3_stmt *stmt)
{
	if (!stmt)
		return;
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	char *sql = strdup(sqlite3_sql(stmt));
	if (!sql) {
		sqlite3_finalize(stmt);
		return;
	}
	baton__stmt_slot *slot = NULL;
	for (unsigned i = 0; i < BATON__STORE_STMT_CACHE && !slot; i++)
		if (!s->cache[i].stmt)
			slot = &s->cache[i];
	if (!slot) {
		slot = &s->cache[s->cache_next++ % BATON__STORE_STMT_CACHE];
		sqlite3_finalize(slot->stmt);
		free(slot->sql);
	}
	slot->sql = sql;
	slot->stmt = stmt;
}

static void cache_clear(baton_store *s)
{
	for (unsigned i = 0; i < BATON__STORE_STMT_CACHE; i++) {
		sqlite3_finalize(s->cache[i].stmt);
		free(s->cache[i].sql);
		s->cache[i].stmt = NULL;
		s->cache[i].sql = NULL;
	}
}

int baton__store_check_writable(baton_store *s, const char *op)
{
	if (s->read_only)
		return baton_error_set(BATON_EPERM, "c1z %s: %s: the store is read-only", s->path, op);
	return 0;
}

int baton__store_begin(baton_store *s)
{
	if (s->in_tx)
		return 0;
	int rc = baton__store_exec(s, "BEGIN");
	if (rc == 0) {
		s->write_err = 0;
		s->in_tx = true;
		s->pending = 0;
	}
	return rc;
}

int baton__store_commit(baton_store *s)
{
	if (!s->in_tx)
		return 0;
	/* Rows queued for the writer thread belong to this transaction: written first; if the thread
	 * failed, nothing is committed. */
	int wrc = baton__store_writer_drain(s);
	if (wrc)
		return wrc;
	int frc = baton__fault("store.commit");
	if (frc)
		return frc;
	if (sqlite3_get_autocommit(s->db)) {
		/* SQLite already rolled this transaction back, after a failed write: say why. */
		s->in_tx = false;
		s->pending = 0;
		return baton_error_set(s->write_err ? s->write_err : BATON_EABORTED,
		                       "c1z %s: commit: the transaction was rolled back after a failed write "
		                       "(%s); the c1z file is unchanged", s->path,
		                       s->write_err ? s->write_msg : "unknown error");
	}
	int rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		int err = baton__store_sqlerr(s, rc, "commit");
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		s->in_tx = false;
		s->pending = 0;
		return err;
	}
	s->in_tx = false;
	s->pending = 0;
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Opening                                                                                     */

/* A MiB value from the environment (wins over options, as upstream). 0 when unset. */
static int env_mib(const char *name, uint64_t *out)
{
	const char *v = getenv(name);
	*out = 0;
	if (!v || !*v)
		return 0;
	char *end;
	errno = 0;
	unsigned long long n = strtoull(v, &end, 10);
	if (errno || *end || n == 0 || n > (UINT64_MAX >> 20))
		return baton_error_set(BATON_EINVALID, "%s=%s: expected a positive number of MiB", name, v);
	*out = (uint64_t)n;
	return 0;
}

static int limits_from(const baton_store_options *o, baton__decode_limits *lim)
{
	uint64_t decoded = o && o->max_decoded_size_mb ? o->max_decoded_size_mb : 10240;
	uint64_t window = o && o->max_window_mb ? o->max_window_mb : 128;
	uint64_t env;
	int rc = env_mib("BATON_DECODER_MAX_DECODED_SIZE_MB", &env);
	if (rc)
		return rc;
	if (env)
		decoded = env;
	rc = env_mib("BATON_DECODER_MAX_MEMORY_MB", &env);
	if (rc)
		return rc;
	if (env)
		window = env;
	if (decoded > (UINT64_MAX >> 20) || window > (UINT64_MAX >> 20))
		return baton_error_set(BATON_EINVALID, "c1z decoder limits out of range");
	lim->max_decoded = decoded << 20;
	lim->max_window = window << 20;
	const char *ff = getenv("BATON_DISABLE_FCS_FAIL_FAST");
	lim->fcs_fail_fast = !(ff && (strcmp(ff, "1") == 0 || strcmp(ff, "true") == 0));
	return 0;
}

static int query_int(baton_store *s, const char *sql, const char *text_arg, int64_t *out)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return baton__store_sqlerr(s, rc, sql);
	if (text_arg)
		sqlite3_bind_text(st, 1, text_arg, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		*out = 0;
		rc = SQLITE_OK;
	}
	int err = rc == SQLITE_OK ? 0 : baton__store_sqlerr(s, rc, sql);
	sqlite3_finalize(st);
	return err;
}

static int column_exists(baton_store *s, const char *table, const char *column, bool *exists)
{
	char sql[160];
	snprintf(sql, sizeof(sql), "select count(*) from pragma_table_info('%s') where name=?", table);
	int64_t n;
	int rc = query_int(s, sql, column, &n);
	*exists = n > 0;
	return rc;
}

static int add_column(baton_store *s, const char *table, const char *column, const char *decl)
{
	bool exists;
	int rc = column_exists(s, table, column, &exists);
	if (rc || exists)
		return rc;
	char sql[256];
	snprintf(sql, sizeof(sql), "alter table %s add column %s %s", table, column, decl);
	return baton__store_exec(s, sql);
}

static int check_payload(baton_store *s)
{
	/* A SQLite file starts with this header; anything else is not a database. */
	FILE *f = fopen(s->db_path, "rb");
	if (!f)
		return baton_error_set(BATON_EUNAVAILABLE, "c1z %s: reading the working copy: %s", s->path,
		                       strerror(errno));
	char head[16];
	size_t n = fread(head, 1, sizeof(head), f);
	fclose(f);
	if (n == 0)
		return 1; /* an empty database: as a new file */
	if (n < sizeof(head) || memcmp(head, "SQLite format 3", 16) != 0)
		return baton_error_set(BATON_EDATALOSS, "c1z %s: the payload is not a SQLite database", s->path);
	return 0;
}

static int check_required_tables(baton_store *s)
{
	for (size_t i = 0; i < sizeof(required_tables) / sizeof(required_tables[0]); i++) {
		int64_t n = 0;
		int rc = query_int(s, "select count(*) from sqlite_master where type='table' and name=?",
		                   required_tables[i], &n);
		if (rc) {
			if (baton_error_last()->code == BATON_EDATALOSS || baton_error_last()->code == BATON_EINTERNAL)
				return baton_error_set(BATON_EDATALOSS, "c1z %s: the payload is not a valid SQLite "
				                       "database: %s", s->path, sqlite3_errmsg(s->db));
			return rc;
		}
		if (n == 0)
			return baton_error_set(BATON_EDATALOSS, "c1z %s: required table %s is missing", s->path,
			                       required_tables[i]);
	}
	return 0;
}

static int migrate_sync_runs(baton_store *s, bool *migrated)
{
	static const struct { const char *name, *decl; } cols[] = {
		{"sync_type", "text not null default 'full'"},
		{"parent_sync_id", "text not null default ''"},
		{"linked_sync_id", "text not null default ''"},
		{"supports_diff", "integer not null default 0"},
		{"grants_backfilled", "integer not null default 0"},
		{"stats", "text"},
		{"ingest_invariant_generation", "text not null default ''"},
		{"ingest_invariant_coverage", "text not null default ''"},
		{"ingest_invariant_mode", "text not null default ''"},
	};
	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
		bool exists;
		int rc = column_exists(s, "v1_sync_runs", cols[i].name, &exists);
		if (rc)
			return rc;
		if (exists)
			continue;
		rc = add_column(s, "v1_sync_runs", cols[i].name, cols[i].decl);
		if (rc)
			return rc;
		*migrated = true;
	}
	return 0;
}

/* Moves inline GrantExpandable annotations of not-yet-backfilled syncs into `expansion`. */
static int backfill_grants(baton_store *s, bool *migrated)
{
	int64_t pending;
	int rc = query_int(s, "select count(*) from v1_sync_runs where grants_backfilled = 0", NULL, &pending);
	if (rc || pending == 0)
		return rc;

	sqlite3_stmt *sel = NULL, *upd_full = NULL, *upd_mark = NULL;
	baton_arena arena;
	baton_arena_init(&arena);
	typedef struct { int64_t id; uint8_t *data, *exp; size_t len, exp_len; } brow;
	brow *batch = malloc(1000 * sizeof(*batch));
	if (!batch)
		return baton__error_oom("grant backfill");

	int sr = sqlite3_prepare_v2(s->db,
		"SELECT g.id, g.data FROM v1_grants g WHERE g.id > ? AND g.expansion IS NULL AND g.sync_id IN "
		"(SELECT sync_id FROM v1_sync_runs WHERE grants_backfilled = 0) ORDER BY g.id LIMIT 1000",
		-1, &sel, NULL);
	if (sr == SQLITE_OK)
		sr = sqlite3_prepare_v2(s->db, "UPDATE v1_grants SET expansion=?, needs_expansion=?, data=? "
		                        "WHERE id=?", -1, &upd_full, NULL);
	if (sr == SQLITE_OK)
		sr = sqlite3_prepare_v2(s->db, "UPDATE v1_grants SET expansion=X'' WHERE id=?", -1,
		                        &upd_mark, NULL);
	if (sr != SQLITE_OK) {
		rc = baton__store_sqlerr(s, sr, "grant backfill");
		goto done;
	}

	int64_t last = 0;
	for (;;) {
		baton_arena_reset(&arena);
		size_t n = 0;
		sqlite3_bind_int64(sel, 1, last);
		while ((sr = sqlite3_step(sel)) == SQLITE_ROW) {
			brow *r = &batch[n++];
			r->id = sqlite3_column_int64(sel, 0);
			const void *d = sqlite3_column_blob(sel, 1);
			r->len = (size_t)sqlite3_column_bytes(sel, 1);
			r->data = baton_arena_memdup(&arena, d ? d : "", r->len);
			if (!r->data) {
				sqlite3_reset(sel);
				rc = baton__error_oom("grant backfill");
				goto done;
			}
		}
		sqlite3_reset(sel);
		if (sr != SQLITE_DONE) {
			rc = baton__store_sqlerr(s, sr, "grant backfill");
			goto done;
		}
		if (n == 0)
			break;
		last = batch[n - 1].id;
		for (size_t i = 0; i < n; i++) {
			brow *r = &batch[i];
			uint8_t *nd;
			size_t nl;
			rc = baton__grant_bytes_take_expansion(&arena, r->data, r->len, &nd, &nl, &r->exp,
			                                       &r->exp_len);
			if (rc < 0) {
				baton__error_prefix("c1z %s: grant row %lld", s->path, (long long)r->id);
				goto done;
			}
			if (r->exp) {
				/* Only expandable rows are rewritten; the rest are just marked. */
				r->data = nd;
				r->len = nl;
			}
		}
		if ((rc = baton__store_exec(s, "BEGIN")))
			goto done;
		for (size_t i = 0; i < n && sr == SQLITE_DONE; i++) {
			brow *r = &batch[i];
			sqlite3_stmt *u = r->exp ? upd_full : upd_mark;
			if (r->exp) {
				sqlite3_bind_blob(u, 1, r->exp, (int)r->exp_len, SQLITE_STATIC);
				sqlite3_bind_int(u, 2, 1);
				sqlite3_bind_blob(u, 3, r->data, (int)r->len, SQLITE_STATIC);
				sqlite3_bind_int64(u, 4, r->id);
			} else {
				sqlite3_bind_int64(u, 1, r->id);
			}
			sr = sqlite3_step(u);
			sqlite3_reset(u);
		}
		if (sr != SQLITE_DONE) {
			rc = baton__store_sqlerr(s, sr, "grant backfill");
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			goto done;
		}
		if ((rc = baton__store_exec(s, "COMMIT")))
			goto done;
	}
	rc = baton__store_exec(s, "BEGIN;"
	                          "UPDATE v1_grants SET expansion = NULL WHERE expansion = X'';"
	                          "UPDATE v1_sync_runs SET grants_backfilled = 1 WHERE grants_backfilled = 0;"
	                          "COMMIT;");
	if (rc)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	else
		*migrated = true;
done:
	sqlite3_finalize(sel);
	sqlite3_finalize(upd_full);
	sqlite3_finalize(upd_mark);
	baton_arena_release(&arena);
	free(batch);
	return rc;
}

static int migrate_grants(baton_store *s, bool *migrated)
{
	int rc = add_column(s, "v1_grants", "expansion", "blob");
	if (!rc)
		rc = add_column(s, "v1_grants", "needs_expansion", "integer not null default 0");
	if (!rc)
		rc = baton__store_exec(s, "create index if not exists idx_grants_sync_expansion_v1 on "
		                          "v1_grants (sync_id) where expansion is not null");
	if (!rc)
		rc = baton__store_exec(s, "create index if not exists idx_grants_sync_needs_expansion_v1 on "
		                          "v1_grants (sync_id) where needs_expansion = 1");
	if (!rc)
		rc = backfill_grants(s, migrated);
	if (!rc)
		rc = baton__store_exec(s, "create index if not exists idx_grants_entitlement_sync_grant_v1 on "
		                          "v1_grants (entitlement_id, sync_id, id)");
	return rc;
}

static int init_schema(baton_store *s)
{
	int64_t before, after;
	int rc = query_int(s, "PRAGMA schema_version", NULL, &before);
	if (rc)
		return rc;
	bool migrated = false;
	const char *const ddl[] = {ddl_resource_types, ddl_resources, ddl_entitlements, ddl_sync_runs,
	                           ddl_grants, ddl_assets, ddl_sessions};
	for (size_t i = 0; i < sizeof(ddl) / sizeof(ddl[0]); i++) {
		/* A working copy killed in the bulk phase has no unique grant index and may hold the same
		 * grant twice: the schema's "create unique index if not exists" would fail (bulk.c). */
		if (ddl[i] == ddl_grants && (rc = baton__store_grants_unique_repair(s)))
			return rc;
		if ((rc = baton__store_exec(s, ddl[i])))
			return rc;
		if (ddl[i] == ddl_sync_runs)
			rc = migrate_sync_runs(s, &migrated);
		else if (ddl[i] == ddl_grants)
			rc = migrate_grants(s, &migrated);
		if (rc)
			return rc;
	}
	/* Files written by old SDKs are in WAL mode; fold the WAL back before changing modes. */
	sqlite3_exec(s->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
	if (!migrated) {
		if ((rc = query_int(s, "PRAGMA schema_version", NULL, &after)))
			return rc;
		migrated = after > before;
	}
	if (migrated && (rc = baton__store_exec(s, "PRAGMA optimize")))
		return rc;
	return 0;
}

static int set_pragmas(baton_store *s)
{
	if (s->read_only)
		return baton__store_exec(s, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; "
		                            "PRAGMA main.locking_mode = EXCLUSIVE;");
	/*
	 * The working copy is private and rewritten into the c1z on close, so commits need no fsync
	 * (synchronous = OFF; the rollback journal still protects against a killed process), and a
	 * 32 MiB page cache keeps the grant indexes of a large sync in memory.
	 */
	/*
	 * A resumable working copy ("<path>.wip/") must outlive the process, so its commits keep
	 * synchronous = NORMAL: with the rollback journal, a commit is on disk in a state SQLite can
	 * recover even after a system crash, not only after a kill.
	 */
	if (s->wip)
		return baton__store_exec(s, "PRAGMA synchronous = NORMAL; PRAGMA journal_mode = TRUNCATE; "
		                            "PRAGMA main.locking_mode = EXCLUSIVE; PRAGMA cache_size = -32768;");
	return baton__store_exec(s, "PRAGMA synchronous = OFF; PRAGMA journal_mode = TRUNCATE; "
	                            "PRAGMA main.locking_mode = EXCLUSIVE; PRAGMA cache_size = -32768;");
}

static void close_db(baton_store *s)
{
	baton__store_writer_stop(s);
	baton__rows_finalize(s);
	cache_clear(s);
	if (s->db)
		sqlite3_close(s->db);
	s->db = NULL;
	s->in_tx = false;
	s->pending = 0;
}

/* keep_wip: leave a resumable working copy in place for the next open (unless it is corrupt). */
static void store_free(baton_store *s, bool keep_wip)
{
	close_db(s);
	if (s->wip) {
		if (keep_wip && !s->corrupt)
			close(s->wip_lock_fd);
		else
			baton__wip_remove(s->work_dir, s->wip_lock_fd);
	} else {
		baton__work_dir_remove(s->work_dir);
	}
	baton__ctx_release(&s->scratch);
	free(s->work_dir);
	free(s->db_path);
	free(s->path);
	free(s);
}

/* Opens db_path, checks a decoded payload's tables, creates / migrates the schema, sets pragmas. */
static int open_db(baton_store *s, bool fresh)
{
	/* Serialized mode for a writable store: the grant writer thread (writer.c) shares the
	 * connection, each batch under the connection's mutex. */
	int sr = sqlite3_open_v2(s->db_path, &s->db,
	                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	                         (s->read_only ? SQLITE_OPEN_NOMUTEX : SQLITE_OPEN_FULLMUTEX), NULL);
	if (sr != SQLITE_OK)
		return baton__store_sqlerr(s, sr, "opening the working copy");
	sqlite3_extended_result_codes(s->db, 1);
	int rc;
	if (!fresh && (rc = check_required_tables(s)))
		return rc;
	/* Before the schema: its ~90 statements would otherwise each fsync the working copy. */
	if ((rc = baton__store_exec(s, "PRAGMA synchronous = OFF")))
		return rc;
	if ((rc = init_schema(s)))
		return rc;
	return set_pragmas(s);
}

/* Decodes the c1z into db_path (which must not exist) and opens it. */
static int open_from_c1z(baton_store *s, const baton__decode_limits *lim)
{
	int rc = baton__c1z_decode(s->path, s->db_path, lim);
	if (rc < 0)
		return rc;
	bool fresh = rc == 1;
	if (!fresh) {
		rc = check_payload(s);
		if (rc < 0)
			return rc;
		fresh = rc == 1;
	}
	return open_db(s, fresh);
}

/* Gives up an untouched wip on an error that says nothing about it: unlocked, left as it is. */
static int wip_leave(baton_store *s, int rc)
{
	close_db(s);
	close(s->wip_lock_fd);
	s->wip_lock_fd = -1;
	s->wip = false;
	free(s->work_dir);
	s->work_dir = NULL;
	return rc;
}

/* The resumable working copy (see resumable_work_dir in baton/store.h and baton__wip_dir). */
static int open_wip(baton_store *s, const char *tmp_dir, const baton__decode_limits *lim)
{
	char *dir = baton__wip_dir(s->path, tmp_dir);
	if (!dir)
		return baton__error_oom("store path");
	int rc = baton__wip_lock(dir, s->path, &s->wip_lock_fd);
	if (rc) {
		free(dir);
		return rc;
	}
	/* Locked: from here on the directory is ours (store_free removes or keeps it), and so is
	 * "<c1z>.tmp": one left there is a killed run's (a kill between swapping the new file in and
	 * removing the old one, now at ".tmp", leaves it with the working copy); it goes. */
	s->work_dir = dir;
	s->wip = true;
	{
		size_t n = strlen(s->path) + sizeof(".tmp");
		char *stale = malloc(n);
		if (stale) {
			snprintf(stale, n, "%s.tmp", s->path);
			unlink(stale);
			free(stale);
		}
	}
	if (!(s->db_path = baton__wip_path(dir, "db")))
		return baton__error_oom("store path");

	char ident[128], mident[128], head[BATON__SYNC_ID_MAX], why[768];
	if ((rc = baton__c1z_identity(s->path, ident, sizeof(ident))))
		return wip_leave(s, rc);
	int mr = baton__wip_marker_read(dir, mident, sizeof(mident), head, sizeof(head));
	if (mr < 0)
		return wip_leave(s, mr);
	why[0] = '\0';
	if (mr == 0 && strcmp(mident, ident) != 0) {
		snprintf(why, sizeof(why), "the c1z is not the one it was made from (made from: %s; now: %s)",
		         mident, ident);
	} else if (mr == 0) {
		if (access(s->db_path, F_OK) != 0)
			rc = baton_error_set(BATON_EDATALOSS, "c1z %s: the working copy's database is missing",
			                     s->path);
		else
			rc = check_payload(s);
		if (rc == 1)
			rc = baton_error_set(BATON_EDATALOSS, "c1z %s: the working copy's database is empty", s->path);
		if (rc == 0)
			rc = open_db(s, false);
		if (rc == 0) {
			/* Its changes are not in the c1z: closing writes it even if nothing else changes. */
			s->wip_resumed = true;
			s->dirty = true;
			snprintf(s->wip_head, sizeof(s->wip_head), "%s", head);
			baton__log(BATON_LOG_INFO, "resuming the working copy of an unfinished run", "path", dir, NULL);
			return 0;
		}
		/* Only a damaged database is thrown away; other errors (I/O, memory) leave it for later. */
		if (rc != BATON_EDATALOSS)
			return wip_leave(s, rc);
		snprintf(why, sizeof(why), "%s", baton_error_last()->message);
		close_db(s);
		s->corrupt = false; /* that database is going away */
	} else if (baton__wip_has_content(dir)) {
		snprintf(why, sizeof(why), "it has no valid marker (its creation was interrupted)");
	}
	if (why[0])
		baton__log(BATON_LOG_WARN, "discarding the working copy of an unfinished run", "path", dir,
		           "reason", why, NULL);
	baton__wip_clear(dir);

	if ((rc = open_from_c1z(s, lim)))
		return rc;
	baton_ctx ctx;
	baton__ctx_init(&ctx);
	baton_sync_run run;
	rc = baton_store_sync_latest_finished(s, BATON_SYNC_TYPE_ANY, &ctx, &run);
	if (rc == 0)
		snprintf(s->wip_head, sizeof(s->wip_head), "%s", run.id);
	baton__ctx_release(&ctx);
	if (rc == BATON_ENOTFOUND)
		snprintf(s->wip_head, sizeof(s->wip_head), "-");
	else if (rc)
		return rc;
	return baton__wip_marker_write(dir, s->path, s->db_path, ident, s->wip_head);
}

BATON_API int baton_store_open(const char *path, const baton_store_options *opts, baton_store **out)
{
	if (!out)
		return baton_error_set(BATON_EINVALID, "baton_store_open: out is required");
	*out = NULL;
	if (!path || !*path)
		return baton_error_set(BATON_EINVALID, "baton_store_open: path is required");
	if (opts && (opts->version < 1 || opts->version > BATON_STORE_OPTIONS_VERSION))
		return baton_error_set(BATON_EINVALID, "baton_store_open: unsupported options version %u",
		                       opts->version);
	baton__decode_limits lim;
	int rc = limits_from(opts, &lim);
	if (rc)
		return rc;

	baton_store *s = calloc(1, sizeof(*s));
	if (!s)
		return baton__error_oom("store");
	baton__ctx_init(&s->scratch);
	s->wip_lock_fd = -1;
	s->read_only = opts && opts->read_only;
	s->level = opts && opts->compression_level ? opts->compression_level : 3;
	s->ts_sec = INT64_MIN;
	if (s->read_only) {
		/* Only read: the decoder refuses anything but a regular file. */
		s->path = strdup(path);
		if (!s->path) {
			rc = baton__error_oom("store path");
			goto fail;
		}
	} else if ((rc = baton__file_check_target(path, &s->path))) {
		/* Replaced when closed: refused now, before any work, if that could not be done. */
		rc = baton__error_prefix("c1z");
		goto fail;
	}
	/* The resumable member exists from version 2 on; a read-only store never uses a wip. */
	if (opts && opts->version >= 2 && opts->resumable_work_dir && !s->read_only) {
		/* a FIFO, a device or a directory is refused before a working copy is made for it */
		int fd = baton__input_open(path, "c1z");
		if (fd >= 0) {
			close(fd);
		} else if (!(fd == BATON_ENOTFOUND && errno == ENOENT)) {
			rc = fd;
			goto fail;
		}
		if ((rc = open_wip(s, opts->tmp_dir, &lim)))
			goto fail;
	} else {
		if ((rc = baton__work_dir_create(opts ? opts->tmp_dir : NULL, &s->work_dir)))
			goto fail;
		if (!(s->db_path = baton__wip_path(s->work_dir, "db"))) {
			rc = baton__error_oom("store path");
			goto fail;
		}
		if ((rc = open_from_c1z(s, &lim)))
			goto fail;
	}
	/* Once per process: localtime_r (row stamps) needs the zone read, and tzset() re-reads TZ
	 * on every call, freeing and reallocating glibc's copy, so stores opened in two threads at
	 * once raced on it (ThreadSanitizer in test_sync_concurrent). */
	static pthread_once_t tz_once = PTHREAD_ONCE_INIT;
	pthread_once(&tz_once, tzset);
	*out = s;
	return 0;
fail:
	/* A wip that could not be opened is removed (it is remade from the c1z next time). */
	store_free(s, false);
	return rc;
}

BATON_API void baton_store_discard(baton_store *s)
{
	if (!s)
		return;
	if (s->in_tx)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	s->in_tx = false;
	store_free(s, false);
}

BATON_API int baton_store_close(baton_store *s)
{
	if (!s)
		return 0;
	int rc = baton__store_bulk_grants_end(s, true);
	if (rc == 0)
		rc = baton__store_commit(s);
	if (rc == 0 && s->dirty && !s->read_only) {
		baton__store_writer_stop(s);
		baton__rows_finalize(s);
		cache_clear(s);
		bool compact = false;
		char *packed = baton__store_compacted_copy(s, &compact);
		int sr = sqlite3_close(s->db);
		if (sr != SQLITE_OK) {
			rc = baton__store_sqlerr(s, sr, "closing the database");
		} else {
			s->db = NULL;
			char made_from[128] = "";
			/* checked before the (long) pack, and again as the file is replaced */
			if (s->wip)
				rc = baton__wip_check_source(s->work_dir, s->path, made_from, sizeof(made_from));
			if (rc == 0)
				rc = baton__c1z_encode_window(packed ? packed : s->db_path, s->path, s->level,
				                              baton__c1z_window_for(s->level, compact),
				                              made_from[0] ? made_from : NULL);
		}
		if (packed)
			unlink(packed);
		free(packed);
	}
	/* Saved (or nothing to save): the working copy goes. Not saved: a wip stays for a resume. */
	store_free(s, rc != 0);
	return rc;
}

BATON_API int baton_store_suspend(baton_store *s)
{
	if (!s)
		return 0;
	if (!s->wip)
		return baton_store_close(s);
	int rc = baton__store_commit(s);
	/* Nothing written and nothing picked up: there is nothing to resume. */
	store_free(s, s->dirty || s->wip_resumed);
	return rc;
}

BATON_API bool baton_store_resumed(const baton_store *s)
{
	return s && s->wip_resumed;
}

BATON_API int baton_store_sync_unsaved_finished(baton_store *s, baton_ctx *ctx, baton_sync_run *run)
{
	if (!s || !ctx || !run)
		return baton_error_set(BATON_EINVALID, "baton_store_sync_unsaved_finished: store, ctx and run "
		                       "are required");
	if (!s->wip_resumed)
		return baton_error_set(BATON_ENOTFOUND, "c1z %s: no working copy was resumed", s->path);
	int rc = baton_store_sync_latest_finished(s, BATON_SYNC_TYPE_ANY, ctx, run);
	if (rc)
		return rc;
	if (strcmp(run->id, s->wip_head) == 0)
		return baton_error_set(BATON_ENOTFOUND, "c1z %s: no sync was finished in the working copy",
		                       s->path);
	return 0;
}

BATON_API int baton_store_save_as(baton_store *s, const char *path)
{
	if (!s || !path || !*path)
		return baton_error_set(BATON_EINVALID, "baton_store_save_as: store and path are required");
	int rc = baton__store_bulk_grants_end(s, true);
	if (rc == 0)
		rc = baton__store_commit(s);
	if (rc)
		return rc;
	return baton__c1z_encode(s->db_path, path, s->level, NULL);
}

BATON_API bool baton_store_is_dirty(const baton_store *s)
{
	return s && s->dirty;
}
