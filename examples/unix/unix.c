/*
 * baton-unix: the local accounts and groups of the machine it runs on, read through the C
 * library (getpwent, getgrent, getspnam: the files, or LDAP/SSSD when NSS is set up so), or from
 * passwd/group/shadow files given on the command line. See README.md here.
 *
 *  - user:  one per account, id = the login name. Display name from the GECOS field, login, status
 *           (below), account type (system below UID_MIN, else human), and a profile with uid,
 *           gid, home, shell and gecos.
 *  - group: one per group, id = the group name, with a `member` entitlement; members are the
 *           group's member list plus every account whose primary group it is (those grants carry
 *           GrantMetadata {"primary": true}).
 *
 * Status: an account is DISABLED when it cannot log in: its shell is a no-login shell
 * (nologin, false), its password is locked ("!" in shadow, as `passwd -l` and `usermod -L` do)
 * or it has expired (shadow's expiry date has passed). The shadow checks need read access to the
 * shadow database (root); without it only the shell decides, and init says so in the log.
 */
#include <baton.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <shadow.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define UNIX_PAGE_SIZE 100

typedef struct unix_user {
	char *name, *gecos, *home, *shell;
	uid_t uid;
	gid_t gid;
	baton_status status;
	const char *why;         /* the status detail, static */
} unix_user;

typedef struct unix_group {
	char *name;
	gid_t gid;
	char **members;          /* NULL-terminated, from gr_mem */
} unix_group;

typedef struct unix_db {
	unix_user *users;
	size_t n_users, cap_users;
	unix_group *groups;
	size_t n_groups, cap_groups;
	long uid_min;
	bool shadow_read;
} unix_db;

static void db_free(unix_db *db)
{
	if (db == NULL)
		return;
	for (size_t i = 0; i < db->n_users; i++) {
		free(db->users[i].name);
		free(db->users[i].gecos);
		free(db->users[i].home);
		free(db->users[i].shell);
	}
	for (size_t i = 0; i < db->n_groups; i++) {
		free(db->groups[i].name);
		for (char **m = db->groups[i].members; m && *m; m++)
			free(*m);
		free(db->groups[i].members);
	}
	free(db->users);
	free(db->groups);
	free(db);
}

static int oom(void)
{
	return baton_error_set(BATON_EEXHAUSTED, "out of memory");
}

static const char *const nologin_shells[] = {
	"/usr/sbin/nologin", "/sbin/nologin", "/usr/bin/nologin", "/bin/false", "/usr/bin/false",
};

static bool is_nologin(const char *shell)
{
	for (size_t i = 0; i < sizeof(nologin_shells) / sizeof(nologin_shells[0]); i++)
		if (!strcmp(shell, nologin_shells[i]))
			return true;
	return false;
}

static int add_user(unix_db *db, const struct passwd *pw)
{
	for (size_t i = 0; i < db->n_users; i++)
		if (!strcmp(db->users[i].name, pw->pw_name))
			return 0; /* the same name from two sources (files, then LDAP): the first wins */
	if (db->n_users == db->cap_users) {
		size_t ncap = db->cap_users ? db->cap_users * 2 : 64;
		unix_user *nu = realloc(db->users, ncap * sizeof(*nu));
		if (nu == NULL)
			return oom();
		db->users = nu;
		db->cap_users = ncap;
	}
	unix_user *u = &db->users[db->n_users];
	memset(u, 0, sizeof(*u));
	u->name = strdup(pw->pw_name);
	u->gecos = strdup(pw->pw_gecos ? pw->pw_gecos : "");
	u->home = strdup(pw->pw_dir ? pw->pw_dir : "");
	u->shell = strdup(pw->pw_shell ? pw->pw_shell : "");
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	db->n_users++;
	if (!u->name || !u->gecos || !u->home || !u->shell)
		return oom();
	u->status = BATON_STATUS_ENABLED;
	if (is_nologin(u->shell)) {
		u->status = BATON_STATUS_DISABLED;
		u->why = "no-login shell";
	}
	return 0;
}

static int add_group(unix_db *db, const struct group *gr)
{
	size_t n = 0;

	for (size_t i = 0; i < db->n_groups; i++)
		if (!strcmp(db->groups[i].name, gr->gr_name))
			return 0;
	if (db->n_groups == db->cap_groups) {
		size_t ncap = db->cap_groups ? db->cap_groups * 2 : 64;
		unix_group *ng = realloc(db->groups, ncap * sizeof(*ng));
		if (ng == NULL)
			return oom();
		db->groups = ng;
		db->cap_groups = ncap;
	}
	unix_group *g = &db->groups[db->n_groups++];
	memset(g, 0, sizeof(*g));
	while (gr->gr_mem && gr->gr_mem[n])
		n++;
	g->name = strdup(gr->gr_name);
	g->gid = gr->gr_gid;
	g->members = calloc(n + 1, sizeof(*g->members));
	if (!g->name || !g->members)
		return oom();
	for (size_t i = 0; i < n; i++)
		if ((g->members[i] = strdup(gr->gr_mem[i])) == NULL)
			return oom();
	return 0;
}

/* Applies one shadow entry: a locked password or a passed expiry date disables the account. */
static void apply_shadow(unix_db *db, const struct spwd *sp, long today)
{
	for (size_t i = 0; i < db->n_users; i++) {
		unix_user *u = &db->users[i];
		if (strcmp(u->name, sp->sp_namp) != 0 || u->status == BATON_STATUS_DISABLED)
			continue;
		if (sp->sp_pwdp && sp->sp_pwdp[0] == '!') {
			u->status = BATON_STATUS_DISABLED;
			u->why = "password locked";
		} else if (sp->sp_expire > 0 && sp->sp_expire <= today) {
			u->status = BATON_STATUS_DISABLED;
			u->why = "account expired";
		}
	}
}

/* UID_MIN of /etc/login.defs, 1000 when absent. */
static long login_defs_uid_min(void)
{
	FILE *f = fopen("/etc/login.defs", "r");
	char line[256];
	long v = 1000;

	if (f == NULL)
		return v;
	while (fgets(line, sizeof(line), f)) {
		char key[64];
		long n;
		if (sscanf(line, " %63s %ld", key, &n) == 2 && !strcmp(key, "UID_MIN"))
			v = n;
	}
	fclose(f);
	return v;
}

static const char *file_kind(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISCHR(m) || S_ISBLK(m))
		return "a device";
	return "not a regular file";
}

/* Opens a regular file for reading; anything else is refused at once (O_NONBLOCK: a FIFO with no
 * writer must not be waited on). */
static int open_file(const char *path, FILE **f)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK), fl;
	struct stat st;

	*f = NULL;
	memset(&st, 0, sizeof(st));
	if (fd < 0)
		return baton_error_set(errno == ENOENT ? BATON_ENOTFOUND : BATON_EPERM, "%s: %s", path,
		                       strerror(errno));
	if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
		close(fd);
		return baton_error_set(BATON_EINVALID, "%s: is %s, not a regular file", path,
		                       file_kind(st.st_mode));
	}
	if (!S_ISREG(st.st_mode) || (fl = fcntl(fd, F_GETFL)) < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0 ||
	    (*f = fdopen(fd, "r")) == NULL) {
		int rc = baton_error_set(BATON_EPERM, "%s: %s", path, strerror(errno));
		close(fd);
		return rc;
	}
	return 0;
}

typedef enum unix_file { UNIX_PASSWD, UNIX_GROUP, UNIX_SHADOW } unix_file;

/*
 * Reads a passwd(5), group(5) or shadow(5) file given on the command line, one line at a time.
 * The C library's fgetpwent & co. skip a line they cannot parse without a word, so a wrong file
 * (a CSV, a truncated copy) would read as fewer accounts or none, and sync as such: here every
 * line that is not blank or a comment must parse, or the load fails naming the file and line;
 * a file with no entry at all is refused too.
 */
static int read_file(unix_db *db, const char *path, unix_file kind, long today)
{
	static const char *const formats[] = {"passwd(5)", "group(5)", "shadow(5)"};
	char *line = NULL;
	size_t cap = 0, lineno = 0, entries = 0;
	ssize_t len;
	FILE *f;
	int rc;

	if ((rc = open_file(path, &f)) != 0)
		return rc;
	while (rc == 0 && (len = getline(&line, &cap, f)) >= 0) {
		const char *p = line;
		FILE *one;
		lineno++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\n' || *p == '\0' || *p == '#')
			continue;
		if (memchr(line, '\0', (size_t)len) != NULL) {
			rc = baton_error_set(BATON_EINVALID, "%s line %zu: holds a NUL byte", path, lineno);
			break;
		}
		if ((one = fmemopen(line, (size_t)len, "r")) == NULL) {
			rc = oom();
			break;
		}
		if (kind == UNIX_PASSWD) {
			struct passwd *pw = fgetpwent(one);
			rc = pw == NULL ? 1 : add_user(db, pw);
		} else if (kind == UNIX_GROUP) {
			struct group *gr = fgetgrent(one);
			rc = gr == NULL ? 1 : add_group(db, gr);
		} else {
			struct spwd *sp = fgetspent(one);
			if (sp != NULL)
				apply_shadow(db, sp, today);
			rc = sp == NULL;
		}
		fclose(one);
		if (rc == 1)
			rc = baton_error_set(BATON_EINVALID, "%s line %zu: not in %s format", path, lineno,
			                     formats[kind]);
		entries++;
	}
	if (rc == 0 && ferror(f))
		rc = baton_error_set(BATON_EUNAVAILABLE, "%s: read error", path);
	if (rc == 0 && entries == 0)
		rc = baton_error_set(BATON_EINVALID, "%s: no entry in %s format", path, formats[kind]);
	free(line);
	fclose(f);
	return rc;
}

static int cmp_user(const void *a, const void *b)
{
	return strcmp(((const unix_user *)a)->name, ((const unix_user *)b)->name);
}

static int cmp_group(const void *a, const void *b)
{
	return strcmp(((const unix_group *)a)->name, ((const unix_group *)b)->name);
}

static int db_load(baton_ctx *ctx, unix_db *db)
{
	const char *passwd_file = baton_ctx_config_string(ctx, "passwd-file");
	const char *group_file = baton_ctx_config_string(ctx, "group-file");
	const char *shadow_file = baton_ctx_config_string(ctx, "shadow-file");
	long today = (long)(time(NULL) / 86400);
	int rc = 0;

	db->uid_min = baton_ctx_config_is_set(ctx, "uid-min") ? (long)baton_ctx_config_int(ctx, "uid-min")
	                                                       : login_defs_uid_min();
	if (*passwd_file) {
		rc = read_file(db, passwd_file, UNIX_PASSWD, today);
	} else {
		struct passwd *pw;
		setpwent();
		while (rc == 0 && (pw = getpwent()) != NULL)
			rc = add_user(db, pw);
		endpwent();
	}
	if (rc)
		return rc;
	if (*group_file) {
		rc = read_file(db, group_file, UNIX_GROUP, today);
	} else {
		struct group *gr;
		setgrent();
		while (rc == 0 && (gr = getgrent()) != NULL)
			rc = add_group(db, gr);
		endgrent();
	}
	if (rc)
		return rc;
	if (*shadow_file) {
		if ((rc = read_file(db, shadow_file, UNIX_SHADOW, today)) != 0)
			return rc;
		db->shadow_read = true;
	} else if (!*passwd_file) {
		/* The shadow database, when this process may read it (root). */
		for (size_t i = 0; i < db->n_users; i++) {
			struct spwd *sp = getspnam(db->users[i].name);
			if (sp != NULL) {
				db->shadow_read = true;
				apply_shadow(db, sp, today);
			}
		}
		endspent();
	}
	if (db->n_users > 1)
		qsort(db->users, db->n_users, sizeof(*db->users), cmp_user);
	if (db->n_groups > 1)
		qsort(db->groups, db->n_groups, sizeof(*db->groups), cmp_group);
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Callbacks                                                                                   */

static unix_db *db_of(baton_ctx *ctx)
{
	return baton_ctx_userdata(ctx);
}

static int unix_init(baton_ctx *ctx, void **userdata)
{
	unix_db *db = calloc(1, sizeof(*db));
	int rc;

	if (db == NULL)
		return oom();
	if ((rc = db_load(ctx, db)) != 0) {
		db_free(db);
		return rc;
	}
	if (!db->shadow_read)
		baton_ctx_log(ctx, BATON_LOG_INFO, "the shadow database is not readable (run as root, or "
		              "give --shadow-file): locked and expired accounts are not detected");
	baton_ctx_log(ctx, BATON_LOG_INFO, "%zu accounts, %zu groups", db->n_users, db->n_groups);
	*userdata = db;
	return 0;
}

static void unix_close(void *userdata)
{
	db_free(userdata);
}

static int page(baton_ctx *ctx, size_t *start, size_t *end)
{
	const char *tok = baton_ctx_page_token(ctx);
	uint32_t size = baton_ctx_page_size(ctx);
	char *e;

	*start = *tok ? (size_t)strtoull(tok, &e, 10) : 0;
	if (*tok && *e)
		return baton_error_set(BATON_EINVALID, "page token corrupt: \"%s\"", tok);
	*end = *start + (size ? size : UNIX_PAGE_SIZE);
	return 0;
}

static int next_page(baton_ctx *ctx, size_t end, size_t total)
{
	char tok[32];

	if (end >= total)
		return 0;
	snprintf(tok, sizeof(tok), "%zu", end);
	return baton_ctx_set_next_page(ctx, tok);
}

static int user_resource(baton_ctx *ctx, const unix_db *db, const unix_user *u, baton_resource **out)
{
	char name[256];
	baton_resource *r;
	baton_user_trait *ut;
	int rc;

	/* GECOS: "Full Name,room,work phone,home phone,other" */
	snprintf(name, sizeof(name), "%.*s", (int)strcspn(u->gecos, ","), u->gecos);
	if ((rc = baton_user_resource_new(ctx, *name ? name : u->name, baton_ctx_resource_type(ctx),
	                                  u->name, &r)) != 0)
		return rc;
	if ((ut = baton_resource_user_trait(r)) == NULL)
		return baton_error_last()->code;
	bool system = (long)u->uid < db->uid_min || u->uid == 65534;
	if ((rc = baton_user_trait_set_login(ut, u->name, NULL, 0)) != 0 ||
	    (rc = baton_user_trait_set_status(ut, u->status, u->why)) != 0 ||
	    (rc = baton_user_trait_set_account_type(ut, system ? BATON_ACCOUNT_TYPE_SYSTEM
	                                                       : BATON_ACCOUNT_TYPE_HUMAN)) != 0)
		return rc;
	/* the profile, a JSON object: uid, gid and the strings, escaped */
	{
		const char *fields[3][2] = {{"home", u->home}, {"shell", u->shell}, {"gecos", u->gecos}};
		size_t cap = 128 + strlen(u->home) * 6 + strlen(u->shell) * 6 + strlen(u->gecos) * 6;
		char *json = baton_ctx_alloc(ctx, cap);
		size_t n;
		if (json == NULL)
			return baton_error_last()->code;
		n = (size_t)snprintf(json, cap, "{\"uid\":%lu,\"gid\":%lu", (unsigned long)u->uid,
		                     (unsigned long)u->gid);
		for (size_t f = 0; f < 3; f++) {
			n += (size_t)snprintf(json + n, cap - n, ",\"%s\":\"", fields[f][0]);
			for (const unsigned char *p = (const unsigned char *)fields[f][1]; *p; p++) {
				if (*p == '"' || *p == '\\')
					n += (size_t)snprintf(json + n, cap - n, "\\%c", *p);
				else if (*p < 0x20)
					n += (size_t)snprintf(json + n, cap - n, "\\u%04x", *p);
				else
					json[n++] = (char)*p;
			}
			json[n++] = '"';
		}
		json[n++] = '}';
		json[n] = '\0';
		rc = baton_user_trait_set_profile_json(ut, json);
	}
	if (rc == 0)
		*out = r;
	return rc;
}

static int list_users(baton_ctx *ctx, const baton_resource_id *parent)
{
	unix_db *db = db_of(ctx);
	size_t start = 0, end = 0;
	int rc;

	if ((rc = page(ctx, &start, &end)) != 0)
		return rc;
	for (size_t i = start; i < db->n_users && i < end; i++) {
		baton_resource *r;
		if ((rc = user_resource(ctx, db, &db->users[i], &r)) != 0 ||
		    (rc = baton_ctx_emit_resource(ctx, r)) != 0)
			return rc;
	}
	return next_page(ctx, end, db->n_users);
}

static int list_groups(baton_ctx *ctx, const baton_resource_id *parent)
{
	unix_db *db = db_of(ctx);
	size_t start = 0, end = 0;
	int rc;

	if ((rc = page(ctx, &start, &end)) != 0)
		return rc;
	for (size_t i = start; i < db->n_groups && i < end; i++) {
		const unix_group *g = &db->groups[i];
		baton_resource *r;
		char *profile = baton_ctx_sprintf(ctx, "{\"gid\":%lu}", (unsigned long)g->gid);
		if (profile == NULL)
			return baton_error_last()->code;
		if ((rc = baton_group_resource_new(ctx, g->name, baton_ctx_resource_type(ctx), g->name, &r)) != 0 ||
		    (rc = baton_resource_set_profile_json(r, profile)) != 0 ||
		    (rc = baton_ctx_emit_resource(ctx, r)) != 0)
			return rc;
	}
	return next_page(ctx, end, db->n_groups);
}

static const baton_trait user_traits[] = {BATON_TRAIT_USER};
static const baton_resource_syncer user_type = {
	.version = BATON_RESOURCE_SYNCER_VERSION,
	.name = "User",
	.traits = user_traits,
	.n_traits = 1,
	.description = "A local account",
	.list = list_users,
};

static int group_entitlements(baton_ctx *ctx, const baton_resource *group)
{
	static const baton_trait t[] = {BATON_TRAIT_USER};
	baton_resource_type *users;
	baton_entitlement *e;
	int rc;

	if ((rc = baton_assignment_entitlement_new(ctx, group, "member", &e)) != 0 ||
	    (rc = baton_entitlement_set_display_name(e, baton_ctx_sprintf(ctx, "%s member",
	                                             baton_resource_display_name(group)))) != 0 ||
	    (rc = baton_entitlement_set_description(e, "Member of the group, as its primary group or "
	                                            "listed in it")) != 0 ||
	    (rc = baton_resource_type_new(ctx, "User", t, 1, &users)) != 0 ||
	    (rc = baton_entitlement_set_grantable_to(e, (const baton_resource_type *const[]){users}, 1)) != 0)
		return rc;
	return baton_ctx_emit_entitlement(ctx, e);
}

static const unix_group *find_group(const unix_db *db, const char *name)
{
	unix_group key = {.name = (char *)name};

	if (db->n_groups == 0)
		return NULL;
	return bsearch(&key, db->groups, db->n_groups, sizeof(*db->groups), cmp_group);
}

static const unix_user *find_user(const unix_db *db, const char *name)
{
	unix_user key = {.name = (char *)name};

	if (db->n_users == 0)
		return NULL;
	return bsearch(&key, db->users, db->n_users, sizeof(*db->users), cmp_user);
}

/*
 * The members of one group, in one page: the accounts whose primary group it is (in name order),
 * then the listed members that are accounts and not already primary members.
 */
static int group_grants(baton_ctx *ctx, const baton_resource *group)
{
	unix_db *db = db_of(ctx);
	const unix_group *g = find_group(db, baton_resource_get_id(group).resource);
	int rc;

	if (g == NULL)
		return baton_error_set(BATON_ENOTFOUND, "group %s is gone", baton_resource_get_id(group).resource);
	for (size_t i = 0; i < db->n_users; i++) {
		const unix_user *u = &db->users[i];
		baton_resource_id p = {"user", u->name};
		baton_grant *gr;
		if (u->gid != g->gid)
			continue;
		if ((rc = baton_grant_new(ctx, group, "member", &p, &gr)) != 0 ||
		    (rc = baton_grant_set_metadata_json(gr, "{\"primary\": true}")) != 0 ||
		    (rc = baton_ctx_emit_grant(ctx, gr)) != 0)
			return rc;
	}
	for (char **m = g->members; *m; m++) {
		const unix_user *u = find_user(db, *m);
		baton_resource_id p = {"user", *m};
		baton_grant *gr;
		bool dup = false;
		if (u == NULL) {
			baton_ctx_log(ctx, BATON_LOG_DEBUG, "group %s lists %s, which is no account", g->name, *m);
			continue;
		}
		if (u->gid == g->gid)
			continue;
		for (char **o = g->members; o < m; o++)
			dup = dup || !strcmp(*o, *m);
		if (dup)
			continue;
		if ((rc = baton_grant_new(ctx, group, "member", &p, &gr)) != 0 ||
		    (rc = baton_ctx_emit_grant(ctx, gr)) != 0)
			return rc;
	}
	return 0;
}

static const baton_trait group_traits[] = {BATON_TRAIT_GROUP};
static const baton_resource_syncer group_type = {
	.version = BATON_RESOURCE_SYNCER_VERSION,
	.name = "Group",
	.traits = group_traits,
	.n_traits = 1,
	.description = "A local group",
	.list = list_groups,
	.entitlements = group_entitlements,
	.grants = group_grants,
};

static const baton_resource_syncer *const unix_types[] = {&user_type, &group_type};

static const baton_field unix_fields[] = {
	{.name = "passwd-file", .kind = BATON_FIELD_STRING,
	 .description = "Read accounts from this passwd(5) file instead of the system's database"},
	{.name = "group-file", .kind = BATON_FIELD_STRING,
	 .description = "Read groups from this group(5) file instead of the system's database"},
	{.name = "shadow-file", .kind = BATON_FIELD_STRING,
	 .description = "Read lock and expiry from this shadow(5) file (default: the system's shadow "
	                "database when the system's passwd database is used and it is readable)"},
	{.name = "uid-min", .kind = BATON_FIELD_INT,
	 .description = "Accounts below this uid are system accounts (default: UID_MIN of "
	                "/etc/login.defs, else 1000)"},
};

static const baton_config_schema unix_schema = {
	.version = BATON_CONFIG_SCHEMA_VERSION,
	.fields = unix_fields,
	.n_fields = sizeof(unix_fields) / sizeof(unix_fields[0]),
};

static const baton_connector unix_connector = {
	.version = BATON_CONNECTOR_VERSION,
	.display_name = "Unix accounts",
	.description = "Local accounts and groups of a Unix machine",
	.init = unix_init,
	.close = unix_close,
	.resource_types = unix_types,
	.n_resource_types = sizeof(unix_types) / sizeof(unix_types[0]),
	.config = &unix_schema,
};

int main(int argc, char **argv)
{
	return baton_main(argc, argv, &unix_connector);
}
