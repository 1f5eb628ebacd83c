/*
 * Which sync grant expansion works on, and the grant-expansion step of its sync token.
 *
 * The syncer's checkpoint (v1_sync_runs.sync_token) comes in two JSON forms:
 *  - V1 ("version" 1 or 2): "actions_map" {id -> action} and "action_order" [ids]; the current
 *    action is the last id of the order (a stack);
 *  - V0 (anything else): "actions" [actions] and "current_action", which is the top.
 * Expansion only touches the step itself: it removes it, counts it as completed, drops the inline
 * entitlement graph, and writes the token back in the form it was read with its keys in the order
 * the Go SDK writes them.
 */
#include "sync/expand.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/error.h"
#include "store/store.h"

#define OP_EXPANSION "grant-expansion"

/* Key order of the two forms (Go struct field order); keys not listed keep their order after. */
static const char *const v1_keys[] = {
	"actions_map", "action_order", "current_action_id", "needs_expansion", "entitlement_graph",
	"has_external_resource_grants", "should_fetch_related_resources",
	"should_skip_entitlements_and_grants", "should_skip_grants", "completed_actions_count",
	"step_durations_ms", "connector_call_stats", "session_store_stats", "ingest_quality",
	"compaction", "version", NULL,
};
static const char *const v0_keys[] = {
	"actions", "current_action", "needs_expansion", "entitlement_graph",
	"has_external_resource_grants", "should_fetch_related_resources",
	"should_skip_entitlements_and_grants", "should_skip_grants", "completed_actions_count", NULL,
};

static bool token_is_v1(json_t *tok)
{
	json_t *v = json_object_get(tok, "version");
	return json_is_integer(v) && (json_integer_value(v) == 1 || json_integer_value(v) == 2);
}

/* The operation of the token's current action ("" when none). */
static const char *token_top_op(json_t *tok)
{
	json_t *action = NULL;
	if (token_is_v1(tok)) {
		json_t *order = json_object_get(tok, "action_order");
		size_t n = json_array_size(order);
		if (n) {
			const char *id = json_string_value(json_array_get(order, n - 1));
			if (id)
				action = json_object_get(json_object_get(tok, "actions_map"), id);
		}
	} else {
		action = json_object_get(tok, "current_action");
	}
	const char *op = json_string_value(json_object_get(action, "operation"));
	return op ? op : "";
}

/* Fills at_step / needs_expansion from a token text. */
static void read_token(const char *text, bool unfinished, baton__expand_target *t)
{
	t->at_step = false;
	t->needs_expansion = true;
	if (!text || !*text)
		return;
	json_t *tok = json_loads(text, JSON_DECODE_ANY, NULL);
	if (json_is_object(tok)) {
		t->at_step = unfinished && strcmp(token_top_op(tok), OP_EXPANSION) == 0;
		t->needs_expansion = json_is_true(json_object_get(tok, "needs_expansion"));
	}
	json_decref(tok);
}

static int copy_id(baton__expand_target *t, const unsigned char *id)
{
	if (!id || !*id)
		return baton_error_set(BATON_EDATALOSS, "grant expansion: table v1_sync_runs has a row with an "
		                       "empty sync_id");
	int n = snprintf(t->sync_id, sizeof(t->sync_id), "%s", (const char *)id);
	if (n < 0 || (size_t)n >= sizeof(t->sync_id))
		return baton_error_set(BATON_EINVALID, "grant expansion: sync id '%s' is too long", id);
	return 0;
}

static int pick_explicit(baton_store *s, const char *sync_id, baton__expand_target *t)
{
	sqlite3_stmt *st;
	int rc = baton__store_prepare(s, "SELECT sync_id, ended_at, sync_token FROM v1_sync_runs "
	                                 "WHERE sync_id = ?", &st);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, sync_id, -1, SQLITE_TRANSIENT);
	int sr = sqlite3_step(st);
	if (sr == SQLITE_ROW) {
		rc = copy_id(t, sqlite3_column_text(st, 0));
		t->unfinished = sqlite3_column_type(st, 1) == SQLITE_NULL;
		read_token((const char *)sqlite3_column_text(st, 2), t->unfinished, t);
	} else if (sr == SQLITE_DONE) {
		rc = baton_error_set(BATON_ENOTFOUND, "grant expansion: sync '%s' not found", sync_id);
	} else {
		rc = baton__store_sqlerr(s, sr, "reading sync runs");
	}
	baton__store_release(s, st);
	return rc;
}

int baton__expand_pick(baton_store *s, const char *sync_id, baton__expand_target *t)
{
	memset(t, 0, sizeof(*t));
	int rc = baton__store_commit(s);
	if (rc)
		return rc;
	if (sync_id && *sync_id)
		return pick_explicit(s, sync_id, t);

	/* 1. The newest unfinished sync stopped at its grant-expansion step (no age limit: a sync
	 *    handed over for expansion may be old). */
	sqlite3_stmt *st;
	if ((rc = baton__store_prepare(s, "SELECT sync_id, sync_token FROM v1_sync_runs WHERE ended_at IS NULL "
	                                  "ORDER BY started_at DESC, id DESC", &st)))
		return rc;
	int sr;
	bool found = false;
	while (!found && (sr = sqlite3_step(st)) == SQLITE_ROW) {
		read_token((const char *)sqlite3_column_text(st, 1), true, t);
		if (t->at_step) {
			found = true;
			t->unfinished = true;
			rc = copy_id(t, sqlite3_column_text(st, 0));
		}
	}
	if (!found && sr != SQLITE_DONE)
		rc = baton__store_sqlerr(s, sr, "reading sync runs");
	baton__store_release(s, st);
	if (rc || found)
		return rc;

	/* 2. The newest finished sync with grants marked for expansion. */
	if ((rc = baton__store_prepare(s, "SELECT r.sync_id, r.sync_token FROM v1_sync_runs r "
	                                  "WHERE r.ended_at IS NOT NULL AND EXISTS (SELECT 1 FROM v1_grants g "
	                                  "WHERE g.sync_id = r.sync_id AND g.needs_expansion = 1) "
	                                  "ORDER BY r.ended_at DESC, r.sync_id DESC LIMIT 1", &st)))
		return rc;
	sr = sqlite3_step(st);
	if (sr == SQLITE_ROW) {
		rc = copy_id(t, sqlite3_column_text(st, 0));
		t->unfinished = false;
		t->at_step = false;
		t->needs_expansion = true;
	} else if (sr == SQLITE_DONE) {
		rc = baton_error_set(BATON_ENOTFOUND, "grant expansion: c1z %s has no sync that needs grant "
		                     "expansion", s->path);
	} else {
		rc = baton__store_sqlerr(s, sr, "reading sync runs");
	}
	baton__store_release(s, st);
	return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Popping the step                                                                            */

/* Go's version rule: 2 when any remaining action uses the newer cursor fields. */
static json_int_t v1_version(json_t *map)
{
	const char *k;
	json_t *a;
	json_object_foreach(map, k, a) {
		if (json_is_true(json_object_get(a, "spawned")) || json_is_true(json_object_get(a, "type_scoped")) ||
		    json_is_true(json_object_get(a, "type_scoped_planned")))
			return 2;
	}
	return 1;
}

static int pop_step(json_t *tok, bool v1, bool *empty)
{
	if (v1) {
		json_t *order = json_object_get(tok, "action_order");
		json_t *map = json_object_get(tok, "actions_map");
		size_t n = json_array_size(order);
		const char *id = n ? json_string_value(json_array_get(order, n - 1)) : NULL;
		if (id && json_is_object(map))
			json_object_del(map, id);
		if (n)
			json_array_remove(order, n - 1);
		*empty = json_array_size(order) == 0;
		if (json_array_size(order) == 0)
			json_object_del(tok, "action_order");
		if (json_object_size(map) == 0)
			json_object_del(tok, "actions_map");
		json_object_set_new(tok, "version", json_integer(v1_version(json_object_get(tok, "actions_map"))));
	} else {
		json_t *actions = json_object_get(tok, "actions");
		size_t n = json_array_size(actions);
		if (n) {
			json_object_set(tok, "current_action", json_array_get(actions, n - 1));
			json_array_remove(actions, n - 1);
		} else {
			json_object_del(tok, "current_action");
		}
		if (json_array_size(actions) == 0)
			json_object_del(tok, "actions");
		*empty = n == 0;
	}
	json_object_del(tok, "entitlement_graph");
	json_t *count = json_object_get(tok, "completed_actions_count");
	json_int_t c = json_is_integer(count) ? json_integer_value(count) : 0;
	return json_object_set_new(tok, "completed_actions_count", json_integer(c + 1)) == 0 ? 0 :
	       baton__error_oom("sync token");
}

/* A copy of tok with its keys in the Go SDK's order. */
static json_t *reorder(json_t *tok, const char *const *keys)
{
	json_t *out = json_object();
	if (!out)
		return NULL;
	for (size_t i = 0; keys[i]; i++) {
		json_t *v = json_object_get(tok, keys[i]);
		if (v && json_object_set(out, keys[i], v) != 0)
			goto oom;
	}
	const char *k;
	json_t *v;
	json_object_foreach(tok, k, v) {
		if (!json_object_get(out, k) && json_object_set(out, k, v) != 0)
			goto oom;
	}
	return out;
oom:
	json_decref(out);
	return NULL;
}

int baton__json_go_escape(const char *in, char **out)
{
	size_t extra = 0;
	for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
		if (*p == '<' || *p == '>' || *p == '&')
			extra += 5;
		else if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9))
			extra += 3;
	}
	char *o = malloc(strlen(in) + extra + 1), *q = o;
	if (!o)
		return baton__error_oom("sync token");
	for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
		if (*p == '<' || *p == '>' || *p == '&') {
			q += sprintf(q, "\\u00%02x", *p);
		} else if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9)) {
			q += sprintf(q, "\\u%s", p[2] == 0xa8 ? "2028" : "2029");
			p += 2;
		} else {
			*q++ = (char)*p;
		}
	}
	*q = '\0';
	*out = o;
	return 0;
}

int baton__expand_token_pop(baton_store *s, const char *sync_id, bool *empty)
{
	*empty = false;
	baton_ctx ctx;
	baton__ctx_init(&ctx);
	baton_sync_run run;
	int rc = baton_store_sync_get(s, sync_id, &ctx, &run);
	if (rc) {
		baton__ctx_release(&ctx);
		return rc;
	}
	json_error_t jerr;
	json_t *tok = json_loads(run.sync_token, JSON_DECODE_ANY, &jerr);
	baton__ctx_release(&ctx);
	if (!json_is_object(tok)) {
		json_decref(tok);
		return baton_error_set(BATON_EINVALID, "grant expansion: sync %s: the sync token is not a JSON "
		                       "object", sync_id);
	}
	bool v1 = token_is_v1(tok);
	if (strcmp(token_top_op(tok), OP_EXPANSION) != 0) {
		json_decref(tok);
		return baton_error_set(BATON_EPRECONDITION, "grant expansion: sync %s is not at its "
		                       "grant-expansion step", sync_id);
	}
	char *text = NULL, *escaped = NULL;
	json_t *ordered = NULL;
	rc = pop_step(tok, v1, empty);
	if (!rc && !(ordered = reorder(tok, v1 ? v1_keys : v0_keys)))
		rc = baton__error_oom("sync token");
	if (!rc && !(text = json_dumps(ordered, JSON_COMPACT | JSON_PRESERVE_ORDER)))
		rc = baton__error_oom("sync token");
	if (!rc)
		rc = baton__json_go_escape(text, &escaped);
	if (!rc)
		rc = baton_store_sync_checkpoint(s, escaped);
	free(text);
	free(escaped);
	json_decref(ordered);
	json_decref(tok);
	return rc;
}
