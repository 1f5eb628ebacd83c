/*
 * libbaton: diff syncs and sync compaction, as the Go SDK's `--diff-syncs` and `--compact-syncs`.
 *
 * Diff (`--diff-syncs`): inside one c1z, a new sync of type "partial" whose parent is the base sync holds every
 * row of the applied sync whose external id is not in the base sync (resource types, resources,
 * entitlements, grants, assets; sessions are not copied). Rows that changed but kept their id, and
 * rows that disappeared, are not represented: this is the upstream GenerateSyncDiff.
 *
 * Compaction: several c1z files (the first one the base, the others applied on top of it, in
 * order) are merged into one new c1z holding one sync. For every input, the newest finished
 * "snapshot" sync (full, resources_only or partial; never a diff half partial_upserts /
 * partial_deletions) is taken; a record (resource type, resource, entitlement, grant; assets and
 * sessions are not merged) present in several inputs keeps the copy with the latest discovered_at
 * (on equal times, the later input's copy). The new sync's type is the union of the inputs' types
 * (full if any is full, else resources_only if any is, else partial) and its end time the latest
 * end time; when it is not partial, grants are expanded (include/baton/expand.h). The result is
 * "<output dir>/compacted-<new sync id>.c1z".
 */
#ifndef BATON_COMPACT_H
#define BATON_COMPACT_H

#include "common.h"
#include "store.h"

BATON_BEGIN_DECLS

/*
 * Adds to the open, writable store `s` a finished sync of type partial, parent `base_sync_id`,
 * holding the rows of `applied_sync_id` whose external ids the base sync does not have (see
 * above); stats are stored as for any ended sync. *new_sync_id (28 bytes, may be NULL) receives
 * its id. The store's current sync is none afterwards.
 * Errors: BATON_EINVALID (an id is NULL or empty), BATON_ENOTFOUND (a sync does not exist; the
 * message says which), BATON_EPERM (read-only store), BATON_EPRECONDITION (an unfinished sync is
 * current), or a store error; nothing is written then.
 */
BATON_API int baton_store_sync_diff(baton_store *s, const char *base_sync_id, const char *applied_sync_id,
                                    char new_sync_id[28]);

/*
 * Upstream's GenerateSyncDiffFromFile: compares `old_sync_id` of the c1z `old_path` (read only)
 * with `new_sync_id` of the open, writable store `s`, and adds to `s` two finished syncs linked to
 * each other (linked_sync_id), both with parent `old_sync_id`, supports_diff and grants_backfilled:
 *  - partial_deletions (created first): the old sync's rows whose external ids the new one lacks;
 *  - partial_upserts: the new sync's rows that are new, or whose data changed (for grants: data or
 *    GrantExpandable).
 * Resource types, resources, entitlements and grants are compared (not assets nor sessions); no
 * stats are stored for these runs (as upstream). Both syncs must have grants_backfilled = 1 and
 * supports_diff = 1 (ours are, once their grant-expansion step ran), else BATON_EPRECONDITION.
 * The ids go to *upserts_sync_id and *deletions_sync_id (28 bytes each, may be NULL).
 * Errors: BATON_EINVALID (a missing argument), BATON_ENOTFOUND (no such file or sync),
 * BATON_EPRECONDITION, BATON_EPERM (read-only store), or a store error; nothing is written then.
 */
BATON_API int baton_store_sync_diff_from_file(baton_store *s, const char *old_path, const char *old_sync_id,
                                              const char *new_sync_id, char upserts_sync_id[28],
                                              char deletions_sync_id[28]);

#define BATON_COMPACT_OPTIONS_VERSION 1

typedef struct baton_compact_options {
	unsigned int version;     /* BATON_COMPACT_OPTIONS_VERSION */
	const char *tmp_dir;      /* where the working files go; NULL: $TMPDIR or /tmp */
} baton_compact_options;

#define BATON_COMPACT_OPTIONS_INIT {BATON_COMPACT_OPTIONS_VERSION, NULL}

/*
 * Compacts the `n` c1z files `paths` (n >= 2; paths[0] is the base) into a new c1z in the
 * existing directory `output_dir` (see above). `sync_ids` has one id per file, as upstream's
 * --compact-sync-ids: like upstream, only sync_ids[0] is used (to name the working file); each
 * file's newest finished snapshot sync is what is merged. `opts` may be NULL.
 * On success *out_path (may be NULL) receives the path of the new file (malloc'ed, the caller
 * frees it) and *new_sync_id (28 bytes, may be NULL) its sync id. The file appears complete or not
 * at all: it is written in a working directory and renamed into place. Inputs are never changed.
 * Errors: BATON_EINVALID (fewer than two files, a NULL path or id, an input that is not a c1z),
 * BATON_EPRECONDITION (an input has no finished snapshot sync), BATON_ENOTFOUND (an input or the
 * output directory does not exist), or an I/O or store error; nothing is left behind then.
 */
BATON_API int baton_compact_files(const char *output_dir, const char *const *paths, const char *const *sync_ids,
                                  size_t n, const baton_compact_options *opts, char **out_path,
                                  char new_sync_id[28]);

BATON_END_DECLS

#endif
