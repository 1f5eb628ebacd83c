/*
 * baton-file's loaders against hostile input (examples/file/loader.c, model.c), each case a
 * generated family:
 *  - YAML alias bombs of fan-out 2..10 over 1..40 levels: the expansion is computed, and the file
 *    must load when it stays well under the bound and be refused when well over it, each in
 *    bounded time, the process's memory bounded throughout (a 371-byte bomb took 3.9 GB);
 *  - nesting 1 ... 100,000 deep in YAML (flow and block) and JSON (arrays and objects): up to 64
 *    levels read, deeper refused naming the line;
 *  - encodings: each class of malformed UTF-8 (overlong, surrogates, cut short, past U+10FFFF,
 *    0xFE/0xFF, a lone continuation byte) and NUL, in each column of a users and a grants CSV
 *    (quoted or not, at the start, middle or end of the cell, in the header too), refused naming
 *    the file, the line and the column -- they were dropped, shifting the next cells left, or
 *    cut short; the same classes in YAML and JSON, refused naming the line;
 *  - parent cycles of length 1..5 (with a resource hanging off the cycle and one outside it),
 *    refused naming the cycle -- they vanished from the sync; chains of the same lengths load
 *    with every resource reachable;
 *  - FIFOs (no writer), directories and devices as the input, the users and grants CSV, and the
 *    program's -i and config file, refused at once (alarm() turns a hang into a failure).
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "examples_util.h"
#include "file.h"

static const char *file_bin;
static char dir[512];

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *path_of(const char *name)
{
	static char buf[8][700];
	static unsigned n;
	char *p = buf[n++ % 8];
	snprintf(p, sizeof(buf[0]), "%s/%s", dir, name);
	return p;
}

static void write_bytes(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static const char *msg(void)
{
	return baton_error_last()->message;
}

static void check_time(double t0, const char *what)
{
	double took = now_s() - t0;
	if (took > 5.0 * test_time_scale())
		fail_msg("%s took %.1f s", what, took);
}

/* ---- alias bombs ------------------------------------------------------------------------- */

static double bomb(test_buf *b, int f, int levels)
{
	double n = 1 + f, total = 0;
	test_buf_puts(b, "users: []\nl0: &l0 [");
	for (int i = 0; i < f; i++)
		test_buf_puts(b, i ? ", lol" : "lol");
	test_buf_puts(b, "]\n");
	for (int l = 1; l <= levels; l++) {
		test_buf_printf(b, "l%d: &l%d [", l, l);
		for (int i = 0; i < f; i++)
			test_buf_printf(b, "%s*l%d", i ? ", " : "", l - 1);
		test_buf_puts(b, "]\n");
		total += f * n;
		n = 1 + f * n;
	}
	return total;
}

static void test_alias_bombs(void **state)
{
	(void)state;
	static const int fans[] = {2, 3, 4, 8, 10};
	int read = 0, refused = 0;
	for (size_t fi = 0; fi < sizeof(fans) / sizeof(fans[0]); fi++) {
		int over = 0;
		for (int levels = 1; levels <= 40; levels++) {
			test_buf b = {0};
			double expands = bomb(&b, fans[fi], levels);
			/* past the bound, a few levels and the largest: each costs at most the bound */
			if (expands > 2.0 * FILE_YAML_MAX_ALIAS_NODES && over++ >= 3 && levels != 40) {
				free(b.p);
				continue;
			}
			json_t *j = NULL;
			double t0 = now_s();
			int rc = file_yaml_to_json("bomb.yaml", b.p, b.n, &j);
			check_time(t0, "a bomb");
			if (expands <= FILE_YAML_MAX_ALIAS_NODES / 2) {
				if (rc != 0)
					fail_msg("fan-out %d, %d levels (%.0f nodes): %s", fans[fi], levels, expands, msg());
				read++;
			} else if (expands > 2.0 * FILE_YAML_MAX_ALIAS_NODES) {
				if (rc != BATON_EINVALID || !strstr(msg(), "aliases expand to more than") ||
				    !strstr(msg(), "bomb.yaml: line "))
					fail_msg("fan-out %d, %d levels (%.3g nodes): rc %d: %s", fans[fi], levels,
					         expands, rc, msg());
				refused++;
			}
			json_decref(j);
			free(b.p);
		}
	}
	assert_true(read >= 20 && refused >= 15);
	/* the text bound: one 64 KiB scalar, n times */
	for (size_t n = 16; n <= 4096; n *= 4) {
		test_buf b = {0};
		test_buf_puts(&b, "big: &s \"");
		for (int i = 0; i < 65536; i++)
			test_buf_puts(&b, "x");
		test_buf_puts(&b, "\"\nl: [");
		for (size_t i = 0; i < n; i++)
			test_buf_puts(&b, i ? ", *s" : "*s");
		test_buf_puts(&b, "]\n");
		json_t *j = NULL;
		int rc = file_yaml_to_json("text.yaml", b.p, b.n, &j);
		if (n * 65536 <= FILE_YAML_MAX_ALIAS_BYTES / 2) {
			if (rc != 0 || json_array_size(json_object_get(j, "l")) != n)
				fail_msg("%zu aliases of 64 KiB: %d: %s", n, rc, msg());
		} else if (n * 65536 > 2 * (size_t)FILE_YAML_MAX_ALIAS_BYTES) {
			if (rc != BATON_EINVALID || !strstr(msg(), "aliases expand"))
				fail_msg("%zu aliases of 64 KiB: rc %d: %s", n, rc, msg());
		}
		json_decref(j);
		free(b.p);
	}
	/* a loop, and an alias as a mapping key */
	const char *loop = "a: &a [x, *a]\n";
	json_t *j = NULL;
	assert_int_equal(file_yaml_to_json("t", loop, strlen(loop), &j), BATON_EINVALID);
	assert_non_null(strstr(msg(), "names no anchor"));
	const char *key = "k: &k profile\nu: {*k : {n: 1}}\n";
	assert_int_equal(file_yaml_to_json("t", key, strlen(key), &j), 0);
	assert_int_equal(json_integer_value(test_json_get(j, "u.profile.n")), 1); /* typed: under profile */
	json_decref(j);
	/* the bombs' copies were never made: memory stays far below the old gigabytes */
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	if (ru.ru_maxrss / 1024 > 1024)
		fail_msg("max RSS %ld MB", ru.ru_maxrss / 1024);
}

/* ---- nesting ----------------------------------------------------------------------------- */

static void nested(test_buf *b, int form, size_t d)
{
	switch (form) {
	case 0: /* YAML flow sequence */
	case 2: /* JSON array */
		test_buf_puts(b, form == 0 ? "x: " : "{\"x\": ");
		for (size_t i = 0; i < d; i++)
			test_buf_puts(b, "[");
		for (size_t i = 0; i < d; i++)
			test_buf_puts(b, "]");
		test_buf_puts(b, form == 0 ? "\n" : "}\n");
		break;
	case 1: /* YAML block sequence */
		test_buf_puts(b, "x:\n ");
		for (size_t i = 0; i < d; i++)
			test_buf_puts(b, " -");
		test_buf_puts(b, " v\n");
		break;
	case 3: /* JSON objects, with a bracket in a string that must not count */
		test_buf_puts(b, "{\"x\": ");
		for (size_t i = 0; i < d; i++)
			test_buf_puts(b, "{\"a[\": ");
		test_buf_puts(b, "\"]{\"");
		for (size_t i = 0; i < d; i++)
			test_buf_puts(b, "}");
		test_buf_puts(b, "}\n");
		break;
	default:
		break;
	}
}

static void test_nesting(void **state)
{
	(void)state;
	static const size_t depths[] = {1, 10, 62, 63, 64, 100, 1000, 10000, 100000};
	static const char *const forms[] = {"yaml flow", "yaml block", "json array", "json object"};
	for (int f = 0; f < 4; f++) {
		for (size_t i = 0; i < sizeof(depths) / sizeof(depths[0]); i++) {
			test_buf b = {0};
			nested(&b, f, depths[i]);
			const char *p = path_of(f < 2 ? "deep.yaml" : "deep.json");
			write_bytes(p, b.p, b.n);
			json_t *doc = NULL;
			double t0 = now_s();
			int rc = file_load(p, &doc);
			check_time(t0, forms[f]);
			size_t limit = f < 2 ? FILE_YAML_MAX_DEPTH : FILE_JSON_MAX_DEPTH;
			if (depths[i] + 1 <= limit) {
				if (rc != 0)
					fail_msg("%s %zu deep: %s", forms[f], depths[i], msg());
			} else if (rc != BATON_EINVALID || !strstr(msg(), "nested more than 64 levels deep") ||
			           !strstr(msg(), "deep.") || !strstr(msg(), f == 1 ? "line 2 column " : "line 1 column ")) {
				fail_msg("%s %zu deep: rc %d: %s", forms[f], depths[i], rc, msg());
			}
			json_decref(doc);
			free(b.p);
		}
	}
}

/* ---- encodings --------------------------------------------------------------------------- */

typedef struct bad_bytes {
	const char *name, *bytes;
	size_t len;
} bad_bytes;

#define BAD(n, b) {n, b, sizeof(b) - 1}
static const bad_bytes bads[] = {
	BAD("overlong 2", "\xC0\xAF"),         BAD("overlong 3", "\xE0\x80\xAF"),
	BAD("overlong 4", "\xF0\x80\x80\xAF"), BAD("surrogate D800", "\xED\xA0\x80"),
	BAD("surrogate DFFF", "\xED\xBF\xBF"), BAD("cut 2", "\xC3"),
	BAD("cut 3", "\xE2\x82"),              BAD("cut 4", "\xF0\x9F\x98"),
	BAD("continuation", "\x80"),           BAD("0xFE", "\xFE"),
	BAD("0xFF", "\xFF"),                   BAD("past 10FFFF", "\xF4\x90\x80\x80"),
	BAD("0xF5", "\xF5\x80\x80\x80"),       BAD("NUL", "\0"),
};
#define N_BADS (sizeof(bads) / sizeof(bads[0]))

static const char *const user_cols[] = {"Name", "Display Name", "Email", "Status"};
static const char *const user_vals[] = {"alice", "Alice A", "alice@example.com", "enabled"};
static const char *const grant_cols[] = {"Principal Receiving Grant", "Entitlement Granted to Principal"};
static const char *const grant_vals[] = {"alice", "team:eng:member"};

/* A CSV of three rows: the header, a good row, then the row (line 3; or the header when row is
 * 1) whose column `col` holds the bad bytes at `at` (0 start, 1 middle, 2 end), quoted or not. */
static void bad_csv(test_buf *b, const char *const *cols, const char *const *vals, size_t n, size_t row,
                    size_t col, int at, bool quoted, const bad_bytes *bad)
{
	for (size_t r = 1; r <= 3; r++) {
		const char *const *cells = r == 1 ? cols : vals;
		for (size_t c = 0; c < n; c++) {
			if (c)
				test_buf_puts(b, ",");
			char cell[128];
			snprintf(cell, sizeof(cell), "%s%s", cells[c], r == 2 && cells == vals && c == 0 ? "0" : "");
			if (r == row && c == col) {
				size_t split = at == 0 ? 0 : at == 1 ? strlen(cell) / 2 : strlen(cell);
				if (quoted)
					test_buf_puts(b, "\"");
				test_buf_put(b, cell, split);
				test_buf_put(b, bad->bytes, bad->len);
				test_buf_puts(b, cell + split);
				if (quoted)
					test_buf_puts(b, "\"");
			} else {
				test_buf_puts(b, cell);
			}
		}
		test_buf_puts(b, "\n");
	}
}

static void test_csv_encodings(void **state)
{
	(void)state;
	size_t cases = 0;
	for (int table = 0; table < 2; table++) {
		const char *const *cols = table ? grant_cols : user_cols;
		const char *const *vals = table ? grant_vals : user_vals;
		size_t n = table ? 2 : 4;
		const char *p = path_of(table ? "grants.csv" : "users.csv");
		for (size_t i = 0; i < N_BADS; i++)
			for (size_t row = 1; row <= 3; row += 2)
				for (size_t col = 0; col < n; col++)
					for (int at = 0; at < 3; at++)
						for (int q = 0; q < 2; q++) {
							test_buf b = {0};
							bad_csv(&b, cols, vals, n, row, col, at, q, &bads[i]);
							write_bytes(p, b.p, b.n);
							free(b.p);
							json_t *doc = json_object();
							int rc = file_load_csv(p, table ? FILE_CSV_GRANTS : FILE_CSV_USERS, doc);
							char want[200];
							snprintf(want, sizeof(want), "line %zu, column %zu", row, col + 1);
							if (rc != BATON_EINVALID || !strstr(msg(), want) || !strstr(msg(), p) ||
							    (row == 3 && !strstr(msg(), cols[col])) ||
							    !strstr(msg(), bads[i].len == 1 && !bads[i].bytes[0] ? "NUL" : "UTF-8"))
								fail_msg("%s table, %s in line %zu column %zu at %d%s: rc %d: %s",
								         table ? "grants" : "users", bads[i].name, row, col + 1, at,
								         q ? " quoted" : "", rc, msg());
							/* nothing half-read is left behind for the caller to use */
							json_decref(doc);
							cases++;
						}
	}
	assert_true(cases > 1000);
	/* good text beyond ASCII is kept whole */
	const char *p = path_of("good.csv");
	const char *ok = "Name,Display Name,Email\nz\xC3\xA9,\xE2\x82\xAC \xF0\x9F\x98\x80,e@x\n";
	write_bytes(p, ok, strlen(ok));
	json_t *doc = json_object();
	assert_int_equal(file_load_csv(p, FILE_CSV_USERS, doc), 0);
	test_json_assert_str(doc, "users.0.display_name", "\xE2\x82\xAC \xF0\x9F\x98\x80");
	test_json_assert_str(doc, "users.0.email", "e@x");
	json_decref(doc);
}

static void test_yaml_json_encodings(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_BADS; i++) {
		for (int place = 0; place < 3; place++) {
			static const char *const pre[] = {"    display_name: ab", "    display_name: \"ab", "    na"};
			static const char *const post[] = {"cd\n", "cd\"\n", "me: x\n"};
			test_buf b = {0};
			test_buf_puts(&b, "users:\n  - name: u\n");
			test_buf_puts(&b, pre[place]);
			test_buf_put(&b, bads[i].bytes, bads[i].len);
			test_buf_puts(&b, post[place]);
			const char *p = path_of("enc.yaml");
			write_bytes(p, b.p, b.n);
			free(b.p);
			json_t *doc = NULL;
			int rc = file_load(p, &doc);
			if (rc != BATON_EINVALID || !strstr(msg(), "line 3 column ") || !strstr(msg(), "UTF-8 text"))
				fail_msg("yaml: %s at %d: rc %d: %s", bads[i].name, place, rc, msg());
			json_decref(doc);

			static const char *const jpre[] = {"    \"display_name\": \"ab", "    \"na", "    \"x\": \"ab"};
			static const char *const jpost[] = {"cd\"\n", "me\": \"x\"\n", "\"\n"};
			b = (test_buf){0};
			test_buf_puts(&b, "{\"users\": [\n  {\"name\": \"u\",\n");
			test_buf_puts(&b, jpre[place]);
			test_buf_put(&b, bads[i].bytes, bads[i].len);
			test_buf_puts(&b, jpost[place]);
			test_buf_puts(&b, "}]}\n");
			p = path_of("enc.json");
			write_bytes(p, b.p, b.n);
			free(b.p);
			rc = file_load(p, &doc);
			if (rc != BATON_EINVALID || !strstr(msg(), "line 3"))
				fail_msg("json: %s at %d: rc %d: %s", bads[i].name, place, rc, msg());
			json_decref(doc);
		}
	}
	/* NUL through an escape: refused, not cut short */
	static const char *const yesc[] = {"\"a\\0b\"", "\"a\\x00b\"", "\"a\\u0000b\""};
	for (size_t i = 0; i < 3; i++) {
		char y[200];
		snprintf(y, sizeof(y), "users:\n  - name: u\n    email: %s\n", yesc[i]);
		json_t *j = NULL;
		assert_int_equal(file_yaml_to_json("t", y, strlen(y), &j), BATON_EINVALID);
		assert_non_null(strstr(msg(), "line 3 column 12: a value holds a NUL character"));
	}
	const char *jnul = "{\"users\": [{\"name\": \"a\\u0000b\"}]}";
	const char *p = path_of("nul.json");
	write_bytes(p, jnul, strlen(jnul));
	json_t *doc = NULL;
	assert_int_equal(file_load(p, &doc), BATON_EINVALID);
}

/* ---- parent cycles ----------------------------------------------------------------------- */

static void test_parent_cycles(void **state)
{
	(void)state;
	for (int len = 1; len <= 5; len++) {
		for (int chain = 0; chain < 2; chain++) {
			test_buf b = {0};
			test_buf_puts(&b, "resources:\n");
			test_buf_puts(&b, "  - {resource_type: team, name: leaf, parent_resource: r0}\n");
			test_buf_puts(&b, "  - {resource_type: team, name: outside}\n");
			for (int i = 0; i < len; i++) {
				/* a cycle r0 -> r1 -> ... -> r0; or a chain ending at the top level */
				if (chain && i == len - 1)
					test_buf_printf(&b, "  - {resource_type: team, name: r%d}\n", i);
				else
					test_buf_printf(&b, "  - {resource_type: team, name: r%d, parent_resource: r%d}\n", i,
					                (i + 1) % len);
			}
			const char *p = path_of("cycle.yaml");
			write_bytes(p, b.p, b.n);
			free(b.p);
			file_model *m = NULL;
			int rc = file_model_load(p, NULL, NULL, &m);
			if (chain) {
				if (rc != 0)
					fail_msg("chain of %d: %s", len, msg());
				/* every resource is reachable: at the top level or as someone's child */
				size_t reached = 0;
				for (size_t t = 0; t < m->n_types; t++)
					reached += m->types[t]->n_top;
				for (size_t r = 0; r < m->n_resources; r++)
					reached += m->resources[r]->n_children;
				assert_int_equal(reached, m->n_resources);
				file_model_free(m);
				continue;
			}
			char want[200] = "(";
			for (int i = 0; i < len; i++)
				snprintf(want + strlen(want), sizeof(want) - strlen(want), "r%d -> ", i);
			strcat(want, "r0)");
			if (rc != BATON_EINVALID || m != NULL || !strstr(msg(), "form a cycle") || !strstr(msg(), want))
				fail_msg("cycle of %d: rc %d: %s (want %s)", len, rc, msg(), want);
		}
	}
	/* a long cycle is named, shortened */
	test_buf b = {0};
	test_buf_puts(&b, "resources:\n");
	for (int i = 0; i < 5000; i++)
		test_buf_printf(&b, "  - {resource_type: team, name: r%d, parent_resource: r%d}\n", i, (i + 1) % 5000);
	const char *p = path_of("cycle.yaml");
	write_bytes(p, b.p, b.n);
	free(b.p);
	file_model *m = NULL;
	assert_int_equal(file_model_load(p, NULL, NULL, &m), BATON_EINVALID);
	assert_non_null(strstr(msg(), "(r0 -> r1 -> r2"));
	assert_non_null(strstr(msg(), " ...)"));
}

/* ---- not regular files ------------------------------------------------------------------- */

static void test_not_regular(void **state)
{
	(void)state;
	static const char *const names[][2] = {
		{"fifo.yaml", "is a FIFO"}, {"fifo.csv", "is a FIFO"}, {"dir.json", "is a directory"},
		{"null.yaml", "is a device"}, {"zero.csv", "is a device"},
	};
	assert_int_equal(mkfifo(path_of("fifo.yaml"), 0600), 0);
	assert_int_equal(mkfifo(path_of("fifo.csv"), 0600), 0);
	assert_int_equal(mkdir(path_of("dir.json"), 0755), 0);
	assert_int_equal(symlink("/dev/null", path_of("null.yaml")), 0);
	assert_int_equal(symlink("/dev/zero", path_of("zero.csv")), 0);
	const char *good = path_of("good.yaml");
	const char *y = "users:\n  - {name: a, display_name: A}\n";
	write_bytes(good, y, strlen(y));
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *bad = path_of(names[i][0]);
		for (int slot = 0; slot < 3; slot++) {
			file_model *m = NULL;
			double t0 = now_s();
			int rc = file_model_load(slot == 0 ? bad : good, slot == 1 ? bad : NULL, slot == 2 ? bad : NULL, &m);
			check_time(t0, names[i][0]);
			if (rc == 0 || !strstr(msg(), names[i][1]) || !strstr(msg(), bad))
				fail_msg("%s as slot %d: rc %d: %s", names[i][0], slot, rc, msg());
			assert_null(m);
		}
	}
	/* the program: -i and the config file (read by baton-file's main before the SDK) */
	const char *log = path_of("run.log");
	char cfg[800];
	snprintf(cfg, sizeof(cfg), "BATON_CONFIG_PATH=%s", path_of("fifo.yaml"));
	double t0 = now_s();
	int status = ex_run((const char *const[]){file_bin, "-f", path_of("o.c1z"), NULL},
	                    (const char *const[]){cfg, NULL}, log);
	check_time(t0, "baton-file with a FIFO config");
	if (status == 0 || !strstr(ex_log(log), "is a FIFO"))
		fail_msg("config FIFO: exit %d: %s", status, ex_log(log));
	t0 = now_s();
	status = ex_run((const char *const[]){file_bin, "-i", path_of("fifo.yaml"), "-f", path_of("o.c1z"), NULL},
	                NULL, log);
	check_time(t0, "baton-file -i FIFO");
	if (status == 0 || !strstr(ex_log(log), "is a FIFO"))
		fail_msg("-i FIFO: exit %d: %s", status, ex_log(log));
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "%s/file-hostile-%ld", test_out_dir(), (long)getpid());
	mkdir(dir, 0755);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s <baton-file>\n", argv[0]);
		return 2;
	}
	file_bin = argv[1];
	/* a regression that blocks in open() dies here rather than at ctest's TIMEOUT */
	alarm(240 * (unsigned)test_time_scale());
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alias_bombs),
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_csv_encodings),
		cmocka_unit_test(test_yaml_json_encodings),
		cmocka_unit_test(test_parent_cycles),
		cmocka_unit_test(test_not_regular),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
