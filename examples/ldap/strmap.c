/*
 * baton-ldap: string map (see strmap.h).
 */
#include "strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

static size_t slot(char *const *keys, size_t cap, const char *key)
{
	size_t i = (size_t)hash(key) & (cap - 1);

	while (keys[i] != NULL && strcmp(keys[i], key) != 0)
		i = (i + 1) & (cap - 1);
	return i;
}

bool strmap_get(const strmap *m, const char *key, const char **val)
{
	size_t i;

	if (m->cap == 0)
		return false;
	i = slot(m->keys, m->cap, key);
	if (m->keys[i] == NULL)
		return false;
	if (val)
		*val = m->vals[i];
	return true;
}

static int grow(strmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64;
	char **keys = calloc(cap, sizeof(*keys)), **vals = calloc(cap, sizeof(*vals));

	if (keys == NULL || vals == NULL) {
		free(keys);
		free(vals);
		return -1;
	}
	for (size_t i = 0; i < m->cap; i++) {
		if (m->keys[i] != NULL) {
			size_t j = slot(keys, cap, m->keys[i]);
			keys[j] = m->keys[i];
			vals[j] = m->vals[i];
		}
	}
	free(m->keys);
	free(m->vals);
	m->keys = keys;
	m->vals = vals;
	m->cap = cap;
	return 0;
}

int strmap_put(strmap *m, const char *key, const char *val)
{
	char *v = NULL;
	size_t i;

	if ((m->n + 1) * 2 > m->cap && grow(m) != 0)
		return -1;
	if (val != NULL && (v = strdup(val)) == NULL)
		return -1;
	i = slot(m->keys, m->cap, key);
	if (m->keys[i] != NULL) {
		free(m->vals[i]);
		m->vals[i] = v;
		return 0;
	}
	if ((m->keys[i] = strdup(key)) == NULL) {
		free(v);
		return -1;
	}
	m->vals[i] = v;
	m->n++;
	return 0;
}

void strmap_clear(strmap *m)
{
	for (size_t i = 0; i < m->cap; i++) {
		free(m->keys[i]);
		free(m->vals[i]);
	}
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}
