/*
 * The syncer's worker pool (workers > 0): the same rows as a sequential sync, errors that cancel
 * a batch cleanly, real overlap of callbacks, retries and warnings with several workers, session
 * store calls from workers, and a stop request in the middle of a batch.
 *
 * The connector here is thread-safe (atomics only): many users, groups with child projects and
 * repos, paged entitlements and grants, spawned cursors (EnqueuePageTokens) on role grants,
 * session store traffic from grants callbacks, and knobs for sleeping, failing, NotFound and
 * Unavailable. The fake clock of sync_testutil.h is replaced by an atomic one (workers read it).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "sync_testutil.h"
#include "sync/pool.h"

#define N_USERS 120
#define N_GROUPS 24
#define N_ROLES 6

typedef struct wknobs {
	atomic_int sleep_us;            /* every batched callback sleeps this long */
	atomic_int in_flight, max_in_flight;
	atomic_int calls;
	atomic_int fail_group;          /* >= 0: grants of g<fail_group> page 1 fail (EINTERNAL) */
	atomic_int notfound_group;      /* >= 0: grants of this group answer NotFound */
	atomic_int unavailable;         /* the first N entitlements calls answer Unavailable */
	atomic_int stop_after;          /* > 0: the Nth grants call requests a stop */
	atomic_int grants_calls;
	atomic_int session_errors;
} wknobs;

static wknobs W;

static void w_reset(void)
{
	reset_all();
	atomic_store(&W.sleep_us, 0);
	atomic_store(&W.in_flight, 0);
	atomic_store(&W.max_in_flight, 0);
	atomic_store(&W.calls, 0);
	atomic_store(&W.fail_group, -1);
	atomic_store(&W.notfound_group, -1);
	atomic_store(&W.unavailable, 0);
	atomic_store(&W.stop_after, 0);
	atomic_store(&W.grants_calls, 0);
	atomic_store(&W.session_errors, 0);
}

/* ---- an atomic fake clock: retries never really sleep ---- */
static _Atomic int64_t w_now = 1700000000000LL;
static atomic_ullong w_slept;
static atomic_int w_stop_in_sleep; /* the next retry wait asks the sync to stop (a SIGTERM then) */
static int64_t w_now_ms(void *ud)
{
	(void)ud;
	return atomic_load(&w_now);
}
static void w_sleep_ms(void *ud, uint64_t ms)
{
	(void)ud;
	atomic_fetch_add(&w_now, (int64_t)ms);
	atomic_fetch_add(&w_slept, ms);
	if (atomic_exchange(&w_stop_in_sleep, 0))
		baton_sync_request_stop();
}
static void w_clock_install(void)
{
	atomic_store(&w_slept, 0);
	baton__sync_hooks h = {w_now_ms, w_sleep_ms, NULL};
	baton__sync_set_hooks(&h);
}

static void enter(void)
{
	atomic_fetch_add(&W.calls, 1);
	int now = atomic_fetch_add(&W.in_flight, 1) + 1;
	int max = atomic_load(&W.max_in_flight);
	while (now > max && !atomic_compare_exchange_weak(&W.max_in_flight, &max, now))
		;
	int us = atomic_load(&W.sleep_us);
	if (us > 0) {
		struct timespec ts = {us / 1000000, (long)(us % 1000000) * 1000L};
		nanosleep(&ts, NULL);
	}
}

static int leave(int rc)
{
	atomic_fetch_sub(&W.in_flight, 1);
	return rc;
}

static int tok(baton_ctx *ctx)
{
	const char *t = baton_ctx_page_token(ctx);
	return *t ? atoi(t) : 0;
}

static int next_page(baton_ctx *ctx, int next, int n)
{
	if (next >= n)
		return 0;
	char b[16];
	snprintf(b, sizeof(b), "%d", next);
	return baton_ctx_set_next_page(ctx, b);
}

static int w_list_users(baton_ctx *ctx, const baton_resource_id *parent)
{
	(void)parent;
	enter();
	int start = tok(ctx), rc = 0;
	for (int i = start; !rc && i < N_USERS && i < start + 7; i++) {
		char id[16], name[32];
		snprintf(id, sizeof(id), "u%03d", i);
		snprintf(name, sizeof(name), "User %d", i);
		baton_resource *r;
		rc = baton_user_resource_new(ctx, name, baton_ctx_resource_type(ctx), id, &r);
		if (!rc)
			rc = baton_ctx_emit_resource(ctx, r);
	}
	if (!rc)
		rc = next_page(ctx, start + 7, N_USERS);
	return leave(rc);
}

static int w_list_groups(baton_ctx *ctx, const baton_resource_id *parent)
{
	(void)parent;
	enter();
	int start = tok(ctx), rc = 0;
	for (int i = start; !rc && i < N_GROUPS && i < start + 5; i++) {
		char id[16], name[32];
		snprintf(id, sizeof(id), "g%02d", i);
		snprintf(name, sizeof(name), "Group %d", i);
		baton_resource *r;
		rc = baton_group_resource_new(ctx, name, baton_ctx_resource_type(ctx), id, &r);
		if (!rc)
			rc = baton_annotations_add_child_resource_type(baton_resource_annotations(r), "project");
		if (!rc)
			rc = baton_ctx_emit_resource(ctx, r);
	}
	if (!rc)
		rc = next_page(ctx, start + 5, N_GROUPS);
	return leave(rc);
}

/* Children: 5 projects per group (2 per page), each with 3 repos (1 per page). */
static int w_list_child(baton_ctx *ctx, const baton_resource_id *parent, const char *kind, int n, int per,
                        const char *child)
{
	enter();
	if (!parent)
		return leave(0);
	int start = tok(ctx), rc = 0;
	for (int i = start; !rc && i < n && i < start + per; i++) {
		char id[96];
		snprintf(id, sizeof(id), "%s-%s%d", parent->resource, kind, i);
		baton_resource *r;
		rc = baton_resource_new(ctx, id, baton_ctx_resource_type(ctx), id, &r);
		if (!rc)
			rc = baton_resource_set_parent(r, parent);
		if (!rc && child)
			rc = baton_annotations_add_child_resource_type(baton_resource_annotations(r), child);
		if (!rc)
			rc = baton_ctx_emit_resource(ctx, r);
	}
	if (!rc)
		rc = next_page(ctx, start + per, n);
	return leave(rc);
}
static int w_list_projects(baton_ctx *ctx, const baton_resource_id *parent)
{
	return w_list_child(ctx, parent, "p", 5, 2, "repo");
}
static int w_list_repos(baton_ctx *ctx, const baton_resource_id *parent)
{
	return w_list_child(ctx, parent, "r", 3, 1, NULL);
}
static int w_list_roles(baton_ctx *ctx, const baton_resource_id *parent)
{
	(void)parent;
	enter();
	int rc = 0;
	for (int i = 0; !rc && i < N_ROLES; i++) {
		char id[16];
		snprintf(id, sizeof(id), "role%d", i);
		baton_resource *r;
		rc = baton_role_resource_new(ctx, id, baton_ctx_resource_type(ctx), id, &r);
		if (!rc)
			rc = baton_ctx_emit_resource(ctx, r);
	}
	return leave(rc);
}

/* Group entitlements: member then admin, one per page. */
static int w_group_ents(baton_ctx *ctx, const baton_resource *res)
{
	enter();
	int u = atomic_load(&W.unavailable);
	while (u > 0 && !atomic_compare_exchange_weak(&W.unavailable, &u, u - 1))
		;
	if (u > 0)
		return leave(baton_error_set(BATON_EUNAVAILABLE, "busy, try later"));
	int page = tok(ctx);
	baton_entitlement *e;
	int rc = baton_assignment_entitlement_new(ctx, res, page == 0 ? "member" : "admin", &e);
	if (!rc)
		rc = baton_ctx_emit_entitlement(ctx, e);
	if (!rc)
		rc = next_page(ctx, page + 1, 2);
	return leave(rc);
}
static int w_project_ents(baton_ctx *ctx, const baton_resource *res)
{
	enter();
	baton_entitlement *e;
	int rc = baton_assignment_entitlement_new(ctx, res, "access", &e);
	if (!rc)
		rc = baton_ctx_emit_entitlement(ctx, e);
	return leave(rc);
}

/* Group grants: members u[(g*7 + k*11) % N] for k in 0..8, 3 per page; g(i+1) is a member of g(i),
 * expandable; a session counter per group. */
static int w_group_grants(baton_ctx *ctx, const baton_resource *res)
{
	enter();
	int n = atomic_fetch_add(&W.grants_calls, 1) + 1;
	int stop_after = atomic_load(&W.stop_after);
	if (stop_after && n == stop_after)
		baton_sync_request_stop();
	baton_resource_id rid = baton_resource_get_id(res);
	int g = atoi(rid.resource + 1);
	int page = tok(ctx);
	if (g == atomic_load(&W.notfound_group))
		return leave(baton_error_set(BATON_ENOTFOUND, "group %s is gone", rid.resource));
	if (g == atomic_load(&W.fail_group) && page == 3)
		return leave(baton_error_set(BATON_EINTERNAL, "group %s: boom", rid.resource));
	/* the session store from a worker: read, bump, write a per-group counter */
	const uint8_t *v;
	size_t len;
	int rc = baton_session_get(ctx, "grants:", rid.resource, &v, &len);
	int seen = 0;
	if (rc == 0 && len < 16) {
		char b[16];
		memcpy(b, v, len);
		b[len] = 0;
		seen = atoi(b);
	} else if (rc != BATON_ENOTFOUND) {
		atomic_fetch_add(&W.session_errors, 1);
	}
	baton_error_clear();
	char b[16];
	snprintf(b, sizeof(b), "%d", seen + 1);
	if (baton_session_set(ctx, "grants:", rid.resource, (const uint8_t *)b, strlen(b)))
		atomic_fetch_add(&W.session_errors, 1);
	rc = 0;
	for (int k = page * 3; !rc && k < 9 && k < page * 3 + 3; k++) {
		char uid[16];
		snprintf(uid, sizeof(uid), "u%03d", (g * 7 + k * 11) % N_USERS);
		baton_resource_id p = {"user", uid};
		baton_grant *gr;
		rc = baton_grant_new(ctx, res, "member", &p, &gr);
		if (!rc)
			rc = baton_ctx_emit_grant(ctx, gr);
	}
	if (!rc && page == 0 && g + 1 < N_GROUPS) {
		char sub[16], src[32];
		snprintf(sub, sizeof(sub), "g%02d", g + 1);
		snprintf(src, sizeof(src), "group:%s:member", sub);
		baton_resource_id p = {"group", sub};
		const char *srcs[] = {src};
		baton_grant *gr;
		rc = baton_grant_new(ctx, res, "member", &p, &gr);
		if (!rc)
			rc = baton_grant_set_expandable(gr, srcs, 1, false, NULL, 0);
		if (!rc)
			rc = baton_ctx_emit_grant(ctx, gr);
	}
	if (!rc)
		rc = next_page(ctx, page + 1, 3 + (g == atomic_load(&W.fail_group) ? 2 : 0));
	return leave(rc);
}

/* Role grants: page "" spawns two cursors (EnqueuePageTokens) "s1", "s2"; each page grants the
 * role to a few users. */
static int w_role_grants(baton_ctx *ctx, const baton_resource *res)
{
	enter();
	baton_resource_id rid = baton_resource_get_id(res);
	int r = atoi(rid.resource + 4);
	const char *t = baton_ctx_page_token(ctx);
	int base = !*t ? 0 : !strcmp(t, "s1") ? 1 : 2;
	int rc = 0;
	for (int k = 0; !rc && k < 4; k++) {
		char uid[16];
		snprintf(uid, sizeof(uid), "u%03d", (r * 13 + base * 5 + k) % N_USERS);
		baton_resource_id p = {"user", uid};
		baton_grant *gr;
		rc = baton_grant_new(ctx, res, "assigned", &p, &gr);
		if (!rc)
			rc = baton_ctx_emit_grant(ctx, gr);
	}
	if (!rc && !*t)
		rc = baton_annotations_append_json(baton_ctx_annotations(ctx), "c1.connector.v2.EnqueuePageTokens",
		                                   "{\"pageTokens\":[\"s1\",\"s2\"]}");
	return leave(rc);
}
static int w_role_ents(baton_ctx *ctx, const baton_resource *res)
{
	enter();
	baton_entitlement *e;
	int rc = baton_assignment_entitlement_new(ctx, res, "assigned", &e);
	if (!rc)
		rc = baton_ctx_emit_entitlement(ctx, e);
	return leave(rc);
}

static const baton_trait w_user_traits[] = {BATON_TRAIT_USER};
static const baton_trait w_group_traits[] = {BATON_TRAIT_GROUP};
static const baton_trait w_role_traits[] = {BATON_TRAIT_ROLE};
static const baton_resource_syncer w_user = {
	.version = BATON_RESOURCE_SYNCER_VERSION, .name = "User", .traits = w_user_traits, .n_traits = 1,
	.list = w_list_users,
};
static const baton_resource_syncer w_group = {
	.version = BATON_RESOURCE_SYNCER_VERSION, .name = "Group", .traits = w_group_traits, .n_traits = 1,
	.list = w_list_groups, .entitlements = w_group_ents, .grants = w_group_grants,
};
static const baton_resource_syncer w_project = {
	.version = BATON_RESOURCE_SYNCER_VERSION, .name = "Project", .list = w_list_projects,
	.entitlements = w_project_ents,
};
static const baton_resource_syncer w_repo = {
	.version = BATON_RESOURCE_SYNCER_VERSION, .name = "Repo", .list = w_list_repos,
};
static const baton_resource_syncer w_role = {
	.version = BATON_RESOURCE_SYNCER_VERSION, .name = "Role", .traits = w_role_traits, .n_traits = 1,
	.list = w_list_roles, .entitlements = w_role_ents, .grants = w_role_grants,
};
static const baton_resource_syncer *const w_types[] = {&w_user, &w_group, &w_project, &w_repo, &w_role};
static const baton_connector w_connector = {
	.version = BATON_CONNECTOR_VERSION, .display_name = "Wide", .resource_types = w_types, .n_resource_types = 5,
};

/* ---- content ---- */

/* "table\texternal_id\thex(data)" lines of the four tables (every sync in the file), sorted. */
static char *content_of(const char *path)
{
	baton_store *s;
	baton_store_options o = BATON_STORE_OPTIONS_INIT;
	o.read_only = true;
	CHECK(baton_store_open(path, &o, &s));
	static const char *const tables[] = {"resource_types", "resources", "entitlements", "grants"};
	size_t cap = 1 << 16, len = 0;
	char *out = malloc(cap);
	out[0] = '\0';
	for (size_t t = 0; t < 4; t++) {
		char sql[256];
		snprintf(sql, sizeof(sql), "SELECT '%s' || char(9) || external_id || char(9) || hex(data) FROM v1_%s "
		         "ORDER BY 1", tables[t], tables[t]);
		sqlite3_stmt *st;
		if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
			fail_msg("prepare: %s", sqlite3_errmsg(s->db));
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *v = (const char *)sqlite3_column_text(st, 0);
			size_t n = strlen(v);
			if (len + n + 2 > cap) {
				cap = (len + n + 2) * 2;
				out = realloc(out, cap);
			}
			memcpy(out + len, v, n);
			len += n;
			out[len++] = '\n';
			out[len] = '\0';
		}
		sqlite3_finalize(st);
	}
	baton_store_discard(s);
	return out;
}

static int count_table(const char *content, const char *table)
{
	int n = 0;
	size_t tl = strlen(table);
	for (const char *l = content; *l;) {
		if (!strncmp(l, table, tl) && l[tl] == '\t')
			n++;
		const char *nl = strchr(l, '\n');
		if (!nl)
			break;
		l = nl + 1;
	}
	return n;
}

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static char *wip_of(const char *c1z)
{
	char *w = malloc(strlen(c1z) + 8);
	sprintf(w, "%s.wip", c1z);
	return w;
}

static int run_sync(const char *path, int workers, baton_sync_summary *sum)
{
	baton_sync_options o = BATON_SYNC_OPTIONS_INIT;
	o.c1z_path = path;
	o.workers = workers;
	return baton_sync(&w_connector, &o, sum);
}

static char *baseline;     /* the sequential sync's content */
static int baseline_calls; /* and its number of callback calls */

static void sequential_baseline(void)
{
	if (baseline)
		return;
	w_reset();
	w_clock_install();
	char *path = tmp_c1z("w-seq");
	baton_sync_summary sum;
	CHECK(run_sync(path, 0, &sum));
	baseline = content_of(path);
	baseline_calls = atomic_load(&W.calls);
	assert_int_equal(atomic_load(&W.max_in_flight), 1);
	/* enough work to be interesting */
	assert_int_equal(count_table(baseline, "resources"), N_USERS + N_GROUPS + N_GROUPS * 5 + N_GROUPS * 15 + N_ROLES);
	assert_true(count_table(baseline, "grants") > N_GROUPS * 9);
	assert_true(sum.expanded_grants > 0);
	free(path);
}

/* ---- tests ---- */

static void same_rows(int workers)
{
	sequential_baseline();
	w_reset();
	w_clock_install();
	char tag[32];
	snprintf(tag, sizeof(tag), "w-%d", workers);
	char *path = tmp_c1z(tag);
	baton_sync_summary sum;
	CHECK(run_sync(path, workers, &sum));
	char *got = content_of(path);
	if (strcmp(baseline, got)) {
		/* name the first differing line */
		const char *a = baseline, *b = got;
		while (*a && *a == *b) {
			a++;
			b++;
		}
		fail_msg("workers %d: content differs from the sequential sync near\n  want: %.120s\n  got:  %.120s",
		         workers, a, b);
	}
	assert_true(atomic_load(&W.max_in_flight) <= (workers ? baton__pool_workers(workers) : 1));
	assert_int_equal(atomic_load(&W.session_errors), 0);
	char *wip = wip_of(path);
	assert_false(exists(wip));
	free(wip);
	free(got);
	free(path);
}

static void test_same_rows_1(void **state)
{
	(void)state;
	same_rows(1);
}

static void test_same_rows_4(void **state)
{
	(void)state;
	same_rows(4);
}

static void test_same_rows_16(void **state)
{
	(void)state;
	same_rows(16);
}

/* -1: min(CPUs, 4) workers */
static void test_auto_workers(void **state)
{
	(void)state;
	int n = baton__pool_workers(-1);
	assert_true(n >= 1 && n <= 4);
	assert_int_equal(baton__pool_workers(100), BATON__POOL_MAX_WORKERS);
	assert_int_equal(baton__pool_workers(3), 3);
	same_rows(-1);
}

/* Callbacks that sleep overlap: the high-water mark of callbacks in flight is above 1 (and never
 * above the workers). */
static void test_overlap(void **state)
{
	(void)state;
	w_reset();
	w_clock_install();
	atomic_store(&W.sleep_us, 3000);
	char *path = tmp_c1z("w-overlap");
	CHECK(run_sync(path, 4, NULL));
	int max = atomic_load(&W.max_in_flight);
	print_message("max callbacks in flight with 4 workers: %d\n", max);
	assert_true(max >= 2);
	assert_true(max <= 4);
	free(path);

	w_reset();
	atomic_store(&W.sleep_us, 1000);
	path = tmp_c1z("w-overlap1");
	CHECK(run_sync(path, 1, NULL));
	assert_int_equal(atomic_load(&W.max_in_flight), 1);
	free(path);
}

/* One worker's error cancels the batch: the error comes back, the c1z is not written, the working
 * copy keeps the checkpoint, and the next run (without the error) resumes and matches. */
static void error_aborts(int workers)
{
	sequential_baseline();
	w_reset();
	w_clock_install();
	atomic_store(&W.fail_group, 7);
	atomic_store(&W.sleep_us, 200);
	char *path = tmp_c1z("w-fail");
	baton_sync_summary sum;
	int rc = run_sync(path, workers, &sum);
	assert_int_equal(rc, BATON_EINTERNAL);
	assert_non_null(strstr(baton_error_last()->message, "g07: boom"));
	assert_non_null(strstr(baton_error_last()->message, "list-grants"));
	assert_false(exists(path));
	char *wip = wip_of(path);
	assert_true(exists(wip));
	/* all callbacks returned before baton_sync did */
	assert_int_equal(atomic_load(&W.in_flight), 0);

	atomic_store(&W.fail_group, -1);
	CHECK(run_sync(path, workers, &sum));
	assert_true(sum.resumed);
	char *got = content_of(path);
	assert_string_equal(baseline, got);
	assert_false(exists(wip));
	free(got);
	free(wip);
	free(path);
}

static void test_error_aborts_4(void **state)
{
	(void)state;
	error_aborts(4);
}

static void test_error_aborts_16(void **state)
{
	(void)state;
	error_aborts(16);
}

/* Retries (Unavailable) and NotFound warnings with several workers: the same outcome as a
 * sequential sync with the same knobs. */
static void test_retries_and_warnings(void **state)
{
	(void)state;
	char *want = NULL;
	uint64_t want_warnings = 0;
	for (int workers = 0; workers <= 16; workers = workers ? workers * 4 : 1) {
		w_reset();
		w_clock_install();
		atomic_store(&W.unavailable, 5);
		atomic_store(&W.notfound_group, 3);
		char *path = tmp_c1z("w-retry");
		baton_sync_summary sum;
		CHECK(run_sync(path, workers, &sum));
		assert_int_equal(sum.retries, 5);
		assert_true(atomic_load(&w_slept) >= 5000);
		assert_int_equal(sum.warnings, 1);
		char *got = content_of(path);
		if (!want) {
			want = got;
			want_warnings = sum.warnings;
		} else {
			assert_string_equal(want, got);
			assert_int_equal(want_warnings, sum.warnings);
			free(got);
		}
		free(path);
	}
	free(want);
}

/* After a stopped sync (`stopped`, its summary): the c1z untouched, the working copy there; the
 * next run (with the connector put right) resumes the same sync and writes the baseline.
 * Returns the number of callback calls of the rerun. */
static int check_stopped_then_resume(const char *path, int workers, const baton_sync_summary *stopped)
{
	char first_id[28];
	memcpy(first_id, stopped->sync_id, sizeof(first_id));
	assert_false(exists(path));
	char *wip = wip_of(path);
	assert_true(exists(wip));
	assert_int_equal(atomic_load(&W.in_flight), 0);

	atomic_store(&W.stop_after, 0);
	atomic_store(&W.unavailable, 0);
	atomic_store(&W.calls, 0);
	baton_sync_summary sum;
	CHECK(run_sync(path, workers, &sum));
	assert_true(sum.resumed);
	assert_string_equal(first_id, sum.sync_id);
	char *got = content_of(path);
	assert_string_equal(baseline, got);
	free(got);
	free(wip);
	return atomic_load(&W.calls);
}

/* A stop request in the middle of a batch: BATON_ECANCELLED, c1z untouched, the working copy
 * keeps a checkpoint; the next run resumes the same sync and the content matches. */
static void stop_in_batch(int workers)
{
	sequential_baseline();
	w_reset();
	w_clock_install();
	atomic_store(&W.stop_after, 10);
	atomic_store(&W.sleep_us, 200);
	char *path = tmp_c1z("w-stop");
	baton_sync_summary sum;
	int rc = run_sync(path, workers, &sum);
	assert_int_equal(rc, BATON_ECANCELLED);
	/* resumed, not redone: fewer calls than a whole sync */
	assert_true(check_stopped_then_resume(path, workers, &sum) < baseline_calls);
	free(path);
}

static void test_stop_sequential(void **state)
{
	(void)state;
	stop_in_batch(0);
}

static void test_stop_workers(void **state)
{
	(void)state;
	stop_in_batch(4);
}

/*
 * A stop requested while a call waits to be retried (an API that keeps answering Unavailable)
 * ends the wait: the sync stops checkpointed instead of calling again, and the rerun resumes it.
 */
static void stop_in_retry(int workers)
{
	sequential_baseline();
	w_reset();
	w_clock_install();
	atomic_store(&W.unavailable, 1000000);
	atomic_store(&w_stop_in_sleep, 1);
	char *path = tmp_c1z("w-stop-retry");
	baton_sync_summary sum;
	assert_int_equal(run_sync(path, workers, &sum), BATON_ECANCELLED);
	assert_non_null(strstr(baton_error_last()->message, "next run resumes it"));
	/* the stop ends the retrying: one Unavailable answer without workers; with them, a call each
	 * worker had under way when the stop came and one it may start before the batch is
	 * cancelled */
	int unavailable_answers = 1000000 - atomic_load(&W.unavailable);
	assert_true(unavailable_answers >= 1);
	if (workers > 0)
		assert_true(unavailable_answers <= 2 * workers);
	else
		assert_int_equal(unavailable_answers, 1);
	check_stopped_then_resume(path, workers, &sum);
	free(path);
}

static void test_stop_in_retry_sequential(void **state)
{
	(void)state;
	stop_in_retry(0);
}

static void test_stop_in_retry_workers(void **state)
{
	(void)state;
	stop_in_retry(4);
}

/* A request made while no sync runs stops the next one at its first safe point, and is then
 * forgotten. */
static void test_stop_before(void **state)
{
	(void)state;
	w_reset();
	w_clock_install();
	char *path = tmp_c1z("w-stop-before");
	baton_sync_request_stop();
	assert_int_equal(run_sync(path, 4, NULL), BATON_ECANCELLED);
	assert_false(exists(path));
	CHECK(run_sync(path, 4, NULL));
	assert_true(exists(path));
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_rows_1),
		cmocka_unit_test(test_same_rows_4),
		cmocka_unit_test(test_same_rows_16),
		cmocka_unit_test(test_auto_workers),
		cmocka_unit_test(test_overlap),
		cmocka_unit_test(test_error_aborts_4),
		cmocka_unit_test(test_error_aborts_16),
		cmocka_unit_test(test_retries_and_warnings),
		cmocka_unit_test(test_stop_sequential),
		cmocka_unit_test(test_stop_workers),
		cmocka_unit_test(test_stop_before),
		cmocka_unit_test(test_stop_in_retry_sequential),
		cmocka_unit_test(test_stop_in_retry_workers),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	free(baseline);
	return rc;
}
