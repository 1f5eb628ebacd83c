/*
 * How a failed service task is worded (src/service/tasks.c), the forms Go's task manager sends
 * for what its handlers return (pkg/tasks/c1api/manager.go finishTask): a connector status joined
 * with ErrTaskNonRetryable, a handler's own error joined with it, and a retryable error (the
 * status's own message); and the builder's "outer: %w" of a status error. The Go SDK's run in
 * tests/interop (TestServiceC) compares the whole daemon's texts with Go's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "service/tasks.h"

static void check(int rc, const char *msg, unsigned how, const char *want)
{
	char *m = baton__svc_fail_message(rc, msg, how);
	assert_non_null(m);
	assert_string_equal(m, want);
	free(m);
}

static void test_fail_message(void **state)
{
	(void)state;
	check(BATON_EUNIMPLEMENTED, "resource type workspace does not have provisioner configured",
	      BATON__SVC_FAIL_STATUS | BATON__SVC_FAIL_NON_RETRYABLE,
	      "rpc error: code = Unimplemented desc = resource type workspace does not have provisioner configured\n"
	      "task failed and is non-retryable");
	check(BATON_EPRECONDITION, "provisioning is not enabled", BATON__SVC_FAIL_STATUS | BATON__SVC_FAIL_NON_RETRYABLE,
	      "rpc error: code = FailedPrecondition desc = provisioning is not enabled\ntask failed and is non-retryable");
	/* a connector's Unknown status is still a status */
	check(BATON_EUNKNOWN, "boom", BATON__SVC_FAIL_STATUS | BATON__SVC_FAIL_NON_RETRYABLE,
	      "rpc error: code = Unknown desc = boom\ntask failed and is non-retryable");
	check(BATON_EUNKNOWN, "malformed grant task", BATON__SVC_FAIL_NON_RETRYABLE,
	      "malformed grant task\ntask failed and is non-retryable");
	/* retryable: the status's own message, status or not */
	check(BATON_ENOTFOUND, "action id x not found", BATON__SVC_FAIL_STATUS, "action id x not found");
	check(BATON_EUNKNOWN, "ticketing is not enabled", 0, "ticketing is not enabled");
	/* an empty message stays empty */
	check(BATON_EUNKNOWN, "", BATON__SVC_FAIL_NON_RETRYABLE, "\ntask failed and is non-retryable");
}

static void test_wrap_status(void **state)
{
	(void)state;
	baton_error_set(BATON_ENOTFOUND, "no such group g9");
	assert_int_equal(baton__svc_wrap_status(BATON_ENOTFOUND, "grant failed"), BATON_ENOTFOUND);
	assert_string_equal(baton_error_last()->message, "grant failed: rpc error: code = NotFound desc = no such group g9");
	/* a plain error (Unknown) is kept as it is inside the outer text */
	baton_error_set(BATON_EUNKNOWN, "api down");
	assert_int_equal(baton__svc_wrap_status(BATON_EUNKNOWN, "error: create resource failed"), BATON_EUNKNOWN);
	assert_string_equal(baton_error_last()->message, "error: create resource failed: api down");
	/* a positive rc (a callback's bad return) counts as Unknown */
	baton_error_set(BATON_EUNKNOWN, "x");
	assert_int_equal(baton__svc_wrap_status(3, "revoke failed"), BATON_EUNKNOWN);
	assert_string_equal(baton_error_last()->message, "revoke failed: x");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fail_message),
	    cmocka_unit_test(test_wrap_status),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
