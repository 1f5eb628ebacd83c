/*
 * baton-ldap tests: a private slapd (see slapd_util.h).
 */
#include "slapd_util.h"
#include "testutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *find_file(const char *const *candidates)
{
	for (size_t i = 0; candidates[i] != NULL; i++)
		if (access(candidates[i], F_OK) == 0)
			return candidates[i];
	return NULL;
}

static const char *slapd_bin(void)
{
	static const char *const c[] = {"/usr/sbin/slapd", "/usr/local/sbin/slapd", "/usr/libexec/slapd", NULL};
	return find_file(c);
}

static const char *slapadd_bin(void)
{
	static const char *const c[] = {"/usr/sbin/slapadd", "/usr/local/sbin/slapadd", NULL};
	return find_file(c);
}

static const char *openssl_bin(void)
{
	static const char *const c[] = {"/usr/bin/openssl", "/usr/local/bin/openssl", NULL};
	return find_file(c);
}

const char *slapd_missing_tool(bool tls)
{
	if (slapd_bin() == NULL)
		return "slapd";
	if (slapadd_bin() == NULL)
		return "slapadd";
	if (tls && openssl_bin() == NULL)
		return "openssl";
	return NULL;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

int run_program(const char *bin, const char *const *argv, const char *const *env, const char *out_path,
                const char *err_path, int timeout_s)
{
	const char *args[64];
	size_t n = 0;
	pid_t pid;
	int status = -1;
	long waited = 0;

	args[n++] = bin;
	for (size_t i = 0; argv != NULL && argv[i] != NULL && n < 63; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int out = open(out_path ? out_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int err = open(err_path ? err_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int in = open("/dev/null", O_RDONLY);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (out < 0 || err < 0 || in < 0)
			_exit(127);
		dup2(in, 0);
		dup2(out, 1);
		dup2(err, 2);
		for (size_t i = 0; env != NULL && env[i] != NULL; i++)
			putenv(strdup(env[i]));
		execv(bin, (char *const *)args);
		_exit(127);
	}
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return status;
		if (r < 0 && errno != EINTR)
			return -1;
		if (waited >= (long)timeout_s * test_time_scale() * 1000) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			fprintf(stderr, "%s: killed after %d s\n", bin, timeout_s);
			return status;
		}
		sleep_ms(20);
		waited += 20;
	}
}

char *read_text_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0, r;

	if (f == NULL)
		return NULL;
	do {
		if (n + 4096 + 1 > cap) {
			char *nb;
			cap = cap ? cap * 2 : 8192;
			nb = realloc(buf, cap);
			if (nb == NULL) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		r = fread(buf + n, 1, 4096, f);
		n += r;
	} while (r > 0);
	fclose(f);
	if (buf == NULL && (buf = malloc(1)) == NULL)
		return NULL;
	buf[n] = '\0';
	return buf;
}

static int free_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	if (fd < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 && getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static bool port_open(int port)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	bool ok;

	if (fd < 0)
		return false;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)port);
	ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -1;
	fputs(text, f);
	return fclose(f) == 0 ? 0 : -1;
}

static void remove_tree(const char *dir)
{
	const char *argv[] = {"-rf", dir, NULL};

	if (dir[0] == '\0' || strncmp(dir, "/tmp/", 5) != 0)
		return;
	run_program("/bin/rm", argv, NULL, NULL, NULL, 60);
}

static int make_certs(slapd_server *s)
{
	const char *openssl = openssl_bin();
	char ca_key[600], srv_key[600], csr[600], srv[600], ext[600], err[600];
	int st;

	if (openssl == NULL) {
		fprintf(stderr, "ldap tests: openssl is not installed (needed to make the test server's TLS "
		        "certificate); scripts/setup.sh installs it\n");
		return -1;
	}
	snprintf(ca_key, sizeof(ca_key), "%s/ca.key", s->dir);
	snprintf(s->ca_file, sizeof(s->ca_file), "%s/ca.pem", s->dir);
	snprintf(srv_key, sizeof(srv_key), "%s/server.key", s->dir);
	snprintf(csr, sizeof(csr), "%s/server.csr", s->dir);
	snprintf(srv, sizeof(srv), "%s/server.pem", s->dir);
	snprintf(ext, sizeof(ext), "%s/server.ext", s->dir);
	snprintf(err, sizeof(err), "%s/openssl.log", s->dir);
	if (write_file(ext, "subjectAltName=IP:127.0.0.1,DNS:localhost\n") != 0)
		return -1;
	{
		const char *a[] = {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", s->ca_file,
		                   "-days", "2", "-subj", "/CN=baton-ldap test CA", NULL};
		st = run_program(openssl, a, NULL, NULL, err, 60);
		if (st != 0)
			goto fail;
	}
	{
		const char *a[] = {"req", "-newkey", "rsa:2048", "-nodes", "-keyout", srv_key, "-out", csr, "-subj",
		                   "/CN=127.0.0.1", NULL};
		st = run_program(openssl, a, NULL, NULL, err, 60);
		if (st != 0)
			goto fail;
	}
	{
		const char *a[] = {"x509", "-req", "-in", csr, "-CA", s->ca_file, "-CAkey", ca_key, "-CAcreateserial",
		                   "-out", srv, "-days", "2", "-extfile", ext, NULL};
		st = run_program(openssl, a, NULL, NULL, err, 60);
		if (st != 0)
			goto fail;
	}
	return 0;
fail:
	fprintf(stderr, "ldap tests: openssl failed (status %d); see %s\n", st, err);
	return -1;
}

static int write_config(slapd_server *s, bool tls)
{
	static const char *const schema_dirs[] = {"/etc/ldap/schema/core.schema", "/etc/openldap/schema/core.schema",
	                                          "/usr/local/etc/openldap/schema/core.schema", NULL};
	static const char *const module_dirs[] = {"/usr/lib/ldap/back_mdb.so", "/usr/lib64/openldap/back_mdb.so",
	                                          "/usr/lib/openldap/back_mdb.so", NULL};
	const char *core = find_file(schema_dirs), *mdb = find_file(module_dirs);
	char path[600], schema_dir[600], module_dir[600], db[600];
	FILE *f;

	if (core == NULL) {
		fprintf(stderr, "ldap tests: the OpenLDAP schema files (core.schema) are not installed; install "
		        "slapd (scripts/setup.sh does)\n");
		return -1;
	}
	snprintf(schema_dir, sizeof(schema_dir), "%.*s", (int)(strrchr(core, '/') - core), core);
	snprintf(path, sizeof(path), "%s/baton-test.schema", s->dir);
	if (write_file(path, ldapgen_schema()) != 0)
		return -1;
	snprintf(db, sizeof(db), "%s/db", s->dir);
	if (mkdir(db, 0700) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/slapd.conf", s->dir);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fprintf(f, "include %s/core.schema\ninclude %s/cosine.schema\ninclude %s/nis.schema\n"
	        "include %s/inetorgperson.schema\ninclude %s/dyngroup.schema\ninclude %s/baton-test.schema\n",
	        schema_dir, schema_dir, schema_dir, schema_dir, schema_dir, s->dir);
	fprintf(f, "pidfile %s/slapd.pid\nargsfile %s/slapd.args\n", s->dir, s->dir);
	if (mdb != NULL) {
		snprintf(module_dir, sizeof(module_dir), "%.*s", (int)(strrchr(mdb, '/') - mdb), mdb);
		fprintf(f, "modulepath %s\nmoduleload back_mdb\n", module_dir);
	}
	fprintf(f, "sizelimit unlimited\n");
	if (tls)
		fprintf(f, "TLSCACertificateFile %s\nTLSCertificateFile %s/server.pem\n"
		        "TLSCertificateKeyFile %s/server.key\n", s->ca_file, s->dir, s->dir);
	fprintf(f, "database mdb\nmaxsize 4294967296\nsuffix \"%s\"\nrootdn \"%s\"\nrootpw %s\ndirectory %s\n"
	        "index objectClass eq\nindex uid,cn,memberUid,gidNumber,departmentNumber eq\n",
	        SLAPD_BASE_DN, SLAPD_ADMIN_DN, SLAPD_ADMIN_PW, db);
	return fclose(f) == 0 ? 0 : -1;
}

static int load(slapd_server *s, const ldapgen_params *p)
{
	char ldif[600], conf[600], err[600];
	const char *argv[] = {"-q", "-f", conf, "-l", ldif, NULL};
	const char *slapadd = slapadd_bin();
	ldapgen_params q = *p;
	FILE *f;
	int st;

	q.base_dn = SLAPD_BASE_DN;
	snprintf(ldif, sizeof(ldif), "%s/data.ldif", s->dir);
	snprintf(conf, sizeof(conf), "%s/slapd.conf", s->dir);
	snprintf(err, sizeof(err), "%s/slapadd.log", s->dir);
	if ((f = fopen(ldif, "w")) == NULL)
		return -1;
	if (ldapgen_write_ldif(&q, f) != 0) {
		fclose(f);
		return -1;
	}
	if (fclose(f) != 0)
		return -1;
	if (slapadd == NULL) {
		fprintf(stderr, "ldap tests: slapadd is not installed (Debian: apt-get install slapd ldap-utils; "
		        "scripts/setup.sh installs them)\n");
		return -1;
	}
	st = run_program(slapadd, argv, NULL, NULL, err, 600);
	if (st != 0) {
		char *log = read_text_file(err);
		fprintf(stderr, "ldap tests: slapadd failed (status %d): %s\n", st, log ? log : "");
		free(log);
		return -1;
	}
	return 0;
}

static int launch(slapd_server *s, bool tls)
{
	char conf[600], urls[200], log[600];
	const char *argv[] = {"-f", conf, "-h", urls, "-d", "0", NULL};

	snprintf(conf, sizeof(conf), "%s/slapd.conf", s->dir);
	snprintf(log, sizeof(log), "%s/slapd.log", s->dir);
	s->port = free_port();
	s->tls_port = tls ? free_port() : 0;
	if (s->port <= 0 || (tls && (s->tls_port <= 0 || s->tls_port == s->port)))
		return -1;
	snprintf(s->url, sizeof(s->url), "ldap://127.0.0.1:%d", s->port);
	if (tls) {
		snprintf(s->ldaps_url, sizeof(s->ldaps_url), "ldaps://127.0.0.1:%d", s->tls_port);
		snprintf(urls, sizeof(urls), "%s/ %s/", s->url, s->ldaps_url);
	} else {
		snprintf(urls, sizeof(urls), "%s/", s->url);
	}
	s->pid = fork();
	if (s->pid < 0)
		return -1;
	if (s->pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600), in = open("/dev/null", O_RDONLY);
		const char *args[8] = {slapd_bin()};
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (fd < 0 || in < 0)
			_exit(127);
		dup2(in, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		for (int i = 0; argv[i] != NULL; i++)
			args[i + 1] = argv[i];
		execv(args[0], (char *const *)args);
		_exit(127);
	}
	for (int waited = 0; waited < 20000; waited += 50) {
		int status;
		if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
			char *text = read_text_file(log);
			fprintf(stderr, "ldap tests: slapd exited at start (status %d): %s\n", status, text ? text : "");
			free(text);
			s->pid = 0;
			return 1; /* maybe a port race: the caller tries again */
		}
		if (port_open(s->port) && (!tls || port_open(s->tls_port)))
			return 0;
		sleep_ms(50);
	}
	fprintf(stderr, "ldap tests: slapd did not open its port in 20 s (log %s)\n", log);
	return -1;
}

int slapd_start(slapd_server *s, const ldapgen_params *p, bool tls)
{
	char tmpl[] = "/tmp/baton-ldap-test-XXXXXX";
	int rc = -1;

	memset(s, 0, sizeof(*s));
	if (slapd_bin() == NULL) {
		fprintf(stderr, "ldap tests: slapd is not installed. The baton-ldap tests run a private OpenLDAP "
		        "server: install it (Debian: apt-get install slapd ldap-utils; scripts/setup.sh does)\n");
		return -1;
	}
	if (mkdtemp(tmpl) == NULL) {
		perror("ldap tests: mkdtemp");
		return -1;
	}
	snprintf(s->dir, sizeof(s->dir), "%s", tmpl);
	if (tls && make_certs(s) != 0)
		goto fail;
	if (write_config(s, tls) != 0 || load(s, p) != 0)
		goto fail;
	for (int attempt = 0; attempt < 3; attempt++) {
		rc = launch(s, tls);
		if (rc <= 0)
			break;
	}
	if (rc == 0)
		return 0;
fail:
	fprintf(stderr, "ldap tests: could not start slapd (files in %s)\n", s->dir);
	slapd_stop(s);
	return -1;
}

void slapd_stop(slapd_server *s)
{
	if (s->pid > 0) {
		int status;
		kill(s->pid, SIGTERM);
		for (int waited = 0; waited < 10000; waited += 20) {
			if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
				s->pid = 0;
				break;
			}
			sleep_ms(20);
		}
		if (s->pid > 0) {
			kill(s->pid, SIGKILL);
			waitpid(s->pid, &status, 0);
			s->pid = 0;
		}
	}
	if (getenv("BATON_LDAP_KEEP") == NULL)
		remove_tree(s->dir);
	s->dir[0] = '\0';
}
