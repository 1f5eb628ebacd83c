/*
 * The YAML config file against hostile input (src/cli/yaml.c), in-process through
 * baton__cli_parse / baton__cli_validate, each case a generated family rather than one file:
 *  - nesting: flow and block sequences and mappings 1 ... 100,000 deep: up to 64 levels read,
 *    deeper refused naming the line, and every case answered quickly (libyaml's scanner alone
 *    is quadratic in flow nesting: 200 KB of brackets took minutes);
 *  - alias bombs ("billion laughs"): nested anchors of fan-out 2..10 over 1..40 levels, where the
 *    expansion is computed and the file must be read when it stays well under the bound and
 *    refused when well over it, in bounded time and memory; a big anchored scalar repeated in a
 *    list flag (the text bound); an alias inside its own anchor;
 *  - encoding: each class of malformed UTF-8 (overlong, surrogates, cut short, past U+10FFFF,
 *    0xFE/0xFF, a lone continuation byte) and a raw NUL, at each position of a line (key, value,
 *    quoted value, list item, map value, comment), refused naming line 3; NUL escapes
 *    ("\0", "\x00", "\u0000") refused rather than cutting the value short;
 *  - not regular files: a FIFO (no writer), a directory and devices as the config path and as a
 *    FILE field's path, refused at once (alarm() turns a regression that blocks into a failure).
 */
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "baton.h"
#include "cli/cli.h"

static const baton_field fields[] = {
	{.name = "name", .kind = BATON_FIELD_STRING},
	{.name = "groups", .kind = BATON_FIELD_STRING_LIST},
	{.name = "labels", .kind = BATON_FIELD_STRING_MAP},
	{.name = "cert", .kind = BATON_FIELD_FILE},
};
static const baton_config_schema schema = {
	.version = BATON_CONFIG_SCHEMA_VERSION, .fields = fields, .n_fields = sizeof(fields) / sizeof(fields[0]),
};
static int list_none(baton_ctx *ctx, const baton_resource_id *parent)
{
	(void)ctx;
	(void)parent;
	return 0;
}
static const baton_resource_syncer user_syncer = {
	.version = BATON_RESOURCE_SYNCER_VERSION, .name = "User", .id = "user", .list = list_none,
};
static const baton_resource_syncer *types[] = {&user_syncer};
static const baton_connector connector = {
	.version = BATON_CONNECTOR_VERSION, .display_name = "hostile", .resource_types = types,
	.n_resource_types = 1, .config = &schema,
};

static char dir[512];
static char msg[4096];

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *path_of(const char *name)
{
	static char buf[4][700];
	static unsigned n;
	char *p = buf[n++ % 4];
	snprintf(p, sizeof(buf[0]), "%s/%s", dir, name);
	return p;
}

/* Parses with BATON_CONFIG_PATH=path (and argv extra); the result, the message in msg, the
 * groups flag's item count in *n_groups (may be NULL). */
static int parse_path(const char *path, const char *const *extra, size_t *n_groups)
{
	baton__cli cli;
	char *argv[8] = {(char *)"hostile"};
	int argc = 1;
	for (size_t i = 0; extra && extra[i]; i++)
		argv[argc++] = (char *)extra[i];
	argv[argc] = NULL;
	setenv("BATON_CONFIG_PATH", path, 1);
	assert_int_equal(baton__cli_init(&cli, &connector), 0);
	int rc = baton__cli_parse(&cli, argc, argv);
	if (rc == 0)
		rc = baton__cli_validate(&cli);
	snprintf(msg, sizeof(msg), "%s", rc ? baton_error_last()->message : "");
	if (n_groups)
		*n_groups = baton__cli_list(&cli, "groups", NULL);
	baton__cli_free(&cli);
	unsetenv("BATON_CONFIG_PATH");
	return rc;
}

static int parse_text(const char *text, size_t len, size_t *n_groups)
{
	const char *p = path_of("c.yaml");
	FILE *f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
	double t0 = now_s();
	int rc = parse_path(p, NULL, n_groups);
	double took = now_s() - t0;
	if (took > 5.0 * test_time_scale())
		fail_msg("%zu bytes took %.1f s: %s", len, took, msg);
	return rc;
}

/* ---- buffers ----------------------------------------------------------------------------- */

/* ---- nesting ----------------------------------------------------------------------------- */

typedef enum { FLOW_SEQ, FLOW_MAP, BLOCK_SEQ, BLOCK_MAP, N_FORMS } form;
static const char *const form_names[] = {"flow sequence", "flow mapping", "block sequence", "block mapping"};

/* "other: <value nested d deep>" (other names no flag: read and ignored, as viper does). */
static void nested(test_buf *b, form f, size_t d)
{
	test_buf_puts(b, "name: x\nother:");
	switch (f) {
	case FLOW_SEQ:
		test_buf_puts(b, " ");
		for (size_t i = 0; i < d; i++)
			test_buf_puts(b, "[");
		for (size_t i = 0; i < d; i++)
			test_buf_puts(b, "]");
		break;
	case FLOW_MAP:
		test_buf_puts(b, " ");
		for (size_t i = 0; i < d; i++)
			test_buf_puts(b, "{a: ");
		test_buf_puts(b, "x");
		for (size_t i = 0; i < d; i++)
			test_buf_puts(b, "}");
		break;
	case BLOCK_SEQ:
		test_buf_puts(b, "\n ");
		for (size_t i = 0; i < d; i++)
			test_buf_puts(b, " -");
		test_buf_puts(b, " x");
		break;
	case BLOCK_MAP:
		for (size_t i = 0; i < d; i++) {
			test_buf_puts(b, "\n");
			for (size_t k = 0; k <= i; k++)
				test_buf_puts(b, " ");
			test_buf_puts(b, "a:");
		}
		test_buf_puts(b, " x");
		break;
	default:
		break;
	}
	test_buf_puts(b, "\n");
}

static void test_nesting(void **state)
{
	(void)state;
	static const size_t depths[] = {1, 10, 62, 63, 64, 65, 100, 1000, 10000, 100000};
	for (int f = 0; f < N_FORMS; f++) {
		for (size_t i = 0; i < sizeof(depths) / sizeof(depths[0]); i++) {
			size_t d = depths[i];
			if (f == BLOCK_MAP && d > 2000)
				continue; /* its indentation alone is quadratic in the depth */
			test_buf b = {0};
			nested(&b, (form)f, d);
			int rc = parse_text(b.p, b.n, NULL);
			/* the root mapping is one level */
			if (d + 1 <= BATON__YAML_MAX_DEPTH) {
				if (rc != 0)
					fail_msg("%s %zu deep: %s", form_names[f], d, msg);
			} else if (rc != BATON_EINVALID || !strstr(msg, "nested more than 64 levels deep") ||
			           !strstr(msg, "line ")) {
				fail_msg("%s %zu deep: rc %d: %s", form_names[f], d, rc, msg);
			}
			free(b.p);
		}
	}
}

/* ---- aliases ----------------------------------------------------------------------------- */

/*
 * l0: &l0 [x, x, ...]            fan-out f
 * l1: &l1 [*l0, *l0, ...]        ... levels L
 * The aliases stand for f * (n_0 + ... + n_{L-1}) nodes, n_0 = 1 + f, n_i = 1 + f n_{i-1}.
 */
static double bomb(test_buf *b, int f, int levels)
{
	double n = 1 + f, total = 0;
	test_buf_puts(b, "name: x\nl0: &l0 [");
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

static long max_rss_kb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static void test_alias_bombs(void **state)
{
	(void)state;
	static const int fans[] = {2, 3, 4, 8, 10};
	long rss0 = max_rss_kb();
	int refused = 0, read = 0;
	for (size_t fi = 0; fi < sizeof(fans) / sizeof(fans[0]); fi++) {
		for (int levels = 1; levels <= 40; levels++) {
			test_buf b = {0};
			double expands = bomb(&b, fans[fi], levels);
			int rc = parse_text(b.p, b.n, NULL);
			if (expands <= BATON__YAML_MAX_ALIAS_NODES / 2) {
				if (rc != 0)
					fail_msg("fan-out %d, %d levels (%.0f nodes): %s", fans[fi], levels, expands, msg);
				read++;
			} else if (expands > 2.0 * BATON__YAML_MAX_ALIAS_NODES) {
				if (rc != BATON_EINVALID || !strstr(msg, "aliases expand to more than"))
					fail_msg("fan-out %d, %d levels (%.3g nodes): rc %d: %s", fans[fi], levels, expands,
					         rc, msg);
				refused++;
			}
			free(b.p);
			if (expands > 1e12)
				break;
		}
	}
	assert_true(read >= 20 && refused >= 20);
	/* a big anchored scalar in a list flag, n times: the text bound */
	for (int n = 1; n <= 16384; n *= 4) {
		test_buf b = {0};
		test_buf_puts(&b, "big: &s \"");
		for (int i = 0; i < 1024; i++)
			test_buf_puts(&b, "x");
		test_buf_puts(&b, "\"\ngroups: [");
		for (int i = 0; i < n; i++)
			test_buf_puts(&b, i ? ", *s" : "*s");
		test_buf_puts(&b, "]\n");
		size_t n_groups = 0;
		int rc = parse_text(b.p, b.n, &n_groups);
		if ((size_t)n * 1024 <= BATON__YAML_MAX_ALIAS_BYTES / 2) {
			if (rc != 0 || n_groups != (size_t)n)
				fail_msg("%d aliases of 1 KiB: rc %d, %zu items: %s", n, rc, n_groups, msg);
		} else if ((size_t)n * 1024 > 2 * (size_t)BATON__YAML_MAX_ALIAS_BYTES) {
			if (rc != BATON_EINVALID || !strstr(msg, "aliases expand"))
				fail_msg("%d aliases of 1 KiB: rc %d: %s", n, rc, msg);
		}
		free(b.p);
	}
	/* an alias inside its own anchor (a loop), directly and through a level */
	static const char *const loops[] = {"a: &a [*a]\n", "a: &a {k: [x, *a]}\n", "a: &a [[[*a]]]\n"};
	for (size_t i = 0; i < sizeof(loops) / sizeof(loops[0]); i++) {
		assert_int_equal(parse_text(loops[i], strlen(loops[i]), NULL), BATON_EINVALID);
		assert_non_null(strstr(msg, "names no anchor"));
	}
	/* aliases that are plain reuse still work */
	const char *ok = "g: &g [a, b]\ngroups: *g\nn: &n x\nname: *n\n";
	size_t n_groups;
	assert_int_equal(parse_text(ok, strlen(ok), &n_groups), 0);
	assert_int_equal(n_groups, 2);
	/* memory: a bomb's copies are never made (the old limit was the machine's) */
	long grew_mb = (max_rss_kb() - rss0) / 1024;
	if (grew_mb > 256)
		fail_msg("memory grew by %ld MB", grew_mb);
}

/* ---- encoding ---------------------------------------------------------------------------- */

typedef struct bad_bytes {
	const char *name, *bytes;
	size_t len;
} bad_bytes;

#define BAD(n, b) {n, b, sizeof(b) - 1}
static const bad_bytes bads[] = {
	BAD("overlong 2", "\xC0\xAF"),       BAD("overlong 3", "\xE0\x80\xAF"),
	BAD("overlong 4", "\xF0\x80\x80\xAF"), BAD("surrogate D800", "\xED\xA0\x80"),
	BAD("surrogate DFFF", "\xED\xBF\xBF"), BAD("cut 2", "\xC3"),
	BAD("cut 3", "\xE2\x82"),             BAD("cut 4", "\xF0\x9F\x98"),
	BAD("continuation", "\x80"),          BAD("0xFE", "\xFE"),
	BAD("0xFF", "\xFF"),                  BAD("past 10FFFF", "\xF4\x90\x80\x80"),
	BAD("0xF5", "\xF5\x80\x80\x80"),      BAD("NUL", "\0"),
};

/* Line 3 with the bytes in each position. */
static const char *const places[][2] = {
	{"na", "me: x\n"},          /* in a key */
	{"name: ab", "cd\n"},       /* in a value */
	{"name: \"ab", "cd\"\n"},   /* in a quoted value */
	{"name: '", "'\n"},         /* alone in a single-quoted value */
	{"groups: [a, b", "]\n"},   /* in a list item */
	{"labels: {k: v", "}\n"},   /* in a map value */
	{"name: x # ", "\n"},       /* in a comment */
	{"", "name: x\n"},          /* at the start of the line */
};

static void test_encoding(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		for (size_t p = 0; p < sizeof(places) / sizeof(places[0]); p++) {
			test_buf b = {0};
			test_buf_puts(&b, "# hostile\nother: 1\n");
			test_buf_puts(&b, places[p][0]);
			test_buf_put(&b, bads[i].bytes, bads[i].len);
			test_buf_puts(&b, places[p][1]);
			int rc = parse_text(b.p, b.n, NULL);
			if (rc != BATON_EINVALID || !strstr(msg, "line 3 column ") || !strstr(msg, "UTF-8 text"))
				fail_msg("%s in place %zu: rc %d: %s", bads[i].name, p, rc, msg);
			free(b.p);
		}
	}
	/* NUL through an escape: refused, not cut short */
	static const char *const escapes[] = {"\\0", "\\x00", "\\u0000", "\\U00000000"};
	for (size_t i = 0; i < sizeof(escapes) / sizeof(escapes[0]); i++) {
		for (int where = 0; where < 4; where++) {
			test_buf b = {0};
			test_buf_puts(&b, "other: 1\n");
			if (where == 0)
				test_buf_printf(&b, "name: \"ab%scd\"\n", escapes[i]);
			else if (where == 1)
				test_buf_printf(&b, "groups: [a, \"%s\"]\n", escapes[i]);
			else if (where == 2)
				test_buf_printf(&b, "labels: {\"k%s\": v}\n", escapes[i]);
			else
				test_buf_printf(&b, "\"na%sme\": x\n", escapes[i]);
			int rc = parse_text(b.p, b.n, NULL);
			if (rc != BATON_EINVALID || !strstr(msg, "line 2 column ") || !strstr(msg, "NUL character"))
				fail_msg("%s at %d: rc %d: %s", escapes[i], where, rc, msg);
			free(b.p);
		}
	}
	/* well-formed text beyond ASCII is read as it is */
	const char *ok = "name: \"d\xC3\xA9j\xC3\xA0 \xE2\x82\xAC \xF0\x9F\x98\x80\"\n";
	assert_int_equal(parse_text(ok, strlen(ok), NULL), 0);
}

/* ---- not regular files ------------------------------------------------------------------- */

static void test_not_regular(void **state)
{
	(void)state;
	assert_int_equal(mkfifo(path_of("fifo.yaml"), 0600), 0);
	assert_int_equal(mkdir(path_of("dir.yaml"), 0755), 0);
	assert_int_equal(symlink("/dev/null", path_of("null.yaml")), 0);
	assert_int_equal(symlink("/dev/zero", path_of("zero.yaml")), 0);
	static const char *const names[][2] = {
		{"fifo.yaml", "is a FIFO"}, {"dir.yaml", "is a directory"},
		{"null.yaml", "is a character device"}, {"zero.yaml", "is a character device"},
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		double t0 = now_s();
		int rc = parse_path(path_of(names[i][0]), NULL, NULL);
		if (rc == 0 || !strstr(msg, names[i][1]) || !strstr(msg, "config file"))
			fail_msg("config %s: rc %d: %s", names[i][0], rc, msg);
		assert_true(now_s() - t0 < 2.0 * test_time_scale());
		/* and as a FILE field's path */
		char arg[800];
		snprintf(arg, sizeof(arg), "--cert=%s", path_of(names[i][0]));
		const char *extra[] = {arg, NULL};
		const char *p = path_of("empty.yaml");
		fclose(fopen(p, "w"));
		t0 = now_s();
		rc = parse_path(p, extra, NULL);
		if (rc != BATON_EINVALID || !strstr(msg, "field cert"))
			fail_msg("--cert %s: rc %d: %s", names[i][0], rc, msg);
		assert_true(now_s() - t0 < 2.0 * test_time_scale());
	}
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "%s/config-hostile-%ld", test_out_dir(), (long)getpid());
	mkdir(dir, 0755);
	setenv("BATON_LOG_LEVEL", "error", 1);
	return 0;
}

int main(void)
{
	/* a regression that blocks in open() dies here rather than at ctest's TIMEOUT */
	alarm(240 * (unsigned)test_time_scale());
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_alias_bombs),
		cmocka_unit_test(test_encoding),
		cmocka_unit_test(test_not_regular),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
