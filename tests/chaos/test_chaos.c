/*
 * The chaos connector (chaos.c) through the whole SDK, one child process per case and seed:
 *  - a completing case must exit 0 with the right rows (those of a well-behaved run; without the
 *    NotFound group's grants for `notfound`);
 *  - a failing case must exit non-zero with an error that names the call (the sync step, the
 *    resource type and the page) and the problem, leave the c1z as it was (here: absent) and a
 *    resumable working copy holding the unfinished sync; a well-behaved rerun must then resume
 *    that very sync and end with the right rows.
 *
 *   test_chaos path/to/baton-chaos [seeds]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"
#include "demo_testutil.h"
#include "baton/store.h"

static const char *chaos_bin;
static unsigned long n_seeds = 3;
static char dir[4096], c1z[4200], err_path[4200];

typedef struct chaos_case {
	const char *name;
	bool completes;
	const char *want[3]; /* substrings of stderr (failing cases) */
} chaos_case;

static const chaos_case cases[] = {
	{"unavailable-ratelimit", true, {NULL}},
	{"unavailable", true, {NULL}},
	{"notfound", true, {NULL}},
	{"duplicates", true, {NULL}},
	{"empty-pages", true, {NULL}},
	{"error", false, {"list-resources", "resource type 'user'", "answered 500"}},
	{"huge-name", false, {"list-resources", "resource type 'user'", "at most 1024 bytes"}},
	{"huge-description", false, {"list-resources", "resource type 'user'", "at most 2048 bytes"}},
	{"invalid-utf8", false, {"list-resources", "baton_ctx_emit_resource", "display_name is not valid UTF-8"}},
	{"invalid-utf8-email", false, {"list-resources", "baton_ctx_emit_resource", "UserTrait).emails.address is not valid UTF-8"}},
	{"invalid-utf8-token", false, {"list-resources", "resource type 'user'", "token is not valid UTF-8"}},
	{"missing-id", false, {"list-resources", "resource type 'user'", "bytes (got 0)"}},
	{"missing-principal", false, {"list-grants", "resource type 'group'", "bytes (got 0)"}},
	{"same-token", false, {"list-resources", "resource type 'user'", "next page token unchanged"}},
	{"huge-token", false, {"list-resources", "resource type 'user'", "at most 1048576"}},
	{"huge-object", false, {"list-resources", "baton_ctx_emit_resource", "bytes packed, at most 4194304"}},
	{"too-many-annotations", false, {"list-resources", "baton_ctx_emit_resource", "more than 1000 annotations"}},
};

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)n + 1);
	assert_non_null(buf);
	if (n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n)
		fail_msg("reading %s", path);
	fclose(f);
	return buf;
}

static void rm_all(void)
{
	char cmd[13000];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s.wip' '%s' '%s.tmp'", c1z, c1z, c1z);
	assert_int_equal(system(cmd), 0);
}

static int run_case(const char *name, unsigned long seed)
{
	char m[96], s[64];
	const char *env[] = {m, s, "BATON_LOG_LEVEL=warn", NULL};

	snprintf(m, sizeof(m), "CHAOS_CASE=%s", name);
	snprintf(s, sizeof(s), "CHAOS_SEED=%lu", seed);
	return demo_run(chaos_bin, c1z, env, err_path);
}

/* The unfinished sync in the working copy ("" when none). */
static void wip_unfinished(char id[28])
{
	baton_store_options o = BATON_STORE_OPTIONS_INIT;
	baton_store *st;
	baton_ctx *ctx;
	baton_sync_run run;

	id[0] = '\0';
	o.resumable_work_dir = true;
	if (baton_store_open(c1z, &o, &st) != 0)
		fail_msg("opening the working copy: %s", baton_error_last()->message);
	assert_true(baton_store_resumed(st));
	assert_int_equal(baton_ctx_new(&ctx), 0);
	if (baton_store_sync_latest_unfinished(st, BATON_SYNC_TYPE_FULL, ctx, &run) == 0)
		snprintf(id, 28, "%s", run.id);
	baton_ctx_free(ctx);
	assert_int_equal(baton_store_suspend(st), 0);
}

static void finished_id(char id[28])
{
	baton_store_options o = BATON_STORE_OPTIONS_INIT;
	baton_store *st;
	baton_ctx *ctx;
	baton_sync_run run;

	o.read_only = true;
	id[0] = '\0';
	assert_int_equal(baton_store_open(c1z, &o, &st), 0);
	assert_int_equal(baton_ctx_new(&ctx), 0);
	if (baton_store_sync_latest_finished(st, BATON_SYNC_TYPE_FULL, ctx, &run) == 0)
		snprintf(id, 28, "%s", run.id);
	baton_ctx_free(ctx);
	baton_store_discard(st);
}

/* The clean content without the grants of group g (notfound). */
static void drop_group_grants(demo_content *c, unsigned long g)
{
	char needle[32];
	size_t k = 0;

	snprintf(needle, sizeof(needle), "\tgroup:g%lu:member:", g);
	for (size_t i = 0; i < c->n_rows; i++) {
		if (strncmp(c->rows[i], "v1_grants", 9) == 0 && strstr(c->rows[i], needle)) {
			free(c->rows[i]);
			continue;
		}
		c->rows[k++] = c->rows[i];
	}
	c->per_table[3] -= c->n_rows - k;
	c->n_rows = k;
}

static void test_chaos(void **state)
{
	demo_content clean;
	int failures = 0, checked = 0;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/chaos-XXXXXX", test_out_dir());
	assert_non_null(mkdtemp(dir));
	snprintf(c1z, sizeof(c1z), "%s/chaos.c1z", dir);
	snprintf(err_path, sizeof(err_path), "%s/stderr.txt", dir);

	rm_all();
	assert_int_equal(run_case("none", 1), 0);
	demo_content_read(c1z, &clean);
	assert_int_equal(clean.per_table[1], 35); /* 30 users, 5 groups */
	assert_int_equal(clean.per_table[3], 30);

	for (size_t ci = 0; ci < sizeof(cases) / sizeof(cases[0]); ci++) {
		const chaos_case *cc = &cases[ci];
		for (unsigned long seed = 1; seed <= n_seeds; seed++) {
			char msg[2048], started[28], finished[28];
			demo_content want, got;
			int st;
			bool ok = true;

			rm_all();
			st = run_case(cc->name, seed);
			checked++;
			if (cc->completes) {
				if (st != 0) {
					char *err = slurp(err_path);
					printf("FAIL %s seed %lu: %s\n%s\n", cc->name, seed, demo_status_str(st), err);
					free(err);
					failures++;
					continue;
				}
			} else {
				char *err = slurp(err_path);
				if (!(WIFEXITED(st) && WEXITSTATUS(st) != 0)) {
					printf("FAIL %s seed %lu: ended with %s, want a failure\n", cc->name, seed,
					       demo_status_str(st));
					ok = false;
				}
				for (int k = 0; ok && k < 3 && cc->want[k]; k++) {
					if (!strstr(err, cc->want[k])) {
						printf("FAIL %s seed %lu: the error does not say \"%s\":\n%s\n", cc->name, seed,
						       cc->want[k], err);
						ok = false;
					}
				}
				if (ok && access(c1z, F_OK) == 0) {
					printf("FAIL %s seed %lu: a c1z was written by a failed sync\n", cc->name, seed);
					ok = false;
				}
				if (ok) {
					char *last = strrchr(err, '{') ? strrchr(err, '{') : err;
					wip_unfinished(started);
					if (!started[0]) {
						printf("FAIL %s seed %lu: no resumable unfinished sync was left\n", cc->name, seed);
						ok = false;
					} else {
						printf("ok   %-22s seed %lu: fails, resumable; %.*s", cc->name, seed,
						       (int)strcspn(last, "\n"), last);
						printf("\n");
					}
				}
				free(err);
				if (ok) {
					st = run_case("none", seed);
					if (st != 0) {
						printf("FAIL %s seed %lu: the well-behaved rerun: %s\n", cc->name, seed,
						       demo_status_str(st));
						ok = false;
					} else {
						finished_id(finished);
						if (strcmp(started, finished) != 0) {
							printf("FAIL %s seed %lu: the rerun did not resume %s (finished %s)\n",
							       cc->name, seed, started, finished);
							ok = false;
						}
					}
				}
				if (!ok) {
					failures++;
					continue;
				}
			}
			demo_content_read(c1z, &got);
			/* the expected rows: the clean run's (minus the NotFound group's grants) */
			{
				demo_content w = clean;
				w.rows = calloc(clean.n_rows, sizeof(char *));
				assert_non_null(w.rows);
				for (size_t i = 0; i < clean.n_rows; i++)
					w.rows[i] = strdup(clean.rows[i]);
				if (strcmp(cc->name, "notfound") == 0)
					drop_group_grants(&w, seed % 5);
				want = w;
			}
			if (demo_content_compare(&want, &got, msg, sizeof(msg)) != 0) {
				printf("FAIL %s seed %lu: CONTENT DIFFERS: %s\n", cc->name, seed, msg);
				failures++;
			} else if (cc->completes) {
				printf("ok   %-22s seed %lu: completes with the right rows (%zu)\n", cc->name, seed, got.n_rows);
			}
			demo_content_free(&want);
			demo_content_free(&got);
		}
	}
	printf("chaos: %d runs, %d failures\n", checked, failures);
	demo_content_free(&clean);
	if (failures == 0) {
		char cmd[4200];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		assert_int_equal(system(cmd), 0);
	}
	assert_int_equal(failures, 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chaos),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: %s path/to/baton-chaos [seeds]\n", argv[0]);
		return 2;
	}
	chaos_bin = argv[1];
	if (argc > 2)
		n_seeds = strtoul(argv[2], NULL, 10);
	setvbuf(stdout, NULL, _IOLBF, 0);
	setenv("BATON_LOG_LEVEL", "error", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
