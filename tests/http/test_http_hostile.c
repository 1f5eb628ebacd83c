/*
 * Hostile servers and hostile input (issue 16), each class as a generated family of cases
 * against the loopback server:
 *   - Retry-After and rate-limit headers that cannot be read (garbage, empty, overlong, huge,
 *     negative): the retry waits the backoff, never the 60 s a bare 429 stands for;
 *   - bodies whose shape is not what the SCIM-style pager expects ([], a string, a number, null,
 *     an object without the list): an error, never a silently empty page;
 *   - totals that are not counts (huge, negative, fractional, not a number);
 *   - a credential echoed by the server (reason phrase, header values, body, a rate-limit value):
 *     never in the log or an error message;
 *   - CR, LF, CRLF, other control characters in a bearer token, a header value, the user agent
 *     or an OAuth2 token from the token server: refused before anything is sent;
 *   - response headers around the size limits: a clear error naming the limit.
 * Stopping on SIGTERM/SIGINT while waiting is in test_http_stop.c.
 */
#include "http_testutil.h"

#include <stdlib.h>
#include <string.h>

/* A routes-mode server answering every request with `respond` (stolen). */
static test_server *serve(json_t *respond)
{
	json_t *fx = json_pack("{s:s, s:[{s:o, s:i}]}", "mode", "routes", "exchanges", "respond", respond, "times", 0);
	assert_non_null(fx);
	char *text = json_dumps(fx, JSON_COMPACT);
	json_decref(fx);
	test_server *s = test_server_start_json(text);
	free(text);
	return s;
}

static int get(baton_http_client *c, const char *path, baton_http_response **resp)
{
	baton_http_request *r;
	assert_int_equal(baton_http_request_new(c, "GET", path, &r), 0);
	int rc = baton_http_do(c, r, NULL, resp);
	baton_http_request_free(r);
	return rc;
}

/* ---- Retry-After and rate-limit headers that cannot be used ---- */

static void test_unusable_reset_backs_off(void **state)
{
	(void)state;
	char overlong[400], huge_digits[64];
	overlong[0] = '1';
	memset(overlong + 1, '0', 299);
	overlong[300] = '\0';
	snprintf(huge_digits, sizeof(huge_digits), "%s", "99999999999999999999999999");
	struct {
		const char *name, *value; /* a second header, optional */
		const char *name2, *value2;
	} cases[] = {
		{"Retry-After", "", NULL, NULL},
		{"Retry-After", "   ", NULL, NULL},
		{"Retry-After", "soon", NULL, NULL},
		{"Retry-After", "abc123", NULL, NULL},
		{"Retry-After", "1.5", NULL, NULL},
		{"Retry-After", "0x10", NULL, NULL},
		{"Retry-After", "Tue, 99 Foo 2023 25:61:61 GMT", NULL, NULL},
		{"Retry-After", overlong, NULL, NULL},
		{"Retry-After", huge_digits, NULL, NULL},
		{"Retry-After", "-5", NULL, NULL},
		{"Retry-After", "-99999999999999999999999", NULL, NULL},
		{"X-RateLimit-Reset", "garbage", "X-RateLimit-Remaining", "0"},
		{"X-RateLimit-Reset", "", "X-RateLimit-Remaining", "0"},
		{"X-RateLimit-Limit", "lots", NULL, NULL},
		{"X-RateLimit-Remaining", "none", "Retry-After", "later"},
		{"RateLimit-Reset", overlong, "RateLimit-Limit", "10"},
	};
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		json_t *h = json_object();
		json_object_set_new(h, cases[k].name, json_string(cases[k].value));
		if (cases[k].name2)
			json_object_set_new(h, cases[k].name2, json_string(cases[k].value2));
		test_server *s = serve(json_pack("{s:i, s:o}", "status", 429, "headers", h));
		fake_clock fc;
		fake_clock_init(&fc);
		baton_http_client_options o;
		test_client_options(&o, s, &fc);
		o.retry = (baton_http_retry_policy){.max_attempts = 3, .disable_jitter = true}; /* 60 s cap */
		baton_http_client *c;
		assert_int_equal(baton_http_client_new(&o, &c), 0);
		baton_http_response *resp = NULL;
		assert_int_equal(get(c, "/limited", &resp), BATON_EUNAVAILABLE);
		if (fc.n_sleeps != 2 || fc.sleeps[0] != 500 || fc.sleeps[1] != 1000)
			fail_msg("case %zu (%s: \"%.40s\"): waits %lld, %lld (%zu), expected the backoff 500, 1000", k,
			         cases[k].name, cases[k].value, (long long)(fc.n_sleeps > 0 ? fc.sleeps[0] : -1),
			         (long long)(fc.n_sleeps > 1 ? fc.sleeps[1] : -1), fc.n_sleeps);
		/* the annotation keeps the Go SDK's reading: a bare 429 resets in 60 s */
		baton_ctx *ctx;
		assert_int_equal(baton_ctx_new(&ctx), 0);
		baton_http_rate_limit rl;
		int prc = baton_http_response_rate_limit(resp, &rl);
		if (prc == 0) {
			assert_int_equal(rl.status, BATON_RATELIMIT_OVERLIMIT);
			assert_true(rl.has_reset);
		}
		baton_ctx_free(ctx);
		baton_http_response_free(resp);
		baton_http_client_free(c);
		test_server_stop(s);
	}
}

/* Readable but far-away resets are bounded by max_delay_ms (and the budget). */
static void test_far_reset_bounded(void **state)
{
	(void)state;
	const char *values[] = {"86400", "9223372036854775807", "Fri, 31 Dec 9999 23:59:59 GMT", "253402300799"};
	for (size_t k = 0; k < sizeof(values) / sizeof(values[0]); k++) {
		test_server *s = serve(json_pack("{s:i, s:{s:s}}", "status", 429, "headers", "Retry-After", values[k]));
		fake_clock fc;
		fake_clock_init(&fc);
		baton_http_client_options o;
		test_client_options(&o, s, &fc);
		o.retry = (baton_http_retry_policy){.max_attempts = 5, .max_delay_ms = 7000, .budget_ms = 15000};
		baton_http_client *c;
		assert_int_equal(baton_http_client_new(&o, &c), 0);
		assert_int_equal(get(c, "/limited", NULL), BATON_EUNAVAILABLE);
		assert_int_equal(fc.n_sleeps, 2);
		for (size_t i = 0; i < fc.n_sleeps; i++)
			assert_int_equal(fc.sleeps[i], 7000);
		baton_http_client_free(c);
		test_server_stop(s);
	}
}

/* ---- shapes the pager does not expect ---- */

static int scim_page(baton_http_client *c, const char *token, char **msg)
{
	baton_ctx *ctx;
	assert_int_equal(baton_ctx_new(&ctx), 0);
	baton_http_pager_options po = BATON_HTTP_PAGER_OPTIONS_INIT;
	po.style = BATON_HTTP_PAGE_OFFSET;
	po.offset_param = "startIndex";
	po.size_param = "count";
	po.first_index = 1;
	po.first_index_set = true;
	po.page_size = 2;
	po.items_path = "Resources";
	po.total_path = "totalResults";
	baton_http_pager *p;
	assert_int_equal(baton_http_pager_new(ctx, &po, token, &p), 0);
	baton_http_request *r;
	assert_int_equal(baton_http_pager_request(p, c, "GET", "/scim/v2/Users", &r), 0);
	baton_http_response *resp = NULL;
	json_t *body = NULL;
	const char *next = NULL;
	int rc = baton_http_do(c, r, NULL, &resp);
	if (!rc)
		rc = baton_http_response_json(resp, &body);
	if (!rc)
		rc = baton_http_pager_next(p, resp, body, &next);
	*msg = strdup(rc ? baton_error_last()->message : next);
	json_decref(body);
	baton_http_response_free(resp);
	baton_http_request_free(r);
	baton_ctx_free(ctx);
	return rc;
}

static void run_bodies(const char *const *bodies, size_t n, bool want_error, const char *want_in_msg)
{
	for (size_t k = 0; k < n; k++) {
		test_server *s = serve(json_pack("{s:i, s:{s:s}, s:s}", "status", 200, "headers", "Content-Type",
		                                 "application/scim+json", "body", bodies[k]));
		baton_http_client_options o;
		test_client_options(&o, s, NULL);
		baton_http_client *c;
		assert_int_equal(baton_http_client_new(&o, &c), 0);
		char *msg;
		int rc = scim_page(c, "", &msg);
		if (want_error && (rc != BATON_EINVALID || !strstr(msg, "pagination: ") ||
		                   (want_in_msg && !strstr(msg, want_in_msg))))
			fail_msg("body %s: rc %d \"%s\", expected an InvalidArgument pagination error", bodies[k], rc, msg);
		if (!want_error && rc != 0)
			fail_msg("body %s: rc %d \"%s\", expected success", bodies[k], rc, msg);
		free(msg);
		baton_http_client_free(c);
		test_server_stop(s);
	}
}

static void test_unexpected_shapes(void **state)
{
	(void)state;
	const char *bad[] = {
	    "[]", "[{\"id\":\"1\"}]", "\"Users\"", "\"\"", "42", "0", "-1.5", "null", "true", "false",
	    "{}", "{\"totalResults\":5}", "{\"totalResults\":5,\"resources\":[]}", "{\"Resources\":{}}",
	    "{\"Resources\":\"x\"}", "{\"Resources\":null}", "{\"Resources\":7}", "{\"itemsPerPage\":2}",
	    "{\"totalResults\":null}", "{\"Resources\":{\"0\":{\"id\":\"1\"}},\"totalResults\":1}",
	};
	run_bodies(bad, sizeof(bad) / sizeof(bad[0]), true, NULL);
	/* what SCIM may legitimately send */
	const char *good[] = {
	    "{\"totalResults\":0}",
	    "{\"totalResults\":0,\"Resources\":[]}",
	    "{\"totalResults\":\"0\"}",
	    "{\"totalResults\":2,\"Resources\":[{\"id\":\"1\"},{\"id\":\"2\"}]}",
	    "{\"Resources\":[{\"id\":\"1\"}]}",
	};
	run_bodies(good, sizeof(good) / sizeof(good[0]), false, NULL);
}

static void test_totals_not_counts(void **state)
{
	(void)state;
	const char *bad[] = {
	    "{\"totalResults\":1e300,\"Resources\":[{\"id\":\"1\"}]}",
	    "{\"totalResults\":-1e300,\"Resources\":[{\"id\":\"1\"}]}",
	    "{\"totalResults\":1e19,\"Resources\":[{\"id\":\"1\"}]}",
	    "{\"totalResults\":9223372036854775808.0,\"Resources\":[{\"id\":\"1\"}]}",
	    "{\"totalResults\":-1,\"Resources\":[{\"id\":\"1\"}]}",
	    "{\"totalResults\":-9223372036854775807,\"Resources\":[{\"id\":\"1\"}]}",
	    "{\"totalResults\":-0.5,\"Resources\":[{\"id\":\"1\"}]}",
	    "{\"totalResults\":2.5,\"Resources\":[{\"id\":\"1\"}]}",
	    "{\"totalResults\":0.1,\"Resources\":[{\"id\":\"1\"}]}",
	    "{\"totalResults\":\"many\",\"Resources\":[{\"id\":\"1\"}]}",
	    "{\"totalResults\":\"12abc\",\"Resources\":[{\"id\":\"1\"}]}",
	    "{\"totalResults\":\"-3\",\"Resources\":[{\"id\":\"1\"}]}",
	    "{\"totalResults\":\"\",\"Resources\":[{\"id\":\"1\"}]}",
	    "{\"totalResults\":\"99999999999999999999999\",\"Resources\":[{\"id\":\"1\"}]}",
	    "{\"totalResults\":true,\"Resources\":[{\"id\":\"1\"}]}",
	    "{\"totalResults\":{},\"Resources\":[{\"id\":\"1\"}]}",
	    "{\"totalResults\":[3],\"Resources\":[{\"id\":\"1\"}]}",
	};
	run_bodies(bad, sizeof(bad) / sizeof(bad[0]), true, "totalResults");
	const char *good[] = {
	    "{\"totalResults\":3.0,\"Resources\":[{\"id\":\"1\"},{\"id\":\"2\"}]}",
	    "{\"totalResults\":\"3\",\"Resources\":[{\"id\":\"1\"},{\"id\":\"2\"}]}",
	    "{\"totalResults\":9007199254740992.0,\"Resources\":[{\"id\":\"1\"},{\"id\":\"2\"}]}",
	};
	run_bodies(good, sizeof(good) / sizeof(good[0]), false, NULL);
}

/* ---- a credential echoed by the server ---- */

#define TOKEN "tok-4f9a2c7e-SECRET-e1b0"
#define BASIC_USER "alice"
#define BASIC_PASS "pw-7d3c-SECRET"
/* base64("alice:pw-7d3c-SECRET") */
#define BASIC_B64 "YWxpY2U6cHctN2QzYy1TRUNSRVQ="

static void check_echo(json_t *respond, bool basic, const char *label)
{
	test_server *s = serve(respond);
	baton_http_client_options o;
	test_client_options(&o, s, NULL);
	if (basic) {
		o.auth.kind = BATON_HTTP_AUTH_BASIC;
		o.auth.username = BASIC_USER;
		o.auth.password = BASIC_PASS;
	} else {
		o.auth.kind = BATON_HTTP_AUTH_BEARER;
		o.auth.token = TOKEN;
	}
	baton_http_client *c;
	assert_int_equal(baton_http_client_new(&o, &c), 0);
	log_capture_begin();
	baton_http_response *resp = NULL;
	int rc = get(c, "/echo", &resp);
	char *errors = calloc(1, 4096);
	snprintf(errors, 4096, "%s|", rc ? baton_error_last()->message : "");
	if (resp) {
		json_t *j = NULL;
		if (baton_http_response_json(resp, &j))
			snprintf(errors + strlen(errors), 4096 - strlen(errors), "%s|", baton_error_last()->message);
		json_decref(j);
		baton_http_rate_limit rl;
		if (baton_http_response_rate_limit(resp, &rl))
			snprintf(errors + strlen(errors), 4096 - strlen(errors), "%s|", baton_error_last()->message);
		snprintf(errors + strlen(errors), 4096 - strlen(errors), "%s|", baton_http_response_status_line(resp));
	}
	char *log = log_capture_end();
	const char *secrets[] = {TOKEN, "Bearer " TOKEN, BASIC_B64, "SECRET"};
	for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
		if (strstr(log, secrets[i]))
			fail_msg("%s: the log shows \"%s\":\n%s", label, secrets[i], log);
		if (strstr(errors, secrets[i]))
			fail_msg("%s: an error or the status line shows \"%s\": %s", label, secrets[i], errors);
	}
	free(errors);
	free(log);
	baton_http_response_free(resp);
	baton_http_client_free(c);
	test_server_stop(s);
}

static void test_echoed_credentials(void **state)
{
	(void)state;
	const char *forms[][2] = {
	    /* bearer: the token alone, with its scheme, inside a sentence, twice */
	    {TOKEN, NULL},
	    {"Bearer " TOKEN, NULL},
	    {"bearer " TOKEN, NULL},
	    {"your header was Authorization: Bearer " TOKEN " (rejected)", NULL},
	    {"x" TOKEN "y" TOKEN, NULL},
	    /* basic: the encoded credential, with its scheme; the scheme rule for an unknown one */
	    {"Basic " BASIC_B64, "basic"},
	    {BASIC_B64, "basic"},
	    {"Bearer SECRET-from-elsewhere", NULL},
	};
	const int statuses[] = {401, 403, 429, 500};
	char label[128];
	for (size_t f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
		bool basic = forms[f][1] != NULL;
		const char *echo = forms[f][0];
		for (size_t k = 0; k < sizeof(statuses) / sizeof(statuses[0]); k++) {
			/* in the reason phrase */
			snprintf(label, sizeof(label), "reason phrase, form %zu, status %d", f, statuses[k]);
			check_echo(json_pack("{s:i, s:s}", "status", statuses[k], "reason", echo), basic, label);
			/* in a header value (a name that is not sensitive, and a rate-limit header, which
			 * the debug log and the rate-limit parser quote) */
			snprintf(label, sizeof(label), "X-Echo header, form %zu, status %d", f, statuses[k]);
			check_echo(json_pack("{s:i, s:{s:s}}", "status", statuses[k], "headers", "X-Echo", echo), basic, label);
			/* in a header name (found by fuzz_http), for the forms without a space */
			if (!strchr(echo, ' ')) {
				snprintf(label, sizeof(label), "header name, form %zu, status %d", f, statuses[k]);
				char name[160];
				snprintf(name, sizeof(name), "X-%s", echo);
				check_echo(json_pack("{s:i, s:{s:s}}", "status", statuses[k], "headers", name, "1"), basic, label);
			}
			snprintf(label, sizeof(label), "rate-limit header, form %zu, status %d", f, statuses[k]);
			check_echo(json_pack("{s:i, s:{s:s}}", "status", statuses[k], "headers", "X-RateLimit-Limit", echo),
			           basic, label);
		}
		/* in a body that is not JSON, at the start and across the excerpt's cut */
		char body[512];
		snprintf(body, sizeof(body), "<html>%s</html>", echo);
		snprintf(label, sizeof(label), "body, form %zu", f);
		check_echo(json_pack("{s:i, s:s}", "status", 200, "body", body), basic, label);
		memset(body, 'a', 120);
		snprintf(body + 120, sizeof(body) - 120, "%s tail", echo);
		snprintf(label, sizeof(label), "body across the cut, form %zu", f);
		check_echo(json_pack("{s:i, s:s}", "status", 200, "body", body), basic, label);
		/* where the JSON parser's message quotes the text near the error */
		snprintf(body, sizeof(body), "{\"x\": %s}", echo);
		snprintf(label, sizeof(label), "JSON error near the echo, form %zu", f);
		check_echo(json_pack("{s:i, s:s}", "status", 200, "body", body), basic, label);
		/* in a SCIM total the pager quotes */
		json_t *b = json_pack("{s:s, s:[]}", "totalResults", echo, "Resources");
		char *btext = json_dumps(b, JSON_COMPACT);
		json_decref(b);
		test_server *s = serve(json_pack("{s:i, s:s}", "status", 200, "body", btext));
		free(btext);
		baton_http_client_options o;
		test_client_options(&o, s, NULL);
		o.auth.kind = basic ? BATON_HTTP_AUTH_BASIC : BATON_HTTP_AUTH_BEARER;
		o.auth.token = basic ? NULL : TOKEN;
		o.auth.username = basic ? BASIC_USER : NULL;
		o.auth.password = basic ? BASIC_PASS : NULL;
		baton_http_client *c;
		assert_int_equal(baton_http_client_new(&o, &c), 0);
		char *msg;
		assert_int_equal(scim_page(c, "", &msg), BATON_EINVALID);
		if (strstr(msg, "SECRET") || strstr(msg, BASIC_B64))
			fail_msg("pager total, form %zu: %s", f, msg);
		free(msg);
		baton_http_client_free(c);
		test_server_stop(s);
	}
}

/* A token server echoing the client secret in its error, its reason phrase or a header. */
static void test_token_server_echo(void **state)
{
	(void)state;
	const char *secret = "cs-SECRET-9f3e";
	const char *echoes[] = {"invalid client secret cs-SECRET-9f3e", "Basic aWQ6Y3MtU0VDUkVULTlmM2U=",
	                        "aWQ6Y3MtU0VDUkVULTlmM2U="};
	for (int style = 0; style < 2; style++) {
		for (size_t k = 0; k < sizeof(echoes) / sizeof(echoes[0]); k++) {
			if (style == 1 && k == 2)
				continue; /* in the body style the encoded pair is never sent: nothing to echo */
			json_t *fx = json_pack("{s:s, s:[{s:{s:s}, s:{s:i, s:s, s:{s:s}, s:{s:s}}, s:i}]}", "mode", "routes",
			                       "exchanges", "expect", "path", "/token", "respond", "status", 401, "reason",
			                       echoes[k], "headers", "X-Echo", echoes[k], "body_json", "error", echoes[k],
			                       "times", 0);
			char *text = json_dumps(fx, JSON_COMPACT);
			json_decref(fx);
			test_server *s = test_server_start_json(text);
			free(text);
			char token_url[128];
			snprintf(token_url, sizeof(token_url), "%s/token", test_server_base(s));
			baton_http_client_options o;
			test_client_options(&o, s, NULL);
			o.auth.kind = BATON_HTTP_AUTH_OAUTH2_CLIENT_CREDENTIALS;
			o.auth.token_url = token_url;
			o.auth.client_id = "id";
			o.auth.client_secret = secret;
			o.auth.client_auth_style = style ? BATON_HTTP_OAUTH2_IN_BODY : BATON_HTTP_OAUTH2_BASIC_HEADER;
			baton_http_client *c;
			assert_int_equal(baton_http_client_new(&o, &c), 0);
			log_capture_begin();
			int rc = get(c, "/api", NULL);
			char *log = log_capture_end();
			assert_int_equal(rc, BATON_EUNAUTHENTICATED);
			const char *msg = baton_error_last()->message;
			if (strstr(msg, secret) || strstr(msg, "aWQ6Y3MtU0VDUkVULTlmM2U="))
				fail_msg("style %d, echo %zu: %s", style, k, msg);
			if (strstr(log, secret) || strstr(log, "aWQ6Y3MtU0VDUkVULTlmM2U="))
				fail_msg("style %d, echo %zu: the log shows the secret:\n%s", style, k, log);
			free(log);
			baton_http_client_free(c);
			test_server_stop(s);
		}
	}
}

/* ---- control characters in header values built from input ---- */

static const char *const injections[] = {
    "abc\r\nX-Injected: yes", "abc\nX-Injected: yes", "abc\rX-Injected: yes", "\r\nX-Injected: yes",
    "abc\r\n\r\nGET /smuggled HTTP/1.1", "abc\x01" "def", "abc\x7f", "abc\x1b[31m", "abc\x0b" "def",
};
#define N_INJECTIONS (sizeof(injections) / sizeof(injections[0]))

static void assert_nothing_injected(test_server *s)
{
	for (size_t i = 0; i < test_server_request_count(s); i++) {
		const test_request *q = test_server_request(s, i);
		if (strstr(q->headers, "X-Injected") || strstr(q->target, "smuggled"))
			fail_msg("a request carried an injected header: %s", q->headers);
	}
}

static void test_header_injection(void **state)
{
	(void)state;
	test_server *s = serve(json_pack("{s:i}", "status", 200));
	for (size_t k = 0; k < N_INJECTIONS; k++) {
		/* the bearer token (--api-token) */
		baton_http_client_options o;
		test_client_options(&o, s, NULL);
		o.auth.kind = BATON_HTTP_AUTH_BEARER;
		o.auth.token = injections[k];
		baton_http_client *c = NULL;
		if (baton_http_client_new(&o, &c) != BATON_EINVALID)
			fail_msg("token %zu accepted", k);
		assert_non_null(strstr(baton_error_last()->message, "bearer token contains"));
		assert_null(strstr(baton_error_last()->message, "X-Injected"));
		/* the user agent */
		test_client_options(&o, s, NULL);
		o.user_agent = injections[k];
		if (baton_http_client_new(&o, &c) != BATON_EINVALID)
			fail_msg("user agent %zu accepted", k);
		/* a header set on a request */
		test_client_options(&o, s, NULL);
		assert_int_equal(baton_http_client_new(&o, &c), 0);
		baton_http_request *r;
		assert_int_equal(baton_http_request_new(c, "GET", "/x", &r), 0);
		if (baton_http_request_set_header(r, "X-Api-Key", injections[k]) != BATON_EINVALID)
			fail_msg("header value %zu accepted", k);
		assert_non_null(strstr(baton_error_last()->message, "X-Api-Key"));
		baton_http_request_free(r);
		baton_http_client_free(c);
	}
	assert_int_equal(test_server_request_count(s), 0);
	test_server_stop(s);
}

/* A token server (hostile or broken) answering an access token with a line break. */
static void test_injection_from_token_server(void **state)
{
	(void)state;
	const char *types[] = {NULL, "Bearer\r\nX-Injected: yes"};
	for (size_t k = 0; k < N_INJECTIONS + 1; k++) {
		for (size_t t = 0; t < 2; t++) {
			json_t *tok = json_pack("{s:s, s:i}", "access_token", k < N_INJECTIONS ? injections[k] : "good-token",
			                        "expires_in", 3600);
			if (types[t])
				json_object_set_new(tok, "token_type", json_string(types[t]));
			if (k == N_INJECTIONS && !types[t]) {
				json_decref(tok);
				continue; /* the control case below */
			}
			json_t *fx = json_pack("{s:s, s:[{s:{s:s}, s:{s:i, s:{s:s}, s:o}, s:i}, {s:{s:i}, s:i}]}", "mode",
			                       "routes", "exchanges", "expect", "path", "/token", "respond", "status", 200,
			                       "headers", "Content-Type", "application/json", "body_json", tok, "times", 0,
			                       "respond", "status", 200, "times", 0);
			char *text = json_dumps(fx, JSON_COMPACT);
			json_decref(fx);
			test_server *s = test_server_start_json(text);
			free(text);
			char token_url[128];
			snprintf(token_url, sizeof(token_url), "%s/token", test_server_base(s));
			baton_http_client_options o;
			test_client_options(&o, s, NULL);
			o.auth.kind = BATON_HTTP_AUTH_OAUTH2_CLIENT_CREDENTIALS;
			o.auth.token_url = token_url;
			o.auth.client_id = "id";
			o.auth.client_secret = "secret-value";
			baton_http_client *c;
			assert_int_equal(baton_http_client_new(&o, &c), 0);
			int rc = get(c, "/api", NULL);
			if (rc != BATON_EUNAUTHENTICATED)
				fail_msg("case %zu/%zu: rc %d (%s), expected Unauthenticated", k, t, rc, baton_error_last()->message);
			assert_non_null(strstr(baton_error_last()->message, "refusing it"));
			assert_nothing_injected(s);
			assert_int_equal(test_server_request_count(s), 1); /* the token request only */
			baton_http_client_free(c);
			test_server_stop(s);
		}
	}
	/* the same as a form-encoded answer, where %00 puts a NUL inside the decoded token */
	const char *forms[] = {"access_token=abc%0d%0aX-Injected:%20yes&token_type=bearer",
	                       "access_token=abc%0aX-Injected:%20yes", "access_token=abc%00X-Injected:%20yes",
	                       "access_token=abc%00", "access_token=ok&token_type=bearer%0d%0aX-Injected:%20yes",
	                       "access_token=abc%01def"};
	for (size_t k = 0; k < sizeof(forms) / sizeof(forms[0]); k++) {
		json_t *fx = json_pack("{s:s, s:[{s:{s:s}, s:{s:i, s:{s:s}, s:s}, s:i}, {s:{s:i}, s:i}]}", "mode",
		                       "routes", "exchanges", "expect", "path", "/token", "respond", "status", 200,
		                       "headers", "Content-Type", "application/x-www-form-urlencoded", "body", forms[k],
		                       "times", 0, "respond", "status", 200, "times", 0);
		char *text = json_dumps(fx, JSON_COMPACT);
		json_decref(fx);
		test_server *s = test_server_start_json(text);
		free(text);
		char token_url[128];
		snprintf(token_url, sizeof(token_url), "%s/token", test_server_base(s));
		baton_http_client_options o;
		test_client_options(&o, s, NULL);
		o.auth.kind = BATON_HTTP_AUTH_OAUTH2_CLIENT_CREDENTIALS;
		o.auth.token_url = token_url;
		o.auth.client_id = "id";
		baton_http_client *c;
		assert_int_equal(baton_http_client_new(&o, &c), 0);
		int rc = get(c, "/api", NULL);
		if (rc != BATON_EUNAUTHENTICATED)
			fail_msg("form %s: rc %d (%s), expected Unauthenticated", forms[k], rc, baton_error_last()->message);
		assert_nothing_injected(s);
		assert_int_equal(test_server_request_count(s), 1);
		baton_http_client_free(c);
		test_server_stop(s);
	}
}

/* ---- response headers around the size limits ---- */

static void test_header_sizes(void **state)
{
	(void)state;
	/* one header line: libcurl's limit is 100 KiB (the line with its name and CRLF) */
	const struct {
		size_t value_len;
		bool ok;
	} one[] = {{1024, true}, {100 * 1024 - 200, true}, {100 * 1024 + 200, false}, {1024 * 1024, false}};
	for (size_t k = 0; k < sizeof(one) / sizeof(one[0]); k++) {
		char *v = malloc(one[k].value_len + 1);
		memset(v, 'v', one[k].value_len);
		v[one[k].value_len] = '\0';
		test_server *s = serve(json_pack("{s:i, s:{s:s}}", "status", 200, "headers", "X-Big", v));
		free(v);
		baton_http_client_options o;
		test_client_options(&o, s, NULL);
		baton_http_client *c;
		assert_int_equal(baton_http_client_new(&o, &c), 0);
		int rc = get(c, "/big", NULL);
		if (one[k].ok) {
			if (rc)
				fail_msg("%zu-byte header: %s", one[k].value_len, baton_error_last()->message);
		} else {
			if (rc != BATON_EEXHAUSTED || !strstr(baton_error_last()->message, "response header too large") ||
			    !strstr(baton_error_last()->message, "102400 bytes"))
				fail_msg("%zu-byte header: rc %d, %s", one[k].value_len, rc, baton_error_last()->message);
		}
		baton_http_client_free(c);
		test_server_stop(s);
	}
	/* many lines: the client's limit on all of them is 256 KiB */
	const struct {
		size_t lines;
		bool ok;
	} many[] = {{28, true}, {31, true}, {33, false}, {64, false}};
	for (size_t k = 0; k < sizeof(many) / sizeof(many[0]); k++) {
		json_t *h = json_object();
		char *v = malloc(8001);
		memset(v, 'w', 8000);
		v[8000] = '\0';
		for (size_t i = 0; i < many[k].lines; i++) {
			char n[32];
			snprintf(n, sizeof(n), "X-Part-%zu", i);
			json_object_set_new(h, n, json_string(v));
		}
		free(v);
		test_server *s = serve(json_pack("{s:i, s:o}", "status", 200, "headers", h));
		baton_http_client_options o;
		test_client_options(&o, s, NULL);
		baton_http_client *c;
		assert_int_equal(baton_http_client_new(&o, &c), 0);
		int rc = get(c, "/many", NULL);
		if (many[k].ok) {
			if (rc)
				fail_msg("%zu lines of 8000: %s", many[k].lines, baton_error_last()->message);
		} else {
			if (rc != BATON_EEXHAUSTED || !strstr(baton_error_last()->message, "response headers too large") ||
			    !strstr(baton_error_last()->message, "262144 bytes"))
				fail_msg("%zu lines of 8000: rc %d, %s", many[k].lines, rc, baton_error_last()->message);
		}
		baton_http_client_free(c);
		test_server_stop(s);
	}
}

int main(int argc, char **argv)
{
	if (argc > 1)
		cmocka_set_test_filter(argv[1]); /* one family: test_http_hostile test_header_sizes */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unusable_reset_backs_off),
		cmocka_unit_test(test_far_reset_bounded),
		cmocka_unit_test(test_unexpected_shapes),
		cmocka_unit_test(test_totals_not_counts),
		cmocka_unit_test(test_echoed_credentials),
		cmocka_unit_test(test_token_server_echo),
		cmocka_unit_test(test_header_injection),
		cmocka_unit_test(test_injection_from_token_server),
		cmocka_unit_test(test_header_sizes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
