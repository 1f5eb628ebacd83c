/* The syncer's rules, one test each, against the fake connector of sync_testutil.h. */
#include "sync_testutil.h"

#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>

static int run(const char *path, baton_sync_options *o, baton_sync_summary *sum)
{
	o->c1z_path = path;
	return baton_sync(&fake_connector, o, sum);
}

static void test_full_sync_pagination_and_children(void **state)
{
	(void)state;
	reset_all();
	char *path = tmp_c1z("full");
	baton_sync_options o = BATON_SYNC_OPTIONS_INIT;
	baton_sync_summary sum;
	CHECK(run(path, &o, &sum));
	/* 5 users over 3 pages, 3 groups, 6 projects (nested under groups), 6 repos (under projects), 2 roles */
	char *res = rows_of(path, sum.sync_id, "resources");
	assert_int_equal(count_lines(res), 5 + 3 + 6 + 6 + 2);
	assert_non_null(strstr(res, "u4\n"));
	assert_non_null(strstr(res, "g0-p1\n"));
	assert_non_null(strstr(res, "g2-p1-r0\n"));
	char *ents = rows_of(path, sum.sync_id, "entitlements");
	/* group member x3, project admin x6, role viewer (static) x2 */
	assert_int_equal(count_lines(ents), 3 + 6 + 2);
	assert_non_null(strstr(ents, "role:role1:viewer\n"));
	char *grants = rows_of(path, sum.sync_id, "grants");
	/* two pages of one grant each per group */
	assert_int_equal(count_lines(grants), 6);
	assert_int_equal(K.list_calls, 3);
	/* finished: the token has an empty stack */
	char *tok = token_of(path, sum.sync_id);
	assert_null(strstr(tok, "actions_map"));
	assert_non_null(strstr(tok, "\"version\":1"));
	free(tok);
	free(res);
	free(ents);
	free(grants);
	free(path);
}

static void test_static_entitlements_fall_back_to_resource(void **state)
{
	(void)state;
	reset_all();
	char *path = tmp_c1z("static");
	baton_sync_options o = BATON_SYNC_OPTIONS_INIT;
	baton_sync_summary sum;
	CHECK(run(path, &o, &sum));
	baton_store *s;
	CHECK(baton_store_open(path, NULL, &s));
	baton_ctx *ctx;
	baton_ctx_new(&ctx);
	baton_entitlement *e;
	CHECK(baton_store_get_entitlement(s, sum.sync_id, "role:role0:viewer", ctx, &e));
	/* display name empty in the template: the resource's name */
	assert_string_equal(baton_entitlement_display_name(e), "role0");
	assert_string_equal(baton_entitlement_slug(e), "viewer");
	assert_string_equal(baton_resource_get_id(baton_entitlement_resource(e)).resource, "role0");
	baton_ctx_free(ctx);
	baton_store_discard(s);
	free(path);
}

static void test_skip_annotations(void **state)
{
	(void)state;
	reset_all();
	K.group_skip_grants = true;      /* resource scope: g1 gets no grants action */
	K.user_type_skip_eg = true;      /* type scope */
	K.project_skip_ents = true;      /* resource scope */
	char *path = tmp_c1z("skip");
	baton_sync_options o = BATON_SYNC_OPTIONS_INIT;
	baton_sync_summary sum;
	CHECK(run(path, &o, &sum));
	char *ents = rows_of(path, sum.sync_id, "entitlements");
	char *grants = rows_of(path, sum.sync_id, "grants");
	assert_null(strstr(ents, "project:"));
	assert_non_null(strstr(ents, "group:g1:member"));  /* SkipGrants leaves entitlements alone */
	assert_int_equal(count_lines(grants), 4);
	assert_null(strstr(grants, "group:g1:member"));
	free(ents);
	free(grants);
	free(path);
}

static void test_trait_check_failure(void **state)
{
	(void)state;
	reset_all();
	K.user_missing_trait = true;
	char *path = tmp_c1z("trait");
	baton_sync_options o = BATON_SYNC_OPTIONS_INIT;
	int rc = run(path, &o, NULL);
	assert_int_not_equal(rc, 0);
	assert_non_null(strstr(baton_error_last()->message, "resource was missing expected trait UserTrait"));
	free(path);
}

static void test_repeated_page_token(void **state)
{
	(void)state;
	reset_all();
	K.repeat_user_token = true;
	char *path = tmp_c1z("repeat");
	baton_sync_options o = BATON_SYNC_OPTIONS_INIT;
	int rc = run(path, &o, NULL);
	assert_int_equal(rc, BATON_EINTERNAL);
	const char *m = baton_error_last()->message;
	assert_non_null(strstr(m, "list-resources"));
	assert_non_null(strstr(m, "next page token unchanged"));
	assert_non_null(strstr(m, "'user'"));
	free(path);
}

static void test_notfound_warnings_under_threshold(void **state)
{
	(void)state;
	reset_all();
	K.notfound_grants = 2;
	char *path = tmp_c1z("warn");
	baton_sync_options o = BATON_SYNC_OPTIONS_INIT;
	baton_sync_summary sum;
	CHECK(run(path, &o, &sum));
	assert_int_equal(sum.warnings, 2);
	free(path);
}

/* 30 groups whose grants are all NotFound: more than 10 warnings and more than 10 % of the
 * completed actions -> the sync stops; the token is kept, so it could be resumed. */
static void test_notfound_warnings_over_threshold(void **state)
{
	(void)state;
	reset_all();
	K.groups = 30;
	K.no_children = true;
	K.notfound_grants = 1000;
	char *path = tmp_c1z("warn2");
	baton_sync_options o = BATON_SYNC_OPTIONS_INIT;
	int rc = run(path, &o, NULL);
	assert_int_equal(rc, BATON_EUNKNOWN);
	assert_non_null(strstr(baton_error_last()->message, "too many warnings"));
	free(path);
}

static void test_unavailable_retried_with_backoff(void **state)
{
	(void)state;
	reset_all();
	K.unavailable_users = 3;
	char *path = tmp_c1z("retry");
	baton_sync_options o = BATON_SYNC_OPTIONS_INIT;
	baton_sync_summary sum;
	CHECK(run(path, &o, &sum));
	assert_int_equal(fake_n_waits, 3);
	assert_int_equal(fake_waits[0], 1000);
	assert_int_equal(fake_waits[1], 2000);
	assert_int_equal(fake_waits[2], 3000);
	assert_int_equal(sum.retries, 3);
	free(path);
}

static void test_unavailable_ratelimit_reset(void **state)
{
	(void)state;
	reset_all();
	K.unavailable_users = 1;
	K.unavailable_ratelimit = true; /* reset in ~30 s, 3 remaining: ceil(30/3) = 10 s */
	fake_now = 1700000000000LL;
	char *path = tmp_c1z("ratelimit");
	baton_sync_options o = BATON_SYNC_OPTIONS_INIT;
	CHECK(run(path, &o, NULL));
	assert_int_equal(fake_n_waits, 1);
	assert_int_equal(fake_waits[0], 10000);
	free(path);
}

static void test_retry_wait_rules(void **state)
{
	(void)state;
	baton__retryer r = {0, 0, 1000, 60000, 0};
	baton__ratelimit none = {false, 0, 0};
	assert_int_equal(baton__retry_wait_ms(&r, 1, &none, 0), 1000);
	assert_int_equal(baton__retry_wait_ms(&r, 90, &none, 0), 60000);  /* capped */
	baton__ratelimit zero = {true, 45500, 0};                         /* no requests left: until reset */
	assert_int_equal(baton__retry_wait_ms(&r, 1, &zero, 0), 45500);
	baton__ratelimit some = {true, 10001, 4};                         /* ceil(10.001/4 s) = 3 s */
	assert_int_equal(baton__retry_wait_ms(&r, 1, &some, 0), 3000);
	baton__ratelimit past = {true, 10, 0};                            /* reset passed: linear */
	assert_int_equal(baton__retry_wait_ms(&r, 2, &past, 100), 2000);
	baton__ratelimit far = {true, 600000, 0};
	assert_int_equal(baton__retry_wait_ms(&r, 1, &far, 0), 60000);
}

static void test_fatal_error_then_resume(void **state)
{
	(void)state;
	/* the uninterrupted run */
	reset_all();
	char *ref = tmp_c1z("ref");
	baton_sync_options o = BATON_SYNC_OPTIONS_INIT;
	baton_sync_summary sref;
	CHECK(run(ref, &o, &sref));

	reset_all();
	fake_clock_install(20000); /* every clock read is 20 s later: a checkpoint every iteration */
	K.fail_grants_after = 2;
	char *path = tmp_c1z("resume");
	baton_sync_options o2 = BATON_SYNC_OPTIONS_INIT;
	assert_int_equal(run(path, &o2, NULL), BATON_EINTERNAL);
	assert_non_null(strstr(baton_error_last()->message, "list-grants"));
	assert_non_null(strstr(baton_error_last()->message, "boom"));

	/* the failed run wrote no c1z: its work and last checkpoint are in the working copy */
	assert_int_not_equal(access(path, F_OK), 0);
	baton_store *s;
	baton_store_options so = BATON_STORE_OPTIONS_INIT;
	so.resumable_work_dir = true;
	CHECK(baton_store_open(path, &so, &s));
	assert_true(baton_store_resumed(s));
	baton_ctx *ctx;
	baton_ctx_new(&ctx);
	baton_sync_run run1;
	CHECK(baton_store_sync_latest_unfinished(s, BATON_SYNC_TYPE_FULL, ctx, &run1));
	char *sid = strdup(run1.id);
	assert_non_null(strstr(run1.sync_token, "\"operation\":\"list-grants\""));
	assert_non_null(strstr(run1.sync_token, "\"operation\":\"grant-expansion\""));
	baton_ctx_free(ctx);
	CHECK(baton_store_suspend(s)); /* keep it for the run below */

	K.fail_grants_after = 0;
	baton_sync_summary sum;
	CHECK(run(path, &o2, &sum));
	assert_true(sum.resumed);
	assert_string_equal(sum.sync_id, sid);
	const char *kinds[] = {"resources", "entitlements", "grants"};
	for (int i = 0; i < 3; i++) {
		char *a = rows_of(ref, sref.sync_id, kinds[i]);
		char *b = rows_of(path, sid, kinds[i]);
		assert_string_equal(a, b);
		free(a);
		free(b);
	}
	/* saved: the working copy is gone */
	char wip[4200];
	snprintf(wip, sizeof(wip), "%s.wip", path);
	assert_int_not_equal(access(wip, F_OK), 0);
	free(sid);
	free(ref);
	free(path);
}

/* Entries of `dir` whose names end in ".wip" (other entries: -1000 each, so they fail too). */
static int count_wips(const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		n += l > 4 && !strcmp(e->d_name + l - 4, ".wip") ? 1 : -1000;
	}
	closedir(d);
	return n;
}

/* --c1z-temp-dir (baton_sync_options.tmp_dir): the resumable working copy lives there, not next
 * to the c1z, and a run given the same directory resumes it. */
static void test_tmp_dir_holds_working_copy(void **state)
{
	(void)state;
	reset_all();
	fake_clock_install(20000);
	K.fail_grants_after = 2;
	char *path = tmp_c1z("tmpdir");
	char tmp[4200], wip[4200];
	snprintf(tmp, sizeof(tmp), "%s.tmpdir", path);
	assert_int_equal(mkdir(tmp, 0700), 0);
	baton_sync_options o = BATON_SYNC_OPTIONS_INIT;
	o.tmp_dir = tmp;
	assert_int_equal(run(path, &o, NULL), BATON_EINTERNAL);
	snprintf(wip, sizeof(wip), "%s.wip", path);
	assert_int_not_equal(access(wip, F_OK), 0); /* nothing next to the c1z */
	assert_int_equal(count_wips(tmp), 1);
	K.fail_grants_after = 0;
	baton_sync_summary sum;
	CHECK(run(path, &o, &sum));
	assert_true(sum.resumed);
	assert_int_equal(count_wips(tmp), 0); /* saved: the working copy is gone */
	assert_int_equal(access(path, F_OK), 0);
	rmdir(tmp);
	free(path);
}

static int progress_calls, progress_exit_at;
static void progress_exit(const baton_sync_progress *p, void *ud)
{
	(void)p;
	(void)ud;
	if (++progress_calls == progress_exit_at)
		_exit(0);
}

/* A run stopped after ending its sync but before saving the c1z (here: in the last progress call,
 * which comes after the end): the next run saves that sync without calling the connector. */
static void test_stop_between_end_and_save(void **state)
{
	(void)state;
	reset_all();
	fake_clock_install(0); /* no timed progress calls: only the forced ones */
	char *path = tmp_c1z("endsave");
	baton_sync_options o = BATON_SYNC_OPTIONS_INIT;
	o.progress = progress_exit;
	progress_calls = 0;
	progress_exit_at = -1;
	baton_sync_summary ref;
	CHECK(run(path, &o, &ref));
	int total = progress_calls;
	assert_true(total >= 1); /* the last one comes after the end of the sync */
	unlink(path);

	reset_all();
	progress_calls = 0;
	progress_exit_at = total;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		run(path, &o, NULL);
		_exit(1); /* not reached: the last progress call exits */
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_not_equal(access(path, F_OK), 0); /* ended, never saved */

	reset_all();
	o.progress = NULL;
	baton_sync_summary sum;
	CHECK(run(path, &o, &sum));
	assert_true(sum.resumed);
	assert_int_equal(K.list_calls, 0); /* nothing asked of the connector */
	assert_int_equal(sum.resources, ref.resources);
	assert_int_equal(sum.grants, ref.grants);
	baton_store *s;
	baton_store_options ro = BATON_STORE_OPTIONS_INIT;
	ro.read_only = true;
	CHECK(baton_store_open(path, &ro, &s));
	baton_ctx *ctx;
	baton_ctx_new(&ctx);
	baton_sync_run *runs;
	size_t n;
	CHECK(baton_store_sync_list(s, ctx, &runs, &n));
	assert_int_equal(n, 1);
	assert_string_equal(runs[0].id, sum.sync_id);
	assert_non_null(runs[0].ended_at);
	baton_ctx_free(ctx);
	baton_store_discard(s);
	char *res = rows_of(path, sum.sync_id, "resources");
	assert_int_equal(count_lines(res), 5 + 3 + 6 + 6 + 2);
	free(res);
	char wip[4200];
	snprintf(wip, sizeof(wip), "%s.wip", path);
	assert_int_not_equal(access(wip, F_OK), 0);
	free(path);
}

/* Two syncs of one file at the same time: the second is refused. */
static void test_concurrent_runs_refused(void **state)
{
	(void)state;
	reset_all();
	char *path = tmp_c1z("busy");
	baton_store *s;
	baton_store_options so = BATON_STORE_OPTIONS_INIT;
	so.resumable_work_dir = true;
	CHECK(baton_store_open(path, &so, &s));
	baton_sync_options o = BATON_SYNC_OPTIONS_INIT;
	int rc = run(path, &o, NULL);
	assert_int_equal(rc, BATON_EUNAVAILABLE);
	assert_non_null(strstr(baton_error_last()->message, "in use by another process"));
	baton_store_discard(s);
	CHECK(run(path, &o, NULL));
	free(path);
}

static void test_checkpoint_interval_env(void **state)
{
	(void)state;
	reset_all();
	char *path = tmp_c1z("ckenv");
	baton_sync_options o = BATON_SYNC_OPTIONS_INIT;
	setenv("BATON_CHECKPOINT_INTERVAL_MS", "soon", 1);
	assert_int_equal(run(path, &o, NULL), BATON_EINVALID);
	assert_non_null(strstr(baton_error_last()->message, "BATON_CHECKPOINT_INTERVAL_MS"));
	setenv("BATON_CHECKPOINT_INTERVAL_MS", "0", 1);
	CHECK(run(path, &o, NULL));
	unsetenv("BATON_CHECKPOINT_INTERVAL_MS");
	free(path);
}

static void test_resume_ignores_old_syncs(void **state)
{
	(void)state;
	reset_all();
	char *path = tmp_c1z("old");
	baton_store *s;
	CHECK(baton_store_open(path, NULL, &s));
	char old[28];
	CHECK(baton_store_sync_start(s, BATON_SYNC_TYPE_FULL, NULL, old));
	CHECK(baton_store_sync_checkpoint(s, "{\"action_order\":[\"0000000000\"],\"actions_map\":{\"0000000000\":"
	                                     "{\"id\":\"0000000000\",\"operation\":\"init\"}},\"current_action_id\":1,"
	                                     "\"version\":1}"));
	char sql[256];
	snprintf(sql, sizeof(sql), "UPDATE v1_sync_runs SET started_at = '2001-01-01 00:00:00' WHERE sync_id = '%s'", old);
	assert_int_equal(sqlite3_exec(s->db, sql, NULL, NULL, NULL), SQLITE_OK);
	s->dirty = true;
	CHECK(baton_store_close(s));

	baton_sync_options o = BATON_SYNC_OPTIONS_INIT;
	baton_sync_summary sum;
	CHECK(run(path, &o, &sum));
	assert_false(sum.resumed);
	assert_string_not_equal(sum.sync_id, old);
	free(path);
}

static void test_targeted_sync(void **state)
{
	(void)state;
	reset_all();
	char *path = tmp_c1z("targeted");
	baton_sync_options o = BATON_SYNC_OPTIONS_INIT;
	baton_sync_summary full;
	CHECK(run(path, &o, &full));
	const char *targets[] = {"group/g0", "bid:r:user/u1", "group/missing", "group/g0"};
	o.sync_resources = targets;
	o.n_sync_resources = 4;
	baton_sync_summary sum;
	CHECK(run(path, &o, &sum));
	baton_store *s;
	CHECK(baton_store_open(path, NULL, &s));
	baton_ctx *ctx;
	baton_ctx_new(&ctx);
	baton_sync_run r;
	CHECK(baton_store_sync_get(s, sum.sync_id, ctx, &r));
	assert_int_equal(r.type, BATON_SYNC_TYPE_PARTIAL);
	assert_string_equal(r.parent_sync_id, full.sync_id);
	baton_ctx_free(ctx);
	baton_store_discard(s);
	char *res = rows_of(path, sum.sync_id, "resources");
	/* g0, u1 (targeted), g0's projects (children listed), u0 (fetched: principal of g0's grants) */
	assert_non_null(strstr(res, "g0\n"));
	assert_non_null(strstr(res, "u1\n"));
	assert_non_null(strstr(res, "g0-p0\n"));
	assert_null(strstr(res, "g1\n"));
	char *grants = rows_of(path, sum.sync_id, "grants");
	assert_int_equal(count_lines(grants), 2);
	free(res);
	free(grants);
	free(path);
}

static void test_resources_only(void **state)
{
	(void)state;
	reset_all();
	char *path = tmp_c1z("ronly");
	baton_sync_options o = BATON_SYNC_OPTIONS_INIT;
	o.skip_entitlements_and_grants = true;
	baton_sync_summary sum;
	CHECK(run(path, &o, &sum));
	char *ents = rows_of(path, sum.sync_id, "entitlements");
	char *res = rows_of(path, sum.sync_id, "resources");
	assert_int_equal(count_lines(ents), 0);
	assert_int_equal(count_lines(res), 22);
	baton_store *s;
	CHECK(baton_store_open(path, NULL, &s));
	baton_ctx *ctx;
	baton_ctx_new(&ctx);
	baton_sync_run r;
	CHECK(baton_store_sync_get(s, sum.sync_id, ctx, &r));
	assert_int_equal(r.type, BATON_SYNC_TYPE_RESOURCES_ONLY);
	baton_ctx_free(ctx);
	baton_store_discard(s);
	free(ents);
	free(res);
	free(path);
}

static void test_skip_grants(void **state)
{
	(void)state;
	reset_all();
	char *path = tmp_c1z("skipgrants");
	baton_sync_options o = BATON_SYNC_OPTIONS_INIT;
	o.skip_grants = true;
	baton_sync_summary sum;
	CHECK(run(path, &o, &sum));
	char *ents = rows_of(path, sum.sync_id, "entitlements");
	char *grants = rows_of(path, sum.sync_id, "grants");
	assert_int_equal(count_lines(ents), 11);
	assert_int_equal(count_lines(grants), 0);
	free(ents);
	free(grants);
	free(path);
}

static void test_resource_type_filter(void **state)
{
	(void)state;
	reset_all();
	char *path = tmp_c1z("filter");
	baton_sync_options o = BATON_SYNC_OPTIONS_INIT;
	const char *types[] = {"group", "user"};
	o.sync_resource_types = types;
	o.n_sync_resource_types = 2;
	baton_sync_summary sum;
	CHECK(run(path, &o, &sum));
	char *res = rows_of(path, sum.sync_id, "resources");
	assert_int_equal(count_lines(res), 8);  /* children of other types are not scheduled */
	free(res);
	const char *bad[] = {"nope"};
	o.sync_resource_types = bad;
	o.n_sync_resource_types = 1;
	char *path2 = tmp_c1z("filter2");
	o.c1z_path = path2;
	assert_int_not_equal(baton_sync(&fake_connector, &o, NULL), 0);
	assert_non_null(strstr(baton_error_last()->message, "invalid resource type 'nope' in filter"));
	free(path);
	free(path2);
}

static void test_expansion_runs(void **state)
{
	(void)state;
	reset_all();
	K.expandable = true;
	char *path = tmp_c1z("expand");
	baton_sync_options o = BATON_SYNC_OPTIONS_INIT;
	baton_sync_summary sum;
	CHECK(run(path, &o, &sum));
	char *grants = rows_of(path, sum.sync_id, "grants");
	/* g1's members (u0, u1) flow into g2:member; g2 already has u0 and u1 directly */
	assert_non_null(strstr(grants, "group:g2:member:group:g1\n"));
	free(grants);
	free(path);
}

/* ---- debug records of pages: one per page a list callback answered ---- */

#include <jansson.h>

typedef struct page_rec {
	char op[32], type[32], parent[64];
	long long page, items;
	bool next, mid;
} page_rec;

/* Runs a sync of `conn` with debug records in JSON captured; returns the "listed page" records in
 * log order (*n of them) and fails the test on any other problem. `level` is the log level. */
static page_rec *sync_pages(const baton_connector *conn, baton_sync_options *o, baton_log_level level, size_t *n)
{
	FILE *f = tmpfile();
	assert_non_null(f);
	baton__log_set_stream(f);
	baton__log_configure(level, BATON__LOG_JSON);
	int rc = baton_sync(conn, o, NULL);
	baton__log_set_stream(NULL);
	baton__log_configure(BATON_LOG_ERROR, BATON__LOG_CONSOLE);
	CHECK(rc);
	rewind(f);
	page_rec *v = calloc(1024, sizeof(*v));
	assert_non_null(v);
	*n = 0;
	char line[4096];
	while (fgets(line, sizeof(line), f)) {
		json_error_t err;
		json_t *j = json_loads(line, 0, &err);
		if (!j)
			fail_msg("log line is not JSON: %s", line);
		if (strcmp(json_string_value(json_object_get(j, "msg")), "listed page")) {
			json_decref(j);
			continue;
		}
		assert_true(*n < 1024);
		page_rec *r = &v[(*n)++];
		assert_string_equal(json_string_value(json_object_get(j, "level")), "debug");
		snprintf(r->op, sizeof(r->op), "%s", json_string_value(json_object_get(j, "operation")));
		snprintf(r->type, sizeof(r->type), "%s", json_string_value(json_object_get(j, "resource_type_id")));
		snprintf(r->parent, sizeof(r->parent), "%s", json_string_value(json_object_get(j, "parent")));
		assert_true(json_is_integer(json_object_get(j, "page")));
		assert_true(json_is_integer(json_object_get(j, "items")));
		assert_true(json_is_boolean(json_object_get(j, "has_next_token")));
		r->page = json_integer_value(json_object_get(j, "page"));
		r->items = json_integer_value(json_object_get(j, "items"));
		r->next = json_is_true(json_object_get(j, "has_next_token"));
		json_t *mid = json_object_get(j, "started_mid_listing");
		assert_true(!mid || json_is_true(mid));
		r->mid = mid != NULL;
		json_decref(j);
	}
	fclose(f);
	return v;
}

/* The records of one listing (op, type, parent) in order, as "page:items:next[:mid]" joined by ' '. */
static char *listing(const page_rec *v, size_t n, const char *op, const char *type, const char *parent)
{
	char *out = calloc(1, 4096);
	assert_non_null(out);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i].op, op) || strcmp(v[i].type, type) || strcmp(v[i].parent, parent))
			continue;
		snprintf(out + strlen(out), 4096 - strlen(out), "%s%lld:%lld:%s%s", *out ? " " : "", v[i].page,
		         v[i].items, v[i].next ? "next" : "end", v[i].mid ? ":mid" : "");
	}
	return out;
}

static void expect_listing(const page_rec *v, size_t n, const char *op, const char *type, const char *parent,
                           const char *want)
{
	char *got = listing(v, n, op, type, parent);
	if (strcmp(got, want))
		fail_msg("%s %s parent %s: pages '%s', expected '%s'", op, type, parent, got, want);
	free(got);
}

static void check_fake_pages(const page_rec *v, size_t n)
{
	/* users: 5 over pages of 2 */
	expect_listing(v, n, "list-resources", "user", "none", "1:2:next 2:2:next 3:1:end");
	expect_listing(v, n, "list-resources", "group", "none", "1:3:end");
	expect_listing(v, n, "list-resources", "project", "none", "1:0:end");
	expect_listing(v, n, "list-resources", "role", "none", "1:2:end");
	char parent[64];
	for (int g = 0; g < 3; g++) {
		snprintf(parent, sizeof(parent), "group/g%d", g);
		expect_listing(v, n, "list-resources", "project", parent, "1:2:end");
		/* grants: one per page, two pages */
		expect_listing(v, n, "list-grants", "group", parent, "1:1:next 2:1:end");
		expect_listing(v, n, "list-entitlements", "group", parent, "1:1:end");
		for (int p = 0; p < 2; p++) {
			snprintf(parent, sizeof(parent), "project/g%d-p%d", g, p);
			expect_listing(v, n, "list-resources", "repo", parent, "1:1:end");
			expect_listing(v, n, "list-entitlements", "project", parent, "1:1:end");
		}
	}
	expect_listing(v, n, "list-static-entitlements", "role", "none", "1:1:end");
	expect_listing(v, n, "list-resources", "repo", "none", "1:0:end");
	/* users have no entitlements or grants callbacks: no pages */
	expect_listing(v, n, "list-grants", "user", "user/u0", "");
	expect_listing(v, n, "list-entitlements", "user", "user/u0", "");
	/* nothing else: resources 7 top-level + 3 project + 6 repo listings, entitlements 3 group + 6
	 * project, grants 3 groups x 2 pages, static entitlements 1 */
	assert_int_equal(n, 7 + 3 + 6 + 9 + 6 + 1);
}

static void test_debug_page_records(void **state)
{
	(void)state;
	reset_all();
	char *path = tmp_c1z("pages");
	baton_sync_options o = BATON_SYNC_OPTIONS_INIT;
	o.c1z_path = path;
	size_t n;
	page_rec *v = sync_pages(&fake_connector, &o, BATON_LOG_DEBUG, &n);
	check_fake_pages(v, n);
	free(v);

	/* the same with workers: pages are written (and recorded) on the loop thread, in order */
	reset_all();
	char *path2 = tmp_c1z("pages-workers");
	baton_sync_options o2 = BATON_SYNC_OPTIONS_INIT;
	o2.c1z_path = path2;
	o2.workers = 3;
	v = sync_pages(&fake_connector, &o2, BATON_LOG_DEBUG, &n);
	check_fake_pages(v, n);
	free(v);

	/* at info level: no page records */
	reset_all();
	char *path3 = tmp_c1z("pages-info");
	baton_sync_options o3 = BATON_SYNC_OPTIONS_INIT;
	o3.c1z_path = path3;
	v = sync_pages(&fake_connector, &o3, BATON_LOG_INFO, &n);
	assert_int_equal(n, 0);
	free(v);
	free(path);
	free(path2);
	free(path3);
}

/* Grants of g0 spawn a cursor "s1" (EnqueuePageTokens) on their first page and go on to "p2"; the
 * spawned listing has two pages of its own. */
static int spawning_grants(baton_ctx *ctx, const baton_resource *res)
{
	const char *t = baton_ctx_page_token(ctx);
	baton_resource_id p = {"user", !*t ? "u0" : !strcmp(t, "p2") ? "u1" : !strcmp(t, "s1") ? "u2" : "u3"};
	baton_grant *g;
	int rc = baton_grant_new(ctx, res, "member", &p, &g);
	if (!rc)
		rc = baton_ctx_emit_grant(ctx, g);
	if (!rc && !*t)
		rc = baton_annotations_append_json(baton_ctx_annotations(ctx), "c1.connector.v2.EnqueuePageTokens",
		                                   "{\"pageTokens\":[\"s1\"]}");
	if (!rc && !*t)
		rc = baton_ctx_set_next_page(ctx, "p2");
	if (!rc && !strcmp(t, "s1"))
		rc = baton_ctx_set_next_page(ctx, "s1b");
	return rc;
}
static const baton_resource_syncer spawn_group = {
	.version = BATON_RESOURCE_SYNCER_VERSION, .name = "Group", .traits = group_traits, .n_traits = 1,
	.list = list_groups, .grants = spawning_grants,
};
static const baton_resource_syncer *const spawn_types[] = {&spawn_group};
static const baton_connector spawn_connector = {
	.version = BATON_CONNECTOR_VERSION, .display_name = "Spawn", .resource_types = spawn_types,
	.n_resource_types = 1,
};

static void test_debug_page_records_spawned_cursor(void **state)
{
	(void)state;
	reset_all();
	K.groups = 1;
	K.no_children = true;
	char *path = tmp_c1z("pages-spawn");
	baton_sync_options o = BATON_SYNC_OPTIONS_INIT;
	o.c1z_path = path;
	size_t n;
	page_rec *v = sync_pages(&spawn_connector, &o, BATON_LOG_DEBUG, &n);
	/* the listing from its start: pages 1 and 2; the spawned one starts mid-listing at its token
	 * and counts its own pages */
	char *got = listing(v, n, "list-grants", "group", "group/g0");
	if (strcmp(got, "1:1:next 1:1:next:mid 2:1:end 2:1:end") && strcmp(got, "1:1:next 2:1:end 1:1:next:mid 2:1:end"))
		fail_msg("grants pages: '%s'", got);
	free(got);
	expect_listing(v, n, "list-resources", "group", "none", "1:1:end");
	assert_int_equal(n, 5);
	free(v);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_sync_pagination_and_children),
		cmocka_unit_test(test_static_entitlements_fall_back_to_resource),
		cmocka_unit_test(test_skip_annotations),
		cmocka_unit_test(test_trait_check_failure),
		cmocka_unit_test(test_repeated_page_token),
		cmocka_unit_test(test_notfound_warnings_under_threshold),
		cmocka_unit_test(test_notfound_warnings_over_threshold),
		cmocka_unit_test(test_unavailable_retried_with_backoff),
		cmocka_unit_test(test_unavailable_ratelimit_reset),
		cmocka_unit_test(test_retry_wait_rules),
		cmocka_unit_test(test_fatal_error_then_resume),
		cmocka_unit_test(test_tmp_dir_holds_working_copy),
		cmocka_unit_test(test_resume_ignores_old_syncs),
		cmocka_unit_test(test_stop_between_end_and_save),
		cmocka_unit_test(test_concurrent_runs_refused),
		cmocka_unit_test(test_checkpoint_interval_env),
		cmocka_unit_test(test_targeted_sync),
		cmocka_unit_test(test_resources_only),
		cmocka_unit_test(test_skip_grants),
		cmocka_unit_test(test_resource_type_filter),
		cmocka_unit_test(test_expansion_runs),
		cmocka_unit_test(test_debug_page_records),
		cmocka_unit_test(test_debug_page_records_spawned_cursor),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
