/* Rate-limit headers -> RateLimitDescription, and HTTP status -> error code (as the Go SDK). */
#include "http/http_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/error.h"

int baton_http_error_from_status(int status)
{
	if (status >= 200 && status < 300)
		return 0;
	switch (status) {
	case 400: return BATON_EINVALID;
	case 401: return BATON_EUNAUTHENTICATED;
	case 403: return BATON_EPERM;
	case 404: return BATON_ENOTFOUND;
	case 408: return BATON_EDEADLINE;
	case 409: return BATON_EEXISTS;
	case 429: case 502: case 503: case 504: return BATON_EUNAVAILABLE;
	case 501: return BATON_EUNIMPLEMENTED;
	default: break;
	}
	if (status >= 500 && status < 600)
		return BATON_EUNAVAILABLE;
	if (status >= 400 && status < 500)
		return BATON_EINVALID;
	return BATON_EUNKNOWN;
}

static const char *const limit_headers[] = {"X-Ratelimit-Limit", "Ratelimit-Limit",
                                            "X-RateLimit-Requests-Limit", "X-Rate-Limit-Limit"};
static const char *const remaining_headers[] = {"X-Ratelimit-Remaining", "Ratelimit-Remaining",
                                                "X-RateLimit-Requests-Remaining",
                                                "X-Rate-Limit-Remaining"};
static const char *const reset_headers[] = {"X-Ratelimit-Reset", "Ratelimit-Reset",
                                            "X-RateLimit-Requests-Reset", "X-Rate-Limit-Reset",
                                            "Retry-After"};

#define THIRTY_YEARS_S ((int64_t)60 * 60 * 24 * 365 * 30)
#define GO_ZERO_TIME_S ((int64_t)-62135596800)

/* The first non-empty value of a header, trimmed of surrounding whitespace (as Go's textproto).
 * A value that does not fit buf is not cut (a cut number is another number): it comes back as
 * "" and reads as unusable. */
static const char *lookup(const char *const *names, const char *const *values, size_t n,
                          const char *name, char *buf, size_t bufsz)
{
	for (size_t i = 0; i < n; i++) {
		if (!names[i] || strcasecmp(names[i], name) != 0)
			continue;
		const char *v = values[i] ? values[i] : "";
		while (*v == ' ' || *v == '\t')
			v++;
		size_t len = strlen(v);
		while (len && (v[len - 1] == ' ' || v[len - 1] == '\t' || v[len - 1] == '\r'))
			len--;
		if (len == 0)
			return NULL; /* Go's Header.Get gives "" for the first value: treated as absent */
		if (len >= bufsz) {
			snprintf(buf, bufsz, "(a value of %zu bytes)", len);
			return buf;
		}
		memcpy(buf, v, len);
		buf[len] = '\0';
		return buf;
	}
	return NULL;
}

/* Leading digits of a value as int64 (Go: normalizeRateLimitValue + ParseInt). */
static int leading_int(const char *s, int64_t *out)
{
	while (isspace((unsigned char)*s))
		s++;
	if (!isdigit((unsigned char)*s))
		return BATON_EINVALID;
	int64_t v = 0;
	for (; isdigit((unsigned char)*s); s++) {
		int d = *s - '0';
		if (v > (INT64_MAX - d) / 10)
			return BATON_EINVALID; /* out of range, as ParseInt */
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* Go's strconv.ParseInt(s, 10, 64): optional sign, digits only, no overflow. */
static bool parse_int_strict(const char *s, int64_t *out)
{
	bool neg = false;
	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	if (!*s)
		return false;
	uint64_t v = 0;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return false;
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if ((!neg && v > (uint64_t)INT64_MAX) || (neg && v > (uint64_t)INT64_MAX + 1))
		return false;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return true;
}

static int parse_reset(const char *s, int64_t now_ms, baton_timestamp *out)
{
	int64_t n;
	if (parse_int_strict(s, &n)) {
		if (n > THIRTY_YEARS_S * 1000)
			n /= 1000;
		if (n > THIRTY_YEARS_S) {
			out->seconds = n;
			out->nanos = 0;
		} else {
			if (n < -THIRTY_YEARS_S * 1000)
				n = -THIRTY_YEARS_S * 1000; /* keeps the sum in range; Go would overflow */
			int64_t ms = now_ms + n * 1000;
			out->seconds = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
			out->nanos = (int32_t)((ms - out->seconds * 1000) * 1000000);
		}
		return 0;
	}
	int64_t secs;
	int32_t nanos;
	if (baton__http_parse_date(s, &secs, &nanos, true) == 0) {
		out->seconds = secs;
		out->nanos = nanos;
		return 0;
	}
	return BATON_EINVALID;
}

int baton_http_rate_limit_parse(int status, const char *const *names, const char *const *values,
                                size_t n, int64_t now_ms, baton_http_rate_limit *out)
{
	if (!out)
		return baton_error_set(BATON_EINVALID, "baton_http_rate_limit_parse: out is NULL");
	memset(out, 0, sizeof(*out));
	char buf[256];
	bool found = false;

	for (size_t i = 0; i < sizeof(limit_headers) / sizeof(limit_headers[0]); i++) {
		const char *v = lookup(names, values, n, limit_headers[i], buf, sizeof(buf));
		if (!v)
			continue;
		found = true;
		if (leading_int(v, &out->limit))
			return baton_error_set(BATON_EINVALID, "rate limit header %s: no number in \"%.64s\"",
			                       limit_headers[i], v);
		out->limit_header = limit_headers[i];
		break;
	}
	for (size_t i = 0; i < sizeof(remaining_headers) / sizeof(remaining_headers[0]); i++) {
		const char *v = lookup(names, values, n, remaining_headers[i], buf, sizeof(buf));
		if (!v)
			continue;
		found = true;
		if (leading_int(v, &out->remaining))
			return baton_error_set(BATON_EINVALID, "rate limit header %s: no number in \"%.64s\"",
			                       remaining_headers[i], v);
		out->remaining_header = remaining_headers[i];
		break;
	}
	out->status = out->remaining > 0 ? BATON_RATELIMIT_OK : BATON_RATELIMIT_UNSPECIFIED;

	for (size_t i = 0; i < sizeof(reset_headers) / sizeof(reset_headers[0]); i++) {
		const char *v = lookup(names, values, n, reset_headers[i], buf, sizeof(buf));
		if (!v)
			continue;
		found = true;
		if (parse_reset(v, now_ms, &out->reset_at) != 0)
			continue; /* an unreadable date: try the next header */
		out->has_reset = true;
		out->reset_header = reset_headers[i];
		break;
	}

	if (status == 429) {
		out->status = BATON_RATELIMIT_OVERLIMIT;
		out->remaining = 0;
		if (!out->has_reset) {
			out->limit = 1;
			int64_t ms = now_ms + 60000;
			out->reset_at.seconds = ms / 1000;
			out->reset_at.nanos = (int32_t)(ms % 1000) * 1000000;
			out->has_reset = true;
		}
		found = true;
	}
	if (!out->has_reset) {
		out->reset_at.seconds = GO_ZERO_TIME_S;
		out->reset_at.nanos = 0;
	}
	if (!found)
		return baton_error_set(BATON_ENOTFOUND, "no rate limit headers");
	return 0;
}

int baton_http_rate_limit_annotate(const baton_http_rate_limit *rl, baton_annotations *annos)
{
	if (!rl || !annos)
		return baton_error_set(BATON_EINVALID, "baton_http_rate_limit_annotate: NULL argument");
	return baton_annotations_set_rate_limit(annos, rl->status, rl->limit, rl->remaining, &rl->reset_at);
}

int baton_http_response_rate_limit(const baton_http_response *resp, baton_http_rate_limit *out)
{
	if (!resp || !out)
		return baton_error_set(BATON_EINVALID, "baton_http_response_rate_limit: NULL argument");
	size_t n = resp->headers.n;
	const char **names = calloc(n ? n : 1, sizeof(char *));
	const char **values = calloc(n ? n : 1, sizeof(char *));
	if (!names || !values) {
		free(names);
		free(values);
		return baton__error_oom("rate limit headers");
	}
	/* an error quotes a header value, which may echo a credential: the parser reads the values
	 * redacted (a credential is no number or date anyway) */
	char **red = calloc(n ? n : 1, sizeof(char *));
	int rc = red ? 0 : baton__error_oom("rate limit headers");
	for (size_t i = 0; !rc && i < n; i++) {
		names[i] = resp->headers.v[i].name;
		const char *v = resp->headers.v[i].value;
		if (!(red[i] = baton__http_redact_text(&resp->secrets, v, strlen(v), NULL)))
			rc = BATON_EEXHAUSTED;
		values[i] = red[i];
	}
	if (!rc)
		rc = baton_http_rate_limit_parse(resp->status, names, values, n, resp->now_ms, out);
	for (size_t i = 0; red && i < n; i++)
		free(red[i]);
	free(red);
	free(names);
	free(values);
	return rc;
}
