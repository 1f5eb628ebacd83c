/*
 * libbaton: event feeds (the Go SDK's EventFeed / ListEvents).
 *
 * A connector declares feeds in baton_connector.event_feeds. Each feed has an id, the event types
 * it produces, and a list_events callback the SDK calls page by page: it emits events built with
 * the baton_event_*_new() builders and tells the SDK where the stream stands with
 * baton_ctx_set_event_stream(ctx, cursor, has_more).
 *
 *     static const baton_event_type usage_types[] = {BATON_EVENT_TYPE_USAGE};
 *     static int list_usage(baton_ctx *ctx, const baton_timestamp *start_at, const char *cursor,
 *                           uint32_t page_size)
 *     {
 *         ... for each login since start_at (or after cursor), up to page_size:
 *         baton_event *ev;
 *         int rc = baton_event_usage_new(ctx, id, when, app, user, &ev);
 *         if (rc == 0)
 *             rc = baton_ctx_emit_event(ctx, ev);
 *         ...
 *         return baton_ctx_set_event_stream(ctx, next_cursor, more);
 *     }
 *     static const baton_event_feed usage_feed = {
 *         .version = BATON_EVENT_FEED_VERSION, .id = "usage",
 *         .event_types = usage_types, .n_event_types = 1, .list_events = list_usage,
 *     };
 *
 * Any registered feed gives the connector CAPABILITY_EVENT_FEED_V2. The command line's
 * `--event-feed=true --event-feed-id ID [--event-feed-start-at RFC3339] [--event-feed-cursor C]`
 * prints the feed's events as compact JSON (protojson of c1.connector.v2.Event), one per line on
 * stdout, paging with page size 100 until the feed says it has no more.
 *
 * Ownership as everywhere: events are built with the callback's context and belong to it; the SDK
 * consumes what was emitted when the callback returns.
 */
#ifndef BATON_EVENTS_H
#define BATON_EVENTS_H

#include "common.h"
#include "ctx.h"
#include "annotations.h"
#include "resource.h"
#include "entitlement.h"
#include "grant.h"

BATON_BEGIN_DECLS

/* c1.connector.v2.EventType (2 and 3 are reserved: the old grant and revoke types). */
typedef enum baton_event_type {
	BATON_EVENT_TYPE_UNSPECIFIED = 0,
	BATON_EVENT_TYPE_USAGE = 1,
	BATON_EVENT_TYPE_RESOURCE_CHANGE = 4,
	BATON_EVENT_TYPE_CREATE_GRANT = 5,
	BATON_EVENT_TYPE_CREATE_REVOKE = 6
} baton_event_type;

/* The feed id a request without a feed id asks for (the Go SDK's legacy feed). Naming a feed
 * this way makes it the default of `--event-feed` without `--event-feed-id`. */
#define BATON_EVENT_FEED_DEFAULT_ID "baton_feed_event"

/* Which member of Event's oneof an event carries. */
typedef enum baton_event_kind {
	BATON_EVENT_USAGE = 1,           /* usage_event{target_resource, actor_resource} */
	BATON_EVENT_GRANT = 2,           /* grant_event{grant} */
	BATON_EVENT_REVOKE = 3,          /* revoke_event{entitlement, principal} */
	BATON_EVENT_RESOURCE_CHANGE = 4, /* resource_change_event{resource_id, parent_resource_id} */
	BATON_EVENT_CREATE_GRANT = 5,    /* create_grant_event{entitlement, principal} */
	BATON_EVENT_CREATE_REVOKE = 6    /* create_revoke_event{entitlement, principal} */
} baton_event_kind;

typedef struct baton_event baton_event;

#define BATON_EVENT_FEED_VERSION 1

typedef struct baton_event_feed {
	unsigned int version; /* BATON_EVENT_FEED_VERSION */

	/* EventFeedMetadata: the id (1..1024 bytes, unique among the connector's feeds) and the event
	 * types the feed produces (no duplicates; may be empty). */
	const char *id;
	const baton_event_type *event_types;
	size_t n_event_types;

	/*
	 * Required. One page of events. `start_at` is the earliest event the caller wants (NULL: the
	 * caller set no bound); `cursor` is "" on the first call and afterwards the cursor this
	 * callback set last (the caller may also bring one from an earlier run); `page_size` is the
	 * caller's page size (at most 1000; 0: the feed's choice). Emit events with
	 * baton_ctx_emit_event() and set the stream state with baton_ctx_set_event_stream(); not
	 * setting it means the cursor stays as given and there is nothing more.
	 */
	int (*list_events)(baton_ctx *ctx, const baton_timestamp *start_at, const char *cursor,
	                   uint32_t page_size);
} baton_event_feed;

/*
 * Event builders. Each makes a new event owned by ctx with id `id` (NULL or "": the SDK makes a
 * KSUID) that occurred at `occurred_at`. The objects given are copied into the event (they may
 * belong to another context and may change afterwards).
 */
/* Usage: `actor` used `target` (actor may be NULL). */
BATON_API int baton_event_usage_new(baton_ctx *ctx, const char *id, baton_timestamp occurred_at,
                                    const baton_resource *target, const baton_resource *actor,
                                    baton_event **out);
/* A grant was seen. */
BATON_API int baton_event_grant_new(baton_ctx *ctx, const char *id, baton_timestamp occurred_at,
                                    const baton_grant *grant, baton_event **out);
/* A grant of `entitlement` to `principal` was revoked. */
BATON_API int baton_event_revoke_new(baton_ctx *ctx, const char *id, baton_timestamp occurred_at,
                                     const baton_entitlement *entitlement,
                                     const baton_resource *principal, baton_event **out);
/* A resource changed (created, updated, deleted): its id and, optionally, its parent's. */
BATON_API int baton_event_resource_change_new(baton_ctx *ctx, const char *id, baton_timestamp occurred_at,
                                              const baton_resource_id *resource,
                                              const baton_resource_id *parent, baton_event **out);
/* A grant of `entitlement` to `principal` was created (CreateGrantEvent). */
BATON_API int baton_event_create_grant_new(baton_ctx *ctx, const char *id, baton_timestamp occurred_at,
                                           const baton_entitlement *entitlement,
                                           const baton_resource *principal, baton_event **out);
/* A grant of `entitlement` to `principal` was removed (CreateRevokeEvent). */
BATON_API int baton_event_create_revoke_new(baton_ctx *ctx, const char *id, baton_timestamp occurred_at,
                                            const baton_entitlement *entitlement,
                                            const baton_resource *principal, baton_event **out);

/* The event's annotations (Event.annotations). Borrowed from the event. */
BATON_API baton_annotations *baton_event_annotations(baton_event *ev);

/* Reading an event (strings borrowed from it). */
BATON_API const char *baton_event_id(const baton_event *ev);
BATON_API baton_timestamp baton_event_occurred_at(const baton_event *ev);
BATON_API baton_event_kind baton_event_kind_of(const baton_event *ev);
/* The event as compact protojson (what `--event-feed` prints), allocated in ctx. */
BATON_API int baton_event_to_json(baton_event *ev, baton_ctx *ctx, char **json);

/* list_events only: hands one event to the SDK (built with this context). */
BATON_API int baton_ctx_emit_event(baton_ctx *ctx, baton_event *ev);
/*
 * list_events only: the stream state (pagination.StreamState): the cursor to resume from (copied;
 * NULL as "", at most 4096 bytes) and whether more events are available right now. A feed that
 * reports has_more must move its cursor: the SDK stops with an error when a page with has_more
 * returns no events and the cursor it was given.
 */
BATON_API int baton_ctx_set_event_stream(baton_ctx *ctx, const char *cursor, bool has_more);

BATON_END_DECLS

#endif /* BATON_EVENTS_H */
