/* `syncs` and `stats`. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

int cmd_syncs(tool *t)
{
	baton_ctx *ctx;
	baton_sync_run *runs;
	size_t n;
	int rc;

	if ((rc = tool_open(t, false)) != 0)
		return rc;
	if (baton_ctx_new(&ctx) < 0)
		return tool_fail_last();
	if ((rc = baton_store_sync_list(t->store, ctx, &runs, &n)) < 0) {
		rc = tool_fail_last();
		baton_ctx_free(ctx);
		return rc;
	}
	if (t->format == FORMAT_JSON) {
		json_list l;
		json_list_begin(&l, stdout, "syncs");
		for (size_t i = 0; i < n && rc == 0; i++) {
			Baton__V1__SyncOutput o = BATON__V1__SYNC_OUTPUT__INIT;
			o.id = (char *)runs[i].id;
			o.started_at = pb_timestamp(&t->arena, runs[i].started_at);
			o.ended_at = pb_timestamp(&t->arena, runs[i].ended_at);
			o.sync_token = (char *)(runs[i].sync_token ? runs[i].sync_token : "");
			o.sync_type = (char *)baton_sync_type_name(runs[i].type);
			o.parent_sync_id = (char *)(runs[i].parent_sync_id ? runs[i].parent_sync_id : "");
			rc = json_list_add(&l, &o.base);
		}
		if (rc == 0)
			rc = json_list_end(&l);
	} else {
		static const char *const headers[] = {"ID", "Started At", "Ended At", "Type", "Parent ID", "Token"};
		table *tb = table_new(6, headers);
		if (!tb)
			rc = BATON_EEXHAUSTED;
		for (size_t i = 0; i < n && rc == 0; i++) {
			char started[40], ended[40];
			tool_format_time(runs[i].started_at, started, sizeof(started));
			tool_format_time(runs[i].ended_at, ended, sizeof(ended));
			const char *cells[] = {runs[i].id, started, ended, baton_sync_type_name(runs[i].type),
			                       runs[i].parent_sync_id, runs[i].sync_token};
			rc = table_add(tb, cells);
		}
		if (rc == 0)
			table_print(tb, stdout);
		table_free(tb);
	}
	baton_ctx_free(ctx);
	return rc < 0 ? tool_fail_last() : TOOL_EXIT_OK;
}

/* ---- stats ------------------------------------------------------------------------------- */

typedef struct type_count {
	const char *id;
	bool known;            /* a resource type of the sync */
	int64_t resources, entitlements, grants;
} type_count;

typedef struct counter {
	baton_arena *a;
	strmap by_id;
	type_count **list;
	size_t n, cap;
} counter;

static type_count *count_for(counter *c, const char *id)
{
	type_count *tc = strmap_get(&c->by_id, id, strlen(id));
	if (tc)
		return tc;
	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 16;
		type_count **nl = realloc(c->list, ncap * sizeof(*nl));
		if (!nl)
			return NULL;
		c->list = nl;
		c->cap = ncap;
	}
	if (!(tc = baton_arena_alloc(c->a, sizeof(*tc))) || !(tc->id = baton_arena_strdup(c->a, id)) ||
	    strmap_put(&c->by_id, tc->id, strlen(tc->id), tc) < 0)
		return NULL;
	c->list[c->n++] = tc;
	return tc;
}

static int cmp_count(const void *a, const void *b)
{
	return strcmp((*(type_count *const *)a)->id, (*(type_count *const *)b)->id);
}

typedef C1__Reader__V2__SyncStats__ResourcesByResourceTypeEntry map_entry;

/* A map field's entries for the counts selected by `pick` (only non-zero ones unless `all`). */
static int make_map(baton_arena *a, counter *c, int which, bool only_known, size_t *n_out,
                    map_entry ***out)
{
	map_entry **arr = c->n ? baton_arena_alloc(a, c->n * sizeof(*arr)) : NULL;
	size_t n = 0;
	if (c->n && !arr)
		return baton_error_set(BATON_EEXHAUSTED, "out of memory");
	for (size_t i = 0; i < c->n; i++) {
		type_count *tc = c->list[i];
		int64_t v = which == 0 ? tc->resources : which == 1 ? tc->entitlements : tc->grants;
		if (only_known ? !tc->known : v == 0)
			continue;
		/* The three map entry types are laid out alike (key = 1, value = 2). */
		map_entry *e = baton_arena_alloc(a, sizeof(*e));
		if (!e)
			return baton_error_set(BATON_EEXHAUSTED, "out of memory");
		c1__reader__v2__sync_stats__resources_by_resource_type_entry__init(e);
		if (which == 1)
			e->base.descriptor = &c1__reader__v2__sync_stats__entitlements_by_resource_type_entry__descriptor;
		else if (which == 2)
			e->base.descriptor = &c1__reader__v2__sync_stats__grants_by_resource_type_entry__descriptor;
		e->key = (char *)tc->id;
		e->value = v;
		arr[n++] = e;
	}
	*n_out = n;
	*out = arr;
	return 0;
}

/* Counts the rows of one sync as the Go SDK's stats do. */
static int compute_stats(tool *t, const baton_sync_run *run, C1__Reader__V2__SyncStats **out)
{
	baton_arena *a = &t->arena;
	baton_store_query q = BATON_STORE_QUERY_INIT;
	baton_store_iter *it = NULL;
	counter c = {a, {0}, NULL, 0, 0};
	int rc;

	strmap_init(&c.by_id, a);
	C1__Reader__V2__SyncStats *st = baton_arena_alloc(a, sizeof(*st));
	if (!st)
		return baton_error_set(BATON_EEXHAUSTED, "out of memory");
	c1__reader__v2__sync_stats__init(st);
	q.sync_id = run->id;

	baton_resource_type *rt;
	rc = baton_store_list_resource_types(t->store, &q, &it);
	while (rc == 0 && (rc = baton_store_iter_next_resource_type(it, &rt)) == 0) {
		type_count *tc = count_for(&c, baton_resource_type_id(rt));
		if (!tc) {
			rc = baton_error_set(BATON_EEXHAUSTED, "out of memory");
			break;
		}
		if (!tc->known)
			st->resource_types++;
		tc->known = true;
	}
	baton_store_iter_free(it);
	it = NULL;
	if (rc != BATON_ITEROVER)
		goto done;

	baton_resource *r;
	rc = baton_store_list_resources(t->store, &q, &it);
	while (rc == 0 && (rc = baton_store_iter_next_resource(it, &r)) == 0) {
		const char *type = baton_resource_get_id(r).resource_type;
		type_count *tc = strmap_get(&c.by_id, type, strlen(type));
		if (tc && tc->known) {
			tc->resources++;
			st->resources++;
		}
	}
	baton_store_iter_free(it);
	it = NULL;
	if (rc != BATON_ITEROVER)
		goto done;

	if (run->type != BATON_SYNC_TYPE_RESOURCES_ONLY) {
		baton_entitlement *e;
		rc = baton_store_list_entitlements(t->store, &q, &it);
		while (rc == 0 && (rc = baton_store_iter_next_entitlement(it, &e)) == 0) {
			baton_resource *er = baton_entitlement_resource(e);
			type_count *tc = count_for(&c, er ? baton_resource_get_id(er).resource_type : "");
			if (!tc) {
				rc = baton_error_set(BATON_EEXHAUSTED, "out of memory");
				break;
			}
			tc->entitlements++;
			st->entitlements++;
		}
		baton_store_iter_free(it);
		it = NULL;
		if (rc != BATON_ITEROVER)
			goto done;

		baton_grant *g;
		rc = baton_store_list_grants(t->store, &q, &it);
		while (rc == 0 && (rc = baton_store_iter_next_grant(it, &g)) == 0) {
			type_count *tc = count_for(&c, baton_grant_resource_id(g).resource_type);
			if (!tc) {
				rc = baton_error_set(BATON_EEXHAUSTED, "out of memory");
				break;
			}
			tc->grants++;
			st->grants++;
		}
		baton_store_iter_free(it);
		it = NULL;
		if (rc != BATON_ITEROVER)
			goto done;
	}

	baton_store_counts counts;
	if ((rc = baton_store_count(t->store, run->id, &counts)) < 0)
		goto done;
	st->assets = (int64_t)counts.assets;

	if (c.n)
		qsort(c.list, c.n, sizeof(*c.list), cmp_count);
	if ((rc = make_map(a, &c, 0, true, &st->n_resources_by_resource_type,
	                   &st->resources_by_resource_type)) < 0 ||
	    (rc = make_map(a, &c, 1, false, &st->n_entitlements_by_resource_type,
	                   (map_entry ***)&st->entitlements_by_resource_type)) < 0 ||
	    (rc = make_map(a, &c, 2, false, &st->n_grants_by_resource_type,
	                   (map_entry ***)&st->grants_by_resource_type)) < 0)
		goto done;
	*out = st;
	rc = 0;
done:
	baton_store_iter_free(it);
	strmap_free(&c.by_id);
	free(c.list);
	return rc;
}

/* Go's time.Duration String() of a duration rounded to whole seconds. */
static void format_duration(int64_t ns, char *buf, size_t cap)
{
	bool neg = ns < 0;
	uint64_t u = neg ? (uint64_t)(-(ns + 1)) + 1 : (uint64_t)ns;
	uint64_t s = (u + 500000000ULL) / 1000000000ULL;
	if (s == 0) {
		snprintf(buf, cap, "0s");
		return;
	}
	uint64_t h = s / 3600, m = s / 60 % 60, sec = s % 60;
	if (h)
		snprintf(buf, cap, "%s%lluh%llum%llus", neg ? "-" : "", (unsigned long long)h,
		         (unsigned long long)m, (unsigned long long)sec);
	else if (m)
		snprintf(buf, cap, "%s%llum%llus", neg ? "-" : "", (unsigned long long)m, (unsigned long long)sec);
	else
		snprintf(buf, cap, "%s%llus", neg ? "-" : "", (unsigned long long)sec);
}

static const char *type_map_value(const C1__Reader__V2__SyncStats__ResourcesByResourceTypeEntry *const *arr,
                                  size_t n, const char *key, char *buf, size_t cap)
{
	int64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(arr[i]->key, key) == 0)
			v = arr[i]->value;
	}
	snprintf(buf, cap, "%lld", (long long)v);
	return buf;
}

static int print_stats(const baton_sync_run *run, const C1__Reader__V2__SyncStats *st)
{
	char started[40] = "-", ended[40] = "-", duration[40] = "-";
	int64_t s0, s1;
	int32_t n0, n1;
	bool has_start = tool_parse_time(run->started_at, &s0, &n0);
	bool has_end = tool_parse_time(run->ended_at, &s1, &n1);

	if (has_start)
		tool_format_time(run->started_at, started, sizeof(started));
	if (has_end)
		tool_format_time(run->ended_at, ended, sizeof(ended));
	if (has_start && has_end)
		format_duration((s1 - s0) * 1000000000LL + (n1 - n0), duration, sizeof(duration));

	static const char *const h1[] = {"Field", "Value"};
	table *tb = table_new(2, h1);
	if (!tb)
		return BATON_EEXHAUSTED;
	const char *rows[][2] = {
		{"Engine", "sqlite"},
		{"Sync ID", run->id},
		{"Sync Type", baton_sync_type_name(run->type)},
		{"Parent Sync ID", run->parent_sync_id},
		{"Started At", started},
		{"Ended At", ended},
		{"Duration", duration},
		{"Sync Token", run->sync_token},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (table_add(tb, rows[i]) < 0) {
			table_free(tb);
			return BATON_EEXHAUSTED;
		}
	}
	table_print(tb, stdout);
	table_free(tb);

	char v[4][32];
	snprintf(v[0], sizeof(v[0]), "%lld", (long long)st->resource_types);
	snprintf(v[1], sizeof(v[1]), "%lld", (long long)st->resources);
	snprintf(v[2], sizeof(v[2]), "%lld", (long long)st->entitlements);
	snprintf(v[3], sizeof(v[3]), "%lld", (long long)st->grants);
	static const char *const h2[] = {"Type", "Count"};
	if (!(tb = table_new(2, h2)))
		return BATON_EEXHAUSTED;
	const char *totals[][2] = {
		{"Resource Types", v[0]}, {"Resources", v[1]}, {"Entitlements", v[2]}, {"Grants", v[3]}};
	for (size_t i = 0; i < 4; i++)
		table_add(tb, totals[i]);
	printf("\n");
	table_print(tb, stdout);
	table_free(tb);

	/* Per type: the union of the three maps' keys, sorted. */
	size_t n_all = st->n_resources_by_resource_type + st->n_entitlements_by_resource_type +
	               st->n_grants_by_resource_type;
	if (n_all == 0)
		return 0;
	const char **keys = calloc(n_all, sizeof(*keys));
	if (!keys)
		return BATON_EEXHAUSTED;
	size_t nk = 0;
	const C1__Reader__V2__SyncStats__ResourcesByResourceTypeEntry *const *maps[3] = {
		(const void *)st->resources_by_resource_type, (const void *)st->entitlements_by_resource_type,
		(const void *)st->grants_by_resource_type};
	size_t counts[3] = {st->n_resources_by_resource_type, st->n_entitlements_by_resource_type,
	                    st->n_grants_by_resource_type};
	for (int m = 0; m < 3; m++) {
		for (size_t i = 0; i < counts[m]; i++) {
			bool dup = false;
			for (size_t k = 0; k < nk && !dup; k++)
				dup = strcmp(keys[k], maps[m][i]->key) == 0;
			if (!dup)
				keys[nk++] = maps[m][i]->key;
		}
	}
	for (size_t i = 1; i < nk; i++) {
		for (size_t j = i; j > 0 && strcmp(keys[j - 1], keys[j]) > 0; j--) {
			const char *x = keys[j];
			keys[j] = keys[j - 1];
			keys[j - 1] = x;
		}
	}
	static const char *const h3[] = {"Resource Type", "Resources", "Entitlements", "Grants"};
	if (!(tb = table_new(4, h3))) {
		free(keys);
		return BATON_EEXHAUSTED;
	}
	for (size_t k = 0; k < nk; k++) {
		char a[32], b[32], c[32];
		const char *cells[] = {keys[k], type_map_value(maps[0], counts[0], keys[k], a, sizeof(a)),
		                       type_map_value(maps[1], counts[1], keys[k], b, sizeof(b)),
		                       type_map_value(maps[2], counts[2], keys[k], c, sizeof(c))};
		table_add(tb, cells);
	}
	printf("\n");
	table_print(tb, stdout);
	table_free(tb);
	free(keys);
	return 0;
}

int cmd_stats(tool *t)
{
	baton_ctx *ctx;
	baton_sync_run run;
	C1__Reader__V2__SyncStats *st = NULL;
	int rc;

	if ((rc = tool_open(t, true)) != 0)
		return rc;
	if (!t->sync_id[0]) {
		/* As the Go tool: not an error, just nothing to show. */
		fprintf(t->format == FORMAT_JSON ? stderr : stdout, "INFO  No finished sync found in the c1z\n");
		return TOOL_EXIT_OK;
	}
	if (baton_ctx_new(&ctx) < 0)
		return tool_fail_last();
	if ((rc = baton_store_sync_get(t->store, t->sync_id, ctx, &run)) < 0 ||
	    (rc = compute_stats(t, &run, &st)) < 0)
		goto done;
	if (t->format == FORMAT_JSON) {
		C1__Reader__V2__SyncRun out = C1__READER__V2__SYNC_RUN__INIT;
		out.id = (char *)run.id;
		out.started_at = pb_timestamp(&t->arena, run.started_at);
		out.ended_at = pb_timestamp(&t->arena, run.ended_at);
		out.sync_token = (char *)(run.sync_token ? run.sync_token : "");
		out.sync_type = (char *)baton_sync_type_name(run.type);
		out.parent_sync_id = (char *)(run.parent_sync_id ? run.parent_sync_id : "");
		out.stats = st;
		rc = pb_write_json(stdout, &out.base);
	} else {
		rc = print_stats(&run, st);
		if (rc < 0)
			baton_error_set(rc, "out of memory");
	}
done:
	baton_ctx_free(ctx);
	return rc < 0 ? tool_fail_last() : TOOL_EXIT_OK;
}
