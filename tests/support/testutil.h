/* Small helpers for cmocka tests. */
#ifndef BATON_TESTUTIL_H
#define BATON_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <jansson.h>

/* Fails the test naming the call, its code and baton_error_last()'s message unless expr is 0. */
#define CHECK(expr)                                                                             \
	do {                                                                                    \
		int check_rc_ = (expr);                                                         \
		if (check_rc_ != 0)                                                             \
			fail_msg("%s failed: %d %s", #expr, check_rc_, baton_error_last()->message); \
	} while (0)

/* Directory of the test data (BATON_TESTDATA_DIR, tests/data/ by default), or fails the test when
 * unset or missing: the data is committed, so its absence is an error, never a skip. */
const char *test_data_dir(void);
/* Path under test_data_dir(), in a static buffer overwritten by the next call; fails the test
 * when nothing is there. */
const char *test_data_path(const char *rel);
/* Directory where tests may write (BATON_TEST_OUT_DIR, else /tmp). */
const char *test_out_dir(void);

/* The factor by which a test stretches its own waits for child programs (BATON_TEST_TIME_SCALE,
 * set by the build's BATON_TEST_TIMEOUT_SCALE for slow runs such as valgrind; 1 when unset). */
int test_time_scale(void);

/* Parses JSON or fails the test with the parse error and the text. Caller decrefs. */
json_t *test_json_parse(const char *text);

/* Asserts that a string member of a JSON object equals `want` ("path" is a dotted member path,
 * array elements as numbers: "emails.0.address"). */
void test_json_assert_str(json_t *root, const char *path, const char *want);
/* Returns the member at a dotted path, or NULL. Borrowed. */
json_t *test_json_get(json_t *root, const char *path);

/* A growable text buffer for building test input (start from {0}; free p). Running out of
 * memory fails the test. */
typedef struct test_buf {
	char *p;
	size_t n, cap;
} test_buf;
void test_buf_put(test_buf *b, const char *s, size_t n);
void test_buf_puts(test_buf *b, const char *s);
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void test_buf_printf(test_buf *b, const char *fmt, ...);

#endif
