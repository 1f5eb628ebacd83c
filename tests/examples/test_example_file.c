/*
 * baton-file end to end: runs build/bin/baton-file (argv[1]) on the shipped example files
 * (argv[2] = examples/file) and on generated ones, and checks the c1z with the store: types and
 * traits, users (status, type, email, last login, profile), parents and ChildResourceType,
 * entitlements, grants with GrantExpandable and what expansion made of them, CSV tables, paging,
 * skipped rows, and the errors. The loader is also tested in-process (CSV and YAML corners).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "examples_util.h"
#include "file.h"

static const char *file_bin;
static const char *example_dir;

static const char *example(const char *name)
{
	static char buf[4][4096];
	static unsigned n;
	char *p = buf[n++ % 4];

	snprintf(p, sizeof(buf[0]), "%s/%s", example_dir, name);
	return p;
}

/* Runs baton-file with these arguments (after the program) into a new c1z; asserts exit 0. */
static const char *sync_file(const char *name, const char *const *args)
{
	const char *c1z = ex_path("file", name);
	const char *log = ex_path("file", "log");
	const char *argv[16] = {file_bin, "-f", c1z, "--log-level", "warn"};
	size_t n = 5;

	unlink(c1z);
	for (size_t i = 0; args[i]; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	int status = ex_run(argv, NULL, log);
	if (status != 0) {
		fail_msg("baton-file %s: exit %d\n%s", args[0], status, ex_log(log));
	}
	return c1z;
}

static void check_example(const char *c1z)
{
	baton_store *s = ex_open(c1z);
	baton_ctx *ctx;
	baton_store_counts c = ex_counts(s);
	const char *details;
	baton_timestamp t;

	assert_int_equal(baton_ctx_new(&ctx), 0);
	assert_int_equal(c.resource_types, 4); /* user, team, app, role */
	assert_int_equal(c.resources, 10);
	assert_int_equal(c.entitlements, 6);
	assert_int_equal(c.grants, 16);        /* 8 in the file, 8 from expansion */

	baton_resource_type *rt = NULL;
	assert_int_equal(baton_store_get_resource_type(s, NULL, "team", ctx, &rt), 0);
	assert_string_equal(baton_resource_type_display_name(rt), "Team");
	assert_true(baton_resource_type_has_trait(rt, BATON_TRAIT_GROUP));
	assert_int_equal(baton_store_get_resource_type(s, NULL, "role", ctx, &rt), 0);
	assert_true(baton_resource_type_has_trait(rt, BATON_TRAIT_ROLE));

	/* users */
	baton_user_trait *ut = baton_resource_user_trait(ex_resource(s, ctx, "user", "alice"));
	assert_non_null(ut);
	assert_int_equal(baton_user_trait_status(ut, NULL), BATON_STATUS_ENABLED);
	assert_string_equal(baton_user_trait_email_at(ut, 0, NULL), "alice@example.com");
	assert_true(baton_user_trait_last_login(ut, &t));
	assert_int_equal(t.seconds, 1743465600); /* 2025-04-01T00:00:00Z */
	ut = baton_resource_user_trait(ex_resource(s, ctx, "user", "ursula"));
	assert_int_equal(baton_user_trait_status(ut, &details), BATON_STATUS_DISABLED);
	assert_int_equal(baton_user_trait_account_type(ut), BATON_ACCOUNT_TYPE_HUMAN);
	ut = baton_resource_user_trait(ex_resource(s, ctx, "user", "svc-deploy"));
	assert_int_equal(baton_user_trait_account_type(ut), BATON_ACCOUNT_TYPE_SERVICE);
	assert_string_equal(baton_resource_display_name(ex_resource(s, ctx, "user", "svc-deploy")),
	                    "Deploy Bot");
	json_t *alice = ex_resource_json(s, "user", "alice");
	test_json_assert_str(alice, "annotations.0.profile.department", "IT");
	/* an unquoted YAML number in a profile stays a number, as upstream's yaml.v3 gives it */
	assert_true(json_is_number(test_json_get(alice, "annotations.0.profile.employee_id")));
	json_decref(alice);

	/* resources, parents, children */
	baton_resource *r = ex_resource(s, ctx, "team", "staff");
	assert_string_equal(baton_resource_display_name(r), "All Staff");
	assert_string_equal(baton_resource_description(r), "Everybody, including the other teams");
	assert_true(baton_resource_has_trait(r, BATON_TRAIT_GROUP));
	baton_resource_id parent;
	r = ex_resource(s, ctx, "role", "billing-admin");
	assert_true(baton_resource_has_trait(r, BATON_TRAIT_ROLE));
	assert_true(baton_resource_get_parent(r, &parent));
	assert_string_equal(parent.resource_type, "app");
	assert_string_equal(parent.resource, "billing");
	r = ex_resource(s, ctx, "app", "billing");
	assert_true(baton_resource_has_trait(r, BATON_TRAIT_APP));
	assert_false(baton_resource_get_parent(r, &parent));
	char *child = NULL;
	assert_int_equal(baton_annotations_pick_json(baton_resource_annotations(r),
	                                             "c1.connector.v2.ChildResourceType", ctx, &child), 0);
	assert_non_null(strstr(child, "\"role\""));

	/* entitlements */
	baton_entitlement *e = ex_entitlement(s, ctx, "app:billing:access");
	assert_string_equal(baton_entitlement_display_name(e), "Billing access");
	assert_string_equal(baton_entitlement_description(e), "Can sign in to Billing");
	assert_int_equal(baton_entitlement_purpose_of(e), BATON_PURPOSE_ASSIGNMENT);
	assert_string_equal(baton_entitlement_slug(e), "access");

	/* grants: direct, expandable, expanded */
	ex_grant(s, ctx, "team:admins:member:user:alice");
	ex_grant(s, ctx, "app:billing:access:user:svc-deploy");
	baton_grant *g = ex_grant(s, ctx, "team:staff:member:team:admins");
	const char *const *ids;
	size_t n;
	assert_int_equal(baton_grant_expandable(g, ctx, &ids, &n, NULL, NULL, NULL), 0);
	assert_int_equal(n, 1);
	assert_string_equal(ids[0], "team:admins:member");
	/* alice is staff through admins, and a billing viewer through staff */
	g = ex_grant(s, ctx, "team:staff:member:user:alice");
	assert_true(baton_grant_source_count(g) >= 1);
	bool found = false;
	for (size_t i = 0; i < baton_grant_source_count(g); i++)
		found = found || !strcmp(baton_grant_source_at(g, i, NULL), "team:admins:member");
	assert_true(found);
	ex_grant(s, ctx, "role:billing-viewer:assignment:user:dave");
	ex_grant(s, ctx, "role:billing-admin:assignment:user:alice");
	assert_false(ex_has_grant(s, "role:billing-admin:assignment:user:dave"));
	/* a user principal given by name is no expandable grant */
	g = ex_grant(s, ctx, "team:admins:member:user:alice");
	assert_int_equal(baton_grant_expandable(g, ctx, NULL, NULL, NULL, NULL, NULL), BATON_ENOTFOUND);

	baton_ctx_free(ctx);
	baton_store_discard(s);
}

static void test_yaml(void **state)
{
	(void)state;
	check_example(sync_file("yaml.c1z", (const char *const[]){"-i", example("example.yaml"), NULL}));
}

/* Collects one listing's packed rows as "id\tbase64-ish hex" lines, sorted, for comparison. */
static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *hex(const uint8_t *d, size_t n)
{
	char *s = malloc(n * 2 + 1);
	for (size_t i = 0; i < n; i++)
		sprintf(s + i * 2, "%02x", d[i]);
	s[n * 2] = '\0';
	return s;
}

static char *rows_fingerprint(const char *c1z)
{
	baton_store *s = ex_open(c1z);
	baton_store_query q = BATON_STORE_QUERY_INIT;
	baton_store_iter *it;
	baton_ctx *ctx;
	char **rows = NULL;
	size_t n = 0, cap = 0, total = 1;

	assert_int_equal(baton_ctx_new(&ctx), 0);
	for (int kind = 0; kind < 4; kind++) {
		const uint8_t *d;
		size_t len;
		int rc;
		switch (kind) {
		case 0: assert_int_equal(baton_store_list_resource_types(s, &q, &it), 0); break;
		case 1: assert_int_equal(baton_store_list_resources(s, &q, &it), 0); break;
		case 2: assert_int_equal(baton_store_list_entitlements(s, &q, &it), 0); break;
		default: assert_int_equal(baton_store_list_grants(s, &q, &it), 0); break;
		}
		for (;;) {
			baton_resource_type *rt;
			baton_resource *r;
			baton_entitlement *e;
			baton_grant *g;
			switch (kind) {
			case 0:
				rc = baton_store_iter_next_resource_type(it, &rt);
				if (rc == 0)
					rc = baton_resource_type_pack(rt, ctx, &d, &len);
				break;
			case 1:
				rc = baton_store_iter_next_resource(it, &r);
				if (rc == 0)
					rc = baton_resource_pack(r, ctx, &d, &len);
				break;
			case 2:
				rc = baton_store_iter_next_entitlement(it, &e);
				if (rc == 0)
					rc = baton_entitlement_pack(e, ctx, &d, &len);
				break;
			default:
				rc = baton_store_iter_next_grant(it, &g);
				if (rc == 0)
					rc = baton_grant_pack(g, ctx, &d, &len);
				break;
			}
			if (rc == BATON_ITEROVER)
				break;
			assert_int_equal(rc, 0);
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				rows = realloc(rows, cap * sizeof(*rows));
			}
			rows[n] = hex(d, len);
			total += strlen(rows[n]) + 1;
			n++;
		}
		baton_store_iter_free(it);
	}
	qsort(rows, n, sizeof(*rows), cmp_str);
	char *out = malloc(total), *p = out;
	for (size_t i = 0; i < n; i++) {
		p += sprintf(p, "%s\n", rows[i]);
		free(rows[i]);
	}
	*p = '\0';
	free(rows);
	baton_ctx_free(ctx);
	baton_store_discard(s);
	return out;
}

/* example.json holds what example.yaml holds: the two files give the same rows, byte for byte. */
static void test_json_same_as_yaml(void **state)
{
	(void)state;
	const char *y = sync_file("y.c1z", (const char *const[]){"-i", example("example.yaml"), NULL});
	char *fy = rows_fingerprint(y);
	const char *j = sync_file("j.c1z", (const char *const[]){"--input", example("example.json"), NULL});
	check_example(j);
	char *fj = rows_fingerprint(j);
	assert_string_equal(fy, fj);
	free(fy);
	free(fj);
}

static void test_csv_tables(void **state)
{
	(void)state;
	const char *c1z = sync_file("csv.c1z", (const char *const[]){
		"-i", example("example.yaml"), "--users-csv", example("example.csv"),
		"--grants-csv", example("example-grants.csv"), NULL});
	baton_store *s = ex_open(c1z);
	baton_ctx *ctx;
	baton_timestamp t;

	assert_int_equal(baton_ctx_new(&ctx), 0);
	assert_int_equal(ex_counts(s).resources, 13);
	json_t *erin = ex_resource_json(s, "user", "erin");
	test_json_assert_str(erin, "annotations.0.profile.title", "Engineer, Platform"); /* quoted comma */
	test_json_assert_str(erin, "annotations.0.profile.department", "Engineering");
	json_decref(erin);
	baton_user_trait *ut = baton_resource_user_trait(ex_resource(s, ctx, "user", "erin"));
	assert_true(baton_user_trait_last_login(ut, &t));
	assert_int_equal(t.seconds, 1747699200); /* 2025-05-20 */
	ut = baton_resource_user_trait(ex_resource(s, ctx, "user", "frank"));
	assert_int_equal(baton_user_trait_status(ut, NULL), BATON_STATUS_DISABLED);
	ut = baton_resource_user_trait(ex_resource(s, ctx, "user", "svc-report"));
	assert_int_equal(baton_user_trait_account_type(ut), BATON_ACCOUNT_TYPE_SERVICE);
	assert_int_equal(baton_user_trait_email_count(ut), 0);
	ex_grant(s, ctx, "team:developers:member:user:erin");
	ex_grant(s, ctx, "team:staff:member:user:erin");             /* expanded through developers */
	ex_grant(s, ctx, "role:billing-viewer:assignment:user:frank"); /* expanded through staff */
	ex_grant(s, ctx, "app:billing:access:user:svc-report");
	baton_ctx_free(ctx);
	baton_store_discard(s);

	/* a CSV as the input: a users table alone */
	c1z = sync_file("csv-only.c1z", (const char *const[]){"-i", example("example.csv"), NULL});
	s = ex_open(c1z);
	baton_store_counts c = ex_counts(s);
	assert_int_equal(c.resource_types, 1);
	assert_int_equal(c.resources, 3);
	assert_int_equal(c.grants, 0);
	baton_store_discard(s);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* More rows than a page (50) everywhere: users, children of one parent, grants on one resource. */
static void test_paging(void **state)
{
	(void)state;
	const char *in = ex_path("file", "big.yaml");
	FILE *f = fopen(in, "w");
	assert_non_null(f);
	fprintf(f, "users:\n");
	for (int i = 0; i < 130; i++)
		fprintf(f, "  - {name: u%03d, display_name: User %d}\n", i, i);
	fprintf(f, "resources:\n  - {resource_type: org, resource_function: group, name: root, display_name: Root}\n");
	for (int i = 0; i < 120; i++)
		fprintf(f, "  - {resource_type: project, name: p%03d, display_name: P%d, parent_resource: root}\n", i, i);
	fprintf(f, "entitlements:\n  - {resource_name: root, entitlement: member}\n");
	for (int i = 0; i < 60; i++)
		fprintf(f, "  - {resource_name: root, entitlement: e%02d}\n", i);
	fprintf(f, "grants:\n");
	for (int i = 0; i < 130; i++)
		fprintf(f, "  - {principal: u%03d, entitlement_id: 'root:member'}\n", i);
	fclose(f);

	const char *c1z = sync_file("big.c1z", (const char *const[]){"-i", in, NULL});
	baton_store *s = ex_open(c1z);
	baton_store_counts c = ex_counts(s);
	assert_int_equal(c.resource_types, 3);
	assert_int_equal(c.resources, 130 + 1 + 120);
	assert_int_equal(c.entitlements, 61);
	assert_int_equal(c.grants, 130);
	baton_ctx *ctx;
	assert_int_equal(baton_ctx_new(&ctx), 0);
	baton_resource_id parent;
	assert_true(baton_resource_get_parent(ex_resource(s, ctx, "project", "p119"), &parent));
	assert_string_equal(parent.resource, "root");
	/* no trait: the type has none */
	baton_resource_type *rt;
	assert_int_equal(baton_store_get_resource_type(s, NULL, "project", ctx, &rt), 0);
	assert_int_equal(baton_resource_type_trait_count(rt), 0);
	baton_ctx_free(ctx);
	baton_store_discard(s);
}

/* Rows upstream skips are skipped with a warning; the sync succeeds. */
static void test_skipped_rows(void **state)
{
	(void)state;
	const char *in = ex_path("file", "skips.json");
	write_file(in, "{\"users\": [{\"name\": \"a\"}, {\"name\": \"a\", \"display_name\": \"again\"},"
	               " {\"name\": \"\"}, {\"name\": \"b\", \"status\": \"weird\", \"last_login\": \"2025-01-01\"}],"
	               " \"resources\": [{\"resource_type\": \"Team\", \"resource_function\": \"GROUP\", \"name\": \"t\","
	               "   \"parent_resource\": \"nowhere\"}],"
	               " \"entitlements\": [{\"resource_name\": \"t\", \"entitlement\": \"member\"},"
	               "   {\"resource_name\": \"t\", \"entitlement\": \"member\"},"
	               "   {\"resource_name\": \"ghost\", \"entitlement\": \"member\"}],"
	               " \"grants\": [{\"principal\": \"a\", \"entitlement_id\": \"t:member\"},"
	               "   {\"principal\": \"a\", \"entitlement_id\": \"t:member\"},"
	               "   {\"principal\": \"nobody\", \"entitlement_id\": \"t:member\"},"
	               "   {\"principal\": \"b\", \"entitlement_id\": \"t:owner\"}]}");
	const char *c1z = ex_path("file", "skips.c1z");
	const char *log = ex_path("file", "skips.log");
	unlink(c1z);
	int status = ex_run((const char *const[]){file_bin, "-i", in, "-f", c1z, NULL}, NULL, log);
	const char *out = ex_log(log);
	if (status != 0)
		fail_msg("exit %d\n%s", status, out);
	const char *want[] = {"already used", "empty name", "unknown status", "not MM/DD/YYYY",
	                      "no parent resource named nowhere", "defined twice", "no resource named ghost",
	                      "given twice", "\\\"nobody\\\"", "no entitlement \\\"t:owner\\\""};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!strstr(out, want[i]))
			fail_msg("no warning with \"%s\" in\n%s", want[i], out);
	baton_store *s = ex_open(c1z);
	baton_store_counts c = ex_counts(s);
	assert_int_equal(c.resources, 3);
	assert_int_equal(c.entitlements, 1);
	assert_int_equal(c.grants, 1);
	baton_ctx *ctx;
	assert_int_equal(baton_ctx_new(&ctx), 0);
	/* type ids are lower-cased, the trait case-insensitive, the display name title-cased */
	baton_resource_type *rt;
	assert_int_equal(baton_store_get_resource_type(s, NULL, "team", ctx, &rt), 0);
	assert_true(baton_resource_type_has_trait(rt, BATON_TRAIT_GROUP));
	/* the first row wins */
	assert_string_equal(baton_resource_display_name(ex_resource(s, ctx, "user", "a")), "a");
	baton_ctx_free(ctx);
	baton_store_discard(s);
}

/* Runs baton-file expecting failure; returns its output (static, see ex_log). */
static const char *fail_run(const char *const *args, int *status)
{
	const char *c1z = ex_path("file", "fail.c1z");
	const char *log = ex_path("file", "fail.log");
	const char *argv[12] = {file_bin, "-f", c1z};
	size_t n = 3;

	unlink(c1z);
	for (size_t i = 0; args[i]; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	*status = ex_run(argv, NULL, log);
	assert_int_equal(access(c1z, F_OK), -1); /* nothing written */
	return ex_log(log);
}

static void expect_failure(const char *const *args, const char *needle)
{
	int status;
	const char *out = fail_run(args, &status);

	if (status == 0 || !strstr(out, needle))
		fail_msg("exit %d, want failure with \"%s\" in\n%s", status, needle, out);
}

static void test_errors(void **state)
{
	(void)state;
	char bad_yaml[4096], bad_top[4096], bad_profile[4096], txt[4096], empty[4096];

	/* copies: ex_path() reuses its buffers */
	snprintf(bad_yaml, sizeof(bad_yaml), "%s", ex_path("file", "bad.yaml"));
	snprintf(bad_top, sizeof(bad_top), "%s", ex_path("file", "top.json"));
	snprintf(bad_profile, sizeof(bad_profile), "%s", ex_path("file", "profile.yaml"));
	snprintf(txt, sizeof(txt), "%s", ex_path("file", "x.txt"));
	snprintf(empty, sizeof(empty), "%s", ex_path("file", "empty.yaml"));

	write_file(bad_yaml, "users:\n  - name: a\n    display_name: [unclosed\n");
	write_file(bad_top, "[1, 2]");
	write_file(bad_profile, "users:\n  - name: a\n    profile: just text\n");
	write_file(txt, "x");
	write_file(empty, "# nothing\n");
	expect_failure((const char *const[]){NULL}, "required flag(s) \"input\" not set");
	expect_failure((const char *const[]){"-i", "/nonexistent/in.yaml", NULL}, "/nonexistent/in.yaml");
	expect_failure((const char *const[]){"-i", txt, NULL}, "unsupported file type");
	expect_failure((const char *const[]){"-i", bad_yaml, NULL}, "line 4");
	expect_failure((const char *const[]){"-i", bad_top, NULL}, "top level must be a mapping");
	expect_failure((const char *const[]){"-i", bad_profile, NULL}, "users[0]: \"profile\" must be a mapping");
	expect_failure((const char *const[]){"-i", empty, NULL}, "no users and no resources");
	expect_failure((const char *const[]){"-i", example("example.yaml"), "--grants-csv",
	                                     example("example.csv"), NULL}, "needs the columns");
}

/* The environment and the config file name the input as well as the flag does. */
static void test_input_from_env(void **state)
{
	(void)state;
	const char *c1z = ex_path("file", "env.c1z");
	char env_in[4200];
	snprintf(env_in, sizeof(env_in), "BATON_INPUT=%s", example("example.json"));
	unlink(c1z);
	int status = ex_run((const char *const[]){file_bin, "-f", c1z, NULL},
	                    (const char *const[]){env_in, NULL}, NULL);
	assert_int_equal(status, 0);
	check_example(c1z);
}

/* ---- the loader, in-process ---------------------------------------------------------------- */

static void test_csv_corners(void **state)
{
	(void)state;
	const char *csv = ex_path("file", "corners.csv");
	/* a BOM, CRLF, a quoted newline, escaped quotes, a blank line, a short row, spaces */
	write_file(csv, "\xEF\xBB\xBFname, Display Name ,EMAIL,profile.Note,Ignored\r\n"
	                "a,\"Line\none\",a@x,\"say \"\"hi\"\"\",z\r\n"
	                "\r\n"
	                "  b  ,B\r\n");
	json_t *doc = json_object();
	assert_int_equal(file_load_csv(csv, FILE_CSV_USERS, doc), 0);
	json_t *users = json_object_get(doc, "users");
	assert_int_equal(json_array_size(users), 2);
	test_json_assert_str(doc, "users.0.name", "a");
	test_json_assert_str(doc, "users.0.display_name", "Line\none");
	test_json_assert_str(doc, "users.0.email", "a@x");
	test_json_assert_str(doc, "users.0.profile.note", "say \"hi\"");
	assert_null(json_object_get(json_array_get(users, 0), "ignored"));
	test_json_assert_str(doc, "users.1.name", "b");
	assert_int_equal(json_integer_value(test_json_get(doc, "users.1._line")), 5);
	json_decref(doc);

	write_file(csv, "name,display name\n\"a,b\n");
	doc = json_object();
	assert_int_equal(file_load_csv(csv, FILE_CSV_USERS, doc), BATON_EINVALID);
	assert_non_null(strstr(baton_error_last()->message, "unterminated"));
	json_decref(doc);

	/* more cells than the header has names: an unquoted comma in a value ("Smith, Jr.") shifts
	 * every cell after it, so the row is refused rather than read into the wrong columns;
	 * trailing empty cells (a spreadsheet's export) are fine */
	write_file(csv, "name,display name,email\nc,C,c@x,,\nalice,Alice Smith, Jr.,alice@x\n");
	doc = json_object();
	assert_int_equal(file_load_csv(csv, FILE_CSV_USERS, doc), BATON_EINVALID);
	if (!strstr(baton_error_last()->message, "line 3") || !strstr(baton_error_last()->message, "4 cells"))
		fail_msg("%s", baton_error_last()->message);
	json_decref(doc);
	write_file(csv, "name,display name,email\nc,C,c@x,,\n");
	doc = json_object();
	assert_int_equal(file_load_csv(csv, FILE_CSV_USERS, doc), 0);
	test_json_assert_str(doc, "users.0.email", "c@x");
	json_decref(doc);
}

static void test_yaml_scalars(void **state)
{
	(void)state;
	const char *y = "users:\n"
	                "  - name: 123\n"
	                "    display_name: true\n"
	                "    email: ~\n"
	                "    profile: {n: 42, f: 1.5, b: false, s: '42', d: 04/01/2025, z: null}\n";
	json_t *j = NULL;
	assert_int_equal(file_yaml_to_json("t", y, strlen(y), &j), 0);
	test_json_assert_str(j, "users.0.name", "123");          /* text fields keep their text */
	test_json_assert_str(j, "users.0.display_name", "true");
	assert_true(json_is_null(test_json_get(j, "users.0.email")));
	assert_int_equal(json_integer_value(test_json_get(j, "users.0.profile.n")), 42);
	assert_true(json_is_real(test_json_get(j, "users.0.profile.f")));
	assert_true(json_is_false(test_json_get(j, "users.0.profile.b")));
	test_json_assert_str(j, "users.0.profile.s", "42");
	test_json_assert_str(j, "users.0.profile.d", "04/01/2025");
	assert_true(json_is_null(test_json_get(j, "users.0.profile.z")));
	json_decref(j);

	const char *dup = "users: []\nusers: []\n";
	assert_int_equal(file_yaml_to_json("t", dup, strlen(dup), &j), BATON_EINVALID);
	assert_non_null(strstr(baton_error_last()->message, "already defined"));
	/* anchors and aliases resolve */
	const char *alias = "resources:\n  - &r {resource_type: team, name: a}\n  - *r\n";
	assert_int_equal(file_yaml_to_json("t", alias, strlen(alias), &j), 0);
	test_json_assert_str(j, "resources.1.name", "a");
	json_decref(j);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s <baton-file> <examples/file dir>\n", argv[0]);
		return 2;
	}
	file_bin = argv[1];
	example_dir = argv[2];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_yaml),
		cmocka_unit_test(test_json_same_as_yaml),
		cmocka_unit_test(test_csv_tables),
		cmocka_unit_test(test_paging),
		cmocka_unit_test(test_skipped_rows),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_input_from_env),
		cmocka_unit_test(test_csv_corners),
		cmocka_unit_test(test_yaml_scalars),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
