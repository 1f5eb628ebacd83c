/*
 * The action stack and the sync token. The token is written by hand so its bytes are those of
 * the Go SDK's encoding/json output (field order, omitted zero values, map keys in sorted order,
 * Go's string escaping); it is read with jansson following encoding/json's rules (keys matched
 * without regard to case, the last duplicate winning, null leaving a field unset).
 */
#include "sync/state.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <jansson.h>

#include "connector/connector.h"
#include "core/error.h"

static const char *const op_names[] = {
	"unknown", "init", "list-resource-types", "list-resources", "list-entitlements",
	"list-resources-for-entitlements", "list-grants", "list-external-resources", "fetch-assets",
	"grant-expansion", "targeted-resource-sync", "list-static-entitlements",
};
#define N_OPS (sizeof(op_names) / sizeof(op_names[0]))

const char *baton__op_name(int op)
{
	return op >= 0 && (size_t)op < N_OPS ? op_names[op] : "unknown";
}

int baton__op_parse(const char *name)
{
	for (size_t i = 1; name && i < N_OPS; i++)
		if (!strcmp(name, op_names[i]))
			return (int)i;
	return BATON__OP_UNKNOWN;
}

static char *dup_opt(const char *s)
{
	return s && *s ? strdup(s) : NULL;
}

void baton__action_clear(baton__action *a)
{
	free(a->page_token);
	free(a->resource_type_id);
	free(a->resource_id);
	free(a->parent_resource_type_id);
	free(a->parent_resource_id);
	memset(a, 0, sizeof(*a));
}

void baton__state_free(baton__state *st)
{
	for (size_t i = 0; i < st->n; i++)
		baton__action_clear(&st->v[i]);
	free(st->v);
	free(st->step_durations_ms);
	free(st->connector_call_stats);
	free(st->session_store_stats);
	free(st->compaction);
	memset(st, 0, sizeof(*st));
}

static int reserve(baton__state *st, size_t extra)
{
	if (st->n + extra <= st->cap)
		return 0;
	size_t cap = st->cap ? st->cap * 2 : 16;
	while (cap < st->n + extra)
		cap *= 2;
	baton__action *v = realloc(st->v, cap * sizeof(*v));
	if (!v)
		return baton__error_oom("sync actions");
	st->v = v;
	st->cap = cap;
	return 0;
}

/* Appends an action taking ownership of its strings. */
static int append_owned(baton__state *st, baton__action *a)
{
	int rc = reserve(st, 1);
	if (rc) {
		baton__action_clear(a);
		return rc;
	}
	st->v[st->n++] = *a;
	return 0;
}

int baton__state_push(baton__state *st, const baton__action *a, uint64_t *id_out)
{
	baton__action c = *a;
	c.id = st->next_id;
	c.page_token = dup_opt(a->page_token);
	c.resource_type_id = dup_opt(a->resource_type_id);
	c.resource_id = dup_opt(a->resource_id);
	c.parent_resource_type_id = dup_opt(a->parent_resource_type_id);
	c.parent_resource_id = dup_opt(a->parent_resource_id);
	if ((a->page_token && *a->page_token && !c.page_token) ||
	    (a->resource_type_id && *a->resource_type_id && !c.resource_type_id) ||
	    (a->resource_id && *a->resource_id && !c.resource_id) ||
	    (a->parent_resource_type_id && *a->parent_resource_type_id && !c.parent_resource_type_id) ||
	    (a->parent_resource_id && *a->parent_resource_id && !c.parent_resource_id)) {
		baton__action_clear(&c);
		return baton__error_oom("sync action");
	}
	int rc = append_owned(st, &c);
	if (rc)
		return rc;
	st->next_id++;
	if (id_out)
		*id_out = c.id;
	return 0;
}

int baton__state_init_fresh(baton__state *st)
{
	memset(st, 0, sizeof(*st));
	baton__action init = {0};
	init.op = BATON__OP_INIT;
	return baton__state_push(st, &init, NULL);
}

baton__action *baton__state_current(baton__state *st)
{
	return st->n ? &st->v[st->n - 1] : NULL;
}

static long find_index(const baton__state *st, uint64_t id)
{
	size_t lo = 0, hi = st->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (st->v[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < st->n && st->v[lo].id == id)
		return (long)lo;
	/* Tokens from other writers may not be sorted: fall back to a scan. */
	for (size_t i = 0; i < st->n; i++)
		if (st->v[i].id == id)
			return (long)i;
	return -1;
}

baton__action *baton__state_get(baton__state *st, uint64_t id)
{
	long i = find_index(st, id);
	return i < 0 ? NULL : &st->v[i];
}

void baton__state_finish(baton__state *st, uint64_t id)
{
	long i = find_index(st, id);
	if (i < 0)
		return;
	baton__action_clear(&st->v[i]);
	memmove(&st->v[i], &st->v[i + 1], (st->n - (size_t)i - 1) * sizeof(*st->v));
	st->n--;
	st->completed_actions_count++;
}

int baton__state_set_page(baton__state *st, uint64_t id, const char *token)
{
	baton__action *a = baton__state_get(st, id);
	if (!a)
		return baton_error_set(BATON_EINTERNAL, "action ID %010" PRIu64 " does not exist", id);
	char *t = dup_opt(token);
	if (token && *token && !t)
		return baton__error_oom("page token");
	free(a->page_token);
	a->page_token = t;
	return 0;
}

/* ---- writing ---- */

static void put_str_field(baton__buf *b, bool *first, const char *key, const char *v)
{
	if (!v || !*v)
		return;
	if (!*first)
		baton__buf_put(b, ",", 1);
	*first = false;
	baton__buf_printf(b, "\"%s\":", key);
	baton__buf_go_string(b, v);
}

static void put_bool_field(baton__buf *b, bool *first, const char *key, bool v)
{
	if (!v)
		return;
	if (!*first)
		baton__buf_put(b, ",", 1);
	*first = false;
	baton__buf_printf(b, "\"%s\":true", key);
}

static void put_u64_field(baton__buf *b, bool *first, const char *key, uint64_t v)
{
	if (!v)
		return;
	if (!*first)
		baton__buf_put(b, ",", 1);
	*first = false;
	baton__buf_printf(b, "\"%s\":%" PRIu64, key, v);
}

static void put_raw_field(baton__buf *b, bool *first, const char *key, const char *raw)
{
	if (!raw)
		return;
	if (!*first)
		baton__buf_put(b, ",", 1);
	*first = false;
	baton__buf_printf(b, "\"%s\":%s", key, raw);
}

static void put_action(baton__buf *b, const baton__action *a, bool blank_expansion_token)
{
	char id[24];
	snprintf(id, sizeof(id), "%010" PRIu64, a->id);
	bool first = true;
	baton__buf_put(b, "{", 1);
	put_str_field(b, &first, "id", id);
	if (a->op != BATON__OP_UNKNOWN)
		put_str_field(b, &first, "operation", baton__op_name(a->op));
	if (!(blank_expansion_token && a->op == BATON__OP_GRANT_EXPANSION))
		put_str_field(b, &first, "page_token", a->page_token);
	put_str_field(b, &first, "resource_type_id", a->resource_type_id);
	put_str_field(b, &first, "resource_id", a->resource_id);
	put_str_field(b, &first, "parent_resource_type_id", a->parent_resource_type_id);
	put_str_field(b, &first, "parent_resource_id", a->parent_resource_id);
	put_bool_field(b, &first, "spawned", a->spawned);
	put_bool_field(b, &first, "type_scoped", a->type_scoped);
	put_bool_field(b, &first, "type_scoped_planned", a->type_scoped_planned);
	baton__buf_put(b, "}", 1);
}

int baton__state_marshal(const baton__state *st, char **out)
{
	baton__buf b = {0};
	bool first = true;
	bool scoped = false;
	baton__buf_put(&b, "{", 1);
	if (st->n) {
		/* Ids are zero-padded, so ascending ids are Go's sorted map key order. */
		baton__buf_puts(&b, "\"actions_map\":{");
		for (size_t i = 0; i < st->n; i++) {
			const baton__action *a = &st->v[i];
			if (a->spawned || a->type_scoped || a->type_scoped_planned)
				scoped = true;
			baton__buf_printf(&b, "%s\"%010" PRIu64 "\":", i ? "," : "", a->id);
			put_action(&b, a, true);
		}
		baton__buf_puts(&b, "},\"action_order\":[");
		for (size_t i = 0; i < st->n; i++)
			baton__buf_printf(&b, "%s\"%010" PRIu64 "\"", i ? "," : "", st->v[i].id);
		baton__buf_put(&b, "]", 1);
		first = false;
	}
	put_u64_field(&b, &first, "current_action_id", st->next_id);
	put_bool_field(&b, &first, "needs_expansion", st->needs_expansion);
	put_bool_field(&b, &first, "has_external_resource_grants", st->has_external_resource_grants);
	put_bool_field(&b, &first, "should_fetch_related_resources", st->should_fetch_related_resources);
	put_bool_field(&b, &first, "should_skip_entitlements_and_grants", st->should_skip_entitlements_and_grants);
	put_bool_field(&b, &first, "should_skip_grants", st->should_skip_grants);
	put_u64_field(&b, &first, "completed_actions_count", st->completed_actions_count);
	put_raw_field(&b, &first, "step_durations_ms", st->step_durations_ms);
	put_raw_field(&b, &first, "connector_call_stats", st->connector_call_stats);
	put_raw_field(&b, &first, "session_store_stats", st->session_store_stats);
	if (st->ingest_quality.known) {
		const baton__ingest_quality *q = &st->ingest_quality;
		if (!first)
			baton__buf_put(&b, ",", 1);
		first = false;
		baton__buf_puts(&b, "\"ingest_quality\":{");
		bool f2 = true;
		put_bool_field(&b, &f2, "source_cache_replay_blocked", q->source_cache_replay_blocked);
		put_u64_field(&b, &f2, "entitlements_dropped", q->entitlements_dropped);
		put_u64_field(&b, &f2, "grants_dropped", q->grants_dropped);
		put_u64_field(&b, &f2, "grant_resources_dropped", q->grant_resources_dropped);
		put_u64_field(&b, &f2, "expansion_resource_types_dropped", q->expansion_resource_types_dropped);
		put_u64_field(&b, &f2, "expansions_dropped", q->expansions_dropped);
		put_u64_field(&b, &f2, "invalid_resource_types_observed", q->invalid_resource_types_observed);
		put_u64_field(&b, &f2, "invalid_resources_observed", q->invalid_resources_observed);
		put_u64_field(&b, &f2, "invalid_entitlements_observed", q->invalid_entitlements_observed);
		put_u64_field(&b, &f2, "reason_flags", q->reason_flags);
		baton__buf_put(&b, "}", 1);
	}
	put_raw_field(&b, &first, "compaction", st->compaction);
	if (!first)
		baton__buf_put(&b, ",", 1);
	baton__buf_printf(&b, "\"version\":%d}", scoped ? 2 : 1);
	if (b.oom) {
		baton__buf_free(&b);
		return baton__error_oom("sync token");
	}
	*out = b.data;
	return 0;
}

/* ---- reading ---- */

/* The member whose key matches `name` without regard to case (the last one wins, as Go). */
static json_t *member(json_t *obj, const char *name)
{
	json_t *found = NULL;
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v) {
		if (!strcasecmp(key, name))
			found = v;
	}
	return found && !json_is_null(found) ? found : NULL;
}

typedef struct reader {
	const char *err; /* first type error */
} reader;

static bool get_bool(reader *r, json_t *obj, const char *name)
{
	json_t *v = member(obj, name);
	if (!v)
		return false;
	if (!json_is_boolean(v)) {
		r->err = r->err ? r->err : name;
		return false;
	}
	return json_is_true(v);
}

static uint64_t get_u64(reader *r, json_t *obj, const char *name)
{
	json_t *v = member(obj, name);
	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		r->err = r->err ? r->err : name;
		return 0;
	}
	return (uint64_t)json_integer_value(v);
}

static char *get_str(reader *r, json_t *obj, const char *name)
{
	json_t *v = member(obj, name);
	if (!v)
		return NULL;
	if (!json_is_string(v)) {
		r->err = r->err ? r->err : name;
		return NULL;
	}
	return dup_opt(json_string_value(v));
}

static char *get_raw(json_t *obj, const char *name)
{
	json_t *v = member(obj, name);
	if (!v || (json_is_object(v) && json_object_size(v) == 0))
		return NULL;
	return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}

static void read_action(reader *r, json_t *obj, baton__action *a)
{
	memset(a, 0, sizeof(*a));
	if (!json_is_object(obj)) {
		r->err = r->err ? r->err : "action";
		return;
	}
	char *op = get_str(r, obj, "operation");
	a->op = baton__op_parse(op);
	free(op);
	a->page_token = get_str(r, obj, "page_token");
	a->resource_type_id = get_str(r, obj, "resource_type_id");
	a->resource_id = get_str(r, obj, "resource_id");
	a->parent_resource_type_id = get_str(r, obj, "parent_resource_type_id");
	a->parent_resource_id = get_str(r, obj, "parent_resource_id");
	a->spawned = get_bool(r, obj, "spawned");
	a->type_scoped = get_bool(r, obj, "type_scoped");
	a->type_scoped_planned = get_bool(r, obj, "type_scoped_planned");
}

static bool parse_id(const char *s, uint64_t *out)
{
	if (!s || !*s)
		return false;
	uint64_t v = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*out = v;
	return true;
}

static void read_flags(reader *r, json_t *root, baton__state *st)
{
	st->needs_expansion = get_bool(r, root, "needs_expansion");
	st->has_external_resource_grants = get_bool(r, root, "has_external_resource_grants");
	st->should_fetch_related_resources = get_bool(r, root, "should_fetch_related_resources");
	st->should_skip_entitlements_and_grants = get_bool(r, root, "should_skip_entitlements_and_grants");
	st->should_skip_grants = get_bool(r, root, "should_skip_grants");
	st->completed_actions_count = get_u64(r, root, "completed_actions_count");
}

static int read_v1(json_t *root, baton__state *st)
{
	reader r = {NULL};
	json_t *map = member(root, "actions_map");
	json_t *order = member(root, "action_order");
	if ((map && !json_is_object(map)) || (order && !json_is_array(order)))
		return -1;
	size_t i;
	json_t *idv;
	if (order) {
		json_array_foreach(order, i, idv) {
			uint64_t id;
			if (!json_is_string(idv) || !parse_id(json_string_value(idv), &id))
				return -1;
			baton__action a;
			json_t *obj = map ? json_object_get(map, json_string_value(idv)) : NULL;
			if (obj)
				read_action(&r, obj, &a);
			else
				memset(&a, 0, sizeof(a));
			a.id = id;
			if (append_owned(st, &a))
				return BATON_EEXHAUSTED;
		}
	}
	st->next_id = get_u64(&r, root, "current_action_id");
	read_flags(&r, root, st);
	json_t *iq = member(root, "ingest_quality");
	if (iq) {
		if (!json_is_object(iq))
			return -1;
		baton__ingest_quality *q = &st->ingest_quality;
		q->known = true;
		q->source_cache_replay_blocked = get_bool(&r, iq, "source_cache_replay_blocked");
		q->entitlements_dropped = get_u64(&r, iq, "entitlements_dropped");
		q->grants_dropped = get_u64(&r, iq, "grants_dropped");
		q->grant_resources_dropped = get_u64(&r, iq, "grant_resources_dropped");
		q->expansion_resource_types_dropped = get_u64(&r, iq, "expansion_resource_types_dropped");
		q->expansions_dropped = get_u64(&r, iq, "expansions_dropped");
		q->invalid_resource_types_observed = get_u64(&r, iq, "invalid_resource_types_observed");
		q->invalid_resources_observed = get_u64(&r, iq, "invalid_resources_observed");
		q->invalid_entitlements_observed = get_u64(&r, iq, "invalid_entitlements_observed");
		q->reason_flags = get_u64(&r, iq, "reason_flags");
	}
	st->step_durations_ms = get_raw(root, "step_durations_ms");
	st->connector_call_stats = get_raw(root, "connector_call_stats");
	st->session_store_stats = get_raw(root, "session_store_stats");
	st->compaction = get_raw(root, "compaction");
	return r.err ? -1 : 0;
}

static int read_v0(json_t *root, baton__state *st)
{
	reader r = {NULL};
	json_t *list = member(root, "actions");
	json_t *cur = member(root, "current_action");
	if (list && !json_is_array(list))
		return -1;
	uint64_t id = 0;
	size_t i;
	json_t *el;
	if (list) {
		json_array_foreach(list, i, el) {
			baton__action a;
			read_action(&r, el, &a);
			a.id = id++;
			if (append_owned(st, &a))
				return BATON_EEXHAUSTED;
		}
	}
	if (cur) {
		baton__action a;
		read_action(&r, cur, &a);
		a.id = id++;
		if (append_owned(st, &a))
			return BATON_EEXHAUSTED;
	}
	st->next_id = id;
	read_flags(&r, root, st);
	return r.err ? -1 : 0;
}

int baton__state_unmarshal(baton__state *st, const char *token)
{
	if (!token || !*token)
		return baton__state_init_fresh(st);
	memset(st, 0, sizeof(*st));
	json_error_t jerr;
	json_t *root = json_loads(token, JSON_DECODE_ANY, &jerr);
	if (!root)
		return baton_error_set(BATON_EINVALID, "syncer token corrupt: %s", jerr.text);
	int rc = -1;
	if (json_is_object(root)) {
		json_t *ver = member(root, "version");
		uint64_t v = ver && json_is_integer(ver) ? (uint64_t)json_integer_value(ver) : 0;
		if (v == 1 || v == 2)
			rc = read_v1(root, st);
		if (rc == BATON_EEXHAUSTED) {
			json_decref(root);
			baton__state_free(st);
			return rc;
		}
		if (rc) {
			baton__state_free(st);
			rc = read_v0(root, st);
		}
	}
	json_decref(root);
	if (rc) {
		baton__state_free(st);
		if (rc == BATON_EEXHAUSTED)
			return rc;
		return baton_error_set(BATON_EINVALID, "syncer token corrupt: not a sync token");
	}
	/* No entitlement graph is ever read back: an expansion resumes from its first page. */
	for (size_t i = 0; i < st->n; i++) {
		if (st->v[i].op == BATON__OP_GRANT_EXPANSION && st->v[i].page_token) {
			free(st->v[i].page_token);
			st->v[i].page_token = NULL;
		}
	}
	return 0;
}
