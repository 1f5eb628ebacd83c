/* baton_http_rate_limit_parse: "status\n" then "Name: value" header lines. */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "baton.h"
#include "baton/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *save = NULL, *line;
	const char *names[32], *values[32];
	size_t n = 0;
	int status = 0;
	baton_http_rate_limit rl;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	line = strtok_r(text, "\n", &save);
	if (line)
		status = atoi(line);
	while ((line = strtok_r(NULL, "\n", &save)) != NULL && n < 32) {
		char *colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon = '\0';
		names[n] = line;
		values[n] = colon + 1 + (colon[1] == ' ');
		n++;
	}
	if (baton_http_rate_limit_parse(status, names, values, n, 1700000000000LL, &rl) == 0) {
		baton_ctx *ctx;
		if (baton_ctx_new(&ctx) == 0) {
			baton_resource_type *rt;
			if (baton_resource_type_new(ctx, "T", NULL, 0, &rt) == 0)
				baton_http_rate_limit_annotate(&rl, baton_resource_type_annotations(rt));
			baton_ctx_free(ctx);
		}
	}
	free(text);
	return 0;
}
