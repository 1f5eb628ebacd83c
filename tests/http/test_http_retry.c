/*
 * Retries: exponential backoff with and without jitter, the cap, the reset time from rate-limit
 * headers (seconds, HTTP-date, per remaining request), the budget, idempotent methods only unless
 * allowed, dropped connections, timeouts, refused connections, and the client-side token bucket.
 * Every wait goes through the fake clock: the tests check the waits and never sleep.
 */
#include "http_testutil.h"

#include <stdlib.h>
#include <string.h>

static baton_http_client *client(test_server *s, fake_clock *fc, baton_http_retry_policy p)
{
	baton_http_client_options o;
	test_client_options(&o, s, fc);
	o.retry = p;
	baton_http_client *c;
	assert_int_equal(baton_http_client_new(&o, &c), 0);
	return c;
}

static int call(baton_http_client *c, const char *method, const char *path, baton_annotations *a,
                uint32_t *attempts)
{
	baton_http_request *r;
	baton_http_response *resp = NULL;
	assert_int_equal(baton_http_request_new(c, method, path, &r), 0);
	int rc = baton_http_do(c, r, a, &resp);
	if (attempts)
		*attempts = baton_http_response_attempts(resp);
	baton_http_response_free(resp);
	baton_http_request_free(r);
	return rc;
}

static void assert_sleeps(const fake_clock *fc, const int64_t *want, size_t n)
{
	if (fc->n_sleeps != n) {
		char buf[512] = "";
		for (size_t i = 0; i < fc->n_sleeps; i++)
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%lld ", (long long)fc->sleeps[i]);
		fail_msg("%zu waits (%s), expected %zu", fc->n_sleeps, buf, n);
	}
	for (size_t i = 0; i < n; i++)
		assert_int_equal(fc->sleeps[i], want[i]);
}

static void test_exponential_backoff(void **state)
{
	(void)state;
	test_server *s = test_server_start("retry_backoff.json");
	fake_clock fc;
	fake_clock_init(&fc);
	baton_http_client *c = client(s, &fc, (baton_http_retry_policy){.disable_jitter = true});
	uint32_t attempts;
	assert_int_equal(call(c, "GET", "/flaky", NULL, &attempts), 0);
	assert_int_equal(attempts, 4);
	const int64_t want[] = {500, 1000, 2000};
	assert_sleeps(&fc, want, 3);
	test_server_check(s, true);
	baton_http_client_free(c);
	test_server_stop(s);
}

static void test_jitter(void **state)
{
	(void)state;
	/* equal jitter: half the wait plus random % (half + 1) */
	const uint64_t randoms[] = {0, 7, UINT64_MAX};
	for (size_t k = 0; k < 3; k++) {
		test_server *s = test_server_start("retry_backoff.json");
		fake_clock fc;
		fake_clock_init(&fc);
		fc.random_value = randoms[k];
		baton_http_client *c = client(s, &fc, (baton_http_retry_policy){.initial_delay_ms = 1000});
		assert_int_equal(call(c, "GET", "/flaky", NULL, NULL), 0);
		int64_t want[3];
		for (int i = 0; i < 3; i++) {
			int64_t w = 1000LL << i, half = w / 2;
			want[i] = half + (int64_t)(randoms[k] % (uint64_t)(w - half + 1));
			assert_true(want[i] >= w / 2 && want[i] <= w);
		}
		assert_sleeps(&fc, want, 3);
		baton_http_client_free(c);
		test_server_stop(s);
	}
}

static void test_cap_and_attempts(void **state)
{
	(void)state;
	test_server *s = test_server_start_json(
	    "{\"mode\":\"routes\",\"exchanges\":[{\"expect\":{\"path\":\"/down\"},\"respond\":{\"status\":503},\"times\":0}]}");
	fake_clock fc;
	fake_clock_init(&fc);
	baton_http_client *c = client(s, &fc, (baton_http_retry_policy){.disable_jitter = true, .max_attempts = 6,
	                                                              .initial_delay_ms = 1000, .max_delay_ms = 3000});
	baton_ctx *ctx;
	assert_int_equal(baton_ctx_new(&ctx), 0);
	baton_annotations *a = test_annotations(ctx);
	uint32_t attempts;
	assert_int_equal(call(c, "GET", "/down", a, &attempts), BATON_EUNAVAILABLE);
	assert_int_equal(attempts, 6);
	assert_int_equal(test_server_request_count(s), 6);
	const int64_t want[] = {1000, 2000, 3000, 3000, 3000};
	assert_sleeps(&fc, want, 5);
	/* no rate-limit headers and not a 429: no annotation */
	assert_int_equal(baton_annotations_count(a), 0);
	baton_ctx_free(ctx);
	baton_http_client_free(c);
	test_server_stop(s);
}

static void test_budget(void **state)
{
	(void)state;
	test_server *s = test_server_start_json(
	    "{\"mode\":\"routes\",\"exchanges\":[{\"respond\":{\"status\":429,\"headers\":{\"X-RateLimit-Limit\":\"5\"}},\"times\":0}]}");
	fake_clock fc;
	fake_clock_init(&fc);
	/* a bare 429 (its annotation says "reset in 60 s") waits the backoff, not 60 s: 2 s here
	 * (the cap); the budget of 5 s allows two waits */
	baton_http_client *c = client(s, &fc, (baton_http_retry_policy){.max_attempts = 10, .initial_delay_ms = 2000,
	                                                              .max_delay_ms = 2000, .budget_ms = 5000,
	                                                              .disable_jitter = true});
	baton_ctx *ctx;
	assert_int_equal(baton_ctx_new(&ctx), 0);
	baton_annotations *a = test_annotations(ctx);
	assert_int_equal(call(c, "GET", "/limited", a, NULL), BATON_EUNAVAILABLE);
	const int64_t want[] = {2000, 2000};
	assert_sleeps(&fc, want, 2);
	assert_int_equal(test_server_request_count(s), 3);
	/* the error carries the annotation so the syncer can wait for the reset */
	json_t *j = test_rate_limit_json(a, ctx);
	assert_non_null(j);
	test_json_assert_str(j, "status", "STATUS_OVERLIMIT");
	json_decref(j);
	assert_non_null(strstr(baton_error_last()->message, "429 Too Many Requests: GET "));
	baton_ctx_free(ctx);
	baton_http_client_free(c);
	test_server_stop(s);
}

static void test_reset_honoured(void **state)
{
	(void)state;
	test_server *s = test_server_start("retry_reset.json");
	fake_clock fc;
	fake_clock_init(&fc);
	baton_http_client *c = client(s, &fc, (baton_http_retry_policy){.max_delay_ms = 600000});
	assert_int_equal(call(c, "GET", "/a", NULL, NULL), 0); /* reset in 7 s, nothing remaining */
	assert_int_equal(call(c, "GET", "/b", NULL, NULL), 0); /* HTTP-date 20 s after the start */
	int64_t b_wait = FAKE_EPOCH_MS + 20000 - (FAKE_EPOCH_MS + 7000);
	assert_int_equal(call(c, "GET", "/c", NULL, NULL), 0); /* 10 s / 4 remaining = 3 s (rounded up) */
	const int64_t want[] = {7000, b_wait, 3000};
	assert_sleeps(&fc, want, 3);
	baton_http_client_free(c);

	/* a reset far away is capped at max_delay and then bounded by the budget */
	fake_clock_init(&fc);
	c = client(s, &fc, (baton_http_retry_policy){.max_delay_ms = 30000, .budget_ms = 60000});
	assert_int_equal(call(c, "GET", "/d", NULL, NULL), 0);
	const int64_t want2[] = {30000};
	assert_sleeps(&fc, want2, 1);
	test_server_check(s, true);
	baton_http_client_free(c);
	test_server_stop(s);
}

static void test_methods_and_transport(void **state)
{
	(void)state;
	test_server *s = test_server_start("retry_methods.json");
	fake_clock fc;
	fake_clock_init(&fc);
	baton_http_client_options o;
	test_client_options(&o, s, &fc);
	o.retry = (baton_http_retry_policy){.disable_jitter = true};
	o.timeout_ms = 300;
	baton_http_client *c;
	assert_int_equal(baton_http_client_new(&o, &c), 0);

	/* POST: not retried... */
	assert_int_equal(call(c, "POST", "/create", NULL, NULL), BATON_EUNAVAILABLE);
	assert_int_equal(fc.n_sleeps, 0);
	/* ...unless the request allows it */
	baton_http_request *r;
	assert_int_equal(baton_http_request_new(c, "POST", "/create", &r), 0);
	assert_int_equal(baton_http_request_allow_retry(r, true), 0);
	assert_int_equal(baton_http_do(c, r, NULL, NULL), 0);
	baton_http_request_free(r);
	assert_int_equal(fc.n_sleeps, 1);
	/* an Idempotency-Key makes any method retryable */
	assert_int_equal(baton_http_request_new(c, "PATCH", "/keyed", &r), 0);
	assert_int_equal(baton_http_request_set_header(r, "Idempotency-Key", "k1"), 0);
	assert_int_equal(baton_http_do(c, r, NULL, NULL), 0);
	baton_http_request_free(r);
	assert_int_equal(fc.n_sleeps, 2);
	/* 404 is final */
	assert_int_equal(call(c, "GET", "/missing", NULL, NULL), BATON_ENOTFOUND);
	assert_int_equal(fc.n_sleeps, 2);
	/* a dropped connection and a timeout are retried */
	uint32_t attempts;
	/* (libcurl itself resends once when a reused connection closes without an answer, so two
	 * drops in a row are needed to reach our retry) */
	size_t sleeps = fc.n_sleeps;
	assert_int_equal(call(c, "GET", "/dropped", NULL, &attempts), 0);
	assert_true(attempts >= 2);
	assert_int_equal(fc.n_sleeps, sleeps + attempts - 1);
	assert_int_equal(call(c, "GET", "/slow", NULL, &attempts), 0);
	assert_int_equal(attempts, 2);
	test_server_check(s, true);
	baton_http_client_free(c);

	/* refused connections are retried for any method (nothing was sent) */
	char base[64];
	snprintf(base, sizeof(base), "http://127.0.0.1:%d", test_unused_port());
	fake_clock_init(&fc);
	o.base_url = base;
	o.retry = (baton_http_retry_policy){.disable_jitter = true, .max_attempts = 3};
	assert_int_equal(baton_http_client_new(&o, &c), 0);
	assert_int_equal(call(c, "POST", "/x", NULL, NULL), BATON_EUNAVAILABLE);
	const int64_t want[] = {500, 1000};
	assert_sleeps(&fc, want, 2);
	baton_http_client_free(c);
	test_server_stop(s);
}

static void test_rate_limiter(void **state)
{
	(void)state;
	test_server *s = test_server_start_json(
	    "{\"mode\":\"routes\",\"exchanges\":[{\"respond\":{\"status\":200,\"body\":\"x\"},\"times\":0}]}");
	fake_clock fc;
	fake_clock_init(&fc);
	baton_http_client_options o;
	test_client_options(&o, s, &fc);
	o.rate_per_s = 4;
	o.burst = 2;
	o.cache.mode = BATON_HTTP_CACHE_MEMORY; /* cache hits take a token too, as in the Go SDK */
	baton_http_client *c;
	assert_int_equal(baton_http_client_new(&o, &c), 0);
	for (int i = 0; i < 5; i++)
		assert_int_equal(call(c, "GET", "/same", NULL, NULL), 0);
	const int64_t want[] = {250, 250, 250};
	assert_sleeps(&fc, want, 3);
	assert_int_equal(test_server_request_count(s), 1);
	/* after a quiet second the bucket is full again (burst 2) */
	fc.now_ms += 1000;
	assert_int_equal(call(c, "GET", "/same", NULL, NULL), 0);
	assert_int_equal(call(c, "GET", "/same", NULL, NULL), 0);
	assert_int_equal(fc.n_sleeps, 3);
	assert_int_equal(call(c, "GET", "/same", NULL, NULL), 0);
	assert_int_equal(fc.n_sleeps, 4);
	baton_http_client_free(c);
	test_server_stop(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exponential_backoff),
		cmocka_unit_test(test_jitter),
		cmocka_unit_test(test_cap_and_attempts),
		cmocka_unit_test(test_budget),
		cmocka_unit_test(test_reset_honoured),
		cmocka_unit_test(test_methods_and_transport),
		cmocka_unit_test(test_rate_limiter),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
