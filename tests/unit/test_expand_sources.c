/*
 * Grant expansion reads a source entitlement that feeds several destinations once
 * (src/sync/expand_srcs.c) and applies its kept contributions to each edge with that edge's
 * own shallow flag and principal type filter.
 */
#include "expand_testutil.h"

#include <string.h>

#include "store/store.h"

/* Rows the expansion's source statement (the grants of one source entitlement) returned. */
static int count_source_rows(unsigned type, void *ctx, void *p, void *x)
{
	(void)type;
	(void)x;
	const char *sql = sqlite3_sql((sqlite3_stmt *)p);
	if (sql && strncmp(sql, "SELECT data, principal_resource_type_id", 39) == 0)
		(*(uint64_t *)ctx)++;
	return 0;
}

/* One group of 300 users feeds 8 roles: its grants are read from the store once, not 8 times. */
static void test_source_read_once(void **state)
{
	(void)state;
	xf *f = xf_new("expand-src-once");
	enum { USERS = 300, ROLES = 8 };
	char ent[64], pr[64];
	xf_ent(f, "group:g:member");
	for (int u = 0; u < USERS; u++) {
		snprintf(pr, sizeof pr, "user:u%03d", u);
		xf_grant(f, "group:g:member", pr);
	}
	for (int r = 0; r < ROLES; r++) {
		snprintf(ent, sizeof ent, "role:r%d:assigned", r);
		xf_ent(f, ent);
		xf_exp(f, ent, "group:g", "group:g:member", false, NULL);
	}
	uint64_t rows = 0;
	sqlite3_trace_v2(f->s->db, SQLITE_TRACE_ROW, count_source_rows, &rows);
	baton_expand_stats st;
	CHECK(xf_expand(f, &st));
	sqlite3_trace_v2(f->s->db, 0, NULL, NULL);
	assert_int_equal(st.grants_created, (uint64_t)USERS * ROLES);
	/* once: the 300 user grants (the 8 role grants are not on the source) */
	assert_true(rows >= USERS);
	assert_true(rows < 2 * USERS);
	for (int r = 0; r < ROLES; r++) {
		snprintf(ent, sizeof ent, "role:r%d:assigned", r);
		assert_int_equal(xf_count(f, ent), USERS + 1);
		assert_string_equal(xf_sources(f, ent, "user:u042"), "*group:g:member");
	}
	xf_free(f);
}

/*
 * One source read by four edges with different flags: deep, shallow (only grants that hold the
 * source directly), filtered to groups (no user passes) and filtered to users.
 */
static void test_kept_source_edge_flags(void **state)
{
	(void)state;
	xf *f = xf_new("expand-src-flags");
	xf_ent(f, "group:g:member");
	xf_ent(f, "group:x:member");
	xf_grant(f, "group:g:member", "user:a");
	/* b holds g only through x: an indirect grant of g */
	CHECK(baton_store_put_grant(f->s, xf_grant_new(f, "group:g:member", "user:b", "group:x:member", NULL, false,
	                                               NULL)));
	xf_grant(f, "group:g:member", "group:sub");
	const char *roles[] = {"role:deep:assigned", "role:shallow:assigned", "role:groups:assigned",
	                       "role:users:assigned"};
	for (int i = 0; i < 4; i++)
		xf_ent(f, roles[i]);
	xf_exp(f, roles[0], "group:g", "group:g:member", false, NULL);
	xf_exp(f, roles[1], "group:g", "group:g:member", true, NULL);
	xf_exp(f, roles[2], "group:g", "group:g:member", false, "group");
	xf_exp(f, roles[3], "group:g", "group:g:member", false, "user");
	baton_expand_stats st;
	CHECK(xf_expand(f, &st));

	assert_string_equal(xf_sources(f, roles[0], "user:a"), "*group:g:member");
	assert_string_equal(xf_sources(f, roles[0], "user:b"), "group:g:member");
	assert_string_equal(xf_sources(f, roles[0], "group:sub"), "*group:g:member");

	assert_string_equal(xf_sources(f, roles[1], "user:a"), "*group:g:member");
	assert_null(xf_sources(f, roles[1], "user:b"));
	assert_string_equal(xf_sources(f, roles[1], "group:sub"), "*group:g:member");

	assert_null(xf_sources(f, roles[2], "user:a"));
	assert_null(xf_sources(f, roles[2], "user:b"));
	assert_string_equal(xf_sources(f, roles[2], "group:sub"), "*group:g:member");

	assert_string_equal(xf_sources(f, roles[3], "user:a"), "*group:g:member");
	assert_string_equal(xf_sources(f, roles[3], "user:b"), "group:g:member");
	assert_null(xf_sources(f, roles[3], "group:sub"));
	xf_free(f);
}

/* Statements that rewrite a stored grant's data (expansion merging sources into it). */
static int count_updates(unsigned type, void *ctx, void *p, void *x)
{
	(void)type;
	(void)x;
	const char *sql = sqlite3_sql((sqlite3_stmt *)p);
	if (sql && strncmp(sql, "UPDATE v1_grants SET data", 25) == 0)
		(*(uint64_t *)ctx)++;
	return 0;
}

/*
 * A user in four child groups of one parent gets the parent's grant once, with all four sources,
 * rather than a grant from the first child and one rewrite per later child; a user already
 * holding the parent is rewritten once with every new source.
 */
static void test_node_sources_written_once(void **state)
{
	(void)state;
	xf *f = xf_new("expand-src-node");
	const char *kids[] = {"group:k1:member", "group:k2:member", "group:k3:member", "group:k4:member"};
	xf_ent(f, "group:p:member");
	xf_grant(f, "group:p:member", "user:old");
	for (int i = 0; i < 4; i++) {
		xf_ent(f, kids[i]);
		char kid[32];
		snprintf(kid, sizeof kid, "group:k%d", i + 1);
		xf_exp(f, "group:p:member", kid, kids[i], false, NULL);
		xf_grant(f, kids[i], "user:u");
		xf_grant(f, kids[i], "user:old");
	}
	uint64_t updates = 0;
	sqlite3_trace_v2(f->s->db, SQLITE_TRACE_STMT, count_updates, &updates);
	baton_expand_stats st;
	CHECK(xf_expand(f, &st));
	sqlite3_trace_v2(f->s->db, 0, NULL, NULL);
	assert_int_equal(st.grants_created, 1);
	assert_int_equal(st.grants_updated, 1);
	assert_string_equal(xf_sources(f, "group:p:member", "user:u"),
	                    "*group:k1:member,*group:k2:member,*group:k3:member,*group:k4:member");
	assert_string_equal(xf_sources(f, "group:p:member", "user:old"),
	                    "*group:k1:member,*group:k2:member,*group:k3:member,*group:k4:member,*group:p:member");
	assert_int_equal(updates, 1); /* user:old, once */
	xf_free(f);
}

/*
 * Two roles fed by the same three groups: each group is read by two edges, so its sorted list is
 * kept, and each role's batch is three sorted runs that are merged rather than sorted. Every user
 * gets one grant per role with exactly the groups it is in, and nothing is rewritten (a principal
 * split across the merged batch would be written, then rewritten).
 */
static void test_kept_runs_merged(void **state)
{
	(void)state;
	xf *f = xf_new("expand-src-runs");
	enum { USERS = 120 };
	const char *groups[] = {"group:g1:member", "group:g2:member", "group:g3:member"};
	const char *roles[] = {"role:r1:assigned", "role:r2:assigned"};
	char pr[32];
	for (int k = 0; k < 3; k++) {
		xf_ent(f, groups[k]);
		for (int u = 0; u < USERS; u++) {
			if (u % (k + 2) != 0 && u % 5 != k)
				continue;
			snprintf(pr, sizeof pr, "user:u%d", u); /* not zero-padded: rows are not in key order */
			xf_grant(f, groups[k], pr);
		}
	}
	for (int r = 0; r < 2; r++) {
		xf_ent(f, roles[r]);
		for (int k = 0; k < 3; k++) {
			char g[16];
			snprintf(g, sizeof g, "group:g%d", k + 1);
			xf_exp(f, roles[r], g, groups[k], false, NULL);
		}
	}
	uint64_t updates = 0;
	sqlite3_trace_v2(f->s->db, SQLITE_TRACE_STMT, count_updates, &updates);
	baton_expand_stats st;
	CHECK(xf_expand(f, &st));
	sqlite3_trace_v2(f->s->db, 0, NULL, NULL);
	assert_int_equal(updates, 0);
	uint64_t want = 0;
	for (int r = 0; r < 2; r++) {
		for (int u = 0; u < USERS; u++) {
			char want_src[128] = "";
			for (int k = 0; k < 3; k++)
				if (u % (k + 2) == 0 || u % 5 == k)
					snprintf(want_src + strlen(want_src), sizeof want_src - strlen(want_src), "%s*%s",
					         *want_src ? "," : "", groups[k]);
			snprintf(pr, sizeof pr, "user:u%d", u);
			const char *got = xf_sources(f, roles[r], pr);
			if (*want_src) {
				assert_non_null(got);
				assert_string_equal(got, want_src);
				want++;
			} else {
				assert_null(got);
			}
		}
	}
	assert_int_equal(st.grants_created, want);
	xf_free(f);
}

/*
 * The principals already holding a destination are read without the sync id (expand_pset.c):
 * a principal that holds it only in an older sync of the same file must still get a new grant
 * in the sync being expanded, and the older sync's grant must stay as it was.
 */
static void test_older_sync_principals(void **state)
{
	(void)state;
	xf *f = xf_new("expand-src-oldsync");
	xf_ent(f, "group:d:member");
	xf_grant(f, "group:d:member", "user:u");
	xf_grant(f, "group:d:member", "user:w");
	char old_sync[28];
	memcpy(old_sync, f->sync_id, sizeof old_sync);
	CHECK(baton_store_sync_end(f->s));
	CHECK(baton_store_sync_start(f->s, BATON_SYNC_TYPE_FULL, NULL, f->sync_id));
	assert_string_not_equal(old_sync, f->sync_id);
	xf_ent(f, "group:d:member");
	xf_ent(f, "group:s:member");
	xf_grant(f, "group:s:member", "user:u");
	xf_grant(f, "group:s:member", "user:v");
	xf_grant(f, "group:d:member", "user:w");
	xf_exp(f, "group:d:member", "group:s", "group:s:member", false, NULL);
	baton_expand_stats st;
	CHECK(xf_expand(f, &st));
	assert_int_equal(st.grants_created, 2);
	assert_string_equal(xf_sources(f, "group:d:member", "user:u"), "*group:s:member");
	assert_string_equal(xf_sources(f, "group:d:member", "user:v"), "*group:s:member");
	assert_string_equal(xf_sources(f, "group:d:member", "user:w"), ""); /* direct, untouched */
	assert_int_equal(xf_count(f, "group:d:member"), 4); /* u, v, w and the group */
	/* the older sync: its two grants, unchanged */
	memcpy(f->sync_id, old_sync, sizeof old_sync);
	assert_int_equal(xf_count(f, "group:d:member"), 2);
	assert_string_equal(xf_sources(f, "group:d:member", "user:u"), "");
	assert_null(xf_sources(f, "group:d:member", "user:v"));
	xf_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_source_read_once),
		cmocka_unit_test(test_kept_source_edge_flags),
		cmocka_unit_test(test_node_sources_written_once),
		cmocka_unit_test(test_older_sync_principals),
		cmocka_unit_test(test_kept_runs_merged),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
