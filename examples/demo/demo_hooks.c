/*
 * baton-demo: the process-wide settings main() makes before the first init (demo.h): the test
 * hooks read from the environment (BATON_DEMO_KILL_AFTER, _FAIL_AFTER, _COUNT_CALLS, _TRACE) with
 * the callback counter every callback bumps first (demo_enter, through ENTER() of demo_int.h),
 * and the state file's path. The counter is atomic; the other globals are set before the first
 * init, and the state path also by init's configuration, under demo_open.c's lock.
 */
#include "demo.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static atomic_ulong demo_calls;
static unsigned long demo_kill_after;
static unsigned long demo_fail_after;
static bool demo_count_calls;
static bool demo_trace;
static char *demo_state_file;

static void demo_print_count(void)
{
	fprintf(stderr, "baton-demo: callbacks=%lu\n", demo_callback_count());
}

/* A call count from the environment: digits only (strtoul alone would take " -1" and wrap it, or
 * saturate one too large), 0 when unset. */
static int env_count(const char *name, unsigned long *out)
{
	const char *v = getenv(name);
	char *end;

	*out = 0;
	if (v == NULL || *v == '\0')
		return 0;
	errno = 0;
	*out = strtoul(v, &end, 10);
	if (*v < '0' || *v > '9' || *end != '\0' || errno == ERANGE) {
		*out = 0;
		fprintf(stderr, "baton-demo: %s must be a number of calls, not \"%s\"\n", name, v);
		return -1;
	}
	return 0;
}

int demo_hooks_setup(void)
{
	const char *count = getenv("BATON_DEMO_COUNT_CALLS");
	const char *trace = getenv("BATON_DEMO_TRACE");

	if (env_count("BATON_DEMO_KILL_AFTER", &demo_kill_after) != 0 ||
	    env_count("BATON_DEMO_FAIL_AFTER", &demo_fail_after) != 0)
		return -1;
	if (count != NULL && strcmp(count, "1") == 0 && !demo_count_calls) {
		demo_count_calls = true;
		atexit(demo_print_count);
	}
	demo_trace = trace != NULL && strcmp(trace, "1") == 0;
	return 0;
}

unsigned long demo_callback_count(void)
{
	return atomic_load(&demo_calls);
}

/*
 * Called first thing by every callback (through ENTER(), with the callback's name). Returns the
 * error the callback must return at the fail point, else 0.
 */
int demo_enter(const char *name)
{
	unsigned long n = atomic_fetch_add(&demo_calls, 1) + 1;

	if (demo_trace)
		fprintf(stderr, "baton-demo: call %lu %s\n", n, name);
	if (demo_kill_after != 0 && n == demo_kill_after) {
		fflush(stderr);
		raise(SIGKILL);
	}
	if (demo_fail_after != 0 && n == demo_fail_after)
		return baton_error_set(BATON_EINTERNAL, "baton-demo: failing call %lu (%s) as "
		                       "BATON_DEMO_FAIL_AFTER asks", n, name);
	return 0;
}

int demo_set_state_path(const char *c1z_path, const char *state_path)
{
	char *p = NULL;

	if (state_path != NULL && *state_path != '\0') {
		p = strdup(state_path);
	} else if (c1z_path != NULL && *c1z_path != '\0') {
		size_t n = strlen(c1z_path);
		p = malloc(n + sizeof(".demo.json"));
		if (p != NULL) {
			memcpy(p, c1z_path, n);
			memcpy(p + n, ".demo.json", sizeof(".demo.json"));
		}
	} else {
		free(demo_state_file);
		demo_state_file = NULL;
		return 0;
	}
	if (p == NULL)
		return -1;
	free(demo_state_file);
	demo_state_file = p;
	return 0;
}

const char *demo_state_path(void)
{
	return demo_state_file;
}
