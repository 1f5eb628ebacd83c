/*
 * A fake connector for the syncer tests, built from the same structs authors use, with knobs
 * to inject the behaviours each test needs. Also a fake clock so nothing sleeps.
 *
 * Types: user (TRAIT_USER, 5 users, 2 per page), group (TRAIT_GROUP, 3 groups; each has child
 * type project), project (child of group; each has child type repo), repo (child of project),
 * role (static entitlement "viewer").
 */
#ifndef BATON_SYNC_TESTUTIL_H
#define BATON_SYNC_TESTUTIL_H

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "baton.h"
#include "sync/sync.h"
#include "store/store.h"
#include "core/log.h"


typedef struct fake_knobs {
	int users;                    /* number of users (default 5) */
	bool user_missing_trait;      /* users built without the user trait */
	bool repeat_user_token;       /* list users returns the token it was given */
	int fail_grants_after;        /* > 0: the Nth grants call fails with EINTERNAL */
	atomic_int grants_calls;      /* callbacks run on the worker threads too */
	int notfound_grants;          /* number of group grants calls answering NotFound */
	int unavailable_users;        /* first N user list calls answer Unavailable */
	bool unavailable_ratelimit;   /* ... with a RateLimitDescription (reset in 30 s, remaining 3) */
	bool group_skip_grants;       /* SkipGrants on group g1 */
	bool user_type_skip_eg;       /* SkipEntitlementsAndGrants on the user type */
	bool project_skip_ents;       /* SkipEntitlements on each project */
	bool expandable;              /* g2 member grant to group g1 with GrantExpandable g1:member */
	atomic_int list_calls;
	int groups;                   /* number of groups (default 3) */
	bool no_children;             /* groups have no ChildResourceType */
} fake_knobs;

static fake_knobs K;

/* ---- fake clock ---- */
static int64_t fake_now = 1700000000000LL;
static int64_t fake_step = 0;     /* added on every read */
static uint64_t fake_waits[64];
static size_t fake_n_waits;
static int64_t fake_now_ms(void *ud)
{
	(void)ud;
	fake_now += fake_step;
	return fake_now;
}
static void fake_sleep_ms(void *ud, uint64_t ms)
{
	(void)ud;
	if (fake_n_waits < 64)
		fake_waits[fake_n_waits++] = ms;
	fake_now += (int64_t)ms;
}
static inline void fake_clock_install(int64_t step)
{
	fake_step = step;
	fake_n_waits = 0;
	baton__sync_hooks h = {fake_now_ms, fake_sleep_ms, NULL};
	baton__sync_set_hooks(&h);
}

static int page_index(baton_ctx *ctx)
{
	const char *t = baton_ctx_page_token(ctx);
	return *t ? atoi(t) : 0;
}

static int list_users(baton_ctx *ctx, const baton_resource_id *parent)
{
	(void)parent;
	K.list_calls++;
	if (K.unavailable_users > 0) {
		K.unavailable_users--;
		if (K.unavailable_ratelimit) {
			baton_timestamp reset = {fake_now / 1000 + 30, 0};
			baton_annotations_set_rate_limit(baton_ctx_annotations(ctx), BATON_RATELIMIT_OVERLIMIT, 100, 3, &reset);
		}
		return baton_error_set(BATON_EUNAVAILABLE, "try later");
	}
	int n = K.users ? K.users : 5;
	int start = page_index(ctx);
	for (int i = start; i < n && i < start + 2; i++) {
		char id[16], name[32];
		snprintf(id, sizeof(id), "u%d", i);
		snprintf(name, sizeof(name), "User %d", i);
		baton_resource *r;
		int rc = K.user_missing_trait
		                 ? baton_resource_new(ctx, name, baton_ctx_resource_type(ctx), id, &r)
		                 : baton_user_resource_new(ctx, name, baton_ctx_resource_type(ctx), id, &r);
		if (rc || (rc = baton_ctx_emit_resource(ctx, r)))
			return rc;
	}
	if (K.repeat_user_token && start == 2)
		return baton_ctx_set_next_page(ctx, "2");
	if (start + 2 < n) {
		char next[16];
		snprintf(next, sizeof(next), "%d", start + 2);
		return baton_ctx_set_next_page(ctx, next);
	}
	return 0;
}

static int list_groups(baton_ctx *ctx, const baton_resource_id *parent)
{
	(void)parent;
	for (int i = 0; i < (K.groups ? K.groups : 3); i++) {
		char id[16], name[32];
		snprintf(id, sizeof(id), "g%d", i);
		snprintf(name, sizeof(name), "Group %d", i);
		baton_resource *r;
		int rc = baton_group_resource_new(ctx, name, baton_ctx_resource_type(ctx), id, &r);
		if (!rc && !K.no_children)
			rc = baton_annotations_add_child_resource_type(baton_resource_annotations(r), "project");
		if (!rc && K.group_skip_grants && i == 1)
			rc = baton_annotations_set_skip_grants(baton_resource_annotations(r));
		if (rc || (rc = baton_ctx_emit_resource(ctx, r)))
			return rc;
	}
	return 0;
}

/* Children: projects under groups (2 each), repos under projects (1 each). */
static int list_children(baton_ctx *ctx, const baton_resource_id *parent, const char *kind, int n,
                         const char *child)
{
	if (!parent)
		return 0;
	for (int i = 0; i < n; i++) {
		char id[64];
		snprintf(id, sizeof(id), "%s-%s%d", parent->resource, kind, i);
		baton_resource *r;
		int rc = baton_resource_new(ctx, id, baton_ctx_resource_type(ctx), id, &r);
		if (!rc)
			rc = baton_resource_set_parent(r, parent);
		if (!rc && child)
			rc = baton_annotations_add_child_resource_type(baton_resource_annotations(r), child);
		if (!rc && K.project_skip_ents && child)
			rc = baton_annotations_set_skip_entitlements(baton_resource_annotations(r));
		if (rc || (rc = baton_ctx_emit_resource(ctx, r)))
			return rc;
	}
	return 0;
}
static int list_projects(baton_ctx *ctx, const baton_resource_id *parent)
{
	return list_children(ctx, parent, "p", 2, "repo");
}
static int list_repos(baton_ctx *ctx, const baton_resource_id *parent)
{
	return list_children(ctx, parent, "r", 1, NULL);
}
static int list_roles(baton_ctx *ctx, const baton_resource_id *parent)
{
	(void)parent;
	for (int i = 0; i < 2; i++) {
		char id[16];
		snprintf(id, sizeof(id), "role%d", i);
		baton_resource *r;
		int rc = baton_role_resource_new(ctx, id, baton_ctx_resource_type(ctx), id, &r);
		if (rc || (rc = baton_ctx_emit_resource(ctx, r)))
			return rc;
	}
	return 0;
}

static int one_entitlement(baton_ctx *ctx, const baton_resource *res, const char *name)
{
	baton_entitlement *e;
	int rc = baton_assignment_entitlement_new(ctx, res, name, &e);
	return rc ? rc : baton_ctx_emit_entitlement(ctx, e);
}
static int group_entitlements(baton_ctx *ctx, const baton_resource *res)
{
	return one_entitlement(ctx, res, "member");
}
static int project_entitlements(baton_ctx *ctx, const baton_resource *res)
{
	return one_entitlement(ctx, res, "admin");
}

static int group_grants(baton_ctx *ctx, const baton_resource *res)
{
	K.grants_calls++;
	if (K.fail_grants_after && K.grants_calls >= K.fail_grants_after)
		return baton_error_set(BATON_EINTERNAL, "boom");
	if (K.notfound_grants > 0) {
		K.notfound_grants--;
		return baton_error_set(BATON_ENOTFOUND, "group is gone");
	}
	baton_resource_id rid = baton_resource_get_id(res);
	int page = page_index(ctx);
	for (int i = page; i < page + 1 && i < 2; i++) {
		char uid[16];
		snprintf(uid, sizeof(uid), "u%d", i);
		baton_resource_id p = {"user", uid};
		baton_grant *g;
		int rc = baton_grant_new(ctx, res, "member", &p, &g);
		if (rc || (rc = baton_ctx_emit_grant(ctx, g)))
			return rc;
	}
	if (K.expandable && !strcmp(rid.resource, "g2") && page == 0) {
		baton_resource_id p = {"group", "g1"};
		baton_grant *g;
		const char *src[] = {"group:g1:member"};
		int rc = baton_grant_new(ctx, res, "member", &p, &g);
		if (!rc)
			rc = baton_grant_set_expandable(g, src, 1, false, NULL, 0);
		if (rc || (rc = baton_ctx_emit_grant(ctx, g)))
			return rc;
	}
	return page == 0 ? baton_ctx_set_next_page(ctx, "1") : 0;
}

static int role_static(baton_ctx *ctx)
{
	baton_resource_id stub = {"role", "stub"};
	baton_resource *r;
	baton_entitlement *e;
	int rc = baton_resource_new_with_id(ctx, "stub", &stub, &r);
	if (!rc)
		rc = baton_permission_entitlement_new(ctx, r, "viewer", &e);
	if (!rc)
		rc = baton_entitlement_set_display_name(e, "");
	if (!rc)
		rc = baton_ctx_emit_entitlement(ctx, e);
	return rc;
}

static int get_any(baton_ctx *ctx, const baton_resource_id *id, const baton_resource_id *parent)
{
	(void)parent;
	if (!strcmp(id->resource, "missing"))
		return baton_error_set(BATON_ENOTFOUND, "no such thing");
	baton_resource *r;
	bool group = !strcmp(id->resource_type, "group");
	int rc = group ? baton_group_resource_new(ctx, id->resource, baton_ctx_resource_type(ctx), id->resource, &r)
	               : baton_user_resource_new(ctx, id->resource, baton_ctx_resource_type(ctx), id->resource, &r);
	if (!rc && group)
		rc = baton_annotations_add_child_resource_type(baton_resource_annotations(r), "project");
	return rc ? rc : baton_ctx_emit_resource(ctx, r);
}

static int describe_user(baton_ctx *ctx, baton_resource_type *rt)
{
	(void)ctx;
	return K.user_type_skip_eg ? baton_annotations_set_skip_entitlements_and_grants(baton_resource_type_annotations(rt)) : 0;
}

static const baton_trait user_traits[] = {BATON_TRAIT_USER};
static const baton_trait group_traits[] = {BATON_TRAIT_GROUP};
static const baton_trait role_traits[] = {BATON_TRAIT_ROLE};
static const baton_resource_syncer fake_user = {
	.version = BATON_RESOURCE_SYNCER_VERSION, .name = "User", .traits = user_traits, .n_traits = 1,
	.describe = describe_user, .list = list_users, .get = get_any,
};
static const baton_resource_syncer fake_group = {
	.version = BATON_RESOURCE_SYNCER_VERSION, .name = "Group", .traits = group_traits, .n_traits = 1,
	.list = list_groups, .entitlements = group_entitlements, .grants = group_grants, .get = get_any,
};
static const baton_resource_syncer fake_project = {
	.version = BATON_RESOURCE_SYNCER_VERSION, .name = "Project", .list = list_projects,
	.entitlements = project_entitlements,
};
static const baton_resource_syncer fake_repo = {
	.version = BATON_RESOURCE_SYNCER_VERSION, .name = "Repo", .list = list_repos,
};
static const baton_resource_syncer fake_role = {
	.version = BATON_RESOURCE_SYNCER_VERSION, .name = "Role", .traits = role_traits, .n_traits = 1,
	.list = list_roles, .static_entitlements = role_static,
};
static const baton_resource_syncer *const fake_types[] = {&fake_user, &fake_group, &fake_project, &fake_repo,
                                                          &fake_role};
static const baton_connector fake_connector = {
	.version = BATON_CONNECTOR_VERSION, .display_name = "Fake", .resource_types = fake_types, .n_resource_types = 5,
};

/* ---- files and rows ---- */

static inline char *tmp_c1z(const char *tag)
{
	char *dir = malloc(4096);
	snprintf(dir, 4096, "%s/sync-%s-XXXXXX", test_out_dir(), tag);
	if (!mkdtemp(dir))
		fail_msg("mkdtemp failed");
	strcat(dir, "/sync.c1z");
	return dir;
}

static inline void reset_all(void)
{
	memset(&K, 0, sizeof(K));
	fake_clock_install(0);
	baton__log_configure(BATON_LOG_ERROR, BATON__LOG_CONSOLE);
}

/* Sorted external ids of one kind ("resources", "entitlements", "grants") of a sync, one per line. */
static inline char *rows_of(const char *path, const char *sync_id, const char *kind)
{
	baton_store *s;
	baton_store_options o = BATON_STORE_OPTIONS_INIT;
	o.read_only = true;
	CHECK(baton_store_open(path, &o, &s));
	char sql[256];
	snprintf(sql, sizeof(sql), "SELECT external_id FROM v1_%s WHERE sync_id = ? ORDER BY external_id", kind);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("prepare: %s", sqlite3_errmsg(s->db));
	sqlite3_bind_text(st, 1, sync_id, -1, SQLITE_STATIC);
	size_t cap = 4096, len = 0;
	char *out = malloc(cap);
	out[0] = '\0';
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 0);
		size_t n = strlen(v);
		if (len + n + 2 > cap) {
			cap = (len + n + 2) * 2;
			out = realloc(out, cap);
		}
		memcpy(out + len, v, n);
		len += n;
		out[len++] = '\n';
		out[len] = '\0';
	}
	sqlite3_finalize(st);
	baton_store_discard(s);
	return out;
}

static inline int count_lines(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static inline char *token_of(const char *path, const char *sync_id)
{
	baton_store *s;
	baton_store_options o = BATON_STORE_OPTIONS_INIT;
	o.read_only = true;
	CHECK(baton_store_open(path, &o, &s));
	baton_ctx *ctx;
	baton_ctx_new(&ctx);
	baton_sync_run run;
	CHECK(baton_store_sync_get(s, sync_id, ctx, &run));
	char *tok = strdup(run.sync_token ? run.sync_token : "");
	baton_sync_type type = run.type;
	(void)type;
	baton_ctx_free(ctx);
	baton_store_discard(s);
	return tok;
}

#endif
