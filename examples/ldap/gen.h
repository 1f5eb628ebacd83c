/*
 * baton-ldap: a generated directory, for tests and benchmarks (baton-ldap-gen writes it as LDIF).
 *
 * Everything is a pure function of the parameters, so a test can load the LDIF into a server and
 * then check what a sync read entry by entry against the same functions:
 *  - users "uid=<uid>,ou=People,<base>": inetOrgPerson (every second one also posixAccount with a
 *    primary gidNumber), uid "userN" (every 50th, from 1, "UserN": canonical ids are lowercase);
 *    optionally status attributes (nsAccountLock, userAccountControl; see ldapgen_schema).
 *  - groupOfNames "cn=gJ,ou=Groups,<base>": users i with i % G == J or (31 i + 7) % G == J; and
 *    nested groups: gJ contains gJ+1 for J % 3 in {0, 1}, plus g2 contains g0 (a cycle).
 *  - groupOfUniqueNames "cn=ugK,ou=Groups": users i % (4 Q) == K (the first with an optional
 *    "#'0101'B" UID), and the group gK nested.
 *  - posixGroup "cn=pgP,ou=Groups", gidNumber 5000+P: memberUid of users i % (P_n + 3) == P plus a
 *    dangling "ghostP"; primary members are the posix users with that gidNumber.
 *  - groupOfURLs "cn=dgK,ou=Groups": memberURL for departmentNumber=dK (users i % 7 == K).
 *  - organizationalRole "cn=rK,ou=Roles": roleOccupant users i % (5 R) == K.
 */
#ifndef BATON_LDAP_GEN_H
#define BATON_LDAP_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct ldapgen_params {
	unsigned users, groups, unique_groups, posix_groups, dynamic_groups, roles;
	const char *base_dn;     /* "dc=example,dc=org" (must start with dc=) */
	bool status_attrs;       /* needs the batonTestAccount schema (ldapgen_schema) */
} ldapgen_params;

void ldapgen_defaults(ldapgen_params *p, unsigned users);

/* Writes the whole directory (base entry and OUs included) as LDIF. 0, or -1 on a write error. */
int ldapgen_write_ldif(const ldapgen_params *p, FILE *out);

/* A slapd.conf schema snippet defining nsAccountLock, userAccountControl and batonTestAccount. */
const char *ldapgen_schema(void);

/* ---- the model ---- */

/* "userN" or "UserN" into buf. */
const char *ldapgen_uid(unsigned i, char *buf, size_t size);
bool ldapgen_user_posix(unsigned i);
/* The status the connector must report: 1 enabled, 2 disabled (baton_status numbers). */
int ldapgen_user_status(const ldapgen_params *p, unsigned i);
/* Whether user i is a direct member of group j (member / uniqueMember / memberUid / primary). */
bool ldapgen_in_group(const ldapgen_params *p, unsigned i, unsigned j);
bool ldapgen_in_unique_group(const ldapgen_params *p, unsigned i, unsigned k);
bool ldapgen_in_posix_group(const ldapgen_params *p, unsigned i, unsigned k);
bool ldapgen_in_dynamic_group(const ldapgen_params *p, unsigned i, unsigned k);
bool ldapgen_in_role(const ldapgen_params *p, unsigned i, unsigned k);
/* Whether group a contains group b (groupOfNames nesting, cycle included). */
bool ldapgen_group_contains(const ldapgen_params *p, unsigned a, unsigned b);

#endif
