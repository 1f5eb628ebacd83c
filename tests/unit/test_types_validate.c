/*
 * Validation of emitted objects (src/types/validate.c): the UTF-8 checker against RFC 3629's
 * edge cases, and whole messages (strings at any depth, inside Any annotations too; the bounds on
 * annotations and packed size).
 */
#include "testutil.h"

#include <string.h>

#include "types/types.h"

static size_t bad(const char *s)
{
	return baton__utf8_invalid_at(s, strlen(s));
}

static void test_utf8(void **state)
{
	(void)state;
	assert_true(bad("") == (size_t)-1);
	assert_true(bad("plain ascii") == (size_t)-1);
	assert_true(bad("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") == (size_t)-1); /* é € 😀 */
	assert_true(bad("\xf4\x8f\xbf\xbf") == (size_t)-1);                          /* U+10FFFF */
	assert_int_equal(bad("ab\xff"), 2);              /* never valid */
	assert_int_equal(bad("\x80"), 0);                /* lone continuation */
	assert_int_equal(bad("x\xc3"), 1);               /* truncated */
	assert_int_equal(bad("x\xe2\x82"), 1);           /* truncated */
	assert_int_equal(bad("\xc0\xaf"), 0);            /* overlong '/' */
	assert_int_equal(bad("\xe0\x80\xaf"), 0);        /* overlong */
	assert_int_equal(bad("\xf0\x80\x80\xaf"), 0);    /* overlong */
	assert_int_equal(bad("\xed\xa0\x80"), 0);        /* surrogate U+D800 */
	assert_int_equal(bad("\xf4\x90\x80\x80"), 0);    /* U+110000 */
	assert_int_equal(bad("\xc3\x28"), 0);            /* bad continuation */
	/* an embedded NUL is valid UTF-8 (the length says where the string ends) */
	assert_true(baton__utf8_invalid_at("a\0b", 3) == (size_t)-1);
}

static void test_messages(void **state)
{
	baton_ctx *ctx;
	baton_resource_type *rt;
	baton_resource *r;

	(void)state;
	assert_int_equal(baton_ctx_new(&ctx), 0);
	assert_int_equal(baton_resource_type_new(ctx, "User", (baton_trait[]){BATON_TRAIT_USER}, 1, &rt), 0);
	assert_int_equal(baton_user_resource_new(ctx, "Alice", rt, "alice", &r), 0);
	assert_int_equal(baton__validate_resource(r, "emit"), 0);
	/* a trait's string, checked through its Any */
	assert_int_equal(baton_user_trait_add_email(baton_resource_user_trait(r), "a\xe9@example.com", true), 0);
	assert_int_equal(baton__validate_resource(r, "emit"), BATON_EINVALID);
	assert_non_null(strstr(baton_error_last()->message, "UserTrait).emails.address is not valid UTF-8 (byte 1)"));
	assert_non_null(strstr(baton_error_last()->message, "resource 'user/alice'"));
	assert_non_null(strstr(baton_error_last()->message,
	                       ": field annotations(c1.connector.v2.UserTrait).emails.address is not valid"));

	assert_int_equal(baton_user_resource_new(ctx, "Bob \xed\xa0\x80", rt, "bob", &r), 0);
	assert_int_equal(baton__validate_resource(r, "emit"), BATON_EINVALID);
	assert_non_null(strstr(baton_error_last()->message, "display_name"));
	/* the whole path, after the fields walked before it (id, id.resource_type, ...) */
	assert_non_null(strstr(baton_error_last()->message, ": field display_name is not valid UTF-8"));

	/* exactly at the annotation bound, then one over */
	assert_int_equal(baton_user_resource_new(ctx, "Carol", rt, "carol", &r), 0);
	for (int k = 0; k < BATON__MAX_ANNOTATIONS - 1; k++)
		assert_int_equal(baton_annotations_append_json(baton_resource_annotations(r), "c1.connector.v2.RawId",
		                                               "{\"id\":\"x\"}"), 0);
	assert_int_equal(baton__validate_resource(r, "emit"), 0); /* 999 + the user trait */
	assert_int_equal(baton_annotations_append_json(baton_resource_annotations(r), "c1.connector.v2.RawId",
	                                               "{\"id\":\"y\"}"), 0);
	assert_int_equal(baton__validate_resource(r, "emit"), BATON_EINVALID);
	assert_non_null(strstr(baton_error_last()->message, "more than 1000 annotations"));
	baton_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_messages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
