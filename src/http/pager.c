/*
 * Pagination helpers: a Link header, a cursor in the body, offset/limit and page numbers, each
 * turned into the SDK's page token (a page bag whose current state holds the cursor, offset,
 * page number or next URL as text).
 */
#include "http/http_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <jansson.h>

#include "baton/connector.h"
#include "core/error.h"

struct baton_http_pager {
	baton_ctx *ctx;
	baton_http_pager_options o;
	baton_page_bag *bag;
	const char *cursor; /* "" on the first page */
	int64_t index;      /* OFFSET / NUMBER: the current offset or page */
};

static const char *or_default(const char *s, const char *d)
{
	return s && *s ? s : d;
}

int baton_http_pager_new(baton_ctx *ctx, const baton_http_pager_options *opts, const char *page_token,
                         baton_http_pager **out)
{
	if (!ctx || !opts || !out)
		return baton_error_set(BATON_EINVALID, "baton_http_pager_new: NULL argument");
	*out = NULL;
	if (opts->version < 1 || opts->version > BATON_HTTP_PAGER_OPTIONS_VERSION)
		return baton_error_set(BATON_EINVALID, "baton_http_pager_options: unknown version %u", opts->version);
	if (opts->style > BATON_HTTP_PAGE_NUMBER)
		return baton_error_set(BATON_EINVALID, "baton_http_pager_options: unknown style %d", (int)opts->style);
	if (opts->style == BATON_HTTP_PAGE_CURSOR && (!opts->cursor_path || !*opts->cursor_path))
		return baton_error_set(BATON_EINVALID, "baton_http_pager_options: CURSOR needs cursor_path");
	baton_http_pager *p = baton_ctx_alloc(ctx, sizeof(*p));
	if (!p)
		return BATON_EEXHAUSTED;
	p->ctx = ctx;
	p->o = *opts;
	if (!p->o.page_size)
		p->o.page_size = 100;
	if (!p->o.first_index_set)
		p->o.first_index = opts->style == BATON_HTTP_PAGE_NUMBER ? 1 : 0;
	int rc = baton_page_bag_new(ctx, page_token, &p->bag);
	if (rc)
		return rc;
	baton_page_state st;
	p->cursor = baton_page_bag_current(p->bag, &st) && st.token ? st.token : "";
	p->index = p->o.first_index;
	if ((opts->style == BATON_HTTP_PAGE_OFFSET || opts->style == BATON_HTTP_PAGE_NUMBER) && *p->cursor) {
		char *end;
		long long v = strtoll(p->cursor, &end, 10);
		if (*end || end == p->cursor)
			return baton_error_set(BATON_EINVALID, "page token corrupt: \"%.64s\" is not a number", p->cursor);
		p->index = v;
	}
	*out = p;
	return 0;
}

const char *baton_http_pager_cursor(const baton_http_pager *p)
{
	return p ? p->cursor : "";
}

int baton_http_pager_request(baton_http_pager *p, baton_http_client *c, const char *method,
                             const char *path, baton_http_request **out)
{
	if (!p || !out)
		return baton_error_set(BATON_EINVALID, "baton_http_pager_request: NULL argument");
	const char *use = path;
	if (p->o.style == BATON_HTTP_PAGE_NEXT_LINK && *p->cursor)
		use = p->cursor;
	baton_http_request *r;
	int rc = baton_http_request_new(c, method, use, &r);
	if (rc)
		return rc;
	switch (p->o.style) {
	case BATON_HTTP_PAGE_NEXT_LINK:
		break;
	case BATON_HTTP_PAGE_CURSOR:
		if (*p->cursor)
			rc = baton_http_request_add_query(r, or_default(p->o.cursor_param, "cursor"), p->cursor);
		if (!rc && p->o.size_param && *p->o.size_param)
			rc = baton_http_request_add_query_int(r, p->o.size_param, p->o.page_size);
		break;
	case BATON_HTTP_PAGE_OFFSET:
		rc = baton_http_request_add_query_int(r, or_default(p->o.offset_param, "offset"), p->index);
		if (!rc)
			rc = baton_http_request_add_query_int(r, or_default(p->o.size_param, "limit"), p->o.page_size);
		break;
	case BATON_HTTP_PAGE_NUMBER:
		rc = baton_http_request_add_query_int(r, or_default(p->o.page_param, "page"), p->index);
		if (!rc)
			rc = baton_http_request_add_query_int(r, or_default(p->o.size_param, "per_page"), p->o.page_size);
		break;
	}
	if (rc) {
		baton_http_request_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

/* ---- JSON paths ---- */

static json_t *child(json_t *v, const char *seg, size_t len)
{
	char key[512];
	size_t k = 0;
	for (size_t i = 0; i < len && k + 1 < sizeof(key); i++) {
		/* JSON pointer escapes: ~1 is '/', ~0 is '~' */
		if (seg[i] == '~' && i + 1 < len && (seg[i + 1] == '0' || seg[i + 1] == '1')) {
			key[k++] = seg[i + 1] == '1' ? '/' : '~';
			i++;
		} else {
			key[k++] = seg[i];
		}
	}
	key[k] = '\0';
	if (json_is_object(v))
		return json_object_get(v, key);
	if (json_is_array(v)) {
		if (!k)
			return NULL;
		for (size_t i = 0; i < k; i++)
			if (!isdigit((unsigned char)key[i]))
				return NULL;
		return json_array_get(v, (size_t)strtoull(key, NULL, 10));
	}
	return NULL;
}

struct json_t *baton_http_json_path(const struct json_t *root, const char *path)
{
	json_t *v = (json_t *)root;
	if (!v || !path)
		return NULL;
	char sep = path[0] == '/' ? '/' : '.';
	const char *p = path[0] == '/' ? path + 1 : path;
	if (!*path)
		return v;
	for (;;) {
		const char *e = strchr(p, sep);
		size_t len = e ? (size_t)(e - p) : strlen(p);
		v = child(v, p, len);
		if (!v || !e)
			return v;
		p = e + 1;
	}
}

/* ---- Link header ---- */

static void trim(const char **s, size_t *len)
{
	while (*len && isspace((unsigned char)**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len && isspace((unsigned char)(*s)[*len - 1]))
		(*len)--;
}

int baton_http_link_find(baton_ctx *ctx, const char *link_header, const char *rel, char **url)
{
	if (!ctx || !url)
		return baton_error_set(BATON_EINVALID, "baton_http_link_find: NULL argument");
	*url = NULL;
	rel = or_default(rel, "next");
	if (!link_header)
		return 0;
	/* as the Go SDK: entries split on ',', parts on ';'; the first "rel=" part names it; a later
	 * entry with the same rel wins */
	const char *found = NULL;
	size_t found_len = 0;
	for (const char *e = link_header; *e;) {
		size_t elen = strcspn(e, ",");
		const char *semi = memchr(e, ';', elen);
		if (semi) {
			const char *u = e;
			size_t ulen = (size_t)(semi - e);
			trim(&u, &ulen);
			while (ulen && *u == '<') {
				u++;
				ulen--;
			}
			while (ulen && u[ulen - 1] == '>')
				ulen--;
			for (const char *part = semi + 1; part < e + elen;) {
				size_t plen = strcspn(part, ";");
				if (part + plen > e + elen)
					plen = (size_t)(e + elen - part);
				const char *pp = part;
				size_t pl = plen;
				trim(&pp, &pl);
				const char *eq = memchr(pp, '=', pl);
				if (eq && (size_t)(eq - pp) == 3 && strncmp(pp, "rel", 3) == 0) {
					const char *v = eq + 1;
					size_t vlen = (size_t)(pp + pl - v);
					const char *eq2 = memchr(v, '=', vlen);
					if (eq2)
						vlen = (size_t)(eq2 - v); /* Go splits on every '=' */
					while (vlen && *v == '"') {
						v++;
						vlen--;
					}
					while (vlen && v[vlen - 1] == '"')
						vlen--;
					if (vlen && strlen(rel) == vlen && strncmp(v, rel, vlen) == 0) {
						found = u;
						found_len = ulen;
					}
					break;
				}
				part += plen;
				if (part < e + elen)
					part++;
			}
		}
		e += elen;
		if (*e)
			e++;
	}
	if (found && found_len) {
		*url = baton_ctx_strndup(ctx, found, found_len);
		if (!*url)
			return BATON_EEXHAUSTED;
	}
	return 0;
}

/* ---- next ---- */

static int finish(baton_http_pager *p, const char *next, const char **next_token)
{
	baton_page_state st;
	if (!*next && !baton_page_bag_current(p->bag, &st)) {
		*next_token = "";
		return 0;
	}
	if (!baton_page_bag_current(p->bag, &st)) {
		int rc = baton_page_bag_push(p->bag, next, p->o.resource_type_id, p->o.resource_id);
		if (rc)
			return rc;
		char *tok;
		if ((rc = baton_page_bag_marshal(p->bag, &tok)))
			return rc;
		*next_token = tok;
		return 0;
	}
	char *tok;
	int rc = baton_page_bag_next_token(p->bag, next, &tok);
	if (rc)
		return rc;
	*next_token = tok;
	return 0;
}

static const char *json_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER:
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "?";
}

/* The response's total (total_path), -1 when not asked for or absent. A total that is not a
 * count (negative, fractional, out of range, not a number) is an error: reading it anyway would
 * end or run away the paging. */
static int total_of(const baton_http_pager *p, const baton_http_response *resp, const json_t *body,
                    int64_t *total)
{
	*total = -1;
	if (!p->o.total_path || !*p->o.total_path)
		return 0;
	json_t *t = baton_http_json_path(body, p->o.total_path);
	if (!t || json_is_null(t))
		return 0;
	int64_t v = -1;
	bool ok = false;
	if (json_is_integer(t)) {
		v = json_integer_value(t);
		ok = true;
	} else if (json_is_real(t)) {
		double d = json_real_value(t);
		/* in range of int64 before the cast: a larger double converts with undefined behaviour */
		ok = d >= 0 && d < 9223372036854775808.0; /* [0, 2^63); false for NaN and infinities */
		if (ok) {
			v = (int64_t)d;
			ok = (double)v == d; /* a whole number */
		}
	} else if (json_is_string(t)) {
		const char *str = json_string_value(t);
		char *end;
		errno = 0;
		long long x = strtoll(str, &end, 10);
		ok = *str && !*end && errno == 0 && isdigit((unsigned char)*str);
		v = x;
	}
	if (!ok || v < 0) {
		char shown[64];
		if (json_is_real(t))
			snprintf(shown, sizeof(shown), "%g", json_real_value(t));
		else if (json_is_integer(t))
			snprintf(shown, sizeof(shown), "%lld", (long long)json_integer_value(t));
		else if (json_is_string(t)) {
			/* the server's text: redacted whole before it is cut */
			const char *str = json_string_value(t);
			char *red = resp ? baton__http_redact_text(&resp->secrets, str, strlen(str), NULL) : NULL;
			snprintf(shown, sizeof(shown), "\"%.40s\"", red ? red : resp ? "?" : str);
			free(red);
		}
		else
			snprintf(shown, sizeof(shown), "%s", json_kind(t));
		return baton_error_set(BATON_EINVALID,
		                       "pagination: %s in the response is %s, not a count of items (a whole number "
		                       "from 0 to 2^63-1)",
		                       p->o.total_path, shown);
	}
	*total = v;
	return 0;
}

/* The items on this page. The body must have the shape the options describe: an array at
 * items_path (the body itself without one). An object without the list is an empty page only
 * when its total says nothing is left (SCIM leaves "Resources" out when totalResults is 0);
 * anything else (an array or a string where an object was expected, a list that is missing for
 * no reason) is an error, never a silently empty sync. */
static int items_count(const baton_http_pager *p, const json_t *body, int64_t total, size_t *n)
{
	bool has_path = p->o.items_path && *p->o.items_path;
	const char *what = has_path ? p->o.items_path : "the body";
	if (has_path && !json_is_object(body) && !json_is_array(body))
		return baton_error_set(BATON_EINVALID,
		                       "pagination: the response is %s, not an object with \"%s\" (the list of items)",
		                       json_kind(body), what);
	json_t *items = has_path ? baton_http_json_path(body, p->o.items_path) : (json_t *)body;
	if (!items && has_path) {
		if (json_is_array(body))
			return baton_error_set(BATON_EINVALID,
			                       "pagination: the response is an array, not an object with \"%s\" (the list "
			                       "of items)", what);
		int64_t read = p->o.style == BATON_HTTP_PAGE_OFFSET ? p->index - p->o.first_index
		                                                    : (p->index - p->o.first_index) * (int64_t)p->o.page_size;
		if (total >= 0 && read >= total) {
			*n = 0;
			return 0;
		}
		if (total >= 0)
			return baton_error_set(BATON_EINVALID,
			                       "pagination: the response has no \"%s\" (the list of items) although %s says "
			                       "%lld items and %lld were read",
			                       what, p->o.total_path, (long long)total, (long long)read);
		return baton_error_set(BATON_EINVALID,
		                       "pagination: the response has no \"%s\" (the list of items)%s", what,
		                       p->o.total_path && *p->o.total_path ? " and no total" : "");
	}
	if (!json_is_array(items))
		return baton_error_set(BATON_EINVALID, "pagination: %s in the response is %s, not an array", what,
		                       json_kind(items));
	*n = json_array_size(items);
	return 0;
}

int baton_http_pager_next(baton_http_pager *p, const baton_http_response *resp, const struct json_t *body,
                          const char **next_token)
{
	if (!p || !next_token)
		return baton_error_set(BATON_EINVALID, "baton_http_pager_next: NULL argument");
	*next_token = "";
	char num[32];
	const char *next = "";
	switch (p->o.style) {
	case BATON_HTTP_PAGE_NEXT_LINK: {
		if (!resp)
			return baton_error_set(BATON_EINVALID, "pagination: NEXT_LINK needs the response");
		char *url = NULL;
		int rc = baton_http_link_find(p->ctx, baton_http_response_header(resp, or_default(p->o.link_header, "Link")),
		                              p->o.link_rel, &url);
		if (rc)
			return rc;
		next = url ? url : "";
		break;
	}
	case BATON_HTTP_PAGE_CURSOR: {
		if (!body)
			return baton_error_set(BATON_EINVALID, "pagination: CURSOR needs the decoded body");
		json_t *v = baton_http_json_path(body, p->o.cursor_path);
		if (json_is_string(v)) {
			next = json_string_value(v);
		} else if (json_is_integer(v)) {
			snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
			next = num;
		}
		break;
	}
	case BATON_HTTP_PAGE_OFFSET:
	case BATON_HTTP_PAGE_NUMBER: {
		if (!body)
			return baton_error_set(BATON_EINVALID, "pagination: the decoded body is needed");
		size_t n = 0;
		int64_t total = -1;
		int rc = total_of(p, resp, body, &total);
		if (rc || (rc = items_count(p, body, total, &n)))
			return rc;
		bool last = n == 0;
		int64_t nx;
		if (p->o.style == BATON_HTTP_PAGE_OFFSET) {
			nx = p->index + (int64_t)n;
			if (total >= 0)
				last |= nx - p->o.first_index >= total;
			else
				last |= n < p->o.page_size;
		} else {
			nx = p->index + 1;
			if (total >= 0)
				last |= (p->index - p->o.first_index + 1) * (int64_t)p->o.page_size >= total;
			else
				last |= n < p->o.page_size;
		}
		if (!last) {
			snprintf(num, sizeof(num), "%lld", (long long)nx);
			next = num;
		}
		break;
	}
	}
	if (*p->cursor && strcmp(next, p->cursor) == 0)
		return baton_error_set(BATON_EINTERNAL,
		                       "pagination: the API returned the same cursor again; stopping to avoid a loop");
	return finish(p, next, next_token);
}
