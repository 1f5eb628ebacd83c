/*
 * Helpers shared by the `baton` tool tests (test_tool_baton.c, test_tool_baton_cmds.c): running
 * the built binary (its path in baton_bin, set by main) and reading what it printed.
 */
#ifndef BATON_TESTS_TOOL_TESTUTIL_H
#define BATON_TESTS_TOOL_TESTUTIL_H

#include "c1z_raw.h"

#define EXPANDED "c1z/expansion-small.expanded.c1z"
#define UNEXPANDED "c1z/expansion-small.unexpanded.c1z"
#define SYNC_36ZF "36zfOAoWMxQdISbixanQCRBiX7E"

static const char *baton_bin;


/* ---- running the tool -------------------------------------------------------------------- */

typedef struct run {
	int status;     /* exit status, or -1 when killed */
	char *out;      /* stdout, NUL-terminated */
	size_t out_len;
	char *err;      /* stderr */
} run;

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("open %s: %s", path, strerror(errno));
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	if (n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n)
		fail_msg("read %s", path);
	buf[n] = '\0';
	fclose(f);
	if (len)
		*len = (size_t)n;
	return buf;
}

/* Runs baton with the NULL-terminated arguments; stdout and stderr captured in files. */
static void run_baton(run *r, const char *const *args)
{
	char out_path[4096], err_path[4096];
	static unsigned seq;
	const char *argv[64];
	size_t n = 0;

	snprintf(out_path, sizeof(out_path), "%s/tool-%d-%u.out", test_out_dir(), (int)getpid(), seq);
	snprintf(err_path, sizeof(err_path), "%s/tool-%d-%u.err", test_out_dir(), (int)getpid(), seq++);
	argv[n++] = baton_bin;
	for (; args[n - 1] && n < 63; n++)
		argv[n] = args[n - 1];
	argv[n] = NULL;

	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int o = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (o < 0 || e < 0)
			_exit(127);
		dup2(o, 1);
		dup2(e, 2);
		close(o);
		close(e);
		unsetenv("COLUMNS");
		execv(baton_bin, (char *const *)argv);
		_exit(127);
	}
	int st;
	assert_true(waitpid(pid, &st, 0) == pid);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	r->out = slurp(out_path, &r->out_len);
	r->err = slurp(err_path, NULL);
	unlink(out_path);
	unlink(err_path);
}

static void run_free(run *r)
{
	free(r->out);
	free(r->err);
}

#define RUN(r, ...) run_baton((r), (const char *const[]){__VA_ARGS__, NULL})

/* Asserts a successful run with nothing on stderr. */
static void assert_ok(const run *r)
{
	if (r->status != 0 || r->err[0])
		fail_msg("baton failed (status %d): %s", r->status, r->err);
}

/* Asserts exit status `code` and exactly one stderr line "baton: ...containing `needle`". */
static void assert_error(const run *r, int code, const char *needle)
{
	if (r->status != code)
		fail_msg("status %d, wanted %d; stderr: %s", r->status, code, r->err);
	if (strncmp(r->err, "baton: ", 7) != 0)
		fail_msg("stderr does not start with \"baton: \": %s", r->err);
	const char *nl = strchr(r->err, '\n');
	if (!nl || nl[1] != '\0')
		fail_msg("stderr is not exactly one line: %s", r->err);
	if (needle && !strstr(r->err, needle))
		fail_msg("stderr lacks \"%s\": %s", needle, r->err);
	assert_int_equal(r->out_len, 0);
}

/* Runs a JSON command and returns the parsed output (caller decrefs). */
static json_t *run_json(const char *const *args)
{
	run r;
	run_baton(&r, args);
	assert_ok(&r);
	json_t *j = test_json_parse(r.out);
	run_free(&r);
	return j;
}

#define RUN_JSON(...) run_json((const char *const[]){__VA_ARGS__, NULL})

static void copy_file(const char *from, const char *to)
{
	size_t n;
	char *data = slurp(from, &n);
	FILE *f = fopen(to, "wb");
	if (!f)
		fail_msg("create %s: %s", to, strerror(errno));
	assert_int_equal(fwrite(data, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
	free(data);
}

/* ---- small c1z files written with the store API ----------------------------------------- */

typedef struct fixture_row {
	const char *user;        /* user resource id */
	const char *name;        /* display name */
	const char *group_grant; /* "member": a "member" grant on group "eng" for this user; "changed": the
	                          * same grant with metadata {"note":"changed"}; NULL: no grant */
} fixture_row;

/* Every fixture sync holds resource types "user" and "group", and the group "eng"
 * ("Engineering") with its "member" entitlement; all allocated in ctx, freed when the sync ends. */
typedef struct tool_fixture {
	baton_ctx *ctx;
	baton_resource_type *ut, *gt;
	baton_resource *eng;
	baton_entitlement *member; /* group:eng:member */
} tool_fixture;

/* What a test adds to the fixture sync, each NULL when nothing: edit_grant(g, i) changes row i's
 * grant before it is put; more(f, s) puts further rows after the users, before the sync ends. */
typedef struct fixture_more {
	void (*edit_grant)(baton_grant *g, size_t row);
	void (*more)(tool_fixture *f, baton_store *s);
} fixture_more;

/* A new "member" grant of group `grp` to the user `user` (not put: the caller may change it). */
static baton_grant *fixture_member_grant(tool_fixture *f, baton_resource *grp, const char *user)
{
	baton_grant *g;
	CHECK(baton_grant_new(f->ctx, grp, "member", &(baton_resource_id){"user", user}, &g));
	return g;
}

/* Writes one finished full sync into s (its id into id): the types, "eng" and its entitlement,
 * then for each row its user and, as the row says, its grant; then what `more` adds. */
static void write_sync_more(baton_store *s, const fixture_row *rows, size_t n, const fixture_more *more,
                            char id[28])
{
	tool_fixture f;
	CHECK(baton_ctx_new(&f.ctx));
	CHECK(baton_store_sync_start(s, BATON_SYNC_TYPE_FULL, NULL, id));
	CHECK(baton_resource_type_new(f.ctx, "user", (const baton_trait[]){BATON_TRAIT_USER}, 1, &f.ut));
	CHECK(baton_resource_type_new(f.ctx, "group", (const baton_trait[]){BATON_TRAIT_GROUP}, 1, &f.gt));
	CHECK(baton_store_put_resource_type(s, f.ut));
	CHECK(baton_store_put_resource_type(s, f.gt));
	CHECK(baton_group_resource_new(f.ctx, "Engineering", f.gt, "eng", &f.eng));
	CHECK(baton_store_put_resource(s, f.eng));
	CHECK(baton_assignment_entitlement_new(f.ctx, f.eng, "member", &f.member));
	CHECK(baton_store_put_entitlement(s, f.member));
	for (size_t i = 0; i < n; i++) {
		baton_resource *u;
		CHECK(baton_user_resource_new(f.ctx, rows[i].name, f.ut, rows[i].user, &u));
		CHECK(baton_store_put_resource(s, u));
		if (rows[i].group_grant) {
			baton_grant *g = fixture_member_grant(&f, f.eng, rows[i].user);
			if (strcmp(rows[i].group_grant, "member") != 0)
				CHECK(baton_grant_set_metadata_json(g, "{\"note\":\"changed\"}"));
			if (more && more->edit_grant)
				more->edit_grant(g, i);
			CHECK(baton_store_put_grant(s, g));
		}
	}
	if (more && more->more)
		more->more(&f, s);
	CHECK(baton_store_sync_end(s));
	baton_ctx_free(f.ctx);
}

/* write_sync_more with nothing more. */
static void write_sync(baton_store *s, const fixture_row *rows, size_t n, char id[28])
{
	write_sync_more(s, rows, n, NULL, id);
}

static const fixture_row old_rows[] = {
	{"alice", "Alice", "member"},
	{"bob", "Bob", "member"},
	{"carol", "Carol", NULL},
};
/* bob renamed and his grant changed, carol gone, dave new (with a grant). */
static const fixture_row new_rows[] = {
	{"alice", "Alice", "member"},
	{"bob", "Robert", "changed"},
	{"dave", "Dave", "member"},
};

static char *make_file(const char *name, bool two_syncs, char old_id[28], char new_id[28])
{
	char *path = malloc(4096);
	snprintf(path, 4096, "%s/tool-%d-%s.c1z", test_out_dir(), (int)getpid(), name);
	unlink(path);
	baton_store *s;
	CHECK(baton_store_open(path, NULL, &s));
	if (two_syncs) {
		write_sync(s, old_rows, 3, old_id);
		/* ended_at has sub-second precision, but keep the order unambiguous. */
		nanosleep(&(struct timespec){0, 20000000}, NULL);
		write_sync(s, new_rows, 3, new_id);
	} else if (old_id) {
		write_sync(s, old_rows, 3, old_id);
	} else {
		write_sync(s, new_rows, 3, new_id);
	}
	CHECK(baton_store_close(s));
	return path;
}

#endif
