/*
 * Batch polling's queue (src/service/queue.c), decision by decision as the Go SDK v0.25's
 * c1api taskQueue makes them: low/high water from --task-concurrency, fetch / wait / none,
 * page size = high water - known, known ids (queued then running), duplicates and typeless tasks
 * dropped (a NoneTask too), a finished task forgotten, and BATON_GET_TASKS's accepted spellings.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "service/queue.h"

typedef C1__Connectorapi__Baton__V1__Task task_t;

/* A heap task as protobuf-c unpacks them (freed with protobuf_c_message_free_unpacked): a Hello
 * task, or (typed false) a NoneTask, which the queue drops as Go's. */
static task_t *mk(const char *id, bool typed)
{
	C1__Connectorapi__Baton__V1__Task t = C1__CONNECTORAPI__BATON__V1__TASK__INIT;
	C1__Connectorapi__Baton__V1__Task__HelloTask h = C1__CONNECTORAPI__BATON__V1__TASK__HELLO_TASK__INIT;
	C1__Connectorapi__Baton__V1__Task__NoneTask none = C1__CONNECTORAPI__BATON__V1__TASK__NONE_TASK__INIT;
	t.id = (char *)id;
	if (typed) {
		t.task_type_case = C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_HELLO;
		t.hello = &h;
	} else {
		t.task_type_case = C1__CONNECTORAPI__BATON__V1__TASK__TASK_TYPE_NONE;
		t.none = &none;
	}
	size_t n = protobuf_c_message_get_packed_size(&t.base);
	uint8_t *buf = malloc(n ? n : 1);
	assert_non_null(buf);
	protobuf_c_message_pack(&t.base, buf);
	task_t *out = c1__connectorapi__baton__v1__task__unpack(NULL, n, buf);
	free(buf);
	assert_non_null(out);
	return out;
}

static void fetch(baton__svc_queue *q, uint32_t want_page, const char *want_ids)
{
	char **ids = NULL;
	size_t n = 0;
	uint32_t page = 0;
	assert_int_equal(baton__svc_queue_fetch_params(q, &ids, &n, &page), 0);
	assert_int_equal(page, want_page);
	char joined[256] = "";
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(joined, ",");
		strcat(joined, ids[i]);
	}
	assert_string_equal(joined, want_ids);
	baton__svc_queue_free_ids(ids, n);
}

static void test_water_marks(void **state)
{
	(void)state;
	assert_int_equal(baton__svc_queue_low_water(0), 1);
	assert_int_equal(baton__svc_queue_low_water(-4), 1);
	assert_int_equal(baton__svc_queue_low_water(3), 3);
	assert_int_equal(baton__svc_queue_high_water(3), 6);
	assert_int_equal(baton__svc_queue_high_water(0), 2);
}

static void test_env_bool(void **state)
{
	(void)state;
	const char *yes[] = {"1", "t", "T", "TRUE", "true", "True"};
	const char *no[] = {"0", "f", "false", "yes", "on", "", " true", "tRUE", "2"};
	for (size_t i = 0; i < sizeof(yes) / sizeof(*yes); i++)
		assert_true(baton__svc_env_bool(yes[i]));
	for (size_t i = 0; i < sizeof(no) / sizeof(*no); i++)
		assert_false(baton__svc_env_bool(no[i]));
	assert_false(baton__svc_env_bool(NULL));
}

/* An empty queue fetches at once, a full page (high water) with no known ids. */
static void test_first_fetch(void **state)
{
	(void)state;
	baton__svc_queue q;
	assert_int_equal(baton__svc_queue_init(&q, 3), 0);
	int64_t wait = -1;
	assert_int_equal(baton__svc_queue_decide(&q, 1000, &wait), BATON__SVC_POLL_FETCH);
	assert_int_equal(wait, 0);
	fetch(&q, 6, "");
	assert_null(baton__svc_queue_take(&q));
	baton__svc_queue_free(&q);
}

/* Tasks queued then taken; known ids are queued ones first, then running ones; page shrinks. */
static void test_known_ids_and_page(void **state)
{
	(void)state;
	baton__svc_queue q;
	assert_int_equal(baton__svc_queue_init(&q, 3), 0);
	task_t *batch[] = {mk("a", true), mk("b", true)};
	assert_int_equal(baton__svc_queue_enqueue(&q, batch, 2), 2);
	assert_null(batch[0]);
	task_t *t = baton__svc_queue_take(&q);
	assert_string_equal(t->id, "a");
	fetch(&q, 4, "b,a");
	/* a known id (queued or running) coming back is dropped, as is a NoneTask */
	task_t *again[] = {mk("a", true), mk("b", true), mk("c", false), mk("d", true)};
	assert_int_equal(baton__svc_queue_enqueue(&q, again, 4), 1);
	fetch(&q, 3, "b,d,a");
	/* a, finished, is forgotten: it may come back */
	baton__svc_queue_done(&q, "a");
	fetch(&q, 4, "b,d");
	task_t *back[] = {mk("a", true)};
	assert_int_equal(baton__svc_queue_enqueue(&q, back, 1), 1);
	protobuf_c_message_free_unpacked(&t->base, NULL);
	/* FIFO */
	const char *order[] = {"b", "d", "a"};
	for (int i = 0; i < 3; i++) {
		task_t *x = baton__svc_queue_take(&q);
		assert_non_null(x);
		assert_string_equal(x->id, order[i]);
		protobuf_c_message_free_unpacked(&x->base, NULL);
	}
	assert_null(baton__svc_queue_take(&q));
	fetch(&q, 3, "b,d,a");
	baton__svc_queue_free(&q);
}

/* Below low water: fetch when next_poll has passed, else wait for what is left of it. */
static void test_next_poll(void **state)
{
	(void)state;
	baton__svc_queue q;
	assert_int_equal(baton__svc_queue_init(&q, 3), 0);
	baton__svc_queue_set_next_poll(&q, 10000, 5000);
	int64_t wait = 0;
	assert_int_equal(baton__svc_queue_decide(&q, 11000, &wait), BATON__SVC_POLL_WAIT);
	assert_int_equal(wait, 4000);
	assert_int_equal(baton__svc_queue_decide(&q, 15000, &wait), BATON__SVC_POLL_FETCH);
	assert_int_equal(wait, 0);
	assert_int_equal(baton__svc_queue_decide(&q, 99000, &wait), BATON__SVC_POLL_FETCH);
	baton__svc_queue_free(&q);
}

/* At or above low water (queued + running, ids only) nothing is fetched, whatever the time. */
static void test_low_water(void **state)
{
	(void)state;
	baton__svc_queue q;
	assert_int_equal(baton__svc_queue_init(&q, 3), 0);
	task_t *batch[] = {mk("a", true), mk("b", true), mk("c", true)};
	baton__svc_queue_enqueue(&q, batch, 3);
	int64_t wait = -1;
	assert_int_equal(baton__svc_queue_decide(&q, 0, &wait), BATON__SVC_POLL_NONE);
	assert_int_equal(wait, 0);
	/* taking moves them to running: still three known */
	task_t *taken[3];
	for (int i = 0; i < 3; i++)
		taken[i] = baton__svc_queue_take(&q);
	assert_int_equal(baton__svc_queue_decide(&q, 0, &wait), BATON__SVC_POLL_NONE);
	baton__svc_queue_done(&q, "b");
	assert_int_equal(baton__svc_queue_decide(&q, 0, &wait), BATON__SVC_POLL_FETCH);
	fetch(&q, 4, "a,c");
	/* a task without an id is not remembered once taken (Go's inFlight keys on ids) */
	task_t *anon[] = {mk("", true)};
	assert_int_equal(baton__svc_queue_enqueue(&q, anon, 1), 1);
	fetch(&q, 4, "a,c");
	task_t *x = baton__svc_queue_take(&q);
	assert_non_null(x);
	assert_int_equal(baton__svc_queue_decide(&q, 0, &wait), BATON__SVC_POLL_FETCH);
	protobuf_c_message_free_unpacked(&x->base, NULL);
	for (int i = 0; i < 3; i++)
		protobuf_c_message_free_unpacked(&taken[i]->base, NULL);
	baton__svc_queue_free(&q);
}

/* --task-concurrency 1: one task known is enough; page size 2 when empty. */
static void test_concurrency_one(void **state)
{
	(void)state;
	baton__svc_queue q;
	assert_int_equal(baton__svc_queue_init(&q, 1), 0);
	fetch(&q, 2, "");
	task_t *batch[] = {mk("a", true), mk("b", true)};
	baton__svc_queue_enqueue(&q, batch, 2);
	int64_t wait;
	assert_int_equal(baton__svc_queue_decide(&q, 0, &wait), BATON__SVC_POLL_NONE);
	/* freeing a queue with tasks still queued and running frees them (ASan checks) */
	task_t *x = baton__svc_queue_take(&q);
	protobuf_c_message_free_unpacked(&x->base, NULL);
	baton__svc_queue_free(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_water_marks),  cmocka_unit_test(test_env_bool),
		cmocka_unit_test(test_first_fetch),  cmocka_unit_test(test_known_ids_and_page),
		cmocka_unit_test(test_next_poll),    cmocka_unit_test(test_low_water),
		cmocka_unit_test(test_concurrency_one),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
