/*
 * `baton explorer`: a local web page over a c1z, served with libmicrohttpd.
 *
 * The file is opened read-only once; one server thread answers every request in turn (the store
 * handle is not thread-safe), the main thread waits for SIGINT/SIGTERM and stops the server. The
 * HTML/CSS/JS come from the binary (explorer_assets.c, generated from tools/baton/explorer/).
 *
 * JSON API (docs/baton-tool.md): the Go explorer's routes with the same shapes ({"data": ...},
 * "next_page_token", encoding/json field names), plus /api/info and /api/path/... which explains
 * an expanded grant as a graph. Errors are {"error": "..."} with a 4xx status for bad requests.
 */
#include "explorer.h"

#include <ctype.h>
#include <stdarg.h>
#include <strings.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#ifdef BATON_HAVE_MHD

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "c1/connector/v2/annotation_trait.pb-c.h"

#define MAX_PAGE_SIZE 10000
/* Go's store lists give 10,000 rows when no page size is asked (its handlers never ask); its
 * grants endpoint groups 100 principals a page. */
#define LIST_PAGE_SIZE MAX_PAGE_SIZE
#define GRANTS_PAGE_SIZE 100
#define MAX_PATH_NODES 2000

/* ---- the expansion graph (loaded once) ---------------------------------------------------- */

/* An edge of grant expansion: holders of `src` also get `dst`, through grant `grant_id` (a grant
 * of dst to the principal `via_type:via_id`, which carries the GrantExpandable). */
typedef struct xedge {
	const char *src, *dst;
	const char *grant_id, *via_type, *via_id;
	bool shallow;
	const char *const *types;
	size_t n_types;
	struct xedge *next_out; /* next edge with the same src */
	struct xedge *next_in;  /* next edge with the same dst */
} xedge;

typedef struct explorer {
	tool *t;
	const char *default_type;   /* --resource-type: the default of /api/resources */
	bool loopback;
	strmap out_edges, in_edges; /* entitlement id -> first xedge */
	size_t n_edges;
	strmap user_types;          /* resource type ids whose first trait is TRAIT_USER */
	strmap principals_cache;    /* resource type -> the /api/principals body (as Go caches it) */
	strmap user_counts;         /* "type\x1fid" -> size_t: distinct users granted on the resource */
	baton_store_counts counts;  /* row counts of the sync, read once */
} explorer;

/* One request: the raw URI (kept by the URI log callback), decoded path parts and query. */
typedef struct request {
	char *uri;
	char *parts[8];
	size_t n_parts;
	char *qk[16], *qv[16];
	size_t nq;
	baton_arena a;
	int status;
	xbuf body;
} request;

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes %XX (and '+' as a space when `plus`) in place; false for a bad escape or a NUL. */
static bool pct_decode(char *s, bool plus)
{
	char *w = s;
	for (char *r = s; *r; r++) {
		if (*r == '%') {
			int h = hexval((unsigned char)r[1]), l = h < 0 ? -1 : hexval((unsigned char)r[2]);
			if (h < 0 || l < 0 || (h == 0 && l == 0))
				return false;
			*w++ = (char)(h * 16 + l);
			r += 2;
		} else {
			*w++ = plus && *r == '+' ? ' ' : *r;
		}
	}
	*w = '\0';
	return true;
}

static void set_error(request *rq, int status, const char *fmt, ...) BATON_PRINTF(3, 4);
static void set_error(request *rq, int status, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	xb_free(&rq->body);
	rq->status = status;
	xb_puts(&rq->body, "{\"error\":");
	xb_str(&rq->body, msg);
	xb_puts(&rq->body, "}");
}

/* Maps a library error to a status and message. */
static void set_lib_error(request *rq, int rc)
{
	const baton_error *e = baton_error_last();
	const char *msg = e->message[0] ? e->message : baton_error_code_name(rc);
	int status = rc == BATON_ENOTFOUND ? 404 : rc == BATON_EINVALID ? 400 : 500;
	set_error(rq, status, "%s", msg);
}

/* Splits the URI into decoded path parts and query pairs; false (error set) when malformed. */
static bool parse_uri(request *rq)
{
	char *q = strchr(rq->uri, '?');
	if (q)
		*q++ = '\0';
	char *save = NULL;
	for (char *p = strtok_r(rq->uri, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
		if (rq->n_parts == sizeof(rq->parts) / sizeof(rq->parts[0])) {
			set_error(rq, 404, "no such path");
			return false;
		}
		if (!pct_decode(p, false)) {
			set_error(rq, 400, "bad percent-encoding in the path");
			return false;
		}
		rq->parts[rq->n_parts++] = p;
	}
	for (char *p = q ? strtok_r(q, "&", &save) : NULL; p; p = strtok_r(NULL, "&", &save)) {
		if (rq->nq == sizeof(rq->qk) / sizeof(rq->qk[0])) {
			set_error(rq, 400, "too many query parameters");
			return false;
		}
		char *eq = strchr(p, '=');
		if (eq)
			*eq++ = '\0';
		if (!pct_decode(p, true) || (eq && !pct_decode(eq, true))) {
			set_error(rq, 400, "bad percent-encoding in the query");
			return false;
		}
		rq->qk[rq->nq] = p;
		rq->qv[rq->nq++] = eq ? eq : (char *)"";
	}
	return true;
}

static const char *qget(const request *rq, const char *key)
{
	for (size_t i = 0; i < rq->nq; i++) {
		if (strcmp(rq->qk[i], key) == 0)
			return rq->qv[i];
	}
	return NULL;
}

/* Refuses query parameters the route does not know (NULL-terminated list). */
static bool check_params(request *rq, const char *const *known)
{
	for (size_t i = 0; i < rq->nq; i++) {
		bool ok = false;
		for (size_t j = 0; known[j] && !ok; j++)
			ok = strcmp(rq->qk[i], known[j]) == 0;
		if (!ok) {
			set_error(rq, 400, "unknown query parameter \"%s\"", rq->qk[i]);
			return false;
		}
	}
	return true;
}

/* page_size: 1..10000, default `def`. */
static bool page_size(request *rq, uint32_t def, uint32_t *out)
{
	const char *v = qget(rq, "page_size");
	*out = def;
	if (!v)
		return true;
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (!*v || *end || errno || n < 1 || n > MAX_PAGE_SIZE) {
		set_error(rq, 400, "page_size must be a whole number from 1 to %d, not \"%s\"", MAX_PAGE_SIZE, v);
		return false;
	}
	*out = (uint32_t)n;
	return true;
}

/* An offset page token (used where results are filtered or grouped): decimal, "" = 0. */
static bool offset_token(request *rq, size_t *out)
{
	const char *v = qget(rq, "page_token");
	*out = 0;
	if (!v || !*v)
		return true;
	char *end;
	errno = 0;
	unsigned long long n = strtoull(v, &end, 10);
	if (*end || errno || !isdigit((unsigned char)*v)) {
		set_error(rq, 400, "bad page_token \"%s\"", v);
		return false;
	}
	*out = (size_t)n;
	return true;
}

static const char *store_token(request *rq)
{
	const char *v = qget(rq, "page_token");
	return v && *v ? v : NULL;
}

static void data_begin(request *rq)
{
	xb_puts(&rq->body, "{\"data\":");
}

static void next_token(request *rq, const char *tok)
{
	if (tok && *tok) {
		xb_puts(&rq->body, ",\"next_page_token\":");
		xb_str(&rq->body, tok);
	}
}

/* Reads a resource's ResourceType message; 404 when the type is absent. */
static bool need_type(request *rq, explorer *x, const char *type, C1__Connector__V2__ResourceType **out)
{
	int rc = lookup_resource_type(x->t->lk, type, out);
	if (rc < 0) {
		set_lib_error(rq, rc);
		return false;
	}
	if ((*out)->display_name && strncmp((*out)->display_name, "MISSING RESOURCE TYPE (", 23) == 0) {
		set_error(rq, 404, "no resource type \"%s\" in this sync", type);
		return false;
	}
	return true;
}

static bool need_resource(request *rq, explorer *x, const char *type, const char *id,
                          C1__Connector__V2__Resource **out)
{
	C1__Connector__V2__ResourceId rid = C1__CONNECTOR__V2__RESOURCE_ID__INIT;
	rid.resource_type = (char *)type;
	rid.resource = (char *)id;
	int rc = lookup_resource(x->t->lk, &rid, out);
	if (rc < 0) {
		set_lib_error(rq, rc);
		return false;
	}
	if ((*out)->display_name && strncmp((*out)->display_name, "MISSING RESOURCE (", 18) == 0) {
		set_error(rq, 404, "no resource %s:%s in this sync", type, id);
		return false;
	}
	return true;
}

/* ---- profile (as the Go explorer's extractProfileFields) ---------------------------------- */

typedef struct kv {
	const char *k, *v;
} kv;

static int cmp_kv(const void *a, const void *b)
{
	return strcmp(((const kv *)a)->k, ((const kv *)b)->k);
}

static bool any_is(const Google__Protobuf__Any *an, const char *type)
{
	const char *tu = an->type_url ? an->type_url : "";
	size_t tl = strlen(tu), n = strlen(type);
	return tl > n && tu[tl - n - 1] == '/' && strcmp(tu + tl - n, type) == 0;
}

/*
 * ",\"profile\":{...}": the resource's profile, else its user/group/role/app trait's (as Go's
 * GetProfile), string values (others as ""), plus the primary email of a user trait; sorted by
 * key as Go writes a map. Nothing when empty.
 */
static void write_profile(xbuf *b, const C1__Connector__V2__Resource *r)
{
	const Google__Protobuf__Struct *p = r->profile;
	const char *email = NULL;
	ProtobufCMessage *owned[8];
	size_t n_owned = 0;
	static const struct {
		const char *name;
		const ProtobufCMessageDescriptor *d;
	} traits[] = {
		{"c1.connector.v2.UserTrait", &c1__connector__v2__user_trait__descriptor},
		{"c1.connector.v2.GroupTrait", &c1__connector__v2__group_trait__descriptor},
		{"c1.connector.v2.RoleTrait", &c1__connector__v2__role_trait__descriptor},
		{"c1.connector.v2.AppTrait", &c1__connector__v2__app_trait__descriptor},
	};
	for (size_t t = 0; t < sizeof(traits) / sizeof(traits[0]); t++) {
		for (size_t i = 0; i < r->n_annotations && n_owned < 8; i++) {
			const Google__Protobuf__Any *an = r->annotations[i];
			if (!any_is(an, traits[t].name))
				continue;
			ProtobufCMessage *m = protobuf_c_message_unpack(traits[t].d, NULL, an->value.len, an->value.data);
			if (!m)
				continue;
			owned[n_owned++] = m;
			const Google__Protobuf__Struct *tp = NULL;
			if (t == 0) {
				C1__Connector__V2__UserTrait *ut = (C1__Connector__V2__UserTrait *)m;
				tp = ut->profile;
				for (size_t j = 0; j < ut->n_emails && !email; j++) {
					if (ut->emails[j]->is_primary && ut->emails[j]->address && *ut->emails[j]->address)
						email = ut->emails[j]->address;
				}
			} else if (t == 1) {
				tp = ((C1__Connector__V2__GroupTrait *)m)->profile;
			} else if (t == 2) {
				tp = ((C1__Connector__V2__RoleTrait *)m)->profile;
			} else {
				tp = ((C1__Connector__V2__AppTrait *)m)->profile;
			}
			if (!p && tp)
				p = tp;
			break;
		}
	}
	size_t n = (p ? p->n_fields : 0) + 1, k = 0;
	kv *list = malloc(n * sizeof(*list));
	if (list) {
		for (size_t i = 0; p && i < p->n_fields; i++) {
			const Google__Protobuf__Struct__FieldsEntry *f = p->fields[i];
			const Google__Protobuf__Value *v = f->value;
			if (email && f->key && strcmp(f->key, "email") == 0)
				continue;
			list[k].k = f->key ? f->key : "";
			list[k++].v = v && v->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE && v->string_value
				? v->string_value : "";
		}
		if (email) {
			list[k].k = "email";
			list[k++].v = email;
		}
		qsort(list, k, sizeof(*list), cmp_kv);
		for (size_t i = 0; i < k; i++) {
			xb_puts(b, i ? "," : ",\"profile\":{");
			xb_str(b, list[i].k);
			xb_puts(b, ":");
			xb_str(b, list[i].v);
		}
		if (k)
			xb_puts(b, "}");
		free(list);
	} else {
		b->oom = true;
	}
	for (size_t i = 0; i < n_owned; i++)
		protobuf_c_message_free_unpacked(owned[i], NULL);
}

/* ---- routes ------------------------------------------------------------------------------- */

static void api_info(request *rq, explorer *x)
{
	static const char *const known[] = {NULL};
	if (!check_params(rq, known))
		return;
	const baton_store_counts c = x->counts;
	xbuf *b = &rq->body;
	data_begin(rq);
	xb_puts(b, "{\"file\":");
	xb_str(b, x->t->file);
	xb_puts(b, ",\"sync_id\":");
	xb_str(b, x->t->sync_id);
	xb_printf(b, ",\"read_only\":true,\"counts\":{\"resource_types\":%" PRIu64 ",\"resources\":%" PRIu64
	          ",\"entitlements\":%" PRIu64 ",\"grants\":%" PRIu64 "},\"expansion_edges\":%zu",
	          c.resource_types, c.resources, c.entitlements, c.grants, x->n_edges);
	xb_puts(b, ",\"default_resource_type\":");
	xb_str(b, x->default_type ? x->default_type : "");
	xb_puts(b, ",\"version\":");
	xb_str(b, baton_version());
	xb_puts(b, "}}");
}

static void api_resource_types(request *rq, explorer *x)
{
	static const char *const known[] = {"page_token", "page_size", NULL};
	baton_store_query q = BATON_STORE_QUERY_INIT;
	baton_store_iter *it = NULL;
	baton_resource_type *rt;
	if (!check_params(rq, known) || !page_size(rq, LIST_PAGE_SIZE, &q.page_size))
		return;
	q.sync_id = tool_query_sync(x->t);
	q.page_token = store_token(rq);
	xbuf *b = &rq->body;
	data_begin(rq);
	xb_puts(b, "{");
	size_t n = 0;
	int rc = baton_store_list_resource_types(x->t->store, &q, &it);
	while (rc == 0 && (rc = baton_store_iter_next_resource_type(it, &rt)) == 0) {
		C1__Connector__V2__ResourceType *m = pb_resource_type(&rq->a, rt);
		if (!m) {
			rc = baton_error_last()->code;
			break;
		}
		pb_prune_unknown_any(&m->base);
		xb_puts(b, n++ ? "," : "\"resource_types\":[");
		xb_puts(b, "{\"resource_type\":");
		xb_msg(b, &m->base);
		xb_puts(b, "}");
	}
	if (rc != BATON_ITEROVER) {
		baton_store_iter_free(it);
		set_lib_error(rq, rc);
		return;
	}
	xb_puts(b, n ? "]}" : "}");
	next_token(rq, baton_store_iter_next_page_token(it));
	baton_store_iter_free(it);
	xb_puts(b, "}");
}

static bool contains_ci(const char *hay, const char *needle)
{
	if (!hay)
		return false;
	size_t nl = strlen(needle);
	for (; *hay; hay++) {
		if (strncasecmp(hay, needle, nl) == 0)
			return true;
	}
	return !nl;
}

static void resource_output(xbuf *b, explorer *x, C1__Connector__V2__Resource *m)
{
	C1__Connector__V2__ResourceType *rt = NULL;
	C1__Connector__V2__Resource *parent = NULL;
	lookup_resource_type(x->t->lk, m->id ? m->id->resource_type : "", &rt);
	if (m->parent_resource_id)
		lookup_resource(x->t->lk, m->parent_resource_id, &parent);
	xb_puts(b, "{\"resource\":");
	xb_msg(b, &m->base);
	if (rt) {
		xb_puts(b, ",\"resource_type\":");
		xb_msg(b, &rt->base);
	}
	if (parent) {
		xb_puts(b, ",\"parent\":");
		xb_msg(b, &parent->base);
	}
	xb_puts(b, "}");
}

/*
 * /api/resources?resource_type_id=&page_token=&page_size=&q=
 * Without q: one store page. With q (libbaton extension): resources whose display name or id
 * contains q (any case); the page token is then an offset into the matches, total_count their number.
 */
static void api_resources(request *rq, explorer *x)
{
	static const char *const known[] = {"resource_type_id", "page_token", "page_size", "q", NULL};
	baton_store_query q = BATON_STORE_QUERY_INIT;
	baton_store_iter *it = NULL;
	baton_resource *r;
	uint32_t ps;
	size_t offset = 0;
	if (!check_params(rq, known) || !page_size(rq, LIST_PAGE_SIZE, &ps))
		return;
	const char *type = qget(rq, "resource_type_id");
	const char *search = qget(rq, "q");
	if (!type || !*type)
		type = x->default_type;
	C1__Connector__V2__ResourceType *rtm;
	if (type && *type && !need_type(rq, x, type, &rtm))
		return;
	if (search && !offset_token(rq, &offset))
		return;
	q.sync_id = tool_query_sync(x->t);
	q.resource_type_id = type && *type ? type : NULL;
	if (!search) {
		q.page_token = store_token(rq);
		q.page_size = ps;
	}
	xbuf *b = &rq->body;
	data_begin(rq);
	xb_puts(b, "{");
	size_t n = 0, matched = 0;
	int rc = baton_store_list_resources(x->t->store, &q, &it);
	while (rc == 0 && (rc = baton_store_iter_next_resource(it, &r)) == 0) {
		if (search) {
			baton_resource_id id = baton_resource_get_id(r);
			if (!contains_ci(baton_resource_display_name(r), search) && !contains_ci(id.resource, search))
				continue;
			matched++;
			if (matched <= offset || n >= ps)
				continue;
		}
		C1__Connector__V2__Resource *m = pb_resource(&rq->a, r);
		if (!m) {
			rc = baton_error_last()->code;
			break;
		}
		pb_prune_unknown_any(&m->base);
		xb_puts(b, n++ ? "," : "\"resources\":[");
		resource_output(b, x, m);
		baton_arena_reset(&rq->a);
	}
	if (rc != BATON_ITEROVER) {
		baton_store_iter_free(it);
		set_lib_error(rq, rc);
		return;
	}
	xb_puts(b, n ? "]}" : "}");
	if (search) {
		char tok[32] = "";
		if (offset + n < matched)
			snprintf(tok, sizeof(tok), "%zu", offset + n);
		next_token(rq, tok);
		xb_printf(b, ",\"total_count\":%zu", matched);
	} else {
		next_token(rq, baton_store_iter_next_page_token(it));
		if (!store_token(rq) && q.resource_type_id) {
			baton_store_iter_free(it);
			it = NULL;
			/* Go counts every resource of the type on the first page. */
			baton_store_query cq = BATON_STORE_QUERY_INIT;
			cq.sync_id = q.sync_id;
			cq.resource_type_id = q.resource_type_id;
			size_t count = 0;
			rc = baton_store_list_resources(x->t->store, &cq, &it);
			while (rc == 0 && (rc = baton_store_iter_next_resource(it, &r)) == 0)
				count++;
			if (rc == BATON_ITEROVER)
				xb_printf(b, ",\"total_count\":%zu", count);
		}
	}
	baton_store_iter_free(it);
	xb_puts(b, "}");
}

/* /api/entitlements?page_token=&page_size= (+ resource_type_id, resource_id: libbaton filters). */
static void api_entitlements(request *rq, explorer *x)
{
	static const char *const known[] = {"page_token", "page_size", "resource_type_id", "resource_id", NULL};
	baton_store_query q = BATON_STORE_QUERY_INIT;
	baton_store_iter *it = NULL;
	baton_entitlement *e;
	baton_resource_id only;
	if (!check_params(rq, known) || !page_size(rq, LIST_PAGE_SIZE, &q.page_size))
		return;
	const char *type = qget(rq, "resource_type_id"), *res = qget(rq, "resource_id");
	if (res && (!type || !*type || !*res)) {
		set_error(rq, 400, "resource_id needs resource_type_id (both non-empty)");
		return;
	}
	if (type && *type) {
		C1__Connector__V2__ResourceType *rtm;
		if (!need_type(rq, x, type, &rtm))
			return;
		if (res) {
			only.resource_type = type;
			only.resource = res;
			q.resource = &only;
		} else {
			q.resource_type_id = type;
		}
	}
	q.sync_id = tool_query_sync(x->t);
	q.page_token = store_token(rq);
	xbuf *b = &rq->body;
	data_begin(rq);
	xb_puts(b, "{");
	size_t n = 0;
	int rc = baton_store_list_entitlements(x->t->store, &q, &it);
	while (rc == 0 && (rc = baton_store_iter_next_entitlement(it, &e)) == 0) {
		C1__Connector__V2__Entitlement *m = pb_entitlement(&rq->a, e);
		if (!m) {
			rc = baton_error_last()->code;
			break;
		}
		pb_prune_unknown_any(&m->base);
		C1__Connector__V2__ResourceId *rid = m->resource ? m->resource->id : NULL;
		C1__Connector__V2__ResourceType *rt = NULL;
		C1__Connector__V2__Resource *rr = NULL;
		if ((rc = lookup_resource_type(x->t->lk, rid ? rid->resource_type : "", &rt)) < 0 ||
		    (rc = lookup_resource(x->t->lk, rid, &rr)) < 0)
			break;
		xb_puts(b, n++ ? "," : "\"entitlements\":[");
		xb_puts(b, "{\"entitlement\":");
		xb_msg(b, &m->base);
		xb_puts(b, ",\"resource\":");
		xb_msg(b, &rr->base);
		xb_puts(b, ",\"resource_type\":");
		xb_msg(b, &rt->base);
		xb_puts(b, "}");
		baton_arena_reset(&rq->a);
	}
	if (rc != BATON_ITEROVER) {
		baton_store_iter_free(it);
		set_lib_error(rq, rc);
		return;
	}
	xb_puts(b, n ? "]}" : "}");
	next_token(rq, baton_store_iter_next_page_token(it));
	baton_store_iter_free(it);
	xb_puts(b, "}");
}

static void write_sources(xbuf *b, baton_grant *g)
{
	size_t n = baton_grant_source_count(g);
	xb_puts(b, "[");
	for (size_t i = 0; i < n; i++) {
		bool direct = false;
		const char *id = baton_grant_source_at(g, i, &direct);
		xb_puts(b, i ? ",{\"entitlement_id\":" : "{\"entitlement_id\":");
		xb_str(b, id);
		xb_printf(b, ",\"is_direct\":%s}", direct ? "true" : "false");
	}
	xb_puts(b, "]");
}

/* A principal with its grants on the resource (one row of /api/grants). */
typedef struct pgroup {
	char *key, *type, *id;
	xbuf grants, ents;
	size_t n;
	size_t index;          /* order of first appearance, from 0 */
	struct pgroup *next;
} pgroup;

/* /api/grants/:resourceType/:resourceId: grants on a resource grouped by principal. */
static void api_grants(request *rq, explorer *x, const char *type, const char *id)
{
	static const char *const known[] = {"page_token", "page_size", NULL};
	uint32_t ps;
	size_t offset;
	C1__Connector__V2__Resource *res;
	C1__Connector__V2__ResourceType *rtm;
	if (!check_params(rq, known) || !page_size(rq, GRANTS_PAGE_SIZE, &ps) || !offset_token(rq, &offset) ||
	    !need_type(rq, x, type, &rtm) || !need_resource(rq, x, type, id, &res))
		return;
	baton_store_query q = BATON_STORE_QUERY_INIT;
	baton_resource_id rid = {type, id};
	baton_store_iter *it = NULL;
	baton_grant *g;
	strmap groups, counts;
	pgroup *head = NULL, **tail = &head;
	size_t n_groups = 0;
	strmap_init(&groups, &rq->a);
	strmap_init(&counts, &rq->a);
	q.sync_id = tool_query_sync(x->t);
	q.resource = &rid;
	int rc = baton_store_list_grants(x->t->store, &q, &it);
	while (rc == 0 && (rc = baton_store_iter_next_grant(it, &g)) == 0) {
		baton_resource_id p = baton_grant_principal_id(g);
		char *key = baton_arena_alloc(&rq->a, strlen(p.resource_type) + strlen(p.resource) + 2);
		if (!key) {
			rc = baton_error_set(BATON_EEXHAUSTED, "out of memory");
			break;
		}
		sprintf(key, "%s\x1f%s", p.resource_type, p.resource);
		pgroup *pg = strmap_get(&groups, key, strlen(key));
		if (!pg) {
			pg = baton_arena_alloc(&rq->a, sizeof(*pg));
			if (!pg) {
				rc = baton_error_set(BATON_EEXHAUSTED, "out of memory");
				break;
			}
			memset(pg, 0, sizeof(*pg));
			pg->key = key;
			pg->type = baton_arena_strdup(&rq->a, p.resource_type);
			pg->id = baton_arena_strdup(&rq->a, p.resource);
			if ((rc = strmap_put(&groups, key, strlen(key), pg)) < 0)
				break;
			size_t *cnt = strmap_get(&counts, p.resource_type, strlen(p.resource_type));
			if (!cnt) {
				cnt = baton_arena_alloc(&rq->a, sizeof(*cnt));
				if (!cnt) {
					rc = baton_error_set(BATON_EEXHAUSTED, "out of memory");
					break;
				}
				*cnt = 0;
				if ((rc = strmap_put(&counts, p.resource_type, strlen(p.resource_type), cnt)) < 0)
					break;
			}
			(*cnt)++;
			*tail = pg;
			tail = &pg->next;
			pg->index = n_groups++;
		}
		/* Only the groups of this page carry their grants. */
		if (pg->index < offset || pg->index >= offset + ps)
			continue;
		baton_arena ga;
		baton_arena_init(&ga);
		C1__Connector__V2__Grant *gm = pb_grant(&ga, g);
		C1__Connector__V2__Entitlement *en = NULL;
		if (!gm || (rc = lookup_entitlement(x->t->lk, baton_grant_entitlement_id(g), &en)) < 0) {
			rc = gm ? rc : baton_error_last()->code;
			baton_arena_release(&ga);
			break;
		}
		pb_prune_unknown_any(&gm->base);
		/* Go's store keeps GrantExpandable in its own column and lists grants without it: so do we
		 * here (the expansion is what /api/path shows). */
		size_t kept = 0;
		for (size_t i = 0; i < gm->n_annotations; i++) {
			if (!any_is(gm->annotations[i], "c1.connector.v2.GrantExpandable"))
				gm->annotations[kept++] = gm->annotations[i];
		}
		gm->n_annotations = kept;
		xb_puts(&pg->grants, pg->n ? "," : "");
		xb_msg(&pg->grants, &gm->base);
		xb_puts(&pg->ents, pg->n ? "," : "");
		xb_msg(&pg->ents, &en->base);
		pg->n++;
		baton_arena_release(&ga);
	}
	baton_store_iter_free(it);
	xbuf *b = &rq->body;
	if (rc == BATON_ITEROVER) {
		rc = 0;
		data_begin(rq);
		xb_puts(b, "{\"resource\":");
		xb_msg(b, &res->base);
		xb_puts(b, ",\"resource_type\":");
		xb_msg(b, &rtm->base);
		size_t i = 0, shown = 0;
		for (pgroup *pg = head; pg && rc == 0; pg = pg->next, i++) {
			if (i < offset || i >= offset + ps)
				continue;
			C1__Connector__V2__Resource *pr;
			C1__Connector__V2__ResourceType *prt;
			C1__Connector__V2__ResourceId pid = C1__CONNECTOR__V2__RESOURCE_ID__INIT;
			pid.resource_type = pg->type;
			pid.resource = pg->id;
			if ((rc = lookup_resource(x->t->lk, &pid, &pr)) < 0 ||
			    (rc = lookup_resource_type(x->t->lk, pg->type, &prt)) < 0)
				break;
			xb_puts(b, shown++ ? "," : ",\"access\":[");
			xb_puts(b, "{\"resource_type\":");
			xb_msg(b, &prt->base);
			xb_puts(b, ",\"resource\":");
			xb_msg(b, &pr->base);
			xb_puts(b, ",\"grants\":[");
			xb_putn(b, pg->grants.p ? pg->grants.p : "", pg->grants.len);
			xb_puts(b, "],\"entitlements\":[");
			xb_putn(b, pg->ents.p ? pg->ents.p : "", pg->ents.len);
			xb_puts(b, "]");
			write_profile(b, pr);
			xb_puts(b, "}");
		}
		if (shown)
			xb_puts(b, "]");
		xb_puts(b, "}");
		char tok[32] = "";
		if (offset + ps < n_groups)
			snprintf(tok, sizeof(tok), "%zu", offset + ps);
		next_token(rq, tok);
		xb_printf(b, ",\"total_count\":%zu,\"counts_by_type\":{", n_groups);
		/* counts in first-seen order of types */
		strmap seen;
		strmap_init(&seen, &rq->a);
		size_t nt = 0;
		for (pgroup *pg = head; pg; pg = pg->next) {
			if (strmap_get(&seen, pg->type, strlen(pg->type)))
				continue;
			strmap_put(&seen, pg->type, strlen(pg->type), pg);
			size_t *cnt = strmap_get(&counts, pg->type, strlen(pg->type));
			xb_puts(b, nt++ ? "," : "");
			xb_str(b, pg->type);
			xb_printf(b, ":%zu", cnt ? *cnt : 0);
		}
		strmap_free(&seen);
		xb_puts(b, "}}");
	}
	for (pgroup *pg = head; pg; pg = pg->next) {
		xb_free(&pg->grants);
		xb_free(&pg->ents);
	}
	strmap_free(&groups);
	strmap_free(&counts);
	if (rc < 0)
		set_lib_error(rq, rc);
}

/* ---- effective access and its explanation ------------------------------------------------- */

static bool edge_applies(const xedge *e, const char *principal_type)
{
	if (!e->n_types)
		return true;
	for (size_t i = 0; i < e->n_types; i++) {
		if (strcmp(e->types[i], principal_type) == 0)
			return true;
	}
	return false;
}

/* What the principal holds of one entitlement. */
typedef struct holding {
	const char *id;
	bool stored, direct;
	char *grant_id;
	xbuf sources;          /* JSON array of the stored grant's sources */
	const xedge *via;      /* computed: the first edge that gave it */
	struct holding *next;
} holding;

typedef struct holdings {
	strmap map;
	holding *head, **tail;
	size_t n;
} holdings;

static holding *hold_add(request *rq, holdings *h, const char *id, bool *added)
{
	holding *e = strmap_get(&h->map, id, strlen(id));
	*added = false;
	if (e)
		return e;
	if (!(e = baton_arena_alloc(&rq->a, sizeof(*e))))
		return NULL;
	memset(e, 0, sizeof(*e));
	if (!(e->id = baton_arena_strdup(&rq->a, id)) || strmap_put(&h->map, e->id, strlen(e->id), e) < 0)
		return NULL;
	*h->tail = e;
	h->tail = &e->next;
	h->n++;
	*added = true;
	return e;
}

/* The principal's stored grants, then what expansion adds (nothing new in an expanded sync). */
static int load_holdings(request *rq, explorer *x, const char *type, const char *id, holdings *h)
{
	baton_store_query q = BATON_STORE_QUERY_INIT;
	baton_resource_id principal = {type, id};
	baton_store_iter *it = NULL;
	baton_grant *g;
	bool added;
	strmap_init(&h->map, &rq->a);
	h->head = NULL;
	h->tail = &h->head;
	h->n = 0;
	q.sync_id = tool_query_sync(x->t);
	q.principal = &principal;
	int rc = baton_store_list_grants(x->t->store, &q, &it);
	while (rc == 0 && (rc = baton_store_iter_next_grant(it, &g)) == 0) {
		holding *e = hold_add(rq, h, baton_grant_entitlement_id(g), &added);
		if (!e) {
			rc = baton_error_set(BATON_EEXHAUSTED, "out of memory");
			break;
		}
		e->stored = true;
		e->direct |= baton_grant_is_direct(g);
		if (!e->grant_id) {
			e->grant_id = baton_arena_strdup(&rq->a, baton_grant_id(g));
			write_sources(&e->sources, g);
		}
	}
	baton_store_iter_free(it);
	if (rc != BATON_ITEROVER)
		return rc;
	for (holding *e = h->head; e; e = e->next) {
		for (const xedge *ed = strmap_get(&x->out_edges, e->id, strlen(e->id)); ed; ed = ed->next_out) {
			if (!edge_applies(ed, type) || (ed->shallow && !e->direct))
				continue;
			holding *d = hold_add(rq, h, ed->dst, &added);
			if (!d)
				return baton_error_set(BATON_EEXHAUSTED, "out of memory");
			if (added)
				d->via = ed;
		}
	}
	return 0;
}

static void free_holdings(holdings *h)
{
	for (holding *e = h->head; e; e = e->next)
		xb_free(&e->sources);
	strmap_free(&h->map);
}

typedef struct agroup {
	C1__Connector__V2__Resource *res;
	C1__Connector__V2__ResourceType *rt;
	xbuf ents, how;
	size_t n;
	struct agroup *next;
} agroup;

/*
 * /api/access/:resourceType/:resourceId: the principal's effective access grouped by resource
 * (v1.ResourceAccessListOutput), each group with "how" (libbaton extension): per entitlement,
 * whether the principal holds it directly, through a stored expanded grant (its sources), or
 * through expansion not yet stored in the file.
 */
static void api_access(request *rq, explorer *x, const char *type, const char *id)
{
	static const char *const known[] = {NULL};
	C1__Connector__V2__Resource *pr;
	C1__Connector__V2__ResourceType *prt;
	holdings h;
	if (!check_params(rq, known) || !need_type(rq, x, type, &prt) || !need_resource(rq, x, type, id, &pr))
		return;
	int rc = load_holdings(rq, x, type, id, &h);
	strmap groups;
	strmap_init(&groups, &rq->a);
	agroup *head = NULL, **tail = &head;
	for (holding *e = rc < 0 ? NULL : h.head; e; e = e->next) {
		C1__Connector__V2__Entitlement *en;
		if ((rc = lookup_entitlement(x->t->lk, e->id, &en)) < 0)
			break;
		C1__Connector__V2__ResourceId *rid = en->resource ? en->resource->id : NULL;
		const char *rt = rid && rid->resource_type ? rid->resource_type : "";
		const char *r = rid && rid->resource ? rid->resource : "";
		char *key = baton_arena_alloc(&rq->a, strlen(rt) + strlen(r) + 2);
		if (!key) {
			rc = baton_error_set(BATON_EEXHAUSTED, "out of memory");
			break;
		}
		sprintf(key, "%s\x1f%s", rt, r);
		agroup *grp = strmap_get(&groups, key, strlen(key));
		if (!grp) {
			if (!(grp = baton_arena_alloc(&rq->a, sizeof(*grp)))) {
				rc = baton_error_set(BATON_EEXHAUSTED, "out of memory");
				break;
			}
			memset(grp, 0, sizeof(*grp));
			if ((rc = lookup_resource(x->t->lk, rid, &grp->res)) < 0 ||
			    (rc = lookup_resource_type(x->t->lk, rt, &grp->rt)) < 0 ||
			    (rc = strmap_put(&groups, key, strlen(key), grp)) < 0)
				break;
			*tail = grp;
			tail = &grp->next;
		}
		xb_puts(&grp->ents, grp->n ? "," : "");
		xb_msg(&grp->ents, &en->base);
		xbuf *w = &grp->how;
		xb_puts(w, grp->n ? "," : "");
		xb_puts(w, "{\"entitlement_id\":");
		xb_str(w, e->id);
		xb_printf(w, ",\"direct\":%s,\"expanded\":%s,\"stored\":%s", e->direct ? "true" : "false",
		          e->direct ? "false" : "true", e->stored ? "true" : "false");
		if (e->grant_id) {
			xb_puts(w, ",\"grant_id\":");
			xb_str(w, e->grant_id);
			xb_puts(w, ",\"sources\":");
			xb_putn(w, e->sources.p ? e->sources.p : "[]", e->sources.p ? e->sources.len : 2);
		}
		xb_puts(w, "}");
		grp->n++;
	}
	if (rc == 0) {
		xbuf *b = &rq->body;
		data_begin(rq);
		xb_puts(b, "{\"principal\":");
		xb_msg(b, &pr->base);
		size_t n = 0;
		for (agroup *g = head; g; g = g->next) {
			xb_puts(b, n++ ? "," : ",\"access\":[");
			xb_puts(b, "{\"resource\":");
			xb_msg(b, &g->res->base);
			xb_puts(b, ",\"resource_type\":");
			xb_msg(b, &g->rt->base);
			xb_puts(b, ",\"entitlements\":[");
			xb_putn(b, g->ents.p ? g->ents.p : "", g->ents.len);
			xb_puts(b, "],\"how\":[");
			xb_putn(b, g->how.p ? g->how.p : "", g->how.len);
			xb_puts(b, "]}");
		}
		xb_puts(b, n ? "]}}" : "}}");
	}
	for (agroup *g = head; g; g = g->next) {
		xb_free(&g->ents);
		xb_free(&g->how);
	}
	strmap_free(&groups);
	free_holdings(&h);
	if (rc < 0)
		set_lib_error(rq, rc);
}

/* Writes an entitlement node of the path graph. */
static int path_node(xbuf *b, explorer *x, const char *eid, bool direct, bool target, bool source, size_t n)
{
	C1__Connector__V2__Entitlement *en;
	C1__Connector__V2__Resource *res = NULL;
	C1__Connector__V2__ResourceType *rt = NULL;
	int rc = lookup_entitlement(x->t->lk, eid, &en);
	if (rc < 0)
		return rc;
	C1__Connector__V2__ResourceId *rid = en->resource ? en->resource->id : NULL;
	if ((rc = lookup_resource(x->t->lk, rid, &res)) < 0 ||
	    (rc = lookup_resource_type(x->t->lk, rid ? rid->resource_type : "", &rt)) < 0)
		return rc;
	xb_puts(b, n ? ",{\"id\":" : "{\"id\":");
	xb_str(b, eid);
	xb_puts(b, ",\"kind\":\"entitlement\",\"label\":");
	xb_str(b, en->display_name && *en->display_name ? en->display_name : en->slug ? en->slug : eid);
	xb_puts(b, ",\"slug\":");
	xb_str(b, en->slug);
	xb_puts(b, ",\"resource\":");
	xb_str(b, pb_display_resource(res));
	xb_puts(b, ",\"resource_type\":");
	xb_str(b, pb_display_resource_type(rt));
	xb_printf(b, ",\"direct\":%s,\"target\":%s,\"source\":%s}", direct ? "true" : "false",
	          target ? "true" : "false", source ? "true" : "false");
	return 0;
}

/*
 * /api/path/:principalType/:principalId?entitlement_id=ID (libbaton): why the principal holds the
 * entitlement. The graph holds the principal, the entitlements it holds directly, and every
 * entitlement on an expansion path from those to ID; its edges are the direct grants and the
 * GrantExpandable edges (each with the grant that carries it). "sources" are the stored grant's.
 */
static void api_path(request *rq, explorer *x, const char *type, const char *id)
{
	static const char *const known[] = {"entitlement_id", NULL};
	C1__Connector__V2__Resource *pr;
	C1__Connector__V2__ResourceType *prt;
	holdings h;
	if (!check_params(rq, known))
		return;
	const char *target = qget(rq, "entitlement_id");
	if (!target || !*target) {
		set_error(rq, 400, "entitlement_id is required");
		return;
	}
	if (!need_type(rq, x, type, &prt) || !need_resource(rq, x, type, id, &pr))
		return;
	C1__Connector__V2__Entitlement *ten;
	int rc = lookup_entitlement(x->t->lk, target, &ten);
	if (rc < 0) {
		set_lib_error(rq, rc);
		return;
	}
	if (ten->display_name && strncmp(ten->display_name, "MISSING ENTITLEMENT (", 21) == 0) {
		set_error(rq, 404, "no entitlement \"%s\" in this sync", target);
		return;
	}
	if ((rc = load_holdings(rq, x, type, id, &h)) < 0) {
		free_holdings(&h);
		set_lib_error(rq, rc);
		return;
	}
	holding *th = strmap_get(&h.map, target, strlen(target));
	if (!th) {
		free_holdings(&h);
		set_error(rq, 404, "%s:%s does not hold entitlement \"%s\"", type, id, target);
		return;
	}
	/* Backwards from the target over usable edges (source held, shallow only from direct). */
	strmap in_graph;
	strmap_init(&in_graph, &rq->a);
	const char **queue = baton_arena_alloc(&rq->a, (h.n + 1) * sizeof(*queue));
	const xedge **edges = NULL;
	size_t qn = 0, ne = 0, ecap = 0;
	bool truncated = false;
	if (!queue) {
		rc = baton_error_set(BATON_EEXHAUSTED, "out of memory");
		goto done;
	}
	queue[qn++] = th->id;
	strmap_put(&in_graph, th->id, strlen(th->id), th);
	for (size_t qi = 0; qi < qn; qi++) {
		for (const xedge *e = strmap_get(&x->in_edges, queue[qi], strlen(queue[qi])); e; e = e->next_in) {
			holding *sh = strmap_get(&h.map, e->src, strlen(e->src));
			if (!sh || !edge_applies(e, type) || (e->shallow && !sh->direct))
				continue;
			if (ne == ecap) {
				ecap = ecap ? ecap * 2 : 16;
				const xedge **ng = realloc(edges, ecap * sizeof(*ng));
				if (!ng) {
					rc = baton_error_set(BATON_EEXHAUSTED, "out of memory");
					goto done;
				}
				edges = ng;
			}
			edges[ne++] = e;
			if (!strmap_get(&in_graph, sh->id, strlen(sh->id))) {
				if (qn >= MAX_PATH_NODES) {
					truncated = true;
					continue;
				}
				strmap_put(&in_graph, sh->id, strlen(sh->id), sh);
				queue[qn++] = sh->id;
			}
		}
	}
	xbuf *b = &rq->body;
	data_begin(rq);
	xb_puts(b, "{\"principal\":");
	xb_msg(b, &pr->base);
	xb_puts(b, ",\"principal_resource_type\":");
	xb_msg(b, &prt->base);
	xb_puts(b, ",\"entitlement\":");
	xb_msg(b, &ten->base);
	xb_printf(b, ",\"direct\":%s,\"stored\":%s", th->direct ? "true" : "false", th->stored ? "true" : "false");
	if (th->grant_id) {
		xb_puts(b, ",\"grant_id\":");
		xb_str(b, th->grant_id);
		xb_puts(b, ",\"sources\":");
		xb_putn(b, th->sources.p ? th->sources.p : "[]", th->sources.p ? th->sources.len : 2);
	}
	xb_puts(b, ",\"nodes\":[{\"id\":");
	char pkey[600];
	snprintf(pkey, sizeof(pkey), "principal:%s:%s", type, id);
	xb_str(b, pkey);
	xb_puts(b, ",\"kind\":\"principal\",\"label\":");
	xb_str(b, pb_display_resource(pr));
	xb_puts(b, ",\"resource_type\":");
	xb_str(b, pb_display_resource_type(prt));
	xb_puts(b, "}");
	for (size_t i = 0; i < qn && rc == 0; i++) {
		holding *nh = strmap_get(&h.map, queue[i], strlen(queue[i]));
		bool is_source = false;
		for (size_t k = 0; k < ne && !is_source; k++)
			is_source = edges[k]->dst == th->id ? strcmp(edges[k]->src, queue[i]) == 0 : false;
		if (!is_source && th->sources.p) {
			/* a stored source names it */
			xbuf needle = {0};
			xb_puts(&needle, "{\"entitlement_id\":");
			xb_str(&needle, queue[i]);
			is_source = needle.p && strstr(th->sources.p, needle.p) != NULL;
			xb_free(&needle);
		}
		rc = path_node(b, x, queue[i], nh && nh->direct, i == 0, is_source && i != 0, 1);
	}
	xb_puts(b, "],\"edges\":[");
	size_t n_out = 0;
	for (size_t i = 0; i < qn; i++) {
		holding *nh = strmap_get(&h.map, queue[i], strlen(queue[i]));
		if (!nh || !nh->direct)
			continue;
		xb_puts(b, n_out++ ? ",{\"from\":" : "{\"from\":");
		xb_str(b, pkey);
		xb_puts(b, ",\"to\":");
		xb_str(b, queue[i]);
		xb_puts(b, ",\"kind\":\"direct\"");
		if (nh->grant_id) {
			xb_puts(b, ",\"grant_id\":");
			xb_str(b, nh->grant_id);
		}
		xb_puts(b, "}");
	}
	for (size_t k = 0; k < ne; k++) {
		const xedge *e = edges[k];
		if (!strmap_get(&in_graph, e->src, strlen(e->src)))
			continue;
		C1__Connector__V2__ResourceId vid = C1__CONNECTOR__V2__RESOURCE_ID__INIT;
		C1__Connector__V2__Resource *via = NULL;
		vid.resource_type = (char *)e->via_type;
		vid.resource = (char *)e->via_id;
		lookup_resource(x->t->lk, &vid, &via);
		xb_puts(b, n_out++ ? ",{\"from\":" : "{\"from\":");
		xb_str(b, e->src);
		xb_puts(b, ",\"to\":");
		xb_str(b, e->dst);
		xb_printf(b, ",\"kind\":\"expands\",\"shallow\":%s,\"grant_id\":", e->shallow ? "true" : "false");
		xb_str(b, e->grant_id);
		xb_puts(b, ",\"via\":{\"resource_type\":");
		xb_str(b, e->via_type);
		xb_puts(b, ",\"resource\":");
		xb_str(b, e->via_id);
		xb_puts(b, ",\"display_name\":");
		xb_str(b, pb_display_resource(via));
		xb_puts(b, "}}");
	}
	xb_printf(b, "],\"truncated\":%s}}", truncated ? "true" : "false");
done:
	free(edges);
	strmap_free(&in_graph);
	free_holdings(&h);
	if (rc < 0)
		set_lib_error(rq, rc);
}

/* /api/:resourceType/:resourceId: one resource (Go's ResourceDetailOutput). */
static void api_resource(request *rq, explorer *x, const char *type, const char *id)
{
	static const char *const known[] = {NULL};
	C1__Connector__V2__Resource *r, *parent = NULL;
	C1__Connector__V2__ResourceType *rt;
	if (!check_params(rq, known) || !need_type(rq, x, type, &rt) || !need_resource(rq, x, type, id, &r))
		return;
	if (r->parent_resource_id)
		lookup_resource(x->t->lk, r->parent_resource_id, &parent);
	xbuf *b = &rq->body;
	data_begin(rq);
	xb_puts(b, "{\"resource\":");
	xb_msg(b, &r->base);
	xb_puts(b, ",\"resource_type\":");
	xb_msg(b, &rt->base);
	if (parent) {
		xb_puts(b, ",\"parent\":");
		xb_msg(b, &parent->base);
	}
	write_profile(b, r);
	xb_puts(b, "}}");
}

/* /api/principals/:resourceType: resources of the type with the number of users granted on each. */
static void api_principals(request *rq, explorer *x, const char *type)
{
	static const char *const known[] = {NULL};
	C1__Connector__V2__ResourceType *rt;
	if (!check_params(rq, known) || !need_type(rq, x, type, &rt))
		return;
	const char *cached = strmap_get(&x->principals_cache, type, strlen(type));
	if (cached) {
		xb_puts(&rq->body, cached);
		return;
	}
	baton_store_iter *it = NULL;
	baton_resource *r;
	int rc = BATON_ITEROVER;
	xbuf *b = &rq->body;
	size_t n = 0;
	if (rc == BATON_ITEROVER) {
		baton_store_query rq2 = BATON_STORE_QUERY_INIT;
		rq2.sync_id = tool_query_sync(x->t);
		rq2.resource_type_id = type;
		data_begin(rq);
		xb_puts(b, "{");
		rc = baton_store_list_resources(x->t->store, &rq2, &it);
		baton_arena ra;
		baton_arena_init(&ra);
		while (rc == 0 && (rc = baton_store_iter_next_resource(it, &r)) == 0) {
			C1__Connector__V2__Resource *m = pb_resource(&ra, r);
			if (!m) {
				rc = baton_error_last()->code;
				break;
			}
			pb_prune_unknown_any(&m->base);
			const char *rid = m->id && m->id->resource ? m->id->resource : "";
			char key[1024];
			int kl = snprintf(key, sizeof(key), "%s\x1f%s", type, rid);
			size_t *cnt = kl > 0 && (size_t)kl < sizeof(key) ? strmap_get(&x->user_counts, key, (size_t)kl) : NULL;
			C1__Connector__V2__Resource *parent = NULL;
			if (m->parent_resource_id)
				lookup_resource(x->t->lk, m->parent_resource_id, &parent);
			xb_puts(b, n++ ? ",{\"resource\":" : "\"resources\":[{\"resource\":");
			xb_msg(b, &m->base);
			xb_puts(b, ",\"resource_type\":");
			xb_msg(b, &rt->base);
			if (parent) {
				xb_puts(b, ",\"parent\":");
				xb_msg(b, &parent->base);
			}
			xb_printf(b, ",\"userCount\":%zu}", cnt ? *cnt : 0);
			baton_arena_reset(&ra);
		}
		baton_arena_release(&ra);
	}
	baton_store_iter_free(it);
	if (rc != BATON_ITEROVER) {
		set_lib_error(rq, rc);
		return;
	}
	xb_puts(b, n ? "]}}" : "}}");
	char *copy = b->oom ? NULL : baton_arena_strdup(&x->t->arena, b->p);
	if (copy)
		strmap_put(&x->principals_cache, type, strlen(type), copy);
}

static void route_api(request *rq, explorer *x)
{
	char **p = rq->parts + 1;
	size_t n = rq->n_parts - 1;
	if (n == 1 && strcmp(p[0], "info") == 0)
		api_info(rq, x);
	else if (n == 1 && strcmp(p[0], "resourceTypes") == 0)
		api_resource_types(rq, x);
	else if (n == 1 && strcmp(p[0], "resources") == 0)
		api_resources(rq, x);
	else if (n == 1 && strcmp(p[0], "entitlements") == 0)
		api_entitlements(rq, x);
	else if (n == 3 && strcmp(p[0], "grants") == 0)
		api_grants(rq, x, p[1], p[2]);
	else if (n == 3 && strcmp(p[0], "access") == 0)
		api_access(rq, x, p[1], p[2]);
	else if (n == 3 && strcmp(p[0], "path") == 0)
		api_path(rq, x, p[1], p[2]);
	else if (n == 2 && strcmp(p[0], "principals") == 0)
		api_principals(rq, x, p[1]);
	else if (n == 2)
		api_resource(rq, x, p[0], p[1]);
	else
		set_error(rq, 404, "no such API endpoint (see docs/baton-tool.md)");
}

/* ---- the server ---------------------------------------------------------------------------- */

static const explorer_asset *find_asset(const char *path)
{
	for (size_t i = 0; i < explorer_n_assets; i++) {
		if (strcmp(explorer_assets[i].path, path) == 0)
			return &explorer_assets[i];
	}
	return NULL;
}

static enum MHD_Result send_static(struct MHD_Connection *c, const explorer_asset *a)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(a->len, (void *)a->data, MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", a->content_type);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Content-Security-Policy",
	                        "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:");
	enum MHD_Result ok = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ok;
}

/* With a loopback bind, only Host names that mean this machine (no DNS rebinding). */
static bool host_ok(struct MHD_Connection *c, const explorer *x)
{
	if (!x->loopback)
		return true;
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
	if (!h)
		return true;
	size_t n = strlen(h);
	const char *colon = strrchr(h, ':');
	if (colon && !strchr(colon, ']'))
		n = (size_t)(colon - h);
	return (n == 9 && strncmp(h, "localhost", 9) == 0) || (n == 5 && strncmp(h, "[::1]", 5) == 0) ||
	       (n >= 4 && strncmp(h, "127.", 4) == 0);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **state)
{
	explorer *x = cls;
	(void)url;
	(void)version;
	(void)upload;
	request rq;
	memset(&rq, 0, sizeof(rq));
	rq.uri = *state;
	rq.status = 200;
	*upload_size = 0;
	if (!rq.uri)
		return MHD_NO;
	baton_arena_init(&rq.a);
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		set_error(&rq, 405, "only GET is served (the explorer never changes the file)");
	} else if (!host_ok(c, x)) {
		set_error(&rq, 403, "unexpected Host header (the explorer answers loopback names only)");
	} else if (parse_uri(&rq)) {
		if (rq.n_parts >= 1 && strcmp(rq.parts[0], "api") == 0) {
			route_api(&rq, x);
		} else {
			char path[256];
			snprintf(path, sizeof(path), "/%s", rq.n_parts == 1 ? rq.parts[0] : "index.html");
			const explorer_asset *a = find_asset(path);
			baton_arena_release(&rq.a);
			return send_static(c, a ? a : find_asset("/index.html"));
		}
	}
	baton_arena_release(&rq.a);
	baton_error_clear();
	if (rq.body.oom) {
		xb_free(&rq.body);
		set_error(&rq, 500, "out of memory");
	}
	size_t len = rq.body.len;
	struct MHD_Response *r = MHD_create_response_from_buffer(len, rq.body.p ? rq.body.p : (void *)"",
	                                                         rq.body.p ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (!r) {
		xb_free(&rq.body);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	enum MHD_Result ok = MHD_queue_response(c, (unsigned)rq.status, r);
	MHD_destroy_response(r);
	return ok;
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	(void)cls;
	(void)c;
	return strdup(uri ? uri : "/");
}

static void on_done(void *cls, struct MHD_Connection *c, void **state, enum MHD_RequestTerminationCode why)
{
	(void)cls;
	(void)c;
	(void)why;
	free(*state);
	*state = NULL;
}

/* Reads, once: the user types, the GrantExpandable edges, and the users granted on each resource. */
static int load_graph(explorer *x)
{
	baton_arena *a = &x->t->arena;
	baton_store_query q = BATON_STORE_QUERY_INIT;
	baton_store_iter *it = NULL;
	baton_grant *g;
	baton_resource_type *rt;
	int rc;

	q.sync_id = tool_query_sync(x->t);
	rc = baton_store_list_resource_types(x->t->store, &q, &it);
	while (rc == 0 && (rc = baton_store_iter_next_resource_type(it, &rt)) == 0) {
		C1__Connector__V2__ResourceType *m = pb_resource_type(a, rt);
		if (!m)
			return baton_error_last()->code;
		if (m->n_traits && m->traits[0] == C1__CONNECTOR__V2__RESOURCE_TYPE__TRAIT__TRAIT_USER &&
		    (rc = strmap_put(&x->user_types, m->id, strlen(m->id), m)) < 0)
			break;
	}
	baton_store_iter_free(it);
	if (rc != BATON_ITEROVER)
		return rc;
	it = NULL;
	/* Distinct users granted on each resource (for /api/principals): counted in the same pass. */
	baton_arena seen_arena;
	strmap seen;
	baton_arena_init(&seen_arena);
	strmap_init(&seen, &seen_arena);
	rc = baton_store_list_grants(x->t->store, &q, &it);
	while (rc == 0 && (rc = baton_store_iter_next_grant(it, &g)) == 0) {
		const char *const *ids, *const *types;
		baton_resource_id pr = baton_grant_principal_id(g), on = baton_grant_resource_id(g);
		if (strmap_get(&x->user_types, pr.resource_type, strlen(pr.resource_type))) {
			char key[2048];
			int kl = snprintf(key, sizeof(key), "%s\x1f%s\x1f%s\x1f%s", on.resource_type, on.resource,
			                  pr.resource_type, pr.resource);
			if (kl > 0 && (size_t)kl < sizeof(key) && !strmap_get(&seen, key, (size_t)kl)) {
				if ((rc = strmap_put(&seen, key, (size_t)kl, &seen)) < 0)
					break;
				size_t rk = strlen(on.resource_type) + 1 + strlen(on.resource);
				size_t *cnt = strmap_get(&x->user_counts, key, rk);
				if (!cnt) {
					if (!(cnt = baton_arena_alloc(a, sizeof(*cnt)))) {
						rc = baton_error_set(BATON_EEXHAUSTED, "out of memory");
						break;
					}
					*cnt = 0;
					if ((rc = strmap_put(&x->user_counts, key, rk, cnt)) < 0)
						break;
				}
				(*cnt)++;
			}
		}
		size_t n, n_types;
		bool shallow;
		baton_ctx *ctx;
		if ((rc = baton_ctx_new(&ctx)) < 0)
			break;
		rc = baton_grant_expandable(g, ctx, &ids, &n, &shallow, &types, &n_types);
		if (rc == BATON_ENOTFOUND) {
			baton_ctx_free(ctx);
			rc = 0;
			continue;
		}
		baton_resource_id p = baton_grant_principal_id(g);
		const char *dst = baton_arena_strdup(a, baton_grant_entitlement_id(g));
		const char *gid = baton_arena_strdup(a, baton_grant_id(g));
		const char *vt = baton_arena_strdup(a, p.resource_type), *vi = baton_arena_strdup(a, p.resource);
		const char **tc = n_types ? baton_arena_alloc(a, n_types * sizeof(*tc)) : NULL;
		if (rc == 0 && (!dst || !gid || !vt || !vi || (n_types && !tc)))
			rc = baton_error_set(BATON_EEXHAUSTED, "out of memory");
		for (size_t i = 0; rc == 0 && i < n_types; i++) {
			if (!(tc[i] = baton_arena_strdup(a, types[i])))
				rc = baton_error_set(BATON_EEXHAUSTED, "out of memory");
		}
		for (size_t i = 0; rc == 0 && i < n; i++) {
			if (!ids[i] || !*ids[i])
				continue;
			xedge *e = baton_arena_alloc(a, sizeof(*e));
			if (!e || !(e->src = baton_arena_strdup(a, ids[i]))) {
				rc = baton_error_set(BATON_EEXHAUSTED, "out of memory");
				break;
			}
			e->dst = dst;
			e->grant_id = gid;
			e->via_type = vt;
			e->via_id = vi;
			e->shallow = shallow;
			e->types = tc;
			e->n_types = n_types;
			e->next_out = strmap_get(&x->out_edges, e->src, strlen(e->src));
			e->next_in = strmap_get(&x->in_edges, dst, strlen(dst));
			if ((rc = strmap_put(&x->out_edges, e->src, strlen(e->src), e)) < 0 ||
			    (rc = strmap_put(&x->in_edges, dst, strlen(dst), e)) < 0)
				break;
			x->n_edges++;
		}
		baton_ctx_free(ctx);
	}
	baton_store_iter_free(it);
	strmap_free(&seen);
	baton_arena_release(&seen_arena);
	return rc == BATON_ITEROVER ? 0 : rc;
}

static bool is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)sa)->sin6_addr);
	return false;
}

int cmd_explorer(tool *t)
{
	const char *host = t->args.given[FLAG_HOST] ? t->args.value[FLAG_HOST] : "127.0.0.1";
	const char *port_s = t->args.given[FLAG_PORT] ? t->args.value[FLAG_PORT] : "8080";
	char *end;
	errno = 0;
	long port = strtol(port_s, &end, 10);
	if (!*port_s || *end || errno || port < 0 || port > 65535)
		return tool_usage_fail("invalid argument \"%s\" for \"-p, --port\" flag: a port from 0 to 65535", port_s);
	if (!*host)
		return tool_usage_fail("flag --host needs a non-empty value");

	struct addrinfo hints, *ai = NULL;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	int gai = getaddrinfo(host, port_s, &hints, &ai);
	if (gai != 0)
		return tool_fail("explorer: cannot resolve --host \"%s\": %s", host, gai_strerror(gai));
	struct sockaddr_storage addr;
	memcpy(&addr, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);

	explorer x;
	memset(&x, 0, sizeof(x));
	x.t = t;
	x.loopback = is_loopback((struct sockaddr *)&addr);
	x.default_type = t->args.given[FLAG_RESOURCE_TYPE] && *t->args.value[FLAG_RESOURCE_TYPE]
		? t->args.value[FLAG_RESOURCE_TYPE] : NULL;
	int rc = tool_open(t, true);
	if (rc != 0)
		return rc;
	if (lookup_new(t, &t->lk) < 0)
		return tool_fail_last();
	strmap_init(&x.out_edges, &t->arena);
	strmap_init(&x.in_edges, &t->arena);
	strmap_init(&x.user_types, &t->arena);
	strmap_init(&x.principals_cache, &t->arena);
	strmap_init(&x.user_counts, &t->arena);
	int status = TOOL_EXIT_OK;
	if (load_graph(&x) < 0 || baton_store_count(t->store, tool_query_sync(t), &x.counts) < 0) {
		status = tool_fail_last();
		goto out;
	}
	if (x.default_type) {
		C1__Connector__V2__ResourceType *m;
		if (lookup_resource_type(t->lk, x.default_type, &m) < 0) {
			status = tool_fail_last();
			goto out;
		}
		if (m->display_name && strncmp(m->display_name, "MISSING RESOURCE TYPE (", 23) == 0) {
			status = tool_fail("%s: no resource type \"%s\" (see baton resource-types)", t->file, x.default_type);
			goto out;
		}
	}

	/* The server thread inherits the blocked signals: only sigwait below takes them. */
	sigset_t sigs, old;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, &old);
	/* A closed stdout or a client gone mid-answer must not kill the server. */
	signal(SIGPIPE, SIG_IGN);
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	if (addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	struct MHD_Daemon *d = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, on_request, &x,
	                                        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
	                                        MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL,
	                                        MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL,
	                                        MHD_OPTION_CONNECTION_LIMIT, 64u,
	                                        MHD_OPTION_CONNECTION_TIMEOUT, 30u,
	                                        MHD_OPTION_END);
	if (!d) {
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		status = tool_fail("explorer: cannot listen on %s port %ld: %s", host, port,
		                   errno ? strerror(errno) : "the server did not start");
		goto out;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	unsigned bound = info ? info->port : (unsigned)port;
	bool v6 = addr.ss_family == AF_INET6;
	if (!x.loopback)
		fprintf(stderr, "baton: warning: explorer listening on %s, which is not a loopback address: "
		                "anyone who can reach it reads the whole file (there is no authentication)\n",
		        host);
	printf("baton explorer: serving %s (sync %s) read-only at http://%s%s%s:%u/ (%s; Ctrl-C stops it)\n",
	       t->file, t->sync_id[0] ? t->sync_id : "-", v6 ? "[" : "", host, v6 ? "]" : "", bound,
	       x.loopback ? "loopback only" : "NOT loopback");
	fflush(stdout);
	int sig = 0;
	while (sigwait(&sigs, &sig) != 0)
		;
	MHD_stop_daemon(d);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	printf("baton explorer: stopped (%s)\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
out:
	strmap_free(&x.out_edges);
	strmap_free(&x.in_edges);
	strmap_free(&x.user_types);
	strmap_free(&x.principals_cache);
	strmap_free(&x.user_counts);
	return status;
}

#else /* !BATON_HAVE_MHD */

int cmd_explorer(tool *t)
{
	(void)t;
	return tool_fail("explorer: this baton was built without libmicrohttpd (install libmicrohttpd-dev "
	                 "and rebuild)");
}

#endif
