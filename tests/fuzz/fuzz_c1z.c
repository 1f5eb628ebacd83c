/*
 * The c1z reader: the input is written as a file and opened read-only as any c1z (framing, zstd,
 * the SQLite payload and its tables), then read the way `baton` reads one: the sync runs, the
 * counts, every row of every table (decoded into objects) streamed and paged (both give the same
 * number of rows), filtered by the first rows' ids, the point reads of those ids, the assets; for
 * each sync and for the store's default choice. Decoder limits are small (64 MiB) so a bomb is
 * refused quickly.
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

/* What a first row gives to filter and point-read by (copied: rows are borrowed). */
typedef struct {
	char *rt_id, *res_type, *res_id, *ent_id, *grant_id, *pr_type, *pr_id;
} seen;

static char *copy_str(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void seen_free(seen *w)
{
	free(w->rt_id);
	free(w->res_type);
	free(w->res_id);
	free(w->ent_id);
	free(w->grant_id);
	free(w->pr_type);
	free(w->pr_id);
	memset(w, 0, sizeof(*w));
}

/*
 * One listing of kind (0 types, 1 resources, 2 entitlements, 3 grants) under q, following page
 * tokens when q->page_size is set. Returns the rows read, or -1 when the listing stopped on an
 * error (or did not end within 100,000 rows or 10,000 pages). The first row's ids go to *w.
 */
static long drain(baton_store *s, int kind, const baton_store_query *q0, seen *w)
{
	baton_store_query q = *q0;
	char *token = NULL;
	long n = 0;
	int pages = 0;

	for (;;) {
		baton_store_iter *it;
		int rc = kind == 0 ? baton_store_list_resource_types(s, &q, &it) :
		         kind == 1 ? baton_store_list_resources(s, &q, &it) :
		         kind == 2 ? baton_store_list_entitlements(s, &q, &it) : baton_store_list_grants(s, &q, &it);
		if (rc) {
			free(token);
			return -1;
		}
		for (;;) {
			if (kind == 0) {
				baton_resource_type *rt;
				rc = baton_store_iter_next_resource_type(it, &rt);
				if (!rc && w && !w->rt_id)
					w->rt_id = copy_str(baton_resource_type_id(rt));
			} else if (kind == 1) {
				baton_resource *r;
				rc = baton_store_iter_next_resource(it, &r);
				if (!rc && w && !w->res_id) {
					baton_resource_id id = baton_resource_get_id(r);
					w->res_type = copy_str(id.resource_type);
					w->res_id = copy_str(id.resource);
				}
			} else if (kind == 2) {
				baton_entitlement *e;
				rc = baton_store_iter_next_entitlement(it, &e);
				if (!rc && w && !w->ent_id)
					w->ent_id = copy_str(baton_entitlement_id(e));
			} else {
				baton_grant *g;
				rc = baton_store_iter_next_grant(it, &g);
				if (!rc && w && !w->grant_id) {
					baton_resource_id p = baton_grant_principal_id(g);
					w->grant_id = copy_str(baton_grant_id(g));
					w->pr_type = copy_str(p.resource_type);
					w->pr_id = copy_str(p.resource);
				}
			}
			if (rc)
				break;
			if (++n > 100000) {
				baton_store_iter_free(it);
				free(token);
				return -1;
			}
		}
		const char *next = rc == BATON_ITEROVER && q.page_size ? baton_store_iter_next_page_token(it) : NULL;
		char *copy = next && *next ? strdup(next) : NULL;
		baton_store_iter_free(it);
		free(token);
		token = copy;
		if (rc != BATON_ITEROVER) {
			free(token);
			return -1;
		}
		if (!token)
			return n;
		if (++pages > 10000) {
			free(token);
			return -1;
		}
		q.page_token = token;
	}
}

/*
 * Every listing streamed and paged (the two must agree on the row count), then filtered by the
 * first row's ids, then point reads of those ids; under sync_id (NULL: the store's choice).
 */
static void read_all(baton_store *s, const char *sync_id, baton_ctx *ctx)
{
	baton_store_query q = BATON_STORE_QUERY_INIT;
	seen w = {0};

	q.sync_id = sync_id;
	for (int k = 0; k < 4; k++) {
		long all = drain(s, k, &q, &w), paged;
		q.page_size = 3;
		paged = drain(s, k, &q, NULL);
		q.page_size = 0;
		if (all >= 0 && paged >= 0)
			FUZZ_CHECK(all == paged);
	}
	if (w.res_id) {
		baton_resource_id rid = {w.res_type, w.res_id};
		baton_store_query f = q;
		baton_resource *r;
		f.resource_type_id = w.res_type;
		drain(s, 1, &f, NULL);
		f.resource_type_id = NULL;
		f.parent = &rid;
		drain(s, 1, &f, NULL);
		f.parent = NULL;
		f.resource = &rid;
		drain(s, 2, &f, NULL);
		drain(s, 3, &f, NULL);
		baton_store_get_resource(s, sync_id, &rid, ctx, &r);
	}
	if (w.ent_id) {
		baton_store_query f = q;
		baton_entitlement *e;
		f.entitlement_id = w.ent_id;
		f.page_size = 2;
		drain(s, 3, &f, NULL);
		baton_store_get_entitlement(s, sync_id, w.ent_id, ctx, &e);
	}
	if (w.grant_id) {
		baton_resource_id pid = {w.pr_type, w.pr_id};
		baton_store_query f = q;
		baton_grant *g;
		f.principal = &pid;
		drain(s, 3, &f, NULL);
		baton_store_get_grant(s, sync_id, w.grant_id, ctx, &g);
	}
	if (w.rt_id) {
		baton_resource_type *rt;
		baton_store_get_resource_type(s, sync_id, w.rt_id, ctx, &rt);
	}
	seen_free(&w);
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
		baton_sync_run *runs, run;
		size_t n;
		if (baton_ctx_new(&ctx) == 0) {
			if (baton_store_sync_list(s, ctx, &runs, &n) == 0) {
				for (size_t i = 0; i < n && i < 4; i++) {
					const char *ct;
					const uint8_t *bytes;
					size_t len;
					baton_store_count(s, runs[i].id, &c);
					baton_store_get_asset(s, runs[i].id, "a", ctx, &ct, &bytes, &len);
					baton_store_sync_get(s, runs[i].id, ctx, &run);
					read_all(s, runs[i].id, ctx);
				}
			}
			baton_store_sync_latest_finished(s, BATON_SYNC_TYPE_ANY, ctx, &run);
			baton_store_sync_latest_finished(s, BATON_SYNC_TYPE_FULL, ctx, &run);
			baton_store_sync_latest_unfinished(s, BATON_SYNC_TYPE_ANY, ctx, &run);
			baton_store_count(s, NULL, &c);
			read_all(s, NULL, ctx);
			baton_ctx_free(ctx);
		}
		baton_store_discard(s);
	}
	unlink(path);
	return 0;
}
