/* Helpers shared by the grant expansion tests (test_expand_*.c): small graphs built with the store. */
#ifndef BATON_EXPAND_TESTUTIL_H
#define BATON_EXPAND_TESTUTIL_H

#include "store_testutil.h"

#include "baton/expand.h"

typedef struct xf {
	baton_ctx *ctx;
	char *dir, *path;
	baton_store *s;
	char sync_id[28];
} xf;

static inline xf *xf_new(const char *tag)
{
	xf *f = calloc(1, sizeof(*f));
	CHECK(baton_ctx_new(&f->ctx));
	f->dir = st_mkdtemp(tag);
	f->path = st_path(f->dir, "sync.c1z");
	CHECK(baton_store_open(f->path, NULL, &f->s));
	CHECK(baton_store_sync_start(f->s, BATON_SYNC_TYPE_FULL, NULL, f->sync_id));
	return f;
}

static inline void xf_free(xf *f)
{
	baton_store_discard(f->s);
	baton_ctx_free(f->ctx);
	st_rmtree(f->dir);
	free(f->dir);
	free(f->path);
	free(f);
}

/* Splits "a:b:c" (no escaping) into at most n parts in ctx memory; returns the count. */
static inline size_t xf_split(xf *f, const char *s, char sep, char **parts, size_t n)
{
	char *copy = baton_ctx_strdup(f->ctx, s);
	size_t k = 0;
	while (copy && k < n) {
		parts[k++] = copy;
		char *c = strchr(copy, sep);
		if (!c)
			break;
		*c = '\0';
		copy = c + 1;
	}
	return k;
}

static inline baton_resource *xf_resource(xf *f, const char *rt, const char *rid)
{
	baton_resource_id id = {rt, rid};
	baton_resource *r;
	CHECK(baton_resource_new_with_id(f->ctx, rid, &id, &r));
	return r;
}

/* Stores entitlement "rt:rid:name". */
static inline void xf_ent(xf *f, const char *ent)
{
	char *p[3];
	assert_int_equal(xf_split(f, ent, ':', p, 3), 3);
	baton_entitlement *e;
	CHECK(baton_assignment_entitlement_new(f->ctx, xf_resource(f, p[0], p[1]), p[2], &e));
	CHECK(baton_store_put_entitlement(f->s, e));
}

/*
 * A grant of entitlement "rt:rid:name" to principal "ptype:pid", with sources "s1,s2" (NULL:
 * none; a leading '*' on a source marks it direct) and, when exp is given, GrantExpandable of the
 * listed entitlement ids ("a,b"), shallow or not, filtered by rts ("user,group" or NULL).
 */
static inline baton_grant *xf_grant_new(xf *f, const char *ent, const char *principal, const char *sources,
                                        const char *exp, bool shallow, const char *rts)
{
	char *p[3], *q[2];
	assert_int_equal(xf_split(f, ent, ':', p, 3), 3);
	assert_int_equal(xf_split(f, principal, ':', q, 2), 2);
	baton_resource_id pid = {q[0], q[1]};
	baton_grant *g;
	CHECK(baton_grant_new(f->ctx, xf_resource(f, p[0], p[1]), p[2], &pid, &g));
	char *list[64];
	if (sources) {
		size_t n = xf_split(f, sources, ',', list, 64);
		for (size_t i = 0; i < n; i++)
			CHECK(baton_grant_add_source(g, list[i] + (list[i][0] == '*'), list[i][0] == '*'));
	}
	if (exp) {
		size_t n = xf_split(f, exp, ',', list, 64);
		char *rl[16];
		size_t nr = rts ? xf_split(f, rts, ',', rl, 16) : 0;
		CHECK(baton_grant_set_expandable(g, (const char *const *)list, n, shallow, (const char *const *)rl, nr));
	}
	return g;
}

static inline void xf_grant(xf *f, const char *ent, const char *principal)
{
	CHECK(baton_store_put_grant(f->s, xf_grant_new(f, ent, principal, NULL, NULL, false, NULL)));
}

static inline void xf_exp(xf *f, const char *ent, const char *principal, const char *exp, bool shallow,
                          const char *rts)
{
	CHECK(baton_store_put_grant(f->s, xf_grant_new(f, ent, principal, NULL, exp, shallow, rts)));
}

static inline int xf_expand(xf *f, baton_expand_stats *st)
{
	return baton_expand_store(f->s, f->sync_id, NULL, st);
}

/*
 * The sources of the grants of `ent` to `principal`: "s1,*s2" in key order ('*' = direct),
 * grants separated by " | "; NULL when there is none. In ctx memory.
 */
static inline const char *xf_sources(xf *f, const char *ent, const char *principal)
{
	char *q[2];
	assert_int_equal(xf_split(f, principal, ':', q, 2), 2);
	baton_resource_id pid = {q[0], q[1]};
	baton_store_query qq = BATON_STORE_QUERY_INIT;
	qq.sync_id = f->sync_id;
	qq.entitlement_id = ent;
	qq.principal = &pid;
	baton_store_iter *it;
	CHECK(baton_store_list_grants(f->s, &qq, &it));
	baton_grant *g;
	char *out = NULL;
	int rc;
	while ((rc = baton_store_iter_next_grant(it, &g)) == 0) {
		char *one = baton_ctx_strdup(f->ctx, "");
		for (size_t i = 0; i < baton_grant_source_count(g); i++) {
			bool direct;
			const char *k = baton_grant_source_at(g, i, &direct);
			one = baton_ctx_sprintf(f->ctx, "%s%s%s%s", one, i ? "," : "", direct ? "*" : "", k);
		}
		out = out ? baton_ctx_sprintf(f->ctx, "%s | %s", out, one) : one;
	}
	assert_int_equal(rc, BATON_ITEROVER);
	baton_store_iter_free(it);
	return out;
}

/* Number of grants of an entitlement. */
static inline size_t xf_count(xf *f, const char *ent)
{
	baton_store_query qq = BATON_STORE_QUERY_INIT;
	qq.sync_id = f->sync_id;
	qq.entitlement_id = ent;
	baton_store_iter *it;
	CHECK(baton_store_list_grants(f->s, &qq, &it));
	baton_grant *g;
	size_t n = 0;
	while (baton_store_iter_next_grant(it, &g) == 0)
		n++;
	baton_store_iter_free(it);
	return n;
}

static inline uint64_t xf_total(xf *f)
{
	baton_store_counts c;
	CHECK(baton_store_count(f->s, f->sync_id, &c));
	return c.grants;
}

#endif
