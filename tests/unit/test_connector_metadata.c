/* ConnectorMetadata (src/connector/metadata.c): what the Go builder's GetMetadata answers, with
 * help_url, icon and logo asset refs, the capabilities, and ExternalTicketSettings carrying the
 * ticket manager's `enabled`. */
#include "testutil.h"

#include <string.h>

#include "baton.h"
#include "connector/connector.h"
#include "core/ctx.h"

static int list_none(baton_ctx *ctx, const baton_resource_id *parent)
{
	(void)ctx;
	(void)parent;
	return 0;
}
static int t_list(baton_ctx *ctx) { (void)ctx; return 0; }
static int t_schema(baton_ctx *ctx, const char *id) { (void)ctx; (void)id; return 0; }
static int t_create(baton_ctx *ctx, const char *t, const char *s) { (void)ctx; (void)t; (void)s; return 0; }
static int t_get(baton_ctx *ctx, const char *id) { (void)ctx; (void)id; return 0; }

static const baton_resource_syncer users = {
	.version = BATON_RESOURCE_SYNCER_VERSION, .name = "User", .list = list_none};
static const baton_resource_syncer *const types[] = {&users};
static baton_ticket_manager tickets = {
	.version = BATON_TICKET_MANAGER_VERSION, .list_schemas = t_list, .get_schema = t_schema, .create = t_create,
	.get = t_get};
static baton_connector conn = {
	.version = BATON_CONNECTOR_VERSION,
	.display_name = "Meta",
	.description = "A connector with metadata",
	.help_url = "https://example.com/help",
	.icon_asset_id = "icon.svg",
	.logo_asset_id = "logo.png",
	.resource_types = types,
	.n_resource_types = 1,
};

static char *metadata(baton_ctx *ctx)
{
	char *json = NULL;
	int rc = baton__connector_metadata_json(&conn, ctx, false, &json);
	if (rc)
		fail_msg("metadata: %d %s", rc, baton_error_last()->message);
	return json;
}

static void test_metadata(void **state)
{
	(void)state;
	baton_ctx *ctx;
	assert_int_equal(baton_ctx_new(&ctx), 0);
	const char *want =
		"{\"displayName\":\"Meta\",\"helpUrl\":\"https://example.com/help\",\"icon\":{\"id\":\"icon.svg\"},"
		"\"logo\":{\"id\":\"logo.png\"},\"description\":\"A connector with metadata\",\"capabilities\":"
		"{\"resourceTypeCapabilities\":[{\"resourceType\":{\"id\":\"user\",\"displayName\":\"User\"},"
		"\"capabilities\":[\"CAPABILITY_SYNC\"],\"permissions\":{}}],\"connectorCapabilities\":"
		"[\"CAPABILITY_SYNC\"],\"credentialDetails\":{}}}";
	char *json = metadata(ctx);
	if (strcmp(json, want) != 0)
		fail_msg("got  %s\nwant %s", json, want);
	/* a ticket manager: ExternalTicketSettings with its `enabled` */
	conn.tickets = &tickets;
	json = metadata(ctx);
	assert_non_null(strstr(json, "\"annotations\":[{\"@type\":\"type.googleapis.com/c1.connector.v2."
	                             "ExternalTicketSettings\"}]"));
	tickets.enabled = true;
	json = metadata(ctx);
	assert_non_null(strstr(json, "\"annotations\":[{\"@type\":\"type.googleapis.com/c1.connector.v2."
	                             "ExternalTicketSettings\",\"enabled\":true}]"));
	assert_non_null(strstr(json, "\"CAPABILITY_TICKETING\""));
	conn.tickets = NULL;
	/* bad help_url / asset id */
	conn.help_url = "http://example.com";
	assert_int_equal(baton__connector_metadata_json(&conn, ctx, false, &json), BATON_EINVALID);
	conn.help_url = "https://example.com/help";
	conn.icon_asset_id = "";
	json = metadata(ctx);
	assert_null(strstr(json, "\"icon\""));
	baton_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_metadata)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
