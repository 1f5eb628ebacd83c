/*
 * The harness of the action tests (test_action_args.c, test_action_returns.c): a connector with
 * one resource type and the given actions, and one invocation of an action run to its end.
 */
#ifndef BATON_TESTS_ACTION_TESTUTIL_H
#define BATON_TESTS_ACTION_TESTUTIL_H

#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "baton.h"
#include "connector/ext.h"
#include "proto/protojson.h"

static int action_list_nothing(baton_ctx *ctx, const baton_resource_id *parent)
{
	(void)ctx;
	(void)parent;
	return 0;
}

static const baton_resource_syncer action_users = {
	.version = BATON_RESOURCE_SYNCER_VERSION, .name = "User", .list = action_list_nothing,
};
static const baton_resource_syncer *const action_types[] = {&action_users};

/* A connector named `name` with the resource type "user" and the n actions. */
static inline baton_connector action_connector(const char *name, const baton_action *const *actions, size_t n)
{
	baton_connector c = {
		.version = BATON_CONNECTOR_VERSION, .display_name = name, .resource_types = action_types,
		.n_resource_types = 1, .actions = actions, .n_actions = n,
	};
	return c;
}

/* Invokes the action `name` of c with the arguments `args` (JSON object text, or NULL), waits
 * for its end (a minute at most), checks it COMPLETE and returns its response as compact JSON
 * text (malloc'd, the caller frees it; NULL when it has none). */
static inline char *action_invoke(const baton_connector *c, const char *name, const char *args)
{
	baton__runtime rt;
	CHECK(baton__runtime_open(&rt, c));
	baton_ctx *ctx;
	CHECK(baton_ctx_new(&ctx));
	baton__actions *am;
	CHECK(baton__actions_new(&rt, &am));
	C1__Connector__V2__InvokeActionRequest req = C1__CONNECTOR__V2__INVOKE_ACTION_REQUEST__INIT;
	Google__Protobuf__Duration wait = GOOGLE__PROTOBUF__DURATION__INIT;
	wait.seconds = 60;
	req.name = (char *)name;
	req.inline_wait = &wait;
	if (args)
		CHECK(baton__struct_from_json(&ctx->arena, args, &req.args));
	C1__Connector__V2__InvokeActionResponse *resp = NULL;
	CHECK(baton__actions_invoke(am, ctx, &req, &resp));
	assert_int_equal(resp->status, C1__CONNECTOR__V2__BATON_ACTION_STATUS__BATON_ACTION_STATUS_COMPLETE);
	char *out = NULL;
	if (resp->response) {
		char *text;
		CHECK(baton__protojson_write(&ctx->arena, &resp->response->base, NULL, &text, NULL));
		out = strdup(text);
	}
	baton__actions_free(am);
	baton_ctx_free(ctx);
	baton__runtime_close(&rt);
	return out;
}

#endif
