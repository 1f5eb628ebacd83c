/*
 * protojson reader: parses with jansson, then fills protobuf-c messages in an arena by walking
 * their descriptors. Accepts what Go's protojson.Unmarshal accepts (see protojson.h), with the
 * limits noted at each parser.
 */
#include "proto/protojson.h"

#include <errno.h>
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

typedef struct jr {
	baton_arena *arena;
	int depth;
	char path[1024]; /* field path for error messages: "annotations[0].emails[1].address" */
	size_t plen;
} jr;

static int read_message(jr *r, const ProtobufCMessageDescriptor *d, json_t *j,
                        ProtobufCMessage **out);
static int read_fields(jr *r, ProtobufCMessage *m, json_t *obj, bool skip_type);

/* ---- errors and paths ---- */

static size_t path_push(jr *r, const char *fmt, ...) BATON_PRINTF(2, 3);
static size_t path_push(jr *r, const char *fmt, ...)
{
	size_t old = r->plen;
	if (r->plen + 1 < sizeof r->path) {
		va_list ap;
		va_start(ap, fmt);
		int k = vsnprintf(r->path + r->plen, sizeof r->path - r->plen, fmt, ap);
		va_end(ap);
		if (k > 0)
			r->plen += (size_t)k < sizeof r->path - r->plen ? (size_t)k : sizeof r->path - r->plen - 1;
	}
	return old;
}

static size_t path_field(jr *r, const char *name)
{
	return r->plen ? path_push(r, ".%s", name) : path_push(r, "%s", name);
}

static void path_pop(jr *r, size_t old)
{
	r->plen = old;
	r->path[old] = '\0';
}

static int fail(jr *r, int code, const char *fmt, ...) BATON_PRINTF(3, 4);
static int fail(jr *r, int code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (r->plen)
		return baton_error_set(code, "%s: %s", r->path, msg);
	return baton_error_set(code, "%s", msg);
}

static const char *json_kind(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		return "object";
	case JSON_ARRAY:
		return "array";
	case JSON_STRING:
		return "string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "boolean";
	case JSON_NULL:
		return "null";
	}
	return "?";
}

static int expected(jr *r, const char *what, const json_t *j)
{
	return fail(r, BATON_EINVALID, "expected %s, got %s", what, json_kind(j));
}

static int oom(void)
{
	return baton__error_oom("protojson read");
}

/* ---- numbers ---- */

/* Whether s is a JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool is_json_number(const char *s)
{
	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		while (*s >= '0' && *s <= '9')
			s++;
	else
		return false;
	if (*s == '.') {
		s++;
		if (!(*s >= '0' && *s <= '9'))
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!(*s >= '0' && *s <= '9'))
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return *s == '\0';
}

/* Whether s is a plain decimal integer: -?[0-9]+ (leading zeros tolerated). */
static bool is_plain_int(const char *s)
{
	if (*s == '-')
		s++;
	if (!(*s >= '0' && *s <= '9'))
		return false;
	while (*s >= '0' && *s <= '9')
		s++;
	return *s == '\0';
}

/*
 * An integer field's value: a JSON number or a string holding one, which must be integral and in
 * [lo, hi] (signed) or [0, uhi] (unsigned). Integral numbers in exponent or fraction form ("1e3",
 * "2.0") are accepted as Go does; beyond 2^53 those are exact only when written plainly.
 */
static int parse_int(jr *r, json_t *j, bool is_signed, int64_t lo, int64_t hi, uint64_t uhi,
                     int64_t *sv, uint64_t *uv)
{
	double d;
	const char *s = NULL;
	if (json_is_integer(j)) {
		json_int_t v = json_integer_value(j);
		if (is_signed ? (v < lo || v > hi) : (v < 0 || (uint64_t)v > uhi))
			return fail(r, BATON_EINVALID, "integer %" JSON_INTEGER_FORMAT " out of range", v);
		*sv = v;
		*uv = (uint64_t)v;
		return 0;
	}
	if (json_is_string(j)) {
		s = json_string_value(j);
		if (is_plain_int(s)) {
			char *end;
			errno = 0;
			if (is_signed) {
				long long v = strtoll(s, &end, 10);
				if (errno || v < lo || v > hi)
					return fail(r, BATON_EINVALID, "integer \"%s\" out of range", s);
				*sv = v;
			} else {
				if (*s == '-' && strspn(s + 1, "0") != strlen(s + 1))
					return fail(r, BATON_EINVALID, "integer \"%s\" out of range", s);
				unsigned long long v = strtoull(*s == '-' ? s + 1 : s, &end, 10);
				if (errno || v > uhi)
					return fail(r, BATON_EINVALID, "integer \"%s\" out of range", s);
				*uv = v;
			}
			return 0;
		}
		if (!is_json_number(s))
			return fail(r, BATON_EINVALID, "invalid integer \"%s\"", s);
		d = strtod(s, NULL);
	} else if (json_is_real(j)) {
		d = json_real_value(j);
	} else {
		return expected(r, "integer", j);
	}
	if (d != floor(d) || isinf(d))
		return s ? fail(r, BATON_EINVALID, "invalid integer \"%s\"", s)
		         : fail(r, BATON_EINVALID, "invalid integer %.17g", d);
	if (is_signed) {
		if (d < (double)lo || d >= -(double)INT64_MIN || (int64_t)d > hi)
			return fail(r, BATON_EINVALID, "integer %.17g out of range", d);
		*sv = (int64_t)d;
	} else {
		if (d < 0 || d >= 18446744073709551616.0 || (uint64_t)d > uhi)
			return fail(r, BATON_EINVALID, "integer %.17g out of range", d);
		*uv = (uint64_t)d;
	}
	return 0;
}

/* A float/double field: a number, a numeric string, or "NaN", "Infinity", "-Infinity". */
static int parse_float(jr *r, json_t *j, bool is32, double *out)
{
	double d;
	if (json_is_integer(j)) {
		d = (double)json_integer_value(j);
	} else if (json_is_real(j)) {
		d = json_real_value(j);
	} else if (json_is_string(j)) {
		const char *s = json_string_value(j);
		if (strcmp(s, "NaN") == 0)
			d = NAN;
		else if (strcmp(s, "Infinity") == 0)
			d = INFINITY;
		else if (strcmp(s, "-Infinity") == 0)
			d = -INFINITY;
		else if (is_json_number(s)) {
			d = strtod(s, NULL);
			if (isinf(d))
				return fail(r, BATON_EINVALID, "number \"%s\" out of range", s);
		} else
			return fail(r, BATON_EINVALID, "invalid number \"%s\"", s);
	} else {
		return expected(r, "number", j);
	}
	/* Out of range for float: rounds to infinity, i.e. at or beyond the midpoint between FLT_MAX
	 * and 2^128 (ties go to the even neighbour, 2^128). */
	if (is32 && isfinite(d) && fabs(d) >= 0x1.ffffffp+127)
		return fail(r, BATON_EINVALID, "number %.17g out of range for float", d);
	*out = d;
	return 0;
}

/* ---- bytes ---- */

static int b64_val(unsigned char c, bool url)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == (url ? '-' : '+'))
		return 62;
	if (c == (url ? '_' : '/'))
		return 63;
	return -1;
}

/* Standard or URL-safe base64 (chosen by the presence of '-' or '_', as Go does), padded or not. */
static int parse_base64(jr *r, const char *s, size_t n, ProtobufCBinaryData *out)
{
	bool url = strpbrk(s, "-_") != NULL;
	size_t len = n;
	if (n % 4 == 0) {
		while (len > 0 && n - len < 2 && s[len - 1] == '=')
			len--;
	}
	if (len % 4 == 1)
		return fail(r, BATON_EINVALID, "invalid base64 data");
	uint8_t *buf = baton_arena_alloc_raw(r->arena, len / 4 * 3 + 3);
	if (!buf)
		return oom();
	size_t o = 0;
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < len; i++) {
		int v = b64_val((unsigned char)s[i], url);
		if (v < 0)
			return fail(r, BATON_EINVALID, "invalid base64 data (bad character at offset %zu)", i);
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[o++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	out->data = buf;
	out->len = o;
	return 0;
}

/* ---- scalars and field values ---- */

static char *dup_string(jr *r, json_t *j)
{
	return baton_arena_strndup(r->arena, json_string_value(j), json_string_length(j));
}

/* One value of field f (singular, or one element / map value) from j, stored at dst. */
static int read_value(jr *r, const ProtobufCFieldDescriptor *f, json_t *j, void *dst)
{
	int64_t sv = 0;
	uint64_t uv = 0;
	double d;
	int rc;
	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		if ((rc = parse_int(r, j, true, INT32_MIN, INT32_MAX, 0, &sv, &uv)) < 0)
			return rc;
		*(int32_t *)dst = (int32_t)sv;
		return 0;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		if ((rc = parse_int(r, j, false, 0, 0, UINT32_MAX, &sv, &uv)) < 0)
			return rc;
		*(uint32_t *)dst = (uint32_t)uv;
		return 0;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		if ((rc = parse_int(r, j, true, INT64_MIN, INT64_MAX, 0, &sv, &uv)) < 0)
			return rc;
		*(int64_t *)dst = sv;
		return 0;
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		if ((rc = parse_int(r, j, false, 0, 0, UINT64_MAX, &sv, &uv)) < 0)
			return rc;
		*(uint64_t *)dst = uv;
		return 0;
	case PROTOBUF_C_TYPE_FLOAT:
		if ((rc = parse_float(r, j, true, &d)) < 0)
			return rc;
		*(float *)dst = (float)d;
		return 0;
	case PROTOBUF_C_TYPE_DOUBLE:
		if ((rc = parse_float(r, j, false, &d)) < 0)
			return rc;
		*(double *)dst = d;
		return 0;
	case PROTOBUF_C_TYPE_BOOL:
		if (!json_is_boolean(j))
			return expected(r, "boolean", j);
		*(protobuf_c_boolean *)dst = json_is_true(j);
		return 0;
	case PROTOBUF_C_TYPE_ENUM: {
		const ProtobufCEnumDescriptor *ed = f->descriptor;
		if (json_is_null(j) && strcmp(ed->name, "google.protobuf.NullValue") == 0) {
			*(int *)dst = 0;
			return 0;
		}
		if (json_is_string(j)) {
			const ProtobufCEnumValue *ev =
				protobuf_c_enum_descriptor_get_value_by_name(ed, json_string_value(j));
			if (!ev)
				return fail(r, BATON_EINVALID, "invalid value for enum %s: \"%s\"", ed->name,
				            json_string_value(j));
			*(int *)dst = ev->value;
			return 0;
		}
		if (json_is_integer(j)) {
			if ((rc = parse_int(r, j, true, INT32_MIN, INT32_MAX, 0, &sv, &uv)) < 0)
				return rc;
			*(int *)dst = (int)sv;
			return 0;
		}
		return expected(r, "enum name or number", j);
	}
	case PROTOBUF_C_TYPE_STRING:
		if (!json_is_string(j))
			return expected(r, "string", j);
		if (!(*(char **)dst = dup_string(r, j)))
			return oom();
		return 0;
	case PROTOBUF_C_TYPE_BYTES:
		if (!json_is_string(j))
			return expected(r, "base64 string", j);
		return parse_base64(r, json_string_value(j), json_string_length(j), dst);
	case PROTOBUF_C_TYPE_MESSAGE:
		return read_message(r, f->descriptor, j, (ProtobufCMessage **)dst);
	}
	return fail(r, BATON_EINTERNAL, "field %s has unknown type %d", f->name, (int)f->type);
}

/* A map key from its JSON object key text, into the entry's key field. */
static int read_map_key(jr *r, const ProtobufCFieldDescriptor *k, const char *key, void *dst)
{
	int64_t sv = 0;
	uint64_t uv = 0;
	int rc;
	if (k->type == PROTOBUF_C_TYPE_STRING) {
		if (!(*(char **)dst = baton_arena_strdup(r->arena, key)))
			return oom();
		return 0;
	}
	if (k->type == PROTOBUF_C_TYPE_BOOL) {
		if (strcmp(key, "true") != 0 && strcmp(key, "false") != 0)
			return fail(r, BATON_EINVALID, "invalid boolean map key \"%s\"", key);
		*(protobuf_c_boolean *)dst = key[0] == 't';
		return 0;
	}
	if (!is_plain_int(key))
		return fail(r, BATON_EINVALID, "invalid integer map key \"%s\"", key);
	json_t *s = json_string(key);
	if (!s)
		return oom();
	size_t size = baton__pb_value_size(k->type);
	bool is_signed = k->type == PROTOBUF_C_TYPE_INT32 || k->type == PROTOBUF_C_TYPE_SINT32 ||
	                 k->type == PROTOBUF_C_TYPE_SFIXED32 || k->type == PROTOBUF_C_TYPE_INT64 ||
	                 k->type == PROTOBUF_C_TYPE_SINT64 || k->type == PROTOBUF_C_TYPE_SFIXED64;
	if (is_signed)
		rc = parse_int(r, s, true, size == 4 ? INT32_MIN : INT64_MIN,
		               size == 4 ? INT32_MAX : INT64_MAX, 0, &sv, &uv);
	else
		rc = parse_int(r, s, false, 0, 0, size == 4 ? UINT32_MAX : UINT64_MAX, &sv, &uv);
	json_decref(s);
	if (rc < 0)
		return rc;
	if (size == 4)
		*(uint32_t *)dst = is_signed ? (uint32_t)(int32_t)sv : (uint32_t)uv;
	else
		*(uint64_t *)dst = is_signed ? (uint64_t)sv : uv;
	return 0;
}

static int read_map(jr *r, ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, json_t *j)
{
	const ProtobufCMessageDescriptor *ed = f->descriptor;
	if (!json_is_object(j))
		return expected(r, "object", j);
	size_t n = json_object_size(j), i = 0;
	ProtobufCMessage **arr = baton_arena_alloc(r->arena, (n ? n : 1) * sizeof(*arr));
	if (!arr)
		return oom();
	const char *key;
	json_t *v;
	json_object_foreach(j, key, v) {
		ProtobufCMessage *e = baton_arena_alloc(r->arena, ed->sizeof_message);
		if (!e)
			return oom();
		protobuf_c_message_init(ed, e);
		size_t mark = ed->fields[0].type == PROTOBUF_C_TYPE_STRING ?
			path_push(r, "[\"%s\"]", key) : path_push(r, "[%s]", key);
		int rc = read_map_key(r, &ed->fields[0], key, baton__pb_member(e, &ed->fields[0]));
		if (rc == 0) {
			if (json_is_null(v) && !(ed->fields[1].type == PROTOBUF_C_TYPE_MESSAGE &&
			                         baton__pb_wkt(ed->fields[1].descriptor) == BATON_WKT_VALUE) &&
			    !(ed->fields[1].type == PROTOBUF_C_TYPE_ENUM))
				rc = expected(r, "a value", v);
			else
				rc = read_value(r, &ed->fields[1], v, baton__pb_member(e, &ed->fields[1]));
		}
		path_pop(r, mark);
		if (rc < 0)
			return rc;
		arr[i++] = e;
	}
	*(size_t *)baton__pb_quantifier(m, f) = i;
	*(ProtobufCMessage ***)baton__pb_member(m, f) = arr;
	return 0;
}

static int read_list(jr *r, ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, json_t *j)
{
	if (!json_is_array(j))
		return expected(r, "array", j);
	size_t n = json_array_size(j), size = baton__pb_value_size(f->type);
	char *arr = baton_arena_alloc(r->arena, (n ? n : 1) * size);
	if (!arr)
		return oom();
	for (size_t i = 0; i < n; i++) {
		json_t *v = json_array_get(j, i);
		size_t mark = path_push(r, "[%zu]", i);
		int rc;
		if (json_is_null(v) && !(f->type == PROTOBUF_C_TYPE_MESSAGE &&
		                         baton__pb_wkt(f->descriptor) == BATON_WKT_VALUE) &&
		    !(f->type == PROTOBUF_C_TYPE_ENUM))
			rc = expected(r, "a value", v);
		else
			rc = read_value(r, f, v, arr + i * size);
		path_pop(r, mark);
		if (rc < 0)
			return rc;
	}
	*(size_t *)baton__pb_quantifier(m, f) = n;
	*(void **)baton__pb_member(m, f) = n ? arr : NULL;
	return 0;
}

/* Finds the field a JSON key names: its JSON (lowerCamelCase) name first, then its proto name. */
static const ProtobufCFieldDescriptor *find_field(const ProtobufCMessageDescriptor *d,
                                                  const char *key)
{
	for (unsigned i = 0; i < d->n_fields; i++)
		if (baton__pb_json_name_eq(d->fields[i].name, key))
			return &d->fields[i];
	return protobuf_c_message_descriptor_get_field_by_name(d, key);
}

/* Whether JSON null for field f means a value rather than "unset". */
static bool null_is_value(const ProtobufCFieldDescriptor *f)
{
	if (f->type == PROTOBUF_C_TYPE_MESSAGE)
		return baton__pb_wkt(f->descriptor) == BATON_WKT_VALUE;
	if (f->type == PROTOBUF_C_TYPE_ENUM)
		return strcmp(((const ProtobufCEnumDescriptor *)f->descriptor)->name,
		              "google.protobuf.NullValue") == 0;
	return false;
}

static int read_field(jr *r, ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, json_t *v)
{
	int rc;
	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		return baton__pb_is_map(m->descriptor, f) ? read_map(r, m, f, v) : read_list(r, m, f, v);
	if ((rc = read_value(r, f, v, baton__pb_member(m, f))) < 0)
		return rc;
	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
		*(uint32_t *)baton__pb_quantifier(m, f) = f->id;
	else if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->type != PROTOBUF_C_TYPE_MESSAGE &&
	         f->type != PROTOBUF_C_TYPE_STRING)
		*(protobuf_c_boolean *)baton__pb_quantifier(m, f) = 1;
	return 0;
}

/* The members of a JSON object as fields of m (already initialized). With skip_type, "@type" is
 * left for the caller (fields of a message inside an Any). */
static int read_fields(jr *r, ProtobufCMessage *m, json_t *obj, bool skip_type)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	if (!json_is_object(obj))
		return expected(r, "object", obj);
	bool *seen = baton_arena_alloc(r->arena, d->n_fields + 1);
	if (!seen)
		return oom();
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v) {
		if (skip_type && strcmp(key, "@type") == 0)
			continue;
		const ProtobufCFieldDescriptor *f = find_field(d, key);
		if (!f)
			return fail(r, BATON_EINVALID, "unknown field \"%s\" in %s", key, d->name);
		size_t idx = (size_t)(f - d->fields);
		if (seen[idx])
			return fail(r, BATON_EINVALID, "duplicate field \"%s\" in %s", key, d->name);
		seen[idx] = true;
		if (json_is_null(v) && !null_is_value(f))
			continue; /* null: leave the default */
		if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
		    *(const uint32_t *)baton__pb_quantifier(m, f) != 0) {
			uint32_t set = *(const uint32_t *)baton__pb_quantifier(m, f);
			const ProtobufCFieldDescriptor *other = protobuf_c_message_descriptor_get_field(d, set);
			return fail(r, BATON_EINVALID, "field \"%s\" and \"%s\" of %s are in the same oneof",
			            other ? other->name : "?", f->name, d->name);
		}
		size_t mark = path_field(r, key);
		int rc = read_field(r, m, f, v);
		path_pop(r, mark);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* ---- well-known types ---- */

static int digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* RFC 3339: YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|+HH:MM|-HH:MM). */
static int parse_timestamp(const char *s, int64_t *secs, int32_t *nanos)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, mo, d, h, mi, se, ns = 0;
	if (strlen(s) < 20 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) ||
	    s[7] != '-' || digits(s + 8, 2, &d) || s[10] != 'T' || digits(s + 11, 2, &h) ||
	    s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' || digits(s + 17, 2, &se))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] + (mo == 2 && leap(y)) || h > 23 ||
	    mi > 59 || se > 59)
		return -1;
	const char *p = s + 19;
	if (*p == '.') {
		int nd = 0;
		p++;
		while (p[nd] >= '0' && p[nd] <= '9')
			nd++;
		if (nd == 0 || nd > 9)
			return -1;
		digits(p, nd, &ns);
		for (int i = nd; i < 9; i++)
			ns *= 10;
		p += nd;
	}
	int offset = 0;
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om;
		if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) || oh > 23 || om > 59)
			return -1;
		offset = (oh * 60 + om) * 60 * (*p == '-' ? -1 : 1);
		p += 6;
	} else {
		return -1;
	}
	if (*p)
		return -1;
	*secs = baton__days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 +
	        se - offset;
	*nanos = ns;
	return 0;
}

/* [+-](0|[1-9][0-9]*)[.f{0,9}]s, or [+-].f{1,9}s: the forms Go's protojson reads. */
static int parse_duration(const char *s, int64_t *secs, int32_t *nanos)
{
	bool neg = *s == '-';
	const char *p = (*s == '-' || *s == '+') ? s + 1 : s;
	int64_t sec = 0;
	int ns = 0, nint = 0, nfrac = 0;
	if (*p == '0') {
		p++;
		nint = 1;
	} else {
		while (*p >= '0' && *p <= '9') {
			if (sec > BATON_DURATION_MAX_SECONDS)
				return -1;
			sec = sec * 10 + (*p++ - '0');
			nint++;
		}
	}
	if (*p == '.') {
		p++;
		while (p[nfrac] >= '0' && p[nfrac] <= '9')
			nfrac++;
		if (nfrac > 9)
			return -1;
		digits(p, nfrac, &ns);
		for (int i = nfrac; i < 9; i++)
			ns *= 10;
		p += nfrac;
	}
	if (nint + nfrac == 0 || p[0] != 's' || p[1] != '\0' || sec > BATON_DURATION_MAX_SECONDS)
		return -1;
	*secs = neg ? -sec : sec;
	*nanos = neg ? -ns : ns;
	return 0;
}

static int read_field_mask(jr *r, Google__Protobuf__FieldMask *fm, json_t *j)
{
	if (!json_is_string(j))
		return expected(r, "string", j);
	const char *s = json_string_value(j);
	if (!*s)
		return 0;
	size_t n = 1;
	for (const char *c = s; *c; c++)
		n += *c == ',';
	fm->paths = baton_arena_alloc(r->arena, n * sizeof(*fm->paths));
	if (!fm->paths)
		return oom();
	const char *start = s;
	for (size_t i = 0; i < n; i++) {
		const char *end = strchr(start, ',');
		size_t len = end ? (size_t)(end - start) : strlen(start);
		char *path = baton_arena_alloc_raw(r->arena, len * 2 + 1), *o = path;
		if (!path)
			return oom();
		bool seg_start = true, ok = len > 0;
		for (size_t k = 0; k < len && ok; k++) {
			char c = start[k];
			if (c == '.') {
				ok = !seg_start;
				seg_start = true;
				*o++ = c;
				continue;
			}
			if (c >= 'A' && c <= 'Z') {
				*o++ = '_';
				*o++ = (char)(c - 'A' + 'a');
			} else if ((c >= 'a' && c <= 'z') || (!seg_start && c >= '0' && c <= '9')) {
				*o++ = c;
			} else {
				ok = false;
			}
			seg_start = false;
		}
		*o = '\0';
		if (!ok || seg_start)
			return fail(r, BATON_EINVALID, "google.protobuf.FieldMask: invalid path \"%.*s\"",
			            (int)len, start);
		fm->paths[fm->n_paths++] = path;
		start = end ? end + 1 : start + len;
	}
	return 0;
}

static int read_struct(jr *r, Google__Protobuf__Struct *st, json_t *j)
{
	return read_map(r, &st->base, &google__protobuf__struct__descriptor.fields[0], j);
}

static int read_list_value(jr *r, Google__Protobuf__ListValue *l, json_t *j)
{
	return read_list(r, &l->base, &google__protobuf__list_value__descriptor.fields[0], j);
}

static int read_value_wkt(jr *r, Google__Protobuf__Value *v, json_t *j)
{
	int rc;
	switch (json_typeof(j)) {
	case JSON_NULL:
		v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_NULL_VALUE;
		v->null_value = GOOGLE__PROTOBUF__NULL_VALUE__NULL_VALUE;
		return 0;
	case JSON_TRUE:
	case JSON_FALSE:
		v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_BOOL_VALUE;
		v->bool_value = json_is_true(j);
		return 0;
	case JSON_INTEGER:
		v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE;
		v->number_value = (double)json_integer_value(j);
		return 0;
	case JSON_REAL:
		v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE;
		v->number_value = json_real_value(j);
		return 0;
	case JSON_STRING:
		v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE;
		if (!(v->string_value = dup_string(r, j)))
			return oom();
		return 0;
	case JSON_OBJECT: {
		ProtobufCMessage *st;
		if ((rc = read_message(r, &google__protobuf__struct__descriptor, j, &st)) < 0)
			return rc;
		v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE;
		v->struct_value = (Google__Protobuf__Struct *)st;
		return 0;
	}
	case JSON_ARRAY: {
		ProtobufCMessage *l;
		if ((rc = read_message(r, &google__protobuf__list_value__descriptor, j, &l)) < 0)
			return rc;
		v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE;
		v->list_value = (Google__Protobuf__ListValue *)l;
		return 0;
	}
	}
	return expected(r, "a JSON value", j);
}

static int read_any(jr *r, Google__Protobuf__Any *any, json_t *j)
{
	int rc;
	if (!json_is_object(j))
		return expected(r, "object", j);
	if (json_object_size(j) == 0)
		return 0; /* {} is the empty Any */
	json_t *t = json_object_get(j, "@type");
	if (!t)
		return fail(r, BATON_EINVALID, "google.protobuf.Any: missing \"@type\" field");
	if (!json_is_string(t) || json_string_length(t) == 0)
		return fail(r, BATON_EINVALID, "google.protobuf.Any: \"@type\" must be a non-empty string");
	const char *url = json_string_value(t);
	const ProtobufCMessageDescriptor *desc = baton__registry_find_url(url);
	if (!desc)
		return fail(r, BATON_EUNIMPLEMENTED, "google.protobuf.Any: unknown message type \"%s\"", url);
	ProtobufCMessage *inner;
	if (baton__pb_wkt(desc) != BATON_WKT_NONE) {
		const char *key;
		json_t *v;
		json_object_foreach(j, key, v) {
			if (strcmp(key, "@type") != 0 && strcmp(key, "value") != 0)
				return fail(r, BATON_EINVALID, "unknown field \"%s\" in google.protobuf.Any holding %s",
				            key, desc->name);
		}
		json_t *val = json_object_get(j, "value");
		if (!val)
			return fail(r, BATON_EINVALID, "google.protobuf.Any: missing \"value\" field for %s",
			            desc->name);
		size_t mark = path_field(r, "value");
		rc = read_message(r, desc, val, &inner);
		path_pop(r, mark);
	} else {
		inner = baton_arena_alloc(r->arena, desc->sizeof_message);
		if (!inner)
			return oom();
		protobuf_c_message_init(desc, inner);
		rc = read_fields(r, inner, j, true);
	}
	if (rc < 0)
		return rc;
	if (!(any->type_url = dup_string(r, t)))
		return oom();
	return baton__pb_pack(r->arena, inner, &any->value.data, &any->value.len);
}

/* A message from j: the special form of a well-known type, else an object of fields. */
static int read_message(jr *r, const ProtobufCMessageDescriptor *d, json_t *j,
                        ProtobufCMessage **out)
{
	int rc;
	if (r->depth >= BATON_PROTOJSON_MAX_DEPTH)
		return fail(r, BATON_EINVALID, "nesting deeper than %d levels", BATON_PROTOJSON_MAX_DEPTH);
	ProtobufCMessage *m = baton_arena_alloc(r->arena, d->sizeof_message);
	if (!m)
		return oom();
	protobuf_c_message_init(d, m);
	r->depth++;
	switch (baton__pb_wkt(d)) {
	case BATON_WKT_ANY:
		rc = read_any(r, (Google__Protobuf__Any *)m, j);
		break;
	case BATON_WKT_TIMESTAMP: {
		Google__Protobuf__Timestamp *t = (Google__Protobuf__Timestamp *)m;
		if (!json_is_string(j))
			rc = expected(r, "RFC 3339 timestamp string", j);
		else if (parse_timestamp(json_string_value(j), &t->seconds, &t->nanos) < 0 ||
		         t->seconds < BATON_TIMESTAMP_MIN_SECONDS || t->seconds > BATON_TIMESTAMP_MAX_SECONDS)
			rc = fail(r, BATON_EINVALID, "invalid google.protobuf.Timestamp value \"%s\"",
			          json_string_value(j));
		else
			rc = 0;
		break;
	}
	case BATON_WKT_DURATION: {
		Google__Protobuf__Duration *du = (Google__Protobuf__Duration *)m;
		if (!json_is_string(j))
			rc = expected(r, "duration string", j);
		else if (parse_duration(json_string_value(j), &du->seconds, &du->nanos) < 0)
			rc = fail(r, BATON_EINVALID, "invalid google.protobuf.Duration value \"%s\"",
			          json_string_value(j));
		else
			rc = 0;
		break;
	}
	case BATON_WKT_WRAPPER:
		rc = read_value(r, &d->fields[0], j, baton__pb_member(m, &d->fields[0]));
		break;
	case BATON_WKT_STRUCT:
		rc = read_struct(r, (Google__Protobuf__Struct *)m, j);
		break;
	case BATON_WKT_LIST:
		rc = read_list_value(r, (Google__Protobuf__ListValue *)m, j);
		break;
	case BATON_WKT_VALUE:
		rc = read_value_wkt(r, (Google__Protobuf__Value *)m, j);
		break;
	case BATON_WKT_FIELDMASK:
		rc = read_field_mask(r, (Google__Protobuf__FieldMask *)m, j);
		break;
	default:
		rc = read_fields(r, m, j, false);
		break;
	}
	r->depth--;
	if (rc < 0)
		return rc;
	*out = m;
	return 0;
}

/* ---- entry points ---- */

int baton__protojson_read_jansson(baton_arena *arena, const ProtobufCMessageDescriptor *desc,
                                  json_t *value, ProtobufCMessage **out)
{
	jr r;
	memset(&r, 0, sizeof r);
	r.arena = arena;
	*out = NULL;
	if (!value)
		return baton_error_set(BATON_EINVALID, "no JSON value for %s", desc->name);
	return read_message(&r, desc, value, out);
}

static json_t *load(const char *json, size_t len)
{
	return baton__protojson_load(json, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES);
}

int baton__protojson_read(baton_arena *arena, const ProtobufCMessageDescriptor *desc,
                          const char *json, size_t len, ProtobufCMessage **out)
{
	*out = NULL;
	json_t *j = load(json ? json : "", json ? len : 0);
	if (!j)
		return BATON_EINVALID;
	int rc = baton__protojson_read_jansson(arena, desc, j, out);
	json_decref(j);
	return rc;
}

int baton__struct_from_json(baton_arena *arena, const char *json, struct Google__Protobuf__Struct **out)
{
	*out = NULL;
	json_t *j = load(json ? json : "", json ? strlen(json) : 0);
	if (!j)
		return BATON_EINVALID;
	int rc;
	ProtobufCMessage *m = NULL;
	if (!json_is_object(j))
		rc = baton_error_set(BATON_EINVALID, "expected a JSON object, got %s", json_kind(j));
	else
		rc = baton__protojson_read_jansson(arena, &google__protobuf__struct__descriptor, j, &m);
	json_decref(j);
	if (rc == 0)
		rc = baton__pb_sort_maps(m);
	if (rc == 0)
		*out = (struct Google__Protobuf__Struct *)m;
	return rc;
}
