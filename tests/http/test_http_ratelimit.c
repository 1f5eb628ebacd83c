/*
 * Rate-limit headers -> RateLimitDescription: every header family the Go SDK reads, the weighted
 * IETF form, epoch seconds and milliseconds, RFC 850 / RFC 3339 dates, Retry-After as seconds and
 * as an HTTP-date (which the Go SDK misses), the 429 defaults, and the annotation the client sets.
 */
#include "http_testutil.h"

#include <stdlib.h>
#include <string.h>

#define NOW_S (FAKE_EPOCH_MS / 1000)

typedef struct hdr {
	const char *n, *v;
} hdr;

static int parse(int status, const hdr *h, size_t n, baton_http_rate_limit *rl)
{
	const char *names[16] = {0}, *values[16] = {0};
	assert_true(n <= 16);
	for (size_t i = 0; i < n; i++) {
		names[i] = h[i].n;
		values[i] = h[i].v;
	}
	return baton_http_rate_limit_parse(status, names, values, n, FAKE_EPOCH_MS, rl);
}

static void expect(const baton_http_rate_limit *rl, baton_ratelimit_status st, int64_t limit, int64_t rem,
                   int64_t reset_s)
{
	assert_int_equal(rl->status, st);
	assert_int_equal(rl->limit, limit);
	assert_int_equal(rl->remaining, rem);
	assert_int_equal(rl->reset_at.seconds, reset_s);
}

static void test_families(void **state)
{
	(void)state;
	baton_http_rate_limit rl;
	hdr a[] = {{"X-RateLimit-Limit", "100"}, {"X-RateLimit-Remaining", "42"}, {"X-RateLimit-Reset", "30"}};
	assert_int_equal(parse(200, a, 3, &rl), 0);
	expect(&rl, BATON_RATELIMIT_OK, 100, 42, NOW_S + 30);
	assert_string_equal(rl.limit_header, "X-Ratelimit-Limit");
	assert_true(rl.has_reset);

	hdr b[] = {{"ratelimit-limit", "500, 500;w=1, 20000;w=60"}, {"RateLimit-Remaining", " 100;w=60 "},
	           {"RATELIMIT-RESET", "5"}};
	assert_int_equal(parse(200, b, 3, &rl), 0);
	expect(&rl, BATON_RATELIMIT_OK, 500, 100, NOW_S + 5);

	/* Linear: epoch milliseconds */
	hdr c[] = {{"X-RateLimit-Requests-Limit", "1500"}, {"X-RateLimit-Requests-Remaining", "1499"},
	           {"X-RateLimit-Requests-Reset", "1700000123456"}};
	assert_int_equal(parse(200, c, 3, &rl), 0);
	expect(&rl, BATON_RATELIMIT_OK, 1500, 1499, 1700000123);

	/* Okta: epoch seconds; remaining 0 is UNSPECIFIED (not over the limit) on a 200 */
	hdr d[] = {{"X-Rate-Limit-Limit", "600"}, {"X-Rate-Limit-Remaining", "0"}, {"X-Rate-Limit-Reset", "1700000600"}};
	assert_int_equal(parse(200, d, 3, &rl), 0);
	expect(&rl, BATON_RATELIMIT_UNSPECIFIED, 600, 0, 1700000600);

	/* the first family present wins, for each value separately */
	hdr e[] = {{"RateLimit-Limit", "7"}, {"X-RateLimit-Limit", "8"}, {"X-Rate-Limit-Remaining", "3"},
	           {"Retry-After", "9"}};
	assert_int_equal(parse(200, e, 4, &rl), 0);
	expect(&rl, BATON_RATELIMIT_OK, 8, 3, NOW_S + 9);
	assert_string_equal(rl.reset_header, "Retry-After");
}

static void test_reset_forms(void **state)
{
	(void)state;
	baton_http_rate_limit rl;
	/* Retry-After as an HTTP-date (IMF-fixdate), then asctime */
	hdr a[] = {{"Retry-After", "Tue, 14 Nov 2023 22:15:20 GMT"}};
	assert_int_equal(parse(503, a, 1, &rl), 0);
	expect(&rl, BATON_RATELIMIT_UNSPECIFIED, 0, 0, NOW_S + 120);
	hdr b[] = {{"Retry-After", "Tue Nov 14 22:15:20 2023"}};
	assert_int_equal(parse(503, b, 1, &rl), 0);
	assert_int_equal(rl.reset_at.seconds, NOW_S + 120);
	/* RFC 850 and RFC 3339 (with fractions and offsets) */
	hdr c[] = {{"X-RateLimit-Reset", "Tuesday, 14-Nov-23 22:15:20 GMT"}};
	assert_int_equal(parse(200, c, 1, &rl), 0);
	assert_int_equal(rl.reset_at.seconds, NOW_S + 120);
	hdr d[] = {{"X-RateLimit-Reset", "2023-11-14T22:15:20.5Z"}};
	assert_int_equal(parse(200, d, 1, &rl), 0);
	assert_int_equal(rl.reset_at.seconds, NOW_S + 120);
	assert_int_equal(rl.reset_at.nanos, 500000000);
	hdr e[] = {{"X-RateLimit-Reset", "2023-11-14T23:15:20+01:00"}};
	assert_int_equal(parse(200, e, 1, &rl), 0);
	assert_int_equal(rl.reset_at.seconds, NOW_S + 120);
	/* an unreadable reset is skipped and the next header tried */
	hdr f[] = {{"X-RateLimit-Reset", "soon"}, {"Retry-After", "10"}};
	assert_int_equal(parse(200, f, 2, &rl), 0);
	assert_int_equal(rl.reset_at.seconds, NOW_S + 10);
	assert_string_equal(rl.reset_header, "Retry-After");
	/* nothing readable: Go's zero time */
	hdr g[] = {{"X-RateLimit-Remaining", "5"}, {"Retry-After", "Feb 30"}};
	assert_int_equal(parse(200, g, 2, &rl), 0);
	assert_false(rl.has_reset);
	assert_int_equal(rl.reset_at.seconds, INT64_C(-62135596800));
	/* bad dates are refused */
	hdr h[] = {{"Retry-After", "Tue, 31 Feb 2023 22:15:20 GMT"}};
	assert_int_equal(parse(200, h, 1, &rl), 0);
	assert_false(rl.has_reset);
}

static void test_429_and_errors(void **state)
{
	(void)state;
	baton_http_rate_limit rl;
	/* a bare 429: limit 1, reset in 60 s */
	assert_int_equal(parse(429, NULL, 0, &rl), 0);
	expect(&rl, BATON_RATELIMIT_OVERLIMIT, 1, 0, NOW_S + 60);
	/* a 429 keeps the headers' limit and reset but forces remaining to 0 */
	hdr a[] = {{"X-RateLimit-Limit", "10"}, {"X-RateLimit-Remaining", "4"}, {"Retry-After", "120"}};
	assert_int_equal(parse(429, a, 3, &rl), 0);
	expect(&rl, BATON_RATELIMIT_OVERLIMIT, 10, 0, NOW_S + 120);
	/* no leading digit: an error, as ParseInt's */
	hdr b[] = {{"X-RateLimit-Limit", "abc"}};
	assert_int_equal(parse(200, b, 1, &rl), BATON_EINVALID);
	assert_non_null(strstr(baton_error_last()->message, "X-Ratelimit-Limit"));
	hdr c[] = {{"X-RateLimit-Remaining", "-1"}};
	assert_int_equal(parse(200, c, 1, &rl), BATON_EINVALID);
	hdr d[] = {{"X-RateLimit-Limit", "99999999999999999999"}};
	assert_int_equal(parse(200, d, 1, &rl), BATON_EINVALID);
	/* nothing at all */
	hdr e[] = {{"Content-Type", "text/plain"}, {"X-RateLimit-Limit", ""}};
	assert_int_equal(parse(200, e, 2, &rl), BATON_ENOTFOUND);
}

static void check_anno(baton_annotations *a, baton_ctx *ctx, const char *status, const char *limit,
                       const char *remaining, const char *reset)
{
	json_t *j = test_rate_limit_json(a, ctx);
	assert_non_null(j);
	if (status)
		test_json_assert_str(j, "status", status);
	else
		assert_null(json_object_get(j, "status"));
	if (limit)
		test_json_assert_str(j, "limit", limit);
	if (remaining)
		test_json_assert_str(j, "remaining", remaining);
	else
		assert_null(json_object_get(j, "remaining"));
	if (reset)
		test_json_assert_str(j, "resetAt", reset);
	json_decref(j);
}

static void test_annotation_through_client(void **state)
{
	(void)state;
	test_server *s = test_server_start("ratelimit.json");
	fake_clock fc;
	fake_clock_init(&fc);
	baton_http_client_options o;
	test_client_options(&o, s, &fc);
	baton_http_client *c;
	assert_int_equal(baton_http_client_new(&o, &c), 0);
	baton_ctx *ctx;
	assert_int_equal(baton_ctx_new(&ctx), 0);
	baton_annotations *a = test_annotations(ctx);
	baton_http_request *r;

#define CALL(path, want)                                                  \
	assert_int_equal(baton_http_request_new(c, "GET", path, &r), 0); \
	assert_int_equal(baton_http_do(c, r, a, NULL), want);            \
	baton_http_request_free(r)

	CALL("/x-ratelimit", 0);
	check_anno(a, ctx, "STATUS_OK", "100", "42", "2023-11-14T22:13:50Z");
	CALL("/ietf-weighted", 0);
	check_anno(a, ctx, "STATUS_OK", "500", "100", "2023-11-14T22:13:25Z");
	assert_int_equal(baton_annotations_count(a), 1); /* update, not append */
	CALL("/linear", 0);
	check_anno(a, ctx, "STATUS_OK", "1500", "1499", "2023-11-14T22:15:23Z");
	CALL("/okta", 0);
	check_anno(a, ctx, NULL, "600", NULL, "2023-11-14T22:23:20Z");
	CALL("/retry-after-seconds", BATON_EUNAVAILABLE);
	check_anno(a, ctx, "STATUS_OVERLIMIT", "10", NULL, "2023-11-14T22:15:20Z");
	CALL("/retry-after-date", BATON_EUNAVAILABLE);
	check_anno(a, ctx, NULL, NULL, NULL, "2023-11-14T22:15:20Z");
	CALL("/bare-429", BATON_EUNAVAILABLE);
	check_anno(a, ctx, "STATUS_OVERLIMIT", "1", NULL, "2023-11-14T22:14:20Z");
	/* no rate-limit headers: the annotation is left as it was */
	CALL("/none", 0);
	check_anno(a, ctx, "STATUS_OVERLIMIT", "1", NULL, "2023-11-14T22:14:20Z");
#undef CALL

	test_server_check(s, true);
	baton_ctx_free(ctx);
	baton_http_client_free(c);
	test_server_stop(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_families),
		cmocka_unit_test(test_reset_forms),
		cmocka_unit_test(test_429_and_errors),
		cmocka_unit_test(test_annotation_through_client),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
