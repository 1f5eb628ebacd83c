/*
 * libbaton: ticketing (the Go SDK's TicketManager).
 *
 * A connector that files tickets in an external system sets baton_connector.tickets. Tickets and
 * their schemas travel as protojson text of the c1.connector.v2 messages (TicketSchema, Ticket,
 * the bulk requests and responses): the SDK hands the callback JSON and parses what the callback
 * sets with baton_ctx_ticket_result_json(), rejecting text that is not that message (unknown
 * fields, wrong types) with BATON_EINVALID naming the field.
 *
 * What the SDK does:
 *  - CreateTicket: copies display name, description, status, labels, custom fields and
 *    requested-for of the request into a Ticket (the type is not copied, as in the Go SDK) and
 *    checks it against the schema before calling create: the status must be one of the schema's,
 *    every custom field must be declared by the schema and of the declared kind, required fields
 *    must hold a value, and picked values must be among the allowed ones (BATON_EINVALID
 *    "create ticket request is not valid: ..."). The created ticket must have an id.
 *  - Bulk calls with no items are BATON_EINVALID ("request body had no items").
 *  - Errors are prefixed as the Go SDK prefixes them ("error: creating ticket failed: ...").
 *  - A ticket manager gives the connector CAPABILITY_TICKETING.
 *
 * The command line (ticketing on): `--list-ticket-schemas`; `--create-ticket
 * --ticket-template-path f.json` with {schema_id, status_id, display_name, description, labels,
 * custom_fields, requested_for_id}; `--bulk-create-ticket --bulk-ticket-template-path f.json`
 * with {"tickets": [...]}; `--get-ticket --ticket-id ID`. Results are logged at info level.
 */
#ifndef BATON_TICKETS_H
#define BATON_TICKETS_H

#include "common.h"
#include "ctx.h"

BATON_BEGIN_DECLS

#define BATON_TICKET_MANAGER_VERSION 1

typedef struct baton_ticket_manager {
	unsigned int version; /* BATON_TICKET_MANAGER_VERSION */

	/*
	 * Required. One page of ticket schemas: set each TicketSchema with
	 * baton_ctx_ticket_result_json() (once per schema) and the next page's token with
	 * baton_ctx_set_next_page() (baton_ctx_page_token() is this page's; baton_ctx_page_size()
	 * the caller's page size, 0 for the connector's choice).
	 */
	int (*list_schemas)(baton_ctx *ctx);
	/* Required. One TicketSchema by id (BATON_ENOTFOUND when there is none). */
	int (*get_schema)(baton_ctx *ctx, const char *schema_id);
	/*
	 * Required. Creates a ticket from `ticket_json` (a Ticket without id, already checked against
	 * `schema_json`, a TicketSchema) and sets the created Ticket.
	 */
	int (*create)(baton_ctx *ctx, const char *ticket_json, const char *schema_json);
	/* Required. Sets the Ticket with that id (BATON_ENOTFOUND when there is none). */
	int (*get)(baton_ctx *ctx, const char *ticket_id);
	/*
	 * Optional. TicketsServiceBulkCreateTicketsRequest in, ...Response set.
	 * NULL: the SDK creates the tickets one at a time through create (each checked against its
	 * schema; a failed one is reported in its response's `error` and the others go on).
	 */
	int (*bulk_create)(baton_ctx *ctx, const char *request_json);
	/* Optional. TicketsServiceBulkGetTicketsRequest in, ...Response set. NULL: one get per item,
	 * failures reported in `error`. */
	int (*bulk_get)(baton_ctx *ctx, const char *request_json);

	/* The builder's WithTicketingEnabled(): the metadata advertises
	 * ExternalTicketSettings{enabled: true}. */
	bool enabled;
} baton_ticket_manager;

/*
 * Inside a ticket callback: sets the result, a protojson text of the message the callback
 * produces (see above). Copied and parsed at once; BATON_EINVALID when it is not that message.
 * list_schemas may call it once per schema; the others once (a second call replaces the first).
 */
BATON_API int baton_ctx_ticket_result_json(baton_ctx *ctx, const char *json);

BATON_END_DECLS

#endif /* BATON_TICKETS_H */
