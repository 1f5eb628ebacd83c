/* The store against real files: the Go SDK's samples, bad input, failed saves. */
#define _GNU_SOURCE /* mknod, makedev */
#include "store_testutil.h"

#include "c1z_raw.h"

#include <sys/sysmacros.h>

typedef struct counts {
	uint64_t rt, res, ent, grants, expandable;
} counts;

static counts count_all(baton_store *s)
{
	counts c = {0};
	baton_store_iter *it;
	CHECK(baton_store_list_resource_types(s, NULL, &it));
	baton_resource_type *rt;
	while (baton_store_iter_next_resource_type(it, &rt) == 0)
		c.rt++;
	baton_store_iter_free(it);
	CHECK(baton_store_list_resources(s, NULL, &it));
	baton_resource *r;
	while (baton_store_iter_next_resource(it, &r) == 0)
		c.res++;
	baton_store_iter_free(it);
	CHECK(baton_store_list_entitlements(s, NULL, &it));
	baton_entitlement *e;
	while (baton_store_iter_next_entitlement(it, &e) == 0)
		c.ent++;
	baton_store_iter_free(it);
	CHECK(baton_store_list_grants(s, NULL, &it));
	baton_grant *g;
	int rc;
	while ((rc = baton_store_iter_next_grant(it, &g)) == 0) {
		c.grants++;
		if (baton_annotations_contains(baton_grant_annotations(g), "c1.connector.v2.GrantExpandable"))
			c.expandable++;
	}
	assert_int_equal(rc, BATON_ITEROVER);
	baton_store_iter_free(it);
	return c;
}

static void read_sample(const char *name, uint64_t want_grants, uint64_t want_expandable, bool writable)
{
	const char *p = test_data_path(name);
	char *path = strdup(p);
	size_t l0, l1;
	unsigned char *before = st_read_file(path, &l0);
	struct stat st0, st1;
	assert_int_equal(stat(path, &st0), 0);

	baton_store_options o = BATON_STORE_OPTIONS_INIT;
	o.read_only = !writable;
	baton_store *s;
	CHECK(baton_store_open(path, &o, &s));
	counts c = count_all(s);
	assert_int_equal(c.rt, 4);
	assert_int_equal(c.res, 1221);
	assert_int_equal(c.ent, 342);
	assert_int_equal(c.grants, want_grants);
	assert_int_equal(c.expandable, want_expandable);
	baton_store_counts bc;
	CHECK(baton_store_count(s, NULL, &bc));
	assert_int_equal(bc.grants, want_grants);
	assert_false(baton_store_is_dirty(s)); /* migrations never dirty */
	CHECK(baton_store_close(s));

	assert_int_equal(stat(path, &st1), 0);
	assert_int_equal(st0.st_mtime, st1.st_mtime);
	unsigned char *after = st_read_file(path, &l1);
	assert_int_equal(l0, l1);
	assert_memory_equal(before, after, l0);
	free(before);
	free(after);
	free(path);
	assert_no_temp_left();
}

static void test_sample_unexpanded(void **state)
{
	(void)state;
	read_sample("c1z/expansion-small.unexpanded.c1z", 2909, 409, false);
}

static void test_sample_expanded(void **state)
{
	(void)state;
	read_sample("c1z/expansion-small.expanded.c1z", 14981, 409, false);
}

/* A writable open of an old file migrates the working copy only. */
static void test_sample_writable_unchanged(void **state)
{
	(void)state;
	read_sample("c1z/expansion-small.unexpanded.c1z", 2909, 409, true);
}

/* The expanded sample's sync is finished: it is the default for lists and gets. */
static void test_sample_sync_selection(void **state)
{
	(void)state;
	baton_store *s;
	baton_store_options o = BATON_STORE_OPTIONS_INIT;
	o.read_only = true;
	CHECK(baton_store_open(test_data_path("c1z/expansion-small.expanded.c1z"), &o, &s));
	baton_ctx *ctx;
	CHECK(baton_ctx_new(&ctx));
	baton_sync_run run;
	CHECK(baton_store_sync_latest_finished(s, BATON_SYNC_TYPE_FULL, ctx, &run));
	assert_string_equal(run.id, "36zfOAoWMxQdISbixanQCRBiX7E");
	assert_string_equal(run.ended_at, "2025-12-17 16:33:36.381422");
	baton_grant *g;
	CHECK(baton_store_get_grant(s, NULL, "role:role-0000053:assignment:user:user-0000220", ctx, &g));
	assert_true(baton_grant_source_count(g) >= 1);
	baton_ctx_free(ctx);
	CHECK(baton_store_close(s));
}

/* ------------------------------------------------------------------------------------------ */
/* Bad input                                                                                   */

static void expect_open_error(const char *path, int code, const char *needle)
{
	baton_store *s = NULL;
	baton_error_clear();
	int rc = baton_store_open(path, NULL, &s);
	assert_null(s);
	st_expect_error(rc, code, needle);
	/* the message names the file */
	if (!strstr(baton_error_last()->message, path))
		fail_msg("message \"%s\" does not name %s", baton_error_last()->message, path);
	assert_no_temp_left();
}

/* A small valid c1z written by the store (the caller frees the path). */
static char *valid_c1z(const char *dir)
{
	char *path = st_path(dir, "valid.c1z");
	baton_store *s;
	CHECK(baton_store_open(path, NULL, &s));
	char id[28];
	CHECK(baton_store_sync_start(s, BATON_SYNC_TYPE_FULL, NULL, id));
	CHECK(baton_store_sync_end(s));
	CHECK(baton_store_close(s));
	return path;
}

static void test_bad_input(void **state)
{
	(void)state;
	char *dir = st_mkdtemp("bad");
	char *p = st_path(dir, "x.c1z");

	st_write_file(p, "PK\3\4 not a c1z at all", 21);
	expect_open_error(p, BATON_EINVALID, "wrong magic");
	st_write_file(p, "C1", 2);
	expect_open_error(p, BATON_EINVALID, "wrong magic");
	st_write_file(p, "C1Z3\0\0\0\0\x10manifest", 17);
	expect_open_error(p, BATON_EINVALID, "Pebble/v3");
	st_write_file(p, "C1ZF\0", 5);
	expect_open_error(p, BATON_EDATALOSS, "truncated");

	char *valid = valid_c1z(dir);
	size_t n;
	unsigned char *bytes = st_read_file(valid, &n);

	st_write_file(p, bytes, n / 2);
	expect_open_error(p, BATON_EDATALOSS, "truncated");
	st_write_file(p, bytes, n - 1); /* cut inside the checksum */
	expect_open_error(p, BATON_EDATALOSS, "truncated");

	unsigned char *trailing = malloc(n + 8);
	memcpy(trailing, bytes, n);
	memcpy(trailing + n, "garbage!", 8);
	st_write_file(p, trailing, n + 8);
	expect_open_error(p, BATON_EDATALOSS, "trailing data");
	free(trailing);

	/* A flipped byte in the last block: the content checksum catches it (or the block decoder). */
	unsigned char *bad = malloc(n);
	memcpy(bad, bytes, n);
	bad[n - 12] ^= 0x5a;
	st_write_file(p, bad, n);
	expect_open_error(p, BATON_EDATALOSS, "corrupt data");
	/* A flipped byte of the stored checksum itself. */
	memcpy(bad, bytes, n);
	bad[n - 2] ^= 0x01;
	st_write_file(p, bad, n);
	expect_open_error(p, BATON_EDATALOSS, "checksum mismatch");
	free(bad);
	free(bytes);

	/* Valid zstd, but not a database. */
	unsigned char rnd[65536];
	for (size_t i = 0; i < sizeof rnd; i++)
		rnd[i] = (unsigned char)(i * 2654435761u >> 13);
	st_write_c1z_bytes(p, rnd, sizeof rnd);
	expect_open_error(p, BATON_EDATALOSS, "not a SQLite database");

	/* A SQLite database missing a required table. */
	char *dbp = st_path(dir, "partial.db");
	sqlite3 *db = st_sqlite_open(dbp);
	st_sql(db, "create table v1_resource_types (id integer primary key, external_id text not null, "
	           "data blob not null, sync_id text not null, discovered_at datetime not null);"
	           "create table v1_resources (id integer primary key);"
	           "create table v1_entitlements (id integer primary key);"
	           "create table v1_sync_runs (id integer primary key);");
	sqlite3_close(db);
	st_write_c1z_from_db(dbp, p);
	expect_open_error(p, BATON_EDATALOSS, "required table v1_grants is missing");

	/* Over the decoded-size cap (1 MiB), with and without the fail-fast on the content size. */
	db = st_sqlite_open(dbp);
	st_sql(db, "create table big (b blob); insert into big values (zeroblob(2100000));");
	sqlite3_close(db);
	st_write_c1z_from_db(dbp, p);
	setenv("BATON_DECODER_MAX_DECODED_SIZE_MB", "1", 1);
	expect_open_error(p, BATON_EEXHAUSTED, "BATON_DECODER_MAX_DECODED_SIZE_MB");
	setenv("BATON_DISABLE_FCS_FAIL_FAST", "1", 1);
	expect_open_error(p, BATON_EEXHAUSTED, "BATON_DECODER_MAX_DECODED_SIZE_MB");
	unsetenv("BATON_DISABLE_FCS_FAIL_FAST");
	unsetenv("BATON_DECODER_MAX_DECODED_SIZE_MB");
	/* A window over the memory cap. */
	setenv("BATON_DECODER_MAX_MEMORY_MB", "1", 1);
	expect_open_error(p, BATON_EEXHAUSTED, "BATON_DECODER_MAX_MEMORY_MB");
	unsetenv("BATON_DECODER_MAX_MEMORY_MB");

	/* A missing file and an empty file are new, empty stores. */
	baton_store *s;
	char *missing = st_path(dir, "missing.c1z");
	CHECK(baton_store_open(missing, NULL, &s));
	baton_store_discard(s);
	assert_int_equal(access(missing, F_OK), -1);
	st_write_file(p, "", 0);
	CHECK(baton_store_open(p, NULL, &s));
	CHECK(baton_store_close(s)); /* not dirty: stays empty */
	assert_no_temp_left();

	free(missing);
	free(dbp);
	free(valid);
	free(p);
	st_rmtree(dir);
	free(dir);
}

/* A failed save leaves the previous file as it was, and no .tmp behind. */
static void test_failed_save_keeps_old_file(void **state)
{
	(void)state;
	char *dir = st_mkdtemp("save");
	char *valid = valid_c1z(dir);
	size_t n0, n1;
	unsigned char *b0 = st_read_file(valid, &n0);

	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmp", valid);
	assert_int_equal(mkdir(tmp, 0755), 0); /* "<path>.tmp" cannot be created as a file */

	baton_store *s;
	CHECK(baton_store_open(valid, NULL, &s));
	char id[28];
	CHECK(baton_store_sync_start(s, BATON_SYNC_TYPE_FULL, NULL, id));
	assert_true(baton_store_is_dirty(s));
	int rc = baton_store_close(s);
	assert_int_not_equal(rc, 0);
	assert_non_null(strstr(baton_error_last()->message, ".tmp"));
	unsigned char *b1 = st_read_file(valid, &n1);
	assert_int_equal(n0, n1);
	assert_memory_equal(b0, b1, n0);
	struct stat st;
	assert_int_equal(stat(tmp, &st), 0);
	assert_true(S_ISDIR(st.st_mode)); /* not ours to remove */
	rmdir(tmp);
	assert_no_temp_left();

	/* save_as into a missing directory fails without leaving anything. */
	CHECK(baton_store_open(valid, NULL, &s));
	char *elsewhere = st_path(dir, "no/such/dir/out.c1z");
	assert_int_not_equal(baton_store_save_as(s, elsewhere), 0);
	char *out = st_path(dir, "copy.c1z");
	CHECK(baton_store_save_as(s, out));
	baton_store_discard(s);
	CHECK(baton_store_open(out, NULL, &s));
	baton_ctx *ctx;
	CHECK(baton_ctx_new(&ctx));
	baton_sync_run run;
	CHECK(baton_store_sync_latest_finished(s, BATON_SYNC_TYPE_ANY, ctx, &run));
	baton_ctx_free(ctx);
	baton_store_discard(s);
	assert_int_equal(st_count_entries(dir), 2); /* valid.c1z, copy.c1z: no .tmp */
	assert_no_temp_left();

	free(out);
	free(elsewhere);
	free(b0);
	free(b1);
	free(valid);
	st_rmtree(dir);
	free(dir);
}

/* ---- Target kinds: a writer replaces only a regular file (or nothing) ---------------------- */

enum target_kind {
	T_ABSENT, T_REGULAR, T_LINK_REGULAR, T_LINK_DANGLING, T_DIR, T_FIFO, T_CHARDEV, T_LINK_DEVICE,
	T_LINK_DIR, T_N
};
static const char *const target_names[T_N] = {
	"absent", "regular", "symlink->regular", "dangling symlink", "directory", "FIFO",
	"char device", "symlink->device", "symlink->directory",
};

/* Makes `path` a target of `kind` in `dir`; false when it cannot be made here (mknod as non-root). */
static bool make_target(const char *dir, const char *path, enum target_kind kind, const char *valid)
{
	char *aux = st_path(dir, "aux");
	bool ok = true;
	size_t n;
	unsigned char *b;
	switch (kind) {
	case T_ABSENT:
		break;
	case T_REGULAR:
		b = st_read_file(valid, &n);
		st_write_file(path, b, n);
		free(b);
		break;
	case T_LINK_REGULAR:
		b = st_read_file(valid, &n);
		st_write_file(aux, b, n);
		free(b);
		assert_int_equal(symlink("aux", path), 0);
		break;
	case T_LINK_DANGLING:
		assert_int_equal(symlink("no-such-file", path), 0);
		break;
	case T_DIR:
		assert_int_equal(mkdir(path, 0755), 0);
		break;
	case T_FIFO:
		assert_int_equal(mkfifo(path, 0644), 0);
		break;
	case T_CHARDEV:
		/* the same device as /dev/null, made here: only root can */
		ok = mknod(path, S_IFCHR | 0644, makedev(1, 3)) == 0;
		break;
	case T_LINK_DEVICE:
		assert_int_equal(symlink("/dev/null", path), 0);
		break;
	case T_LINK_DIR:
		assert_int_equal(mkdir(aux, 0755), 0);
		assert_int_equal(symlink("aux", path), 0);
		break;
	default:
		break;
	}
	free(aux);
	return ok;
}

static bool kind_writable(enum target_kind k)
{
	return k == T_ABSENT || k == T_REGULAR || k == T_LINK_REGULAR;
}

/* After a write to `path` of `kind`: written ones hold a c1z with one finished sync (through the
 * link for a link); refused ones are exactly as they were. */
static void check_target_after(const char *dir, const char *path, enum target_kind kind,
                               const struct stat *before)
{
	struct stat st;
	if (kind_writable(kind)) {
		assert_int_equal(lstat(path, &st), 0);
		if (kind == T_LINK_REGULAR) {
			assert_true(S_ISLNK(st.st_mode)); /* written through, the link stays a link */
			char *aux = st_path(dir, "aux");
			assert_int_equal(lstat(aux, &st), 0);
			free(aux);
		}
		assert_true(S_ISREG(st.st_mode));
		baton_store_options ro = BATON_STORE_OPTIONS_INIT;
		ro.read_only = true;
		baton_store *s;
		CHECK(baton_store_open(path, &ro, &s));
		baton_ctx *ctx;
		CHECK(baton_ctx_new(&ctx));
		baton_sync_run run;
		CHECK(baton_store_sync_latest_finished(s, BATON_SYNC_TYPE_ANY, ctx, &run));
		baton_ctx_free(ctx);
		baton_store_discard(s);
		return;
	}
	assert_int_equal(lstat(path, &st), 0);
	assert_int_equal(st.st_mode, before->st_mode);
	assert_int_equal(st.st_ino, before->st_ino);
	assert_int_equal(st.st_rdev, before->st_rdev);
	const char *msg = baton_error_last()->message;
	if (!strstr(msg, "refusing"))
		fail_msg("%s: message does not say it refuses: %s", target_names[kind], msg);
	if (!strstr(msg, path))
		fail_msg("%s: message does not name the path: %s", target_names[kind], msg);
}

/* A new file with one finished sync, through the three writers: a closed writable store (the
 * connector's -f), a resumable one, and save_as (baton expand --output). */
static void test_target_kinds(void **state)
{
	(void)state;
	int skipped = 0;
	for (int writer = 0; writer < 3; writer++) {
		for (int k = 0; k < T_N; k++) {
			char *dir = st_mkdtemp("target");
			char *valid = valid_c1z(dir);
			char *path = st_path(dir, "out.c1z");
			if (!make_target(dir, path, (enum target_kind)k, valid)) {
				skipped++;
				goto next;
			}
			struct stat before;
			memset(&before, 0, sizeof(before));
			lstat(path, &before);
			baton_store *s = NULL;
			char id[28];
			int rc;
			if (writer == 2) {
				CHECK(baton_store_open(valid, NULL, &s));
				CHECK(baton_store_sync_start(s, BATON_SYNC_TYPE_FULL, NULL, id));
				CHECK(baton_store_sync_end(s));
				rc = baton_store_save_as(s, path);
				baton_store_discard(s);
			} else {
				baton_store_options o = BATON_STORE_OPTIONS_INIT;
				o.resumable_work_dir = writer == 1;
				rc = baton_store_open(path, &o, &s);
				if (rc == 0) {
					rc = baton_store_sync_start(s, BATON_SYNC_TYPE_FULL, NULL, id);
					if (rc == 0)
						rc = baton_store_sync_end(s);
					if (rc == 0)
						rc = baton_store_close(s);
					else
						baton_store_discard(s);
				}
			}
			if (kind_writable((enum target_kind)k) && rc != 0)
				fail_msg("writer %d, %s: %s", writer, target_names[k], baton_error_last()->message);
			if (!kind_writable((enum target_kind)k) && rc != BATON_EINVALID)
				fail_msg("writer %d, %s: rc %d, not refused (%s)", writer, target_names[k], rc,
				         baton_error_last()->message);
			check_target_after(dir, path, (enum target_kind)k, &before);
		next:
			free(path);
			free(valid);
			st_rmtree(dir);
			free(dir);
		}
	}
	if (skipped)
		print_message("target kinds: %d cases skipped (mknod needs root)\n", skipped);
	assert_no_temp_left();
}

/* The replacement keeps the old file's permission bits, never setuid, setgid or sticky. */
static void test_replace_drops_special_bits(void **state)
{
	(void)state;
	static const mode_t modes[] = {04755, 02755, 01644, 07777, 06640, 0600};
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		char *dir = st_mkdtemp("suid");
		char *valid = valid_c1z(dir);
		assert_int_equal(chmod(valid, modes[i]), 0);
		baton_store *s;
		char id[28];
		CHECK(baton_store_open(valid, NULL, &s));
		CHECK(baton_store_sync_start(s, BATON_SYNC_TYPE_FULL, NULL, id));
		CHECK(baton_store_sync_end(s));
		CHECK(baton_store_close(s));
		struct stat st;
		assert_int_equal(stat(valid, &st), 0);
		if ((st.st_mode & 07777) != (modes[i] & 0777))
			fail_msg("mode %04o became %04o", (unsigned)modes[i], (unsigned)(st.st_mode & 07777));
		free(valid);
		st_rmtree(dir);
		free(dir);
	}
}

/* ---- Nesting: hostile depth in rows is refused with the row named, never a crash ------------ */

/* A file with one sync: a user, a group with a "member" entitlement, and a grant of it. */
static char *nest_base(const char *dir)
{
	char *path = st_path(dir, "base.c1z");
	baton_store *s;
	baton_ctx *ctx;
	baton_resource_type *ut, *gt;
	baton_resource *u, *grp;
	baton_entitlement *member;
	baton_grant *g;
	char id[28];
	CHECK(baton_store_open(path, NULL, &s));
	CHECK(baton_ctx_new(&ctx));
	CHECK(baton_store_sync_start(s, BATON_SYNC_TYPE_FULL, NULL, id));
	CHECK(baton_resource_type_new(ctx, "user", (const baton_trait[]){BATON_TRAIT_USER}, 1, &ut));
	CHECK(baton_resource_type_new(ctx, "group", (const baton_trait[]){BATON_TRAIT_GROUP}, 1, &gt));
	CHECK(baton_store_put_resource_type(s, ut));
	CHECK(baton_store_put_resource_type(s, gt));
	CHECK(baton_user_resource_new(ctx, "Alice", ut, "alice", &u));
	CHECK(baton_store_put_resource(s, u));
	CHECK(baton_group_resource_new(ctx, "Eng", gt, "eng", &grp));
	CHECK(baton_store_put_resource(s, grp));
	CHECK(baton_assignment_entitlement_new(ctx, grp, "member", &member));
	CHECK(baton_store_put_entitlement(s, member));
	baton_resource_id pid = {"user", "alice"};
	CHECK(baton_grant_new(ctx, grp, "member", &pid, &g));
	CHECK(baton_store_put_grant(s, g));
	CHECK(baton_store_sync_end(s));
	CHECK(baton_store_close(s));
	baton_ctx_free(ctx);
	return path;
}

/* Lists every row of `table`'s kind; returns the first error (0: all read). */
static int list_kind(baton_store *s, int kind)
{
	baton_store_iter *it;
	int rc;
	switch (kind) {
	case 0:
		CHECK(baton_store_list_resources(s, NULL, &it));
		baton_resource *r;
		while ((rc = baton_store_iter_next_resource(it, &r)) == 0)
			;
		break;
	case 1:
		CHECK(baton_store_list_entitlements(s, NULL, &it));
		baton_entitlement *e;
		while ((rc = baton_store_iter_next_entitlement(it, &e)) == 0)
			;
		break;
	default:
		CHECK(baton_store_list_grants(s, NULL, &it));
		baton_grant *g;
		while ((rc = baton_store_iter_next_grant(it, &g)) == 0)
			;
		break;
	}
	baton_store_iter_free(it);
	return rc == BATON_ITEROVER ? 0 : rc;
}

/* Struct (3 messages a level) and ListValue (2) nesting, 100 to 50,000 deep, in a resource's
 * profile, an entitlement's resource and a grant's principal: the store reads what fits under
 * the bound and refuses the rest, naming the table and row. */
static void test_deep_nesting(void **state)
{
	(void)state;
	static const size_t depths[] = {100, 1000, 5000, 50000};
	static const char *const tables[] = {"v1_resources", "v1_entitlements", "v1_grants"};
	char *dir = st_mkdtemp("deep");
	char *base = nest_base(dir);
	char *path = st_path(dir, "deep.c1z");
	for (int kind = 0; kind < 3; kind++) {
		for (int lists = 0; lists < 2; lists++) {
			for (size_t di = 0; di < sizeof(depths) / sizeof(depths[0]); di++) {
				size_t depth = depths[di], n, m, k;
				uint8_t *st = c1z_raw_deep_struct(depth, lists, &n);
				/* Resource{profile(9)}; Entitlement{resource(1)}; Grant{principal(2)} */
				uint8_t *res = c1z_raw_pb_field(9, st, n, &m);
				uint8_t *extra = kind == 0 ? res : c1z_raw_pb_field(kind == 1 ? 1 : 2, res, m, &k);
				if (kind == 0)
					k = m;
				size_t nb;
				unsigned char *b = st_read_file(base, &nb);
				st_write_file(path, b, nb);
				free(b);
				char sql[256];
				snprintf(sql, sizeof sql, "UPDATE %s SET data = data || ?1 WHERE id = (SELECT max(id) FROM %s)",
				         tables[kind], tables[kind]);
				c1z_raw_edit(path, sql, extra, k);
				/* message levels: the row's own 1-3, the Struct, then 3 (or 2) per level */
				size_t levels = (size_t)kind + 1 + 2 + depth * (lists ? 2 : 3) + 1;
				baton_store_options ro = BATON_STORE_OPTIONS_INIT;
				ro.read_only = true;
				baton_store *s;
				CHECK(baton_store_open(path, &ro, &s));
				int rc = list_kind(s, kind);
				if (levels <= 3200) {
					if (rc != 0)
						fail_msg("%s, depth %zu (%s): %s", tables[kind], depth, lists ? "lists" : "structs",
						         baton_error_last()->message);
				} else {
					st_expect_error(rc, BATON_EINVALID, "nested deeper than");
					const char *msg = baton_error_last()->message;
					if (!strstr(msg, tables[kind]) || !strstr(msg, " row ") || !strstr(msg, path))
						fail_msg("%s, depth %zu: the message names no file, table or row: %s", tables[kind],
						         depth, msg);
				}
				baton_store_discard(s);
				free(st);
				if (extra != res)
					free(extra);
				free(res);
			}
		}
	}
	free(path);
	free(base);
	st_rmtree(dir);
	free(dir);
	assert_no_temp_left();
}

/* A grants table missing a column (each of several): one line naming the column, never the schema
 * script; a NULL data column: an error naming the row. */
static void test_missing_column_and_null_data(void **state)
{
	(void)state;
	static const char *const idx[] = {"idx_grants_resource_type_id_resource_id_v1", "idx_grants_principal_id_v1",
	                                  "idx_grants_entitlement_id_principal_id_v1", "idx_grants_external_sync_v1",
	                                  "idx_grants_entitlement_sync_grant_v1", "idx_grants_sync_expansion_v1",
	                                  "idx_grants_sync_needs_expansion_v1"};
	static const char *const cols[] = {"principal_resource_id", "principal_resource_type_id", "entitlement_id",
	                                   "resource_id"};
	char *dir = st_mkdtemp("cols");
	char *base = nest_base(dir);
	char *path = st_path(dir, "cols.c1z");
	for (size_t c = 0; c < sizeof(cols) / sizeof(cols[0]); c++) {
		size_t nb;
		unsigned char *b = st_read_file(base, &nb);
		st_write_file(path, b, nb);
		free(b);
		char sql[256];
		for (size_t i = 0; i < sizeof(idx) / sizeof(idx[0]); i++) {
			snprintf(sql, sizeof sql, "DROP INDEX IF EXISTS %s", idx[i]);
			c1z_raw_edit(path, sql, NULL, 0);
		}
		snprintf(sql, sizeof sql, "ALTER TABLE v1_grants DROP COLUMN %s", cols[c]);
		c1z_raw_edit(path, sql, NULL, 0);
		baton_store *s;
		int rc = baton_store_open(path, NULL, &s);
		assert_int_not_equal(rc, 0);
		const char *msg = baton_error_last()->message;
		if (!strstr(msg, cols[c]) || !strstr(msg, "table v1_grants") || strchr(msg, '\n') || strlen(msg) > 600)
			fail_msg("missing %s: %s", cols[c], msg);
	}
	/* empty data (NULL: the same check) in each kind of row */
	static const char *const tables[] = {"v1_resources", "v1_entitlements", "v1_grants"};
	for (int kind = 0; kind < 3; kind++) {
		size_t nb;
		unsigned char *b = st_read_file(base, &nb);
		st_write_file(path, b, nb);
		free(b);
		char sql[256];
		snprintf(sql, sizeof sql, "UPDATE %s SET data = x'' WHERE id = (SELECT max(id) FROM %s)", tables[kind],
		         tables[kind]);
		c1z_raw_edit(path, sql, NULL, 0);
		baton_store_options ro = BATON_STORE_OPTIONS_INIT;
		ro.read_only = true;
		baton_store *s;
		CHECK(baton_store_open(path, &ro, &s));
		int rc = list_kind(s, kind);
		st_expect_error(rc, BATON_EDATALOSS, "data column is empty"); /* NULL: the schema forbids it */
		if (!strstr(baton_error_last()->message, tables[kind]))
			fail_msg("names no table: %s", baton_error_last()->message);
		baton_store_discard(s);
	}
	free(path);
	free(base);
	st_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sample_unexpanded),
		cmocka_unit_test(test_sample_expanded),
		cmocka_unit_test(test_sample_writable_unchanged),
		cmocka_unit_test(test_sample_sync_selection),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_failed_save_keeps_old_file),
		cmocka_unit_test(test_target_kinds),
		cmocka_unit_test(test_replace_drops_special_bits),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_missing_column_and_null_data),
	};
	return cmocka_run_group_tests(tests, st_tmpdir_setup, st_tmpdir_teardown);
}
