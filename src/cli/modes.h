/*
 * The modes of baton_main. main.c parses the command line and the configuration, then runs the
 * first mode whose flags are present, in the Go SDK's order (pkg/cli/commands.go):
 *   grant, revoke, event feed, create account (profile, then login), invoke action, list action
 *   schemas, delete resource, rotate credentials, create ticket, bulk create ticket, list ticket
 *   schemas, get ticket, diff syncs, compact syncs, and else sync; plus the `capabilities` and `config` subcommands.
 * Each mode lives in its own file (mode_<name>.c) and returns the process exit status, having
 * printed or logged what it does. Exit statuses follow the Go SDK's pkg/exit: 0 ok, the gRPC code
 * of a failure's baton_error_code, 2 for usage and validation errors (baton__exit_status()).
 */
#ifndef BATON_CLI_MODES_H
#define BATON_CLI_MODES_H

#include "baton/connector.h"
#include "baton/sync.h"
#include "cli/cli.h"

/* What every mode gets. */
typedef struct baton__cli_env {
	baton__cli *cli;                  /* parsed SDK flags and connector fields */
	const baton_connector *connector;
	struct baton__config *config;     /* the connector's parsed configuration, or NULL */
} baton__cli_env;

/* The exit status for a failed libbaton call returning `code` (its gRPC code; 2 when unknown). */
int baton__exit_status(int code);

int baton__mode_sync(baton__cli_env *env);
int baton__mode_capabilities(baton__cli_env *env);
int baton__mode_config_schema(baton__cli_env *env);
/* `health-check` (mode_health.c): GET http://bind:port/<endpoint> of a running connector. */
int baton__mode_health_check(baton__cli_env *env);
/* `completion bash|zsh|fish` (mode_completion.c): a shell completion script on stdout. */
int baton__mode_completion(baton__cli_env *env);

/* Provisioning one-shots (mode_provision.c). */
int baton__mode_grant(baton__cli_env *env);
int baton__mode_revoke(baton__cli_env *env);
int baton__mode_create_account(baton__cli_env *env);
int baton__mode_delete_resource(baton__cli_env *env);
int baton__mode_rotate_credentials(baton__cli_env *env);
int baton__mode_create_resource(baton__cli_env *env);

/* Events, actions, tickets (mode_events.c, mode_actions.c, mode_tickets.c). */
int baton__mode_event_feed(baton__cli_env *env);
int baton__mode_invoke_action(baton__cli_env *env);
int baton__mode_list_action_schemas(baton__cli_env *env);
int baton__mode_create_ticket(baton__cli_env *env);
int baton__mode_bulk_create_ticket(baton__cli_env *env);
int baton__mode_get_ticket(baton__cli_env *env);
int baton__mode_list_ticket_schemas(baton__cli_env *env);

/* --external-resource-traits as upstream parses it ("app", "APP" or "TRAIT_APP"; empty items
 * skipped): up to `cap` traits into `out`; BATON_EINVALID naming an unknown one (mode_sync.c). */
int baton__cli_external_traits(baton__cli *cli, baton_trait *out, size_t cap, size_t *n);
/* The --external-resource-* flags into *o, as a sync and a service-mode full sync task read them:
 * the traits go into `traits` (room for `cap`), which must live as long as o is used;
 * BATON_EINVALID naming an unknown trait (mode_sync.c). */
int baton__cli_external_options(baton__cli *cli, baton_sync_options *o, baton_trait *traits, size_t cap);

/* Diff syncs and compaction (mode_diff.c). */
int baton__mode_diff_syncs(baton__cli_env *env);
int baton__mode_compact_syncs(baton__cli_env *env);

#endif
