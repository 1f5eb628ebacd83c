/*
 * Ticketing: the Tickets RPCs over the connector's baton_ticket_manager, with the request checked
 * against the ticket schema before create (the Go SDK's ValidateTicket, reporting why).
 */
#include "connector/ext.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "proto/protojson.h"
#include "types/types.h"

typedef C1__Connector__V2__TicketCustomField cf_t;

static const baton_ticket_manager *manager(const baton__runtime *rt)
{
	const baton_connector *c = rt->conn;
	return c->version >= 2 ? c->tickets : NULL;
}

int baton__tickets_check(const baton__runtime *rt)
{
	const baton_ticket_manager *tm = manager(rt);
	if (!tm)
		return 0;
	if (tm->version < 1)
		return baton_error_set(BATON_EINVALID, "ticket manager: version must be set (BATON_TICKET_MANAGER_VERSION)");
	if (!tm->list_schemas || !tm->get_schema || !tm->create || !tm->get)
		return baton_error_set(BATON_EINVALID, "ticket manager: list_schemas, get_schema, create and get are required");
	return 0;
}

static int need_manager(const baton__runtime *rt, const baton_ticket_manager **out)
{
	if (!(*out = manager(rt)))
		return baton_error_set(BATON_EUNIMPLEMENTED, "ticket manager not implemented");
	return 0;
}

static void *new_msg(baton_ctx *ctx, const ProtobufCMessageDescriptor *d)
{
	void *p = baton_ctx_alloc(ctx, d->sizeof_message);
	if (p)
		protobuf_c_message_init(d, p);
	else
		baton__error_oom(d->name);
	return p;
}

static int to_json(baton_ctx *ctx, const ProtobufCMessage *m, char **out)
{
	baton_protojson_opts o = {false, false};
	return baton__protojson_write(&ctx->arena, m, &o, out, NULL);
}

/* ---- baton_ctx_ticket_result_json ---- */

static const ProtobufCMessageDescriptor *result_desc(baton__ext_kind k)
{
	switch (k) {
	case BATON__EXT_TICKET_SCHEMAS:
	case BATON__EXT_TICKET_SCHEMA: return &c1__connector__v2__ticket_schema__descriptor;
	case BATON__EXT_TICKET: return &c1__connector__v2__ticket__descriptor;
	case BATON__EXT_TICKET_BULK_CREATE: return &c1__connector__v2__tickets_service_bulk_create_tickets_response__descriptor;
	case BATON__EXT_TICKET_BULK_GET: return &c1__connector__v2__tickets_service_bulk_get_tickets_response__descriptor;
	default: return NULL;
	}
}

BATON_API int baton_ctx_ticket_result_json(baton_ctx *ctx, const char *json)
{
	static const char fn[] = "baton_ctx_ticket_result_json";
	unsigned kinds = BATON__EXT_BIT(BATON__EXT_TICKET_SCHEMAS) | BATON__EXT_BIT(BATON__EXT_TICKET_SCHEMA) |
	                 BATON__EXT_BIT(BATON__EXT_TICKET) | BATON__EXT_BIT(BATON__EXT_TICKET_BULK_CREATE) |
	                 BATON__EXT_BIT(BATON__EXT_TICKET_BULK_GET);
	baton__ext_call *ec = baton__ext_of(ctx, fn, kinds);
	if (!ec)
		return baton_error_last()->code;
	if (!json)
		return baton__null_arg(fn, "json");
	const ProtobufCMessageDescriptor *d = result_desc(ec->kind);
	ProtobufCMessage *m;
	int rc = baton__protojson_read(&ctx->arena, d, json, strlen(json), &m);
	if (rc)
		return baton__error_prefix("%s: not a %s", fn, d->name);
	if (ec->kind != BATON__EXT_TICKET_SCHEMAS)
		ec->n_results = 0;
	if (ec->n_results == ec->cap_results) {
		size_t cap = ec->cap_results ? ec->cap_results * 2 : 8;
		ProtobufCMessage **v = realloc(ec->results, cap * sizeof(*v));
		if (!v)
			return baton__error_oom("ticket results");
		ec->results = v;
		ec->cap_results = cap;
	}
	ec->results[ec->n_results++] = m;
	return 0;
}

/* ---- validation against the schema ---- */

static const char *kind_name(int value_case)
{
	switch (value_case) {
	case C1__CONNECTOR__V2__TICKET_CUSTOM_FIELD__VALUE_STRING_VALUE: return "string value";
	case C1__CONNECTOR__V2__TICKET_CUSTOM_FIELD__VALUE_STRING_VALUES: return "string values";
	case C1__CONNECTOR__V2__TICKET_CUSTOM_FIELD__VALUE_BOOL_VALUE: return "bool value";
	case C1__CONNECTOR__V2__TICKET_CUSTOM_FIELD__VALUE_TIMESTAMP_VALUE: return "timestamp value";
	case C1__CONNECTOR__V2__TICKET_CUSTOM_FIELD__VALUE_PICK_STRING_VALUE: return "pick string value";
	case C1__CONNECTOR__V2__TICKET_CUSTOM_FIELD__VALUE_PICK_MULTIPLE_STRING_VALUES: return "pick multiple string values";
	case C1__CONNECTOR__V2__TICKET_CUSTOM_FIELD__VALUE_PICK_OBJECT_VALUE: return "pick object value";
	case C1__CONNECTOR__V2__TICKET_CUSTOM_FIELD__VALUE_PICK_MULTIPLE_OBJECT_VALUES: return "pick multiple object values";
	case C1__CONNECTOR__V2__TICKET_CUSTOM_FIELD__VALUE_NUMBER_VALUE: return "number value";
	default: return "unknown value";
	}
}

static bool in_list(char **v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

static bool in_objects(C1__Connector__V2__TicketCustomFieldObjectValue **v, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] && v[i]->id && !strcmp(v[i]->id, id))
			return true;
	return false;
}

#define INVALID(...) baton_error_set(BATON_EINVALID, "create ticket request is not valid: " __VA_ARGS__)

static int check_field(const char *id, const cf_t *sf, const cf_t *tf)
{
	if (tf->value_case != sf->value_case)
		return INVALID("expected %s for field %s", kind_name(sf->value_case), id);
	bool req = sf->required;
	switch (sf->value_case) {
	case C1__CONNECTOR__V2__TICKET_CUSTOM_FIELD__VALUE_STRING_VALUE: {
		const char *v = tf->string_value->value;
		if (!v || !*v)
			v = tf->string_value->default_value;
		if (req && (!v || !*v))
			return INVALID("string value is required but was empty for field %s", id);
		break;
	}
	case C1__CONNECTOR__V2__TICKET_CUSTOM_FIELD__VALUE_STRING_VALUES:
		if (req && !tf->string_values->n_values && !tf->string_values->n_default_values)
			return INVALID("string values is required but was empty for field %s", id);
		break;
	case C1__CONNECTOR__V2__TICKET_CUSTOM_FIELD__VALUE_TIMESTAMP_VALUE:
		if (req && !tf->timestamp_value->value && !tf->timestamp_value->default_value)
			return INVALID("expected timestamp value for field %s but was empty", id);
		break;
	case C1__CONNECTOR__V2__TICKET_CUSTOM_FIELD__VALUE_PICK_STRING_VALUE: {
		const char *v = tf->pick_string_value->value;
		if (!v || !*v)
			v = tf->pick_string_value->default_value;
		if (!v || !*v) {
			if (req)
				return INVALID("expected string value for field %s but was empty", id);
			break;
		}
		if (!sf->pick_string_value->n_allowed_values)
			return INVALID("expected schema to specify at least one allowed value for field %s", id);
		if (!in_list(sf->pick_string_value->allowed_values, sf->pick_string_value->n_allowed_values, v))
			return INVALID("value %s is not allowed for field %s", v, id);
		break;
	}
	case C1__CONNECTOR__V2__TICKET_CUSTOM_FIELD__VALUE_PICK_MULTIPLE_STRING_VALUES: {
		C1__Connector__V2__TicketCustomFieldPickMultipleStringValues *t = tf->pick_multiple_string_values;
		char **v = t->n_values ? t->values : t->default_values;
		size_t n = t->n_values ? t->n_values : t->n_default_values;
		if (!n) {
			if (req)
				return INVALID("expected string values for field %s but were empty", id);
			break;
		}
		for (size_t i = 0; i < n; i++)
			if (!in_list(sf->pick_multiple_string_values->allowed_values,
			             sf->pick_multiple_string_values->n_allowed_values, v[i]))
				return INVALID("value %s is not allowed for field %s", v[i], id);
		break;
	}
	case C1__CONNECTOR__V2__TICKET_CUSTOM_FIELD__VALUE_PICK_OBJECT_VALUE: {
		C1__Connector__V2__TicketCustomFieldObjectValue *v = tf->pick_object_value->value;
		if (!v || !v->id || !*v->id)
			v = tf->pick_object_value->default_value;
		if (!v || !v->id || !*v->id) {
			if (req)
				return INVALID("expected object value for field %s but was empty", id);
			break;
		}
		if (!in_objects(sf->pick_object_value->allowed_values, sf->pick_object_value->n_allowed_values, v->id))
			return INVALID("value %s is not allowed for field %s", v->id, id);
		break;
	}
	case C1__CONNECTOR__V2__TICKET_CUSTOM_FIELD__VALUE_PICK_MULTIPLE_OBJECT_VALUES: {
		C1__Connector__V2__TicketCustomFieldPickMultipleObjectValues *t = tf->pick_multiple_object_values;
		C1__Connector__V2__TicketCustomFieldObjectValue **v = t->n_values ? t->values : t->default_values;
		size_t n = t->n_values ? t->n_values : t->n_default_values;
		if (!n) {
			if (req)
				return INVALID("expected object values for field %s but were empty", id);
			break;
		}
		for (size_t i = 0; i < n; i++)
			if (!v[i] || !v[i]->id ||
			    !in_objects(sf->pick_multiple_object_values->allowed_values,
			                sf->pick_multiple_object_values->n_allowed_values, v[i]->id))
				return INVALID("value %s is not allowed for field %s", v[i] && v[i]->id ? v[i]->id : "", id);
		break;
	}
	default:
		break;
	}
	return 0;
}

int baton__ticket_validate(const C1__Connector__V2__TicketSchema *schema, const C1__Connector__V2__Ticket *t)
{
	if (t->status && t->status->id && *t->status->id) {
		bool found = false;
		for (size_t i = 0; i < schema->n_statuses && !found; i++)
			found = schema->statuses[i]->id && !strcmp(schema->statuses[i]->id, t->status->id);
		if (!found)
			return INVALID("could not find status %s in schema %s", t->status->id, schema->id);
	}
	for (size_t i = 0; i < schema->n_custom_fields; i++) {
		const char *id = schema->custom_fields[i]->key;
		const cf_t *sf = schema->custom_fields[i]->value;
		if (!sf)
			continue;
		const cf_t *tf = NULL;
		for (size_t j = 0; j < t->n_custom_fields && !tf; j++)
			if (!strcmp(t->custom_fields[j]->key, id))
				tf = t->custom_fields[j]->value;
		if (!tf) {
			if (sf->required)
				return INVALID("missing custom field %s", id);
			continue;
		}
		int rc = check_field(id, sf, tf);
		if (rc)
			return rc;
	}
	for (size_t j = 0; j < t->n_custom_fields; j++) {
		bool known = false;
		for (size_t i = 0; i < schema->n_custom_fields && !known; i++)
			known = !strcmp(schema->custom_fields[i]->key, t->custom_fields[j]->key);
		if (!known)
			return INVALID("custom field %s is not in schema %s", t->custom_fields[j]->key, schema->id);
	}
	return 0;
}

/* ---- the RPCs ---- */

/* Runs one ticket callback; on success *results / *n are the parsed results (ctx memory). */
typedef int (*call_fn)(const baton_ticket_manager *tm, baton_ctx *ctx, const void *a, const void *b);

static int run(baton__runtime *rt, baton_ctx *ctx, baton__ext_kind kind, const char *token, uint32_t page_size,
               call_fn fn, const void *a, const void *b, const char *what, ProtobufCMessage ***results,
               size_t *n, char **next_page)
{
	const baton_ticket_manager *tm = manager(rt);
	baton__ext_call ec;
	baton__ext_begin(&ec, ctx, rt, kind, token, page_size);
	baton_error_clear();
	int rc = fn(tm, ctx, a, b);
	if (rc) {
		baton__ext_end(&ec);
		return baton__ext_failed(rc, what);
	}
	ProtobufCMessage **v = baton_ctx_alloc(ctx, (ec.n_results + 1) * sizeof(*v));
	if (!v) {
		baton__ext_end(&ec);
		return BATON_EEXHAUSTED;
	}
	if (ec.n_results)
		memcpy(v, ec.results, ec.n_results * sizeof(*v));
	*results = v;
	*n = ec.n_results;
	if (next_page)
		*next_page = ec.call.next_page;
	baton__ext_end(&ec);
	return 0;
}

static int call_list(const baton_ticket_manager *tm, baton_ctx *ctx, const void *a, const void *b)
{
	(void)a;
	(void)b;
	return tm->list_schemas(ctx);
}

static int call_get_schema(const baton_ticket_manager *tm, baton_ctx *ctx, const void *a, const void *b)
{
	(void)b;
	return tm->get_schema(ctx, a);
}

static int call_create(const baton_ticket_manager *tm, baton_ctx *ctx, const void *a, const void *b)
{
	return tm->create(ctx, a, b);
}

static int call_get(const baton_ticket_manager *tm, baton_ctx *ctx, const void *a, const void *b)
{
	(void)b;
	return tm->get(ctx, a);
}

static int call_bulk_create(const baton_ticket_manager *tm, baton_ctx *ctx, const void *a, const void *b)
{
	(void)b;
	return tm->bulk_create(ctx, a);
}

static int call_bulk_get(const baton_ticket_manager *tm, baton_ctx *ctx, const void *a, const void *b)
{
	(void)b;
	return tm->bulk_get(ctx, a);
}

int baton__tickets_list_schemas(baton__runtime *rt, baton_ctx *ctx,
                                const C1__Connector__V2__TicketsServiceListTicketSchemasRequest *req,
                                C1__Connector__V2__TicketsServiceListTicketSchemasResponse **out)
{
	const baton_ticket_manager *tm;
	int rc = need_manager(rt, &tm);
	if (rc)
		return rc;
	const char *token = req && req->page_token ? req->page_token : "";
	ProtobufCMessage **res;
	size_t n;
	char *next = NULL;
	if ((rc = run(rt, ctx, BATON__EXT_TICKET_SCHEMAS, token, req ? req->page_size : 0, call_list, NULL, NULL,
	              "list_schemas", &res, &n, &next)))
		return baton__error_prefix("error: listing ticket schemas failed");
	if (*token && next && !strcmp(token, next))
		return baton_error_set(BATON_EINTERNAL, "listing ticket schemas failed: next page token unchanged - "
		                       "likely a connector bug");
	C1__Connector__V2__TicketsServiceListTicketSchemasResponse *resp =
		new_msg(ctx, &c1__connector__v2__tickets_service_list_ticket_schemas_response__descriptor);
	if (!resp || !(resp->next_page_token = baton__str(ctx, next)))
		return BATON_EEXHAUSTED;
	resp->n_list = n;
	resp->list = (C1__Connector__V2__TicketSchema **)res;
	*out = resp;
	return 0;
}

static int get_schema(baton__runtime *rt, baton_ctx *ctx, const char *id, C1__Connector__V2__TicketSchema **out)
{
	ProtobufCMessage **res;
	size_t n;
	int rc = run(rt, ctx, BATON__EXT_TICKET_SCHEMA, "", 0, call_get_schema, id, NULL, "get_schema", &res, &n, NULL);
	if (rc)
		return baton__error_prefix("error: getting ticket metadata failed");
	if (!n)
		return baton_error_set(BATON_ENOTFOUND, "error: getting ticket metadata failed: ticket schema %s not found",
		                       id);
	*out = (C1__Connector__V2__TicketSchema *)res[0];
	return 0;
}

int baton__tickets_get_schema(baton__runtime *rt, baton_ctx *ctx,
                              const C1__Connector__V2__TicketsServiceGetTicketSchemaRequest *req,
                              C1__Connector__V2__TicketsServiceGetTicketSchemaResponse **out)
{
	const baton_ticket_manager *tm;
	int rc = need_manager(rt, &tm);
	if (rc)
		return rc;
	C1__Connector__V2__TicketsServiceGetTicketSchemaResponse *resp =
		new_msg(ctx, &c1__connector__v2__tickets_service_get_ticket_schema_response__descriptor);
	if (!resp)
		return BATON_EEXHAUSTED;
	if ((rc = get_schema(rt, ctx, req->id ? req->id : "", &resp->schema)))
		return rc;
	*out = resp;
	return 0;
}

/* The Ticket the SDK hands create: the request's fields except the type. */
static int ticket_from_request(baton_ctx *ctx, const C1__Connector__V2__TicketRequest *r,
                               C1__Connector__V2__Ticket **out)
{
	C1__Connector__V2__Ticket *t = new_msg(ctx, &c1__connector__v2__ticket__descriptor);
	if (!t)
		return BATON_EEXHAUSTED;
	t->display_name = r->display_name;
	t->description = r->description;
	t->status = r->status;
	t->n_labels = r->n_labels;
	t->labels = r->labels;
	t->requested_for = r->requested_for;
	if (r->n_custom_fields) {
		t->custom_fields = baton_ctx_alloc(ctx, r->n_custom_fields * sizeof(*t->custom_fields));
		if (!t->custom_fields)
			return BATON_EEXHAUSTED;
		for (size_t i = 0; i < r->n_custom_fields; i++) {
			C1__Connector__V2__Ticket__CustomFieldsEntry *e =
				new_msg(ctx, &c1__connector__v2__ticket__custom_fields_entry__descriptor);
			if (!e)
				return BATON_EEXHAUSTED;
			e->key = r->custom_fields[i]->key;
			e->value = r->custom_fields[i]->value;
			t->custom_fields[i] = e;
		}
		t->n_custom_fields = r->n_custom_fields;
	}
	*out = t;
	return 0;
}

static int create_one(baton__runtime *rt, baton_ctx *ctx, const C1__Connector__V2__TicketsServiceCreateTicketRequest *req,
                      C1__Connector__V2__Ticket **out)
{
	if (!req || !req->request)
		return baton_error_set(BATON_EINVALID, "request body is nil");
	C1__Connector__V2__Ticket *t;
	int rc = ticket_from_request(ctx, req->request, &t);
	if (rc)
		return rc;
	if (req->schema && (rc = baton__ticket_validate(req->schema, t)))
		return baton__error_prefix("error: creating ticket failed");
	char *ticket_json, *schema_json;
	if ((rc = to_json(ctx, &t->base, &ticket_json)) ||
	    (rc = to_json(ctx, req->schema ? &req->schema->base : NULL, &schema_json)))
		return rc;
	ProtobufCMessage **res = NULL;
	size_t n = 0;
	if ((rc = run(rt, ctx, BATON__EXT_TICKET, "", 0, call_create, ticket_json, schema_json, "create", &res, &n, NULL)))
		return baton__error_prefix("error: creating ticket failed");
	if (!n)
		return baton_error_set(BATON_EINTERNAL, "error: creating ticket failed: the connector returned no ticket");
	C1__Connector__V2__Ticket *created = (C1__Connector__V2__Ticket *)res[0];
	if (!created->id || !*created->id)
		return baton_error_set(BATON_EINTERNAL, "error: creating ticket failed: the created ticket has no id");
	*out = created;
	return 0;
}

int baton__tickets_create(baton__runtime *rt, baton_ctx *ctx,
                          const C1__Connector__V2__TicketsServiceCreateTicketRequest *req,
                          C1__Connector__V2__TicketsServiceCreateTicketResponse **out)
{
	const baton_ticket_manager *tm;
	int rc = need_manager(rt, &tm);
	if (rc)
		return rc;
	C1__Connector__V2__TicketsServiceCreateTicketResponse *resp =
		new_msg(ctx, &c1__connector__v2__tickets_service_create_ticket_response__descriptor);
	if (!resp)
		return BATON_EEXHAUSTED;
	if ((rc = create_one(rt, ctx, req, &resp->ticket)))
		return rc;
	*out = resp;
	return 0;
}

static int get_one(baton__runtime *rt, baton_ctx *ctx, const char *id, C1__Connector__V2__Ticket **out)
{
	ProtobufCMessage **res;
	size_t n;
	int rc = run(rt, ctx, BATON__EXT_TICKET, "", 0, call_get, id, NULL, "get", &res, &n, NULL);
	if (rc)
		return baton__error_prefix("error: getting ticket failed");
	if (!n)
		return baton_error_set(BATON_ENOTFOUND, "error: getting ticket failed: ticket %s not found", id);
	*out = (C1__Connector__V2__Ticket *)res[0];
	return 0;
}

int baton__tickets_get(baton__runtime *rt, baton_ctx *ctx, const C1__Connector__V2__TicketsServiceGetTicketRequest *req,
                       C1__Connector__V2__TicketsServiceGetTicketResponse **out)
{
	const baton_ticket_manager *tm;
	int rc = need_manager(rt, &tm);
	if (rc)
		return rc;
	C1__Connector__V2__TicketsServiceGetTicketResponse *resp =
		new_msg(ctx, &c1__connector__v2__tickets_service_get_ticket_response__descriptor);
	if (!resp)
		return BATON_EEXHAUSTED;
	if ((rc = get_one(rt, ctx, req->id ? req->id : "", &resp->ticket)))
		return rc;
	*out = resp;
	return 0;
}

/*
 * A bulk request handed whole, as JSON, to the connector's bulk callback: its one response is
 * *out. `what` names the operation in errors ("creating tickets").
 */
static int run_bulk(baton__runtime *rt, baton_ctx *ctx, const ProtobufCMessage *req, baton__ext_kind kind,
                    call_fn fn, const char *name, const char *what, ProtobufCMessage **out)
{
	char *json;
	ProtobufCMessage **res;
	size_t n;
	int rc = to_json(ctx, req, &json);
	if (rc)
		return rc;
	if ((rc = run(rt, ctx, kind, "", 0, fn, json, NULL, name, &res, &n, NULL)))
		return baton__error_prefix("error: %s failed", what);
	if (!n)
		return baton_error_set(BATON_EINTERNAL, "error: %s failed: the connector returned no response", what);
	*out = res[0];
	return 0;
}

int baton__tickets_bulk_create(baton__runtime *rt, baton_ctx *ctx,
                               const C1__Connector__V2__TicketsServiceBulkCreateTicketsRequest *req,
                               C1__Connector__V2__TicketsServiceBulkCreateTicketsResponse **out)
{
	const baton_ticket_manager *tm;
	int rc = need_manager(rt, &tm);
	if (rc)
		return rc;
	if (!req || !req->n_ticket_requests)
		return baton_error_set(BATON_EINVALID, "request body had no items");
	if (tm->bulk_create) {
		ProtobufCMessage *m = NULL;
		rc = run_bulk(rt, ctx, &req->base, BATON__EXT_TICKET_BULK_CREATE, call_bulk_create, "bulk_create",
		              "creating tickets", &m);
		if (!rc)
			*out = (C1__Connector__V2__TicketsServiceBulkCreateTicketsResponse *)m;
		return rc;
	}
	C1__Connector__V2__TicketsServiceBulkCreateTicketsResponse *resp =
		new_msg(ctx, &c1__connector__v2__tickets_service_bulk_create_tickets_response__descriptor);
	C1__Connector__V2__TicketsServiceCreateTicketResponse **v =
		baton_ctx_alloc(ctx, req->n_ticket_requests * sizeof(*v));
	if (!resp || !v)
		return BATON_EEXHAUSTED;
	for (size_t i = 0; i < req->n_ticket_requests; i++) {
		C1__Connector__V2__TicketsServiceCreateTicketResponse *r =
			new_msg(ctx, &c1__connector__v2__tickets_service_create_ticket_response__descriptor);
		if (!r)
			return BATON_EEXHAUSTED;
		if (create_one(rt, ctx, req->ticket_requests[i], &r->ticket) &&
		    !(r->error = baton_ctx_strdup(ctx, baton_error_last()->message)))
			return BATON_EEXHAUSTED;
		v[i] = r;
	}
	resp->n_tickets = req->n_ticket_requests;
	resp->tickets = v;
	*out = resp;
	return 0;
}

int baton__tickets_bulk_get(baton__runtime *rt, baton_ctx *ctx,
                            const C1__Connector__V2__TicketsServiceBulkGetTicketsRequest *req,
                            C1__Connector__V2__TicketsServiceBulkGetTicketsResponse **out)
{
	const baton_ticket_manager *tm;
	int rc = need_manager(rt, &tm);
	if (rc)
		return rc;
	if (!req || !req->n_ticket_requests)
		return baton_error_set(BATON_EINVALID, "request body had no items");
	if (tm->bulk_get) {
		ProtobufCMessage *m = NULL;
		rc = run_bulk(rt, ctx, &req->base, BATON__EXT_TICKET_BULK_GET, call_bulk_get, "bulk_get",
		              "fetching tickets", &m);
		if (!rc)
			*out = (C1__Connector__V2__TicketsServiceBulkGetTicketsResponse *)m;
		return rc;
	}
	C1__Connector__V2__TicketsServiceBulkGetTicketsResponse *resp =
		new_msg(ctx, &c1__connector__v2__tickets_service_bulk_get_tickets_response__descriptor);
	C1__Connector__V2__TicketsServiceGetTicketResponse **v = baton_ctx_alloc(ctx, req->n_ticket_requests * sizeof(*v));
	if (!resp || !v)
		return BATON_EEXHAUSTED;
	for (size_t i = 0; i < req->n_ticket_requests; i++) {
		C1__Connector__V2__TicketsServiceGetTicketResponse *r =
			new_msg(ctx, &c1__connector__v2__tickets_service_get_ticket_response__descriptor);
		if (!r)
			return BATON_EEXHAUSTED;
		const C1__Connector__V2__TicketsServiceGetTicketRequest *g = req->ticket_requests[i];
		if (get_one(rt, ctx, g && g->id ? g->id : "", &r->ticket) &&
		    !(r->error = baton_ctx_strdup(ctx, baton_error_last()->message)))
			return BATON_EEXHAUSTED;
		v[i] = r;
	}
	resp->n_tickets = req->n_ticket_requests;
	resp->tickets = v;
	*out = resp;
	return 0;
}
