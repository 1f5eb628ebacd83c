/*
 * Event feeds, actions and tickets through the real baton-demo binary: argv in; stdout, stderr
 * and the exit status out (argv[1] is the binary).
 *
 *   events   paging over more than 100 events, JSON lines that parse as c1.connector.v2.Event,
 *            the start-at filter, the cursor resuming where a run ended, unknown feed ids, and the
 *            "changes" feed reporting provisioning done by earlier runs;
 *   actions  schema listing (all, per type), invoke success, handler failure (exit 2, the error in
 *            the response), constraint errors (exit 3), unknown actions (exit 5), bad argument
 *            JSON (exit 2), argument validation in the handler, status RUNNING -> COMPLETE;
 *   tickets  schemas, create then get across runs, schema checks, bulk create.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>

#include "baton/common.h"
#include "proto/protojson.h"
#include "core/arena.h"
#include "c1/connector/v2/event_feed.pb-c.h"

extern char **environ;

static const char *bin;
static char workdir[512];

typedef struct run_result {
	int status;      /* exit status, or 128 + signal */
	char *out, *err; /* malloc'd */
} run_result;

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return strdup("");
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	size_t got = fread(buf, 1, (size_t)n, f);
	buf[got] = '\0';
	fclose(f);
	return buf;
}

/* Runs bin with args (NULL-terminated) in workdir, with extra env "K=V" strings (NULL-terminated). */
static run_result run_env(const char *const *env, const char *first, ...)
{
	const char *argv[64];
	int n = 0;
	argv[n++] = bin;
	va_list ap;
	va_start(ap, first);
	for (const char *a = first; a && n < 62; a = va_arg(ap, const char *))
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;

	char out_path[600], err_path[600];
	snprintf(out_path, sizeof(out_path), "%s/stdout.txt", workdir);
	snprintf(err_path, sizeof(err_path), "%s/stderr.txt", workdir);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawn_file_actions_addopen(&fa, 2, err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	/* environment: ours, minus BATON_*, plus the extras and the state file */
	const char *envp[512];
	int k = 0;
	for (char **e = environ; *e && k < 480; e++)
		if (strncmp(*e, "BATON_", 6) != 0)
			envp[k++] = *e;
	static char state[700], logfmt[] = "BATON_LOG_FORMAT=json";
	snprintf(state, sizeof(state), "BATON_DEMO_STATE=%s/state.json", workdir);
	envp[k++] = state;
	envp[k++] = logfmt;
	for (int i = 0; env && env[i] && k < 510; i++)
		envp[k++] = env[i];
	envp[k] = NULL;

	char cwd[1024];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(workdir), 0);
	pid_t pid;
	int rc = posix_spawn(&pid, bin, &fa, NULL, (char *const *)argv, (char *const *)envp);
	assert_int_equal(chdir(cwd), 0);
	posix_spawn_file_actions_destroy(&fa);
	assert_int_equal(rc, 0);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	run_result r;
	r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	r.out = slurp(out_path);
	r.err = slurp(err_path);
	return r;
}

#define run(...) run_env(NULL, __VA_ARGS__, (const char *)NULL)

static void run_free(run_result *r)
{
	free(r->out);
	free(r->err);
}

static void fresh_workdir(void)
{
	char cmd[1200];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mkdir -p '%s'", workdir, workdir);
	assert_int_equal(system(cmd), 0);
}

/* Splits stdout into lines, each parsed as an Event (fails the test otherwise); returns the count
 * and the ids (malloc'd array of malloc'd strings) and occurred_at seconds. */
typedef struct events {
	size_t n;
	char **ids;
	int64_t *at;
	char **cases; /* "usageEvent", "createGrantEvent", ... */
} events;

static events parse_events(const char *out)
{
	events ev = {0, NULL, NULL, NULL};
	baton_arena arena;
	baton_arena_init(&arena);
	const char *p = out;
	while (*p) {
		const char *nl = strchr(p, '\n');
		assert_non_null(nl); /* every event ends its line */
		ProtobufCMessage *m;
		if (baton__protojson_read(&arena, &c1__connector__v2__event__descriptor, p, (size_t)(nl - p), &m))
			fail_msg("line %zu is not an Event: %.*s (%s)", ev.n + 1, (int)(nl - p), p, baton_error_last()->message);
		C1__Connector__V2__Event *e = (C1__Connector__V2__Event *)m;
		ev.ids = realloc(ev.ids, (ev.n + 1) * sizeof(*ev.ids));
		ev.at = realloc(ev.at, (ev.n + 1) * sizeof(*ev.at));
		ev.cases = realloc(ev.cases, (ev.n + 1) * sizeof(*ev.cases));
		ev.ids[ev.n] = strdup(e->id);
		ev.at[ev.n] = e->occurred_at ? e->occurred_at->seconds : 0;
		json_t *j = json_loadb(p, (size_t)(nl - p), 0, NULL);
		const char *key;
		json_t *v;
		ev.cases[ev.n] = NULL;
		json_object_foreach(j, key, v) {
			if (strstr(key, "Event"))
				ev.cases[ev.n] = strdup(key);
		}
		json_decref(j);
		ev.n++;
		p = nl + 1;
	}
	baton_arena_release(&arena);
	return ev;
}

static void events_free(events *ev)
{
	for (size_t i = 0; i < ev->n; i++) {
		free(ev->ids[i]);
		free(ev->cases[i]);
	}
	free(ev->ids);
	free(ev->at);
	free(ev->cases);
}

/* The value of a JSON log line's key `key` for the first line whose msg is `msg` (new ref). */
static json_t *log_field(const char *err, const char *msg, const char *key, int nth)
{
	const char *p = err;
	int seen = 0;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		json_t *j = json_loadb(p, len, 0, NULL);
		if (j && json_is_string(json_object_get(j, "msg")) && !strcmp(json_string_value(json_object_get(j, "msg")), msg) &&
		    seen++ == nth) {
			json_t *v = json_incref(json_object_get(j, key));
			json_decref(j);
			return v;
		}
		json_decref(j);
		if (!nl)
			break;
		p = nl + 1;
	}
	return NULL;
}

/* ---- events ---- */

#define NOW 1700000000 /* 2023-11-14T22:13:20Z */

static void test_event_paging(void **state)
{
	(void)state;
	fresh_workdir();
	const char *env[] = {"BATON_DEMO_NOW=1700000000", NULL};
	/* default start: now - 24h by the real clock, which is after NOW: give it explicitly */
	run_result r = run_env(env, "--event-feed=true", "--event-feed-id", "usage", "--event-feed-start-at",
	                       "2023-11-13T22:13:20Z", "--log-level", "debug", (const char *)NULL);
	assert_int_equal(r.status, 0);
	events ev = parse_events(r.out);
	/* one event every 600 s over the 24 h before NOW: 144, more than one page of 100 */
	assert_int_equal(ev.n, 144);
	for (size_t i = 0; i < ev.n; i++) {
		assert_true(ev.at[i] >= NOW - 86400 && ev.at[i] <= NOW);
		assert_string_equal(ev.cases[i], "usageEvent");
		if (i)
			assert_true(ev.at[i] == ev.at[i - 1] + 600);
	}
	/* the final cursor is logged; resuming from it gives nothing new until time moves */
	json_t *cur = log_field(r.err, "event feed done", "cursor", 0);
	assert_non_null(cur);
	char cursor[64];
	snprintf(cursor, sizeof(cursor), "%s", json_string_value(cur));
	json_decref(cur);
	json_t *pages = log_field(r.err, "event feed done", "pages", 0);
	assert_int_equal(json_integer_value(pages), 2);
	json_decref(pages);
	events_free(&ev);
	run_free(&r);

	r = run_env(env, "--event-feed=true", "--event-feed-id", "usage", "--event-feed-cursor", cursor, (const char *)NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "");
	run_free(&r);
	const char *later[] = {"BATON_DEMO_NOW=1700003600", NULL};
	r = run_env(later, "--event-feed=true", "--event-feed-id", "usage", "--event-feed-cursor", cursor, (const char *)NULL);
	assert_int_equal(r.status, 0);
	ev = parse_events(r.out);
	assert_int_equal(ev.n, 6); /* the hour after NOW */
	assert_int_equal(ev.at[0], 1700000400);
	events_free(&ev);
	run_free(&r);

	/* start-at filter */
	r = run_env(env, "--event-feed=true", "--event-feed-id", "usage", "--event-feed-start-at", "2023-11-14T21:00:00Z",
	            (const char *)NULL);
	assert_int_equal(r.status, 0);
	ev = parse_events(r.out);
	assert_int_equal(ev.n, 8); /* 21:00 .. 22:10 */
	assert_int_equal(ev.at[0], 1699995600);
	events_free(&ev);
	run_free(&r);
	r = run_env(env, "--event-feed=true", "--event-feed-id", "usage", "--event-feed-start-at", "2023-11-14T21:00:00+01:00",
	            (const char *)NULL);
	ev = parse_events(r.out);
	assert_int_equal(ev.n, 14); /* 20:00Z .. 22:10Z */
	events_free(&ev);
	run_free(&r);

	/* the default start (real clock - 24h) with a clock at NOW: nothing */
	r = run_env(env, "--event-feed=true", "--event-feed-id", "usage", (const char *)NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "");
	run_free(&r);

	/* errors: unknown feed (NotFound = 5), no feed id (the legacy default id), bad time */
	r = run("--event-feed=true", "--event-feed-id", "nope");
	assert_int_equal(r.status, 5);
	assert_non_null(strstr(r.err, "error: event feed id nope not found"));
	run_free(&r);
	r = run("--event-feed=true");
	assert_int_equal(r.status, 5);
	assert_non_null(strstr(r.err, "baton_feed_event"));
	run_free(&r);
	r = run("--event-feed=true", "--event-feed-id", "usage", "--event-feed-start-at", "yesterday");
	assert_int_equal(r.status, 2);
	run_free(&r);
	/* a cursor the feed cannot read is the feed's error */
	r = run("--event-feed=true", "--event-feed-id", "usage", "--event-feed-cursor", "x");
	assert_int_equal(r.status, 3);
	assert_non_null(strstr(r.err, "error: listing events failed: demo: bad event cursor"));
	run_free(&r);
}

static void test_event_changes(void **state)
{
	(void)state;
	fresh_workdir();
	/* provisioning through actions logs operations the "changes" feed reports */
	run_result r = run("--invoke-action", "add_member", "--invoke-action-resource-type", "group", "--invoke-action-args",
	                   "{\"group\":{\"resource_type_id\":\"group\",\"resource_id\":\"g001\"},"
	                   "\"user\":{\"resource_type_id\":\"user\",\"resource_id\":\"u0049\"},\"admin\":true}");
	assert_int_equal(r.status, 0);
	run_free(&r);
	r = run("--invoke-action", "disable_user", "--invoke-action-resource-type", "user", "--invoke-action-args",
	        "{\"user\":{\"resource_type\":\"user\",\"resource\":\"u0001\"}}");
	assert_int_equal(r.status, 0);
	run_free(&r);

	r = run("--event-feed=true", "--event-feed-id", "changes");
	assert_int_equal(r.status, 0);
	events ev = parse_events(r.out);
	assert_int_equal(ev.n, 2);
	assert_string_equal(ev.ids[0], "op-0");
	assert_string_equal(ev.cases[0], "createGrantEvent");
	assert_string_equal(ev.cases[1], "resourceChangeEvent");
	int64_t now = (int64_t)time(NULL);
	assert_true(ev.at[0] > now - 600 && ev.at[0] <= now);
	assert_non_null(strstr(r.out, "\"id\":\"group:g001:admin\""));
	events_free(&ev);
	run_free(&r);

	/* start-at after them: nothing */
	r = run("--event-feed=true", "--event-feed-id", "changes", "--event-feed-start-at", "2999-01-01T00:00:00Z");
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "");
	run_free(&r);
}

/* ---- actions ---- */

static void test_action_schemas(void **state)
{
	(void)state;
	fresh_workdir();
	run_result r = run("--list-action-schemas");
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "");
	json_t *count = log_field(r.err, "Action Schemas", "count", 0);
	assert_int_equal(json_integer_value(count), 6);
	json_decref(count);
	json_t *schemas = log_field(r.err, "Action Schemas", "schemas", 0);
	assert_true(json_is_array(schemas));
	assert_string_equal(json_string_value(json_object_get(json_array_get(schemas, 0), "name")), "rotate_all");
	json_t *c0 = json_array_get(json_object_get(json_array_get(schemas, 0), "constraints"), 0);
	assert_string_equal(json_string_value(json_object_get(c0, "kind")), "CONSTRAINT_KIND_MUTUALLY_EXCLUSIVE");
	json_decref(schemas);
	run_free(&r);

	r = run("--list-action-schemas", "--list-action-schemas-resource-type", "user");
	assert_int_equal(r.status, 0);
	schemas = log_field(r.err, "Action Schemas", "schemas", 0);
	assert_int_equal(json_array_size(schemas), 2);
	json_t *s0 = json_array_get(schemas, 0);
	assert_string_equal(json_string_value(json_object_get(s0, "resourceTypeId")), "user");
	assert_string_equal(json_string_value(json_array_get(json_object_get(s0, "actionType"), 0)),
	                    "ACTION_TYPE_ACCOUNT_DISABLE");
	json_t *arg = json_array_get(json_object_get(s0, "arguments"), 0);
	assert_true(json_is_true(json_object_get(arg, "isRequired")));
	assert_non_null(json_object_get(arg, "resourceIdField"));
	json_decref(schemas);
	json_t *rt = log_field(r.err, "Action Schemas", "resource_type_id", 0);
	assert_string_equal(json_string_value(rt), "user");
	json_decref(rt);
	run_free(&r);
}

static void test_action_invoke(void **state)
{
	(void)state;
	fresh_workdir();
	/* success */
	run_result r = run("--invoke-action", "rotate_all", "--invoke-action-args", "{\"dry_run\": true}");
	assert_int_equal(r.status, 0);
	json_t *st = log_field(r.err, "ActionInvoke response", "status", 0);
	assert_string_equal(json_string_value(st), "BATON_ACTION_STATUS_COMPLETE");
	json_decref(st);
	json_t *id = log_field(r.err, "ActionInvoke response", "action_id", 0);
	assert_int_equal(strlen(json_string_value(id)), 27);
	json_decref(id);
	json_t *resp = log_field(r.err, "ActionInvoke response", "resp", 1);
	assert_true(json_is_true(json_object_get(resp, "success")));
	assert_true(json_integer_value(json_object_get(resp, "rotated")) > 0);
	json_decref(resp);
	run_free(&r);

	/* handler failure: FAILED, "error" in the response, exit 2 */
	r = run("--invoke-action", "always_fail");
	assert_int_equal(r.status, 2);
	st = log_field(r.err, "ActionInvoke response", "status", 0);
	assert_string_equal(json_string_value(st), "BATON_ACTION_STATUS_FAILED");
	json_decref(st);
	assert_non_null(strstr(r.err, "action invoke failed: {\"error\":\"the demo upstream is down\""));
	run_free(&r);

	/* argument validation in the handler: a missing required resource id, a user that is not there */
	r = run("--invoke-action", "disable_user", "--invoke-action-resource-type", "user");
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "required argument user is missing or invalid"));
	run_free(&r);
	r = run("--invoke-action", "disable_user", "--invoke-action-resource-type", "user", "--invoke-action-args",
	        "{\"user\": \"u0001\"}");
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "required argument user is missing or invalid"));
	run_free(&r);
	r = run("--invoke-action", "disable_user", "--invoke-action-resource-type", "user", "--invoke-action-args",
	        "{\"user\": {\"resource_type_id\": \"user\", \"resource_id\": \"nobody\"}}");
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "disable_user: nobody not found"));
	run_free(&r);
	r = run("--invoke-action", "slow_report", "--invoke-action-args", "{\"seconds\": 99}");
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "seconds must be 0..10"));
	run_free(&r);

	/* constraint errors: InvalidArgument, exit 3, nothing invoked */
	r = run("--invoke-action", "rotate_all", "--invoke-action-args", "{\"department\": \"Sales\", \"user_ids\": [\"u0001\"]}");
	assert_int_equal(r.status, 3);
	assert_non_null(strstr(r.err, "error: invoking action failed: fields are mutually exclusive: [department user_ids]"));
	assert_null(strstr(r.err, "ActionInvoke response"));
	run_free(&r);
	/* null values do not count as present */
	r = run("--invoke-action", "rotate_all", "--invoke-action-args", "{\"department\": \"Sales\", \"user_ids\": null, \"dry_run\": true}");
	assert_int_equal(r.status, 0);
	run_free(&r);
	r = run("--invoke-action", "add_member", "--invoke-action-resource-type", "group", "--invoke-action-args",
	        "{\"group\": {\"resource_type_id\": \"group\", \"resource_id\": \"g001\"}}");
	assert_int_equal(r.status, 3);
	assert_non_null(strstr(r.err, "fields required together: [group user]"));
	run_free(&r);

	/* unknown action, action of another scope, bad JSON */
	r = run("--invoke-action", "nope");
	assert_int_equal(r.status, 5);
	run_free(&r);
	r = run("--invoke-action", "disable_user");
	assert_int_equal(r.status, 5);
	assert_non_null(strstr(r.err, "handler for action disable_user not found"));
	run_free(&r);
	r = run("--invoke-action", "rotate_all", "--invoke-action-resource-type", "role");
	assert_int_equal(r.status, 5);
	assert_non_null(strstr(r.err, "no actions found for resource type role"));
	run_free(&r);
	r = run("--invoke-action", "rotate_all", "--invoke-action-args", "{not json");
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "failed to parse invoke-action-args"));
	run_free(&r);
	r = run("--invoke-action", "rotate_all", "--invoke-action-args", "[1]");
	assert_int_equal(r.status, 2);
	run_free(&r);

	/* status transitions: RUNNING after the 1 s inline wait, then COMPLETE by polling */
	r = run("--invoke-action", "slow_report", "--invoke-action-args", "{\"seconds\": 3}", "--log-level", "debug");
	assert_int_equal(r.status, 0);
	st = log_field(r.err, "ActionInvoke response", "status", 0);
	assert_string_equal(json_string_value(st), "BATON_ACTION_STATUS_RUNNING");
	json_decref(st);
	st = log_field(r.err, "action status", "status", 0);
	assert_string_equal(json_string_value(st), "BATON_ACTION_STATUS_COMPLETE");
	json_decref(st);
	resp = log_field(r.err, "ActionInvoke response", "resp", 1);
	assert_int_equal(json_integer_value(json_object_get(resp, "users")), 50);
	json_decref(resp);
	run_free(&r);

	/* a state change made by an action is seen by the next run */
	r = run("--invoke-action", "disable_user", "--invoke-action-resource-type", "user", "--invoke-action-args",
	        "{\"user\": {\"resource_type_id\": \"user\", \"resource_id\": \"u0002\"}}");
	assert_int_equal(r.status, 0);
	run_free(&r);
	r = run("--invoke-action", "rotate_all", "--invoke-action-args", "{\"dry_run\": true, \"user_ids\": [\"u0002\"]}");
	assert_int_equal(r.status, 0);
	resp = log_field(r.err, "ActionInvoke response", "resp", 1);
	assert_int_equal(json_integer_value(json_object_get(resp, "rotated")), 0); /* disabled users are skipped */
	json_decref(resp);
	run_free(&r);
}

/* ---- tickets ---- */

static void write_file(const char *name, const char *text)
{
	char path[1200];
	snprintf(path, sizeof(path), "%s/%s", workdir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_tickets(void **state)
{
	(void)state;
	fresh_workdir();
	run_result r = run("--list-ticket-schemas");
	assert_int_equal(r.status, 0);
	json_t *resp = log_field(r.err, "Ticket Schemas", "resp", 0);
	json_t *list = json_object_get(resp, "list");
	assert_int_equal(json_array_size(list), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "id")), "access-request");
	json_decref(resp);
	run_free(&r);

	write_file("t1.json", "{\"schema_id\": \"access-request\", \"status_id\": \"open\", \"display_name\": \"Access to Iris\","
	                      " \"description\": \"please\", \"labels\": [\"urgent\"], \"requested_for_id\": \"u0003\","
	                      " \"custom_fields\": {\"priority\": \"high\", \"watchers\": [\"u0001\"],"
	                      " \"due\": \"2030-01-02T03:04:05Z\"}}");
	r = run("--create-ticket", "--ticket-template-path", "t1.json");
	assert_int_equal(r.status, 0);
	resp = log_field(r.err, "created ticket", "resp", 0);
	json_t *t = json_object_get(resp, "ticket");
	assert_string_equal(json_string_value(json_object_get(t, "id")), "DEMO-1");
	assert_string_equal(json_string_value(json_object_get(json_object_get(t, "status"), "id")), "open");
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_object_get(t, "requestedFor"), "id"),
	                                                      "resource")), "u0003");
	json_decref(resp);
	run_free(&r);

	/* get, in another run */
	r = run("--get-ticket", "--ticket-id", "DEMO-1");
	assert_int_equal(r.status, 0);
	resp = log_field(r.err, "ticket", "resp", 0);
	t = json_object_get(resp, "ticket");
	assert_string_equal(json_string_value(json_object_get(t, "displayName")), "Access to Iris");
	json_t *cf = json_object_get(json_object_get(t, "customFields"), "priority");
	assert_string_equal(json_string_value(json_object_get(json_object_get(cf, "pickStringValue"), "value")), "high");
	cf = json_object_get(json_object_get(t, "customFields"), "due");
	assert_string_equal(json_string_value(json_object_get(json_object_get(cf, "timestampValue"), "value")),
	                    "2030-01-02T03:04:05Z");
	json_decref(resp);
	run_free(&r);
	r = run("--get-ticket", "--ticket-id", "DEMO-9");
	assert_int_equal(r.status, 5);
	assert_non_null(strstr(r.err, "error: getting ticket failed: ticket DEMO-9 not found"));
	run_free(&r);

	/* checks against the schema */
	write_file("bad1.json", "{\"schema_id\": \"access-request\", \"display_name\": \"x\", \"custom_fields\": {}}");
	r = run("--create-ticket", "--ticket-template-path", "bad1.json");
	assert_int_equal(r.status, 3);
	assert_non_null(strstr(r.err, "create ticket request is not valid: missing custom field priority"));
	run_free(&r);
	write_file("bad2.json", "{\"schema_id\": \"access-request\", \"custom_fields\": {\"priority\": \"urgent\"}}");
	r = run("--create-ticket", "--ticket-template-path", "bad2.json");
	assert_int_equal(r.status, 3);
	assert_non_null(strstr(r.err, "value urgent is not allowed for field priority"));
	run_free(&r);
	write_file("bad3.json", "{\"schema_id\": \"access-request\", \"status_id\": \"resolved\", \"custom_fields\": {\"priority\": \"low\"}}");
	r = run("--create-ticket", "--ticket-template-path", "bad3.json");
	assert_int_equal(r.status, 3);
	assert_non_null(strstr(r.err, "could not find status resolved"));
	run_free(&r);
	write_file("bad4.json", "{\"schema_id\": \"access-request\", \"custom_fields\": {\"priority\": 3}}");
	r = run("--create-ticket", "--ticket-template-path", "bad4.json");
	assert_int_equal(r.status, 3);
	assert_non_null(strstr(r.err, "unexpected value type for custom field: priority float64"));
	run_free(&r);
	write_file("bad5.json", "{\"schema_id\": \"nope\"}");
	r = run("--create-ticket", "--ticket-template-path", "bad5.json");
	assert_int_equal(r.status, 5);
	run_free(&r);
	r = run("--create-ticket", "--ticket-template-path", "missing.json");
	assert_int_equal(r.status, 3);
	run_free(&r);

	/* bulk create: each ticket on its own; a bad one reports its error, the others are made */
	write_file("bulk.json", "{\"tickets\": ["
	                        "{\"schema_id\": \"incident\", \"display_name\": \"down\", \"custom_fields\": {\"severity\": \"sev1\", \"paging\": true}},"
	                        "{\"schema_id\": \"incident\", \"display_name\": \"bad\", \"custom_fields\": {}},"
	                        "{\"schema_id\": \"access-request\", \"display_name\": \"more\", \"custom_fields\": {\"priority\": \"low\"}}]}");
	r = run("--bulk-create-ticket", "--bulk-ticket-template-path", "bulk.json");
	assert_int_equal(r.status, 0);
	resp = log_field(r.err, "created tickets", "resp", 0);
	list = json_object_get(resp, "tickets");
	assert_int_equal(json_array_size(list), 3);
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_array_get(list, 0), "ticket"), "id")), "DEMO-2");
	assert_non_null(strstr(json_string_value(json_object_get(json_array_get(list, 1), "error")), "missing custom field severity"));
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_array_get(list, 2), "ticket"), "id")), "DEMO-3");
	json_decref(resp);
	run_free(&r);
	write_file("empty.json", "{\"tickets\": []}");
	r = run("--bulk-create-ticket", "--bulk-ticket-template-path", "empty.json");
	assert_int_equal(r.status, 3);
	assert_non_null(strstr(r.err, "request body had no items"));
	run_free(&r);
	r = run("--get-ticket", "--ticket-id", "DEMO-3");
	assert_int_equal(r.status, 0);
	run_free(&r);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s path/to/baton-demo\n", argv[0]);
		return 2;
	}
	static char abs_bin[4096];
	char cwd[2048];
	if (argv[1][0] == '/' || !getcwd(cwd, sizeof(cwd)))
		snprintf(abs_bin, sizeof(abs_bin), "%s", argv[1]);
	else
		snprintf(abs_bin, sizeof(abs_bin), "%s/%s", cwd, argv[1]);
	bin = abs_bin;
	const char *out = getenv("BATON_TEST_OUT_DIR");
	snprintf(workdir, sizeof(workdir), "%s/events-e2e-%ld", out ? out : "/tmp", (long)getpid());
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_event_paging),
		cmocka_unit_test(test_event_changes),
		cmocka_unit_test(test_action_schemas),
		cmocka_unit_test(test_action_invoke),
		cmocka_unit_test(test_tickets),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	if (rc == 0) {
		char cmd[1200];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", workdir);
		if (system(cmd) != 0)
			rc = 1;
	}
	return rc;
}
