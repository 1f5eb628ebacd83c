/*
 * BATON_HTTP_CACHE_BACKEND=db: the response cache in an SQLite file, where and as the Go SDK's
 * uhttp.DBCache keeps it: "lcache.db" in the user cache directory (Go's os.UserCacheDir:
 * $XDG_CACHE_HOME, else $HOME/.cache; $HOME/Library/Caches on macOS), tables http_cache(key,
 * value, expires, lastAccess, url) and http_stats(id, key, hits, misses), emptied when opened and
 * the file removed when closed.
 *
 * One handle per process, shared by every client of the db backend (reference counted, one
 * mutex): the first client opens the file and empties it, the last one closes and removes it, and
 * baton_http_clear_caches() (the end of a sync) empties it. Go opens the file once per client
 * and each new client empties what the others stored; sharing it instead is what lets the
 * clients of one process (one sync) answer each other's requests.
 *
 * Where we differ from Go, on purpose: entries expire (Go stores the expiry as text and then
 * compares it with a number, so its entries never expire), BATON_HTTP_CACHE_MAX_SIZE bounds the
 * table (least recently used rows go first; Go ignores it for this backend), the stored URL is
 * the redacted one, and the file is created mode 0600 in a directory created 0700 if missing.
 */
#include "http/http_int.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>

#include "core/error.h"
#include "core/log.h"

static pthread_mutex_t db_mu = PTHREAD_MUTEX_INITIALIZER;
static sqlite3 *db;
static char *db_path;
static size_t db_refs;

static int db_error(const char *what)
{
	return baton_error_set(BATON_EUNAVAILABLE, "http cache (db) %s: %s", what,
	                       db ? sqlite3_errmsg(db) : "no database");
}

/* Go's os.UserCacheDir() + "/lcache.db" (malloc). */
static int cache_file(char **out)
{
	const char *dir = NULL, *suffix = "";
#ifdef __APPLE__
	dir = getenv("HOME");
	if (!dir || !*dir)
		return baton_error_set(BATON_EINVALID, "http cache (db): $HOME is not defined");
	suffix = "/Library/Caches";
#else
	dir = getenv("XDG_CACHE_HOME");
	if (!dir || !*dir) {
		dir = getenv("HOME");
		if (!dir || !*dir)
			return baton_error_set(BATON_EINVALID,
			                       "http cache (db): neither $XDG_CACHE_HOME nor $HOME are defined");
		suffix = "/.cache";
	} else if (dir[0] != '/') {
		return baton_error_set(BATON_EINVALID, "http cache (db): path in $XDG_CACHE_HOME is relative");
	}
#endif
	baton__hbuf b = {0};
	if (baton__hbuf_printf(&b, "%s%s", dir, suffix))
		return BATON_EEXHAUSTED;
	/* the cache directory itself, as `mkdir -p` (0700) */
	for (char *p = b.data + 1;; p++) {
		if (*p && *p != '/')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(b.data, 0700) && errno != EEXIST) {
			int e = errno;
			baton_error_set(BATON_EUNAVAILABLE, "http cache (db): cannot create %s: %s", b.data, strerror(e));
			baton__hbuf_free(&b, false);
			return BATON_EUNAVAILABLE;
		}
		*p = c;
		if (!c)
			break;
	}
	if (baton__hbuf_puts(&b, "/lcache.db")) {
		baton__hbuf_free(&b, false);
		return BATON_EEXHAUSTED;
	}
	*out = b.data;
	return 0;
}

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS http_cache(key TEXT PRIMARY KEY, value BLOB, expires INT, "
	"lastAccess TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL, url TEXT);"
	"CREATE UNIQUE INDEX IF NOT EXISTS idx_cache_key ON http_cache (key);"
	"CREATE INDEX IF NOT EXISTS expires ON http_cache (expires);"
	"CREATE INDEX IF NOT EXISTS lastAccess ON http_cache (lastAccess);"
	"CREATE TABLE IF NOT EXISTS http_stats(id INTEGER PRIMARY KEY, key TEXT, hits INT DEFAULT 0, "
	"misses INT DEFAULT 0);"
	"DELETE FROM http_cache;"
	"DELETE FROM http_stats;";

int baton__dbcache_acquire(void)
{
	pthread_mutex_lock(&db_mu);
	int rc = 0;
	if (db_refs) {
		db_refs++;
		goto out;
	}
	char *path = NULL;
	if ((rc = cache_file(&path)))
		goto out;
	/* a disposable file (emptied here, removed at the end): no fsync, the journal in memory, so
	 * that a hit costs no disk flush. A file left damaged by a crash is replaced once. */
	for (int attempt = 0;; attempt++) {
		/* private from the start: responses may carry personal data */
		int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0) {
			int e = errno;
			rc = baton_error_set(BATON_EUNAVAILABLE, "http cache (db): cannot open %s: %s", path, strerror(e));
			free(path);
			goto out;
		}
		close(fd);
		if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL) ==
		        SQLITE_OK &&
		    sqlite3_busy_timeout(db, 5000) == SQLITE_OK &&
		    sqlite3_exec(db, "PRAGMA synchronous = OFF; PRAGMA journal_mode = MEMORY;", NULL, NULL, NULL) ==
		        SQLITE_OK &&
		    sqlite3_exec(db, schema, NULL, NULL, NULL) == SQLITE_OK)
			break;
		int code = db ? sqlite3_errcode(db) : SQLITE_NOMEM;
		rc = baton_error_set(BATON_EUNAVAILABLE, "http cache (db): cannot open %s: %s", path,
		                     db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		db = NULL;
		if (attempt || (code != SQLITE_CORRUPT && code != SQLITE_NOTADB) || unlink(path)) {
			free(path);
			goto out;
		}
		baton__log(BATON_LOG_WARN, "replacing a damaged http cache database", "path", path, NULL);
		baton_error_clear();
		rc = 0;
	}
	db_path = path;
	db_refs = 1;
	baton__log(BATON_LOG_DEBUG, "http cache (db) opened", "path", path, NULL);
out:
	pthread_mutex_unlock(&db_mu);
	return rc;
}

void baton__dbcache_release(void)
{
	pthread_mutex_lock(&db_mu);
	if (db_refs && --db_refs == 0) {
		sqlite3_close(db);
		db = NULL;
		/* as Go's cleanup: the file goes with the last user */
		if (unlink(db_path) && errno != ENOENT)
			baton__log(BATON_LOG_WARN, "error removing cache database", "path", db_path, "error", strerror(errno),
			           NULL);
		free(db_path);
		db_path = NULL;
	}
	pthread_mutex_unlock(&db_mu);
}

void baton__dbcache_clear(void)
{
	pthread_mutex_lock(&db_mu);
	if (db && sqlite3_exec(db, "DELETE FROM http_cache;", NULL, NULL, NULL) != SQLITE_OK)
		baton__log(BATON_LOG_WARN, "error clearing http cache (db)", "error", sqlite3_errmsg(db), NULL);
	pthread_mutex_unlock(&db_mu);
}

/* Go's time.RFC3339Nano text of an epoch in milliseconds, UTC ("2026-01-02T03:04:05.006Z"). */
static void rfc3339(int64_t ms, char out[40])
{
	time_t s = (time_t)(ms / 1000);
	int frac = (int)(ms % 1000);
	if (frac < 0) {
		frac += 1000;
		s--;
	}
	struct tm tm;
	gmtime_r(&s, &tm);
	size_t n = strftime(out, 40, "%Y-%m-%dT%H:%M:%S", &tm);
	if (frac) {
		n += (size_t)snprintf(out + n, 40 - n, ".%03d", frac);
		while (out[n - 1] == '0')
			out[--n] = '\0';
	}
	snprintf(out + n, 40 - n, "Z");
}

/* Reads what rfc3339 writes (and Go's nanosecond form) back into milliseconds; -1 if unreadable. */
static int64_t parse_rfc3339(const char *s)
{
	int64_t secs;
	int32_t nanos;
	if (!s || baton__http_parse_date(s, &secs, &nanos, false))
		return -1;
	return secs * 1000 + nanos / 1000000;
}

/* lastAccess: fixed-width, so that text order is time order. */
static void access_text(int64_t ms, char out[40])
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&s, &tm);
	size_t n = strftime(out, 40, "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(out + n, 40 - n, ".%03d", (int)(((ms % 1000) + 1000) % 1000));
}

/* The stored form: Go's httputil.DumpResponse layout (status line, headers, blank line, body). */
static int dump(const baton_http_response *r, baton__hbuf *b)
{
	if (baton__hbuf_printf(b, "HTTP/1.1 %s\r\n", r->status_line ? r->status_line : "200 OK"))
		return BATON_EEXHAUSTED;
	for (size_t i = 0; i < r->headers.n; i++)
		if (baton__hbuf_printf(b, "%s: %s\r\n", r->headers.v[i].name, r->headers.v[i].value))
			return BATON_EEXHAUSTED;
	if (baton__hbuf_put(b, "\r\n", 2) || baton__hbuf_put(b, r->body.data ? r->body.data : "", r->body.len))
		return BATON_EEXHAUSTED;
	return 0;
}

/* Parses a stored response; NULL when it is not one (a row from elsewhere is a miss). */
static baton_http_response *undump(const char *d, size_t n)
{
	const char *end = d + n;
	const char *eol = memchr(d, '\n', n);
	if (!eol || n < 12 || memcmp(d, "HTTP/1.", 7) || d[8] != ' ')
		return NULL;
	baton_http_response *r = baton__response_new();
	if (!r)
		return NULL;
	const char *sl = d + 9;
	size_t sllen = (size_t)(eol - sl);
	if (sllen && sl[sllen - 1] == '\r')
		sllen--;
	r->status = atoi(sl);
	if (r->status < 100 || r->status > 999 || !(r->status_line = strndup(sl, sllen)))
		goto bad;
	const char *p = eol + 1;
	for (;;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			goto bad;
		size_t len = (size_t)(nl - p);
		if (len && p[len - 1] == '\r')
			len--;
		if (!len) {
			p = nl + 1;
			break;
		}
		const char *colon = memchr(p, ':', len);
		if (!colon)
			goto bad;
		const char *v = colon + 1;
		while (v < p + len && (*v == ' ' || *v == '\t'))
			v++;
		if (baton__headers_add(&r->headers, p, (size_t)(colon - p), v, (size_t)(p + len - v)))
			goto bad;
		p = nl + 1;
	}
	if (baton__hbuf_put(&r->body, p, (size_t)(end - p)))
		goto bad;
	return r;
bad:
	baton_http_response_free(r);
	return NULL;
}

static void stat_row(const char *key, bool hit)
{
	sqlite3_stmt *st;
	const char *sql = hit ? "INSERT INTO http_stats(key, hits) VALUES(?1, 1)"
	                      : "INSERT INTO http_stats(key, misses) VALUES(?1, 1)";
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		baton__log(BATON_LOG_WARN, "Failed to update cache stats", "error", sqlite3_errmsg(db), NULL);
	sqlite3_finalize(st);
}

static int exec_key(const char *sql, const char *key, const char *text)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_error("prepare");
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (text)
		sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_error("write");
	sqlite3_finalize(st);
	return rc;
}

baton_http_response *baton__dbcache_get(const char *key, int64_t now_ms)
{
	baton_http_response *r = NULL;
	pthread_mutex_lock(&db_mu);
	if (!db)
		goto out;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "SELECT value, expires FROM http_cache WHERE key = ?1", -1, &st, NULL) != SQLITE_OK) {
		baton__log(BATON_LOG_WARN, "Error querying cache table", "error", sqlite3_errmsg(db), NULL);
		goto out;
	}
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	bool expired = false;
	if (sqlite3_step(st) == SQLITE_ROW) {
		int64_t exp = parse_rfc3339((const char *)sqlite3_column_text(st, 1));
		if (exp >= 0 && now_ms >= exp)
			expired = true;
		else
			r = undump((const char *)sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0));
	}
	sqlite3_finalize(st);
	if (expired) {
		exec_key("DELETE FROM http_cache WHERE key = ?1", key, NULL);
		baton_error_clear();
	} else if (r) {
		char at[40];
		access_text(now_ms, at);
		if (exec_key("UPDATE http_cache SET lastAccess = ?2 WHERE key = ?1", key, at))
			baton_error_clear();
		r->from_cache = true;
		r->attempts = 0;
	}
	stat_row(key, r != NULL);
out:
	pthread_mutex_unlock(&db_mu);
	return r;
}

void baton__dbcache_put(const char *key, const baton_http_response *resp, int64_t now_ms, int64_t ttl_ms,
                        uint64_t max_bytes)
{
	baton__hbuf b = {0};
	if (dump(resp, &b)) {
		baton__hbuf_free(&b, false);
		return;
	}
	if ((uint64_t)b.len + 64 > max_bytes) {
		baton__hbuf_free(&b, false);
		return; /* does not fit: dropped, as the memory cache does */
	}
	char exp[40], at[40];
	rfc3339(now_ms + ttl_ms, exp);
	access_text(now_ms, at);
	pthread_mutex_lock(&db_mu);
	if (!db)
		goto out;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db,
	                       "INSERT INTO http_cache(key, value, expires, lastAccess, url) VALUES(?1, ?2, ?3, ?4, ?5) "
	                       "ON CONFLICT(key) DO UPDATE SET value = excluded.value, expires = excluded.expires, "
	                       "lastAccess = excluded.lastAccess, url = excluded.url",
	                       -1, &st, NULL) != SQLITE_OK) {
		baton__log(BATON_LOG_WARN, "Failed to insert response data into cache table", "error", sqlite3_errmsg(db),
		           NULL);
		goto out;
	}
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, b.data, (int)b.len, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, exp, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, at, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, resp->url_redacted ? resp->url_redacted : "", -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		baton__log(BATON_LOG_WARN, "Failed to insert response data into cache table", "error", sqlite3_errmsg(db),
		           NULL);
	sqlite3_finalize(st);
	/* the byte budget: least recently used rows go first (never the one just written) */
	for (;;) {
		sqlite3_stmt *q;
		if (sqlite3_prepare_v2(db, "SELECT COALESCE(SUM(length(key) + length(value)), 0) FROM http_cache", -1, &q,
		                       NULL) != SQLITE_OK)
			break;
		sqlite3_int64 total = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
		sqlite3_finalize(q);
		if ((uint64_t)total <= max_bytes)
			break;
		if (exec_key("DELETE FROM http_cache WHERE key = (SELECT key FROM http_cache WHERE key <> ?1 "
		             "ORDER BY lastAccess, rowid LIMIT 1)",
		             key, NULL) ||
		    sqlite3_changes(db) == 0) {
			baton_error_clear();
			break;
		}
	}
out:
	pthread_mutex_unlock(&db_mu);
	baton__hbuf_free(&b, false);
}

void baton__dbcache_stats(size_t *count, uint64_t *bytes)
{
	*count = 0;
	*bytes = 0;
	pthread_mutex_lock(&db_mu);
	sqlite3_stmt *q;
	if (db && sqlite3_prepare_v2(db, "SELECT COUNT(*), COALESCE(SUM(length(key) + length(value)), 0) FROM http_cache",
	                             -1, &q, NULL) == SQLITE_OK) {
		if (sqlite3_step(q) == SQLITE_ROW) {
			*count = (size_t)sqlite3_column_int64(q, 0);
			*bytes = (uint64_t)sqlite3_column_int64(q, 1);
		}
		sqlite3_finalize(q);
	}
	pthread_mutex_unlock(&db_mu);
}
