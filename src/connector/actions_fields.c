/*
 * The remaining pkg/actions helpers of the Go SDK for an action's invoke: an object argument as
 * JSON (GetStructArg), a list of resource ids (GetResourceIdListArg), and the return-value
 * builders (NewReturnValues with New<Kind>ReturnField), which set members of the response object.
 */
#include "connector/ext.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/error.h"
#include "proto/protojson.h"
#include "types/types.h"
#include "c1/config/v1/config.pb-c.h"

#define ACTION_ONLY BATON__EXT_BIT(BATON__EXT_ACTION)

BATON_API int baton_ctx_action_arg_object_json(baton_ctx *ctx, const char *name, char **json)
{
	json_t *v = NULL;
	int rc = baton__action_arg(ctx, "baton_ctx_action_arg_object_json", name, &v);
	if (rc)
		return rc;
	if (!json_is_object(v))
		return baton__action_arg_invalid(name);
	if (!json)
		return 0;
	char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
	char *copy = s ? baton_ctx_strdup(ctx, s) : NULL;
	free(s);
	if (!copy)
		return baton__error_oom("action argument");
	*json = copy;
	return 0;
}

static const char *member(json_t *o, const char *key, const char *alias)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_string(v) || !*json_string_value(v))
		v = json_object_get(o, alias);
	return json_is_string(v) && *json_string_value(v) ? json_string_value(v) : NULL;
}

BATON_API int baton_ctx_action_arg_resource_id_list(baton_ctx *ctx, const char *name, baton_resource_id **ids,
                                                    size_t *n)
{
	json_t *v = NULL;
	int rc = baton__action_arg(ctx, "baton_ctx_action_arg_resource_id_list", name, &v);
	if (rc)
		return rc;
	if (!json_is_array(v))
		return baton__action_arg_invalid(name);
	size_t count = json_array_size(v);
	baton_resource_id *out = baton_ctx_alloc(ctx, (count ? count : 1) * sizeof(*out));
	if (!out)
		return baton__error_oom("action argument");
	for (size_t i = 0; i < count; i++) {
		json_t *o = json_array_get(v, i);
		if (!json_is_object(o))
			return baton__action_arg_invalid(name);
		out[i].resource_type = member(o, "resource_type_id", "resource_type");
		out[i].resource = member(o, "resource_id", "resource");
		if (!out[i].resource_type || !out[i].resource)
			return baton__action_arg_invalid(name);
	}
	if (ids)
		*ids = out;
	if (n)
		*n = count;
	return 0;
}

/* json_dumps into a buffer of our own: jansson (2.14) ignores a failed write of an object's key
 * when it sorts the keys, so its own buffer, short of memory once, would hold broken JSON. The
 * first failed write of a baton__buf fails every later one, and the dump with it. */
static int dump_write(const char *buf, size_t n, void *data)
{
	baton__buf *b = data;
	baton__buf_put(b, buf, n);
	return b->oom ? -1 : 0;
}

/* The compact, key-sorted text of o (malloc'd), or NULL when memory ran out. */
static char *dump_object(const json_t *o)
{
	baton__buf b = {NULL, 0, 0, false};
	if (json_dump_callback(o, dump_write, &b, JSON_COMPACT | JSON_SORT_KEYS) != 0 || b.oom || !b.data) {
		baton__buf_free(&b);
		return NULL;
	}
	return b.data;
}

/* Sets response[key] = value (value stolen, also on failure). */
static int put(baton_ctx *ctx, const char *fn, const char *key, json_t *value)
{
	baton__ext_call *ec = baton__ext_of(ctx, fn, ACTION_ONLY);
	if (!ec || !key || !value) {
		json_decref(value);
		if (!ec)
			return baton_error_last()->code;
		return !key ? baton__null_arg(fn, "key") : baton__error_oom("action response");
	}
	json_error_t err;
	json_t *o = ec->response ? json_loads(ec->response, 0, &err) : json_object();
	if (!json_is_object(o)) {
		json_decref(o);
		json_decref(value);
		if (!o && (!ec->response || json_error_code(&err) == json_error_out_of_memory))
			return baton__error_oom("action response");
		return baton_error_set(BATON_EINTERNAL, "%s: the response is not a JSON object", fn);
	}
	char *text = NULL;
	if (json_object_set_new(o, key, value) == 0)
		text = dump_object(o);
	json_decref(o);
	if (!text)
		return baton__error_oom("action response");
	free(ec->response);
	ec->response = text;
	return 0;
}

/* json_string(s) failed: was s valid UTF-8 (so memory ran out)? */
static bool valid_utf8(const char *s)
{
	return baton__utf8_invalid_at(s, strlen(s)) == (size_t)-1;
}

static json_t *id_object(const baton_resource_id *id)
{
	if (!id || !id->resource_type || !id->resource)
		return NULL;
	return json_pack("{s:s, s:s}", "resourceTypeId", id->resource_type, "resourceId", id->resource);
}

BATON_API int baton_ctx_action_return_success(baton_ctx *ctx, bool success)
{
	return put(ctx, "baton_ctx_action_return_success", "success", json_boolean(success));
}

BATON_API int baton_ctx_action_return_string(baton_ctx *ctx, const char *key, const char *value)
{
	if (!value)
		return baton__null_arg("baton_ctx_action_return_string", "value");
	json_t *v = json_string(value);
	if (!v && valid_utf8(value))
		return baton__error_oom("action response");
	if (!v)
		return baton_error_set(BATON_EINVALID, "baton_ctx_action_return_string: %s is not valid UTF-8", key ? key : "");
	return put(ctx, "baton_ctx_action_return_string", key, v);
}

BATON_API int baton_ctx_action_return_bool(baton_ctx *ctx, const char *key, bool value)
{
	return put(ctx, "baton_ctx_action_return_bool", key, json_boolean(value));
}

BATON_API int baton_ctx_action_return_number(baton_ctx *ctx, const char *key, double value)
{
	if (value != value || value - value != 0)
		return baton_error_set(BATON_EINVALID, "baton_ctx_action_return_number: %s is not a finite number",
		                       key ? key : "");
	return put(ctx, "baton_ctx_action_return_number", key, json_real(value));
}

/* One item of a returned list as a new JSON value, or NULL with the error set (each NULL it
 * returns sets it: BATON_EEXHAUSTED when memory ran out); `item` is the address of the element
 * (for a list of pointers, the pointer itself, never NULL). */
typedef json_t *list_item_fn(baton_ctx *ctx, const char *fn, const void *item, size_t i);

/* Sets response[key] to a JSON array of the n elements of `items` (each `size` bytes), each made
 * by `make`; the first item that cannot be made fails the whole call and nothing is set. `arg`
 * names the array in the error when it is NULL with n > 0. With `nil_noun`, the elements are
 * object pointers: a NULL one fails as "<nil_noun> at index i cannot be nil". */
static int put_list(baton_ctx *ctx, const char *fn, const char *key, const char *arg, const void *items, size_t size,
                    size_t n, const char *nil_noun, list_item_fn *make)
{
	if (!items && n)
		return baton__null_arg(fn, arg);
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++) {
		const void *item = (const char *)items + i * size;
		json_t *o = NULL;
		if (nil_noun) { /* read the element as a pointer without type-punning it */
			memcpy(&item, item, sizeof(item));
			if (!item)
				baton_error_set(BATON_EINVALID, "%s: %s at index %zu cannot be nil", fn, nil_noun, i);
		}
		if (item)
			o = make(ctx, fn, item, i);
		if (!o) {
			json_decref(a);
			return baton_error_last()->code ? baton_error_last()->code : BATON_EINTERNAL;
		}
		if (json_array_append_new(a, o) != 0) { /* o is released too */
			json_decref(a);
			return baton__error_oom("action response");
		}
	}
	return put(ctx, fn, key, a);
}

static json_t *string_item(baton_ctx *ctx, const char *fn, const void *item, size_t i)
{
	const char *s = *(const char *const *)item;
	json_t *v = s ? json_string(s) : NULL;
	if (!v && s && valid_utf8(s))
		baton__error_oom("action response");
	else if (!v)
		baton_error_set(BATON_EINVALID, "%s: item %zu is NULL or not valid UTF-8", fn, i);
	return v;
}

BATON_API int baton_ctx_action_return_string_list(baton_ctx *ctx, const char *key, const char *const *values,
                                                  size_t n)
{
	return put_list(ctx, "baton_ctx_action_return_string_list", key, "values", values, sizeof(*values), n, NULL,
	                string_item);
}
BATON_API int baton_ctx_action_return_resource_id(baton_ctx *ctx, const char *key, const baton_resource_id *id)
{
	json_t *o = id_object(id);
	if (!o)
		return baton_error_set(BATON_EINVALID, "baton_ctx_action_return_resource_id: resource ID cannot be nil");
	return put(ctx, "baton_ctx_action_return_resource_id", key, o);
}

static json_t *resource_id_item(baton_ctx *ctx, const char *fn, const void *item, size_t i)
{
	const baton_resource_id *id = item;
	if (!id->resource_type || !id->resource) {
		baton_error_set(BATON_EINVALID, "%s: resource id at index %zu cannot be nil", fn, i);
		return NULL;
	}
	json_t *o = id_object(id);
	if (!o)
		baton__error_oom("action response");
	return o;
}

BATON_API int baton_ctx_action_return_resource_id_list(baton_ctx *ctx, const char *key, const baton_resource_id *ids,
                                                       size_t n)
{
	return put_list(ctx, "baton_ctx_action_return_resource_id_list", key, "ids", ids, sizeof(*ids), n, NULL,
	                resource_id_item);
}

static json_t *number_item(baton_ctx *ctx, const char *fn, const void *item, size_t i)
{
	double v = *(const double *)item;
	if (v != v || v - v != 0) {
		baton_error_set(BATON_EINVALID, "%s: item %zu is not a finite number", fn, i);
		return NULL;
	}
	json_t *o = json_real(v);
	if (!o)
		baton__error_oom("action response");
	return o;
}

BATON_API int baton_ctx_action_return_number_list(baton_ctx *ctx, const char *key, const double *values, size_t n)
{
	return put_list(ctx, "baton_ctx_action_return_number_list", key, "values", values, sizeof(*values), n, NULL,
	                number_item);
}
static C1__Config__V1__ResourceId *config_id(C1__Config__V1__ResourceId *out, const C1__Connector__V2__ResourceId *id)
{
	if (!id)
		return NULL;
	c1__config__v1__resource_id__init(out);
	out->resource_type_id = id->resource_type;
	out->resource_id = id->resource;
	return out;
}

/* A resource as config.Resource's protojson (Go's resourceToBasicResource); NULL on failure. */
static json_t *basic_resource(baton_resource *r)
{
	if (baton__resource_flush(r))
		return NULL;
	C1__Config__V1__ResourceId id, parent;
	C1__Config__V1__Resource basic;
	c1__config__v1__resource__init(&basic);
	basic.resource_id = config_id(&id, r->msg->id);
	basic.parent_resource_id = config_id(&parent, r->msg->parent_resource_id);
	basic.display_name = r->msg->display_name;
	basic.description = r->msg->description;
	basic.n_annotations = r->msg->n_annotations;
	basic.annotations = r->msg->annotations;
	json_t *o = baton__protojson_to_jansson(&basic.base, NULL);
	if (!o && !baton_error_last()->code)
		baton_error_set(BATON_EINTERNAL, "resource: protojson failed");
	return o;
}

BATON_API int baton_ctx_action_return_resource(baton_ctx *ctx, const char *key, struct baton_resource *resource)
{
	static const char fn[] = "baton_ctx_action_return_resource";
	if (!resource)
		return baton_error_set(BATON_EINVALID, "%s: resource cannot be nil", fn);
	json_t *o = basic_resource(resource);
	if (!o)
		return baton_error_last()->code;
	return put(ctx, fn, key, o);
}

static json_t *resource_item(baton_ctx *ctx, const char *fn, const void *item, size_t i)
{
	return basic_resource((baton_resource *)item);
}

BATON_API int baton_ctx_action_return_resource_list(baton_ctx *ctx, const char *key,
                                                    struct baton_resource *const *resources, size_t n)
{
	return put_list(ctx, "baton_ctx_action_return_resource_list", key, "resources", resources, sizeof(*resources), n,
	                "resource", resource_item);
}

/* An entitlement as config.Entitlement's protojson (Go's entitlementToBasicEntitlement). */
static json_t *entitlement_item(baton_ctx *ctx, const char *fn, const void *item, size_t i)
{
	const C1__Connector__V2__Entitlement *m = ((const baton_entitlement *)item)->msg;
	C1__Config__V1__Entitlement basic;
	c1__config__v1__entitlement__init(&basic);
	basic.id = m->id;
	basic.display_name = m->display_name;
	basic.description = m->description;
	basic.slug = m->slug;
	const ProtobufCEnumValue *pv =
		protobuf_c_enum_descriptor_get_value(&c1__connector__v2__entitlement__purpose_value__descriptor, m->purpose);
	basic.purpose = pv ? (char *)pv->name : (char *)"PURPOSE_VALUE_UNSPECIFIED";
	char **types = m->n_grantable_to ? baton_ctx_alloc(ctx, m->n_grantable_to * sizeof(char *)) : NULL;
	if (m->n_grantable_to && !types) {
		baton__error_oom("action response");
		return NULL;
	}
	for (size_t j = 0; j < m->n_grantable_to; j++)
		types[j] = m->grantable_to[j]->id;
	basic.n_grantable_to_resource_type_ids = m->n_grantable_to;
	basic.grantable_to_resource_type_ids = types;
	if (m->resource && m->resource->id) {
		basic.resource_id = m->resource->id->resource;
		basic.resource_type_id = m->resource->id->resource_type;
	}
	return baton__protojson_to_jansson(&basic.base, NULL);
}

BATON_API int baton_ctx_action_return_entitlement_list(baton_ctx *ctx, const char *key,
                                                       struct baton_entitlement *const *entitlements, size_t n)
{
	return put_list(ctx, "baton_ctx_action_return_entitlement_list", key, "entitlements", entitlements,
	                sizeof(*entitlements), n, "entitlement", entitlement_item);
}

/* A grant as config.Grant's protojson (Go's grantToBasicGrant). */
static json_t *grant_item(baton_ctx *ctx, const char *fn, const void *item, size_t i)
{
	const C1__Connector__V2__Grant *m = ((const baton_grant *)item)->msg;
	C1__Config__V1__Grant basic;
	C1__Config__V1__EntitlementRef ref;
	C1__Config__V1__Resource principal;
	C1__Config__V1__ResourceId id, parent;
	c1__config__v1__grant__init(&basic);
	basic.id = m->id;
	if (m->entitlement) {
		c1__config__v1__entitlement_ref__init(&ref);
		ref.id = m->entitlement->id;
		basic.entitlement = &ref;
	}
	if (m->principal) {
		const C1__Connector__V2__Resource *p = m->principal;
		c1__config__v1__resource__init(&principal);
		principal.resource_id = config_id(&id, p->id);
		principal.parent_resource_id = config_id(&parent, p->parent_resource_id);
		principal.display_name = p->display_name;
		principal.description = p->description;
		principal.n_annotations = p->n_annotations;
		principal.annotations = p->annotations;
		basic.principal = &principal;
	}
	return baton__protojson_to_jansson(&basic.base, NULL);
}

BATON_API int baton_ctx_action_return_grant_list(baton_ctx *ctx, const char *key, struct baton_grant *const *grants,
                                                 size_t n)
{
	return put_list(ctx, "baton_ctx_action_return_grant_list", key, "grants", grants, sizeof(*grants), n, "grant",
	                grant_item);
}
