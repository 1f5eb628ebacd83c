#define _GNU_SOURCE /* renameat2, RENAME_EXCHANGE, RENAME_NOREPLACE (glibc 2.28+) */
#include "core/file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"

int baton__file_create_private(const char *tmp_path)
{
	unlink(tmp_path);
	return open(tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
}

/* The process umask without changing it (umask() would race with other threads): Linux's
 * /proc/self/status, else the usual 022. */
static mode_t current_umask(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[128];
	unsigned int m = 022;
	if (f) {
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "Umask: %o", &m) == 1)
				break;
		fclose(f);
	}
	return (mode_t)(m & 0777);
}

mode_t baton__file_replace_mode(const char *path)
{
	struct stat st;
	/* Permission bits only: a setuid, setgid or sticky bit is not carried over to new content. */
	if (stat(path, &st) == 0)
		return st.st_mode & 0777;
	return 0666 & ~current_umask();
}

const char *baton__file_kind(mode_t mode)
{
	if (S_ISREG(mode))
		return "a regular file";
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISFIFO(mode))
		return "a FIFO (named pipe)";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISLNK(mode))
		return "a symbolic link";
	return "not a regular file";
}

int baton__file_check_target(const char *path, char **resolved)
{
	struct stat st;
	*resolved = NULL;
	if (lstat(path, &st) < 0) {
		if (errno != ENOENT)
			return baton_error_set(errno == EACCES ? BATON_EPERM : BATON_EUNAVAILABLE, "%s: %s", path,
			                       strerror(errno));
		*resolved = strdup(path);
		return *resolved ? 0 : baton__error_oom("path");
	}
	if (S_ISREG(st.st_mode)) {
		*resolved = strdup(path);
		return *resolved ? 0 : baton__error_oom("path");
	}
	if (!S_ISLNK(st.st_mode))
		return baton_error_set(BATON_EINVALID, "%s: is %s, not a regular file: refusing to replace it",
		                       path, baton__file_kind(st.st_mode));

	/* A symbolic link: the file it leads to is the one written, if it is a regular file. */
	char target[PATH_MAX];
	ssize_t tl = readlink(path, target, sizeof(target) - 1);
	target[tl > 0 ? tl : 0] = '\0';
	if (stat(path, &st) < 0) {
		if (errno == ENOENT)
			return baton_error_set(BATON_EINVALID, "%s: is a symbolic link to a missing file (%s): "
			                       "refusing to write through it (create the file it names, or remove "
			                       "the link)", path, target);
		return baton_error_set(BATON_EINVALID, "%s: is a symbolic link that cannot be followed (%s): %s",
		                       path, target, strerror(errno));
	}
	if (!S_ISREG(st.st_mode))
		return baton_error_set(BATON_EINVALID, "%s: is a symbolic link to %s (%s), not to a regular "
		                       "file: refusing to replace it", path, baton__file_kind(st.st_mode), target);
	char *real = realpath(path, NULL);
	if (!real)
		return baton_error_set(BATON_EUNAVAILABLE, "%s: cannot resolve the symbolic link (%s): %s", path,
		                       target, strerror(errno));
	*resolved = real;
	return 0;
}

/* A file in the way of a replacement, named for the error. */
static int not_regular(const char *path, mode_t mode)
{
	return baton_error_set(BATON_EINVALID, "%s: is %s, not a regular file: refusing to replace it",
	                       path, baton__file_kind(mode));
}

int baton__file_replace(const char *tmp_path, const char *path)
{
	struct stat st;
#if defined(RENAME_EXCHANGE) && defined(RENAME_NOREPLACE)
	for (int attempt = 0; attempt < 4; attempt++) {
		if (renameat2(AT_FDCWD, tmp_path, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
			return 0;
		if (errno == EINVAL || errno == ENOSYS || errno == ENOTSUP)
			goto plain;
		if (errno != EEXIST)
			break;
		/* Something is there: swap, then look at what was swapped out. Only a regular file (not
		 * a link, device, FIFO, directory) may go. */
		if (renameat2(AT_FDCWD, tmp_path, AT_FDCWD, path, RENAME_EXCHANGE) != 0) {
			if (errno == ENOENT)
				continue; /* gone meanwhile: try the plain create again */
			if (errno == EINVAL || errno == ENOSYS || errno == ENOTSUP)
				goto plain;
			break;
		}
		st.st_mode = 0;
		if (lstat(tmp_path, &st) == 0 && S_ISREG(st.st_mode)) {
			unlink(tmp_path);
			return 0;
		}
		mode_t kind = st.st_mode;
		if (renameat2(AT_FDCWD, tmp_path, AT_FDCWD, path, RENAME_EXCHANGE) != 0)
			return baton_error_set(BATON_EABORTED, "%s: was %s, which could not be put back (%s); it "
			                       "is now %s", path, baton__file_kind(kind), strerror(errno), tmp_path);
		return not_regular(path, kind);
	}
	return baton_error_set(errno == EACCES || errno == EPERM ? BATON_EPERM : BATON_EUNAVAILABLE,
	                       "%s: cannot rename into place: %s", path, strerror(errno));
plain:
#endif
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return not_regular(path, st.st_mode);
	if (rename(tmp_path, path) != 0)
		return baton_error_set(errno == EACCES || errno == EPERM ? BATON_EPERM : BATON_EUNAVAILABLE,
		                       "%s: cannot rename into place: %s", path, strerror(errno));
	return 0;
}
