/*
 * What the event feed, action and ticket modes (mode_events.c, mode_actions.c, mode_tickets.c)
 * share: opening the connector and reporting a failure the way the Go SDK's exit.LogExit does
 * (the message on stderr, the exit status from the error's gRPC code).
 */
#ifndef BATON_CLI_MODE_EXT_H
#define BATON_CLI_MODE_EXT_H

#include <stdbool.h>

#include "cli/modes.h"
#include "connector/ext.h"

/* Builds the connector, checks its feeds / actions / ticket manager and calls init. On failure
 * the error is reported and *status is the exit status. */
int baton__mode_open(baton__cli_env *env, baton__runtime *rt, int *status);

/* Reports the thread's last error (code rc) and returns the exit status for it. */
int baton__mode_fail(int rc);

/* The JSON text of a message (compact protojson) allocated in ctx, or "{}" when it fails. */
const char *baton__mode_json(baton_ctx *ctx, const ProtobufCMessage *msg);

#endif
