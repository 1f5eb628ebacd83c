/* Saving a compacted copy of the working copy (store.h: baton__store_compacted_copy). */
#include "store/store.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/log.h"

/*
 * A compacted copy of the working copy for saving, as the Go SDK VACUUMs at the end of a sync:
 * rows rewritten by upserts and expansion and indexes grown by random inserts leave pages part
 * empty, and that slack, full of stale bytes, costs more in the c1z than it saves. VACUUM INTO
 * writes a fresh file next to the working copy and leaves the working copy itself untouched, so a
 * kill at any point changes nothing a resume relies on. Only up to BATON__STORE_VACUUM_MAX: above
 * it the rewrite costs seconds (a 1M-grant writepack database is 500 MB) while the grant tables
 * that large writes build are mostly appended, and the file is saved as it is. Returns the copy's
 * path (the caller removes it) or NULL: on any failure the working copy is saved instead.
 */
#define BATON__STORE_VACUUM_MAX ((int64_t)256 << 20)

static int64_t pragma_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

char *baton__store_compacted_copy(baton_store *s)
{
	int64_t pages = pragma_int(s->db, "PRAGMA page_count"), page_size = pragma_int(s->db, "PRAGMA page_size");
	if (pages < 0 || page_size < 0)
		return NULL;
	if (pages * page_size > BATON__STORE_VACUUM_MAX)
		return NULL;
	char *out = baton__wip_path(s->work_dir, "packed.db");
	if (!out)
		return NULL;
	unlink(out); /* left by a killed process: VACUUM INTO wants a new (or empty) file */
	/* created empty and owner-only first: SQLite would create it with the default mode, and the
	 * working copy's files are private (docs/RELIABILITY.md, promise 6) */
	int fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		free(out);
		return NULL;
	}
	close(fd);
	sqlite3_stmt *st = NULL;
	int sr = sqlite3_prepare_v2(s->db, "VACUUM INTO ?1", -1, &st, NULL);
	if (sr == SQLITE_OK) {
		sqlite3_bind_text(st, 1, out, -1, SQLITE_STATIC);
		sr = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	if (sr != SQLITE_DONE && sr != SQLITE_OK) {
		baton__log(BATON_LOG_DEBUG, "compacting before saving failed: saving the working copy as it is",
		           "path", s->path, "error", sqlite3_errmsg(s->db), NULL);
		unlink(out);
		free(out);
		return NULL;
	}
	return out;
}

