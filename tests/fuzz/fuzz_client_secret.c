/*
 * Service mode's credential parsers: the input is split at its first newline into a client id and
 * a client secret (src/service/creds.c). An accepted secret must also sign a JWT; nothing may
 * crash, leak or read out of bounds, and a refusal never quotes the input.
 */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "baton/common.h"
#include "service/service.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t id_len = nl ? (size_t)(nl - data) : 0;
	char *id = malloc(id_len + 1);
	if (!id)
		return 0;
	memcpy(id, data, id_len);
	id[id_len] = '\0';
	const char *secret = (const char *)(nl ? nl + 1 : data);
	size_t secret_len = nl ? size - id_len - 1 : size;

	char *name = NULL, *host = NULL;
	if (baton__svc_parse_client_id(id, &name, &host) == 0) {
		char *aud = baton__svc_audience(host), *target = baton__svc_target(host);
		free(aud);
		free(target);
		free(name);
		free(host);
	}
	baton__svc_key key;
	if (baton__svc_parse_client_secret(secret, secret_len, &key) == 0) {
		char *jwt = NULL;
		if (baton__svc_jwt_assertion(&key, id, "aud", 1700000000, "bm9uY2U", &jwt) == 0)
			free(jwt);
		baton__svc_key_free(&key);
	} else if (strcmp(baton_error_last()->message, "invalid client secret") != 0) {
		abort();
	}
	free(id);
	return 0;
}
