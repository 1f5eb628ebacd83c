/*
 * The c1z input of the programs, end to end: `baton -f X expand` (and `resources`, `stats`) and a
 * connector's sync `-f X` (baton-demo), where X is a FIFO with no writer, a directory, /dev/null
 * or /dev/zero (through symlinks). Each must exit non-zero at once with an error saying what X
 * is; it used to block forever in open() on the FIFO. Every run is killed after 20 s (a hang is
 * a failure here, not a ctest TIMEOUT).
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

static const char *baton_bin, *demo_bin;
static char dir[512];

static const char *path_of(const char *name)
{
	static char buf[4][700];
	static unsigned n;
	char *p = buf[n++ % 4];
	snprintf(p, sizeof(buf[0]), "%s/%s", dir, name);
	return p;
}

/* Runs argv with stderr and stdout into `log`; the exit status, or -1 when it had to be killed. */
static int run(const char *const *argv, const char *log)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 1);
		dup2(fd, 2);
		setenv("BATON_LOG_LEVEL", "error", 1);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	int status;
	for (int i = 0; i < 2000 * test_time_scale(); i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

static char *slurp(const char *path)
{
	static char buf[8192];
	FILE *f = fopen(path, "rb");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	if (f)
		fclose(f);
	buf[n] = '\0';
	return buf;
}

static void test_inputs(void **state)
{
	(void)state;
	static const char *const names[][2] = {
		{"fifo.c1z", "is a FIFO"}, {"dir.c1z", "is a directory"},
		{"null.c1z", "device"}, {"zero.c1z", "device"},
	};
	char log[700];
	snprintf(log, sizeof(log), "%s", path_of("log"));
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char p[700];
		snprintf(p, sizeof(p), "%s", path_of(names[i][0]));
		static const char *const cmds[] = {"expand", "resources", "stats"};
		for (size_t c = 0; c < 3; c++) {
			const char *argv[] = {baton_bin, "-f", p, cmds[c], NULL};
			int st = run(argv, log);
			if (st <= 0 || st >= 128 || !strstr(slurp(log), names[i][1]))
				fail_msg("baton -f %s %s: status %d: %s", names[i][0], cmds[c], st, slurp(log));
		}
		if (demo_bin) {
			const char *argv[] = {demo_bin, "-f", p, NULL};
			int st = run(argv, log);
			if (st <= 0 || st >= 128 || !strstr(slurp(log), names[i][1]))
				fail_msg("baton-demo -f %s: status %d: %s", names[i][0], st, slurp(log));
			/* no working copy is left for it (it would make `baton expand` say a sync is
			 * unfinished) */
			char wip[800];
			snprintf(wip, sizeof(wip), "%s.wip", p);
			if (access(wip, F_OK) == 0)
				fail_msg("baton-demo -f %s: %s left behind", names[i][0], wip);
		}
	}
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "%s/tool-inputs-%ld", test_out_dir(), (long)getpid());
	mkdir(dir, 0755);
	assert_int_equal(mkfifo(path_of("fifo.c1z"), 0600), 0);
	assert_int_equal(mkdir(path_of("dir.c1z"), 0755), 0);
	assert_int_equal(symlink("/dev/null", path_of("null.c1z")), 0);
	assert_int_equal(symlink("/dev/zero", path_of("zero.c1z")), 0);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s <baton> [<baton-demo>]\n", argv[0]);
		return 2;
	}
	baton_bin = argv[1];
	demo_bin = argc > 2 ? argv[2] : NULL;
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_inputs)};
	return cmocka_run_group_tests(tests, setup, NULL);
}
