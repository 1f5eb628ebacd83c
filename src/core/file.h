/*
 * Files the SDK and its tools replace atomically: the temporary file is created private and only
 * gets its final mode when complete, just before the rename. Only a regular file (or nothing) is
 * ever replaced: a directory, device, FIFO or socket at the target is refused, and so is a
 * symbolic link that leads to one or to nothing; a link to a regular file is written through.
 */
#ifndef BATON_CORE_FILE_H
#define BATON_CORE_FILE_H

#include <sys/types.h>

/*
 * Creates `tmp_path` for writing, mode 0600, never through a symlink. A file already there (a
 * killed run's leftover, whose mode O_TRUNC would keep) is removed first. Returns the descriptor,
 * or -1 with errno set.
 */
int baton__file_create_private(const char *tmp_path);

/*
 * The mode a file replacing `path` should get: the permission bits of the file there now (one
 * its owner made private stays private; setuid, setgid and sticky bits are dropped), else 0666
 * less the process umask (what a plain creat() gives).
 */
mode_t baton__file_replace_mode(const char *path);

/* "a regular file", "a directory", "a character device", ...: for messages. */
const char *baton__file_kind(mode_t mode);

/*
 * Checks that `path` may be replaced by a regular file: it is absent, a regular file, or a
 * symbolic link (chain) to a regular file. On success *resolved (caller frees) is the path to
 * write: `path` itself, or the link's final target. Otherwise returns BATON_EINVALID (or an I/O
 * code) with a message naming the path and what it is; *resolved is NULL.
 */
int baton__file_check_target(const char *path, char **resolved);

/*
 * Renames the complete `tmp_path` onto `path`, atomically, only if `path` is absent or a regular
 * file at that moment (checked by exchanging the two and looking at what came out, so nothing
 * else is ever destroyed; the exchange is undone otherwise). On error `tmp_path` still names the
 * new file (the caller removes it). Returns 0 or a negative code with the error set.
 */
int baton__file_replace(const char *tmp_path, const char *path);

#endif
