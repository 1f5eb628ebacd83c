/*
 * The syncer's worker pool (upstream's parallel syncer, sync-algorithm.md section 7).
 *
 * The loop thread hands the pool jobs (copies of batched actions). Each worker takes one job and
 * drives it through all of its pages: for every page it runs the job's call function (the
 * connector call, on the worker's own context and call state) in a page slot, retrying
 * Unavailable / DeadlineExceeded with the syncer's shared retryer, and posts the slot to the
 * ready queue. The loop thread takes ready pages (baton__pool_next), writes them to the store and
 * releases them. A worker owns BATON__POOL_SLOTS slots and waits for one to be released before it
 * calls the next page, so at most workers x slots pages exist at once. Nothing here touches the
 * store; the call function does what it needs under the syncer's store lock.
 *
 * Stopping: baton__pool_abandon() stops driving one action (its later pages are not called);
 * baton__pool_cancel() drops the queued jobs, lets every worker finish the callback it is in,
 * discards the pages not yet consumed and returns once the pool is idle. The workers live for the
 * whole sync.
 */
#ifndef BATON_SYNC_POOL_H
#define BATON_SYNC_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "connector/connector.h"
#include "sync/state.h"
#include "sync/sync.h"

#define BATON__POOL_MAX_WORKERS 64
#define BATON__POOL_SLOTS 3

/* One page of one connector call: the context and call state the callback runs on. */
typedef struct baton__page {
	baton_ctx ctx;
	baton__call call;
	baton__ratelimit rl;      /* the rate-limit hint of the last failed call */
	void *result;             /* targeted-resource-sync: the fetched resource (in ctx) */
} baton__page;

/* A page slot of a worker: the page, the action it belongs to and the call's result. */
typedef struct baton__pool_page {
	baton__page p;
	baton__action a;          /* the action with this page's token (malloc'ed strings) */
	int rc;                   /* the call function's result */
	char *msg;                /* its error message when rc != 0 (malloc'ed) */
	/* internal */
	struct baton__pool_page *next;
	struct baton__worker *owner;
	bool busy;
} baton__pool_page;

/*
 * Runs one page of an action on a worker thread: the connector call for p->a (its page token)
 * on p->p. Returns 0 or an error (set on the calling thread). The pool continues with
 * p->p.call.next_page when it is set and not empty.
 */
typedef int (*baton__pool_call_fn)(void *ud, baton__pool_page *p);

typedef struct baton__pool baton__pool;

/* Starts `workers` threads (1..BATON__POOL_MAX_WORKERS). `retry` is the syncer's retryer, shared
 * by the workers under the pool's lock. */
int baton__pool_start(baton__pool **out, int workers, baton__retryer *retry, baton__pool_call_fn call,
                      void *ud);
/* Queues a job (a copy of `a` is taken). */
int baton__pool_add(baton__pool *pool, const baton__action *a);
/*
 * Waits at most timeout_ms for the next ready page: 1 with *out set (release it with
 * baton__pool_release), 0 when the pool is idle (no job queued, none running, no page ready),
 * 2 on timeout.
 */
int baton__pool_next(baton__pool *pool, int timeout_ms, baton__pool_page **out);
/* Gives a consumed page back to its worker (ends the call: resets the page's context). */
void baton__pool_release(baton__pool *pool, baton__pool_page *pp);
/* Stops driving the action with that id after the call in progress. */
void baton__pool_abandon(baton__pool *pool, uint64_t action_id);
/* Drops the queued jobs and the unconsumed pages, waits until no worker runs a job. */
void baton__pool_cancel(baton__pool *pool);
/* Stops and joins the workers, frees everything. NULL is a no-op. */
void baton__pool_free(baton__pool *pool);

/*
 * The shared retryer under the pool's lock (Go's Retryer.ShouldWaitAndRetry, as
 * baton__retry_should): true after waiting when rc is retryable, false otherwise; the wait ends
 * early (returning false) when the pool is cancelled or a stop was requested. rc 0 resets the
 * attempts. Callable from any thread.
 */
bool baton__pool_retry(baton__pool *pool, int rc, const baton__ratelimit *rl, const char *what);

/* The number of workers for an options value: <0 min(online CPUs, 4), else capped at 64. */
int baton__pool_workers(int requested);

/* ---- stop.c: the process-wide stop request (baton_sync_request_stop) and a sync's own ---- */
/* A sync's own stop (baton_sync_options.should_stop / stop_user), borrowed while it runs. */
typedef struct baton__sync_stop {
	int (*fn)(void *user);
	void *user;
} baton__sync_stop;
/* The process-wide request, or the own stop of the sync the calling thread works for. */
bool baton__sync_stop_requested(void);
/* Forgets the process-wide request. */
void baton__sync_stop_clear(void);
/* Sets the calling thread's sync stop (NULL: none); returns the previous one. */
const baton__sync_stop *baton__sync_stop_set(const baton__sync_stop *stop);
/* The calling thread's sync stop (NULL: none). */
const baton__sync_stop *baton__sync_stop_current(void);
/* Counts running syncs; the last to leave forgets the process-wide request. */
void baton__sync_stop_enter(void);
void baton__sync_stop_leave(void);

#endif
