/*
 * libbaton: grants (the C counterpart of the Go SDK's pkg/types/grant).
 *
 * A grant says that a principal holds an entitlement. Its id is exactly
 * "<entitlement id>:<principal type>:<principal id>", i.e. "rtype:rid:name:ptype:pid", with no
 * escaping. As in the Go SDK, the grant's entitlement is a stub {id, resource} and the principal
 * is a resource holding only its id, unless a whole principal resource is given.
 *
 * Ownership and lifetimes as in resource.h.
 */
#ifndef BATON_GRANT_H
#define BATON_GRANT_H

#include "common.h"
#include "ctx.h"
#include "annotations.h"
#include "resource.h"
#include "entitlement.h"

BATON_BEGIN_DECLS

typedef struct baton_grant baton_grant;

/*
 * Builds a grant of entitlement `entitlement_name` on `resource` to `principal` (Go: NewGrant
 * with a *ResourceId). *out belongs to ctx.
 */
BATON_API int baton_grant_new(baton_ctx *ctx, const baton_resource *resource,
                              const char *entitlement_name, const baton_resource_id *principal,
                              baton_grant **out);
/* Same, embedding a whole principal resource (Go: NewGrant with a *Resource). */
BATON_API int baton_grant_new_with_principal(baton_ctx *ctx, const baton_resource *resource,
                                             const char *entitlement_name,
                                             const baton_resource *principal, baton_grant **out);
/* A grant of an existing entitlement, embedded as it is (Go: NewGrantID for the id). */
BATON_API int baton_grant_new_for_entitlement(baton_ctx *ctx, const baton_entitlement *entitlement,
                                              const baton_resource_id *principal, baton_grant **out);

/* "<entitlement id>:<ptype>:<pid>" allocated in ctx (NULL, last error set, when memory is short). */
BATON_API char *baton_grant_id_format(baton_ctx *ctx, const char *entitlement_id,
                                      const baton_resource_id *principal);

/*
 * Appends GrantExpandable{entitlement_ids, shallow, resource_type_ids}: the principal's own
 * grants of those entitlements flow into this grant's entitlement during grant expansion.
 * At least one entitlement id (BATON_EINVALID otherwise); rt_ids may be NULL when n_rt is 0.
 */
BATON_API int baton_grant_set_expandable(baton_grant *g, const char *const *entitlement_ids,
                                         size_t n, bool shallow, const char *const *resource_type_ids,
                                         size_t n_rt);
/* Appends GrantImmutable{source_id, metadata}; either may be NULL. */
BATON_API int baton_grant_set_immutable(baton_grant *g, const char *source_id, const char *metadata_json);
/* Update with GrantMetadata{metadata} from a JSON object. */
BATON_API int baton_grant_set_metadata_json(baton_grant *g, const char *json_object);
/* Adds (or updates) a source: entitlement id -> {is_direct}. Serialized sorted by key. */
BATON_API int baton_grant_add_source(baton_grant *g, const char *entitlement_id, bool is_direct);
BATON_API baton_annotations *baton_grant_annotations(baton_grant *g);

/* Readers: borrowed, valid as long as g; "" for unset strings. */
BATON_API const char *baton_grant_id(const baton_grant *g);
BATON_API const char *baton_grant_entitlement_id(const baton_grant *g);
/* The entitlement's resource id (empty strings when absent). */
BATON_API baton_resource_id baton_grant_resource_id(const baton_grant *g);
BATON_API baton_resource_id baton_grant_principal_id(const baton_grant *g);
/* The embedded entitlement / principal (borrowed; NULL when absent). */
BATON_API baton_entitlement *baton_grant_entitlement(const baton_grant *g);
BATON_API baton_resource *baton_grant_principal(const baton_grant *g);
BATON_API size_t baton_grant_source_count(const baton_grant *g);
/* Source i in key order: its entitlement id, and *is_direct (may be NULL). */
BATON_API const char *baton_grant_source_at(const baton_grant *g, size_t i, bool *is_direct);
/*
 * Direct or inherited. A grant the connector emitted has no sources: it is direct. Grant
 * expansion (a team inside a team, a group holding a role) writes grants the connector never
 * emitted: their sources name the entitlements they came through, and not the grant's own
 * entitlement. A grant that is both direct and inherited lists its own entitlement among its
 * sources (as the Go SDK's expander records it). So:
 *  - baton_grant_is_direct(): true when the grant has no sources, or when its own entitlement id
 *    (baton_grant_entitlement_id) is one of them: the principal holds the entitlement itself.
 *  - baton_grant_inherited_from(): the first source entitlement id, in key order, that is not the
 *    grant's own entitlement (borrowed, valid as long as g); NULL when there is none, i.e. the grant
 *    is not inherited. A grant can be both (direct, and also inherited through a team).
 * A revoke callback uses them to tell what it is asked to take away: see docs/callbacks/revoke.md.
 * A NULL grant is not direct and not inherited (false / NULL, last error set to BATON_EINVALID).
 */
BATON_API bool baton_grant_is_direct(const baton_grant *g);
BATON_API const char *baton_grant_inherited_from(const baton_grant *g);
/*
 * The first GrantExpandable annotation: entitlement ids and resource type ids as arrays allocated
 * in ctx (any out pointer may be NULL). BATON_ENOTFOUND when the grant has none.
 */
BATON_API int baton_grant_expandable(const baton_grant *g, baton_ctx *ctx,
                                     const char *const **entitlement_ids, size_t *n, bool *shallow,
                                     const char *const **resource_type_ids, size_t *n_rt);

/* Serialization (c1.connector.v2.Grant), as for resources. */
BATON_API int baton_grant_pack(baton_grant *g, baton_ctx *ctx, const uint8_t **data, size_t *len);
BATON_API int baton_grant_unpack(baton_ctx *ctx, const uint8_t *data, size_t len, baton_grant **out);
BATON_API int baton_grant_to_json(baton_grant *g, baton_ctx *ctx, char **json);

BATON_END_DECLS

#endif /* BATON_GRANT_H */
