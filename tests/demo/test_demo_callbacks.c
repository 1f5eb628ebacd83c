/*
 * baton-demo's callbacks, called one by one the way the SDK calls them (through the SDK's
 * internal call state, src/connector/connector.h): pagination of every listing, the page bag of
 * grant listings, get, static entitlements, and the provisioning callbacks with their
 * annotations, account results and secrets, persisted in the state file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "testutil.h"
#include "demo.h"
#include "demo_secret.h"
#include "demo_ext.h"
#include "connector/connector.h"
#include "demo_runtime_fixture.h"
#include "core/ctx.h"

static baton__runtime rt;
static char state_path[4096];
static demo_params params;

/* One callback invocation's context and call state. */
typedef struct box {
	baton_ctx ctx;
	baton__call call;
	int rc;
} box;

static const baton_resource_syncer *syncer(const char *type_id)
{
	const baton__rtype *t = baton__runtime_find(&rt, type_id);

	assert_non_null(t);
	return t->syncer;
}

static void begin(box *b, baton__call_kind kind, const char *type_id, const char *token)
{
	const baton__rtype *t = type_id ? baton__runtime_find(&rt, type_id) : NULL;

	memset(b, 0, sizeof(*b));
	baton__ctx_init(&b->ctx);
	baton__call_begin(&b->call, &b->ctx, &rt, kind, t ? t->rt : NULL, token);
	baton_error_clear();
}

static void end(box *b)
{
	baton__call_end(&b->call, &b->ctx);
	baton__call_free(&b->call);
	baton__ctx_release(&b->ctx);
}

static const char *next_page(box *b)
{
	return b->call.next_page ? b->call.next_page : "";
}

static int setup(void **state)
{
	(void)state;
	return demo_fixture_open("callbacks", state_path, sizeof(state_path), &params, &rt);
}

static int teardown(void **state)
{
	(void)state;
	demo_fixture_close(state_path, &rt);
	return 0;
}

static demo_model *model(void)
{
	return (demo_model *)rt.userdata;
}

/* Lists every page of a type (under parent); returns the number of resources, checks pages. */
static size_t list_all(const char *type_id, const baton_resource_id *parent, size_t *pages)
{
	char token[256] = "";
	size_t n = 0;

	*pages = 0;
	do {
		box b;
		begin(&b, BATON__CALL_LIST, type_id, token);
		b.rc = syncer(type_id)->list(&b.ctx, parent);
		assert_int_equal(b.rc, 0);
		assert_true(b.call.n_items <= params.page_size);
		for (size_t i = 0; i < b.call.n_items; i++) {
			baton_resource *r = b.call.items[i];
			baton_resource_id id = baton_resource_get_id(r);
			baton_resource_id pid;
			assert_string_equal(id.resource_type, type_id);
			if (parent != NULL) {
				assert_true(baton_resource_get_parent(r, &pid));
				assert_string_equal(pid.resource, parent->resource);
			}
		}
		n += b.call.n_items;
		assert_true(strcmp(next_page(&b), token) != 0 || *token == '\0');
		snprintf(token, sizeof(token), "%s", next_page(&b));
		(*pages)++;
		end(&b);
	} while (*token != '\0');
	return n;
}

static void test_list_pages(void **state)
{
	size_t pages, n;
	size_t i;

	(void)state;
	n = list_all("user", NULL, &pages);
	assert_int_equal(n, demo_model_count(model(), DEMO_USER));
	assert_int_equal(pages, (n + params.page_size - 1) / params.page_size);
	assert_true(list_all("group", NULL, &pages) == 8 && pages > 1);
	assert_true(list_all("role", NULL, &pages) == 5 && pages > 1);
	assert_true(list_all("workspace", NULL, &pages) == 4 && pages > 1);
	/* projects only come as children of a workspace */
	assert_int_equal(list_all("project", NULL, &pages), 0);
	n = 0;
	for (i = 0; i < model()->n[DEMO_WORKSPACE]; i++) {
		baton_resource_id ws = {"workspace", model()->objs[DEMO_WORKSPACE][i].id};
		n += list_all("project", &ws, &pages);
		if (i == 0)
			assert_true(pages > 1);
	}
	assert_int_equal(n, 10);

	{
		box b;
		begin(&b, BATON__CALL_LIST, "user", "not-a-number");
		assert_int_equal(syncer("user")->list(&b.ctx, NULL), BATON_EINVALID);
		end(&b);
		begin(&b, BATON__CALL_LIST, "project", "");
		assert_int_equal(syncer("project")->list(&b.ctx, &(baton_resource_id){"workspace", "ws99"}),
		                 BATON_ENOTFOUND);
		end(&b);
	}
}

/* A resource of the connector, built in ctx from its id (as the SDK hands stored ones back). */
static baton_resource *stub(baton_ctx *ctx, const char *type, const char *id)
{
	baton_resource *r;

	assert_int_equal(baton_resource_new_with_id(ctx, id, &(baton_resource_id){type, id}, &r), 0);
	return r;
}

static void test_entitlements_and_grants(void **state)
{
	baton_ctx *ctx;
	box b;
	char token[1024] = "";
	size_t n = 0, pages = 0, expandable = 0;
	demo_obj *g0 = demo_model_find(model(), DEMO_GROUP, "g000", NULL);

	(void)state;
	assert_int_equal(baton_ctx_new(&ctx), 0);
	begin(&b, BATON__CALL_ENTITLEMENTS, "group", "");
	assert_int_equal(syncer("group")->entitlements(&b.ctx, stub(ctx, "group", "g000")), 0);
	assert_int_equal(b.call.n_items, 2);
	assert_string_equal(baton_entitlement_id(b.call.items[0]), "group:g000:member");
	assert_int_equal(baton_entitlement_grantable_to_count(b.call.items[0]), 2);
	assert_string_equal(baton_entitlement_id(b.call.items[1]), "group:g000:admin");
	assert_int_equal(baton_entitlement_purpose_of(b.call.items[1]), BATON_PURPOSE_PERMISSION);
	end(&b);

	begin(&b, BATON__CALL_ENTITLEMENTS, "project", "");
	assert_int_equal(syncer("project")->entitlements(&b.ctx, stub(ctx, "project", "p001")), 0);
	assert_int_equal(b.call.n_items, 2); /* access and owner; viewer is static */
	end(&b);

	begin(&b, BATON__CALL_STATIC_ENTITLEMENTS, "project", "");
	assert_int_equal(syncer("project")->static_entitlements(&b.ctx), 0);
	assert_int_equal(b.call.n_items, 1);
	assert_string_equal(baton_entitlement_slug(b.call.items[0]), "viewer");
	end(&b);

	/* grants of g000, over several pages of a page bag: users first, then groups */
	do {
		begin(&b, BATON__CALL_GRANTS, "group", token);
		assert_int_equal(syncer("group")->grants(&b.ctx, stub(ctx, "group", "g000")), 0);
		for (size_t i = 0; i < b.call.n_items; i++) {
			baton_grant *g = b.call.items[i];
			if (strcmp(baton_grant_principal_id(g).resource_type, "group") == 0) {
				const char *const *ids;
				size_t k;
				assert_int_equal(baton_grant_expandable(g, ctx, &ids, &k, NULL, NULL, NULL), 0);
				assert_int_equal(k, 1);
				expandable++;
			}
		}
		n += b.call.n_items;
		if (*next_page(&b) != '\0')
			assert_non_null(strstr(next_page(&b), "\"states\""));
		snprintf(token, sizeof(token), "%s", next_page(&b));
		pages++;
		end(&b);
	} while (*token != '\0');
	assert_int_equal(n, g0->n_grants);
	assert_true(expandable >= 1);
	assert_true(pages >= 2);

	begin(&b, BATON__CALL_GRANTS, "group", "{\"states\":[],\"current_state\":{\"token\":\"0\",\"type\":\"role\",\"id\":\"x\"}}");
	assert_int_equal(syncer("group")->grants(&b.ctx, stub(ctx, "group", "g000")), BATON_EINVALID);
	end(&b);
	begin(&b, BATON__CALL_GRANTS, "group", "");
	assert_int_equal(syncer("group")->grants(&b.ctx, stub(ctx, "group", "gone")), BATON_ENOTFOUND);
	end(&b);
	baton_ctx_free(ctx);
}

static void test_get(void **state)
{
	box b;

	(void)state;
	begin(&b, BATON__CALL_GET, "user", "");
	assert_int_equal(syncer("user")->get(&b.ctx, &(baton_resource_id){"user", "u0007"}, NULL), 0);
	assert_int_equal(b.call.n_items, 1);
	assert_true(baton_resource_has_trait(b.call.items[0], BATON_TRAIT_USER));
	end(&b);
	begin(&b, BATON__CALL_GET, "user", "");
	assert_int_equal(syncer("user")->get(&b.ctx, &(baton_resource_id){"user", "nobody"}, NULL), 0);
	assert_int_equal(b.call.n_items, 0);
	end(&b);
	begin(&b, BATON__CALL_GET, "project", "");
	assert_int_equal(syncer("project")->get(&b.ctx, &(baton_resource_id){"project", "p000"},
	                                        &(baton_resource_id){"workspace", "ws00"}), 0);
	assert_int_equal(b.call.n_items, 1);
	end(&b);
	begin(&b, BATON__CALL_GET, "project", "");
	assert_int_equal(syncer("project")->get(&b.ctx, &(baton_resource_id){"project", "p000"},
	                                        &(baton_resource_id){"workspace", "ws03"}), 0);
	assert_int_equal(b.call.n_items, 0);
	end(&b);
}

static bool has_anno(box *b, const char *name)
{
	return baton_annotations_contains(baton_ctx_annotations(&b->ctx), name);
}

static void test_grant_and_revoke(void **state)
{
	baton_ctx *ctx;
	baton_entitlement *member;
	baton_grant *gr;
	box b;
	demo_obj *g5 = demo_model_find(model(), DEMO_GROUP, "g005", NULL);
	size_t u;

	(void)state;
	assert_int_equal(baton_ctx_new(&ctx), 0);
	for (u = 0; u < model()->n[DEMO_USER]; u++) {
		if (demo_obj_find_grant(g5, 0, (demo_ref){DEMO_USER, u}) < 0)
			break;
	}
	assert_int_equal(baton_entitlement_new(ctx, stub(ctx, "group", "g005"), "member",
	                                       BATON_PURPOSE_ASSIGNMENT, &member), 0);

	begin(&b, BATON__CALL_GRANT, "group", "");
	assert_int_equal(syncer("group")->grant(&b.ctx, stub(ctx, "user", model()->objs[DEMO_USER][u].id),
	                                        member), 0);
	assert_int_equal(b.call.n_items, 1);
	assert_false(has_anno(&b, "c1.connector.v2.GrantAlreadyExists"));
	assert_string_equal(baton_grant_entitlement_id(b.call.items[0]), "group:g005:member");
	end(&b);
	assert_true(demo_obj_find_grant(g5, 0, (demo_ref){DEMO_USER, u}) >= 0);

	begin(&b, BATON__CALL_GRANT, "group", "");
	assert_int_equal(syncer("group")->grant(&b.ctx, stub(ctx, "user", model()->objs[DEMO_USER][u].id),
	                                        member), 0);
	assert_int_equal(b.call.n_items, 0);
	assert_true(has_anno(&b, "c1.connector.v2.GrantAlreadyExists"));
	end(&b);

	/* a group in a group: the created grant is expandable */
	begin(&b, BATON__CALL_GRANT, "group", "");
	b.rc = syncer("group")->grant(&b.ctx, stub(ctx, "group", "g007"), member);
	assert_int_equal(b.rc, 0);
	if (b.call.n_items == 1)
		assert_int_equal(baton_grant_expandable(b.call.items[0], ctx, NULL, NULL, NULL, NULL, NULL), 0);
	end(&b);

	begin(&b, BATON__CALL_GRANT, "group", "");
	assert_int_equal(syncer("group")->grant(&b.ctx, stub(ctx, "user", "nobody"), member), BATON_ENOTFOUND);
	end(&b);
	begin(&b, BATON__CALL_GRANT, "group", "");
	assert_int_equal(syncer("group")->grant(&b.ctx, stub(ctx, "group", "g005"), member), BATON_EINVALID);
	end(&b);

	assert_int_equal(baton_grant_new(ctx, stub(ctx, "group", "g005"), "member",
	                                 &(baton_resource_id){"user", model()->objs[DEMO_USER][u].id}, &gr), 0);
	begin(&b, BATON__CALL_REVOKE, "group", "");
	assert_int_equal(syncer("group")->revoke(&b.ctx, gr), 0);
	assert_false(has_anno(&b, "c1.connector.v2.GrantAlreadyRevoked"));
	end(&b);
	assert_true(demo_obj_find_grant(g5, 0, (demo_ref){DEMO_USER, u}) < 0);
	begin(&b, BATON__CALL_REVOKE, "group", "");
	assert_int_equal(syncer("group")->revoke(&b.ctx, gr), 0);
	assert_true(has_anno(&b, "c1.connector.v2.GrantAlreadyRevoked"));
	end(&b);

	/* roles too */
	{
		baton_entitlement *assigned;
		assert_int_equal(baton_entitlement_new(ctx, stub(ctx, "role", "r02"), "assigned",
		                                       BATON_PURPOSE_ASSIGNMENT, &assigned), 0);
		begin(&b, BATON__CALL_GRANT, "role", "");
		assert_int_equal(syncer("role")->grant(&b.ctx, stub(ctx, "user", "u0049"), assigned), 0);
		end(&b);
		begin(&b, BATON__CALL_GRANT, "group", "");
		assert_int_equal(syncer("group")->grant(&b.ctx, stub(ctx, "user", "u0049"), assigned), BATON_EINVALID);
		end(&b);
	}
	baton_ctx_free(ctx);
}

static void test_accounts_and_credentials(void **state)
{
	const char *emails[] = {"ada@example.com"};
	baton_account_info info = {"ada", NULL, 0, emails, 1, "{\"first_name\":\"Ada\",\"last_name\":\"Lovelace\"}"};
	baton_credential_options random = {BATON_CREDENTIAL_OPTION_RANDOM_PASSWORD, 20, NULL, 0, NULL, NULL, false};
	baton_credential_options none = {BATON_CREDENTIAL_OPTION_NO_PASSWORD, 0, NULL, 0, NULL, NULL, false};
	baton_credential_options sso = {BATON_CREDENTIAL_OPTION_SSO, 0, NULL, 0, NULL, "okta", false};
	const baton_resource_syncer *us = syncer("user");
	box b;
	size_t before = demo_model_count(model(), DEMO_USER);

	(void)state;
	assert_non_null(us->create_account_details);
	assert_int_equal(us->create_account_details->preferred, BATON_CREDENTIAL_OPTION_RANDOM_PASSWORD);

	begin(&b, BATON__CALL_CREATE_ACCOUNT, "user", "");
	assert_int_equal(us->create_account(&b.ctx, &info, &random), 0);
	assert_true(b.call.has_account_result);
	assert_int_equal(b.call.account_result, BATON_ACCOUNT_CREATED);
	assert_non_null(b.call.account);
	assert_string_equal(baton_resource_display_name(b.call.account), "Ada Lovelace");
	assert_string_equal(baton_user_trait_login(baton_resource_user_trait(b.call.account)), "ada");
	assert_int_equal(b.call.n_secrets, 1);
	assert_string_equal(b.call.secrets[0].name, "password");
	assert_int_equal(b.call.secrets[0].len, 20);
	end(&b);
	assert_int_equal(demo_model_count(model(), DEMO_USER), before + 1);

	begin(&b, BATON__CALL_CREATE_ACCOUNT, "user", "");
	assert_int_equal(us->create_account(&b.ctx, &info, &random), 0);
	assert_int_equal(b.call.account_result, BATON_ACCOUNT_ALREADY_EXISTS);
	assert_non_null(b.call.account);
	end(&b);

	info.login = "grace";
	info.emails = NULL;
	info.n_emails = 0;
	info.profile_json = NULL;
	begin(&b, BATON__CALL_CREATE_ACCOUNT, "user", "");
	assert_int_equal(us->create_account(&b.ctx, &info, &none), 0);
	assert_int_equal(b.call.account_result, BATON_ACCOUNT_CREATED);
	assert_int_equal(b.call.n_secrets, 0);
	end(&b);
	info.login = "hedy";
	begin(&b, BATON__CALL_CREATE_ACCOUNT, "user", "");
	assert_int_equal(us->create_account(&b.ctx, &info, &sso), BATON_EINVALID);
	end(&b);

	begin(&b, BATON__CALL_ROTATE, "user", "");
	assert_int_equal(us->rotate_credentials(&b.ctx, &(baton_resource_id){"user", "u0001"}, &random), 0);
	assert_int_equal(b.call.n_secrets, 1);
	assert_int_equal(b.call.secrets[0].len, 20);
	end(&b);
	assert_int_equal(demo_model_find(model(), DEMO_USER, "u0001", NULL)->rotations, 1);
	begin(&b, BATON__CALL_ROTATE, "user", "");
	assert_int_equal(us->rotate_credentials(&b.ctx, &(baton_resource_id){"user", "nobody"}, &random),
	                 BATON_ENOTFOUND);
	end(&b);
	begin(&b, BATON__CALL_ROTATE, "user", "");
	assert_int_equal(us->rotate_credentials(&b.ctx, &(baton_resource_id){"user", "u0001"}, &none),
	                 BATON_EINVALID);
	end(&b);
}

static void test_create_and_delete(void **state)
{
	baton_ctx *ctx;
	baton_resource *r;
	box b;
	char id[32];

	(void)state;
	assert_int_equal(baton_ctx_new(&ctx), 0);
	assert_int_equal(baton_resource_new_with_id(ctx, "Red Team", &(baton_resource_id){"group", "x"}, &r), 0);
	begin(&b, BATON__CALL_CREATE_RESOURCE, "group", "");
	assert_int_equal(syncer("group")->create_resource(&b.ctx, r), 0);
	assert_int_equal(b.call.n_items, 1);
	snprintf(id, sizeof(id), "%s", baton_resource_get_id(b.call.items[0]).resource);
	assert_string_equal(baton_resource_display_name(b.call.items[0]), "Red Team");
	end(&b);

	assert_int_equal(baton_resource_new_with_id(ctx, "Orbit", &(baton_resource_id){"project", "x"}, &r), 0);
	begin(&b, BATON__CALL_CREATE_RESOURCE, "project", "");
	assert_int_equal(syncer("project")->create_resource(&b.ctx, r), BATON_EINVALID); /* no parent */
	end(&b);
	assert_int_equal(baton_resource_set_parent(r, &(baton_resource_id){"workspace", "ws02"}), 0);
	begin(&b, BATON__CALL_CREATE_RESOURCE, "project", "");
	assert_int_equal(syncer("project")->create_resource(&b.ctx, r), 0);
	assert_int_equal(b.call.n_items, 1);
	{
		baton_resource_id parent;
		assert_true(baton_resource_get_parent(b.call.items[0], &parent));
		assert_string_equal(parent.resource, "ws02");
	}
	end(&b);

	begin(&b, BATON__CALL_DELETE_RESOURCE, "group", "");
	assert_int_equal(syncer("group")->delete_resource(&b.ctx, &(baton_resource_id){"group", id}, NULL), 0);
	end(&b);
	begin(&b, BATON__CALL_DELETE_RESOURCE, "group", "");
	assert_int_equal(syncer("group")->delete_resource(&b.ctx, &(baton_resource_id){"group", id}, NULL),
	                 BATON_ENOTFOUND);
	end(&b);
	begin(&b, BATON__CALL_DELETE_RESOURCE, "user", "");
	assert_int_equal(syncer("user")->delete_resource(&b.ctx, &(baton_resource_id){"user", "u0010"}, NULL), 0);
	end(&b);
	assert_null(demo_model_find(model(), DEMO_USER, "u0010", NULL));
	baton_ctx_free(ctx);
}

/* Everything provisioned above is in the state file: a new connector instance sees it. */
static void test_changes_persist(void **state)
{
	demo_model *m = NULL;

	(void)state;
	assert_int_equal(access(state_path, F_OK), 0);
	assert_int_equal(demo_model_new(&params, state_path, &m), DEMO_OK);
	assert_int_equal(demo_model_count(m, DEMO_USER), demo_model_count(model(), DEMO_USER));
	assert_int_equal(demo_model_count(m, DEMO_GROUP), demo_model_count(model(), DEMO_GROUP));
	assert_int_equal(demo_model_count(m, DEMO_PROJECT), 11);
	assert_int_equal(demo_model_count_grants(m, DEMO_GROUP), demo_model_count_grants(model(), DEMO_GROUP));
	assert_int_equal(demo_model_count_grants(m, DEMO_ROLE), demo_model_count_grants(model(), DEMO_ROLE));
	assert_non_null(demo_model_find(m, DEMO_USER, "u0050", NULL));
	assert_null(demo_model_find(m, DEMO_USER, "u0010", NULL));
	assert_int_equal(demo_model_find(m, DEMO_USER, "u0001", NULL)->rotations, 1);
	demo_model_free(m);
}

/* The kill hook's counter sees every invocation. */
static void test_calls_are_counted(void **state)
{
	unsigned long before = demo_callback_count();
	box b;

	(void)state;
	begin(&b, BATON__CALL_VALIDATE, NULL, "");
	assert_int_equal(demo_connector.validate(&b.ctx), 0);
	end(&b);
	begin(&b, BATON__CALL_GET, "role", "");
	assert_int_equal(syncer("role")->get(&b.ctx, &(baton_resource_id){"role", "r00"}, NULL), 0);
	end(&b);
	assert_int_equal(demo_callback_count(), before + 2);
}

/* Number of state-file operations named `verb` in the connector's model. */
static size_t count_ops(const char *verb)
{
	const json_t *ops = demo_model_ops(model());
	size_t i, n = 0;

	for (i = 0; i < json_array_size(ops); i++)
		if (strcmp(json_string_value(json_object_get(json_array_get(ops, i), "op")), verb) == 0)
			n++;
	return n;
}

/* Issues an API token for `user` under request id `rid`; on success, the token's id and value
 * into id/value (value NUL-terminated). Returns the callback's result. */
static int issue_token(const char *user, const char *rid, char id[32], char value[64])
{
	baton_credential_issue_request req;
	box b;
	int rc;

	memset(&req, 0, sizeof(req));
	req.identity = (baton_resource_id){"user", user};
	req.kind = BATON_CREDENTIAL_OPTION_API_KEY;
	req.request_id = rid;
	begin(&b, BATON__CALL_ISSUE_CREDENTIAL, "user", "");
	rc = syncer("user")->issue_credential(&b.ctx, &req);
	if (rc == 0) {
		assert_non_null(b.call.issued);
		snprintf(id, 32, "%s", baton_resource_get_id(b.call.issued).resource);
		assert_int_equal(b.call.n_secrets, 1);
		assert_int_equal(b.call.secrets[0].len, 44); /* "bdt_" + 40 hex digits */
		memcpy(value, b.call.secrets[0].bytes, 44);
		value[44] = '\0';
	} else {
		assert_null(b.call.issued);
		assert_int_equal(b.call.n_secrets, 0);
	}
	end(&b);
	return rc;
}

/* API tokens are idempotent on the request id (a service task's id): the same request id mints
 * no second token and gets the same answer; reused for another user, after its token was revoked,
 * or after a restart (the value is kept in memory only), it is refused and mints nothing. */
static void test_issue_token_request_id(void **state)
{
	char id1[32], v1[64], id2[32], v2[64], id3[32], v3[64];
	size_t before = count_ops("issue_token");
	box b;

	(void)state;
	assert_int_equal(issue_token("u0004", "task-1", id1, v1), 0);
	assert_int_equal(count_ops("issue_token"), before + 1);
	assert_int_equal(issue_token("u0004", "task-1", id2, v2), 0);
	assert_string_equal(id2, id1);
	assert_string_equal(v2, v1);
	assert_int_equal(count_ops("issue_token"), before + 1);

	/* another request id: another token */
	assert_int_equal(issue_token("u0004", "task-2", id3, v3), 0);
	assert_string_not_equal(id3, id1);
	assert_string_not_equal(v3, v1);
	assert_int_equal(count_ops("issue_token"), before + 2);

	/* the same request id for another user */
	assert_int_equal(issue_token("u0005", "task-1", id2, v2), BATON_EEXISTS);
	assert_non_null(strstr(baton_error_last()->message, "request id task-1 was used for user u0004"));
	/* a revoked token is not handed out again */
	begin(&b, BATON__CALL_DELETE_RESOURCE, "api_token", "");
	assert_int_equal(syncer("api_token")->delete_resource(&b.ctx, &(baton_resource_id){"api_token", id3}, NULL), 0);
	end(&b);
	assert_int_equal(issue_token("u0004", "task-2", id2, v2), BATON_EEXISTS);
	assert_non_null(strstr(baton_error_last()->message, "revoked since"));
	assert_int_equal(count_ops("issue_token"), before + 2);

	/* a new connector instance (a restart) has the request in its state file, not the value */
	baton__runtime_close(&rt);
	memset(&rt, 0, sizeof(rt));
	assert_int_equal(baton__runtime_open(&rt, &demo_connector), 0);
	assert_int_equal(count_ops("issue_token"), before + 2);
	assert_int_equal(issue_token("u0004", "task-1", id2, v2), BATON_EEXISTS);
	assert_non_null(strstr(baton_error_last()->message, "not across restarts"));
	assert_int_equal(count_ops("issue_token"), before + 2);
	assert_int_equal(issue_token("u0004", "task-3", id2, v2), 0);
	assert_int_equal(count_ops("issue_token"), before + 3);
}

/* What demo_secret_wipe reported (the test seam of demo_secret.h): each buffer's length and
 * whether it was all zeros when the demo was done with it. */
static struct {
	size_t n;
	size_t len[32];
	bool zero[32];
} wiped;

static void observe_wipe(const char *s, size_t len)
{
	size_t i;
	bool zero = true;

	for (i = 0; i < len; i++)
		zero = zero && s[i] == '\0';
	if (wiped.n < 32) {
		wiped.len[wiped.n] = len;
		wiped.zero[wiped.n] = zero;
	}
	wiped.n++;
}

/* Asserts that the wipes since the last check were exactly `n` buffers of the lengths `lens`, in
 * that order, each all zeros; then forgets them. */
static void expect_wipes(size_t n, const size_t *lens)
{
	size_t i;

	if (wiped.n != n)
		fail_msg("%zu secret buffers wiped, expected %zu", wiped.n, n);
	for (i = 0; i < n; i++) {
		assert_int_equal(wiped.len[i], lens[i]);
		assert_true(wiped.zero[i]);
	}
	memset(&wiped, 0, sizeof(wiped));
}

static bool all_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] != 0)
			return false;
	}
	return true;
}

/*
 * Every secret the demo holds is wiped when it is done with it: the password of a new account
 * (also one not used, the account existing already) and of a rotation once handed over, the
 * random body and the value of a new API token, and the values kept for request ids when the
 * model is freed (the last close). The SDK's copy, made before, still holds the secret.
 */
static void test_secrets_wiped(void **state)
{
	static const size_t pw[] = {24}, token[] = {40, 44};
	baton_account_info info = {"wipe.me", NULL, 0, NULL, 0, NULL};
	baton_credential_options random = {BATON_CREDENTIAL_OPTION_RANDOM_PASSWORD, 24, NULL, 0, NULL, NULL, false};
	baton_credential_issue_request req;
	const baton_resource_syncer *us = syncer("user");
	size_t i, kept = 0;
	box b;

	(void)state;
	memset(&wiped, 0, sizeof(wiped));
	demo_secret_wiped = observe_wipe;

	begin(&b, BATON__CALL_CREATE_ACCOUNT, "user", "");
	assert_int_equal(us->create_account(&b.ctx, &info, &random), 0);
	assert_int_equal(b.call.account_result, BATON_ACCOUNT_CREATED);
	assert_int_equal(b.call.n_secrets, 1);
	assert_int_equal(b.call.secrets[0].len, 24);
	assert_false(all_zero(b.call.secrets[0].bytes, 24));
	end(&b);
	expect_wipes(1, pw);
	begin(&b, BATON__CALL_CREATE_ACCOUNT, "user", "");
	assert_int_equal(us->create_account(&b.ctx, &info, &random), 0);
	assert_int_equal(b.call.account_result, BATON_ACCOUNT_ALREADY_EXISTS);
	end(&b);
	expect_wipes(1, pw);

	begin(&b, BATON__CALL_ROTATE, "user", "");
	assert_int_equal(us->rotate_credentials(&b.ctx, &(baton_resource_id){"user", "u0002"}, &random), 0);
	assert_int_equal(b.call.n_secrets, 1);
	assert_false(all_zero(b.call.secrets[0].bytes, 24));
	end(&b);
	expect_wipes(1, pw);
	begin(&b, BATON__CALL_ROTATE, "user", "");
	assert_int_equal(us->rotate_credentials(&b.ctx, &(baton_resource_id){"user", "nobody"}, &random),
	                 BATON_ENOTFOUND);
	end(&b);
	expect_wipes(0, NULL); /* refused before a password was made */

	memset(&req, 0, sizeof(req));
	req.identity = (baton_resource_id){"user", "u0006"};
	req.kind = BATON_CREDENTIAL_OPTION_API_KEY;
	req.request_id = "wipe-task";
	begin(&b, BATON__CALL_ISSUE_CREDENTIAL, "user", "");
	assert_int_equal(us->issue_credential(&b.ctx, &req), 0);
	assert_int_equal(b.call.n_secrets, 1);
	assert_int_equal(b.call.secrets[0].len, 44);
	assert_false(all_zero(b.call.secrets[0].bytes, 44));
	end(&b);
	expect_wipes(2, token);
	assert_non_null(demo_model_answer(model(), "wipe-task"));

	/* the last close frees the model: every kept value is wiped, "wipe-task"'s among them */
	baton__runtime_close(&rt);
	memset(&rt, 0, sizeof(rt));
	assert_true(wiped.n >= 1 && wiped.n <= 32);
	for (i = 0; i < wiped.n; i++) {
		assert_int_equal(wiped.len[i], 44);
		assert_true(wiped.zero[i]);
		kept++;
	}
	assert_true(kept >= 1);
	demo_secret_wiped = NULL;
	assert_int_equal(baton__runtime_open(&rt, &demo_connector), 0);
}

/* init's errors say what is wrong: a variable that is not a number, or projects asked for without
 * a workspace (numbers both, so "not a valid number" would send people looking at the wrong thing). */
static void test_init_errors(void **state)
{
	baton__runtime other;

	(void)state;
	setenv("BATON_DEMO_PROJECTS", "3", 1);
	setenv("BATON_DEMO_WORKSPACES", "0", 1);
	memset(&other, 0, sizeof(other));
	assert_int_not_equal(baton__runtime_open(&other, &demo_connector), 0);
	assert_non_null(strstr(baton_error_last()->message, "BATON_DEMO_WORKSPACES: projects need at least one workspace"));
	setenv("BATON_DEMO_WORKSPACES", "none", 1);
	memset(&other, 0, sizeof(other));
	assert_int_not_equal(baton__runtime_open(&other, &demo_connector), 0);
	assert_non_null(strstr(baton_error_last()->message, "BATON_DEMO_WORKSPACES: not a valid number"));
	unsetenv("BATON_DEMO_PROJECTS");
	unsetenv("BATON_DEMO_WORKSPACES");
}

/* The test hooks' counts are numbers of calls: anything else is refused, not wrapped around
 * (" -1" through strtoul) or saturated. */
static void test_hook_counts(void **state)
{
	static const char *const bad[] = {" -1", "-1", "+3", " 3", "3 ", "3x", "", "99999999999999999999999"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("BATON_DEMO_FAIL_AFTER", bad[i], 1);
		if (*bad[i] == '\0')
			assert_int_equal(demo_hooks_setup(), 0); /* empty: unset */
		else if (demo_hooks_setup() != -1)
			fail_msg("BATON_DEMO_FAIL_AFTER=\"%s\" was accepted", bad[i]);
	}
	setenv("BATON_DEMO_FAIL_AFTER", "1000000000", 1);
	assert_int_equal(demo_hooks_setup(), 0);
	unsetenv("BATON_DEMO_FAIL_AFTER");
	assert_int_equal(demo_hooks_setup(), 0);
}

/* The "usage" feed's clock override is Unix seconds or refused: "soon" used to read as 0 (the
 * epoch), a feed empty without a word. */
static void test_event_now(void **state)
{
	static const char *const bad[] = {"soon", "-5", " 17", "17x", "99999999999999999999999"};
	const baton_event_feed *usage = demo_event_feeds[0];
	size_t i;
	box b;

	(void)state;
	assert_string_equal(usage->id, "usage");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("BATON_DEMO_NOW", bad[i], 1);
		begin(&b, BATON__CALL_LIST, "user", "");
		assert_int_equal(usage->list_events(&b.ctx, NULL, "", 10), BATON_EINVALID);
		assert_non_null(strstr(baton_error_last()->message, "BATON_DEMO_NOW must be a time in Unix seconds"));
		end(&b);
	}
	unsetenv("BATON_DEMO_NOW");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_pages),
		cmocka_unit_test(test_entitlements_and_grants),
		cmocka_unit_test(test_get),
		cmocka_unit_test(test_grant_and_revoke),
		cmocka_unit_test(test_accounts_and_credentials),
		cmocka_unit_test(test_create_and_delete),
		cmocka_unit_test(test_changes_persist),
		cmocka_unit_test(test_calls_are_counted),
		cmocka_unit_test(test_issue_token_request_id),
		cmocka_unit_test(test_secrets_wiped),
		cmocka_unit_test(test_init_errors),
		cmocka_unit_test(test_hook_counts),
		cmocka_unit_test(test_event_now),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
