/*
 * Internal side of include/baton/sync.h.
 *
 *   syncer*.c   baton_sync(): the loop over the action stack, one phase per file (syncer_int.h)
 *   state.c     the action stack and the sync token (state.h)
 *   retry.c     retries with backoff, the injectable clock
 *   pool.c      the worker pool of a parallel sync (pool.h)
 *   stop.c      baton_sync_request_stop: the process-wide stop request
 *   strset.c    a small string set (child schedule, spawned cursors)
 */
#ifndef BATON_SYNC_SYNC_H
#define BATON_SYNC_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "baton/sync.h"

/* ---- retry.c ---- */

/* The clock and sleep the syncer uses; tests install fakes so nothing ever sleeps. */
typedef struct baton__sync_hooks {
	int64_t (*now_ms)(void *ud);           /* wall clock, ms since the Unix epoch */
	void (*sleep_ms)(void *ud, uint64_t ms);
	void *ud;
} baton__sync_hooks;

/* Installs hooks for the whole process (NULL restores the real clock). Test use only. */
void baton__sync_set_hooks(const baton__sync_hooks *hooks);
int64_t baton__sync_now_ms(void);
void baton__sync_sleep_ms(uint64_t ms);
/*
 * Sleeps ms in slices of at most 100 ms (in one call when test hooks are installed), ending early
 * when a stop is requested or `cancelled(ud)` (may be NULL) says so. Returns true when it slept
 * the whole time.
 */
bool baton__sync_sleep_unless_stopped(uint64_t ms, bool (*cancelled)(void *ud), void *ud);

typedef struct baton__retryer {
	uint64_t attempts;
	uint64_t max_attempts;     /* 0: unlimited */
	uint64_t initial_ms, max_ms;
	uint64_t retries;          /* total, for the summary */
} baton__retryer;

/* A rate-limit hint from a failed call (RateLimitDescription); has_reset false when none. */
typedef struct baton__ratelimit {
	bool has_reset;
	int64_t reset_ms;          /* reset_at, ms since the epoch */
	int64_t remaining;
} baton__ratelimit;

/*
 * The Go SDK's Retryer.ShouldWaitAndRetry: rc 0 resets the attempts and returns true; only
 * BATON_EUNAVAILABLE and BATON_EDEADLINE are retried: waits attempts x initial (or what the
 * rate limit asks), capped at max, then returns true; anything else returns false.
 * *waited_ms (may be NULL) receives the wait.
 */
bool baton__retry_should(baton__retryer *r, int rc, const baton__ratelimit *rl, const char *what,
                         uint64_t *waited_ms);
/* The wait for attempt `attempts` (exposed for tests). */
uint64_t baton__retry_wait_ms(const baton__retryer *r, uint64_t attempts, const baton__ratelimit *rl,
                              int64_t now_ms);

/* ---- strset.c ---- */

typedef struct baton__strset {
	char **slots;
	size_t cap, n;
} baton__strset;
/* 1 added, 0 already present, <0 error. The key (len bytes) is copied. */
int baton__strset_add(baton__strset *s, const char *key, size_t len);
bool baton__strset_has(const baton__strset *s, const char *key, size_t len);
void baton__strset_free(baton__strset *s);

#endif
