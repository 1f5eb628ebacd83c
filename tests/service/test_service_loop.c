/*
 * Service mode's task loop timing, as the Go SDK's c1api manager computes it: the heartbeat
 * interval (unset or zero: 30 s; else clamped to 1 s..5 min, so any positive value under a second,
 * even 1 ns, is 1 s) and the poll interval (clamped to 0..5 min).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "service/tasks.h"

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
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_heartbeat_interval),
		cmocka_unit_test(test_next_poll),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
