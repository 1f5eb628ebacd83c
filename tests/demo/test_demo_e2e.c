/*
 * baton-demo end to end: runs build/bin/baton-demo (argv[1]) into a fresh c1z and checks what the
 * store reads back against the company the same parameters generate: counts per type, user
 * traits, child projects and their parents, the skipped type, static entitlements, and every
 * grant after expansion with its sources. Then a targeted sync of the connector in-process (its
 * `get` callbacks) on the same file.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"
#include "demo_testutil.h"
#include "demo.h"
#include "baton/store.h"

static const char *demo_bin;
static char c1z_path[4096];
static demo_params params;

static int setup(void **state)
{
	const char *const *env;
	char err_path[4200];
	int status;

	(void)state;
	demo_params_default(&params);
	params.users = 60;
	params.groups = 12;
	params.roles = 6;
	params.workspaces = 4;
	params.projects = 14;
	params.seed = 7;
	params.page_size = 4;
	snprintf(c1z_path, sizeof(c1z_path), "%s/demo-e2e-%ld.c1z", test_out_dir(), (long)getpid());
	snprintf(err_path, sizeof(err_path), "%s.stderr", c1z_path);
	unlink(c1z_path);
	env = demo_param_env(&params);
	status = demo_run(demo_bin, c1z_path, env, err_path);
	if (status != 0) {
		fprintf(stderr, "baton-demo: %s (stderr in %s)\n", demo_status_str(status), err_path);
		return -1;
	}
	/* the in-process sync below must see the same company */
	for (size_t i = 0; env[i] != NULL; i++)
		demo_setenv_kv(env[i]);
	return 0;
}

static int teardown(void **state)
{
	char p[4200];

	(void)state;
	unlink(c1z_path);
	snprintf(p, sizeof(p), "%s.stderr", c1z_path);
	unlink(p);
	return 0;
}

static baton_store *open_store(void)
{
	baton_store_options o = BATON_STORE_OPTIONS_INIT;
	baton_store *s = NULL;

	o.read_only = true;
	if (baton_store_open(c1z_path, &o, &s) != 0)
		fail_msg("open %s: %s", c1z_path, baton_error_last()->message);
	return s;
}

static demo_model *model(void)
{
	demo_model *m = NULL;

	assert_int_equal(demo_model_new(&params, NULL, &m), DEMO_OK);
	return m;
}

/* The latest finished full sync's id, in ctx. */
static const char *full_sync_id(baton_store *s, baton_ctx *ctx)
{
	baton_sync_run run;

	assert_int_equal(baton_store_sync_latest_finished(s, BATON_SYNC_TYPE_FULL, ctx, &run), 0);
	return run.id;
}

static size_t count_resources(baton_store *s, const char *sync_id, const char *type)
{
	baton_store_query q = BATON_STORE_QUERY_INIT;
	baton_store_iter *it;
	baton_resource *r;
	size_t n = 0;
	int rc;

	q.sync_id = sync_id;
	q.resource_type_id = type;
	assert_int_equal(baton_store_list_resources(s, &q, &it), 0);
	while ((rc = baton_store_iter_next_resource(it, &r)) == 0)
		n++;
	assert_int_equal(rc, BATON_ITEROVER);
	baton_store_iter_free(it);
	return n;
}

static void test_resource_types_and_counts(void **state)
{
	baton_store *s = open_store();
	demo_model *m = model();
	baton_ctx *ctx;
	baton_store_query q = BATON_STORE_QUERY_INIT;
	baton_store_iter *it;
	baton_resource_type *rt;
	baton_store_counts counts;
	const char *sid;
	size_t n = 0, n_tokens = 0;
	int k, rc;

	(void)state;
	assert_int_equal(baton_ctx_new(&ctx), 0);
	sid = full_sync_id(s, ctx);
	q.sync_id = sid;
	assert_int_equal(baton_store_list_resource_types(s, &q, &it), 0);
	while ((rc = baton_store_iter_next_resource_type(it, &rt)) == 0) {
		demo_kind kind;
		if (strcmp(baton_resource_type_id(rt), "api_token") == 0) {
			/* the issued API tokens' type (demo_tokens.c), besides the company's kinds */
			assert_string_equal(baton_resource_type_display_name(rt), "API token");
			assert_true(baton_resource_type_has_trait(rt, BATON_TRAIT_SECRET));
			n_tokens++;
			continue;
		}
		assert_true(demo_kind_parse(baton_resource_type_id(rt), &kind));
		assert_string_equal(baton_resource_type_display_name(rt), demo_kind_name(kind));
		assert_int_equal(baton_annotations_contains(baton_resource_type_annotations(rt),
		                                            "c1.connector.v2.SkipEntitlementsAndGrants"),
		                 kind == DEMO_WORKSPACE);
		assert_int_equal(baton_resource_type_has_trait(rt, BATON_TRAIT_USER), kind == DEMO_USER);
		assert_int_equal(baton_resource_type_has_trait(rt, BATON_TRAIT_GROUP), kind == DEMO_GROUP);
		n++;
	}
	assert_int_equal(rc, BATON_ITEROVER);
	baton_store_iter_free(it);
	assert_int_equal(n, DEMO_N_KINDS);
	assert_int_equal(n_tokens, 1);
	/* tokens are VIRTUAL: a sync lists none */
	assert_int_equal(count_resources(s, sid, "api_token"), 0);

	for (k = 0; k < DEMO_N_KINDS; k++)
		assert_int_equal(count_resources(s, sid, demo_kind_id((demo_kind)k)),
		                 demo_model_count(m, (demo_kind)k));

	/* entitlements: group member+admin, role assigned, project access+owner+viewer (static) */
	assert_int_equal(baton_store_count(s, sid, &counts), 0);
	assert_int_equal(counts.resource_types, DEMO_N_KINDS + 1);
	assert_int_equal(counts.entitlements, params.groups * 2 + params.roles + params.projects * 3);
	demo_model_free(m);
	baton_ctx_free(ctx);
	baton_store_discard(s);
}

static void test_users_have_traits(void **state)
{
	baton_store *s = open_store();
	demo_model *m = model();
	baton_ctx *ctx;
	size_t i;

	(void)state;
	assert_int_equal(baton_ctx_new(&ctx), 0);
	for (i = 0; i < m->n[DEMO_USER]; i++) {
		demo_obj *o = &m->objs[DEMO_USER][i];
		baton_resource *r;
		baton_user_trait *ut;
		bool primary = false;

		assert_int_equal(baton_store_get_resource(s, NULL, &(baton_resource_id){"user", o->id}, ctx, &r), 0);
		assert_string_equal(baton_resource_display_name(r), o->name);
		assert_true(baton_resource_has_trait(r, BATON_TRAIT_USER));
		ut = baton_resource_user_trait(r);
		assert_non_null(ut);
		assert_string_equal(baton_user_trait_login(ut), o->login);
		assert_int_equal(baton_user_trait_email_count(ut), o->email2 ? 2 : 1);
		assert_string_equal(baton_user_trait_email_at(ut, 0, &primary), o->email);
		assert_true(primary);
		assert_int_equal(baton_user_trait_employee_id_count(ut), 1);
		assert_string_equal(baton_user_trait_employee_id_at(ut, 0), o->employee_id);
		assert_int_equal(baton_user_trait_status(ut, NULL),
		                 o->disabled ? BATON_STATUS_DISABLED : BATON_STATUS_ENABLED);
		assert_int_equal(baton_user_trait_account_type(ut),
		                 o->service_account ? BATON_ACCOUNT_TYPE_SERVICE : BATON_ACCOUNT_TYPE_HUMAN);
		{
			const char *dept = NULL;
			assert_int_equal(baton_resource_profile_string(r, "department", &dept), 0);
			assert_string_equal(dept, o->department);
		}
	}
	/* the generator always disables the third user */
	assert_true(m->objs[DEMO_USER][2].disabled);
	demo_model_free(m);
	baton_ctx_free(ctx);
	baton_store_discard(s);
}

static void test_projects_are_children(void **state)
{
	baton_store *s = open_store();
	demo_model *m = model();
	baton_ctx *ctx;
	size_t i;

	(void)state;
	assert_int_equal(baton_ctx_new(&ctx), 0);
	for (i = 0; i < m->n[DEMO_WORKSPACE]; i++) {
		baton_resource *r;
		baton_resource_id parent;
		baton_store_query q = BATON_STORE_QUERY_INIT;
		baton_store_iter *it;
		size_t n = 0, want = 0, j;
		int rc;

		assert_int_equal(baton_store_get_resource(s, NULL,
		                 &(baton_resource_id){"workspace", m->objs[DEMO_WORKSPACE][i].id}, ctx, &r), 0);
		assert_false(baton_resource_get_parent(r, &parent));
		assert_true(baton_annotations_contains(baton_resource_annotations(r),
		                                       "c1.connector.v2.ChildResourceType"));
		/* the store's children of this workspace are exactly its projects */
		q.parent = &(baton_resource_id){"workspace", m->objs[DEMO_WORKSPACE][i].id};
		assert_int_equal(baton_store_list_resources(s, &q, &it), 0);
		while ((rc = baton_store_iter_next_resource(it, &r)) == 0) {
			size_t idx;
			baton_resource_id id = baton_resource_get_id(r);
			assert_string_equal(id.resource_type, "project");
			assert_non_null(demo_model_find(m, DEMO_PROJECT, id.resource, &idx));
			assert_int_equal(m->objs[DEMO_PROJECT][idx].parent, i);
			n++;
		}
		assert_int_equal(rc, BATON_ITEROVER);
		baton_store_iter_free(it);
		for (j = 0; j < m->n[DEMO_PROJECT]; j++)
			want += m->objs[DEMO_PROJECT][j].parent == i;
		assert_int_equal(n, want);
	}
	for (i = 0; i < m->n[DEMO_PROJECT]; i++) {
		baton_resource *r;
		baton_resource_id parent;
		baton_entitlement *e;
		char *eid;

		assert_int_equal(baton_store_get_resource(s, NULL,
		                 &(baton_resource_id){"project", m->objs[DEMO_PROJECT][i].id}, ctx, &r), 0);
		assert_true(baton_resource_get_parent(r, &parent));
		assert_string_equal(parent.resource_type, "workspace");
		assert_string_equal(parent.resource, m->objs[DEMO_WORKSPACE][m->objs[DEMO_PROJECT][i].parent].id);
		/* the static entitlement was copied onto every project */
		eid = baton_ctx_sprintf(ctx, "project:%s:viewer", m->objs[DEMO_PROJECT][i].id);
		assert_int_equal(baton_store_get_entitlement(s, NULL, eid, ctx, &e), 0);
		assert_string_equal(baton_entitlement_resource(e) ? baton_resource_get_id(baton_entitlement_resource(e)).resource : "",
		                    m->objs[DEMO_PROJECT][i].id);
	}
	demo_model_free(m);
	baton_ctx_free(ctx);
	baton_store_discard(s);
}

static void test_skipped_type_has_nothing(void **state)
{
	baton_store *s = open_store();
	baton_store_query q = BATON_STORE_QUERY_INIT;
	baton_store_iter *it;
	baton_entitlement *e;
	baton_grant *g;

	(void)state;
	q.resource_type_id = "workspace";
	assert_int_equal(baton_store_list_entitlements(s, &q, &it), 0);
	assert_int_equal(baton_store_iter_next_entitlement(it, &e), BATON_ITEROVER);
	baton_store_iter_free(it);
	assert_int_equal(baton_store_list_grants(s, &q, &it), 0);
	assert_int_equal(baton_store_iter_next_grant(it, &g), BATON_ITEROVER);
	baton_store_iter_free(it);
	baton_store_discard(s);
}

/* Every grant, after expansion, is the expected one with the expected sources. */
static void test_grants_after_expansion(void **state)
{
	baton_store *s = open_store();
	demo_model *m = model();
	json_t *want = demo_expected_grants(m);
	baton_store_query q = BATON_STORE_QUERY_INIT;
	baton_store_iter *it;
	baton_grant *g;
	size_t n = 0, expanded = 0, with_sources = 0;
	int rc;

	(void)state;
	assert_int_equal(baton_store_list_grants(s, &q, &it), 0);
	while ((rc = baton_store_iter_next_grant(it, &g)) == 0) {
		const char *id = baton_grant_id(g);
		json_t *sources = json_object_get(want, id);
		size_t i;

		if (sources == NULL)
			fail_msg("unexpected grant %s", id);
		if (baton_grant_source_count(g) != json_object_size(sources)) {
			char *w = json_dumps(sources, JSON_COMPACT | JSON_SORT_KEYS);
			fail_msg("grant %s: %zu sources, want %s", id, baton_grant_source_count(g), w);
		}
		for (i = 0; i < baton_grant_source_count(g); i++) {
			const char *src = baton_grant_source_at(g, i, NULL);
			if (json_object_get(sources, src) == NULL)
				fail_msg("grant %s: unexpected source %s", id, src);
		}
		with_sources += baton_grant_source_count(g) > 0;
		expanded += baton_grant_source_count(g) > 0 && json_object_get(sources, baton_grant_entitlement_id(g)) == NULL;
		n++;
	}
	assert_int_equal(rc, BATON_ITEROVER);
	baton_store_iter_free(it);
	assert_int_equal(n, json_object_size(want));
	assert_true(expanded > 0);
	assert_true(with_sources > expanded); /* some direct grants were expanded into as well */
	json_decref(want);
	demo_model_free(m);
	baton_store_discard(s);
}

/*
 * The chain g002 -> g001 -> g000: a user who is only in g002 holds g001's and g000's membership
 * through expansion, each from the group right below.
 */
static void test_nested_group_member(void **state)
{
	baton_store *s = open_store();
	demo_model *m = model();
	baton_ctx *ctx;
	demo_obj *g0 = &m->objs[DEMO_GROUP][0], *g1 = &m->objs[DEMO_GROUP][1], *g2 = &m->objs[DEMO_GROUP][2];
	size_t u;
	baton_grant *g;
	bool direct;

	(void)state;
	assert_int_equal(baton_ctx_new(&ctx), 0);
	for (u = 0; u < m->n[DEMO_USER]; u++) {
		demo_ref p = {DEMO_USER, u};
		if (demo_obj_find_grant(g2, 0, p) >= 0 && demo_obj_find_grant(g1, 0, p) < 0 &&
		    demo_obj_find_grant(g0, 0, p) < 0)
			break;
	}
	if (u == m->n[DEMO_USER])
		fail_msg("seed %llu: no user only in g002", (unsigned long long)params.seed);

	assert_int_equal(baton_store_get_grant(s, NULL,
	                 baton_ctx_sprintf(ctx, "group:g001:member:user:%s", m->objs[DEMO_USER][u].id), ctx, &g), 0);
	assert_int_equal(baton_grant_source_count(g), 1);
	assert_string_equal(baton_grant_source_at(g, 0, &direct), "group:g002:member");
	assert_string_equal(baton_grant_principal_id(g).resource, m->objs[DEMO_USER][u].id);

	assert_int_equal(baton_store_get_grant(s, NULL,
	                 baton_ctx_sprintf(ctx, "group:g000:member:user:%s", m->objs[DEMO_USER][u].id), ctx, &g), 0);
	assert_true(baton_grant_source_count(g) >= 1);
	{
		size_t i;
		bool via_g001 = false;
		for (i = 0; i < baton_grant_source_count(g); i++)
			via_g001 |= strcmp(baton_grant_source_at(g, i, NULL), "group:g001:member") == 0;
		assert_true(via_g001);
	}
	/* the group-to-group grant itself is expandable */
	assert_int_equal(baton_store_get_grant(s, NULL, "group:g000:member:group:g001", ctx, &g), 0);
	{
		const char *const *ids;
		size_t n;
		assert_int_equal(baton_grant_expandable(g, ctx, &ids, &n, NULL, NULL, NULL), 0);
		assert_int_equal(n, 1);
		assert_string_equal(ids[0], "group:g001:member");
	}
	demo_model_free(m);
	baton_ctx_free(ctx);
	baton_store_discard(s);
}

static void test_one_finished_sync(void **state)
{
	baton_store *s = open_store();
	baton_ctx *ctx;
	baton_sync_run run;

	(void)state;
	assert_int_equal(baton_ctx_new(&ctx), 0);
	assert_int_equal(baton_store_sync_latest_finished(s, BATON_SYNC_TYPE_FULL, ctx, &run), 0);
	assert_non_null(run.ended_at);
	assert_int_equal(baton_store_sync_latest_unfinished(s, BATON_SYNC_TYPE_ANY, ctx, &run), BATON_ENOTFOUND);
	baton_ctx_free(ctx);
	baton_store_discard(s);
}

/* A targeted sync (the `get` callbacks), in-process, on the same file. */
static void test_targeted_sync(void **state)
{
	demo_model *m = model();
	demo_obj *p13 = &m->objs[DEMO_PROJECT][13];
	char project_target[128];
	const char *targets[] = {"user/u0003", "group/g002", project_target, "user/nobody"};
	baton_sync_options o = BATON_SYNC_OPTIONS_INIT;
	baton_sync_summary sum;
	baton_store *s;
	baton_ctx *ctx;
	baton_sync_run run;
	baton_resource *r;
	size_t n = 0;
	int k;

	(void)state;
	snprintf(project_target, sizeof(project_target), "workspace/%s/project/%s",
	         m->objs[DEMO_WORKSPACE][p13->parent].id, p13->id);
	assert_int_equal(demo_set_state_path(NULL, NULL), 0);
	o.c1z_path = c1z_path;
	o.sync_resources = targets;
	o.n_sync_resources = 4;
	if (baton_sync(&demo_connector, &o, &sum) != 0)
		fail_msg("targeted sync: %s", baton_error_last()->message);

	s = open_store();
	assert_int_equal(baton_ctx_new(&ctx), 0);
	assert_int_equal(baton_store_sync_latest_finished(s, BATON_SYNC_TYPE_PARTIAL, ctx, &run), 0);
	for (k = 0; k < DEMO_N_KINDS; k++)
		n += count_resources(s, run.id, demo_kind_id((demo_kind)k));
	assert_int_equal(n, 3); /* "nobody" does not exist */
	assert_int_equal(baton_store_get_resource(s, run.id, &(baton_resource_id){"project", "p013"}, ctx, &r), 0);
	{
		baton_resource_id parent;
		assert_true(baton_resource_get_parent(r, &parent));
		assert_string_equal(parent.resource, m->objs[DEMO_WORKSPACE][p13->parent].id);
	}
	demo_model_free(m);
	baton_ctx_free(ctx);
	baton_store_discard(s);
}

/* Runs baton-demo -f <c1z> with `args` (NULL-terminated), stderr into `err` (NUL-terminated);
 * returns the wait status. */
static int run_args(const char *c1z, const char *const *args, char *err, size_t err_size)
{
	const char *argv[16];
	size_t n = 0, i;
	ssize_t r;
	pid_t pid;
	int fds[2], status;

	argv[n++] = demo_bin;
	argv[n++] = "-f";
	argv[n++] = c1z;
	for (i = 0; args[i] != NULL && n < 15; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	assert_int_equal(pipe(fds), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int out = open("/dev/null", O_WRONLY);
		dup2(out, 1);
		dup2(fds[1], 2);
		close(fds[0]);
		execv(demo_bin, (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	n = 0;
	while (n < err_size - 1 && (r = read(fds[0], err + n, err_size - 1 - n)) > 0)
		n += (size_t)r;
	err[n] = '\0';
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

/* add_member checks the types its resource ids name: a role's id as the group, or a group's as
 * the user, is refused and grants nothing (they used to be read as a group's and a user's id). */
static void test_add_member_types(void **state)
{
	char c1z[4200], st[4300], err[8192];
	const char *wrong_group[] = {"--invoke-action", "add_member", "--invoke-action-resource-type", "group",
	                             "--invoke-action-args",
	                             "{\"group\":{\"resource_type\":\"role\",\"resource\":\"g001\"},"
	                             "\"user\":{\"resource_type\":\"user\",\"resource\":\"u0049\"}}", NULL};
	const char *wrong_user[] = {"--invoke-action", "add_member", "--invoke-action-resource-type", "group",
	                            "--invoke-action-args",
	                            "{\"group\":{\"resource_type\":\"group\",\"resource\":\"g001\"},"
	                            "\"user\":{\"resource_type\":\"group\",\"resource\":\"u0049\"}}", NULL};
	const char *right[] = {"--invoke-action", "add_member", "--invoke-action-resource-type", "group",
	                       "--invoke-action-args",
	                       "{\"group\":{\"resource_type\":\"group\",\"resource\":\"g001\"},"
	                       "\"user\":{\"resource_type\":\"user\",\"resource\":\"u0049\"}}", NULL};
	int status;

	(void)state;
	snprintf(c1z, sizeof(c1z), "%s/demo-e2e-action-%ld.c1z", test_out_dir(), (long)getpid());
	snprintf(st, sizeof(st), "%s.demo.json", c1z);
	unlink(st);
	status = run_args(c1z, wrong_group, err, sizeof(err));
	if (!WIFEXITED(status) || WEXITSTATUS(status) == 0 || strstr(err, "role g001 is not a group") == NULL)
		fail_msg("add_member with a role as the group: %s\n%s", demo_status_str(status), err);
	status = run_args(c1z, wrong_user, err, sizeof(err));
	if (!WIFEXITED(status) || WEXITSTATUS(status) == 0 || strstr(err, "group u0049 is not a user") == NULL)
		fail_msg("add_member with a group as the user: %s\n%s", demo_status_str(status), err);
	assert_int_equal(access(st, F_OK), -1); /* nothing was granted, nothing written */
	status = run_args(c1z, right, err, sizeof(err));
	if (status != 0)
		fail_msg("add_member: %s\n%s", demo_status_str(status), err);
	assert_int_equal(access(st, F_OK), 0);
	unlink(st);
	snprintf(st, sizeof(st), "%s.demo.json.lock", c1z);
	unlink(st);
	unlink(c1z);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resource_types_and_counts),
		cmocka_unit_test(test_users_have_traits),
		cmocka_unit_test(test_projects_are_children),
		cmocka_unit_test(test_skipped_type_has_nothing),
		cmocka_unit_test(test_grants_after_expansion),
		cmocka_unit_test(test_nested_group_member),
		cmocka_unit_test(test_one_finished_sync),
		cmocka_unit_test(test_targeted_sync),
		cmocka_unit_test(test_add_member_types),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: %s path/to/baton-demo\n", argv[0]);
		return 2;
	}
	demo_bin = argv[1];
	return cmocka_run_group_tests(tests, setup, teardown);
}
