/*
 * External resources (--external-resource-c1z): principals, their entitlements and grants copied
 * from another connector's c1z into the sync, then the grants carrying ExternalResourceMatch /
 * ExternalResourceMatchAll / ExternalResourceMatchID rewritten onto the matching copied
 * principals, as the Go SDK's syncer does in its list-external-resources step (external.c).
 */
#ifndef BATON_SYNC_EXTERNAL_H
#define BATON_SYNC_EXTERNAL_H

#include <stdbool.h>

struct baton__syncer;
struct baton__action;

/* Whether the options ask for the external-resources step. */
bool baton__syncer_external_enabled(const struct baton__syncer *s);

/* The whole step (it reads only the stores, never the connector); finishes the action. */
int baton__syncer_step_external(struct baton__syncer *s, struct baton__action *a);

#endif
