/*
 * Helper of e2e_service.sh for the secrets service mode encrypts:
 *   svc_agetool keygen IDFILE            writes an age identity to IDFILE, prints its age1 recipient
 *   svc_agetool jwkgen                   prints a public Ed25519 JWK and, on a second line, its
 *                                        RFC 7638 thumbprint (hex)
 *   svc_agetool decrypt IDFILE FINISH I  decrypts encryptedData[I] of a recorded FinishTask (protojson)
 *                                        and prints the plaintext
 *   svc_agetool dearmor IDFILE FILE      decrypts the armored age file(s) in FILE (the one-shots'
 *                                        stdout) and prints each plaintext on a line
 *   svc_agetool jwkfile FINISH I         checks encryptedData[I] is base64 text of an age file for an
 *                                        ssh-ed25519 recipient; prints its key id
 * Exit 0 on success, 1 with a message otherwise.
 */
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "service/service.h"

static int die(const char *m)
{
	fprintf(stderr, "svc_agetool: %s\n", m);
	return 1;
}

/* encryptedData[i] of the recorded FinishTask: its bytes (base64 in protojson) decoded. */
static json_t *entry(const char *path, int i, uint8_t **bytes, size_t *n)
{
	json_error_t e;
	json_t *f = json_load_file(path, 0, &e);
	json_t *resp = f ? json_object_get(json_object_get(f, "success"), "response") : NULL;
	json_t *ed = json_array_get(json_object_get(resp, "encryptedData"), (size_t)i);
	const char *b64 = json_string_value(json_object_get(ed, "encryptedBytes"));
	if (!b64) {
		json_decref(f);
		return NULL;
	}
	size_t len = strlen(b64);
	*bytes = malloc(len + 1);
	int got = EVP_DecodeBlock(*bytes, (const unsigned char *)b64, (int)len);
	if (got < 0) {
		free(*bytes);
		json_decref(f);
		return NULL;
	}
	/* EVP_DecodeBlock counts the padding as zero bytes */
	while (len && b64[len - 1] == '=') {
		got--;
		len--;
	}
	*n = (size_t)got;
	json_incref(ed);
	json_decref(f);
	return ed;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "keygen")) {
		baton__age_identity id;
		char s[BATON__AGE_IDENTITY_STRLEN], r[BATON__AGE_RECIPIENT_STRLEN];
		if (baton__age_identity_generate(&id) || baton__age_identity_format(&id, s) ||
		    baton__age_recipient_format(id.pub, r))
			return die("keygen failed");
		FILE *f = fopen(argv[2], "w");
		if (!f || fprintf(f, "%s\n", s) < 0 || fclose(f))
			return die("cannot write the identity");
		printf("%s\n", r);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "jwkgen")) {
		EVP_PKEY *pk = NULL;
		EVP_PKEY_CTX *kc = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
		uint8_t pub[32];
		size_t n = 32;
		if (!kc || EVP_PKEY_keygen_init(kc) != 1 || EVP_PKEY_keygen(kc, &pk) != 1 ||
		    EVP_PKEY_get_raw_public_key(pk, pub, &n) != 1)
			return die("jwkgen failed");
		EVP_PKEY_free(pk);
		EVP_PKEY_CTX_free(kc);
		char *x = NULL, tp[65];
		if (baton__svc_b64url_encode(pub, 32, &x) || baton__jwk_ed25519_thumbprint(pub, tp))
			return die("jwkgen failed");
		printf("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"%s\"}\n%s\n", x, tp);
		free(x);
		return 0;
	}
	if (argc == 5 && !strcmp(argv[1], "decrypt")) {
		char line[256];
		FILE *f = fopen(argv[2], "r");
		if (!f || !fgets(line, sizeof(line), f))
			return die("cannot read the identity");
		fclose(f);
		line[strcspn(line, "\n")] = '\0';
		baton__age_identity id;
		if (baton__age_identity_parse(line, &id))
			return die("bad identity");
		uint8_t *ct = NULL, *pt = NULL;
		size_t n = 0, pn = 0;
		json_t *ed = entry(argv[3], atoi(argv[4]), &ct, &n);
		if (!ed)
			return die("no such encrypted data");
		if (strcmp(json_string_value(json_object_get(ed, "provider")), "baton/age/v1"))
			return die("not baton/age/v1");
		if (baton__age_decrypt(&id, ct, n, &pt, &pn))
			return die("decryption failed");
		fwrite(pt, 1, pn, stdout);
		putchar('\n');
		free(pt);
		free(ct);
		json_decref(ed);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "dearmor")) {
		char line[256];
		FILE *f = fopen(argv[2], "r");
		if (!f || !fgets(line, sizeof(line), f))
			return die("cannot read the identity");
		fclose(f);
		line[strcspn(line, "\n")] = '\0';
		baton__age_identity id;
		if (baton__age_identity_parse(line, &id))
			return die("bad identity");
		FILE *in = fopen(argv[3], "r");
		if (!in)
			return die("cannot read the armored file");
		static char text[1 << 16];
		size_t tn = fread(text, 1, sizeof(text) - 1, in);
		fclose(in);
		text[tn] = '\0';
		const char *end_line = "-----END AGE ENCRYPTED FILE-----";
		int found = 0;
		for (char *p = strstr(text, "-----BEGIN AGE ENCRYPTED FILE-----"); p;
		     p = strstr(p, "-----BEGIN AGE ENCRYPTED FILE-----")) {
			char *e = strstr(p, end_line);
			if (!e)
				return die("an armored file has no END line");
			e += strlen(end_line);
			uint8_t *ct = NULL, *pt = NULL;
			size_t n = 0, pn = 0;
			if (baton__age_dearmor(p, (size_t)(e - p), &ct, &n))
				return die("bad armor");
			if (baton__age_decrypt(&id, ct, n, &pt, &pn))
				return die("decryption failed");
			fwrite(pt, 1, pn, stdout);
			putchar('\n');
			free(pt);
			free(ct);
			found++;
			p = e;
		}
		return found ? 0 : die("no armored file");
	}
	if (argc == 4 && !strcmp(argv[1], "jwkfile")) {
		uint8_t *text = NULL;
		size_t n = 0;
		json_t *ed = entry(argv[2], atoi(argv[3]), &text, &n);
		if (!ed)
			return die("no such encrypted data");
		if (strcmp(json_string_value(json_object_get(ed, "provider")), "baton/jwk/v1"))
			return die("not baton/jwk/v1");
		/* the bytes are base64 text of the age file */
		uint8_t *file = malloc(n + 1);
		int fn = EVP_DecodeBlock(file, text, (int)n);
		if (fn < 40 || memcmp(file, "age-encryption.org/v1\n-> ssh-ed25519 ", 37))
			return die("not an age file for an ssh-ed25519 recipient");
		const char *kid = json_string_value(json_object_get(ed, "keyId"));
		const char *kid0 = json_string_value(json_array_get(json_object_get(ed, "keyIds"), 0));
		if (!kid || !kid0 || strcmp(kid, kid0))
			return die("keyId and keyIds[0] differ");
		printf("%s\n", kid);
		free(file);
		free(text);
		json_decref(ed);
		return 0;
	}
	return die("usage: keygen IDFILE | jwkgen | decrypt IDFILE FINISH I | dearmor IDFILE FILE | jwkfile FINISH I");
}
