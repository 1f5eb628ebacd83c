/* Internal error helpers (the public side is in include/baton/common.h). */
#ifndef BATON_CORE_ERROR_H
#define BATON_CORE_ERROR_H

#include "baton/common.h"

/* Records an out-of-memory error naming what was being allocated; returns BATON_EEXHAUSTED. */
int baton__error_oom(const char *what);

/* Adds "prefix: " in front of the current thread's last error message (code unchanged), and
 * returns that code. Used to give context as an error travels up. */
int baton__error_prefix(const char *fmt, ...) BATON_PRINTF(1, 2);

#endif
