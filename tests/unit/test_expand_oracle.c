/*
 * Grant expansion against the Go SDK's own result: expand the unexpanded test c1z and compare
 * with the file the Go syncer produced from it (reference: sync-algorithm.md, expansion oracle).
 */
#include "store_testutil.h"

#include <jansson.h>
#include <time.h>

#include "c1z_raw.h"
#include "baton/expand.h"
#include "c1/connector/v2/grant.pb-c.h"
#include "c1/connector/v2/annotation_grant.pb-c.h"

#define SYNC_ID "36zfOAoWMxQdISbixanQCRBiX7E"

static void copy_file(const char *from, const char *to)
{
	size_t len;
	unsigned char *d = st_read_file(from, &len);
	st_write_file(to, d, len);
	free(d);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct keyset {
	char **v;
	size_t n, cap;
} keyset;

static void keyset_add(keyset *k, char *s)
{
	if (k->n == k->cap) {
		k->cap = k->cap ? k->cap * 2 : 1024;
		k->v = realloc(k->v, k->cap * sizeof(*k->v));
	}
	k->v[k->n++] = s;
}

static void keyset_free(keyset *k)
{
	for (size_t i = 0; i < k->n; i++)
		free(k->v[i]);
	free(k->v);
}

/* "entitlement \t ptype \t pid \t sorted source keys joined by ','" for every grant. */
static void grant_keys(c1z_raw *raw, keyset *out)
{
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(c1z_raw_db(raw), "SELECT entitlement_id, principal_resource_type_id, "
	                                    "principal_resource_id, data FROM v1_grants", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const void *d = sqlite3_column_blob(st, 3);
		C1__Connector__V2__Grant *g = c1__connector__v2__grant__unpack(NULL, (size_t)sqlite3_column_bytes(st, 3), d);
		assert_non_null(g);
		size_t n = g->sources ? g->sources->n_sources : 0;
		char **keys = calloc(n + 1, sizeof(char *));
		size_t total = 0;
		for (size_t i = 0; i < n; i++) {
			keys[i] = g->sources->sources[i]->key;
			total += strlen(keys[i]) + 1;
		}
		qsort(keys, n, sizeof(char *), str_cmp);
		const char *e = (const char *)sqlite3_column_text(st, 0), *pt = (const char *)sqlite3_column_text(st, 1),
			   *pid = (const char *)sqlite3_column_text(st, 2);
		size_t cap = strlen(e) + strlen(pt) + strlen(pid) + total + 8;
		char *s = malloc(cap);
		int w = snprintf(s, cap, "%s\t%s\t%s\t", e, pt, pid);
		for (size_t i = 0; i < n; i++)
			w += snprintf(s + w, cap - (size_t)w, "%s%s", i ? "," : "", keys[i]);
		keyset_add(out, s);
		free(keys);
		c1__connector__v2__grant__free_unpacked(g, NULL);
	}
	sqlite3_finalize(st);
	qsort(out->v, out->n, sizeof(char *), str_cmp);
}

/* Asserts that a table's (external_id, data) rows are identical in both files. */
static void assert_table_identical(c1z_raw *a, c1z_raw *b, const char *table)
{
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT external_id, data FROM %s ORDER BY id", table);
	sqlite3_stmt *sa, *sb;
	assert_int_equal(sqlite3_prepare_v2(c1z_raw_db(a), sql, -1, &sa, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(c1z_raw_db(b), sql, -1, &sb, NULL), SQLITE_OK);
	size_t rows = 0;
	for (;;) {
		int ra = sqlite3_step(sa), rb = sqlite3_step(sb);
		assert_int_equal(ra, rb);
		if (ra != SQLITE_ROW)
			break;
		rows++;
		assert_string_equal(sqlite3_column_text(sa, 0), sqlite3_column_text(sb, 0));
		assert_int_equal(sqlite3_column_bytes(sa, 1), sqlite3_column_bytes(sb, 1));
		assert_memory_equal(sqlite3_column_blob(sa, 1), sqlite3_column_blob(sb, 1),
		                    (size_t)sqlite3_column_bytes(sa, 1));
	}
	assert_true(rows > 0);
	sqlite3_finalize(sa);
	sqlite3_finalize(sb);
}

static int64_t query_int(c1z_raw *raw, const char *sql)
{
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(c1z_raw_db(raw), sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Whether two grant blobs differ in nothing but their sources. */
static bool differ_only_in_sources(const void *a, size_t al, const void *b, size_t bl)
{
	C1__Connector__V2__Grant *x = c1__connector__v2__grant__unpack(NULL, al, a);
	C1__Connector__V2__Grant *y = c1__connector__v2__grant__unpack(NULL, bl, b);
	assert_non_null(x);
	assert_non_null(y);
	C1__Connector__V2__GrantSources *xs = x->sources, *ys = y->sources;
	x->sources = y->sources = NULL;
	size_t xl = c1__connector__v2__grant__get_packed_size(x), yl = c1__connector__v2__grant__get_packed_size(y);
	bool same = xl == yl;
	if (same) {
		uint8_t *px = malloc(xl + 1), *py = malloc(yl + 1);
		c1__connector__v2__grant__pack(x, px);
		c1__connector__v2__grant__pack(y, py);
		same = memcmp(px, py, xl) == 0;
		free(px);
		free(py);
	}
	x->sources = xs;
	y->sources = ys;
	c1__connector__v2__grant__free_unpacked(x, NULL);
	c1__connector__v2__grant__free_unpacked(y, NULL);
	return same;
}

static void check_rows(c1z_raw *in, c1z_raw *out)
{
	/* Original rows: same id, external id, discovered_at; 1199 changed, only in their sources. */
	sqlite3_stmt *sa, *sb;
	const char *sql = "SELECT id, external_id, discovered_at, data, entitlement_id FROM v1_grants "
	                  "WHERE id <= 2909 ORDER BY id";
	assert_int_equal(sqlite3_prepare_v2(c1z_raw_db(in), sql, -1, &sa, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(c1z_raw_db(out), sql, -1, &sb, NULL), SQLITE_OK);
	int changed = 0, rows = 0;
	while (sqlite3_step(sa) == SQLITE_ROW) {
		assert_int_equal(sqlite3_step(sb), SQLITE_ROW);
		rows++;
		assert_int_equal(sqlite3_column_int64(sa, 0), sqlite3_column_int64(sb, 0));
		assert_string_equal(sqlite3_column_text(sa, 1), sqlite3_column_text(sb, 1));
		assert_string_equal(sqlite3_column_text(sa, 2), sqlite3_column_text(sb, 2));
		const void *da = sqlite3_column_blob(sa, 3), *db = sqlite3_column_blob(sb, 3);
		size_t la = (size_t)sqlite3_column_bytes(sa, 3), lb = (size_t)sqlite3_column_bytes(sb, 3);
		if (la == lb && memcmp(da, db, la) == 0)
			continue;
		/* The input blob may still carry GrantExpandable (old file; the store moves it to the
		 * expansion column): compare without it, and without sources. */
		C1__Connector__V2__Grant *g = c1__connector__v2__grant__unpack(NULL, la, da);
		assert_non_null(g);
		assert_true(g->sources == NULL || g->sources->n_sources == 0);
		size_t kept = 0;
		for (size_t i = 0; i < g->n_annotations; i++)
			if (!strstr(g->annotations[i]->type_url, "GrantExpandable"))
				g->annotations[kept++] = g->annotations[i];
		size_t n_saved = g->n_annotations;
		g->n_annotations = kept;
		size_t pl = c1__connector__v2__grant__get_packed_size(g);
		uint8_t *p = malloc(pl + 1);
		c1__connector__v2__grant__pack(g, p);
		g->n_annotations = n_saved;
		assert_true(differ_only_in_sources(p, pl, db, lb));
		free(p);
		c1__connector__v2__grant__free_unpacked(g, NULL);
		C1__Connector__V2__Grant *ng = c1__connector__v2__grant__unpack(NULL, lb, db);
		if (ng->sources && ng->sources->n_sources) {
			changed++;
			/* An expanded existing grant lists its own entitlement. */
			const char *ent = (const char *)sqlite3_column_text(sb, 4);
			bool self = false;
			for (size_t i = 0; i < ng->sources->n_sources; i++)
				self |= strcmp(ng->sources->sources[i]->key, ent) == 0;
			assert_true(self);
		}
		c1__connector__v2__grant__free_unpacked(ng, NULL);
	}
	assert_int_equal(rows, 2909);
	assert_int_equal(changed, 1199);
	sqlite3_finalize(sa);
	sqlite3_finalize(sb);

	/* New rows: id = external id, GrantImmutable only, entitlement = the stored row's bytes. */
	assert_int_equal(sqlite3_prepare_v2(c1z_raw_db(out),
		"SELECT g.external_id, g.data, e.data, g.expansion IS NULL, g.needs_expansion, g.entitlement_id, "
		"g.principal_resource_type_id, g.principal_resource_id FROM v1_grants g "
		"JOIN v1_entitlements e ON e.external_id = g.entitlement_id AND e.sync_id = g.sync_id "
		"WHERE g.id > 2909", -1, &sb, NULL), SQLITE_OK);
	int created = 0;
	while (sqlite3_step(sb) == SQLITE_ROW) {
		created++;
		C1__Connector__V2__Grant *g = c1__connector__v2__grant__unpack(NULL,
			(size_t)sqlite3_column_bytes(sb, 1), sqlite3_column_blob(sb, 1));
		assert_non_null(g);
		char id[1024];
		snprintf(id, sizeof id, "%s:%s:%s", sqlite3_column_text(sb, 5), sqlite3_column_text(sb, 6),
		         sqlite3_column_text(sb, 7));
		assert_string_equal(g->id, id);
		assert_string_equal(sqlite3_column_text(sb, 0), id);
		assert_int_equal(g->n_annotations, 1);
		assert_string_equal(g->annotations[0]->type_url, "type.googleapis.com/c1.connector.v2.GrantImmutable");
		assert_int_equal(g->annotations[0]->value.len, 0);
		assert_non_null(g->entitlement);
		size_t el = c1__connector__v2__entitlement__get_packed_size(g->entitlement);
		uint8_t *ep = malloc(el + 1);
		c1__connector__v2__entitlement__pack(g->entitlement, ep);
		assert_int_equal(el, sqlite3_column_bytes(sb, 2));
		assert_memory_equal(ep, sqlite3_column_blob(sb, 2), el);
		free(ep);
		assert_int_equal(sqlite3_column_int(sb, 3), 1);
		assert_int_equal(sqlite3_column_int(sb, 4), 0);
		/* No new grant has its own entitlement among its sources. */
		for (size_t i = 0; g->sources && i < g->sources->n_sources; i++)
			assert_string_not_equal(g->sources->sources[i]->key, (const char *)sqlite3_column_text(sb, 5));
		c1__connector__v2__grant__free_unpacked(g, NULL);
	}
	sqlite3_finalize(sb);
	assert_int_equal(created, 12072);
}

static void check_sync_finished(c1z_raw *out)
{
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(c1z_raw_db(out), "SELECT ended_at, sync_token, supports_diff, stats "
	                                    "FROM v1_sync_runs WHERE sync_id = '" SYNC_ID "'", -1, &st, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_type(st, 0), SQLITE_TEXT);
	json_t *tok = test_json_parse((const char *)sqlite3_column_text(st, 1));
	assert_null(json_object_get(tok, "current_action"));
	assert_null(json_object_get(tok, "entitlement_graph"));
	assert_true(json_is_true(json_object_get(tok, "needs_expansion")));
	assert_int_equal(json_integer_value(json_object_get(tok, "completed_actions_count")), 601);
	json_decref(tok);
	assert_int_equal(sqlite3_column_int(st, 2), 1);
	json_t *stats = test_json_parse((const char *)sqlite3_column_text(st, 3));
	assert_int_equal(json_integer_value(json_object_get(stats, "grants")), 14981);
	json_decref(stats);
	sqlite3_finalize(st);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_oracle(void **state)
{
	(void)state;
	/* The Go-written files first: a missing one fails the test before anything is allocated. */
	char unexpanded[4096], expanded[4096];
	snprintf(unexpanded, sizeof unexpanded, "%s", test_data_path("c1z/expansion-small.unexpanded.c1z"));
	snprintf(expanded, sizeof expanded, "%s", test_data_path("c1z/expansion-small.expanded.c1z"));
	char *dir = st_mkdtemp("expand-oracle");
	char *in = st_path(dir, "in.c1z"), *out = st_path(dir, "out.c1z");
	copy_file(unexpanded, in);

	baton_expand_stats stats;
	double t0 = now_s();
	CHECK(baton_expand_file(in, out, NULL, &stats));
	double t1 = now_s();
	print_message("oracle expansion: %.3f s (open, expand, save)\n", t1 - t0);
	assert_string_equal(stats.sync_id, SYNC_ID);
	assert_int_equal(stats.expandable_grants, 409);
	assert_int_equal(stats.nodes, 240);
	assert_int_equal(stats.edges, 799);
	assert_int_equal(stats.edges_dropped, 0);
	assert_int_equal(stats.cycles_collapsed, 0);
	assert_int_equal(stats.components, 240);
	assert_int_equal(stats.depth, 20);
	assert_int_equal(stats.grants_created, 12072);
	assert_int_equal(stats.grants_updated, 1199);
	assert_true(stats.sync_ended);

	c1z_raw *orig = c1z_raw_open(unexpanded);
	c1z_raw *got = c1z_raw_open(out);
	c1z_raw *want = c1z_raw_open(expanded);
	assert_int_equal(c1z_raw_count(got, "v1_grants"), 14981);
	assert_int_equal(c1z_raw_count(want, "v1_grants"), 14981);

	keyset kg = {0}, kw = {0};
	grant_keys(got, &kg);
	grant_keys(want, &kw);
	assert_int_equal(kg.n, kw.n);
	size_t mismatches = 0;
	for (size_t i = 0; i < kg.n; i++)
		if (strcmp(kg.v[i], kw.v[i]) != 0 && mismatches++ < 5)
			print_message("mismatch: got %s / want %s\n", kg.v[i], kw.v[i]);
	assert_int_equal(mismatches, 0);
	/* Keys are unique: one grant per (entitlement, principal). */
	assert_int_equal(query_int(got, "SELECT count(*) FROM (SELECT DISTINCT entitlement_id, "
	                                "principal_resource_type_id, principal_resource_id FROM v1_grants)"), 14981);
	keyset_free(&kg);
	keyset_free(&kw);

	assert_table_identical(orig, got, "v1_resource_types");
	assert_table_identical(orig, got, "v1_resources");
	assert_table_identical(orig, got, "v1_entitlements");
	check_rows(orig, got);
	check_sync_finished(got);

	c1z_raw_close(orig);
	c1z_raw_close(got);
	c1z_raw_close(want);

	/* In place, then again: the second run changes nothing. */
	CHECK(baton_expand_file(in, NULL, NULL, &stats));
	assert_int_equal(stats.grants_created, 12072);
	baton_store *s;
	CHECK(baton_store_open(in, NULL, &s));
	CHECK(baton_expand_store(s, SYNC_ID, NULL, &stats));
	assert_int_equal(stats.grants_created, 0);
	assert_int_equal(stats.grants_updated, 0);
	assert_false(stats.sync_ended);
	assert_false(baton_store_is_dirty(s));
	/* Without an explicit id nothing needs expansion but this finished sync, which is chosen. */
	CHECK(baton_expand_store(s, NULL, NULL, &stats));
	assert_string_equal(stats.sync_id, SYNC_ID);
	assert_int_equal(stats.grants_created + stats.grants_updated, 0);
	baton_store_discard(s);

	st_rmtree(dir);
	free(in);
	free(out);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_oracle),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
