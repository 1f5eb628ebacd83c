/* Internal view of the context handle. */
#ifndef BATON_CORE_CTX_H
#define BATON_CORE_CTX_H

#include <stddef.h>
#include <stdint.h>

#include "baton/ctx.h"
#include "core/arena.h"

struct baton_ctx {
	baton_arena arena;
	/* Later modules (the syncer, the command line) hang their per-call state here. */
	void *sdk_state;
	/*
	 * The message the SDK handed the running callback as its const input (the resource of a
	 * grants or entitlements call), validated once per call: every grant of that resource embeds
	 * it (types/validate.c). valid_depth 0: not validated yet; else the depth it was walked at
	 * plus one, valid_annos the annotations found in it, valid_bound its bound on the packed size.
	 * Cleared by baton__ctx_reset and baton__ctx_clear_input.
	 */
	const void *input_msg;
	int valid_depth;
	size_t valid_annos, valid_bound;
	/* input_msg packed (in this context's arena), once per call (types/grant.c); NULL: not yet */
	const uint8_t *input_packed;
	size_t input_packed_len;
};

/* Initializes a context that lives inside another structure (no malloc of the handle). */
void baton__ctx_init(baton_ctx *ctx);
/* Releases the memory of an embedded context. */
void baton__ctx_release(baton_ctx *ctx);
/* Frees everything allocated so far but keeps the first arena block: between pages. */
void baton__ctx_reset(baton_ctx *ctx);
/* Forgets the input message and what was learnt of it (a new call, or a reset). */
void baton__ctx_clear_input(baton_ctx *ctx);

#endif
