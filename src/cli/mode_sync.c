/*
 * The default mode: sync into --file (resuming an unfinished sync), shaped by the sync flags.
 *
 * SIGINT and SIGTERM stop the sync cleanly while it runs: the handler asks the syncer to stop
 * (baton_sync_request_stop), which checkpoints at its next safe point and returns
 * BATON_ECANCELLED; the c1z is left as it was and its working copy "<c1z>.wip/" keeps the
 * checkpoint for the next run. The exit status is then 1 (Canceled), as a Go connector's whose
 * sync was cancelled (docs/command-line.md). The handlers are one-shot (SA_RESETHAND): a second
 * signal terminates the process at once, which the working copy also survives.
 */
#include "cli/modes.h"

#include <ctype.h>
#include <signal.h>
#include <strings.h>
#include <stdio.h>
#include <string.h>

#include "baton/sync.h"
#include "core/error.h"
#include "core/log.h"

static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
	stop_signal = sig;
	baton_sync_request_stop();
}

typedef struct saved_handlers {
	struct sigaction intr, term;
} saved_handlers;

static void install_handlers(saved_handlers *old)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART | SA_RESETHAND;
	stop_signal = 0;
	sigaction(SIGINT, &sa, &old->intr);
	sigaction(SIGTERM, &sa, &old->term);
}

static void restore_handlers(const saved_handlers *old)
{
	sigaction(SIGINT, &old->intr, NULL);
	sigaction(SIGTERM, &old->term, NULL);
}

int baton__cli_external_traits(baton__cli *cli, baton_trait *out, size_t cap, size_t *n)
{
	static const char *const names[] = {"TRAIT_UNSPECIFIED", "TRAIT_USER", "TRAIT_GROUP", "TRAIT_ROLE",
	                                    "TRAIT_APP", "TRAIT_SECRET", "TRAIT_SECURITY_INSIGHT",
	                                    "TRAIT_SCOPE_BINDING", "TRAIT_VENDOR", "TRAIT_VENDOR_AGREEMENT",
	                                    "TRAIT_LICENSE_PROFILE", "TRAIT_AGENT", "TRAIT_MANAGED_DEVICE"};
	const char *const *items;
	size_t count = baton__cli_list(cli, "external-resource-traits", &items);
	*n = 0;
	for (size_t i = 0; i < count; i++) {
		const char *v = items[i];
		while (isspace((unsigned char)*v))
			v++;
		size_t len = strlen(v);
		while (len && isspace((unsigned char)v[len - 1]))
			len--;
		if (!len)
			continue;
		char key[64];
		size_t k = 0;
		bool prefixed = len >= 6 && !strncasecmp(v, "TRAIT_", 6);
		if (!prefixed)
			k = (size_t)snprintf(key, sizeof key, "TRAIT_");
		for (size_t j = 0; j < len && k + 1 < sizeof key; j++)
			key[k++] = (char)toupper((unsigned char)v[j]);
		key[k] = '\0';
		size_t t = 0;
		while (t < sizeof names / sizeof names[0] && strcmp(names[t], key))
			t++;
		if (t == sizeof names / sizeof names[0] || len + 6 >= sizeof key)
			return baton_error_set(BATON_EINVALID, "unknown external resource trait \"%s\"", items[i]);
		if (*n < cap)
			out[(*n)++] = (baton_trait)t;
	}
	return 0;
}

int baton__cli_external_options(baton__cli *cli, baton_sync_options *o, baton_trait *traits, size_t cap)
{
	size_t n = 0;
	int rc = baton__cli_external_traits(cli, traits, cap, &n);
	if (rc)
		return rc;
	o->external_resource_c1z = baton__cli_string(cli, "external-resource-c1z");
	o->external_resource_entitlement_id_filter = baton__cli_string(cli, "external-resource-entitlement-id-filter");
	o->external_resource_traits = traits;
	o->n_external_resource_traits = n;
	return 0;
}

int baton__mode_sync(baton__cli_env *env)
{
	baton__cli *cli = env->cli;
	baton_sync_options o = BATON_SYNC_OPTIONS_INIT;
	o.c1z_path = baton__cli_string(cli, "file");
	if (!*o.c1z_path)
		o.c1z_path = "sync.c1z";
	const char *tmp = baton__cli_string(cli, "c1z-temp-dir");
	o.tmp_dir = *tmp ? tmp : NULL;
	o.skip_entitlements_and_grants = baton__cli_bool(cli, "skip-entitlements-and-grants");
	o.skip_grants = baton__cli_bool(cli, "skip-grants");
	o.n_sync_resources = baton__cli_list(cli, "sync-resources", &o.sync_resources);
	o.n_sync_resource_types = baton__cli_list(cli, "sync-resource-types", &o.sync_resource_types);
	/* 0 sequential, -1 (any negative) min(CPUs, 4), n > 0 a pool of n (at most 64) */
	int64_t workers = baton__cli_int(cli, "workers");
	if (baton__cli_bool(cli, "parallel-sync") && !workers)
		workers = -1;
	o.workers = workers < 0 ? -1 : workers > 64 ? 64 : (int)workers;
	baton_trait traits[16];
	if (baton__cli_external_options(cli, &o, traits, 16)) {
		fprintf(stderr, "%s\n", baton_error_last()->message);
		return baton__exit_status(BATON_EINVALID);
	}
	baton_sync_summary sum;
	saved_handlers old;
	install_handlers(&old);
	int rc = baton_sync(env->connector, &o, &sum);
	restore_handlers(&old);
	if (rc) {
		if (rc == BATON_ECANCELLED && stop_signal)
			fprintf(stderr, "%s: %s\n", stop_signal == SIGINT ? "interrupted (SIGINT)" : "terminated (SIGTERM)",
			        baton_error_last()->message);
		else
			fprintf(stderr, "%s\n", baton_error_last()->message);
		return baton__exit_status(rc);
	}
	return 0;
}
