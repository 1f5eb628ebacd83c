/* Grants. */
#include "types/types.h"

#include <string.h>

#include "core/ctx.h"
#include "core/error.h"
#include "proto/any.h"
#include "proto/pbutil.h"
#include "c1/connector/v2/annotation_grant.pb-c.h"

static const char *str_or_empty(const char *s)
{
	return s ? s : "";
}

static int grant_wrap(baton_ctx *ctx, C1__Connector__V2__Grant *msg, baton_entitlement *ent,
                      baton_resource *principal, baton_grant **out)
{
	baton_grant *g = baton_arena_alloc(&ctx->arena, sizeof(*g));
	if (!g)
		return baton__error_oom("grant");
	g->ctx = ctx;
	g->msg = msg;
	baton__annotations_init(&g->annos, ctx, &msg->n_annotations, &msg->annotations, NULL);
	int rc;
	if (ent)
		g->entitlement = ent;
	else if (msg->entitlement && (rc = baton__entitlement_wrap(ctx, msg->entitlement, NULL,
	                                                           &g->entitlement)) < 0)
		return rc;
	if (principal)
		g->principal = principal;
	else if (msg->principal && (rc = baton__resource_wrap(ctx, msg->principal, &g->principal)) < 0)
		return rc;
	*out = g;
	return BATON_OK;
}

static int grant_flush(baton_grant *g)
{
	int rc;
	if (g->entitlement) {
		if ((rc = baton__entitlement_flush(g->entitlement)) < 0)
			return rc;
		g->msg->entitlement = g->entitlement->msg;
	}
	if (g->principal) {
		if ((rc = baton__resource_flush(g->principal)) < 0)
			return rc;
		g->msg->principal = g->principal->msg;
	}
	return BATON_OK;
}

char *baton_grant_id_format(baton_ctx *ctx, const char *entitlement_id,
                            const baton_resource_id *principal)
{
	if (!ctx || !principal) {
		baton__null_arg("baton_grant_id_format", !ctx ? "ctx" : "principal");
		return NULL;
	}
	return baton__id_join(ctx, entitlement_id, principal->resource_type,
	                      str_or_empty(principal->resource));
}

/* The common tail: a grant of `ent` to `principal`. */
static int grant_build(baton_ctx *ctx, baton_entitlement *ent, baton_resource *principal,
                       baton_grant **out)
{
	baton_resource_id pid = baton_resource_get_id(principal);
	char *id = baton_grant_id_format(ctx, ent->msg->id, &pid);
	if (!id)
		return baton_error_last()->code;
	int rc = baton__check_len("grant id", id, 1, 1024);
	if (rc < 0)
		return rc;
	C1__Connector__V2__Grant *msg = baton_arena_alloc(&ctx->arena, sizeof(*msg));
	if (!msg)
		return baton__error_oom("grant");
	c1__connector__v2__grant__init(msg);
	msg->id = id;
	msg->entitlement = ent->msg;
	msg->principal = principal->msg;
	return grant_wrap(ctx, msg, ent, principal, out);
}

/* The entitlement stub Go puts in a grant: {id, resource}. */
static int entitlement_stub(baton_ctx *ctx, const baton_resource *resource, const char *name,
                            baton_entitlement **out)
{
	baton_resource_id rid = baton_resource_get_id(resource);
	char *id = baton_entitlement_id_format(ctx, &rid, name);
	if (!id)
		return baton_error_last()->code;
	C1__Connector__V2__Entitlement *msg = baton_arena_alloc(&ctx->arena, sizeof(*msg));
	if (!msg)
		return baton__error_oom("entitlement");
	c1__connector__v2__entitlement__init(msg);
	msg->id = id;
	msg->resource = resource->msg;
	return baton__entitlement_wrap(ctx, msg, (baton_resource *)resource, out);
}

/* A principal given by id: a Resource holding only that id. */
static int principal_from_id(baton_ctx *ctx, const baton_resource_id *principal,
                             baton_resource **out)
{
	C1__Connector__V2__ResourceId *rid;
	int rc = baton__resource_id_new(ctx, "grant principal", principal, &rid);
	if (rc < 0)
		return rc;
	C1__Connector__V2__Resource *msg = baton_arena_alloc(&ctx->arena, sizeof(*msg));
	if (!msg)
		return baton__error_oom("principal");
	c1__connector__v2__resource__init(msg);
	msg->id = rid;
	return baton__resource_wrap(ctx, msg, out);
}

int baton_grant_new(baton_ctx *ctx, const baton_resource *resource, const char *entitlement_name,
                    const baton_resource_id *principal, baton_grant **out)
{
	if (!ctx || !resource || !principal || !out)
		return baton__null_arg("baton_grant_new", !ctx ? "ctx" : !resource ? "resource" :
		                                          !principal ? "principal" : "out");
	baton_resource *p;
	int rc = principal_from_id(ctx, principal, &p);
	if (rc < 0)
		return rc;
	baton_entitlement *ent;
	if ((rc = entitlement_stub(ctx, resource, entitlement_name, &ent)) < 0)
		return rc;
	return grant_build(ctx, ent, p, out);
}

int baton_grant_new_with_principal(baton_ctx *ctx, const baton_resource *resource,
                                   const char *entitlement_name, const baton_resource *principal,
                                   baton_grant **out)
{
	if (!ctx || !resource || !principal || !out)
		return baton__null_arg("baton_grant_new_with_principal",
		                       !ctx ? "ctx" : !resource ? "resource" : !principal ? "principal" : "out");
	if (!principal->msg->id)
		return baton_error_set(BATON_EINVALID, "grant principal has no id");
	baton_entitlement *ent;
	int rc = entitlement_stub(ctx, resource, entitlement_name, &ent);
	if (rc < 0)
		return rc;
	return grant_build(ctx, ent, (baton_resource *)principal, out);
}

int baton_grant_new_for_entitlement(baton_ctx *ctx, const baton_entitlement *entitlement,
                                    const baton_resource_id *principal, baton_grant **out)
{
	if (!ctx || !entitlement || !principal || !out)
		return baton__null_arg("baton_grant_new_for_entitlement",
		                       !ctx ? "ctx" : !entitlement ? "entitlement" :
		                       !principal ? "principal" : "out");
	baton_resource *p;
	int rc = principal_from_id(ctx, principal, &p);
	if (rc < 0)
		return rc;
	return grant_build(ctx, (baton_entitlement *)entitlement, p, out);
}

int baton_grant_set_expandable(baton_grant *g, const char *const *entitlement_ids, size_t n,
                               bool shallow, const char *const *resource_type_ids, size_t n_rt)
{
	if (!g)
		return baton__null_arg("baton_grant_set_expandable", "g");
	if (n == 0 || !entitlement_ids)
		return baton_error_set(BATON_EINVALID,
		                       "grant expandable: at least one entitlement id is required");
	for (size_t i = 0; i < n; i++) {
		if (!entitlement_ids[i] || !*entitlement_ids[i])
			return baton_error_set(BATON_EINVALID,
			                       "grant expandable: entitlement id %zu is empty", i);
		for (size_t j = 0; j < i; j++) {
			if (strcmp(entitlement_ids[i], entitlement_ids[j]) == 0)
				return baton_error_set(BATON_EINVALID,
				                       "grant expandable: entitlement ids must be unique (\"%s\" repeated)",
				                       entitlement_ids[i]);
		}
	}
	if (n_rt && !resource_type_ids)
		return baton__null_arg("baton_grant_set_expandable", "resource_type_ids");
	C1__Connector__V2__GrantExpandable ge = C1__CONNECTOR__V2__GRANT_EXPANDABLE__INIT;
	ge.n_entitlement_ids = n;
	ge.entitlement_ids = (char **)entitlement_ids;
	ge.shallow = shallow;
	ge.n_resource_type_ids = n_rt;
	ge.resource_type_ids = (char **)resource_type_ids;
	return baton__annotations_append_msg(&g->annos, &ge.base);
}

int baton_grant_set_immutable(baton_grant *g, const char *source_id, const char *metadata_json)
{
	if (!g)
		return baton__null_arg("baton_grant_set_immutable", "g");
	C1__Connector__V2__GrantImmutable im = C1__CONNECTOR__V2__GRANT_IMMUTABLE__INIT;
	if (source_id)
		im.source_id = (char *)source_id;
	if (metadata_json) {
		int rc = baton__profile_new(g->ctx, "grant immutable metadata", metadata_json,
		                            &im.metadata);
		if (rc < 0)
			return rc;
	}
	return baton__annotations_append_msg(&g->annos, &im.base);
}

int baton_grant_set_metadata_json(baton_grant *g, const char *json_object)
{
	if (!g)
		return baton__null_arg("baton_grant_set_metadata_json", "g");
	C1__Connector__V2__GrantMetadata gm = C1__CONNECTOR__V2__GRANT_METADATA__INIT;
	int rc = baton__profile_new(g->ctx, "grant metadata", json_object, &gm.metadata);
	if (rc < 0)
		return rc;
	return baton__annotations_update_msg(&g->annos, &gm.base);
}

int baton_grant_add_source(baton_grant *g, const char *entitlement_id, bool is_direct)
{
	if (!g || !entitlement_id)
		return baton__null_arg("baton_grant_add_source", !g ? "g" : "entitlement_id");
	baton_arena *arena = &g->ctx->arena;
	C1__Connector__V2__GrantSources *src = g->msg->sources;
	size_t n = src ? src->n_sources : 0;
	size_t pos = 0;
	for (; pos < n; pos++) {
		int c = strcmp(str_or_empty(src->sources[pos]->key), entitlement_id);
		if (c == 0) {
			C1__Connector__V2__GrantSources__GrantSource *v = src->sources[pos]->value;
			if (!v) {
				v = baton_arena_alloc(arena, sizeof(*v));
				if (!v)
					return baton__error_oom("grant source");
				c1__connector__v2__grant_sources__grant_source__init(v);
				src->sources[pos]->value = v;
			}
			v->is_direct = is_direct;
			return BATON_OK;
		}
		if (c > 0)
			break;
	}
	C1__Connector__V2__GrantSources__SourcesEntry *e = baton_arena_alloc(arena, sizeof(*e));
	C1__Connector__V2__GrantSources__GrantSource *v = baton_arena_alloc(arena, sizeof(*v));
	C1__Connector__V2__GrantSources__SourcesEntry **items =
		baton_arena_alloc(arena, (n + 1) * sizeof(*items));
	if (!e || !v || !items)
		return baton__error_oom("grant source");
	if (!src) {
		src = baton_arena_alloc(arena, sizeof(*src));
		if (!src)
			return baton__error_oom("grant sources");
		c1__connector__v2__grant_sources__init(src);
	}
	c1__connector__v2__grant_sources__sources_entry__init(e);
	c1__connector__v2__grant_sources__grant_source__init(v);
	if (!(e->key = baton__str(g->ctx, entitlement_id)))
		return BATON_EEXHAUSTED;
	v->is_direct = is_direct;
	e->value = v;
	if (pos)
		memcpy(items, src->sources, pos * sizeof(*items));
	items[pos] = e;
	if (n > pos)
		memcpy(items + pos + 1, src->sources + pos, (n - pos) * sizeof(*items));
	src->sources = items;
	src->n_sources = n + 1;
	g->msg->sources = src;
	return BATON_OK;
}

baton_annotations *baton_grant_annotations(baton_grant *g)
{
	return g ? &g->annos : NULL;
}

const char *baton_grant_id(const baton_grant *g)
{
	return g ? str_or_empty(g->msg->id) : "";
}

const char *baton_grant_entitlement_id(const baton_grant *g)
{
	if (!g || !g->msg->entitlement)
		return "";
	return str_or_empty(g->msg->entitlement->id);
}

baton_resource_id baton_grant_resource_id(const baton_grant *g)
{
	baton_resource_id id = {"", ""};
	if (g && g->msg->entitlement && g->msg->entitlement->resource &&
	    g->msg->entitlement->resource->id) {
		id.resource_type = str_or_empty(g->msg->entitlement->resource->id->resource_type);
		id.resource = str_or_empty(g->msg->entitlement->resource->id->resource);
	}
	return id;
}

baton_resource_id baton_grant_principal_id(const baton_grant *g)
{
	baton_resource_id id = {"", ""};
	if (g && g->msg->principal && g->msg->principal->id) {
		id.resource_type = str_or_empty(g->msg->principal->id->resource_type);
		id.resource = str_or_empty(g->msg->principal->id->resource);
	}
	return id;
}

baton_entitlement *baton_grant_entitlement(const baton_grant *g)
{
	return g ? g->entitlement : NULL;
}

baton_resource *baton_grant_principal(const baton_grant *g)
{
	return g ? g->principal : NULL;
}

size_t baton_grant_source_count(const baton_grant *g)
{
	return g && g->msg->sources ? g->msg->sources->n_sources : 0;
}

const char *baton_grant_source_at(const baton_grant *g, size_t i, bool *is_direct)
{
	if (i >= baton_grant_source_count(g))
		return NULL;
	const C1__Connector__V2__GrantSources__SourcesEntry *e = g->msg->sources->sources[i];
	if (is_direct)
		*is_direct = e->value && e->value->is_direct;
	return str_or_empty(e->key);
}

bool baton_grant_is_direct(const baton_grant *g)
{
	if (!g) {
		baton__null_arg("baton_grant_is_direct", "g");
		return false;
	}
	size_t n = baton_grant_source_count(g);
	if (n == 0)
		return true; /* what the connector emitted: no sources */
	const char *own = baton_grant_entitlement_id(g);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(baton_grant_source_at(g, i, NULL), own) == 0)
			return true;
	}
	return false;
}

const char *baton_grant_inherited_from(const baton_grant *g)
{
	if (!g) {
		baton__null_arg("baton_grant_inherited_from", "g");
		return NULL;
	}
	const char *own = baton_grant_entitlement_id(g), *first = NULL;
	for (size_t i = 0, n = baton_grant_source_count(g); i < n; i++) {
		const char *id = baton_grant_source_at(g, i, NULL);
		/* The smallest key: parsed bytes need not come in key order. */
		if (*id && strcmp(id, own) != 0 && (!first || strcmp(id, first) < 0))
			first = id;
	}
	return first;
}

int baton_grant_expandable(const baton_grant *g, baton_ctx *ctx,
                           const char *const **entitlement_ids, size_t *n, bool *shallow,
                           const char *const **resource_type_ids, size_t *n_rt)
{
	if (!g || !ctx)
		return baton__null_arg("baton_grant_expandable", !g ? "g" : "ctx");
	ProtobufCMessage *m;
	const ProtobufCMessageDescriptor *desc = &c1__connector__v2__grant_expandable__descriptor;
	long i = baton__annotations_index(&g->annos, desc, 0);
	if (i < 0)
		return baton_error_set(BATON_ENOTFOUND, "grant has no GrantExpandable annotation");
	int rc = baton__any_unpack(&ctx->arena, (*g->annos.items)[i], desc, &m);
	if (rc < 0)
		return rc;
	const C1__Connector__V2__GrantExpandable *ge = (const C1__Connector__V2__GrantExpandable *)m;
	if (entitlement_ids)
		*entitlement_ids = (const char *const *)ge->entitlement_ids;
	if (n)
		*n = ge->n_entitlement_ids;
	if (shallow)
		*shallow = ge->shallow;
	if (resource_type_ids)
		*resource_type_ids = (const char *const *)ge->resource_type_ids;
	if (n_rt)
		*n_rt = ge->n_resource_type_ids;
	return BATON_OK;
}

/*
 * A grant whose entitlement embeds the grants call's input resource (g->ctx->input_msg, const to
 * the callback): the resource is packed once per call and its bytes spliced in. Entitlement.resource
 * and Grant.entitlement are both field 1, and protobuf-c packs fields in number order (unknown ones
 * last), so the bytes are those of a pack of the whole grant (test_types_grant checks). Packing the
 * resource was sized three times per grant (the grant's, the entitlement's and its own length) and
 * packed once: half of the packing of a grant.
 */
static int pack_spliced(baton_grant *g, baton_ctx *ctx, const uint8_t **data, size_t *len)
{
	baton_ctx *call = g->ctx;
	const C1__Connector__V2__Entitlement *ent = g->msg->entitlement;
	int rc;
	if (!call->input_packed) {
		uint8_t *buf;
		size_t n;
		if ((rc = baton__pb_pack(&call->arena, (const ProtobufCMessage *)call->input_msg, &buf, &n)) < 0)
			return rc;
		call->input_packed = buf;
		call->input_packed_len = n;
	}
	C1__Connector__V2__Entitlement ev = *ent;
	ev.resource = NULL;
	C1__Connector__V2__Grant gv = *g->msg;
	gv.entitlement = NULL;
	uint8_t *eb, *gb;
	size_t el, gl;
	if ((rc = baton__pb_pack(&ctx->arena, &ev.base, &eb, &el)) < 0 ||
	    (rc = baton__pb_pack(&ctx->arena, &gv.base, &gb, &gl)) < 0)
		return rc;
	size_t rl = call->input_packed_len;
	size_t inner = 1 + baton__pb_varint_len(rl) + rl + el;
	size_t total = 1 + baton__pb_varint_len(inner) + inner + gl;
	uint8_t *out = baton_arena_alloc_raw(&ctx->arena, total);
	if (!out)
		return baton__error_oom("packing a grant");
	size_t at = 0;
	out[at++] = 0x0a; /* field 1, length-delimited */
	at += baton__pb_varint_put(out + at, inner);
	out[at++] = 0x0a;
	at += baton__pb_varint_put(out + at, rl);
	memcpy(out + at, call->input_packed, rl);
	at += rl;
	memcpy(out + at, eb, el);
	at += el;
	memcpy(out + at, gb, gl);
	*data = out;
	*len = total;
	return 0;
}

int baton_grant_pack(baton_grant *g, baton_ctx *ctx, const uint8_t **data, size_t *len)
{
	if (!g || !ctx || !data || !len)
		return baton__null_arg("baton_grant_pack", !g ? "g" : !ctx ? "ctx" : "data/len");
	int rc = grant_flush(g);
	if (rc < 0)
		return rc;
	if (g->ctx && g->ctx->input_msg && g->msg->entitlement &&
	    (const void *)g->msg->entitlement->resource == g->ctx->input_msg)
		return pack_spliced(g, ctx, data, len);
	return baton__msg_pack(ctx, &g->msg->base, data, len);
}

int baton_grant_unpack(baton_ctx *ctx, const uint8_t *data, size_t len, baton_grant **out)
{
	if (!ctx || !out || (!data && len))
		return baton__null_arg("baton_grant_unpack", !ctx ? "ctx" : !out ? "out" : "data");
	ProtobufCMessage *msg;
	int rc = baton__pb_unpack(&ctx->arena, &c1__connector__v2__grant__descriptor, data, len, &msg);
	if (rc < 0)
		return rc;
	return grant_wrap(ctx, (C1__Connector__V2__Grant *)msg, NULL, NULL, out);
}

int baton_grant_to_json(baton_grant *g, baton_ctx *ctx, char **json)
{
	if (!g || !ctx || !json)
		return baton__null_arg("baton_grant_to_json", !g ? "g" : !ctx ? "ctx" : "json");
	int rc = grant_flush(g);
	if (rc < 0)
		return rc;
	return baton__msg_json(ctx, &g->msg->base, json);
}
