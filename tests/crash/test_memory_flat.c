/*
 * A long sync's memory stays flat: baton-synth (a connector that keeps nothing in memory) synced
 * at three sizes, 20k, 200k and 400k grants before expansion (and hundreds of thousands more from
 * expansion), in child processes whose peak RSS comes from wait4(). Between the first two SQLite's
 * fixed budgets fill (the 32 MiB page cache, the index sorter's in-memory run of the same size);
 * twice the rows after that may add at most 8 MiB, and no sync may pass 160 MiB.
 *
 *   test_memory_flat path/to/baton-synth
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

static const char *synth_bin;

/* Peak RSS in KiB of one sync of `users` users and `roles` roles of 5,000 users each. */
static long sync_peak_kib(const char *dir, long users, long roles, double *secs)
{
	char c1z[4200], u[32], r[32];
	struct rusage ru;
	struct timespec t0, t1;
	int st;
	pid_t pid;

	snprintf(c1z, sizeof(c1z), "%s/flat-%ld.c1z", dir, users);
	snprintf(u, sizeof(u), "%ld", users);
	snprintf(r, sizeof(r), "%ld", roles);
	unlink(c1z);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);
		dup2(fd, 1);
		dup2(fd, 2);
		setenv("SYNTH_USERS", u, 1);
		setenv("SYNTH_GROUPS", "200", 1);
		setenv("SYNTH_ROLES", r, 1);
		setenv("SYNTH_ROLE_USERS", "5000", 1);
		setenv("SYNTH_PAGE", "500", 1);
		setenv("BATON_LOG_LEVEL", "error", 1);
		execl(synth_bin, synth_bin, "-f", c1z, (char *)NULL);
		_exit(127);
	}
	while (wait4(pid, &st, 0, &ru) < 0 && errno == EINTR)
		;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	*secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_int_equal(st, 0);
	unlink(c1z);
	return ru.ru_maxrss;
}

static void test_memory_flat(void **state)
{
	const char *dir = test_out_dir();
	double s_small, s_large, s_double;
	long small, large, dbl;

	(void)state;
	/* 10,000 + 199 + 2 x 5,001 grants, then 100,000 + 199 + 20 x 5,001, then twice that */
	small = sync_peak_kib(dir, 10000, 2, &s_small);
	large = sync_peak_kib(dir, 100000, 20, &s_large);
	dbl = sync_peak_kib(dir, 200000, 40, &s_double);
	printf("peak RSS: %ld KiB for ~20k grants (%.1f s), %ld KiB for ~200k grants (%.1f s), %ld KiB for ~400k "
	       "grants (%.1f s)\n",
	       small, s_small, large, s_large, dbl, s_double);
	printf("MEMORY-FIGURES small_kib=%ld large_kib=%ld double_kib=%ld\n", small, large, dbl);
	/* under valgrind (scripts/valgrind.sh) the RSS is memcheck's, whose bookkeeping grows with
	 * every allocation ever made: the syncs are checked for memory errors, not measured */
	if (getenv("BATON_TEST_UNDER_VALGRIND")) {
		printf("under valgrind: the peak RSS bounds are not checked\n");
		return;
	}
	/* From 20k to 200k grants SQLite's two fixed budgets fill: the page cache (32 MiB) and the
	 * external sorter of an index build, which keeps up to the cache size in memory before it
	 * spills to a temporary file. Past that nothing may grow: twice the rows, at most 8 MiB more
	 * (allocator noise). */
	assert_true(large - small <= 64 * 1024);
	assert_true(dbl - large <= 8 * 1024);
	assert_true(dbl <= 160 * 1024);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memory_flat),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: %s path/to/baton-synth\n", argv[0]);
		return 2;
	}
	synth_bin = argv[1];
	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
