/*
 * baton-ldap provisioning against a real slapd, through the binary's one-shot flags (argv[1] is
 * build/bin/baton-ldap): group membership grant and revoke for groupOfNames, groupOfUniqueNames
 * and posixGroup (memberUid), role grant and revoke, each repeated to check that "already so"
 * succeeds; account creation with a random password and a computed uidNumber; password rotation;
 * deleting a user; the create_ou and update_profile actions. Every change is checked by reading
 * the directory back with libldap.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "testutil.h"
#include "slapd_util.h"
#include "ldap_client.h"
#include "baton.h"

static const char *bin;
static slapd_server server;
static ldapgen_params params;
static char c1z[4096];
static lc_conn admin;

#define BASE "dc=example,dc=org"

static const char *user_dn(unsigned i, char *buf, size_t size)
{
	char uid[64];

	ldapgen_uid(i, uid, sizeof(uid));
	for (char *p = uid; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	snprintf(buf, size, "uid=%s,ou=people," BASE, uid);
	return buf;
}

/* Runs baton-ldap with the connection flags plus `extra`; fails the test unless the exit status
 * is `want_ok`. */
static void run(const char *const *extra, bool want_ok)
{
	const char *argv[40];
	char err[4200];
	size_t n = 0;
	int st;

	argv[n++] = "-f";
	argv[n++] = c1z;
	argv[n++] = "--url";
	argv[n++] = server.url;
	argv[n++] = "--bind-dn";
	argv[n++] = SLAPD_ADMIN_DN;
	argv[n++] = "--password";
	argv[n++] = SLAPD_ADMIN_PW;
	argv[n++] = "--base-dn";
	argv[n++] = BASE;
	argv[n++] = "--page-size";
	argv[n++] = "5";
	for (size_t i = 0; extra != NULL && extra[i] != NULL && n < 38; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	snprintf(err, sizeof(err), "%s.stderr", c1z);
	st = run_program(bin, argv, NULL, NULL, err, 300);
	if ((st == 0) != want_ok) {
		char *log = read_text_file(err);
		fail_msg("baton-ldap %s: status %d, expected %s; stderr:\n%s", extra && extra[0] ? extra[0] : "sync", st,
		         want_ok ? "success" : "failure", log ? log : "");
	}
}

static void sync_now(void)
{
	unlink(c1z);
	run(NULL, true);
}

/* Whether attribute `attr` of `dn` has a value equal to `value` (DN-aware when is_dn). */
static bool has_value(const char *dn, const char *attr, const char *value, bool is_dn)
{
	LDAPMessage *res, *e;
	struct berval **vals;
	bool found = false;
	char *want = is_dn ? lc_dn_canonical(value) : strdup(value);

	assert_non_null(want);
	assert_int_equal(lc_get(&admin, dn, NULL, (const char *const[]){attr, NULL}, &res, &e), 0);
	vals = ldap_get_values_len(admin.ld, e, attr);
	for (size_t i = 0; vals != NULL && vals[i] != NULL && !found; i++) {
		char *v = strndup(vals[i]->bv_val, vals[i]->bv_len);
		char *c = is_dn ? lc_dn_canonical(v) : NULL;
		found = strcmp(is_dn ? (c ? c : "") : v, want) == 0;
		free(c);
		free(v);
	}
	ldap_value_free_len(vals);
	ldap_msgfree(res);
	free(want);
	return found;
}

static size_t value_count(const char *dn, const char *attr)
{
	LDAPMessage *res, *e;
	struct berval **vals;
	size_t n = 0;

	assert_int_equal(lc_get(&admin, dn, NULL, (const char *const[]){attr, NULL}, &res, &e), 0);
	vals = ldap_get_values_len(admin.ld, e, attr);
	while (vals != NULL && vals[n] != NULL)
		n++;
	ldap_value_free_len(vals);
	ldap_msgfree(res);
	return n;
}

static char *first_value(const char *dn, const char *attr)
{
	LDAPMessage *res, *e;
	char *v;

	if (lc_get(&admin, dn, NULL, (const char *const[]){attr, NULL}, &res, &e) != 0)
		return NULL;
	v = lc_first_value(&admin, e, attr);
	ldap_msgfree(res);
	return v;
}

static bool exists(const char *dn)
{
	LDAPMessage *res, *e;
	int rc = lc_get(&admin, dn, NULL, (const char *const[]){"1.1", NULL}, &res, &e);

	if (rc == 0)
		ldap_msgfree(res);
	else
		baton_error_clear();
	return rc == 0;
}

static int setup(void **state)
{
	lc_options o = {0};

	(void)state;
	memset(&params, 0, sizeof(params));
	params.users = 40;
	params.groups = 6;
	params.unique_groups = 1;
	params.posix_groups = 2;
	params.roles = 2;
	params.base_dn = BASE;
	if (slapd_start(&server, &params, false) != 0)
		return -1;
	o.url = server.url;
	o.bind_dn = SLAPD_ADMIN_DN;
	o.password = SLAPD_ADMIN_PW;
	if (lc_open(&admin, &o) != 0) {
		fprintf(stderr, "bind as admin: %s\n", baton_error_last()->message);
		slapd_stop(&server);
		return -1;
	}
	snprintf(c1z, sizeof(c1z), "%s/ldap-prov-%ld.c1z", test_out_dir(), (long)getpid());
	return 0;
}

static int teardown(void **state)
{
	char p[4200];

	(void)state;
	lc_close(&admin);
	slapd_stop(&server);
	unlink(c1z);
	snprintf(p, sizeof(p), "%s.stderr", c1z);
	unlink(p);
	return 0;
}

static void grant_and_revoke(const char *type, const char *group_dn, unsigned new_user, unsigned old_user,
                             const char *attr, bool by_uid)
{
	char ent[300], udn[256], old_dn[256], grant_id[700], uid[64];
	const char *value;
	size_t before;

	user_dn(new_user, udn, sizeof(udn));
	user_dn(old_user, old_dn, sizeof(old_dn));
	snprintf(ent, sizeof(ent), "%s:%s:member", type, group_dn);
	sync_now();
	value = by_uid ? ldapgen_uid(new_user, uid, sizeof(uid)) : udn;
	assert_false(has_value(group_dn, attr, value, !by_uid));
	before = value_count(group_dn, attr);
	{
		const char *a[] = {"--grant-entitlement", ent, "--grant-principal", udn, "--grant-principal-type", "user",
		                   NULL};
		run(a, true);
		assert_true(has_value(group_dn, attr, value, !by_uid));
		assert_int_equal(value_count(group_dn, attr), before + 1);
		run(a, true); /* already a member: GrantAlreadyExists, not an error */
		assert_int_equal(value_count(group_dn, attr), before + 1);
	}
	/* revoke an existing member, read from the c1z of a sync */
	sync_now();
	value = by_uid ? ldapgen_uid(old_user, uid, sizeof(uid)) : old_dn;
	assert_true(has_value(group_dn, attr, value, !by_uid));
	snprintf(grant_id, sizeof(grant_id), "%s:user:%s", ent, old_dn);
	{
		const char *a[] = {"--revoke-grant", grant_id, NULL};
		run(a, true);
		assert_false(has_value(group_dn, attr, value, !by_uid));
		run(a, true); /* already gone: GrantAlreadyRevoked, not an error */
	}
}

static unsigned first_user(bool (*member)(const ldapgen_params *, unsigned, unsigned), unsigned k, bool want,
                           unsigned from)
{
	for (unsigned i = from; i < params.users; i++)
		if (member(&params, i, k) == want)
			return i;
	fail_msg("no such user");
	return 0;
}

static void test_group_of_names(void **state)
{
	(void)state;
	grant_and_revoke("group", "cn=g1,ou=groups," BASE, first_user(ldapgen_in_group, 1, false, 0),
	                 first_user(ldapgen_in_group, 1, true, 0), "member", false);
}

static void test_group_of_unique_names(void **state)
{
	/* the first member carries an optional UID ("#'0101'B"): revoke the second */
	unsigned first = first_user(ldapgen_in_unique_group, 0, true, 0);

	(void)state;
	grant_and_revoke("group", "cn=ug0,ou=groups," BASE, first_user(ldapgen_in_unique_group, 0, false, 0),
	                 first_user(ldapgen_in_unique_group, 0, true, first + 1), "uniqueMember", false);
}

static bool in_memberuid(const ldapgen_params *p, unsigned i, unsigned k)
{
	return i % (p->posix_groups + 3) == k;
}

static void test_posix_group(void **state)
{
	/* user 1 is "User1": memberUid must keep the directory's spelling */
	(void)state;
	assert_false(ldapgen_in_posix_group(&params, 1, 0));
	grant_and_revoke("group", "cn=pg0,ou=groups," BASE, 1, first_user(in_memberuid, 0, true, 0), "memberUid",
	                 true);
}

static void test_role(void **state)
{
	(void)state;
	grant_and_revoke("role", "cn=r0,ou=roles," BASE, first_user(ldapgen_in_role, 0, false, 0),
	                 first_user(ldapgen_in_role, 0, true, 0), "roleOccupant", false);
}

#define NEW_DN "uid=newbie,ou=People," BASE

static void test_create_rotate_delete(void **state)
{
	const char *profile =
		"{\"rdnKey\":\"uid\",\"rdnValue\":\"newbie\",\"path\":\"ou=People\",\"suffix\":\"" BASE "\","
		"\"objectClass\":[\"top\",\"person\",\"organizationalPerson\",\"inetOrgPerson\",\"posixAccount\"],"
		"\"additionalAttributes\":{\"cn\":\"New Bie\",\"sn\":\"Bie\",\"homeDirectory\":\"/home/newbie\","
		"\"gidNumber\":5000,\"uidNumber\":\"1\"},\"calculatePosixUIDNumber\":true,\"mail\":\"newbie@example.org\"}";
	const char *create[] = {"--create-account-profile", profile, NULL};
	const char *rotate[] = {"--rotate-credentials", "uid=newbie,ou=people," BASE, "--rotate-credentials-type",
	                        "user", NULL};
	const char *del[] = {"--delete-resource", "uid=newbie,ou=people," BASE, "--delete-resource-type", "user", NULL};
	char *v, *pw1, *pw2, want[32];
	unsigned max = 0;

	(void)state;
	for (unsigned i = 0; i < params.users; i++)
		if (ldapgen_user_posix(i))
			max = 10000 + i;
	snprintf(want, sizeof(want), "%u", max + 1);
	assert_false(exists(NEW_DN));
	run(create, true);
	assert_true(exists(NEW_DN));
	assert_true(has_value(NEW_DN, "objectClass", "posixAccount", false));
	assert_true(has_value(NEW_DN, "mail", "newbie@example.org", false));
	assert_true(has_value(NEW_DN, "gidNumber", "5000", false));
	v = first_value(NEW_DN, "uidNumber");
	assert_non_null(v);
	assert_string_equal(v, want); /* computed, the profile's uidNumber ignored */
	free(v);
	pw1 = first_value(NEW_DN, "userPassword");
	assert_non_null(pw1); /* a random password was set */
	assert_true(strlen(pw1) >= 8);
	run(create, true); /* already exists: reported, not an error */

	run(rotate, true);
	pw2 = first_value(NEW_DN, "userPassword");
	assert_non_null(pw2);
	assert_string_not_equal(pw1, pw2);
	free(pw1);
	free(pw2);

	run(del, true);
	assert_false(exists(NEW_DN));
	run(del, false); /* gone: NotFound */
}

static void test_create_ou_action(void **state)
{
	const char *ok[] = {"--invoke-action", "create_ou", "--invoke-action-args",
	                    "{\"name\":\" Engineering \",\"description\":\"The engineers\"}", NULL};
	const char *nested[] = {"--invoke-action", "create_ou", "--invoke-action-args",
	                        "{\"name\":\"Team, A\",\"parent_dn\":\"ou=Engineering," BASE "\"}", NULL};
	const char *outside[] = {"--invoke-action", "create_ou", "--invoke-action-args",
	                         "{\"name\":\"Rogue\",\"parent_dn\":\"dc=elsewhere,dc=org\"}", NULL};
	const char *noname[] = {"--invoke-action", "create_ou", "--invoke-action-args", "{\"name\":\"  \"}", NULL};

	(void)state;
	run(ok, true);
	assert_true(exists("ou=Engineering," BASE));
	assert_true(has_value("ou=Engineering," BASE, "description", "The engineers", false));
	run(nested, true);
	assert_true(exists("ou=Team\\2C A,ou=Engineering," BASE));
	run(outside, false);
	run(noname, false);
}

static void test_update_profile_action(void **state)
{
	char dn[256], args[1024], *v;
	const char *a[] = {"--invoke-action", "update_profile", "--invoke-action-resource-type", "user",
	                   "--invoke-action-args", args, NULL};

	(void)state;
	user_dn(3, dn, sizeof(dn));
	snprintf(args, sizeof(args),
	         "{\"user_id\":{\"resource_type_id\":\"user\",\"resource_id\":\"%s\"},\"first_name\":\"Zed\","
	         "\"email\":\"zed@example.org\",\"custom_attributes\":{\"title\":\"Boss\",\"uid\":\"hijack\","
	         "\"first_name\":\"ignored\",\"displayName\":\"\"}}", dn);
	run(a, true);
	v = first_value(dn, "givenName");
	assert_string_equal(v, "Zed");
	free(v);
	v = first_value(dn, "mail");
	assert_string_equal(v, "zed@example.org");
	free(v);
	v = first_value(dn, "title");
	assert_string_equal(v, "Boss");
	free(v);
	v = first_value(dn, "uid"); /* the RDN attribute is skipped */
	assert_string_equal(v, "user3");
	free(v);
	assert_int_equal(value_count(dn, "displayName"), 0); /* an empty value clears it */
	snprintf(args, sizeof(args),
	         "{\"user_id\":{\"resource_type_id\":\"user\",\"resource_id\":\"%s\"},"
	         "\"custom_attributes\":{\"userPassword\":\"x\"}}", dn);
	run(a, false);
	snprintf(args, sizeof(args),
	         "{\"user_id\":{\"resource_type_id\":\"user\",\"resource_id\":\"uid=nobody,ou=people," BASE "\"},"
	         "\"first_name\":\"X\"}");
	run(a, false);
}

/* Adds an entry with one attribute holding the empty value; false when the server refuses it. */
static bool add_with_empty(const char *dn, const char *const *classes, const char *cn, const char *attr,
                           const char *extra_attr, const char *extra_value)
{
	char *oc[8] = {0}, *cnv[] = {(char *)cn, NULL}, *empty[] = {"", NULL}, *xv[] = {(char *)extra_value, NULL};
	LDAPMod m_oc = {LDAP_MOD_ADD, "objectClass", {.modv_strvals = oc}};
	LDAPMod m_cn = {LDAP_MOD_ADD, "cn", {.modv_strvals = cnv}};
	LDAPMod m_attr = {LDAP_MOD_ADD, (char *)attr, {.modv_strvals = empty}};
	LDAPMod m_x = {LDAP_MOD_ADD, (char *)extra_attr, {.modv_strvals = xv}};
	LDAPMod *mods[] = {&m_oc, &m_cn, &m_attr, extra_attr ? &m_x : NULL, NULL};
	int ldap_rc = 0;

	for (size_t i = 0; classes[i] != NULL && i < 7; i++)
		oc[i] = (char *)classes[i];
	if (lc_add(&admin, dn, mods, &ldap_rc) != 0) {
		fprintf(stderr, "note: the server refuses an empty %s (%s)\n", attr, baton_error_last()->message);
		baton_error_clear();
		return false;
	}
	return true;
}

/*
 * Groups whose member attribute holds the empty value -- the usual way to keep a groupOfNames
 * (which must have a member) empty. The Go connector turns "" into a grant to a user with an
 * empty id; here such a value is no member: the groups and roles are synced with their
 * entitlement and no grant, and no grant anywhere has an empty principal.
 */
static void test_empty_members(void **state)
{
	static const char *const names_oc[] = {"top", "groupOfNames", NULL};
	static const char *const unique_oc[] = {"top", "groupOfUniqueNames", NULL};
	static const char *const posix_oc[] = {"top", "posixGroup", NULL};
	static const char *const role_oc[] = {"top", "organizationalRole", NULL};
	const char *groups[4] = {0};
	size_t n = 0;

	(void)state;
	if (add_with_empty("cn=empty-names,ou=groups," BASE, names_oc, "empty-names", "member", NULL, NULL))
		groups[n++] = "group:cn=empty-names,ou=groups," BASE ":member";
	if (add_with_empty("cn=empty-unique,ou=groups," BASE, unique_oc, "empty-unique", "uniqueMember", NULL, NULL))
		groups[n++] = "group:cn=empty-unique,ou=groups," BASE ":member";
	if (add_with_empty("cn=empty-posix,ou=groups," BASE, posix_oc, "empty-posix", "memberUid", "gidNumber",
	                   "99999"))
		groups[n++] = "group:cn=empty-posix,ou=groups," BASE ":member";
	if (add_with_empty("cn=empty-role,ou=roles," BASE, role_oc, "empty-role", "roleOccupant", NULL, NULL))
		groups[n++] = "role:cn=empty-role,ou=roles," BASE ":member";
	assert_true(n >= 2); /* OpenLDAP takes the empty DN in member and uniqueMember at least */
	sync_now();

	baton_store_options o = BATON_STORE_OPTIONS_INIT;
	baton_store_query q = BATON_STORE_QUERY_INIT;
	baton_store *s = NULL;
	baton_store_iter *it;
	baton_grant *g;
	baton_entitlement *e;
	baton_ctx *ctx;
	size_t total = 0;
	int rc;

	o.read_only = true;
	if (baton_store_open(c1z, &o, &s) != 0)
		fail_msg("open %s: %s", c1z, baton_error_last()->message);
	assert_int_equal(baton_ctx_new(&ctx), 0);
	for (size_t i = 0; i < n; i++) {
		if (baton_store_get_entitlement(s, NULL, groups[i], ctx, &e) != 0)
			fail_msg("entitlement %s missing: %s", groups[i], baton_error_last()->message);
	}
	assert_int_equal(baton_store_list_grants(s, &q, &it), 0);
	while ((rc = baton_store_iter_next_grant(it, &g)) == 0) {
		baton_resource_id p = baton_grant_principal_id(g);
		total++;
		if (p.resource == NULL || *p.resource == '\0')
			fail_msg("grant %s has an empty principal", baton_grant_id(g));
		for (size_t i = 0; i < n; i++)
			if (strcmp(baton_grant_entitlement_id(g), groups[i]) == 0)
				fail_msg("grant %s on an empty group", baton_grant_id(g));
	}
	assert_int_equal(rc, BATON_ITEROVER);
	baton_store_iter_free(it);
	assert_true(total > 0);
	baton_ctx_free(ctx);
	baton_store_close(s);
	for (size_t i = 0; i < n; i++) {
		char dn[256];
		const char *start = strchr(groups[i], ':') + 1;
		snprintf(dn, sizeof(dn), "%.*s", (int)(strrchr(groups[i], ':') - start), start);
		assert_int_equal(lc_delete(&admin, dn, NULL), 0);
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_group_of_names),
		cmocka_unit_test(test_group_of_unique_names),
		cmocka_unit_test(test_posix_group),
		cmocka_unit_test(test_role),
		cmocka_unit_test(test_create_rotate_delete),
		cmocka_unit_test(test_create_ou_action),
		cmocka_unit_test(test_update_profile_action),
		cmocka_unit_test(test_empty_members),
	};
	const char *missing;

	if (argc < 2) {
		fprintf(stderr, "usage: %s <path to baton-ldap>\n", argv[0]);
		return 2;
	}
	bin = argv[1];
	missing = slapd_missing_tool(false);
	if (missing != NULL) {
		/* an optional tool: exit 77, which ctest reports as Skipped (tests/ldap/CMakeLists.txt) */
		printf("%s is not installed: these tests run a private OpenLDAP server (Debian: apt-get install "
		       "slapd ldap-utils openssl; scripts/setup.sh does); skipped\n", missing);
		return 77;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
