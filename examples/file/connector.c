/*
 * baton-file: the callbacks. Every resource type of the file gets a baton_resource_syncer with
 * the same callbacks, which find their type with baton_ctx_resource_type(). Page tokens are the
 * offset of the next item, as upstream's (50 items a page unless the caller asks otherwise).
 */
#include "file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FILE_PAGE_SIZE 50

static file_model *model_of(baton_ctx *ctx)
{
	return baton_ctx_userdata(ctx);
}

static size_t page_size(baton_ctx *ctx)
{
	uint32_t n = baton_ctx_page_size(ctx);

	return n ? n : FILE_PAGE_SIZE;
}

static int page_offset(baton_ctx *ctx, size_t *off)
{
	const char *tok = baton_ctx_page_token(ctx);
	char *end;

	*off = 0;
	if (!*tok)
		return 0;
	*off = (size_t)strtoull(tok, &end, 10);
	if (*end != '\0')
		return baton_error_set(BATON_EINVALID, "page token corrupt: \"%s\"", tok);
	return 0;
}

static int next_page(baton_ctx *ctx, size_t next, size_t total)
{
	char tok[32];

	if (next >= total)
		return 0;
	snprintf(tok, sizeof(tok), "%zu", next);
	return baton_ctx_set_next_page(ctx, tok);
}

static file_type *running_type(baton_ctx *ctx)
{
	const baton_resource_type *rt = baton_ctx_resource_type(ctx);

	return rt ? file_model_type(model_of(ctx), baton_resource_type_id(rt)) : NULL;
}

static int build_resource(baton_ctx *ctx, const baton_resource_type *rt, const file_resource *r,
                          baton_resource **out)
{
	baton_resource *res = NULL;
	int rc;

	switch (r->type->trait) {
	case BATON_TRAIT_USER:
		rc = baton_user_resource_new(ctx, r->display_name, rt, r->name, &res);
		break;
	case BATON_TRAIT_GROUP:
		rc = baton_group_resource_new(ctx, r->display_name, rt, r->name, &res);
		break;
	case BATON_TRAIT_ROLE:
		rc = baton_role_resource_new(ctx, r->display_name, rt, r->name, &res);
		break;
	case BATON_TRAIT_APP:
		rc = baton_app_resource_new(ctx, r->display_name, rt, r->name, &res);
		break;
	case BATON_TRAIT_SECRET:
		rc = baton_secret_resource_new(ctx, r->display_name, rt, r->name, &res);
		break;
	default:
		rc = baton_resource_new(ctx, r->display_name, rt, r->name, &res);
		break;
	}
	if (rc == 0 && r->description && *r->description)
		rc = baton_resource_set_description(res, r->description);
	if (rc == 0 && r->parent) {
		baton_resource_id pid = {r->parent->type->id, r->parent->name};
		rc = baton_resource_set_parent(res, &pid);
	}
	if (rc == 0 && r->is_user) {
		baton_user_trait *ut = baton_resource_user_trait(res);
		if (ut == NULL)
			return baton_error_last()->code;
		if (r->email && *r->email)
			rc = baton_user_trait_add_email(ut, r->email, true);
		if (rc == 0)
			rc = baton_user_trait_set_status(ut, r->status, NULL);
		if (rc == 0)
			rc = baton_user_trait_set_account_type(ut, r->account_type);
		if (rc == 0 && r->has_last_login)
			rc = baton_user_trait_set_last_login(ut, r->last_login);
		if (rc == 0 && r->profile_json)
			rc = baton_user_trait_set_profile_json(ut, r->profile_json);
	}
	/* a resource with children says of which types, so that the SDK lists them */
	for (size_t i = 0; rc == 0 && i < r->n_children; i++) {
		const char *child_type = r->children[i]->type->id;
		if (i > 0 && !strcmp(child_type, r->children[i - 1]->type->id))
			continue;
		rc = baton_annotations_add_child_resource_type(baton_resource_annotations(res), child_type);
	}
	if (rc == 0)
		*out = res;
	return rc;
}

static int file_list(baton_ctx *ctx, const baton_resource_id *parent)
{
	file_model *m = model_of(ctx);
	file_type *t = running_type(ctx);
	file_resource **items;
	size_t n, off;
	int rc;

	if (t == NULL)
		return baton_error_set(BATON_EINTERNAL, "list: unknown resource type");
	if (parent != NULL) {
		file_resource *p = file_model_resource(m, parent->resource_type, parent->resource);
		if (p == NULL)
			return baton_error_set(BATON_ENOTFOUND, "list: no parent %s %s", parent->resource_type,
			                       parent->resource);
		/* children are sorted by type: find this type's run */
		size_t i = 0;
		while (i < p->n_children && strcmp(p->children[i]->type->id, t->id) < 0)
			i++;
		items = p->children + i;
		n = 0;
		while (i + n < p->n_children && !strcmp(p->children[i + n]->type->id, t->id))
			n++;
	} else {
		items = t->top;
		n = t->n_top;
	}
	if ((rc = page_offset(ctx, &off)) != 0)
		return rc;
	size_t end = off + page_size(ctx);
	for (size_t i = off; i < n && i < end; i++) {
		baton_resource *res = NULL;
		if ((rc = build_resource(ctx, baton_ctx_resource_type(ctx), items[i], &res)) != 0 ||
		    (rc = baton_ctx_emit_resource(ctx, res)) != 0)
			return rc;
	}
	return next_page(ctx, end, n);
}

static file_resource *resource_of(baton_ctx *ctx, const baton_resource *resource)
{
	baton_resource_id id = baton_resource_get_id(resource);

	return file_model_resource(model_of(ctx), id.resource_type, id.resource);
}

static int file_entitlements(baton_ctx *ctx, const baton_resource *resource)
{
	file_resource *r = resource_of(ctx, resource);
	size_t off;
	int rc;

	if (r == NULL)
		return baton_error_set(BATON_ENOTFOUND, "entitlements: unknown resource");
	if ((rc = page_offset(ctx, &off)) != 0)
		return rc;
	size_t end = off + page_size(ctx);
	for (size_t i = off; i < r->n_ents && i < end; i++) {
		const file_entitlement *fe = r->ents[i];
		baton_entitlement *e;
		if ((rc = baton_assignment_entitlement_new(ctx, resource, fe->slug, &e)) != 0 ||
		    (rc = baton_entitlement_set_display_name(e, fe->display_name)) != 0 ||
		    (fe->description && *fe->description &&
		     (rc = baton_entitlement_set_description(e, fe->description)) != 0) ||
		    (rc = baton_ctx_emit_entitlement(ctx, e)) != 0)
			return rc;
	}
	return next_page(ctx, end, r->n_ents);
}

static int file_grants(baton_ctx *ctx, const baton_resource *resource)
{
	file_resource *r = resource_of(ctx, resource);
	size_t off;
	int rc;

	if (r == NULL)
		return baton_error_set(BATON_ENOTFOUND, "grants: unknown resource");
	if ((rc = page_offset(ctx, &off)) != 0)
		return rc;
	size_t end = off + page_size(ctx);
	for (size_t i = off; i < r->n_grants && i < end; i++) {
		const file_grant *fg = r->grants[i];
		baton_resource_id pid = {fg->principal->type->id, fg->principal->name};
		baton_grant *g;
		if ((rc = baton_grant_new(ctx, resource, fg->entitlement->slug, &pid, &g)) != 0)
			return rc;
		if (fg->expand) {
			const char *src[] = {fg->expand->id};
			if ((rc = baton_grant_set_expandable(g, src, 1, false, NULL, 0)) != 0)
				return rc;
		}
		if ((rc = baton_ctx_emit_grant(ctx, g)) != 0)
			return rc;
	}
	return next_page(ctx, end, r->n_grants);
}

/* ------------------------------------------------------------------------------------------ */

typedef struct file_connector {
	baton_connector conn;        /* first: the connector handed to baton_main() */
	baton_resource_syncer *syncers;
	const baton_resource_syncer **syncer_ptrs;
	baton_trait *traits;
	int load_rc;
	char *load_error;
} file_connector;

static const baton_field file_fields[] = {
	{.name = "input", .kind = BATON_FIELD_STRING, .flags = BATON_FIELD_REQUIRED, .short_name = 'i',
	 .display_name = "Input file",
	 .description = "Path to the input file (.yaml, .yml, .json; .csv for a users table)",
	 .placeholder = "access.yaml"},
	{.name = "users-csv", .kind = BATON_FIELD_STRING, .display_name = "Users CSV",
	 .description = "A CSV file of more users (columns Name, Display Name, Email, Status, Type, "
	                "Last Login, Profile: <key>)"},
	{.name = "grants-csv", .kind = BATON_FIELD_STRING, .display_name = "Grants CSV",
	 .description = "A CSV file of more grants (columns Principal Receiving Grant, Entitlement "
	                "Granted to Principal)"},
};

static const baton_config_schema file_schema = {
	.version = BATON_CONFIG_SCHEMA_VERSION,
	.fields = file_fields,
	.n_fields = sizeof(file_fields) / sizeof(file_fields[0]),
};

/* The connector in effect (one per process: baton_main() runs one). */
static file_connector *file_current;

static bool same_path(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

static int file_init(baton_ctx *ctx, void **userdata)
{
	file_connector *fc = file_current;
	file_model *m = *userdata;

	if (fc == NULL || m == NULL)
		return baton_error_set(fc && fc->load_rc ? fc->load_rc : BATON_EINVALID, "%s",
		                       fc && fc->load_error ? fc->load_error : "no input file");
	/* main() read the files named on the command line, in the environment or the config file
	 * before baton_main() (the resource types depend on them); the SDK's view must agree. */
	const char *in = baton_ctx_config_string(ctx, "input");
	if (*in && (!same_path(in, m->input) ||
	            !same_path(baton_ctx_config_string(ctx, "users-csv"), m->users_csv) ||
	            !same_path(baton_ctx_config_string(ctx, "grants-csv"), m->grants_csv)))
		return baton_error_set(BATON_EINVALID, "the input files given (%s) are not the ones read "
		                       "at start-up (%s)", in, m->input);
	for (size_t i = 0; i < m->n_warnings; i++)
		baton_ctx_log(ctx, BATON_LOG_WARN, "%s", m->warnings[i]);
	baton_ctx_log(ctx, BATON_LOG_INFO, "%s: %zu resource types, %zu resources, %zu entitlements, "
	              "%zu grants", m->input, m->n_types, m->n_resources, m->n_entitlements, m->n_grants);
	return 0;
}

baton_connector *file_connector_new(file_model *m, int load_rc, const char *load_error)
{
	file_connector *fc = calloc(1, sizeof(*fc));
	size_t n = m ? m->n_types : 0;

	if (fc == NULL)
		return NULL;
	fc->syncers = calloc(n ? n : 1, sizeof(*fc->syncers));
	fc->syncer_ptrs = calloc(n ? n : 1, sizeof(*fc->syncer_ptrs));
	fc->traits = calloc(n ? n : 1, sizeof(*fc->traits));
	fc->load_rc = load_rc;
	fc->load_error = load_error ? strdup(load_error) : NULL;
	if (!fc->syncers || !fc->syncer_ptrs || !fc->traits || (load_error && !fc->load_error)) {
		file_connector_free(&fc->conn);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		const file_type *t = m->types[i];
		baton_resource_syncer *s = &fc->syncers[i];
		fc->traits[i] = t->trait;
		s->version = BATON_RESOURCE_SYNCER_VERSION;
		s->name = t->name;
		s->id = t->id;
		s->traits = &fc->traits[i];
		s->n_traits = t->trait != BATON_TRAIT_UNSPECIFIED ? 1 : 0;
		s->list = file_list;
		s->entitlements = file_entitlements;
		s->grants = file_grants;
		fc->syncer_ptrs[i] = s;
	}
	fc->conn.version = BATON_CONNECTOR_VERSION;
	fc->conn.display_name = "File Connector";
	fc->conn.description = "Connector that processes data from a local file";
	fc->conn.init = file_init;
	fc->conn.resource_types = fc->syncer_ptrs;
	fc->conn.n_resource_types = n;
	fc->conn.userdata = m;
	fc->conn.config = &file_schema;
	file_current = fc;
	return &fc->conn;
}

void file_connector_free(baton_connector *c)
{
	file_connector *fc = (file_connector *)c;

	if (fc == NULL)
		return;
	if (file_current == fc)
		file_current = NULL;
	free(fc->syncers);
	free(fc->syncer_ptrs);
	free(fc->traits);
	free(fc->load_error);
	free(fc);
}
