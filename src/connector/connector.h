/*
 * Internal side of include/baton/connector.h: the running connector (its resource types built
 * once from the author's structs) and the per-call state hung on a callback's context.
 *
 *   runtime.c       building and validating the runtime, init/close, type lookup
 *   call.c          the baton_ctx_* functions a callback uses (emit, pages, annotations, log, ...)
 *   session.c       the session store over the c1z's v1_connector_sessions
 *   pagebag.c       the page bag (Go's pagination.Bag, byte-identical JSON)
 *   gojson.c        Go encoding/json string escaping (shared with the sync token writer)
 *   capabilities.c  the ConnectorCapabilities message
 *   password.c      baton_ctx_generate_password
 */
#ifndef BATON_CONNECTOR_CONNECTOR_H
#define BATON_CONNECTOR_CONNECTOR_H

#include <pthread.h>
#include <stdio.h>

#include "baton/connector.h"
#include "baton/store.h"
#include "core/ctx.h"
#include "types/types.h"
#include "google/protobuf/any.pb-c.h"
#include "c1/connector/v2/connector.pb-c.h"

/* One resource type of the running connector. */
typedef struct baton__rtype {
	const baton_resource_syncer *syncer;
	baton_resource_type *rt;   /* built once, in the runtime's context */
	const char *id;
	/* The type-scoped callbacks (version 2 members; NULL for an older struct or when unset). */
	int (*type_entitlements)(baton_ctx *ctx, const char *resource_type_id);
	int (*type_grants)(baton_ctx *ctx, const char *resource_type_id);
	/* Credential issuing (version 3 members; NULL for an older struct or when unset). */
	int (*issue_credential)(baton_ctx *ctx, const baton_credential_issue_request *req);
	const baton_credential_issue_details *issue_details;
} baton__rtype;

typedef struct baton__runtime {
	const baton_connector *conn;
	baton_ctx ctx;             /* long-lived: the built types */
	baton__rtype *types;       /* in registration order (malloc) */
	size_t n_types;
	void *userdata;
	bool inited;
	/* During a sync: the store and the sync id sessions and callbacks see. */
	baton_store *store;
	const char *sync_id;
	/* During a sync: the syncer's (recursive) store lock, held around every session store call
	 * (callbacks run on worker threads while the syncer uses the store). NULL: no locking. */
	pthread_mutex_t *store_mu;
} baton__runtime;

/*
 * Validates the connector (version, display name, unique type ids, required callbacks, credential
 * details), builds its resource types, and calls init. On failure nothing needs closing.
 */
int baton__runtime_open(baton__runtime *rt, const baton_connector *conn);
/* Calls close (when init ran) and frees the runtime. */
void baton__runtime_close(baton__runtime *rt);
/* The type with that id, or NULL. */
const baton__rtype *baton__runtime_find(const baton__runtime *rt, const char *id);
/* Builds the types and validates, without calling init (capabilities). */
int baton__runtime_build(baton__runtime *rt, const baton_connector *conn);

typedef enum baton__call_kind {
	BATON__CALL_NONE = 0,
	BATON__CALL_INIT,
	BATON__CALL_VALIDATE,
	BATON__CALL_DESCRIBE,
	BATON__CALL_LIST,
	BATON__CALL_ENTITLEMENTS,
	BATON__CALL_GRANTS,
	BATON__CALL_GET,
	BATON__CALL_STATIC_ENTITLEMENTS,
	BATON__CALL_GRANT,
	BATON__CALL_REVOKE,
	BATON__CALL_CREATE_RESOURCE,
	BATON__CALL_DELETE_RESOURCE,
	BATON__CALL_CREATE_ACCOUNT,
	BATON__CALL_ROTATE,
	BATON__CALL_ISSUE_CREDENTIAL
} baton__call_kind;

typedef struct baton__secret {
	char *name, *description;  /* malloc */
	uint8_t *bytes;            /* malloc, wiped on free */
	size_t len;
} baton__secret;

/* The state of one connector call, at ctx->sdk_state while the callback runs. */
typedef struct baton__call {
	baton__runtime *rt;
	baton__call_kind kind;
	const baton_resource_type *resource_type;
	const char *page_token;    /* "" for the first page */
	uint32_t page_size;
	char *next_page;           /* ctx memory; NULL: last page */
	void **items;              /* emitted objects (malloc'd array, objects in ctx) */
	size_t n_items, cap_items;
	/* Response annotations: a list view over these two fields (ctx memory). */
	size_t n_annos;
	Google__Protobuf__Any **annos;
	baton_annotations annotations;
	bool annotations_ready;
	/* create_account */
	bool has_account_result;
	baton_account_result account_result;
	baton_resource *account;
	char *account_message;
	/* create_account / rotate_credentials / issue_credential */
	baton__secret *secrets;
	size_t n_secrets;
	/* issue_credential (baton_ctx_issued_credential) */
	baton_resource *issued;
	baton_credential_resource_mode issued_mode;
} baton__call;

/* Prepares `call` for one callback on ctx (ctx->sdk_state = call). */
void baton__call_begin(baton__call *call, baton_ctx *ctx, baton__runtime *rt, baton__call_kind kind,
                       const baton_resource_type *type, const char *page_token);
/*
 * After the SDK consumed the results: forgets the items, wipes the secrets, detaches the call
 * from ctx and resets ctx's memory (baton__ctx_reset).
 */
void baton__call_end(baton__call *call, baton_ctx *ctx);
/* Frees the call's own allocations (the items array). */
void baton__call_free(baton__call *call);
/* The running call of ctx, or NULL outside a callback. */
baton__call *baton__call_of(baton_ctx *ctx);

/* ---- gojson.c ---- */

/* Appends s as a JSON string (with quotes) escaped as Go's encoding/json.Marshal does: HTML
 * characters and U+2028/U+2029 as \uXXXX, invalid UTF-8 as \ufffd. 0 or BATON_EEXHAUSTED. */
typedef struct baton__buf {
	char *data;
	size_t len, cap;
	bool oom;
} baton__buf;
void baton__buf_put(baton__buf *b, const char *s, size_t n);
void baton__buf_puts(baton__buf *b, const char *s);
void baton__buf_printf(baton__buf *b, const char *fmt, ...) BATON_PRINTF(2, 3);
void baton__buf_go_string(baton__buf *b, const char *s);
void baton__buf_free(baton__buf *b);

/* ---- capabilities.c ---- */

/*
 * Builds c1.connector.v2.ConnectorCapabilities for the connector as the Go SDK's builder does
 * (allocated in ctx). BATON_EINVALID for invalid credential details.
 */
int baton__connector_capabilities(const baton_connector *conn, baton_ctx *ctx,
                                  C1__Connector__V2__ConnectorCapabilities **out);
/* The same as protojson (compact, or multiline with two-space indent), in ctx. */
int baton__connector_capabilities_json(const baton_connector *conn, baton_ctx *ctx, bool multiline,
                                       char **json);

/* ---- metadata.c ---- */

/*
 * ConnectorMetadata as the Go SDK's builder answers GetMetadata (allocated in ctx): display name,
 * description, help_url, icon/logo AssetRefs, capabilities, and ExternalTicketSettings{enabled:
 * tickets->enabled} when the connector has a ticket manager. (No account creation schema: the C
 * connector struct has no member for one.)
 */
int baton__connector_metadata(const baton_connector *conn, baton_ctx *ctx, C1__Connector__V2__ConnectorMetadata **out);
/* The same as protojson, in ctx. */
int baton__connector_metadata_json(const baton_connector *conn, baton_ctx *ctx, bool multiline, char **json);

/* ---- issue.c: credential issuing (Go's CredentialIssuer) ---- */

/* Checks every type's issue_details as the Go builder does (kinds, shapes, key profiles, expiry
 * bounds, preferred option, a secret type of this connector with delete_resource). */
int baton__issue_check_details(const baton__runtime *rt);
/* The CredentialDetailsCredentialIssue message of the details (in ctx). */
int baton__issue_details_msg(baton_ctx *ctx, const baton_credential_issue_details *d,
                             C1__Connector__V2__CredentialDetailsCredentialIssue **out);
/* Checks a request against the details at time now (Go's validateCredentialIssueInput);
 * BATON_EINVALID "invalid credential issuance request: ...". *option: the matching option. */
int baton__issue_check_request(const baton_credential_issue_details *d, const baton_credential_issue_request *req,
                               baton_timestamp now, const baton_credential_issue_option **option);
/* Checks what the callback handed over (Go's validateCredentialIssueOutput); BATON_EINTERNAL
 * "connector returned invalid credential issuance output: ...". */
int baton__issue_check_result(const baton__call *call, const baton_credential_issue_request *req,
                              const baton_credential_issue_option *option);
/* The option name as Go prints it (CAPABILITY_DETAIL_CREDENTIAL_OPTION_API_KEY, ...). */
const char *baton__credential_option_name(baton_credential_option o);

#endif
