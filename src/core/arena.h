/*
 * A bump allocator: many small allocations, freed all at once. Backs every baton_ctx and the
 * protobuf-c decoding of rows, where per-field malloc/free would dominate.
 */
#ifndef BATON_CORE_ARENA_H
#define BATON_CORE_ARENA_H

#include <stddef.h>
#include <protobuf-c/protobuf-c.h>

typedef struct baton_arena_block baton_arena_block;

typedef struct baton_arena {
	baton_arena_block *head;  /* current block; older blocks chain behind it */
	size_t block_size;        /* size of the next ordinary block */
	size_t used;              /* bytes handed out (for diagnostics) */
	size_t reserved;          /* bytes obtained from malloc */
} baton_arena;

/* Initializes an empty arena (no memory is taken until the first allocation). */
void baton_arena_init(baton_arena *a);

/* Frees every block. The arena can be used again afterwards. */
void baton_arena_release(baton_arena *a);

/* Frees all blocks but the first, and rewinds it: cheap reuse between pages. */
void baton_arena_reset(baton_arena *a);

/* Overwrites every block with zeros (in a way the compiler keeps), before a reset or release of
 * an arena that held secrets. The allocations stay valid (and zeroed). */
void baton_arena_wipe(baton_arena *a);

/* Zeroed memory aligned for any type, or NULL when malloc fails. Size 0 gives a valid pointer. */
void *baton_arena_alloc(baton_arena *a, size_t size);

/* Like alloc but not zeroed. */
void *baton_arena_alloc_raw(baton_arena *a, size_t size);

char *baton_arena_strdup(baton_arena *a, const char *s);
char *baton_arena_strndup(baton_arena *a, const char *s, size_t len);
void *baton_arena_memdup(baton_arena *a, const void *p, size_t len);

/* A ProtobufCAllocator that allocates from `a` and never frees (for protobuf_c_message_unpack). */
ProtobufCAllocator baton_arena_pb_allocator(baton_arena *a);

#endif
