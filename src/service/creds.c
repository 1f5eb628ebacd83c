/*
 * Service mode credentials (service.h): the client id and client secret ConductorOne issues, the
 * JWT client assertion they sign, and the access token it is exchanged for.
 *
 * The secret is "<prefix>:<host>:v1:<base64url of a JSON Web Key>"; the key must be an Ed25519
 * private key (kty OKP, crv Ed25519, d and x). What is accepted follows go-jose v4's JWK decoding
 * as the Go SDK's crypto.ParseClientSecret uses it: members matched case-sensitively, duplicate
 * top-level members refused, the binary members (d, x, ...) strings of unpadded base64url, x5t / x5t#S256
 * thumbprints of the right size. Every failure is the same "invalid client secret", never quoting
 * the input.
 */
#include "service/service.h"

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "baton/common.h"
#include "core/error.h"
#include "crypto/crypto.h"

#define TOKEN_RESPONSE_MAX (1024 * 1024)
/* oauth2.ReuseTokenSource treats a token as expired this long before it is. */
#define TOKEN_EXPIRY_DELTA 10

/* ------------------------------------------------------------------------------------------ */
/* Base64url                                                                                   */

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int baton__svc_b64url_encode(const uint8_t *in, size_t n, char **out)
{
	char *s = malloc(n / 3 * 4 + 5);
	if (!s)
		return baton__error_oom("base64");
	size_t o = 0, i = 0;
	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		s[o++] = b64url[v >> 18 & 63];
		s[o++] = b64url[v >> 12 & 63];
		s[o++] = b64url[v >> 6 & 63];
		s[o++] = b64url[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;
		s[o++] = b64url[v >> 18 & 63];
		s[o++] = b64url[v >> 12 & 63];
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		s[o++] = b64url[v >> 18 & 63];
		s[o++] = b64url[v >> 12 & 63];
		s[o++] = b64url[v >> 6 & 63];
	}
	s[o] = '\0';
	*out = s;
	return 0;
}

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

int baton__svc_b64url_decode(const char *in, size_t n, uint8_t **out, size_t *out_len)
{
	uint8_t *b = malloc(n / 4 * 3 + 3);
	if (!b)
		return baton__error_oom("base64");
	size_t o = 0;
	uint32_t acc = 0;
	int bits = 0, digits = 0;
	for (size_t i = 0; i < n; i++) {
		if (in[i] == '\r' || in[i] == '\n')
			continue;
		int v = b64_value(in[i]);
		if (v < 0) {
			baton__wipe_free(b, n / 4 * 3 + 3);
			return baton_error_set(BATON_EINVALID, "illegal base64 data");
		}
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		digits++;
		if (bits >= 8) {
			bits -= 8;
			b[o++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	/* a lone digit in the last quantum carries no whole byte: Go refuses it */
	if (digits % 4 == 1) {
		baton__wipe_free(b, n / 4 * 3 + 3);
		return baton_error_set(BATON_EINVALID, "illegal base64 data");
	}
	*out = b;
	*out_len = o;
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Client id                                                                                   */

int baton__svc_parse_client_id(const char *client_id, char **name, char **host)
{
	*name = *host = NULL;
	const char *at = strchr(client_id, '@');
	if (!at)
		return baton_error_set(BATON_EINVALID, "invalid client id");
	const char *slash = strchr(at + 1, '/');
	if (!slash)
		return baton_error_set(BATON_EINVALID, "invalid client id");
	*name = strndup(client_id, (size_t)(at - client_id));
	*host = strndup(at + 1, (size_t)(slash - at - 1));
	if (!*name || !*host) {
		free(*name);
		free(*host);
		*name = *host = NULL;
		return baton__error_oom("client id");
	}
	return 0;
}

/*
 * Go's net.SplitHostPort: 0 with the host in [*h, *h + *hn) and the port after it, or -1 when
 * hostport is not "host:port" / "[host]:port".
 */
static int split_host_port(const char *hp, const char **h_out, size_t *hn_out, const char **port)
{
	const char *colon = strrchr(hp, ':'), *h;
	size_t hn;
	if (!colon)
		return -1;
	if (hp[0] == '[') {
		const char *end = strchr(hp, ']');
		if (!end || end + 1 != colon)
			return -1;
		h = hp + 1;
		hn = (size_t)(end - hp - 1);
		if (memchr(hp + 1, '[', hn) || strchr(end + 1, ']'))
			return -1;
	} else {
		h = hp;
		hn = (size_t)(colon - hp);
		if (memchr(hp, ':', hn) || memchr(hp, '[', hn) || memchr(hp, ']', hn))
			return -1;
	}
	if (strchr(colon + 1, '[') || strchr(colon + 1, ']'))
		return -1;
	*h_out = h;
	*hn_out = hn;
	*port = colon + 1;
	return 0;
}

char *baton__svc_audience(const char *token_host)
{
	const char *h, *port;
	size_t hn;
	if (split_host_port(token_host, &h, &hn, &port) == 0)
		return strndup(h, hn);
	return strdup(token_host);
}

char *baton__svc_target(const char *token_host)
{
	const char *h = token_host, *port = "443";
	size_t hn = strlen(token_host);
	split_host_port(token_host, &h, &hn, &port);
	bool v6 = memchr(h, ':', hn) != NULL;
	size_t n = hn + strlen(port) + 4;
	char *s = malloc(n);
	if (s)
		snprintf(s, n, "%s%.*s%s:%s", v6 ? "[" : "", (int)hn, h, v6 ? "]" : "", port);
	return s;
}

/* ------------------------------------------------------------------------------------------ */
/* Client secret                                                                               */

void baton__svc_key_free(baton__svc_key *key)
{
	free(key->kid);
	baton__wipe(key, sizeof(*key));
}

/* A go-jose byteBuffer member: absent or null, or a string of unpadded base64url. */
static int jwk_bytes(json_t *jwk, const char *name, uint8_t *dst, size_t dst_len, bool *present)
{
	json_t *v = json_object_get(jwk, name);
	*present = false;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return -1;
	*present = true;
	uint8_t *b = NULL;
	size_t n = 0;
	if (json_string_length(v) && baton__svc_b64url_decode(json_string_value(v), json_string_length(v), &b, &n))
		return -1;
	if (dst) {
		memset(dst, 0, dst_len);
		if (b)
			memcpy(dst, b, n < dst_len ? n : dst_len);
	}
	if (b)
		baton__wipe_free(b, n);
	return 0;
}

/* A string member: absent, null or a string; its value or "". */
static int jwk_string(json_t *jwk, const char *name, const char **out)
{
	json_t *v = json_object_get(jwk, name);
	*out = "";
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return -1;
	*out = json_string_value(v);
	return 0;
}

/* x5t / x5t#S256: unpadded base64url of the digest, or of its hex form. */
static int jwk_thumbprint(const char *s, size_t digest)
{
	if (!*s)
		return 0;
	uint8_t *b = NULL;
	size_t n = 0;
	if (baton__svc_b64url_decode(s, strlen(s), &b, &n))
		return -1;
	int rc = 0;
	if (n == 2 * digest) {
		for (size_t i = 0; i < n && !rc; i++)
			if (!((b[i] >= '0' && b[i] <= '9') || (b[i] >= 'a' && b[i] <= 'f') || (b[i] >= 'A' && b[i] <= 'F')))
				rc = -1;
		n = digest;
	}
	if (!rc && n && n != digest)
		rc = -1;
	free(b);
	return rc;
}

/*
 * The number of members of the top-level object in `text` (go-jose refuses a JWK whose top level
 * repeats a member; nested objects may, since their members are skipped).
 */
static size_t top_level_members(const char *text, size_t n)
{
	size_t members = 0;
	int depth = 0;
	bool in_str = false;
	for (size_t i = 0; i < n; i++) {
		char c = text[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
			continue;
		}
		if (c == '"')
			in_str = true;
		else if (c == '{' || c == '[')
			depth++;
		else if (c == '}' || c == ']')
			depth--;
		else if (c == ':' && depth == 1)
			members++;
	}
	return members;
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/*
 * What Go's url.Parse refuses, as far as a JWK's x5u goes: control characters, a '%' without two
 * hex digits, and an authority ("scheme://host") holding a space or an unclosed '['.
 */
static int check_url(const char *u)
{
	for (const char *p = u; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return -1;
		if (*p == '%' && !(is_hex(p[1]) && is_hex(p[2])))
			return -1;
	}
	const char *c = u;
	if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')) {
		while ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '+' ||
		       *c == '-' || *c == '.')
			c++;
		if (c[0] == ':' && c[1] == '/' && c[2] == '/') {
			const char *host = c + 3;
			size_t hl = strcspn(host, "/?#");
			if (memchr(host, ' ', hl) || (memchr(host, '[', hl) && !memchr(host, ']', hl)))
				return -1;
		}
	}
	return 0;
}

static int parse_jwk(json_t *jwk, baton__svc_key *key)
{
	static const char *const byte_members[] = {"k", "y", "n", "e", "p", "q", "dp", "dq", "qi"};
	static const char *const string_members[] = {"use", "kid", "alg", "x5u"};
	if (!json_is_object(jwk))
		return -1;
	const char *kty, *crv, *x5t, *x5t256, *s;
	bool has_d, has_x, ignored;
	for (size_t i = 0; i < sizeof(byte_members) / sizeof(byte_members[0]); i++)
		if (jwk_bytes(jwk, byte_members[i], NULL, 0, &ignored))
			return -1;
	for (size_t i = 0; i < sizeof(string_members) / sizeof(string_members[0]); i++)
		if (jwk_string(jwk, string_members[i], &s))
			return -1;
	if (jwk_string(jwk, "kty", &kty) || jwk_string(jwk, "crv", &crv) || jwk_string(jwk, "x5t", &x5t) ||
	    jwk_string(jwk, "x5t#S256", &x5t256))
		return -1;
	if (jwk_string(jwk, "x5u", &s) || check_url(s))
		return -1;
	json_t *x5c = json_object_get(jwk, "x5c");
	if (x5c && !json_is_null(x5c)) {
		/* a chain's leaf must carry the same key; libbaton does not read certificates */
		if (!json_is_array(x5c) || json_array_size(x5c))
			return -1;
	}
	if (jwk_bytes(jwk, "d", key->seed, sizeof(key->seed), &has_d) ||
	    jwk_bytes(jwk, "x", key->pub, sizeof(key->pub), &has_x))
		return -1;
	/* only a private Ed25519 key will do: anything else is refused whatever else it holds */
	if (strcmp(kty, "OKP") || strcmp(crv, "Ed25519") || !has_d || !has_x)
		return -1;
	if (jwk_thumbprint(x5t, 20) || jwk_thumbprint(x5t256, 32))
		return -1;
	const char *kid;
	jwk_string(jwk, "kid", &kid);
	if (*kid && !(key->kid = strdup(kid)))
		return -1;
	return 0;
}

int baton__svc_parse_client_secret(const char *secret, size_t len, baton__svc_key *key)
{
	memset(key, 0, sizeof(*key));
	/* four parts on ':' (the last keeps any further ':') */
	const char *part[4];
	size_t plen[4];
	const char *p = secret, *end = secret + len;
	for (int i = 0; i < 3; i++) {
		const char *c = memchr(p, ':', (size_t)(end - p));
		if (!c)
			return baton_error_set(BATON_EINVALID, "invalid client secret");
		part[i] = p;
		plen[i] = (size_t)(c - p);
		p = c + 1;
	}
	part[3] = p;
	plen[3] = (size_t)(end - p);
	if (plen[2] != 2 || memcmp(part[2], "v1", 2))
		return baton_error_set(BATON_EINVALID, "invalid client secret");
	uint8_t *raw = NULL;
	size_t n = 0;
	if (baton__svc_b64url_decode(part[3], plen[3], &raw, &n))
		return baton_error_set(BATON_EINVALID, "invalid client secret");
	json_error_t jerr;
	json_t *jwk = json_loadb((const char *)raw, n, JSON_ALLOW_NUL, &jerr);
	int rc = jwk && json_is_object(jwk) && top_level_members((const char *)raw, n) == json_object_size(jwk)
	             ? parse_jwk(jwk, key)
	             : -1;
	baton__wipe_free(raw, n);
	if (jwk) {
		/* the key's members are in jansson's strings: wipe them before they are freed */
		const char *k;
		json_t *v;
		json_object_foreach(jwk, k, v)
			if (json_is_string(v))
				baton__wipe((char *)json_string_value(v), json_string_length(v));
		json_decref(jwk);
	}
	baton__wipe(&jerr, sizeof(jerr));
	if (rc) {
		baton__svc_key_free(key);
		return baton_error_set(BATON_EINVALID, "invalid client secret");
	}
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* The JWT client assertion                                                                    */

static int b64_json(json_t *obj, char **out)
{
	char *text = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!text)
		return baton__error_oom("jwt");
	int rc = baton__svc_b64url_encode((const uint8_t *)text, strlen(text), out);
	free(text);
	return rc;
}

int baton__svc_jwt_assertion(const baton__svc_key *key, const char *client_id, const char *aud, int64_t now,
                             const char *nonce, char **out)
{
	*out = NULL;
	char *nonce_own = NULL;
	if (!nonce) {
		uint8_t r[16];
		if (RAND_bytes(r, sizeof(r)) != 1)
			return baton_error_set(BATON_EINTERNAL, "jwt: no random bytes for the nonce");
		if (baton__svc_b64url_encode(r, sizeof(r), &nonce_own))
			return -1;
		nonce = nonce_own;
	}
	/* go-jose's protected header (keys in sorted order) and jwt.Claims' member order */
	json_t *hdr = json_pack("{s:s}", "alg", "EdDSA");
	if (hdr && key->kid)
		json_object_set_new(hdr, "kid", json_string(key->kid));
	if (hdr)
		json_object_set_new(hdr, "nonce", json_string(nonce));
	json_t *claims = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I}", "iss", client_id, "sub", client_id, "aud", aud,
	                           "exp", (json_int_t)(now + 120), "nbf", (json_int_t)(now - 120), "iat",
	                           (json_int_t)now);
	free(nonce_own);
	char *h64 = NULL, *c64 = NULL, *sig64 = NULL, *input = NULL;
	EVP_PKEY *pk = NULL;
	EVP_MD_CTX *md = NULL;
	int rc = -1;
	if (!hdr || !claims) {
		baton__error_oom("jwt");
		goto out;
	}
	if (b64_json(hdr, &h64) || b64_json(claims, &c64))
		goto out;
	size_t in_len = strlen(h64) + 1 + strlen(c64);
	if (!(input = malloc(in_len + 1))) {
		baton__error_oom("jwt");
		goto out;
	}
	snprintf(input, in_len + 1, "%s.%s", h64, c64);
	uint8_t sig[64];
	size_t sig_len = sizeof(sig);
	pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, key->seed, sizeof(key->seed));
	md = EVP_MD_CTX_new();
	if (!pk || !md || EVP_DigestSignInit(md, NULL, NULL, NULL, pk) != 1 ||
	    EVP_DigestSign(md, sig, &sig_len, (const uint8_t *)input, in_len) != 1) {
		baton_error_set(BATON_EINTERNAL, "jwt: Ed25519 signing failed");
		goto out;
	}
	if (baton__svc_b64url_encode(sig, sig_len, &sig64))
		goto out;
	size_t total = in_len + 1 + strlen(sig64) + 1;
	if (!(*out = malloc(total))) {
		baton__error_oom("jwt");
		goto out;
	}
	snprintf(*out, total, "%s.%s", input, sig64);
	rc = 0;
out:
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pk);
	json_decref(hdr);
	json_decref(claims);
	free(h64);
	free(c64);
	free(sig64);
	free(input);
	return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* The token exchange                                                                          */

int baton__svc_tokens_init(baton__svc_tokens *t, const char *client_id, const char *client_secret)
{
	memset(t, 0, sizeof(*t));
	char *name = NULL;
	if (baton__svc_parse_client_id(client_id, &name, &t->token_host))
		return -1;
	free(name);
	if (baton__svc_parse_client_secret(client_secret, strlen(client_secret), &t->key)) {
		free(t->token_host);
		t->token_host = NULL;
		return -1;
	}
	const char *env_host = getenv("BATON_C1_API_HOST");
	const char *host = env_host ? env_host : t->token_host;
	size_t n = strlen(host) + 32;
	t->url = malloc(n);
	t->client_id = strdup(client_id);
	const char *ca = getenv("SSL_CERT_FILE");
	if (ca && *ca)
		t->ca_file = strdup(ca);
	if (!t->url || !t->client_id || (ca && *ca && !t->ca_file)) {
		baton__svc_tokens_free(t);
		return baton__error_oom("token source");
	}
	snprintf(t->url, n, "https://%s/auth/v1/token", host);
	t->timeout_s = 30;
	pthread_mutex_init(&t->mu, NULL);
	t->mu_ready = true;
	return 0;
}

void baton__svc_tokens_free(baton__svc_tokens *t)
{
	if (t->mu_ready)
		pthread_mutex_destroy(&t->mu);
	free(t->client_id);
	free(t->token_host);
	free(t->url);
	free(t->ca_file);
	if (t->header)
		baton__wipe_free(t->header, strlen(t->header));
	baton__svc_key_free(&t->key);
	memset(t, 0, sizeof(*t));
}

typedef struct body {
	char *p;
	size_t n;
	bool too_big;
} body;

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
	body *b = ud;
	size_t n = size * nmemb;
	if (b->n + n > TOKEN_RESPONSE_MAX) {
		b->too_big = true;
		return 0;
	}
	char *p = realloc(b->p, b->n + n + 1);
	if (!p)
		return 0;
	memcpy(p + b->n, data, n);
	b->p = p;
	b->n += n;
	p[b->n] = '\0';
	return n;
}

/* oauth2.Token.Type(): the server's token_type with the usual capitalisation; "" is Bearer. */
static const char *token_type(const char *tt)
{
	if (!*tt || !strcasecmp(tt, "bearer"))
		return "Bearer";
	if (!strcasecmp(tt, "mac"))
		return "MAC";
	if (!strcasecmp(tt, "basic"))
		return "Basic";
	return tt;
}

/* Whether a fetch for an abandonable call must give up: the daemon is stopping. */
static bool abandon(const baton__svc_tokens *t)
{
	return t->stopping && t->stopping();
}

/* libcurl's progress callback: non-zero abandons the transfer when the daemon stops. */
static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	(void)dt, (void)dn, (void)ut, (void)un;
	return abandon(ud) ? 1 : 0;
}

/* Fetches a token. Only an `abandonable` fetch (for a GetTask or Hello) gives up when the daemon
 * stops: the calls a stopping daemon still makes (the FinishTask of a task the stop cancelled, a
 * heartbeat, an upload) need their token, and a token due for renewal is renewed for them. */
static int fetch_token(baton__svc_tokens *t, bool abandonable)
{
	if (abandonable && abandon(t))
		return baton_error_set(BATON_ECANCELLED, "token request abandoned: the service is stopping");
	char *aud = baton__svc_audience(t->token_host);
	char *assertion = NULL;
	if (!aud)
		return baton__error_oom("token");
	int64_t now = (int64_t)time(NULL);
	int rc = baton__svc_jwt_assertion(&t->key, t->client_id, aud, now, NULL, &assertion);
	free(aud);
	if (rc)
		return rc;
	CURL *c = curl_easy_init();
	if (!c) {
		free(assertion);
		return baton_error_set(BATON_EINTERNAL, "token: cannot start libcurl");
	}
	char *e_id = curl_easy_escape(c, t->client_id, 0), *e_as = curl_easy_escape(c, assertion, 0);
	free(assertion);
	char *form = NULL;
	body b = {NULL, 0, false};
	if (e_id && e_as) {
		size_t n = strlen(e_id) + strlen(e_as) + 256;
		if ((form = malloc(n)))
			/* url.Values.Encode sorts by key */
			snprintf(form, n, "client_assertion=%s&client_assertion_type=%s&client_id=%s&grant_type=client_credentials",
			         e_as, "urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer", e_id);
	}
	curl_free(e_id);
	curl_free(e_as);
	if (!form) {
		curl_easy_cleanup(c);
		return baton__error_oom("token");
	}
	struct curl_slist *hdrs = curl_slist_append(NULL, "Content-Type: application/x-www-form-urlencoded");
	curl_easy_setopt(c, CURLOPT_URL, t->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, form);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "baton-c1-credential-provider");
	curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, t->timeout_s);
	if (t->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, t->ca_file);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	if (abandonable) {
		curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
		curl_easy_setopt(c, CURLOPT_XFERINFODATA, t);
		curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	}
	CURLcode cc = curl_easy_perform(c);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	baton__wipe_free(form, strlen(form));
	if (cc == CURLE_ABORTED_BY_CALLBACK) {
		free(b.p);
		return baton_error_set(BATON_ECANCELLED, "token request abandoned: the service is stopping");
	}
	if (cc != CURLE_OK) {
		free(b.p);
		return baton_error_set(BATON_EUNAVAILABLE, "failed to get token from %s: %s", t->url,
		                       b.too_big ? "response too large" : curl_easy_strerror(cc));
	}
	if (status != 200) {
		free(b.p);
		return baton_error_set(BATON_EUNAUTHENTICATED, "failed to get token: HTTP %ld", status);
	}
	json_error_t jerr;
	json_t *j = b.p ? json_loadb(b.p, b.n, 0, &jerr) : NULL;
	if (b.p)
		baton__wipe_free(b.p, b.n);
	json_t *at = j ? json_object_get(j, "access_token") : NULL, *tt = j ? json_object_get(j, "token_type") : NULL,
	       *ex = j ? json_object_get(j, "expires_in") : NULL;
	if (!j || !json_is_object(j) || (at && !json_is_string(at) && !json_is_null(at)) ||
	    (tt && !json_is_string(tt) && !json_is_null(tt)) || (ex && !json_is_integer(ex) && !json_is_null(ex))) {
		json_decref(j);
		return baton_error_set(BATON_EUNKNOWN, "failed to get token: the token response is not valid");
	}
	const char *tok = json_is_string(at) ? json_string_value(at) : "";
	if (!*tok) {
		json_decref(j);
		return baton_error_set(BATON_EUNAUTHENTICATED, "failed to get token: empty access token");
	}
	const char *type = token_type(json_is_string(tt) ? json_string_value(tt) : "");
	size_t n = strlen(type) + strlen(tok) + 2;
	char *h = malloc(n);
	if (h)
		snprintf(h, n, "%s %s", type, tok);
	t->expiry = (int64_t)time(NULL) + (json_is_integer(ex) ? (int64_t)json_integer_value(ex) : 0);
	baton__wipe((char *)tok, strlen(tok));
	json_decref(j);
	if (!h)
		return baton__error_oom("token");
	if (t->header)
		baton__wipe_free(t->header, strlen(t->header));
	t->header = h;
	return 0;
}

int baton__svc_tokens_get(baton__svc_tokens *t, bool abandonable, char **out)
{
	*out = NULL;
	pthread_mutex_lock(&t->mu);
	int rc = 0;
	if (!t->header || (int64_t)time(NULL) >= t->expiry - TOKEN_EXPIRY_DELTA)
		rc = fetch_token(t, abandonable);
	if (!rc && !(*out = strdup(t->header)))
		rc = baton__error_oom("token");
	pthread_mutex_unlock(&t->mu);
	return rc;
}
