/* Entitlements. */
#include "types/types.h"

#include <string.h>

#include "connector/connector.h"
#include "core/error.h"
#include "proto/any.h"
#include "c1/connector/v2/annotation_exclusion_group.pb-c.h"
#include "c1/connector/v2/annotation_entitlement.pb-c.h"

static const char *str_or_empty(const char *s)
{
	return s ? s : "";
}

int baton__entitlement_wrap(baton_ctx *ctx, C1__Connector__V2__Entitlement *msg,
                            baton_resource *resource, baton_entitlement **out)
{
	baton_entitlement *e = baton_arena_alloc(&ctx->arena, sizeof(*e));
	if (!e)
		return baton__error_oom("entitlement");
	e->ctx = ctx;
	e->msg = msg;
	baton__annotations_init(&e->annos, ctx, &msg->n_annotations, &msg->annotations, NULL);
	if (resource) {
		e->resource = resource;
	} else if (msg->resource) {
		int rc = baton__resource_wrap(ctx, msg->resource, &e->resource);
		if (rc < 0)
			return rc;
	}
	*out = e;
	return BATON_OK;
}

int baton__entitlement_flush(baton_entitlement *e)
{
	if (e->resource) {
		int rc = baton__resource_flush(e->resource);
		if (rc < 0)
			return rc;
		/* The resource may have been replaced in the message by the author; keep them tied. */
		e->msg->resource = e->resource->msg;
	}
	return BATON_OK;
}

char *baton_entitlement_id_format(baton_ctx *ctx, const baton_resource_id *resource,
                                  const char *name)
{
	if (!ctx || !resource) {
		baton__null_arg("baton_entitlement_id_format", !ctx ? "ctx" : "resource");
		return NULL;
	}
	return baton__id_join(ctx, resource->resource_type, resource->resource, str_or_empty(name));
}

int baton_entitlement_new(baton_ctx *ctx, const baton_resource *resource, const char *name,
                          baton_entitlement_purpose purpose, baton_entitlement **out)
{
	if (!ctx || !resource || !out)
		return baton__null_arg("baton_entitlement_new",
		                       !ctx ? "ctx" : !resource ? "resource" : "out");
	if ((int)purpose < 0 || purpose > BATON_PURPOSE_OWNERSHIP)
		return baton_error_set(BATON_EINVALID, "entitlement purpose %d is not defined", (int)purpose);
	int rc = baton__check_len("entitlement display_name", name, 0, 1024);
	if (rc < 0)
		return rc;
	baton_resource_id rid = baton_resource_get_id(resource);
	char *id = baton_entitlement_id_format(ctx, &rid, name);
	if (!id)
		return baton_error_last()->code;
	if ((rc = baton__check_len("entitlement id", id, 1, 1024)) < 0)
		return rc;
	C1__Connector__V2__Entitlement *msg = baton_arena_alloc(&ctx->arena, sizeof(*msg));
	if (!msg)
		return baton__error_oom("entitlement");
	c1__connector__v2__entitlement__init(msg);
	msg->id = id;
	if (!(msg->display_name = baton__str(ctx, name)) || !(msg->slug = baton__str(ctx, name)))
		return BATON_EEXHAUSTED;
	msg->purpose = (C1__Connector__V2__Entitlement__PurposeValue)purpose;
	msg->resource = resource->msg;
	return baton__entitlement_wrap(ctx, msg, (baton_resource *)resource, out);
}

int baton_assignment_entitlement_new(baton_ctx *ctx, const baton_resource *resource,
                                     const char *name, baton_entitlement **out)
{
	return baton_entitlement_new(ctx, resource, name, BATON_PURPOSE_ASSIGNMENT, out);
}

int baton_permission_entitlement_new(baton_ctx *ctx, const baton_resource *resource,
                                     const char *name, baton_entitlement **out)
{
	return baton_entitlement_new(ctx, resource, name, BATON_PURPOSE_PERMISSION, out);
}

int baton_ownership_entitlement_new(baton_ctx *ctx, const baton_resource *resource,
                                    const char *name, baton_entitlement **out)
{
	return baton_entitlement_new(ctx, resource, name, BATON_PURPOSE_OWNERSHIP, out);
}

baton_entitlement_purpose baton_entitlement_purpose_from_string(const char *s)
{
	if (!s)
		return BATON_PURPOSE_UNSPECIFIED;
	if (strcmp(s, "permission") == 0)
		return BATON_PURPOSE_PERMISSION;
	if (strcmp(s, "assignment") == 0)
		return BATON_PURPOSE_ASSIGNMENT;
	if (strcmp(s, "ownership") == 0)
		return BATON_PURPOSE_OWNERSHIP;
	return BATON_PURPOSE_UNSPECIFIED;
}

int baton_entitlement_set_display_name(baton_entitlement *e, const char *name)
{
	if (!e)
		return baton__null_arg("baton_entitlement_set_display_name", "e");
	int rc = baton__check_len("entitlement display_name", name, 0, 1024);
	if (rc < 0)
		return rc;
	char *copy = baton__str(e->ctx, name);
	if (!copy)
		return BATON_EEXHAUSTED;
	e->msg->display_name = copy;
	return BATON_OK;
}

int baton_entitlement_set_description(baton_entitlement *e, const char *description)
{
	if (!e)
		return baton__null_arg("baton_entitlement_set_description", "e");
	int rc = baton__check_len("entitlement description", description, 0, 2048);
	if (rc < 0)
		return rc;
	char *copy = baton__str(e->ctx, description);
	if (!copy)
		return BATON_EEXHAUSTED;
	e->msg->description = copy;
	return BATON_OK;
}

int baton_entitlement_set_slug(baton_entitlement *e, const char *slug)
{
	if (!e)
		return baton__null_arg("baton_entitlement_set_slug", "e");
	char *copy = baton__str(e->ctx, slug);
	if (!copy)
		return BATON_EEXHAUSTED;
	e->msg->slug = copy;
	return BATON_OK;
}

int baton_entitlement_set_purpose(baton_entitlement *e, baton_entitlement_purpose purpose)
{
	if (!e)
		return baton__null_arg("baton_entitlement_set_purpose", "e");
	if ((int)purpose < 0 || purpose > BATON_PURPOSE_OWNERSHIP)
		return baton_error_set(BATON_EINVALID, "entitlement purpose %d is not defined", (int)purpose);
	e->msg->purpose = (C1__Connector__V2__Entitlement__PurposeValue)purpose;
	return BATON_OK;
}

int baton_entitlement_set_grantable_to(baton_entitlement *e, const baton_resource_type *const *types,
                                       size_t n)
{
	if (!e)
		return baton__null_arg("baton_entitlement_set_grantable_to", "e");
	if (n && !types)
		return baton__null_arg("baton_entitlement_set_grantable_to", "types");
	C1__Connector__V2__ResourceType **v = NULL;
	if (n) {
		for (size_t i = 0; i < n; i++) {
			if (!types[i])
				return baton_error_set(BATON_EINVALID, "grantable_to: resource type %zu is NULL", i);
		}
		v = baton_arena_alloc(&e->ctx->arena, n * sizeof(*v));
		if (!v)
			return baton__error_oom("grantable_to");
		for (size_t i = 0; i < n; i++)
			v[i] = types[i]->msg;
	}
	e->msg->grantable_to = v;
	e->msg->n_grantable_to = n;
	return BATON_OK;
}

int baton_entitlement_set_grantable_to_ids(baton_entitlement *e, const char *const *ids, size_t n)
{
	static const char fn[] = "baton_entitlement_set_grantable_to_ids";
	if (!e)
		return baton__null_arg(fn, "e");
	if (n && !ids)
		return baton__null_arg(fn, "ids");
	for (size_t i = 0; i < n; i++) {
		if (!ids[i] || !*ids[i] || strlen(ids[i]) > 1024)
			return baton_error_set(BATON_EINVALID, "grantable_to: resource type id %zu is %s", i,
			                       !ids[i] ? "NULL" : !*ids[i] ? "empty" : "longer than 1024 bytes");
	}
	C1__Connector__V2__ResourceType **v = NULL;
	if (n) {
		/* Inside a callback, the connector's own types are embedded whole (as with the objects). */
		baton__call *call = baton__call_of(e->ctx);
		const baton__runtime *rt = call ? call->rt : NULL;
		v = baton_arena_alloc(&e->ctx->arena, n * sizeof(*v));
		if (!v)
			return baton__error_oom("grantable_to");
		for (size_t i = 0; i < n; i++) {
			const baton__rtype *known = rt ? baton__runtime_find(rt, ids[i]) : NULL;
			if (known && known->rt) {
				v[i] = known->rt->msg;
				continue;
			}
			C1__Connector__V2__ResourceType *m = baton_arena_alloc(&e->ctx->arena, sizeof(*m));
			if (!m)
				return baton__error_oom("grantable_to");
			c1__connector__v2__resource_type__init(m);
			if (!(m->id = baton__str(e->ctx, ids[i])))
				return BATON_EEXHAUSTED;
			v[i] = m;
		}
	}
	e->msg->grantable_to = v;
	e->msg->n_grantable_to = n;
	return BATON_OK;
}

int baton_entitlement_set_exclusion_group(baton_entitlement *e, const char *group_id,
                                          uint32_t order, bool is_default)
{
	if (!e)
		return baton__null_arg("baton_entitlement_set_exclusion_group", "e");
	C1__Connector__V2__EntitlementExclusionGroup eg =
		C1__CONNECTOR__V2__ENTITLEMENT_EXCLUSION_GROUP__INIT;
	if (group_id)
		eg.exclusion_group_id = (char *)group_id;
	eg.order = order;
	eg.is_default = is_default;
	return baton__annotations_update_msg(&e->annos, &eg.base);
}

int baton_entitlement_set_immutable(baton_entitlement *e, const char *source_id,
                                    const char *metadata_json)
{
	if (!e)
		return baton__null_arg("baton_entitlement_set_immutable", "e");
	C1__Connector__V2__EntitlementImmutable im = C1__CONNECTOR__V2__ENTITLEMENT_IMMUTABLE__INIT;
	if (source_id)
		im.source_id = (char *)source_id;
	if (metadata_json) {
		int rc = baton__profile_new(e->ctx, "entitlement immutable metadata", metadata_json,
		                            &im.metadata);
		if (rc < 0)
			return rc;
	}
	return baton__annotations_update_msg(&e->annos, &im.base);
}

baton_annotations *baton_entitlement_annotations(baton_entitlement *e)
{
	return e ? &e->annos : NULL;
}

const char *baton_entitlement_id(const baton_entitlement *e)
{
	return e ? str_or_empty(e->msg->id) : "";
}

const char *baton_entitlement_display_name(const baton_entitlement *e)
{
	return e ? str_or_empty(e->msg->display_name) : "";
}

const char *baton_entitlement_description(const baton_entitlement *e)
{
	return e ? str_or_empty(e->msg->description) : "";
}

const char *baton_entitlement_slug(const baton_entitlement *e)
{
	return e ? str_or_empty(e->msg->slug) : "";
}

baton_entitlement_purpose baton_entitlement_purpose_of(const baton_entitlement *e)
{
	return e ? (baton_entitlement_purpose)e->msg->purpose : BATON_PURPOSE_UNSPECIFIED;
}

const char *baton_entitlement_name(const baton_entitlement *e)
{
	if (!e)
		return "";
	const char *id = str_or_empty(e->msg->id);
	const C1__Connector__V2__Resource *r = e->msg->resource;
	if (!r || !r->id)
		return id;
	const char *t = str_or_empty(r->id->resource_type), *rid = str_or_empty(r->id->resource);
	size_t tl = strlen(t), rl = strlen(rid);
	if (strncmp(id, t, tl) == 0 && id[tl] == ':' && strncmp(id + tl + 1, rid, rl) == 0 &&
	    id[tl + 1 + rl] == ':')
		return id + tl + rl + 2;
	return id;
}

baton_resource_id baton_entitlement_resource_id(const baton_entitlement *e)
{
	baton_resource_id id = {"", ""};
	if (e && e->msg->resource && e->msg->resource->id) {
		id.resource_type = str_or_empty(e->msg->resource->id->resource_type);
		id.resource = str_or_empty(e->msg->resource->id->resource);
	}
	return id;
}

baton_resource *baton_entitlement_resource(const baton_entitlement *e)
{
	return e ? e->resource : NULL;
}

size_t baton_entitlement_grantable_to_count(const baton_entitlement *e)
{
	return e ? e->msg->n_grantable_to : 0;
}

const char *baton_entitlement_grantable_to_at(const baton_entitlement *e, size_t i)
{
	if (!e || i >= e->msg->n_grantable_to || !e->msg->grantable_to[i])
		return NULL;
	return str_or_empty(e->msg->grantable_to[i]->id);
}

int baton_entitlement_pack(baton_entitlement *e, baton_ctx *ctx, const uint8_t **data, size_t *len)
{
	if (!e || !ctx || !data || !len)
		return baton__null_arg("baton_entitlement_pack", !e ? "e" : !ctx ? "ctx" : "data/len");
	int rc = baton__entitlement_flush(e);
	if (rc < 0)
		return rc;
	return baton__msg_pack(ctx, &e->msg->base, data, len);
}

int baton_entitlement_unpack(baton_ctx *ctx, const uint8_t *data, size_t len,
                             baton_entitlement **out)
{
	if (!ctx || !out || (!data && len))
		return baton__null_arg("baton_entitlement_unpack", !ctx ? "ctx" : !out ? "out" : "data");
	ProtobufCMessage *msg;
	int rc = baton__pb_unpack(&ctx->arena, &c1__connector__v2__entitlement__descriptor, data, len,
	                          &msg);
	if (rc < 0)
		return rc;
	return baton__entitlement_wrap(ctx, (C1__Connector__V2__Entitlement *)msg, NULL, out);
}

int baton_entitlement_to_json(baton_entitlement *e, baton_ctx *ctx, char **json)
{
	if (!e || !ctx || !json)
		return baton__null_arg("baton_entitlement_to_json", !e ? "e" : !ctx ? "ctx" : "json");
	int rc = baton__entitlement_flush(e);
	if (rc < 0)
		return rc;
	return baton__msg_json(ctx, &e->msg->base, json);
}
