/*
 * Validation of emitted objects (src/types/validate.c): the UTF-8 checker against RFC 3629's
 * edge cases, and whole messages (strings at any depth, inside Any annotations too; the bounds on
 * annotations and packed size).
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "core/ctx.h"
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

/*
 * The callback's const input resource (ctx->input_msg) is walked once per call; later grants
 * that embed it only add its annotations to their total. Errors stay those of a full walk.
 */
static void test_input_validated_once(void **state)
{
	baton_ctx *ctx;
	baton_resource_type *rt;
	baton_resource *r, *other;
	baton_grant *g;
	baton_resource_id u1 = {"user", "u1"};

	(void)state;
	assert_int_equal(baton_ctx_new(&ctx), 0);
	assert_int_equal(baton_resource_type_new(ctx, "Group", (baton_trait[]){BATON_TRAIT_GROUP}, 1, &rt), 0);
	assert_int_equal(baton_group_resource_new(ctx, "Admins", rt, "g1", &r), 0);
	/* the group trait and 997 more: 998 annotations in the input */
	for (int k = 0; k < BATON__MAX_ANNOTATIONS - 3; k++)
		assert_int_equal(baton_annotations_append_json(baton_resource_annotations(r), "c1.connector.v2.RawId",
		                                               "{\"id\":\"x\"}"), 0);
	assert_int_equal(baton__resource_flush(r), 0);
	ctx->input_msg = r->msg;

	assert_int_equal(baton_grant_new(ctx, r, "member", &u1, &g), 0);
	assert_int_equal(baton__validate_grant(g, "emit"), 0);
	/* walked at grant.entitlement.resource (depth 2): remembered with its 998 annotations */
	assert_int_equal(ctx->valid_depth, 3);
	assert_int_equal((int)ctx->valid_annos, BATON__MAX_ANNOTATIONS - 2);

	/* two more on the grant: 1000, at the bound */
	assert_int_equal(baton_grant_new(ctx, r, "member", &u1, &g), 0);
	const char *ids[] = {"group:g2:member"};
	assert_int_equal(baton_grant_set_expandable(g, ids, 1, false, NULL, 0), 0);
	assert_int_equal(baton_annotations_append_json(baton_grant_annotations(g), "c1.connector.v2.RawId",
	                                               "{\"id\":\"y\"}"), 0);
	assert_int_equal(baton__validate_grant(g, "emit"), 0);
	/* one more: over it, the same error as a full walk gives */
	assert_int_equal(baton_annotations_append_json(baton_grant_annotations(g), "c1.connector.v2.RawId",
	                                               "{\"id\":\"z\"}"), 0);
	assert_int_equal(baton__validate_grant(g, "emit"), BATON_EINVALID);
	assert_non_null(strstr(baton_error_last()->message,
	                       "emit: grant 'group:g1:member:user:u1': more than 1000 annotations"));
	ctx->input_msg = NULL; /* and without the memo: the same message */
	assert_int_equal(baton__validate_grant(g, "emit"), BATON_EINVALID);
	assert_non_null(strstr(baton_error_last()->message,
	                       "emit: grant 'group:g1:member:user:u1': more than 1000 annotations"));
	ctx->input_msg = r->msg;

	/* the input as the principal (depth 1, shallower): counted too */
	assert_int_equal(baton_group_resource_new(ctx, "Other", rt, "g9", &other), 0);
	assert_int_equal(baton_grant_new_with_principal(ctx, other, "member", r, &g), 0);
	assert_int_equal(baton__validate_grant(g, "emit"), 0);
	for (int k = 0; k < 2; k++)
		assert_int_equal(baton_annotations_append_json(baton_grant_annotations(g), "c1.connector.v2.RawId",
		                                               "{\"id\":\"w\"}"), 0);
	/* 998 + other's trait + 2 = 1001 */
	assert_int_equal(baton__validate_grant(g, "emit"), BATON_EINVALID);
	assert_non_null(strstr(baton_error_last()->message, "more than 1000 annotations"));

	/* an input that does not validate is not remembered: every grant reports it, with its path */
	baton__ctx_reset(ctx);
	assert_null(ctx->input_msg);
	assert_int_equal(ctx->valid_depth, 0);
	assert_int_equal(baton_resource_type_new(ctx, "Group", (baton_trait[]){BATON_TRAIT_GROUP}, 1, &rt), 0);
	assert_int_equal(baton_group_resource_new(ctx, "Bad \xff", rt, "g2", &r), 0);
	assert_int_equal(baton__resource_flush(r), 0);
	ctx->input_msg = r->msg;
	for (int k = 0; k < 2; k++) {
		assert_int_equal(baton_grant_new(ctx, r, "member", &u1, &g), 0);
		assert_int_equal(baton__validate_grant(g, "emit"), BATON_EINVALID);
		assert_non_null(strstr(baton_error_last()->message,
		                       "emit: grant 'group:g2:member:user:u1': field entitlement.resource.display_name "
		                       "is not valid UTF-8 (byte 4)"));
		assert_int_equal(ctx->valid_depth, 0);
	}
	baton_ctx_free(ctx);
}

/* The packed-size bound: exact at the limit, and checked before a string error as before. */
static void test_size_limit(void **state)
{
	baton_ctx *ctx;
	baton_resource_type *rt;
	baton_resource *r;

	(void)state;
	assert_int_equal(baton_ctx_new(&ctx), 0);
	assert_int_equal(baton_resource_type_new(ctx, "User", (baton_trait[]){BATON_TRAIT_USER}, 1, &rt), 0);
	assert_int_equal(baton_user_resource_new(ctx, "Dave", rt, "dave", &r), 0);
	assert_int_equal(baton__resource_flush(r), 0);
	size_t base = protobuf_c_message_get_packed_size(&r->msg->base);
	/* a description of n bytes adds a tag, a 4-byte length and n */
	size_t n = BATON__MAX_OBJECT_BYTES - base - 1 - 4;
	char *big = malloc(n + 2);
	assert_non_null(big);
	memset(big, 'd', n + 1);
	big[n] = '\0';
	r->msg->description = big;
	assert_int_equal(protobuf_c_message_get_packed_size(&r->msg->base), BATON__MAX_OBJECT_BYTES);
	assert_int_equal(baton__validate_resource(r, "emit"), 0);
	big[n] = 'd';
	big[n + 1] = '\0';
	assert_int_equal(baton__validate_resource(r, "emit"), BATON_EINVALID);
	assert_non_null(strstr(baton_error_last()->message, "emit: resource 'user/dave' is 4194305 bytes packed, at most "
	                                                    "4194304"));
	/* too large and not UTF-8: the size is what is reported */
	big[0] = '\xff';
	assert_int_equal(baton__validate_resource(r, "emit"), BATON_EINVALID);
	assert_non_null(strstr(baton_error_last()->message, "is 4194305 bytes packed"));
	/* within the bound again: the string */
	big[n] = '\0';
	assert_int_equal(baton__validate_resource(r, "emit"), BATON_EINVALID);
	assert_non_null(strstr(baton_error_last()->message, ": field description is not valid UTF-8 (byte 0)"));
	r->msg->description = NULL;
	/* an annotation of a type we do not know is not walked: its bytes still count */
	Google__Protobuf__Any any = GOOGLE__PROTOBUF__ANY__INIT, *annos[1] = {&any};
	any.type_url = "type.googleapis.com/example.Unknown";
	any.value.data = (uint8_t *)big;
	any.value.len = BATON__MAX_OBJECT_BYTES;
	r->msg->annotations = annos;
	r->msg->n_annotations = 1;
	assert_int_equal(baton__validate_resource(r, "emit"), BATON_EINVALID);
	assert_non_null(strstr(baton_error_last()->message, "bytes packed, at most 4194304"));
	r->msg->n_annotations = 0;
	r->msg->annotations = NULL;
	free(big);
	baton_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_input_validated_once),
		cmocka_unit_test(test_size_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
