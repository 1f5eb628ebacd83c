#include "proto/pbutil.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "proto/any.h"

size_t baton__pb_value_size(ProtobufCType type)
{
	switch (type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		return 4;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		return 8;
	case PROTOBUF_C_TYPE_FLOAT:
		return sizeof(float);
	case PROTOBUF_C_TYPE_DOUBLE:
		return sizeof(double);
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	case PROTOBUF_C_TYPE_ENUM:
		return sizeof(int); /* protobuf-c forces generated enums to int size */
	case PROTOBUF_C_TYPE_STRING:
		return sizeof(char *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(ProtobufCMessage *);
	}
	return 0;
}

static char ascii_upper(char c)
{
	return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

/* Whether `s` starts with the entry-type name protoc derives from a map field's name. On success
 * *rest points after the derived name. */
static bool match_entry_name(const char *field_name, const char *s, const char **rest)
{
	bool cap = true;
	for (const char *p = field_name; *p; p++) {
		if (*p == '_') {
			cap = true;
			continue;
		}
		char want = cap ? ascii_upper(*p) : *p;
		cap = false;
		if (*s != want)
			return false;
		s++;
	}
	*rest = s;
	return true;
}

bool baton__pb_is_map(const ProtobufCMessageDescriptor *parent, const ProtobufCFieldDescriptor *f)
{
	if (f->label != PROTOBUF_C_LABEL_REPEATED || f->type != PROTOBUF_C_TYPE_MESSAGE)
		return false;
	const ProtobufCMessageDescriptor *e = f->descriptor;
	if (!e || e->n_fields != 2 || e->fields[0].id != 1 || e->fields[1].id != 2 ||
	    strcmp(e->fields[0].name, "key") != 0 || strcmp(e->fields[1].name, "value") != 0)
		return false;
	/* The entry is nested in the parent: "<parent>.<CamelName>Entry". */
	size_t plen = strlen(parent->name);
	if (strncmp(e->name, parent->name, plen) != 0 || e->name[plen] != '.')
		return false;
	const char *rest;
	if (!match_entry_name(f->name, e->name + plen + 1, &rest))
		return false;
	return strcmp(rest, "Entry") == 0;
}

int baton__pb_map_key_cmp(const ProtobufCMessageDescriptor *entry, const ProtobufCMessage *a,
                          const ProtobufCMessage *b)
{
	const ProtobufCFieldDescriptor *k = &entry->fields[0];
	const void *x = baton__pb_member(a, k);
	const void *y = baton__pb_member(b, k);
	switch (k->type) {
	case PROTOBUF_C_TYPE_STRING: {
		const char *s = *(char *const *)x, *t = *(char *const *)y;
		return strcmp(s ? s : "", t ? t : "");
	}
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32: {
		int32_t s = *(const int32_t *)x, t = *(const int32_t *)y;
		return (s > t) - (s < t);
	}
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32: {
		uint32_t s = *(const uint32_t *)x, t = *(const uint32_t *)y;
		return (s > t) - (s < t);
	}
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64: {
		int64_t s = *(const int64_t *)x, t = *(const int64_t *)y;
		return (s > t) - (s < t);
	}
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64: {
		uint64_t s = *(const uint64_t *)x, t = *(const uint64_t *)y;
		return (s > t) - (s < t);
	}
	case PROTOBUF_C_TYPE_BOOL: {
		int s = *(const protobuf_c_boolean *)x != 0, t = *(const protobuf_c_boolean *)y != 0;
		return s - t;
	}
	default:
		return 0; /* not a legal map key type */
	}
}

/* Bottom-up merge sort: stable, O(n log n), no recursion. */
void baton__pb_sort_ptrs(void **items, size_t n, void **tmp,
                         int (*cmp)(const void *a, const void *b, const void *ctx), const void *ctx)
{
	if (n < 2)
		return;
	void **src = items, **dst = tmp;
	for (size_t width = 1; width < n; width *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * width) {
			size_t mid = lo + width < n ? lo + width : n;
			size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
			size_t i = lo, j = mid, k = lo;
			while (i < mid && j < hi)
				dst[k++] = cmp(src[j], src[i], ctx) < 0 ? src[j++] : src[i++];
			while (i < mid)
				dst[k++] = src[i++];
			while (j < hi)
				dst[k++] = src[j++];
		}
		void **t = src;
		src = dst;
		dst = t;
	}
	if (src != items)
		memcpy(items, src, n * sizeof(*items));
}

static int entry_cmp(const void *a, const void *b, const void *ctx)
{
	return baton__pb_map_key_cmp(ctx, a, b);
}

int baton__pb_sort_maps(ProtobufCMessage *msg)
{
	if (!msg)
		return 0;
	const ProtobufCMessageDescriptor *d = msg->descriptor;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (f->type != PROTOBUF_C_TYPE_MESSAGE)
			continue;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = baton__pb_count(msg, f);
			ProtobufCMessage **arr = *(ProtobufCMessage ***)baton__pb_member(msg, f);
			for (size_t j = 0; j < n; j++) {
				int rc = baton__pb_sort_maps(arr[j]);
				if (rc < 0)
					return rc;
			}
			if (n > 1 && baton__pb_is_map(d, f)) {
				void **tmp = malloc(n * sizeof(*tmp));
				if (!tmp)
					return baton__error_oom("sorting map entries");
				baton__pb_sort_ptrs((void **)arr, n, tmp, entry_cmp, f->descriptor);
				free(tmp);
			}
		} else {
			if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
			    *(const uint32_t *)baton__pb_quantifier(msg, f) != f->id)
				continue;
			int rc = baton__pb_sort_maps(*(ProtobufCMessage **)baton__pb_member(msg, f));
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

bool baton__pb_has(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
		return *(const uint32_t *)baton__pb_quantifier(m, f) == f->id;
	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		return baton__pb_count(m, f) > 0;
	const void *v = baton__pb_member(m, f);
	if (f->type == PROTOBUF_C_TYPE_MESSAGE)
		return *(void *const *)v != NULL;
	if (f->label == PROTOBUF_C_LABEL_REQUIRED)
		return true;
	if (f->label == PROTOBUF_C_LABEL_OPTIONAL) {
		if (f->type == PROTOBUF_C_TYPE_STRING) {
			const char *s = *(char *const *)v;
			return s && s != f->default_value;
		}
		return *(const protobuf_c_boolean *)baton__pb_quantifier(m, f) != 0;
	}
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING: {
		const char *s = *(char *const *)v;
		return s && *s;
	}
	case PROTOBUF_C_TYPE_BYTES:
		return ((const ProtobufCBinaryData *)v)->len > 0;
	case PROTOBUF_C_TYPE_FLOAT: {
		uint32_t bits;
		memcpy(&bits, v, sizeof bits);
		return bits != 0; /* -0 counts as set, as in Go */
	}
	case PROTOBUF_C_TYPE_DOUBLE: {
		uint64_t bits;
		memcpy(&bits, v, sizeof bits);
		return bits != 0;
	}
	case PROTOBUF_C_TYPE_BOOL:
		return *(const protobuf_c_boolean *)v != 0;
	case PROTOBUF_C_TYPE_ENUM:
		return *(const int *)v != 0;
	default:
		if (baton__pb_value_size(f->type) == 8)
			return *(const uint64_t *)v != 0;
		return *(const uint32_t *)v != 0;
	}
}

const char *baton__pb_json_name(const char *proto_name, char *buf, size_t cap)
{
	size_t n = 0;
	bool up = false;
	if (cap == 0)
		return buf;
	for (const char *p = proto_name; *p && n + 1 < cap; p++) {
		if (*p == '_') {
			up = true;
		} else {
			buf[n++] = up ? ascii_upper(*p) : *p;
			up = false;
		}
	}
	buf[n] = '\0';
	return buf;
}

bool baton__pb_json_name_eq(const char *proto_name, const char *key)
{
	bool up = false;
	for (const char *p = proto_name; *p; p++) {
		if (*p == '_') {
			up = true;
			continue;
		}
		char want = up ? ascii_upper(*p) : *p;
		up = false;
		if (*key++ != want)
			return false;
	}
	return *key == '\0';
}

void baton__pb_decl_order(const ProtobufCMessageDescriptor *desc, unsigned *out)
{
	unsigned n = desc->n_fields, k = 0;
	const ProtobufCFieldDescriptor *fs = desc->fields;

	/* Plain fields, by struct offset (insertion sort: field counts are small). */
	unsigned nplain = 0;
	for (unsigned i = 0; i < n; i++) {
		if (fs[i].flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
			continue;
		unsigned j = nplain++;
		while (j > 0 && fs[out[j - 1]].offset > fs[i].offset) {
			out[j] = out[j - 1];
			j--;
		}
		out[j] = i;
	}
	if (nplain == n)
		return;

	/* Oneof members, grouped by their case member and ordered by (lowest number, case offset).
	 * `fields` is sorted by number, so the first member met is the lowest of its group. */
	unsigned *lead = out + nplain; /* one slot per group: index of the group's first member */
	unsigned ngroups = 0;
	for (unsigned i = 0; i < n; i++) {
		if (!(fs[i].flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
			continue;
		bool seen = false;
		for (unsigned g = 0; g < ngroups; g++)
			if (fs[lead[g]].quantifier_offset == fs[i].quantifier_offset)
				seen = true;
		if (!seen)
			lead[ngroups++] = i;
	}
	/* Merge: out[] is rebuilt into a scratch copy of the plain order and group leads. */
	unsigned plain[256], groups[256];
	if (nplain > 256 || ngroups > 256) {
		for (unsigned i = 0; i < n; i++)
			out[i] = i; /* absurdly large message: number order */
		return;
	}
	memcpy(plain, out, nplain * sizeof(*plain));
	memcpy(groups, lead, ngroups * sizeof(*groups));
	unsigned p = 0, g = 0;
	while (p < nplain || g < ngroups) {
		bool take_group = g < ngroups && (p == nplain || fs[groups[g]].id < fs[plain[p]].id);
		if (!take_group) {
			out[k++] = plain[p++];
			continue;
		}
		unsigned q = fs[groups[g]].quantifier_offset;
		for (unsigned i = 0; i < n; i++)
			if ((fs[i].flags & PROTOBUF_C_FIELD_FLAG_ONEOF) && fs[i].quantifier_offset == q)
				out[k++] = i;
		g++;
	}
}

baton_pb_wkt baton__pb_wkt(const ProtobufCMessageDescriptor *desc)
{
	static const struct {
		const char *name;
		baton_pb_wkt kind;
	} table[] = {
		{"Any", BATON_WKT_ANY},
		{"BoolValue", BATON_WKT_WRAPPER},
		{"BytesValue", BATON_WKT_WRAPPER},
		{"DoubleValue", BATON_WKT_WRAPPER},
		{"Duration", BATON_WKT_DURATION},
		{"Empty", BATON_WKT_EMPTY},
		{"FieldMask", BATON_WKT_FIELDMASK},
		{"FloatValue", BATON_WKT_WRAPPER},
		{"Int32Value", BATON_WKT_WRAPPER},
		{"Int64Value", BATON_WKT_WRAPPER},
		{"ListValue", BATON_WKT_LIST},
		{"StringValue", BATON_WKT_WRAPPER},
		{"Struct", BATON_WKT_STRUCT},
		{"Timestamp", BATON_WKT_TIMESTAMP},
		{"UInt32Value", BATON_WKT_WRAPPER},
		{"UInt64Value", BATON_WKT_WRAPPER},
		{"Value", BATON_WKT_VALUE},
	};
	static const char prefix[] = "google.protobuf.";
	if (strncmp(desc->name, prefix, sizeof prefix - 1) != 0)
		return BATON_WKT_NONE;
	const char *short_name = desc->name + sizeof prefix - 1;
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
		if (strcmp(short_name, table[i].name) == 0)
			return table[i].kind;
	return BATON_WKT_NONE;
}

/* Proleptic Gregorian calendar arithmetic on 400-year eras (146,097 days each), with years
 * counted from March so that the leap day falls at the end of the year. */
int64_t baton__days_from_civil(int64_t year, unsigned month, unsigned day)
{
	int64_t y = month <= 2 ? year - 1 : year;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned year_of_era = (unsigned)(y - era * 400);
	unsigned shifted_month = month > 2 ? month - 3 : month + 9; /* March = 0 */
	unsigned day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
	unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
	return era * 146097 + (int64_t)day_of_era - 719468; /* 719468: 0000-03-01 to 1970-01-01 */
}

void baton__civil_from_days(int64_t days, int64_t *year, unsigned *month, unsigned *day)
{
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned day_of_era = (unsigned)(z - era * 146097);
	unsigned year_of_era =
		(day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
	unsigned day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
	unsigned shifted_month = (5 * day_of_year + 2) / 153;
	*day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
	*month = shifted_month < 10 ? shifted_month + 3 : shifted_month - 9;
	*year = (int64_t)year_of_era + era * 400 + (*month <= 2 ? 1 : 0);
}
