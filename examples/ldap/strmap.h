/*
 * baton-ldap: a small string -> string hash map (open addressing), used as a set when values are
 * NULL. Keys and values are copied.
 */
#ifndef BATON_LDAP_STRMAP_H
#define BATON_LDAP_STRMAP_H

#include <stdbool.h>
#include <stddef.h>

typedef struct strmap {
	char **keys;
	char **vals;
	size_t n, cap;
} strmap;

/* Returns true when `key` is present; *val (may be NULL) gets its value. */
bool strmap_get(const strmap *m, const char *key, const char **val);
/* Inserts or replaces; 0, or -1 when memory is short. */
int strmap_put(strmap *m, const char *key, const char *val);
void strmap_clear(strmap *m);

#endif
