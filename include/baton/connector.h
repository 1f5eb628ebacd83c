/*
 * libbaton: writing a connector.
 *
 * A connector is a baton_connector struct (metadata, validate, its resource types) and one
 * baton_resource_syncer struct per resource type, filled with designated initializers. The SDK
 * calls the callbacks and does everything else: the sync loop, pagination, checkpoints and
 * resume, grant expansion, the session store, the c1z file, capabilities (derived from which
 * callbacks are set), the command line and the provisioning one-shots.
 *
 *     static int list_users(baton_ctx *ctx, const baton_resource_id *parent)
 *     {
 *         baton_resource *r;
 *         int rc = baton_user_resource_new(ctx, "Alice", baton_ctx_resource_type(ctx), "alice", &r);
 *         if (rc == 0)
 *             rc = baton_ctx_emit_resource(ctx, r);
 *         return rc;                         // and baton_ctx_set_next_page() for more pages
 *     }
 *     static const baton_trait user_traits[] = {BATON_TRAIT_USER};
 *     static const baton_resource_syncer users = {
 *         .version = BATON_RESOURCE_SYNCER_VERSION,
 *         .name = "User", .traits = user_traits, .n_traits = 1,
 *         .list = list_users,
 *     };
 *
 * Conventions for every callback:
 *  - It receives the context first. Results are handed over with baton_ctx_emit_*() one at a
 *    time; objects are built with that same context and belong to it, and the SDK frees them after
 *    it has consumed the page. An author never frees what the SDK consumes.
 *  - It returns 0, or a negative baton_error_code with a message set through baton_error_set().
 *    The code decides what the SDK does: BATON_EUNAVAILABLE and BATON_EDEADLINE are retried with
 *    backoff (honouring a rate-limit annotation's reset time), BATON_ENOTFOUND on a per-resource
 *    call is a warning and the sync goes on, anything else stops the sync with an error naming the
 *    resource type, resource and page. What was emitted by a failing call is discarded.
 *  - Structs grow only at their end; `version` says which members the author's code knows, and
 *    the SDK reads no member past it. A NULL callback means "not supported"; each member says what
 *    the SDK does then.
 *
 * Threads. A sync with workers (baton_sync_options.workers, the `--workers` flag; 0, the default,
 * calls everything on the thread that called baton_sync) calls `list` (of a type, with or without
 * a parent), `entitlements`, `grants` and, in a targeted sync, `get` on worker threads: with
 * workers > 1, callbacks for different resources (and different types) run on different threads
 * at the same time, possibly the same callback several times at once. One action (a type's
 * listing under one parent, one resource's entitlements or grants) is driven by one worker
 * through all of its pages, so the pages of one listing never overlap each other. init, close,
 * validate, describe and static_entitlements run on the calling thread while no worker is busy.
 *  - The context is per call: each callback gets its own baton_ctx, whose memory, emitted
 *    objects, annotations and page token belong to that call only; never keep a context or
 *    anything built with it past the callback, nor share it with another thread.
 *  - What the author must make thread-safe is what the callbacks share: the userdata from init
 *    (baton_ctx_userdata), globals and static caches, and clients kept in them (one
 *    baton_http_client per thread, or a lock; see baton/http.h). Read-only data built in init
 *    needs nothing.
 *  - Everything the SDK offers a callback is safe to call from any worker: the baton_ctx_*
 *    functions on its own context, the builders, baton_error_set (errors are per thread),
 *    logging, the configuration getters, and the session store (its calls are serialized with
 *    the syncer's use of the c1z, so they may wait briefly; each call is atomic, a get-then-set
 *    sequence is not).
 */
#ifndef BATON_CONNECTOR_H
#define BATON_CONNECTOR_H

#include "common.h"
#include "ctx.h"
#include "annotations.h"
#include "resource.h"
#include "entitlement.h"
#include "grant.h"

BATON_BEGIN_DECLS

/* ------------------------------------------------------------------------------------------ */
/* Provisioning types                                                                          */

/* CapabilityDetailCredentialOption (the ones a connector can offer). */
typedef enum baton_credential_option {
	BATON_CREDENTIAL_OPTION_UNSPECIFIED = 0,
	BATON_CREDENTIAL_OPTION_NO_PASSWORD = 1,
	BATON_CREDENTIAL_OPTION_RANDOM_PASSWORD = 2,
	BATON_CREDENTIAL_OPTION_SSO = 3,
	BATON_CREDENTIAL_OPTION_ENCRYPTED_PASSWORD = 4,
	/* Credential issuing only (issue_credential): */
	BATON_CREDENTIAL_OPTION_API_KEY = 5,
	BATON_CREDENTIAL_OPTION_KEYPAIR = 6,
	BATON_CREDENTIAL_OPTION_TOKEN = 7,
	BATON_CREDENTIAL_OPTION_CLIENT_SECRET = 8
} baton_credential_option;

/* What a connector offers for account creation or credential rotation. */
typedef struct baton_credential_details {
	const baton_credential_option *supported; /* at least one */
	size_t n_supported;
	baton_credential_option preferred;        /* must be one of `supported`, not UNSPECIFIED */
} baton_credential_details;

/* A character-set constraint for generated passwords. */
typedef struct baton_password_constraint {
	const char *char_set;
	uint32_t min_count;
} baton_password_constraint;

/* The credential the caller asked for (the Go SDK's LocalCredentialOptions). */
typedef struct baton_credential_options {
	baton_credential_option kind;
	/* RANDOM_PASSWORD: length 8..64 and constraints. */
	uint32_t password_length;
	const baton_password_constraint *constraints;
	size_t n_constraints;
	/* ENCRYPTED_PASSWORD, after the SDK decrypted it; RANDOM_PASSWORD: NULL (use
	 * baton_ctx_generate_password()). */
	const char *plaintext_password;
	/* SSO */
	const char *sso_provider;
	bool force_change_at_next_login;
} baton_credential_options;

/* AccountInfo: who to create. Strings borrowed for the duration of the call. */
typedef struct baton_account_info {
	const char *login;
	const char *const *login_aliases;
	size_t n_login_aliases;
	const char *const *emails;       /* emails[0] is the primary one */
	size_t n_emails;
	const char *profile_json;        /* a JSON object, or NULL */
} baton_account_info;

/* The result of create_account (CreateAccountResponse's oneof). */
typedef enum baton_account_result {
	BATON_ACCOUNT_CREATED = 1,          /* SuccessResult */
	BATON_ACCOUNT_ACTION_REQUIRED = 2,  /* ActionRequiredResult{message} */
	BATON_ACCOUNT_ALREADY_EXISTS = 3,   /* AlreadyExistsResult */
	BATON_ACCOUNT_IN_PROGRESS = 4       /* InProgressResult */
} baton_account_result;

/* ------------------------------------------------------------------------------------------ */
/* Credential issuing (the Go SDK's CredentialIssuer: mint a NEW credential for an identity)     */

/* CredentialResourceMode: how the issued credential shows up as a resource. */
typedef enum baton_credential_resource_mode {
	BATON_CREDENTIAL_RESOURCE_MODE_UNSPECIFIED = 0,
	BATON_CREDENTIAL_RESOURCE_MODE_DISCOVERABLE = 1, /* later syncs list it */
	BATON_CREDENTIAL_RESOURCE_MODE_VIRTUAL = 2       /* only the issuing call returns it */
} baton_credential_resource_mode;

/* KeyGenerationProfile (a JWK key shape): kty "RSA" with rsa_modulus_bits (2048..16384, a
 * multiple of 256) and no crv; "EC" with crv P-256/P-384/P-521; "OKP" with crv Ed25519, Ed448,
 * X25519 or X448. rsa_modulus_bits 0 and crv NULL mean unset. */
typedef struct baton_key_profile {
	const char *kty;
	uint32_t rsa_modulus_bits;
	const char *crv;
} baton_key_profile;

/* CredentialIssueOptionDescriptor: one kind of credential the connector can issue. What a kind
 * may advertise (as Go checks): API_KEY scopes; KEYPAIR key profiles (at least one); TOKEN scopes
 * and audiences; CLIENT_SECRET nothing; every kind an expiry. */
typedef struct baton_credential_issue_option {
	baton_credential_option option;           /* API_KEY, KEYPAIR, TOKEN or CLIENT_SECRET */
	const baton_key_profile *key_profiles;
	size_t n_key_profiles;
	/* Caller-selected expiry: false refuses a request with an expiry. Bounds in seconds, 0 = none. */
	bool expiry_supported;
	int64_t expiry_min_seconds, expiry_max_seconds;
	const char *const *scopes;
	size_t n_scopes;
	bool custom_scopes_allowed;
	const char *const *audiences;
	size_t n_audiences;
	bool custom_audiences_allowed;
	baton_credential_resource_mode resource_mode; /* required */
	/* Resource type of the issued secret: a type of this connector with delete_resource (how the
	 * credential is revoked). Required. */
	const char *secret_resource_type_id;
} baton_credential_issue_option;

/* CredentialDetailsCredentialIssue. */
typedef struct baton_credential_issue_details {
	const baton_credential_issue_option *options; /* at least one, each kind once */
	size_t n_options;
	baton_credential_option preferred;            /* one of the options' kinds */
} baton_credential_issue_details;

/* What the caller asked for, already checked against the type's issue_details (Go's
 * CredentialIssueInput). Strings borrowed for the duration of the call. */
typedef struct baton_credential_issue_request {
	baton_resource_id identity;                /* the identity to issue for (of this type) */
	baton_credential_option kind;
	const char *const *scopes;                 /* API_KEY, TOKEN */
	size_t n_scopes;
	const char *const *audiences;              /* TOKEN */
	size_t n_audiences;
	const baton_key_profile *key_profile;      /* KEYPAIR: one of the advertised profiles */
	bool has_expires_at;                       /* the credential must expire by expires_at */
	baton_timestamp expires_at;
	const char *request_id;                    /* 1..128 of [A-Za-z0-9_-]; idempotency key */
} baton_credential_issue_request;

/* ------------------------------------------------------------------------------------------ */
/* Resource types                                                                              */

/* 1: up to rotate_details; 2: type_entitlements, type_grants; 3: issue_credential, issue_details. */
#define BATON_RESOURCE_SYNCER_VERSION 3

typedef struct baton_resource_syncer {
	unsigned int version; /* BATON_RESOURCE_SYNCER_VERSION */

	/* The type. `name` is the display name; `id` defaults to the name lowercased with spaces
	 * turned into '-' (as baton_resource_type_new). `traits` may be NULL when n_traits is 0. */
	const char *name;
	const char *id;
	const baton_trait *traits;
	size_t n_traits;
	const char *description;

	/*
	 * Optional: adds to the built type, e.g. annotations such as
	 * baton_annotations_set_skip_entitlements_and_grants(baton_resource_type_annotations(rt)).
	 * NULL: the type is name, id, traits and description only.
	 */
	int (*describe)(baton_ctx *ctx, baton_resource_type *rt);

	/*
	 * Required. Lists the resources of this type, one page per call: emit each with
	 * baton_ctx_emit_resource() and set the next page's token with baton_ctx_set_next_page()
	 * (no token: this was the last page). The current token is baton_ctx_page_token(). `parent`
	 * is set when the SDK lists children of a resource that carried a ChildResourceType annotation
	 * for this type; the connector sets that parent on the children it emits
	 * (baton_resource_set_parent).
	 */
	int (*list)(baton_ctx *ctx, const baton_resource_id *parent);

	/* The entitlements of one resource, paged like list (baton_ctx_emit_entitlement).
	 * NULL: the type has no entitlements. */
	int (*entitlements)(baton_ctx *ctx, const baton_resource *resource);

	/* The grants on one resource, paged like list (baton_ctx_emit_grant).
	 * NULL: the type has no grants. `resource` (here and in `entitlements`) is owned by the SDK
	 * and must not be changed: the SDK validates it (and, for grants, packs it) once per call,
	 * not once per grant or entitlement that embeds it. */
	int (*grants)(baton_ctx *ctx, const baton_resource *resource);

	/* Optional: fetch one resource by id (targeted sync, --sync-resources): emit it with
	 * baton_ctx_emit_resource(); emitting nothing means it does not exist.
	 * NULL: no targeted sync for this type (and no CAPABILITY_TARGETED_SYNC). */
	int (*get)(baton_ctx *ctx, const baton_resource_id *id, const baton_resource_id *parent);

	/* Optional: entitlements every resource of this type has, paged like list; emitted with
	 * baton_ctx_emit_entitlement() on a stub resource (the SDK copies them onto each resource of
	 * the type). NULL: none. */
	int (*static_entitlements)(baton_ctx *ctx);

	/* Optional provisioning: grant `entitlement` (on a resource of this type) to `principal`.
	 * May emit the grants it created (baton_ctx_emit_grant), and answer
	 * baton_ctx_annotate_already_granted() when there was nothing to do. What to grant:
	 * baton_entitlement_name() and baton_entitlement_resource_id(). grant and revoke are set together
	 * (one without the other is BATON_EINVALID when the connector is loaded).
	 * NULL: no CAPABILITY_PROVISION. */
	int (*grant)(baton_ctx *ctx, const baton_resource *principal, const baton_entitlement *entitlement);
	/* Optional: revoke a grant; baton_ctx_annotate_already_revoked() when it was already gone.
	 * A grant that came through a team (grant expansion) reaches this callback too: tell it
	 * with baton_grant_is_direct() / baton_grant_inherited_from() (docs/callbacks/revoke.md). */
	int (*revoke)(baton_ctx *ctx, const baton_grant *grant);

	/* Optional: create a resource of this type; emit the created resource. */
	int (*create_resource)(baton_ctx *ctx, const baton_resource *resource);
	/* Optional: delete a resource of this type. With create_resource: CAPABILITY_RESOURCE_DELETE
	 * and CAPABILITY_RESOURCE_CREATE; alone: CAPABILITY_RESOURCE_DELETE. */
	int (*delete_resource)(baton_ctx *ctx, const baton_resource_id *id, const baton_resource_id *parent);

	/* Optional: create an account. Report the outcome with baton_ctx_account_result() and any
	 * secret with baton_ctx_emit_secret() (the SDK encrypts it; it is never logged).
	 * Needs create_account_details. NULL: no CAPABILITY_ACCOUNT_PROVISIONING. */
	int (*create_account)(baton_ctx *ctx, const baton_account_info *info,
	                      const baton_credential_options *opts);
	const baton_credential_details *create_account_details;

	/* Optional: rotate a credential of resource `id`; secrets with baton_ctx_emit_secret().
	 * Needs rotate_details. NULL: no CAPABILITY_CREDENTIAL_ROTATION. */
	int (*rotate_credentials)(baton_ctx *ctx, const baton_resource_id *id,
	                          const baton_credential_options *opts);
	const baton_credential_details *rotate_details;

	/* ---- version 2 ---- */

	/*
	 * Optional: type-scoped entitlements (Go's TypeScopedEntitlementsSyncer). When set, the sync
	 * calls this once per sync for the whole type, paged like list (baton_ctx_page_token,
	 * baton_ctx_set_next_page; more cursors with a c1.connector.v2.EnqueuePageTokens response
	 * annotation), instead of `entitlements` once per resource: emit every entitlement of every
	 * resource of the type with baton_ctx_emit_entitlement(). `resource_type_id` is this type's
	 * id. Setting it puts the c1.connector.v2.TypeScopedEntitlements annotation on the type; a type
	 * whose describe adds that annotation without setting this callback is refused when the
	 * connector is loaded (BATON_EINVALID). A targeted sync (--sync-resources) does not list the
	 * entitlements of a resource of such a type (as upstream). NULL: per-resource entitlements.
	 */
	int (*type_entitlements)(baton_ctx *ctx, const char *resource_type_id);
	/*
	 * Optional: type-scoped grants (Go's TypeScopedGrantsSyncer), the same for grants: once per
	 * sync for the whole type, paged, instead of `grants` once per resource; emit every grant on
	 * every resource of the type with baton_ctx_emit_grant(). Puts the c1.connector.v2.
	 * TypeScopedGrants annotation on the type; that annotation without this callback is
	 * BATON_EINVALID at load. NULL: per-resource grants.
	 */
	int (*type_grants)(baton_ctx *ctx, const char *resource_type_id);

	/* ---- version 3 ---- */

	/*
	 * Optional: issue a new credential for the identity req->identity (a resource of this type;
	 * Go's CredentialIssuer). Build the secret resource (baton_secret_resource_new) whose secret
	 * trait names the identity (baton_secret_trait_set_identity_id) and, when req->has_expires_at,
	 * an expiry no later than it; hand it over with baton_ctx_issued_credential() and the secret
	 * material with baton_ctx_emit_secret() (at least one, names unique and non-empty, bytes
	 * non-empty; the SDK encrypts them and wipes them). The SDK checks the request against
	 * issue_details before the call and the result after it (a bad result fails the call).
	 * Needs issue_details. NULL: no CAPABILITY_CREDENTIAL_ISSUE.
	 */
	int (*issue_credential)(baton_ctx *ctx, const baton_credential_issue_request *req);
	const baton_credential_issue_details *issue_details;
} baton_resource_syncer;

/* ------------------------------------------------------------------------------------------ */
/* The connector                                                                               */

/*
 * One field of the account-creation schema (c1.connector.v2.ConnectorAccountCreationSchema.Field,
 * what a Go connector puts in ConnectorMetadata.account_creation_schema): the form a client shows
 * to create an account. All strings are borrowed (static data).
 */
typedef enum baton_account_field_kind {
	BATON_ACCOUNT_FIELD_STRING = 0,
	BATON_ACCOUNT_FIELD_BOOL,
	BATON_ACCOUNT_FIELD_STRING_LIST,
	BATON_ACCOUNT_FIELD_INT,
	BATON_ACCOUNT_FIELD_MAP,
} baton_account_field_kind;

typedef struct baton_account_field {
	const char *name; /* the key in field_map: required, unique among its siblings */
	const char *display_name;
	const char *description;
	const char *placeholder;
	int32_t order;
	bool required;
	bool deprecated;
	baton_account_field_kind kind;
	/* STRING, BOOL, INT: whether the matching default_* below is set (else no default_value) */
	bool has_default;
	const char *default_string;
	bool default_bool;
	int32_t default_int;
	/* STRING_LIST: the default list */
	const char *const *default_strings;
	size_t n_default_strings;
	/* MAP: the default value, itself fields (nested at most 8 deep) */
	const struct baton_account_field *default_fields;
	size_t n_default_fields;
} baton_account_field;

/* 1: up to `userdata`; 2: configuration, event feeds, actions, tickets; 3: version_string;
 * 4: account_fields. */
#define BATON_CONNECTOR_VERSION 4

struct baton_config_schema;
struct baton_event_feed;
struct baton_action;
struct baton_ticket_manager;

typedef struct baton_connector {
	unsigned int version; /* BATON_CONNECTOR_VERSION */

	/* Metadata (ConnectorMetadata). display_name is required. */
	const char *display_name;
	const char *description;
	const char *help_url;      /* https:// */
	const char *icon_asset_id; /* optional AssetRef ids */
	const char *logo_asset_id;

	/*
	 * Optional: set up the connector (open clients, read configuration through the context) and
	 * put its state in *userdata; callbacks read it back with baton_ctx_userdata(). Called once
	 * before anything else. NULL: userdata is the `userdata` member below.
	 */
	int (*init)(baton_ctx *ctx, void **userdata);
	/* Optional: release what init set up. Called once at the end, also after errors. */
	void (*close)(void *userdata);
	/* Optional: check that credentials work (called at the start of every sync, retried on
	 * BATON_EUNAVAILABLE). NULL: always valid. */
	int (*validate)(baton_ctx *ctx);

	/* The resource types, in the order ListResourceTypes returns them. Ids must be unique. */
	const baton_resource_syncer *const *resource_types;
	size_t n_resource_types;

	void *userdata; /* initial userdata when init is NULL */

	/* ---- version 2 ---- */

	/* The connector's configuration fields (baton/config.h). NULL: none. */
	const struct baton_config_schema *config;
	/* Event feeds (baton/events.h). None: no CAPABILITY_EVENT_FEED_V2. */
	const struct baton_event_feed *const *event_feeds;
	size_t n_event_feeds;
	/* Custom actions, global and per resource type (baton/actions.h). None: no CAPABILITY_ACTIONS. */
	const struct baton_action *const *actions;
	size_t n_actions;
	/* Ticketing (baton/tickets.h). NULL: no CAPABILITY_TICKETING. */
	const struct baton_ticket_manager *tickets;

	/* ---- version 3 ---- */

	/* The connector's own release ("v1.4.2"), printed by --version before libbaton's (the Go
	 * SDK's RunConnector `version` argument). NULL or "": "dev". Borrowed (static data). */
	const char *version_string;

	/* ---- version 4 ---- */

	/* The account-creation schema put in the connector metadata (ConnectorMetadata.
	 * account_creation_schema). None: no schema. Borrowed (static data). */
	const baton_account_field *account_fields;
	size_t n_account_fields;
} baton_connector;

/* ------------------------------------------------------------------------------------------ */
/* What a callback can do with its context                                                     */

/* The userdata set by init (or the connector's `userdata`). */
BATON_API void *baton_ctx_userdata(baton_ctx *ctx);

/* The resource type whose callback is running (built from its baton_resource_syncer), or NULL
 * outside per-type callbacks. Borrowed. */
BATON_API const baton_resource_type *baton_ctx_resource_type(baton_ctx *ctx);

/* The id of the sync being run ("" outside a sync). */
BATON_API const char *baton_ctx_sync_id(baton_ctx *ctx);

/* The page token of this call ("" for the first page) and the requested page size (0: the
 * connector's choice). */
BATON_API const char *baton_ctx_page_token(baton_ctx *ctx);
BATON_API uint32_t baton_ctx_page_size(baton_ctx *ctx);

/*
 * Sets the token of the next page (copied; at most 1 MiB, valid UTF-8). NULL or "" (or not calling it): this
 * was the last page. Returning the token you were given is an error the SDK reports, since the
 * sync would never end.
 */
BATON_API int baton_ctx_set_next_page(baton_ctx *ctx, const char *token);

/*
 * Hands one result to the SDK. The object must have been built with this context (the SDK takes
 * it over; it stays valid until the callback returns). Emitting the wrong kind for the callback
 * is BATON_EINVALID, and so is an object every c1z reader would not accept: a string that is not
 * valid UTF-8 (the message names the field), more than 1,000 annotations, or more than 4 MiB
 * packed. The object is then not taken: return the error to fail the call.
 */
BATON_API int baton_ctx_emit_resource(baton_ctx *ctx, baton_resource *r);
BATON_API int baton_ctx_emit_entitlement(baton_ctx *ctx, baton_entitlement *e);
BATON_API int baton_ctx_emit_grant(baton_ctx *ctx, baton_grant *g);

/* Annotations of this call's response (e.g. a RateLimitDescription, GrantAlreadyExists). */
BATON_API baton_annotations *baton_ctx_annotations(baton_ctx *ctx);

/*
 * The "nothing to do" answers of provisioning, in place of appending the annotation by its full
 * protobuf name:
 *  - baton_ctx_annotate_already_granted(): in a grant callback, the principal already had the
 *    entitlement (GrantAlreadyExists); the one-shot logs "already granted" and succeeds.
 *  - baton_ctx_annotate_already_revoked(): in a revoke callback, the grant was already gone
 *    (GrantAlreadyRevoked); the one-shot logs "already revoked" and succeeds.
 * Each replaces any earlier copy of its annotation on this call's response (calling it twice
 * leaves one), then the callback returns 0. Returns 0; BATON_EPRECONDITION outside a callback,
 * BATON_EINVALID in any other callback (the message names it), BATON_EEXHAUSTED when memory is
 * short.
 */
BATON_API int baton_ctx_annotate_already_granted(baton_ctx *ctx);
BATON_API int baton_ctx_annotate_already_revoked(baton_ctx *ctx);

/* create_account: the outcome, the account's resource (may be NULL for IN_PROGRESS) and, for
 * ACTION_REQUIRED, a message for the user. */
BATON_API int baton_ctx_account_result(baton_ctx *ctx, baton_account_result result,
                                       baton_resource *account, const char *message);
/* create_account / rotate_credentials / issue_credential: a secret for the caller (PlaintextData). The bytes are
 * copied, handed only to the encryption step, and wiped afterwards. */
BATON_API int baton_ctx_emit_secret(baton_ctx *ctx, const char *name, const char *description,
                                    const uint8_t *bytes, size_t len);
/* issue_credential: the issued secret resource (built with ctx; its id's type must be the
 * option's secret_resource_type_id) and how it is represented (the option's resource_mode). */
BATON_API int baton_ctx_issued_credential(baton_ctx *ctx, baton_resource *secret,
                                          baton_credential_resource_mode mode);
/* A random password honouring opts (length 8..64; constraints, or one each of upper, lower,
 * digit and punctuation), from the system CSPRNG, allocated in ctx. */
BATON_API int baton_ctx_generate_password(baton_ctx *ctx, const baton_credential_options *opts,
                                          char **password);

/* Logging through the SDK's logger (stderr; console or JSON as configured). */
typedef enum baton_log_level {
	BATON_LOG_DEBUG = 0,
	BATON_LOG_INFO = 1,
	BATON_LOG_WARN = 2,
	BATON_LOG_ERROR = 3
} baton_log_level;
BATON_API void baton_ctx_log(baton_ctx *ctx, baton_log_level level, const char *fmt, ...) BATON_PRINTF(3, 4);

/* ------------------------------------------------------------------------------------------ */
/* Session store: a key/value cache scoped to the running sync (v1_connector_sessions)          */

/*
 * Keys are stored as prefix + key (prefix may be NULL). Values are bytes; at most 4,132,864
 * bytes each, keys 1..512 bytes. Outside a sync the session store is not available
 * (BATON_EPRECONDITION).
 */
BATON_API int baton_session_get(baton_ctx *ctx, const char *prefix, const char *key,
                                const uint8_t **value, size_t *len); /* value in ctx; ENOTFOUND */
BATON_API int baton_session_set(baton_ctx *ctx, const char *prefix, const char *key,
                                const uint8_t *value, size_t len);
BATON_API int baton_session_delete(baton_ctx *ctx, const char *prefix, const char *key);
/* Deletes every key under prefix (NULL or "": the whole sync's store). */
BATON_API int baton_session_clear(baton_ctx *ctx, const char *prefix);
/* Calls fn for each key under prefix, in key order (keys given without the prefix); fn returning
 * non-zero stops the walk and that value is returned. */
BATON_API int baton_session_each(baton_ctx *ctx, const char *prefix,
                                 int (*fn)(const char *key, const uint8_t *value, size_t len,
                                           void *userdata),
                                 void *userdata);
/* One entry of baton_session_get_many / baton_session_set_many. */
typedef struct baton_session_item {
	const char *key;       /* without the prefix */
	const uint8_t *value;  /* set_many: the bytes; get_many: filled (ctx memory), NULL when absent */
	size_t len;
	bool found;            /* get_many: whether the key exists (set_many ignores it) */
} baton_session_item;
/*
 * Go's GetMany: looks every item's key up under prefix, all in one hold of the store, and fills
 * value/len/found. A missing key is found = false, not an error. 0, or the first error (a bad key
 * is BATON_EINVALID before anything is read).
 */
BATON_API int baton_session_get_many(baton_ctx *ctx, const char *prefix, baton_session_item *items, size_t n);
/*
 * Go's SetMany: every key and value is checked first (nothing is written when one is invalid:
 * BATON_EINVALID naming its index), then all are written in one hold of the store, in order (a key
 * given twice keeps the last value).
 */
BATON_API int baton_session_set_many(baton_ctx *ctx, const char *prefix, const baton_session_item *items,
                                     size_t n);
/* Typed JSON helpers: the value must be valid JSON (checked on set; BATON_EINVALID). */
BATON_API int baton_session_get_json(baton_ctx *ctx, const char *prefix, const char *key, char **json);
BATON_API int baton_session_set_json(baton_ctx *ctx, const char *prefix, const char *key, const char *json);

/* ------------------------------------------------------------------------------------------ */
/* Page tokens: a stack of cursors in one token (the Go SDK's pagination.Bag)                   */

typedef struct baton_page_bag baton_page_bag;

typedef struct baton_page_state {
	const char *token;            /* "" when none */
	const char *resource_type_id; /* "" when none */
	const char *resource_id;      /* "" when none */
} baton_page_state;

/*
 * Parses a page token into a new bag owned by ctx ("" or NULL: an empty bag). A malformed token
 * gives BATON_EINVALID "page token corrupt: ...". The serialized form is byte-identical to the Go
 * SDK's, so tokens move between the two.
 */
BATON_API int baton_page_bag_new(baton_ctx *ctx, const char *token, baton_page_bag **out);
/* Pushes a state (strings copied; NULL as ""). */
BATON_API int baton_page_bag_push(baton_page_bag *bag, const char *token, const char *resource_type_id,
                                  const char *resource_id);
/* Pops the current state into *out (strings valid as long as the ctx); false when empty. */
BATON_API bool baton_page_bag_pop(baton_page_bag *bag, baton_page_state *out);
/* The current state, or false when the bag is empty. */
BATON_API bool baton_page_bag_current(const baton_page_bag *bag, baton_page_state *out);
/* Pops, then pushes a copy of the popped state with `token` unless token is "" (BATON_EPRECONDITION
 * "no active page state" on an empty bag). */
BATON_API int baton_page_bag_next(baton_page_bag *bag, const char *token);
/* Like next, but on an empty bag sets the current state to {token}; then marshals. */
BATON_API int baton_page_bag_next_token(baton_page_bag *bag, const char *token, char **out);
/* The token for the bag ("" when its current state is empty), allocated in the bag's ctx. */
BATON_API int baton_page_bag_marshal(const baton_page_bag *bag, char **out);

BATON_END_DECLS

#endif /* BATON_CONNECTOR_H */
