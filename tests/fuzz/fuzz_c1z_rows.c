/*
 * Structure-aware c1z rows: each input is a recipe for nested google.protobuf.Struct / ListValue
 * bytes put into one row of a valid c1z (a resource's profile, an entitlement's resource, a
 * grant's principal, or a GrantMetadata annotation of a grant), read back the way `baton` reads
 * it (every listing, then protojson of resources and grants). Plain byte mutation almost never
 * makes thousands of well-formed nested levels; this target does on every input.
 *
 * Input: [0] target (0..3), [1..2] depth (little endian, up to 65,535), [3] flags (bit 0: append
 * the second half of the rest as raw bytes after the nesting), then shape bytes: level k uses
 * shape[k % n] & 3 (0: Struct, 1: ListValue, 2: ListValue with a number beside, 3: Struct with a
 * second field).
 *
 * Invariants: never a crash; nesting over the decoder's bound is refused; well-formed nesting
 * comfortably under it is read.
 */
#include "fuzz.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>
#include <zstd.h>

#include "baton.h"
#include "baton/store.h"
#include "proto/pbutil.h"

static char c1z_path[256], db_path[256];
static uint8_t *db_template;
static size_t db_template_len;

static uint8_t *read_all(const char *p, size_t *len)
{
	FILE *f = fopen(p, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *b = malloc(n > 0 ? (size_t)n : 1);
	if (b && n > 0 && fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		b = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return b;
}

static int write_all(const char *p, const void *b, size_t n)
{
	FILE *f = fopen(p, "wb");
	if (!f)
		return -1;
	int ok = fwrite(b, 1, n, f) == n;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/* The base file: one sync with a user, a group, its "member" entitlement and a grant. */
static void make_template(void)
{
	baton_store *s;
	baton_ctx *ctx;
	baton_resource_type *ut, *gt;
	baton_resource *u, *grp;
	baton_entitlement *member;
	baton_grant *g;
	char id[28];
	unlink(c1z_path);
	if (baton_store_open(c1z_path, NULL, &s) || baton_ctx_new(&ctx))
		abort();
	baton_resource_id pid = {"user", "alice"};
	if (baton_store_sync_start(s, BATON_SYNC_TYPE_FULL, NULL, id) ||
	    baton_resource_type_new(ctx, "user", (const baton_trait[]){BATON_TRAIT_USER}, 1, &ut) ||
	    baton_resource_type_new(ctx, "group", (const baton_trait[]){BATON_TRAIT_GROUP}, 1, &gt) ||
	    baton_store_put_resource_type(s, ut) || baton_store_put_resource_type(s, gt) ||
	    baton_user_resource_new(ctx, "Alice", ut, "alice", &u) || baton_store_put_resource(s, u) ||
	    baton_group_resource_new(ctx, "Eng", gt, "eng", &grp) || baton_store_put_resource(s, grp) ||
	    baton_assignment_entitlement_new(ctx, grp, "member", &member) ||
	    baton_store_put_entitlement(s, member) || baton_grant_new(ctx, grp, "member", &pid, &g) ||
	    baton_store_put_grant(s, g) || baton_store_sync_end(s) || baton_store_close(s))
		abort();
	baton_ctx_free(ctx);
	size_t n;
	uint8_t *c1z = read_all(c1z_path, &n);
	if (!c1z || n < 5)
		abort();
	unsigned long long dn = ZSTD_getFrameContentSize(c1z + 5, n - 5);
	if (dn == ZSTD_CONTENTSIZE_ERROR || dn == ZSTD_CONTENTSIZE_UNKNOWN)
		abort();
	db_template = malloc((size_t)dn);
	if (!db_template || ZSTD_isError(ZSTD_decompress(db_template, (size_t)dn, c1z + 5, n - 5)))
		abort();
	db_template_len = (size_t)dn;
	free(c1z);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	(void)argc;
	(void)argv;
	snprintf(c1z_path, sizeof(c1z_path), "%s/baton-fuzz-rows-%ld.c1z", tmp && *tmp ? tmp : "/tmp",
	         (long)getpid());
	snprintf(db_path, sizeof(db_path), "%s/baton-fuzz-rows-%ld.db", tmp && *tmp ? tmp : "/tmp",
	         (long)getpid());
	setenv("BATON_LOG_LEVEL", "error", 1);
	make_template();
	return 0;
}

/* Bytes written back to front: the content of a field is known before its key and length. */
typedef struct back {
	uint8_t *buf;
	size_t cap, used;
} back;

static void put(back *b, const void *p, size_t n)
{
	b->used += n;
	memcpy(b->buf + b->cap - b->used, p, n);
}

static void put_byte(back *b, uint8_t c)
{
	put(b, &c, 1);
}

static void put_varint(back *b, uint64_t v)
{
	uint8_t tmp[10];
	size_t n = 0;
	do {
		tmp[n++] = (uint8_t)((v & 0x7F) | (v >= 0x80 ? 0x80 : 0));
		v >>= 7;
	} while (v);
	put(b, tmp, n);
}

/* Wraps everything written so far as field `key` (length-delimited). */
static void wrap(back *b, uint8_t key)
{
	put_varint(b, b->used);
	put_byte(b, key);
}

/* Struct{fields: entry{key "a", value: <what is written>}} (the entry and the Struct). */
static void struct_of_value(back *b)
{
	static const uint8_t key[] = {0x0a, 0x01, 'a'};
	wrap(b, 0x12);
	put(b, key, sizeof(key));
	wrap(b, 0x0a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!db_template)
		LLVMFuzzerInitialize(NULL, NULL);
	if (size < 4)
		return 0;
	int target = data[0] & 3;
	size_t depth = (size_t)data[1] | (size_t)data[2] << 8;
	bool tail = data[3] & 1;
	const uint8_t *shape = data + 4, *raw = NULL;
	size_t nshape = size - 4, nraw = 0;
	if (tail) {
		nraw = nshape / 2;
		nshape -= nraw;
		raw = shape + nshape;
	}

	back b = {NULL, depth * 32 + nraw + 256, 0};
	if (!(b.buf = malloc(b.cap)))
		return 0;
	size_t levels = 0;
	put(&b, (const uint8_t[]){0x1a, 0x01, 'x'}, 3); /* the innermost Value: "x" */
	for (size_t k = 0; k < depth; k++) {
		int mode = nshape ? shape[k % nshape] & 3 : 0;
		if (mode == 0 || mode == 3) {
			struct_of_value(&b);
			if (mode == 3) {
				static const uint8_t sib[] = {0x0a, 0x07, 0x0a, 0x01, 'b', 0x12, 0x02, 0x20, 0x01};
				put(&b, sib, sizeof(sib)); /* fields: {"b": bool_value true} */
			}
			wrap(&b, 0x2a); /* Value.struct_value */
			levels += 3;
		} else {
			wrap(&b, 0x0a); /* ListValue.values */
			if (mode == 2) {
				static const uint8_t num[] = {0x0a, 0x09, 0x11, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f};
				put(&b, num, sizeof(num)); /* values: 1.0 */
			}
			wrap(&b, 0x32); /* Value.list_value */
			levels += 2;
		}
	}
	struct_of_value(&b); /* the profile / metadata Struct */
	levels += 4;          /* the row's message, the Struct, its entry, the outer Value */
	const char *table;
	if (target == 0) {
		wrap(&b, 0x4a); /* Resource.profile */
		table = "v1_resources";
	} else if (target == 1) {
		wrap(&b, 0x4a);
		wrap(&b, 0x0a); /* Entitlement.resource */
		table = "v1_entitlements";
		levels++;
	} else if (target == 2) {
		wrap(&b, 0x4a);
		wrap(&b, 0x12); /* Grant.principal */
		table = "v1_grants";
		levels++;
	} else {
		static const char url[] = "type.googleapis.com/c1.connector.v2.GrantMetadata";
		wrap(&b, 0x0a);  /* GrantMetadata.metadata */
		wrap(&b, 0x12);  /* Any.value */
		put(&b, url, sizeof(url) - 1);
		put_varint(&b, sizeof(url) - 1);
		put_byte(&b, 0x0a); /* Any.type_url */
		wrap(&b, 0x22);     /* Grant.annotations */
		table = "v1_grants";
	}
	/* raw bytes after the nesting: appended as they are */
	uint8_t *extra = malloc(b.used + nraw + 1);
	if (!extra) {
		free(b.buf);
		return 0;
	}
	memcpy(extra, b.buf + b.cap - b.used, b.used);
	if (nraw)
		memcpy(extra + b.used, raw, nraw);
	size_t nextra = b.used + nraw;
	free(b.buf);

	/* into the row, then back into a c1z */
	sqlite3 *db = NULL;
	sqlite3_stmt *st;
	char sql[160];
	int ok = write_all(db_path, db_template, db_template_len) == 0 && sqlite3_open(db_path, &db) == SQLITE_OK;
	snprintf(sql, sizeof(sql), "UPDATE %s SET data = data || ?1 WHERE id = (SELECT max(id) FROM %s)", table,
	         table);
	if (ok && sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_blob(st, 1, extra, (int)nextra, SQLITE_STATIC);
		ok = sqlite3_step(st) == SQLITE_DONE;
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	free(extra);
	size_t dn;
	uint8_t *dbb = ok ? read_all(db_path, &dn) : NULL;
	unlink(db_path);
	if (!dbb)
		return 0;
	size_t cap = ZSTD_compressBound(dn);
	uint8_t *frame = malloc(cap + 5);
	size_t zn = frame ? ZSTD_compress(frame + 5, cap, dbb, dn, 1) : 0;
	free(dbb);
	if (!frame || ZSTD_isError(zn)) {
		free(frame);
		return 0;
	}
	memcpy(frame, "C1ZF", 5);
	ok = write_all(c1z_path, frame, zn + 5) == 0;
	free(frame);
	if (!ok)
		return 0;

	/* read it as `baton` does */
	baton_store_options o = BATON_STORE_OPTIONS_INIT;
	baton_store *s;
	baton_ctx *ctx;
	o.read_only = true;
	if (baton_store_open(c1z_path, &o, &s) != 0 || baton_ctx_new(&ctx) != 0)
		abort(); /* the file is valid apart from that row */
	baton_store_iter *it;
	int rc = 0, json_rc = 0;
	if (target == 0) {
		baton_resource *r;
		if (baton_store_list_resources(s, NULL, &it) == 0) {
			while ((rc = baton_store_iter_next_resource(it, &r)) == 0) {
				char *j;
				if (baton_resource_to_json(r, ctx, &j) != 0)
					json_rc = -1;
			}
			baton_store_iter_free(it);
		}
	} else if (target == 1) {
		baton_entitlement *e;
		if (baton_store_list_entitlements(s, NULL, &it) == 0) {
			while ((rc = baton_store_iter_next_entitlement(it, &e)) == 0)
				;
			baton_store_iter_free(it);
		}
	} else {
		baton_grant *g;
		if (baton_store_list_grants(s, NULL, &it) == 0) {
			while ((rc = baton_store_iter_next_grant(it, &g)) == 0) {
				char *j;
				if (baton_grant_to_json(g, ctx, &j) != 0)
					json_rc = -1;
			}
			baton_store_iter_free(it);
		}
	}
	(void)json_rc;
	baton_ctx_free(ctx);
	baton_store_discard(s);
	unlink(c1z_path);
	if (target != 3) {
		if (levels > BATON_PB_MAX_DEPTH)
			FUZZ_CHECK(rc != BATON_ITEROVER); /* refused */
		else if (!nraw && levels + 8 < BATON_PB_MAX_DEPTH)
			FUZZ_CHECK(rc == BATON_ITEROVER); /* read */
	}
	return 0;
}
