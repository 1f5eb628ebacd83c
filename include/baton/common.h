/*
 * libbaton: common definitions shared by every public header.
 *
 * Conventions used across the API (docs/conventions.md has the long form):
 *  - Functions return int: 0 (BATON_OK) on success, a negative baton_error_code on failure.
 *    The codes are the gRPC status codes the Go baton-sdk uses, negated, so a connector's error
 *    keeps its meaning on the wire. baton_error_last() gives the message of the last failure on
 *    the calling thread.
 *  - A returned `const` pointer is borrowed: it stays valid as long as the object it came from.
 *    An out-pointer (`T **out`) hands the caller a new object; the header says who frees it.
 *  - Objects built with a baton_ctx are owned by that context and freed with it.
 */
#ifndef BATON_COMMON_H
#define BATON_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#ifdef __cplusplus
#define BATON_BEGIN_DECLS extern "C" {
#define BATON_END_DECLS }
#else
#define BATON_BEGIN_DECLS
#define BATON_END_DECLS
#endif

/* Marks a function exported from the shared library; everything else is hidden. */
#if defined(__GNUC__)
#define BATON_API __attribute__((visibility("default")))
#else
#define BATON_API
#endif

#if defined(__GNUC__)
#define BATON_PRINTF(fmt_index, first_arg) __attribute__((format(printf, fmt_index, first_arg)))
#else
#define BATON_PRINTF(fmt_index, first_arg)
#endif

#define BATON_VERSION_MAJOR 0
#define BATON_VERSION_MINOR 1
#define BATON_VERSION_PATCH 0
#define BATON_VERSION "0.1.0"

BATON_BEGIN_DECLS

/*
 * Result codes. Each negative code is the gRPC status code of the same name, negated
 * (BATON_ENOTFOUND = -5 = -codes.NotFound), so the mapping to and from the Go SDK is one-to-one.
 */
typedef enum baton_error_code {
	BATON_OK = 0,
	BATON_ECANCELLED = -1,        /* Canceled */
	BATON_EUNKNOWN = -2,          /* Unknown */
	BATON_EINVALID = -3,          /* InvalidArgument */
	BATON_EDEADLINE = -4,         /* DeadlineExceeded */
	BATON_ENOTFOUND = -5,         /* NotFound */
	BATON_EEXISTS = -6,           /* AlreadyExists */
	BATON_EPERM = -7,             /* PermissionDenied */
	BATON_EEXHAUSTED = -8,        /* ResourceExhausted (also: out of memory) */
	BATON_EPRECONDITION = -9,     /* FailedPrecondition */
	BATON_EABORTED = -10,         /* Aborted */
	BATON_ERANGE = -11,           /* OutOfRange */
	BATON_EUNIMPLEMENTED = -12,   /* Unimplemented */
	BATON_EINTERNAL = -13,        /* Internal */
	BATON_EUNAVAILABLE = -14,     /* Unavailable */
	BATON_EDATALOSS = -15,        /* DataLoss */
	BATON_EUNAUTHENTICATED = -16, /* Unauthenticated */

	/* Not errors: signals between the SDK and a callback or iterator. */
	BATON_ITEROVER = -31          /* an iterator has no more items */
} baton_error_code;

/* The last error raised on the calling thread. */
typedef struct baton_error {
	int code;            /* a baton_error_code */
	const char *message; /* never NULL; "" when there is no error */
} baton_error;

/*
 * Returns the last error recorded on the calling thread (borrowed; valid until the next libbaton
 * call on this thread that fails or clears it). Returns a struct with code BATON_OK and an empty
 * message when nothing failed.
 */
BATON_API const baton_error *baton_error_last(void);

/* Forgets the calling thread's last error. */
BATON_API void baton_error_clear(void);

/*
 * Records an error for the calling thread and returns `code`, so a callback can write
 * `return baton_error_set(BATON_ENOTFOUND, "user %s is gone", id);`. The message is copied
 * (and truncated at 4 KiB). The arguments may include the current message, to add context:
 * `baton_error_set(rc, "loading users: %s", baton_error_last()->message)`.
 */
BATON_API int baton_error_set(int code, const char *fmt, ...) BATON_PRINTF(2, 3);

/*
 * The gRPC name of a code ("NotFound", "Unavailable", ...; "OK" for 0). Static string; unknown
 * codes give "Unknown".
 */
BATON_API const char *baton_error_code_name(int code);

/* The gRPC status code (0..16) for a baton_error_code; 2 (Unknown) for anything else. */
BATON_API int baton_error_to_grpc(int code);

/* The baton_error_code for a gRPC status code (0..16); BATON_EUNKNOWN for anything else. */
BATON_API int baton_error_from_grpc(int grpc_code);

/*
 * BATON_TRY(expr): evaluates `expr` (an int result of libbaton, or of your own function that
 * follows the same rule) and, when it is not 0, returns that value from the enclosing function at
 * once. Nothing is hidden: the code is returned unchanged and the message of the failing call
 * stays in baton_error_last() for the SDK (or your caller) to report. Use it in functions that
 * return int and own nothing that needs freeing on the way out (in a callback, everything built
 * with the context is freed by the SDK, so that is every callback):
 *
 *     BATON_TRY(baton_user_resource_new(ctx, name, rt, id, &r));
 *     BATON_TRY(baton_resource_get_user_trait(r, &ut));
 *     BATON_TRY(baton_user_trait_add_email(ut, email, true));
 *     return baton_ctx_emit_resource(ctx, r);
 *
 * instead of an `if (rc == 0) rc = ...;` ladder. `expr` is evaluated exactly once.
 */
#define BATON_TRY(expr)                                   \
	do {                                                  \
		int baton_try_rc_ = (expr);                       \
		if (baton_try_rc_ != 0)                           \
			return baton_try_rc_;                         \
	} while (0)

/* The library's version string, e.g. "0.1.0" (static). */
BATON_API const char *baton_version(void);

/* A point in time: seconds since the Unix epoch plus nanoseconds (0..999,999,999). */
typedef struct baton_timestamp {
	int64_t seconds;
	int32_t nanos;
} baton_timestamp;

/*
 * A resource's identity: its resource type id and its id within that type. Both strings are
 * borrowed by whatever takes the struct; functions that keep them copy them.
 */
typedef struct baton_resource_id {
	const char *resource_type;
	const char *resource;
} baton_resource_id;

BATON_END_DECLS

#endif /* BATON_COMMON_H */
