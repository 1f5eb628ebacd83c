/* Event feeds: the builders of include/baton/events.h, registration, ListEventFeeds, ListEvents. */
#include "connector/ext.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "proto/protojson.h"
#include "types/types.h"

#define MAX_FEED_ID 1024
#define MAX_CURSOR 4096
#define MAX_PAGE_SIZE 1000

struct baton_event {
	baton_ctx *ctx;
	C1__Connector__V2__Event *msg;
	baton_annotations annos;
};

/* ---- builders ---- */

static int event_new(baton_ctx *ctx, const char *fn, const char *id, baton_timestamp at, baton_event **out)
{
	if (!ctx)
		return baton__null_arg(fn, "ctx");
	if (!out)
		return baton__null_arg(fn, "out");
	*out = NULL;
	baton_event *ev = baton_ctx_alloc(ctx, sizeof(*ev));
	C1__Connector__V2__Event *msg = baton_ctx_alloc(ctx, sizeof(*msg));
	if (!ev || !msg)
		return baton__error_oom("event");
	c1__connector__v2__event__init(msg);
	char ksuid[28];
	int rc;
	if (!id || !*id) {
		if ((rc = baton__ksuid(ksuid)))
			return rc;
		id = ksuid;
	}
	if (!(msg->id = baton__str(ctx, id)))
		return BATON_EEXHAUSTED;
	if ((rc = baton__timestamp_new(ctx, "occurred_at", at, &msg->occurred_at)) < 0)
		return baton__error_prefix("%s", fn);
	ev->ctx = ctx;
	ev->msg = msg;
	baton__annotations_init(&ev->annos, ctx, &msg->n_annotations, &msg->annotations, NULL);
	*out = ev;
	return 0;
}

/* Copies of the author's objects in ctx (packed and parsed: they may live in another context). */
static int copy_resource(baton_ctx *ctx, const char *fn, const char *what, const baton_resource *r,
                         C1__Connector__V2__Resource **out)
{
	const uint8_t *data;
	size_t len;
	baton_resource *copy;
	if (!r)
		return baton__null_arg(fn, what);
	int rc = baton_resource_pack((baton_resource *)r, ctx, &data, &len);
	if (!rc)
		rc = baton_resource_unpack(ctx, data, len, &copy);
	if (rc)
		return baton__error_prefix("%s: %s", fn, what);
	*out = copy->msg;
	return 0;
}

static int copy_entitlement(baton_ctx *ctx, const char *fn, const baton_entitlement *e,
                            C1__Connector__V2__Entitlement **out)
{
	const uint8_t *data;
	size_t len;
	baton_entitlement *copy;
	if (!e)
		return baton__null_arg(fn, "entitlement");
	int rc = baton_entitlement_pack((baton_entitlement *)e, ctx, &data, &len);
	if (!rc)
		rc = baton_entitlement_unpack(ctx, data, len, &copy);
	if (rc)
		return baton__error_prefix("%s: entitlement", fn);
	*out = copy->msg;
	return 0;
}

BATON_API int baton_event_usage_new(baton_ctx *ctx, const char *id, baton_timestamp occurred_at,
                                    const baton_resource *target, const baton_resource *actor,
                                    baton_event **out)
{
	static const char fn[] = "baton_event_usage_new";
	baton_event *ev;
	int rc = event_new(ctx, fn, id, occurred_at, &ev);
	if (rc)
		return rc;
	C1__Connector__V2__UsageEvent *u = baton_ctx_alloc(ctx, sizeof(*u));
	if (!u)
		return baton__error_oom("event");
	c1__connector__v2__usage_event__init(u);
	if ((rc = copy_resource(ctx, fn, "target", target, &u->target_resource)))
		return rc;
	if (actor && (rc = copy_resource(ctx, fn, "actor", actor, &u->actor_resource)))
		return rc;
	ev->msg->event_case = C1__CONNECTOR__V2__EVENT__EVENT_USAGE_EVENT;
	ev->msg->usage_event = u;
	*out = ev;
	return 0;
}

BATON_API int baton_event_grant_new(baton_ctx *ctx, const char *id, baton_timestamp occurred_at,
                                    const baton_grant *grant, baton_event **out)
{
	static const char fn[] = "baton_event_grant_new";
	if (!grant)
		return baton__null_arg(fn, "grant");
	baton_event *ev;
	int rc = event_new(ctx, fn, id, occurred_at, &ev);
	if (rc)
		return rc;
	const uint8_t *data;
	size_t len;
	baton_grant *copy;
	if ((rc = baton_grant_pack((baton_grant *)grant, ctx, &data, &len)) ||
	    (rc = baton_grant_unpack(ctx, data, len, &copy)))
		return baton__error_prefix("%s: grant", fn);
	C1__Connector__V2__GrantEvent *g = baton_ctx_alloc(ctx, sizeof(*g));
	if (!g)
		return baton__error_oom("event");
	c1__connector__v2__grant_event__init(g);
	g->grant = copy->msg;
	ev->msg->event_case = C1__CONNECTOR__V2__EVENT__EVENT_GRANT_EVENT;
	ev->msg->grant_event = g;
	*out = ev;
	return 0;
}

BATON_API int baton_event_revoke_new(baton_ctx *ctx, const char *id, baton_timestamp occurred_at,
                                     const baton_entitlement *entitlement,
                                     const baton_resource *principal, baton_event **out)
{
	static const char fn[] = "baton_event_revoke_new";
	baton_event *ev;
	int rc = event_new(ctx, fn, id, occurred_at, &ev);
	if (rc)
		return rc;
	C1__Connector__V2__RevokeEvent *r = baton_ctx_alloc(ctx, sizeof(*r));
	if (!r)
		return baton__error_oom("event");
	c1__connector__v2__revoke_event__init(r);
	if ((rc = copy_entitlement(ctx, fn, entitlement, &r->entitlement)) ||
	    (rc = copy_resource(ctx, fn, "principal", principal, &r->principal)))
		return rc;
	ev->msg->event_case = C1__CONNECTOR__V2__EVENT__EVENT_REVOKE_EVENT;
	ev->msg->revoke_event = r;
	*out = ev;
	return 0;
}

BATON_API int baton_event_resource_change_new(baton_ctx *ctx, const char *id, baton_timestamp occurred_at,
                                              const baton_resource_id *resource,
                                              const baton_resource_id *parent, baton_event **out)
{
	static const char fn[] = "baton_event_resource_change_new";
	if (!resource)
		return baton__null_arg(fn, "resource");
	baton_event *ev;
	int rc = event_new(ctx, fn, id, occurred_at, &ev);
	if (rc)
		return rc;
	C1__Connector__V2__ResourceChangeEvent *c = baton_ctx_alloc(ctx, sizeof(*c));
	if (!c)
		return baton__error_oom("event");
	c1__connector__v2__resource_change_event__init(c);
	if ((rc = baton__resource_id_new(ctx, "resource", resource, &c->resource_id)) < 0 ||
	    (parent && (rc = baton__resource_id_new(ctx, "parent", parent, &c->parent_resource_id)) < 0))
		return baton__error_prefix("%s", fn);
	ev->msg->event_case = C1__CONNECTOR__V2__EVENT__EVENT_RESOURCE_CHANGE_EVENT;
	ev->msg->resource_change_event = c;
	*out = ev;
	return 0;
}

/* CreateGrantEvent and CreateRevokeEvent have the same layout. */
static int create_event(baton_ctx *ctx, const char *fn, const char *id, baton_timestamp at,
                        const baton_entitlement *entitlement, const baton_resource *principal,
                        bool grant, baton_event **out)
{
	baton_event *ev;
	int rc = event_new(ctx, fn, id, at, &ev);
	if (rc)
		return rc;
	C1__Connector__V2__Entitlement *e = NULL;
	C1__Connector__V2__Resource *p = NULL;
	if ((rc = copy_entitlement(ctx, fn, entitlement, &e)) ||
	    (rc = copy_resource(ctx, fn, "principal", principal, &p)))
		return rc;
	if (grant) {
		C1__Connector__V2__CreateGrantEvent *g = baton_ctx_alloc(ctx, sizeof(*g));
		if (!g)
			return baton__error_oom("event");
		c1__connector__v2__create_grant_event__init(g);
		g->entitlement = e;
		g->principal = p;
		ev->msg->event_case = C1__CONNECTOR__V2__EVENT__EVENT_CREATE_GRANT_EVENT;
		ev->msg->create_grant_event = g;
	} else {
		C1__Connector__V2__CreateRevokeEvent *r = baton_ctx_alloc(ctx, sizeof(*r));
		if (!r)
			return baton__error_oom("event");
		c1__connector__v2__create_revoke_event__init(r);
		r->entitlement = e;
		r->principal = p;
		ev->msg->event_case = C1__CONNECTOR__V2__EVENT__EVENT_CREATE_REVOKE_EVENT;
		ev->msg->create_revoke_event = r;
	}
	*out = ev;
	return 0;
}

BATON_API int baton_event_create_grant_new(baton_ctx *ctx, const char *id, baton_timestamp occurred_at,
                                           const baton_entitlement *entitlement,
                                           const baton_resource *principal, baton_event **out)
{
	return create_event(ctx, "baton_event_create_grant_new", id, occurred_at, entitlement, principal,
	                    true, out);
}

BATON_API int baton_event_create_revoke_new(baton_ctx *ctx, const char *id, baton_timestamp occurred_at,
                                            const baton_entitlement *entitlement,
                                            const baton_resource *principal, baton_event **out)
{
	return create_event(ctx, "baton_event_create_revoke_new", id, occurred_at, entitlement, principal,
	                    false, out);
}

BATON_API baton_annotations *baton_event_annotations(baton_event *ev)
{
	return ev ? &ev->annos : NULL;
}

BATON_API const char *baton_event_id(const baton_event *ev)
{
	return ev && ev->msg->id ? ev->msg->id : "";
}

BATON_API baton_timestamp baton_event_occurred_at(const baton_event *ev)
{
	baton_timestamp t = {0, 0};
	if (ev && ev->msg->occurred_at) {
		t.seconds = ev->msg->occurred_at->seconds;
		t.nanos = ev->msg->occurred_at->nanos;
	}
	return t;
}

BATON_API baton_event_kind baton_event_kind_of(const baton_event *ev)
{
	if (!ev)
		return (baton_event_kind)0;
	switch (ev->msg->event_case) {
	case C1__CONNECTOR__V2__EVENT__EVENT_USAGE_EVENT: return BATON_EVENT_USAGE;
	case C1__CONNECTOR__V2__EVENT__EVENT_GRANT_EVENT: return BATON_EVENT_GRANT;
	case C1__CONNECTOR__V2__EVENT__EVENT_REVOKE_EVENT: return BATON_EVENT_REVOKE;
	case C1__CONNECTOR__V2__EVENT__EVENT_RESOURCE_CHANGE_EVENT: return BATON_EVENT_RESOURCE_CHANGE;
	case C1__CONNECTOR__V2__EVENT__EVENT_CREATE_GRANT_EVENT: return BATON_EVENT_CREATE_GRANT;
	case C1__CONNECTOR__V2__EVENT__EVENT_CREATE_REVOKE_EVENT: return BATON_EVENT_CREATE_REVOKE;
	default: return (baton_event_kind)0;
	}
}

BATON_API int baton_event_to_json(baton_event *ev, baton_ctx *ctx, char **json)
{
	if (!ev)
		return baton__null_arg("baton_event_to_json", "ev");
	if (!ctx || !json)
		return baton__null_arg("baton_event_to_json", ctx ? "json" : "ctx");
	return baton__msg_json(ctx, &ev->msg->base, json);
}

/* ---- what list_events does with its context ---- */

BATON_API int baton_ctx_emit_event(baton_ctx *ctx, baton_event *ev)
{
	static const char fn[] = "baton_ctx_emit_event";
	baton__ext_call *ec = baton__ext_of(ctx, fn, BATON__EXT_BIT(BATON__EXT_EVENTS));
	if (!ec)
		return baton_error_last()->code;
	if (!ev)
		return baton__null_arg(fn, "ev");
	if (ev->ctx != ctx)
		return baton_error_set(BATON_EINVALID, "%s: the event was not built with this callback's context", fn);
	if (ec->n_events == ec->cap_events) {
		size_t cap = ec->cap_events ? ec->cap_events * 2 : 64;
		C1__Connector__V2__Event **v = realloc(ec->events, cap * sizeof(*v));
		if (!v)
			return baton__error_oom("events");
		ec->events = v;
		ec->cap_events = cap;
	}
	ec->events[ec->n_events++] = ev->msg;
	return 0;
}

BATON_API int baton_ctx_set_event_stream(baton_ctx *ctx, const char *cursor, bool has_more)
{
	static const char fn[] = "baton_ctx_set_event_stream";
	baton__ext_call *ec = baton__ext_of(ctx, fn, BATON__EXT_BIT(BATON__EXT_EVENTS));
	if (!ec)
		return baton_error_last()->code;
	if (!cursor)
		cursor = "";
	size_t n = strlen(cursor);
	if (n > MAX_CURSOR)
		return baton_error_set(BATON_EINVALID, "%s: cursor is %zu bytes, at most %d", fn, n, MAX_CURSOR);
	char *copy = baton_ctx_strndup(ctx, cursor, n);
	if (!copy)
		return BATON_EEXHAUSTED;
	ec->cursor = copy;
	ec->has_more = has_more;
	ec->stream_set = true;
	return 0;
}

/* ---- registration and the RPCs ---- */

static size_t n_feeds(const baton_connector *c)
{
	return c->version >= 2 && c->event_feeds ? c->n_event_feeds : 0;
}

int baton__event_feeds_check(const baton__runtime *rt)
{
	const baton_connector *c = rt->conn;
	if (c->version >= 2 && c->n_event_feeds && !c->event_feeds)
		return baton_error_set(BATON_EINVALID, "connector: event_feeds is NULL");
	size_t n = n_feeds(c);
	for (size_t i = 0; i < n; i++) {
		const baton_event_feed *f = c->event_feeds[i];
		if (!f)
			return baton_error_set(BATON_EINVALID, "error: event feed %zu is NULL", i);
		if (f->version < 1)
			return baton_error_set(BATON_EINVALID, "error: event feed %zu: version must be set "
			                       "(BATON_EVENT_FEED_VERSION)", i);
		size_t len = f->id ? strlen(f->id) : 0;
		if (len < 1 || len > MAX_FEED_ID)
			return baton_error_set(BATON_EINVALID, "error: event feed metadata for %s is invalid: "
			                       "id must be 1..%d bytes", f->id ? f->id : "", MAX_FEED_ID);
		if (f->n_event_types && !f->event_types)
			return baton_error_set(BATON_EINVALID, "error: event feed metadata for %s is invalid: "
			                       "event_types is NULL", f->id);
		for (size_t j = 0; j < f->n_event_types; j++) {
			baton_event_type t = f->event_types[j];
			if (t != BATON_EVENT_TYPE_UNSPECIFIED && t != BATON_EVENT_TYPE_USAGE &&
			    t != BATON_EVENT_TYPE_RESOURCE_CHANGE && t != BATON_EVENT_TYPE_CREATE_GRANT &&
			    t != BATON_EVENT_TYPE_CREATE_REVOKE)
				return baton_error_set(BATON_EINVALID, "error: event feed metadata for %s is invalid: "
				                       "unknown event type %d", f->id, (int)t);
			for (size_t k = 0; k < j; k++)
				if (f->event_types[k] == t)
					return baton_error_set(BATON_EINVALID, "error: event feed metadata for %s is "
					                       "invalid: supported_event_types must be unique", f->id);
		}
		if (!f->list_events)
			return baton_error_set(BATON_EINVALID, "error: event feed %s: list_events is required", f->id);
		for (size_t k = 0; k < i; k++)
			if (!strcmp(c->event_feeds[k]->id, f->id))
				return baton_error_set(BATON_EINVALID, "error: duplicate event feed id found: %s", f->id);
	}
	return 0;
}

static int feed_metadata(baton_ctx *ctx, const baton_event_feed *f, C1__Connector__V2__EventFeedMetadata **out)
{
	C1__Connector__V2__EventFeedMetadata *m = baton_ctx_alloc(ctx, sizeof(*m));
	C1__Connector__V2__EventType *types = baton_ctx_alloc(ctx, (f->n_event_types + 1) * sizeof(*types));
	if (!m || !types)
		return baton__error_oom("event feed metadata");
	c1__connector__v2__event_feed_metadata__init(m);
	if (!(m->id = baton_ctx_strdup(ctx, f->id)))
		return BATON_EEXHAUSTED;
	for (size_t i = 0; i < f->n_event_types; i++)
		types[i] = (C1__Connector__V2__EventType)f->event_types[i];
	m->n_supported_event_types = f->n_event_types;
	m->supported_event_types = types;
	*out = m;
	return 0;
}

int baton__list_event_feeds(baton__runtime *rt, baton_ctx *ctx, C1__Connector__V2__ListEventFeedsResponse **out)
{
	size_t n = n_feeds(rt->conn);
	C1__Connector__V2__ListEventFeedsResponse *resp = baton_ctx_alloc(ctx, sizeof(*resp));
	C1__Connector__V2__EventFeedMetadata **list = baton_ctx_alloc(ctx, (n + 1) * sizeof(*list));
	if (!resp || !list)
		return baton__error_oom("event feeds");
	c1__connector__v2__list_event_feeds_response__init(resp);
	for (size_t i = 0; i < n; i++) {
		int rc = feed_metadata(ctx, rt->conn->event_feeds[i], &list[i]);
		if (rc)
			return rc;
	}
	resp->n_list = n;
	resp->list = list;
	*out = resp;
	return 0;
}

int baton__list_events(baton__runtime *rt, baton_ctx *ctx, const C1__Connector__V2__ListEventsRequest *req,
                       C1__Connector__V2__ListEventsResponse **out)
{
	const char *feed_id = req->event_feed_id && *req->event_feed_id ? req->event_feed_id
	                                                                 : BATON_EVENT_FEED_DEFAULT_ID;
	const char *cursor = req->cursor ? req->cursor : "";
	if (strlen(cursor) > MAX_CURSOR)
		return baton_error_set(BATON_EINVALID, "invalid ListEventsRequest.Cursor: value length must be at "
		                       "most %d bytes", MAX_CURSOR);
	if (req->page_size > MAX_PAGE_SIZE)
		return baton_error_set(BATON_EINVALID, "invalid ListEventsRequest.PageSize: value must be less "
		                       "than or equal to %d", MAX_PAGE_SIZE);
	const baton_event_feed *feed = NULL;
	size_t n = n_feeds(rt->conn);
	for (size_t i = 0; i < n && !feed; i++)
		if (!strcmp(rt->conn->event_feeds[i]->id, feed_id))
			feed = rt->conn->event_feeds[i];
	if (!feed)
		return baton_error_set(BATON_ENOTFOUND, "error: event feed id %s not found", feed_id);

	baton_timestamp start, *startp = NULL;
	if (req->start_at) {
		start.seconds = req->start_at->seconds;
		start.nanos = req->start_at->nanos;
		startp = &start;
	}
	baton__ext_call ec;
	baton__ext_begin(&ec, ctx, rt, BATON__EXT_EVENTS, cursor, req->page_size);
	baton_error_clear();
	int rc = feed->list_events(ctx, startp, cursor, req->page_size);
	if (rc) {
		baton__ext_end(&ec);
		baton__ext_failed(rc, "list_events");
		return baton__error_prefix("error: listing events failed");
	}
	C1__Connector__V2__ListEventsResponse *resp = baton_ctx_alloc(ctx, sizeof(*resp));
	C1__Connector__V2__Event **events = baton_ctx_alloc(ctx, (ec.n_events + 1) * sizeof(*events));
	if (!resp || !events) {
		baton__ext_end(&ec);
		return baton__error_oom("events");
	}
	c1__connector__v2__list_events_response__init(resp);
	if (ec.n_events)
		memcpy(events, ec.events, ec.n_events * sizeof(*events));
	resp->n_events = ec.n_events;
	resp->events = events;
	resp->has_more = ec.stream_set && ec.has_more;
	resp->cursor = ec.stream_set ? ec.cursor : baton_ctx_strdup(ctx, cursor);
	if (!resp->cursor) {
		baton__ext_end(&ec);
		return BATON_EEXHAUSTED;
	}
	if (ec.call.n_annos) {
		resp->n_annotations = ec.call.n_annos;
		resp->annotations = ec.call.annos;
	}
	baton__ext_end(&ec);
	*out = resp;
	return 0;
}
