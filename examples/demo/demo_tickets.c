/*
 * baton-demo: ticketing (see demo_ext.h). Schemas are fixed; a created ticket is logged in the
 * state file as {"op": "ticket", "ticket": <Ticket>} and found there again by id.
 * Threads: create holds the model's write lock from counting the tickets (the new id) to logging
 * the new one, get holds the read lock while it reads the log (model.h, "Locking").
 */
#include "demo_int.h"
#include "demo_json.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <jansson.h>


static const char *const schemas[] = {
	"{\"id\":\"access-request\",\"displayName\":\"Access request\","
	"\"types\":[{\"id\":\"access\",\"displayName\":\"Access\"}],"
	"\"statuses\":[{\"id\":\"open\",\"displayName\":\"Open\"},{\"id\":\"in_progress\",\"displayName\":\"In progress\"},"
	"{\"id\":\"closed\",\"displayName\":\"Closed\"}],"
	"\"customFields\":{"
	"\"priority\":{\"id\":\"priority\",\"displayName\":\"Priority\",\"required\":true,"
	"\"pickStringValue\":{\"allowedValues\":[\"low\",\"medium\",\"high\"]}},"
	"\"justification\":{\"id\":\"justification\",\"displayName\":\"Justification\",\"stringValue\":{}},"
	"\"watchers\":{\"id\":\"watchers\",\"displayName\":\"Watchers\",\"stringValues\":{}},"
	"\"due\":{\"id\":\"due\",\"displayName\":\"Due\",\"timestampValue\":{}}}}",

	"{\"id\":\"incident\",\"displayName\":\"Incident\","
	"\"types\":[{\"id\":\"incident\",\"displayName\":\"Incident\"}],"
	"\"statuses\":[{\"id\":\"open\",\"displayName\":\"Open\"},{\"id\":\"resolved\",\"displayName\":\"Resolved\"}],"
	"\"customFields\":{"
	"\"severity\":{\"id\":\"severity\",\"displayName\":\"Severity\",\"required\":true,"
	"\"pickStringValue\":{\"allowedValues\":[\"sev1\",\"sev2\",\"sev3\"]}},"
	"\"paging\":{\"id\":\"paging\",\"displayName\":\"Page on-call\",\"boolValue\":{}}}}",
};
#define N_SCHEMAS (sizeof(schemas) / sizeof(schemas[0]))

static int list_schemas(baton_ctx *ctx)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < N_SCHEMAS && rc == 0; i++)
		rc = baton_ctx_ticket_result_json(ctx, schemas[i]);
	return rc;
}

static int get_schema(baton_ctx *ctx, const char *id)
{
	size_t i;
	char want[160];

	snprintf(want, sizeof(want), "{\"id\":\"%s\",", id);
	for (i = 0; i < N_SCHEMAS; i++)
		if (strncmp(schemas[i], want, strlen(want)) == 0)
			return baton_ctx_ticket_result_json(ctx, schemas[i]);
	return baton_error_set(BATON_ENOTFOUND, "ticket schema %s not found", id);
}

static json_t *find_ticket(demo_model *m, const char *id, size_t *count)
{
	json_t *ops = (json_t *)demo_model_ops(m), *found = NULL;
	size_t i, n = 0;

	for (i = 0; i < json_array_size(ops); i++) {
		json_t *op = json_array_get(ops, i);
		json_t *t = json_object_get(op, "ticket");
		if (!json_is_object(t) || strcmp(demo_json_str(op, "op"), "ticket") != 0)
			continue;
		n++;
		if (id != NULL && strcmp(demo_json_str(t, "id"), id) == 0)
			found = t;
	}
	if (count != NULL)
		*count = n;
	return found;
}

static int create(baton_ctx *ctx, const char *ticket_json, const char *schema_json)
{
	demo_model *m = model_of(ctx);
	json_error_t err;
	json_t *t = json_loads(ticket_json, 0, &err), *schema = json_loads(schema_json, 0, &err);
	size_t n;
	char id[32], url[96], now[32];
	time_t clock = time(NULL);
	struct tm tm;
	int rc;

	if (t == NULL || schema == NULL) {
		json_decref(t);
		json_decref(schema);
		return baton_error_set(BATON_EINTERNAL, "demo: cannot read the ticket");
	}
	demo_model_write_lock(m);
	find_ticket(m, NULL, &n);
	snprintf(id, sizeof(id), "DEMO-%zu", n + 1);
	snprintf(url, sizeof(url), "https://demo.example.com/tickets/%s", id);
	gmtime_r(&clock, &tm);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_set_new(t, "id", json_string(id));
	json_object_set_new(t, "url", json_string(url));
	json_object_set_new(t, "createdAt", json_string(now));
	json_object_set_new(t, "updatedAt", json_string(now));
	if (json_object_get(t, "status") == NULL)
		json_object_set_new(t, "status", json_pack("{s:s}", "id", "open"));
	json_t *types = json_object_get(schema, "types");
	if (json_array_size(types) > 0)
		json_object_set(t, "type", json_array_get(types, 0));
	json_decref(schema);
	rc = demo_model_log(m, json_pack("{s:s, s:O}", "op", "ticket", "ticket", t));
	demo_model_unlock(m);
	if (rc != DEMO_OK) {
		json_decref(t);
		return baton_error_set(BATON_EUNAVAILABLE, "demo: the state file could not be written");
	}
	if (m->state_path == NULL)
		baton_ctx_log(ctx, BATON_LOG_WARN, "no state file: ticket %s will not be kept", id);
	char *text = json_dumps(t, JSON_COMPACT);
	json_decref(t);
	if (text == NULL)
		return baton_error_set(BATON_EEXHAUSTED, "demo: out of memory");
	rc = baton_ctx_ticket_result_json(ctx, text);
	free(text);
	return rc;
}

static int get(baton_ctx *ctx, const char *id)
{
	json_t *t;
	char *text;
	int rc;

	demo_model_read_lock(model_of(ctx));
	t = find_ticket(model_of(ctx), id, NULL);
	text = t != NULL ? json_dumps(t, JSON_COMPACT) : NULL;
	demo_model_unlock(model_of(ctx));
	if (t == NULL)
		return baton_error_set(BATON_ENOTFOUND, "ticket %s not found", id);
	if (text == NULL)
		return baton_error_set(BATON_EEXHAUSTED, "demo: out of memory");
	rc = baton_ctx_ticket_result_json(ctx, text);
	free(text);
	return rc;
}

const baton_ticket_manager demo_tickets = {
	.version = BATON_TICKET_MANAGER_VERSION,
	.list_schemas = list_schemas,
	.get_schema = get_schema,
	.create = create,
	.get = get,
	.enabled = true,
};
