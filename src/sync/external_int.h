/*
 * What the two halves of the external-resources step share (external.c: the copies and the step;
 * external_match.c: rewriting the ExternalResourceMatch* grants). See external.c.
 */
#ifndef BATON_SYNC_EXTERNAL_INT_H
#define BATON_SYNC_EXTERNAL_INT_H

#include "sync/external.h"
#include "sync/syncer_int.h"

#define N_TRAITS 13

typedef struct skip_entry {
	char *type_id;
	bool skip_eg;
} skip_entry;

typedef struct ext {
	baton__syncer *s;
	baton_store *src;
	baton_ctx ctx;                 /* everything kept for the step */
	bool traits[N_TRAITS];
	baton_resource **principals;
	size_t n_principals, cap_principals;
	baton_entitlement **ents;
	size_t n_ents, cap_ents;
	skip_entry *skips;
	size_t n_skips, cap_skips;
	uint64_t n_types, n_grants;
	/* Matching: per principal facts, and per profile key each principal's folded value, computed
	 * once (upstream indexes them the same way) instead of per grant. */
	struct pinfo *info;
	struct key_cache *keys;
	size_t n_keys, cap_keys;
} ext;

typedef struct pinfo {
	unsigned traits;       /* bit t: carries the annotation of trait t */
	bool baton_id;
	bool emails_loaded;
	char **emails;         /* folded user-trait emails */
	size_t n_emails;
} pinfo;

typedef struct key_cache {
	char *key;
	char **vals;           /* folded profile value of each principal, NULL when it has none */
} key_cache;

/* Grows *p (of *cap elements of `elem` bytes) to hold more than n. */
int baton__ext_grow(void **p, size_t *cap, size_t n, size_t elem);
/* A copy of a grant in ctx. */
int baton__ext_clone_grant(baton_ctx *ctx, baton_grant *in, baton_grant **out);
/* Whether a resource carries BatonID / the annotation of trait t. */
bool baton__ext_has_baton_id(baton_resource *p);
bool baton__ext_has_trait(baton_resource *p, int trait);
/* Phase 2: rewrites this sync's ExternalResourceMatch* grants onto the copied principals. */
int baton__ext_match_grants(ext *e);

#endif
