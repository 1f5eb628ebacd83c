/*
 * Service mode transport (service.h): gRPC C core, one TLS channel to the BatonService, unary
 * calls and the UploadAsset client stream. Each call runs on its own pluck completion queue, so
 * any thread may call at any time. The bearer token goes in every call's initial metadata (as Go's
 * per-RPC credentials do), and only over TLS: the channel has no other kind of credentials.
 */
#include "service/service.h"

#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>
#include <openssl/evp.h>
#include <protobuf-c/protobuf-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "baton/common.h"
#include "c1/connectorapi/baton/v1/baton.pb-c.h"
#include "core/error.h"
#include "core/log.h"

#define SERVICE_PATH "/c1.connectorapi.baton.v1.BatonService/"
#define MAX_PEM (4 * 1024 * 1024)
#define UPLOAD_DEADLINE_S (6 * 3600)

static char *read_pem(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *p = malloc(MAX_PEM + 1);
	size_t n = p ? fread(p, 1, MAX_PEM, f) : 0;
	fclose(f);
	if (!p || n == 0 || n == MAX_PEM) {
		free(p);
		return NULL;
	}
	p[n] = '\0';
	return p;
}

static char *host_id(void)
{
	const char *env = getenv("BATON_HOST_ID");
	char buf[256] = "";
	if (env)
		return strdup(env[0] ? env : "baton-sdk");
	if (gethostname(buf, sizeof(buf) - 1) != 0 || !buf[0])
		return strdup("baton-sdk");
	return strdup(buf);
}

int baton__svc_conn_open(baton__svc_conn *c, const char *target, const char *user_agent, baton__svc_tokens *tokens)
{
	memset(c, 0, sizeof(*c));
	char *pem = NULL;
	const char *ca = getenv("SSL_CERT_FILE");
	if (ca && *ca && !(pem = read_pem(ca)))
		return baton_error_set(BATON_EINVALID, "SSL_CERT_FILE %s: cannot read a PEM file", ca);
	grpc_init();
	grpc_channel_credentials *creds = grpc_ssl_credentials_create(pem, NULL, NULL, NULL);
	free(pem);
	if (!creds) {
		grpc_shutdown_blocking();
		return baton_error_set(BATON_EINTERNAL, "gRPC: cannot create TLS credentials");
	}
	grpc_arg arg;
	memset(&arg, 0, sizeof(arg));
	arg.type = GRPC_ARG_STRING;
	arg.key = (char *)GRPC_ARG_PRIMARY_USER_AGENT_STRING;
	arg.value.string = (char *)user_agent;
	grpc_channel_args args = {1, &arg};
	c->channel = grpc_channel_create(target, creds, &args);
	grpc_channel_credentials_release(creds);
	c->target = strdup(target);
	c->host_id = host_id();
	c->tokens = tokens;
	c->upload_chunk = 512 * 1024;
	c->connect_timeout_s = 30;
	if (!c->channel || !c->target || !c->host_id) {
		baton__svc_conn_close(c);
		return baton_error_set(BATON_EINTERNAL, "gRPC: cannot create a channel to %s", target);
	}
	return 0;
}

void baton__svc_conn_close(baton__svc_conn *c)
{
	if (c->channel) {
		grpc_channel_destroy(c->channel);
		/* wait for gRPC's own cleanup (TLS sessions of failed connections included) before the
		 * process goes on to exit */
		grpc_shutdown_blocking();
	}
	free(c->target);
	free(c->host_id);
	memset(c, 0, sizeof(*c));
}

/* ------------------------------------------------------------------------------------------ */
/* Calls                                                                                       */

typedef struct call {
	grpc_completion_queue *cq;
	grpc_call *call;
	grpc_metadata auth;
	char *auth_value;
	grpc_metadata_array initial, trailing;
	grpc_status_code status;
	grpc_slice details;
	const char *error_string;
	const char *method;
	baton__svc_conn *conn;
	bool cancellable;        /* GetTask(s), Hello: given up when the daemon stops */
	bool cancelled;
	const atomic_bool *abort; /* when set and true, the call is given up (a task's heartbeat) */
} call;

/* GetTask(s) and Hello: retried by the loop (or the startup Hello), so they fail at once when
 * there is no connection, are not made again on a new one, and are given up when the daemon stops
 * (their token request too). The other calls must get through. */
static bool loop_retries(const char *method)
{
	return !strcmp(method, "GetTask") || !strcmp(method, "GetTasks") || !strcmp(method, "Hello");
}

static bool aborted(const call *k)
{
	return k->abort && atomic_load(k->abort);
}

/*
 * Go's client dials a new connection for every call and waits up to 30 s for it (WithBlock); a gRPC
 * channel whose connection failed fails its calls at once and reconnects on a growing backoff (up
 * to 2 min). So: every call first starts a connection attempt now when the channel is in its
 * backoff (as Go's fresh dial would), and a call that must get through (FinishTask, Heartbeat,
 * UploadAsset: not retried by the loop) waits up to connect_timeout_s for the channel to be ready.
 * GetTask and Hello fail at once instead: the loop and the startup Hello back off and ask again.
 */
static int connect_wait(call *k)
{
	grpc_channel *ch = k->conn->channel;
	grpc_connectivity_state st = grpc_channel_check_connectivity_state(ch, 1);
	if (st == GRPC_CHANNEL_TRANSIENT_FAILURE)
		grpc_channel_reset_connect_backoff(ch);
	if (k->cancellable)
		return 0;
	gpr_timespec end = gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
	                                gpr_time_from_seconds(k->conn->connect_timeout_s, GPR_TIMESPAN));
	while ((st = grpc_channel_check_connectivity_state(ch, 1)) != GRPC_CHANNEL_READY) {
		gpr_timespec now = gpr_now(GPR_CLOCK_MONOTONIC);
		if (st == GRPC_CHANNEL_SHUTDOWN || gpr_time_cmp(now, end) >= 0 || aborted(k))
			return baton_error_set(BATON_EUNAVAILABLE, "%s: cannot connect to %s within %d s", k->method,
			                       k->conn->target, k->conn->connect_timeout_s);
		gpr_timespec until = gpr_time_add(now, gpr_time_from_millis(200, GPR_TIMESPAN));
		if (gpr_time_cmp(until, end) > 0)
			until = end;
		int tag;
		grpc_channel_watch_connectivity_state(ch, st, until, k->cq, &tag);
		grpc_completion_queue_pluck(k->cq, &tag, gpr_inf_future(GPR_CLOCK_MONOTONIC), NULL);
	}
	return 0;
}

static int call_start(baton__svc_conn *c, call *k, const char *method, int timeout_s, const atomic_bool *abort)
{
	memset(k, 0, sizeof(*k));
	k->method = method;
	k->conn = c;
	k->abort = abort;
	k->cancellable = loop_retries(method);
	grpc_metadata_array_init(&k->initial);
	grpc_metadata_array_init(&k->trailing);
	k->details = grpc_empty_slice();
	k->cq = grpc_completion_queue_create_for_pluck(NULL);
	/* the connection first, then the token (whose endpoint is the same host), as Go's dial and
	 * per-RPC credentials go */
	int rc = connect_wait(k);
	if (rc)
		return rc;
	rc = baton__svc_tokens_get(c->tokens, k->cancellable, &k->auth_value);
	if (rc)
		return baton__error_prefix("%s", method);
	char path[128];
	snprintf(path, sizeof(path), SERVICE_PATH "%s", method);
	gpr_timespec deadline = gpr_time_add(gpr_now(GPR_CLOCK_REALTIME), gpr_time_from_seconds(timeout_s, GPR_TIMESPAN));
	grpc_slice m = grpc_slice_from_copied_string(path);
	k->call = grpc_channel_create_call(c->channel, NULL, GRPC_PROPAGATE_DEFAULTS, k->cq, m, NULL, deadline, NULL);
	grpc_slice_unref(m);
	if (!k->call)
		return baton_error_set(BATON_EINTERNAL, "%s: cannot create the call", method);
	k->auth.key = grpc_slice_from_static_string("authorization");
	k->auth.value = grpc_slice_from_copied_string(k->auth_value);
	return 0;
}

static void call_end(call *k)
{
	if (k->call)
		grpc_call_unref(k->call);
	if (k->cq) {
		grpc_completion_queue_shutdown(k->cq);
		grpc_completion_queue_pluck(k->cq, NULL, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
		grpc_completion_queue_destroy(k->cq);
	}
	if (k->auth_value) {
		grpc_slice_unref(k->auth.value);
		memset(k->auth_value, 0, strlen(k->auth_value));
		free(k->auth_value);
	}
	grpc_metadata_array_destroy(&k->initial);
	grpc_metadata_array_destroy(&k->trailing);
	grpc_slice_unref(k->details);
	gpr_free((void *)k->error_string);
}

/* Runs one batch and waits for it (a cancellable call is cancelled when the daemon stops). */
static bool batch(call *k, grpc_op *ops, size_t n, void *tag)
{
	if (grpc_call_start_batch(k->call, ops, n, tag, NULL) != GRPC_CALL_OK)
		return false;
	for (;;) {
		gpr_timespec until = gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_millis(200, GPR_TIMESPAN));
		grpc_event ev = grpc_completion_queue_pluck(k->cq, tag, until, NULL);
		if (ev.type == GRPC_OP_COMPLETE)
			return ev.success != 0;
		if (ev.type != GRPC_QUEUE_TIMEOUT)
			return false;
		if (!k->cancelled && ((k->cancellable && k->conn->stopping && k->conn->stopping()) || aborted(k))) {
			grpc_call_cancel(k->call, NULL);
			k->cancelled = true;
		}
	}
}

static grpc_byte_buffer *pack(const ProtobufCMessage *m)
{
	size_t n = protobuf_c_message_get_packed_size(m);
	grpc_slice s = grpc_slice_malloc(n);
	protobuf_c_message_pack(m, GRPC_SLICE_START_PTR(s));
	grpc_byte_buffer *bb = grpc_raw_byte_buffer_create(&s, 1);
	grpc_slice_unref(s);
	return bb;
}

static int unpack(const ProtobufCMessageDescriptor *d, grpc_byte_buffer *bb, ProtobufCMessage **out, const char *method)
{
	grpc_byte_buffer_reader r;
	if (!grpc_byte_buffer_reader_init(&r, bb))
		return baton_error_set(BATON_EINTERNAL, "%s: cannot read the reply", method);
	grpc_slice s = grpc_byte_buffer_reader_readall(&r);
	grpc_byte_buffer_reader_destroy(&r);
	*out = protobuf_c_message_unpack(d, NULL, GRPC_SLICE_LENGTH(s), GRPC_SLICE_START_PTR(s));
	grpc_slice_unref(s);
	if (!*out)
		return baton_error_set(BATON_EINTERNAL, "%s: the reply is not a %s", method, d->name);
	return 0;
}

/* The call's status as our result: 0, or the gRPC code negated with its details. */
static int status_result(call *k)
{
	if (k->status == GRPC_STATUS_OK)
		return 0;
	int code = (int)k->status;
	if (code < 1 || code > 16)
		code = 2;
	char *d = grpc_slice_to_c_string(k->details);
	baton_error_set(-code, "%s: %s", k->method, d && *d ? d : "call failed");
	gpr_free(d);
	return -code;
}

int baton__svc_unary(baton__svc_conn *c, const char *method, const ProtobufCMessage *req,
                     const ProtobufCMessageDescriptor *resp_desc, ProtobufCMessage **resp, int timeout_s)
{
	return baton__svc_unary_abortable(c, method, req, resp_desc, resp, timeout_s, NULL);
}

/* One attempt; *lost: the call failed with the connection under it (no answer from the server,
 * the channel no longer ready), not with a status the server sent. */
static int unary_once(baton__svc_conn *c, const char *method, const ProtobufCMessage *req,
                      const ProtobufCMessageDescriptor *resp_desc, ProtobufCMessage **resp, int timeout_s,
                      const atomic_bool *abort, bool *lost)
{
	*resp = NULL;
	*lost = false;
	call k;
	int rc = call_start(c, &k, method, timeout_s, abort);
	if (rc) {
		call_end(&k);
		return rc;
	}
	grpc_byte_buffer *send = pack(req), *recv = NULL;
	grpc_op ops[6];
	memset(ops, 0, sizeof(ops));
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	ops[0].data.send_initial_metadata.count = 1;
	ops[0].data.send_initial_metadata.metadata = &k.auth;
	ops[1].op = GRPC_OP_SEND_MESSAGE;
	ops[1].data.send_message.send_message = send;
	ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
	ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
	ops[3].data.recv_initial_metadata.recv_initial_metadata = &k.initial;
	ops[4].op = GRPC_OP_RECV_MESSAGE;
	ops[4].data.recv_message.recv_message = &recv;
	ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	ops[5].data.recv_status_on_client.trailing_metadata = &k.trailing;
	ops[5].data.recv_status_on_client.status = &k.status;
	ops[5].data.recv_status_on_client.status_details = &k.details;
	ops[5].data.recv_status_on_client.error_string = &k.error_string;
	if (!batch(&k, ops, 6, &k))
		rc = baton_error_set(BATON_EUNAVAILABLE, "%s: the call could not complete", method);
	else if (!(rc = status_result(&k))) {
		if (!recv)
			rc = baton_error_set(BATON_EINTERNAL, "%s: no reply message", method);
		else
			rc = unpack(resp_desc, recv, resp, method);
	}
	*lost = rc == BATON_EUNAVAILABLE && k.initial.count == 0 &&
	        grpc_channel_check_connectivity_state(c->channel, 0) != GRPC_CHANNEL_READY;
	grpc_byte_buffer_destroy(send);
	if (recv)
		grpc_byte_buffer_destroy(recv);
	call_end(&k);
	return rc;
}

int baton__svc_unary_abortable(baton__svc_conn *c, const char *method, const ProtobufCMessage *req,
                               const ProtobufCMessageDescriptor *resp_desc, ProtobufCMessage **resp, int timeout_s,
                               const atomic_bool *abort)
{
	/* A connection that died while idle (a load balancer's idle timeout, a platform restart) is
	 * noticed only by the next call, which fails at once ("Socket closed"): a call that must get
	 * through is made again on a new connection, as Go's client dials one for every call. A status
	 * the server sent (UNAVAILABLE included) is the answer, as in Go. */
	bool must = !loop_retries(method);
	int rc = 0;
	for (int attempt = 0; attempt < 3; attempt++) {
		bool lost;
		rc = unary_once(c, method, req, resp_desc, resp, timeout_s, abort, &lost);
		if (!lost || !must || (abort && atomic_load(abort)))
			break;
		baton__log(BATON_LOG_WARN, "service: the connection was lost under the call; calling again", "method", method,
		           "error", baton_error_last()->message, NULL);
	}
	return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* UploadAsset                                                                                 */

static bool send_one(call *k, const ProtobufCMessage *m, void *tag)
{
	grpc_byte_buffer *bb = pack(m);
	grpc_op op;
	memset(&op, 0, sizeof(op));
	op.op = GRPC_OP_SEND_MESSAGE;
	op.data.send_message.send_message = bb;
	bool ok = batch(k, &op, 1, tag);
	grpc_byte_buffer_destroy(bb);
	return ok;
}

static int file_sha256(FILE *f, uint8_t out[32], int64_t *size)
{
	EVP_MD_CTX *s = EVP_MD_CTX_new();
	if (!s || EVP_DigestInit_ex(s, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(s);
		return -1;
	}
	uint8_t buf[65536];
	size_t n;
	*size = 0;
	rewind(f);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		EVP_DigestUpdate(s, buf, n);
		*size += (int64_t)n;
	}
	unsigned int len = 32;
	int ok = EVP_DigestFinal_ex(s, out, &len) == 1;
	EVP_MD_CTX_free(s);
	return ferror(f) || !ok ? -1 : 0;
}

static int upload_once(baton__svc_conn *c, const char *task_id, FILE *f, const atomic_bool *abort)
{
	uint8_t sum[32];
	int64_t size;
	if (file_sha256(f, sum, &size))
		return baton_error_set(BATON_EINTERNAL, "UploadAsset: cannot read the asset");
	call k;
	int rc = call_start(c, &k, "UploadAsset", UPLOAD_DEADLINE_S, abort);
	if (rc) {
		call_end(&k);
		return rc;
	}
	grpc_op op;
	memset(&op, 0, sizeof(op));
	op.op = GRPC_OP_SEND_INITIAL_METADATA;
	op.data.send_initial_metadata.count = 1;
	op.data.send_initial_metadata.metadata = &k.auth;
	bool ok = batch(&k, &op, 1, &k);

	C1__Connectorapi__Baton__V1__BatonServiceUploadAssetRequest req =
	    C1__CONNECTORAPI__BATON__V1__BATON_SERVICE_UPLOAD_ASSET_REQUEST__INIT;
	C1__Connectorapi__Baton__V1__BatonServiceUploadAssetRequest__UploadMetadata md =
	    C1__CONNECTORAPI__BATON__V1__BATON_SERVICE_UPLOAD_ASSET_REQUEST__UPLOAD_METADATA__INIT;
	md.host_id = c->host_id;
	md.task_id = (char *)task_id;
	req.msg_case = C1__CONNECTORAPI__BATON__V1__BATON_SERVICE_UPLOAD_ASSET_REQUEST__MSG_METADATA;
	req.metadata = &md;
	ok = ok && send_one(&k, &req.base, &k);

	uint8_t *chunk = malloc((size_t)c->upload_chunk);
	if (!chunk)
		ok = false;
	rewind(f);
	C1__Connectorapi__Baton__V1__BatonServiceUploadAssetRequest__UploadData data =
	    C1__CONNECTORAPI__BATON__V1__BATON_SERVICE_UPLOAD_ASSET_REQUEST__UPLOAD_DATA__INIT;
	int64_t sent = 0, chunks = 0;
	while (ok && sent < size) {
		size_t want = (size_t)(size - sent < c->upload_chunk ? size - sent : c->upload_chunk);
		size_t got = fread(chunk, 1, want, f);
		if (got != want) {
			ok = false;
			rc = baton_error_set(BATON_EINTERNAL, "UploadAsset: the asset changed while it was sent");
			break;
		}
		data.data.data = chunk;
		data.data.len = got;
		req.msg_case = C1__CONNECTORAPI__BATON__V1__BATON_SERVICE_UPLOAD_ASSET_REQUEST__MSG_DATA;
		req.data = &data;
		ok = send_one(&k, &req.base, &k);
		sent += (int64_t)got;
		chunks++;
	}
	free(chunk);

	C1__Connectorapi__Baton__V1__BatonServiceUploadAssetRequest__UploadEOF eof =
	    C1__CONNECTORAPI__BATON__V1__BATON_SERVICE_UPLOAD_ASSET_REQUEST__UPLOAD_EOF__INIT;
	eof.sha256_checksum.data = sum;
	eof.sha256_checksum.len = sizeof(sum);
	req.msg_case = C1__CONNECTORAPI__BATON__V1__BATON_SERVICE_UPLOAD_ASSET_REQUEST__MSG_EOF;
	req.eof = &eof;
	ok = ok && send_one(&k, &req.base, &k);

	/* close and read the answer; after a failed send the status says why */
	grpc_byte_buffer *recv = NULL;
	grpc_op ops[4];
	memset(ops, 0, sizeof(ops));
	size_t n = 0;
	if (ok) {
		ops[n++].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
		ops[n].op = GRPC_OP_RECV_INITIAL_METADATA;
		ops[n++].data.recv_initial_metadata.recv_initial_metadata = &k.initial;
		ops[n].op = GRPC_OP_RECV_MESSAGE;
		ops[n++].data.recv_message.recv_message = &recv;
	}
	ops[n].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	ops[n].data.recv_status_on_client.trailing_metadata = &k.trailing;
	ops[n].data.recv_status_on_client.status = &k.status;
	ops[n].data.recv_status_on_client.status_details = &k.details;
	ops[n++].data.recv_status_on_client.error_string = &k.error_string;
	/* a send that failed leaves a stream whose status may never come (a connection that died
	 * under it): end it here, then read what the server said, if anything */
	if (!ok)
		grpc_call_cancel(k.call, NULL);
	if (!batch(&k, ops, n, &k)) {
		if (!rc)
			rc = baton_error_set(BATON_EUNAVAILABLE, "UploadAsset: the call could not complete");
	} else if (!rc) {
		if (ok || (k.status != GRPC_STATUS_OK && k.status != GRPC_STATUS_CANCELLED))
			rc = status_result(&k);
		else
			rc = baton_error_set(BATON_EUNAVAILABLE, "UploadAsset: the stream broke");
	}
	if (recv)
		grpc_byte_buffer_destroy(recv);
	call_end(&k);
	if (!rc) {
		char sz[24], nc[24];
		snprintf(sz, sizeof(sz), "%lld", (long long)size);
		snprintf(nc, sizeof(nc), "%lld", (long long)chunks);
		baton__log(BATON_LOG_INFO, "uploaded asset", "task_id", task_id, "size", sz, "chunks", nc, NULL);
	}
	return rc;
}

int baton__svc_upload(baton__svc_conn *c, const char *task_id, const char *path, const atomic_bool *abort)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return baton_error_set(BATON_EINTERNAL, "UploadAsset: cannot open %s", path);
	int rc = 0;
	for (int attempt = 0; attempt < 3; attempt++) {
		rc = upload_once(c, task_id, f, abort);
		if (!rc)
			break;
		if (abort && atomic_load(abort)) {
			rc = baton_error_set(BATON_ECANCELLED, "UploadAsset: given up");
			break;
		}
		baton__log(BATON_LOG_WARN, "failed to upload asset", "error", baton_error_last()->message, NULL);
		if (attempt < 2 && attempt > 0)
			sleep((unsigned)attempt);
	}
	fclose(f);
	return rc;
}
