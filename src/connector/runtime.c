/* The running connector: its types built from the author's structs, init and close. */
#include "connector/connector.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "types/types.h"

static int check_details(const char *type_id, const char *what, const baton_credential_details *d)
{
	if (!d)
		return baton_error_set(BATON_EINVALID, "resource type '%s': %s needs its credential details",
		                       type_id, what);
	return 0;
}

/*
 * The type-scoped callbacks (version 2): a callback puts its routing annotation on the type; the
 * annotation (from describe) without its callback is refused, as the Go builder refuses a type
 * annotated TypeScopedGrants whose syncer lacks GrantsForResourceType: the sync would otherwise
 * list nothing for the type and report success.
 */
static int type_scoped(baton__rtype *t, const baton_resource_syncer *s, baton_resource_type *type, const char *id)
{
	if (s->version >= 2) {
		t->type_entitlements = s->type_entitlements;
		t->type_grants = s->type_grants;
	}
	if (s->version >= 3) {
		t->issue_credential = s->issue_credential;
		t->issue_details = s->issue_details;
	}
	static const struct {
		const char *anno, *member;
		bool is_grants;
	} marks[] = {
		{"c1.connector.v2.TypeScopedEntitlements", "type_entitlements", false},
		{"c1.connector.v2.TypeScopedGrants", "type_grants", true},
	};
	baton_annotations *a = baton_resource_type_annotations(type);
	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++) {
		bool has_cb = marks[i].is_grants ? t->type_grants != NULL : t->type_entitlements != NULL;
		bool has_anno = baton_annotations_contains(a, marks[i].anno);
		if (has_anno && !has_cb)
			return baton_error_set(BATON_EINVALID, "resource type '%s' carries the %s annotation but has no %s "
			                       "callback%s: its %s would never be listed", id, marks[i].anno + 16,
			                       marks[i].member, s->version < 2 ? " (its struct is version 1; set "
			                       "BATON_RESOURCE_SYNCER_VERSION)" : "",
			                       marks[i].is_grants ? "grants" : "entitlements");
		if (has_cb && !has_anno) {
			int rc = baton_annotations_update_json(a, marks[i].anno, "{}");
			if (rc)
				return baton__error_prefix("resource type '%s'", id);
		}
	}
	return 0;
}

static int build_type(baton__runtime *rt, baton__rtype *t, const baton_resource_syncer *s, size_t index)
{
	if (!s)
		return baton_error_set(BATON_EINVALID, "connector: resource type %zu is NULL", index);
	if (s->version < 1)
		return baton_error_set(BATON_EINVALID, "connector: resource type %zu: version must be set "
		                       "(BATON_RESOURCE_SYNCER_VERSION)", index);
	if (!s->name || !*s->name)
		return baton_error_set(BATON_EINVALID, "connector: resource type %zu has no name", index);
	baton_resource_type *type;
	int rc = baton_resource_type_new(&rt->ctx, s->name, s->traits, s->traits ? s->n_traits : 0, &type);
	if (!rc && s->id && *s->id)
		rc = baton_resource_type_set_id(type, s->id);
	if (!rc && s->description && *s->description)
		rc = baton_resource_type_set_description(type, s->description);
	if (rc)
		return baton__error_prefix("connector: resource type '%s'", s->name);
	const char *id = baton_resource_type_id(type);
	if (!s->list)
		return baton_error_set(BATON_EINVALID, "resource type '%s': list is required", id);
	if (!s->grant != !s->revoke)
		return baton_error_set(BATON_EINVALID, "resource type '%s': grant and revoke must be set together", id);
	if (s->create_account && (rc = check_details(id, "create_account", s->create_account_details)))
		return rc;
	if (s->rotate_credentials && (rc = check_details(id, "rotate_credentials", s->rotate_details)))
		return rc;
	if (s->describe) {
		baton__call call;
		memset(&call, 0, sizeof(call));
		call.rt = rt;
		call.kind = BATON__CALL_DESCRIBE;
		call.resource_type = type;
		call.page_token = "";
		void *saved = rt->ctx.sdk_state;
		rt->ctx.sdk_state = &call;
		baton_error_clear();
		rc = s->describe(&rt->ctx, type);
		rt->ctx.sdk_state = saved;
		baton__call_free(&call);
		if (rc) {
			if (baton_error_last()->code == BATON_OK)
				baton_error_set(rc, "describe failed");
			return baton__error_prefix("resource type '%s': describe", id);
		}
	}
	if ((rc = type_scoped(t, s, type, id)))
		return rc;
	t->syncer = s;
	t->rt = type;
	t->id = baton_resource_type_id(type);
	return 0;
}

int baton__runtime_build(baton__runtime *rt, const baton_connector *conn)
{
	memset(rt, 0, sizeof(*rt));
	baton__ctx_init(&rt->ctx);
	int rc = 0;
	if (!conn) {
		rc = baton__null_arg("connector", "connector");
		goto fail;
	}
	if (conn->version < 1) {
		rc = baton_error_set(BATON_EINVALID, "connector: version must be set (BATON_CONNECTOR_VERSION)");
		goto fail;
	}
	if (!conn->display_name || !*conn->display_name || strlen(conn->display_name) > 1024) {
		rc = baton_error_set(BATON_EINVALID, "connector: display_name must be 1..1024 bytes");
		goto fail;
	}
	if (conn->n_resource_types && !conn->resource_types) {
		rc = baton_error_set(BATON_EINVALID, "connector: resource_types is NULL");
		goto fail;
	}
	rt->conn = conn;
	rt->userdata = conn->userdata;
	if (conn->n_resource_types) {
		rt->types = calloc(conn->n_resource_types, sizeof(*rt->types));
		if (!rt->types) {
			rc = baton__error_oom("resource types");
			goto fail;
		}
	}
	for (size_t i = 0; i < conn->n_resource_types; i++) {
		if ((rc = build_type(rt, &rt->types[i], conn->resource_types[i], i)))
			goto fail;
		for (size_t j = 0; j < i; j++) {
			if (!strcmp(rt->types[j].id, rt->types[i].id)) {
				rc = baton_error_set(BATON_EINVALID, "connector: duplicate resource type id '%s'",
				                     rt->types[i].id);
				goto fail;
			}
		}
		rt->n_types++;
	}
	/* after every type is built: an issue option names the (deletable) type of its secret */
	if ((rc = baton__issue_check_details(rt)))
		goto fail;
	return 0;
fail:
	free(rt->types);
	rt->types = NULL;
	baton__ctx_release(&rt->ctx);
	return rc;
}

int baton__runtime_open(baton__runtime *rt, const baton_connector *conn)
{
	int rc = baton__runtime_build(rt, conn);
	if (rc)
		return rc;
	if (conn->init) {
		baton_ctx ictx;
		baton__ctx_init(&ictx);
		baton__call call;
		memset(&call, 0, sizeof(call));
		baton__call_begin(&call, &ictx, rt, BATON__CALL_INIT, NULL, "");
		void *ud = conn->userdata;
		baton_error_clear();
		rc = conn->init(&ictx, &ud);
		baton__call_end(&call, &ictx);
		baton__call_free(&call);
		baton__ctx_release(&ictx);
		if (rc) {
			if (baton_error_last()->code == BATON_OK)
				baton_error_set(rc, "init failed");
			baton__error_prefix("connector init");
			free(rt->types);
			baton__ctx_release(&rt->ctx);
			memset(rt, 0, sizeof(*rt));
			return rc;
		}
		rt->userdata = ud;
	}
	rt->inited = true;
	return 0;
}

void baton__runtime_close(baton__runtime *rt)
{
	if (rt->inited && rt->conn && rt->conn->close)
		rt->conn->close(rt->userdata);
	rt->inited = false;
	free(rt->types);
	rt->types = NULL;
	rt->n_types = 0;
	baton__ctx_release(&rt->ctx);
}

const baton__rtype *baton__runtime_find(const baton__runtime *rt, const char *id)
{
	if (!id)
		return NULL;
	for (size_t i = 0; i < rt->n_types; i++)
		if (!strcmp(rt->types[i].id, id))
			return &rt->types[i];
	return NULL;
}
