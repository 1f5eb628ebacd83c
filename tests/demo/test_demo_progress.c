/*
 * Progress output of a sync, seen as a person and as a program sees it:
 *  - on a terminal (a pseudo-terminal here), a live status line on stderr, redrawn in place
 *    ("\r\033[K") with the phase and counts, and replaced by the summary at the end;
 *  - in JSON logs, the phase records and a summary: one record per resource type with its counts,
 *    then "Sync complete." with the sync id;
 *  - the progress callback of baton_sync_options: called with growing counts, and a last time
 *    with the final ones.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"
#include "baton.h"
#include "demo.h"

static const char *demo_bin;

/* Runs the demo with its output on a new pseudo-terminal; returns everything it wrote. */
static char *run_on_pty(const char *c1z, int *status)
{
	int master;
	pid_t pid = forkpty(&master, NULL, NULL, NULL);
	assert_true(pid >= 0);
	if (pid == 0) {
		unsetenv("BATON_LOG_FORMAT");
		execl(demo_bin, demo_bin, "-f", c1z, (char *)NULL);
		_exit(127);
	}
	size_t cap = 1 << 16, len = 0;
	char *out = malloc(cap);
	assert_non_null(out);
	for (;;) {
		struct pollfd p = {master, POLLIN, 0};
		int r = poll(&p, 1, 60000);
		assert_true(r > 0); /* a sync of the demo takes well under a minute */
		if (len + 4096 > cap)
			assert_non_null(out = realloc(out, cap *= 2));
		ssize_t n = read(master, out + len, 4096);
		if (n <= 0)
			break; /* EIO once the child has exited and closed the terminal */
		len += (size_t)n;
	}
	out[len] = '\0';
	close(master);
	assert_int_equal(waitpid(pid, status, 0), pid);
	return out;
}

static void test_terminal_line(void **state)
{
	(void)state;
	char c1z[4096];
	int status;
	snprintf(c1z, sizeof c1z, "%s/progress-tty.c1z", test_out_dir());
	unlink(c1z);
	char *out = run_on_pty(c1z, &status);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);

	/* Redrawn in place, showing the phases as they come and real counts. */
	assert_non_null(strstr(out, "\r\033[K"));
	assert_non_null(strstr(out, "list-resources"));
	assert_non_null(strstr(out, "list-grants"));
	assert_non_null(strstr(out, "grant-expansion"));
	assert_non_null(strstr(out, "resources 77"));
	/* The summary ends the output: no status line is drawn after it. */
	const char *done = strstr(out, "Sync complete.");
	assert_non_null(done);
	assert_null(strstr(done, "\033[K"));
	assert_null(strstr(done, " | types "));
	free(out);
	unlink(c1z);
}

static void test_json_logs(void **state)
{
	(void)state;
	char c1z[4096], log[4096], cmd[12288];
	snprintf(c1z, sizeof c1z, "%s/progress-json.c1z", test_out_dir());
	snprintf(log, sizeof log, "%s/progress-json.log", test_out_dir());
	unlink(c1z);
	snprintf(cmd, sizeof cmd, "BATON_LOG_FORMAT=json '%s' -f '%s' 2>'%s' >/dev/null", demo_bin, c1z, log);
	assert_int_equal(system(cmd), 0);

	FILE *f = fopen(log, "r");
	assert_non_null(f);
	char line[8192];
	int phases = 0, per_type = 0, complete = 0;
	long long resources = 0;
	while (fgets(line, sizeof line, f)) {
		json_t *j = test_json_parse(line); /* every line is one JSON record */
		const char *msg = json_string_value(json_object_get(j, "msg"));
		assert_non_null(msg);
		assert_null(strstr(line, "\033"));
		if (!strcmp(msg, "Syncing resource types...") || !strcmp(msg, "Syncing grants...") ||
		    !strcmp(msg, "Expanding grants..."))
			phases++;
		if (!strcmp(msg, "Synced resource type")) {
			per_type++;
			resources += json_integer_value(json_object_get(j, "resources"));
		}
		if (!strcmp(msg, "Sync complete.")) {
			complete++;
			assert_int_equal(strlen(json_string_value(json_object_get(j, "sync_id"))), 27);
		}
		json_decref(j);
	}
	fclose(f);
	assert_int_equal(phases, 3);
	assert_int_equal(per_type, 5);
	assert_int_equal(resources, 77);
	assert_int_equal(complete, 1);
	unlink(c1z);
	unlink(log);
}

typedef struct seen {
	int calls;
	bool monotonic;
	baton_sync_progress last;
} seen;

static void on_progress(const baton_sync_progress *p, void *ud)
{
	seen *sn = ud;
	if (sn->calls && (p->resources < sn->last.resources || p->grants < sn->last.grants))
		sn->monotonic = false;
	sn->calls++;
	sn->last = *p;
	sn->last.phase = NULL; /* borrowed for the call only */
	sn->last.resource_type_id = sn->last.resource_id = NULL;
}

/* The callback: called during the sync (interval 1 ms here) with counts that only grow, and a
 * last time with the totals the summary reports. */
static void test_callback(void **state)
{
	(void)state;
	char c1z[4096];
	snprintf(c1z, sizeof c1z, "%s/progress-cb.c1z", test_out_dir());
	unlink(c1z);
	seen sn = {0, true, {0}};
	baton_sync_options o = BATON_SYNC_OPTIONS_INIT;
	o.c1z_path = c1z;
	o.progress = on_progress;
	o.progress_userdata = &sn;
	o.progress_interval_ms = 1;
	baton_sync_summary sum;
	if (baton_sync(&demo_connector, &o, &sum) != 0)
		fail_msg("sync: %s", baton_error_last()->message);
	assert_true(sn.calls >= 2);
	assert_true(sn.monotonic);
	assert_int_equal(sn.last.resource_types, sum.resource_types);
	assert_int_equal(sn.last.resources, sum.resources);
	assert_int_equal(sn.last.entitlements, sum.entitlements);
	assert_int_equal(sn.last.grants, sum.grants);
	assert_int_equal(sum.resources, 77);
	assert_true(sn.last.pages > 0);
	unlink(c1z);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s PATH-TO-BATON-DEMO\n", argv[0]);
		return 2;
	}
	demo_bin = argv[1];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_terminal_line),
		cmocka_unit_test(test_json_logs),
		cmocka_unit_test(test_callback),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
