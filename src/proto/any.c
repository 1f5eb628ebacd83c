/* Deterministic packing, and google.protobuf.Any built on it. */
#include "proto/any.h"

#include <string.h>

#include "core/error.h"
#include "proto/pbutil.h"
#include "proto/registry.h"

static int entry_cmp(const void *a, const void *b, const void *ctx)
{
	return baton__pb_map_key_cmp(ctx, a, b);
}

static int view_copy(baton_arena *arena, const ProtobufCMessage *m, ProtobufCMessage **copy)
{
	if (*copy)
		return 0;
	*copy = baton_arena_memdup(arena, m, m->descriptor->sizeof_message);
	return *copy ? 0 : baton__error_oom("deterministic pack");
}

/*
 * Gives in *out a message equal to `m` whose map entries are sorted by key at every depth, without
 * touching `m`: messages on the way to an unsorted map are shallow-copied into the arena, the rest
 * is shared. *out is `m` itself when everything is sorted already.
 */
static int sorted_view(baton_arena *arena, const ProtobufCMessage *m, const ProtobufCMessage **out)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	ProtobufCMessage *copy = NULL;
	int rc;

	*out = m;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (f->type != PROTOBUF_C_TYPE_MESSAGE)
			continue;
		if (f->label != PROTOBUF_C_LABEL_REPEATED) {
			if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
			    *(const uint32_t *)baton__pb_quantifier(m, f) != f->id)
				continue;
			const ProtobufCMessage *sub = *(ProtobufCMessage *const *)baton__pb_member(m, f);
			const ProtobufCMessage *v;
			if (!sub)
				continue;
			if ((rc = sorted_view(arena, sub, &v)) < 0)
				return rc;
			if (v != sub) {
				if ((rc = view_copy(arena, m, &copy)) < 0)
					return rc;
				*(const ProtobufCMessage **)baton__pb_member(copy, f) = v;
			}
			continue;
		}

		size_t n = baton__pb_count(m, f);
		const ProtobufCMessage *const *arr =
			*(const ProtobufCMessage *const *const *)baton__pb_member(m, f);
		const ProtobufCMessage **narr = NULL;
		for (size_t j = 0; j < n; j++) {
			const ProtobufCMessage *v;
			if ((rc = sorted_view(arena, arr[j], &v)) < 0)
				return rc;
			if (v == arr[j])
				continue;
			if (!narr && !(narr = baton_arena_memdup(arena, arr, n * sizeof(*arr))))
				return baton__error_oom("deterministic pack");
			narr[j] = v;
		}
		if (n > 1 && baton__pb_is_map(d, f)) {
			const ProtobufCMessage *const *cur = narr ? narr : arr;
			bool sorted = true;
			for (size_t j = 1; j < n && sorted; j++)
				sorted = baton__pb_map_key_cmp(f->descriptor, cur[j - 1], cur[j]) <= 0;
			if (!sorted) {
				void **tmp = baton_arena_alloc_raw(arena, n * sizeof(*tmp));
				if (!narr && tmp)
					narr = baton_arena_memdup(arena, arr, n * sizeof(*arr));
				if (!tmp || !narr)
					return baton__error_oom("deterministic pack");
				baton__pb_sort_ptrs((void **)narr, n, tmp, entry_cmp, f->descriptor);
			}
		}
		if (narr) {
			if ((rc = view_copy(arena, m, &copy)) < 0)
				return rc;
			*(const ProtobufCMessage ***)baton__pb_member(copy, f) = narr;
		}
	}
	if (copy)
		*out = copy;
	return 0;
}

int baton__pb_pack(baton_arena *arena, const ProtobufCMessage *msg, uint8_t **data, size_t *len)
{
	const ProtobufCMessage *v;
	int rc;

	*data = NULL;
	*len = 0;
	if ((rc = sorted_view(arena, msg, &v)) < 0)
		return rc;
	size_t size = protobuf_c_message_get_packed_size(v);
	uint8_t *buf = baton_arena_alloc_raw(arena, size ? size : 1);
	if (!buf)
		return baton__error_oom("packing a message");
	size_t wrote = protobuf_c_message_pack(v, buf);
	if (wrote != size)
		return baton_error_set(BATON_EINTERNAL, "packing %s wrote %zu bytes, expected %zu",
		                       msg->descriptor->name, wrote, size);
	*data = buf;
	*len = size;
	return 0;
}

int baton__pb_unpack(baton_arena *arena, const ProtobufCMessageDescriptor *desc, const uint8_t *data,
                     size_t len, ProtobufCMessage **out)
{
	ProtobufCAllocator al = baton_arena_pb_allocator(arena);
	*out = NULL;
	int rc = baton__pb_check_depth(desc, data, len); /* protobuf-c recurses without a limit */
	if (rc)
		return rc;
	*out = protobuf_c_message_unpack(desc, &al, len, data);
	if (!*out)
		return baton_error_set(BATON_EDATALOSS, "cannot decode %s from %zu bytes", desc->name, len);
	if ((rc = baton__pb_check_field_numbers(*out)) != 0)
		*out = NULL; /* arena memory: released with the arena */
	return rc;
}

int baton__any_pack_into(baton_arena *arena, const ProtobufCMessage *msg, Google__Protobuf__Any *any)
{
	const char *name = msg->descriptor->name;
	size_t plen = strlen(BATON_TYPE_URL_PREFIX), nlen = strlen(name);
	uint8_t *data;
	size_t len;
	int rc;

	google__protobuf__any__init(any);
	char *url = baton_arena_alloc_raw(arena, plen + nlen + 1);
	if (!url)
		return baton__error_oom("Any type URL");
	memcpy(url, BATON_TYPE_URL_PREFIX, plen);
	memcpy(url + plen, name, nlen + 1);
	if ((rc = baton__pb_pack(arena, msg, &data, &len)) < 0)
		return rc;
	any->type_url = url;
	any->value.data = data;
	any->value.len = len;
	return 0;
}

int baton__any_pack(baton_arena *arena, const ProtobufCMessage *msg, Google__Protobuf__Any **out)
{
	Google__Protobuf__Any *any = baton_arena_alloc(arena, sizeof(*any));
	*out = NULL;
	if (!any)
		return baton__error_oom("Any");
	int rc = baton__any_pack_into(arena, msg, any);
	if (rc == 0)
		*out = any;
	return rc;
}

int baton__any_is(const Google__Protobuf__Any *any, const ProtobufCMessageDescriptor *desc)
{
	const char *name = any ? baton__type_url_name(any->type_url) : NULL;
	return name && strcmp(name, desc->name) == 0;
}

int baton__any_unpack(baton_arena *arena, const Google__Protobuf__Any *any,
                      const ProtobufCMessageDescriptor *desc, ProtobufCMessage **out)
{
	*out = NULL;
	if (!baton__any_is(any, desc))
		return baton_error_set(BATON_EINVALID, "Any holds \"%s\", not %s",
		                       any && any->type_url ? any->type_url : "", desc->name);
	return baton__pb_unpack(arena, desc, any->value.data, any->value.len, out);
}
