/*
 * baton-demo's callbacks from several threads at once, as the SDK runs them: in service mode up
 * to --task-concurrency provisioning tasks (issue credential, grant, revoke, create account,
 * tickets) each on its own thread, while a sync with workers lists resources and grants.
 *
 * Every thread drives the callbacks through the SDK's internal call state, as
 * test_demo_callbacks.c does one at a time. Then:
 *  - N IssueCredential calls with N request ids gave N distinct tokens t0001..t000N, and the
 *    state file holds N issue_token operations; two calls with the same request id at once
 *    minted one token and both got it;
 *  - every concurrent grant and revoke landed, in the model and in the state file (a new model
 *    replaying it agrees);
 *  - concurrent accounts all exist, concurrent tickets got distinct ids DEMO-1..DEMO-n;
 *  - the readers (listings, grants) never failed;
 *  - connectors opened at the same time (service mode opens one per task) share the model: tasks
 *    issuing tokens through their own connectors never mint one id twice.
 * Without the model's lock (model.h) ThreadSanitizer reports races here (scripts/tsan.sh runs
 * this test), and a plain build mints the same token id twice or loses operations.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "testutil.h"
#include "demo.h"
#include "demo_ext.h"
#include "connector/connector.h"
#include "demo_runtime_fixture.h"
#include "demo_testutil.h"
#include "connector/ext.h"
#include "core/ctx.h"

#define ISSUERS 4
#define ISSUES_EACH 6
#define GRANTERS 2
#define ACCOUNTS 6
#define TICKETERS 2
#define TICKETS_EACH 3
#define READERS 2

static baton__runtime rt;
static char state_path[4096];
static demo_params params;

/* All threads wait here, so the calls overlap as much as they can. */
static pthread_barrier_t start;

/* The first failure seen by any thread (cmocka's asserts belong to the main thread). */
static pthread_mutex_t fail_mu = PTHREAD_MUTEX_INITIALIZER;
static char failure[1024];

#if defined(__GNUC__)
static void failed(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#endif

static void failed(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&fail_mu);
	if (failure[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(failure, sizeof(failure), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&fail_mu);
}

static bool any_failure(void)
{
	bool f;

	pthread_mutex_lock(&fail_mu);
	f = failure[0] != '\0';
	pthread_mutex_unlock(&fail_mu);
	return f;
}

typedef struct box {
	baton_ctx ctx;
	baton__call call;
} box;

/* The connector this thread calls: its own (a service-mode task's) or the shared `rt`. */
static _Thread_local baton__runtime *task_rt;

static baton__runtime *runtime(void)
{
	return task_rt != NULL ? task_rt : &rt;
}

static const baton_resource_syncer *syncer(const char *type_id)
{
	return baton__runtime_find(runtime(), type_id)->syncer;
}

static void begin(box *b, baton__call_kind kind, const char *type_id, const char *token)
{
	const baton__rtype *t = baton__runtime_find(runtime(), type_id);

	memset(b, 0, sizeof(*b));
	baton__ctx_init(&b->ctx);
	baton__call_begin(&b->call, &b->ctx, runtime(), kind, t->rt, token);
	baton_error_clear();
}

static void end(box *b)
{
	baton__call_end(&b->call, &b->ctx);
	baton__call_free(&b->call);
	baton__ctx_release(&b->ctx);
}

static demo_model *model(void)
{
	return (demo_model *)rt.userdata;
}

/* ---- IssueCredential ---- */

typedef struct issued {
	char id[32];
	char value[64];
} issued;

/* Issues a token to `user` under request id `rid` into *out; false (and a failure) on error. */
static bool issue(const char *user, const char *rid, issued *out)
{
	baton_credential_issue_request req;
	box b;
	int rc;

	memset(&req, 0, sizeof(req));
	req.identity = (baton_resource_id){"user", user};
	req.kind = BATON_CREDENTIAL_OPTION_API_KEY;
	req.request_id = rid;
	begin(&b, BATON__CALL_ISSUE_CREDENTIAL, "user", "");
	rc = syncer("user")->issue_credential(&b.ctx, &req);
	if (rc != 0 || b.call.issued == NULL || b.call.n_secrets != 1 || b.call.secrets[0].len != 44) {
		failed("issue %s for %s: rc %d (%s)", rid, user, rc, rc ? baton_error_last()->message : "no token");
		end(&b);
		return false;
	}
	snprintf(out->id, sizeof(out->id), "%s", baton_resource_get_id(b.call.issued).resource);
	memcpy(out->value, b.call.secrets[0].bytes, 44);
	out->value[44] = '\0';
	end(&b);
	return true;
}

static char token_user[32];            /* an enabled user */
static issued tokens[ISSUERS][ISSUES_EACH];
static issued same_rid[2];              /* two calls with one request id, at once */

static void *issuer(void *arg)
{
	size_t t = (size_t)arg, i;
	char rid[64];

	pthread_barrier_wait(&start);
	for (i = 0; i < ISSUES_EACH; i++) {
		if (t < 2 && i == ISSUES_EACH / 2)
			issue(token_user, "same-request", &same_rid[t]);
		snprintf(rid, sizeof(rid), "task-%zu-%zu", t, i);
		issue(token_user, rid, &tokens[t][i]);
	}
	return NULL;
}

/* ---- Grant and revoke ---- */

/* Users that get the "member" entitlement of g005 (granters), and direct members of g001 that
 * lose it (revoker). */
static const char *to_grant[64];
static size_t n_to_grant;
static const char *to_revoke[64];
static size_t n_to_revoke;

static void *granter(void *arg)
{
	size_t t = (size_t)arg, i;
	baton_ctx *ctx;
	baton_entitlement *member;
	baton_resource *principal;

	if (baton_ctx_new(&ctx) != 0 ||
	    baton_resource_new_with_id(ctx, "g005", &(baton_resource_id){"group", "g005"}, &principal) != 0 ||
	    baton_entitlement_new(ctx, principal, "member", BATON_PURPOSE_ASSIGNMENT, &member) != 0) {
		failed("granter: cannot build the entitlement");
		return NULL;
	}
	pthread_barrier_wait(&start);
	for (i = t; i < n_to_grant; i += GRANTERS) {
		box b;
		int rc;
		if (baton_resource_new_with_id(ctx, to_grant[i], &(baton_resource_id){"user", to_grant[i]}, &principal) != 0) {
			failed("granter: cannot build %s", to_grant[i]);
			break;
		}
		begin(&b, BATON__CALL_GRANT, "group", "");
		rc = syncer("group")->grant(&b.ctx, principal, member);
		if (rc != 0 || b.call.n_items != 1)
			failed("grant g005 member to %s: rc %d, %zu grants", to_grant[i], rc, b.call.n_items);
		end(&b);
	}
	baton_ctx_free(ctx);
	return NULL;
}

static void *revoker(void *arg)
{
	baton_ctx *ctx;
	baton_resource *group;
	size_t i;

	(void)arg;
	if (baton_ctx_new(&ctx) != 0 ||
	    baton_resource_new_with_id(ctx, "g001", &(baton_resource_id){"group", "g001"}, &group) != 0) {
		failed("revoker: cannot build the group");
		return NULL;
	}
	pthread_barrier_wait(&start);
	for (i = 0; i < n_to_revoke; i++) {
		baton_grant *g;
		box b;
		int rc;
		if (baton_grant_new(ctx, group, "member", &(baton_resource_id){"user", to_revoke[i]}, &g) != 0) {
			failed("revoker: cannot build the grant of %s", to_revoke[i]);
			break;
		}
		begin(&b, BATON__CALL_REVOKE, "group", "");
		rc = syncer("group")->revoke(&b.ctx, g);
		if (rc != 0 || baton_annotations_contains(baton_ctx_annotations(&b.ctx), "c1.connector.v2.GrantAlreadyRevoked"))
			failed("revoke g001 member of %s: rc %d", to_revoke[i], rc);
		end(&b);
	}
	baton_ctx_free(ctx);
	return NULL;
}

/* ---- Accounts (each one grows the model's user array) ---- */

static void *account_maker(void *arg)
{
	baton_credential_options none = {BATON_CREDENTIAL_OPTION_NO_PASSWORD, 0, NULL, 0, NULL, NULL, false};
	size_t i;

	(void)arg;
	pthread_barrier_wait(&start);
	for (i = 0; i < ACCOUNTS; i++) {
		char login[32];
		baton_account_info info;
		box b;
		int rc;

		snprintf(login, sizeof(login), "concurrent%zu", i);
		memset(&info, 0, sizeof(info));
		info.login = login;
		begin(&b, BATON__CALL_CREATE_ACCOUNT, "user", "");
		rc = syncer("user")->create_account(&b.ctx, &info, &none);
		if (rc != 0 || !b.call.has_account_result || b.call.account_result != BATON_ACCOUNT_CREATED)
			failed("create account %s: rc %d", login, rc);
		end(&b);
	}
	return NULL;
}

/* ---- Tickets ---- */

static char ticket_ids[TICKETERS][TICKETS_EACH][32];

static void *ticketer(void *arg)
{
	const char *schema = "{\"id\":\"incident\",\"types\":[{\"id\":\"incident\",\"displayName\":\"Incident\"}]}";
	size_t t = (size_t)arg, i;

	pthread_barrier_wait(&start);
	for (i = 0; i < TICKETS_EACH; i++) {
		baton__ext_call ec;
		baton_ctx ctx;
		char ticket[128];
		int rc;

		snprintf(ticket, sizeof(ticket), "{\"displayName\":\"outage %zu.%zu\"}", t, i);
		baton__ctx_init(&ctx);
		baton__ext_begin(&ec, &ctx, &rt, BATON__EXT_TICKET, "", 0);
		rc = demo_tickets.create(&ctx, ticket, schema);
		if (rc != 0 || ec.n_results != 1)
			failed("create ticket %zu.%zu: rc %d", t, i, rc);
		else
			snprintf(ticket_ids[t][i], sizeof(ticket_ids[t][i]), "%s",
			         ((C1__Connector__V2__Ticket *)ec.results[0])->id);
		baton__ext_end(&ec);
		baton__ctx_release(&ctx);
	}
	return NULL;
}

/* ---- Readers: a sync's listings and grants, until the writers are done ---- */

static int writers_left;
static pthread_mutex_t left_mu = PTHREAD_MUTEX_INITIALIZER;

static bool writers_running(void)
{
	int n;

	pthread_mutex_lock(&left_mu);
	n = writers_left;
	pthread_mutex_unlock(&left_mu);
	return n > 0;
}

static void writer_done(void)
{
	pthread_mutex_lock(&left_mu);
	writers_left--;
	pthread_mutex_unlock(&left_mu);
}

/* Reads every page of users, then every page of g005's grants. */
static void read_once(baton_ctx *ctx, baton_resource *g5)
{
	char token[1024] = "";
	box b;
	int rc;

	do {
		begin(&b, BATON__CALL_LIST, "user", token);
		if ((rc = syncer("user")->list(&b.ctx, NULL)) != 0)
			failed("list users: rc %d (%s)", rc, baton_error_last()->message);
		snprintf(token, sizeof(token), "%s", b.call.next_page ? b.call.next_page : "");
		end(&b);
	} while (rc == 0 && *token != '\0');
	do {
		begin(&b, BATON__CALL_GRANTS, "group", token);
		if ((rc = syncer("group")->grants(&b.ctx, g5)) != 0)
			failed("grants of g005: rc %d (%s)", rc, baton_error_last()->message);
		snprintf(token, sizeof(token), "%s", b.call.next_page ? b.call.next_page : "");
		end(&b);
	} while (rc == 0 && *token != '\0');
}

static void *reader(void *arg)
{
	baton_ctx *ctx;
	baton_resource *g5;

	(void)arg;
	if (baton_ctx_new(&ctx) != 0 ||
	    baton_resource_new_with_id(ctx, "g005", &(baton_resource_id){"group", "g005"}, &g5) != 0) {
		failed("reader: cannot build g005");
		return NULL;
	}
	pthread_barrier_wait(&start);
	do
		read_once(ctx, g5);
	while (writers_running() && !any_failure());
	baton_ctx_free(ctx);
	return NULL;
}

typedef struct job {
	void *(*fn)(void *);
	size_t arg;
	bool writer;
} job;

static void *run_job(void *arg)
{
	job *j = arg;

	j->fn((void *)j->arg);
	if (j->writer)
		writer_done();
	return NULL;
}

/* ---- The test ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void pick_principals(void)
{
	demo_model *m = model();
	demo_obj *g5 = demo_model_find(m, DEMO_GROUP, "g005", NULL);
	demo_obj *g1 = demo_model_find(m, DEMO_GROUP, "g001", NULL);
	size_t u, i;

	assert_non_null(g5);
	assert_non_null(g1);
	for (u = 0; u < m->n[DEMO_USER]; u++) {
		demo_obj *o = &m->objs[DEMO_USER][u];
		if (token_user[0] == '\0' && !o->disabled)
			snprintf(token_user, sizeof(token_user), "%s", o->id);
		if (n_to_grant < 24 && demo_obj_find_grant(g5, 0, (demo_ref){DEMO_USER, u}) < 0)
			to_grant[n_to_grant++] = o->id;
	}
	for (i = 0; i < g1->n_grants && n_to_revoke < 64; i++) {
		if (g1->grants[i].ent == 0 && g1->grants[i].principal.kind == DEMO_USER)
			to_revoke[n_to_revoke++] = m->objs[DEMO_USER][g1->grants[i].principal.idx].id;
	}
	assert_true(token_user[0] != '\0');
	assert_true(n_to_grant >= 8);
	assert_true(n_to_revoke >= 2);
}

static void test_concurrent_provisioning(void **state)
{
	job jobs[ISSUERS + GRANTERS + 1 + 1 + TICKETERS + READERS];
	pthread_t th[sizeof(jobs) / sizeof(jobs[0])];
	size_t n = 0, i, k, issues_before = demo_count_ops(model(), "issue_token");
	size_t users_before = demo_model_count(model(), DEMO_USER);
	const char *ids[ISSUERS * ISSUES_EACH + 1];
	size_t n_ids = 0;
	demo_model *replay = NULL;

	(void)state;
	assert_int_equal(issues_before, 0);
	pick_principals();
	for (i = 0; i < ISSUERS; i++)
		jobs[n++] = (job){issuer, i, true};
	for (i = 0; i < GRANTERS; i++)
		jobs[n++] = (job){granter, i, true};
	jobs[n++] = (job){revoker, 0, true};
	jobs[n++] = (job){account_maker, 0, true};
	for (i = 0; i < TICKETERS; i++)
		jobs[n++] = (job){ticketer, i, true};
	writers_left = (int)n;
	for (i = 0; i < READERS; i++)
		jobs[n++] = (job){reader, i, false};
	assert_int_equal(pthread_barrier_init(&start, NULL, (unsigned)n), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(pthread_create(&th[i], NULL, run_job, &jobs[i]), 0);
	for (i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&start);
	if (any_failure())
		fail_msg("%s", failure);

	/* tokens: one per request id, numbered without gaps or repeats */
	for (i = 0; i < ISSUERS; i++)
		for (k = 0; k < ISSUES_EACH; k++)
			ids[n_ids++] = tokens[i][k].id;
	assert_string_equal(same_rid[0].id, same_rid[1].id);
	assert_string_equal(same_rid[0].value, same_rid[1].value);
	ids[n_ids++] = same_rid[0].id;
	qsort(ids, n_ids, sizeof(ids[0]), cmp_str);
	for (i = 0; i < n_ids; i++) {
		char want[32];
		snprintf(want, sizeof(want), "t%04zu", i + 1);
		if (strcmp(ids[i], want) != 0)
			fail_msg("token ids: %s where %s was expected (a repeated or skipped id)", ids[i], want);
	}
	assert_int_equal(demo_count_ops(model(), "issue_token"), n_ids);

	/* grants, revokes, accounts and tickets in the model */
	{
		demo_obj *g5 = demo_model_find(model(), DEMO_GROUP, "g005", NULL);
		demo_obj *g1 = demo_model_find(model(), DEMO_GROUP, "g001", NULL);
		for (i = 0; i < n_to_grant; i++) {
			size_t idx;
			assert_non_null(demo_model_find(model(), DEMO_USER, to_grant[i], &idx));
			assert_true(demo_obj_find_grant(g5, 0, (demo_ref){DEMO_USER, idx}) >= 0);
		}
		for (i = 0; i < n_to_revoke; i++) {
			size_t idx;
			assert_non_null(demo_model_find(model(), DEMO_USER, to_revoke[i], &idx));
			assert_true(demo_obj_find_grant(g1, 0, (demo_ref){DEMO_USER, idx}) < 0);
		}
	}
	assert_int_equal(demo_count_ops(model(), "grant"), n_to_grant);
	assert_int_equal(demo_count_ops(model(), "revoke"), n_to_revoke);
	assert_int_equal(demo_model_count(model(), DEMO_USER), users_before + ACCOUNTS);
	{
		const char *tids[TICKETERS * TICKETS_EACH];
		size_t nt = 0;
		for (i = 0; i < TICKETERS; i++)
			for (k = 0; k < TICKETS_EACH; k++)
				tids[nt++] = ticket_ids[i][k];
		qsort(tids, nt, sizeof(tids[0]), cmp_str);
		for (i = 1; i < nt; i++)
			if (strcmp(tids[i - 1], tids[i]) == 0)
				fail_msg("two tickets got id %s", tids[i]);
		assert_int_equal(demo_count_ops(model(), "ticket"), nt);
	}

	/* the state file holds all of it: a restart replays the same company */
	assert_int_equal(demo_model_new(&params, state_path, &replay), DEMO_OK);
	assert_int_equal(json_array_size(demo_model_ops(replay)), json_array_size(demo_model_ops(model())));
	assert_int_equal(demo_count_ops(replay, "issue_token"), n_ids);
	assert_int_equal(demo_model_count(replay, DEMO_USER), users_before + ACCOUNTS);
	for (k = 0; k < DEMO_N_KINDS; k++)
		assert_int_equal(demo_model_count_grants(replay, (demo_kind)k),
		                 demo_model_count_grants(model(), (demo_kind)k));
	demo_model_free(replay);
}

/*
 * Service mode opens the connector (init ... close) for every task, several at once: each task
 * below opens its own connector, issues tokens and grants through it, and closes it. Tasks that
 * overlap must share one model, or each counts the tokens of its own copy of the log (two t0034)
 * and overwrites the others' state file.
 */
#define TASKS 4
#define TASK_ISSUES 3

static issued task_tokens[TASKS][TASK_ISSUES];

static void *task(void *arg)
{
	size_t t = (size_t)arg, i;
	baton__runtime mine;
	char rid[64];

	memset(&mine, 0, sizeof(mine));
	pthread_barrier_wait(&start);
	if (baton__runtime_open(&mine, &demo_connector) != 0) {
		failed("task %zu: init: %s", t, baton_error_last()->message);
		return NULL;
	}
	task_rt = &mine;
	for (i = 0; i < TASK_ISSUES; i++) {
		snprintf(rid, sizeof(rid), "task-rt-%zu-%zu", t, i);
		issue(token_user, rid, &task_tokens[t][i]);
	}
	task_rt = NULL;
	baton__runtime_close(&mine);
	return NULL;
}

static void test_concurrent_connectors(void **state)
{
	pthread_t th[TASKS];
	const char *ids[TASKS * TASK_ISSUES];
	size_t before = demo_count_ops(model(), "issue_token"), i, k, n = 0;

	(void)state;
	assert_true(token_user[0] != '\0');
	/* no connector open in between: the tasks' own inits load (and share) the model */
	baton__runtime_close(&rt);
	memset(&rt, 0, sizeof(rt));
	assert_int_equal(pthread_barrier_init(&start, NULL, TASKS), 0);
	for (i = 0; i < TASKS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, task, (void *)i), 0);
	for (i = 0; i < TASKS; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&start);
	assert_int_equal(baton__runtime_open(&rt, &demo_connector), 0);
	if (any_failure())
		fail_msg("%s", failure);
	for (i = 0; i < TASKS; i++)
		for (k = 0; k < TASK_ISSUES; k++)
			ids[n++] = task_tokens[i][k].id;
	qsort(ids, n, sizeof(ids[0]), cmp_str);
	for (i = 0; i < n; i++) {
		char want[32];
		snprintf(want, sizeof(want), "t%04zu", before + i + 1);
		if (strcmp(ids[i], want) != 0)
			fail_msg("token ids: %s where %s was expected (a repeated or skipped id)", ids[i], want);
	}
	/* the reopened connector read the state file: every token is there */
	assert_int_equal(demo_count_ops(model(), "issue_token"), before + n);
}

static int setup(void **state)
{
	(void)state;
	return demo_fixture_open("concurrent", state_path, sizeof(state_path), &params, &rt);
}

static int teardown(void **state)
{
	(void)state;
	demo_fixture_close(state_path, &rt);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_concurrent_provisioning),
		cmocka_unit_test(test_concurrent_connectors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
