/*
 * Internal layout of the c1z store (include/baton/store.h) and the helpers its files share.
 *
 *   c1z_io.c    the file framing: magic + one zstd frame, decoding with limits, atomic saving
 *   store.c     open / close / save, schema creation, migrations, pragmas, statement cache
 *   syncs.c     sync runs: KSUIDs, timestamps, start / resume / end, selection, stats
 *   rows.c      puts (upserts in batched transactions)
 *   read.c      listing iterators, point reads, counts
 *   sessions.c  the connector session key/value table
 *   bulk.c      deferred grant indexes while a new file is filled
 *   wip.c       the resumable working copy "<c1z>.wip/": lock, marker, removal
 */
#ifndef BATON_STORE_STORE_H
#define BATON_STORE_STORE_H

#include <stdint.h>
#include <sqlite3.h>

#include "baton/store.h"
#include "core/ctx.h"

#define BATON__KSUID_LEN 27
/* Longest sync id accepted from callers and files (ours are KSUIDs, 27 characters), plus NUL. */
#define BATON__SYNC_ID_MAX 64
/* "2006-01-02 15:04:05.999999999" plus NUL */
#define BATON__TS_LEN 30

/* Rows written per transaction before it is committed. */
#define BATON__STORE_TX_ROWS 50000
/* Statements kept prepared for reuse (listing queries are built from the filters used). */
#define BATON__STORE_STMT_CACHE 24

typedef enum baton__put_kind {
	BATON__PUT_RESOURCE_TYPE = 0,
	BATON__PUT_RESOURCE,
	BATON__PUT_ENTITLEMENT,
	BATON__PUT_GRANT,
	BATON__PUT_ASSET,
	BATON__PUT_KINDS
} baton__put_kind;

typedef struct baton__stmt_slot {
	char *sql;
	sqlite3_stmt *stmt;
} baton__stmt_slot;

struct baton_store {
	char *path;              /* the c1z file, as given */
	char *work_dir;          /* private temporary directory, or the resumable "<path>.wip" */
	char *db_path;           /* work_dir + "/db" */
	sqlite3 *db;
	bool read_only;
	bool dirty;
	bool wip;                /* work_dir is the resumable working copy (locked by wip_lock_fd) */
	int wip_lock_fd;         /* -1 when none */
	bool wip_resumed;        /* the working copy was left by an earlier process and picked up */
	bool corrupt;            /* SQLite reported corruption: the working copy is never kept */
	int write_err;           /* a write error SQLite may have rolled the transaction back for */
	char write_msg[768];     /* ... and its message, for a later commit to report */
	char wip_head[BATON__SYNC_ID_MAX]; /* latest finished sync when the copy was made ("-": none) */
	int level;               /* zstd level when saving */
	char current[BATON__SYNC_ID_MAX]; /* current sync id, "" for none */

	/* Deferred grant indexes (bulk.c): the bulk phase is checked for once, at the first grant put;
	 * grants_deferred is the mask (BATON__GIDX_*) of the grant indexes dropped meanwhile. While
	 * the unique one is deferred, a grant put is an append. */
	bool bulk_checked;
	unsigned grants_deferred;

	/* The grant writer thread, started with the bulk phase (writer.c); NULL when none. It writes
	 * only while BATON__GIDX_UNIQUE is deferred. */
	struct baton__writer *writer;
	sqlite3_mutex *writer_paused; /* the connection mutex the caller holds (writer_pause), or NULL */

	/* Batched writes: a transaction stays open across puts until flushed. */
	bool in_tx;
	unsigned pending;
	sqlite3_stmt *put[BATON__PUT_KINDS];
	sqlite3_stmt *put_grant_append; /* the grant put of the bulk phase, in the caller's thread */
	baton_ctx scratch;       /* serialization memory of one put, reset after each */

	baton__stmt_slot cache[BATON__STORE_STMT_CACHE];
	unsigned cache_next;     /* round-robin eviction */

	/* discovered_at: the formatted "YYYY-MM-DD HH:MM:SS" of the last second seen */
	int64_t ts_sec;
	char ts_prefix[20];
	/* the discovered_at rows share (baton__store_row_stamp): the text, when it was taken
	 * (CLOCK_MONOTONIC, ms) and how many rows have used it */
	char row_stamp[BATON__TS_LEN];
	int64_t row_stamp_ms;
	unsigned row_stamp_uses;
};

/* ---- c1z_io.c ---- */

typedef struct baton__decode_limits {
	uint64_t max_decoded;    /* bytes */
	uint64_t max_window;     /* bytes */
	bool fcs_fail_fast;
} baton__decode_limits;

/*
 * Decodes the c1z at `path` into a new file `db_path`. Returns 0 when decoded, 1 when `path` does
 * not exist or is empty (nothing written), or a negative code with the last error naming `path`
 * and the problem. On error `db_path` may exist (the caller removes its directory).
 */
int baton__c1z_decode(const char *path, const char *db_path, const baton__decode_limits *lim);

/*
 * Writes `db_path` as a c1z to `path`, through "<path>.tmp" (fsynced, renamed over `path`, the
 * directory fsynced). The temporary file is removed on failure; `path` is untouched then.
 * `expect` (may be NULL: no check) is the identity (baton__c1z_identity) `path` must still have
 * when it is replaced: where the file system can exchange two names atomically (Linux
 * renameat2), the new file is swapped in and the old one's identity checked, and swapped back
 * with BATON_EABORTED when another process replaced the file since; "none" makes the rename fail
 * if a file appeared there. Elsewhere the check is made just before a plain rename.
 */
int baton__c1z_encode(const char *db_path, const char *path, int level, const char *expect);

/*
 * zstd window of baton__c1z_encode: 8 MiB, as the Go SDK's default encoder. It suits a working
 * copy saved as it is, where a B-tree's pages lie spread through the file.
 */
#define BATON__C1Z_WINDOW_LOG 23
/*
 * The window for saving at `level`. A compacted copy (baton__store_compacted_copy) has each
 * B-tree's pages in key order one after the other, so a page's best match is mostly near it: at
 * levels 1-3 (zstd's "fast"/"dfast", small hash tables, one probe) the 2 MiB window zstd itself
 * takes for level 3 packs it as well or better than 8 MiB, whose far matches displace near ones
 * (measured at level 3: sync-shape 5.79 -> 5.74 MB, the VACUUMed tenant 19.00 -> 18.96, the
 * bench's wide and cycles graphs -0.5%, test_store_save_layout's grants -0.9%). A 256 KiB
 * window gains 2-5% more on the benchmarks but loses 6% on those grants: not taken. A working
 * copy saved as it is keeps 8 MiB: its B-trees' pages are interleaved and the similar page is
 * far (writepack 1M: 1 MiB costs 1.4%). Other levels keep 8 MiB.
 */
int baton__c1z_window_for(int level, bool compacted);
/* baton__c1z_encode with the window 2^window_log (10..27; smaller keeps every reader able to). */
int baton__c1z_encode_window(const char *db_path, const char *path, int level, int window_log,
                             const char *expect);

/* Creates a private directory "c1z*" under base (or $TMPDIR, or /tmp). *out is malloc'ed. */
int baton__work_dir_create(const char *base, char **out);
/* Removes the directory and every file in it (it holds no subdirectories). */
void baton__work_dir_remove(const char *dir);

/* ---- wip.c ---- */

/* dir + "/" + name, malloc'ed (NULL when out of memory). */
char *baton__wip_path(const char *dir, const char *name);
/* The resumable working copy of `c1z_path`: "<c1z_path>.wip", or with `tmp_dir` (not NULL)
 * "<tmp_dir>/<base name>.<hash of the c1z path with its directory resolved>.wip", so the next run
 * given the same directory finds it, however the path is spelled. Caller frees; NULL when out of
 * memory. */
char *baton__wip_dir(const char *c1z_path, const char *tmp_dir);
/*
 * Creates wip_dir (0700) when missing and takes the exclusive lock on wip_dir/lock; *fd_out is the
 * locked descriptor. BATON_EUNAVAILABLE "... is in use by another process" when it is held.
 */
int baton__wip_lock(const char *wip_dir, const char *c1z_path, int *fd_out);
/* The identity of the c1z at path: "none" when it does not exist, else "<size> <mtime s.ns>
 * <hash of the first and last 64 KiB>". */
int baton__c1z_identity(const char *path, char *buf, size_t size);
/* Reads the marker: 0 with its fields, 1 when missing or malformed, < 0 on error. */
int baton__wip_marker_read(const char *wip_dir, char *identity, size_t id_size, char *head, size_t head_size);
/* Before a working copy is saved over its c1z: BATON_EABORTED when the c1z is no longer the file
 * the copy was made from (replaced or changed by someone else meanwhile), which is then kept.
 * `made_from` (size bytes) receives the marker's identity, "" when there is no marker. */
int baton__wip_check_source(const char *wip_dir, const char *c1z_path, char *made_from, size_t size);
/* The BATON_EABORTED error for a c1z that was `was` and is now `now` (identities). */
int baton__wip_replaced_error(const char *c1z_path, const char *was, const char *now);
/* fsyncs db_path, then writes the marker atomically (tmp + fsync + rename + directory fsync). */
int baton__wip_marker_write(const char *wip_dir, const char *c1z_path, const char *db_path,
                            const char *identity, const char *head);
/* Whether wip_dir holds anything besides its lock file. */
bool baton__wip_has_content(const char *wip_dir);
/* Removes the marker first, then every other file but the lock. */
void baton__wip_clear(const char *wip_dir);
/* Clears, removes the lock file and the directory, then releases the lock (closes lock_fd). */
void baton__wip_remove(const char *wip_dir, int lock_fd);

/* ---- store.c ---- */

/* Sets the last error from a SQLite failure ("c1z <path>: <what>: <sqlite message>"). */
int baton__store_sqlerr(baton_store *s, int rc, const char *what);
/* A prepared statement for `sql`, from the cache or newly prepared. Give it back with
 * baton__store_release(); never finalize it yourself. */
int baton__store_prepare(baton_store *s, const char *sql, sqlite3_stmt **out);
void baton__store_release(baton_store *s, sqlite3_stmt *stmt);
/* Runs SQL without results. */
/*
 * A VACUUM INTO copy of the working copy to pack instead of it (compacted.c): its path (malloc;
 * the caller removes the file), or NULL when the database is too large, already compact
 * (baton__store_layout_compact) or the copy failed. *compact: whether what is to be packed (the
 * copy, or the working copy when NULL) is laid out compact (baton__c1z_window_for).
 */
char *baton__store_compacted_copy(baton_store *s, bool *compact);

/* How a database's B-trees lie in its file (baton__store_layout_scan). */
typedef struct baton__store_layout {
	int64_t pages, free_pages;     /* page_count, freelist_count */
	int64_t leaves;                /* leaf pages of every B-tree */
	int64_t leaves_out_of_order;   /* leaves not at the page after the previous leaf of its B-tree */
	int64_t sampled_bytes, sampled_free; /* every 8th leaf (not a lone root): usable, free bytes */
	int64_t known_pages;           /* leaf and interior pages (the B-tree of each is known) */
	int64_t pure_pages;            /* of those, in the B-tree that holds most of their 64-page run */
} baton__store_layout;
/*
 * Walks the B-trees of db's main database in key order from its file (through SQLite's handle;
 * no transaction may be open, and the journal is a rollback one: the file holds every committed
 * page, where a WAL's would not be seen), reading the interior pages and every 8th
 * leaf as the B-tree page format lays them out. Only reads. 0, or -1 on a page it does not
 * understand (the layout is then not known).
 */
int baton__store_layout_scan(sqlite3 *db, baton__store_layout *out);
/* At least this share of pure pages (baton__store_layout: a compacted copy 98.7-99.6%, the
 * working copies of the benchmarks 73-85%), no free page (VACUUM leaves none; one holds the bytes
 * of whatever was deleted there) and at most this share of free bytes in the sampled leaves. */
#define BATON__LAYOUT_MIN_PURE_PCT 95
#define BATON__LAYOUT_MAX_LEAF_FREE_PCT 8
/* Whether a scanned layout is as compact as VACUUM would make it (then saving skips the VACUUM). */
bool baton__store_layout_compact(const baton__store_layout *l);
/* What failed in `sql` (a statement or a schema script) for an error message, on one line: for a
 * missing column "table T", else the failing statement's first line (cut with "..."). */
void baton__store_failed_stmt(sqlite3 *db, const char *sql, char *what, size_t size);
int baton__store_exec(baton_store *s, const char *sql);
/* BATON_EPERM when the store is read-only (message names the operation). */
int baton__store_check_writable(baton_store *s, const char *op);
/* Starts the batching transaction when none is open. */
int baton__store_begin(baton_store *s);
/* Commits the batching transaction, if any. */
int baton__store_commit(baton_store *s);

/* ---- syncs.c ---- */

/* Fills buf with now in the stored layout (local time, trimmed fraction). */
void baton__store_now(baton_store *s, char buf[BATON__TS_LEN]);
/* discovered_at for a record row: rows written close together share one value, as the Go SDK
 * stamps every row of one bulk put with one time (syncs.c says how close). */
void baton__store_row_stamp(baton_store *s, char buf[BATON__TS_LEN]);
/* Formats a time (seconds + nanoseconds since the epoch) in the stored layout, local time. */
void baton__format_time(int64_t sec, long nsec, char buf[BATON__TS_LEN]);
/* A new KSUID for the given Unix time (27 characters + NUL). */
int baton__ksuid_new(int64_t unix_sec, char out[BATON__KSUID_LEN + 1]);

typedef enum baton__sync_pick {
	BATON__PICK_LIST = 0,   /* lists and GetResource: latest finished full, else latest unfinished */
	BATON__PICK_GET,        /* GetResourceType/Entitlement/Grant: latest finished any, else unfinished */
	BATON__PICK_NONE        /* GetAsset: no fallback (only an explicit or current sync filters) */
} baton__sync_pick;
/*
 * The sync a read should use: `explicit_id` when given (non-empty), else the current sync, else
 * the fallback of `pick`. *out points at explicit_id, at buf or at the store's current id; it is
 * "" when nothing qualifies (no sync filter then).
 */
int baton__store_resolve_sync(baton_store *s, const char *explicit_id, baton__sync_pick pick,
                              char buf[BATON__SYNC_ID_MAX], const char **out);

/* ---- read.c ---- */

/* Bytes the iterator's row memory holds from malloc (diagnostics and tests). */
size_t baton__store_iter_memory(const baton_store_iter *it);

/* ---- writer.c ---- */

typedef struct baton__writer baton__writer;
/* The grant upsert (rows.c); bulk.c replays duplicate grants through it. */
extern const char baton__put_grant_sql[];
/* The same INSERT without its ON CONFLICT clause: the grant put of the bulk phase (no unique index),
 * run by the writer thread or, without it, by rows.c. */
extern const char baton__append_grant_sql[];
/* Tests set this to run the bulk phase without the thread, as on one CPU (the thread is otherwise
 * started only when sched_getaffinity gives two CPUs or more). */
extern bool baton__store_writer_disabled;
/* Tests set this to run code in the writer thread after each row it writes (holding the
 * connection), e.g. to slow a batch down. */
extern void (*baton__store_writer_row_hook)(void);
/* Starts the writer thread (bulk begin); silently none with one CPU, when disabled, or on any failure. */
void baton__store_writer_start(baton_store *s);
/* Queues one grant row (copied); hands a full batch to the thread. The thread's earlier error,
 * if any, is returned (and the row not taken). cols: resource type, resource, entitlement,
 * principal type, principal id. */
int baton__store_writer_put(baton_store *s, const char *external_id, const void *data, size_t len,
                            const char *const cols[5], const void *exp, size_t exp_len);
/* Writes every queued row and waits for the thread; its error, if any (then nothing must be
 * committed). No-op without a thread. */
int baton__store_writer_drain(baton_store *s);
/* Joins the thread and frees it (queued rows are dropped: drain first to keep them). */
void baton__store_writer_stop(baton_store *s);
bool baton__store_writer_active(const baton_store *s);
/* The caller's thread takes the connection before the writer thread's next row, instead of
 * waiting for its whole batch (a point read of the syncer between two pages of grants). Holds
 * the connection's mutex until baton__store_writer_resume; both are no-ops without a thread.
 * Not nested. */
void baton__store_writer_pause(baton_store *s);
void baton__store_writer_resume(baton_store *s);

/* ---- bulk.c ---- */

/* The grant indexes the store can defer (a mask). */
#define BATON__GIDX_UNIQUE 0x01u        /* idx_grants_external_sync_v1 (external_id, sync_id) */
#define BATON__GIDX_RESOURCE 0x02u      /* idx_grants_resource_type_id_resource_id_v1 */
#define BATON__GIDX_PRINCIPAL 0x04u     /* idx_grants_principal_id_v1 */
#define BATON__GIDX_ENT_PRINCIPAL 0x08u /* idx_grants_entitlement_id_principal_id_v1 */
#define BATON__GIDX_ENT_SYNC 0x10u      /* idx_grants_entitlement_sync_grant_v1 */
#define BATON__GIDX_ALL 0x1fu

/* At the first grant put: when v1_grants is empty, drops all five secondary grant indexes (the
 * bulk phase: grant puts are appends until the unique index is built). */
void baton__store_bulk_grants_begin(baton_store *s);
/*
 * Builds the deferred grant indexes of `mask` (the unique one first, merging grants put more than
 * once as the upsert would have). A failure of the unique index is always an error (nothing is
 * changed then); for the others, required = false ignores a failure (e.g. while another statement
 * reads): reads work without them and a later call builds them.
 */
int baton__store_grants_build(baton_store *s, unsigned mask, bool required);
/* baton__store_grants_build (required) with SQLite's page cache shrunk to at most 16 MiB meanwhile
 * (its pages are clean after a commit): the sorter spills beyond it instead of growing the peak
 * memory on top of a full cache. The cache size is restored afterwards. */
int baton__store_grants_build_lean(baton_store *s, unsigned mask);
/* Drops the grant indexes of `mask` (never the unique one) until a build asks for them: for a large
 * writer that does not read them (expansion). */
int baton__store_grants_defer(baton_store *s, unsigned mask);
/*
 * Drops the unique (external_id, sync_id) grant index until a build asks for it, for a writer
 * that guarantees the rows it adds meanwhile repeat no (external_id, sync_id) of the table
 * (expansion: expand_defer.c), so that building it later needs no merge and gives what the
 * upserts would have. Grant puts through the store are appends meanwhile (merged at the build as
 * in the bulk phase). 0, or a store error (the index is kept).
 */
int baton__store_grants_defer_unique(baton_store *s);
/* Builds every deferred grant index: before anything reads grants through the store's API
 * (required = false) and before ending a sync or saving (required = true). */
int baton__store_bulk_grants_end(baton_store *s, bool required);
/* On open, before the schema: a working copy whose v1_grants lacks the unique index (a process
 * killed during the bulk phase) gets it built, duplicates merged as at the end of the bulk phase. */
int baton__store_grants_unique_repair(baton_store *s);

/* ---- rows.c ---- */

void baton__rows_finalize(baton_store *s);

/* Recomputes and stores the cached stats of sync_id as the end of the sync does (only when it has
 * ended, as upstream); for `baton recalculate-stats`. BATON_ENOTFOUND for no such sync. */
int baton__store_sync_recalculate_stats(baton_store *s, const char *sync_id);

/* Marks sync_id supports_diff = 1 (any sync, current or not: grant expansion of a finished sync ran,
 * as Go's syncer marks a sync when its grant-expansion step runs). BATON_ENOTFOUND for no such sync. */
int baton__store_sync_mark_supports_diff(baton_store *s, const char *sync_id);
/* The stats JSON of one sync (Go's SyncStats encoding); *out is malloc'd, the caller frees it
 * (stats.c). token: the sync's token (its timing maps are copied), may be NULL. */
int baton__store_stats_json(baton_store *s, const char *sync_id, baton_sync_type type, const char *token,
                            char **out);

/*
 * Grant bytes with their GrantExpandable annotation taken out (as upstream's backfill and puts):
 * *data and *len receive the grant re-serialized without it (or the input unchanged when it has none),
 * *exp and *exp_len the annotation's bytes when it names at least one non-blank entitlement id
 * (NULL otherwise). Memory from `arena`.
 */
int baton__grant_bytes_take_expansion(baton_arena *arena, const uint8_t *in, size_t in_len,
                                      uint8_t **data, size_t *len, uint8_t **exp, size_t *exp_len);

#endif
