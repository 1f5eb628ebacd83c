/* Resources: construction, setters, flushing of trait views, mirroring, readers, serialization. */
/* This module reads and writes the deprecated trait and resource fields on purpose (mirroring). */
#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif

#include "types/types.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "proto/any.h"
#include "proto/protojson.h"
#include "c1/connector/v2/annotation_id_alias.pb-c.h"

static const char *str_or_empty(const char *s)
{
	return s ? s : "";
}

int baton__resource_id_new(baton_ctx *ctx, const char *field, const baton_resource_id *id,
                           C1__Connector__V2__ResourceId **out)
{
	if (!id)
		return baton_error_set(BATON_EINVALID, "%s must not be NULL", field);
	int rc = baton__check_len_of(field, "resource_type", id->resource_type, 1, 1024);
	if (rc < 0 || (rc = baton__check_len_of(field, "resource", id->resource, 1, 1024)) < 0)
		return rc;
	C1__Connector__V2__ResourceId *rid = baton_arena_alloc(&ctx->arena, sizeof(*rid));
	if (!rid)
		return baton__error_oom("resource id");
	c1__connector__v2__resource_id__init(rid);
	if (!(rid->resource_type = baton__str(ctx, id->resource_type)) ||
	    !(rid->resource = baton__str(ctx, id->resource)))
		return BATON_EEXHAUSTED;
	*out = rid;
	return BATON_OK;
}

int baton__resource_wrap(baton_ctx *ctx, C1__Connector__V2__Resource *msg, baton_resource **out)
{
	baton_resource *r = baton_arena_alloc(&ctx->arena, sizeof(*r));
	if (!r)
		return baton__error_oom("resource");
	r->ctx = ctx;
	r->msg = msg;
	baton__annotations_init(&r->annos, ctx, &msg->n_annotations, &msg->annotations, r);
	r->own_profile = msg->profile != NULL;
	r->own_icon = msg->icon != NULL;
	r->own_status = msg->status != NULL;
	r->own_created_at = msg->created_at != NULL;
	c1__connector__v2__status__init(&r->mirror_status);
	for (int i = 0; i < BATON__MIRROR_FIELDS; i++)
		r->mirror_src[i] = -1;
	*out = r;
	return BATON_OK;
}

/* ---- flushing and mirroring ---- */

static int trait_slot(const baton_resource *r, const baton__trait *t)
{
	long i = baton__annotations_index(&r->annos, baton__trait_descriptor(t->kind), 0);
	return i < 0 ? -1 : (int)i;
}

/* Bound traits in the order of their annotation slots. */
static size_t bound_traits(baton_resource *r, baton__trait **out)
{
	size_t n = 0;
	long idx[BATON__TRAIT_KINDS];
	for (int k = 0; k < BATON__TRAIT_KINDS; k++) {
		baton__trait *t = r->traits[k];
		if (!t || !t->bound || !t->mirrors)
			continue;
		long i = trait_slot(r, t);
		if (i < 0)
			continue;
		size_t j = n;
		while (j > 0 && idx[j - 1] > i) {
			idx[j] = idx[j - 1];
			out[j] = out[j - 1];
			j--;
		}
		idx[j] = i;
		out[j] = t;
		n++;
	}
	return n;
}

static Google__Protobuf__Struct *trait_profile(const baton__trait *t)
{
	switch (t->kind) {
	case BATON__TRAIT_USER: return ((C1__Connector__V2__UserTrait *)t->msg)->profile;
	case BATON__TRAIT_GROUP: return ((C1__Connector__V2__GroupTrait *)t->msg)->profile;
	case BATON__TRAIT_ROLE: return ((C1__Connector__V2__RoleTrait *)t->msg)->profile;
	case BATON__TRAIT_APP: return ((C1__Connector__V2__AppTrait *)t->msg)->profile;
	case BATON__TRAIT_SECRET: return ((C1__Connector__V2__SecretTrait *)t->msg)->profile;
	default: return NULL;
	}
}

static C1__Connector__V2__AssetRef *trait_icon(const baton__trait *t)
{
	switch (t->kind) {
	case BATON__TRAIT_USER: return ((C1__Connector__V2__UserTrait *)t->msg)->icon;
	case BATON__TRAIT_GROUP: return ((C1__Connector__V2__GroupTrait *)t->msg)->icon;
	case BATON__TRAIT_APP: return ((C1__Connector__V2__AppTrait *)t->msg)->icon;
	default: return NULL;
	}
}

static Google__Protobuf__Timestamp *trait_created_at(const baton__trait *t)
{
	switch (t->kind) {
	case BATON__TRAIT_USER: return ((C1__Connector__V2__UserTrait *)t->msg)->created_at;
	case BATON__TRAIT_SECRET: return ((C1__Connector__V2__SecretTrait *)t->msg)->created_at;
	default: return NULL;
	}
}

static C1__Connector__V2__UserTrait__Status *trait_status(const baton__trait *t)
{
	if (t->kind == BATON__TRAIT_USER)
		return ((C1__Connector__V2__UserTrait *)t->msg)->status;
	return NULL;
}

static void recompute_mirrors(baton_resource *r)
{
	baton__trait *ts[BATON__TRAIT_KINDS];
	size_t n = bound_traits(r, ts);
	int *src = r->mirror_src;
	C1__Connector__V2__Resource *msg = r->msg;

	if (!r->own_profile) {
		msg->profile = NULL;
		src[BATON__MIRROR_PROFILE] = -1;
		for (size_t i = 0; i < n && !msg->profile; i++) {
			if ((msg->profile = trait_profile(ts[i])))
				src[BATON__MIRROR_PROFILE] = (int)ts[i]->kind;
		}
	}
	if (!r->own_icon) {
		msg->icon = NULL;
		src[BATON__MIRROR_ICON] = -1;
		for (size_t i = 0; i < n && !msg->icon; i++) {
			if ((msg->icon = trait_icon(ts[i])))
				src[BATON__MIRROR_ICON] = (int)ts[i]->kind;
		}
	}
	if (!r->own_created_at) {
		msg->created_at = NULL;
		src[BATON__MIRROR_CREATED_AT] = -1;
		for (size_t i = 0; i < n && !msg->created_at; i++) {
			if ((msg->created_at = trait_created_at(ts[i])))
				src[BATON__MIRROR_CREATED_AT] = (int)ts[i]->kind;
		}
	}
	if (!r->own_status) {
		msg->status = NULL;
		src[BATON__MIRROR_STATUS] = -1;
		for (size_t i = 0; i < n; i++) {
			C1__Connector__V2__UserTrait__Status *st = trait_status(ts[i]);
			if (!st)
				continue;
			/* The user trait's status numbers equal the resource's. */
			r->mirror_status.status = (C1__Connector__V2__Status__ResourceStatus)st->status;
			r->mirror_status.details = st->details ? st->details : (char *)protobuf_c_empty_string;
			msg->status = &r->mirror_status;
			src[BATON__MIRROR_STATUS] = (int)ts[i]->kind;
			break;
		}
	}
}

int baton__resource_flush(baton_resource *r)
{
	if (r->flushing)
		return BATON_OK;
	r->flushing = true;
	int rc = BATON_OK;
	for (int k = 0; k < BATON__TRAIT_KINDS; k++) {
		baton__trait *t = r->traits[k];
		if (!t || !t->bound || !t->dirty)
			continue;
		if (t->created)
			baton__trait_apply_defaults(t);
		Google__Protobuf__Any *any;
		rc = baton__any_pack(&r->ctx->arena, t->msg, &any);
		if (rc < 0)
			break;
		rc = baton__annotations_put(&r->annos, t->msg->descriptor, any);
		if (rc < 0)
			break;
		t->dirty = false;
	}
	recompute_mirrors(r);
	r->flushing = false;
	return rc;
}

void baton__resource_annotation_changing(baton_resource *r, const char *message_name)
{
	for (int k = 0; k < BATON__TRAIT_KINDS; k++) {
		baton__trait *t = r->traits[k];
		if (!t || strcmp(baton__trait_descriptor((baton__trait_kind)k)->name, message_name) != 0)
			continue;
		/* Land pending writes, keep what this trait mirrored (as Go, where a mirrored field is
		 * an ordinary field afterwards), then detach the handle. */
		(void)baton__resource_flush(r);
		int *src = r->mirror_src;
		if (src[BATON__MIRROR_PROFILE] == k)
			r->own_profile = true;
		if (src[BATON__MIRROR_ICON] == k)
			r->own_icon = true;
		if (src[BATON__MIRROR_CREATED_AT] == k)
			r->own_created_at = true;
		if (src[BATON__MIRROR_STATUS] == k) {
			C1__Connector__V2__Status *st = baton_arena_memdup(&r->ctx->arena, &r->mirror_status,
			                                                   sizeof(*st));
			if (st) {
				r->msg->status = st;
				r->own_status = true;
			}
		}
		t->bound = false;
		r->traits[k] = NULL;
	}
}


/* ---- construction ---- */

static int resource_build(baton_ctx *ctx, const char *fn, const char *name, const char *rtype,
                          const char *id, baton_resource **out)
{
	if (!ctx || !out)
		return baton__null_arg(fn, !ctx ? "ctx" : "out");
	int rc = baton__check_len("resource display_name", name, 0, 1024);
	if (rc < 0)
		return rc;
	baton_resource_id rid = {rtype, id};
	C1__Connector__V2__ResourceId *idmsg;
	if ((rc = baton__resource_id_new(ctx, "resource id", &rid, &idmsg)) < 0)
		return rc;
	C1__Connector__V2__Resource *msg = baton_arena_alloc(&ctx->arena, sizeof(*msg));
	if (!msg)
		return baton__error_oom("resource");
	c1__connector__v2__resource__init(msg);
	msg->id = idmsg;
	if (!(msg->display_name = baton__str(ctx, name)))
		return BATON_EEXHAUSTED;
	return baton__resource_wrap(ctx, msg, out);
}

int baton_resource_new(baton_ctx *ctx, const char *name, const baton_resource_type *rt,
                       const char *id, baton_resource **out)
{
	if (!rt)
		return baton__null_arg("baton_resource_new", "rt");
	return resource_build(ctx, "baton_resource_new", name, rt->msg->id, id, out);
}

int baton_resource_new_int(baton_ctx *ctx, const char *name, const baton_resource_type *rt,
                           int64_t id, baton_resource **out)
{
	char buf[32];
	if (!rt)
		return baton__null_arg("baton_resource_new_int", "rt");
	snprintf(buf, sizeof buf, "%" PRId64, id);
	return resource_build(ctx, "baton_resource_new_int", name, rt->msg->id, buf, out);
}

int baton_resource_new_with_id(baton_ctx *ctx, const char *name, const baton_resource_id *id,
                               baton_resource **out)
{
	if (!id)
		return baton__null_arg("baton_resource_new_with_id", "id");
	return resource_build(ctx, "baton_resource_new_with_id", name, id->resource_type,
	                      id->resource, out);
}

/* A resource plus its trait, whose annotation slot is placed at the first flush (see
 * baton__trait_get): annotations the author adds right after construction come first, as the
 * caller's options do in Go's New<X>Resource. */
static int typed_new(baton_ctx *ctx, const char *name, const baton_resource_type *rt,
                     const char *id, baton__trait_kind kind, const char *fn, baton_resource **out)
{
	baton_resource *r;
	int rc = baton_resource_new(ctx, name, rt, id, &r);
	if (rc < 0)
		return rc;
	if (!baton__trait_get(r, kind, true, fn))
		return baton_error_last()->code ? baton_error_last()->code : BATON_EINTERNAL;
	*out = r;
	return BATON_OK;
}

int baton_user_resource_new(baton_ctx *ctx, const char *name, const baton_resource_type *rt,
                            const char *id, baton_resource **out)
{
	return typed_new(ctx, name, rt, id, BATON__TRAIT_USER, "baton_user_resource_new", out);
}

int baton_group_resource_new(baton_ctx *ctx, const char *name, const baton_resource_type *rt,
                             const char *id, baton_resource **out)
{
	return typed_new(ctx, name, rt, id, BATON__TRAIT_GROUP, "baton_group_resource_new", out);
}

int baton_role_resource_new(baton_ctx *ctx, const char *name, const baton_resource_type *rt,
                            const char *id, baton_resource **out)
{
	return typed_new(ctx, name, rt, id, BATON__TRAIT_ROLE, "baton_role_resource_new", out);
}

int baton_app_resource_new(baton_ctx *ctx, const char *name, const baton_resource_type *rt,
                           const char *id, baton_resource **out)
{
	return typed_new(ctx, name, rt, id, BATON__TRAIT_APP, "baton_app_resource_new", out);
}

int baton_secret_resource_new(baton_ctx *ctx, const char *name, const baton_resource_type *rt,
                              const char *id, baton_resource **out)
{
	return typed_new(ctx, name, rt, id, BATON__TRAIT_SECRET, "baton_secret_resource_new", out);
}

int baton_scope_binding_resource_new(baton_ctx *ctx, const char *name,
                                     const baton_resource_type *rt, const char *id,
                                     const baton_resource_id *role_id,
                                     const baton_resource_id *scope_resource_id,
                                     baton_resource **out)
{
	if (!ctx)
		return baton__null_arg("baton_scope_binding_resource_new", "ctx");
	if (!role_id)
		return baton_error_set(BATON_EINVALID, "role ID is required for scope binding trait");
	if (!scope_resource_id)
		return baton_error_set(BATON_EINVALID,
		                       "scope resource ID is required for scope binding trait");
	C1__Connector__V2__ScopeBindingTrait sb = C1__CONNECTOR__V2__SCOPE_BINDING_TRAIT__INIT;
	int rc = baton__resource_id_new(ctx, "scope binding role_id", role_id, &sb.role_id);
	if (rc < 0)
		return rc;
	rc = baton__resource_id_new(ctx, "scope binding scope_resource_id", scope_resource_id,
	                            &sb.scope_resource_id);
	if (rc < 0)
		return rc;
	baton_resource *r;
	if ((rc = baton_resource_new(ctx, name, rt, id, &r)) < 0)
		return rc;
	if ((rc = baton__annotations_update_msg(&r->annos, &sb.base)) < 0)
		return rc;
	*out = r;
	return BATON_OK;
}

/* ---- setters ---- */

int baton_resource_set_parent(baton_resource *r, const baton_resource_id *parent)
{
	if (!r)
		return baton__null_arg("baton_resource_set_parent", "r");
	if (!parent) {
		r->msg->parent_resource_id = NULL;
		return BATON_OK;
	}
	C1__Connector__V2__ResourceId *rid = NULL;
	int rc = baton__resource_id_new(r->ctx, "parent resource id", parent, &rid);
	if (rc < 0)
		return rc;
	r->msg->parent_resource_id = rid;
	return BATON_OK;
}

int baton_resource_set_display_name(baton_resource *r, const char *name)
{
	if (!r)
		return baton__null_arg("baton_resource_set_display_name", "r");
	int rc = baton__check_len("resource display_name", name, 0, 1024);
	if (rc < 0)
		return rc;
	char *copy = baton__str(r->ctx, name);
	if (!copy)
		return BATON_EEXHAUSTED;
	r->msg->display_name = copy;
	return BATON_OK;
}

int baton_resource_set_description(baton_resource *r, const char *description)
{
	if (!r)
		return baton__null_arg("baton_resource_set_description", "r");
	int rc = baton__check_len("resource description", description, 0, 2048);
	if (rc < 0)
		return rc;
	char *copy = baton__str(r->ctx, description);
	if (!copy)
		return BATON_EEXHAUSTED;
	r->msg->description = copy;
	return BATON_OK;
}

int baton_resource_set_external_id(baton_resource *r, const char *id, const char *link,
                                   const char *description)
{
	if (!r)
		return baton__null_arg("baton_resource_set_external_id", "r");
	C1__Connector__V2__ExternalId *ext = baton_arena_alloc(&r->ctx->arena, sizeof(*ext));
	if (!ext)
		return baton__error_oom("external id");
	c1__connector__v2__external_id__init(ext);
	if (!(ext->id = baton__str(r->ctx, id)) || !(ext->link = baton__str(r->ctx, link)) ||
	    !(ext->description = baton__str(r->ctx, description)))
		return BATON_EEXHAUSTED;
	r->msg->external_id = ext;
	return BATON_OK;
}

int baton_resource_set_profile_json(baton_resource *r, const char *json_object)
{
	if (!r)
		return baton__null_arg("baton_resource_set_profile_json", "r");
	Google__Protobuf__Struct *s;
	int rc = baton__profile_new(r->ctx, "resource profile", json_object, &s);
	if (rc < 0)
		return rc;
	r->msg->profile = s;
	r->own_profile = true;
	return BATON_OK;
}

int baton_resource_set_icon(baton_resource *r, const char *asset_id)
{
	if (!r)
		return baton__null_arg("baton_resource_set_icon", "r");
	C1__Connector__V2__AssetRef *ref;
	int rc = baton__asset_ref_new(r->ctx, "resource icon id", asset_id, &ref);
	if (rc < 0)
		return rc;
	r->msg->icon = ref;
	r->own_icon = true;
	return BATON_OK;
}

int baton__status_check(const char *what, int status, const char *details)
{
	if (status < BATON_STATUS_UNSPECIFIED || status > BATON_STATUS_DELETED)
		return baton_error_set(BATON_EINVALID, "%s: status %d is not defined", what, status);
	char buf[128];
	snprintf(buf, sizeof buf, "%s details", what);
	return baton__check_len(buf, details, 0, 1024);
}

int baton_resource_set_status(baton_resource *r, baton_status status, const char *details)
{
	if (!r)
		return baton__null_arg("baton_resource_set_status", "r");
	int rc = baton__status_check("resource status", (int)status, details);
	if (rc < 0)
		return rc;
	C1__Connector__V2__Status *st = baton_arena_alloc(&r->ctx->arena, sizeof(*st));
	if (!st)
		return baton__error_oom("status");
	c1__connector__v2__status__init(st);
	st->status = (C1__Connector__V2__Status__ResourceStatus)status;
	if (!(st->details = baton__str(r->ctx, details)))
		return BATON_EEXHAUSTED;
	r->msg->status = st;
	r->own_status = true;
	return BATON_OK;
}

int baton_resource_set_created_at(baton_resource *r, baton_timestamp t)
{
	if (!r)
		return baton__null_arg("baton_resource_set_created_at", "r");
	Google__Protobuf__Timestamp *ts;
	int rc = baton__timestamp_new(r->ctx, "resource created_at", t, &ts);
	if (rc < 0)
		return rc;
	r->msg->created_at = ts;
	r->own_created_at = true;
	return BATON_OK;
}

int baton_resource_set_baton_resource(baton_resource *r, bool yes)
{
	if (!r)
		return baton__null_arg("baton_resource_set_baton_resource", "r");
	r->msg->baton_resource = yes;
	return BATON_OK;
}

static const C1__Connector__V2__Aliases *aliases_view(const baton_resource *cr)
{
	baton_resource *r = (baton_resource *)cr;
	if (r->aliases_cached && r->aliases_gen == r->annos.gen)
		return r->aliases;
	ProtobufCMessage *m = NULL;
	int rc = baton__annotations_pick(&r->annos, &c1__connector__v2__aliases__descriptor, &m);
	r->aliases = rc == 1 ? (C1__Connector__V2__Aliases *)m : NULL;
	r->aliases_gen = r->annos.gen;
	r->aliases_cached = rc >= 0;
	return r->aliases;
}

int baton_resource_add_aliases(baton_resource *r, const char *const *ids, size_t n)
{
	if (!r)
		return baton__null_arg("baton_resource_add_aliases", "r");
	if (n == 0 || !ids)
		return baton_error_set(BATON_EINVALID, "aliases: at least one alias is required");
	for (size_t i = 0; i < n; i++) {
		if (!ids[i] || !*ids[i])
			return baton_error_set(BATON_EINVALID, "aliases: alias %zu is empty", i);
		if (strlen(ids[i]) > 256)
			return baton_error_set(BATON_EINVALID,
			                       "aliases: alias %zu must be 1..256 bytes (got %zu)", i,
			                       strlen(ids[i]));
	}
	ProtobufCMessage *m = NULL;
	int rc = baton__annotations_pick(&r->annos, &c1__connector__v2__aliases__descriptor, &m);
	if (rc < 0)
		return rc;
	const C1__Connector__V2__Aliases *old = rc == 1 ? (C1__Connector__V2__Aliases *)m : NULL;
	size_t n_old = old ? old->n_ids : 0;
	char **ids_out = baton_arena_alloc(&r->ctx->arena, (n_old + n) * sizeof(*ids_out));
	if (!ids_out)
		return baton__error_oom("aliases");
	size_t count = 0;
	for (size_t i = 0; i < n_old + n; i++) {
		const char *id = i < n_old ? old->ids[i] : ids[i - n_old];
		bool dup = false;
		for (size_t j = 0; j < count && !dup; j++)
			dup = strcmp(ids_out[j], id) == 0;
		if (!dup)
			ids_out[count++] = (char *)id;
	}
	if (count > 100)
		return baton_error_set(BATON_EINVALID, "aliases: at most 100 aliases (got %zu)", count);
	for (size_t i = 0; i < count; i++) {
		if (!(ids_out[i] = baton__str(r->ctx, ids_out[i])))
			return BATON_EEXHAUSTED;
	}
	C1__Connector__V2__Aliases al = C1__CONNECTOR__V2__ALIASES__INIT;
	al.n_ids = count;
	al.ids = ids_out;
	return baton__annotations_update_msg(&r->annos, &al.base);
}

int baton_resource_set_nhi_type(baton_resource *r, baton_nhi_type type, const char *detail)
{
	if (!r)
		return baton__null_arg("baton_resource_set_nhi_type", "r");
	if ((int)type < 0 || type > BATON_NHI_TYPE_MANAGED_IDENTITY)
		return baton_error_set(BATON_EINVALID, "nhi_type %d is not defined", (int)type);
	int rc = baton__check_len("nhi_detail", detail, 0, 1024);
	if (rc < 0)
		return rc;
	C1__Connector__V2__NonHumanIdentityTrait nhi = C1__CONNECTOR__V2__NON_HUMAN_IDENTITY_TRAIT__INIT;
	nhi.nhi_type = (C1__Connector__V2__NonHumanIdentityTrait__NhiType)type;
	if (detail)
		nhi.nhi_detail = (char *)detail;
	return baton__annotations_update_msg(&r->annos, &nhi.base);
}

baton_annotations *baton_resource_annotations(baton_resource *r)
{
	return r ? &r->annos : NULL;
}

/* ---- readers ---- */

baton_resource_id baton_resource_get_id(const baton_resource *r)
{
	baton_resource_id id = {"", ""};
	if (r && r->msg->id) {
		id.resource_type = str_or_empty(r->msg->id->resource_type);
		id.resource = str_or_empty(r->msg->id->resource);
	}
	return id;
}

bool baton_resource_get_parent(const baton_resource *r, baton_resource_id *parent)
{
	if (!r || !r->msg->parent_resource_id)
		return false;
	if (parent) {
		parent->resource_type = str_or_empty(r->msg->parent_resource_id->resource_type);
		parent->resource = str_or_empty(r->msg->parent_resource_id->resource);
	}
	return true;
}

const char *baton_resource_display_name(const baton_resource *r)
{
	return r ? str_or_empty(r->msg->display_name) : "";
}

const char *baton_resource_description(const baton_resource *r)
{
	return r ? str_or_empty(r->msg->description) : "";
}

bool baton_resource_is_baton_resource(const baton_resource *r)
{
	return r && r->msg->baton_resource;
}

/* The trait message of that kind: the live view when bound, else the first annotation's
 * decoded copy; NULL when absent or undecodable. */
static const ProtobufCMessage *trait_view(const baton_resource *cr,
                                          const ProtobufCMessageDescriptor *desc)
{
	baton_resource *r = (baton_resource *)cr;
	for (int k = 0; k < BATON__TRAIT_KINDS; k++) {
		if (r->traits[k] && r->traits[k]->bound && r->traits[k]->msg->descriptor == desc)
			return r->traits[k]->msg;
	}
	ProtobufCMessage *m = NULL;
	if (baton__annotations_pick(&r->annos, desc, &m) != 1)
		return NULL;
	return m;
}

#define VIEW(type, desc) ((const type *)trait_view(r, &(desc)))

static void sync(const baton_resource *r)
{
	(void)baton__resource_flush((baton_resource *)r);
}

baton_status baton_resource_status(const baton_resource *r, const char **details)
{
	if (details)
		*details = "";
	if (!r)
		return BATON_STATUS_UNSPECIFIED;
	sync(r);
	if (r->msg->status) {
		if (details)
			*details = str_or_empty(r->msg->status->details);
		return (baton_status)r->msg->status->status;
	}
	const C1__Connector__V2__UserTrait *ut =
		VIEW(C1__Connector__V2__UserTrait, c1__connector__v2__user_trait__descriptor);
	if (ut && ut->status) {
		if (details)
			*details = str_or_empty(ut->status->details);
		return (baton_status)ut->status->status;
	}
	const C1__Connector__V2__AgentTrait *ag =
		VIEW(C1__Connector__V2__AgentTrait, c1__connector__v2__agent_trait__descriptor);
	if (ag && ag->status != C1__CONNECTOR__V2__AGENT_TRAIT__AGENT_STATUS__AGENT_STATUS_UNSPECIFIED)
		return (baton_status)ag->status;
	return BATON_STATUS_UNSPECIFIED;
}

const char *baton_resource_icon(const baton_resource *r)
{
	if (!r)
		return "";
	sync(r);
	if (r->msg->icon)
		return str_or_empty(r->msg->icon->id);
	const C1__Connector__V2__UserTrait *ut =
		VIEW(C1__Connector__V2__UserTrait, c1__connector__v2__user_trait__descriptor);
	if (ut && ut->icon)
		return str_or_empty(ut->icon->id);
	const C1__Connector__V2__GroupTrait *gt =
		VIEW(C1__Connector__V2__GroupTrait, c1__connector__v2__group_trait__descriptor);
	if (gt && gt->icon)
		return str_or_empty(gt->icon->id);
	const C1__Connector__V2__AppTrait *at =
		VIEW(C1__Connector__V2__AppTrait, c1__connector__v2__app_trait__descriptor);
	if (at && at->icon)
		return str_or_empty(at->icon->id);
	return "";
}

bool baton_resource_created_at(const baton_resource *r, baton_timestamp *t)
{
	if (!r)
		return false;
	sync(r);
	const Google__Protobuf__Timestamp *ts = r->msg->created_at;
	if (!ts) {
		const C1__Connector__V2__UserTrait *ut =
			VIEW(C1__Connector__V2__UserTrait, c1__connector__v2__user_trait__descriptor);
		if (ut && ut->created_at)
			ts = ut->created_at;
	}
	if (!ts) {
		const C1__Connector__V2__SecretTrait *st =
			VIEW(C1__Connector__V2__SecretTrait, c1__connector__v2__secret_trait__descriptor);
		if (st && st->created_at)
			ts = st->created_at;
	}
	if (!ts)
		return false;
	if (t) {
		t->seconds = ts->seconds;
		t->nanos = ts->nanos;
	}
	return true;
}

static const Google__Protobuf__Struct *profile_of(const baton_resource *r)
{
	sync(r);
	if (r->msg->profile)
		return r->msg->profile;
	const C1__Connector__V2__UserTrait *ut =
		VIEW(C1__Connector__V2__UserTrait, c1__connector__v2__user_trait__descriptor);
	if (ut && ut->profile)
		return ut->profile;
	const C1__Connector__V2__GroupTrait *gt =
		VIEW(C1__Connector__V2__GroupTrait, c1__connector__v2__group_trait__descriptor);
	if (gt && gt->profile)
		return gt->profile;
	const C1__Connector__V2__RoleTrait *rt =
		VIEW(C1__Connector__V2__RoleTrait, c1__connector__v2__role_trait__descriptor);
	if (rt && rt->profile)
		return rt->profile;
	const C1__Connector__V2__AppTrait *at =
		VIEW(C1__Connector__V2__AppTrait, c1__connector__v2__app_trait__descriptor);
	if (at && at->profile)
		return at->profile;
	const C1__Connector__V2__SecretTrait *st =
		VIEW(C1__Connector__V2__SecretTrait, c1__connector__v2__secret_trait__descriptor);
	if (st && st->profile)
		return st->profile;
	const C1__Connector__V2__AgentTrait *ag =
		VIEW(C1__Connector__V2__AgentTrait, c1__connector__v2__agent_trait__descriptor);
	if (ag && ag->profile)
		return ag->profile;
	return NULL;
}

int baton_resource_profile_json(const baton_resource *r, baton_ctx *ctx, char **json)
{
	if (!r || !ctx || !json)
		return baton__null_arg("baton_resource_profile_json", !r ? "r" : !ctx ? "ctx" : "json");
	const Google__Protobuf__Struct *p = profile_of(r);
	if (!p)
		return baton_error_set(BATON_ENOTFOUND, "resource has no profile");
	return baton__msg_json(ctx, &p->base, json);
}

static int profile_value(const baton_resource *r, const char *key, const Google__Protobuf__Value **v)
{
	if (!r || !key)
		return baton__null_arg("baton_resource_profile_*", !r ? "r" : "key");
	const Google__Protobuf__Struct *p = profile_of(r);
	if (p) {
		for (size_t i = 0; i < p->n_fields; i++) {
			const Google__Protobuf__Struct__FieldsEntry *e = p->fields[i];
			if (e->key && strcmp(e->key, key) == 0 && e->value) {
				*v = e->value;
				return BATON_OK;
			}
		}
	}
	return baton_error_set(BATON_ENOTFOUND, "profile has no key \"%s\"", key);
}

int baton_resource_profile_string(const baton_resource *r, const char *key, const char **value)
{
	const Google__Protobuf__Value *v = NULL;
	int rc = profile_value(r, key, &v);
	if (rc < 0)
		return rc;
	if (v->kind_case != GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE)
		return baton_error_set(BATON_EINVALID, "profile value \"%s\" is not a string", key);
	if (value)
		*value = str_or_empty(v->string_value);
	return BATON_OK;
}

int baton_resource_profile_int64(const baton_resource *r, const char *key, int64_t *value)
{
	const Google__Protobuf__Value *v = NULL;
	int rc = profile_value(r, key, &v);
	if (rc < 0)
		return rc;
	if (v->kind_case != GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE)
		return baton_error_set(BATON_EINVALID, "profile value \"%s\" is not a number", key);
	if (value) {
		double d = v->number_value;
		/* Go's int64(float64) conversion: truncation toward zero (out-of-range values are
		 * implementation-defined there; clamp here). */
		if (d != d)
			*value = 0;
		else if (d >= 9223372036854775807.0)
			*value = INT64_MAX;
		else if (d <= -9223372036854775808.0)
			*value = INT64_MIN;
		else
			*value = (int64_t)d;
	}
	return BATON_OK;
}

static const char *const trait_names[] = {
	[BATON_TRAIT_USER] = "c1.connector.v2.UserTrait",
	[BATON_TRAIT_GROUP] = "c1.connector.v2.GroupTrait",
	[BATON_TRAIT_ROLE] = "c1.connector.v2.RoleTrait",
	[BATON_TRAIT_APP] = "c1.connector.v2.AppTrait",
	[BATON_TRAIT_SECRET] = "c1.connector.v2.SecretTrait",
	[BATON_TRAIT_SECURITY_INSIGHT] = "c1.connector.v2.SecurityInsightTrait",
	[BATON_TRAIT_SCOPE_BINDING] = "c1.connector.v2.ScopeBindingTrait",
	[BATON_TRAIT_VENDOR] = "c1.connector.v2.VendorTrait",
	[BATON_TRAIT_VENDOR_AGREEMENT] = "c1.connector.v2.VendorAgreementTrait",
	[BATON_TRAIT_LICENSE_PROFILE] = "c1.connector.v2.LicenseProfileTrait",
	[BATON_TRAIT_AGENT] = "c1.connector.v2.AgentTrait",
	[BATON_TRAIT_MANAGED_DEVICE] = "c1.connector.v2.ManagedDeviceTrait",
};

bool baton_resource_has_trait(const baton_resource *r, baton_trait trait)
{
	if (!r || (int)trait <= 0 || trait > BATON_TRAIT_MANAGED_DEVICE)
		return false;
	return baton_annotations_contains(&r->annos, trait_names[trait]);
}

size_t baton_resource_alias_count(const baton_resource *r)
{
	if (!r)
		return 0;
	const C1__Connector__V2__Aliases *al = aliases_view(r);
	return al ? al->n_ids : 0;
}

const char *baton_resource_alias_at(const baton_resource *r, size_t i)
{
	if (!r)
		return NULL;
	const C1__Connector__V2__Aliases *al = aliases_view(r);
	if (!al || i >= al->n_ids)
		return NULL;
	return str_or_empty(al->ids[i]);
}

/* ---- serialization ---- */

int baton_resource_pack(baton_resource *r, baton_ctx *ctx, const uint8_t **data, size_t *len)
{
	if (!r || !ctx || !data || !len)
		return baton__null_arg("baton_resource_pack", !r ? "r" : !ctx ? "ctx" : "data/len");
	int rc = baton__resource_flush(r);
	if (rc < 0)
		return rc;
	return baton__msg_pack(ctx, &r->msg->base, data, len);
}

int baton_resource_unpack(baton_ctx *ctx, const uint8_t *data, size_t len, baton_resource **out)
{
	if (!ctx || !out || (!data && len))
		return baton__null_arg("baton_resource_unpack", !ctx ? "ctx" : !out ? "out" : "data");
	ProtobufCMessage *msg;
	int rc = baton__pb_unpack(&ctx->arena, &c1__connector__v2__resource__descriptor, data, len, &msg);
	if (rc < 0)
		return rc;
	return baton__resource_wrap(ctx, (C1__Connector__V2__Resource *)msg, out);
}

int baton_resource_to_json(baton_resource *r, baton_ctx *ctx, char **json)
{
	if (!r || !ctx || !json)
		return baton__null_arg("baton_resource_to_json", !r ? "r" : !ctx ? "ctx" : "json");
	int rc = baton__resource_flush(r);
	if (rc < 0)
		return rc;
	return baton__msg_json(ctx, &r->msg->base, json);
}

void baton_split_full_name(baton_ctx *ctx, const char *name, const char **first, const char **last)
{
	const char *f = "", *l = "";
	if (ctx && name) {
		const char *sp = strchr(name, ' ');
		if (sp) {
			f = baton_ctx_strndup(ctx, name, (size_t)(sp - name));
			l = baton_ctx_strdup(ctx, sp + 1);
		} else {
			f = baton_ctx_strdup(ctx, name);
		}
		if (!f)
			f = "";
		if (!l)
			l = "";
	}
	if (first)
		*first = f;
	if (last)
		*last = l;
}
