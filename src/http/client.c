/* The HTTP client: requests, responses and the send loop (limiter, cache, auth, retries). */
#include "http/http_int.h"

#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <jansson.h>

#include "baton/config.h"
#include "core/error.h"
#include "core/log.h"
#include "crypto/crypto.h"

#define DEFAULT_TIMEOUT_MS 300000

/* Set by the command line (--http-timeout-seconds) for every client made without a timeout of its
 * own: the library never reads the command line's configuration itself. */
static _Atomic int64_t default_timeout_ms;

void baton__http_set_default_timeout_ms(int64_t ms)
{
	atomic_store(&default_timeout_ms, ms > 0 ? ms : 0);
}
#define DEFAULT_CONNECT_TIMEOUT_MS 30000
#define DEFAULT_MAX_BODY ((size_t)256 * 1024 * 1024)
#define DEFAULT_ATTEMPTS 4
#define DEFAULT_INITIAL_DELAY_MS 500
#define DEFAULT_MAX_DELAY_MS 60000
#define DEFAULT_BUDGET_MS 120000
#define EXCERPT_BYTES 128

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* ------------------------------------------------------------------------------------------ */
/* Client                                                                                      */

static bool is_http_url(const char *s)
{
	return strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0;
}

int baton_http_client_new(const baton_http_client_options *opts, baton_http_client **out)
{
	if (!opts || !out)
		return baton_error_set(BATON_EINVALID, "baton_http_client_new: NULL argument");
	*out = NULL;
	if (opts->version < 1 || opts->version > BATON_HTTP_CLIENT_OPTIONS_VERSION)
		return baton_error_set(BATON_EINVALID, "baton_http_client_options: unknown version %u",
		                       opts->version);
	if (opts->base_url && !is_http_url(opts->base_url))
		return baton_error_set(BATON_EINVALID, "http client: base URL must start with http:// or https://");
	if (opts->min_tls != BATON_HTTP_TLS_DEFAULT && opts->min_tls != BATON_HTTP_TLS_1_2 &&
	    opts->min_tls != BATON_HTTP_TLS_1_3)
		return baton_error_set(BATON_EINVALID, "http client: unknown TLS version %d", (int)opts->min_tls);
	if (opts->rate_per_s < 0)
		return baton_error_set(BATON_EINVALID, "http client: negative rate");
	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK)
		return baton_error_set(BATON_EINTERNAL, "libcurl: %s", curl_easy_strerror(curl_init_rc));

	baton_http_client *c = calloc(1, sizeof(*c));
	if (!c)
		return baton__error_oom("http client");
	int rc = BATON_EEXHAUSTED;
	if (opts->base_url) {
		size_t n = strlen(opts->base_url);
		while (n && opts->base_url[n - 1] == '/')
			n--;
		if (!(c->base_url = malloc(n + 1)))
			goto fail;
		memcpy(c->base_url, opts->base_url, n);
		c->base_url[n] = '\0';
	}
	baton__hbuf ua = {0};
	if (opts->user_agent && *opts->user_agent)
		rc = baton__hbuf_printf(&ua, "%s libbaton/%s", opts->user_agent, baton_version());
	else
		rc = baton__hbuf_printf(&ua, "libbaton/%s", baton_version());
	if (rc)
		goto fail;
	c->user_agent = ua.data;
	const char *bad = baton__http_header_value_bad(c->user_agent, strlen(c->user_agent));
	if (bad) {
		rc = baton_error_set(BATON_EINVALID, "http client: the user agent contains %s", bad);
		goto fail;
	}
	rc = BATON_EEXHAUSTED;
	if ((opts->ca_file && !(c->ca_file = baton__strdup(opts->ca_file))) ||
	    (opts->ca_path && !(c->ca_path = baton__strdup(opts->ca_path))) ||
	    (opts->proxy && !(c->proxy = baton__strdup(opts->proxy))))
		goto fail;
	/* unset: the connector's --http-timeout-seconds under baton_main(), else 300 s */
	int64_t flag_ms = atomic_load(&default_timeout_ms);
	c->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : flag_ms > 0 ? flag_ms : DEFAULT_TIMEOUT_MS;
	c->connect_timeout_ms = opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms : DEFAULT_CONNECT_TIMEOUT_MS;
	c->min_tls = opts->min_tls;
	c->insecure = opts->insecure_skip_verify;
	c->max_body = opts->max_body_bytes ? opts->max_body_bytes : DEFAULT_MAX_BODY;
	c->clock = opts->clock;

	c->retry = opts->retry;
	if (c->retry.disabled)
		c->retry.max_attempts = 1;
	if (!c->retry.max_attempts)
		c->retry.max_attempts = DEFAULT_ATTEMPTS;
	if (c->retry.initial_delay_ms <= 0)
		c->retry.initial_delay_ms = DEFAULT_INITIAL_DELAY_MS;
	if (c->retry.max_delay_ms <= 0)
		c->retry.max_delay_ms = DEFAULT_MAX_DELAY_MS;
	if (c->retry.budget_ms <= 0)
		c->retry.budget_ms = DEFAULT_BUDGET_MS;

	if (opts->rate_per_s > 0) {
		c->rate = opts->rate_per_s;
		c->burst = opts->burst ? opts->burst : 1;
		c->tokens = c->burst;
		c->last_refill_ms = baton__http_now_ms(&c->clock);
	}
	if ((rc = baton__cache_init(&c->cache, &opts->cache)) != 0)
		goto fail;
	if ((rc = baton__auth_init(&c->auth, &opts->auth)) != 0)
		goto fail;
	if (!(c->curl = curl_easy_init()) || !(c->multi = curl_multi_init())) {
		rc = baton_error_set(BATON_EINTERNAL, "libcurl: curl_easy_init failed");
		goto fail;
	}
	*out = c;
	return 0;
fail:
	if (rc == BATON_EEXHAUSTED && baton_error_last()->code != BATON_EEXHAUSTED)
		baton__error_oom("http client");
	baton_http_client_free(c);
	return rc;
}

void baton_http_client_free(baton_http_client *c)
{
	if (!c)
		return;
	if (c->multi)
		curl_multi_cleanup(c->multi);
	if (c->curl)
		curl_easy_cleanup(c->curl);
	baton__auth_free(&c->auth);
	baton__cache_free(&c->cache);
	free(c->base_url);
	free(c->user_agent);
	free(c->ca_file);
	free(c->ca_path);
	baton__secret_free(c->proxy);
	free(c);
}

void baton_http_client_clear_cache(baton_http_client *c)
{
	if (c)
		baton__cache_clear(&c->cache);
}

void baton_http_client_cache_stats(const baton_http_client *c, uint64_t *hits, uint64_t *misses,
                                   size_t *entries, size_t *bytes)
{
	if (hits)
		*hits = c ? c->cache.hits : 0;
	if (misses)
		*misses = c ? c->cache.misses : 0;
	size_t n = c ? c->cache.count : 0;
	uint64_t b = c ? c->cache.bytes : 0;
	if (c && c->cache.db)
		baton__dbcache_stats(&n, &b);
	if (entries)
		*entries = n;
	if (bytes)
		*bytes = (size_t)b;
}

/* ------------------------------------------------------------------------------------------ */
/* Requests                                                                                    */

static bool valid_token(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("!#$%&'*+-.^_`|~", *s))
			return false;
	return true;
}

int baton_http_request_new(baton_http_client *c, const char *method, const char *path,
                           baton_http_request **out)
{
	if (!c || !method || !path || !out)
		return baton_error_set(BATON_EINVALID, "baton_http_request_new: NULL argument");
	*out = NULL;
	if (!valid_token(method))
		return baton_error_set(BATON_EINVALID, "http request: invalid method \"%.32s\"", method);
	if (!is_http_url(path) && !c->base_url)
		return baton_error_set(BATON_EINVALID,
		                       "http request: a relative path needs the client's base_url");
	for (const char *p = path; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return baton_error_set(BATON_EINVALID,
			                       "http request: the path contains a space or control character");
	baton_http_request *r = calloc(1, sizeof(*r));
	if (!r)
		return baton__error_oom("http request");
	r->client = c;
	baton__hbuf u = {0};
	int rc = 0;
	const char *q = strchr(path, '?');
	size_t plen = q ? (size_t)(q - path) : strlen(path);
	if (!is_http_url(path)) {
		rc = baton__hbuf_puts(&u, c->base_url);
		if (!rc && path[0] != '/' && plen)
			rc = baton__hbuf_put(&u, "/", 1);
	}
	if (!rc)
		rc = baton__hbuf_put(&u, path, plen);
	r->url_base = u.data;
	if (!rc && q && q[1])
		rc = baton__hbuf_puts(&r->query, q + 1);
	if (!rc && !(r->method = baton__strdup(method)))
		rc = BATON_EEXHAUSTED;
	if (rc) {
		baton_http_request_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

void baton_http_request_free(baton_http_request *r)
{
	if (!r)
		return;
	free(r->method);
	free(r->url_base);
	baton__hbuf_free(&r->query, true);
	baton__headers_free(&r->headers);
	baton__hbuf_free(&r->body, true);
	free(r->redacted);
	free(r);
}

static int escape(baton__hbuf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (isalnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~') {
			if (baton__hbuf_put(b, s, 1))
				return BATON_EEXHAUSTED;
		} else {
			char e[3] = {'%', hex[ch >> 4], hex[ch & 15]};
			if (baton__hbuf_put(b, e, 3))
				return BATON_EEXHAUSTED;
		}
	}
	return 0;
}

static void request_changed(baton_http_request *r)
{
	free(r->redacted);
	r->redacted = NULL;
}

static int add_pair(baton__hbuf *b, const char *name, const char *value)
{
	if (b->len && baton__hbuf_put(b, "&", 1))
		return BATON_EEXHAUSTED;
	if (escape(b, name) || baton__hbuf_put(b, "=", 1) || escape(b, value ? value : ""))
		return BATON_EEXHAUSTED;
	return 0;
}

int baton_http_request_add_query(baton_http_request *r, const char *name, const char *value)
{
	if (!r || !name)
		return baton_error_set(BATON_EINVALID, "baton_http_request_add_query: NULL argument");
	request_changed(r);
	return add_pair(&r->query, name, value);
}

int baton_http_request_add_query_int(baton_http_request *r, const char *name, int64_t value)
{
	char v[32];
	snprintf(v, sizeof(v), "%lld", (long long)value);
	return baton_http_request_add_query(r, name, v);
}

int baton_http_request_set_header(baton_http_request *r, const char *name, const char *value)
{
	if (!r || !name)
		return baton_error_set(BATON_EINVALID, "baton_http_request_set_header: NULL argument");
	if (!valid_token(name))
		return baton_error_set(BATON_EINVALID, "http request: invalid header name \"%.64s\"", name);
	const char *bad = value ? baton__http_header_value_bad(value, strlen(value)) : NULL;
	if (bad)
		return baton_error_set(BATON_EINVALID, "http request: header %s: the value contains %s", name, bad);
	return baton__headers_set(&r->headers, name, value);
}

int baton_http_request_set_body(baton_http_request *r, const char *content_type, const void *data,
                                size_t len)
{
	if (!r || (!data && len))
		return baton_error_set(BATON_EINVALID, "baton_http_request_set_body: NULL argument");
	baton__hbuf_free(&r->body, true);
	r->form = false;
	int rc = baton__hbuf_put(&r->body, data ? data : "", len);
	if (rc)
		return rc;
	r->has_body = true;
	return baton_http_request_set_header(r, "Content-Type", content_type);
}

int baton_http_request_set_json(baton_http_request *r, const struct json_t *json)
{
	if (!r || !json)
		return baton_error_set(BATON_EINVALID, "baton_http_request_set_json: NULL argument");
	char *s = json_dumps(json, JSON_COMPACT | JSON_ENCODE_ANY);
	if (!s)
		return baton_error_set(BATON_EINVALID, "http request: the JSON body could not be encoded");
	int rc = baton_http_request_set_body(r, "application/json", s, strlen(s));
	free(s);
	return rc;
}

int baton_http_request_add_form(baton_http_request *r, const char *name, const char *value)
{
	if (!r || !name)
		return baton_error_set(BATON_EINVALID, "baton_http_request_add_form: NULL argument");
	if (!r->form) {
		baton__hbuf_free(&r->body, true);
		r->form = true;
		r->has_body = true;
		int rc = baton_http_request_set_header(r, "Content-Type", "application/x-www-form-urlencoded");
		if (rc)
			return rc;
	}
	return add_pair(&r->body, name, value);
}

int baton_http_request_set_no_cache(baton_http_request *r)
{
	return baton_http_request_set_header(r, "Cache-Control", "no-cache");
}

int baton_http_request_allow_retry(baton_http_request *r, bool allow)
{
	if (!r)
		return baton_error_set(BATON_EINVALID, "baton_http_request_allow_retry: NULL argument");
	r->allow_retry = allow;
	return 0;
}

char *baton__request_full_url(const baton_http_request *r)
{
	baton__hbuf u = {0};
	if (baton__hbuf_puts(&u, r->url_base) ||
	    (r->query.len && (baton__hbuf_put(&u, "?", 1) || baton__hbuf_put(&u, r->query.data, r->query.len)))) {
		baton__hbuf_free(&u, true);
		return NULL;
	}
	return u.data;
}

const char *baton_http_request_url_redacted(baton_http_request *r)
{
	if (!r)
		return NULL;
	if (!r->redacted) {
		char *u = baton__request_full_url(r);
		if (!u)
			return NULL;
		char *red = baton__http_redact_url(u);
		baton__secret_free(u);
		/* a URL may come from a server (a next link) and carry a credential in its path */
		baton__secrets sec = {0};
		if (red && baton__auth_secrets(&r->client->auth, &sec) == 0 && sec.n) {
			char *again = baton__http_redact_text(&sec, red, strlen(red), NULL);
			free(red);
			red = again;
		}
		baton__secrets_free(&sec);
		r->redacted = red;
	}
	return r->redacted;
}

/* ------------------------------------------------------------------------------------------ */
/* Responses                                                                                   */

baton_http_response *baton__response_new(void)
{
	baton_http_response *r = calloc(1, sizeof(*r));
	if (!r)
		baton__error_oom("http response");
	return r;
}

void baton_http_response_free(baton_http_response *resp)
{
	if (!resp)
		return;
	free(resp->status_line);
	baton__headers_free(&resp->headers);
	baton__hbuf_free(&resp->body, true);
	free(resp->method);
	free(resp->url_redacted);
	baton__secrets_free(&resp->secrets);
	free(resp);
}

int baton__response_copy(const baton_http_response *src, baton_http_response **out)
{
	baton_http_response *r = baton__response_new();
	if (!r)
		return BATON_EEXHAUSTED;
	r->status = src->status;
	r->from_cache = src->from_cache;
	r->attempts = src->attempts;
	r->now_ms = src->now_ms;
	int rc = 0;
	if ((src->status_line && !(r->status_line = baton__strdup(src->status_line))) ||
	    (src->method && !(r->method = baton__strdup(src->method))) ||
	    (src->url_redacted && !(r->url_redacted = baton__strdup(src->url_redacted))))
		rc = BATON_EEXHAUSTED;
	for (size_t i = 0; !rc && i < src->headers.n; i++)
		rc = baton__headers_add(&r->headers, src->headers.v[i].name, strlen(src->headers.v[i].name),
		                        src->headers.v[i].value, strlen(src->headers.v[i].value));
	if (!rc)
		rc = baton__hbuf_put(&r->body, src->body.data ? src->body.data : "", src->body.len);
	if (!rc)
		rc = baton__secrets_copy(&r->secrets, &src->secrets);
	if (rc) {
		baton_http_response_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

int baton_http_response_status(const baton_http_response *resp)
{
	return resp ? resp->status : 0;
}

const char *baton_http_response_status_line(const baton_http_response *resp)
{
	return resp && resp->status_line ? resp->status_line : "";
}

const char *baton_http_response_header(const baton_http_response *resp, const char *name)
{
	if (!resp || !name)
		return NULL;
	return baton__headers_get(&resp->headers, name);
}

size_t baton_http_response_header_count(const baton_http_response *resp)
{
	return resp ? resp->headers.n : 0;
}

int baton_http_response_header_at(const baton_http_response *resp, size_t i, const char **name,
                                  const char **value)
{
	if (!resp || i >= resp->headers.n)
		return baton_error_set(BATON_ERANGE, "header index %zu out of range", i);
	if (name)
		*name = resp->headers.v[i].name;
	if (value)
		*value = resp->headers.v[i].value;
	return 0;
}

const char *baton_http_response_body(const baton_http_response *resp, size_t *len)
{
	if (len)
		*len = resp ? resp->body.len : 0;
	if (!resp)
		return NULL;
	return resp->body.data ? resp->body.data : "";
}

bool baton_http_response_from_cache(const baton_http_response *resp)
{
	return resp && resp->from_cache;
}

uint32_t baton_http_response_attempts(const baton_http_response *resp)
{
	return resp ? resp->attempts : 0;
}

/* A printable excerpt of a body: non-printable bytes as \xNN. */
static void excerpt(const char *data, size_t len, bool more, char *out, size_t outsz)
{
	size_t o = 0;
	for (size_t i = 0; i < len && i < EXCERPT_BYTES && o + 5 < outsz; i++) {
		unsigned char ch = (unsigned char)data[i];
		if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\')
			out[o++] = (char)ch;
		else
			o += (size_t)snprintf(out + o, outsz - o, "\\x%02x", ch);
	}
	if ((more || len > EXCERPT_BYTES) && o + 4 < outsz) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

int baton_http_response_json(const baton_http_response *resp, struct json_t **json)
{
	if (!resp || !json)
		return baton_error_set(BATON_EINVALID, "baton_http_response_json: NULL argument");
	*json = NULL;
	json_error_t err;
	const char *data = resp->body.data ? resp->body.data : "";
	json_t *v = json_loadb(data, resp->body.len, JSON_DECODE_ANY, &err);
	if (!v) {
		/* the parser's message quotes the text near the error and the excerpt shows the start:
		 * both come from the body redacted whole (a secret across a cut is caught), and the
		 * message from parsing that copy */
		size_t rlen;
		char *red = baton__http_redact_text(&resp->secrets, data, resp->body.len, &rlen);
		if (!red)
			return BATON_EEXHAUSTED;
		json_error_t rerr;
		json_t *again = json_loadb(red, rlen, JSON_DECODE_ANY, &rerr);
		if (again) {
			json_decref(again);
			snprintf(rerr.text, sizeof(rerr.text), "not valid JSON");
		}
		char ex[EXCERPT_BYTES * 4 + 8];
		excerpt(red, rlen, false, ex, sizeof(ex));
		char msg[EXCERPT_BYTES * 4 + 2048];
		int n = snprintf(msg, sizeof(msg),
		                 "invalid JSON in response to %s %s (%s): %s at line %d column %d; "
		                 "body starts with \"%s\"",
		                 resp->method ? resp->method : "?", resp->url_redacted ? resp->url_redacted : "?",
		                 baton_http_response_status_line(resp), rerr.text, err.line, err.column,
		                 resp->body.len ? ex : "(empty body)");
		baton__secret_free(red);
		/* Redacted again as written: an escape can complete a secret the body only nearly held
		 * ("\xff" before "uzz-..." spells "...fuzz-..."). */
		char *out = baton__http_redact_text(&resp->secrets, msg, n < 0 ? 0 : strlen(msg), NULL);
		baton__wipe(msg, sizeof(msg));
		baton__wipe(ex, sizeof(ex));
		if (!out)
			return BATON_EEXHAUSTED;
		int rc = baton_error_set(BATON_EINVALID, "%s", out);
		baton__secret_free(out);
		return rc;
	}
	*json = v;
	return 0;
}
