/*
 * libbaton: entitlements (the C counterpart of the Go SDK's pkg/types/entitlement).
 *
 * An entitlement is something a principal can hold on a resource: membership of a group,
 * assignment of a role, a permission on an app. Its id is exactly
 * "<resource type id>:<resource id>:<name>" (no escaping, byte-identical to the Go SDK, because
 * ConductorOne keys configuration on these ids). The entitlement embeds its whole resource.
 *
 * Ownership and lifetimes as in resource.h: built with a context, owned by it; the resource given
 * to a builder is referenced and must live at least as long as the entitlement.
 */
#ifndef BATON_ENTITLEMENT_H
#define BATON_ENTITLEMENT_H

#include "common.h"
#include "ctx.h"
#include "annotations.h"
#include "resource.h"

BATON_BEGIN_DECLS

typedef struct baton_entitlement baton_entitlement;

/* Entitlement.PurposeValue */
typedef enum baton_entitlement_purpose {
	BATON_PURPOSE_UNSPECIFIED = 0,
	BATON_PURPOSE_ASSIGNMENT = 1,
	BATON_PURPOSE_PERMISSION = 2,
	BATON_PURPOSE_OWNERSHIP = 3
} baton_entitlement_purpose;

/*
 * Builds an entitlement `name` on `resource`: id "<rtype>:<rid>:<name>", display name and slug =
 * name, the given purpose. *out belongs to ctx.
 */
BATON_API int baton_entitlement_new(baton_ctx *ctx, const baton_resource *resource, const char *name,
                                    baton_entitlement_purpose purpose, baton_entitlement **out);
/* Shorthands for the three purposes (Go: NewAssignmentEntitlement and friends). */
BATON_API int baton_assignment_entitlement_new(baton_ctx *ctx, const baton_resource *resource,
                                               const char *name, baton_entitlement **out);
BATON_API int baton_permission_entitlement_new(baton_ctx *ctx, const baton_resource *resource,
                                               const char *name, baton_entitlement **out);
BATON_API int baton_ownership_entitlement_new(baton_ctx *ctx, const baton_resource *resource,
                                              const char *name, baton_entitlement **out);
/* "assignment", "permission", "ownership" -> the purpose; anything else -> UNSPECIFIED (as Go). */
BATON_API baton_entitlement_purpose baton_entitlement_purpose_from_string(const char *s);

/*
 * The entitlement id for a resource id and a name, allocated in ctx: "<rtype>:<rid>:<name>".
 * NULL (last error set) when memory is short.
 */
BATON_API char *baton_entitlement_id_format(baton_ctx *ctx, const baton_resource_id *resource,
                                            const char *name);

/* Setters (Go's entitlement options). */
BATON_API int baton_entitlement_set_display_name(baton_entitlement *e, const char *name);
/* At most 2048 bytes; NULL or "" clears. */
BATON_API int baton_entitlement_set_description(baton_entitlement *e, const char *description);
BATON_API int baton_entitlement_set_slug(baton_entitlement *e, const char *slug);
BATON_API int baton_entitlement_set_purpose(baton_entitlement *e, baton_entitlement_purpose purpose);
/* Replaces the grantable-to list with these resource types (embedded whole, as Go). */
BATON_API int baton_entitlement_set_grantable_to(baton_entitlement *e,
                                                 const baton_resource_type *const *types, size_t n);
/*
 * Same, naming the resource types by id (what a callback usually has at hand). Inside a connector
 * callback, an id that names one of the connector's resource types embeds that whole type, exactly
 * as baton_entitlement_set_grantable_to() with the type object would; any other id (or outside a
 * callback) embeds a type holding only its id. `ids` may be NULL when n is 0 (clears the list). A
 * NULL or empty id, or one longer than 1024 bytes, gives BATON_EINVALID and leaves e unchanged;
 * BATON_EEXHAUSTED when memory is short. The ids are copied.
 */
BATON_API int baton_entitlement_set_grantable_to_ids(baton_entitlement *e, const char *const *ids,
                                                     size_t n);
/*
 * EntitlementExclusionGroup{exclusion_group_id, order, is_default} (Go: WithExclusionGroup*).
 * An entitlement has at most one: this replaces any earlier one.
 */
BATON_API int baton_entitlement_set_exclusion_group(baton_entitlement *e, const char *group_id,
                                                    uint32_t order, bool is_default);
/* EntitlementImmutable{source_id, metadata}; metadata_json is a JSON object or NULL. */
BATON_API int baton_entitlement_set_immutable(baton_entitlement *e, const char *source_id,
                                              const char *metadata_json);
BATON_API baton_annotations *baton_entitlement_annotations(baton_entitlement *e);

/* Readers: borrowed, valid as long as e; "" for unset strings. */
BATON_API const char *baton_entitlement_id(const baton_entitlement *e);
BATON_API const char *baton_entitlement_display_name(const baton_entitlement *e);
BATON_API const char *baton_entitlement_description(const baton_entitlement *e);
BATON_API const char *baton_entitlement_slug(const baton_entitlement *e);
BATON_API baton_entitlement_purpose baton_entitlement_purpose_of(const baton_entitlement *e);
/*
 * The name the entitlement was built with (the `name` of baton_entitlement_new, e.g. "member"):
 * its id after "<resource type id>:<resource id>:". This is what a grant callback branches on;
 * unlike the slug it does not change with baton_entitlement_set_slug(). When the id does not
 * start with its resource's "<type>:<id>:" (an entitlement built from foreign bytes), the whole
 * id. Borrowed, valid as long as e; "" for a NULL e.
 */
BATON_API const char *baton_entitlement_name(const baton_entitlement *e);
/*
 * The id of the entitlement's resource (strings borrowed from e; both "" when the entitlement
 * has no resource). In a grant callback, .resource_type is the type whose grant callback runs and
 * .resource the object to change.
 */
BATON_API baton_resource_id baton_entitlement_resource_id(const baton_entitlement *e);
/* The embedded resource (borrowed; NULL when the message has none). */
BATON_API baton_resource *baton_entitlement_resource(const baton_entitlement *e);
BATON_API size_t baton_entitlement_grantable_to_count(const baton_entitlement *e);
/* Id of the i-th grantable-to resource type. */
BATON_API const char *baton_entitlement_grantable_to_at(const baton_entitlement *e, size_t i);

/* Serialization (c1.connector.v2.Entitlement), as for resources. */
BATON_API int baton_entitlement_pack(baton_entitlement *e, baton_ctx *ctx, const uint8_t **data, size_t *len);
BATON_API int baton_entitlement_unpack(baton_ctx *ctx, const uint8_t *data, size_t len, baton_entitlement **out);
BATON_API int baton_entitlement_to_json(baton_entitlement *e, baton_ctx *ctx, char **json);

BATON_END_DECLS

#endif /* BATON_ENTITLEMENT_H */
