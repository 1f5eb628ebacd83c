/*
 * baton-demo: opening and closing the connector. The configuration (its fields and how they
 * override the defaults), init (the model of the configured company and state file, shared by
 * connectors open at the same time), close (the last one frees the model) and validate.
 */
#include "demo_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The configuration (flags --users ..., variables BATON_USERS ..., .baton.yaml): every field given
 * wins over the defaults and the legacy BATON_DEMO_* variables; the SDK has checked the bounds.
 */
static const baton_field demo_fields[] = {
	{.name = "users", .kind = BATON_FIELD_INT, .display_name = "Users", .default_value = "50", .min = 0, .max = 1000000,
	 .description = "How many users the generated company has"},
	{.name = "groups", .kind = BATON_FIELD_INT, .display_name = "Groups", .default_value = "8", .min = 0, .max = 100000,
	 .description = "How many groups the generated company has"},
	{.name = "roles", .kind = BATON_FIELD_INT, .display_name = "Roles", .default_value = "5", .min = 0, .max = 100000,
	 .description = "How many roles the generated company has"},
	{.name = "workspaces", .kind = BATON_FIELD_INT, .display_name = "Workspaces", .default_value = "4", .min = 0,
	 .max = 100000, .description = "How many workspaces the generated company has (at least 1 when there are projects)"},
	{.name = "projects", .kind = BATON_FIELD_INT, .display_name = "Projects", .default_value = "10", .min = 0,
	 .max = 1000000, .description = "How many projects the generated company has"},
	{.name = "seed", .kind = BATON_FIELD_INT, .display_name = "Seed", .default_value = "1",
	 .description = "The seed of the generator: the same seed and sizes give the same company"},
	{.name = "page-size", .kind = BATON_FIELD_INT, .display_name = "Page size", .default_value = "3", .min = 1,
	 .max = 10000, .description = "Items per page (a smaller page size asked by the SDK wins)"},
	{.name = "state-file", .kind = BATON_FIELD_STRING, .display_name = "State file",
	 .placeholder = "sync.c1z.demo.json",
	 .description = "Where provisioning changes are kept between runs (default: the c1z path + .demo.json)"},
};

const baton_config_schema demo_config = {
	.version = BATON_CONFIG_SCHEMA_VERSION,
	.fields = demo_fields,
	.n_fields = sizeof(demo_fields) / sizeof(demo_fields[0]),
	.help_url = "https://github.com/ConductorOne/baton-demo",
};

static int apply_config(baton_ctx *ctx, demo_params *p)
{
	static const char *const sizes[] = {"users", "groups", "roles", "workspaces", "projects"};
	size_t *dst[] = {&p->users, &p->groups, &p->roles, &p->workspaces, &p->projects};
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		if (baton_ctx_config_is_set(ctx, sizes[i]))
			*dst[i] = (size_t)baton_ctx_config_int(ctx, sizes[i]);
	}
	if (baton_ctx_config_is_set(ctx, "seed"))
		p->seed = (uint64_t)baton_ctx_config_int(ctx, "seed");
	if (baton_ctx_config_is_set(ctx, "page-size"))
		p->page_size = (uint32_t)baton_ctx_config_int(ctx, "page-size");
	if (p->page_size == 0)
		return baton_error_set(BATON_EINVALID, "the page size must be at least 1");
	if (p->projects > 0 && p->workspaces == 0)
		return baton_error_set(BATON_EINVALID, "projects need at least one workspace");
	if (baton_ctx_config_is_set(ctx, "state-file")) {
		if (demo_set_state_path(NULL, baton_ctx_config_string(ctx, "state-file")) != 0)
			return baton_error_set(BATON_EEXHAUSTED, "out of memory");
	} else if (baton_ctx_config_is_set(ctx, "file") && getenv("BATON_DEMO_STATE") == NULL) {
		/* the c1z named in the config file (main() saw only argv and $BATON_FILE) */
		if (demo_set_state_path(baton_ctx_config_string(ctx, "file"), NULL) != 0)
			return baton_error_set(BATON_EEXHAUSTED, "out of memory");
	}
	return 0;
}

/*
 * One model per state file (and parameters) in the process. The SDK opens the connector (init)
 * for every service-mode task and runs up to --task-concurrency tasks at once, a sync among them:
 * separate models of one state file would each read the file again before every change (model.h,
 * "Other processes"), and only the one that issued a token could answer its request id again.
 * Connectors open at the same time share one model and its lock (model.h, "Locking"); the last close
 * frees it, and the next init reads the state file again. Without a state file nothing outlives
 * a connector, and nothing is shared. shared_mu guards the list and the state path global (init
 * sets it from the configuration).
 */
typedef struct shared_model {
	demo_params params;     /* as init asked for them */
	demo_model *m;
	unsigned refs;
} shared_model;

static pthread_mutex_t shared_mu = PTHREAD_MUTEX_INITIALIZER;
static shared_model *shared_models;
static size_t n_shared, cap_shared;

static bool same_params(const demo_params *a, const demo_params *b)
{
	return a->seed == b->seed && a->users == b->users && a->groups == b->groups && a->roles == b->roles &&
	       a->workspaces == b->workspaces && a->projects == b->projects && a->page_size == b->page_size;
}

/* The model for params p and the current state file: a shared one, or a new one (shared_mu held). */
static int share_model(const demo_params *p, demo_model **out)
{
	const char *state = demo_state_path();
	demo_model *m;
	size_t i;
	int rc;

	for (i = 0; state != NULL && i < n_shared; i++) {
		shared_model *s = &shared_models[i];
		if (strcmp(s->m->state_path, state) == 0 && same_params(&s->params, p)) {
			s->refs++;
			*out = s->m;
			return 0;
		}
	}
	rc = demo_model_new(p, state, &m);
	if (rc != DEMO_OK)
		return demo_error(state, rc, "loading the demo company", state);
	if (state != NULL) {
		if (n_shared == cap_shared) {
			size_t cap = cap_shared ? cap_shared * 2 : 4;
			shared_model *n = realloc(shared_models, cap * sizeof(*n));
			if (n == NULL) {
				demo_model_free(m);
				return baton_error_set(BATON_EEXHAUSTED, "loading the demo company: out of memory");
			}
			shared_models = n;
			cap_shared = cap;
		}
		shared_models[n_shared++] = (shared_model){*p, m, 1};
	}
	*out = m;
	return 0;
}

/* Drops a connector's hold on its model, freeing it with the last one. */
static void unshare_model(demo_model *m)
{
	size_t i;

	pthread_mutex_lock(&shared_mu);
	for (i = 0; i < n_shared && shared_models[i].m != m; i++)
		;
	if (i < n_shared && --shared_models[i].refs > 0) {
		m = NULL;
	} else if (i < n_shared) {
		shared_models[i] = shared_models[--n_shared];
		if (n_shared == 0) {
			free(shared_models);
			shared_models = NULL;
			cap_shared = 0;
		}
	}
	pthread_mutex_unlock(&shared_mu);
	demo_model_free(m);
}

int demo_init(baton_ctx *ctx, void **userdata)
{
	demo_params p;
	demo_model *m = NULL;
	const char *bad = NULL;
	int rc;

	ENTER();
	demo_params_default(&p);
	if ((rc = demo_params_from_env(&p, &bad)) == -2)
		return baton_error_set(BATON_EINVALID, "%s: projects need at least one workspace", bad);
	if (rc != 0)
		return baton_error_set(BATON_EINVALID, "%s: not a valid number", bad);
	pthread_mutex_lock(&shared_mu);
	if ((rc = apply_config(ctx, &p)) == 0)
		rc = share_model(&p, &m);
	pthread_mutex_unlock(&shared_mu);
	if (rc != 0)
		return rc;
	demo_model_read_lock(m);
	baton_ctx_log(ctx, BATON_LOG_DEBUG,
	              "demo company: seed %llu, %zu users, %zu groups, %zu roles, %zu workspaces, %zu projects",
	              (unsigned long long)p.seed, demo_model_count(m, DEMO_USER),
	              demo_model_count(m, DEMO_GROUP), demo_model_count(m, DEMO_ROLE),
	              demo_model_count(m, DEMO_WORKSPACE), demo_model_count(m, DEMO_PROJECT));
	demo_model_unlock(m);
	*userdata = m;
	return 0;
}

void demo_close(void *userdata)
{
	(void)demo_enter(__func__); /* nothing to fail: close cannot report errors */
	unshare_model((demo_model *)userdata);
}

int demo_validate(baton_ctx *ctx)
{
	ENTER();
	if (model_of(ctx) == NULL)
		return baton_error_set(BATON_EPRECONDITION, "the demo company was not loaded");
	return 0;
}
