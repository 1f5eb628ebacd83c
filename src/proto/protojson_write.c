/*
 * protojson writer: walks a message through its protobuf-c descriptor and prints what Go's
 * protojson.Marshal prints (see protojson.h for the rules), without Go's random whitespace.
 */
#include "proto/protojson.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "google/protobuf/any.pb-c.h"
#include "google/protobuf/duration.pb-c.h"
#include "google/protobuf/field_mask.pb-c.h"
#include "google/protobuf/struct.pb-c.h"
#include "google/protobuf/timestamp.pb-c.h"
#include "proto/any.h"
#include "proto/pbutil.h"
#include "proto/registry.h"

typedef struct jw {
	char *buf; /* malloc'd output, not NUL-terminated until the end */
	size_t len, cap;
	bool multiline;
	bool emit_unpopulated;
	bool oom;
	int depth;            /* open objects/arrays */
	baton_arena scratch;  /* decoded Any payloads, sorted map views, field orders */
	char path[1024];      /* field path for error messages: "annotations[0].emails[1]" */
	size_t plen;
} jw;

static int write_message(jw *w, const ProtobufCMessage *m);
static int write_fields(jw *w, const ProtobufCMessage *m, int *n);

/* ---- output ---- */

static void put(jw *w, const char *s, size_t n)
{
	if (w->oom)
		return;
	if (w->cap - w->len < n + 1) {
		size_t cap = w->cap ? w->cap : 256;
		while (cap - w->len < n + 1)
			cap *= 2;
		char *b = realloc(w->buf, cap);
		if (!b) {
			w->oom = true;
			return;
		}
		w->buf = b;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static void puts_(jw *w, const char *s)
{
	put(w, s, strlen(s));
}

static void putc_(jw *w, char c)
{
	put(w, &c, 1);
}

static void newline(jw *w)
{
	putc_(w, '\n');
	for (int i = 0; i < w->depth; i++)
		put(w, "  ", 2);
}

/* Containers: open, then before each element `item`, then close with the element count. */
static int open_(jw *w, char c)
{
	if (w->depth >= BATON_PROTOJSON_MAX_DEPTH)
		return baton_error_set(BATON_EINVALID, "%s: nesting deeper than %d levels",
		                       w->plen ? w->path : "message", BATON_PROTOJSON_MAX_DEPTH);
	putc_(w, c);
	w->depth++;
	return 0;
}

static void item(jw *w, int *n)
{
	if ((*n)++)
		putc_(w, ',');
	if (w->multiline)
		newline(w);
}

static void close_(jw *w, char c, int n)
{
	w->depth--;
	if (n && w->multiline)
		newline(w);
	putc_(w, c);
}

/* ---- error paths ---- */

static size_t path_push(jw *w, const char *fmt, ...) BATON_PRINTF(2, 3);
static size_t path_push(jw *w, const char *fmt, ...)
{
	size_t old = w->plen;
	if (w->plen < sizeof w->path) {
		va_list ap;
		va_start(ap, fmt);
		int k = vsnprintf(w->path + w->plen, sizeof w->path - w->plen, fmt, ap);
		va_end(ap);
		if (k > 0)
			w->plen += (size_t)k < sizeof w->path - w->plen ? (size_t)k : sizeof w->path - w->plen - 1;
	}
	return old;
}

static size_t path_field(jw *w, const char *name)
{
	return w->plen ? path_push(w, ".%s", name) : path_push(w, "%s", name);
}

static void path_pop(jw *w, size_t old)
{
	w->plen = old;
	w->path[old] = '\0';
}

static int fail(jw *w, int code, const char *fmt, ...) BATON_PRINTF(3, 4);
static int fail(jw *w, int code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (w->plen)
		return baton_error_set(code, "%s: %s", w->path, msg);
	return baton_error_set(code, "%s", msg);
}

/* ---- scalars ---- */

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0 when the byte at s starts none. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	if (c < 0x80)
		return 1;
	size_t len;
	unsigned char lo = 0x80, hi = 0xBF;
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		if (c == 0xE0)
			lo = 0xA0; /* no overlong forms */
		else if (c == 0xED)
			hi = 0x9F; /* no surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F; /* nothing above U+10FFFF */
	} else {
		return 0;
	}
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return len;
}

/* Whether s is all valid UTF-8. */
static bool valid_utf8(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str);
	for (size_t i = 0; i < n;) {
		size_t seq = s[i] < 0x80 ? 1 : utf8_seq(s + i, n - i);
		if (seq == 0)
			return false;
		i += seq;
	}
	return true;
}

/* A JSON string. Escapes what Go's protojson escapes (", \, control characters) and nothing else;
 * bytes that are not valid UTF-8 become U+FFFD, one per byte (Go refuses such strings). */
static void write_string_n(jw *w, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t run = 0; /* start of the pending run of bytes copied verbatim */
	putc_(w, '"');
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		const char *esc = NULL;
		char ubuf[8];
		size_t seq = 1;
		if (c == '"')
			esc = "\\\"";
		else if (c == '\\')
			esc = "\\\\";
		else if (c == '\b')
			esc = "\\b";
		else if (c == '\f')
			esc = "\\f";
		else if (c == '\n')
			esc = "\\n";
		else if (c == '\r')
			esc = "\\r";
		else if (c == '\t')
			esc = "\\t";
		else if (c < 0x20) {
			snprintf(ubuf, sizeof ubuf, "\\u%04x", c);
			esc = ubuf;
		} else if (c >= 0x80 && (seq = utf8_seq(s + i, n - i)) == 0) {
			esc = "\xEF\xBF\xBD"; /* U+FFFD */
			seq = 1;
		}
		if (esc) {
			put(w, str + run, i - run);
			puts_(w, esc);
			i += seq;
			run = i;
		} else {
			i += seq;
		}
	}
	put(w, str + run, n - run);
	putc_(w, '"');
}

static void write_string(jw *w, const char *s)
{
	write_string_n(w, s ? s : "", s ? strlen(s) : 0);
}

static void write_base64(jw *w, const uint8_t *d, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char out[4];
	putc_(w, '"');
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)d[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)d[i + 1] << 8;
		if (i + 2 < n)
			v |= d[i + 2];
		out[0] = tab[(v >> 18) & 63];
		out[1] = tab[(v >> 12) & 63];
		out[2] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		out[3] = i + 2 < n ? tab[v & 63] : '=';
		put(w, out, 4);
	}
	putc_(w, '"');
}

/*
 * Formats a float or double as Go's protojson does: the shortest decimal that reads back as the
 * same value (at float precision when is32), plain notation for magnitudes in [1e-6, 1e21) and
 * exponent notation ("1e+21", "1e-7") outside; NaN and infinities as quoted strings.
 * `out` holds at least 48 bytes.
 */
static void format_float(char *out, size_t cap, double v, bool is32)
{
	if (isnan(v)) {
		snprintf(out, cap, "\"NaN\"");
		return;
	}
	if (isinf(v)) {
		snprintf(out, cap, v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
		return;
	}
	char e[48];
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(e, sizeof e, "%.*e", prec - 1, v);
		if (is32 ? strtof(e, NULL) == (float)v : strtod(e, NULL) == v)
			break;
	}
	/* e is "[-]d[.ddd]e[+-]x": collect the digits and the decimal exponent. */
	char digits[24];
	size_t nd = 0;
	const char *p = e;
	bool neg = *p == '-';
	if (neg)
		p++;
	for (; *p && *p != 'e'; p++)
		if (*p >= '0' && *p <= '9' && nd < sizeof digits - 1)
			digits[nd++] = *p;
	int exp = *p == 'e' ? atoi(p + 1) : 0;
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	digits[nd] = '\0';

	double a = fabs(v);
	bool sci = a != 0 && (is32 ? ((float)a < 1e-6f || (float)a >= 1e21f) : (a < 1e-6 || a >= 1e21));
	size_t o = 0;
#define OUT(ch) do { if (o + 1 < cap) out[o++] = (ch); } while (0)
	if (neg)
		OUT('-');
	if (sci) {
		OUT(digits[0]);
		if (nd > 1) {
			OUT('.');
			for (size_t i = 1; i < nd; i++)
				OUT(digits[i]);
		}
		char x[16];
		snprintf(x, sizeof x, exp < 0 ? "e-%d" : "e+%02d", exp < 0 ? -exp : exp);
		for (const char *q = x; *q; q++)
			OUT(*q);
	} else if (exp >= 0) {
		for (int i = 0; i <= exp; i++)
			OUT((size_t)i < nd ? digits[i] : '0');
		if (nd > (size_t)exp + 1) {
			OUT('.');
			for (size_t i = (size_t)exp + 1; i < nd; i++)
				OUT(digits[i]);
		}
	} else {
		OUT('0');
		OUT('.');
		for (int i = 0; i < -exp - 1; i++)
			OUT('0');
		for (size_t i = 0; i < nd; i++)
			OUT(digits[i]);
	}
#undef OUT
	out[o] = '\0';
}

static void write_double(jw *w, double v, bool is32)
{
	char buf[64];
	format_float(buf, sizeof buf, v, is32);
	puts_(w, buf);
}

static void write_fmt(jw *w, const char *fmt, ...) BATON_PRINTF(2, 3);
static void write_fmt(jw *w, const char *fmt, ...)
{
	char buf[64];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	puts_(w, buf);
}

/* A fresh default instance of `desc` in scratch memory, for unset submessages that must print. */
static const ProtobufCMessage *default_instance(jw *w, const ProtobufCMessageDescriptor *desc)
{
	ProtobufCMessage *m = baton_arena_alloc(&w->scratch, desc->sizeof_message);
	if (m)
		protobuf_c_message_init(desc, m);
	else
		w->oom = true;
	return m;
}

/* One value of field f (a singular field, or one element of a repeated one) stored at v. */
static int write_value(jw *w, const ProtobufCFieldDescriptor *f, const void *v)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		write_fmt(w, "%" PRId32, *(const int32_t *)v);
		return 0;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		write_fmt(w, "%" PRIu32, *(const uint32_t *)v);
		return 0;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		write_fmt(w, "\"%" PRId64 "\"", *(const int64_t *)v);
		return 0;
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		write_fmt(w, "\"%" PRIu64 "\"", *(const uint64_t *)v);
		return 0;
	case PROTOBUF_C_TYPE_FLOAT:
		write_double(w, *(const float *)v, true);
		return 0;
	case PROTOBUF_C_TYPE_DOUBLE:
		write_double(w, *(const double *)v, false);
		return 0;
	case PROTOBUF_C_TYPE_BOOL:
		puts_(w, *(const protobuf_c_boolean *)v ? "true" : "false");
		return 0;
	case PROTOBUF_C_TYPE_ENUM: {
		const ProtobufCEnumDescriptor *ed = f->descriptor;
		int n = *(const int *)v;
		if (strcmp(ed->name, "google.protobuf.NullValue") == 0) {
			puts_(w, "null");
			return 0;
		}
		const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(ed, n);
		if (ev)
			write_string(w, ev->name);
		else
			write_fmt(w, "%d", n);
		return 0;
	}
	case PROTOBUF_C_TYPE_STRING:
		write_string(w, *(char *const *)v);
		return 0;
	case PROTOBUF_C_TYPE_BYTES: {
		const ProtobufCBinaryData *b = v;
		write_base64(w, b->data, b->len);
		return 0;
	}
	case PROTOBUF_C_TYPE_MESSAGE: {
		const ProtobufCMessage *m = *(ProtobufCMessage *const *)v;
		if (!m && !(m = default_instance(w, f->descriptor)))
			return baton__error_oom("protojson");
		return write_message(w, m);
	}
	}
	return fail(w, BATON_EINTERNAL, "field %s has unknown type %d", f->name, (int)f->type);
}

/* A map key as text: the string itself, or the number / bool formatted into buf. NULL for a type
 * that cannot be a map key. */
static const char *map_key_text(const ProtobufCFieldDescriptor *k, const ProtobufCMessage *entry,
                                char *buf, size_t cap)
{
	const void *v = baton__pb_member(entry, k);
	switch (k->type) {
	case PROTOBUF_C_TYPE_STRING: {
		const char *s = *(char *const *)v;
		return s ? s : "";
	}
	case PROTOBUF_C_TYPE_BOOL:
		return *(const protobuf_c_boolean *)v ? "true" : "false";
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		snprintf(buf, cap, "%" PRId32, *(const int32_t *)v);
		return buf;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		snprintf(buf, cap, "%" PRIu32, *(const uint32_t *)v);
		return buf;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		snprintf(buf, cap, "%" PRId64, *(const int64_t *)v);
		return buf;
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		snprintf(buf, cap, "%" PRIu64, *(const uint64_t *)v);
		return buf;
	default:
		return NULL;
	}
}

static int entry_cmp(const void *a, const void *b, const void *ctx)
{
	return baton__pb_map_key_cmp(ctx, a, b);
}

/* A map field as a JSON object, keys in Go's order; of entries with equal keys the last wins
 * (as when the wire form is parsed). */
static int write_map(jw *w, const ProtobufCFieldDescriptor *f, const ProtobufCMessage *const *arr,
                     size_t n)
{
	const ProtobufCMessageDescriptor *ed = f->descriptor;
	const ProtobufCMessage **sorted = NULL;
	int rc, count = 0;
	for (size_t i = 0; i < n; i++)
		if (!arr[i])
			return fail(w, BATON_EINVALID, "map entry %zu is NULL", i);
	if (n) {
		sorted = baton_arena_memdup(&w->scratch, arr, n * sizeof(*arr));
		void **tmp = baton_arena_alloc_raw(&w->scratch, n * sizeof(*tmp));
		if (!sorted || !tmp)
			return baton__error_oom("protojson map");
		baton__pb_sort_ptrs((void **)sorted, n, tmp, entry_cmp, ed);
	}
	if ((rc = open_(w, '{')) < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		const ProtobufCMessage *e = sorted[i];
		if (i + 1 < n && baton__pb_map_key_cmp(ed, e, sorted[i + 1]) == 0)
			continue;
		item(w, &count);
		char kbuf[32];
		const char *key = map_key_text(&ed->fields[0], e, kbuf, sizeof kbuf);
		if (!key)
			return fail(w, BATON_EINTERNAL, "map key of unsupported type %d",
			            (int)ed->fields[0].type);
		/* Values are written with U+FFFD for bad bytes, but keys that differ only there would
		 * come out equal: a JSON object no reader takes. Go refuses them too. */
		if (ed->fields[0].type == PROTOBUF_C_TYPE_STRING && !valid_utf8(key))
			return fail(w, BATON_EINVALID, "a map key is not valid UTF-8");
		write_string(w, key);
		putc_(w, ':');
		if (w->multiline)
			putc_(w, ' ');
		size_t mark = ed->fields[0].type == PROTOBUF_C_TYPE_STRING ?
			path_push(w, "[\"%s\"]", key) : path_push(w, "[%s]", key);
		rc = write_value(w, &ed->fields[1], baton__pb_member(e, &ed->fields[1]));
		path_pop(w, mark);
		if (rc < 0)
			return rc;
	}
	close_(w, '}', count);
	return 0;
}

/* The value of field f of m (present, or unpopulated with emit_unpopulated). */
static int write_field(jw *w, const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
	const void *v = baton__pb_member(m, f);
	int rc;
	if (f->label == PROTOBUF_C_LABEL_REPEATED) {
		size_t n = baton__pb_count(m, f);
		const void *arr = *(const void *const *)v;
		if (baton__pb_is_map(m->descriptor, f))
			return write_map(w, f, arr, n);
		size_t size = baton__pb_value_size(f->type);
		int count = 0;
		if ((rc = open_(w, '[')) < 0)
			return rc;
		for (size_t i = 0; i < n; i++) {
			item(w, &count);
			size_t mark = path_push(w, "[%zu]", i);
			rc = write_value(w, f, (const char *)arr + i * size);
			path_pop(w, mark);
			if (rc < 0)
				return rc;
		}
		close_(w, ']', count);
		return 0;
	}
	if (!baton__pb_has(m, f) && (f->type == PROTOBUF_C_TYPE_MESSAGE ||
	                             f->label == PROTOBUF_C_LABEL_OPTIONAL)) {
		puts_(w, "null"); /* unpopulated field with presence */
		return 0;
	}
	return write_value(w, f, v);
}

/* The fields of m, as members of an object already opened; *n counts the members written. */
static int write_fields(jw *w, const ProtobufCMessage *m, int *n)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	unsigned *order = baton_arena_alloc_raw(&w->scratch, (d->n_fields + 1) * sizeof(*order));
	char name[256];
	if (!order)
		return baton__error_oom("protojson");
	baton__pb_decl_order(d, order);
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[order[i]];
		if (!baton__pb_has(m, f) &&
		    (!w->emit_unpopulated || (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)))
			continue;
		baton__pb_json_name(f->name, name, sizeof name);
		item(w, n);
		write_string(w, name);
		putc_(w, ':');
		if (w->multiline)
			putc_(w, ' ');
		size_t mark = path_field(w, name);
		int rc = write_field(w, m, f);
		path_pop(w, mark);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* ---- well-known types ---- */

static int write_timestamp(jw *w, const Google__Protobuf__Timestamp *t)
{
	if (t->seconds < BATON_TIMESTAMP_MIN_SECONDS || t->seconds > BATON_TIMESTAMP_MAX_SECONDS)
		return fail(w, BATON_EINVALID, "google.protobuf.Timestamp: seconds %" PRId64
		            " out of range (years 1 to 9999)", t->seconds);
	if (t->nanos < 0 || t->nanos > 999999999)
		return fail(w, BATON_EINVALID, "google.protobuf.Timestamp: nanos %" PRId32
		            " out of range", t->nanos);
	int64_t days = t->seconds / 86400, rem = t->seconds % 86400;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	int64_t y;
	unsigned mo, d;
	baton__civil_from_days(days, &y, &mo, &d);
	char buf[64], frac[16] = "";
	if (t->nanos) {
		int32_t ns = t->nanos;
		int digits = 9;
		while (digits > 3 && ns % 1000 == 0) {
			ns /= 1000;
			digits -= 3;
		}
		snprintf(frac, sizeof frac, ".%0*" PRId32, digits, ns);
	}
	snprintf(buf, sizeof buf, "\"%04" PRId64 "-%02u-%02uT%02d:%02d:%02d%sZ\"", y, mo, d,
	         (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60), frac);
	puts_(w, buf);
	return 0;
}

static int write_duration(jw *w, const Google__Protobuf__Duration *du)
{
	int64_t s = du->seconds;
	int32_t ns = du->nanos;
	if (s < -BATON_DURATION_MAX_SECONDS || s > BATON_DURATION_MAX_SECONDS)
		return fail(w, BATON_EINVALID, "google.protobuf.Duration: seconds %" PRId64
		            " out of range", s);
	if (ns <= -1000000000 || ns >= 1000000000)
		return fail(w, BATON_EINVALID, "google.protobuf.Duration: nanos %" PRId32
		            " out of range", ns);
	if ((s > 0 && ns < 0) || (s < 0 && ns > 0))
		return fail(w, BATON_EINVALID, "google.protobuf.Duration: seconds %" PRId64
		            " and nanos %" PRId32 " have different signs", s, ns);
	bool neg = s < 0 || ns < 0;
	uint64_t as = (uint64_t)(s < 0 ? -s : s);
	int32_t an = ns < 0 ? -ns : ns;
	char frac[16] = "";
	if (an) {
		int digits = 9;
		while (digits > 3 && an % 1000 == 0) {
			an /= 1000;
			digits -= 3;
		}
		snprintf(frac, sizeof frac, ".%0*" PRId32, digits, an);
	}
	write_fmt(w, "\"%s%" PRIu64 "%ss\"", neg ? "-" : "", as, frac);
	return 0;
}

static int write_struct(jw *w, const Google__Protobuf__Struct *st)
{
	const ProtobufCFieldDescriptor *f = &google__protobuf__struct__descriptor.fields[0];
	return write_map(w, f, (const ProtobufCMessage *const *)st->fields, st->n_fields);
}

static int write_list(jw *w, const Google__Protobuf__ListValue *l)
{
	int rc, count = 0;
	if ((rc = open_(w, '[')) < 0)
		return rc;
	for (size_t i = 0; i < l->n_values; i++) {
		item(w, &count);
		size_t mark = path_push(w, "[%zu]", i);
		if (l->values[i])
			rc = write_message(w, &l->values[i]->base);
		else
			rc = fail(w, BATON_EINVALID, "google.protobuf.Value: none of the oneof fields is set");
		path_pop(w, mark);
		if (rc < 0)
			return rc;
	}
	close_(w, ']', count);
	return 0;
}

static int write_value_wkt(jw *w, const Google__Protobuf__Value *v)
{
	switch (v->kind_case) {
	case GOOGLE__PROTOBUF__VALUE__KIND_NULL_VALUE:
		puts_(w, "null");
		return 0;
	case GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE:
		if (isnan(v->number_value) || isinf(v->number_value))
			return fail(w, BATON_EINVALID, "google.protobuf.Value: invalid number %g",
			            v->number_value);
		write_double(w, v->number_value, false);
		return 0;
	case GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE:
		write_string(w, v->string_value);
		return 0;
	case GOOGLE__PROTOBUF__VALUE__KIND_BOOL_VALUE:
		puts_(w, v->bool_value ? "true" : "false");
		return 0;
	case GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE:
		if (!v->struct_value) {
			puts_(w, "{}");
			return 0;
		}
		return write_struct(w, v->struct_value);
	case GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE:
		if (!v->list_value) {
			puts_(w, "[]");
			return 0;
		}
		return write_list(w, v->list_value);
	default:
		return fail(w, BATON_EINVALID, "google.protobuf.Value: none of the oneof fields is set");
	}
}

/* A protobuf full name: identifiers ([A-Za-z_][A-Za-z0-9_]*) joined by dots, as Go requires of
 * a FieldMask path before writing it (anything else cannot be read back). */
static bool valid_full_name(const char *p)
{
	bool seg_start = true;
	for (; *p; p++) {
		char c = *p;
		if (c == '.') {
			if (seg_start)
				return false;
			seg_start = true;
			continue;
		}
		bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
		if (!letter && !(!seg_start && c >= '0' && c <= '9'))
			return false;
		seg_start = false;
	}
	return !seg_start;
}

static int write_field_mask(jw *w, const Google__Protobuf__FieldMask *fm)
{
	size_t total = 0;
	for (size_t i = 0; i < fm->n_paths; i++) {
		const char *p = fm->paths[i] ? fm->paths[i] : "";
		if (!valid_full_name(p))
			return fail(w, BATON_EINVALID, "google.protobuf.FieldMask.paths contains invalid path: \"%s\"", p);
		/* Only paths that survive camelCase and back are representable. */
		for (const char *c = p; *c; c++) {
			if ((*c >= 'A' && *c <= 'Z') || (*c == '_' && !(c[1] >= 'a' && c[1] <= 'z')))
				return fail(w, BATON_EINVALID,
				            "google.protobuf.FieldMask.paths contains irreversible value \"%s\"", p);
		}
		total += strlen(p) + 1;
	}
	char *joined = baton_arena_alloc_raw(&w->scratch, total + 1);
	if (!joined)
		return baton__error_oom("protojson");
	size_t o = 0;
	for (size_t i = 0; i < fm->n_paths; i++) {
		if (i)
			joined[o++] = ',';
		baton__pb_json_name(fm->paths[i] ? fm->paths[i] : "", joined + o, total + 1 - o);
		o += strlen(joined + o);
	}
	joined[o] = '\0';
	write_string(w, joined);
	return 0;
}

static int write_any(jw *w, const Google__Protobuf__Any *any)
{
	const char *url = any->type_url ? any->type_url : "";
	int rc, count = 0;
	if (!*url) {
		if (any->value.len)
			return fail(w, BATON_EINVALID, "google.protobuf.Any: type_url is not set");
		puts_(w, "{}");
		return 0;
	}
	const ProtobufCMessageDescriptor *desc = baton__registry_find_url(url);
	if (!desc)
		return fail(w, BATON_EUNIMPLEMENTED, "google.protobuf.Any: unknown message type \"%s\"", url);
	ProtobufCMessage *inner;
	if ((rc = baton__pb_unpack(&w->scratch, desc, any->value.data, any->value.len, &inner)) < 0) {
		/* the reason (too deep, malformed) goes with it */
		char why[256];
		snprintf(why, sizeof(why), "%s", baton_error_last()->message);
		return fail(w, rc, "google.protobuf.Any: cannot decode \"%s\" (%zu bytes): %s", url,
		            any->value.len, why);
	}
	if ((rc = open_(w, '{')) < 0)
		return rc;
	item(w, &count);
	write_string(w, "@type");
	puts_(w, w->multiline ? ": " : ":");
	write_string(w, url);
	if (baton__pb_wkt(desc) != BATON_WKT_NONE) {
		item(w, &count);
		write_string(w, "value");
		puts_(w, w->multiline ? ": " : ":");
		size_t mark = path_field(w, "value");
		rc = write_message(w, inner);
		path_pop(w, mark);
	} else {
		rc = write_fields(w, inner, &count);
	}
	if (rc < 0)
		return rc;
	close_(w, '}', count);
	return 0;
}

/* A message value: its special form for a well-known type, else an object of its fields. */
static int write_message(jw *w, const ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	int rc, count = 0;
	switch (baton__pb_wkt(d)) {
	case BATON_WKT_ANY:
		return write_any(w, (const Google__Protobuf__Any *)m);
	case BATON_WKT_TIMESTAMP:
		return write_timestamp(w, (const Google__Protobuf__Timestamp *)m);
	case BATON_WKT_DURATION:
		return write_duration(w, (const Google__Protobuf__Duration *)m);
	case BATON_WKT_WRAPPER:
		return write_value(w, &d->fields[0], baton__pb_member(m, &d->fields[0]));
	case BATON_WKT_STRUCT:
		return write_struct(w, (const Google__Protobuf__Struct *)m);
	case BATON_WKT_LIST:
		return write_list(w, (const Google__Protobuf__ListValue *)m);
	case BATON_WKT_VALUE:
		return write_value_wkt(w, (const Google__Protobuf__Value *)m);
	case BATON_WKT_FIELDMASK:
		return write_field_mask(w, (const Google__Protobuf__FieldMask *)m);
	case BATON_WKT_EMPTY:
	case BATON_WKT_NONE:
		break;
	}
	if ((rc = open_(w, '{')) < 0)
		return rc;
	if ((rc = write_fields(w, m, &count)) < 0)
		return rc;
	close_(w, '}', count);
	return 0;
}

/* ---- entry points ---- */

/* Writes msg into a malloc'd buffer (*buf, NUL-terminated; caller frees). */
static int write_to_buffer(const ProtobufCMessage *msg, const baton_protojson_opts *opts,
                           char **buf, size_t *len)
{
	jw w;
	memset(&w, 0, sizeof w);
	w.multiline = opts && opts->multiline;
	w.emit_unpopulated = opts && opts->emit_unpopulated;
	baton_arena_init(&w.scratch);
	*buf = NULL;
	*len = 0;
	int rc = msg ? write_message(&w, msg) : (puts_(&w, "{}"), 0);
	baton_arena_release(&w.scratch);
	if (rc == 0 && w.oom)
		rc = baton__error_oom("protojson output");
	if (rc == 0) {
		putc_(&w, '\0');
		if (w.oom)
			rc = baton__error_oom("protojson output");
	}
	if (rc < 0) {
		free(w.buf);
		return rc;
	}
	*buf = w.buf;
	*len = w.len - 1;
	return 0;
}

int baton__protojson_write(baton_arena *arena, const ProtobufCMessage *msg,
                           const baton_protojson_opts *opts, char **out, size_t *out_len)
{
	char *buf;
	size_t len;
	*out = NULL;
	if (out_len)
		*out_len = 0;
	int rc = write_to_buffer(msg, opts, &buf, &len);
	if (rc < 0)
		return rc;
	*out = baton_arena_strndup(arena, buf, len);
	free(buf);
	if (!*out)
		return baton__error_oom("protojson output");
	if (out_len)
		*out_len = len;
	return 0;
}

json_t *baton__protojson_to_jansson(const ProtobufCMessage *msg, const baton_protojson_opts *opts)
{
	char *buf;
	size_t len;
	baton_protojson_opts o = {false, opts ? opts->emit_unpopulated : false};
	if (write_to_buffer(msg, &o, &buf, &len) < 0)
		return NULL;
	json_t *j = baton__protojson_load(buf, len, JSON_DECODE_ANY);
	free(buf);
	return j;
}
