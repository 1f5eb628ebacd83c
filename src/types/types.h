/*
 * Internal layout of the type builders (resource types, resources, traits, entitlements,
 * grants) and the helpers they share.
 *
 * Every object lives in its context's arena and wraps the protobuf-c message it stands for; the
 * message's memory comes from the same arena, so nothing is freed one by one.
 *
 * Annotation lists are views over a message's `n_annotations`/`annotations` pair: the list
 * keeps pointers to those two fields and updates them whenever it grows, so the message is
 * always ready to be packed.
 *
 * Trait handles (user, group, role, app, secret) are live views. A handle owns the unpacked
 * trait message; setters change it and mark it dirty. baton__resource_flush() writes dirty traits
 * back into their annotation slots and recomputes the resource fields that mirror the
 * deprecated trait fields. Every path that reads the annotations or serializes the resource
 * flushes first.
 */
#ifndef BATON_TYPES_TYPES_H
#define BATON_TYPES_TYPES_H

#include <protobuf-c/protobuf-c.h>

#include "baton/annotations.h"
#include "baton/resource.h"
#include "baton/entitlement.h"
#include "baton/grant.h"
#include "core/ctx.h"
#include "google/protobuf/any.pb-c.h"
#include "google/protobuf/struct.pb-c.h"
#include "google/protobuf/timestamp.pb-c.h"
#include "c1/connector/v2/resource.pb-c.h"
#include "c1/connector/v2/entitlement.pb-c.h"
#include "c1/connector/v2/grant.pb-c.h"
#include "c1/connector/v2/annotation_trait.pb-c.h"
#include "c1/connector/v2/annotation_id_alias.pb-c.h"

struct baton_annotations {
	baton_ctx *ctx;
	size_t *n;                        /* the message's n_annotations */
	Google__Protobuf__Any ***items;   /* the message's annotations */
	size_t cap;                       /* allocated slots in *items */
	unsigned gen;                     /* bumped by every change (reader caches) */
	baton_resource *owner;            /* resource to flush before reads, or NULL */
};

/* The traits that have handles, in the order the Go readers fall back through them. */
typedef enum baton__trait_kind {
	BATON__TRAIT_USER = 0,
	BATON__TRAIT_GROUP,
	BATON__TRAIT_ROLE,
	BATON__TRAIT_APP,
	BATON__TRAIT_SECRET,
	BATON__TRAIT_KINDS
} baton__trait_kind;

typedef struct baton__trait {
	baton_resource *r;
	baton__trait_kind kind;
	ProtobufCMessage *msg;   /* the unpacked trait (arena) */
	bool dirty;              /* msg changed since it was last packed into its slot */
	bool created;            /* made by the builder (user trait defaults apply) */
	bool bound;              /* still the live view of the resource's annotation */
	/* Written through the builder (created, or changed by a setter): only then do its deprecated
	 * fields mirror onto the resource, as only Go's With*Trait mirrors. A trait that was merely
	 * read leaves a parsed resource's bytes alone. */
	bool mirrors;
} baton__trait;

struct baton_user_trait { baton__trait t; };
struct baton_group_trait { baton__trait t; };
struct baton_role_trait { baton__trait t; };
struct baton_app_trait { baton__trait t; };
struct baton_secret_trait { baton__trait t; };

struct baton_resource_type {
	baton_ctx *ctx;
	C1__Connector__V2__ResourceType *msg;
	baton_annotations annos;
};

/* The resource fields that mirror deprecated trait fields. */
enum {
	BATON__MIRROR_PROFILE,
	BATON__MIRROR_ICON,
	BATON__MIRROR_STATUS,
	BATON__MIRROR_CREATED_AT,
	BATON__MIRROR_FIELDS
};

struct baton_resource {
	baton_ctx *ctx;
	C1__Connector__V2__Resource *msg;
	baton_annotations annos;
	baton__trait *traits[BATON__TRAIT_KINDS];
	/* Fields set by the author (or present in parsed bytes): never overwritten by mirroring. */
	bool own_profile, own_icon, own_status, own_created_at;
	C1__Connector__V2__Status mirror_status; /* storage for a status mirrored from a trait */
	int mirror_src[BATON__MIRROR_FIELDS];    /* trait kind each mirrored field came from, or -1 */
	/* Cache of the unpacked Aliases annotation (valid while annos.gen == aliases_gen). */
	C1__Connector__V2__Aliases *aliases;
	unsigned aliases_gen;
	bool aliases_cached;
	bool flushing;
};

struct baton_entitlement {
	baton_ctx *ctx;
	C1__Connector__V2__Entitlement *msg;
	baton_annotations annos;
	baton_resource *resource;  /* wraps msg->resource (flushed before packing), or NULL */
};

struct baton_grant {
	baton_ctx *ctx;
	C1__Connector__V2__Grant *msg;
	baton_annotations annos;
	baton_entitlement *entitlement; /* wraps msg->entitlement */
	baton_resource *principal;      /* wraps msg->principal */
};

/* ---- annotations (annotations.c) ---- */

void baton__annotations_init(baton_annotations *a, baton_ctx *ctx, size_t *n,
                             Google__Protobuf__Any ***items, baton_resource *owner);
/* Flushes the owning resource, if any (before any read of the list). */
void baton__annotations_sync(const baton_annotations *a);
/* Index of the first entry of that type at or after `from`, or -1. */
long baton__annotations_index(const baton_annotations *a, const ProtobufCMessageDescriptor *desc,
                              size_t from);
/* Appends an already-packed entry (no copy). */
int baton__annotations_push(baton_annotations *a, Google__Protobuf__Any *any);
/* Go's Update with a packed entry: replaces every entry of its type, or appends. */
int baton__annotations_put(baton_annotations *a, const ProtobufCMessageDescriptor *desc,
                           Google__Protobuf__Any *any);
/* Packs msg and appends / updates it. */
int baton__annotations_append_msg(baton_annotations *a, const ProtobufCMessage *msg);
int baton__annotations_update_msg(baton_annotations *a, const ProtobufCMessage *msg);
/* Unpacks the first entry of that type into *out (arena memory). 1 found, 0 none, <0 error. */
int baton__annotations_pick(const baton_annotations *a, const ProtobufCMessageDescriptor *desc,
                            ProtobufCMessage **out);

/* ---- resources (resource.c) ---- */

/* Wraps a parsed (or freshly built) Resource message; fields present count as the author's. */
int baton__resource_wrap(baton_ctx *ctx, C1__Connector__V2__Resource *msg, baton_resource **out);
/* Writes dirty traits back and recomputes mirrored fields. */
int baton__resource_flush(baton_resource *r);
/* A generic annotation change touches `desc`: detach a trait handle bound to that type. */
void baton__resource_annotation_changing(baton_resource *r, const char *message_name);
/* Builds a ResourceId message from the public struct, validating both parts (field names the
 * caller for messages). */
int baton__resource_id_new(baton_ctx *ctx, const char *field, const baton_resource_id *id,
                           C1__Connector__V2__ResourceId **out);

/* ---- traits (traits.c) ---- */

const ProtobufCMessageDescriptor *baton__trait_descriptor(baton__trait_kind kind);
/*
 * The resource's trait of that kind, added when missing. A new trait normally takes its
 * annotation slot at once; with `defer_slot` (the typed constructors) it takes it at the next
 * flush instead, after the annotations the author adds meanwhile -- the order Go's
 * New<X>Resource produces, where the trait option runs after the caller's options.
 */
baton__trait *baton__trait_get(baton_resource *r, baton__trait_kind kind, bool defer_slot,
                               const char *fn);
/* Applies the user-trait defaults to a builder-made user trait. */
void baton__trait_apply_defaults(baton__trait *t);

/* ---- entitlements (entitlement.c) ---- */

int baton__entitlement_wrap(baton_ctx *ctx, C1__Connector__V2__Entitlement *msg,
                            baton_resource *resource, baton_entitlement **out);
int baton__entitlement_flush(baton_entitlement *e);

/* ---- shared helpers (resource_type.c) ---- */

/* BATON_EINVALID unless min <= strlen(s) <= max (NULL counts as ""). */
int baton__check_len(const char *what, const char *s, size_t min, size_t max);
/* The same, naming the string "<what> <part>" (part NULL: "<what>"): nothing is formatted unless
 * the length is wrong (a grant's principal id is checked per grant). */
int baton__check_len_of(const char *what, const char *part, const char *s, size_t min, size_t max);
/* Copies s into the arena; NULL or "" gives the protobuf-c empty string. NULL on OOM. */
char *baton__str(baton_ctx *ctx, const char *s);
/* "a:b:c" (or "a:b" when c is NULL) in the arena, each NULL part of a, b counting as "": the
 * ids of entitlements, grants and resource keys, without a format string (they are built once
 * per row written). NULL (error set) on OOM. */
char *baton__id_join(baton_ctx *ctx, const char *a, const char *b, const char *c);
/* A new Timestamp; BATON_EINVALID when nanos is out of range. */
int baton__timestamp_new(baton_ctx *ctx, const char *what, baton_timestamp t,
                         Google__Protobuf__Timestamp **out);
/* A new AssetRef{id} after checking 1..1024 bytes. */
int baton__asset_ref_new(baton_ctx *ctx, const char *what, const char *id,
                         C1__Connector__V2__AssetRef **out);
/* A Struct from a JSON object. */
int baton__profile_new(baton_ctx *ctx, const char *what, const char *json,
                       Google__Protobuf__Struct **out);
/* Copies an array of strings into the arena. */
int baton__strv(baton_ctx *ctx, const char *what, const char *const *v, size_t n, char ***out);
/* Checks a status enum (0..3) and its details (at most 1024 bytes). */
int baton__status_check(const char *what, int status, const char *details);
/* Pack / to_json for any message with arena output. */
int baton__msg_pack(baton_ctx *ctx, ProtobufCMessage *msg, const uint8_t **data, size_t *len);
int baton__msg_json(baton_ctx *ctx, const ProtobufCMessage *msg, char **json);
/* BATON_EINVALID naming the function when a required pointer is NULL. */
int baton__null_arg(const char *fn, const char *arg);

/* ---- validation of emitted objects (validate.c) ---- */

/* Bounds on one emitted object: annotations (at any depth) and packed size. */
#define BATON__MAX_ANNOTATIONS 1000
#define BATON__MAX_OBJECT_BYTES (4 * 1024 * 1024)

/* Offset of the first byte that is not valid UTF-8, or (size_t)-1. */
size_t baton__utf8_invalid_at(const char *s, size_t len);
/* Every string valid UTF-8 (Any annotations of known types unpacked and checked too), at most
 * BATON__MAX_ANNOTATIONS annotations and BATON__MAX_OBJECT_BYTES packed; else BATON_EINVALID
 * naming fn, what and the field. */
int baton__validate_msg(baton_ctx *ctx, const char *fn, const char *what, const ProtobufCMessage *m);
int baton__validate_resource(baton_resource *r, const char *fn);
int baton__validate_entitlement(baton_entitlement *e, const char *fn);
int baton__validate_grant(baton_grant *g, const char *fn);

/* ---- resource references (ref.c) ---- */

/* Parses a resource reference, as --sync-resources and baton_sync_options.sync_resources take it:
 * "type/id", "parentType/parentId/type/id" or the Go BID form "bid:r:[parentType/parentId/]type/id"
 * (backslash escapes). Strings are malloc'ed into out[4] (type, id, parent type, parent id; parents
 * NULL when absent). BATON_EINVALID otherwise. Used by the syncer (targeted syncs) and the CLI. */
int baton__parse_resource_ref(const char *s, char *out[4]);

#endif
