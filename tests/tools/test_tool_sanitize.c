/*
 * `baton sanitize`: flags and refusals (nothing written on a refusal, no stray secret), the keyed
 * transform (a known HMAC-SHA256 answer computed independently, determinism, another secret gives
 * other ids, names gone, resource-type ids kept, row counts kept), the generated secret (32 bytes,
 * 0600, the one the run used), the input left as it was, corrupt input, unknown annotations, and
 * expansion consistency (expanding the sanitized unexpanded file gives the grants of the
 * sanitized expanded file). Row-for-row equality with the Go tool is TestSanitizeMatchesGo
 * (tests/interop/sanitize_test.go). Drives the built binary (path in argv[1]).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "c1z_raw.h"
#include "baton.h"
#include "baton/store.h"

#include "tool_testutil.h"

#define ANCHOR "2031-05-06T07:08:09Z"

static char *out_path(const char *name)
{
	char *p = malloc(4096);
	assert_non_null(p);
	snprintf(p, 4096, "%s/sanitize-%d-%s", test_out_dir(), (int)getpid(), name);
	return p;
}

static void remove_out(const char *path)
{
	char sec[4200];
	unlink(path);
	snprintf(sec, sizeof(sec), "%s.secret", path);
	unlink(sec);
}

static bool exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

/* A secret file of n bytes of `c`. */
static char *write_secret(const char *name, char c, size_t n)
{
	char *p = out_path(name);
	FILE *f = fopen(p, "wb");
	assert_non_null(f);
	for (size_t i = 0; i < n; i++)
		fputc(c, f);
	assert_int_equal(fclose(f), 0);
	return p;
}

/* `resources -o json` of a file: the list of {resource, resourceType}. */
static json_t *resources_of(const char *file)
{
	json_t *j = RUN_JSON("-f", file, "-o", "json", "resources");
	json_t *l = json_incref(json_object_get(j, "resources"));
	json_decref(j);
	assert_true(json_is_array(l));
	return l;
}

/* The sorted grant ids of a file's latest finished sync, one per line. */
static char *grant_ids(const char *file)
{
	json_t *j = RUN_JSON("-f", file, "-o", "json", "grants");
	json_t *l = json_object_get(j, "grants");
	size_t n = json_array_size(l), cap = 1;
	const char **ids = calloc(n ? n : 1, sizeof(*ids));
	assert_non_null(ids);
	for (size_t i = 0; i < n; i++) {
		ids[i] = json_string_value(json_object_get(json_object_get(json_array_get(l, i), "grant"), "id"));
		assert_non_null(ids[i]);
		cap += strlen(ids[i]) + 1;
	}
	for (size_t i = 1; i < n; i++) /* insertion sort: a few thousand ids */
		for (size_t k = i; k > 0 && strcmp(ids[k - 1], ids[k]) > 0; k--) {
			const char *t = ids[k];
			ids[k] = ids[k - 1];
			ids[k - 1] = t;
		}
	char *out = malloc(cap);
	assert_non_null(out);
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		strcat(out, ids[i]);
		strcat(out, "\n");
	}
	free(ids);
	json_decref(j);
	return out;
}

static void test_sanitize_refusals(void **state)
{
	(void)state;
	const char *in = test_data_path(UNEXPANDED);
	char *out = out_path("refused.c1z");
	char *short_secret = write_secret("short.secret", 'k', 31);
	char *existing = write_secret("existing.c1z", 'x', 40);
	char *dir = out_path("a-directory");
	run r;
	remove_out(out);
	mkdir(dir, 0700);

	RUN(&r, "-f", in, "sanitize");
	assert_error(&r, 1, "--out is required");
	run_free(&r);
	RUN(&r, "-f", in, "sanitize", "--out", out, "--out-engine", "mysql");
	assert_error(&r, 1, "--out-engine must be \"sqlite\" or \"pebble\", got \"mysql\"");
	run_free(&r);
	RUN(&r, "-f", in, "sanitize", "--out", out, "--out-engine", "");
	assert_error(&r, 1, "--out-engine must be");
	run_free(&r);
	RUN(&r, "-f", in, "sanitize", "--out", out, "--out-engine", "pebble");
	assert_error(&r, 1, "not supported by libbaton");
	run_free(&r);
	RUN(&r, "-f", in, "sanitize", "--out", out, "--anchor", "2031-05-06 07:08:09");
	assert_error(&r, 1, "parse --anchor");
	run_free(&r);
	RUN(&r, "-f", in, "sanitize", "--out", out, "--anchor", "2031-02-30T00:00:00Z");
	assert_error(&r, 1, "parse --anchor");
	run_free(&r);
	RUN(&r, "-f", "/nonexistent/in.c1z", "sanitize", "--out", out);
	assert_error(&r, 1, "stat --file");
	run_free(&r);
	RUN(&r, "-f", in, "sanitize", "--out", existing);
	assert_error(&r, 1, "already exists; refusing to overwrite");
	run_free(&r);
	RUN(&r, "-f", in, "sanitize", "--out", dir);
	assert_error(&r, 1, "already exists");
	run_free(&r);
	RUN(&r, "-f", in, "sanitize", "--out", out, "--secret-file", short_secret);
	assert_error(&r, 1, "is too short: got 31 bytes, want at least 32");
	run_free(&r);
	RUN(&r, "-f", in, "sanitize", "--out", out, "--secret-file", "/nonexistent/secret");
	assert_error(&r, 1, "read --secret-file");
	run_free(&r);
	RUN(&r, "-f", in, "sanitize", "--out", out, "--sync-id", "x");
	assert_error(&r, 2, "unknown flag: --sync-id");
	run_free(&r);
	RUN(&r, "-f", in, "sanitize", "--out", out, "--allow-unknown-annotations=maybe");
	assert_int_equal(r.status, 2);
	run_free(&r);

	/* Nothing was written by any refusal: no output, no generated secret. */
	assert_false(exists(out));
	char sec[4200];
	snprintf(sec, sizeof(sec), "%s.secret", out);
	assert_false(exists(sec));
	size_t n;
	char *kept = slurp(existing, &n);
	assert_int_equal(n, 40);
	free(kept);

	unlink(short_secret);
	unlink(existing);
	rmdir(dir);
	free(short_secret);
	free(existing);
	free(dir);
	free(out);
}

/* Corrupt and non-c1z input: a clear error, no output (with --secret-file, nothing at all). */
static void test_sanitize_corrupt_input(void **state)
{
	(void)state;
	char *bad = out_path("corrupt.c1z");
	char *secret = write_secret("k.secret", 'k', 32);
	char *out = out_path("from-corrupt.c1z");
	char tmp[4200];
	FILE *f = fopen(bad, "wb");
	assert_non_null(f);
	fputs("C1ZF", f);
	fputc(0, f);
	fputs("this is not a zstd frame at all", f);
	assert_int_equal(fclose(f), 0);
	remove_out(out);

	run r;
	RUN(&r, "-f", bad, "sanitize", "--out", out, "--secret-file", secret);
	assert_error(&r, 1, "open source c1z");
	run_free(&r);
	assert_false(exists(out));
	snprintf(tmp, sizeof(tmp), "%s.tmp", out);
	assert_false(exists(tmp));

	/* Not a c1z at all. */
	f = fopen(bad, "wb");
	assert_non_null(f);
	fputs("hello", f);
	assert_int_equal(fclose(f), 0);
	RUN(&r, "-f", bad, "sanitize", "--out", out, "--secret-file", secret);
	assert_error(&r, 1, "open source c1z");
	run_free(&r);
	assert_false(exists(out));

	/* A c1z without syncs: success, nothing written, as the Go tool (its writer saves nothing). */
	copy_file(test_data_path(UNEXPANDED), bad);
	c1z_raw_edit(bad, "DELETE FROM v1_sync_runs", NULL, 0);
	RUN(&r, "-f", bad, "sanitize", "--out", out, "--secret-file", secret);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.err, "holds no sync: nothing to write"));
	run_free(&r);
	assert_false(exists(out));

	unlink(bad);
	unlink(secret);
	free(bad);
	free(secret);
	free(out);
}

/* A store-written file (users alice, bob, carol, group eng): the known HMAC answers. */
static void test_sanitize_known_answer(void **state)
{
	(void)state;
	char old_id[28];
	char *in = make_file("sz-known", false, old_id, NULL);
	char *secret = write_secret("kat.secret", 'k', 32);
	char *out = out_path("kat.c1z");
	char *out2 = out_path("kat2.c1z");
	char *other = write_secret("other.secret", 'q', 40);
	char *out3 = out_path("kat3.c1z");
	remove_out(out);
	remove_out(out2);
	remove_out(out3);
	size_t in_len;
	char *in_before = slurp(in, &in_len);

	run r;
	RUN(&r, "-f", in, "sanitize", "--out", out, "--secret-file", secret, "--anchor", ANCHOR);
	assert_ok(&r);
	assert_int_equal(r.out_len, 0);
	run_free(&r);

	/* HMAC-SHA256("k" x 32, text)[:12], base32 without padding (Python's hmac module). */
	json_t *l = resources_of(out);
	bool saw_alice = false, saw_bob = false, saw_eng = false;
	for (size_t i = 0; i < json_array_size(l); i++) {
		json_t *res = json_object_get(json_array_get(l, i), "resource");
		const char *type = json_string_value(json_object_get(json_object_get(res, "id"), "resourceType"));
		const char *id = json_string_value(json_object_get(json_object_get(res, "id"), "resource"));
		const char *name = json_string_value(json_object_get(res, "displayName"));
		assert_non_null(type);
		assert_non_null(id);
		assert_true(strcmp(type, "user") == 0 || strcmp(type, "group") == 0); /* type ids kept */
		if (strcmp(id, "MZSKIICIY3LNP7RWK7RQ") == 0) { /* alice */
			saw_alice = true;
			assert_string_equal(name, "VH5HTKA4MQA7HJA5T3XQ"); /* "Alice" */
		}
		saw_bob |= strcmp(id, "GG4PMAQKKNHNYG6TOWJA") == 0;
		saw_eng |= strcmp(id, "GSR6ZP2WNQGHOKPA3LZQ") == 0;
	}
	assert_true(saw_alice && saw_bob && saw_eng);
	assert_int_equal(json_array_size(l), 4);
	/* The grant id: "group:eng:member:user:alice" component by component. */
	char *ids = grant_ids(out);
	assert_non_null(strstr(ids, "group:GSR6ZP2WNQGHOKPA3LZQ:FYJKL266NB4O3EULQPFA:user:MZSKIICIY3LNP7RWK7RQ\n"));
	free(ids);

	/* The same secret and anchor: the same rows. Another secret: other ids. */
	RUN(&r, "-f", in, "sanitize", "--out", out2, "--secret-file", secret, "--anchor", ANCHOR);
	assert_ok(&r);
	run_free(&r);
	json_t *l2 = resources_of(out2);
	assert_true(json_equal(l, l2));
	RUN(&r, "-f", in, "sanitize", "--out", out3, "--secret-file", other, "--anchor", ANCHOR);
	assert_ok(&r);
	run_free(&r);
	json_t *l3 = resources_of(out3);
	assert_int_equal(json_array_size(l3), 4);
	char *dump = json_dumps(l3, 0);
	assert_null(strstr(dump, "MZSKIICIY3LNP7RWK7RQ"));
	assert_null(strstr(dump, "Alice"));
	free(dump);

	/* The input is as it was. */
	size_t after_len;
	char *in_after = slurp(in, &after_len);
	assert_int_equal(in_len, after_len);
	assert_memory_equal(in_before, in_after, in_len);

	json_decref(l);
	json_decref(l2);
	json_decref(l3);
	free(in_before);
	free(in_after);
	remove_out(out);
	remove_out(out2);
	remove_out(out3);
	unlink(in);
	unlink(secret);
	unlink(other);
	free(in);
	free(secret);
	free(other);
	free(out);
	free(out2);
	free(out3);
}

/* No --secret-file: 32 fresh bytes in OUT.secret (0600), the secret the run used; never reused
 * over an existing file. */
static void test_sanitize_generated_secret(void **state)
{
	(void)state;
	char *in = out_path("gen-input.c1z");
	copy_file(test_data_path(UNEXPANDED), in);
	char *out = out_path("gen.c1z");
	char *out2 = out_path("gen2.c1z");
	char sec[4200];
	struct stat st;
	remove_out(out);
	remove_out(out2);
	snprintf(sec, sizeof(sec), "%s.secret", out);

	run r;
	RUN(&r, "-f", in, "sanitize", "--out", out, "--anchor", ANCHOR);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.err, "generated a fresh secret"));
	assert_non_null(strstr(r.err, sec));
	run_free(&r);
	assert_int_equal(stat(sec, &st), 0);
	assert_int_equal(st.st_size, 32);
	assert_int_equal(st.st_mode & 0777, 0600);

	RUN(&r, "-f", in, "sanitize", "--out", out2, "--secret-file", sec, "--anchor", ANCHOR);
	assert_int_equal(r.status, 0);
	run_free(&r);
	json_t *a = resources_of(out), *b = resources_of(out2);
	assert_true(json_array_size(a) > 1000);
	assert_true(json_equal(a, b));
	json_decref(a);
	json_decref(b);

	/* A second run onto a new --out whose .secret exists: refused, the secret kept. */
	unlink(out);
	size_t n1;
	char *before = slurp(sec, &n1);
	RUN(&r, "-f", in, "sanitize", "--out", out);
	assert_error(&r, 1, "already exists; pass --secret-file to reuse it");
	run_free(&r);
	assert_false(exists(out));
	size_t n2;
	char *after = slurp(sec, &n2);
	assert_int_equal(n1, n2);
	assert_memory_equal(before, after, n1);
	free(before);
	free(after);

	remove_out(out);
	remove_out(out2);
	unlink(in);
	free(in);
	free(out);
	free(out2);
}

/* Counts per table kept, names gone, unknown annotations dropped unless allowed, and expanding
 * the sanitized unexpanded file gives the grants of the sanitized expanded file. */
static void test_sanitize_expansion_consistent(void **state)
{
	(void)state;
	char *secret = write_secret("exp.secret", 's', 48);
	char *u = out_path("unexpanded.c1z");
	char *e = out_path("expanded.c1z");
	char *ua = out_path("unexpanded-allow.c1z");
	remove_out(u);
	remove_out(e);
	remove_out(ua);

	run r;
	RUN(&r, "-f", test_data_path(UNEXPANDED), "sanitize", "--out", u, "--secret-file", secret, "--anchor", ANCHOR);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.err, "dropped unknown annotations"));
	assert_non_null(strstr(r.err, "c1.connector.v2.ETag="));
	run_free(&r);
	RUN(&r, "-f", test_data_path(EXPANDED), "sanitize", "--out", e, "--secret-file", secret, "--anchor", ANCHOR);
	assert_int_equal(r.status, 0);
	run_free(&r);
	RUN(&r, "-f", test_data_path(UNEXPANDED), "sanitize", "--out", ua, "--secret-file", secret,
	    "--anchor", ANCHOR, "--allow-unknown-annotations");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.err, "passed unknown annotations through"));
	run_free(&r);

	/* Counts per table: the source's. */
	json_t *src = RUN_JSON("-f", test_data_path(EXPANDED), "-o", "json", "stats");
	json_t *dst = RUN_JSON("-f", e, "-o", "json", "stats");
	json_t *sc = json_object_get(src, "stats"), *dc = json_object_get(dst, "stats");
	assert_non_null(sc);
	const char *key;
	json_t *v;
	json_object_foreach(sc, key, v)
	{
		/* Per-type counts are keyed by resource-type id, which is kept. */
		assert_true(json_equal(v, json_object_get(dc, key)));
	}
	json_decref(src);
	json_decref(dst);

	/* ETag annotations only with --allow-unknown-annotations. */
	run g;
	RUN(&g, "-f", u, "-o", "json", "grants");
	assert_int_equal(g.status, 0);
	assert_null(strstr(g.out, "c1.connector.v2.ETag"));
	run_free(&g);
	RUN(&g, "-f", ua, "-o", "json", "grants");
	assert_int_equal(g.status, 0);
	assert_non_null(strstr(g.out, "c1.connector.v2.ETag"));
	run_free(&g);

	/* Expansion over the sanitized graph: the sanitized expanded file's grants. */
	char *before = grant_ids(u);
	RUN(&r, "-f", u, "expand");
	assert_int_equal(r.status, 0);
	run_free(&r);
	char *expanded = grant_ids(u);
	char *want = grant_ids(e);
	assert_true(strlen(expanded) > strlen(before));
	assert_string_equal(expanded, want);
	free(before);
	free(expanded);
	free(want);

	remove_out(u);
	remove_out(e);
	remove_out(ua);
	unlink(secret);
	free(secret);
	free(u);
	free(e);
	free(ua);
}

static void test_sanitize_help(void **state)
{
	(void)state;
	run r;
	RUN(&r, "sanitize", "--help");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "--secret-file PATH"));
	assert_non_null(strstr(r.out, "--allow-unknown-annotations"));
	run_free(&r);
	RUN(&r, "--help");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "sanitize"));
	run_free(&r);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s BATON_BINARY\n", argv[0]);
		return 2;
	}
	baton_bin = argv[1];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sanitize_refusals),
		cmocka_unit_test(test_sanitize_corrupt_input),
		cmocka_unit_test(test_sanitize_known_answer),
		cmocka_unit_test(test_sanitize_generated_secret),
		cmocka_unit_test(test_sanitize_expansion_consistent),
		cmocka_unit_test(test_sanitize_help),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
