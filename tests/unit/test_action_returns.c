/*
 * The return-list builders of an action (baton_ctx_action_return_*_list, src/connector/
 * actions_fields.c), on the paths the action tests in test_connector_ext.c do not take: empty
 * lists; a list refused (a NULL array, a bad item, a NULL key) leaves the response as it was and
 * names the problem; and a memory allocation that fails anywhere in a call fails the call with
 * BATON_EEXHAUSTED and sets nothing, never a shorter list or another error.
 *
 * The action runs on the SDK's action thread; it only records what the builders return, and the
 * test checks the records and the response once the invocation is over.
 */
#include <math.h>
#include <stdio.h>

#include "action_testutil.h"

/* ---- a jansson allocator that fails one chosen allocation of the thread that arms it ---- */

static _Thread_local long fail_countdown; /* > 0: the allocation that brings it to 0 fails */
static _Thread_local int fail_fired;

static void *failing_malloc(size_t n)
{
	if (fail_countdown > 0 && --fail_countdown == 0) {
		fail_fired = 1;
		return NULL;
	}
	return malloc(n);
}

/* The nth jansson allocation of this thread from now on fails (0: none). */
static void arm(long nth)
{
	fail_fired = 0;
	fail_countdown = nth;
}

/* ---- the action: runs the scenario the test picked, recording each builder's result ---- */

#define MAX_RECORDS 2048

typedef struct record {
	int rc;
	char key[32];
	char message[256];
	int fired;         /* the armed allocation failed during the call */
	long items;        /* the failing-allocation test: the key's list length afterwards, -1: absent */
} record;

static record records[MAX_RECORDS];
static size_t n_records;
static int (*scenario)(baton_ctx *ctx);

static void note(int rc, const char *key)
{
	if (n_records == MAX_RECORDS)
		return;
	record *r = &records[n_records++];
	r->rc = rc;
	snprintf(r->key, sizeof(r->key), "%s", key ? key : "(null)");
	snprintf(r->message, sizeof(r->message), "%s", rc ? baton_error_last()->message : "");
	r->fired = fail_fired;
	r->items = -1;
}

static int act_run(baton_ctx *ctx, const char *args_json)
{
	(void)args_json;
	return scenario(ctx);
}

static const baton_action run_action = {.version = BATON_ACTION_VERSION, .name = "run", .invoke = act_run};
static const baton_action *const actions[] = {&run_action};

/* Runs `s` as the action's invoke; returns the response as compact JSON (NULL when none), in
 * a string the caller frees. */
static char *invoke(int (*s)(baton_ctx *ctx))
{
	scenario = s;
	n_records = 0;
	baton_connector c = action_connector("Returns", actions, 1);
	return action_invoke(&c, "run", NULL);
}

/* ---- the objects the list builders take ---- */

typedef struct objects {
	baton_resource *res[2];
	baton_entitlement *ent[2];
	baton_grant *grant[2];
} objects;

static int make_objects(baton_ctx *ctx, objects *o)
{
	baton_resource_id u = {"user", "u1"}, p = {"group", "g1"};
	int rc = baton_resource_new_with_id(ctx, "User One", &u, &o->res[0]);
	if (!rc)
		rc = baton_entitlement_new(ctx, o->res[0], "member", BATON_PURPOSE_ASSIGNMENT, &o->ent[0]);
	if (!rc)
		rc = baton_grant_new(ctx, o->res[0], "member", &p, &o->grant[0]);
	o->res[1] = o->res[0];
	o->ent[1] = o->ent[0];
	o->grant[1] = o->grant[0];
	return rc;
}

/* ---- empty lists ---- */

static int empty_lists(baton_ctx *ctx)
{
	note(baton_ctx_action_return_string_list(ctx, "s", NULL, 0), "s");
	note(baton_ctx_action_return_number_list(ctx, "n", NULL, 0), "n");
	note(baton_ctx_action_return_resource_id_list(ctx, "i", NULL, 0), "i");
	note(baton_ctx_action_return_resource_list(ctx, "r", NULL, 0), "r");
	note(baton_ctx_action_return_entitlement_list(ctx, "e", NULL, 0), "e");
	note(baton_ctx_action_return_grant_list(ctx, "g", NULL, 0), "g");
	return 0;
}

static void test_empty_lists(void **state)
{
	(void)state;
	char *json = invoke(empty_lists);
	assert_int_equal(n_records, 6);
	for (size_t i = 0; i < n_records; i++)
		if (records[i].rc)
			fail_msg("empty list %s: rc %d (%s)", records[i].key, records[i].rc, records[i].message);
	assert_non_null(json);
	assert_string_equal(json, "{\"e\":[],\"g\":[],\"i\":[],\"n\":[],\"r\":[],\"s\":[]}");
	free(json);
}

/* ---- refused lists ---- */

static int refused_lists(baton_ctx *ctx)
{
	objects o;
	int rc = make_objects(ctx, &o);
	if (rc)
		return rc;
	const char *const one[] = {"x"};
	const char *const with_null[] = {"a", NULL};
	const char *const not_utf8[] = {"a", "\xff"};
	const double not_finite[] = {1, NAN};
	const baton_resource_id ids_nil[] = {{"user", "u1"}, {NULL, "u2"}};
	/* the value every refusal must leave in place */
	note(baton_ctx_action_return_string_list(ctx, "s", one, 1), "s");

	note(baton_ctx_action_return_string_list(ctx, "s", with_null, 2), "s");
	note(baton_ctx_action_return_string_list(ctx, "s", not_utf8, 2), "s");
	note(baton_ctx_action_return_string_list(ctx, "s", NULL, 3), "s");
	note(baton_ctx_action_return_string_list(ctx, NULL, one, 1), NULL);
	note(baton_ctx_action_return_number_list(ctx, "s", not_finite, 2), "s");
	note(baton_ctx_action_return_resource_id_list(ctx, "s", ids_nil, 2), "s");
	note(baton_ctx_action_return_resource_id_list(ctx, "s", NULL, 1), "s");
	note(baton_ctx_action_return_resource_list(ctx, "s", NULL, 1), "s");
	note(baton_ctx_action_return_entitlement_list(ctx, "s", NULL, 1), "s");
	note(baton_ctx_action_return_grant_list(ctx, "s", NULL, 1), "s");
	note(baton_ctx_action_return_grant_list(ctx, NULL, o.grant, 1), NULL);
	return 0;
}

static void test_refused_lists(void **state)
{
	(void)state;
	static const char *const want[] = {
		"",
		"baton_ctx_action_return_string_list: item 1 is NULL or not valid UTF-8",
		"baton_ctx_action_return_string_list: item 1 is NULL or not valid UTF-8",
		"baton_ctx_action_return_string_list: values must not be NULL",
		"baton_ctx_action_return_string_list: key must not be NULL",
		"baton_ctx_action_return_number_list: item 1 is not a finite number",
		"baton_ctx_action_return_resource_id_list: resource id at index 1 cannot be nil",
		"baton_ctx_action_return_resource_id_list: ids must not be NULL",
		"baton_ctx_action_return_resource_list: resources must not be NULL",
		"baton_ctx_action_return_entitlement_list: entitlements must not be NULL",
		"baton_ctx_action_return_grant_list: grants must not be NULL",
		"baton_ctx_action_return_grant_list: key must not be NULL",
	};
	char *json = invoke(refused_lists);
	assert_int_equal(n_records, sizeof(want) / sizeof(want[0]));
	assert_int_equal(records[0].rc, 0);
	for (size_t i = 1; i < n_records; i++) {
		if (records[i].rc != BATON_EINVALID || strcmp(records[i].message, want[i]) != 0)
			fail_msg("refusal %zu: rc %d \"%s\", expected BATON_EINVALID \"%s\"", i, records[i].rc,
			         records[i].message, want[i]);
	}
	assert_string_equal(json, "{\"s\":[\"x\"]}");
	free(json);
}

/* ---- allocation failures ---- */

#define BIG 20 /* more items than a JSON array holds before it grows (8, then 16) */

typedef int list_call(baton_ctx *ctx, const char *key);

static int call_strings(baton_ctx *ctx, const char *key)
{
	const char *v[BIG];
	for (int i = 0; i < BIG; i++)
		v[i] = "item";
	return baton_ctx_action_return_string_list(ctx, key, v, BIG);
}
static int call_numbers(baton_ctx *ctx, const char *key)
{
	double v[BIG];
	for (int i = 0; i < BIG; i++)
		v[i] = i + 0.5;
	return baton_ctx_action_return_number_list(ctx, key, v, BIG);
}
static int call_ids(baton_ctx *ctx, const char *key)
{
	baton_resource_id v[BIG];
	for (int i = 0; i < BIG; i++)
		v[i] = (baton_resource_id){"user", "u1"};
	return baton_ctx_action_return_resource_id_list(ctx, key, v, BIG);
}
static const struct {
	const char *tag;
	list_call *call;
	size_t items;
} lists[] = {
	{"s", call_strings, BIG}, {"n", call_numbers, BIG}, {"i", call_ids, BIG},
};
#define N_LISTS (sizeof(lists) / sizeof(lists[0]))

/*
 * Each list builder, with its 1st, 2nd, ... jansson allocation failing, until a call needs no
 * more allocations than that; each result recorded with what the response then holds under the
 * call's key "<list><n>".
 *
 * Only the lists whose items this file builds itself: jansson's parser (2.14) does not survive a
 * failed allocation (it writes out of bounds, or an assertion in lex_scan_string aborts), and the
 * resource, entitlement and grant lists parse each item's protojson text. For the same reason
 * each call starts from no response, so that the builder makes a new object rather than parsing
 * the response text.
 */
static int failing_allocations(baton_ctx *ctx)
{
	int rc;
	baton__ext_call *ec = baton__ext_of(ctx, "failing_allocations", 0);
	if (!ec)
		return baton_error_last()->code;
	json_set_alloc_funcs(failing_malloc, free);
	for (size_t l = 0; l < N_LISTS; l++) {
		for (long nth = 1; nth < 100000 && n_records < MAX_RECORDS; nth++) {
			char key[32];
			snprintf(key, sizeof(key), "%s%ld", lists[l].tag, nth);
			free(ec->response);
			ec->response = NULL;
			arm(nth);
			rc = lists[l].call(ctx, key);
			fail_countdown = 0;
			note(rc, key);
			record *r = &records[n_records - 1];
			json_t *now = ec->response ? json_loads(ec->response, 0, NULL) : NULL;
			json_t *got = json_object_get(now, key);
			if (got)
				r->items = json_is_array(got) ? (long)json_array_size(got) : -2;
			json_decref(now);
			if (!r->fired)
				break;
		}
	}
	json_set_alloc_funcs(malloc, free);
	return 0;
}

static void test_failing_allocations(void **state)
{
	(void)state;
	free(invoke(failing_allocations));
	assert_true(n_records < MAX_RECORDS);
	size_t failed = 0, per_list[N_LISTS] = {0};
	for (size_t i = 0; i < n_records; i++) {
		const record *r = &records[i];
		size_t l = 0;
		while (l < N_LISTS && strncmp(r->key, lists[l].tag, 1) != 0)
			l++;
		assert_true(l < N_LISTS);
		per_list[l]++;
		if (r->rc == 0) {
			/* succeeded (the failed allocation was one it could do without, or none failed): the
			 * whole list */
			if (r->items != (long)lists[l].items)
				fail_msg("%s: returned 0 but the response holds %ld of %zu items", r->key, r->items,
				         lists[l].items);
			continue;
		}
		failed++;
		if (!r->fired)
			fail_msg("%s: failed with no allocation failing: %d %s", r->key, r->rc, r->message);
		if (r->rc != BATON_EEXHAUSTED)
			fail_msg("%s: an allocation failure gave %d \"%s\", expected BATON_EEXHAUSTED", r->key, r->rc,
			         r->message);
		if (r->items != -1)
			fail_msg("%s: failed, but the response holds it", r->key);
	}
	/* each list was run with allocations failing, then past its last one */
	for (size_t l = 0; l < N_LISTS; l++)
		assert_true(per_list[l] > 1);
	assert_true(failed > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_lists),
		cmocka_unit_test(test_refused_lists),
		cmocka_unit_test(test_failing_allocations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
