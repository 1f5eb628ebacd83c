/*
 * The SDK's logger: records to stderr, as console lines or JSON objects (the Go SDK's zap
 * "console" and "json" encoders), filtered by level. The level comes from baton__log_configure()
 * or, until that is called, from BATON_LOG_LEVEL (default info).
 *
 * A record is a message plus string fields given as key/value pairs ending with NULL:
 *     baton__log(BATON_LOG_INFO, "Synced resources", "resource_type_id", "user", "#count", "12", NULL);
 * A key starting with '#' is written without quotes in JSON (a number or a boolean); the '#' is
 * not printed.
 *
 * A live status line (the progress display on a terminal) can be kept at the bottom of stderr:
 * records are printed above it and it is redrawn after each.
 */
#ifndef BATON_CORE_LOG_H
#define BATON_CORE_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include "baton/connector.h"

typedef enum baton__log_format {
	BATON__LOG_CONSOLE = 0,
	BATON__LOG_JSON = 1
} baton__log_format;

/* Sets the level and format for the process. */
void baton__log_configure(baton_log_level level, baton__log_format format);
/* "debug", "info", "warn" / "warning", "error" (any case); BATON_EINVALID otherwise. */
int baton__log_parse_level(const char *s, baton_log_level *out);
/* "console", "json"; BATON_EINVALID otherwise. */
int baton__log_parse_format(const char *s, baton__log_format *out);
bool baton__log_enabled(baton_log_level level);
baton__log_format baton__log_get_format(void);
/* Redirects records (tests); NULL: stderr. */
void baton__log_set_stream(FILE *f);

void baton__log(baton_log_level level, const char *msg, ...);
void baton__logv(baton_log_level level, const char *msg, va_list fields);

/* The live status line: shown after every record until cleared with NULL. */
void baton__log_status(const char *line);

#endif
