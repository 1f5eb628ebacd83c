/*
 * The object argument readers of an action's invoke (Go's GetResourceFieldArg,
 * GetResourceListFieldArg, GetEntitlementListFieldArg, GetGrantListFieldArg): what the
 * return-field builders write reads back to the same objects (round trip through the response),
 * the proto field names are accepted too, and a missing argument, a wrong type, a bad item or an
 * unknown field each give their error.
 */
#include <stdio.h>

#include "action_testutil.h"

/* Records a reader's code in the response so the test thread checks it. */
static int note(baton_ctx *ctx, const char *key, int rc)
{
	return baton_ctx_action_return_number(ctx, key, rc);
}

/* Reads every argument the test sends and echoes the objects back through the builders. */
static int act_echo(baton_ctx *ctx, const char *args_json)
{
	(void)args_json;
	int rc;
	baton_resource *r = NULL;
	if ((rc = baton_ctx_action_arg_resource(ctx, "res", &r)) || (rc = baton_ctx_action_return_resource_list(ctx, "res", &r, 1)) ||
	    (rc = baton_ctx_action_return_resource(ctx, "res1", r)))
		return rc;
	if ((rc = note(ctx, "ret_null", baton_ctx_action_return_resource(ctx, "x", NULL))))
		return rc;
	if ((rc = baton_ctx_action_arg_resource(ctx, "res_snake", &r)) ||
	    (rc = baton_ctx_action_return_resource_list(ctx, "res_snake", &r, 1)))
		return rc;
	if ((rc = baton_ctx_action_return_string(ctx, "res_snake_name", baton_resource_display_name(r))))
		return rc;
	baton_resource **rl = NULL;
	size_t n = 0;
	if ((rc = baton_ctx_action_arg_resource_list(ctx, "rl", &rl, &n)) ||
	    (rc = baton_ctx_action_return_resource_list(ctx, "rl", rl, n)))
		return rc;
	baton_entitlement **el = NULL;
	if ((rc = baton_ctx_action_arg_entitlement_list(ctx, "el", &el, &n)) ||
	    (rc = baton_ctx_action_return_entitlement_list(ctx, "el", el, n)))
		return rc;
	if ((rc = baton_ctx_action_return_number(ctx, "el_purpose1", (double)baton_entitlement_purpose_of(el[1]))))
		return rc;
	baton_grant **gl = NULL;
	if ((rc = baton_ctx_action_arg_grant_list(ctx, "gl", &gl, &n)) ||
	    (rc = baton_ctx_action_return_grant_list(ctx, "gl", gl, n)))
		return rc;
	baton_resource_id pid = baton_grant_principal_id(gl[0]);
	if ((rc = baton_ctx_action_return_string(ctx, "gl_principal", pid.resource)) ||
	    (rc = baton_ctx_action_return_string(ctx, "gl_entitlement", baton_grant_entitlement_id(gl[0]))))
		return rc;
	/* empty lists are lists */
	if ((rc = baton_ctx_action_arg_grant_list(ctx, "empty", &gl, &n)) ||
	    (rc = baton_ctx_action_return_number(ctx, "empty_n", (double)n)))
		return rc;
	/* the errors: presence-only calls (NULL outs) too */
	static const char *const bad[] = {"absent", "null", "num", "unknown_field", "bad_item", "wrong_kind",
	                                  "unknown_any", "bad_id"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		char k[64];
		snprintf(k, sizeof(k), "res_%s", bad[i]);
		if ((rc = note(ctx, k, baton_ctx_action_arg_resource(ctx, bad[i], NULL))))
			return rc;
		snprintf(k, sizeof(k), "rl_%s", bad[i]);
		if ((rc = note(ctx, k, baton_ctx_action_arg_resource_list(ctx, bad[i], NULL, NULL))))
			return rc;
		snprintf(k, sizeof(k), "el_%s", bad[i]);
		if ((rc = note(ctx, k, baton_ctx_action_arg_entitlement_list(ctx, bad[i], NULL, NULL))))
			return rc;
		snprintf(k, sizeof(k), "gl_%s", bad[i]);
		if ((rc = note(ctx, k, baton_ctx_action_arg_grant_list(ctx, bad[i], NULL, NULL))))
			return rc;
	}
	/* the message an action can return as is */
	baton_ctx_action_arg_grant_list(ctx, "num", NULL, NULL);
	if ((rc = baton_ctx_action_return_string(ctx, "msg", baton_error_last()->message)))
		return rc;
	return baton_ctx_action_return_success(ctx, true);
}

static const baton_action echo = {.version = BATON_ACTION_VERSION, .name = "echo", .invoke = act_echo};
static const baton_action *const actions[] = {&echo};

#define RES_U1                                                                                   \
	"{\"description\":\"first\",\"displayName\":\"U1\",\"parentResourceId\":{\"resourceId\":\"o1\"," \
	"\"resourceTypeId\":\"org\"},\"resourceId\":{\"resourceId\":\"u1\",\"resourceTypeId\":\"user\"}}"
#define RES_U2 "{\"resourceId\":{\"resourceId\":\"u2\",\"resourceTypeId\":\"user\"}}"
#define ENT1                                                                                     \
	"{\"description\":\"d\",\"displayName\":\"Member\",\"grantableToResourceTypeIds\":[\"user\",\"group\"]," \
	"\"id\":\"group:g1:member\",\"purpose\":\"PURPOSE_VALUE_PERMISSION\",\"resourceId\":\"g1\","        \
	"\"resourceTypeId\":\"group\",\"slug\":\"member\"}"
#define GRANT1                                                                                   \
	"{\"entitlement\":{\"id\":\"group:g1:member\"},\"id\":\"group:g1:member:user:u1\",\"principal\":" RES_U1 "}"

static const char args[] =
	"{\"res\": " RES_U1 ","
	" \"res_snake\": {\"resource_id\": {\"resource_type_id\": \"user\", \"resource_id\": \"u3\"},"
	"   \"display_name\": \"U3\"},"
	" \"rl\": [" RES_U1 ", " RES_U2 "],"
	" \"el\": [" ENT1 ", {\"id\": \"e2\", \"purpose\": \"nonsense\", \"resourceId\": \"only-id\"}],"
	" \"gl\": [" GRANT1 ", {\"id\": \"bare\"}],"
	" \"empty\": [],"
	" \"null\": null,"
	" \"num\": 5,"
	" \"unknown_field\": [{\"id\": \"x\", \"bogus\": 1}],"
	" \"bad_item\": [" RES_U2 ", 3],"
	" \"wrong_kind\": \"text\","
	" \"unknown_any\": [{\"annotations\": [{\"@type\": \"type.googleapis.com/no.such.Type\"}]}],"
	" \"bad_id\": [{\"resourceId\": \"flat\", \"principal\": 7, \"entitlement\": 1}]}";

static void test_object_args(void **state)
{
	(void)state;
	baton_connector c = action_connector("Args", actions, 1);
	char *out = action_invoke(&c, "echo", args);
	assert_non_null(out);
	json_error_t err;
	json_t *o = json_loads(out, 0, &err);
	assert_non_null(o);

	/* round trips: what the builders write reads back to the same objects */
	char *s = json_dumps(json_object_get(o, "res"), JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, "[" RES_U1 "]");
	free(s);
	s = json_dumps(json_object_get(o, "res1"), JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, RES_U1); /* NewResourceReturnField */
	free(s);
	assert_null(json_object_get(o, "x"));
	assert_int_equal((int)json_number_value(json_object_get(o, "ret_null")), BATON_EINVALID);
	s = json_dumps(json_object_get(o, "rl"), JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, "[" RES_U1 "," RES_U2 "]");
	free(s);
	s = json_dumps(json_object_get(o, "gl"), JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, "[" GRANT1 ",{\"id\":\"bare\"}]");
	free(s);
	/* the second entitlement: an unknown purpose is UNSPECIFIED, a resource id without its type
	 * gives no resource (Go's basicEntitlementToEntitlement) */
	s = json_dumps(json_object_get(o, "el"), JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, "[" ENT1 ",{\"id\":\"e2\",\"purpose\":\"PURPOSE_VALUE_UNSPECIFIED\"}]");
	free(s);
	assert_int_equal((int)json_number_value(json_object_get(o, "el_purpose1")), BATON_PURPOSE_UNSPECIFIED);
	/* proto names are read as well */
	s = json_dumps(json_object_get(o, "res_snake"), JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, "[{\"displayName\":\"U3\",\"resourceId\":{\"resourceId\":\"u3\",\"resourceTypeId\":\"user\"}}]");
	free(s);
	assert_string_equal(json_string_value(json_object_get(o, "res_snake_name")), "U3");
	assert_string_equal(json_string_value(json_object_get(o, "gl_principal")), "u1");
	assert_string_equal(json_string_value(json_object_get(o, "gl_entitlement")), "group:g1:member");
	assert_true(json_is_number(json_object_get(o, "empty_n")));
	assert_int_equal((int)json_number_value(json_object_get(o, "empty_n")), 0);

	/* the errors */
	static const struct {
		const char *key;
		int rc;
	} want[] = {
		{"res_absent", BATON_ENOTFOUND}, {"rl_absent", BATON_ENOTFOUND}, {"el_absent", BATON_ENOTFOUND},
		{"gl_absent", BATON_ENOTFOUND}, {"res_null", BATON_ENOTFOUND}, {"gl_null", BATON_ENOTFOUND},
		{"res_num", BATON_EINVALID}, {"rl_num", BATON_EINVALID}, {"el_num", BATON_EINVALID},
		{"gl_num", BATON_EINVALID},
		/* a list is not a resource; an object is not a list */
		{"res_unknown_field", BATON_EINVALID}, {"rl_wrong_kind", BATON_EINVALID},
		{"rl_unknown_field", BATON_EINVALID}, {"el_unknown_field", BATON_EINVALID},
		{"gl_unknown_field", BATON_EINVALID},
		{"rl_bad_item", BATON_EINVALID}, {"el_bad_item", BATON_EINVALID}, {"gl_bad_item", BATON_EINVALID},
		{"res_wrong_kind", BATON_EINVALID}, {"el_wrong_kind", BATON_EINVALID}, {"gl_wrong_kind", BATON_EINVALID},
		{"rl_unknown_any", BATON_EINVALID}, {"gl_unknown_any", BATON_EINVALID},
		{"rl_bad_id", BATON_EINVALID}, {"el_bad_id", BATON_EINVALID}, {"gl_bad_id", BATON_EINVALID},
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(*want); i++) {
		json_t *v = json_object_get(o, want[i].key);
		if (!json_is_number(v) || (int)json_number_value(v) != want[i].rc)
			fail_msg("%s: got %s, want %d", want[i].key, v ? json_dumps(v, JSON_ENCODE_ANY) : "nothing", want[i].rc);
	}
	assert_string_equal(json_string_value(json_object_get(o, "msg")), "required argument num is missing or invalid");
	json_decref(o);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_object_args),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
