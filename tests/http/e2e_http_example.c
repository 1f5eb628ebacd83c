/*
 * baton-http-example end to end: the SCIM fixture (fixtures/scim.json: 5 users over 3 pages,
 * 2 groups with members, one 429 with Retry-After on the way) served on loopback, the connector
 * binary run with -f to a temporary c1z, and the rows checked with the store API. The bearer
 * token must not appear in the connector's debug log.
 */
#include "http_testutil.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

static const char *binary;

static size_t count_rows(baton_store *st, int kind, const char *type)
{
	baton_store_query q = BATON_STORE_QUERY_INIT;
	q.resource_type_id = type;
	baton_store_iter *it;
	int rc = kind == 0 ? baton_store_list_resources(st, &q, &it)
	         : kind == 1 ? baton_store_list_entitlements(st, &q, &it)
	                     : baton_store_list_grants(st, &q, &it);
	assert_int_equal(rc, 0);
	size_t n = 0;
	for (;;) {
		if (kind == 0) {
			baton_resource *r;
			rc = baton_store_iter_next_resource(it, &r);
		} else if (kind == 1) {
			baton_entitlement *e;
			rc = baton_store_iter_next_entitlement(it, &e);
		} else {
			baton_grant *g;
			rc = baton_store_iter_next_grant(it, &g);
		}
		if (rc == BATON_ITEROVER)
			break;
		assert_int_equal(rc, 0);
		n++;
	}
	baton_store_iter_free(it);
	return n;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	rewind(f);
	char *s = calloc(1, (size_t)n + 1);
	size_t r = fread(s, 1, (size_t)n, f);
	s[r] = '\0';
	fclose(f);
	return s;
}

static void test_sync(void **state)
{
	(void)state;
	test_server *s = test_server_start("scim.json");
	char c1z[1024], log[1024];
	snprintf(c1z, sizeof(c1z), "%s/http-example-%d.c1z", test_out_dir(), (int)getpid());
	snprintf(log, sizeof(log), "%s/http-example-%d.log", test_out_dir(), (int)getpid());
	unlink(c1z);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 2);
		dup2(fd, 1);
		execl(binary, binary, "--base-url", test_server_base(s), "--api-token", "scim-SECRET-token",
		      "--page-size", "2", "-f", c1z, "--log-level", "debug", (char *)NULL);
		_exit(127);
	}
	int status = 0;
	struct timespec ts = {0, 50 * 1000000L};
	int i, limit = 1200 * test_time_scale();
	for (i = 0; i < limit; i++) { /* at most 60 s (times the time scale) */
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		nanosleep(&ts, NULL);
	}
	if (i == limit) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		fail_msg("baton-http-example did not finish within 60 s");
	}
	char *out = slurp(log);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("baton-http-example failed (status %d):\n%s", status, out);
	assert_no_substring(out, "scim-SECRET-token");
	assert_non_null(strstr(out, "X-RateLimit-Remaining: 49")); /* rate-limit headers logged */
	free(out);
	test_server_check(s, false);
	/* the 429 was retried */
	size_t n = test_server_request_count(s), third = 0;
	for (size_t k = 0; k < n; k++)
		if (strstr(test_server_request(s, k)->target, "startIndex=3"))
			third++;
	assert_true(third >= 2);

	baton_store *st;
	baton_store_options so = BATON_STORE_OPTIONS_INIT;
	so.read_only = true;
	assert_int_equal(baton_store_open(c1z, &so, &st), 0);
	assert_int_equal(count_rows(st, 0, "user"), 5);
	assert_int_equal(count_rows(st, 0, "group"), 2);
	assert_int_equal(count_rows(st, 1, NULL), 2);
	assert_int_equal(count_rows(st, 2, NULL), 4);
	baton_ctx *ctx;
	assert_int_equal(baton_ctx_new(&ctx), 0);
	baton_resource *r;
	assert_int_equal(baton_store_get_resource(st, NULL, &(baton_resource_id){"user", "u1"}, ctx, &r), 0);
	assert_string_equal(baton_resource_display_name(r), "Alice Liddell");
	baton_ctx_free(ctx);
	baton_store_discard(st);
	test_server_stop(s);
	unlink(c1z);
	unlink(log);
}

/* Runs the example against a routes fixture; with sig, sends it after settle_ms and returns how
 * long the process took to end then (ms) in *took. Returns the wait status; *out gets the log. */
static int run_example(const char *fixture, const char *token, int sig, int settle_ms, int64_t *took,
                       char **out, test_server **server)
{
	test_server *s = test_server_start_json(fixture);
	char c1z[1024], log[1024];
	snprintf(c1z, sizeof(c1z), "%s/http-example-h-%d.c1z", test_out_dir(), (int)getpid());
	snprintf(log, sizeof(log), "%s/http-example-h-%d.log", test_out_dir(), (int)getpid());
	unlink(c1z);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 2);
		dup2(fd, 1);
		execl(binary, binary, "--base-url", test_server_base(s), "--api-token", token, "-f", c1z,
		      (char *)NULL);
		_exit(127);
	}
	int status = 0;
	struct timespec ts = {0, 10 * 1000000L};
	if (sig) {
		/* the first request shows the sync (and its signal handlers) started, however slowly
		 * (valgrind); then settle_ms for it to reach the wait */
		for (int i = 0; i < 6000 && !test_server_request_count(s); i++)
			nanosleep(&ts, NULL);
		struct timespec settle = {settle_ms / 1000, (long)(settle_ms % 1000) * 1000000L};
		nanosleep(&settle, NULL);
		if (waitpid(pid, &status, WNOHANG) == pid)
			fail_msg("baton-http-example ended before the signal (status %d)", status);
		kill(pid, sig);
	}
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int64_t limit = (sig ? 3000 : 60000) * (int64_t)test_time_scale() * (getenv("BATON_TEST_UNDER_VALGRIND") ? 10 : 1),
	        el = 0;
	for (;;) {
		bool done = waitpid(pid, &status, WNOHANG) == pid;
		struct timespec t1;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		el = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
		if (done)
			break;
		if (el > limit) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			fail_msg("baton-http-example still running %lld ms after %s", (long long)limit,
			         sig ? "the signal" : "its start");
		}
		nanosleep(&ts, NULL);
	}
	if (took)
		*took = el;
	*out = slurp(log);
	*server = s;
	unlink(c1z);
	unlink(log);
	return status;
}

/* SIGTERM while the connector waits out a 429's Retry-After and while a request is in flight:
 * the sync stops (status 1, "terminated (SIGTERM)") within the bound, not after the wait. */
static void test_sigterm_while_waiting(void **state)
{
	(void)state;
	const char *fixtures[] = {
	    "{\"mode\":\"routes\",\"exchanges\":[{\"respond\":{\"status\":429,\"headers\":{\"Retry-After\":\"50\"}},"
	    "\"times\":0}]}",
	    "{\"mode\":\"routes\",\"exchanges\":[{\"respond\":{\"status\":200,\"delay_ms\":60000},\"times\":0}]}",
	};
	for (size_t k = 0; k < 2; k++) {
		int64_t took;
		char *out;
		test_server *s;
		int status = run_example(fixtures[k], "scim-SECRET-token", SIGTERM, 1500, &took, &out, &s);
		printf("    fixture %zu: exit %lld ms after SIGTERM\n", k, (long long)took);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 1 || !strstr(out, "terminated (SIGTERM)"))
			fail_msg("fixture %zu: status %d, expected 1 and \"terminated (SIGTERM)\":\n%s", k, status, out);
		assert_no_substring(out, "scim-SECRET-token");
		free(out);
		test_server_stop(s);
	}
}

/* A body of the wrong shape fails the sync with a message; a token with a line break is refused
 * before any request. */
static void test_hostile_answers(void **state)
{
	(void)state;
	const char *bodies[] = {"[]", "\"Users\"", "{}", "null", "{\"totalResults\":1e300,\"Resources\":[]}"};
	for (size_t k = 0; k < sizeof(bodies) / sizeof(bodies[0]); k++) {
		json_t *fx = json_pack("{s:s, s:[{s:{s:i, s:s}, s:i}]}", "mode", "routes", "exchanges", "respond",
		                       "status", 200, "body", bodies[k], "times", 0);
		char *text = json_dumps(fx, JSON_COMPACT);
		json_decref(fx);
		char *out;
		test_server *s;
		int status = run_example(text, "scim-SECRET-token", 0, 0, NULL, &out, &s);
		free(text);
		if (!WIFEXITED(status) || WEXITSTATUS(status) == 0 || !strstr(out, "pagination: "))
			fail_msg("body %s: status %d, expected a failed sync with a pagination error:\n%s", bodies[k], status,
			         out);
		free(out);
		test_server_stop(s);
	}
	const char *tokens[] = {"abc\r\nX-Injected: yes", "abc\nX-Injected: yes", "abc\rX-Injected: yes"};
	for (size_t k = 0; k < 3; k++) {
		char *out;
		test_server *s;
		int status = run_example("{\"mode\":\"routes\",\"exchanges\":[{\"respond\":{\"status\":200},\"times\":0}]}",
		                         tokens[k], 0, 0, NULL, &out, &s);
		if (!WIFEXITED(status) || WEXITSTATUS(status) == 0 || !strstr(out, "bearer token contains"))
			fail_msg("token %zu: status %d, expected a refusal:\n%s", k, status, out);
		assert_int_equal(test_server_request_count(s), 0);
		free(out);
		test_server_stop(s);
	}
}

/* A group id goes into the URL path percent-escaped: an id with "/", "?", "#" or a space must
 * fetch that group, not another path (or the first group's members under a query string). */
static void test_group_id_escaped(void **state)
{
	(void)state;
	const char *fixture =
	    "{\"mode\":\"routes\",\"exchanges\":["
	    "{\"expect\":{\"path\":\"/scim/v2/Users\"},\"respond\":{\"status\":200,"
	    "\"body_json\":{\"totalResults\":1,\"Resources\":[{\"id\":\"u1\",\"userName\":\"alice\"}]}},\"times\":0},"
	    "{\"expect\":{\"path\":\"/scim/v2/Groups\"},\"respond\":{\"status\":200,"
	    "\"body_json\":{\"totalResults\":1,\"Resources\":[{\"id\":\"eng/ops?x=1 #1\",\"displayName\":\"E\"}]}},"
	    "\"times\":0},"
	    "{\"expect\":{\"path\":\"/scim/v2/Groups/eng%2Fops%3Fx%3D1%20%231\"},\"respond\":{\"status\":200,"
	    "\"body_json\":{\"id\":\"eng/ops?x=1 #1\",\"members\":[{\"value\":\"u1\"}]}},\"times\":0}]}";
	char *out;
	test_server *s;
	int status = run_example(fixture, "scim-SECRET-token", 0, 0, NULL, &out, &s);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("status %d, expected a sync that fetched the escaped group path:\n%s", status, out);
	free(out);
	test_server_check(s, true);
	test_server_stop(s);
}

/* Rows the connector cannot sync (a user or group without an id, a member without a value) are
 * skipped with a warning naming them, never silently; the rest of the page is synced. */
static void test_rows_without_id(void **state)
{
	(void)state;
	const char *fixture =
	    "{\"mode\":\"routes\",\"exchanges\":["
	    "{\"expect\":{\"path\":\"/scim/v2/Users\"},\"respond\":{\"status\":200,"
	    "\"body_json\":{\"totalResults\":2,\"Resources\":[{\"userName\":\"ghost\"},{\"id\":\"u1\"}]}},\"times\":0},"
	    "{\"expect\":{\"path\":\"/scim/v2/Groups\"},\"respond\":{\"status\":200,"
	    "\"body_json\":{\"totalResults\":2,\"Resources\":[{\"displayName\":\"Nameless\"},{\"id\":\"g1\"}]}},"
	    "\"times\":0},"
	    "{\"expect\":{\"path\":\"/scim/v2/Groups/g1\"},\"respond\":{\"status\":200,"
	    "\"body_json\":{\"id\":\"g1\",\"members\":[{\"value\":5},{\"value\":\"u1\"}]}},\"times\":0}]}";
	char *out;
	test_server *s;
	int status = run_example(fixture, "scim-SECRET-token", 0, 0, NULL, &out, &s);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    !strstr(out, "skipping a user without an \\\"id\\\" (userName ghost)") ||
	    !strstr(out, "skipping a group without an \\\"id\\\" (displayName Nameless)") ||
	    !strstr(out, "group g1: skipping member 0"))
		fail_msg("status %d, expected a sync with three warnings:\n%s", status, out);
	free(out);
	test_server_check(s, true);
	test_server_stop(s);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s <baton-http-example>\n", argv[0]);
		return 2;
	}
	binary = argv[1];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sync),
		cmocka_unit_test(test_sigterm_while_waiting),
		cmocka_unit_test(test_hostile_answers),
		cmocka_unit_test(test_group_id_escaped),
		cmocka_unit_test(test_rows_without_id),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
