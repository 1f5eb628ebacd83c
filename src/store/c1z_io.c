/*
 * c1z framing: "C1ZF\0" followed by exactly one zstd frame whose content is the SQLite database.
 * Both directions stream through fixed-size buffers; no whole file is ever held in memory.
 */
#define _GNU_SOURCE /* renameat2, RENAME_EXCHANGE, RENAME_NOREPLACE (glibc 2.28+) */
#include "store/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_getFrameHeader, ZSTD_frameHeader */
#include <zstd.h>
#include <zstd_errors.h>

#include "core/error.h"
#include "core/input.h"
#include "core/faults.h"
#include "core/file.h"
#include "core/log.h"

static const unsigned char c1z_magic[5] = {'C', '1', 'Z', 'F', '\0'};
static const unsigned char c1z_v3_magic[5] = {'C', '1', 'Z', '3', '\0'};

static int io_error(const char *path, const char *what, int err)
{
	int code = (err == EACCES || err == EPERM || err == EROFS) ? BATON_EPERM :
	           (err == ENOSPC || err == ENOMEM || err == EDQUOT) ? BATON_EEXHAUSTED :
	           BATON_EUNAVAILABLE;
	return baton_error_set(code, "c1z %s: %s: %s", path, what, strerror(err));
}

/* Reads up to n bytes (fewer only at end of file). Returns the count or -1 (errno set). */
static ssize_t read_full(int fd, void *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, (char *)buf + got, n - got);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

static int write_full(int fd, const void *buf, size_t n)
{
	size_t done = 0;
	while (done < n) {
		ssize_t w = write(fd, (const char *)buf + done, n - done);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		done += (size_t)w;
	}
	return 0;
}

static unsigned window_log_for(uint64_t bytes)
{
	unsigned log = ZSTD_WINDOWLOG_MIN;
	while (log < ZSTD_WINDOWLOG_MAX && ((uint64_t)1 << log) < bytes)
		log++;
	return log;
}

static int decode_frame(const char *path, int in, int out, const baton__decode_limits *lim)
{
	size_t in_cap = ZSTD_DStreamInSize(), out_cap = ZSTD_DStreamOutSize();
	unsigned char *ibuf = malloc(in_cap), *obuf = malloc(out_cap);
	ZSTD_DCtx *dctx = ZSTD_createDCtx();
	int rc = 0;
	if (!ibuf || !obuf || !dctx) {
		rc = baton__error_oom("zstd decoder");
		goto done;
	}

	/* The frame header: window size and (optional) content size, checked before decoding. */
	ssize_t n = read_full(in, ibuf, in_cap);
	if (n < 0) {
		rc = io_error(path, "read", errno);
		goto done;
	}
	if (n == 0) {
		rc = baton_error_set(BATON_EDATALOSS, "c1z %s: truncated: no zstd frame after the magic",
		                     path);
		goto done;
	}
	ZSTD_frameHeader zfh;
	size_t hr = ZSTD_getFrameHeader(&zfh, ibuf, (size_t)n);
	if (ZSTD_isError(hr)) {
		rc = baton_error_set(BATON_EDATALOSS, "c1z %s: corrupt data: not a zstd frame (%s)", path,
		                     ZSTD_getErrorName(hr));
		goto done;
	}
	if (hr > 0) {
		rc = baton_error_set(BATON_EDATALOSS, "c1z %s: truncated zstd frame header", path);
		goto done;
	}
	if (zfh.frameType != ZSTD_frame) {
		rc = baton_error_set(BATON_EDATALOSS, "c1z %s: corrupt data: skippable zstd frame", path);
		goto done;
	}
	if (zfh.windowSize > lim->max_window) {
		rc = baton_error_set(BATON_EEXHAUSTED,
		                     "c1z %s: zstd window of %llu bytes exceeds the decoder memory limit of "
		                     "%llu MiB (raise it with BATON_DECODER_MAX_MEMORY_MB)",
		                     path, (unsigned long long)zfh.windowSize,
		                     (unsigned long long)(lim->max_window >> 20));
		goto done;
	}
	if (lim->fcs_fail_fast && zfh.frameContentSize != ZSTD_CONTENTSIZE_UNKNOWN &&
	    zfh.frameContentSize > lim->max_decoded) {
		rc = baton_error_set(BATON_EEXHAUSTED,
		                     "c1z %s: decoded size of %llu bytes exceeds the maximum of %llu MiB "
		                     "(raise it with BATON_DECODER_MAX_DECODED_SIZE_MB, or set "
		                     "BATON_DISABLE_FCS_FAIL_FAST=1 to check while decoding)",
		                     path, (unsigned long long)zfh.frameContentSize,
		                     (unsigned long long)(lim->max_decoded >> 20));
		goto done;
	}
	size_t zr = ZSTD_DCtx_setParameter(dctx, ZSTD_d_windowLogMax, (int)window_log_for(lim->max_window));
	if (ZSTD_isError(zr)) {
		rc = baton_error_set(BATON_EINTERNAL, "c1z %s: zstd: %s", path, ZSTD_getErrorName(zr));
		goto done;
	}

	uint64_t total = 0;
	bool finished = false;
	ZSTD_inBuffer ib = {ibuf, (size_t)n, 0};
	for (;;) {
		if (ib.pos == ib.size) {
			n = read_full(in, ibuf, in_cap);
			if (n < 0) {
				rc = io_error(path, "read", errno);
				goto done;
			}
			if (n == 0)
				break;
			ib.size = (size_t)n;
			ib.pos = 0;
		}
		/* Drain: until the input is used up and the decoder has nothing more to hand out. */
		for (;;) {
			ZSTD_outBuffer ob = {obuf, out_cap, 0};
			size_t ret = ZSTD_decompressStream(dctx, &ob, &ib);
			if (ZSTD_isError(ret)) {
				if (ZSTD_getErrorCode(ret) == ZSTD_error_checksum_wrong)
					rc = baton_error_set(BATON_EDATALOSS,
					                     "c1z %s: corrupt data: zstd checksum mismatch", path);
				else if (ZSTD_getErrorCode(ret) == ZSTD_error_frameParameter_windowTooLarge)
					rc = baton_error_set(BATON_EEXHAUSTED,
					                     "c1z %s: zstd window exceeds the decoder memory limit "
					                     "(raise it with BATON_DECODER_MAX_MEMORY_MB)", path);
				else
					rc = baton_error_set(BATON_EDATALOSS, "c1z %s: corrupt data: zstd: %s", path,
					                     ZSTD_getErrorName(ret));
				goto done;
			}
			total += ob.pos;
			if (total > lim->max_decoded) {
				rc = baton_error_set(BATON_EEXHAUSTED,
				                     "c1z %s: decoded size exceeds the maximum of %llu MiB (raise it "
				                     "with BATON_DECODER_MAX_DECODED_SIZE_MB)",
				                     path, (unsigned long long)(lim->max_decoded >> 20));
				goto done;
			}
			if (ob.pos && (baton__fault_io("c1z.decode") < 0 || write_full(out, obuf, ob.pos) < 0)) {
				rc = io_error(path, "writing the working copy", errno);
				goto done;
			}
			if (ret == 0) {
				finished = true;
				break;
			}
			if (ib.pos == ib.size && ob.pos < ob.size)
				break;
		}
		if (finished)
			break;
	}
	if (!finished) {
		rc = baton_error_set(BATON_EDATALOSS, "c1z %s: truncated zstd frame (file ends mid-frame)",
		                     path);
		goto done;
	}
	/* Exactly one frame: anything after it is an error. */
	if (ib.pos < ib.size || read_full(in, ibuf, 1) != 0) {
		rc = baton_error_set(BATON_EDATALOSS, "c1z %s: trailing data after the zstd frame", path);
		goto done;
	}

done:
	ZSTD_freeDCtx(dctx);
	free(ibuf);
	free(obuf);
	return rc;
}

/* A new, empty database file, owner-only: SQLite would create it 0644, and gives its journal the
 * database's mode. */
static int fresh_db(const char *db_path)
{
	int fd = open(db_path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return io_error(db_path, "create", errno);
	close(fd);
	return 1;
}

int baton__c1z_decode(const char *path, const char *db_path, const baton__decode_limits *lim)
{
	/* never blocks on a FIFO; anything but a regular file is refused (core/input.h) */
	int in = baton__input_open(path, "c1z");
	if (in < 0) {
		if (in == BATON_ENOTFOUND && errno == ENOENT)
			return fresh_db(db_path);
		return in;
	}
	struct stat st;
	if (fstat(in, &st) < 0) {
		int rc = io_error(path, "stat", errno);
		close(in);
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		close(in);
		return baton_error_set(BATON_EINVALID, "c1z %s: is %s, not a regular file", path,
		                       baton__file_kind(st.st_mode));
	}
	fcntl(in, F_SETFL, 0);
	if (st.st_size == 0) {
		close(in);
		return fresh_db(db_path);
	}

	unsigned char magic[5];
	ssize_t n = read_full(in, magic, sizeof(magic));
	int rc;
	if (n < 0) {
		rc = io_error(path, "read", errno);
	} else if ((size_t)n == sizeof(magic) && memcmp(magic, c1z_v3_magic, sizeof(magic)) == 0) {
		rc = baton_error_set(BATON_EINVALID,
		                     "c1z %s: a v3 (Pebble) c1z file: the Pebble/v3 format is not supported, "
		                     "only v1 (SQLite)", path);
	} else if ((size_t)n < sizeof(magic) || memcmp(magic, c1z_magic, sizeof(magic)) != 0) {
		rc = baton_error_set(BATON_EINVALID, "c1z %s: not a c1z file (wrong magic)", path);
	} else {
		int out = open(db_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (out < 0) {
			rc = io_error(db_path, "create", errno);
		} else {
			rc = decode_frame(path, in, out, lim);
			if (close(out) < 0 && rc == 0)
				rc = io_error(db_path, "close", errno);
		}
	}
	close(in);
	return rc;
}

static int fsync_dir_of(const char *path)
{
	char *copy = strdup(path);
	if (!copy)
		return baton__error_oom("path");
	char *slash = strrchr(copy, '/');
	const char *dir = ".";
	if (slash == copy)
		dir = "/";
	else if (slash) {
		*slash = '\0';
		dir = copy;
	}
	int rc = 0;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		rc = io_error(path, "open directory for fsync", errno);
	} else {
		if ((baton__fault_io("c1z.dirsync") < 0 || fsync(fd) < 0) && errno != EINVAL)
			rc = io_error(path, "fsync directory", errno);
		close(fd);
	}
	free(copy);
	return rc;
}

/* Databases from this size on are compressed by worker threads (encode_stream). */
#define BATON__C1Z_MT_MIN ((uint64_t)32 << 20)

static int encode_stream(const char *db_path, const char *tmp_path, int in, int out, uint64_t size,
                         int level, int window_log)
{
	size_t in_cap = ZSTD_CStreamInSize(), out_cap = ZSTD_CStreamOutSize();
	unsigned char *ibuf = malloc(in_cap), *obuf = malloc(out_cap);
	ZSTD_CCtx *cctx = ZSTD_createCCtx();
	int rc = 0;
	if (!ibuf || !obuf || !cctx) {
		rc = baton__error_oom("zstd encoder");
		goto done;
	}
	size_t zr = ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level);
	if (!ZSTD_isError(zr))
		zr = ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
	if (!ZSTD_isError(zr))
		zr = ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 1);
	/* The window baton__c1z_encode_window was given (zstd shrinks it for small content). */
	if (!ZSTD_isError(zr))
		zr = ZSTD_CCtx_setParameter(cctx, ZSTD_c_windowLog, window_log);
	if (!ZSTD_isError(zr))
		zr = ZSTD_CCtx_setPledgedSrcSize(cctx, size);
	/*
	 * A large database is compressed by two zstd worker threads (the second core is idle while
	 * the store saves), in 4 MiB jobs so that the buffers in flight stay near 20 MiB. A libzstd
	 * built without threads refuses the parameter: it then compresses on this thread.
	 */
	if (!ZSTD_isError(zr) && size >= BATON__C1Z_MT_MIN &&
	    !ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_nbWorkers, 2)))
		zr = ZSTD_CCtx_setParameter(cctx, ZSTD_c_jobSize, 4 << 20);
	if (ZSTD_isError(zr)) {
		rc = baton_error_set(BATON_EINVALID, "c1z %s: zstd: %s", tmp_path, ZSTD_getErrorName(zr));
		goto done;
	}
	if (baton__fault_io("c1z.write") < 0 || write_full(out, c1z_magic, sizeof(c1z_magic)) < 0) {
		rc = io_error(tmp_path, "write", errno);
		goto done;
	}
	uint64_t fed = 0;
	for (;;) {
		ssize_t n = read_full(in, ibuf, in_cap);
		if (n < 0) {
			rc = io_error(db_path, "read", errno);
			goto done;
		}
		fed += (uint64_t)n;
		if (fed > size) {
			rc = baton_error_set(BATON_EINTERNAL, "c1z %s: database grew while saving", tmp_path);
			goto done;
		}
		bool last = (size_t)n < in_cap;
		ZSTD_EndDirective mode = last ? ZSTD_e_end : ZSTD_e_continue;
		ZSTD_inBuffer ib = {ibuf, (size_t)n, 0};
		for (;;) {
			ZSTD_outBuffer ob = {obuf, out_cap, 0};
			size_t rem = ZSTD_compressStream2(cctx, &ob, &ib, mode);
			if (ZSTD_isError(rem)) {
				rc = baton_error_set(BATON_EINTERNAL, "c1z %s: zstd: %s", tmp_path,
				                     ZSTD_getErrorName(rem));
				goto done;
			}
			if (ob.pos && (baton__fault_io("c1z.write") < 0 || write_full(out, obuf, ob.pos) < 0)) {
				rc = io_error(tmp_path, "write", errno);
				goto done;
			}
			if (last ? rem == 0 : ib.pos == ib.size)
				break;
		}
		if (last)
			break;
	}
	if (fed != size)
		rc = baton_error_set(BATON_EINTERNAL, "c1z %s: database changed size while saving", tmp_path);
done:
	ZSTD_freeCCtx(cctx);
	free(ibuf);
	free(obuf);
	return rc;
}

/*
 * Puts tmp_path in place of path only if path is still the file `expect` names (see
 * baton__c1z_encode). *swapped is set once tmp_path no longer names the new file.
 */
static int replace_checked(const char *tmp_path, const char *path, const char *expect, bool *swapped)
{
#if defined(RENAME_EXCHANGE) && defined(RENAME_NOREPLACE)
	if (strcmp(expect, "none") == 0) {
		if (renameat2(AT_FDCWD, tmp_path, AT_FDCWD, path, RENAME_NOREPLACE) == 0) {
			*swapped = true;
			return 0;
		}
		if (errno == EEXIST) {
			char now[128];
			int rc = baton__c1z_identity(path, now, sizeof(now));
			return rc ? rc : baton__wip_replaced_error(path, expect, now);
		}
	} else if (renameat2(AT_FDCWD, tmp_path, AT_FDCWD, path, RENAME_EXCHANGE) == 0) {
		/* tmp_path is now the file that was in place: the one this sync started from? */
		*swapped = true;
		char was[128];
		struct stat st;
		int rc = 0;
		if (lstat(tmp_path, &st) == 0 && !S_ISREG(st.st_mode))
			rc = baton_error_set(BATON_EINVALID, "c1z %s: is %s, not a regular file: refusing to "
			                     "replace it", path, baton__file_kind(st.st_mode));
		else
			rc = baton__c1z_identity(tmp_path, was, sizeof(was));
		if (rc == 0 && strcmp(was, expect) == 0) {
			unlink(tmp_path);
			return 0;
		}
		if (renameat2(AT_FDCWD, tmp_path, AT_FDCWD, path, RENAME_EXCHANGE) != 0)
			return baton_error_set(BATON_EABORTED, "c1z %s: replaced by another process while it was being "
			                       "saved, and its replacement could not be put back (%s): it is %s",
			                       path, strerror(errno), tmp_path);
		*swapped = false; /* tmp_path is the new file again, removed by the caller */
		return rc ? rc : baton__wip_replaced_error(path, expect, was);
	} else if (errno == ENOENT && access(tmp_path, F_OK) == 0) {
		return baton__wip_replaced_error(path, expect, "none");
	}
	/* EINVAL/ENOSYS: the file system cannot exchange; the plain rename below, checked first */
	if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
		return io_error(path, "rename", errno);
#endif
	char now[128];
	int rc = baton__c1z_identity(path, now, sizeof(now));
	if (rc)
		return rc;
	if (strcmp(now, expect) != 0)
		return baton__wip_replaced_error(path, expect, now);
	if (rename(tmp_path, path) < 0)
		return io_error(path, "rename", errno);
	*swapped = true;
	return 0;
}

int baton__c1z_window_for(int level, bool compacted)
{
	return compacted && level >= 1 && level <= 3 ? 21 : BATON__C1Z_WINDOW_LOG;
}

int baton__c1z_encode(const char *db_path, const char *dest, int level, const char *expect)
{
	return baton__c1z_encode_window(db_path, dest, level, BATON__C1Z_WINDOW_LOG, expect);
}

int baton__c1z_encode_window(const char *db_path, const char *dest, int level, int window_log,
                             const char *expect)
{
	/* Only a regular file (or nothing) is replaced; a link to one is written through. */
	char *path;
	int crc = baton__file_check_target(dest, &path);
	if (crc)
		return baton__error_prefix("c1z");
	size_t plen = strlen(path);
	char *tmp_path = malloc(plen + 5);
	if (!tmp_path) {
		free(path);
		return baton__error_oom("path");
	}
	memcpy(tmp_path, path, plen);
	memcpy(tmp_path + plen, ".tmp", 5);

	int rc = 0;
	bool created = false;
	int out = -1;
	int in = open(db_path, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		rc = io_error(db_path, "open", errno);
		goto done;
	}
	struct stat st;
	if (fstat(in, &st) < 0) {
		rc = io_error(db_path, "stat", errno);
		goto done;
	}
	/* 0600 until complete; then the previous file's mode (core/file.h) */
	out = baton__fault_io("c1z.open") < 0 ? -1 : baton__file_create_private(tmp_path);
	if (out < 0) {
		rc = io_error(tmp_path, "create", errno);
		goto done;
	}
	created = true;
	rc = encode_stream(db_path, tmp_path, in, out, (uint64_t)st.st_size, level, window_log);
	if (rc)
		goto done;
	if (fchmod(out, baton__file_replace_mode(path)) < 0) {
		rc = io_error(tmp_path, "chmod", errno);
		goto done;
	}
	if (baton__fault_io("c1z.fsync") < 0 || fsync(out) < 0) {
		rc = io_error(tmp_path, "fsync", errno);
		goto done;
	}
	int cr = close(out);
	out = -1;
	if (cr < 0) {
		rc = io_error(tmp_path, "close", errno);
		goto done;
	}
	if (baton__fault_io("c1z.rename") < 0) {
		rc = io_error(path, "rename", errno);
		goto done;
	}
	if (expect) {
		bool swapped = false;
		rc = replace_checked(tmp_path, path, expect, &swapped);
		if (swapped)
			created = false;
		if (rc)
			goto done;
	} else if ((rc = baton__file_replace(tmp_path, path)) != 0) {
		goto done;
	}
	created = false;
	/* The file is complete and in place: a directory that cannot be synced only risks the rename
	 * on a system crash (the Go SDK never syncs it); failing now would disown a saved file. */
	if (fsync_dir_of(path) != 0)
		baton__log(BATON_LOG_WARN, "saved the c1z, but could not sync its directory", "path", path,
		           "error", baton_error_last()->message, NULL);

done:
	if (out >= 0)
		close(out);
	if (in >= 0)
		close(in);
	if (created)
		unlink(tmp_path);
	free(tmp_path);
	free(path);
	return rc;
}

int baton__work_dir_create(const char *base, char **out)
{
	if (!base || !*base)
		base = getenv("TMPDIR");
	if (!base || !*base)
		base = "/tmp";
	size_t len = strlen(base);
	char *dir = malloc(len + sizeof("/c1zXXXXXX"));
	if (!dir)
		return baton__error_oom("temporary directory name");
	memcpy(dir, base, len);
	memcpy(dir + len, "/c1zXXXXXX", sizeof("/c1zXXXXXX"));
	if (!mkdtemp(dir)) {
		int rc = io_error(base, "creating the temporary directory", errno);
		free(dir);
		return rc;
	}
	*out = dir;
	return 0;
}

void baton__work_dir_remove(const char *dir)
{
	if (!dir)
		return;
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *e;
		size_t dlen = strlen(dir);
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			size_t nlen = strlen(e->d_name);
			char *p = malloc(dlen + nlen + 2);
			if (!p)
				continue;
			memcpy(p, dir, dlen);
			p[dlen] = '/';
			memcpy(p + dlen + 1, e->d_name, nlen + 1);
			unlink(p);
			free(p);
		}
		closedir(d);
	}
	rmdir(dir);
}
