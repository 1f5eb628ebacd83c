/*
 * Files the SDK and its tools replace atomically: the temporary file is created private and only
 * gets its final mode when complete, just before the rename.
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
 * The mode a file replacing `path` should get: the mode of the file there now (one its owner made
 * private stays private), else 0666 less the process umask (what a plain creat() gives).
 */
mode_t baton__file_replace_mode(const char *path);

#endif
