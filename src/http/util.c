/* HTTP toolkit helpers: buffers, header lists, redaction, the clock and date parsing. */
#include "http/http_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/error.h"

/* ---- buffers ---- */

int baton__hbuf_grow(baton__hbuf *b, size_t extra)
{
	if (b->len + extra + 1 <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < b->len + extra + 1) {
		if (cap > SIZE_MAX / 2)
			return baton__error_oom("http buffer");
		cap *= 2;
	}
	char *d = realloc(b->data, cap);
	if (!d)
		return baton__error_oom("http buffer");
	b->data = d;
	b->cap = cap;
	return 0;
}

int baton__hbuf_put(baton__hbuf *b, const void *data, size_t len)
{
	int rc = baton__hbuf_grow(b, len);
	if (rc)
		return rc;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int baton__hbuf_puts(baton__hbuf *b, const char *s)
{
	return baton__hbuf_put(b, s, strlen(s));
}

int baton__hbuf_printf(baton__hbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return baton_error_set(BATON_EINTERNAL, "formatting failed");
	int rc = baton__hbuf_grow(b, (size_t)n);
	if (rc)
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

static void wipe(void *p, size_t n)
{
	volatile unsigned char *v = p;
	while (n--)
		*v++ = 0;
}

void baton__hbuf_free(baton__hbuf *b, bool secret)
{
	if (b->data && secret)
		wipe(b->data, b->cap);
	free(b->data);
	memset(b, 0, sizeof(*b));
}

void baton__secret_free(char *s)
{
	if (s) {
		wipe(s, strlen(s));
		free(s);
	}
}

char *baton__strdup(const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s);
	char *d = malloc(n + 1);
	if (!d) {
		baton__error_oom("string");
		return NULL;
	}
	memcpy(d, s, n + 1);
	return d;
}

/* ---- headers ---- */

int baton__headers_add(baton__headers *h, const char *name, size_t nlen, const char *value, size_t vlen)
{
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 8;
		baton__header *v = realloc(h->v, cap * sizeof(*v));
		if (!v)
			return baton__error_oom("http headers");
		h->v = v;
		h->cap = cap;
	}
	char *n = malloc(nlen + 1), *v = malloc(vlen + 1);
	if (!n || !v) {
		free(n);
		free(v);
		return baton__error_oom("http header");
	}
	memcpy(n, name, nlen);
	n[nlen] = '\0';
	memcpy(v, value, vlen);
	v[vlen] = '\0';
	h->v[h->n].name = n;
	h->v[h->n].value = v;
	h->n++;
	return 0;
}

int baton__headers_set(baton__headers *h, const char *name, const char *value)
{
	size_t j = 0;
	for (size_t i = 0; i < h->n; i++) {
		if (strcasecmp(h->v[i].name, name) == 0) {
			free(h->v[i].name);
			baton__secret_free(h->v[i].value);
			continue;
		}
		h->v[j++] = h->v[i];
	}
	h->n = j;
	if (!value)
		return 0;
	return baton__headers_add(h, name, strlen(name), value, strlen(value));
}

const char *baton__headers_get(const baton__headers *h, const char *name)
{
	for (size_t i = 0; i < h->n; i++)
		if (strcasecmp(h->v[i].name, name) == 0)
			return h->v[i].value;
	return NULL;
}

void baton__headers_free(baton__headers *h)
{
	for (size_t i = 0; i < h->n; i++) {
		free(h->v[i].name);
		baton__secret_free(h->v[i].value);
	}
	free(h->v);
	memset(h, 0, sizeof(*h));
}

/* ---- redaction ---- */

static bool contains_ci(const char *hay, size_t hlen, const char *needle)
{
	size_t nl = strlen(needle);
	for (size_t i = 0; i + nl <= hlen; i++)
		if (strncasecmp(hay + i, needle, nl) == 0)
			return true;
	return false;
}

bool baton__http_header_sensitive(const char *name)
{
	static const char *const list[] = {"api-key", "auth", "cookie", "proxy-authorization",
	                                   "set-cookie", "x-forwarded-for", "x-forwarded-proto"};
	size_t n = strlen(name);
	for (size_t i = 0; i < sizeof(list) / sizeof(list[0]); i++)
		if (contains_ci(name, n, list[i]))
			return true;
	return false;
}

bool baton__http_query_sensitive(const char *name, size_t len)
{
	static const char *const list[] = {"token", "key", "secret", "password", "passwd", "pwd",
	                                   "auth", "sig", "credential", "assertion", "code",
	                                   "session"};
	for (size_t i = 0; i < sizeof(list) / sizeof(list[0]); i++)
		if (contains_ci(name, len, list[i]))
			return true;
	return false;
}

char *baton__http_redact_url(const char *url)
{
	baton__hbuf b = {0};
	const char *p = url;
	const char *scheme = strstr(url, "://");
	if (scheme) {
		const char *auth = scheme + 3;
		size_t alen = strcspn(auth, "/?#");
		const char *at = NULL;
		for (size_t i = 0; i < alen; i++)
			if (auth[i] == '@')
				at = auth + i;
		if (baton__hbuf_put(&b, url, (size_t)(auth - url)))
			goto oom;
		p = at ? at + 1 : auth;
	}
	const char *q = strchr(p, '?');
	if (!q) {
		if (baton__hbuf_puts(&b, p))
			goto oom;
		return b.data;
	}
	if (baton__hbuf_put(&b, p, (size_t)(q - p) + 1))
		goto oom;
	q++;
	const char *frag = strchr(q, '#');
	size_t qlen = frag ? (size_t)(frag - q) : strlen(q);
	size_t i = 0;
	while (i < qlen) {
		size_t plen = 0;
		while (i + plen < qlen && q[i + plen] != '&')
			plen++;
		const char *eq = memchr(q + i, '=', plen);
		size_t nlen = eq ? (size_t)(eq - (q + i)) : plen;
		if (eq && baton__http_query_sensitive(q + i, nlen)) {
			if (baton__hbuf_put(&b, q + i, nlen + 1) || baton__hbuf_puts(&b, "REDACTED"))
				goto oom;
		} else if (baton__hbuf_put(&b, q + i, plen)) {
			goto oom;
		}
		i += plen;
		if (i < qlen) {
			if (baton__hbuf_put(&b, "&", 1))
				goto oom;
			i++;
		}
	}
	return b.data;
oom:
	baton__hbuf_free(&b, false);
	return NULL;
}

/* ---- secrets in what a server says ---- */

#define MIN_SECRET_LEN 4

int baton__secrets_add(baton__secrets *s, const char *v, size_t len)
{
	if (len < MIN_SECRET_LEN)
		return 0;
	for (size_t i = 0; i < s->n; i++)
		if (strlen(s->v[i]) == len && memcmp(s->v[i], v, len) == 0)
			return 0;
	char **nv = realloc(s->v, (s->n + 1) * sizeof(*nv));
	if (!nv)
		return baton__error_oom("secrets");
	s->v = nv;
	char *d = malloc(len + 1);
	if (!d)
		return baton__error_oom("secrets");
	memcpy(d, v, len);
	d[len] = '\0';
	s->v[s->n++] = d;
	return 0;
}

int baton__secrets_from_headers(baton__secrets *s, const baton__headers *h)
{
	for (size_t i = 0; h && i < h->n; i++) {
		if (!baton__http_header_sensitive(h->v[i].name))
			continue;
		const char *v = h->v[i].value;
		int rc = baton__secrets_add(s, v, strlen(v));
		/* "Bearer abc", "Basic dXNlcjpwdw==": the credential alone too */
		const char *sp = strchr(v, ' ');
		if (!rc && sp) {
			while (*sp == ' ')
				sp++;
			rc = baton__secrets_add(s, sp, strlen(sp));
		}
		if (rc)
			return rc;
	}
	return 0;
}

int baton__secrets_copy(baton__secrets *dst, const baton__secrets *src)
{
	for (size_t i = 0; i < src->n; i++) {
		int rc = baton__secrets_add(dst, src->v[i], strlen(src->v[i]));
		if (rc)
			return rc;
	}
	return 0;
}

void baton__secrets_free(baton__secrets *s)
{
	for (size_t i = 0; i < s->n; i++)
		baton__secret_free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* A credential after an auth scheme word: token68 (RFC 7235) and the quote-free rest of it. */
static bool cred_char(unsigned char ch)
{
	return ch > ' ' && ch < 0x7f && ch != '"' && ch != ',' && ch != ';' && ch != '\'';
}

/* The length of "Bearer " / "Basic " (any case, any number of spaces) at text[i], or 0. */
static size_t scheme_at(const char *text, size_t len, size_t i)
{
	static const char *const schemes[] = {"bearer", "basic"};
	if (i > 0 && isalnum((unsigned char)text[i - 1]))
		return 0;
	for (size_t k = 0; k < sizeof(schemes) / sizeof(schemes[0]); k++) {
		size_t n = strlen(schemes[k]);
		if (i + n < len && strncasecmp(text + i, schemes[k], n) == 0 && text[i + n] == ' ') {
			while (i + n < len && text[i + n] == ' ')
				n++;
			return n;
		}
	}
	return 0;
}

char *baton__http_redact_text(const baton__secrets *s, const char *text, size_t len, size_t *out_len)
{
	baton__hbuf b = {0};
	if (baton__hbuf_grow(&b, len))
		return NULL;
	size_t i = 0;
	while (i < len) {
		size_t best = 0;
		for (size_t k = 0; s && k < s->n; k++) {
			size_t n = strlen(s->v[k]);
			if (n > best && n <= len - i && memcmp(text + i, s->v[k], n) == 0)
				best = n;
		}
		if (best) {
			if (baton__hbuf_puts(&b, "REDACTED"))
				goto oom;
			i += best;
			continue;
		}
		size_t sch = scheme_at(text, len, i);
		if (sch) {
			size_t c = 0;
			while (i + sch + c < len && cred_char((unsigned char)text[i + sch + c]))
				c++;
			if (baton__hbuf_put(&b, text + i, sch) || (c && baton__hbuf_puts(&b, "REDACTED")))
				goto oom;
			i += sch + c;
			continue;
		}
		if (baton__hbuf_put(&b, text + i, 1))
			goto oom;
		i++;
	}
	if (baton__hbuf_put(&b, "", 0)) /* terminates (the loop may have added nothing) */
		goto oom;
	if (out_len)
		*out_len = b.len;
	return b.data;
oom:
	baton__hbuf_free(&b, true);
	return NULL;
}

/* ---- header values ---- */

const char *baton__http_header_value_bad(const char *v, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)v[i];
		if (ch == '\r')
			return "a carriage return (CR)";
		if (ch == '\n')
			return "a line feed (LF)";
		if (ch == 0)
			return "a NUL byte";
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return "a control character";
	}
	return NULL;
}

/* ---- clock ---- */

int64_t baton__http_now_ms(const baton_http_clock *clk)
{
	if (clk && clk->now_ms)
		return clk->now_ms(clk->userdata);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool baton__http_sleep_ms(const baton_http_clock *clk, int64_t ms)
{
	if (baton__sync_stop_requested())
		return false;
	if (ms <= 0)
		return true;
	if (clk && clk->sleep_ms) {
		clk->sleep_ms(clk->userdata, ms);
		return !baton__sync_stop_requested();
	}
	while (ms > 0) {
		int64_t slice = ms < BATON__HTTP_STOP_POLL_MS ? ms : BATON__HTTP_STOP_POLL_MS;
		struct timespec ts = {(time_t)(slice / 1000), (long)(slice % 1000) * 1000000L};
		while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
			if (baton__sync_stop_requested())
				return false;
		ms -= slice;
		if (baton__sync_stop_requested())
			return false;
	}
	return true;
}

uint64_t baton__http_random(const baton_http_clock *clk)
{
	if (clk && clk->random)
		return clk->random(clk->userdata);
	static _Thread_local uint64_t state;
	if (!state) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		state = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^ (uint64_t)(uintptr_t)&state;
		if (!state)
			state = 0x9e3779b97f4a7c15ULL;
	}
	/* xorshift64* */
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	return state * 2685821657736338717ULL;
}

/* ---- dates ---- */

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int month_index(const char *s)
{
	static const char *const m[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	for (int i = 0; i < 12; i++)
		if (strncmp(s, m[i], 3) == 0)
			return i + 1;
	return 0;
}

static bool digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

static bool valid_ymdhms(int y, int mo, int d, int h, int mi, int s)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	(void)y;
	return mo >= 1 && mo <= 12 && d >= 1 && d <= mdays[mo - 1] && h <= 23 && mi <= 59 && s <= 59;
}

static int64_t to_epoch(int y, int mo, int d, int h, int mi, int s)
{
	return days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + s;
}

/* "hh:mm:ss" */
static bool parse_hms(const char *p, int *h, int *mi, int *s)
{
	return digits(p, 2, h) && p[2] == ':' && digits(p + 3, 2, mi) && p[5] == ':' && digits(p + 6, 2, s);
}

/* RFC 850 as Go's time.RFC850 layout: "Monday, 02-Jan-06 15:04:05 MST" (two-digit year:
 * 69..99 -> 19xx, else 20xx; the zone is a name: GMT/UTC are 0, others are taken as 0 too). */
static bool parse_rfc850(const char *s, int64_t *out)
{
	static const char *const days[] = {"Monday", "Tuesday", "Wednesday", "Thursday",
	                                   "Friday", "Saturday", "Sunday"};
	const char *p = NULL;
	for (int i = 0; i < 7; i++) {
		size_t n = strlen(days[i]);
		if (strncmp(s, days[i], n) == 0 && s[n] == ',' && s[n + 1] == ' ') {
			p = s + n + 2;
			break;
		}
	}
	if (!p)
		return false;
	int d, y, h, mi, sec, mo;
	if (!digits(p, 2, &d) || p[2] != '-' || !(mo = month_index(p + 3)) || p[6] != '-' ||
	    !digits(p + 7, 2, &y) || p[9] != ' ' || !parse_hms(p + 10, &h, &mi, &sec) || p[18] != ' ')
		return false;
	const char *zone = p + 19;
	size_t zl = strlen(zone);
	if (zl < 3 || zl > 5)
		return false;
	for (size_t i = 0; i < zl; i++)
		if (!isupper((unsigned char)zone[i]))
			return false;
	y += y >= 69 ? 1900 : 2000;
	if (!valid_ymdhms(y, mo, d, h, mi, sec))
		return false;
	*out = to_epoch(y, mo, d, h, mi, sec);
	return true;
}

/* RFC 3339: "2006-01-02T15:04:05[.frac](Z|+hh:mm|-hh:mm)". */
static bool parse_rfc3339(const char *s, int64_t *out, int32_t *nanos)
{
	int y, mo, d, h, mi, sec;
	if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
	    !digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') || !parse_hms(s + 11, &h, &mi, &sec))
		return false;
	const char *p = s + 19;
	int32_t ns = 0;
	if (*p == '.') {
		p++;
		int n = 0;
		while (isdigit((unsigned char)*p)) {
			if (n < 9) {
				ns = ns * 10 + (*p - '0');
				n++;
			}
			p++;
		}
		if (n == 0)
			return false;
		while (n++ < 9)
			ns *= 10;
	}
	int off = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om;
		if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om) || oh > 23 || om > 59)
			return false;
		off = (oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
		p += 6;
	} else {
		return false;
	}
	if (*p || !valid_ymdhms(y, mo, d, h, mi, sec))
		return false;
	*out = to_epoch(y, mo, d, h, mi, sec) - off;
	*nanos = ns;
	return true;
}

/* IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT" and asctime "Sun Nov  6 08:49:37 1994". */
static bool parse_http_date(const char *s, int64_t *out)
{
	static const char *const wk[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
	bool day_ok = false;
	for (int i = 0; i < 7; i++)
		if (strncmp(s, wk[i], 3) == 0)
			day_ok = true;
	if (!day_ok)
		return false;
	int d, mo, y, h, mi, sec;
	if (s[3] == ',' && s[4] == ' ') {
		const char *p = s + 5;
		if (!digits(p, 2, &d) || p[2] != ' ' || !(mo = month_index(p + 3)) || p[6] != ' ' ||
		    !digits(p + 7, 4, &y) || p[11] != ' ' || !parse_hms(p + 12, &h, &mi, &sec) ||
		    strcmp(p + 20, " GMT") != 0)
			return false;
	} else if (s[3] == ' ') {
		const char *p = s + 4;
		if (!(mo = month_index(p)) || p[3] != ' ')
			return false;
		p += 4;
		if (p[0] == ' ' && digits(p + 1, 1, &d))
			;
		else if (!digits(p, 2, &d))
			return false;
		if (p[2] != ' ' || !parse_hms(p + 3, &h, &mi, &sec) || p[11] != ' ' || !digits(p + 12, 4, &y) ||
		    p[16] != '\0')
			return false;
	} else {
		return false;
	}
	if (!valid_ymdhms(y, mo, d, h, mi, sec))
		return false;
	*out = to_epoch(y, mo, d, h, mi, sec);
	return true;
}

int baton__http_parse_date(const char *s, int64_t *secs, int32_t *nanos, bool http_date_too)
{
	*nanos = 0;
	if (parse_rfc850(s, secs))
		return 0;
	if (parse_rfc3339(s, secs, nanos))
		return 0;
	if (http_date_too && parse_http_date(s, secs))
		return 0;
	return BATON_EINVALID;
}
