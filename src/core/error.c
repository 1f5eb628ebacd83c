#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define ERROR_MAX 4096

static _Thread_local char tls_message[ERROR_MAX];
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
	tls_message[0] = '\0';
	tls_error.message = "";
}

BATON_PRINTF(2, 0) static void error_vset(int code, const char *fmt, va_list ap)
{
	vsnprintf(tls_message, sizeof tls_message, fmt, ap);
	tls_error.code = code;
	tls_error.message = tls_message;
}

int baton_error_set(int code, const char *fmt, ...)
{
	va_list ap;
	if (!fmt) {
		tls_message[0] = '\0';
		tls_error.code = code;
		tls_error.message = tls_message;
		return code;
	}
	va_start(ap, fmt);
	error_vset(code, fmt, ap);
	va_end(ap);
	return code;
}

int baton__error_oom(const char *what)
{
	return baton_error_set(BATON_EEXHAUSTED, "out of memory (%s)", what);
}

int baton__error_prefix(const char *fmt, ...)
{
	char prefix[1024];
	char old[ERROR_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	snprintf(old, sizeof old, "%s", tls_message);
	if (old[0])
		snprintf(tls_message, sizeof tls_message, "%.1023s: %.3000s", prefix, old);
	else
		snprintf(tls_message, sizeof tls_message, "%s", prefix);
	if (tls_error.code == BATON_OK)
		tls_error.code = BATON_EUNKNOWN;
	tls_error.message = tls_message;
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
