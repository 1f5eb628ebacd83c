/*
 * SIGINT/SIGTERM during a `baton` command other than explorer (tools/baton/signals.c): the
 * process still ends by the signal (status 128+n, as the Go tool), but its decompressed working
 * copies do not stay in $TMPDIR, and the output is not written. The command is held once the
 * file is open (its working copy exists) by the test hook BATON_TOOL_TEST_PAUSE_MS. Also: a run
 * that ends normally leaves $TMPDIR as it found it, and a signal the caller ignores stays ignored.
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

#define EXPANDED "c1z/expansion-small.expanded.c1z"

static const char *baton_bin;
static char dir[512];

/* Entries under a directory (recursively), . and .. aside. */
static int tree_entries(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return -1;
	int n = 0;
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char child[1024];
		snprintf(child, sizeof(child), "%s/%s", path, e->d_name);
		int sub = tree_entries(child);
		n += 1 + (sub > 0 ? sub : 0);
	}
	closedir(d);
	return n;
}

typedef struct child {
	pid_t pid;
	char tmp[700], err[700];
} child;

/* Starts baton with a fresh $TMPDIR, the pause hook (when pause_ms) and stdout+stderr in a file;
 * `ignore` is set to SIG_IGN in the child first. */
static void start(child *c, const char *name, int pause_ms, int ignore, const char *const *args)
{
	snprintf(c->tmp, sizeof(c->tmp), "%s/%s-tmp", dir, name);
	snprintf(c->err, sizeof(c->err), "%s/%s.log", dir, name);
	assert_int_equal(mkdir(c->tmp, 0700), 0);
	fflush(stdout);
	c->pid = fork();
	assert_true(c->pid >= 0);
	if (c->pid == 0) {
		int fd = open(c->err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 1);
		dup2(fd, 2);
		setenv("TMPDIR", c->tmp, 1);
		if (pause_ms) {
			char v[32];
			snprintf(v, sizeof(v), "%d", pause_ms);
			setenv("BATON_TOOL_TEST_PAUSE_MS", v, 1);
		}
		if (ignore)
			signal(ignore, SIG_IGN);
		const char *argv[16];
		size_t n = 0;
		argv[n++] = baton_bin;
		for (size_t i = 0; args[i] && n < 15; i++)
			argv[n++] = args[i];
		argv[n] = NULL;
		execv(baton_bin, (char *const *)argv);
		_exit(127);
	}
}

/* Waits (up to 20 s) until the child's log says it is paused. */
static void wait_paused(const child *c)
{
	for (int i = 0; i < 2000; i++) {
		FILE *f = fopen(c->err, "r");
		char line[256] = "";
		bool paused = f && fgets(line, sizeof(line), f) && strstr(line, "test pause");
		if (f)
			fclose(f);
		if (paused)
			return;
		nanosleep(&(struct timespec){0, 10000000}, NULL);
	}
	kill(c->pid, SIGKILL);
	waitpid(c->pid, NULL, 0);
	fail_msg("baton did not reach its pause (see %s)", c->err);
}

/* The child's wait status (killed after 20 s: a failure). */
static int finish(const child *c)
{
	int status = 0;
	for (int i = 0; i < 2000; i++) {
		if (waitpid(c->pid, &status, WNOHANG) == c->pid)
			return status;
		nanosleep(&(struct timespec){0, 10000000}, NULL);
	}
	kill(c->pid, SIGKILL);
	waitpid(c->pid, &status, 0);
	fail_msg("baton did not end (see %s)", c->err);
	return status;
}

static void signal_during(int sig, const char *name, const char *const *args, const char *out)
{
	child c;
	start(&c, name, 20000, 0, args);
	wait_paused(&c);
	assert_true(tree_entries(c.tmp) > 0); /* its working copy */
	kill(c.pid, sig);
	int status = finish(&c);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != sig)
		fail_msg("%s: want ended by signal %d, got status 0x%x", name, sig, status);
	if (tree_entries(c.tmp) != 0)
		fail_msg("%s: %d entries left in $TMPDIR %s", name, tree_entries(c.tmp), c.tmp);
	if (out) {
		char tmp_out[800];
		snprintf(tmp_out, sizeof(tmp_out), "%s.tmp", out);
		assert_int_equal(access(out, F_OK), -1);
		assert_int_equal(access(tmp_out, F_OK), -1);
	}
}

static void test_signal_while_open(void **state)
{
	(void)state;
	const char *in = test_data_path(EXPANDED);
	char out[700];
	snprintf(out, sizeof(out), "%s/export.c1z", dir);
	signal_during(SIGTERM, "export-term", (const char *const[]){"-f", in, "export", "c1z", "--out", out, NULL}, out);
	signal_during(SIGINT, "stats-int", (const char *const[]){"-f", in, "stats", NULL}, NULL);
	signal_during(SIGTERM, "grants-term", (const char *const[]){"-f", in, "-o", "json", "grants", NULL}, NULL);
}

static void test_normal_and_ignored(void **state)
{
	(void)state;
	const char *in = test_data_path(EXPANDED);
	/* a normal run: exit 0, $TMPDIR as it was (no private directory left) */
	child c;
	start(&c, "stats-ok", 0, 0, (const char *const[]){"-f", in, "stats", NULL});
	int status = finish(&c);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(tree_entries(c.tmp), 0);
	/* SIGINT ignored by the caller (a background job): it stays ignored, the command finishes */
	start(&c, "stats-ign", 300, SIGINT, (const char *const[]){"-f", in, "stats", NULL});
	wait_paused(&c);
	kill(c.pid, SIGINT);
	status = finish(&c);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("an ignored SIGINT ended baton: status 0x%x", status);
	assert_int_equal(tree_entries(c.tmp), 0);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s <baton>\n", argv[0]);
		return 2;
	}
	baton_bin = argv[1];
	snprintf(dir, sizeof(dir), "%s/tool-signals-%ld", test_out_dir(), (long)getpid());
	mkdir(dir, 0755);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signal_while_open),
		cmocka_unit_test(test_normal_and_ignored),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
