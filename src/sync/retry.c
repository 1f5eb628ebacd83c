/* Retries with backoff (the Go SDK's pkg/retry), over an injectable clock. */
#include "sync/sync.h"

#include <errno.h>
#include <stdio.h>
#include <time.h>

#include "core/log.h"
#include "sync/pool.h"

static baton__sync_hooks hooks;
static bool have_hooks;

void baton__sync_set_hooks(const baton__sync_hooks *h)
{
	if (h) {
		hooks = *h;
		have_hooks = true;
	} else {
		have_hooks = false;
	}
}

int64_t baton__sync_now_ms(void)
{
	if (have_hooks && hooks.now_ms)
		return hooks.now_ms(hooks.ud);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void baton__sync_sleep_ms(uint64_t ms)
{
	if (have_hooks && hooks.sleep_ms) {
		hooks.sleep_ms(hooks.ud, ms);
		return;
	}
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

bool baton__sync_sleep_unless_stopped(uint64_t ms, bool (*cancelled)(void *ud), void *ud)
{
	for (;;) {
		if (baton__sync_stop_requested() || (cancelled && cancelled(ud)))
			return false;
		if (ms == 0)
			return true;
		uint64_t slice = ms < 100 || have_hooks ? ms : 100;
		baton__sync_sleep_ms(slice);
		ms -= slice;
	}
}

uint64_t baton__retry_wait_ms(const baton__retryer *r, uint64_t attempts, const baton__ratelimit *rl,
                              int64_t now_ms)
{
	uint64_t wait = attempts * r->initial_ms;
	if (rl && rl->has_reset) {
		int64_t until = rl->reset_ms - now_ms;
		if (until > 0) {
			if (rl->remaining <= 0) {
				wait = (uint64_t)until;
			} else {
				/* per remaining request, rounded up to whole seconds */
				int64_t unit = rl->remaining * 1000;
				int64_t secs = unit > 0 ? (until + unit - 1) / unit : 0;
				if (secs > 0)
					wait = (uint64_t)secs * 1000;
			}
		}
	}
	if (r->max_ms && wait > r->max_ms)
		wait = r->max_ms;
	return wait;
}

bool baton__retry_should(baton__retryer *r, int rc, const baton__ratelimit *rl, const char *what,
                         uint64_t *waited_ms)
{
	if (waited_ms)
		*waited_ms = 0;
	if (rc == 0) {
		r->attempts = 0;
		return true;
	}
	if (rc != BATON_EUNAVAILABLE && rc != BATON_EDEADLINE)
		return false;
	r->attempts++;
	if (r->max_attempts && r->attempts > r->max_attempts) {
		baton__log(BATON_LOG_WARN, "max attempts reached", "error", baton_error_last()->message, NULL);
		return false;
	}
	uint64_t wait = baton__retry_wait_ms(r, r->attempts, rl, baton__sync_now_ms());
	char wbuf[32];
	snprintf(wbuf, sizeof(wbuf), "%.3fs", (double)wait / 1000.0);
	baton__log(BATON_LOG_WARN, "retrying operation", "operation", what ? what : "", "error",
	           baton_error_last()->message, "wait", wbuf, NULL);
	r->retries++;
	/* a stop request (SIGTERM) ends the wait early: the caller then sees BATON_ECANCELLED and
	 * the syncer stops at its safe point, checkpointed */
	if (!baton__sync_sleep_unless_stopped(wait, NULL, NULL)) {
		baton_error_set(BATON_ECANCELLED, "%s: stop requested while waiting to retry", what ? what : "operation");
		return false;
	}
	if (waited_ms)
		*waited_ms = wait;
	return true;
}
