/*
 * What the pieces of the syncer share (internal to src/sync/syncer*.c).
 *
 * baton_sync() (syncer.c) runs one sync of a connector into a c1z, with the Go SDK's operations in
 * the Go SDK's order (docs: /work/shared/reference/sync-algorithm.md sections 1-3, 5-7).
 *
 * The loop takes the action on top of the stack. Root actions (resource types, the roots of
 * resources / static entitlements / entitlements / grants, expansion) run one page per loop
 * iteration. Per-type and per-resource actions run as a batch: up to 100 consecutive actions of
 * the same operation from the top of the stack, each driven through all of its pages; spawned
 * cursors of the same operation join the running batch, other new work goes onto the stack.
 * Checkpoints are written between loop iterations only (every checkpoint_interval_ms, and forced
 * after planning, at the end and when a stop is requested). Every connector call runs on a
 * context that is reset after the page is consumed, and store listings are read one page at a
 * time.
 *
 * Type-scoped listings (a type annotated TypeScopedEntitlements / TypeScopedGrants, the
 * connector's type_entitlements / type_grants): the root plans one action per such type on its
 * first page (marking itself type_scoped_planned for a resume), with type_scoped set and no
 * resource id; it is batched like a per-resource action and calls the type's callback instead
 * of reading a stored resource. The root skips the resources of such types.
 *
 * Workers (opts->workers > 0, pool.h): a batch's connector calls (the call_* halves) run on the
 * pool's threads, each on its own context; this thread takes their pages as they come and writes
 * them (the consume_* halves), so the action stack, the type cache, the counters and every store
 * write stay on one thread. Workers read the store (the resource an entitlements/grants call is
 * for) and connector session calls use it under store_mu, a recursive lock this thread holds
 * while it writes a page.
 *
 * The files, one phase each:
 *   syncer.c               baton_sync(): options, open, validate, run, save, the summary out
 *   syncer_checkpoint.c    checkpoints, picking or resuming the sync, loading its state
 *   syncer_loop.c          the loop over the action stack, batches, workers
 *   syncer_progress.c      the progress callback, the live line and the summary
 *   syncer_common.c        the type cache, annotations, transitions, connector calls, the store lock
 *   syncer_resources.c     resource types and resources (list-resource-types, list-resources)
 *   syncer_entitlements.c  static entitlements, the entitlements/grants roots (with the type-scoped
 *                          actions they plan), list-entitlements
 *   syncer_grants.c        list-grants pages and the grant expansion
 *   syncer_targeted.c      targeted resources (--sync-resources)
 */
#ifndef BATON_SYNC_SYNCER_INT_H
#define BATON_SYNC_SYNCER_INT_H

#include "sync/sync.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "baton/expand.h"
#include "connector/connector.h"
#include "core/error.h"
#include "core/faults.h"
#include "core/log.h"
#include "proto/any.h"
#include "store/store.h"
#include "sync/pool.h"
#include "sync/state.h"
#include "types/types.h"
#include "c1/connector/v2/annotation_ratelimit.pb-c.h"
#include "c1/connector/v2/annotation_resource_tree.pb-c.h"
#include "c1/connector/v2/annotation_type_scoped_grants.pb-c.h"
#include "c1/connector/v2/annotation_exclusion_group.pb-c.h"
#include "c1/connector/v2/annotation_grant.pb-c.h"

/* Page size of the syncer's own store listings. */
#define BATON__SYNC_STORE_PAGE 10000

typedef struct baton__syncer baton__syncer;

/*
 * The batched operations come in two halves: call_* makes the connector call of one page (on a
 * worker thread when there are workers: it only reads shared state, and the store under the store
 * lock), consume_* writes the page to the store and moves the action on (always on the loop
 * thread). The caller ends the page's call (baton__call_end) after both.
 */
typedef int (*baton__sync_call_fn)(baton__syncer *s, baton__page *p, const baton__action *a);
typedef int (*baton__sync_consume_fn)(baton__syncer *s, baton__page *p, const baton__action *a);

/* Pages listed so far by one listing (an action) still going; see baton__syncer_log_page. */
typedef struct baton__page_count {
	uint64_t action_id;
	uint64_t pages;
} baton__page_count;

/* What the syncer remembers about a stored resource type. */
typedef struct baton__type_info {
	char *id;
	bool stored;       /* exists in this sync's store */
	bool skip_eg, skip_ents, ts_ents, ts_grants;
	baton_trait traits[16];
	size_t n_traits;
	uint64_t resources, entitlements, grants;  /* counts for progress and the summary */
} baton__type_info;

struct baton__syncer {
	baton__runtime rt;
	const baton_sync_options *opts;
	baton_store *store;
	char sync_id[64];
	baton_sync_type type;
	bool resumed;
	baton__state st;
	baton__page main;         /* connector calls on the loop thread: reset after each page */
	baton_ctx sctx;           /* store reads of one step */
	baton__retryer retry;
	/* Parallel sync (workers > 0): the pool runs the connector calls of batched actions; the
	 * store is used under store_mu (recursive: the loop thread holds it while it writes a page,
	 * workers while they read a resource, connector session calls from any thread). */
	int workers;
	baton__pool *pool;
	pthread_mutex_t store_mu;
	bool stopped;             /* a stop request ended the sync */
	uint64_t warnings;
	int64_t last_checkpoint_ms;
	bool checkpointed;
	uint64_t checkpoint_interval;
	baton__type_info *types;
	size_t n_types, cap_types;
	baton__strset child_schedule;
	baton__strset spawned_admitted;
	/* targeted resources: [type, id, ptype, pid] each */
	char *(*targets)[4];
	size_t n_targets;
	/* progress */
	const char *phase;
	uint64_t n_resource_types, n_resources, n_entitlements, n_grants, n_expanded;
	_Atomic uint64_t pages;   /* connector calls answered (workers count too) */
	int64_t started_ms, last_progress_ms, last_line_ms, last_log_ms;
	const char *line_phase;   /* the phase the live line last showed */
	bool tty;
	/* batch queue (ids) */
	uint64_t *queue;
	size_t q_head, q_len, q_cap;
	int batch_op;
	baton__sync_call_fn batch_call;  /* the running batch's call half (read by the workers) */
	/* debug page records: listings that have a next page (loop thread only) */
	baton__page_count *page_counts;
	size_t n_page_counts, cap_page_counts;
};

static inline const char *baton__nz(const char *s)
{
	return s ? s : "";
}

/* ---- syncer_common.c ---- */

baton__type_info *baton__syncer_type_get(baton__syncer *s, const char *id, bool create);
baton__type_info *baton__syncer_stored_type(baton__syncer *s, const char *id);
bool baton__syncer_has_anno(baton_annotations *a, const char *name);
int baton__syncer_each_anno(baton_annotations *a, baton_arena *arena, const ProtobufCMessageDescriptor *desc,
                            int (*fn)(void *ud, ProtobufCMessage *m), void *ud);
int baton__syncer_transition(baton__syncer *s, uint64_t id, const char *next, baton__action *children, size_t n);
void baton__syncer_call_begin(baton__syncer *s, baton__page *p, baton__call_kind kind, const baton__rtype *t,
                              const char *token);
int baton__syncer_call_result(baton__syncer *s, baton__page *p, int rc, const char *what);
int baton__syncer_call_error(int rc, const char *op, const baton__action *a);
void baton__syncer_store_lock(baton__syncer *s);
void baton__syncer_store_unlock(baton__syncer *s);

/* ---- syncer_checkpoint.c ---- */

int baton__syncer_checkpoint(baton__syncer *s, bool force);
int baton__syncer_pick_sync(baton__syncer *s);
int baton__syncer_find_unsaved_end(baton__syncer *s, bool *ended);
int baton__syncer_load_state(baton__syncer *s);

/* ---- syncer_resources.c ---- */

int baton__syncer_step_resource_types(baton__syncer *s, baton__action *a);
int baton__syncer_step_resources_root(baton__syncer *s, baton__action *a);
int baton__syncer_check_resource(baton_resource *r);
int baton__syncer_schedule_children(baton__syncer *s, baton__page *p, baton_resource *r, baton__action **acts,
                                    size_t *n, size_t *cap, bool record);
int baton__syncer_call_resources(baton__syncer *s, baton__page *p, const baton__action *a);
int baton__syncer_consume_resources(baton__syncer *s, baton__page *p, const baton__action *a);

/* ---- syncer_entitlements.c ---- */

int baton__syncer_step_static_root(baton__syncer *s, baton__action *a);
int baton__syncer_step_static(baton__syncer *s, baton__action *a);
bool baton__syncer_skip_grants(baton__syncer *s, baton_resource *r, int *err);
bool baton__syncer_skip_entitlements(baton__syncer *s, baton_resource *r, int *err);
int baton__syncer_step_eg_root(baton__syncer *s, baton__action *a);
int baton__syncer_fresh_type_exists(baton__syncer *s, const char *type_id, bool *exists);
int baton__syncer_call_for_resource(baton__syncer *s, baton__page *p, const baton__action *a, bool grants);
int baton__syncer_call_entitlements(baton__syncer *s, baton__page *p, const baton__action *a);
int baton__syncer_end_eg_page(baton__syncer *s, baton__page *p, const baton__action *a, int rc, const char *type_id,
                              bool grants, uint64_t stored);
int baton__syncer_consume_entitlements(baton__syncer *s, baton__page *p, const baton__action *a);

/* ---- syncer_grants.c ---- */

int baton__syncer_call_grants(baton__syncer *s, baton__page *p, const baton__action *a);
int baton__syncer_consume_grants(baton__syncer *s, baton__page *p, const baton__action *a);
int baton__syncer_step_expansion(baton__syncer *s, baton__action *a);

/* ---- syncer_targeted.c ---- */

int baton__syncer_fetch_resource(baton__syncer *s, baton_ctx *ctx, const baton_resource_id *id,
                                 const baton_resource_id *parent, baton_resource **out);
int baton__syncer_call_targeted(baton__syncer *s, baton__page *p, const baton__action *a);
int baton__syncer_consume_targeted(baton__syncer *s, baton__page *p, const baton__action *a);
int baton__syncer_parse_targets(baton__syncer *s);

/* ---- syncer_loop.c ---- */

int baton__syncer_loop(baton__syncer *s);

/* ---- syncer_progress.c ---- */

void baton__syncer_progress_notify(baton__syncer *s, int64_t now, bool force);
void baton__syncer_progress_tick(baton__syncer *s, bool force);
void baton__syncer_summary(baton__syncer *s);
void baton__syncer_log_page(baton__syncer *s, const baton__action *a, const char *op, const char *parent_type,
                            const char *parent_id, size_t items, const char *next_page);

#endif
