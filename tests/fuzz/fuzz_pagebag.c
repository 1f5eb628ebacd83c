/* Page bags (baton_page_bag_*): parse; a bag that parses marshals, and its token parses back to a
 * bag that marshals to the same token. */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "baton/connector.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *token = malloc(size + 1);
	baton_ctx *ctx;
	baton_page_bag *bag, *again;
	char *out, *out2;

	if (!token)
		return 0;
	memcpy(token, data, size);
	token[size] = '\0';
	if (baton_ctx_new(&ctx) != 0) {
		free(token);
		return 0;
	}
	if (baton_page_bag_new(ctx, token, &bag) == 0) {
		if (baton_page_bag_marshal(bag, &out) == 0) {
			FUZZ_CHECK(baton_page_bag_new(ctx, out, &again) == 0);
			FUZZ_CHECK(baton_page_bag_marshal(again, &out2) == 0);
			FUZZ_CHECK(strcmp(out, out2) == 0);
		}
		baton_page_bag_push(bag, "next", "user", "u1");
		baton_page_bag_next(bag, "x");
		baton_page_state st;
		while (baton_page_bag_pop(bag, &st))
			;
	}
	baton_ctx_free(ctx);
	free(token);
	return 0;
}
