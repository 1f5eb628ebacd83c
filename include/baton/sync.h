/*
 * libbaton: running a connector.
 *
 * baton_sync() runs one sync of a connector into a c1z file, exactly as the Go SDK's syncer does:
 * validate, resource types, resources (and child resources), static entitlements, entitlements,
 * grants, grant expansion; checkpointed into the file's sync run so that a killed sync resumes
 * where it stopped on the next run. baton_main() wraps it in the connector's command line.
 */
#ifndef BATON_SYNC_H
#define BATON_SYNC_H

#include "common.h"
#include "connector.h"

BATON_BEGIN_DECLS

/* Progress, for a live display or logs. All strings borrowed for the duration of the call. */
typedef struct baton_sync_progress {
	const char *phase;            /* "list-resource-types", "list-resources", ..., "grant-expansion" */
	const char *resource_type_id; /* "" when not per type */
	const char *resource_id;      /* "" when not per resource */
	uint64_t resource_types, resources, entitlements, grants; /* rows written so far */
	uint64_t pages;               /* connector calls answered so far */
} baton_sync_progress;

#define BATON_SYNC_OPTIONS_VERSION 1

typedef struct baton_sync_options {
	unsigned int version;               /* BATON_SYNC_OPTIONS_VERSION */
	const char *c1z_path;               /* NULL: "sync.c1z" */
	const char *tmp_dir;                /* working copy directory; NULL: $TMPDIR or /tmp */
	bool skip_entitlements_and_grants;  /* a resources_only sync */
	bool skip_grants;                   /* entitlements but no grants (still a full sync) */
	bool skip_grant_expansion;          /* leave expansion to someone else (the Go SDK's
	                                       WithDontExpandGrants; no command-line flag upstream) */
	/* Targeted (partial) sync of these resources, "type/id" or "parentType/parentId/type/id" or
	 * the Go SDK's BID form "bid:r:type/id"; uses each type's `get`. */
	const char *const *sync_resources;
	size_t n_sync_resources;
	/* Only these resource types (still a full sync). */
	const char *const *sync_resource_types;
	size_t n_sync_resource_types;
	int workers;                        /* 0 or 1: sequential; up to 64 (for now always
	                                       sequential) */
	unsigned int checkpoint_interval_ms; /* 0: 10,000 (the Go SDK's) */
	/* Optional progress callback, called at most every `progress_interval_ms` (0: 1,000) and at
	 * the end of each phase. */
	void (*progress)(const baton_sync_progress *p, void *userdata);
	void *progress_userdata;
	unsigned int progress_interval_ms;
} baton_sync_options;

#define BATON_SYNC_OPTIONS_INIT {BATON_SYNC_OPTIONS_VERSION, NULL, NULL, false, false, false, \
                                 NULL, 0, NULL, 0, 0, 0, NULL, NULL, 0}

/* What a finished sync did. */
typedef struct baton_sync_summary {
	char sync_id[28];
	bool resumed;                 /* an interrupted sync was picked up */
	uint64_t resource_types, resources, entitlements, grants, expanded_grants;
	uint64_t warnings;            /* NotFound skips */
	uint64_t retries;
	double seconds;
} baton_sync_summary;

/*
 * Runs one sync of `connector` into opts->c1z_path (created when missing; an unfinished sync of
 * the same kind started within 7 days is resumed). `summary` may be NULL. Returns 0, or the first
 * fatal error (the file keeps the last checkpoint, so the next run resumes).
 */
BATON_API int baton_sync(const baton_connector *connector, const baton_sync_options *opts,
                         baton_sync_summary *summary);

/*
 * The connector's program: parses the command line and the BATON_* environment like a Go
 * connector (`-f/--file`, `--log-level`, `--sync-resources`, `--skip-full-sync`, ...; see
 * docs/command-line.md), runs the selected mode and returns the process exit status.
 *     int main(int argc, char **argv) { return baton_main(argc, argv, &my_connector); }
 */
BATON_API int baton_main(int argc, char **argv, const baton_connector *connector);

BATON_END_DECLS

#endif /* BATON_SYNC_H */
