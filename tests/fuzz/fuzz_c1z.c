/*
 * The c1z reader: the input is written as a file and opened read-only as any c1z (framing, zstd,
 * the SQLite payload and its tables), then read the way `baton` reads one: the sync runs, the
 * counts, every row of every table (decoded into objects), the assets. Decoder limits are small
 * (64 MiB) so a bomb is refused quickly.
 *
 * An input starting with 'Z' is a raw SQLite database instead, framed here into a valid c1z (the
 * zstd checksum would otherwise stop almost every mutation before SQLite sees it), so the
 * database's contents and the rows' bytes are fuzzed too.
 */
#include "fuzz.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "baton/store.h"

#include <zstd.h>

static char path[256];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	(void)argc;
	(void)argv;
	snprintf(path, sizeof(path), "%s/baton-fuzz-c1z-%ld.c1z", tmp && *tmp ? tmp : "/tmp", (long)getpid());
	setenv("BATON_LOG_LEVEL", "error", 1);
	return 0;
}

static void drain(baton_store *s, int kind)
{
	baton_store_query q = BATON_STORE_QUERY_INIT;
	baton_store_iter *it;
	int rc, n = 0;

	q.page_size = 0;
	rc = kind == 0 ? baton_store_list_resource_types(s, &q, &it) :
	     kind == 1 ? baton_store_list_resources(s, &q, &it) :
	     kind == 2 ? baton_store_list_entitlements(s, &q, &it) : baton_store_list_grants(s, &q, &it);
	if (rc)
		return;
	for (;;) {
		if (kind == 0) {
			baton_resource_type *rt;
			rc = baton_store_iter_next_resource_type(it, &rt);
		} else if (kind == 1) {
			baton_resource *r;
			rc = baton_store_iter_next_resource(it, &r);
		} else if (kind == 2) {
			baton_entitlement *e;
			rc = baton_store_iter_next_entitlement(it, &e);
		} else {
			baton_grant *g;
			rc = baton_store_iter_next_grant(it, &g);
		}
		if (rc || ++n > 100000)
			break;
	}
	baton_store_iter_free(it);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	baton_store_options o = BATON_STORE_OPTIONS_INIT;
	baton_store *s;
	baton_ctx *ctx;
	int fd;

	if (!path[0])
		LLVMFuzzerInitialize(NULL, NULL);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return 0;
	if (size > 1 && data[0] == 'Z') {
		size_t cap = ZSTD_compressBound(size - 1);
		uint8_t *frame = malloc(cap + 5);
		size_t n;
		if (!frame) {
			close(fd);
			return 0;
		}
		memcpy(frame, "C1ZF", 5);
		n = ZSTD_compress(frame + 5, cap, data + 1, size - 1, 1);
		if (ZSTD_isError(n) || write(fd, frame, n + 5) != (ssize_t)(n + 5)) {
			free(frame);
			close(fd);
			return 0;
		}
		free(frame);
	} else if (size && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	close(fd);
	o.read_only = true;
	o.max_decoded_size_mb = 64;
	o.max_window_mb = 64;
	if (baton_store_open(path, &o, &s) == 0) {
		baton_store_counts c;
		baton_sync_run *runs;
		size_t n;
		if (baton_ctx_new(&ctx) == 0) {
			if (baton_store_sync_list(s, ctx, &runs, &n) == 0) {
				for (size_t i = 0; i < n && i < 16; i++) {
					const char *ct;
					const uint8_t *bytes;
					size_t len;
					baton_store_count(s, runs[i].id, &c);
					baton_store_get_asset(s, runs[i].id, "a", ctx, &ct, &bytes, &len);
				}
			}
			baton_ctx_free(ctx);
		}
		baton_store_count(s, NULL, &c);
		for (int k = 0; k < 4; k++)
			drain(s, k);
		baton_store_discard(s);
	}
	unlink(path);
	return 0;
}
