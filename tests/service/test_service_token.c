/*
 * The token exchange (src/service/creds.c) against a local HTTPS server with a throwaway CA made by
 * openssl (77, skipped, when there is no openssl):
 *   - POST https://$BATON_C1_API_HOST/auth/v1/token with the form Go sends (client_id,
 *     grant_type=client_credentials, client_assertion_type, client_assertion), the assertion's
 *     audience the client id's host and its signature valid for the secret's key;
 *   - "Bearer <token>" back, reused until 10 s before expires_in, fetched again after;
 *   - HTTP 401 and an empty token are Unauthenticated; a server the CA does not vouch for is
 *     Unavailable (SSL_CERT_FILE is the only trust the test gives);
 *   - no error message quotes the secret;
 *   - once the daemon is stopping, a token a call needs to finish its work (FinishTask, Heartbeat,
 *     UploadAsset) is still fetched; only a call the stop abandons (GetTask, Hello) gives it up.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "baton/common.h"
#include "service/service.h"
#include "testutil.h"
#include "tls_server.h"

#define CLIENT_ID "svc-1@tenant.example.invalid/pcc"

static char dir[4096], ca[4200], other_ca[4200], host[64];
static char *secret;
static uint8_t pub[32];
static tls_server srv;

static char *make_secret(void)
{
	EVP_PKEY *pk = NULL;
	EVP_PKEY_CTX *kc = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
	assert_int_equal(EVP_PKEY_keygen_init(kc), 1);
	assert_int_equal(EVP_PKEY_keygen(kc, &pk), 1);
	EVP_PKEY_CTX_free(kc);
	uint8_t seed[32];
	size_t n = 32;
	assert_int_equal(EVP_PKEY_get_raw_private_key(pk, seed, &n), 1);
	n = 32;
	assert_int_equal(EVP_PKEY_get_raw_public_key(pk, pub, &n), 1);
	EVP_PKEY_free(pk);
	char *d = NULL, *x = NULL, *outer = NULL;
	baton__svc_b64url_encode(seed, 32, &d);
	baton__svc_b64url_encode(pub, 32, &x);
	char jwk[512];
	snprintf(jwk, sizeof(jwk), "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"%s\",\"d\":\"%s\"}", x, d);
	baton__svc_b64url_encode((const uint8_t *)jwk, strlen(jwk), &outer);
	char *s = malloc(strlen(outer) + 64);
	sprintf(s, "secret-token:conductorone.com:v1:%s", outer);
	free(d);
	free(x);
	free(outer);
	return s;
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "%s/service-token-XXXXXX", test_out_dir());
	if (!mkdtemp(dir))
		return -1;
	if (tls_make_certs(dir)) {
		printf("skipped: openssl could not make the test certificates\n");
		exit(77);
	}
	snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
	snprintf(other_ca, sizeof(other_ca), "%s/other-ca.pem", dir);
	if (tls_server_start(&srv, dir))
		return -1;
	snprintf(host, sizeof(host), "127.0.0.1:%d", srv.port);
	setenv("BATON_C1_API_HOST", host, 1);
	setenv("SSL_CERT_FILE", ca, 1);
	secret = make_secret();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tls_server_stop(&srv);
	free(secret);
	char cmd[4300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* The value of `key` in an x-www-form-urlencoded body, decoded (malloc), or NULL. */
static char *form_value(const char *body, const char *key)
{
	size_t kl = strlen(key);
	for (const char *p = body; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL) {
		if (strncmp(p, key, kl) || p[kl] != '=')
			continue;
		const char *v = p + kl + 1;
		size_t n = strcspn(v, "&");
		char *out = malloc(n + 1), *o = out;
		for (size_t i = 0; i < n; i++) {
			if (v[i] == '%' && i + 2 < n + 1) {
				char hx[3] = {v[i + 1], v[i + 2], 0};
				*o++ = (char)strtol(hx, NULL, 16);
				i += 2;
			} else
				*o++ = v[i] == '+' ? ' ' : v[i];
		}
		*o = '\0';
		return out;
	}
	return NULL;
}

static void check_request(const tls_request *q)
{
	assert_string_equal(q->path, "/auth/v1/token");
	assert_string_equal(q->user_agent, "baton-c1-credential-provider");
	char *v = form_value(q->body, "grant_type");
	assert_string_equal(v, "client_credentials");
	free(v);
	v = form_value(q->body, "client_assertion_type");
	assert_string_equal(v, "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
	free(v);
	v = form_value(q->body, "client_id");
	assert_string_equal(v, CLIENT_ID);
	free(v);
	char *jwt = form_value(q->body, "client_assertion");
	assert_non_null(jwt);
	char *d1 = strchr(jwt, '.'), *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
	assert_non_null(d2);
	uint8_t *claims = NULL, *sig = NULL;
	size_t cn = 0, sn = 0;
	assert_int_equal(baton__svc_b64url_decode(d1 + 1, (size_t)(d2 - d1 - 1), &claims, &cn), 0);
	json_error_t e;
	json_t *c = json_loadb((const char *)claims, cn, 0, &e);
	assert_non_null(c);
	/* the audience is the client id's host, never BATON_C1_API_HOST */
	assert_string_equal(json_string_value(json_object_get(c, "aud")), "tenant.example.invalid");
	assert_string_equal(json_string_value(json_object_get(c, "iss")), CLIENT_ID);
	json_int_t now = (json_int_t)time(NULL);
	json_int_t iat = json_integer_value(json_object_get(c, "iat"));
	assert_true(iat >= now - 30 && iat <= now + 1);
	json_decref(c);
	free(claims);
	assert_int_equal(baton__svc_b64url_decode(d2 + 1, strlen(d2 + 1), &sig, &sn), 0);
	EVP_PKEY *pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, 32);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	assert_int_equal(EVP_DigestVerifyInit(md, NULL, NULL, NULL, pk), 1);
	assert_int_equal(EVP_DigestVerify(md, sig, sn, (const uint8_t *)jwt, (size_t)(d2 - jwt)), 1);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pk);
	free(sig);
	free(jwt);
	/* the secret itself never travels */
	assert_null(strstr(q->body, secret + 34));
}

static void test_exchange_and_reuse(void **state)
{
	(void)state;
	tls_server_set(&srv, 200, "{\"access_token\":\"tok-1\",\"token_type\":\"bearer\",\"expires_in\":3600}");
	int before = tls_server_requests(&srv);
	baton__svc_tokens t;
	assert_int_equal(baton__svc_tokens_init(&t, CLIENT_ID, secret), 0);
	char *h = NULL;
	assert_int_equal(baton__svc_tokens_get(&t, false, &h), 0);
	assert_string_equal(h, "Bearer tok-1");
	free(h);
	assert_int_equal(tls_server_requests(&srv), before + 1);
	check_request(&srv.reqs[before]);
	/* reused while valid */
	tls_server_set(&srv, 200, "{\"access_token\":\"tok-2\",\"token_type\":\"Bearer\",\"expires_in\":3600}");
	assert_int_equal(baton__svc_tokens_get(&t, false, &h), 0);
	assert_string_equal(h, "Bearer tok-1");
	free(h);
	assert_int_equal(tls_server_requests(&srv), before + 1);
	/* expired (here: forced to within the 10 s margin): fetched again */
	t.expiry = (int64_t)time(NULL) + 9;
	assert_int_equal(baton__svc_tokens_get(&t, false, &h), 0);
	assert_string_equal(h, "Bearer tok-2");
	free(h);
	assert_int_equal(tls_server_requests(&srv), before + 2);
	baton__svc_tokens_free(&t);
}

static void test_short_lived_token(void **state)
{
	(void)state;
	/* a token valid for less than the margin is fetched for every call, as oauth2 would */
	tls_server_set(&srv, 200, "{\"access_token\":\"short\",\"expires_in\":5}");
	int before = tls_server_requests(&srv);
	baton__svc_tokens t;
	assert_int_equal(baton__svc_tokens_init(&t, CLIENT_ID, secret), 0);
	char *h = NULL;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(baton__svc_tokens_get(&t, false, &h), 0);
		assert_string_equal(h, "Bearer short");
		free(h);
	}
	assert_int_equal(tls_server_requests(&srv), before + 3);
	baton__svc_tokens_free(&t);
}

static void test_refusals(void **state)
{
	(void)state;
	baton__svc_tokens t;
	char *h = NULL;
	assert_int_equal(baton__svc_tokens_init(&t, CLIENT_ID, secret), 0);
	tls_server_set(&srv, 401, "{\"error\":\"invalid_client\"}");
	assert_int_equal(baton__svc_tokens_get(&t, false, &h), BATON_EUNAUTHENTICATED);
	assert_null(h);
	assert_string_equal(baton_error_last()->message, "failed to get token: HTTP 401");
	tls_server_set(&srv, 200, "{\"access_token\":\"\",\"expires_in\":60}");
	assert_int_equal(baton__svc_tokens_get(&t, false, &h), BATON_EUNAUTHENTICATED);
	assert_string_equal(baton_error_last()->message, "failed to get token: empty access token");
	tls_server_set(&srv, 200, "{\"access_token\":\"x\",\"expires_in\":\"60\"}");
	assert_int_not_equal(baton__svc_tokens_get(&t, false, &h), 0);
	assert_null(strstr(baton_error_last()->message, secret + 34));
	baton__svc_tokens_free(&t);

	/* a CA that did not sign the server: no token, and the server never saw a request */
	setenv("SSL_CERT_FILE", other_ca, 1);
	tls_server_set(&srv, 200, "{\"access_token\":\"tok\",\"expires_in\":60}");
	int before = tls_server_requests(&srv);
	assert_int_equal(baton__svc_tokens_init(&t, CLIENT_ID, secret), 0);
	assert_int_equal(baton__svc_tokens_get(&t, false, &h), BATON_EUNAVAILABLE);
	assert_int_equal(tls_server_requests(&srv), before);
	assert_null(strstr(baton_error_last()->message, secret + 34));
	baton__svc_tokens_free(&t);
	setenv("SSL_CERT_FILE", ca, 1);
}

static bool always_stopping(void)
{
	return true;
}

static void test_stopping(void **state)
{
	(void)state;
	tls_server_set(&srv, 200, "{\"access_token\":\"late\",\"expires_in\":3600}");
	int before = tls_server_requests(&srv);
	baton__svc_tokens t;
	char *h = NULL;
	assert_int_equal(baton__svc_tokens_init(&t, CLIENT_ID, secret), 0);
	t.stopping = always_stopping;
	/* a GetTask / Hello of a stopping daemon: abandoned, nothing sent */
	assert_int_equal(baton__svc_tokens_get(&t, true, &h), BATON_ECANCELLED);
	assert_null(h);
	assert_int_equal(tls_server_requests(&srv), before);
	/* the FinishTask of a task the stop cancelled still gets its token */
	assert_int_equal(baton__svc_tokens_get(&t, false, &h), 0);
	assert_string_equal(h, "Bearer late");
	free(h);
	assert_int_equal(tls_server_requests(&srv), before + 1);
	/* and a token in hand is used by either kind of call */
	assert_int_equal(baton__svc_tokens_get(&t, true, &h), 0);
	assert_string_equal(h, "Bearer late");
	free(h);
	assert_int_equal(tls_server_requests(&srv), before + 1);
	baton__svc_tokens_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exchange_and_reuse),
		cmocka_unit_test(test_short_lived_token),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_stopping),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
