/*
 * Service mode's batch polling (BATON_GET_TASKS=true), after the Go SDK v0.25's c1api taskQueue:
 * tasks fetched with GetTasks wait here until a --task-concurrency slot takes them.
 *
 *   low water  = --task-concurrency (1 when <= 0): fetch when queued + running is below it;
 *   high water = 2 x low water: a fetch asks for page_size = high water - (queued + running)
 *                and names every queued or running task id (known_task_ids);
 *   a fetch waits for the server's next_poll (clamped as GetTask's) after the previous one.
 * A task whose id is already queued or running is dropped, as is a task of no type.
 * Every function is safe from any thread (one mutex).
 */
#ifndef BATON_SERVICE_QUEUE_H
#define BATON_SERVICE_QUEUE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "c1/connectorapi/baton/v1/baton.pb-c.h"

/* The environment variable that switches GetTask polling to GetTasks batches (Go's name). */
#define BATON__SVC_GET_TASKS_ENV "BATON_GET_TASKS"

/* Go's strconv.ParseBool true spellings ("1", "t", "T", "TRUE", "true", "True"); else false. */
bool baton__svc_env_bool(const char *value);

typedef enum baton__svc_poll {
	BATON__SVC_POLL_NONE = 0,   /* enough tasks held: no fetch */
	BATON__SVC_POLL_FETCH,      /* fetch now */
	BATON__SVC_POLL_WAIT,       /* a fetch is due after *wait_ms */
} baton__svc_poll;

typedef struct baton__svc_queue {
	pthread_mutex_t mu;
	bool ready;
	C1__Connectorapi__Baton__V1__Task **queued;  /* owned, oldest first */
	size_t n_queued;
	char **running;                              /* ids taken and not done (malloc'd) */
	size_t n_running;
	int parallel;
	int64_t next_poll_at_ms;                     /* monotonic ms */
	bool next_poll_set;
} baton__svc_queue;

uint32_t baton__svc_queue_low_water(int parallel);
uint32_t baton__svc_queue_high_water(int parallel);

int baton__svc_queue_init(baton__svc_queue *q, int parallel);
/* Frees the queued tasks and the running ids. */
void baton__svc_queue_free(baton__svc_queue *q);
/* The oldest queued task (the caller owns it; its id is now running), or NULL. */
C1__Connectorapi__Baton__V1__Task *baton__svc_queue_take(baton__svc_queue *q);
/*
 * Takes ownership of every batch[i] (set to NULL): queued, or freed when dropped (no type, id
 * already queued or running). Returns how many were queued.
 */
size_t baton__svc_queue_enqueue(baton__svc_queue *q, C1__Connectorapi__Baton__V1__Task **batch, size_t n);
/* The task `id` has finished (after its FinishTask): no longer known. */
void baton__svc_queue_done(baton__svc_queue *q, const char *id);
/*
 * The next GetTasks' parameters from one snapshot: *ids (queued ids, then running ones; free with
 * baton__svc_queue_free_ids) and *page_size = high water - their number.
 */
int baton__svc_queue_fetch_params(baton__svc_queue *q, char ***ids, size_t *n_ids, uint32_t *page_size);
void baton__svc_queue_free_ids(char **ids, size_t n);
/* Records a fetch's next_poll: no fetch before now_ms + poll_ms. */
void baton__svc_queue_set_next_poll(baton__svc_queue *q, int64_t now_ms, int64_t poll_ms);
/* Whether to fetch at now_ms (Go's pollDecision); *wait_ms for BATON__SVC_POLL_WAIT, else 0. */
baton__svc_poll baton__svc_queue_decide(baton__svc_queue *q, int64_t now_ms, int64_t *wait_ms);

#endif
