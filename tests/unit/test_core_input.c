/*
 * Input files (src/core/input.c) and the sites that read them: a path naming a FIFO (with no
 * writer: an open() that would block forever), a directory, a character device (/dev/null,
 * /dev/zero, reached directly or through a symlink) or a socket is refused at once with a clear
 * error, by baton__input_open itself and by every reader built on it: the c1z a store opens,
 * read-only and writable (sync target), and the whole-file reader with its size bound.
 * The process arms alarm(): a regression that blocks in open() dies of SIGALRM instead of
 * hanging until ctest's TIMEOUT.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "baton.h"
#include "core/input.h"

static char dir[512];

static const char *path_of(const char *name)
{
	static char buf[8][700];
	static unsigned n;
	char *p = buf[n++ % 8];
	snprintf(p, sizeof(buf[0]), "%s/%s", dir, name);
	return p;
}

/* The hostile paths, made once: name -> what the error must say. */
typedef struct hostile {
	const char *name;
	const char *says;
} hostile;

static const hostile hostiles[] = {
	/* the words both readers (core/input.c) and writers (core/file.c) use for the kind */
	{"fifo", "a FIFO (named pipe), not"},
	{"dir", "a directory, not"},
	{"null", "a character device"},   /* symlink to /dev/null */
	{"zero", "a character device"},   /* symlink to /dev/zero */
	{"sock", "sock"},                                         /* open() fails: ENXIO */
};

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "%s/core-input-%ld", test_out_dir(), (long)getpid());
	mkdir(dir, 0755);
	assert_int_equal(mkfifo(path_of("fifo"), 0600), 0);
	assert_int_equal(mkdir(path_of("dir"), 0755), 0);
	assert_int_equal(symlink("/dev/null", path_of("null")), 0);
	assert_int_equal(symlink("/dev/zero", path_of("zero")), 0);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path_of("sock"));
	if (strlen(path_of("sock")) < sizeof(sa.sun_path))
		assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(s);
	FILE *f = fopen(path_of("plain"), "w");
	fputs("hello", f);
	fclose(f);
	return 0;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_open_refuses(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(hostiles) / sizeof(hostiles[0]); i++) {
		if (access(path_of(hostiles[i].name), F_OK) != 0 && errno != EACCES)
			continue; /* the socket, when the path is too long to bind */
		double t0 = now_s();
		int fd = baton__input_open(path_of(hostiles[i].name), "thing");
		if (fd >= 0)
			fail_msg("%s: opened", hostiles[i].name);
		assert_true(now_s() - t0 < 2.0);
		const char *msg = baton_error_last()->message;
		if (!strstr(msg, hostiles[i].says) || !strstr(msg, "thing "))
			fail_msg("%s: %s", hostiles[i].name, msg);
		char *data = (char *)"x";
		size_t len = 7;
		assert_true(baton__input_read_all(path_of(hostiles[i].name), "thing", 1 << 20, &data, &len) < 0);
		assert_null(data);
		assert_int_equal(len, 0);
	}
}

static void test_open_regular(void **state)
{
	(void)state;
	int fd = baton__input_open(path_of("plain"), "thing");
	assert_true(fd >= 0);
	/* blocking again: the O_NONBLOCK of the open is not left on the descriptor */
	assert_int_equal(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
	close(fd);
	char *data;
	size_t len;
	assert_int_equal(baton__input_read_all(path_of("plain"), "thing", 5, &data, &len), 0);
	assert_int_equal(len, 5);
	assert_string_equal(data, "hello");
	free(data);
	/* one byte over the bound */
	assert_int_equal(baton__input_read_all(path_of("plain"), "thing", 4, &data, &len), BATON_EEXHAUSTED);
	assert_non_null(strstr(baton_error_last()->message, "larger than 4 bytes"));
	/* missing: NOTFOUND with errno ENOENT, so callers can take it as "no file" */
	assert_int_equal(baton__input_open(path_of("nope"), "thing"), BATON_ENOTFOUND);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(baton__input_open(path_of("plain/below"), "thing"), BATON_ENOTFOUND);
	assert_int_equal(errno, ENOTDIR);
}

/* The c1z a store opens, read-only (baton resources/expand/...) and writable (a sync's -f). */
static void test_store_refuses(void **state)
{
	(void)state;
	for (int ro = 0; ro < 3; ro++) { /* read-only, writable, writable with a resumable working copy */
		for (size_t i = 0; i < sizeof(hostiles) / sizeof(hostiles[0]); i++) {
			if (!strcmp(hostiles[i].name, "sock") && access(path_of("sock"), F_OK) != 0)
				continue;
			baton_store_options o = BATON_STORE_OPTIONS_INIT;
			baton_store *s = NULL;
			o.read_only = ro == 1;
			o.resumable_work_dir = ro == 2;
			char tmp[700];
			snprintf(tmp, sizeof(tmp), "%s", dir);
			o.tmp_dir = tmp;
			double t0 = now_s();
			int rc = baton_store_open(path_of(hostiles[i].name), &o, &s);
			if (rc == 0) {
				baton_store_discard(s);
				fail_msg("%s (%s): opened", hostiles[i].name, ro == 1 ? "read-only" : ro == 2 ? "resumable" : "writable");
			}
			assert_true(now_s() - t0 < 2.0);
			if (!strstr(baton_error_last()->message, hostiles[i].says))
				fail_msg("%s (%s): %s", hostiles[i].name, ro == 1 ? "read-only" : ro == 2 ? "resumable" : "writable",
				         baton_error_last()->message);
			/* and no working copy is left for it */
			char wip[800];
			snprintf(wip, sizeof(wip), "%s.wip", path_of(hostiles[i].name));
			if (access(wip, F_OK) == 0)
				fail_msg("%s: %s left behind", hostiles[i].name, wip);
		}
	}
}

int main(void)
{
	alarm(60 * (unsigned)test_time_scale());
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_refuses),
		cmocka_unit_test(test_open_regular),
		cmocka_unit_test(test_store_refuses),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
