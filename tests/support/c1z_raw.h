/*
 * Test-only raw reader for c1z (v1) files: checks the magic, inflates the zstd payload (streaming)
 * into a temporary SQLite file under test_out_dir() and opens it read-only. The temporary file is
 * unlinked as soon as SQLite has it open, so nothing is left behind even when a test fails before
 * c1z_raw_close(). It deliberately shares nothing with the real store, so the store can be
 * tested against files read this way.
 *
 * Every failure ends the current test through fail_msg(), with the reason.
 */
#ifndef BATON_TEST_C1Z_RAW_H
#define BATON_TEST_C1Z_RAW_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

typedef struct c1z_raw c1z_raw;

/* Opens `path` (a c1z file). Never returns NULL: fails the test instead. */
c1z_raw *c1z_raw_open(const char *path);

/* The read-only database handle (borrowed; valid until c1z_raw_close). */
sqlite3 *c1z_raw_db(c1z_raw *raw);

/*
 * Calls `fn` for every row of `table` (e.g. "v1_grants"), in id order, with the row's id and its
 * `data` blob (valid during the call only). A non-zero return from fn stops the walk and is
 * returned. Returns 0 when every row was visited. `table` must be a plain identifier.
 */
typedef int (*c1z_raw_blob_fn)(int64_t id, const uint8_t *data, size_t len, void *userdata);
int c1z_raw_each_blob(c1z_raw *raw, const char *table, c1z_raw_blob_fn fn, void *userdata);

/* Number of rows in `table`. */
int64_t c1z_raw_count(c1z_raw *raw, const char *table);

/* Closes the database and removes the temporary file. NULL is ignored. */
void c1z_raw_close(c1z_raw *raw);

#endif
