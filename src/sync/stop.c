/* The process-wide stop request behind baton_sync_request_stop() (async-signal-safe). */
#include <stdatomic.h>

#include "sync/pool.h"

/* A lock-free atomic: storing to it is allowed in a signal handler (C11 7.14.1). */
static atomic_int stop_requested;

BATON_API void baton_sync_request_stop(void)
{
	atomic_store(&stop_requested, 1);
}

bool baton__sync_stop_requested(void)
{
	return atomic_load_explicit(&stop_requested, memory_order_relaxed) != 0;
}

void baton__sync_stop_clear(void)
{
	atomic_store(&stop_requested, 0);
}
