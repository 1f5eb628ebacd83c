/*
 * The SDK's own flags: names, kinds, defaults, descriptions, hidden-ness and export targets as the
 * Go SDK v0.25 declares them (its DefaultFields order, which the `config` schema keeps), plus the
 * few libbaton adds (marked). Descriptions are the Go SDK's, since they reach the `config` schema.
 * Export: BATON_FIELD_OPS is exported as an operations field; BATON_FIELD_CLI_ONLY is not exported.
 */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NONE BATON_FIELD_CLI_ONLY
#define HIDDEN_NONE (BATON_FIELD_CLI_ONLY | BATON_FIELD_HIDDEN)
#define S BATON_FIELD_STRING
#define B BATON_FIELD_BOOL
#define I BATON_FIELD_INT
#define L BATON_FIELD_STRING_LIST

static const char *const storage_engines[] = {"", "sqlite", "pebble"};

const baton_field baton__sdk_fields[] = {
	{.name = "create-ticket", .kind = B, .flags = HIDDEN_NONE, .description = "Create ticket"},
	{.name = "bulk-create-ticket", .kind = B, .flags = HIDDEN_NONE, .description = "Bulk create tickets"},
	{.name = "bulk-ticket-template-path", .kind = S, .flags = HIDDEN_NONE,
	 .description = "A JSON file describing the ticket to create"},
	{.name = "get-ticket", .kind = B, .flags = HIDDEN_NONE, .description = "Get ticket"},
	{.name = "list-ticket-schemas", .kind = B, .flags = HIDDEN_NONE, .description = "List ticket schemas"},
	{.name = "provisioning", .kind = B, .flags = NONE, .short_name = 'p',
	 .description = "This must be set in order for provisioning actions to be enabled"},
	{.name = "ticketing", .kind = B, .flags = NONE, .display_name = "Enable external ticket provisioning",
	 .description = "This must be set to enable ticketing support"},
	{.name = "c1z-temp-dir", .kind = S, .flags = HIDDEN_NONE,
	 .description = "The directory to store temporary files in. It must exist, and write access is required. "
	                "Defaults to the OS temporary directory."},
	{.name = "client-id", .kind = S, .flags = NONE,
	 .description = "The client ID used to authenticate with ConductorOne"},
	{.name = "client-secret", .kind = S, .flags = NONE | BATON_FIELD_SECRET,
	 .description = "The client secret used to authenticate with ConductorOne"},
	{.name = "create-account-email", .kind = S, .flags = HIDDEN_NONE, .description = "The email of the account to create"},
	{.name = "create-account-login", .kind = S, .flags = HIDDEN_NONE, .description = "The login of the account to create"},
	{.name = "create-account-profile", .kind = S, .flags = HIDDEN_NONE,
	 .description = "JSON-formatted object of map keys and values like '{ 'key': 'value' }'"},
	{.name = "create-account-resource-type", .kind = S, .flags = HIDDEN_NONE,
	 .description = "The resource type ID of the account to create"},
	{.name = "delete-resource", .kind = S, .flags = HIDDEN_NONE, .description = "The id of the resource to delete"},
	{.name = "delete-resource-type", .kind = S, .flags = HIDDEN_NONE, .description = "The type of the resource to delete"},
	{.name = "event-feed", .kind = S, .flags = HIDDEN_NONE, .description = "Read feed events to stdout"},
	{.name = "event-feed-id", .kind = S, .flags = HIDDEN_NONE, .description = "The id of the event feed to read events from"},
	{.name = "event-feed-start-at", .kind = S, .flags = HIDDEN_NONE, /* default: now - 24h */
	 .description = "The start time of the event feed to read events from"},
	{.name = "event-feed-cursor", .kind = S, .flags = HIDDEN_NONE,
	 .description = "The cursor to use for resuming the event feed from a specific point"},
	{.name = "file", .kind = S, .flags = NONE, .short_name = 'f', .default_value = "sync.c1z",
	 .description = "The path to the c1z file to sync with"},
	{.name = "grant-entitlement", .kind = S, .flags = HIDDEN_NONE,
	 .description = "The id of the entitlement to grant to the supplied principal"},
	{.name = "grant-principal", .kind = S, .flags = HIDDEN_NONE,
	 .description = "The id of the resource to grant the entitlement to"},
	{.name = "grant-principal-type", .kind = S, .flags = HIDDEN_NONE,
	 .description = "The resource type of the principal to grant the entitlement to"},
	{.name = "log-format", .kind = S, .flags = NONE, /* default: console on a terminal, else json */
	 .description = "The output format for logs: json, console"},
	{.name = "log-path", .kind = L, .flags = NONE, .description = "The file path to write logs to"},
	{.name = "revoke-grant", .kind = S, .flags = HIDDEN_NONE, .description = "The grant to revoke"},
	{.name = "rotate-credentials", .kind = S, .flags = HIDDEN_NONE,
	 .description = "The id of the resource to rotate credentials on"},
	{.name = "rotate-credentials-type", .kind = S, .flags = HIDDEN_NONE,
	 .description = "The type of the resource to rotate credentials on"},
	{.name = "ticket-id", .kind = S, .flags = HIDDEN_NONE, .description = "The ID of the ticket to get"},
	{.name = "ticket-template-path", .kind = S, .flags = HIDDEN_NONE,
	 .description = "A JSON file describing the ticket to create"},
	{.name = "log-level", .kind = S, .flags = BATON_FIELD_OPS, .default_value = "info",
	 .description = "The log level: debug, info, warn, error"},
	{.name = "log-level-debug-expires-at", .kind = S, .flags = BATON_FIELD_OPS,
	 .description = "The timestamp indicating when debug-level logging should expire"},
	{.name = "skip-full-sync", .kind = B, .flags = NONE, .description = "This must be set to skip a full sync"},
	{.name = "sync-resources", .kind = L, .flags = NONE, .description = "The resource IDs to sync"},
	{.name = "sync-resource-types", .kind = L, .flags = NONE, .description = "The resource type IDs to sync"},
	{.name = "skip-entitlements-and-grants", .kind = B, .flags = NONE,
	 .description = "This must be set to skip syncing of entitlements and grants"},
	{.name = "skip-grants", .kind = B, .flags = HIDDEN_NONE,
	 .description = "This must be set to skip syncing of grants only (entitlements will still be synced)"},
	{.name = "external-resource-c1z", .kind = S, .flags = NONE,
	 .description = "The path to the c1z file to sync external baton resources with"},
	{.name = "external-resource-entitlement-id-filter", .kind = S, .flags = NONE,
	 .description = "The entitlement that external users, groups must have access to sync external baton resources"},
	{.name = "external-resource-traits", .kind = L, .flags = NONE,
	 .description = "Resource type traits (e.g. \"user\", \"group\", \"app\") to sync and match from the external "
	                "resource c1z. When unset the matcher falls back to user and group; passing this flag replaces "
	                "the full set rather than adding to it."},
	{.name = "keep-previous-sync-c1z", .kind = B, .flags = NONE,
	 .description = "Keep the previously synced c1z on disk to enable ETag replay across service-mode syncs "
	                "(requires a connector that supports ETag replay; costs one c1z of local disk)"},
	{.name = "diff-syncs", .kind = B, .flags = HIDDEN_NONE,
	 .description = "Create a new partial SyncID from a base and applied sync."},
	{.name = "base-sync-id", .kind = S, .flags = HIDDEN_NONE, .description = "The base sync to diff from."},
	{.name = "applied-sync-id", .kind = S, .flags = HIDDEN_NONE,
	 .description = "The sync to show diffs when applied to the base sync."},
	{.name = "compact-sync-ids", .kind = L, .flags = HIDDEN_NONE,
	 .description = "A comma-separated list of file ids to sync from. Must match sync IDs from each file provided. "
	                "Order matters."},
	{.name = "compact-file-paths", .kind = L, .flags = HIDDEN_NONE,
	 .description = "A comma-separated list of file paths to sync from."},
	{.name = "compact-output-path", .kind = S, .flags = HIDDEN_NONE, .description = "The directory to store the results in"},
	{.name = "compact-syncs", .kind = B, .flags = HIDDEN_NONE,
	 .description = "Provide a list of sync files to compact into a single c1z file and sync ID."},
	{.name = "invoke-action", .kind = S, .flags = HIDDEN_NONE, .description = "The name of the custom action to invoke"},
	{.name = "invoke-action-args", .kind = S, .flags = HIDDEN_NONE, .default_value = "{}",
	 .description = "JSON-formatted object of map keys and values like '{ 'key': 'value' }'"},
	{.name = "invoke-action-resource-type", .kind = S, .flags = HIDDEN_NONE,
	 .description = "The resource type ID for resource-scoped actions"},
	{.name = "list-action-schemas", .kind = B, .flags = HIDDEN_NONE, .description = "List available action schemas"},
	{.name = "list-action-schemas-resource-type", .kind = S, .flags = HIDDEN_NONE,
	 .description = "Filter action schemas by resource type ID"},
	{.name = "list-resource-actions", .kind = S, .flags = HIDDEN_NONE,
	 .description = "The resource type ID to list actions for"},
	{.name = "invoke-resource-action", .kind = S, .flags = HIDDEN_NONE, .description = "The name of the action to invoke"},
	{.name = "invoke-resource-action-resource-type", .kind = S, .flags = HIDDEN_NONE,
	 .description = "The resource type of the action to invoke"},
	{.name = "invoke-resource-action-args", .kind = S, .flags = HIDDEN_NONE, .default_value = "{}",
	 .description = "JSON-formatted object of map keys and values like '{ 'key': 'value' }'"},
	{.name = "session-store-maximum-size", .kind = I, .flags = BATON_FIELD_OPS | BATON_FIELD_HIDDEN,
	 .default_value = "15728640", .description = "The maximum size of the local in-memory session store cache in bytes."},
	{.name = "workers", .kind = I, .flags = NONE, .default_value = "0",
	 .description = "The number of sync workers to use. -1 for auto-detect, 0 for sequential, >0 for parallel"},
	{.name = "parallel-sync", .kind = B, .flags = NONE, .description = "Deprecated: use --workers instead."},
	{.name = "otel-collector-endpoint", .kind = S, .flags = BATON_FIELD_OPS,
	 .description = "The endpoint of the OpenTelemetry collector to send observability data to (used for both "
	                "tracing and logging if specific endpoints are not provided)"},
	{.name = "otel-collector-endpoint-tls-cert-path", .kind = S, .flags = BATON_FIELD_OPS | BATON_FIELD_HIDDEN,
	 .description = "Path to a file containing a PEM-encoded certificate to use as a CA for TLS connections to the "
	                "OpenTelemetry collector"},
	{.name = "otel-collector-endpoint-tls-cert", .kind = S, .flags = BATON_FIELD_OPS | BATON_FIELD_HIDDEN,
	 .description = "A PEM-encoded certificate to use as a CA for TLS connections to the OpenTelemetry collector"},
	{.name = "otel-collector-endpoint-tls-insecure", .kind = B, .flags = BATON_FIELD_OPS | BATON_FIELD_HIDDEN,
	 .description = "Allow insecure connections to the OpenTelemetry collector"},
	{.name = "otel-tracing-disabled", .kind = B, .flags = BATON_FIELD_OPS | BATON_FIELD_HIDDEN,
	 .description = "Disable OpenTelemetry tracing"},
	{.name = "otel-logging-disabled", .kind = B, .flags = BATON_FIELD_OPS | BATON_FIELD_HIDDEN,
	 .description = "Disable OpenTelemetry logging"},
	{.name = "auth-method", .kind = S, .flags = NONE, .description = ""},
	{.name = "health-check", .kind = B, .flags = BATON_FIELD_OPS, .description = "Enable the HTTP health check endpoint"},
	{.name = "health-check-port", .kind = I, .flags = BATON_FIELD_OPS, .default_value = "8081",
	 .description = "Port for the HTTP health check endpoint"},
	{.name = "health-check-bind-address", .kind = S, .flags = BATON_FIELD_OPS | BATON_FIELD_HIDDEN,
	 .default_value = "127.0.0.1", .description = "Bind address for health check server (127.0.0.1 for localhost-only)"},
	{.name = "http-timeout-seconds", .kind = I, .flags = BATON_FIELD_OPS, .default_value = "300", .min = 1, .max = 1800,
	 .description = "HTTP client timeout in seconds (max 1800)"},
	{.name = "storage-engine", .kind = BATON_FIELD_SELECT, .flags = NONE, .options = storage_engines, .n_options = 3,
	 .description = "The storage engine to use when opening the sync c1z file: sqlite or pebble. Defaults to pebble "
	                "when unset."},
	{.name = "task-concurrency", .kind = I, .flags = NONE, .default_value = "3", .min = 1, .max = 100,
	 .description = "The number of Baton tasks to run concurrently in service mode. Tasks may include sync, grant, "
	                "revoke, and more. Minimum value is 1, maximum value is 100."},

	/* ---- libbaton's own (not in the Go SDK; never exported) ---- */
	{.name = "create-resource", .kind = S, .flags = HIDDEN_NONE,
	 .description = "libbaton: the display name of a resource to create (with --create-resource-type)"},
	{.name = "create-resource-type", .kind = S, .flags = HIDDEN_NONE,
	 .description = "libbaton: the resource type of the resource to create"},
	{.name = "create-resource-parent", .kind = S, .flags = HIDDEN_NONE,
	 .description = "libbaton: the parent of the resource to create, as type/id"},
	{.name = "credential-public-key", .kind = S, .flags = HIDDEN_NONE,
	 .description = "libbaton: a file holding a public key (PEM or JWK) to encrypt created or rotated credentials "
	                "to; they are printed encrypted to it"},
};

const size_t baton__n_sdk_fields = sizeof(baton__sdk_fields) / sizeof(baton__sdk_fields[0]);

/* ---- default relationships ---- */

static const char *const r_grant[] = {"grant-entitlement", "grant-principal"};
static const char *const r_client[] = {"client-id", "client-secret"};
static const char *const r_ticket[] = {"create-ticket", "ticket-template-path"};
static const char *const r_bulk[] = {"bulk-create-ticket", "bulk-ticket-template-path"};
static const char *const r_get[] = {"get-ticket", "ticket-id"};
static const char *const r_diff[] = {"diff-syncs", "base-sync-id", "applied-sync-id"};
static const char *const r_compact[] = {"compact-syncs", "compact-sync-ids", "compact-file-paths", "compact-output-path"};
static const char *const r_excl1[] = {
	"grant-entitlement", "revoke-grant", "create-account-login", "delete-resource", "rotate-credentials",
	"event-feed", "create-ticket", "get-ticket", "list-ticket-schemas", "bulk-create-ticket"};
static const char *const r_excl2[] = {
	"grant-entitlement", "revoke-grant", "create-account-email", "delete-resource-type", "rotate-credentials-type",
	"event-feed", "diff-syncs", "compact-syncs", "list-ticket-schemas"};
static const char *const d_filter[] = {"external-resource-entitlement-id-filter"};
static const char *const d_traits[] = {"external-resource-traits"};
static const char *const d_ext[] = {"external-resource-c1z"};
static const char *const d_skip[] = {"skip-grants"};
static const char *const d_targets[] = {"sync-resources"};
static const char *const d_health[] = {"health-check-port", "health-check-bind-address"};
static const char *const d_hc[] = {"health-check"};

#define N(a) (sizeof(a) / sizeof((a)[0]))

const baton_constraint baton__sdk_constraints[] = {
	{BATON_CONSTRAINT_REQUIRED_TOGETHER, r_grant, N(r_grant), NULL, 0},
	{BATON_CONSTRAINT_REQUIRED_TOGETHER, r_client, N(r_client), NULL, 0},
	{BATON_CONSTRAINT_REQUIRED_TOGETHER, r_ticket, N(r_ticket), NULL, 0},
	{BATON_CONSTRAINT_REQUIRED_TOGETHER, r_bulk, N(r_bulk), NULL, 0},
	{BATON_CONSTRAINT_REQUIRED_TOGETHER, r_get, N(r_get), NULL, 0},
	{BATON_CONSTRAINT_REQUIRED_TOGETHER, r_diff, N(r_diff), NULL, 0},
	{BATON_CONSTRAINT_REQUIRED_TOGETHER, r_compact, N(r_compact), NULL, 0},
	{BATON_CONSTRAINT_MUTUALLY_EXCLUSIVE, r_excl1, N(r_excl1), NULL, 0},
	{BATON_CONSTRAINT_MUTUALLY_EXCLUSIVE, r_excl2, N(r_excl2), NULL, 0},
	{BATON_CONSTRAINT_DEPENDENT_ON, d_filter, N(d_filter), d_ext, N(d_ext)},
	{BATON_CONSTRAINT_DEPENDENT_ON, d_traits, N(d_traits), d_ext, N(d_ext)},
	{BATON_CONSTRAINT_DEPENDENT_ON, d_skip, N(d_skip), d_targets, N(d_targets)},
	{BATON_CONSTRAINT_DEPENDENT_ON, d_health, N(d_health), d_hc, N(d_hc)},
};

const size_t baton__n_sdk_constraints = N(baton__sdk_constraints);

const char *baton__sdk_default(const baton_field *f)
{
	static char start_at[32];
	if (!strcmp(f->name, "log-format"))
		return isatty(STDOUT_FILENO) ? "console" : "json";
	if (!strcmp(f->name, "event-feed-start-at")) {
		if (!start_at[0]) {
			time_t t = time(NULL) - 24 * 60 * 60;
			struct tm tm;
			gmtime_r(&t, &tm);
			strftime(start_at, sizeof(start_at), "%Y-%m-%dT%H:%M:%SZ", &tm);
		}
		return start_at;
	}
	return f->default_value;
}
