/*
 * The ticket one-shots (ticketing is on for them):
 *   --create-ticket --ticket-template-path f.json       {schema_id, status_id, display_name,
 *       description, labels[], custom_fields{id: value}, requested_for_id}: fetches the schema,
 *       turns each custom field value into the schema field's kind, and creates the ticket;
 *   --bulk-create-ticket --bulk-ticket-template-path f.json   {"tickets": [template, ...]};
 *   --get-ticket --ticket-id ID;
 *   --list-ticket-schemas.
 * Results are logged at info level on stderr (as the Go SDK's local task managers do).
 *
 * Custom field values by schema kind: string / pick string: a string; string values / pick
 * multiple strings: an array of strings; bool: a boolean; number: a number; timestamp: an RFC 3339
 * string; pick object: {"id", "display_name"}; pick multiple objects: an array of those. (The Go
 * SDK accepts fewer: its JSON decoding never yields the types it checks for the list, number and
 * timestamp kinds.)
 */
#include "cli/mode_ext.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "baton/resource.h"
#include "core/error.h"
#include "core/log.h"
#include "proto/protojson.h"
#include "types/types.h"

static const C1__Connector__V2__TicketCustomField *schema_field(const C1__Connector__V2__TicketSchema *s,
                                                                const char *id)
{
	for (size_t i = 0; i < s->n_custom_fields; i++)
		if (!strcmp(s->custom_fields[i]->key, id))
			return s->custom_fields[i]->value;
	return NULL;
}

static int bad_value(const char *id, json_t *v)
{
	static const char *const names[] = {"map[string]interface {}", "[]interface {}", "string", "float64",
	                                    "float64", "bool", "bool", "<nil>"};
	int t = (int)json_typeof(v);
	return baton_error_set(BATON_EINVALID, "unexpected value type for custom field: %s %s", id,
	                       t >= 0 && t < 8 ? names[t] : "?");
}

static bool string_array(json_t *v)
{
	if (!json_is_array(v))
		return false;
	for (size_t i = 0; i < json_array_size(v); i++)
		if (!json_is_string(json_array_get(v, i)))
			return false;
	return true;
}

/* The JSON of a TicketCustomField holding `v` in the kind the schema gives field `id` (new ref). */
static int custom_field(const C1__Connector__V2__TicketSchema *schema, const char *id, json_t *v, json_t **out)
{
	const C1__Connector__V2__TicketCustomField *sf = schema_field(schema, id);
	if (!sf)
		return baton_error_set(BATON_EINVALID, "error: id(%s) not found in schema", id);
	const char *key;
	json_t *inner;
	switch (sf->value_case) {
	case C1__CONNECTOR__V2__TICKET_CUSTOM_FIELD__VALUE_STRING_VALUE:
	case C1__CONNECTOR__V2__TICKET_CUSTOM_FIELD__VALUE_PICK_STRING_VALUE:
		if (!json_is_string(v))
			return bad_value(id, v);
		key = sf->value_case == C1__CONNECTOR__V2__TICKET_CUSTOM_FIELD__VALUE_STRING_VALUE ? "stringValue"
		                                                                                    : "pickStringValue";
		inner = json_pack("{s:O}", "value", v);
		break;
	case C1__CONNECTOR__V2__TICKET_CUSTOM_FIELD__VALUE_STRING_VALUES:
	case C1__CONNECTOR__V2__TICKET_CUSTOM_FIELD__VALUE_PICK_MULTIPLE_STRING_VALUES:
		if (!string_array(v))
			return bad_value(id, v);
		key = sf->value_case == C1__CONNECTOR__V2__TICKET_CUSTOM_FIELD__VALUE_STRING_VALUES
		      ? "stringValues" : "pickMultipleStringValues";
		inner = json_pack("{s:O}", "values", v);
		break;
	case C1__CONNECTOR__V2__TICKET_CUSTOM_FIELD__VALUE_BOOL_VALUE:
		if (!json_is_boolean(v))
			return bad_value(id, v);
		key = "boolValue";
		inner = json_pack("{s:O}", "value", v);
		break;
	case C1__CONNECTOR__V2__TICKET_CUSTOM_FIELD__VALUE_NUMBER_VALUE:
		if (!json_is_number(v))
			return bad_value(id, v);
		key = "numberValue";
		inner = json_pack("{s:O}", "value", v);
		break;
	case C1__CONNECTOR__V2__TICKET_CUSTOM_FIELD__VALUE_TIMESTAMP_VALUE:
		if (!json_is_string(v))
			return bad_value(id, v);
		key = "timestampValue";
		inner = json_pack("{s:O}", "value", v);
		break;
	case C1__CONNECTOR__V2__TICKET_CUSTOM_FIELD__VALUE_PICK_OBJECT_VALUE:
		if (!json_is_object(v))
			return bad_value(id, v);
		key = "pickObjectValue";
		inner = json_pack("{s:O}", "value", v);
		break;
	case C1__CONNECTOR__V2__TICKET_CUSTOM_FIELD__VALUE_PICK_MULTIPLE_OBJECT_VALUES:
		if (!json_is_array(v))
			return bad_value(id, v);
		key = "pickMultipleObjectValues";
		inner = json_pack("{s:O}", "values", v);
		break;
	default:
		return baton_error_set(BATON_EINVALID, "error: unknown custom field type");
	}
	json_t *cf = inner ? json_pack("{s:s, s:o}", "id", id, key, inner) : NULL;
	if (!cf)
		return baton__error_oom("custom field");
	*out = cf;
	return 0;
}

/* A minimal user resource for requested_for (the Go SDK's NewUserResource(id, User, id)). */
static int requested_for(baton_ctx *ctx, const char *id, C1__Connector__V2__Resource **out)
{
	static const baton_trait user[] = {BATON_TRAIT_USER};
	baton_resource_type *rt;
	baton_resource *r, *copy;
	const uint8_t *data;
	size_t len;
	int rc = baton_resource_type_new(ctx, "User", user, 1, &rt);
	if (!rc)
		rc = baton_user_resource_new(ctx, id, rt, id, &r);
	if (!rc)
		rc = baton_resource_pack(r, ctx, &data, &len);
	if (!rc)
		rc = baton_resource_unpack(ctx, data, len, &copy);
	if (rc)
		return baton__error_prefix("requested_for_id");
	*out = copy->msg;
	return 0;
}

static const char *jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : "";
}

/* One template into a CreateTicketRequest{request, schema}, fetching the schema. */
static int build_request(baton__runtime *rt, baton_ctx *ctx, json_t *tpl,
                         C1__Connector__V2__TicketsServiceCreateTicketRequest **out)
{
	if (!json_is_object(tpl))
		return baton_error_set(BATON_EINVALID, "json: cannot unmarshal the ticket template: not an object");
	C1__Connector__V2__TicketsServiceGetTicketSchemaRequest sreq = C1__CONNECTOR__V2__TICKETS_SERVICE_GET_TICKET_SCHEMA_REQUEST__INIT;
	sreq.id = (char *)jstr(tpl, "schema_id");
	C1__Connector__V2__TicketsServiceGetTicketSchemaResponse *sresp;
	int rc = baton__tickets_get_schema(rt, ctx, &sreq, &sresp);
	if (rc)
		return rc;

	json_t *body = json_object(), *cfs = json_object();
	if (!body || !cfs) {
		json_decref(body);
		json_decref(cfs);
		return baton__error_oom("ticket request");
	}
	json_object_set_new(body, "displayName", json_string(jstr(tpl, "display_name")));
	json_object_set_new(body, "description", json_string(jstr(tpl, "description")));
	json_t *labels = json_object_get(tpl, "labels");
	if (labels && !json_is_null(labels)) {
		if (!string_array(labels)) {
			json_decref(body);
			json_decref(cfs);
			return baton_error_set(BATON_EINVALID, "json: cannot unmarshal labels into []string");
		}
		json_object_set(body, "labels", labels);
	}
	if (*jstr(tpl, "status_id"))
		json_object_set_new(body, "status", json_pack("{s:s}", "id", jstr(tpl, "status_id")));
	json_t *fields = json_object_get(tpl, "custom_fields");
	const char *k;
	json_t *v;
	json_object_foreach(fields, k, v) {
		json_t *cf = NULL;
		if ((rc = custom_field(sresp->schema, k, v, &cf))) {
			json_decref(body);
			json_decref(cfs);
			return rc;
		}
		json_object_set_new(cfs, k, cf);
	}
	json_object_set_new(body, "customFields", cfs);
	char *text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (!text)
		return baton__error_oom("ticket request");
	ProtobufCMessage *m;
	rc = baton__protojson_read(&ctx->arena, &c1__connector__v2__ticket_request__descriptor, text, strlen(text), &m);
	free(text);
	if (rc)
		return baton__error_prefix("ticket template");
	C1__Connector__V2__TicketRequest *body_msg = (C1__Connector__V2__TicketRequest *)m;
	if (*jstr(tpl, "requested_for_id") && (rc = requested_for(ctx, jstr(tpl, "requested_for_id"), &body_msg->requested_for)))
		return rc;
	C1__Connector__V2__TicketsServiceCreateTicketRequest *req = baton_ctx_alloc(ctx, sizeof(*req));
	if (!req)
		return BATON_EEXHAUSTED;
	c1__connector__v2__tickets_service_create_ticket_request__init(req);
	req->request = body_msg;
	req->schema = sresp->schema;
	*out = req;
	return 0;
}

static int load_template(const char *path, json_t **out)
{
	json_error_t jerr;
	json_t *j = json_load_file(path, JSON_DECODE_ANY, &jerr);
	if (!j) {
		if (jerr.line < 0)
			return baton_error_set(BATON_EINVALID, "open %s: %s", path, jerr.text);
		return baton_error_set(BATON_EINVALID, "%s: %s (line %d, column %d)", path, jerr.text, jerr.line, jerr.column);
	}
	*out = j;
	return 0;
}

typedef int (*ticket_fn)(baton__cli_env *env, baton__runtime *rt, baton_ctx *ctx);

static int run_mode(baton__cli_env *env, ticket_fn fn)
{
	baton_ctx ctx;
	baton__ctx_init(&ctx);
	baton__runtime rt;
	int status = 0;
	if (baton__mode_open(env, &rt, &status)) {
		baton__ctx_release(&ctx);
		return status;
	}
	int rc = fn(env, &rt, &ctx);
	if (rc)
		status = baton__mode_fail(rc);
	baton__runtime_close(&rt);
	baton__ctx_release(&ctx);
	return status;
}

static int create_ticket(baton__cli_env *env, baton__runtime *rt, baton_ctx *ctx)
{
	json_t *tpl;
	int rc = load_template(baton__cli_string(env->cli, "ticket-template-path"), &tpl);
	if (rc)
		return rc;
	C1__Connector__V2__TicketsServiceCreateTicketRequest *req;
	C1__Connector__V2__TicketsServiceCreateTicketResponse *resp;
	rc = build_request(rt, ctx, tpl, &req);
	json_decref(tpl);
	if (!rc)
		rc = baton__tickets_create(rt, ctx, req, &resp);
	if (!rc)
		baton__log(BATON_LOG_INFO, "created ticket", "#resp", baton__mode_json(ctx, &resp->base), NULL);
	return rc;
}

static int bulk_create(baton__cli_env *env, baton__runtime *rt, baton_ctx *ctx)
{
	json_t *doc = NULL;
	int rc = load_template(baton__cli_string(env->cli, "bulk-ticket-template-path"), &doc);
	if (rc)
		return rc;
	json_t *list = json_object_get(doc, "tickets");
	size_t n = json_is_array(list) ? json_array_size(list) : 0;
	C1__Connector__V2__TicketsServiceBulkCreateTicketsRequest req =
		C1__CONNECTOR__V2__TICKETS_SERVICE_BULK_CREATE_TICKETS_REQUEST__INIT;
	req.ticket_requests = baton_ctx_alloc(ctx, (n + 1) * sizeof(*req.ticket_requests));
	if (!req.ticket_requests) {
		json_decref(doc);
		return BATON_EEXHAUSTED;
	}
	for (size_t i = 0; i < n && !rc; i++)
		rc = build_request(rt, ctx, json_array_get(list, i), &req.ticket_requests[i]);
	json_decref(doc);
	if (rc)
		return rc;
	req.n_ticket_requests = n;
	C1__Connector__V2__TicketsServiceBulkCreateTicketsResponse *resp;
	if ((rc = baton__tickets_bulk_create(rt, ctx, &req, &resp)))
		return rc;
	baton__log(BATON_LOG_INFO, "created tickets", "#resp", baton__mode_json(ctx, &resp->base), NULL);
	return 0;
}

static int get_ticket(baton__cli_env *env, baton__runtime *rt, baton_ctx *ctx)
{
	C1__Connector__V2__TicketsServiceGetTicketRequest req = C1__CONNECTOR__V2__TICKETS_SERVICE_GET_TICKET_REQUEST__INIT;
	req.id = (char *)baton__cli_string(env->cli, "ticket-id");
	C1__Connector__V2__TicketsServiceGetTicketResponse *resp;
	int rc = baton__tickets_get(rt, ctx, &req, &resp);
	if (!rc)
		baton__log(BATON_LOG_INFO, "ticket", "#resp", baton__mode_json(ctx, &resp->base), NULL);
	return rc;
}

static int list_schemas(baton__cli_env *env, baton__runtime *rt, baton_ctx *ctx)
{
	(void)env;
	C1__Connector__V2__TicketsServiceListTicketSchemasRequest req =
		C1__CONNECTOR__V2__TICKETS_SERVICE_LIST_TICKET_SCHEMAS_REQUEST__INIT;
	C1__Connector__V2__TicketsServiceListTicketSchemasResponse *resp;
	int rc = baton__tickets_list_schemas(rt, ctx, &req, &resp);
	if (!rc)
		baton__log(BATON_LOG_INFO, "Ticket Schemas", "#resp", baton__mode_json(ctx, &resp->base), NULL);
	return rc;
}

int baton__mode_create_ticket(baton__cli_env *env)
{
	return run_mode(env, create_ticket);
}

int baton__mode_bulk_create_ticket(baton__cli_env *env)
{
	return run_mode(env, bulk_create);
}

int baton__mode_get_ticket(baton__cli_env *env)
{
	return run_mode(env, get_ticket);
}

int baton__mode_list_ticket_schemas(baton__cli_env *env)
{
	return run_mode(env, list_schemas);
}
