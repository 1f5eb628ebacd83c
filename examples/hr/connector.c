/*
 * baton-hr: the connector of docs/first-connector.md. A small HR system kept in one JSON file
 * (hr.json): 30 users, teams inside teams, and an app (the wiki) with two entitlements. It
 * syncs all of it with paging, and grants and revokes team membership and app access, including
 * the case where the grant to revoke came through a team (docs/callbacks/revoke.md).
 *
 *   ./build/bin/baton-hr --hr-file examples/hr/hr.json -f hr.c1z
 *   ./build/bin/baton -f hr.c1z grants -e team:eng:member
 *
 * Every section below is one step of the walkthrough; the step number is in its comment.
 */
#include <baton.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- Step 1: the system's data ------------------------------------------------------------ */

/* What init sets up and every callback shares (baton_ctx_userdata). */
typedef struct hr {
	json_t *doc;         /* the whole hr.json */
	const char *path;    /* where it is (configuration "hr-file") */
	size_t page_size;    /* configuration "page-size" */
} hr;

static hr *hr_of(baton_ctx *ctx)
{
	return baton_ctx_userdata(ctx);
}

/* A string member of a JSON object, or "" when absent. */
static const char *str(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s ? s : "";
}

/* The object with that "id" in the array `list` of the document, or NULL. */
static json_t *find(hr *h, const char *list, const char *id)
{
	size_t i;
	json_t *item;

	json_array_foreach(json_object_get(h->doc, list), i, item) {
		if (strcmp(str(item, "id"), id) == 0)
			return item;
	}
	return NULL;
}

/* Index of the string s in a JSON array of strings, or -1. */
static long index_of(json_t *array, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(array, i, v) {
		if (json_string_value(v) && strcmp(json_string_value(v), s) == 0)
			return (long)i;
	}
	return -1;
}

/* The data file, parsed; NULL with err->text set when it cannot be. Only a regular file is read
 * (O_NONBLOCK: a FIFO with no writer is refused at once, not waited on). */
static json_t *load_doc(const char *path, json_error_t *err)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK), fl;
	struct stat st;
	json_t *doc = NULL;

	if (fd < 0) {
		snprintf(err->text, sizeof(err->text), "%s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || (fl = fcntl(fd, F_GETFL)) < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0)
		snprintf(err->text, sizeof(err->text), "%s", strerror(errno));
	else if (!S_ISREG(st.st_mode))
		snprintf(err->text, sizeof(err->text), "is %s, not a regular file",
		         S_ISDIR(st.st_mode) ? "a directory" : S_ISFIFO(st.st_mode) ? "a FIFO" : "not a file");
	else
		doc = json_loadfd(fd, 0, err);
	close(fd);
	return doc;
}

/* Whether the array `list` of the document has an object with that id. */
static bool has_id(hr *h, const char *list, json_t *id)
{
	return json_is_string(id) && find(h, list, json_string_value(id)) != NULL;
}

/*
 * Everything the sync reads from the document, checked once: an id for every item, members that
 * are users and teams of the file, app grants of a known entitlement to a known user or team.
 * A row the sync could not write is an error naming it, never a grant silently dropped.
 */
static int check_doc(hr *h)
{
	static const char *const lists[] = {"users", "teams", "apps"};
	size_t i, k;
	json_t *item, *v;

	for (size_t l = 0; l < 3; l++)
		json_array_foreach(json_object_get(h->doc, lists[l]), i, item) {
			if (*str(item, "id") == '\0')
				return baton_error_set(BATON_EINVALID, "%s: %.*s %zu has no id", h->path,
				                       (int)strlen(lists[l]) - 1, lists[l], i);
			if (find(h, lists[l], str(item, "id")) != item)
				return baton_error_set(BATON_EINVALID, "%s: %.*s %zu: id \"%s\" is used twice", h->path,
				                       (int)strlen(lists[l]) - 1, lists[l], i, str(item, "id"));
		}
	json_array_foreach(json_object_get(h->doc, "teams"), i, item) {
		json_array_foreach(json_object_get(item, "members"), k, v) {
			if (!has_id(h, "users", v))
				return baton_error_set(BATON_EINVALID, "%s: team %s: member %zu is no user id", h->path,
				                       str(item, "id"), k);
		}
		json_array_foreach(json_object_get(item, "teams"), k, v) {
			if (!has_id(h, "teams", v))
				return baton_error_set(BATON_EINVALID, "%s: team %s: team %zu is no team id", h->path,
				                       str(item, "id"), k);
		}
	}
	json_array_foreach(json_object_get(h->doc, "apps"), i, item) {
		json_array_foreach(json_object_get(item, "grants"), k, v) {
			const char *p = str(v, "principal"), *ent = str(v, "entitlement");
			bool user = strncmp(p, "user:", 5) == 0, team = strncmp(p, "team:", 5) == 0;
			if (!(user && find(h, "users", p + 5)) && !(team && find(h, "teams", p + 5)))
				return baton_error_set(BATON_EINVALID, "%s: app %s: grant %zu: principal \"%s\" is no user "
				                       "or team", h->path, str(item, "id"), k, p);
			if (strcmp(ent, "user") != 0 && strcmp(ent, "admin") != 0)
				return baton_error_set(BATON_EINVALID, "%s: app %s: grant %zu: no entitlement \"%s\"",
				                       h->path, str(item, "id"), k, ent);
		}
	}
	return 0;
}

/* Writes the document back, atomically (a temporary file renamed over the old one). */
static int save(hr *h)
{
	char tmp[4096];

	snprintf(tmp, sizeof(tmp), "%s.tmp", h->path);
	if (json_dump_file(h->doc, tmp, JSON_INDENT(2)) != 0 || rename(tmp, h->path) != 0) {
		remove(tmp);
		return baton_error_set(BATON_EUNAVAILABLE, "cannot write %s", h->path);
	}
	return 0;
}

static int hr_init(baton_ctx *ctx, void **userdata)
{
	json_error_t err;
	hr *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return baton_error_set(BATON_EEXHAUSTED, "out of memory");
	h->path = baton_ctx_config_string(ctx, "hr-file");
	h->page_size = (size_t)baton_ctx_config_int(ctx, "page-size");
	if (h->page_size == 0) /* the zero value, which the flag's 1..1000 rule leaves alone */
		h->page_size = 10;
	h->doc = load_doc(h->path, &err);
	if (h->doc == NULL || !json_is_array(json_object_get(h->doc, "users")) ||
	    !json_is_array(json_object_get(h->doc, "teams")) || !json_is_array(json_object_get(h->doc, "apps"))) {
		int rc = baton_error_set(BATON_EINVALID, "%s: %s", h->path,
		                         h->doc ? "needs \"users\", \"teams\" and \"apps\" arrays" : err.text);
		json_decref(h->doc);
		free(h);
		return rc;
	}
	if (check_doc(h) != 0) {
		int rc = baton_error_last()->code;
		json_decref(h->doc);
		free(h);
		return rc;
	}
	*userdata = h;
	return 0;
}

static void hr_close(void *userdata)
{
	hr *h = userdata;

	if (h != NULL)
		json_decref(h->doc);
	free(h);
}

/* ---- Step 3: paging ----------------------------------------------------------------------- */

/* The page token is the index of the first item of the page, as text ("" is the first page). */
static size_t page_start(baton_ctx *ctx)
{
	return (size_t)strtoul(baton_ctx_page_token(ctx), NULL, 10);
}

/* Ends a page that stopped at item `next` of `total`: a token for the next page, or none. */
static int page_end(baton_ctx *ctx, const char *what, size_t first, size_t next, size_t total)
{
	char token[32];

	baton_ctx_log(ctx, BATON_LOG_INFO, "hr: listed a page of %s: items %zu..%zu of %zu", what, first,
	              next, total);
	if (next >= total)
		return 0;
	snprintf(token, sizeof(token), "%zu", next);
	return baton_ctx_set_next_page(ctx, token);
}

/* ---- Step 2: users ------------------------------------------------------------------------ */

/* One user of the file as a resource with its user trait (built in ctx, owned by it). */
static int user_resource(baton_ctx *ctx, json_t *u, baton_resource **out)
{
	baton_resource *r;
	baton_user_trait *ut;

	BATON_TRY(baton_user_resource_new(ctx, str(u, "name"), baton_ctx_resource_type(ctx), str(u, "id"), &r));
	BATON_TRY(baton_resource_get_user_trait(r, &ut));
	BATON_TRY(baton_user_trait_add_email(ut, str(u, "email"), true));
	BATON_TRY(baton_user_trait_set_login(ut, str(u, "email"), NULL, 0));
	if (!json_is_true(json_object_get(u, "active")))
		BATON_TRY(baton_user_trait_set_status(ut, BATON_STATUS_DISABLED, NULL));
	*out = r;
	return 0;
}

static int users_list(baton_ctx *ctx, const baton_resource_id *parent)
{
	hr *h = hr_of(ctx);
	json_t *users = json_object_get(h->doc, "users");
	size_t first = page_start(ctx), i = first, n = json_array_size(users);

	(void)parent;
	for (; i < n && i < first + h->page_size; i++) {
		baton_resource *r;

		BATON_TRY(user_resource(ctx, json_array_get(users, i), &r));
		BATON_TRY(baton_ctx_emit_resource(ctx, r));
	}
	return page_end(ctx, "users", first, i, n);
}

/* ---- Step 4: teams in teams --------------------------------------------------------------- */

static int teams_list(baton_ctx *ctx, const baton_resource_id *parent)
{
	hr *h = hr_of(ctx);
	json_t *teams = json_object_get(h->doc, "teams");
	size_t first = page_start(ctx), i = first, n = json_array_size(teams);

	(void)parent;
	for (; i < n && i < first + h->page_size; i++) {
		json_t *t = json_array_get(teams, i);
		baton_resource *r;

		BATON_TRY(baton_group_resource_new(ctx, str(t, "name"), baton_ctx_resource_type(ctx),
		                                   str(t, "id"), &r));
		BATON_TRY(baton_ctx_emit_resource(ctx, r));
	}
	return page_end(ctx, "teams", first, i, n);
}

/* One entitlement per team: "member", which users and teams can hold. */
static int team_entitlements(baton_ctx *ctx, const baton_resource *team)
{
	static const char *const holders[] = {"user", "team"};
	baton_entitlement *e;

	BATON_TRY(baton_assignment_entitlement_new(ctx, team, "member", &e));
	BATON_TRY(baton_entitlement_set_description(e, "Member of the team"));
	BATON_TRY(baton_entitlement_set_grantable_to_ids(e, holders, 2));
	return baton_ctx_emit_entitlement(ctx, e);
}

/*
 * A "member" grant of `resource`'s entitlement `name` to a principal "user:<id>" or "team:<id>".
 * A team holding it passes it on to its own members: GrantExpandable on the team's "member"
 * entitlement, and the SDK's grant expansion gives every (nested) member a grant of its own.
 */
static int emit_grant(baton_ctx *ctx, const baton_resource *resource, const char *name,
                      const char *principal_type, const char *principal_id)
{
	baton_resource_id principal = {principal_type, principal_id};
	baton_grant *g;

	BATON_TRY(baton_grant_new(ctx, resource, name, &principal, &g));
	if (strcmp(principal_type, "team") == 0) {
		const char *via = baton_ctx_sprintf(ctx, "team:%s:member", principal_id);
		if (via == NULL)
			return BATON_EEXHAUSTED;
		BATON_TRY(baton_grant_set_expandable(g, &via, 1, false, NULL, 0));
	}
	return baton_ctx_emit_grant(ctx, g);
}

static int team_grants(baton_ctx *ctx, const baton_resource *team)
{
	const char *id = baton_resource_get_id(team).resource;
	json_t *t = find(hr_of(ctx), "teams", id), *v;
	size_t i;

	if (t == NULL)
		return baton_error_set(BATON_ENOTFOUND, "team %s is gone", id);
	json_array_foreach(json_object_get(t, "members"), i, v)
		BATON_TRY(emit_grant(ctx, team, "member", "user", json_string_value(v)));
	json_array_foreach(json_object_get(t, "teams"), i, v)
		BATON_TRY(emit_grant(ctx, team, "member", "team", json_string_value(v)));
	return 0;
}

/* ---- Step 5: an app with two entitlements ------------------------------------------------- */

static int apps_list(baton_ctx *ctx, const baton_resource_id *parent)
{
	hr *h = hr_of(ctx);
	json_t *apps = json_object_get(h->doc, "apps");
	size_t first = page_start(ctx), i = first, n = json_array_size(apps);

	(void)parent;
	for (; i < n && i < first + h->page_size; i++) {
		json_t *a = json_array_get(apps, i);
		baton_resource *r;

		BATON_TRY(baton_app_resource_new(ctx, str(a, "name"), baton_ctx_resource_type(ctx),
		                                 str(a, "id"), &r));
		BATON_TRY(baton_ctx_emit_resource(ctx, r));
	}
	return page_end(ctx, "apps", first, i, n);
}

static int app_entitlements(baton_ctx *ctx, const baton_resource *app)
{
	static const char *const holders[] = {"user", "team"};
	baton_entitlement *user, *admin;

	BATON_TRY(baton_assignment_entitlement_new(ctx, app, "user", &user));
	BATON_TRY(baton_entitlement_set_description(user, "Can use the app"));
	BATON_TRY(baton_entitlement_set_grantable_to_ids(user, holders, 2));
	BATON_TRY(baton_ctx_emit_entitlement(ctx, user));
	BATON_TRY(baton_permission_entitlement_new(ctx, app, "admin", &admin));
	BATON_TRY(baton_entitlement_set_description(admin, "Administers the app"));
	BATON_TRY(baton_entitlement_set_grantable_to_ids(admin, holders, 2));
	return baton_ctx_emit_entitlement(ctx, admin);
}

static int app_grants(baton_ctx *ctx, const baton_resource *app)
{
	const char *id = baton_resource_get_id(app).resource;
	json_t *a = find(hr_of(ctx), "apps", id), *g;
	size_t i;

	if (a == NULL)
		return baton_error_set(BATON_ENOTFOUND, "app %s is gone", id);
	json_array_foreach(json_object_get(a, "grants"), i, g) {
		/* "principal" is "user:u01" or "team:eng" */
		const char *p = str(g, "principal"), *colon = strchr(p, ':');
		if (colon == NULL)
			return baton_error_set(BATON_EDATALOSS, "app %s: bad principal \"%s\"", id, p);
		const char *type = baton_ctx_strndup(ctx, p, (size_t)(colon - p));
		if (type == NULL)
			return BATON_EEXHAUSTED;
		BATON_TRY(emit_grant(ctx, app, str(g, "entitlement"), type, colon + 1));
	}
	return 0;
}

/* ---- Step 6: grant ------------------------------------------------------------------------ */

/* Whether team `outer` contains team `inner`, directly or through other teams. */
static bool team_contains(hr *h, const char *outer, const char *inner, int depth)
{
	json_t *t = find(h, "teams", outer), *v;
	size_t i;

	if (t == NULL || depth > 32)
		return false;
	json_array_foreach(json_object_get(t, "teams"), i, v) {
		const char *sub = json_string_value(v);
		if (sub && (strcmp(sub, inner) == 0 || team_contains(h, sub, inner, depth + 1)))
			return true;
	}
	return false;
}

/* The sub-team of `team` through which user `uid` is a member, without being a direct one. */
static const char *member_via(hr *h, const char *team, const char *uid, int depth)
{
	json_t *t = find(h, "teams", team), *v;
	size_t i;

	if (t == NULL || depth > 32)
		return NULL;
	json_array_foreach(json_object_get(t, "teams"), i, v) {
		const char *sub = json_string_value(v);
		json_t *st = sub ? find(h, "teams", sub) : NULL;
		if (st && (index_of(json_object_get(st, "members"), uid) >= 0 || member_via(h, sub, uid, depth + 1)))
			return sub;
	}
	return NULL;
}

static int team_grant(baton_ctx *ctx, const baton_resource *principal, const baton_entitlement *ent)
{
	hr *h = hr_of(ctx);
	const char *team = baton_entitlement_resource_id(ent).resource;
	baton_resource_id who = baton_resource_get_id(principal);
	json_t *t = find(h, "teams", team), *list;

	if (t == NULL)
		return baton_error_set(BATON_ENOTFOUND, "team %s does not exist", team);
	if (strcmp(baton_entitlement_name(ent), "member") != 0)
		return baton_error_set(BATON_EINVALID, "teams have no entitlement %s", baton_entitlement_id(ent));
	if (strcmp(who.resource_type, "user") == 0) {
		if (find(h, "users", who.resource) == NULL)
			return baton_error_set(BATON_ENOTFOUND, "user %s does not exist", who.resource);
		list = json_object_get(t, "members");
	} else if (strcmp(who.resource_type, "team") == 0) {
		if (find(h, "teams", who.resource) == NULL)
			return baton_error_set(BATON_ENOTFOUND, "team %s does not exist", who.resource);
		if (strcmp(who.resource, team) == 0 || team_contains(h, who.resource, team, 0))
			return baton_error_set(BATON_EINVALID, "team %s inside team %s would be a cycle", who.resource,
			                       team);
		list = json_object_get(t, "teams");
	} else {
		return baton_error_set(BATON_EINVALID, "a %s cannot be a team member", who.resource_type);
	}
	if (index_of(list, who.resource) >= 0)
		return baton_ctx_annotate_already_granted(ctx);
	if (json_array_append_new(list, json_string(who.resource)) != 0)
		return baton_error_set(BATON_EEXHAUSTED, "out of memory");
	return save(h);
}

static int app_grant(baton_ctx *ctx, const baton_resource *principal, const baton_entitlement *ent)
{
	hr *h = hr_of(ctx);
	const char *app = baton_entitlement_resource_id(ent).resource, *name = baton_entitlement_name(ent);
	baton_resource_id who = baton_resource_get_id(principal);
	json_t *a = find(h, "apps", app), *g, *grants;
	size_t i;

	if (a == NULL)
		return baton_error_set(BATON_ENOTFOUND, "app %s does not exist", app);
	if (strcmp(name, "user") != 0 && strcmp(name, "admin") != 0)
		return baton_error_set(BATON_EINVALID, "apps have no entitlement %s", baton_entitlement_id(ent));
	if (find(h, strcmp(who.resource_type, "team") == 0 ? "teams" : "users", who.resource) == NULL)
		return baton_error_set(BATON_ENOTFOUND, "%s %s does not exist", who.resource_type, who.resource);
	const char *p = baton_ctx_sprintf(ctx, "%s:%s", who.resource_type, who.resource);
	if (p == NULL)
		return BATON_EEXHAUSTED;
	grants = json_object_get(a, "grants");
	json_array_foreach(grants, i, g) {
		if (strcmp(str(g, "entitlement"), name) == 0 && strcmp(str(g, "principal"), p) == 0)
			return baton_ctx_annotate_already_granted(ctx);
	}
	if (json_array_append_new(grants, json_pack("{s:s, s:s}", "entitlement", name, "principal", p)) != 0)
		return baton_error_set(BATON_EEXHAUSTED, "out of memory");
	return save(h);
}

/* ---- Step 7: revoke, and grants that came through a team ---------------------------------- */

/*
 * A grant the SDK's grant expansion made (Ann is in Backend, Backend is in Engineering: Ann holds
 * team:eng:member) is revoked through this callback like a direct one. There is nothing on this
 * team to remove for it: the caller must revoke the membership it comes from. Answering "already
 * revoked" would be a lie (the next sync shows the grant again), so it is FailedPrecondition.
 */
static int refuse_inherited(const baton_grant *grant, const char *via)
{
	return baton_error_set(BATON_EPRECONDITION,
	                       "%s:%s holds %s through %s, not directly: revoke that instead",
	                       baton_grant_principal_id(grant).resource_type,
	                       baton_grant_principal_id(grant).resource, baton_grant_entitlement_id(grant), via);
}

static int team_revoke(baton_ctx *ctx, const baton_grant *grant)
{
	hr *h = hr_of(ctx);
	const char *team = baton_grant_resource_id(grant).resource;
	baton_resource_id who = baton_grant_principal_id(grant);
	json_t *t = find(h, "teams", team), *list;

	/* 1. The grant's sources: inherited only? (a grant emitted by the connector has none) */
	if (!baton_grant_is_direct(grant))
		return refuse_inherited(grant, baton_grant_inherited_from(grant));
	if (t == NULL)
		return baton_ctx_annotate_already_revoked(ctx); /* the team is gone, and the grant with it */
	list = json_object_get(t, strcmp(who.resource_type, "team") == 0 ? "teams" : "members");
	long at = index_of(list, who.resource);
	if (at >= 0) {
		json_array_remove(list, (size_t)at);
		return save(h);
	}
	/* 2. The system: a caller may send a grant without its sources. */
	const char *via = strcmp(who.resource_type, "user") == 0 ? member_via(h, team, who.resource, 0) : NULL;
	if (via != NULL)
		return refuse_inherited(grant, baton_ctx_sprintf(ctx, "team:%s:member", via));
	return baton_ctx_annotate_already_revoked(ctx);
}

static int app_revoke(baton_ctx *ctx, const baton_grant *grant)
{
	hr *h = hr_of(ctx);
	const char *app = baton_grant_resource_id(grant).resource;
	const char *name = baton_entitlement_name(baton_grant_entitlement(grant));
	baton_resource_id who = baton_grant_principal_id(grant);
	json_t *a = find(h, "apps", app), *g, *grants;
	size_t i;

	if (!baton_grant_is_direct(grant))
		return refuse_inherited(grant, baton_grant_inherited_from(grant));
	if (a == NULL)
		return baton_ctx_annotate_already_revoked(ctx);
	const char *p = baton_ctx_sprintf(ctx, "%s:%s", who.resource_type, who.resource);
	if (p == NULL)
		return BATON_EEXHAUSTED;
	grants = json_object_get(a, "grants");
	json_array_foreach(grants, i, g) {
		if (strcmp(str(g, "entitlement"), name) == 0 && strcmp(str(g, "principal"), p) == 0) {
			json_array_remove(grants, i);
			return save(h);
		}
	}
	return baton_ctx_annotate_already_revoked(ctx);
}

/* ---- Step 8: account creation ------------------------------------------------------------ */

/*
 * --create-account-login LOGIN --create-account-email EMAIL: a new user, id "u<next number>",
 * named by the profile's "name" (else the login). The HR system has no passwords: the type
 * offers NO_PASSWORD only (create_account_details below), so there is no secret to return.
 */
/* The number of a new "uNN" id: one past the highest in use (the count of users is not enough
 * once a user was removed, and would give a new user a taken id). */
static unsigned long next_user_number(json_t *users)
{
	unsigned long max = 0;
	size_t i;
	json_t *u;

	json_array_foreach(users, i, u) {
		const char *id = str(u, "id");
		char *end;
		unsigned long n;
		if (id[0] != 'u' || id[1] < '0' || id[1] > '9')
			continue;
		n = strtoul(id + 1, &end, 10);
		if (*end == '\0' && n > max && n < 1000000000UL)
			max = n;
	}
	return max + 1;
}

static int users_create_account(baton_ctx *ctx, const baton_account_info *info,
                                const baton_credential_options *opts)
{
	hr *h = hr_of(ctx);
	json_t *users = json_object_get(h->doc, "users"), *u, *profile = NULL;
	const char *email = info->n_emails > 0 ? info->emails[0] : info->login;
	baton_resource *r;
	size_t i;

	(void)opts;
	json_array_foreach(users, i, u) {
		if (strcmp(str(u, "email"), email) == 0) {
			BATON_TRY(user_resource(ctx, u, &r));
			return baton_ctx_account_result(ctx, BATON_ACCOUNT_ALREADY_EXISTS, r, NULL);
		}
	}
	if (info->profile_json != NULL)
		profile = json_loads(info->profile_json, 0, NULL);
	const char *name = json_string_value(json_object_get(profile, "name"));
	const char *id = baton_ctx_sprintf(ctx, "u%02lu", next_user_number(users));
	u = json_pack("{s:s, s:s, s:s, s:b}", "id", id ? id : "", "name", name ? name : info->login, "email", email,
	              "active", 1);
	json_decref(profile);
	if (id == NULL || u == NULL || json_array_append_new(users, u) != 0)
		return baton_error_set(BATON_EEXHAUSTED, "out of memory");
	BATON_TRY(save(h));
	BATON_TRY(user_resource(ctx, u, &r));
	return baton_ctx_account_result(ctx, BATON_ACCOUNT_CREATED, r, NULL);
}

static const baton_credential_option no_password[] = {BATON_CREDENTIAL_OPTION_NO_PASSWORD};
static const baton_credential_details account_details = {
	.supported = no_password,
	.n_supported = 1,
	.preferred = BATON_CREDENTIAL_OPTION_NO_PASSWORD,
};

/* ---- Step 2 (again): the types and the connector ------------------------------------------ */

static const baton_trait user_traits[] = {BATON_TRAIT_USER};
static const baton_resource_syncer user_type = {
	.version = BATON_RESOURCE_SYNCER_VERSION,
	.name = "User",
	.traits = user_traits,
	.n_traits = 1,
	.list = users_list,
	.create_account = users_create_account,
	.create_account_details = &account_details,
};

static const baton_trait team_traits[] = {BATON_TRAIT_GROUP};
static const baton_resource_syncer team_type = {
	.version = BATON_RESOURCE_SYNCER_VERSION,
	.name = "Team",
	.traits = team_traits,
	.n_traits = 1,
	.list = teams_list,
	.entitlements = team_entitlements,
	.grants = team_grants,
	.grant = team_grant,
	.revoke = team_revoke,
};

static const baton_trait app_traits[] = {BATON_TRAIT_APP};
static const baton_resource_syncer app_type = {
	.version = BATON_RESOURCE_SYNCER_VERSION,
	.name = "App",
	.traits = app_traits,
	.n_traits = 1,
	.list = apps_list,
	.entitlements = app_entitlements,
	.grants = app_grants,
	.grant = app_grant,
	.revoke = app_revoke,
};

static const baton_resource_syncer *const resource_types[] = {&user_type, &team_type, &app_type};

static const baton_field fields[] = {
	{.name = "hr-file", .kind = BATON_FIELD_STRING, .flags = BATON_FIELD_REQUIRED,
	 .description = "The HR system's data file (JSON)", .placeholder = "hr.json"},
	{.name = "page-size", .kind = BATON_FIELD_INT, .default_value = "10", .min = 1, .max = 1000,
	 .description = "Items per page when listing"},
};
static const baton_config_schema schema = {
	.version = BATON_CONFIG_SCHEMA_VERSION,
	.fields = fields,
	.n_fields = sizeof(fields) / sizeof(fields[0]),
};

static const baton_connector connector = {
	.version = BATON_CONNECTOR_VERSION,
	.display_name = "HR",
	.description = "The HR system of docs/first-connector.md",
	.init = hr_init,
	.close = hr_close,
	.resource_types = resource_types,
	.n_resource_types = sizeof(resource_types) / sizeof(resource_types[0]),
	.config = &schema,
};

int main(int argc, char **argv)
{
	return baton_main(argc, argv, &connector);
}
