/*
 * The grant writer thread. While a new file is filled with grants (bulk.c: the grant indexes
 * are dropped, the unique one too, so a put is a plain append), baton_store_put_grant packs the
 * grant and copies its columns into a batch in the caller's thread, and a second thread runs the
 * INSERTs of the previous batch: the caller (connector, syncer, grant building and packing) and
 * SQLite use both cores.
 *
 * Serialization: the connection is opened in SQLite's serialized mode, and the thread holds the
 * connection's mutex while it writes a batch, so any other use of the connection (reads, other
 * puts, COMMIT) waits for the batch in SQLite itself. Rows still in the caller's batch are
 * handed over and written before anything that must see them: baton__store_writer_drain() runs
 * before every COMMIT (baton__store_commit) and before the grant indexes are built (bulk end, which
 * every grant read, expansion, sync end and close go through). The transaction is the caller's:
 * the thread only steps its own INSERT inside it, so what is durable, and when, is unchanged.
 *
 * A read of the caller while the thread writes (the syncer reads a resource before each page of
 * its grants) would wait in SQLite for the whole batch, and the two threads would take turns
 * instead of running together. baton__store_writer_pause raises `wanted`; the thread checks it
 * after every row, gives the connection up, and takes it again once the caller has it, so the
 * caller waits for one row at most.
 *
 * An error of the thread (SQLite, or the test fault site "store.writer") is kept and returned by
 * the next put, drain or commit, with its message; the rows of that transaction are not committed.
 *
 * Used only when the process may run on two CPUs or more: on one, a thread would only add
 * switches, and the rows are written in the caller as before.
 */
#define _GNU_SOURCE
#include "store/store.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/faults.h"

/* A batch is handed over at this many rows or bytes, whichever comes first. */
#define WB_ROWS 512
#define WB_BYTES (512 * 1024)

enum { C_EXT, C_DATA, C_RT, C_RID, C_ENT, C_PRT, C_PRID, C_SYNC, C_EXP, C_N };

typedef struct wrow {
	size_t off[C_N];
	size_t len[C_N];
	bool has_exp;
	char now[BATON__TS_LEN];
} wrow;

typedef struct wbatch {
	wrow rows[WB_ROWS];
	size_t n;
	char *buf;
	size_t len, cap;
} wbatch;

struct baton__writer {
	baton_store *s;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	wbatch b[2];
	wbatch *fill;   /* the caller's */
	wbatch *busy;   /* handed to the thread; NULL when it is idle */
	bool stop;
	unsigned want;       /* callers waiting for the connection (under mu) */
	atomic_bool wanted;  /* want != 0, read by the thread between rows without mu */
	int err;        /* first error of the thread, 0 when none */
	char msg[1024];
	sqlite3_stmt *st;
};

static int cpus_available(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return 1;
	return CPU_COUNT(&set);
}

/* Between two rows: lets a waiting caller have the connection, then takes it back. */
static void give_way(baton__writer *w, sqlite3_mutex *dbm)
{
	if (!atomic_load_explicit(&w->wanted, memory_order_acquire))
		return;
	sqlite3_mutex_leave(dbm);
	pthread_mutex_lock(&w->mu);
	while (w->want)
		pthread_cond_wait(&w->cv, &w->mu);
	pthread_mutex_unlock(&w->mu);
	sqlite3_mutex_enter(dbm); /* waits for the caller's writer_resume */
}

static int write_batch(baton__writer *w, wbatch *b, sqlite3_mutex *dbm)
{
	baton_store *s = w->s;
	int rc = baton__fault("store.writer");
	for (size_t i = 0; !rc && i < b->n; i++) {
		const wrow *r = &b->rows[i];
		sqlite3_stmt *st = w->st;
#define TXT(col) (b->buf + r->off[col]), (int)r->len[col], SQLITE_STATIC
		sqlite3_bind_text(st, 1, TXT(C_EXT));
		sqlite3_bind_blob64(st, 2, r->len[C_DATA] ? b->buf + r->off[C_DATA] : "", r->len[C_DATA],
		                    SQLITE_STATIC);
		sqlite3_bind_text(st, 3, TXT(C_SYNC));
		sqlite3_bind_text(st, 4, r->now, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, TXT(C_RT));
		sqlite3_bind_text(st, 6, TXT(C_RID));
		sqlite3_bind_text(st, 7, TXT(C_ENT));
		sqlite3_bind_text(st, 8, TXT(C_PRT));
		sqlite3_bind_text(st, 9, TXT(C_PRID));
		if (r->has_exp)
			sqlite3_bind_blob64(st, 10, b->buf + r->off[C_EXP], r->len[C_EXP], SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 10);
		sqlite3_bind_int(st, 11, r->has_exp ? 1 : 0);
#undef TXT
		int sr = sqlite3_step(st);
		sqlite3_reset(st);
		if (sr != SQLITE_DONE) {
			rc = baton__store_sqlerr(s, sr, "writing a row");
		} else {
			if (baton__store_writer_row_hook)
				baton__store_writer_row_hook();
			give_way(w, dbm);
		}
	}
	return rc;
}

static void *writer_main(void *arg)
{
	baton__writer *w = arg;
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->busy && !w->stop)
			pthread_cond_wait(&w->cv, &w->mu);
		if (!w->busy)
			break;
		wbatch *b = w->busy;
		bool failed = w->err != 0;
		pthread_mutex_unlock(&w->mu);
		int rc = 0;
		if (!failed) {
			sqlite3_mutex *dbm = sqlite3_db_mutex(w->s->db);
			sqlite3_mutex_enter(dbm);
			rc = write_batch(w, b, dbm);
			sqlite3_mutex_leave(dbm);
		}
		pthread_mutex_lock(&w->mu);
		if (rc && !w->err) {
			w->err = rc;
			snprintf(w->msg, sizeof(w->msg), "%s", baton_error_last()->message);
		}
		b->n = 0;
		b->len = 0;
		w->busy = NULL;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

bool baton__store_writer_disabled = false;
void (*baton__store_writer_row_hook)(void) = NULL;

void baton__store_writer_start(baton_store *s)
{
	if (s->writer || baton__store_writer_disabled || !sqlite3_db_mutex(s->db) || cpus_available() < 2)
		return;
	baton__writer *w = calloc(1, sizeof(*w));
	if (!w)
		return;
	w->s = s;
	w->fill = &w->b[0];
	atomic_init(&w->wanted, false);
	if (sqlite3_prepare_v3(s->db, baton__append_grant_sql, -1, SQLITE_PREPARE_PERSISTENT, &w->st, NULL) !=
	    SQLITE_OK) {
		sqlite3_finalize(w->st);
		free(w);
		return;
	}
	if (pthread_mutex_init(&w->mu, NULL) != 0) {
		sqlite3_finalize(w->st);
		free(w);
		return;
	}
	if (pthread_cond_init(&w->cv, NULL) != 0 || pthread_create(&w->th, NULL, writer_main, w) != 0) {
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
		sqlite3_finalize(w->st);
		free(w);
		return;
	}
	s->writer = w;
}

/* The thread's error as the caller's, once (0 when none). Called with w->mu held. */
static int take_error(baton__writer *w)
{
	if (!w->err)
		return 0;
	int rc = baton_error_set(w->err, "%s", w->msg);
	return rc;
}

/* Waits until the thread is idle; with `hand`, gives it the caller's rows first. */
static int handover(baton__writer *w, bool hand)
{
	pthread_mutex_lock(&w->mu);
	while (w->busy)
		pthread_cond_wait(&w->cv, &w->mu);
	if (hand && w->fill->n && !w->err) {
		w->busy = w->fill;
		w->fill = w->fill == &w->b[0] ? &w->b[1] : &w->b[0];
		pthread_cond_broadcast(&w->cv);
	}
	int rc = take_error(w);
	pthread_mutex_unlock(&w->mu);
	return rc;
}

int baton__store_writer_drain(baton_store *s)
{
	baton__writer *w = s ? s->writer : NULL;
	if (!w)
		return 0;
	int rc = handover(w, true);
	if (!rc)
		rc = handover(w, false);
	if (rc) {
		/* The transaction holds a partial batch: the caller's COMMIT must not happen. */
		pthread_mutex_lock(&w->mu);
		w->fill->n = 0;
		w->fill->len = 0;
		pthread_mutex_unlock(&w->mu);
	}
	return rc;
}

void baton__store_writer_stop(baton_store *s)
{
	baton__writer *w = s ? s->writer : NULL;
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->th, NULL);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	sqlite3_finalize(w->st);
	free(w->b[0].buf);
	free(w->b[1].buf);
	free(w);
	s->writer = NULL;
}

bool baton__store_writer_active(const baton_store *s)
{
	return s && s->writer;
}

void baton__store_writer_pause(baton_store *s)
{
	baton__writer *w = s ? s->writer : NULL;
	if (!w || s->writer_paused)
		return;
	sqlite3_mutex *dbm = sqlite3_db_mutex(s->db);
	pthread_mutex_lock(&w->mu);
	w->want++;
	atomic_store_explicit(&w->wanted, true, memory_order_release);
	pthread_mutex_unlock(&w->mu);
	sqlite3_mutex_enter(dbm); /* the thread leaves it after its current row, or is idle */
	pthread_mutex_lock(&w->mu);
	if (--w->want == 0)
		atomic_store_explicit(&w->wanted, false, memory_order_release);
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	s->writer_paused = dbm;
}

void baton__store_writer_resume(baton_store *s)
{
	if (!s || !s->writer_paused)
		return;
	sqlite3_mutex_leave(s->writer_paused);
	s->writer_paused = NULL;
}

static int put_bytes(wbatch *b, wrow *r, int col, const void *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64 * 1024;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *nb = realloc(b->buf, cap);
		if (!nb)
			return baton__error_oom("grant batch");
		b->buf = nb;
		b->cap = cap;
	}
	r->off[col] = b->len;
	r->len[col] = n;
	if (n)
		memcpy(b->buf + b->len, p, n);
	b->len += n;
	b->buf[b->len++] = '\0';
	return 0;
}

int baton__store_writer_put(baton_store *s, const char *external_id, const void *data, size_t len,
                            const char *const cols[5], const void *exp, size_t exp_len)
{
	baton__writer *w = s->writer;
	/* An earlier batch failed: say so now, before more rows are taken. */
	pthread_mutex_lock(&w->mu);
	int rc = take_error(w);
	pthread_mutex_unlock(&w->mu);
	if (rc)
		return rc;
	wbatch *b = w->fill; /* only the caller touches the fill batch */
	wrow *r = &b->rows[b->n];
	if ((rc = put_bytes(b, r, C_EXT, external_id, strlen(external_id))) ||
	    (rc = put_bytes(b, r, C_DATA, data, len)))
		return rc;
	for (int i = 0; i < 5; i++)
		if ((rc = put_bytes(b, r, C_RT + i, cols[i], strlen(cols[i]))))
			return rc;
	if ((rc = put_bytes(b, r, C_SYNC, s->current, strlen(s->current))))
		return rc;
	r->has_exp = exp != NULL;
	if (exp && (rc = put_bytes(b, r, C_EXP, exp, exp_len)))
		return rc;
	baton__store_row_stamp(s, r->now);
	b->n++;
	if (b->n == WB_ROWS || b->len >= WB_BYTES)
		return handover(w, true);
	return 0;
}
