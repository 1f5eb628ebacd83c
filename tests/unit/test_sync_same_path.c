/*
 * Two syncs of the same c1z path at once. The working copy's lock ("<c1z>.wip/lock", see
 * src/store/wip.c) lets one through; every other sync of that path, whether started by another
 * thread, from inside the running sync's own callback, or by another process, fails at once with
 * BATON_EUNAVAILABLE and says the working copy is in use. The refused sync touches nothing: the
 * c1z keeps its bytes, the running sync keeps its working copy, and it then finishes with every
 * row, saved into the same file.
 *
 * With the working copies in a temp dir (baton_sync_options.tmp_dir), the lock is the same for
 * every name of the file ("./", "..", a link to its directory): a sync of it by another name is
 * refused too, and resumes the working copy an interrupted run left.
 *
 * The running sync is held in its first users page (a gate) while the others are tried, so
 * nothing here depends on how fast a sync runs.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "sync_testutil.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "core/hash.h"
#include "sync/pool.h"

/* ---- the gate: the first users page of a gated sync waits there until released ---- */

typedef struct gate {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	atomic_int armed;   /* the next first page stops at the gate (once) */
	int entered;        /* a sync is held at the gate */
	int released;
	/* set: the held sync calls this instead of waiting (a sync started from inside a sync) */
	void (*inside)(void);
	/* the fork test: the held child says so on entered_fd and waits for a byte on release_fd */
	int entered_fd, release_fd;
} gate;

static gate G = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, NULL, -1, -1};

static void gate_reset(void)
{
	pthread_mutex_lock(&G.mu);
	atomic_store(&G.armed, 1);
	G.entered = G.released = 0;
	G.inside = NULL;
	G.entered_fd = G.release_fd = -1;
	pthread_mutex_unlock(&G.mu);
}

static struct timespec deadline_in(int seconds)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_sec += seconds * test_time_scale();
	return t;
}

/* Waits (bounded: a stuck sync fails the test instead of hanging it) until a sync is held. */
static void gate_wait_entered(void)
{
	struct timespec until = deadline_in(60);
	pthread_mutex_lock(&G.mu);
	int rc = 0;
	while (!G.entered && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&G.cv, &G.mu, &until);
	int entered = G.entered;
	pthread_mutex_unlock(&G.mu);
	if (!entered)
		fail_msg("no sync reached the gate within 60 s");
}

static void gate_release(void)
{
	pthread_mutex_lock(&G.mu);
	G.released = 1;
	pthread_cond_broadcast(&G.cv);
	pthread_mutex_unlock(&G.mu);
}

/* Runs in the held sync: returns 0 once released, -1 when nobody released it in time. */
static int gate_hold(void)
{
	if (G.entered_fd >= 0) { /* a child process: the parent talks through pipes */
		char c = 'e';
		if (write(G.entered_fd, &c, 1) != 1)
			return -1;
		return read(G.release_fd, &c, 1) == 1 ? 0 : -1;
	}
	if (G.inside) {
		G.inside();
		return 0;
	}
	struct timespec until = deadline_in(60);
	pthread_mutex_lock(&G.mu);
	G.entered = 1;
	pthread_cond_broadcast(&G.cv);
	int rc = 0;
	while (!G.released && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&G.cv, &G.mu, &until);
	int released = G.released;
	pthread_mutex_unlock(&G.mu);
	return released ? 0 : -1;
}

static int gated_list_users(baton_ctx *ctx, const baton_resource_id *parent)
{
	if (page_index(ctx) == 0 && atomic_exchange(&G.armed, 0) && gate_hold() != 0)
		return baton_error_set(BATON_EDEADLINE, "the gate was never opened");
	return list_users(ctx, parent);
}

static const baton_resource_syncer gated_user = {
	.version = BATON_RESOURCE_SYNCER_VERSION, .name = "User", .traits = user_traits, .n_traits = 1,
	.describe = describe_user, .list = gated_list_users, .get = get_any,
};
static const baton_resource_syncer *const gated_types[] = {&gated_user, &fake_group, &fake_project, &fake_repo,
                                                           &fake_role};
static const baton_connector gated_connector = {
	.version = BATON_CONNECTOR_VERSION, .display_name = "Fake", .resource_types = gated_types, .n_resource_types = 5,
};

/* ---- files ---- */

static char *with_suffix(const char *path, const char *suffix)
{
	size_t n = strlen(path) + strlen(suffix) + 1;
	char *p = malloc(n);
	snprintf(p, n, "%s%s", path, suffix);
	return p;
}

static bool exists(const char *path, const char *suffix)
{
	char *p = with_suffix(path, suffix);
	bool yes = access(p, F_OK) == 0;
	free(p);
	return yes;
}

/* The whole file, or NULL when it does not exist. */
static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		*len = 0;
		return NULL;
	}
	size_t cap = 1 << 16, n = 0;
	unsigned char *buf = malloc(cap);
	size_t got;
	while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap)
			buf = realloc(buf, cap *= 2);
	}
	fclose(f);
	*len = n;
	return buf;
}

static void assert_same_bytes(const char *path, const unsigned char *want, size_t want_len)
{
	size_t len;
	unsigned char *now = slurp(path, &len);
	if (!want) {
		assert_null(now);
		return;
	}
	assert_non_null(now);
	assert_int_equal(len, want_len);
	assert_memory_equal(now, want, len);
	free(now);
}

/* The refusal every second sync of a path gets. */
static void assert_refused(int rc, const char *err)
{
	if (rc != BATON_EUNAVAILABLE || !strstr(err, "is in use by another process"))
		fail_msg("second sync of the path: rc %d (%s), expected BATON_EUNAVAILABLE \"in use\"", rc, err);
}

/* The finished syncs of the file, oldest first; checks each ended. */
static size_t finished_syncs(const char *path, char ids[][28], size_t max)
{
	baton_store *s;
	baton_store_options ro = BATON_STORE_OPTIONS_INIT;
	ro.read_only = true;
	CHECK(baton_store_open(path, &ro, &s));
	baton_ctx *ctx;
	CHECK(baton_ctx_new(&ctx));
	baton_sync_run *runs;
	size_t n;
	CHECK(baton_store_sync_list(s, ctx, &runs, &n));
	assert_true(n <= max);
	for (size_t i = 0; i < n; i++) {
		assert_non_null(runs[i].ended_at);
		snprintf(ids[i], 28, "%s", runs[i].id);
	}
	baton_ctx_free(ctx);
	baton_store_discard(s);
	return n;
}

/* A complete sync of the fake company in the file: every resource, entitlement and grant (and,
 * unless it was resumed, counted in its summary). */
static void assert_complete(const char *path, const baton_sync_summary *sum)
{
	char *res = rows_of(path, sum->sync_id, "resources");
	assert_int_equal(count_lines(res), 5 + 3 + 6 + 6 + 2);
	assert_non_null(strstr(res, "u4\n"));
	char *ents = rows_of(path, sum->sync_id, "entitlements");
	assert_int_equal(count_lines(ents), 3 + 6 + 2);
	char *grants = rows_of(path, sum->sync_id, "grants");
	assert_int_equal(count_lines(grants), 3 * 2);
	if (!sum->resumed) {
		assert_int_equal(sum->resources, 5 + 3 + 6 + 6 + 2);
		assert_int_equal(sum->grants, 3 * 2);
	}
	free(res);
	free(ents);
	free(grants);
}

/* ---- a sync on a thread ---- */

typedef struct job {
	const baton_connector *conn;
	const char *path;
	const char *tmp_dir;      /* baton_sync_options.tmp_dir: where the working copy goes */
	int rc;
	baton_sync_summary sum;
	char err[512];
} job;

static job new_job(const baton_connector *conn, const char *path)
{
	job j;
	memset(&j, 0, sizeof(j));
	j.conn = conn;
	j.path = path;
	j.rc = -1;
	return j;
}

static void run_job(job *j)
{
	baton_sync_options o = BATON_SYNC_OPTIONS_INIT;
	o.c1z_path = j->path;
	o.tmp_dir = j->tmp_dir;
	j->rc = baton_sync(j->conn, &o, &j->sum);
	snprintf(j->err, sizeof(j->err), "%s", j->rc ? baton_error_last()->message : "");
}

static void *job_main(void *arg)
{
	run_job(arg);
	return NULL;
}

/* Starts a (gated) sync on a thread and waits until it is held in its first page. */
static void start_held(job *a, pthread_t *t)
{
	gate_reset();
	assert_int_equal(pthread_create(t, NULL, job_main, a), 0);
	gate_wait_entered();
}

/* Releases the held sync, waits for it and checks it saved every row. */
static void finish_held(job *a, pthread_t t)
{
	gate_release();
	assert_int_equal(pthread_join(t, NULL), 0);
	if (a->rc)
		fail_msg("held sync: rc %d (%s)", a->rc, a->err);
	assert_complete(a->path, &a->sum);
}

/* The directory of a path (malloc'd). */
static char *dir_of(const char *path)
{
	char *dir = strdup(path);
	*strrchr(dir, '/') = '\0';
	return dir;
}

/* A previous, finished sync in the file; returns its bytes. */
static unsigned char *previous_sync(const char *path, size_t *len, baton_sync_summary *sum)
{
	job j = new_job(&fake_connector, path);
	run_job(&j);
	if (j.rc)
		fail_msg("first sync: %d %s", j.rc, j.err);
	*sum = j.sum;
	unsigned char *b = slurp(path, len);
	assert_non_null(b);
	return b;
}

/*
 * Thread A's sync is held in its first page; the main thread starts a sync of the same path:
 * refused, the file and A's working copy untouched. A then finishes, saves every row into the
 * file after the previous sync, and the path is free again.
 */
static void test_second_thread_refused(void **state)
{
	(void)state;
	reset_all();
	char *path = tmp_c1z("samethr");
	size_t len;
	baton_sync_summary prev;
	unsigned char *before = previous_sync(path, &len, &prev);

	job a = new_job(&gated_connector, path);
	pthread_t t;
	start_held(&a, &t);
	assert_true(exists(path, ".wip/marker"));
	int calls = K.list_calls;

	job b = new_job(&fake_connector, path);
	run_job(&b);
	assert_refused(b.rc, b.err);
	assert_int_equal(K.list_calls, calls); /* refused before asking the connector anything */
	assert_same_bytes(path, before, len);
	assert_true(exists(path, ".wip/marker"));
	assert_true(exists(path, ".wip/db"));
	/* and again, to show a refusal leaves the lock as it found it */
	run_job(&b);
	assert_refused(b.rc, b.err);

	finish_held(&a, t);
	assert_false(a.sum.resumed);
	char ids[4][28];
	assert_int_equal(finished_syncs(path, ids, 4), 2);
	assert_string_equal(ids[0], prev.sync_id);
	assert_string_equal(ids[1], a.sum.sync_id);
	assert_false(exists(path, ".wip"));
	assert_false(exists(path, ".tmp"));

	/* free again: the refused sync, run now, works */
	run_job(&b);
	if (b.rc)
		fail_msg("sync after the first finished: rc %d (%s)", b.rc, b.err);
	assert_complete(path, &b.sum);
	free(before);
	free(path);
}

/*
 * With the working copies in a temp dir (baton_sync_options.tmp_dir, --c1z-temp-dir), the c1z
 * named another way (through "./", "..", a symbolic link to its directory, relative or
 * absolute) is still the same file: its sync is refused the same way, and the held sync's result
 * is saved (a second working copy would have let both run, and the one saving last fail).
 */
static void test_other_spelling_refused(void **state)
{
	(void)state;
	reset_all();
	char *path = tmp_c1z("samespell");
	char *dir = dir_of(path);
	char *tmp = with_suffix(dir, "/tmp");
	assert_int_equal(mkdir(tmp, 0700), 0);
	char *link = with_suffix(dir, "/link");
	assert_int_equal(symlink(".", link), 0);
	char cwd[4096];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	const char *base = strrchr(dir, '/') + 1;
	char dotted[4200], up[4200], linked[4200], relative[4200];
	snprintf(dotted, sizeof(dotted), "%s/./sync.c1z", dir);
	snprintf(up, sizeof(up), "%s/../%s/sync.c1z", dir, base);
	snprintf(linked, sizeof(linked), "%s/link/sync.c1z", dir);
	snprintf(relative, sizeof(relative), "sync.c1z");

	job a = new_job(&gated_connector, path);
	a.tmp_dir = tmp;
	pthread_t t;
	start_held(&a, &t);
	const char *others[] = {dotted, up, linked, relative};
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		if (others[i] == relative)
			assert_int_equal(chdir(dir), 0);
		job b = new_job(&fake_connector, others[i]);
		b.tmp_dir = tmp;
		run_job(&b);
		if (others[i] == relative)
			assert_int_equal(chdir(cwd), 0);
		if (b.rc != BATON_EUNAVAILABLE)
			fail_msg("sync of %s while %s is synced: rc %d (%s), expected BATON_EUNAVAILABLE", others[i],
			         path, b.rc, b.err);
		assert_false(exists(path, ""));
	}
	finish_held(&a, t);
	char ids[4][28];
	assert_int_equal(finished_syncs(path, ids, 4), 1);
	unlink(link);
	rmdir(tmp);
	free(link);
	free(tmp);
	free(dir);
	free(path);
}

/*
 * The working copy in a temp dir keeps the name it had for a resolved path (the hash of the
 * absolute path), so one left by an earlier version is still found; and a run that names the
 * file another way resumes it.
 */
static void test_other_spelling_resumes(void **state)
{
	(void)state;
	reset_all();
	char *given = tmp_c1z("samewip");
	char *dir = dir_of(given);
	char *real = realpath(dir, NULL);
	assert_non_null(real);
	char path[4200], tmp[4200], dotted[4200], wip[4300];
	snprintf(path, sizeof(path), "%s/sync.c1z", real);
	snprintf(tmp, sizeof(tmp), "%s/tmp", real);
	snprintf(dotted, sizeof(dotted), "%s/./tmp/../sync.c1z", real);
	assert_int_equal(mkdir(tmp, 0700), 0);
	snprintf(wip, sizeof(wip), "%s/sync.c1z.%016" PRIx64 ".wip", tmp,
	         baton__fnv1a64(BATON__FNV1A64_BASIS, path, strlen(path)));

	setenv("BATON_CHECKPOINT_INTERVAL_MS", "0", 1); /* a checkpoint at every opportunity */
	K.fail_grants_after = 2;
	job a = new_job(&fake_connector, path);
	a.tmp_dir = tmp;
	run_job(&a);
	assert_int_equal(a.rc, BATON_EINTERNAL);
	assert_int_equal(access(wip, F_OK), 0);

	K.fail_grants_after = 0;
	int calls = K.list_calls;
	job b = new_job(&fake_connector, dotted);
	b.tmp_dir = tmp;
	run_job(&b);
	unsetenv("BATON_CHECKPOINT_INTERVAL_MS");
	if (b.rc)
		fail_msg("resumed sync: rc %d (%s)", b.rc, b.err);
	assert_true(b.sum.resumed);
	assert_int_equal(K.list_calls, calls); /* the users were listed by the first run */
	assert_complete(path, &b.sum);
	assert_int_not_equal(access(wip, F_OK), 0);
	rmdir(tmp);
	free(real);
	free(dir);
	free(given);
}

/* ---- a sync started from inside the running sync's own callback, on its thread ---- */

static const char *nested_path;
static job nested;

static void start_nested(void)
{
	nested.conn = &fake_connector;
	nested.path = nested_path;
	run_job(&nested);
}

static void test_nested_refused(void **state)
{
	(void)state;
	reset_all();
	char *path = tmp_c1z("samenest");
	size_t len;
	baton_sync_summary prev;
	unsigned char *before = previous_sync(path, &len, &prev);

	gate_reset();
	G.inside = start_nested;
	nested_path = path;
	memset(&nested, 0, sizeof(nested));
	job a = new_job(&gated_connector, path);
	run_job(&a);
	assert_refused(nested.rc, nested.err);
	/* the outer sync was not disturbed by the refusal on its own thread */
	if (a.rc)
		fail_msg("outer sync: rc %d (%s)", a.rc, a.err);
	assert_complete(path, &a.sum);
	char ids[4][28];
	assert_int_equal(finished_syncs(path, ids, 4), 2);
	assert_string_equal(ids[0], prev.sync_id);
	assert_string_equal(ids[1], a.sum.sync_id);
	assert_false(exists(path, ".wip"));
	assert_false(baton__sync_stop_requested());
	free(before);
	free(path);
}

/*
 * Many threads start a sync of one new path at the same moment: exactly one takes the working
 * copy (and is held); every other is refused while it is held, none creates the c1z or breaks
 * the working copy the winner is making. Repeated, to give the lock's creation races a chance.
 */
#define RACERS 4
#define ROUNDS 10

static pthread_barrier_t start_line;
static atomic_int racers_done;

static void *racer_main(void *arg)
{
	pthread_barrier_wait(&start_line);
	run_job(arg);
	atomic_fetch_add(&racers_done, 1);
	return NULL;
}

static void test_racing_starts(void **state)
{
	(void)state;
	for (int round = 0; round < ROUNDS; round++) {
		reset_all();
		char *path = tmp_c1z("samerace");
		gate_reset();
		atomic_store(&racers_done, 0);
		assert_int_equal(pthread_barrier_init(&start_line, NULL, RACERS), 0);
		job jobs[RACERS];
		pthread_t t[RACERS];
		for (int i = 0; i < RACERS; i++) {
			jobs[i] = new_job(&gated_connector, path);
			assert_int_equal(pthread_create(&t[i], NULL, racer_main, &jobs[i]), 0);
		}
		/* one is held at the gate; every other returns while it is held (bounded wait) */
		gate_wait_entered();
		time_t until = time(NULL) + 60 * test_time_scale();
		while (atomic_load(&racers_done) < RACERS - 1 && time(NULL) < until)
			sched_yield();
		if (atomic_load(&racers_done) != RACERS - 1)
			fail_msg("round %d: %d of %d syncs returned while one was held", round,
			         atomic_load(&racers_done), RACERS - 1);
		/* nothing saved yet, and the working copy the held one is making is whole */
		assert_false(exists(path, ""));
		assert_true(exists(path, ".wip/marker"));
		assert_true(exists(path, ".wip/db"));
		gate_release();
		for (int i = 0; i < RACERS; i++)
			assert_int_equal(pthread_join(t[i], NULL), 0);
		int ok = 0;
		for (int i = 0; i < RACERS; i++) {
			if (jobs[i].rc == 0) {
				ok++;
				assert_complete(path, &jobs[i].sum);
			} else {
				assert_refused(jobs[i].rc, jobs[i].err);
			}
		}
		if (ok != 1)
			fail_msg("round %d: %d syncs of one path succeeded, expected 1", round, ok);
		char ids[4][28];
		assert_int_equal(finished_syncs(path, ids, 4), 1);
		assert_false(exists(path, ".wip"));
		pthread_barrier_destroy(&start_line);
		free(path);
	}
}

/* ---- another process ---- */

/*
 * A child process's sync of the path is held in its first page; this process's sync of the
 * same path is refused, and the file is untouched. Released, the child finishes and saves.
 * (Forked before this process starts any thread of its own for the test.)
 */
static void test_other_process_refused(void **state)
{
	(void)state;
	reset_all();
	char *path = tmp_c1z("sameproc");
	size_t len;
	baton_sync_summary prev;
	unsigned char *before = previous_sync(path, &len, &prev);

	int up[2], down[2];
	assert_int_equal(pipe(up), 0);
	assert_int_equal(pipe(down), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(up[0]);
		close(down[1]);
		gate_reset();
		G.entered_fd = up[1];
		G.release_fd = down[0];
		job a = new_job(&gated_connector, path);
		run_job(&a);
		if (a.rc)
			fprintf(stderr, "child sync: rc %d (%s)\n", a.rc, a.err);
		_exit(a.rc == 0 ? 0 : 1);
	}
	close(up[1]);
	close(down[0]);
	char c;
	alarm(60 * test_time_scale()); /* a child that never reaches the gate must not hang the test */
	assert_int_equal(read(up[0], &c, 1), 1);
	alarm(0);

	job b = new_job(&fake_connector, path);
	run_job(&b);
	assert_refused(b.rc, b.err);
	assert_same_bytes(path, before, len);
	assert_true(exists(path, ".wip/marker"));

	c = 'r';
	assert_int_equal(write(down[1], &c, 1), 1);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(up[0]);
	close(down[1]);
	char ids[4][28];
	assert_int_equal(finished_syncs(path, ids, 4), 2);
	assert_string_equal(ids[0], prev.sync_id);
	baton_sync_summary child;
	memset(&child, 0, sizeof(child));
	snprintf(child.sync_id, sizeof(child.sync_id), "%s", ids[1]);
	child.resources = 5 + 3 + 6 + 6 + 2;
	child.grants = 3 * 2;
	assert_complete(path, &child);
	assert_false(exists(path, ".wip"));
	free(before);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_other_process_refused),
		cmocka_unit_test(test_second_thread_refused),
		cmocka_unit_test(test_nested_refused),
		cmocka_unit_test(test_other_spelling_refused),
		cmocka_unit_test(test_other_spelling_resumes),
		cmocka_unit_test(test_racing_starts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
