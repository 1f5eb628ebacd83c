/*
 * baton-demo: the connector (connector.c and the files demo_int.h lists) and its test hooks
 * (demo_hooks.c).
 */
#ifndef BATON_DEMO_H
#define BATON_DEMO_H

#include <baton.h>
#include <baton/connector.h>
#include <baton/sync.h>

#include "model.h"

/* The demo connector: users, groups, roles, workspaces and their projects. */
extern const baton_connector demo_connector;

/*
 * Where provisioning changes are kept: `state_path` itself when given, else the c1z path with
 * ".demo.json" appended. Called by main() before baton_main() (and by init, from the
 * configuration); NULL for both turns persistence off (the connector then serves the generated
 * company only). The string is copied. Not thread-safe: call it while no connector is being
 * opened.
 */
int demo_set_state_path(const char *c1z_path, const char *state_path);
const char *demo_state_path(void);

/*
 * Test hooks, read from the environment by demo_hooks_setup():
 *   BATON_DEMO_KILL_AFTER=N     the N-th callback invocation raises SIGKILL before doing anything;
 *   BATON_DEMO_FAIL_AFTER=N     the N-th callback invocation returns BATON_EINTERNAL instead (close,
 *                               which cannot fail, just counts);
 *   BATON_DEMO_COUNT_CALLS=1    the number of callback invocations is printed to stderr at exit,
 *                               as "baton-demo: callbacks=<n>";
 *   BATON_DEMO_TRACE=1          each invocation is printed to stderr as it starts, as
 *                               "baton-demo: call <n> <function>".
 * Every callback of the connector and of its resource types counts, from init to close; the event
 * feeds', actions' and ticketing callbacks (demo_ext.h) do not.
 */
int demo_hooks_setup(void);
unsigned long demo_callback_count(void);
/* Counts a callback invocation (the test hooks); returns the error a failing call must return. */
int demo_enter(const char *name);

#endif /* BATON_DEMO_H */
