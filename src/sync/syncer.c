/*
 * baton_sync(): one sync of a connector into a c1z, with the Go SDK's operations in the Go SDK's
 * order (docs: /work/shared/reference/sync-algorithm.md sections 1-3, 5-7).
 *
 * The loop takes the action on top of the stack. Root actions (resource types, the roots of
 * resources / static entitlements / entitlements / grants, expansion) run one page per loop
 * iteration. Per-type and per-resource actions run as a batch: up to 100 consecutive actions of
 * the same operation from the top of the stack, each driven through all of its pages; spawned
 * cursors of the same operation join the running batch, other new work goes onto the stack.
 * Checkpoints are written between loop iterations only (every checkpoint_interval_ms, and forced
 * after planning, at the end and when a stop is requested). Every connector call runs on a
 * context that is reset after the page is consumed, and store listings are read one page at a
 * time.
 *
 * Workers (opts->workers > 0, pool.h): a batch's connector calls (the call_* halves) run on the
 * pool's threads, each on its own context; this thread takes their pages as they come and writes
 * them (the consume_* halves), so the action stack, the type cache, the counters and every store
 * write stay on one thread. Workers read the store (the resource an entitlements/grants call is
 * for) and connector session calls use it under store_mu, a recursive lock this thread holds
 * while it writes a page.
 */
#include "sync/sync.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "baton/expand.h"
#include "connector/connector.h"
#include "core/error.h"
#include "core/faults.h"
#include "core/log.h"
#include "proto/any.h"
#include "store/store.h"
#include "sync/pool.h"
#include "sync/state.h"
#include "types/types.h"
#include "c1/connector/v2/annotation_ratelimit.pb-c.h"
#include "c1/connector/v2/annotation_resource_tree.pb-c.h"
#include "c1/connector/v2/annotation_type_scoped_grants.pb-c.h"
#include "c1/connector/v2/annotation_exclusion_group.pb-c.h"
#include "c1/connector/v2/annotation_grant.pb-c.h"

#define MAX_BATCH 100
#define STORE_PAGE 10000
#define MAX_ENQUEUE_TOKENS 1024
#define MAX_ENQUEUE_TOKEN_BYTES (1024 * 1024)
#define MAX_ENQUEUE_TOTAL_BYTES (16 * 1024 * 1024)

typedef struct syncer syncer;
typedef int (*call_fn)(syncer *s, baton__page *p, const baton__action *a);
typedef int (*consume_fn)(syncer *s, baton__page *p, const baton__action *a);

/* What the syncer remembers about a stored resource type. */
typedef struct type_info {
	char *id;
	bool stored;       /* exists in this sync's store */
	bool skip_eg, skip_ents, ts_ents, ts_grants;
	baton_trait traits[16];
	size_t n_traits;
	uint64_t resources, entitlements, grants;  /* counts for progress and the summary */
} type_info;

struct syncer {
	baton__runtime rt;
	const baton_sync_options *opts;
	baton_store *store;
	char sync_id[64];
	baton_sync_type type;
	bool resumed;
	baton__state st;
	baton__page main;         /* connector calls on the loop thread: reset after each page */
	baton_ctx sctx;           /* store reads of one step */
	baton__retryer retry;
	/* Parallel sync (workers > 0): the pool runs the connector calls of batched actions; the
	 * store is used under store_mu (recursive: the loop thread holds it while it writes a page,
	 * workers while they read a resource, connector session calls from any thread). */
	int workers;
	baton__pool *pool;
	pthread_mutex_t store_mu;
	bool stopped;             /* a stop request ended the sync */
	uint64_t warnings;
	int64_t last_checkpoint_ms;
	bool checkpointed;
	uint64_t checkpoint_interval;
	type_info *types;
	size_t n_types, cap_types;
	baton__strset child_schedule;
	baton__strset spawned_admitted;
	/* targeted resources: [type, id, ptype, pid] each */
	char *(*targets)[4];
	size_t n_targets;
	/* progress */
	const char *phase;
	uint64_t n_resource_types, n_resources, n_entitlements, n_grants, n_expanded;
	_Atomic uint64_t pages;   /* connector calls answered (workers count too) */
	int64_t started_ms, last_progress_ms, last_line_ms, last_log_ms;
	const char *line_phase;   /* the phase the live line last showed */
	bool tty;
	/* batch queue (ids) */
	uint64_t *queue;
	size_t q_head, q_len, q_cap;
	int batch_op;
	call_fn batch_call;       /* the running batch's call half (read by the workers) */
};

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                     */

static const char *nz(const char *s)
{
	return s ? s : "";
}

static type_info *type_get(syncer *s, const char *id, bool create)
{
	for (size_t i = 0; i < s->n_types; i++)
		if (!strcmp(s->types[i].id, id))
			return &s->types[i];
	if (!create)
		return NULL;
	if (s->n_types == s->cap_types) {
		size_t cap = s->cap_types ? s->cap_types * 2 : 16;
		type_info *v = realloc(s->types, cap * sizeof(*v));
		if (!v)
			return NULL;
		s->types = v;
		s->cap_types = cap;
	}
	type_info *t = &s->types[s->n_types];
	memset(t, 0, sizeof(*t));
	t->id = strdup(id);
	if (!t->id)
		return NULL;
	s->n_types++;
	return t;
}

/* Type info from the stored resource type (looked up once). NULL with an error when the store
 * fails; a type that is not stored gives info with stored = false. */
static type_info *stored_type(syncer *s, const char *id)
{
	type_info *t = type_get(s, id, false);
	if (t && (t->stored || t->n_traits || t->skip_eg))
		return t;
	if (!t && !(t = type_get(s, id, true))) {
		baton__error_oom("resource type cache");
		return NULL;
	}
	baton_ctx tmp;
	baton__ctx_init(&tmp);
	baton_resource_type *rt;
	int rc = baton_store_get_resource_type(s->store, s->sync_id, id, &tmp, &rt);
	if (rc == 0) {
		t->stored = true;
		baton_annotations *a = baton_resource_type_annotations(rt);
		t->skip_eg = baton_annotations_contains(a, "c1.connector.v2.SkipEntitlementsAndGrants");
		t->skip_ents = t->skip_eg || baton_annotations_contains(a, "c1.connector.v2.SkipEntitlements");
		t->ts_ents = baton_annotations_contains(a, "c1.connector.v2.TypeScopedEntitlements");
		t->ts_grants = baton_annotations_contains(a, "c1.connector.v2.TypeScopedGrants");
		t->n_traits = 0;
		for (size_t i = 0; i < baton_resource_type_trait_count(rt) && t->n_traits < 16; i++)
			t->traits[t->n_traits++] = baton_resource_type_trait_at(rt, i);
	} else if (rc == BATON_ENOTFOUND) {
		t->stored = false;
		baton_error_clear();
	} else {
		baton__ctx_release(&tmp);
		return NULL;
	}
	baton__ctx_release(&tmp);
	return t;
}

static bool has_anno(baton_annotations *a, const char *name)
{
	return baton_annotations_contains(a, name);
}

/* Unpacks every annotation of `desc`'s type; calls fn for each. */
static int each_anno(baton_annotations *a, baton_arena *arena, const ProtobufCMessageDescriptor *desc,
                     int (*fn)(void *ud, ProtobufCMessage *m), void *ud)
{
	baton__annotations_sync(a);
	for (size_t i = 0; i < *a->n; i++) {
		Google__Protobuf__Any *any = (*a->items)[i];
		if (!baton__any_is(any, desc))
			continue;
		ProtobufCMessage *m;
		int rc = baton__any_unpack(arena, any, desc, &m);
		if (rc)
			return rc;
		if ((rc = fn(ud, m)))
			return rc;
	}
	return 0;
}

static void progress_tick(syncer *s, bool force);

/* ------------------------------------------------------------------------------------------ */
/* Checkpoints                                                                                 */

static int checkpoint(syncer *s, bool force)
{
	int64_t now = baton__sync_now_ms();
	if (!force && s->checkpointed && now - s->last_checkpoint_ms < (int64_t)s->checkpoint_interval)
		return 0;
	s->last_checkpoint_ms = now;
	s->checkpointed = true;
	char *tok = NULL;
	int rc = baton__fault("sync.checkpoint");
	if (!rc)
		rc = baton__state_marshal(&s->st, &tok);
	if (rc)
		return rc;
	rc = baton_store_sync_checkpoint(s->store, tok);
	free(tok);
	return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Transitions                                                                                 */

/* Pushes children (taking copies), then sets the next page or finishes the action. Same-op
 * children join the running batch. */
static int transition(syncer *s, uint64_t id, const char *next, baton__action *children, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		baton__action *c = &children[i];
		if (c->spawned) {
			/* a spawned cursor already admitted in this process is skipped */
			baton__buf key = {0};
			baton__buf_printf(&key, "%d|%d|%s|%s|%s|%s|", c->op, c->type_scoped, nz(c->resource_type_id),
			                  nz(c->resource_id), nz(c->parent_resource_type_id), nz(c->parent_resource_id));
			baton__buf_puts(&key, nz(c->page_token));
			int added = key.oom ? BATON_EEXHAUSTED : baton__strset_add(&s->spawned_admitted, key.data, key.len);
			baton__buf_free(&key);
			if (added < 0)
				return added;
			if (added == 0) {
				baton__log(BATON_LOG_WARN, "skipping re-mentioned spawned cursor: identical work was "
				           "already admitted this sync", "op", baton__op_name(c->op), "resource_type_id",
				           nz(c->resource_type_id), "resource_id", nz(c->resource_id), NULL);
				continue;
			}
		}
		uint64_t cid;
		int rc = baton__state_push(&s->st, c, &cid);
		if (rc)
			return rc;
		if (s->batch_op && c->op == s->batch_op && c->spawned) {
			if (s->q_len == s->q_cap) {
				size_t cap = s->q_cap ? s->q_cap * 2 : 128;
				uint64_t *q = realloc(s->queue, cap * sizeof(*q));
				if (!q)
					return baton__error_oom("batch queue");
				s->queue = q;
				s->q_cap = cap;
			}
			s->queue[s->q_len++] = cid;
		}
	}
	if (next && *next)
		return baton__state_set_page(&s->st, id, next);
	baton__state_finish(&s->st, id);
	return 0;
}

static int schedule_children(syncer *s, baton__page *p, baton_resource *r, baton__action **acts, size_t *n,
                             size_t *cap, bool record);

/* ------------------------------------------------------------------------------------------ */
/* Connector calls                                                                             */

static void call_begin(syncer *s, baton__page *p, baton__call_kind kind, const baton__rtype *t, const char *token)
{
	baton__call_begin(&p->call, &p->ctx, &s->rt, kind, t ? t->rt : NULL, token);
	memset(&p->rl, 0, sizeof(p->rl));
	baton_error_clear();
}

/* Normalizes a callback's result; on failure keeps the rate-limit hint of its annotations. */
static int call_result(syncer *s, baton__page *p, int rc, const char *what)
{
	atomic_fetch_add_explicit(&s->pages, 1, memory_order_relaxed);
	if (rc == 0) {
		const char *tok = p->call.page_token;
		if (tok && *tok && p->call.next_page && !strcmp(tok, p->call.next_page))
			return baton_error_set(BATON_EINTERNAL, "%s: next page token unchanged (token=%s) - likely a "
			                       "connector bug", what, tok);
		return 0;
	}
	if (rc > 0 || baton_error_last()->code == BATON_OK)
		baton_error_set(rc < 0 ? rc : BATON_EUNKNOWN, "the callback failed without a message");
	else if (baton_error_last()->code != rc)
		baton_error_set(rc, "%s", baton_error_last()->message);
	if (rc > 0)
		rc = BATON_EUNKNOWN;
	if (p->call.annotations_ready) {
		C1__Connector__V2__RateLimitDescription *rl = NULL;
		baton_error last = *baton_error_last();
		char *msg = strdup(last.message);
		if (baton__annotations_pick(&p->call.annotations, &c1__connector__v2__rate_limit_description__descriptor,
		                            (ProtobufCMessage **)&rl) > 0 && rl && rl->reset_at) {
			p->rl.has_reset = true;
			p->rl.reset_ms = rl->reset_at->seconds * 1000 + rl->reset_at->nanos / 1000000;
			p->rl.remaining = rl->remaining;
		}
		baton_error_set(rc, "%s", msg ? msg : "");
		free(msg);
	}
	return rc;
}

/* Prefixes the current error with the call's identity. */
static int call_error(int rc, const char *op, const baton__action *a)
{
	return baton__error_prefix("%s (resource type '%s', resource '%s', page '%s')", op,
	                           nz(a->resource_type_id), nz(a->resource_id), nz(a->page_token)) ? rc : rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Phases                                                                                      */

static int step_resource_types(syncer *s, baton__action *a)
{
	if (!a->page_token)
		baton__log(BATON_LOG_INFO, "Syncing resource types...", NULL);
	s->phase = "list-resource-types";
	size_t n = 0;
	for (size_t i = 0; i < s->rt.n_types; i++) {
		const baton__rtype *t = &s->rt.types[i];
		if (s->opts->n_sync_resource_types) {
			bool want = false;
			for (size_t j = 0; j < s->opts->n_sync_resource_types; j++)
				if (!strcmp(s->opts->sync_resource_types[j], t->id))
					want = true;
			if (!want)
				continue;
		}
		int rc = baton_store_put_resource_type(s->store, t->rt);
		if (rc)
			return rc;
		n++;
	}
	s->n_resource_types += n;
	s->pages++;
	for (size_t j = 0; j < s->opts->n_sync_resource_types; j++) {
		if (!baton__runtime_find(&s->rt, s->opts->sync_resource_types[j]))
			return baton_error_set(BATON_EUNKNOWN, "invalid resource type '%s' in filter",
			                       s->opts->sync_resource_types[j]);
	}
	char cnt[24];
	snprintf(cnt, sizeof(cnt), "%zu", n);
	baton__log(BATON_LOG_INFO, "Synced resource types", "#count", cnt, NULL);
	return transition(s, a->id, NULL, NULL, 0);
}

/* Root list-resources: one list-resources action per stored type. */
static int step_resources_root(syncer *s, baton__action *a)
{
	if (!a->page_token)
		baton__log(BATON_LOG_INFO, "Syncing resources...", NULL);
	s->phase = "list-resources";
	baton_store_query q = BATON_STORE_QUERY_INIT;
	q.sync_id = s->sync_id;
	q.page_size = STORE_PAGE;
	q.page_token = a->page_token;
	baton_store_iter *it;
	int rc = baton_store_list_resource_types(s->store, &q, &it);
	if (rc)
		return rc;
	baton__action *acts = NULL;
	size_t n = 0, cap = 0;
	baton_resource_type *rt;
	while ((rc = baton_store_iter_next_resource_type(it, &rt)) == 0) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			baton__action *v = realloc(acts, cap * sizeof(*v));
			if (!v) {
				rc = baton__error_oom("actions");
				break;
			}
			acts = v;
		}
		memset(&acts[n], 0, sizeof(acts[n]));
		acts[n].op = BATON__OP_RESOURCES;
		acts[n].resource_type_id = strdup(baton_resource_type_id(rt));
		if (a->parent_resource_type_id && a->parent_resource_id) {
			acts[n].parent_resource_type_id = strdup(a->parent_resource_type_id);
			acts[n].parent_resource_id = strdup(a->parent_resource_id);
		}
		n++;
	}
	char *next = NULL;
	if (rc == BATON_ITEROVER) {
		rc = 0;
		next = strdup(baton_store_iter_next_page_token(it));
	}
	baton_store_iter_free(it);
	if (!rc)
		rc = transition(s, a->id, next, acts, n);
	for (size_t i = 0; i < n; i++)
		baton__action_clear(&acts[i]);
	free(acts);
	free(next);
	return rc;
}

static const char *trait_message(baton_trait t)
{
	switch (t) {
	case BATON_TRAIT_USER: return "UserTrait";
	case BATON_TRAIT_GROUP: return "GroupTrait";
	case BATON_TRAIT_ROLE: return "RoleTrait";
	case BATON_TRAIT_APP: return "AppTrait";
	case BATON_TRAIT_SECRET: return "SecretTrait";
	default: return NULL;
	}
}

static int validate_traits(syncer *s, baton_resource *r)
{
	baton_resource_id id = baton_resource_get_id(r);
	type_info *t = stored_type(s, id.resource_type);
	if (!t)
		return baton_error_last()->code ? baton_error_last()->code : BATON_EINTERNAL;
	if (!t->stored)
		return baton_error_set(BATON_ENOTFOUND, "resource type '%s' not found", id.resource_type);
	for (size_t i = 0; i < t->n_traits; i++) {
		const char *m = trait_message(t->traits[i]);
		if (m && !baton_resource_has_trait(r, t->traits[i])) {
			baton__log(BATON_LOG_ERROR, "resource was missing expected trait", "trait", m,
			           "resource_type_id", id.resource_type, "resource_id", id.resource, NULL);
			return baton_error_set(BATON_EUNKNOWN, "resource was missing expected trait %s", m);
		}
	}
	return 0;
}

/* 0 valid, 1 to drop (counted), <0 abort (BatonID). */
static int check_resource(baton_resource *r)
{
	if (!r)
		return 1;
	if (has_anno(baton_resource_annotations(r), "c1.connector.v2.BatonID"))
		return baton_error_set(BATON_EINTERNAL,
		                       "connector returned a resource with SDK-reserved BatonID ownership annotation");
	baton_resource_id id = baton_resource_get_id(r);
	if (!id.resource_type || !*id.resource_type || !id.resource || !*id.resource)
		return 1;
	return 0;
}

typedef struct child_ctx {
	syncer *s;
	const char *ptype, *pid;
	baton__action **acts;
	size_t *n, *cap;
	bool record;   /* record in the schedule (list-resources) or only skip scheduled (targeted) */
} child_ctx;

static int on_child(void *ud, ProtobufCMessage *m)
{
	child_ctx *c = ud;
	const char *child = ((C1__Connector__V2__ChildResourceType *)m)->resource_type_id;
	child = nz(child);
	const baton_sync_options *o = c->s->opts;
	if (o->n_sync_resource_types) {
		bool want = false;
		for (size_t j = 0; j < o->n_sync_resource_types; j++)
			if (!strcmp(o->sync_resource_types[j], child))
				want = true;
		if (!want)
			return 0;
	}
	baton__buf key = {0};
	baton__buf_puts(&key, child);
	baton__buf_put(&key, "\0", 1);
	baton__buf_puts(&key, c->ptype);
	baton__buf_put(&key, "\0", 1);
	baton__buf_puts(&key, c->pid);
	if (key.oom)
		return baton__error_oom("child schedule");
	int rc;
	if (c->record) {
		rc = baton__strset_add(&c->s->child_schedule, key.data, key.len);
	} else {
		rc = baton__strset_has(&c->s->child_schedule, key.data, key.len) ? 0 : 1;
	}
	baton__buf_free(&key);
	if (rc <= 0)
		return rc;
	if (*c->n == *c->cap) {
		size_t cap = *c->cap ? *c->cap * 2 : 8;
		baton__action *v = realloc(*c->acts, cap * sizeof(*v));
		if (!v)
			return baton__error_oom("actions");
		*c->acts = v;
		*c->cap = cap;
	}
	baton__action *a = &(*c->acts)[(*c->n)++];
	memset(a, 0, sizeof(*a));
	a->op = BATON__OP_RESOURCES;
	a->resource_type_id = (char *)child;
	a->parent_resource_type_id = (char *)c->ptype;
	a->parent_resource_id = (char *)c->pid;
	return 0;
}

/* Collects list-resources actions for r's ChildResourceType annotations (strings borrowed). */
static int schedule_children(syncer *s, baton__page *p, baton_resource *r, baton__action **acts, size_t *n,
                             size_t *cap, bool record)
{
	baton_resource_id id = baton_resource_get_id(r);
	child_ctx c = {s, id.resource_type, id.resource, acts, n, cap, record};
	return each_anno(baton_resource_annotations(r), &p->ctx.arena, &c1__connector__v2__child_resource_type__descriptor,
	                 on_child, &c);
}

/*
 * The batched operations come in two halves: call_* makes the connector call of one page (on a
 * worker thread when there are workers: it only reads shared state, and the store under the store
 * lock), consume_* writes the page to the store and moves the action on (always on the loop
 * thread). The caller ends the page's call (baton__call_end) after both.
 */

static void store_lock(syncer *s)
{
	pthread_mutex_lock(&s->store_mu);
}

static void store_unlock(syncer *s)
{
	pthread_mutex_unlock(&s->store_mu);
}

static int call_resources(syncer *s, baton__page *p, const baton__action *a)
{
	const baton__rtype *t = baton__runtime_find(&s->rt, a->resource_type_id);
	if (!t)
		return baton_error_set(BATON_ENOTFOUND, "error: list resources with unknown resource type %s",
		                       nz(a->resource_type_id));
	baton_resource_id parent = {a->parent_resource_type_id, a->parent_resource_id};
	bool has_parent = a->parent_resource_type_id && a->parent_resource_id;
	call_begin(s, p, BATON__CALL_LIST, t, a->page_token);
	int rc = t->syncer->list(&p->ctx, has_parent ? &parent : NULL);
	rc = call_result(s, p, rc, "list-resources");
	return rc ? call_error(rc, "list-resources", a) : 0;
}

static int consume_resources(syncer *s, baton__page *p, const baton__action *a)
{
	s->phase = "list-resources";
	const baton__rtype *t = baton__runtime_find(&s->rt, a->resource_type_id);
	if (!t)
		return baton_error_set(BATON_ENOTFOUND, "error: list resources with unknown resource type %s",
		                       nz(a->resource_type_id));
	int rc = 0;
	baton__action *kids = NULL;
	size_t nk = 0, ck = 0;
	size_t listed = 0;
	for (size_t i = 0; !rc && i < p->call.n_items; i++) {
		baton_resource *r = p->call.items[i];
		int v = check_resource(r);
		if (v < 0) {
			rc = v;
			break;
		}
		if (v > 0)
			continue;
		listed++;
		baton_resource_id id = baton_resource_get_id(r);
		baton_resource *existing;
		int g = baton_store_get_resource(s->store, s->sync_id, &id, &s->sctx, &existing);
		if (g != 0 && g != BATON_ENOTFOUND) {
			rc = g;
			break;
		}
		if ((rc = validate_traits(s, r)))
			break;
		bool has_children = has_anno(baton_resource_annotations(r), "c1.connector.v2.ChildResourceType");
		if ((rc = baton_store_put_resource(s->store, r)))
			break;
		if (g == 0 && !has_children)
			continue;
		if ((rc = schedule_children(s, p, r, &kids, &nk, &ck, true)))
			break;
	}
	baton__ctx_reset(&s->sctx);
	if (!rc) {
		s->n_resources += listed;
		type_info *ti = type_get(s, t->id, true);
		if (ti)
			ti->resources += listed;
		/* children go straight onto the stack, not into the batch */
		for (size_t i = 0; !rc && i < nk; i++)
			rc = baton__state_push(&s->st, &kids[i], NULL);
		if (!rc) {
			if (!p->call.next_page) {
				char cnt[24];
				snprintf(cnt, sizeof(cnt), "%" PRIu64, ti ? ti->resources : 0);
				baton__log(BATON_LOG_INFO, "Synced resources", "resource_type_id", t->id, "#count", cnt, NULL);
			}
			rc = transition(s, a->id, p->call.next_page, NULL, 0);
		}
	}
	free(kids);
	return rc ? call_error(rc, "list-resources", a) : 0;
}

/* Root static entitlements: one action per connector resource type. */
static int step_static_root(syncer *s, baton__action *a)
{
	baton__log(BATON_LOG_INFO, "Syncing static entitlements...", NULL);
	s->phase = "list-static-entitlements";
	baton__action *acts = calloc(s->rt.n_types ? s->rt.n_types : 1, sizeof(*acts));
	if (!acts)
		return baton__error_oom("actions");
	for (size_t i = 0; i < s->rt.n_types; i++) {
		acts[i].op = BATON__OP_STATIC_ENTITLEMENTS;
		acts[i].resource_type_id = (char *)s->rt.types[i].id;
	}
	int rc = transition(s, a->id, NULL, acts, s->rt.n_types);
	free(acts);
	return rc;
}

/* An entitlement for `res` from a static template (Go's expansion of static entitlements). */
static int static_entitlement(syncer *s, baton_entitlement *tmpl, baton_resource *res, baton_entitlement **out)
{
	C1__Connector__V2__Entitlement *tm = tmpl->msg;
	const char *slug = nz(tm->slug);
	baton_entitlement *e;
	int rc = baton_entitlement_new(&s->sctx, res, *slug ? slug : "-", (baton_entitlement_purpose)tm->purpose, &e);
	if (rc)
		return rc;
	baton_resource_id id = baton_resource_get_id(res);
	char *eid = baton_ctx_sprintf(&s->sctx, "%s:%s:%s", id.resource_type, id.resource, slug);
	if (!eid)
		return BATON_EEXHAUSTED;
	e->msg->id = eid;
	e->msg->slug = (char *)baton__str(&s->sctx, slug);
	const char *dn = tm->display_name && *tm->display_name ? tm->display_name : baton_resource_display_name(res);
	const char *desc = tm->description && *tm->description ? tm->description : baton_resource_description(res);
	e->msg->display_name = baton__str(&s->sctx, dn);
	e->msg->description = baton__str(&s->sctx, desc);
	e->msg->n_grantable_to = tm->n_grantable_to;
	e->msg->grantable_to = tm->grantable_to;
	/* annotations: shared, except a resource-scoped exclusion group gets the resource id suffix */
	size_t na = tm->n_annotations;
	Google__Protobuf__Any **v = baton_ctx_alloc(&s->sctx, (na ? na : 1) * sizeof(*v));
	if (!v)
		return BATON_EEXHAUSTED;
	for (size_t i = 0; i < na; i++) {
		v[i] = tm->annotations[i];
		if (!baton__any_is(v[i], &c1__connector__v2__entitlement_exclusion_group__descriptor))
			continue;
		C1__Connector__V2__EntitlementExclusionGroup *g;
		if ((rc = baton__any_unpack(&s->sctx.arena, v[i], &c1__connector__v2__entitlement_exclusion_group__descriptor,
		                            (ProtobufCMessage **)&g)))
			return rc;
		if (!g->scope_to_resource)
			continue;
		g->exclusion_group_id = baton_ctx_sprintf(&s->sctx, "%s-%s", nz(g->exclusion_group_id), id.resource);
		if (!g->exclusion_group_id || (rc = baton__any_pack(&s->sctx.arena, &g->base, &v[i])))
			return rc ? rc : BATON_EEXHAUSTED;
	}
	e->msg->n_annotations = na;
	e->msg->annotations = v;
	e->annos.cap = na;
	*out = e;
	return 0;
}

static int step_static(syncer *s, baton__action *a)
{
	s->phase = "list-static-entitlements";
	const baton__rtype *t = baton__runtime_find(&s->rt, a->resource_type_id);
	if (!t)
		return baton_error_set(BATON_ENOTFOUND, "error: list static entitlements with unknown resource type %s",
		                       nz(a->resource_type_id));
	if (!t->syncer->static_entitlements)
		return transition(s, a->id, NULL, NULL, 0);
	call_begin(s, &s->main, BATON__CALL_STATIC_ENTITLEMENTS, t, a->page_token);
	int rc = t->syncer->static_entitlements(&s->main.ctx);
	rc = call_result(s, &s->main, rc, "list-static-entitlements");
	for (size_t i = 0; !rc && i < s->main.call.n_items; i++) {
		baton_entitlement *tmpl = s->main.call.items[i];
		char *page = NULL;
		do {
			baton_store_query q = BATON_STORE_QUERY_INIT;
			q.sync_id = s->sync_id;
			q.resource_type_id = t->id;
			q.page_size = 1000;
			q.page_token = page;
			baton_store_iter *it;
			if ((rc = baton_store_list_resources(s->store, &q, &it)))
				break;
			baton_resource *r;
			baton_entitlement **ents = NULL;
			size_t ne = 0, ce = 0;
			while ((rc = baton_store_iter_next_resource(it, &r)) == 0) {
				/* copy out of the iterator's row memory */
				const uint8_t *data;
				size_t len;
				baton_resource *copy;
				baton_entitlement *e;
				if ((rc = baton_resource_pack(r, &s->sctx, &data, &len)) ||
				    (rc = baton_resource_unpack(&s->sctx, data, len, &copy)) ||
				    (rc = static_entitlement(s, tmpl, copy, &e)))
					break;
				if (ne == ce) {
					ce = ce ? ce * 2 : 64;
					baton_entitlement **nv = realloc(ents, ce * sizeof(*nv));
					if (!nv) {
						rc = baton__error_oom("entitlements");
						break;
					}
					ents = nv;
				}
				ents[ne++] = e;
			}
			free(page);
			page = NULL;
			if (rc == BATON_ITEROVER) {
				rc = 0;
				const char *np = baton_store_iter_next_page_token(it);
				page = np && *np ? strdup(np) : NULL;
			}
			baton_store_iter_free(it);
			for (size_t j = 0; !rc && j < ne; j++)
				rc = baton_store_put_entitlement(s->store, ents[j]);
			if (!rc) {
				s->n_entitlements += ne;
				type_info *ti = type_get(s, t->id, true);
				if (ti)
					ti->entitlements += ne;
			}
			free(ents);
			baton__ctx_reset(&s->sctx);
		} while (!rc && page);
		free(page);
	}
	if (!rc)
		rc = transition(s, a->id, s->main.call.next_page, NULL, 0);
	baton__call_end(&s->main.call, &s->main.ctx);
	return rc ? call_error(rc, "list-static-entitlements", a) : 0;
}

static bool skip_eg(syncer *s, baton_resource *r, int *err)
{
	*err = 0;
	if (s->st.should_skip_entitlements_and_grants)
		return true;
	if (has_anno(baton_resource_annotations(r), "c1.connector.v2.SkipEntitlementsAndGrants"))
		return true;
	type_info *t = stored_type(s, baton_resource_get_id(r).resource_type);
	if (!t) {
		*err = baton_error_last()->code ? baton_error_last()->code : BATON_EINTERNAL;
		return false;
	}
	if (!t->stored) {
		*err = baton_error_set(BATON_ENOTFOUND, "resource type '%s' not found", t->id);
		return false;
	}
	return t->skip_eg;
}

static bool skip_grants(syncer *s, baton_resource *r, int *err)
{
	*err = 0;
	if (has_anno(baton_resource_annotations(r), "c1.connector.v2.SkipGrants"))
		return true;
	if (s->st.should_skip_grants)
		return true;
	return skip_eg(s, r, err);
}

static bool skip_entitlements(syncer *s, baton_resource *r, int *err)
{
	if (skip_eg(s, r, err) || *err)
		return !*err;
	baton_annotations *a = baton_resource_annotations(r);
	if (has_anno(a, "c1.connector.v2.SkipEntitlements") || has_anno(a, "c1.connector.v2.SkipEntitlementsAndGrants"))
		return true;
	type_info *t = stored_type(s, baton_resource_get_id(r).resource_type);
	return t && t->skip_ents;
}

/* Root list-entitlements / list-grants: one action per stored resource not skipped, a page of
 * the store at a time. */
static int step_eg_root(syncer *s, baton__action *a)
{
	bool grants = a->op == BATON__OP_GRANTS;
	if (!a->page_token)
		baton__log(BATON_LOG_INFO, grants ? "Syncing grants..." : "Syncing entitlements...", NULL);
	s->phase = grants ? "list-grants" : "list-entitlements";
	baton_store_query q = BATON_STORE_QUERY_INIT;
	q.sync_id = s->sync_id;
	q.page_size = STORE_PAGE;
	q.page_token = a->page_token;
	baton_store_iter *it;
	int rc = baton_store_list_resources(s->store, &q, &it);
	if (rc)
		return rc;
	baton__action *acts = NULL;
	size_t n = 0, cap = 0;
	baton_resource *r;
	while ((rc = baton_store_iter_next_resource(it, &r)) == 0) {
		int err;
		bool skip = grants ? skip_grants(s, r, &err) : skip_entitlements(s, r, &err);
		if (err) {
			rc = err;
			break;
		}
		if (skip)
			continue;
		baton_resource_id id = baton_resource_get_id(r);
		type_info *t = stored_type(s, id.resource_type);
		if (t && (grants ? t->ts_grants : t->ts_ents))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			baton__action *v = realloc(acts, cap * sizeof(*v));
			if (!v) {
				rc = baton__error_oom("actions");
				break;
			}
			acts = v;
		}
		memset(&acts[n], 0, sizeof(acts[n]));
		acts[n].op = a->op;
		acts[n].resource_type_id = strdup(id.resource_type);
		acts[n].resource_id = strdup(id.resource);
		if (!acts[n].resource_type_id || !acts[n].resource_id) {
			baton__action_clear(&acts[n]);
			rc = baton__error_oom("actions");
			break;
		}
		n++;
	}
	char *next = NULL;
	if (rc == BATON_ITEROVER) {
		rc = 0;
		const char *np = baton_store_iter_next_page_token(it);
		next = np && *np ? strdup(np) : NULL;
	}
	baton_store_iter_free(it);
	uint64_t id = a->id;
	if (!rc)
		rc = transition(s, id, next, acts, n);
	if (!rc && next) {
		baton__action *still = baton__state_get(&s->st, id);
		if (still)
			still->type_scoped_planned = true;
	}
	for (size_t i = 0; i < n; i++)
		baton__action_clear(&acts[i]);
	free(acts);
	free(next);
	return rc;
}

/* EnqueuePageTokens of a response: spawned sibling cursors (checked as upstream). */
static int collect_spawned(syncer *s, baton__page *p, const baton__action *a, baton__action **out, size_t *n_out)
{
	*out = NULL;
	*n_out = 0;
	if (!p->call.annotations_ready)
		return 0;
	baton_annotations *annos = &p->call.annotations;
	baton__annotations_sync(annos);
	C1__Connector__V2__EnqueuePageTokens *ept = NULL;
	int count = 0;
	for (size_t i = 0; i < *annos->n; i++) {
		Google__Protobuf__Any *any = (*annos->items)[i];
		if (!baton__any_is(any, &c1__connector__v2__enqueue_page_tokens__descriptor))
			continue;
		if (++count > 1)
			return baton_error_set(BATON_EINVALID, "%s: more than one EnqueuePageTokens annotation in one response",
			                       baton__op_name(a->op));
		int rc = baton__any_unpack(&p->ctx.arena, any, &c1__connector__v2__enqueue_page_tokens__descriptor,
		                           (ProtobufCMessage **)&ept);
		if (rc)
			return rc;
	}
	if (!ept || !ept->n_page_tokens)
		return 0;
	if (ept->n_page_tokens > MAX_ENQUEUE_TOKENS)
		return baton_error_set(BATON_EINVALID, "EnqueuePageTokens: %zu tokens, at most %d", ept->n_page_tokens,
		                       MAX_ENQUEUE_TOKENS);
	size_t total = 0;
	baton__action *v = calloc(ept->n_page_tokens, sizeof(*v));
	if (!v)
		return baton__error_oom("spawned cursors");
	for (size_t i = 0; i < ept->n_page_tokens; i++) {
		const char *t = nz(ept->page_tokens[i]);
		size_t len = strlen(t);
		total += len;
		if (!len || len > MAX_ENQUEUE_TOKEN_BYTES || total > MAX_ENQUEUE_TOTAL_BYTES) {
			free(v);
			return baton_error_set(BATON_EINVALID, "EnqueuePageTokens: token %zu is empty or too large", i);
		}
		bool dup = p->call.next_page && !strcmp(p->call.next_page, t);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(v[j].page_token, t))
				dup = true;
		if (dup) {
			free(v);
			return baton_error_set(BATON_EINTERNAL, "duplicate or cyclic spawned cursor for op %s, resource type "
			                       "\"%s\", resource \"%s\", page token \"%s\"", baton__op_name(a->op),
			                       nz(a->resource_type_id), nz(a->resource_id), t);
		}
		v[i].op = a->op;
		v[i].page_token = (char *)t;
		v[i].resource_type_id = a->resource_type_id;
		v[i].resource_id = a->resource_id;
		v[i].spawned = true;
		v[i].type_scoped = a->type_scoped;
	}
	*out = v;
	*n_out = ept->n_page_tokens;
	return 0;
}

static int fresh_type_exists(syncer *s, const char *type_id, bool *exists)
{
	if (!type_id || !*type_id) {
		*exists = true;
		return 0;
	}
	type_info *t = stored_type(s, type_id);
	if (!t)
		return baton_error_last()->code ? baton_error_last()->code : BATON_EINTERNAL;
	*exists = t->stored;
	return 0;
}

/*
 * The connector call of a per-resource list-entitlements or list-grants page: the stored resource,
 * then the type's callback (NULL: nothing to list). Errors keep the upstream wording of each op.
 */
static int call_for_resource(syncer *s, baton__page *p, const baton__action *a, bool grants)
{
	const char *what = grants ? "grants" : "entitlements";
	const char *op = grants ? "list-grants" : "list-entitlements";
	if (a->type_scoped)
		return baton_error_set(BATON_EUNIMPLEMENTED, "type-scoped %s are not supported", what);
	const baton__rtype *t = baton__runtime_find(&s->rt, a->resource_type_id);
	if (!t)
		return baton_error_set(BATON_ENOTFOUND, "error: list %s with unknown resource type %s", what,
		                       nz(a->resource_type_id));
	baton_resource_id rid = {nz(a->resource_type_id), nz(a->resource_id)};
	call_begin(s, p, grants ? BATON__CALL_GRANTS : BATON__CALL_ENTITLEMENTS, t, a->page_token);
	baton_resource *res;
	store_lock(s);
	int rc = baton_store_get_resource(s->store, s->sync_id, &rid, &p->ctx, &res);
	store_unlock(s);
	if (rc) {
		if (grants)
			baton__error_prefix("sync-grants-for-resource: error getting resource");
		return call_error(rc, op, a);
	}
	int (*cb)(baton_ctx *, const baton_resource *) = grants ? t->syncer->grants : t->syncer->entitlements;
	rc = cb ? cb(&p->ctx, res) : 0;
	rc = call_result(s, p, rc, op);
	return rc ? call_error(rc, op, a) : 0;
}

static int call_entitlements(syncer *s, baton__page *p, const baton__action *a)
{
	return call_for_resource(s, p, a, false);
}

/*
 * The end of an entitlements or grants page whose rows are stored (rc 0) or failed: the actions
 * it spawned, the counts, and the move to its next page.
 */
static int end_eg_page(syncer *s, baton__page *p, const baton__action *a, int rc, const char *type_id,
                       bool grants, uint64_t stored)
{
	baton__action *sp = NULL;
	size_t nsp = 0;
	if (!rc)
		rc = collect_spawned(s, p, a, &sp, &nsp);
	if (!rc) {
		type_info *ti = type_get(s, type_id, true);
		if (grants) {
			s->n_grants += stored;
			if (ti)
				ti->grants += stored;
		} else {
			s->n_entitlements += stored;
			if (ti)
				ti->entitlements += stored;
		}
		rc = transition(s, a->id, p->call.next_page, sp, nsp);
	}
	free(sp);
	return rc ? call_error(rc, grants ? "list-grants" : "list-entitlements", a) : 0;
}

static int consume_entitlements(syncer *s, baton__page *p, const baton__action *a)
{
	s->phase = "list-entitlements";
	const baton__rtype *t = baton__runtime_find(&s->rt, a->resource_type_id);
	if (!t)
		return baton_error_set(BATON_ENOTFOUND, "error: list entitlements with unknown resource type %s",
		                       nz(a->resource_type_id));
	int rc = 0;
	size_t stored = 0;
	for (size_t i = 0; !rc && i < p->call.n_items; i++) {
		baton_entitlement *e = p->call.items[i];
		baton_resource *er = baton_entitlement_resource(e);
		if (s->type == BATON_SYNC_TYPE_FULL && er) {
			bool ok = false;
			if ((rc = fresh_type_exists(s, baton_resource_get_id(er).resource_type, &ok)))
				break;
			if (!ok) {
				s->st.ingest_quality.entitlements_dropped++;
				s->st.ingest_quality.source_cache_replay_blocked = true;
				s->st.ingest_quality.reason_flags |= 1;
				continue;
			}
		}
		int v = check_resource(er);
		if (v < 0) {
			rc = v;
			break;
		}
		if (v > 0 || !*baton_entitlement_id(e)) {
			s->st.ingest_quality.invalid_entitlements_observed++;
			continue;
		}
		if ((rc = baton_store_put_entitlement(s->store, e)))
			break;
		stored++;
	}
	return end_eg_page(s, p, a, rc, t->id, false, stored);
}

/* A resource from the connector's `get` (NULL when it does not exist or cannot be fetched). */
static int fetch_resource(syncer *s, baton_ctx *ctx, const baton_resource_id *id, const baton_resource_id *parent,
                          baton_resource **out)
{
	*out = NULL;
	const baton__rtype *t = baton__runtime_find(&s->rt, id->resource_type);
	if (!t || !t->syncer->get) {
		baton__log(BATON_LOG_WARN, "skipping resource due to unimplemented connector", "resource_id", id->resource,
		           "resource_type_id", id->resource_type, NULL);
		return 0;
	}
	baton__call call;
	memset(&call, 0, sizeof(call));
	baton__call_begin(&call, ctx, &s->rt, BATON__CALL_GET, t->rt, "");
	baton_error_clear();
	int rc = t->syncer->get(ctx, id, parent);
	ctx->sdk_state = NULL;
	if (rc == 0 && call.n_items)
		*out = call.items[0];
	baton__call_free(&call);
	if (rc == BATON_ENOTFOUND || rc == BATON_EUNIMPLEMENTED || (rc == 0 && !*out)) {
		baton__log(BATON_LOG_WARN, "skipping resource due to not found", "resource_id", id->resource,
		           "resource_type_id", id->resource_type, NULL);
		baton_error_clear();
		return 0;
	}
	if (rc && baton_error_last()->code == BATON_OK)
		baton_error_set(rc, "get failed");
	return rc;
}

static int on_expandable_filter(syncer *s, baton__page *p, baton_grant *g, bool *changed)
{
	*changed = false;
	baton_annotations *annos = baton_grant_annotations(g);
	if (has_anno(annos, "c1.connector.v2.ExternalResourceMatchAll") ||
	    has_anno(annos, "c1.connector.v2.ExternalResourceMatch") ||
	    has_anno(annos, "c1.connector.v2.ExternalResourceMatchID"))
		return 0;
	C1__Connector__V2__GrantExpandable *ge = NULL;
	int picked = baton__annotations_pick(annos, &c1__connector__v2__grant_expandable__descriptor,
	                                     (ProtobufCMessage **)&ge);
	if (picked < 0)
		return picked;
	if (!picked || !ge->n_resource_type_ids)
		return 0;
	size_t keep = 0;
	char **kept = baton_ctx_alloc(&p->ctx, ge->n_resource_type_ids * sizeof(*kept));
	if (!kept)
		return BATON_EEXHAUSTED;
	for (size_t i = 0; i < ge->n_resource_type_ids; i++) {
		bool ok = false;
		int rc = fresh_type_exists(s, ge->resource_type_ids[i], &ok);
		if (rc)
			return rc;
		if (ok) {
			kept[keep++] = ge->resource_type_ids[i];
		} else {
			s->st.ingest_quality.expansion_resource_types_dropped++;
			s->st.ingest_quality.source_cache_replay_blocked = true;
			s->st.ingest_quality.reason_flags |= 8;
		}
	}
	if (keep == ge->n_resource_type_ids)
		return 0;
	*changed = true;
	baton_annotations_remove(annos, "c1.connector.v2.GrantExpandable");
	if (keep) {
		ge->n_resource_type_ids = keep;
		ge->resource_type_ids = kept;
		return baton__annotations_append_msg(annos, &ge->base);
	}
	s->st.ingest_quality.expansions_dropped++;
	s->st.ingest_quality.source_cache_replay_blocked = true;
	s->st.ingest_quality.reason_flags |= 16;
	return 0;
}

static int call_grants(syncer *s, baton__page *p, const baton__action *a)
{
	return call_for_resource(s, p, a, true);
}

/* A related resource from the connector's `get` (targeted syncs); retried as a page would be. */
static int fetch_related(syncer *s, baton_ctx *ctx, const baton_resource_id *id, const baton_resource_id *parent,
                         baton_resource **out)
{
	for (;;) {
		int rc = fetch_resource(s, ctx, id, parent, out);
		/* sequentially the whole step is retried; in a batch of the pool only this call */
		if (!rc || !s->pool || !baton__pool_retry(s->pool, rc, NULL, "list-grants"))
			return rc;
		baton__ctx_reset(ctx);
	}
}

static int consume_grants(syncer *s, baton__page *p, const baton__action *a)
{
	s->phase = "list-grants";
	const baton__rtype *t = baton__runtime_find(&s->rt, a->resource_type_id);
	if (!t)
		return baton_error_set(BATON_ENOTFOUND, "error: list grants with unknown resource type %s",
		                       nz(a->resource_type_id));
	int rc = 0;
	bool insert = p->call.annotations_ready &&
	              has_anno(&p->call.annotations, "c1.connector.v2.InsertResourceGrants");
	baton__strset inserted = {0};
	size_t stored = 0;
	for (size_t i = 0; !rc && i < p->call.n_items; i++) {
		baton_grant *g = p->call.items[i];
		baton_annotations *ga = baton_grant_annotations(g);
		baton_entitlement *ge = baton_grant_entitlement(g);
		baton_resource *er = ge ? baton_entitlement_resource(ge) : NULL;
		if (insert) {
			if (!has_anno(ga, "c1.connector.v2.InsertResourceGrants") &&
			    (rc = baton_annotations_append_json(ga, "c1.connector.v2.InsertResourceGrants", "{}")))
				break;
			int v = check_resource(er);
			if (v < 0) {
				rc = v;
				break;
			}
			if (v > 0) {
				s->st.ingest_quality.invalid_resources_observed++;
				continue;
			}
			bool ok = true;
			if (s->type == BATON_SYNC_TYPE_FULL &&
			    (rc = fresh_type_exists(s, baton_resource_get_id(er).resource_type, &ok)))
				break;
			if (!ok) {
				s->st.ingest_quality.grant_resources_dropped++;
				s->st.ingest_quality.source_cache_replay_blocked = true;
				s->st.ingest_quality.reason_flags |= 4;
			} else {
				baton_resource_id id = baton_resource_get_id(er);
				baton__buf key = {0};
				baton__buf_puts(&key, id.resource_type);
				baton__buf_put(&key, "\0", 1);
				baton__buf_puts(&key, id.resource);
				int added = key.oom ? BATON_EEXHAUSTED : baton__strset_add(&inserted, key.data, key.len);
				baton__buf_free(&key);
				if (added < 0) {
					rc = added;
					break;
				}
				if (added && (rc = baton_store_put_resource(s->store, er)))
					break;
			}
		}
		if (s->type == BATON_SYNC_TYPE_FULL && er && baton_grant_principal(g)) {
			bool ok = false;
			if ((rc = fresh_type_exists(s, baton_resource_get_id(er).resource_type, &ok)))
				break;
			bool external = has_anno(ga, "c1.connector.v2.ExternalResourceMatchAll") ||
			                has_anno(ga, "c1.connector.v2.ExternalResourceMatch") ||
			                has_anno(ga, "c1.connector.v2.ExternalResourceMatchID");
			bool pok = true;
			if (ok && (rc = fresh_type_exists(s, baton_grant_principal_id(g).resource_type, &pok)))
				break;
			if (!ok || (!pok && !external)) {
				s->st.ingest_quality.grants_dropped++;
				s->st.ingest_quality.source_cache_replay_blocked = true;
				s->st.ingest_quality.reason_flags |= 2;
				continue;
			}
			bool changed;
			if ((rc = on_expandable_filter(s, p, g, &changed)))
				break;
		}
		if (!s->opts->skip_grant_expansion && has_anno(ga, "c1.connector.v2.GrantExpandable"))
			s->st.needs_expansion = true;
		if (has_anno(ga, "c1.connector.v2.ExternalResourceMatchAll") ||
		    has_anno(ga, "c1.connector.v2.ExternalResourceMatch") ||
		    has_anno(ga, "c1.connector.v2.ExternalResourceMatchID"))
			s->st.has_external_resource_grants = true;
		if (s->st.should_fetch_related_resources && er) {
			baton_resource_id id = baton_resource_get_id(er);
			baton_resource *have;
			int g2 = baton_store_get_resource(s->store, s->sync_id, &id, &s->sctx, &have);
			if (g2 == BATON_ENOTFOUND) {
				baton_resource_id pid;
				bool hp = baton_resource_get_parent(er, &pid);
				baton_resource *fetched;
				baton_ctx fctx;
				baton__ctx_init(&fctx);
				rc = fetch_related(s, &fctx, &id, hp ? &pid : NULL, &fetched);
				if (!rc && fetched && check_resource(fetched) == 0)
					rc = baton_store_put_resource(s->store, fetched);
				baton__ctx_release(&fctx);
				if (rc)
					break;
			} else if (g2) {
				rc = g2;
				break;
			}
		}
		if ((rc = baton_store_put_grant(s->store, g)))
			break;
		stored++;
	}
	baton__strset_free(&inserted);
	baton__ctx_reset(&s->sctx);
	return end_eg_page(s, p, a, rc, t->id, true, stored);
}

static int call_targeted(syncer *s, baton__page *p, const baton__action *a)
{
	p->result = NULL;
	if (!a->resource_id || !a->resource_type_id)
		return baton_error_set(BATON_EUNKNOWN, "cannot get resource without a resource target");
	baton_resource_id id = {a->resource_type_id, a->resource_id};
	baton_resource_id pid = {a->parent_resource_type_id, a->parent_resource_id};
	bool hp = a->parent_resource_type_id && a->parent_resource_id;
	baton_resource *r;
	int rc = fetch_resource(s, &p->ctx, &id, hp ? &pid : NULL, &r);
	if (rc)
		return call_error(rc, "targeted-resource-sync", a);
	p->result = r;
	return 0;
}

static int consume_targeted(syncer *s, baton__page *p, const baton__action *a)
{
	s->phase = "targeted-resource-sync";
	baton_resource_id id = {a->resource_type_id, a->resource_id};
	baton_resource *r = p->result;
	p->result = NULL;
	int rc = 0;
	if (!r || (rc = check_resource(r)) != 0) {
		if (rc < 0)
			return rc;
		return transition(s, a->id, NULL, NULL, 0);
	}
	baton__action *acts = NULL;
	size_t n = 0, cap = 8;
	acts = calloc(cap, sizeof(*acts));
	if (!acts)
		return baton__error_oom("actions");
	if ((rc = baton_store_put_resource(s->store, r)))
		goto done;
	s->n_resources++;
	int err;
	bool sg = skip_grants(s, r, &err);
	if (err) {
		rc = err;
		goto done;
	}
	type_info *ti = stored_type(s, id.resource_type);
	if (!sg && !(ti && ti->ts_grants)) {
		acts[n].op = BATON__OP_GRANTS;
		acts[n].resource_type_id = (char *)id.resource_type;
		acts[n].resource_id = (char *)id.resource;
		n++;
	}
	bool se = skip_entitlements(s, r, &err);
	if (err) {
		rc = err;
		goto done;
	}
	if (!se && !(ti && ti->ts_ents)) {
		acts[n].op = BATON__OP_ENTITLEMENTS;
		acts[n].resource_type_id = (char *)id.resource_type;
		acts[n].resource_id = (char *)id.resource;
		n++;
	}
	size_t first_child = n;
	if ((rc = schedule_children(s, p, r, &acts, &n, &cap, false)))
		goto done;
	if ((rc = transition(s, a->id, NULL, acts, n)))
		goto done;
	for (size_t i = first_child; i < n; i++) {
		baton__buf key = {0};
		baton__buf_puts(&key, acts[i].resource_type_id);
		baton__buf_put(&key, "\0", 1);
		baton__buf_puts(&key, acts[i].parent_resource_type_id);
		baton__buf_put(&key, "\0", 1);
		baton__buf_puts(&key, acts[i].parent_resource_id);
		if (!key.oom)
			baton__strset_add(&s->child_schedule, key.data, key.len);
		baton__buf_free(&key);
	}
done:
	free(acts);
	return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Expansion                                                                                   */

/* Stops the expansion at its next node (or load batch) when a stop is requested; what it wrote is
 * kept and the resumed sync runs the expansion again over it. */
static int expansion_progress(const baton_expand_progress *p, void *ud)
{
	(void)p;
	(void)ud;
	return baton__sync_stop_requested() ? 1 : 0;
}

static int run_expansion(syncer *s)
{
	baton_expand_options eo = BATON_EXPAND_OPTIONS_INIT;
	eo.keep_sync_state = true;
	eo.progress = expansion_progress;
	baton_expand_stats stats;
	memset(&stats, 0, sizeof(stats));
	int rc = baton_expand_store(s->store, s->sync_id, &eo, &stats);
	if (!rc)
		s->n_expanded += stats.grants_created;
	return rc;
}

static int step_expansion(syncer *s, baton__action *a)
{
	s->phase = "grant-expansion";
	int rc = baton_store_sync_set_supports_diff(s->store);
	if (rc)
		return rc;
	if (s->opts->skip_grant_expansion || !s->st.needs_expansion) {
		baton__log(BATON_LOG_DEBUG, "skipping grant expansion, no grants to expand", NULL);
		baton__state_finish(&s->st, a->id);
		return 0;
	}
	baton__log(BATON_LOG_INFO, "Expanding grants...", NULL);
	/* the expander reads the token: make sure it says needs_expansion */
	if ((rc = checkpoint(s, true)))
		return rc;
	if ((rc = run_expansion(s)))
		return rc;
	baton__state_finish(&s->st, a->id);
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* The loop                                                                                    */

typedef int (*step_fn)(syncer *s, baton__action *a);

static bool too_many_warnings(syncer *s)
{
	return s->warnings > 10 && s->st.completed_actions_count > 0 &&
	       (double)s->warnings / (double)s->st.completed_actions_count > 0.1;
}

static void warn_skip(syncer *s, baton__action *a, const char *what)
{
	s->warnings++;
	baton__log(BATON_LOG_WARN, what, "operation", baton__op_name(a->op), "resource_type_id",
	           nz(a->resource_type_id), "resource_id", nz(a->resource_id), "error", baton_error_last()->message,
	           NULL);
	baton__state_finish(&s->st, a->id);
}

/*
 * A private copy of an action for a step: the stack may grow (realloc) or drop the action while
 * the step runs, so steps never hold pointers into it.
 */
static int action_copy(const baton__action *a, baton__action *out)
{
	*out = *a;
	out->page_token = a->page_token ? strdup(a->page_token) : NULL;
	out->resource_type_id = a->resource_type_id ? strdup(a->resource_type_id) : NULL;
	out->resource_id = a->resource_id ? strdup(a->resource_id) : NULL;
	out->parent_resource_type_id = a->parent_resource_type_id ? strdup(a->parent_resource_type_id) : NULL;
	out->parent_resource_id = a->parent_resource_id ? strdup(a->parent_resource_id) : NULL;
	if ((a->page_token && !out->page_token) || (a->resource_type_id && !out->resource_type_id) ||
	    (a->resource_id && !out->resource_id) || (a->parent_resource_type_id && !out->parent_resource_type_id) ||
	    (a->parent_resource_id && !out->parent_resource_id)) {
		baton__action_clear(out);
		return baton__error_oom("action");
	}
	return 0;
}

/* Runs fn on a copy of the action with that id. */
static int run_step(syncer *s, uint64_t id, step_fn fn)
{
	baton__action *live = baton__state_get(&s->st, id);
	if (!live)
		return 0;
	baton__action a;
	int rc = baton__fault2("sync.step.", baton__op_name(live->op));
	if (!rc)
		rc = action_copy(live, &a);
	if (rc)
		return rc;
	rc = fn(s, &a);
	baton__action_clear(&a);
	return rc;
}

/*
 * The shared retryer on the calling thread: true (and *rc = 0) when the call should be made
 * again. A stop requested during the wait makes it false with *rc = BATON_ECANCELLED, which the
 * loop turns into the checkpointed stop.
 */
static bool retry(syncer *s, int *rc, const char *what)
{
	if (baton__retry_should(&s->retry, *rc, &s->main.rl, what, NULL)) {
		*rc = 0;
		return true;
	}
	if (*rc && baton_error_last()->code == BATON_ECANCELLED && baton__sync_stop_requested())
		*rc = BATON_ECANCELLED;
	return false;
}

/* One root step with the shared retryer; NotFound is a warning where upstream says so. */
static int run_root(syncer *s, baton__action *cur, step_fn fn, bool warn_ok)
{
	uint64_t id = cur->id;
	int op = cur->op;
	int rc = run_step(s, id, fn);
	if (warn_ok && rc == BATON_ENOTFOUND) {
		baton__action *a = baton__state_get(&s->st, id);
		if (a)
			warn_skip(s, a, "skipping sync action");
		return 0;
	}
	retry(s, &rc, baton__op_name(op));
	return rc;
}

/* One page of a batched action on the loop thread: the call, then the consume. */
static int run_split(syncer *s, uint64_t id, call_fn cf, consume_fn sf)
{
	baton__action *live = baton__state_get(&s->st, id);
	if (!live)
		return 0;
	baton__action a;
	int rc = action_copy(live, &a);
	if (rc)
		return rc;
	rc = cf(s, &s->main, &a);
	if (!rc)
		rc = sf(s, &s->main, &a);
	baton__call_end(&s->main.call, &s->main.ctx);
	s->main.result = NULL;
	baton__action_clear(&a);
	return rc;
}

/* Takes up to 100 same-op actions from the top of the stack into the batch queue. */
static int batch_collect(syncer *s, int op)
{
	s->q_head = s->q_len = 0;
	for (size_t i = s->st.n; i > 0 && s->q_len < MAX_BATCH; i--) {
		if (s->st.v[i - 1].op != op)
			break;
		if (s->q_len == s->q_cap) {
			size_t cap = s->q_cap ? s->q_cap * 2 : 128;
			uint64_t *q = realloc(s->queue, cap * sizeof(*q));
			if (!q)
				return baton__error_oom("batch queue");
			s->queue = q;
			s->q_cap = cap;
		}
		s->queue[s->q_len++] = s->st.v[i - 1].id;
	}
	return 0;
}

/* A batch on the loop thread (no workers): each action driven through all of its pages. */
static int run_batch_seq(syncer *s, int op, call_fn cf, consume_fn sf)
{
	int rc = batch_collect(s, op);
	if (rc)
		return rc;
	s->batch_op = op;
	while (!rc && s->q_head < s->q_len) {
		uint64_t id = s->queue[s->q_head++];
		for (;;) {
			if (!baton__state_get(&s->st, id))
				break;
			rc = run_split(s, id, cf, sf);
			if (rc == BATON_ENOTFOUND) {
				baton__action *a = baton__state_get(&s->st, id);
				if (a)
					warn_skip(s, a, "skipping sync action");
				rc = 0;
				break;
			}
			if (rc) {
				if (retry(s, &rc, baton__op_name(op)))
					continue;
				break;
			}
			progress_tick(s, false);
			if (baton__sync_stop_requested())
				break;
		}
		if (baton__sync_stop_requested())
			break;
	}
	s->batch_op = 0;
	return rc;
}

/* The pool's call function: runs on a worker. */
static int pool_call(void *ud, baton__pool_page *pp)
{
	syncer *s = ud;
	return s->batch_call(s, &pp->p, &pp->a);
}

/* Hands the queued actions not handed yet to the pool. */
static int batch_dispatch(syncer *s)
{
	for (; s->q_head < s->q_len; s->q_head++) {
		baton__action *a = baton__state_get(&s->st, s->queue[s->q_head]);
		if (!a)
			continue;
		int rc = baton__pool_add(s->pool, a);
		if (rc)
			return rc;
	}
	return 0;
}

/* Writes one page a worker fetched. */
static int consume_page(syncer *s, baton__pool_page *pp, consume_fn sf)
{
	uint64_t id = pp->a.id;
	baton__action *live = baton__state_get(&s->st, id);
	if (!live)
		return 0;  /* finished by a warning: its later pages are dropped */
	if (strcmp(nz(live->page_token), nz(pp->a.page_token)))
		return baton_error_set(BATON_EINTERNAL, "%s: page '%s' arrived for action at page '%s'",
		                       baton__op_name(live->op), nz(pp->a.page_token), nz(live->page_token));
	int rc = pp->rc;
	if (rc) {
		baton_error_set(rc, "%s", pp->msg ? pp->msg : "");
	} else {
		store_lock(s);
		rc = sf(s, &pp->p, &pp->a);
		store_unlock(s);
	}
	if (rc == BATON_ENOTFOUND) {
		baton__action *a = baton__state_get(&s->st, id);
		if (a)
			warn_skip(s, a, "skipping sync action");
		baton__pool_abandon(s->pool, id);
		return 0;
	}
	return rc;
}

/*
 * A batch on the pool: the workers make the calls, this thread writes the pages as they come
 * (one at a time, in the order they are ready) and queues spawned cursors. The first error
 * cancels the batch; so does a stop request (the state then says exactly which pages were
 * written, and the loop checkpoints it).
 */
static int run_batch_pool(syncer *s, int op, call_fn cf, consume_fn sf)
{
	int rc = 0;
	if (!s->pool && (rc = baton__pool_start(&s->pool, s->workers, &s->retry, pool_call, s)))
		return rc;
	if ((rc = batch_collect(s, op)))
		return rc;
	char na[24], nw[24];
	snprintf(na, sizeof(na), "%zu", s->q_len);
	snprintf(nw, sizeof(nw), "%d", s->workers);
	baton__log(BATON_LOG_INFO, "syncing in parallel", "#actions", na, "#workers", nw, NULL);
	s->batch_op = op;
	s->batch_call = cf;
	rc = batch_dispatch(s);
	bool cancel = rc != 0;
	while (!rc) {
		if (baton__sync_stop_requested()) {
			cancel = true;
			break;
		}
		baton__pool_page *pp;
		int r = baton__pool_next(s->pool, 200, &pp);
		if (r == 0)
			break;
		if (r == 2) {
			progress_tick(s, false);
			continue;
		}
		if (baton__sync_stop_requested()) {
			baton__pool_release(s->pool, pp);
			cancel = true;
			break;
		}
		rc = consume_page(s, pp, sf);
		baton__pool_release(s->pool, pp);
		if (!rc)
			rc = batch_dispatch(s);
		if (rc)
			cancel = true;
		else
			progress_tick(s, false);
	}
	if (cancel) {
		/* keep the error of this thread: cancelling logs nothing, but be safe */
		baton_error saved = *baton_error_last();
		char *msg = rc ? strdup(saved.message) : NULL;
		baton__pool_cancel(s->pool);
		if (rc)
			baton_error_set(rc, "%s", msg ? msg : saved.message);
		free(msg);
	}
	s->batch_op = 0;
	s->batch_call = NULL;
	return rc;
}

/* A batch: up to 100 same-op actions from the top, each driven through all of its pages. */
static int run_batch(syncer *s, int op, call_fn cf, consume_fn sf)
{
	return s->workers > 0 ? run_batch_pool(s, op, cf, sf) : run_batch_seq(s, op, cf, sf);
}

static int plan(syncer *s, baton__action *a)
{
	baton__state_finish(&s->st, a->id);
	if (s->opts->skip_entitlements_and_grants)
		s->st.should_skip_entitlements_and_grants = true;
	if (s->opts->skip_grants)
		s->st.should_skip_grants = true;
	baton__action x;
	int rc = 0;
	if (s->n_targets) {
		for (size_t i = 0; !rc && i < s->n_targets; i++) {
			memset(&x, 0, sizeof(x));
			x.op = BATON__OP_TARGETED_RESOURCE;
			x.resource_type_id = s->targets[i][0];
			x.resource_id = s->targets[i][1];
			x.parent_resource_type_id = s->targets[i][2];
			x.parent_resource_id = s->targets[i][3];
			rc = baton__state_push(&s->st, &x, NULL);
		}
		s->st.should_fetch_related_resources = true;
		memset(&x, 0, sizeof(x));
		x.op = BATON__OP_RESOURCE_TYPES;
		if (!rc)
			rc = baton__state_push(&s->st, &x, NULL);
		return rc ? rc : checkpoint(s, true);
	}
	static const int full[] = {BATON__OP_GRANT_EXPANSION, BATON__OP_GRANTS, BATON__OP_ENTITLEMENTS,
	                           BATON__OP_STATIC_ENTITLEMENTS, BATON__OP_RESOURCES, BATON__OP_RESOURCE_TYPES};
	for (size_t i = 0; !rc && i < sizeof(full) / sizeof(full[0]); i++) {
		int op = full[i];
		bool skip_eg_ = s->st.should_skip_entitlements_and_grants;
		if (skip_eg_ && (op == BATON__OP_GRANT_EXPANSION || op == BATON__OP_GRANTS ||
		                 op == BATON__OP_ENTITLEMENTS || op == BATON__OP_STATIC_ENTITLEMENTS))
			continue;
		if (op == BATON__OP_GRANTS && s->st.should_skip_grants)
			continue;
		memset(&x, 0, sizeof(x));
		x.op = op;
		rc = baton__state_push(&s->st, &x, NULL);
	}
	return rc ? rc : checkpoint(s, true);
}

static int loop(syncer *s)
{
	for (;;) {
		baton__action *a = baton__state_current(&s->st);
		if (!a)
			return 0;
		if (baton__sync_stop_requested()) {
			/* a safe point: every page written is in the state, nothing else is */
			s->stopped = true;
			baton__log(BATON_LOG_INFO, "stop requested: checkpointing and exiting sync early", "sync_id",
			           s->sync_id, NULL);
			int crc = checkpoint(s, true);
			if (crc)
				return crc;
			return baton_error_set(BATON_ECANCELLED, "sync stopped before it finished (stop requested): "
			                       "its progress is checkpointed and the next run resumes it");
		}
		int rc = checkpoint(s, false);
		if (rc)
			return rc;
		if (s->warnings > 10 && too_many_warnings(s))
			return baton_error_set(BATON_EUNKNOWN, "too many warnings, exiting sync: warnings: %" PRIu64
			                       " completed actions: %" PRIu64, s->warnings, s->st.completed_actions_count);
		bool root = !a->resource_type_id && !a->resource_id;
		switch (a->op) {
		case BATON__OP_INIT:
			rc = plan(s, a);
			break;
		case BATON__OP_RESOURCE_TYPES:
			rc = run_root(s, a, step_resource_types, false);
			break;
		case BATON__OP_RESOURCES:
			rc = root ? run_root(s, a, step_resources_root, false)
			          : run_batch(s, a->op, call_resources, consume_resources);
			break;
		case BATON__OP_TARGETED_RESOURCE:
			rc = run_batch(s, a->op, call_targeted, consume_targeted);
			break;
		case BATON__OP_STATIC_ENTITLEMENTS:
			rc = run_root(s, a, a->resource_type_id ? step_static : step_static_root, true);
			break;
		case BATON__OP_ENTITLEMENTS:
			rc = root ? run_root(s, a, step_eg_root, true)
			          : run_batch(s, a->op, call_entitlements, consume_entitlements);
			break;
		case BATON__OP_GRANTS:
			rc = root ? run_root(s, a, step_eg_root, true) : run_batch(s, a->op, call_grants, consume_grants);
			break;
		case BATON__OP_GRANT_EXPANSION:
			rc = run_step(s, a->id, step_expansion);
			if (rc && baton__retry_should(&s->retry, rc, NULL, "grant-expansion", NULL))
				rc = 0;
			break;
		default:
			rc = baton_error_set(BATON_EUNKNOWN, "unexpected sync step");
		}
		/* an action cut short by the stop request (a retry wait, the expansion) is not finished:
		 * the stop check above checkpoints it and the next run does it again */
		if (rc == BATON_ECANCELLED && baton__sync_stop_requested()) {
			baton_error_clear();
			continue;
		}
		if (rc)
			return rc;
		progress_tick(s, false);
	}
}

/* ------------------------------------------------------------------------------------------ */
/* Progress                                                                                    */

static void fill_progress(syncer *s, baton_sync_progress *p)
{
	memset(p, 0, sizeof(*p));
	p->phase = s->phase ? s->phase : "";
	baton__action *a = baton__state_current(&s->st);
	p->resource_type_id = a ? nz(a->resource_type_id) : "";
	p->resource_id = a ? nz(a->resource_id) : "";
	p->resource_types = s->n_resource_types;
	p->resources = s->n_resources;
	p->entitlements = s->n_entitlements;
	p->grants = s->n_grants;
	p->pages = s->pages;
}

/* Calls the caller's progress callback (at most every progress_interval_ms unless forced). */
static void progress_notify(syncer *s, int64_t now, bool force)
{
	if (!s->opts->progress)
		return;
	unsigned iv = s->opts->progress_interval_ms ? s->opts->progress_interval_ms : 1000;
	if (force || now - s->last_progress_ms >= (int64_t)iv) {
		baton_sync_progress p;
		fill_progress(s, &p);
		s->opts->progress(&p, s->opts->progress_userdata);
		s->last_progress_ms = now;
	}
}

/* Progress for the callback, and for people: the live line on a terminal (redrawn at most 10
 * times a second, and whenever the phase changes), else a log record every 10 s. */
static void progress_tick(syncer *s, bool force)
{
	int64_t now = baton__sync_now_ms();
	progress_notify(s, now, force);
	if (s->tty) {
		if (force || s->phase != s->line_phase || now - s->last_line_ms >= 100) {
			s->line_phase = s->phase;
			double secs = (double)(now - s->started_ms) / 1000.0;
			uint64_t items = s->n_resources + s->n_entitlements + s->n_grants;
			char line[256];
			snprintf(line, sizeof(line), "%s %s | types %" PRIu64 " resources %" PRIu64 " entitlements %" PRIu64
			         " grants %" PRIu64 " | %.0f/s", s->phase ? s->phase : "starting",
			         baton__state_current(&s->st) ? nz(baton__state_current(&s->st)->resource_type_id) : "",
			         s->n_resource_types, s->n_resources, s->n_entitlements, s->n_grants,
			         secs > 0 ? (double)items / secs : 0.0);
			baton__log_status(line);
			s->last_line_ms = now;
		}
	} else if (force || now - s->last_log_ms >= 10000) {
		char r[24], e[24], g[24];
		snprintf(r, sizeof(r), "%" PRIu64, s->n_resources);
		snprintf(e, sizeof(e), "%" PRIu64, s->n_entitlements);
		snprintf(g, sizeof(g), "%" PRIu64, s->n_grants);
		if (now != s->last_log_ms && !force)
			baton__log(BATON_LOG_INFO, "Sync progress", "phase", s->phase ? s->phase : "", "#resources", r,
			           "#entitlements", e, "#grants", g, NULL);
		s->last_log_ms = now;
	}
}

static void summary(syncer *s)
{
	if (s->tty)
		baton__log_status(NULL);
	for (size_t i = 0; i < s->n_types; i++) {
		type_info *t = &s->types[i];
		if (!t->resources && !t->entitlements && !t->grants)
			continue;
		char r[24], e[24], g[24];
		snprintf(r, sizeof(r), "%" PRIu64, t->resources);
		snprintf(e, sizeof(e), "%" PRIu64, t->entitlements);
		snprintf(g, sizeof(g), "%" PRIu64, t->grants);
		baton__log(BATON_LOG_INFO, "Synced resource type", "resource_type_id", t->id, "#resources", r,
		           "#entitlements", e, "#grants", g, NULL);
	}
	char d[32];
	snprintf(d, sizeof(d), "%.3f", (double)(baton__sync_now_ms() - s->started_ms) / 1000.0);
	baton__log(BATON_LOG_INFO, "Sync complete.", "sync_id", s->sync_id, "#duration_seconds", d, NULL);
}

/* ------------------------------------------------------------------------------------------ */
/* Start, end                                                                                  */

static int validate_connector(syncer *s)
{
	if (!s->rt.conn->validate)
		return 0;
	baton__retryer r = {0, 5, 1000, 60000, 0};
	for (;;) {
		call_begin(s, &s->main, BATON__CALL_VALIDATE, NULL, "");
		int rc = s->rt.conn->validate(&s->main.ctx);
		rc = call_result(s, &s->main, rc, "validate");
		baton__ratelimit rl = s->main.rl;
		baton__call_end(&s->main.call, &s->main.ctx);
		if (!rc)
			return 0;
		if (!baton__retry_should(&r, rc, &rl, "validate", NULL))
			return baton__error_prefix("validate");
	}
}

static int pick_sync(syncer *s)
{
	int rc;
	if (!s->n_targets) {
		bool resumed = false;
		rc = baton_store_sync_start_or_resume(s->store, s->type, NULL, s->sync_id, &resumed);
		s->resumed = resumed;
		return rc;
	}
	baton_ctx tmp;
	baton__ctx_init(&tmp);
	baton_sync_run run;
	const char *parent = NULL;
	rc = baton_store_sync_latest_finished(s->store, BATON_SYNC_TYPE_FULL, &tmp, &run);
	if (rc == 0)
		parent = run.id;
	else if (rc == BATON_ENOTFOUND)
		rc = 0;
	if (!rc)
		rc = baton_store_sync_start(s->store, BATON_SYNC_TYPE_PARTIAL, parent, s->sync_id);
	baton__ctx_release(&tmp);
	return rc;
}

/*
 * A previous run that ended its sync but was stopped before saving the c1z left that finished
 * sync in the working copy: this run only saves it (the sync is the same kind as this run's).
 */
static int find_unsaved_end(syncer *s, bool *ended)
{
	*ended = false;
	if (!baton_store_resumed(s->store))
		return 0;
	baton_ctx tmp;
	baton__ctx_init(&tmp);
	baton_sync_run run;
	int rc = baton_store_sync_unsaved_finished(s->store, &tmp, &run);
	if (rc == BATON_ENOTFOUND) {
		rc = 0;
	} else if (rc == 0 && run.type == s->type) {
		snprintf(s->sync_id, sizeof(s->sync_id), "%s", run.id);
		s->resumed = true;
		*ended = true;
		baton_store_counts c;
		if (baton_store_count(s->store, s->sync_id, &c) == 0) {
			s->n_resource_types = c.resource_types;
			s->n_resources = c.resources;
			s->n_entitlements = c.entitlements;
			s->n_grants = c.grants;
		}
		baton__log(BATON_LOG_INFO, "the previous run finished its sync but stopped before saving the "
		           "file; saving it", "sync_id", s->sync_id, NULL);
	}
	baton__ctx_release(&tmp);
	return rc;
}

static int load_state(syncer *s)
{
	baton_ctx tmp;
	baton__ctx_init(&tmp);
	baton_sync_run run;
	int rc = baton_store_sync_get(s->store, s->sync_id, &tmp, &run);
	if (!rc)
		rc = baton__state_unmarshal(&s->st, s->resumed ? nz(run.sync_token) : "");
	baton__ctx_release(&tmp);
	if (rc)
		return rc;
	if (!s->resumed) {
		s->st.ingest_quality.known = true;
	} else if (!s->st.ingest_quality.known) {
		s->st.ingest_quality.known = true;
		s->st.ingest_quality.source_cache_replay_blocked = true;
		s->st.ingest_quality.reason_flags = 64;
	}
	if (s->resumed) {
		baton__action *a = baton__state_current(&s->st);
		char done[24];
		snprintf(done, sizeof(done), "%" PRIu64, s->st.completed_actions_count);
		baton__log(BATON_LOG_INFO, "resumed previous sync", "sync_id", s->sync_id, "current_action_op",
		           a ? baton__op_name(a->op) : "", "current_action_resource_type_id", a ? nz(a->resource_type_id) : "",
		           "current_action_resource_id", a ? nz(a->resource_id) : "", "current_action_page_token",
		           a ? nz(a->page_token) : "", "#completed_actions", done, NULL);
		if (!a) {
			baton__action init = {0};
			init.op = BATON__OP_INIT;
			if ((rc = baton__state_push(&s->st, &init, NULL)) || (rc = checkpoint(s, true)))
				return rc;
		}
	}
	return 0;
}

static int parse_targets(syncer *s)
{
	const baton_sync_options *o = s->opts;
	if (!o->n_sync_resources)
		return 0;
	s->targets = calloc(o->n_sync_resources, sizeof(*s->targets));
	if (!s->targets)
		return baton__error_oom("targeted resources");
	for (size_t i = 0; i < o->n_sync_resources; i++) {
		char *ref[4];
		int rc = baton__parse_resource_ref(o->sync_resources[i], ref);
		if (rc)
			return rc;
		bool keep = true;
		if (o->n_sync_resource_types) {
			keep = false;
			for (size_t j = 0; j < o->n_sync_resource_types; j++)
				if (!strcmp(o->sync_resource_types[j], ref[0]))
					keep = true;
		}
		for (size_t j = 0; keep && j < s->n_targets; j++) {
			bool same = true;
			for (int k = 0; k < 4; k++)
				if (strcmp(nz(s->targets[j][k]), nz(ref[k])))
					same = false;
			if (same)
				keep = false;
		}
		if (!keep) {
			for (int k = 0; k < 4; k++)
				free(ref[k]);
			continue;
		}
		memcpy(s->targets[s->n_targets++], ref, sizeof(ref));
	}
	return 0;
}

static void syncer_free(syncer *s)
{
	baton__pool_free(s->pool);
	s->pool = NULL;
	baton__state_free(&s->st);
	baton__call_free(&s->main.call);
	baton__ctx_release(&s->main.ctx);
	pthread_mutex_destroy(&s->store_mu);
	baton__ctx_release(&s->sctx);
	for (size_t i = 0; i < s->n_types; i++)
		free(s->types[i].id);
	free(s->types);
	baton__strset_free(&s->child_schedule);
	baton__strset_free(&s->spawned_admitted);
	for (size_t i = 0; i < s->n_targets; i++)
		for (int k = 0; k < 4; k++)
			free(s->targets[i][k]);
	free(s->targets);
	free(s->queue);
}

BATON_API int baton_sync(const baton_connector *connector, const baton_sync_options *opts,
                         baton_sync_summary *summary_out)
{
	baton_sync_options defaults = BATON_SYNC_OPTIONS_INIT;
	if (!opts)
		opts = &defaults;
	if (opts->version < 1)
		return baton_error_set(BATON_EINVALID, "baton_sync: options version must be set (BATON_SYNC_OPTIONS_VERSION)");
	if (summary_out)
		memset(summary_out, 0, sizeof(*summary_out));
	syncer *s = calloc(1, sizeof(*s));
	if (!s)
		return baton__error_oom("syncer");
	s->opts = opts;
	baton__ctx_init(&s->main.ctx);
	baton__ctx_init(&s->sctx);
	{
		pthread_mutexattr_t ma;
		pthread_mutexattr_init(&ma);
		pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
		pthread_mutex_init(&s->store_mu, &ma);
		pthread_mutexattr_destroy(&ma);
	}
	s->workers = opts->workers ? baton__pool_workers(opts->workers) : 0;
	s->retry = (baton__retryer){0, 0, 1000, 60000, 0};
	s->checkpoint_interval = opts->checkpoint_interval_ms ? opts->checkpoint_interval_ms : 10000;
	{
		/* a test and tuning knob: wins over the option; 0 checkpoints at every opportunity */
		const char *ci = getenv("BATON_CHECKPOINT_INTERVAL_MS");
		if (ci && *ci) {
			char *end;
			errno = 0;
			unsigned long long v = strtoull(ci, &end, 10);
			if (errno || *end || *ci == '-' || v > 86400000ULL) {
				syncer_free(s);
				free(s);
				return baton_error_set(BATON_EINVALID, "BATON_CHECKPOINT_INTERVAL_MS=%s: expected a "
				                       "number of milliseconds (at most a day)", ci);
			}
			s->checkpoint_interval = v;
		}
	}
	s->started_ms = s->last_progress_ms = s->last_log_ms = baton__sync_now_ms();
	s->tty = isatty(2) && baton__log_get_format() == BATON__LOG_CONSOLE;
	s->type = opts->skip_entitlements_and_grants ? BATON_SYNC_TYPE_RESOURCES_ONLY : BATON_SYNC_TYPE_FULL;

	int rc = parse_targets(s);
	if (rc) {
		syncer_free(s);
		free(s);
		return rc;
	}
	if (s->n_targets)
		s->type = BATON_SYNC_TYPE_PARTIAL;
	if ((rc = baton__runtime_open(&s->rt, connector))) {
		syncer_free(s);
		free(s);
		return rc;
	}
	/* The working copy is "<c1z>.wip/": every checkpoint survives a kill (see sync.h). */
	baton_store_options so = BATON_STORE_OPTIONS_INIT;
	so.tmp_dir = opts->tmp_dir;
	so.resumable_work_dir = true;
	const char *path = opts->c1z_path && *opts->c1z_path ? opts->c1z_path : "sync.c1z";
	bool ended_before = false;
	rc = baton_store_open(path, &so, &s->store);
	if (!rc)
		rc = find_unsaved_end(s, &ended_before);
	if (!rc && !ended_before)
		rc = validate_connector(s);
	if (!rc && !ended_before)
		rc = pick_sync(s);
	if (!rc && !ended_before) {
		s->rt.store = s->store;
		s->rt.sync_id = s->sync_id;
		s->rt.store_mu = &s->store_mu;
		rc = load_state(s);
	}
	if (!rc && !ended_before)
		rc = loop(s);
	if (!rc && !ended_before)
		rc = checkpoint(s, true);
	if (!rc && !ended_before)
		rc = baton__fault("sync.end");
	if (!rc && !ended_before)
		rc = baton_store_sync_end(s->store);
	if (!rc) {
		/* the connector's Cleanup: its session store lives for one sync */
		if (baton_store_session_clear(s->store, s->sync_id, NULL))
			baton__log(BATON_LOG_ERROR, "error clearing connector caches", "error", baton_error_last()->message, NULL);
		summary(s);
		if (s->warnings) {
			char w[24];
			snprintf(w, sizeof(w), "%" PRIu64, s->warnings);
			baton__log(BATON_LOG_WARN, "sync completed with warnings", "#warning_count", w, NULL);
		}
	} else if (s->tty) {
		baton__log_status(NULL);
	}
	/* The last word goes to the callback only: the summary above has replaced the live line. */
	progress_notify(s, baton__sync_now_ms(), true);
	if (summary_out) {
		snprintf(summary_out->sync_id, sizeof(summary_out->sync_id), "%.27s", s->sync_id);
		summary_out->resumed = s->resumed;
		summary_out->resource_types = s->n_resource_types;
		summary_out->resources = s->n_resources;
		summary_out->entitlements = s->n_entitlements;
		summary_out->grants = s->n_grants;
		summary_out->expanded_grants = s->n_expanded;
		summary_out->warnings = s->warnings;
		summary_out->retries = s->retry.retries;
		summary_out->seconds = (double)(baton__sync_now_ms() - s->started_ms) / 1000.0;
	}
	/*
	 * A finished sync is saved into the c1z (and the working copy removed). A failed one is not:
	 * the c1z stays the previous file and the working copy keeps what was done and the last
	 * checkpoint, for the next run to resume.
	 */
	if (s->store) {
		baton_error saved = *baton_error_last();
		char *msg = rc ? strdup(saved.message) : NULL;
		int crc = rc ? baton_store_suspend(s->store) : baton_store_close(s->store);
		s->store = NULL;
		if (rc)
			baton_error_set(rc, "%s", msg ? msg : "");
		else
			rc = crc;
		free(msg);
	}
	s->rt.store = NULL;
	s->rt.store_mu = NULL;
	/* the workers are joined before the connector's close runs */
	baton__pool_free(s->pool);
	s->pool = NULL;
	baton__runtime_close(&s->rt);
	syncer_free(s);
	free(s);
	/* a stop request is for one sync: honoured or not, it is forgotten now */
	baton__sync_stop_clear();
	return rc;
}
