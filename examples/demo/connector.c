/*
 * baton-demo: the connector's resource types and their callbacks. Listing, get, entitlements and
 * grants turn the in-memory company of model.c into libbaton objects, one page at a time; the
 * provisioning callbacks are entry points here (count the call, take the model's write lock) and
 * do their work in demo_provision.c. The configuration, init, close and validate are
 * demo_open.c's; the test hooks and the state path demo_hooks.c's (demo_int.h lists the files).
 *
 * Page tokens: resource listings use the index of the next object as a decimal string; grant
 * listings use a page bag with one cursor per principal type (users first, then groups), which is
 * how a connector walks two lists behind one token.
 *
 * Threads: every callback that touches the model runs its whole body under the model's lock
 * (DEMO_READING for listings, get, entitlements and grants; DEMO_WRITING for provisioning), as
 * model.h ("Locking") says. Connectors open at the same time (service mode opens one per task)
 * share one model per state file (demo_open.c); callbacks name their model's state_path.
 */
#include "demo_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                     */

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
int demo_build_resource(baton_ctx *ctx, demo_model *m, demo_ref ref, baton_resource **out)
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

int demo_emit_object(baton_ctx *ctx, demo_model *m, demo_ref ref)
{
	baton_resource *r;
	int rc = demo_build_resource(ctx, m, ref, &r);

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
		if ((rc = demo_emit_object(ctx, m, (demo_ref){kind, i})) != 0)
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
	return demo_emit_object(ctx, m, (demo_ref){kind, idx});
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
int demo_build_grant(baton_ctx *ctx, demo_model *m, const baton_resource *r, demo_kind kind,
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
		if ((rc = demo_build_grant(ctx, m, r, kind, o->grants[i].ent, o->grants[i].principal, &g)) != 0 ||
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
/* Provisioning: the callbacks; what they do is demo_provision.c's                             */

static int grant_group(baton_ctx *ctx, const baton_resource *principal, const baton_entitlement *e)
{
	ENTER();
	return DEMO_WRITING(model_of(ctx), demo_provision_grant(ctx, DEMO_GROUP, principal, e));
}

static int grant_role(baton_ctx *ctx, const baton_resource *principal, const baton_entitlement *e)
{
	ENTER();
	return DEMO_WRITING(model_of(ctx), demo_provision_grant(ctx, DEMO_ROLE, principal, e));
}

static int grant_project(baton_ctx *ctx, const baton_resource *principal, const baton_entitlement *e)
{
	ENTER();
	return DEMO_WRITING(model_of(ctx), demo_provision_grant(ctx, DEMO_PROJECT, principal, e));
}

static int revoke_group(baton_ctx *ctx, const baton_grant *g)
{
	ENTER();
	return DEMO_WRITING(model_of(ctx), demo_provision_revoke(ctx, DEMO_GROUP, g));
}

static int revoke_role(baton_ctx *ctx, const baton_grant *g)
{
	ENTER();
	return DEMO_WRITING(model_of(ctx), demo_provision_revoke(ctx, DEMO_ROLE, g));
}

static int revoke_project(baton_ctx *ctx, const baton_grant *g)
{
	ENTER();
	return DEMO_WRITING(model_of(ctx), demo_provision_revoke(ctx, DEMO_PROJECT, g));
}

static int create_group(baton_ctx *ctx, const baton_resource *resource)
{
	ENTER();
	return DEMO_WRITING(model_of(ctx), demo_provision_create(ctx, DEMO_GROUP, resource));
}

static int create_project(baton_ctx *ctx, const baton_resource *resource)
{
	ENTER();
	return DEMO_WRITING(model_of(ctx), demo_provision_create(ctx, DEMO_PROJECT, resource));
}

static int delete_user(baton_ctx *ctx, const baton_resource_id *id, const baton_resource_id *parent)
{
	ENTER();
	return DEMO_WRITING(model_of(ctx), demo_provision_delete(ctx, DEMO_USER, id, parent));
}

static int delete_group(baton_ctx *ctx, const baton_resource_id *id, const baton_resource_id *parent)
{
	ENTER();
	return DEMO_WRITING(model_of(ctx), demo_provision_delete(ctx, DEMO_GROUP, id, parent));
}

static int delete_project(baton_ctx *ctx, const baton_resource_id *id, const baton_resource_id *parent)
{
	ENTER();
	return DEMO_WRITING(model_of(ctx), demo_provision_delete(ctx, DEMO_PROJECT, id, parent));
}

static int create_account(baton_ctx *ctx, const baton_account_info *info,
                          const baton_credential_options *opts)
{
	ENTER();
	return DEMO_WRITING(model_of(ctx), demo_provision_account(ctx, info, opts));
}

static int rotate_credentials(baton_ctx *ctx, const baton_resource_id *id,
                              const baton_credential_options *opts)
{
	ENTER();
	return DEMO_WRITING(model_of(ctx), demo_provision_rotate(ctx, id, opts));
}

/* ------------------------------------------------------------------------------------------ */
/* The connector (its configuration, init, close and validate: demo_open.c)                    */

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
	.create_account_details = &demo_password_details,
	.rotate_credentials = rotate_credentials,
	.rotate_details = &demo_password_details,
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
