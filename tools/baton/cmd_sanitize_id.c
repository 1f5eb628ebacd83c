/*
 * `baton sanitize`: the keyed transforms of single values, as the Go SDK's pkg/c1zsanitize (id.go,
 * email.go, timestamp.go, transform.go's transformID):
 *
 *  - HMAC-SHA256(secret, text) truncated to 12 bytes, unpadded upper-case base32 ("" stays "");
 *  - composite ids ("type:id:perm", "entId:type:id"): per ':' component, declared resource-type
 *    tokens kept, every other component HMAC'd (fail-closed: position is not trusted);
 *  - emails: local part HMAC'd, the domain mapped to "dom-<lower-case id>.example";
 *  - RFC 3339 anchors and the timestamp delta (Go's time.Time arithmetic).
 */
#include "cmd_sanitize.h"

#include <stdlib.h>
#include <string.h>

#define S(x) ((x) ? (x) : "")

/* A writable pointer (protobuf-c fields are char *); the text is never written through it. */
static char *wr(const char *s)
{
	return (char *)(uintptr_t)s;
}


int sz_init(sz *s, const uint8_t *secret, size_t secret_len)
{
	uint8_t key[64], pad[64];
	unsigned klen = 0;

	memset(s, 0, sizeof(*s));
	baton_arena_init(&s->run);
	strmap_init(&s->known_types, &s->run);
	strmap_init(&s->domains, &s->run);
	sz_counts *lists[] = {&s->dropped, &s->passed, &s->failed};
	for (size_t i = 0; i < 3; i++) {
		strmap_init(&lists[i]->by_url, &s->run);
		lists[i]->tail = &lists[i]->head;
	}
	strmap_init(&s->asset_seen, &s->run);
	baton_arena_init(&s->cache);
	strmap_init(&s->ent_cache, &s->cache);
	strmap_init(&s->principal_cache, &s->cache);
	s->drop_unknown = true;
	s->inner = EVP_MD_CTX_new();
	s->outer = EVP_MD_CTX_new();
	s->work = EVP_MD_CTX_new();
	if (!s->inner || !s->outer || !s->work)
		return baton_error_set(BATON_EEXHAUSTED, "sanitize: out of memory (hash state)");
	memset(key, 0, sizeof(key));
	if (secret_len > sizeof(key)) {
		if (EVP_Digest(secret, secret_len, key, &klen, EVP_sha256(), NULL) != 1)
			return baton_error_set(BATON_EINTERNAL, "sanitize: SHA-256 failed");
	} else {
		memcpy(key, secret, secret_len);
	}
	for (int i = 0; i < 64; i++)
		pad[i] = key[i] ^ 0x36;
	if (EVP_DigestInit_ex(s->inner, EVP_sha256(), NULL) != 1 || EVP_DigestUpdate(s->inner, pad, 64) != 1)
		return baton_error_set(BATON_EINTERNAL, "sanitize: SHA-256 failed");
	for (int i = 0; i < 64; i++)
		pad[i] = key[i] ^ 0x5c;
	if (EVP_DigestInit_ex(s->outer, EVP_sha256(), NULL) != 1 || EVP_DigestUpdate(s->outer, pad, 64) != 1)
		return baton_error_set(BATON_EINTERNAL, "sanitize: SHA-256 failed");
	memset(key, 0, sizeof(key));
	memset(pad, 0, sizeof(pad));
	return 0;
}

void sz_free(sz *s)
{
	EVP_MD_CTX_free(s->inner);
	EVP_MD_CTX_free(s->outer);
	EVP_MD_CTX_free(s->work);
	strmap_free(&s->known_types);
	strmap_free(&s->domains);
	strmap_free(&s->dropped.by_url);
	strmap_free(&s->passed.by_url);
	strmap_free(&s->failed.by_url);
	strmap_free(&s->asset_seen);
	free(s->assets);
	strmap_free(&s->ent_cache);
	strmap_free(&s->principal_cache);
	baton_arena_release(&s->cache);
	baton_arena_release(&s->run);
	memset(s, 0, sizeof(*s));
}

static bool hmac(sz *s, const void *data, size_t len, uint8_t out[32])
{
	uint8_t ih[32];
	unsigned n;
	return EVP_MD_CTX_copy_ex(s->work, s->inner) == 1 && EVP_DigestUpdate(s->work, data, len) == 1 &&
	       EVP_DigestFinal_ex(s->work, ih, &n) == 1 && EVP_MD_CTX_copy_ex(s->work, s->outer) == 1 &&
	       EVP_DigestUpdate(s->work, ih, sizeof(ih)) == 1 && EVP_DigestFinal_ex(s->work, out, &n) == 1;
}

/* Unpadded standard base32 of the first 12 bytes of mac (20 characters). */
static void base32_12(const uint8_t *mac, char out[SZ_ID_CHARS + 1])
{
	static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0;
	for (size_t i = 0; i < SZ_ID_BYTES; i++) {
		acc = (acc << 8) | mac[i];
		bits += 8;
		while (bits >= 5) {
			out[o++] = alpha[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0)
		out[o++] = alpha[(acc << (5 - bits)) & 31];
	out[o] = '\0';
}

const char *sz_id_n(sz *s, const char *text, size_t len)
{
	uint8_t mac[32];
	char *out;
	if (len == 0)
		return "";
	if (!hmac(s, text, len, mac)) {
		s->oom = true;
		return "";
	}
	out = baton_arena_alloc_raw(s->a, SZ_ID_CHARS + 1);
	if (!out) {
		s->oom = true;
		return "";
	}
	base32_12(mac, out);
	return out;
}

const char *sz_id(sz *s, const char *text)
{
	return sz_id_n(s, S(text), strlen(S(text)));
}

char *sz_hid(sz *s, const char *text)
{
	return wr(sz_id(s, text));
}

void sz_add_known_type(sz *s, const char *id)
{
	if (id && *id && !strmap_get(&s->known_types, id, strlen(id)) &&
	    strmap_put(&s->known_types, id, strlen(id), (void *)&s->known_types) < 0)
		s->oom = true;
}

bool sz_known_type(sz *s, const char *tok, size_t len)
{
	return len > 0 && strmap_get(&s->known_types, tok, len) != NULL;
}

/* Go's transformID. */
char *sz_xid(sz *s, const char *id)
{
	id = S(id);
	if (!*id)
		return wr("");
	if (!strchr(id, ':'))
		return sz_hid(s, id);
	size_t n_parts = 1;
	for (const char *p = id; *p; p++)
		n_parts += *p == ':';
	char *out = baton_arena_alloc_raw(s->a, strlen(id) + n_parts * SZ_ID_CHARS + 1);
	if (!out) {
		s->oom = true;
		return wr("");
	}
	size_t o = 0;
	const char *part = id;
	for (;;) {
		const char *end = strchr(part, ':');
		size_t len = end ? (size_t)(end - part) : strlen(part);
		if (sz_known_type(s, part, len)) {
			memcpy(out + o, part, len);
			o += len;
		} else {
			const char *h = sz_id_n(s, part, len);
			size_t hl = strlen(h);
			memcpy(out + o, h, hl);
			o += hl;
		}
		if (!end)
			break;
		out[o++] = ':';
		part = end + 1;
	}
	out[o] = '\0';
	return out;
}

/* Go's sanitizeResourceTypeToken. */
char *sz_type_token(sz *s, const char *tok)
{
	tok = S(tok);
	if (!*tok)
		return wr("");
	return sz_known_type(s, tok, strlen(tok)) ? wr(tok) : sz_hid(s, tok);
}

/* Go's sanitizeEmail with the per-run domain map. */
char *sz_email(sz *s, const char *addr)
{
	addr = S(addr);
	const char *at = strrchr(addr, '@');
	if (!at)
		return sz_hid(s, addr);
	const char *local = sz_id_n(s, addr, (size_t)(at - addr));
	const char *dom_in = at + 1;
	const char *dom = strmap_get(&s->domains, dom_in, strlen(dom_in));
	if (!dom) {
		const char *h = sz_id(s, dom_in);
		size_t hl = strlen(h);
		char *d = baton_arena_alloc_raw(&s->run, hl + sizeof("dom-.example"));
		if (!d) {
			s->oom = true;
			return wr("");
		}
		memcpy(d, "dom-", 4);
		for (size_t i = 0; i < hl; i++)
			d[4 + i] = (char)(h[i] >= 'A' && h[i] <= 'Z' ? h[i] - 'A' + 'a' : h[i]);
		memcpy(d + 4 + hl, ".example", sizeof(".example"));
		if (strmap_put(&s->domains, dom_in, strlen(dom_in), d) < 0)
			s->oom = true;
		dom = d;
	}
	size_t ll = strlen(local), dl = strlen(dom);
	char *out = baton_arena_alloc_raw(s->a, ll + 1 + dl + 1);
	if (!out) {
		s->oom = true;
		return wr("");
	}
	memcpy(out, local, ll);
	out[ll] = '@';
	memcpy(out + ll + 1, dom, dl + 1);
	return out;
}

/* ---- RFC 3339 and durations ---------------------------------------------------------------- */

static bool digits(const char *p, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		*v = *v * 10 + (p[i] - '0');
	}
	return true;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Go's time.Parse(time.RFC3339, ...): "2006-01-02T15:04:05[.frac](Z|+07:00)". */
bool sz_parse_rfc3339(const char *t, int64_t *sec, int32_t *nsec)
{
	int y, mo, d, h, mi, se, oh = 0, om = 0;
	size_t len = strlen(t);
	if (len < 20 || !digits(t, 4, &y) || t[4] != '-' || !digits(t + 5, 2, &mo) || t[7] != '-' ||
	    !digits(t + 8, 2, &d) || t[10] != 'T' || !digits(t + 11, 2, &h) || t[13] != ':' ||
	    !digits(t + 14, 2, &mi) || t[16] != ':' || !digits(t + 17, 2, &se))
		return false;
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap) || h > 23 ||
	    mi > 59 || se > 59)
		return false;
	const char *p = t + 19;
	int32_t ns = 0;
	if (*p == '.' || *p == ',') {
		int n = 0;
		p++;
		while (*p >= '0' && *p <= '9') {
			if (n < 9)
				ns = ns * 10 + (*p - '0');
			n++;
			p++;
		}
		if (n == 0)
			return false;
		for (int i = n; i < 9; i++)
			ns *= 10;
	}
	int sign = 0;
	if (*p == 'Z' && p[1] == '\0') {
		sign = 0;
	} else if ((*p == '+' || *p == '-') && strlen(p) == 6 && digits(p + 1, 2, &oh) && p[3] == ':' &&
	           digits(p + 4, 2, &om) && oh < 24 && om < 60) {
		sign = *p == '+' ? 1 : -1;
	} else {
		return false;
	}
	*sec = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - sign * (oh * 3600 + om * 60);
	*nsec = ns;
	return true;
}

/* Go's anchor.Sub(tMax): nanoseconds, saturated to the int64 range. */
int64_t sz_delta(int64_t anchor_sec, int32_t anchor_ns, int64_t max_sec, int32_t max_ns)
{
	int64_t ds = anchor_sec - max_sec;
	int64_t dn = (int64_t)anchor_ns - max_ns;
	if (ds > INT64_MAX / 1000000000 - 1)
		return INT64_MAX;
	if (ds < INT64_MIN / 1000000000 + 1)
		return INT64_MIN;
	return ds * 1000000000 + dn;
}
