/*
 * baton-demo's state file shared by several processes at once (a service and one-shot runs, or
 * two one-shots): model.h, "Other processes".
 *
 * PROCS child processes each open the demo connector on one state file (each loads the model
 * before any of them changes it), then all at once, through the callbacks as the SDK calls them:
 * issue API tokens, grant g005 membership to distinct users, and create accounts. Once all are
 * done, every child revokes one and the same grant, then issues a token under one and the same
 * request id. Then:
 *  - every child's own model has every child's grants and tokens (it caught up with the file
 *    before its revoke), and exactly one child's revoke revoked (the others got
 *    GrantAlreadyRevoked), exactly one child got a token for the shared request id (the others
 *    AlreadyExists: the value is only in the process that issued it);
 *  - a model loaded afresh from the file has every grant, every account (each login once, ids
 *    u0050.. without a gap) and every token, the revoked grant is gone;
 *  - the token ids the callers got are distinct and are exactly t0001..t0019 of the file;
 *  - no temporary file is left next to the state file.
 * And ONE_SHOTS one-shot runs of the baton-demo program (argv[1]), each granting one role
 * assignment, started at once: the state file holds every grant.
 * Without the state file's lock each process rewrote the file from its own memory: the last one
 * to write dropped the others' operations, and every process minted t0001 first.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "testutil.h"
#include "demo.h"
#include "demo_testutil.h"
#include "connector/connector.h"
#include "core/ctx.h"

#define PROCS 3
#define GRANTS_EACH 10
#define TOKENS_EACH 6
#define ACCOUNTS_EACH 2
/* every child's tokens, and the one token of the request id they all use */
#define N_TOKENS (PROCS * TOKENS_EACH + 1)

static char state_path[4096];
static demo_params params;

/* Chosen from the generated company before the children start (they inherit them). */
static char token_user[32];
static char to_grant[PROCS * GRANTS_EACH][32];  /* not direct members of g005 */
static char to_revoke[32];                       /* a direct member of g001 */

/* ---- In a child ---- */

static baton__runtime rt;

typedef struct box {
	baton_ctx ctx;
	baton__call call;
} box;

static void begin(box *b, baton__call_kind kind, const char *type_id)
{
	const baton__rtype *t = baton__runtime_find(&rt, type_id);

	memset(b, 0, sizeof(*b));
	baton__ctx_init(&b->ctx);
	baton__call_begin(&b->call, &b->ctx, &rt, kind, t->rt, "");
	baton_error_clear();
}

static void end(box *b)
{
	baton__call_end(&b->call, &b->ctx);
	baton__call_free(&b->call);
	baton__ctx_release(&b->ctx);
}

static const baton_resource_syncer *syncer(const char *type_id)
{
	return baton__runtime_find(&rt, type_id)->syncer;
}

#if defined(__GNUC__)
static void child_fail(int c, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
#endif

/* A child's failure: said on stderr, exit status 2. */
static void child_fail(int c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "child %d: ", c);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	_exit(2);
}

/* Waits for the parent to close the write end of `down` (every child waits on the same pipe). */
static void barrier(int c, int up, int down)
{
	char x = 'x';

	if (write(up, &x, 1) != 1)
		child_fail(c, "barrier: write: %s", strerror(errno));
	while (read(down, &x, 1) < 0 && errno == EINTR)
		;
}

/* Issues a token under request id `rid`: 0 with its id, or (when `may_exist`) AlreadyExists. */
static int issue(int c, const char *rid, bool may_exist, char *id, size_t id_size)
{
	baton_credential_issue_request req;
	box b;
	int rc;

	memset(&req, 0, sizeof(req));
	req.identity = (baton_resource_id){"user", token_user};
	req.kind = BATON_CREDENTIAL_OPTION_API_KEY;
	req.request_id = rid;
	begin(&b, BATON__CALL_ISSUE_CREDENTIAL, "user");
	rc = syncer("user")->issue_credential(&b.ctx, &req);
	if (rc == BATON_EEXISTS && may_exist) {
		/* another process issued it: its value is not here */
		if (strstr(baton_error_last()->message, "memory of the process that issued it") == NULL)
			child_fail(c, "issue %s: %s", rid, baton_error_last()->message);
		end(&b);
		return rc;
	}
	if (rc != 0 || b.call.issued == NULL)
		child_fail(c, "issue %s: rc %d (%s)", rid, rc, rc ? baton_error_last()->message : "no token");
	snprintf(id, id_size, "%s", baton_resource_get_id(b.call.issued).resource);
	end(&b);
	return 0;
}

static void grant(int c, baton_ctx *ctx, baton_entitlement *member, const char *user)
{
	baton_resource *principal;
	box b;
	int rc;

	if (baton_resource_new_with_id(ctx, user, &(baton_resource_id){"user", user}, &principal) != 0)
		child_fail(c, "cannot build %s", user);
	begin(&b, BATON__CALL_GRANT, "group");
	rc = syncer("group")->grant(&b.ctx, principal, member);
	if (rc != 0 || b.call.n_items != 1)
		child_fail(c, "grant g005 member to %s: rc %d, %zu grants", user, rc, b.call.n_items);
	end(&b);
}

static void create_account(int c, size_t i)
{
	baton_credential_options none = {BATON_CREDENTIAL_OPTION_NO_PASSWORD, 0, NULL, 0, NULL, NULL, false};
	baton_account_info info;
	char login[32];
	box b;
	int rc;

	snprintf(login, sizeof(login), "proc%d.account%zu", c, i);
	memset(&info, 0, sizeof(info));
	info.login = login;
	begin(&b, BATON__CALL_CREATE_ACCOUNT, "user");
	rc = syncer("user")->create_account(&b.ctx, &info, &none);
	if (rc != 0 || !b.call.has_account_result || b.call.account_result != BATON_ACCOUNT_CREATED)
		child_fail(c, "create account %s: rc %d", login, rc);
	end(&b);
}

/* 'R' when this child's revoke revoked the grant, 'A' when another child's had. */
static char revoke_shared(int c, baton_ctx *ctx)
{
	baton_resource *g1;
	baton_grant *g;
	box b;
	char got;
	int rc;

	if (baton_resource_new_with_id(ctx, "g001", &(baton_resource_id){"group", "g001"}, &g1) != 0 ||
	    baton_grant_new(ctx, g1, "member", &(baton_resource_id){"user", to_revoke}, &g) != 0)
		child_fail(c, "cannot build the grant to revoke");
	begin(&b, BATON__CALL_REVOKE, "group");
	rc = syncer("group")->revoke(&b.ctx, g);
	if (rc != 0)
		child_fail(c, "revoke g001 member of %s: rc %d (%s)", to_revoke, rc, baton_error_last()->message);
	got = baton_annotations_contains(baton_ctx_annotations(&b.ctx), "c1.connector.v2.GrantAlreadyRevoked") ? 'A'
	                                                                                                      : 'R';
	end(&b);
	return got;
}

/* Whether the token of request id "proc-shared" was issued (1) or not yet (0). */
static size_t shared_issued(const demo_model *m)
{
	const json_t *ops = demo_model_ops(m);
	size_t i;

	for (i = 0; i < json_array_size(ops); i++) {
		const char *rid = json_string_value(json_object_get(json_array_get(ops, i), "request_id"));
		if (rid != NULL && strcmp(rid, "proc-shared") == 0)
			return 1;
	}
	return 0;
}

/* After its revoke (a change: it caught up with the file), this child's model has it all. */
static void check_own_model(int c)
{
	demo_model *m = (demo_model *)rt.userdata;
	demo_obj *g5 = demo_model_find(m, DEMO_GROUP, "g005", NULL);
	size_t j, u;

	for (j = 0; j < PROCS * GRANTS_EACH; j++) {
		if (demo_model_find(m, DEMO_USER, to_grant[j], &u) == NULL ||
		    demo_obj_find_grant(g5, 0, (demo_ref){DEMO_USER, u}) < 0)
			child_fail(c, "its model lacks the g005 membership of %s", to_grant[j]);
	}
	/* (another child may have issued the shared request id's token already) */
	if (demo_count_ops(m, "issue_token") - shared_issued(m) != PROCS * TOKENS_EACH)
		child_fail(c, "its model knows %zu tokens, not %d", demo_count_ops(m, "issue_token") - shared_issued(m),
		           PROCS * TOKENS_EACH);
	if (demo_model_count(m, DEMO_USER) != params.users + PROCS * ACCOUNTS_EACH)
		child_fail(c, "its model has %zu users", demo_model_count(m, DEMO_USER));
}

static void child(int c, int up, int down1, int down2, int results)
{
	char ids[TOKENS_EACH][32], shared[32], rid[64], line[512];
	baton_ctx *ctx;
	baton_resource *g5;
	baton_entitlement *member;
	size_t i, len;
	char revoked, issued;

	alarm(60);
	if (demo_set_state_path(NULL, state_path) != 0 || baton__runtime_open(&rt, &demo_connector) != 0)
		child_fail(c, "init: %s", baton_error_last()->message);
	if (baton_ctx_new(&ctx) != 0 ||
	    baton_resource_new_with_id(ctx, "g005", &(baton_resource_id){"group", "g005"}, &g5) != 0 ||
	    baton_entitlement_new(ctx, g5, "member", BATON_PURPOSE_ASSIGNMENT, &member) != 0)
		child_fail(c, "cannot build the entitlement");
	/* every child has loaded the model: now all change it at once */
	barrier(c, up, down1);
	for (i = 0; i < GRANTS_EACH; i++) {
		grant(c, ctx, member, to_grant[(size_t)c + PROCS * i]);
		if (i < TOKENS_EACH) {
			snprintf(rid, sizeof(rid), "proc-%d-%zu", c, i);
			issue(c, rid, false, ids[i], sizeof(ids[i]));
		}
		if (i < ACCOUNTS_EACH)
			create_account(c, i);
	}
	barrier(c, up, down2);
	revoked = revoke_shared(c, ctx);
	check_own_model(c);
	/* one request id in every process: one token, the others are refused */
	issued = issue(c, "proc-shared", true, shared, sizeof(shared)) == 0 ? 'I' : 'E';
	len = (size_t)snprintf(line, sizeof(line), "%d %c %c", c, revoked, issued);
	for (i = 0; i < TOKENS_EACH; i++)
		len += (size_t)snprintf(line + len, sizeof(line) - len, " %s", ids[i]);
	if (issued == 'I')
		len += (size_t)snprintf(line + len, sizeof(line) - len, " %s", shared);
	len += (size_t)snprintf(line + len, sizeof(line) - len, "\n");
	/* one write, shorter than PIPE_BUF: the children's lines do not mix */
	if (write(results, line, len) != (ssize_t)len)
		child_fail(c, "results: %s", strerror(errno));
	baton_ctx_free(ctx);
	baton__runtime_close(&rt);
	_exit(0);
}

/* ---- The parent ---- */

static void pick_principals(void)
{
	demo_model *m;
	demo_obj *g5, *g1;
	size_t u, i, n = 0;

	assert_int_equal(demo_model_new(&params, NULL, &m), DEMO_OK);
	g5 = demo_model_find(m, DEMO_GROUP, "g005", NULL);
	g1 = demo_model_find(m, DEMO_GROUP, "g001", NULL);
	assert_non_null(g5);
	assert_non_null(g1);
	for (u = 0; u < m->n[DEMO_USER]; u++) {
		demo_obj *o = &m->objs[DEMO_USER][u];
		if (token_user[0] == '\0' && !o->disabled)
			snprintf(token_user, sizeof(token_user), "%s", o->id);
		if (n < PROCS * GRANTS_EACH && demo_obj_find_grant(g5, 0, (demo_ref){DEMO_USER, u}) < 0)
			snprintf(to_grant[n++], sizeof(to_grant[0]), "%s", o->id);
	}
	for (i = 0; i < g1->n_grants && to_revoke[0] == '\0'; i++) {
		if (g1->grants[i].ent == 0 && g1->grants[i].principal.kind == DEMO_USER)
			snprintf(to_revoke, sizeof(to_revoke), "%s", m->objs[DEMO_USER][g1->grants[i].principal.idx].id);
	}
	assert_true(token_user[0] != '\0');
	assert_int_equal(n, PROCS * GRANTS_EACH);
	assert_true(to_revoke[0] != '\0');
	demo_model_free(m);
}

/* Reads PROCS bytes from `up`: every child reached the barrier (or died: then fail). */
static void wait_children(int up)
{
	char buf[PROCS];
	size_t got = 0;
	ssize_t n;

	while (got < PROCS) {
		n = read(up, buf, PROCS - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			fail_msg("a child stopped before the barrier (see its stderr)");
		got += (size_t)n;
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* No "<state>.tmp..." file next to the state file. */
static void assert_no_temporary(void)
{
	char dir[4096], base[1024];
	const char *slash = strrchr(state_path, '/');
	DIR *d;
	struct dirent *e;

	assert_non_null(slash);
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - state_path), state_path);
	snprintf(base, sizeof(base), "%s.tmp", slash + 1);
	d = opendir(dir);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, base, strlen(base)) == 0)
			fail_msg("temporary file left: %s/%s", dir, e->d_name);
	}
	closedir(d);
}

static void test_processes_share_the_state_file(void **state)
{
	int up[2], down1[2], down2[2], results[2];
	pid_t pids[PROCS];
	char buf[PROCS * 512 + 1], *line, *save = NULL;
	const char *got_ids[N_TOKENS], *file_ids[N_TOKENS];
	size_t len = 0, n_ids = 0, n_file = 0, i, u;
	int c, status, revoked = 0, issued = 0, lines = 0;
	demo_model *m;
	demo_obj *g5, *g1;
	const json_t *ops;
	ssize_t n;

	(void)state;
	pick_principals();
	assert_int_equal(pipe(up), 0);
	assert_int_equal(pipe(down1), 0);
	assert_int_equal(pipe(down2), 0);
	assert_int_equal(pipe(results), 0);
	fflush(NULL);
	for (c = 0; c < PROCS; c++) {
		pids[c] = fork();
		assert_true(pids[c] >= 0);
		if (pids[c] == 0) {
			close(up[0]);
			close(down1[1]);
			close(down2[1]);
			close(results[0]);
			child(c, up[1], down1[0], down2[0], results[1]);
		}
	}
	close(up[1]);
	close(down1[0]);
	close(down2[0]);
	close(results[1]);
	wait_children(up[0]);
	close(down1[1]);        /* go */
	wait_children(up[0]);
	close(down2[1]);        /* all done: revoke */
	while ((n = read(results[0], buf + len, sizeof(buf) - 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		assert_true(n > 0);
		len += (size_t)n;
	}
	buf[len] = '\0';
	close(results[0]);
	close(up[0]);
	for (c = 0; c < PROCS; c++) {
		assert_int_equal(waitpid(pids[c], &status, 0), pids[c]);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			fail_msg("child %d: %s (see its stderr)", c, demo_status_str(status));
	}

	/* what the callers got: one revoke revoked, distinct token ids */
	for (line = strtok_r(buf, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char *tok, *save2 = NULL;
		lines++;
		strtok_r(line, " ", &save2);
		tok = strtok_r(NULL, " ", &save2);
		assert_non_null(tok);
		revoked += *tok == 'R';
		tok = strtok_r(NULL, " ", &save2);
		assert_non_null(tok);
		issued += *tok == 'I';
		while ((tok = strtok_r(NULL, " ", &save2)) != NULL && n_ids < N_TOKENS)
			got_ids[n_ids++] = tok;
	}
	assert_int_equal(lines, PROCS);
	assert_int_equal(revoked, 1);
	assert_int_equal(issued, 1);
	assert_int_equal(n_ids, N_TOKENS);
	qsort(got_ids, n_ids, sizeof(got_ids[0]), cmp_str);
	for (i = 0; i < n_ids; i++) {
		char want[32];
		snprintf(want, sizeof(want), "t%04zu", i + 1);
		if (strcmp(got_ids[i], want) != 0)
			fail_msg("token ids: %s where %s was expected (a repeated or skipped id)", got_ids[i], want);
	}

	/* what the file holds: everything */
	assert_int_equal(demo_model_new(&params, state_path, &m), DEMO_OK);
	g5 = demo_model_find(m, DEMO_GROUP, "g005", NULL);
	g1 = demo_model_find(m, DEMO_GROUP, "g001", NULL);
	for (i = 0; i < PROCS * GRANTS_EACH; i++) {
		assert_non_null(demo_model_find(m, DEMO_USER, to_grant[i], &u));
		if (demo_obj_find_grant(g5, 0, (demo_ref){DEMO_USER, u}) < 0)
			fail_msg("the state file lost the g005 membership of %s", to_grant[i]);
	}
	assert_non_null(demo_model_find(m, DEMO_USER, to_revoke, &u));
	assert_true(demo_obj_find_grant(g1, 0, (demo_ref){DEMO_USER, u}) < 0);
	assert_int_equal(m->n[DEMO_USER], params.users + PROCS * ACCOUNTS_EACH);
	for (c = 0; c < PROCS; c++) {
		for (i = 0; i < ACCOUNTS_EACH; i++) {
			char login[32];
			size_t k, found = 0;
			snprintf(login, sizeof(login), "proc%d.account%zu", c, i);
			for (k = 0; k < m->n[DEMO_USER]; k++)
				found += strcmp(m->objs[DEMO_USER][k].login, login) == 0;
			if (found != 1)
				fail_msg("account %s: %zu users", login, found);
		}
	}
	ops = demo_model_ops(m);
	for (i = 0; i < json_array_size(ops) && n_file < N_TOKENS; i++) {
		json_t *op = json_array_get(ops, i);
		if (strcmp(json_string_value(json_object_get(op, "op")), "issue_token") == 0)
			file_ids[n_file++] = json_string_value(json_object_get(op, "token"));
	}
	assert_int_equal(n_file, N_TOKENS);
	qsort(file_ids, n_file, sizeof(file_ids[0]), cmp_str);
	for (i = 0; i < n_file; i++)
		assert_string_equal(file_ids[i], got_ids[i]);
	demo_model_free(m);
	assert_no_temporary();
}

/* ---- One-shot runs of the program ---- */

#define ONE_SHOTS 12

static const char *demo_bin;

/*
 * ONE_SHOTS `baton-demo --grant-entitlement role:r01:assigned` runs started at once, each for
 * another user, as a person or a script granting access one by one would: every run says it
 * granted, so the state file must hold every grant. (The old code kept a few of them: each run
 * rewrote the file with its own grant only.)
 */
static void test_one_shots_at_once(void **state)
{
	char c1z[4200], users[ONE_SHOTS][16];
	pid_t pids[ONE_SHOTS];
	demo_model *m;
	demo_obj *r1;
	size_t u, n = 0;
	int i, status;

	(void)state;
	assert_int_equal(demo_model_new(&params, NULL, &m), DEMO_OK);
	r1 = demo_model_find(m, DEMO_ROLE, "r01", NULL);
	assert_non_null(r1);
	for (u = 0; u < m->n[DEMO_USER] && n < ONE_SHOTS; u++) {
		if (demo_obj_find_grant(r1, 0, (demo_ref){DEMO_USER, u}) < 0)
			snprintf(users[n++], sizeof(users[0]), "%s", m->objs[DEMO_USER][u].id);
	}
	demo_model_free(m);
	assert_int_equal(n, ONE_SHOTS);
	/* the one-shot finds the entitlement and the principal in a synced c1z */
	snprintf(c1z, sizeof(c1z), "%s.c1z", state_path);
	unlink(c1z);
	status = demo_run(demo_bin, c1z, NULL, NULL);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("sync: %s", demo_status_str(status));

	fflush(NULL);
	for (i = 0; i < ONE_SHOTS; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			int null = open("/dev/null", O_WRONLY);
			if (null < 0)
				_exit(126);
			dup2(null, 1);
			execl(demo_bin, demo_bin, "-f", c1z, "--state-file", state_path, "--grant-entitlement",
			      "role:r01:assigned", "--grant-principal", users[i], "--grant-principal-type", "user",
			      "--log-level", "warn", (char *)NULL);
			_exit(127);
		}
	}
	for (i = 0; i < ONE_SHOTS; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			fail_msg("grant to %s: %s (see its stderr)", users[i], demo_status_str(status));
	}

	assert_int_equal(demo_model_new(&params, state_path, &m), DEMO_OK);
	r1 = demo_model_find(m, DEMO_ROLE, "r01", NULL);
	for (i = 0; i < ONE_SHOTS; i++) {
		assert_non_null(demo_model_find(m, DEMO_USER, users[i], &u));
		if (demo_obj_find_grant(r1, 0, (demo_ref){DEMO_USER, u}) < 0)
			fail_msg("the state file lost the r01 assignment of %s", users[i]);
	}
	assert_int_equal(json_array_size((const json_t *)demo_model_ops(m)), ONE_SHOTS);
	demo_model_free(m);
	assert_no_temporary();
}

static int setup(void **state)
{
	static const char *const vars[] = {"BATON_DEMO_USERS",      "BATON_DEMO_GROUPS", "BATON_DEMO_ROLES",
	                                   "BATON_DEMO_WORKSPACES", "BATON_DEMO_PROJECTS", "BATON_DEMO_SEED",
	                                   "BATON_DEMO_PAGE_SIZE"};
	size_t i;

	(void)state;
	/* as demo_runtime_fixture.h, without opening a connector here: the children open their own */
	demo_params_default(&params);
	snprintf(state_path, sizeof(state_path), "%s/demo-processes-%ld.json", test_out_dir(), (long)getpid());
	unlink(state_path);
	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
	return 0;
}

/* Removes the state file, its lock and test_one_shots_at_once's c1z. */
static int teardown(void **state)
{
	char lock[4200];

	(void)state;
	unlink(state_path);
	snprintf(lock, sizeof(lock), "%s.lock", state_path);
	unlink(lock);
	snprintf(lock, sizeof(lock), "%s.c1z", state_path);
	unlink(lock);
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_processes_share_the_state_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_shots_at_once, setup, teardown),
	};
	if (argc < 2) {
		fprintf(stderr, "usage: %s <baton-demo>\n", argv[0]);
		return 2;
	}
	demo_bin = argv[1];
	alarm(300);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
