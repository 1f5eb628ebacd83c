/*
 * Non-cryptographic hashes for the SDK's in-memory tables and identity checks. Never use them
 * where an adversary choosing the input matters. Header-only; nothing allocates.
 */
#ifndef BATON_CORE_HASH_H
#define BATON_CORE_HASH_H

#include <stddef.h>
#include <stdint.h>

/* FNV-1a's 64-bit offset basis. */
#define BATON__FNV1A64_BASIS 0xcbf29ce484222325ull

/* 64-bit FNV-1a of n bytes at p, continuing from h (BATON__FNV1A64_BASIS to start). */
static inline uint64_t baton__fnv1a64(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* MurmurHash3's 64-bit finalizer: spreads every input bit over the whole result. */
static inline uint64_t baton__mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

#endif
