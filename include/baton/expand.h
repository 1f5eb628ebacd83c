/*
 * libbaton: grant expansion of a stored sync.
 *
 * A grant that carries GrantExpandable{entitlement_ids, shallow, resource_type_ids} says: "every
 * principal holding one of these source entitlements also holds my entitlement". Expansion turns
 * those statements into stored grants, exactly as the Go SDK's syncer does in its grant-expansion
 * step:
 *
 *  - the entitlement graph is built from the expandable grants of the sync (an edge from each
 *    source entitlement to the grant's entitlement; a source entitlement that is not stored drops
 *    its edge; a source entitlement that is not on the grant's principal is an error);
 *  - cycles are collapsed (the members of a cycle share what flows into the cycle);
 *  - grants flow along the edges in topological order, with no depth limit: a shallow edge only
 *    carries grants that are direct on their entitlement, a filtered edge only principals of the
 *    listed resource types;
 *  - an existing grant of the destination to the same principal gains the source entitlement in
 *    its GrantSources (and its own entitlement, when it had no sources yet); otherwise a new grant
 *    "<entitlement id>:<principal type>:<principal id>" is stored, marked GrantImmutable.
 *
 * Nothing is deleted, and resource types, resources and entitlements are not touched. Expansion
 * is idempotent: running it again, or again after an interruption, gives the same grants.
 *
 * Memory grows with the entitlement graph (entitlements that take part in expansion, and the
 * edges between them), not with the number of grants: grants are streamed from the store.
 */
#ifndef BATON_EXPAND_H
#define BATON_EXPAND_H

#include "common.h"
#include "store.h"

BATON_BEGIN_DECLS

/* Phases reported to the progress callback, in order. */
typedef enum baton_expand_phase {
	BATON_EXPAND_PHASE_LOAD = 1,   /* reading expandable grants; done = rows read, total = 0 */
	BATON_EXPAND_PHASE_CYCLES,     /* finding and collapsing cycles; done = total = nodes */
	BATON_EXPAND_PHASE_EXPAND,     /* done = graph nodes expanded, total = graph nodes */
	BATON_EXPAND_PHASE_FINISH      /* writing the sync token, ending the sync */
} baton_expand_phase;

typedef struct baton_expand_progress {
	baton_expand_phase phase;
	uint64_t done;
	uint64_t total;                /* 0 when unknown */
	uint64_t grants_created;       /* so far */
	uint64_t grants_updated;       /* so far (rows changed; a row may be counted more than once
	                                  here, the final stats count it once) */
} baton_expand_progress;

/*
 * Called at each phase change and regularly during the work. A non-zero return stops the
 * expansion, which then fails with BATON_ECANCELLED (what was written stays: expansion can
 * simply be run again).
 */
typedef int (*baton_expand_progress_fn)(const baton_expand_progress *progress, void *userdata);

#define BATON_EXPAND_OPTIONS_VERSION 1

typedef struct baton_expand_options {
	unsigned int version;              /* BATON_EXPAND_OPTIONS_VERSION */
	baton_expand_progress_fn progress; /* may be NULL */
	void *progress_data;
	/*
	 * Fail with BATON_EPRECONDITION when the graph has a cycle instead of collapsing it (the Go
	 * SDK's BATON_DONT_FIX_CYCLES; that environment variable set to "true" or "1" does the same).
	 */
	bool dont_fix_cycles;
	/*
	 * Only for a sync stopped at its grant-expansion step: expand it, but leave its sync token and
	 * end state alone (by default the step is removed from the token and, when it was the last
	 * one, the sync is ended as the syncer would).
	 */
	bool keep_sync_state;
	/* baton_expand_file only: where the store's working copy goes (NULL: $TMPDIR or /tmp). */
	const char *tmp_dir;
} baton_expand_options;

#define BATON_EXPAND_OPTIONS_INIT {BATON_EXPAND_OPTIONS_VERSION, NULL, NULL, false, false, NULL}

typedef struct baton_expand_stats {
	char sync_id[64];            /* the sync that was expanded */
	uint64_t expandable_grants;  /* grants carrying GrantExpandable */
	uint64_t nodes;              /* entitlements in the graph */
	uint64_t edges;              /* edges after merging duplicates */
	uint64_t edges_dropped;      /* edges whose source entitlement is not stored */
	uint64_t cycles_collapsed;   /* strongly connected components collapsed (self-loops included) */
	uint64_t components;         /* graph nodes after collapsing cycles */
	uint64_t depth;              /* longest path of the collapsed graph, in edges */
	uint64_t grants_created;     /* new grants stored */
	uint64_t grants_updated;     /* existing grants whose sources changed (each counted once) */
	bool sync_ended;             /* the expansion was the sync's last step and the sync was ended */
	bool skipped;                /* the sync's token says it needs no expansion: only the step was
	                                removed */
} baton_expand_stats;

/*
 * Expands the grants of one sync of an open (writable) store.
 *
 * `sync_id` NULL picks the sync that needs it: the newest unfinished sync whose sync token's
 * current action is grant-expansion (either token form the Go SDK writes), else the newest
 * finished sync holding grants marked needs_expansion; BATON_ENOTFOUND when there is none.
 *
 * When the sync is unfinished and stopped at grant-expansion, the step is then removed from its
 * token (written back in the form it was read) and, when no step is left, the sync is ended
 * (ended_at and stats), unless opts->keep_sync_state. As the Go syncer, a token whose
 * needs_expansion is false skips the expansion itself.
 *
 * Errors: BATON_EINVALID (a source entitlement that is not on the grant's principal: the message
 * names the grant, both entitlements and both resources; a sync token that is not JSON),
 * BATON_EDATALOSS (a stored grant or GrantExpandable that does not decode), BATON_ENOTFOUND (no
 * such sync), BATON_EPERM (read-only store), BATON_EPRECONDITION (a cycle with dont_fix_cycles),
 * BATON_ECANCELLED (the progress callback stopped it), or a store error. Writes made before an
 * error are kept (they are consistent; running expansion again completes them).
 * `stats` (may be NULL) is filled as far as the work went.
 */
BATON_API int baton_expand_store(baton_store *s, const char *sync_id, const baton_expand_options *opts,
                                 baton_expand_stats *stats);

/*
 * Opens the c1z `in_path`, expands as baton_expand_store(s, NULL, ...) and saves the result to
 * `out_path` (NULL: back to `in_path`, atomically). On failure no file is written or changed.
 */
BATON_API int baton_expand_file(const char *in_path, const char *out_path,
                                const baton_expand_options *opts, baton_expand_stats *stats);

BATON_END_DECLS

#endif /* BATON_EXPAND_H */
