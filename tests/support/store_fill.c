#include "store_fill.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <zstd.h>

#include "testutil.h"
#include "baton/grant.h"

void store_fill_group_members(baton_store *s, const store_fill_members *m)
{
	baton_ctx *keep;
	CHECK(baton_ctx_new(&keep));
	baton_resource_type *gt;
	CHECK(baton_resource_type_new(keep, "Group", (baton_trait[]){BATON_TRAIT_GROUP}, 1, &gt));
	CHECK(baton_store_put_resource_type(s, gt));
	baton_resource *groups[STORE_FILL_GROUPS];
	for (int g = 0; g < STORE_FILL_GROUPS; g++) {
		char id[16];
		snprintf(id, sizeof id, "g%d", g);
		CHECK(baton_group_resource_new(keep, id, gt, id, &groups[g]));
		CHECK(baton_store_put_resource(s, groups[g]));
	}
	/* the grants' context is renewed every 1000 grants, so a large fill does not hold them all */
	baton_ctx *ctx = NULL;
	for (int i = 0; i < m->grants; i++) {
		if (i % 1000 == 0) {
			baton_ctx_free(ctx);
			CHECK(baton_ctx_new(&ctx));
		}
		int j = m->scattered ? (int)((i * 7919L) % m->grants) : i;
		char uid[64];
		snprintf(uid, sizeof uid, "%s%0*d", m->uid_prefix, m->uid_digits, j / STORE_FILL_GROUPS);
		baton_grant *g;
		CHECK(baton_grant_new(ctx, groups[j % STORE_FILL_GROUPS], "member", &(baton_resource_id){"user", uid},
		                      &g));
		CHECK(baton_store_put_grant(s, g));
		if (m->read_first && i == 0) {
			baton_grant *back;
			CHECK(baton_store_get_grant(s, NULL, baton_grant_id(g), ctx, &back));
		}
	}
	baton_ctx_free(ctx);
	baton_ctx_free(keep);
}

store_fill_fx *store_fill_fx_new(char *dir, const char *file)
{
	store_fill_fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->dir = dir;
	if (file) {
		size_t n = strlen(dir) + strlen(file) + 2;
		f->path = malloc(n);
		assert_non_null(f->path);
		snprintf(f->path, n, "%s/%s", dir, file);
	}
	CHECK(baton_ctx_new(&f->ctx));
	baton_resource_type *gt;
	CHECK(baton_resource_type_new(f->ctx, "Group", NULL, 0, &gt));
	CHECK(baton_group_resource_new(f->ctx, "G", gt, "g1", &f->group));
	return f;
}

void store_fill_fx_free(store_fill_fx *f)
{
	if (!f)
		return;
	baton_ctx_free(f->ctx);
	free(f->dir);
	free(f->path);
	free(f);
}

int store_fill_put_member(store_fill_fx *f, baton_store *s, int i, const char *expandable_from)
{
	char uid[32];
	snprintf(uid, sizeof uid, "u%d", i);
	baton_grant *g;
	CHECK(baton_grant_new(f->ctx, f->group, "member", &(baton_resource_id){"user", uid}, &g));
	if (expandable_from) {
		const char *ids[] = {expandable_from};
		CHECK(baton_grant_set_expandable(g, ids, 1, false, NULL, 0));
	}
	return baton_store_put_grant(s, g);
}

int64_t store_fill_i64(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static unsigned char *read_whole(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("open %s failed", path);
	unsigned char *buf = NULL;
	size_t cap = 0, n = 0, got;
	do {
		if (n == cap) {
			cap = cap ? cap * 2 : 1 << 16;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	assert_false(ferror(f));
	fclose(f);
	*len = n;
	return buf;
}

sqlite3 *store_fill_open_payload(const char *c1z, const char *dir, const char *name)
{
	size_t len = 0;
	unsigned char *buf = read_whole(c1z, &len);
	assert_true(len > 5);
	assert_memory_equal(buf, "C1ZF\0", 5);
	unsigned long long n = ZSTD_getFrameContentSize(buf + 5, len - 5);
	assert_true(n != ZSTD_CONTENTSIZE_ERROR && n != ZSTD_CONTENTSIZE_UNKNOWN);
	void *db = malloc((size_t)n);
	assert_non_null(db);
	size_t got = ZSTD_decompress(db, (size_t)n, buf + 5, len - 5);
	assert_false(ZSTD_isError(got));
	assert_int_equal(got, n);
	free(buf);

	char path[4200];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *out = fopen(path, "wb");
	if (!out)
		fail_msg("create %s failed", path);
	assert_int_equal(fwrite(db, 1, got, out), got);
	assert_int_equal(fclose(out), 0);
	free(db);
	sqlite3 *h;
	if (sqlite3_open(path, &h) != SQLITE_OK)
		fail_msg("sqlite open %s", path);
	return h;
}

long store_fill_file_size(const char *path)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	return (long)st.st_size;
}

void store_fill_read_back(const char *path)
{
	baton_store_options ro = {.version = BATON_STORE_OPTIONS_VERSION, .read_only = true};
	baton_store *s;
	CHECK(baton_store_open(path, &ro, &s));
	CHECK(baton_store_close(s));
}

char *store_fill_grant_rows(sqlite3 *db, bool with_sync)
{
	sqlite3_stmt *st;
	char sql[512];
	snprintf(sql, sizeof sql,
	         "SELECT id || '|' || resource_type_id || '|' || resource_id || '|' || entitlement_id || '|' || "
	         "principal_resource_type_id || '|' || principal_resource_id || '|' || external_id || '|' || "
	         "coalesce(hex(expansion), 'NULL') || '|' || needs_expansion || '|' || hex(data)%s "
	         "FROM v1_grants ORDER BY id",
	         with_sync ? " || '|' || sync_id" : "");
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	size_t cap = 1 << 20, len = 0;
	char *out = malloc(cap);
	assert_non_null(out);
	out[0] = '\0';
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *row = (const char *)sqlite3_column_text(st, 0);
		size_t n = strlen(row);
		while (len + n + 2 > cap) {
			out = realloc(out, cap *= 2);
			assert_non_null(out);
		}
		memcpy(out + len, row, n);
		len += n;
		out[len++] = '\n';
		out[len] = '\0';
	}
	sqlite3_finalize(st);
	return out;
}

bool store_fill_has_unique_index(sqlite3 *db)
{
	return store_fill_i64(db, "SELECT count(*) FROM sqlite_master WHERE name = 'idx_grants_external_sync_v1'") == 1;
}
