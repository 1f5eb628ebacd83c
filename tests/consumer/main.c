/* A program outside the project, built against an installed libbaton. */
#include <baton.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
	baton_ctx *ctx = NULL;
	baton_resource_type *rt = NULL;
	baton_resource *user = NULL;
	const baton_trait traits[] = {BATON_TRAIT_USER};

	if (baton_ctx_new(&ctx) != 0)
		return 1;
	if (baton_resource_type_new(ctx, "Service Account", traits, 1, &rt) != 0 ||
	    baton_user_resource_new(ctx, "Alice", rt, "alice", &user) != 0) {
		fprintf(stderr, "consumer: %s\n", baton_error_last()->message);
		baton_ctx_free(ctx);
		return 1;
	}
	int ok = strcmp(baton_resource_type_id(rt), "service-account") == 0 &&
	         strcmp(baton_resource_get_id(user).resource, "alice") == 0;
	printf("libbaton %s: %s\n", baton_version(), ok ? "ok" : "wrong ids");
	baton_ctx_free(ctx);
	return ok ? 0 : 1;
}
