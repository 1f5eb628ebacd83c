#include "c1z_raw.h"
#include "testutil.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#define C1Z_MAGIC "C1ZF\0"
#define C1Z_MAGIC_LEN 5

struct c1z_raw {
	sqlite3 *db;
	char tmp_path[4096];
};

static void raw_discard(c1z_raw *raw)
{
	if (!raw)
		return;
	if (raw->db)
		sqlite3_close(raw->db);
	if (raw->tmp_path[0])
		unlink(raw->tmp_path);
	free(raw);
}

/*
 * Inflates everything after the magic from `in` into `out`, one buffer at a time. Returns NULL,
 * or a description of what went wrong (static, or in `why`).
 */
static const char *raw_inflate(FILE *in, FILE *out, char *why, size_t why_len)
{
	size_t in_cap = ZSTD_DStreamInSize(), out_cap = ZSTD_DStreamOutSize();
	void *in_buf = malloc(in_cap), *out_buf = malloc(out_cap);
	ZSTD_DStream *ds = ZSTD_createDStream();
	const char *err = NULL;
	size_t last = 1; /* non-zero until a frame has ended */
	bool any = false;

	if (!in_buf || !out_buf || !ds) {
		err = "out of memory";
		goto done;
	}
	ZSTD_initDStream(ds);

	for (;;) {
		size_t n = fread(in_buf, 1, in_cap, in);
		if (n == 0) {
			if (ferror(in)) {
				snprintf(why, why_len, "read error: %s", strerror(errno));
				err = why;
			}
			break;
		}
		any = true;
		ZSTD_inBuffer ib = { in_buf, n, 0 };
		while (ib.pos < ib.size) {
			ZSTD_outBuffer ob = { out_buf, out_cap, 0 };
			last = ZSTD_decompressStream(ds, &ob, &ib);
			if (ZSTD_isError(last)) {
				snprintf(why, why_len, "zstd: %s", ZSTD_getErrorName(last));
				err = why;
				goto done;
			}
			if (ob.pos && fwrite(out_buf, 1, ob.pos, out) != ob.pos) {
				snprintf(why, why_len, "write error: %s", strerror(errno));
				err = why;
				goto done;
			}
		}
	}
	/* Drain output the decoder may still hold once the input is used up. */
	while (!err && any && last != 0) {
		ZSTD_inBuffer ib = { in_buf, 0, 0 };
		ZSTD_outBuffer ob = { out_buf, out_cap, 0 };
		last = ZSTD_decompressStream(ds, &ob, &ib);
		if (ZSTD_isError(last)) {
			snprintf(why, why_len, "zstd: %s", ZSTD_getErrorName(last));
			err = why;
			break;
		}
		if (ob.pos == 0)
			break;
		if (fwrite(out_buf, 1, ob.pos, out) != ob.pos) {
			snprintf(why, why_len, "write error: %s", strerror(errno));
			err = why;
		}
	}
	if (!err && !any)
		err = "no zstd payload after the magic";
	else if (!err && last != 0)
		err = "truncated zstd payload";

done:
	ZSTD_freeDStream(ds);
	free(in_buf);
	free(out_buf);
	return err;
}

c1z_raw *c1z_raw_open(const char *path)
{
	char why[512], uri[3 * 4096 + 32];
	const char *err = NULL;
	unsigned char magic[C1Z_MAGIC_LEN];
	FILE *in = NULL, *out = NULL;
	int fd = -1;
	c1z_raw *raw = calloc(1, sizeof *raw);

	if (!raw)
		fail_msg("c1z_raw_open(%s): out of memory", path);

	in = fopen(path, "rb");
	if (!in) {
		snprintf(why, sizeof why, "cannot open: %s", strerror(errno));
		err = why;
		goto fail;
	}
	if (fread(magic, 1, sizeof magic, in) != sizeof magic ||
	    memcmp(magic, C1Z_MAGIC, C1Z_MAGIC_LEN) != 0) {
		err = "not a c1z file (bad or short magic; want \"C1ZF\\0\")";
		goto fail;
	}

	snprintf(raw->tmp_path, sizeof raw->tmp_path, "%s/c1z-raw-XXXXXX", test_out_dir());
	fd = mkstemp(raw->tmp_path);
	if (fd < 0) {
		snprintf(why, sizeof why, "mkstemp in %s: %s", test_out_dir(), strerror(errno));
		raw->tmp_path[0] = '\0';
		err = why;
		goto fail;
	}
	out = fdopen(fd, "wb");
	if (!out) {
		snprintf(why, sizeof why, "fdopen: %s", strerror(errno));
		close(fd);
		err = why;
		goto fail;
	}

	err = raw_inflate(in, out, why, sizeof why);
	if (fclose(out) != 0 && !err) {
		snprintf(why, sizeof why, "closing the temporary file: %s", strerror(errno));
		err = why;
	}
	out = NULL;
	if (err)
		goto fail;
	fclose(in);
	in = NULL;

	/*
	 * immutable=1: the file is ours and never changes, so SQLite takes no locks and creates no
	 * -wal/-shm files next to it (the Go SDK's files are in WAL mode).
	 */
	{
		/* A URI: escape the characters that would end or change the path part. */
		size_t o = 0;
		o += (size_t)snprintf(uri, sizeof uri, "file:");
		for (const char *p = raw->tmp_path; *p && o + 4 < sizeof uri; p++) {
			if (*p == '%' || *p == '?' || *p == '#')
				o += (size_t)snprintf(uri + o, sizeof uri - o, "%%%02X", (unsigned char)*p);
			else
				uri[o++] = *p;
		}
		snprintf(uri + o, sizeof uri - o, "?immutable=1");
	}
	if (sqlite3_open_v2(uri, &raw->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) != SQLITE_OK) {
		snprintf(why, sizeof why, "sqlite3_open_v2: %s",
		         raw->db ? sqlite3_errmsg(raw->db) : "out of memory");
		err = why;
		goto fail;
	}
	/* sqlite opens lazily: make it read the header now so a non-database fails here. */
	if (sqlite3_exec(raw->db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(why, sizeof why, "payload is not a SQLite database: %s", sqlite3_errmsg(raw->db));
		err = why;
		goto fail;
	}
	/*
	 * SQLite holds the file open now (and, immutable, never reopens it): remove its name at once,
	 * so a test that fails before c1z_raw_close leaves nothing behind.
	 */
	unlink(raw->tmp_path);
	raw->tmp_path[0] = '\0';
	return raw;

fail:
	if (in)
		fclose(in);
	if (out)
		fclose(out);
	{
		/* `why` lives on this frame; copy the reason before freeing anything it may point into. */
		char msg[600];
		snprintf(msg, sizeof msg, "%s", err);
		raw_discard(raw);
		fail_msg("c1z_raw_open(%s): %s", path, msg);
	}
	return NULL;
}

sqlite3 *c1z_raw_db(c1z_raw *raw)
{
	return raw->db;
}

static void raw_check_table_name(const char *table)
{
	if (!table || !*table)
		fail_msg("c1z_raw: empty table name");
	for (const char *p = table; *p; p++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
			fail_msg("c1z_raw: table name \"%s\" is not a plain identifier", table);
	}
}

int c1z_raw_each_blob(c1z_raw *raw, const char *table, c1z_raw_blob_fn fn, void *userdata)
{
	char sql[256];
	sqlite3_stmt *st = NULL;
	int rc, ret = 0;

	raw_check_table_name(table);
	snprintf(sql, sizeof sql, "SELECT id, data FROM \"%s\" ORDER BY id", table);
	if (sqlite3_prepare_v2(raw->db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("c1z_raw_each_blob(%s): %s", table, sqlite3_errmsg(raw->db));

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		const void *data = sqlite3_column_blob(st, 1);
		size_t len = (size_t)sqlite3_column_bytes(st, 1);
		ret = fn(id, data ? data : (const void *)"", len, userdata);
		if (ret != 0)
			break;
	}
	if (ret == 0 && rc != SQLITE_DONE) {
		char msg[512];
		snprintf(msg, sizeof msg, "%s", sqlite3_errmsg(raw->db));
		sqlite3_finalize(st);
		fail_msg("c1z_raw_each_blob(%s): %s", table, msg);
	}
	sqlite3_finalize(st);
	return ret;
}

int64_t c1z_raw_count(c1z_raw *raw, const char *table)
{
	char sql[256];
	sqlite3_stmt *st = NULL;
	int64_t n;

	raw_check_table_name(table);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\"", table);
	if (sqlite3_prepare_v2(raw->db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("c1z_raw_count(%s): %s", table, sqlite3_errmsg(raw->db));
	if (sqlite3_step(st) != SQLITE_ROW) {
		char msg[512];
		snprintf(msg, sizeof msg, "%s", sqlite3_errmsg(raw->db));
		sqlite3_finalize(st);
		fail_msg("c1z_raw_count(%s): %s", table, msg);
	}
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

void c1z_raw_close(c1z_raw *raw)
{
	raw_discard(raw);
}

/* ---- writing: edits in place and hand-made protobuf bytes --------------------------------- */

void c1z_raw_edit(const char *path, const char *sql, const void *blob, size_t blob_len)
{
	char tmp[4096], why[512];
	snprintf(tmp, sizeof tmp, "%s/c1z-edit-XXXXXX", test_out_dir());
	int fd = mkstemp(tmp);
	if (fd < 0)
		fail_msg("c1z_raw_edit: mkstemp: %s", strerror(errno));
	FILE *in = fopen(path, "rb"), *out = fdopen(fd, "wb");
	unsigned char magic[C1Z_MAGIC_LEN];
	if (!in || !out || fread(magic, 1, sizeof magic, in) != sizeof magic)
		fail_msg("c1z_raw_edit(%s): cannot read", path);
	const char *err = raw_inflate(in, out, why, sizeof why);
	fclose(in);
	fclose(out);
	if (err) {
		unlink(tmp);
		fail_msg("c1z_raw_edit(%s): %s", path, err);
	}
	sqlite3 *db;
	sqlite3_stmt *st;
	if (sqlite3_open(tmp, &db) != SQLITE_OK || sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		unlink(tmp);
		fail_msg("c1z_raw_edit(%s): %s: %s", path, sql, sqlite3_errmsg(db));
	}
	if (blob)
		sqlite3_bind_blob(st, 1, blob, (int)blob_len, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		unlink(tmp);
		fail_msg("c1z_raw_edit(%s): %s: %s", path, sql, sqlite3_errmsg(db));
	}
	sqlite3_close(db);

	/* back into a c1z: magic + one zstd frame */
	in = fopen(tmp, "rb");
	fseek(in, 0, SEEK_END);
	long n = ftell(in);
	fseek(in, 0, SEEK_SET);
	unsigned char *raw = malloc((size_t)n), *z = malloc(ZSTD_compressBound((size_t)n));
	if (!raw || !z || fread(raw, 1, (size_t)n, in) != (size_t)n)
		fail_msg("c1z_raw_edit(%s): cannot reread", path);
	fclose(in);
	unlink(tmp);
	size_t zn = ZSTD_compress(z, ZSTD_compressBound((size_t)n), raw, (size_t)n, 1);
	if (ZSTD_isError(zn))
		fail_msg("c1z_raw_edit: zstd: %s", ZSTD_getErrorName(zn));
	out = fopen(path, "wb");
	if (!out || fwrite(C1Z_MAGIC, 1, C1Z_MAGIC_LEN, out) != C1Z_MAGIC_LEN || fwrite(z, 1, zn, out) != zn ||
	    fclose(out) != 0)
		fail_msg("c1z_raw_edit(%s): cannot write", path);
	free(raw);
	free(z);
}

static size_t vlen(uint64_t v)
{
	size_t n = 1;
	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static uint8_t *put_varint(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

uint8_t *c1z_raw_pb_field(uint32_t field, const void *bytes, size_t len, size_t *out_len)
{
	uint64_t key = ((uint64_t)field << 3) | 2;
	*out_len = vlen(key) + vlen(len) + len;
	uint8_t *b = malloc(*out_len ? *out_len : 1), *p = b;
	if (!b)
		fail_msg("c1z_raw_pb_field: out of memory");
	p = put_varint(p, key);
	p = put_varint(p, len);
	if (len)
		memcpy(p, bytes, len);
	return b;
}

uint8_t *c1z_raw_deep_struct(size_t depth, bool lists, size_t *out_len)
{
	/* Sizes inside out (sz[k]: the Value at level k; sz[0] the leaf), then bytes outside in. */
	size_t *sz = malloc((depth + 1) * sizeof(size_t)), *inner = malloc((depth + 1) * sizeof(size_t));
	if (!sz || !inner)
		fail_msg("c1z_raw_deep_struct: out of memory");
	static const uint8_t leaf[] = {0x1a, 0x01, 'x'};              /* Value{string_value: "x"} */
	static const uint8_t key[] = {0x0a, 0x01, 'a'};               /* entry key "a" */
	sz[0] = sizeof(leaf);
	for (size_t k = 1; k <= depth; k++) {
		if (lists) {
			/* Value{list_value(6): ListValue{values(1): Value}} */
			inner[k] = 1 + vlen(sz[k - 1]) + sz[k - 1];
			sz[k] = 1 + vlen(inner[k]) + inner[k];
		} else {
			/* Value{struct_value(5): Struct{fields(1): entry{key, value(2): Value}}} */
			size_t entry = sizeof(key) + 1 + vlen(sz[k - 1]) + sz[k - 1];
			inner[k] = 1 + vlen(entry) + entry; /* the Struct */
			sz[k] = 1 + vlen(inner[k]) + inner[k];
		}
	}
	/* The outer Struct: one entry "a" holding the Value at level `depth`. */
	size_t top_entry = sizeof(key) + 1 + vlen(sz[depth]) + sz[depth];
	*out_len = 1 + vlen(top_entry) + top_entry;
	uint8_t *b = malloc(*out_len), *p = b;
	if (!b)
		fail_msg("c1z_raw_deep_struct: out of memory");
	p = put_varint(p, 0x0a);
	p = put_varint(p, top_entry);
	memcpy(p, key, sizeof(key));
	p += sizeof(key);
	p = put_varint(p, 0x12);
	p = put_varint(p, sz[depth]);
	for (size_t k = depth; k >= 1; k--) {
		if (lists) {
			p = put_varint(p, 0x32);
			p = put_varint(p, inner[k]);
			p = put_varint(p, 0x0a);
			p = put_varint(p, sz[k - 1]);
		} else {
			size_t entry = sizeof(key) + 1 + vlen(sz[k - 1]) + sz[k - 1];
			p = put_varint(p, 0x2a);
			p = put_varint(p, inner[k]);
			p = put_varint(p, 0x0a);
			p = put_varint(p, entry);
			memcpy(p, key, sizeof(key));
			p += sizeof(key);
			p = put_varint(p, 0x12);
			p = put_varint(p, sz[k - 1]);
		}
	}
	memcpy(p, leaf, sizeof(leaf));
	p += sizeof(leaf);
	if ((size_t)(p - b) != *out_len)
		fail_msg("c1z_raw_deep_struct: wrote %zu bytes, planned %zu", (size_t)(p - b), *out_len);
	free(sz);
	free(inner);
	return b;
}

uint8_t *c1z_raw_any(const char *type_name, const void *value, size_t len, size_t *out_len)
{
	char url[256];
	snprintf(url, sizeof url, "type.googleapis.com/%s", type_name);
	size_t ul, vl;
	uint8_t *u = c1z_raw_pb_field(1, url, strlen(url), &ul);
	uint8_t *v = c1z_raw_pb_field(2, value, len, &vl);
	uint8_t *b = malloc(ul + vl);
	if (!b)
		fail_msg("c1z_raw_any: out of memory");
	memcpy(b, u, ul);
	memcpy(b + ul, v, vl);
	*out_len = ul + vl;
	free(u);
	free(v);
	return b;
}

int64_t c1z_raw_int(c1z_raw *raw, const char *sql, const char *p1, const char *p2)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(c1z_raw_db(raw), sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("prepare %s: %s", sql, sqlite3_errmsg(c1z_raw_db(raw)));
	if (p1)
		sqlite3_bind_text(st, 1, p1, -1, SQLITE_TRANSIENT);
	if (p2)
		sqlite3_bind_text(st, 2, p2, -1, SQLITE_TRANSIENT);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}
