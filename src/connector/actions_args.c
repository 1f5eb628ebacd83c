/*
 * The argument readers of Go's pkg/actions that turn an argument into SDK objects: a resource
 * (GetResourceFieldArg), a list of resources (GetResourceListFieldArg), of entitlements
 * (GetEntitlementListFieldArg) and of grants (GetGrantListFieldArg). Each item is the protojson
 * of the c1.config.v1 "basic" message (what the New<Kind>ReturnField builders write), read with
 * protojson's rules (camelCase or proto names, unknown fields refused), then converted to the
 * c1.connector.v2 message as Go converts it and handed out as a handle in the call's memory.
 */
#include "connector/ext.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/ctx.h"
#include "core/error.h"
#include "proto/protojson.h"
#include "types/types.h"
#include "c1/config/v1/config.pb-c.h"

/* One item: a JSON object read as `desc` into ctx memory; any failure is the argument's. */
static int read_basic(baton_ctx *ctx, const char *name, json_t *v, const ProtobufCMessageDescriptor *desc,
                      ProtobufCMessage **out)
{
	if (!json_is_object(v))
		return baton__action_arg_invalid(name);
	int rc = baton__protojson_read_jansson(&ctx->arena, desc, v, out);
	if (rc == BATON_EEXHAUSTED)
		return rc;
	return rc ? baton__action_arg_invalid(name) : 0;
}

static C1__Connector__V2__ResourceId *v2_id(baton_ctx *ctx, const C1__Config__V1__ResourceId *id)
{
	if (!id)
		return NULL;
	C1__Connector__V2__ResourceId *o = baton_ctx_alloc(ctx, sizeof(*o));
	if (!o)
		return NULL;
	c1__connector__v2__resource_id__init(o);
	o->resource_type = id->resource_type_id;
	o->resource = id->resource_id;
	return o;
}

/* Go's basicResourceToResource, into `o` (strings and annotations borrowed from b). */
static int v2_resource(baton_ctx *ctx, const C1__Config__V1__Resource *b, C1__Connector__V2__Resource *o)
{
	c1__connector__v2__resource__init(o);
	if ((b->resource_id && !(o->id = v2_id(ctx, b->resource_id))) ||
	    (b->parent_resource_id && !(o->parent_resource_id = v2_id(ctx, b->parent_resource_id))))
		return baton__error_oom("action argument");
	o->display_name = b->display_name;
	o->description = b->description;
	o->n_annotations = b->n_annotations;
	o->annotations = b->annotations;
	return 0;
}

/* Packs msg and unpacks it as a handle of the call (everything then lives in ctx memory). */
static int rewrap(baton_ctx *ctx, const ProtobufCMessage *msg, int kind, void **out)
{
	size_t len = protobuf_c_message_get_packed_size(msg);
	uint8_t *data = baton_ctx_alloc(ctx, len ? len : 1);
	if (!data)
		return baton__error_oom("action argument");
	protobuf_c_message_pack(msg, data);
	int rc;
	if (kind == 0) {
		baton_resource *r = NULL;
		rc = baton_resource_unpack(ctx, data, len, &r);
		*out = r;
	} else if (kind == 1) {
		baton_entitlement *e = NULL;
		rc = baton_entitlement_unpack(ctx, data, len, &e);
		*out = e;
	} else {
		baton_grant *g = NULL;
		rc = baton_grant_unpack(ctx, data, len, &g);
		*out = g;
	}
	return rc;
}

static int resource_of(baton_ctx *ctx, const char *name, json_t *v, void **out)
{
	ProtobufCMessage *m;
	int rc = read_basic(ctx, name, v, &c1__config__v1__resource__descriptor, &m);
	if (rc)
		return rc;
	C1__Connector__V2__Resource r;
	if ((rc = v2_resource(ctx, (C1__Config__V1__Resource *)m, &r)))
		return rc;
	return rewrap(ctx, &r.base, 0, out);
}

static int entitlement_of(baton_ctx *ctx, const char *name, json_t *v, void **out)
{
	ProtobufCMessage *m;
	int rc = read_basic(ctx, name, v, &c1__config__v1__entitlement__descriptor, &m);
	if (rc)
		return rc;
	const C1__Config__V1__Entitlement *b = (const C1__Config__V1__Entitlement *)m;
	C1__Connector__V2__Entitlement e;
	c1__connector__v2__entitlement__init(&e);
	e.id = b->id;
	e.display_name = b->display_name;
	e.description = b->description;
	e.slug = b->slug;
	/* Go knows three names; any other (UNSPECIFIED, a number, a typo) is UNSPECIFIED */
	static const char *const purposes[] = {"PURPOSE_VALUE_ASSIGNMENT", "PURPOSE_VALUE_PERMISSION",
	                                       "PURPOSE_VALUE_OWNERSHIP"};
	static const C1__Connector__V2__Entitlement__PurposeValue values[] = {
		C1__CONNECTOR__V2__ENTITLEMENT__PURPOSE_VALUE__PURPOSE_VALUE_ASSIGNMENT,
		C1__CONNECTOR__V2__ENTITLEMENT__PURPOSE_VALUE__PURPOSE_VALUE_PERMISSION,
		C1__CONNECTOR__V2__ENTITLEMENT__PURPOSE_VALUE__PURPOSE_VALUE_OWNERSHIP};
	for (size_t i = 0; i < 3; i++)
		if (b->purpose && !strcmp(b->purpose, purposes[i]))
			e.purpose = values[i];
	if (b->n_grantable_to_resource_type_ids) {
		size_t n = b->n_grantable_to_resource_type_ids;
		e.grantable_to = baton_ctx_alloc(ctx, n * sizeof(*e.grantable_to));
		if (!e.grantable_to)
			return baton__error_oom("action argument");
		for (size_t i = 0; i < n; i++) {
			C1__Connector__V2__ResourceType *t = baton_ctx_alloc(ctx, sizeof(*t));
			if (!t)
				return baton__error_oom("action argument");
			c1__connector__v2__resource_type__init(t);
			t->id = b->grantable_to_resource_type_ids[i];
			e.grantable_to[i] = t;
		}
		e.n_grantable_to = n;
	}
	C1__Connector__V2__Resource res;
	C1__Connector__V2__ResourceId rid;
	if (b->resource_id && *b->resource_id && b->resource_type_id && *b->resource_type_id) {
		c1__connector__v2__resource__init(&res);
		c1__connector__v2__resource_id__init(&rid);
		rid.resource_type = b->resource_type_id;
		rid.resource = b->resource_id;
		res.id = &rid;
		e.resource = &res;
	}
	return rewrap(ctx, &e.base, 1, out);
}

static int grant_of(baton_ctx *ctx, const char *name, json_t *v, void **out)
{
	ProtobufCMessage *m;
	int rc = read_basic(ctx, name, v, &c1__config__v1__grant__descriptor, &m);
	if (rc)
		return rc;
	const C1__Config__V1__Grant *b = (const C1__Config__V1__Grant *)m;
	C1__Connector__V2__Grant g;
	c1__connector__v2__grant__init(&g);
	g.id = b->id;
	C1__Connector__V2__Entitlement ent;
	if (b->entitlement) {
		c1__connector__v2__entitlement__init(&ent);
		ent.id = b->entitlement->id;
		g.entitlement = &ent;
	}
	C1__Connector__V2__Resource principal;
	if (b->principal) {
		if ((rc = v2_resource(ctx, b->principal, &principal)))
			return rc;
		g.principal = &principal;
	}
	return rewrap(ctx, &g.base, 2, out);
}

typedef int (*item_fn)(baton_ctx *ctx, const char *name, json_t *v, void **out);

/* A list argument: every item must read, or the whole argument is invalid (as Go). The items
 * are in a ctx array of void pointers (*items, *n). */
static int list_of(baton_ctx *ctx, const char *fn, const char *name, item_fn item, void ***items, size_t *n)
{
	json_t *v = NULL;
	int rc = baton__action_arg(ctx, fn, name, &v);
	if (rc)
		return rc;
	if (!json_is_array(v))
		return baton__action_arg_invalid(name);
	size_t count = json_array_size(v);
	void **out = baton_ctx_alloc(ctx, (count ? count : 1) * sizeof(*out));
	if (!out)
		return baton__error_oom("action argument");
	for (size_t i = 0; i < count; i++)
		if ((rc = item(ctx, name, json_array_get(v, i), &out[i])))
			return rc;
	*items = out;
	*n = count;
	return 0;
}

BATON_API int baton_ctx_action_arg_resource(baton_ctx *ctx, const char *name, baton_resource **out)
{
	json_t *v = NULL;
	int rc = baton__action_arg(ctx, "baton_ctx_action_arg_resource", name, &v);
	if (rc)
		return rc;
	void *r = NULL;
	if ((rc = resource_of(ctx, name, v, &r)))
		return rc;
	if (out)
		*out = r;
	return 0;
}

BATON_API int baton_ctx_action_arg_resource_list(baton_ctx *ctx, const char *name, baton_resource ***resources,
                                                 size_t *n)
{
	void **items = NULL;
	size_t count = 0;
	int rc = list_of(ctx, "baton_ctx_action_arg_resource_list", name, resource_of, &items, &count);
	if (rc)
		return rc;
	baton_resource **typed = baton_ctx_alloc(ctx, (count ? count : 1) * sizeof(*typed));
	if (!typed)
		return baton__error_oom("action argument");
	for (size_t i = 0; i < count; i++)
		typed[i] = items[i];
	if (resources)
		*resources = typed;
	if (n)
		*n = count;
	return 0;
}

BATON_API int baton_ctx_action_arg_entitlement_list(baton_ctx *ctx, const char *name,
                                                    baton_entitlement ***entitlements, size_t *n)
{
	void **items = NULL;
	size_t count = 0;
	int rc = list_of(ctx, "baton_ctx_action_arg_entitlement_list", name, entitlement_of, &items, &count);
	if (rc)
		return rc;
	baton_entitlement **typed = baton_ctx_alloc(ctx, (count ? count : 1) * sizeof(*typed));
	if (!typed)
		return baton__error_oom("action argument");
	for (size_t i = 0; i < count; i++)
		typed[i] = items[i];
	if (entitlements)
		*entitlements = typed;
	if (n)
		*n = count;
	return 0;
}

BATON_API int baton_ctx_action_arg_grant_list(baton_ctx *ctx, const char *name, baton_grant ***grants, size_t *n)
{
	void **items = NULL;
	size_t count = 0;
	int rc = list_of(ctx, "baton_ctx_action_arg_grant_list", name, grant_of, &items, &count);
	if (rc)
		return rc;
	baton_grant **typed = baton_ctx_alloc(ctx, (count ? count : 1) * sizeof(*typed));
	if (!typed)
		return baton__error_oom("action argument");
	for (size_t i = 0; i < count; i++)
		typed[i] = items[i];
	if (grants)
		*grants = typed;
	if (n)
		*n = count;
	return 0;
}
