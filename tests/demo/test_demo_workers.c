/*
 * baton-demo with workers, and stopped by a signal.
 *
 *   test_demo_workers path/to/baton-demo
 *
 * 1. Workers: syncs with --workers 4 and 16 (BATON_WORKERS) write the same content as a
 *    sequential sync (rows of the four tables as (table, external id, data), demo_testutil.h).
 * 2. Signals: a second sync into an existing c1z, traced (BATON_DEMO_TRACE=1), gets SIGTERM (with
 *    4 workers) or SIGINT (sequential) a few grants calls into the grants phase. It must exit 1
 *    (Canceled) saying so, leave the c1z byte for byte as it was, and leave "<c1z>.wip/" holding
 *    the unfinished sync with a checkpoint taken at the stop (many completed actions; the
 *    periodic checkpoint interval is the default 10 s, so only the stop can have written it). A
 *    rerun resumes that sync id and ends with the same content as two uninterrupted runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <jansson.h>
#include <sqlite3.h>

#include "testutil.h"
#include "demo_testutil.h"
#include "baton/store.h"

static const char *demo_bin;

static const char *const model_env[] = {"BATON_USERS=600", "BATON_GROUPS=16", "BATON_ROLES=8",
                                        "BATON_PROJECTS=40", "BATON_WORKSPACES=4", NULL};

static char *tmp_dir(const char *tag)
{
	char *dir = malloc(4096);
	snprintf(dir, 4096, "%s/demo-workers-%s-XXXXXX", test_out_dir(), tag);
	if (!mkdtemp(dir))
		fail_msg("mkdtemp failed");
	return dir;
}

static char *path_in(const char *dir, const char *name)
{
	char *p = malloc(strlen(dir) + strlen(name) + 2);
	sprintf(p, "%s/%s", dir, name);
	return p;
}

/* Runs the demo with the model, `workers` and extra env; expects exit 0. */
static void run_ok(const char *c1z, const char *workers)
{
	char wenv[64];
	snprintf(wenv, sizeof(wenv), "BATON_WORKERS=%s", workers);
	const char *env[16];
	size_t n = 0;
	for (size_t i = 0; model_env[i]; i++)
		env[n++] = model_env[i];
	env[n++] = wenv;
	env[n++] = "BATON_LOG_LEVEL=error";
	env[n] = NULL;
	int st = demo_run(demo_bin, c1z, env, NULL);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("baton-demo -f %s (workers %s): %s", c1z, workers, demo_status_str(st));
}

static void assert_same_content(const char *want_path, const char *got_path)
{
	demo_content want, got;
	demo_content_read(want_path, &want);
	demo_content_read(got_path, &got);
	char msg[2048];
	if (demo_content_compare(&want, &got, msg, sizeof(msg)))
		fail_msg("%s differs from %s: %s", got_path, want_path, msg);
	demo_content_free(&want);
	demo_content_free(&got);
}

static void test_workers_same_content(void **state)
{
	(void)state;
	char *dir = tmp_dir("content");
	char *seq = path_in(dir, "seq.c1z"), *w4 = path_in(dir, "w4.c1z"), *w16 = path_in(dir, "w16.c1z");
	run_ok(seq, "0");
	run_ok(w4, "4");
	run_ok(w16, "16");
	assert_same_content(seq, w4);
	assert_same_content(seq, w16);
	free(seq);
	free(w4);
	free(w16);
	free(dir);
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc((size_t)n + 1);
	if (fread(b, 1, (size_t)n, f) != (size_t)n)
		fail_msg("cannot read %s", path);
	fclose(f);
	*len = (size_t)n;
	return b;
}

static void wip_checkpoint(const char *c1z, char *id, size_t id_size, long long *completed)
{
	char msg[4400];
	if (demo_wip_unfinished(c1z, id, id_size, completed, msg, sizeof(msg)))
		fail_msg("%s", msg);
}

static void latest_finished(const char *c1z, char *id, size_t id_size)
{
	char msg[4400];
	if (demo_latest_finished(c1z, id, id_size, msg, sizeof(msg)))
		fail_msg("%s", msg);
}

/*
 * Runs the demo traced, sends `sig` once the `after`-th grants_group call starts, drains its
 * stderr; returns the wait status and the stderr lines that are not trace lines.
 */
static int run_and_signal(const char *c1z, const char *workers, int sig, int after, char *other, size_t other_size)
{
	int fds[2];
	if (pipe(fds))
		fail_msg("pipe");
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		fail_msg("fork");
	if (pid == 0) {
		close(fds[0]);
		int out = open("/dev/null", O_WRONLY);
		dup2(out, 1);
		dup2(fds[1], 2);
		for (size_t i = 0; model_env[i]; i++)
			demo_setenv_kv(model_env[i]);
		setenv("BATON_WORKERS", workers, 1);
		setenv("BATON_LOG_LEVEL", "error", 1);
		setenv("BATON_DEMO_TRACE", "1", 1);
		unsetenv("BATON_CHECKPOINT_INTERVAL_MS");
		execl(demo_bin, demo_bin, "-f", c1z, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	FILE *f = fdopen(fds[0], "r");
	char line[8192];
	int seen = 0;
	bool sent = false;
	other[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "baton-demo: call ", 17)) {
			if (!sent && strstr(line, " grants_group") && ++seen == after) {
				kill(pid, sig);
				sent = true;
			}
			continue;
		}
		strncat(other, line, other_size - strlen(other) - 1);
	}
	fclose(f);
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			fail_msg("waitpid");
	if (!sent)
		fail_msg("the sync ended before %d grants calls", after);
	return status;
}

static void stop_by_signal(const char *workers, int sig, const char *tag)
{
	char *dir = tmp_dir(tag);
	char *ref = path_in(dir, "ref.c1z"), *c1z = path_in(dir, "sync.c1z");
	/* the reference: two uninterrupted syncs */
	run_ok(ref, workers);
	run_ok(ref, workers);
	/* the file: one sync, then a second one stopped by the signal */
	run_ok(c1z, workers);
	size_t before_len, after_len;
	char *before = read_file(c1z, &before_len);
	struct stat st_before, st_after;
	stat(c1z, &st_before);

	char other[8192];
	int status = run_and_signal(c1z, workers, sig, 5, other, sizeof(other));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 1)
		fail_msg("stopped run: %s, expected exit 1; stderr:\n%s", demo_status_str(status), other);
	assert_non_null(strstr(other, sig == SIGTERM ? "terminated (SIGTERM)" : "interrupted (SIGINT)"));
	assert_non_null(strstr(other, "next run resumes it"));

	/* the c1z is as it was */
	char *after = read_file(c1z, &after_len);
	stat(c1z, &st_after);
	assert_int_equal(before_len, after_len);
	assert_memory_equal(before, after, before_len);
	assert_int_equal(st_before.st_mtime, st_after.st_mtime);
	assert_int_equal(st_before.st_ino, st_after.st_ino);

	/* the working copy holds the unfinished sync, checkpointed at the stop */
	char id[64];
	long long completed;
	wip_checkpoint(c1z, id, sizeof(id), &completed);
	print_message("%s: stopped sync %s with %lld completed actions\n", tag, id, completed);
	assert_true(completed > 20);

	/* the rerun resumes it and ends like two uninterrupted runs */
	run_ok(c1z, workers);
	char fin[64];
	latest_finished(c1z, fin, sizeof(fin));
	assert_string_equal(id, fin);
	char wip[4200];
	snprintf(wip, sizeof(wip), "%s.wip", c1z);
	assert_int_equal(access(wip, F_OK), -1);
	assert_same_content(ref, c1z);

	free(before);
	free(after);
	free(ref);
	free(c1z);
	free(dir);
}

static void test_sigterm_workers(void **state)
{
	(void)state;
	stop_by_signal("4", SIGTERM, "sigterm-w4");
}

static void test_sigint_sequential(void **state)
{
	(void)state;
	stop_by_signal("0", SIGINT, "sigint-w0");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s path/to/baton-demo\n", argv[0]);
		return 2;
	}
	demo_bin = argv[1];
	unsetenv("BATON_DEMO_KILL_AFTER");
	unsetenv("BATON_DEMO_FAIL_AFTER");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_workers_same_content),
		cmocka_unit_test(test_sigterm_workers),
		cmocka_unit_test(test_sigint_sequential),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
