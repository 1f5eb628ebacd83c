/*
 * baton-demo: the "usage" and "changes" event feeds (see demo_ext.h). Both read the model and its
 * log, under the model's read lock for the whole page (model.h, "Locking").
 */
#include "demo_int.h"
#include "demo_json.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>

/* Now, in Unix seconds: $BATON_DEMO_NOW when set (digits only; anything else is refused, not
 * read as 0, which would silently empty the feed), else the clock. */
static int demo_now(int64_t *out)
{
	const char *s = getenv("BATON_DEMO_NOW");
	char *end;
	long long v;

	if (s == NULL || *s == '\0') {
		*out = (int64_t)time(NULL);
		return 0;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || errno == ERANGE)
		return baton_error_set(BATON_EINVALID, "BATON_DEMO_NOW must be a time in Unix seconds, not \"%s\"", s);
	*out = (int64_t)v;
	return 0;
}

static int parse_cursor(const char *cursor, int64_t *out)
{
	char *end;
	long long v = strtoll(cursor, &end, 10);
	if (*cursor == '\0' || *end != '\0' || v < 0)
		return baton_error_set(BATON_EINVALID, "demo: bad event cursor \"%s\"", cursor);
	*out = (int64_t)v;
	return 0;
}

static int set_cursor(baton_ctx *ctx, int64_t next, bool more)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%" PRId64, next);
	return baton_ctx_set_event_stream(ctx, buf, more);
}

/* The i-th live object of a kind (wrapping around), or NULL when there is none. */
static demo_obj *pick(demo_model *m, demo_kind kind, uint64_t i)
{
	size_t live = demo_model_count(m, kind), k, seen = 0;
	if (live == 0)
		return NULL;
	i %= live;
	for (k = 0; k < m->n[kind]; k++) {
		demo_obj *o = &m->objs[kind][k];
		if (o->deleted)
			continue;
		if (seen++ == i)
			return o;
	}
	return NULL;
}

static int resource_of(baton_ctx *ctx, demo_model *m, demo_kind kind, const demo_obj *o, baton_resource **out)
{
	baton_resource_id id = {demo_kind_id(kind), o->id};
	int rc = baton_resource_new_with_id(ctx, o->name, &id, out);
	if (rc == 0 && kind == DEMO_PROJECT && o->parent < m->n[DEMO_WORKSPACE]) {
		baton_resource_id parent = {demo_kind_id(DEMO_WORKSPACE), m->objs[DEMO_WORKSPACE][o->parent].id};
		rc = baton_resource_set_parent(*out, &parent);
	}
	return rc;
}

/* ---- "usage": event k at k * DEMO_USAGE_PERIOD ---- */

static int list_usage_page(baton_ctx *ctx, const baton_timestamp *start_at, const char *cursor, uint32_t page_size)
{
	demo_model *m = model_of(ctx);
	int64_t last = 0, k = 0;
	uint32_t size = page_size ? page_size : 100, n = 0;
	int rc;

	if ((rc = demo_now(&last)) != 0)
		return rc;
	last /= DEMO_USAGE_PERIOD;
	if (*cursor != '\0') {
		if ((rc = parse_cursor(cursor, &k)) != 0)
			return rc;
	} else if (start_at != NULL && start_at->seconds > 0) {
		k = (start_at->seconds + DEMO_USAGE_PERIOD - 1) / DEMO_USAGE_PERIOD;
	}
	for (; rc == 0 && n < size && k <= last; k++, n++) {
		uint64_t h = (uint64_t)k * UINT64_C(0x9E3779B97F4A7C15);
		demo_obj *user = pick(m, DEMO_USER, h >> 17), *project = pick(m, DEMO_PROJECT, h >> 41);
		baton_resource *actor, *target;
		baton_event *ev;
		baton_timestamp at = {k * DEMO_USAGE_PERIOD, 0};
		char id[40];

		if (user == NULL || project == NULL)
			continue;
		snprintf(id, sizeof(id), "usage-%" PRId64, k);
		rc = resource_of(ctx, m, DEMO_USER, user, &actor);
		if (rc == 0)
			rc = resource_of(ctx, m, DEMO_PROJECT, project, &target);
		if (rc == 0)
			rc = baton_event_usage_new(ctx, id, at, target, actor, &ev);
		if (rc == 0)
			rc = baton_ctx_emit_event(ctx, ev);
	}
	return rc != 0 ? rc : set_cursor(ctx, k, k <= last);
}

static int list_usage(baton_ctx *ctx, const baton_timestamp *start_at, const char *cursor, uint32_t page_size)
{
	return DEMO_READING(model_of(ctx), list_usage_page(ctx, start_at, cursor, page_size));
}

/* ---- "changes": the state file's operations ---- */

/* The id of the object an old "create" / "create_user" operation made (the last one matching). */
static const char *created_id(demo_model *m, json_t *op, demo_kind *kind)
{
	bool user = strcmp(demo_json_str(op, "op"), "create_user") == 0;
	size_t k;

	if (user)
		*kind = DEMO_USER;
	else if (!demo_kind_parse(demo_json_str(op, "type"), kind))
		return NULL;
	for (k = m->n[*kind]; k-- > 0;) {
		demo_obj *o = &m->objs[*kind][k];
		const char *have = user ? o->login : o->name;
		if (have != NULL && strcmp(have, user ? demo_json_str(op, "login") : demo_json_str(op, "name")) == 0)
			return o->id;
	}
	return NULL;
}

static int grant_event(baton_ctx *ctx, json_t *op, const char *id, baton_timestamp at, bool grant, baton_event **out)
{
	baton_resource_id rid = {demo_json_str(op, "type"), demo_json_str(op, "resource")};
	baton_resource_id pid = {demo_json_str(op, "principal_type"), demo_json_str(op, "principal")};
	baton_resource *r, *p;
	baton_entitlement *e;
	int rc = baton_resource_new_with_id(ctx, rid.resource, &rid, &r);
	if (rc == 0)
		rc = baton_resource_new_with_id(ctx, pid.resource, &pid, &p);
	if (rc == 0)
		rc = baton_entitlement_new(ctx, r, demo_json_str(op, "entitlement"), BATON_PURPOSE_ASSIGNMENT, &e);
	if (rc != 0)
		return rc;
	return grant ? baton_event_create_grant_new(ctx, id, at, e, p, out)
	             : baton_event_create_revoke_new(ctx, id, at, e, p, out);
}

static int list_changes_page(baton_ctx *ctx, const baton_timestamp *start_at, const char *cursor, uint32_t page_size)
{
	demo_model *m = model_of(ctx);
	json_t *ops = (json_t *)demo_model_ops(m);
	int64_t i = 0, total = (int64_t)json_array_size(ops);
	uint32_t size = page_size ? page_size : 100, n = 0;
	int rc = 0;

	if (*cursor != '\0' && (rc = parse_cursor(cursor, &i)) != 0)
		return rc;
	for (; rc == 0 && n < size && i < total; i++) {
		json_t *op = json_array_get(ops, (size_t)i);
		const char *verb = demo_json_str(op, "op");
		baton_timestamp at = {(int64_t)json_integer_value(json_object_get(op, "at")), 0};
		baton_event *ev = NULL;
		char id[40];

		if (start_at != NULL && *cursor == '\0' && at.seconds < start_at->seconds)
			continue;
		snprintf(id, sizeof(id), "op-%" PRId64, i);
		if (strcmp(verb, "grant") == 0 || strcmp(verb, "revoke") == 0) {
			rc = grant_event(ctx, op, id, at, verb[0] == 'g', &ev);
		} else if (strcmp(verb, "create_user") == 0 || strcmp(verb, "create") == 0 ||
		           strcmp(verb, "delete") == 0 || strcmp(verb, "set_disabled") == 0) {
			demo_kind kind = DEMO_USER;
			const char *oid;
			if (strcmp(verb, "delete") == 0)
				oid = demo_kind_parse(demo_json_str(op, "type"), &kind) ? demo_json_str(op, "id") : NULL;
			else if (strcmp(verb, "set_disabled") == 0)
				oid = demo_json_str(op, "user");
			else
				oid = created_id(m, op, &kind);
			if (oid == NULL || *oid == '\0')
				continue;
			baton_resource_id rid = {demo_kind_id(kind), oid};
			baton_resource_id parent = {demo_kind_id(DEMO_WORKSPACE), demo_json_str(op, "parent")};
			rc = baton_event_resource_change_new(ctx, id, at, &rid, *parent.resource ? &parent : NULL, &ev);
		} else {
			continue;  /* rotations and tickets are not resource changes */
		}
		if (rc == 0) {
			rc = baton_ctx_emit_event(ctx, ev);
			n++;
		}
	}
	return rc != 0 ? rc : set_cursor(ctx, i, i < total);
}

static int list_changes(baton_ctx *ctx, const baton_timestamp *start_at, const char *cursor, uint32_t page_size)
{
	return DEMO_READING(model_of(ctx), list_changes_page(ctx, start_at, cursor, page_size));
}

static const baton_event_type usage_types[] = {BATON_EVENT_TYPE_USAGE};
static const baton_event_type change_types[] = {
	BATON_EVENT_TYPE_RESOURCE_CHANGE, BATON_EVENT_TYPE_CREATE_GRANT, BATON_EVENT_TYPE_CREATE_REVOKE,
};

static const baton_event_feed usage_feed = {
	.version = BATON_EVENT_FEED_VERSION,
	.id = "usage",
	.event_types = usage_types,
	.n_event_types = sizeof(usage_types) / sizeof(usage_types[0]),
	.list_events = list_usage,
};

static const baton_event_feed changes_feed = {
	.version = BATON_EVENT_FEED_VERSION,
	.id = "changes",
	.event_types = change_types,
	.n_event_types = sizeof(change_types) / sizeof(change_types[0]),
	.list_events = list_changes,
};

const baton_event_feed *const demo_event_feeds[DEMO_N_EVENT_FEEDS] = {&usage_feed, &changes_feed};
