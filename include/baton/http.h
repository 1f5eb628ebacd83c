/*
 * libbaton: an HTTP client for connectors that talk to REST APIs (the Go SDK's uhttp, on libcurl).
 *
 *     baton_http_client_options o = BATON_HTTP_CLIENT_OPTIONS_INIT;
 *     o.base_url = "https://api.example.com/v2";
 *     o.user_agent = "baton-example/1.0";
 *     o.auth.kind = BATON_HTTP_AUTH_BEARER;
 *     o.auth.token = getenv("EXAMPLE_TOKEN");
 *     baton_http_client *c;
 *     int rc = baton_http_client_new(&o, &c);
 *
 *     baton_http_request *req;
 *     baton_http_response *resp;
 *     rc = baton_http_request_new(c, "GET", "/users", &req);
 *     baton_http_request_add_query(req, "filter", "active eq true");
 *     rc = baton_http_do(c, req, baton_ctx_annotations(ctx), &resp);   // rate-limit annotation
 *     struct json_t *body;
 *     if (rc == 0)
 *         rc = baton_http_response_json(resp, &body);
 *     baton_http_response_free(resp);
 *     baton_http_request_free(req);
 *
 * What the client does for every request, in this order:
 *  1. waits for the client-side limiter (when configured), cache hits included;
 *  2. answers a GET from the response cache unless the request carries Cache-Control: no-cache;
 *  3. adds authentication (fetching or refreshing an OAuth2 token when needed) and sends it;
 *  4. on a connection error, a timeout or a retryable status (408, 429, 500, 502, 503, 504) waits
 *     and tries again, within the retry policy (idempotent requests only unless allowed);
 *  5. parses the rate-limit headers into a RateLimitDescription annotation for the caller;
 *  6. maps a non-2xx status to an error code as the Go SDK does (baton_http_error_from_status);
 *  7. stores a 200 answer to a GET in the cache.
 *
 * Errors never contain credentials: URLs in messages and logs have their user info removed and
 * the values of secret-looking query parameters replaced by "REDACTED"; sensitive headers are
 * logged as "REDACTED" (the Go SDK's list: names containing api-key, auth, cookie,
 * proxy-authorization, set-cookie, x-forwarded-for or x-forwarded-proto). What the server says
 * (the reason phrase, header names and values, a body excerpt, the JSON parser's message, a
 * rate-limit value, a total the pager quotes, a next link) has every occurrence of a credential
 * sent with the request or held by the client, and anything after "Bearer " or "Basic ",
 * replaced by "REDACTED" before it reaches a log or a message, in case the server echoes it; the
 * status line (baton_http_response_status_line) is stored redacted.
 *
 * Header values built from input (a bearer token, the user agent, a header set on a request, an
 * OAuth2 token or token type from the token server) are refused with BATON_EINVALID (or
 * BATON_EUNAUTHENTICATED for the token server) when they hold CR, LF, NUL or another control
 * character but TAB: such a value would end the header and add others (header injection).
 *
 * Stopping: every wait of the client (a retry, the client-side limiter, a request in flight, an
 * OAuth2 token request) looks at the process-wide stop request (baton_sync_request_stop(), which
 * the CLI calls on SIGINT and SIGTERM) and, on a sync's threads, at that sync's own stop
 * (baton_sync_options.should_stop) at least every 100 ms and then ends with BATON_ECANCELLED
 * ("... stop requested ...").
 *
 * Response headers are limited to 256 KiB in all (libcurl refuses a single line over 100 KiB);
 * more is BATON_EEXHAUSTED "response header(s) too large" with the limit.
 *
 * JSON bodies use jansson: functions take and give `struct json_t *` (jansson's json_t), so this
 * header does not need <jansson.h>.
 *
 * A client may be used from one thread at a time; use one client per thread for parallel calls.
 */
#ifndef BATON_HTTP_H
#define BATON_HTTP_H

#include "common.h"
#include "ctx.h"
#include "annotations.h"

BATON_BEGIN_DECLS

struct json_t;
struct _xmlDoc; /* libxml2's xmlDoc (baton_http_request_set_xml, baton_http_response_xml) */

typedef struct baton_http_client baton_http_client;
typedef struct baton_http_request baton_http_request;
typedef struct baton_http_response baton_http_response;

/* ------------------------------------------------------------------------------------------ */
/* Time: every wait the client makes goes through these, so tests run without sleeping          */

typedef struct baton_http_clock {
	/* Wall-clock time in milliseconds since the Unix epoch. NULL: the system clock. */
	int64_t (*now_ms)(void *userdata);
	/* Waits `ms` milliseconds (the client moves on when it returns). NULL: nanosleep. */
	void (*sleep_ms)(void *userdata, int64_t ms);
	/* A uniformly random 64-bit number for backoff jitter. NULL: an internal generator. */
	uint64_t (*random)(void *userdata);
	void *userdata;
} baton_http_clock;

/* ------------------------------------------------------------------------------------------ */
/* Authentication                                                                              */

typedef enum baton_http_auth_kind {
	BATON_HTTP_AUTH_NONE = 0,
	/* "Authorization: Bearer <token>". */
	BATON_HTTP_AUTH_BEARER = 1,
	/* Authorization: Basic base64(username:password). */
	BATON_HTTP_AUTH_BASIC = 2,
	/* OAuth2 client credentials (RFC 6749 4.4): a token from token_url, cached and fetched again
	 * refresh_margin_s before it expires. */
	BATON_HTTP_AUTH_OAUTH2_CLIENT_CREDENTIALS = 3,
	/* OAuth2 refresh token (RFC 6749 6): access_token is used until it expires (or at once when
	 * NULL), then refresh_token is exchanged at token_url; a rotated refresh token is kept. */
	BATON_HTTP_AUTH_OAUTH2_REFRESH_TOKEN = 4,
	/* OAuth2 JWT bearer assertion (RFC 7523): a JWT signed with jwt_private_key_pem (RS256 for an
	 * RSA key, ES256 for a P-256 key) is exchanged at token_url for an access token. */
	BATON_HTTP_AUTH_OAUTH2_JWT = 5
} baton_http_auth_kind;

/* How the OAuth2 client id and secret are sent to the token endpoint. */
typedef enum baton_http_oauth2_style {
	BATON_HTTP_OAUTH2_BASIC_HEADER = 0, /* Authorization: Basic (RFC 6749 2.3.1, the default) */
	BATON_HTTP_OAUTH2_IN_BODY = 1       /* client_id and client_secret form fields */
} baton_http_oauth2_style;

/*
 * Credentials. Strings are copied by baton_http_client_new(); the caller may wipe its copies
 * afterwards. The client wipes its copies when freed. Secrets never appear in errors or logs.
 */
typedef struct baton_http_auth {
	baton_http_auth_kind kind;
	const char *token;                /* BEARER */
	const char *username, *password;  /* BASIC */

	/* OAUTH2_*: the token endpoint (absolute URL) and the scopes (sent space-separated; none:
	 * no scope field). */
	const char *token_url;
	const char *const *scopes;
	size_t n_scopes;
	const char *client_id, *client_secret;  /* CLIENT_CREDENTIALS, REFRESH_TOKEN */
	baton_http_oauth2_style client_auth_style;
	const char *access_token, *refresh_token; /* REFRESH_TOKEN */
	int64_t access_token_expires_at_s;        /* REFRESH_TOKEN: epoch seconds; 0 = unknown */

	/* JWT: claims iss, sub (optional), aud (default token_url), scope, iat, exp = iat + lifetime. */
	const char *jwt_private_key_pem; /* PKCS#8 or traditional PEM; RSA or EC P-256 */
	const char *jwt_key_id;          /* "kid" header, optional */
	const char *jwt_issuer;
	const char *jwt_subject;
	const char *jwt_audience;
	int64_t jwt_lifetime_s;          /* 0 = 3600 */

	/* A token is fetched again this long before its expiry; 0 = 10 s (golang.org/x/oauth2's
	 * margin). A token without expires_in is kept until a request answers 401. */
	int64_t refresh_margin_s;
} baton_http_auth;

/* ------------------------------------------------------------------------------------------ */
/* Retries                                                                                     */

typedef struct baton_http_retry_policy {
	/*
	 * Tries in all, the first included: 0 = 4; 1 = no retries. Waits grow exponentially from
	 * initial_delay_ms (0 = 500 ms), doubling each time, capped at max_delay_ms (0 = 60 s), with
	 * "equal jitter" (a random wait between half and all of it) unless disable_jitter. When the
	 * answer carries a rate-limit reset time in the future, the wait is until that time (when no
	 * requests remain) or the reset interval divided by the remaining requests (as the Go SDK's
	 * retryer does), still capped at max_delay_ms. Only a reset time a header gave counts: a bare
	 * 429, or a Retry-After or reset header that cannot be read (garbage, empty, longer than 255
	 * bytes, out of range), waits the exponential backoff, not the 60 s the RateLimitDescription
	 * of a bare 429 says.
	 */
	uint32_t max_attempts;
	int64_t initial_delay_ms;
	int64_t max_delay_ms;
	/* The total time the client may spend waiting between tries of one request: 0 = 120 s. A wait
	 * that does not fit in what is left ends the retries and the error is returned (with its
	 * rate-limit annotation, so the SDK's syncer can wait and call again). */
	int64_t budget_ms;
	bool disable_jitter;
	/* Retry non-idempotent methods (POST, PATCH) too. Idempotent are GET, HEAD, OPTIONS, TRACE,
	 * PUT and DELETE (RFC 9110 9.2.2), and any request with an Idempotency-Key or
	 * X-Idempotency-Key header. A request that failed to connect is always retried. */
	bool retry_non_idempotent;
	/* No retries at all (the same as max_attempts = 1). */
	bool disabled;
} baton_http_retry_policy;

/* ------------------------------------------------------------------------------------------ */
/* Response cache                                                                              */

typedef enum baton_http_cache_mode {
	/* The Go SDK's environment (read at client creation): BATON_HTTP_CACHE_TTL (seconds; below 0
	 * is 0, above 31536000 is 31536000; default 3600; 0 disables), BATON_HTTP_CACHE_MAX_SIZE
	 * (MiB, default 5), BATON_HTTP_CACHE_BACKEND (memory, db, noop; default memory) and
	 * BATON_DISABLE_HTTP_CACHE (Go's ParseBool spellings; true disables). Unset or empty means
	 * the default; any other value that does not parse makes baton_http_client_new fail with
	 * BATON_EINVALID naming the variable (Go ignores such values). */
	BATON_HTTP_CACHE_FROM_ENV = 0,
	BATON_HTTP_CACHE_DISABLED = 1,
	/* In memory with ttl_s and max_bytes below; the environment is not read. */
	BATON_HTTP_CACHE_MEMORY = 2,
	/* The db backend with ttl_s and max_bytes below (BATON_HTTP_CACHE_BACKEND=db): the Go SDK's
	 * SQLite file "lcache.db" in the user cache directory ($XDG_CACHE_HOME, else $HOME/.cache;
	 * $HOME/Library/Caches on macOS), shared by every client of the process that uses it. It is
	 * emptied when the first such client opens it, emptied by baton_http_clear_caches() (the end
	 * of a sync), and removed when the last such client is freed. Opening it can fail
	 * (BATON_EINVALID without a cache directory, BATON_EUNAVAILABLE when it cannot be created). */
	BATON_HTTP_CACHE_DB = 3
} baton_http_cache_mode;

typedef struct baton_http_cache_options {
	baton_http_cache_mode mode;
	int64_t ttl_s;       /* MEMORY, DB: time to live from the write; 0 = 3600 */
	uint64_t max_bytes;  /* MEMORY, DB: 0 = 5 MiB. Entry weight = key + status line, headers, body;
	                      * the db backend drops its least recently used rows first too. */
	/* Request headers folded into the cache key besides Accept, Content-Type, Cookie and Range. */
	const char *const *key_headers;
	size_t n_key_headers;
} baton_http_cache_options;

/* ------------------------------------------------------------------------------------------ */
/* The client                                                                                  */

typedef enum baton_http_tls_version {
	BATON_HTTP_TLS_DEFAULT = 0, /* TLS 1.2 */
	BATON_HTTP_TLS_1_2 = 12,
	BATON_HTTP_TLS_1_3 = 13
} baton_http_tls_version;

#define BATON_HTTP_CLIENT_OPTIONS_VERSION 1

typedef struct baton_http_client_options {
	unsigned int version; /* BATON_HTTP_CLIENT_OPTIONS_VERSION */

	/* Prefix for request paths ("https://api.example.com/v2"); NULL: every path is a full URL. */
	const char *base_url;
	/* Sent as "<user_agent> libbaton/<version>"; NULL: "libbaton/<version>". A User-Agent header
	 * set on a request wins. */
	const char *user_agent;

	/* Whole-request timeout; 0 = 300 s (the Go SDK's http-timeout-seconds default). */
	int64_t timeout_ms;
	/* Connect timeout; 0 = 30 s. */
	int64_t connect_timeout_ms;

	/* TLS: minimum version, CA bundle file or directory (NULL: the system's). Certificate and
	 * host checks are on unless insecure_skip_verify (tests against self-signed servers only). */
	baton_http_tls_version min_tls;
	const char *ca_file;
	const char *ca_path;
	bool insecure_skip_verify;
	/* Proxies come from the environment (http_proxy, https_proxy, no_proxy), as libcurl reads
	 * them; `proxy` overrides ("" disables). */
	const char *proxy;

	baton_http_auth auth;

	/* Client-side token bucket: at most `rate_per_s` requests per second on average, `burst` at
	 * once (0 = 1). 0 = no limiter. */
	double rate_per_s;
	uint32_t burst;

	baton_http_retry_policy retry;
	baton_http_cache_options cache;
	baton_http_clock clock;

	/* Largest response body read (bigger ones fail with BATON_EEXHAUSTED); 0 = 256 MiB. */
	size_t max_body_bytes;
} baton_http_client_options;

#define BATON_HTTP_CLIENT_OPTIONS_INIT {.version = BATON_HTTP_CLIENT_OPTIONS_VERSION}

/*
 * Creates a client. `opts` is read during the call only (strings are copied). On success *out is
 * a new client the caller frees with baton_http_client_free(). BATON_EINVALID for bad options
 * (unknown version, missing credentials for the auth kind, an unreadable JWT key, a base URL that
 * is not http:// or https://).
 */
BATON_API int baton_http_client_new(const baton_http_client_options *opts, baton_http_client **out);

/* Frees a client, its cache and its credentials (wiped). NULL is a no-op. */
BATON_API void baton_http_client_free(baton_http_client *c);

/* Empties the client's response cache (the db backend: the whole shared file). */
BATON_API void baton_http_client_clear_cache(baton_http_client *c);

/*
 * Empties the response cache of every client of the process (the Go SDK's uhttp.ClearCaches,
 * which its connector's Cleanup calls at the end of a sync; baton_sync() does the same): the db
 * backend's file at once, each memory cache at its client's next use (on the client's own thread:
 * safe while other threads use their clients).
 */
BATON_API void baton_http_clear_caches(void);

/* Cache counters since creation. */
BATON_API void baton_http_client_cache_stats(const baton_http_client *c, uint64_t *hits,
                                             uint64_t *misses, size_t *entries, size_t *bytes);

/* ------------------------------------------------------------------------------------------ */
/* Requests                                                                                    */

/*
 * Starts a request. `method` is any token ("GET", "POST", ...); `path` is appended to the base
 * URL, or used as is when it starts with http:// or https:// (a next link). A query string in
 * `path` is kept. On success *out is a new request the caller frees with
 * baton_http_request_free(); it may be sent more than once.
 */
BATON_API int baton_http_request_new(baton_http_client *c, const char *method, const char *path,
                                     baton_http_request **out);

/* Frees a request. NULL is a no-op. */
BATON_API void baton_http_request_free(baton_http_request *r);

/* Appends a query parameter; name and value are percent-escaped (RFC 3986 unreserved kept). */
BATON_API int baton_http_request_add_query(baton_http_request *r, const char *name, const char *value);

/* Appends an integer query parameter. */
BATON_API int baton_http_request_add_query_int(baton_http_request *r, const char *name, int64_t value);

/* Sets a header, replacing any of the same name (case-insensitive); value NULL removes it. */
BATON_API int baton_http_request_set_header(baton_http_request *r, const char *name, const char *value);

/* A raw body (copied) with its Content-Type (NULL: none sent). */
BATON_API int baton_http_request_set_body(baton_http_request *r, const char *content_type,
                                          const void *data, size_t len);

/* A JSON body: `json` is encoded compactly (the reference is borrowed, not stolen), with
 * Content-Type: application/json. */
BATON_API int baton_http_request_set_json(baton_http_request *r, const struct json_t *json);

/* Adds a field to an application/x-www-form-urlencoded body (replacing any other body). */
BATON_API int baton_http_request_add_form(baton_http_request *r, const char *name, const char *value);

/* Sets Cache-Control: no-cache: the cache is not read for this request (as the Go SDK, a 200
 * answer still refreshes the cached entry). */
BATON_API int baton_http_request_set_no_cache(baton_http_request *r);

/* Allows retries of this request even when its method is not idempotent. */
BATON_API int baton_http_request_allow_retry(baton_http_request *r, bool allow);

/* The request's URL as it will be sent, with secrets redacted (for messages); borrowed, valid
 * until the request changes. */
BATON_API const char *baton_http_request_url_redacted(baton_http_request *r);

/*
 * Sends a request (the steps are at the top of this file).
 *
 * Returns 0 for a 2xx answer. For any other status it returns the mapped code
 * (baton_http_error_from_status) with the message "<status line>: <METHOD> <redacted URL>", e.g.
 * "404 Not Found: GET https://api.example.com/v2/users/9". A transport failure gives
 * BATON_EUNAVAILABLE (connection refused, reset, closed early), BATON_EDEADLINE (timeout) or
 * BATON_EINVALID (bad URL, unknown host), with curl's reason.
 *
 * `annos` may be NULL. Otherwise, when the answer carries rate-limit headers or is a 429, a
 * RateLimitDescription is set on it (update semantics) - typically baton_ctx_annotations(ctx),
 * which is how the SDK's syncer learns when to call again.
 *
 * *out receives the response whenever one was received, error statuses included (NULL after a
 * transport failure); the caller frees it with baton_http_response_free(). `out` may be NULL.
 */
BATON_API int baton_http_do(baton_http_client *c, baton_http_request *r, baton_annotations *annos,
                            baton_http_response **out);

/*
 * Shorthand: GET `path`, check the status and decode the body as JSON into *json (a new
 * reference the caller decrefs).
 */
BATON_API int baton_http_get_json(baton_http_client *c, const char *path, baton_annotations *annos,
                                  struct json_t **json);

/* ------------------------------------------------------------------------------------------ */
/* Responses                                                                                   */

/* Frees a response and everything borrowed from it. NULL is a no-op. */
BATON_API void baton_http_response_free(baton_http_response *resp);

/* The status code (200, 404, ...). */
BATON_API int baton_http_response_status(const baton_http_response *resp);

/* The status line without the protocol, e.g. "429 Too Many Requests" (borrowed). */
BATON_API const char *baton_http_response_status_line(const baton_http_response *resp);

/* The first value of a header (case-insensitive name), or NULL (borrowed). */
BATON_API const char *baton_http_response_header(const baton_http_response *resp, const char *name);

/* Headers in the order received; the strings are borrowed from the response. BATON_ERANGE for a
 * bad index. */
BATON_API size_t baton_http_response_header_count(const baton_http_response *resp);
BATON_API int baton_http_response_header_at(const baton_http_response *resp, size_t i,
                                            const char **name, const char **value);

/* The body (borrowed; NUL-terminated after `len` bytes for convenience). */
BATON_API const char *baton_http_response_body(const baton_http_response *resp, size_t *len);

/* Whether the response came from the cache. */
BATON_API bool baton_http_response_from_cache(const baton_http_response *resp);

/* Tries the request took (1 = no retries; 0 for a cache hit). */
BATON_API uint32_t baton_http_response_attempts(const baton_http_response *resp);

/*
 * Decodes the body as JSON into *json (a new reference; the caller decrefs). Invalid JSON gives
 * BATON_EINVALID with the parser's reason, the request and the first 128 bytes of the body:
 * "invalid JSON in response to GET <url> (200 OK): '[' or '{' expected near 'hello' at line 1
 * column 5; body starts with \"hello...\"". The Content-Type is not checked.
 */
BATON_API int baton_http_response_json(const baton_http_response *resp, struct json_t **json);

/* ------------------------------------------------------------------------------------------ */
/* Errors and rate limits                                                                      */

/*
 * The baton_error_code for an HTTP status, as the Go SDK maps it: 2xx -> 0; 400 -> EINVALID;
 * 401 -> EUNAUTHENTICATED; 403 -> EPERM; 404 -> ENOTFOUND; 408 -> EDEADLINE; 409 -> EEXISTS;
 * 429, 502, 503, 504 -> EUNAVAILABLE; 501 -> EUNIMPLEMENTED; other 5xx -> EUNAVAILABLE; other
 * 4xx -> EINVALID; anything else -> EUNKNOWN.
 */
BATON_API int baton_http_error_from_status(int status);

/* A parsed rate-limit state (the RateLimitDescription message). */
typedef struct baton_http_rate_limit {
	baton_ratelimit_status status;
	int64_t limit;
	int64_t remaining;
	/* When the limit resets. Without a reset header it is Go's zero time
	 * (-62135596800 s), as the Go SDK sends it; has_reset says which. */
	baton_timestamp reset_at;
	bool has_reset;
	/* The header each value came from (static strings; NULL when absent). */
	const char *limit_header, *remaining_header, *reset_header;
} baton_http_rate_limit;

/*
 * Parses rate-limit headers as the Go SDK's ratelimit.ExtractRateLimitData does, plus Retry-After
 * as an HTTP-date. `names`/`values` are n header pairs (names case-insensitive; the first pair of
 * a name counts). The first header present wins, in this order:
 *   limit:     X-RateLimit-Limit, RateLimit-Limit, X-RateLimit-Requests-Limit, X-Rate-Limit-Limit
 *   remaining: X-RateLimit-Remaining, RateLimit-Remaining, X-RateLimit-Requests-Remaining,
 *              X-Rate-Limit-Remaining
 *   reset:     X-RateLimit-Reset, RateLimit-Reset, X-RateLimit-Requests-Reset, X-Rate-Limit-Reset,
 *              Retry-After
 * Limit and remaining use their leading digits ("100;w=60" and "500, 500;w=1" give 500); a value
 * without them is BATON_EINVALID. A reset that is an integer is seconds from now, or epoch
 * seconds when above 946,080,000, or epoch milliseconds when above 946,080,000,000; otherwise an
 * RFC 850, RFC 3339 or IMF-fixdate / asctime date (HTTP-date); one that does not parse is
 * skipped. Status is OK when remaining > 0; a 429 makes it OVERLIMIT with remaining 0, and without
 * a reset then limit 1 and a reset 60 s from now. `now_ms` is the current time (epoch ms).
 * Returns BATON_ENOTFOUND when none of these headers is present and the status is not 429.
 */
BATON_API int baton_http_rate_limit_parse(int status, const char *const *names,
                                          const char *const *values, size_t n, int64_t now_ms,
                                          baton_http_rate_limit *out);

/* The same, from a response's headers (and the client's clock). */
BATON_API int baton_http_response_rate_limit(const baton_http_response *resp,
                                             baton_http_rate_limit *out);

/* Sets the RateLimitDescription annotation (update semantics) from a parsed state. */
BATON_API int baton_http_rate_limit_annotate(const baton_http_rate_limit *rl, baton_annotations *annos);

/* ------------------------------------------------------------------------------------------ */
/* Pagination: each style turns a response into the SDK's next page token                    */

typedef enum baton_http_page_style {
	/* The next page is a URL in a Link header (RFC 8288): `<https://...>; rel="next"`. */
	BATON_HTTP_PAGE_NEXT_LINK = 0,
	/* The next page is a cursor in the body (cursor_path), sent back as `cursor_param`. */
	BATON_HTTP_PAGE_CURSOR = 1,
	/* offset/limit: `offset_param` starts at first_index and grows by the items received. */
	BATON_HTTP_PAGE_OFFSET = 2,
	/* page number: `page_param` starts at first_index and grows by one. */
	BATON_HTTP_PAGE_NUMBER = 3
} baton_http_page_style;

#define BATON_HTTP_PAGER_OPTIONS_VERSION 1

/*
 * Paths into the body (cursor_path, items_path, total_path) are JSON pointers ("/meta/next") or
 * dotted paths ("meta.next", array elements by number).
 */
typedef struct baton_http_pager_options {
	unsigned int version; /* BATON_HTTP_PAGER_OPTIONS_VERSION */
	baton_http_page_style style;
	/* NEXT_LINK: header name (NULL = "Link") and rel (NULL = "next"). */
	const char *link_header;
	const char *link_rel;
	/* CURSOR: where the next cursor is (a string or a number; missing, null or "" = last page)
	 * and the query parameter carrying it (NULL = "cursor"). */
	const char *cursor_path;
	const char *cursor_param;
	/* OFFSET and NUMBER: the array of items in the body (NULL: the body itself must be an array),
	 * the total count (optional), query parameter names (NULL = "offset"/"page" and
	 * "limit"/"per_page") and the first index (0 for offset, 1 for page numbers unless set:
	 * first_index_set). The last page is one with fewer than page_size items, no items, or
	 * reaching the total. The body must have that shape: an answer that is not an object with
	 * an array at items_path (an array, a string, null...), or an object without it, is
	 * BATON_EINVALID "pagination: ..." - except an object without the array whose total says
	 * nothing is left (SCIM leaves "Resources" out when totalResults is 0). A total must be a
	 * count: a whole number from 0 to 2^63-1 (a number, an integral real or a decimal string);
	 * anything else is BATON_EINVALID. */
	const char *items_path;
	const char *total_path;
	const char *offset_param;
	const char *page_param;
	const char *size_param;
	uint32_t page_size;      /* 0 = 100 (also CURSOR: sent as size_param when set) */
	int64_t first_index;
	bool first_index_set;
	/* Resource type and id recorded with the page state in the token (optional). */
	const char *resource_type_id;
	const char *resource_id;
} baton_http_pager_options;

#define BATON_HTTP_PAGER_OPTIONS_INIT {.version = BATON_HTTP_PAGER_OPTIONS_VERSION}

typedef struct baton_http_pager baton_http_pager;

/*
 * Starts paging from a page token (baton_ctx_page_token(ctx); "" or NULL = the first page). The
 * token is the SDK's page bag (baton_page_bag_*), so it is the same format the Go SDK writes. The
 * pager and everything it returns live in `ctx`; there is no free function. BATON_EINVALID for a
 * corrupt token.
 */
BATON_API int baton_http_pager_new(baton_ctx *ctx, const baton_http_pager_options *opts,
                                   const char *page_token, baton_http_pager **out);

/*
 * Starts the request for the current page: NEXT_LINK replaces `path` with the stored next URL
 * (after the first page); the other styles add their query parameters. On success *out is a new
 * request (the caller frees it).
 */
BATON_API int baton_http_pager_request(baton_http_pager *p, baton_http_client *c, const char *method,
                                       const char *path, baton_http_request **out);

/*
 * Reads a response (and its decoded body, which may be NULL for NEXT_LINK) and gives the next
 * page token in *next_token: "" after the last page. The string lives in the pager's ctx; hand it
 * to baton_ctx_set_next_page(). BATON_EINVALID when the body lacks what the style needs (the
 * items array for OFFSET and NUMBER, a body at all for CURSOR).
 */
BATON_API int baton_http_pager_next(baton_http_pager *p, const baton_http_response *resp,
                                    const struct json_t *body, const char **next_token);

/* The current page's cursor/offset/page/URL as text ("" on the first page); borrowed. */
BATON_API const char *baton_http_pager_cursor(const baton_http_pager *p);

/*
 * Finds the URL of relation `rel` (NULL = "next") in a Link header value, as the Go SDK reads it.
 * *url (in ctx) is NULL, with 0 returned, when there is none.
 */
BATON_API int baton_http_link_find(baton_ctx *ctx, const char *link_header, const char *rel, char **url);

/* Looks up a JSON pointer or dotted path (see the pager options); borrowed, NULL when absent. */
BATON_API struct json_t *baton_http_json_path(const struct json_t *root, const char *path);

/*
 * XML bodies (libxml2; Go's uhttp WithXMLResponse / WithAlwaysXMLResponse):
 *  - baton_http_request_set_xml(): `doc` serialized as UTF-8 with Content-Type: application/xml
 *    (the document is borrowed, not freed).
 *  - baton_http_response_xml(): parses the body into a new document in *doc (the caller frees it
 *    with xmlFreeDoc). Unless any_content_type, the Content-Type must be text/xml or
 *    application/xml (parameters allowed), else BATON_EINVALID "unexpected content type for xml
 *    response: ...". The parser loads nothing from the network and expands no external entities;
 *    a body that is not well-formed XML is BATON_EINVALID naming the request, the status, the line
 *    and the parser's message.
 */
BATON_API int baton_http_request_set_xml(baton_http_request *r, const struct _xmlDoc *doc);
BATON_API int baton_http_response_xml(const baton_http_response *resp, bool any_content_type,
                                      struct _xmlDoc **doc);

BATON_END_DECLS

#endif /* BATON_HTTP_H */
