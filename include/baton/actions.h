/*
 * libbaton: custom actions (the Go SDK's action registry, pkg/actions).
 *
 * A connector lists its actions in baton_connector.actions: global ones (resource_type_id NULL)
 * and ones scoped to one of its resource types. Each is a schema -- name, arguments and return
 * values described as c1.config.v1 fields, constraints over the arguments -- and an invoke
 * callback that receives the arguments as a JSON object and sets the response with
 * baton_ctx_action_response_json().
 *
 *     static const baton_action_field disable_args[] = {
 *         {.name = "user", .kind = BATON_ACTION_FIELD_RESOURCE_ID, .required = true},
 *     };
 *     static int disable_user(baton_ctx *ctx, const char *args_json)
 *     {
 *         baton_resource_id id;
 *         int rc = baton_ctx_action_arg_resource_id(ctx, "user", &id);
 *         if (rc != 0)
 *             return rc;                          // the action ends FAILED, "error" = message
 *         ...
 *         return baton_ctx_action_response_json(ctx, "{\"success\": true}");
 *     }
 *     static const baton_action_type disable_types[] = {BATON_ACTION_TYPE_ACCOUNT_DISABLE};
 *     static const baton_action disable = {
 *         .version = BATON_ACTION_VERSION, .name = "disable_user", .resource_type_id = "user",
 *         .action_types = disable_types, .n_action_types = 1,
 *         .arguments = disable_args, .n_arguments = 1, .invoke = disable_user,
 *     };
 *
 * What the SDK does, as the Go SDK does:
 *  - Registration (checked when the connector is loaded; BATON_EINVALID): names non-empty and
 *    unique per scope (globally, or within one resource type); a scoped action's type must be one
 *    of the connector's resource types; two actions of one resource type may not share an action
 *    type other than UNSPECIFIED and DYNAMIC.
 *  - Invocation: the constraints are checked over the argument keys whose value is not null
 *    (BATON_EINVALID: "fields required together: [a b]", "fields are mutually exclusive: [a b]",
 *    "at least one required: [a b]", "fields [a] depend on [b] which must also be present");
 *    unknown names give BATON_ENOTFOUND. Otherwise the action gets a KSUID id and status PENDING,
 *    then RUNNING while invoke runs on a thread of its own (with its own context) for at most an
 *    hour; the caller waits up to the inline wait (default 1 s) and gets the status at that
 *    point, later ones by polling. invoke returning 0 makes it COMPLETE with the response set;
 *    an error makes it FAILED with the response plus key "error" = the error message.
 *  - Any action gives the connector CAPABILITY_ACTIONS.
 *
 * The command line: `--list-action-schemas [--list-action-schemas-resource-type T]` logs the
 * schemas; `--invoke-action NAME [--invoke-action-args JSON] [--invoke-action-resource-type T]`
 * invokes, logs the first response, polls the status every second while it is PENDING or
 * RUNNING, logs the final response, and exits with an error when it is FAILED.
 */
#ifndef BATON_ACTIONS_H
#define BATON_ACTIONS_H

#include "common.h"
#include "ctx.h"

BATON_BEGIN_DECLS

/* c1.connector.v2.ActionType. */
typedef enum baton_action_type {
	BATON_ACTION_TYPE_UNSPECIFIED = 0,
	BATON_ACTION_TYPE_DYNAMIC = 1,
	BATON_ACTION_TYPE_ACCOUNT = 2,
	BATON_ACTION_TYPE_ACCOUNT_UPDATE_PROFILE = 3,
	BATON_ACTION_TYPE_ACCOUNT_DISABLE = 4,
	BATON_ACTION_TYPE_ACCOUNT_ENABLE = 5,
	BATON_ACTION_TYPE_RESOURCE_CREATE = 6,
	BATON_ACTION_TYPE_RESOURCE_DELETE = 7,
	BATON_ACTION_TYPE_RESOURCE_ENABLE = 8,
	BATON_ACTION_TYPE_RESOURCE_DISABLE = 9
} baton_action_type;

/* c1.connector.v2.BatonActionStatus. */
typedef enum baton_action_status {
	BATON_ACTION_STATUS_UNSPECIFIED = 0,
	BATON_ACTION_STATUS_UNKNOWN = 1,
	BATON_ACTION_STATUS_PENDING = 2,
	BATON_ACTION_STATUS_RUNNING = 3,
	BATON_ACTION_STATUS_COMPLETE = 4,
	BATON_ACTION_STATUS_FAILED = 5
} baton_action_status;

/* The kind of an argument or return value (c1.config.v1.Field's oneof). The last four describe
 * return values only. */
typedef enum baton_action_field_kind {
	BATON_ACTION_FIELD_STRING = 0,
	BATON_ACTION_FIELD_INT,
	BATON_ACTION_FIELD_BOOL,
	BATON_ACTION_FIELD_STRING_LIST,
	BATON_ACTION_FIELD_STRING_MAP,
	BATON_ACTION_FIELD_RESOURCE_ID,       /* {"resource_type_id": ..., "resource_id": ...} */
	BATON_ACTION_FIELD_RESOURCE_ID_LIST,
	BATON_ACTION_FIELD_RESOURCE,
	BATON_ACTION_FIELD_RESOURCE_LIST,
	BATON_ACTION_FIELD_ENTITLEMENT_LIST,
	BATON_ACTION_FIELD_GRANT_LIST
} baton_action_field_kind;

/* One argument or return value (a c1.config.v1.Field). Strings are borrowed for the life of the
 * connector. */
typedef struct baton_action_field {
	const char *name;          /* required: the key in the arguments / response object */
	baton_action_field_kind kind;
	const char *display_name;
	const char *description;
	const char *placeholder;
	bool required;
	bool secret;
	/* Default in command-line form: STRING the text, INT "42", BOOL "true", STRING_LIST "a,b".
	 * NULL: none. Ignored for the other kinds. */
	const char *default_value;
	/* STRING: the allowed values (shown as options). */
	const char *const *options;
	size_t n_options;
} baton_action_field;

/* c1.config.v1.ConstraintKind. */
typedef enum baton_action_constraint_kind {
	BATON_ACTION_CONSTRAINT_REQUIRED_TOGETHER = 1,
	BATON_ACTION_CONSTRAINT_AT_LEAST_ONE = 2,
	BATON_ACTION_CONSTRAINT_MUTUALLY_EXCLUSIVE = 3,
	BATON_ACTION_CONSTRAINT_DEPENDENT_ON = 4
} baton_action_constraint_kind;

typedef struct baton_action_constraint {
	baton_action_constraint_kind kind;
	const char *const *fields;
	size_t n_fields;
	/* DEPENDENT_ON: when any of `fields` is present, all of these must be. */
	const char *const *secondary_fields;
	size_t n_secondary_fields;
} baton_action_constraint;

#define BATON_ACTION_VERSION 1

typedef struct baton_action {
	unsigned int version; /* BATON_ACTION_VERSION */

	/* BatonActionSchema. `name` is required; the rest optional. */
	const char *name;
	const char *display_name;
	const char *description;
	const baton_action_type *action_types;
	size_t n_action_types;
	/* NULL or "": a global action; else the id of one of the connector's resource types. */
	const char *resource_type_id;
	const baton_action_field *arguments;
	size_t n_arguments;
	const baton_action_constraint *constraints;
	size_t n_constraints;
	const baton_action_field *return_types;
	size_t n_return_types;

	/*
	 * Required. Runs the action with its arguments (a JSON object, "{}" when none were given),
	 * on a thread of its own: it may only use its own context, the connector's userdata
	 * (baton_ctx_userdata) and what the connector protects itself. Set the response with
	 * baton_ctx_action_response_json(); return 0 (COMPLETE) or an error (FAILED).
	 */
	int (*invoke)(baton_ctx *ctx, const char *args_json);
} baton_action;

/* invoke only: the name of the running action, and its resource type id ("" for global). */
BATON_API const char *baton_ctx_action_name(baton_ctx *ctx);
BATON_API const char *baton_ctx_action_resource_type(baton_ctx *ctx);

/*
 * invoke only: sets the response (a JSON object, copied; replaces an earlier one). A text that
 * is not a JSON object is BATON_EINVALID.
 */
BATON_API int baton_ctx_action_response_json(baton_ctx *ctx, const char *json_object);

/*
 * invoke only: typed reads of the arguments, as the Go SDK's pkg/actions helpers read them.
 * Each returns 0, BATON_ENOTFOUND when the key is absent or null, or BATON_EINVALID when the
 * value has another type; both errors carry the message "required argument NAME is missing or
 * invalid", so an action can just return them. Strings are borrowed from the call.
 *  - int: a JSON number (truncated toward zero) or a string holding an integer;
 *  - string list: an array of strings;
 *  - resource id: an object with "resource_type_id" (or "resource_type") and "resource_id"
 *    (or "resource").
 */
BATON_API int baton_ctx_action_arg_string(baton_ctx *ctx, const char *name, const char **out);
BATON_API int baton_ctx_action_arg_bool(baton_ctx *ctx, const char *name, bool *out);
BATON_API int baton_ctx_action_arg_int(baton_ctx *ctx, const char *name, int64_t *out);
BATON_API int baton_ctx_action_arg_string_list(baton_ctx *ctx, const char *name,
                                               const char *const **items, size_t *n);
BATON_API int baton_ctx_action_arg_resource_id(baton_ctx *ctx, const char *name, baton_resource_id *out);

/*
 * invoke only, more of Go's pkg/actions argument helpers (same return codes as above):
 *  - object: the argument, a JSON object, as compact JSON text (keys sorted) in ctx memory
 *    (GetStructArg); json may be NULL to test for presence;
 *  - resource id list: an array of resource id objects (as arg_resource_id) into an array in ctx
 *    memory, strings borrowed from the call (GetResourceIdListArg); ids and n may be NULL.
 */
BATON_API int baton_ctx_action_arg_object_json(baton_ctx *ctx, const char *name, char **json);
BATON_API int baton_ctx_action_arg_resource_id_list(baton_ctx *ctx, const char *name, baton_resource_id **ids,
                                                    size_t *n);

/*
 * invoke only: the return values, as Go's NewReturnValues(success, New<Kind>ReturnField(key, v)...)
 * builds them: each call sets one member of the response object (replacing a member of that key;
 * what baton_ctx_action_response_json set is kept otherwise). return_success sets "success".
 * A resource id is {"resourceTypeId": ..., "resourceId": ...} (config.ResourceId's protojson).
 * 0, or BATON_EINVALID (NULL or invalid UTF-8 strings, a NaN or infinite number, an incomplete id).
 */
BATON_API int baton_ctx_action_return_success(baton_ctx *ctx, bool success);
BATON_API int baton_ctx_action_return_string(baton_ctx *ctx, const char *key, const char *value);
BATON_API int baton_ctx_action_return_bool(baton_ctx *ctx, const char *key, bool value);
BATON_API int baton_ctx_action_return_number(baton_ctx *ctx, const char *key, double value);
BATON_API int baton_ctx_action_return_string_list(baton_ctx *ctx, const char *key, const char *const *values,
                                                  size_t n);
BATON_API int baton_ctx_action_return_resource_id(baton_ctx *ctx, const char *key, const baton_resource_id *id);
BATON_API int baton_ctx_action_return_resource_id_list(baton_ctx *ctx, const char *key,
                                                       const baton_resource_id *ids, size_t n);
/* A list of resources (Go's NewResourceListReturnField): each as config.Resource's protojson,
 * {"resourceId", "parentResourceId", "displayName", "description", "annotations"}. The
 * resources are borrowed; a NULL item is BATON_EINVALID. */
struct baton_resource; /* baton/resource.h */
BATON_API int baton_ctx_action_return_resource_list(baton_ctx *ctx, const char *key,
                                                    struct baton_resource *const *resources, size_t n);
/* One resource, as an item above (Go's NewResourceReturnField); NULL is BATON_EINVALID. */
BATON_API int baton_ctx_action_return_resource(baton_ctx *ctx, const char *key, struct baton_resource *resource);
/* A list of entitlements (Go's NewEntitlementListReturnField): each as config.Entitlement's
 * protojson (id, displayName, description, slug, purpose name, grantableToResourceTypeIds,
 * resourceId, resourceTypeId). Borrowed; a NULL item is BATON_EINVALID. */
struct baton_entitlement; /* baton/entitlement.h */
BATON_API int baton_ctx_action_return_entitlement_list(baton_ctx *ctx, const char *key,
                                                       struct baton_entitlement *const *entitlements, size_t n);
/* A list of grants (Go's NewGrantListReturnField): each as config.Grant's protojson (id,
 * entitlement {id}, principal as a resource above). Borrowed; a NULL item is BATON_EINVALID. */
struct baton_grant; /* baton/grant.h */
BATON_API int baton_ctx_action_return_grant_list(baton_ctx *ctx, const char *key, struct baton_grant *const *grants,
                                                 size_t n);
/*
 * invoke only: arguments that carry SDK objects, each as the protojson of the c1.config.v1
 * message the matching return-field builder writes (camelCase or proto field names; an unknown
 * field, a wrong type or an Any of an unknown type makes the argument invalid), converted as Go
 * converts them. Same return codes as the readers above; a list is invalid when any item is.
 * Results are new handles in ctx memory (valid until the invoke returns; not freed by the
 * caller); every out pointer may be NULL to test the argument only.
 *  - resource (GetResourceFieldArg) and resource list (GetResourceListFieldArg): id, parent id,
 *    display name, description and annotations;
 *  - entitlement list (GetEntitlementListFieldArg): id, display name, description, slug, purpose
 *    (ASSIGNMENT, PERMISSION or OWNERSHIP by name; any other text is UNSPECIFIED), grantable-to
 *    type ids, and a resource holding only its id when both resourceId and resourceTypeId are set;
 *  - grant list (GetGrantListFieldArg): id, an entitlement holding only its id, the principal as
 *    a resource above.
 */
BATON_API int baton_ctx_action_arg_resource(baton_ctx *ctx, const char *name, struct baton_resource **out);
BATON_API int baton_ctx_action_arg_resource_list(baton_ctx *ctx, const char *name,
                                                 struct baton_resource ***resources, size_t *n);
BATON_API int baton_ctx_action_arg_entitlement_list(baton_ctx *ctx, const char *name,
                                                    struct baton_entitlement ***entitlements, size_t *n);
BATON_API int baton_ctx_action_arg_grant_list(baton_ctx *ctx, const char *name, struct baton_grant ***grants,
                                              size_t *n);

/* A list of numbers (Go's NewNumberListReturnField); each must be finite. */
BATON_API int baton_ctx_action_return_number_list(baton_ctx *ctx, const char *key, const double *values, size_t n);

/* The name of a status ("BATON_ACTION_STATUS_COMPLETE"; static; "UNKNOWN" for others). */
BATON_API const char *baton_action_status_name(baton_action_status status);

BATON_END_DECLS

#endif /* BATON_ACTIONS_H */
