/*
 * Secrets for the caller: the age v1 file format (https://age-encryption.org/v1), on OpenSSL's
 * libcrypto, for the credentials that create-account and rotate-credentials produce.
 *
 *   age.c     recipients (X25519 "age1..." strings; Ed25519 JWKs as ssh-ed25519 recipients, the
 *             Go SDK's baton/jwk/v1 provider), encryption, the ASCII armor, and decryption with an
 *             X25519 identity (tests and tools)
 *   bech32.c  the Bech32 strings age keys are written in
 *
 * An age file: the header "age-encryption.org/v1", one stanza per recipient wrapping a random
 * 16-byte file key, and a MAC over the header keyed from the file key; then a 16-byte nonce and
 * the payload in 64 KiB ChaCha20-Poly1305 chunks keyed by HKDF-SHA256(file key, nonce).
 *
 * Every function returns 0 or a negative baton_error_code with baton_error_set(). Key material
 * and plaintexts that pass through here are wiped (baton__wipe) before their memory is released.
 */
#ifndef BATON_CRYPTO_CRYPTO_H
#define BATON_CRYPTO_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "baton/common.h"

#define BATON__AGE_KEY_SIZE 32
/* "age1" + 52 data characters + 6 checksum characters, and a NUL. */
#define BATON__AGE_RECIPIENT_STRLEN 63
/* "AGE-SECRET-KEY-1" + 52 + 6, and a NUL. */
#define BATON__AGE_IDENTITY_STRLEN 75
/* The ssh wire form of an Ed25519 key: string "ssh-ed25519", string key. */
#define BATON__SSH_ED25519_WIRE_SIZE 51

typedef enum baton__age_recipient_kind {
	BATON__AGE_X25519 = 1,       /* "-> X25519 <share>" */
	BATON__AGE_SSH_ED25519 = 2   /* "-> ssh-ed25519 <tag> <share>" */
} baton__age_recipient_kind;

typedef struct baton__age_recipient {
	baton__age_recipient_kind kind;
	uint8_t pub[BATON__AGE_KEY_SIZE];   /* X25519 public key (ssh-ed25519: the Montgomery form) */
	uint8_t ssh_key[BATON__SSH_ED25519_WIRE_SIZE]; /* ssh-ed25519 only */
} baton__age_recipient;

typedef struct baton__age_identity {
	uint8_t secret[BATON__AGE_KEY_SIZE];
	uint8_t pub[BATON__AGE_KEY_SIZE];
} baton__age_identity;

/* Overwrites n bytes at p with zeros in a way the compiler keeps. NULL is a no-op. */
void baton__wipe(void *p, size_t n);
/* Wipes then frees. */
void baton__wipe_free(void *p, size_t n);

/* ---- recipients and identities ---- */

/* Parses an X25519 recipient "age1..." (canonical lowercase Bech32, no surrounding spaces). */
int baton__age_parse_recipient(const char *s, baton__age_recipient *out);
/*
 * A recipient from a public JWK (JSON text): an Ed25519 key {"kty":"OKP","crv":"Ed25519","x":...}
 * becomes the ssh-ed25519 recipient of that key, as the Go SDK's jwk provider encrypts. Other key
 * types are BATON_EUNIMPLEMENTED; a malformed key BATON_EINVALID.
 */
int baton__age_recipient_from_jwk(const char *json, baton__age_recipient *out);
/* The ssh-ed25519 recipient of an Ed25519 public key (checked to be a point on the curve). */
int baton__age_recipient_from_ed25519(const uint8_t ed[32], baton__age_recipient *out);
/*
 * Any recipient a user may give, told apart by its start: "age1..." (X25519), "{" (an Ed25519
 * JWK), "ssh-ed25519 AAAA..." (an OpenSSH public key line), "-----BEGIN PUBLIC KEY-----" (a PEM
 * Ed25519 or X25519 key). Leading and trailing whitespace is ignored.
 */
int baton__age_recipient_parse_any(const char *s, baton__age_recipient *out);
/* An id for the recipient's key, for logs: for X25519 the hex SHA-256 of its age1 string (the Go
 * SDK's baton/age/v1 key id), for ssh-ed25519 the key's JWK thumbprint (baton/jwk/v1). */
int baton__age_recipient_key_id(const baton__age_recipient *r, char out[65]);
/* The RFC 7638 SHA-256 thumbprint of an Ed25519 public key as lowercase hex (65 bytes). */
int baton__jwk_ed25519_thumbprint(const uint8_t pub[32], char out[65]);

/* A fresh X25519 identity from the system CSPRNG. */
int baton__age_identity_generate(baton__age_identity *id);
/* "AGE-SECRET-KEY-1..." (any case) -> identity. */
int baton__age_identity_parse(const char *s, baton__age_identity *id);
/* The identity's secret string (uppercase) and its recipient string (lowercase). */
int baton__age_identity_format(const baton__age_identity *id, char out[BATON__AGE_IDENTITY_STRLEN]);
int baton__age_recipient_format(const uint8_t pub[BATON__AGE_KEY_SIZE], char out[BATON__AGE_RECIPIENT_STRLEN]);

/* ---- files ---- */

/* Encrypts n bytes to one recipient: *out (malloc, *out_len bytes) is a binary age file. */
int baton__age_encrypt(const baton__age_recipient *r, const uint8_t *pt, size_t n, uint8_t **out,
                       size_t *out_len);
/*
 * Decrypts a binary age file with an X25519 identity: *pt (malloc, with a NUL after the *pt_len
 * bytes) is the plaintext; the caller wipes it. A header that does not parse or whose MAC does
 * not verify, a stanza for nobody we know, or a payload chunk that does not authenticate are
 * BATON_EINVALID / BATON_EPERM ("no identity matched") / BATON_EDATALOSS.
 */
int baton__age_decrypt(const baton__age_identity *id, const uint8_t *in, size_t n, uint8_t **pt,
                       size_t *pt_len);

/* The age ASCII armor: "-----BEGIN AGE ENCRYPTED FILE-----", base64 lines of 64, the END line
 * and a newline. *out is malloc'ed text. */
int baton__age_armor(const uint8_t *in, size_t n, char **out);
/* Reverses baton__age_armor (leading and trailing whitespace allowed). */
int baton__age_dearmor(const char *in, size_t n, uint8_t **out, size_t *out_len);

/* ---- bech32.c ---- */

/* Encodes data as Bech32 (BIP 173 checksum, no length limit) with `hrp`; lowercase unless
 * `upper`. out_size includes the NUL. */
int baton__bech32_encode(const char *hrp, const uint8_t *data, size_t n, bool upper, char *out,
                         size_t out_size);
/* Decodes a Bech32 string (all lowercase or all uppercase); *hrp_out (lowercased, NUL-terminated,
 * at most hrp_size bytes) and the data bytes (at most data_size). */
int baton__bech32_decode(const char *s, char *hrp_out, size_t hrp_size, uint8_t *data, size_t data_size,
                         size_t *n);

#endif
