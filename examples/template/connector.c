/*
 * baton-template: the smallest complete libbaton connector. Copy it and make it yours.
 *
 *   1. Copy this folder out of the libbaton tree:
 *          cp -r examples/template ~/src/baton-acme && cd ~/src/baton-acme
 *   2. Rename: "baton-template" in CMakeLists.txt (the project and the program), the
 *      display_name in `connector` at the bottom of this file, and the `template_` prefix if
 *      you like.
 *   3. Fill in the three callbacks of each resource type with calls to your system:
 *        - list_*:        every user / group, one page per call (STEP 3a);
 *        - entitlements:  what a principal can hold on one group (STEP 3b);
 *        - grants:        who holds it (STEP 3c).
 *      Add a baton_resource_syncer per resource type you have (roles, apps, ...) and list it in
 *      `resource_types`. Read docs/callbacks/ for what each callback may do and return.
 *   4. Build against an installed libbaton (cmake --install <libbaton build> --prefix <dir>):
 *          cmake -S . -B build -DCMAKE_PREFIX_PATH=<dir> && cmake --build build
 *   5. Run it and look at what it wrote:
 *          ./build/baton-template -f sync.c1z
 *          baton -f sync.c1z resources        (the `baton` tool installed with libbaton)
 *          baton -f sync.c1z grants
 *
 * The "system" here is two arrays. Everything else (the sync loop, paging, the c1z file,
 * checkpoints, grant expansion, the command line) is the SDK's.
 */
#include <baton.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The data of the system this connector reads. Replace with calls to its API. */
struct template_user {
	const char *id, *name, *email;
	bool disabled;
};
struct template_group {
	const char *id, *name;
	const char *const *members; /* user ids, NULL-terminated */
};

static const struct template_user users[] = {
	{"alice", "Alice Example", "alice@example.com", false},
	{"bob", "Bob Example", "bob@example.com", false},
	{"carol", "Carol Example", "carol@example.com", true},
};
static const char *const admins_members[] = {"alice", NULL};
static const char *const staff_members[] = {"alice", "bob", "carol", NULL};
static const struct template_group groups[] = {
	{"admins", "Administrators", admins_members},
	{"staff", "Staff", staff_members},
};

#define N_USERS (sizeof(users) / sizeof(users[0]))
#define N_GROUPS (sizeof(groups) / sizeof(groups[0]))

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
	int rc = 0;

	for (; rc == 0 && i < N_USERS && i < end; i++) {
		baton_resource *r;
		baton_user_trait *ut;

		rc = baton_user_resource_new(ctx, users[i].name, baton_ctx_resource_type(ctx),
		                             users[i].id, &r);
		if (rc == 0 && (ut = baton_resource_user_trait(r)) != NULL) {
			rc = baton_user_trait_add_email(ut, users[i].email, true);
			if (rc == 0)
				rc = baton_user_trait_set_login(ut, users[i].id, NULL, 0);
			if (rc == 0 && users[i].disabled)
				rc = baton_user_trait_set_status(ut, BATON_STATUS_DISABLED, NULL);
		}
		if (rc == 0)
			rc = baton_ctx_emit_resource(ctx, r);
	}
	return rc != 0 ? rc : page_end(ctx, i, N_USERS);
}

/* STEP 3a: list groups. */
static int list_groups(baton_ctx *ctx, const baton_resource_id *parent)
{
	size_t i = page_start(ctx), end = i + PAGE_SIZE;
	int rc = 0;

	for (; rc == 0 && i < N_GROUPS && i < end; i++) {
		baton_resource *r;

		rc = baton_group_resource_new(ctx, groups[i].name, baton_ctx_resource_type(ctx),
		                              groups[i].id, &r);
		if (rc == 0)
			rc = baton_ctx_emit_resource(ctx, r);
	}
	return rc != 0 ? rc : page_end(ctx, i, N_GROUPS);
}

/* STEP 3b: the entitlements of one group: "member" (id group:<id>:member). */
static int group_entitlements(baton_ctx *ctx, const baton_resource *group)
{
	baton_entitlement *e;
	int rc = baton_assignment_entitlement_new(ctx, group, "member", &e);

	if (rc == 0)
		rc = baton_entitlement_set_description(e, "Member of the group");
	if (rc == 0)
		rc = baton_ctx_emit_entitlement(ctx, e);
	return rc;
}

/* STEP 3c: the grants of one group: a "member" grant per member. */
static int group_grants(baton_ctx *ctx, const baton_resource *group)
{
	const char *id = baton_resource_get_id(group).resource;

	for (size_t i = 0; i < N_GROUPS; i++) {
		if (strcmp(groups[i].id, id) != 0)
			continue;
		for (const char *const *m = groups[i].members; *m != NULL; m++) {
			baton_resource_id principal = {"user", *m};
			baton_grant *g;
			int rc = baton_grant_new(ctx, group, "member", &principal, &g);

			if (rc == 0)
				rc = baton_ctx_emit_grant(ctx, g);
			if (rc != 0)
				return rc;
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
	.resource_types = resource_types,
	.n_resource_types = sizeof(resource_types) / sizeof(resource_types[0]),
};

int main(int argc, char **argv)
{
	return baton_main(argc, argv, &connector);
}
