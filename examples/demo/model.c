/*
 * baton-demo: generating the company and provisioning it. Every change runs inside
 * DEMO_CHANGE (model_int.h), which locks the state file and catches up with other processes'
 * changes first; model_state.c reads and writes the file and holds the locks.
 */
#include "model_int.h"
#include "demo_secret.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>

/* Nested groups never go deeper than this, so expansion stays well inside the SDK's depth limit. */
#define DEMO_MAX_GROUP_DEPTH 6

static const char *const kind_ids[DEMO_N_KINDS] = {"user", "group", "role", "workspace", "project"};
static const char *const kind_names[DEMO_N_KINDS] = {"User", "Group", "Role", "Workspace", "Project"};

static const char *const no_entitlements[] = {NULL};
static const char *const group_entitlements[] = {"member", "admin", NULL};
static const char *const role_entitlements[] = {"assigned", NULL};
static const char *const project_entitlements[] = {"access", "owner", "viewer", NULL};

static const char *const first_names[] = {
	"Alice", "Bruno", "Chen", "Dana", "Emeka", "Fatima", "Gustav", "Hana", "Ivan", "Jonas",
	"Keiko", "Liam", "Maya", "Nikos", "Olga", "Priya", "Quinn", "Rosa", "Sven", "Tariq",
	"Uma", "Victor", "Wen", "Yara"};
static const char *const last_names[] = {
	"Abbott", "Becker", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ito",
	"Jensen", "Kowalski", "Lopez", "Moreau", "Nakamura", "Okafor", "Petrov", "Quist", "Rossi",
	"Silva", "Tanaka", "Ueda", "Varga", "Weber", "Zhang"};
static const char *const departments[] = {
	"Engineering", "Sales", "Marketing", "Finance", "Support", "Legal", "Operations", "Research"};
static const char *const titles[] = {
	"Engineer", "Senior Engineer", "Manager", "Analyst", "Director", "Specialist", "Associate"};
static const char *const locations[] = {"Berlin", "Lagos", "Lisbon", "Osaka", "Toronto", "Austin"};
static const char *const group_names[] = {
	"Everyone", "Engineering", "Platform", "Backend", "Frontend", "Sales", "Sales EMEA", "Finance",
	"Support", "Security", "Data", "Legal"};
static const char *const role_names[] = {
	"Administrator", "Auditor", "Billing Admin", "Developer", "Support Agent", "Read Only"};
static const char *const workspace_names[] = {"Acme", "Globex", "Initech", "Umbrella", "Hooli"};
static const char *const project_names[] = {
	"Apollo", "Borealis", "Cobalt", "Delta", "Ember", "Falcon", "Granite", "Helix", "Iris", "Juno"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------------------------------ */
/* Parameters                                                                                  */

void demo_params_default(demo_params *p)
{
	p->seed = 1;
	p->users = 50;
	p->groups = 8;
	p->roles = 5;
	p->workspaces = 4;
	p->projects = 10;
	p->page_size = 3;
}

static int env_number(const char *name, uint64_t max, uint64_t *out)
{
	const char *v = getenv(name);
	char *end;
	unsigned long long n;

	if (v == NULL || *v == '\0')
		return 0;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno != 0 || *end != '\0' || *v == '-' || n > max)
		return -1;
	*out = n;
	return 1;
}

int demo_params_from_env(demo_params *p, const char **bad)
{
	static const struct {
		const char *name;
		uint64_t max;
		size_t off;
	} vars[] = {
		{"BATON_DEMO_USERS", 1000000, offsetof(demo_params, users)},
		{"BATON_DEMO_GROUPS", 100000, offsetof(demo_params, groups)},
		{"BATON_DEMO_ROLES", 100000, offsetof(demo_params, roles)},
		{"BATON_DEMO_WORKSPACES", 100000, offsetof(demo_params, workspaces)},
		{"BATON_DEMO_PROJECTS", 1000000, offsetof(demo_params, projects)},
	};
	uint64_t n;
	size_t i;
	int rc;

	for (i = 0; i < COUNT(vars); i++) {
		rc = env_number(vars[i].name, vars[i].max, &n);
		if (rc < 0) {
			*bad = vars[i].name;
			return -1;
		}
		if (rc > 0)
			*(size_t *)((char *)p + vars[i].off) = (size_t)n;
	}
	rc = env_number("BATON_DEMO_SEED", UINT64_MAX, &n);
	if (rc < 0) {
		*bad = "BATON_DEMO_SEED";
		return -1;
	}
	if (rc > 0)
		p->seed = n;
	rc = env_number("BATON_DEMO_PAGE_SIZE", 10000, &n);
	if (rc < 0 || (rc > 0 && n == 0)) {
		*bad = "BATON_DEMO_PAGE_SIZE";
		return -1;
	}
	if (rc > 0)
		p->page_size = (uint32_t)n;
	if (p->projects > 0 && p->workspaces == 0) {
		*bad = "BATON_DEMO_WORKSPACES";
		return -2;
	}
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Kinds and entitlements                                                                      */

const char *demo_kind_id(demo_kind kind)
{
	return kind < DEMO_N_KINDS ? kind_ids[kind] : "";
}

const char *demo_kind_name(demo_kind kind)
{
	return kind < DEMO_N_KINDS ? kind_names[kind] : "";
}

bool demo_kind_parse(const char *type_id, demo_kind *kind)
{
	int k;

	if (type_id == NULL)
		return false;
	for (k = 0; k < DEMO_N_KINDS; k++) {
		if (strcmp(type_id, kind_ids[k]) == 0) {
			*kind = (demo_kind)k;
			return true;
		}
	}
	return false;
}

const char *const *demo_entitlements(demo_kind kind)
{
	switch (kind) {
	case DEMO_GROUP:
		return group_entitlements;
	case DEMO_ROLE:
		return role_entitlements;
	case DEMO_PROJECT:
		return project_entitlements;
	default:
		return no_entitlements;
	}
}

int demo_entitlement_index(demo_kind kind, const char *name)
{
	const char *const *e = demo_entitlements(kind);
	int i;

	for (i = 0; name != NULL && e[i] != NULL; i++) {
		if (strcmp(e[i], name) == 0)
			return i;
	}
	return -1;
}

bool demo_entitlement_grantable(demo_kind kind, unsigned int ent, demo_kind principal)
{
	if (principal == DEMO_USER)
		return true;
	if (principal != DEMO_GROUP)
		return false;
	/* groups hold memberships, role assignments and project access; never admin/owner/viewer */
	return (kind == DEMO_GROUP || kind == DEMO_ROLE || kind == DEMO_PROJECT) && ent == 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Objects                                                                                     */

static char *xstrdup(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

#if defined(__GNUC__)
static char *xprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#endif

static char *xprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (s = malloc((size_t)n + 1)) == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

static void obj_clear(demo_obj *o)
{
	free(o->id);
	free(o->name);
	free(o->description);
	free(o->login);
	free(o->given_name);
	free(o->family_name);
	free(o->email);
	free(o->email2);
	free(o->employee_id);
	free(o->department);
	free(o->title);
	free(o->location);
	free(o->profile_json);
	free(o->grants);
	memset(o, 0, sizeof(*o));
}

/* Appends a blank object of `kind` with id and name; NULL when memory is short. */
static demo_obj *obj_add(demo_model *m, demo_kind kind, char *id, char *name)
{
	demo_obj *o;

	if (id == NULL || name == NULL)
		goto fail;
	if (m->n[kind] == m->cap[kind]) {
		size_t cap = m->cap[kind] ? m->cap[kind] * 2 : 16;
		demo_obj *n = realloc(m->objs[kind], cap * sizeof(*n));
		if (n == NULL)
			goto fail;
		m->objs[kind] = n;
		m->cap[kind] = cap;
	}
	o = &m->objs[kind][m->n[kind]++];
	memset(o, 0, sizeof(*o));
	o->kind = kind;
	o->id = id;
	o->name = name;
	return o;
fail:
	free(id);
	free(name);
	return NULL;
}

demo_obj *demo_model_obj(demo_model *m, demo_ref ref)
{
	if (ref.kind >= DEMO_N_KINDS || ref.idx >= m->n[ref.kind])
		return NULL;
	return &m->objs[ref.kind][ref.idx];
}

demo_obj *demo_model_find(demo_model *m, demo_kind kind, const char *id, size_t *idx)
{
	size_t i;

	if (kind >= DEMO_N_KINDS || id == NULL)
		return NULL;
	for (i = 0; i < m->n[kind]; i++) {
		demo_obj *o = &m->objs[kind][i];
		if (!o->deleted && strcmp(o->id, id) == 0) {
			if (idx != NULL)
				*idx = i;
			return o;
		}
	}
	return NULL;
}

long demo_obj_find_grant(const demo_obj *obj, unsigned int ent, demo_ref principal)
{
	size_t i;

	for (i = 0; i < obj->n_grants; i++) {
		const demo_grant *g = &obj->grants[i];
		if (g->ent == ent && g->principal.kind == principal.kind && g->principal.idx == principal.idx)
			return (long)i;
	}
	return -1;
}

static int obj_add_grant(demo_obj *o, unsigned int ent, demo_ref principal)
{
	if (o->n_grants == o->cap_grants) {
		size_t cap = o->cap_grants ? o->cap_grants * 2 : 8;
		demo_grant *n = realloc(o->grants, cap * sizeof(*n));
		if (n == NULL)
			return DEMO_NOMEM;
		o->grants = n;
		o->cap_grants = cap;
	}
	o->grants[o->n_grants].ent = ent;
	o->grants[o->n_grants].principal = principal;
	o->n_grants++;
	return DEMO_OK;
}

static void obj_remove_grant(demo_obj *o, size_t i)
{
	memmove(&o->grants[i], &o->grants[i + 1], (o->n_grants - i - 1) * sizeof(o->grants[0]));
	o->n_grants--;
}

/* ------------------------------------------------------------------------------------------ */
/* Generation                                                                                  */

/* splitmix64: small, fast, and the same on every platform. */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static size_t rng_below(uint64_t *s, size_t n)
{
	return n ? (size_t)(rng_next(s) % n) : 0;
}

static void lower_ascii(char *s)
{
	for (; *s; s++) {
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
	}
}

/* Adds (ent, principal) to o unless it is already there. */
static int add_unique(demo_obj *o, unsigned int ent, demo_ref principal)
{
	if (demo_obj_find_grant(o, ent, principal) >= 0)
		return DEMO_EXISTS;
	return obj_add_grant(o, ent, principal);
}

/* Grants entitlement `ent` of every object in objs to `want` distinct random users. */
static int pick_users(demo_model *m, uint64_t *rng, demo_obj *o, unsigned int ent, size_t want)
{
	size_t users = m->params.users, tries;
	int rc;

	if (want > users)
		want = users;
	for (tries = 0; want > 0 && tries < want * 8 + 16; tries++) {
		demo_ref p = {DEMO_USER, rng_below(rng, users)};
		rc = add_unique(o, ent, p);
		if (rc == DEMO_OK)
			want--;
		else if (rc < 0)
			return rc;
	}
	return DEMO_OK;
}

static int generate_users(demo_model *m, uint64_t *rng)
{
	size_t i;

	for (i = 0; i < m->params.users; i++) {
		const char *given = first_names[rng_below(rng, COUNT(first_names))];
		const char *family = last_names[rng_below(rng, COUNT(last_names))];
		demo_obj *o = obj_add(m, DEMO_USER, xprintf("u%04zu", i), xprintf("%s %s", given, family));
		if (o == NULL)
			return DEMO_NOMEM;
		o->given_name = xstrdup(given);
		o->family_name = xstrdup(family);
		o->login = xprintf("%s.%s%zu", given, family, i);
		if (o->login != NULL)
			lower_ascii(o->login);
		o->email = o->login ? xprintf("%s@example.com", o->login) : NULL;
		if (rng_below(rng, 3) == 0)
			o->email2 = o->login ? xprintf("%s@alumni.example.org", o->login) : NULL;
		o->employee_id = xprintf("E%06zu", 100000 + i);
		o->department = xstrdup(departments[rng_below(rng, COUNT(departments))]);
		o->title = xstrdup(titles[rng_below(rng, COUNT(titles))]);
		o->location = xstrdup(locations[rng_below(rng, COUNT(locations))]);
		o->description = xprintf("%s, %s", o->title ? o->title : "", o->department ? o->department : "");
		/* about one in ten accounts is disabled, and always the third one */
		o->disabled = i == 2 || rng_below(rng, 10) == 0;
		o->service_account = i % 25 == 24;
		o->mfa = rng_below(rng, 3) != 0;
		o->created_at = 1577836800 + (int64_t)rng_below(rng, 3 * 365 * 86400);
		o->last_login = o->disabled ? 0 : o->created_at + (int64_t)rng_below(rng, 200 * 86400);
		if (o->given_name == NULL || o->family_name == NULL || o->login == NULL || o->email == NULL ||
		    o->employee_id == NULL || o->department == NULL || o->title == NULL ||
		    o->location == NULL || o->description == NULL)
			return DEMO_NOMEM;
	}
	return DEMO_OK;
}

static int generate_groups(demo_model *m, uint64_t *rng)
{
	size_t g = m->params.groups, i, u, k;
	unsigned int *depth = calloc(g ? g : 1, sizeof(*depth));
	int rc = DEMO_OK;

	if (depth == NULL)
		return DEMO_NOMEM;
	for (i = 0; i < g; i++) {
		char *name = i < COUNT(group_names) ? xstrdup(group_names[i])
		                                     : xprintf("%s %zu", group_names[i % COUNT(group_names)],
		                                               i / COUNT(group_names) + 1);
		demo_obj *o = obj_add(m, DEMO_GROUP, xprintf("g%03zu", i), name);
		if (o == NULL || (o->description = xprintf("The %s group", o->name)) == NULL) {
			rc = DEMO_NOMEM;
			goto out;
		}
	}
	/*
	 * Nesting: group i (i >= 1) is a member of an earlier group, always for groups 1 and 2 (so
	 * there is a chain g002 -> g001 -> g000) and for about half of the others; a fifth of the
	 * nested groups are members of a second earlier group as well. Parents always come first, so
	 * the graph has no cycles, and depth is capped.
	 */
	for (i = 1; i < g; i++) {
		size_t parents[2], np = 0, p;
		unsigned int d = 0;

		if (i > 2 && rng_below(rng, 2) == 0)
			continue;
		p = i <= 2 ? i - 1 : rng_below(rng, i);
		if (depth[p] < DEMO_MAX_GROUP_DEPTH)
			parents[np++] = p;
		if (i > 2 && rng_below(rng, 5) == 0) {
			p = rng_below(rng, i);
			if (depth[p] < DEMO_MAX_GROUP_DEPTH && (np == 0 || p != parents[0]))
				parents[np++] = p;
		}
		for (k = 0; k < np; k++) {
			demo_ref child = {DEMO_GROUP, i};
			if ((rc = add_unique(&m->objs[DEMO_GROUP][parents[k]], 0, child)) < 0)
				goto out;
			rc = DEMO_OK;
			if (depth[parents[k]] + 1 > d)
				d = depth[parents[k]] + 1;
		}
		depth[i] = d;
	}
	if (g == 0)
		goto out;
	/* every user is in one to three groups; every group has one admin */
	for (u = 0; u < m->params.users; u++) {
		size_t want = 1 + rng_below(rng, 3);
		demo_ref p = {DEMO_USER, u};
		for (k = 0; k < want; k++) {
			rc = add_unique(&m->objs[DEMO_GROUP][rng_below(rng, g)], 0, p);
			if (rc < 0)
				goto out;
		}
		rc = DEMO_OK;
	}
	for (i = 0; i < g && m->params.users > 0; i++) {
		demo_ref p = {DEMO_USER, rng_below(rng, m->params.users)};
		if ((rc = add_unique(&m->objs[DEMO_GROUP][i], 1, p)) < 0)
			goto out;
		rc = DEMO_OK;
	}
out:
	free(depth);
	return rc;
}

static int generate_roles(demo_model *m, uint64_t *rng)
{
	size_t i, k;
	int rc;

	for (i = 0; i < m->params.roles; i++) {
		char *name = i < COUNT(role_names) ? xstrdup(role_names[i])
		                                    : xprintf("%s %zu", role_names[i % COUNT(role_names)],
		                                              i / COUNT(role_names) + 1);
		demo_obj *o = obj_add(m, DEMO_ROLE, xprintf("r%02zu", i), name);
		size_t groups;

		if (o == NULL || (o->description = xprintf("Can act as %s", o->name)) == NULL)
			return DEMO_NOMEM;
		if ((rc = pick_users(m, rng, o, 0, 1 + m->params.users / 10)) < 0)
			return rc;
		groups = m->params.groups ? 1 + rng_below(rng, 2) : 0;
		for (k = 0; k < groups; k++) {
			demo_ref p = {DEMO_GROUP, rng_below(rng, m->params.groups)};
			if ((rc = add_unique(o, 0, p)) < 0)
				return rc;
		}
	}
	return DEMO_OK;
}

static int generate_projects(demo_model *m, uint64_t *rng)
{
	size_t w = m->params.workspaces, i;
	int rc;

	for (i = 0; i < w; i++) {
		char *name = xprintf("%s %zu", workspace_names[i % COUNT(workspace_names)], i + 1);
		demo_obj *o = obj_add(m, DEMO_WORKSPACE, xprintf("ws%02zu", i), name);
		if (o == NULL || (o->description = xprintf("Workspace of the %s division", o->name)) == NULL)
			return DEMO_NOMEM;
	}
	for (i = 0; i < m->params.projects; i++) {
		char *name = xprintf("%s %zu", project_names[i % COUNT(project_names)], i + 1);
		demo_obj *o = obj_add(m, DEMO_PROJECT, xprintf("p%03zu", i), name);

		if (o == NULL)
			return DEMO_NOMEM;
		/* half of the projects live in the first workspace (so it lists over several pages) */
		o->parent = (w == 1 || i < m->params.projects / 2) ? 0 : 1 + i % (w - 1);
		o->description = xprintf("Project %s in %s", o->name,
		                         m->objs[DEMO_WORKSPACE][o->parent].name);
		if (o->description == NULL)
			return DEMO_NOMEM;
		if ((rc = pick_users(m, rng, o, 1, 1)) < 0)                           /* owner */
			return rc;
		if ((rc = pick_users(m, rng, o, 0, 2 + rng_below(rng, 3))) < 0)       /* access */
			return rc;
		if (m->params.groups > 0) {
			demo_ref p = {DEMO_GROUP, rng_below(rng, m->params.groups)};
			if ((rc = add_unique(o, 0, p)) < 0)
				return rc;
		}
		if ((rc = pick_users(m, rng, o, 2, 1 + rng_below(rng, 3))) < 0)       /* viewer */
			return rc;
	}
	return DEMO_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Provisioning operations                                                                     */

static json_t *grant_op(const char *verb, demo_kind kind, const char *rid, const char *ent,
                        demo_kind pkind, const char *pid)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "op", verb, "type", demo_kind_id(kind),
	                 "resource", rid, "entitlement", ent, "principal_type", demo_kind_id(pkind),
	                 "principal", pid);
}

/* ------------------------------------------------------------------------------------------ */
/* The model                                                                                   */

/* Wipes and frees one kept answer's strings. */
static void answer_clear(demo_answer *a)
{
	demo_secret_wipe(a->value);
	free(a->value);
	free(a->token);
	free(a->request_id);
	memset(a, 0, sizeof(*a));
}

const demo_answer *demo_model_answer(const demo_model *m, const char *request_id)
{
	size_t i;

	for (i = 0; request_id != NULL && i < m->n_answers; i++) {
		if (strcmp(m->answers[i].request_id, request_id) == 0)
			return &m->answers[i];
	}
	return NULL;
}

int demo_model_keep_answer(demo_model *m, const char *request_id, const char *token, const char *value)
{
	demo_answer a;

	if (m->n_answers == m->cap_answers) {
		size_t cap = m->cap_answers ? m->cap_answers * 2 : 8;
		demo_answer *n = realloc(m->answers, cap * sizeof(*n));
		if (n == NULL)
			return DEMO_NOMEM;
		m->answers = n;
		m->cap_answers = cap;
	}
	a.request_id = strdup(request_id);
	a.token = strdup(token);
	a.value = strdup(value);
	if (a.request_id == NULL || a.token == NULL || a.value == NULL) {
		answer_clear(&a);
		return DEMO_NOMEM;
	}
	m->answers[m->n_answers++] = a;
	return DEMO_OK;
}

void demo_model_forget_answer(demo_model *m, const char *request_id)
{
	demo_answer *a = (demo_answer *)demo_model_answer(m, request_id);

	if (a == NULL)
		return;
	answer_clear(a);
	*a = m->answers[--m->n_answers];
}

int demo_model_new(const demo_params *params, const char *state_path, demo_model **out)
{
	demo_model *m = calloc(1, sizeof(*m));
	uint64_t rng;
	int rc = DEMO_NOMEM;

	*out = NULL;
	if (m == NULL)
		return DEMO_NOMEM;
	if (demo_state_lock_init(&m->lock) != 0) {
		free(m);
		return DEMO_NOMEM;
	}
	m->lock_ready = true;
	m->lock_fd = -1;
	m->params = *params;
	if (m->params.projects > 0 && m->params.workspaces == 0)
		m->params.workspaces = 1;
	if (m->params.page_size == 0)
		m->params.page_size = 3;
	m->ops = json_array();
	if (m->ops == NULL || (state_path != NULL && (m->state_path = strdup(state_path)) == NULL))
		goto fail;
	rng = m->params.seed;
	if ((rc = generate_users(m, &rng)) != DEMO_OK || (rc = generate_groups(m, &rng)) != DEMO_OK ||
	    (rc = generate_roles(m, &rng)) != DEMO_OK || (rc = generate_projects(m, &rng)) != DEMO_OK ||
	    (rc = demo_state_load(m)) != DEMO_OK)
		goto fail;
	*out = m;
	return DEMO_OK;
fail:
	demo_model_free(m);
	return rc;
}

void demo_model_free(demo_model *m)
{
	size_t i;
	int k;

	if (m == NULL)
		return;
	for (k = 0; k < DEMO_N_KINDS; k++) {
		for (i = 0; i < m->n[k]; i++)
			obj_clear(&m->objs[k][i]);
		free(m->objs[k]);
	}
	json_decref((json_t *)m->ops);
	for (i = 0; i < m->n_answers; i++)
		answer_clear(&m->answers[i]);
	free(m->answers);
	free(m->state_path);
	if (m->lock_ready)
		pthread_rwlock_destroy(&m->lock);
	free(m);
}

size_t demo_model_count(const demo_model *m, demo_kind kind)
{
	size_t i, n = 0;

	for (i = 0; i < m->n[kind]; i++)
		n += !m->objs[kind][i].deleted;
	return n;
}

size_t demo_model_count_grants(const demo_model *m, demo_kind kind)
{
	size_t i, n = 0;

	for (i = 0; i < m->n[kind]; i++) {
		if (!m->objs[kind][i].deleted)
			n += m->objs[kind][i].n_grants;
	}
	return n;
}

/* Resolves the target object, the entitlement index and the principal of a grant or revoke. */
static int resolve_grant(demo_model *m, demo_kind kind, const char *rid, const char *ent_name,
                         demo_kind pkind, const char *pid, demo_obj **obj, unsigned int *ent,
                         demo_ref *principal)
{
	int e = demo_entitlement_index(kind, ent_name);

	if (e < 0 || (*obj = demo_model_find(m, kind, rid, NULL)) == NULL)
		return DEMO_NOTFOUND;
	if (pkind != DEMO_USER && pkind != DEMO_GROUP)
		return DEMO_INVALID;
	principal->kind = pkind;
	if (demo_model_find(m, pkind, pid, &principal->idx) == NULL)
		return DEMO_NOTFOUND;
	if (!demo_entitlement_grantable(kind, (unsigned int)e, pkind))
		return DEMO_INVALID;
	if (kind == DEMO_GROUP && pkind == DEMO_GROUP && strcmp(rid, pid) == 0)
		return DEMO_INVALID; /* a group cannot be a member of itself */
	*ent = (unsigned int)e;
	return DEMO_OK;
}

static int grant_one(demo_model *m, demo_kind kind, const char *resource_id, const char *ent_name,
                     demo_kind principal_kind, const char *principal_id)
{
	demo_obj *o;
	unsigned int ent;
	demo_ref p;
	int rc = resolve_grant(m, kind, resource_id, ent_name, principal_kind, principal_id, &o, &ent, &p);

	if (rc != DEMO_OK)
		return rc;
	if (demo_obj_find_grant(o, ent, p) >= 0)
		return DEMO_EXISTS;
	rc = demo_state_append(m, grant_op("grant", kind, resource_id, ent_name, principal_kind, principal_id));
	return rc != DEMO_OK ? rc : obj_add_grant(o, ent, p);
}

int demo_model_grant(demo_model *m, demo_kind kind, const char *resource_id, const char *ent_name,
                     demo_kind principal_kind, const char *principal_id)
{
	return DEMO_CHANGE(m, grant_one(m, kind, resource_id, ent_name, principal_kind, principal_id));
}

static int revoke_one(demo_model *m, demo_kind kind, const char *resource_id, const char *ent_name,
                      demo_kind principal_kind, const char *principal_id)
{
	demo_obj *o;
	unsigned int ent;
	demo_ref p;
	long i;
	int rc = resolve_grant(m, kind, resource_id, ent_name, principal_kind, principal_id, &o, &ent, &p);

	if (rc != DEMO_OK)
		return rc;
	if ((i = demo_obj_find_grant(o, ent, p)) < 0)
		return DEMO_ABSENT;
	rc = demo_state_append(m, grant_op("revoke", kind, resource_id, ent_name, principal_kind, principal_id));
	if (rc == DEMO_OK)
		obj_remove_grant(o, (size_t)i);
	return rc;
}

int demo_model_revoke(demo_model *m, demo_kind kind, const char *resource_id, const char *ent_name,
                      demo_kind principal_kind, const char *principal_id)
{
	return DEMO_CHANGE(m, revoke_one(m, kind, resource_id, ent_name, principal_kind, principal_id));
}

static const char *profile_string(json_t *profile, const char *key)
{
	const char *s = json_string_value(json_object_get(profile, key));
	return s != NULL && *s != '\0' ? s : NULL;
}

static int create_user(demo_model *m, const char *login, const char *const *emails,
                       size_t n_emails, const char *profile_json, size_t *idx)
{
	const char *primary = n_emails > 0 && emails[0] != NULL && *emails[0] != '\0' ? emails[0] : NULL;
	json_t *profile = NULL, *op, *jemails;
	char *derived = NULL;
	bool set_now = false;
	const char *given, *family, *display;
	demo_obj *o;
	size_t i;
	int rc = DEMO_NOMEM;

	if (login == NULL || *login == '\0') {
		/* no login: the local part of the primary email */
		if (primary == NULL)
			return DEMO_INVALID;
		derived = strdup(primary);
		if (derived == NULL)
			return DEMO_NOMEM;
		if (strchr(derived, '@') != NULL)
			*strchr(derived, '@') = '\0';
		login = derived;
		if (*login == '\0') {
			free(derived);
			return DEMO_INVALID;
		}
	}
	for (i = 0; i < m->n[DEMO_USER]; i++) {
		o = &m->objs[DEMO_USER][i];
		if (!o->deleted && (strcmp(o->login, login) == 0 ||
		                    (primary != NULL && strcmp(o->email, primary) == 0))) {
			*idx = i;
			free(derived);
			return DEMO_EXISTS;
		}
	}
	if (profile_json != NULL) {
		profile = json_loads(profile_json, 0, NULL);
		if (!json_is_object(profile)) {
			json_decref(profile);
			free(derived);
			return DEMO_INVALID;
		}
	}
	if (m->now == 0) {
		m->now = (int64_t)time(NULL);
		set_now = true;
	}
	jemails = json_array();
	for (i = 0; jemails != NULL && i < n_emails; i++) {
		if (emails[i] != NULL && *emails[i] != '\0')
			json_array_append_new(jemails, json_string(emails[i]));
	}
	op = json_pack("{s:s, s:s, s:o, s:O?, s:I}", "op", "create_user", "login", login, "emails",
	               jemails ? jemails : json_null(), "profile", profile, "created_at",
	               (json_int_t)m->now);
	if ((rc = demo_state_append(m, op)) != DEMO_OK)
		goto out;
	given = profile_string(profile, "first_name");
	family = profile_string(profile, "last_name");
	display = profile_string(profile, "display_name");
	rc = DEMO_NOMEM;
	o = obj_add(m, DEMO_USER, xprintf("u%04zu", m->n[DEMO_USER]),
	            display ? xstrdup(display)
	                    : (given && family) ? xprintf("%s %s", given, family) : xstrdup(login));
	if (o == NULL)
		goto out;
	*idx = m->n[DEMO_USER] - 1;
	o->login = xstrdup(login);
	o->given_name = xstrdup(given ? given : "");
	o->family_name = xstrdup(family ? family : "");
	o->email = primary ? xstrdup(primary) : xprintf("%s@example.com", login);
	o->email2 = n_emails > 1 && emails[1] != NULL && *emails[1] != '\0' ? xstrdup(emails[1]) : NULL;
	o->employee_id = xprintf("E%06zu", 100000 + *idx);
	o->department = xstrdup(profile_string(profile, "department") ? profile_string(profile, "department") : "");
	o->title = xstrdup(profile_string(profile, "title") ? profile_string(profile, "title") : "");
	o->location = xstrdup("");
	o->description = xstrdup("Created by baton-demo's create_account");
	o->profile_json = profile_json ? xstrdup(profile_json) : NULL;
	o->created_at = m->now;
	o->mfa = false;
	if (o->login && o->given_name && o->family_name && o->email && o->employee_id && o->department &&
	    o->title && o->location && o->description && (profile_json == NULL || o->profile_json))
		rc = DEMO_OK;
out:
	if (set_now)
		m->now = 0;
	json_decref(profile);
	free(derived);
	return rc;
}

int demo_model_create_user(demo_model *m, const char *login, const char *const *emails,
                           size_t n_emails, const char *profile_json, size_t *idx)
{
	return DEMO_CHANGE(m, create_user(m, login, emails, n_emails, profile_json, idx));
}

static int rotate(demo_model *m, const char *user_id)
{
	demo_obj *o = demo_model_find(m, DEMO_USER, user_id, NULL);
	int rc;

	if (o == NULL)
		return DEMO_NOTFOUND;
	rc = demo_state_append(m, json_pack("{s:s, s:s}", "op", "rotate", "user", user_id));
	if (rc == DEMO_OK)
		o->rotations++;
	return rc;
}

int demo_model_rotate(demo_model *m, const char *user_id)
{
	return DEMO_CHANGE(m, rotate(m, user_id));
}

static int create(demo_model *m, demo_kind kind, const char *name, const char *description,
                  const char *parent_id, size_t *idx)
{
	size_t parent = 0;
	demo_obj *o;
	int rc;

	if (name == NULL || *name == '\0' || (kind != DEMO_GROUP && kind != DEMO_PROJECT))
		return DEMO_INVALID;
	if (kind == DEMO_PROJECT && demo_model_find(m, DEMO_WORKSPACE, parent_id, &parent) == NULL)
		return DEMO_NOTFOUND;
	rc = demo_state_append(m, json_pack("{s:s, s:s, s:s, s:s?, s:s?}", "op", "create", "type",
	                                    demo_kind_id(kind), "name", name, "description", description,
	                                    "parent", kind == DEMO_PROJECT ? parent_id : NULL));
	if (rc != DEMO_OK)
		return rc;
	o = obj_add(m, kind, xprintf(kind == DEMO_GROUP ? "g%03zu" : "p%03zu", m->n[kind]), xstrdup(name));
	if (o == NULL)
		return DEMO_NOMEM;
	o->parent = parent;
	o->description = xstrdup(description != NULL ? description : "");
	if (o->description == NULL)
		return DEMO_NOMEM;
	*idx = m->n[kind] - 1;
	return DEMO_OK;
}

int demo_model_create(demo_model *m, demo_kind kind, const char *name, const char *description,
                      const char *parent_id, size_t *idx)
{
	return DEMO_CHANGE(m, create(m, kind, name, description, parent_id, idx));
}

static int delete_obj(demo_model *m, demo_kind kind, const char *id, const char *parent_id)
{
	size_t idx, i;
	demo_obj *o;
	int k, rc;

	if (kind != DEMO_USER && kind != DEMO_GROUP && kind != DEMO_PROJECT)
		return DEMO_INVALID;
	if ((o = demo_model_find(m, kind, id, &idx)) == NULL)
		return DEMO_NOTFOUND;
	if (kind == DEMO_PROJECT && parent_id != NULL && *parent_id != '\0' &&
	    strcmp(m->objs[DEMO_WORKSPACE][o->parent].id, parent_id) != 0)
		return DEMO_NOTFOUND;
	rc = demo_state_append(m, json_pack("{s:s, s:s, s:s, s:s?}", "op", "delete", "type", demo_kind_id(kind),
	                                    "id", id, "parent", parent_id && *parent_id ? parent_id : NULL));
	if (rc != DEMO_OK)
		return rc;
	o->deleted = true;
	o->n_grants = 0;
	/* grants held by a deleted principal go with it */
	for (k = 0; k < DEMO_N_KINDS; k++) {
		for (i = 0; i < m->n[k]; i++) {
			demo_obj *t = &m->objs[k][i];
			size_t j = 0;
			while (j < t->n_grants) {
				if (t->grants[j].principal.kind == kind && t->grants[j].principal.idx == idx)
					obj_remove_grant(t, j);
				else
					j++;
			}
		}
	}
	return DEMO_OK;
}

int demo_model_delete(demo_model *m, demo_kind kind, const char *id, const char *parent_id)
{
	return DEMO_CHANGE(m, delete_obj(m, kind, id, parent_id));
}

int demo_model_log(demo_model *m, void *op)
{
	int rc = demo_state_begin(m);

	if (rc != DEMO_OK) {
		json_decref((json_t *)op);
		return demo_state_end(m, rc);
	}
	return demo_state_end(m, demo_state_append(m, (json_t *)op));
}

const void *demo_model_ops(const demo_model *m)
{
	return m->ops;
}

static int set_disabled(demo_model *m, const char *user_id, bool disabled)
{
	demo_obj *o = demo_model_find(m, DEMO_USER, user_id, NULL);
	bool was;
	int rc;

	if (o == NULL)
		return DEMO_NOTFOUND;
	was = o->disabled;
	o->disabled = disabled;
	rc = demo_state_append(m, json_pack("{s:s, s:s, s:b}", "op", "set_disabled", "user", user_id, "disabled",
	                                    disabled));
	if (rc != DEMO_OK)
		o->disabled = was;
	return rc;
}

int demo_model_set_disabled(demo_model *m, const char *user_id, bool disabled)
{
	return DEMO_CHANGE(m, set_disabled(m, user_id, disabled));
}
