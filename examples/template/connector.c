/*
 * baton-template: the smallest complete libbaton connector. Copy it and make it yours.
 *
 *   1. Copy this folder out of the libbaton tree:
 *          mkdir -p ~/src && cp -r examples/template ~/src/baton-acme && cd ~/src/baton-acme
 *   2. Rename: "baton-template" in CMakeLists.txt (the project and the program:
 *          sed -i 's/baton-template/baton-acme/g' CMakeLists.txt), the
 *      display_name in `connector` at the bottom of this file, and the `template_` prefix if
 *      you like.
 *   3. Set up your client in template_init (STEP 3) and fill in the three callbacks of each
 *      resource type with calls to your system:
 *        - list_*:        every user / group, one page per call (STEP 3a);
 *        - entitlements:  what a principal can hold on one group (STEP 3b);
 *        - grants:        who holds it (STEP 3c).
 *      Add a baton_resource_syncer per resource type you have (roles, apps, ...) and list it in
 *      `resource_types`. Read docs/callbacks/ for what each callback may do and return.
 *      Settings (a base URL, an API key) are baton_field's in a baton_config_schema set as
 *      `connector.config`: each becomes a flag, an environment variable and a config-file key
 *      (docs/configuration.md; docs/tutorial.md, step 3).
 *   4. Build against an installed libbaton (cmake --install <libbaton build> --prefix <dir>):
 *          cmake -S . -B build -DCMAKE_PREFIX_PATH=<dir> && cmake --build build
 *   5. Run it and look at what it wrote:
 *          ./build/baton-acme -f sync.c1z
 *          <dir>/bin/baton -f sync.c1z resources   (the `baton` tool installed with libbaton)
 *          <dir>/bin/baton -f sync.c1z grants
 *
 * The "system" here is an array of users and a JSON document of groups (what a REST API would
 * answer), parsed with jansson in init. Everything else (the sync loop, paging, the c1z file,
 * checkpoints, grant expansion, the command line) is the SDK's.
 *
 * Errors: every libbaton call returns 0 or a negative code with its message in
 * baton_error_last(). BATON_TRY(expr) returns that code from the callback at the first failure,
 * so a callback reads as a list of steps; the SDK reports the message with the resource and page.
 */
#include <baton.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The data of the system this connector reads. Replace with calls to its API. */
struct template_user {
	const char *id, *name, *email;
	bool disabled;
};

static const struct template_user users[] = {
	{"alice", "Alice Example", "alice@example.com", false},
	{"bob", "Bob Example", "bob@example.com", false},
	{"carol", "Carol Example", "carol@example.com", true},
};
/* The groups as a REST API would return them. Replace with the body of your API's answer. */
static const char groups_json[] =
	"{\"groups\": ["
	"  {\"id\": \"admins\", \"name\": \"Administrators\", \"members\": [\"alice\"]},"
	"  {\"id\": \"staff\", \"name\": \"Staff\", \"members\": [\"alice\", \"bob\", \"carol\"]}"
	"]}";

#define N_USERS (sizeof(users) / sizeof(users[0]))

/* STEP 3: set up what the callbacks share (API clients, parsed data); they read it back with
 * baton_ctx_userdata(). Here: the groups document, parsed once with jansson. */
static int template_init(baton_ctx *ctx, void **userdata)
{
	json_error_t err;
	json_t *doc = json_loads(groups_json, 0, &err);

	(void)ctx; /* for baton_ctx_config_*(): your settings, once you declare them */
	if (doc == NULL || !json_is_array(json_object_get(doc, "groups"))) {
		json_decref(doc);
		return baton_error_set(BATON_EINVALID, "groups document: %s (line %d)",
		                       doc ? "no \"groups\" array" : err.text, err.line);
	}
	*userdata = doc;
	return 0;
}

static void template_close(void *userdata)
{
	json_decref(userdata); /* init's json_t */
}

static json_t *groups_array(baton_ctx *ctx)
{
	return json_object_get(baton_ctx_userdata(ctx), "groups"); /* borrowed */
}

/* A string member of a JSON object, or "" (an API answer may lack a field). */
static const char *json_str(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s ? s : "";
}

/* Page tokens: the index of the next item, as text. */
#define PAGE_SIZE 2

static size_t page_start(baton_ctx *ctx)
{
	return (size_t)strtoul(baton_ctx_page_token(ctx), NULL, 10); /* "" is the first page */
}

static int page_end(baton_ctx *ctx, size_t next, size_t total)
{
	char token[32];

	if (next >= total)
		return 0; /* no token: this was the last page */
	snprintf(token, sizeof(token), "%zu", next);
	return baton_ctx_set_next_page(ctx, token);
}

/* STEP 3a: list users, one page per call. */
static int list_users(baton_ctx *ctx, const baton_resource_id *parent)
{
	size_t i = page_start(ctx), end = i + PAGE_SIZE;

	(void)parent; /* NULL: a top-level type (see docs/callbacks/list.md for children) */
	for (; i < N_USERS && i < end; i++) {
		baton_resource *r;
		baton_user_trait *ut;

		BATON_TRY(baton_user_resource_new(ctx, users[i].name, baton_ctx_resource_type(ctx),
		                                  users[i].id, &r));
		BATON_TRY(baton_resource_get_user_trait(r, &ut));
		BATON_TRY(baton_user_trait_add_email(ut, users[i].email, true));
		BATON_TRY(baton_user_trait_set_login(ut, users[i].id, NULL, 0));
		if (users[i].disabled)
			BATON_TRY(baton_user_trait_set_status(ut, BATON_STATUS_DISABLED, NULL));
		BATON_TRY(baton_ctx_emit_resource(ctx, r));
	}
	return page_end(ctx, i, N_USERS);
}

/* STEP 3a: list groups (from the JSON document). */
static int list_groups(baton_ctx *ctx, const baton_resource_id *parent)
{
	json_t *groups = groups_array(ctx);
	size_t i = page_start(ctx), end = i + PAGE_SIZE, n = json_array_size(groups);

	(void)parent;
	for (; i < n && i < end; i++) {
		json_t *g = json_array_get(groups, i);
		baton_resource *r;

		BATON_TRY(baton_group_resource_new(ctx, json_str(g, "name"), baton_ctx_resource_type(ctx),
		                                   json_str(g, "id"), &r));
		BATON_TRY(baton_ctx_emit_resource(ctx, r));
	}
	return page_end(ctx, i, n);
}

/* STEP 3b: the entitlements of one group: "member" (id group:<id>:member). */
static int group_entitlements(baton_ctx *ctx, const baton_resource *group)
{
	static const char *const to_users[] = {"user"};
	baton_entitlement *e;

	BATON_TRY(baton_assignment_entitlement_new(ctx, group, "member", &e));
	BATON_TRY(baton_entitlement_set_description(e, "Member of the group"));
	BATON_TRY(baton_entitlement_set_grantable_to_ids(e, to_users, 1));
	return baton_ctx_emit_entitlement(ctx, e);
}

/* STEP 3c: the grants of one group: a "member" grant per member. */
static int group_grants(baton_ctx *ctx, const baton_resource *group)
{
	const char *id = baton_resource_get_id(group).resource;
	size_t i, j;
	json_t *g, *m;

	json_array_foreach(groups_array(ctx), i, g) {
		if (strcmp(json_str(g, "id"), id) != 0)
			continue;
		json_array_foreach(json_object_get(g, "members"), j, m) {
			baton_resource_id principal = {"user", json_string_value(m)};
			baton_grant *grant;

			if (principal.resource == NULL)
				return baton_error_set(BATON_EDATALOSS, "group %s: member %zu is not a string", id, j);
			BATON_TRY(baton_grant_new(ctx, group, "member", &principal, &grant));
			BATON_TRY(baton_ctx_emit_grant(ctx, grant));
		}
		return 0;
	}
	return baton_error_set(BATON_ENOTFOUND, "group %s is gone", id);
}

static const baton_trait user_traits[] = {BATON_TRAIT_USER};
static const baton_resource_syncer user_type = {
	.version = BATON_RESOURCE_SYNCER_VERSION,
	.name = "User", /* id "user" */
	.traits = user_traits,
	.n_traits = 1,
	.list = list_users, /* no entitlements or grants on users */
};

static const baton_trait group_traits[] = {BATON_TRAIT_GROUP};
static const baton_resource_syncer group_type = {
	.version = BATON_RESOURCE_SYNCER_VERSION,
	.name = "Group", /* id "group" */
	.traits = group_traits,
	.n_traits = 1,
	.list = list_groups,
	.entitlements = group_entitlements,
	.grants = group_grants,
};

static const baton_resource_syncer *const resource_types[] = {&user_type, &group_type};

static const baton_connector connector = {
	.version = BATON_CONNECTOR_VERSION,
	.display_name = "Template", /* STEP 2: your system's name */
	.description = "The libbaton connector template",
	.init = template_init,
	.close = template_close,
	.resource_types = resource_types,
	.n_resource_types = sizeof(resource_types) / sizeof(resource_types[0]),
};

int main(int argc, char **argv)
{
	return baton_main(argc, argv, &connector);
}
