/*
 * The thread-local last error (include/baton/common.h, src/core/error.c): messages that quote the
 * current message, the internal prefixing, truncation, clearing, and one message per thread.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "baton.h"
#include "core/error.h"

static void test_set_quotes_current_message(void **state)
{
	(void)state;
	assert_int_equal(baton_error_set(BATON_ENOTFOUND, "user %s is gone", "alice"), BATON_ENOTFOUND);
	/* the argument points into the current message: the new one must still read right */
	baton_error_set(BATON_EUNAVAILABLE, "loading users: %s", baton_error_last()->message);
	assert_string_equal(baton_error_last()->message, "loading users: user alice is gone");
	assert_int_equal(baton_error_last()->code, BATON_EUNAVAILABLE);
	for (int i = 0; i < 3; i++)
		baton_error_set(BATON_EUNAVAILABLE, "[%d] %s", i, baton_error_last()->message);
	assert_string_equal(baton_error_last()->message, "[2] [1] [0] loading users: user alice is gone");
	/* the message alone, as format argument */
	baton_error_set(BATON_EINTERNAL, "%s", baton_error_last()->message);
	assert_string_equal(baton_error_last()->message, "[2] [1] [0] loading users: user alice is gone");
	assert_int_equal(baton_error_last()->code, BATON_EINTERNAL);
}

static void test_prefix(void **state)
{
	(void)state;
	baton_error_clear();
	/* no message yet: the prefix alone, and an unknown error */
	assert_int_equal(baton__error_prefix("step %d", 1), BATON_EUNKNOWN);
	assert_string_equal(baton_error_last()->message, "step 1");
	baton_error_set(BATON_EPERM, "denied");
	assert_int_equal(baton__error_prefix("grant %s", "g1"), BATON_EPERM);
	assert_string_equal(baton_error_last()->message, "grant g1: denied");
	assert_int_equal(baton__error_prefix("sync"), BATON_EPERM);
	assert_string_equal(baton_error_last()->message, "sync: grant g1: denied");
	/* the prefix may quote the message too */
	baton__error_prefix("again (%s)", baton_error_last()->message);
	assert_string_equal(baton_error_last()->message, "again (sync: grant g1: denied): sync: grant g1: denied");
}

static void test_truncation_and_clear(void **state)
{
	(void)state;
	char *big = malloc(6000);
	assert_non_null(big);
	memset(big, 'x', 5999);
	big[5999] = '\0';
	baton_error_set(BATON_EINVALID, "%s", big);
	assert_int_equal(strlen(baton_error_last()->message), 4095);
	baton_error_set(BATON_EINVALID, "head %s", baton_error_last()->message);
	assert_int_equal(strlen(baton_error_last()->message), 4095);
	assert_int_equal(strncmp(baton_error_last()->message, "head xxx", 8), 0);
	baton__error_prefix("p");
	assert_int_equal(strlen(baton_error_last()->message), 1 + 2 + 3000);
	free(big);

	baton_error_set(BATON_ENOTFOUND, NULL);
	assert_string_equal(baton_error_last()->message, "");
	assert_int_equal(baton_error_last()->code, BATON_ENOTFOUND);
	baton_error_clear();
	assert_int_equal(baton_error_last()->code, BATON_OK);
	assert_string_equal(baton_error_last()->message, "");
}

static void *other_thread(void *arg)
{
	(void)arg;
	baton_error_set(BATON_EPERM, "from the other thread");
	baton_error_set(BATON_EPERM, "still %s", baton_error_last()->message);
	return strdup(baton_error_last()->message);
}

static void test_per_thread(void **state)
{
	(void)state;
	pthread_t th;
	void *got;
	baton_error_set(BATON_EINVALID, "main thread");
	assert_int_equal(pthread_create(&th, NULL, other_thread, NULL), 0);
	assert_int_equal(pthread_join(th, &got), 0);
	assert_string_equal(got, "still from the other thread");
	free(got);
	assert_string_equal(baton_error_last()->message, "main thread");
	assert_int_equal(baton_error_last()->code, BATON_EINVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_quotes_current_message),
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_truncation_and_clear),
		cmocka_unit_test(test_per_thread),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
