/* A string-keyed hash map with open addressing (FNV-1a, linear probing). */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

struct strmap_slot {
	const char *key;   /* NULL: empty slot */
	size_t key_len;
	uint64_t hash;
	void *value;
};

static uint64_t hash_bytes(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

void strmap_init(strmap *m, baton_arena *arena)
{
	memset(m, 0, sizeof(*m));
	m->arena = arena;
}

void strmap_free(strmap *m)
{
	free(m->slots);
	m->slots = NULL;
	m->cap = m->len = 0;
}

static struct strmap_slot *find(const strmap *m, const char *key, size_t len, uint64_t h)
{
	size_t mask = m->cap - 1;
	for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
		struct strmap_slot *s = &m->slots[i];
		if (!s->key)
			return s;
		if (s->hash == h && s->key_len == len && memcmp(s->key, key, len) == 0)
			return s;
	}
}

void *strmap_get(const strmap *m, const char *key, size_t key_len)
{
	if (!m->cap)
		return NULL;
	struct strmap_slot *s = find(m, key, key_len, hash_bytes(key, key_len));
	return s->key ? s->value : NULL;
}

static int grow(strmap *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 64;
	struct strmap_slot *old = m->slots;
	size_t ocap = m->cap;
	m->slots = calloc(ncap, sizeof(*m->slots));
	if (!m->slots) {
		m->slots = old;
		return baton_error_set(BATON_EEXHAUSTED, "out of memory");
	}
	m->cap = ncap;
	for (size_t i = 0; i < ocap; i++) {
		if (old[i].key)
			*find(m, old[i].key, old[i].key_len, old[i].hash) = old[i];
	}
	free(old);
	return 0;
}

int strmap_put(strmap *m, const char *key, size_t key_len, void *value)
{
	if ((m->len + 1) * 4 >= m->cap * 3 && grow(m) < 0)
		return BATON_EEXHAUSTED;
	uint64_t h = hash_bytes(key, key_len);
	struct strmap_slot *s = find(m, key, key_len, h);
	if (!s->key) {
		char *k = baton_arena_strndup(m->arena, key, key_len);
		if (!k)
			return baton_error_set(BATON_EEXHAUSTED, "out of memory");
		s->key = k;
		s->key_len = key_len;
		s->hash = h;
		m->len++;
	}
	s->value = value;
	return 0;
}
