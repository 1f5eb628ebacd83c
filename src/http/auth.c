/*
 * Authentication: static bearer and basic credentials, and OAuth2 tokens (client credentials,
 * refresh token, JWT bearer assertion) fetched from a token endpoint, cached, and fetched again
 * shortly before they expire.
 */
#include "http/http_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "core/error.h"
#include "core/log.h"

#define JWT_RS256 1
#define JWT_ES256 2

static int dup_secret(char **dst, const char *src)
{
	if (!src)
		return 0;
	if (!(*dst = baton__strdup(src)))
		return BATON_EEXHAUSTED;
	return 0;
}

static int need(const char *v, const char *what, baton_http_auth_kind kind)
{
	if (v && *v)
		return 0;
	return baton_error_set(BATON_EINVALID, "http auth (kind %d): %s is required", (int)kind, what);
}

static int load_key(baton__auth *a, const char *pem)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	if (!bio)
		return baton__error_oom("jwt key");
	EVP_PKEY *key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (!key)
		return baton_error_set(BATON_EINVALID, "http auth: the JWT private key is not a readable PEM private key");
	int id = EVP_PKEY_get_base_id(key);
	if (id == EVP_PKEY_RSA) {
		a->jwt_alg = JWT_RS256;
	} else if (id == EVP_PKEY_EC) {
		char group[64] = "";
		size_t glen = 0;
		if (!EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof(group), &glen) ||
		    (strcmp(group, "prime256v1") != 0 && strcmp(group, "P-256") != 0)) {
			EVP_PKEY_free(key);
			return baton_error_set(BATON_EINVALID, "http auth: only P-256 EC keys are supported (ES256)");
		}
		a->jwt_alg = JWT_ES256;
	} else {
		EVP_PKEY_free(key);
		return baton_error_set(BATON_EINVALID, "http auth: the JWT key must be RSA (RS256) or EC P-256 (ES256)");
	}
	a->jwt_key = key;
	return 0;
}

/* A credential that goes into the Authorization header as it is must not hold a line break or
 * another control character: it would end the header and add others (header injection). */
static int header_safe(const char *v, const char *what)
{
	const char *bad = v ? baton__http_header_value_bad(v, strlen(v)) : NULL;
	if (bad)
		return baton_error_set(BATON_EINVALID,
		                       "http auth: the %s contains %s, which a header value cannot hold (a stray "
		                       "newline in the configuration?)",
		                       what, bad);
	return 0;
}

int baton__auth_init(baton__auth *a, const baton_http_auth *o)
{
	memset(a, 0, sizeof(*a));
	a->kind = o->kind;
	a->style = o->client_auth_style;
	a->margin_ms = (o->refresh_margin_s > 0 ? o->refresh_margin_s : 10) * 1000;
	a->jwt_lifetime_s = o->jwt_lifetime_s > 0 ? o->jwt_lifetime_s : 3600;
	int rc = 0;
	switch (o->kind) {
	case BATON_HTTP_AUTH_NONE:
		return 0;
	case BATON_HTTP_AUTH_BEARER:
		if ((rc = need(o->token, "token", o->kind)) || (rc = header_safe(o->token, "bearer token")))
			return rc;
		return dup_secret(&a->token, o->token);
	case BATON_HTTP_AUTH_BASIC:
		if ((rc = need(o->username, "username", o->kind)))
			return rc;
		if ((rc = dup_secret(&a->username, o->username)) ||
		    (rc = dup_secret(&a->password, o->password ? o->password : "")))
			return rc;
		return 0;
	case BATON_HTTP_AUTH_OAUTH2_CLIENT_CREDENTIALS:
	case BATON_HTTP_AUTH_OAUTH2_REFRESH_TOKEN:
	case BATON_HTTP_AUTH_OAUTH2_JWT:
		break;
	default:
		return baton_error_set(BATON_EINVALID, "http auth: unknown kind %d", (int)o->kind);
	}
	if ((rc = need(o->token_url, "token_url", o->kind)))
		return rc;
	if (strncasecmp(o->token_url, "http://", 7) != 0 && strncasecmp(o->token_url, "https://", 8) != 0)
		return baton_error_set(BATON_EINVALID, "http auth: token_url must be an http:// or https:// URL");
	if ((rc = dup_secret(&a->token_url, o->token_url)))
		return rc;
	if (o->n_scopes) {
		baton__hbuf s = {0};
		for (size_t i = 0; i < o->n_scopes; i++)
			if ((i && baton__hbuf_put(&s, " ", 1)) || baton__hbuf_puts(&s, o->scopes[i] ? o->scopes[i] : ""))
				return BATON_EEXHAUSTED;
		a->scope = s.data;
	}
	if (o->kind == BATON_HTTP_AUTH_OAUTH2_CLIENT_CREDENTIALS) {
		if ((rc = need(o->client_id, "client_id", o->kind)) ||
		    (rc = dup_secret(&a->client_id, o->client_id)) ||
		    (rc = dup_secret(&a->client_secret, o->client_secret ? o->client_secret : "")))
			return rc;
	} else if (o->kind == BATON_HTTP_AUTH_OAUTH2_REFRESH_TOKEN) {
		if ((rc = need(o->refresh_token, "refresh_token", o->kind)) ||
		    (rc = header_safe(o->access_token, "access token")) ||
		    (rc = dup_secret(&a->refresh_token, o->refresh_token)) ||
		    (rc = dup_secret(&a->client_id, o->client_id)) ||
		    (rc = dup_secret(&a->client_secret, o->client_secret)) ||
		    (rc = dup_secret(&a->access_token, o->access_token)))
			return rc;
		a->expires_at_ms = o->access_token_expires_at_s > 0 ? o->access_token_expires_at_s * 1000 : 0;
	} else {
		if ((rc = need(o->jwt_private_key_pem, "jwt_private_key_pem", o->kind)) ||
		    (rc = need(o->jwt_issuer, "jwt_issuer", o->kind)) ||
		    (rc = load_key(a, o->jwt_private_key_pem)) ||
		    (rc = dup_secret(&a->jwt_key_id, o->jwt_key_id)) ||
		    (rc = dup_secret(&a->jwt_issuer, o->jwt_issuer)) ||
		    (rc = dup_secret(&a->jwt_subject, o->jwt_subject)) ||
		    (rc = dup_secret(&a->jwt_audience, o->jwt_audience ? o->jwt_audience : o->token_url)))
			return rc;
	}
	return 0;
}

void baton__auth_free(baton__auth *a)
{
	baton__secret_free(a->token);
	baton__secret_free(a->username);
	baton__secret_free(a->password);
	baton__secret_free(a->token_url);
	free(a->scope);
	baton__secret_free(a->client_id);
	baton__secret_free(a->client_secret);
	baton__secret_free(a->refresh_token);
	free(a->jwt_key_id);
	free(a->jwt_issuer);
	free(a->jwt_subject);
	free(a->jwt_audience);
	if (a->jwt_key)
		EVP_PKEY_free(a->jwt_key);
	baton__secret_free(a->access_token);
	free(a->token_type);
	memset(a, 0, sizeof(*a));
}

bool baton__auth_invalidate(baton__auth *a)
{
	if (a->kind < BATON_HTTP_AUTH_OAUTH2_CLIENT_CREDENTIALS || !a->access_token)
		return false;
	baton__secret_free(a->access_token);
	a->access_token = NULL;
	return true;
}

/* ---- encoding ---- */

static int b64(baton__hbuf *out, const unsigned char *in, size_t len, bool url)
{
	const char *alpha = url ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	                        : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		char q[4] = {alpha[(v >> 18) & 63], alpha[(v >> 12) & 63], alpha[(v >> 6) & 63], alpha[v & 63]};
		size_t n = 4;
		if (i + 1 >= len)
			n = 2;
		else if (i + 2 >= len)
			n = 3;
		if (baton__hbuf_put(out, q, n))
			return BATON_EEXHAUSTED;
		if (!url)
			for (size_t k = n; k < 4; k++)
				if (baton__hbuf_put(out, "=", 1))
					return BATON_EEXHAUSTED;
	}
	return 0;
}

/* Go's url.QueryEscape (used by golang.org/x/oauth2 for the basic header of the token request). */
static int query_escape(baton__hbuf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		int rc;
		if (isalnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~')
			rc = baton__hbuf_put(b, s, 1);
		else if (ch == ' ')
			rc = baton__hbuf_put(b, "+", 1);
		else
			rc = baton__hbuf_put(b, (char[3]){'%', hex[ch >> 4], hex[ch & 15]}, 3);
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- JWT ---- */

int baton__jwt_sign(baton__auth *a, int64_t now_s, char **out)
{
	*out = NULL;
	json_t *hdr = json_pack("{s:s, s:s}", "alg", a->jwt_alg == JWT_ES256 ? "ES256" : "RS256", "typ", "JWT");
	json_t *cl = json_pack("{s:s, s:s, s:I, s:I}", "iss", a->jwt_issuer, "aud", a->jwt_audience,
	                       "iat", (json_int_t)now_s, "exp", (json_int_t)(now_s + a->jwt_lifetime_s));
	if (!hdr || !cl) {
		json_decref(hdr);
		json_decref(cl);
		return baton__error_oom("jwt");
	}
	if (a->jwt_key_id)
		json_object_set_new(hdr, "kid", json_string(a->jwt_key_id));
	if (a->scope)
		json_object_set_new(cl, "scope", json_string(a->scope));
	if (a->jwt_subject)
		json_object_set_new(cl, "sub", json_string(a->jwt_subject));
	char *hs = json_dumps(hdr, JSON_COMPACT | JSON_PRESERVE_ORDER);
	char *cs = json_dumps(cl, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(hdr);
	json_decref(cl);
	baton__hbuf t = {0};
	int rc = BATON_EEXHAUSTED;
	unsigned char *sig = NULL;
	EVP_MD_CTX *md = NULL;
	if (!hs || !cs || b64(&t, (unsigned char *)hs, strlen(hs), true) || baton__hbuf_put(&t, ".", 1) ||
	    b64(&t, (unsigned char *)cs, strlen(cs), true))
		goto done;
	size_t siglen = 0;
	if (!(md = EVP_MD_CTX_new()) || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, a->jwt_key) != 1 ||
	    EVP_DigestSign(md, NULL, &siglen, (unsigned char *)t.data, t.len) != 1 ||
	    !(sig = malloc(siglen)) ||
	    EVP_DigestSign(md, sig, &siglen, (unsigned char *)t.data, t.len) != 1) {
		rc = baton_error_set(BATON_EINTERNAL, "jwt: signing failed");
		goto done;
	}
	if (baton__hbuf_put(&t, ".", 1))
		goto done;
	if (a->jwt_alg == JWT_ES256) {
		/* DER ECDSA-Sig-Value -> r || s, 32 bytes each (RFC 7518 3.4) */
		const unsigned char *p = sig;
		ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)siglen);
		unsigned char raw[64];
		if (!es || BN_bn2binpad(ECDSA_SIG_get0_r(es), raw, 32) != 32 ||
		    BN_bn2binpad(ECDSA_SIG_get0_s(es), raw + 32, 32) != 32) {
			ECDSA_SIG_free(es);
			rc = baton_error_set(BATON_EINTERNAL, "jwt: bad ECDSA signature");
			goto done;
		}
		ECDSA_SIG_free(es);
		if (b64(&t, raw, 64, true))
			goto done;
	} else if (b64(&t, sig, siglen, true)) {
		goto done;
	}
	*out = t.data;
	t.data = NULL;
	rc = 0;
done:
	EVP_MD_CTX_free(md);
	free(sig);
	free(hs);
	free(cs);
	baton__hbuf_free(&t, true);
	return rc;
}

/* ---- the token endpoint ---- */

static int form_add(baton__hbuf *b, const char *name, const char *value)
{
	if ((b->len && baton__hbuf_put(b, "&", 1)) || query_escape(b, name) || baton__hbuf_put(b, "=", 1) ||
	    query_escape(b, value))
		return BATON_EEXHAUSTED;
	return 0;
}

static const char *form_get(const char *body, const char *name, baton__hbuf *out)
{
	size_t nl = strlen(name);
	for (const char *p = body; p && *p;) {
		size_t len = strcspn(p, "&");
		if (len > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
			for (size_t i = nl + 1; i < len; i++) {
				char ch = p[i];
				if (ch == '+')
					ch = ' ';
				else if (ch == '%' && i + 2 < len) {
					char h[3] = {p[i + 1], p[i + 2], 0};
					ch = (char)strtol(h, NULL, 16);
					i += 2;
				}
				if (baton__hbuf_put(out, &ch, 1))
					return NULL;
			}
			return out->data ? out->data : "";
		}
		p += len;
		if (*p)
			p++;
	}
	return NULL;
}

static int fetch_token(baton_http_client *c)
{
	baton__auth *a = &c->auth;
	baton__hbuf body = {0};
	baton__headers hs = {0};
	baton_http_response *resp = NULL;
	int rc = BATON_EEXHAUSTED;
	int64_t now = baton__http_now_ms(&c->clock);
	char *redacted = baton__http_redact_url(a->token_url);
	if (!redacted)
		goto done;

	if (a->kind == BATON_HTTP_AUTH_OAUTH2_CLIENT_CREDENTIALS) {
		if (form_add(&body, "grant_type", "client_credentials"))
			goto done;
	} else if (a->kind == BATON_HTTP_AUTH_OAUTH2_REFRESH_TOKEN) {
		if (form_add(&body, "grant_type", "refresh_token") || form_add(&body, "refresh_token", a->refresh_token))
			goto done;
	} else {
		char *jwt = NULL;
		if ((rc = baton__jwt_sign(a, now / 1000, &jwt)))
			goto done;
		rc = BATON_EEXHAUSTED;
		int frc = form_add(&body, "grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer") ||
		          form_add(&body, "assertion", jwt);
		baton__secret_free(jwt);
		if (frc)
			goto done;
	}
	if (a->scope && a->kind != BATON_HTTP_AUTH_OAUTH2_JWT && form_add(&body, "scope", a->scope))
		goto done;
	if (baton__headers_add(&hs, "Content-Type", 12, "application/x-www-form-urlencoded", 33) ||
	    baton__headers_add(&hs, "Accept", 6, "application/json", 16))
		goto done;
	if (a->client_id && a->kind != BATON_HTTP_AUTH_OAUTH2_JWT) {
		if (a->style == BATON_HTTP_OAUTH2_IN_BODY) {
			if (form_add(&body, "client_id", a->client_id) ||
			    form_add(&body, "client_secret", a->client_secret ? a->client_secret : ""))
				goto done;
		} else {
			baton__hbuf raw = {0}, hv = {0};
			int brc = query_escape(&raw, a->client_id) || baton__hbuf_put(&raw, ":", 1) ||
			          query_escape(&raw, a->client_secret ? a->client_secret : "") ||
			          baton__hbuf_puts(&hv, "Basic ") || b64(&hv, (unsigned char *)raw.data, raw.len, false) ||
			          baton__headers_add(&hs, "Authorization", 13, hv.data, hv.len);
			baton__hbuf_free(&raw, true);
			baton__hbuf_free(&hv, true);
			if (brc)
				goto done;
		}
	}

	rc = baton__http_perform(c, "POST", a->token_url, &hs, &body, true, &resp, NULL);
	if (rc) {
		baton__error_prefix("oauth2: token request failed");
		goto done;
	}
	a->fetches++;
	const char *ctype = baton__headers_get(&resp->headers, "Content-Type");
	bool form = ctype && (strncasecmp(ctype, "application/x-www-form-urlencoded", 33) == 0 ||
	                      strncasecmp(ctype, "text/plain", 10) == 0);
	json_t *j = NULL;
	if (!form)
		j = json_loadb(resp->body.data ? resp->body.data : "", resp->body.len, 0, NULL);
	if (resp->status < 200 || resp->status >= 300) {
		const char *e = j ? json_string_value(json_object_get(j, "error")) : NULL;
		int code = baton_http_error_from_status(resp->status);
		if (resp->status == 400 || resp->status == 401)
			code = BATON_EUNAUTHENTICATED; /* a refused credential */
		/* the server's text: it may echo the client secret */
		char *er = e ? baton__http_redact_text(&resp->secrets, e, strlen(e), NULL) : NULL;
		rc = baton_error_set(code, "oauth2: token request failed: %s: POST %s%s%.200s%s", resp->status_line,
		                     redacted, er ? " (error \"" : "", er ? er : "", er ? "\")" : "");
		free(er);
		json_decref(j);
		goto done;
	}
	const char *tok = NULL, *type = NULL, *refresh = NULL;
	int64_t expires_in = 0;
	baton__hbuf ftok = {0}, ftype = {0}, fref = {0}, fexp = {0};
	if (form) {
		const char *body_s = resp->body.data ? resp->body.data : "";
		tok = form_get(body_s, "access_token", &ftok);
		type = form_get(body_s, "token_type", &ftype);
		refresh = form_get(body_s, "refresh_token", &fref);
		const char *e = form_get(body_s, "expires_in", &fexp);
		if (e)
			expires_in = strtoll(e, NULL, 10);
	} else if (j && json_is_object(j)) {
		tok = json_string_value(json_object_get(j, "access_token"));
		type = json_string_value(json_object_get(j, "token_type"));
		refresh = json_string_value(json_object_get(j, "refresh_token"));
		json_t *e = json_object_get(j, "expires_in");
		if (json_is_integer(e))
			expires_in = json_integer_value(e);
		else if (json_is_real(e) && json_real_value(e) > 0 && json_real_value(e) < 1e12)
			expires_in = (int64_t)json_real_value(e); /* in range: a larger double is undefined */
		else if (json_is_string(e))
			expires_in = strtoll(json_string_value(e), NULL, 10);
	}
	/* a form value is decoded: "%00" leaves a NUL inside, which the length shows */
	const char *bad = NULL;
	if (tok && !(bad = baton__http_header_value_bad(tok, form ? ftok.len : strlen(tok))) && type)
		bad = baton__http_header_value_bad(type, form ? ftype.len : strlen(type));
	if (!tok || !*tok) {
		rc = baton_error_set(BATON_EUNAUTHENTICATED, "oauth2: the token response from POST %s has no access_token",
		                     redacted);
	} else if (bad) {
		/* sent as it is in the Authorization header, it would add headers of the server's choosing */
		rc = baton_error_set(BATON_EUNAUTHENTICATED,
		                     "oauth2: the access_token or token_type from POST %s contains %s; refusing it",
		                     redacted, bad);
	} else {
		baton__secret_free(a->access_token);
		free(a->token_type);
		a->access_token = baton__strdup(tok);
		a->token_type = type ? baton__strdup(type) : NULL;
		if (refresh && *refresh) {
			baton__secret_free(a->refresh_token);
			a->refresh_token = baton__strdup(refresh);
		}
		if (expires_in > INT64_C(315360000))
			expires_in = INT64_C(315360000); /* ten years: keeps now + expires_in * 1000 in range */
		a->expires_at_ms = expires_in > 0 ? now + expires_in * 1000 : 0;
		rc = a->access_token ? 0 : BATON_EEXHAUSTED;
		if (baton__log_enabled(BATON_LOG_DEBUG)) {
			char ex[32];
			snprintf(ex, sizeof(ex), "%lld", (long long)expires_in);
			baton__log(BATON_LOG_DEBUG, "oauth2 token fetched", "token_url", redacted, "#expires_in", ex, NULL);
		}
	}
	baton__hbuf_free(&ftok, true);
	baton__hbuf_free(&ftype, false);
	baton__hbuf_free(&fref, true);
	baton__hbuf_free(&fexp, false);
	json_decref(j);
done:
	if (rc == BATON_EEXHAUSTED && baton_error_last()->code != BATON_EEXHAUSTED)
		baton__error_oom("oauth2 token request");
	baton_http_response_free(resp);
	baton__headers_free(&hs);
	baton__hbuf_free(&body, true);
	free(redacted);
	return rc;
}

int baton__auth_header(baton_http_client *c, char **value)
{
	baton__auth *a = &c->auth;
	*value = NULL;
	baton__hbuf v = {0};
	int rc = 0;
	switch (a->kind) {
	case BATON_HTTP_AUTH_NONE:
		return 0;
	case BATON_HTTP_AUTH_BEARER:
		rc = baton__hbuf_puts(&v, "Bearer ") || baton__hbuf_puts(&v, a->token);
		break;
	case BATON_HTTP_AUTH_BASIC: {
		baton__hbuf raw = {0};
		rc = baton__hbuf_puts(&raw, a->username) || baton__hbuf_put(&raw, ":", 1) ||
		     baton__hbuf_puts(&raw, a->password) || baton__hbuf_puts(&v, "Basic ") ||
		     b64(&v, (unsigned char *)raw.data, raw.len, false);
		baton__hbuf_free(&raw, true);
		break;
	}
	default: {
		int64_t now = baton__http_now_ms(&c->clock);
		if (!a->access_token || (a->expires_at_ms && now >= a->expires_at_ms - a->margin_ms)) {
			if ((rc = fetch_token(c)))
				return rc;
		}
		const char *type = "Bearer";
		if (a->token_type && *a->token_type && strcasecmp(a->token_type, "bearer") != 0)
			type = strcasecmp(a->token_type, "mac") == 0 ? "MAC"
			       : strcasecmp(a->token_type, "basic") == 0 ? "Basic" : a->token_type;
		rc = baton__hbuf_puts(&v, type) || baton__hbuf_put(&v, " ", 1) || baton__hbuf_puts(&v, a->access_token);
		break;
	}
	}
	if (rc) {
		baton__hbuf_free(&v, true);
		return baton__error_oom("authorization header");
	}
	*value = v.data;
	return 0;
}

int baton__auth_secrets(const baton__auth *a, baton__secrets *s)
{
	const char *const v[] = {a->token, a->password, a->client_secret, a->refresh_token, a->access_token};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		int rc = v[i] ? baton__secrets_add(s, v[i], strlen(v[i])) : 0;
		if (rc)
			return rc;
	}
	return 0;
}
