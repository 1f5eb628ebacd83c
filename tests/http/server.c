/* The fixture-driven loopback HTTP server (see server.h). */
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "testutil.h"

#define MAX_CONNS 32
#define HARD_DEADLINE_MS 120000
#define MAX_REQUEST (8 * 1024 * 1024)

typedef struct conn {
	int fd;
	char *in;
	size_t in_len, in_cap;
	char *out;
	size_t out_len, out_off;
	int64_t send_at;
	bool close_after;
	bool busy; /* a response is scheduled */
} conn;

struct test_server {
	int listen_fd;
	int wake[2];
	int port;
	char base[64];
	pthread_t thread;
	pthread_mutex_t mu;
	bool stop;
	json_t *fixture;
	json_t *exchanges;
	int *used;
	size_t next; /* sequence mode */
	bool routes;
	test_request *reqs;
	size_t n_reqs, cap_reqs;
	char errors[8192];
	conn conns[MAX_CONNS];
};

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

__attribute__((format(printf, 2, 3))) static void add_error(test_server *s, const char *fmt, ...)
{
	size_t len = strlen(s->errors);
	if (len + 2 >= sizeof(s->errors))
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->errors + len, sizeof(s->errors) - len - 1, fmt, ap);
	va_end(ap);
	len = strlen(s->errors);
	if (len + 1 < sizeof(s->errors)) {
		s->errors[len] = '\n';
		s->errors[len + 1] = '\0';
	}
}

/* ---- fixture loading with ${PORT}/${BASE} substitution ---- */

static char *subst(const char *in, const test_server *s)
{
	size_t cap = strlen(in) * 2 + 64, o = 0;
	char *out = malloc(cap);
	for (const char *p = in; *p;) {
		const char *rep = NULL;
		size_t skip = 0;
		char port[16];
		snprintf(port, sizeof(port), "%d", s->port);
		if (strncmp(p, "${PORT}", 7) == 0) {
			rep = port;
			skip = 7;
		} else if (strncmp(p, "${BASE}", 7) == 0) {
			rep = s->base;
			skip = 7;
		}
		size_t need = rep ? strlen(rep) : 1;
		if (o + need + 1 > cap) {
			cap = (o + need + 1) * 2;
			out = realloc(out, cap);
		}
		if (rep) {
			memcpy(out + o, rep, need);
			o += need;
			p += skip;
		} else {
			out[o++] = *p++;
		}
	}
	out[o] = '\0';
	return out;
}

/* ---- request parsing helpers ---- */

static int hexv(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static char *url_decode(const char *s, size_t len)
{
	char *o = malloc(len + 1);
	size_t k = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '+')
			o[k++] = ' ';
		else if (s[i] == '%' && i + 2 < len && hexv(s[i + 1]) >= 0 && hexv(s[i + 2]) >= 0) {
			o[k++] = (char)(hexv(s[i + 1]) * 16 + hexv(s[i + 2]));
			i += 2;
		} else
			o[k++] = s[i];
	}
	o[k] = '\0';
	return o;
}

/* Parses "a=b&c=d" into a JSON object of decoded strings (first value of a name wins). */
static json_t *parse_form(const char *s, size_t len)
{
	json_t *o = json_object();
	size_t i = 0;
	while (i < len) {
		size_t j = i;
		while (j < len && s[j] != '&')
			j++;
		const char *eq = memchr(s + i, '=', j - i);
		size_t klen = eq ? (size_t)(eq - (s + i)) : j - i;
		char *k = url_decode(s + i, klen);
		char *v = eq ? url_decode(eq + 1, (size_t)(s + j - eq - 1)) : strdup("");
		if (!json_object_get(o, k))
			json_object_set_new(o, k, json_string(v));
		free(k);
		free(v);
		i = j + 1;
	}
	return o;
}

static const char *header_value(const char *headers, const char *name, char *buf, size_t bufsz)
{
	size_t nl = strlen(name);
	for (const char *line = headers; line && *line;) {
		const char *end = strstr(line, "\r\n");
		size_t len = end ? (size_t)(end - line) : strlen(line);
		if (len > nl && strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
			const char *v = line + nl + 1;
			while (*v == ' ')
				v++;
			size_t vl = (size_t)(line + len - v);
			if (vl >= bufsz)
				vl = bufsz - 1;
			memcpy(buf, v, vl);
			buf[vl] = '\0';
			return buf;
		}
		line = end ? end + 2 : NULL;
	}
	return NULL;
}

/* ---- JWT verification ---- */

static unsigned char *b64url_decode(const char *s, size_t len, size_t *out_len)
{
	size_t pad = (4 - len % 4) % 4;
	char *t = malloc(len + pad + 1);
	for (size_t i = 0; i < len; i++)
		t[i] = s[i] == '-' ? '+' : s[i] == '_' ? '/' : s[i];
	for (size_t i = 0; i < pad; i++)
		t[len + i] = '=';
	t[len + pad] = '\0';
	unsigned char *o = malloc(len + 4);
	int n = EVP_DecodeBlock(o, (unsigned char *)t, (int)(len + pad));
	free(t);
	if (n < 0) {
		free(o);
		return NULL;
	}
	*out_len = (size_t)n - pad;
	return o;
}

static bool verify_jwt(test_server *s, const char *jwt, json_t *spec, char *why, size_t whysz)
{
	const char *d1 = strchr(jwt, '.');
	const char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
	if (!d2) {
		snprintf(why, whysz, "not a JWT");
		return false;
	}
	size_t hl, cl, sl;
	unsigned char *h = b64url_decode(jwt, (size_t)(d1 - jwt), &hl);
	unsigned char *c = b64url_decode(d1 + 1, (size_t)(d2 - d1 - 1), &cl);
	unsigned char *sig = b64url_decode(d2 + 1, strlen(d2 + 1), &sl);
	bool ok = false;
	json_t *hj = h ? json_loadb((char *)h, hl, 0, NULL) : NULL;
	json_t *cj = c ? json_loadb((char *)c, cl, 0, NULL) : NULL;
	EVP_PKEY *key = NULL;
	EVP_MD_CTX *md = NULL;
	unsigned char *der = NULL;
	if (!hj || !cj || !sig) {
		snprintf(why, whysz, "JWT parts do not decode");
		goto done;
	}
	const char *alg = json_string_value(json_object_get(spec, "alg"));
	if (!alg || !json_string_value(json_object_get(hj, "alg")) ||
	    strcmp(alg, json_string_value(json_object_get(hj, "alg"))) != 0) {
		snprintf(why, whysz, "JWT alg differs");
		goto done;
	}
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", HTTP_FIXTURE_DIR, json_string_value(json_object_get(spec, "public_key")));
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(why, whysz, "no key %.400s", path);
		goto done;
	}
	key = PEM_read_PUBKEY(f, NULL, NULL, NULL);
	fclose(f);
	if (!key) {
		snprintf(why, whysz, "bad public key");
		goto done;
	}
	const unsigned char *vsig = sig;
	size_t vlen = sl;
	if (strcmp(alg, "ES256") == 0) {
		if (sl != 64) {
			snprintf(why, whysz, "ES256 signature is not 64 bytes");
			goto done;
		}
		ECDSA_SIG *es = ECDSA_SIG_new();
		ECDSA_SIG_set0(es, BN_bin2bn(sig, 32, NULL), BN_bin2bn(sig + 32, 32, NULL));
		int n = i2d_ECDSA_SIG(es, &der);
		ECDSA_SIG_free(es);
		vsig = der;
		vlen = (size_t)n;
	}
	md = EVP_MD_CTX_new();
	if (EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
	    EVP_DigestVerify(md, vsig, vlen, (const unsigned char *)jwt, (size_t)(d2 - jwt)) != 1) {
		snprintf(why, whysz, "JWT signature does not verify");
		goto done;
	}
	json_t *claims = json_object_get(spec, "claims");
	const char *k;
	json_t *v;
	json_object_foreach(claims, k, v) {
		if (!json_equal(json_object_get(cj, k), v)) {
			char *got = json_dumps(json_object_get(cj, k), JSON_ENCODE_ANY);
			snprintf(why, whysz, "JWT claim %s is %s", k, got ? got : "absent");
			free(got);
			goto done;
		}
	}
	json_t *exp = json_object_get(cj, "exp"), *iat = json_object_get(cj, "iat");
	if (!json_is_integer(exp) || !json_is_integer(iat) || json_integer_value(exp) <= json_integer_value(iat)) {
		snprintf(why, whysz, "JWT exp/iat wrong");
		goto done;
	}
	ok = true;
done:
	(void)s;
	OPENSSL_free(der);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(key);
	json_decref(hj);
	json_decref(cj);
	free(h);
	free(c);
	free(sig);
	return ok;
}

/* ---- matching ---- */

static bool match(test_server *s, json_t *ex, const test_request *r, char *why, size_t whysz)
{
	json_t *e = json_object_get(ex, "expect");
	if (!e)
		return true;
	const char *m = json_string_value(json_object_get(e, "method"));
	if (m && strcmp(m, r->method) != 0) {
		snprintf(why, whysz, "method %s, expected %s", r->method, m);
		return false;
	}
	const char *q = strchr(r->target, '?');
	size_t plen = q ? (size_t)(q - r->target) : strlen(r->target);
	const char *p = json_string_value(json_object_get(e, "path"));
	if (p && (strlen(p) != plen || strncmp(p, r->target, plen) != 0)) {
		snprintf(why, whysz, "path %.*s, expected %s", (int)plen, r->target, p);
		return false;
	}
	json_t *query = json_object_get(e, "query");
	if (query) {
		json_t *got = q ? parse_form(q + 1, strlen(q + 1)) : json_object();
		const char *k;
		json_t *v;
		bool ok = true;
		json_object_foreach(query, k, v) {
			json_t *g = json_object_get(got, k);
			if (json_is_null(v) ? g != NULL : !json_equal(g, v)) {
				snprintf(why, whysz, "query %s is %s", k, g ? json_string_value(g) : "absent");
				ok = false;
				break;
			}
		}
		if (ok && json_is_true(json_object_get(e, "query_exact"))) {
			json_object_foreach(got, k, v) {
				if (!json_object_get(query, k)) {
					snprintf(why, whysz, "unexpected query parameter %s", k);
					ok = false;
					break;
				}
			}
		}
		json_decref(got);
		if (!ok)
			return false;
	}
	char buf[4096];
	json_t *hs = json_object_get(e, "headers");
	const char *k;
	json_t *v;
	json_object_foreach(hs, k, v) {
		const char *got = header_value(r->headers, k, buf, sizeof(buf));
		if (json_is_null(v) ? got != NULL : (!got || strcmp(got, json_string_value(v)) != 0)) {
			snprintf(why, whysz, "header %s is \"%s\"", k, got ? got : "(absent)");
			return false;
		}
	}
	json_object_foreach(json_object_get(e, "header_prefix"), k, v) {
		const char *got = header_value(r->headers, k, buf, sizeof(buf));
		const char *want = json_string_value(v);
		if (!got || strncmp(got, want, strlen(want)) != 0) {
			snprintf(why, whysz, "header %s is \"%s\"", k, got ? got : "(absent)");
			return false;
		}
	}
	const char *body = json_string_value(json_object_get(e, "body"));
	if (body && (strlen(body) != r->body_len || memcmp(body, r->body, r->body_len) != 0)) {
		snprintf(why, whysz, "body \"%.200s\"", r->body);
		return false;
	}
	json_t *bj = json_object_get(e, "body_json");
	if (bj) {
		json_t *got = json_loadb(r->body, r->body_len, JSON_DECODE_ANY, NULL);
		bool eq = got && json_equal(got, bj);
		json_decref(got);
		if (!eq) {
			snprintf(why, whysz, "JSON body \"%.200s\"", r->body);
			return false;
		}
	}
	json_t *form = json_object_get(e, "form");
	json_t *jwt = json_object_get(e, "jwt");
	if (form || jwt) {
		json_t *got = parse_form(r->body, r->body_len);
		bool ok = true;
		json_object_foreach(form, k, v) {
			json_t *g = json_object_get(got, k);
			if (json_is_null(v) ? g != NULL : !json_equal(g, v)) {
				snprintf(why, whysz, "form field %s is %s", k, g ? json_string_value(g) : "absent");
				ok = false;
				break;
			}
		}
		if (ok && jwt) {
			const char *field = json_string_value(json_object_get(jwt, "field"));
			const char *tok = json_string_value(json_object_get(got, field ? field : "assertion"));
			if (!tok) {
				snprintf(why, whysz, "no JWT field");
				ok = false;
			} else {
				ok = verify_jwt(s, tok, jwt, why, whysz);
			}
		}
		json_decref(got);
		if (!ok)
			return false;
	}
	return true;
}

static void queue(conn *c, const char *data, size_t len)
{
	c->out = realloc(c->out, c->out_len + len);
	memcpy(c->out + c->out_len, data, len);
	c->out_len += len;
}

static void respond(test_server *s, conn *c, json_t *ex)
{
	json_t *rs = json_object_get(ex, "respond");
	int status = (int)json_integer_value(json_object_get(rs, "status"));
	if (!status)
		status = 200;
	const char *reason = json_string_value(json_object_get(rs, "reason"));
	const char *body = json_string_value(json_object_get(rs, "body"));
	char *bj = NULL;
	if (json_object_get(rs, "body_json")) {
		bj = json_dumps(json_object_get(rs, "body_json"), JSON_COMPACT | JSON_ENCODE_ANY);
		body = bj;
	}
	if (!body)
		body = "";
	c->send_at = mono_ms() + json_integer_value(json_object_get(rs, "delay_ms"));
	c->busy = true;
	if (json_is_true(json_object_get(rs, "drop"))) {
		c->close_after = true;
		free(bj);
		return;
	}
	static const struct {
		int code;
		const char *text;
	} reasons[] = {{200, "OK"}, {201, "Created"}, {204, "No Content"}, {400, "Bad Request"},
	               {401, "Unauthorized"}, {403, "Forbidden"}, {404, "Not Found"},
	               {429, "Too Many Requests"}, {500, "Internal Server Error"}, {502, "Bad Gateway"},
	               {503, "Service Unavailable"}, {504, "Gateway Timeout"}};
	for (size_t i = 0; !reason && i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].code == status)
			reason = reasons[i].text;
	char line[256];
	snprintf(line, sizeof(line), "HTTP/1.1 %d ", status);
	queue(c, line, strlen(line));
	queue(c, reason ? reason : "Status", strlen(reason ? reason : "Status"));
	queue(c, "\r\n", 2);
	bool has_ct = false;
	const char *k;
	json_t *v;
	json_object_foreach(json_object_get(rs, "headers"), k, v) {
		if (strcasecmp(k, "Content-Type") == 0)
			has_ct = true;
		/* any length (the tests of header size limits send a megabyte) */
		size_t i;
		json_t *item;
		json_array_foreach(json_is_array(v) ? v : NULL, i, item) {
			const char *iv = json_string_value(item);
			queue(c, k, strlen(k));
			queue(c, ": ", 2);
			queue(c, iv, strlen(iv));
			queue(c, "\r\n", 2);
		}
		if (!json_is_array(v)) {
			const char *sv = json_string_value(v);
			queue(c, k, strlen(k));
			queue(c, ": ", 2);
			queue(c, sv, strlen(sv));
			queue(c, "\r\n", 2);
		}
	}
	if (bj && !has_ct)
		queue(c, "Content-Type: application/json\r\n", 32);
	bool trunc = json_is_true(json_object_get(rs, "truncate"));
	snprintf(line, sizeof(line), "Content-Length: %zu\r\n\r\n", strlen(body) + (trunc ? 100 : 0));
	queue(c, line, strlen(line));
	queue(c, body, strlen(body));
	if (trunc)
		c->close_after = true;
	free(bj);
	(void)s;
}

static void handle(test_server *s, conn *c, test_request *r)
{
	size_t n = json_array_size(s->exchanges);
	char why[512] = "";
	json_t *chosen = NULL;
	if (!s->routes) {
		while (s->next < n) {
			json_t *ex = json_array_get(s->exchanges, s->next);
			json_int_t times = json_integer_value(json_object_get(ex, "times"));
			if (times <= 0)
				times = 1;
			if (s->used[s->next] < times)
				break;
			s->next++;
		}
		if (s->next >= n) {
			add_error(s, "request %s %s after the last exchange", r->method, r->target);
		} else if (!match(s, json_array_get(s->exchanges, s->next), r, why, sizeof(why))) {
			add_error(s, "exchange %zu: %s %s: %s", s->next, r->method, r->target, why);
		} else {
			chosen = json_array_get(s->exchanges, s->next);
			s->used[s->next]++;
		}
	} else {
		for (size_t i = 0; i < n && !chosen; i++) {
			json_t *ex = json_array_get(s->exchanges, i);
			json_int_t times = json_integer_value(json_object_get(ex, "times"));
			if (times > 0 && s->used[i] >= times)
				continue;
			if (match(s, ex, r, why, sizeof(why))) {
				chosen = ex;
				s->used[i]++;
			}
		}
		if (!chosen)
			add_error(s, "no route for %s %s (last reason: %s)", r->method, r->target, why);
	}
	if (!chosen) {
		const char *msg = "HTTP/1.1 599 Fixture Mismatch\r\nContent-Length: 0\r\n\r\n";
		queue(c, msg, strlen(msg));
		c->send_at = mono_ms();
		c->busy = true;
		return;
	}
	respond(s, c, chosen);
}

/* Tries to take one complete request off the connection's input. */
static void try_parse(test_server *s, conn *c)
{
	if (c->busy || !c->in_len)
		return;
	char *end = NULL;
	for (size_t i = 0; i + 3 < c->in_len; i++)
		if (memcmp(c->in + i, "\r\n\r\n", 4) == 0) {
			end = c->in + i;
			break;
		}
	if (!end)
		return;
	size_t head_len = (size_t)(end - c->in) + 4;
	char *head = strndup(c->in, head_len - 2);
	char buf[64];
	const char *cl = header_value(strstr(head, "\r\n") ? strstr(head, "\r\n") + 2 : "", "Content-Length", buf, sizeof(buf));
	size_t body_len = cl ? (size_t)strtoull(cl, NULL, 10) : 0;
	if (c->in_len < head_len + body_len) {
		free(head);
		return;
	}
	test_request r = {0};
	char *sp1 = strchr(head, ' ');
	char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	char *eol = strstr(head, "\r\n");
	if (!sp1 || !sp2 || !eol) {
		free(head);
		c->close_after = true;
		c->busy = true;
		return;
	}
	r.method = strndup(head, (size_t)(sp1 - head));
	r.target = strndup(sp1 + 1, (size_t)(sp2 - sp1 - 1));
	r.headers = strdup(eol + 2);
	r.body = malloc(body_len + 1);
	memcpy(r.body, c->in + head_len, body_len);
	r.body[body_len] = '\0';
	r.body_len = body_len;
	free(head);
	memmove(c->in, c->in + head_len + body_len, c->in_len - head_len - body_len);
	c->in_len -= head_len + body_len;

	pthread_mutex_lock(&s->mu);
	if (s->n_reqs == s->cap_reqs) {
		s->cap_reqs = s->cap_reqs ? s->cap_reqs * 2 : 16;
		s->reqs = realloc(s->reqs, s->cap_reqs * sizeof(*s->reqs));
	}
	s->reqs[s->n_reqs++] = r;
	handle(s, c, &s->reqs[s->n_reqs - 1]);
	pthread_mutex_unlock(&s->mu);
}

static void conn_close(conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->in);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

static void *run(void *arg)
{
	test_server *s = arg;
	int64_t deadline = mono_ms() + HARD_DEADLINE_MS;
	for (;;) {
		pthread_mutex_lock(&s->mu);
		bool stop = s->stop;
		pthread_mutex_unlock(&s->mu);
		int64_t now = mono_ms();
		if (stop || now > deadline)
			break;
		struct pollfd pf[MAX_CONNS + 2];
		int idx[MAX_CONNS + 2];
		nfds_t n = 0;
		pf[n] = (struct pollfd){.fd = s->listen_fd, .events = POLLIN};
		idx[n++] = -1;
		pf[n] = (struct pollfd){.fd = s->wake[0], .events = POLLIN};
		idx[n++] = -2;
		int timeout = 100;
		for (int i = 0; i < MAX_CONNS; i++) {
			conn *c = &s->conns[i];
			if (c->fd < 0)
				continue;
			short ev = POLLIN;
			if (c->busy) {
				if (now >= c->send_at)
					ev |= POLLOUT;
				else if (c->send_at - now < timeout)
					timeout = (int)(c->send_at - now);
			}
			pf[n] = (struct pollfd){.fd = c->fd, .events = ev};
			idx[n++] = i;
		}
		if (poll(pf, n, timeout) < 0 && errno != EINTR)
			break;
		now = mono_ms();
		for (nfds_t k = 0; k < n; k++) {
			if (idx[k] == -1 && (pf[k].revents & POLLIN)) {
				int fd = accept(s->listen_fd, NULL, NULL);
				if (fd < 0)
					continue;
				int slot = -1;
				for (int i = 0; i < MAX_CONNS; i++)
					if (s->conns[i].fd < 0) {
						slot = i;
						break;
					}
				if (slot < 0) {
					close(fd);
					continue;
				}
				fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
				s->conns[slot].fd = fd;
				continue;
			}
			if (idx[k] < 0)
				continue;
			conn *c = &s->conns[idx[k]];
			if (pf[k].revents & (POLLIN | POLLHUP | POLLERR)) {
				char buf[16384];
				ssize_t r = read(c->fd, buf, sizeof(buf));
				if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
					conn_close(c);
					continue;
				}
				if (r > 0) {
					if (c->in_len + (size_t)r > MAX_REQUEST) {
						conn_close(c);
						continue;
					}
					if (c->in_len + (size_t)r > c->in_cap) {
						c->in_cap = (c->in_len + (size_t)r) * 2;
						c->in = realloc(c->in, c->in_cap);
					}
					memcpy(c->in + c->in_len, buf, (size_t)r);
					c->in_len += (size_t)r;
					try_parse(s, c);
				}
			}
			if (c->fd >= 0 && c->busy && now >= c->send_at) {
				while (c->out_off < c->out_len) {
					ssize_t w = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
					if (w <= 0)
						break;
					c->out_off += (size_t)w;
				}
				if (c->out_off >= c->out_len) {
					if (c->close_after) {
						conn_close(c);
						continue;
					}
					free(c->out);
					c->out = NULL;
					c->out_len = c->out_off = 0;
					c->busy = false;
					try_parse(s, c);
				}
			}
		}
	}
	for (int i = 0; i < MAX_CONNS; i++)
		if (s->conns[i].fd >= 0)
			conn_close(&s->conns[i]);
	return NULL;
}

static test_server *start(json_t *fixture)
{
	test_server *s = calloc(1, sizeof(*s));
	for (int i = 0; i < MAX_CONNS; i++)
		s->conns[i].fd = -1;
	pthread_mutex_init(&s->mu, NULL);
	s->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(s->listen_fd >= 0);
	int one = 1;
	setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s->listen_fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s->listen_fd, 16), 0);
	socklen_t al = sizeof(a);
	getsockname(s->listen_fd, (struct sockaddr *)&a, &al);
	s->port = ntohs(a.sin_port);
	snprintf(s->base, sizeof(s->base), "http://127.0.0.1:%d", s->port);
	/* substitute placeholders by re-serializing */
	char *text = json_dumps(fixture, JSON_COMPACT);
	char *sub = subst(text, s);
	json_error_t err;
	s->fixture = json_loads(sub, 0, &err);
	free(text);
	free(sub);
	assert_non_null(s->fixture);
	s->exchanges = json_object_get(s->fixture, "exchanges");
	assert_true(json_is_array(s->exchanges));
	const char *mode = json_string_value(json_object_get(s->fixture, "mode"));
	s->routes = mode && strcmp(mode, "routes") == 0;
	s->used = calloc(json_array_size(s->exchanges) + 1, sizeof(int));
	assert_int_equal(pipe(s->wake), 0);
	assert_int_equal(pthread_create(&s->thread, NULL, run, s), 0);
	return s;
}

test_server *test_server_start(const char *fixture_name)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", HTTP_FIXTURE_DIR, fixture_name);
	json_error_t err;
	json_t *f = json_load_file(path, 0, &err);
	if (!f)
		fail_msg("fixture %s: %s (line %d)", path, err.text, err.line);
	test_server *s = start(f);
	json_decref(f);
	return s;
}

test_server *test_server_start_json(const char *text)
{
	json_error_t err;
	json_t *f = json_loads(text, 0, &err);
	if (!f)
		fail_msg("inline fixture: %s (line %d)", err.text, err.line);
	test_server *s = start(f);
	json_decref(f);
	return s;
}

const char *test_server_base(const test_server *s)
{
	return s->base;
}

int test_server_port(const test_server *s)
{
	return s->port;
}

size_t test_server_request_count(test_server *s)
{
	pthread_mutex_lock(&s->mu);
	size_t n = s->n_reqs;
	pthread_mutex_unlock(&s->mu);
	return n;
}

const test_request *test_server_request(test_server *s, size_t i)
{
	pthread_mutex_lock(&s->mu);
	const test_request *r = i < s->n_reqs ? &s->reqs[i] : NULL;
	pthread_mutex_unlock(&s->mu);
	return r;
}

void test_server_check(test_server *s, bool all_used)
{
	pthread_mutex_lock(&s->mu);
	char errs[sizeof(s->errors)];
	memcpy(errs, s->errors, sizeof(errs));
	if (all_used) {
		size_t n = json_array_size(s->exchanges);
		for (size_t i = 0; i < n; i++) {
			json_t *ex = json_array_get(s->exchanges, i);
			json_int_t times = json_integer_value(json_object_get(ex, "times"));
			if (times == 0 && s->routes)
				continue;
			if (times <= 0)
				times = 1;
			if (s->used[i] < times) {
				size_t len = strlen(errs);
				snprintf(errs + len, sizeof(errs) - len, "exchange %zu used %d of %lld times\n", i,
				         s->used[i], (long long)times);
			}
		}
	}
	pthread_mutex_unlock(&s->mu);
	if (errs[0])
		fail_msg("http test server:\n%s", errs);
}

void test_server_stop(test_server *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->stop = true;
	pthread_mutex_unlock(&s->mu);
	ssize_t w = write(s->wake[1], "x", 1);
	(void)w;
	pthread_join(s->thread, NULL);
	close(s->wake[0]);
	close(s->wake[1]);
	close(s->listen_fd);
	for (size_t i = 0; i < s->n_reqs; i++) {
		free(s->reqs[i].method);
		free(s->reqs[i].target);
		free(s->reqs[i].headers);
		free(s->reqs[i].body);
	}
	free(s->reqs);
	free(s->used);
	json_decref(s->fixture);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

int test_unused_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(fd, (struct sockaddr *)&a, sizeof(a));
	socklen_t al = sizeof(a);
	getsockname(fd, (struct sockaddr *)&a, &al);
	close(fd);
	return ntohs(a.sin_port);
}
