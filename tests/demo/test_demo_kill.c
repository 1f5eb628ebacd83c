/*
 * The kill test: a sync interrupted at any point and then run again ends with the same file
 * content as a sync that was never interrupted.
 *
 *   test_demo_kill path/to/baton-demo [points]
 *
 * 1. An uninterrupted run with BATON_DEMO_TRACE=1 records every callback invocation (n, function).
 * 2. Points are chosen among 1..N: the first and last invocation of every callback function (the
 *    phase boundaries: describe, init, validate, each type's listing, static entitlements, each
 *    type's entitlements and grants, close), then evenly spaced points until there are `points`
 *    of them (argv[2], or BATON_DEMO_KILL_POINTS; an even sample of the boundaries if fewer).
 * 3. For each point k, twice:
 *    - SIGKILL: a fresh run with BATON_DEMO_KILL_AFTER=k must die of SIGKILL;
 *    - failure: a fresh run with BATON_DEMO_FAIL_AFTER=k must exit non-zero (the k-th callback
 *      returns Internal, which the SDK does not retry; the working copy keeps the unfinished
 *      sync and its last checkpoint, so the next run resumes it). Close cannot fail and is
 *      skipped.
 *    Every fourth point also interrupts the next run once more (early in it). Then runs without
 *    hooks until a sync is finished (at most 3). An interruption after the sync ended (SIGKILL in
 *    close) leaves a finished file, which is compared as it is.
 * 4. The final file must have the same rows as the uninterrupted run's, compared as sets of
 *    (table, external id, data bytes) for resource types, resources, entitlements and grants,
 *    and the same number of finished (and unfinished) syncs.
 *
 * 5. Resumption: the SDK works in a resumable working copy next to the file ("<c1z>.wip/") and
 *    commits every checkpoint there (BATON_CHECKPOINT_INTERVAL_MS=0 here: at every loop
 *    iteration), so an interrupted run that had started its sync (SIGKILL or failure alike) must
 *    be resumed: the final file holds exactly one finished sync, whose id is the one the
 *    interrupted run left unfinished in the working copy, and the completing run calls the
 *    connector fewer times than an uninterrupted run (BATON_DEMO_COUNT_CALLS=1) at most points
 *    (a batch is redone from its last checkpoint, so a point late in a long batch can save
 *    little). A failed run leaves the c1z as it was (no file here) and keeps the working copy.
 *    After every point, neither a working copy nor anything in TMPDIR may be left.
 *
 * What it cannot reach: the connector's callbacks are the only hooks, and grant expansion calls
 * none, so expansion is covered only from its two ends (the last grants call before it, close
 * after it); a stop between the end of the sync and the save is covered by test_sync_syncer.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "demo_testutil.h"
#include "baton/store.h"

static const char *demo_bin;
static size_t n_points = 24;

typedef struct call {
	unsigned long n;
	char name[64];
} call;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void rm_rf(const char *dir);

static void rm_c1z(const char *path)
{
	char p[4200];

	unlink(path);
	snprintf(p, sizeof(p), "%s.tmp", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s.wip", path);
	if (access(p, F_OK) == 0)
		rm_rf(p);
}

static bool wip_exists(const char *path)
{
	char p[4200];

	snprintf(p, sizeof(p), "%s.wip", path);
	return access(p, F_OK) == 0;
}

/*
 * The unfinished sync an interrupted run left in the working copy (id[0] = 0 when there is no
 * working copy or no unfinished sync in it). The copy is opened as the SDK opens it and kept.
 */
static void wip_unfinished(const char *path, char id[28])
{
	baton_store_options o = BATON_STORE_OPTIONS_INIT;
	baton_store *s;
	baton_ctx *ctx;
	baton_sync_run run;

	id[0] = '\0';
	if (!wip_exists(path))
		return;
	o.resumable_work_dir = true;
	if (baton_store_open(path, &o, &s) != 0)
		fail_msg("opening the working copy of %s: %s", path, baton_error_last()->message);
	assert_true(baton_store_resumed(s));
	assert_int_equal(baton_ctx_new(&ctx), 0);
	if (baton_store_sync_latest_unfinished(s, BATON_SYNC_TYPE_FULL, ctx, &run) == 0)
		snprintf(id, 28, "%s", run.id);
	baton_ctx_free(ctx);
	if (baton_store_suspend(s) != 0)
		fail_msg("keeping the working copy of %s: %s", path, baton_error_last()->message);
	assert_true(wip_exists(path));
}

/* The id of the latest finished sync in the file. */
static void file_finished_id(const char *path, char id[28])
{
	baton_store_options o = BATON_STORE_OPTIONS_INIT;
	baton_store *s;
	baton_ctx *ctx;
	baton_sync_run run;

	o.read_only = true;
	id[0] = '\0';
	if (baton_store_open(path, &o, &s) != 0)
		fail_msg("opening %s: %s", path, baton_error_last()->message);
	assert_int_equal(baton_ctx_new(&ctx), 0);
	if (baton_store_sync_latest_finished(s, BATON_SYNC_TYPE_FULL, ctx, &run) == 0)
		snprintf(id, 28, "%s", run.id);
	baton_ctx_free(ctx);
	baton_store_discard(s);
}

/* The callbacks=N line a run printed (0 when it printed none, e.g. when killed). */
static unsigned long calls_printed(const char *err_path)
{
	FILE *f = fopen(err_path, "r");
	char line[512];
	unsigned long n = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		sscanf(line, "baton-demo: callbacks=%lu", &n);
	fclose(f);
	return n;
}

/* Reads the trace of a run: the calls and the total printed at exit. */
static call *read_trace(const char *path, size_t *n_calls, unsigned long *total)
{
	FILE *f = fopen(path, "r");
	char line[512];
	call *calls = NULL;
	size_t cap = 0;

	assert_non_null(f);
	*n_calls = 0;
	*total = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		call c;
		if (sscanf(line, "baton-demo: call %lu %63s", &c.n, c.name) == 2) {
			if (*n_calls == cap) {
				cap = cap ? cap * 2 : 256;
				calls = realloc(calls, cap * sizeof(*calls));
				assert_non_null(calls);
			}
			calls[(*n_calls)++] = c;
		} else {
			sscanf(line, "baton-demo: callbacks=%lu", total);
		}
	}
	fclose(f);
	return calls;
}

static int cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;
	return x < y ? -1 : x > y;
}

static bool contains(const unsigned long *a, size_t n, unsigned long v)
{
	for (size_t i = 0; i < n; i++) {
		if (a[i] == v)
			return true;
	}
	return false;
}

/*
 * Sorted, distinct kill points (see the top of the file): every phase boundary first (an even
 * sample of them when there are more than `want`), then evenly spaced points up to `want`.
 */
static size_t choose_points(const call *calls, size_t n_calls, unsigned long total, unsigned long *out,
                            size_t want)
{
	unsigned long *bound = calloc(n_calls * 2 + 2, sizeof(*bound));
	size_t nb = 0, n = 0, i, j, m;

	assert_non_null(bound);
	for (i = 0; i < n_calls; i++) {
		bool first = true, last = true;
		for (j = 0; j < n_calls; j++) {
			if (strcmp(calls[i].name, calls[j].name) == 0) {
				first &= calls[j].n >= calls[i].n;
				last &= calls[j].n <= calls[i].n;
			}
		}
		if ((first || last) && !contains(bound, nb, calls[i].n))
			bound[nb++] = calls[i].n;
	}
	qsort(bound, nb, sizeof(*bound), cmp_ulong);
	if (nb >= want) {
		for (i = 0; i < want; i++) {
			unsigned long v = bound[(size_t)((double)(nb - 1) * (double)i / (double)(want - 1))];
			if (!contains(out, n, v))
				out[n++] = v;
		}
	} else {
		memcpy(out, bound, nb * sizeof(*out));
		n = nb;
		/* finer and finer even grids over 1..total until there are enough points */
		for (m = 2; n < want && n < total && m <= 4 * total; m *= 2) {
			for (i = 0; i < m && n < want; i++) {
				unsigned long v = 1 + (unsigned long)((double)(total - 1) * (double)i / (double)(m - 1));
				if (!contains(out, n, v))
					out[n++] = v;
			}
		}
	}
	free(bound);
	qsort(out, n, sizeof(*out), cmp_ulong);
	return n;
}

static const char *name_of(const call *calls, size_t n_calls, unsigned long k)
{
	size_t i;

	for (i = 0; i < n_calls; i++) {
		if (calls[i].n == k)
			return calls[i].name;
	}
	return "?";
}

/* The syncs in the file at path (all zero when there is no file). */
static void file_syncs(const char *path, int64_t *finished, int64_t *unfinished)
{
	demo_content c;

	*finished = *unfinished = 0;
	if (access(path, F_OK) != 0)
		return;
	demo_content_read(path, &c);
	*finished = c.syncs_finished;
	*unfinished = c.syncs_unfinished;
	demo_content_free(&c);
}

/* Working copies left in TMPDIR (a killed process cannot remove its own). */
static size_t count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

static void rm_rf(const char *dir)
{
	char cmd[4400];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

typedef struct harness {
	const char *c1z, *err, *tmp;
	const char **env;       /* the size variables, then room for the hooks */
	size_t n_env;
	const call *calls;
	size_t n_calls;
	unsigned long total;
	const demo_content *want;
	int failures;
	int after_end, resumed, fresh, double_hits;
	int eligible;               /* resumed points with one interruption */
	int fewer_calls;            /* of those, the ones whose completing run called less than `total` */
	unsigned long calls_saved;  /* total - calls of the completing run, summed over those */
} harness;

typedef enum mode { MODE_KILL, MODE_FAIL } mode;

/*
 * One point: a fresh run interrupted at invocation k (SIGKILL, or a failing callback), optionally
 * a second interruption at k2 of the next run, then runs without hooks until a sync is finished;
 * the content must equal the uninterrupted run's.
 */
static void run_point(harness *h, mode md, unsigned long k, unsigned long k2)
{
	const char *var = md == MODE_KILL ? "BATON_DEMO_KILL_AFTER" : "BATON_DEMO_FAIL_AFTER";
	char hook[64], hook2[64], msg[2048], how[160], started[28], finished[28];
	int64_t fin, unfin;
	demo_content got;
	int status, tries = 0;
	unsigned long calls = 0;

	rm_c1z(h->c1z);
	snprintf(hook, sizeof(hook), "%s=%lu", var, k);
	h->env[h->n_env] = hook;
	h->env[h->n_env + 1] = NULL;
	status = demo_run(demo_bin, h->c1z, h->env, h->err);
	if (md == MODE_KILL ? !(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
	                    : !(WIFEXITED(status) && WEXITSTATUS(status) != 0)) {
		printf("%s %lu (%s): the run ended with %s\n", var, k, name_of(h->calls, h->n_calls, k),
		       demo_status_str(status));
		h->failures++;
		return;
	}
	file_syncs(h->c1z, &fin, &unfin);
	started[0] = '\0';
	if (fin > 0) {
		snprintf(how, sizeof(how), "interrupted after the sync ended");
		h->after_end++;
		if (wip_exists(h->c1z)) {
			printf("%s %lu: a working copy is left next to a finished file\n", var, k);
			h->failures++;
		}
	} else {
		if (unfin > 0) {
			/* the c1z is only ever written with a finished sync */
			printf("%s %lu: the interrupted run wrote an unfinished sync into the file\n", var, k);
			h->failures++;
		}
		wip_unfinished(h->c1z, started);
		snprintf(how, sizeof(how), "%s", started[0] ? "resumed its sync" : "started over");
		if (started[0])
			h->resumed++;
		else
			h->fresh++;
		if (k2 != 0) {
			snprintf(hook2, sizeof(hook2), "%s=%lu", var, k2);
			h->env[h->n_env] = hook2;
			status = demo_run(demo_bin, h->c1z, h->env, h->err);
			if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
				h->double_hits++;
				snprintf(how + strlen(how), sizeof(how) - strlen(how), ", hit again at %lu", k2);
			}
		}
		h->env[h->n_env] = "BATON_DEMO_COUNT_CALLS=1";
		h->env[h->n_env + 1] = NULL;
		status = -1;
		while (tries < 3 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
			file_syncs(h->c1z, &fin, &unfin);
			if (fin > 0)
				break;
			status = demo_run(demo_bin, h->c1z, h->env, h->err);
			calls = calls_printed(h->err);
			tries++;
		}
		h->env[h->n_env] = NULL;
		file_syncs(h->c1z, &fin, &unfin);
		if (fin == 0) {
			printf("%s %lu (%s): no finished sync after %d reruns (last %s; stderr in %s)\n", var,
			       k, name_of(h->calls, h->n_calls, k), tries, demo_status_str(status), h->err);
			h->failures++;
			return;
		}
		file_finished_id(h->c1z, finished);
		if (started[0] && strcmp(started, finished) != 0) {
			printf("%s %lu (%s): the interrupted run's sync %s was not resumed (finished: %s)\n",
			       var, k, name_of(h->calls, h->n_calls, k), started, finished);
			h->failures++;
		}
		if (started[0] && k2 == 0) {
			h->eligible++;
			snprintf(how + strlen(how), sizeof(how) - strlen(how), " (%lu calls)", calls);
			if (calls < h->total) {
				h->fewer_calls++;
				h->calls_saved += h->total - calls;
			}
		}
	}
	if (wip_exists(h->c1z) || count_entries(h->tmp) != 0) {
		printf("%s %lu: a working copy or temporary files were left behind\n", var, k);
		h->failures++;
	}
	demo_content_read(h->c1z, &got);
	if (demo_content_compare(h->want, &got, msg, sizeof(msg)) != 0) {
		printf("%s %4lu/%lu %-28s %s: CONTENT DIFFERS: %s\n", md == MODE_KILL ? "kill" : "fail", k,
		       h->total, name_of(h->calls, h->n_calls, k), how, msg);
		h->failures++;
	} else {
		printf("%s %4lu/%lu %-28s %s, same content\n", md == MODE_KILL ? "kill" : "fail", k,
		       h->total, name_of(h->calls, h->n_calls, k), how);
	}
	demo_content_free(&got);
}

static void test_kill_and_resume(void **state)
{
	const char *out = test_out_dir();
	char ref[4096], c1z[4096], err[4200], tmp_tpl[4096], tmp_env[4200];
	demo_params p;
	const char *const *penv;
	const char *env[16];
	size_t n_env = 0, n_calls, n_kill, i, leftovers;
	unsigned long total, *points;
	char *tmp;
	call *calls;
	demo_content want;
	harness h;
	double t0 = now_s(), t_ref;
	int status, kill_resumed, kill_fresh, kill_eligible, kill_fewer;

	(void)state;
	/* a company big enough for several pages everywhere and a deep expansion */
	demo_params_default(&p);
	p.users = 120;
	p.groups = 16;
	p.roles = 6;
	p.workspaces = 4;
	p.projects = 12;
	p.page_size = 10;
	p.seed = 11;
	penv = demo_param_env(&p);
	for (i = 0; penv[i] != NULL; i++)
		env[n_env++] = penv[i];
	/* the working copies go to a private TMPDIR, so what killed runs leave behind is counted */
	snprintf(tmp_tpl, sizeof(tmp_tpl), "%s/demo-kill-tmp-XXXXXX", out);
	tmp = mkdtemp(tmp_tpl);
	assert_non_null(tmp);
	snprintf(tmp_env, sizeof(tmp_env), "TMPDIR=%s", tmp);
	env[n_env++] = tmp_env;
	/* a checkpoint at every loop iteration: a resumed run redoes at most one batch */
	env[n_env++] = "BATON_CHECKPOINT_INTERVAL_MS=0";

	snprintf(ref, sizeof(ref), "%s/demo-kill-ref-%ld.c1z", out, (long)getpid());
	snprintf(c1z, sizeof(c1z), "%s/demo-kill-%ld.c1z", out, (long)getpid());
	snprintf(err, sizeof(err), "%s.stderr", c1z);

	/* 1. the uninterrupted run */
	rm_c1z(ref);
	env[n_env] = "BATON_DEMO_COUNT_CALLS=1";
	env[n_env + 1] = "BATON_DEMO_TRACE=1";
	env[n_env + 2] = NULL;
	status = demo_run(demo_bin, ref, env, err);
	if (status != 0)
		fail_msg("uninterrupted run: %s (stderr in %s)", demo_status_str(status), err);
	t_ref = now_s() - t0;
	calls = read_trace(err, &n_calls, &total);
	assert_true(total > 0);
	assert_int_equal(n_calls, total);
	demo_content_read(ref, &want);
	assert_int_equal(want.syncs_finished, 1);
	assert_int_equal(count_entries(tmp), 0);
	printf("uninterrupted run: %lu callback invocations, %zu rows, %.2f s\n", total, want.n_rows, t_ref);

	/* 2. the points */
	points = calloc(n_points + 1, sizeof(*points));
	assert_non_null(points);
	n_kill = choose_points(calls, n_calls, total, points, n_points);

	/* 3. SIGKILL at every point; then a failing callback at every point (close cannot fail) */
	memset(&h, 0, sizeof(h));
	h.c1z = c1z;
	h.err = err;
	h.tmp = tmp;
	h.env = env;
	h.n_env = n_env;
	h.calls = calls;
	h.n_calls = n_calls;
	h.total = total;
	h.want = &want;
	for (i = 0; i < n_kill; i++)
		/* every fourth point also interrupts the next run, early in it */
		run_point(&h, MODE_KILL, points[i], (i % 4 == 2) ? 1 + (unsigned long)i % 7 * 3 : 0);
	leftovers = count_entries(tmp);
	printf("SIGKILL: %zu points (%d resumed, %d started over, %d after the end, %d hit twice); "
	       "%d of %d resumed once called the connector less than an uninterrupted run (%lu calls "
	       "saved, %lu per point on average); %zu entries left in TMPDIR\n", n_kill, h.resumed,
	       h.fresh, h.after_end, h.double_hits, h.fewer_calls, h.eligible, h.calls_saved,
	       h.fewer_calls ? h.calls_saved / (unsigned long)h.fewer_calls : 0, leftovers);
	kill_resumed = h.resumed;
	kill_fresh = h.fresh;
	kill_eligible = h.eligible;
	kill_fewer = h.fewer_calls;
	{
		int kill_failures = h.failures;
		h.resumed = h.fresh = h.after_end = h.double_hits = 0;
		h.eligible = h.fewer_calls = 0;
		h.calls_saved = 0;
		for (i = 0; i < n_kill; i++) {
			if (strcmp(name_of(calls, n_calls, points[i]), "demo_close") == 0)
				continue;
			run_point(&h, MODE_FAIL, points[i], (i % 4 == 2) ? 1 + (unsigned long)i % 7 * 3 : 0);
		}
		printf("failing callback: %d resumed, %d started over, %d hit twice; %d of %d resumed once "
		       "called less (%lu calls saved); %d failures (%d with SIGKILL)\n", h.resumed, h.fresh,
		       h.double_hits, h.fewer_calls, h.eligible, h.calls_saved, h.failures, kill_failures);
	}
	leftovers = count_entries(tmp);
	printf("%.1f s in all\n", now_s() - t0);
	rm_c1z(c1z);
	rm_c1z(ref);
	unlink(err);
	rm_rf(tmp);
	free(points);
	free(calls);
	demo_content_free(&want);
	assert_int_equal(h.failures, 0);
	assert_int_equal(leftovers, 0);
	assert_true(n_kill >= (n_points < 20 ? n_points : 20));
	/* most kills land after the sync started, and resuming saves calls at most of them */
	assert_true(kill_resumed > kill_fresh);
	assert_true(kill_fewer * 2 > kill_eligible);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kill_and_resume),
	};
	const char *env_points = getenv("BATON_DEMO_KILL_POINTS");

	if (argc < 2) {
		fprintf(stderr, "usage: %s path/to/baton-demo [points]\n", argv[0]);
		return 2;
	}
	demo_bin = argv[1];
	if (argc > 2)
		n_points = strtoul(argv[2], NULL, 10);
	if (env_points != NULL && *env_points != '\0')
		n_points = strtoul(env_points, NULL, 10);
	if (n_points < 2)
		n_points = 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* this process opens working copies too: no "resuming ..." records among the results */
	setenv("BATON_LOG_LEVEL", "warn", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
