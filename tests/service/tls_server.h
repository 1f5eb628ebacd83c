/*
 * A throwaway CA and a tiny HTTPS/1.1 server on 127.0.0.1 for the service tests: one request per
 * connection, each answered with the status and body the test set, every request recorded.
 */
#ifndef BATON_TESTS_TLS_SERVER_H
#define BATON_TESTS_TLS_SERVER_H

#include <pthread.h>
#include <stdbool.h>

/* Makes <dir>/ca.pem, <dir>/other-ca.pem and a server certificate for 127.0.0.1 signed by
 * ca.pem (openssl command line). 0, or -1 when openssl is missing or fails. */
int tls_make_certs(const char *dir);

typedef struct tls_request {
	char path[256];
	char *body;   /* malloc */
	char user_agent[256];
} tls_request;

typedef struct tls_server {
	int fd, port;
	void *ctx;              /* SSL_CTX */
	pthread_t thread;
	pthread_mutex_t mu;
	bool stop;
	int status;             /* what to answer */
	char answer[4096];
	tls_request reqs[64];
	int n_reqs;
} tls_server;

int tls_server_start(tls_server *s, const char *dir);
void tls_server_set(tls_server *s, int status, const char *body);
int tls_server_requests(tls_server *s);
void tls_server_stop(tls_server *s);

#endif
