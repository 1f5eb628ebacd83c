/*
 * The syncer's state: the action stack and the flags that travel in the sync token (the
 * checkpoint JSON in v1_sync_runs.sync_token), written as the Go SDK's V1 token and read in
 * either of its forms (V1/V2, and the legacy V0).
 */
#ifndef BATON_SYNC_STATE_H
#define BATON_SYNC_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Operation numbers are persisted upstream: never renumber. */
typedef enum baton__op {
	BATON__OP_UNKNOWN = 0,
	BATON__OP_INIT = 1,
	BATON__OP_RESOURCE_TYPES = 2,
	BATON__OP_RESOURCES = 3,
	BATON__OP_ENTITLEMENTS = 4,
	BATON__OP_RESOURCES_FOR_ENTITLEMENTS = 5,
	BATON__OP_GRANTS = 6,
	BATON__OP_EXTERNAL_RESOURCES = 7,
	BATON__OP_ASSETS = 8,
	BATON__OP_GRANT_EXPANSION = 9,
	BATON__OP_TARGETED_RESOURCE = 10,
	BATON__OP_STATIC_ENTITLEMENTS = 11
} baton__op;

/* The JSON name of an op ("list-resources", ...); "unknown" for others. */
const char *baton__op_name(int op);
/* The op for a JSON name; BATON__OP_UNKNOWN when not recognised. */
int baton__op_parse(const char *name);

/* One action. Strings are malloc'ed (NULL = ""). */
typedef struct baton__action {
	uint64_t id;
	int op;
	char *page_token;
	char *resource_type_id;
	char *resource_id;
	char *parent_resource_type_id;
	char *parent_resource_id;
	bool spawned, type_scoped, type_scoped_planned;
} baton__action;

typedef struct baton__ingest_quality {
	bool known;  /* emitted only when known */
	bool source_cache_replay_blocked;
	uint64_t entitlements_dropped, grants_dropped, grant_resources_dropped,
	         expansion_resource_types_dropped, expansions_dropped, invalid_resource_types_observed,
	         invalid_resources_observed, invalid_entitlements_observed, reason_flags;
} baton__ingest_quality;

typedef struct baton__state {
	baton__action *v;   /* the stack, bottom first; ids ascending */
	size_t n, cap;
	uint64_t next_id;   /* current_action_id */
	bool needs_expansion;
	bool has_external_resource_grants;
	bool should_fetch_related_resources;
	bool should_skip_entitlements_and_grants;
	bool should_skip_grants;
	uint64_t completed_actions_count;
	baton__ingest_quality ingest_quality;
	/* Members we carry through unchanged (raw JSON, malloc'ed, or NULL). */
	char *step_durations_ms, *connector_call_stats, *session_store_stats, *compaction;
} baton__state;

/* A fresh state holding one Init action (id 0). */
int baton__state_init_fresh(baton__state *st);
/* Parses a token ("" gives a fresh state). Errors: BATON_EINVALID "syncer token corrupt: ...". */
int baton__state_unmarshal(baton__state *st, const char *token);
/* The V1 token, malloc'ed. */
int baton__state_marshal(const baton__state *st, char **out);
void baton__state_free(baton__state *st);

/* The top of the stack, or NULL. The pointer is valid until the stack changes. */
baton__action *baton__state_current(baton__state *st);
/* The action with that id, or NULL. */
baton__action *baton__state_get(baton__state *st, uint64_t id);
/* Pushes a copy of `a` (its strings are copied; its id is assigned). *id_out may be NULL. */
int baton__state_push(baton__state *st, const baton__action *a, uint64_t *id_out);
/* Removes an action and counts it completed. */
void baton__state_finish(baton__state *st, uint64_t id);
/* Replaces an action's page token (copied). */
int baton__state_set_page(baton__state *st, uint64_t id, const char *token);

void baton__action_clear(baton__action *a);

#endif
