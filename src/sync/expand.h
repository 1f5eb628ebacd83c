/*
 * Grant expansion (include/baton/expand.h), internal layout.
 *
 *   expand_graph.c  string interning, the entitlement graph (edges merged as upstream), cycle
 *                   collapsing (iterative Tarjan) and the topological order (Kahn)
 *   expand_wire.c   the few protobuf wire operations expansion needs on grant blobs: reading
 *                   the principal and the sources, rewriting the sources, building a new grant
 *   expand_token.c  which sync to expand, and the sync token's grant-expansion step
 *   expand.c        the driver: loading the graph from the store, the closure, the writes
 *   expand_pset.c   the principals already holding a destination, read once per destination
 *   expand_defer.c  two grant indexes dropped during a large expansion, rebuilt in one pass
 *   expand_srcs.c   a source read by several edges: read once, its contributions kept (bounded)
 *   expand_scan.c   scan mode: an expansion writing more than twice the stored rows drops the two
 *                   indexes it reads too, and reads by row id and per-component row ranges
 *   expand_int.h    the driver's private types, shared by the files above
 *
 * Memory: everything in the graph is proportional to the entitlements that take part in
 * expansion and the edges between them. Grants are streamed from the store one source
 * entitlement at a time into a batch of the node's contributions, which is written per principal
 * when full and when the node is done (a point lookup of the destination's grants for the
 * principal), so per-grant state is held only within fixed bounds: one batch of contributions
 * (EXPAND_BATCH), the principal sets of the node being expanded, the kept lists of sources
 * that several edges read (at most EXPAND_SRC_CACHE_BYTES together) and, in scan mode, the row
 * ids read on entry (at most EXPAND_SCAN_BYTES, ~1.5 bytes a source grant).
 */
#ifndef BATON_SYNC_EXPAND_H
#define BATON_SYNC_EXPAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "baton/expand.h"
#include "core/arena.h"

/* ------------------------------------------------------------------------------------------ */
/* expand_graph.c                                                                              */

#define BATON__NONE UINT32_MAX

/* Interned strings: index <-> string, open addressing. Strings live in the table's arena. */
typedef struct baton__strtab {
	baton_arena *arena;
	char **strs;         /* index -> string */
	uint32_t *lens;
	uint32_t count, cap; /* strs */
	uint32_t *slots;     /* hash slots holding index + 1 (0: empty) */
	uint32_t nslots;     /* power of two */
} baton__strtab;

void baton__strtab_init(baton__strtab *t, baton_arena *arena);
void baton__strtab_free(baton__strtab *t);
/* The index of s (len bytes), adding it when absent. BATON__NONE on OOM (error set). */
uint32_t baton__strtab_intern(baton__strtab *t, const char *s, size_t len);
/* The index of s, or BATON__NONE when absent. */
uint32_t baton__strtab_find(const baton__strtab *t, const char *s, size_t len);

/*
 * An edge: grants of `src` flow to `dst`. `nf == 0` means every principal type; otherwise
 * `filter` holds nf interned resource type ids, sorted and unique.
 */
typedef struct baton__edge {
	uint32_t src, dst;
	bool shallow;
	uint32_t nf;
	uint32_t *filter;    /* arena */
} baton__edge;

/* Edges keyed by (src, dst); duplicates merge (see baton__graph_add_edge). */
typedef struct baton__edgeset {
	baton__edge *edges;
	uint32_t count, cap;
	uint32_t *slots;     /* edge index + 1 */
	uint32_t nslots;
} baton__edgeset;

typedef struct baton__graph {
	baton_arena arena;
	baton__strtab ents;          /* entitlement ids: node index = interned index */
	baton__strtab rtypes;        /* resource type ids used by filters */
	baton__edgeset edges;        /* entitlement-level edges */

	/* After baton__graph_collapse: */
	uint32_t ncomp;              /* components (collapsed nodes) */
	uint32_t *comp;              /* node -> component */
	uint32_t *member_start;      /* component -> first index into members (ncomp + 1 entries) */
	uint32_t *members;           /* nodes grouped by component, ascending within one */
	bool *cyclic;                /* component -> collapsed from a cycle */
	uint64_t cycles;             /* cyclic components */
	baton__edgeset cedges;       /* component-level edges, no self-edges */
	uint32_t *in_start;          /* component -> first index into in_edges (ncomp + 1) */
	uint32_t *in_edges;          /* cedges indices grouped by destination component */
	uint32_t *order;             /* components in topological order (ncomp) */
	uint32_t depth;              /* longest path, in edges */
} baton__graph;

void baton__graph_init(baton__graph *g);
void baton__graph_free(baton__graph *g);

/*
 * Adds src -> dst, merging with an existing edge between the same nodes: deep wins over
 * shallow, an unfiltered edge wins over a filtered one, two filters are unioned.
 * rtypes/n_rt are resource type ids (duplicates allowed).
 */
int baton__graph_add_edge(baton__graph *g, uint32_t src, uint32_t dst, bool shallow,
                          const char *const *rtypes, size_t n_rt);

/*
 * Finds strongly connected components (a node with a self-loop counts as cyclic), merges the
 * edges between components the same way (edges inside a component are dropped) and orders the
 * components topologically. Fills the "after collapse" fields. With `fail_on_cycle`, the first
 * cycle is BATON_EPRECONDITION naming its entitlements.
 */
int baton__graph_collapse(baton__graph *g, bool fail_on_cycle);

/* Bytes the graph holds from malloc (arena and arrays). */
size_t baton__graph_memory(const baton__graph *g);

/* ------------------------------------------------------------------------------------------ */
/* expand_wire.c                                                                               */

/* One key of a GrantSources map. The key points into a grant blob or an arena. */
typedef struct baton__source {
	const char *key;
	uint32_t len;
	bool direct;
} baton__source;

/* A growable list of sources (arena memory). */
typedef struct baton__sources {
	baton__source *v;
	uint32_t n, cap;
} baton__sources;

/*
 * Reads a c1.connector.v2.Grant blob: *principal and *principal_len receive the bytes of its
 * principal field (NULL when absent), and `sources` (reset first) its GrantSources keys, later
 * duplicates overriding earlier ones as protobuf merging does. BATON_EDATALOSS when malformed.
 */
int baton__wire_grant_read(baton_arena *arena, const uint8_t *data, size_t len,
                           const uint8_t **principal, size_t *principal_len, baton__sources *sources);

/* Index of key in sources, or -1. */
long baton__sources_find(const baton__sources *src, const char *key, size_t len);
/* Appends a key (not copied: it must outlive the list). */
int baton__sources_add(baton_arena *arena, baton__sources *src, const char *key, size_t len, bool direct);

/*
 * The grant blob with its sources field replaced by `sources` (sorted by key here, as Go's
 * deterministic encoding writes maps); every other field is kept byte for byte.
 */
int baton__wire_grant_set_sources(baton_arena *arena, const uint8_t *data, size_t len,
                                  baton__sources *sources, uint8_t **out, size_t *out_len);

/*
 * A new expanded grant: Grant{entitlement = ent bytes, principal = principal bytes, id,
 * annotations = [GrantImmutable{}], sources}.
 */
int baton__wire_grant_new(baton_arena *arena, const uint8_t *ent, size_t ent_len,
                          const uint8_t *principal, size_t principal_len, const char *id,
                          baton__sources *sources, uint8_t **out, size_t *out_len);

/* Resource{id: ResourceId{resource_type, resource}} bytes (for a grant blob without principal). */
int baton__wire_principal_stub(baton_arena *arena, const char *rtype, const char *rid, uint8_t **out,
                               size_t *out_len);

/* ------------------------------------------------------------------------------------------ */
/* expand_token.c                                                                              */

struct baton_store;

/* What the sync's token says about the grant-expansion step. */
typedef struct baton__expand_target {
	char sync_id[64];
	bool unfinished;         /* ended_at is NULL */
	bool at_step;            /* unfinished, and the token's current action is grant-expansion */
	bool needs_expansion;    /* the token's needs_expansion (true when there is no token) */
} baton__expand_target;

/* Picks the sync (explicit id, or the rules of baton_expand_store) and reads its token. */
int baton__expand_pick(struct baton_store *s, const char *sync_id, baton__expand_target *t);

/*
 * Removes the grant-expansion step from the sync's token (and the inline graph), counts it as
 * completed and writes the token back in the form it was read. *empty says whether no step is
 * left.
 */
int baton__expand_token_pop(struct baton_store *s, const char *sync_id, bool *empty);

/* Go's encoding/json escapes <, >, &, U+2028 and U+2029 in strings; jansson does not. *out malloc'ed. */
int baton__json_go_escape(const char *in, char **out);

#endif
