/* Sync stats: the JSON of c1.reader.v2.SyncStats as Go's encoding/json writes it, computed from
 * the rows of one sync (stored by syncs.c in v1_sync_runs.stats). */
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/error.h"

/* ------------------------------------------------------------------------------------------ */
/* Stats (Go encoding/json of c1.reader.v2.SyncStats: struct order, omitempty, sorted maps)     */

typedef struct sbuf {
	char *p;
	size_t len, cap;
	bool oom;
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_str(sbuf *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

/* A JSON string as Go's encoding/json writes it (HTML-safe escapes included). */
static void sb_json_string(sbuf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	sb_put(b, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		unsigned char c = *p;
		char esc[7];
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			sb_put(b, esc, 2);
		} else if (c == '\n') {
			sb_put(b, "\\n", 2);
		} else if (c == '\r') {
			sb_put(b, "\\r", 2);
		} else if (c == '\t') {
			sb_put(b, "\\t", 2);
		} else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			sb_put(b, esc, 6);
		} else if (c == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9)) {
			sb_str(b, p[2] == 0xa8 ? "\\u2028" : "\\u2029");
			p += 2;
		} else {
			sb_put(b, (const char *)p, 1);
		}
	}
	sb_put(b, "\"", 1);
}

static void sb_key(sbuf *b, bool *first, const char *key)
{
	if (!*first)
		sb_put(b, ",", 1);
	*first = false;
	sb_json_string(b, key);
	sb_put(b, ":", 1);
}

static void sb_int(sbuf *b, int64_t v)
{
	char num[24];
	snprintf(num, sizeof(num), "%lld", (long long)v);
	sb_str(b, num);
}

/* Writes {"k":count,...} from a (text, integer) query in key order; returns the sum. */
static int sb_count_map(baton_store *s, sbuf *b, bool *first, const char *key, const char *sql,
                        const char *sync_id, int64_t *sum)
{
	sqlite3_stmt *st;
	int rc = baton__store_prepare(s, sql, &st);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, sync_id, -1, SQLITE_STATIC);
	int n = sqlite3_bind_parameter_count(st);
	if (n > 1)
		sqlite3_bind_text(st, 2, sync_id, -1, SQLITE_STATIC);
	sbuf m = {0};
	bool mfirst = true;
	int sr;
	*sum = 0;
	while ((sr = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *k = sqlite3_column_text(st, 0);
		int64_t v = sqlite3_column_int64(st, 1);
		sb_key(&m, &mfirst, k ? (const char *)k : "");
		sb_int(&m, v);
		*sum += v;
	}
	if (sr != SQLITE_DONE)
		rc = baton__store_sqlerr(s, sr, "computing stats");
	baton__store_release(s, st);
	if (!rc && !mfirst) {
		sb_key(b, first, key);
		sb_put(b, "{", 1);
		sb_put(b, m.p, m.len);
		sb_put(b, "}", 1);
	}
	if (m.oom)
		b->oom = true;
	free(m.p);
	return rc;
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted keys of a JSON object (borrowed from it); NULL when empty. */
static const char **sorted_keys(json_t *obj, size_t *n)
{
	*n = json_object_size(obj);
	if (*n == 0)
		return NULL;
	const char **keys = malloc(*n * sizeof(*keys));
	if (!keys)
		return NULL;
	size_t i = 0;
	const char *k;
	json_t *v;
	json_object_foreach(obj, k, v)
		keys[i++] = k;
	qsort(keys, *n, sizeof(*keys), key_cmp);
	return keys;
}

/* The token's timing maps, validated as Go's decoding would (any mismatch: no timing at all). */
static bool token_timing_valid(json_t *tok)
{
	json_t *steps = json_object_get(tok, "step_durations_ms");
	if (steps && !json_is_null(steps)) {
		if (!json_is_object(steps))
			return false;
		const char *k;
		json_t *v;
		json_object_foreach(steps, k, v)
			if (!json_is_integer(v) && !json_is_null(v))
				return false;
	}
	static const char *const maps[] = {"connector_call_stats", "session_store_stats"};
	static const char *const fields[] = {"count", "total_ms", "max_ms", "errors", "timeouts"};
	for (size_t m = 0; m < 2; m++) {
		json_t *obj = json_object_get(tok, maps[m]);
		if (!obj || json_is_null(obj))
			continue;
		if (!json_is_object(obj))
			return false;
		const char *k;
		json_t *v;
		json_object_foreach(obj, k, v) {
			if (json_is_null(v))
				continue;
			if (!json_is_object(v))
				return false;
			for (size_t f = 0; f < 5; f++) {
				json_t *x = json_object_get(v, fields[f]);
				if (x && !json_is_null(x) && !json_is_integer(x))
					return false;
			}
		}
	}
	return true;
}

static void sb_timing(sbuf *b, bool *first, json_t *tok)
{
	json_t *steps = json_object_get(tok, "step_durations_ms");
	size_t n;
	const char **keys = json_is_object(steps) ? sorted_keys(steps, &n) : NULL;
	if (keys) {
		sb_key(b, first, "step_durations_ms");
		sb_put(b, "{", 1);
		bool f = true;
		for (size_t i = 0; i < n; i++) {
			sb_key(b, &f, keys[i]);
			sb_int(b, json_integer_value(json_object_get(steps, keys[i])));
		}
		sb_put(b, "}", 1);
		free((void *)keys);
	}
	static const char *const maps[] = {"connector_call_stats", "session_store_stats"};
	static const char *const fields[] = {"count", "total_ms", "max_ms", "errors", "timeouts"};
	for (size_t m = 0; m < 2; m++) {
		json_t *obj = json_object_get(tok, maps[m]);
		keys = json_is_object(obj) ? sorted_keys(obj, &n) : NULL;
		if (!keys)
			continue;
		size_t live = 0;
		for (size_t i = 0; i < n; i++)
			live += json_is_object(json_object_get(obj, keys[i]));
		if (live) {
			sb_key(b, first, maps[m]);
			sb_put(b, "{", 1);
			bool f = true;
			for (size_t i = 0; i < n; i++) {
				json_t *v = json_object_get(obj, keys[i]);
				if (!json_is_object(v))
					continue;
				sb_key(b, &f, keys[i]);
				sb_put(b, "{", 1);
				bool ff = true;
				for (size_t j = 0; j < 5; j++) {
					int64_t x = json_integer_value(json_object_get(v, fields[j]));
					if (x) {
						sb_key(b, &ff, fields[j]);
						sb_int(b, x);
					}
				}
				sb_put(b, "}", 1);
			}
			sb_put(b, "}", 1);
		}
		free((void *)keys);
	}
}

static int count_rows(baton_store *s, const char *sql, const char *sync_id, int64_t *out)
{
	sqlite3_stmt *st;
	int rc = baton__store_prepare(s, sql, &st);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, sync_id, -1, SQLITE_STATIC);
	int sr = sqlite3_step(st);
	*out = sr == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	if (sr != SQLITE_ROW && sr != SQLITE_DONE)
		rc = baton__store_sqlerr(s, sr, "counting rows");
	baton__store_release(s, st);
	return rc;
}

/*
 * True when every grant of the file belongs to `sync_id` and both covering indexes used below
 * exist: then the grant counts by resource type can be read from the index on (resource_type_id,
 * resource_id) instead of the grant table, which holds the grant blobs and is several times the
 * size of both indexes together (1M grants: ~400 MB of table, ~60 MB of unique index). The check
 * itself reads the unique (external_id, sync_id) index only. Any error: false (the caller runs
 * the query on the table, which gives the same counts).
 */
static bool grants_all_of_sync(baton_store *s, const char *sync_id)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db,
	                       "SELECT (SELECT count(*) FROM sqlite_master WHERE type = 'index' AND "
	                       "name = 'idx_grants_resource_type_id_resource_id_v1'), "
	                       "EXISTS (SELECT 1 FROM v1_grants INDEXED BY idx_grants_external_sync_v1 "
	                       "WHERE sync_id != ?)",
	                       -1, &st, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return false;
	}
	sqlite3_bind_text(st, 1, sync_id, -1, SQLITE_STATIC);
	bool ok = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1 &&
	          sqlite3_column_int(st, 1) == 0;
	sqlite3_finalize(st);
	return ok;
}

int baton__store_stats_json(baton_store *s, const char *sync_id, baton_sync_type type, const char *token,
                           char **out)
{
	int64_t n_rt, n_res = 0, n_ent = 0, n_grant = 0, n_assets;
	int rc = count_rows(s, "SELECT count(*) FROM v1_resource_types WHERE sync_id = ?", sync_id, &n_rt);
	if (rc)
		return rc;
	sbuf body = {0}, maps = {0};
	bool first = true, mfirst = false; /* maps come after the totals: always preceded */
	/* Resources: every type of the sync pre-filled with 0; rows of unknown types ignored. */
	rc = sb_count_map(s, &maps, &mfirst, "resources_by_resource_type",
	                  "SELECT rt.external_id, (SELECT count(*) FROM v1_resources r WHERE r.sync_id = ?2 "
	                  "AND r.resource_type_id = rt.external_id) FROM v1_resource_types rt "
	                  "WHERE rt.sync_id = ?1 ORDER BY rt.external_id", sync_id, &n_res);
	if (!rc && type != BATON_SYNC_TYPE_RESOURCES_ONLY) {
		/* ?1 is bound in both forms; the first ignores it (all grants are of this sync). */
		const char *by_type =
			grants_all_of_sync(s, sync_id)
				? "SELECT resource_type_id, count(*) FROM v1_grants INDEXED BY "
				  "idx_grants_resource_type_id_resource_id_v1 WHERE ?1 IS NOT NULL "
				  "GROUP BY resource_type_id ORDER BY resource_type_id"
				: "SELECT resource_type_id, count(*) FROM v1_grants WHERE sync_id = ? "
				  "GROUP BY resource_type_id ORDER BY resource_type_id";
		rc = sb_count_map(s, &maps, &mfirst, "grants_by_resource_type", by_type, sync_id, &n_grant);
		if (!rc)
			rc = sb_count_map(s, &maps, &mfirst, "entitlements_by_resource_type",
			                  "SELECT resource_type_id, count(*) FROM v1_entitlements WHERE sync_id = ? "
			                  "GROUP BY resource_type_id ORDER BY resource_type_id", sync_id, &n_ent);
	}
	if (!rc)
		rc = count_rows(s, "SELECT count(*) FROM v1_assets WHERE sync_id = ?", sync_id, &n_assets);
	if (rc)
		goto done;

	sb_put(&body, "{", 1);
	const struct { const char *k; int64_t v; } totals[] = {
		{"resource_types", n_rt}, {"resources", n_res}, {"entitlements", n_ent}, {"grants", n_grant},
	};
	for (size_t i = 0; i < 4; i++)
		if (totals[i].v) {
			sb_key(&body, &first, totals[i].k);
			sb_int(&body, totals[i].v);
		}
	if (maps.len) {
		/* maps.p starts with ',' (written as if preceded); drop it when nothing came before. */
		if (first)
			sb_put(&body, maps.p + 1, maps.len - 1);
		else
			sb_put(&body, maps.p, maps.len);
		first = false;
	}
	if (n_assets) {
		sb_key(&body, &first, "assets");
		sb_int(&body, n_assets);
	}
	if (token && *token) {
		json_t *tok = json_loads(token, JSON_DECODE_ANY, NULL);
		if (json_is_object(tok) && token_timing_valid(tok))
			sb_timing(&body, &first, tok);
		json_decref(tok);
	}
	sb_put(&body, "}", 1);
	if (body.oom || maps.oom) {
		rc = baton__error_oom("stats");
		goto done;
	}
	*out = body.p;
	body.p = NULL;
done:
	free(body.p);
	free(maps.p);
	return rc;
}
