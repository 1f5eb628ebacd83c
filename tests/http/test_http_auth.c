/*
 * Every auth style against the loopback server: bearer, basic, OAuth2 client credentials (token
 * cached, refreshed before expiry with an injected clock, fetched again after a 401), both ways of
 * sending the client secret, the refresh-token flow with rotation, and JWT bearer assertions the
 * server verifies with the public key (RS256 and ES256). Secrets never reach messages or logs.
 */
#include "http_testutil.h"

#include <stdlib.h>
#include <string.h>

static char *read_fixture(const char *name)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", HTTP_FIXTURE_DIR, name);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	rewind(f);
	char *s = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return s;
}

static int get(baton_http_client *c, const char *path)
{
	baton_http_request *r;
	assert_int_equal(baton_http_request_new(c, "GET", path, &r), 0);
	int rc = baton_http_do(c, r, NULL, NULL);
	baton_http_request_free(r);
	return rc;
}

static void test_static(void **state)
{
	(void)state;
	test_server *s = test_server_start("auth_static.json");
	baton_http_client_options o;
	test_client_options(&o, s, NULL);
	baton_http_client *c;

	o.auth.kind = BATON_HTTP_AUTH_BEARER;
	o.auth.token = "b-tok";
	assert_int_equal(baton_http_client_new(&o, &c), 0);
	assert_int_equal(get(c, "/bearer"), 0);
	baton_http_client_free(c);

	o.auth = (baton_http_auth){.kind = BATON_HTTP_AUTH_BASIC, .username = "alice", .password = "pa ss"};
	assert_int_equal(baton_http_client_new(&o, &c), 0);
	assert_int_equal(get(c, "/basic"), 0);
	/* an Authorization header set on the request wins */
	baton_http_request *r;
	assert_int_equal(baton_http_request_new(c, "GET", "/override", &r), 0);
	assert_int_equal(baton_http_request_set_header(r, "authorization", "Token mine"), 0);
	assert_int_equal(baton_http_do(c, r, NULL, NULL), 0);
	baton_http_request_free(r);
	baton_http_client_free(c);
	test_server_check(s, true);
	test_server_stop(s);
}

static void test_client_credentials(void **state)
{
	(void)state;
	test_server *s = test_server_start("auth_client_credentials.json");
	fake_clock fc;
	fake_clock_init(&fc);
	baton_http_client_options o;
	test_client_options(&o, s, &fc);
	char token_url[128];
	snprintf(token_url, sizeof(token_url), "%s/token", test_server_base(s));
	const char *scopes[] = {"read", "write"};
	o.auth = (baton_http_auth){.kind = BATON_HTTP_AUTH_OAUTH2_CLIENT_CREDENTIALS, .token_url = token_url,
	                           .client_id = "cid", .client_secret = "cs-SECRET/+", .scopes = scopes,
	                           .n_scopes = 2};
	baton_http_client *c;
	assert_int_equal(baton_http_client_new(&o, &c), 0);
	log_capture_begin();
	assert_int_equal(get(c, "/api"), 0);  /* fetches at-1 */
	fc.now_ms += 3000 * 1000;              /* 50 min later: still valid */
	assert_int_equal(get(c, "/api"), 0);
	fc.now_ms += 591 * 1000;               /* 9 s before expiry: inside the 10 s margin */
	assert_int_equal(get(c, "/api"), 0);   /* at-2 refused with 401 -> at-3 -> 200 */
	char *log = log_capture_end();
	assert_no_substring(log, "cs-SECRET");
	assert_no_substring(log, "at-1");
	assert_no_substring(log, "at-2");
	assert_no_substring(log, "at-3");
	free(log);
	test_server_check(s, true);
	assert_int_equal(test_server_request_count(s), 7);
	baton_http_client_free(c);
	test_server_stop(s);
}

static void test_client_secret_in_body(void **state)
{
	(void)state;
	test_server *s = test_server_start("auth_in_body.json");
	fake_clock fc;
	fake_clock_init(&fc);
	baton_http_client_options o;
	test_client_options(&o, s, &fc);
	char token_url[160];
	snprintf(token_url, sizeof(token_url), "%s/token?tenant=t1&client_secret=cs-SECRET/+", test_server_base(s));
	o.auth = (baton_http_auth){.kind = BATON_HTTP_AUTH_OAUTH2_CLIENT_CREDENTIALS, .token_url = token_url,
	                           .client_id = "cid", .client_secret = "cs-SECRET/+",
	                           .client_auth_style = BATON_HTTP_OAUTH2_IN_BODY, .refresh_margin_s = 30};
	baton_http_client *c;
	assert_int_equal(baton_http_client_new(&o, &c), 0);
	assert_int_equal(get(c, "/api"), 0);
	fc.now_ms += 91 * 1000; /* 120 s token, 30 s margin */
	/* the token endpoint refuses the client: Unauthenticated, with the OAuth2 error code only */
	assert_int_equal(get(c, "/api"), BATON_EUNAUTHENTICATED);
	const char *msg = baton_error_last()->message;
	assert_non_null(strstr(msg, "oauth2: token request failed: 401 Unauthorized: POST "));
	assert_non_null(strstr(msg, "invalid_client"));
	assert_non_null(strstr(msg, "client_secret=REDACTED"));
	assert_no_substring(msg, "cs-SECRET");
	test_server_check(s, true);
	baton_http_client_free(c);
	test_server_stop(s);
}

static void test_refresh_token(void **state)
{
	(void)state;
	test_server *s = test_server_start("auth_refresh.json");
	fake_clock fc;
	fake_clock_init(&fc);
	baton_http_client_options o;
	test_client_options(&o, s, &fc);
	char token_url[128];
	snprintf(token_url, sizeof(token_url), "%s/token", test_server_base(s));
	o.auth = (baton_http_auth){.kind = BATON_HTTP_AUTH_OAUTH2_REFRESH_TOKEN, .token_url = token_url,
	                           .client_id = "cid", .client_secret = "cs", .access_token = "at-0",
	                           .refresh_token = "rt-1",
	                           .access_token_expires_at_s = FAKE_EPOCH_MS / 1000 + 100};
	baton_http_client *c;
	assert_int_equal(baton_http_client_new(&o, &c), 0);
	assert_int_equal(get(c, "/api"), 0); /* at-0 still good */
	fc.now_ms += 95 * 1000;              /* within the margin: refresh with rt-1 */
	assert_int_equal(get(c, "/api"), 0);
	fc.now_ms += 51 * 1000;              /* at-r1 (60 s) near expiry: refresh with the rotated rt-2 */
	assert_int_equal(get(c, "/api"), 0);
	test_server_check(s, true);
	baton_http_client_free(c);
	test_server_stop(s);
}

static void test_jwt(void **state)
{
	(void)state;
	test_server *s = test_server_start("auth_jwt.json");
	fake_clock fc;
	fake_clock_init(&fc);
	baton_http_client_options o;
	test_client_options(&o, s, &fc);
	char token_url[128];
	snprintf(token_url, sizeof(token_url), "%s/token", test_server_base(s));
	char *rsa = read_fixture("jwt_rsa.pem");
	char *ec = read_fixture("jwt_ec.pem");
	const char *scopes[] = {"users.read", "groups.read"};
	o.auth = (baton_http_auth){.kind = BATON_HTTP_AUTH_OAUTH2_JWT, .token_url = token_url,
	                           .jwt_private_key_pem = rsa, .jwt_key_id = "k1",
	                           .jwt_issuer = "svc@example.com", .jwt_subject = "admin@example.com",
	                           .scopes = scopes, .n_scopes = 2};
	baton_http_client *c;
	assert_int_equal(baton_http_client_new(&o, &c), 0);
	assert_int_equal(get(c, "/api"), 0);
	baton_http_client_free(c);

	o.auth = (baton_http_auth){.kind = BATON_HTTP_AUTH_OAUTH2_JWT, .token_url = token_url,
	                           .jwt_private_key_pem = ec, .jwt_issuer = "ec@example.com",
	                           .jwt_audience = "https://aud.example.com/token", .jwt_lifetime_s = 600};
	assert_int_equal(baton_http_client_new(&o, &c), 0);
	assert_int_equal(get(c, "/api"), 0);
	baton_http_client_free(c);
	test_server_check(s, true);
	test_server_stop(s);
	free(rsa);
	free(ec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_static),
		cmocka_unit_test(test_client_credentials),
		cmocka_unit_test(test_client_secret_in_body),
		cmocka_unit_test(test_refresh_token),
		cmocka_unit_test(test_jwt),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
