/*
 * Test-only fault injection at named sites (see faults.h and include/baton/sync.h).
 */
#include "core/faults.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "baton/common.h"
#include "core/error.h"

typedef struct fault_spec {
	bool set;
	char pattern[96];
	unsigned long n;
	bool from_n;      /* "n+": every hit from the n-th on */
	int err;          /* errno for I/O sites */
	atomic_ulong hits;
} fault_spec;

static pthread_once_t fault_once = PTHREAD_ONCE_INIT;
static atomic_int fault_enabled;
static fault_spec kill_spec, fail_spec, pause_spec;
static bool trace;
static atomic_ulong trace_hits;

static int parse_errno(const char *s)
{
	static const struct { const char *name; int value; } names[] = {
		{"ENOSPC", ENOSPC}, {"EDQUOT", EDQUOT}, {"EROFS", EROFS}, {"EACCES", EACCES},
		{"EPERM", EPERM}, {"EIO", EIO}, {"EINTR", EINTR}, {"ENOMEM", ENOMEM},
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(s, names[i].name) == 0)
			return names[i].value;
	}
	int v = atoi(s);
	return v > 0 ? v : EIO;
}

/* "<pattern>:<n>[+][:<errno>]"; a malformed value is ignored (with a note on stderr). */
static void parse_spec(const char *var, fault_spec *f)
{
	const char *v = getenv(var);
	if (!v || !*v)
		return;
	const char *colon = strchr(v, ':');
	size_t plen = colon ? (size_t)(colon - v) : 0;
	if (!colon || plen == 0 || plen >= sizeof(f->pattern)) {
		fprintf(stderr, "libbaton: ignoring %s=%s (expected <site>:<n>)\n", var, v);
		return;
	}
	memcpy(f->pattern, v, plen);
	f->pattern[plen] = '\0';
	char *end;
	f->n = strtoul(colon + 1, &end, 10);
	if (f->n == 0) {
		fprintf(stderr, "libbaton: ignoring %s=%s (n must be at least 1)\n", var, v);
		return;
	}
	if (*end == '+') {
		f->from_n = true;
		end++;
	}
	f->err = EIO;
	if (*end == ':')
		f->err = parse_errno(end + 1);
	f->set = true;
}

static void fault_init(void)
{
	parse_spec("BATON_TEST_KILL_AT", &kill_spec);
	parse_spec("BATON_TEST_FAIL_AT", &fail_spec);
	parse_spec("BATON_TEST_PAUSE_AT", &pause_spec);
	const char *t = getenv("BATON_TEST_FAULT_TRACE");
	trace = t && *t && strcmp(t, "0") != 0;
	atomic_store(&fault_enabled, (kill_spec.set || fail_spec.set || pause_spec.set || trace) ? 1 : 2);
}

static bool matches(const char *pattern, const char *site, const char *suffix)
{
	size_t pl = strlen(pattern);
	if (pl && pattern[pl - 1] == '*') {
		/* a prefix: compare against site + suffix without building the string */
		size_t sl = strlen(site), want = pl - 1;
		if (want <= sl)
			return strncmp(pattern, site, want) == 0;
		return strncmp(pattern, site, sl) == 0 && strncmp(pattern + sl, suffix, want - sl) == 0;
	}
	size_t sl = strlen(site);
	return strncmp(pattern, site, sl) == 0 && strcmp(pattern + sl, suffix) == 0;
}

/* Whether this hit fires: counts it when the site matches. */
static bool fires(fault_spec *f, const char *site, const char *suffix)
{
	if (!f->set || !matches(f->pattern, site, suffix))
		return false;
	unsigned long n = atomic_fetch_add(&f->hits, 1) + 1;
	return f->from_n ? n >= f->n : n == f->n;
}

/* 0: nothing; 1: fail. Kills (never returns) when the kill spec fires. */
static int hit(const char *site, const char *suffix)
{
	int e = atomic_load_explicit(&fault_enabled, memory_order_acquire);
	if (e == 2)
		return 0;
	if (e == 0) {
		pthread_once(&fault_once, fault_init);
		if (atomic_load(&fault_enabled) == 2)
			return 0;
	}
	if (trace) {
		unsigned long n = atomic_fetch_add(&trace_hits, 1) + 1;
		fprintf(stderr, "baton-fault: %lu %s%s\n", n, site, suffix);
	}
	if (fires(&pause_spec, site, suffix)) {
		/* the last field is milliseconds here, not an errno */
		unsigned ms = pause_spec.err == EIO ? 1000 : (unsigned)pause_spec.err;
		struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
		fprintf(stderr, "baton-fault: paused at %s%s for %u ms\n", site, suffix, ms);
		fflush(stderr);
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
	}
	if (fires(&kill_spec, site, suffix)) {
		fflush(stderr);
		raise(SIGKILL);
		_exit(137); /* not reached */
	}
	return fires(&fail_spec, site, suffix) ? 1 : 0;
}

int baton__fault2(const char *site, const char *suffix)
{
	if (!suffix)
		suffix = "";
	if (!hit(site, suffix))
		return 0;
	return baton_error_set(BATON_EINTERNAL, "fault injected at %s%s (BATON_TEST_FAIL_AT)", site, suffix);
}

int baton__fault(const char *site)
{
	return baton__fault2(site, "");
}

int baton__fault_io(const char *site)
{
	if (!hit(site, ""))
		return 0;
	errno = fail_spec.err;
	return -1;
}
