/*
 * ConnectorMetadata (what the Go SDK's builder answers GetMetadata with): the connector's display
 * name, description, help URL, icon and logo asset references, its capabilities, and, when it has
 * a ticket manager, an ExternalTicketSettings annotation whose `enabled` is the manager's
 * `enabled` (the builder's WithTicketingEnabled()), and the connector's account-creation schema.
 */
#include "connector/connector.h"

#include <string.h>

#include "core/error.h"
#include "proto/protojson.h"
#include "types/types.h"
#include "baton/tickets.h"
#include "c1/connector/v2/annotation_external_ticket.pb-c.h"
#include "c1/connector/v2/connector.pb-c.h"

static int asset(baton_ctx *ctx, const char *what, const char *id, C1__Connector__V2__AssetRef **out)
{
	*out = NULL;
	if (!id || !*id)
		return 0;
	int rc = baton__asset_ref_new(ctx, what, id, out);
	return rc < 0 ? rc : 0;
}

typedef C1__Connector__V2__ConnectorAccountCreationSchema__Field acs_field;

static int acs_fields(baton_ctx *ctx, const baton_account_field *f, size_t n, int depth, size_t *n_out,
                      void ***out, bool top);

#define ACS_NEW(T, init, var)                                                                              \
	T *var = baton_ctx_alloc(ctx, sizeof(*var));                                                           \
	if (!var)                                                                                              \
		return baton__error_oom("metadata");                                                               \
	init(var)

static int acs_one(baton_ctx *ctx, const baton_account_field *f, int depth, acs_field **out)
{
	ACS_NEW(acs_field, c1__connector__v2__connector_account_creation_schema__field__init, m);
	m->display_name = baton__str(ctx, f->display_name);
	m->description = baton__str(ctx, f->description);
	m->placeholder = baton__str(ctx, f->placeholder);
	if (!m->display_name || !m->description || !m->placeholder)
		return baton__error_oom("metadata");
	m->order = f->order;
	m->required = f->required;
	m->deprecated = f->deprecated;
	switch (f->kind) {
	case BATON_ACCOUNT_FIELD_STRING: {
		ACS_NEW(C1__Connector__V2__ConnectorAccountCreationSchema__StringField,
		        c1__connector__v2__connector_account_creation_schema__string_field__init, v);
		if (f->has_default) {
			v->_default_value_case = C1__CONNECTOR__V2__CONNECTOR_ACCOUNT_CREATION_SCHEMA__STRING_FIELD___DEFAULT_VALUE_DEFAULT_VALUE;
			if (!(v->default_value = baton__str(ctx, f->default_string)))
				return baton__error_oom("metadata");
		}
		m->field_case = C1__CONNECTOR__V2__CONNECTOR_ACCOUNT_CREATION_SCHEMA__FIELD__FIELD_STRING_FIELD;
		m->string_field = v;
		break;
	}
	case BATON_ACCOUNT_FIELD_BOOL: {
		ACS_NEW(C1__Connector__V2__ConnectorAccountCreationSchema__BoolField,
		        c1__connector__v2__connector_account_creation_schema__bool_field__init, v);
		if (f->has_default) {
			v->_default_value_case = C1__CONNECTOR__V2__CONNECTOR_ACCOUNT_CREATION_SCHEMA__BOOL_FIELD___DEFAULT_VALUE_DEFAULT_VALUE;
			v->default_value = f->default_bool;
		}
		m->field_case = C1__CONNECTOR__V2__CONNECTOR_ACCOUNT_CREATION_SCHEMA__FIELD__FIELD_BOOL_FIELD;
		m->bool_field = v;
		break;
	}
	case BATON_ACCOUNT_FIELD_INT: {
		ACS_NEW(C1__Connector__V2__ConnectorAccountCreationSchema__IntField,
		        c1__connector__v2__connector_account_creation_schema__int_field__init, v);
		if (f->has_default) {
			v->_default_value_case = C1__CONNECTOR__V2__CONNECTOR_ACCOUNT_CREATION_SCHEMA__INT_FIELD___DEFAULT_VALUE_DEFAULT_VALUE;
			v->default_value = f->default_int;
		}
		m->field_case = C1__CONNECTOR__V2__CONNECTOR_ACCOUNT_CREATION_SCHEMA__FIELD__FIELD_INT_FIELD;
		m->int_field = v;
		break;
	}
	case BATON_ACCOUNT_FIELD_STRING_LIST: {
		ACS_NEW(C1__Connector__V2__ConnectorAccountCreationSchema__StringListField,
		        c1__connector__v2__connector_account_creation_schema__string_list_field__init, v);
		if (f->n_default_strings) {
			if (!f->default_strings)
				return baton_error_set(BATON_EINVALID, "account field \"%s\": default_strings is NULL", f->name);
			if (!(v->default_value = baton_ctx_alloc(ctx, f->n_default_strings * sizeof(char *))))
				return baton__error_oom("metadata");
			for (size_t i = 0; i < f->n_default_strings; i++)
				if (!(v->default_value[i] = baton__str(ctx, f->default_strings[i])))
					return baton__error_oom("metadata");
			v->n_default_value = f->n_default_strings;
		}
		m->field_case = C1__CONNECTOR__V2__CONNECTOR_ACCOUNT_CREATION_SCHEMA__FIELD__FIELD_STRING_LIST_FIELD;
		m->string_list_field = v;
		break;
	}
	case BATON_ACCOUNT_FIELD_MAP: {
		ACS_NEW(C1__Connector__V2__ConnectorAccountCreationSchema__MapField,
		        c1__connector__v2__connector_account_creation_schema__map_field__init, v);
		void **e = NULL;
		int rc = acs_fields(ctx, f->default_fields, f->n_default_fields, depth + 1, &v->n_default_value, &e, false);
		if (rc)
			return rc;
		v->default_value = (C1__Connector__V2__ConnectorAccountCreationSchema__MapField__DefaultValueEntry **)e;
		m->field_case = C1__CONNECTOR__V2__CONNECTOR_ACCOUNT_CREATION_SCHEMA__FIELD__FIELD_MAP_FIELD;
		m->map_field = v;
		break;
	}
	default:
		return baton_error_set(BATON_EINVALID, "account field \"%s\": unknown kind %d", f->name, (int)f->kind);
	}
	*out = m;
	return 0;
}

/* The entries of a field map (top: ConnectorAccountCreationSchema.field_map, else a MapField's
 * default_value); both entry messages have the same layout (key, value). */
static int acs_fields(baton_ctx *ctx, const baton_account_field *f, size_t n, int depth, size_t *n_out,
                      void ***out, bool top)
{
	if (depth > 8)
		return baton_error_set(BATON_EINVALID, "account fields: nested more than 8 deep");
	if (n && !f)
		return baton_error_set(BATON_EINVALID, "account fields: the array is NULL");
	C1__Connector__V2__ConnectorAccountCreationSchema__FieldMapEntry **e = NULL;
	if (n && !(e = baton_ctx_alloc(ctx, n * sizeof(*e))))
		return baton__error_oom("metadata");
	for (size_t i = 0; i < n; i++) {
		if (!f[i].name || !*f[i].name)
			return baton_error_set(BATON_EINVALID, "account field %zu: name is required", i);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(f[i].name, f[j].name))
				return baton_error_set(BATON_EINVALID, "account field \"%s\": duplicate name", f[i].name);
		if (!(e[i] = baton_ctx_alloc(ctx, sizeof(*e[i]))))
			return baton__error_oom("metadata");
		if (top)
			c1__connector__v2__connector_account_creation_schema__field_map_entry__init(e[i]);
		else
			c1__connector__v2__connector_account_creation_schema__map_field__default_value_entry__init(
				(C1__Connector__V2__ConnectorAccountCreationSchema__MapField__DefaultValueEntry *)e[i]);
		if (!(e[i]->key = baton__str(ctx, f[i].name)))
			return baton__error_oom("metadata");
		int rc = acs_one(ctx, &f[i], depth, &e[i]->value);
		if (rc)
			return rc;
	}
	*n_out = n;
	*out = (void **)e;
	return 0;
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
	if (conn->version >= 4 && conn->n_account_fields) {
		ACS_NEW(C1__Connector__V2__ConnectorAccountCreationSchema,
		        c1__connector__v2__connector_account_creation_schema__init, acs);
		void **e = NULL;
		if ((rc = acs_fields(ctx, conn->account_fields, conn->n_account_fields, 0, &acs->n_field_map, &e, true)))
			return rc;
		acs->field_map = (C1__Connector__V2__ConnectorAccountCreationSchema__FieldMapEntry **)e;
		md->account_creation_schema = acs;
	}
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
