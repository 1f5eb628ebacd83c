/*
 * baton-http-example: users and groups from a SCIM 2.0 style REST API, with the HTTP toolkit
 * (include/baton/http.h) doing the HTTP: bearer auth, retries, rate-limit annotations and
 * SCIM's startIndex/count pagination.
 *
 *   GET /scim/v2/Users?startIndex=1&count=N   {"totalResults": T, "Resources": [{"id", "userName",
 *                                               "displayName", "emails": [{"value", "primary"}],
 *                                               "active"}]}
 *   GET /scim/v2/Groups?startIndex=1&count=N  {"totalResults": T, "Resources": [{"id", "displayName"}]}
 *   GET /scim/v2/Groups/{id}                  {"id", "displayName", "members": [{"value": user id}]}
 */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "baton.h"
#include "baton/config.h"
#include "http_example.h"

typedef struct example {
	baton_http_client *http;
	uint32_t page_size;
} example;

static const baton_field fields[] = {
	{.name = "base-url", .kind = BATON_FIELD_STRING, .flags = BATON_FIELD_REQUIRED,
	 .description = "The SCIM API's base URL (without /scim/v2)", .placeholder = "https://api.example.com"},
	{.name = "api-token", .kind = BATON_FIELD_STRING, .flags = BATON_FIELD_SECRET,
	 .description = "A bearer token for the API"},
	{.name = "page-size", .kind = BATON_FIELD_INT, .default_value = "100", .min = 1, .max = 1000,
	 .description = "Resources per request"},
	{.name = "requests-per-second", .kind = BATON_FIELD_INT, .default_value = "0", .min = 0, .max = 10000,
	 .description = "Client-side request rate limit (0: none)"},
};

static const baton_config_schema schema = {
	.version = BATON_CONFIG_SCHEMA_VERSION,
	.fields = fields,
	.n_fields = sizeof(fields) / sizeof(fields[0]),
};

static int example_init(baton_ctx *ctx, void **userdata)
{
	example *ex = calloc(1, sizeof(*ex));
	if (!ex)
		return baton_error_set(BATON_EEXHAUSTED, "out of memory");
	baton_http_client_options o = BATON_HTTP_CLIENT_OPTIONS_INIT;
	o.base_url = baton_ctx_config_string(ctx, "base-url");
	o.user_agent = "baton-http-example/" BATON_VERSION;
	int64_t timeout_s = baton_ctx_config_int(ctx, "http-timeout-seconds");
	o.timeout_ms = timeout_s > 0 ? timeout_s * 1000 : 0;
	const char *token = baton_ctx_config_string(ctx, "api-token");
	if (*token) {
		o.auth.kind = BATON_HTTP_AUTH_BEARER;
		o.auth.token = token;
	}
	o.rate_per_s = (double)baton_ctx_config_int(ctx, "requests-per-second");
	o.burst = 5;
	ex->page_size = (uint32_t)baton_ctx_config_int(ctx, "page-size");
	if (!ex->page_size)
		ex->page_size = 100;
	int rc = baton_http_client_new(&o, &ex->http);
	if (rc) {
		free(ex);
		return rc;
	}
	*userdata = ex;
	return 0;
}

static void example_close(void *userdata)
{
	example *ex = userdata;
	if (ex) {
		baton_http_client_free(ex->http);
		free(ex);
	}
}

static int example_validate(baton_ctx *ctx)
{
	example *ex = baton_ctx_userdata(ctx);
	baton_http_request *r;
	int rc = baton_http_request_new(ex->http, "GET", "/scim/v2/Users", &r);
	if (rc)
		return rc;
	baton_http_request_add_query(r, "count", "1");
	baton_http_request_set_no_cache(r);
	rc = baton_http_do(ex->http, r, baton_ctx_annotations(ctx), NULL);
	baton_http_request_free(r);
	return rc;
}

/* One SCIM page: the pager sets startIndex/count from the page token and gives the next token. */
static int scim_page(baton_ctx *ctx, const char *path, json_t **body, json_t **resources)
{
	example *ex = baton_ctx_userdata(ctx);
	baton_http_pager_options po = BATON_HTTP_PAGER_OPTIONS_INIT;
	po.style = BATON_HTTP_PAGE_OFFSET;
	po.offset_param = "startIndex";
	po.size_param = "count";
	po.first_index = 1;
	po.first_index_set = true;
	po.page_size = baton_ctx_page_size(ctx) ? baton_ctx_page_size(ctx) : ex->page_size;
	po.items_path = "Resources";
	po.total_path = "totalResults";
	baton_http_pager *p;
	baton_http_request *r = NULL;
	baton_http_response *resp = NULL;
	const char *next;
	*body = NULL;
	int rc = baton_http_pager_new(ctx, &po, baton_ctx_page_token(ctx), &p);
	if (!rc)
		rc = baton_http_pager_request(p, ex->http, "GET", path, &r);
	if (!rc)
		rc = baton_http_request_set_header(r, "Accept", "application/scim+json");
	if (!rc)
		rc = baton_http_do(ex->http, r, baton_ctx_annotations(ctx), &resp);
	if (!rc)
		rc = baton_http_response_json(resp, body);
	if (!rc)
		rc = baton_http_pager_next(p, resp, *body, &next);
	if (!rc)
		rc = baton_ctx_set_next_page(ctx, next);
	baton_http_response_free(resp);
	baton_http_request_free(r);
	if (rc) {
		json_decref(*body);
		*body = NULL;
		return rc;
	}
	*resources = json_object_get(*body, "Resources");
	return 0;
}

static int list_users(baton_ctx *ctx, const baton_resource_id *parent)
{
	(void)parent;
	json_t *body, *res, *u;
	size_t i;
	int rc = scim_page(ctx, "/scim/v2/Users", &body, &res);
	if (rc)
		return rc;
	json_array_foreach(res, i, u) {
		const char *id = json_string_value(json_object_get(u, "id"));
		const char *login = json_string_value(json_object_get(u, "userName"));
		const char *name = json_string_value(json_object_get(u, "displayName"));
		if (!id || !*id) {
			baton_ctx_log(ctx, BATON_LOG_WARN, "skipping a user without an \"id\" (userName %s)",
			              login ? login : "absent");
			continue;
		}
		baton_resource *r;
		if ((rc = baton_user_resource_new(ctx, name ? name : login ? login : id, baton_ctx_resource_type(ctx), id, &r)))
			break;
		baton_user_trait *t = baton_resource_user_trait(r);
		if (!t) {
			rc = baton_error_last()->code;
			break;
		}
		size_t k;
		json_t *e;
		json_array_foreach(json_object_get(u, "emails"), k, e) {
			const char *addr = json_string_value(json_object_get(e, "value"));
			if (addr && (rc = baton_user_trait_add_email(t, addr, json_is_true(json_object_get(e, "primary")))))
				break;
		}
		if (!rc && login)
			rc = baton_user_trait_set_login(t, login, NULL, 0);
		if (!rc)
			rc = baton_user_trait_set_status(t, json_is_false(json_object_get(u, "active")) ? BATON_STATUS_DISABLED
			                                                                                : BATON_STATUS_ENABLED, NULL);
		if (!rc)
			rc = baton_ctx_emit_resource(ctx, r);
		if (rc)
			break;
	}
	json_decref(body);
	return rc;
}

static int list_groups(baton_ctx *ctx, const baton_resource_id *parent)
{
	(void)parent;
	json_t *body, *res, *g;
	size_t i;
	int rc = scim_page(ctx, "/scim/v2/Groups", &body, &res);
	if (rc)
		return rc;
	json_array_foreach(res, i, g) {
		const char *id = json_string_value(json_object_get(g, "id"));
		const char *name = json_string_value(json_object_get(g, "displayName"));
		if (!id || !*id) {
			baton_ctx_log(ctx, BATON_LOG_WARN, "skipping a group without an \"id\" (displayName %s)",
			              name ? name : "absent");
			continue;
		}
		baton_resource *r;
		if ((rc = baton_group_resource_new(ctx, name ? name : id, baton_ctx_resource_type(ctx), id, &r)) ||
		    (rc = baton_ctx_emit_resource(ctx, r)))
			break;
	}
	json_decref(body);
	return rc;
}

static int group_entitlements(baton_ctx *ctx, const baton_resource *r)
{
	baton_entitlement *e;
	int rc = baton_assignment_entitlement_new(ctx, r, "member", &e);
	if (!rc)
		rc = baton_entitlement_set_description(e, "Is a member of the group");
	if (!rc)
		rc = baton_ctx_emit_entitlement(ctx, e);
	return rc;
}

/* An id as one URL path segment (in ctx): every byte but RFC 3986's unreserved ones
 * percent-escaped, so that "/", "?", "#" or a space in an id cannot name another path. */
static const char *path_segment(baton_ctx *ctx, const char *id)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(id);
	char *out = baton_ctx_alloc(ctx, n * 3 + 1), *o = out;
	if (!out)
		return NULL;
	for (const unsigned char *p = (const unsigned char *)id; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '.' || *p == '_' || *p == '~') {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = '\0';
	return out;
}

static int group_grants(baton_ctx *ctx, const baton_resource *r)
{
	example *ex = baton_ctx_userdata(ctx);
	baton_resource_id id = baton_resource_get_id(r);
	const char *seg = path_segment(ctx, id.resource);
	const char *path = seg ? baton_ctx_sprintf(ctx, "/scim/v2/Groups/%s", seg) : NULL;
	if (!path)
		return BATON_EEXHAUSTED;
	json_t *g;
	int rc = baton_http_get_json(ex->http, path, baton_ctx_annotations(ctx), &g);
	if (rc)
		return rc;
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(g, "members"), i, m) {
		const char *uid = json_string_value(json_object_get(m, "value"));
		if (!uid || !*uid) {
			baton_ctx_log(ctx, BATON_LOG_WARN, "group %s: skipping member %zu: no \"value\" (user id)",
			              id.resource, i);
			continue;
		}
		baton_grant *gr;
		if ((rc = baton_grant_new(ctx, r, "member", &(baton_resource_id){"user", uid}, &gr)) ||
		    (rc = baton_ctx_emit_grant(ctx, gr)))
			break;
	}
	json_decref(g);
	return rc;
}

static const baton_trait user_traits[] = {BATON_TRAIT_USER};
static const baton_trait group_traits[] = {BATON_TRAIT_GROUP};

static const baton_resource_syncer users = {
	.version = BATON_RESOURCE_SYNCER_VERSION,
	.name = "User", .id = "user", .traits = user_traits, .n_traits = 1,
	.description = "SCIM users",
	.list = list_users,
};

static const baton_resource_syncer groups = {
	.version = BATON_RESOURCE_SYNCER_VERSION,
	.name = "Group", .id = "group", .traits = group_traits, .n_traits = 1,
	.description = "SCIM groups",
	.list = list_groups,
	.entitlements = group_entitlements,
	.grants = group_grants,
};

static const baton_resource_syncer *const types[] = {&users, &groups};

const baton_connector http_example_connector = {
	.version = BATON_CONNECTOR_VERSION,
	.display_name = "HTTP example (SCIM)",
	.description = "Users and groups from a SCIM 2.0 style REST API",
	.init = example_init,
	.close = example_close,
	.validate = example_validate,
	.resource_types = types,
	.n_resource_types = 2,
	.config = &schema,
};
