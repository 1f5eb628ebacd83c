/*
 * JSON for `baton explorer`: a growing buffer, and protobuf-c messages written the way Go's
 * encoding/json writes the generated structs (the Go explorer answers with gin's c.JSON, which is
 * encoding/json, not protojson).
 */
#include "explorer.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "google/protobuf/struct.pb-c.h"

void xb_free(xbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static bool xb_grow(xbuf *b, size_t more)
{
	if (b->oom)
		return false;
	if (b->len + more + 1 <= b->cap)
		return true;
	size_t ncap = b->cap ? b->cap : 4096;
	while (ncap < b->len + more + 1)
		ncap *= 2;
	char *n = realloc(b->p, ncap);
	if (!n) {
		b->oom = true;
		return false;
	}
	b->p = n;
	b->cap = ncap;
	return true;
}

void xb_putn(xbuf *b, const char *s, size_t n)
{
	if (!xb_grow(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void xb_puts(xbuf *b, const char *s)
{
	xb_putn(b, s, strlen(s));
}

void xb_printf(xbuf *b, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		xb_putn(b, small, (size_t)n);
		return;
	}
	if (!xb_grow(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void xb_str(xbuf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	xb_putn(b, "\"", 1);
	while (*p) {
		const unsigned char *run = p;
		while (*p >= 0x20 && *p != '"' && *p != '\\' && *p != '<' && *p != '>' && *p != '&')
			p++;
		if (p > run)
			xb_putn(b, (const char *)run, (size_t)(p - run));
		if (!*p)
			break;
		char esc[7];
		switch (*p) {
		case '"': xb_putn(b, "\\\"", 2); break;
		case '\\': xb_putn(b, "\\\\", 2); break;
		case '\n': xb_putn(b, "\\n", 2); break;
		case '\r': xb_putn(b, "\\r", 2); break;
		case '\t': xb_putn(b, "\\t", 2); break;
		default:
			esc[0] = '\\';
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[*p >> 4];
			esc[5] = hex[*p & 15];
			xb_putn(b, esc, 6);
		}
		p++;
	}
	xb_putn(b, "\"", 1);
}

static void xb_base64(xbuf *b, const uint8_t *d, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	xb_putn(b, "\"", 1);
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)d[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)d[i + 1] << 8;
		if (i + 2 < n)
			v |= d[i + 2];
		char q[4] = {tab[(v >> 18) & 63], tab[(v >> 12) & 63], i + 1 < n ? tab[(v >> 6) & 63] : '=',
		             i + 2 < n ? tab[v & 63] : '='};
		xb_putn(b, q, 4);
	}
	xb_putn(b, "\"", 1);
}

/*
 * A double as Go's encoding/json (and protojson) writes it: the shortest digits that read back the
 * same value, in plain notation for 1e-6 <= |v| < 1e21, else as 1e+21 / 1.5e-7. Not finite: null.
 */
static void xb_double(xbuf *b, double v)
{
	if (!isfinite(v)) {
		xb_puts(b, "null");
		return;
	}
	if (v == 0) {
		xb_puts(b, signbit(v) ? "-0" : "0");
		return;
	}
	char e[48];
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(e, sizeof(e), "%.*e", prec - 1, v);
		if (strtod(e, NULL) == v)
			break;
	}
	double a = fabs(v);
	if (a < 1e-6 || a >= 1e21) {
		/* C's %e has Go's shape (at least two exponent digits); Go drops the 0 of "e-0N". */
		char *x = strchr(e, 'e');
		if (x && x[1] == '-' && x[2] == '0' && x[3])
			memmove(x + 2, x + 3, strlen(x + 3) + 1);
		xb_puts(b, e);
		return;
	}
	/* Plain notation from the digits and the exponent of e. */
	char digits[24];
	size_t nd = 0;
	const char *p = e;
	bool neg = *p == '-';
	if (neg)
		p++;
	for (; *p && *p != 'e'; p++) {
		if (*p >= '0' && *p <= '9' && nd + 1 < sizeof(digits))
			digits[nd++] = *p;
	}
	digits[nd] = '\0';
	int exp10 = *p == 'e' ? atoi(p + 1) : 0;
	while (nd > 1 && digits[nd - 1] == '0')
		digits[--nd] = '\0';
	if (neg)
		xb_putn(b, "-", 1);
	if (exp10 < 0) {
		xb_putn(b, "0.", 2);
		for (int i = -1; i > exp10; i--)
			xb_putn(b, "0", 1);
		xb_putn(b, digits, nd);
		return;
	}
	size_t whole = (size_t)exp10 + 1;
	if (nd <= whole) {
		xb_putn(b, digits, nd);
		for (size_t i = nd; i < whole; i++)
			xb_putn(b, "0", 1);
	} else {
		xb_putn(b, digits, whole);
		xb_putn(b, ".", 1);
		xb_putn(b, digits + whole, nd - whole);
	}
}

/* One scalar/message value of a field at address p. */
static void field_value(xbuf *b, const ProtobufCFieldDescriptor *fd, const void *p)
{
	switch (fd->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_ENUM:
		xb_printf(b, "%d", (int)*(const int32_t *)p);
		break;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		xb_printf(b, "%u", (unsigned)*(const uint32_t *)p);
		break;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		xb_printf(b, "%lld", (long long)*(const int64_t *)p);
		break;
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		xb_printf(b, "%llu", (unsigned long long)*(const uint64_t *)p);
		break;
	case PROTOBUF_C_TYPE_FLOAT:
		xb_double(b, (double)*(const float *)p);
		break;
	case PROTOBUF_C_TYPE_DOUBLE:
		xb_double(b, *(const double *)p);
		break;
	case PROTOBUF_C_TYPE_BOOL:
		xb_puts(b, *(const protobuf_c_boolean *)p ? "true" : "false");
		break;
	case PROTOBUF_C_TYPE_STRING:
		xb_str(b, *(char *const *)p);
		break;
	case PROTOBUF_C_TYPE_BYTES: {
		const ProtobufCBinaryData *bd = p;
		xb_base64(b, bd->data, bd->len);
		break;
	}
	case PROTOBUF_C_TYPE_MESSAGE:
		xb_msg(b, *(ProtobufCMessage *const *)p);
		break;
	}
}

/* Whether a singular value is Go's zero value (left out under omitempty). */
static bool is_zero(const ProtobufCFieldDescriptor *fd, const void *p)
{
	switch (fd->type) {
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		return *(const uint64_t *)p == 0;
	case PROTOBUF_C_TYPE_FLOAT:
		return *(const float *)p == 0;
	case PROTOBUF_C_TYPE_DOUBLE:
		return *(const double *)p == 0;
	case PROTOBUF_C_TYPE_BOOL:
		return !*(const protobuf_c_boolean *)p;
	case PROTOBUF_C_TYPE_STRING: {
		const char *s = *(char *const *)p;
		return !s || !*s;
	}
	case PROTOBUF_C_TYPE_BYTES:
		return ((const ProtobufCBinaryData *)p)->len == 0;
	case PROTOBUF_C_TYPE_MESSAGE:
		return *(ProtobufCMessage *const *)p == NULL;
	default:
		return *(const uint32_t *)p == 0;
	}
}

static size_t type_size(ProtobufCType t)
{
	switch (t) {
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_DOUBLE:
		return 8;
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(void *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	default:
		return 4;
	}
}

static bool is_map_entry(const ProtobufCMessageDescriptor *d)
{
	size_t n = strlen(d->name);
	return n > 5 && strcmp(d->name + n - 5, "Entry") == 0 && d->n_fields == 2 &&
	       strcmp(d->fields[0].name, "key") == 0 && strcmp(d->fields[1].name, "value") == 0;
}

static int cmp_entry(const void *a, const void *b)
{
	const ProtobufCMessage *ma = *(ProtobufCMessage *const *)a, *mb = *(ProtobufCMessage *const *)b;
	const char *ka = *(char *const *)((const char *)ma + ma->descriptor->fields[0].offset);
	const char *kb = *(char *const *)((const char *)mb + mb->descriptor->fields[0].offset);
	return strcmp(ka ? ka : "", kb ? kb : "");
}

/* A map field (repeated XEntry): an object sorted by key (string keys; others as text). */
static void map_value(xbuf *b, ProtobufCMessage *const *entries, size_t n)
{
	ProtobufCMessage **sorted = malloc(n * sizeof(*sorted));
	if (!sorted) {
		b->oom = true;
		return;
	}
	memcpy(sorted, entries, n * sizeof(*sorted));
	const ProtobufCFieldDescriptor *kf = &entries[0]->descriptor->fields[0];
	if (kf->type == PROTOBUF_C_TYPE_STRING)
		qsort(sorted, n, sizeof(*sorted), cmp_entry);
	xb_putn(b, "{", 1);
	for (size_t i = 0; i < n; i++) {
		const char *base = (const char *)sorted[i];
		const ProtobufCFieldDescriptor *vf = &sorted[i]->descriptor->fields[1];
		if (i)
			xb_putn(b, ",", 1);
		if (kf->type == PROTOBUF_C_TYPE_STRING) {
			xb_str(b, *(char *const *)(base + kf->offset));
		} else {
			xbuf k = {0};
			field_value(&k, kf, base + kf->offset);
			xb_str(b, k.p ? k.p : "");
			xb_free(&k);
		}
		xb_putn(b, ":", 1);
		field_value(b, vf, base + vf->offset);
	}
	xb_putn(b, "}", 1);
	free(sorted);
}

static void write_pjson_value(xbuf *b, const Google__Protobuf__Value *v);

static int cmp_field_entry(const void *a, const void *b)
{
	const Google__Protobuf__Struct__FieldsEntry *x = *(Google__Protobuf__Struct__FieldsEntry *const *)a;
	const Google__Protobuf__Struct__FieldsEntry *y = *(Google__Protobuf__Struct__FieldsEntry *const *)b;
	return strcmp(x->key ? x->key : "", y->key ? y->key : "");
}

static void write_pjson_struct(xbuf *b, const Google__Protobuf__Struct *s)
{
	size_t n = s ? s->n_fields : 0;
	Google__Protobuf__Struct__FieldsEntry **sorted = n ? malloc(n * sizeof(*sorted)) : NULL;
	if (n && !sorted) {
		b->oom = true;
		return;
	}
	if (n) {
		memcpy(sorted, s->fields, n * sizeof(*sorted));
		qsort(sorted, n, sizeof(*sorted), cmp_field_entry);
	}
	xb_putn(b, "{", 1);
	for (size_t i = 0; i < n; i++) {
		if (i)
			xb_putn(b, ",", 1);
		xb_str(b, sorted[i]->key);
		xb_putn(b, ":", 1);
		write_pjson_value(b, sorted[i]->value);
	}
	xb_putn(b, "}", 1);
	free(sorted);
}

static void write_pjson_list(xbuf *b, const Google__Protobuf__ListValue *l)
{
	xb_putn(b, "[", 1);
	for (size_t i = 0; l && i < l->n_values; i++) {
		if (i)
			xb_putn(b, ",", 1);
		write_pjson_value(b, l->values[i]);
	}
	xb_putn(b, "]", 1);
}

static void write_pjson_value(xbuf *b, const Google__Protobuf__Value *v)
{
	switch (v ? v->kind_case : GOOGLE__PROTOBUF__VALUE__KIND__NOT_SET) {
	case GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE:
		xb_double(b, v->number_value);
		break;
	case GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE:
		xb_str(b, v->string_value);
		break;
	case GOOGLE__PROTOBUF__VALUE__KIND_BOOL_VALUE:
		xb_puts(b, v->bool_value ? "true" : "false");
		break;
	case GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE:
		write_pjson_struct(b, v->struct_value);
		break;
	case GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE:
		write_pjson_list(b, v->list_value);
		break;
	default: /* null, and a Value with no kind (Go's protojson refuses it) */
		xb_puts(b, "null");
		break;
	}
}

/*
 * google.protobuf.Struct, Value and ListValue: their Go types implement json.Marshaler with
 * protojson (protobuf-go v1.36), so encoding/json writes them as plain JSON — {"k":1,"s":"x"} —
 * compacted, keys sorted. False for other messages.
 */
static bool write_struct_types(xbuf *b, const ProtobufCMessage *m)
{
	if (m->descriptor == &google__protobuf__struct__descriptor)
		write_pjson_struct(b, (const Google__Protobuf__Struct *)m);
	else if (m->descriptor == &google__protobuf__value__descriptor)
		write_pjson_value(b, (const Google__Protobuf__Value *)m);
	else if (m->descriptor == &google__protobuf__list_value__descriptor)
		write_pjson_list(b, (const Google__Protobuf__ListValue *)m);
	else
		return false;
	return true;
}

void xb_msg(xbuf *b, const ProtobufCMessage *m)
{
	if (!m) {
		xb_puts(b, "null");
		return;
	}
	if (write_struct_types(b, m))
		return;
	const ProtobufCMessageDescriptor *d = m->descriptor;
	const char *base = (const char *)m;
	bool first = true;
	xb_putn(b, "{", 1);
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *fd = &d->fields[i];
		const void *p = base + fd->offset;

		if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = *(const size_t *)(base + fd->quantifier_offset);
			if (!n)
				continue;
			const char *arr = *(char *const *)p;
			if (!first)
				xb_putn(b, ",", 1);
			first = false;
			xb_str(b, fd->name);
			xb_putn(b, ":", 1);
			if (fd->type == PROTOBUF_C_TYPE_MESSAGE && is_map_entry(fd->descriptor)) {
				map_value(b, (ProtobufCMessage *const *)arr, n);
				continue;
			}
			xb_putn(b, "[", 1);
			for (size_t j = 0; j < n; j++) {
				if (j)
					xb_putn(b, ",", 1);
				field_value(b, fd, arr + j * type_size(fd->type));
			}
			xb_putn(b, "]", 1);
			continue;
		}
		if (fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
			if (*(const uint32_t *)(base + fd->quantifier_offset) != fd->id)
				continue;
		} else if (fd->label == PROTOBUF_C_LABEL_OPTIONAL && fd->quantifier_offset &&
		           fd->type != PROTOBUF_C_TYPE_MESSAGE && fd->type != PROTOBUF_C_TYPE_STRING) {
			if (!*(const protobuf_c_boolean *)(base + fd->quantifier_offset))
				continue;
		} else if (is_zero(fd, p)) {
			continue;
		}
		if (!first)
			xb_putn(b, ",", 1);
		first = false;
		xb_str(b, fd->name);
		xb_putn(b, ":", 1);
		field_value(b, fd, p);
	}
	xb_putn(b, "}", 1);
}
