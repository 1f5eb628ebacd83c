/* The syncer's checkpoint token (src/sync/state.c): a token that parses marshals, and the result
 * parses and marshals to the same text. */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "sync/state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *token = malloc(size + 1), *out = NULL, *out2 = NULL;
	baton__state st, st2;

	if (!token)
		return 0;
	memcpy(token, data, size);
	token[size] = '\0';
	memset(&st, 0, sizeof(st));
	if (baton__state_unmarshal(&st, token) == 0) {
		if (baton__state_marshal(&st, &out) == 0) {
			memset(&st2, 0, sizeof(st2));
			FUZZ_CHECK(baton__state_unmarshal(&st2, out) == 0);
			FUZZ_CHECK(baton__state_marshal(&st2, &out2) == 0);
			FUZZ_CHECK(strcmp(out, out2) == 0);
			baton__state_free(&st2);
		}
	}
	baton__state_free(&st);
	free(out);
	free(out2);
	free(token);
	return 0;
}
