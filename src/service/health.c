/*
 * Service mode's HTTP health server (--health-check, --health-check-port,
 * --health-check-bind-address), after the Go SDK v0.25's pkg/healthcheck as its connector runner
 * starts it: only in service mode, once the startup Hello has succeeded, on bind:port (Go's
 * net.JoinHostPort + Listen "tcp"), served by libmicrohttpd (a thread per connection, so a slow
 * validation does not hold up /live).
 *
 *   /health  the connector's validate (a fresh runtime: init, validate, close), 200
 *            {"status":"healthy"} or 503 {"status":"unhealthy", "details":{"error":"connector
 *            validation failed", "validation_error":"rpc error: code = <Code> desc = validate
 *            failed: <message>"}}; an init failure is Go's "failed to get connector client";
 *   /ready   200 {"status":"ready"} (Go: the connector client can be had; here the connector
 *            struct was accepted before the server starts, so it always can);
 *   /live    200 {"status":"alive"}.
 * Every reply is Go's json.Encoder output: {"status","timestamp" (RFC 3339 UTC, seconds),
 * "details" when not empty}, a newline, Content-Type application/json. Any method is answered, as
 * Go's ServeMux patterns without a method; any other path is 404 "404 page not found\n"
 * (text/plain; charset=utf-8), as Go's.
 */
#include "service/health.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "connector/connector.h"
#include "core/ctx.h"
#include "core/error.h"
#include "core/log.h"

struct baton__svc_health {
	struct MHD_Daemon *daemon;
	const baton_connector *conn;
	int fd;
};

/* ------------------------------------------------------------------------------------------ */
/* Replies                                                                                     */

static void put_reply(baton__buf *b, const char *status, const char *error, const char *verr)
{
	char ts[32];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	baton__buf_puts(b, "{\"status\":");
	baton__buf_go_string(b, status);
	baton__buf_puts(b, ",\"timestamp\":");
	baton__buf_go_string(b, ts);
	if (error) {
		/* a map: keys sorted, as encoding/json writes them */
		baton__buf_puts(b, ",\"details\":{\"error\":");
		baton__buf_go_string(b, error);
		if (verr) {
			baton__buf_puts(b, ",\"validation_error\":");
			baton__buf_go_string(b, verr);
		}
		baton__buf_puts(b, "}");
	}
	baton__buf_puts(b, "}\n");
}

/* The connector's validate on a runtime of its own; 0, or the error in *error / *verr (malloc'd). */
static int check_health(const baton_connector *conn, char **error, char **verr)
{
	*error = *verr = NULL;
	baton__runtime rt;
	int rc = baton__runtime_open(&rt, conn);
	if (rc) {
		baton__log(BATON_LOG_WARN, "health check failed: could not get connector client", "error",
		           baton_error_last()->message, NULL);
		*error = strdup("failed to get connector client");
		return rc;
	}
	if (conn->validate) {
		baton_ctx ctx;
		baton__ctx_init(&ctx);
		baton__call call;
		memset(&call, 0, sizeof(call));
		baton__call_begin(&call, &ctx, &rt, BATON__CALL_VALIDATE, NULL, "");
		baton_error_clear();
		rc = conn->validate(&ctx);
		if (rc) {
			if (rc > 0 || baton_error_last()->code == BATON_OK)
				baton_error_set(rc < 0 ? rc : BATON_EUNKNOWN, "the connector failed without a message");
			if (rc > 0)
				rc = BATON_EUNKNOWN;
			/* as Go's client sees the connector's error through gRPC */
			baton__buf b = {0};
			baton__buf_printf(&b, "rpc error: code = %s desc = validate failed: %s", baton_error_code_name(rc),
			                  baton_error_last()->message);
			baton__log(BATON_LOG_WARN, "health check failed: connector validation failed", "error",
			           b.data ? b.data : "", NULL);
			*error = strdup("connector validation failed");
			*verr = b.oom ? NULL : b.data;
			if (b.oom)
				baton__buf_free(&b);
		}
		baton__call_end(&call, &ctx);
		baton__call_free(&call);
		baton__ctx_release(&ctx);
	}
	baton__runtime_close(&rt);
	return rc;
}

static enum MHD_Result send_reply(struct MHD_Connection *c, unsigned code, const char *type, const char *body,
                                  size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", type);
	if (code == MHD_HTTP_NOT_FOUND)
		MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	enum MHD_Result ok = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **state)
{
	baton__svc_health *h = cls;
	(void)method;
	(void)version;
	(void)upload;
	/* the first call only announces the headers; a body, if any, is read and dropped */
	if (!*state) {
		*state = h;
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0;
		return MHD_YES;
	}
	baton__buf b = {0};
	unsigned code = MHD_HTTP_OK;
	if (!strcmp(url, "/live")) {
		put_reply(&b, "alive", NULL, NULL);
	} else if (!strcmp(url, "/ready")) {
		put_reply(&b, "ready", NULL, NULL);
	} else if (!strcmp(url, "/health")) {
		char *error = NULL, *verr = NULL;
		if (check_health(h->conn, &error, &verr)) {
			code = MHD_HTTP_SERVICE_UNAVAILABLE;
			put_reply(&b, "unhealthy", error ? error : "connector validation failed", verr);
		} else {
			put_reply(&b, "healthy", NULL, NULL);
		}
		free(error);
		free(verr);
	} else {
		static const char nf[] = "404 page not found\n";
		return send_reply(c, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8", nf, sizeof(nf) - 1);
	}
	if (b.oom) {
		baton__buf_free(&b);
		return MHD_NO;
	}
	enum MHD_Result ok = send_reply(c, code, "application/json", b.data, b.len);
	baton__buf_free(&b);
	return ok;
}

/* ------------------------------------------------------------------------------------------ */
/* Listening                                                                                   */

/* Go's net.JoinHostPort: an address with a ':' is bracketed. */
static void join_host_port(char *out, size_t size, const char *host, long long port)
{
	snprintf(out, size, strchr(host, ':') ? "[%s]:%lld" : "%s:%lld", host, port);
}

static int listen_on(const char *bind_addr, long long port, const char *addr, int *out)
{
	if (port < 0 || port > 65535)
		return baton_error_set(BATON_EINVALID, "failed to start health check server: listen tcp: address %s: invalid port",
		                       addr);
	char ps[16];
	snprintf(ps, sizeof(ps), "%lld", port);
	struct addrinfo hints, *res = NULL;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	/* "" is every address: IPv6 first (dual-stack), as Go listens */
	hints.ai_family = *bind_addr ? AF_UNSPEC : AF_INET6;
	int g = getaddrinfo(*bind_addr ? bind_addr : NULL, ps, &hints, &res);
	if (g && !*bind_addr) {
		hints.ai_family = AF_INET;
		g = getaddrinfo(NULL, ps, &hints, &res);
	}
	if (g)
		return baton_error_set(BATON_EINVALID, "failed to start health check server: listen tcp: lookup %s: %s",
		                       bind_addr, g == EAI_NONAME ? "no such host" : gai_strerror(g));
	int err = 0;
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		int one = 1, zero = 0;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (ai->ai_family == AF_INET6 && !*bind_addr)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 64) == 0) {
			freeaddrinfo(res);
			*out = fd;
			return 0;
		}
		err = errno;
		close(fd);
	}
	freeaddrinfo(res);
	/* Go's errno texts are strerror's with a lower-case first letter ("address already in use") */
	char why[128];
	snprintf(why, sizeof(why), "%s", strerror(err));
	if (why[0] >= 'A' && why[0] <= 'Z')
		why[0] = (char)(why[0] - 'A' + 'a');
	return baton_error_set(err == EADDRINUSE ? BATON_EEXISTS : BATON_EUNAVAILABLE,
	                       "failed to start health check server: listen tcp %s: bind: %s", addr, why);
}

int baton__svc_health_start(baton__svc_health **out, const baton_connector *conn, const char *bind_addr,
                            long long port)
{
	*out = NULL;
	char addr[320];
	join_host_port(addr, sizeof(addr), bind_addr ? bind_addr : "", port);
	int fd = -1;
	int rc = listen_on(bind_addr ? bind_addr : "", port, addr, &fd);
	if (rc)
		return rc;
	baton__svc_health *h = calloc(1, sizeof(*h));
	if (!h) {
		close(fd);
		return baton__error_oom("health check server");
	}
	h->conn = conn;
	h->fd = fd;
	h->daemon = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
	                                 MHD_USE_ERROR_LOG,
	                             0, NULL, NULL, on_request, h, MHD_OPTION_LISTEN_SOCKET, fd,
	                             MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)60, MHD_OPTION_END);
	if (!h->daemon) {
		/* the socket is left to the process's exit: whether MHD closed it on this path is not said */
		free(h);
		return baton_error_set(BATON_EINTERNAL, "failed to start health check server: libmicrohttpd refused to start");
	}
	baton__log(BATON_LOG_INFO, "health check server starting", "address", addr, NULL);
	*out = h;
	return 0;
}

void baton__svc_health_stop(baton__svc_health *h)
{
	if (!h)
		return;
	baton__log(BATON_LOG_INFO, "stopping health check server", NULL);
	MHD_stop_daemon(h->daemon); /* closes the listening socket too */
	free(h);
}
