/*
 * Commands that rewrite a c1z or write another file from it:
 *
 *   dump-db            the SQLite database inside the c1z, decompressed (hidden, as in Go)
 *   optimize           VACUUM the database and write the c1z back in place (hidden, as in Go)
 *   export c1z         a new c1z holding one finished sync only (the Go tool's CloneSync)
 *   recalculate-stats  recompute the cached stats of finished syncs, written back in place
 *   to-pebble          refused: libbaton reads and writes v1 (SQLite) c1z files only
 *
 * Every file is written to a temporary name next to its target and renamed over it (the store's
 * c1z writer does the same), so a failure leaves the old file or nothing; a target that exists
 * and is not a regular file (a directory, a device, a FIFO) is refused before anything is done.
 * In-place rewrites check that the file was not replaced meanwhile, and are refused while a
 * connector's sync of it is unfinished ("<file>.wip/" exists), as `expand` is.
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "baton/expand.h"
#include "core/file.h"
#include "store/store.h"
#include "sync/state.h"

/* A c1z decoded into a private work directory. */
typedef struct work {
	char *dir;
	char db_path[4200];
	sqlite3 *db;
} work;

static void work_end(work *w)
{
	if (w->db)
		sqlite3_close(w->db);
	w->db = NULL;
	if (w->dir)
		baton__work_dir_remove(w->dir);
	free(w->dir);
	w->dir = NULL;
}

/* The decoder limits the store uses by default (its environment overrides are not read here). */
static void default_limits(baton__decode_limits *lim)
{
	lim->max_decoded = (uint64_t)10240 << 20;
	lim->max_window = (uint64_t)128 << 20;
	lim->fcs_fail_fast = true;
}

/* Refuses a path that exists and is not a regular file. 0 or an exit status (error printed). */
static int check_target(const char *path, const char *what)
{
	struct stat st;
	if (!*path)
		return tool_usage_fail("%s needs a non-empty path", what);
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
		return tool_fail("%s: not a regular file (%s refuses to replace it)", path, what);
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return tool_fail("%s: not a regular file (%s refuses to replace it)", path, what);
	return 0;
}

/* Checks the input as tool_open_path does (exists, a non-empty regular file). */
static int check_input(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return tool_fail("%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return tool_fail("%s: not a regular file, not a c1z file", path);
	if (st.st_size == 0)
		return tool_fail("%s: empty file, not a c1z file", path);
	return 0;
}

static int wip_refuse(const char *path)
{
	char wip[4200];
	snprintf(wip, sizeof(wip), "%s.wip", path);
	if (access(wip, F_OK) == 0)
		return tool_fail("%s: a sync of this file is unfinished or running (%s): let the connector "
		                 "finish it first", path, wip);
	return 0;
}

/* The directory part of path ("." when none), in buf. */
static void dir_of(const char *path, char *buf, size_t cap)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(buf, cap, ".");
	else if (slash == path)
		snprintf(buf, cap, "/");
	else
		snprintf(buf, cap, "%.*s", (int)(slash - path), path);
}

/* Decodes `path` into a work directory under `base` (NULL: $TMPDIR) and opens it with SQLite. */
static int work_begin(work *w, const char *path, const char *base, bool open_db)
{
	baton__decode_limits lim;
	int rc;

	memset(w, 0, sizeof(*w));
	default_limits(&lim);
	if ((rc = baton__work_dir_create(base, &w->dir)) < 0)
		return rc;
	snprintf(w->db_path, sizeof(w->db_path), "%s/db", w->dir);
	if ((rc = baton__c1z_decode(path, w->db_path, &lim)) != 0) {
		if (rc > 0)
			rc = baton_error_set(BATON_EINVALID, "%s: empty file, not a c1z file", path);
		return rc;
	}
	if (open_db && sqlite3_open_v2(w->db_path, &w->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		return baton_error_set(BATON_EDATALOSS, "%s: cannot open its database: %s", path,
		                       w->db ? sqlite3_errmsg(w->db) : "out of memory");
	return 0;
}

static int exec(work *w, const char *sql)
{
	char *err = NULL;
	if (sqlite3_exec(w->db, sql, NULL, NULL, &err) != SQLITE_OK) {
		int rc = baton_error_set(BATON_EDATALOSS, "database: %s", err ? err : sqlite3_errmsg(w->db));
		sqlite3_free(err);
		return rc;
	}
	return 0;
}

/* Closes the database and writes it as a c1z to `out` (atomically; `expect` as for encode). */
static int work_save(work *w, const char *out, const char *expect)
{
	if (w->db && sqlite3_close(w->db) != SQLITE_OK)
		return baton_error_set(BATON_EINTERNAL, "cannot close the database");
	w->db = NULL;
	return baton__c1z_encode(w->db_path, out, 1, expect);
}

/* ---- dump-db ------------------------------------------------------------------------------ */

int cmd_dump_db(tool *t)
{
	const char *out = t->args.given[FLAG_OUT] ? t->args.value[FLAG_OUT] : "./sync.db";
	char base[4200];
	work w;
	int rc;

	if ((rc = check_input(t->file)) != 0 || (rc = check_target(out, "dump-db --out")) != 0)
		return rc;
	dir_of(out, base, sizeof(base));
	/* Decoded next to the target, then renamed over it: never a half-written database there. */
	if (work_begin(&w, t->file, base, false) < 0) {
		rc = tool_fail_last();
		work_end(&w);
		return rc;
	}
	if (chmod(w.db_path, baton__file_replace_mode(out)) != 0 || rename(w.db_path, out) != 0) {
		rc = tool_fail("%s: %s", out, strerror(errno));
		work_end(&w);
		return rc;
	}
	work_end(&w);
	return TOOL_EXIT_OK;
}

/* ---- optimize ----------------------------------------------------------------------------- */

int cmd_optimize(tool *t)
{
	char identity[256];
	work w;
	int rc;

	if ((rc = check_input(t->file)) != 0 || (rc = check_target(t->file, "optimize")) != 0 ||
	    (rc = wip_refuse(t->file)) != 0)
		return rc;
	if (baton__c1z_identity(t->file, identity, sizeof(identity)) < 0)
		return tool_fail_last();
	if (work_begin(&w, t->file, NULL, true) < 0 || exec(&w, "VACUUM") < 0 ||
	    work_save(&w, t->file, identity) < 0) {
		rc = tool_fail_last();
		work_end(&w);
		return rc;
	}
	work_end(&w);
	printf("Optimized C1Z successfully.");
	return TOOL_EXIT_OK;
}

/* ---- export c1z --------------------------------------------------------------------------- */

/* Deletes every row of every sync but `keep` (tables with a sync_id column), then VACUUM. */
static int keep_only(work *w, const char *keep)
{
	sqlite3_stmt *tables = NULL;
	int rc = 0;

	if (sqlite3_prepare_v2(w->db,
	                       "SELECT m.name FROM sqlite_master m WHERE m.type = 'table' AND EXISTS "
	                       "(SELECT 1 FROM pragma_table_info(m.name) p WHERE p.name = 'sync_id') "
	                       "ORDER BY m.name",
	                       -1, &tables, NULL) != SQLITE_OK)
		return baton_error_set(BATON_EDATALOSS, "database: %s", sqlite3_errmsg(w->db));
	if ((rc = exec(w, "BEGIN")) < 0) {
		sqlite3_finalize(tables);
		return rc;
	}
	while (rc == 0 && sqlite3_step(tables) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(tables, 0);
		char *sql = sqlite3_mprintf("DELETE FROM \"%w\" WHERE sync_id IS NOT ?", name);
		sqlite3_stmt *del = NULL;
		if (!sql)
			rc = baton_error_set(BATON_EEXHAUSTED, "out of memory");
		else if (sqlite3_prepare_v2(w->db, sql, -1, &del, NULL) != SQLITE_OK ||
		         sqlite3_bind_text(del, 1, keep, -1, SQLITE_STATIC) != SQLITE_OK ||
		         sqlite3_step(del) != SQLITE_DONE)
			rc = baton_error_set(BATON_EDATALOSS, "database: %s", sqlite3_errmsg(w->db));
		sqlite3_finalize(del);
		sqlite3_free(sql);
	}
	sqlite3_finalize(tables);
	if (rc == 0)
		rc = exec(w, "COMMIT");
	else
		sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);
	return rc == 0 ? exec(w, "VACUUM") : rc;
}

int cmd_export_c1z(tool *t)
{
	const char *out = t->args.given[FLAG_OUT] ? t->args.value[FLAG_OUT] : "./latest.c1z";
	const char *sync_id = t->args.given[FLAG_SYNC_ID] ? t->args.value[FLAG_SYNC_ID] : "";
	struct stat st;
	baton_ctx *ctx = NULL;
	baton_sync_run run;
	char id[64];
	work w;
	int rc;

	if (!*out)
		return tool_usage_fail("export c1z needs a non-empty --out path");
	/* As the Go tool: the output must not exist yet. */
	if (lstat(out, &st) == 0)
		return tool_fail("%s: already exists (export c1z writes a new file only)", out);
	if (tool_open_path(t->file, &t->store) < 0 || baton_ctx_new(&ctx) < 0)
		return tool_fail_last();
	if (*sync_id) {
		rc = baton_store_sync_get(t->store, sync_id, ctx, &run);
		if (rc == BATON_ENOTFOUND)
			baton_error_set(rc, "%s: no sync with id \"%s\" (see baton syncs)", t->file, sync_id);
	} else {
		rc = baton_store_sync_latest_finished(t->store, BATON_SYNC_TYPE_FULL, ctx, &run);
		if (rc == BATON_ENOTFOUND)
			baton_error_set(rc, "%s: no finished full sync to export (see baton syncs)", t->file);
	}
	if (rc == 0 && !run.ended_at)
		rc = baton_error_set(BATON_EPRECONDITION, "sync %s is not finished: only a finished sync is exported",
		                     run.id);
	if (rc == 0)
		snprintf(id, sizeof(id), "%s", run.id);
	baton_ctx_free(ctx);
	if (rc < 0)
		return tool_fail_last();

	if (work_begin(&w, t->file, NULL, true) < 0 || keep_only(&w, id) < 0 || work_save(&w, out, "none") < 0) {
		rc = tool_fail_last();
		work_end(&w);
		return rc;
	}
	work_end(&w);
	return TOOL_EXIT_OK;
}

/* ---- recalculate-stats -------------------------------------------------------------------- */

int cmd_recalculate_stats(tool *t)
{
	const char *only = t->args.given[FLAG_SYNC_ID] ? t->args.value[FLAG_SYNC_ID] : "";
	baton_store_options so = BATON_STORE_OPTIONS_INIT;
	baton_store *s = NULL;
	baton_ctx *ctx = NULL;
	baton_sync_run *runs = NULL, one;
	size_t n = 0, done = 0;
	int rc;

	if ((rc = check_input(t->file)) != 0 || (rc = check_target(t->file, "recalculate-stats")) != 0 ||
	    (rc = wip_refuse(t->file)) != 0)
		return rc;
	if (baton_store_open(t->file, &so, &s) < 0 || baton_ctx_new(&ctx) < 0) {
		rc = tool_fail_last();
		goto out;
	}
	if (*only) {
		rc = baton_store_sync_get(s, only, ctx, &one);
		if (rc == BATON_ENOTFOUND)
			baton_error_set(rc, "%s: no sync with id \"%s\" (see baton syncs)", t->file, only);
		runs = &one;
		n = 1;
	} else {
		rc = baton_store_sync_list(s, ctx, &runs, &n);
	}
	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (!*only && !runs[i].ended_at)
			continue;
		if ((rc = baton__store_sync_recalculate_stats(s, runs[i].id)) == 0) {
			printf("Recalculated stats for sync %s\n", runs[i].id);
			done++;
		}
	}
	if (rc < 0) {
		rc = tool_fail_last();
		goto out;
	}
	if (!done) {
		printf("No finished syncs found to recalculate\n");
		rc = TOOL_EXIT_OK;
		goto out;
	}
	rc = baton_store_close(s);
	s = NULL;
	if (rc < 0) {
		rc = tool_fail_last();
		goto out;
	}
	printf("Recalculated stats for %zu sync(s)\n", done);
	rc = TOOL_EXIT_OK;
out:
	baton_ctx_free(ctx);
	if (s)
		baton_store_discard(s);
	return rc;
}

/* ---- to-pebble ---------------------------------------------------------------------------- */

int cmd_to_pebble(tool *t)
{
	(void)t;
	return tool_fail("to-pebble is not supported: libbaton reads and writes v1 (SQLite) c1z files "
	                 "only, not the Go SDK's v3 (Pebble) format");
}

/* ---- rollback-expansion --dry-run ----------------------------------------------------------- */

typedef struct rollback_counts {
	long deleted, cleared, suspect, preserved;
} rollback_counts;

static bool has_any(const C1__Connector__V2__Grant *g, const char *suffix)
{
	size_t sl = strlen(suffix);
	for (size_t i = 0; i < g->n_annotations; i++) {
		const char *url = g->annotations[i] ? g->annotations[i]->type_url : NULL;
		size_t ul = url ? strlen(url) : 0;
		if (ul >= sl && strcmp(url + ul - sl, suffix) == 0)
			return true;
	}
	return false;
}

/* Classifies the sync's grants as the Go SDK's RollbackExpansion does. With `apply`, also deletes
 * the expansion-derived grants and rewrites the direct ones without their sources (one transaction;
 * the caller's database is a private work copy). */
static int rollback_classify(work *w, const char *sync_id, bool preserve, bool apply, rollback_counts *c)
{
	sqlite3_stmt *st = NULL, *del = NULL, *upd = NULL;
	int rc = 0, sr;

	if (sqlite3_prepare_v2(w->db, "SELECT id, entitlement_id, data FROM v1_grants WHERE sync_id = ? "
	                              "ORDER BY external_id", -1, &st, NULL) != SQLITE_OK)
		return baton_error_set(BATON_EDATALOSS, "database: %s", sqlite3_errmsg(w->db));
	if (apply && (exec(w, "BEGIN") < 0 ||
	              sqlite3_prepare_v2(w->db, "DELETE FROM v1_grants WHERE id = ?", -1, &del, NULL) != SQLITE_OK ||
	              sqlite3_prepare_v2(w->db, "UPDATE v1_grants SET data = ? WHERE id = ?", -1, &upd, NULL) !=
	                      SQLITE_OK)) {
		rc = baton_error_set(BATON_EDATALOSS, "database: %s", sqlite3_errmsg(w->db));
		goto done;
	}
	sqlite3_bind_text(st, 1, sync_id, -1, SQLITE_STATIC);
	while (rc == 0 && (sr = sqlite3_step(st)) == SQLITE_ROW) {
		sqlite3_int64 rowid = sqlite3_column_int64(st, 0);
		const char *own = (const char *)sqlite3_column_text(st, 1);
		const uint8_t *data = sqlite3_column_blob(st, 2);
		size_t len = (size_t)sqlite3_column_bytes(st, 2);
		C1__Connector__V2__Grant *g =
			c1__connector__v2__grant__unpack(NULL, len, data ? data : (const uint8_t *)"");
		if (!g) {
			rc = baton_error_set(BATON_EDATALOSS, "c1z: rollback could not deserialize grant %lld",
			                     (long long)rowid);
			break;
		}
		size_t n = g->sources ? g->sources->n_sources : 0;
		bool self = false;
		for (size_t i = 0; i < n && !self; i++)
			self = g->sources->sources[i]->key && own && strcmp(g->sources->sources[i]->key, own) == 0;
		if (n && !self) {
			bool suspect = !has_any(g, "/c1.connector.v2.GrantImmutable");
			if (suspect)
				c->suspect++;
			if (suspect && preserve) {
				c->preserved++;
			} else {
				c->deleted++;
				if (apply) {
					sqlite3_bind_int64(del, 1, rowid);
					if (sqlite3_step(del) != SQLITE_DONE)
						rc = baton_error_set(BATON_EDATALOSS, "database: %s", sqlite3_errmsg(w->db));
					sqlite3_reset(del);
				}
			}
		} else if (n) {
			c->cleared++;
			if (apply) {
				C1__Connector__V2__GrantSources *keep = g->sources;
				g->sources = NULL;
				size_t sz = c1__connector__v2__grant__get_packed_size(g);
				uint8_t *buf = malloc(sz ? sz : 1);
				if (!buf) {
					rc = baton_error_set(BATON_EEXHAUSTED, "out of memory");
				} else {
					c1__connector__v2__grant__pack(g, buf);
					sqlite3_bind_blob(upd, 1, buf, (int)sz, SQLITE_TRANSIENT);
					sqlite3_bind_int64(upd, 2, rowid);
					if (sqlite3_step(upd) != SQLITE_DONE)
						rc = baton_error_set(BATON_EDATALOSS, "database: %s", sqlite3_errmsg(w->db));
					sqlite3_reset(upd);
					free(buf);
				}
				g->sources = keep;
			}
		}
		c1__connector__v2__grant__free_unpacked(g, NULL);
	}
	if (rc == 0 && sr != SQLITE_DONE)
		rc = baton_error_set(BATON_EDATALOSS, "database: %s", sqlite3_errmsg(w->db));
done:
	sqlite3_finalize(st);
	sqlite3_finalize(del);
	sqlite3_finalize(upd);
	if (apply && rc == 0)
		rc = exec(w, "COMMIT");
	else if (apply)
		sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* One grant's sources in the canonical form of the Go tool's --validate ("<ent>=<direct>" sorted,
 * joined by ","). */
typedef struct src_row {
	char *id, *canon;
} src_row;

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_row(const void *a, const void *b)
{
	return strcmp(((const src_row *)a)->id, ((const src_row *)b)->id);
}

static void rows_free(src_row *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].id);
		free(v[i].canon);
	}
	free(v);
}

/* Every grant of the sync with its canonical sources, sorted by grant id. */
static int grant_sources(sqlite3 *db, const char *sync_id, src_row **out, size_t *nout)
{
	sqlite3_stmt *st = NULL;
	src_row *v = NULL;
	size_t n = 0, cap = 0;
	int rc = 0, sr;

	if (sqlite3_prepare_v2(db, "SELECT data FROM v1_grants WHERE sync_id = ?", -1, &st, NULL) != SQLITE_OK)
		return baton_error_set(BATON_EDATALOSS, "database: %s", sqlite3_errmsg(db));
	sqlite3_bind_text(st, 1, sync_id, -1, SQLITE_STATIC);
	while (rc == 0 && (sr = sqlite3_step(st)) == SQLITE_ROW) {
		const uint8_t *data = sqlite3_column_blob(st, 0);
		C1__Connector__V2__Grant *g = c1__connector__v2__grant__unpack(
			NULL, (size_t)sqlite3_column_bytes(st, 0), data ? data : (const uint8_t *)"");
		if (!g) {
			rc = baton_error_set(BATON_EDATALOSS, "read grant sources: cannot deserialize a grant");
			break;
		}
		size_t k = g->sources ? g->sources->n_sources : 0;
		char **parts = calloc(k ? k : 1, sizeof(*parts));
		size_t total = 1;
		for (size_t i = 0; parts && i < k; i++) {
			const C1__Connector__V2__GrantSources__SourcesEntry *e = g->sources->sources[i];
			bool direct = e->value && e->value->is_direct;
			parts[i] = sqlite3_mprintf("%s=%s", e->key ? e->key : "", direct ? "true" : "false");
			total += parts[i] ? strlen(parts[i]) + 1 : 0;
		}
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 256;
			src_row *nv = realloc(v, nc * sizeof(*nv));
			if (nv) {
				v = nv;
				cap = nc;
			}
		}
		char *canon = malloc(total);
		char *id = strdup(g->id ? g->id : "");
		bool ok = parts && canon && id && n < cap;
		for (size_t i = 0; ok && i < k; i++)
			ok = parts[i] != NULL;
		if (ok) {
			qsort(parts, k, sizeof(*parts), cmp_str);
			canon[0] = '\0';
			for (size_t i = 0; i < k; i++) {
				if (i)
					strcat(canon, ",");
				strcat(canon, parts[i]);
			}
			v[n].id = id;
			v[n].canon = canon;
			n++;
		} else {
			free(canon);
			free(id);
			rc = baton_error_set(BATON_EEXHAUSTED, "out of memory");
		}
		for (size_t i = 0; parts && i < k; i++)
			sqlite3_free(parts[i]);
		free(parts);
		c1__connector__v2__grant__free_unpacked(g, NULL);
	}
	if (rc == 0 && sr != SQLITE_DONE)
		rc = baton_error_set(BATON_EDATALOSS, "database: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	if (rc) {
		rows_free(v, n);
		return rc;
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_row);
	*out = v;
	*nout = n;
	return 0;
}

/* The divergences between the two snapshots as the Go tool lists them (sorted), in `msg`
 * (malloc'ed, NULL when none). Returns their number, or a negative code. */
static long sources_diff(const src_row *a, size_t na, const src_row *b, size_t nb, char **msg)
{
	char **lines = NULL;
	size_t n = 0, cap = 0, i = 0, j = 0;
	int rc = 0;

	*msg = NULL;
	while (rc == 0 && (i < na || j < nb)) {
		int c = i >= na ? 1 : j >= nb ? -1 : strcmp(a[i].id, b[j].id);
		char *line = NULL;
		if (c < 0)
			line = sqlite3_mprintf("grant \"%s\": present before, absent after replay", a[i++].id);
		else if (c > 0)
			line = sqlite3_mprintf("grant \"%s\": present after replay, absent before", b[j++].id);
		else if (strcmp(a[i].canon, b[j].canon) != 0)
			line = sqlite3_mprintf("grant \"%s\": sources changed before=[%s] after=[%s]", a[i].id, a[i].canon,
			                       b[j].canon);
		if (c == 0) {
			i++;
			j++;
			if (!line && strcmp(a[i - 1].canon, b[j - 1].canon) == 0)
				continue;
		}
		if (!line) {
			rc = baton_error_set(BATON_EEXHAUSTED, "out of memory");
			break;
		}
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 32;
			char **nl = realloc(lines, nc * sizeof(*nl));
			if (!nl) {
				sqlite3_free(line);
				rc = baton_error_set(BATON_EEXHAUSTED, "out of memory");
				break;
			}
			lines = nl;
			cap = nc;
		}
		lines[n++] = line;
	}
	if (rc == 0 && n) {
		qsort(lines, n, sizeof(*lines), cmp_str);
		size_t show = n > 20 ? 20 : n, total = 64;
		for (size_t k = 0; k < show; k++)
			total += strlen(lines[k]) + 1;
		*msg = malloc(total);
		if (!*msg) {
			rc = baton_error_set(BATON_EEXHAUSTED, "out of memory");
		} else {
			size_t off = 0;
			for (size_t k = 0; k < show; k++)
				off += (size_t)snprintf(*msg + off, total - off, "%s%s", k ? "\n" : "", lines[k]);
			if (n > show)
				snprintf(*msg + off, total - off, "\n  ... +%zu more", n - show);
		}
	}
	for (size_t k = 0; k < n; k++)
		sqlite3_free(lines[k]);
	free(lines);
	return rc ? rc : (long)n;
}

/* The Go SDK's PrepareExpansionReplayToken: marked for expansion, no preserved graph, and an Init
 * action when the stack is empty (as a finished sync's is). `*out` is malloc'ed. */
static int replay_token(const char *token, char **out)
{
	baton__state st;
	int rc = baton__state_unmarshal(&st, token);
	if (rc)
		return rc;
	st.needs_expansion = true;
	if (!baton__state_current(&st)) {
		baton__action init = {0};
		init.op = BATON__OP_INIT;
		rc = baton__state_push(&st, &init, NULL);
	}
	if (rc == 0)
		rc = baton__state_marshal(&st, out);
	baton__state_free(&st);
	return rc;
}

/* What Go's syncer leaves in the token of a replayed sync (its run with an empty connector and
 * only-expand-grants): the Init action finished, the grant-expansion action it pushed (unless the
 * token says to skip entitlements and grants) run and finished, needs_expansion set. `*out` is
 * malloc'ed; *expand tells whether the syncer would have expanded. */
static int replayed_token(const char *token, char **out, bool *expand)
{
	baton__state st;
	int rc = baton__state_unmarshal(&st, token);
	if (rc)
		return rc;
	*expand = false;
	baton__action *top = baton__state_current(&st);
	if (top && top->op == BATON__OP_INIT) {
		baton__state_finish(&st, top->id);
		if (!st.should_skip_entitlements_and_grants) {
			baton__action step = {0};
			uint64_t id = 0;
			step.op = BATON__OP_GRANT_EXPANSION;
			st.needs_expansion = true;
			rc = baton__state_push(&st, &step, &id);
			if (rc == 0) {
				baton__state_finish(&st, id);
				*expand = true;
			}
		}
	}
	if (rc == 0)
		rc = baton__state_marshal(&st, out);
	baton__state_free(&st);
	return rc;
}

/* Whether v1_grants has the expansion columns (files of older writers may lack them; the store adds
 * them when it opens the file). */
static bool has_needs_expansion(work *w)
{
	sqlite3_stmt *st = NULL;
	bool yes = sqlite3_prepare_v2(w->db, "SELECT 1 FROM pragma_table_info('v1_grants') WHERE name = "
	                                     "'needs_expansion'", -1, &st, NULL) == SQLITE_OK &&
	           sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return yes;
}

/* Writes the new token and drops the cached stats of the rolled-back sync (as Go does). */
static int reset_run(work *w, const char *sync_id)
{
	sqlite3_stmt *st = NULL;
	char *tok = NULL;
	int rc = 0;

	if (sqlite3_prepare_v2(w->db, "SELECT sync_token FROM v1_sync_runs WHERE sync_id = ?", -1, &st, NULL) !=
	    SQLITE_OK)
		return baton_error_set(BATON_EDATALOSS, "database: %s", sqlite3_errmsg(w->db));
	sqlite3_bind_text(st, 1, sync_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		rc = replay_token((const char *)sqlite3_column_text(st, 0), &tok);
	else
		rc = baton_error_set(BATON_ENOTFOUND, "c1z: rollback could not load sync \"%s\": not found", sync_id);
	sqlite3_finalize(st);
	if (rc) {
		if (rc != BATON_ENOTFOUND) {
			char why[512];
			snprintf(why, sizeof(why), "%s", baton_error_last()->message);
			rc = baton_error_set(BATON_EINVALID, "c1z: rollback could not rewrite sync token: %s", why);
		}
		free(tok);
		return rc;
	}
	if (sqlite3_prepare_v2(w->db, "UPDATE v1_sync_runs SET sync_token = ?, stats = NULL WHERE sync_id = ?", -1,
	                       &st, NULL) != SQLITE_OK)
		rc = baton_error_set(BATON_EDATALOSS, "database: %s", sqlite3_errmsg(w->db));
	if (rc == 0) {
		sqlite3_bind_text(st, 1, tok, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, sync_id, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = baton_error_set(BATON_EDATALOSS, "database: %s", sqlite3_errmsg(w->db));
	}
	sqlite3_finalize(st);
	free(tok);
	return rc;
}

/* Re-expands the written output, then (with --validate) compares its grants' sources with the
 * snapshot taken before the rollback. 0, or an exit status (error printed). */
static int rollback_replay(const char *out, const char *sync_id, const src_row *pre, size_t npre, bool validate)
{
	baton_store_options so = BATON_STORE_OPTIONS_INIT;
	baton_expand_options eo = BATON_EXPAND_OPTIONS_INIT;
	baton_expand_stats es;
	baton_store *s = NULL;
	int rc;

	memset(&es, 0, sizeof(es));
	if ((rc = baton_store_open(out, &so, &s)) < 0)
		return tool_fail("replay expansion: %s", baton_error_last()->message);
	/* The token as the Go syncer leaves it, written once the expansion is done. */
	baton_ctx *ctx = NULL;
	baton_sync_run run;
	char *tok = NULL;
	bool expand = false;
	if ((rc = baton_ctx_new(&ctx)) == 0 && (rc = baton_store_sync_get(s, sync_id, ctx, &run)) == 0)
		rc = replayed_token(run.sync_token, &tok, &expand);
	baton_ctx_free(ctx);
	if (rc == 0 && expand)
		rc = baton_expand_store(s, sync_id, &eo, &es);
	if (rc == 0 && (rc = baton_store_sync_set_current(s, sync_id)) == 0)
		rc = baton_store_sync_checkpoint(s, tok);
	free(tok);
	if (rc < 0) {
		int status = tool_fail("replay expansion: %s", baton_error_last()->message);
		baton_store_discard(s);
		return status;
	}
	if (baton_store_close(s) < 0)
		return tool_fail("replay expansion: %s", baton_error_last()->message);
	if (!validate)
		return 0;

	work w;
	src_row *post = NULL;
	size_t npost = 0;
	char *msg = NULL;
	if (work_begin(&w, out, NULL, true) < 0 || grant_sources(w.db, sync_id, &post, &npost) < 0) {
		rc = tool_fail("capture post-replay grant sources: %s", baton_error_last()->message);
		work_end(&w);
		return rc;
	}
	work_end(&w);
	long d = sources_diff(pre, npre, post, npost, &msg);
	if (d < 0)
		rc = tool_fail_last();
	else if (d > 0)
		rc = tool_fail("rollback+replay changed grant sources (%ld divergence(s)); output not finalized:\n%s", d,
		               msg);
	else
		fprintf(stderr, "validation: %zu grant source set(s) identical before and after replay\n", npost);
	free(msg);
	rows_free(post, npost);
	return rc;
}

int cmd_rollback_expansion(tool *t)
{
	const char *sync_id = t->args.given[FLAG_SYNC_ID] ? t->args.value[FLAG_SYNC_ID] : "";
	bool dry = t->args.given[FLAG_DRY_RUN], replay = t->args.given[FLAG_REPLAY];
	bool preserve = t->args.given[FLAG_PRESERVE_SUSPECT];
	const char *out = t->args.given[FLAG_OUT] ? t->args.value[FLAG_OUT] : "";
	rollback_counts c = {0, 0, 0, 0};
	src_row *pre = NULL;
	size_t npre = 0;
	char id[64];
	work w;
	int rc;

	if (t->args.given[FLAG_VALIDATE] && !replay)
		return tool_fail("--validate requires --replay (without re-deriving, deleted grants cannot be compared)");
	if (!dry && !*out)
		return tool_fail("--out is required to write a rolled-back c1z; the input is never modified — pass "
		                 "--dry-run to preview");
	if ((rc = check_input(t->file)) != 0)
		return rc;
	if (!dry) {
		struct stat os;
		if ((rc = check_target(out, "rollback-expansion --out")) != 0)
			return rc;
		/* As the Go tool's CopyIsolateSync: a new file only. */
		if (lstat(out, &os) == 0)
			return tool_fail("isolate to --out: %s: already exists (rollback-expansion writes a new file only)",
			                 out);
	}
	if (*sync_id) {
		snprintf(id, sizeof(id), "%s", sync_id);
	} else {
		baton_ctx *ctx = NULL;
		baton_sync_run run;
		if (tool_open_path(t->file, &t->store) < 0 || baton_ctx_new(&ctx) < 0)
			return tool_fail_last();
		rc = baton_store_sync_latest_finished(t->store, BATON_SYNC_TYPE_ANY, ctx, &run);
		if (rc == 0)
			snprintf(id, sizeof(id), "%s", run.id);
		baton_ctx_free(ctx);
		if (rc == BATON_ENOTFOUND)
			return tool_fail("resolve latest finished sync: no finished sync found in \"%s\"; pass --sync-id",
			                 t->file);
		if (rc < 0)
			return tool_fail_last();
	}
	if (work_begin(&w, t->file, NULL, true) < 0) {
		rc = tool_fail_last();
		work_end(&w);
		return rc;
	}
	/* The run: ended, and marked supports_diff (a column older files lack: then not marked). */
	sqlite3_stmt *st = NULL;
	bool has_col = sqlite3_prepare_v2(w.db, "SELECT ended_at IS NOT NULL, supports_diff FROM v1_sync_runs "
	                                        "WHERE sync_id = ?", -1, &st, NULL) == SQLITE_OK;
	if (!has_col && sqlite3_prepare_v2(w.db, "SELECT ended_at IS NOT NULL, 0 FROM v1_sync_runs WHERE sync_id = ?",
	                                   -1, &st, NULL) != SQLITE_OK) {
		rc = tool_fail("%s: %s", t->file, sqlite3_errmsg(w.db));
		goto out;
	}
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		rc = tool_fail("c1z: rollback could not load sync \"%s\": not found", id);
	} else if (!sqlite3_column_int(st, 0)) {
		rc = tool_fail("c1z: refusing to roll back expansion on an unfinished sync: \"%s\"", id);
	} else if (!sqlite3_column_int(st, 1)) {
		rc = tool_fail("c1z: sync did not run grant expansion (no supports_diff marker); nothing to roll "
		               "back: \"%s\"", id);
	} else {
		rc = 0;
	}
	sqlite3_finalize(st);
	if (rc)
		goto out;
	if (dry) {
		if (rollback_classify(&w, id, preserve, false, &c) < 0) {
			rc = tool_fail_last();
			goto out;
		}
		printf("dry-run: sync %s \u2014 would delete %ld expansion-derived grant(s) and clear sources on %ld "
		       "direct grant(s)",
		       id, c.deleted, c.cleared);
	} else {
		/* A private copy holding only this sync; rolled back there, written to --out atomically, then
		 * replayed in place (the output is removed if anything after its writing fails). */
		if (t->args.given[FLAG_VALIDATE] && grant_sources(w.db, id, &pre, &npre) < 0) {
			rc = tool_fail("capture pre-rollback grant sources: %s", baton_error_last()->message);
			goto out;
		}
		if (keep_only(&w, id) < 0 || rollback_classify(&w, id, preserve, true, &c) < 0 ||
		    reset_run(&w, id) < 0) {
			rc = tool_fail_last();
			goto out;
		}
		/* Our expander loads the rows marked for expansion: mark the ones the replay re-derives. */
		if (replay && has_needs_expansion(&w) &&
		    exec(&w, "UPDATE v1_grants SET needs_expansion = 1 WHERE expansion IS NOT NULL") < 0) {
			rc = tool_fail_last();
			goto out;
		}
		if (work_save(&w, out, "none") < 0) {
			rc = tool_fail_last();
			goto out;
		}
		if (replay) {
			if ((rc = rollback_replay(out, id, pre, npre, t->args.given[FLAG_VALIDATE])) != 0) {
				unlink(out);
				goto out;
			}
		} else {
			fprintf(stderr, "warning: --replay not set; the output c1z has its expansion rolled back and is NOT "
			                "re-expanded \u2014 its expanded grants are absent until expansion runs again\n");
		}
		printf("sync %s rolled back: deleted %ld expansion-derived grant(s), cleared sources on %ld direct "
		       "grant(s)",
		       id, c.deleted, c.cleared);
	}
	if (c.suspect && c.preserved)
		printf(" [%ld grant(s) had Sources but no self-source and no expander marker \u2014 PRESERVED (not "
		       "deleted); verify whether they are connector-set]",
		       c.preserved);
	else if (c.suspect)
		printf(" [%ld deleted grant(s) carried Sources but no self-source and no expander marker \u2014 verify "
		       "they are not connector-set; pass --preserve-suspect-grants to keep them]",
		       c.suspect);
	if (!dry)
		printf("; wrote %s", out);
	printf("%s\n", replay ? "; replayed expansion" : "");
	rc = TOOL_EXIT_OK;
out:
	rows_free(pre, npre);
	work_end(&w);
	return rc;
}
