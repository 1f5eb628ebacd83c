/* The syncer's worker pool (pool.h). */
#include "sync/pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "core/log.h"

typedef struct baton__job {
	baton__action a;
	struct baton__job *next;
} baton__job;

typedef struct baton__worker {
	pthread_t th;
	baton__pool *pool;
	baton__pool_page slots[BATON__POOL_SLOTS];
	uint64_t job_id;          /* the action being driven, while has_job */
	bool has_job;
	bool abandon;
} baton__worker;

struct baton__pool {
	pthread_mutex_t mu;
	pthread_cond_t work_cv;   /* workers: a job was queued, or quit */
	pthread_cond_t ready_cv;  /* loop thread: a page is ready, or a worker went idle */
	pthread_cond_t slot_cv;   /* workers: a slot was released, or abandon/cancel/quit */
	baton__job *jobs, *jobs_tail;
	baton__pool_page *ready, *ready_tail;
	int active;               /* workers driving a job */
	bool cancel, quit;
	baton__retryer *retry;
	baton__pool_call_fn call;
	void *ud;
	baton__worker *w;
	int n;         /* threads started */
	int n_alloc;   /* worker structs */
	const baton__sync_stop *stop; /* the starting thread's sync stop, seen by the workers too */
};

static bool retryable(int rc)
{
	return rc == BATON_EUNAVAILABLE || rc == BATON_EDEADLINE;
}

static int action_dup(const baton__action *a, baton__action *out)
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
		return baton__error_oom("pool action");
	}
	return 0;
}

/* Ends a slot's call and forgets its action and message (the caller owns the slot). */
static void slot_clear(baton__pool_page *pp)
{
	baton__call_end(&pp->p.call, &pp->p.ctx);
	baton__action_clear(&pp->a);
	free(pp->msg);
	pp->msg = NULL;
	pp->rc = 0;
	memset(&pp->p.rl, 0, sizeof(pp->p.rl));
	pp->p.result = NULL;
}

int baton__pool_workers(int requested)
{
	if (requested < 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		return n < 1 ? 1 : n > 4 ? 4 : (int)n;
	}
	return requested > BATON__POOL_MAX_WORKERS ? BATON__POOL_MAX_WORKERS : requested;
}

static bool pool_cancelled(void *ud)
{
	baton__pool *pool = ud;
	pthread_mutex_lock(&pool->mu);
	bool stop = pool->cancel || pool->quit;
	pthread_mutex_unlock(&pool->mu);
	return stop;
}

bool baton__pool_retry(baton__pool *pool, int rc, const baton__ratelimit *rl, const char *what)
{
	baton__retryer *r = pool->retry;
	pthread_mutex_lock(&pool->mu);
	if (rc == 0) {
		r->attempts = 0;
		pthread_mutex_unlock(&pool->mu);
		return true;
	}
	if (!retryable(rc)) {
		pthread_mutex_unlock(&pool->mu);
		return false;
	}
	r->attempts++;
	if (r->max_attempts && r->attempts > r->max_attempts) {
		pthread_mutex_unlock(&pool->mu);
		baton__log(BATON_LOG_WARN, "max attempts reached", "error", baton_error_last()->message, NULL);
		return false;
	}
	uint64_t wait = baton__retry_wait_ms(r, r->attempts, rl, baton__sync_now_ms());
	r->retries++;
	pthread_mutex_unlock(&pool->mu);
	char wbuf[32];
	snprintf(wbuf, sizeof(wbuf), "%.3fs", (double)wait / 1000.0);
	baton__log(BATON_LOG_WARN, "retrying operation", "operation", what ? what : "", "error",
	           baton_error_last()->message, "wait", wbuf, NULL);
	return baton__sync_sleep_unless_stopped(wait, pool_cancelled, pool);
}

/* Drives one action through its pages. */
static void drive(baton__worker *w, baton__action *a)
{
	baton__pool *pool = w->pool;
	for (;;) {
		baton__pool_page *pp = NULL;
		pthread_mutex_lock(&pool->mu);
		/* no new call once a stop is requested: the calling thread cancels the batch at its next
		 * look, and the action, unfinished, is checkpointed as it stands */
		while (!pool->cancel && !pool->quit && !w->abandon && !baton__sync_stop_requested()) {
			for (int i = 0; i < BATON__POOL_SLOTS && !pp; i++)
				if (!w->slots[i].busy)
					pp = &w->slots[i];
			if (pp)
				break;
			pthread_cond_wait(&pool->slot_cv, &pool->mu);
		}
		if (pp)
			pp->busy = true;
		pthread_mutex_unlock(&pool->mu);
		if (!pp)
			return;

		baton_error_clear();
		int rc = action_dup(a, &pp->a);
		while (!rc) {
			rc = pool->call(pool->ud, pp);
			if (!rc || !retryable(rc))
				break;
			baton__ratelimit rl = pp->p.rl;
			if (!baton__pool_retry(pool, rc, &rl, baton__op_name(a->op)))
				break;
			baton__call_end(&pp->p.call, &pp->p.ctx);
			baton_error_clear();
			rc = 0;
		}
		char *next = NULL;
		if (rc) {
			pp->msg = strdup(baton_error_last()->message);
		} else {
			baton__pool_retry(pool, 0, NULL, NULL);
			const char *np = pp->p.call.next_page;
			if (np && *np && !(next = strdup(np))) {
				rc = baton__error_oom("next page token");
				pp->msg = strdup(baton_error_last()->message);
			}
		}
		pp->rc = rc;

		pthread_mutex_lock(&pool->mu);
		if (pool->cancel || pool->quit) {
			slot_clear(pp);
			pp->busy = false;
			pthread_mutex_unlock(&pool->mu);
			free(next);
			return;
		}
		pp->next = NULL;
		if (pool->ready_tail)
			pool->ready_tail->next = pp;
		else
			pool->ready = pp;
		pool->ready_tail = pp;
		pthread_cond_broadcast(&pool->ready_cv);
		pthread_mutex_unlock(&pool->mu);
		if (rc || !next) {
			free(next);
			return;
		}
		free(a->page_token);
		a->page_token = next;
	}
}

static void *worker_main(void *arg)
{
	baton__worker *w = arg;
	baton__pool *pool = w->pool;
	/* this sync's own stop ends this worker's calls and HTTP waits, not another sync's */
	baton__sync_stop_set(pool->stop);
	pthread_mutex_lock(&pool->mu);
	for (;;) {
		while (!pool->quit && !pool->jobs)
			pthread_cond_wait(&pool->work_cv, &pool->mu);
		if (pool->quit)
			break;
		baton__job *j = pool->jobs;
		pool->jobs = j->next;
		if (!pool->jobs)
			pool->jobs_tail = NULL;
		pool->active++;
		w->job_id = j->a.id;
		w->has_job = true;
		w->abandon = false;
		pthread_mutex_unlock(&pool->mu);

		drive(w, &j->a);
		baton__action_clear(&j->a);
		free(j);

		pthread_mutex_lock(&pool->mu);
		w->has_job = false;
		pool->active--;
		pthread_cond_broadcast(&pool->ready_cv);
	}
	pthread_mutex_unlock(&pool->mu);
	baton__sync_stop_set(NULL);
	return NULL;
}

int baton__pool_start(baton__pool **out, int workers, baton__retryer *retry, baton__pool_call_fn call, void *ud)
{
	*out = NULL;
	if (workers < 1 || workers > BATON__POOL_MAX_WORKERS)
		return baton_error_set(BATON_EINVALID, "workers: %d, expected 1..%d", workers, BATON__POOL_MAX_WORKERS);
	baton__pool *pool = calloc(1, sizeof(*pool));
	baton__worker *w = calloc((size_t)workers, sizeof(*w));
	if (!pool || !w) {
		free(pool);
		free(w);
		return baton__error_oom("worker pool");
	}
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_mutex_init(&pool->mu, NULL);
	pthread_cond_init(&pool->work_cv, NULL);
	pthread_cond_init(&pool->ready_cv, &ca);
	pthread_cond_init(&pool->slot_cv, NULL);
	pthread_condattr_destroy(&ca);
	pool->retry = retry;
	pool->call = call;
	pool->ud = ud;
	pool->w = w;
	pool->n_alloc = workers;
	pool->stop = baton__sync_stop_current();
	for (int i = 0; i < workers; i++) {
		w[i].pool = pool;
		for (int k = 0; k < BATON__POOL_SLOTS; k++) {
			baton__ctx_init(&w[i].slots[k].p.ctx);
			w[i].slots[k].owner = &w[i];
		}
	}
	for (int i = 0; i < workers; i++) {
		int e = pthread_create(&w[i].th, NULL, worker_main, &w[i]);
		if (e) {
			baton__pool_free(pool);
			return baton_error_set(BATON_EEXHAUSTED, "cannot start sync worker %d: %s", i + 1, strerror(e));
		}
		pool->n = i + 1;
	}
	*out = pool;
	return 0;
}

int baton__pool_add(baton__pool *pool, const baton__action *a)
{
	baton__job *j = calloc(1, sizeof(*j));
	if (!j)
		return baton__error_oom("pool job");
	int rc = action_dup(a, &j->a);
	if (rc) {
		free(j);
		return rc;
	}
	pthread_mutex_lock(&pool->mu);
	if (pool->jobs_tail)
		pool->jobs_tail->next = j;
	else
		pool->jobs = j;
	pool->jobs_tail = j;
	pthread_cond_signal(&pool->work_cv);
	pthread_mutex_unlock(&pool->mu);
	return 0;
}

int baton__pool_next(baton__pool *pool, int timeout_ms, baton__pool_page **out)
{
	struct timespec dl;
	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_sec += timeout_ms / 1000;
	dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	*out = NULL;
	int r;
	pthread_mutex_lock(&pool->mu);
	for (;;) {
		if (pool->ready) {
			baton__pool_page *pp = pool->ready;
			pool->ready = pp->next;
			if (!pool->ready)
				pool->ready_tail = NULL;
			pp->next = NULL;
			*out = pp;
			r = 1;
			break;
		}
		if (!pool->jobs && pool->active == 0) {
			r = 0;
			break;
		}
		if (pthread_cond_timedwait(&pool->ready_cv, &pool->mu, &dl) == ETIMEDOUT) {
			r = 2;
			break;
		}
	}
	pthread_mutex_unlock(&pool->mu);
	return r;
}

void baton__pool_release(baton__pool *pool, baton__pool_page *pp)
{
	slot_clear(pp);
	pthread_mutex_lock(&pool->mu);
	pp->busy = false;
	pthread_cond_broadcast(&pool->slot_cv);
	pthread_mutex_unlock(&pool->mu);
}

void baton__pool_abandon(baton__pool *pool, uint64_t action_id)
{
	pthread_mutex_lock(&pool->mu);
	for (int i = 0; i < pool->n; i++)
		if (pool->w[i].has_job && pool->w[i].job_id == action_id)
			pool->w[i].abandon = true;
	pthread_cond_broadcast(&pool->slot_cv);
	pthread_mutex_unlock(&pool->mu);
}

/* Drops the ready pages; the lock is held. */
static void drop_ready(baton__pool *pool)
{
	while (pool->ready) {
		baton__pool_page *pp = pool->ready;
		pool->ready = pp->next;
		pp->next = NULL;
		slot_clear(pp);
		pp->busy = false;
	}
	pool->ready_tail = NULL;
}

void baton__pool_cancel(baton__pool *pool)
{
	pthread_mutex_lock(&pool->mu);
	pool->cancel = true;
	while (pool->jobs) {
		baton__job *j = pool->jobs;
		pool->jobs = j->next;
		baton__action_clear(&j->a);
		free(j);
	}
	pool->jobs_tail = NULL;
	pthread_cond_broadcast(&pool->slot_cv);
	for (;;) {
		drop_ready(pool);
		pthread_cond_broadcast(&pool->slot_cv);
		if (pool->active == 0)
			break;
		pthread_cond_wait(&pool->ready_cv, &pool->mu);
	}
	drop_ready(pool);
	pool->cancel = false;
	pthread_mutex_unlock(&pool->mu);
}

void baton__pool_free(baton__pool *pool)
{
	if (!pool)
		return;
	pthread_mutex_lock(&pool->mu);
	pool->quit = true;
	pthread_cond_broadcast(&pool->work_cv);
	pthread_cond_broadcast(&pool->slot_cv);
	pthread_mutex_unlock(&pool->mu);
	for (int i = 0; i < pool->n; i++)
		pthread_join(pool->w[i].th, NULL);
	pthread_mutex_lock(&pool->mu);
	drop_ready(pool);
	while (pool->jobs) {
		baton__job *j = pool->jobs;
		pool->jobs = j->next;
		baton__action_clear(&j->a);
		free(j);
	}
	pthread_mutex_unlock(&pool->mu);
	/* every worker struct, started or not, owns its slots */
	for (int i = 0; i < pool->n_alloc; i++) {
		for (int k = 0; k < BATON__POOL_SLOTS; k++) {
			slot_clear(&pool->w[i].slots[k]);
			baton__call_free(&pool->w[i].slots[k].p.call);
			baton__ctx_release(&pool->w[i].slots[k].p.ctx);
		}
	}
	free(pool->w);
	pthread_cond_destroy(&pool->work_cv);
	pthread_cond_destroy(&pool->ready_cv);
	pthread_cond_destroy(&pool->slot_cv);
	pthread_mutex_destroy(&pool->mu);
	free(pool);
}
