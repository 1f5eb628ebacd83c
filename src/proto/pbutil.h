/*
 * Descriptor-walking and wire helpers shared by the protobuf runtime (any.c, protojson_*.c) and
 * the code that reads or writes messages itself (types/validate.c, types/grant.c,
 * sync/expand_wire.c); nothing here allocates except where it says so.
 */
#ifndef BATON_PROTO_PBUTIL_H
#define BATON_PROTO_PBUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

/* Address of a field's member inside a message (the value, the pointer or the array pointer). */
static inline void *baton__pb_member(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
	return (char *)m + f->offset;
}

/* Address of a field's quantifier (has_x, n_x, or the oneof case). */
static inline void *baton__pb_quantifier(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
	return (char *)m + f->quantifier_offset;
}

/* Number of elements of a repeated field. */
static inline size_t baton__pb_count(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
	return *(const size_t *)baton__pb_quantifier(m, f);
}

/* Bytes v takes as a protobuf varint (1..10). */
static inline size_t baton__pb_varint_len(uint64_t v)
{
	size_t n = 1;
	for (; v >= 0x80; v >>= 7)
		n++;
	return n;
}

/* Writes v as a protobuf varint at p, which has room for baton__pb_varint_len(v) bytes; returns
 * the bytes written. */
static inline size_t baton__pb_varint_put(uint8_t *p, uint64_t v)
{
	size_t n = 0;
	for (; v >= 0x80; v >>= 7)
		p[n++] = (uint8_t)(v | 0x80);
	p[n++] = (uint8_t)v;
	return n;
}

/* Reads a varint of at most 10 bytes from [p, end) into *v: the bytes read, 0 when it is cut
 * short or longer. */
static inline size_t baton__pb_varint_get(const uint8_t *p, const uint8_t *end, uint64_t *v)
{
	uint64_t r = 0;
	for (size_t n = 0; n < 10 && p + n < end; n++) {
		r |= (uint64_t)(p[n] & 0x7f) << (7 * n);
		if (!(p[n] & 0x80)) {
			*v = r;
			return n + 1;
		}
	}
	return 0;
}

/* Size of one value of the field's type as protobuf-c stores it (the element size of a repeated
 * field's array). */
size_t baton__pb_value_size(ProtobufCType type);

/*
 * Whether `f` (a field of `parent`) is a map: a repeated message field whose type is the nested
 * entry message protoc generates for maps ("<Parent>.<CamelName>Entry" with key = 1 and
 * value = 2). Detection is structural because protobuf-c keeps no map flag.
 */
bool baton__pb_is_map(const ProtobufCMessageDescriptor *parent, const ProtobufCFieldDescriptor *f);

/*
 * Orders two map entries by key as Go does (false before true, integers numerically, strings
 * bytewise). `entry` is the entry descriptor; both messages are of that type.
 */
int baton__pb_map_key_cmp(const ProtobufCMessageDescriptor *entry, const ProtobufCMessage *a,
                          const ProtobufCMessage *b);

/*
 * Stable sort of `n` pointers with a comparison taking a context. `tmp` is scratch space for `n`
 * pointers supplied by the caller (no allocation here).
 */
void baton__pb_sort_ptrs(void **items, size_t n, void **tmp,
                         int (*cmp)(const void *a, const void *b, const void *ctx), const void *ctx);

/* Whether the field is present in the protojson sense: set oneof member, non-empty repeated,
 * non-NULL message, non-default proto3 scalar, or has_x for proto2 optional. */
bool baton__pb_has(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f);

/* The JSON name of a field (protoc's lowerCamelCase) written into buf (size cap, truncated).
 * Returns buf. */
const char *baton__pb_json_name(const char *proto_name, char *buf, size_t cap);

/* Whether `key` is the JSON name of proto field `proto_name` (no allocation). */
bool baton__pb_json_name_eq(const char *proto_name, const char *key);

/*
 * Field indices of `desc` in declaration order as far as protobuf-c lets us recover it: plain
 * fields in struct layout order (protoc-c lays out members as declared), each oneof's members
 * together, placed before the first plain field with a higher number. `out` receives
 * desc->n_fields indices.
 */
void baton__pb_decl_order(const ProtobufCMessageDescriptor *desc, unsigned *out);

/* Well-known types with a special JSON form (google.protobuf.*). */
typedef enum baton_pb_wkt {
	BATON_WKT_NONE = 0,   /* an ordinary message: a JSON object of its fields */
	BATON_WKT_ANY,
	BATON_WKT_TIMESTAMP,
	BATON_WKT_DURATION,
	BATON_WKT_WRAPPER,    /* BoolValue, Int32Value, ..., BytesValue: the bare value */
	BATON_WKT_STRUCT,
	BATON_WKT_LIST,
	BATON_WKT_VALUE,
	BATON_WKT_FIELDMASK,
	BATON_WKT_EMPTY
} baton_pb_wkt;

/* Which special form, if any, the message type has. */
baton_pb_wkt baton__pb_wkt(const ProtobufCMessageDescriptor *desc);

/* Days since 1970-01-01 of a proleptic Gregorian date (month 1..12, day 1..31), and back. */
int64_t baton__days_from_civil(int64_t year, unsigned month, unsigned day);
void baton__civil_from_days(int64_t days, int64_t *year, unsigned *month, unsigned *day);

/* Timestamp seconds range accepted by protojson: 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z. */
#define BATON_TIMESTAMP_MIN_SECONDS INT64_C(-62135596800)
#define BATON_TIMESTAMP_MAX_SECONDS INT64_C(253402300799)
/* Duration range accepted by protojson: +-10,000 years. */
#define BATON_DURATION_MAX_SECONDS INT64_C(315576000000)

/*
 * json_loadb with `flags`, also accepting integer literals beyond int64 (read as reals; jansson
 * alone refuses them, while Go writes doubles up to 1e21 that way). Returns a new reference, or
 * NULL with the last error set (BATON_EINVALID naming line and column). Defined in
 * protojson_load.c.
 */
struct json_t;
struct json_t *baton__protojson_load(const char *json, size_t len, size_t flags);

/* Maximum nesting of messages/arrays/objects the JSON reader and writer accept. */
#define BATON_PROTOJSON_MAX_DEPTH 1000

/*
 * Maximum nesting of messages in protobuf wire bytes the SDK decodes (the outer message is level
 * 1). A google.protobuf.Struct level is 3 messages (Struct, its map entry, Value), so this holds
 * every Struct the JSON reader accepts (BATON_PROTOJSON_MAX_DEPTH) with room for the messages
 * around it. Go's limit is 10,000; protobuf-c has none and recurses once per level.
 */
#define BATON_PB_MAX_DEPTH 3200

/*
 * Checks that `data` (wire bytes of a `desc` message) nests messages at most BATON_PB_MAX_DEPTH
 * deep, without recursion. Returns 0, or BATON_EINVALID naming the message type. Malformed bytes
 * pass (protobuf-c reports them). Defined in pbdepth.c.
 */
int baton__pb_check_depth(const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t len);

/*
 * After protobuf_c_message_unpack: BATON_EDATALOSS naming the message type when the bytes held a
 * field number 0 anywhere in the tree (protobuf-c takes one written as a key of two or more bytes,
 * and packs it back as bytes it refuses), else 0. Defined in pbdepth.c.
 */
int baton__pb_check_field_numbers(const ProtobufCMessage *m);

#endif
