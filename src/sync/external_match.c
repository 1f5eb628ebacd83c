/*
 * The second half of the external-resources step (external.c has the first half and the
 * overview): the sync's grants carrying ExternalResourceMatchAll / ExternalResourceMatchID /
 * ExternalResourceMatch are replaced by grants to the copied principals they match, as the Go
 * SDK's processGrantsWithExternalPrincipals.
 */
#include "sync/external_int.h"

#include <ctype.h>
#include <locale.h>
#include <wctype.h>
#include <jansson.h>

#include "c1/connector/v2/annotation_baton_id.pb-c.h"
#include "c1/connector/v2/grant.pb-c.h"

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
		e->info[i].baton_id = baton__ext_has_baton_id(p);
		for (int t = 0; t < N_TRAITS; t++)
			if (baton__ext_has_trait(p, t))
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
	int rc = baton__ext_grow((void **)&e->keys, &e->cap_keys, e->n_keys, sizeof(*e->keys));
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
	char **vals = NULL;
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
	int rc = baton__ext_grow((void **)&l->g, &l->cap, l->n, sizeof(*l->g));
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

int baton__ext_match_grants(ext *e)
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
		if ((rc = baton__ext_clone_grant(&e->ctx, g, &c)) || (rc = match_grant(e, c, &out, &del)))
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
