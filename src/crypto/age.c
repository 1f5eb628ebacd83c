/*
 * The age v1 file format on libcrypto: X25519 and ssh-ed25519 recipient stanzas, the header MAC,
 * the chunked ChaCha20-Poly1305 payload, the ASCII armor, and X25519 decryption.
 */
#define _DEFAULT_SOURCE 1 /* explicit_bzero */
#include "crypto/crypto.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "core/error.h"

#define AGE_INTRO "age-encryption.org/v1"
#define X25519_LABEL "age-encryption.org/v1/X25519"
#define ED25519_LABEL "age-encryption.org/v1/ssh-ed25519"
#define ARMOR_BEGIN "-----BEGIN AGE ENCRYPTED FILE-----"
#define ARMOR_END "-----END AGE ENCRYPTED FILE-----"
#define FILE_KEY_SIZE 16
#define NONCE_SIZE 16
#define TAG_SIZE 16
#define CHUNK_SIZE 65536
#define MAX_STANZAS 64
#define MAX_BODY 4096
#define MAX_ARGS 8

void baton__wipe(void *p, size_t n)
{
	if (p && n)
		explicit_bzero(p, n);
}

void baton__wipe_free(void *p, size_t n)
{
	baton__wipe(p, n);
	free(p);
}

/* ------------------------------------------------------------------------------------------ */
/* A growable byte buffer                                                                      */

typedef struct buf {
	uint8_t *p;
	size_t len, cap;
	bool oom;
} buf;

static void put(buf *b, const void *data, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		uint8_t *q = malloc(cap);
		if (!q) {
			b->oom = true;
			return;
		}
		if (b->len)
			memcpy(q, b->p, b->len);
		/* the old block may hold secret text (armor of a plaintext, decrypted chunks) */
		baton__wipe_free(b->p, b->cap);
		b->p = q;
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = 0;
}

static void puts_(buf *b, const char *s)
{
	put(b, s, strlen(s));
}

static void buf_free(buf *b)
{
	baton__wipe_free(b->p, b->cap);
	memset(b, 0, sizeof(*b));
}

/* ------------------------------------------------------------------------------------------ */
/* Base64                                                                                      */

static const char b64_std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64_url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Encodes into out (room for 4*ceil(n/3)+1), with or without '=' padding; returns the length. */
static size_t b64_encode(const char *alpha, const uint8_t *in, size_t n, bool pad, char *out)
{
	size_t o = 0, i = 0;
	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = alpha[v >> 18];
		out[o++] = alpha[(v >> 12) & 63];
		out[o++] = alpha[(v >> 6) & 63];
		out[o++] = alpha[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;
		out[o++] = alpha[v >> 18];
		out[o++] = alpha[(v >> 12) & 63];
		if (pad) {
			out[o++] = '=';
			out[o++] = '=';
		}
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = alpha[v >> 18];
		out[o++] = alpha[(v >> 12) & 63];
		out[o++] = alpha[(v >> 6) & 63];
		if (pad)
			out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

static int b64_val(const char *alpha, char c)
{
	const char *p = c ? strchr(alpha, c) : NULL;
	return p ? (int)(p - alpha) : -1;
}

/*
 * Strict decoding: the alphabet only, padding exactly when `pad` (and then required), the unused
 * low bits zero (canonical). out needs n*3/4 bytes. Returns the decoded length or -1.
 */
static long b64_decode(const char *alpha, const char *in, size_t n, bool pad, uint8_t *out)
{
	if (pad) {
		if (n % 4)
			return -1;
		if (n && in[n - 1] == '=')
			n--;
		if (n && in[n - 1] == '=')
			n--;
	}
	if (n % 4 == 1)
		return -1;
	size_t o = 0;
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < n; i++) {
		int v = b64_val(alpha, in[i]);
		if (v < 0)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	if (bits && (acc & ((1u << bits) - 1)))
		return -1;
	return (long)o;
}

/* ------------------------------------------------------------------------------------------ */
/* Primitives                                                                                  */

static int crypto_fail(const char *what)
{
	return baton_error_set(BATON_EINTERNAL, "crypto: %s failed", what);
}

static int hkdf_sha256(const uint8_t *ikm, size_t ikm_len, const uint8_t *salt, size_t salt_len,
                       const char *info, uint8_t *out, size_t out_len)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	EVP_KDF_free(kdf);
	if (!kctx)
		return crypto_fail("HKDF");
	static const uint8_t empty[1] = {0};
	OSSL_PARAM params[5], *p = params;
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)(ikm_len ? ikm : empty), ikm_len);
	if (salt_len)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_len);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, strlen(info));
	*p = OSSL_PARAM_construct_end();
	int ok = EVP_KDF_derive(kctx, out, out_len, params) == 1;
	EVP_KDF_CTX_free(kctx);
	return ok ? 0 : crypto_fail("HKDF");
}

/* ChaCha20-Poly1305 with a 12-byte nonce; out gets n + 16 bytes (seal) or n - 16 (open). */
static int aead(bool seal, const uint8_t key[32], const uint8_t nonce[12], const uint8_t *in, size_t n,
                uint8_t *out)
{
	if (!seal && n < TAG_SIZE)
		return BATON_EDATALOSS;
	size_t body = seal ? n : n - TAG_SIZE;
	if (body > INT32_MAX)
		return baton_error_set(BATON_EINVALID, "crypto: chunk too large");
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	if (!c)
		return crypto_fail("cipher context");
	int len = 0, ok = EVP_CipherInit_ex(c, EVP_chacha20_poly1305(), NULL, NULL, NULL, seal ? 1 : 0) == 1 &&
	                  EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) == 1 &&
	                  EVP_CipherInit_ex(c, NULL, NULL, key, nonce, seal ? 1 : 0) == 1;
	if (ok && !seal)
		ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, TAG_SIZE, (void *)(in + body)) == 1;
	if (ok && body)
		ok = EVP_CipherUpdate(c, out, &len, in, (int)body) == 1;
	int fin = 0;
	int final_ok = ok && EVP_CipherFinal_ex(c, out + len, &fin) == 1;
	if (final_ok && seal)
		final_ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, TAG_SIZE, out + body) == 1;
	EVP_CIPHER_CTX_free(c);
	if (!ok)
		return crypto_fail("ChaCha20-Poly1305");
	if (!final_ok) {
		if (!seal)
			baton__wipe(out, body);
		return seal ? crypto_fail("ChaCha20-Poly1305") : BATON_EDATALOSS;
	}
	return 0;
}

/* X25519(scalar, point) into out; fails on an all-zero result (a low-order point). */
static int x25519(const uint8_t scalar[32], const uint8_t point[32], uint8_t out[32])
{
	EVP_PKEY *sk = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, scalar, 32);
	EVP_PKEY *pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, point, 32);
	EVP_PKEY_CTX *c = sk && pk ? EVP_PKEY_CTX_new(sk, NULL) : NULL;
	size_t len = 32;
	int ok = c && EVP_PKEY_derive_init(c) == 1 && EVP_PKEY_derive_set_peer(c, pk) == 1 &&
	         EVP_PKEY_derive(c, out, &len) == 1 && len == 32;
	EVP_PKEY_CTX_free(c);
	EVP_PKEY_free(sk);
	EVP_PKEY_free(pk);
	if (ok) {
		uint8_t acc = 0;
		for (int i = 0; i < 32; i++)
			acc |= out[i];
		ok = acc != 0;
	}
	if (!ok) {
		baton__wipe(out, 32);
		return baton_error_set(BATON_EINVALID, "crypto: X25519 failed (invalid or low-order public key)");
	}
	return 0;
}

static int x25519_base(const uint8_t scalar[32], uint8_t out[32])
{
	EVP_PKEY *sk = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, scalar, 32);
	size_t len = 32;
	int ok = sk && EVP_PKEY_get_raw_public_key(sk, out, &len) == 1 && len == 32;
	EVP_PKEY_free(sk);
	return ok ? 0 : crypto_fail("X25519 key");
}

static int random_bytes(uint8_t *p, size_t n)
{
	return RAND_bytes(p, (int)n) == 1 ? 0 : crypto_fail("random bytes");
}

static bool is_space_c(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* ------------------------------------------------------------------------------------------ */
/* Recipients and identities                                                                   */

int baton__age_parse_recipient(const char *s, baton__age_recipient *out)
{
	memset(out, 0, sizeof(*out));
	if (!s || !*s)
		return baton_error_set(BATON_EINVALID, "age recipient: empty");
	char hrp[8];
	uint8_t data[40];
	size_t n = 0;
	for (const char *p = s; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			return baton_error_set(BATON_EINVALID, "age recipient: must be lowercase (age1...)");
	if (strlen(s) > 100 || baton__bech32_decode(s, hrp, sizeof(hrp), data, sizeof(data), &n))
		return baton_error_set(BATON_EINVALID, "age recipient: not a valid age1... X25519 recipient");
	if (strcmp(hrp, "age") || n != 32)
		return baton_error_set(BATON_EINVALID, "age recipient: not an X25519 recipient (want age1...)");
	out->kind = BATON__AGE_X25519;
	memcpy(out->pub, data, 32);
	return 0;
}

int baton__age_recipient_format(const uint8_t pub[BATON__AGE_KEY_SIZE], char out[BATON__AGE_RECIPIENT_STRLEN])
{
	return baton__bech32_encode("age", pub, 32, false, out, BATON__AGE_RECIPIENT_STRLEN);
}

int baton__age_identity_generate(baton__age_identity *id)
{
	int rc = random_bytes(id->secret, 32);
	if (!rc)
		rc = x25519_base(id->secret, id->pub);
	if (rc)
		baton__wipe(id, sizeof(*id));
	return rc;
}

int baton__age_identity_parse(const char *s, baton__age_identity *id)
{
	char hrp[24];
	uint8_t data[40];
	size_t n = 0;
	memset(id, 0, sizeof(*id));
	int rc = 0;
	if (!s || strlen(s) > 120 || baton__bech32_decode(s, hrp, sizeof(hrp), data, sizeof(data), &n) ||
	    strcmp(hrp, "age-secret-key-") || n != 32)
		rc = baton_error_set(BATON_EINVALID, "age identity: not a valid AGE-SECRET-KEY-1... string");
	if (!rc) {
		memcpy(id->secret, data, 32);
		rc = x25519_base(id->secret, id->pub);
	}
	baton__wipe(data, sizeof(data));
	if (rc)
		baton__wipe(id, sizeof(*id));
	return rc;
}

int baton__age_identity_format(const baton__age_identity *id, char out[BATON__AGE_IDENTITY_STRLEN])
{
	return baton__bech32_encode("AGE-SECRET-KEY-", id->secret, 32, true, out, BATON__AGE_IDENTITY_STRLEN);
}

/* y (little endian, sign bit cleared) of an Edwards point -> u = (1 + y) / (1 - y) mod p, after
 * checking that the point decompresses (x^2 = (y^2 - 1) / (d y^2 + 1) has a root). */
static int ed25519_to_x25519(const uint8_t ed[32], uint8_t u_out[32])
{
	uint8_t be[32];
	for (int i = 0; i < 32; i++)
		be[i] = ed[31 - i];
	be[0] &= 0x7f;
	BN_CTX *bc = BN_CTX_new();
	BIGNUM *p = BN_new(), *y = BN_new(), *one = BN_new(), *num = BN_new(), *den = BN_new(),
	       *u = BN_new(), *d = BN_new(), *t = BN_new(), *y2 = BN_new();
	int rc = 0;
	if (!bc || !p || !y || !one || !num || !den || !u || !d || !t || !y2) {
		rc = crypto_fail("big numbers");
		goto done;
	}
	/* p = 2^255 - 19 */
	if (!BN_set_bit(p, 255) || !BN_sub_word(p, 19) || !BN_bin2bn(be, 32, y) || !BN_one(one)) {
		rc = crypto_fail("big numbers");
		goto done;
	}
	if (BN_cmp(y, p) >= 0 || BN_is_one(y)) {
		rc = baton_error_set(BATON_EINVALID, "Ed25519 key: not a valid public key");
		goto done;
	}
	/* d = -121665 / 121666 */
	if (!BN_set_word(t, 121666) || !BN_mod_inverse(d, t, p, bc) || !BN_set_word(t, 121665) ||
	    !BN_mod_mul(d, d, t, p, bc) || !BN_mod_sub(d, p, d, p, bc)) {
		rc = crypto_fail("big numbers");
		goto done;
	}
	/* x^2 = (y^2 - 1) / (d y^2 + 1) must be a square */
	if (!BN_mod_sqr(y2, y, p, bc) || !BN_mod_sub(num, y2, one, p, bc) || !BN_mod_mul(den, d, y2, p, bc) ||
	    !BN_mod_add(den, den, one, p, bc) || !BN_mod_inverse(t, den, p, bc) || !BN_mod_mul(t, num, t, p, bc)) {
		rc = crypto_fail("big numbers");
		goto done;
	}
	if (!BN_is_zero(t)) {
		ERR_set_mark();
		BIGNUM *r = BN_mod_sqrt(NULL, t, p, bc);
		ERR_pop_to_mark();
		if (!r) {
			rc = baton_error_set(BATON_EINVALID, "Ed25519 key: not a point on the curve");
			goto done;
		}
		BN_free(r);
	}
	if (!BN_mod_add(num, one, y, p, bc) || !BN_mod_sub(den, one, y, p, bc) || !BN_mod_inverse(t, den, p, bc) ||
	    !BN_mod_mul(u, num, t, p, bc) || BN_bn2binpad(u, be, 32) != 32) {
		rc = crypto_fail("big numbers");
		goto done;
	}
	for (int i = 0; i < 32; i++)
		u_out[i] = be[31 - i];
done:
	BN_free(p), BN_free(y), BN_free(one), BN_free(num), BN_free(den), BN_free(u), BN_free(d), BN_free(t),
	BN_free(y2);
	BN_CTX_free(bc);
	return rc;
}

int baton__jwk_ed25519_thumbprint(const uint8_t pub[32], char out[65])
{
	char x[48];
	char json[128];
	b64_encode(b64_url, pub, 32, false, x);
	int n = snprintf(json, sizeof(json), "{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"%s\"}", x);
	uint8_t h[32];
	SHA256((const unsigned char *)json, (size_t)n, h);
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
	return 0;
}

int baton__age_recipient_from_ed25519(const uint8_t ed[32], baton__age_recipient *out)
{
	memset(out, 0, sizeof(*out));
	int rc = ed25519_to_x25519(ed, out->pub);
	if (rc)
		return rc;
	static const uint8_t hdr[15] = {0, 0, 0, 11, 's', 's', 'h', '-', 'e', 'd', '2', '5', '5', '1', '9'};
	memcpy(out->ssh_key, hdr, sizeof(hdr));
	out->ssh_key[18] = 32;
	memcpy(out->ssh_key + 19, ed, 32);
	out->kind = BATON__AGE_SSH_ED25519;
	return 0;
}

int baton__age_recipient_from_jwk(const char *text, baton__age_recipient *out)
{
	memset(out, 0, sizeof(*out));
	json_error_t jerr;
	json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	if (!j || !json_is_object(j)) {
		json_decref(j);
		return baton_error_set(BATON_EINVALID, "JWK: not a JSON object");
	}
	const char *kty = json_string_value(json_object_get(j, "kty"));
	const char *crv = json_string_value(json_object_get(j, "crv"));
	const char *x = json_string_value(json_object_get(j, "x"));
	uint8_t ed[33];
	int rc = 0;
	if (!kty || strcmp(kty, "OKP") || !crv || strcmp(crv, "Ed25519"))
		rc = baton_error_set(BATON_EUNIMPLEMENTED, "JWK: only Ed25519 public keys (kty OKP, crv Ed25519) "
		                     "are supported, got kty %s", kty ? kty : "(none)");
	else if (json_object_get(j, "d"))
		rc = baton_error_set(BATON_EINVALID, "JWK: this is a private key; give the public key only");
	else if (!x || strlen(x) != 43 || b64_decode(b64_url, x, 43, false, ed) != 32)
		rc = baton_error_set(BATON_EINVALID, "JWK: x must be 32 bytes of unpadded base64url");
	else
		rc = baton__age_recipient_from_ed25519(ed, out);
	json_decref(j);
	return rc;
}

/* "ssh-ed25519 AAAA... [comment]" */
static int recipient_from_ssh(const char *s, baton__age_recipient *out)
{
	const char *b = s + strlen("ssh-ed25519 ");
	size_t len = strcspn(b, " \t\r\n");
	uint8_t wire[80];
	if (len != 68 || b64_decode(b64_std, b, len, true, wire) != BATON__SSH_ED25519_WIRE_SIZE ||
	    memcmp(wire, "\0\0\0\x0bssh-ed25519\0\0\0\x20", 19))
		return baton_error_set(BATON_EINVALID, "ssh key: not a valid ssh-ed25519 public key");
	return baton__age_recipient_from_ed25519(wire + 19, out);
}

/* A PEM SubjectPublicKeyInfo holding an Ed25519 or X25519 key. */
static int recipient_from_pem(const char *s, baton__age_recipient *out)
{
	BIO *bio = BIO_new_mem_buf(s, -1);
	EVP_PKEY *k = bio ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;
	BIO_free(bio);
	ERR_clear_error();
	if (!k)
		return baton_error_set(BATON_EINVALID, "PEM: not a public key (BEGIN PUBLIC KEY)");
	uint8_t raw[32];
	size_t len = sizeof(raw);
	int id = EVP_PKEY_get_base_id(k), rc;
	if ((id != EVP_PKEY_ED25519 && id != EVP_PKEY_X25519) || EVP_PKEY_get_raw_public_key(k, raw, &len) != 1 ||
	    len != 32) {
		rc = baton_error_set(BATON_EUNIMPLEMENTED, "PEM: only Ed25519 and X25519 public keys are supported");
	} else if (id == EVP_PKEY_ED25519) {
		rc = baton__age_recipient_from_ed25519(raw, out);
	} else {
		memset(out, 0, sizeof(*out));
		out->kind = BATON__AGE_X25519;
		memcpy(out->pub, raw, 32);
		rc = 0;
	}
	EVP_PKEY_free(k);
	return rc;
}

int baton__age_recipient_parse_any(const char *s, baton__age_recipient *out)
{
	memset(out, 0, sizeof(*out));
	while (s && is_space_c(*s))
		s++;
	if (!s || !*s)
		return baton_error_set(BATON_EINVALID, "no recipient given");
	if (*s == '{')
		return baton__age_recipient_from_jwk(s, out);
	if (!strncmp(s, "ssh-ed25519 ", 12))
		return recipient_from_ssh(s, out);
	if (!strncmp(s, "-----BEGIN", 10))
		return recipient_from_pem(s, out);
	if (!strncmp(s, "age1", 4)) {
		char tmp[128];
		size_t len = strcspn(s, " \t\r\n");
		if (len >= sizeof(tmp) || s[len + strspn(s + len, " \t\r\n")] != '\0')
			return baton_error_set(BATON_EINVALID, "age recipient: not a valid age1... X25519 recipient");
		memcpy(tmp, s, len);
		tmp[len] = '\0';
		return baton__age_parse_recipient(tmp, out);
	}
	return baton_error_set(BATON_EINVALID, "not an age recipient (age1...), an ssh-ed25519 public key, an "
	                       "Ed25519 JWK or a PEM public key");
}

int baton__age_recipient_key_id(const baton__age_recipient *r, char out[65])
{
	uint8_t h[32];
	if (r->kind == BATON__AGE_SSH_ED25519)
		return baton__jwk_ed25519_thumbprint(r->ssh_key + 19, out);
	char s[BATON__AGE_RECIPIENT_STRLEN];
	int rc = baton__age_recipient_format(r->pub, s);
	if (rc)
		return rc;
	SHA256((const unsigned char *)s, strlen(s), h);
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Encryption                                                                                  */

/* A stanza body: base64 without padding in lines of 64; the last line is shorter (maybe empty). */
static void put_body(buf *b, const uint8_t *body, size_t n)
{
	char enc[MAX_BODY * 2];
	size_t len = b64_encode(b64_std, body, n, false, enc);
	size_t i = 0;
	for (; len - i >= 64; i += 64) {
		put(b, enc + i, 64);
		put(b, "\n", 1);
	}
	put(b, enc + i, len - i);
	put(b, "\n", 1);
}

static int wrap_stanza(const baton__age_recipient *r, const uint8_t file_key[FILE_KEY_SIZE], buf *hdr)
{
	uint8_t eph[32], share[32], shared[32], tweak[32], salt[64], wrap[32], body[FILE_KEY_SIZE + TAG_SIZE];
	static const uint8_t zero_nonce[12] = {0};
	const char *label = r->kind == BATON__AGE_SSH_ED25519 ? ED25519_LABEL : X25519_LABEL;
	int rc = random_bytes(eph, 32);
	if (!rc)
		rc = x25519_base(eph, share);
	if (!rc)
		rc = x25519(eph, r->pub, shared);
	if (!rc && r->kind == BATON__AGE_SSH_ED25519) {
		uint8_t t[32];
		rc = hkdf_sha256(NULL, 0, r->ssh_key, sizeof(r->ssh_key), ED25519_LABEL, tweak, 32);
		if (!rc)
			rc = x25519(tweak, shared, t);
		memcpy(shared, t, 32);
		baton__wipe(t, sizeof(t));
	}
	if (!rc) {
		memcpy(salt, share, 32);
		memcpy(salt + 32, r->pub, 32);
		rc = hkdf_sha256(shared, 32, salt, 64, label, wrap, 32);
	}
	if (!rc)
		rc = aead(true, wrap, zero_nonce, file_key, FILE_KEY_SIZE, body);
	if (!rc) {
		char a[48];
		b64_encode(b64_std, share, 32, false, a);
		if (r->kind == BATON__AGE_SSH_ED25519) {
			uint8_t h[32];
			char tag[16];
			SHA256(r->ssh_key, sizeof(r->ssh_key), h);
			b64_encode(b64_std, h, 4, false, tag);
			puts_(hdr, "-> ssh-ed25519 ");
			puts_(hdr, tag);
			puts_(hdr, " ");
		} else {
			puts_(hdr, "-> X25519 ");
		}
		puts_(hdr, a);
		puts_(hdr, "\n");
		put_body(hdr, body, sizeof(body));
	}
	baton__wipe(eph, sizeof(eph));
	baton__wipe(shared, sizeof(shared));
	baton__wipe(tweak, sizeof(tweak));
	baton__wipe(wrap, sizeof(wrap));
	return rc;
}

static int header_mac(const uint8_t file_key[FILE_KEY_SIZE], const uint8_t *hdr, size_t n, uint8_t mac[32])
{
	uint8_t k[32];
	int rc = hkdf_sha256(file_key, FILE_KEY_SIZE, NULL, 0, "header", k, 32);
	unsigned int len = 32;
	if (!rc && (!HMAC(EVP_sha256(), k, 32, hdr, n, mac, &len) || len != 32))
		rc = crypto_fail("HMAC");
	baton__wipe(k, sizeof(k));
	return rc;
}

static void chunk_nonce(uint8_t nonce[12], uint64_t counter, bool last)
{
	memset(nonce, 0, 12);
	for (int i = 0; i < 8; i++)
		nonce[10 - i] = (uint8_t)(counter >> (8 * i));
	nonce[11] = last ? 1 : 0;
}

int baton__age_encrypt(const baton__age_recipient *r, const uint8_t *pt, size_t n, uint8_t **out,
                       size_t *out_len)
{
	*out = NULL;
	*out_len = 0;
	if (!r || (r->kind != BATON__AGE_X25519 && r->kind != BATON__AGE_SSH_ED25519))
		return baton_error_set(BATON_EINVALID, "age: no recipient");
	if (!pt && n)
		return baton_error_set(BATON_EINVALID, "age: no plaintext");
	uint8_t file_key[FILE_KEY_SIZE], nonce[NONCE_SIZE], mac[32], pkey[32];
	buf b = {0};
	int rc = random_bytes(file_key, sizeof(file_key));
	if (!rc)
		rc = random_bytes(nonce, sizeof(nonce));
	if (!rc) {
		puts_(&b, AGE_INTRO "\n");
		rc = wrap_stanza(r, file_key, &b);
	}
	if (!rc) {
		puts_(&b, "---");
		rc = b.oom ? baton__error_oom("age header") : header_mac(file_key, b.p, b.len, mac);
	}
	if (!rc) {
		char m[48];
		b64_encode(b64_std, mac, 32, false, m);
		puts_(&b, " ");
		puts_(&b, m);
		puts_(&b, "\n");
		put(&b, nonce, sizeof(nonce));
		rc = hkdf_sha256(file_key, FILE_KEY_SIZE, nonce, NONCE_SIZE, "payload", pkey, 32);
	}
	uint8_t *chunk = NULL;
	if (!rc && !(chunk = malloc(CHUNK_SIZE + TAG_SIZE)))
		rc = baton__error_oom("age chunk");
	for (uint64_t i = 0, off = 0; !rc; i++) {
		size_t len = n - off > CHUNK_SIZE ? CHUNK_SIZE : n - off;
		bool last = off + len == n;
		uint8_t cn[12];
		chunk_nonce(cn, i, last);
		if ((rc = aead(true, pkey, cn, pt ? pt + off : NULL, len, chunk)))
			break;
		put(&b, chunk, len + TAG_SIZE);
		off += len;
		if (last)
			break;
	}
	free(chunk);
	if (!rc && b.oom)
		rc = baton__error_oom("age file");
	baton__wipe(file_key, sizeof(file_key));
	baton__wipe(pkey, sizeof(pkey));
	if (rc) {
		buf_free(&b);
		return rc;
	}
	*out = b.p;
	*out_len = b.len;
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Armor                                                                                       */

int baton__age_armor(const uint8_t *in, size_t n, char **out)
{
	*out = NULL;
	buf b = {0};
	char line[72];
	puts_(&b, ARMOR_BEGIN "\n");
	for (size_t i = 0; i < n; i += 48) {
		size_t len = b64_encode(b64_std, in + i, n - i > 48 ? 48 : n - i, true, line);
		put(&b, line, len);
		put(&b, "\n", 1);
	}
	puts_(&b, ARMOR_END "\n");
	if (b.oom) {
		buf_free(&b);
		return baton__error_oom("age armor");
	}
	*out = (char *)b.p;
	return 0;
}

int baton__age_dearmor(const char *in, size_t n, uint8_t **out, size_t *out_len)
{
	*out = NULL;
	*out_len = 0;
	size_t i = 0;
	while (i < n && is_space_c(in[i]))
		i++;
	while (n > i && is_space_c(in[n - 1]))
		n--;
	size_t bl = strlen(ARMOR_BEGIN), el = strlen(ARMOR_END);
	if (n - i < bl + el + 1 || memcmp(in + i, ARMOR_BEGIN, bl) || memcmp(in + n - el, ARMOR_END, el))
		return baton_error_set(BATON_EINVALID, "age armor: missing BEGIN or END line");
	i += bl;
	size_t end = n - el;
	uint8_t *data = malloc((end - i) / 4 * 3 + 3);
	if (!data)
		return baton__error_oom("age armor");
	size_t o = 0;
	bool short_seen = false;
	if (i < end && in[i] == '\r')
		i++;
	if (i >= end || in[i] != '\n')
		goto bad;
	i++;
	while (i < end) {
		const char *nl = memchr(in + i, '\n', end - i);
		if (!nl)
			goto bad;
		size_t len = (size_t)(nl - (in + i));
		if (len && in[i + len - 1] == '\r')
			len--;
		if (len == 0 || len > 64 || short_seen)
			goto bad;
		long d = b64_decode(b64_std, in + i, len, true, data + o);
		if (d < 0)
			goto bad;
		/* only the last line may be shorter or padded */
		if (len < 64 || d != 48)
			short_seen = true;
		o += (size_t)d;
		i = (size_t)(nl - in) + 1;
	}
	*out = data;
	*out_len = o;
	return 0;
bad:
	free(data);
	return baton_error_set(BATON_EINVALID, "age armor: malformed base64 lines");
}

/* ------------------------------------------------------------------------------------------ */
/* Decryption                                                                                  */

typedef struct stanza {
	char *args[MAX_ARGS];
	size_t n_args;
	uint8_t body[MAX_BODY];
	size_t body_len;
} stanza;

/* The next line from *pos (without its '\n'); -1 when there is no complete line. */
static long next_line(const uint8_t *in, size_t n, size_t *pos, const char **line)
{
	const uint8_t *nl = *pos < n ? memchr(in + *pos, '\n', n - *pos) : NULL;
	if (!nl)
		return -1;
	*line = (const char *)in + *pos;
	long len = (long)(nl - (in + *pos));
	*pos += (size_t)len + 1;
	return len;
}

static int bad_header(const char *why)
{
	return baton_error_set(BATON_EINVALID, "age: malformed header: %s", why);
}

/* Parses the header; *mac_end is the length of the MAC'd part, mac the MAC. */
static int parse_header(const uint8_t *in, size_t n, stanza *st, size_t *n_st, char *argbuf, size_t argcap,
                        size_t *hdr_end, size_t *mac_end, uint8_t mac[32])
{
	size_t pos = 0, ab = 0;
	const char *line;
	long len = next_line(in, n, &pos, &line);
	if (len != (long)strlen(AGE_INTRO) || memcmp(line, AGE_INTRO, (size_t)len))
		return baton_error_set(BATON_EINVALID, "age: not an age v1 file");
	*n_st = 0;
	for (;;) {
		size_t start = pos;
		len = next_line(in, n, &pos, &line);
		if (len < 0)
			return bad_header("truncated");
		if (len >= 3 && !memcmp(line, "---", 3)) {
			*mac_end = start + 3;
			if (len != 3 + 1 + 43 || line[3] != ' ' || b64_decode(b64_std, line + 4, 43, false, mac) != 32)
				return bad_header("bad MAC line");
			*hdr_end = pos;
			return *n_st ? 0 : bad_header("no recipient stanzas");
		}
		if (len < 3 || memcmp(line, "-> ", 3))
			return bad_header("expected a stanza or the MAC line");
		if (*n_st == MAX_STANZAS)
			return bad_header("too many stanzas");
		stanza *s = &st[(*n_st)++];
		s->n_args = 0;
		s->body_len = 0;
		/* arguments: non-empty, separated by one space, VCHAR only */
		size_t i = 3;
		while (i <= (size_t)len) {
			size_t j = i;
			while (j < (size_t)len && line[j] != ' ')
				j++;
			if (j == i || s->n_args == MAX_ARGS || ab + (j - i) + 1 > argcap)
				return bad_header("bad stanza arguments");
			for (size_t k = i; k < j; k++)
				if ((unsigned char)line[k] < 33 || (unsigned char)line[k] > 126)
					return bad_header("bad character in a stanza argument");
			memcpy(argbuf + ab, line + i, j - i);
			argbuf[ab + (j - i)] = '\0';
			s->args[s->n_args++] = argbuf + ab;
			ab += j - i + 1;
			i = j + 1;
		}
		/* body lines: full lines of 64 characters, then a shorter one */
		for (;;) {
			len = next_line(in, n, &pos, &line);
			if (len < 0 || len > 64)
				return bad_header("bad stanza body");
			if (s->body_len + 48 > MAX_BODY)
				return bad_header("stanza body too long");
			long d = b64_decode(b64_std, line, (size_t)len, false, s->body + s->body_len);
			if (d < 0)
				return bad_header("bad base64 in a stanza body");
			s->body_len += (size_t)d;
			if (len < 64)
				break;
		}
	}
}

static int unwrap_x25519(const baton__age_identity *id, const stanza *s, uint8_t file_key[FILE_KEY_SIZE],
                         bool *matched)
{
	*matched = false;
	if (s->n_args != 1 || strlen(s->args[0]) != 43)
		return bad_header("bad X25519 stanza");
	uint8_t share[33], shared[32], salt[64], wrap[32];
	static const uint8_t zero_nonce[12] = {0};
	if (b64_decode(b64_std, s->args[0], 43, false, share) != 32 || s->body_len != FILE_KEY_SIZE + TAG_SIZE)
		return bad_header("bad X25519 stanza");
	int rc = x25519(id->secret, share, shared);
	if (rc)
		return rc;
	memcpy(salt, share, 32);
	memcpy(salt + 32, id->pub, 32);
	rc = hkdf_sha256(shared, 32, salt, 64, X25519_LABEL, wrap, 32);
	if (!rc) {
		int a = aead(false, wrap, zero_nonce, s->body, s->body_len, file_key);
		if (a == 0)
			*matched = true;
		else if (a != BATON_EDATALOSS)
			rc = a;
	}
	baton__wipe(shared, sizeof(shared));
	baton__wipe(wrap, sizeof(wrap));
	return rc;
}

int baton__age_decrypt(const baton__age_identity *id, const uint8_t *in, size_t n, uint8_t **pt,
                       size_t *pt_len)
{
	*pt = NULL;
	*pt_len = 0;
	stanza *st = calloc(MAX_STANZAS, sizeof(*st));
	char *argbuf = malloc(8192);
	if (!st || !argbuf) {
		free(st);
		free(argbuf);
		return baton__error_oom("age header");
	}
	size_t n_st = 0, hdr_end = 0, mac_end = 0;
	uint8_t mac[32], want[32], file_key[FILE_KEY_SIZE], pkey[32];
	bool found = false;
	buf b = {0};
	uint8_t *chunk = NULL;
	int rc = parse_header(in, n, st, &n_st, argbuf, 8192, &hdr_end, &mac_end, mac);
	for (size_t i = 0; !rc && !found && i < n_st; i++)
		if (!strcmp(st[i].args[0], "X25519")) {
			stanza s = st[i];
			/* drop the type: args[1..] are the stanza's own */
			memmove(s.args, s.args + 1, (s.n_args - 1) * sizeof(s.args[0]));
			s.n_args--;
			rc = unwrap_x25519(id, &s, file_key, &found);
		}
	if (!rc && !found)
		rc = baton_error_set(BATON_EPERM, "age: no identity matched any of the recipients");
	if (!rc)
		rc = header_mac(file_key, in, mac_end, want);
	if (!rc && CRYPTO_memcmp(mac, want, 32))
		rc = baton_error_set(BATON_EINVALID, "age: header MAC does not verify");
	if (!rc && n - hdr_end < NONCE_SIZE + TAG_SIZE)
		rc = baton_error_set(BATON_EDATALOSS, "age: payload truncated");
	if (!rc)
		rc = hkdf_sha256(file_key, FILE_KEY_SIZE, in + hdr_end, NONCE_SIZE, "payload", pkey, 32);
	if (!rc && !(chunk = malloc(CHUNK_SIZE)))
		rc = baton__error_oom("age chunk");
	size_t pos = hdr_end + NONCE_SIZE;
	for (uint64_t i = 0; !rc; i++) {
		size_t left = n - pos;
		bool last = left <= CHUNK_SIZE + TAG_SIZE;
		size_t len = last ? left : CHUNK_SIZE + TAG_SIZE;
		uint8_t cn[12];
		if (len < TAG_SIZE) {
			rc = baton_error_set(BATON_EDATALOSS, "age: payload truncated");
			break;
		}
		chunk_nonce(cn, i, last);
		if (aead(false, pkey, cn, in + pos, len, chunk)) {
			rc = baton_error_set(BATON_EDATALOSS, "age: payload chunk %llu does not authenticate",
			                     (unsigned long long)i);
			break;
		}
		if (last && len == TAG_SIZE && i > 0) {
			rc = baton_error_set(BATON_EDATALOSS, "age: empty final chunk");
			break;
		}
		put(&b, chunk, len - TAG_SIZE);
		pos += len;
		if (last)
			break;
	}
	if (chunk)
		baton__wipe_free(chunk, CHUNK_SIZE);
	if (!rc && b.oom)
		rc = baton__error_oom("age plaintext");
	if (!rc && !b.p)
		put(&b, "", 0);
	baton__wipe(file_key, sizeof(file_key));
	baton__wipe(pkey, sizeof(pkey));
	free(st);
	free(argbuf);
	if (rc) {
		buf_free(&b);
		return rc;
	}
	*pt = b.p;
	*pt_len = b.len;
	return 0;
}
