/* Internal view of the HTTP toolkit (include/baton/http.h). */
#ifndef BATON_HTTP_INT_H
#define BATON_HTTP_INT_H

#include "baton/http.h"

#include <stdio.h>
#include <curl/curl.h>

/* ---- growable byte buffer (malloc) ---- */
typedef struct baton__hbuf {
	char *data;
	size_t len, cap;
} baton__hbuf;

int baton__hbuf_grow(baton__hbuf *b, size_t extra);

/* The whole-request timeout of a client whose options leave it at 0 (0 = 300 s); the command line
 * sets it from --http-timeout-seconds. */
void baton__http_set_default_timeout_ms(int64_t ms);
int baton__hbuf_put(baton__hbuf *b, const void *data, size_t len);
int baton__hbuf_puts(baton__hbuf *b, const char *s);
int baton__hbuf_printf(baton__hbuf *b, const char *fmt, ...) BATON_PRINTF(2, 3);
/* Wipes (when secret) and frees. */
void baton__hbuf_free(baton__hbuf *b, bool secret);

/* ---- header list ---- */
typedef struct baton__header {
	char *name;
	char *value;
} baton__header;

typedef struct baton__headers {
	baton__header *v;
	size_t n, cap;
} baton__headers;

int baton__headers_add(baton__headers *h, const char *name, size_t nlen, const char *value, size_t vlen);
/* Replaces every header of that name with one (value NULL: removes them). */
int baton__headers_set(baton__headers *h, const char *name, const char *value);
const char *baton__headers_get(const baton__headers *h, const char *name);
void baton__headers_free(baton__headers *h);

/* ---- secrets in logs and messages ---- */
/* Whether a header name is sensitive (the Go SDK's list). */
bool baton__http_header_sensitive(const char *name);
/* Whether a query parameter name looks like it carries a secret. */
bool baton__http_query_sensitive(const char *name, size_t len);
/* A URL without user info and with secret query values replaced by REDACTED (malloc). */
char *baton__http_redact_url(const char *url);
/* Wipes and frees a string. */
void baton__secret_free(char *s);
char *baton__strdup(const char *s);

/* Strings from a server (a reason phrase, header values, a body excerpt, libcurl's message) pass
 * through this before they reach a log or an error message: every occurrence of a secret that
 * was sent with the request (the values of sensitive request headers, and the credential after
 * their auth scheme) and the credential after "Bearer " or "Basic " become REDACTED. */
typedef struct baton__secrets {
	char **v;
	size_t n;
} baton__secrets;

/* Adds a copy of s[0..len) (ignored when shorter than 4 bytes: too short to tell apart). */
int baton__secrets_add(baton__secrets *s, const char *v, size_t len);
/* The secrets of a header list: the values of sensitive headers and their credential part. */
int baton__secrets_from_headers(baton__secrets *s, const baton__headers *h);
int baton__secrets_copy(baton__secrets *dst, const baton__secrets *src);
void baton__secrets_free(baton__secrets *s);
/* text[0..len) redacted (malloc, NUL-terminated, its length in *out_len when not NULL); NULL when
 * out of memory. */
char *baton__http_redact_text(const baton__secrets *s, const char *text, size_t len, size_t *out_len);

/* ---- header values ---- */
/* NULL when v may be sent as a header value; else what is wrong with it ("a line break (CR)",
 * "a control character 0x01"): CR, LF, NUL (through a length) and the other control characters
 * but TAB would end the header or smuggle another one (header injection). */
const char *baton__http_header_value_bad(const char *v, size_t len);
/* Largest response header block accepted (all header lines of one response together). libcurl
 * itself refuses a single line longer than CURL_MAX_HTTP_HEADER (100 KiB). */
#define BATON__HTTP_MAX_HEADER_BYTES ((size_t)256 * 1024)

/* ---- stopping ---- */
/* The process-wide stop request (src/sync/stop.c): baton_sync_request_stop(), which the CLI calls
 * on SIGINT and SIGTERM, or the own stop of the sync the calling thread works for. Every wait of the client (a retry, the rate limiter, a request in flight)
 * looks at it at least every BATON__HTTP_STOP_POLL_MS and ends with BATON_ECANCELLED. */
bool baton__sync_stop_requested(void);
#define BATON__HTTP_STOP_POLL_MS 100

/* ---- clock ---- */
int64_t baton__http_now_ms(const baton_http_clock *clk);
/* Sleeps ms (in slices of BATON__HTTP_STOP_POLL_MS with the real clock); false when a stop was
 * requested before or during the wait. */
bool baton__http_sleep_ms(const baton_http_clock *clk, int64_t ms);
uint64_t baton__http_random(const baton_http_clock *clk);

/* ---- dates ---- */
/* Parses RFC 850, RFC 3339, IMF-fixdate or asctime into epoch seconds (+nanos). */
int baton__http_parse_date(const char *s, int64_t *secs, int32_t *nanos, bool http_date_too);

/* ---- cache ---- */
typedef struct baton__cache_entry baton__cache_entry;
typedef struct baton__cache {
	bool enabled;
	int64_t ttl_ms;
	uint64_t max_bytes;
	uint64_t bytes;
	size_t count;
	uint64_t hits, misses;
	char **key_headers; /* canonical names, beyond the defaults */
	size_t n_key_headers;
	baton__cache_entry *head, *tail; /* LRU: head = most recent */
	bool db;             /* the shared SQLite file (dbcache.c) instead of the list above */
	uint64_t generation; /* of baton_http_clear_caches() when last emptied */
} baton__cache;

/* The db backend (dbcache.c): one SQLite file per process, shared by every client using it. */
int baton__dbcache_acquire(void);
void baton__dbcache_release(void);
void baton__dbcache_clear(void);
baton_http_response *baton__dbcache_get(const char *key, int64_t now_ms);
void baton__dbcache_put(const char *key, const baton_http_response *resp, int64_t now_ms, int64_t ttl_ms,
                        uint64_t max_bytes);
void baton__dbcache_stats(size_t *count, uint64_t *bytes);

int baton__cache_init(baton__cache *c, const baton_http_cache_options *o);
void baton__cache_free(baton__cache *c);
void baton__cache_clear(baton__cache *c);
/* The key of a request (SHA-256 hex of the Go SDK's cache string), in out[65]. */
int baton__cache_key(const baton__cache *c, const char *path, const char *query,
                     const baton__headers *req_headers, char out[65]);
/* A copy of the stored response or NULL. */
baton_http_response *baton__cache_get(baton__cache *c, const char *key, int64_t now_ms);
void baton__cache_put(baton__cache *c, const char *key, const baton_http_response *resp, int64_t now_ms);

/* ---- auth ---- */
typedef struct baton__auth {
	baton_http_auth_kind kind;
	char *token, *username, *password;
	char *token_url, *scope;
	char *client_id, *client_secret;
	baton_http_oauth2_style style;
	char *refresh_token;
	char *jwt_key_id, *jwt_issuer, *jwt_subject, *jwt_audience;
	void *jwt_key; /* EVP_PKEY */
	int jwt_alg;   /* 1 RS256, 2 ES256 */
	int64_t jwt_lifetime_s;
	int64_t margin_ms;
	/* the current access token */
	char *access_token;
	char *token_type;
	int64_t expires_at_ms; /* 0: no expiry known */
	uint64_t fetches;
} baton__auth;

int baton__auth_init(baton__auth *a, const baton_http_auth *o);
void baton__auth_free(baton__auth *a);
/* The Authorization header value (malloc, secret), or NULL without auth; fetches a token when
 * needed. */
int baton__auth_header(baton_http_client *c, char **value);
/* Drops the cached OAuth2 token (after a 401). Returns whether there was one to drop. */
bool baton__auth_invalidate(baton__auth *a);
/* Adds the client's own credentials (token, password, client secret, refresh and access token)
 * to a redaction list. */
int baton__auth_secrets(const baton__auth *a, baton__secrets *s);
/* Builds a signed JWT assertion (malloc). */
int baton__jwt_sign(baton__auth *a, int64_t now_s, char **out);

/* ---- client ---- */
struct baton_http_client {
	char *base_url;
	char *user_agent;
	int64_t timeout_ms, connect_timeout_ms;
	baton_http_tls_version min_tls;
	char *ca_file, *ca_path, *proxy;
	bool insecure;
	size_t max_body;
	baton__auth auth;
	/* token bucket */
	double rate, burst, tokens;
	int64_t last_refill_ms;
	baton_http_retry_policy retry;
	baton__cache cache;
	baton_http_clock clock;
	CURL *curl;
	CURLM *multi; /* drives curl so that a transfer can end on a stop request */
	uint64_t rng;
};

struct baton_http_request {
	baton_http_client *client;
	char *method;
	char *url_base; /* base + path, without query */
	baton__hbuf query; /* "a=b&c=d" */
	baton__headers headers;
	baton__hbuf body;
	bool has_body;
	bool form;
	bool allow_retry;
	char *redacted; /* cached for url_redacted */
};

struct baton_http_response {
	int status;
	char *status_line;
	baton__headers headers;
	baton__hbuf body;
	bool from_cache;
	uint32_t attempts;
	char *method;       /* for messages */
	char *url_redacted; /* for messages */
	int64_t now_ms;     /* when received (for rate-limit parsing) */
	baton__secrets secrets; /* what was sent with the request, for redacting the answer */
};

/* Internal: sends one request without cache, limiter or retries (used by the token fetcher). */
int baton__http_perform(baton_http_client *c, const char *method, const char *url,
                        const baton__headers *headers, const baton__hbuf *body, bool has_body,
                        baton_http_response **out, int *curl_code);

/* The request's URL with its query (malloc, secret: it may carry credentials). */
char *baton__request_full_url(const baton_http_request *r);

baton_http_response *baton__response_new(void);
int baton__response_copy(const baton_http_response *src, baton_http_response **out);

#endif
