/*
 * protojson (src/proto/protojson.h), both directions, for every message of the registry (the
 * first byte picks it):
 *  - second byte even: the rest is JSON; what reads writes, and what it writes reads back and
 *    writes the same text again;
 *  - odd: the rest is protobuf binary; a message that unpacks and writes must read back.
 */
#include "fuzz.h"

#include <string.h>

#include "core/arena.h"
#include "proto/protojson.h"
#include "proto/registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t count = baton__registry_count();
	const ProtobufCMessageDescriptor *desc;
	baton_arena arena;
	ProtobufCMessage *m = NULL, *m2 = NULL;
	char *out = NULL, *out2 = NULL;
	size_t len = 0, len2 = 0;

	if (size < 2 || count == 0)
		return 0;
	desc = baton__registry_at(data[0] % count);
	baton_arena_init(&arena);
	if ((data[1] & 1) == 0) {
		if (baton__protojson_read(&arena, desc, (const char *)data + 2, size - 2, &m) == 0 &&
		    baton__protojson_write(&arena, m, NULL, &out, &len) == 0) {
			FUZZ_CHECK(baton__protojson_read(&arena, desc, out, len, &m2) == 0);
			FUZZ_CHECK(baton__protojson_write(&arena, m2, NULL, &out2, &len2) == 0);
			FUZZ_CHECK(len == len2 && memcmp(out, out2, len) == 0);
		}
	} else {
		m = protobuf_c_message_unpack(desc, NULL, size - 2, data + 2);
		if (m) {
			baton_protojson_opts o = {data[1] & 2, data[1] & 4};
			if (baton__protojson_write(&arena, m, &o, &out, &len) == 0)
				FUZZ_CHECK(baton__protojson_read(&arena, desc, out, len, &m2) == 0);
			protobuf_c_message_free_unpacked(m, NULL);
		}
	}
	baton_arena_release(&arena);
	return 0;
}
