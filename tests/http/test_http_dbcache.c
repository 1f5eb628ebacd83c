/*
 * BATON_HTTP_CACHE_BACKEND=db: the Go SDK's SQLite file (lcache.db in $XDG_CACHE_HOME) shared by
 * the clients of the process (a hit across two clients), its table as Go writes it, emptied by
 * baton_http_clear_caches() (what the end of a sync calls), removed with the last client, expiry
 * and the byte budget, and environment values that do not parse refused with a message.
 */
#include "http_testutil.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sqlite3.h>

#include "http/http_int.h"

static const char *const routes =
    "{\"mode\":\"routes\",\"exchanges\":["
    "{\"expect\":{\"path\":\"/big\"},\"respond\":{\"status\":200,\"body\":\""
    "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
    "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
    "\"},\"times\":0},"
    "{\"respond\":{\"status\":200,\"headers\":{\"Content-Type\":\"application/json\",\"X-Two\":\"a: b\"},"
    "\"body\":\"{\\\"n\\\":1}\"},\"times\":0}]}";

static char cache_home[512];
static char db_file[600];

static void clear_env(void)
{
	unsetenv("BATON_HTTP_CACHE_TTL");
	unsetenv("BATON_HTTP_CACHE_MAX_SIZE");
	unsetenv("BATON_HTTP_CACHE_BACKEND");
	unsetenv("BATON_DISABLE_HTTP_CACHE");
}

static int setup(void **state)
{
	(void)state;
	/* a cache directory of our own, one level deeper than exists (created 0700) */
	snprintf(cache_home, sizeof(cache_home), "%s/dbcache-%ld/xdg", test_out_dir(), (long)getpid());
	snprintf(db_file, sizeof(db_file), "%s/lcache.db", cache_home);
	setenv("XDG_CACHE_HOME", cache_home, 1);
	clear_env();
	setenv("BATON_HTTP_CACHE_BACKEND", "db", 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	clear_env();
	return 0;
}

static baton_http_client *client(test_server *s, fake_clock *fc)
{
	baton_http_client_options o;
	test_client_options(&o, s, fc);
	o.cache.mode = BATON_HTTP_CACHE_FROM_ENV;
	baton_http_client *c;
	int rc = baton_http_client_new(&o, &c);
	if (rc)
		fail_msg("client: %d %s", rc, baton_error_last()->message);
	return c;
}

/* GETs path; returns whether it came from the cache; the body in body (may be NULL). */
static bool get(baton_http_client *c, const char *path, char *body, size_t cap)
{
	baton_http_request *r;
	baton_http_response *resp = NULL;
	assert_int_equal(baton_http_request_new(c, "GET", path, &r), 0);
	assert_int_equal(baton_http_do(c, r, NULL, &resp), 0);
	bool hit = baton_http_response_from_cache(resp);
	if (body) {
		size_t n;
		const char *b = baton_http_response_body(resp, &n);
		snprintf(body, cap, "%.*s", (int)n, b);
	}
	if (hit && body) {
		assert_int_equal(baton_http_response_status(resp), 200);
		assert_string_equal(baton_http_response_header(resp, "X-Two"), "a: b");
		assert_string_equal(baton_http_response_header(resp, "content-type"), "application/json");
	}
	baton_http_response_free(resp);
	baton_http_request_free(r);
	return hit;
}

/* One value of the file, read with SQLite (as a Go reader would). */
static char *db_query(const char *sql)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open_v2(db_file, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	char *out = NULL;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		out = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return out ? out : strdup("");
}

static void test_shared_across_clients(void **state)
{
	(void)state;
	test_server *s = test_server_start_json(routes);
	fake_clock fc;
	fake_clock_init(&fc);
	/* a stale file from a killed run: emptied when opened, as Go does */
	baton_http_client *a = client(s, &fc);
	baton_http_client_free(a);
	assert_int_equal(access(db_file, F_OK), -1);
	/* a file that is not a database (a crash, a stray copy): replaced, privately */
	FILE *junk = fopen(db_file, "w");
	assert_non_null(junk);
	for (int i = 0; i < 512; i++)
		fputs("not a database ", junk);
	fclose(junk);
	chmod(db_file, 0644);
	log_capture_begin();
	a = client(s, &fc);
	char *logs = log_capture_end();
	assert_non_null(strstr(logs, "replacing a damaged http cache database"));
	free(logs);
	struct stat jst;
	assert_int_equal(stat(db_file, &jst), 0);
	assert_int_equal(jst.st_mode & 077, 0);
	assert_false(get(a, "/junk", NULL, 0));
	assert_true(get(a, "/junk", NULL, 0));
	baton_http_client_free(a);
	assert_int_equal(access(db_file, F_OK), -1);

	a = client(s, &fc);
	baton_http_client *b = client(s, &fc);
	struct stat st;
	assert_int_equal(stat(db_file, &st), 0);
	assert_int_equal(st.st_mode & 077, 0); /* private */
	char body[128];
	assert_false(get(a, "/users?b=2&a=1", body, sizeof(body)));
	assert_string_equal(body, "{\"n\":1}");
	/* the other client answers from the file: no second request reaches the server */
	size_t before = test_server_request_count(s);
	assert_true(get(b, "/users?a=1&b=2", body, sizeof(body)));
	assert_string_equal(body, "{\"n\":1}");
	assert_int_equal(test_server_request_count(s), before);
	uint64_t hits, misses;
	size_t entries, bytes;
	baton_http_client_cache_stats(b, &hits, &misses, &entries, &bytes);
	assert_int_equal(hits, 1);
	assert_int_equal(entries, 1);
	assert_true(bytes > 64);

	/* the row as Go's DBCache writes it: its key (Go's CreateCacheKey), a dumped response, the
	 * expiry in RFC 3339, the URL; one stats row per lookup */
	char *v = db_query("SELECT key FROM http_cache");
	char key[65];
	baton__headers none = {0};
	assert_int_equal(baton__cache_key(&a->cache, "/users", "a=1&b=2", &none, key), 0);
	assert_string_equal(v, key);
	free(v);
	v = db_query("SELECT substr(CAST(value AS TEXT), 1, 17) FROM http_cache");
	assert_string_equal(v, "HTTP/1.1 200 OK\r\n");
	free(v);
	v = db_query("SELECT expires FROM http_cache");
	assert_string_equal(v, "2023-11-14T23:13:20Z"); /* FAKE_EPOCH + 3600 s */
	free(v);
	v = db_query("SELECT url FROM http_cache");
	assert_non_null(strstr(v, "/users?"));
	free(v);
	v = db_query("SELECT SUM(hits) || '/' || SUM(misses) FROM http_stats");
	assert_string_equal(v, "1/1");
	free(v);

	/* the end of a sync empties it, for every client */
	baton_http_clear_caches();
	v = db_query("SELECT COUNT(*) FROM http_cache");
	assert_string_equal(v, "0");
	free(v);
	assert_false(get(b, "/users?a=1&b=2", NULL, 0));
	assert_true(get(a, "/users?a=1&b=2", NULL, 0));
	/* and the file goes with the last client */
	baton_http_client_free(a);
	assert_int_equal(access(db_file, F_OK), 0);
	baton_http_client_free(b);
	assert_int_equal(access(db_file, F_OK), -1);
	test_server_stop(s);
}

static void test_expiry_and_budget(void **state)
{
	(void)state;
	test_server *s = test_server_start_json(routes);
	fake_clock fc;
	fake_clock_init(&fc);
	setenv("BATON_HTTP_CACHE_TTL", "5", 1);
	baton_http_client *a = client(s, &fc);
	assert_false(get(a, "/e", NULL, 0));
	fc.now_ms += 4999;
	assert_true(get(a, "/e", NULL, 0));
	fc.now_ms += 1;
	assert_false(get(a, "/e", NULL, 0)); /* expired: fetched again (and stored again) */
	assert_true(get(a, "/e", NULL, 0));
	baton_http_client_free(a);
	unsetenv("BATON_HTTP_CACHE_TTL");

	/* a size of 0 MiB: nothing fits, nothing is stored */
	setenv("BATON_HTTP_CACHE_MAX_SIZE", "0", 1);
	a = client(s, &fc);
	assert_false(get(a, "/e", NULL, 0));
	assert_false(get(a, "/e", NULL, 0));
	baton_http_client_free(a);
	unsetenv("BATON_HTTP_CACHE_MAX_SIZE");

	/* the byte budget of the DB mode: the least recently used row goes first. The weights of
	 * /big and of a small page first, then a budget one byte short of /big and two pages. */
	baton_http_client_options o;
	test_client_options(&o, s, &fc);
	o.cache.mode = BATON_HTTP_CACHE_DB;
	baton_http_client *c;
	size_t n, w_big, w_small;
	assert_int_equal(baton_http_client_new(&o, &c), 0);
	assert_false(get(c, "/big", NULL, 0));
	baton_http_client_cache_stats(c, NULL, NULL, &n, &w_big);
	assert_false(get(c, "/p0", NULL, 0));
	baton_http_client_cache_stats(c, NULL, NULL, &n, &w_small);
	assert_int_equal(n, 2);
	w_small -= w_big;
	baton_http_client_free(c);
	o.cache.max_bytes = w_big + 2 * w_small - 1;
	assert_int_equal(baton_http_client_new(&o, &c), 0);
	assert_false(get(c, "/big", NULL, 0));
	fc.now_ms += 10;
	assert_false(get(c, "/p1", NULL, 0));
	fc.now_ms += 10;
	assert_true(get(c, "/big", NULL, 0)); /* /big is now the most recent */
	fc.now_ms += 10;
	assert_false(get(c, "/p2", NULL, 0)); /* over the budget: /p1 goes */
	baton_http_client_cache_stats(c, NULL, NULL, &n, NULL);
	assert_int_equal(n, 2);
	assert_true(get(c, "/big", NULL, 0));
	assert_true(get(c, "/p2", NULL, 0));
	assert_false(get(c, "/p1", NULL, 0));
	baton_http_client_free(c);
	test_server_stop(s);
}

static void test_bad_environment(void **state)
{
	(void)state;
	test_server *s = test_server_start_json(routes);
	fake_clock fc;
	fake_clock_init(&fc);
	baton_http_client_options o;
	test_client_options(&o, s, &fc);
	o.cache.mode = BATON_HTTP_CACHE_FROM_ENV;
	static const struct {
		const char *name, *value;
	} bad[] = {
		{"BATON_HTTP_CACHE_BACKEND", "sqlite"}, {"BATON_HTTP_CACHE_BACKEND", "DB"},
		{"BATON_HTTP_CACHE_TTL", "ten"},        {"BATON_HTTP_CACHE_TTL", "5s"},
		{"BATON_HTTP_CACHE_TTL", "99999999999999999999"},
		{"BATON_HTTP_CACHE_MAX_SIZE", "-1"},    {"BATON_HTTP_CACHE_MAX_SIZE", "5MB"},
		{"BATON_DISABLE_HTTP_CACHE", "yes"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		setenv(bad[i].name, bad[i].value, 1);
		baton_http_client *c = NULL;
		assert_int_equal(baton_http_client_new(&o, &c), BATON_EINVALID);
		assert_null(c);
		const char *m = baton_error_last()->message;
		if (!strstr(m, bad[i].name) || !strstr(m, bad[i].value))
			fail_msg("%s=%s: message '%s'", bad[i].name, bad[i].value, m);
		unsetenv(bad[i].name);
	}
	setenv("BATON_HTTP_CACHE_BACKEND", "db", 1);
	/* no usable cache directory: a clear error, not a silent memory cache */
	setenv("XDG_CACHE_HOME", "relative/dir", 1);
	baton_http_client *c = NULL;
	assert_int_equal(baton_http_client_new(&o, &c), BATON_EINVALID);
	assert_non_null(strstr(baton_error_last()->message, "XDG_CACHE_HOME is relative"));
	setenv("XDG_CACHE_HOME", "/proc/no-such-dir", 1);
	assert_int_equal(baton_http_client_new(&o, &c), BATON_EUNAVAILABLE);
	assert_non_null(strstr(baton_error_last()->message, "/proc/no-such-dir"));
	/* $HOME/.cache when XDG_CACHE_HOME is unset */
	char *home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
	unsetenv("XDG_CACHE_HOME");
	char h[600];
	snprintf(h, sizeof(h), "%s/dbcache-%ld/home", test_out_dir(), (long)getpid());
	setenv("HOME", h, 1);
	if (baton_http_client_new(&o, &c))
		fail_msg("HOME=%s: %s", h, baton_error_last()->message);
	char f[700];
	snprintf(f, sizeof(f), "%s/.cache/lcache.db", h);
	assert_int_equal(access(f, F_OK), 0);
	baton_http_client_free(c);
	assert_int_equal(access(f, F_OK), -1);
	if (home) {
		setenv("HOME", home, 1);
		free(home);
	}
	setenv("XDG_CACHE_HOME", cache_home, 1);
	test_server_stop(s);
}

/* The columns (name and declared type) and index names of a table, one text. */
static char *shape(sqlite3 *db, const char *schema_name, const char *table)
{
	char sql[256], *out = calloc(1, 4096);
	snprintf(sql, sizeof(sql),
	         "SELECT group_concat(name || ' ' || type, ', ') FROM pragma_table_info('%s', '%s')", table, schema_name);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(out, 2048, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	snprintf(sql, sizeof(sql),
	         "SELECT group_concat(name, ', ') FROM (SELECT name FROM %s.sqlite_master WHERE type = 'index' AND "
	         "tbl_name = '%s' ORDER BY name)", schema_name, table);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(out + strlen(out), 2048, " | %s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return out;
}

/* The file Go's uhttp wrote for GET /users?b=2&a=1 (tests/interop/httpcache_test.go, via
 * scripts/interop.sh): the same tables and key as ours, and its row answers our client. */
static void test_go_file(void **state)
{
	(void)state;
	const char *go = getenv("BATON_INTEROP_GO_LCACHE");
	if (!go || !*go)
		skip();
	test_server *s = test_server_start_json(routes);
	fake_clock fc;
	fake_clock_init(&fc);
	baton_http_client *c = client(s, &fc);
	assert_false(get(c, "/users?a=1&b=2", NULL, 0));
	sqlite3 *db;
	assert_int_equal(sqlite3_open(db_file, &db), SQLITE_OK);
	char attach[1200];
	snprintf(attach, sizeof(attach), "ATTACH DATABASE 'file:%s?mode=ro' AS go", go);
	assert_int_equal(sqlite3_exec(db, attach, NULL, NULL, NULL), SQLITE_OK);
	static const char *const tables[] = {"http_cache", "http_stats"};
	for (size_t i = 0; i < 2; i++) {
		char *ours = shape(db, "main", tables[i]), *theirs = shape(db, "go", tables[i]);
		if (strcmp(ours, theirs))
			fail_msg("%s: ours '%s', Go's '%s'", tables[i], ours, theirs);
		free(ours);
		free(theirs);
	}
	/* the same key for the same request */
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT (SELECT key FROM main.http_cache) = (SELECT key FROM go.http_cache)",
	                                    -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 1);
	sqlite3_finalize(st);
	/* Go's stored answer, in place of ours, is served by our client */
	assert_int_equal(sqlite3_exec(db, "DELETE FROM main.http_cache; INSERT INTO main.http_cache SELECT * FROM go.http_cache",
	                              NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	size_t before = test_server_request_count(s);
	char body[128];
	baton_http_request *r;
	baton_http_response *resp = NULL;
	assert_int_equal(baton_http_request_new(c, "GET", "/users?b=2&a=1", &r), 0);
	assert_int_equal(baton_http_do(c, r, NULL, &resp), 0);
	assert_true(baton_http_response_from_cache(resp));
	size_t n;
	const char *b = baton_http_response_body(resp, &n);
	snprintf(body, sizeof(body), "%.*s", (int)n, b);
	assert_string_equal(body, "{\"n\":1}");
	assert_string_equal(baton_http_response_header(resp, "Content-Type"), "application/json");
	baton_http_response_free(resp);
	baton_http_request_free(r);
	assert_int_equal(test_server_request_count(s), before);
	/* Go's expiry (RFC 3339 with nanoseconds, an hour after Go's request) is read: in 2100 the
	 * row has expired and the request goes to the server */
	fc.now_ms = INT64_C(4102444800000);
	assert_false(get(c, "/users?a=1&b=2", NULL, 0));
	assert_int_equal(test_server_request_count(s), before + 1);
	baton_http_client_free(c);
	test_server_stop(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_shared_across_clients, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expiry_and_budget, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_environment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_go_file, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
