/*
 * The loop over the action stack: the plan, root steps with the shared retryer, batches of
 * same-op actions on this thread or on the worker pool.
 */
#include "sync/syncer_int.h"
#include "sync/external.h"

#define MAX_BATCH 100

/* ------------------------------------------------------------------------------------------ */
/* The loop                                                                                    */

typedef int (*step_fn)(baton__syncer *s, baton__action *a);

static bool too_many_warnings(baton__syncer *s)
{
	return s->warnings > 10 && s->st.completed_actions_count > 0 &&
	       (double)s->warnings / (double)s->st.completed_actions_count > 0.1;
}

static void warn_skip(baton__syncer *s, baton__action *a, const char *what)
{
	s->warnings++;
	baton__log(BATON_LOG_WARN, what, "operation", baton__op_name(a->op), "resource_type_id",
	           baton__nz(a->resource_type_id), "resource_id", baton__nz(a->resource_id), "error",
	           baton_error_last()->message, NULL);
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
static int run_step(baton__syncer *s, uint64_t id, step_fn fn)
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
static bool retry(baton__syncer *s, int *rc, const char *what)
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
static int run_root(baton__syncer *s, baton__action *cur, step_fn fn, bool warn_ok)
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
static int run_split(baton__syncer *s, uint64_t id, baton__sync_call_fn cf, baton__sync_consume_fn sf)
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
static int batch_collect(baton__syncer *s, int op)
{
	s->q_head = s->q_len = 0;
	for (size_t i = s->st.n; i > 0 && s->q_len < MAX_BATCH; i--) {
		/* the root of the same operation (a later page of its store listing, under the
		 * actions its earlier page pushed) is a step of its own, never a batch member: run as
		 * one it was an unknown resource, skipped with a warning, and the resources of its later
		 * pages lost their entitlements and grants */
		const baton__action *c = &s->st.v[i - 1];
		if (c->op != op || (!c->resource_type_id && !c->resource_id))
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
static int run_batch_seq(baton__syncer *s, int op, baton__sync_call_fn cf, baton__sync_consume_fn sf)
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
			baton__syncer_progress_tick(s, false);
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
	baton__syncer *s = ud;
	return s->batch_call(s, &pp->p, &pp->a);
}

/* Hands the queued actions not handed yet to the pool. */
static int batch_dispatch(baton__syncer *s)
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
static int consume_page(baton__syncer *s, baton__pool_page *pp, baton__sync_consume_fn sf)
{
	uint64_t id = pp->a.id;
	baton__action *live = baton__state_get(&s->st, id);
	if (!live)
		return 0;  /* finished by a warning: its later pages are dropped */
	if (strcmp(baton__nz(live->page_token), baton__nz(pp->a.page_token)))
		return baton_error_set(BATON_EINTERNAL, "%s: page '%s' arrived for action at page '%s'",
		                       baton__op_name(live->op), baton__nz(pp->a.page_token), baton__nz(live->page_token));
	int rc = pp->rc;
	if (rc) {
		baton_error_set(rc, "%s", pp->msg ? pp->msg : "");
	} else {
		baton__syncer_store_lock(s);
		rc = sf(s, &pp->p, &pp->a);
		baton__syncer_store_unlock(s);
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
static int run_batch_pool(baton__syncer *s, int op, baton__sync_call_fn cf, baton__sync_consume_fn sf)
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
			baton__syncer_progress_tick(s, false);
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
			baton__syncer_progress_tick(s, false);
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
static int run_batch(baton__syncer *s, int op, baton__sync_call_fn cf, baton__sync_consume_fn sf)
{
	return s->workers > 0 ? run_batch_pool(s, op, cf, sf) : run_batch_seq(s, op, cf, sf);
}

static int plan(baton__syncer *s, baton__action *a)
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
		return rc ? rc : baton__syncer_checkpoint(s, true);
	}
	static const int full[] = {BATON__OP_GRANT_EXPANSION, BATON__OP_EXTERNAL_RESOURCES, BATON__OP_GRANTS,
	                           BATON__OP_ENTITLEMENTS, BATON__OP_STATIC_ENTITLEMENTS, BATON__OP_RESOURCES,
	                           BATON__OP_RESOURCE_TYPES};
	for (size_t i = 0; !rc && i < sizeof(full) / sizeof(full[0]); i++) {
		int op = full[i];
		bool skip_eg_ = s->st.should_skip_entitlements_and_grants;
		if (skip_eg_ && (op == BATON__OP_GRANT_EXPANSION || op == BATON__OP_GRANTS ||
		                 op == BATON__OP_ENTITLEMENTS || op == BATON__OP_STATIC_ENTITLEMENTS))
			continue;
		if (op == BATON__OP_GRANTS && s->st.should_skip_grants)
			continue;
		if (op == BATON__OP_EXTERNAL_RESOURCES && !baton__syncer_external_enabled(s))
			continue;
		memset(&x, 0, sizeof(x));
		x.op = op;
		rc = baton__state_push(&s->st, &x, NULL);
	}
	return rc ? rc : baton__syncer_checkpoint(s, true);
}

int baton__syncer_loop(baton__syncer *s)
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
			int crc = baton__syncer_checkpoint(s, true);
			if (crc)
				return crc;
			return baton_error_set(BATON_ECANCELLED, "sync stopped before it finished (stop requested): "
			                       "its progress is checkpointed and the next run resumes it");
		}
		int rc = baton__syncer_checkpoint(s, false);
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
			rc = run_root(s, a, baton__syncer_step_resource_types, false);
			break;
		case BATON__OP_RESOURCES:
			rc = root ? run_root(s, a, baton__syncer_step_resources_root, false)
			          : run_batch(s, a->op, baton__syncer_call_resources, baton__syncer_consume_resources);
			break;
		case BATON__OP_TARGETED_RESOURCE:
			rc = run_batch(s, a->op, baton__syncer_call_targeted, baton__syncer_consume_targeted);
			break;
		case BATON__OP_STATIC_ENTITLEMENTS:
			rc = run_root(s, a, a->resource_type_id ? baton__syncer_step_static : baton__syncer_step_static_root, true);
			break;
		case BATON__OP_ENTITLEMENTS:
			rc = root ? run_root(s, a, baton__syncer_step_eg_root, true)
			          : run_batch(s, a->op, baton__syncer_call_entitlements, baton__syncer_consume_entitlements);
			break;
		case BATON__OP_GRANTS:
			rc = root ? run_root(s, a, baton__syncer_step_eg_root, true)
			          : run_batch(s, a->op, baton__syncer_call_grants, baton__syncer_consume_grants);
			break;
		case BATON__OP_EXTERNAL_RESOURCES:
			rc = run_step(s, a->id, baton__syncer_step_external);
			break;
		case BATON__OP_GRANT_EXPANSION:
			rc = run_step(s, a->id, baton__syncer_step_expansion);
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
		baton__syncer_progress_tick(s, false);
	}
}
