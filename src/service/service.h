/*
 * Service mode: the connector runs as a ConductorOne daemon (--client-id / --client-secret),
 * asking the platform's BatonService for tasks over gRPC and doing them with what libbaton
 * already does (syncs, provisioning). The Go SDK v0.25's pkg/tasks/c1api, pkg/ugrpc and
 * pkg/crypto are the specification.
 *
 *   creds.c    client id / client secret parsing, the EdDSA JWT client assertion, the token
 *              exchange (POST https://HOST/auth/v1/token) and the cached bearer token
 *   rpc.c      gRPC C core: one TLS channel, unary calls and the UploadAsset client stream
 *   manager.c  Hello, the GetTask loop, heartbeats, FinishTask, --task-concurrency, signals
 *   tasks.c    one handler per task type, mapped onto syncs and provisioning calls
 *
 * Nothing here is public: baton_main calls baton__service_run when --client-id is given. The
 * client secret never reaches a log line, an error message or a file: errors about it say
 * "invalid client secret" and nothing more, and its key bytes are wiped when freed.
 */
#ifndef BATON_SERVICE_SERVICE_H
#define BATON_SERVICE_SERVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <stdatomic.h>

/* ---- creds.c ---- */

/*
 * Splits a client id "name@host/suffix" as the Go SDK does (first '@', then the first '/' after
 * it): *name and *host are malloc'd. BATON_EINVALID "invalid client id" otherwise.
 */
int baton__svc_parse_client_id(const char *client_id, char **name, char **host);

/* An Ed25519 private key from a client secret. */
typedef struct baton__svc_key {
	uint8_t seed[32];     /* the JWK's d (zero-padded / cut to 32 bytes, as go-jose copies it) */
	uint8_t pub[32];      /* the JWK's x */
	char *kid;            /* the JWK's kid (malloc), NULL for none */
} baton__svc_key;

/*
 * Parses "<a>:<b>:v1:<base64url JWK>" accepting and refusing exactly what the Go SDK's
 * crypto.ParseClientSecret does (an Ed25519 private OKP key), with one documented difference:
 * a JWK carrying an x5c certificate chain is refused (Go checks the chain's leaf key).
 * BATON_EINVALID "invalid client secret" on any failure: the message never quotes the input.
 */
int baton__svc_parse_client_secret(const char *secret, size_t len, baton__svc_key *key);
/* Wipes the key and frees its kid. */
void baton__svc_key_free(baton__svc_key *key);

/* The audience of the assertion: host without its port (Go's net.SplitHostPort), malloc'd. */
char *baton__svc_audience(const char *token_host);

/*
 * The gRPC target for token_host (BATON_C1_API_HOST in effect when set): "host:port" as given,
 * or "host:443"; an IPv6 host is bracketed. malloc'd.
 */
char *baton__svc_target(const char *token_host);

/*
 * The JWT client assertion: header {"alg":"EdDSA","kid"?,"nonce"} and claims {iss, sub =
 * client id, aud, exp = now + 120, nbf = now - 120, iat = now}, signed with Ed25519.
 * *out is malloc'd. `nonce` NULL: 16 random bytes, base64url.
 */
int baton__svc_jwt_assertion(const baton__svc_key *key, const char *client_id, const char *aud, int64_t now,
                             const char *nonce, char **out);

/* Base64url without padding (Go's RawURLEncoding); *out malloc'd and NUL-terminated. */
int baton__svc_b64url_encode(const uint8_t *in, size_t n, char **out);
/* Go's base64.RawURLEncoding.DecodeString: '\r' and '\n' skipped, no '='. *out malloc'd. */
int baton__svc_b64url_decode(const char *in, size_t n, uint8_t **out, size_t *out_len);

/* Access tokens, fetched and refreshed (10 s before expiry, as oauth2.ReuseTokenSource). */
typedef struct baton__svc_tokens {
	char *client_id;
	char *token_host;     /* from the client id: the audience */
	char *url;            /* https://<BATON_C1_API_HOST or token_host>/auth/v1/token */
	baton__svc_key key;
	char *ca_file;        /* SSL_CERT_FILE, or NULL: the system roots */
	pthread_mutex_t mu;
	bool mu_ready;
	char *header;         /* "Bearer <token>" (malloc), or NULL */
	int64_t expiry;       /* unix seconds; 0: none given (never expires) */
	long timeout_s;
	bool (*stopping)(void);  /* when set and true, an abandonable token request is given up */
} baton__svc_tokens;

/*
 * Sets up a token source (nothing fetched yet). On failure nothing needs freeing; the error is
 * "invalid client id" or "invalid client secret".
 */
int baton__svc_tokens_init(baton__svc_tokens *t, const char *client_id, const char *client_secret);
/*
 * The authorization header value in effect, fetched or refreshed when needed: a malloc'd copy in
 * *out. BATON_EUNAUTHENTICATED when the server says no, BATON_EUNAVAILABLE when it cannot be
 * reached. `abandonable` (a GetTask's or Hello's token): a fetch is not started, or given up
 * (BATON_ECANCELLED), once t->stopping says so; other calls get their token while the daemon stops.
 */
int baton__svc_tokens_get(baton__svc_tokens *t, bool abandonable, char **out);
void baton__svc_tokens_free(baton__svc_tokens *t);

/* ---- rpc.c ---- */

struct grpc_channel;
struct ProtobufCMessage;
struct ProtobufCMessageDescriptor;

/* A connection to the BatonService: one gRPC channel over TLS, shared by every thread. */
typedef struct baton__svc_conn {
	struct grpc_channel *channel;
	baton__svc_tokens *tokens;      /* borrowed */
	char *target;                   /* "host:port" (malloc) */
	char *host_id;                  /* $BATON_HOST_ID, else the hostname, else "baton-sdk" */
	int64_t upload_chunk;           /* UploadAsset data chunk size (512 KiB, as Go) */
	int connect_timeout_s;          /* how long a call waits for a connection (Go's dial: 30 s) */
	/* When set and true, a GetTask or Hello in flight is cancelled (the daemon is stopping);
	 * other calls (FinishTask, Heartbeat, UploadAsset) run to their end. */
	bool (*stopping)(void);
} baton__svc_conn;

/*
 * Opens the channel to `target` with TLS 1.2+ (the system roots, or the PEM file SSL_CERT_FILE
 * names) and the user agent `user_agent`. Nothing is sent yet. On failure nothing needs closing.
 */
int baton__svc_conn_open(baton__svc_conn *c, const char *target, const char *user_agent, baton__svc_tokens *tokens);
void baton__svc_conn_close(baton__svc_conn *c);

/*
 * One unary call of BatonService `method` ("Hello", "GetTask", ...): `req` is sent with the
 * bearer token as `authorization` metadata and a deadline of timeout_s seconds. FinishTask,
 * Heartbeat (and UploadAsset) first wait up to connect_timeout_s for a connection, as Go dials
 * one for every call; GetTask(s) and Hello fail at once when there is none. The reply is
 * unpacked into *resp (free with protobuf_c_message_free_unpacked). A non-OK status returns its
 * code negated (BATON_EUNAVAILABLE, ...) with "<method>: <details>" as the message.
 */
int baton__svc_unary(baton__svc_conn *c, const char *method, const struct ProtobufCMessage *req,
                     const struct ProtobufCMessageDescriptor *resp_desc, struct ProtobufCMessage **resp,
                     int timeout_s);
/* baton__svc_unary, given up (BATON_EUNAVAILABLE or the status gRPC gives a cancelled call) as
 * soon as *abort is true. */
int baton__svc_unary_abortable(baton__svc_conn *c, const char *method, const struct ProtobufCMessage *req,
                               const struct ProtobufCMessageDescriptor *resp_desc, struct ProtobufCMessage **resp,
                               int timeout_s, const atomic_bool *abort);

/*
 * UploadAsset: streams the file at `path` for task `task_id` as metadata, data chunks and an EOF
 * carrying its SHA-256, then reads the reply. Up to 3 attempts, 0 s then 1 s apart (Go's Upload),
 * each first waiting up to connect_timeout_s for a connection. Given up (BATON_ECANCELLED) as soon
 * as `abort` (may be NULL) is true: the task's heartbeat says it is cancelled or failed.
 */
int baton__svc_upload(baton__svc_conn *c, const char *task_id, const char *path, const atomic_bool *abort);

/* ---- idle.c ---- */

/*
 * Gives back what an idle daemon does not need resident: malloc_trim(0), then MADV_DONTNEED on
 * every read-only / executable mapping of a shared library or of the program whose pages are
 * all unmodified file pages (they stay in the page cache; a later use maps them again). Call it
 * when no task runs. Returns the kB of such pages dropped from this process's RSS.
 */
size_t baton__svc_idle_trim(void);
/* False when BATON_SERVICE_IDLE_TRIM=0. */
bool baton__svc_idle_trim_enabled(void);

/* ---- manager.c ---- */

struct baton__cli_env;

/* Runs service mode until SIGTERM / SIGINT (0) or a fatal error (the exit status). */
int baton__service_run(struct baton__cli_env *env);

#endif
