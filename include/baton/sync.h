/*
 * libbaton: running a connector.
 *
 * baton_sync() runs one sync of a connector into a c1z file, exactly as the Go SDK's syncer does:
 * validate, resource types, resources (and child resources), static entitlements, entitlements,
 * grants, grant expansion; checkpointed into the file's sync run so that a killed sync resumes
 * where it stopped on the next run. baton_main() wraps it in the connector's command line.
 *
 * Interruptions. The sync works in the resumable working copy "<c1z>.wip/" next to the file (see
 * resumable_work_dir in baton/store.h), where every checkpoint is committed, with the rows written
 * before it: after a crash or a SIGKILL at any point, the next run picks the copy up and resumes
 * the unfinished sync from its last checkpoint (the calls made since are made again; puts are
 * upserts, so the rows come out the same). The c1z itself is only ever replaced, atomically, by a
 * finished sync: a run that fails (or is killed) leaves it as it was and keeps the working copy.
 * A run stopped after ending its sync but before saving is completed by the next run, which saves
 * that sync without calling the connector again. Two runs on one file at the same time: the second
 * fails with BATON_EUNAVAILABLE ("... is in use by another process").
 *
 * Workers. With workers > 0 the batched operations (list-resources of a type, targeted-resource-sync,
 * the per-resource list-entitlements and list-grants) run as the Go SDK's parallel syncer runs them:
 * up to 100 consecutive actions of one operation from the top of the stack are handed to a pool of
 * `workers` threads, each driving one action through all of its pages on its own context. The
 * connector's callbacks therefore run on those threads, several at once when workers > 1 (see
 * "Threads" in baton/connector.h). Only the calling thread writes to the store: workers hand it
 * their pages through a bounded queue (at most 3 pages per worker exist at once), it writes them
 * one at a time and keeps the action stack; new child actions go onto the stack for later batches,
 * no checkpoint is written inside a batch, and the first error cancels the batch (the callbacks in
 * progress finish; their pages are dropped). Retries (Unavailable, DeadlineExceeded) and NotFound
 * warnings behave as without workers, per action, with one retryer shared by all workers (as
 * upstream). The rows written are the same as a sequential sync's; the order they are written in,
 * and the order of later actions on the stack, may differ. Root actions and grant expansion run
 * on the calling thread.
 *
 * Stopping. baton_sync_request_stop() (async-signal-safe; baton_main() calls it on SIGINT and
 * SIGTERM) asks a running sync to stop: it stops at the next safe point (between two pages; a
 * running batch is cancelled, retry waits end early, grant expansion stops after its current
 * node and runs again on resume; a callback in progress is not interrupted), writes a checkpoint
 * and returns BATON_ECANCELLED, leaving the c1z as it was and "<c1z>.wip/" with the checkpoint:
 * the next run resumes the same sync. That request stops every sync of the process; to stop one
 * alone, give it its own stop (baton_sync_options.should_stop).
 *
 * Several syncs at once. baton_sync() may run on several threads of one process at the same time,
 * each on its own c1z path (two on one path: the second fails, as two processes would), e.g. one
 * per task in service mode. Each has its own store, working copy, workers and stop; logging is
 * shared (lines are whole). The fault-injection knobs below are process-wide.
 *
 * Environment: BATON_CHECKPOINT_INTERVAL_MS (milliseconds, wins over checkpoint_interval_ms; 0
 * checkpoints at every opportunity) is a test and tuning knob: frequent checkpoints cost a commit
 * each but leave less to redo after a kill.
 *
 * Test knobs (fault injection, docs/RELIABILITY.md; never set them in production): the SDK has
 * named fault sites — each sync step (sync.step.list-resources, ...), sync.checkpoint, sync.end,
 * store.commit, expand.load, expand.node, the pack's c1z.open / c1z.write / c1z.fsync / c1z.rename
 * / c1z.dirsync, c1z.decode, wip.marker. BATON_TEST_KILL_AT=SITE:N raises SIGKILL at the n-th
 * hit of a site ("c1z.*" a prefix, "*" any site); BATON_TEST_FAIL_AT=SITE:N[+][:ERRNO] makes
 * that hit fail (an I/O site with errno, EIO by default, e.g. "c1z.write:1+:ENOSPC" is a full
 * disk; "+" every hit from the n-th on); BATON_TEST_PAUSE_AT=SITE:N:MS sleeps there;
 * BATON_TEST_FAULT_TRACE=1 prints every hit to stderr. Unset, a site costs one atomic load.
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

#define BATON_SYNC_OPTIONS_VERSION 3

typedef struct baton_sync_options {
	unsigned int version;               /* BATON_SYNC_OPTIONS_VERSION */
	const char *c1z_path;               /* NULL: "sync.c1z" */
	const char *tmp_dir;                /* unused: the working copy is "<c1z>.wip/" (kept for
	                                       source compatibility) */
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
	int workers;                        /* 0: sequential, every callback on the calling
	                                       thread; n > 0: a pool of n worker threads (at most
	                                       64) for the batched operations; -1 (any value < 0):
	                                       min(online CPUs, 4), as upstream's -1 */
	unsigned int checkpoint_interval_ms; /* 0: 10,000 (the Go SDK's); see also
	                                        BATON_CHECKPOINT_INTERVAL_MS above */
	/* Optional progress callback, called at most every `progress_interval_ms` (0: 1,000) and at
	 * the end of each phase. */
	void (*progress)(const baton_sync_progress *p, void *userdata);
	void *progress_userdata;
	unsigned int progress_interval_ms;

	/* ---- version 2 ---- */

	/*
	 * External resources (the Go SDK's --external-resource-c1z): after the grants, principals
	 * (resources of the matching traits), their entitlements and grants are copied from this
	 * other connector's c1z (its latest finished full sync), then grants carrying
	 * ExternalResourceMatch / ExternalResourceMatchAll / ExternalResourceMatchID are rewritten
	 * onto the principals they match (docs/command-line.md). NULL or "": none.
	 */
	const char *external_resource_c1z;
	/* Only the principals holding this entitlement of the external c1z (NULL or "": all). */
	const char *external_resource_entitlement_id_filter;
	/* The traits matched (none: user and group). */
	const baton_trait *external_resource_traits;
	size_t n_external_resource_traits;

	/* ---- version 3 ---- */

	/*
	 * This sync's own stop (the Go SDK's per-task context): polled at every point where the
	 * process-wide request (baton_sync_request_stop) is looked at — between pages, by the
	 * workers, in retry waits and in the HTTP layer's waits (baton/http.h) of calls made on this
	 * sync's threads — and a non-zero result stops this sync as that request would (checkpointed,
	 * BATON_ECANCELLED), leaving every other sync of the process running. NULL: only the
	 * process-wide request stops it. It is called from the calling thread and from the sync's
	 * worker threads, several at once: it must be thread-safe and cheap (an atomic load), and must
	 * not call into the SDK. `stop_user` is borrowed until baton_sync() returns.
	 */
	int (*should_stop)(void *stop_user);
	void *stop_user;
} baton_sync_options;

#define BATON_SYNC_OPTIONS_INIT {BATON_SYNC_OPTIONS_VERSION, NULL, NULL, false, false, false, \
                                 NULL, 0, NULL, 0, 0, 0, NULL, NULL, 0, NULL, NULL, NULL, 0, \
                                 NULL, NULL}

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
 * the same kind started within 7 days is resumed, from the working copy a stopped run left, else
 * from the file). `summary` may be NULL. Returns 0, or the first fatal error: the c1z is then
 * untouched and "<c1z>.wip/" keeps the work and the last checkpoint, so the next run resumes.
 */
BATON_API int baton_sync(const baton_connector *connector, const baton_sync_options *opts,
                         baton_sync_summary *summary);

/*
 * Asks every running sync (or the next one, when none runs) to stop at its next safe point,
 * checkpointed; baton_sync() then returns BATON_ECANCELLED. Async-signal-safe: a program's
 * SIGINT/SIGTERM handler may call it. The request is forgotten when the last running
 * baton_sync() returns. To stop one sync of several, use baton_sync_options.should_stop.
 */
BATON_API void baton_sync_request_stop(void);

/*
 * The connector's program: parses the command line and the BATON_* environment like a Go
 * connector (`-f/--file`, `--log-level`, `--sync-resources`, `--skip-full-sync`, ...; see
 * docs/command-line.md), runs the selected mode and returns the process exit status.
 *     int main(int argc, char **argv) { return baton_main(argc, argv, &my_connector); }
 */
BATON_API int baton_main(int argc, char **argv, const baton_connector *connector);

BATON_END_DECLS

#endif /* BATON_SYNC_H */
