/*
 * The idle trim of service mode (src/service/idle.c): between tasks the daemon drops from its
 * page tables the unmodified pages of the shared libraries it maps, and nothing else.
 *   - a clean read-only mapping of a "library" (a file named libtrimtest.so.1), touched: its RSS
 *     goes to 0, and reading it again gives the file's bytes;
 *   - a private mapping of a library that was written (then made read-only, as RELRO data is):
 *     kept, its written bytes intact;
 *   - a read-only mapping of a file that is not a library: kept;
 *   - the program still runs (its own code and libc's were dropped too);
 *   - BATON_SERVICE_IDLE_TRIM=0 turns it off.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "service/service.h"

#define SIZE (256 * 1024)

static char dir[256];

/* This process's RSS of the mapping starting at p, in kB (-1: not found). */
static long rss_of(const void *p)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	assert_non_null(f);
	char line[1024];
	bool in = false;
	long rss = -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long a, b;
		if (sscanf(line, "%lx-%lx ", &a, &b) == 2 && strchr(line, '-') < strchr(line, ' ')) {
			in = a == (unsigned long)p;
			continue;
		}
		long kb;
		if (in && sscanf(line, "Rss: %ld kB", &kb) == 1) {
			rss = kb;
			break;
		}
	}
	fclose(f);
	return rss;
}

static unsigned sum(const unsigned char *m)
{
	unsigned s = 0;
	for (size_t i = 0; i < SIZE; i += 512)
		s += m[i];
	return s;
}

static void test_trim(void **state)
{
	(void)state;
	/* unlinked files would be " (deleted)" mappings, which the trim leaves alone: keep them */
	unsigned char *lib = NULL, *dirty = NULL, *data = NULL;
	{
		char path[512];
		snprintf(path, sizeof(path), "%s/libtrimtest.so.1", dir);
		int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		assert_true(fd >= 0);
		unsigned char *buf = malloc(SIZE);
		assert_non_null(buf);
		memset(buf, 'L', SIZE);
		assert_int_equal(write(fd, buf, SIZE), SIZE);
		free(buf);
		/* written back, its cached pages are clean, as an installed library's are */
		assert_int_equal(fsync(fd), 0);
		lib = mmap(NULL, SIZE, PROT_READ, MAP_PRIVATE, fd, 0);
		assert_true(lib != MAP_FAILED);
		close(fd);
		snprintf(path, sizeof(path), "%s/libdirty.so", dir);
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		assert_true(fd >= 0);
		buf = calloc(1, SIZE);
		assert_non_null(buf);
		assert_int_equal(write(fd, buf, SIZE), SIZE);
		free(buf);
		dirty = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
		assert_true(dirty != MAP_FAILED);
		close(fd);
		snprintf(path, sizeof(path), "%s/data.bin", dir);
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		assert_true(fd >= 0);
		buf = malloc(SIZE);
		assert_non_null(buf);
		memset(buf, 'D', SIZE);
		assert_int_equal(write(fd, buf, SIZE), SIZE);
		free(buf);
		assert_int_equal(fsync(fd), 0);
		data = mmap(NULL, SIZE, PROT_READ, MAP_PRIVATE, fd, 0);
		assert_true(data != MAP_FAILED);
		close(fd);
	}
	memset(dirty, 'X', SIZE);
	assert_int_equal(mprotect(dirty, SIZE, PROT_READ), 0);
	assert_int_equal(sum(lib), (unsigned)'L' * (SIZE / 512));
	assert_int_equal(sum(data), (unsigned)'D' * (SIZE / 512));
	assert_true(rss_of(lib) >= SIZE / 1024 / 2);
	assert_true(rss_of(data) >= SIZE / 1024 / 2);
	long dirty_before = rss_of(dirty);
	assert_true(dirty_before >= SIZE / 1024);

	size_t dropped = baton__svc_idle_trim();
	assert_true(dropped >= (size_t)SIZE / 1024 / 2);
	assert_int_equal(rss_of(lib), 0);
	assert_int_equal(rss_of(dirty), dirty_before);
	assert_true(rss_of(data) >= SIZE / 1024 / 2);
	/* the pages come back from the file; the written copy kept its bytes */
	assert_int_equal(sum(lib), (unsigned)'L' * (SIZE / 512));
	assert_int_equal(sum(dirty), (unsigned)'X' * (SIZE / 512));
	assert_true(rss_of(lib) > 0);
	/* this program's own code and libc's were dropped too: it still runs */
	char s[32];
	snprintf(s, sizeof(s), "%d", 42);
	assert_string_equal(s, "42");
	munmap(lib, SIZE);
	munmap(dirty, SIZE);
	munmap(data, SIZE);
}

static void test_enabled(void **state)
{
	(void)state;
	unsetenv("BATON_SERVICE_IDLE_TRIM");
	assert_true(baton__svc_idle_trim_enabled());
	setenv("BATON_SERVICE_IDLE_TRIM", "0", 1);
	assert_false(baton__svc_idle_trim_enabled());
	setenv("BATON_SERVICE_IDLE_TRIM", "1", 1);
	assert_true(baton__svc_idle_trim_enabled());
	unsetenv("BATON_SERVICE_IDLE_TRIM");
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/idletrim-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trim),
		cmocka_unit_test(test_enabled),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	char path[512];
	const char *names[] = {"libtrimtest.so.1", "libdirty.so", "data.bin"};
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
	return rc;
}
