/*
 * No flag is accepted and ignored (docs/command-line.md, "Flags libbaton refuses"): every SDK flag
 * either changes what the run does or, when libbaton does not do what it asks, is refused with a
 * message naming it. This file holds the refusals of the main command (one-shot mode):
 *  - flags of features libbaton lacks ("not supported yet"): resource-scoped action flags,
 *    OpenTelemetry export, the pebble engine, the session store's in-memory cache size;
 *  - flags that only service mode (--client-id) reads: refused in one-shot mode, as nothing would
 *    read them (the Go SDK ignores them there); --health-check-port / -bind-address are refused in
 *    service mode too unless --health-check is on;
 *  - a mode's companion flags given without the mode flag (--grant-principal-type without
 *    --grant-entitlement, ...), which would otherwise do nothing;
 *  - a second mode flag (only the first mode runs), and the flags the mode that runs does not
 *    read (--workers with --revoke-grant, --skip-grants in service mode, ...), which the Go SDK
 *    ignores silently.
 * A flag counts as given when it came from the command line, the environment or the config file.
 */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

#include "core/error.h"

typedef struct refusal {
	const char *flag;
	const char *why;
} refusal;

/* Features libbaton does not have yet. */
static const refusal unsupported[] = {
	{"list-resource-actions", "resource-scoped actions (use --list-action-schemas-resource-type)"},
	{"invoke-resource-action", "resource-scoped actions (use --invoke-action-resource-type)"},
	{"invoke-resource-action-resource-type", "resource-scoped actions (use --invoke-action-resource-type)"},
	{"invoke-resource-action-args", "resource-scoped actions (use --invoke-action-args)"},
	{"otel-collector-endpoint", "OpenTelemetry export"},
	{"otel-collector-endpoint-tls-cert-path", "OpenTelemetry export"},
	{"otel-collector-endpoint-tls-cert", "OpenTelemetry export"},
	{"otel-collector-endpoint-tls-insecure", "OpenTelemetry export"},
	{"otel-tracing-disabled", "OpenTelemetry export"},
	{"otel-logging-disabled", "OpenTelemetry export"},
	{"session-store-maximum-size", "an in-memory session store cache (sessions live in the c1z)"},
};

/* Read only by service mode (the Go SDK's daemon runner). */
static const char *const service_only[] = {
	"skip-full-sync", "task-concurrency", "health-check", "health-check-port", "health-check-bind-address",
	"keep-previous-sync-c1z", "log-level-debug-expires-at",
};

/* A mode's companion flags: meaningful only with one of the mode flags. */
typedef struct companion {
	const char *flag;
	const char *modes[8];
} companion;

static const companion companions[] = {
	{"grant-principal-type", {"grant-entitlement"}},
	{"event-feed-id", {"event-feed"}},
	{"event-feed-start-at", {"event-feed"}},
	{"event-feed-cursor", {"event-feed"}},
	{"create-account-email", {"create-account-login", "create-account-profile"}},
	{"create-account-resource-type", {"create-account-login", "create-account-profile"}},
	{"delete-resource-type", {"delete-resource"}},
	{"rotate-credentials-type", {"rotate-credentials"}},
	{"invoke-action-args", {"invoke-action"}},
	{"invoke-action-resource-type", {"invoke-action"}},
	{"list-action-schemas-resource-type", {"list-action-schemas"}},
	{"create-resource-parent", {"create-resource", "create-resource-type"}},
	{"credential-public-key", {"create-account-login", "create-account-profile", "rotate-credentials",
	                           "create-resource", "issue-credential"}},
	{"secret-recipient", {"create-account-login", "create-account-profile", "rotate-credentials",
	                      "create-resource", "issue-credential"}},
	{"issue-credential-type", {"issue-credential"}},
	{"issue-credential-option", {"issue-credential"}},
	{"issue-credential-key-profile", {"issue-credential"}},
	{"issue-credential-expires-in", {"issue-credential"}},
	{"issue-credential-request-id", {"issue-credential"}},
	{"issue-credential-scopes", {"issue-credential"}},
	{"issue-credential-audiences", {"issue-credential"}},
	{"provisioning", {"grant-entitlement", "revoke-grant", "create-account-login", "create-account-profile",
	                  "delete-resource", "rotate-credentials", "create-resource", "create-resource-type"}},
	{"ticketing", {"create-ticket", "bulk-create-ticket", "list-ticket-schemas", "get-ticket"}},
	{"external-resource-entitlement-id-filter", {"external-resource-c1z"}},
	{"external-resource-traits", {"external-resource-c1z"}},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Whether a mode flag selects its mode (a string non-empty, a bool true, event-feed read as a bool). */
static bool mode_on(baton__cli *cli, const char *name)
{
	baton__flag *f = baton__cli_flag(cli, name);
	if (!f)
		return false;
	if (f->kind == BATON__FLAG_BOOL || !strcmp(name, "event-feed"))
		return baton__cli_bool(cli, name);
	return f->set && *baton__cli_string(cli, name);
}

/*
 * The mode a run takes, in run_main's order (main.c), named by its flag; "service" for
 * --client-id and "sync" for the default. Modes that share a name are one mode here.
 */
static const struct mode_flag {
	const char *flag, *mode;
} mode_flags[] = {
	{"grant-entitlement", "grant-entitlement"},
	{"revoke-grant", "revoke-grant"},
	{"event-feed", "event-feed"},
	{"create-account-profile", "create-account"},
	{"create-account-login", "create-account"},
	{"invoke-action", "invoke-action"},
	{"list-action-schemas", "list-action-schemas"},
	{"create-resource", "create-resource"},
	{"create-resource-type", "create-resource"},
	{"delete-resource", "delete-resource"},
	{"rotate-credentials", "rotate-credentials"},
	{"issue-credential", "issue-credential"},
	{"create-ticket", "create-ticket"},
	{"bulk-create-ticket", "bulk-create-ticket"},
	{"list-ticket-schemas", "list-ticket-schemas"},
	{"get-ticket", "get-ticket"},
	{"diff-syncs", "diff-syncs"},
	{"compact-syncs", "compact-syncs"},
};

/*
 * The flags that only some modes read, and those modes ("sync" is the default mode). --file is
 * not here: the Go SDK hands it to every one-shot and scripts pass it to every command, so the
 * modes that read no c1z (service, create-account, delete, rotate, the tickets, ...) accept it,
 * as upstream (docs/parity.md).
 */
typedef struct reader {
	const char *flag;
	const char *modes[8];
} reader;

static const reader readers[] = {
	{"c1z-temp-dir", {"sync", "service", "grant-entitlement", "revoke-grant", "diff-syncs", "compact-syncs"}},
	{"sync-resources", {"sync", "service"}},
	{"sync-resource-types", {"sync", "service"}},
	{"skip-entitlements-and-grants", {"sync"}},
	{"skip-grants", {"sync"}},
	{"workers", {"sync", "service"}},
	{"parallel-sync", {"sync", "service"}},
	{"external-resource-c1z", {"sync", "service"}},
};

/*
 * One mode per run: a second mode flag would be ignored (the Go SDK runs the first and ignores
 * the rest, service mode before all). Then the flags the chosen mode does not read.
 */
static int refuse_for_mode(baton__cli *cli, bool service)
{
	const char *mode = service ? "service" : "sync", *first = service ? "client-id" : NULL;
	for (size_t i = 0; i < N(mode_flags); i++) {
		if (!mode_on(cli, mode_flags[i].flag))
			continue;
		if (!first) {
			first = mode_flags[i].flag;
			mode = mode_flags[i].mode;
		} else if (strcmp(mode, mode_flags[i].mode)) {
			return baton_error_set(BATON_EINVALID, "--%s cannot be used with --%s: one mode runs at a time, and "
			                       "nothing reads it in this run", mode_flags[i].flag, first);
		}
	}
	for (size_t i = 0; i < N(readers); i++) {
		const reader *r = &readers[i];
		if (!baton__cli_is_set(cli, r->flag))
			continue;
		bool read = false;
		for (size_t j = 0; j < N(r->modes) && r->modes[j] && !read; j++)
			read = !strcmp(r->modes[j], mode);
		if (read)
			continue;
		return baton_error_set(BATON_EINVALID, "--%s is not read by %s%s%s; nothing reads it in this run", r->flag,
		                       service ? "service mode (" : first ? "" : "a sync", first ? "--" : "",
		                       service ? "client-id)" : first ? first : "");
	}
	return 0;
}

int baton__cli_refuse_ignored(baton__cli *cli)
{
	for (size_t i = 0; i < N(unsupported); i++)
		if (baton__cli_is_set(cli, unsupported[i].flag))
			return baton_error_set(BATON_EUNIMPLEMENTED, "--%s: %s is not supported yet by libbaton",
			                       unsupported[i].flag, unsupported[i].why);
	if (!strcmp(baton__cli_string(cli, "storage-engine"), "pebble"))
		return baton_error_set(BATON_EUNIMPLEMENTED, "--storage-engine pebble: the pebble storage engine is not "
		                       "supported yet by libbaton (c1z files are SQLite: use sqlite or leave it unset)");
	bool service = *baton__cli_string(cli, "client-id") != '\0';
	for (size_t i = 0; i < N(service_only); i++) {
		if (!baton__cli_is_set(cli, service_only[i]))
			continue;
		if (!service)
			return baton_error_set(BATON_EINVALID, "--%s applies to service mode (--client-id) only; nothing "
			                       "reads it in this run", service_only[i]);
		if (strcmp(service_only[i], "task-concurrency") && strncmp(service_only[i], "health-check", 12))
			/* service mode reads --task-concurrency and the --health-check* flags */
			return baton_error_set(BATON_EUNIMPLEMENTED, "--%s is not supported yet by libbaton's service mode",
			                       service_only[i]);
	}
	/* service mode: the server's port and address mean nothing without the server */
	if (service && !baton__cli_bool(cli, "health-check"))
		for (size_t i = 0; i < 2; i++) {
			const char *f = i ? "health-check-bind-address" : "health-check-port";
			if (baton__cli_is_set(cli, f))
				return baton_error_set(BATON_EINVALID, "--%s applies with --health-check only; nothing reads it "
				                       "in this run", f);
		}
	int rc = refuse_for_mode(cli, service);
	if (rc)
		return rc;
	for (size_t i = 0; i < N(companions); i++) {
		const companion *c = &companions[i];
		baton__flag *f = baton__cli_flag(cli, c->flag);
		if (!f || !f->set)
			continue;
		/* service mode reads these: without them its provisioning / ticket tasks are refused */
		if (service && (!strcmp(c->flag, "provisioning") || !strcmp(c->flag, "ticketing")))
			continue;
		bool ok = false;
		char modes[256] = "";
		size_t k = 0;
		for (size_t j = 0; j < N(c->modes) && c->modes[j]; j++) {
			ok = ok || mode_on(cli, c->modes[j]);
			int w = snprintf(modes + k, sizeof(modes) - k, "%s--%s", j ? " or " : "", c->modes[j]);
			if (w > 0 && (size_t)w < sizeof(modes) - k)
				k += (size_t)w;
		}
		if (!ok)
			return baton_error_set(BATON_EINVALID, "--%s is used only with %s; nothing reads it in this run",
			                       c->flag, modes);
	}
	return 0;
}
