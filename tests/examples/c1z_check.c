/*
 * c1z_check FILE [CHECK...]: checks a c1z with the store, for tests that run programs.
 *   resource_types=N resources=N entitlements=N grants=N   counts of the latest finished sync
 *   resource=TYPE/ID   entitlement=ID   grant=ID            the row exists
 *   nogrant=ID                                              the row does not exist
 * Prints what failed and exits 1; 0 when every check holds.
 */
#include <baton.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	baton_store_options o = BATON_STORE_OPTIONS_INIT;
	baton_store *s;
	baton_store_counts c;
	baton_ctx *ctx;
	int failed = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: c1z_check FILE [CHECK...]\n");
		return 2;
	}
	o.read_only = true;
	if (baton_store_open(argv[1], &o, &s) != 0 || baton_store_count(s, NULL, &c) != 0 ||
	    baton_ctx_new(&ctx) != 0) {
		fprintf(stderr, "c1z_check: %s: %s\n", argv[1], baton_error_last()->message);
		return 1;
	}
	for (int i = 2; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		const char *v = eq ? eq + 1 : "";
		size_t k = eq ? (size_t)(eq - argv[i]) : strlen(argv[i]);
		bool ok;
#define IS(name) (k == strlen(name) && !strncmp(argv[i], name, k))
		if (IS("resource_types"))
			ok = c.resource_types == strtoull(v, NULL, 10);
		else if (IS("resources"))
			ok = c.resources == strtoull(v, NULL, 10);
		else if (IS("entitlements"))
			ok = c.entitlements == strtoull(v, NULL, 10);
		else if (IS("grants"))
			ok = c.grants == strtoull(v, NULL, 10);
		else if (IS("resource")) {
			char type[256];
			const char *slash = strchr(v, '/');
			baton_resource *r;
			snprintf(type, sizeof(type), "%.*s", slash ? (int)(slash - v) : 0, v);
			baton_resource_id id = {type, slash ? slash + 1 : ""};
			ok = baton_store_get_resource(s, NULL, &id, ctx, &r) == 0;
		} else if (IS("entitlement")) {
			baton_entitlement *e;
			ok = baton_store_get_entitlement(s, NULL, v, ctx, &e) == 0;
		} else if (IS("grant") || IS("nogrant")) {
			baton_grant *g;
			ok = (baton_store_get_grant(s, NULL, v, ctx, &g) == 0) == IS("grant");
		} else {
			fprintf(stderr, "c1z_check: unknown check %s\n", argv[i]);
			return 2;
		}
#undef IS
		if (!ok) {
			fprintf(stderr, "c1z_check: %s: %s does not hold (counts: %llu resource types, %llu "
			        "resources, %llu entitlements, %llu grants)\n", argv[1], argv[i],
			        (unsigned long long)c.resource_types, (unsigned long long)c.resources,
			        (unsigned long long)c.entitlements, (unsigned long long)c.grants);
			failed = 1;
		}
	}
	baton_ctx_free(ctx);
	baton_store_discard(s);
	if (!failed)
		printf("c1z_check: %s: %d checks hold\n", argv[1], argc - 2);
	return failed;
}
