/*
 * ConnectorMetadata (what the Go SDK's builder answers GetMetadata with): the connector's display
 * name, description, help URL, icon and logo asset references, its capabilities, and, when it has
 * a ticket manager, an ExternalTicketSettings annotation whose `enabled` is the manager's
 * `enabled` (the builder's WithTicketingEnabled()).
 */
#include "connector/connector.h"

#include <string.h>

#include "core/error.h"
#include "proto/protojson.h"
#include "types/types.h"
#include "baton/tickets.h"
#include "c1/connector/v2/annotation_external_ticket.pb-c.h"

static int asset(baton_ctx *ctx, const char *what, const char *id, C1__Connector__V2__AssetRef **out)
{
	*out = NULL;
	if (!id || !*id)
		return 0;
	int rc = baton__asset_ref_new(ctx, what, id, out);
	return rc < 0 ? rc : 0;
}

int baton__connector_metadata(const baton_connector *conn, baton_ctx *ctx, C1__Connector__V2__ConnectorMetadata **out)
{
	C1__Connector__V2__ConnectorCapabilities *caps;
	int rc = baton__connector_capabilities(conn, ctx, &caps);
	if (rc)
		return rc;
	if (conn->help_url && *conn->help_url && strncmp(conn->help_url, "https://", 8) != 0)
		return baton_error_set(BATON_EINVALID, "connector: help_url must start with https://");
	C1__Connector__V2__ConnectorMetadata *md = baton_ctx_alloc(ctx, sizeof(*md));
	if (!md)
		return baton__error_oom("metadata");
	c1__connector__v2__connector_metadata__init(md);
	md->display_name = baton__str(ctx, conn->display_name);
	md->description = baton__str(ctx, conn->description);
	md->help_url = baton__str(ctx, conn->help_url);
	if (!md->display_name || !md->description || !md->help_url)
		return baton__error_oom("metadata");
	if ((rc = asset(ctx, "connector icon_asset_id", conn->icon_asset_id, &md->icon)) ||
	    (rc = asset(ctx, "connector logo_asset_id", conn->logo_asset_id, &md->logo)))
		return rc;
	md->capabilities = caps;
	if (conn->version >= 2 && conn->tickets) {
		C1__Connector__V2__ExternalTicketSettings *ts = baton_ctx_alloc(ctx, sizeof(*ts));
		if (!ts)
			return baton__error_oom("metadata");
		c1__connector__v2__external_ticket_settings__init(ts);
		ts->enabled = conn->tickets->enabled;
		baton_annotations a;
		baton__annotations_init(&a, ctx, &md->n_annotations, &md->annotations, NULL);
		if ((rc = baton__annotations_append_msg(&a, &ts->base)) < 0)
			return rc;
	}
	*out = md;
	return 0;
}

int baton__connector_metadata_json(const baton_connector *conn, baton_ctx *ctx, bool multiline, char **json)
{
	C1__Connector__V2__ConnectorMetadata *md = NULL;
	int rc = baton__connector_metadata(conn, ctx, &md);
	if (rc)
		return rc;
	baton_protojson_opts o = {multiline, false};
	return baton__protojson_write(&ctx->arena, &md->base, &o, json, NULL);
}
