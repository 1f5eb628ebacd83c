/* Resource types, plus the small helpers every type builder shares. */
#include "types/types.h"

#include <string.h>

#include "core/error.h"
#include "proto/any.h"
#include "proto/protojson.h"

/* ---- shared helpers ---- */

int baton__null_arg(const char *fn, const char *arg)
{
	return baton_error_set(BATON_EINVALID, "%s: %s must not be NULL", fn, arg);
}

int baton__check_len_of(const char *what, const char *part, const char *s, size_t min, size_t max)
{
	size_t len = s ? strlen(s) : 0;
	if (len >= min && len <= max)
		return BATON_OK;
	const char *sep = part ? " " : "";
	if (!part)
		part = "";
	if (min == 0)
		return baton_error_set(BATON_EINVALID, "%s%s%s must be at most %zu bytes (got %zu)", what, sep, part,
		                       max, len);
	return baton_error_set(BATON_EINVALID, "%s%s%s must be %zu..%zu bytes (got %zu)", what, sep, part, min,
	                       max, len);
}

int baton__check_len(const char *what, const char *s, size_t min, size_t max)
{
	return baton__check_len_of(what, NULL, s, min, max);
}

char *baton__str(baton_ctx *ctx, const char *s)
{
	if (!s || !*s)
		return (char *)protobuf_c_empty_string;
	char *p = baton_arena_strdup(&ctx->arena, s);
	if (!p)
		baton__error_oom("string");
	return p;
}

char *baton__id_join(baton_ctx *ctx, const char *a, const char *b, const char *c)
{
	const char *part[3] = {a ? a : "", b ? b : "", c};
	size_t n = c ? 3 : 2, len[3] = {0, 0, 0}, total = n - 1;
	for (size_t i = 0; i < n; i++)
		total += len[i] = strlen(part[i]);
	char *p = baton_arena_alloc_raw(&ctx->arena, total + 1);
	if (!p) {
		baton__error_oom("id");
		return NULL;
	}
	char *w = p;
	for (size_t i = 0; i < n; i++) {
		if (i)
			*w++ = ':';
		memcpy(w, part[i], len[i]);
		w += len[i];
	}
	*w = '\0';
	return p;
}

int baton__timestamp_new(baton_ctx *ctx, const char *what, baton_timestamp t,
                         Google__Protobuf__Timestamp **out)
{
	if (t.nanos < 0 || t.nanos > 999999999)
		return baton_error_set(BATON_EINVALID, "%s: nanos must be 0..999999999 (got %d)", what,
		                       (int)t.nanos);
	Google__Protobuf__Timestamp *ts = baton_arena_alloc(&ctx->arena, sizeof(*ts));
	if (!ts)
		return baton__error_oom("timestamp");
	google__protobuf__timestamp__init(ts);
	ts->seconds = t.seconds;
	ts->nanos = t.nanos;
	*out = ts;
	return BATON_OK;
}

int baton__asset_ref_new(baton_ctx *ctx, const char *what, const char *id,
                         C1__Connector__V2__AssetRef **out)
{
	int rc = baton__check_len(what, id, 1, 1024);
	if (rc < 0)
		return rc;
	C1__Connector__V2__AssetRef *ref = baton_arena_alloc(&ctx->arena, sizeof(*ref));
	if (!ref)
		return baton__error_oom("asset ref");
	c1__connector__v2__asset_ref__init(ref);
	if (!(ref->id = baton__str(ctx, id)))
		return BATON_EEXHAUSTED;
	*out = ref;
	return BATON_OK;
}

int baton__profile_new(baton_ctx *ctx, const char *what, const char *json,
                       Google__Protobuf__Struct **out)
{
	if (!json)
		return baton_error_set(BATON_EINVALID, "%s: JSON must not be NULL", what);
	int rc = baton__struct_from_json(&ctx->arena, json, out);
	if (rc < 0)
		return baton__error_prefix("%s", what);
	return BATON_OK;
}

int baton__strv(baton_ctx *ctx, const char *what, const char *const *v, size_t n, char ***out)
{
	if (n == 0) {
		*out = NULL;
		return BATON_OK;
	}
	if (!v)
		return baton_error_set(BATON_EINVALID, "%s: array must not be NULL when its count is %zu",
		                       what, n);
	char **copy = baton_arena_alloc(&ctx->arena, n * sizeof(*copy));
	if (!copy)
		return baton__error_oom(what);
	for (size_t i = 0; i < n; i++) {
		if (!(copy[i] = baton__str(ctx, v[i])))
			return BATON_EEXHAUSTED;
	}
	*out = copy;
	return BATON_OK;
}

int baton__msg_pack(baton_ctx *ctx, ProtobufCMessage *msg, const uint8_t **data, size_t *len)
{
	uint8_t *buf;
	size_t n;
	int rc = baton__pb_pack(&ctx->arena, msg, &buf, &n);
	if (rc < 0)
		return rc;
	*data = buf;
	*len = n;
	return BATON_OK;
}

int baton__msg_json(baton_ctx *ctx, const ProtobufCMessage *msg, char **json)
{
	baton_protojson_opts opts;
	memset(&opts, 0, sizeof opts);
	size_t len;
	return baton__protojson_write(&ctx->arena, msg, &opts, json, &len);
}

/* ---- resource types ---- */

static int resource_type_alloc(baton_ctx *ctx, C1__Connector__V2__ResourceType *msg,
                               baton_resource_type **out)
{
	baton_resource_type *rt = baton_arena_alloc(&ctx->arena, sizeof(*rt));
	if (!rt)
		return baton__error_oom("resource type");
	rt->ctx = ctx;
	rt->msg = msg;
	baton__annotations_init(&rt->annos, ctx, &msg->n_annotations, &msg->annotations, NULL);
	*out = rt;
	return BATON_OK;
}

int baton_resource_type_new(baton_ctx *ctx, const char *name, const baton_trait *traits,
                            size_t n_traits, baton_resource_type **out)
{
	if (!ctx || !name || !out)
		return baton__null_arg("baton_resource_type_new", !ctx ? "ctx" : !name ? "name" : "out");
	int rc = baton__check_len("resource type id", name, 1, 1024);
	if (rc < 0)
		return rc;
	if (n_traits && !traits)
		return baton__null_arg("baton_resource_type_new", "traits");
	for (size_t i = 0; i < n_traits; i++) {
		if ((int)traits[i] < 0 || traits[i] > BATON_TRAIT_MANAGED_DEVICE)
			return baton_error_set(BATON_EINVALID, "resource type traits: trait %d is not defined",
			                       (int)traits[i]);
		for (size_t j = 0; j < i; j++) {
			if (traits[j] == traits[i])
				return baton_error_set(BATON_EINVALID,
				                       "resource type traits must be unique (trait %d repeated)",
				                       (int)traits[i]);
		}
	}

	baton_arena *arena = &ctx->arena;
	C1__Connector__V2__ResourceType *msg = baton_arena_alloc(arena, sizeof(*msg));
	if (!msg)
		return baton__error_oom("resource type");
	c1__connector__v2__resource_type__init(msg);

	size_t len = strlen(name);
	char *id = baton_arena_alloc_raw(arena, len + 1);
	if (!id)
		return baton__error_oom("resource type id");
	for (size_t i = 0; i <= len; i++) {
		char c = name[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		else if (c == ' ')
			c = '-';
		id[i] = c;
	}
	msg->id = id;
	if (!(msg->display_name = baton__str(ctx, name)))
		return BATON_EEXHAUSTED;
	if (n_traits) {
		msg->traits = baton_arena_alloc(arena, n_traits * sizeof(*msg->traits));
		if (!msg->traits)
			return baton__error_oom("resource type traits");
		for (size_t i = 0; i < n_traits; i++)
			msg->traits[i] = (C1__Connector__V2__ResourceType__Trait)traits[i];
		msg->n_traits = n_traits;
	}
	return resource_type_alloc(ctx, msg, out);
}

int baton_resource_type_set_id(baton_resource_type *rt, const char *id)
{
	if (!rt)
		return baton__null_arg("baton_resource_type_set_id", "rt");
	int rc = baton__check_len("resource type id", id, 1, 1024);
	if (rc < 0)
		return rc;
	char *copy = baton__str(rt->ctx, id);
	if (!copy)
		return BATON_EEXHAUSTED;
	rt->msg->id = copy;
	return BATON_OK;
}

int baton_resource_type_set_description(baton_resource_type *rt, const char *description)
{
	if (!rt)
		return baton__null_arg("baton_resource_type_set_description", "rt");
	int rc = baton__check_len("resource type description", description, 0, 4096);
	if (rc < 0)
		return rc;
	char *copy = baton__str(rt->ctx, description);
	if (!copy)
		return BATON_EEXHAUSTED;
	rt->msg->description = copy;
	return BATON_OK;
}

int baton_resource_type_set_sourced_externally(baton_resource_type *rt, bool yes)
{
	if (!rt)
		return baton__null_arg("baton_resource_type_set_sourced_externally", "rt");
	rt->msg->sourced_externally = yes;
	return BATON_OK;
}

baton_annotations *baton_resource_type_annotations(baton_resource_type *rt)
{
	return rt ? &rt->annos : NULL;
}

static const char *str_or_empty(const char *s)
{
	return s ? s : "";
}

const char *baton_resource_type_id(const baton_resource_type *rt)
{
	return rt ? str_or_empty(rt->msg->id) : "";
}

const char *baton_resource_type_display_name(const baton_resource_type *rt)
{
	return rt ? str_or_empty(rt->msg->display_name) : "";
}

const char *baton_resource_type_description(const baton_resource_type *rt)
{
	return rt ? str_or_empty(rt->msg->description) : "";
}

bool baton_resource_type_sourced_externally(const baton_resource_type *rt)
{
	return rt && rt->msg->sourced_externally;
}

size_t baton_resource_type_trait_count(const baton_resource_type *rt)
{
	return rt ? rt->msg->n_traits : 0;
}

baton_trait baton_resource_type_trait_at(const baton_resource_type *rt, size_t i)
{
	if (!rt || i >= rt->msg->n_traits)
		return BATON_TRAIT_UNSPECIFIED;
	return (baton_trait)rt->msg->traits[i];
}

bool baton_resource_type_has_trait(const baton_resource_type *rt, baton_trait trait)
{
	if (!rt)
		return false;
	for (size_t i = 0; i < rt->msg->n_traits; i++) {
		if ((int)rt->msg->traits[i] == (int)trait)
			return true;
	}
	return false;
}

int baton_resource_type_pack(baton_resource_type *rt, baton_ctx *ctx, const uint8_t **data,
                             size_t *len)
{
	if (!rt || !ctx || !data || !len)
		return baton__null_arg("baton_resource_type_pack", !rt ? "rt" : !ctx ? "ctx" : "data/len");
	return baton__msg_pack(ctx, &rt->msg->base, data, len);
}

int baton_resource_type_unpack(baton_ctx *ctx, const uint8_t *data, size_t len,
                               baton_resource_type **out)
{
	if (!ctx || !out || (!data && len))
		return baton__null_arg("baton_resource_type_unpack", !ctx ? "ctx" : !out ? "out" : "data");
	ProtobufCMessage *msg;
	int rc = baton__pb_unpack(&ctx->arena, &c1__connector__v2__resource_type__descriptor, data, len,
	                          &msg);
	if (rc < 0)
		return rc;
	return resource_type_alloc(ctx, (C1__Connector__V2__ResourceType *)msg, out);
}

int baton_resource_type_to_json(baton_resource_type *rt, baton_ctx *ctx, char **json)
{
	if (!rt || !ctx || !json)
		return baton__null_arg("baton_resource_type_to_json", !rt ? "rt" : !ctx ? "ctx" : "json");
	return baton__msg_json(ctx, &rt->msg->base, json);
}
