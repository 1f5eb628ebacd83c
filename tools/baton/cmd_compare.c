/*
 * `principals compare`: the principals granted one entitlement (-e, in -f) against those granted
 * another (--compare-entitlement, in --compare-file), as the Go tool compares them: the same
 * resource id, else (both users) a shared email address, else (neither a user, or both users
 * without a shared email) the same display name.
 *
 * JSON: baton.v1.PrincipalsCompareOutput {missing, extra, base, compared}, written field by
 * field (protobuf-c cannot generate that message: its field `base` collides with the struct
 * member every generated message starts with).
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include "c1/connector/v2/annotation_trait.pb-c.h"
#include "google/protobuf/any.pb-c.h"

typedef struct plist {
	Baton__V1__ResourceOutput **v;
	size_t n, cap;
} plist;

static int plist_push(plist *l, Baton__V1__ResourceOutput *o)
{
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 16;
		Baton__V1__ResourceOutput **nv = realloc(l->v, ncap * sizeof(*nv));
		if (!nv)
			return baton_error_set(BATON_EEXHAUSTED, "out of memory");
		l->v = nv;
		l->cap = ncap;
	}
	l->v[l->n++] = o;
	return 0;
}

static char *id_key(baton_arena *a, const C1__Connector__V2__Resource *r, size_t *len)
{
	const char *rt = r->id && r->id->resource_type ? r->id->resource_type : "";
	const char *id = r->id && r->id->resource ? r->id->resource : "";
	size_t tl = strlen(rt), il = strlen(id);
	char *k = baton_arena_alloc(a, tl + il + 2);
	if (!k)
		return NULL;
	memcpy(k, rt, tl);
	k[tl] = '\x1f';
	memcpy(k + tl + 1, id, il + 1);
	*len = tl + il + 1;
	return k;
}

/*
 * The principals of the grants of entitlement `eid` in `src`'s sync, each once, in grant order.
 * Their resource types and parents are looked up in `meta` (the Go tool looks both lists' up in
 * the base file).
 */
static int principals_of(tool *src, tool *meta, const char *eid, plist *out)
{
	baton_store_query q = BATON_STORE_QUERY_INIT;
	baton_store_iter *it = NULL;
	baton_grant *g;
	strmap seen;
	int rc;

	strmap_init(&seen, &src->arena);
	q.sync_id = tool_query_sync(src);
	q.entitlement_id = eid;
	rc = baton_store_list_grants(src->store, &q, &it);
	while (rc == 0 && (rc = baton_store_iter_next_grant(it, &g)) == 0) {
		baton_resource_id p = baton_grant_principal_id(g);
		C1__Connector__V2__ResourceId pid = C1__CONNECTOR__V2__RESOURCE_ID__INIT;
		C1__Connector__V2__Resource *r;
		pid.resource_type = (char *)p.resource_type;
		pid.resource = (char *)p.resource;
		if ((rc = lookup_resource(src->lk, &pid, &r)) < 0)
			break;
		size_t kl;
		char *k = id_key(&src->arena, r, &kl);
		if (!k) {
			rc = baton_error_set(BATON_EEXHAUSTED, "out of memory");
			break;
		}
		if (strmap_get(&seen, k, kl))
			continue;
		Baton__V1__ResourceOutput *o = baton_arena_alloc(&src->arena, sizeof(*o));
		if (!o) {
			rc = baton_error_set(BATON_EEXHAUSTED, "out of memory");
			break;
		}
		baton__v1__resource_output__init(o);
		o->resource = r;
		if ((rc = lookup_resource_type(meta->lk, r->id ? r->id->resource_type : "", &o->resource_type)) < 0 ||
		    (r->parent_resource_id && (rc = lookup_resource(meta->lk, r->parent_resource_id, &o->parent)) < 0) ||
		    (rc = strmap_put(&seen, k, kl, o)) < 0 || (rc = plist_push(out, o)) < 0)
			break;
	}
	baton_store_iter_free(it);
	strmap_free(&seen);
	return rc == BATON_ITEROVER ? 0 : rc;
}

/* The first UserTrait annotation of r, decoded into a (NULL when none or undecodable). */
static C1__Connector__V2__UserTrait *user_trait(baton_arena *a, const C1__Connector__V2__Resource *r)
{
	static const char suffix[] = "/c1.connector.v2.UserTrait";
	for (size_t i = 0; i < r->n_annotations; i++) {
		const Google__Protobuf__Any *any = r->annotations[i];
		const char *url = any ? any->type_url : NULL;
		size_t ul = url ? strlen(url) : 0;
		if (ul < sizeof(suffix) - 1 || strcmp(url + ul - (sizeof(suffix) - 1), suffix) != 0)
			continue;
		ProtobufCMessage *m = pb_decode(a, &c1__connector__v2__user_trait__descriptor, any->value.data,
		                                any->value.len);
		if (!m)
			baton_error_clear();
		return (C1__Connector__V2__UserTrait *)m;
	}
	return NULL;
}

static bool same_principal(baton_arena *a, const C1__Connector__V2__Resource *x,
                           const C1__Connector__V2__Resource *y)
{
	const char *xt = x->id && x->id->resource_type ? x->id->resource_type : "";
	const char *xi = x->id && x->id->resource ? x->id->resource : "";
	const char *yt = y->id && y->id->resource_type ? y->id->resource_type : "";
	const char *yi = y->id && y->id->resource ? y->id->resource : "";
	if (strcmp(xt, yt) == 0 && strcmp(xi, yi) == 0)
		return true;
	C1__Connector__V2__UserTrait *ux = user_trait(a, x), *uy = user_trait(a, y);
	if (ux && uy) {
		for (size_t i = 0; i < ux->n_emails; i++)
			for (size_t j = 0; j < uy->n_emails; j++) {
				const char *ex = ux->emails[i] && ux->emails[i]->address ? ux->emails[i]->address : "";
				const char *ey = uy->emails[j] && uy->emails[j]->address ? uy->emails[j]->address : "";
				if (strcmp(ex, ey) == 0)
					return true;
			}
	} else if (!ux != !uy) {
		return false;
	}
	return strcmp(x->display_name ? x->display_name : "", y->display_name ? y->display_name : "") == 0;
}

static int write_field(FILE *out, const char *name, const plist *l, bool *first)
{
	if (!l->n)
		return 0;
	fprintf(out, "%s\"%s\":[", *first ? "" : ",", name);
	*first = false;
	for (size_t i = 0; i < l->n; i++) {
		if (i)
			fputc(',', out);
		int rc = pb_write_json(out, &l->v[i]->base);
		if (rc < 0)
			return rc;
	}
	fputc(']', out);
	return 0;
}

static void print_section(const char *title, const plist *l)
{
	static const char *const headers[] = {"ID", "Display Name", "Resource Type", "Parent Resource"};
	table *tb = table_new(4, headers);
	if (!tb)
		return;
	printf("\n%s\n\n", title);
	for (size_t i = 0; i < l->n; i++) {
		const Baton__V1__ResourceOutput *o = l->v[i];
		char parent[1024] = "-";
		if (o->parent)
			snprintf(parent, sizeof(parent), "%s (%s)", pb_display_resource(o->parent),
			         o->parent->id && o->parent->id->resource_type ? o->parent->id->resource_type : "");
		const char *cells[] = {o->resource->id ? o->resource->id->resource : "",
		                       o->resource->display_name, pb_display_resource_type(o->resource_type),
		                       parent};
		table_add(tb, cells);
	}
	table_print(tb, stdout);
	table_free(tb);
}

int cmd_principals_compare(tool *t)
{
	const char *eid = t->args.given[FLAG_ENTITLEMENT] ? t->args.value[FLAG_ENTITLEMENT] : "";
	const char *ceid = t->args.given[FLAG_COMPARE_ENTITLEMENT] ? t->args.value[FLAG_COMPARE_ENTITLEMENT] : "";
	tool other;
	plist base = {0}, compared = {0}, missing = {0}, extra = {0};
	bool *matched = NULL;
	int rc;

	if (!*eid || !*ceid)
		return tool_usage_fail("principals compare needs -e/--entitlement (in -f) and "
		                       "--compare-entitlement (in --compare-file)");
	if ((rc = tool_open(t, false)) != 0)
		return rc;
	if (lookup_new(t, &t->lk) < 0)
		return tool_fail_last();

	memset(&other, 0, sizeof(other));
	other.args = t->args;
	other.file = t->args.given[FLAG_COMPARE_FILE] ? t->args.value[FLAG_COMPARE_FILE] : "sync.c1z";
	baton_arena_init(&other.arena);
	if (!*other.file) {
		rc = tool_usage_fail("flag --compare-file needs a non-empty path");
		goto out;
	}
	if ((rc = tool_open(&other, false)) != 0)
		goto out;
	if (lookup_new(&other, &other.lk) < 0) {
		rc = tool_fail_last();
		goto out;
	}

	if ((rc = principals_of(t, t, eid, &base)) < 0 || (rc = principals_of(&other, t, ceid, &compared)) < 0) {
		rc = tool_fail_last();
		goto out;
	}
	matched = calloc(compared.n + 1, sizeof(*matched));
	if (!matched) {
		rc = tool_fail("out of memory");
		goto out;
	}
	for (size_t i = 0; i < base.n; i++) {
		bool found = false;
		for (size_t j = 0; j < compared.n && !found; j++) {
			if (same_principal(&t->arena, base.v[i]->resource, compared.v[j]->resource)) {
				matched[j] = true;
				found = true;
			}
		}
		if (!found && (rc = plist_push(&missing, base.v[i])) < 0)
			break;
	}
	for (size_t j = 0; rc == 0 && j < compared.n; j++)
		if (!matched[j])
			rc = plist_push(&extra, compared.v[j]);
	if (rc < 0) {
		rc = tool_fail_last();
		goto out;
	}

	if (t->format == FORMAT_JSON) {
		bool first = true;
		fputc('{', stdout);
		if ((rc = write_field(stdout, "missing", &missing, &first)) < 0 ||
		    (rc = write_field(stdout, "extra", &extra, &first)) < 0 ||
		    (rc = write_field(stdout, "base", &base, &first)) < 0 ||
		    (rc = write_field(stdout, "compared", &compared, &first)) < 0) {
			rc = tool_fail_last();
			goto out;
		}
		fputc('}', stdout);
	} else if (!missing.n && !extra.n) {
		printf("The principals between these entitlements appear to match!");
	} else {
		if (missing.n)
			print_section("Missing Principals", &missing);
		if (extra.n)
			print_section("Extra Principals", &extra);
	}
	rc = TOOL_EXIT_OK;
out:
	free(matched);
	free(base.v);
	free(compared.v);
	free(missing.v);
	free(extra.v);
	lookup_free(other.lk);
	if (other.store)
		baton_store_discard(other.store);
	baton_arena_release(&other.arena);
	return rc;
}
