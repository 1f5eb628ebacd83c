/* Packing messages into google.protobuf.Any and back. */
#ifndef BATON_PROTO_ANY_H
#define BATON_PROTO_ANY_H

#include <protobuf-c/protobuf-c.h>

#include "core/arena.h"
#include "google/protobuf/any.pb-c.h"

/*
 * Serializes `msg` deterministically (see baton__pb_pack) into an Any allocated in `arena`, with
 * type URL "type.googleapis.com/<full name>". Returns 0 or a negative baton_error_code (last
 * error set).
 */
int baton__any_pack(baton_arena *arena, const ProtobufCMessage *msg, Google__Protobuf__Any **out);

/* Like baton__any_pack but fills an existing Any (caller-owned struct, re-initialized here; the
 * type URL and value bytes it receives live in the arena). */
int baton__any_pack_into(baton_arena *arena, const ProtobufCMessage *msg, Google__Protobuf__Any *any);

/* Whether the Any holds the message type `desc` (compares the name after the last '/' of the
 * type URL with desc->name). A NULL Any holds nothing. */
int baton__any_is(const Google__Protobuf__Any *any, const ProtobufCMessageDescriptor *desc);

/*
 * Decodes the Any's value as `desc` (which must match its type URL, else BATON_EINVALID), with
 * memory from `arena`. Malformed bytes: BATON_EDATALOSS.
 */
int baton__any_unpack(baton_arena *arena, const Google__Protobuf__Any *any,
                      const ProtobufCMessageDescriptor *desc, ProtobufCMessage **out);

/*
 * Deterministic serialization: map entries (repeated *Entry messages with key=1, value=2) sorted
 * by key at every depth, as Go's deterministic marshalling does (strings bytewise, integers
 * numerically, false before true; entries with equal keys keep their order); then
 * protobuf_c_message_pack. `msg` is borrowed and not modified: messages on the way to an unsorted
 * map are shallow-copied into `arena` for the packing. *data (arena memory, never NULL on
 * success, even for 0 bytes) and *len receive the bytes.
 */
int baton__pb_pack(baton_arena *arena, const ProtobufCMessage *msg, uint8_t **data, size_t *len);

/*
 * Sorts the entries of every map field of `msg`, at every depth, by key (stable, so among equal
 * keys the last one keeps winning). Modifies the (mutable, e.g. arena-built) message's arrays in
 * place; allocates only a temporary scratch buffer, so it fails only with BATON_EEXHAUSTED.
 */
int baton__pb_sort_maps(ProtobufCMessage *msg);

/* protobuf_c_message_unpack with arena memory; BATON_EDATALOSS (message names the type) on failure. */
int baton__pb_unpack(baton_arena *arena, const ProtobufCMessageDescriptor *desc, const uint8_t *data,
                     size_t len, ProtobufCMessage **out);

#endif
