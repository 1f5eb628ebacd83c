/*
 * baton-demo's company model (examples/demo/model.c): generation is deterministic and has the
 * shape the connector promises, and provisioning changes behave and survive a reload through the
 * state file, also when two models (two processes) change one state file in turns.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "testutil.h"
#include "model.h"
#include "demo_json.h"
#include "demo_secret.h"

static demo_model *new_model(const demo_params *p, const char *state)
{
	demo_model *m = NULL;

	assert_int_equal(demo_model_new(p, state, &m), DEMO_OK);
	assert_non_null(m);
	return m;
}

static const char *state_file(const char *name)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/demo-model-%s-%ld.json", test_out_dir(), name, (long)getpid());
	unlink(path);
	return path;
}

/* Removes "<path>.lock", the state file's lock (model.h, "Other processes"). */
static void unlink_lock(const char *path)
{
	char lock[4400]; /* the tests' paths are at most 4200 bytes */

	snprintf(lock, sizeof(lock), "%s.lock", path);
	unlink(lock);
}

/* Whether two models hold the same objects and grants. */
static void assert_same_model(demo_model *a, demo_model *b)
{
	int k;
	size_t i, j;

	for (k = 0; k < DEMO_N_KINDS; k++) {
		assert_int_equal(a->n[k], b->n[k]);
		for (i = 0; i < a->n[k]; i++) {
			demo_obj *x = &a->objs[k][i], *y = &b->objs[k][i];
			assert_string_equal(x->id, y->id);
			assert_string_equal(x->name, y->name);
			assert_int_equal(x->deleted, y->deleted);
			assert_int_equal(x->parent, y->parent);
			assert_int_equal(x->disabled, y->disabled);
			assert_int_equal(x->rotations, y->rotations);
			if (k == DEMO_USER) {
				assert_string_equal(x->login, y->login);
				assert_string_equal(x->email, y->email);
				assert_int_equal(x->created_at, y->created_at);
			}
			assert_int_equal(x->n_grants, y->n_grants);
			for (j = 0; j < x->n_grants; j++) {
				assert_int_equal(x->grants[j].ent, y->grants[j].ent);
				assert_int_equal(x->grants[j].principal.kind, y->grants[j].principal.kind);
				assert_int_equal(x->grants[j].principal.idx, y->grants[j].principal.idx);
			}
		}
	}
}

static void test_generation_is_deterministic(void **state)
{
	demo_params p;
	demo_model *a, *b, *c;

	(void)state;
	demo_params_default(&p);
	a = new_model(&p, NULL);
	b = new_model(&p, NULL);
	assert_same_model(a, b);
	p.seed = 2;
	c = new_model(&p, NULL);
	/* another seed gives another company of the same size */
	assert_int_equal(c->n[DEMO_USER], a->n[DEMO_USER]);
	assert_true(strcmp(c->objs[DEMO_USER][0].name, a->objs[DEMO_USER][0].name) != 0 ||
	            strcmp(c->objs[DEMO_USER][1].name, a->objs[DEMO_USER][1].name) != 0 ||
	            demo_model_count_grants(c, DEMO_GROUP) != demo_model_count_grants(a, DEMO_GROUP));
	demo_model_free(a);
	demo_model_free(b);
	demo_model_free(c);
}

static void test_generated_shape(void **state)
{
	demo_params p;
	demo_model *m;
	size_t i, j, disabled = 0, service = 0, in_ws0 = 0;
	bool *in_group;

	(void)state;
	demo_params_default(&p);
	assert_int_equal(p.users, 50);
	assert_int_equal(p.groups, 8);
	assert_int_equal(p.roles, 5);
	assert_int_equal(p.projects, 10);
	m = new_model(&p, NULL);
	assert_int_equal(demo_model_count(m, DEMO_USER), 50);
	assert_int_equal(demo_model_count(m, DEMO_GROUP), 8);
	assert_int_equal(demo_model_count(m, DEMO_ROLE), 5);
	assert_int_equal(demo_model_count(m, DEMO_WORKSPACE), 4);
	assert_int_equal(demo_model_count(m, DEMO_PROJECT), 10);

	for (i = 0; i < m->n[DEMO_USER]; i++) {
		demo_obj *u = &m->objs[DEMO_USER][i];
		disabled += u->disabled;
		service += u->service_account;
		assert_non_null(strchr(u->email, '@'));
		assert_true(u->employee_id[0] == 'E');
	}
	assert_true(disabled >= 1 && disabled < 50 / 2);
	assert_int_equal(service, 2);

	/* the chain g002 -> g001 -> g000 */
	assert_true(demo_obj_find_grant(&m->objs[DEMO_GROUP][0], 0, (demo_ref){DEMO_GROUP, 1}) >= 0);
	assert_true(demo_obj_find_grant(&m->objs[DEMO_GROUP][1], 0, (demo_ref){DEMO_GROUP, 2}) >= 0);
	/* nested groups only point at earlier groups (no cycles), and never at themselves */
	for (i = 0; i < m->n[DEMO_GROUP]; i++) {
		demo_obj *g = &m->objs[DEMO_GROUP][i];
		for (j = 0; j < g->n_grants; j++) {
			if (g->grants[j].principal.kind == DEMO_GROUP) {
				assert_true(g->grants[j].principal.idx > i);
				assert_int_equal(g->grants[j].ent, 0);
			}
		}
	}
	/* every user is in a group */
	in_group = calloc(m->n[DEMO_USER], sizeof(*in_group));
	assert_non_null(in_group);
	for (i = 0; i < m->n[DEMO_GROUP]; i++) {
		demo_obj *g = &m->objs[DEMO_GROUP][i];
		for (j = 0; j < g->n_grants; j++) {
			if (g->grants[j].principal.kind == DEMO_USER && g->grants[j].ent == 0)
				in_group[g->grants[j].principal.idx] = true;
		}
	}
	for (i = 0; i < m->n[DEMO_USER]; i++)
		assert_true(in_group[i]);
	free(in_group);

	/* roles and projects are granted to groups as well as users */
	for (i = 0; i < m->n[DEMO_ROLE]; i++) {
		demo_obj *r = &m->objs[DEMO_ROLE][i];
		bool to_group = false;
		for (j = 0; j < r->n_grants; j++)
			to_group |= r->grants[j].principal.kind == DEMO_GROUP;
		assert_true(to_group);
	}
	for (i = 0; i < m->n[DEMO_PROJECT]; i++) {
		demo_obj *pr = &m->objs[DEMO_PROJECT][i];
		bool owner = false, viewer = false;
		assert_true(pr->parent < m->n[DEMO_WORKSPACE]);
		in_ws0 += pr->parent == 0;
		for (j = 0; j < pr->n_grants; j++) {
			owner |= pr->grants[j].ent == 1;
			viewer |= pr->grants[j].ent == 2;
			if (pr->grants[j].ent != 0)
				assert_int_equal(pr->grants[j].principal.kind, DEMO_USER);
		}
		assert_true(owner && viewer);
	}
	/* the first workspace holds more projects than a page (3) */
	assert_true(in_ws0 > p.page_size);
	demo_model_free(m);
}

static void test_params_from_env(void **state)
{
	demo_params p;
	const char *bad = NULL;

	(void)state;
	demo_params_default(&p);
	setenv("BATON_DEMO_USERS", "7", 1);
	setenv("BATON_DEMO_SEED", "42", 1);
	setenv("BATON_DEMO_PAGE_SIZE", "2", 1);
	assert_int_equal(demo_params_from_env(&p, &bad), 0);
	assert_int_equal(p.users, 7);
	assert_int_equal(p.seed, 42);
	assert_int_equal(p.page_size, 2);
	assert_int_equal(p.groups, 8);
	setenv("BATON_DEMO_GROUPS", "eight", 1);
	assert_int_equal(demo_params_from_env(&p, &bad), -1);
	assert_string_equal(bad, "BATON_DEMO_GROUPS");
	setenv("BATON_DEMO_GROUPS", "-1", 1);
	assert_int_equal(demo_params_from_env(&p, &bad), -1);
	unsetenv("BATON_DEMO_GROUPS");
	setenv("BATON_DEMO_PAGE_SIZE", "0", 1);
	assert_int_equal(demo_params_from_env(&p, &bad), -1);
	assert_string_equal(bad, "BATON_DEMO_PAGE_SIZE");
	unsetenv("BATON_DEMO_PAGE_SIZE");
	/* numbers, but projects without a workspace: another error than a bad number */
	setenv("BATON_DEMO_PROJECTS", "3", 1);
	setenv("BATON_DEMO_WORKSPACES", "0", 1);
	assert_int_equal(demo_params_from_env(&p, &bad), -2);
	assert_string_equal(bad, "BATON_DEMO_WORKSPACES");
	unsetenv("BATON_DEMO_PROJECTS");
	unsetenv("BATON_DEMO_WORKSPACES");
	unsetenv("BATON_DEMO_USERS");
	unsetenv("BATON_DEMO_SEED");
}

static void test_grant_and_revoke(void **state)
{
	demo_params p;
	demo_model *m;
	size_t before;
	demo_obj *g5;
	size_t u;

	(void)state;
	demo_params_default(&p);
	m = new_model(&p, NULL);
	g5 = demo_model_find(m, DEMO_GROUP, "g005", NULL);
	assert_non_null(g5);
	/* a user that is not in g005 */
	for (u = 0; u < m->n[DEMO_USER]; u++) {
		if (demo_obj_find_grant(g5, 0, (demo_ref){DEMO_USER, u}) < 0)
			break;
	}
	assert_true(u < m->n[DEMO_USER]);
	before = g5->n_grants;
	assert_int_equal(demo_model_grant(m, DEMO_GROUP, "g005", "member", DEMO_USER, m->objs[DEMO_USER][u].id), DEMO_OK);
	assert_int_equal(g5->n_grants, before + 1);
	assert_int_equal(demo_model_grant(m, DEMO_GROUP, "g005", "member", DEMO_USER, m->objs[DEMO_USER][u].id), DEMO_EXISTS);
	assert_int_equal(g5->n_grants, before + 1);
	assert_int_equal(demo_model_revoke(m, DEMO_GROUP, "g005", "member", DEMO_USER, m->objs[DEMO_USER][u].id), DEMO_OK);
	assert_int_equal(g5->n_grants, before);
	assert_int_equal(demo_model_revoke(m, DEMO_GROUP, "g005", "member", DEMO_USER, m->objs[DEMO_USER][u].id), DEMO_ABSENT);

	/* nested membership, and what is refused */
	assert_int_equal(demo_model_grant(m, DEMO_GROUP, "g000", "member", DEMO_GROUP, "g001"), DEMO_EXISTS);
	assert_int_equal(demo_model_grant(m, DEMO_GROUP, "g005", "member", DEMO_GROUP, "g005"), DEMO_INVALID);
	assert_int_equal(demo_model_grant(m, DEMO_GROUP, "g005", "admin", DEMO_GROUP, "g001"), DEMO_INVALID);
	assert_int_equal(demo_model_grant(m, DEMO_GROUP, "g005", "owner", DEMO_USER, "u0001"), DEMO_NOTFOUND);
	assert_int_equal(demo_model_grant(m, DEMO_GROUP, "g999", "member", DEMO_USER, "u0001"), DEMO_NOTFOUND);
	assert_int_equal(demo_model_grant(m, DEMO_GROUP, "g005", "member", DEMO_USER, "nobody"), DEMO_NOTFOUND);
	assert_int_equal(demo_model_grant(m, DEMO_GROUP, "g005", "member", DEMO_ROLE, "r00"), DEMO_INVALID);
	assert_int_equal(demo_model_grant(m, DEMO_ROLE, "r01", "assigned", DEMO_GROUP, "g003"),
	                 demo_obj_find_grant(demo_model_find(m, DEMO_ROLE, "r01", NULL), 0,
	                                     (demo_ref){DEMO_GROUP, 3}) >= 0 ? DEMO_EXISTS : DEMO_OK);
	assert_int_equal(demo_model_revoke(m, DEMO_PROJECT, "p000", "viewer", DEMO_USER, "nobody"), DEMO_NOTFOUND);
	demo_model_free(m);
}

static void test_accounts_and_resources(void **state)
{
	demo_params p;
	demo_model *m;
	const char *emails[] = {"zoe@example.com", "zoe@home.example.net"};
	const char *dup_email[] = {"zoe@example.com"};
	const char *email_only[] = {"yann.b@example.com"};
	size_t idx, idx2, g;
	demo_obj *u;
	long i;

	(void)state;
	demo_params_default(&p);
	m = new_model(&p, NULL);
	assert_int_equal(demo_model_create_user(m, "zoe", emails, 2, "{\"department\":\"Legal\",\"first_name\":\"Zoe\",\"last_name\":\"Quist\"}", &idx), DEMO_OK);
	u = &m->objs[DEMO_USER][idx];
	assert_string_equal(u->id, "u0050");
	assert_string_equal(u->name, "Zoe Quist");
	assert_string_equal(u->email, "zoe@example.com");
	assert_string_equal(u->email2, "zoe@home.example.net");
	assert_string_equal(u->department, "Legal");
	assert_int_equal(demo_model_count(m, DEMO_USER), 51);
	/* the same login, or the same primary email: already there */
	assert_int_equal(demo_model_create_user(m, "zoe", NULL, 0, NULL, &idx2), DEMO_EXISTS);
	assert_int_equal(idx2, idx);
	assert_int_equal(demo_model_create_user(m, "zoe2", dup_email, 1, NULL, &idx2), DEMO_EXISTS);
	assert_int_equal(idx2, idx);
	/* no login: from the email */
	assert_int_equal(demo_model_create_user(m, NULL, email_only, 1, NULL, &idx2), DEMO_OK);
	assert_string_equal(m->objs[DEMO_USER][idx2].login, "yann.b");
	assert_int_equal(demo_model_create_user(m, NULL, NULL, 0, NULL, &idx2), DEMO_INVALID);
	assert_int_equal(demo_model_create_user(m, "x", NULL, 0, "[1]", &idx2), DEMO_INVALID);

	assert_int_equal(demo_model_rotate(m, "u0050"), DEMO_OK);
	assert_int_equal(demo_model_rotate(m, "u0050"), DEMO_OK);
	assert_int_equal(m->objs[DEMO_USER][idx].rotations, 2);
	assert_int_equal(demo_model_rotate(m, "nobody"), DEMO_NOTFOUND);

	assert_int_equal(demo_model_create(m, DEMO_GROUP, "Auditors", "Read everything", NULL, &g), DEMO_OK);
	assert_string_equal(m->objs[DEMO_GROUP][g].id, "g008");
	assert_int_equal(demo_model_create(m, DEMO_PROJECT, "Zephyr", NULL, "ws01", &g), DEMO_OK);
	assert_string_equal(m->objs[DEMO_PROJECT][g].id, "p010");
	assert_int_equal(m->objs[DEMO_PROJECT][g].parent, 1);
	assert_int_equal(demo_model_create(m, DEMO_PROJECT, "Nowhere", NULL, "ws99", &g), DEMO_NOTFOUND);
	assert_int_equal(demo_model_create(m, DEMO_ROLE, "Nope", NULL, NULL, &g), DEMO_INVALID);
	assert_int_equal(demo_model_create(m, DEMO_GROUP, "", NULL, NULL, &g), DEMO_INVALID);

	/* deleting a group takes its memberships (in other groups, roles, projects) with it */
	assert_int_equal(demo_model_delete(m, DEMO_GROUP, "g001", NULL), DEMO_OK);
	assert_null(demo_model_find(m, DEMO_GROUP, "g001", NULL));
	assert_true(demo_obj_find_grant(&m->objs[DEMO_GROUP][0], 0, (demo_ref){DEMO_GROUP, 1}) < 0);
	assert_int_equal(demo_model_delete(m, DEMO_GROUP, "g001", NULL), DEMO_NOTFOUND);
	assert_int_equal(demo_model_count(m, DEMO_GROUP), 8);
	/* a project under another workspace is not found */
	assert_int_equal(demo_model_delete(m, DEMO_PROJECT, "p010", "ws00"), DEMO_NOTFOUND);
	assert_int_equal(demo_model_delete(m, DEMO_PROJECT, "p010", "ws01"), DEMO_OK);
	assert_int_equal(demo_model_delete(m, DEMO_WORKSPACE, "ws01", NULL), DEMO_INVALID);
	/* deleting a user removes their grants everywhere */
	assert_int_equal(demo_model_delete(m, DEMO_USER, "u0000", NULL), DEMO_OK);
	for (g = 0; g < m->n[DEMO_GROUP]; g++) {
		i = demo_obj_find_grant(&m->objs[DEMO_GROUP][g], 0, (demo_ref){DEMO_USER, 0});
		assert_true(i < 0);
	}
	demo_model_free(m);
}

static void test_state_file_replays(void **state)
{
	const char *path = state_file("replay");
	demo_params p;
	demo_model *a, *b, *fresh;
	const char *emails[] = {"new.hire@example.com"};
	size_t idx;
	json_t *doc;
	json_error_t err;

	(void)state;
	demo_params_default(&p);
	a = new_model(&p, path);
	/* nothing is written until something changes */
	assert_int_not_equal(access(path, F_OK), 0);
	assert_int_equal(demo_model_grant(a, DEMO_GROUP, "g003", "member", DEMO_GROUP, "g007"),
	                 demo_obj_find_grant(&a->objs[DEMO_GROUP][3], 0, (demo_ref){DEMO_GROUP, 7}) >= 0
	                         ? DEMO_EXISTS : DEMO_OK);
	assert_int_equal(demo_model_revoke(a, DEMO_GROUP, "g000", "member", DEMO_GROUP, "g001"), DEMO_OK);
	assert_int_equal(demo_model_create_user(a, "new.hire", emails, 1, "{\"title\":\"Intern\"}", &idx), DEMO_OK);
	assert_int_equal(demo_model_grant(a, DEMO_ROLE, "r00", "assigned", DEMO_USER, "u0050"), DEMO_OK);
	assert_int_equal(demo_model_rotate(a, "u0050"), DEMO_OK);
	assert_int_equal(demo_model_create(a, DEMO_PROJECT, "Zephyr", "new", "ws02", &idx), DEMO_OK);
	assert_int_equal(demo_model_grant(a, DEMO_PROJECT, "p010", "owner", DEMO_USER, "u0050"), DEMO_OK);
	assert_int_equal(demo_model_delete(a, DEMO_USER, "u0004", NULL), DEMO_OK);
	assert_int_equal(access(path, F_OK), 0);

	doc = json_load_file(path, 0, &err);
	assert_non_null(doc);
	assert_int_equal(json_integer_value(json_object_get(doc, "version")), 1);
	assert_true(json_array_size(json_object_get(doc, "ops")) >= 7);
	json_decref(doc);

	/* a new model on the same state file sees every change */
	b = new_model(&p, path);
	assert_same_model(a, b);
	assert_non_null(demo_model_find(b, DEMO_USER, "u0050", NULL));
	assert_null(demo_model_find(b, DEMO_USER, "u0004", NULL));
	assert_int_equal(b->objs[DEMO_USER][50].rotations, 1);
	assert_string_equal(b->objs[DEMO_USER][50].title, "Intern");
	/* and it keeps appending */
	assert_int_equal(demo_model_grant(b, DEMO_GROUP, "g000", "member", DEMO_GROUP, "g001"), DEMO_OK);
	demo_model_free(b);
	b = new_model(&p, path);
	assert_true(demo_obj_find_grant(&b->objs[DEMO_GROUP][0], 0, (demo_ref){DEMO_GROUP, 1}) >= 0);

	/* without the state file the company is the generated one */
	fresh = new_model(&p, NULL);
	assert_int_equal(demo_model_count(fresh, DEMO_USER), 50);
	demo_model_free(fresh);
	demo_model_free(a);
	demo_model_free(b);
	unlink(path);
	unlink_lock(path);
}

static bool member_of_g005(demo_model *m, const char *user)
{
	demo_obj *g5 = demo_model_find(m, DEMO_GROUP, "g005", NULL);
	size_t u;

	return g5 != NULL && demo_model_find(m, DEMO_USER, user, &u) != NULL &&
	       demo_obj_find_grant(g5, 0, (demo_ref){DEMO_USER, u}) >= 0;
}

/*
 * Two models on one state file, as two processes have (model.h, "Other processes"): each change
 * first catches up with what the other one logged, so nothing is lost, ids continue, and a
 * change the other one made already is answered as such. A file that is not a state file refuses
 * changes and stays; a deleted one starts the company afresh.
 */
static void test_state_file_two_models(void **state)
{
	const char *path = state_file("two");
	char users[3][16], lock[4200], text[64] = "";
	demo_params p;
	demo_model *a, *b, *c;
	size_t u, n = 0, idx = 0;
	struct stat st;
	FILE *f;

	(void)state;
	demo_params_default(&p);
	a = new_model(&p, path);
	b = new_model(&p, path);
	for (u = 0; u < a->n[DEMO_USER] && n < 3; u++) {
		if (!member_of_g005(a, a->objs[DEMO_USER][u].id))
			snprintf(users[n++], sizeof(users[0]), "%s", a->objs[DEMO_USER][u].id);
	}
	assert_int_equal(n, 3);

	/* a listing (the read lock) sees a's change; so does b's change, which reads a's first */
	assert_int_equal(demo_model_grant(a, DEMO_GROUP, "g005", "member", DEMO_USER, users[0]), DEMO_OK);
	demo_model_read_lock(b);
	assert_true(member_of_g005(b, users[0]));
	demo_model_unlock(b);
	assert_int_equal(demo_model_revoke(a, DEMO_GROUP, "g005", "member", DEMO_USER, users[0]), DEMO_OK);
	assert_int_equal(demo_model_grant(a, DEMO_GROUP, "g005", "member", DEMO_USER, users[0]), DEMO_OK);
	assert_int_equal(demo_model_grant(b, DEMO_GROUP, "g005", "member", DEMO_USER, users[1]), DEMO_OK);
	assert_true(member_of_g005(b, users[0]));
	assert_int_equal(demo_model_grant(b, DEMO_GROUP, "g005", "member", DEMO_USER, users[0]), DEMO_EXISTS);
	/* new users continue the other model's ids; a login the other one created exists */
	assert_int_equal(demo_model_create_user(a, "alpha", NULL, 0, NULL, &idx), DEMO_OK);
	assert_int_equal(idx, 50);
	assert_int_equal(demo_model_create_user(b, "beta", NULL, 0, NULL, &idx), DEMO_OK);
	assert_int_equal(idx, 51);
	assert_string_equal(b->objs[DEMO_USER][50].login, "alpha");
	assert_int_equal(demo_model_create_user(b, "alpha", NULL, 0, NULL, &idx), DEMO_EXISTS);
	assert_int_equal(idx, 50);
	/* one grant revoked by both: the second finds it gone */
	assert_int_equal(demo_model_revoke(a, DEMO_GROUP, "g000", "member", DEMO_GROUP, "g001"), DEMO_OK);
	assert_int_equal(demo_model_revoke(b, DEMO_GROUP, "g000", "member", DEMO_GROUP, "g001"), DEMO_ABSENT);
	/* a refused change catches up too: both models and one loaded now agree */
	assert_int_equal(demo_model_grant(a, DEMO_GROUP, "g005", "member", DEMO_USER, users[1]), DEMO_EXISTS);
	c = new_model(&p, path);
	assert_same_model(a, b);
	assert_same_model(a, c);
	assert_int_equal(json_array_size((const json_t *)demo_model_ops(c)), 7);
	demo_model_free(c);

	/* the lock file is private; the state file keeps the mode it was given */
	snprintf(lock, sizeof(lock), "%s.lock", path);
	assert_int_equal(stat(lock, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(demo_model_grant(a, DEMO_GROUP, "g005", "member", DEMO_USER, users[2]), DEMO_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);

	/* not a state file: b's change is refused, b is as it was, the file is not replaced */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{not json", f);
	fclose(f);
	assert_int_equal(demo_model_revoke(b, DEMO_GROUP, "g005", "member", DEMO_USER, users[0]), DEMO_IO);
	assert_true(member_of_g005(b, users[0]));
	demo_model_read_lock(b); /* a listing serves what b has */
	assert_true(member_of_g005(b, users[0]));
	demo_model_unlock(b);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(text, sizeof(text), f));
	fclose(f);
	assert_string_equal(text, "{not json");

	/* deleted: b's next change starts from the generated company */
	unlink(path);
	assert_int_equal(demo_model_grant(b, DEMO_GROUP, "g005", "member", DEMO_USER, users[2]), DEMO_OK);
	assert_false(member_of_g005(b, users[0]));
	assert_true(member_of_g005(b, users[2]));
	assert_int_equal(b->n[DEMO_USER], 50);
	c = new_model(&p, path);
	assert_same_model(b, c);
	assert_int_equal(json_array_size((const json_t *)demo_model_ops(c)), 1);
	demo_model_free(c);
	demo_model_free(a);
	demo_model_free(b);
	unlink(path);
	unlink_lock(path);
}

/* Runs `fn` with stderr going to a file; returns what it wrote (static buffer). */
static const char *stderr_of(void (*fn)(void *), void *arg)
{
	static char text[8192];
	char path[4200];
	FILE *f;
	size_t n;
	int saved, fd;

	snprintf(path, sizeof(path), "%s/demo-model-stderr-%ld.txt", test_out_dir(), (long)getpid());
	fflush(stderr);
	saved = dup(2);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(saved >= 0 && fd >= 0);
	dup2(fd, 2);
	close(fd);
	fn(arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	unlink(path);
	return text;
}

/* A revoke that must be refused with DEMO_IO, leaving the grant. */
static void revoke_refused(void *arg)
{
	demo_model *m = arg;

	assert_int_equal(demo_model_revoke(m, DEMO_GROUP, "g000", "member", DEMO_GROUP, "g001"), DEMO_IO);
}

static void test_state_file_errors(void **state)
{
	const char *path = state_file("bad");
	demo_params p;
	demo_model *m = NULL;
	FILE *f;

	(void)state;
	demo_params_default(&p);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{not json", f);
	fclose(f);
	assert_int_equal(demo_model_new(&p, path, &m), DEMO_IO);
	assert_null(m);
	unlink(path);

	/* a state file that cannot be written: the change is refused and not applied, and stderr
	 * says why */
	m = new_model(&p, "/nonexistent-dir/state.json");
	assert_non_null(strstr(stderr_of(revoke_refused, m),
	                       "baton-demo: state file /nonexistent-dir/state.json: cannot open its lock "
	                       "/nonexistent-dir/state.json.lock: No such file or directory"));
	assert_true(demo_obj_find_grant(&m->objs[DEMO_GROUP][0], 0, (demo_ref){DEMO_GROUP, 1}) >= 0);
	demo_model_free(m);
}

/* Loads a model of the params and state file in *arg (a struct load_args) and frees it. */
struct load_args {
	const demo_params *p;
	const char *path;
};

static void load_and_free(void *arg)
{
	struct load_args *a = arg;

	demo_model_free(new_model(a->p, a->path));
}

/* A state file written for another company (seed and sizes) is replayed, with a word on stderr:
 * the operations naming objects this company lacks are skipped, and ids may differ. The same
 * company loads without a word. */
static void test_state_file_other_params(void **state)
{
	const char *path = state_file("params");
	demo_params p, small;
	demo_model *m;
	struct load_args same = {&p, path}, other = {&small, path};

	(void)state;
	demo_params_default(&p);
	m = new_model(&p, path);
	assert_int_equal(demo_model_grant(m, DEMO_GROUP, "g003", "member", DEMO_USER, "u0040"), DEMO_OK);
	demo_model_free(m);
	assert_null(strstr(stderr_of(load_and_free, &same), "another company"));
	small = p;
	small.users = 10;
	assert_non_null(strstr(stderr_of(load_and_free, &other),
	                       "was written for another company (its users is 50, this one's 10)"));
	/* nothing was lost: the file still holds the grant the small company could not replay */
	m = new_model(&p, path);
	assert_int_equal(json_array_size((const json_t *)demo_model_ops(m)), 1);
	assert_true(demo_obj_find_grant(&m->objs[DEMO_GROUP][3], 0, (demo_ref){DEMO_USER, 40}) >= 0);
	demo_model_free(m);
	unlink(path);
	unlink_lock(path);
}

/*
 * Writing the state file fails (a child whose files may not grow past 64 bytes: EFBIG): the
 * change is refused and not applied, stderr names the temporary file and the reason, and the
 * temporary file is gone.
 */
static void test_state_file_write_fails(void **state)
{
	char dir[4096], path[4200], text[4096];
	struct rlimit lim = {64, 64};
	demo_params p;
	size_t n = 0;
	ssize_t r;
	pid_t pid;
	int status, fds[2];

	(void)state;
	snprintf(dir, sizeof(dir), "%s/demo-write-fails-%ld", test_out_dir(), (long)getpid());
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(path, sizeof(path), "%s/state.json", dir);
	demo_params_default(&p);
	assert_int_equal(pipe(fds), 0); /* stderr: a file would be limited to 64 bytes too */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		demo_model *m = NULL;
		int rc;

		close(fds[0]);
		dup2(fds[1], 2);
		signal(SIGXFSZ, SIG_IGN);
		if (setrlimit(RLIMIT_FSIZE, &lim) != 0 || demo_model_new(&p, path, &m) != DEMO_OK)
			_exit(10);
		rc = demo_model_revoke(m, DEMO_GROUP, "g000", "member", DEMO_GROUP, "g001");
		if (demo_obj_find_grant(&m->objs[DEMO_GROUP][0], 0, (demo_ref){DEMO_GROUP, 1}) < 0)
			_exit(11);
		demo_model_free(m);
		_exit(rc == DEMO_IO ? 0 : 12);
	}
	close(fds[1]);
	while (n < sizeof(text) - 1 && (r = read(fds[0], text + n, sizeof(text) - 1 - n)) > 0)
		n += (size_t)r;
	text[n] = '\0';
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("the child ended with status %d: %s", status, text);
	assert_non_null(strstr(text, "cannot write"));
	assert_non_null(strstr(text, "state.json.tmp-"));
	assert_non_null(strstr(text, "File too large"));
	/* no temporary file, no state file: only the lock is left */
	assert_int_equal(access(path, F_OK), -1);
	unlink_lock(path);
	assert_int_equal(rmdir(dir), 0);
}

/* The one reader of the operations' strings (demo_json_str): "" for anything but a string member. */
static void test_json_str(void **state)
{
	json_t *o = test_json_parse("{\"s\":\"x\",\"e\":\"\",\"n\":5,\"z\":null,\"o\":{},\"a\":[\"s\"]}");
	json_t *arr = json_pack("[s]", "s");

	(void)state;
	assert_string_equal(demo_json_str(o, "s"), "x");
	assert_string_equal(demo_json_str(o, "e"), "");
	assert_string_equal(demo_json_str(o, "n"), "");
	assert_string_equal(demo_json_str(o, "z"), "");
	assert_string_equal(demo_json_str(o, "o"), "");
	assert_string_equal(demo_json_str(o, "a"), "");
	assert_string_equal(demo_json_str(o, "missing"), "");
	assert_string_equal(demo_json_str(arr, "s"), "");
	assert_string_equal(demo_json_str(NULL, "s"), "");
	json_decref(o);
	json_decref(arr);
}

/* Operations with members missing or of the wrong type are skipped or read as "", never crash
 * the replay: a group created without a description has an empty one. */
static void test_state_file_odd_ops(void **state)
{
	const char *path = state_file("odd");
	demo_params p;
	demo_model *m;
	demo_obj *g;
	FILE *f;
	size_t idx;

	(void)state;
	demo_params_default(&p);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"version\":1,\"ops\":[{\"op\":5},\"grant\",null,{\"op\":\"grant\",\"type\":\"group\",\"resource\":7,"
	      "\"entitlement\":\"member\",\"principal_type\":\"user\",\"principal\":\"u0001\"},"
	      "{\"op\":\"revoke\",\"type\":\"group\",\"resource\":\"g000\",\"principal_type\":\"user\"},"
	      "{\"op\":\"delete\",\"type\":\"group\"},{\"op\":\"rotate\"},{\"op\":\"set_disabled\"},"
	      "{\"op\":\"create\",\"type\":\"group\",\"name\":\"Odd\",\"description\":false}]}", f);
	fclose(f);
	m = new_model(&p, path);
	assert_int_equal(demo_model_count(m, DEMO_GROUP), p.groups + 1);
	g = demo_model_find(m, DEMO_GROUP, "g008", &idx);
	assert_non_null(g);
	assert_string_equal(g->name, "Odd");
	assert_string_equal(g->description, "");
	demo_model_free(m);
	unlink(path);
	unlink_lock(path);
}

/* Writes a small file at dir/name (fails the test when it cannot). */
static void plant(const char *dir, const char *name)
{
	char p[4200];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs("{\"version\":1,\"ops\":[]}", f);
	assert_int_equal(fclose(f), 0);
}

static bool exists_in(const char *dir, const char *name)
{
	char p[4200];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return lstat(p, &st) == 0;
}

/* Removes dir/name for each name, then dir. */
static void remove_all(const char *dir, const char *const *names, size_t n)
{
	char p[4200];
	size_t i;

	for (i = 0; i < n; i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		if (unlink(p) != 0)
			rmdir(p);
	}
	rmdir(dir);
}

/*
 * A writer killed between mkstemp and rename leaves "<state>.tmp-XXXXXX" behind: the next change
 * (under the state file's lock) removes such files, and nothing else of the directory: not other
 * state files' temporaries, not names that only look alike, not a directory or a symbolic link of
 * that name, not the lock.
 */
static void test_state_file_leftovers(void **state)
{
	static const char *const gone[] = {"state.json.tmp-Ab3xZ9", "state.json.tmp-000000"};
	static const char *const kept[] = {
		"state.json.tmp-Ab3xZ",  "state.json.tmp-Ab3xZ9a", "state.json.tmp-Ab3x.9", "state.json.tmp-Ab3xZ9.bak",
		"state.json.tmp-",       "other.json.tmp-Ab3xZ9",  "xstate.json.tmp-Ab3xZ9", "state.json.tmpAb3xZ9x",
		"state.jsontmp-Ab3xZ9",  "target.txt",
	};
	char dir[4096], path[4200], p[4200], lnk[4200];
	const char *all[32];
	size_t n_all = 0, i;
	demo_params p0;
	demo_model *m;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/demo-leftovers-%ld", test_out_dir(), (long)getpid());
	mkdir(dir, 0700);
	snprintf(path, sizeof(path), "%s/state.json", dir);
	demo_params_default(&p0);
	m = new_model(&p0, path);
	for (i = 0; i < 2; i++)
		plant(dir, gone[i]);
	for (i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		plant(dir, kept[i]);
	snprintf(p, sizeof(p), "%s/state.json.tmp-dir123", dir);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/target.txt", dir);
	snprintf(lnk, sizeof(lnk), "%s/state.json.tmp-link12", dir);
	assert_int_equal(symlink(p, lnk), 0);

	assert_int_equal(demo_model_grant(m, DEMO_GROUP, "g003", "member", DEMO_USER, "u0001"), DEMO_OK);
	for (i = 0; i < 2; i++) {
		if (exists_in(dir, gone[i]))
			fail_msg("%s was left in place", gone[i]);
	}
	for (i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
		if (!exists_in(dir, kept[i]))
			fail_msg("%s was removed", kept[i]);
	}
	assert_true(exists_in(dir, "state.json.tmp-dir123"));
	assert_true(exists_in(dir, "state.json.tmp-link12"));
	assert_true(exists_in(dir, "state.json.lock"));
	assert_true(exists_in(dir, "state.json"));
	/* the change itself left no temporary file: only the planted names, the file and its lock */
	{
		demo_model *again = new_model(&p0, path);
		assert_int_equal(json_array_size((const json_t *)demo_model_ops(again)), 1);
		demo_model_free(again);
	}
	demo_model_free(m);

	for (i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		all[n_all++] = kept[i];
	all[n_all++] = "state.json.tmp-dir123";
	all[n_all++] = "state.json.tmp-link12";
	all[n_all++] = "state.json.lock";
	all[n_all++] = "state.json";
	remove_all(dir, all, n_all);
	assert_int_equal(access(dir, F_OK), -1); /* nothing else was there */
}

/*
 * A leftover that cannot be removed, or a directory that cannot be listed, does not fail the
 * change: it is said on stderr and left. As root, a child running as nobody meets a root-owned
 * leftover in a sticky directory (unlink: EPERM); otherwise the directory is write-only (0300:
 * opendir fails, mkstemp and rename work).
 */
static void test_state_file_leftover_stays(void **state)
{
	char dir[] = "/tmp/demo-leftover-XXXXXX", path[256], err_path[256], leftover[256], text[4096];
	bool root = geteuid() == 0;
	demo_params p0;
	FILE *f;
	size_t n;
	pid_t pid;
	int status, fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/state.json", dir);
	snprintf(leftover, sizeof(leftover), "%s/state.json.tmp-Root01", dir);
	snprintf(err_path, sizeof(err_path), "%s.err", dir);
	plant(dir, "state.json.tmp-Root01");
	assert_int_equal(chmod(dir, root ? 01777 : 0300), 0);
	fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	demo_params_default(&p0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		demo_model *m = NULL;
		int rc;

		dup2(fd, 2);
		if (root && (setgid(65534) != 0 || setuid(65534) != 0))
			_exit(10);
		if (demo_model_new(&p0, path, &m) != DEMO_OK)
			_exit(11);
		rc = demo_model_grant(m, DEMO_GROUP, "g003", "member", DEMO_USER, "u0001");
		demo_model_free(m);
		_exit(rc == DEMO_OK ? 0 : 12);
	}
	close(fd);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	chmod(dir, 0700);
	f = fopen(err_path, "r");
	assert_non_null(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("the change failed (status %d): %s", status, text);
	assert_int_equal(access(leftover, F_OK), 0);
	assert_int_equal(access(path, F_OK), 0);
	if (root)
		assert_non_null(strstr(text, "cannot remove"));
	else
		assert_non_null(strstr(text, "cannot look for temporary files"));
	assert_non_null(strstr(text, root ? "state.json.tmp-Root01" : dir));
	unlink(leftover);
	unlink(path);
	unlink_lock(path);
	unlink(err_path);
	assert_int_equal(rmdir(dir), 0);
}

/* demo_secret_wipe's reports (demo_secret.h): how many buffers, and whether each was all zeros. */
static size_t n_wiped, n_wiped_zero, wiped_bytes;

static void observe_wipe(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len && s[i] == '\0'; i++)
		;
	n_wiped++;
	n_wiped_zero += i == len;
	wiped_bytes += len;
}

/* demo_tokens.c's kept answers: found by request id, copied, dropped one by one; the rest are
 * wiped and freed with the model (ASan runs see no leak); a dropped one is wiped too. */
static void test_kept_answers(void **state)
{
	demo_params p;
	demo_model *m;
	char value[] = "bdt_0123456789abcdef0123456789abcdef01234567";
	const demo_answer *a;

	(void)state;
	demo_params_default(&p);
	m = new_model(&p, NULL);
	assert_null(demo_model_answer(m, "task-1"));
	assert_int_equal(demo_model_keep_answer(m, "task-1", "t0001", value), DEMO_OK);
	assert_int_equal(demo_model_keep_answer(m, "task-2", "t0002", "bdt_two"), DEMO_OK);
	assert_int_equal(demo_model_keep_answer(m, "task-3", "t0003", "bdt_three"), DEMO_OK);
	/* a copy: the caller's buffer can be wiped at once */
	memset(value, 0, sizeof(value));
	a = demo_model_answer(m, "task-1");
	assert_non_null(a);
	assert_string_equal(a->token, "t0001");
	assert_string_equal(a->value, "bdt_0123456789abcdef0123456789abcdef01234567");
	demo_secret_wiped = observe_wipe;
	demo_model_forget_answer(m, "task-2");
	demo_model_forget_answer(m, "task-9"); /* absent: nothing happens */
	/* the dropped value was wiped before it was freed */
	assert_int_equal(n_wiped, 1);
	assert_int_equal(n_wiped_zero, 1);
	assert_int_equal(wiped_bytes, strlen("bdt_two"));
	assert_null(demo_model_answer(m, "task-2"));
	assert_string_equal(demo_model_answer(m, "task-3")->value, "bdt_three");
	assert_string_equal(demo_model_answer(m, "task-1")->token, "t0001");
	assert_int_equal(m->n_answers, 2);
	demo_model_free(m);
	/* and the two left with the model */
	assert_int_equal(n_wiped, 3);
	assert_int_equal(n_wiped_zero, 3);
	assert_int_equal(wiped_bytes, strlen("bdt_two") + strlen("bdt_three") + 44);
	demo_secret_wiped = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generation_is_deterministic),
		cmocka_unit_test(test_generated_shape),
		cmocka_unit_test(test_params_from_env),
		cmocka_unit_test(test_grant_and_revoke),
		cmocka_unit_test(test_accounts_and_resources),
		cmocka_unit_test(test_state_file_replays),
		cmocka_unit_test(test_state_file_two_models),
		cmocka_unit_test(test_state_file_errors),
		cmocka_unit_test(test_state_file_write_fails),
		cmocka_unit_test(test_state_file_other_params),
		cmocka_unit_test(test_json_str),
		cmocka_unit_test(test_state_file_odd_ops),
		cmocka_unit_test(test_state_file_leftovers),
		cmocka_unit_test(test_state_file_leftover_stays),
		cmocka_unit_test(test_kept_answers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
