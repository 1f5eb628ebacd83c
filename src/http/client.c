/* The HTTP client: requests, responses and the send loop (limiter, cache, auth, retries). */
#include "http/http_int.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <jansson.h>

#include "baton/config.h"
#include "core/error.h"
#include "core/log.h"

#define DEFAULT_TIMEOUT_MS 300000
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
	rc = BATON_EEXHAUSTED;
	if ((opts->ca_file && !(c->ca_file = baton__strdup(opts->ca_file))) ||
	    (opts->ca_path && !(c->ca_path = baton__strdup(opts->ca_path))) ||
	    (opts->proxy && !(c->proxy = baton__strdup(opts->proxy))))
		goto fail;
	/* unset: the connector's --http-timeout-seconds under baton_main() (0 outside it), else 300 s */
	int64_t flag_s = baton_ctx_config_int(NULL, "http-timeout-seconds");
	c->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : flag_s > 0 ? flag_s * 1000 : DEFAULT_TIMEOUT_MS;
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
	if (!(c->curl = curl_easy_init())) {
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
	if (entries)
		*entries = c ? c->cache.count : 0;
	if (bytes)
		*bytes = c ? (size_t)c->cache.bytes : 0;
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
	if (value && strpbrk(value, "\r\n"))
		return baton_error_set(BATON_EINVALID, "http request: header %s: line break in value", name);
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

static char *full_url(const baton_http_request *r)
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
		char *u = full_url(r);
		if (!u)
			return NULL;
		r->redacted = baton__http_redact_url(u);
		baton__secret_free(u);
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
static void excerpt(const char *data, size_t len, char *out, size_t outsz)
{
	size_t o = 0;
	for (size_t i = 0; i < len && i < EXCERPT_BYTES && o + 5 < outsz; i++) {
		unsigned char ch = (unsigned char)data[i];
		if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\')
			out[o++] = (char)ch;
		else
			o += (size_t)snprintf(out + o, outsz - o, "\\x%02x", ch);
	}
	if (len > EXCERPT_BYTES && o + 4 < outsz) {
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
		char ex[EXCERPT_BYTES * 4 + 8];
		excerpt(data, resp->body.len, ex, sizeof(ex));
		return baton_error_set(BATON_EINVALID,
		                       "invalid JSON in response to %s %s (%s): %s at line %d column %d; "
		                       "body starts with \"%s\"",
		                       resp->method ? resp->method : "?",
		                       resp->url_redacted ? resp->url_redacted : "?",
		                       baton_http_response_status_line(resp), err.text, err.line, err.column,
		                       resp->body.len ? ex : "(empty body)");
	}
	*json = v;
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Sending                                                                                     */

static const char *reason_phrase(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "";
	}
}

typedef struct recv_state {
	baton_http_response *resp;
	size_t max_body;
	bool too_big;
	int rc;
} recv_state;

static size_t on_header(char *data, size_t size, size_t nitems, void *ud)
{
	recv_state *st = ud;
	size_t len = size * nitems;
	size_t n = len;
	while (n && (data[n - 1] == '\r' || data[n - 1] == '\n'))
		n--;
	if (n >= 5 && strncmp(data, "HTTP/", 5) == 0) {
		/* a new response (after 100 Continue or a redirect): start over */
		baton__headers_free(&st->resp->headers);
		free(st->resp->status_line);
		st->resp->status_line = NULL;
		const char *sp = memchr(data, ' ', n);
		int status = 0;
		const char *reason = "";
		size_t rlen = 0;
		if (sp) {
			const char *p = sp + 1;
			while (p < data + n && isdigit((unsigned char)*p))
				status = status * 10 + (*p++ - '0');
			if (p < data + n && *p == ' ') {
				reason = p + 1;
				rlen = (size_t)(data + n - reason);
			}
		}
		st->resp->status = status;
		if (!rlen) {
			reason = reason_phrase(status);
			rlen = strlen(reason);
		}
		baton__hbuf b = {0};
		if (baton__hbuf_printf(&b, "%d", status) || (rlen && (baton__hbuf_put(&b, " ", 1) ||
		                                                      baton__hbuf_put(&b, reason, rlen)))) {
			st->rc = BATON_EEXHAUSTED;
			return 0;
		}
		st->resp->status_line = b.data;
		return len;
	}
	const char *colon = memchr(data, ':', n);
	if (!colon || colon == data)
		return len;
	const char *v = colon + 1;
	while (v < data + n && (*v == ' ' || *v == '\t'))
		v++;
	size_t vlen = (size_t)(data + n - v);
	while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;
	if (baton__headers_add(&st->resp->headers, data, (size_t)(colon - data), v, vlen)) {
		st->rc = BATON_EEXHAUSTED;
		return 0;
	}
	return len;
}

static size_t on_body(char *data, size_t size, size_t nitems, void *ud)
{
	recv_state *st = ud;
	size_t len = size * nitems;
	if (st->resp->body.len + len > st->max_body) {
		st->too_big = true;
		return 0;
	}
	if (baton__hbuf_put(&st->resp->body, data, len)) {
		st->rc = BATON_EEXHAUSTED;
		return 0;
	}
	return len;
}

/* The error code and a short reason for a libcurl failure. */
static int map_curl(CURLcode cc, const recv_state *st, const char *errbuf, const char *method,
                    const char *url)
{
	const char *why = errbuf && *errbuf ? errbuf : curl_easy_strerror(cc);
	int code;
	switch (cc) {
	case CURLE_OPERATION_TIMEDOUT:
		code = BATON_EDEADLINE;
		break;
	case CURLE_COULDNT_CONNECT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_WEIRD_SERVER_REPLY:
		code = BATON_EUNAVAILABLE;
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		code = BATON_EINVALID;
		break;
	case CURLE_WRITE_ERROR:
		if (st && st->too_big)
			return baton_error_set(BATON_EEXHAUSTED, "%s %s: response body larger than %zu bytes",
			                       method, url, st->max_body);
		code = st && st->rc ? st->rc : BATON_EUNKNOWN;
		break;
	case CURLE_OUT_OF_MEMORY:
		code = BATON_EEXHAUSTED;
		break;
	case CURLE_ABORTED_BY_CALLBACK:
		code = BATON_ECANCELLED;
		break;
	default:
		code = BATON_EUNKNOWN;
		break;
	}
	return baton_error_set(code, "%s %s: %s", method, url, why);
}

int baton__http_perform(baton_http_client *c, const char *method, const char *url,
                        const baton__headers *headers, const baton__hbuf *body, bool has_body,
                        baton_http_response **out, int *curl_code)
{
	*out = NULL;
	if (curl_code)
		*curl_code = CURLE_OK;
	CURL *h = c->curl;
	curl_easy_reset(h);
	baton_http_response *resp = baton__response_new();
	if (!resp)
		return BATON_EEXHAUSTED;
	recv_state st = {.resp = resp, .max_body = c->max_body};
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *list = NULL, *tmp;
	int rc = 0;
	char *redacted = baton__http_redact_url(url);
	if (!redacted) {
		baton_http_response_free(resp);
		return BATON_EEXHAUSTED;
	}

	bool has_ua = false, has_expect = false;
	for (size_t i = 0; headers && i < headers->n; i++) {
		baton__hbuf line = {0};
		if (strcasecmp(headers->v[i].name, "User-Agent") == 0)
			has_ua = true;
		if (strcasecmp(headers->v[i].name, "Expect") == 0)
			has_expect = true;
		if (*headers->v[i].value)
			rc = baton__hbuf_printf(&line, "%s: %s", headers->v[i].name, headers->v[i].value);
		else
			rc = baton__hbuf_printf(&line, "%s;", headers->v[i].name);
		if (rc || !(tmp = curl_slist_append(list, line.data))) {
			baton__hbuf_free(&line, true);
			rc = baton__error_oom("http headers");
			goto done;
		}
		list = tmp;
		baton__hbuf_free(&line, true);
	}
	if (!has_expect && (tmp = curl_slist_append(list, "Expect:")))
		list = tmp;

	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)c->timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)c->connect_timeout_ms);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_SSLVERSION,
	                 c->min_tls == BATON_HTTP_TLS_1_3 ? CURL_SSLVERSION_TLSv1_3 : CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, c->insecure ? 0L : 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, c->insecure ? 0L : 2L);
	if (c->ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
	if (c->ca_path)
		curl_easy_setopt(h, CURLOPT_CAPATH, c->ca_path);
	if (c->proxy)
		curl_easy_setopt(h, CURLOPT_PROXY, c->proxy);
	if (!has_ua)
		curl_easy_setopt(h, CURLOPT_USERAGENT, c->user_agent);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &st);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &st);
	if (strcmp(method, "GET") == 0) {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	} else if (strcmp(method, "HEAD") == 0) {
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	} else {
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	}
	if (has_body || strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
	    strcmp(method, "PATCH") == 0) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body && body->data ? body->data : "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? body->len : 0));
		if (strcmp(method, "POST") != 0)
			curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	}

	CURLcode cc = curl_easy_perform(h);
	resp->now_ms = baton__http_now_ms(&c->clock);
	if (curl_code)
		*curl_code = (int)cc;
	if (cc != CURLE_OK) {
		rc = st.rc ? st.rc : map_curl(cc, &st, errbuf, method, redacted);
		goto done;
	}
	if (st.rc) {
		rc = st.rc;
		goto done;
	}
	long code = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	resp->status = (int)code;
	if (!resp->status_line) {
		baton__hbuf b = {0};
		if (baton__hbuf_printf(&b, "%d %s", resp->status, reason_phrase(resp->status))) {
			rc = BATON_EEXHAUSTED;
			goto done;
		}
		resp->status_line = b.data;
	}
	if (!resp->body.data && baton__hbuf_put(&resp->body, "", 0)) {
		rc = BATON_EEXHAUSTED;
		goto done;
	}
	resp->method = baton__strdup(method);
	resp->url_redacted = redacted;
	redacted = NULL;
	if (!resp->method) {
		rc = BATON_EEXHAUSTED;
		goto done;
	}
	*out = resp;
	resp = NULL;
done:
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
	curl_slist_free_all(list);
	baton_http_response_free(resp);
	free(redacted);
	return rc;
}

/* ---- the limiter ---- */

static void limiter_take(baton_http_client *c)
{
	if (c->rate <= 0)
		return;
	int64_t now = baton__http_now_ms(&c->clock);
	if (now > c->last_refill_ms) {
		c->tokens += (double)(now - c->last_refill_ms) * c->rate / 1000.0;
		if (c->tokens > c->burst)
			c->tokens = c->burst;
		c->last_refill_ms = now;
	}
	if (c->tokens >= 1.0) {
		c->tokens -= 1.0;
		return;
	}
	int64_t wait = (int64_t)((1.0 - c->tokens) * 1000.0 / c->rate + 0.999);
	baton__http_sleep_ms(&c->clock, wait);
	c->tokens = 0;
	c->last_refill_ms = baton__http_now_ms(&c->clock);
	if (c->last_refill_ms < now + wait)
		c->last_refill_ms = now + wait; /* a clock that does not move with sleep */
}

/* ---- logging ---- */

static void log_headers(const baton_http_response *resp, bool only_ratelimit, baton__hbuf *b)
{
	for (size_t i = 0; i < resp->headers.n; i++) {
		const char *n = resp->headers.v[i].name;
		if (only_ratelimit) {
			bool rl = strcasecmp(n, "Retry-After") == 0;
			for (const char *p = n; *p && !rl; p++)
				rl = strncasecmp(p, "ratelimit", 9) == 0 || strncasecmp(p, "rate-limit", 10) == 0;
			if (!rl)
				continue;
		}
		const char *v = baton__http_header_sensitive(n) ? "REDACTED" : resp->headers.v[i].value;
		if (baton__hbuf_printf(b, "%s%s: %s", b->len ? "; " : "", n, v))
			return;
	}
}

static void log_response(const baton_http_request *r, const char *url, const baton_http_response *resp,
                         int64_t ms, uint32_t attempt)
{
	bool error = resp->status >= 400;
	baton_log_level level = resp->status >= 500 ? BATON_LOG_ERROR
	                        : resp->status >= 400 ? BATON_LOG_WARN
	                                              : BATON_LOG_DEBUG;
	if (!baton__log_enabled(level) && !baton__log_enabled(BATON_LOG_DEBUG))
		return;
	char status[16], dur[32], att[16];
	snprintf(status, sizeof(status), "%d", resp->status);
	snprintf(dur, sizeof(dur), "%lld", (long long)ms);
	snprintf(att, sizeof(att), "%u", attempt);
	baton__hbuf rl = {0}, all = {0};
	log_headers(resp, true, &rl);
	if (baton__log_enabled(BATON_LOG_DEBUG))
		baton__log(BATON_LOG_DEBUG, "http request", "method", r->method, "url", url, "#status_code",
		           status, "#duration_ms", dur, "#attempt", att, "ratelimit_headers",
		           rl.data ? rl.data : "", NULL);
	if (error && baton__log_enabled(level)) {
		log_headers(resp, false, &all);
		baton__log(level, "http error status", "method", r->method, "url", url, "#status_code",
		           status, "status", resp->status_line, "headers", all.data ? all.data : "", NULL);
	}
	baton__hbuf_free(&rl, false);
	baton__hbuf_free(&all, false);
}

/* ---- retries ---- */

static bool idempotent(const baton_http_request *r)
{
	static const char *const m[] = {"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"};
	for (size_t i = 0; i < 6; i++)
		if (strcmp(r->method, m[i]) == 0)
			return true;
	return baton__headers_get(&r->headers, "Idempotency-Key") ||
	       baton__headers_get(&r->headers, "X-Idempotency-Key");
}

static bool retryable_status(int status)
{
	return status == 408 || status == 429 || status == 500 || status == 502 || status == 503 ||
	       status == 504;
}

static int64_t backoff_ms(baton_http_client *c, uint32_t attempt, const baton_http_response *resp)
{
	const baton_http_retry_policy *p = &c->retry;
	if (resp) {
		baton_http_rate_limit rl;
		if (baton_http_response_rate_limit(resp, &rl) == 0 && rl.has_reset) {
			int64_t reset_ms = rl.reset_at.seconds * 1000 + rl.reset_at.nanos / 1000000;
			int64_t until = reset_ms - baton__http_now_ms(&c->clock);
			if (until > 0) {
				int64_t w;
				if (rl.remaining <= 0) {
					w = until;
				} else {
					int64_t unit = rl.remaining * 1000;
					w = ((until + unit - 1) / unit) * 1000;
				}
				return w > p->max_delay_ms ? p->max_delay_ms : w;
			}
		}
		baton_error_clear();
	}
	int64_t w = p->initial_delay_ms;
	for (uint32_t i = 1; i < attempt && w < p->max_delay_ms; i++)
		w *= 2;
	if (w > p->max_delay_ms)
		w = p->max_delay_ms;
	if (!p->disable_jitter && w > 1) {
		int64_t half = w / 2;
		w = half + (int64_t)(baton__http_random(&c->clock) % (uint64_t)(w - half + 1));
	}
	return w;
}

/* ---- do ---- */

int baton_http_do(baton_http_client *c, baton_http_request *r, baton_annotations *annos,
                  baton_http_response **out)
{
	if (out)
		*out = NULL;
	if (!c || !r)
		return baton_error_set(BATON_EINVALID, "baton_http_do: NULL argument");
	if (r->client != c)
		return baton_error_set(BATON_EINVALID, "baton_http_do: the request belongs to another client");

	limiter_take(c);

	char *url = full_url(r);
	const char *redacted = baton_http_request_url_redacted(r);
	if (!url || !redacted) {
		baton__secret_free(url);
		return BATON_EEXHAUSTED;
	}
	bool cacheable = strcmp(r->method, "GET") == 0 && c->cache.enabled;
	const char *cc = baton__headers_get(&r->headers, "Cache-Control");
	bool no_cache = cc && strcasecmp(cc, "no-cache") == 0;
	char key[65] = "";
	baton_http_response *resp = NULL;
	int rc = 0;

	if (cacheable) {
		/* the key uses the path and query of the full URL, as the Go SDK's (host excluded) */
		const char *p = strstr(r->url_base, "://");
		p = p ? strchr(p + 3, '/') : NULL;
		if (baton__cache_key(&c->cache, p ? p : "/", r->query.data, &r->headers, key) != 0)
			cacheable = false;
	}
	if (cacheable && !no_cache) {
		resp = baton__cache_get(&c->cache, key, baton__http_now_ms(&c->clock));
		if (resp) {
			baton__log(BATON_LOG_DEBUG, "http cache hit", "method", r->method, "url", redacted, NULL);
			goto answered;
		}
	}

	bool may_retry = idempotent(r) || r->allow_retry || c->retry.retry_non_idempotent;
	bool auth_retried = false;
	int64_t waited = 0;
	uint32_t attempt = 1;
	for (;;) {
		/* the request's headers plus Authorization (unless the caller set one) */
		baton__headers hs = {0};
		rc = 0;
		for (size_t i = 0; !rc && i < r->headers.n; i++)
			rc = baton__headers_add(&hs, r->headers.v[i].name, strlen(r->headers.v[i].name),
			                        r->headers.v[i].value, strlen(r->headers.v[i].value));
		if (!rc && !baton__headers_get(&r->headers, "Authorization")) {
			char *auth = NULL;
			rc = baton__auth_header(c, &auth);
			if (!rc && auth)
				rc = baton__headers_add(&hs, "Authorization", 13, auth, strlen(auth));
			baton__secret_free(auth);
		}
		if (rc) {
			baton__headers_free(&hs);
			break;
		}
		int64_t t0 = baton__http_now_ms(&c->clock);
		int curl_code = 0;
		baton_http_response_free(resp);
		resp = NULL;
		rc = baton__http_perform(c, r->method, url, &hs, &r->body, r->has_body, &resp, &curl_code);
		baton__headers_free(&hs);

		bool retry;
		bool allowed = may_retry;
		if (rc) {
			if (baton__log_enabled(BATON_LOG_DEBUG)) {
				char att[16];
				snprintf(att, sizeof(att), "%u", attempt);
				baton__log(BATON_LOG_DEBUG, "http request failed", "method", r->method, "url", redacted,
				           "#attempt", att, "error", baton_error_last()->message, NULL);
			}
			retry = rc == BATON_EUNAVAILABLE || rc == BATON_EDEADLINE;
			if (curl_code == CURLE_COULDNT_CONNECT)
				allowed = true; /* nothing was sent */
		} else {
			resp->attempts = attempt;
			log_response(r, redacted, resp, baton__http_now_ms(&c->clock) - t0, attempt);
			if (resp->status == 401 && !auth_retried && !baton__headers_get(&r->headers, "Authorization") &&
			    baton__auth_invalidate(&c->auth)) {
				/* a cached OAuth2 token was refused: fetch a new one once */
				auth_retried = true;
				continue;
			}
			retry = retryable_status(resp->status);
		}
		if (!retry || !allowed || attempt >= c->retry.max_attempts)
			break;
		int64_t wait = backoff_ms(c, attempt, rc ? NULL : resp);
		if (waited + wait > c->retry.budget_ms) {
			char w[32];
			snprintf(w, sizeof(w), "%lld", (long long)wait);
			baton__log(BATON_LOG_DEBUG, "http retry budget spent", "method", r->method, "url", redacted,
			           "#wait_ms", w, NULL);
			break;
		}
		if (baton__log_enabled(BATON_LOG_DEBUG)) {
			char w[32], att[16];
			snprintf(w, sizeof(w), "%lld", (long long)wait);
			snprintf(att, sizeof(att), "%u", attempt);
			baton__log(BATON_LOG_DEBUG, "http retrying", "method", r->method, "url", redacted,
			           "#attempt", att, "#wait_ms", w, NULL);
		}
		baton__http_sleep_ms(&c->clock, wait);
		waited += wait;
		attempt++;
	}
	if (rc) {
		baton__secret_free(url);
		baton_http_response_free(resp);
		return rc;
	}

answered:
	baton__secret_free(url);
	if (annos) {
		baton_http_rate_limit rl;
		int prc = baton_http_response_rate_limit(resp, &rl);
		if (prc == 0) {
			int arc = baton_http_rate_limit_annotate(&rl, annos);
			if (arc) {
				baton_http_response_free(resp);
				return arc;
			}
		}
		baton_error_clear();
	}
	rc = baton_http_error_from_status(resp->status);
	if (rc) {
		baton_error_set(rc, "%s: %s %s", resp->status_line, r->method, redacted);
	} else if (cacheable && resp->status == 200 && !resp->from_cache) {
		baton__cache_put(&c->cache, key, resp, baton__http_now_ms(&c->clock));
	}
	if (out)
		*out = resp;
	else
		baton_http_response_free(resp);
	return rc;
}

int baton_http_get_json(baton_http_client *c, const char *path, baton_annotations *annos,
                        struct json_t **json)
{
	if (!json)
		return baton_error_set(BATON_EINVALID, "baton_http_get_json: NULL argument");
	*json = NULL;
	baton_http_request *r;
	int rc = baton_http_request_new(c, "GET", path, &r);
	if (rc)
		return rc;
	baton_http_response *resp = NULL;
	rc = baton_http_do(c, r, annos, &resp);
	if (!rc)
		rc = baton_http_response_json(resp, json);
	baton_http_response_free(resp);
	baton_http_request_free(r);
	return rc;
}
