/*
 * libbaton: the context handle.
 *
 * Every callback the SDK calls receives a baton_ctx first. It is the callback's way to hand
 * results to the SDK and its source of request-scoped memory: everything allocated from a
 * context, and every object built with it (resources, entitlements, grants, ...), lives until the
 * SDK has consumed the callback's results and is then freed in one go. An author never frees
 * what the SDK consumes.
 *
 * Outside a callback (tests, tools, set-up code) create a context with baton_ctx_new() and free
 * it with baton_ctx_free(); everything built with it goes with it.
 *
 * A context is not thread-safe: use one per thread.
 */
#ifndef BATON_CTX_H
#define BATON_CTX_H

#include <stdarg.h>
#include "common.h"

BATON_BEGIN_DECLS

typedef struct baton_ctx baton_ctx;

/*
 * Creates a standalone context. On success *out is a new context the caller frees with
 * baton_ctx_free(). Returns BATON_EEXHAUSTED when memory is short.
 */
BATON_API int baton_ctx_new(baton_ctx **out);

/* Frees a context made by baton_ctx_new() and everything allocated from it. NULL is a no-op. */
BATON_API void baton_ctx_free(baton_ctx *ctx);

/*
 * Allocates `size` zeroed bytes that live as long as the context (aligned for any type).
 * Returns NULL, with the last error set to BATON_EEXHAUSTED, when memory is short.
 */
BATON_API void *baton_ctx_alloc(baton_ctx *ctx, size_t size);

/* Copies a NUL-terminated string into the context. NULL in gives NULL out (no error). */
BATON_API char *baton_ctx_strdup(baton_ctx *ctx, const char *s);

/* Copies `len` bytes and adds a NUL. */
BATON_API char *baton_ctx_strndup(baton_ctx *ctx, const char *s, size_t len);

/* printf into context memory. */
BATON_API char *baton_ctx_sprintf(baton_ctx *ctx, const char *fmt, ...) BATON_PRINTF(2, 3);
BATON_API char *baton_ctx_vsprintf(baton_ctx *ctx, const char *fmt, va_list ap) BATON_PRINTF(2, 0);

/* Bytes currently held by the context's allocations (for diagnostics and tests). */
BATON_API size_t baton_ctx_memory_used(const baton_ctx *ctx);

BATON_END_DECLS

#endif /* BATON_CTX_H */
