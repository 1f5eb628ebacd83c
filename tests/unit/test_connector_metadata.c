/* ConnectorMetadata (src/connector/metadata.c): what the Go builder's GetMetadata answers, with
 * help_url, icon and logo asset refs, the capabilities, and ExternalTicketSettings carrying the
 * ticket manager's `enabled`. */
#include "testutil.h"

#include <string.h>

#include "baton.h"
#include "connector/connector.h"
#include "core/ctx.h"
#include "c1/connector/v2/connector.pb-c.h"

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

/* Account-creation schema (connector version 4): ConnectorMetadata.account_creation_schema. */
static const char *const groups[] = {"staff", "vpn"};
static const baton_account_field address[] = {
	{.name = "city", .display_name = "City", .kind = BATON_ACCOUNT_FIELD_STRING, .has_default = true,
	 .default_string = "Paris"},
};
static baton_account_field account[] = {
	{.name = "email", .display_name = "Email", .description = "Work email", .placeholder = "a@b.c", .order = 1,
	 .required = true, .kind = BATON_ACCOUNT_FIELD_STRING},
	{.name = "admin", .display_name = "Admin", .order = 2, .kind = BATON_ACCOUNT_FIELD_BOOL, .has_default = true,
	 .default_bool = true},
	{.name = "quota", .order = 3, .deprecated = true, .kind = BATON_ACCOUNT_FIELD_INT, .has_default = true,
	 .default_int = 5},
	{.name = "groups", .kind = BATON_ACCOUNT_FIELD_STRING_LIST, .default_strings = groups, .n_default_strings = 2},
	{.name = "address", .kind = BATON_ACCOUNT_FIELD_MAP, .default_fields = address, .n_default_fields = 1},
};

static void test_account_creation_schema(void **state)
{
	(void)state;
	baton_ctx *ctx;
	assert_int_equal(baton_ctx_new(&ctx), 0);
	conn.account_fields = account;
	conn.n_account_fields = 5;
	C1__Connector__V2__ConnectorMetadata *md = NULL;
	assert_int_equal(baton__connector_metadata(&conn, ctx, &md), 0);
	const C1__Connector__V2__ConnectorAccountCreationSchema *acs = md->account_creation_schema;
	assert_non_null(acs);
	assert_int_equal(acs->n_field_map, 5);
	const C1__Connector__V2__ConnectorAccountCreationSchema__Field *f = acs->field_map[0]->value;
	assert_string_equal(acs->field_map[0]->key, "email");
	assert_string_equal(f->display_name, "Email");
	assert_string_equal(f->description, "Work email");
	assert_string_equal(f->placeholder, "a@b.c");
	assert_int_equal(f->order, 1);
	assert_true(f->required);
	assert_int_equal(f->field_case, C1__CONNECTOR__V2__CONNECTOR_ACCOUNT_CREATION_SCHEMA__FIELD__FIELD_STRING_FIELD);
	assert_int_equal(f->string_field->_default_value_case, 0); /* no default */
	f = acs->field_map[1]->value;
	assert_int_equal(f->field_case, C1__CONNECTOR__V2__CONNECTOR_ACCOUNT_CREATION_SCHEMA__FIELD__FIELD_BOOL_FIELD);
	assert_true(f->bool_field->default_value);
	f = acs->field_map[2]->value;
	assert_true(f->deprecated);
	assert_int_equal(f->int_field->default_value, 5);
	f = acs->field_map[3]->value;
	assert_int_equal(f->string_list_field->n_default_value, 2);
	assert_string_equal(f->string_list_field->default_value[1], "vpn");
	f = acs->field_map[4]->value;
	assert_int_equal(f->field_case, C1__CONNECTOR__V2__CONNECTOR_ACCOUNT_CREATION_SCHEMA__FIELD__FIELD_MAP_FIELD);
	assert_int_equal(f->map_field->n_default_value, 1);
	assert_string_equal(f->map_field->default_value[0]->key, "city");
	assert_string_equal(f->map_field->default_value[0]->value->string_field->default_value, "Paris");
	/* and in the JSON, as protojson writes it */
	char *json = metadata(ctx);
	assert_non_null(strstr(json, "\"accountCreationSchema\":{\"fieldMap\":{\"address\":")); /* keys sorted */
	if (!strstr(json, "\"email\":{\"displayName\":\"Email\",\"required\":"
	                  "true,\"description\":\"Work email\",\"placeholder\":\"a@b.c\",\"order\":1,\"stringField\":{}}"))
		fail_msg("got %s", json);
	assert_non_null(strstr(json, "\"address\":{\"mapField\":{\"defaultValue\":{\"city\":{\"displayName\":\"City\","
	                             "\"stringField\":{\"defaultValue\":\"Paris\"}}}}}"));
	/* refused: a duplicate name, a missing name, an unknown kind; a version 3 connector has none */
	account[1].name = "email";
	assert_int_equal(baton__connector_metadata(&conn, ctx, &md), BATON_EINVALID);
	assert_non_null(strstr(baton_error_last()->message, "duplicate"));
	account[1].name = "";
	assert_int_equal(baton__connector_metadata(&conn, ctx, &md), BATON_EINVALID);
	account[1].name = "admin";
	account[1].kind = (baton_account_field_kind)42;
	assert_int_equal(baton__connector_metadata(&conn, ctx, &md), BATON_EINVALID);
	account[1].kind = BATON_ACCOUNT_FIELD_BOOL;
	conn.version = 3;
	assert_int_equal(baton__connector_metadata(&conn, ctx, &md), 0);
	assert_null(md->account_creation_schema);
	conn.version = BATON_CONNECTOR_VERSION;
	conn.account_fields = NULL;
	conn.n_account_fields = 0;
	baton_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_metadata),
	                                    cmocka_unit_test(test_account_creation_schema)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
