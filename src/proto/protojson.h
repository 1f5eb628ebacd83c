/*
 * protojson, driven by protobuf-c descriptors: what Go's protojson.Marshal writes and
 * protojson.Unmarshal reads, for any message of our schema.
 *
 * Writer rules: lowerCamelCase field names (from the proto names), fields in declaration order
 * (Go's order; protobuf-c keeps no declaration index, so it is recovered from the generated struct
 * layout, see baton__pb_decl_order), proto3 defaults omitted except for fields in a oneof (which
 * have presence: a set proto3 `optional` prints even at its default, under the field's own name),
 * int64/uint64/fixed64 as strings, enums by value name (numbers for unknown values), bytes as
 * standard base64 with padding, floats/doubles in shortest round-trip form (NaN/Infinity as
 * strings), maps as objects with keys in Go's order, and the well-known types in their special
 * forms: Timestamp as RFC 3339 in UTC with 0, 3, 6 or 9 fractional digits, Duration as "1.500s",
 * Struct/Value/ListValue as plain JSON, wrappers as their value, Empty as {}, FieldMask as a
 * comma-joined camelCase string, Any as {"@type": url, ...fields} or {"@type": url, "value":
 * <special form>} for a well-known type inside. Strings are escaped as Go escapes them (", \ and
 * control characters only; no HTML escaping). Output is compact and deterministic (Go adds random
 * spaces; we never do).
 *
 * Where we differ from Go, on purpose:
 *  - a string holding invalid UTF-8 is written with each bad byte replaced by U+FFFD (Go fails);
 *  - map entries with equal keys (possible in a protobuf-c array) print once, the last one winning.
 *
 * Reader: accepts both the camelCase and the original proto field names, enum names or numbers,
 * numbers or strings for integers (integral values like 1e3 too), "NaN"/"Infinity" and numeric
 * strings for floats, standard or URL-safe base64 with or without padding, RFC 3339 timestamps with
 * any offset, null for "not set", and the same special forms; rejects unknown fields, duplicate
 * keys, two members of one oneof and wrong types with BATON_EINVALID and a message naming the
 * field path as written in the JSON ("annotations[0].emails[1].address: expected string, got
 * number"). An Any naming a type missing from the registry is BATON_EUNIMPLEMENTED. Integer
 * literals beyond int64 are read as doubles (exact uint64 values above 2^63-1 need the string form
 * protojson writes). Nesting is limited to BATON_PROTOJSON_MAX_DEPTH levels.
 *
 * Errors are reported through baton_error_set(); every function leaves the thread's last error set
 * when it fails.
 */
#ifndef BATON_PROTO_PROTOJSON_H
#define BATON_PROTO_PROTOJSON_H

#include <stdbool.h>
#include <protobuf-c/protobuf-c.h>
#include <jansson.h>

#include "core/arena.h"

typedef struct baton_protojson_opts {
	bool multiline; /* indent with two spaces, one field per line (Go's Multiline + Indent "  ") */
	bool emit_unpopulated; /* also write fields holding default values */
} baton_protojson_opts;

/*
 * Writes msg (borrowed; NULL writes "{}") as JSON into a NUL-terminated string allocated in
 * `arena` (*out; *out_len, which may be NULL, gets its length). `opts` may be NULL (compact, no
 * unpopulated fields). Scratch memory is freed before returning. On failure *out is NULL.
 */
int baton__protojson_write(baton_arena *arena, const ProtobufCMessage *msg,
                           const baton_protojson_opts *opts, char **out, size_t *out_len);

/* Builds a jansson value for msg: a new reference the caller decrefs; NULL with the last error
 * set on failure. opts->multiline is irrelevant here and ignored. */
json_t *baton__protojson_to_jansson(const ProtobufCMessage *msg, const baton_protojson_opts *opts);

/* Parses `len` bytes of JSON text (need not be NUL-terminated) as `desc` into a new message
 * allocated, with everything it points to, in `arena` (*out; NULL on failure). */
int baton__protojson_read(baton_arena *arena, const ProtobufCMessageDescriptor *desc,
                          const char *json, size_t len, ProtobufCMessage **out);

/* Same, from a jansson value (borrowed: not decref'd, and not referenced once this returns). */
int baton__protojson_read_jansson(baton_arena *arena, const ProtobufCMessageDescriptor *desc,
                                  json_t *value, ProtobufCMessage **out);

/* google.protobuf.Struct from a NUL-terminated JSON object text (numbers as doubles), allocated in
 * `arena`, with the fields of every Struct in it sorted by key. Used by the builders'
 * *_profile_json setters. Not an object, or not JSON: BATON_EINVALID. */
struct Google__Protobuf__Struct;
int baton__struct_from_json(baton_arena *arena, const char *json, struct Google__Protobuf__Struct **out);

#endif
