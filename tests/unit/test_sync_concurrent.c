/*
 * Two syncs at once in one process (threads), each on its own c1z, with its own stop
 * (baton_sync_options.should_stop): stopping one leaves the other running to a complete, correct
 * file; the stop is seen on the stopped sync's worker threads (where the HTTP layer's waits look
 * at baton__sync_stop_requested()) and never on the other sync's.
 */
#include "sync_testutil.h"

#include <pthread.h>
#include <time.h>

#include "sync/pool.h"

#define N_USERS 60   /* 20 pages of 3 */
#define N_GROUPS 6   /* each grants every user, 3 pages of 20 */

typedef struct side {
	atomic_int stop;          /* this sync's own stop flag */
	atomic_int stop_seen;     /* a callback of this sync saw baton__sync_stop_requested() */
	atomic_int grants_calls;
	atomic_int done;          /* its baton_sync() returned */
} side;

static side A, B;

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static int list_users_common(baton_ctx *ctx, side *me)
{
	if (baton__sync_stop_requested())
		atomic_store(&me->stop_seen, 1);
	int start = page_index(ctx);
	for (int i = start; i < N_USERS && i < start + 3; i++) {
		char id[16];
		snprintf(id, sizeof(id), "u%d", i);
		baton_resource *r;
		int rc = baton_user_resource_new(ctx, id, baton_ctx_resource_type(ctx), id, &r);
		if (rc || (rc = baton_ctx_emit_resource(ctx, r)))
			return rc;
	}
	sleep_ms(1);
	if (start + 3 < N_USERS) {
		char next[16];
		snprintf(next, sizeof(next), "%d", start + 3);
		return baton_ctx_set_next_page(ctx, next);
	}
	return 0;
}

static int list_groups_common(baton_ctx *ctx)
{
	for (int i = 0; i < N_GROUPS; i++) {
		char id[16];
		snprintf(id, sizeof(id), "g%d", i);
		baton_resource *r;
		int rc = baton_group_resource_new(ctx, id, baton_ctx_resource_type(ctx), id, &r);
		if (rc || (rc = baton_ctx_emit_resource(ctx, r)))
			return rc;
	}
	return 0;
}

static int group_ents(baton_ctx *ctx, const baton_resource *res)
{
	baton_entitlement *e;
	int rc = baton_assignment_entitlement_new(ctx, res, "member", &e);
	return rc ? rc : baton_ctx_emit_entitlement(ctx, e);
}

static int grants_page(baton_ctx *ctx, const baton_resource *res)
{
	int start = page_index(ctx);
	for (int i = start; i < N_USERS && i < start + 20; i++) {
		char uid[16];
		snprintf(uid, sizeof(uid), "u%d", i);
		baton_resource_id p = {"user", uid};
		baton_grant *g;
		int rc = baton_grant_new(ctx, res, "member", &p, &g);
		if (rc || (rc = baton_ctx_emit_grant(ctx, g)))
			return rc;
	}
	if (start + 20 < N_USERS) {
		char next[16];
		snprintf(next, sizeof(next), "%d", start + 20);
		return baton_ctx_set_next_page(ctx, next);
	}
	return 0;
}

/* A (runs on A's workers): its first grants call stops A and waits, as an HTTP wait would, until
 * baton__sync_stop_requested() says so on this worker thread. */
static int grants_a(baton_ctx *ctx, const baton_resource *res)
{
	if (atomic_fetch_add(&A.grants_calls, 1) == 0) {
		atomic_store(&A.stop, 1);
		for (int i = 0; i < 5000 && !baton__sync_stop_requested(); i++)
			sleep_ms(1);
	}
	if (baton__sync_stop_requested())
		atomic_store(&A.stop_seen, 1);
	return grants_page(ctx, res);
}

/* B (runs on B's workers): its first grants call waits until A has returned, so both syncs
 * overlap and A's stop happens while B is in the middle of its grants. */
static int grants_b(baton_ctx *ctx, const baton_resource *res)
{
	if (atomic_fetch_add(&B.grants_calls, 1) == 0)
		for (int i = 0; i < 10000 && !atomic_load(&A.done); i++)
			sleep_ms(1);
	if (baton__sync_stop_requested())
		atomic_store(&B.stop_seen, 1);
	return grants_page(ctx, res);
}

static int users_a(baton_ctx *ctx, const baton_resource_id *parent)
{
	(void)parent;
	return list_users_common(ctx, &A);
}
static int users_b(baton_ctx *ctx, const baton_resource_id *parent)
{
	(void)parent;
	return list_users_common(ctx, &B);
}
static int groups_any(baton_ctx *ctx, const baton_resource_id *parent)
{
	(void)parent;
	return list_groups_common(ctx);
}

static const baton_resource_syncer user_a = {
	.version = BATON_RESOURCE_SYNCER_VERSION, .name = "User", .traits = user_traits, .n_traits = 1, .list = users_a,
};
static const baton_resource_syncer group_a = {
	.version = BATON_RESOURCE_SYNCER_VERSION, .name = "Group", .traits = group_traits, .n_traits = 1,
	.list = groups_any, .entitlements = group_ents, .grants = grants_a,
};
static const baton_resource_syncer user_b = {
	.version = BATON_RESOURCE_SYNCER_VERSION, .name = "User", .traits = user_traits, .n_traits = 1, .list = users_b,
};
static const baton_resource_syncer group_b = {
	.version = BATON_RESOURCE_SYNCER_VERSION, .name = "Group", .traits = group_traits, .n_traits = 1,
	.list = groups_any, .entitlements = group_ents, .grants = grants_b,
};
static const baton_resource_syncer *const types_a[] = {&user_a, &group_a};
static const baton_resource_syncer *const types_b[] = {&user_b, &group_b};
static const baton_connector conn_a = {
	.version = BATON_CONNECTOR_VERSION, .display_name = "A", .resource_types = types_a, .n_resource_types = 2,
};
static const baton_connector conn_b = {
	.version = BATON_CONNECTOR_VERSION, .display_name = "B", .resource_types = types_b, .n_resource_types = 2,
};

static int should_stop(void *user)
{
	return atomic_load(&((side *)user)->stop);
}

typedef struct job {
	const baton_connector *conn;
	side *side;
	char *path;
	int rc;
	baton_sync_summary sum;
	char err[256];
} job;

static void *run_job(void *arg)
{
	job *j = arg;
	baton_sync_options o = BATON_SYNC_OPTIONS_INIT;
	o.c1z_path = j->path;
	o.workers = 2;
	o.should_stop = should_stop;
	o.stop_user = j->side;
	j->rc = baton_sync(j->conn, &o, &j->sum);
	snprintf(j->err, sizeof(j->err), "%s", baton_error_last()->message);
	/* the sync's stop is not left on this thread */
	if (baton__sync_stop_requested())
		j->rc = -1000;
	atomic_store(&j->side->done, 1);
	return NULL;
}

static void check_complete(const char *path, const char *sync_id)
{
	char *res = rows_of(path, sync_id, "resources");
	assert_int_equal(count_lines(res), N_USERS + N_GROUPS);
	char *ents = rows_of(path, sync_id, "entitlements");
	assert_int_equal(count_lines(ents), N_GROUPS);
	char *grants = rows_of(path, sync_id, "grants");
	assert_int_equal(count_lines(grants), N_GROUPS * N_USERS);
	assert_non_null(strstr(grants, "group:g5:member:user:u59\n"));
	free(res);
	free(ents);
	free(grants);
}

static void test_stop_one_of_two(void **state)
{
	(void)state;
	baton__sync_set_hooks(NULL);
	baton__log_configure(BATON_LOG_ERROR, BATON__LOG_CONSOLE);
	(void)&fake_connector;
	job ja, jb;
	memset(&ja, 0, sizeof(ja));
	memset(&jb, 0, sizeof(jb));
	ja.conn = &conn_a, ja.side = &A, ja.path = tmp_c1z("concA");
	jb.conn = &conn_b, jb.side = &B, jb.path = tmp_c1z("concB");
	pthread_t ta, tb;
	assert_int_equal(pthread_create(&tb, NULL, run_job, &jb), 0);
	assert_int_equal(pthread_create(&ta, NULL, run_job, &ja), 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);

	/* A: stopped by its own stop, seen on its worker thread, checkpointed, nothing saved */
	if (ja.rc != BATON_ECANCELLED)
		fail_msg("sync A: rc %d (%s), expected BATON_ECANCELLED", ja.rc, ja.err);
	assert_int_equal(atomic_load(&A.stop_seen), 1);
	assert_int_equal(access(ja.path, F_OK), -1);
	char wip[4200];
	snprintf(wip, sizeof(wip), "%s.wip", ja.path);
	assert_int_equal(access(wip, F_OK), 0);

	/* B: ran on through A's stop, never saw it, and wrote every row */
	if (jb.rc != 0)
		fail_msg("sync B: rc %d (%s)", jb.rc, jb.err);
	assert_int_equal(atomic_load(&B.stop_seen), 0);
	assert_true(atomic_load(&B.grants_calls) >= N_GROUPS * 3);
	check_complete(jb.path, jb.sum.sync_id);
	/* the calling thread sees no stop afterwards */
	assert_false(baton__sync_stop_requested());

	/* A resumes from its checkpoint without its stop and completes */
	atomic_store(&A.stop, 0);
	atomic_store(&A.done, 0);
	ja.rc = 0;
	run_job(&ja);
	if (ja.rc != 0)
		fail_msg("sync A resumed: rc %d (%s)", ja.rc, ja.err);
	assert_true(ja.sum.resumed);
	check_complete(ja.path, ja.sum.sync_id);
	free(ja.path);
	free(jb.path);
}

/* The process-wide request still stops a sync that has its own (unset) stop. */
static void test_process_wide_still_stops(void **state)
{
	(void)state;
	baton__sync_set_hooks(NULL);
	memset(&B, 0, sizeof(B));
	atomic_store(&A.done, 1); /* B does not wait */
	job jb;
	memset(&jb, 0, sizeof(jb));
	jb.conn = &conn_b, jb.side = &B, jb.path = tmp_c1z("concW");
	baton_sync_request_stop();
	run_job(&jb);
	assert_int_equal(jb.rc, BATON_ECANCELLED);
	/* forgotten once the (last) sync returned */
	assert_false(baton__sync_stop_requested());
	free(jb.path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stop_one_of_two),
		cmocka_unit_test(test_process_wide_still_stops),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
