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
