/*
 * The connector session store: key/value bytes scoped to the running sync, kept in the c1z's
 * v1_connector_sessions table under prefix + key (no separator), as the Go SDK stores them.
 */
#include "connector/connector.h"

#include <string.h>
#include <jansson.h>

#include "core/error.h"

#define BATON__SESSION_MAX_KEY 512
#define BATON__SESSION_MAX_PREFIX 512
#define BATON__SESSION_MAX_VALUE 4132864

/* The store is the syncer's: calls are serialized with its use of it (connector.h). */
static void lock(baton__runtime *rt)
{
	if (rt->store_mu)
		pthread_mutex_lock(rt->store_mu);
}

static void unlock(baton__runtime *rt)
{
	if (rt->store_mu)
		pthread_mutex_unlock(rt->store_mu);
}

static int locked_get(baton__runtime *rt, const char *k, baton_ctx *ctx, const uint8_t **value, size_t *len)
{
	lock(rt);
	int rc = baton_store_session_get(rt->store, rt->sync_id, k, ctx, value, len);
	unlock(rt);
	return rc;
}

static int locked_set(baton__runtime *rt, const char *k, const uint8_t *value, size_t len)
{
	lock(rt);
	int rc = baton_store_session_set(rt->store, rt->sync_id, k, value, len);
	unlock(rt);
	return rc;
}

static int locked_delete(baton__runtime *rt, const char *k)
{
	lock(rt);
	int rc = baton_store_session_delete(rt->store, rt->sync_id, k);
	unlock(rt);
	return rc;
}

static int locked_clear(baton__runtime *rt, const char *prefix)
{
	lock(rt);
	int rc = baton_store_session_clear(rt->store, rt->sync_id, prefix);
	unlock(rt);
	return rc;
}

static int session_of(baton_ctx *ctx, const char *fn, baton__runtime **out)
{
	baton__call *call = baton__call_of(ctx);
	if (!call || !call->rt || !call->rt->store || !call->rt->sync_id || !*call->rt->sync_id)
		return baton_error_set(BATON_EPRECONDITION, "%s: the session store is only available during a sync",
		                       fn);
	*out = call->rt;
	return 0;
}

static int check_prefix(const char *fn, const char *prefix)
{
	if (prefix && strlen(prefix) > BATON__SESSION_MAX_PREFIX)
		return baton_error_set(BATON_EINVALID, "%s: prefix is %zu bytes, at most %d", fn, strlen(prefix),
		                       BATON__SESSION_MAX_PREFIX);
	return 0;
}

/* prefix + key in ctx memory, after checking both. */
static int full_key(baton_ctx *ctx, const char *fn, const char *prefix, const char *key, char **out)
{
	int rc = check_prefix(fn, prefix);
	if (rc)
		return rc;
	size_t n = key ? strlen(key) : 0;
	if (n < 1 || n > BATON__SESSION_MAX_KEY)
		return baton_error_set(BATON_EINVALID, "%s: key must be 1..%d bytes (got %zu)", fn,
		                       BATON__SESSION_MAX_KEY, n);
	*out = baton_ctx_sprintf(ctx, "%s%s", prefix ? prefix : "", key);
	return *out ? 0 : BATON_EEXHAUSTED;
}

BATON_API int baton_session_get(baton_ctx *ctx, const char *prefix, const char *key,
                                const uint8_t **value, size_t *len)
{
	baton__runtime *rt = NULL;
	char *k;
	int rc = session_of(ctx, "baton_session_get", &rt);
	if (!rc && (!value || !len))
		rc = baton__null_arg("baton_session_get", !value ? "value" : "len");
	if (!rc)
		rc = full_key(ctx, "baton_session_get", prefix, key, &k);
	if (!rc)
		rc = locked_get(rt, k, ctx, value, len);
	return rc;
}

BATON_API int baton_session_set(baton_ctx *ctx, const char *prefix, const char *key,
                                const uint8_t *value, size_t len)
{
	baton__runtime *rt = NULL;
	char *k;
	int rc = session_of(ctx, "baton_session_set", &rt);
	if (!rc && !value && len)
		rc = baton__null_arg("baton_session_set", "value");
	if (!rc && len > BATON__SESSION_MAX_VALUE)
		rc = baton_error_set(BATON_EINVALID, "baton_session_set: value is %zu bytes, at most %d", len,
		                     BATON__SESSION_MAX_VALUE);
	if (!rc)
		rc = full_key(ctx, "baton_session_set", prefix, key, &k);
	if (!rc)
		rc = locked_set(rt, k, value ? value : (const uint8_t *)"", len);
	return rc;
}

BATON_API int baton_session_delete(baton_ctx *ctx, const char *prefix, const char *key)
{
	baton__runtime *rt = NULL;
	char *k;
	int rc = session_of(ctx, "baton_session_delete", &rt);
	if (!rc)
		rc = full_key(ctx, "baton_session_delete", prefix, key, &k);
	if (!rc)
		rc = locked_delete(rt, k);
	return rc;
}

BATON_API int baton_session_clear(baton_ctx *ctx, const char *prefix)
{
	baton__runtime *rt = NULL;
	int rc = session_of(ctx, "baton_session_clear", &rt);
	if (!rc)
		rc = check_prefix("baton_session_clear", prefix);
	if (!rc)
		rc = locked_clear(rt, prefix);
	return rc;
}

BATON_API int baton_session_get_many(baton_ctx *ctx, const char *prefix, baton_session_item *items, size_t n)
{
	baton__runtime *rt = NULL;
	int rc = session_of(ctx, "baton_session_get_many", &rt);
	if (!rc && !items && n)
		rc = baton__null_arg("baton_session_get_many", "items");
	if (rc)
		return rc;
	char **keys = baton_ctx_alloc(ctx, (n ? n : 1) * sizeof(*keys));
	if (!keys)
		return BATON_EEXHAUSTED;
	for (size_t i = 0; i < n; i++)
		if ((rc = full_key(ctx, "baton_session_get_many", prefix, items[i].key, &keys[i])))
			return baton__error_prefix("item %zu", i);
	lock(rt);
	for (size_t i = 0; i < n && !rc; i++) {
		items[i].value = NULL;
		items[i].len = 0;
		items[i].found = false;
		rc = baton_store_session_get(rt->store, rt->sync_id, keys[i], ctx, &items[i].value, &items[i].len);
		if (rc == BATON_ENOTFOUND) {
			baton_error_clear();
			items[i].value = NULL;
			items[i].len = 0;
			rc = 0;
		} else if (!rc) {
			items[i].found = true;
		}
	}
	unlock(rt);
	return rc;
}

BATON_API int baton_session_set_many(baton_ctx *ctx, const char *prefix, const baton_session_item *items,
                                     size_t n)
{
	baton__runtime *rt = NULL;
	int rc = session_of(ctx, "baton_session_set_many", &rt);
	if (!rc && !items && n)
		rc = baton__null_arg("baton_session_set_many", "items");
	if (rc)
		return rc;
	char **keys = baton_ctx_alloc(ctx, (n ? n : 1) * sizeof(*keys));
	if (!keys)
		return BATON_EEXHAUSTED;
	for (size_t i = 0; i < n; i++) {
		if (!items[i].value && items[i].len)
			return baton_error_set(BATON_EINVALID, "baton_session_set_many: item %zu: value is NULL", i);
		if (items[i].len > BATON__SESSION_MAX_VALUE)
			return baton_error_set(BATON_EINVALID, "baton_session_set_many: item %zu: value is %zu bytes, at "
			                       "most %d", i, items[i].len, BATON__SESSION_MAX_VALUE);
		if ((rc = full_key(ctx, "baton_session_set_many", prefix, items[i].key, &keys[i])))
			return baton__error_prefix("item %zu", i);
	}
	lock(rt);
	for (size_t i = 0; i < n && !rc; i++)
		rc = baton_store_session_set(rt->store, rt->sync_id, keys[i],
		                             items[i].value ? items[i].value : (const uint8_t *)"", items[i].len);
	unlock(rt);
	return rc;
}

typedef struct each_state {
	size_t skip;
	int (*fn)(const char *key, const uint8_t *value, size_t len, void *userdata);
	void *userdata;
} each_state;

static int each_cb(const char *key, const uint8_t *value, size_t len, void *userdata)
{
	each_state *es = userdata;
	/* LIKE matches the prefix without regard to ASCII case; the key given back drops it as is. */
	const char *k = strlen(key) >= es->skip ? key + es->skip : "";
	return es->fn(k, value, len, es->userdata);
}

BATON_API int baton_session_each(baton_ctx *ctx, const char *prefix,
                                 int (*fn)(const char *key, const uint8_t *value, size_t len,
                                           void *userdata),
                                 void *userdata)
{
	baton__runtime *rt = NULL;
	int rc = session_of(ctx, "baton_session_each", &rt);
	if (!rc && !fn)
		rc = baton__null_arg("baton_session_each", "fn");
	if (!rc)
		rc = check_prefix("baton_session_each", prefix);
	if (rc)
		return rc;
	each_state es = {prefix ? strlen(prefix) : 0, fn, userdata};
	lock(rt);
	rc = baton_store_session_each(rt->store, rt->sync_id, prefix, each_cb, &es);
	unlock(rt);
	return rc;
}

BATON_API int baton_session_get_json(baton_ctx *ctx, const char *prefix, const char *key, char **json)
{
	if (!json)
		return baton__null_arg("baton_session_get_json", "json");
	const uint8_t *v;
	size_t n;
	int rc = baton_session_get(ctx, prefix, key, &v, &n);
	if (rc)
		return rc;
	char *s = baton_ctx_strndup(ctx, (const char *)v, n);
	if (!s)
		return BATON_EEXHAUSTED;
	*json = s;
	return 0;
}

BATON_API int baton_session_set_json(baton_ctx *ctx, const char *prefix, const char *key, const char *json)
{
	if (!json)
		return baton__null_arg("baton_session_set_json", "json");
	json_error_t jerr;
	json_t *v = json_loads(json, JSON_DECODE_ANY, &jerr);
	if (!v)
		return baton_error_set(BATON_EINVALID, "baton_session_set_json: invalid JSON for key '%s': %s",
		                       key ? key : "", jerr.text);
	json_decref(v);
	return baton_session_set(ctx, prefix, key, (const uint8_t *)json, strlen(json));
}
