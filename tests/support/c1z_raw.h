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

#include <stdbool.h>
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

/* The integer that `sql` (one row; up to two text parameters, NULL: unbound) answers; a query
 * that does not prepare or gives no row fails the test. */
int64_t c1z_raw_int(c1z_raw *raw, const char *sql, const char *p1, const char *p2);

/* Closes the database and removes the temporary file. NULL is ignored. */
void c1z_raw_close(c1z_raw *raw);

/*
 * Rewrites the c1z at `path` in place after running one SQL statement on its database; `blob`
 * (when not NULL) is bound to ?1. For making malformed files the store would never write.
 */
void c1z_raw_edit(const char *path, const char *sql, const void *blob, size_t blob_len);

/* Protobuf wire bytes (malloc'ed, *out_len set), built by hand so they can be anything: */
/* one length-delimited field: key, length, bytes. Appended to a message, it adds the field. */
uint8_t *c1z_raw_pb_field(uint32_t field, const void *bytes, size_t len, size_t *out_len);
/* a google.protobuf.Struct {"a": ...} nesting `depth` more Values: Structs (3 messages a level:
 * Struct, map entry, Value) or, with `lists`, ListValues (2 a level: Value, ListValue). */
uint8_t *c1z_raw_deep_struct(size_t depth, bool lists, size_t *out_len);
/* a google.protobuf.Any of type `type_name` ("c1.connector.v2.GrantMetadata") holding `value` */
uint8_t *c1z_raw_any(const char *type_name, const void *value, size_t len, size_t *out_len);

#endif
