/*
 * Service mode credentials (src/service/creds.c), in process:
 *   - client ids split as the Go SDK's parseClientID;
 *   - client secrets accepted and refused as Go's crypto.ParseClientSecret (go-jose v4 JWK rules),
 *     the refusal never quoting the input;
 *   - the audience and gRPC target derived from a host as Go's net.SplitHostPort / HostPort;
 *   - the JWT client assertion: header, claims, and an Ed25519 signature OpenSSL verifies;
 *   - base64url as Go's RawURLEncoding.
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

#include "baton/common.h"
#include "service/service.h"

/* The revoked dev credential the Go SDK's own test accepts. */
#define GO_VALID "secret-token:conductorone.com:v1:eyJrdHkiOiJPS1AiLCJjcnYiOiJFZDI1NTE5IiwieCI6InpwM1BXY2NTQlZPdGhTTnN5ck1zVGVFaDlpTjhTWTNnSDZfcDBEUkZaTWMi" \
                 "LCJkIjoielkzTzFybnItQUV3NW0wbVpCTzBjSEZpWWoxTmlSdk1pU1Y1X1Ffa0tiZyJ9"
/* Its key members, reused to build variants. */
#define GO_X "zp3PWccSBVOthSNsyrMsTeEh9iN8SY3gH6_p0DRFZMc"
#define GO_D "zY3O1rnr-AEw5m0mZBO0cHFiYj1NiRvMiSV5_Q_kKbg"

static char *secret_of(const char *jwk_json)
{
	char *b64 = NULL;
	assert_int_equal(baton__svc_b64url_encode((const uint8_t *)jwk_json, strlen(jwk_json), &b64), 0);
	size_t n = strlen(b64) + 64;
	char *s = malloc(n);
	snprintf(s, n, "secret-token:conductorone.com:v1:%s", b64);
	free(b64);
	return s;
}

static int parse(const char *secret)
{
	baton__svc_key k;
	int rc = baton__svc_parse_client_secret(secret, strlen(secret), &k);
	if (rc == 0)
		baton__svc_key_free(&k);
	else {
		assert_int_equal(rc, BATON_EINVALID);
		assert_string_equal(baton_error_last()->message, "invalid client secret");
	}
	return rc;
}

static int parse_jwk(const char *jwk)
{
	char *s = secret_of(jwk);
	int rc = parse(s);
	free(s);
	return rc;
}

static void test_client_id(void **state)
{
	(void)state;
	char *name, *host;
	assert_int_equal(baton__svc_parse_client_id("svc@tenant.conductor.one/pcc", &name, &host), 0);
	assert_string_equal(name, "svc");
	assert_string_equal(host, "tenant.conductor.one");
	free(name);
	free(host);
	/* first '@', then the first '/' after it; the rest is not looked at */
	assert_int_equal(baton__svc_parse_client_id("a@b@c/d/e", &name, &host), 0);
	assert_string_equal(name, "a");
	assert_string_equal(host, "b@c");
	free(name);
	free(host);
	assert_int_equal(baton__svc_parse_client_id("@h:8443/", &name, &host), 0);
	assert_string_equal(name, "");
	assert_string_equal(host, "h:8443");
	free(name);
	free(host);
	const char *bad[] = {"", "id", "name@host", "name/host@x", "/@"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(baton__svc_parse_client_id(bad[i], &name, &host), BATON_EINVALID);
		assert_null(name);
		assert_string_equal(baton_error_last()->message, "invalid client id");
	}
}

static void test_secret_go_cases(void **state)
{
	(void)state;
	/* Go's TestParseClientSecret */
	assert_int_not_equal(parse("v1:1234567890:1234567890:1234567890"), 0);
	assert_int_not_equal(parse("v1:1234567890:1234567890:1234567890:1234567890"), 0);
	assert_int_not_equal(parse("secret-token:conductorone.com:v1:eyJrdHkiOjJPS1AiLCJjcnYiOiJFZDI1NTE5IiwieCI6InpwM1BXY2NTQlZPdGhTTnN5ck1zVGVFaDlpTjhTWTNnSDZfcDBEUkZaTWMi"
	                           "LCJkIjoielkzTzFybnItQUV3NW0wbVpCTzBjSEZpWWoxTmlSdk1pU1Y1X1Ffa0tiZyJ9"),
	                     0);
	baton__svc_key k;
	assert_int_equal(baton__svc_parse_client_secret(GO_VALID, strlen(GO_VALID), &k), 0);
	/* the seed is d; OpenSSL derives x from it */
	EVP_PKEY *pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, k.seed, 32);
	assert_non_null(pk);
	uint8_t pub[32];
	size_t n = sizeof(pub);
	assert_int_equal(EVP_PKEY_get_raw_public_key(pk, pub, &n), 1);
	assert_memory_equal(pub, k.pub, 32);
	assert_null(k.kid);
	EVP_PKEY_free(pk);
	baton__svc_key_free(&k);
}

static void test_secret_table(void **state)
{
	(void)state;
	static const struct {
		const char *jwk;
		bool ok;
	} cases[] = {
		{"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" GO_X "\",\"d\":\"" GO_D "\"}", true},
		/* extra members of any type are ignored; kid, use, alg strings kept */
		{"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" GO_X "\",\"d\":\"" GO_D "\",\"zz\":[1,{}],\"kid\":\"k1\","
		 "\"use\":\"sig\",\"alg\":\"EdDSA\"}", true},
		/* go-jose copies d and x into 32 bytes whatever their length, "" included */
		{"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"\",\"d\":\"" GO_D "\"}", true},
		{"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" GO_X "\",\"d\":\"AAAA\"}", true},
		{"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" GO_X "\",\"d\":\"" GO_D "\",\"x5c\":[]}", true},
		{"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" GO_X "\",\"d\":\"" GO_D "\",\"x5c\":null,\"kid\":null}", true},
		/* x5t: 20 bytes, or their 40 hex digits */
		{"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" GO_X "\",\"d\":\"" GO_D "\",\"x5t\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAA\"}", true},
		{"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" GO_X "\",\"d\":\"" GO_D "\",\"x5t\":\"AAAA\"}", false},
		{"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" GO_X "\",\"d\":\"" GO_D "\",\"x5t#S256\":\"AAAA\"}", false},
		/* not a private Ed25519 key */
		{"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" GO_X "\"}", false},
		{"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"d\":\"" GO_D "\"}", false},
		{"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" GO_X "\",\"d\":null}", false},
		{"{\"kty\":\"OKP\",\"crv\":\"X25519\",\"x\":\"" GO_X "\",\"d\":\"" GO_D "\"}", false},
		{"{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" GO_X "\",\"y\":\"" GO_X "\",\"d\":\"" GO_D "\"}", false},
		{"{\"kty\":\"oct\",\"k\":\"" GO_D "\"}", false},
		{"{\"crv\":\"Ed25519\",\"x\":\"" GO_X "\",\"d\":\"" GO_D "\"}", false},
		/* member names are case-sensitive; duplicates are refused */
		{"{\"KTY\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" GO_X "\",\"d\":\"" GO_D "\"}", false},
		{"{\"kty\":\"OKP\",\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" GO_X "\",\"d\":\"" GO_D "\"}", false},
		/* binary members: unpadded base64url strings */
		{"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" GO_X "\",\"d\":\"" GO_D "=\"}", false},
		{"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" GO_X "\",\"d\":\"zY3O+rnr\"}", false},
		{"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" GO_X "\",\"d\":12}", false},
		{"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" GO_X "\",\"d\":\"" GO_D "\",\"n\":5}", false},
		/* typed members of the wrong type */
		{"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" GO_X "\",\"d\":\"" GO_D "\",\"kid\":7}", false},
		{"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" GO_X "\",\"d\":\"" GO_D "\",\"x5c\":\"abc\"}", false},
		/* libbaton does not read certificate chains (Go checks the leaf's key): refused */
		{"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" GO_X "\",\"d\":\"" GO_D "\",\"x5c\":[\"MIIB\"]}", false},
		/* only the top level may not repeat a member (go-jose skips what it does not read) */
		{"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" GO_X "\",\"d\":\"" GO_D "\",\"zz\":1,\"zz\":2}", false},
		{"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" GO_X "\",\"d\":\"" GO_D "\",\"k\\u0069d\":\"a\",\"kid\":\"b\"}", false},
		{"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" GO_X "\",\"d\":\"" GO_D "\",\"zz\":{\"a\":1,\"a\":2}}", true},
		{"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" GO_X "\",\"d\":\"" GO_D "\",\"kid\":\"a\\u0000b\"} ", true},
		/* x5u must be what url.Parse takes */
		{"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" GO_X "\",\"d\":\"" GO_D "\",\"x5u\":\"a b\"}", true},
		{"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" GO_X "\",\"d\":\"" GO_D "\",\"x5u\":\"http://a b\"}", false},
		{"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" GO_X "\",\"d\":\"" GO_D "\",\"x5u\":\"%zz\"}", false},
		{"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" GO_X "\",\"d\":\"" GO_D "\",\"x5u\":\"http://[::1\"}", false},
		/* not an object */
		{"[]", false},
		{"null", false},
		{"{\"kty\":\"OKP\"", false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = parse_jwk(cases[i].jwk);
		if ((rc == 0) != cases[i].ok)
			fail_msg("case %zu (%s): got %d", i, cases[i].jwk, rc);
	}
}

static void test_secret_outer_form(void **state)
{
	(void)state;
	const char *jwk = "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" GO_X "\",\"d\":\"" GO_D "\"}";
	char *b64 = NULL;
	assert_int_equal(baton__svc_b64url_encode((const uint8_t *)jwk, strlen(jwk), &b64), 0);
	char buf[1024];
	/* any first two parts; the third must be v1 */
	snprintf(buf, sizeof(buf), "a:b:v1:%s", b64);
	assert_int_equal(parse(buf), 0);
	snprintf(buf, sizeof(buf), "::v1:%s", b64);
	assert_int_equal(parse(buf), 0);
	snprintf(buf, sizeof(buf), "a:b:v2:%s", b64);
	assert_int_not_equal(parse(buf), 0);
	snprintf(buf, sizeof(buf), "a:b:V1:%s", b64);
	assert_int_not_equal(parse(buf), 0);
	/* the fourth part keeps further colons, which base64 refuses */
	snprintf(buf, sizeof(buf), "a:b:v1:%s:x", b64);
	assert_int_not_equal(parse(buf), 0);
	/* Go's decoder skips line breaks but not padding */
	size_t half = strlen(b64) / 2;
	snprintf(buf, sizeof(buf), "a:b:v1:%.*s\r\n%s", (int)half, b64, b64 + half);
	assert_int_equal(parse(buf), 0);
	snprintf(buf, sizeof(buf), "a:b:v1:%s==", b64);
	assert_int_not_equal(parse(buf), 0);
	free(b64);
	/* the error never quotes the secret */
	const char *planted = "PLANTED:SECRET:v1:PLANTED-SECRET-VALUE";
	baton__svc_key k;
	assert_int_equal(baton__svc_parse_client_secret(planted, strlen(planted), &k), BATON_EINVALID);
	assert_null(strstr(baton_error_last()->message, "PLANTED"));
}

static void test_b64url(void **state)
{
	(void)state;
	const char *in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar", "\xff\xfe\xfd"};
	const char *out[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy", "__79"};
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		char *e = NULL;
		assert_int_equal(baton__svc_b64url_encode((const uint8_t *)in[i], strlen(in[i]), &e), 0);
		assert_string_equal(e, out[i]);
		uint8_t *d = NULL;
		size_t n = 0;
		assert_int_equal(baton__svc_b64url_decode(e, strlen(e), &d, &n), 0);
		assert_int_equal(n, strlen(in[i]));
		assert_memory_equal(d, in[i], n);
		free(d);
		free(e);
	}
	uint8_t *d = NULL;
	size_t n;
	/* one digit in the last quantum, padding and the standard alphabet are refused */
	assert_int_not_equal(baton__svc_b64url_decode("Zm9vY", 5, &d, &n), 0);
	assert_int_not_equal(baton__svc_b64url_decode("Zg==", 4, &d, &n), 0);
	assert_int_not_equal(baton__svc_b64url_decode("+/", 2, &d, &n), 0);
	/* non-canonical trailing bits are accepted, as Go's non-strict decoder does */
	assert_int_equal(baton__svc_b64url_decode("Zh", 2, &d, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(d[0], 'f');
	free(d);
}

static void test_audience_target(void **state)
{
	(void)state;
	static const struct {
		const char *host, *aud, *target;
	} cases[] = {
		{"tenant.conductor.one", "tenant.conductor.one", "tenant.conductor.one:443"},
		{"127.0.0.1:8443", "127.0.0.1", "127.0.0.1:8443"},
		{"[::1]:9000", "::1", "[::1]:9000"},
		{"[::1]", "[::1]", "[[::1]]:443"},
		{"::1", "::1", "[::1]:443"},
		{"h:", "h", "h:"},
		{"a:b:c", "a:b:c", "[a:b:c]:443"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *a = baton__svc_audience(cases[i].host), *t = baton__svc_target(cases[i].host);
		assert_string_equal(a, cases[i].aud);
		assert_string_equal(t, cases[i].target);
		free(a);
		free(t);
	}
}

static json_t *segment_json(const char *seg, size_t n)
{
	uint8_t *d = NULL;
	size_t len = 0;
	assert_int_equal(baton__svc_b64url_decode(seg, n, &d, &len), 0);
	json_error_t e;
	json_t *j = json_loadb((const char *)d, len, JSON_REJECT_DUPLICATES, &e);
	assert_non_null(j);
	free(d);
	return j;
}

static void test_jwt(void **state)
{
	(void)state;
	const char *jwk = "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" GO_X "\",\"d\":\"" GO_D "\",\"kid\":\"key-1\"}";
	char *secret = secret_of(jwk);
	baton__svc_key k;
	assert_int_equal(baton__svc_parse_client_secret(secret, strlen(secret), &k), 0);
	free(secret);
	char *jwt = NULL;
	assert_int_equal(baton__svc_jwt_assertion(&k, "svc@tenant.example/x", "tenant.example", 1700000000, "bm9uY2U", &jwt), 0);
	const char *d1 = strchr(jwt, '.'), *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
	assert_non_null(d2);
	assert_null(strchr(d2 + 1, '.'));

	json_t *h = segment_json(jwt, (size_t)(d1 - jwt));
	assert_string_equal(json_string_value(json_object_get(h, "alg")), "EdDSA");
	assert_string_equal(json_string_value(json_object_get(h, "kid")), "key-1");
	assert_string_equal(json_string_value(json_object_get(h, "nonce")), "bm9uY2U");
	assert_int_equal(json_object_size(h), 3);
	json_decref(h);

	json_t *c = segment_json(d1 + 1, (size_t)(d2 - d1 - 1));
	assert_string_equal(json_string_value(json_object_get(c, "iss")), "svc@tenant.example/x");
	assert_string_equal(json_string_value(json_object_get(c, "sub")), "svc@tenant.example/x");
	assert_string_equal(json_string_value(json_object_get(c, "aud")), "tenant.example");
	assert_int_equal(json_integer_value(json_object_get(c, "exp")), 1700000000 + 120);
	assert_int_equal(json_integer_value(json_object_get(c, "nbf")), 1700000000 - 120);
	assert_int_equal(json_integer_value(json_object_get(c, "iat")), 1700000000);
	assert_int_equal(json_object_size(c), 6);
	json_decref(c);

	/* the signature verifies with the public key x, over "header.claims" */
	uint8_t *sig = NULL;
	size_t sig_len = 0;
	assert_int_equal(baton__svc_b64url_decode(d2 + 1, strlen(d2 + 1), &sig, &sig_len), 0);
	assert_int_equal(sig_len, 64);
	EVP_PKEY *pub = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, k.pub, 32);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	assert_int_equal(EVP_DigestVerifyInit(md, NULL, NULL, NULL, pub), 1);
	assert_int_equal(EVP_DigestVerify(md, sig, sig_len, (const uint8_t *)jwt, (size_t)(d2 - jwt)), 1);
	/* and not over anything else */
	EVP_MD_CTX_free(md);
	md = EVP_MD_CTX_new();
	assert_int_equal(EVP_DigestVerifyInit(md, NULL, NULL, NULL, pub), 1);
	assert_int_not_equal(EVP_DigestVerify(md, sig, sig_len, (const uint8_t *)jwt, (size_t)(d2 - jwt) - 1), 1);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pub);
	free(sig);
	free(jwt);

	/* without a kid and with a random nonce: 16 bytes, and a new one each time */
	free(k.kid);
	k.kid = NULL;
	char *j1 = NULL, *j2 = NULL;
	assert_int_equal(baton__svc_jwt_assertion(&k, "a@b/c", "b", 1, NULL, &j1), 0);
	assert_int_equal(baton__svc_jwt_assertion(&k, "a@b/c", "b", 1, NULL, &j2), 0);
	h = segment_json(j1, (size_t)(strchr(j1, '.') - j1));
	assert_null(json_object_get(h, "kid"));
	assert_int_equal(strlen(json_string_value(json_object_get(h, "nonce"))), 22);
	json_decref(h);
	assert_string_not_equal(j1, j2);
	free(j1);
	free(j2);
	baton__svc_key_free(&k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_client_id),
		cmocka_unit_test(test_secret_go_cases),
		cmocka_unit_test(test_secret_table),
		cmocka_unit_test(test_secret_outer_form),
		cmocka_unit_test(test_b64url),
		cmocka_unit_test(test_audience_target),
		cmocka_unit_test(test_jwt),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
