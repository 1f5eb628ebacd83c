/*
 * src/crypto: the age v1 writer and reader. Round trips at the chunk boundaries, a file written
 * by filippo.io/age (the Go SDK's age) decrypted as a known answer, tampering (header MAC, stanza,
 * payload, truncation) rejected, the armor, Bech32 keys, and the recipient forms users give
 * (age1, Ed25519 JWK with the RFC 8037 thumbprint, ssh-ed25519 line, PEM).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "baton/common.h"
#include "crypto/crypto.h"

/* Written by filippo.io/age v1.3.1 (age.Encrypt + armor) to the identity below. */
static const char kat_identity[] = "AGE-SECRET-KEY-1D4MF86LC6ASAD6VZS2KNGVVYPS3QKUF0YA5P9XZUG8GGSEK3U3WSHMXXWR";
static const char kat_recipient[] = "age1x5wj24zqmktw5alyeryx6slsph2rlalnaspgxwfmn8wrgk08lgdqr8dq3c";
static const char kat_file[] =
	"-----BEGIN AGE ENCRYPTED FILE-----\n"
	"YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSBDeVFXMGVWTGdzclYzQVhO\n"
	"VGl4YzAvYzVjQVNNYnl5eXlZWmhJRjR1T2xjClZMTUV0eXNXWkllL3Fwd1RLZk1X\n"
	"RS92bm1tQThyazducU41YVdjMEltcFUKLS0tIC9hUVFSdUJhK0RyZzNrV0Q2UkhQ\n"
	"YWszSkhaZjkwUWtlZXZqUHhQMzh5RXcKcN4AAzciXgbcl5x5hTmVA6rHQECc6BRW\n"
	"5Md65bi4z+iooI8Xuc7VqQIXKyILkEt4m/XzOYiVkezs\n"
	"-----END AGE ENCRYPTED FILE-----\n";
static const char kat_plaintext[] = "libbaton age known answer";

static void identity(baton__age_identity *id, baton__age_recipient *r)
{
	assert_int_equal(baton__age_identity_generate(id), 0);
	memset(r, 0, sizeof(*r));
	r->kind = BATON__AGE_X25519;
	memcpy(r->pub, id->pub, 32);
}

static void roundtrip_size(size_t n)
{
	baton__age_identity id;
	baton__age_recipient r;
	identity(&id, &r);
	uint8_t *pt = malloc(n ? n : 1);
	assert_non_null(pt);
	for (size_t i = 0; i < n; i++)
		pt[i] = (uint8_t)(i * 131 + 7);
	uint8_t *ct, *back;
	size_t ct_len, back_len;
	assert_int_equal(baton__age_encrypt(&r, pt, n, &ct, &ct_len), 0);
	/* header, 16-byte nonce, ceil(n / 64 KiB) chunks (one for empty), 16-byte tags */
	size_t chunks = n ? (n + 65535) / 65536 : 1;
	assert_true(ct_len > n + 16 + 16 * chunks);
	assert_memory_equal(ct, "age-encryption.org/v1\n-> X25519 ", 32);
	assert_int_equal(baton__age_decrypt(&id, ct, ct_len, &back, &back_len), 0);
	assert_int_equal(back_len, n);
	if (n)
		assert_memory_equal(back, pt, n);
	assert_int_equal(back[n], 0);
	free(back);
	free(ct);
	free(pt);
}

static void test_roundtrip_sizes(void **state)
{
	(void)state;
	const size_t sizes[] = {0, 1, 20, 65535, 65536, 65537, 131072, 200000};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		roundtrip_size(sizes[i]);
}

static void test_known_answer_from_go(void **state)
{
	(void)state;
	baton__age_identity id;
	assert_int_equal(baton__age_identity_parse(kat_identity, &id), 0);
	char r[BATON__AGE_RECIPIENT_STRLEN];
	assert_int_equal(baton__age_recipient_format(id.pub, r), 0);
	assert_string_equal(r, kat_recipient);
	uint8_t *bin, *pt;
	size_t n, pn;
	assert_int_equal(baton__age_dearmor(kat_file, strlen(kat_file), &bin, &n), 0);
	assert_int_equal(baton__age_decrypt(&id, bin, n, &pt, &pn), 0);
	assert_int_equal(pn, strlen(kat_plaintext));
	assert_memory_equal(pt, kat_plaintext, pn);
	free(pt);
	/* the same identity string formats back */
	char s[BATON__AGE_IDENTITY_STRLEN];
	assert_int_equal(baton__age_identity_format(&id, s), 0);
	assert_string_equal(s, kat_identity);
	/* and lowercase identities parse too */
	char lower[BATON__AGE_IDENTITY_STRLEN];
	for (size_t i = 0; i <= strlen(kat_identity); i++)
		lower[i] = (char)((kat_identity[i] >= 'A' && kat_identity[i] <= 'Z') ? kat_identity[i] + 32 : kat_identity[i]);
	baton__age_identity id2;
	assert_int_equal(baton__age_identity_parse(lower, &id2), 0);
	assert_memory_equal(id2.secret, id.secret, 32);
	free(bin);
}

/* Encrypts "secret" to a fresh identity; the caller frees *ct. */
static void sample(baton__age_identity *id, uint8_t **ct, size_t *n)
{
	baton__age_recipient r;
	identity(id, &r);
	assert_int_equal(baton__age_encrypt(&r, (const uint8_t *)"secret", 6, ct, n), 0);
}

static size_t find(const uint8_t *p, size_t n, const char *s)
{
	size_t k = strlen(s);
	for (size_t i = 0; i + k <= n; i++)
		if (!memcmp(p + i, s, k))
			return i;
	fail_msg("'%s' not found", s);
	return 0;
}

static void expect_fail(const baton__age_identity *id, const uint8_t *ct, size_t n, int code)
{
	uint8_t *pt = (uint8_t *)"untouched";
	size_t pn = 99;
	assert_int_equal(baton__age_decrypt(id, ct, n, &pt, &pn), code);
	assert_null(pt);
	assert_int_equal(pn, 0);
}

static void test_tampered_mac_rejected(void **state)
{
	(void)state;
	baton__age_identity id;
	uint8_t *ct;
	size_t n;
	sample(&id, &ct, &n);
	size_t mac = find(ct, n, "\n--- ") + 5;
	ct[mac + 3] = ct[mac + 3] == 'A' ? 'B' : 'A';
	expect_fail(&id, ct, n, BATON_EINVALID);
	assert_non_null(strstr(baton_error_last()->message, "MAC"));
	free(ct);
}

static void test_tampered_header_rejected(void **state)
{
	(void)state;
	baton__age_identity id;
	uint8_t *ct;
	size_t n;
	sample(&id, &ct, &n);
	/* a grease stanza added after the fact: parses, but the MAC no longer covers the header */
	size_t at = find(ct, n, "\n--- ") + 1;
	static const char extra[] = "-> grease x\n\n";
	uint8_t *t = malloc(n + sizeof(extra));
	assert_non_null(t);
	memcpy(t, ct, at);
	memcpy(t + at, extra, strlen(extra));
	memcpy(t + at + strlen(extra), ct + at, n - at);
	expect_fail(&id, t, n + strlen(extra), BATON_EINVALID);
	free(t);
	/* an intro that is not age v1 */
	ct[20] = '2';
	expect_fail(&id, ct, n, BATON_EINVALID);
	free(ct);
}

static void test_tampered_payload_rejected(void **state)
{
	(void)state;
	baton__age_identity id;
	uint8_t *ct;
	size_t n;
	sample(&id, &ct, &n);
	ct[n - 3] ^= 1;
	expect_fail(&id, ct, n, BATON_EDATALOSS);
	ct[n - 3] ^= 1;
	expect_fail(&id, ct, n - 1, BATON_EDATALOSS); /* truncated */
	uint8_t *ok;
	size_t on;
	assert_int_equal(baton__age_decrypt(&id, ct, n, &ok, &on), 0);
	assert_int_equal(on, 6);
	free(ok);
	/* trailing garbage changes the last chunk */
	uint8_t *t = malloc(n + 1);
	memcpy(t, ct, n);
	t[n] = 0;
	expect_fail(&id, t, n + 1, BATON_EDATALOSS);
	free(t);
	free(ct);
}

static void test_wrong_identity(void **state)
{
	(void)state;
	baton__age_identity id, other;
	uint8_t *ct;
	size_t n;
	sample(&id, &ct, &n);
	assert_int_equal(baton__age_identity_generate(&other), 0);
	expect_fail(&other, ct, n, BATON_EPERM);
	free(ct);
}

static void test_armor(void **state)
{
	(void)state;
	uint8_t data[200];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	for (size_t n = 0; n <= sizeof(data); n += 47) {
		char *a;
		assert_int_equal(baton__age_armor(data, n, &a), 0);
		assert_true(!strncmp(a, "-----BEGIN AGE ENCRYPTED FILE-----\n", 35));
		/* no line longer than 64 columns */
		for (char *l = a; *l; l = strchr(l, '\n') + 1)
			assert_true(strchr(l, '\n') - l <= 64 || !strncmp(l, "-----", 5));
		uint8_t *back;
		size_t bn;
		assert_int_equal(baton__age_dearmor(a, strlen(a), &back, &bn), 0);
		assert_int_equal(bn, n);
		if (n)
			assert_memory_equal(back, data, n);
		free(back);
		free(a);
	}
	uint8_t *b;
	size_t bn;
	const char *bad[] = {
		"", "hello",
		"-----BEGIN AGE ENCRYPTED FILE-----\nYWJj!\n-----END AGE ENCRYPTED FILE-----\n",
		"-----BEGIN AGE ENCRYPTED FILE-----\nYW\nJj\n-----END AGE ENCRYPTED FILE-----\n",
		"-----BEGIN AGE ENCRYPTED FILE-----\nYWJj\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(baton__age_dearmor(bad[i], strlen(bad[i]), &b, &bn), BATON_EINVALID);
}

static void test_recipient_strings(void **state)
{
	(void)state;
	baton__age_recipient r;
	assert_int_equal(baton__age_parse_recipient(kat_recipient, &r), 0);
	assert_int_equal(r.kind, BATON__AGE_X25519);
	baton__age_identity id;
	assert_int_equal(baton__age_identity_parse(kat_identity, &id), 0);
	assert_memory_equal(r.pub, id.pub, 32);
	/* parse_any trims whitespace; the key id is the hex SHA-256 of the string (baton/age/v1) */
	char padded[128];
	snprintf(padded, sizeof(padded), "  %s\n", kat_recipient);
	assert_int_equal(baton__age_recipient_parse_any(padded, &r), 0);
	char kid[65];
	assert_int_equal(baton__age_recipient_key_id(&r, kid), 0);
	assert_int_equal(strlen(kid), 64);

	char bad[128];
	strcpy(bad, kat_recipient);
	bad[10] = bad[10] == 'q' ? 'p' : 'q'; /* checksum */
	assert_int_equal(baton__age_parse_recipient(bad, &r), BATON_EINVALID);
	strcpy(bad, kat_recipient);
	bad[5] = (char)(bad[5] - 32); /* mixed case */
	assert_int_equal(baton__age_parse_recipient(bad, &r), BATON_EINVALID);
	assert_int_equal(baton__age_parse_recipient(kat_identity, &r), BATON_EINVALID);
	assert_int_equal(baton__age_recipient_parse_any("age1", &r), BATON_EINVALID);
	assert_int_equal(baton__age_recipient_parse_any("nonsense", &r), BATON_EINVALID);
	assert_int_equal(baton__age_identity_parse(kat_recipient, &id), BATON_EINVALID);
}

static void test_jwk_ssh_pem_recipients(void **state)
{
	(void)state;
	baton__age_recipient r;
	/* RFC 8037 A.2 public key; A.3 gives its thumbprint */
	static const char jwk[] = "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}";
	assert_int_equal(baton__age_recipient_parse_any(jwk, &r), 0);
	assert_int_equal(r.kind, BATON__AGE_SSH_ED25519);
	assert_memory_equal(r.ssh_key, "\0\0\0\x0bssh-ed25519\0\0\0\x20", 19);
	char kid[65];
	assert_int_equal(baton__age_recipient_key_id(&r, kid), 0);
	assert_string_equal(kid, "90facafea9b1556698540f70c0117a22ea37bd5cf3ed3c47093c1707282b4b89");
	uint8_t *ct;
	size_t n;
	assert_int_equal(baton__age_encrypt(&r, (const uint8_t *)"pw", 2, &ct, &n), 0);
	assert_memory_equal(ct, "age-encryption.org/v1\n-> ssh-ed25519 ", 37);
	free(ct);

	baton__age_recipient r2;
	/* the same key as an OpenSSH line and as PEM (RFC 8410 10.1's is another key) */
	static const char ssh[] = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINdamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea test";
	assert_int_equal(baton__age_recipient_parse_any(ssh, &r2), 0);
	assert_memory_equal(r2.ssh_key, r.ssh_key, sizeof(r.ssh_key));
	assert_memory_equal(r2.pub, r.pub, 32);
	static const char pem[] = "-----BEGIN PUBLIC KEY-----\n"
	                          "MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n"
	                          "-----END PUBLIC KEY-----\n";
	assert_int_equal(baton__age_recipient_parse_any(pem, &r2), 0);
	assert_int_equal(r2.kind, BATON__AGE_SSH_ED25519);

	assert_int_equal(baton__age_recipient_parse_any("{\"kty\":\"RSA\",\"n\":\"x\",\"e\":\"AQAB\"}", &r2),
	                 BATON_EUNIMPLEMENTED);
	assert_int_equal(baton__age_recipient_parse_any(
	                         "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\","
	                         "\"d\":\"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A\"}", &r2),
	                 BATON_EINVALID);
	/* y = 2 is not on the curve */
	assert_int_equal(baton__age_recipient_parse_any(
	                         "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"AgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}", &r2),
	                 BATON_EINVALID);
	assert_int_equal(baton__age_recipient_parse_any("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"short\"}", &r2),
	                 BATON_EINVALID);
	assert_int_equal(baton__age_recipient_parse_any("{not json", &r2), BATON_EINVALID);
}

static void test_bech32(void **state)
{
	(void)state;
	/* BIP 173 valid test vector */
	char hrp[16];
	uint8_t data[64];
	size_t n;
	assert_int_equal(baton__bech32_decode("A12UEL5L", hrp, sizeof(hrp), data, sizeof(data), &n), 0);
	assert_string_equal(hrp, "a");
	assert_int_equal(n, 0);
	assert_int_equal(baton__bech32_decode("a12uel5l", hrp, sizeof(hrp), data, sizeof(data), &n), 0);
	assert_int_equal(baton__bech32_decode("A12uEL5L", hrp, sizeof(hrp), data, sizeof(data), &n), BATON_EINVALID);
	assert_int_equal(baton__bech32_decode("a12uel5m", hrp, sizeof(hrp), data, sizeof(data), &n), BATON_EINVALID);
	char out[128];
	const uint8_t bytes[5] = {1, 2, 3, 4, 5};
	assert_int_equal(baton__bech32_encode("test", bytes, 5, false, out, sizeof(out)), 0);
	assert_int_equal(baton__bech32_decode(out, hrp, sizeof(hrp), data, sizeof(data), &n), 0);
	assert_int_equal(n, 5);
	assert_memory_equal(data, bytes, 5);
	assert_int_equal(baton__bech32_encode("test", bytes, 5, false, out, 10), BATON_EINVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_sizes),
		cmocka_unit_test(test_known_answer_from_go),
		cmocka_unit_test(test_tampered_mac_rejected),
		cmocka_unit_test(test_tampered_header_rejected),
		cmocka_unit_test(test_tampered_payload_rejected),
		cmocka_unit_test(test_wrong_identity),
		cmocka_unit_test(test_armor),
		cmocka_unit_test(test_recipient_strings),
		cmocka_unit_test(test_jwk_ssh_pem_recipients),
		cmocka_unit_test(test_bech32),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
