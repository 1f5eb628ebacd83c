/*
 * Helpers for the baton-ldap tests: a private OpenLDAP server (slapd) on loopback, loaded with a
 * generated directory, and running the baton-ldap binary.
 *
 * slapd_start() writes a slapd.conf and the LDIF into a fresh temporary directory, loads it with
 * slapadd, and starts slapd in the foreground (-d 0) as the current user on 127.0.0.1 with
 * ephemeral ports (ldap://, and ldaps:// with a generated CA when TLS is asked for). It waits at
 * most 20 s for the port. The server dies with the test process (PR_SET_PDEATHSIG) and
 * slapd_stop() ends it (SIGTERM, then SIGKILL after 10 s) and removes the directory. The test
 * programs check slapd_missing_tool() first and exit 77 (ctest: Skipped) when slapd, slapadd or
 * (for TLS) openssl is not installed; scripts/setup.sh installs them.
 */
#ifndef BATON_LDAP_SLAPD_UTIL_H
#define BATON_LDAP_SLAPD_UTIL_H

#include <stdbool.h>
#include <sys/types.h>

#include "gen.h"

#define SLAPD_BASE_DN "dc=example,dc=org"
#define SLAPD_ADMIN_DN "cn=admin,dc=example,dc=org"
#define SLAPD_ADMIN_PW "secret-Admin-pw"

typedef struct slapd_server {
	char dir[512];
	char url[64];
	char ldaps_url[64];   /* "" without TLS */
	char ca_file[600];    /* "" without TLS */
	int port, tls_port;
	pid_t pid;
} slapd_server;

/* NULL when the programs slapd_start() needs are installed (slapd, slapadd, and openssl when
 * `tls`), else the name of the first one missing (a static string). */
const char *slapd_missing_tool(bool tls);

/* 0, or -1 with the reason printed on stderr (the server is stopped and its directory removed). */
int slapd_start(slapd_server *s, const ldapgen_params *p, bool tls);
void slapd_stop(slapd_server *s);

/*
 * Runs `bin` with argv (argv[0] is set to bin; NULL-terminated after it), extra environment
 * `env` ("NAME=value", NULL-terminated; may be NULL), stdout to out_path and stderr to err_path
 * (NULL: /dev/null), killed after timeout_s. Returns the wait status, or -1.
 */
int run_program(const char *bin, const char *const *argv, const char *const *env, const char *out_path,
                const char *err_path, int timeout_s);

/* The whole of a (small) file, malloc'd and NUL-terminated, or NULL. */
char *read_text_file(const char *path);

#endif
