#include "core/ctx.h"
#include "core/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void baton__ctx_init(baton_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	baton_arena_init(&ctx->arena);
}

void baton__ctx_release(baton_ctx *ctx)
{
	baton_arena_release(&ctx->arena);
}

void baton__ctx_clear_input(baton_ctx *ctx)
{
	ctx->input_msg = NULL;
	ctx->valid_depth = 0;
	ctx->valid_annos = 0;
	ctx->valid_bound = 0;
	ctx->input_packed = NULL;
	ctx->input_packed_len = 0;
}

void baton__ctx_reset(baton_ctx *ctx)
{
	baton_arena_reset(&ctx->arena);
	baton__ctx_clear_input(ctx);
}

int baton_ctx_new(baton_ctx **out)
{
	baton_ctx *ctx = malloc(sizeof(*ctx));
	if (!ctx)
		return baton__error_oom("context");
	baton__ctx_init(ctx);
	*out = ctx;
	return BATON_OK;
}

void baton_ctx_free(baton_ctx *ctx)
{
	if (!ctx)
		return;
	baton__ctx_release(ctx);
	free(ctx);
}

void *baton_ctx_alloc(baton_ctx *ctx, size_t size)
{
	void *p = baton_arena_alloc(&ctx->arena, size);
	if (!p)
		baton__error_oom("context allocation");
	return p;
}

char *baton_ctx_strdup(baton_ctx *ctx, const char *s)
{
	if (!s)
		return NULL;
	char *p = baton_arena_strdup(&ctx->arena, s);
	if (!p)
		baton__error_oom("string");
	return p;
}

char *baton_ctx_strndup(baton_ctx *ctx, const char *s, size_t len)
{
	char *p = baton_arena_strndup(&ctx->arena, s, len);
	if (!p)
		baton__error_oom("string");
	return p;
}

char *baton_ctx_vsprintf(baton_ctx *ctx, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		baton_error_set(BATON_EINVALID, "invalid format string");
		return NULL;
	}
	char *p = baton_arena_alloc_raw(&ctx->arena, (size_t)n + 1);
	if (!p) {
		baton__error_oom("formatted string");
		return NULL;
	}
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *baton_ctx_sprintf(baton_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *p = baton_ctx_vsprintf(ctx, fmt, ap);
	va_end(ap);
	return p;
}

size_t baton_ctx_memory_used(const baton_ctx *ctx)
{
	return ctx->arena.used;
}
