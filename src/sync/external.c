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
#include "sync/external_int.h"

#include <sys/stat.h>

int baton__ext_grow(void **p, size_t *cap, size_t n, size_t elem)
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

int baton__ext_clone_grant(baton_ctx *ctx, baton_grant *in, baton_grant **out)
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
	int rc = baton__ext_grow((void **)&e->skips, &e->cap_skips, e->n_skips, sizeof(*e->skips));
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
		rc = baton__ext_grow((void **)&e->principals, &e->cap_principals, e->n_principals, sizeof(*e->principals));
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
		if ((rc = clone_resource_type(e, rt, &c)) || (rc = baton__ext_grow((void **)&types, &cap, n, sizeof(*types))))
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
			if ((rc = baton__ext_grow((void **)&types, &ct, nt, sizeof(*types))))
				break;
			types[nt++] = baton_ctx_strdup(&e->ctx, p.resource_type);
		}
		size_t at = ni;
		for (size_t i = 0; i < ni; i++)
			if (!strcmp(ids[i].id, p.resource))
				at = i;
		if (at == ni) {
			if ((rc = baton__ext_grow((void **)&ids, &ci, ni, sizeof(*ids))))
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
			    (rc = baton__ext_grow((void **)&e->ents, &e->cap_ents, e->n_ents, sizeof(*e->ents))))
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
			rc = baton__ext_clone_grant(&gctx, g, &c);
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
		if (!baton__ext_has_baton_id(r))
			continue;
		baton_resource_id id = baton_resource_get_id(r);
		char *k = baton_ctx_sprintf(&e->ctx, "%s%c%s", id.resource_type, 0x1f, id.resource);
		if (!k) {
			rc = baton__error_oom("external resources");
			break;
		}
		if (baton__strset_has(&cur, k, strlen(k)))
			continue;
		if ((rc = baton__ext_grow((void **)&stale, &cap, n, sizeof(*stale))))
			break;
		stale[n++] = k;
	}
	baton_store_iter_free(it);
	if (rc == BATON_ITEROVER)
		rc = 0;
	baton__strset_free(&cur);
	if (!rc && n)
		rc = baton__store_commit(e->s->store);
	/* Deleting by principal: a bulk phase's grants are merged first (store/bulk.c), so rows and
	 * rowids are those the upserts would have left. */
	if (!rc && n)
		rc = baton__store_bulk_grants_end(e->s->store, true);
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

bool baton__ext_has_baton_id(baton_resource *p)
{
	return baton_annotations_contains(baton_resource_annotations(p), "c1.connector.v2.BatonID");
}

bool baton__ext_has_trait(baton_resource *p, int trait)
{
	const char *m = trait_message(trait);
	return m && baton_annotations_contains(baton_resource_annotations(p), m);
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
			rc = baton__ext_match_grants(&e);
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
