/*
 * Protobuf wire operations on c1.connector.v2.Grant blobs for grant expansion.
 *
 * Expansion reads two fields of many grants (principal = 2, sources = 5) and rewrites one
 * (sources). Doing that on the wire avoids decoding whole grants, and keeps every other byte of
 * a rewritten grant exactly as it was stored.
 */
#include "sync/expand.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "proto/pbutil.h"

#define GRANT_PRINCIPAL 2
#define GRANT_SOURCES 5
#define WT_VARINT 0
#define WT_I64 1
#define WT_LEN 2
#define WT_I32 5

static const char immutable_url[] = "type.googleapis.com/c1.connector.v2.GrantImmutable";

/* ------------------------------------------------------------------------------------------ */
/* Reading                                                                                     */

typedef struct wire {
	const uint8_t *p, *end;
} wire;

static bool read_varint(wire *w, uint64_t *v)
{
	size_t n = baton__pb_varint_get(w->p, w->end, v);
	w->p += n;
	return n != 0;
}

/*
 * The next field: number, wire type, and for WT_LEN its payload. *start is where the field's tag
 * begins. Returns 1 for a field, 0 at the end, -1 when malformed.
 */
static int next_field(wire *w, const uint8_t **start, uint32_t *num, int *wt, const uint8_t **val,
                      size_t *val_len)
{
	if (w->p >= w->end)
		return 0;
	*start = w->p;
	uint64_t tag, v;
	if (!read_varint(w, &tag) || (tag >> 3) == 0 || (tag >> 3) > 0x1fffffff)
		return -1;
	*num = (uint32_t)(tag >> 3);
	*wt = (int)(tag & 7);
	*val = NULL;
	*val_len = 0;
	switch (*wt) {
	case WT_VARINT:
		if (!read_varint(w, &v))
			return -1;
		*val_len = v;
		return 1;
	case WT_I64:
		if (w->end - w->p < 8)
			return -1;
		w->p += 8;
		return 1;
	case WT_I32:
		if (w->end - w->p < 4)
			return -1;
		w->p += 4;
		return 1;
	case WT_LEN:
		if (!read_varint(w, &v) || v > (uint64_t)(w->end - w->p))
			return -1;
		*val = w->p;
		*val_len = (size_t)v;
		w->p += v;
		return 1;
	default:
		return -1; /* groups are not used by these messages */
	}
}

static int malformed(const char *what)
{
	return baton_error_set(BATON_EDATALOSS, "grant expansion: malformed %s in a stored grant", what);
}

long baton__sources_find(const baton__sources *src, const char *key, size_t len)
{
	for (uint32_t i = 0; i < src->n; i++)
		if (src->v[i].len == len && memcmp(src->v[i].key, key, len) == 0)
			return (long)i;
	return -1;
}

int baton__sources_add(baton_arena *arena, baton__sources *src, const char *key, size_t len, bool direct)
{
	if (src->n == src->cap) {
		uint32_t cap = src->cap ? src->cap * 2 : 8;
		baton__source *v = baton_arena_alloc_raw(arena, (size_t)cap * sizeof(*v));
		if (!v)
			return baton__error_oom("grant sources");
		if (src->n)
			memcpy(v, src->v, (size_t)src->n * sizeof(*v));
		src->v = v;
		src->cap = cap;
	}
	src->v[src->n].key = key;
	src->v[src->n].len = (uint32_t)len;
	src->v[src->n].direct = direct;
	src->n++;
	return 0;
}

/* One map entry of GrantSources: key = 1 (string), value = 2 (GrantSource{is_direct = 1}). */
static int read_source_entry(baton_arena *arena, const uint8_t *p, size_t len, baton__sources *out)
{
	wire w = {p, p + len};
	const char *key = "";
	size_t klen = 0;
	bool direct = false;
	const uint8_t *start, *val;
	uint32_t num;
	int wt, r;
	size_t vlen;
	while ((r = next_field(&w, &start, &num, &wt, &val, &vlen)) == 1) {
		if (num == 1 && wt == WT_LEN) {
			key = (const char *)val;
			klen = vlen;
		} else if (num == 2 && wt == WT_LEN) {
			wire v = {val, val + vlen};
			const uint8_t *s2, *v2;
			uint32_t n2;
			int wt2, r2;
			size_t l2;
			direct = false;
			while ((r2 = next_field(&v, &s2, &n2, &wt2, &v2, &l2)) == 1)
				if (n2 == 1 && wt2 == WT_VARINT)
					direct = l2 != 0;
			if (r2 < 0)
				return malformed("grant source");
		}
	}
	if (r < 0)
		return malformed("grant sources entry");
	long at = baton__sources_find(out, key, klen);
	if (at >= 0) {
		out->v[at].direct = direct;
		return 0;
	}
	return baton__sources_add(arena, out, key, klen, direct);
}

int baton__wire_grant_read(baton_arena *arena, const uint8_t *data, size_t len,
                           const uint8_t **principal, size_t *principal_len, baton__sources *sources)
{
	*principal = NULL;
	*principal_len = 0;
	sources->n = 0;
	wire w = {data, data + len};
	const uint8_t *start, *val;
	uint32_t num;
	int wt, r;
	size_t vlen;
	while ((r = next_field(&w, &start, &num, &wt, &val, &vlen)) == 1) {
		if (wt != WT_LEN)
			continue;
		if (num == GRANT_PRINCIPAL) {
			*principal = val;
			*principal_len = vlen;
		} else if (num == GRANT_SOURCES) {
			wire s = {val, val + vlen};
			const uint8_t *s2, *v2;
			uint32_t n2;
			int wt2, r2;
			size_t l2;
			while ((r2 = next_field(&s, &s2, &n2, &wt2, &v2, &l2)) == 1) {
				if (n2 == 1 && wt2 == WT_LEN) {
					int rc = read_source_entry(arena, v2, l2, sources);
					if (rc)
						return rc;
				}
			}
			if (r2 < 0)
				return malformed("grant sources");
		}
	}
	if (r < 0)
		return malformed("grant");
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Writing                                                                                     */

typedef struct obuf {
	uint8_t *p;
	size_t len;
} obuf;

static void put_varint(obuf *b, uint64_t v)
{
	b->len += baton__pb_varint_put(b->p + b->len, v);
}

static void put_bytes(obuf *b, const void *p, size_t n)
{
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
}

/* Tag + length + payload of a length-delimited field. */
static size_t ld_len(uint32_t num, size_t n)
{
	return baton__pb_varint_len((uint64_t)num << 3 | WT_LEN) + baton__pb_varint_len(n) + n;
}

static void put_ld_header(obuf *b, uint32_t num, size_t n)
{
	put_varint(b, (uint64_t)num << 3 | WT_LEN);
	put_varint(b, n);
}

static int source_cmp(const void *a, const void *b)
{
	const baton__source *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->key, y->key, n);
	if (c)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

/* Size of one entry's payload: key field, value field (GrantSource, empty or {is_direct: true}). */
static size_t entry_len(const baton__source *s)
{
	return ld_len(1, s->len) + ld_len(2, s->direct ? 2 : 0);
}

static size_t sources_payload_len(const baton__sources *src)
{
	size_t n = 0;
	for (uint32_t i = 0; i < src->n; i++)
		n += ld_len(1, entry_len(&src->v[i]));
	return n;
}

static void put_sources(obuf *b, const baton__sources *src)
{
	put_ld_header(b, GRANT_SOURCES, sources_payload_len(src));
	for (uint32_t i = 0; i < src->n; i++) {
		const baton__source *s = &src->v[i];
		put_ld_header(b, 1, entry_len(s));
		put_ld_header(b, 1, s->len);
		put_bytes(b, s->key, s->len);
		put_ld_header(b, 2, s->direct ? 2 : 0);
		if (s->direct) {
			b->p[b->len++] = 0x08;
			b->p[b->len++] = 0x01;
		}
	}
}

int baton__wire_grant_set_sources(baton_arena *arena, const uint8_t *data, size_t len,
                                  baton__sources *sources, uint8_t **out, size_t *out_len)
{
	qsort(sources->v, sources->n, sizeof(*sources->v), source_cmp);
	size_t cap = len + ld_len(GRANT_SOURCES, sources_payload_len(sources));
	obuf b = {baton_arena_alloc_raw(arena, cap ? cap : 1), 0};
	if (!b.p)
		return baton__error_oom("grant");
	wire w = {data, data + len};
	const uint8_t *start, *val;
	uint32_t num;
	int wt, r;
	size_t vlen;
	while ((r = next_field(&w, &start, &num, &wt, &val, &vlen)) == 1)
		if (num != GRANT_SOURCES)
			put_bytes(&b, start, (size_t)(w.p - start));
	if (r < 0)
		return malformed("grant");
	put_sources(&b, sources);
	*out = b.p;
	*out_len = b.len;
	return 0;
}

int baton__wire_grant_new(baton_arena *arena, const uint8_t *ent, size_t ent_len,
                          const uint8_t *principal, size_t principal_len, const char *id,
                          baton__sources *sources, uint8_t **out, size_t *out_len)
{
	qsort(sources->v, sources->n, sizeof(*sources->v), source_cmp);
	size_t id_len = strlen(id), url_len = sizeof(immutable_url) - 1;
	size_t any_len = ld_len(1, url_len);
	size_t cap = ld_len(1, ent_len) + ld_len(2, principal_len) + ld_len(3, id_len) + ld_len(4, any_len) +
	             ld_len(GRANT_SOURCES, sources_payload_len(sources));
	obuf b = {baton_arena_alloc_raw(arena, cap), 0};
	if (!b.p)
		return baton__error_oom("grant");
	put_ld_header(&b, 1, ent_len);
	put_bytes(&b, ent, ent_len);
	put_ld_header(&b, 2, principal_len);
	put_bytes(&b, principal, principal_len);
	put_ld_header(&b, 3, id_len);
	put_bytes(&b, id, id_len);
	put_ld_header(&b, 4, any_len);
	put_ld_header(&b, 1, url_len);
	put_bytes(&b, immutable_url, url_len);
	put_sources(&b, sources);
	*out = b.p;
	*out_len = b.len;
	return 0;
}

int baton__wire_principal_stub(baton_arena *arena, const char *rtype, const char *rid, uint8_t **out,
                               size_t *out_len)
{
	size_t tl = strlen(rtype), il = strlen(rid);
	size_t idl = (tl ? ld_len(1, tl) : 0) + (il ? ld_len(2, il) : 0);
	obuf b = {baton_arena_alloc_raw(arena, ld_len(1, idl)), 0};
	if (!b.p)
		return baton__error_oom("grant");
	put_ld_header(&b, 1, idl);
	if (tl) {
		put_ld_header(&b, 1, tl);
		put_bytes(&b, rtype, tl);
	}
	if (il) {
		put_ld_header(&b, 2, il);
		put_bytes(&b, rid, il);
	}
	*out = b.p;
	*out_len = b.len;
	return 0;
}
