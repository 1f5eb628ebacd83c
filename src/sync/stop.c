/*
 * Stopping a sync: the process-wide request behind baton_sync_request_stop() (async-signal-safe)
 * and each running sync's own stop (baton_sync_options.should_stop), seen through a thread-local
 * pointer set on the sync's calling thread and on its worker threads.
 */
#include <stdatomic.h>

#include "sync/pool.h"

/* A lock-free atomic: storing to it is allowed in a signal handler (C11 7.14.1). */
static atomic_int stop_requested;
/* syncs running in this process: the process-wide request is forgotten when the last returns */
static atomic_int syncs_running;
/* the stop of the sync this thread works for (NULL: none, or one without its own stop) */
static _Thread_local const baton__sync_stop *current;

BATON_API void baton_sync_request_stop(void)
{
	atomic_store(&stop_requested, 1);
}

bool baton__sync_stop_requested(void)
{
	if (atomic_load_explicit(&stop_requested, memory_order_relaxed) != 0)
		return true;
	const baton__sync_stop *c = current;
	return c && c->fn && c->fn(c->user) != 0;
}

void baton__sync_stop_clear(void)
{
	atomic_store(&stop_requested, 0);
}

const baton__sync_stop *baton__sync_stop_set(const baton__sync_stop *stop)
{
	const baton__sync_stop *prev = current;
	current = stop;
	return prev;
}

const baton__sync_stop *baton__sync_stop_current(void)
{
	return current;
}

void baton__sync_stop_enter(void)
{
	atomic_fetch_add(&syncs_running, 1);
}

void baton__sync_stop_leave(void)
{
	/* a request is for the syncs running when it came: honoured or not, it is forgotten once
	 * none runs any more */
	if (atomic_fetch_sub(&syncs_running, 1) == 1)
		baton__sync_stop_clear();
}
