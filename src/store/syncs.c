/* Sync runs: ids, timestamps, lifecycle, selection and the cached stats. */
#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "core/error.h"

/* ------------------------------------------------------------------------------------------ */
/* Timestamps: "2006-01-02 15:04:05.999999999" in local time, fraction trimmed of zeros.        */

static void put_digits(char *p, int v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
}

static void format_prefix(int64_t sec, char out[20])
{
	time_t t = (time_t)sec;
	struct tm tm;
	if (!localtime_r(&t, &tm))
		memset(&tm, 0, sizeof(tm));
	int year = tm.tm_year + 1900;
	if (year < 0 || year > 9999)
		year = 0;
	memcpy(out, "0000-00-00 00:00:00", 20);
	put_digits(out, year, 4);
	put_digits(out + 5, tm.tm_mon + 1, 2);
	put_digits(out + 8, tm.tm_mday, 2);
	put_digits(out + 11, tm.tm_hour, 2);
	put_digits(out + 14, tm.tm_min, 2);
	put_digits(out + 17, tm.tm_sec, 2);
}

static void append_fraction(char *buf, long nsec)
{
	size_t len = strlen(buf);
	if (nsec <= 0 || nsec > 999999999)
		return;
	char frac[9];
	put_digits(frac, (int)nsec, 9);
	int n = 9;
	while (n > 0 && frac[n - 1] == '0')
		n--;
	buf[len++] = '.';
	memcpy(buf + len, frac, (size_t)n);
	buf[len + (size_t)n] = '\0';
}

void baton__format_time(int64_t sec, long nsec, char buf[BATON__TS_LEN])
{
	format_prefix(sec, buf);
	append_fraction(buf, nsec);
}

void baton__store_now(baton_store *s, char buf[BATON__TS_LEN])
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (s->ts_sec != (int64_t)ts.tv_sec) {
		format_prefix((int64_t)ts.tv_sec, s->ts_prefix);
		s->ts_sec = (int64_t)ts.tv_sec;
	}
	memcpy(buf, s->ts_prefix, 20);
	append_fraction(buf, ts.tv_nsec);
}

/*
 * The Go SDK stamps all the rows of one bulk put (a page of up to 10,000 records, or a batch of
 * expanded grants) with one discovered_at. Rows here arrive one at a time, so they share a stamp
 * for up to ROW_STAMP_ROWS rows or ROW_STAMP_MS milliseconds, whichever ends first: a page's worth
 * of rows, and never older than a tenth of a second. A distinct nanosecond time on every row is
 * ~8 bytes of noise per row that zstd cannot pack (15-20% of an expanded file).
 */
#define ROW_STAMP_ROWS 1000u
#define ROW_STAMP_MS 100

void baton__store_row_stamp(baton_store *s, char buf[BATON__TS_LEN])
{
	struct timespec mono;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &mono);
	int64_t ms = (int64_t)mono.tv_sec * 1000 + mono.tv_nsec / 1000000;
	if (s->row_stamp_uses == 0 || s->row_stamp_uses >= ROW_STAMP_ROWS || ms - s->row_stamp_ms >= ROW_STAMP_MS) {
		baton__store_now(s, s->row_stamp);
		s->row_stamp_ms = ms;
		s->row_stamp_uses = 0;
	}
	s->row_stamp_uses++;
	memcpy(buf, s->row_stamp, BATON__TS_LEN);
}

/* ------------------------------------------------------------------------------------------ */
/* KSUIDs: 4-byte big-endian seconds since 1400000000, 16 random bytes, base62 in 27 chars.     */

int baton__ksuid_new(int64_t unix_sec, char out[BATON__KSUID_LEN + 1])
{
	static const char alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	uint8_t raw[20];
	uint32_t ts = (uint32_t)(unix_sec - 1400000000);
	raw[0] = (uint8_t)(ts >> 24);
	raw[1] = (uint8_t)(ts >> 16);
	raw[2] = (uint8_t)(ts >> 8);
	raw[3] = (uint8_t)ts;
	size_t got = 0;
	while (got < 16) {
		ssize_t r = getrandom(raw + 4 + got, 16 - got, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return baton_error_set(BATON_EUNAVAILABLE, "getrandom: %s", strerror(errno));
		}
		got += (size_t)r;
	}
	/* The 160-bit number as five big-endian 32-bit words, divided by 62 repeatedly. */
	uint32_t w[5];
	for (int i = 0; i < 5; i++)
		w[i] = (uint32_t)raw[4 * i] << 24 | (uint32_t)raw[4 * i + 1] << 16 |
		       (uint32_t)raw[4 * i + 2] << 8 | raw[4 * i + 3];
	for (int pos = BATON__KSUID_LEN - 1; pos >= 0; pos--) {
		uint64_t rem = 0;
		for (int i = 0; i < 5; i++) {
			uint64_t cur = rem << 32 | w[i];
			w[i] = (uint32_t)(cur / 62);
			rem = cur % 62;
		}
		out[pos] = alphabet[rem];
	}
	out[BATON__KSUID_LEN] = '\0';
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Types                                                                                       */

static const char *const sync_type_names[] = {
	[BATON_SYNC_TYPE_ANY] = "",
	[BATON_SYNC_TYPE_FULL] = "full",
	[BATON_SYNC_TYPE_PARTIAL] = "partial",
	[BATON_SYNC_TYPE_RESOURCES_ONLY] = "resources_only",
	[BATON_SYNC_TYPE_PARTIAL_UPSERTS] = "partial_upserts",
	[BATON_SYNC_TYPE_PARTIAL_DELETIONS] = "partial_deletions",
};

BATON_API const char *baton_sync_type_name(baton_sync_type type)
{
	if ((unsigned)type >= sizeof(sync_type_names) / sizeof(sync_type_names[0]))
		return "";
	return sync_type_names[type];
}

BATON_API int baton_sync_type_parse(const char *name, baton_sync_type *type)
{
	if (name && type)
		for (unsigned i = BATON_SYNC_TYPE_FULL; i < sizeof(sync_type_names) / sizeof(sync_type_names[0]); i++)
			if (strcmp(name, sync_type_names[i]) == 0) {
				*type = (baton_sync_type)i;
				return 0;
			}
	return baton_error_set(BATON_EINVALID, "invalid sync type: \"%s\"", name ? name : "(null)");
}

static bool valid_type(baton_sync_type type)
{
	return type >= BATON_SYNC_TYPE_ANY && type <= BATON_SYNC_TYPE_PARTIAL_DELETIONS;
}

/* ------------------------------------------------------------------------------------------ */
/* Reading runs                                                                                */

#define RUN_COLUMNS "sync_id, started_at, ended_at, sync_token, sync_type, parent_sync_id, " \
	"linked_sync_id, supports_diff"

static char *col_dup(baton_ctx *ctx, sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	return baton_ctx_strndup(ctx, t ? (const char *)t : "", (size_t)sqlite3_column_bytes(st, col));
}

/*
 * Runs a run query (binds: text values in order; NULL entries skipped) and fills *run (ctx) or,
 * when ctx is NULL, only copies the id into idbuf. Returns 0, BATON_ENOTFOUND, or an error.
 */
/* Reads the RUN_COLUMNS of the statement's current row into *run (strings in ctx). */
static int fill_run(baton_ctx *ctx, sqlite3_stmt *st, baton_sync_run *run)
{
	memset(run, 0, sizeof(*run));
	run->id = col_dup(ctx, st, 0);
	run->started_at = col_dup(ctx, st, 1);
	run->ended_at = sqlite3_column_type(st, 2) == SQLITE_NULL ? NULL : col_dup(ctx, st, 2);
	run->sync_token = col_dup(ctx, st, 3);
	const unsigned char *type = sqlite3_column_text(st, 4);
	if (baton_sync_type_parse(type ? (const char *)type : "", &run->type) != 0) {
		baton_error_clear();
		run->type = BATON_SYNC_TYPE_ANY;
	}
	run->parent_sync_id = col_dup(ctx, st, 5);
	run->linked_sync_id = col_dup(ctx, st, 6);
	run->supports_diff = sqlite3_column_int(st, 7) != 0;
	if (!run->id || !run->started_at || !run->sync_token || !run->parent_sync_id ||
	    !run->linked_sync_id || (sqlite3_column_type(st, 2) != SQLITE_NULL && !run->ended_at))
		return baton__error_oom("sync run");
	return 0;
}

static int run_query(baton_store *s, const char *sql, const char *const *binds, size_t n_binds,
                     baton_ctx *ctx, baton_sync_run *run, char idbuf[BATON__SYNC_ID_MAX])
{
	sqlite3_stmt *st;
	int rc = baton__store_prepare(s, sql, &st);
	if (rc)
		return rc;
	int idx = 1;
	for (size_t i = 0; i < n_binds; i++)
		if (binds[i])
			sqlite3_bind_text(st, idx++, binds[i], -1, SQLITE_STATIC);
	int sr = sqlite3_step(st);
	if (sr == SQLITE_ROW) {
		rc = 0;
		const unsigned char *sid = sqlite3_column_text(st, 0);
		if (!sid || !*sid) {
			/* No sync can be named by it: a damaged file, said as such (not as a bad argument) */
			baton__store_release(s, st);
			return baton_error_set(BATON_EDATALOSS, "c1z %s: table v1_sync_runs has a row with an empty "
			                       "sync_id", s->path);
		}
		if (idbuf) {
			const unsigned char *id = sqlite3_column_text(st, 0);
			snprintf(idbuf, BATON__SYNC_ID_MAX, "%s", id ? (const char *)id : "");
		}
		if (ctx && run)
			rc = fill_run(ctx, st, run);
	} else if (sr == SQLITE_DONE) {
		rc = BATON_ENOTFOUND;
	} else {
		rc = baton__store_sqlerr(s, sr, "reading sync runs");
	}
	baton__store_release(s, st);
	return rc;
}

static void unfinished_cutoff(char buf[BATON__TS_LEN])
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	baton__format_time((int64_t)ts.tv_sec - 7 * 24 * 3600, ts.tv_nsec, buf);
}

static int latest_finished(baton_store *s, baton_sync_type type, baton_ctx *ctx, baton_sync_run *run,
                           char idbuf[BATON__SYNC_ID_MAX])
{
	const char *binds[1] = {type == BATON_SYNC_TYPE_ANY ? NULL : baton_sync_type_name(type)};
	const char *sql = binds[0] ?
		"SELECT " RUN_COLUMNS " FROM v1_sync_runs WHERE ended_at IS NOT NULL AND sync_type = ? "
		"ORDER BY ended_at DESC, sync_id DESC LIMIT 1" :
		"SELECT " RUN_COLUMNS " FROM v1_sync_runs WHERE ended_at IS NOT NULL "
		"ORDER BY ended_at DESC, sync_id DESC LIMIT 1";
	return run_query(s, sql, binds, 1, ctx, run, idbuf);
}

static int latest_unfinished(baton_store *s, baton_sync_type type, baton_ctx *ctx, baton_sync_run *run,
                             char idbuf[BATON__SYNC_ID_MAX])
{
	char cutoff[BATON__TS_LEN];
	unfinished_cutoff(cutoff);
	const char *binds[2] = {cutoff, type == BATON_SYNC_TYPE_ANY ? NULL : baton_sync_type_name(type)};
	const char *sql = binds[1] ?
		"SELECT " RUN_COLUMNS " FROM v1_sync_runs WHERE ended_at IS NULL AND started_at >= ? "
		"AND sync_type = ? ORDER BY started_at DESC LIMIT 1" :
		"SELECT " RUN_COLUMNS " FROM v1_sync_runs WHERE ended_at IS NULL AND started_at >= ? "
		"ORDER BY started_at DESC LIMIT 1";
	return run_query(s, sql, binds, 2, ctx, run, idbuf);
}

static int get_run(baton_store *s, const char *id, baton_ctx *ctx, baton_sync_run *run)
{
	const char *binds[1] = {id};
	return run_query(s, "SELECT " RUN_COLUMNS " FROM v1_sync_runs WHERE sync_id = ?", binds, 1, ctx,
	                 run, NULL);
}

int baton__store_resolve_sync(baton_store *s, const char *explicit_id, baton__sync_pick pick,
                              char buf[BATON__SYNC_ID_MAX], const char **out)
{
	buf[0] = '\0';
	if (explicit_id && *explicit_id) {
		*out = explicit_id;
		return 0;
	}
	if (s->current[0]) {
		*out = s->current;
		return 0;
	}
	*out = buf;
	if (pick == BATON__PICK_NONE)
		return 0;
	int rc = latest_finished(s, pick == BATON__PICK_LIST ? BATON_SYNC_TYPE_FULL : BATON_SYNC_TYPE_ANY,
	                         NULL, NULL, buf);
	if (rc == BATON_ENOTFOUND)
		rc = latest_unfinished(s, BATON_SYNC_TYPE_ANY, NULL, NULL, buf);
	if (rc == BATON_ENOTFOUND) {
		buf[0] = '\0';
		rc = 0;
	}
	return rc;
}

static int check_store(const baton_store *s, const char *fn)
{
	if (!s)
		return baton_error_set(BATON_EINVALID, "%s: store is NULL", fn);
	return 0;
}

BATON_API int baton_store_sync_get(baton_store *s, const char *sync_id, baton_ctx *ctx,
                                   baton_sync_run *run)
{
	int rc = check_store(s, "baton_store_sync_get");
	if (rc)
		return rc;
	if (!sync_id || !ctx || !run)
		return baton_error_set(BATON_EINVALID, "baton_store_sync_get: sync_id, ctx and run are required");
	if ((rc = baton__store_commit(s)))
		return rc;
	rc = get_run(s, sync_id, ctx, run);
	if (rc == BATON_ENOTFOUND)
		return baton_error_set(BATON_ENOTFOUND, "sync '%s' not found", sync_id);
	return rc;
}

BATON_API int baton_store_sync_list(baton_store *s, baton_ctx *ctx, baton_sync_run **runs, size_t *n)
{
	int rc = check_store(s, "baton_store_sync_list");
	if (rc)
		return rc;
	if (!ctx || !runs || !n)
		return baton_error_set(BATON_EINVALID, "baton_store_sync_list: ctx, runs and n are required");
	*runs = NULL;
	*n = 0;
	if ((rc = baton__store_commit(s)))
		return rc;
	sqlite3_stmt *st;
	if ((rc = baton__store_prepare(s, "SELECT count(*) FROM v1_sync_runs", &st)))
		return rc;
	int sr = sqlite3_step(st);
	size_t cap = sr == SQLITE_ROW ? (size_t)sqlite3_column_int64(st, 0) : 0;
	baton__store_release(s, st);
	if (sr != SQLITE_ROW)
		return baton__store_sqlerr(s, sr, "counting sync runs");
	baton_sync_run *out = cap ? baton_ctx_alloc(ctx, cap * sizeof(*out)) : NULL;
	if (cap && !out)
		return baton__error_oom("sync run list");
	if ((rc = baton__store_prepare(s, "SELECT " RUN_COLUMNS " FROM v1_sync_runs ORDER BY id", &st)))
		return rc;
	size_t i = 0;
	while (rc == 0 && i < cap && (sr = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *sid = sqlite3_column_text(st, 0);
		if (!sid || !*sid)
			rc = baton_error_set(BATON_EDATALOSS, "c1z %s: table v1_sync_runs has a row with an empty "
			                     "sync_id", s->path);
		else
			rc = fill_run(ctx, st, &out[i++]);
	}
	if (rc == 0 && sr != SQLITE_ROW && sr != SQLITE_DONE)
		rc = baton__store_sqlerr(s, sr, "listing sync runs");
	baton__store_release(s, st);
	if (rc == 0) {
		*runs = out;
		*n = i;
	}
	return rc;
}

BATON_API int baton_store_sync_latest_finished(baton_store *s, baton_sync_type type, baton_ctx *ctx,
                                               baton_sync_run *run)
{
	int rc = check_store(s, "baton_store_sync_latest_finished");
	if (rc)
		return rc;
	if (!ctx || !run || !valid_type(type))
		return baton_error_set(BATON_EINVALID, "baton_store_sync_latest_finished: bad arguments");
	if ((rc = baton__store_commit(s)))
		return rc;
	rc = latest_finished(s, type, ctx, run, NULL);
	if (rc == BATON_ENOTFOUND)
		return baton_error_set(BATON_ENOTFOUND, "no finished sync%s%s found",
		                       type ? " of type " : "", baton_sync_type_name(type));
	return rc;
}

BATON_API int baton_store_sync_latest_unfinished(baton_store *s, baton_sync_type type, baton_ctx *ctx,
                                                 baton_sync_run *run)
{
	int rc = check_store(s, "baton_store_sync_latest_unfinished");
	if (rc)
		return rc;
	if (!ctx || !run || !valid_type(type))
		return baton_error_set(BATON_EINVALID, "baton_store_sync_latest_unfinished: bad arguments");
	if ((rc = baton__store_commit(s)))
		return rc;
	rc = latest_unfinished(s, type, ctx, run, NULL);
	if (rc == BATON_ENOTFOUND)
		return baton_error_set(BATON_ENOTFOUND, "no unfinished sync%s%s found",
		                       type ? " of type " : "", baton_sync_type_name(type));
	return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Lifecycle                                                                                   */

/* Runs an UPDATE/INSERT with text binds (NULL binds as SQL NULL); marks the store dirty. */
static int write_run(baton_store *s, const char *sql, const char *const *binds, size_t n)
{
	sqlite3_stmt *st;
	int rc = baton__store_prepare(s, sql, &st);
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++)
		if (binds[i])
			sqlite3_bind_text(st, (int)i + 1, binds[i], -1, SQLITE_TRANSIENT);
	int sr = sqlite3_step(st);
	if (sr != SQLITE_DONE)
		rc = baton__store_sqlerr(s, sr, "writing a sync run");
	else
		s->dirty = true;
	baton__store_release(s, st);
	return rc;
}

static int set_current(baton_store *s, const char *id)
{
	size_t len = strlen(id);
	if (len >= BATON__SYNC_ID_MAX)
		return baton_error_set(BATON_EINVALID, "sync id '%s' is too long", id);
	memcpy(s->current, id, len + 1);
	return 0;
}

static int start_new(baton_store *s, baton_sync_type type, const char *parent, char sync_id[28])
{
	if (!parent)
		parent = "";
	switch (type) {
	case BATON_SYNC_TYPE_FULL:
		if (*parent)
			return baton_error_set(BATON_EINVALID, "parent sync id must be empty for full sync");
		break;
	case BATON_SYNC_TYPE_RESOURCES_ONLY:
		if (*parent)
			return baton_error_set(BATON_EINVALID,
			                       "parent sync id must be empty for resources only sync");
		break;
	case BATON_SYNC_TYPE_PARTIAL:
	case BATON_SYNC_TYPE_PARTIAL_UPSERTS:
	case BATON_SYNC_TYPE_PARTIAL_DELETIONS:
		break;
	case BATON_SYNC_TYPE_ANY:
		return baton_error_set(BATON_EINVALID, "sync cannot be started with SyncTypeAny");
	default:
		return baton_error_set(BATON_EINVALID, "invalid sync type: %d", (int)type);
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	char id[BATON__KSUID_LEN + 1], started[BATON__TS_LEN];
	int rc = baton__ksuid_new((int64_t)ts.tv_sec, id);
	if (rc)
		return rc;
	baton__format_time((int64_t)ts.tv_sec, ts.tv_nsec, started);
	const char *binds[] = {id, started, baton_sync_type_name(type), parent};
	rc = write_run(s, "INSERT INTO v1_sync_runs (sync_id, started_at, sync_token, sync_type, "
	                  "parent_sync_id, linked_sync_id, grants_backfilled) VALUES (?, ?, '', ?, ?, '', 1)",
	               binds, 4);
	if (rc)
		return rc;
	set_current(s, id);
	if (sync_id)
		memcpy(sync_id, id, BATON__KSUID_LEN + 1);
	return 0;
}

/* The current sync, when it exists and is unfinished: 0 (run filled), else ENOTFOUND. */
static int open_current(baton_store *s, baton_ctx *ctx, baton_sync_run *run)
{
	if (!s->current[0])
		return BATON_ENOTFOUND;
	int rc = get_run(s, s->current, ctx, run);
	if (rc)
		return rc;
	return run->ended_at ? BATON_ENOTFOUND : 0;
}

static int copy_id_out(const char *id, char sync_id[28])
{
	if (sync_id) {
		if (strlen(id) > BATON__KSUID_LEN)
			return baton_error_set(BATON_ERANGE, "sync id '%s' does not fit 28 bytes", id);
		strcpy(sync_id, id);
	}
	return 0;
}

BATON_API int baton_store_sync_start(baton_store *s, baton_sync_type type, const char *parent_sync_id,
                                     char sync_id[28])
{
	int rc = check_store(s, "baton_store_sync_start");
	if (rc || (rc = baton__store_check_writable(s, "start sync")) ||
	    (rc = baton__store_bulk_grants_end(s, false)) || (rc = baton__store_commit(s)))
		return rc;
	baton_ctx ctx;
	baton__ctx_init(&ctx);
	baton_sync_run run;
	rc = open_current(s, &ctx, &run);
	if (rc == 0) {
		/* A sync is already open: it is the started one when of the same type (as upstream). */
		if (run.type != type)
			rc = baton_error_set(BATON_EPRECONDITION, "current sync (id %s) is type %s. cannot start %s",
			                     run.id, baton_sync_type_name(run.type), baton_sync_type_name(type));
		else
			rc = copy_id_out(s->current, sync_id);
	} else if (rc == BATON_ENOTFOUND) {
		s->current[0] = '\0';
		rc = start_new(s, type, parent_sync_id, sync_id);
	}
	baton__ctx_release(&ctx);
	return rc;
}

BATON_API int baton_store_sync_start_or_resume(baton_store *s, baton_sync_type type,
                                               const char *parent_sync_id, char sync_id[28],
                                               bool *resumed)
{
	int rc = check_store(s, "baton_store_sync_start_or_resume");
	if (rc || (rc = baton__store_check_writable(s, "start sync")) ||
	    (rc = baton__store_bulk_grants_end(s, false)) || (rc = baton__store_commit(s)))
		return rc;
	if (!valid_type(type))
		return baton_error_set(BATON_EINVALID, "invalid sync type: %d", (int)type);
	baton_ctx ctx;
	baton__ctx_init(&ctx);
	baton_sync_run run;
	bool was_resumed = false;
	rc = open_current(s, &ctx, &run);
	if (rc == 0) {
		if (type != BATON_SYNC_TYPE_ANY && run.type != type)
			rc = baton_error_set(BATON_EPRECONDITION,
			                     "cannot resume sync. current sync %s is type %s, cannot resume as type %s",
			                     run.id, baton_sync_type_name(run.type), baton_sync_type_name(type));
		else {
			was_resumed = true;
			rc = copy_id_out(s->current, sync_id);
		}
	} else if (rc == BATON_ENOTFOUND) {
		s->current[0] = '\0';
		char idbuf[BATON__SYNC_ID_MAX];
		rc = latest_unfinished(s, type, NULL, NULL, idbuf);
		if (rc == 0) {
			rc = set_current(s, idbuf);
			if (!rc)
				rc = copy_id_out(idbuf, sync_id);
			was_resumed = rc == 0;
		} else if (rc == BATON_ENOTFOUND) {
			rc = start_new(s, type, parent_sync_id, sync_id);
		}
	}
	if (rc == 0 && resumed)
		*resumed = was_resumed;
	baton__ctx_release(&ctx);
	return rc;
}

BATON_API int baton_store_sync_set_current(baton_store *s, const char *sync_id)
{
	int rc = check_store(s, "baton_store_sync_set_current");
	if (rc || (rc = baton__store_commit(s)))
		return rc;
	if (!sync_id || !*sync_id)
		return baton_error_set(BATON_EINVALID, "baton_store_sync_set_current: sync_id is required");
	baton_ctx ctx;
	baton__ctx_init(&ctx);
	baton_sync_run run;
	rc = get_run(s, sync_id, &ctx, &run);
	baton__ctx_release(&ctx);
	if (rc == BATON_ENOTFOUND)
		return baton_error_set(BATON_ENOTFOUND, "sync '%s' not found", sync_id);
	if (rc)
		return rc;
	return set_current(s, sync_id);
}

BATON_API const char *baton_store_sync_current(const baton_store *s)
{
	return s && s->current[0] ? s->current : NULL;
}

static int need_current(baton_store *s, const char *op)
{
	int rc = baton__store_check_writable(s, op);
	if (rc)
		return rc;
	if (!s->current[0])
		return baton_error_set(BATON_EPRECONDITION, "c1z %s: %s: no sync is current", s->path, op);
	return 0;
}

BATON_API int baton_store_sync_checkpoint(baton_store *s, const char *sync_token)
{
	int rc = check_store(s, "baton_store_sync_checkpoint");
	if (rc || (rc = need_current(s, "checkpoint")) || (rc = baton__store_commit(s)))
		return rc;
	const char *binds[] = {sync_token ? sync_token : "", s->current};
	return write_run(s, "UPDATE v1_sync_runs SET sync_token = ? WHERE sync_id = ?", binds, 2);
}

BATON_API int baton_store_sync_set_supports_diff(baton_store *s)
{
	int rc = check_store(s, "baton_store_sync_set_supports_diff");
	if (rc || (rc = need_current(s, "set supports_diff")) || (rc = baton__store_commit(s)))
		return rc;
	const char *binds[] = {s->current};
	return write_run(s, "UPDATE v1_sync_runs SET supports_diff = 1 WHERE sync_id = ?", binds, 1);
}

int baton__store_sync_mark_supports_diff(baton_store *s, const char *sync_id)
{
	int rc = check_store(s, "baton__store_sync_mark_supports_diff");
	if (rc || (rc = baton__store_check_writable(s, "set supports_diff")) || (rc = baton__store_commit(s)))
		return rc;
	if (!sync_id || !*sync_id)
		return baton_error_set(BATON_EINVALID, "baton__store_sync_mark_supports_diff: sync_id is required");
	baton_ctx ctx;
	baton__ctx_init(&ctx);
	baton_sync_run run;
	rc = get_run(s, sync_id, &ctx, &run);
	baton__ctx_release(&ctx);
	if (rc == BATON_ENOTFOUND)
		return baton_error_set(BATON_ENOTFOUND, "sync '%s' not found", sync_id);
	if (rc || run.supports_diff)
		return rc;
	const char *binds[] = {sync_id};
	return write_run(s, "UPDATE v1_sync_runs SET supports_diff = 1 WHERE sync_id = ?", binds, 1);
}

/* Computes the stats of an ended sync and stores them in v1_sync_runs.stats. */
static int write_stats(baton_store *s, const char *sync_id, baton_sync_type type, const char *token)
{
	char *json = NULL;
	int rc = baton__store_stats_json(s, sync_id, type, token, &json);
	if (rc == 0) {
		const char *binds[] = {json, sync_id};
		rc = write_run(s, "UPDATE v1_sync_runs SET stats = ? WHERE sync_id = ?", binds, 2);
	}
	free(json);
	return rc;
}

BATON_API int baton_store_sync_end(baton_store *s)
{
	int rc = check_store(s, "baton_store_sync_end");
	if (rc || (rc = need_current(s, "end sync")) || (rc = baton__store_bulk_grants_end(s, true)) ||
	    (rc = baton__store_commit(s)))
		return rc;
	char now[BATON__TS_LEN];
	baton__store_now(s, now);
	const char *binds[] = {now, s->current};
	rc = write_run(s, "UPDATE v1_sync_runs SET ended_at = ? WHERE sync_id = ? AND ended_at IS NULL",
	               binds, 2);
	if (rc)
		return rc;
	baton_ctx ctx;
	baton__ctx_init(&ctx);
	baton_sync_run run;
	rc = get_run(s, s->current, &ctx, &run);
	if (rc == 0 && run.ended_at) {
		/* As upstream, a stats failure does not fail the end of the sync. */
		if (write_stats(s, run.id, run.type, run.sync_token) != 0)
			baton_error_clear();
	}
	baton__ctx_release(&ctx);
	s->current[0] = '\0';
	return rc == BATON_ENOTFOUND ? 0 : rc;
}

int baton__store_sync_recalculate_stats(baton_store *s, const char *sync_id)
{
	int rc = check_store(s, "recalculate stats");
	if (rc || (rc = baton__store_check_writable(s, "recalculate stats")))
		return rc;
	baton_ctx ctx;
	baton__ctx_init(&ctx);
	baton_sync_run run;
	rc = get_run(s, sync_id, &ctx, &run);
	/* As upstream, stats are only stored for ended syncs. */
	if (rc == 0 && run.ended_at)
		rc = write_stats(s, run.id, run.type, run.sync_token);
	baton__ctx_release(&ctx);
	return rc;
}
