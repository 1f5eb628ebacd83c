/*
 * The HTTP client's response path: the input is the raw bytes a server sends back (status line,
 * headers, body), served by a loopback fixture to a client with a bearer token, read the way a
 * SCIM connector does (baton_http_do through an OFFSET pager, the JSON body, the rate-limit
 * headers, the pager's next token; a CURSOR and a NEXT_LINK pager over the same answer).
 * Invariants: no crash or sanitizer report, and the token never shows in an error message, the
 * status line or the log (debug level, captured).
 */
#include "fuzz.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <jansson.h>

#include "baton.h"
#include "baton/http.h"
#include "core/log.h"

#define TOKEN "fuzz-SECRET-token-7c1e"

/* ---- the loopback fixture: one connection per input, the input as the answer ---- */

static int listen_fd = -1;
static int port;
/* the fixture's own copy (libFuzzer frees the input when the call returns, and the server may
 * still be writing to a client that gave up) */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static uint8_t *answer;
static size_t answer_len;

static void *serve(void *arg)
{
	(void)arg;
	for (;;) {
		int fd = accept(listen_fd, NULL, NULL);
		if (fd < 0)
			continue;
		/* the request (a GET: headers only) */
		char buf[8192];
		size_t got = 0;
		while (got < sizeof(buf) - 1) {
			ssize_t r = read(fd, buf + got, sizeof(buf) - 1 - got);
			if (r <= 0)
				break;
			got += (size_t)r;
			buf[got] = '\0';
			if (strstr(buf, "\r\n\r\n"))
				break;
		}
		pthread_mutex_lock(&mu);
		size_t off = 0;
		while (off < answer_len) {
			ssize_t w = send(fd, answer + off, answer_len - off, MSG_NOSIGNAL);
			if (w <= 0)
				break;
			off += (size_t)w;
		}
		pthread_mutex_unlock(&mu);
		shutdown(fd, SHUT_RDWR);
		close(fd);
	}
	return NULL;
}

static void start_fixture(void)
{
	listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	FUZZ_CHECK(listen_fd >= 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	FUZZ_CHECK(bind(listen_fd, (struct sockaddr *)&a, sizeof(a)) == 0);
	FUZZ_CHECK(listen(listen_fd, 16) == 0);
	FUZZ_CHECK(getsockname(listen_fd, (struct sockaddr *)&a, &al) == 0);
	port = ntohs(a.sin_port);
	pthread_t t;
	FUZZ_CHECK(pthread_create(&t, NULL, serve, NULL) == 0);
	pthread_detach(t);
}

/* ---- the client side ---- */

static void check_clean(const char *s)
{
	FUZZ_CHECK(!s || !strstr(s, TOKEN));
}

static void check_error(int rc)
{
	if (rc)
		check_clean(baton_error_last()->message);
}

static void pager_pass(baton_http_client *c, const baton_http_response *resp, const json_t *body,
                       baton_http_page_style style)
{
	baton_ctx *ctx;
	if (baton_ctx_new(&ctx))
		return;
	baton_http_pager_options po = BATON_HTTP_PAGER_OPTIONS_INIT;
	po.style = style;
	po.offset_param = "startIndex";
	po.size_param = "count";
	po.first_index = 1;
	po.first_index_set = true;
	po.page_size = 2;
	po.items_path = "Resources";
	po.total_path = "totalResults";
	po.cursor_path = "meta.next";
	baton_http_pager *p;
	int rc = baton_http_pager_new(ctx, &po, "", &p);
	if (!rc) {
		const char *next = NULL;
		rc = baton_http_pager_next(p, resp, body, &next);
		check_error(rc);
		/* a next token feeds the next page's request */
		baton_http_pager *p2;
		baton_http_request *r;
		if (!rc && next && *next && baton_http_pager_new(ctx, &po, next, &p2) == 0 &&
		    baton_http_pager_request(p2, c, "GET", "/scim/v2/Users", &r) == 0) {
			check_clean(baton_http_request_url_redacted(r));
			baton_http_request_free(r);
		}
	}
	baton_ctx_free(ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	if (!ready) {
		start_fixture();
		ready = true;
	}
	uint8_t *copy = malloc(size ? size : 1);
	FUZZ_CHECK(copy);
	memcpy(copy, data, size);
	pthread_mutex_lock(&mu);
	free(answer);
	answer = copy;
	answer_len = size;
	pthread_mutex_unlock(&mu);

	char *logbuf = NULL;
	size_t loglen = 0;
	FILE *log = open_memstream(&logbuf, &loglen);
	FUZZ_CHECK(log);
	baton__log_set_stream(log);
	baton__log_configure(BATON_LOG_DEBUG, BATON__LOG_JSON);

	char base[64];
	snprintf(base, sizeof(base), "http://127.0.0.1:%d", port);
	baton_http_client_options o = BATON_HTTP_CLIENT_OPTIONS_INIT;
	o.base_url = base;
	o.cache.mode = BATON_HTTP_CACHE_DISABLED;
	o.retry.disabled = true;
	o.timeout_ms = 3000;
	o.connect_timeout_ms = 1000;
	o.auth.kind = BATON_HTTP_AUTH_BEARER;
	o.auth.token = TOKEN;
	baton_http_client *c;
	FUZZ_CHECK(baton_http_client_new(&o, &c) == 0);
	baton_http_request *r;
	FUZZ_CHECK(baton_http_request_new(c, "GET", "/scim/v2/Users?startIndex=1&count=2", &r) == 0);
	baton_http_response *resp = NULL;
	int rc = baton_http_do(c, r, NULL, &resp);
	check_error(rc);
	if (resp) {
		check_clean(baton_http_response_status_line(resp));
		size_t n = baton_http_response_header_count(resp);
		for (size_t i = 0; i < n; i++) {
			const char *name, *value;
			FUZZ_CHECK(baton_http_response_header_at(resp, i, &name, &value) == 0);
			FUZZ_CHECK(name && value);
		}
		baton_http_rate_limit rl;
		check_error(baton_http_response_rate_limit(resp, &rl));
		json_t *body = NULL;
		int jrc = baton_http_response_json(resp, &body);
		check_error(jrc);
		pager_pass(c, resp, body, BATON_HTTP_PAGE_OFFSET);
		pager_pass(c, resp, body, BATON_HTTP_PAGE_NUMBER);
		pager_pass(c, resp, body, BATON_HTTP_PAGE_NEXT_LINK);
		if (body)
			pager_pass(c, resp, body, BATON_HTTP_PAGE_CURSOR);
		json_decref(body);
	}
	baton_http_response_free(resp);
	baton_http_request_free(r);
	baton_http_client_free(c);

	baton__log_set_stream(NULL);
	baton__log_configure(BATON_LOG_ERROR, BATON__LOG_CONSOLE);
	fclose(log);
	check_clean(logbuf);
	free(logbuf);
	return 0;
}
