/*
 * Service mode's calls across a short network outage (run by blip_service.sh, against fakec1):
 * the BatonService is reached through a TCP proxy this program runs, which can go dark (its
 * listener closed, every connection dropped, connections refused) for a while and come back.
 *
 * The Go SDK dials a new connection for every call and waits up to 30 s for it (grpc.WithBlock),
 * so a call made while the platform is briefly unreachable goes through once it is back. A gRPC
 * channel that saw its connection fail fails the next calls at once (fail-fast), so:
 *   1. FinishTask made during a 3 s outage must reach the server when it is back, not fail with
 *      Unavailable at once (the connection the channel had is dead: the first call on it fails,
 *      the call is made again on a new one); the server's own UNAVAILABLE (fakec1 answers the
 *      first FinishTask so) is the answer, not called again, as Go;
 *   2. a Heartbeat likewise;
 *   3. UploadAsset during a 3 s outage (its 3 attempts are 0 s and 1 s apart) must reach the
 *      server (InvalidArgument for an unknown task: the server's answer);
 *   4. UploadAsset while the platform stays down gives up after its connect wait (set to 2 s
 *      here; 30 s by default, as Go's dial), not after the 6 h upload deadline;
 *   5. GetTask during an outage still fails at once (the loop's own backoff retries it).
 *
 *   svc_blip <dir>  (environment: fakec1's env file: BATON_C1_API_HOST, SSL_CERT_FILE,
 *                    BATON_CLIENT_ID, BATON_CLIENT_SECRET; the test asset goes in <dir>)
 * Exit 0 when every check holds; 1 with a message otherwise.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "baton/common.h"
#include "c1/connectorapi/baton/v1/baton.pb-c.h"
#include "service/service.h"

/* ---- the proxy ---- */

#define MAX_PAIRS 64

typedef struct proxy {
	pthread_mutex_t mu;
	pthread_t thread;
	int lfd, port;
	struct sockaddr_in up;
	int pairs[MAX_PAIRS][2];   /* client side, upstream side; -1 when free */
	int64_t dark_until;        /* monotonic ms; 0: not dark; < 0: dark for good */
	bool quit;
} proxy;

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int listen_on(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 64)) {
		close(fd);
		return -1;
	}
	return fd;
}

static void drop_all(proxy *p)
{
	for (int i = 0; i < MAX_PAIRS; i++)
		for (int j = 0; j < 2; j++)
			if (p->pairs[i][j] >= 0) {
				close(p->pairs[i][j]);
				p->pairs[i][j] = -1;
			}
}

/* Copies what `from` has to `to`; false when either side is done. */
static bool pump(int from, int to)
{
	char buf[65536];
	ssize_t n = read(from, buf, sizeof(buf));
	if (n <= 0)
		return false;
	for (ssize_t off = 0; off < n;) {
		ssize_t w = write(to, buf + off, (size_t)(n - off));
		if (w <= 0)
			return false;
		off += w;
	}
	return true;
}

static void *proxy_main(void *arg)
{
	proxy *p = arg;
	for (;;) {
		pthread_mutex_lock(&p->mu);
		if (p->quit) {
			pthread_mutex_unlock(&p->mu);
			break;
		}
		bool dark = p->dark_until < 0 || (p->dark_until > 0 && now_ms() < p->dark_until);
		if (dark && p->lfd >= 0) {
			close(p->lfd);
			p->lfd = -1;
			drop_all(p);
		} else if (!dark && p->lfd < 0) {
			p->dark_until = 0;
			p->lfd = listen_on(p->port);
		}
		struct pollfd fds[1 + 2 * MAX_PAIRS];
		int idx[1 + 2 * MAX_PAIRS];
		nfds_t n = 0;
		if (p->lfd >= 0) {
			fds[n] = (struct pollfd){p->lfd, POLLIN, 0};
			idx[n++] = -1;
		}
		for (int i = 0; i < MAX_PAIRS; i++)
			for (int j = 0; j < 2; j++)
				if (p->pairs[i][j] >= 0) {
					fds[n] = (struct pollfd){p->pairs[i][j], POLLIN, 0};
					idx[n++] = i * 2 + j;
				}
		pthread_mutex_unlock(&p->mu);
		if (poll(fds, n, 50) <= 0)
			continue;
		pthread_mutex_lock(&p->mu);
		for (nfds_t k = 0; k < n; k++) {
			if (!fds[k].revents)
				continue;
			if (idx[k] < 0) {
				if (p->lfd < 0)
					continue;
				int c = accept(p->lfd, NULL, NULL);
				if (c < 0)
					continue;
				int u = socket(AF_INET, SOCK_STREAM, 0);
				if (connect(u, (struct sockaddr *)&p->up, sizeof(p->up))) {
					close(u);
					close(c);
					continue;
				}
				int i = 0;
				while (i < MAX_PAIRS && p->pairs[i][0] >= 0)
					i++;
				if (i == MAX_PAIRS) {
					close(u);
					close(c);
					continue;
				}
				p->pairs[i][0] = c;
				p->pairs[i][1] = u;
				continue;
			}
			int i = idx[k] / 2, j = idx[k] % 2;
			if (p->pairs[i][j] != fds[k].fd)
				continue; /* dropped meanwhile */
			if (!pump(p->pairs[i][j], p->pairs[i][1 - j])) {
				close(p->pairs[i][0]);
				close(p->pairs[i][1]);
				p->pairs[i][0] = p->pairs[i][1] = -1;
			}
		}
		pthread_mutex_unlock(&p->mu);
	}
	if (p->lfd >= 0)
		close(p->lfd);
	drop_all(p);
	return NULL;
}

static int proxy_start(proxy *p, const char *upstream)
{
	memset(p, 0, sizeof(*p));
	memset(p->pairs, -1, sizeof(p->pairs));
	pthread_mutex_init(&p->mu, NULL);
	char host[64];
	snprintf(host, sizeof(host), "%s", upstream);
	char *colon = strrchr(host, ':');
	if (!colon)
		return -1;
	*colon = '\0';
	p->up.sin_family = AF_INET;
	p->up.sin_port = htons((uint16_t)atoi(colon + 1));
	if (inet_pton(AF_INET, host, &p->up.sin_addr) != 1)
		return -1;
	p->lfd = listen_on(0);
	if (p->lfd < 0)
		return -1;
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	getsockname(p->lfd, (struct sockaddr *)&a, &al);
	p->port = ntohs(a.sin_port);
	return pthread_create(&p->thread, NULL, proxy_main, p) ? -1 : 0;
}

/* Dark for ms milliseconds from now (< 0: until further notice; 0: back now). */
static void proxy_dark(proxy *p, int64_t ms)
{
	pthread_mutex_lock(&p->mu);
	p->dark_until = ms < 0 ? -1 : ms == 0 ? 0 : now_ms() + ms;
	pthread_mutex_unlock(&p->mu);
	/* the proxy thread closes everything within its 50 ms poll */
	struct timespec t = {0, 150 * 1000000};
	nanosleep(&t, NULL);
}

static void proxy_stop(proxy *p)
{
	pthread_mutex_lock(&p->mu);
	p->quit = true;
	pthread_mutex_unlock(&p->mu);
	pthread_join(p->thread, NULL);
	pthread_mutex_destroy(&p->mu);
}

/* ---- the checks ---- */

static int failures;

static void check(bool ok, const char *what, int rc, int64_t ms)
{
	printf("%s  %s (rc %d \"%s\", %lld ms)\n", ok ? "ok  " : "FAIL", what, rc, rc ? baton_error_last()->message : "",
	       (long long)ms);
	if (!ok)
		failures++;
}

static int finish(baton__svc_conn *c, const char *task_id)
{
	C1__Connectorapi__Baton__V1__BatonServiceFinishTaskRequest req =
	    C1__CONNECTORAPI__BATON__V1__BATON_SERVICE_FINISH_TASK_REQUEST__INIT;
	C1__Connectorapi__Baton__V1__BatonServiceFinishTaskRequest__Success ok =
	    C1__CONNECTORAPI__BATON__V1__BATON_SERVICE_FINISH_TASK_REQUEST__SUCCESS__INIT;
	req.host_id = c->host_id;
	req.task_id = (char *)task_id;
	req.final_state_case = C1__CONNECTORAPI__BATON__V1__BATON_SERVICE_FINISH_TASK_REQUEST__FINAL_STATE_SUCCESS;
	req.success = &ok;
	ProtobufCMessage *resp = NULL;
	int rc = baton__svc_unary(c, "FinishTask", &req.base,
	                          &c1__connectorapi__baton__v1__baton_service_finish_task_response__descriptor, &resp, 30);
	if (resp)
		protobuf_c_message_free_unpacked(resp, NULL);
	return rc;
}

static int heartbeat(baton__svc_conn *c, const char *task_id)
{
	C1__Connectorapi__Baton__V1__BatonServiceHeartbeatRequest req =
	    C1__CONNECTORAPI__BATON__V1__BATON_SERVICE_HEARTBEAT_REQUEST__INIT;
	req.host_id = c->host_id;
	req.task_id = (char *)task_id;
	ProtobufCMessage *resp = NULL;
	int rc = baton__svc_unary(c, "Heartbeat", &req.base,
	                          &c1__connectorapi__baton__v1__baton_service_heartbeat_response__descriptor, &resp, 60);
	if (resp)
		protobuf_c_message_free_unpacked(resp, NULL);
	return rc;
}

static int get_task(baton__svc_conn *c)
{
	C1__Connectorapi__Baton__V1__BatonServiceGetTaskRequest req =
	    C1__CONNECTORAPI__BATON__V1__BATON_SERVICE_GET_TASK_REQUEST__INIT;
	req.host_id = c->host_id;
	ProtobufCMessage *resp = NULL;
	int rc = baton__svc_unary(c, "GetTask", &req.base,
	                          &c1__connectorapi__baton__v1__baton_service_get_task_response__descriptor, &resp, 60);
	if (resp)
		protobuf_c_message_free_unpacked(resp, NULL);
	return rc;
}

int main(int argc, char **argv)
{
	const char *host = getenv("BATON_C1_API_HOST"), *id = getenv("BATON_CLIENT_ID"),
	           *secret = getenv("BATON_CLIENT_SECRET");
	if (!host || !id || !secret || !getenv("SSL_CERT_FILE")) {
		fprintf(stderr, "svc_blip: run with fakec1's environment\n");
		return 2;
	}
	proxy p;
	if (proxy_start(&p, host)) {
		fprintf(stderr, "svc_blip: cannot start the proxy to %s\n", host);
		return 1;
	}
	char via[64];
	snprintf(via, sizeof(via), "127.0.0.1:%d", p.port);
	setenv("BATON_C1_API_HOST", via, 1);
	baton__svc_tokens t;
	baton__svc_conn c;
	char *target = baton__svc_target(via);
	if (baton__svc_tokens_init(&t, id, secret) || baton__svc_conn_open(&c, target, "svc_blip", &t)) {
		fprintf(stderr, "svc_blip: %s\n", baton_error_last()->message);
		return 1;
	}
	free(target);
	char asset[4096];
	snprintf(asset, sizeof(asset), "%s/asset-XXXXXX", argc > 1 ? argv[1] : ".");
	int afd = mkstemp(asset);
	if (afd < 0 || write(afd, "C1ZF\0not really", 15) != 15) {
		fprintf(stderr, "svc_blip: cannot write the asset\n");
		return 1;
	}
	close(afd);

	/* 0. through the proxy (the token too): the server answers */
	int64_t t0 = now_ms();
	int rc = heartbeat(&c, "no-such-task");
	check(rc == BATON_ENOTFOUND, "connected: Heartbeat of an unknown task is NotFound", rc, now_ms() - t0);

	/* 1. FinishTask during a 3 s outage: it reaches the server, whose first FinishTask answer is a
	 * scripted UNAVAILABLE; that status is the answer (not called again, as Go) */
	proxy_dark(&p, 3000);
	t0 = now_ms();
	rc = finish(&c, "no-such-task");
	check(rc == BATON_EUNAVAILABLE && strstr(baton_error_last()->message, "fakec1: scripted unavailability"),
	      "FinishTask during a 3 s outage reaches the server once it is back", rc, now_ms() - t0);
	t0 = now_ms();
	rc = finish(&c, "no-such-task");
	check(rc == BATON_ENOTFOUND, "the server's UNAVAILABLE was not answered by a second FinishTask", rc, now_ms() - t0);

	/* 2. Heartbeat likewise */
	proxy_dark(&p, 3000);
	t0 = now_ms();
	rc = heartbeat(&c, "no-such-task");
	check(rc == BATON_ENOTFOUND, "Heartbeat during a 3 s outage reaches the server once it is back", rc, now_ms() - t0);

	/* 3. UploadAsset during a 3 s outage */
	proxy_dark(&p, 3000);
	t0 = now_ms();
	rc = baton__svc_upload(&c, "no-such-task", asset, NULL);
	check(rc == BATON_EINVALID, "UploadAsset during a 3 s outage reaches the server once it is back", rc,
	      now_ms() - t0);

	/* 5. GetTask during an outage: at once */
	proxy_dark(&p, 3000);
	t0 = now_ms();
	rc = get_task(&c);
	int64_t took = now_ms() - t0;
	check(rc == BATON_EUNAVAILABLE && took < 2500, "GetTask during an outage fails at once (the loop backs off)", rc,
	      took);
	proxy_dark(&p, 0);
	t0 = now_ms();
	for (int i = 0; i < 100 && (rc = get_task(&c)) == BATON_EUNAVAILABLE; i++) {
		struct timespec ts = {0, 100 * 1000000};
		nanosleep(&ts, NULL);
	}
	check(rc == 0, "GetTask once the platform is back", rc, now_ms() - t0);

	/* 4. UploadAsset while the platform stays down: bounded by the connect wait */
	c.connect_timeout_s = 2;
	proxy_dark(&p, -1);
	t0 = now_ms();
	rc = baton__svc_upload(&c, "no-such-task", asset, NULL);
	took = now_ms() - t0;
	check(rc == BATON_EUNAVAILABLE && took >= 2000 && took < 15000,
	      "UploadAsset with the platform down gives up after its connect waits", rc, took);

	unlink(asset);
	baton__svc_conn_close(&c);
	baton__svc_tokens_free(&t);
	proxy_stop(&p);
	printf("%s\n", failures ? "FAILED" : "all ok");
	return failures ? 1 : 0;
}
