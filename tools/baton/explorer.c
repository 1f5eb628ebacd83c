/*
 * `baton explorer`: a local web page over a c1z, served with libmicrohttpd.
 *
 * The file is opened read-only once; one server thread answers every request in turn (the store
 * handle is not thread-safe), the main thread waits for SIGINT/SIGTERM and stops the server (one
 * that comes during start-up stops it too, see cmd_explorer). The
 * HTML/CSS/JS come from the binary (explorer_assets.c, generated from tools/baton/explorer/).
 *
 * JSON API (docs/baton-tool.md): the Go explorer's routes with the same shapes ({"data": ...},
 * "next_page_token", encoding/json field names), plus /api/info and /api/path/... which explains
 * an expanded grant as a graph. Errors are {"error": "..."} with a 4xx status for bad requests.
 */
#include "explorer_int.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <strings.h>

#ifdef BATON_HAVE_MHD

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>

#include <microhttpd.h>

/* ---- requests: parsing, parameters, answers ----------------------------------------------- */

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

void xp_set_error(request *rq, int status, const char *fmt, ...)
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
void xp_set_lib_error(request *rq, int rc)
{
	const baton_error *e = baton_error_last();
	const char *msg = e->message[0] ? e->message : baton_error_code_name(rc);
	int status = rc == BATON_ENOTFOUND ? 404 : rc == BATON_EINVALID ? 400 : 500;
	xp_set_error(rq, status, "%s", msg);
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
			xp_set_error(rq, 404, "no such path");
			return false;
		}
		if (!pct_decode(p, false)) {
			xp_set_error(rq, 400, "bad percent-encoding in the path");
			return false;
		}
		rq->parts[rq->n_parts++] = p;
	}
	for (char *p = q ? strtok_r(q, "&", &save) : NULL; p; p = strtok_r(NULL, "&", &save)) {
		if (rq->nq == sizeof(rq->qk) / sizeof(rq->qk[0])) {
			xp_set_error(rq, 400, "too many query parameters");
			return false;
		}
		char *eq = strchr(p, '=');
		if (eq)
			*eq++ = '\0';
		if (!pct_decode(p, true) || (eq && !pct_decode(eq, true))) {
			xp_set_error(rq, 400, "bad percent-encoding in the query");
			return false;
		}
		rq->qk[rq->nq] = p;
		rq->qv[rq->nq++] = eq ? eq : (char *)"";
	}
	return true;
}

const char *xp_qget(const request *rq, const char *key)
{
	for (size_t i = 0; i < rq->nq; i++) {
		if (strcmp(rq->qk[i], key) == 0)
			return rq->qv[i];
	}
	return NULL;
}

/* Refuses query parameters the route does not know (NULL-terminated list). */
bool xp_check_params(request *rq, const char *const *known)
{
	for (size_t i = 0; i < rq->nq; i++) {
		bool ok = false;
		for (size_t j = 0; known[j] && !ok; j++)
			ok = strcmp(rq->qk[i], known[j]) == 0;
		if (!ok) {
			xp_set_error(rq, 400, "unknown query parameter \"%s\"", rq->qk[i]);
			return false;
		}
	}
	return true;
}

/* page_size: 1..10000, default `def`. */
bool xp_page_size(request *rq, uint32_t def, uint32_t *out)
{
	const char *v = xp_qget(rq, "page_size");
	*out = def;
	if (!v)
		return true;
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (!*v || *end || errno || n < 1 || n > MAX_PAGE_SIZE) {
		xp_set_error(rq, 400, "page_size must be a whole number from 1 to %d, not \"%s\"", MAX_PAGE_SIZE, v);
		return false;
	}
	*out = (uint32_t)n;
	return true;
}

/* An offset page token (used where results are filtered or grouped): decimal, "" = 0. */
bool xp_offset_token(request *rq, size_t *out)
{
	const char *v = xp_qget(rq, "page_token");
	*out = 0;
	if (!v || !*v)
		return true;
	char *end;
	errno = 0;
	unsigned long long n = strtoull(v, &end, 10);
	if (*end || errno || !isdigit((unsigned char)*v)) {
		xp_set_error(rq, 400, "bad page_token \"%s\"", v);
		return false;
	}
	*out = (size_t)n;
	return true;
}

const char *xp_store_token(request *rq)
{
	const char *v = xp_qget(rq, "page_token");
	return v && *v ? v : NULL;
}

void xp_data_begin(request *rq)
{
	xb_puts(&rq->body, "{\"data\":");
}

void xp_next_token(request *rq, const char *tok)
{
	if (tok && *tok) {
		xb_puts(&rq->body, ",\"next_page_token\":");
		xb_str(&rq->body, tok);
	}
}

/* Reads a resource's ResourceType message; 404 when the type is absent. */
bool xp_need_type(request *rq, explorer *x, const char *type, C1__Connector__V2__ResourceType **out)
{
	int rc = lookup_resource_type(x->t->lk, type, out);
	if (rc < 0) {
		xp_set_lib_error(rq, rc);
		return false;
	}
	if ((*out)->display_name && strncmp((*out)->display_name, "MISSING RESOURCE TYPE (", 23) == 0) {
		xp_set_error(rq, 404, "no resource type \"%s\" in this sync", type);
		return false;
	}
	return true;
}

bool xp_need_resource(request *rq, explorer *x, const char *type, const char *id,
                      C1__Connector__V2__Resource **out)
{
	C1__Connector__V2__ResourceId rid = C1__CONNECTOR__V2__RESOURCE_ID__INIT;
	rid.resource_type = (char *)type;
	rid.resource = (char *)id;
	int rc = lookup_resource(x->t->lk, &rid, out);
	if (rc < 0) {
		xp_set_lib_error(rq, rc);
		return false;
	}
	if ((*out)->display_name && strncmp((*out)->display_name, "MISSING RESOURCE (", 18) == 0) {
		xp_set_error(rq, 404, "no resource %s:%s in this sync", type, id);
		return false;
	}
	return true;
}

static void route_api(request *rq, explorer *x)
{
	char **p = rq->parts + 1;
	size_t n = rq->n_parts - 1;
	if (n == 1 && strcmp(p[0], "info") == 0)
		xp_api_info(rq, x);
	else if (n == 1 && strcmp(p[0], "resourceTypes") == 0)
		xp_api_resource_types(rq, x);
	else if (n == 1 && strcmp(p[0], "resources") == 0)
		xp_api_resources(rq, x);
	else if (n == 1 && strcmp(p[0], "entitlements") == 0)
		xp_api_entitlements(rq, x);
	else if (n == 3 && strcmp(p[0], "grants") == 0)
		xp_api_grants(rq, x, p[1], p[2]);
	else if (n == 3 && strcmp(p[0], "access") == 0)
		xp_api_access(rq, x, p[1], p[2]);
	else if (n == 3 && strcmp(p[0], "path") == 0)
		xp_api_path(rq, x, p[1], p[2]);
	else if (n == 2 && strcmp(p[0], "principals") == 0)
		xp_api_principals(rq, x, p[1]);
	else if (n == 2)
		xp_api_resource(rq, x, p[0], p[1]);
	else
		xp_set_error(rq, 404, "no such API endpoint (see docs/baton-tool.md)");
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
		xp_set_error(&rq, 405, "only GET is served (the explorer never changes the file)");
	} else if (!host_ok(c, x)) {
		xp_set_error(&rq, 403, "unexpected Host header (the explorer answers loopback names only)");
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
		xp_set_error(&rq, 500, "out of memory");
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
	size_t n_read = 0;
	while (rc == 0 && (rc = baton_store_iter_next_grant(it, &g)) == 0) {
		if (++n_read % 4096 == 0 && tool_stop_pending()) { /* a large file: stop without reading it all */
			rc = baton_error_set(BATON_ECANCELLED, "stopped by a signal");
			break;
		}
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

	/* SIGINT/SIGTERM are blocked from here on, not only while serving: one that comes while the
	 * file is opened (decompressed into a temporary directory) and indexed waits, start-up looks
	 * for it between its steps and stops as the server does (the "stopped" line, exit 0, the
	 * temporary files removed by the caller), instead of dying with the default action and
	 * leaving them. The server thread inherits the mask: only sigwait below takes them. */
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	int sig = 0;

	explorer x;
	memset(&x, 0, sizeof(x));
	x.t = t;
	x.loopback = is_loopback((struct sockaddr *)&addr);
	x.default_type = t->args.given[FLAG_RESOURCE_TYPE] && *t->args.value[FLAG_RESOURCE_TYPE]
		? t->args.value[FLAG_RESOURCE_TYPE] : NULL;
	strmap_init(&x.out_edges, &t->arena);
	strmap_init(&x.in_edges, &t->arena);
	strmap_init(&x.user_types, &t->arena);
	strmap_init(&x.principals_cache, &t->arena);
	strmap_init(&x.user_counts, &t->arena);
	int status = tool_open(t, true);
	if (status != 0)
		goto out;
	if (lookup_new(t, &t->lk) < 0) {
		status = tool_fail_last();
		goto out;
	}
	if (tool_stop_pending()) /* (the test hook BATON_TOOL_TEST_PAUSE_MS waits in tool_open) */
		goto stopped;
	if (load_graph(&x) < 0 || baton_store_count(t->store, tool_query_sync(t), &x.counts) < 0) {
		if (tool_stop_pending())
			goto stopped;
		status = tool_fail_last();
		goto out;
	}
	if (tool_stop_pending())
		goto stopped;
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
	while (sigwait(&sigs, &sig) != 0)
		;
	MHD_stop_daemon(d);
	printf("baton explorer: stopped (%s)\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
	goto out;
stopped: /* a signal during start-up, taken here */
	while (sigwait(&sigs, &sig) != 0)
		;
	baton_error_clear();
	status = TOOL_EXIT_OK;
	printf("baton explorer: stopped (%s)\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
out:
	strmap_free(&x.out_edges);
	strmap_free(&x.in_edges);
	strmap_free(&x.user_types);
	strmap_free(&x.principals_cache);
	strmap_free(&x.user_counts);
	/* The signals stay blocked: the caller removes the temporary files and exits, and a second
	 * signal meanwhile is dropped at exit instead of cutting that short. */
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
