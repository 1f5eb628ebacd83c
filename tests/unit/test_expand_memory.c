/*
 * Grant expansion memory stays bounded by the entitlement graph, not by the number of grants:
 * ~200k grants (one destination alone receives 50k principals), heap sampled with mallinfo2()
 * from the progress callback, compared with a run ten times smaller.
 */
#include "expand_testutil.h"

#include <malloc.h>

#include "store/store.h" /* baton__store_grants_build */

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

typedef struct sampler {
	size_t base, peak;
	uint64_t calls;
} sampler;

static size_t heap_now(void)
{
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
}

static int sample(const baton_expand_progress *p, void *userdata)
{
	(void)p;
	sampler *s = userdata;
	size_t now = heap_now();
	if (now > s->peak)
		s->peak = now;
	s->calls++;
	return 0;
}

/*
 * `groups` groups of `per` users, each group feeding a role; plus one big group of `big` users
 * feeding a big role. Returns the number of grants written.
 */
static uint64_t build(xf *f, int groups, int per, int big)
{
	uint64_t n = 0;
	char ent[64], pr[64], exp[64];
	baton_ctx *outer = f->ctx;
	for (int g = 0; g <= groups; g++) {
		baton_ctx *ctx;
		CHECK(baton_ctx_new(&ctx));
		f->ctx = ctx;
		bool is_big = g == groups;
		snprintf(ent, sizeof ent, "group:g%d:member", g);
		xf_ent(f, ent);
		snprintf(exp, sizeof exp, "role:r%d:assigned", g);
		xf_ent(f, exp);
		int members = is_big ? big : per;
		for (int u = 0; u < members; u++) {
			snprintf(pr, sizeof pr, "user:u%d", is_big ? u : g * per + u);
			xf_grant(f, ent, pr);
			n++;
			if (u % 1000 == 999) {
				/* keep the builders' memory small */
				baton_ctx_free(ctx);
				CHECK(baton_ctx_new(&ctx));
				f->ctx = ctx;
			}
		}
		snprintf(pr, sizeof pr, "group:g%d", g);
		xf_exp(f, exp, pr, ent, false, NULL);
		n++;
		baton_ctx_free(ctx);
	}
	f->ctx = outer;
	CHECK(baton_store_flush(f->s));
	return n;
}

static size_t run(int groups, int per, int big, uint64_t *created)
{
	xf *f = xf_new("exp-mem");
	uint64_t written = build(f, groups, per, big);
	/* The grants' unique index is built when the bulk phase of the new file ends (store/bulk.c), in
	 * SQLite's (bounded) page cache: built here, so the sample measures the expansion's own memory,
	 * as when that index was filled while the grants were written. */
	CHECK(baton__store_grants_build(f->s, BATON__GIDX_UNIQUE, true));
	malloc_trim(0);
	sampler sm = {heap_now(), 0, 0};
	sm.peak = sm.base;
	baton_expand_options o = BATON_EXPAND_OPTIONS_INIT;
	o.progress = sample;
	o.progress_data = &sm;
	baton_expand_stats st;
	CHECK(baton_expand_store(f->s, f->sync_id, &o, &st));
	assert_true(sm.calls > 10);
	*created = st.grants_created;
	assert_int_equal(st.grants_created, (uint64_t)groups * (uint64_t)per + (uint64_t)big);
	assert_int_equal(xf_total(f), written + st.grants_created);
	size_t delta = sm.peak > sm.base ? sm.peak - sm.base : 0;
	print_message("%llu grants before, %llu after: heap peak +%zu KiB over %llu samples\n",
	              (unsigned long long)written, (unsigned long long)(written + st.grants_created),
	              delta / 1024, (unsigned long long)sm.calls);
	xf_free(f);
	return delta;
}

static void test_memory_bounded(void **state)
{
	(void)state;
	uint64_t c_small, c_big;
	size_t small = run(100, 50, 5000, &c_small);
	size_t large = run(1000, 50, 50000, &c_big);
	assert_int_equal(c_big, 100000);
#ifndef UNDER_ASAN
	/* Graph: ~2k entitlements and 1k edges. SQLite's page caches are bounded (a few MiB). */
	assert_true(large < (size_t)16 << 20);
	/* Ten times the grants must not mean anywhere near ten times the memory. */
	assert_true(large < small * 3 + ((size_t)4 << 20));
#else
	(void)small;
	(void)large;
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memory_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
