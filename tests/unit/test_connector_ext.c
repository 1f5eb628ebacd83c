/*
 * Event feeds, actions and tickets (src/connector/ext.h): the registration rules, the capability
 * bits, ListEvents paging, action invocation and statuses, argument readers, constraints, ticket
 * checks against the schema.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "testutil.h"
#include "baton.h"
#include "connector/ext.h"
#include "core/log.h"
#include "proto/protojson.h"


/* ---- a small connector ---- */

static int list_nothing(baton_ctx *ctx, const baton_resource_id *parent)
{
	(void)ctx;
	(void)parent;
	return 0;
}

static const baton_trait user_traits[] = {BATON_TRAIT_USER};
static const baton_resource_syncer users = {
	.version = BATON_RESOURCE_SYNCER_VERSION, .name = "User", .traits = user_traits, .n_traits = 1,
	.list = list_nothing,
};
static const baton_resource_syncer groups = {
	.version = BATON_RESOURCE_SYNCER_VERSION, .name = "Group", .list = list_nothing,
};
static const baton_resource_syncer *const types[] = {&users, &groups};

/* A feed of 250 numbered events, one a minute from t0; the cursor is the next index. */
#define T0 INT64_C(1700000000)
#define N_EVENTS 250

static int list_numbers(baton_ctx *ctx, const baton_timestamp *start_at, const char *cursor, uint32_t page_size)
{
	long i = *cursor ? strtol(cursor, NULL, 10) : 0;
	if (!*cursor && start_at && start_at->seconds > T0)
		i = (long)((start_at->seconds - T0 + 59) / 60);
	uint32_t size = page_size ? page_size : 50;
	static const baton_trait ut[] = {BATON_TRAIT_USER};
	baton_resource_type *rt;
	int rc = baton_resource_type_new(ctx, "User", ut, 1, &rt);
	for (uint32_t k = 0; !rc && k < size && i < N_EVENTS; k++, i++) {
		char id[32];
		snprintf(id, sizeof(id), "ev-%ld", i);
		baton_resource *u;
		baton_event *ev;
		baton_timestamp at = {T0 + i * 60, 0};
		rc = baton_user_resource_new(ctx, "U", rt, "u1", &u);
		if (!rc)
			rc = baton_event_usage_new(ctx, id, at, u, NULL, &ev);
		if (!rc)
			rc = baton_ctx_emit_event(ctx, ev);
	}
	if (rc)
		return rc;
	char next[32];
	snprintf(next, sizeof(next), "%ld", i);
	return baton_ctx_set_event_stream(ctx, next, i < N_EVENTS);
}

static const baton_event_type usage_only[] = {BATON_EVENT_TYPE_USAGE};
static const baton_event_feed numbers = {
	.version = BATON_EVENT_FEED_VERSION, .id = "numbers", .event_types = usage_only, .n_event_types = 1,
	.list_events = list_numbers,
};
static const baton_event_feed *const feeds[] = {&numbers};

static int act_echo(baton_ctx *ctx, const char *args_json)
{
	const char *who;
	int rc = baton_ctx_action_arg_string(ctx, "name", &who);
	if (rc)
		return rc;
	(void)args_json;
	char buf[256];
	snprintf(buf, sizeof(buf), "{\"success\": true, \"hello\": \"%s\", \"action\": \"%s\"}", who,
	         baton_ctx_action_name(ctx));
	return baton_ctx_action_response_json(ctx, buf);
}

static int act_slow(baton_ctx *ctx, const char *args_json)
{
	(void)args_json;
	struct timespec ts = {1, 500000000L};
	nanosleep(&ts, NULL);
	return baton_ctx_action_response_json(ctx, "{\"success\": true}");
}

static int act_fail(baton_ctx *ctx, const char *args_json)
{
	(void)args_json;
	baton_ctx_action_response_json(ctx, "{\"success\": false}");
	return baton_error_set(BATON_EPERM, "not allowed");
}

static int act_disable(baton_ctx *ctx, const char *args_json)
{
	(void)args_json;
	baton_resource_id id;
	int64_t n;
	bool b;
	const char *const *list;
	size_t cnt;
	int rc = baton_ctx_action_arg_resource_id(ctx, "user", &id);
	if (rc)
		return rc;
	assert_int_equal(baton_ctx_action_arg_int(ctx, "days", &n), 0);
	assert_int_equal(n, 7);
	assert_int_equal(baton_ctx_action_arg_bool(ctx, "notify", &b), 0);
	assert_true(b);
	assert_int_equal(baton_ctx_action_arg_string_list(ctx, "tags", &list, &cnt), 0);
	assert_int_equal(cnt, 2);
	assert_string_equal(list[1], "b");
	assert_int_equal(baton_ctx_action_arg_bool(ctx, "days", &b), BATON_EINVALID);
	assert_string_equal(baton_error_last()->message, "required argument days is missing or invalid");
	assert_int_equal(baton_ctx_action_arg_string(ctx, "absent", NULL), BATON_ENOTFOUND);
	assert_string_equal(baton_ctx_action_resource_type(ctx), "user");
	char buf[256];
	snprintf(buf, sizeof(buf), "{\"disabled\": \"%s/%s\"}", id.resource_type, id.resource);
	if ((rc = baton_ctx_action_response_json(ctx, buf)))
		return rc;
	/* the object and resource-id-list arguments, and the return-field builders */
	char *opts;
	assert_int_equal(baton_ctx_action_arg_object_json(ctx, "opts", &opts), 0);
	assert_string_equal(opts, "{\"a\":2,\"z\":1}");
	assert_int_equal(baton_ctx_action_arg_object_json(ctx, "days", &opts), BATON_EINVALID);
	baton_resource_id *ids;
	size_t n_ids;
	assert_int_equal(baton_ctx_action_arg_resource_id_list(ctx, "members", &ids, &n_ids), 0);
	assert_int_equal(n_ids, 2);
	assert_string_equal(ids[1].resource_type, "group");
	assert_string_equal(ids[1].resource, "g2");
	assert_int_equal(baton_ctx_action_arg_resource_id_list(ctx, "tags", &ids, &n_ids), BATON_EINVALID);
	assert_int_equal(baton_ctx_action_arg_resource_id_list(ctx, "absent", &ids, &n_ids), BATON_ENOTFOUND);
	assert_int_equal(baton_ctx_action_return_number(ctx, "bad", strtod("nan", NULL)), BATON_EINVALID);
	const char *const names[] = {"x", "y"};
	const double nums[] = {1.5, -3, strtod("inf", NULL)};
	assert_int_equal(baton_ctx_action_return_number_list(ctx, "bad", nums, 3), BATON_EINVALID);
	assert_int_equal(baton_ctx_action_return_number_list(ctx, "bad", NULL, 1), BATON_EINVALID);
	if ((rc = baton_ctx_action_return_success(ctx, true)) || (rc = baton_ctx_action_return_string(ctx, "s", "t")) ||
	    (rc = baton_ctx_action_return_bool(ctx, "b", false)) || (rc = baton_ctx_action_return_number(ctx, "n", 2.5)) ||
	    (rc = baton_ctx_action_return_string_list(ctx, "l", names, 2)) ||
	    (rc = baton_ctx_action_return_resource_id(ctx, "id", &id)) ||
	    (rc = baton_ctx_action_return_resource_id_list(ctx, "ids", ids, n_ids)) ||
	    (rc = baton_ctx_action_return_number_list(ctx, "nl", nums, 2)))
		return rc;
	baton_resource *res[2] = {NULL, NULL};
	assert_int_equal(baton_resource_new_with_id(ctx, "User Nine", &id, &res[0]), 0);
	assert_int_equal(baton_resource_set_description(res[0], "ninth"), 0);
	assert_int_equal(baton_ctx_action_return_resource_list(ctx, "rl", res, 2), BATON_EINVALID); /* NULL item */
	if ((rc = baton_ctx_action_return_resource_list(ctx, "rl", res, 1)))
		return rc;
	baton_entitlement *ents[2] = {NULL, NULL};
	assert_int_equal(baton_entitlement_new(ctx, res[0], "member", BATON_PURPOSE_ASSIGNMENT, &ents[0]), 0);
	assert_int_equal(baton_ctx_action_return_entitlement_list(ctx, "el", ents, 2), BATON_EINVALID);
	if ((rc = baton_ctx_action_return_entitlement_list(ctx, "el", ents, 1)))
		return rc;
	baton_grant *grants[2] = {NULL, NULL};
	assert_int_equal(baton_grant_new(ctx, res[0], "member", &ids[1], &grants[0]), 0);
	assert_int_equal(baton_ctx_action_return_grant_list(ctx, "gl", grants, 2), BATON_EINVALID);
	if ((rc = baton_ctx_action_return_grant_list(ctx, "gl", grants, 1)))
		return rc;
	return 0;
}

static const baton_action_field echo_args[] = {
	{.name = "name", .kind = BATON_ACTION_FIELD_STRING, .display_name = "Name", .required = true,
	 .default_value = "x"},
	{.name = "a", .kind = BATON_ACTION_FIELD_STRING},
	{.name = "b", .kind = BATON_ACTION_FIELD_STRING},
	{.name = "c", .kind = BATON_ACTION_FIELD_INT, .default_value = "3"},
};
static const char *const ab[] = {"a", "b"};
static const char *const c_only[] = {"c"};
static const baton_action_constraint echo_constraints[] = {
	{BATON_ACTION_CONSTRAINT_MUTUALLY_EXCLUSIVE, ab, 2, NULL, 0},
	{BATON_ACTION_CONSTRAINT_DEPENDENT_ON, c_only, 1, ab, 1},
};
static const baton_action_field echo_returns[] = {
	{.name = "success", .kind = BATON_ACTION_FIELD_BOOL},
	{.name = "hello", .kind = BATON_ACTION_FIELD_STRING},
};
static const baton_action echo = {
	.version = BATON_ACTION_VERSION, .name = "echo", .display_name = "Echo",
	.arguments = echo_args, .n_arguments = 4, .constraints = echo_constraints, .n_constraints = 2,
	.return_types = echo_returns, .n_return_types = 2, .invoke = act_echo,
};
static const baton_action slow = {.version = BATON_ACTION_VERSION, .name = "slow", .invoke = act_slow};
static const baton_action failing = {.version = BATON_ACTION_VERSION, .name = "fail", .invoke = act_fail};
static const baton_action_type disable_types[] = {BATON_ACTION_TYPE_ACCOUNT_DISABLE, BATON_ACTION_TYPE_DYNAMIC};
static const baton_action disable = {
	.version = BATON_ACTION_VERSION, .name = "disable", .resource_type_id = "user",
	.action_types = disable_types, .n_action_types = 2, .invoke = act_disable,
};
/* Same name, another type: allowed. */
static const baton_action disable_group = {
	.version = BATON_ACTION_VERSION, .name = "disable", .resource_type_id = "group",
	.action_types = disable_types, .n_action_types = 2, .invoke = act_disable,
};
static const baton_action *const actions[] = {&echo, &slow, &failing, &disable, &disable_group};

static int tk_list(baton_ctx *ctx)
{
	return baton_ctx_ticket_result_json(ctx, "{\"id\": \"s1\"}");
}
static int tk_get_schema(baton_ctx *ctx, const char *id)
{
	(void)id;
	return baton_ctx_ticket_result_json(ctx, "{\"id\": \"s1\"}");
}
static int tk_create(baton_ctx *ctx, const char *t, const char *s)
{
	(void)t;
	(void)s;
	return baton_ctx_ticket_result_json(ctx, "{\"id\": \"T-1\"}");
}
static int tk_get(baton_ctx *ctx, const char *id)
{
	if (strcmp(id, "T-1"))
		return baton_error_set(BATON_ENOTFOUND, "no ticket %s", id);
	return baton_ctx_ticket_result_json(ctx, "{\"id\": \"T-1\", \"displayName\": \"x\"}");
}
/* Bulk callbacks: get answers from the request it was handed; create fails, or says nothing. */
static int tk_bulk_create_mode;
static int tk_bulk_get(baton_ctx *ctx, const char *request_json)
{
	if (!strstr(request_json, "\"T-1\""))
		return baton_error_set(BATON_EINVALID, "unexpected request %s", request_json);
	return baton_ctx_ticket_result_json(ctx, "{\"tickets\": [{\"ticket\": {\"id\": \"B-1\"}}]}");
}
static int tk_bulk_create(baton_ctx *ctx, const char *request_json)
{
	(void)ctx;
	(void)request_json;
	return tk_bulk_create_mode ? 0 : baton_error_set(BATON_EPERM, "quota exceeded");
}

static const baton_ticket_manager tickets = {
	.version = BATON_TICKET_MANAGER_VERSION, .list_schemas = tk_list, .get_schema = tk_get_schema,
	.create = tk_create, .get = tk_get,
};

static baton_connector make_connector(void)
{
	baton_connector c = {
		.version = BATON_CONNECTOR_VERSION, .display_name = "Ext", .resource_types = types, .n_resource_types = 2,
		.event_feeds = feeds, .n_event_feeds = 1, .actions = actions, .n_actions = 5, .tickets = &tickets,
	};
	return c;
}

static int check(const baton_connector *c)
{
	baton__runtime rt;
	int rc = baton__runtime_build(&rt, c);
	if (rc)
		return rc;
	rc = baton__connector_ext_check(&rt);
	baton__runtime_close(&rt);
	return rc;
}

/* ---- registration ---- */

static void test_registration_rules(void **state)
{
	(void)state;
	baton_connector c = make_connector();
	CHECK(check(&c));

	/* feeds */
	baton_event_feed f2 = numbers;
	const baton_event_feed *dup_feeds[] = {&numbers, &f2};
	c.event_feeds = dup_feeds;
	c.n_event_feeds = 2;
	assert_int_equal(check(&c), BATON_EINVALID);
	assert_string_equal(baton_error_last()->message, "error: duplicate event feed id found: numbers");
	f2.id = "";
	assert_int_equal(check(&c), BATON_EINVALID);
	f2.id = "other";
	CHECK(check(&c));
	static const baton_event_type twice[] = {BATON_EVENT_TYPE_USAGE, BATON_EVENT_TYPE_USAGE};
	f2.event_types = twice;
	f2.n_event_types = 2;
	assert_int_equal(check(&c), BATON_EINVALID);
	f2.n_event_types = 1;
	f2.list_events = NULL;
	assert_int_equal(check(&c), BATON_EINVALID);
	c = make_connector();

	/* actions: unique names per scope */
	baton_action a2 = echo;
	const baton_action *dup[] = {&echo, &a2};
	c.actions = dup;
	c.n_actions = 2;
	assert_int_equal(check(&c), BATON_EINVALID);
	assert_string_equal(baton_error_last()->message, "action schema echo already registered");
	a2.resource_type_id = "user"; /* another scope: fine */
	CHECK(check(&c));
	a2.name = "";
	assert_int_equal(check(&c), BATON_EINVALID);
	a2.name = "echo";
	a2.resource_type_id = "nope";
	assert_int_equal(check(&c), BATON_EINVALID);
	a2.resource_type_id = NULL;
	a2.name = "echo2";
	a2.invoke = NULL;
	assert_int_equal(check(&c), BATON_EINVALID);

	/* action types within one resource type */
	baton_action d2 = disable;
	d2.name = "disable2";
	const baton_action *dups[] = {&disable, &d2};
	c.actions = dups;
	assert_int_equal(check(&c), BATON_EINVALID);
	assert_string_equal(baton_error_last()->message, "action type ACTION_TYPE_ACCOUNT_DISABLE already registered "
	                    "for resource type user (existing action: disable)");
	static const baton_action_type dyn[] = {BATON_ACTION_TYPE_DYNAMIC, BATON_ACTION_TYPE_UNSPECIFIED};
	d2.action_types = dyn;
	CHECK(check(&c)); /* DYNAMIC and UNSPECIFIED may repeat */
	d2.name = "disable";
	assert_int_equal(check(&c), BATON_EINVALID);
	assert_string_equal(baton_error_last()->message, "action schema disable already registered for resource type user");
	c = make_connector();

	/* ticket manager */
	baton_ticket_manager tm = tickets;
	tm.get = NULL;
	c.tickets = &tm;
	assert_int_equal(check(&c), BATON_EINVALID);

	/* a version-1 connector: the version-2 members are not read */
	c = make_connector();
	c.version = 1;
	c.actions = dup;
	CHECK(check(&c));
}

/* ---- capabilities ---- */

static void test_capability_bits(void **state)
{
	(void)state;
	baton_ctx *ctx;
	CHECK(baton_ctx_new(&ctx));
	baton_connector c = make_connector();
	char *json;
	CHECK(baton__connector_capabilities_json(&c, ctx, false, &json));
	assert_non_null(strstr(json, "\"connectorCapabilities\":[\"CAPABILITY_SYNC\",\"CAPABILITY_TICKETING\","
	                             "\"CAPABILITY_ACTIONS\",\"CAPABILITY_EVENT_FEED_V2\"]"));
	c.tickets = NULL;
	c.n_actions = 0;
	CHECK(baton__connector_capabilities_json(&c, ctx, false, &json));
	assert_non_null(strstr(json, "\"connectorCapabilities\":[\"CAPABILITY_SYNC\",\"CAPABILITY_EVENT_FEED_V2\"]"));
	c.n_event_feeds = 0;
	c.n_actions = 1;
	CHECK(baton__connector_capabilities_json(&c, ctx, false, &json));
	assert_non_null(strstr(json, "\"connectorCapabilities\":[\"CAPABILITY_SYNC\",\"CAPABILITY_ACTIONS\"]"));
	/* invalid registrations fail capabilities too */
	baton_action bad = echo;
	bad.name = NULL;
	const baton_action *badv[] = {&bad};
	c.actions = badv;
	assert_int_equal(baton__connector_capabilities_json(&c, ctx, false, &json), BATON_EINVALID);
	baton_ctx_free(ctx);
}

/* ---- events ---- */

static void test_list_events(void **state)
{
	(void)state;
	baton_connector c = make_connector();
	baton__runtime rt;
	CHECK(baton__runtime_open(&rt, &c));
	baton_ctx *ctx;
	CHECK(baton_ctx_new(&ctx));

	C1__Connector__V2__ListEventFeedsResponse *feeds_resp;
	CHECK(baton__list_event_feeds(&rt, ctx, &feeds_resp));
	assert_int_equal(feeds_resp->n_list, 1);
	assert_string_equal(feeds_resp->list[0]->id, "numbers");

	C1__Connector__V2__ListEventsRequest req = C1__CONNECTOR__V2__LIST_EVENTS_REQUEST__INIT;
	C1__Connector__V2__ListEventsResponse *resp;
	req.event_feed_id = "numbers";
	req.page_size = 100;
	size_t total = 0, pages = 0;
	char cursor[64] = "";
	do {
		req.cursor = cursor;
		CHECK(baton__list_events(&rt, ctx, &req, &resp));
		for (size_t i = 0; i < resp->n_events; i++) {
			char want[32];
			snprintf(want, sizeof(want), "ev-%zu", total + i);
			assert_string_equal(resp->events[i]->id, want);
			assert_int_equal(resp->events[i]->event_case, C1__CONNECTOR__V2__EVENT__EVENT_USAGE_EVENT);
		}
		total += resp->n_events;
		pages++;
		snprintf(cursor, sizeof(cursor), "%s", resp->cursor);
	} while (resp->has_more);
	assert_int_equal(total, N_EVENTS);
	assert_int_equal(pages, 3);
	assert_string_equal(cursor, "250");

	/* start_at */
	Google__Protobuf__Timestamp ts = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
	ts.seconds = T0 + 240 * 60;
	req.start_at = &ts;
	req.cursor = "";
	CHECK(baton__list_events(&rt, ctx, &req, &resp));
	assert_int_equal(resp->n_events, 10);
	assert_false(resp->has_more);

	char *line;
	baton_protojson_opts o = {false, false};
	CHECK(baton__protojson_write(&ctx->arena, &resp->events[0]->base, &o, &line, NULL));
	assert_non_null(strstr(line, "\"id\":\"ev-240\",\"occurredAt\":\"2023-11-15T02:13:20Z\",\"usageEvent\":"));

	/* errors */
	req.event_feed_id = "";
	assert_int_equal(baton__list_events(&rt, ctx, &req, &resp), BATON_ENOTFOUND);
	assert_string_equal(baton_error_last()->message, "error: event feed id baton_feed_event not found");
	req.event_feed_id = "numbers";
	req.page_size = 1001;
	assert_int_equal(baton__list_events(&rt, ctx, &req, &resp), BATON_EINVALID);

	/* emitting outside list_events */
	baton_event *ev;
	baton_resource_id rid = {"user", "u1"};
	baton_timestamp at = {T0, 0};
	CHECK(baton_event_resource_change_new(ctx, NULL, at, &rid, NULL, &ev));
	assert_int_equal(strlen(baton_event_id(ev)), 27); /* a KSUID */
	assert_int_equal(baton_event_kind_of(ev), BATON_EVENT_RESOURCE_CHANGE);
	assert_int_equal(baton_ctx_emit_event(ctx, ev), BATON_EPRECONDITION);

	baton_ctx_free(ctx);
	baton__runtime_close(&rt);
}

/* ---- actions ---- */

static C1__Connector__V2__InvokeActionResponse *invoke(baton__actions *am, baton_ctx *ctx, const char *name,
                                                       const char *rtype, const char *args, int want_rc)
{
	C1__Connector__V2__InvokeActionRequest req = C1__CONNECTOR__V2__INVOKE_ACTION_REQUEST__INIT;
	req.name = (char *)name;
	req.resource_type_id = (char *)rtype;
	if (args)
		CHECK(baton__struct_from_json(&ctx->arena, args, &req.args));
	C1__Connector__V2__InvokeActionResponse *resp = NULL;
	assert_int_equal(baton__actions_invoke(am, ctx, &req, &resp), want_rc);
	return resp;
}

static const char *json_of(baton_ctx *ctx, const ProtobufCMessage *m)
{
	char *out;
	baton_protojson_opts o = {false, false};
	CHECK(baton__protojson_write(&ctx->arena, m, &o, &out, NULL));
	return out;
}

static void test_actions(void **state)
{
	(void)state;
	baton_connector c = make_connector();
	baton__runtime rt;
	CHECK(baton__runtime_open(&rt, &c));
	baton_ctx *ctx;
	CHECK(baton_ctx_new(&ctx));
	baton__actions *am;
	CHECK(baton__actions_new(&rt, &am));

	C1__Connector__V2__InvokeActionResponse *r = invoke(am, ctx, "echo", "", "{\"name\": \"bob\"}", 0);
	assert_int_equal(r->status, C1__CONNECTOR__V2__BATON_ACTION_STATUS__BATON_ACTION_STATUS_COMPLETE);
	assert_int_equal(strlen(r->id), 27);
	assert_string_equal(json_of(ctx, &r->response->base), "{\"action\":\"echo\",\"hello\":\"bob\",\"success\":true}");

	/* a handler error: FAILED with "error" */
	r = invoke(am, ctx, "fail", NULL, NULL, 0);
	assert_int_equal(r->status, C1__CONNECTOR__V2__BATON_ACTION_STATUS__BATON_ACTION_STATUS_FAILED);
	assert_string_equal(json_of(ctx, &r->response->base), "{\"error\":\"not allowed\",\"success\":false}");
	r = invoke(am, ctx, "echo", "", "{}", 0);
	assert_int_equal(r->status, C1__CONNECTOR__V2__BATON_ACTION_STATUS__BATON_ACTION_STATUS_FAILED);
	assert_string_equal(json_of(ctx, &r->response->base), "{\"error\":\"required argument name is missing or invalid\"}");

	/* constraints: over the non-null keys */
	invoke(am, ctx, "echo", "", "{\"name\": \"x\", \"a\": \"1\", \"b\": \"2\"}", BATON_EINVALID);
	assert_string_equal(baton_error_last()->message, "error: invoking action failed: fields are mutually exclusive: [a b]");
	r = invoke(am, ctx, "echo", "", "{\"name\": \"x\", \"a\": \"1\", \"b\": null}", 0);
	assert_int_equal(r->status, C1__CONNECTOR__V2__BATON_ACTION_STATUS__BATON_ACTION_STATUS_COMPLETE);
	invoke(am, ctx, "echo", "", "{\"name\": \"x\", \"c\": 1}", BATON_EINVALID);
	assert_string_equal(baton_error_last()->message,
	                    "error: invoking action failed: fields [c] depend on [a] which must also be present");

	/* unknown names */
	invoke(am, ctx, "nope", "", NULL, BATON_ENOTFOUND);
	invoke(am, ctx, "disable", "role", NULL, BATON_ENOTFOUND);
	assert_string_equal(baton_error_last()->message, "error: invoking action failed: no actions found for resource type role");
	invoke(am, ctx, "echo", "user", NULL, BATON_ENOTFOUND);
	invoke(am, ctx, "disable", "", NULL, BATON_ENOTFOUND); /* scoped actions need their type */

	/* a resource-scoped action with typed arguments */
	r = invoke(am, ctx, "disable", "user",
	           "{\"user\": {\"resource_type\": \"user\", \"resource\": \"u9\"}, \"days\": 7, \"notify\": true, "
	           "\"tags\": [\"a\", \"b\"], \"opts\": {\"z\": 1, \"a\": 2}, \"members\": [{\"resource_type_id\": "
	           "\"user\", \"resource_id\": \"u1\"}, {\"resource_type\": \"group\", \"resource\": \"g2\"}]}", 0);
	assert_int_equal(r->status, C1__CONNECTOR__V2__BATON_ACTION_STATUS__BATON_ACTION_STATUS_COMPLETE);
	assert_string_equal(json_of(ctx, &r->response->base),
	                    "{\"b\":false,\"disabled\":\"user/u9\",\"el\":[{\"displayName\":\"member\",\"id\":\"user:u9:member\","
	                    "\"purpose\":\"PURPOSE_VALUE_ASSIGNMENT\",\"resourceId\":\"u9\",\"resourceTypeId\":\"user\","
	                    "\"slug\":\"member\"}],\"gl\":[{\"entitlement\":{\"id\":\"user:u9:member\"},\"id\":"
	                    "\"user:u9:member:group:g2\",\"principal\":{\"resourceId\":{\"resourceId\":\"g2\","
	                    "\"resourceTypeId\":\"group\"}}}],\"id\":{\"resourceId\":\"u9\",\"resourceTypeId\":\"user\"},"
	                    "\"ids\":[{\"resourceId\":\"u1\",\"resourceTypeId\":\"user\"},{\"resourceId\":\"g2\","
	                    "\"resourceTypeId\":\"group\"}],\"l\":[\"x\",\"y\"],\"n\":2.5,\"nl\":[1.5,-3],\"rl\":[{\"description\":\"ninth\","
	                    "\"displayName\":\"User Nine\",\"resourceId\":{\"resourceId\":\"u9\",\"resourceTypeId\":"
	                    "\"user\"}}],\"s\":\"t\",\"success\":true}");

	/* a slow action: RUNNING after the inline wait, then COMPLETE when polled */
	r = invoke(am, ctx, "slow", NULL, NULL, 0);
	assert_int_equal(r->status, C1__CONNECTOR__V2__BATON_ACTION_STATUS__BATON_ACTION_STATUS_RUNNING);
	assert_null(r->response);
	C1__Connector__V2__GetActionStatusRequest sreq = C1__CONNECTOR__V2__GET_ACTION_STATUS_REQUEST__INIT;
	sreq.id = r->id;
	C1__Connector__V2__GetActionStatusResponse *s;
	int polls = 0;
	do {
		struct timespec ts = {0, 200000000L};
		nanosleep(&ts, NULL);
		CHECK(baton__actions_status(am, ctx, &sreq, &s));
		polls++;
	} while (s->status == C1__CONNECTOR__V2__BATON_ACTION_STATUS__BATON_ACTION_STATUS_RUNNING && polls < 50);
	assert_int_equal(s->status, C1__CONNECTOR__V2__BATON_ACTION_STATUS__BATON_ACTION_STATUS_COMPLETE);
	assert_string_equal(s->name, "slow");
	sreq.id = "0000";
	assert_int_equal(baton__actions_status(am, ctx, &sreq, &s), BATON_ENOTFOUND);

	/* a longer inline wait sees it finish */
	C1__Connector__V2__InvokeActionRequest req = C1__CONNECTOR__V2__INVOKE_ACTION_REQUEST__INIT;
	Google__Protobuf__Duration wait = GOOGLE__PROTOBUF__DURATION__INIT;
	wait.seconds = 5;
	req.name = "slow";
	req.inline_wait = &wait;
	CHECK(baton__actions_invoke(am, ctx, &req, &r));
	assert_int_equal(r->status, C1__CONNECTOR__V2__BATON_ACTION_STATUS__BATON_ACTION_STATUS_COMPLETE);

	/* schemas */
	C1__Connector__V2__ListActionSchemasRequest lreq = C1__CONNECTOR__V2__LIST_ACTION_SCHEMAS_REQUEST__INIT;
	C1__Connector__V2__ListActionSchemasResponse *l;
	CHECK(baton__actions_list_schemas(am, ctx, &lreq, &l));
	assert_int_equal(l->n_schemas, 5);
	assert_string_equal(l->schemas[0]->name, "echo");
	assert_string_equal(l->schemas[3]->resource_type_id, "user");
	assert_string_equal(json_of(ctx, &l->schemas[0]->base),
	                    "{\"name\":\"echo\",\"arguments\":[{\"name\":\"name\",\"displayName\":\"Name\",\"isRequired\":true,"
	                    "\"stringField\":{\"defaultValue\":\"x\"}},{\"name\":\"a\",\"stringField\":{}},{\"name\":\"b\","
	                    "\"stringField\":{}},{\"name\":\"c\",\"intField\":{\"defaultValue\":\"3\"}}],\"constraints\":[{\"kind\":"
	                    "\"CONSTRAINT_KIND_MUTUALLY_EXCLUSIVE\",\"fieldNames\":[\"a\",\"b\"]},{\"kind\":\"CONSTRAINT_KIND_DEPENDENT_ON\","
	                    "\"fieldNames\":[\"c\"],\"secondaryFieldNames\":[\"a\"]}],\"returnTypes\":[{\"name\":\"success\","
	                    "\"boolField\":{}},{\"name\":\"hello\",\"stringField\":{}}],\"displayName\":\"Echo\"}");
	lreq.resource_type_id = "user";
	CHECK(baton__actions_list_schemas(am, ctx, &lreq, &l));
	assert_int_equal(l->n_schemas, 1);
	assert_string_equal(json_of(ctx, &l->schemas[0]->base),
	                    "{\"name\":\"disable\",\"actionType\":[\"ACTION_TYPE_ACCOUNT_DISABLE\",\"ACTION_TYPE_DYNAMIC\"],"
	                    "\"resourceTypeId\":\"user\"}");
	lreq.resource_type_id = "role";
	CHECK(baton__actions_list_schemas(am, ctx, &lreq, &l));
	assert_int_equal(l->n_schemas, 0);

	C1__Connector__V2__GetActionSchemaRequest greq = C1__CONNECTOR__V2__GET_ACTION_SCHEMA_REQUEST__INIT;
	C1__Connector__V2__GetActionSchemaResponse *g;
	greq.name = "echo";
	CHECK(baton__actions_get_schema(am, ctx, &greq, &g));
	greq.name = "disable"; /* only global actions */
	assert_int_equal(baton__actions_get_schema(am, ctx, &greq, &g), BATON_ENOTFOUND);

	/* the argument readers outside an action */
	const char *sv;
	assert_int_equal(baton_ctx_action_arg_string(ctx, "name", &sv), BATON_EPRECONDITION);

	baton__actions_free(am);
	baton_ctx_free(ctx);
	baton__runtime_close(&rt);
}

/* ---- tickets ---- */

static void test_tickets(void **state)
{
	(void)state;
	baton_connector c = make_connector();
	baton__runtime rt;
	CHECK(baton__runtime_open(&rt, &c));
	baton_ctx *ctx;
	CHECK(baton_ctx_new(&ctx));

	C1__Connector__V2__TicketsServiceListTicketSchemasResponse *l;
	CHECK(baton__tickets_list_schemas(&rt, ctx, NULL, &l));
	assert_int_equal(l->n_list, 1);

	/* checks against the schema */
	const char *schema_json =
		"{\"id\":\"s1\",\"statuses\":[{\"id\":\"open\"}],\"customFields\":{"
		"\"prio\":{\"id\":\"prio\",\"required\":true,\"pickStringValue\":{\"allowedValues\":[\"low\",\"high\"]}},"
		"\"note\":{\"id\":\"note\",\"stringValue\":{}}}}";
	ProtobufCMessage *sm, *tm;
	CHECK(baton__protojson_read(&ctx->arena, &c1__connector__v2__ticket_schema__descriptor, schema_json,
	                            strlen(schema_json), &sm));
	const C1__Connector__V2__TicketSchema *schema = (const C1__Connector__V2__TicketSchema *)sm;
	struct {
		const char *ticket;
		const char *err;
	} cases[] = {
		{"{\"status\":{\"id\":\"open\"},\"customFields\":{\"prio\":{\"id\":\"prio\",\"pickStringValue\":{\"value\":\"low\"}}}}", NULL},
		{"{\"status\":{\"id\":\"closed\"}}", "create ticket request is not valid: could not find status closed in schema s1"},
		{"{}", "create ticket request is not valid: missing custom field prio"},
		{"{\"customFields\":{\"prio\":{\"id\":\"prio\",\"pickStringValue\":{\"value\":\"mid\"}}}}",
		 "create ticket request is not valid: value mid is not allowed for field prio"},
		{"{\"customFields\":{\"prio\":{\"id\":\"prio\",\"stringValue\":{\"value\":\"low\"}}}}",
		 "create ticket request is not valid: expected pick string value for field prio"},
		{"{\"customFields\":{\"prio\":{\"id\":\"prio\",\"pickStringValue\":{\"value\":\"low\"}},\"x\":{\"id\":\"x\",\"boolValue\":{}}}}",
		 "create ticket request is not valid: custom field x is not in schema s1"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK(baton__protojson_read(&ctx->arena, &c1__connector__v2__ticket__descriptor, cases[i].ticket,
		                            strlen(cases[i].ticket), &tm));
		int rc = baton__ticket_validate(schema, (const C1__Connector__V2__Ticket *)tm);
		if (!cases[i].err) {
			assert_int_equal(rc, 0);
		} else {
			assert_int_equal(rc, BATON_EINVALID);
			assert_string_equal(baton_error_last()->message, cases[i].err);
		}
	}

	/* create, get, bulk get through the fallback */
	C1__Connector__V2__TicketsServiceCreateTicketRequest creq = C1__CONNECTOR__V2__TICKETS_SERVICE_CREATE_TICKET_REQUEST__INIT;
	C1__Connector__V2__TicketsServiceCreateTicketResponse *cresp;
	assert_int_equal(baton__tickets_create(&rt, ctx, &creq, &cresp), BATON_EINVALID);
	assert_string_equal(baton_error_last()->message, "request body is nil");
	C1__Connector__V2__TicketRequest body = C1__CONNECTOR__V2__TICKET_REQUEST__INIT;
	creq.request = &body;
	CHECK(baton__tickets_create(&rt, ctx, &creq, &cresp));
	assert_string_equal(cresp->ticket->id, "T-1");
	creq.schema = (C1__Connector__V2__TicketSchema *)schema;
	assert_int_equal(baton__tickets_create(&rt, ctx, &creq, &cresp), BATON_EINVALID);
	assert_string_equal(baton_error_last()->message,
	                    "error: creating ticket failed: create ticket request is not valid: missing custom field prio");

	C1__Connector__V2__TicketsServiceGetTicketRequest g1 = C1__CONNECTOR__V2__TICKETS_SERVICE_GET_TICKET_REQUEST__INIT;
	C1__Connector__V2__TicketsServiceGetTicketRequest g2 = C1__CONNECTOR__V2__TICKETS_SERVICE_GET_TICKET_REQUEST__INIT;
	g1.id = "T-1";
	g2.id = "T-2";
	C1__Connector__V2__TicketsServiceGetTicketResponse *gresp;
	CHECK(baton__tickets_get(&rt, ctx, &g1, &gresp));
	assert_string_equal(gresp->ticket->display_name, "x");
	assert_int_equal(baton__tickets_get(&rt, ctx, &g2, &gresp), BATON_ENOTFOUND);
	assert_string_equal(baton_error_last()->message, "error: getting ticket failed: no ticket T-2");
	C1__Connector__V2__TicketsServiceGetTicketRequest *gl[] = {&g1, &g2};
	C1__Connector__V2__TicketsServiceBulkGetTicketsRequest breq = C1__CONNECTOR__V2__TICKETS_SERVICE_BULK_GET_TICKETS_REQUEST__INIT;
	C1__Connector__V2__TicketsServiceBulkGetTicketsResponse *bresp;
	assert_int_equal(baton__tickets_bulk_get(&rt, ctx, &breq, &bresp), BATON_EINVALID);
	breq.ticket_requests = gl;
	breq.n_ticket_requests = 2;
	CHECK(baton__tickets_bulk_get(&rt, ctx, &breq, &bresp));
	assert_int_equal(bresp->n_tickets, 2);
	assert_string_equal(bresp->tickets[0]->ticket->id, "T-1");
	assert_string_equal(bresp->tickets[1]->error, "error: getting ticket failed: no ticket T-2");

	/* with bulk callbacks, the request goes to them whole and their one response is the answer */
	baton__runtime_close(&rt);
	baton_ticket_manager bulk = tickets;
	bulk.bulk_get = tk_bulk_get;
	bulk.bulk_create = tk_bulk_create;
	c.tickets = &bulk;
	CHECK(baton__runtime_open(&rt, &c));
	CHECK(baton__tickets_bulk_get(&rt, ctx, &breq, &bresp));
	assert_int_equal(bresp->n_tickets, 1);
	assert_string_equal(bresp->tickets[0]->ticket->id, "B-1");
	C1__Connector__V2__TicketsServiceCreateTicketRequest *cl[] = {&creq};
	C1__Connector__V2__TicketsServiceBulkCreateTicketsRequest bcreq =
		C1__CONNECTOR__V2__TICKETS_SERVICE_BULK_CREATE_TICKETS_REQUEST__INIT;
	C1__Connector__V2__TicketsServiceBulkCreateTicketsResponse *bcresp;
	bcreq.ticket_requests = cl;
	bcreq.n_ticket_requests = 1;
	tk_bulk_create_mode = 0;
	assert_int_equal(baton__tickets_bulk_create(&rt, ctx, &bcreq, &bcresp), BATON_EPERM);
	assert_string_equal(baton_error_last()->message, "error: creating tickets failed: quota exceeded");
	tk_bulk_create_mode = 1;
	assert_int_equal(baton__tickets_bulk_create(&rt, ctx, &bcreq, &bcresp), BATON_EINTERNAL);
	assert_string_equal(baton_error_last()->message,
	                    "error: creating tickets failed: the connector returned no response");

	/* no manager */
	baton__runtime_close(&rt);
	c.tickets = NULL;
	CHECK(baton__runtime_open(&rt, &c));
	assert_int_equal(baton__tickets_get(&rt, ctx, &g1, &gresp), BATON_EUNIMPLEMENTED);

	baton_ctx_free(ctx);
	baton__runtime_close(&rt);
}

static void test_ksuid(void **state)
{
	(void)state;
	char a[28], b[28];
	CHECK(baton__ksuid(a));
	CHECK(baton__ksuid(b));
	assert_int_equal(strlen(a), 27);
	assert_string_not_equal(a, b);
	for (int i = 0; i < 27; i++)
		assert_true((a[i] >= '0' && a[i] <= '9') || (a[i] >= 'A' && a[i] <= 'Z') || (a[i] >= 'a' && a[i] <= 'z'));
	/* time-ordered: the first 4 bytes are the time, so ids made now sort after 2020's */
	assert_true(strcmp(a, "1VVVVVVVVVVVVVVVVVVVVVVVVVV") > 0);
}

int main(void)
{
	baton__log_configure(BATON_LOG_ERROR, BATON__LOG_CONSOLE);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registration_rules),
		cmocka_unit_test(test_capability_bits),
		cmocka_unit_test(test_list_events),
		cmocka_unit_test(test_actions),
		cmocka_unit_test(test_tickets),
		cmocka_unit_test(test_ksuid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
