/*
 * SIGTERM and SIGINT end every wait of the HTTP client within about a second (issue 16): a retry
 * wait (Retry-After, a rate-limit reset, the backoff), the client's own rate limiter, a request in
 * flight to a server that does not answer, and an OAuth2 token request in flight. Each case runs
 * in a child process (this program re-executed with --child) whose handler does what the CLI's
 * does (baton_sync_request_stop()); the parent sends the signal once the child is waiting and
 * measures how long the process takes to end. Bound: 3 s (times BATON_TEST_TIME_SCALE), for
 * sanitizer builds on a loaded machine; the figures are printed.
 */
#include "http_testutil.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *self;

enum stop_case {
	CASE_RETRY_AFTER,    /* 429, Retry-After: 50 */
	CASE_RESET_HEADER,   /* 503, X-RateLimit-Reset: 45, nothing remaining */
	CASE_BACKOFF,        /* 503, a 40 s backoff */
	CASE_LIMITER,        /* the client's token bucket: 1 request per 50 s */
	CASE_SILENT,         /* the server says nothing for 60 s (default timeout 300 s) */
	CASE_SILENT_TOKEN,   /* the OAuth2 token server says nothing */
	N_CASES
};

static const char *const case_names[N_CASES] = {"retry-after", "reset-header", "backoff", "limiter", "silent",
                                                "silent-token"};

static const char *const fixtures[N_CASES] = {
    "{\"mode\":\"routes\",\"exchanges\":[{\"respond\":{\"status\":429,\"headers\":{\"Retry-After\":\"50\"}},"
    "\"times\":0}]}",
    "{\"mode\":\"routes\",\"exchanges\":[{\"respond\":{\"status\":503,\"headers\":{\"X-RateLimit-Remaining\":\"0\","
    "\"X-RateLimit-Reset\":\"45\"}},\"times\":0}]}",
    "{\"mode\":\"routes\",\"exchanges\":[{\"respond\":{\"status\":503},\"times\":0}]}",
    "{\"mode\":\"routes\",\"exchanges\":[{\"respond\":{\"status\":200},\"times\":0}]}",
    "{\"mode\":\"routes\",\"exchanges\":[{\"respond\":{\"status\":200,\"delay_ms\":60000},\"times\":0}]}",
    "{\"mode\":\"routes\",\"exchanges\":[{\"expect\":{\"path\":\"/token\"},\"respond\":{\"status\":200,"
    "\"delay_ms\":60000},\"times\":0},{\"respond\":{\"status\":200},\"times\":0}]}",
};

static void on_signal(int sig)
{
	(void)sig;
	baton_sync_request_stop();
}

/* The child: one request that waits; exits 0 when it ended with Canceled for the stop. It
 * writes a byte to ready_fd once its handlers are in place. */
static int child(int which, const char *base, int ready_fd)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART | SA_RESETHAND; /* as the CLI's */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (write(ready_fd, "r", 1) != 1)
		return 2;
	close(ready_fd);

	baton_http_client_options o = BATON_HTTP_CLIENT_OPTIONS_INIT;
	o.base_url = base;
	o.cache.mode = BATON_HTTP_CACHE_DISABLED;
	char token_url[256];
	switch (which) {
	case CASE_BACKOFF:
		o.retry.initial_delay_ms = 40000;
		o.retry.disable_jitter = true;
		break;
	case CASE_LIMITER:
		o.rate_per_s = 0.02;
		o.burst = 1;
		break;
	case CASE_SILENT_TOKEN:
		snprintf(token_url, sizeof(token_url), "%s/token", base);
		o.auth.kind = BATON_HTTP_AUTH_OAUTH2_CLIENT_CREDENTIALS;
		o.auth.token_url = token_url;
		o.auth.client_id = "id";
		break;
	default:
		break;
	}
	baton_http_client *c;
	if (baton_http_client_new(&o, &c)) {
		fprintf(stderr, "child: %s\n", baton_error_last()->message);
		return 2;
	}
	int rc = 0;
	for (int i = 0; i < 3 && !rc; i++) { /* the limiter case waits before its second request */
		baton_http_request *r;
		if (baton_http_request_new(c, "GET", "/wait", &r))
			return 2;
		rc = baton_http_do(c, r, NULL, NULL);
		baton_http_request_free(r);
	}
	int ok = rc == BATON_ECANCELLED && strstr(baton_error_last()->message, "stop requested");
	if (!ok)
		fprintf(stderr, "child: rc %d: %s\n", rc, rc ? baton_error_last()->message : "(success)");
	baton_http_client_free(c);
	return ok ? 0 : 3;
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void run_case(int which, int sig)
{
	test_server *s = test_server_start_json(fixtures[which]);
	char num[16], fdnum[16];
	int ready[2];
	assert_int_equal(pipe(ready), 0);
	snprintf(num, sizeof(num), "%d", which);
	snprintf(fdnum, sizeof(fdnum), "%d", ready[1]);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(ready[0]);
		/* argv[0] as ctest gives it (a path), so that valgrind --trace-children follows */
		execl(strchr(self, '/') ? self : "/proc/self/exe", self, "--child", num, test_server_base(s), fdnum,
		      (char *)NULL);
		_exit(127);
	}
	close(ready[1]);
	/* the child's handlers are in place (a slow start, as under valgrind, must not make the
	 * signal kill it); then it has a second to reach its wait */
	char b;
	if (read(ready[0], &b, 1) != 1)
		fail_msg("%s: the child did not start", case_names[which]);
	close(ready[0]);
	struct timespec settle = {1, 0};
	nanosleep(&settle, NULL);
	int status = 0;
	if (waitpid(pid, &status, WNOHANG) == pid)
		fail_msg("%s: the child ended before the signal (status %d)", case_names[which], status);
	int64_t t0 = mono_ms();
	assert_int_equal(kill(pid, sig), 0);
	int64_t bound = 3000 * test_time_scale() * (getenv("BATON_TEST_UNDER_VALGRIND") ? 10 : 1), took = -1;
	for (;;) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			took = mono_ms() - t0;
			break;
		}
		if (mono_ms() - t0 > bound)
			break;
		struct timespec ts = {0, 10 * 1000000L};
		nanosleep(&ts, NULL);
	}
	if (took < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		fail_msg("%s: still running %lld ms after %s", case_names[which], (long long)bound,
		         sig == SIGTERM ? "SIGTERM" : "SIGINT");
	}
	printf("    %-13s %s -> exit in %lld ms\n", case_names[which], sig == SIGTERM ? "SIGTERM" : "SIGINT ",
	       (long long)took);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("%s: the child did not end with Canceled for the stop (status %d)", case_names[which], status);
	test_server_stop(s);
}

/* HTTP_STOP_CASE=<name> runs one case only (to check it against other code). */
static bool selected(int k)
{
	const char *only = getenv("HTTP_STOP_CASE");
	return !only || !*only || strcmp(only, case_names[k]) == 0;
}

static void test_sigterm_ends_every_wait(void **state)
{
	(void)state;
	for (int k = 0; k < N_CASES; k++)
		if (selected(k))
			run_case(k, SIGTERM);
}

static void test_sigint_ends_every_wait(void **state)
{
	(void)state;
	for (int k = 0; k < N_CASES; k++)
		if (selected(k))
			run_case(k, SIGINT);
}

int main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "--child") == 0)
		return child(atoi(argv[2]), argv[3], atoi(argv[4]));
	self = argv[0];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sigterm_ends_every_wait),
		cmocka_unit_test(test_sigint_ends_every_wait),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
