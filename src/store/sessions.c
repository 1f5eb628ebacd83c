/* The connector session store (v1_connector_sessions). Writes here never mark the store dirty. */
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"

static int check(baton_store *s, const char *fn, const char *sync_id, bool write)
{
	if (!s)
		return baton_error_set(BATON_EINVALID, "%s: store is NULL", fn);
	if (!sync_id || !*sync_id)
		return baton_error_set(BATON_EINVALID, "%s: sync id is required", fn);
	if (write)
		return baton__store_check_writable(s, fn);
	return 0;
}

/* "prefix%" with %, _ and \ escaped by '\' (malloc'ed). */
static char *like_pattern(const char *prefix)
{
	size_t n = prefix ? strlen(prefix) : 0;
	char *p = malloc(2 * n + 2), *w = p;
	if (!p)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (prefix[i] == '\\' || prefix[i] == '%' || prefix[i] == '_')
			*w++ = '\\';
		*w++ = prefix[i];
	}
	*w++ = '%';
	*w = '\0';
	return p;
}

static int run(baton_store *s, const char *sql, const char *sync_id, const char *text,
               const uint8_t *blob, size_t len, const char *what)
{
	sqlite3_stmt *st;
	int rc = baton__store_prepare(s, sql, &st);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, sync_id, -1, SQLITE_STATIC);
	if (text)
		sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
	if (blob)
		sqlite3_bind_blob64(st, 3, len ? (const void *)blob : "", len, SQLITE_STATIC);
	int sr = sqlite3_step(st);
	if (sr != SQLITE_DONE)
		rc = baton__store_sqlerr(s, sr, what);
	baton__store_release(s, st);
	return rc;
}

BATON_API int baton_store_session_set(baton_store *s, const char *sync_id, const char *key,
                                      const uint8_t *value, size_t len)
{
	int rc = check(s, "baton_store_session_set", sync_id, true);
	if (rc)
		return rc;
	if (!key || (!value && len))
		return baton_error_set(BATON_EINVALID, "baton_store_session_set: key and value are required");
	return run(s, "INSERT INTO v1_connector_sessions (sync_id, key, value) VALUES (?1, ?2, ?3) "
	              "ON CONFLICT (sync_id, key) DO UPDATE SET value = EXCLUDED.value",
	           sync_id, key, value ? value : (const uint8_t *)"", len, "writing a session value");
}

BATON_API int baton_store_session_get(baton_store *s, const char *sync_id, const char *key,
                                      baton_ctx *ctx, const uint8_t **value, size_t *len)
{
	int rc = check(s, "baton_store_session_get", sync_id, false);
	if (rc)
		return rc;
	if (!key || !ctx || !value || !len)
		return baton_error_set(BATON_EINVALID, "baton_store_session_get: key, ctx and outputs are required");
	sqlite3_stmt *st;
	if ((rc = baton__store_prepare(s, "SELECT value FROM v1_connector_sessions WHERE sync_id = ? AND key = ?",
	                               &st)))
		return rc;
	sqlite3_bind_text(st, 1, sync_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	int sr = sqlite3_step(st);
	if (sr == SQLITE_ROW) {
		size_t n = (size_t)sqlite3_column_bytes(st, 0);
		const void *p = sqlite3_column_blob(st, 0);
		uint8_t *copy = baton_ctx_alloc(ctx, n ? n : 1);
		if (!copy) {
			rc = baton__error_oom("session value");
		} else {
			if (n)
				memcpy(copy, p, n);
			*value = copy;
			*len = n;
		}
	} else if (sr == SQLITE_DONE) {
		rc = baton_error_set(BATON_ENOTFOUND, "session key '%s' not found", key);
	} else {
		rc = baton__store_sqlerr(s, sr, "reading a session value");
	}
	baton__store_release(s, st);
	return rc;
}

BATON_API int baton_store_session_delete(baton_store *s, const char *sync_id, const char *key)
{
	int rc = check(s, "baton_store_session_delete", sync_id, true);
	if (rc)
		return rc;
	if (!key)
		return baton_error_set(BATON_EINVALID, "baton_store_session_delete: key is required");
	return run(s, "DELETE FROM v1_connector_sessions WHERE sync_id = ?1 AND key = ?2", sync_id, key,
	           NULL, 0, "deleting a session value");
}

BATON_API int baton_store_session_clear(baton_store *s, const char *sync_id, const char *prefix)
{
	int rc = check(s, "baton_store_session_clear", sync_id, true);
	if (rc)
		return rc;
	if (!prefix || !*prefix)
		return run(s, "DELETE FROM v1_connector_sessions WHERE sync_id = ?1", sync_id, NULL, NULL, 0,
		           "clearing sessions");
	char *pattern = like_pattern(prefix);
	if (!pattern)
		return baton__error_oom("session prefix");
	rc = run(s, "DELETE FROM v1_connector_sessions WHERE sync_id = ?1 AND key LIKE ?2 ESCAPE '\\'",
	         sync_id, pattern, NULL, 0, "clearing sessions");
	free(pattern);
	return rc;
}

BATON_API int baton_store_session_each(baton_store *s, const char *sync_id, const char *prefix,
                                       int (*fn)(const char *key, const uint8_t *value, size_t len,
                                                 void *userdata),
                                       void *userdata)
{
	int rc = check(s, "baton_store_session_each", sync_id, false);
	if (rc)
		return rc;
	if (!fn)
		return baton_error_set(BATON_EINVALID, "baton_store_session_each: fn is required");
	char *pattern = like_pattern(prefix);
	if (!pattern)
		return baton__error_oom("session prefix");
	/* A private statement: fn may call back into the store. */
	sqlite3_stmt *st;
	int sr = sqlite3_prepare_v2(s->db, "SELECT key, value FROM v1_connector_sessions WHERE sync_id = ? "
	                            "AND key LIKE ? ESCAPE '\\' ORDER BY key ASC", -1, &st, NULL);
	if (sr != SQLITE_OK) {
		free(pattern);
		return baton__store_sqlerr(s, sr, "listing sessions");
	}
	sqlite3_bind_text(st, 1, sync_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, pattern, -1, SQLITE_STATIC);
	while ((sr = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *k = sqlite3_column_text(st, 0);
		const void *v = sqlite3_column_blob(st, 1);
		size_t n = (size_t)sqlite3_column_bytes(st, 1);
		rc = fn(k ? (const char *)k : "", v ? v : (const void *)"", n, userdata);
		if (rc)
			break;
	}
	if (!rc && sr != SQLITE_DONE)
		rc = baton__store_sqlerr(s, sr, "listing sessions");
	sqlite3_finalize(st);
	free(pattern);
	return rc;
}
