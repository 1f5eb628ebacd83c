/*
 * The db cache across a sync: two resource types listing through two clients of the
 * BATON_HTTP_CACHE_BACKEND=db cache share one answer (one request reaches the server), and once
 * baton_sync() returns the entries are gone (Go's Cleanup calls uhttp.ClearCaches), though the
 * clients still live; the file goes with the last client.
 */
#include "http_testutil.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>

static const char *const routes =
    "{\"mode\":\"routes\",\"exchanges\":[{\"respond\":{\"status\":200,\"headers\":{\"Content-Type\":"
    "\"application/json\"},\"body\":\"{\\\"ids\\\":[\\\"a\\\",\\\"b\\\"]}\"},\"times\":0}]}";

static baton_http_client *clients[2];
static int hits_seen;

/* Lists one resource per id of GET /directory, through the client of its type. */
static int list_from(baton_ctx *ctx, int which)
{
	json_t *doc = NULL;
	baton_http_request *r;
	baton_http_response *resp = NULL;
	int rc = baton_http_request_new(clients[which], "GET", "/directory", &r);
	if (!rc)
		rc = baton_http_do(clients[which], r, NULL, &resp);
	if (!rc && baton_http_response_from_cache(resp))
		hits_seen++;
	baton_http_response_free(resp);
	baton_http_request_free(r);
	if (rc)
		return rc;
	if ((rc = baton_http_get_json(clients[which], "/directory", NULL, &doc)))
		return rc;
	json_t *ids = json_object_get(doc, "ids");
	for (size_t i = 0; !rc && i < json_array_size(ids); i++) {
		baton_resource *res;
		rc = baton_resource_new(ctx, json_string_value(json_array_get(ids, i)), baton_ctx_resource_type(ctx),
		                        json_string_value(json_array_get(ids, i)), &res);
		if (!rc)
			rc = baton_ctx_emit_resource(ctx, res);
	}
	json_decref(doc);
	return rc;
}

static int list_users(baton_ctx *ctx, const baton_resource_id *parent)
{
	(void)parent;
	return list_from(ctx, 0);
}

static int list_groups(baton_ctx *ctx, const baton_resource_id *parent)
{
	(void)parent;
	return list_from(ctx, 1);
}

static const baton_resource_syncer users = {
	.version = BATON_RESOURCE_SYNCER_VERSION, .name = "User", .list = list_users,
};
static const baton_resource_syncer groups = {
	.version = BATON_RESOURCE_SYNCER_VERSION, .name = "Group", .list = list_groups,
};
static const baton_resource_syncer *const types[] = {&users, &groups};
static const baton_connector conn = {
	.version = BATON_CONNECTOR_VERSION, .display_name = "Cached", .resource_types = types, .n_resource_types = 2,
};

static long rows(const char *file)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open_v2(file, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM http_cache", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	long n = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static void test_cleared_after_sync(void **state)
{
	(void)state;
	char home[512], file[600], c1z[600];
	snprintf(home, sizeof(home), "%s/dbcache-sync-%ld", test_out_dir(), (long)getpid());
	snprintf(file, sizeof(file), "%s/lcache.db", home);
	snprintf(c1z, sizeof(c1z), "%s/sync.c1z", home);
	setenv("XDG_CACHE_HOME", home, 1);
	setenv("BATON_HTTP_CACHE_BACKEND", "db", 1);
	test_server *s = test_server_start_json(routes);
	for (int i = 0; i < 2; i++) {
		baton_http_client_options o;
		test_client_options(&o, s, NULL);
		o.cache.mode = BATON_HTTP_CACHE_FROM_ENV;
		assert_int_equal(baton_http_client_new(&o, &clients[i]), 0);
	}
	baton_sync_options so = BATON_SYNC_OPTIONS_INIT;
	so.c1z_path = c1z;
	baton_sync_summary sum;
	int rc = baton_sync(&conn, &so, &sum);
	if (rc)
		fail_msg("sync: %s", baton_error_last()->message);
	assert_int_equal(sum.resources, 4);
	/* four GETs of one URL by two clients: one reached the server; the group client's first
	 * GET was answered from what the user client stored */
	assert_int_equal(hits_seen, 1);
	assert_int_equal(test_server_request_count(s), 1);
	/* the sync is over: nothing left in the file, though both clients live on */
	assert_int_equal(access(file, F_OK), 0);
	assert_int_equal(rows(file), 0);
	baton_http_client_free(clients[0]);
	baton_http_client_free(clients[1]);
	assert_int_equal(access(file, F_OK), -1);
	unlink(c1z);
	test_server_stop(s);
	unsetenv("BATON_HTTP_CACHE_BACKEND");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cleared_after_sync),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
