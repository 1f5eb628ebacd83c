/*
 * `baton explorer`: what the server (explorer.c) and the endpoint handlers (explorer_api.c,
 * explorer_access.c) share: the loaded state, one request, and the request helpers.
 */
#ifndef BATON_TOOL_EXPLORER_INT_H
#define BATON_TOOL_EXPLORER_INT_H

#include "explorer.h"

#include <stdlib.h>
#include <string.h>

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

/* The request helpers (explorer.c). An error answer: status and {"error": message}. */
void xp_set_error(request *rq, int status, const char *fmt, ...) BATON_PRINTF(3, 4);
/* A library error (baton_error_last()) mapped to a status and message. */
void xp_set_lib_error(request *rq, int rc);
/* A query parameter's decoded value, NULL when absent. */
const char *xp_qget(const request *rq, const char *key);
/* Refuses (400) query parameters the route does not know (NULL-terminated list). */
bool xp_check_params(request *rq, const char *const *known);
/* page_size: 1..10000, default `def`. */
bool xp_page_size(request *rq, uint32_t def, uint32_t *out);
/* An offset page token (filtered or grouped results): decimal, "" = 0. */
bool xp_offset_token(request *rq, size_t *out);
/* The page_token parameter for a store list (NULL when absent or empty). */
const char *xp_store_token(request *rq);
/* Writes `{"data":` into the body; xp_next_token adds next_page_token when `tok` is not empty. */
void xp_data_begin(request *rq);
void xp_next_token(request *rq, const char *tok);
/* The resource type / resource of the sync; false with 404 (or the library error) set. */
bool xp_need_type(request *rq, explorer *x, const char *type, C1__Connector__V2__ResourceType **out);
bool xp_need_resource(request *rq, explorer *x, const char *type, const char *id, C1__Connector__V2__Resource **out);

/* The endpoints (explorer_api.c, explorer_access.c): each fills rq->status and rq->body. */
void xp_api_info(request *rq, explorer *x);
void xp_api_resource_types(request *rq, explorer *x);
void xp_api_resources(request *rq, explorer *x);
void xp_api_entitlements(request *rq, explorer *x);
void xp_api_grants(request *rq, explorer *x, const char *type, const char *id);
void xp_api_access(request *rq, explorer *x, const char *type, const char *id);
void xp_api_path(request *rq, explorer *x, const char *type, const char *id);
void xp_api_resource(request *rq, explorer *x, const char *type, const char *id);
void xp_api_principals(request *rq, explorer *x, const char *type);

#endif
