#include "testutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *test_data_dir(void)
{
	const char *d = getenv("BATON_TESTDATA_DIR");
	struct stat st;
	/* The data is part of the repository (tests/data): without it the test cannot prove anything,
	 * so it fails rather than skips (a skip would read as a pass in ctest's summary). */
	if (!d || !*d)
		fail_msg("BATON_TESTDATA_DIR is not set (the build sets it to tests/data)");
	if (stat(d, &st) != 0 || !S_ISDIR(st.st_mode))
		fail_msg("BATON_TESTDATA_DIR=%s is not a directory (the test data is in tests/data)", d);
	return d;
}

const char *test_data_path(const char *rel)
{
	static char buf[4096];
	struct stat st;
	snprintf(buf, sizeof buf, "%s/%s", test_data_dir(), rel);
	/* checked here, before the caller allocates anything a failure would leave behind */
	if (stat(buf, &st) != 0)
		fail_msg("test data %s: %s (the test data is in tests/data)", buf, strerror(errno));
	return buf;
}

const char *test_out_dir(void)
{
	const char *d = getenv("BATON_TEST_OUT_DIR");
	return d && *d ? d : "/tmp";
}

int test_time_scale(void)
{
	const char *s = getenv("BATON_TEST_TIME_SCALE");
	long v = s ? strtol(s, NULL, 10) : 1;
	return v < 1 ? 1 : v > 1000 ? 1000 : (int)v;
}

json_t *test_json_parse(const char *text)
{
	json_error_t err;
	json_t *j = json_loads(text, JSON_DECODE_ANY, &err);
	if (!j)
		fail_msg("invalid JSON (%s at line %d col %d): %s", err.text, err.line, err.column, text);
	return j;
}

json_t *test_json_get(json_t *root, const char *path)
{
	char buf[512];
	snprintf(buf, sizeof buf, "%s", path);
	json_t *cur = root;
	char *save = NULL;
	for (char *tok = strtok_r(buf, ".", &save); tok && cur; tok = strtok_r(NULL, ".", &save)) {
		if (json_is_array(cur)) {
			char *end;
			long i = strtol(tok, &end, 10);
			cur = (*end == '\0') ? json_array_get(cur, (size_t)i) : NULL;
		} else {
			cur = json_object_get(cur, tok);
		}
	}
	return cur;
}

void test_json_assert_str(json_t *root, const char *path, const char *want)
{
	json_t *v = test_json_get(root, path);
	if (!v || !json_is_string(v)) {
		char *dump = json_dumps(root, JSON_COMPACT);
		print_error("no string at %s in %s\n", path, dump ? dump : "?");
		free(dump);
		fail();
	}
	assert_string_equal(json_string_value(v), want);
}

void test_buf_put(test_buf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

void test_buf_puts(test_buf *b, const char *s)
{
	test_buf_put(b, s, strlen(s));
}

void test_buf_printf(test_buf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	test_buf_puts(b, tmp);
}
