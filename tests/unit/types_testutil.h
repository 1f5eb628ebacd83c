/* Shared helpers for the test_types_*.c suites (header-only; not a test itself). */
#ifndef TYPES_TESTUTIL_H
#define TYPES_TESTUTIL_H

#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baton.h"
#include "core/ctx.h"

/* The tests read deprecated protobuf fields on purpose (mirroring checks). */
#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif

/* Asserts the call fails with `code` and that the error message contains `substr`. */
#define ASSERT_ERR(expr, code, substr)                                                      \
	do {                                                                                    \
		baton_error_clear();                                                                \
		int rc_ = (expr);                                                                   \
		if (rc_ != (code))                                                                  \
			fail_msg("%s returned %d, want %d (%s)", #expr, rc_, (int)(code),               \
			         baton_error_last()->message);                                          \
		if (!strstr(baton_error_last()->message, (substr)))                                 \
			fail_msg("%s: message \"%s\" lacks \"%s\"", #expr, baton_error_last()->message, \
			         (substr));                                                             \
	} while (0)

static inline int types_setup(void **state)
{
	baton_ctx *ctx;
	if (baton_ctx_new(&ctx) != 0)
		return -1;
	*state = ctx;
	return 0;
}

static inline int types_teardown(void **state)
{
	baton_ctx_free(*state);
	return 0;
}

/* A protobuf-c allocator drawing from the ctx (nothing to free in tests). */
static inline ProtobufCAllocator *types_pb_alloc(baton_ctx *ctx)
{
	ProtobufCAllocator *a = baton_ctx_alloc(ctx, sizeof(*a));
	*a = baton_arena_pb_allocator(&ctx->arena);
	return a;
}

/* Parses JSON text produced by the library; the caller decrefs. */
static inline json_t *types_json(const char *text)
{
	assert_non_null(text);
	return test_json_parse(text);
}

static inline void types_assert_json_int(json_t *root, const char *path, long long want)
{
	json_t *v = test_json_get(root, path);
	if (!v)
		fail_msg("no value at %s", path);
	if (json_is_integer(v))
		assert_int_equal(json_integer_value(v), want);
	else if (json_is_real(v))
		assert_true(json_real_value(v) == (double)want);
	else if (json_is_string(v))
		assert_int_equal(strtoll(json_string_value(v), NULL, 10), want);
	else
		fail_msg("value at %s is not a number", path);
}

static inline baton_resource_type *types_rt(baton_ctx *ctx, const char *name, baton_trait trait)
{
	baton_resource_type *rt;
	baton_trait traits[1] = {trait};
	CHECK(baton_resource_type_new(ctx, name, traits, trait ? 1 : 0, &rt));
	return rt;
}

/* A string of n copies of c, in ctx memory. */
static inline char *types_repeat(baton_ctx *ctx, char c, size_t n)
{
	char *s = baton_ctx_alloc(ctx, n + 1);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/* Decodes a hex string into ctx memory; *len gets the byte count. */
static inline uint8_t *types_unhex(baton_ctx *ctx, const char *hex, size_t *len)
{
	size_t n = strlen(hex) / 2;
	uint8_t *out = baton_ctx_alloc(ctx, n ? n : 1);
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		sscanf(hex + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
	*len = n;
	return out;
}

/* Asserts that packed bytes equal a hex golden, printing both on mismatch. */
static inline void types_assert_bytes_hex(baton_ctx *ctx, const uint8_t *data, size_t len,
                                          const char *hex)
{
	size_t want_len;
	uint8_t *want = types_unhex(ctx, hex, &want_len);
	if (len != want_len || memcmp(data, want, len) != 0) {
		print_error("got  ");
		for (size_t i = 0; i < len; i++)
			print_error("%02x", data[i]);
		print_error("\nwant %s\n", hex);
		fail_msg("packed bytes differ from the Go SDK's");
	}
}

#endif
