/* Saving a compacted copy of the working copy (store.h: baton__store_compacted_copy). */
#include "store/store.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"

/*
 * A compacted copy of the working copy for saving, as the Go SDK VACUUMs at the end of a sync:
 * rows rewritten by upserts and expansion and indexes grown by random inserts leave pages part
 * empty, and the pages of the B-trees that grew together lie interleaved in the file; zstd packs
 * both worse (measured on expand-tenant: 20.3 MB saved as it is, 19.0 MB compacted). VACUUM INTO
 * writes a fresh file next to the working copy and leaves the working copy itself untouched, so a
 * kill at any point changes nothing a resume relies on. Only up to BATON__STORE_VACUUM_MAX: above
 * it the rewrite costs seconds (a 1M-grant writepack database is 500 MB) while the grant tables
 * that large writes build are mostly appended, and the file is saved as it is. Also not when the
 * working copy is already laid out as a compacted copy would be (baton__store_layout_scan): each
 * B-tree's pages together, no free page, leaves nearly full.
 */
#define BATON__STORE_VACUUM_MAX ((int64_t)256 << 20)

static int64_t pragma_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static uint32_t be16(const unsigned char *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Every 8th leaf's header is read for the free-space estimate. */
#define LAYOUT_SAMPLE 8
/* Deeper than any B-tree of a file this size can be (a 4 KiB interior page holds >= 4 cells). */
#define LAYOUT_MAX_DEPTH 24

typedef struct layout_walk {
	sqlite3_file *file;
	uint32_t page_size, usable, pages;
	unsigned char *buf[LAYOUT_MAX_DEPTH + 1];
	uint32_t prev_leaf;
	uint16_t tree;   /* the B-tree being walked: 1, 2, ... (65535 for every one past it) */
	uint16_t *owner; /* [page] the B-tree a leaf or interior page belongs to, 0: not known */
	int64_t visited; /* pages read or passed: a loop in a corrupt file ends at twice the pages */
	baton__store_layout *out;
} layout_walk;

static int read_page(layout_walk *w, uint32_t pgno, unsigned char *buf)
{
	if (pgno < 1 || pgno > w->pages || ++w->visited > 2 * (int64_t)w->pages)
		return -1;
	return w->file->pMethods->xRead(w->file, buf, (int)w->page_size,
	                                (sqlite3_int64)(pgno - 1) * w->page_size) == SQLITE_OK ? 0 : -1;
}

/* Free bytes of a leaf page: the gap, the freeblock chain and the fragments. -1: malformed. */
static int64_t leaf_free(const layout_walk *w, const unsigned char *pg, uint32_t hdr)
{
	uint32_t cells = be16(pg + hdr + 3), content = be16(pg + hdr + 5);
	if (content == 0)
		content = 65536;
	uint32_t end_of_ptrs = hdr + 8 + 2 * cells;
	if (content < end_of_ptrs || content > w->usable)
		return -1;
	int64_t free_bytes = (int64_t)(content - end_of_ptrs) + pg[hdr + 7];
	uint32_t fb = be16(pg + hdr + 1);
	for (int guard = 0; fb; guard++) {
		if (guard > 1024 || fb + 4 > w->usable || fb < end_of_ptrs)
			return -1;
		free_bytes += be16(pg + fb + 2);
		fb = be16(pg + fb);
	}
	return free_bytes;
}

/* A leaf in key order; pg is its content, or NULL when it is not sampled (then not read). */
static int visit_leaf(layout_walk *w, uint32_t pgno, const unsigned char *pg)
{
	baton__store_layout *o = w->out;
	w->owner[pgno] = w->tree;
	if (w->prev_leaf && pgno != w->prev_leaf + 1)
		o->leaves_out_of_order++;
	w->prev_leaf = pgno;
	o->leaves++;
	if (pg) {
		uint32_t hdr = pgno == 1 ? 100 : 0;
		int64_t f = leaf_free(w, pg, hdr);
		if (f < 0)
			return -1;
		o->sampled_bytes += w->usable - hdr;
		o->sampled_free += f;
	}
	return 0;
}

/*
 * Walks the B-tree under pgno (read into buf[depth]) in key order, reading the interior pages
 * and only the sampled leaves. 0, or -1: a page it does not understand.
 */
static int walk(layout_walk *w, uint32_t pgno, int depth)
{
	unsigned char *pg = w->buf[depth];
	if (depth > LAYOUT_MAX_DEPTH || read_page(w, pgno, pg))
		return -1;
	uint32_t hdr = pgno == 1 ? 100 : 0;
	unsigned char type = pg[hdr];
	if (type == 0x0a || type == 0x0d) /* a root that is a leaf: not sampled (a small table) */
		return depth == 0 ? visit_leaf(w, pgno, NULL) : -1;
	if (type != 0x02 && type != 0x05)
		return -1;
	w->owner[pgno] = w->tree;
	uint32_t cells = be16(pg + hdr + 3);
	if (hdr + 12 + 2 * cells > w->usable)
		return -1;
	bool leaves = false; /* known from the first child: a B-tree's leaves are all at one depth */
	for (uint32_t i = 0; i <= cells; i++) {
		uint32_t child;
		if (i < cells) {
			uint32_t off = be16(pg + hdr + 12 + 2 * i);
			if (off < hdr + 12 + 2 * cells || off + 4 > w->usable)
				return -1;
			child = be32(pg + off);
		} else {
			child = be32(pg + hdr + 8);
		}
		unsigned char *cp = w->buf[depth + 1];
		if (i == 0 || (leaves && w->out->leaves % LAYOUT_SAMPLE == 0)) {
			/* read into the next buffer: this page's stays valid */
			if (depth + 1 > LAYOUT_MAX_DEPTH || read_page(w, child, cp))
				return -1;
			if (i == 0)
				leaves = cp[0] == 0x0a || cp[0] == 0x0d;
			if (leaves) {
				if (visit_leaf(w, child, cp))
					return -1;
				continue;
			}
		} else if (leaves) {
			if (child < 1 || child > w->pages || ++w->visited > 2 * (int64_t)w->pages ||
			    visit_leaf(w, child, NULL))
				return -1;
			continue;
		}
		if (walk(w, child, depth + 1))
			return -1;
	}
	return 0;
}

/*
 * Of the pages whose B-tree is known, the share that belong to the B-tree holding most of their
 * run of LAYOUT_CHUNK pages, summed over the file.
 */
#define LAYOUT_CHUNK 64
static void purity(const layout_walk *w, baton__store_layout *out)
{
	for (uint32_t start = 1; start <= w->pages; start += LAYOUT_CHUNK) {
		uint16_t v[LAYOUT_CHUNK];
		int n = 0;
		for (uint32_t p = start; p < start + LAYOUT_CHUNK && p <= w->pages; p++)
			if (w->owner[p]) {
				/* insertion sort: a run holds a few B-trees */
				int j = n++;
				for (; j > 0 && v[j - 1] > w->owner[p]; j--)
					v[j] = v[j - 1];
				v[j] = w->owner[p];
			}
		int best = 0;
		for (int i = 0, run = 0; i < n; i++) {
			run = i > 0 && v[i] == v[i - 1] ? run + 1 : 1;
			if (run > best)
				best = run;
		}
		out->known_pages += n;
		out->pure_pages += best;
	}
}

int baton__store_layout_scan(sqlite3 *db, baton__store_layout *out)
{
	memset(out, 0, sizeof(*out));
	int64_t pages = pragma_int(db, "PRAGMA main.page_count");
	int64_t page_size = pragma_int(db, "PRAGMA main.page_size");
	out->pages = pages;
	out->free_pages = pragma_int(db, "PRAGMA main.freelist_count");
	if (pages < 1 || pages > UINT32_MAX || page_size < 512 || page_size > 65536 || out->free_pages < 0)
		return -1;
	layout_walk w = {.page_size = (uint32_t)page_size, .pages = (uint32_t)pages, .out = out};
	int rc = -1;
	sqlite3_stmt *st = NULL;
	/*
	 * Read through SQLite's own handle of the file: a descriptor of ours, once closed, would drop
	 * the POSIX locks SQLite holds on the file.
	 */
	if (sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &w.file) != SQLITE_OK || !w.file ||
	    !w.file->pMethods)
		return -1;
	unsigned char reserve;
	if (w.file->pMethods->xRead(w.file, &reserve, 1, 20) != SQLITE_OK)
		goto done;
	w.usable = w.page_size - reserve;
	for (int i = 0; i <= LAYOUT_MAX_DEPTH; i++)
		if (!(w.buf[i] = malloc(w.page_size)))
			goto done;
	if (!(w.owner = calloc((size_t)w.pages + 1, sizeof(*w.owner))))
		goto done;
	/* The schema's B-tree, then every table's and index's (each one's leaves counted alone). */
	w.tree = 1;
	if (walk(&w, 1, 0))
		goto done;
	if (sqlite3_prepare_v2(db, "SELECT rootpage FROM main.sqlite_schema WHERE rootpage > 0 ORDER BY "
	                       "rootpage", -1, &st, NULL) != SQLITE_OK)
		goto done;
	int sr;
	while ((sr = sqlite3_step(st)) == SQLITE_ROW) {
		w.prev_leaf = 0;
		if (w.tree < UINT16_MAX)
			w.tree++;
		if (walk(&w, (uint32_t)sqlite3_column_int64(st, 0), 0))
			goto done;
	}
	if (sr == SQLITE_DONE) {
		purity(&w, out);
		rc = 0;
	}
done:
	sqlite3_finalize(st);
	for (int i = 0; i <= LAYOUT_MAX_DEPTH; i++)
		free(w.buf[i]);
	free(w.owner);
	return rc;
}

bool baton__store_layout_compact(const baton__store_layout *l)
{
	/*
	 * What costs zstd is B-trees interleaved within its window and part-empty leaves, not key
	 * order as such (a table whose pages came off the freelist in another order packs within
	 * 0.3% of its VACUUMed copy). VACUUMed copies of the benchmarks' working copies: 98.7-99.6%
	 * of the pages in their run's main B-tree, no free page, 1.8-3.1% of the sampled leaves'
	 * bytes free. The working copies themselves: 73-85% pure, 4.4-9% free.
	 */
	return l->known_pages > 0 && l->pure_pages * 100 >= l->known_pages * BATON__LAYOUT_MIN_PURE_PCT &&
	       l->free_pages == 0 && l->sampled_free * 100 <= l->sampled_bytes * BATON__LAYOUT_MAX_LEAF_FREE_PCT;
}

char *baton__store_compacted_copy(baton_store *s, bool *compact)
{
	*compact = false;
	int64_t pages = pragma_int(s->db, "PRAGMA page_count"), page_size = pragma_int(s->db, "PRAGMA page_size");
	if (pages < 0 || page_size < 0)
		return NULL;
	if (pages * page_size > BATON__STORE_VACUUM_MAX)
		return NULL;
	baton__store_layout l;
	if (baton__store_layout_scan(s->db, &l) == 0 && baton__store_layout_compact(&l)) {
		char a[24], b[24], c[24];
		snprintf(a, sizeof a, "%lld", (long long)l.known_pages);
		snprintf(b, sizeof b, "%lld", (long long)l.pure_pages);
		snprintf(c, sizeof c, "%lld", (long long)l.leaves_out_of_order);
		baton__log(BATON_LOG_DEBUG, "saving the working copy as it is: already compact", "path", s->path,
		           "#pages_known", a, "#pages_pure", b, "#leaves_out_of_order", c, NULL);
		*compact = true;
		return NULL;
	}
	char *out = baton__wip_path(s->work_dir, "packed.db");
	if (!out)
		return NULL;
	unlink(out); /* left by a killed process: VACUUM INTO wants a new (or empty) file */
	/* created empty and owner-only first: SQLite would create it with the default mode, and the
	 * working copy's files are private (docs/RELIABILITY.md, promise 6) */
	int fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		free(out);
		return NULL;
	}
	close(fd);
	/*
	 * VACUUM INTO syncs its target as the working copy's commits are synced. The copy is read
	 * once and removed: no fsync (a resumable working copy's NORMAL would fsync the copy, and its
	 * journal twice, hundreds of MB written to the disk for nothing). Every commit of the working
	 * copy is behind us, and none follows before it is closed.
	 */
	sqlite3_exec(s->db, "PRAGMA main.synchronous = OFF", NULL, NULL, NULL);
	/*
	 * VACUUM INTO gives its target the working copy's page cache size (32 MiB) on top of the
	 * working copy's own. It reads each B-tree in order and appends to the copy: 4 MiB each is
	 * as fast (measured: same CPU) and keeps the peak memory of the save ~28 MiB lower.
	 */
	sqlite3_exec(s->db, "PRAGMA main.cache_size = -4096", NULL, NULL, NULL);
	sqlite3_stmt *st = NULL;
	int sr = sqlite3_prepare_v2(s->db, "VACUUM INTO ?1", -1, &st, NULL);
	if (sr == SQLITE_OK) {
		sqlite3_bind_text(st, 1, out, -1, SQLITE_STATIC);
		sr = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	if (sr != SQLITE_DONE && sr != SQLITE_OK) {
		baton__log(BATON_LOG_DEBUG, "compacting before saving failed: saving the working copy as it is",
		           "path", s->path, "error", sqlite3_errmsg(s->db), NULL);
		unlink(out);
		free(out);
		return NULL;
	}
	*compact = true;
	return out;
}
