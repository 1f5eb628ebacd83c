/*
 * baton-ldap: the generated directory (see gen.h).
 */
#include "gen.h"

#include <stdlib.h>
#include <string.h>

void ldapgen_defaults(ldapgen_params *p, unsigned users)
{
	memset(p, 0, sizeof(*p));
	p->users = users;
	p->groups = users / 100 > 3 ? users / 100 : 3;
	p->unique_groups = p->groups / 20 > 1 ? p->groups / 20 : 1;
	p->posix_groups = p->unique_groups;
	p->dynamic_groups = 0;
	p->roles = p->groups / 50 > 1 ? p->groups / 50 : 1;
	p->base_dn = "dc=example,dc=org";
}

const char *ldapgen_uid(unsigned i, char *buf, size_t size)
{
	snprintf(buf, size, "%s%u", i % 50 == 1 ? "User" : "user", i);
	return buf;
}

bool ldapgen_user_posix(unsigned i)
{
	return i % 2 == 0;
}

int ldapgen_user_status(const ldapgen_params *p, unsigned i)
{
	if (!p->status_attrs)
		return 1;
	switch (i % 10) {
	case 3: /* nsAccountLock TRUE */
	case 5: /* userAccountControl 514: ACCOUNTDISABLE */
		return 2;
	default:
		return 1;
	}
}

bool ldapgen_in_group(const ldapgen_params *p, unsigned i, unsigned j)
{
	return i % p->groups == j || (i * 31u + 7u) % p->groups == j;
}

bool ldapgen_in_unique_group(const ldapgen_params *p, unsigned i, unsigned k)
{
	return i % (4 * p->unique_groups) == k;
}

bool ldapgen_in_posix_group(const ldapgen_params *p, unsigned i, unsigned k)
{
	return i % (p->posix_groups + 3) == k || (ldapgen_user_posix(i) && i % p->posix_groups == k);
}

bool ldapgen_in_dynamic_group(const ldapgen_params *p, unsigned i, unsigned k)
{
	(void)p;
	return i % 7 == k;
}

bool ldapgen_in_role(const ldapgen_params *p, unsigned i, unsigned k)
{
	return i % (5 * p->roles) == k;
}

bool ldapgen_group_contains(const ldapgen_params *p, unsigned a, unsigned b)
{
	if (a + 1 == b && b < p->groups && (a % 3 == 0 || a % 3 == 1))
		return true;
	return p->groups >= 3 && a == 2 && b == 0;
}

const char *ldapgen_schema(void)
{
	return "attributetype ( 1.3.6.1.4.1.99999.1.1 NAME 'nsAccountLock' EQUALITY caseIgnoreMatch\n"
	       "  SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )\n"
	       "attributetype ( 1.3.6.1.4.1.99999.1.2 NAME 'userAccountControl' EQUALITY integerMatch\n"
	       "  SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )\n"
	       "objectclass ( 1.3.6.1.4.1.99999.2.1 NAME 'batonTestAccount' SUP top AUXILIARY\n"
	       "  MAY ( nsAccountLock $ userAccountControl ) )\n";
}

/* Per-group member lists (users), built in one pass over the users. */
typedef struct buckets {
	unsigned *items;
	size_t *start;   /* n_groups + 1 offsets */
} buckets;

static int buckets_build(const ldapgen_params *p, buckets *b)
{
	size_t g = p->groups, *fill;

	b->start = calloc(g + 1, sizeof(*b->start));
	b->items = malloc((size_t)p->users * 2 * sizeof(*b->items) + 1);
	fill = calloc(g + 1, sizeof(*fill));
	if (b->start == NULL || b->items == NULL || fill == NULL) {
		free(fill);
		return -1;
	}
	for (unsigned i = 0; i < p->users; i++) {
		unsigned a = i % p->groups, c = (i * 31u + 7u) % p->groups;
		b->start[a + 1]++;
		if (c != a)
			b->start[c + 1]++;
	}
	for (size_t j = 0; j < g; j++)
		b->start[j + 1] += b->start[j];
	for (unsigned i = 0; i < p->users; i++) {
		unsigned a = i % p->groups, c = (i * 31u + 7u) % p->groups;
		b->items[b->start[a] + fill[a]++] = i;
		if (c != a)
			b->items[b->start[c] + fill[c]++] = i;
	}
	free(fill);
	return 0;
}

int ldapgen_write_ldif(const ldapgen_params *p, FILE *out)
{
	const char *base = p->base_dn;
	char dc[128], uid[64];
	const char *comma = strchr(base, ',');
	buckets b = {0};
	unsigned i, k;

	if (strncmp(base, "dc=", 3) != 0)
		return -1;
	snprintf(dc, sizeof(dc), "%.*s", comma ? (int)(comma - base - 3) : (int)strlen(base + 3), base + 3);
	fprintf(out, "dn: %s\nobjectClass: top\nobjectClass: dcObject\nobjectClass: organization\n"
	        "o: %s\ndc: %s\n\n", base, dc, dc);
	fprintf(out, "dn: ou=People,%s\nobjectClass: organizationalUnit\nou: People\n\n", base);
	fprintf(out, "dn: ou=Groups,%s\nobjectClass: organizationalUnit\nou: Groups\n\n", base);
	fprintf(out, "dn: ou=Roles,%s\nobjectClass: organizationalUnit\nou: Roles\n\n", base);

	for (i = 0; i < p->users; i++) {
		ldapgen_uid(i, uid, sizeof(uid));
		fprintf(out, "dn: uid=%s,ou=People,%s\nobjectClass: top\nobjectClass: person\n"
		        "objectClass: organizationalPerson\nobjectClass: inetOrgPerson\n", uid, base);
		if (ldapgen_user_posix(i))
			fprintf(out, "objectClass: posixAccount\n");
		if (p->status_attrs && (i % 10 >= 3 && i % 10 <= 6))
			fprintf(out, "objectClass: batonTestAccount\n");
		fprintf(out, "uid: %s\ncn: Given%u Family%u\ngivenName: Given%u\nsn: Family%u\n"
		        "mail: %s@example.org\ndepartmentNumber: d%u\n", uid, i, i, i, i, uid, i % 7);
		if (i % 3 == 0)
			fprintf(out, "displayName: Display User %u\n", i);
		if (ldapgen_user_posix(i))
			fprintf(out, "uidNumber: %u\ngidNumber: %u\nhomeDirectory: /home/%s\n", 10000 + i,
			        p->posix_groups ? 5000 + i % p->posix_groups : 4999, uid);
		if (p->status_attrs) {
			switch (i % 10) {
			case 3: fprintf(out, "nsAccountLock: TRUE\n"); break;
			case 4: fprintf(out, "nsAccountLock: false\n"); break;
			case 5: fprintf(out, "userAccountControl: 514\n"); break;
			case 6: fprintf(out, "userAccountControl: 512\n"); break;
			default: break;
			}
		}
		fprintf(out, "userPassword: password%u\n\n", i);
	}

	if (p->groups > 0 && buckets_build(p, &b) != 0)
		return -1;
	for (unsigned j = 0; j < p->groups; j++) {
		fprintf(out, "dn: cn=g%u,ou=Groups,%s\nobjectClass: top\nobjectClass: groupOfNames\ncn: g%u\n"
		        "description: Group number %u\n", j, base, j, j);
		for (size_t m = b.start[j]; m < b.start[j + 1]; m++)
			fprintf(out, "member: uid=%s,ou=People,%s\n", ldapgen_uid(b.items[m], uid, sizeof(uid)), base);
		for (unsigned c = 0; c < p->groups; c++)
			if (ldapgen_group_contains(p, j, c))
				fprintf(out, "member: cn=g%u,ou=Groups,%s\n", c, base);
		if (b.start[j] == b.start[j + 1])
			fprintf(out, "member: %s\n", base); /* groupOfNames needs one */
		fprintf(out, "\n");
	}
	free(b.items);
	free(b.start);

	for (k = 0; k < p->unique_groups; k++) {
		bool first = true;
		fprintf(out, "dn: cn=ug%u,ou=Groups,%s\nobjectClass: top\nobjectClass: groupOfUniqueNames\n"
		        "cn: ug%u\n", k, base, k);
		for (i = k; i < p->users; i += 4 * p->unique_groups) {
			fprintf(out, "uniqueMember: uid=%s,ou=People,%s%s\n", ldapgen_uid(i, uid, sizeof(uid)), base,
			        first ? "#'0101'B" : "");
			first = false;
		}
		if (k < p->groups)
			fprintf(out, "uniqueMember: cn=g%u,ou=Groups,%s\n", k, base);
		else if (first)
			fprintf(out, "uniqueMember: %s\n", base);
		fprintf(out, "\n");
	}

	for (k = 0; k < p->posix_groups; k++) {
		fprintf(out, "dn: cn=pg%u,ou=Groups,%s\nobjectClass: top\nobjectClass: posixGroup\ncn: pg%u\n"
		        "gidNumber: %u\n", k, base, k, 5000 + k);
		for (i = k; i < p->users; i += p->posix_groups + 3)
			fprintf(out, "memberUid: %s\n", ldapgen_uid(i, uid, sizeof(uid)));
		fprintf(out, "memberUid: ghost%u\n\n", k);
	}

	for (k = 0; k < p->dynamic_groups; k++)
		fprintf(out, "dn: cn=dg%u,ou=Groups,%s\nobjectClass: top\nobjectClass: groupOfURLs\ncn: dg%u\n"
		        "memberURL: ldap:///ou=People,%s??sub?(departmentNumber=d%u)\n\n", k, base, k, base, k);

	for (k = 0; k < p->roles; k++) {
		fprintf(out, "dn: cn=r%u,ou=Roles,%s\nobjectClass: top\nobjectClass: organizationalRole\ncn: r%u\n"
		        "description: Role number %u\n", k, base, k, k);
		for (i = k; i < p->users; i += 5 * p->roles)
			fprintf(out, "roleOccupant: uid=%s,ou=People,%s\n", ldapgen_uid(i, uid, sizeof(uid)), base);
		fprintf(out, "\n");
	}
	return ferror(out) ? -1 : 0;
}
