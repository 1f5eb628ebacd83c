/*
 * `--diff-syncs` and `--compact-syncs` through a real connector (build/bin/baton-demo, argv[1]):
 * two syncs of different sizes, a diff of them, a compaction of two files; and
 * `--external-resource-c1z` / `--external-resource-traits`; the results are read back with the
 * store. The Go interop test (tests/interop/compact_test.go) compares the same
 * operations with the Go SDK's.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "baton/compact.h"
#include "baton/store.h"
#include "testutil.h"

static const char *demo_bin;
static char dir[512];

/* Runs baton-demo with args (NULL-terminated) in `dir`; returns the exit status; *err (may be NULL)
 * receives stderr and stdout, concatenated (malloc'ed). */
static int run(char **err, const char *const *args)
{
	char log[600];
	snprintf(log, sizeof log, "%s/.log", dir);
	const char *argv[32];
	size_t n = 0;
	argv[n++] = demo_bin;
	for (size_t i = 0; args[i] && n < 31; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (chdir(dir))
			_exit(126);
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			_exit(126);
		dup2(fd, 1);
		dup2(fd, 2);
		execv(demo_bin, (char *const *)argv);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (err) {
		FILE *f = fopen(log, "rb");
		assert_non_null(f);
		char *buf = calloc(1, 65536);
		size_t got = fread(buf, 1, 65535, f);
		buf[got] = '\0';
		fclose(f);
		*err = buf;
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

static void expect(const char *const *args, int status, const char *needle)
{
	char *out = NULL;
	int st = run(&out, args);
	if (st != status || (needle && !strstr(out, needle))) {
		fprintf(stderr, "want exit %d and \"%s\"; got exit %d:\n%s\n", status, needle ? needle : "", st, out);
		fail();
	}
	free(out);
}

static char *path_in(const char *name)
{
	char *p = malloc(1024);
	snprintf(p, 1024, "%s/%s", dir, name);
	return p;
}

static uint64_t resources_of(baton_store *s, const char *sync_id)
{
	baton_store_counts c;
	CHECK(baton_store_count(s, sync_id, &c));
	return c.resources;
}

/* Whether `sync_id` has a resource of that id. */
static bool has_resource(baton_store *s, baton_ctx *ctx, const char *sync_id, const baton_resource_id *id)
{
	baton_resource *r;
	int rc = baton_store_get_resource(s, sync_id, id, ctx, &r);
	if (rc == BATON_ENOTFOUND)
		return false;
	CHECK(rc);
	return true;
}

static void test_diff_syncs(void **state)
{
	(void)state;
	char *c1z = path_in("d.c1z");
	assert_int_equal(run(NULL, ARGS("-f", c1z, "--users", "3", "--log-level", "error")), 0);
	assert_int_equal(run(NULL, ARGS("-f", c1z, "--users", "7", "--log-level", "error")), 0);
	baton_ctx *ctx;
	CHECK(baton_ctx_new(&ctx));
	baton_store_options ro = BATON_STORE_OPTIONS_INIT;
	ro.read_only = true;
	baton_store *s;
	CHECK(baton_store_open(c1z, &ro, &s));
	baton_sync_run *runs;
	size_t n;
	CHECK(baton_store_sync_list(s, ctx, &runs, &n));
	assert_int_equal(n, 2);
	char base[64], applied[64];
	snprintf(base, sizeof base, "%s", runs[0].id);
	snprintf(applied, sizeof applied, "%s", runs[1].id);
	uint64_t rb = resources_of(s, base), ra = resources_of(s, applied);
	assert_true(ra > rb);
	baton_store_discard(s);

	/* Refusals: the flags go together (cobra's wording), sync ids must exist. */
	expect(ARGS("-f", c1z, "--diff-syncs", "--base-sync-id", base), 2, "applied-sync-id");
	expect(ARGS("-f", c1z, "--diff-syncs", "--base-sync-id", "2NOSUCHSYNCxxxxxxxxxxxxxxxx", "--applied-sync-id",
	            applied),
	       5, "base sync not found");
	expect(ARGS("-f", c1z, "--diff-syncs", "--base-sync-id", base, "--applied-sync-id", applied), 0,
	       "generated diff of syncs");

	CHECK(baton_store_open(c1z, &ro, &s));
	CHECK(baton_store_sync_list(s, ctx, &runs, &n));
	assert_int_equal(n, 3);
	assert_int_equal(runs[2].type, BATON_SYNC_TYPE_PARTIAL);
	assert_string_equal(runs[2].parent_sync_id, base);
	assert_non_null(runs[2].ended_at);
	/* Demo users are numbered: the diff holds the applied sync's resources whose ids the 3-user
	 * sync lacks, and nothing the base had. */
	uint64_t rd = resources_of(s, runs[2].id);
	assert_int_equal(rd, ra - rb);
	baton_store_iter *it;
	baton_store_query q = BATON_STORE_QUERY_INIT;
	q.sync_id = runs[2].id;
	CHECK(baton_store_list_resources(s, &q, &it));
	baton_resource *r;
	size_t seen = 0;
	while (baton_store_iter_next_resource(it, &r) == 0) {
		baton_resource_id id = baton_resource_get_id(r);
		assert_false(has_resource(s, ctx, base, &id));
		assert_true(has_resource(s, ctx, applied, &id));
		seen++;
	}
	baton_store_iter_free(it);
	assert_int_equal(seen, rd);
	baton_store_discard(s);
	baton_ctx_free(ctx);
	free(c1z);
}

static void test_compact_syncs(void **state)
{
	(void)state;
	char *a = path_in("a.c1z"), *b = path_in("b.c1z"), *out = path_in("out");
	assert_int_equal(mkdir(out, 0700), 0);
	assert_int_equal(run(NULL, ARGS("-f", a, "--users", "4", "--log-level", "error")), 0);
	assert_int_equal(run(NULL, ARGS("-f", b, "--users", "9", "--log-level", "error")), 0);
	baton_ctx *ctx;
	CHECK(baton_ctx_new(&ctx));
	baton_store_options ro = BATON_STORE_OPTIONS_INIT;
	ro.read_only = true;
	char ida[64], idb[64];
	baton_store *s;
	baton_sync_run run1;
	CHECK(baton_store_open(a, &ro, &s));
	CHECK(baton_store_sync_latest_finished(s, BATON_SYNC_TYPE_FULL, ctx, &run1));
	snprintf(ida, sizeof ida, "%s", run1.id);
	baton_store_discard(s);
	CHECK(baton_store_open(b, &ro, &s));
	CHECK(baton_store_sync_latest_finished(s, BATON_SYNC_TYPE_FULL, ctx, &run1));
	snprintf(idb, sizeof idb, "%s", run1.id);
	uint64_t rb = resources_of(s, idb);
	baton_store_discard(s);

	char paths[2100], ids[200];
	snprintf(paths, sizeof paths, "%s,%s", a, b);
	snprintf(ids, sizeof ids, "%s,%s", ida, idb);
	expect(ARGS("--compact-syncs", "--compact-file-paths", paths, "--compact-sync-ids", ida,
	            "--compact-output-path", out),
	       3, "must include exactly one syncID per file");
	expect(ARGS("--compact-syncs", "--compact-file-paths", a, "--compact-sync-ids", ida, "--compact-output-path", out),
	       3, "two or more files");
	DIR *d = opendir(out);
	assert_non_null(d);
	struct dirent *e;
	int files = 0;
	while ((e = readdir(d)) != NULL)
		files += e->d_name[0] != '.';
	closedir(d);
	assert_int_equal(files, 0);

	expect(ARGS("--compact-syncs", "--compact-file-paths", paths, "--compact-sync-ids", ids, "--compact-output-path",
	            out),
	       0, "compacted file");
	d = opendir(out);
	char name[512] = "";
	files = 0;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.') {
			files++;
			snprintf(name, sizeof name, "%s", e->d_name);
		}
	closedir(d);
	assert_int_equal(files, 1);
	assert_int_equal(strncmp(name, "compacted-", 10), 0);
	char full[2048];
	snprintf(full, sizeof full, "%s/%s", out, name);
	CHECK(baton_store_open(full, &ro, &s));
	baton_sync_run *runs;
	size_t n;
	CHECK(baton_store_sync_list(s, ctx, &runs, &n));
	assert_int_equal(n, 1);
	assert_int_equal(runs[0].type, BATON_SYNC_TYPE_FULL);
	assert_int_equal(strncmp(name + 10, runs[0].id, 27), 0);
	/* The 4-user sync is contained in the 9-user one: the union is the larger. */
	assert_int_equal(resources_of(s, runs[0].id), rb);
	baton_store_discard(s);
	baton_ctx_free(ctx);
	free(a);
	free(b);
	free(out);
}

/* --external-resource-c1z and its companions through baton-demo: an external c1z with one user
 * (type ext_user) and one group (type ext_group) is copied into the demo's sync. */
static void test_external_resources(void **state)
{
	(void)state;
	char *ext = path_in("ext.c1z"), *missing = path_in("missing.c1z");
	baton_ctx *ctx;
	CHECK(baton_ctx_new(&ctx));
	baton_store *s;
	CHECK(baton_store_open(ext, NULL, &s));
	char id[28];
	CHECK(baton_store_sync_start(s, BATON_SYNC_TYPE_FULL, NULL, id));
	const baton_trait ut[] = {BATON_TRAIT_USER}, gt[] = {BATON_TRAIT_GROUP};
	baton_resource_type *u, *g;
	CHECK(baton_resource_type_new(ctx, "Ext User", ut, 1, &u));
	CHECK(baton_resource_type_new(ctx, "Ext Group", gt, 1, &g));
	CHECK(baton_store_put_resource_type(s, u));
	CHECK(baton_store_put_resource_type(s, g));
	baton_resource *r;
	CHECK(baton_user_resource_new(ctx, "Ext One", u, "ext1", &r));
	CHECK(baton_store_put_resource(s, r));
	CHECK(baton_group_resource_new(ctx, "Ext Team", g, "team1", &r));
	CHECK(baton_store_put_resource(s, r));
	CHECK(baton_store_sync_end(s));
	CHECK(baton_store_close(s));

	char *c1z = path_in("x.c1z");
	expect(ARGS("-f", c1z, "--users", "2", "--external-resource-c1z", missing), 2,
	       "the specified external resource c1z file does not exist");
	expect(ARGS("-f", c1z, "--users", "2", "--external-resource-c1z", ext, "--external-resource-traits", "robot"), 2,
	       "unknown external resource trait");
	expect(ARGS("-f", c1z, "--users", "2", "--external-resource-c1z", ext, "--log-level", "info"), 0,
	       "Synced external resources");
	baton_store_options ro = BATON_STORE_OPTIONS_INIT;
	ro.read_only = true;
	CHECK(baton_store_open(c1z, &ro, &s));
	baton_resource_id e1 = {"ext-user", "ext1"}, t1 = {"ext-group", "team1"};
	CHECK(baton_store_get_resource(s, NULL, &e1, ctx, &r));
	assert_true(baton_annotations_contains(baton_resource_annotations(r), "c1.connector.v2.BatonID"));
	CHECK(baton_store_get_resource(s, NULL, &t1, ctx, &r));
	baton_store_discard(s);

	/* --external-resource-traits replaces the default: groups only. */
	char *c1z2 = path_in("y.c1z");
	expect(ARGS("-f", c1z2, "--users", "2", "--external-resource-c1z", ext, "--external-resource-traits",
	            "TRAIT_GROUP"),
	       0, NULL);
	CHECK(baton_store_open(c1z2, &ro, &s));
	assert_int_equal(baton_store_get_resource(s, NULL, &e1, ctx, &r), BATON_ENOTFOUND);
	CHECK(baton_store_get_resource(s, NULL, &t1, ctx, &r));
	baton_store_discard(s);
	baton_ctx_free(ctx);
	free(ext);
	free(missing);
	free(c1z);
	free(c1z2);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s BATON_DEMO\n", argv[0]);
		return 2;
	}
	demo_bin = argv[1];
	snprintf(dir, sizeof dir, "%s/cli-diff-XXXXXX", test_out_dir());
	if (!mkdtemp(dir)) {
		fprintf(stderr, "mkdtemp %s: %s\n", dir, strerror(errno));
		return 1;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diff_syncs),
		cmocka_unit_test(test_compact_syncs),
		cmocka_unit_test(test_external_resources),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
