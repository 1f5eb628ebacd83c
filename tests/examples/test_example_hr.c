/*
 * baton-hr (examples/hr, the connector of docs/first-connector.md) end to end: runs the binary
 * (argv[1]) on a copy of examples/hr/hr.json (argv[2]) and checks with the store what the
 * walkthrough promises: the counts, paging, the grants expansion made through nested teams and
 * the app, then the grant and revoke one-shots -- a direct revoke, a revoke of a grant that came
 * through a team (FailedPrecondition naming the team, the data file untouched), a grant that is
 * both direct and inherited, "already granted" / "already revoked", account creation -- and a
 * second sync that shows their effect.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "examples_util.h"

static const char *hr_bin;
static const char *hr_json; /* the shipped data file */
static char data[4096];     /* the test's copy, changed by the one-shots */

static void copy_file(const char *from, const char *to)
{
	char *bytes = ex_slurp(from);
	FILE *f = fopen(to, "wb");

	assert_non_null(f);
	assert_true(*bytes != '\0');
	fputs(bytes, f);
	fclose(f);
	free(bytes);
}

/* Runs baton-hr with the data file and the arguments; the output (stdout+stderr) in *out. */
static int hr_run(const char *const *args, char **out)
{
	const char *log = ex_path("hr", "log");
	const char *argv[24] = {hr_bin, "--hr-file", data};
	size_t n = 3;

	for (size_t i = 0; args[i]; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	int status = ex_run(argv, NULL, log);
	*out = ex_slurp(log);
	return status;
}

static size_t count_of(const char *haystack, const char *needle)
{
	size_t n = 0;

	for (const char *p = haystack; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

/* Syncs into a c1z of that name; its path (static storage per name) is returned. */
static const char *sync_into(const char *name, const char *page_size, char **out)
{
	static char paths[3][4096];
	static unsigned next;
	char *c1z = paths[next++ % 3];

	snprintf(c1z, sizeof(paths[0]), "%s", ex_path("hr", name)); /* ex_path's ring is short-lived */
	const char *args[] = {"-f", c1z, "--page-size", page_size, "--log-level", "info", NULL};

	unlink(c1z);
	int status = hr_run(args, out);
	if (status != 0)
		fail_msg("baton-hr sync: exit %d\n%s", status, *out);
	return c1z;
}

static void assert_grant(baton_store *s, const char *id, bool direct, const char *inherited_from)
{
	baton_ctx *ctx;
	assert_int_equal(baton_ctx_new(&ctx), 0);
	baton_grant *g = ex_grant(s, ctx, id);
	if (baton_grant_is_direct(g) != direct)
		fail_msg("%s: direct should be %d", id, direct);
	const char *via = baton_grant_inherited_from(g);
	if (inherited_from == NULL && via != NULL)
		fail_msg("%s: inherited from %s, should not be inherited", id, via);
	if (inherited_from != NULL && (via == NULL || strcmp(via, inherited_from) != 0))
		fail_msg("%s: inherited from %s, should be %s", id, via ? via : "(nothing)", inherited_from);
	baton_ctx_free(ctx);
}

/* A provisioning one-shot on `c1z`: its exit status, and a needle its output must hold. */
static void one_shot(const char *c1z, const char *const *args, int want_status, const char *needle)
{
	const char *argv[16] = {"-f", c1z};
	size_t n = 2;
	char *out;

	for (size_t i = 0; args[i]; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	int status = hr_run(argv, &out);
	if (status != want_status || strstr(out, needle) == NULL) {
		static char msg[8192];
		snprintf(msg, sizeof(msg), "%s %s: exit %d (want %d), want \"%s\" in\n%s", args[0], args[1], status,
		         want_status, needle, out);
		free(out);
		fail_msg("%s", msg);
	}
	free(out);
}

static void test_sync(void **state)
{
	(void)state;
	char *out;
	const char *c1z = sync_into("first.c1z", "7", &out);

	/* paging: 30 users in pages of 7 is 5 pages, each one a callback call with its token */
	assert_int_equal(count_of(out, "listed a page of users"), 5);
	assert_non_null(strstr(out, "items 28..30 of 30"));
	assert_int_equal(count_of(out, "listed a page of teams"), 1);
	free(out);

	baton_store *s = ex_open(c1z);
	baton_store_counts c = ex_counts(s);
	assert_int_equal(c.resource_types, 3);
	assert_int_equal(c.resources, 36); /* 30 users, 5 teams, 1 app */
	assert_int_equal(c.entitlements, 7); /* a member per team, user and admin on the app */
	assert_int_equal(c.grants, 89);      /* 33 from the file, 56 from expansion */

	/* direct grants: as the connector emitted them */
	assert_grant(s, "team:eng:member:user:u03", true, NULL);
	assert_grant(s, "team:company:member:team:eng", true, NULL);
	/* through a team in a team: u07 is in backend, backend in eng, eng in company */
	assert_grant(s, "team:company:member:user:u07", false, "team:eng:member");
	assert_grant(s, "team:eng:member:user:u07", false, "team:backend:member");
	/* both: u06 is in eng itself and through backend */
	assert_grant(s, "team:eng:member:user:u06", true, "team:backend:member");
	/* the app's user entitlement, given to the eng team, reaches its nested members */
	assert_grant(s, "app:wiki:user:user:u13", false, "team:eng:member");
	assert_grant(s, "app:wiki:admin:user:u01", true, NULL);
	assert_false(ex_has_grant(s, "app:wiki:user:user:u19")); /* ops is not in eng */

	/* exactly the 33 grants of the file are direct */
	baton_store_query q = BATON_STORE_QUERY_INIT;
	baton_store_iter *it;
	baton_grant *g;
	size_t direct = 0, inherited = 0;
	assert_int_equal(baton_store_list_grants(s, &q, &it), 0);
	while (baton_store_iter_next_grant(it, &g) == 0) {
		direct += baton_grant_is_direct(g);
		inherited += baton_grant_inherited_from(g) != NULL;
	}
	baton_store_iter_free(it);
	assert_int_equal(direct, 33);
	assert_int_equal(inherited, 57); /* 56 inherited only, and u06 in eng */
	baton_store_close(s);
}

static void test_provisioning(void **state)
{
	(void)state;
	char *out;
	const char *c1z = sync_into("before.c1z", "10", &out);
	free(out);

	/* Revoking a grant that came through a team: FailedPrecondition (exit 9) naming the team,
	 * nothing written. */
	char *before = ex_slurp(data);
	static const char *const inherited[] = {"--revoke-grant", "team:company:member:user:u07", NULL};
	one_shot(c1z, inherited, 9, "through team:eng:member");
	static const char *const inherited_app[] = {"--revoke-grant", "app:wiki:user:user:u13", NULL};
	one_shot(c1z, inherited_app, 9, "holds app:wiki:user through team:eng:member");
	char *after = ex_slurp(data);
	assert_string_equal(before, after);
	free(before);
	free(after);

	/* A direct one: revoked; again (same c1z, the grant is still in it): already revoked. */
	static const char *const direct[] = {"--revoke-grant", "team:eng:member:user:u03", NULL};
	one_shot(c1z, direct, 0, "\"msg\":\"revoked\"");
	one_shot(c1z, direct, 0, "\"msg\":\"already revoked\"");

	/* Direct and inherited: the direct membership goes, the inherited one stays. Asked again with
	 * the old grant (its sources still say direct), the system says where the access comes from. */
	static const char *const both[] = {"--revoke-grant", "team:eng:member:user:u06", NULL};
	one_shot(c1z, both, 0, "\"msg\":\"revoked\"");
	one_shot(c1z, both, 9, "through team:backend:member");

	/* Grants, and the second time "already granted". */
	static const char *const grant_team[] = {"--grant-entitlement", "team:ops:member", "--grant-principal", "u30",
	                                         "--grant-principal-type", "user", NULL};
	one_shot(c1z, grant_team, 0, "\"msg\":\"granted\"");
	one_shot(c1z, grant_team, 0, "\"msg\":\"already granted\"");
	static const char *const grant_app[] = {"--grant-entitlement", "app:wiki:admin", "--grant-principal", "ops",
	                                        "--grant-principal-type", "team", NULL};
	one_shot(c1z, grant_app, 0, "\"msg\":\"granted\"");
	/* a team inside itself is refused */
	static const char *const cycle[] = {"--grant-entitlement", "team:backend:member", "--grant-principal", "eng",
	                                    "--grant-principal-type", "team", NULL};
	one_shot(c1z, cycle, 3, "would be a cycle");
	/* a grant that is not in the c1z */
	static const char *const missing[] = {"--revoke-grant", "team:eng:member:user:u30", NULL};
	one_shot(c1z, missing, 5, "not found");

	/* Account creation: a new user, then "already exists" for the same email. */
	static const char *const account[] = {"--create-account-login", "eli", "--create-account-email",
	                                      "eli@hr.example", "--create-account-profile", "{\"name\": \"Eli Evans\"}",
	                                      NULL};
	one_shot(c1z, account, 0, "\"msg\":\"account created\",\"resource_type\":\"user\",\"resource_id\":\"u31\"");
	one_shot(c1z, account, 0, "\"msg\":\"account already exists\"");

	/* The next sync shows it all. */
	const char *again = sync_into("after.c1z", "10", &out);
	free(out);
	baton_store *s = ex_open(again);
	assert_int_equal(ex_counts(s).resources, 37);
	{
		baton_ctx *ctx;
		assert_int_equal(baton_ctx_new(&ctx), 0);
		baton_resource *eli = ex_resource(s, ctx, "user", "u31");
		assert_string_equal(baton_resource_display_name(eli), "Eli Evans");
		baton_ctx_free(ctx);
	}
	assert_false(ex_has_grant(s, "team:eng:member:user:u03"));
	assert_false(ex_has_grant(s, "team:company:member:user:u03")); /* u03 was only in eng */
	assert_false(ex_has_grant(s, "app:wiki:user:user:u03"));
	assert_grant(s, "team:eng:member:user:u06", false, "team:backend:member"); /* still, inherited */
	assert_grant(s, "team:company:member:user:u07", false, "team:eng:member"); /* untouched */
	assert_grant(s, "team:ops:member:user:u30", true, NULL);
	assert_grant(s, "team:company:member:user:u30", false, "team:ops:member");
	assert_grant(s, "app:wiki:admin:team:ops", true, NULL);
	assert_grant(s, "app:wiki:admin:user:u19", false, "team:ops:member");
	baton_store_close(s);
}

/* --page-size 0 is the zero value, which the flag rules (as Go's) leave unchecked: it means the
 * default, 10, and must not stop the sync with "next page token unchanged". */
static void test_page_size_zero(void **state)
{
	(void)state;
	char *out;
	const char *c1z = sync_into("zero.c1z", "0", &out);

	assert_int_equal(count_of(out, "listed a page of users"), 3);
	free(out);
	baton_store *s = ex_open(c1z);
	assert_int_equal(ex_counts(s).grants, 89);
	baton_store_close(s);
}

/* A data file that is not one, or holds what the connector cannot sync, is refused with its
 * name and the place, and no c1z: a FIFO is not waited on, a directory is named as such, and a
 * grant to an unknown entitlement or principal, or a member that is no id, is not dropped. */
static void expect_bad_data(const char *json, const char *needle)
{
	const char *c1z = ex_path("hr", "bad.c1z");
	const char *args[] = {"-f", c1z, NULL};
	char *out;

	if (json != NULL) {
		FILE *f = fopen(data, "w");
		assert_non_null(f);
		fputs(json, f);
		assert_int_equal(fclose(f), 0);
	}
	unlink(c1z);
	int status = hr_run(args, &out);
	if (status == 0 || status >= 128 || strstr(out, needle) == NULL || access(c1z, F_OK) == 0) {
		static char msg[8192];
		snprintf(msg, sizeof(msg), "%s: exit %d, want a failure with \"%s\" and no c1z:\n%s",
		         json ? json : data, status, needle, out);
		free(out);
		fail_msg("%s", msg);
	}
	free(out);
}

#define HR_USERS "\"users\": [{\"id\": \"u1\", \"name\": \"A\", \"email\": \"a@x\", \"active\": true}]"

static void test_bad_data(void **state)
{
	(void)state;
	expect_bad_data("{" HR_USERS ", \"teams\": [], \"apps\": [{\"id\": \"w\", \"name\": \"W\", "
	                "\"grants\": [{\"principal\": \"user:u1\", \"entitlement\": \"owner\"}]}]}",
	                "app w: grant 0: no entitlement \"owner\"");
	expect_bad_data("{" HR_USERS ", \"teams\": [], \"apps\": [{\"id\": \"w\", \"name\": \"W\", "
	                "\"grants\": [{\"principal\": \"group:g\", \"entitlement\": \"user\"}]}]}",
	                "app w: grant 0: principal \"group:g\" is no user or team");
	expect_bad_data("{" HR_USERS ", \"teams\": [], \"apps\": [{\"id\": \"w\", \"name\": \"W\", "
	                "\"grants\": [{\"principal\": \"user:u9\", \"entitlement\": \"user\"}]}]}",
	                "app w: grant 0: principal \"user:u9\" is no user or team");
	expect_bad_data("{" HR_USERS ", \"teams\": [{\"id\": \"t\", \"name\": \"T\", \"members\": [\"u1\", 7]}], "
	                "\"apps\": []}",
	                "team t: member 1 is no user id");
	expect_bad_data("{" HR_USERS ", \"teams\": [{\"id\": \"t\", \"name\": \"T\", \"teams\": [\"nope\"]}], "
	                "\"apps\": []}",
	                "team t: team 0 is no team id");
	expect_bad_data("{\"users\": [{\"name\": \"no id\"}], \"teams\": [], \"apps\": []}",
	                "user 0 has no id");
	/* a directory and a FIFO in the data file's place */
	unlink(data);
	assert_int_equal(mkdir(data, 0700), 0);
	expect_bad_data(NULL, "is a directory");
	assert_int_equal(rmdir(data), 0);
	assert_int_equal(mkfifo(data, 0600), 0);
	expect_bad_data(NULL, "is a FIFO");
	unlink(data);
}

/* A new account's id is one no user has, even when the ids are not 1..n (a user was removed by
 * hand): it was "u<count + 1>", which gave the 30th user's id to a new 30th user. Two users with
 * one id are refused too: the second would silently replace the first in the sync. */
static void test_new_id_unique(void **state)
{
	(void)state;
	char *out;
	FILE *f = fopen(data, "w");
	assert_non_null(f);
	fputs("{\"users\": [{\"id\": \"u01\", \"name\": \"A\", \"email\": \"a@x\", \"active\": true},"
	      "{\"id\": \"u03\", \"name\": \"C\", \"email\": \"c@x\", \"active\": true}],"
	      "\"teams\": [], \"apps\": []}", f);
	assert_int_equal(fclose(f), 0);
	const char *c1z = sync_into("newid.c1z", "10", &out);
	free(out);
	one_shot(c1z, (const char *const[]){"--create-account-login", "new", "--create-account-email", "new@x",
	                                    NULL},
	         0, "");
	char *text = ex_slurp(data);
	if (count_of(text, "\"u03\"") != 1 || count_of(text, "\"u04\"") != 1)
		fail_msg("want one u03 and the new user as u04:\n%s", text);
	free(text);

	expect_bad_data("{\"users\": [{\"id\": \"u1\", \"name\": \"A\"}, {\"id\": \"u1\", \"name\": \"B\"}], "
	                "\"teams\": [], \"apps\": []}",
	                "user 1: id \"u1\" is used twice");
}

static int setup(void **state)
{
	(void)state;
	snprintf(data, sizeof(data), "%s", ex_path("hr", "hr.json"));
	copy_file(hr_json, data);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s BATON_HR HR_JSON\n", argv[0]);
		return 2;
	}
	hr_bin = argv[1];
	hr_json = argv[2];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_sync, setup),
		cmocka_unit_test_setup(test_provisioning, setup),
		cmocka_unit_test_setup(test_page_size_zero, setup),
		cmocka_unit_test_setup(test_bad_data, setup),
		cmocka_unit_test_setup(test_new_id_unique, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
