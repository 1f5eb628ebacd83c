/* Service mode: the event, action and ticket tasks; see tasks.c for the map of every task. */
#include "service/tasks.h"

#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "baton/entitlement.h"
#include "baton/grant.h"
#include "baton/resource.h"
#include "baton/sync.h"
#include "connector/connector.h"
#include "connector/ext.h"
#include "core/ctx.h"
#include "core/error.h"
#include "core/log.h"
#include "crypto/crypto.h"
#include "proto/protojson.h"
#include "sync/pool.h"
#include "types/types.h"

typedef C1__Connectorapi__Baton__V1__Task task_t;

/* ------------------------------------------------------------------------------------------ */
/* Event feeds                                                                                 */

/* A running connector for one task, its feeds, actions and ticket manager checked first. */
static int open_ext(baton__runtime *rt, const baton_connector *conn)
{
	int rc = baton__runtime_build(rt, conn);
	if (!rc) {
		rc = baton__connector_ext_check(rt);
		baton__runtime_close(rt);
	}
	return rc ? rc : baton__runtime_open(rt, conn);
}

void baton__svc_do_list_event_feeds(baton__svc *s, const task_t *task)
{
	baton__runtime rt;
	baton_ctx ctx;
	baton__ctx_init(&ctx);
	int rc = open_ext(&rt, s->env->connector);
	if (rc) {
		baton__svc_finish_error(s, task, NULL, 0, rc, 0);
		baton__ctx_release(&ctx);
		return;
	}
	C1__Connector__V2__ListEventFeedsResponse *resp = NULL;
	rc = baton__list_event_feeds(&rt, &ctx, &resp);
	if (rc)
		baton__svc_finish_error(s, task, NULL, 0, rc, 0);
	else {
		/* as Go: the list only */
		resp->n_annotations = 0;
		baton__svc_finish(s, task->id, &resp->base, NULL, 0, 0, NULL, false);
	}
	baton__runtime_close(&rt);
	baton__ctx_release(&ctx);
}

void baton__svc_do_list_events(baton__svc *s, const task_t *task)
{
	const C1__Connectorapi__Baton__V1__Task__ListEventsTask *t = task->list_events;
	if (!t) {
		baton_error_set(BATON_EUNKNOWN, "malformed get list event task");
		baton__svc_finish_error(s, task, NULL, 0, BATON_EUNKNOWN, BATON__SVC_FAIL_NON_RETRYABLE);
		return;
	}
	baton__runtime rt;
	baton_ctx ctx;
	baton__ctx_init(&ctx);
	int rc = open_ext(&rt, s->env->connector);
	if (rc) {
		baton__svc_finish_error(s, task, NULL, 0, rc, 0);
		baton__ctx_release(&ctx);
		return;
	}
	C1__Connector__V2__ListEventsRequest req = C1__CONNECTOR__V2__LIST_EVENTS_REQUEST__INIT;
	req.event_feed_id = t->event_feed_id;
	req.start_at = t->start_at;
	req.cursor = t->cursor;
	req.page_size = t->page_size;
	C1__Connector__V2__ListEventsResponse *resp = NULL;
	rc = baton__list_events(&rt, &ctx, &req, &resp);
	if (rc)
		baton__svc_finish_error(s, task, NULL, 0, rc, 0);
	else {
		resp->n_annotations = 0;
		baton__svc_finish(s, task->id, &resp->base, NULL, 0, 0, NULL, false);
	}
	baton__runtime_close(&rt);
	baton__ctx_release(&ctx);
}

/* ------------------------------------------------------------------------------------------ */
/* Actions                                                                                     */

/* The shared action manager, opened at first use. Called with ext_mu held. */
static int actions_of(baton__svc *s, baton__actions **out)
{
	if (!s->actions) {
		baton__runtime *rt = calloc(1, sizeof(*rt));
		if (!rt)
			return baton__error_oom("actions");
		int rc = open_ext(rt, s->env->connector);
		if (rc) {
			free(rt);
			return rc;
		}
		if ((rc = baton__actions_new(rt, &s->actions))) {
			baton__runtime_close(rt);
			free(rt);
			return rc;
		}
		s->ext_rt = rt;
	}
	*out = s->actions;
	return 0;
}

void baton__svc_tasks_cleanup(baton__svc *s)
{
	baton__actions_free(s->actions);
	s->actions = NULL;
	if (s->ext_rt) {
		baton__runtime_close(s->ext_rt);
		free(s->ext_rt);
		s->ext_rt = NULL;
	}
}

void baton__svc_do_action(baton__svc *s, const task_t *task)
{
	baton_ctx ctx;
	baton__ctx_init(&ctx);
	pthread_mutex_lock(&s->ext_mu);
	baton__actions *am = NULL;
	ProtobufCMessage *resp = NULL;
	int rc = 0;
	const char *failed = NULL;
	switch (task->task_type_case) {
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_ACTION_LIST_SCHEMAS: {
		C1__Connector__V2__ListActionSchemasRequest req = C1__CONNECTOR__V2__LIST_ACTION_SCHEMAS_REQUEST__INIT;
		req.annotations = task->action_list_schemas->annotations;
		req.n_annotations = task->action_list_schemas->n_annotations;
		req.resource_type_id = task->action_list_schemas->resource_type_id;
		C1__Connector__V2__ListActionSchemasResponse *r = NULL;
		if (!(rc = actions_of(s, &am)))
			rc = baton__actions_list_schemas(am, &ctx, &req, &r);
		resp = r ? &r->base : NULL;
		break;
	}
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_ACTION_GET_SCHEMA: {
		const C1__Connectorapi__Baton__V1__Task__ActionGetSchemaTask *t = task->action_get_schema;
		if (!t->name || !*t->name) {
			rc = baton_error_set(BATON_EUNKNOWN, "action name required");
			break;
		}
		C1__Connector__V2__GetActionSchemaRequest req = C1__CONNECTOR__V2__GET_ACTION_SCHEMA_REQUEST__INIT;
		req.name = t->name;
		req.annotations = t->annotations;
		req.n_annotations = t->n_annotations;
		C1__Connector__V2__GetActionSchemaResponse *r = NULL;
		if (!(rc = actions_of(s, &am)))
			rc = baton__actions_get_schema(am, &ctx, &req, &r);
		resp = r ? &r->base : NULL;
		break;
	}
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_ACTION_INVOKE: {
		const C1__Connectorapi__Baton__V1__Task__ActionInvokeTask *t = task->action_invoke;
		if (!t->name || !*t->name) {
			rc = baton_error_set(BATON_EUNKNOWN, "action name required");
			break;
		}
		C1__Connector__V2__InvokeActionRequest req = C1__CONNECTOR__V2__INVOKE_ACTION_REQUEST__INIT;
		req.name = t->name;
		req.args = t->args;
		req.annotations = t->annotations;
		req.n_annotations = t->n_annotations;
		req.resource_type_id = t->resource_type_id;
		C1__Connector__V2__InvokeActionResponse *r = NULL;
		if (!(rc = actions_of(s, &am)))
			rc = baton__actions_invoke(am, &ctx, &req, &r);
		resp = r ? &r->base : NULL;
		/* a failed action fails the task, with the response and its "error" field (Go) */
		if (!rc && r->status == C1__CONNECTOR__V2__BATON_ACTION_STATUS__BATON_ACTION_STATUS_FAILED) {
			failed = "action failed";
			for (size_t i = 0; r->response && i < r->response->n_fields; i++) {
				Google__Protobuf__Struct__FieldsEntry *f = r->response->fields[i];
				if (f->key && !strcmp(f->key, "error") && f->value &&
				    f->value->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE)
					failed = f->value->string_value;
			}
		}
		break;
	}
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_ACTION_STATUS: {
		const C1__Connectorapi__Baton__V1__Task__ActionStatusTask *t = task->action_status;
		if (!t->id || !*t->id) {
			rc = baton_error_set(BATON_EUNKNOWN, "action id required");
			break;
		}
		C1__Connector__V2__GetActionStatusRequest req = C1__CONNECTOR__V2__GET_ACTION_STATUS_REQUEST__INIT;
		req.name = t->name;
		req.id = t->id;
		req.annotations = t->annotations;
		req.n_annotations = t->n_annotations;
		C1__Connector__V2__GetActionStatusResponse *r = NULL;
		if (!(rc = actions_of(s, &am)))
			rc = baton__actions_status(am, &ctx, &req, &r);
		resp = r ? &r->base : NULL;
		break;
	}
	default:
		rc = baton_error_set(BATON_EUNKNOWN, "unsupported task type");
		break;
	}
	pthread_mutex_unlock(&s->ext_mu);
	if (rc)
		baton__svc_finish_error(s, task, NULL, 0, rc, 0);
	else if (failed)
		baton__svc_finish(s, task->id, resp, NULL, 0, BATON_EUNKNOWN, failed, false);
	else
		baton__svc_finish(s, task->id, resp, NULL, 0, 0, NULL, false);
	baton__ctx_release(&ctx);
}

/* ------------------------------------------------------------------------------------------ */
/* Tickets                                                                                     */

#define MAX_TICKET_SCHEMAS 100

/* Go's annotations.Merge: each of `add` replaces the entry of its type, or is appended. */
static int merge_annos(baton_ctx *ctx, Google__Protobuf__Any ***annos, size_t *n, Google__Protobuf__Any **add,
                       size_t n_add)
{
	if (!n_add)
		return 0;
	Google__Protobuf__Any **v = baton_ctx_alloc(ctx, (*n + n_add) * sizeof(*v));
	if (!v)
		return baton__error_oom("annotations");
	if (*n)
		memcpy(v, *annos, *n * sizeof(*v));
	size_t k = *n;
	for (size_t i = 0; i < n_add; i++) {
		size_t j = 0;
		while (j < k && strcmp(v[j]->type_url ? v[j]->type_url : "", add[i]->type_url ? add[i]->type_url : ""))
			j++;
		v[j] = add[i];
		if (j == k)
			k++;
	}
	*annos = v;
	*n = k;
	return 0;
}

void baton__svc_do_ticket(baton__svc *s, const task_t *task)
{
	baton__runtime rt;
	baton_ctx ctx;
	baton__ctx_init(&ctx);
	ProtobufCMessage *resp = NULL;
	Google__Protobuf__Any **annos = NULL;
	size_t n_annos = 0;
	bool non_retryable = false, opened = false;
	int rc = 0;
	/* the malformed cases first, as Go */
	switch (task->task_type_case) {
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_CREATE_TICKET_TASK:
		if (!task->create_ticket_task->ticket_request)
			rc = baton_error_set(BATON_EUNKNOWN, "malformed create ticket task");
		break;
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_GET_TICKET:
		if (!task->get_ticket->ticket_id || !*task->get_ticket->ticket_id)
			rc = baton_error_set(BATON_EUNKNOWN, "malformed get ticket task");
		break;
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_BULK_CREATE_TICKETS:
		if (!task->bulk_create_tickets->n_ticket_requests)
			rc = baton_error_set(BATON_EUNKNOWN, "malformed bulk create ticket task");
		break;
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_BULK_GET_TICKETS:
		if (!task->bulk_get_tickets->n_ticket_requests)
			rc = baton_error_set(BATON_EUNKNOWN, "malformed bulk get tickets task");
		break;
	default:
		break;
	}
	bool malformed = rc != 0;
	if (malformed)
		non_retryable = true;
	else if (baton__svc_gated(s, task)) {
		baton__ctx_release(&ctx);
		return;
	} else if (!(rc = open_ext(&rt, s->env->connector)))
		opened = true;
	if (!rc) {
		switch (task->task_type_case) {
		case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_CREATE_TICKET_TASK: {
			const C1__Connectorapi__Baton__V1__Task__CreateTicketTask *t = task->create_ticket_task;
			C1__Connector__V2__TicketsServiceCreateTicketRequest req =
			    C1__CONNECTOR__V2__TICKETS_SERVICE_CREATE_TICKET_REQUEST__INIT;
			req.request = t->ticket_request;
			req.schema = t->ticket_schema;
			req.annotations = t->annotations;
			req.n_annotations = t->n_annotations;
			C1__Connector__V2__TicketsServiceCreateTicketResponse *r = NULL;
			if (!(rc = baton__tickets_create(&rt, &ctx, &req, &r)) &&
			    !(rc = merge_annos(&ctx, &r->annotations, &r->n_annotations, t->annotations, t->n_annotations))) {
				resp = &r->base;
				annos = r->annotations;
				n_annos = r->n_annotations;
			}
			break;
		}
		case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_LIST_TICKET_SCHEMAS: {
			C1__Connector__V2__TicketSchema **all = NULL;
			size_t n_all = 0;
			char *token = (char *)"";
			for (;;) {
				C1__Connector__V2__TicketsServiceListTicketSchemasRequest req =
				    C1__CONNECTOR__V2__TICKETS_SERVICE_LIST_TICKET_SCHEMAS_REQUEST__INIT;
				req.page_token = token;
				C1__Connector__V2__TicketsServiceListTicketSchemasResponse *r = NULL;
				if ((rc = baton__tickets_list_schemas(&rt, &ctx, &req, &r)))
					break;
				C1__Connector__V2__TicketSchema **v = baton_ctx_alloc(&ctx, (n_all + r->n_list + 1) * sizeof(*v));
				if (!v) {
					rc = baton__error_oom("ticket schemas");
					break;
				}
				if (n_all)
					memcpy(v, all, n_all * sizeof(*v));
				if (r->n_list)
					memcpy(v + n_all, r->list, r->n_list * sizeof(*v));
				all = v;
				n_all += r->n_list;
				/* at most 100, as Go */
				if (n_all >= MAX_TICKET_SCHEMAS) {
					n_all = MAX_TICKET_SCHEMAS;
					break;
				}
				if (!r->next_page_token || !*r->next_page_token)
					break;
				token = r->next_page_token;
			}
			if (!rc && n_all == 0)
				rc = baton_error_set(BATON_EUNKNOWN, "connector returned no ticket schemas");
			if (!rc) {
				C1__Connector__V2__TicketsServiceListTicketSchemasResponse *r = baton_ctx_alloc(&ctx, sizeof(*r));
				if (!r) {
					rc = baton__error_oom("ticket schemas");
					break;
				}
				c1__connector__v2__tickets_service_list_ticket_schemas_response__init(r);
				r->list = all;
				r->n_list = n_all;
				resp = &r->base;
			}
			break;
		}
		case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_GET_TICKET: {
			const C1__Connectorapi__Baton__V1__Task__GetTicketTask *t = task->get_ticket;
			C1__Connector__V2__TicketsServiceGetTicketRequest req =
			    C1__CONNECTOR__V2__TICKETS_SERVICE_GET_TICKET_REQUEST__INIT;
			req.id = t->ticket_id;
			C1__Connector__V2__TicketsServiceGetTicketResponse *r = NULL;
			if ((rc = baton__tickets_get(&rt, &ctx, &req, &r)))
				break;
			if (!r->ticket) {
				rc = baton_error_set(BATON_EUNKNOWN, "connector returned empty ticket");
				non_retryable = true;
				break;
			}
			/* the ticket and the merged annotations only */
			r->error = (char *)"";
			r->n_annotations = 0;
			if (!(rc = merge_annos(&ctx, &r->annotations, &r->n_annotations, t->annotations, t->n_annotations))) {
				resp = &r->base;
				annos = r->annotations;
				n_annos = r->n_annotations;
			}
			break;
		}
		case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_BULK_CREATE_TICKETS: {
			const C1__Connectorapi__Baton__V1__Task__BulkCreateTicketsTask *t = task->bulk_create_tickets;
			C1__Connector__V2__TicketsServiceBulkCreateTicketsRequest req =
			    C1__CONNECTOR__V2__TICKETS_SERVICE_BULK_CREATE_TICKETS_REQUEST__INIT;
			C1__Connector__V2__TicketsServiceCreateTicketRequest *items =
			    baton_ctx_alloc(&ctx, t->n_ticket_requests * sizeof(*items));
			C1__Connector__V2__TicketsServiceCreateTicketRequest **ptrs =
			    baton_ctx_alloc(&ctx, t->n_ticket_requests * sizeof(*ptrs));
			if (!items || !ptrs) {
				rc = baton__error_oom("tickets");
				break;
			}
			for (size_t i = 0; i < t->n_ticket_requests; i++) {
				c1__connector__v2__tickets_service_create_ticket_request__init(&items[i]);
				items[i].request = t->ticket_requests[i]->ticket_request;
				items[i].schema = t->ticket_requests[i]->ticket_schema;
				items[i].annotations = t->ticket_requests[i]->annotations;
				items[i].n_annotations = t->ticket_requests[i]->n_annotations;
				ptrs[i] = &items[i];
			}
			req.ticket_requests = ptrs;
			req.n_ticket_requests = t->n_ticket_requests;
			C1__Connector__V2__TicketsServiceBulkCreateTicketsResponse *r = NULL;
			if ((rc = baton__tickets_bulk_create(&rt, &ctx, &req, &r)))
				break;
			if (r->n_tickets != t->n_ticket_requests) {
				rc = baton_error_set(BATON_EUNKNOWN, "connector returned incorrect number of tickets");
				non_retryable = true;
				break;
			}
			resp = &r->base;
			break;
		}
		case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_BULK_GET_TICKETS: {
			const C1__Connectorapi__Baton__V1__Task__BulkGetTicketsTask *t = task->bulk_get_tickets;
			C1__Connector__V2__TicketsServiceBulkGetTicketsRequest req =
			    C1__CONNECTOR__V2__TICKETS_SERVICE_BULK_GET_TICKETS_REQUEST__INIT;
			C1__Connector__V2__TicketsServiceGetTicketRequest *items =
			    baton_ctx_alloc(&ctx, t->n_ticket_requests * sizeof(*items));
			C1__Connector__V2__TicketsServiceGetTicketRequest **ptrs =
			    baton_ctx_alloc(&ctx, t->n_ticket_requests * sizeof(*ptrs));
			if (!items || !ptrs) {
				rc = baton__error_oom("tickets");
				break;
			}
			for (size_t i = 0; i < t->n_ticket_requests; i++) {
				c1__connector__v2__tickets_service_get_ticket_request__init(&items[i]);
				items[i].id = t->ticket_requests[i]->ticket_id;
				items[i].annotations = t->ticket_requests[i]->annotations;
				items[i].n_annotations = t->ticket_requests[i]->n_annotations;
				ptrs[i] = &items[i];
			}
			req.ticket_requests = ptrs;
			req.n_ticket_requests = t->n_ticket_requests;
			C1__Connector__V2__TicketsServiceBulkGetTicketsResponse *r = NULL;
			if ((rc = baton__tickets_bulk_get(&rt, &ctx, &req, &r)))
				break;
			if (r->n_tickets != t->n_ticket_requests) {
				rc = baton_error_set(BATON_EUNKNOWN, "connector returned incorrect number of tickets");
				non_retryable = true;
				break;
			}
			resp = &r->base;
			break;
		}
		default:
			rc = baton_error_set(BATON_EUNKNOWN, "unsupported task type");
			break;
		}
	}
	if (rc) {
		/* Go's CreateTicket handler hands its task's annotations to every failure, GetTicket to
		 * every one past the malformed check */
		Google__Protobuf__Any **err_annos = NULL;
		size_t n_err_annos = 0;
		if (task->task_type_case == C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_CREATE_TICKET_TASK) {
			err_annos = task->create_ticket_task->annotations;
			n_err_annos = task->create_ticket_task->n_annotations;
		} else if (task->task_type_case == C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_GET_TICKET && !malformed) {
			err_annos = task->get_ticket->annotations;
			n_err_annos = task->get_ticket->n_annotations;
		}
		/* the handlers' own errors are the non-retryable ones (no connector status in them) */
		baton__svc_finish_error(s, task, err_annos, n_err_annos, rc, non_retryable ? BATON__SVC_FAIL_NON_RETRYABLE : 0);
	}
	else
		baton__svc_finish(s, task->id, resp, annos, n_annos, 0, NULL, false);
	if (opened)
		baton__runtime_close(&rt);
	baton__ctx_release(&ctx);
}

/* ------------------------------------------------------------------------------------------ */

