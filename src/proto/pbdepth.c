/*
 * Nesting check of protobuf wire bytes before protobuf-c decodes them. protobuf_c_message_unpack
 * recurses once per nested message and has no limit of its own: a google.protobuf.Struct nested
 * a few thousand deep in an 84 KB c1z row is enough to overflow the stack. This walk follows the
 * same bytes with the message descriptors, iteratively (its own stack, on the heap), and refuses
 * nesting deeper than BATON_PB_MAX_DEPTH before anything recursive runs.
 *
 * Only the depth is checked here; anything malformed is left for protobuf-c to report. An Any's
 * value is bytes to protobuf-c (decoded later, and checked then, by baton__any_unpack).
 */
#include "proto/pbutil.h"

#include <stdlib.h>

#include "core/error.h"

typedef struct frame {
	const ProtobufCMessageDescriptor *desc;
	size_t end;
} frame;

/* Reads a varint at *pos (< end). Returns false when malformed or truncated. */
static bool read_varint(const uint8_t *d, size_t end, size_t *pos, uint64_t *out)
{
	size_t n = baton__pb_varint_get(d + *pos, d + end, out);
	*pos += n;
	return n != 0;
}

int baton__pb_check_depth(const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t len)
{
	/* The deepest nesting there can be in `len` bytes is len / 2 (a key and a length byte per
	 * level), so short inputs need no check at all. */
	if (len / 2 < BATON_PB_MAX_DEPTH)
		return 0;
	frame *stack = malloc((BATON_PB_MAX_DEPTH + 1) * sizeof(*stack));
	if (!stack)
		return baton__error_oom("protobuf nesting check");
	size_t top = 0, pos = 0;
	int rc = 0;
	stack[0] = (frame){desc, len};
	for (;;) {
		/* The message at the top is done: back to its parent. */
		while (pos >= stack[top].end) {
			if (top == 0)
				goto done;
			top--;
		}
		frame *f = &stack[top];
		uint64_t key, n;
		if (!read_varint(data, f->end, &pos, &key))
			goto done; /* malformed: protobuf-c says so */
		switch (key & 7) {
		case 0:
			if (!read_varint(data, f->end, &pos, &n))
				goto done;
			break;
		case 1:
			pos += 8;
			break;
		case 5:
			pos += 4;
			break;
		case 2: {
			if (!read_varint(data, f->end, &pos, &n) || n > f->end - pos)
				goto done;
			const ProtobufCFieldDescriptor *fd =
				key >> 3 <= UINT32_MAX ?
					protobuf_c_message_descriptor_get_field(f->desc, (unsigned)(key >> 3)) :
					NULL;
			if (fd && fd->type == PROTOBUF_C_TYPE_MESSAGE && fd->descriptor) {
				if (top + 1 >= BATON_PB_MAX_DEPTH) {
					rc = baton_error_set(BATON_EINVALID, "%s: messages nested deeper than %d levels",
					                     desc->name, BATON_PB_MAX_DEPTH);
					goto done;
				}
				stack[++top] = (frame){fd->descriptor, pos + (size_t)n};
			} else {
				pos += (size_t)n;
			}
			break;
		}
		default:
			goto done; /* groups: protobuf-c does not take them */
		}
		if (pos > f->end)
			goto done;
	}
done:
	free(stack);
	return rc;
}

/*
 * protobuf-c checks that a key is not 0 on its first byte only: a key written in two or more bytes
 * (0x80 0x00, 0x85 0x00, ...) gives field number 0, which the protobuf encoding does not allow
 * (Go's decoder refuses it), and protobuf-c keeps it as an unknown field that it then packs as the
 * one-byte key 0x00 and refuses to unpack: what was read could not be read back. Unknown fields are
 * the only place a field number 0 can land, so the decoded tree is searched for one.
 */
static bool has_field_zero(const ProtobufCMessage *m, int depth)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	for (unsigned i = 0; i < m->n_unknown_fields; i++) {
		if (m->unknown_fields[i].tag == 0)
			return true;
	}
	if (depth > BATON_PB_MAX_DEPTH)
		return false; /* cannot happen: the nesting was checked before decoding */
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *fd = &d->fields[i];
		if (fd->type != PROTOBUF_C_TYPE_MESSAGE || !baton__pb_has(m, fd))
			continue;
		if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = baton__pb_count(m, fd);
			ProtobufCMessage *const *v = *(ProtobufCMessage *const *const *)baton__pb_member(m, fd);
			for (size_t k = 0; k < n; k++) {
				if (v[k] && has_field_zero(v[k], depth + 1))
					return true;
			}
			continue;
		}
		if (has_field_zero(*(ProtobufCMessage *const *)baton__pb_member(m, fd), depth + 1))
			return true;
	}
	return false;
}

int baton__pb_check_field_numbers(const ProtobufCMessage *m)
{
	if (has_field_zero(m, 0))
		return baton_error_set(BATON_EDATALOSS, "cannot decode %s: a field number is 0", m->descriptor->name);
	return 0;
}
