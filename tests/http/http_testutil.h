/* Shared helpers for the HTTP toolkit tests: a fake clock, log capture, annotations. */
#ifndef BATON_TEST_HTTP_UTIL_H
#define BATON_TEST_HTTP_UTIL_H

#include <stdint.h>
#include <stdio.h>

#include "baton.h"
#include "testutil.h"
#include "server.h"

/* A clock that only moves when the client sleeps (or the test moves it). */
typedef struct fake_clock {
	int64_t now_ms;
	int64_t sleeps[64];
	size_t n_sleeps;
	int64_t total_slept;
	uint64_t random_value; /* what random() returns */
} fake_clock;

#define FAKE_EPOCH_MS INT64_C(1700000000000) /* 2023-11-14T22:13:20Z */

void fake_clock_init(fake_clock *fc);
/* Fills opts->clock with the fake clock's callbacks. */
void fake_clock_install(fake_clock *fc, baton_http_client_options *opts);

/* Captures the SDK's log records (debug level, JSON) until log_capture_end(), which returns them
 * (malloc'd, caller frees). */
void log_capture_begin(void);
char *log_capture_end(void);

/* A fresh annotation list owned by ctx. */
baton_annotations *test_annotations(baton_ctx *ctx);
/* The RateLimitDescription in `a` as parsed JSON (caller decrefs), or NULL. */
json_t *test_rate_limit_json(baton_annotations *a, baton_ctx *ctx);

/* Client options for a test server with retries and the cache off and the fake clock. */
void test_client_options(baton_http_client_options *o, const test_server *s, fake_clock *fc);

/* Asserts that `hay` does not contain `needle` (with a message naming both). */
void assert_no_substring(const char *hay, const char *needle);

#endif
