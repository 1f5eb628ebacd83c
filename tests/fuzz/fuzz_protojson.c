/*
 * protojson (src/proto/protojson.h), both directions, for every message of the registry. The
 * input starts with the message's full name and a newline ("google.protobuf.Struct\n"), so a seed
 * keeps its message as the registry grows (a first byte modulo the count picked it once: seeds went
 * to other messages as messages were added, and the 120 above index 255, google.protobuf.* among
 * them, were never reached). Then a mode byte:
 *  - even: the rest is JSON; what reads writes, and what it writes reads back and writes the same
 *    text again;
 *  - odd: the rest is protobuf binary; a message that unpacks and writes must read back (bits 2
 *    and 4 are the writer's options).
 * An unknown name is skipped.
 */
#include "fuzz.h"

#include <string.h>

#include "core/arena.h"
#include "proto/protojson.h"
#include "proto/registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const ProtobufCMessageDescriptor *desc;
	const uint8_t *nl = memchr(data, '\n', size < 256 ? size : 256);
	char name[256];
	baton_arena arena;
	ProtobufCMessage *m = NULL, *m2 = NULL;
	char *out = NULL, *out2 = NULL;
	size_t len = 0, len2 = 0;

	if (!nl || (size_t)(nl - data) + 2 > size)
		return 0;
	memcpy(name, data, (size_t)(nl - data));
	name[nl - data] = '\0';
	if ((desc = baton__registry_find(name)) == NULL)
		return 0;
	size -= (size_t)(nl + 1 - data);
	data = nl + 1;
	baton_arena_init(&arena);
	if ((data[0] & 1) == 0) {
		if (baton__protojson_read(&arena, desc, (const char *)data + 1, size - 1, &m) == 0 &&
		    baton__protojson_write(&arena, m, NULL, &out, &len) == 0) {
			FUZZ_CHECK(baton__protojson_read(&arena, desc, out, len, &m2) == 0);
			FUZZ_CHECK(baton__protojson_write(&arena, m2, NULL, &out2, &len2) == 0);
			FUZZ_CHECK(len == len2 && memcmp(out, out2, len) == 0);
		}
	} else {
		m = protobuf_c_message_unpack(desc, NULL, size - 1, data + 1);
		if (m) {
			baton_protojson_opts o = {data[0] & 2, data[0] & 4};
			if (baton__protojson_write(&arena, m, &o, &out, &len) == 0)
				FUZZ_CHECK(baton__protojson_read(&arena, desc, out, len, &m2) == 0);
			protobuf_c_message_free_unpacked(m, NULL);
		}
	}
	baton_arena_release(&arena);
	return 0;
}
