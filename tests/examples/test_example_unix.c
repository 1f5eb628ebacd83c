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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
