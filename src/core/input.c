/* Input files opened without blocking and refused unless regular (see input.h). */
#include "core/input.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/file.h"

int baton__input_open(const char *path, const char *what)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		int e = errno;
		int rc = baton_error_set(e == ENOENT || e == ENOTDIR ? BATON_ENOTFOUND : BATON_EPERM,
		                         "%s %s: %s", what, path, strerror(e));
		errno = e;
		return rc;
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		int rc = baton_error_set(BATON_EPERM, "%s %s: stat: %s", what, path, strerror(e));
		errno = e;
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return baton_error_set(BATON_EINVALID, "%s %s: is %s, not a regular file", what, path,
		                       baton__file_kind(st.st_mode));
	}
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		int e = errno;
		close(fd);
		int rc = baton_error_set(BATON_EPERM, "%s %s: fcntl: %s", what, path, strerror(e));
		errno = e;
		return rc;
	}
	return fd;
}

int baton__input_read_all(const char *path, const char *what, size_t max, char **data, size_t *len)
{
	*data = NULL;
	*len = 0;
	int fd = baton__input_open(path, what);
	if (fd < 0)
		return fd;
	size_t n = 0, cap = 0;
	char *buf = NULL;
	int rc = 0;
	for (;;) {
		if (cap - n < 4096) {
			size_t ncap = cap ? cap * 2 : 16384;
			if (ncap > max + 1)
				ncap = max + 1;
			if (ncap <= n) {
				rc = baton_error_set(BATON_EEXHAUSTED, "%s %s: larger than %zu bytes", what, path,
				                     max);
				break;
			}
			char *nb = realloc(buf, ncap + 1);
			if (!nb) {
				rc = baton__error_oom(what);
				break;
			}
			buf = nb;
			cap = ncap;
		}
		ssize_t got = read(fd, buf + n, cap - n);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			rc = baton_error_set(BATON_EPERM, "%s %s: read: %s", what, path, strerror(errno));
			break;
		}
		if (got == 0)
			break;
		n += (size_t)got;
		if (n > max) {
			rc = baton_error_set(BATON_EEXHAUSTED, "%s %s: larger than %zu bytes", what, path, max);
			break;
		}
	}
	close(fd);
	if (rc) {
		free(buf);
		return rc;
	}
	if (!buf && !(buf = malloc(1)))
		return baton__error_oom(what);
	buf[n] = '\0';
	*data = buf;
	*len = n;
	return 0;
}
