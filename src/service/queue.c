/*
 * Batch polling (queue.h): the local task queue of the Go SDK v0.25's c1api task manager when
 * BATON_GET_TASKS is true. Tasks come from GetTasks in pages; the queue holds the ones not yet
 * started and remembers the ids of the running ones, so that a fetch names every task the client
 * already holds (known_task_ids) and asks for just enough to refill two windows of
 * --task-concurrency.
 */
#include "service/queue.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"

bool baton__svc_env_bool(const char *v)
{
	/* strconv.ParseBool's spellings; anything else (or unset) is false, as Go's getter */
	static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
	if (!v)
		return false;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!strcmp(v, yes[i]))
			return true;
	return false;
}

uint32_t baton__svc_queue_low_water(int parallel)
{
	return parallel <= 0 ? 1 : (uint32_t)parallel;
}

uint32_t baton__svc_queue_high_water(int parallel)
{
	return baton__svc_queue_low_water(parallel) * 2;
}

int baton__svc_queue_init(baton__svc_queue *q, int parallel)
{
	memset(q, 0, sizeof(*q));
	q->parallel = parallel;
	if (pthread_mutex_init(&q->mu, NULL))
		return baton_error_set(BATON_EINTERNAL, "task queue: cannot create a mutex");
	q->ready = true;
	return 0;
}

void baton__svc_queue_free(baton__svc_queue *q)
{
	if (!q->ready)
		return;
	for (size_t i = 0; i < q->n_queued; i++)
		protobuf_c_message_free_unpacked(&q->queued[i]->base, NULL);
	free(q->queued);
	for (size_t i = 0; i < q->n_running; i++)
		free(q->running[i]);
	free(q->running);
	pthread_mutex_destroy(&q->mu);
	memset(q, 0, sizeof(*q));
}

static bool has_id(const C1__Connectorapi__Baton__V1__Task *t)
{
	return t->id && *t->id;
}

static bool running_locked(const baton__svc_queue *q, const char *id)
{
	for (size_t i = 0; i < q->n_running; i++)
		if (!strcmp(q->running[i], id))
			return true;
	return false;
}

static bool queued_locked(const baton__svc_queue *q, const char *id)
{
	for (size_t i = 0; i < q->n_queued; i++)
		if (has_id(q->queued[i]) && !strcmp(q->queued[i]->id, id))
			return true;
	return false;
}

C1__Connectorapi__Baton__V1__Task *baton__svc_queue_take(baton__svc_queue *q)
{
	pthread_mutex_lock(&q->mu);
	C1__Connectorapi__Baton__V1__Task *t = NULL;
	if (q->n_queued) {
		if (has_id(q->queued[0])) {
			char *id = strdup(q->queued[0]->id);
			char **grown = id ? realloc(q->running, (q->n_running + 1) * sizeof(*grown)) : NULL;
			if (!grown) {
				/* cannot remember it: leave it queued, the caller retries later */
				free(id);
				pthread_mutex_unlock(&q->mu);
				return NULL;
			}
			q->running = grown;
			q->running[q->n_running++] = id;
		}
		t = q->queued[0];
		memmove(q->queued, q->queued + 1, (q->n_queued - 1) * sizeof(*q->queued));
		q->n_queued--;
	}
	pthread_mutex_unlock(&q->mu);
	return t;
}

size_t baton__svc_queue_enqueue(baton__svc_queue *q, C1__Connectorapi__Baton__V1__Task **batch, size_t n)
{
	size_t added = 0;
	pthread_mutex_lock(&q->mu);
	for (size_t i = 0; i < n; i++) {
		C1__Connectorapi__Baton__V1__Task *t = batch[i];
		batch[i] = NULL;
		if (!t)
			continue;
		bool drop = t->task_type_case == C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_NONE ||
		            (has_id(t) && (running_locked(q, t->id) || queued_locked(q, t->id)));
		if (!drop) {
			C1__Connectorapi__Baton__V1__Task **grown = realloc(q->queued, (q->n_queued + 1) * sizeof(*grown));
			if (grown) {
				q->queued = grown;
				q->queued[q->n_queued++] = t;
				added++;
				continue;
			}
		}
		protobuf_c_message_free_unpacked(&t->base, NULL);
	}
	pthread_mutex_unlock(&q->mu);
	return added;
}

void baton__svc_queue_done(baton__svc_queue *q, const char *id)
{
	if (!id || !*id)
		return;
	pthread_mutex_lock(&q->mu);
	for (size_t i = 0; i < q->n_running; i++) {
		if (!strcmp(q->running[i], id)) {
			free(q->running[i]);
			q->running[i] = q->running[--q->n_running];
			break;
		}
	}
	pthread_mutex_unlock(&q->mu);
}

int baton__svc_queue_fetch_params(baton__svc_queue *q, char ***ids, size_t *n_ids, uint32_t *page_size)
{
	*ids = NULL;
	*n_ids = 0;
	pthread_mutex_lock(&q->mu);
	size_t cap = q->n_queued + q->n_running;
	char **out = calloc(cap ? cap : 1, sizeof(*out));
	if (!out) {
		pthread_mutex_unlock(&q->mu);
		return baton__error_oom("task queue");
	}
	size_t n = 0;
	int rc = 0;
	for (size_t i = 0; i < q->n_queued && !rc; i++)
		if (has_id(q->queued[i]) && !(out[n++] = strdup(q->queued[i]->id)))
			rc = -1;
	for (size_t i = 0; i < q->n_running && !rc; i++)
		if (!(out[n++] = strdup(q->running[i])))
			rc = -1;
	uint32_t high = baton__svc_queue_high_water(q->parallel);
	pthread_mutex_unlock(&q->mu);
	if (rc) {
		baton__svc_queue_free_ids(out, n);
		return baton__error_oom("task queue");
	}
	/* only asked for when the decision is to fetch: n < low water < high water */
	*page_size = n < high ? high - (uint32_t)n : 0;
	*ids = out;
	*n_ids = n;
	return 0;
}

void baton__svc_queue_free_ids(char **ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

void baton__svc_queue_set_next_poll(baton__svc_queue *q, int64_t now_ms, int64_t poll_ms)
{
	pthread_mutex_lock(&q->mu);
	q->next_poll_at_ms = now_ms + poll_ms;
	q->next_poll_set = true;
	pthread_mutex_unlock(&q->mu);
}

baton__svc_poll baton__svc_queue_decide(baton__svc_queue *q, int64_t now_ms, int64_t *wait_ms)
{
	*wait_ms = 0;
	pthread_mutex_lock(&q->mu);
	baton__svc_poll p = BATON__SVC_POLL_NONE;
	if (q->n_queued + q->n_running < (size_t)baton__svc_queue_low_water(q->parallel)) {
		if (!q->next_poll_set || q->next_poll_at_ms <= now_ms) {
			p = BATON__SVC_POLL_FETCH;
		} else {
			p = BATON__SVC_POLL_WAIT;
			*wait_ms = q->next_poll_at_ms - now_ms;
		}
	}
	pthread_mutex_unlock(&q->mu);
	return p;
}
