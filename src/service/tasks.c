/*
 * Service mode's task handlers (tasks.h), one per task type, each mapped onto what libbaton does
 * for the one-shot modes:
 *   Hello        a Hello carrying the task id (not finished, as Go's handler does not finish it)
 *   SyncFull     baton_sync into "<tmp>/baton-sync-<task id>.c1z" with heartbeats, then
 *                UploadAsset and FinishTask; a failed or cancelled sync keeps its "<c1z>.wip/"
 *                so the same task, issued again, resumes from its checkpoint
 *   Grant        the principal's resource type's grant callback; GrantManagerServiceGrantResponse
 *   Revoke       the revoke callback; GrantManagerServiceRevokeResponse
 *   CreateResource / DeleteResource   the type's create_resource / delete_resource callback;
 *                CreateResourceResponse / DeleteResourceResponse
 *   CreateAccount / RotateCredentials   the account manager / the type's rotate callback; the
 *                secrets they emit are encrypted for each EncryptionConfig (baton/jwk/v1: an
 *                Ed25519 JWK as an ssh-ed25519 age recipient, the file base64 encoded;
 *                baton/age/v1: an age1 recipient) and the plaintexts wiped
 *   IssueCredential   the identity type's issue_credential (tasks_issue.c); IssueCredentialResponse
 *   ListEventFeeds / ListEvents   the connector's feeds; ListEventFeeds / ListEventsResponse
 *   Action*      list schemas, get schema, invoke, status on one action manager kept for the
 *                process (an invocation's status is asked in a later task)
 *   tickets      CreateTicket, ListTicketSchemas (all pages, at most 100), GetTicket, BulkCreate,
 *                BulkGet on the connector's ticket manager, checked as Go's handlers check
 *   anything else: FinishTask UNKNOWN "unsupported task type", as Go's manager does
 * A failure finishes the task as Go's handlers and task manager do (baton__svc_finish_error): the
 * provisioning, credential and event-list handlers and the tickets' own checks join Go's
 * ErrTaskNonRetryable ("rpc error: code = X desc = M\ntask failed and is non-retryable", or
 * "malformed … task\ntask failed and is non-retryable"); sync, action and other connector errors
 * stay retryable with the status's own message. A sync is non-retryable in Go only for its
 * ingest-invariant verdicts, checks libbaton's sync does not make: every sync failure is
 * retryable. The loop goes on.
 */
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

const char *baton__svc_task_type_name(const task_t *task)
{
	switch (task->task_type_case) {
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_NONE: return "none";
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_HELLO: return "hello";
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_SYNC_FULL: return "sync_full";
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_GRANT: return "grant";
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_REVOKE: return "revoke";
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_CREATE_ACCOUNT: return "create_account";
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_CREATE_RESOURCE: return "create_resource";
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_DELETE_RESOURCE: return "delete_resource";
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_ROTATE_CREDENTIALS: return "rotate_credentials";
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_EVENT_FEED: return "event_feed";
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_ACTION_LIST_SCHEMAS: return "action_list_schemas";
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_ACTION_GET_SCHEMA: return "action_get_schema";
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_ACTION_INVOKE: return "action_invoke";
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_ACTION_STATUS: return "action_status";
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_CREATE_TICKET_TASK: return "create_ticket";
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_LIST_TICKET_SCHEMAS: return "list_ticket_schemas";
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_GET_TICKET: return "get_ticket";
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_BULK_CREATE_TICKETS: return "bulk_create_tickets";
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_BULK_GET_TICKETS: return "bulk_get_tickets";
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_LIST_EVENT_FEEDS: return "list_event_feeds";
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_LIST_EVENTS: return "list_events";
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_ISSUE_CREDENTIAL: return "issue_credential";
	default: return "unknown";
	}
}

char *baton__svc_fail_message(int rc, const char *message, unsigned how)
{
	const char *code = (how & BATON__SVC_FAIL_STATUS) ? baton_error_code_name(rc) : NULL;
	size_t n = strlen(message) + (code ? strlen(code) + 32 : 0) + sizeof(BATON__SVC_NON_RETRYABLE);
	char *m = malloc(n);
	if (!m)
		return NULL;
	if (!(how & BATON__SVC_FAIL_NON_RETRYABLE))
		snprintf(m, n, "%s", message);  /* Go's status.FromError: the status's own message */
	else if (code)
		snprintf(m, n, "rpc error: code = %s desc = %s" BATON__SVC_NON_RETRYABLE, code, message);
	else
		snprintf(m, n, "%s" BATON__SVC_NON_RETRYABLE, message);
	return m;
}

int baton__svc_finish_error(baton__svc *s, const task_t *task, Google__Protobuf__Any **annos, size_t n_annos, int rc,
                            unsigned how)
{
	const baton_error *e = baton_error_last();
	if (rc >= 0)
		rc = BATON_EUNKNOWN;
	const char *msg = e->message[0] ? e->message : "unknown error";
	char *m = baton__svc_fail_message(rc, msg, how);
	int r = baton__svc_finish(s, task->id, NULL, annos, n_annos, rc, m ? m : msg,
	                          (how & BATON__SVC_FAIL_NON_RETRYABLE) != 0);
	free(m);
	return r;
}

int baton__svc_wrap_status(int rc, const char *outer)
{
	const char *m = baton_error_last()->message;
	if (rc >= 0)
		rc = BATON_EUNKNOWN;
	if (rc == BATON_EUNKNOWN)
		return baton_error_set(rc, "%s: %s", outer, m);
	return baton_error_set(rc, "%s: rpc error: code = %s desc = %s", outer, baton_error_code_name(rc), m);
}

bool baton__svc_gated(baton__svc *s, const task_t *task)
{
	if (task->task_type_case == C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_CREATE_TICKET_TASK ||
	    task->task_type_case == C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_LIST_TICKET_SCHEMAS ||
	    task->task_type_case == C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_GET_TICKET ||
	    task->task_type_case == C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_BULK_CREATE_TICKETS ||
	    task->task_type_case == C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_BULK_GET_TICKETS) {
		if (baton__cli_bool(s->env->cli, "ticketing"))
			return false;
		/* the noop ticketing's plain error: Unknown, its own message, retryable */
		baton_error_set(BATON_EUNKNOWN, "ticketing is not enabled");
		baton__svc_finish_error(s, task, NULL, 0, BATON_EUNKNOWN, 0);
		return true;
	}
	if (baton__cli_bool(s->env->cli, "provisioning"))
		return false;
	/* the noop provisioner's status, joined with ErrTaskNonRetryable by every provisioning handler */
	baton_error_set(BATON_EPRECONDITION, "provisioning is not enabled");
	baton__svc_finish_error(s, task, NULL, 0, BATON_EPRECONDITION, BATON__SVC_FAIL_STATUS | BATON__SVC_FAIL_NON_RETRYABLE);
	return true;
}

/* ------------------------------------------------------------------------------------------ */
/* SyncFull                                                                                    */

/* One sync task's stop: its heartbeat's cancel, or the service stopping. Sync tasks run at once
 * (--task-concurrency), each on its own file; cancelling one leaves the others running. */
typedef struct sync_run {
	atomic_bool cancel;
} sync_run;

static void sync_cancel(void *arg)
{
	sync_run *r = arg;
	atomic_store(&r->cancel, true);
}

/* baton_sync_options.should_stop: polled by the sync's threads */
static int sync_should_stop(void *arg)
{
	sync_run *r = arg;
	return atomic_load(&r->cancel) || baton__svc_stopping();
}

/* "type/id", or "parentType/parentId/type/id" (baton_sync_options.sync_resources). */
static char *target_ref(const C1__Connector__V2__Resource *r)
{
	if (!r || !r->id || !r->id->resource_type || !r->id->resource)
		return NULL;
	const C1__Connector__V2__ResourceId *p = r->parent_resource_id;
	size_t n = strlen(r->id->resource_type) + strlen(r->id->resource) + 4 +
	           (p && p->resource_type && p->resource ? strlen(p->resource_type) + strlen(p->resource) : 0);
	char *s = malloc(n);
	if (!s)
		return NULL;
	if (p && p->resource_type && *p->resource_type && p->resource && *p->resource)
		snprintf(s, n, "%s/%s/%s/%s", p->resource_type, p->resource, r->id->resource_type, r->id->resource);
	else
		snprintf(s, n, "%s/%s", r->id->resource_type, r->id->resource);
	return s;
}

static int run_sync(baton__svc *s, const task_t *task, const char *path, sync_run *run)
{
	const C1__Connectorapi__Baton__V1__Task__SyncFullTask *t = task->sync_full;
	baton__cli *cli = s->env->cli;
	baton_sync_options o = BATON_SYNC_OPTIONS_INIT;
	o.c1z_path = path;
	o.skip_entitlements_and_grants = t->skip_entitlements_and_grants;
	o.skip_grants = t->skip_grants;
	o.skip_grant_expansion = t->skip_expand_grants;
	/* the task's types, else the flags' */
	const char *const *flag_types;
	size_t n_flag_types = baton__cli_list(cli, "sync-resource-types", &flag_types);
	if (t->n_sync_resource_type_ids) {
		o.sync_resource_types = (const char *const *)t->sync_resource_type_ids;
		o.n_sync_resource_types = t->n_sync_resource_type_ids;
	} else {
		o.sync_resource_types = flag_types;
		o.n_sync_resource_types = n_flag_types;
	}
	/* the task's targets and the flags' */
	const char *const *flag_res;
	size_t n_flag_res = baton__cli_list(cli, "sync-resources", &flag_res);
	size_t n_refs = t->n_targeted_sync_resources + n_flag_res;
	char **refs = n_refs ? calloc(n_refs, sizeof(*refs)) : NULL;
	int rc = 0;
	if (n_refs && !refs)
		return baton__error_oom("sync task");
	for (size_t i = 0; i < t->n_targeted_sync_resources && !rc; i++)
		if (!(refs[i] = target_ref(t->targeted_sync_resources[i])))
			rc = baton_error_set(BATON_EINVALID, "targeted sync resource %zu has no id", i);
	for (size_t i = 0; i < n_flag_res && !rc; i++)
		if (!(refs[t->n_targeted_sync_resources + i] = strdup(flag_res[i])))
			rc = baton__error_oom("sync task");
	o.sync_resources = (const char *const *)refs;
	o.n_sync_resources = n_refs;
	int64_t workers = baton__cli_int(cli, "workers");
	if (baton__cli_bool(cli, "parallel-sync") && !workers)
		workers = -1;
	o.workers = workers < 0 ? -1 : workers > 64 ? 64 : (int)workers;
	/* external resources, as upstream's full sync task: the flags' (checked at start) */
	baton_trait traits[16];
	if (!rc)
		rc = baton__cli_external_options(cli, &o, traits, 16);
	if (!rc) {
		o.should_stop = sync_should_stop;
		o.stop_user = run;
		if (baton__svc_stopping())
			rc = baton_error_set(BATON_ECANCELLED, "the service is stopping");
		else if (atomic_load(&run->cancel))
			rc = baton_error_set(BATON_ECANCELLED, "task was cancelled");
		else {
			baton_sync_summary sum;
			rc = baton_sync(s->env->connector, &o, &sum);
			if (!rc) {
				char n[4][24];
				snprintf(n[0], sizeof(n[0]), "%llu", (unsigned long long)sum.resources);
				snprintf(n[1], sizeof(n[1]), "%llu", (unsigned long long)sum.entitlements);
				snprintf(n[2], sizeof(n[2]), "%llu", (unsigned long long)sum.grants);
				snprintf(n[3], sizeof(n[3]), "%s", sum.resumed ? "true" : "false");
				baton__log(BATON_LOG_INFO, "service: sync finished", "task_id", task->id, "sync_id", sum.sync_id,
				           "resources", n[0], "entitlements", n[1], "grants", n[2], "resumed", n[3], NULL);
			}
		}
	}
	for (size_t i = 0; i < n_refs; i++)
		free(refs[i]);
	free(refs);
	return rc;
}

static void do_sync(baton__svc *s, const task_t *task)
{
	const C1__Connectorapi__Baton__V1__Task__SyncFullTask *t = task->sync_full;
	if (t->storage_engine && !strcmp(t->storage_engine, "pebble"))
		baton__log(BATON_LOG_INFO, "service: the task asks for the pebble storage engine; libbaton writes the "
		           "c1z with sqlite (v1)", "task_id", task->id, NULL);
	/* the task id names the file, so a re-issued task finds its checkpoint */
	char id[64];
	size_t k = 0;
	for (const char *p = task->id; *p && k < sizeof(id) - 1; p++)
		id[k++] = ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')) ? *p : '_';
	id[k] = '\0';
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/baton-sync-%s.c1z", s->tmp_dir, id);

	sync_run run;
	atomic_init(&run.cancel, false);
	baton__svc_heartbeat hb;
	if (baton__svc_heartbeat_start(&hb, s, task->id, sync_cancel, &run)) {
		/* as Go: a task whose first heartbeat fails is left to the server */
		baton__log(BATON_LOG_ERROR, "service: failed to heartbeat task", "task_id", task->id, "error",
		           baton_error_last()->message, NULL);
		return;
	}
	int rc = run_sync(s, task, path, &run);
	bool synced = rc == 0;
	/* as Go's handler, the task heartbeats until its result is sent, through the upload (a big
	 * c1z on a slow link takes minutes; without heartbeats the platform would take the task for
	 * lost), and a cancel or too many failed heartbeats give the upload up */
	if (synced)
		rc = baton__svc_upload(&s->conn, task->id, path, &run.cancel);
	baton__svc_heartbeat_stop(&hb);
	if (rc) {
		bool cancelled = atomic_load(&hb.cancelled), hb_failed = atomic_load(&hb.failed);
		if ((cancelled || hb_failed) && (rc == BATON_ECANCELLED || synced)) {
			rc = BATON_ECANCELLED;
			baton_error_set(rc, cancelled ? "task was cancelled" : "task failed heartbeat");
		}
		baton__svc_finish_error(s, task, NULL, 0, rc, 0);
	} else {
		baton__svc_finish(s, task->id, NULL, NULL, 0, 0, NULL, false);
	}
	/* a finished sync leaves no working copy: the uploaded file is all there is (uploaded or
	 * not: a re-issued task syncs again) */
	if (synced)
		unlink(path);
}

void baton__svc_process(baton__svc *s, C1__Connectorapi__Baton__V1__Task *task)
{
	baton__log(BATON_LOG_INFO, "service: processing task", "task_id", task->id, "task_type",
	           baton__svc_task_type_name(task), NULL);
	switch (task->task_type_case) {
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_HELLO:
		if (baton__svc_hello(s, task->id))
			baton__log(BATON_LOG_ERROR, "service: failed while sending hello", "task_id", task->id, "error",
			           baton_error_last()->message, NULL);
		return;
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_SYNC_FULL:
		do_sync(s, task);
		return;
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_GRANT:
		baton__svc_do_grant(s, task);
		return;
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_REVOKE:
		baton__svc_do_revoke(s, task);
		return;
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_CREATE_RESOURCE:
		baton__svc_do_create_resource(s, task);
		return;
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_CREATE_ACCOUNT:
		baton__svc_do_create_account(s, task);
		return;
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_ROTATE_CREDENTIALS:
		baton__svc_do_rotate(s, task);
		return;
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_DELETE_RESOURCE:
		baton__svc_do_delete_resource(s, task);
		return;
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_ISSUE_CREDENTIAL:
		baton__svc_do_issue_credential(s, task);
		return;
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_CREATE_TICKET_TASK:
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_LIST_TICKET_SCHEMAS:
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_GET_TICKET:
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_BULK_CREATE_TICKETS:
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_BULK_GET_TICKETS:
		baton__svc_do_ticket(s, task);
		return;
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_LIST_EVENT_FEEDS:
		baton__svc_do_list_event_feeds(s, task);
		return;
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_LIST_EVENTS:
		baton__svc_do_list_events(s, task);
		return;
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_ACTION_LIST_SCHEMAS:
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_ACTION_GET_SCHEMA:
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_ACTION_INVOKE:
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_ACTION_STATUS:
		baton__svc_do_action(s, task);
		return;
	default:
		baton__svc_finish(s, task->id, NULL, NULL, 0, BATON_EUNKNOWN, "unsupported task type", false);
		return;
	}
}

