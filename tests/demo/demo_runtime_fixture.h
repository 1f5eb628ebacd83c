/*
 * The fixture of the tests that call baton-demo's callbacks directly through the SDK's runtime
 * (test_demo_callbacks, test_demo_concurrent): default model parameters, a fresh state file
 * <test out dir>/demo-<name>-<pid>.json, none of the BATON_DEMO_* variables that would change the
 * model, and the demo connector opened in `rt`. Header-only: each test is one translation unit.
 */
#ifndef BATON_DEMO_RUNTIME_FIXTURE_H
#define BATON_DEMO_RUNTIME_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "demo.h"
#include "connector/connector.h"

/* 0, or -1 (with the reason on stderr) when the runtime cannot be opened. */
static inline int demo_fixture_open(const char *name, char *state_path, size_t state_path_size,
                                    demo_params *params, baton__runtime *rt)
{
	static const char *const vars[] = {"BATON_DEMO_USERS",      "BATON_DEMO_GROUPS", "BATON_DEMO_ROLES",
	                                   "BATON_DEMO_WORKSPACES", "BATON_DEMO_PROJECTS", "BATON_DEMO_SEED",
	                                   "BATON_DEMO_PAGE_SIZE"};
	demo_params_default(params);
	snprintf(state_path, state_path_size, "%s/demo-%s-%ld.json", test_out_dir(), name, (long)getpid());
	unlink(state_path);
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
	if (demo_set_state_path(NULL, state_path) != 0)
		return -1;
	memset(rt, 0, sizeof(*rt));
	if (baton__runtime_open(rt, &demo_connector) != 0) {
		fprintf(stderr, "runtime: %s\n", baton_error_last()->message);
		return -1;
	}
	return 0;
}

/* Closes the runtime and removes the state file and its lock file (model.h, "Other processes"). */
static inline void demo_fixture_close(const char *state_path, baton__runtime *rt)
{
	char lock[4200];

	baton__runtime_close(rt);
	unlink(state_path);
	snprintf(lock, sizeof(lock), "%s.lock", state_path);
	unlink(lock);
}

#endif
