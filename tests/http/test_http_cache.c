/*
 * The GET response cache: hits, the key (as the Go SDK computes it), expiry with the fake clock,
 * size eviction, the per-request opt-out, what is never cached, and the BATON_HTTP_CACHE_* /
 * BATON_DISABLE_HTTP_CACHE environment.
 */
#include "http_testutil.h"

#include <stdlib.h>
#include <string.h>

#include "http/http_int.h"

static const char *const routes =
    "{\"mode\":\"routes\",\"exchanges\":["
    "{\"expect\":{\"path\":\"/missing\"},\"respond\":{\"status\":404},\"times\":0},"
    "{\"expect\":{\"path\":\"/created\"},\"respond\":{\"status\":201,\"body\":\"c\"},\"times\":0},"
    "{\"expect\":{\"path\":\"/big\"},\"respond\":{\"status\":200,\"body\":\""
    "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
    "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
    "\"},\"times\":0},"
    "{\"respond\":{\"status\":200,\"headers\":{\"Content-Type\":\"application/json\"},\"body\":\"{\\\"n\\\":1}\"},\"times\":0}]}";

static baton_http_client *client(test_server *s, fake_clock *fc, baton_http_cache_options cache)
{
	baton_http_client_options o;
	test_client_options(&o, s, fc);
	o.cache = cache;
	baton_http_client *c;
	assert_int_equal(baton_http_client_new(&o, &c), 0);
	return c;
}

/* GETs a path (with an optional Accept header / no-cache); returns whether it came from the cache. */
static bool get(baton_http_client *c, const char *path, const char *accept, bool no_cache, int want_rc)
{
	baton_http_request *r;
	baton_http_response *resp = NULL;
	assert_int_equal(baton_http_request_new(c, "GET", path, &r), 0);
	if (accept)
		assert_int_equal(baton_http_request_set_header(r, "Accept", accept), 0);
	if (no_cache)
		assert_int_equal(baton_http_request_set_no_cache(r), 0);
	assert_int_equal(baton_http_do(c, r, NULL, &resp), want_rc);
	bool hit = baton_http_response_from_cache(resp);
	if (hit)
		assert_int_equal(baton_http_response_attempts(resp), 0);
	baton_http_response_free(resp);
	baton_http_request_free(r);
	return hit;
}

static void test_hits_and_key(void **state)
{
	(void)state;
	test_server *s = test_server_start_json(routes);
	fake_clock fc;
	fake_clock_init(&fc);
	baton_http_client *c = client(s, &fc, (baton_http_cache_options){.mode = BATON_HTTP_CACHE_MEMORY});
	assert_false(get(c, "/users?a=1&b=2", NULL, false, 0));
	assert_true(get(c, "/users?a=1&b=2", NULL, false, 0));
	assert_true(get(c, "/users?b=2&a=1", NULL, false, 0));   /* parameter order */
	assert_true(get(c, "/USERS?a=1&b=2", NULL, false, 0));   /* path case */
	assert_false(get(c, "/users?a=1&b=3", NULL, false, 0));  /* values */
	assert_false(get(c, "/users?a=1&b=2", "text/csv", false, 0)); /* Accept is in the key */
	assert_true(get(c, "/users?a=1&b=2", "text/csv", false, 0));
	assert_int_equal(test_server_request_count(s), 3);
	uint64_t hits, misses;
	size_t entries, bytes;
	baton_http_client_cache_stats(c, &hits, &misses, &entries, &bytes);
	assert_int_equal(hits, 4);
	assert_int_equal(misses, 3);
	assert_int_equal(entries, 3);
	assert_true(bytes > 3 * 64);
	/* the JSON of a cached response */
	json_t *j;
	assert_int_equal(baton_http_get_json(c, "/users?a=1&b=2", NULL, &j), 0);
	assert_int_equal(json_integer_value(json_object_get(j, "n")), 1);
	json_decref(j);
	baton_http_client_clear_cache(c);
	assert_false(get(c, "/users?a=1&b=2", NULL, false, 0));
	baton_http_client_free(c);
	test_server_stop(s);
}

static void test_key_as_go(void **state)
{
	(void)state;
	const char *extra[] = {"x-tenant"};
	baton_http_cache_options o = {.mode = BATON_HTTP_CACHE_MEMORY, .key_headers = extra, .n_key_headers = 1};
	baton__cache cache;
	assert_int_equal(baton__cache_init(&cache, &o), 0);
	baton__headers h = {0};
	assert_int_equal(baton__headers_set(&h, "accept", "application/json"), 0);
	assert_int_equal(baton__headers_set(&h, "X-Tenant", "t1"), 0);
	assert_int_equal(baton__headers_set(&h, "Authorization", "Bearer not-in-key"), 0);
	char key[65];
	/* sha256("/v2/users?a=1&b=x y&filter=a&b=2&headers=Accept=application/json&X-Tenant=t1") */
	assert_int_equal(baton__cache_key(&cache, "/V2/Users", "filter=a%26b%3D2&b=x+y&a=1", &h, key), 0);
	assert_string_equal(key, "397440e540469eb1202ae308cb661e85174a809ea7d3866db11d5bd8a3687651");
	baton__headers_free(&h);
	/* sha256("/users?&headers=") */
	assert_int_equal(baton__cache_key(&cache, "/users", NULL, &h, key), 0);
	assert_string_equal(key, "32fe17b474bb250fea6a3e04bc2198f363dfa4ef74260399509ca44ae9db9c8f");
	baton__cache_free(&cache);
}

static void test_expiry(void **state)
{
	(void)state;
	test_server *s = test_server_start_json(routes);
	fake_clock fc;
	fake_clock_init(&fc);
	baton_http_client *c = client(s, &fc, (baton_http_cache_options){.mode = BATON_HTTP_CACHE_MEMORY, .ttl_s = 60});
	assert_false(get(c, "/a", NULL, false, 0));
	fc.now_ms += 59999;
	assert_true(get(c, "/a", NULL, false, 0)); /* time to live counts from the write, not the read */
	fc.now_ms += 1;
	assert_false(get(c, "/a", NULL, false, 0));
	assert_true(get(c, "/a", NULL, false, 0));
	assert_int_equal(test_server_request_count(s), 2);
	baton_http_client_free(c);
	test_server_stop(s);
}

static void test_size_eviction(void **state)
{
	(void)state;
	test_server *s = test_server_start_json(routes);
	fake_clock fc;
	fake_clock_init(&fc);
	/* each /big entry weighs a bit over 300 bytes: two fit in 700 */
	baton_http_client *c = client(s, &fc, (baton_http_cache_options){.mode = BATON_HTTP_CACHE_MEMORY, .max_bytes = 700});
	assert_false(get(c, "/big?i=1", NULL, false, 0));
	assert_false(get(c, "/big?i=2", NULL, false, 0));
	assert_true(get(c, "/big?i=1", NULL, false, 0)); /* 1 is now the most recently used */
	assert_false(get(c, "/big?i=3", NULL, false, 0)); /* evicts 2 */
	assert_true(get(c, "/big?i=1", NULL, false, 0));
	assert_true(get(c, "/big?i=3", NULL, false, 0));
	assert_false(get(c, "/big?i=2", NULL, false, 0));
	size_t entries, bytes;
	baton_http_client_cache_stats(c, NULL, NULL, &entries, &bytes);
	assert_int_equal(entries, 2);
	assert_true(bytes <= 700);
	baton_http_client_free(c);

	/* an entry bigger than the whole cache is not stored */
	c = client(s, &fc, (baton_http_cache_options){.mode = BATON_HTTP_CACHE_MEMORY, .max_bytes = 200});
	assert_false(get(c, "/big", NULL, false, 0));
	assert_false(get(c, "/big", NULL, false, 0));
	baton_http_client_cache_stats(c, NULL, NULL, &entries, NULL);
	assert_int_equal(entries, 0);
	baton_http_client_free(c);
	test_server_stop(s);
}

static void test_opt_out_and_uncacheable(void **state)
{
	(void)state;
	test_server *s = test_server_start_json(routes);
	fake_clock fc;
	fake_clock_init(&fc);
	baton_http_client *c = client(s, &fc, (baton_http_cache_options){.mode = BATON_HTTP_CACHE_MEMORY});
	assert_false(get(c, "/job/1", NULL, false, 0));
	assert_false(get(c, "/job/1", NULL, true, 0)); /* no-cache: always asks the server */
	assert_true(get(c, "/job/1", NULL, false, 0));
	assert_int_equal(test_server_request_count(s), 2);
	/* only 200 answers to GET are cached */
	assert_false(get(c, "/missing", NULL, false, BATON_ENOTFOUND));
	assert_false(get(c, "/missing", NULL, false, BATON_ENOTFOUND));
	assert_false(get(c, "/created", NULL, false, 0));
	assert_false(get(c, "/created", NULL, false, 0));
	baton_http_request *r;
	for (int i = 0; i < 2; i++) {
		assert_int_equal(baton_http_request_new(c, "POST", "/job/1", &r), 0);
		assert_int_equal(baton_http_do(c, r, NULL, NULL), 0);
		baton_http_request_free(r);
	}
	assert_int_equal(test_server_request_count(s), 8);
	baton_http_client_free(c);

	/* BATON_HTTP_CACHE_DISABLED */
	c = client(s, &fc, (baton_http_cache_options){.mode = BATON_HTTP_CACHE_DISABLED});
	assert_false(get(c, "/job/1", NULL, false, 0));
	assert_false(get(c, "/job/1", NULL, false, 0));
	baton_http_client_free(c);
	test_server_stop(s);
}

static void clear_env(void)
{
	unsetenv("BATON_HTTP_CACHE_TTL");
	unsetenv("BATON_HTTP_CACHE_MAX_SIZE");
	unsetenv("BATON_HTTP_CACHE_BACKEND");
	unsetenv("BATON_DISABLE_HTTP_CACHE");
}

/* Whether a second GET of the same path is a hit, with the environment as set. */
static bool env_caches(test_server *s, fake_clock *fc, int64_t advance_ms)
{
	baton_http_client *c = client(s, fc, (baton_http_cache_options){.mode = BATON_HTTP_CACHE_FROM_ENV});
	assert_false(get(c, "/env", NULL, false, 0));
	fc->now_ms += advance_ms;
	bool hit = get(c, "/env", NULL, false, 0);
	baton_http_client_free(c);
	return hit;
}

static void test_environment(void **state)
{
	(void)state;
	test_server *s = test_server_start_json(routes);
	fake_clock fc;
	fake_clock_init(&fc);
	clear_env();
	/* defaults: memory, 3600 s, 5 MiB */
	assert_true(env_caches(s, &fc, 3599 * 1000));
	assert_false(env_caches(s, &fc, 3600 * 1000));
	baton_http_client *c = client(s, &fc, (baton_http_cache_options){.mode = BATON_HTTP_CACHE_FROM_ENV});
	assert_int_equal(c->cache.max_bytes, 5 * 1024 * 1024);
	baton_http_client_free(c);

	setenv("BATON_HTTP_CACHE_TTL", "5", 1);
	assert_true(env_caches(s, &fc, 4999));
	assert_false(env_caches(s, &fc, 5000));
	setenv("BATON_HTTP_CACHE_TTL", "0", 1);
	assert_false(env_caches(s, &fc, 0));
	setenv("BATON_HTTP_CACHE_TTL", "-5", 1);
	assert_false(env_caches(s, &fc, 0));
	setenv("BATON_HTTP_CACHE_TTL", "99999999999", 1); /* clamped to a year */
	c = client(s, &fc, (baton_http_cache_options){.mode = BATON_HTTP_CACHE_FROM_ENV});
	assert_int_equal(c->cache.ttl_ms, INT64_C(31536000) * 1000);
	baton_http_client_free(c);
	clear_env();

	setenv("BATON_HTTP_CACHE_MAX_SIZE", "0", 1); /* nothing fits */
	assert_false(env_caches(s, &fc, 0));
	setenv("BATON_HTTP_CACHE_MAX_SIZE", "2", 1);
	c = client(s, &fc, (baton_http_cache_options){.mode = BATON_HTTP_CACHE_FROM_ENV});
	assert_int_equal(c->cache.max_bytes, 2 * 1024 * 1024);
	baton_http_client_free(c);
	clear_env();

	setenv("BATON_HTTP_CACHE_BACKEND", "noop", 1);
	assert_false(env_caches(s, &fc, 0));
	setenv("BATON_HTTP_CACHE_BACKEND", "", 1); /* empty: the default */
	assert_true(env_caches(s, &fc, 0));
	clear_env();
	/* the db backend and unreadable values: test_http_dbcache */

	const char *truths[] = {"true", "1", "T", "TRUE", "True"};
	for (size_t i = 0; i < 5; i++) {
		setenv("BATON_DISABLE_HTTP_CACHE", truths[i], 1);
		assert_false(env_caches(s, &fc, 0));
	}
	const char *others[] = {"false", "0", "F", ""};
	for (size_t i = 0; i < 4; i++) {
		setenv("BATON_DISABLE_HTTP_CACHE", others[i], 1);
		assert_true(env_caches(s, &fc, 0));
	}
	clear_env();
	test_server_stop(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hits_and_key),
		cmocka_unit_test(test_key_as_go),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_size_eviction),
		cmocka_unit_test(test_opt_out_and_uncacheable),
		cmocka_unit_test(test_environment),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
