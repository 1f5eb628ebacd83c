/* The send loop of baton_http_do: the client-side limiter, the cache, auth, logging and
 * retries around baton__http_perform (transport.c). */
#include "http/http_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <jansson.h>

#include "core/error.h"
#include "core/log.h"

/* ---- the limiter ---- */

/* 0, or BATON_ECANCELLED when a stop request ended the wait. */
static int limiter_take(baton_http_client *c, const char *method, const char *url)
{
	if (c->rate <= 0)
		return 0;
	int64_t now = baton__http_now_ms(&c->clock);
	if (now > c->last_refill_ms) {
		c->tokens += (double)(now - c->last_refill_ms) * c->rate / 1000.0;
		if (c->tokens > c->burst)
			c->tokens = c->burst;
		c->last_refill_ms = now;
	}
	if (c->tokens >= 1.0) {
		c->tokens -= 1.0;
		return 0;
	}
	int64_t wait = (int64_t)((1.0 - c->tokens) * 1000.0 / c->rate + 0.999);
	if (!baton__http_sleep_ms(&c->clock, wait))
		return baton_error_set(BATON_ECANCELLED,
		                       "%s %s: stop requested (SIGINT/SIGTERM) while waiting for the client's rate limit",
		                       method, url);
	c->tokens = 0;
	c->last_refill_ms = baton__http_now_ms(&c->clock);
	if (c->last_refill_ms < now + wait)
		c->last_refill_ms = now + wait; /* a clock that does not move with sleep */
	return 0;
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
		/* by name as the Go SDK, and a name or value that echoes a credential */
		const char *raw = resp->headers.v[i].value;
		char *v = baton__http_header_sensitive(n) ? NULL
		                                            : baton__http_redact_text(&resp->secrets, raw, strlen(raw), NULL);
		char *rn = baton__http_redact_text(&resp->secrets, n, strlen(n), NULL);
		int rc = baton__hbuf_printf(b, "%s%s: %s", b->len ? "; " : "", rn ? rn : "?", v ? v : "REDACTED");
		free(v);
		free(rn);
		if (rc)
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
		/* only a reset a header gave: the 60 s that a bare 429 stands for (or a Retry-After
		 * that cannot be read) is no reason to wait that long; the backoff below applies */
		if (baton_http_response_rate_limit(resp, &rl) == 0 && rl.has_reset && rl.reset_header) {
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

	char *url = baton__request_full_url(r);
	const char *redacted = baton_http_request_url_redacted(r);
	if (!url || !redacted) {
		baton__secret_free(url);
		return BATON_EEXHAUSTED;
	}
	int lrc = limiter_take(c, r->method, redacted);
	if (lrc) {
		baton__secret_free(url);
		return lrc;
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
		if (!baton__http_sleep_ms(&c->clock, wait)) {
			rc = baton_error_set(BATON_ECANCELLED,
			                     "%s %s: stop requested (SIGINT/SIGTERM) while waiting %lld ms to retry (attempt %u)",
			                     r->method, redacted, (long long)wait, attempt);
			break;
		}
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
