/*
 * Service mode's task loop timing, as the Go SDK's c1api manager computes it: the heartbeat
 * interval (unset or zero: 30 s; else clamped to 1 s..5 min, so any positive value under a second,
 * even 1 ns, is 1 s) and the poll interval (clamped to 0..5 min), out-of-range durations saturating as Go's
 * AsDuration does; and the heartbeat thread with a
 * scripted heartbeat: a failing or cancelled first heartbeat, a server cancel later, and giving up
 * when the failure counter reaches 10 (Go's counting: the first heartbeat, then nine failures).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "baton/common.h"
#include "service/tasks.h"

/* A scripted heartbeat: answers[i] for the i-th call ('o' ok, 'f' fail, 'c' cancelled), the
 * last one repeated. */
static const char *answers;
static atomic_int sends, cancels;

static int fake_send(baton__svc_heartbeat *h, bool *cancelled, int64_t *interval_ms)
{
	(void)h;
	int i = atomic_fetch_add(&sends, 1);
	size_t n = strlen(answers);
	char a = answers[(size_t)i < n ? (size_t)i : n - 1];
	*interval_ms = 1000;
	*cancelled = a == 'c';
	return a == 'f' ? baton_error_set(BATON_EUNAVAILABLE, "Heartbeat: unavailable") : 0;
}

static void on_cancel(void *arg)
{
	(void)arg;
	atomic_fetch_add(&cancels, 1);
}

static void prepare(baton__svc_heartbeat *h, const char *script)
{
	memset(h, 0, sizeof(*h));
	answers = script;
	atomic_store(&sends, 0);
	atomic_store(&cancels, 0);
	h->task_id = "task";
	h->send = fake_send;
	h->on_cancel = on_cancel;
	h->max_failures = 10;
}

/* Waits up to `s` seconds for on_cancel. */
static bool wait_cancel(int s)
{
	for (int i = 0; i < s * 20; i++) {
		if (atomic_load(&cancels))
			return true;
		struct timespec t = {0, 50000000};
		nanosleep(&t, NULL);
	}
	return false;
}

static void test_heartbeat_first(void **state)
{
	(void)state;
	baton__svc_heartbeat h;
	prepare(&h, "f");
	assert_int_equal(baton__svc_heartbeat_begin(&h), BATON_EUNAVAILABLE);
	assert_false(h.started);
	prepare(&h, "c");
	assert_int_equal(baton__svc_heartbeat_begin(&h), BATON_ECANCELLED);
	assert_false(h.started);
	baton__svc_heartbeat_stop(&h); /* nothing started: a no-op */
}

static void test_heartbeat_server_cancel(void **state)
{
	(void)state;
	baton__svc_heartbeat h;
	prepare(&h, "oofc");
	assert_int_equal(baton__svc_heartbeat_begin(&h), 0);
	assert_true(wait_cancel(10));
	baton__svc_heartbeat_stop(&h);
	assert_int_equal(atomic_load(&sends), 4);
	assert_int_equal(atomic_load(&cancels), 1);
	assert_true(atomic_load(&h.cancelled));
	assert_false(atomic_load(&h.failed));
}

static void test_heartbeat_gives_up(void **state)
{
	(void)state;
	baton__svc_heartbeat h;
	prepare(&h, "of");
	assert_int_equal(baton__svc_heartbeat_begin(&h), 0);
	assert_true(wait_cancel(20));
	baton__svc_heartbeat_stop(&h);
	/* the first heartbeat, then nine failures: the counter reaches 10 before a tenth */
	assert_int_equal(atomic_load(&sends), 10);
	assert_int_equal(atomic_load(&cancels), 1);
	assert_true(atomic_load(&h.failed));
	assert_false(atomic_load(&h.cancelled));
}

static void test_heartbeat_stop(void **state)
{
	(void)state;
	/* stopping while it waits ends the thread at once, without a cancel */
	baton__svc_heartbeat h;
	prepare(&h, "o");
	assert_int_equal(baton__svc_heartbeat_begin(&h), 0);
	baton__svc_heartbeat_stop(&h);
	assert_int_equal(atomic_load(&sends), 1);
	assert_int_equal(atomic_load(&cancels), 0);
}

static Google__Protobuf__Duration dur(int64_t s, int32_t ns)
{
	Google__Protobuf__Duration d = GOOGLE__PROTOBUF__DURATION__INIT;
	d.seconds = s;
	d.nanos = ns;
	return d;
}

static void test_heartbeat_interval(void **state)
{
	(void)state;
	assert_int_equal(baton__svc_heartbeat_interval_ms(NULL), 30000);
	Google__Protobuf__Duration d = dur(0, 0);
	assert_int_equal(baton__svc_heartbeat_interval_ms(&d), 30000);
	d = dur(0, 1);
	assert_int_equal(baton__svc_heartbeat_interval_ms(&d), 1000);
	d = dur(0, 500000000);
	assert_int_equal(baton__svc_heartbeat_interval_ms(&d), 1000);
	d = dur(-5, 0);
	assert_int_equal(baton__svc_heartbeat_interval_ms(&d), 1000);
	d = dur(2, 250000000);
	assert_int_equal(baton__svc_heartbeat_interval_ms(&d), 2250);
	d = dur(300, 0);
	assert_int_equal(baton__svc_heartbeat_interval_ms(&d), 300000);
	d = dur(301, 0);
	assert_int_equal(baton__svc_heartbeat_interval_ms(&d), 300000);
	d = dur(86400, 0);
	assert_int_equal(baton__svc_heartbeat_interval_ms(&d), 300000);
	/* a server's out-of-range durations saturate as Go's AsDuration does, then clamp: no overflow */
	d = dur(INT64_MAX, 999999999);
	assert_int_equal(baton__svc_heartbeat_interval_ms(&d), 300000);
	d = dur(INT64_MAX / 1000 + 1, 0);
	assert_int_equal(baton__svc_heartbeat_interval_ms(&d), 300000);
	d = dur(INT64_MIN, -999999999);
	assert_int_equal(baton__svc_heartbeat_interval_ms(&d), 1000);
	d = dur(INT64_MIN / 1000 - 1, 0);
	assert_int_equal(baton__svc_heartbeat_interval_ms(&d), 1000);
	/* zero however it is spelled is unset: the default */
	d = dur(1, -1000000000);
	assert_int_equal(baton__svc_heartbeat_interval_ms(&d), 30000);
	d = dur(-2, 2000000000);
	assert_int_equal(baton__svc_heartbeat_interval_ms(&d), 30000);
}

static void test_next_poll(void **state)
{
	(void)state;
	assert_int_equal(baton__svc_next_poll_ms(NULL), 0);
	Google__Protobuf__Duration d = dur(0, 0);
	assert_int_equal(baton__svc_next_poll_ms(&d), 0);
	d = dur(0, 200000000);
	assert_int_equal(baton__svc_next_poll_ms(&d), 200);
	d = dur(-1, 0);
	assert_int_equal(baton__svc_next_poll_ms(&d), 0);
	d = dur(299, 999000000);
	assert_int_equal(baton__svc_next_poll_ms(&d), 299999);
	d = dur(600, 0);
	assert_int_equal(baton__svc_next_poll_ms(&d), 300000);
	d = dur(INT64_MAX, 999999999);
	assert_int_equal(baton__svc_next_poll_ms(&d), 300000);
	d = dur(INT64_MAX / 1000 + 1, 0);
	assert_int_equal(baton__svc_next_poll_ms(&d), 300000);
	d = dur(INT64_MIN, -999999999);
	assert_int_equal(baton__svc_next_poll_ms(&d), 0);
	d = dur(INT64_MIN / 1000 - 1, 0);
	assert_int_equal(baton__svc_next_poll_ms(&d), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_heartbeat_interval),
		cmocka_unit_test(test_next_poll),
		cmocka_unit_test(test_heartbeat_first),
		cmocka_unit_test(test_heartbeat_server_cancel),
		cmocka_unit_test(test_heartbeat_stop),
		cmocka_unit_test(test_heartbeat_gives_up),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
