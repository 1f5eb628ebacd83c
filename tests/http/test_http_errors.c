/*
 * Requests and responses, the status -> error code mapping, invalid JSON, slow and dropped
 * connections, and secrets kept out of messages and logs.
 */
#include "http_testutil.h"

#include <stdlib.h>
#include <string.h>

static baton_http_client *client_for(test_server *s, fake_clock *fc, const char *ua)
{
	baton_http_client_options o;
	test_client_options(&o, s, fc);
	o.user_agent = ua;
	char base[128];
	snprintf(base, sizeof(base), "%s/v2/", test_server_base(s)); /* trailing slash trimmed */
	o.base_url = base;
	baton_http_client *c;
	assert_int_equal(baton_http_client_new(&o, &c), 0);
	return c;
}

static void test_requests_and_bodies(void **state)
{
	(void)state;
	test_server *s = test_server_start("requests.json");
	baton_http_client *c = client_for(s, NULL, "test-ua");
	baton_http_request *r;
	baton_http_response *resp;

	/* GET with escaped query parameters and a header */
	assert_int_equal(baton_http_request_new(c, "GET", "/users?limit=2", &r), 0);
	assert_int_equal(baton_http_request_add_query(r, "filter", "name eq \"a&b\""), 0);
	assert_int_equal(baton_http_request_add_query(r, "api_key", "k-SECRET-1"), 0);
	assert_int_equal(baton_http_request_set_header(r, "Accept", "application/json"), 0);
	const char *red = baton_http_request_url_redacted(r);
	assert_non_null(strstr(red, "api_key=REDACTED"));
	assert_no_substring(red, "k-SECRET-1");
	assert_non_null(strstr(red, "filter=name%20eq%20%22a%26b%22"));
	assert_int_equal(baton_http_do(c, r, NULL, &resp), 0);
	assert_int_equal(baton_http_response_status(resp), 200);
	assert_string_equal(baton_http_response_status_line(resp), "200 OK");
	assert_string_equal(baton_http_response_header(resp, "x-trace"), "abc");
	assert_true(baton_http_response_header_count(resp) >= 3);
	assert_int_equal(baton_http_response_attempts(resp), 1);
	json_t *j;
	assert_int_equal(baton_http_response_json(resp, &j), 0);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(j, "users"), 0), "id")), "1");
	json_decref(j);
	baton_http_response_free(resp);
	baton_http_request_free(r);

	/* JSON body */
	assert_int_equal(baton_http_request_new(c, "POST", "users", &r), 0);
	json_t *body = json_pack("{s:s, s:[s]}", "name", "Ann", "tags", "x");
	assert_int_equal(baton_http_request_set_json(r, body), 0);
	json_decref(body);
	assert_int_equal(baton_http_do(c, r, NULL, &resp), 0);
	assert_int_equal(baton_http_response_status(resp), 201);
	assert_string_equal(baton_http_response_status_line(resp), "201 Created");
	baton_http_response_free(resp);
	baton_http_request_free(r);

	/* form body */
	assert_int_equal(baton_http_request_new(c, "POST", "/form", &r), 0);
	assert_int_equal(baton_http_request_add_form(r, "a", "1 2"), 0);
	assert_int_equal(baton_http_request_add_form(r, "b", "x&y=z"), 0);
	assert_int_equal(baton_http_do(c, r, NULL, &resp), 0);
	assert_int_equal(baton_http_response_status(resp), 204);
	size_t len;
	assert_string_equal(baton_http_response_body(resp, &len), "");
	assert_int_equal(len, 0);
	baton_http_response_free(resp);
	baton_http_request_free(r);

	/* raw body */
	assert_int_equal(baton_http_request_new(c, "PUT", "/raw", &r), 0);
	assert_int_equal(baton_http_request_set_body(r, "text/plain", "raw bytes\x01", 10), 0);
	assert_int_equal(baton_http_do(c, r, NULL, &resp), 0);
	assert_string_equal(baton_http_response_body(resp, NULL), "ok");
	baton_http_response_free(resp);
	baton_http_request_free(r);

	/* DELETE with a custom header; no response wanted */
	assert_int_equal(baton_http_request_new(c, "DELETE", "/users/1", &r), 0);
	assert_int_equal(baton_http_request_set_header(r, "X-Custom", "v"), 0);
	assert_int_equal(baton_http_do(c, r, NULL, NULL), 0);
	baton_http_request_free(r);

	/* an absolute URL (a next link) bypasses the base URL */
	char url[256];
	snprintf(url, sizeof(url), "%s/next?page=2", test_server_base(s));
	assert_int_equal(baton_http_get_json(c, url, NULL, &j), 0);
	assert_true(json_is_array(j));
	json_decref(j);

	test_server_check(s, true);
	const test_request *first = test_server_request(s, 0);
	assert_non_null(strstr(first->target, "filter=name%20eq%20%22a%26b%22"));
	baton_http_client_free(c);
	test_server_stop(s);
}

static void test_bad_arguments(void **state)
{
	(void)state;
	baton_http_client_options o = BATON_HTTP_CLIENT_OPTIONS_INIT;
	baton_http_client *c;
	o.base_url = "ftp://example.com";
	assert_int_equal(baton_http_client_new(&o, &c), BATON_EINVALID);
	o.base_url = "http://127.0.0.1:1";
	o.version = 99;
	assert_int_equal(baton_http_client_new(&o, &c), BATON_EINVALID);
	o.version = BATON_HTTP_CLIENT_OPTIONS_VERSION;
	o.auth.kind = BATON_HTTP_AUTH_BEARER;
	assert_int_equal(baton_http_client_new(&o, &c), BATON_EINVALID);
	o.auth.kind = BATON_HTTP_AUTH_OAUTH2_JWT;
	o.auth.token_url = "http://127.0.0.1:1/token";
	o.auth.jwt_issuer = "x";
	o.auth.jwt_private_key_pem = "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n";
	assert_int_equal(baton_http_client_new(&o, &c), BATON_EINVALID);
	o.auth.kind = BATON_HTTP_AUTH_NONE;
	assert_int_equal(baton_http_client_new(&o, &c), 0);
	baton_http_request *r;
	assert_int_equal(baton_http_request_new(c, "GE T", "/x", &r), BATON_EINVALID);
	assert_int_equal(baton_http_request_new(c, "GET", "/a b", &r), BATON_EINVALID);
	assert_int_equal(baton_http_request_new(c, "GET", "/x", &r), 0);
	assert_int_equal(baton_http_request_set_header(r, "X-Bad", "a\r\nInjected: 1"), BATON_EINVALID);
	assert_int_equal(baton_http_request_set_header(r, "Bad Name", "v"), BATON_EINVALID);
	baton_http_request_free(r);
	baton_http_client_free(c);

	o.base_url = NULL;
	assert_int_equal(baton_http_client_new(&o, &c), 0);
	assert_int_equal(baton_http_request_new(c, "GET", "/relative", &r), BATON_EINVALID);
	baton_http_client_free(c);
}

static void test_status_mapping(void **state)
{
	(void)state;
	static const struct {
		int status;
		const char *reason;
		int code;
	} cases[] = {
		{400, "Bad Request", BATON_EINVALID},       {401, "Unauthorized", BATON_EUNAUTHENTICATED},
		{403, "Forbidden", BATON_EPERM},            {404, "Not Found", BATON_ENOTFOUND},
		{408, "Request Timeout", BATON_EDEADLINE},  {409, "Conflict", BATON_EEXISTS},
		{418, "I'm a teapot", BATON_EINVALID},      {422, "Unprocessable Entity", BATON_EINVALID},
		{429, "Too Many Requests", BATON_EUNAVAILABLE},
		{500, "Internal Server Error", BATON_EUNAVAILABLE},
		{501, "Not Implemented", BATON_EUNIMPLEMENTED}, {502, "Bad Gateway", BATON_EUNAVAILABLE},
		{503, "Service Unavailable", BATON_EUNAVAILABLE}, {504, "Gateway Timeout", BATON_EUNAVAILABLE},
		{507, "Insufficient Storage", BATON_EUNAVAILABLE}, {304, "Not Modified", BATON_EUNKNOWN},
	};
	size_t n = sizeof(cases) / sizeof(cases[0]);
	/* the pure mapping */
	for (size_t i = 0; i < n; i++)
		assert_int_equal(baton_http_error_from_status(cases[i].status), cases[i].code);
	assert_int_equal(baton_http_error_from_status(200), 0);
	assert_int_equal(baton_http_error_from_status(299), 0);
	assert_int_equal(baton_http_error_from_status(100), BATON_EUNKNOWN);

	/* and through the client, with the status line and the request in the message */
	json_t *fx = json_pack("{s:s, s:[]}", "mode", "routes", "exchanges");
	for (size_t i = 0; i < n; i++) {
		char path[32];
		snprintf(path, sizeof(path), "/status/%d", cases[i].status);
		json_array_append_new(json_object_get(fx, "exchanges"),
		                      json_pack("{s:{s:s}, s:{s:i, s:s, s:s}}", "expect", "path", path, "respond",
		                                "status", cases[i].status, "reason", cases[i].reason, "body",
		                                "{\"error\":\"the server says no\"}"));
	}
	char *text = json_dumps(fx, 0);
	json_decref(fx);
	test_server *s = test_server_start_json(text);
	free(text);
	baton_http_client_options o;
	test_client_options(&o, s, NULL);
	baton_http_client *c;
	assert_int_equal(baton_http_client_new(&o, &c), 0);
	for (size_t i = 0; i < n; i++) {
		char path[64], want[256];
		snprintf(path, sizeof(path), "/status/%d?token=tok-SECRET", cases[i].status);
		baton_http_request *r;
		baton_http_response *resp;
		assert_int_equal(baton_http_request_new(c, "GET", path, &r), 0);
		int rc = baton_http_do(c, r, NULL, &resp);
		assert_int_equal(rc, cases[i].code);
		assert_non_null(resp);
		assert_int_equal(baton_http_response_status(resp), cases[i].status);
		snprintf(want, sizeof(want), "%d %s: GET %s/status/%d?token=REDACTED", cases[i].status,
		         cases[i].reason, test_server_base(s), cases[i].status);
		assert_string_equal(baton_error_last()->message, want);
		/* the body is still there for the caller's own error decoding */
		if (cases[i].status != 304) /* a 304 has no body */
			assert_non_null(strstr(baton_http_response_body(resp, NULL), "the server says no"));
		baton_http_response_free(resp);
		baton_http_request_free(r);
	}
	test_server_check(s, true);
	baton_http_client_free(c);
	test_server_stop(s);
}

static void test_invalid_json(void **state)
{
	(void)state;
	test_server *s = test_server_start("invalid_json.json");
	baton_http_client_options o;
	test_client_options(&o, s, NULL);
	baton_http_client *c;
	assert_int_equal(baton_http_client_new(&o, &c), 0);
	json_t *j = NULL;
	assert_int_equal(baton_http_get_json(c, "/broken?access_token=at-SECRET", NULL, &j), BATON_EINVALID);
	assert_null(j);
	const char *msg = baton_error_last()->message;
	assert_non_null(strstr(msg, "invalid JSON in response to GET "));
	assert_non_null(strstr(msg, "/broken?access_token=REDACTED (200 OK)"));
	assert_non_null(strstr(msg, "body starts with \"<html><body>Service temporarily moved"));
	assert_non_null(strstr(msg, "...\"")); /* cut short */
	assert_null(strstr(msg, "</html>"));
	assert_no_substring(msg, "at-SECRET");
	assert_int_equal(baton_http_get_json(c, "/empty", NULL, &j), BATON_EINVALID);
	assert_non_null(strstr(baton_error_last()->message, "(empty body)"));
	assert_int_equal(baton_http_get_json(c, "/scalar", NULL, &j), 0);
	assert_int_equal(json_integer_value(j), 42);
	json_decref(j);
	test_server_check(s, true);
	baton_http_client_free(c);
	test_server_stop(s);
}

static void test_slow_and_dropped(void **state)
{
	(void)state;
	test_server *s = test_server_start("slow_and_dropped.json");
	baton_http_client_options o;
	test_client_options(&o, s, NULL);
	o.timeout_ms = 300;
	baton_http_client *c;
	assert_int_equal(baton_http_client_new(&o, &c), 0);
	baton_http_request *r;
	baton_http_response *resp = (baton_http_response *)1;

	assert_int_equal(baton_http_request_new(c, "GET", "/slow", &r), 0);
	assert_int_equal(baton_http_do(c, r, NULL, &resp), BATON_EDEADLINE);
	assert_null(resp);
	assert_non_null(strstr(baton_error_last()->message, "GET http://127.0.0.1:"));
	baton_http_request_free(r);

	assert_int_equal(baton_http_request_new(c, "GET", "/drop", &r), 0);
	assert_int_equal(baton_http_do(c, r, NULL, &resp), BATON_EUNAVAILABLE);
	baton_http_request_free(r);

	assert_int_equal(baton_http_request_new(c, "GET", "/truncated", &r), 0);
	assert_int_equal(baton_http_do(c, r, NULL, &resp), BATON_EUNAVAILABLE);
	baton_http_request_free(r);
	baton_http_client_free(c);

	/* nothing listening: connection refused is Unavailable; user info never shown */
	char url[128];
	snprintf(url, sizeof(url), "http://user:pw-SECRET@127.0.0.1:%d/x", test_unused_port());
	o.base_url = NULL;
	assert_int_equal(baton_http_client_new(&o, &c), 0);
	assert_int_equal(baton_http_request_new(c, "GET", url, &r), 0);
	assert_int_equal(baton_http_do(c, r, NULL, NULL), BATON_EUNAVAILABLE);
	assert_no_substring(baton_error_last()->message, "pw-SECRET");
	assert_no_substring(baton_error_last()->message, "user:");
	baton_http_request_free(r);
	baton_http_client_free(c);
	test_server_stop(s);
}

static void test_body_limit(void **state)
{
	(void)state;
	test_server *s = test_server_start_json(
	    "{\"exchanges\":[{\"respond\":{\"status\":200,\"body\":\"0123456789abcdef0123456789\"}}]}");
	baton_http_client_options o;
	test_client_options(&o, s, NULL);
	o.max_body_bytes = 16;
	baton_http_client *c;
	assert_int_equal(baton_http_client_new(&o, &c), 0);
	json_t *j;
	assert_int_equal(baton_http_get_json(c, "/big", NULL, &j), BATON_EEXHAUSTED);
	assert_non_null(strstr(baton_error_last()->message, "larger than 16 bytes"));
	baton_http_client_free(c);
	test_server_stop(s);
}

static void test_logs_redacted(void **state)
{
	(void)state;
	test_server *s = test_server_start_json(
	    "{\"exchanges\":["
	    "{\"respond\":{\"status\":200,\"headers\":{\"X-RateLimit-Remaining\":\"9\",\"Set-Cookie\":\"sid=c-SECRET\"}}},"
	    "{\"respond\":{\"status\":500,\"headers\":{\"Set-Cookie\":\"sid=c-SECRET\",\"X-Api-Key\":\"h-SECRET\","
	    "\"X-RateLimit-Limit\":\"100\"}}}]}");
	baton_http_client_options o;
	test_client_options(&o, s, NULL);
	o.auth.kind = BATON_HTTP_AUTH_BEARER;
	o.auth.token = "b-SECRET";
	baton_http_client *c;
	assert_int_equal(baton_http_client_new(&o, &c), 0);
	log_capture_begin();
	baton_http_request *r;
	assert_int_equal(baton_http_request_new(c, "GET", "/a?client_secret=q-SECRET&x=1", &r), 0);
	assert_int_equal(baton_http_do(c, r, NULL, NULL), 0);
	assert_int_equal(baton_http_do(c, r, NULL, NULL), BATON_EUNAVAILABLE);
	baton_http_request_free(r);
	char *log = log_capture_end();
	assert_non_null(strstr(log, "X-RateLimit-Remaining: 9"));
	assert_non_null(strstr(log, "X-RateLimit-Limit: 100"));
	assert_non_null(strstr(log, "client_secret=REDACTED&x=1"));
	assert_non_null(strstr(log, "Set-Cookie: REDACTED"));
	assert_non_null(strstr(log, "\"level\":\"error\""));
	const char *secrets[] = {"q-SECRET", "c-SECRET", "h-SECRET", "b-SECRET"};
	for (size_t i = 0; i < 4; i++)
		assert_no_substring(log, secrets[i]);
	free(log);
	baton_http_client_free(c);
	test_server_stop(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_requests_and_bodies),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_status_mapping),
		cmocka_unit_test(test_invalid_json),
		cmocka_unit_test(test_slow_and_dropped),
		cmocka_unit_test(test_body_limit),
		cmocka_unit_test(test_logs_redacted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
