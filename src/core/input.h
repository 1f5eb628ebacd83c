/*
 * Files the SDK and its tools read as input (the YAML config file, a c1z to read): opened so that
 * a path naming a FIFO, a socket, a device or a directory is refused at once with a clear error
 * instead of blocking in open() (a FIFO without a writer) or reading something that never ends.
 */
#ifndef BATON_CORE_INPUT_H
#define BATON_CORE_INPUT_H

#include <stddef.h>

/*
 * Opens `path` read-only. The open itself never blocks: O_NONBLOCK (cleared again once the file
 * is known to be regular) and O_NOCTTY; fstat() then refuses anything but a regular file.
 * `what` names the file in messages ("config file", "c1z"): "<what> <path>: is a FIFO (named pipe), not a
 * regular file".
 * Returns the descriptor (the caller closes it), or a negative code with baton_error_last() set:
 * BATON_ENOTFOUND when the path does not exist (errno is left ENOENT or ENOTDIR, so a caller
 * for which a missing file is no error can tell), BATON_EINVALID for a file that is not regular,
 * BATON_EPERM for other open/stat failures (errno kept).
 */
int baton__input_open(const char *path, const char *what);

/*
 * Reads the whole of input file `path` (opened with baton__input_open) into a new buffer, NUL
 * terminated (*data, released with free(); *len excludes the NUL). Files larger than `max` bytes
 * are refused with BATON_EEXHAUSTED. Errors as baton__input_open, and BATON_EPERM for a read
 * error.
 */
int baton__input_read_all(const char *path, const char *what, size_t max, char **data, size_t *len);

#endif
