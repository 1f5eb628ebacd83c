/*
 * Sync compaction (include/baton/compact.h), as upstream's SQLite compactor (`--compact-syncs`):
 * a new empty partial sync in a new file, then every input merged into it from the last to the
 * first by attaching the input's database and copying its snapshot sync's rows, a row replacing
 * the one already there only when its discovered_at is later.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "baton/compact.h"
#include "baton/expand.h"
#include "core/ctx.h"
#include "core/error.h"
#include "store/store.h"

/* The tables merged, in upstream's order (assets and sessions are not). */
static const char *const merged_tables[] = {"v1_resource_types", "v1_resources", "v1_entitlements", "v1_grants"};

/* Sync types a compaction takes as a snapshot (never the halves of a diff). */
static const baton_sync_type snapshot_types[] = {BATON_SYNC_TYPE_FULL, BATON_SYNC_TYPE_RESOURCES_ONLY,
                                                 BATON_SYNC_TYPE_PARTIAL};

/* The newest finished snapshot sync of `s` (latest end, then greatest id), into *best (strings in
 * ctx). BATON_EPRECONDITION naming `path` when there is none. */
static int snapshot_sync(baton_store *s, const char *path, baton_ctx *ctx, baton_sync_run *best)
{
	bool found = false;
	for (size_t i = 0; i < sizeof snapshot_types / sizeof snapshot_types[0]; i++) {
		baton_sync_run run;
		int rc = baton_store_sync_latest_finished(s, snapshot_types[i], ctx, &run);
		if (rc == BATON_ENOTFOUND)
			continue;
		if (rc)
			return rc;
		if (!found || strcmp(run.ended_at, best->ended_at) > 0 ||
		    (strcmp(run.ended_at, best->ended_at) == 0 && strcmp(run.id, best->id) > 0)) {
			*best = run;
			found = true;
		}
	}
	if (!found) {
		baton_error_clear();
		return baton_error_set(BATON_EPRECONDITION,
		                       "compact: %s has no finished compactable sync (diff sync types "
		                       "\"partial_upserts\"/\"partial_deletions\" are not compactable)", path);
	}
	return 0;
}

/* full if either is, else resources_only if either is, else partial (upstream's union). */
static baton_sync_type union_type(baton_sync_type a, baton_sync_type b)
{
	if (a == BATON_SYNC_TYPE_FULL || b == BATON_SYNC_TYPE_FULL)
		return BATON_SYNC_TYPE_FULL;
	if (a == BATON_SYNC_TYPE_RESOURCES_ONLY || b == BATON_SYNC_TYPE_RESOURCES_ONLY)
		return BATON_SYNC_TYPE_RESOURCES_ONLY;
	return BATON_SYNC_TYPE_PARTIAL;
}

static int run_sql(baton_store *s, const char *sql, const char *const *binds, size_t n, const char *what)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return baton__store_sqlerr(s, rc, what);
	for (size_t i = 0; i < n; i++)
		sqlite3_bind_text(st, (int)i + 1, binds[i], -1, SQLITE_STATIC);
	int sr = sqlite3_step(st);
	sqlite3_finalize(st);
	if (sr != SQLITE_DONE)
		return baton__store_sqlerr(s, sr, what);
	s->dirty = true;
	return 0;
}

/* The columns of main.<table> but id, as a quoted list and a select list that puts ?1 (the base
 * sync id) for sync_id. */
static int table_columns(baton_store *s, const char *table, char *cols, char *sel, size_t size)
{
	char sql[128];
	snprintf(sql, sizeof sql, "PRAGMA main.table_info(%s)", table);
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return baton__store_sqlerr(s, rc, "reading a table's columns");
	size_t cl = 0, sl = 0;
	cols[0] = sel[0] = '\0';
	int sr;
	while ((sr = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 1);
		if (!name || strcmp(name, "id") == 0)
			continue;
		if (strchr(name, '"') || cl + strlen(name) + 8 >= size || sl + strlen(name) + 16 >= size) {
			sqlite3_finalize(st);
			return baton_error_set(BATON_EINTERNAL, "compact: unexpected column %s in %s", name, table);
		}
		const char *sep = cl ? ", " : "";
		cl += (size_t)snprintf(cols + cl, size - cl, "%s\"%s\"", sep, name);
		if (strcmp(name, "sync_id") == 0)
			sl += (size_t)snprintf(sel + sl, size - sl, "%s?1 AS \"sync_id\"", sep);
		else
			sl += (size_t)snprintf(sel + sl, size - sl, "%s\"%s\"", sep, name);
	}
	sqlite3_finalize(st);
	if (sr != SQLITE_DONE)
		return baton__store_sqlerr(s, sr, "reading a table's columns");
	return 0;
}

static int merge_table(baton_store *out, const char *table, const char *base_id, const char *applied_id)
{
	char cols[1024], sel[1024], sql[4096];
	int rc = table_columns(out, table, cols, sel, sizeof cols);
	if (rc)
		return rc;
	/* An applied row goes in when the base has no row of that id, or an older one. */
	snprintf(sql, sizeof sql,
	         "INSERT OR REPLACE INTO main.%s (%s) SELECT %s FROM attached.%s AS a WHERE a.sync_id = ?2 AND "
	         "(NOT EXISTS (SELECT 1 FROM main.%s AS m WHERE m.external_id = a.external_id AND m.sync_id = ?1) "
	         "OR EXISTS (SELECT 1 FROM main.%s AS m WHERE m.external_id = a.external_id AND m.sync_id = ?1 "
	         "AND a.discovered_at > m.discovered_at))",
	         table, cols, sel, table, table, table);
	const char *binds[] = {base_id, applied_id};
	return run_sql(out, sql, binds, 2, "merging rows");
}

/* Merges the snapshot sync of the c1z `path` into the snapshot sync of `out`. */
static int merge_one(baton_store *out, const char *path, const char *tmp)
{
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return baton_error_set(BATON_ENOTFOUND, "compact: %s does not exist", path);
	baton_store_options o = BATON_STORE_OPTIONS_INIT;
	o.read_only = true;
	o.tmp_dir = tmp;
	baton_store *in = NULL;
	int rc = baton_store_open(path, &o, &in);
	if (rc)
		return rc;
	if (!in->db_path || access(in->db_path, R_OK) != 0) {
		baton_store_discard(in);
		return baton_error_set(BATON_EINVALID, "compact: %s is empty or missing", path);
	}
	baton_ctx ctx;
	baton__ctx_init(&ctx);
	baton_sync_run base, applied;
	bool attached = false;
	if ((rc = snapshot_sync(out, out->path, &ctx, &base)) || (rc = snapshot_sync(in, path, &ctx, &applied)) ||
	    (rc = baton__store_commit(out)))
		goto done;
	const char *binds[] = {in->db_path};
	if ((rc = run_sql(out, "ATTACH DATABASE ?1 AS attached", binds, 1, "attaching an input")))
		goto done;
	attached = true;
	if ((rc = baton__store_exec(out, "BEGIN")))
		goto done;
	const char *ended = strcmp(applied.ended_at, base.ended_at) > 0 ? applied.ended_at : base.ended_at;
	const char *ub[] = {ended, baton_sync_type_name(union_type(base.type, applied.type)), base.id};
	rc = run_sql(out, "UPDATE main.v1_sync_runs SET ended_at = ?1, sync_type = ?2 WHERE sync_id = ?3", ub, 3,
	             "updating the compacted sync");
	for (size_t i = 0; rc == 0 && i < sizeof merged_tables / sizeof merged_tables[0]; i++)
		rc = merge_table(out, merged_tables[i], base.id, applied.id);
	if (rc == 0)
		rc = baton__store_exec(out, "COMMIT");
	if (rc)
		sqlite3_exec(out->db, "ROLLBACK", NULL, NULL, NULL);
done:
	if (attached)
		sqlite3_exec(out->db, "DETACH DATABASE attached", NULL, NULL, NULL);
	baton__ctx_release(&ctx);
	baton_store_discard(in);
	if (rc)
		baton__error_prefix("compacting %s", path);
	return rc;
}

/* Copies `from` to `to` (a new file) and fsyncs it. */
static int copy_file(const char *from, const char *to)
{
	int in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return baton_error_set(BATON_EUNAVAILABLE, "compact: opening %s: %s", from, strerror(errno));
	int outfd = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (outfd < 0) {
		int e = errno;
		close(in);
		return baton_error_set(BATON_EUNAVAILABLE, "compact: creating %s: %s", to, strerror(e));
	}
	char buf[65536];
	int rc = 0;
	for (;;) {
		ssize_t r = read(in, buf, sizeof buf);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = baton_error_set(BATON_EUNAVAILABLE, "compact: reading %s: %s", from, strerror(errno));
			break;
		}
		if (r == 0)
			break;
		for (ssize_t off = 0; off < r;) {
			ssize_t w = write(outfd, buf + off, (size_t)(r - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				rc = baton_error_set(BATON_EUNAVAILABLE, "compact: writing %s: %s", to, strerror(errno));
				break;
			}
			off += w;
		}
		if (rc)
			break;
	}
	if (rc == 0 && fsync(outfd) != 0)
		rc = baton_error_set(BATON_EUNAVAILABLE, "compact: syncing %s: %s", to, strerror(errno));
	if (close(outfd) != 0 && rc == 0)
		rc = baton_error_set(BATON_EUNAVAILABLE, "compact: closing %s: %s", to, strerror(errno));
	close(in);
	if (rc)
		unlink(to);
	return rc;
}

/* Moves the finished file into place: a rename, or (across file systems) a copy to a temporary
 * name beside the destination renamed over it. */
static int publish(const char *from, const char *to)
{
	if (rename(from, to) == 0)
		return 0;
	if (errno != EXDEV)
		return baton_error_set(BATON_EUNAVAILABLE, "compact: moving %s to %s: %s", from, to, strerror(errno));
	size_t len = strlen(to);
	char *tmp = malloc(len + 5);
	if (!tmp)
		return baton__error_oom("compacted file name");
	memcpy(tmp, to, len);
	memcpy(tmp + len, ".tmp", 5);
	unlink(tmp);
	int rc = copy_file(from, tmp);
	if (rc == 0 && rename(tmp, to) != 0) {
		rc = baton_error_set(BATON_EUNAVAILABLE, "compact: moving %s to %s: %s", tmp, to, strerror(errno));
		unlink(tmp);
	}
	free(tmp);
	return rc;
}

static char *join_path(const char *dir, const char *prefix, const char *id)
{
	size_t n = strlen(dir) + strlen(prefix) + strlen(id) + 8;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s/%s%s.c1z", dir, prefix, id);
	return p;
}

BATON_API int baton_compact_files(const char *output_dir, const char *const *paths, const char *const *sync_ids,
                                  size_t n, const baton_compact_options *opts, char **out_path,
                                  char new_sync_id[28])
{
	if (out_path)
		*out_path = NULL;
	if (n < 2 || !paths || !sync_ids)
		return baton_error_set(BATON_EINVALID, "must provide two or more files to compact");
	for (size_t i = 0; i < n; i++)
		if (!paths[i] || !*paths[i] || !sync_ids[i])
			return baton_error_set(BATON_EINVALID, "compact: file %zu: a path and a sync id are required", i);
	if (!output_dir || !*output_dir)
		output_dir = ".";
	struct stat st;
	if (stat(output_dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return baton_error_set(BATON_ENOTFOUND, "compact: the output directory %s does not exist", output_dir);

	char *tmp = NULL;
	int rc = baton__work_dir_create(opts ? opts->tmp_dir : NULL, &tmp);
	if (rc)
		return rc;
	char *work = join_path(tmp, "compacted-", sync_ids[0]);
	char *final = NULL;
	baton_store *out = NULL;
	char id[28] = "";
	if (!work) {
		rc = baton__error_oom("compacted file name");
		goto done;
	}
	baton_store_options o = BATON_STORE_OPTIONS_INIT;
	o.tmp_dir = tmp;
	if ((rc = baton_store_open(work, &o, &out)))
		goto done;
	/* A new, ended, empty partial sync: the merges fill it and set its type and end. */
	if ((rc = baton_store_sync_start(out, BATON_SYNC_TYPE_PARTIAL, NULL, id)) || (rc = baton_store_sync_end(out)))
		goto done;
	/* The base is paths[0]: merge from the last, so the base (usually the largest) comes last. */
	for (size_t i = n; rc == 0 && i-- > 0;)
		rc = merge_one(out, paths[i], tmp);
	if (rc)
		goto done;
	baton_ctx ctx;
	baton__ctx_init(&ctx);
	baton_sync_run run;
	rc = baton_store_sync_get(out, id, &ctx, &run);
	baton_sync_type type = rc == 0 ? run.type : BATON_SYNC_TYPE_ANY;
	baton__ctx_release(&ctx);
	if (rc)
		goto done;
	if (type != BATON_SYNC_TYPE_PARTIAL) {
		baton_expand_options eo = BATON_EXPAND_OPTIONS_INIT;
		if ((rc = baton_expand_store(out, id, &eo, NULL))) {
			baton__error_prefix("compact: expanding grants");
			goto done;
		}
	}
	rc = baton_store_close(out);
	out = NULL;
	if (rc)
		goto done;
	final = join_path(output_dir, "compacted-", id);
	if (!final) {
		rc = baton__error_oom("compacted file name");
		goto done;
	}
	rc = publish(work, final);
done:
	if (out)
		baton_store_discard(out);
	if (rc == 0 && work)
		unlink(work);
	if (rc && work)
		unlink(work);
	free(work);
	baton__work_dir_remove(tmp);
	free(tmp);
	if (rc) {
		free(final);
		return rc;
	}
	if (new_sync_id)
		memcpy(new_sync_id, id, sizeof id);
	if (out_path)
		*out_path = final;
	else
		free(final);
	return 0;
}

/* ---- diff against another file (upstream's GenerateSyncDiffFromFile) ------------------------ */

/* grants_backfilled and supports_diff of `sync_id` in schema `db` ("main" / "attached") must be 1. */
static int check_diff_ready(baton_store *s, const char *db, const char *which, const char *sync_id)
{
	char sql[160];
	snprintf(sql, sizeof sql, "SELECT grants_backfilled, supports_diff FROM %s.v1_sync_runs WHERE sync_id = ?1", db);
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return baton__store_sqlerr(s, rc, "checking a sync's readiness");
	sqlite3_bind_text(st, 1, sync_id, -1, SQLITE_STATIC);
	int sr = sqlite3_step(st);
	if (sr != SQLITE_ROW) {
		sqlite3_finalize(st);
		if (sr == SQLITE_DONE)
			return baton_error_set(BATON_ENOTFOUND, "failed to check %s sync %s readiness: no such sync", which,
			                       sync_id);
		return baton__store_sqlerr(s, sr, "checking a sync's readiness");
	}
	int backfilled = sqlite3_column_int(st, 0), diff = sqlite3_column_int(st, 1);
	sqlite3_finalize(st);
	if (backfilled != 1)
		return baton_error_set(BATON_EPRECONDITION, "%s sync %s has not been backfilled (grants_backfilled=%d)", which,
		                       sync_id, backfilled);
	if (diff != 1)
		return baton_error_set(BATON_EPRECONDITION, "%s sync %s does not support diff (supports_diff=%d)", which,
		                       sync_id, diff);
	return 0;
}

static int diff_tables(baton_store *s, const char *old_id, const char *new_id, const char *up_id, const char *del_id)
{
	int rc = 0;
	for (size_t i = 0; !rc && i < sizeof merged_tables / sizeof merged_tables[0]; i++) {
		const char *t = merged_tables[i];
		char cols[1024], sel[1024], sql[4096];
		if ((rc = table_columns(s, t, cols, sel, sizeof cols)))
			break;
		/* deletions: rows of the old sync whose ids the new sync lacks */
		snprintf(sql, sizeof sql,
		         "INSERT INTO main.%s (%s) SELECT %s FROM attached.%s AS a WHERE a.sync_id = ?2 AND NOT EXISTS "
		         "(SELECT 1 FROM main.%s AS m WHERE m.external_id = a.external_id AND m.sync_id = ?3)",
		         t, cols, sel, t, t);
		const char *bd[] = {del_id, old_id, new_id};
		if ((rc = run_sql(s, sql, bd, 3, "writing deletions")))
			break;
		/* upserts: rows of the new sync that are new, or whose data (for grants: or expansion)
		 * changed */
		const char *cmp = strcmp(t, "v1_grants") == 0
		                          ? "(a.data != m.data OR IFNULL(a.expansion, X'') != IFNULL(m.expansion, X''))"
		                          : "a.data != m.data";
		snprintf(sql, sizeof sql,
		         "INSERT INTO main.%s (%s) SELECT %s FROM main.%s AS m WHERE m.sync_id = ?3 AND (NOT EXISTS "
		         "(SELECT 1 FROM attached.%s AS a WHERE a.external_id = m.external_id AND a.sync_id = ?2) OR EXISTS "
		         "(SELECT 1 FROM attached.%s AS a WHERE a.external_id = m.external_id AND a.sync_id = ?2 AND %s))",
		         t, cols, sel, t, t, t, cmp);
		const char *bu[] = {up_id, old_id, new_id};
		rc = run_sql(s, sql, bu, 3, "writing upserts");
	}
	return rc;
}

BATON_API int baton_store_sync_diff_from_file(baton_store *s, const char *old_path, const char *old_sync_id,
                                              const char *new_sync_id, char upserts_sync_id[28],
                                              char deletions_sync_id[28])
{
	if (!s || !old_path || !*old_path || !old_sync_id || !*old_sync_id || !new_sync_id || !*new_sync_id)
		return baton_error_set(BATON_EINVALID, "baton_store_sync_diff_from_file: a store, a file and both sync ids "
		                       "are required");
	int rc = baton__store_check_writable(s, "generate diff");
	if (rc)
		return rc;
	struct stat stt;
	if (stat(old_path, &stt) != 0 || !S_ISREG(stt.st_mode))
		return baton_error_set(BATON_ENOTFOUND, "generate diff: %s does not exist", old_path);
	baton_store_options o = BATON_STORE_OPTIONS_INIT;
	o.read_only = true;
	baton_store *old = NULL;
	if ((rc = baton_store_open(old_path, &o, &old)))
		return rc;
	bool attached = false, in_tx = false;
	if ((rc = baton__store_bulk_grants_end(s, true)) || (rc = baton__store_commit(s)))
		goto done;
	const char *ab[] = {old->db_path};
	if ((rc = run_sql(s, "ATTACH DATABASE ?1 AS attached", ab, 1, "attaching the old file")))
		goto done;
	attached = true;
	if ((rc = check_diff_ready(s, "attached", "old", old_sync_id)) ||
	    (rc = check_diff_ready(s, "main", "new", new_sync_id)))
		goto done;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	char del_id[BATON__KSUID_LEN + 1], up_id[BATON__KSUID_LEN + 1], now[BATON__TS_LEN];
	if ((rc = baton__ksuid_new((int64_t)ts.tv_sec, del_id)) || (rc = baton__ksuid_new((int64_t)ts.tv_sec, up_id)))
		goto done;
	baton__store_now(s, now);
	if ((rc = baton__store_exec(s, "BEGIN")))
		goto done;
	in_tx = true;
	/* the deletions run first, so that the upserts run is the latest; each links the other */
	static const char ins[] = "INSERT INTO main.v1_sync_runs (sync_id, started_at, sync_token, sync_type, parent_sync_id, "
	                          "linked_sync_id, supports_diff, grants_backfilled) VALUES (?1, ?2, '', ?3, ?4, ?5, 1, 1)";
	const char *d[] = {del_id, now, "partial_deletions", old_sync_id, up_id};
	const char *u[] = {up_id, now, "partial_upserts", old_sync_id, del_id};
	if ((rc = run_sql(s, ins, d, 5, "creating the deletions sync")) ||
	    (rc = run_sql(s, ins, u, 5, "creating the upserts sync")) ||
	    (rc = diff_tables(s, old_sync_id, new_sync_id, up_id, del_id)))
		goto done;
	char end[BATON__TS_LEN];
	baton__store_now(s, end);
	const char *e1[] = {end, del_id}, *e2[] = {end, up_id};
	static const char fin[] = "UPDATE main.v1_sync_runs SET ended_at = ?1 WHERE sync_id = ?2 AND ended_at IS NULL";
	if ((rc = run_sql(s, fin, e1, 2, "ending the deletions sync")) || (rc = run_sql(s, fin, e2, 2, "ending the upserts sync")) ||
	    (rc = baton__store_exec(s, "COMMIT")))
		goto done;
	in_tx = false;
	if (upserts_sync_id)
		memcpy(upserts_sync_id, up_id, sizeof up_id);
	if (deletions_sync_id)
		memcpy(deletions_sync_id, del_id, sizeof del_id);
done:
	if (in_tx)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	if (attached)
		sqlite3_exec(s->db, "DETACH DATABASE attached", NULL, NULL, NULL);
	baton_store_discard(old);
	return rc;
}
