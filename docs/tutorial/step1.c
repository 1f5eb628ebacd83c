/*
 * Tutorial step 1 (docs/tutorial.md): a connector with one resource type, users.
 * Built and run by the test suite (tests/examples/, ctest -R tutorial).
 */
#include <baton.h>

static const char *const people[][2] = {
	{"alice", "Alice Example"},
	{"bob", "Bob Example"},
};

static int list_users(baton_ctx *ctx, const baton_resource_id *parent)
{
	(void)parent; /* NULL for a top-level type; see callbacks/list.md */
	for (size_t i = 0; i < 2; i++) {
		baton_resource *user;
		int rc = baton_user_resource_new(ctx, people[i][1], baton_ctx_resource_type(ctx),
		                                 people[i][0], &user);
		if (rc == 0)
			rc = baton_ctx_emit_resource(ctx, user);
		if (rc != 0)
			return rc;
	}
	return 0; /* no baton_ctx_set_next_page(): this was the only page */
}

static const baton_trait user_traits[] = {BATON_TRAIT_USER};
static const baton_resource_syncer users = {
	.version = BATON_RESOURCE_SYNCER_VERSION,
	.name = "User",
	.traits = user_traits,
	.n_traits = 1,
	.list = list_users,
};

static const baton_resource_syncer *const types[] = {&users};

static const baton_connector connector = {
	.version = BATON_CONNECTOR_VERSION,
	.display_name = "Tutorial",
	.resource_types = types,
	.n_resource_types = 1,
};

int main(int argc, char **argv)
{
	return baton_main(argc, argv, &connector);
}
