/*
 * A fixture-driven HTTP/1.1 server on 127.0.0.1 for the HTTP toolkit's tests (curl's tests/data
 * idea, in JSON). One thread, poll(2), an ephemeral port; it stops when the test stops it or after
 * a hard deadline, whichever comes first.
 *
 * A fixture file is a JSON object:
 *   {
 *     "mode": "sequence" | "routes",      // sequence (default): requests must arrive in order;
 *                                          // routes: each request takes the first matching entry
 *     "exchanges": [
 *       {
 *         "expect": {                      // every member is optional
 *           "method": "GET", "path": "/users",
 *           "query": {"limit": "2", "cursor": null},   // null: must be absent
 *           "query_exact": true,                        // no other parameters
 *           "headers": {"Authorization": "Bearer t", "X-Absent": null},
 *           "header_prefix": {"User-Agent": "my-ua libbaton/"},
 *           "body": "raw text", "body_json": {...},
 *           "form": {"grant_type": "client_credentials"},
 *           "jwt": {"field": "assertion", "public_key": "jwt_rsa_pub.pem", "alg": "RS256",
 *                   "claims": {"iss": "svc@example", "aud": "${BASE}/token"}}
 *         },
 *         "respond": {
 *           "status": 200, "reason": "OK",
 *           "headers": {"Content-Type": "application/json"},
 *           "body": "text" | "body_json": {...},
 *           "delay_ms": 0,                 // wait before answering
 *           "drop": false,                 // close the connection without answering
 *           "truncate": false              // announce a longer body than sent, then close
 *         },
 *         "times": 1                       // how often it may be used; 0 = any number (routes)
 *       }
 *     ]
 *   }
 * "${PORT}" and "${BASE}" (http://127.0.0.1:<port>) are replaced in every string of the fixture.
 * A request that matches nothing (or not the next exchange in sequence) gets 599 and the reason is
 * recorded; test_server_check() fails the test with the recorded mismatches.
 */
#ifndef BATON_TEST_HTTP_SERVER_H
#define BATON_TEST_HTTP_SERVER_H

#include <stddef.h>
#include <stdbool.h>

typedef struct test_server test_server;

typedef struct test_request {
	char *method;
	char *target;  /* path and query as received */
	char *headers; /* raw header block */
	char *body;
	size_t body_len;
} test_request;

/* Starts a server for fixtures/<name> (a file under HTTP_FIXTURE_DIR); fails the test on error. */
test_server *test_server_start(const char *fixture_name);
/* The same with the fixture given as JSON text. */
test_server *test_server_start_json(const char *json_text);
/* http://127.0.0.1:<port> (static in the server). */
const char *test_server_base(const test_server *s);
int test_server_port(const test_server *s);
/* Requests received so far (copies owned by the server). */
size_t test_server_request_count(test_server *s);
const test_request *test_server_request(test_server *s, size_t i);
/* Fails the test when a request did not match or (all_used) an exchange was not used. */
void test_server_check(test_server *s, bool all_used);
/* Stops the thread and frees everything. NULL is a no-op. */
void test_server_stop(test_server *s);

/* A port on 127.0.0.1 where nothing listens (bound, then closed). */
int test_unused_port(void);

#endif
