/* What the events, actions and tickets runtimes share: callback state, KSUIDs, registration. */
#include "connector/ext.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "core/error.h"

static _Thread_local baton__ext_call *current;

void baton__ext_begin(baton__ext_call *ec, baton_ctx *ctx, baton__runtime *rt, baton__ext_kind kind,
                      const char *token, uint32_t page_size)
{
	memset(ec, 0, sizeof(*ec));
	baton__call_begin(&ec->call, ctx, rt, BATON__CALL_NONE, NULL, token);
	ec->call.page_size = page_size;
	ec->ctx = ctx;
	ec->kind = kind;
	current = ec;
}

void baton__ext_end(baton__ext_call *ec)
{
	if (current == ec)
		current = NULL;
	if (ec->ctx && ec->ctx->sdk_state == &ec->call)
		ec->ctx->sdk_state = NULL;
	baton__call_free(&ec->call);
	free(ec->events);
	ec->events = NULL;
	ec->n_events = ec->cap_events = 0;
	free(ec->response);
	ec->response = NULL;
	free(ec->results);
	ec->results = NULL;
	ec->n_results = ec->cap_results = 0;
}

baton__ext_call *baton__ext_of(baton_ctx *ctx, const char *fn, unsigned kinds)
{
	baton__ext_call *ec = current;
	if (!ctx) {
		baton__null_arg(fn, "ctx");
		return NULL;
	}
	if (!ec || ec->ctx != ctx) {
		baton_error_set(BATON_EPRECONDITION, "%s: not inside an event feed, action or ticket callback "
		                "running with this context", fn);
		return NULL;
	}
	if (kinds && !(kinds & BATON__EXT_BIT(ec->kind))) {
		baton_error_set(BATON_EINVALID, "%s: cannot be used in this callback", fn);
		return NULL;
	}
	return ec;
}

int baton__ext_failed(int rc, const char *what)
{
	if (rc >= 0)
		rc = BATON_EUNKNOWN;
	if (baton_error_last()->code == BATON_OK)
		baton_error_set(rc, "%s failed", what);
	return rc;
}

/* ---- KSUID: 4 bytes of seconds since 2014-05-13T16:53:20Z, 16 random bytes, base62 ---- */

#define KSUID_EPOCH INT64_C(1400000000)

int baton__ksuid(char out[28])
{
	uint8_t b[20];
	int64_t t = (int64_t)time(NULL) - KSUID_EPOCH;
	if (t < 0)
		t = 0;
	b[0] = (uint8_t)(t >> 24);
	b[1] = (uint8_t)(t >> 16);
	b[2] = (uint8_t)(t >> 8);
	b[3] = (uint8_t)t;
	size_t got = 0;
	while (got < 16) {
		ssize_t n = getrandom(b + 4 + got, 16 - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return baton_error_set(BATON_EINTERNAL, "getrandom: %s", strerror(errno));
		}
		got += (size_t)n;
	}
	static const char digits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	/* Repeated division of the 160-bit big-endian number by 62. */
	uint32_t parts[5];
	for (int i = 0; i < 5; i++)
		parts[i] = (uint32_t)b[4 * i] << 24 | (uint32_t)b[4 * i + 1] << 16 | (uint32_t)b[4 * i + 2] << 8 |
		           b[4 * i + 3];
	char tmp[27];
	for (int pos = 26; pos >= 0; pos--) {
		uint64_t rem = 0;
		for (int i = 0; i < 5; i++) {
			uint64_t v = rem << 32 | parts[i];
			parts[i] = (uint32_t)(v / 62);
			rem = v % 62;
		}
		tmp[pos] = digits[rem];
	}
	memcpy(out, tmp, 27);
	out[27] = '\0';
	return 0;
}

int baton__connector_ext_check(const baton__runtime *rt)
{
	int rc = baton__event_feeds_check(rt);
	if (!rc)
		rc = baton__actions_check(rt);
	if (!rc)
		rc = baton__tickets_check(rt);
	return rc;
}
