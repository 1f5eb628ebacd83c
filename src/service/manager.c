/*
 * Service mode's task loop (service.h), after the Go SDK's c1api task manager and connector
 * runner:
 *   - Hello at start (connector metadata, build and OS info), retried with a doubling backoff
 *     from 1 s up to 5 min unless the error is permanent (Unauthenticated, PermissionDenied,
 *     InvalidArgument, Unimplemented, FailedPrecondition, NotFound);
 *   - GetTask whenever a slot of --task-concurrency is free, then wait the server's next_poll
 *     (clamped to 0..5 min); after a failed GetTask wait errors² s (at most 1 min);
 *   - each task on its own thread; a task that runs for long (a sync) heartbeats at the server's
 *     interval (clamped 1 s..5 min, 30 s when unset), stops when the server says it is cancelled
 *     and gives up when the heartbeat failure counter reaches 10, as Go's;
 *   - FinishTask with the response, or with a google.rpc.Status and Error{non_retryable};
 *   - SIGTERM / SIGINT: no new task; a running sync checkpoints and its task is finished as
 *     Canceled (a re-issued task resumes from the checkpoint); the process exits 0.
 */
#include "service/service.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "baton/sync.h"
#include "c1/connectorapi/baton/v1/baton.pb-c.h"
#include "c1/connector/v2/annotation_external_ticket.pb-c.h"
#include "cli/cli.h"
#include "cli/modes.h"
#include "connector/connector.h"
#include "core/error.h"
#include "core/log.h"
#include "service/health.h"
#include "service/tasks.h"

#define HELLO_BACKOFF_MIN_S 1
#define HELLO_BACKOFF_MAX_S 300
#define POLL_MAX_MS (5 * 60 * 1000)
#define GETTASK_BACKOFF_MAX_S 60
#define UNARY_TIMEOUT_S 60

/* ------------------------------------------------------------------------------------------ */
/* Signals: a self-pipe the loop polls                                                         */

static int stop_pipe[2] = {-1, -1};
static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	int saved = errno;
	stop_signal = sig;
	baton_sync_request_stop();
	if (stop_pipe[1] >= 0) {
		ssize_t w = write(stop_pipe[1], "x", 1);
		(void)w;
	}
	errno = saved;
}

bool baton__svc_stopping(void)
{
	return stop_signal != 0;
}

/* Sleeps ms milliseconds or until a stop signal; true when stopping. */
bool baton__svc_sleep_ms(int64_t ms)
{
	if (stop_signal)
		return true;
	struct pollfd p = {stop_pipe[0], POLLIN, 0};
	while (ms > 0 && !stop_signal) {
		int chunk = ms > 1000 ? 1000 : (int)ms;
		int64_t t0 = baton__svc_now_ms();
		if (poll(&p, 1, chunk) > 0)
			break;
		ms -= baton__svc_now_ms() - t0;
	}
	return stop_signal != 0;
}

int64_t baton__svc_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------------------------------------ */
/* Hello                                                                                       */

typedef C1__Connectorapi__Baton__V1__BatonServiceHelloRequest hello_req;

/* The first value of KEY= in /etc/os-release (quotes dropped), or "". */
static void os_release(const char *key, char *out, size_t size)
{
	out[0] = '\0';
	FILE *f = fopen("/etc/os-release", "r");
	if (!f)
		return;
	char line[512];
	size_t kl = strlen(key);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, kl) || line[kl] != '=')
			continue;
		char *v = line + kl + 1;
		v[strcspn(v, "\r\n")] = '\0';
		size_t n = strlen(v);
		if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
			v[n - 1] = '\0';
			v++;
		}
		snprintf(out, size, "%s", v);
		break;
	}
	fclose(f);
}

int baton__svc_hello(baton__svc *s, const char *task_id)
{
	baton_ctx ctx;
	baton__ctx_init(&ctx);
	const baton_connector *conn = s->env->connector;
	C1__Connector__V2__ConnectorMetadata md = C1__CONNECTOR__V2__CONNECTOR_METADATA__INIT;
	md.display_name = (char *)(conn->display_name ? conn->display_name : "");
	md.description = (char *)(conn->description ? conn->description : "");
	md.help_url = (char *)(conn->help_url ? conn->help_url : "");
	C1__Connector__V2__AssetRef icon = C1__CONNECTOR__V2__ASSET_REF__INIT, logo = C1__CONNECTOR__V2__ASSET_REF__INIT;
	if (conn->icon_asset_id && *conn->icon_asset_id) {
		icon.id = (char *)conn->icon_asset_id;
		md.icon = &icon;
	}
	if (conn->logo_asset_id && *conn->logo_asset_id) {
		logo.id = (char *)conn->logo_asset_id;
		md.logo = &logo;
	}
	C1__Connector__V2__ConnectorCapabilities *caps = NULL;
	if (baton__connector_capabilities(conn, &ctx, &caps) == 0)
		md.capabilities = caps;
	/* a connector with a ticket manager carries ExternalTicketSettings, as Go's builder adds in
	 * GetMetadata; `enabled` is the builder's own option, which --ticketing does not reach (Go's
	 * connectors leave it false), so false here too */
	C1__Connector__V2__ExternalTicketSettings ets = C1__CONNECTOR__V2__EXTERNAL_TICKET_SETTINGS__INIT;
	Google__Protobuf__Any ets_any = GOOGLE__PROTOBUF__ANY__INIT, *annos[1] = {&ets_any};
	uint8_t ets_buf[8];
	if (conn->version >= 2 && conn->tickets) {
		ets_any.type_url = (char *)"type.googleapis.com/c1.connector.v2.ExternalTicketSettings";
		ets_any.value.len = protobuf_c_message_pack(&ets.base, ets_buf);
		ets_any.value.data = ets_buf;
		md.annotations = annos;
		md.n_annotations = 1;
	}

	struct utsname u;
	if (uname(&u) != 0)
		memset(&u, 0, sizeof(u));
	char os[72], platform[128], family[128], pversion[128];
	snprintf(os, sizeof(os), "%s", u.sysname[0] ? u.sysname : "linux");
	for (char *p = os; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	os_release("ID", platform, sizeof(platform));
	if (!platform[0])
		snprintf(platform, sizeof(platform), "%s", os);
	os_release("ID_LIKE", family, sizeof(family));
	family[strcspn(family, " ")] = '\0';
	if (!family[0])
		snprintf(family, sizeof(family), "%s", platform);
	os_release("VERSION_ID", pversion, sizeof(pversion));
	const char *kernel = u.release[0] ? u.release : "unknown";
	if (!pversion[0])
		snprintf(pversion, sizeof(pversion), "%s", kernel);
	C1__Connectorapi__Baton__V1__BatonServiceHelloRequest__OSInfo osi =
	    C1__CONNECTORAPI__BATON__V1__BATON_SERVICE_HELLO_REQUEST__OSINFO__INIT;
	osi.hostname = u.nodename[0] ? u.nodename : (char *)"unknown";
	osi.os = os;
	osi.platform = platform;
	osi.platform_family = family;
	osi.platform_version = pversion;
	osi.kernel_version = (char *)kernel;
	osi.kernel_arch = u.machine[0] ? u.machine : (char *)"unknown";
	struct stat st;
	osi.virtualization_system = (char *)(stat("/.dockerenv", &st) == 0 ? "docker" : "none");

	char lang[160];
	snprintf(lang, sizeof(lang), "C %s", __VERSION__);
	C1__Connectorapi__Baton__V1__BatonServiceHelloRequest__BuildInfo bi =
	    C1__CONNECTORAPI__BATON__V1__BATON_SERVICE_HELLO_REQUEST__BUILD_INFO__INIT;
	bi.lang_version = lang;
	bi.package = (char *)(s->env->cli->prog && *s->env->cli->prog ? s->env->cli->prog : "/dummy/path");
	bi.package_version = (char *)baton_version();

	hello_req req = C1__CONNECTORAPI__BATON__V1__BATON_SERVICE_HELLO_REQUEST__INIT;
	req.host_id = s->conn.host_id;
	req.task_id = (char *)(task_id ? task_id : "");
	req.build_info = &bi;
	req.os_info = &osi;
	req.connector_metadata = &md;
	ProtobufCMessage *resp = NULL;
	int rc = baton__svc_unary(&s->conn, "Hello", &req.base,
	                          &c1__connectorapi__baton__v1__baton_service_hello_response__descriptor, &resp,
	                          UNARY_TIMEOUT_S);
	if (resp)
		protobuf_c_message_free_unpacked(resp, NULL);
	baton__ctx_release(&ctx);
	return rc;
}

static bool hello_retryable(int rc)
{
	switch (rc) {
	case BATON_EUNAUTHENTICATED:
	case BATON_EPERM:
	case BATON_EINVALID:
	case BATON_EUNIMPLEMENTED:
	case BATON_EPRECONDITION:
	case BATON_ENOTFOUND:
		return false;
	default:
		return true;
	}
}

static int bootstrap(baton__svc *s)
{
	int64_t backoff = HELLO_BACKOFF_MIN_S;
	for (int attempt = 1;; attempt++) {
		int rc = baton__svc_hello(s, NULL);
		char n[16];
		snprintf(n, sizeof(n), "%d", attempt);
		if (rc == 0) {
			baton__log(BATON_LOG_INFO, "service: startup Hello succeeded", "attempts", n, NULL);
			return 0;
		}
		if (baton__svc_stopping())
			return BATON_ECANCELLED;
		if (!hello_retryable(rc)) {
			baton__log(BATON_LOG_ERROR, "service: startup Hello failed with a permanent error; giving up", "error",
			           baton_error_last()->message, "attempts", n, NULL);
			return rc;
		}
		char b[24];
		snprintf(b, sizeof(b), "%llds", (long long)backoff);
		baton__log(BATON_LOG_WARN, "service: startup Hello failed; will retry", "error", baton_error_last()->message,
		           "attempt", n, "next_backoff", b, NULL);
		if (baton__svc_sleep_ms(backoff * 1000))
			return BATON_ECANCELLED;
		backoff = backoff * 2 > HELLO_BACKOFF_MAX_S ? HELLO_BACKOFF_MAX_S : backoff * 2;
	}
}

/* ------------------------------------------------------------------------------------------ */
/* FinishTask                                                                                  */

int baton__svc_finish(baton__svc *s, const char *task_id, const ProtobufCMessage *response,
                      Google__Protobuf__Any **annos, size_t n_annos, int task_rc, const char *message,
                      bool non_retryable)
{
	C1__Connectorapi__Baton__V1__BatonServiceFinishTaskRequest req =
	    C1__CONNECTORAPI__BATON__V1__BATON_SERVICE_FINISH_TASK_REQUEST__INIT;
	C1__Connectorapi__Baton__V1__BatonServiceFinishTaskRequest__Success ok =
	    C1__CONNECTORAPI__BATON__V1__BATON_SERVICE_FINISH_TASK_REQUEST__SUCCESS__INIT;
	C1__Connectorapi__Baton__V1__BatonServiceFinishTaskRequest__Error err =
	    C1__CONNECTORAPI__BATON__V1__BATON_SERVICE_FINISH_TASK_REQUEST__ERROR__INIT;
	Google__Rpc__Status st = GOOGLE__RPC__STATUS__INIT;
	Google__Protobuf__Any any = GOOGLE__PROTOBUF__ANY__INIT;
	uint8_t *packed = NULL;
	char type_url[256];
	if (response) {
		size_t n = protobuf_c_message_get_packed_size(response);
		if (!(packed = malloc(n ? n : 1)))
			return baton__error_oom("FinishTask");
		protobuf_c_message_pack(response, packed);
		snprintf(type_url, sizeof(type_url), "type.googleapis.com/%s", response->descriptor->name);
		any.type_url = type_url;
		any.value.data = packed;
		any.value.len = n;
	}
	req.host_id = s->conn.host_id;
	req.task_id = (char *)task_id;
	if (task_rc == 0) {
		req.final_state_case = C1__CONNECTORAPI__BATON__V1__BATON_SERVICE_FINISH_TASK_REQUEST__FINAL_STATE_SUCCESS;
		req.success = &ok;
		ok.response = response ? &any : NULL;
		ok.annotations = annos;
		ok.n_annotations = n_annos;
		baton__log(BATON_LOG_INFO, "service: finishing task successfully", "task_id", task_id, NULL);
	} else {
		int code = task_rc < 0 ? -task_rc : 2;
		st.code = code >= 1 && code <= 16 ? code : 2;
		st.message = (char *)(message ? message : "");
		req.status = &st;
		req.final_state_case = C1__CONNECTORAPI__BATON__V1__BATON_SERVICE_FINISH_TASK_REQUEST__FINAL_STATE_ERROR;
		req.error = &err;
		err.non_retryable = non_retryable;
		err.response = response ? &any : NULL;
		err.annotations = annos;
		err.n_annotations = n_annos;
		baton__log(BATON_LOG_ERROR, "service: finishing task with error", "task_id", task_id, "error", st.message,
		           NULL);
	}
	ProtobufCMessage *resp = NULL;
	int rc = baton__svc_unary(&s->conn, "FinishTask", &req.base,
	                          &c1__connectorapi__baton__v1__baton_service_finish_task_response__descriptor, &resp,
	                          30);
	if (resp)
		protobuf_c_message_free_unpacked(resp, NULL);
	free(packed);
	if (rc)
		baton__log(BATON_LOG_ERROR, "service: error finishing task", "task_id", task_id, "error",
		           baton_error_last()->message, NULL);
	return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Heartbeats                                                                                  */

/*
 * A server's Duration in ms, saturating as Go's AsDuration does instead of overflowing (any
 * seconds beyond what an int64 of ms holds are far past every clamp); *zero when it is exactly 0.
 */
static int64_t duration_ms(const Google__Protobuf__Duration *d, bool *zero)
{
	if (zero)
		*zero = !d || (d->nanos % 1000000000 == 0 && d->seconds == -(int64_t)(d->nanos / 1000000000));
	if (!d)
		return 0;
	const int64_t lim = INT64_MAX / 1000 - 3;
	if (d->seconds > lim)
		return INT64_MAX;
	if (d->seconds < -lim)
		return INT64_MIN;
	return d->seconds * 1000 + d->nanos / 1000000;
}

int64_t baton__svc_heartbeat_interval_ms(const Google__Protobuf__Duration *d)
{
	bool zero;
	int64_t ms = duration_ms(d, &zero);
	if (zero)
		return 30000;
	if (ms < 1000)
		return 1000;
	if (ms > 5 * 60 * 1000)
		return 5 * 60 * 1000;
	return ms;
}

static int heartbeat_once(baton__svc_heartbeat *h, bool *cancelled, int64_t *interval_ms)
{
	C1__Connectorapi__Baton__V1__BatonServiceHeartbeatRequest req =
	    C1__CONNECTORAPI__BATON__V1__BATON_SERVICE_HEARTBEAT_REQUEST__INIT;
	req.host_id = h->s->conn.host_id;
	req.task_id = (char *)h->task_id;
	ProtobufCMessage *m = NULL;
	int rc = baton__svc_unary_abortable(&h->s->conn, "Heartbeat", &req.base,
	                                    &c1__connectorapi__baton__v1__baton_service_heartbeat_response__descriptor,
	                                    &m, UNARY_TIMEOUT_S, &h->stop);
	if (rc)
		return rc;
	C1__Connectorapi__Baton__V1__BatonServiceHeartbeatResponse *r = (void *)m;
	*cancelled = r->cancelled;
	for (size_t i = 0; i < r->n_cancelled_task_ids; i++)
		if (!strcmp(r->cancelled_task_ids[i], h->task_id))
			*cancelled = true;
	*interval_ms = baton__svc_heartbeat_interval_ms(r->next_heartbeat);
	protobuf_c_message_free_unpacked(m, NULL);
	return 0;
}

static void *heartbeat_main(void *arg)
{
	baton__svc_heartbeat *h = arg;
	int attempts = 0;
	pthread_mutex_lock(&h->mu);
	for (;;) {
		attempts++;
		if (attempts >= h->max_failures) {
			baton__log(BATON_LOG_ERROR, "heartbeat: failed too many times; stopping the task", "task_id", h->task_id,
			           NULL);
			atomic_store(&h->failed, true);
			if (h->on_cancel)
				h->on_cancel(h->cancel_arg);
			break;
		}
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		int64_t ns = until.tv_nsec + (h->interval_ms % 1000) * 1000000;
		until.tv_sec += (time_t)(h->interval_ms / 1000 + ns / 1000000000);
		until.tv_nsec = (long)(ns % 1000000000);
		while (!h->done && pthread_cond_timedwait(&h->cv, &h->mu, &until) != ETIMEDOUT)
			;
		if (h->done)
			break;
		pthread_mutex_unlock(&h->mu);
		bool cancelled = false;
		int64_t interval = h->interval_ms;
		int rc = h->send(h, &cancelled, &interval);
		pthread_mutex_lock(&h->mu);
		if (h->done)
			break;
		if (rc) {
			baton__log(BATON_LOG_ERROR, "heartbeat: failed sending heartbeat", "task_id", h->task_id, "error",
			           baton_error_last()->message, NULL);
			continue;
		}
		h->interval_ms = interval;
		if (cancelled) {
			baton__log(BATON_LOG_INFO, "heartbeat: the server cancelled the task", "task_id", h->task_id, NULL);
			atomic_store(&h->cancelled, true);
			if (h->on_cancel)
				h->on_cancel(h->cancel_arg);
			break;
		}
		attempts = 0;
	}
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

int baton__svc_heartbeat_start(baton__svc_heartbeat *h, baton__svc *s, const char *task_id,
                               void (*on_cancel)(void *), void *arg)
{
	memset(h, 0, sizeof(*h));
	h->s = s;
	h->task_id = task_id;
	h->on_cancel = on_cancel;
	h->cancel_arg = arg;
	h->max_failures = 10;
	h->send = heartbeat_once;
	return baton__svc_heartbeat_begin(h);
}

int baton__svc_heartbeat_begin(baton__svc_heartbeat *h)
{
	bool cancelled = false;
	int64_t interval = 30000;
	int rc = h->send(h, &cancelled, &interval);
	if (rc)
		return baton__error_prefix("task failed heartbeat");
	if (cancelled)
		return baton_error_set(BATON_ECANCELLED, "task was cancelled");
	h->interval_ms = interval;
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->cv, NULL);
	if (pthread_create(&h->thread, NULL, heartbeat_main, h)) {
		pthread_cond_destroy(&h->cv);
		pthread_mutex_destroy(&h->mu);
		return baton_error_set(BATON_EINTERNAL, "heartbeat: cannot start a thread");
	}
	h->started = true;
	return 0;
}

void baton__svc_heartbeat_stop(baton__svc_heartbeat *h)
{
	if (!h->started)
		return;
	/* a heartbeat in flight (waiting for a connection, or for a slow server) ends now: the task is
	 * done and its FinishTask should not wait for it */
	atomic_store(&h->stop, true);
	pthread_mutex_lock(&h->mu);
	h->done = true;
	pthread_cond_signal(&h->cv);
	pthread_mutex_unlock(&h->mu);
	pthread_join(h->thread, NULL);
	pthread_cond_destroy(&h->cv);
	pthread_mutex_destroy(&h->mu);
	h->started = false;
}

/* ------------------------------------------------------------------------------------------ */
/* The loop                                                                                    */

typedef struct worker {
	baton__svc *s;
	C1__Connectorapi__Baton__V1__Task *task;
} worker;

/* No task runs: give back what idling does not need (idle.c). */
static void idle_trim(baton__svc *s)
{
	if (!s->idle_trim)
		return;
	char kb[24];
	snprintf(kb, sizeof(kb), "%zu", baton__svc_idle_trim());
	baton__log(BATON_LOG_DEBUG, "service: idle; library pages released", "kB", kb, NULL);
}

static void *worker_main(void *arg)
{
	worker *w = arg;
	baton__svc *s = w->s;
	baton__svc_process(s, w->task);
	if (s->get_tasks)
		baton__svc_queue_done(&s->queue, w->task->id);
	protobuf_c_message_free_unpacked(&w->task->base, NULL);
	free(w);
	pthread_mutex_lock(&s->mu);
	bool idle = --s->running == 0;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	if (idle)
		idle_trim(s);
	/* done: the loop joins this thread (reap), so that a stopping daemon exits only after every
	 * worker has ended, its thread-local state (OpenSSL's error queue, ...) freed */
	pthread_mutex_lock(&s->mu);
	pthread_t *grown = realloc(s->reap, (s->n_reap + 1) * sizeof(*grown));
	if (grown) {
		s->reap = grown;
		s->reap[s->n_reap++] = pthread_self();
	} else {
		pthread_detach(pthread_self());
	}
	s->threads--;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* Joins the workers that have ended (all of them, waiting, when `all`). */
static void reap(baton__svc *s, bool all)
{
	pthread_mutex_lock(&s->mu);
	while (all && s->threads > 0)
		pthread_cond_wait(&s->cv, &s->mu);
	pthread_t *list = s->reap;
	size_t n = s->n_reap;
	s->reap = NULL;
	s->n_reap = 0;
	pthread_mutex_unlock(&s->mu);
	for (size_t i = 0; i < n; i++)
		pthread_join(list[i], NULL);
	free(list);
}

/* Waits for a free slot (true) or a stop (false). */
static bool wait_slot(baton__svc *s)
{
	pthread_mutex_lock(&s->mu);
	while (s->running >= s->concurrency && !stop_signal) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 200 * 1000000;
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&s->cv, &s->mu, &until);
	}
	bool ok = !stop_signal;
	pthread_mutex_unlock(&s->mu);
	return ok;
}

int64_t baton__svc_next_poll_ms(const Google__Protobuf__Duration *d)
{
	int64_t ms = duration_ms(d, NULL);
	return ms < 0 ? 0 : ms > POLL_MAX_MS ? POLL_MAX_MS : ms;
}

static void dispatch(baton__svc *s, C1__Connectorapi__Baton__V1__Task *task)
{
	reap(s, false);
	worker *w = malloc(sizeof(*w));
	pthread_t th;
	pthread_mutex_lock(&s->mu);
	s->running++;
	s->threads++;
	pthread_mutex_unlock(&s->mu);
	if (w) {
		w->s = s;
		w->task = task;
	}
	if (!w || pthread_create(&th, NULL, worker_main, w)) {
		pthread_mutex_lock(&s->mu);
		s->threads--;
		pthread_mutex_unlock(&s->mu);
		/* no thread: do it here */
		free(w);
		baton__svc_process(s, task);
		if (s->get_tasks)
			baton__svc_queue_done(&s->queue, task->id);
		protobuf_c_message_free_unpacked(&task->base, NULL);
		pthread_mutex_lock(&s->mu);
		s->running--;
		pthread_mutex_unlock(&s->mu);
	}
}

/* Go's Next without BATON_GET_TASKS: one GetTask; *wait_ms is the server's next_poll. */
static int next_single(baton__svc *s, C1__Connectorapi__Baton__V1__Task **out, int64_t *wait_ms)
{
	C1__Connectorapi__Baton__V1__BatonServiceGetTaskRequest req =
	    C1__CONNECTORAPI__BATON__V1__BATON_SERVICE_GET_TASK_REQUEST__INIT;
	req.host_id = s->conn.host_id;
	ProtobufCMessage *m = NULL;
	int rc = baton__svc_unary(&s->conn, "GetTask", &req.base,
	                          &c1__connectorapi__baton__v1__baton_service_get_task_response__descriptor, &m,
	                          UNARY_TIMEOUT_S);
	if (rc)
		return rc;
	C1__Connectorapi__Baton__V1__BatonServiceGetTaskResponse *r = (void *)m;
	*wait_ms = baton__svc_next_poll_ms(r->next_poll);
	C1__Connectorapi__Baton__V1__Task *task = r->task;
	if (task && task->task_type_case != C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_NONE) {
		r->task = NULL; /* the caller owns it now */
		*out = task;
	}
	protobuf_c_message_free_unpacked(m, NULL);
	return 0;
}

/* The wait when no task is at hand: the poll decision's, else 100 ms (Go: no spinning). */
static int64_t idle_wait(int64_t wait_ms)
{
	return wait_ms > 0 ? wait_ms : 100;
}

/*
 * Go's Next with BATON_GET_TASKS: a queued task, topped up with GetTasks when the queue runs low
 * and the server's next_poll allows. A failed top-up is an error only when no task is at hand.
 */
static int next_batch(baton__svc *s, C1__Connectorapi__Baton__V1__Task **out, int64_t *wait_ms)
{
	baton__svc_queue *q = &s->queue;
	C1__Connectorapi__Baton__V1__Task *task = baton__svc_queue_take(q);
	int64_t decided = 0;
	baton__svc_poll p = baton__svc_queue_decide(q, baton__svc_now_ms(), &decided);
	*wait_ms = 0;
	if (p == BATON__SVC_POLL_WAIT) {
		if (!task)
			*wait_ms = idle_wait(decided);
		*out = task;
		return 0;
	}
	if (p == BATON__SVC_POLL_FETCH) {
		C1__Connectorapi__Baton__V1__BatonServiceGetTasksRequest req =
		    C1__CONNECTORAPI__BATON__V1__BATON_SERVICE_GET_TASKS_REQUEST__INIT;
		req.host_id = s->conn.host_id;
		int rc = baton__svc_queue_fetch_params(q, &req.known_task_ids, &req.n_known_task_ids, &req.page_size);
		ProtobufCMessage *m = NULL;
		if (!rc)
			rc = baton__svc_unary(&s->conn, "GetTasks", &req.base,
			                      &c1__connectorapi__baton__v1__baton_service_get_tasks_response__descriptor, &m,
			                      UNARY_TIMEOUT_S);
		if (!rc) {
			C1__Connectorapi__Baton__V1__BatonServiceGetTasksResponse *r = (void *)m;
			int64_t poll = baton__svc_next_poll_ms(r->next_poll);
			char np[24], nt[24], ps[24];
			snprintf(np, sizeof(np), "%lldms", (long long)poll);
			snprintf(nt, sizeof(nt), "%zu", r->n_tasks);
			snprintf(ps, sizeof(ps), "%u", (unsigned)req.page_size);
			baton__log(BATON_LOG_DEBUG, "service: fetched task batch", "next_poll", np, "tasks", nt, "page_size", ps,
			           NULL);
			baton__svc_queue_set_next_poll(q, baton__svc_now_ms(), poll);
			baton__svc_queue_enqueue(q, r->tasks, r->n_tasks);
			protobuf_c_message_free_unpacked(m, NULL);
		}
		baton__svc_queue_free_ids(req.known_task_ids, req.n_known_task_ids);
		if (rc) {
			baton__log(BATON_LOG_ERROR, "service: failed to top up task batch", "error", baton_error_last()->message,
			           NULL);
			if (!task)
				return rc;
		}
	}
	if (!task)
		task = baton__svc_queue_take(q);
	if (!task) {
		baton__svc_queue_decide(q, baton__svc_now_ms(), &decided);
		*wait_ms = idle_wait(decided);
	}
	*out = task;
	return 0;
}

static void run_loop(baton__svc *s)
{
	int64_t wait_ms = 0;
	int errors = 0;
	while (!baton__svc_sleep_ms(wait_ms)) {
		if (!wait_slot(s))
			break;
		C1__Connectorapi__Baton__V1__Task *task = NULL;
		int64_t next_wait = 0;
		int rc = s->get_tasks ? next_batch(s, &task, &next_wait) : next_single(s, &task, &next_wait);
		if (rc) {
			errors++;
			wait_ms = (int64_t)errors * errors * 1000;
			if (wait_ms > GETTASK_BACKOFF_MAX_S * 1000)
				wait_ms = GETTASK_BACKOFF_MAX_S * 1000;
			char n[16], w[24];
			snprintf(n, sizeof(n), "%d", errors);
			snprintf(w, sizeof(w), "%lldms", (long long)wait_ms);
			baton__log(BATON_LOG_ERROR, "service: error getting next task", "error", baton_error_last()->message,
			           "err_count", n, "next_check_after", w, NULL);
			continue;
		}
		errors = 0;
		wait_ms = next_wait;
		if (!task)
			continue;
		baton__log(BATON_LOG_DEBUG, "service: got task", "task_id", task->id, "task_type",
		           baton__svc_task_type_name(task), NULL);
		dispatch(s, task);
	}
}

int baton__service_run(baton__cli_env *env)
{
	baton__cli *cli = env->cli;
	const char *client_id = baton__cli_string(cli, "client-id");
	const char *secret = baton__cli_string(cli, "client-secret");
	baton__svc s;
	memset(&s, 0, sizeof(s));
	s.env = env;
	char *name = NULL, *host = NULL, *target = NULL;
	int rc = baton__svc_parse_client_id(client_id, &name, &host);
	if (!rc)
		rc = baton__svc_tokens_init(&s.tokens, client_id, secret);
	if (rc) {
		fprintf(stderr, "%s\n", baton_error_last()->message);
		free(name);
		free(host);
		return 2;
	}
	const char *env_host = getenv("BATON_C1_API_HOST");
	target = baton__svc_target(env_host ? env_host : host);
	char ua[512];
	snprintf(ua, sizeof(ua), "%s libbaton/%s", name, baton_version());
	free(name);
	free(host);
	if (!target || baton__svc_conn_open(&s.conn, target, ua, &s.tokens)) {
		if (!target)
			baton__error_oom("target");
		fprintf(stderr, "%s\n", baton_error_last()->message);
		free(target);
		baton__svc_tokens_free(&s.tokens);
		return 2;
	}
	s.conn.stopping = baton__svc_stopping;
	s.tokens.stopping = baton__svc_stopping;
	s.concurrency = (int)baton__cli_int(cli, "task-concurrency");
	if (s.concurrency < 1)
		s.concurrency = 1;
	s.get_tasks = baton__svc_env_bool(getenv(BATON__SVC_GET_TASKS_ENV));
	s.idle_trim = baton__svc_idle_trim_enabled();
	if (s.get_tasks && baton__svc_queue_init(&s.queue, s.concurrency)) {
		fprintf(stderr, "%s\n", baton_error_last()->message);
		baton__svc_conn_close(&s.conn);
		baton__svc_tokens_free(&s.tokens);
		free(target);
		return 1;
	}
	const char *tmp = baton__cli_string(cli, "c1z-temp-dir");
	if (!*tmp)
		tmp = getenv("TMPDIR");
	s.tmp_dir = tmp && *tmp ? tmp : "/tmp";
	pthread_mutex_init(&s.mu, NULL);
	pthread_cond_init(&s.cv, NULL);
	pthread_mutex_init(&s.ext_mu, NULL);

	int status = 0;
	struct sigaction sa, old_int, old_term;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	/* one-shot, as the sync mode's: a second signal ends the process at once (the working copy
	 * survives that too) */
	sa.sa_flags = SA_RESTART | SA_RESETHAND;
	stop_signal = 0;
	if (pipe(stop_pipe) == 0) {
		fcntl(stop_pipe[0], F_SETFL, O_NONBLOCK);
		fcntl(stop_pipe[1], F_SETFL, O_NONBLOCK);
	}
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);

	char conc[16];
	snprintf(conc, sizeof(conc), "%d", s.concurrency);
	baton__log(BATON_LOG_INFO, "service: starting", "target", target, "task_concurrency", conc, "polling",
	           s.get_tasks ? "GetTasks" : "GetTask", NULL);
	rc = bootstrap(&s);
	baton__svc_health *health = NULL;
	/* as Go's runner: the health server starts once the startup Hello went through */
	if (rc == 0 && baton__cli_bool(cli, "health-check"))
		rc = baton__svc_health_start(&health, env->connector, baton__cli_string(cli, "health-check-bind-address"),
		                             (long long)baton__cli_int(cli, "health-check-port"));
	if (rc == 0 || rc == BATON_ECANCELLED) {
		if (rc == 0) {
			idle_trim(&s);
			run_loop(&s);
		}
		/* let running tasks see the stop, checkpoint and finish */
		baton_sync_request_stop();
		pthread_mutex_lock(&s.mu);
		while (s.running > 0)
			pthread_cond_wait(&s.cv, &s.mu);
		pthread_mutex_unlock(&s.mu);
		reap(&s, true);
		baton__log(BATON_LOG_INFO, "service: stopped", "signal",
		           stop_signal == SIGINT ? "SIGINT" : stop_signal == SIGTERM ? "SIGTERM" : "", NULL);
	} else {
		fprintf(stderr, "%s\n", baton_error_last()->message);
		status = baton__exit_status(rc);
	}

	baton__svc_health_stop(health);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	for (int i = 0; i < 2; i++) {
		if (stop_pipe[i] >= 0)
			close(stop_pipe[i]);
		stop_pipe[i] = -1;
	}
	baton__svc_tasks_cleanup(&s);
	baton__svc_queue_free(&s.queue);
	pthread_mutex_destroy(&s.ext_mu);
	pthread_cond_destroy(&s.cv);
	pthread_mutex_destroy(&s.mu);
	baton__svc_conn_close(&s.conn);
	baton__svc_tokens_free(&s.tokens);
	free(target);
	return status;
}
