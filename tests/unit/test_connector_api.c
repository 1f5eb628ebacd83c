/* The connector-facing helpers: page bag bytes, session store, capabilities, sync token, ctx rules. */
#include "sync_testutil.h"
#include "connector/connector.h"
#include "sync/state.h"
#include "types/types.h"

/* ---- page bag: expected bytes follow Go's encoding/json (field order, omitempty, nil vs empty
 * slice, HTML-safe escaping, U+2028/2029, invalid UTF-8 as U+FFFD) ---- */

static char *marshal(baton_page_bag *bag)
{
	char *out;
	CHECK(baton_page_bag_marshal(bag, &out));
	return out;
}

static void test_page_bag_bytes(void **state)
{
	(void)state;
	baton_ctx *ctx;
	baton_ctx_new(&ctx);
	baton_page_bag *bag;
	CHECK(baton_page_bag_new(ctx, "", &bag));
	assert_string_equal(marshal(bag), "");
	char *tok;
	CHECK(baton_page_bag_next_token(bag, "", &tok));
	assert_string_equal(tok, "{\"states\":null,\"current_state\":{}}");

	CHECK(baton_page_bag_new(ctx, NULL, &bag));
	CHECK(baton_page_bag_push(bag, "page=1", "group", NULL));
	assert_string_equal(marshal(bag), "{\"states\":null,\"current_state\":{\"token\":\"page=1\",\"type\":\"group\"}}");

	CHECK(baton_page_bag_new(ctx, NULL, &bag));
	CHECK(baton_page_bag_push(bag, NULL, "group", "g1"));
	CHECK(baton_page_bag_push(bag, NULL, "user", NULL));
	assert_string_equal(marshal(bag), "{\"states\":[{\"type\":\"group\",\"id\":\"g1\"}],\"current_state\":{\"type\":\"user\"}}");
	baton_page_state st;
	assert_true(baton_page_bag_pop(bag, &st));
	assert_string_equal(st.resource_type_id, "user");
	/* the list was emptied by a pop: [] not null */
	assert_string_equal(marshal(bag), "{\"states\":[],\"current_state\":{\"type\":\"group\",\"id\":\"g1\"}}");
	CHECK(baton_page_bag_next_token(bag, "p2", &tok));
	assert_string_equal(tok, "{\"states\":[],\"current_state\":{\"token\":\"p2\",\"type\":\"group\",\"id\":\"g1\"}}");
	CHECK(baton_page_bag_next_token(bag, "", &tok));
	assert_string_equal(tok, "");
	assert_int_equal(baton_page_bag_next(bag, "x"), BATON_EPRECONDITION);
	assert_string_equal(baton_error_last()->message, "no active page state");

	/* escaping */
	CHECK(baton_page_bag_new(ctx, NULL, &bag));
	CHECK(baton_page_bag_push(bag, "https://x/?a=1&b=<2>\"\\\n\t\x01\b\f\xe2\x80\xa8\xe2\x80\xa9\xc3\xa9\xff", NULL, NULL));
	assert_string_equal(marshal(bag), "{\"states\":null,\"current_state\":{\"token\":\"https://x/?a=1\\u0026b=\\u003c2\\u003e"
	                                  "\\\"\\\\\\n\\t\\u0001\\b\\f\\u2028\\u2029\xc3\xa9\\ufffd\"}}");

	/* round trips keep null versus [] */
	const char *in1 = "{\"states\":[],\"current_state\":{\"token\":\"x\"}}";
	CHECK(baton_page_bag_new(ctx, in1, &bag));
	assert_string_equal(marshal(bag), in1);
	const char *in2 = "{\"STATES\":null,\"Current_State\":{\"TOKEN\":\"x\",\"extra\":1}}";
	CHECK(baton_page_bag_new(ctx, in2, &bag));
	assert_string_equal(marshal(bag), "{\"states\":null,\"current_state\":{\"token\":\"x\"}}");
	CHECK(baton_page_bag_new(ctx, "{\"states\":[{\"id\":\"a\"}]}", &bag));
	assert_string_equal(marshal(bag), ""); /* no current state: the empty token, as Go */
	CHECK(baton_page_bag_push(bag, "t", NULL, NULL));
	assert_string_equal(marshal(bag), "{\"states\":[{\"id\":\"a\"}],\"current_state\":{\"token\":\"t\"}}");

	/* corrupt tokens */
	assert_int_equal(baton_page_bag_new(ctx, "{\"states\":5}", &bag), BATON_EINVALID);
	assert_string_equal(baton_error_last()->message, "page token corrupt: json: cannot unmarshal number into Go struct "
	                    "field serializedPaginationBag.states of type []pagination.PageState");
	assert_int_equal(baton_page_bag_new(ctx, "{\"current_state\":{\"token\":7}}", &bag), BATON_EINVALID);
	assert_string_equal(baton_error_last()->message, "page token corrupt: json: cannot unmarshal number into Go struct "
	                    "field PageState.current_state.token of type string");
	assert_int_equal(baton_page_bag_new(ctx, "\"abc\"", &bag), BATON_EINVALID);
	assert_string_equal(baton_error_last()->message, "page token corrupt: json: cannot unmarshal string into Go value "
	                    "of type pagination.serializedPaginationBag");
	assert_int_equal(baton_page_bag_new(ctx, "{\"states\":", &bag), BATON_EINVALID);
	assert_string_equal(baton_error_last()->message, "page token corrupt: unexpected end of JSON input");
	baton_ctx_free(ctx);
}

/* ---- session store ---- */

typedef struct each_acc {
	char keys[256];
} each_acc;
static int each_fn(const char *key, const uint8_t *value, size_t len, void *ud)
{
	each_acc *a = ud;
	strcat(a->keys, key);
	strcat(a->keys, "=");
	strncat(a->keys, (const char *)value, len);
	strcat(a->keys, ";");
	return 0;
}

static void test_session_store(void **state)
{
	(void)state;
	char *path = tmp_c1z("session");
	baton_store *s;
	CHECK(baton_store_open(path, NULL, &s));
	char sid[28];
	CHECK(baton_store_sync_start(s, BATON_SYNC_TYPE_FULL, NULL, sid));
	baton__runtime rt;
	memset(&rt, 0, sizeof(rt));
	baton_ctx *ctx;
	baton_ctx_new(&ctx);
	/* outside a sync */
	assert_int_equal(baton_session_set(ctx, NULL, "k", (const uint8_t *)"v", 1), BATON_EPRECONDITION);
	rt.store = s;
	rt.sync_id = sid;
	baton__call call;
	memset(&call, 0, sizeof(call));
	baton__call_begin(&call, ctx, &rt, BATON__CALL_LIST, NULL, "");
	CHECK(baton_session_set(ctx, "users/", "a", (const uint8_t *)"1", 1));
	CHECK(baton_session_set(ctx, "users/", "b", (const uint8_t *)"2", 1));
	CHECK(baton_session_set(ctx, "groups/", "a", (const uint8_t *)"3", 1));
	CHECK(baton_session_set(ctx, NULL, "users/c", (const uint8_t *)"4", 1)); /* prefix + key, no separator */
	const uint8_t *v;
	size_t n;
	CHECK(baton_session_get(ctx, "users/", "c", &v, &n));
	assert_int_equal(n, 1);
	assert_memory_equal(v, "4", 1);
	each_acc acc = {""};
	CHECK(baton_session_each(ctx, "users/", each_fn, &acc));
	assert_string_equal(acc.keys, "a=1;b=2;c=4;");
	CHECK(baton_session_delete(ctx, "users/", "b"));
	assert_int_equal(baton_session_get(ctx, "users/", "b", &v, &n), BATON_ENOTFOUND);
	CHECK(baton_session_clear(ctx, "users/"));
	assert_int_equal(baton_session_get(ctx, "users/", "a", &v, &n), BATON_ENOTFOUND);
	CHECK(baton_session_get(ctx, "groups/", "a", &v, &n));
	/* JSON helpers */
	CHECK(baton_session_set_json(ctx, NULL, "j", "{\"x\":[1,2]}"));
	char *json;
	CHECK(baton_session_get_json(ctx, NULL, "j", &json));
	assert_string_equal(json, "{\"x\":[1,2]}");
	assert_int_equal(baton_session_set_json(ctx, NULL, "j", "{nope"), BATON_EINVALID);
	/* limits */
	char key[600];
	memset(key, 'k', sizeof(key));
	key[513] = '\0';
	assert_int_equal(baton_session_set(ctx, NULL, key, (const uint8_t *)"v", 1), BATON_EINVALID);
	key[512] = '\0';
	CHECK(baton_session_set(ctx, NULL, key, (const uint8_t *)"v", 1));
	assert_int_equal(baton_session_set(ctx, NULL, "", (const uint8_t *)"v", 1), BATON_EINVALID);
	char prefix[600];
	memset(prefix, 'p', sizeof(prefix));
	prefix[513] = '\0';
	assert_int_equal(baton_session_clear(ctx, prefix), BATON_EINVALID);
	uint8_t *big = calloc(4132865, 1);
	assert_int_equal(baton_session_set(ctx, NULL, "big", big, 4132865), BATON_EINVALID);
	CHECK(baton_session_set(ctx, NULL, "big", big, 4132864));
	free(big);
	CHECK(baton_session_clear(ctx, NULL));
	assert_int_equal(baton_session_get(ctx, "groups/", "a", &v, &n), BATON_ENOTFOUND);
	/* get_many / set_many (Go's GetMany / SetMany) */
	baton_session_item set[3] = {{"x", (const uint8_t *)"10", 2, false}, {"y", (const uint8_t *)"20", 2, false},
	                             {"x", (const uint8_t *)"11", 2, false}};
	CHECK(baton_session_set_many(ctx, "m/", set, 3));
	baton_session_item get[3] = {{"x", NULL, 0, false}, {"nope", NULL, 0, true}, {"y", NULL, 0, false}};
	CHECK(baton_session_get_many(ctx, "m/", get, 3));
	assert_true(get[0].found);
	assert_int_equal(get[0].len, 2);
	assert_memory_equal(get[0].value, "11", 2); /* the last of a repeated key */
	assert_false(get[1].found);
	assert_null(get[1].value);
	assert_true(get[2].found);
	assert_memory_equal(get[2].value, "20", 2);
	CHECK(baton_session_get(ctx, NULL, "m/y", &v, &n)); /* stored under prefix + key */
	/* one bad item: nothing is written */
	baton_session_item bad[2] = {{"z", (const uint8_t *)"1", 1, false}, {"", (const uint8_t *)"1", 1, false}};
	assert_int_equal(baton_session_set_many(ctx, "m/", bad, 2), BATON_EINVALID);
	assert_non_null(strstr(baton_error_last()->message, "item 1"));
	assert_int_equal(baton_session_get(ctx, "m/", "z", &v, &n), BATON_ENOTFOUND);
	assert_int_equal(baton_session_get_many(ctx, "m/", bad, 2), BATON_EINVALID);
	CHECK(baton_session_clear(ctx, NULL));
	baton__call_end(&call, ctx);
	baton__call_free(&call);
	baton_ctx_free(ctx);
	baton_store_discard(s);
	free(path);
}

/* ---- capabilities ---- */

static int nop_list(baton_ctx *c, const baton_resource_id *p) { (void)c; (void)p; return 0; }
static int nop_get(baton_ctx *c, const baton_resource_id *i, const baton_resource_id *p) { (void)c; (void)i; (void)p; return 0; }
static int nop_grant(baton_ctx *c, const baton_resource *p, const baton_entitlement *e) { (void)c; (void)p; (void)e; return 0; }
static int nop_revoke(baton_ctx *c, const baton_grant *g) { (void)c; (void)g; return 0; }
static int nop_create(baton_ctx *c, const baton_resource *r) { (void)c; (void)r; return 0; }
static int nop_delete(baton_ctx *c, const baton_resource_id *i, const baton_resource_id *p) { (void)c; (void)i; (void)p; return 0; }
static int nop_account(baton_ctx *c, const baton_account_info *i, const baton_credential_options *o) { (void)c; (void)i; (void)o; return 0; }
static int nop_rotate(baton_ctx *c, const baton_resource_id *i, const baton_credential_options *o) { (void)c; (void)i; (void)o; return 0; }
static int nop_static(baton_ctx *c) { (void)c; return 0; }

static const baton_credential_option acct_opts[] = {BATON_CREDENTIAL_OPTION_NO_PASSWORD, BATON_CREDENTIAL_OPTION_RANDOM_PASSWORD};
static const baton_credential_details acct_details = {acct_opts, 2, BATON_CREDENTIAL_OPTION_RANDOM_PASSWORD};
static const baton_credential_option rot_opts[] = {BATON_CREDENTIAL_OPTION_RANDOM_PASSWORD};
static const baton_credential_details rot_details = {rot_opts, 1, BATON_CREDENTIAL_OPTION_RANDOM_PASSWORD};
static baton_credential_details bad_details = {rot_opts, 1, BATON_CREDENTIAL_OPTION_SSO};

static baton_resource_syncer cap_user = {
	.version = 1, .name = "User", .traits = user_traits, .n_traits = 1, .list = nop_list, .get = nop_get,
	.static_entitlements = nop_static, .grant = nop_grant, .revoke = nop_revoke, .create_resource = nop_create,
	.delete_resource = nop_delete, .create_account = nop_account, .create_account_details = &acct_details,
	.rotate_credentials = nop_rotate, .rotate_details = &rot_details,
};
static const baton_resource_syncer cap_group = {
	.version = 1, .name = "Group", .traits = group_traits, .n_traits = 1, .list = nop_list,
	.delete_resource = nop_delete,
};
static const baton_resource_syncer *const cap_types[] = {&cap_user, &cap_group};
static const baton_connector cap_connector = {
	.version = 1, .display_name = "Caps", .resource_types = cap_types, .n_resource_types = 2,
};

static void test_capabilities_json(void **state)
{
	(void)state;
	baton_ctx *ctx;
	baton_ctx_new(&ctx);
	char *json;
	CHECK(baton__connector_capabilities_json(&cap_connector, ctx, false, &json));
	assert_string_equal(json,
		"{\"resourceTypeCapabilities\":["
		"{\"resourceType\":{\"id\":\"group\",\"displayName\":\"Group\",\"traits\":[\"TRAIT_GROUP\"]},"
		"\"capabilities\":[\"CAPABILITY_SYNC\",\"CAPABILITY_RESOURCE_DELETE\"],\"permissions\":{}},"
		"{\"resourceType\":{\"id\":\"user\",\"displayName\":\"User\",\"traits\":[\"TRAIT_USER\"]},"
		"\"capabilities\":[\"CAPABILITY_SYNC\",\"CAPABILITY_TARGETED_SYNC\",\"CAPABILITY_PROVISION\","
		"\"CAPABILITY_ACCOUNT_PROVISIONING\",\"CAPABILITY_RESOURCE_DELETE\",\"CAPABILITY_RESOURCE_CREATE\","
		"\"CAPABILITY_CREDENTIAL_ROTATION\"],\"permissions\":{}}],"
		"\"connectorCapabilities\":[\"CAPABILITY_PROVISION\",\"CAPABILITY_SYNC\",\"CAPABILITY_ACCOUNT_PROVISIONING\","
		"\"CAPABILITY_CREDENTIAL_ROTATION\",\"CAPABILITY_RESOURCE_CREATE\",\"CAPABILITY_RESOURCE_DELETE\","
		"\"CAPABILITY_TARGETED_SYNC\",\"CAPABILITY_SERVICE_MODE_TARGETED_SYNC\"],"
		"\"credentialDetails\":{\"capabilityAccountProvisioning\":{\"supportedCredentialOptions\":"
		"[\"CAPABILITY_DETAIL_CREDENTIAL_OPTION_NO_PASSWORD\",\"CAPABILITY_DETAIL_CREDENTIAL_OPTION_RANDOM_PASSWORD\"],"
		"\"preferredCredentialOption\":\"CAPABILITY_DETAIL_CREDENTIAL_OPTION_RANDOM_PASSWORD\"},"
		"\"capabilityCredentialRotation\":{\"supportedCredentialOptions\":"
		"[\"CAPABILITY_DETAIL_CREDENTIAL_OPTION_RANDOM_PASSWORD\"],"
		"\"preferredCredentialOption\":\"CAPABILITY_DETAIL_CREDENTIAL_OPTION_RANDOM_PASSWORD\"}}}");
	/* invalid details */
	cap_user.rotate_details = &bad_details;
	assert_int_equal(baton__connector_capabilities_json(&cap_connector, ctx, false, &json), BATON_EINVALID);
	assert_non_null(strstr(baton_error_last()->message, "preferred credential rotation option is not part of the supported options"));
	cap_user.rotate_details = &rot_details;
	baton_ctx_free(ctx);
}

/* ---- sync token ---- */

static void test_sync_token(void **state)
{
	(void)state;
	baton__state st;
	CHECK(baton__state_unmarshal(&st, ""));
	baton__state_finish(&st, 0);
	const int ops[] = {BATON__OP_GRANT_EXPANSION, BATON__OP_GRANTS, BATON__OP_ENTITLEMENTS,
	                   BATON__OP_STATIC_ENTITLEMENTS, BATON__OP_RESOURCES, BATON__OP_RESOURCE_TYPES};
	for (int i = 0; i < 6; i++) {
		baton__action a = {0};
		a.op = ops[i];
		CHECK(baton__state_push(&st, &a, NULL));
	}
	st.ingest_quality.known = true;
	char *tok;
	CHECK(baton__state_marshal(&st, &tok));
	assert_string_equal(tok,
		"{\"actions_map\":{\"0000000001\":{\"id\":\"0000000001\",\"operation\":\"grant-expansion\"},"
		"\"0000000002\":{\"id\":\"0000000002\",\"operation\":\"list-grants\"},"
		"\"0000000003\":{\"id\":\"0000000003\",\"operation\":\"list-entitlements\"},"
		"\"0000000004\":{\"id\":\"0000000004\",\"operation\":\"list-static-entitlements\"},"
		"\"0000000005\":{\"id\":\"0000000005\",\"operation\":\"list-resources\"},"
		"\"0000000006\":{\"id\":\"0000000006\",\"operation\":\"list-resource-types\"}},"
		"\"action_order\":[\"0000000001\",\"0000000002\",\"0000000003\",\"0000000004\",\"0000000005\",\"0000000006\"],"
		"\"current_action_id\":7,\"completed_actions_count\":1,\"ingest_quality\":{},\"version\":1}");
	/* read back: same bytes */
	baton__state st2;
	CHECK(baton__state_unmarshal(&st2, tok));
	char *tok2;
	CHECK(baton__state_marshal(&st2, &tok2));
	assert_string_equal(tok, tok2);
	free(tok);
	free(tok2);
	/* a spawned cursor makes it version 2; page tokens escaped as Go */
	baton__action sp = {0};
	sp.op = BATON__OP_GRANTS;
	sp.resource_type_id = "group";
	sp.resource_id = "g<1>";
	sp.page_token = "a&b";
	sp.spawned = true;
	CHECK(baton__state_push(&st2, &sp, NULL));
	CHECK(baton__state_marshal(&st2, &tok));
	assert_non_null(strstr(tok, "\"0000000007\":{\"id\":\"0000000007\",\"operation\":\"list-grants\",\"page_token\":"
	                            "\"a\\u0026b\",\"resource_type_id\":\"group\",\"resource_id\":\"g\\u003c1\\u003e\",\"spawned\":true}"));
	assert_non_null(strstr(tok, "\"version\":2}"));
	free(tok);
	baton__state_free(&st);
	baton__state_free(&st2);

	/* legacy V0 */
	CHECK(baton__state_unmarshal(&st, "{\"current_action\":{\"operation\":\"grant-expansion\",\"page_token\":\"x\"},"
	                                 "\"needs_expansion\":true,\"entitlement_graph\":{\"next_node_id\":3},"
	                                 "\"completed_actions_count\":600}"));
	CHECK(baton__state_marshal(&st, &tok));
	assert_string_equal(tok, "{\"actions_map\":{\"0000000000\":{\"id\":\"0000000000\",\"operation\":\"grant-expansion\"}},"
	                         "\"action_order\":[\"0000000000\"],\"current_action_id\":1,\"needs_expansion\":true,"
	                         "\"completed_actions_count\":600,\"version\":1}");
	free(tok);
	baton__state_free(&st);
	assert_int_equal(baton__state_unmarshal(&st, "nope"), BATON_EINVALID);
	assert_non_null(strstr(baton_error_last()->message, "syncer token corrupt"));
}

/* ---- ctx rules ---- */

static void test_ctx_rules(void **state)
{
	(void)state;
	baton_ctx *ctx;
	baton_ctx_new(&ctx);
	assert_int_equal(baton_ctx_set_next_page(ctx, "x"), BATON_EPRECONDITION);
	assert_null(baton_ctx_userdata(ctx));
	assert_string_equal(baton_ctx_page_token(ctx), "");
	baton__runtime rt;
	memset(&rt, 0, sizeof(rt));
	baton__call call;
	memset(&call, 0, sizeof(call));
	baton__call_begin(&call, ctx, &rt, BATON__CALL_ENTITLEMENTS, NULL, "p1");
	assert_string_equal(baton_ctx_page_token(ctx), "p1");
	baton_resource_id id = {"user", "u1"};
	baton_resource *r;
	CHECK(baton_resource_new_with_id(ctx, "u1", &id, &r));
	/* wrong kind for this callback */
	assert_int_equal(baton_ctx_emit_resource(ctx, r), BATON_EINVALID);
	/* an object from another context */
	baton_ctx *other;
	baton_ctx_new(&other);
	baton_entitlement *e;
	CHECK(baton_assignment_entitlement_new(other, r, "member", &e));
	assert_int_equal(baton_ctx_emit_entitlement(ctx, e), BATON_EINVALID);
	CHECK(baton_assignment_entitlement_new(ctx, r, "member", &e));
	CHECK(baton_ctx_emit_entitlement(ctx, e));
	assert_int_equal(call.n_items, 1);
	char *big = malloc(1024 * 1024 + 2);
	memset(big, 'x', 1024 * 1024 + 1);
	big[1024 * 1024 + 1] = '\0';
	assert_int_equal(baton_ctx_set_next_page(ctx, big), BATON_EINVALID);
	free(big);
	CHECK(baton_ctx_set_next_page(ctx, "p2"));
	assert_string_equal(call.next_page, "p2");
	baton__call_end(&call, ctx);
	assert_int_equal(call.n_items, 0);
	baton__call_free(&call);
	baton_ctx_free(other);
	baton_ctx_free(ctx);
}

static void test_generate_password(void **state)
{
	(void)state;
	baton_ctx *ctx;
	baton_ctx_new(&ctx);
	baton_credential_options o = {0};
	o.kind = BATON_CREDENTIAL_OPTION_RANDOM_PASSWORD;
	o.password_length = 12;
	char *pw;
	CHECK(baton_ctx_generate_password(ctx, &o, &pw));
	assert_int_equal(strlen(pw), 12);
	bool up = false, lo = false, dg = false, sym = false;
	for (char *p = pw; *p; p++) {
		up |= *p >= 'A' && *p <= 'Z';
		lo |= *p >= 'a' && *p <= 'z';
		dg |= *p >= '0' && *p <= '9';
		sym |= strchr("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", *p) != NULL;
	}
	assert_true(up && lo && dg && sym);
	baton_password_constraint c[] = {{"ab", 5}, {"9", 3}};
	o.constraints = c;
	o.n_constraints = 2;
	o.password_length = 8;
	CHECK(baton_ctx_generate_password(ctx, &o, &pw));
	int n9 = 0, nab = 0;
	for (char *p = pw; *p; p++) {
		n9 += *p == '9';
		nab += *p == 'a' || *p == 'b';
	}
	assert_int_equal(n9, 3);
	assert_int_equal(nab, 5);
	o.password_length = 7;
	assert_int_equal(baton_ctx_generate_password(ctx, &o, &pw), BATON_EINVALID);
	o.password_length = 65;
	assert_int_equal(baton_ctx_generate_password(ctx, &o, &pw), BATON_EINVALID);
	baton_ctx_free(ctx);
}

static void test_resource_refs(void **state)
{
	(void)state;
	char *r[4];
	CHECK(baton__parse_resource_ref("bid:r:group/g1/user/u\\/2", r));
	assert_string_equal(r[0], "user");
	assert_string_equal(r[1], "u/2");
	assert_string_equal(r[2], "group");
	assert_string_equal(r[3], "g1");
	for (int i = 0; i < 4; i++)
		free(r[i]);
	CHECK(baton__parse_resource_ref("user/u1", r));
	assert_string_equal(r[0], "user");
	assert_null(r[2]);
	free(r[0]);
	free(r[1]);
	assert_int_equal(baton__parse_resource_ref("user", r), BATON_EINVALID);
	assert_int_equal(baton__parse_resource_ref("bid:e:x/y", r), BATON_EINVALID);
}

int main(void)
{
	baton__log_configure(BATON_LOG_ERROR, BATON__LOG_CONSOLE);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_page_bag_bytes),
		cmocka_unit_test(test_session_store),
		cmocka_unit_test(test_capabilities_json),
		cmocka_unit_test(test_sync_token),
		cmocka_unit_test(test_ctx_rules),
		cmocka_unit_test(test_generate_password),
		cmocka_unit_test(test_resource_refs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
