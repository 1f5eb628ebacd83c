/*
 * The list-external-resources step (external.h), as the Go SDK v0.25 syncer's
 * SyncExternalResources:
 *
 *  1. Principals from the external c1z (read as any reader does: its latest finished full sync):
 *     - with --external-resource-entitlement-id-filter E: the principals of E's grants there (E
 *       must exist), and the resource types of those principals that have a matching trait;
 *     - without: every resource of every resource type that has a matching trait.
 *     Matching traits: --external-resource-traits, else user and group. Each principal is copied
 *     with a BatonID annotation; its entitlements (marked EntitlementImmutable) and their grants
 *     (GrantImmutable) follow, unless its type or itself says SkipEntitlementsAndGrants, or the
 *     entitlement's resource says SkipGrants.
 *  2. When the sync saw grants with ExternalResourceMatch* annotations: every such grant of the
 *     sync is replaced by grants to the copied principals it matches (same entitlement, sources
 *     and annotations, id "<entitlement>:<principal type>:<principal id>", the principal copied
 *     whole):
 *     - MatchAll{trait}: every copied principal carrying that trait;
 *     - MatchID{id}: the copied principal with that resource id; a GrantExpandable is remapped
 *       (below);
 *     - Match{trait, key, value}: for user, the users whose profile value for `key` or (for the
 *       key "email") one of whose user-trait emails equals `value` ignoring case; for another
 *       matching trait, the principals whose profile value equals it, with the GrantExpandable
 *       remapped.
 *     Remapping: the source entitlements of the grant's GrantExpandable given as entitlement BIDs
 *     ("bid:e:<type>/<id>:<slug>") on the grant's own principal become "<principal type>:<id>:
 *     <slug>" of the new principal when this sync has that entitlement; other ids are dropped.
 *     The original grant is deleted unless a new grant took its id.
 *  Before the copies are written, principals an interrupted earlier attempt of the step copied into
 *  this sync but the external file no longer has are removed with their entitlements and grants.
 * Values compare under simple case folding (through the C.UTF-8 locale's case mappings; ASCII
 * only when that locale is missing). Each principal's traits, folded profile values (per key
 * used) and emails are computed once; a grant then compares strings against each principal.
 */
#include "sync/external.h"

#include <ctype.h>
#include <locale.h>
#include <wctype.h>
#include <sys/stat.h>
#include <jansson.h>

#include "sync/syncer_int.h"
#include "c1/connector/v2/annotation_baton_id.pb-c.h"
#include "c1/connector/v2/grant.pb-c.h"

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

static bool has_baton_id(baton_resource *p);

static int grow(void **p, size_t *cap, size_t n, size_t elem)
{
	if (n < *cap)
		return 0;
	size_t c = *cap ? *cap * 2 : 64;
	void *q = realloc(*p, c * elem);
	if (!q)
		return baton__error_oom("external resources");
	*p = q;
	*cap = c;
	return 0;
}

bool baton__syncer_external_enabled(const baton__syncer *s)
{
	return s->opts->version >= 2 && s->opts->external_resource_c1z && *s->opts->external_resource_c1z;
}

static const char *trait_message(int trait)
{
	switch (trait) {
	case BATON_TRAIT_USER: return "c1.connector.v2.UserTrait";
	case BATON_TRAIT_GROUP: return "c1.connector.v2.GroupTrait";
	case BATON_TRAIT_ROLE: return "c1.connector.v2.RoleTrait";
	case BATON_TRAIT_APP: return "c1.connector.v2.AppTrait";
	case BATON_TRAIT_SECRET: return "c1.connector.v2.SecretTrait";
	default: return NULL;
	}
}

/* ---- copies (pack + unpack into e->ctx) ------------------------------------------------------ */

static int clone_resource_type(ext *e, baton_resource_type *in, baton_resource_type **out)
{
	const uint8_t *d;
	size_t n;
	int rc = baton_resource_type_pack(in, &e->ctx, &d, &n);
	return rc ? rc : baton_resource_type_unpack(&e->ctx, d, n, out);
}

static int clone_resource(ext *e, baton_resource *in, baton_resource **out)
{
	const uint8_t *d;
	size_t n;
	int rc = baton_resource_pack(in, &e->ctx, &d, &n);
	return rc ? rc : baton_resource_unpack(&e->ctx, d, n, out);
}

static int clone_entitlement(ext *e, baton_entitlement *in, baton_entitlement **out)
{
	const uint8_t *d;
	size_t n;
	int rc = baton_entitlement_pack(in, &e->ctx, &d, &n);
	return rc ? rc : baton_entitlement_unpack(&e->ctx, d, n, out);
}

static int clone_grant(baton_ctx *ctx, baton_grant *in, baton_grant **out)
{
	const uint8_t *d;
	size_t n;
	int rc = baton_grant_pack(in, ctx, &d, &n);
	return rc ? rc : baton_grant_unpack(ctx, d, n, out);
}

/* ---- phase 1: copying ------------------------------------------------------------------------ */

static bool type_matches(const ext *e, const baton_resource_type *rt)
{
	size_t n = baton_resource_type_trait_count(rt);
	for (size_t i = 0; i < n; i++) {
		int t = (int)baton_resource_type_trait_at(rt, i);
		if (t >= 0 && t < N_TRAITS && e->traits[t])
			return true;
	}
	return false;
}

static int note_skip(ext *e, baton_resource_type *rt)
{
	int rc = grow((void **)&e->skips, &e->cap_skips, e->n_skips, sizeof(*e->skips));
	if (rc)
		return rc;
	skip_entry *k = &e->skips[e->n_skips++];
	k->type_id = baton_ctx_strdup(&e->ctx, baton_resource_type_id(rt));
	k->skip_eg = baton_annotations_contains(baton_resource_type_annotations(rt),
	                                        "c1.connector.v2.SkipEntitlementsAndGrants");
	return k->type_id ? 0 : baton__error_oom("external resources");
}

static bool type_skips(const ext *e, const char *type_id)
{
	for (size_t i = e->n_skips; i-- > 0;)
		if (!strcmp(e->skips[i].type_id, type_id))
			return e->skips[i].skip_eg;
	return false;
}

static int put_type(ext *e, baton_resource_type *rt)
{
	int rc = baton_store_put_resource_type(e->s->store, rt);
	if (!rc)
		e->n_types++;
	return rc;
}

/* Adds a principal (copied, with BatonID) to the list. */
static int add_principal(ext *e, baton_resource *r)
{
	baton_resource *c;
	int rc = clone_resource(e, r, &c);
	if (!rc)
		rc = baton_annotations_update_json(baton_resource_annotations(c), "c1.connector.v2.BatonID", "{}");
	if (!rc)
		rc = grow((void **)&e->principals, &e->cap_principals, e->n_principals, sizeof(*e->principals));
	if (!rc)
		e->principals[e->n_principals++] = c;
	return rc;
}

static int copy_all_matching(ext *e)
{
	baton_store_iter *it;
	int rc = baton_store_list_resource_types(e->src, NULL, &it);
	if (rc)
		return rc;
	baton_resource_type **types = NULL;
	size_t n = 0, cap = 0;
	baton_resource_type *rt;
	while ((rc = baton_store_iter_next_resource_type(it, &rt)) == 0) {
		if (!type_matches(e, rt))
			continue;
		baton_resource_type *c;
		if ((rc = clone_resource_type(e, rt, &c)) || (rc = grow((void **)&types, &cap, n, sizeof(*types))))
			break;
		types[n++] = c;
	}
	baton_store_iter_free(it);
	if (rc == BATON_ITEROVER)
		rc = 0;
	for (size_t i = 0; !rc && i < n; i++)
		rc = put_type(e, types[i]);
	for (size_t i = 0; !rc && i < n; i++) {
		if ((rc = note_skip(e, types[i])))
			break;
		baton_store_query q = BATON_STORE_QUERY_INIT;
		q.resource_type_id = baton_resource_type_id(types[i]);
		if ((rc = baton_store_list_resources(e->src, &q, &it)))
			break;
		baton_resource *r;
		while ((rc = baton_store_iter_next_resource(it, &r)) == 0)
			if ((rc = add_principal(e, r)))
				break;
		baton_store_iter_free(it);
		if (rc == BATON_ITEROVER)
			rc = 0;
	}
	free(types);
	return rc;
}

/* A principal of the filter entitlement's grants, keyed (as upstream) by its resource id alone. */
typedef struct pid_entry {
	char *type, *id;
} pid_entry;

static int copy_filtered(ext *e, const char *entitlement_id)
{
	baton_entitlement *filter;
	int rc = baton_store_get_entitlement(e->src, NULL, entitlement_id, &e->ctx, &filter);
	if (rc == BATON_ENOTFOUND)
		return baton_error_set(BATON_ENOTFOUND, "external resources: entitlement %s not found in %s",
		                       entitlement_id, e->s->opts->external_resource_c1z);
	if (rc)
		return rc;
	char **types = NULL;
	pid_entry *ids = NULL;
	size_t nt = 0, ct = 0, ni = 0, ci = 0;
	baton_store_iter *it;
	baton_store_query q = BATON_STORE_QUERY_INIT;
	q.entitlement_id = entitlement_id;
	if ((rc = baton_store_list_grants(e->src, &q, &it)))
		return rc;
	baton_grant *g;
	while ((rc = baton_store_iter_next_grant(it, &g)) == 0) {
		baton_resource_id p = baton_grant_principal_id(g);
		if (!p.resource_type || !p.resource)
			continue;
		bool seen = false;
		for (size_t i = 0; i < nt && !seen; i++)
			seen = !strcmp(types[i], p.resource_type);
		if (!seen) {
			if ((rc = grow((void **)&types, &ct, nt, sizeof(*types))))
				break;
			types[nt++] = baton_ctx_strdup(&e->ctx, p.resource_type);
		}
		size_t at = ni;
		for (size_t i = 0; i < ni; i++)
			if (!strcmp(ids[i].id, p.resource))
				at = i;
		if (at == ni) {
			if ((rc = grow((void **)&ids, &ci, ni, sizeof(*ids))))
				break;
			ni++;
		}
		ids[at].type = baton_ctx_strdup(&e->ctx, p.resource_type);
		ids[at].id = baton_ctx_strdup(&e->ctx, p.resource);
	}
	baton_store_iter_free(it);
	if (rc == BATON_ITEROVER)
		rc = 0;
	for (size_t i = 0; !rc && i < nt; i++) {
		baton_resource_type *rt;
		rc = baton_store_get_resource_type(e->src, NULL, types[i], &e->ctx, &rt);
		if (rc == BATON_ENOTFOUND)
			rc = baton_error_set(BATON_ENOTFOUND, "external resources: resource type %s not found in %s",
			                     types[i], e->s->opts->external_resource_c1z);
		if (!rc && type_matches(e, rt))
			rc = put_type(e, rt);
		if (!rc)
			rc = note_skip(e, rt);
	}
	for (size_t i = 0; !rc && i < ni; i++) {
		baton_resource_id id = {ids[i].type, ids[i].id};
		baton_resource *r;
		rc = baton_store_get_resource(e->src, NULL, &id, &e->ctx, &r);
		if (rc == BATON_ENOTFOUND) {
			baton_error_clear();
			baton__log(BATON_LOG_DEBUG, "resource was not found in external sync", "resource_id", id.resource,
			           "resource_type_id", id.resource_type, NULL);
			rc = 0;
			continue;
		}
		if (!rc)
			rc = add_principal(e, r);
	}
	free(types);
	free(ids);
	return rc;
}

/* The principals' entitlements (EntitlementImmutable) and their grants (GrantImmutable). */
static int copy_entitlements_and_grants(ext *e)
{
	int rc = 0;
	for (size_t i = 0; !rc && i < e->n_principals; i++) {
		baton_resource *p = e->principals[i];
		baton_resource_id pid = baton_resource_get_id(p);
		if (type_skips(e, pid.resource_type) ||
		    baton_annotations_contains(baton_resource_annotations(p), "c1.connector.v2.SkipEntitlementsAndGrants"))
			continue;
		baton_store_iter *it;
		baton_store_query q = BATON_STORE_QUERY_INIT;
		q.resource = &pid;
		if ((rc = baton_store_list_entitlements(e->src, &q, &it)))
			break;
		baton_entitlement *en;
		while ((rc = baton_store_iter_next_entitlement(it, &en)) == 0) {
			baton_entitlement *c;
			if ((rc = clone_entitlement(e, en, &c)) ||
			    (rc = baton_annotations_update_json(baton_entitlement_annotations(c),
			                                        "c1.connector.v2.EntitlementImmutable", "{}")) ||
			    (rc = baton_store_put_entitlement(e->s->store, c)) ||
			    (rc = grow((void **)&e->ents, &e->cap_ents, e->n_ents, sizeof(*e->ents))))
				break;
			e->ents[e->n_ents++] = c;
		}
		baton_store_iter_free(it);
		if (rc == BATON_ITEROVER)
			rc = 0;
	}
	for (size_t i = 0; !rc && i < e->n_ents; i++) {
		baton_resource *er = baton_entitlement_resource(e->ents[i]);
		if (er && baton_annotations_contains(baton_resource_annotations(er), "c1.connector.v2.SkipGrants"))
			continue;
		baton_store_iter *it;
		baton_store_query q = BATON_STORE_QUERY_INIT;
		q.entitlement_id = baton_entitlement_id(e->ents[i]);
		if ((rc = baton_store_list_grants(e->src, &q, &it)))
			break;
		baton_grant *g;
		while ((rc = baton_store_iter_next_grant(it, &g)) == 0) {
			baton_ctx gctx;
			baton__ctx_init(&gctx);
			baton_grant *c;
			/* Upstream's reader hands grants over without their GrantExpandable. */
			rc = clone_grant(&gctx, g, &c);
			if (!rc) {
				baton_annotations *a = baton_grant_annotations(c);
				baton_annotations_remove(a, "c1.connector.v2.GrantExpandable");
				rc = baton_annotations_update_json(a, "c1.connector.v2.GrantImmutable", "{}");
			}
			if (!rc)
				rc = baton_store_put_grant(e->s->store, c);
			baton__ctx_release(&gctx);
			if (rc)
				break;
			e->n_grants++;
		}
		baton_store_iter_free(it);
		if (rc == BATON_ITEROVER)
			rc = 0;
	}
	return rc;
}

/* Runs `sql` with text parameters. */
static int exec_binds(baton_store *st, const char *sql, const char *const *binds, size_t n)
{
	sqlite3_stmt *q;
	int rc = sqlite3_prepare_v2(st->db, sql, -1, &q, NULL);
	if (rc != SQLITE_OK)
		return baton__store_sqlerr(st, rc, "external resources: deleting stale rows");
	for (size_t i = 0; i < n; i++)
		sqlite3_bind_text(q, (int)i + 1, binds[i], -1, SQLITE_STATIC);
	int sr = sqlite3_step(q);
	sqlite3_finalize(q);
	if (sr != SQLITE_DONE)
		return baton__store_sqlerr(st, sr, "external resources: deleting stale rows");
	st->dirty = true;
	return 0;
}

/*
 * Upstream's deleteStaleExternalPrincipals: principals (resources with BatonID) that an earlier,
 * interrupted attempt of this step copied into the sync but the external file no longer has are
 * removed, with their grants (as principal or on their entitlements) and entitlements, before the
 * current ones are written.
 */
static int delete_stale_principals(ext *e)
{
	baton__strset cur = {0};
	int rc = 0;
	for (size_t i = 0; !rc && i < e->n_principals; i++) {
		baton_resource_id id = baton_resource_get_id(e->principals[i]);
		char *k = baton_ctx_sprintf(&e->ctx, "%s%c%s", id.resource_type, 0x1f, id.resource);
		rc = k ? baton__strset_add(&cur, k, strlen(k)) : baton__error_oom("external resources");
		if (rc > 0)
			rc = 0;
	}
	char **stale = NULL;
	size_t n = 0, cap = 0;
	baton_store_iter *it = NULL;
	baton_store_query q = BATON_STORE_QUERY_INIT;
	q.sync_id = e->s->sync_id;
	if (!rc)
		rc = baton_store_list_resources(e->s->store, &q, &it);
	baton_resource *r;
	while (!rc && (rc = baton_store_iter_next_resource(it, &r)) == 0) {
		if (!has_baton_id(r))
			continue;
		baton_resource_id id = baton_resource_get_id(r);
		char *k = baton_ctx_sprintf(&e->ctx, "%s%c%s", id.resource_type, 0x1f, id.resource);
		if (!k) {
			rc = baton__error_oom("external resources");
			break;
		}
		if (baton__strset_has(&cur, k, strlen(k)))
			continue;
		if ((rc = grow((void **)&stale, &cap, n, sizeof(*stale))))
			break;
		stale[n++] = k;
	}
	baton_store_iter_free(it);
	if (rc == BATON_ITEROVER)
		rc = 0;
	baton__strset_free(&cur);
	if (!rc && n)
		rc = baton__store_commit(e->s->store);
	for (size_t i = 0; !rc && i < n; i++) {
		char *sep = strchr(stale[i], 0x1f);
		*sep = '\0';
		const char *type = stale[i], *rid = sep + 1, *sync = e->s->sync_id;
		char *ext_id = baton_ctx_sprintf(&e->ctx, "%s:%s", type, rid);
		const char *g[] = {sync, type, rid};
		const char *r3[] = {sync, ext_id};
		if (!ext_id)
			rc = baton__error_oom("external resources");
		if (!rc)
			rc = exec_binds(e->s->store, "DELETE FROM v1_grants WHERE sync_id = ?1 AND ((principal_resource_type_id = ?2 "
			                "AND principal_resource_id = ?3) OR (resource_type_id = ?2 AND resource_id = ?3))", g, 3);
		if (!rc)
			rc = exec_binds(e->s->store, "DELETE FROM v1_entitlements WHERE sync_id = ?1 AND resource_type_id = ?2 "
			                "AND resource_id = ?3", g, 3);
		if (!rc)
			rc = exec_binds(e->s->store, "DELETE FROM v1_resources WHERE sync_id = ?1 AND external_id = ?2", r3, 2);
		if (!rc)
			baton__log(BATON_LOG_INFO, "removed a stale external principal", "resource_type_id", type,
			           "resource_id", rid, NULL);
	}
	free(stale);
	return rc;
}

/* ---- phase 2: matching ----------------------------------------------------------------------- */

/* One UTF-8 code point from *p (advanced); an invalid byte is taken as itself. */
static uint32_t utf8_next(const unsigned char **p)
{
	const unsigned char *s = *p;
	uint32_t c = s[0];
	int n = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : -1;
	if (n <= 0) {
		*p = s + 1;
		return c;
	}
	uint32_t v = c & (0x3Fu >> n);
	for (int i = 1; i <= n; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			*p = s + 1;
			return c;
		}
		v = (v << 6) | (s[i] & 0x3F);
	}
	*p = s + n + 1;
	return v;
}

static locale_t fold_locale;
static pthread_once_t fold_once = PTHREAD_ONCE_INIT;

static void fold_init(void)
{
	fold_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

/* A representative of c's case-folding class (Go folds to the class's lowest code point; upper
 * then lower case puts the members of a class on one value, e.g. K, k and the Kelvin sign). */
static uint32_t fold(uint32_t c)
{
	if (c < 0x80)
		return (uint32_t)tolower((int)c);
	if (!fold_locale)
		return c;
	return (uint32_t)towlower_l(towupper_l((wint_t)c, fold_locale), fold_locale);
}

static bool has_baton_id(baton_resource *p)
{
	return baton_annotations_contains(baton_resource_annotations(p), "c1.connector.v2.BatonID");
}

static bool has_trait(baton_resource *p, int trait)
{
	const char *m = trait_message(trait);
	return m && baton_annotations_contains(baton_resource_annotations(p), m);
}

/* s folded (each code point to its class representative), UTF-8, in ctx; NULL when memory is short. */
static char *fold_string(baton_ctx *ctx, const char *s)
{
	pthread_once(&fold_once, fold_init);
	size_t len = strlen(s);
	char *out = baton_ctx_alloc(ctx, len * 4 + 1);
	if (!out)
		return NULL;
	size_t n = 0;
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		uint32_t c = fold(utf8_next(&p));
		if (c < 0x80) {
			out[n++] = (char)c;
		} else if (c < 0x800) {
			out[n++] = (char)(0xC0 | (c >> 6));
			out[n++] = (char)(0x80 | (c & 0x3F));
		} else if (c < 0x10000) {
			out[n++] = (char)(0xE0 | (c >> 12));
			out[n++] = (char)(0x80 | ((c >> 6) & 0x3F));
			out[n++] = (char)(0x80 | (c & 0x3F));
		} else {
			out[n++] = (char)(0xF0 | (c >> 18));
			out[n++] = (char)(0x80 | ((c >> 12) & 0x3F));
			out[n++] = (char)(0x80 | ((c >> 6) & 0x3F));
			out[n++] = (char)(0x80 | (c & 0x3F));
		}
	}
	out[n] = '\0';
	return out;
}

static int load_info(ext *e)
{
	if (e->info || !e->n_principals)
		return 0;
	e->info = calloc(e->n_principals, sizeof(*e->info));
	if (!e->info)
		return baton__error_oom("external principals");
	for (size_t i = 0; i < e->n_principals; i++) {
		baton_resource *p = e->principals[i];
		e->info[i].baton_id = has_baton_id(p);
		for (int t = 0; t < N_TRAITS; t++)
			if (has_trait(p, t))
				e->info[i].traits |= 1u << t;
	}
	return 0;
}

/* The folded profile values of every principal for `key` (built on first use). */
static int key_values(ext *e, const char *key, char ***vals)
{
	for (size_t k = 0; k < e->n_keys; k++)
		if (!strcmp(e->keys[k].key, key)) {
			*vals = e->keys[k].vals;
			return 0;
		}
	int rc = grow((void **)&e->keys, &e->cap_keys, e->n_keys, sizeof(*e->keys));
	if (rc)
		return rc;
	char **v = baton_ctx_alloc(&e->ctx, e->n_principals * sizeof(*v) + 1);
	char *kc = baton_ctx_strdup(&e->ctx, key);
	if (!v || !kc)
		return baton__error_oom("external principals");
	for (size_t i = 0; i < e->n_principals; i++) {
		const char *s;
		v[i] = NULL;
		if (baton_resource_profile_string(e->principals[i], key, &s) == 0) {
			if (!(v[i] = fold_string(&e->ctx, s)))
				return baton__error_oom("external principals");
		} else {
			baton_error_clear();
		}
	}
	e->keys[e->n_keys].key = kc;
	e->keys[e->n_keys++].vals = v;
	*vals = v;
	return 0;
}

static int load_emails(ext *e, size_t i)
{
	pinfo *in = &e->info[i];
	if (in->emails_loaded)
		return 0;
	in->emails_loaded = true;
	baton_user_trait *ut;
	if (baton_resource_get_user_trait(e->principals[i], &ut)) {
		baton_error_clear();
		return 0;
	}
	size_t n = baton_user_trait_email_count(ut);
	if (!n)
		return 0;
	in->emails = baton_ctx_alloc(&e->ctx, n * sizeof(*in->emails));
	if (!in->emails)
		return baton__error_oom("external principals");
	for (size_t j = 0; j < n; j++) {
		const char *addr = baton_user_trait_email_at(ut, j, NULL);
		if (addr && !(in->emails[in->n_emails++] = fold_string(&e->ctx, addr)))
			return baton__error_oom("external principals");
	}
	return 0;
}

/* Whether principal i matches key = value (folded `fvalue`): its profile value, or for users with
 * the key "email" one of its user-trait emails. */
static int profile_matches(ext *e, size_t i, const char *key, const char *fvalue, bool user, bool *out)
{
	char **vals;
	int rc = key_values(e, key, &vals);
	if (rc)
		return rc;
	*out = vals[i] && !strcmp(vals[i], fvalue);
	if (*out || !user || strcmp(key, "email"))
		return 0;
	if ((rc = load_emails(e, i)))
		return rc;
	for (size_t j = 0; j < e->info[i].n_emails && !*out; j++)
		*out = e->info[i].emails[j] && !strcmp(e->info[i].emails[j], fvalue);
	return 0;
}

/* Appends to b (a buffer of `size`) the BID escaping of s (\\ \/ \:). */
static void bid_escape(char *b, size_t size, const char *s)
{
	size_t n = strlen(b);
	for (; *s && n + 2 < size; s++) {
		if (*s == '\\' || *s == '/' || *s == ':')
			b[n++] = '\\';
		b[n++] = *s;
	}
	b[n] = '\0';
}

/* The resource BID of a grant's principal: "bid:r:[ptype/pid/]type/id". */
static void principal_bid(baton_grant *g, char *b, size_t size)
{
	snprintf(b, size, "bid:r:");
	baton_resource *p = baton_grant_principal(g);
	baton_resource_id id = baton_grant_principal_id(g);
	baton_resource_id parent = {NULL, NULL};
	if (!p || !baton_resource_get_parent(p, &parent))
		parent.resource_type = parent.resource = NULL;
	if (parent.resource_type && *parent.resource_type && parent.resource && *parent.resource) {
		bid_escape(b, size, parent.resource_type);
		strncat(b, "/", size - strlen(b) - 1);
		bid_escape(b, size, parent.resource);
		strncat(b, "/", size - strlen(b) - 1);
	}
	bid_escape(b, size, id.resource_type ? id.resource_type : "");
	strncat(b, "/", size - strlen(b) - 1);
	bid_escape(b, size, id.resource ? id.resource : "");
}

/*
 * Splits an entitlement BID "bid:e:<resource part>:<slug>" into the resource BID ("bid:r:<resource
 * part>", escapes kept) and the unescaped slug. False when it is not one.
 */
static bool parse_entitlement_bid(const char *s, char *rbid, size_t rsize, char *slug, size_t ssize)
{
	if (strncmp(s, "bid:e:", 6))
		return false;
	const char *body = s + 6, *colon = NULL;
	size_t slashes = 0;
	for (const char *p = body; *p; p++) {
		if (*p == '\\') {
			if (!p[1])
				return false;
			p++;
			continue;
		}
		if (*p == ':') {
			if (colon)
				return false;
			colon = p;
		} else if (*p == '/' && !colon) {
			slashes++;
		}
	}
	if (!colon || colon == body || !colon[1] || (slashes != 1 && slashes != 3))
		return false;
	/* every part of the resource non-empty */
	for (const char *p = body; p < colon; p++)
		if ((*p == '/' && (p == body || p[-1] == '/' || p + 1 == colon)) && !(p > body && p[-1] == '\\'))
			return false;
	if (snprintf(rbid, rsize, "bid:r:%.*s", (int)(colon - body), body) >= (int)rsize)
		return false;
	size_t n = 0;
	for (const char *p = colon + 1; *p && n + 1 < ssize; p++) {
		if (*p == '\\')
			p++;
		slug[n++] = *p;
	}
	slug[n] = '\0';
	return true;
}

/* A new grant: g's entitlement, sources and annotations (without GrantExpandable), principal p,
 * id "<entitlement id>:<type>:<id>". */
static int grant_for_principal(ext *e, baton_grant *g, baton_resource *p, baton_grant **out)
{
	const uint8_t *gd, *pd;
	size_t gn, pn;
	int rc = baton_grant_pack(g, &e->ctx, &gd, &gn);
	if (!rc)
		rc = baton_resource_pack(p, &e->ctx, &pd, &pn);
	if (rc)
		return rc;
	C1__Connector__V2__Grant *gm = c1__connector__v2__grant__unpack(NULL, gn, gd);
	C1__Connector__V2__Resource *pm = c1__connector__v2__resource__unpack(NULL, pn, pd);
	if (!gm || !pm) {
		if (gm)
			c1__connector__v2__grant__free_unpacked(gm, NULL);
		if (pm)
			c1__connector__v2__resource__free_unpacked(pm, NULL);
		return baton_error_set(BATON_EDATALOSS, "external resources: a grant or principal does not decode");
	}
	baton_resource_id pid = baton_resource_get_id(p);
	char *id = baton_grant_id_format(&e->ctx, baton_grant_entitlement_id(g), &pid);
	C1__Connector__V2__Grant ng = C1__CONNECTOR__V2__GRANT__INIT;
	ng.entitlement = gm->entitlement;
	ng.principal = pm;
	ng.id = id ? id : (char *)"";
	ng.sources = gm->sources;
	ng.n_annotations = gm->n_annotations;
	ng.annotations = gm->annotations;
	size_t len = c1__connector__v2__grant__get_packed_size(&ng);
	uint8_t *buf = malloc(len ? len : 1);
	if (!id || !buf)
		rc = baton__error_oom("external grant");
	else {
		c1__connector__v2__grant__pack(&ng, buf);
		rc = baton_grant_unpack(&e->ctx, buf, len, out);
	}
	free(buf);
	c1__connector__v2__grant__free_unpacked(gm, NULL);
	c1__connector__v2__resource__free_unpacked(pm, NULL);
	if (!rc)
		baton_annotations_remove(baton_grant_annotations(*out), "c1.connector.v2.GrantExpandable");
	return rc;
}

/* Gives `ng` a GrantExpandable remapped onto principal p from `ge` (see the top). */
static int remap_expandable(ext *e, baton_grant *orig, C1__Connector__V2__GrantExpandable *ge, baton_grant *ng,
                            baton_resource *p)
{
	char pbid[1024], rbid[1024], slug[512];
	principal_bid(orig, pbid, sizeof pbid);
	baton_resource_id pid = baton_resource_get_id(p);
	json_t *o = json_object(), *ids = json_array(), *rts = json_array();
	int rc = 0;
	for (size_t i = 0; !rc && i < ge->n_entitlement_ids; i++) {
		if (!parse_entitlement_bid(ge->entitlement_ids[i], rbid, sizeof rbid, slug, sizeof slug)) {
			baton__log(BATON_LOG_ERROR, "error parsing expandable entitlement bid", "entitlementId",
			           ge->entitlement_ids[i], NULL);
			continue;
		}
		if (strcmp(rbid, pbid))
			continue;
		char *eid = baton_ctx_sprintf(&e->ctx, "%s:%s:%s", pid.resource_type, pid.resource, slug);
		if (!eid) {
			rc = baton__error_oom("external grant");
			break;
		}
		baton_entitlement *found;
		int grc = baton_store_get_entitlement(e->s->store, e->s->sync_id, eid, &e->ctx, &found);
		if (grc == BATON_ENOTFOUND) {
			baton_error_clear();
			baton__log(BATON_LOG_ERROR, "found no entitlement with entitlement id generated from external source sync",
			           "entitlementId", eid, NULL);
			continue;
		}
		if (grc)
			rc = grc;
		else
			json_array_append_new(ids, json_string(eid));
	}
	for (size_t i = 0; i < ge->n_resource_type_ids; i++)
		json_array_append_new(rts, json_string(ge->resource_type_ids[i]));
	json_object_set_new(o, "entitlementIds", ids);
	if (ge->shallow)
		json_object_set_new(o, "shallow", json_true());
	json_object_set_new(o, "resourceTypeIds", rts);
	char *text = rc ? NULL : json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (rc)
		return rc;
	if (!text)
		return baton__error_oom("external grant");
	rc = baton_annotations_update_json(baton_grant_annotations(ng), "c1.connector.v2.GrantExpandable", text);
	free(text);
	return rc;
}

typedef struct grant_list {
	baton_grant **g;
	size_t n, cap;
} grant_list;

static int push_grant(grant_list *l, baton_grant *g)
{
	int rc = grow((void **)&l->g, &l->cap, l->n, sizeof(*l->g));
	if (!rc)
		l->g[l->n++] = g;
	return rc;
}

/* One grant carrying an ExternalResourceMatch* annotation: its new grants into `out`, and it into
 * `del`. */
static int match_grant(ext *e, baton_grant *g, grant_list *out, grant_list *del)
{
	baton_annotations *annos = baton_grant_annotations(g);
	C1__Connector__V2__ExternalResourceMatchAll *all = NULL;
	C1__Connector__V2__ExternalResourceMatchID *mid = NULL;
	C1__Connector__V2__ExternalResourceMatch *m = NULL;
	C1__Connector__V2__GrantExpandable *ge = NULL;
	int rc;
	if ((rc = baton__annotations_pick(annos, &c1__connector__v2__external_resource_match_all__descriptor,
	                                  (ProtobufCMessage **)&all)) < 0)
		return rc;
	baton_grant *ng;
	if (all) {
		int trait = (int)all->resource_type;
		if (trait < 0 || trait >= N_TRAITS || !e->traits[trait])
			baton__log(BATON_LOG_ERROR, "unexpected external resource type trait", NULL);
		for (size_t i = 0; i < e->n_principals && trait >= 0 && trait < N_TRAITS && e->traits[trait]; i++) {
			baton_resource *p = e->principals[i];
			if (!e->info[i].baton_id || !(e->info[i].traits & (1u << trait)))
				continue;
			if ((rc = grant_for_principal(e, g, p, &ng)) || (rc = push_grant(out, ng)))
				return rc;
		}
		return push_grant(del, g);
	}
	if ((rc = baton__annotations_pick(annos, &c1__connector__v2__grant_expandable__descriptor,
	                                  (ProtobufCMessage **)&ge)) < 0)
		return rc;
	if ((rc = baton__annotations_pick(annos, &c1__connector__v2__external_resource_match_id__descriptor,
	                                  (ProtobufCMessage **)&mid)) < 0)
		return rc;
	if (mid) {
		baton_resource *p = NULL;
		for (size_t i = 0; i < e->n_principals; i++) {
			baton_resource_id pid = baton_resource_get_id(e->principals[i]);
			if (e->info[i].baton_id && pid.resource && *pid.resource && !strcmp(pid.resource, mid->id))
				p = e->principals[i]; /* the last one wins, as upstream's map */
		}
		if (p) {
			if ((rc = grant_for_principal(e, g, p, &ng)) || (ge && (rc = remap_expandable(e, g, ge, ng, p))) ||
			    (rc = push_grant(out, ng)))
				return rc;
		}
		if ((rc = push_grant(del, g)))
			return rc;
	}
	if ((rc = baton__annotations_pick(annos, &c1__connector__v2__external_resource_match__descriptor,
	                                  (ProtobufCMessage **)&m)) < 0)
		return rc;
	if (!m)
		return 0;
	int trait = (int)m->resource_type;
	bool configured = trait >= 0 && trait < N_TRAITS && e->traits[trait];
	if (trait == BATON_TRAIT_USER || configured) {
		bool user = trait == BATON_TRAIT_USER;
		const char *fvalue = configured ? fold_string(&e->ctx, m->value ? m->value : "") : "";
		if (!fvalue)
			return baton__error_oom("external principals");
		for (size_t i = 0; configured && i < e->n_principals; i++) {
			baton_resource *p = e->principals[i];
			if (!e->info[i].baton_id || !(e->info[i].traits & (1u << trait)))
				continue;
			bool hit;
			if ((rc = profile_matches(e, i, m->key ? m->key : "", fvalue, user, &hit)))
				return rc;
			if (!hit)
				continue;
			if ((rc = grant_for_principal(e, g, p, &ng)) ||
			    (!user && ge && (rc = remap_expandable(e, g, ge, ng, p))) || (rc = push_grant(out, ng)))
				return rc;
		}
	} else {
		baton__log(BATON_LOG_ERROR, "unexpected external resource type trait", NULL);
	}
	return push_grant(del, g);
}

static int delete_grant(baton_store *st, const char *sync_id, const char *id)
{
	sqlite3_stmt *q;
	int rc = sqlite3_prepare_v2(st->db, "DELETE FROM v1_grants WHERE external_id = ? AND sync_id = ?", -1, &q, NULL);
	if (rc != SQLITE_OK)
		return baton__store_sqlerr(st, rc, "deleting a grant");
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, sync_id, -1, SQLITE_STATIC);
	int sr = sqlite3_step(q);
	sqlite3_finalize(q);
	if (sr != SQLITE_DONE)
		return baton__store_sqlerr(st, sr, "deleting a grant");
	st->dirty = true;
	return 0;
}

static int match_grants(ext *e)
{
	if (!e->s->st.has_external_resource_grants)
		return 0;
	int lrc = load_info(e);
	if (lrc)
		return lrc;
	grant_list out = {0}, del = {0};
	baton_store_iter *it;
	baton_store_query q = BATON_STORE_QUERY_INIT;
	q.sync_id = e->s->sync_id;
	int rc = baton_store_list_grants(e->s->store, &q, &it);
	if (rc)
		return rc;
	baton_grant *g;
	while ((rc = baton_store_iter_next_grant(it, &g)) == 0) {
		baton_annotations *a = baton_grant_annotations(g);
		if (!baton_annotations_contains(a, "c1.connector.v2.ExternalResourceMatchAll") &&
		    !baton_annotations_contains(a, "c1.connector.v2.ExternalResourceMatch") &&
		    !baton_annotations_contains(a, "c1.connector.v2.ExternalResourceMatchID"))
			continue;
		baton_grant *c;
		if ((rc = clone_grant(&e->ctx, g, &c)) || (rc = match_grant(e, c, &out, &del)))
			break;
	}
	baton_store_iter_free(it);
	if (rc == BATON_ITEROVER)
		rc = 0;
	for (size_t i = 0; !rc && i < out.n; i++)
		rc = baton_store_put_grant(e->s->store, out.g[i]);
	if (!rc)
		rc = baton__store_commit(e->s->store);
	size_t deleted = 0;
	for (size_t i = 0; !rc && i < del.n; i++) {
		const char *id = baton_grant_id(del.g[i]);
		bool reissued = false;
		for (size_t j = 0; j < out.n && !reissued; j++)
			reissued = !strcmp(baton_grant_id(out.g[j]), id);
		if (reissued)
			continue;
		rc = delete_grant(e->s->store, e->s->sync_id, id);
		deleted++;
	}
	if (!rc) {
		char a[32], b[32];
		snprintf(a, sizeof a, "%zu", out.n);
		snprintf(b, sizeof b, "%zu", deleted);
		baton__log(BATON_LOG_DEBUG, "matched grants against external principals", "expanded_grants", a,
		           "grants_deleted", b, NULL);
	}
	free(out.g);
	free(del.g);
	return rc;
}

int baton__syncer_step_external(baton__syncer *s, baton__action *a)
{
	s->phase = "list-external-resources";
	baton__log(BATON_LOG_INFO, "Syncing external resources", NULL);
	ext e;
	memset(&e, 0, sizeof e);
	e.s = s;
	baton__ctx_init(&e.ctx);
	const baton_sync_options *o = s->opts;
	if (o->n_external_resource_traits) {
		for (size_t i = 0; i < o->n_external_resource_traits; i++)
			if ((int)o->external_resource_traits[i] >= 0 && (int)o->external_resource_traits[i] < N_TRAITS)
				e.traits[o->external_resource_traits[i]] = true;
	} else {
		e.traits[BATON_TRAIT_USER] = e.traits[BATON_TRAIT_GROUP] = true;
	}
	int rc;
	struct stat st;
	if (stat(o->external_resource_c1z, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
		/* upstream's reader would take a missing file as an empty one; its command line refuses it */
		rc = baton_error_set(BATON_ENOTFOUND, "external resources: the c1z %s does not exist or is empty",
		                     o->external_resource_c1z);
		goto done;
	}
	baton_store_options so = BATON_STORE_OPTIONS_INIT;
	so.read_only = true;
	so.tmp_dir = o->tmp_dir;
	rc = baton_store_open(o->external_resource_c1z, &so, &e.src);
	if (rc) {
		baton__error_prefix("external resources");
		goto done;
	}
	const char *filter = o->external_resource_entitlement_id_filter;
	rc = filter && *filter ? copy_filtered(&e, filter) : copy_all_matching(&e);
	if (!rc)
		rc = delete_stale_principals(&e);
	for (size_t i = 0; !rc && i < e.n_principals; i++)
		rc = baton_store_put_resource(s->store, e.principals[i]);
	if (!rc)
		rc = copy_entitlements_and_grants(&e);
	if (!rc) {
		char t[32], r[32], en[32], g[32];
		snprintf(t, sizeof t, "%" PRIu64, e.n_types);
		snprintf(r, sizeof r, "%zu", e.n_principals);
		snprintf(en, sizeof en, "%zu", e.n_ents);
		snprintf(g, sizeof g, "%" PRIu64, e.n_grants);
		baton__log(BATON_LOG_INFO, "Synced external resources", "resource_type_count", t, "resource_count", r,
		           "entitlement_count", en, "grant_count", g, NULL);
		/* test knob: a stop between the copies and the matching (docs/RELIABILITY.md) */
		rc = baton__fault("sync.external.match");
		if (!rc)
			rc = match_grants(&e);
	}
	if (!rc)
		baton__state_finish(&s->st, a->id);
done:
	if (e.src)
		baton_store_discard(e.src);
	free(e.principals);
	free(e.ents);
	free(e.skips);
	free(e.info);
	free(e.keys);
	baton__ctx_release(&e.ctx);
	return rc;
}
