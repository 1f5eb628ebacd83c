/*
 * The descriptor registry: a copy of the generated descriptor list, sorted by full name on first
 * use, searched with bsearch.
 */
#include "proto/registry.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static const ProtobufCMessageDescriptor **registry_sorted;
static size_t registry_n;
static pthread_once_t registry_once = PTHREAD_ONCE_INIT;

static int desc_cmp(const void *a, const void *b)
{
	const ProtobufCMessageDescriptor *const *x = a;
	const ProtobufCMessageDescriptor *const *y = b;
	return strcmp((*x)->name, (*y)->name);
}

static void registry_init(void)
{
	/* The table is built once per process and deliberately never freed. When malloc fails the
	 * registry stays empty and every lookup misses, which callers report as an unknown type. */
	const ProtobufCMessageDescriptor **t = malloc(sizeof(*t) * (baton__gen_descriptor_count + 1));
	if (!t)
		return;
	for (size_t i = 0; i < baton__gen_descriptor_count; i++)
		t[i] = baton__gen_descriptors[i];
	qsort(t, baton__gen_descriptor_count, sizeof(*t), desc_cmp);
	registry_sorted = t;
	registry_n = baton__gen_descriptor_count;
}

static void registry_ready(void)
{
	pthread_once(&registry_once, registry_init);
}

static int name_cmp(const void *key, const void *elem)
{
	const ProtobufCMessageDescriptor *const *d = elem;
	return strcmp(key, (*d)->name);
}

const ProtobufCMessageDescriptor *baton__registry_find(const char *full_name)
{
	if (!full_name)
		return NULL;
	registry_ready();
	if (!registry_sorted)
		return NULL;
	const ProtobufCMessageDescriptor *const *hit =
		bsearch(full_name, registry_sorted, registry_n, sizeof(*registry_sorted), name_cmp);
	return hit ? *hit : NULL;
}

const char *baton__type_url_name(const char *type_url)
{
	if (!type_url)
		return NULL;
	const char *slash = strrchr(type_url, '/');
	return slash ? slash + 1 : type_url;
}

const ProtobufCMessageDescriptor *baton__registry_find_url(const char *type_url)
{
	return baton__registry_find(baton__type_url_name(type_url));
}

size_t baton__registry_count(void)
{
	registry_ready();
	return registry_n;
}

const ProtobufCMessageDescriptor *baton__registry_at(size_t i)
{
	registry_ready();
	return i < registry_n ? registry_sorted[i] : NULL;
}
