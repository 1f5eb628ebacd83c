/*
 * The descriptor registry: every message type of our schema and of the well-known types, by full
 * name ("c1.connector.v2.UserTrait") and by Any type URL
 * ("type.googleapis.com/c1.connector.v2.UserTrait"). Built from the generated list
 * (cmake/gen_registry.cmake); lookups are binary searches over a table sorted once.
 */
#ifndef BATON_PROTO_REGISTRY_H
#define BATON_PROTO_REGISTRY_H

#include <stddef.h>
#include <protobuf-c/protobuf-c.h>

#define BATON_TYPE_URL_PREFIX "type.googleapis.com/"

/* Descriptor for a full message name (static, never freed), or NULL. Thread-safe; the sorted
 * table is built on the first call of any registry function (pthread_once). */
const ProtobufCMessageDescriptor *baton__registry_find(const char *full_name);

/* Descriptor for a type URL (anything up to and including the last '/' is ignored), or NULL. */
const ProtobufCMessageDescriptor *baton__registry_find_url(const char *type_url);

/* Number of registered message types (0 only if the table could not be allocated). */
size_t baton__registry_count(void);

/* The message name inside a type URL (borrowed pointer into `type_url`; NULL gives NULL). */
const char *baton__type_url_name(const char *type_url);

/* The i-th registered descriptor in full-name order (static; NULL past the end). For tests and
 * tools that walk every type. */
const ProtobufCMessageDescriptor *baton__registry_at(size_t i);

/* The generated list the registry is built from (cmake/gen_registry.cmake), unsorted. Static. */
extern const ProtobufCMessageDescriptor *const baton__gen_descriptors[];
extern const size_t baton__gen_descriptor_count;

#endif
