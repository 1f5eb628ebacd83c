/*
 * Pagination helpers: Link header, cursor in the body, offset/limit (SCIM startIndex/count) and
 * page numbers, each driven page by page the way a connector's list callback runs (a new pager
 * from the previous call's token), checking the requests the server sees and the page tokens
 * (the Go SDK's pagination.Bag format). Plus the Link parser and JSON paths on their own.
 */
#include "http_testutil.h"

#include <stdlib.h>
#include <string.h>

/* Runs pages until the token is "" (at most `max` pages); returns the number of pages and stores
 * the tokens and item counts. */
static size_t run_pages(baton_http_client *c, const baton_http_pager_options *o, const char *path,
                        const char *items_path, char tokens[][512], size_t *items, size_t max,
                        const char *first_token, int *rc_out)
{
	const char *token = first_token ? first_token : "";
	size_t pages = 0;
	*rc_out = 0;
	char prev[512];
	while (pages < max) {
		baton_ctx *ctx;
		assert_int_equal(baton_ctx_new(&ctx), 0);
		baton_http_pager *p;
		assert_int_equal(baton_http_pager_new(ctx, o, token, &p), 0);
		baton_http_request *r;
		assert_int_equal(baton_http_pager_request(p, c, "GET", path, &r), 0);
		baton_http_response *resp;
		assert_int_equal(baton_http_do(c, r, NULL, &resp), 0);
		json_t *body;
		assert_int_equal(baton_http_response_json(resp, &body), 0);
		json_t *arr = items_path ? baton_http_json_path(body, items_path) : body;
		items[pages] = json_array_size(arr);
		const char *next;
		int rc = baton_http_pager_next(p, resp, body, &next);
		if (rc == 0) {
			snprintf(tokens[pages], 512, "%s", next);
		}
		json_decref(body);
		baton_http_response_free(resp);
		baton_http_request_free(r);
		pages++;
		if (rc) {
			*rc_out = rc;
			baton_ctx_free(ctx);
			break;
		}
		snprintf(prev, sizeof(prev), "%s", next);
		token = prev;
		baton_ctx_free(ctx);
		if (!*token)
			break;
	}
	return pages;
}

static void test_styles(void **state)
{
	(void)state;
	test_server *s = test_server_start("pagination.json");
	baton_http_client_options co;
	test_client_options(&co, s, NULL);
	baton_http_client *c;
	assert_int_equal(baton_http_client_new(&co, &c), 0);
	char tokens[8][512];
	size_t items[8];
	int rc;
	char want[512];

	/* Link header: the token carries the next URL (with Go's \u0026 for '&') */
	baton_http_pager_options o = BATON_HTTP_PAGER_OPTIONS_INIT;
	o.style = BATON_HTTP_PAGE_NEXT_LINK;
	assert_int_equal(run_pages(c, &o, "/users", NULL, tokens, items, 8, NULL, &rc), 2);
	snprintf(want, sizeof(want), "{\"states\":null,\"current_state\":{\"token\":\"%s/users?page=2\\u0026per=2\"}}",
	         test_server_base(s));
	assert_string_equal(tokens[0], want);
	assert_string_equal(tokens[1], "");
	assert_int_equal(items[0] + items[1], 3);

	/* cursor in the body (a string, then a number, then null) */
	o = (baton_http_pager_options)BATON_HTTP_PAGER_OPTIONS_INIT;
	o.style = BATON_HTTP_PAGE_CURSOR;
	o.cursor_path = "/meta/next_cursor";
	o.size_param = "limit";
	o.page_size = 50;
	o.resource_type_id = "event";
	assert_int_equal(run_pages(c, &o, "/events", "data", tokens, items, 8, NULL, &rc), 3);
	assert_string_equal(tokens[0], "{\"states\":null,\"current_state\":{\"token\":\"c/2=?\",\"type\":\"event\"}}");
	assert_string_equal(tokens[1], "{\"states\":null,\"current_state\":{\"token\":\"77\",\"type\":\"event\"}}");
	assert_string_equal(tokens[2], "");

	/* offset/limit, SCIM style: 1-based startIndex, count, totalResults */
	o = (baton_http_pager_options)BATON_HTTP_PAGER_OPTIONS_INIT;
	o.style = BATON_HTTP_PAGE_OFFSET;
	o.offset_param = "startIndex";
	o.size_param = "count";
	o.first_index = 1;
	o.first_index_set = true;
	o.page_size = 2;
	o.items_path = "Resources";
	o.total_path = "/totalResults";
	assert_int_equal(run_pages(c, &o, "/scim/Users", "Resources", tokens, items, 8, NULL, &rc), 3);
	assert_string_equal(tokens[0], "{\"states\":null,\"current_state\":{\"token\":\"3\"}}");
	assert_string_equal(tokens[1], "{\"states\":null,\"current_state\":{\"token\":\"5\"}}");
	assert_string_equal(tokens[2], "");

	/* page numbers without a total: a short page is the last */
	o = (baton_http_pager_options)BATON_HTTP_PAGER_OPTIONS_INIT;
	o.style = BATON_HTTP_PAGE_NUMBER;
	o.page_size = 2;
	o.items_path = "items";
	assert_int_equal(run_pages(c, &o, "/groups", "items", tokens, items, 8, NULL, &rc), 3);
	assert_string_equal(tokens[0], "{\"states\":null,\"current_state\":{\"token\":\"2\"}}");
	assert_string_equal(tokens[2], "");

	/* the same cursor twice is a loop, reported instead of followed */
	o = (baton_http_pager_options)BATON_HTTP_PAGER_OPTIONS_INIT;
	o.style = BATON_HTTP_PAGE_CURSOR;
	o.cursor_path = "next";
	assert_int_equal(run_pages(c, &o, "/loop", NULL, tokens, items, 8, NULL, &rc), 2);
	assert_int_equal(rc, BATON_EINTERNAL);
	assert_non_null(strstr(baton_error_last()->message, "same cursor"));

	test_server_check(s, true);
	baton_http_client_free(c);
	test_server_stop(s);
}

static void test_nested_bag_and_errors(void **state)
{
	(void)state;
	baton_ctx *ctx;
	assert_int_equal(baton_ctx_new(&ctx), 0);
	/* a connector's own state below the pager's: the last page pops back to it */
	baton_page_bag *bag;
	assert_int_equal(baton_page_bag_new(ctx, "", &bag), 0);
	assert_int_equal(baton_page_bag_push(bag, "", "group", "g1"), 0);
	assert_int_equal(baton_page_bag_push(bag, "4", "user", NULL), 0);
	char *token;
	assert_int_equal(baton_page_bag_marshal(bag, &token), 0);

	baton_http_pager_options o = BATON_HTTP_PAGER_OPTIONS_INIT;
	o.style = BATON_HTTP_PAGE_NUMBER;
	o.page_size = 10;
	baton_http_pager *p;
	assert_int_equal(baton_http_pager_new(ctx, &o, token, &p), 0);
	assert_string_equal(baton_http_pager_cursor(p), "4");
	json_t *body = json_loads("[1,2,3]", JSON_DECODE_ANY, NULL);
	const char *next;
	assert_int_equal(baton_http_pager_next(p, NULL, body, &next), 0);
	assert_string_equal(next, "{\"states\":[],\"current_state\":{\"type\":\"group\",\"id\":\"g1\"}}");
	/* the items must be an array */
	assert_int_equal(baton_http_pager_new(ctx, &o, "", &p), 0);
	json_t *obj = json_loads("{\"items\":3}", 0, NULL);
	assert_int_equal(baton_http_pager_next(p, NULL, obj, &next), BATON_EINVALID);
	json_decref(obj);
	json_decref(body);
	/* corrupt tokens */
	assert_int_equal(baton_http_pager_new(ctx, &o, "{nope", &p), BATON_EINVALID);
	assert_int_equal(baton_http_pager_new(ctx, &o, "{\"states\":null,\"current_state\":{\"token\":\"x\"}}", &p),
	                 BATON_EINVALID);
	o.style = BATON_HTTP_PAGE_CURSOR; /* no cursor_path */
	assert_int_equal(baton_http_pager_new(ctx, &o, "", &p), BATON_EINVALID);
	baton_ctx_free(ctx);
}

static void test_link_parser(void **state)
{
	(void)state;
	baton_ctx *ctx;
	assert_int_equal(baton_ctx_new(&ctx), 0);
	char *url;
	assert_int_equal(baton_http_link_find(ctx, "<https://a/x?page=2>; rel=\"next\", <https://a/x?page=5>; rel=\"last\"",
	                                      NULL, &url), 0);
	assert_string_equal(url, "https://a/x?page=2");
	assert_int_equal(baton_http_link_find(ctx, "<https://a/x?page=2>; rel=\"next\", <https://a/x?page=5>; rel=\"last\"",
	                                      "last", &url), 0);
	assert_string_equal(url, "https://a/x?page=5");
	assert_int_equal(baton_http_link_find(ctx, " <https://a/p>;  title=\"t\" ; rel=next ", "next", &url), 0);
	assert_string_equal(url, "https://a/p");
	assert_int_equal(baton_http_link_find(ctx, "<https://a/p>; rel=\"prev\"", NULL, &url), 0);
	assert_null(url);
	assert_int_equal(baton_http_link_find(ctx, "<https://a/p>", NULL, &url), 0);
	assert_null(url);
	assert_int_equal(baton_http_link_find(ctx, "", NULL, &url), 0);
	assert_null(url);
	assert_int_equal(baton_http_link_find(ctx, NULL, NULL, &url), 0);
	assert_null(url);
	baton_ctx_free(ctx);
}

static void test_json_path(void **state)
{
	(void)state;
	json_t *j = json_loads("{\"a\":{\"b\":[10,{\"c\":\"x\"}],\"d/e\":1,\"f~g\":2}}", 0, NULL);
	assert_int_equal(json_integer_value(baton_http_json_path(j, "/a/b/0")), 10);
	assert_string_equal(json_string_value(baton_http_json_path(j, "/a/b/1/c")), "x");
	assert_string_equal(json_string_value(baton_http_json_path(j, "a.b.1.c")), "x");
	assert_int_equal(json_integer_value(baton_http_json_path(j, "/a/d~1e")), 1);
	assert_int_equal(json_integer_value(baton_http_json_path(j, "/a/f~0g")), 2);
	assert_null(baton_http_json_path(j, "/a/b/7"));
	assert_null(baton_http_json_path(j, "/a/b/x"));
	assert_null(baton_http_json_path(j, "/zz"));
	assert_ptr_equal(baton_http_json_path(j, ""), j);
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_styles),
		cmocka_unit_test(test_nested_bag_and_errors),
		cmocka_unit_test(test_link_parser),
		cmocka_unit_test(test_json_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
