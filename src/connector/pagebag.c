/*
 * The page bag: a stack of cursors serialized into one page token, byte-identical to the Go SDK's
 * pagination.Bag (so tokens move between the two). The JSON is written by hand for exact bytes
 * (key order, "states":null versus [], Go's escaping); it is read with jansson, with Go's
 * encoding/json rules (case-insensitive keys, null ignored, type errors named as Go names them).
 */
#include "connector/connector.h"

#include <string.h>
#include <strings.h>
#include <jansson.h>

#include "core/error.h"

struct baton_page_bag {
	baton_ctx *ctx;
	baton_page_state *states; /* ctx memory */
	size_t n, cap;
	bool states_nil;          /* Go's nil slice: "states":null */
	baton_page_state current;
	bool has_current;
};

static const char *dup_or_empty(baton_ctx *ctx, const char *s)
{
	if (!s || !*s)
		return "";
	return baton_ctx_strdup(ctx, s);
}

static int append_state(baton_page_bag *bag, const baton_page_state *s)
{
	if (bag->n == bag->cap) {
		size_t cap = bag->cap ? bag->cap * 2 : 4;
		baton_page_state *v = baton_ctx_alloc(bag->ctx, cap * sizeof(*v));
		if (!v)
			return BATON_EEXHAUSTED;
		if (bag->n)
			memcpy(v, bag->states, bag->n * sizeof(*v));
		bag->states = v;
		bag->cap = cap;
	}
	bag->states[bag->n++] = *s;
	bag->states_nil = false;
	return 0;
}

static int bag_push(baton_page_bag *bag, const baton_page_state *s)
{
	if (!bag->has_current) {
		bag->current = *s;
		bag->has_current = true;
		return 0;
	}
	int rc = append_state(bag, &bag->current);
	if (rc)
		return rc;
	bag->current = *s;
	return 0;
}

static bool bag_pop(baton_page_bag *bag, baton_page_state *out)
{
	if (!bag->has_current)
		return false;
	if (out)
		*out = bag->current;
	if (bag->n > 0) {
		bag->current = bag->states[--bag->n];
	} else {
		bag->has_current = false;
		memset(&bag->current, 0, sizeof(bag->current));
	}
	return true;
}

/* ---- reading ---- */

static const char *go_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_STRING: return "string";
	case JSON_INTEGER:
	case JSON_REAL: return "number";
	case JSON_TRUE:
	case JSON_FALSE: return "bool";
	case JSON_ARRAY: return "array";
	case JSON_OBJECT: return "object";
	default: return "null";
	}
}

typedef struct read_state {
	baton_ctx *ctx;
	char *err;  /* first type error (Go reports the first one) */
} read_state;

static void type_error(read_state *rs, const char *value_kind, const char *where, const char *type)
{
	if (rs->err)
		return;
	rs->err = baton_ctx_sprintf(rs->ctx, "json: cannot unmarshal %s into Go %s of type %s", value_kind,
	                            where, type);
}

static void read_page_state(read_state *rs, json_t *obj, const char *path, baton_page_state *out)
{
	out->token = out->resource_type_id = out->resource_id = "";
	if (json_is_null(obj))
		return;
	if (!json_is_object(obj)) {
		char *where = baton_ctx_sprintf(rs->ctx, "struct field serializedPaginationBag.%s", path);
		type_error(rs, go_kind(obj), where ? where : "struct field", "pagination.PageState");
		return;
	}
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v) {
		const char **slot = NULL;
		const char *name = NULL;
		if (!strcasecmp(key, "token")) {
			slot = &out->token;
			name = "token";
		} else if (!strcasecmp(key, "type")) {
			slot = &out->resource_type_id;
			name = "type";
		} else if (!strcasecmp(key, "id")) {
			slot = &out->resource_id;
			name = "id";
		}
		if (!slot || json_is_null(v))
			continue;
		if (!json_is_string(v)) {
			char *where = baton_ctx_sprintf(rs->ctx, "struct field PageState.%s.%s", path, name);
			type_error(rs, go_kind(v), where ? where : "struct field", "string");
			continue;
		}
		*slot = baton_ctx_strndup(rs->ctx, json_string_value(v), json_string_length(v));
		if (!*slot)
			*slot = "";
	}
}

static int bag_unmarshal(baton_page_bag *bag, const char *token)
{
	json_error_t jerr;
	size_t len = strlen(token);
	json_t *root = json_loadb(token, len, JSON_DECODE_ANY, &jerr);
	if (!root) {
		/* Go's syntax error texts, as far as they can be told apart. */
		if (jerr.position >= (int)len)
			return baton_error_set(BATON_EINVALID, "page token corrupt: unexpected end of JSON input");
		char c = jerr.position >= 0 ? token[jerr.position] : '?';
		if (jerr.position > 0 && jerr.position <= (int)len && c == '\0')
			c = token[jerr.position - 1];
		return baton_error_set(BATON_EINVALID, "page token corrupt: invalid character '%c' %s", c,
		                       "looking for beginning of value");
	}
	read_state rs = {bag->ctx, NULL};
	baton_page_bag fresh;
	memset(&fresh, 0, sizeof(fresh));
	fresh.ctx = bag->ctx;
	fresh.states_nil = true;
	if (json_is_object(root)) {
		const char *key;
		json_t *v;
		json_object_foreach(root, key, v) {
			if (!strcasecmp(key, "states")) {
				if (json_is_null(v)) {
					fresh.n = 0;
					fresh.states_nil = true;
				} else if (!json_is_array(v)) {
					type_error(&rs, go_kind(v), "struct field serializedPaginationBag.states",
					           "[]pagination.PageState");
				} else {
					fresh.n = 0;
					fresh.states_nil = false;
					size_t i;
					json_t *el;
					json_array_foreach(v, i, el) {
						baton_page_state st;
						read_page_state(&rs, el, "states", &st);
						if (append_state(&fresh, &st)) {
							json_decref(root);
							return BATON_EEXHAUSTED;
						}
					}
				}
			} else if (!strcasecmp(key, "current_state")) {
				if (json_is_null(v)) {
					fresh.has_current = false;
				} else {
					read_page_state(&rs, v, "current_state", &fresh.current);
					fresh.has_current = json_is_object(v);
				}
			}
		}
	} else if (!json_is_null(root)) {
		type_error(&rs, go_kind(root), "value", "pagination.serializedPaginationBag");
	}
	json_decref(root);
	if (rs.err)
		return baton_error_set(BATON_EINVALID, "page token corrupt: %s", rs.err);
	*bag = fresh;
	return 0;
}

/* ---- writing ---- */

static void put_state(baton__buf *b, const baton_page_state *s)
{
	baton__buf_put(b, "{", 1);
	bool first = true;
	const char *keys[3] = {"token", "type", "id"};
	const char *vals[3] = {s->token, s->resource_type_id, s->resource_id};
	for (int i = 0; i < 3; i++) {
		if (!vals[i] || !*vals[i])
			continue;
		if (!first)
			baton__buf_put(b, ",", 1);
		first = false;
		baton__buf_printf(b, "\"%s\":", keys[i]);
		baton__buf_go_string(b, vals[i]);
	}
	baton__buf_put(b, "}", 1);
}

/* ---- public ---- */

BATON_API int baton_page_bag_new(baton_ctx *ctx, const char *token, baton_page_bag **out)
{
	if (!ctx || !out)
		return baton__null_arg("baton_page_bag_new", !ctx ? "ctx" : "out");
	baton_page_bag *bag = baton_ctx_alloc(ctx, sizeof(*bag));
	if (!bag)
		return BATON_EEXHAUSTED;
	bag->ctx = ctx;
	bag->states_nil = true;
	if (token && *token) {
		int rc = bag_unmarshal(bag, token);
		if (rc)
			return rc;
	}
	*out = bag;
	return 0;
}

BATON_API int baton_page_bag_push(baton_page_bag *bag, const char *token, const char *resource_type_id,
                                  const char *resource_id)
{
	if (!bag)
		return baton__null_arg("baton_page_bag_push", "bag");
	baton_page_state s = {dup_or_empty(bag->ctx, token), dup_or_empty(bag->ctx, resource_type_id),
	                      dup_or_empty(bag->ctx, resource_id)};
	if (!s.token || !s.resource_type_id || !s.resource_id)
		return BATON_EEXHAUSTED;
	return bag_push(bag, &s);
}

BATON_API bool baton_page_bag_pop(baton_page_bag *bag, baton_page_state *out)
{
	return bag ? bag_pop(bag, out) : false;
}

BATON_API bool baton_page_bag_current(const baton_page_bag *bag, baton_page_state *out)
{
	if (!bag || !bag->has_current)
		return false;
	if (out)
		*out = bag->current;
	return true;
}

BATON_API int baton_page_bag_next(baton_page_bag *bag, const char *token)
{
	if (!bag)
		return baton__null_arg("baton_page_bag_next", "bag");
	baton_page_state st;
	if (!bag_pop(bag, &st))
		return baton_error_set(BATON_EPRECONDITION, "no active page state");
	if (token && *token) {
		st.token = baton_ctx_strdup(bag->ctx, token);
		if (!st.token)
			return BATON_EEXHAUSTED;
		return bag_push(bag, &st);
	}
	return 0;
}

BATON_API int baton_page_bag_next_token(baton_page_bag *bag, const char *token, char **out)
{
	if (!bag || !out)
		return baton__null_arg("baton_page_bag_next_token", !bag ? "bag" : "out");
	int rc;
	if (!bag->has_current) {
		bag->current.token = dup_or_empty(bag->ctx, token);
		bag->current.resource_type_id = "";
		bag->current.resource_id = "";
		if (!bag->current.token)
			return BATON_EEXHAUSTED;
		bag->has_current = true;
	} else if ((rc = baton_page_bag_next(bag, token))) {
		return rc;
	}
	return baton_page_bag_marshal(bag, out);
}

BATON_API int baton_page_bag_marshal(const baton_page_bag *bag, char **out)
{
	if (!bag || !out)
		return baton__null_arg("baton_page_bag_marshal", !bag ? "bag" : "out");
	if (!bag->has_current) {
		*out = baton_ctx_strdup(bag->ctx, "");
		return *out ? 0 : BATON_EEXHAUSTED;
	}
	baton__buf b = {0};
	baton__buf_puts(&b, "{\"states\":");
	if (bag->states_nil) {
		baton__buf_puts(&b, "null");
	} else {
		baton__buf_put(&b, "[", 1);
		for (size_t i = 0; i < bag->n; i++) {
			if (i)
				baton__buf_put(&b, ",", 1);
			put_state(&b, &bag->states[i]);
		}
		baton__buf_put(&b, "]", 1);
	}
	baton__buf_puts(&b, ",\"current_state\":");
	put_state(&b, &bag->current);
	baton__buf_put(&b, "}", 1);
	if (b.oom) {
		baton__buf_free(&b);
		return baton__error_oom("page token");
	}
	*out = baton_ctx_strndup(bag->ctx, b.data, b.len);
	baton__buf_free(&b);
	return *out ? 0 : BATON_EEXHAUSTED;
}
