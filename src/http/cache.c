/*
 * The GET response cache: in memory, time to live from the write, a byte budget with
 * least-recently-used eviction, keyed as the Go SDK's uhttp.CreateCacheKey.
 */
#include "http/http_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <openssl/evp.h>

#include "core/error.h"
#include "core/log.h"

struct baton__cache_entry {
	char key[65];
	baton_http_response *resp;
	int64_t expires_ms;
	uint64_t weight;
	baton__cache_entry *prev, *next;
};

#define TTL_MAX_S 31536000
#define TTL_DEFAULT_S 3600
#define SIZE_DEFAULT_MB 5

/* Go's strconv.ParseBool. */
static int parse_bool(const char *s, bool *out)
{
	static const char *const t[] = {"1", "t", "T", "TRUE", "true", "True"};
	static const char *const f[] = {"0", "f", "F", "FALSE", "false", "False"};
	for (size_t i = 0; i < 6; i++) {
		if (strcmp(s, t[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcmp(s, f[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

static bool parse_i64(const char *s, int64_t *out)
{
	if (!s || !*s)
		return false;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (*end || isspace((unsigned char)*s) || errno == ERANGE)
		return false;
	*out = v;
	return true;
}

/* An environment variable: NULL when unset or empty (both mean "the default", as in Go). */
static const char *env(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

static int env_invalid(const char *name, const char *value, const char *want)
{
	return baton_error_set(BATON_EINVALID, "%s=%s: expected %s", name, value, want);
}

/* Bumped by baton_http_clear_caches(); a memory cache older than it empties itself on its own
 * thread at its next use. */
static _Atomic uint64_t clear_generation;

void baton_http_clear_caches(void)
{
	atomic_fetch_add(&clear_generation, 1);
	baton__dbcache_clear();
}

/* Canonical MIME header form ("content-type" -> "Content-Type"). */
static char *canonical(const char *name)
{
	char *c = baton__strdup(name);
	if (!c)
		return NULL;
	bool up = true;
	for (char *p = c; *p; p++) {
		*p = up ? (char)toupper((unsigned char)*p) : (char)tolower((unsigned char)*p);
		up = *p == '-';
	}
	return c;
}

int baton__cache_init(baton__cache *c, const baton_http_cache_options *o)
{
	memset(c, 0, sizeof(*c));
	int64_t ttl_s = TTL_DEFAULT_S;
	uint64_t max = (uint64_t)SIZE_DEFAULT_MB * 1024 * 1024;
	bool enabled = true;
	const char *backend = "memory";

	switch (o->mode) {
	case BATON_HTTP_CACHE_DISABLED:
		enabled = false;
		break;
	case BATON_HTTP_CACHE_MEMORY:
		if (o->ttl_s > 0)
			ttl_s = o->ttl_s > TTL_MAX_S ? TTL_MAX_S : o->ttl_s;
		if (o->max_bytes)
			max = o->max_bytes;
		break;
	case BATON_HTTP_CACHE_DB:
		if (o->ttl_s > 0)
			ttl_s = o->ttl_s > TTL_MAX_S ? TTL_MAX_S : o->ttl_s;
		if (o->max_bytes)
			max = o->max_bytes;
		backend = "db";
		break;
	case BATON_HTTP_CACHE_FROM_ENV: {
		/* Go's names, defaults and clamps; a value Go would silently skip is refused here */
		int64_t v;
		const char *s;
		if ((s = env("BATON_HTTP_CACHE_MAX_SIZE"))) {
			if (!parse_i64(s, &v) || v < 0 || v > INT64_C(1) << 40)
				return env_invalid("BATON_HTTP_CACHE_MAX_SIZE", s, "a size in MiB (0 or more)");
			max = (uint64_t)v * 1024 * 1024;
		}
		if ((s = env("BATON_HTTP_CACHE_TTL"))) {
			if (!parse_i64(s, &v))
				return env_invalid("BATON_HTTP_CACHE_TTL", s, "a whole number of seconds");
			ttl_s = v < 0 ? 0 : (v > TTL_MAX_S ? TTL_MAX_S : v);
		}
		if ((s = env("BATON_HTTP_CACHE_BACKEND"))) {
			if (strcmp(s, "db") && strcmp(s, "memory") && strcmp(s, "noop"))
				return env_invalid("BATON_HTTP_CACHE_BACKEND", s, "memory, db or noop");
			backend = s;
		}
		bool disable = false;
		if ((s = env("BATON_DISABLE_HTTP_CACHE")) && parse_bool(s, &disable))
			return env_invalid("BATON_DISABLE_HTTP_CACHE", s, "true or false (1, t, T, TRUE, True, 0, f, F, ...)");
		if (disable)
			backend = "noop";
		if (strcmp(backend, "noop") == 0 || ttl_s == 0)
			enabled = false;
		break;
	}
	default:
		return baton_error_set(BATON_EINVALID, "unknown http cache mode %d", (int)o->mode);
	}
	if (enabled && strcmp(backend, "db") == 0) {
		int rc = baton__dbcache_acquire();
		if (rc)
			return rc;
		c->db = true;
	}
	c->generation = atomic_load(&clear_generation);
	c->enabled = enabled;
	c->ttl_ms = ttl_s * 1000;
	c->max_bytes = max;
	if (o->n_key_headers) {
		c->key_headers = calloc(o->n_key_headers, sizeof(char *));
		if (!c->key_headers)
			return baton__error_oom("cache key headers");
		for (size_t i = 0; i < o->n_key_headers; i++) {
			if (!o->key_headers[i] || !*o->key_headers[i])
				continue;
			if (!(c->key_headers[c->n_key_headers] = canonical(o->key_headers[i])))
				return BATON_EEXHAUSTED;
			c->n_key_headers++;
		}
	}
	if (baton__log_enabled(BATON_LOG_DEBUG)) {
		char ttl[32], size[32];
		snprintf(ttl, sizeof(ttl), "%lld", (long long)ttl_s);
		snprintf(size, sizeof(size), "%llu", (unsigned long long)max);
		baton__log(BATON_LOG_DEBUG, "http cache config", "enabled", enabled ? "true" : "false",
		           "backend", backend, "#ttl_s", ttl, "#max_bytes", size, NULL);
	}
	return 0;
}

static void entry_unlink(baton__cache *c, baton__cache_entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		c->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		c->tail = e->prev;
	e->prev = e->next = NULL;
}

static void entry_push_front(baton__cache *c, baton__cache_entry *e)
{
	e->prev = NULL;
	e->next = c->head;
	if (c->head)
		c->head->prev = e;
	c->head = e;
	if (!c->tail)
		c->tail = e;
}

static void entry_drop(baton__cache *c, baton__cache_entry *e)
{
	entry_unlink(c, e);
	c->bytes -= e->weight;
	c->count--;
	baton_http_response_free(e->resp);
	free(e);
}

void baton__cache_clear(baton__cache *c)
{
	if (c->db)
		baton__dbcache_clear();
	while (c->head)
		entry_drop(c, c->head);
}

/* Empties a memory cache older than the last baton_http_clear_caches(). */
static void catch_up(baton__cache *c)
{
	uint64_t g = atomic_load(&clear_generation);
	if (g == c->generation)
		return;
	c->generation = g;
	while (c->head)
		entry_drop(c, c->head);
}

void baton__cache_free(baton__cache *c)
{
	while (c->head)
		entry_drop(c, c->head);
	if (c->db)
		baton__dbcache_release();
	for (size_t i = 0; i < c->n_key_headers; i++)
		free(c->key_headers[i]);
	free(c->key_headers);
	memset(c, 0, sizeof(*c));
}

/* ---- the key ---- */

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Go's url.QueryUnescape: '+' is a space, %XX a byte. */
static int unescape(baton__hbuf *b, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];
		if (ch == '+') {
			ch = ' ';
		} else if (ch == '%' && i + 2 < len && hexval((unsigned char)s[i + 1]) >= 0 &&
		           hexval((unsigned char)s[i + 2]) >= 0) {
			ch = (char)(hexval((unsigned char)s[i + 1]) * 16 + hexval((unsigned char)s[i + 2]));
			i += 2;
		}
		if (baton__hbuf_put(b, &ch, 1))
			return BATON_EEXHAUSTED;
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct strvec {
	char **v;
	size_t n, cap;
} strvec;

static int strvec_add(strvec *sv, char *s)
{
	if (!s)
		return BATON_EEXHAUSTED;
	if (sv->n == sv->cap) {
		size_t cap = sv->cap ? sv->cap * 2 : 8;
		char **v = realloc(sv->v, cap * sizeof(*v));
		if (!v) {
			free(s);
			return baton__error_oom("cache key");
		}
		sv->v = v;
		sv->cap = cap;
	}
	sv->v[sv->n++] = s;
	return 0;
}

static void strvec_free(strvec *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		baton__secret_free(sv->v[i]);
	free(sv->v);
}

static int join_sorted(baton__hbuf *out, strvec *sv)
{
	if (sv->n)
		qsort(sv->v, sv->n, sizeof(char *), cmp_str);
	for (size_t i = 0; i < sv->n; i++)
		if ((i && baton__hbuf_put(out, "&", 1)) || baton__hbuf_puts(out, sv->v[i]))
			return BATON_EEXHAUSTED;
	return 0;
}

static int add_header_parts(strvec *sv, const baton__headers *h, const char *canon)
{
	for (size_t i = 0; i < h->n; i++) {
		if (strcasecmp(h->v[i].name, canon) != 0)
			continue;
		baton__hbuf b = {0};
		if (baton__hbuf_printf(&b, "%s=%s", canon, h->v[i].value) || strvec_add(sv, b.data)) {
			baton__hbuf_free(&b, true);
			return BATON_EEXHAUSTED;
		}
	}
	return 0;
}

int baton__cache_key(const baton__cache *c, const char *path, const char *query,
                     const baton__headers *req_headers, char out[65])
{
	baton__hbuf s = {0};
	strvec params = {0}, hdrs = {0};
	int rc = BATON_EEXHAUSTED;

	for (const char *p = path; *p; p++) {
		char ch = (char)tolower((unsigned char)*p);
		if (baton__hbuf_put(&s, &ch, 1))
			goto done;
	}
	if (baton__hbuf_put(&s, "?", 1))
		goto done;
	for (const char *q = query ? query : ""; *q;) {
		size_t len = strcspn(q, "&;");
		if (len) {
			const char *eq = memchr(q, '=', len);
			size_t klen = eq ? (size_t)(eq - q) : len;
			baton__hbuf kv = {0};
			if (unescape(&kv, q, klen) || baton__hbuf_put(&kv, "=", 1) ||
			    (eq && unescape(&kv, eq + 1, len - klen - 1)) || strvec_add(&params, kv.data)) {
				baton__hbuf_free(&kv, true);
				goto done;
			}
		}
		q += len;
		if (*q)
			q++;
	}
	if (join_sorted(&s, &params) || baton__hbuf_puts(&s, "&headers="))
		goto done;
	static const char *const defaults[] = {"Accept", "Content-Type", "Cookie", "Range"};
	for (size_t i = 0; i < 4; i++)
		if (add_header_parts(&hdrs, req_headers, defaults[i]))
			goto done;
	for (size_t i = 0; i < c->n_key_headers; i++) {
		bool seen = false;
		for (size_t j = 0; j < 4; j++)
			seen |= strcmp(defaults[j], c->key_headers[i]) == 0;
		for (size_t j = 0; j < i; j++)
			seen |= strcmp(c->key_headers[j], c->key_headers[i]) == 0;
		if (!seen && add_header_parts(&hdrs, req_headers, c->key_headers[i]))
			goto done;
	}
	if (join_sorted(&s, &hdrs))
		goto done;

	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	if (!EVP_Digest(s.data, s.len, md, &mdlen, EVP_sha256(), NULL)) {
		rc = baton_error_set(BATON_EINTERNAL, "sha256 failed");
		goto done;
	}
	for (unsigned int i = 0; i < mdlen && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[64] = '\0';
	rc = 0;
done:
	strvec_free(&params);
	strvec_free(&hdrs);
	baton__hbuf_free(&s, true);
	return rc;
}

/* ---- get and put ---- */

baton_http_response *baton__cache_get(baton__cache *c, const char *key, int64_t now_ms)
{
	if (!c->enabled)
		return NULL;
	if (c->db) {
		baton_http_response *r = baton__dbcache_get(key, now_ms);
		if (r)
			c->hits++;
		else
			c->misses++;
		return r;
	}
	catch_up(c);
	for (baton__cache_entry *e = c->head; e; e = e->next) {
		if (strcmp(e->key, key) != 0)
			continue;
		if (now_ms >= e->expires_ms) {
			entry_drop(c, e);
			break;
		}
		baton_http_response *copy;
		if (baton__response_copy(e->resp, &copy) != 0)
			return NULL;
		entry_unlink(c, e);
		entry_push_front(c, e);
		c->hits++;
		copy->from_cache = true;
		copy->attempts = 0;
		return copy;
	}
	c->misses++;
	return NULL;
}

static uint64_t response_weight(const baton_http_response *r)
{
	/* the response in wire form: status line, headers, blank line, body */
	uint64_t w = 9 + strlen(r->status_line) + 2 + 2 + r->body.len;
	for (size_t i = 0; i < r->headers.n; i++)
		w += strlen(r->headers.v[i].name) + 2 + strlen(r->headers.v[i].value) + 2;
	return w;
}

void baton__cache_put(baton__cache *c, const char *key, const baton_http_response *resp, int64_t now_ms)
{
	if (!c->enabled)
		return;
	if (c->db) {
		baton__dbcache_put(key, resp, now_ms, c->ttl_ms, c->max_bytes);
		return;
	}
	catch_up(c);
	for (baton__cache_entry *e = c->head; e; e = e->next) {
		if (strcmp(e->key, key) == 0) {
			entry_drop(c, e);
			break;
		}
	}
	uint64_t weight = 64 + response_weight(resp);
	if (weight > c->max_bytes)
		return; /* does not fit: dropped, as the Go SDK's cache does */
	baton__cache_entry *e = calloc(1, sizeof(*e));
	if (!e)
		return;
	if (baton__response_copy(resp, &e->resp) != 0) {
		free(e);
		return;
	}
	memcpy(e->key, key, 65);
	e->expires_ms = now_ms + c->ttl_ms;
	e->weight = weight;
	while (c->tail && c->bytes + weight > c->max_bytes)
		entry_drop(c, c->tail);
	entry_push_front(c, e);
	c->bytes += weight;
	c->count++;
}
