/*
 * --invoke-action NAME [--invoke-action-args JSON] [--invoke-action-resource-type T]: invokes the
 * action, logs the first response, polls its status every second while it is PENDING or RUNNING,
 * logs the final response and fails when the action FAILED.
 * --list-action-schemas [--list-action-schemas-resource-type T]: logs the schemas.
 * Both log at info level on stderr, as the Go SDK's local task managers do; nothing on stdout.
 */
#include "cli/mode_ext.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "core/log.h"
#include "proto/protojson.h"
#include "google/protobuf/struct.pb-c.h"

static bool in_flight(C1__Connector__V2__BatonActionStatus s)
{
	return s == C1__CONNECTOR__V2__BATON_ACTION_STATUS__BATON_ACTION_STATUS_PENDING ||
	       s == C1__CONNECTOR__V2__BATON_ACTION_STATUS__BATON_ACTION_STATUS_RUNNING;
}

static const char *response_json(baton_ctx *ctx, Google__Protobuf__Struct *s)
{
	return s ? baton__mode_json(ctx, &s->base) : "null";
}

int baton__mode_invoke_action(baton__cli_env *env)
{
	const char *name = baton__cli_string(env->cli, "invoke-action");
	const char *args = baton__cli_string(env->cli, "invoke-action-args");
	const char *rtype = baton__cli_string(env->cli, "invoke-action-resource-type");
	baton_ctx ctx;
	baton__ctx_init(&ctx);
	int status = 0, rc;

	/* The arguments: a JSON object ("" as {}). */
	Google__Protobuf__Struct *st = NULL;
	if (*args) {
		json_error_t jerr;
		json_t *j = json_loads(args, JSON_DECODE_ANY, &jerr);
		if (!json_is_object(j)) {
			fprintf(stderr, "failed to parse invoke-action-args: %s\n",
			        j ? "json: cannot unmarshal into an object" : jerr.text);
			json_decref(j);
			baton__ctx_release(&ctx);
			return 2;
		}
		json_decref(j);
		if (baton__struct_from_json(&ctx.arena, args, &st)) {
			fprintf(stderr, "failed to parse invoke-action-args: %s\n", baton_error_last()->message);
			baton__ctx_release(&ctx);
			return 2;
		}
	}

	baton__runtime rt;
	if (baton__mode_open(env, &rt, &status)) {
		baton__ctx_release(&ctx);
		return status;
	}
	baton__actions *am = NULL;
	if ((rc = baton__actions_new(&rt, &am))) {
		status = baton__mode_fail(rc);
		goto out;
	}
	C1__Connector__V2__InvokeActionRequest req = C1__CONNECTOR__V2__INVOKE_ACTION_REQUEST__INIT;
	req.name = (char *)name;
	req.args = st;
	req.resource_type_id = (char *)rtype;
	C1__Connector__V2__InvokeActionResponse *resp;
	if ((rc = baton__actions_invoke(am, &ctx, &req, &resp))) {
		status = baton__mode_fail(rc);
		goto out;
	}
	C1__Connector__V2__BatonActionStatus s = resp->status;
	Google__Protobuf__Struct *final = resp->response;
	const char *id = resp->id;
	baton__log(BATON_LOG_INFO, "ActionInvoke response", "action_id", id, "name", resp->name, "status",
	           baton_action_status_name((baton_action_status)s), "#response", response_json(&ctx, final), NULL);
	while (in_flight(s)) {
		struct timespec one = {1, 0};
		nanosleep(&one, NULL);
		C1__Connector__V2__GetActionStatusRequest sreq = C1__CONNECTOR__V2__GET_ACTION_STATUS_REQUEST__INIT;
		sreq.id = (char *)id;
		C1__Connector__V2__GetActionStatusResponse *sresp;
		if ((rc = baton__actions_status(am, &ctx, &sreq, &sresp))) {
			baton__error_prefix("failed to poll action status");
			status = baton__mode_fail(rc);
			goto out;
		}
		if (sresp->status != s)
			baton__log(BATON_LOG_DEBUG, "action status", "action_id", id, "status",
			           baton_action_status_name((baton_action_status)sresp->status), NULL);
		s = sresp->status;
		final = sresp->response;
	}
	const char *final_json = response_json(&ctx, final);
	baton__log(BATON_LOG_INFO, "ActionInvoke response", "#resp", final_json, NULL);
	if (s == C1__CONNECTOR__V2__BATON_ACTION_STATUS__BATON_ACTION_STATUS_FAILED) {
		baton_error_set(BATON_EUNKNOWN, "action invoke failed: %s", final_json);
		status = baton__mode_fail(BATON_EUNKNOWN);
	}
out:
	baton__actions_free(am);
	baton__runtime_close(&rt);
	baton__ctx_release(&ctx);
	return status;
}

int baton__mode_list_action_schemas(baton__cli_env *env)
{
	const char *rtype = baton__cli_string(env->cli, "list-action-schemas-resource-type");
	baton_ctx ctx;
	baton__ctx_init(&ctx);
	baton__runtime rt;
	int status = 0, rc;
	if (baton__mode_open(env, &rt, &status)) {
		baton__ctx_release(&ctx);
		return status;
	}
	baton__actions *am = NULL;
	C1__Connector__V2__ListActionSchemasRequest req = C1__CONNECTOR__V2__LIST_ACTION_SCHEMAS_REQUEST__INIT;
	req.resource_type_id = (char *)rtype;
	C1__Connector__V2__ListActionSchemasResponse *resp;
	if ((rc = baton__actions_new(&rt, &am)) || (rc = baton__actions_list_schemas(am, &ctx, &req, &resp))) {
		status = baton__mode_fail(rc);
		goto out;
	}
	/* The schemas as a JSON array of protojson objects. */
	baton__buf b = {0};
	baton__buf_puts(&b, "[");
	for (size_t i = 0; i < resp->n_schemas; i++) {
		if (i)
			baton__buf_puts(&b, ",");
		baton__buf_puts(&b, baton__mode_json(&ctx, &resp->schemas[i]->base));
	}
	baton__buf_puts(&b, "]");
	if (b.oom) {
		baton__buf_free(&b);
		status = baton__mode_fail(baton__error_oom("schemas"));
		goto out;
	}
	char count[32];
	snprintf(count, sizeof(count), "%zu", resp->n_schemas);
	if (*rtype)
		baton__log(BATON_LOG_INFO, "Action Schemas", "resource_type_id", rtype, "#count", count, "#schemas", b.data,
		           NULL);
	else
		baton__log(BATON_LOG_INFO, "Action Schemas", "#count", count, "#schemas", b.data, NULL);
	baton__buf_free(&b);
out:
	baton__actions_free(am);
	baton__runtime_close(&rt);
	baton__ctx_release(&ctx);
	return status;
}
