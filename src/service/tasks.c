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
 *   ListEventFeeds / ListEvents   the connector's feeds; ListEventFeeds / ListEventsResponse
 *   Action*      list schemas, get schema, invoke, status on one action manager kept for the
 *                process (an invocation's status is asked in a later task)
 *   tickets      CreateTicket, ListTicketSchemas (all pages, at most 100), GetTicket, BulkCreate,
 *                BulkGet on the connector's ticket manager, checked as Go's handlers check
 *   anything else: FinishTask UNKNOWN "unsupported task type", as Go's manager does
 * A connector error finishes the task with its code and message (Grant / Revoke as non-retryable,
 * as Go) and the loop goes on.
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
	default: return "unknown";
	}
}

static int finish_error(baton__svc *s, const task_t *task, int rc, bool non_retryable)
{
	const baton_error *e = baton_error_last();
	return baton__svc_finish(s, task->id, NULL, NULL, 0, rc < 0 ? rc : BATON_EUNKNOWN,
	                         e->message[0] ? e->message : "unknown error", non_retryable);
}

/* ------------------------------------------------------------------------------------------ */
/* SyncFull                                                                                    */

typedef struct sync_run {
	atomic_bool syncing;
	atomic_bool cancel;
} sync_run;

static void sync_cancel(void *arg)
{
	sync_run *r = arg;
	atomic_store(&r->cancel, true);
	if (atomic_load(&r->syncing))
		baton_sync_request_stop();
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
	if (!rc) {
		pthread_mutex_lock(&s->sync_mu);
		baton__sync_stop_clear();
		atomic_store(&run->syncing, true);
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
		atomic_store(&run->syncing, false);
		pthread_mutex_unlock(&s->sync_mu);
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
	atomic_init(&run.syncing, false);
	atomic_init(&run.cancel, false);
	baton__svc_heartbeat hb;
	if (baton__svc_heartbeat_start(&hb, s, task->id, sync_cancel, &run)) {
		/* as Go: a task whose first heartbeat fails is left to the server */
		baton__log(BATON_LOG_ERROR, "service: failed to heartbeat task", "task_id", task->id, "error",
		           baton_error_last()->message, NULL);
		return;
	}
	int rc = run_sync(s, task, path, &run);
	baton__svc_heartbeat_stop(&hb);
	if (rc) {
		bool hb_failed = atomic_load(&hb.failed);
		if (rc == BATON_ECANCELLED && atomic_load(&hb.cancelled))
			baton_error_set(rc, "task was cancelled");
		else if (rc == BATON_ECANCELLED && hb_failed)
			baton_error_set(rc, "task failed heartbeat");
		finish_error(s, task, rc, false);
		return;
	}
	rc = baton__svc_upload(&s->conn, task->id, path);
	if (rc)
		finish_error(s, task, rc, false);
	else
		baton__svc_finish(s, task->id, NULL, NULL, 0, 0, NULL, false);
	/* a finished sync leaves no working copy: the uploaded file is all there is */
	unlink(path);
}

/* ------------------------------------------------------------------------------------------ */
/* Grant and revoke                                                                            */

typedef struct prov {
	baton__runtime rt;
	bool rt_open;
	baton_ctx data, cctx;
	baton__call call;
} prov;

static void prov_init(prov *p)
{
	memset(p, 0, sizeof(*p));
	baton__ctx_init(&p->data);
	baton__ctx_init(&p->cctx);
}

static void prov_free(prov *p)
{
	baton__call_free(&p->call);
	if (p->rt_open)
		baton__runtime_close(&p->rt);
	baton__ctx_release(&p->cctx);
	baton__ctx_release(&p->data);
}

/* Re-reads a task's message as the SDK's own object (packed, then unpacked in ctx). */
static int repack(baton_ctx *ctx, const ProtobufCMessage *m, uint8_t **buf, size_t *len)
{
	*len = protobuf_c_message_get_packed_size(m);
	*buf = malloc(*len ? *len : 1);
	if (!*buf)
		return baton__error_oom("task");
	protobuf_c_message_pack(m, *buf);
	(void)ctx;
	return 0;
}

static int unpack_entitlement(baton_ctx *ctx, const C1__Connector__V2__Entitlement *m, baton_entitlement **out)
{
	uint8_t *b;
	size_t n;
	int rc = repack(ctx, &m->base, &b, &n);
	if (!rc)
		rc = baton_entitlement_unpack(ctx, b, n, out);
	free(b);
	return rc;
}

static int unpack_resource(baton_ctx *ctx, const C1__Connector__V2__Resource *m, baton_resource **out)
{
	uint8_t *b;
	size_t n;
	int rc = repack(ctx, &m->base, &b, &n);
	if (!rc)
		rc = baton_resource_unpack(ctx, b, n, out);
	free(b);
	return rc;
}

static int unpack_grant(baton_ctx *ctx, const C1__Connector__V2__Grant *m, baton_grant **out)
{
	uint8_t *b;
	size_t n;
	int rc = repack(ctx, &m->base, &b, &n);
	if (!rc)
		rc = baton_grant_unpack(ctx, b, n, out);
	free(b);
	return rc;
}

/* Which callback a task needs of its resource type. */
static bool has_callback(const baton_resource_syncer *s, baton__call_kind kind)
{
	switch (kind) {
	case BATON__CALL_GRANT: return s->grant != NULL;
	case BATON__CALL_REVOKE: return s->revoke != NULL;
	case BATON__CALL_CREATE_RESOURCE: return s->create_resource != NULL;
	case BATON__CALL_DELETE_RESOURCE: return s->delete_resource != NULL;
	case BATON__CALL_ROTATE: return s->rotate_credentials != NULL;
	default: return false;
	}
}

static int provisioner(prov *p, const baton_connector *conn, baton__call_kind kind, const char *op, const char *type,
                       const baton__rtype **out)
{
	int rc = baton__runtime_open(&p->rt, conn);
	if (rc)
		return rc;
	p->rt_open = true;
	*out = baton__runtime_find(&p->rt, type);
	if (!*out || !has_callback((*out)->syncer, kind)) {
		const char *what = kind == BATON__CALL_CREATE_RESOURCE   ? "resource Create()"
		                   : kind == BATON__CALL_DELETE_RESOURCE ? "resource Delete()"
		                   : kind == BATON__CALL_ROTATE          ? "credential manager"
		                                                         : "provisioner";
		return baton_error_set(BATON_EUNIMPLEMENTED, "%s: resource type %s does not have %s configured", op, type,
		                       what);
	}
	return 0;
}

/* A connector's failure as an error with a message. */
static int connector_failed(int rc, const char *op)
{
	if (rc > 0 || baton_error_last()->code == BATON_OK)
		baton_error_set(rc < 0 ? rc : BATON_EUNKNOWN, "the connector failed without a message");
	if (rc > 0)
		rc = BATON_EUNKNOWN;
	baton__error_prefix("%s failed", op);
	return rc;
}

static void do_grant(baton__svc *s, const task_t *task)
{
	const C1__Connectorapi__Baton__V1__Task__GrantTask *g = task->grant;
	if (!g || !g->entitlement || !g->principal || !g->entitlement->resource || !g->entitlement->resource->id) {
		baton_error_set(BATON_EUNKNOWN, "malformed grant task");
		finish_error(s, task, BATON_EUNKNOWN, true);
		return;
	}
	prov p;
	prov_init(&p);
	baton_entitlement *ent = NULL;
	baton_resource *principal = NULL;
	const baton__rtype *t = NULL;
	int rc = unpack_entitlement(&p.data, g->entitlement, &ent);
	if (!rc)
		rc = unpack_resource(&p.data, g->principal, &principal);
	if (!rc)
		rc = provisioner(&p, s->env->connector, BATON__CALL_GRANT, "grant", g->entitlement->resource->id->resource_type, &t);
	if (rc) {
		finish_error(s, task, rc, true);
		prov_free(&p);
		return;
	}
	baton__call_begin(&p.call, &p.cctx, &p.rt, BATON__CALL_GRANT, t->rt, "");
	baton_error_clear();
	rc = t->syncer->grant(&p.cctx, principal, ent);
	if (rc) {
		rc = connector_failed(rc, "grant");
		finish_error(s, task, rc, true);
	} else {
		C1__Connector__V2__GrantManagerServiceGrantResponse resp = C1__CONNECTOR__V2__GRANT_MANAGER_SERVICE_GRANT_RESPONSE__INIT;
		C1__Connector__V2__Grant **grants = p.call.n_items ? calloc(p.call.n_items, sizeof(*grants)) : NULL;
		size_t n = 0;
		for (size_t i = 0; grants && i < p.call.n_items; i++) {
			baton_grant *bg = p.call.items[i];
			const uint8_t *d;
			size_t len;
			/* packing brings the message up to date with the object */
			if (baton_grant_pack(bg, &p.cctx, &d, &len) == 0)
				grants[n++] = bg->msg;
		}
		resp.grants = grants;
		resp.n_grants = n;
		resp.annotations = p.call.annos;
		resp.n_annotations = p.call.n_annos;
		char nb[24];
		snprintf(nb, sizeof(nb), "%zu", n);
		baton__log(BATON_LOG_INFO, "service: granted", "task_id", task->id, "#grants", nb, NULL);
		baton__svc_finish(s, task->id, &resp.base, p.call.annos, p.call.n_annos, 0, NULL, false);
		free(grants);
	}
	baton__call_end(&p.call, &p.cctx);
	prov_free(&p);
}

static void do_revoke(baton__svc *s, const task_t *task)
{
	const C1__Connectorapi__Baton__V1__Task__RevokeTask *r = task->revoke;
	const C1__Connector__V2__Grant *gm = r ? r->grant : NULL;
	if (!gm || !gm->entitlement || !gm->entitlement->resource || !gm->entitlement->resource->id) {
		baton_error_set(BATON_EUNKNOWN, "invalid task type");
		finish_error(s, task, BATON_EUNKNOWN, true);
		return;
	}
	prov p;
	prov_init(&p);
	baton_grant *g = NULL;
	const baton__rtype *t = NULL;
	int rc = unpack_grant(&p.data, gm, &g);
	if (!rc)
		rc = provisioner(&p, s->env->connector, BATON__CALL_REVOKE, "revoke", gm->entitlement->resource->id->resource_type, &t);
	if (rc) {
		finish_error(s, task, rc, true);
		prov_free(&p);
		return;
	}
	baton__call_begin(&p.call, &p.cctx, &p.rt, BATON__CALL_REVOKE, t->rt, "");
	baton_error_clear();
	rc = t->syncer->revoke(&p.cctx, g);
	if (rc) {
		rc = connector_failed(rc, "revoke");
		finish_error(s, task, rc, true);
	} else {
		C1__Connector__V2__GrantManagerServiceRevokeResponse resp =
		    C1__CONNECTOR__V2__GRANT_MANAGER_SERVICE_REVOKE_RESPONSE__INIT;
		resp.annotations = p.call.annos;
		resp.n_annotations = p.call.n_annos;
		baton__log(BATON_LOG_INFO, "service: revoked", "task_id", task->id, "grant_id", gm->id ? gm->id : "", NULL);
		baton__svc_finish(s, task->id, &resp.base, p.call.annos, p.call.n_annos, 0, NULL, false);
	}
	baton__call_end(&p.call, &p.cctx);
	prov_free(&p);
}

/* ------------------------------------------------------------------------------------------ */
/* Create and delete resource                                                                  */

static void do_create_resource(baton__svc *s, const task_t *task)
{
	const C1__Connectorapi__Baton__V1__Task__CreateResourceTask *c = task->create_resource;
	if (!c || !c->resource || !c->resource->id || !c->resource->id->resource_type) {
		baton_error_set(BATON_EUNKNOWN, "malformed create resource task");
		finish_error(s, task, BATON_EUNKNOWN, true);
		return;
	}
	prov p;
	prov_init(&p);
	baton_resource *r = NULL;
	const baton__rtype *t = NULL;
	int rc = unpack_resource(&p.data, c->resource, &r);
	if (!rc)
		rc = provisioner(&p, s->env->connector, BATON__CALL_CREATE_RESOURCE, "create resource",
		                 c->resource->id->resource_type, &t);
	if (rc) {
		finish_error(s, task, rc, true);
		prov_free(&p);
		return;
	}
	baton__call_begin(&p.call, &p.cctx, &p.rt, BATON__CALL_CREATE_RESOURCE, t->rt, "");
	baton_error_clear();
	rc = t->syncer->create_resource(&p.cctx, r);
	if (rc) {
		rc = connector_failed(rc, "create resource");
		finish_error(s, task, rc, true);
	} else {
		C1__Connector__V2__CreateResourceResponse resp = C1__CONNECTOR__V2__CREATE_RESOURCE_RESPONSE__INIT;
		if (p.call.n_items) {
			baton_resource *created = p.call.items[0];
			const uint8_t *d;
			size_t len;
			if (baton_resource_pack(created, &p.cctx, &d, &len) == 0)
				resp.created = created->msg;
		}
		resp.annotations = p.call.annos;
		resp.n_annotations = p.call.n_annos;
		baton__log(BATON_LOG_INFO, "service: resource created", "task_id", task->id, NULL);
		baton__svc_finish(s, task->id, &resp.base, p.call.annos, p.call.n_annos, 0, NULL, false);
	}
	baton__call_end(&p.call, &p.cctx);
	prov_free(&p);
}

static void do_delete_resource(baton__svc *s, const task_t *task)
{
	const C1__Connectorapi__Baton__V1__Task__DeleteResourceTask *d = task->delete_resource;
	const C1__Connector__V2__ResourceId *id = d ? d->resource_id : NULL;
	if (!id || !id->resource || !*id->resource || !id->resource_type || !*id->resource_type) {
		baton_error_set(BATON_EUNKNOWN, "malformed delete resource task");
		finish_error(s, task, BATON_EUNKNOWN, true);
		return;
	}
	prov p;
	prov_init(&p);
	const baton__rtype *t = NULL;
	int rc = provisioner(&p, s->env->connector, BATON__CALL_DELETE_RESOURCE, "delete resource", id->resource_type, &t);
	if (rc) {
		finish_error(s, task, rc, true);
		prov_free(&p);
		return;
	}
	baton_resource_id rid = {id->resource_type, id->resource}, parent = {"", ""};
	const C1__Connector__V2__ResourceId *pid = d->parent_resource_id;
	bool has_parent = pid && pid->resource_type && *pid->resource_type && pid->resource && *pid->resource;
	if (has_parent) {
		parent.resource_type = pid->resource_type;
		parent.resource = pid->resource;
	}
	baton__call_begin(&p.call, &p.cctx, &p.rt, BATON__CALL_DELETE_RESOURCE, t->rt, "");
	baton_error_clear();
	rc = t->syncer->delete_resource(&p.cctx, &rid, has_parent ? &parent : NULL);
	if (rc) {
		rc = connector_failed(rc, "delete resource");
		finish_error(s, task, rc, true);
	} else {
		C1__Connector__V2__DeleteResourceResponse resp = C1__CONNECTOR__V2__DELETE_RESOURCE_RESPONSE__INIT;
		resp.annotations = p.call.annos;
		resp.n_annotations = p.call.n_annos;
		baton__log(BATON_LOG_INFO, "service: resource deleted", "task_id", task->id, "resource_type",
		           rid.resource_type, "resource_id", rid.resource, NULL);
		baton__svc_finish(s, task->id, &resp.base, p.call.annos, p.call.n_annos, 0, NULL, false);
	}
	baton__call_end(&p.call, &p.cctx);
	prov_free(&p);
}

/* ------------------------------------------------------------------------------------------ */
/* Create account and rotate credentials: the secrets, encrypted as the Go SDK's providers do   */

/* The task's CredentialOptions as the callbacks' (Go's ConvertCredentialOptions); constraints
 * in ctx. An encrypted password would need the platform's key exchange: refused. */
static int credential_options(baton_ctx *ctx, const C1__Connector__V2__CredentialOptions *in,
                              baton_credential_options *out)
{
	memset(out, 0, sizeof(*out));
	if (!in)
		return 0;
	out->force_change_at_next_login = in->force_change_at_next_login;
	switch (in->options_case) {
	case C1__CONNECTOR__V2__CREDENTIAL_OPTIONS__OPTIONS_RANDOM_PASSWORD: {
		const C1__Connector__V2__CredentialOptions__RandomPassword *r = in->random_password;
		out->kind = BATON_CREDENTIAL_OPTION_RANDOM_PASSWORD;
		out->password_length = r->length < 0 ? 0 : r->length > UINT32_MAX ? UINT32_MAX : (uint32_t)r->length;
		if (r->n_constraints) {
			baton_password_constraint *c = baton_ctx_alloc(ctx, r->n_constraints * sizeof(*c));
			if (!c)
				return baton__error_oom("credential options");
			for (size_t i = 0; i < r->n_constraints; i++) {
				c[i].char_set = r->constraints[i]->char_set;
				c[i].min_count = r->constraints[i]->min_count;
			}
			out->constraints = c;
			out->n_constraints = r->n_constraints;
		}
		return 0;
	}
	case C1__CONNECTOR__V2__CREDENTIAL_OPTIONS__OPTIONS_NO_PASSWORD:
		out->kind = BATON_CREDENTIAL_OPTION_NO_PASSWORD;
		return 0;
	case C1__CONNECTOR__V2__CREDENTIAL_OPTIONS__OPTIONS_SSO:
		out->kind = BATON_CREDENTIAL_OPTION_SSO;
		out->sso_provider = in->sso->sso_provider;
		return 0;
	case C1__CONNECTOR__V2__CREDENTIAL_OPTIONS__OPTIONS_ENCRYPTED_PASSWORD:
		return baton_error_set(BATON_EUNIMPLEMENTED, "encrypted password credential options are not supported by "
		                       "libbaton's service mode");
	default:
		return baton_error_set(BATON_EINVALID, "invalid credential options");
	}
}

static bool provider_is(const char *p, const char *want)
{
	/* Go trims and lower-cases provider names */
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	size_t n = strlen(p);
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\n' || p[n - 1] == '\r'))
		n--;
	return n == strlen(want) && !strncasecmp(p, want, n);
}

/* One secret encrypted for one EncryptionConfig (the baton/jwk/v1 and baton/age/v1 providers). */
static int encrypt_secret(baton_ctx *ctx, const C1__Connector__V2__EncryptionConfig *conf, const baton__secret *sec,
                          C1__Connector__V2__EncryptedData **out)
{
	const char *pname = conf->provider ? conf->provider : "";
	bool blank = true;
	for (const char *q = pname; *q; q++)
		if (*q != ' ' && *q != '\t' && *q != '\n' && *q != '\r')
			blank = false;
	bool age = blank ? conf->config_case == C1__CONNECTOR__V2__ENCRYPTION_CONFIG__CONFIG_AGE_RECIPIENT_CONFIG
	                 : provider_is(pname, "baton/age/v1");
	bool jwk = blank ? conf->config_case == C1__CONNECTOR__V2__ENCRYPTION_CONFIG__CONFIG_JWK_PUBLIC_KEY_CONFIG
	                 : provider_is(pname, "baton/jwk/v1") || provider_is(pname, "baton/jwk/v1/private");
	baton__age_recipient r;
	int rc;
	if (age) {
		const char *text = conf->config_case == C1__CONNECTOR__V2__ENCRYPTION_CONFIG__CONFIG_AGE_RECIPIENT_CONFIG
		                       ? conf->age_recipient_config->recipient
		                       : "";
		if (!text || !*text)
			return baton_error_set(BATON_EINVALID, "age: recipient is required");
		if (baton__age_parse_recipient(text, &r))
			return baton_error_set(BATON_EINVALID, "age: invalid recipient");
	} else if (jwk) {
		const ProtobufCBinaryData *k =
		    conf->config_case == C1__CONNECTOR__V2__ENCRYPTION_CONFIG__CONFIG_JWK_PUBLIC_KEY_CONFIG
		        ? &conf->jwk_public_key_config->pub_key
		        : NULL;
		char *json = k ? baton_ctx_alloc(ctx, k->len + 1) : NULL;
		if (!json)
			return baton_error_set(BATON_EINVALID, "jwk: public key is required");
		memcpy(json, k->data, k->len);
		json[k->len] = '\0';
		if ((rc = baton__age_recipient_from_jwk(json, &r)))
			return baton__error_prefix("jwk");
	} else
		return baton_error_set(BATON_EUNKNOWN, "crypto/providers: encryption provider not registered");
	char kid[65];
	uint8_t *ct = NULL;
	size_t n = 0;
	if ((rc = baton__age_recipient_key_id(&r, kid)) || (rc = baton__age_encrypt(&r, sec->bytes, sec->len, &ct, &n)))
		return rc;
	C1__Connector__V2__EncryptedData *e = baton_ctx_alloc(ctx, sizeof(*e));
	char **ids = baton_ctx_alloc(ctx, sizeof(*ids));
	uint8_t *bytes = baton_ctx_alloc(ctx, jwk ? (n + 2) / 3 * 4 + 1 : n ? n : 1);
	if (!e || !ids || !bytes) {
		free(ct);
		return baton__error_oom("encrypted data");
	}
	c1__connector__v2__encrypted_data__init(e);
	e->provider = (char *)(age ? "baton/age/v1" : "baton/jwk/v1");
	e->name = baton_ctx_strdup(ctx, sec->name ? sec->name : "");
	e->description = baton_ctx_strdup(ctx, sec->description ? sec->description : "");
	ids[0] = baton_ctx_strdup(ctx, kid);
	e->key_ids = ids;
	e->n_key_ids = 1;
	if (jwk) {
		/* the jwk provider sends the age file as standard base64 text, and the key id twice */
		e->key_id = ids[0];
		e->encrypted_bytes.len = (size_t)EVP_EncodeBlock(bytes, ct, (int)n);
	} else {
		memcpy(bytes, ct, n);
		e->encrypted_bytes.len = n;
	}
	e->encrypted_bytes.data = bytes;
	free(ct);
	*out = e;
	return 0;
}

/* Every secret of the call for every config, in Go's order (secret by secret). */
static int encrypt_secrets(baton_ctx *ctx, const baton__call *call, C1__Connector__V2__EncryptionConfig **confs,
                           size_t n_confs, C1__Connector__V2__EncryptedData ***out, size_t *n_out)
{
	*out = NULL;
	*n_out = 0;
	size_t total = call->n_secrets * n_confs;
	if (!total)
		return 0;
	C1__Connector__V2__EncryptedData **v = baton_ctx_alloc(ctx, total * sizeof(*v));
	if (!v)
		return baton__error_oom("encrypted data");
	size_t k = 0;
	for (size_t i = 0; i < call->n_secrets; i++)
		for (size_t j = 0; j < n_confs; j++) {
			if (!confs[j])
				return baton_error_set(BATON_EINVALID, "encryption config %zu is empty", j);
			int rc = encrypt_secret(ctx, confs[j], &call->secrets[i], &v[k++]);
			if (rc)
				return rc;
		}
	*out = v;
	*n_out = k;
	return 0;
}

/* The account manager for a resource type id ("" : the only one, else "user"), as Go's builder. */
static int account_manager(prov *p, const char *type, const baton__rtype **out)
{
	const baton__rtype *only = NULL;
	size_t n = 0;
	for (size_t i = 0; i < p->rt.n_types; i++)
		if (p->rt.types[i].syncer->create_account) {
			only = &p->rt.types[i];
			n++;
		}
	if (n == 0)
		return baton_error_set(BATON_EUNIMPLEMENTED, "connector does not have account manager configured");
	if (!type || !*type) {
		if (n == 1) {
			*out = only;
			return 0;
		}
		*out = baton__runtime_find(&p->rt, "user");
		if (!*out || !(*out)->syncer->create_account)
			return baton_error_set(BATON_EUNIMPLEMENTED, "connector has multiple account managers configured, but "
			                       "no resource type specified, and no default account manager configured");
		return 0;
	}
	*out = baton__runtime_find(&p->rt, type);
	if (!*out || !(*out)->syncer->create_account)
		return baton_error_set(BATON_EUNIMPLEMENTED, "connector does not have account manager configured for "
		                       "resource type: %s", type);
	return 0;
}

static void do_create_account(baton__svc *s, const task_t *task)
{
	const C1__Connectorapi__Baton__V1__Task__CreateAccountTask *c = task->create_account;
	if (!c || !c->account_info) {
		baton_error_set(BATON_EUNKNOWN, "malformed create account task");
		finish_error(s, task, BATON_EUNKNOWN, true);
		return;
	}
	prov p;
	prov_init(&p);
	const C1__Connector__V2__AccountInfo *ai = c->account_info;
	baton_account_info info;
	memset(&info, 0, sizeof(info));
	baton_credential_options opts;
	const baton__rtype *t = NULL;
	int rc = 0;
	/* the primary email first */
	const char **emails = ai->n_emails ? baton_ctx_alloc(&p.data, ai->n_emails * sizeof(*emails)) : NULL;
	if (ai->n_emails && !emails)
		rc = baton__error_oom("account info");
	size_t ne = 0;
	for (size_t i = 0; !rc && i < ai->n_emails; i++)
		if (ai->emails[i]->is_primary)
			emails[ne++] = ai->emails[i]->address;
	for (size_t i = 0; !rc && i < ai->n_emails; i++)
		if (!ai->emails[i]->is_primary)
			emails[ne++] = ai->emails[i]->address;
	info.login = ai->login;
	info.login_aliases = (const char *const *)ai->login_aliases;
	info.n_login_aliases = ai->n_login_aliases;
	info.emails = emails;
	info.n_emails = ne;
	if (!rc && ai->profile) {
		char *json = NULL;
		if ((rc = baton__protojson_write(&p.data.arena, &ai->profile->base, NULL, &json, NULL)) == 0)
			info.profile_json = json;
	}
	if (!rc)
		rc = credential_options(&p.data, c->credential_options, &opts);
	if (!rc && !(rc = baton__runtime_open(&p.rt, s->env->connector)))
		p.rt_open = true;
	if (!rc)
		rc = account_manager(&p, c->resource_type_id, &t);
	if (rc) {
		finish_error(s, task, rc, true);
		prov_free(&p);
		return;
	}
	baton__call_begin(&p.call, &p.cctx, &p.rt, BATON__CALL_CREATE_ACCOUNT, t->rt, "");
	baton_error_clear();
	rc = t->syncer->create_account(&p.cctx, &info, &opts);
	if (rc)
		rc = connector_failed(rc, "create account");
	else if (!p.call.has_account_result)
		rc = baton_error_set(BATON_EUNIMPLEMENTED, "create account: the connector reported no result "
		                     "(baton_ctx_account_result)");
	C1__Connector__V2__CreateAccountResponse resp = C1__CONNECTOR__V2__CREATE_ACCOUNT_RESPONSE__INIT;
	C1__Connector__V2__CreateAccountResponse__SuccessResult ok =
	    C1__CONNECTOR__V2__CREATE_ACCOUNT_RESPONSE__SUCCESS_RESULT__INIT;
	C1__Connector__V2__CreateAccountResponse__ActionRequiredResult ar =
	    C1__CONNECTOR__V2__CREATE_ACCOUNT_RESPONSE__ACTION_REQUIRED_RESULT__INIT;
	C1__Connector__V2__CreateAccountResponse__AlreadyExistsResult ae =
	    C1__CONNECTOR__V2__CREATE_ACCOUNT_RESPONSE__ALREADY_EXISTS_RESULT__INIT;
	C1__Connector__V2__CreateAccountResponse__InProgressResult ip =
	    C1__CONNECTOR__V2__CREATE_ACCOUNT_RESPONSE__IN_PROGRESS_RESULT__INIT;
	if (!rc)
		rc = encrypt_secrets(&p.cctx, &p.call, c->encryption_configs, c->n_encryption_configs, &resp.encrypted_data,
		                     &resp.n_encrypted_data);
	if (!rc) {
		C1__Connector__V2__Resource *res = NULL;
		const uint8_t *d;
		size_t len;
		if (p.call.account && baton_resource_pack(p.call.account, &p.cctx, &d, &len) == 0)
			res = p.call.account->msg;
		switch (p.call.account_result) {
		case BATON_ACCOUNT_ACTION_REQUIRED:
			ar.resource = res;
			ar.message = p.call.account_message ? p.call.account_message : (char *)"";
			resp.result_case = C1__CONNECTOR__V2__CREATE_ACCOUNT_RESPONSE__RESULT_ACTION_REQUIRED;
			resp.action_required = &ar;
			break;
		case BATON_ACCOUNT_ALREADY_EXISTS:
			ae.resource = res;
			resp.result_case = C1__CONNECTOR__V2__CREATE_ACCOUNT_RESPONSE__RESULT_ALREADY_EXISTS;
			resp.already_exists = &ae;
			break;
		case BATON_ACCOUNT_IN_PROGRESS:
			ip.resource = res;
			resp.result_case = C1__CONNECTOR__V2__CREATE_ACCOUNT_RESPONSE__RESULT_IN_PROGRESS;
			resp.in_progress = &ip;
			break;
		default:
			ok.resource = res;
			resp.result_case = C1__CONNECTOR__V2__CREATE_ACCOUNT_RESPONSE__RESULT_SUCCESS;
			resp.success = &ok;
			break;
		}
		resp.annotations = p.call.annos;
		resp.n_annotations = p.call.n_annos;
		char ns[24];
		snprintf(ns, sizeof(ns), "%zu", resp.n_encrypted_data);
		baton__log(BATON_LOG_INFO, "service: account created", "task_id", task->id, "#encrypted_secrets", ns, NULL);
		baton__svc_finish(s, task->id, &resp.base, p.call.annos, p.call.n_annos, 0, NULL, false);
	} else
		finish_error(s, task, rc, true);
	/* the plaintexts (secrets, a generated password) are wiped */
	baton_arena_wipe(&p.cctx.arena);
	baton__call_end(&p.call, &p.cctx);
	prov_free(&p);
}

static void do_rotate(baton__svc *s, const task_t *task)
{
	const C1__Connectorapi__Baton__V1__Task__RotateCredentialsTask *c = task->rotate_credentials;
	const C1__Connector__V2__ResourceId *id = c ? c->resource_id : NULL;
	if (!id || !id->resource_type || !id->resource) {
		baton_error_set(BATON_EUNKNOWN, "malformed rotate credentials task");
		finish_error(s, task, BATON_EUNKNOWN, true);
		return;
	}
	prov p;
	prov_init(&p);
	baton_credential_options opts;
	const baton__rtype *t = NULL;
	int rc = credential_options(&p.data, c->credential_options, &opts);
	if (!rc)
		rc = provisioner(&p, s->env->connector, BATON__CALL_ROTATE, "rotate credentials", id->resource_type, &t);
	if (rc) {
		finish_error(s, task, rc, true);
		prov_free(&p);
		return;
	}
	baton_resource_id rid = {id->resource_type, id->resource};
	baton__call_begin(&p.call, &p.cctx, &p.rt, BATON__CALL_ROTATE, t->rt, "");
	baton_error_clear();
	rc = t->syncer->rotate_credentials(&p.cctx, &rid, &opts);
	if (rc)
		rc = connector_failed(rc, "rotate credentials");
	C1__Connector__V2__RotateCredentialResponse resp = C1__CONNECTOR__V2__ROTATE_CREDENTIAL_RESPONSE__INIT;
	if (!rc)
		rc = encrypt_secrets(&p.cctx, &p.call, c->encryption_configs, c->n_encryption_configs, &resp.encrypted_data,
		                     &resp.n_encrypted_data);
	if (!rc) {
		resp.resource_id = (C1__Connector__V2__ResourceId *)id;
		resp.annotations = p.call.annos;
		resp.n_annotations = p.call.n_annos;
		baton__log(BATON_LOG_INFO, "service: credentials rotated", "task_id", task->id, "resource_type",
		           rid.resource_type, "resource_id", rid.resource, NULL);
		baton__svc_finish(s, task->id, &resp.base, p.call.annos, p.call.n_annos, 0, NULL, false);
	} else
		finish_error(s, task, rc, true);
	baton_arena_wipe(&p.cctx.arena);
	baton__call_end(&p.call, &p.cctx);
	prov_free(&p);
}

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

static void do_list_event_feeds(baton__svc *s, const task_t *task)
{
	baton__runtime rt;
	baton_ctx ctx;
	baton__ctx_init(&ctx);
	int rc = open_ext(&rt, s->env->connector);
	if (rc) {
		finish_error(s, task, rc, false);
		baton__ctx_release(&ctx);
		return;
	}
	C1__Connector__V2__ListEventFeedsResponse *resp = NULL;
	rc = baton__list_event_feeds(&rt, &ctx, &resp);
	if (rc)
		finish_error(s, task, rc, false);
	else {
		/* as Go: the list only */
		resp->n_annotations = 0;
		baton__svc_finish(s, task->id, &resp->base, NULL, 0, 0, NULL, false);
	}
	baton__runtime_close(&rt);
	baton__ctx_release(&ctx);
}

static void do_list_events(baton__svc *s, const task_t *task)
{
	const C1__Connectorapi__Baton__V1__Task__ListEventsTask *t = task->list_events;
	if (!t) {
		baton_error_set(BATON_EUNKNOWN, "malformed get list event task");
		finish_error(s, task, BATON_EUNKNOWN, true);
		return;
	}
	baton__runtime rt;
	baton_ctx ctx;
	baton__ctx_init(&ctx);
	int rc = open_ext(&rt, s->env->connector);
	if (rc) {
		finish_error(s, task, rc, false);
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
		finish_error(s, task, rc, false);
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

static void do_action(baton__svc *s, const task_t *task)
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
		finish_error(s, task, rc, false);
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

static void do_ticket(baton__svc *s, const task_t *task)
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
	if (rc)
		non_retryable = true;
	else if (!(rc = open_ext(&rt, s->env->connector)))
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
	if (rc)
		finish_error(s, task, rc, non_retryable);
	else
		baton__svc_finish(s, task->id, resp, annos, n_annos, 0, NULL, false);
	if (opened)
		baton__runtime_close(&rt);
	baton__ctx_release(&ctx);
}

/* ------------------------------------------------------------------------------------------ */

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
		do_grant(s, task);
		return;
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_REVOKE:
		do_revoke(s, task);
		return;
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_CREATE_RESOURCE:
		do_create_resource(s, task);
		return;
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_CREATE_ACCOUNT:
		do_create_account(s, task);
		return;
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_ROTATE_CREDENTIALS:
		do_rotate(s, task);
		return;
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_DELETE_RESOURCE:
		do_delete_resource(s, task);
		return;
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_CREATE_TICKET_TASK:
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_LIST_TICKET_SCHEMAS:
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_GET_TICKET:
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_BULK_CREATE_TICKETS:
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_BULK_GET_TICKETS:
		do_ticket(s, task);
		return;
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_LIST_EVENT_FEEDS:
		do_list_event_feeds(s, task);
		return;
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_LIST_EVENTS:
		do_list_events(s, task);
		return;
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_ACTION_LIST_SCHEMAS:
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_ACTION_GET_SCHEMA:
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_ACTION_INVOKE:
	case C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_ACTION_STATUS:
		do_action(s, task);
		return;
	default:
		baton__svc_finish(s, task->id, NULL, NULL, 0, BATON_EUNKNOWN, "unsupported task type", false);
		return;
	}
}
