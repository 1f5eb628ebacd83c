#include "core/arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct baton_arena_block {
	baton_arena_block *next;
	size_t size; /* usable bytes in data[] */
	size_t off;  /* bytes used */
	alignas(max_align_t) unsigned char data[];
};

#define ARENA_FIRST_BLOCK 4096u
#define ARENA_MAX_BLOCK (1u << 20)
#define ARENA_ALIGN alignof(max_align_t)

void baton_arena_init(baton_arena *a)
{
	a->head = NULL;
	a->block_size = ARENA_FIRST_BLOCK;
	a->used = 0;
	a->reserved = 0;
}

void baton_arena_release(baton_arena *a)
{
	baton_arena_block *b = a->head;
	while (b) {
		baton_arena_block *next = b->next;
		free(b);
		b = next;
	}
	baton_arena_init(a);
}

void baton_arena_reset(baton_arena *a)
{
	baton_arena_block *b = a->head;
	if (!b)
		return;
	/* Keep the oldest block (the tail), which has the ordinary size. */
	while (b->next) {
		baton_arena_block *next = b->next;
		a->reserved -= b->size;
		free(b);
		b = next;
	}
	b->off = 0;
	a->head = b;
	a->used = 0;
}

/* Called through a volatile pointer so the stores are not elided as dead. */
static void *(*const volatile wipe_memset)(void *, int, size_t) = memset;

void baton_arena_wipe(baton_arena *a)
{
	for (baton_arena_block *b = a->head; b; b = b->next)
		wipe_memset(b->data, 0, b->size);
}

static baton_arena_block *arena_grow(baton_arena *a, size_t need)
{
	size_t size = a->block_size;
	if (need > size / 4) {
		/* Large request: give it a block of its own, placed behind the current one so the
		 * current block's free space is not wasted. */
		baton_arena_block *big = malloc(sizeof(*big) + need);
		if (!big)
			return NULL;
		big->size = need;
		big->off = 0;
		a->reserved += need;
		if (a->head) {
			big->next = a->head->next;
			a->head->next = big;
		} else {
			big->next = NULL;
			a->head = big;
		}
		return big;
	}
	baton_arena_block *b = malloc(sizeof(*b) + size);
	if (!b)
		return NULL;
	b->size = size;
	b->off = 0;
	b->next = a->head;
	a->head = b;
	a->reserved += size;
	if (a->block_size < ARENA_MAX_BLOCK)
		a->block_size *= 2;
	return b;
}

void *baton_arena_alloc_raw(baton_arena *a, size_t size)
{
	if (size > SIZE_MAX - ARENA_ALIGN)
		return NULL;
	size_t need = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (need == 0)
		need = ARENA_ALIGN;
	baton_arena_block *b = a->head;
	if (!b || b->size - b->off < need) {
		b = arena_grow(a, need);
		if (!b)
			return NULL;
	}
	void *p = b->data + b->off;
	b->off += need;
	a->used += need;
	return p;
}

void *baton_arena_alloc(baton_arena *a, size_t size)
{
	void *p = baton_arena_alloc_raw(a, size);
	if (p)
		memset(p, 0, size);
	return p;
}

void *baton_arena_memdup(baton_arena *a, const void *p, size_t len)
{
	void *q = baton_arena_alloc_raw(a, len);
	if (q && len)
		memcpy(q, p, len);
	return q;
}

char *baton_arena_strndup(baton_arena *a, const char *s, size_t len)
{
	char *q = baton_arena_alloc_raw(a, len + 1);
	if (!q)
		return NULL;
	if (len)
		memcpy(q, s, len);
	q[len] = '\0';
	return q;
}

char *baton_arena_strdup(baton_arena *a, const char *s)
{
	return s ? baton_arena_strndup(a, s, strlen(s)) : NULL;
}

static void *pb_arena_alloc(void *data, size_t size)
{
	return baton_arena_alloc_raw(data, size);
}

static void pb_arena_free(void *data, void *p)
{
	(void)data;
	(void)p;
}

ProtobufCAllocator baton_arena_pb_allocator(baton_arena *a)
{
	ProtobufCAllocator al = {pb_arena_alloc, pb_arena_free, a};
	return al;
}
