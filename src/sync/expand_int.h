/*
 * Grant expansion's private types (expand.c, expand_pset.c, expand_defer.c, expand_srcs.c,
 * expand_scan.c): the expander's state, the per-destination principal sets, the kept sources and
 * scan mode's row lists.
 */
#ifndef BATON_SYNC_EXPAND_INT_H
#define BATON_SYNC_EXPAND_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

#include "sync/expand.h"
#include "store/store.h"

/* Writes per transaction. */
#define EXPAND_TX_WRITES 50000u
/* Progress is reported at least this often (contributions applied). */
#define EXPAND_PROGRESS_EVERY 10000u

enum { ENT_UNKNOWN = 0, ENT_FOUND, ENT_MISSING };

/* What the store says about an entitlement of the graph. */
typedef struct ent_meta {
	uint8_t state;
	const char *rt, *rid;  /* its resource (graph arena) */
} ent_meta;

/*
 * The principals that have a grant of one destination (prt "\0" pid keys, node arena), read in
 * one index range scan when the node is expanded and kept up to date as grants are created: a
 * principal not in it has no grant of the destination, so the per-contribution look-up of its
 * existing grants is skipped. Open addressing; `slots` NULL when the destination had too many
 * grants to hold (then every contribution looks its grants up, as before).
 */
#define EXPAND_PSET_MAX (1u << 20)
typedef struct pset {
	const char **slots; /* key (length-prefixed by `lens`) or NULL */
	uint32_t *lens;
	uint32_t *vals;     /* scan mode: the key's first row in x->rows, or EXPAND_NO_ROW; else NULL */
	uint32_t cap, n;
} pset;
#define EXPAND_NO_ROW UINT32_MAX
/* A value with this bit: the one row the node created for the key, at node_first_row + the rest. */
#define EXPAND_ROW_NEW 0x80000000u

/* A destination of the node being expanded: its stored entitlement. */
typedef struct dest {
	uint32_t ent;
	const char *id, *rt, *rid;
	const uint8_t *data;
	size_t len;
	pset have;
} dest;

/*
 * One contribution of a source grant: its principal (type, id, the Resource bytes or NULL) and
 * whether the grant holds the source directly. `rt` is the principal type's index among the
 * edge filters' resource types (BATON__NONE when no filter names it); `seq` its row order.
 */
typedef struct contrib {
	const char *prt, *pid;
	const uint8_t *principal;
	size_t principal_len;
	uint32_t rt, seq;
	uint32_t src, pair;  /* while gathered for a node: the source and its (edge, source) ordinal */
	bool direct;
} contrib;

/*
 * The contributions of one source entitlement, read once and kept while other edges still read
 * it (expand_srcs.c): sorted by principal, one entry per principal (direct if any of its grants
 * is, with the principal bytes of its first direct grant, else of its first grant).
 */
typedef struct srclist {
	contrib *v;
	size_t n, cap;
	size_t bytes;            /* memory held, counted against EXPAND_SRC_CACHE_BYTES */
	baton_arena arena;       /* the strings and principal bytes */
} srclist;

/* A grant row of a destination, copied (it is rewritten afterwards). */
typedef struct dst_row {
	int64_t id;
	uint8_t *data;
	size_t len;
} dst_row;

/* At most this much memory holds source lists; a source that does not fit is streamed. */
#define EXPAND_SRC_CACHE_BYTES ((size_t)64 << 20)

typedef struct expander {
	baton_store *s;
	const char *sync_id;
	const baton_expand_options *opts;
	baton_expand_stats *stats;
	baton__graph g;
	ent_meta *meta;
	uint32_t meta_cap;

	sqlite3_stmt *q_ent;     /* entitlement row by id */
	sqlite3_stmt *q_src;     /* grants of an entitlement, in row order */
	sqlite3_stmt *q_dst;     /* grants of an entitlement to a principal */
	sqlite3_stmt *upd;       /* new data for a row */
	sqlite3_stmt *ins;       /* a new expanded grant: the upsert, or a plain INSERT (expand_defer.c) */
	sqlite3_stmt *ins_upsert; /* the upsert, kept while ins is the plain INSERT */
	const struct dest *ins_dest; /* the destination whose columns are bound to ins */
	sqlite3_stmt *touch;     /* remembers an updated pre-existing row */
	sqlite3_stmt *q_prin;    /* principals of the grants of an entitlement */

	baton_arena row_arena;   /* one source grant */
	baton_arena apply_arena; /* one contribution */
	baton_arena node_arena;  /* the destinations of one node */
	int64_t max_row;         /* highest grant row id before expansion */
	uint64_t writes_in_tx;
	uint64_t applied;
	uint64_t progress_done, progress_total;
	baton_expand_phase phase;
	uint64_t created, updated_writes;
	struct contrib *batch;   /* contributions gathered for the current node, sorted before applying */
	size_t nbatch;
	baton_arena batch_arena; /* their strings */
	uint32_t *src_uses;      /* entitlement -> (edge, source) reads still to come */
	srclist **src_cache;     /* entitlement -> its kept list, or NULL */
	uint8_t *src_nocache;    /* entitlement -> 1 when its list did not fit */
	size_t src_cache_bytes;  /* memory held by every kept list */
	bool large;              /* expansion expected to write many grants (expand_defer.c) */
	bool unique_built;       /* the unique index was built on entry (it ended a bulk phase) */
	bool scan_pays;          /* expected to write at least twice the stored rows (expand_defer.c) */
	uint64_t *ids;           /* while the unique index is deferred: hashes of the sync's stored grant ids */
	uint32_t ids_cap, ids_n;

	/* Scan mode (expand_scan.c): the two indexes expansion reads are deferred too. */
	bool scan;
	struct expand_rowbuf *ent_rows; /* entitlement -> the sync's rows on it on entry, when a
	                                 * source or a destination */
	int64_t *comp_lo, *comp_hi; /* component -> the rows created while it was expanded (lo > hi: none) */
	int64_t top_row;         /* the highest row id stored */
	int64_t node_first_row;  /* the first row id the node being expanded may create */
	bool last_flush;         /* flushing the node's last batch */
	struct expand_row *rows; /* the node's per-(destination, principal) row lists */
	uint32_t nrows, rows_cap;
	sqlite3_stmt *q_row_src; /* a source grant by row id */
	sqlite3_stmt *q_range;   /* the grants of an entitlement among the rows of one component */
	sqlite3_stmt *q_row_dst; /* a destination grant by row id, when of the sync */
	sqlite3_stmt *q_row_prin; /* a grant's principal by row id */
} expander;

/* Ascending row ids, each as a varint of its distance from the one before (scan mode). */
typedef struct expand_rowbuf {
	uint8_t *v;
	size_t n, cap;
	int64_t last;
	uint32_t count;
} expand_rowbuf;

/* A row of one (destination, principal), chained in row order (scan mode). */
typedef struct expand_row {
	int64_t id;
	uint32_t next;
} expand_row;

/*
 * Reads the grants on a source entitlement in row order: through the (entitlement, sync, id)
 * index, or in scan mode by row id and from the row ranges of the components expanded so far.
 * The current row's columns (data, principal type, principal id, row id) are in `cur`.
 */
typedef enum src_phase {
	SRC_ROWS = 0, /* scan mode: the rows on entry, by row id */
	SRC_RANGE,    /* scan mode: the rows created while the source's component was expanded */
	SRC_INDEX,    /* through the index */
	SRC_DONE
} src_phase;

typedef struct src_iter {
	uint32_t src;
	sqlite3_stmt *cur;
	const uint8_t *p, *end; /* scan mode: the rows on entry still to read */
	int64_t last;
	src_phase phase;
} src_iter;

/* expand.c */
int baton__expand_prepare(expander *x, const char *sql, sqlite3_stmt **st);
const char *baton__expand_col_text(sqlite3_stmt *st, int col);
/* Appends the current row of `st` (id, data) to *rows (*n used of *cap), copied into the apply
 * arena (it is rewritten afterwards). */
int baton__expand_dst_row_copy(expander *x, sqlite3_stmt *st, dst_row **rows, size_t *n, size_t *cap);

/* expand_pset.c: the principals already holding a destination, read once per destination */
bool baton__expand_pset_has(const pset *ps, const char *prt, const char *pid);
/* Adds (prt, pid); on running out of room or memory the set is dropped (slots NULL). */
void baton__expand_pset_add(baton_arena *a, pset *ps, const char *prt, const char *pid);
/* Scan mode (a set with values): adds (prt, pid), its value EXPAND_NO_ROW when new; the value's
 * address, or NULL when the set was dropped. */
uint32_t *baton__expand_pset_put(baton_arena *a, pset *ps, const char *prt, const char *pid);
/* The value of (prt, pid), or NULL when absent (scan mode). */
uint32_t *baton__expand_pset_val(const pset *ps, const char *prt, const char *pid);
int baton__expand_pset_load(expander *x, dest *d);

/* expand_srcs.c: the contributions of sources read by several edges, kept (bounded) */
int baton__expand_srcs_init(expander *x);
void baton__expand_srcs_free(expander *x);
/* Decodes the current row of `st` (a grant on `src`: data, principal type and id, row id) into
 * *c, pointing into the row (valid until the next step). 1 when the grant has no principal. */
int baton__expand_src_row(expander *x, sqlite3_stmt *st, uint32_t src, contrib *c);
/* Copies c's strings and principal bytes into `a`. */
int baton__expand_contrib_copy(baton_arena *a, contrib *c);
/* The kept list of `src`, read now when several reads are still to come and it fits; *out NULL
 * when it is streamed instead. */
int baton__expand_srcs_get(expander *x, uint32_t src, srclist **out);
/* One read of `src` done: its list is freed after the last. */
void baton__expand_srcs_done(expander *x, uint32_t src);
/* Orders contributions by (principal type, principal id, direct first, row order). */
int baton__expand_contrib_cmp(const void *a, const void *b);

/* expand_defer.c: two grant indexes deferred (store/bulk.c) during a large expansion */
/* The grant indexes expansion reads (q_src, q_dst) or needs (the upsert's unique index). */
#define BATON__EXPAND_GIDX_READ (BATON__GIDX_UNIQUE | BATON__GIDX_ENT_PRINCIPAL | BATON__GIDX_ENT_SYNC)
int baton__expand_defer_indexes(expander *x);
/* After baton__expand_defer_indexes, for a large expansion: the unique (external_id, sync_id)
 * index is dropped too and x->ins becomes a plain INSERT (the ids of the sync's grants are kept
 * as hashes to tell when a new grant's id may be stored already). */
int baton__expand_defer_unique(expander *x);
/* Before x->ins stores a grant with this id (principal type prt): while the unique index is
 * deferred, an id that may be stored already builds the index back and makes x->ins the upsert
 * again, so that the row is written exactly as the upsert would. */
int baton__expand_unique_check(expander *x, const char *prt, const char *id, size_t len);
/* At the end of an expansion: the unique index is built (ok) or left deferred for the store to
 * build (after a failure); the id set is freed either way. */
int baton__expand_unique_end(expander *x, bool ok);
/* Tests only: true keeps the unique index (the upsert path) in every expansion. */
extern bool baton__expand_keep_unique;

/* expand_scan.c: scan mode, the read indexes deferred during a large expansion */
/* After baton__expand_defer_indexes: enters scan mode when it pays and fits. */
int baton__expand_scan_begin(expander *x);
/* Leaves scan mode: the read indexes are built back (a set that outgrew its bound). */
int baton__expand_scan_leave(expander *x);
void baton__expand_scan_free(expander *x);
int baton__expand_src_open(expander *x, uint32_t src, src_iter *it);
/* SQLITE_ROW (the row in it->cur), SQLITE_DONE, or another SQLite result code. */
int baton__expand_src_next(expander *x, src_iter *it);
void baton__expand_src_close(expander *x, src_iter *it);
/* Scan mode: the principals of d, with their rows, into d->have. */
int baton__expand_scan_pset(expander *x, dest *d);
/* Scan mode: the rows of d for (prt, pid) in the sync, in row order, into the apply arena. */
int baton__expand_scan_dst(expander *x, dest *d, const char *prt, const char *pid, dst_row **rows,
                           size_t *n);
/* Scan mode: row `id` now holds d's grant to (prt, pid) (0: it went to another row); kept for
 * the node's later flushes. */
int baton__expand_scan_created(expander *x, dest *d, const char *prt, const char *pid, int64_t id);
/* Tests only: 1 forces scan mode in every expansion that has edges, -1 keeps it off, 0: by size;
 * a nonzero leave_at leaves it once that many grants are created. */
extern int baton__expand_scan_mode;
extern uint64_t baton__expand_scan_leave_at;

#endif
