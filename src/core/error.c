#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define ERROR_MAX 4096

/*
 * Two buffers per thread: a new message is written into the one not in use and then becomes the
 * current one, so the arguments of baton_error_set() may point into the current message (as in
 * baton_error_set(rc, "context: %s", baton_error_last()->message)).
 */
static _Thread_local char tls_buf[2][ERROR_MAX];
static _Thread_local int tls_cur;
static _Thread_local baton_error tls_error = {BATON_OK, ""};

static const char *const grpc_names[] = {
	"OK", "Canceled", "Unknown", "InvalidArgument", "DeadlineExceeded", "NotFound",
	"AlreadyExists", "PermissionDenied", "ResourceExhausted", "FailedPrecondition", "Aborted",
	"OutOfRange", "Unimplemented", "Internal", "Unavailable", "DataLoss", "Unauthenticated",
};

const baton_error *baton_error_last(void)
{
	if (tls_error.code == BATON_OK)
		tls_error.message = "";
	return &tls_error;
}

void baton_error_clear(void)
{
	tls_error.code = BATON_OK;
	tls_buf[tls_cur][0] = '\0';
	tls_error.message = "";
}

/* The buffer the next message is written into (not the current message's). */
static char *next_buf(void)
{
	return tls_buf[tls_cur ^ 1];
}

/* Makes the buffer next_buf() returned the current message, with `code`. */
static void publish(int code)
{
	tls_cur ^= 1;
	tls_error.code = code;
	tls_error.message = tls_buf[tls_cur];
}

int baton_error_set(int code, const char *fmt, ...)
{
	va_list ap;
	char *dst = next_buf();
	dst[0] = '\0';
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(dst, ERROR_MAX, fmt, ap);
		va_end(ap);
	}
	publish(code);
	return code;
}

int baton__error_oom(const char *what)
{
	return baton_error_set(BATON_EEXHAUSTED, "out of memory (%s)", what);
}

int baton__error_prefix(const char *fmt, ...)
{
	char prefix[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	/* "<prefix>: <old>", the old message kept to 3000 bytes (the buffers are distinct) */
	const char *old = tls_buf[tls_cur];
	char *dst = next_buf();
	size_t pl = strlen(prefix), ol = strnlen(old, 3000);
	memcpy(dst, prefix, pl);
	if (ol) {
		memcpy(dst + pl, ": ", 2);
		memcpy(dst + pl + 2, old, ol);
		pl += 2 + ol;
	}
	dst[pl] = '\0';
	publish(tls_error.code == BATON_OK ? BATON_EUNKNOWN : tls_error.code);
	return tls_error.code;
}

const char *baton_error_code_name(int code)
{
	if (code == BATON_ITEROVER)
		return "IterOver";
	int g = baton_error_to_grpc(code);
	return grpc_names[g];
}

int baton_error_to_grpc(int code)
{
	if (code <= 0 && code >= -16)
		return -code;
	return 2;
}

int baton_error_from_grpc(int grpc_code)
{
	if (grpc_code >= 0 && grpc_code <= 16)
		return -grpc_code;
	return BATON_EUNKNOWN;
}
