/*
 * The crash and resume harness: a connector program is killed with SIGKILL at random points of
 * every phase of a sync, rerun until it finishes, and the final c1z must hold the same rows as an
 * uninterrupted run's.
 *
 *   crash_resume --bin PATH [--points N] [--timer-points N] [--signal-points N] [--iterations N]
 *                [--seed S] [--incremental] [--env NAME=value]...
 *
 * 1. An uninterrupted run with BATON_TEST_FAULT_TRACE=1 lists every hit of the SDK's fault sites
 *    (src/core/faults.h: each sync step, checkpoint, commit of buffered rows, expansion load and
 *    node, the pack's open/writes/fsync/rename/directory fsync, the working copy's marker, the
 *    end of the sync). With --incremental the same is done for a run over a previous file (a
 *    finished sync of the same connector).
 * 2. Kill points: the first and the last hit of every site (every phase and its boundaries),
 *    then random hits until there are --points of them; the child gets BATON_TEST_KILL_AT=*:<n>
 *    and must die of SIGKILL there. Every third point (with --incremental) runs over a copy of
 *    the previous file. A quarter of the points kill the first rerun again at a random hit. Then
 *    --timer-points more kills come from this process after a random delay (0 .. 1.2 times the
 *    uninterrupted run's wall time): points no site names, mid-callback, mid-SQLite-write.
 * 3. After the kill: the c1z is absent (fresh) or byte-identical to the previous file, unless the
 *    kill came after the rename (then it is the finished new file). Reruns without hooks (at most
 *    4) until one exits 0. Then: the content, as sets of (table, external id, data), equals the
 *    uninterrupted run's; one finished sync more than before and no unfinished one; no working
 *    copy, no "<c1z>.tmp", nothing left in the private TMPDIR.
 * 4. Clean stops: --signal-points runs get SIGTERM or SIGINT (alternately), half while paused at a
 *    hit of a fault site (BATON_TEST_PAUSE_AT; the sites taken in turn, so every phase gets one),
 *    half after a random delay. A run stopped before its end must exit 1 saying it was terminated
 *    or interrupted and that the next run resumes it, leave the c1z as it was and a working copy
 *    holding the unfinished sync with a checkpoint; the rerun must resume that sync id and end
 *    with the uninterrupted run's rows. A signal after the last safe point (the end of the sync,
 *    the pack) lets the run finish: exit 0 and the finished file.
 * --iterations N repeats the whole thing N times with new random points (tests/crash/run.sh).
 */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "demo_testutil.h"
#include "baton/store.h"

#define MAX_ENV 32

typedef struct hit {
	unsigned long n;
	char site[64];
} hit;

typedef struct trace {
	hit *v;
	size_t n;
	double seconds;
} trace;

static const char *bin;
static size_t n_points = 24, n_timer = 8, n_signal = 0;
static unsigned long iterations = 1, seed = 1;
static bool incremental;
static bool parallel; /* --env BATON_WORKERS=n (n != 0): hit numbers vary from run to run */
static const char *extra_env[MAX_ENV];
static size_t n_extra;

static char dir[4096], tmpdir[4200], c1z[4400], prev[4400], err_path[4400], ref1[4400], ref2[4400];

static uint64_t rng_state;

static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Runs `bin -f c1z` with the extra environment and `hook` (may be NULL); stderr to err_path. When
 * kill_after > 0 the child is sent SIGKILL after that many seconds unless it ended. Returns the
 * wait status.
 */
static pid_t spawn_child(const char *hook, const char *hook2)
{
	pid_t pid = fork();

	if (pid < 0)
		fail_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);
		if (fd >= 0)
			dup2(fd, 1);
		fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0)
			dup2(fd, 2);
		for (size_t i = 0; i < n_extra; i++)
			demo_setenv_kv(extra_env[i]);
		if (hook)
			demo_setenv_kv(hook);
		if (hook2)
			demo_setenv_kv(hook2);
		execl(bin, bin, "-f", c1z, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static int run_child(const char *hook, const char *hook2, double kill_after)
{
	pid_t pid = spawn_child(hook, hook2);
	int status = -1;

	if (kill_after <= 0) {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		return status;
	}
	double end = now_s() + kill_after;
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return status;
		if (now_s() >= end) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return status;
		}
		struct timespec ts = {0, 200000};
		nanosleep(&ts, NULL);
	}
}

static void rm_rf(const char *path)
{
	char cmd[4700];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", path);
}

static void rm_c1z(const char *path)
{
	char p[4600];

	unlink(path);
	snprintf(p, sizeof(p), "%s.tmp", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s.wip", path);
	rm_rf(p);
}

static void copy_file(const char *from, const char *to)
{
	char cmd[9000];

	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", from, to);
	assert_int_equal(system(cmd), 0);
}

static bool same_file(const char *a, const char *b)
{
	char cmd[9000];

	snprintf(cmd, sizeof(cmd), "cmp -s '%s' '%s'", a, b);
	return system(cmd) == 0;
}

static bool exists_suffix(const char *path, const char *suffix)
{
	char p[4600];

	snprintf(p, sizeof(p), "%s%s", path, suffix);
	return access(p, F_OK) == 0;
}

static size_t count_entries(const char *d)
{
	DIR *dd = opendir(d);
	struct dirent *e;
	size_t n = 0;

	if (!dd)
		return 0;
	while ((e = readdir(dd)) != NULL)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(dd);
	return n;
}

static void read_trace(trace *t)
{
	FILE *f = fopen(err_path, "r");
	char line[512];
	size_t cap = 0;

	assert_non_null(f);
	t->n = 0;
	t->v = NULL;
	while (fgets(line, sizeof(line), f) != NULL) {
		hit h;
		if (sscanf(line, "baton-fault: %lu %63s", &h.n, h.site) != 2)
			continue;
		if (t->n == cap) {
			cap = cap ? cap * 2 : 1024;
			t->v = realloc(t->v, cap * sizeof(*t->v));
			assert_non_null(t->v);
		}
		t->v[t->n++] = h;
	}
	fclose(f);
}

/* An uninterrupted traced run into c1z (over `from` when not NULL); the result is kept in `keep`. */
static void reference_run(const char *from, const char *keep, trace *t)
{
	rm_c1z(c1z);
	if (from)
		copy_file(from, c1z);
	int st = run_child("BATON_TEST_FAULT_TRACE=1", NULL, 0);
	if (st != 0)
		fail_msg("uninterrupted run: %s (stderr in %s)", demo_status_str(st), err_path);
	read_trace(t);
	/* timed without the trace, for the timer kills */
	rm_c1z(c1z);
	if (from)
		copy_file(from, c1z);
	double t0 = now_s();
	st = run_child(NULL, NULL, 0);
	t->seconds = now_s() - t0;
	assert_int_equal(st, 0);
	assert_true(t->n > 0);
	assert_false(exists_suffix(c1z, ".wip"));
	copy_file(c1z, keep);
	rm_c1z(c1z);
}

static bool contains(const unsigned long *a, size_t n, unsigned long v)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] == v)
			return true;
	return false;
}

/* The first and last hit of every site, then random hits up to `want`. */
static size_t choose(const trace *t, unsigned long *out, size_t want)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n; i++) {
		bool first = true, last = true;
		for (size_t j = 0; j < t->n; j++) {
			if (strcmp(t->v[i].site, t->v[j].site) == 0) {
				first &= j >= i;
				last &= j <= i;
			}
		}
		if ((first || last) && !contains(out, n, t->v[i].n))
			out[n++] = t->v[i].n;
	}
	for (size_t tries = 0; n < want && tries < want * 20; tries++) {
		unsigned long v = t->v[rng() % t->n].n;
		if (!contains(out, n, v))
			out[n++] = v;
	}
	return n;
}

static const char *site_of(const trace *t, unsigned long n)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].n == n)
			return t->v[i].site;
	return "?";
}

typedef struct stats {
	int points, killed, timer_points, timer_killed, second_kills, after_rename, failures, runs;
	int sites_seen;
	int signal_points, signal_stopped, signal_after_end, signal_outside;
} stats;

/*
 * The end state every point must reach: no working copy, .tmp or temporary file left, one finished
 * sync more than before and none unfinished, and the uninterrupted run's rows (want_path).
 * Returns true, or prints a FAIL line for `what` and counts it.
 */
static bool final_state_ok(stats *S, const char *what, const char *want_path)
{
	demo_content want, got;
	char msg[2048];
	bool ok = false;

	if (exists_suffix(c1z, ".wip") || exists_suffix(c1z, ".tmp") || count_entries(tmpdir) != 0) {
		printf("FAIL %s: a working copy, a .tmp or temporary files were left\n", what);
		S->failures++;
		return false;
	}
	demo_content_read(want_path, &want);
	demo_content_read(c1z, &got);
	if (got.syncs_finished != want.syncs_finished || got.syncs_unfinished != 0)
		printf("FAIL %s: %lld finished and %lld unfinished syncs (want %lld and 0)\n", what,
		       (long long)got.syncs_finished, (long long)got.syncs_unfinished, (long long)want.syncs_finished);
	else if (demo_content_compare(&want, &got, msg, sizeof(msg)) != 0)
		printf("FAIL %s: CONTENT DIFFERS: %s\n", what, msg);
	else
		ok = true;
	S->failures += !ok;
	demo_content_free(&want);
	demo_content_free(&got);
	return ok;
}

/*
 * After a kill: the c1z must be the previous file (or none), or a finished new one (the kill came
 * after the rename; then a working copy left next to it must be discarded, not resumed).
 * *replaced says which. Returns false after printing a FAIL line.
 */
static bool check_after_kill(stats *S, const char *what, bool over_prev, bool *replaced)
{
	*replaced = false;
	if (!(over_prev ? !same_file(c1z, prev) : access(c1z, F_OK) == 0))
		return true;
	demo_content c;
	demo_content_read(c1z, &c);
	*replaced = c.syncs_finished == (over_prev ? 2 : 1) && c.syncs_unfinished == 0;
	demo_content_free(&c);
	if (!*replaced) {
		printf("FAIL %s: the killed run left a c1z that is neither the previous file nor a finished one\n", what);
		S->failures++;
		return false;
	}
	S->after_rename++;
	if (exists_suffix(c1z, ".wip")) {
		baton_store_options o = BATON_STORE_OPTIONS_INIT;
		baton_store *s;
		o.resumable_work_dir = true;
		if (baton_store_open(c1z, &o, &s) != 0)
			fail_msg("%s: opening after the kill: %s", what, baton_error_last()->message);
		bool resumed = baton_store_resumed(s);
		baton_store_discard(s);
		if (resumed) {
			printf("FAIL %s: a stale working copy next to the new file was resumed\n", what);
			S->failures++;
			return false;
		}
	}
	return true;
}

/*
 * One point: a kill (at site hit k, or after `delay` seconds), maybe a second one, reruns, checks.
 * over_prev: the run starts from a copy of the previous file.
 */
static void one_point(stats *S, const trace *t, unsigned long k, double delay, bool over_prev)
{
	char hook[64], hook2[64], what[160];
	const char *want_path = over_prev ? ref2 : ref1;
	int st, tries = 0;
	bool done = false;

	rm_c1z(c1z);
	if (over_prev)
		copy_file(prev, c1z);
	if (k) {
		snprintf(hook, sizeof(hook), "BATON_TEST_KILL_AT=*:%lu", k);
		snprintf(what, sizeof(what), "%s kill at hit %lu/%zu (%s)", over_prev ? "incremental" : "fresh", k,
		         t->n, site_of(t, k));
		st = run_child(hook, NULL, 0);
		S->runs++;
		if (!(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)) {
			printf("FAIL %s: the run ended with %s (stderr in %s)\n", what, demo_status_str(st), err_path);
			S->failures++;
			return;
		}
		S->killed++;
	} else {
		snprintf(what, sizeof(what), "%s timer kill after %.3f s", over_prev ? "incremental" : "fresh", delay);
		st = run_child(NULL, NULL, delay);
		S->runs++;
		if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
			S->timer_killed++;
		else if (st == 0)
			done = true;
		else {
			printf("FAIL %s: the run ended with %s\n", what, demo_status_str(st));
			S->failures++;
			return;
		}
	}
	/* the c1z is the previous file (or none) until a finished sync replaces it */
	bool replaced = false;
	if (!check_after_kill(S, what, over_prev, &replaced))
		return;
	done = replaced;
	if (!done && k && rng() % 4 == 0) {
		snprintf(hook2, sizeof(hook2), "BATON_TEST_KILL_AT=*:%lu", 1 + (unsigned long)(rng() % t->n));
		st = run_child(hook2, NULL, 0);
		S->runs++;
		snprintf(what + strlen(what), sizeof(what) - strlen(what), ", then %s", hook2 + 19);
		done = st == 0;
		if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) {
			S->second_kills++;
			/* the second kill may come after the save too (a resumed run has fewer hits) */
			if (!check_after_kill(S, what, over_prev, &replaced))
				return;
			done = replaced;
		}
	}
	for (st = done ? 0 : -1; tries < 4 && st != 0; tries++) {
		st = run_child(NULL, NULL, 0);
		S->runs++;
	}
	if (st != 0) {
		printf("FAIL %s: no successful rerun in %d (last %s, stderr in %s)\n", what, tries,
		       demo_status_str(st), err_path);
		S->failures++;
		return;
	}
	if (final_state_ok(S, what, want_path)) {
		printf("ok   %s%s, same content (%d rerun%s)\n", what, replaced ? " (after the rename)" : "", tries,
		       tries == 1 ? "" : "s");
	}
}

static bool file_has(const char *path, const char *needle)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, needle) != NULL;
	fclose(f);
	return found;
}

/* The hit number of the last sync step (a "sync.step.*" site) in t. */
static unsigned long last_step_hit(const trace *t)
{
	unsigned long n = 0;

	for (size_t i = 0; i < t->n; i++)
		if (strncmp(t->v[i].site, "sync.step.", 10) == 0)
			n = t->v[i].n;
	return n;
}

/*
 * One clean stop: `sig` while paused at site hit k (k > 0), or after `delay` seconds; then the
 * checks of step 4 (header).
 */
static void signal_point(stats *S, const trace *t, unsigned long k, double delay, int sig, bool over_prev)
{
	const char *sig_name = sig == SIGTERM ? "SIGTERM" : "SIGINT";
	const char *want_path = over_prev ? ref2 : ref1;
	char hook[96], what[200], msg[4400], stopped_id[64], resumed_id[64];
	long long completed = 0;
	bool outside = false, stopped = false;
	int st;

	rm_c1z(c1z);
	if (over_prev)
		copy_file(prev, c1z);
	if (k) {
		snprintf(hook, sizeof(hook), "BATON_TEST_PAUSE_AT=*:%lu:300", k);
		snprintf(what, sizeof(what), "%s %s while paused at hit %lu/%zu (%s)", over_prev ? "incremental" : "fresh",
		         sig_name, k, t->n, site_of(t, k));
	} else {
		snprintf(what, sizeof(what), "%s %s after %.3f s", over_prev ? "incremental" : "fresh", sig_name, delay);
	}
	S->signal_points++;
	S->runs++;
	pid_t pid = spawn_child(k ? hook : NULL, NULL);
	double end = now_s() + (k ? 60.0 * test_time_scale() : delay);
	bool exited = false;
	for (;;) {
		if (waitpid(pid, &st, WNOHANG) == pid) {
			exited = true;
			break;
		}
		if (k && file_has(err_path, "baton-fault: paused at"))
			break;
		if (now_s() >= end) {
			if (k) {
				kill(pid, SIGKILL);
				waitpid(pid, &st, 0);
				printf("FAIL %s: the run never paused\n", what);
				S->failures++;
				return;
			}
			break;
		}
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
	if (!exited) {
		kill(pid, sig);
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 1) {
		/* stopped: the message, the previous file untouched, the checkpointed working copy */
		const char *said = sig == SIGTERM ? "terminated (SIGTERM)" : "interrupted (SIGINT)";
		if (exited || !file_has(err_path, said) || !file_has(err_path, "next run resumes it")) {
			printf("FAIL %s: exit 1 without \"%s ... next run resumes it\" (stderr in %s)\n", what, said, err_path);
			S->failures++;
			return;
		}
		if (over_prev ? !same_file(c1z, prev) : access(c1z, F_OK) == 0) {
			printf("FAIL %s: the stopped run changed the c1z\n", what);
			S->failures++;
			return;
		}
		if (demo_wip_unfinished(c1z, stopped_id, sizeof(stopped_id), &completed, msg, sizeof(msg))) {
			printf("FAIL %s: %s\n", what, msg);
			S->failures++;
			return;
		}
		S->signal_stopped++;
		stopped = true;
		st = run_child(NULL, NULL, 0);
		S->runs++;
		if (st != 0) {
			printf("FAIL %s: the rerun ended with %s (stderr in %s)\n", what, demo_status_str(st), err_path);
			S->failures++;
			return;
		}
		if (demo_latest_finished(c1z, resumed_id, sizeof(resumed_id), msg, sizeof(msg)) ||
		    strcmp(stopped_id, resumed_id) != 0) {
			printf("FAIL %s: the rerun did not resume the stopped sync %s (finished %s)\n", what, stopped_id,
			       resumed_id);
			S->failures++;
			return;
		}
	} else if (st == 0) {
		/* the signal came after the last safe point, or after the end; a sequential sync paused
		 * before its last step has safe points left and must stop */
		if (k && !parallel && k < last_step_hit(t)) {
			printf("FAIL %s: the run finished although the stop came before its last step\n", what);
			S->failures++;
			return;
		}
		S->signal_after_end++;
	} else if (!k && WIFSIGNALED(st) && WTERMSIG(st) == sig) {
		/* a timer signal before the handlers are installed or after they are restored (process
		 * start and exit) has its default effect, a kill: after the file was saved there is
		 * nothing left to do, before it the next run completes the work */
		S->signal_outside++;
		outside = true;
		bool saved = over_prev ? !same_file(c1z, prev) : access(c1z, F_OK) == 0;
		if (!saved) {
			st = run_child(NULL, NULL, 0);
			S->runs++;
			if (st != 0) {
				printf("FAIL %s: the rerun after the kill ended with %s\n", what, demo_status_str(st));
				S->failures++;
				return;
			}
		}
	} else {
		printf("FAIL %s: the run ended with %s (stderr in %s)\n", what, demo_status_str(st), err_path);
		S->failures++;
		return;
	}
	if (!final_state_ok(S, what, want_path))
		return;
	if (outside)
		printf("ok   %s: landed outside the sync (default action, a kill), same content\n", what);
	else if (stopped)
		printf("ok   %s: stopped with %lld actions checkpointed, resumed %s, same content\n", what, completed,
		       stopped_id);
	else
		printf("ok   %s: finished (the signal came after the last safe point), same content\n", what);
}

/* The index in t of the first hit of its n-th distinct site (n taken modulo their number). */
static size_t nth_site_first_hit(const trace *t, size_t n)
{
	size_t distinct = 0, firsts[256];

	for (size_t i = 0; i < t->n && distinct < 256; i++) {
		bool seen = false;
		for (size_t j = 0; j < distinct && !seen; j++)
			seen = strcmp(t->v[i].site, t->v[firsts[j]].site) == 0;
		if (!seen)
			firsts[distinct++] = i;
	}
	return firsts[n % distinct];
}

/* A random hit of the same site as t->v[i]. */
static unsigned long random_hit_of_site(const trace *t, size_t i)
{
	size_t count = 0, pick;

	for (size_t j = 0; j < t->n; j++)
		count += strcmp(t->v[j].site, t->v[i].site) == 0;
	pick = (size_t)(rng() % count);
	for (size_t j = 0; j < t->n; j++)
		if (strcmp(t->v[j].site, t->v[i].site) == 0 && pick-- == 0)
			return t->v[j].n;
	return t->v[i].n;
}

static void count_sites(const trace *t, int *n_sites)
{
	*n_sites = 0;
	for (size_t i = 0; i < t->n; i++) {
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(t->v[i].site, t->v[j].site) == 0;
		*n_sites += !seen;
	}
}

static void test_crash_resume(void **state)
{
	trace fresh, over;
	stats S;
	double t0 = now_s();

	(void)state;
	memset(&S, 0, sizeof(S));
	memset(&over, 0, sizeof(over));
	snprintf(dir, sizeof(dir), "%s/crash-XXXXXX", test_out_dir());
	assert_non_null(mkdtemp(dir));
	snprintf(tmpdir, sizeof(tmpdir), "%s/tmp", dir);
	assert_int_equal(mkdir(tmpdir, 0700), 0);
	snprintf(c1z, sizeof(c1z), "%s/sync.c1z", dir);
	snprintf(prev, sizeof(prev), "%s/prev.c1z", dir);
	snprintf(ref1, sizeof(ref1), "%s/ref1.c1z", dir);
	snprintf(ref2, sizeof(ref2), "%s/ref2.c1z", dir);
	snprintf(err_path, sizeof(err_path), "%s/stderr.txt", dir);
	{
		static char tmp_env[4300];
		snprintf(tmp_env, sizeof(tmp_env), "TMPDIR=%s", tmpdir);
		extra_env[n_extra++] = tmp_env;
		extra_env[n_extra++] = "BATON_CHECKPOINT_INTERVAL_MS=0";
		extra_env[n_extra++] = "BATON_LOG_LEVEL=error";
	}
	reference_run(NULL, ref1, &fresh);
	count_sites(&fresh, &S.sites_seen);
	printf("%s: uninterrupted run: %zu fault-site hits over %d sites, %.2f s\n", bin, fresh.n, S.sites_seen,
	       fresh.seconds);
	if (incremental) {
		copy_file(ref1, prev);
		reference_run(prev, ref2, &over);
		printf("over a previous file: %zu hits, %.2f s\n", over.n, over.seconds);
	}
	for (unsigned long it = 0; it < iterations; it++) {
		unsigned long *pts = calloc(n_points + 2 * 64 + fresh.n, sizeof(*pts));
		size_t np;

		rng_state = seed * 1000003ULL + it;
		assert_non_null(pts);
		np = choose(&fresh, pts, n_points);
		for (size_t i = 0; i < np; i++) {
			bool ov = incremental && i % 3 == 2;
			unsigned long k = pts[i];
			if (ov) /* the same relative position in the incremental run */
				k = over.v[(size_t)((double)(k - 1) / (double)fresh.n * (double)over.n)].n;
			one_point(&S, ov ? &over : &fresh, k, 0, ov);
			S.points++;
		}
		for (size_t i = 0; i < n_timer; i++) {
			bool ov = incremental && i % 2 == 1;
			double ref_s = ov ? over.seconds : fresh.seconds;
			double delay = 0.001 + (double)(rng() % 1000) / 1000.0 * 1.2 * ref_s;
			one_point(&S, ov ? &over : &fresh, 0, delay, ov);
			S.timer_points++;
		}
		size_t n_paused = (n_signal + 1) / 2;
		for (size_t i = 0; i < n_signal; i++) {
			bool ov = incremental && i % 4 >= 2;
			const trace *t = ov ? &over : &fresh;
			int sig = i % 4 == 0 || i % 4 == 3 ? SIGTERM : SIGINT;
			if (i % 2 == 0) {
				/* the paused points spread over the sites in their trace order (every phase) */
				size_t nth = (i / 2) * (size_t)S.sites_seen / n_paused + it;
				size_t at = nth_site_first_hit(t, nth);
				signal_point(&S, t, random_hit_of_site(t, at), 0, sig, ov);
			} else {
				double delay = 0.001 + (double)(rng() % 1000) / 1000.0 * 1.1 * t->seconds;
				signal_point(&S, t, 0, delay, sig, ov);
			}
		}
		free(pts);
	}
	printf("%s: %d site kills (%d killed), %d timer kills (%d landed before the end), %d second kills, "
	       "%d after the rename; %d SIGTERM/SIGINT (%d stopped and resumed, %d after the last safe point, "
	       "%d outside the sync); %d runs; %d failures; %.1f s\n", bin, S.points, S.killed, S.timer_points,
	       S.timer_killed, S.second_kills, S.after_rename, S.signal_points, S.signal_stopped, S.signal_after_end,
	       S.signal_outside, S.runs,
	       S.failures, now_s() - t0);
	printf("CRASH-FIGURES kills=%d sites=%d stops=%d failures=%d\n", S.killed + S.timer_killed + S.second_kills,
	       S.sites_seen, S.signal_stopped, S.failures);
	free(fresh.v);
	free(over.v);
	if (S.failures == 0)
		rm_rf(dir);
	assert_int_equal(S.failures, 0);
	assert_true(S.killed >= 20 || (size_t)S.killed >= n_points);
	/* the paused half of the signal points lands before the end of the sync unless the site
	 * is one of the last ones: some must have stopped a sync */
	assert_true(n_signal < 4 || S.signal_stopped > 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crash_resume),
	};

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--bin") && v) {
			bin = v;
			i++;
		} else if (!strcmp(a, "--points") && v) {
			n_points = strtoul(v, NULL, 10);
			i++;
		} else if (!strcmp(a, "--timer-points") && v) {
			n_timer = strtoul(v, NULL, 10);
			i++;
		} else if (!strcmp(a, "--signal-points") && v) {
			n_signal = strtoul(v, NULL, 10);
			i++;
		} else if (!strcmp(a, "--iterations") && v) {
			iterations = strtoul(v, NULL, 10);
			i++;
		} else if (!strcmp(a, "--seed") && v) {
			seed = strtoul(v, NULL, 10);
			i++;
		} else if (!strcmp(a, "--env") && v && n_extra < MAX_ENV - 4) {
			extra_env[n_extra++] = v;
			if (!strncmp(v, "BATON_WORKERS=", 14) && strcmp(v + 14, "0") != 0)
				parallel = true;
			i++;
		} else if (!strcmp(a, "--incremental")) {
			incremental = true;
		} else {
			fprintf(stderr, "usage: %s --bin PATH [--points N] [--timer-points N] [--signal-points N] "
			        "[--iterations N] [--seed S] [--incremental] [--env NAME=value]...\n", argv[0]);
			return 2;
		}
	}
	if (!bin) {
		fprintf(stderr, "%s: --bin is required\n", argv[0]);
		return 2;
	}
	if (getenv("BATON_CRASH_SEED"))
		seed = strtoul(getenv("BATON_CRASH_SEED"), NULL, 10);
	setvbuf(stdout, NULL, _IOLBF, 0);
	setenv("BATON_LOG_LEVEL", "error", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
