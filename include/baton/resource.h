/*
 * libbaton: resource types, resources and their traits.
 *
 * The C counterpart of the Go SDK's pkg/types/resource. Objects are built with a context and
 * belong to it: they are freed with the context (in a callback, by the SDK once it has consumed
 * the callback's results). Builders copy the strings they are given. An object that is handed to
 * another builder (a resource type to a resource, a resource to an entitlement or grant) is
 * referenced, not copied: it must live at least as long as the object built from it, which is
 * always true when both come from the same context.
 *
 * Options are setters applied after construction. A setter returns 0, or BATON_EINVALID when the
 * value breaks a rule of the schema (the rule is named in baton_error_last()), or
 * BATON_EEXHAUSTED when memory is short; the object is unchanged on failure.
 *
 * Traits (user, group, role, app, secret, ...) are annotations on the resource. A trait handle
 * (baton_user_trait *, ...) is a live view of that annotation: setters on it change the resource,
 * and the annotation's bytes are refreshed whenever the resource is read, packed or emitted.
 * As in the Go SDK, the deprecated trait fields that also exist on the resource (status, profile,
 * icon, created_at) are mirrored to the resource where the resource's own field was not set.
 */
#ifndef BATON_RESOURCE_H
#define BATON_RESOURCE_H

#include "common.h"
#include "ctx.h"
#include "annotations.h"

BATON_BEGIN_DECLS

/* ResourceType.Trait */
typedef enum baton_trait {
	BATON_TRAIT_UNSPECIFIED = 0,
	BATON_TRAIT_USER = 1,
	BATON_TRAIT_GROUP = 2,
	BATON_TRAIT_ROLE = 3,
	BATON_TRAIT_APP = 4,
	BATON_TRAIT_SECRET = 5,
	BATON_TRAIT_SECURITY_INSIGHT = 6,
	BATON_TRAIT_SCOPE_BINDING = 7,
	BATON_TRAIT_VENDOR = 8,
	BATON_TRAIT_VENDOR_AGREEMENT = 9,
	BATON_TRAIT_LICENSE_PROFILE = 10,
	BATON_TRAIT_AGENT = 11,
	BATON_TRAIT_MANAGED_DEVICE = 12
} baton_trait;

/* ------------------------------------------------------------------------------------------ */
/* Resource types                                                                              */

typedef struct baton_resource_type baton_resource_type;

/*
 * Builds a resource type named `name` (its display name). The id is derived as the Go SDK does:
 * the name lowercased (ASCII), with every space replaced by '-' ("Service Account" ->
 * "service-account"). `traits` may be NULL when n_traits is 0. Duplicate or undefined traits give
 * BATON_EINVALID. *out belongs to ctx.
 */
BATON_API int baton_resource_type_new(baton_ctx *ctx, const char *name, const baton_trait *traits,
                                      size_t n_traits, baton_resource_type **out);

/* Overrides the derived id (1..1024 bytes). */
BATON_API int baton_resource_type_set_id(baton_resource_type *rt, const char *id);
/* Description, at most 4096 bytes; NULL or "" clears it. */
BATON_API int baton_resource_type_set_description(baton_resource_type *rt, const char *description);
BATON_API int baton_resource_type_set_sourced_externally(baton_resource_type *rt, bool yes);
/* The type's annotations (borrowed; owned by rt). */
BATON_API baton_annotations *baton_resource_type_annotations(baton_resource_type *rt);

/* Readers: borrowed strings, valid as long as rt; "" for unset strings. */
BATON_API const char *baton_resource_type_id(const baton_resource_type *rt);
BATON_API const char *baton_resource_type_display_name(const baton_resource_type *rt);
BATON_API const char *baton_resource_type_description(const baton_resource_type *rt);
BATON_API bool baton_resource_type_sourced_externally(const baton_resource_type *rt);
BATON_API size_t baton_resource_type_trait_count(const baton_resource_type *rt);
BATON_API baton_trait baton_resource_type_trait_at(const baton_resource_type *rt, size_t i);
BATON_API bool baton_resource_type_has_trait(const baton_resource_type *rt, baton_trait trait);

/*
 * Serializes to protobuf wire bytes (c1.connector.v2.ResourceType), deterministically. *data is
 * allocated in `ctx`.
 */
BATON_API int baton_resource_type_pack(baton_resource_type *rt, baton_ctx *ctx,
                                       const uint8_t **data, size_t *len);
/* Parses wire bytes into a new object owned by ctx. Malformed bytes give BATON_EDATALOSS. */
BATON_API int baton_resource_type_unpack(baton_ctx *ctx, const uint8_t *data, size_t len,
                                         baton_resource_type **out);
/* protojson of the message (as Go's protojson.Marshal), allocated in ctx. */
BATON_API int baton_resource_type_to_json(baton_resource_type *rt, baton_ctx *ctx, char **json);

/* ------------------------------------------------------------------------------------------ */
/* Resources                                                                                   */

typedef struct baton_resource baton_resource;

/* Resource.Status.status and UserTrait.Status.status share these numbers. */
typedef enum baton_status {
	BATON_STATUS_UNSPECIFIED = 0,
	BATON_STATUS_ENABLED = 1,
	BATON_STATUS_DISABLED = 2,
	BATON_STATUS_DELETED = 3
} baton_status;

/*
 * Builds a resource of type `rt` with display name `name` and object id `id` (1..1024 bytes).
 * *out belongs to ctx.
 */
BATON_API int baton_resource_new(baton_ctx *ctx, const char *name, const baton_resource_type *rt,
                                 const char *id, baton_resource **out);
/* Same, with an integer object id written in decimal (as the Go SDK's int ids). */
BATON_API int baton_resource_new_int(baton_ctx *ctx, const char *name, const baton_resource_type *rt,
                                     int64_t id, baton_resource **out);
/* Same, when only the ids are at hand (no resource type object). */
BATON_API int baton_resource_new_with_id(baton_ctx *ctx, const char *name,
                                         const baton_resource_id *id, baton_resource **out);

/*
 * Typed constructors: a resource plus its trait annotation, as NewUserResource and friends. The
 * user trait starts with the Go defaults: status ENABLED and account type HUMAN.
 */
BATON_API int baton_user_resource_new(baton_ctx *ctx, const char *name, const baton_resource_type *rt,
                                      const char *id, baton_resource **out);
BATON_API int baton_group_resource_new(baton_ctx *ctx, const char *name, const baton_resource_type *rt,
                                       const char *id, baton_resource **out);
BATON_API int baton_role_resource_new(baton_ctx *ctx, const char *name, const baton_resource_type *rt,
                                      const char *id, baton_resource **out);
BATON_API int baton_app_resource_new(baton_ctx *ctx, const char *name, const baton_resource_type *rt,
                                     const char *id, baton_resource **out);
BATON_API int baton_secret_resource_new(baton_ctx *ctx, const char *name, const baton_resource_type *rt,
                                        const char *id, baton_resource **out);
/* Scope binding: both ids are required (BATON_EINVALID otherwise). */
BATON_API int baton_scope_binding_resource_new(baton_ctx *ctx, const char *name,
                                               const baton_resource_type *rt, const char *id,
                                               const baton_resource_id *role_id,
                                               const baton_resource_id *scope_resource_id,
                                               baton_resource **out);

/* Setters (Go's resource options). */
/* Parent resource id; NULL clears. */
BATON_API int baton_resource_set_parent(baton_resource *r, const baton_resource_id *parent);
BATON_API int baton_resource_set_display_name(baton_resource *r, const char *name);
/* At most 2048 bytes; NULL or "" clears. */
BATON_API int baton_resource_set_description(baton_resource *r, const char *description);
/* Deprecated upstream, kept for compatibility: ExternalId{id, link, description}. */
BATON_API int baton_resource_set_external_id(baton_resource *r, const char *id, const char *link,
                                             const char *description);
/*
 * Profile from a JSON object (Go: a map converted to a google.protobuf.Struct). Numbers become
 * doubles, as in Go. Not an object, or invalid JSON: BATON_EINVALID.
 */
BATON_API int baton_resource_set_profile_json(baton_resource *r, const char *json_object);
/* Icon asset reference (AssetRef.id, 1..1024 bytes). */
BATON_API int baton_resource_set_icon(baton_resource *r, const char *asset_id);
/* Status and its details (at most 1024 bytes; NULL for none). */
BATON_API int baton_resource_set_status(baton_resource *r, baton_status status, const char *details);
BATON_API int baton_resource_set_created_at(baton_resource *r, baton_timestamp t);
BATON_API int baton_resource_set_baton_resource(baton_resource *r, bool yes);
/*
 * Adds aliases (Go: WithAliases): merged with existing ones, duplicates dropped, first-seen order
 * kept (deterministic, unlike Go's map order). n == 0 or an empty id: BATON_EINVALID. At most 100
 * aliases of 1..256 bytes each.
 */
BATON_API int baton_resource_add_aliases(baton_resource *r, const char *const *ids, size_t n);

/* NonHumanIdentityTrait.NhiType */
typedef enum baton_nhi_type {
	BATON_NHI_TYPE_UNSPECIFIED = 0,
	BATON_NHI_TYPE_APP_REGISTRATION = 1,
	BATON_NHI_TYPE_ASSUMABLE_ROLE = 2,
	BATON_NHI_TYPE_MANAGED_IDENTITY = 3
} baton_nhi_type;
/* Update with NonHumanIdentityTrait{type, detail (at most 1024 bytes, NULL for none)}. */
BATON_API int baton_resource_set_nhi_type(baton_resource *r, baton_nhi_type type, const char *detail);

/* The resource's annotations (borrowed; owned by r). */
BATON_API baton_annotations *baton_resource_annotations(baton_resource *r);

/* Readers: borrowed strings valid as long as r; "" for unset strings. */
/* The resource's id (strings borrowed from r). */
BATON_API baton_resource_id baton_resource_get_id(const baton_resource *r);
/* Fills *parent and returns true when the resource has a parent. */
BATON_API bool baton_resource_get_parent(const baton_resource *r, baton_resource_id *parent);
BATON_API const char *baton_resource_display_name(const baton_resource *r);
BATON_API const char *baton_resource_description(const baton_resource *r);
BATON_API bool baton_resource_is_baton_resource(const baton_resource *r);
/*
 * Status, icon, created_at and profile read the resource's field first and then fall back to the
 * deprecated trait fields in the order user, group, role, app, secret, agent (Go's
 * resource_attrs.go). *details may be NULL.
 */
BATON_API baton_status baton_resource_status(const baton_resource *r, const char **details);
BATON_API const char *baton_resource_icon(const baton_resource *r);
BATON_API bool baton_resource_created_at(const baton_resource *r, baton_timestamp *t);
/* The profile as a JSON object in ctx; BATON_ENOTFOUND when there is none. */
BATON_API int baton_resource_profile_json(const baton_resource *r, baton_ctx *ctx, char **json);
/*
 * One profile value: a string (BATON_ENOTFOUND when absent, BATON_EINVALID when not a string);
 * an int64 from a number (truncated, as Go's GetProfileInt64Value).
 */
BATON_API int baton_resource_profile_string(const baton_resource *r, const char *key, const char **value);
BATON_API int baton_resource_profile_int64(const baton_resource *r, const char *key, int64_t *value);
/* Whether the resource carries the annotation of that trait (e.g. a UserTrait for BATON_TRAIT_USER). */
BATON_API bool baton_resource_has_trait(const baton_resource *r, baton_trait trait);
/* Aliases (from the Aliases annotation). */
BATON_API size_t baton_resource_alias_count(const baton_resource *r);
BATON_API const char *baton_resource_alias_at(const baton_resource *r, size_t i);

/* Serialization: as for resource types. */
BATON_API int baton_resource_pack(baton_resource *r, baton_ctx *ctx, const uint8_t **data, size_t *len);
BATON_API int baton_resource_unpack(baton_ctx *ctx, const uint8_t *data, size_t len, baton_resource **out);
BATON_API int baton_resource_to_json(baton_resource *r, baton_ctx *ctx, char **json);

/* Splits "First Last..." at the first space (Go's SplitFullName); either may come back "". */
BATON_API void baton_split_full_name(baton_ctx *ctx, const char *name, const char **first,
                                     const char **last);

/* ------------------------------------------------------------------------------------------ */
/* User trait                                                                                  */

typedef struct baton_user_trait baton_user_trait;

typedef enum baton_account_type {
	BATON_ACCOUNT_TYPE_UNSPECIFIED = 0,
	BATON_ACCOUNT_TYPE_HUMAN = 1,
	BATON_ACCOUNT_TYPE_SERVICE = 2,
	BATON_ACCOUNT_TYPE_SYSTEM = 3
} baton_account_type;

/*
 * The resource's user trait, added when missing (a new one gets the Go defaults: status ENABLED,
 * account type HUMAN when left UNSPECIFIED). On success *out is a handle borrowed from r (owned by
 * r, never freed by the caller) and 0 is returned. Errors: BATON_EINVALID for a NULL argument,
 * BATON_EEXHAUSTED when memory is short, BATON_EDATALOSS when the resource carries a UserTrait
 * whose bytes do not decode; *out is then NULL and the message is in baton_error_last().
 * The same int form exists for every trait handle: baton_resource_get_group_trait(), _role_,
 * _app_, _secret_.
 */
BATON_API int baton_resource_get_user_trait(baton_resource *r, baton_user_trait **out);
/*
 * Deprecated: the pointer form of baton_resource_get_user_trait(), kept for ABI compatibility
 * (docs/ABI.md). The same trait, or NULL on failure with the last error set.
 */
BATON_API baton_user_trait *baton_resource_user_trait(baton_resource *r);

/* Appends an email; an empty address does nothing (as Go). */
BATON_API int baton_user_trait_add_email(baton_user_trait *t, const char *address, bool primary);
/* Sets the login and REPLACES the aliases; an empty login does nothing, aliases included (as Go). */
BATON_API int baton_user_trait_set_login(baton_user_trait *t, const char *login,
                                         const char *const *aliases, size_t n_aliases);
/* Replaces the employee ids. */
BATON_API int baton_user_trait_set_employee_ids(baton_user_trait *t, const char *const *ids, size_t n);
BATON_API int baton_user_trait_set_account_type(baton_user_trait *t, baton_account_type type);
BATON_API int baton_user_trait_set_last_login(baton_user_trait *t, baton_timestamp when);
BATON_API int baton_user_trait_set_mfa_enabled(baton_user_trait *t, bool enabled);
BATON_API int baton_user_trait_set_sso_enabled(baton_user_trait *t, bool enabled);
/* Structured name; NULL strings are left empty; middle_names may be NULL when n_middle is 0. */
BATON_API int baton_user_trait_set_structured_name(baton_user_trait *t, const char *given_name,
                                                   const char *family_name,
                                                   const char *const *middle_names, size_t n_middle,
                                                   const char *prefix, const char *suffix);
/* Deprecated upstream (mirrored to the resource where its own field is unset). */
BATON_API int baton_user_trait_set_status(baton_user_trait *t, baton_status status, const char *details);
BATON_API int baton_user_trait_set_profile_json(baton_user_trait *t, const char *json_object);
BATON_API int baton_user_trait_set_icon(baton_user_trait *t, const char *asset_id);
BATON_API int baton_user_trait_set_created_at(baton_user_trait *t, baton_timestamp when);

/* Readers (borrowed strings, valid as long as the resource). */
BATON_API size_t baton_user_trait_email_count(const baton_user_trait *t);
BATON_API const char *baton_user_trait_email_at(const baton_user_trait *t, size_t i, bool *primary);
BATON_API baton_status baton_user_trait_status(const baton_user_trait *t, const char **details);
BATON_API baton_account_type baton_user_trait_account_type(const baton_user_trait *t);
BATON_API const char *baton_user_trait_login(const baton_user_trait *t);
BATON_API size_t baton_user_trait_login_alias_count(const baton_user_trait *t);
BATON_API const char *baton_user_trait_login_alias_at(const baton_user_trait *t, size_t i);
BATON_API size_t baton_user_trait_employee_id_count(const baton_user_trait *t);
BATON_API const char *baton_user_trait_employee_id_at(const baton_user_trait *t, size_t i);
BATON_API bool baton_user_trait_last_login(const baton_user_trait *t, baton_timestamp *when);
/* Return true when the status message is present, with its flag in *enabled. */
BATON_API bool baton_user_trait_mfa_enabled(const baton_user_trait *t, bool *enabled);
BATON_API bool baton_user_trait_sso_enabled(const baton_user_trait *t, bool *enabled);
/* Structured name parts; false when there is no structured name. Any out pointer may be NULL. */
BATON_API bool baton_user_trait_structured_name(const baton_user_trait *t, const char **given_name,
                                                const char **family_name, const char **prefix,
                                                const char **suffix);
BATON_API size_t baton_user_trait_middle_name_count(const baton_user_trait *t);
BATON_API const char *baton_user_trait_middle_name_at(const baton_user_trait *t, size_t i);

/* ------------------------------------------------------------------------------------------ */
/* Group trait                                                                                 */

typedef struct baton_group_trait baton_group_trait;

/* Predefined group source types (any string of at most 64 bytes is accepted). */
#define BATON_GROUP_SOURCE_NATIVE "native"
#define BATON_GROUP_SOURCE_APP_IMPORTED "app_imported"
#define BATON_GROUP_SOURCE_BUILT_IN "built_in"
#define BATON_GROUP_SOURCE_DIRECTORY_SYNCED "directory_synced"
#define BATON_GROUP_SOURCE_DYNAMIC "dynamic"
#define BATON_GROUP_SOURCE_DISTRIBUTION "distribution"

/* The resource's group trait, added when missing (no defaults), as baton_resource_get_user_trait(). */
BATON_API int baton_resource_get_group_trait(baton_resource *r, baton_group_trait **out);
/* Deprecated pointer form of baton_resource_get_group_trait(): NULL on failure. */
BATON_API baton_group_trait *baton_resource_group_trait(baton_resource *r);
BATON_API int baton_group_trait_set_source_type(baton_group_trait *t, const char *type);     /* <= 64 bytes */
BATON_API int baton_group_trait_set_raw_source_type(baton_group_trait *t, const char *raw);  /* <= 256 bytes */
BATON_API int baton_group_trait_set_profile_json(baton_group_trait *t, const char *json_object); /* deprecated */
BATON_API int baton_group_trait_set_icon(baton_group_trait *t, const char *asset_id);             /* deprecated */
BATON_API const char *baton_group_trait_source_type(const baton_group_trait *t);
BATON_API const char *baton_group_trait_raw_source_type(const baton_group_trait *t);

/* ------------------------------------------------------------------------------------------ */
/* Role trait                                                                                  */

typedef struct baton_role_trait baton_role_trait;

/* The role trait, added when missing, as baton_resource_get_user_trait() (int form). */
BATON_API int baton_resource_get_role_trait(baton_resource *r, baton_role_trait **out);
/* Deprecated pointer form of baton_resource_get_role_trait(): NULL on failure. */
BATON_API baton_role_trait *baton_resource_role_trait(baton_resource *r);
/* RoleScopeConditions{type, conditions[] of {expression}}; replaces any previous conditions. */
BATON_API int baton_role_trait_set_scope_conditions(baton_role_trait *t, const char *type,
                                                    const char *const *expressions, size_t n);
BATON_API int baton_role_trait_set_profile_json(baton_role_trait *t, const char *json_object); /* deprecated */
BATON_API const char *baton_role_trait_scope_type(const baton_role_trait *t);
BATON_API size_t baton_role_trait_condition_count(const baton_role_trait *t);
BATON_API const char *baton_role_trait_condition_at(const baton_role_trait *t, size_t i);

/* ------------------------------------------------------------------------------------------ */
/* App trait                                                                                   */

typedef struct baton_app_trait baton_app_trait;

typedef enum baton_app_flag {
	BATON_APP_FLAG_UNSPECIFIED = 0,
	BATON_APP_FLAG_HIDDEN = 1,
	BATON_APP_FLAG_INACTIVE = 2,
	BATON_APP_FLAG_SAML = 3,
	BATON_APP_FLAG_OIDC = 4,
	BATON_APP_FLAG_BOOKMARK = 5
} baton_app_flag;

/* The app trait, added when missing, as baton_resource_get_user_trait() (int form). */
BATON_API int baton_resource_get_app_trait(baton_resource *r, baton_app_trait **out);
/* Deprecated pointer form of baton_resource_get_app_trait(): NULL on failure. */
BATON_API baton_app_trait *baton_resource_app_trait(baton_resource *r);
/* https:// only, at most 1024 bytes (BATON_EINVALID otherwise). */
BATON_API int baton_app_trait_set_help_url(baton_app_trait *t, const char *url);
BATON_API int baton_app_trait_set_logo(baton_app_trait *t, const char *asset_id);
/* Replaces the flags. */
BATON_API int baton_app_trait_set_flags(baton_app_trait *t, const baton_app_flag *flags, size_t n);
BATON_API int baton_app_trait_set_source_type(baton_app_trait *t, const char *type);     /* <= 64 bytes */
BATON_API int baton_app_trait_set_raw_source_type(baton_app_trait *t, const char *raw);  /* <= 256 bytes */
BATON_API int baton_app_trait_set_icon(baton_app_trait *t, const char *asset_id);             /* deprecated */
BATON_API int baton_app_trait_set_profile_json(baton_app_trait *t, const char *json_object); /* deprecated */
BATON_API const char *baton_app_trait_help_url(const baton_app_trait *t);
BATON_API const char *baton_app_trait_logo(const baton_app_trait *t);
BATON_API size_t baton_app_trait_flag_count(const baton_app_trait *t);
BATON_API baton_app_flag baton_app_trait_flag_at(const baton_app_trait *t, size_t i);
BATON_API const char *baton_app_trait_source_type(const baton_app_trait *t);

/* ------------------------------------------------------------------------------------------ */
/* Secret trait                                                                                */

typedef struct baton_secret_trait baton_secret_trait;

typedef enum baton_credential_type {
	BATON_CREDENTIAL_TYPE_UNSPECIFIED = 0,
	BATON_CREDENTIAL_TYPE_STATIC_SECRET = 1,
	BATON_CREDENTIAL_TYPE_ASYMMETRIC_KEY = 2,
	BATON_CREDENTIAL_TYPE_CERTIFICATE = 3
} baton_credential_type;

/* The secret trait, added when missing, as baton_resource_get_user_trait() (int form). */
BATON_API int baton_resource_get_secret_trait(baton_resource *r, baton_secret_trait **out);
/* Deprecated pointer form of baton_resource_get_secret_trait(): NULL on failure. */
BATON_API baton_secret_trait *baton_resource_secret_trait(baton_resource *r);
BATON_API int baton_secret_trait_set_last_used_at(baton_secret_trait *t, baton_timestamp when);
BATON_API int baton_secret_trait_set_expires_at(baton_secret_trait *t, baton_timestamp when);
BATON_API int baton_secret_trait_set_created_by_id(baton_secret_trait *t, const baton_resource_id *id);
BATON_API int baton_secret_trait_set_identity_id(baton_secret_trait *t, const baton_resource_id *id);
BATON_API int baton_secret_trait_set_credential_type(baton_secret_trait *t, baton_credential_type type);
/* Free text such as "ssh_key". */
BATON_API int baton_secret_trait_set_credential_detail(baton_secret_trait *t, const char *detail);
BATON_API int baton_secret_trait_set_created_at(baton_secret_trait *t, baton_timestamp when);   /* deprecated */
BATON_API int baton_secret_trait_set_profile_json(baton_secret_trait *t, const char *json_object); /* deprecated */
BATON_API bool baton_secret_trait_last_used_at(const baton_secret_trait *t, baton_timestamp *when);
BATON_API bool baton_secret_trait_expires_at(const baton_secret_trait *t, baton_timestamp *when);
BATON_API bool baton_secret_trait_created_by_id(const baton_secret_trait *t, baton_resource_id *id);
BATON_API bool baton_secret_trait_identity_id(const baton_secret_trait *t, baton_resource_id *id);
BATON_API baton_credential_type baton_secret_trait_credential_type(const baton_secret_trait *t);
BATON_API const char *baton_secret_trait_credential_detail(const baton_secret_trait *t);

/* ------------------------------------------------------------------------------------------ */
/* License profile, agent, managed device, vendor, vendor agreement and security insight      */
/* traits (Go's With<X>Trait builders)                                                         */
/*
 * Each setter builds the whole trait from the struct and puts it on the resource, replacing an
 * earlier copy of that trait (one per resource, as Go's annos.Update). Strings are copied.
 * Enumerations outside their values and bad resource ids are BATON_EINVALID and change nothing.
 */

/* LicenseProfileTrait. */
typedef struct baton_license_profile {
	const char *license_name;
	int64_t purchased_seats;          /* 0 when the source does not report it */
	int64_t consumed_seats;
	int64_t cost_per_unit_in_cents;
	const char *currency;             /* ISO 4217; NULL or "" with a cost: "USD" (as Go) */
	const char *const *entitlement_ids; /* entitlements that mean "holds a seat" */
	size_t n_entitlement_ids;
} baton_license_profile;
BATON_API int baton_resource_set_license_profile_trait(baton_resource *r, const baton_license_profile *p);

/* AgentTrait: the identity the agent authenticates as (Go's WithAgentIdentityResourceID; its
 * status and profile are deprecated upstream in favour of the resource's own). */
BATON_API int baton_resource_set_agent_trait(baton_resource *r, const baton_resource_id *identity);

/* ManagedDeviceTrait. */
typedef enum baton_device_type {
	BATON_DEVICE_TYPE_UNSPECIFIED = 0,
	BATON_DEVICE_TYPE_SERVER = 1,
	BATON_DEVICE_TYPE_DESKTOP = 2,
	BATON_DEVICE_TYPE_LAPTOP = 3,
	BATON_DEVICE_TYPE_TABLET = 4,
	BATON_DEVICE_TYPE_MOBILE = 5,
	BATON_DEVICE_TYPE_VIRTUAL = 6,
	BATON_DEVICE_TYPE_OTHER = 99
} baton_device_type;
typedef enum baton_device_compliance {
	BATON_DEVICE_COMPLIANCE_UNSPECIFIED = 0,
	BATON_DEVICE_COMPLIANCE_COMPLIANT = 1,
	BATON_DEVICE_COMPLIANCE_NONCOMPLIANT = 2,
	BATON_DEVICE_COMPLIANCE_IN_GRACE_PERIOD = 3,
	BATON_DEVICE_COMPLIANCE_ERROR = 4
} baton_device_compliance;
typedef enum baton_device_management_state {
	BATON_DEVICE_MANAGEMENT_UNSPECIFIED = 0,
	BATON_DEVICE_MANAGEMENT_MANAGED = 1,
	BATON_DEVICE_MANAGEMENT_UNMANAGED = 2,
	BATON_DEVICE_MANAGEMENT_PENDING = 3,
	BATON_DEVICE_MANAGEMENT_RETIRED = 4,
	BATON_DEVICE_MANAGEMENT_WIPED = 5
} baton_device_management_state;
typedef enum baton_device_os_type {
	BATON_DEVICE_OS_UNSPECIFIED = 0,
	BATON_DEVICE_OS_WINDOWS = 1,
	BATON_DEVICE_OS_WINDOWS_MOBILE = 2,
	BATON_DEVICE_OS_LINUX = 3,
	BATON_DEVICE_OS_ANDROID = 4,
	BATON_DEVICE_OS_MACOS = 5,
	BATON_DEVICE_OS_IOS = 6,
	BATON_DEVICE_OS_IPADOS = 7,
	BATON_DEVICE_OS_SOLARIS = 8,
	BATON_DEVICE_OS_AIX = 9,
	BATON_DEVICE_OS_HPUX = 10,
	BATON_DEVICE_OS_CHROMEOS = 11,
	BATON_DEVICE_OS_OTHER = 99
} baton_device_os_type;
/* A yes/no the source may not report (google.protobuf.BoolValue). */
typedef enum baton_opt_bool {
	BATON_OPT_BOOL_UNSET = 0,
	BATON_OPT_BOOL_FALSE = 1,
	BATON_OPT_BOOL_TRUE = 2
} baton_opt_bool;
typedef struct baton_managed_device {
	const char *serial, *udid, *hardware_hash;
	baton_device_type device_type;
	const char *model, *vendor;
	/* DeviceOS: set when os_type is not UNSPECIFIED or any of its strings is non-empty */
	baton_device_os_type os_type;
	const char *os_name, *os_version, *os_build;
	baton_device_compliance compliance;
	baton_opt_bool is_encrypted, is_supervised, is_personal;
	baton_device_management_state management_state;
	bool has_enrolled_at;
	baton_timestamp enrolled_at;
} baton_managed_device;
BATON_API int baton_resource_set_managed_device_trait(baton_resource *r, const baton_managed_device *d);

/* VendorTrait (Go's WithVendorTrait): vendor_id and vendor_name are required (BATON_EINVALID
 * "vendor_id must be set" otherwise); spends are optional Money values (NULL: absent). */
typedef struct baton_money {
	int64_t amount_minor;      /* in the currency's minor unit (cents) */
	const char *currency_code; /* ISO 4217 where possible */
} baton_money;
typedef struct baton_vendor {
	const char *vendor_id, *vendor_name, *vendor_dba_name;
	const char *website_domain, *external_vendor_id, *deep_link_url;
	const char *source_business_id, *source_entity_id;
	const baton_money *trailing_30d_spend, *trailing_365d_spend, *ytd_spend;
} baton_vendor;
BATON_API int baton_resource_set_vendor_trait(baton_resource *r, const baton_vendor *v);

/* VendorAgreementTrait (Go's WithVendorAgreementTrait). Dates are optional (has_*); end_date may
 * not precede start_date nor last_date_to_terminate exceed end_date (BATON_EINVALID, as Go). */
typedef enum baton_renewal_status {
	BATON_RENEWAL_STATUS_UNSPECIFIED = 0,
	BATON_RENEWAL_STATUS_NOT_STARTED = 1,
	BATON_RENEWAL_STATUS_INITIATED = 2,
	BATON_RENEWAL_STATUS_RENEWED = 3,
	BATON_RENEWAL_STATUS_CANCELLED = 4,
	BATON_RENEWAL_STATUS_REJECTED = 5,
	BATON_RENEWAL_STATUS_EXPIRED = 6
} baton_renewal_status;
typedef enum baton_pricing_model {
	BATON_PRICING_MODEL_UNSPECIFIED = 0,
	BATON_PRICING_MODEL_UNKNOWN = 1,
	BATON_PRICING_MODEL_PER_SEAT = 2,
	BATON_PRICING_MODEL_PER_LICENSE = 3,
	BATON_PRICING_MODEL_FLAT = 4,
	BATON_PRICING_MODEL_TIERED = 5,
	BATON_PRICING_MODEL_USAGE = 6
} baton_pricing_model;
typedef struct baton_line_item {
	const char *product_or_service_name;
	double quantity;
	const char *unit;
	const baton_money *price_per_unit, *total_price; /* NULL: absent */
} baton_line_item;
typedef struct baton_vendor_agreement {
	const char *agreement_name;
	bool has_start_date, has_end_date, has_last_date_to_terminate;
	baton_timestamp start_date, end_date, last_date_to_terminate;
	bool auto_renewal;
	baton_renewal_status renewal_status;
	const char *renewal_status_raw;   /* the source's own status text */
	const baton_money *total_value;
	const baton_line_item *line_items;
	size_t n_line_items;
	baton_pricing_model pricing_model;
	const char *external_account_manager_email, *external_account_manager_name;
} baton_vendor_agreement;
BATON_API int baton_resource_set_vendor_agreement_trait(baton_resource *r, const baton_vendor_agreement *a);

/* SecurityInsightTrait (Go's NewSecurityInsightTrait): a risk score or an issue, about one target.
 * Required, as Go: the kind (BATON_EINVALID "insight type must be set") and the target ("target
 * must be set"); a risk score's normalized_score is 0..100, an issue's value non-empty.
 * observed_at defaults to now, as Go. */
typedef enum baton_insight_kind {
	BATON_INSIGHT_UNSET = 0,
	BATON_INSIGHT_RISK_SCORE = 1,
	BATON_INSIGHT_ISSUE = 2
} baton_insight_kind;
typedef enum baton_insight_target {
	BATON_INSIGHT_TARGET_UNSET = 0,
	BATON_INSIGHT_TARGET_USER = 1,              /* target_email */
	BATON_INSIGHT_TARGET_RESOURCE = 2,          /* target_resource */
	BATON_INSIGHT_TARGET_EXTERNAL_RESOURCE = 3, /* target_external_id, target_app_hint */
	BATON_INSIGHT_TARGET_APP_USER = 4           /* target_email, target_external_id */
} baton_insight_target;
typedef enum baton_risk_severity {
	BATON_RISK_SEVERITY_UNSPECIFIED = 0,
	BATON_RISK_SEVERITY_LOW = 1,
	BATON_RISK_SEVERITY_MEDIUM = 2,
	BATON_RISK_SEVERITY_HIGH = 3,
	BATON_RISK_SEVERITY_CRITICAL = 4
} baton_risk_severity;
typedef struct baton_risk_factor {
	const char *description;
	baton_risk_severity severity;
} baton_risk_factor;
typedef struct baton_security_insight {
	baton_insight_kind kind;
	/* RISK_SCORE (Go's WithNormalizedRiskScore, WithRiskFactors) */
	uint32_t normalized_score;          /* 0..100, higher is riskier */
	const char *source_score;           /* as the source reports it */
	const baton_risk_factor *risk_factors;
	size_t n_risk_factors;
	/* ISSUE (WithIssue, WithIssueSeverity) */
	const char *issue_value, *issue_severity;
	bool has_observed_at;
	baton_timestamp observed_at;
	baton_insight_target target;
	const char *target_email, *target_external_id, *target_app_hint;
	baton_resource_id target_resource;
} baton_security_insight;
BATON_API int baton_resource_set_security_insight_trait(baton_resource *r, const baton_security_insight *s);

BATON_END_DECLS

#endif /* BATON_RESOURCE_H */
