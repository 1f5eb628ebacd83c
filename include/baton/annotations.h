/*
 * libbaton: annotations.
 *
 * Resource types, resources, entitlements and grants each carry an ordered list of annotations:
 * protobuf messages packed as google.protobuf.Any with the type URL
 * "type.googleapis.com/<full message name>" (e.g. "type.googleapis.com/c1.connector.v2.UserTrait").
 * The list belongs to its object (and so to that object's context); an author gets it with
 * baton_<object>_annotations() and never frees it.
 *
 * Any message of the c1.connector.v2 schema (and the well-known types) can be attached through
 * its protojson form, e.g.
 *     baton_annotations_append_json(a, "c1.connector.v2.ChildResourceType",
 *                                   "{\"resourceTypeId\": \"group\"}");
 * and read back the same way, without ever seeing a generated protobuf type. The most common
 * annotations have typed helpers below.
 *
 * Semantics follow the Go SDK's pkg/annotations: append always adds at the end; update replaces,
 * in place, every entry of that type, or appends when there is none; pick reads the first entry
 * of a type.
 */
#ifndef BATON_ANNOTATIONS_H
#define BATON_ANNOTATIONS_H

#include "common.h"
#include "ctx.h"

BATON_BEGIN_DECLS

typedef struct baton_annotations baton_annotations;

/* Number of entries. */
BATON_API size_t baton_annotations_count(const baton_annotations *a);

/*
 * Full message name of entry i (e.g. "c1.connector.v2.GrantExpandable"), borrowed; NULL when i is
 * out of range.
 */
BATON_API const char *baton_annotations_type_at(const baton_annotations *a, size_t i);

/*
 * The packed bytes of entry i (the Any's value), borrowed from the list. Returns BATON_ERANGE when
 * i is out of range.
 */
BATON_API int baton_annotations_bytes_at(const baton_annotations *a, size_t i,
                                         const uint8_t **data, size_t *len);

/* Whether an entry of that message type exists. */
BATON_API bool baton_annotations_contains(const baton_annotations *a, const char *message_name);

/*
 * Index of the first entry of that message type in *index. Returns BATON_ENOTFOUND when there
 * is none.
 */
BATON_API int baton_annotations_find(const baton_annotations *a, const char *message_name,
                                     size_t *index);

/*
 * Entry i as protojson (the message's own fields, not the Any wrapper), allocated in `ctx`.
 * Returns BATON_ERANGE for a bad index, BATON_EUNIMPLEMENTED when the message type is not in the
 * SDK's schema, BATON_EDATALOSS when the bytes do not decode.
 */
BATON_API int baton_annotations_json_at(const baton_annotations *a, size_t i, baton_ctx *ctx,
                                        char **json);

/* The first entry of that type as protojson (see above); BATON_ENOTFOUND when there is none. */
BATON_API int baton_annotations_pick_json(const baton_annotations *a, const char *message_name,
                                          baton_ctx *ctx, char **json);

/*
 * Appends a message given as protojson. `message_name` is a full name known to the SDK's schema
 * ("c1.connector.v2.SkipGrants"); the JSON is checked against it: an unknown field, a wrong type
 * or invalid JSON gives BATON_EINVALID with a message naming the problem. The JSON is copied.
 */
BATON_API int baton_annotations_append_json(baton_annotations *a, const char *message_name,
                                            const char *json);

/* Replaces every entry of that type with this one (in place of the first), or appends. */
BATON_API int baton_annotations_update_json(baton_annotations *a, const char *message_name,
                                            const char *json);

/*
 * Appends an already-packed message (Go: Merge), without checking it. `type` is either a full
 * message name or a type URL. The bytes are copied.
 */
BATON_API int baton_annotations_append_bytes(baton_annotations *a, const char *type,
                                             const uint8_t *data, size_t len);

/* Removes every entry of that type; returns how many were removed (>= 0). */
BATON_API int baton_annotations_remove(baton_annotations *a, const char *message_name);

/* Typed helpers for the annotations that change what the SDK does. */

/* Appends ChildResourceType{resource_type_id}: resources of this type have children of that type. */
BATON_API int baton_annotations_add_child_resource_type(baton_annotations *a,
                                                        const char *resource_type_id);
/* Update with SkipEntitlementsAndGrants{}: the syncer lists neither for this resource/type. */
BATON_API int baton_annotations_set_skip_entitlements_and_grants(baton_annotations *a);
/* Update with SkipGrants{}. */
BATON_API int baton_annotations_set_skip_grants(baton_annotations *a);
/* Update with SkipEntitlements{}. */
BATON_API int baton_annotations_set_skip_entitlements(baton_annotations *a);
/* Update with ExternalLink{url}; the URL must start with https:// and be at most 1024 bytes. */
BATON_API int baton_annotations_set_external_link(baton_annotations *a, const char *url);
/* Update with RawId{id}. */
BATON_API int baton_annotations_set_raw_id(baton_annotations *a, const char *id);

/* RateLimitDescription.status */
typedef enum baton_ratelimit_status {
	BATON_RATELIMIT_UNSPECIFIED = 0,
	BATON_RATELIMIT_OK = 1,
	BATON_RATELIMIT_OVERLIMIT = 2,
	BATON_RATELIMIT_ERROR = 3
} baton_ratelimit_status;

/* Update with RateLimitDescription; `reset_at` may be NULL (unset). */
BATON_API int baton_annotations_set_rate_limit(baton_annotations *a, baton_ratelimit_status status,
                                               int64_t limit, int64_t remaining,
                                               const baton_timestamp *reset_at);

/*
 * Provisioning side effects (Go's resource.AppendResourceDeleted and grant.AppendGrantReplaced),
 * appended to a grant or revoke response's annotations (baton_ctx_annotations()):
 *  - ResourceDeleted: the call deleted resource `id` in the downstream system as a side effect;
 *  - GrantReplaced: the new grant replaced the grant `replaced_grant_id` (1..1024 bytes).
 * 0, BATON_EINVALID for a missing or bad id.
 */
BATON_API int baton_annotations_append_resource_deleted(baton_annotations *a, const baton_resource_id *id);
BATON_API int baton_annotations_append_grant_replaced(baton_annotations *a, const char *replaced_grant_id);

BATON_END_DECLS

#endif /* BATON_ANNOTATIONS_H */
