/* baton-demo: custom actions (see demo_ext.h). */
#include "demo_int.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <jansson.h>


/* Sets the response from a jansson object (taken over). */
static int respond(baton_ctx *ctx, json_t *o)
{
	char *text = o != NULL ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	int rc;

	json_decref(o);
	if (text == NULL)
		return baton_error_set(BATON_EEXHAUSTED, "demo: out of memory");
	rc = baton_ctx_action_response_json(ctx, text);
	free(text);
	return rc;
}

static int model_error(int rc, const char *what, const char *id)
{
	switch (rc) {
	case DEMO_NOTFOUND: return baton_error_set(BATON_ENOTFOUND, "%s: %s not found", what, id);
	case DEMO_INVALID: return baton_error_set(BATON_EINVALID, "%s: %s: not allowed", what, id);
	case DEMO_IO: return baton_error_set(BATON_EUNAVAILABLE, "%s: the state file could not be written", what);
	default: return baton_error_set(BATON_EINTERNAL, "%s: failed (%d)", what, rc);
	}
}

/*
 * Threads: actions run on their own threads in service mode; each one that touches the model
 * holds its lock for the whole change (model.h, "Locking"), slow_report only while it counts.
 */

/* ---- rotate_all ---- */

/* rotate_all's body (the model's write lock held). */
static int rotate_users(baton_ctx *ctx)
{
	demo_model *m = model_of(ctx);
	const char *dept = NULL;
	const char *const *ids = NULL;
	size_t n_ids = 0, k, rotated = 0;
	bool dry = false;
	int rc;

	if ((rc = baton_ctx_action_arg_bool(ctx, "dry_run", &dry)) != 0 && rc != BATON_ENOTFOUND)
		return rc;
	if ((rc = baton_ctx_action_arg_string(ctx, "department", &dept)) != 0 && rc != BATON_ENOTFOUND)
		return rc;
	if ((rc = baton_ctx_action_arg_string_list(ctx, "user_ids", &ids, &n_ids)) != 0 && rc != BATON_ENOTFOUND)
		return rc;
	baton_error_clear();
	if (ids != NULL) {
		for (k = 0; k < n_ids; k++)
			if (demo_model_find(m, DEMO_USER, ids[k], NULL) == NULL)
				return baton_error_set(BATON_ENOTFOUND, "rotate_all: user %s not found", ids[k]);
	}
	for (k = 0; k < m->n[DEMO_USER]; k++) {
		demo_obj *o = &m->objs[DEMO_USER][k];
		bool take = !o->deleted && !o->disabled;
		if (take && dept != NULL)
			take = o->department != NULL && strcmp(o->department, dept) == 0;
		if (take && ids != NULL) {
			size_t j;
			take = false;
			for (j = 0; j < n_ids; j++)
				take |= strcmp(ids[j], o->id) == 0;
		}
		if (!take)
			continue;
		if (!dry && (rc = demo_model_rotate(m, o->id)) != DEMO_OK)
			return model_error(rc, "rotate_all", o->id);
		rotated++;
	}
	return respond(ctx, json_pack("{s:b, s:I, s:b}", "success", 1, "rotated", (json_int_t)rotated, "dry_run", dry));
}

static int rotate_all(baton_ctx *ctx, const char *args_json)
{
	(void)args_json;
	return DEMO_WRITING(model_of(ctx), rotate_users(ctx));
}

static const baton_action_field rotate_args[] = {
	{.name = "dry_run", .kind = BATON_ACTION_FIELD_BOOL, .display_name = "Dry run",
	 .description = "Count the users without rotating", .default_value = "false"},
	{.name = "department", .kind = BATON_ACTION_FIELD_STRING, .display_name = "Department",
	 .description = "Only users of this department"},
	{.name = "user_ids", .kind = BATON_ACTION_FIELD_STRING_LIST, .display_name = "Users",
	 .description = "Only these users"},
};
static const char *const rotate_exclusive[] = {"department", "user_ids"};
static const baton_action_constraint rotate_constraints[] = {
	{BATON_ACTION_CONSTRAINT_MUTUALLY_EXCLUSIVE, rotate_exclusive, 2, NULL, 0},
};
static const baton_action_field rotate_returns[] = {
	{.name = "success", .kind = BATON_ACTION_FIELD_BOOL},
	{.name = "rotated", .kind = BATON_ACTION_FIELD_INT},
};
static const baton_action_type dynamic[] = {BATON_ACTION_TYPE_DYNAMIC};

static const baton_action rotate_all_action = {
	.version = BATON_ACTION_VERSION,
	.name = "rotate_all",
	.display_name = "Rotate all credentials",
	.description = "Rotates the credential of every enabled user (or of a department, or of a list)",
	.action_types = dynamic, .n_action_types = 1,
	.arguments = rotate_args, .n_arguments = 3,
	.constraints = rotate_constraints, .n_constraints = 1,
	.return_types = rotate_returns, .n_return_types = 2,
	.invoke = rotate_all,
};

/* ---- slow_report ---- */

static int slow_report(baton_ctx *ctx, const char *args_json)
{
	int64_t secs = 2;
	int rc = baton_ctx_action_arg_int(ctx, "seconds", &secs);

	(void)args_json;
	if (rc != 0 && rc != BATON_ENOTFOUND)
		return rc;
	if (secs < 0 || secs > 10)
		return baton_error_set(BATON_EINVALID, "seconds must be 0..10, not %lld", (long long)secs);
	struct timespec ts = {(time_t)secs, 0};
	nanosleep(&ts, NULL);
	demo_model_read_lock(model_of(ctx));
	size_t users = demo_model_count(model_of(ctx), DEMO_USER);
	demo_model_unlock(model_of(ctx));
	return respond(ctx, json_pack("{s:b, s:I}", "success", 1, "users", (json_int_t)users));
}

static const baton_action_field slow_args[] = {
	{.name = "seconds", .kind = BATON_ACTION_FIELD_INT, .display_name = "Seconds",
	 .description = "How long the report takes (0..10)", .default_value = "2"},
};
static const baton_action slow_report_action = {
	.version = BATON_ACTION_VERSION,
	.name = "slow_report",
	.display_name = "Slow report",
	.description = "Counts the users, slowly",
	.arguments = slow_args, .n_arguments = 1,
	.invoke = slow_report,
};

/* ---- disable_user / enable_user (user) ---- */

static int set_disabled(baton_ctx *ctx, bool disabled)
{
	baton_resource_id id;
	int rc = baton_ctx_action_arg_resource_id(ctx, "user", &id);
	const char *what = disabled ? "disable_user" : "enable_user";

	if (rc != 0)
		return rc;
	if (strcmp(id.resource_type, "user") != 0)
		return baton_error_set(BATON_EINVALID, "%s: %s is not a user", what, id.resource_type);
	if ((rc = DEMO_WRITING(model_of(ctx), demo_model_set_disabled(model_of(ctx), id.resource, disabled))) != DEMO_OK)
		return model_error(rc, what, id.resource);
	return respond(ctx, json_pack("{s:b, s:s, s:b}", "success", 1, "user_id", id.resource, "disabled", disabled));
}

static int disable_user(baton_ctx *ctx, const char *args_json)
{
	(void)args_json;
	return set_disabled(ctx, true);
}

static int enable_user(baton_ctx *ctx, const char *args_json)
{
	(void)args_json;
	return set_disabled(ctx, false);
}

static const baton_action_field user_arg[] = {
	{.name = "user", .kind = BATON_ACTION_FIELD_RESOURCE_ID, .display_name = "User", .required = true},
};
static const baton_action_field success_return[] = {
	{.name = "success", .kind = BATON_ACTION_FIELD_BOOL},
};
static const baton_action_type disable_type[] = {BATON_ACTION_TYPE_ACCOUNT_DISABLE};
static const baton_action_type enable_type[] = {BATON_ACTION_TYPE_ACCOUNT_ENABLE};

static const baton_action disable_user_action = {
	.version = BATON_ACTION_VERSION,
	.name = "disable_user",
	.display_name = "Disable user",
	.action_types = disable_type, .n_action_types = 1,
	.resource_type_id = "user",
	.arguments = user_arg, .n_arguments = 1,
	.return_types = success_return, .n_return_types = 1,
	.invoke = disable_user,
};

static const baton_action enable_user_action = {
	.version = BATON_ACTION_VERSION,
	.name = "enable_user",
	.display_name = "Enable user",
	.action_types = enable_type, .n_action_types = 1,
	.resource_type_id = "user",
	.arguments = user_arg, .n_arguments = 1,
	.return_types = success_return, .n_return_types = 1,
	.invoke = enable_user,
};

/* ---- add_member (group) ---- */

static int add_member(baton_ctx *ctx, const char *args_json)
{
	baton_resource_id group, user;
	bool admin = false;
	int rc;

	(void)args_json;
	if ((rc = baton_ctx_action_arg_resource_id(ctx, "group", &group)) != 0 ||
	    (rc = baton_ctx_action_arg_resource_id(ctx, "user", &user)) != 0)
		return rc;
	if ((rc = baton_ctx_action_arg_bool(ctx, "admin", &admin)) != 0 && rc != BATON_ENOTFOUND)
		return rc;
	/* the ids name their type: a role's id given as the group is refused, not read as a group's */
	if (strcmp(group.resource_type, "group") != 0)
		return baton_error_set(BATON_EINVALID, "add_member: %s %s is not a group", group.resource_type,
		                       group.resource);
	if (strcmp(user.resource_type, "user") != 0)
		return baton_error_set(BATON_EINVALID, "add_member: %s %s is not a user", user.resource_type,
		                       user.resource);
	rc = DEMO_WRITING(model_of(ctx), demo_model_grant(model_of(ctx), DEMO_GROUP, group.resource,
	                                                  admin ? "admin" : "member", DEMO_USER, user.resource));
	if (rc != DEMO_OK && rc != DEMO_EXISTS)
		return model_error(rc, "add_member", rc == DEMO_NOTFOUND ? "group or user" : user.resource);
	return respond(ctx, json_pack("{s:b, s:b}", "success", 1, "already_member", rc == DEMO_EXISTS));
}

static const baton_action_field member_args[] = {
	{.name = "group", .kind = BATON_ACTION_FIELD_RESOURCE_ID, .display_name = "Group", .required = true},
	{.name = "user", .kind = BATON_ACTION_FIELD_RESOURCE_ID, .display_name = "User", .required = true},
	{.name = "admin", .kind = BATON_ACTION_FIELD_BOOL, .display_name = "As admin"},
};
static const char *const member_required[] = {"group", "user"};
static const baton_action_constraint member_constraints[] = {
	{BATON_ACTION_CONSTRAINT_REQUIRED_TOGETHER, member_required, 2, NULL, 0},
};

static const baton_action add_member_action = {
	.version = BATON_ACTION_VERSION,
	.name = "add_member",
	.display_name = "Add a group member",
	.action_types = dynamic, .n_action_types = 1,
	.resource_type_id = "group",
	.arguments = member_args, .n_arguments = 3,
	.constraints = member_constraints, .n_constraints = 1,
	.return_types = success_return, .n_return_types = 1,
	.invoke = add_member,
};

/* A global action that always fails (for trying the failure path). */
static int always_fail(baton_ctx *ctx, const char *args_json)
{
	(void)args_json;
	respond(ctx, json_pack("{s:b}", "success", 0));
	return baton_error_set(BATON_EUNAVAILABLE, "the demo upstream is down");
}

static const baton_action fail_action = {
	.version = BATON_ACTION_VERSION,
	.name = "always_fail",
	.display_name = "Always fail",
	.description = "Fails every time, for trying out error handling",
	.return_types = success_return, .n_return_types = 1,
	.invoke = always_fail,
};

const baton_action *const demo_actions[DEMO_N_ACTIONS] = {
	&rotate_all_action, &slow_report_action, &fail_action,
	&disable_user_action, &enable_user_action, &add_member_action,
};
