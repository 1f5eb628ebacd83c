/*
 * baton-demo: the connector. Every callback turns the in-memory company of model.c into
 * libbaton objects, one page at a time.
 *
 * Page tokens: resource listings use the index of the next object as a decimal string; grant
 * listings use a page bag with one cursor per principal type (users first, then groups), which is
 * how a connector walks two lists behind one token.
 *
 * Threads: every callback that touches the model runs its whole body under the model's lock
 * (DEMO_READING for listings, get, entitlements and grants; DEMO_WRITING for provisioning), as
 * model.h ("Locking") says. Connectors open at the same time (service mode opens one per task)
 * share one model per state file (share_model below). The test hooks' globals are set before
 * the first init (main) and the call counter is atomic; the state path global is set by main
 * and by init's configuration, and read by init only, under shared_mu (callbacks name their
 * model's state_path).
 */
#include "demo.h"
#include "demo_ext.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

/* ------------------------------------------------------------------------------------------ */
/* Test hooks                                                                                  */

static atomic_ulong demo_calls;
static unsigned long demo_kill_after;
static unsigned long demo_fail_after;
static bool demo_count_calls;
static bool demo_trace;
static char *demo_state_file;

static void demo_print_count(void)
{
	fprintf(stderr, "baton-demo: callbacks=%lu\n", demo_callback_count());
}

static int env_count(const char *name, unsigned long *out)
{
	const char *v = getenv(name);
	char *end;

	*out = 0;
	if (v == NULL || *v == '\0')
		return 0;
	*out = strtoul(v, &end, 10);
	if (*end != '\0' || *v == '-') {
		fprintf(stderr, "baton-demo: %s must be a number\n", name);
		return -1;
	}
	return 0;
}

int demo_hooks_setup(void)
{
	const char *count = getenv("BATON_DEMO_COUNT_CALLS");
	const char *trace = getenv("BATON_DEMO_TRACE");

	if (env_count("BATON_DEMO_KILL_AFTER", &demo_kill_after) != 0 ||
	    env_count("BATON_DEMO_FAIL_AFTER", &demo_fail_after) != 0)
		return -1;
	if (count != NULL && strcmp(count, "1") == 0 && !demo_count_calls) {
		demo_count_calls = true;
		atexit(demo_print_count);
	}
	demo_trace = trace != NULL && strcmp(trace, "1") == 0;
	return 0;
}

unsigned long demo_callback_count(void)
{
	return atomic_load(&demo_calls);
}

/*
 * Called first thing by every callback (through ENTER(), with the callback's name). Returns the
 * error the callback must return at the fail point, else 0.
 */
int demo_enter(const char *name)
{
	unsigned long n = atomic_fetch_add(&demo_calls, 1) + 1;

	if (demo_trace)
		fprintf(stderr, "baton-demo: call %lu %s\n", n, name);
	if (demo_kill_after != 0 && n == demo_kill_after) {
		fflush(stderr);
		raise(SIGKILL);
	}
	if (demo_fail_after != 0 && n == demo_fail_after)
		return baton_error_set(BATON_EINTERNAL, "baton-demo: failing call %lu (%s) as "
		                       "BATON_DEMO_FAIL_AFTER asks", n, name);
	return 0;
}

int demo_set_state_path(const char *c1z_path, const char *state_path)
{
	char *p = NULL;

	if (state_path != NULL && *state_path != '\0') {
		p = strdup(state_path);
	} else if (c1z_path != NULL && *c1z_path != '\0') {
		size_t n = strlen(c1z_path);
		p = malloc(n + sizeof(".demo.json"));
		if (p != NULL) {
			memcpy(p, c1z_path, n);
			memcpy(p + n, ".demo.json", sizeof(".demo.json"));
		}
	} else {
		free(demo_state_file);
		demo_state_file = NULL;
		return 0;
	}
	if (p == NULL)
		return -1;
	free(demo_state_file);
	demo_state_file = p;
	return 0;
}

const char *demo_state_path(void)
{
	return demo_state_file;
}

#define ENTER()                                         \
	do {                                            \
		int enter_rc_ = demo_enter(__func__);   \
		if (enter_rc_ != 0)                     \
			return enter_rc_;               \
	} while (0)

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                     */

static demo_model *model_of(baton_ctx *ctx)
{
	return (demo_model *)baton_ctx_userdata(ctx);
}

/* Maps a model result to a baton error (with a message), or 0; `path` is m's state file. */
static int demo_error(const char *path, int rc, const char *what, const char *id)
{
	switch (rc) {
	case DEMO_OK:
	case DEMO_EXISTS:
	case DEMO_ABSENT:
		return 0;
	case DEMO_NOTFOUND:
		return baton_error_set(BATON_ENOTFOUND, "%s: %s not found", what, id ? id : "");
	case DEMO_INVALID:
		return baton_error_set(BATON_EINVALID, "%s: %s is not allowed", what, id ? id : "");
	case DEMO_NOMEM:
		return baton_error_set(BATON_EEXHAUSTED, "%s: out of memory", what);
	default:
		return baton_error_set(BATON_EINTERNAL, "%s: cannot write the state file %s", what, path ? path : "");
	}
}

static const baton_trait trait_user[] = {BATON_TRAIT_USER};
static const baton_trait trait_group[] = {BATON_TRAIT_GROUP};
static const baton_trait trait_role[] = {BATON_TRAIT_ROLE};

static const baton_trait *kind_traits(demo_kind kind, size_t *n)
{
	*n = 1;
	switch (kind) {
	case DEMO_USER:
		return trait_user;
	case DEMO_GROUP:
		return trait_group;
	case DEMO_ROLE:
		return trait_role;
	default:
		*n = 0;
		return NULL;
	}
}

/* The resource type of `kind`: the running callback's, or a new one in ctx. */
static int kind_type(baton_ctx *ctx, demo_kind kind, const baton_resource_type **out)
{
	const baton_resource_type *rt = baton_ctx_resource_type(ctx);
	baton_resource_type *nrt;
	const baton_trait *traits;
	size_t n;
	int rc;

	if (rt != NULL && strcmp(baton_resource_type_id(rt), demo_kind_id(kind)) == 0) {
		*out = rt;
		return 0;
	}
	traits = kind_traits(kind, &n);
	if ((rc = baton_resource_type_new(ctx, demo_kind_name(kind), traits, n, &nrt)) != 0)
		return rc;
	*out = nrt;
	return 0;
}

/* A JSON object text from a jansson object (stolen), in ctx. */
static int json_text(baton_ctx *ctx, json_t *obj, char **out)
{
	char *s = obj ? json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

	json_decref(obj);
	if (s == NULL)
		return baton_error_set(BATON_EEXHAUSTED, "out of memory");
	*out = baton_ctx_strdup(ctx, s);
	free(s);
	return *out ? 0 : BATON_EEXHAUSTED;
}

static int build_user(baton_ctx *ctx, demo_obj *o, const baton_resource_type *rt, baton_resource **out)
{
	const char *alias[1] = {o->email};
	const char *eid[1] = {o->employee_id};
	baton_user_trait *ut;
	baton_resource *r;
	char *profile = NULL;
	int rc;

	if ((rc = baton_user_resource_new(ctx, o->name, rt, o->id, &r)) != 0)
		return rc;
	if ((ut = baton_resource_user_trait(r)) == NULL)
		return baton_error_last()->code;
	if (o->profile_json != NULL)
		profile = baton_ctx_strdup(ctx, o->profile_json);
	else if ((rc = json_text(ctx, json_pack("{s:s, s:s, s:s, s:s}", "department", o->department,
	                                        "title", o->title, "location", o->location,
	                                        "employee_id", o->employee_id), &profile)) != 0)
		return rc;
	if ((rc = baton_user_trait_add_email(ut, o->email, true)) != 0 ||
	    (o->email2 && (rc = baton_user_trait_add_email(ut, o->email2, false)) != 0) ||
	    (rc = baton_user_trait_set_login(ut, o->login, alias, 1)) != 0 ||
	    (rc = baton_user_trait_set_employee_ids(ut, eid, 1)) != 0 ||
	    (rc = baton_user_trait_set_account_type(ut, o->service_account ? BATON_ACCOUNT_TYPE_SERVICE
	                                                                   : BATON_ACCOUNT_TYPE_HUMAN)) != 0 ||
	    (rc = baton_user_trait_set_status(ut, o->disabled ? BATON_STATUS_DISABLED : BATON_STATUS_ENABLED,
	                                      o->disabled ? "suspended by the administrator" : NULL)) != 0 ||
	    (rc = baton_user_trait_set_mfa_enabled(ut, o->mfa)) != 0 ||
	    (rc = baton_user_trait_set_structured_name(ut, o->given_name, o->family_name, NULL, 0, NULL,
	                                               NULL)) != 0 ||
	    (rc = baton_user_trait_set_created_at(ut, (baton_timestamp){o->created_at, 0})) != 0 ||
	    (o->last_login && (rc = baton_user_trait_set_last_login(ut, (baton_timestamp){o->last_login, 0})) != 0) ||
	    (rc = baton_user_trait_set_profile_json(ut, profile)) != 0 ||
	    (rc = baton_resource_set_description(r, o->description)) != 0)
		return rc;
	*out = r;
	return 0;
}

/* Builds the resource of model object `ref`. */
static int build_resource(baton_ctx *ctx, demo_model *m, demo_ref ref, baton_resource **out)
{
	demo_obj *o = demo_model_obj(m, ref);
	const baton_resource_type *rt;
	baton_resource *r = NULL;
	char *link;
	int rc;

	if (o == NULL)
		return baton_error_set(BATON_EINTERNAL, "no such object");
	if ((rc = kind_type(ctx, ref.kind, &rt)) != 0)
		return rc;
	switch (ref.kind) {
	case DEMO_USER:
		return build_user(ctx, o, rt, out);
	case DEMO_GROUP:
		if ((rc = baton_group_resource_new(ctx, o->name, rt, o->id, &r)) != 0)
			return rc;
		rc = baton_group_trait_set_source_type(baton_resource_group_trait(r),
		                                       ref.idx == 0 ? BATON_GROUP_SOURCE_BUILT_IN
		                                                    : BATON_GROUP_SOURCE_NATIVE);
		break;
	case DEMO_ROLE:
		rc = baton_role_resource_new(ctx, o->name, rt, o->id, &r);
		break;
	case DEMO_WORKSPACE:
		if ((rc = baton_resource_new(ctx, o->name, rt, o->id, &r)) != 0)
			return rc;
		/* its projects are listed as children of each workspace */
		rc = baton_annotations_add_child_resource_type(baton_resource_annotations(r),
		                                               demo_kind_id(DEMO_PROJECT));
		link = baton_ctx_sprintf(ctx, "https://demo.example.com/workspaces/%s", o->id);
		if (rc == 0)
			rc = link ? baton_annotations_set_external_link(baton_resource_annotations(r), link)
			          : BATON_EEXHAUSTED;
		break;
	case DEMO_PROJECT: {
		demo_obj *ws = &m->objs[DEMO_WORKSPACE][o->parent];
		baton_resource_id parent = {demo_kind_id(DEMO_WORKSPACE), ws->id};
		char *profile;

		if ((rc = baton_resource_new(ctx, o->name, rt, o->id, &r)) != 0 ||
		    (rc = baton_resource_set_parent(r, &parent)) != 0 ||
		    (rc = json_text(ctx, json_pack("{s:s, s:i}", "workspace", ws->name, "grants",
		                                   (int)o->n_grants), &profile)) != 0)
			return rc;
		rc = baton_resource_set_profile_json(r, profile);
		break;
	}
	default:
		return baton_error_set(BATON_EINTERNAL, "unknown kind");
	}
	if (rc == 0 && o->description && *o->description)
		rc = baton_resource_set_description(r, o->description);
	if (rc == 0)
		*out = r;
	return rc;
}

static int emit_object(baton_ctx *ctx, demo_model *m, demo_ref ref)
{
	baton_resource *r;
	int rc = build_resource(ctx, m, ref, &r);

	return rc != 0 ? rc : baton_ctx_emit_resource(ctx, r);
}

static uint32_t page_size(baton_ctx *ctx, demo_model *m)
{
	uint32_t n = baton_ctx_page_size(ctx);

	return n != 0 && n < m->params.page_size ? n : m->params.page_size;
}

/* Parses a decimal page token ("" is 0). */
static int parse_offset(const char *token, size_t *out)
{
	char *end;
	unsigned long long n;

	*out = 0;
	if (token == NULL || *token == '\0')
		return 0;
	n = strtoull(token, &end, 10);
	if (*end != '\0' || *token < '0' || *token > '9')
		return baton_error_set(BATON_EINVALID, "page token corrupt: \"%s\"", token);
	*out = (size_t)n;
	return 0;
}

static int set_next_offset(baton_ctx *ctx, size_t next)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%zu", next);
	return baton_ctx_set_next_page(ctx, buf);
}

/* The model object behind a resource the SDK hands back (ENOTFOUND when it is gone). */
static int find_obj(demo_model *m, demo_kind kind, const baton_resource_id *id, size_t *idx)
{
	if (id == NULL || strcmp(id->resource_type, demo_kind_id(kind)) != 0 ||
	    demo_model_find(m, kind, id->resource, idx) == NULL)
		return baton_error_set(BATON_ENOTFOUND, "%s %s not found", demo_kind_id(kind),
		                       id ? id->resource : "");
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Listing                                                                                     */

static int list_kind(baton_ctx *ctx, demo_kind kind, const baton_resource_id *parent)
{
	demo_model *m = model_of(ctx);
	size_t i, offset, emitted = 0, parent_idx = 0;
	uint32_t size = page_size(ctx, m);
	int rc;

	if (kind == DEMO_PROJECT) {
		/* projects only exist under their workspace; the top-level listing is empty */
		if (parent == NULL || parent->resource_type == NULL || *parent->resource_type == '\0')
			return 0;
		if (strcmp(parent->resource_type, demo_kind_id(DEMO_WORKSPACE)) != 0 ||
		    demo_model_find(m, DEMO_WORKSPACE, parent->resource, &parent_idx) == NULL)
			return baton_error_set(BATON_ENOTFOUND, "workspace %s not found", parent->resource);
	}
	if ((rc = parse_offset(baton_ctx_page_token(ctx), &offset)) != 0)
		return rc;
	for (i = offset; i < m->n[kind]; i++) {
		demo_obj *o = &m->objs[kind][i];
		if (o->deleted || (kind == DEMO_PROJECT && o->parent != parent_idx))
			continue;
		if (emitted == size)
			return set_next_offset(ctx, i);
		if ((rc = emit_object(ctx, m, (demo_ref){kind, i})) != 0)
			return rc;
		emitted++;
	}
	return 0;
}

static int list_users(baton_ctx *ctx, const baton_resource_id *parent)
{
	ENTER();
	return DEMO_READING(model_of(ctx), list_kind(ctx, DEMO_USER, parent));
}

static int list_groups(baton_ctx *ctx, const baton_resource_id *parent)
{
	ENTER();
	return DEMO_READING(model_of(ctx), list_kind(ctx, DEMO_GROUP, parent));
}

static int list_roles(baton_ctx *ctx, const baton_resource_id *parent)
{
	ENTER();
	return DEMO_READING(model_of(ctx), list_kind(ctx, DEMO_ROLE, parent));
}

static int list_workspaces(baton_ctx *ctx, const baton_resource_id *parent)
{
	ENTER();
	return DEMO_READING(model_of(ctx), list_kind(ctx, DEMO_WORKSPACE, parent));
}

static int list_projects(baton_ctx *ctx, const baton_resource_id *parent)
{
	ENTER();
	return DEMO_READING(model_of(ctx), list_kind(ctx, DEMO_PROJECT, parent));
}

static int get_kind(baton_ctx *ctx, demo_kind kind, const baton_resource_id *id,
                    const baton_resource_id *parent)
{
	demo_model *m = model_of(ctx);
	demo_obj *o;
	size_t idx;

	if (id == NULL || strcmp(id->resource_type, demo_kind_id(kind)) != 0 ||
	    (o = demo_model_find(m, kind, id->resource, &idx)) == NULL)
		return 0; /* emitting nothing: no such resource */
	if (kind == DEMO_PROJECT && parent != NULL && parent->resource != NULL && *parent->resource &&
	    strcmp(parent->resource, m->objs[DEMO_WORKSPACE][o->parent].id) != 0)
		return 0;
	return emit_object(ctx, m, (demo_ref){kind, idx});
}

static int get_user(baton_ctx *ctx, const baton_resource_id *id, const baton_resource_id *parent)
{
	ENTER();
	return DEMO_READING(model_of(ctx), get_kind(ctx, DEMO_USER, id, parent));
}

static int get_group(baton_ctx *ctx, const baton_resource_id *id, const baton_resource_id *parent)
{
	ENTER();
	return DEMO_READING(model_of(ctx), get_kind(ctx, DEMO_GROUP, id, parent));
}

static int get_role(baton_ctx *ctx, const baton_resource_id *id, const baton_resource_id *parent)
{
	ENTER();
	return DEMO_READING(model_of(ctx), get_kind(ctx, DEMO_ROLE, id, parent));
}

static int get_workspace(baton_ctx *ctx, const baton_resource_id *id, const baton_resource_id *parent)
{
	ENTER();
	return DEMO_READING(model_of(ctx), get_kind(ctx, DEMO_WORKSPACE, id, parent));
}

static int get_project(baton_ctx *ctx, const baton_resource_id *id, const baton_resource_id *parent)
{
	ENTER();
	return DEMO_READING(model_of(ctx), get_kind(ctx, DEMO_PROJECT, id, parent));
}

/* ------------------------------------------------------------------------------------------ */
/* Entitlements                                                                                */

/* Builds entitlement `ent` of `kind` on resource r. */
static int build_entitlement(baton_ctx *ctx, const baton_resource *r, demo_kind kind, unsigned int ent,
                             baton_entitlement **out)
{
	const char *name = demo_entitlements(kind)[ent];
	const baton_resource_type *to[2];
	baton_entitlement_purpose purpose = BATON_PURPOSE_ASSIGNMENT;
	baton_entitlement *e;
	const char *what;
	size_t n_to = 0;
	int rc;

	if ((rc = kind_type(ctx, DEMO_USER, &to[n_to])) != 0)
		return rc;
	n_to++;
	if (demo_entitlement_grantable(kind, ent, DEMO_GROUP)) {
		if ((rc = kind_type(ctx, DEMO_GROUP, &to[n_to])) != 0)
			return rc;
		n_to++;
	}
	if (strcmp(name, "admin") == 0 || strcmp(name, "viewer") == 0) {
		purpose = BATON_PURPOSE_PERMISSION;
		what = strcmp(name, "admin") == 0 ? "Can manage the members of" : "Can see";
	} else if (strcmp(name, "owner") == 0) {
		purpose = BATON_PURPOSE_OWNERSHIP;
		what = "Owns";
	} else {
		what = kind == DEMO_GROUP ? "Is a member of" : kind == DEMO_ROLE ? "Has the role" : "Can work on";
	}
	if ((rc = baton_entitlement_new(ctx, r, name, purpose, &e)) != 0 ||
	    (rc = baton_entitlement_set_display_name(
	         e, baton_ctx_sprintf(ctx, "%s %s", baton_resource_display_name(r), name))) != 0 ||
	    (rc = baton_entitlement_set_description(
	         e, baton_ctx_sprintf(ctx, "%s %s", what, baton_resource_display_name(r)))) != 0 ||
	    (rc = baton_entitlement_set_grantable_to(e, to, n_to)) != 0)
		return rc;
	*out = e;
	return 0;
}

/* Emits the entitlements of `kind` on r, except the static one of projects (viewer). */
static int entitlements_kind(baton_ctx *ctx, demo_kind kind, const baton_resource *r)
{
	const char *const *names = demo_entitlements(kind);
	baton_resource_id id = baton_resource_get_id(r);
	baton_entitlement *e;
	unsigned int i;
	int rc;

	if ((rc = find_obj(model_of(ctx), kind, &id, NULL)) != 0)
		return rc;
	for (i = 0; names[i] != NULL; i++) {
		if (kind == DEMO_PROJECT && strcmp(names[i], "viewer") == 0)
			continue;
		if ((rc = build_entitlement(ctx, r, kind, i, &e)) != 0 ||
		    (rc = baton_ctx_emit_entitlement(ctx, e)) != 0)
			return rc;
	}
	return 0;
}

static int entitlements_group(baton_ctx *ctx, const baton_resource *r)
{
	ENTER();
	return DEMO_READING(model_of(ctx), entitlements_kind(ctx, DEMO_GROUP, r));
}

static int entitlements_role(baton_ctx *ctx, const baton_resource *r)
{
	ENTER();
	return DEMO_READING(model_of(ctx), entitlements_kind(ctx, DEMO_ROLE, r));
}

static int entitlements_project(baton_ctx *ctx, const baton_resource *r)
{
	ENTER();
	return DEMO_READING(model_of(ctx), entitlements_kind(ctx, DEMO_PROJECT, r));
}

/*
 * Workspaces are annotated SkipEntitlementsAndGrants, so the SDK never calls these; if it did,
 * the entitlement and grant below would show up in the c1z (the tests check they do not).
 */
static int entitlements_workspace(baton_ctx *ctx, const baton_resource *r)
{
	baton_entitlement *e;
	int rc;

	ENTER();
	if ((rc = baton_permission_entitlement_new(ctx, r, "admin", &e)) != 0)
		return rc;
	return baton_ctx_emit_entitlement(ctx, e);
}

static int grants_workspace(baton_ctx *ctx, const baton_resource *r)
{
	baton_grant *g;
	int rc;

	ENTER();
	if ((rc = baton_grant_new(ctx, r, "admin", &(baton_resource_id){"user", "u0000"}, &g)) != 0)
		return rc;
	return baton_ctx_emit_grant(ctx, g);
}

static int describe_workspace(baton_ctx *ctx, baton_resource_type *rt)
{
	ENTER();
	return baton_annotations_set_skip_entitlements_and_grants(baton_resource_type_annotations(rt));
}

/* The project type's static entitlement: every project has a `viewer` permission. */
static int static_entitlements_project(baton_ctx *ctx)
{
	const baton_resource_type *rt, *user_t;
	baton_resource *stub;
	baton_entitlement *e;
	int rc;

	ENTER();
	if ((rc = kind_type(ctx, DEMO_PROJECT, &rt)) != 0 || (rc = kind_type(ctx, DEMO_USER, &user_t)) != 0 ||
	    (rc = baton_resource_new(ctx, "Project", rt, demo_kind_id(DEMO_PROJECT), &stub)) != 0 ||
	    (rc = baton_permission_entitlement_new(ctx, stub, "viewer", &e)) != 0 ||
	    (rc = baton_entitlement_set_description(e, "Can see the project")) != 0 ||
	    (rc = baton_entitlement_set_grantable_to(e, &user_t, 1)) != 0)
		return rc;
	return baton_ctx_emit_entitlement(ctx, e);
}

/* ------------------------------------------------------------------------------------------ */
/* Grants                                                                                      */

/* A grant of entitlement `ent` of `kind` on r to a model principal; expandable for groups. */
static int build_grant(baton_ctx *ctx, demo_model *m, const baton_resource *r, demo_kind kind,
                       unsigned int ent, demo_ref principal, baton_grant **out)
{
	demo_obj *p = demo_model_obj(m, principal);
	baton_resource_id pid = {demo_kind_id(principal.kind), p->id};
	baton_grant *g;
	int rc;

	if ((rc = baton_grant_new(ctx, r, demo_entitlements(kind)[ent], &pid, &g)) != 0)
		return rc;
	if (principal.kind == DEMO_GROUP) {
		/* the group's members hold what the group holds */
		const char *src[1];
		src[0] = baton_entitlement_id_format(ctx, &pid, "member");
		if (src[0] == NULL)
			return BATON_EEXHAUSTED;
		if ((rc = baton_grant_set_expandable(g, src, 1, false, NULL, 0)) != 0)
			return rc;
	}
	*out = g;
	return 0;
}

/*
 * One page of the grants on r. The page bag holds one cursor per principal type: users first,
 * then groups; each cursor's token is the number of grants of that principal type already sent.
 */
static int grants_kind(baton_ctx *ctx, demo_kind kind, const baton_resource *r)
{
	demo_model *m = model_of(ctx);
	baton_resource_id id = baton_resource_get_id(r);
	uint32_t size = page_size(ctx, m);
	baton_page_bag *bag;
	baton_page_state st;
	demo_kind pkind;
	demo_obj *o;
	size_t idx, i, skip, seen = 0, emitted = 0;
	const char *next = "";
	char buf[32];
	char *token;
	int rc;

	if ((rc = find_obj(m, kind, &id, &idx)) != 0)
		return rc;
	o = &m->objs[kind][idx];
	if ((rc = baton_page_bag_new(ctx, baton_ctx_page_token(ctx), &bag)) != 0)
		return rc;
	if (!baton_page_bag_current(bag, &st)) {
		if ((rc = baton_page_bag_push(bag, "", demo_kind_id(DEMO_GROUP), o->id)) != 0 ||
		    (rc = baton_page_bag_push(bag, "", demo_kind_id(DEMO_USER), o->id)) != 0)
			return rc;
		baton_page_bag_current(bag, &st);
	}
	if (!demo_kind_parse(st.resource_type_id, &pkind) || (pkind != DEMO_USER && pkind != DEMO_GROUP))
		return baton_error_set(BATON_EINVALID, "page token corrupt: unknown principal type \"%s\"",
		                       st.resource_type_id);
	if ((rc = parse_offset(st.token, &skip)) != 0)
		return rc;
	for (i = 0; i < o->n_grants; i++) {
		baton_grant *g;
		if (o->grants[i].principal.kind != pkind || seen++ < skip)
			continue;
		if (emitted == size) {
			snprintf(buf, sizeof(buf), "%zu", skip + emitted);
			next = buf;
			break;
		}
		if ((rc = build_grant(ctx, m, r, kind, o->grants[i].ent, o->grants[i].principal, &g)) != 0 ||
		    (rc = baton_ctx_emit_grant(ctx, g)) != 0)
			return rc;
		emitted++;
	}
	if ((rc = baton_page_bag_next_token(bag, next, &token)) != 0)
		return rc;
	return baton_ctx_set_next_page(ctx, token);
}

static int grants_group(baton_ctx *ctx, const baton_resource *r)
{
	ENTER();
	return DEMO_READING(model_of(ctx), grants_kind(ctx, DEMO_GROUP, r));
}

static int grants_role(baton_ctx *ctx, const baton_resource *r)
{
	ENTER();
	return DEMO_READING(model_of(ctx), grants_kind(ctx, DEMO_ROLE, r));
}

static int grants_project(baton_ctx *ctx, const baton_resource *r)
{
	ENTER();
	return DEMO_READING(model_of(ctx), grants_kind(ctx, DEMO_PROJECT, r));
}

/* ------------------------------------------------------------------------------------------ */
/* Provisioning                                                                                */

/* Splits an entitlement id "<type>:<resource>:<name>" (ids of this connector hold no ':'). */
static int split_entitlement_id(baton_ctx *ctx, const char *id, demo_kind *kind, const char **rid,
                                const char **name)
{
	const char *a = id ? strchr(id, ':') : NULL;
	const char *b = id ? strrchr(id, ':') : NULL;
	char *type;

	if (a == NULL || a == b)
		return baton_error_set(BATON_EINVALID, "malformed entitlement id \"%s\"", id ? id : "");
	type = baton_ctx_strndup(ctx, id, (size_t)(a - id));
	*rid = baton_ctx_strndup(ctx, a + 1, (size_t)(b - a - 1));
	*name = b + 1;
	if (type == NULL || *rid == NULL)
		return BATON_EEXHAUSTED;
	if (!demo_kind_parse(type, kind))
		return baton_error_set(BATON_ENOTFOUND, "entitlement %s: unknown resource type", id);
	return 0;
}

static int grant_kind(baton_ctx *ctx, demo_kind expected, const baton_resource *principal,
                      const baton_entitlement *entitlement)
{
	demo_model *m = model_of(ctx);
	const char *eid = baton_entitlement_id(entitlement);
	baton_resource_id pid = baton_resource_get_id(principal);
	const baton_resource *er = baton_entitlement_resource(entitlement);
	const char *rid, *name;
	demo_kind kind, pkind;
	baton_grant *g;
	size_t pidx;
	int rc;

	if ((rc = split_entitlement_id(ctx, eid, &kind, &rid, &name)) != 0)
		return rc;
	if (er != NULL && *baton_resource_get_id(er).resource != '\0')
		rid = baton_resource_get_id(er).resource;
	if (kind != expected)
		return baton_error_set(BATON_EINVALID, "entitlement %s is not on a %s", eid, demo_kind_id(expected));
	if (!demo_kind_parse(pid.resource_type, &pkind))
		return baton_error_set(BATON_EINVALID, "principal type %s cannot hold %s", pid.resource_type, eid);
	rc = demo_model_grant(m, kind, rid, name, pkind, pid.resource);
	if (rc == DEMO_EXISTS)
		return baton_ctx_annotate_already_granted(ctx);
	if (rc != DEMO_OK)
		return demo_error(model_of(ctx)->state_path, rc, "grant", eid);
	/* report the grant that now exists */
	if (demo_model_find(m, pkind, pid.resource, &pidx) == NULL)
		return 0;
	{
		baton_resource *target;
		size_t tidx;
		if (demo_model_find(m, kind, rid, &tidx) == NULL ||
		    (rc = build_resource(ctx, m, (demo_ref){kind, tidx}, &target)) != 0 ||
		    (rc = build_grant(ctx, m, target, kind, (unsigned int)demo_entitlement_index(kind, name),
		                      (demo_ref){pkind, pidx}, &g)) != 0)
			return rc;
	}
	return baton_ctx_emit_grant(ctx, g);
}

static int revoke_kind(baton_ctx *ctx, demo_kind expected, const baton_grant *grant)
{
	const char *eid = baton_grant_entitlement_id(grant);
	baton_resource_id pid = baton_grant_principal_id(grant);
	const char *rid, *name;
	demo_kind kind, pkind;
	int rc;

	if ((rc = split_entitlement_id(ctx, eid, &kind, &rid, &name)) != 0)
		return rc;
	if (kind != expected)
		return baton_error_set(BATON_EINVALID, "entitlement %s is not on a %s", eid, demo_kind_id(expected));
	if (!demo_kind_parse(pid.resource_type, &pkind))
		return baton_error_set(BATON_EINVALID, "principal type %s cannot hold %s", pid.resource_type, eid);
	/* Held only through a group (an expanded grant): removing nothing and answering "already
	 * revoked" would be a lie, the next sync shows it again (docs/callbacks/revoke.md). */
	if (!baton_grant_is_direct(grant))
		return baton_error_set(BATON_EPRECONDITION, "%s holds %s through %s, not directly: revoke that instead",
		                       pid.resource, eid, baton_grant_inherited_from(grant));
	rc = demo_model_revoke(model_of(ctx), kind, rid, name, pkind, pid.resource);
	if (rc == DEMO_ABSENT)
		return baton_ctx_annotate_already_revoked(ctx);
	return demo_error(model_of(ctx)->state_path, rc, "revoke", baton_grant_id(grant));
}

static int grant_group(baton_ctx *ctx, const baton_resource *principal, const baton_entitlement *e)
{
	ENTER();
	return DEMO_WRITING(model_of(ctx), grant_kind(ctx, DEMO_GROUP, principal, e));
}

static int grant_role(baton_ctx *ctx, const baton_resource *principal, const baton_entitlement *e)
{
	ENTER();
	return DEMO_WRITING(model_of(ctx), grant_kind(ctx, DEMO_ROLE, principal, e));
}

static int grant_project(baton_ctx *ctx, const baton_resource *principal, const baton_entitlement *e)
{
	ENTER();
	return DEMO_WRITING(model_of(ctx), grant_kind(ctx, DEMO_PROJECT, principal, e));
}

static int revoke_group(baton_ctx *ctx, const baton_grant *g)
{
	ENTER();
	return DEMO_WRITING(model_of(ctx), revoke_kind(ctx, DEMO_GROUP, g));
}

static int revoke_role(baton_ctx *ctx, const baton_grant *g)
{
	ENTER();
	return DEMO_WRITING(model_of(ctx), revoke_kind(ctx, DEMO_ROLE, g));
}

static int revoke_project(baton_ctx *ctx, const baton_grant *g)
{
	ENTER();
	return DEMO_WRITING(model_of(ctx), revoke_kind(ctx, DEMO_PROJECT, g));
}

static int create_kind(baton_ctx *ctx, demo_kind kind, const baton_resource *resource)
{
	demo_model *m = model_of(ctx);
	baton_resource_id parent = {NULL, NULL};
	size_t idx;
	int rc;

	if (kind == DEMO_PROJECT && (!baton_resource_get_parent(resource, &parent) ||
	                             strcmp(parent.resource_type, demo_kind_id(DEMO_WORKSPACE)) != 0))
		return baton_error_set(BATON_EINVALID, "a project needs a workspace as its parent");
	rc = demo_model_create(m, kind, baton_resource_display_name(resource),
	                       baton_resource_description(resource), parent.resource, &idx);
	if (rc != DEMO_OK)
		return demo_error(model_of(ctx)->state_path, rc, "create resource", baton_resource_display_name(resource));
	return emit_object(ctx, m, (demo_ref){kind, idx});
}

static int create_group(baton_ctx *ctx, const baton_resource *resource)
{
	ENTER();
	return DEMO_WRITING(model_of(ctx), create_kind(ctx, DEMO_GROUP, resource));
}

static int create_project(baton_ctx *ctx, const baton_resource *resource)
{
	ENTER();
	return DEMO_WRITING(model_of(ctx), create_kind(ctx, DEMO_PROJECT, resource));
}

static int delete_kind(baton_ctx *ctx, demo_kind kind, const baton_resource_id *id,
                       const baton_resource_id *parent)
{
	int rc;

	if (id == NULL || strcmp(id->resource_type, demo_kind_id(kind)) != 0)
		return baton_error_set(BATON_EINVALID, "not a %s", demo_kind_id(kind));
	rc = demo_model_delete(model_of(ctx), kind, id->resource, parent ? parent->resource : NULL);
	return demo_error(model_of(ctx)->state_path, rc, "delete resource", id->resource);
}

static int delete_user(baton_ctx *ctx, const baton_resource_id *id, const baton_resource_id *parent)
{
	ENTER();
	return DEMO_WRITING(model_of(ctx), delete_kind(ctx, DEMO_USER, id, parent));
}

static int delete_group(baton_ctx *ctx, const baton_resource_id *id, const baton_resource_id *parent)
{
	ENTER();
	return DEMO_WRITING(model_of(ctx), delete_kind(ctx, DEMO_GROUP, id, parent));
}

static int delete_project(baton_ctx *ctx, const baton_resource_id *id, const baton_resource_id *parent)
{
	ENTER();
	return DEMO_WRITING(model_of(ctx), delete_kind(ctx, DEMO_PROJECT, id, parent));
}

static const baton_credential_option password_options[] = {
	BATON_CREDENTIAL_OPTION_NO_PASSWORD, BATON_CREDENTIAL_OPTION_RANDOM_PASSWORD};
static const baton_credential_details password_details = {
	password_options, 2, BATON_CREDENTIAL_OPTION_RANDOM_PASSWORD};

/* A new password for opts (RANDOM_PASSWORD), or NULL when none is asked for. */
static int make_password(baton_ctx *ctx, const baton_credential_options *opts, bool required, char **pw)
{
	baton_credential_option kind = opts ? opts->kind : BATON_CREDENTIAL_OPTION_NO_PASSWORD;

	*pw = NULL;
	if (kind == BATON_CREDENTIAL_OPTION_RANDOM_PASSWORD)
		return baton_ctx_generate_password(ctx, opts, pw);
	if (kind == BATON_CREDENTIAL_OPTION_NO_PASSWORD && !required)
		return 0;
	return baton_error_set(BATON_EINVALID, "credential option %d is not supported", (int)kind);
}

/* create_account's body (the model's write lock held). */
static int make_account(baton_ctx *ctx, const baton_account_info *info, const baton_credential_options *opts)
{
	demo_model *m = model_of(ctx);
	baton_resource *r;
	char *pw;
	size_t idx;
	int rc;

	if ((rc = make_password(ctx, opts, false, &pw)) != 0)
		return rc;
	rc = demo_model_create_user(m, info->login, (const char *const *)info->emails, info->n_emails,
	                            info->profile_json, &idx);
	if (rc == DEMO_EXISTS) {
		if ((rc = build_resource(ctx, m, (demo_ref){DEMO_USER, idx}, &r)) != 0)
			return rc;
		return baton_ctx_account_result(ctx, BATON_ACCOUNT_ALREADY_EXISTS, r, NULL);
	}
	if (rc != DEMO_OK)
		return demo_error(model_of(ctx)->state_path, rc, "create account", info->login);
	if ((rc = build_resource(ctx, m, (demo_ref){DEMO_USER, idx}, &r)) != 0)
		return rc;
	if (pw != NULL && (rc = baton_ctx_emit_secret(ctx, "password", "The new account's password",
	                                              (const uint8_t *)pw, strlen(pw))) != 0)
		return rc;
	return baton_ctx_account_result(ctx, BATON_ACCOUNT_CREATED, r, NULL);
}

static int create_account(baton_ctx *ctx, const baton_account_info *info,
                          const baton_credential_options *opts)
{
	ENTER();
	return DEMO_WRITING(model_of(ctx), make_account(ctx, info, opts));
}

/* rotate_credentials' body (the model's write lock held). */
static int rotate_user(baton_ctx *ctx, const baton_resource_id *id, const baton_credential_options *opts)
{
	demo_model *m = model_of(ctx);
	char *pw;
	int rc;

	if (id == NULL || strcmp(id->resource_type, demo_kind_id(DEMO_USER)) != 0)
		return baton_error_set(BATON_EINVALID, "only users have credentials");
	if (demo_model_find(m, DEMO_USER, id->resource, NULL) == NULL)
		return baton_error_set(BATON_ENOTFOUND, "user %s not found", id->resource);
	if ((rc = make_password(ctx, opts, true, &pw)) != 0)
		return rc;
	if ((rc = demo_model_rotate(m, id->resource)) != DEMO_OK)
		return demo_error(model_of(ctx)->state_path, rc, "rotate credentials", id->resource);
	return baton_ctx_emit_secret(ctx, "password", "The new password", (const uint8_t *)pw, strlen(pw));
}

static int rotate_credentials(baton_ctx *ctx, const baton_resource_id *id,
                              const baton_credential_options *opts)
{
	ENTER();
	return DEMO_WRITING(model_of(ctx), rotate_user(ctx, id, opts));
}

/* ------------------------------------------------------------------------------------------ */
/* The connector                                                                               */

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

static const baton_config_schema demo_config = {
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
	demo_model *m;
	size_t i;
	int rc;

	for (i = 0; demo_state_file != NULL && i < n_shared; i++) {
		shared_model *s = &shared_models[i];
		if (strcmp(s->m->state_path, demo_state_file) == 0 && same_params(&s->params, p)) {
			s->refs++;
			*out = s->m;
			return 0;
		}
	}
	rc = demo_model_new(p, demo_state_file, &m);
	if (rc != DEMO_OK)
		return demo_error(demo_state_file, rc, "loading the demo company", demo_state_file);
	if (demo_state_file != NULL) {
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

static int demo_init(baton_ctx *ctx, void **userdata)
{
	demo_params p;
	demo_model *m = NULL;
	const char *bad = NULL;
	int rc;

	ENTER();
	demo_params_default(&p);
	if (demo_params_from_env(&p, &bad) != 0)
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

static void demo_close(void *userdata)
{
	(void)demo_enter(__func__); /* nothing to fail: close cannot report errors */
	unshare_model((demo_model *)userdata);
}

static int demo_validate(baton_ctx *ctx)
{
	ENTER();
	if (model_of(ctx) == NULL)
		return baton_error_set(BATON_EPRECONDITION, "the demo company was not loaded");
	return 0;
}

static const baton_resource_syncer user_syncer = {
	.version = BATON_RESOURCE_SYNCER_VERSION,
	.name = "User",
	.id = "user",
	.traits = trait_user,
	.n_traits = 1,
	.description = "People and service accounts of the demo company",
	.list = list_users,
	.get = get_user,
	.delete_resource = delete_user,
	.create_account = create_account,
	.create_account_details = &password_details,
	.rotate_credentials = rotate_credentials,
	.rotate_details = &password_details,
	/* API tokens (demo_tokens.c) */
	.issue_credential = demo_issue_token,
	.issue_details = &demo_token_details,
};

static const baton_resource_syncer group_syncer = {
	.version = BATON_RESOURCE_SYNCER_VERSION,
	.name = "Group",
	.id = "group",
	.traits = trait_group,
	.n_traits = 1,
	.description = "Teams; groups can be members of other groups",
	.list = list_groups,
	.entitlements = entitlements_group,
	.grants = grants_group,
	.get = get_group,
	.grant = grant_group,
	.revoke = revoke_group,
	.create_resource = create_group,
	.delete_resource = delete_group,
};

static const baton_resource_syncer role_syncer = {
	.version = BATON_RESOURCE_SYNCER_VERSION,
	.name = "Role",
	.id = "role",
	.traits = trait_role,
	.n_traits = 1,
	.description = "Roles assigned to users and to groups",
	.list = list_roles,
	.entitlements = entitlements_role,
	.grants = grants_role,
	.get = get_role,
	.grant = grant_role,
	.revoke = revoke_role,
};

static const baton_resource_syncer workspace_syncer = {
	.version = BATON_RESOURCE_SYNCER_VERSION,
	.name = "Workspace",
	.id = "workspace",
	.description = "Divisions of the company; each holds projects",
	.describe = describe_workspace,
	.list = list_workspaces,
	.entitlements = entitlements_workspace,
	.grants = grants_workspace,
	.get = get_workspace,
};

static const baton_resource_syncer project_syncer = {
	.version = BATON_RESOURCE_SYNCER_VERSION,
	.name = "Project",
	.id = "project",
	.description = "Projects, children of a workspace",
	.list = list_projects,
	.entitlements = entitlements_project,
	.grants = grants_project,
	.get = get_project,
	.static_entitlements = static_entitlements_project,
	.grant = grant_project,
	.revoke = revoke_project,
	.create_resource = create_project,
	.delete_resource = delete_project,
};

static const baton_resource_syncer *const demo_types[] = {
	&user_syncer, &group_syncer, &role_syncer, &workspace_syncer, &project_syncer, &demo_token_syncer};

const baton_connector demo_connector = {
	.version = BATON_CONNECTOR_VERSION,
	.display_name = "Baton Demo",
	.description = "A generated company: users, nested groups, roles, and projects in workspaces",
	.help_url = "https://github.com/ConductorOne/baton-demo",
	.init = demo_init,
	.close = demo_close,
	.validate = demo_validate,
	.resource_types = demo_types,
	.n_resource_types = sizeof(demo_types) / sizeof(demo_types[0]),
	.config = &demo_config,
	/* Event feeds, actions and ticketing: demo_ext.h. */
	.event_feeds = demo_event_feeds,
	.n_event_feeds = DEMO_N_EVENT_FEEDS,
	.actions = demo_actions,
	.n_actions = DEMO_N_ACTIONS,
	.tickets = &demo_tickets,
	.version_string = "v0.3.0",
};
