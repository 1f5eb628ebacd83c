/*
 * baton-ldap's client helpers without a server: DN canonicalization as the Go connector's ids
 * are written, RFC 4514 / 4515 escaping, and base64 paging cookies.
 */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "ldap_client.h"
#include "baton.h"

static void expect_dn(const char *in, const char *want)
{
	char *got = lc_dn_canonical(in);

	if (got == NULL)
		fail_msg("%s: %s", in, baton_error_last()->message);
	assert_string_equal(got, want);
	free(got);
}

static void test_canonical(void **state)
{
	(void)state;
	expect_dn("UID=Alice,OU=People,DC=Example,DC=Org", "uid=alice,ou=people,dc=example,dc=org");
	expect_dn("uid=bob , ou=People ,dc=example,dc=org", "uid=bob,ou=people,dc=example,dc=org");
	/* values of other types keep their case; multi-valued RDNs are sorted */
	expect_dn("employeeNumber=AbC+cn=Zed,o=Acme", "cn=zed+employeenumber=AbC,o=acme");
	/* escapes: specials, leading '#', hex for non-ASCII */
	expect_dn("cn=Smith\\, John,dc=x", "cn=smith\\, john,dc=x");
	expect_dn("cn=\\#hash,dc=x", "cn=\\#hash,dc=x");
	expect_dn("cn=caf\\C3\\A9,dc=x", "cn=caf\\c3\\a9,dc=x");
	expect_dn("", "");
	assert_null(lc_dn_canonical("not a dn"));
}

static void test_dn_helpers(void **state)
{
	char *v;

	(void)state;
	assert_true(lc_dn_within("uid=a,ou=people,dc=x", "dc=x"));
	assert_true(lc_dn_within("dc=x", "dc=x"));
	assert_false(lc_dn_within("uid=a,ou=people,dc=xx", "dc=x"));
	assert_false(lc_dn_within("dc=x", "ou=people,dc=x"));
	v = lc_dn_first_value("uid=User1,ou=People,dc=x");
	assert_string_equal(v, "User1");
	free(v);
	v = lc_dn_escape_value(" a,b+c ");
	assert_string_equal(v, "\\ a\\,b\\+c\\ ");
	free(v);
	v = lc_filter_escape("a*(b)\\");
	assert_string_equal(v, "a\\2a\\28b\\29\\5c");
	free(v);
}

static void test_base64(void **state)
{
	const unsigned char data[] = {0, 1, 2, 250, 251, 252, 253};
	(void)state;
	for (size_t n = 0; n <= sizeof(data); n++) {
		char *t = lc_base64_encode(data, n);
		size_t len = 99;
		unsigned char *back;
		assert_non_null(t);
		assert_int_equal(strlen(t) % 4, 0);
		back = lc_base64_decode(t, &len);
		assert_non_null(back);
		assert_int_equal(len, n);
		assert_memory_equal(back, data, n);
		free(back);
		free(t);
	}
	{
		char *t = lc_base64_encode((const unsigned char *)"hello", 5);
		assert_string_equal(t, "aGVsbG8=");
		free(t);
	}
	{
		size_t len;
		assert_null(lc_base64_decode("abc", &len));
		assert_null(lc_base64_decode("a!==", &len));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canonical),
		cmocka_unit_test(test_dn_helpers),
		cmocka_unit_test(test_base64),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
