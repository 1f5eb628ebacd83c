/* Annotation lists: arena-backed arrays of google.protobuf.Any inside a message. */
#include "types/types.h"

#include <string.h>

#include "core/error.h"
#include "proto/any.h"
#include "proto/protojson.h"
#include "proto/registry.h"
#include "c1/connector/v2/annotation_resource_tree.pb-c.h"
#include "c1/connector/v2/annotation_external_link.pb-c.h"
#include "c1/connector/v2/annotation_raw_id.pb-c.h"
#include "c1/connector/v2/annotation_ratelimit.pb-c.h"

void baton__annotations_init(baton_annotations *a, baton_ctx *ctx, size_t *n,
                             Google__Protobuf__Any ***items, baton_resource *owner)
{
	a->ctx = ctx;
	a->n = n;
	a->items = items;
	a->cap = *n;
	a->gen = 0;
	a->owner = owner;
}

void baton__annotations_sync(const baton_annotations *a)
{
	if (a->owner)
		(void)baton__resource_flush(a->owner);
}

static const char *entry_name(const Google__Protobuf__Any *any)
{
	if (!any || !any->type_url)
		return "";
	return baton__type_url_name(any->type_url);
}

static long index_of_name(const baton_annotations *a, const char *name, size_t from)
{
	for (size_t i = from; i < *a->n; i++) {
		if (strcmp(entry_name((*a->items)[i]), name) == 0)
			return (long)i;
	}
	return -1;
}

long baton__annotations_index(const baton_annotations *a, const ProtobufCMessageDescriptor *desc,
                              size_t from)
{
	return index_of_name(a, desc->name, from);
}

int baton__annotations_push(baton_annotations *a, Google__Protobuf__Any *any)
{
	if (*a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 4;
		Google__Protobuf__Any **items = baton_arena_alloc(&a->ctx->arena, cap * sizeof(*items));
		if (!items)
			return baton__error_oom("annotations");
		if (*a->n)
			memcpy(items, *a->items, *a->n * sizeof(*items));
		*a->items = items;
		a->cap = cap;
	}
	(*a->items)[(*a->n)++] = any;
	a->gen++;
	return BATON_OK;
}

static int put_named(baton_annotations *a, const char *name, Google__Protobuf__Any *any)
{
	bool found = false;
	for (size_t i = 0; i < *a->n; i++) {
		if (strcmp(entry_name((*a->items)[i]), name) == 0) {
			(*a->items)[i] = any;
			found = true;
		}
	}
	if (!found)
		return baton__annotations_push(a, any);
	a->gen++;
	return BATON_OK;
}

int baton__annotations_put(baton_annotations *a, const ProtobufCMessageDescriptor *desc,
                           Google__Protobuf__Any *any)
{
	return put_named(a, desc->name, any);
}

int baton__annotations_append_msg(baton_annotations *a, const ProtobufCMessage *msg)
{
	Google__Protobuf__Any *any;
	int rc = baton__any_pack(&a->ctx->arena, msg, &any);
	if (rc < 0)
		return rc;
	return baton__annotations_push(a, any);
}

int baton__annotations_update_msg(baton_annotations *a, const ProtobufCMessage *msg)
{
	Google__Protobuf__Any *any;
	int rc = baton__any_pack(&a->ctx->arena, msg, &any);
	if (rc < 0)
		return rc;
	return put_named(a, msg->descriptor->name, any);
}

int baton__annotations_pick(const baton_annotations *a, const ProtobufCMessageDescriptor *desc,
                            ProtobufCMessage **out)
{
	long i = baton__annotations_index(a, desc, 0);
	if (i < 0)
		return 0;
	int rc = baton__any_unpack(&a->ctx->arena, (*a->items)[i], desc, out);
	return rc < 0 ? rc : 1;
}

/* ---- public API ---- */

size_t baton_annotations_count(const baton_annotations *a)
{
	if (!a)
		return 0;
	baton__annotations_sync(a);
	return *a->n;
}

const char *baton_annotations_type_at(const baton_annotations *a, size_t i)
{
	if (!a)
		return NULL;
	baton__annotations_sync(a);
	if (i >= *a->n)
		return NULL;
	return entry_name((*a->items)[i]);
}

int baton_annotations_bytes_at(const baton_annotations *a, size_t i, const uint8_t **data,
                               size_t *len)
{
	if (!a || !data || !len)
		return baton__null_arg("baton_annotations_bytes_at", !a ? "a" : "data/len");
	baton__annotations_sync(a);
	if (i >= *a->n)
		return baton_error_set(BATON_ERANGE, "annotation index %zu out of range (count %zu)", i,
		                       *a->n);
	const Google__Protobuf__Any *any = (*a->items)[i];
	*data = any->value.data;
	*len = any->value.len;
	return BATON_OK;
}

bool baton_annotations_contains(const baton_annotations *a, const char *message_name)
{
	if (!a || !message_name)
		return false;
	baton__annotations_sync(a);
	return index_of_name(a, message_name, 0) >= 0;
}

int baton_annotations_find(const baton_annotations *a, const char *message_name, size_t *index)
{
	if (!a || !message_name)
		return baton__null_arg("baton_annotations_find", !a ? "a" : "message_name");
	baton__annotations_sync(a);
	long i = index_of_name(a, message_name, 0);
	if (i < 0)
		return baton_error_set(BATON_ENOTFOUND, "no %s annotation", message_name);
	if (index)
		*index = (size_t)i;
	return BATON_OK;
}

int baton_annotations_json_at(const baton_annotations *a, size_t i, baton_ctx *ctx, char **json)
{
	if (!a || !ctx || !json)
		return baton__null_arg("baton_annotations_json_at", !a ? "a" : !ctx ? "ctx" : "json");
	baton__annotations_sync(a);
	if (i >= *a->n)
		return baton_error_set(BATON_ERANGE, "annotation index %zu out of range (count %zu)", i,
		                       *a->n);
	const Google__Protobuf__Any *any = (*a->items)[i];
	const ProtobufCMessageDescriptor *desc = baton__registry_find_url(any->type_url);
	if (!desc)
		return baton_error_set(BATON_EUNIMPLEMENTED, "annotation %zu: type %s is not in the schema",
		                       i, any->type_url ? any->type_url : "");
	ProtobufCMessage *msg;
	int rc = baton__pb_unpack(&ctx->arena, desc, any->value.data, any->value.len, &msg);
	if (rc < 0)
		return rc;
	return baton__msg_json(ctx, msg, json);
}

int baton_annotations_pick_json(const baton_annotations *a, const char *message_name,
                                baton_ctx *ctx, char **json)
{
	size_t i;
	int rc = baton_annotations_find(a, message_name, &i);
	if (rc < 0)
		return rc;
	return baton_annotations_json_at(a, i, ctx, json);
}

static int message_from_json(baton_annotations *a, const char *message_name, const char *json,
                             ProtobufCMessage **out)
{
	if (!message_name || !json)
		return baton__null_arg("annotations", !message_name ? "message_name" : "json");
	const ProtobufCMessageDescriptor *desc = baton__registry_find(message_name);
	if (!desc)
		return baton_error_set(BATON_EINVALID, "unknown message type \"%s\"", message_name);
	int rc = baton__protojson_read(&a->ctx->arena, desc, json, strlen(json), out);
	if (rc < 0)
		return baton__error_prefix("%s", message_name);
	return BATON_OK;
}

static int add_json(baton_annotations *a, const char *message_name, const char *json, bool update)
{
	if (!a)
		return baton__null_arg("baton_annotations_append_json", "a");
	ProtobufCMessage *msg;
	int rc = message_from_json(a, message_name, json, &msg);
	if (rc < 0)
		return rc;
	Google__Protobuf__Any *any;
	rc = baton__any_pack(&a->ctx->arena, msg, &any);
	if (rc < 0)
		return rc;
	if (a->owner)
		baton__resource_annotation_changing(a->owner, msg->descriptor->name);
	rc = update ? put_named(a, msg->descriptor->name, any) : baton__annotations_push(a, any);
	return rc;
}

int baton_annotations_append_json(baton_annotations *a, const char *message_name, const char *json)
{
	return add_json(a, message_name, json, false);
}

int baton_annotations_update_json(baton_annotations *a, const char *message_name, const char *json)
{
	return add_json(a, message_name, json, true);
}

int baton_annotations_append_bytes(baton_annotations *a, const char *type, const uint8_t *data,
                                   size_t len)
{
	if (!a || !type || (!data && len))
		return baton__null_arg("baton_annotations_append_bytes", !a ? "a" : !type ? "type" : "data");
	if (!*type)
		return baton_error_set(BATON_EINVALID, "annotation type must not be empty");
	baton_arena *arena = &a->ctx->arena;
	Google__Protobuf__Any *any = baton_arena_alloc(arena, sizeof(*any));
	if (!any)
		return baton__error_oom("annotation");
	google__protobuf__any__init(any);
	if (strchr(type, '/'))
		any->type_url = baton_arena_strdup(arena, type);
	else {
		size_t plen = strlen(BATON_TYPE_URL_PREFIX), tlen = strlen(type);
		any->type_url = baton_arena_alloc_raw(arena, plen + tlen + 1);
		if (any->type_url) {
			memcpy(any->type_url, BATON_TYPE_URL_PREFIX, plen);
			memcpy(any->type_url + plen, type, tlen + 1);
		}
	}
	if (!any->type_url)
		return baton__error_oom("annotation type");
	if (len) {
		any->value.data = baton_arena_memdup(arena, data, len);
		if (!any->value.data)
			return baton__error_oom("annotation bytes");
		any->value.len = len;
	}
	const char *name = baton__type_url_name(any->type_url);
	if (a->owner)
		baton__resource_annotation_changing(a->owner, name);
	int rc = baton__annotations_push(a, any);
	return rc;
}

int baton_annotations_remove(baton_annotations *a, const char *message_name)
{
	if (!a || !message_name)
		return baton__null_arg("baton_annotations_remove", !a ? "a" : "message_name");
	if (a->owner)
		baton__resource_annotation_changing(a->owner, message_name);
	size_t w = 0;
	int removed = 0;
	for (size_t i = 0; i < *a->n; i++) {
		Google__Protobuf__Any *any = (*a->items)[i];
		if (strcmp(entry_name(any), message_name) == 0)
			removed++;
		else
			(*a->items)[w++] = any;
	}
	*a->n = w;
	if (removed)
		a->gen++;
	return removed;
}

/* ---- typed helpers ---- */

static int update_empty(baton_annotations *a, const ProtobufCMessageDescriptor *desc)
{
	ProtobufCMessage *msg = baton_arena_alloc(&a->ctx->arena, desc->sizeof_message);
	if (!msg)
		return baton__error_oom("annotation");
	desc->message_init(msg);
	return baton__annotations_update_msg(a, msg);
}

int baton_annotations_add_child_resource_type(baton_annotations *a, const char *resource_type_id)
{
	if (!a)
		return baton__null_arg("baton_annotations_add_child_resource_type", "a");
	int rc = baton__check_len("child resource type id", resource_type_id, 1, 1024);
	if (rc < 0)
		return rc;
	C1__Connector__V2__ChildResourceType m = C1__CONNECTOR__V2__CHILD_RESOURCE_TYPE__INIT;
	m.resource_type_id = (char *)resource_type_id;
	return baton__annotations_append_msg(a, &m.base);
}

int baton_annotations_set_skip_entitlements_and_grants(baton_annotations *a)
{
	if (!a)
		return baton__null_arg("baton_annotations_set_skip_entitlements_and_grants", "a");
	return update_empty(a, &c1__connector__v2__skip_entitlements_and_grants__descriptor);
}

int baton_annotations_set_skip_grants(baton_annotations *a)
{
	if (!a)
		return baton__null_arg("baton_annotations_set_skip_grants", "a");
	return update_empty(a, &c1__connector__v2__skip_grants__descriptor);
}

int baton_annotations_set_skip_entitlements(baton_annotations *a)
{
	if (!a)
		return baton__null_arg("baton_annotations_set_skip_entitlements", "a");
	return update_empty(a, &c1__connector__v2__skip_entitlements__descriptor);
}

int baton_annotations_set_external_link(baton_annotations *a, const char *url)
{
	if (!a)
		return baton__null_arg("baton_annotations_set_external_link", "a");
	int rc = baton__check_len("external link url", url, 1, 1024);
	if (rc < 0)
		return rc;
	if (strncmp(url, "https://", 8) != 0)
		return baton_error_set(BATON_EINVALID, "external link url must start with https://");
	C1__Connector__V2__ExternalLink m = C1__CONNECTOR__V2__EXTERNAL_LINK__INIT;
	m.url = (char *)url;
	return baton__annotations_update_msg(a, &m.base);
}

int baton_annotations_set_raw_id(baton_annotations *a, const char *id)
{
	if (!a)
		return baton__null_arg("baton_annotations_set_raw_id", "a");
	C1__Connector__V2__RawId m = C1__CONNECTOR__V2__RAW_ID__INIT;
	if (id)
		m.id = (char *)id;
	return baton__annotations_update_msg(a, &m.base);
}

int baton_annotations_set_rate_limit(baton_annotations *a, baton_ratelimit_status status,
                                     int64_t limit, int64_t remaining,
                                     const baton_timestamp *reset_at)
{
	if (!a)
		return baton__null_arg("baton_annotations_set_rate_limit", "a");
	if ((int)status < 0 || status > BATON_RATELIMIT_ERROR)
		return baton_error_set(BATON_EINVALID, "rate limit status %d is not defined", (int)status);
	C1__Connector__V2__RateLimitDescription m = C1__CONNECTOR__V2__RATE_LIMIT_DESCRIPTION__INIT;
	m.status = (C1__Connector__V2__RateLimitDescription__Status)status;
	m.limit = limit;
	m.remaining = remaining;
	if (reset_at) {
		int rc = baton__timestamp_new(a->ctx, "rate limit reset_at", *reset_at, &m.reset_at);
		if (rc < 0)
			return rc;
	}
	return baton__annotations_update_msg(a, &m.base);
}
