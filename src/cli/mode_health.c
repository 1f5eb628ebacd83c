/*
 * The `health-check` subcommand: a client for the health server of a running connector (the Go
 * SDK's pkg/cli healthcheck command, meant for container probes). It GETs
 * http://<--health-check-bind-address>:<--health-check-port>/<endpoint> (health, ready or live;
 * --endpoint, default health) with a --timeout in seconds (default 5) for the whole exchange,
 * and exits 0 when the answer is 200, else prints why and exits non-zero. No configuration is
 * validated, as upstream.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli/modes.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"

#define FAIL_EXIT 2

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for `events` on fd until the deadline; 0, or an errno-style failure. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - now_ms();
		if (left <= 0)
			return ETIMEDOUT;
		struct pollfd p = {.fd = fd, .events = events};
		int n = poll(&p, 1, (int)(left > 1000000 ? 1000000 : left));
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return errno;
	}
}

static int dial(const char *host, const char *port, int64_t deadline, int *out, char *err, size_t errsz)
{
	struct addrinfo hints, *res = NULL;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	int g = getaddrinfo(host, port, &hints, &res);
	if (g) {
		snprintf(err, errsz, "dial tcp: lookup %s: %s", host, gai_strerror(g));
		return -1;
	}
	int last = ECONNREFUSED;
	for (struct addrinfo *a = res; a; a = a->ai_next) {
		int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
		if (fd < 0) {
			last = errno;
			continue;
		}
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		int rc = connect(fd, a->ai_addr, a->ai_addrlen);
		if (rc && errno == EINPROGRESS) {
			int soerr = 0;
			socklen_t sl = sizeof(soerr);
			rc = wait_fd(fd, POLLOUT, deadline);
			if (!rc && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0)
				rc = soerr;
			if (rc)
				errno = rc;
			rc = rc ? -1 : 0;
		}
		if (!rc) {
			freeaddrinfo(res);
			*out = fd;
			return 0;
		}
		last = errno;
		close(fd);
	}
	freeaddrinfo(res);
	snprintf(err, errsz, "dial tcp %s:%s: %s", host, port, strerror(last));
	return -1;
}

/* The HTTP status of GET path, or -1 with err filled. */
static int get_status(const char *host, const char *port, const char *path, int64_t deadline, char *err,
                      size_t errsz)
{
	int fd;
	if (dial(host, port, deadline, &fd, err, errsz))
		return -1;
	char req[1024];
	bool v6 = strchr(host, ':') != NULL;
	int n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s%s%s:%s\r\nUser-Agent: libbaton/%s\r\n"
	                 "Connection: close\r\n\r\n", path, v6 ? "[" : "", host, v6 ? "]" : "", port, baton_version());
	size_t off = 0;
	while (n > 0 && off < (size_t)n) {
		if (wait_fd(fd, POLLOUT, deadline)) {
			snprintf(err, errsz, "context deadline exceeded (Client.Timeout exceeded while sending the request)");
			close(fd);
			return -1;
		}
		ssize_t w = send(fd, req + off, (size_t)n - off, MSG_NOSIGNAL);
		if (w < 0 && errno != EAGAIN && errno != EINTR) {
			snprintf(err, errsz, "write: %s", strerror(errno));
			close(fd);
			return -1;
		}
		if (w > 0)
			off += (size_t)w;
	}
	char buf[256];
	size_t got = 0;
	while (got < sizeof(buf) - 1 && !memchr(buf, '\n', got)) {
		if (wait_fd(fd, POLLIN, deadline)) {
			snprintf(err, errsz, "context deadline exceeded (Client.Timeout exceeded while awaiting headers)");
			close(fd);
			return -1;
		}
		ssize_t r = recv(fd, buf + got, sizeof(buf) - 1 - got, 0);
		if (r == 0)
			break;
		if (r < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			snprintf(err, errsz, "read: %s", strerror(errno));
			close(fd);
			return -1;
		}
		got += (size_t)r;
	}
	close(fd);
	buf[got] = '\0';
	int status = 0;
	if (sscanf(buf, "HTTP/%*d.%*d %d", &status) != 1 || status < 100 || status > 999) {
		snprintf(err, errsz, "malformed HTTP response");
		return -1;
	}
	return status;
}

int baton__mode_health_check(baton__cli_env *env)
{
	baton__cli *cli = env->cli;
	const char *endpoint = cli->hc_endpoint ? cli->hc_endpoint : "health";
	const char *path = !strcmp(endpoint, "health") ? "/health"
	                   : !strcmp(endpoint, "ready") ? "/ready"
	                   : !strcmp(endpoint, "live")  ? "/live"
	                                                : NULL;
	if (!path) {
		fprintf(stderr, "invalid endpoint: %s (valid: health, ready, live)\n", endpoint);
		return FAIL_EXIT;
	}
	long long timeout = 5;
	if (cli->hc_timeout) {
		char *end;
		errno = 0;
		timeout = strtoll(cli->hc_timeout, &end, 10);
		if (!*cli->hc_timeout || *end || errno) {
			fprintf(stderr, "invalid argument \"%s\" for \"--timeout\" flag: strconv.ParseInt: parsing \"%s\": "
			        "invalid syntax\n", cli->hc_timeout, cli->hc_timeout);
			return FAIL_EXIT;
		}
	}
	/* Go's http.Client with a zero timeout never times out; a day stands for that */
	int64_t budget = timeout > 0 ? (timeout > 86400 ? 86400 : timeout) * 1000 : 86400000;
	char port[32], err[512];
	snprintf(port, sizeof(port), "%lld", (long long)baton__cli_int(cli, "health-check-port"));
	const char *host = baton__cli_string(cli, "health-check-bind-address");
	int status = get_status(host, port, path, now_ms() + budget, err, sizeof(err));
	if (status < 0) {
		fprintf(stderr, "health check failed: Get \"http://%s%s%s:%s%s\": %s\n", strchr(host, ':') ? "[" : "", host,
		        strchr(host, ':') ? "]" : "", port, path, err);
		return FAIL_EXIT;
	}
	if (status != 200) {
		fprintf(stderr, "health check returned status %d\n", status);
		return FAIL_EXIT;
	}
	return 0;
}
