/*
 * libbaton: the c1z store.
 *
 * A .c1z file (format v1) is the magic "C1ZF\0" followed by one zstd frame holding a SQLite
 * database, exactly as the Go baton-sdk writes it (docs/c1z-format.md). Opening a store
 * decompresses the file into a private temporary directory; all work happens on that copy; a
 * writable store that was changed is compressed back on baton_store_close() into "<path>.tmp",
 * fsynced, and renamed over the file, so a crash or an error never leaves a half-written c1z and
 * the previous file stays intact until the new one is complete.
 *
 * A writer that must survive being killed (the syncer) asks for a resumable working copy instead
 * (resumable_work_dir): the database then lives in "<path>.wip/" next to the file, and a later open
 * picks it up where the killed process left it, everything committed included (see the option).
 *
 * Rows belong to sync runs. Every record (resource type, resource, entitlement, grant, asset) is
 * keyed by (external id, sync id); puts are upserts, batched in transactions. Listing streams:
 * iterators step a SQLite statement and hand out one row at a time, so memory does not grow with
 * the number of rows.
 *
 * A store handle is not thread-safe: use it from one thread at a time.
 */
#ifndef BATON_STORE_H
#define BATON_STORE_H

#include "common.h"
#include "ctx.h"
#include "resource.h"
#include "entitlement.h"
#include "grant.h"

BATON_BEGIN_DECLS

typedef struct baton_store baton_store;

#define BATON_STORE_OPTIONS_VERSION 2

typedef struct baton_store_options {
	unsigned int version;   /* BATON_STORE_OPTIONS_VERSION */
	bool read_only;         /* never write the file back; changes (sessions too) are refused with
	                           BATON_EPERM */
	const char *tmp_dir;    /* where the working copy goes; NULL: $TMPDIR or /tmp */
	/*
	 * Decoder limits, in MiB; 0 takes the defaults of the Go SDK (10 GiB decoded, 128 MiB window),
	 * and the environment variables BATON_DECODER_MAX_DECODED_SIZE_MB and
	 * BATON_DECODER_MAX_MEMORY_MB override both, as upstream.
	 */
	uint64_t max_decoded_size_mb;
	uint64_t max_window_mb;
	/* zstd level used when saving; 0: 3 (as the Go SDK's default encoder, zstd.SpeedDefault). */
	int compression_level;

	/* ---- version 2 ---- */

	/*
	 * Work in a resumable working copy, the directory "<path>.wip/" (mode 0700), instead of a
	 * private temporary directory. With tmp_dir set the directory is instead
	 * "<tmp_dir>/<file name>.<16 hex digits>.wip/", the digits a hash of the c1z's absolute path
	 * (as Go's --c1z-temp-dir, the database lives under tmp_dir): a later open resumes it only
	 * when given the same tmp_dir. It holds the SQLite database (with a
	 * rollback journal), a lock file and a marker naming the c1z it was made from (size, mtime and
	 * a hash of its first and last 64 KiB; "none" when there was no file).
	 *  - Open: when "<path>.wip/" exists, its marker matches the c1z and its database opens as a
	 *    store (SQLite rolls back an interrupted transaction), it is used as it is, without
	 *    decompressing: everything committed before the previous process stopped (puts are
	 *    committed every few thousand rows and by every sync change and checkpoint) is there, and
	 *    the store starts dirty. Otherwise (no marker, another c1z, a damaged database) it is
	 *    removed, with a warning in the log, and made again from the c1z.
	 *  - The directory is locked (flock) while the store is open: a second open of the same path,
	 *    from any process, fails with BATON_EUNAVAILABLE ("... is in use by another process").
	 *  - baton_store_close() saves the c1z as always, then removes the directory; when saving
	 *    fails the directory stays, so nothing is lost. baton_store_discard() removes it;
	 *    baton_store_suspend() keeps it without writing the c1z.
	 *  - A stop between the c1z's rename and the removal leaves a directory whose marker names
	 *    the previous file: the next open discards it.
	 * Ignored by read-only stores, which never create, use or remove a working copy.
	 */
	bool resumable_work_dir;
} baton_store_options;

#define BATON_STORE_OPTIONS_INIT {BATON_STORE_OPTIONS_VERSION, false, NULL, 0, 0, 0, false}

/*
 * Opens the c1z at `path`. A missing or empty file gives a new, empty store (which is created on
 * disk only when closed after a change, and never in read-only mode). `opts` may be NULL for the
 * defaults. On success *out is a handle the caller ends with baton_store_close() or
 * baton_store_discard().
 * Errors name the file and the problem: BATON_EINVALID (not a c1z: wrong magic; a v3/Pebble file),
 * BATON_EDATALOSS (truncated or corrupt zstd frame, payload not SQLite, a required table missing),
 * BATON_EEXHAUSTED (over a decoder limit; the message names the variable to raise it),
 * BATON_EPERM / BATON_EUNAVAILABLE (I/O).
 * `path` must be a regular file, absent, or (writable stores) a symbolic link to a regular file,
 * which is then read and replaced through the link. Anything else (a directory, FIFO, socket,
 * device, a link to one or to nothing) is BATON_EINVALID, before any work: a save would replace
 * it. Rows nested deeper than 3,200 protobuf message levels are refused when read.
 */
BATON_API int baton_store_open(const char *path, const baton_store_options *opts, baton_store **out);

/*
 * Saves the store if it is writable and was changed (atomically, see above), then frees the
 * handle and removes the working copy. The handle is gone even when saving fails; the error is
 * returned and the file on disk is the previous one.
 */
BATON_API int baton_store_close(baton_store *s);

/* Frees the handle and the working copy (a resumable one too) without saving anything. NULL is a
 * no-op. */
BATON_API void baton_store_discard(baton_store *s);

/*
 * Ends the handle keeping the work for the next open to resume: with a resumable working copy
 * (resumable_work_dir), commits the buffered rows and leaves "<path>.wip/" in place without
 * writing the c1z, which stays the previous file (a copy that has nothing to resume, never
 * written to nor picked up, is removed); a working copy SQLite found damaged is removed. Without
 * one, the same as baton_store_close(). The handle is gone in every case; an error says the last
 * rows could not be committed (the working copy keeps what was committed before).
 */
BATON_API int baton_store_suspend(baton_store *s);

/* Whether the open picked up a resumable working copy left by an earlier process. */
BATON_API bool baton_store_resumed(const baton_store *s);

/*
 * Writes the current content to another c1z path (atomically), leaving the store open and its
 * own file untouched. Used by `baton expand --output`. `path` is checked as in baton_store_open
 * (BATON_EINVALID for anything but a regular file, nothing, or a link to a regular file); the new
 * file gets the permission bits of the one it replaces, never setuid, setgid or sticky.
 */
BATON_API int baton_store_save_as(baton_store *s, const char *path);

/* Whether the store has unsaved changes. */
BATON_API bool baton_store_is_dirty(const baton_store *s);

/* ------------------------------------------------------------------------------------------ */
/* Sync runs                                                                                   */

typedef enum baton_sync_type {
	BATON_SYNC_TYPE_ANY = 0,           /* queries only; never stored */
	BATON_SYNC_TYPE_FULL,              /* "full" */
	BATON_SYNC_TYPE_PARTIAL,           /* "partial" */
	BATON_SYNC_TYPE_RESOURCES_ONLY,    /* "resources_only" */
	BATON_SYNC_TYPE_PARTIAL_UPSERTS,   /* "partial_upserts" */
	BATON_SYNC_TYPE_PARTIAL_DELETIONS  /* "partial_deletions" */
} baton_sync_type;

/* The stored text of a sync type ("full", ...; "" for ANY). */
BATON_API const char *baton_sync_type_name(baton_sync_type type);
/* Parses a stored sync type; BATON_EINVALID for an unknown one. */
BATON_API int baton_sync_type_parse(const char *name, baton_sync_type *type);

/* One row of v1_sync_runs. Strings are borrowed (see each function). Times are the stored text. */
typedef struct baton_sync_run {
	const char *id;              /* 27-character KSUID */
	const char *started_at;      /* "2006-01-02 15:04:05.999999999", local wall-clock time */
	const char *ended_at;        /* NULL while the sync is unfinished */
	const char *sync_token;      /* the syncer's checkpoint JSON ("" when none) */
	baton_sync_type type;        /* BATON_SYNC_TYPE_ANY when the stored text is not a known type */
	const char *parent_sync_id;  /* "" when none */
	const char *linked_sync_id;  /* "" when none */
	bool supports_diff;
} baton_sync_run;

/*
 * Starts a new sync of `type` (FULL, RESOURCES_ONLY, PARTIAL, ...), with `parent_sync_id` for
 * partial and diff syncs (NULL or "" otherwise; a parent on FULL or RESOURCES_ONLY is
 * BATON_EINVALID, as upstream). It becomes the store's current sync. *sync_id receives the new
 * 27-character id in a buffer of at least 28 bytes. As upstream, when an unfinished sync is
 * already current it is returned instead if it has the same type, and BATON_EPRECONDITION is
 * returned if it has another.
 */
BATON_API int baton_store_sync_start(baton_store *s, baton_sync_type type, const char *parent_sync_id,
                                     char sync_id[28]);

/*
 * Resumes the current sync when it is unfinished (BATON_EPRECONDITION if of another type), else
 * the newest unfinished sync of `type` (ANY: of any type) started within the last 7 days (as
 * upstream), else starts a new one with `parent_sync_id`. *resumed (may be NULL) says which. The
 * sync becomes current.
 */
BATON_API int baton_store_sync_start_or_resume(baton_store *s, baton_sync_type type,
                                               const char *parent_sync_id, char sync_id[28],
                                               bool *resumed);

/* Makes an existing sync current (for reads and for writes). BATON_ENOTFOUND if it does not exist. */
BATON_API int baton_store_sync_set_current(baton_store *s, const char *sync_id);
/* The current sync id, or NULL. Borrowed, valid until the current sync changes. */
BATON_API const char *baton_store_sync_current(const baton_store *s);

/* Stores the checkpoint token of the current sync. */
BATON_API int baton_store_sync_checkpoint(baton_store *s, const char *sync_token);
/* Marks the current sync supports_diff = 1. */
BATON_API int baton_store_sync_set_supports_diff(baton_store *s);
/*
 * Ends the current sync (ended_at = now, stats computed and stored as upstream's JSON; a failure
 * to compute stats does not fail the call, as upstream); no sync is current after.
 */
BATON_API int baton_store_sync_end(baton_store *s);

/*
 * Reads one sync run into *run; strings allocated in ctx. BATON_ENOTFOUND when there is none.
 *  - baton_store_sync_get: by id.
 *  - baton_store_sync_latest_finished: ended_at DESC, sync_id DESC, of `type` (ANY for any).
 *  - baton_store_sync_latest_unfinished: started within 7 days, newest first.
 */
BATON_API int baton_store_sync_get(baton_store *s, const char *sync_id, baton_ctx *ctx, baton_sync_run *run);
BATON_API int baton_store_sync_latest_finished(baton_store *s, baton_sync_type type, baton_ctx *ctx,
                                               baton_sync_run *run);
BATON_API int baton_store_sync_latest_unfinished(baton_store *s, baton_sync_type type, baton_ctx *ctx,
                                                 baton_sync_run *run);

/*
 * On a store that picked up a resumable working copy: the newest finished sync of the copy when
 * it was finished after the copy was made from the c1z, i.e. a sync whose end the c1z does not
 * have yet (the previous process stopped between ending the sync and saving). BATON_ENOTFOUND
 * otherwise. Strings allocated in ctx.
 */
BATON_API int baton_store_sync_unsaved_finished(baton_store *s, baton_ctx *ctx, baton_sync_run *run);

/*
 * Every sync run of the file in row (creation) order: *runs is an array of *n runs allocated in
 * ctx, with their strings. A file with no syncs gives *n = 0.
 */
BATON_API int baton_store_sync_list(baton_store *s, baton_ctx *ctx, baton_sync_run **runs, size_t *n);

/* ------------------------------------------------------------------------------------------ */
/* Writing rows (into the current sync; BATON_EPRECONDITION when no sync is current)            */

/*
 * Puts are upserts keyed by (external id, current sync). For grants, a GrantExpandable
 * annotation is moved into the `expansion` column and needs_expansion set, as upstream. Rows are
 * buffered and written in batched transactions; reads and sync changes flush the buffer first.
 * The objects are serialized at once: they may be freed right after the call.
 */
BATON_API int baton_store_put_resource_type(baton_store *s, baton_resource_type *rt);
BATON_API int baton_store_put_resource(baton_store *s, baton_resource *r);
BATON_API int baton_store_put_entitlement(baton_store *s, baton_entitlement *e);
BATON_API int baton_store_put_grant(baton_store *s, baton_grant *g);
/* An asset's raw bytes; an empty content type is stored as "unknown"; empty data is skipped. */
BATON_API int baton_store_put_asset(baton_store *s, const char *asset_id, const char *content_type,
                                    const uint8_t *data, size_t len);
/* Writes buffered rows now. */
BATON_API int baton_store_flush(baton_store *s);

/* ------------------------------------------------------------------------------------------ */
/* Reading rows                                                                                */

/*
 * Which rows to read. Zero-initialize (BATON_STORE_QUERY_INIT) and set what applies; a filter that
 * does not apply to the listing (e.g. `principal` for resources) is BATON_EINVALID. When
 * sync_id is NULL the sync is chosen as upstream does for that kind of read (the current sync;
 * else the latest finished full sync for lists; else the latest unfinished started within 7
 * days; else no sync filter at all, as upstream). `page_token` must be a token returned by a
 * previous page (a decimal row id), else BATON_EINVALID; page_size is clamped to 10,000.
 */
#define BATON_STORE_QUERY_VERSION 1
typedef struct baton_store_query {
	unsigned int version;                /* BATON_STORE_QUERY_VERSION */
	const char *sync_id;
	const char *resource_type_id;        /* resources of a type; grants/entitlements on resources of a type */
	const baton_resource_id *resource;   /* entitlements / grants on this resource */
	const baton_resource_id *parent;     /* resources with this parent */
	const char *entitlement_id;          /* grants of this entitlement */
	const baton_resource_id *principal;  /* grants to this principal */
	const char *page_token;              /* resume a paged listing ("" or NULL: from the start) */
	uint32_t page_size;                  /* rows per page; 0 streams every row (no pages) */
} baton_store_query;

#define BATON_STORE_QUERY_INIT {BATON_STORE_QUERY_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0}

typedef struct baton_store_iter baton_store_iter;

/*
 * Starts a listing. *out is an iterator the caller frees with baton_store_iter_free(). Each
 * *_next call returns 0 with the next row, BATON_ITEROVER at the end (of the page, when paged),
 * or an error. A returned object is borrowed: it is valid until the next call on the iterator.
 */
BATON_API int baton_store_list_resource_types(baton_store *s, const baton_store_query *q, baton_store_iter **out);
BATON_API int baton_store_list_resources(baton_store *s, const baton_store_query *q, baton_store_iter **out);
BATON_API int baton_store_list_entitlements(baton_store *s, const baton_store_query *q, baton_store_iter **out);
BATON_API int baton_store_list_grants(baton_store *s, const baton_store_query *q, baton_store_iter **out);

BATON_API int baton_store_iter_next_resource_type(baton_store_iter *it, baton_resource_type **rt);
BATON_API int baton_store_iter_next_resource(baton_store_iter *it, baton_resource **r);
BATON_API int baton_store_iter_next_entitlement(baton_store_iter *it, baton_entitlement **e);
/* Grants come back with their GrantExpandable annotation restored from the expansion column. */
BATON_API int baton_store_iter_next_grant(baton_store_iter *it, baton_grant **g);

/*
 * After a paged listing returned BATON_ITEROVER: the token of the next page ("" when this was the
 * last page). Borrowed, valid until the iterator is freed.
 */
BATON_API const char *baton_store_iter_next_page_token(const baton_store_iter *it);
BATON_API void baton_store_iter_free(baton_store_iter *it);

/*
 * Point reads; the object is allocated in ctx. BATON_ENOTFOUND when absent. sync_id NULL: as
 * upstream's Get* (the current sync, else the latest finished sync of any type, else the latest
 * unfinished); baton_store_get_resource chooses as lists do (upstream's GetResource), and
 * baton_store_get_asset filters only on an explicit or current sync (upstream's GetAsset). A grant
 * comes back with its GrantExpandable restored, like the iterators (upstream's GetGrant does not
 * restore it).
 */
BATON_API int baton_store_get_resource_type(baton_store *s, const char *sync_id, const char *id,
                                            baton_ctx *ctx, baton_resource_type **out);
BATON_API int baton_store_get_resource(baton_store *s, const char *sync_id, const baton_resource_id *id,
                                       baton_ctx *ctx, baton_resource **out);
BATON_API int baton_store_get_entitlement(baton_store *s, const char *sync_id, const char *id,
                                          baton_ctx *ctx, baton_entitlement **out);
BATON_API int baton_store_get_grant(baton_store *s, const char *sync_id, const char *id,
                                    baton_ctx *ctx, baton_grant **out);
/* An asset's bytes and content type, allocated in ctx. */
BATON_API int baton_store_get_asset(baton_store *s, const char *sync_id, const char *asset_id,
                                    baton_ctx *ctx, const char **content_type, const uint8_t **data,
                                    size_t *len);

/* Row counts of one sync (NULL: as for lists). */
typedef struct baton_store_counts {
	uint64_t resource_types, resources, entitlements, grants, assets;
} baton_store_counts;
BATON_API int baton_store_count(baton_store *s, const char *sync_id, baton_store_counts *counts);

/* ------------------------------------------------------------------------------------------ */
/* Connector session store (v1_connector_sessions), scoped to a sync                            */

/*
 * Key/value bytes for connectors, keyed by (sync id, prefix + key). These writes do not mark the
 * file dirty (as upstream): sessions alone are never a reason to rewrite the c1z. Prefixes match
 * with SQL LIKE 'prefix%' ESCAPE '\' (%, _ and \ in the prefix are literal), as upstream; note
 * that SQLite's LIKE ignores ASCII case, so "ab" also matches "AB...".
 */
BATON_API int baton_store_session_set(baton_store *s, const char *sync_id, const char *key,
                                      const uint8_t *value, size_t len);
/* BATON_ENOTFOUND when absent; the value is allocated in ctx. */
BATON_API int baton_store_session_get(baton_store *s, const char *sync_id, const char *key,
                                      baton_ctx *ctx, const uint8_t **value, size_t *len);
BATON_API int baton_store_session_delete(baton_store *s, const char *sync_id, const char *key);
/* Deletes every key starting with `prefix` ("" or NULL: all keys of the sync). */
BATON_API int baton_store_session_clear(baton_store *s, const char *sync_id, const char *prefix);
/*
 * Calls fn for every key starting with prefix, in key order; fn returning non-zero stops the walk
 * and that value is returned.
 */
BATON_API int baton_store_session_each(baton_store *s, const char *sync_id, const char *prefix,
                                       int (*fn)(const char *key, const uint8_t *value, size_t len,
                                                 void *userdata),
                                       void *userdata);

BATON_END_DECLS

#endif /* BATON_STORE_H */
