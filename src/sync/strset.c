/* A small open-addressing string set. Keys may hold NUL bytes (length-prefixed internally). */
#include "sync/sync.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/hash.h"

/* FNV-1a from the seed this set always used (not FNV's own basis). */
static uint64_t hash(const char *k, size_t n)
{
	return baton__fnv1a64(1469598103934665603ULL, k, n);
}

/* Stored as 8-byte length + bytes. */
static bool eq(const char *slot, const char *k, size_t n)
{
	uint64_t len;
	memcpy(&len, slot, sizeof(len));
	return len == n && !memcmp(slot + sizeof(len), k, n);
}

static long find(const baton__strset *s, const char *k, size_t n, bool *found)
{
	*found = false;
	if (!s->cap)
		return -1;
	size_t i = hash(k, n) & (s->cap - 1);
	while (s->slots[i]) {
		if (eq(s->slots[i], k, n)) {
			*found = true;
			return (long)i;
		}
		i = (i + 1) & (s->cap - 1);
	}
	return (long)i;
}

static int grow(baton__strset *s)
{
	size_t cap = s->cap ? s->cap * 2 : 64;
	char **slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return baton__error_oom("set");
	for (size_t i = 0; i < s->cap; i++) {
		char *e = s->slots[i];
		if (!e)
			continue;
		uint64_t len;
		memcpy(&len, e, sizeof(len));
		size_t j = hash(e + sizeof(len), len) & (cap - 1);
		while (slots[j])
			j = (j + 1) & (cap - 1);
		slots[j] = e;
	}
	free(s->slots);
	s->slots = slots;
	s->cap = cap;
	return 0;
}

int baton__strset_add(baton__strset *s, const char *key, size_t len)
{
	if ((s->n + 1) * 2 > s->cap) {
		int rc = grow(s);
		if (rc)
			return rc;
	}
	bool found;
	long i = find(s, key, len, &found);
	if (found)
		return 0;
	uint64_t l = len;
	char *e = malloc(sizeof(l) + len + 1);
	if (!e)
		return baton__error_oom("set entry");
	memcpy(e, &l, sizeof(l));
	memcpy(e + sizeof(l), key, len);
	e[sizeof(l) + len] = '\0';
	s->slots[i] = e;
	s->n++;
	return 1;
}

bool baton__strset_has(const baton__strset *s, const char *key, size_t len)
{
	bool found;
	find(s, key, len, &found);
	return found;
}

void baton__strset_free(baton__strset *s)
{
	for (size_t i = 0; i < s->cap; i++)
		free(s->slots[i]);
	free(s->slots);
	memset(s, 0, sizeof(*s));
}
