/* See tls_server.h. */
#include "tls_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

int tls_make_certs(const char *dir)
{
	char cmd[8192];
	snprintf(cmd, sizeof(cmd),
	         "cd '%s' && command -v openssl >/dev/null 2>&1 && "
	         "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem "
	         "-subj /CN=baton-test-ca -days 2 >/dev/null 2>&1 && "
	         "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout other.key "
	         "-out other-ca.pem -subj /CN=baton-other-ca -days 2 >/dev/null 2>&1 && "
	         "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key -out server.csr "
	         "-subj /CN=127.0.0.1 >/dev/null 2>&1 && "
	         "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > san.ext && "
	         "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 "
	         "-extfile san.ext >/dev/null 2>&1",
	         dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void handle(tls_server *s, int c)
{
	SSL *ssl = SSL_new(s->ctx);
	SSL_set_fd(ssl, c);
	if (SSL_accept(ssl) != 1) {
		SSL_free(ssl);
		return;
	}
	char buf[65536];
	size_t n = 0;
	char *hdr_end = NULL;
	while (n < sizeof(buf) - 1) {
		int r = SSL_read(ssl, buf + n, (int)(sizeof(buf) - 1 - n));
		if (r <= 0)
			break;
		n += (size_t)r;
		buf[n] = '\0';
		if ((hdr_end = strstr(buf, "\r\n\r\n")) != NULL) {
			const char *cl = strcasestr(buf, "content-length:");
			size_t want = cl ? (size_t)strtoul(cl + 15, NULL, 10) : 0;
			if (n >= (size_t)(hdr_end + 4 - buf) + want)
				break;
		}
	}
	pthread_mutex_lock(&s->mu);
	if (hdr_end && s->n_reqs < 64) {
		tls_request *q = &s->reqs[s->n_reqs++];
		sscanf(buf, "%*s %255s", q->path);
		q->body = strdup(hdr_end + 4);
		const char *ua = strcasestr(buf, "\r\nuser-agent:");
		q->user_agent[0] = '\0';
		if (ua) {
			ua += 13;
			while (*ua == ' ')
				ua++;
			size_t l = strcspn(ua, "\r\n");
			snprintf(q->user_agent, sizeof(q->user_agent), "%.*s", (int)l, ua);
		}
	}
	char resp[8192];
	int len = snprintf(resp, sizeof(resp),
	                   "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\nConnection: "
	                   "close\r\n\r\n%s",
	                   s->status, strlen(s->answer), s->answer);
	pthread_mutex_unlock(&s->mu);
	SSL_write(ssl, resp, len);
	SSL_shutdown(ssl);
	SSL_free(ssl);
}

static void *serve(void *arg)
{
	tls_server *s = arg;
	for (;;) {
		pthread_mutex_lock(&s->mu);
		bool stop = s->stop;
		pthread_mutex_unlock(&s->mu);
		if (stop)
			break;
		struct pollfd p = {s->fd, POLLIN, 0};
		if (poll(&p, 1, 100) <= 0)
			continue;
		int c = accept(s->fd, NULL, NULL);
		if (c < 0)
			continue;
		handle(s, c);
		close(c);
	}
	return NULL;
}

int tls_server_start(tls_server *s, const char *dir)
{
	memset(s, 0, sizeof(*s));
	char cert[4200], key[4200];
	snprintf(cert, sizeof(cert), "%s/server.pem", dir);
	snprintf(key, sizeof(key), "%s/server.key", dir);
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx || SSL_CTX_use_certificate_file(ctx, cert, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		SSL_CTX_free(ctx);
		return -1;
	}
	s->ctx = ctx;
	s->fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t al = sizeof(a);
	if (bind(s->fd, (struct sockaddr *)&a, sizeof(a)) || listen(s->fd, 16) ||
	    getsockname(s->fd, (struct sockaddr *)&a, &al)) {
		close(s->fd);
		SSL_CTX_free(ctx);
		return -1;
	}
	s->port = ntohs(a.sin_port);
	s->status = 200;
	pthread_mutex_init(&s->mu, NULL);
	pthread_create(&s->thread, NULL, serve, s);
	return 0;
}

void tls_server_set(tls_server *s, int status, const char *body)
{
	pthread_mutex_lock(&s->mu);
	s->status = status;
	snprintf(s->answer, sizeof(s->answer), "%s", body);
	pthread_mutex_unlock(&s->mu);
}

int tls_server_requests(tls_server *s)
{
	pthread_mutex_lock(&s->mu);
	int n = s->n_reqs;
	pthread_mutex_unlock(&s->mu);
	return n;
}

void tls_server_stop(tls_server *s)
{
	pthread_mutex_lock(&s->mu);
	s->stop = true;
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	close(s->fd);
	SSL_CTX_free(s->ctx);
	for (int i = 0; i < s->n_reqs; i++)
		free(s->reqs[i].body);
	pthread_mutex_destroy(&s->mu);
}
