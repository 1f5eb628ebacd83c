/*
 * baton-unix end to end: runs build/bin/baton-unix (argv[1]) on the passwd/group/shadow files of
 * fixtures/unix (argv[2]) and checks every account and group in the c1z with the store (status
 * and its reason, account type, login, profile, primary and listed memberships); then on this
 * machine's own databases, checking that every account and group the C library enumerates is
 * in the file.
 */
#define _DEFAULT_SOURCE
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include "examples_util.h"

static const char *unix_bin;
static const char *fixtures;

static const char *fixture(const char *name)
{
	static char buf[3][4096];
	static unsigned n;
	char *p = buf[n++ % 3];

	snprintf(p, sizeof(buf[0]), "%s/%s", fixtures, name);
	return p;
}

static void expect_user(baton_store *s, baton_ctx *ctx, const char *id, const char *display,
                        baton_status status, const char *why, baton_account_type type)
{
	baton_resource *r = ex_resource(s, ctx, "user", id);
	baton_user_trait *ut = baton_resource_user_trait(r);
	const char *details = NULL;

	assert_non_null(ut);
	assert_string_equal(baton_resource_display_name(r), display);
	assert_string_equal(baton_user_trait_login(ut), id);
	if (baton_user_trait_status(ut, &details) != status)
		fail_msg("user %s: status %d, want %d", id, baton_user_trait_status(ut, NULL), status);
	assert_string_equal(details ? details : "", why);
	if (baton_user_trait_account_type(ut) != type)
		fail_msg("user %s: account type %d, want %d", id, baton_user_trait_account_type(ut), type);
}

static void test_files(void **state)
{
	(void)state;
	const char *c1z = ex_path("unix", "files.c1z");
	const char *log = ex_path("unix", "files.log");
	unlink(c1z);
	int status = ex_run((const char *const[]){unix_bin, "-f", c1z, "--passwd-file", fixture("passwd"),
	                                          "--group-file", fixture("group"), "--shadow-file",
	                                          fixture("shadow"), "--uid-min", "1000", NULL},
	                    NULL, log);
	if (status != 0) {
		fail_msg("baton-unix: exit %d\n%s", status, ex_log(log));
	}
	baton_store *s = ex_open(c1z);
	baton_store_counts c = ex_counts(s);
	baton_ctx *ctx;

	assert_int_equal(baton_ctx_new(&ctx), 0);
	assert_int_equal(c.resource_types, 2);
	assert_int_equal(c.resources, 8 + 9);
	assert_int_equal(c.entitlements, 9);
	assert_int_equal(c.grants, 13);

	expect_user(s, ctx, "root", "root", BATON_STATUS_ENABLED, "", BATON_ACCOUNT_TYPE_SYSTEM);
	expect_user(s, ctx, "daemon", "daemon", BATON_STATUS_DISABLED, "no-login shell", BATON_ACCOUNT_TYPE_SYSTEM);
	expect_user(s, ctx, "alice", "Alice Liddell", BATON_STATUS_ENABLED, "", BATON_ACCOUNT_TYPE_HUMAN);
	expect_user(s, ctx, "bob", "Bob", BATON_STATUS_DISABLED, "password locked", BATON_ACCOUNT_TYPE_HUMAN);
	expect_user(s, ctx, "carol", "Carol \"Quote\" Smith", BATON_STATUS_DISABLED, "account expired",
	            BATON_ACCOUNT_TYPE_HUMAN);
	expect_user(s, ctx, "dave", "dave", BATON_STATUS_DISABLED, "no-login shell", BATON_ACCOUNT_TYPE_HUMAN);
	expect_user(s, ctx, "erin", "Erin", BATON_STATUS_ENABLED, "", BATON_ACCOUNT_TYPE_HUMAN);
	expect_user(s, ctx, "nobody", "nobody", BATON_STATUS_DISABLED, "no-login shell", BATON_ACCOUNT_TYPE_SYSTEM);

	json_t *carol = ex_resource_json(s, "user", "carol");
	test_json_assert_str(carol, "annotations.0.profile.gecos", "Carol \"Quote\" Smith");
	test_json_assert_str(carol, "annotations.0.profile.home", "/home/carol");
	test_json_assert_str(carol, "annotations.0.profile.shell", "/bin/bash");
	assert_int_equal((int)json_number_value(test_json_get(carol, "annotations.0.profile.uid")), 1002);
	assert_int_equal((int)json_number_value(test_json_get(carol, "annotations.0.profile.gid")), 100);
	json_decref(carol);

	baton_resource *g = ex_resource(s, ctx, "group", "users");
	assert_true(baton_resource_has_trait(g, BATON_TRAIT_GROUP));
	baton_entitlement *e = ex_entitlement(s, ctx, "group:users:member");
	assert_int_equal(baton_entitlement_grantable_to_count(e), 1);
	assert_string_equal(baton_entitlement_grantable_to_at(e, 0), "user");

	/* primary members carry GrantMetadata {"primary": true}; listed ones do not */
	const char *primary[] = {"group:users:member:user:carol", "group:users:member:user:dave",
	                         "group:root:member:user:root", "group:alice:member:user:alice",
	                         "group:nogroup:member:user:nobody"};
	for (size_t i = 0; i < sizeof(primary) / sizeof(primary[0]); i++) {
		char *md = NULL;
		baton_grant *gr = ex_grant(s, ctx, primary[i]);
		if (baton_annotations_pick_json(baton_grant_annotations(gr), "c1.connector.v2.GrantMetadata",
		                                ctx, &md) != 0 || !strstr(md, "\"primary\""))
			fail_msg("%s: no primary metadata (%s)", primary[i], md ? md : "none");
	}
	const char *listed[] = {"group:users:member:user:alice", "group:sudo:member:user:alice",
	                        "group:sudo:member:user:bob", "group:staff:member:user:carol",
	                        "group:staff:member:user:dave"};
	for (size_t i = 0; i < sizeof(listed) / sizeof(listed[0]); i++) {
		baton_grant *gr = ex_grant(s, ctx, listed[i]);
		assert_false(baton_annotations_contains(baton_grant_annotations(gr), "c1.connector.v2.GrantMetadata"));
	}
	assert_false(ex_has_grant(s, "group:users:member:user:ghost")); /* listed, but no account */
	baton_ctx_free(ctx);
	baton_store_discard(s);
}

static size_t count_type(baton_store *s, const char *type)
{
	baton_store_query q = BATON_STORE_QUERY_INIT;
	baton_store_iter *it;
	baton_resource *r;
	size_t n = 0;
	int rc;

	q.resource_type_id = type;
	assert_int_equal(baton_store_list_resources(s, &q, &it), 0);
	while ((rc = baton_store_iter_next_resource(it, &r)) == 0)
		n++;
	assert_int_equal(rc, BATON_ITEROVER);
	baton_store_iter_free(it);
	return n;
}

/* This machine: what getpwent/getgrent enumerate (names deduplicated) is what the file holds. */
static void test_system(void **state)
{
	(void)state;
	const char *c1z = ex_path("unix", "system.c1z");
	const char *log = ex_path("unix", "system.log");
	unlink(c1z);
	int status = ex_run((const char *const[]){unix_bin, "-f", c1z, NULL}, NULL, log);
	if (status != 0) {
		fail_msg("baton-unix: exit %d\n%s", status, ex_log(log));
	}
	baton_store *s = ex_open(c1z);
	baton_ctx *ctx;
	json_t *seen = json_object();
	size_t users = 0, groups = 0;
	struct passwd *pw;
	struct group *gr;

	assert_int_equal(baton_ctx_new(&ctx), 0);
	setpwent();
	while ((pw = getpwent()) != NULL) {
		if (json_object_get(seen, pw->pw_name))
			continue;
		json_object_set_new(seen, pw->pw_name, json_true());
		users++;
		baton_user_trait *ut = baton_resource_user_trait(ex_resource(s, ctx, "user", pw->pw_name));
		assert_string_equal(baton_user_trait_login(ut), pw->pw_name);
	}
	endpwent();
	json_object_clear(seen);
	setgrent();
	while ((gr = getgrent()) != NULL) {
		if (json_object_get(seen, gr->gr_name))
			continue;
		json_object_set_new(seen, gr->gr_name, json_true());
		groups++;
		ex_resource(s, ctx, "group", gr->gr_name);
	}
	endgrent();
	assert_true(users > 0);
	assert_int_equal(count_type(s, "user"), users);
	assert_int_equal(count_type(s, "group"), groups);
	json_decref(seen);
	baton_ctx_free(ctx);
	baton_store_discard(s);
}

static void test_bad_file(void **state)
{
	(void)state;
	const char *c1z = ex_path("unix", "bad.c1z");
	const char *log = ex_path("unix", "bad.log");
	unlink(c1z);
	int status = ex_run((const char *const[]){unix_bin, "-f", c1z, "--passwd-file",
	                                          "/nonexistent/passwd", NULL}, NULL, log);
	const char *out = ex_log(log);
	if (status == 0 || !strstr(out, "/nonexistent/passwd"))
		fail_msg("exit %d, want a failure naming the file:\n%s", status, out);
	assert_int_equal(access(c1z, F_OK), -1);
}

/* A file given with --passwd-file, --group-file or --shadow-file is read whole or refused: the C
 * library's fgetpwent & co. skip a line they cannot parse without a word, so a wrong file (a CSV,
 * a directory) made an empty sync that exited 0; a FIFO made it wait for a writer forever. */
static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void expect_refused(const char *flag, const char *path, const char *needle)
{
	const char *c1z = ex_path("unix", "refused.c1z");
	const char *log = ex_path("unix", "refused.log");
	const char *argv[] = {unix_bin, "-f", c1z, "--passwd-file", fixture("passwd"), "--group-file",
	                      fixture("group"), "--shadow-file", fixture("shadow"), NULL, NULL, NULL};
	unlink(c1z);
	for (size_t i = 3; argv[i] != NULL; i += 2)
		if (strcmp(argv[i], flag) == 0)
			argv[i + 1] = path;
	int status = ex_run(argv, NULL, log);
	const char *out = ex_log(log);
	if (status == 0 || status >= 128 || !strstr(out, path) || !strstr(out, needle))
		fail_msg("%s %s: exit %d, want a failure naming the file and \"%s\":\n%s", flag, path, status,
		         needle, out);
	if (access(c1z, F_OK) == 0)
		fail_msg("%s %s: a c1z was written", flag, path);
}

static void test_bad_content(void **state)
{
	(void)state;
	/* ex_path's ring is shorter than the paths in use here: copies */
	char garbage[4096], bad_passwd[4096], bad_group[4096], bad_shadow[4096], empty[4096], fifo[4096];

	snprintf(garbage, sizeof(garbage), "%s", ex_path("unix", "garbage.csv"));
	snprintf(bad_passwd, sizeof(bad_passwd), "%s", ex_path("unix", "bad-passwd"));
	snprintf(bad_group, sizeof(bad_group), "%s", ex_path("unix", "bad-group"));
	snprintf(bad_shadow, sizeof(bad_shadow), "%s", ex_path("unix", "bad-shadow"));
	snprintf(empty, sizeof(empty), "%s", ex_path("unix", "empty"));
	snprintf(fifo, sizeof(fifo), "%s", ex_path("unix", "fifo"));

	write_text(garbage, "name,uid,shell\nalice,1000,/bin/bash\n");
	write_text(bad_passwd, "root:x:0:0:root:/root:/bin/bash\n# a comment\n\nthis is not a passwd line\n"
	                       "alice:x:1000:1000:Alice:/home/alice:/bin/bash\n");
	write_text(bad_group, "root:x:0:\nstaff:x:50:alice\nbroken\n");
	write_text(bad_shadow, "root:*:19000:0:99999:7:::\nbob\n");
	write_text(empty, "# nothing but a comment\n\n");
	unlink(fifo);
	assert_int_equal(mkfifo(fifo, 0600), 0);

	expect_refused("--passwd-file", garbage, "line 1");
	expect_refused("--passwd-file", bad_passwd, "line 4");
	expect_refused("--group-file", bad_group, "line 3");
	expect_refused("--shadow-file", bad_shadow, "line 2");
	expect_refused("--passwd-file", empty, "no entry");
	expect_refused("--group-file", empty, "no entry");
	expect_refused("--passwd-file", fixtures, "is a directory");
	expect_refused("--group-file", fifo, "is a FIFO");
	unlink(garbage);
	unlink(bad_passwd);
	unlink(bad_group);
	unlink(bad_shadow);
	unlink(empty);
	unlink(fifo);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s <baton-unix> <fixtures/unix dir>\n", argv[0]);
		return 2;
	}
	unix_bin = argv[1];
	fixtures = argv[2];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_system),
		cmocka_unit_test(test_bad_file),
		cmocka_unit_test(test_bad_content),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
