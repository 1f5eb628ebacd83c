/*
 * baton-ldap-gen: writes a generated directory as LDIF (see gen.h), e.g. for slapadd:
 *     baton-ldap-gen --users 100000 > dir.ldif && slapadd -f slapd.conf -l dir.ldif
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: baton-ldap-gen [--users N] [--groups N] [--unique-groups N] [--posix-groups N]\n"
	           "                      [--dynamic-groups N] [--roles N] [--base-dn DN] [--status-attrs]\n"
	           "                      [--schema] [-o FILE]\n"
	           "Writes the directory as LDIF (to stdout or FILE). --schema prints the slapd.conf schema\n"
	           "lines that --status-attrs needs instead.\n");
}

static int number(const char *s, unsigned *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v > 100000000UL)
		return -1;
	*out = (unsigned)v;
	return 0;
}

int main(int argc, char **argv)
{
	ldapgen_params p;
	const char *path = NULL;
	FILE *out = stdout;
	unsigned users = 1000;
	int i, rc;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--users") == 0 && i + 1 < argc && number(argv[i + 1], &users) != 0) {
			fprintf(stderr, "baton-ldap-gen: --users needs a number\n");
			return 2;
		}
	ldapgen_defaults(&p, users);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		unsigned *target = NULL;
		if (strcmp(a, "--status-attrs") == 0) {
			p.status_attrs = true;
			continue;
		}
		if (strcmp(a, "--schema") == 0) {
			fputs(ldapgen_schema(), stdout);
			return 0;
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		}
		if (v == NULL) {
			usage(stderr);
			return 2;
		}
		if (strcmp(a, "--users") == 0)
			target = &p.users;
		else if (strcmp(a, "--groups") == 0)
			target = &p.groups;
		else if (strcmp(a, "--unique-groups") == 0)
			target = &p.unique_groups;
		else if (strcmp(a, "--posix-groups") == 0)
			target = &p.posix_groups;
		else if (strcmp(a, "--dynamic-groups") == 0)
			target = &p.dynamic_groups;
		else if (strcmp(a, "--roles") == 0)
			target = &p.roles;
		else if (strcmp(a, "--base-dn") == 0)
			p.base_dn = v;
		else if (strcmp(a, "-o") == 0)
			path = v;
		else {
			usage(stderr);
			return 2;
		}
		if (target != NULL && number(v, target) != 0) {
			fprintf(stderr, "baton-ldap-gen: %s needs a number\n", a);
			return 2;
		}
		i++;
	}
	if (p.groups == 0 || p.unique_groups == 0 || p.posix_groups == 0 || p.roles == 0) {
		fprintf(stderr, "baton-ldap-gen: groups, unique, posix groups and roles must be at least 1\n");
		return 2;
	}
	if (path != NULL && (out = fopen(path, "w")) == NULL) {
		perror(path);
		return 1;
	}
	rc = ldapgen_write_ldif(&p, out);
	if (path != NULL && fclose(out) != 0)
		rc = -1;
	if (rc != 0) {
		fprintf(stderr, "baton-ldap-gen: cannot write the LDIF (base DN must start with dc=)\n");
		return 1;
	}
	return 0;
}
