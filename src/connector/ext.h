/*
 * Internal side of include/baton/events.h, actions.h and tickets.h: the connector's event feeds,
 * custom actions and ticket manager, served the way the Go SDK's builder serves the Event, Action
 * and Tickets RPCs. Each function takes the request message and gives the response message,
 * allocated in `ctx`, so the command-line modes (src/cli/mode_*.c) and a future RPC server share
 * them.
 *
 *   events.c   feeds: registration rules, ListEventFeeds, ListEvents, the event builders
 *   actions.c  actions: registration rules, schemas, invocation on threads, status, arguments
 *   tickets.c  ticket manager: schemas, create (checked against the schema), get, bulk
 *   ext.c      what they share: the per-callback state, KSUIDs, capability bits
 */
#ifndef BATON_CONNECTOR_EXT_H
#define BATON_CONNECTOR_EXT_H

#include "baton/events.h"
#include "baton/actions.h"
#include "baton/tickets.h"
#include "connector/connector.h"
#include "c1/connector/v2/event_feed.pb-c.h"
#include "c1/connector/v2/action.pb-c.h"
#include "c1/connector/v2/ticket.pb-c.h"

/* ---- ext.c ---- */

typedef enum baton__ext_kind {
	BATON__EXT_EVENTS = 1,
	BATON__EXT_ACTION,
	BATON__EXT_TICKET_SCHEMAS,  /* list_schemas: many TicketSchema results */
	BATON__EXT_TICKET_SCHEMA,   /* get_schema */
	BATON__EXT_TICKET,          /* create, get */
	BATON__EXT_TICKET_BULK_CREATE,
	BATON__EXT_TICKET_BULK_GET
} baton__ext_kind;

/*
 * The state of one events / action / ticket callback. It wraps the ordinary call state (userdata,
 * log, page token) and is found through a thread-local pointer while the callback runs, so the
 * baton_ctx_* functions of these headers can check they are used in the right callback.
 */
typedef struct baton__ext_call {
	baton__call call;
	baton_ctx *ctx;
	baton__ext_kind kind;
	/* events */
	C1__Connector__V2__Event **events;   /* malloc'd array of ctx messages */
	size_t n_events, cap_events;
	char *cursor;                        /* ctx */
	bool has_more, stream_set;
	/* actions */
	const char *action_name, *action_rtype;
	void *args;                          /* json_t * (borrowed) */
	char *response;                      /* malloc: the JSON object text */
	/* tickets: parsed results (ctx memory) */
	ProtobufCMessage **results;          /* malloc'd array */
	size_t n_results, cap_results;
} baton__ext_call;

/* Starts a callback of `kind` on ctx (call state as baton__call_begin, page token `token`). */
void baton__ext_begin(baton__ext_call *ec, baton_ctx *ctx, baton__runtime *rt, baton__ext_kind kind,
                      const char *token, uint32_t page_size);
/* Ends it: forgets the thread-local pointer and frees the malloc'd arrays (not ctx memory). */
void baton__ext_end(baton__ext_call *ec);
/* The running callback on this thread if it uses ctx and is of one of the kinds (kinds == 0: any);
 * else NULL with BATON_EPRECONDITION / BATON_EINVALID set naming `fn`. */
baton__ext_call *baton__ext_of(baton_ctx *ctx, const char *fn, unsigned kinds);
#define BATON__EXT_BIT(k) (1u << (k))

struct json_t;
/* The argument `name` of the running action (borrowed from its call) into *out: 0; BATON_ENOTFOUND
 * "required argument NAME is missing or invalid" when absent or null (Go's wording); or the error
 * of baton__ext_of naming `fn` outside an action (actions.c). */
int baton__action_arg(baton_ctx *ctx, const char *fn, const char *name, struct json_t **out);
/* Sets and returns BATON_EINVALID "required argument NAME is missing or invalid" (actions.c). */
int baton__action_arg_invalid(const char *name);

/* After a failed callback: makes sure an error is set (`what` failed) and returns rc. */
int baton__ext_failed(int rc, const char *what);

/* A new KSUID (27 characters of base62, time-ordered) into out[28]. */
int baton__ksuid(char out[28]);

/* Checks the connector's feeds, actions and ticket manager (the registration rules of the Go
 * SDK's NewConnector); `rt` has the built resource types. BATON_EINVALID with a message. */
int baton__connector_ext_check(const baton__runtime *rt);

/* ---- events.c ---- */

int baton__event_feeds_check(const baton__runtime *rt);
int baton__list_event_feeds(baton__runtime *rt, baton_ctx *ctx,
                            C1__Connector__V2__ListEventFeedsResponse **out);
/* ListEvents: cursor <= 4096 bytes, page_size <= 1000; "" feed id = BATON_EVENT_FEED_DEFAULT_ID;
 * unknown feed BATON_ENOTFOUND "error: event feed id X not found". */
int baton__list_events(baton__runtime *rt, baton_ctx *ctx, const C1__Connector__V2__ListEventsRequest *req,
                       C1__Connector__V2__ListEventsResponse **out);

/* ---- actions.c ---- */

int baton__actions_check(const baton__runtime *rt);

typedef struct baton__actions baton__actions;

/* The action manager of a running connector (rt must outlive it). */
int baton__actions_new(baton__runtime *rt, baton__actions **out);
/* Waits for running handlers, then frees everything. NULL is a no-op. */
void baton__actions_free(baton__actions *am);
int baton__actions_list_schemas(baton__actions *am, baton_ctx *ctx,
                                const C1__Connector__V2__ListActionSchemasRequest *req,
                                C1__Connector__V2__ListActionSchemasResponse **out);
/* Global actions only, as the Go SDK. */
int baton__actions_get_schema(baton__actions *am, baton_ctx *ctx,
                              const C1__Connector__V2__GetActionSchemaRequest *req,
                              C1__Connector__V2__GetActionSchemaResponse **out);
int baton__actions_invoke(baton__actions *am, baton_ctx *ctx, const C1__Connector__V2__InvokeActionRequest *req,
                          C1__Connector__V2__InvokeActionResponse **out);
int baton__actions_status(baton__actions *am, baton_ctx *ctx, const C1__Connector__V2__GetActionStatusRequest *req,
                          C1__Connector__V2__GetActionStatusResponse **out);
/* Constraint check over the non-null keys of an args object (json_t *); BATON_EINVALID. */
int baton__action_constraints_check(const baton_action *a, void *args);

/* ---- tickets.c ---- */

int baton__tickets_check(const baton__runtime *rt);
int baton__tickets_list_schemas(baton__runtime *rt, baton_ctx *ctx,
                                const C1__Connector__V2__TicketsServiceListTicketSchemasRequest *req,
                                C1__Connector__V2__TicketsServiceListTicketSchemasResponse **out);
int baton__tickets_get_schema(baton__runtime *rt, baton_ctx *ctx,
                              const C1__Connector__V2__TicketsServiceGetTicketSchemaRequest *req,
                              C1__Connector__V2__TicketsServiceGetTicketSchemaResponse **out);
int baton__tickets_create(baton__runtime *rt, baton_ctx *ctx,
                          const C1__Connector__V2__TicketsServiceCreateTicketRequest *req,
                          C1__Connector__V2__TicketsServiceCreateTicketResponse **out);
int baton__tickets_get(baton__runtime *rt, baton_ctx *ctx,
                       const C1__Connector__V2__TicketsServiceGetTicketRequest *req,
                       C1__Connector__V2__TicketsServiceGetTicketResponse **out);
int baton__tickets_bulk_create(baton__runtime *rt, baton_ctx *ctx,
                               const C1__Connector__V2__TicketsServiceBulkCreateTicketsRequest *req,
                               C1__Connector__V2__TicketsServiceBulkCreateTicketsResponse **out);
int baton__tickets_bulk_get(baton__runtime *rt, baton_ctx *ctx,
                            const C1__Connector__V2__TicketsServiceBulkGetTicketsRequest *req,
                            C1__Connector__V2__TicketsServiceBulkGetTicketsResponse **out);
/* The Go SDK's ValidateTicket, as an error: 0, or BATON_EINVALID with the reason. */
int baton__ticket_validate(const C1__Connector__V2__TicketSchema *schema, const C1__Connector__V2__Ticket *t);

#endif
