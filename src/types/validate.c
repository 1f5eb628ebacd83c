/*
 * Validation of emitted objects against what every reader of a c1z accepts: strings are valid
 * UTF-8 (a proto3 string that is not makes Go's proto.Unmarshal fail, so one bad display name
 * would make the whole file unreadable upstream), annotations are bounded in number and every
 * object in packed size. Called by baton_ctx_emit_*() (src/connector/call.c).
 */
#include "types/types.h"

#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "proto/any.h"
#include "proto/pbutil.h"
#include "proto/registry.h"

#define MAX_DEPTH 32

/* Offset of the first byte of s that is not valid UTF-8 (RFC 3629: no surrogates, no overlong
 * forms, at most U+10FFFF), or (size_t)-1 when all of it is. */
size_t baton__utf8_invalid_at(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < len) {
		unsigned c = s[i];
		size_t n;
		unsigned cp, min;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
			min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
			min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
			min = 0x10000;
		} else {
			return i;
		}
		if (len - i <= n)
			return i;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return i;
		i += n + 1;
	}
	return (size_t)-1;
}

/*
 * The path to the field being checked ("entitlement.resource.annotations(c1.connector.v2.GroupTrait)
 * .profile...") is kept as a stack of names and only written out for an error message: formatting
 * it at every field cost a fifth of a large sync's grant emission.
 */
#define MAX_SEGMENTS (2 * MAX_DEPTH + 8)

typedef struct walk {
	baton_ctx *ctx;
	baton_arena *arena;
	const char *fn;
	/* what is checked, formatted only for an error: "<kind> '<a>'" or "<kind> '<a>/<b>'" */
	const char *kind, *a, *b;
	char what[160];
	const char *seg[MAX_SEGMENTS];
	bool seg_any[MAX_SEGMENTS]; /* an Any's message type, written "(name)" */
	unsigned n_seg;
	size_t annotations;
	size_t bound; /* at least the packed size of what was walked (see FIELD_MAX) */
} walk;

/*
 * The most a field's tag and length (or a scalar's tag and value) take packed: a tag is at most 5
 * bytes, a varint at most 10. The walk adds this for every field that may be packed, plus the
 * bytes of strings, bytes and sub-messages, so w->bound is never below the packed size; only an
 * object whose bound exceeds BATON__MAX_OBJECT_BYTES is sized exactly (protobuf-c's size was
 * 30% of a grant's validation, and the store sizes the grant again when it packs it).
 */
#define FIELD_MAX 15

/* The object's name for an error message: "grant 'ID'", "resource 'TYPE/ID'". */
static const char *what_of(walk *w)
{
	if (!w->kind)
		return w->what;
	if (w->b)
		snprintf(w->what, sizeof(w->what), "%s '%.60s/%.60s'", w->kind, w->a, w->b);
	else
		snprintf(w->what, sizeof(w->what), "%s '%.120s'", w->kind, w->a);
	w->kind = NULL;
	return w->what;
}

static void push(walk *w, const char *name, bool any)
{
	if (w->n_seg < MAX_SEGMENTS) {
		w->seg[w->n_seg] = name;
		w->seg_any[w->n_seg] = any;
	}
	w->n_seg++;
}

static void pop(walk *w)
{
	w->n_seg--;
}

/* The path as "a.b(Type).c", cut at 255 bytes. */
static const char *path_of(const walk *w, char buf[256])
{
	size_t len = 0;
	buf[0] = '\0';
	unsigned n = w->n_seg < MAX_SEGMENTS ? w->n_seg : MAX_SEGMENTS;
	for (unsigned i = 0; i < n && len < 255; i++) {
		int k = w->seg_any[i] ? snprintf(buf + len, 256 - len, "(%s)", w->seg[i])
		                      : snprintf(buf + len, 256 - len, "%s%s", len ? "." : "", w->seg[i]);
		if (k < 0)
			break;
		len += (size_t)k;
	}
	return buf;
}

static int walk_msg(walk *w, const ProtobufCMessage *m, int depth);

static int too_many_annotations(walk *w)
{
	return baton_error_set(BATON_EINVALID, "%s: %s: more than %d annotations", w->fn, what_of(w),
	                       BATON__MAX_ANNOTATIONS);
}

/*
 * A sub-message at `depth`. The callback's const input (ctx->input_msg: the resource every grant
 * of a grants call embeds through its entitlement) is walked once per call; at the same depth or
 * shallower a later grant only adds the annotations it held. It validated, so the only check that
 * can fail again is the grant's total of annotations, with the same error. Walked in full, the
 * resource and its unpacked traits were 60% of a grant's validation.
 */
static int walk_sub(walk *w, const ProtobufCMessage *m, int depth)
{
	baton_ctx *ctx = w->ctx;
	if (!ctx || m != ctx->input_msg)
		return walk_msg(w, m, depth);
	if (ctx->valid_depth && depth < ctx->valid_depth) {
		w->annotations += ctx->valid_annos;
		w->bound += ctx->valid_bound;
		return w->annotations > BATON__MAX_ANNOTATIONS ? too_many_annotations(w) : 0;
	}
	size_t before = w->annotations, bound_before = w->bound;
	int rc = walk_msg(w, m, depth);
	if (!rc && depth + 1 > ctx->valid_depth) {
		ctx->valid_depth = depth + 1;
		ctx->valid_annos = w->annotations - before;
		ctx->valid_bound = w->bound - bound_before;
	}
	return rc;
}

static int bad_string(walk *w, size_t at)
{
	char path[256];
	return baton_error_set(BATON_EINVALID, "%s: %s: field %s is not valid UTF-8 (byte %zu)", w->fn, what_of(w),
	                       path_of(w, path), at);
}

static int walk_any(walk *w, const Google__Protobuf__Any *any, int depth)
{
	if (++w->annotations > BATON__MAX_ANNOTATIONS)
		return too_many_annotations(w);
	if (!any->type_url)
		return 0;
	size_t at = baton__utf8_invalid_at(any->type_url, strlen(any->type_url));
	if (at != (size_t)-1)
		return bad_string(w, at);
	const ProtobufCMessageDescriptor *desc = baton__registry_find_url(any->type_url);
	if (!desc)
		return 0; /* a message we do not know: its bytes are carried as they are */
	push(w, desc->name, true);
	size_t outer = w->bound; /* the inner message is packed in any->value, counted by the caller */
	ProtobufCMessage *inner;
	if (baton__any_unpack(w->arena, any, desc, &inner) < 0) {
		char path[256];
		return baton_error_set(BATON_EINVALID, "%s: %s: annotation %s at %s does not decode", w->fn, what_of(w),
		                       desc->name, path_of(w, path));
	}
	int rc = walk_msg(w, inner, depth + 1);
	w->bound = outer;
	pop(w);
	return rc;
}

/* At least the packed size of the fields of m that are not strings or messages. */
static size_t scalars_bound(const ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	size_t b = 0;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_MESSAGE)
			continue;
		if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) && *(const uint32_t *)baton__pb_quantifier(m, f) != f->id)
			continue;
		size_t n = f->label == PROTOBUF_C_LABEL_REPEATED ? baton__pb_count(m, f) : 1;
		if (f->type != PROTOBUF_C_TYPE_BYTES) {
			b += FIELD_MAX * (n + 1); /* a packed array's tag and length too */
			continue;
		}
		const ProtobufCBinaryData *v = f->label == PROTOBUF_C_LABEL_REPEATED
		                                   ? *(const ProtobufCBinaryData *const *)baton__pb_member(m, f)
		                                   : (const ProtobufCBinaryData *)baton__pb_member(m, f);
		for (size_t k = 0; v && k < n; k++)
			b += FIELD_MAX + v[k].len;
	}
	for (unsigned i = 0; i < m->n_unknown_fields; i++)
		b += FIELD_MAX + m->unknown_fields[i].len;
	return b;
}

static int walk_field(walk *w, const ProtobufCFieldDescriptor *f, const void *v, int depth)
{
	if (f->type == PROTOBUF_C_TYPE_STRING) {
		const char *s = *(char *const *)v;
		if (!s)
			return 0;
		size_t len = strlen(s);
		w->bound += FIELD_MAX + len;
		size_t at = baton__utf8_invalid_at(s, len);
		return at == (size_t)-1 ? 0 : bad_string(w, at);
	}
	if (f->type != PROTOBUF_C_TYPE_MESSAGE)
		return 0;
	const ProtobufCMessage *sub = *(ProtobufCMessage *const *)v;
	if (!sub)
		return 0;
	w->bound += FIELD_MAX;
	if (sub->descriptor == &google__protobuf__any__descriptor) {
		const Google__Protobuf__Any *any = (const Google__Protobuf__Any *)sub;
		w->bound += (any->type_url ? FIELD_MAX + strlen(any->type_url) : 0) + scalars_bound(sub);
		return walk_any(w, any, depth);
	}
	return walk_sub(w, sub, depth + 1);
}

static int walk_msg(walk *w, const ProtobufCMessage *m, int depth)
{
	if (depth > MAX_DEPTH)
		return baton_error_set(BATON_EINVALID, "%s: %s: nested more than %d deep", w->fn, what_of(w), MAX_DEPTH);
	const ProtobufCMessageDescriptor *d = m->descriptor;
	w->bound += scalars_bound(m);
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE)
			continue;
		push(w, f->name, false);
		int rc = 0;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = baton__pb_count(m, f);
			const char *base = *(char *const *)baton__pb_member(m, f);
			size_t sz = baton__pb_value_size(f->type);
			for (size_t k = 0; !rc && base && k < n; k++)
				rc = walk_field(w, f, base + k * sz, depth);
		} else if (baton__pb_has(m, f)) {
			rc = walk_field(w, f, baton__pb_member(m, f), depth);
		}
		pop(w);
		if (rc)
			return rc;
	}
	return 0;
}

static int validate(baton_ctx *ctx, const char *fn, const char *kind, const char *a, const char *b,
                    const ProtobufCMessage *m)
{
	walk w;
	memset(&w, 0, sizeof(w));
	w.ctx = ctx;
	w.arena = &ctx->arena;
	w.fn = fn;
	w.kind = kind;
	w.a = a;
	w.b = b;
	if (!kind)
		snprintf(w.what, sizeof(w.what), "%s", a);
	int rc = walk_msg(&w, m, 0);
	/*
	 * The size is checked first, as if before the walk: a walk that failed on an object too large
	 * reports its size. Exact only when the bound cannot tell.
	 */
	if (!rc && w.bound <= BATON__MAX_OBJECT_BYTES)
		return 0;
	size_t size = protobuf_c_message_get_packed_size(m);
	if (size > BATON__MAX_OBJECT_BYTES)
		return baton_error_set(BATON_EINVALID, "%s: %s is %zu bytes packed, at most %d", fn, what_of(&w), size,
		                       BATON__MAX_OBJECT_BYTES);
	return rc;
}

int baton__validate_msg(baton_ctx *ctx, const char *fn, const char *what, const ProtobufCMessage *m)
{
	return validate(ctx, fn, NULL, what, NULL, m);
}

int baton__validate_resource(baton_resource *r, const char *fn)
{
	int rc = baton__resource_flush(r);
	if (rc < 0)
		return rc;
	return validate(r->ctx, fn, "resource", r->msg->id && r->msg->id->resource_type ? r->msg->id->resource_type : "",
	                r->msg->id && r->msg->id->resource ? r->msg->id->resource : "", &r->msg->base);
}

int baton__validate_entitlement(baton_entitlement *e, const char *fn)
{
	int rc = baton__entitlement_flush(e);
	if (rc < 0)
		return rc;
	return validate(e->ctx, fn, "entitlement", e->msg->id ? e->msg->id : "", NULL, &e->msg->base);
}

int baton__validate_grant(baton_grant *g, const char *fn)
{
	int rc = 0;
	if (g->entitlement && (rc = baton__entitlement_flush(g->entitlement)) < 0)
		return rc;
	if (g->principal && (rc = baton__resource_flush(g->principal)) < 0)
		return rc;
	const char *id = g->msg->id ? g->msg->id : "";
	if ((rc = validate(g->ctx, fn, "grant", id, NULL, &g->msg->base)))
		return rc;
	/* the wrapped parts are what gets packed (they may not be linked into msg yet) */
	if (g->entitlement && g->entitlement->msg != g->msg->entitlement &&
	    (rc = validate(g->ctx, fn, "grant", id, NULL, &g->entitlement->msg->base)))
		return rc;
	if (g->principal && g->principal->msg != g->msg->principal)
		rc = validate(g->ctx, fn, "grant", id, NULL, &g->principal->msg->base);
	return rc;
}
