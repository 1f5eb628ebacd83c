/* Helpers shared by the store tests (test_store_*.c). */
#ifndef BATON_STORE_TESTUTIL_H
#define BATON_STORE_TESTUTIL_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>
#include <zstd.h>

#include "testutil.h"
#include "baton/store.h"
#include "baton/resource.h"
#include "baton/entitlement.h"
#include "baton/grant.h"


/* A fresh private directory under the test output dir (malloc'ed). */
static inline char *st_mkdtemp(const char *tag)
{
	char *p = malloc(4096);
	snprintf(p, 4096, "%s/store-%s-XXXXXX", test_out_dir(), tag);
	if (!mkdtemp(p))
		fail_msg("mkdtemp: %s", strerror(errno));
	return p;
}

static inline char *st_path(const char *dir, const char *name)
{
	char *p = malloc(4096);
	snprintf(p, 4096, "%s/%s", dir, name);
	return p;
}

/* Number of entries (besides . and ..) in a directory. */
static inline int st_count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* Removes a directory tree one level deep (files and empty subdirectories). */
static inline void st_rmtree(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char p[4096];
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		if (unlink(p) != 0) {
			DIR *sub = opendir(p);
			if (sub) {
				struct dirent *f;
				while ((f = readdir(sub)) != NULL) {
					char q[8192];
					snprintf(q, sizeof q, "%s/%s", p, f->d_name);
					unlink(q);
				}
				closedir(sub);
			}
			rmdir(p);
		}
	}
	closedir(d);
	rmdir(dir);
}

static inline unsigned char *st_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("open %s: %s", path, strerror(errno));
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	unsigned char *buf = malloc((size_t)n + 1);
	if ((long)fread(buf, 1, (size_t)n, f) != n)
		fail_msg("read %s", path);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static inline void st_write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		fail_msg("create %s: %s", path, strerror(errno));
	if (len && fwrite(data, 1, len, f) != len)
		fail_msg("write %s", path);
	fclose(f);
}

/* Writes magic + one zstd frame of `data` (content size in the header). */
static inline void st_write_c1z_bytes(const char *path, const void *data, size_t len)
{
	size_t cap = ZSTD_compressBound(len);
	unsigned char *buf = malloc(cap + 5);
	memcpy(buf, "C1ZF\0", 5);
	ZSTD_CCtx *c = ZSTD_createCCtx();
	ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
	size_t n = ZSTD_compress2(c, buf + 5, cap, data, len);
	ZSTD_freeCCtx(c);
	if (ZSTD_isError(n))
		fail_msg("zstd: %s", ZSTD_getErrorName(n));
	st_write_file(path, buf, n + 5);
	free(buf);
}

/* Compresses an existing SQLite file into a c1z. */
static inline void st_write_c1z_from_db(const char *db_path, const char *c1z_path)
{
	size_t len;
	unsigned char *data = st_read_file(db_path, &len);
	st_write_c1z_bytes(c1z_path, data, len);
	free(data);
}

/* Opens a raw writable SQLite file (for building odd databases in tests). */
static inline sqlite3 *st_sqlite_open(const char *path)
{
	sqlite3 *db;
	if (sqlite3_open(path, &db) != SQLITE_OK)
		fail_msg("sqlite open %s", path);
	return db;
}

static inline void st_sql(sqlite3 *db, const char *sql)
{
	char *err = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("sql %s: %s", sql, err);
}

/* Expects `rc` to be `code` with the last error message containing `needle`. */
static inline void st_expect_error(int rc, int code, const char *needle)
{
	const baton_error *e = baton_error_last();
	if (rc != code)
		fail_msg("expected %d, got %d (%s)", code, rc, e->message);
	const char *msg = e->message ? e->message : "(none)";
	if (needle && *needle && !strstr(msg, needle))
		fail_msg("error message \"%s\" does not mention \"%s\"", msg, needle);
}

/* ---- a private TMPDIR for a group of tests: nothing a test leaves there goes unnoticed ---- */

static inline char **st_tmp_root(void)
{
	static char *root;
	return &root;
}

/* cmocka group setup: TMPDIR is a new, empty directory. */
static inline int st_tmpdir_setup(void **state)
{
	(void)state;
	*st_tmp_root() = st_mkdtemp("tmpdir");
	setenv("TMPDIR", *st_tmp_root(), 1);
	return 0;
}

/* cmocka group teardown: the directory goes. */
static inline int st_tmpdir_teardown(void **state)
{
	(void)state;
	st_rmtree(*st_tmp_root());
	free(*st_tmp_root());
	*st_tmp_root() = NULL;
	return 0;
}

/* Fails the test when anything is left in the private TMPDIR. */
static inline void assert_no_temp_left(void)
{
	int n = st_count_entries(*st_tmp_root());
	if (n != 0)
		fail_msg("%d entries left in TMPDIR %s", n, *st_tmp_root());
}

#endif
