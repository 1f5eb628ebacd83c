/*
 * The resumable working copy ("<c1z>.wip/", see baton_store_options.resumable_work_dir).
 *
 *   <c1z>.wip/          mode 0700
 *       lock            flock()ed (exclusive) by the process that has the store open
 *       db, db-journal  the SQLite working database and its rollback journal
 *       marker          which c1z the database was made from, written last (atomically): a wip
 *                       without a marker (or with one that names another c1z) is never used
 *
 * Locking: a process opens "lock" (creating it), takes flock(LOCK_EX | LOCK_NB), then checks that
 * the path still names the file it locked: a process removing a wip unlinks "lock" while holding
 * the lock, so whoever locked the unlinked file retries with a new one.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "store/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/file.h"
#include "core/hash.h"
#include "core/input.h"
#include "core/faults.h"

#define WIP_MARKER_MAGIC "libbaton-wip 1"
#define WIP_HASH_SPAN (64 * 1024)

static int wip_io_error(const char *path, const char *what, int err)
{
	int code = (err == EACCES || err == EPERM || err == EROFS) ? BATON_EPERM :
	           (err == ENOSPC || err == ENOMEM || err == EDQUOT) ? BATON_EEXHAUSTED :
	           BATON_EUNAVAILABLE;
	return baton_error_set(code, "c1z %s: %s: %s", path, what, strerror(err));
}

char *baton__wip_path(const char *dir, const char *name)
{
	size_t dl = strlen(dir), nl = strlen(name);
	char *p = malloc(dl + nl + 2);
	if (!p)
		return NULL;
	memcpy(p, dir, dl);
	p[dl] = '/';
	memcpy(p + dl + 1, name, nl + 1);
	return p;
}

/*
 * The resolved directory of the c1z, "/", its base name: one name for every spelling of one file's
 * path ("./", "..", a link to its directory, relative or absolute), so one working copy and one
 * lock. For a path already resolved, the same text as the current directory joined with the path,
 * which working copies made before were named by. NULL when the directory does not resolve.
 */
static char *resolved_c1z(const char *c1z_path)
{
	const char *slash = strrchr(c1z_path, '/');
	const char *base = slash ? slash + 1 : c1z_path;
	if (!*base || !strcmp(base, ".") || !strcmp(base, ".."))
		return NULL;
	char *dir = !slash ? strdup(".") : slash == c1z_path ? strdup("/") :
	            strndup(c1z_path, (size_t)(slash - c1z_path));
	char *real = dir ? realpath(dir, NULL) : NULL;
	free(dir);
	if (!real)
		return NULL;
	size_t rl = strlen(real), bl = strlen(base);
	char *out = malloc(rl + bl + 2);
	if (out)
		snprintf(out, rl + bl + 2, "%s%s%s", real, rl && real[rl - 1] == '/' ? "" : "/", base);
	free(real);
	return out;
}

char *baton__wip_dir(const char *c1z_path, const char *tmp_dir)
{
	if (!tmp_dir || !*tmp_dir) {
		size_t pl = strlen(c1z_path);
		char *dir = malloc(pl + sizeof(".wip"));
		if (dir) {
			memcpy(dir, c1z_path, pl);
			memcpy(dir + pl, ".wip", sizeof(".wip"));
		}
		return dir;
	}
	/* FNV-1a over the absolute path: two c1z files of the same name in different directories
	 * get different working copies under one temp dir, and two names of one file the same */
	uint64_t h;
	char *real = resolved_c1z(c1z_path);
	if (real) {
		h = baton__fnv1a64(BATON__FNV1A64_BASIS, real, strlen(real));
		free(real);
	} else {
		char cwd[4096] = "";
		if (c1z_path[0] != '/' && !getcwd(cwd, sizeof(cwd)))
			cwd[0] = '\0';
		h = baton__fnv1a64(BATON__FNV1A64_BASIS, cwd, strlen(cwd));
		if (cwd[0])
			h = baton__fnv1a64(h, "/", 1);
		h = baton__fnv1a64(h, c1z_path, strlen(c1z_path));
	}
	const char *base = strrchr(c1z_path, '/');
	base = base ? base + 1 : c1z_path;
	size_t n = strlen(tmp_dir) + strlen(base) + 24;
	char *dir = malloc(n);
	if (dir)
		snprintf(dir, n, "%s/%s.%016" PRIx64 ".wip", tmp_dir, base, h);
	return dir;
}

int baton__wip_lock(const char *wip_dir, const char *c1z_path, int *fd_out)
{
	*fd_out = -1;
	char *lock = baton__wip_path(wip_dir, "lock");
	if (!lock)
		return baton__error_oom("working copy path");
	int rc = 0;
	for (int attempt = 0; attempt < 100; attempt++) {
		if (mkdir(wip_dir, 0700) < 0 && errno != EEXIST) {
			rc = wip_io_error(c1z_path, "creating the working copy directory", errno);
			break;
		}
		struct stat dst;
		if (lstat(wip_dir, &dst) < 0) {
			if (errno == ENOENT)
				continue;
			rc = wip_io_error(c1z_path, "the working copy directory", errno);
			break;
		}
		if (!S_ISDIR(dst.st_mode)) {
			rc = baton_error_set(BATON_EINVALID, "c1z %s: %s is not a directory", c1z_path, wip_dir);
			break;
		}
		int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0) {
			if (errno == ENOENT)
				continue; /* removed under us */
			rc = wip_io_error(c1z_path, "opening the working copy lock", errno);
			break;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			int e = errno;
			close(fd);
			if (e == EINTR)
				continue;
			if (e == EWOULDBLOCK)
				rc = baton_error_set(BATON_EUNAVAILABLE, "c1z %s: the working copy %s is in use by "
				                     "another process (or another handle of this one)", c1z_path,
				                     wip_dir);
			else
				rc = wip_io_error(c1z_path, "locking the working copy", e);
			break;
		}
		struct stat a, b;
		if (fstat(fd, &a) == 0 && stat(lock, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
			*fd_out = fd;
			free(lock);
			return 0;
		}
		close(fd); /* we locked a lock file that was being removed: try again */
	}
	if (!rc)
		rc = baton_error_set(BATON_EUNAVAILABLE, "c1z %s: could not lock the working copy %s", c1z_path,
		                     wip_dir);
	free(lock);
	return rc;
}

static int hash_span(int fd, off_t off, size_t len, unsigned char *buf, uint64_t *h)
{
	size_t got = 0;
	while (got < len) {
		ssize_t r = pread(fd, buf + got, len - got, off + (off_t)got);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	*h = baton__fnv1a64(*h, buf, got); /* an identity check, not a security one */
	return 0;
}

int baton__c1z_identity(const char *path, char *buf, size_t size)
{
	int fd = baton__input_open(path, "c1z"); /* never blocks on a FIFO; only regular files */
	if (fd < 0) {
		if (fd == BATON_ENOTFOUND && errno == ENOENT) {
			snprintf(buf, size, "none");
			return 0;
		}
		return fd;
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int rc = wip_io_error(path, "stat", errno);
		close(fd);
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return baton_error_set(BATON_EINVALID, "c1z %s: is %s, not a regular file", path,
		                       baton__file_kind(st.st_mode));
	}
	unsigned char *span = malloc(WIP_HASH_SPAN);
	if (!span) {
		close(fd);
		return baton__error_oom("c1z identity");
	}
	uint64_t h = BATON__FNV1A64_BASIS;
	off_t sz = st.st_size;
	size_t first = sz < WIP_HASH_SPAN ? (size_t)sz : WIP_HASH_SPAN;
	int rc = 0;
	if (hash_span(fd, 0, first, span, &h) < 0 ||
	    hash_span(fd, sz - (off_t)first, first, span, &h) < 0)
		rc = wip_io_error(path, "read", errno);
	free(span);
	close(fd);
	if (rc)
		return rc;
	snprintf(buf, size, "%lld %lld.%09ld %016" PRIx64, (long long)sz, (long long)st.st_mtim.tv_sec,
	         (long)st.st_mtim.tv_nsec, h);
	return 0;
}

int baton__wip_marker_read(const char *wip_dir, char *identity, size_t id_size, char *head, size_t head_size)
{
	char *p = baton__wip_path(wip_dir, "marker");
	if (!p)
		return baton__error_oom("working copy path");
	FILE *f = fopen(p, "re");
	free(p);
	if (!f)
		return 1;
	char line[256];
	int ok = 0;
	identity[0] = head[0] = '\0';
	if (fgets(line, sizeof(line), f) && strcmp(line, WIP_MARKER_MAGIC "\n") == 0) {
		while (fgets(line, sizeof(line), f)) {
			size_t n = strlen(line);
			if (n == 0 || line[n - 1] != '\n')
				break;
			line[n - 1] = '\0';
			if (strncmp(line, "c1z ", 4) == 0)
				snprintf(identity, id_size, "%s", line + 4);
			else if (strncmp(line, "head ", 5) == 0)
				snprintf(head, head_size, "%s", line + 5);
			else if (strcmp(line, "end") == 0)
				ok = 1;
		}
	}
	fclose(f);
	return ok && identity[0] && head[0] ? 0 : 1;
}

static int fsync_path(const char *path, bool dir)
{
	int fd = open(path, (dir ? O_RDONLY | O_DIRECTORY : O_RDWR) | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int r = fsync(fd);
	if (r < 0 && errno == EINVAL)
		r = 0;
	int e = errno;
	close(fd);
	errno = e;
	return r;
}

int baton__wip_marker_write(const char *wip_dir, const char *c1z_path, const char *db_path,
                            const char *identity, const char *head)
{
	/* The database first: the marker must never describe a database that is not on disk. */
	if (fsync_path(db_path, false) < 0)
		return wip_io_error(c1z_path, "fsync of the working copy", errno);
	char *tmp = baton__wip_path(wip_dir, "marker.tmp"), *dst = baton__wip_path(wip_dir, "marker");
	int rc = 0;
	if (!tmp || !dst) {
		rc = baton__error_oom("working copy path");
		goto done;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		rc = wip_io_error(c1z_path, "writing the working copy marker", errno);
		goto done;
	}
	char text[512];
	int n = snprintf(text, sizeof(text), WIP_MARKER_MAGIC "\nc1z %s\nhead %s\nend\n", identity, head);
	if (n < 0 || (size_t)n >= sizeof(text) || write(fd, text, (size_t)n) != (ssize_t)n || fsync(fd) < 0) {
		rc = wip_io_error(c1z_path, "writing the working copy marker", errno ? errno : EIO);
		close(fd);
		unlink(tmp);
		goto done;
	}
	close(fd);
	if (baton__fault_io("wip.marker") < 0 || rename(tmp, dst) < 0) {
		rc = wip_io_error(c1z_path, "writing the working copy marker", errno);
		unlink(tmp);
		goto done;
	}
	if (fsync_path(wip_dir, true) < 0)
		rc = wip_io_error(c1z_path, "fsync of the working copy directory", errno);
done:
	free(tmp);
	free(dst);
	return rc;
}

int baton__wip_replaced_error(const char *c1z_path, const char *was, const char *now)
{
	return baton_error_set(BATON_EABORTED, "c1z %s: the file was replaced or changed by another process "
	                       "while this one worked on it (it was %s; it is now %s): not overwriting it; "
	                       "its new content is kept and this run's work is discarded by the next run",
	                       c1z_path, was, now);
}

int baton__wip_check_source(const char *wip_dir, const char *c1z_path, char *made_from, size_t size)
{
	char mident[128], head[64], ident[128];
	made_from[0] = '\0';
	int rc = baton__wip_marker_read(wip_dir, mident, sizeof(mident), head, sizeof(head));
	if (rc)
		return rc < 0 ? rc : 0; /* no marker: nothing to compare with */
	snprintf(made_from, size, "%s", mident);
	if ((rc = baton__c1z_identity(c1z_path, ident, sizeof(ident))))
		return rc;
	if (strcmp(mident, ident) == 0)
		return 0;
	return baton__wip_replaced_error(c1z_path, mident, ident);
}

bool baton__wip_has_content(const char *wip_dir)
{
	DIR *d = opendir(wip_dir);
	if (!d)
		return false;
	bool any = false;
	struct dirent *e;
	while (!any && (e = readdir(d)) != NULL)
		any = strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strcmp(e->d_name, "lock");
	closedir(d);
	return any;
}

void baton__wip_clear(const char *wip_dir)
{
	/* The marker goes first: a wip is valid only with one, whatever else is left. */
	char *m = baton__wip_path(wip_dir, "marker");
	if (m)
		unlink(m);
	free(m);
	DIR *d = opendir(wip_dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || !strcmp(e->d_name, "lock"))
			continue;
		char *p = baton__wip_path(wip_dir, e->d_name);
		if (p)
			unlink(p);
		free(p);
	}
	closedir(d);
}

void baton__wip_remove(const char *wip_dir, int lock_fd)
{
	baton__wip_clear(wip_dir);
	char *l = baton__wip_path(wip_dir, "lock");
	if (l)
		unlink(l); /* still locked: whoever opened it before is sent to try again */
	free(l);
	rmdir(wip_dir);
	if (lock_fd >= 0)
		close(lock_fd);
}
