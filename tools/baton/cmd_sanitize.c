/*
 * `baton sanitize`: an identity-stripped copy of a c1z whose graph topology and cardinalities
 * are preserved, as the Go SDK's cmd/baton `sanitize` (pkg/c1zsanitize) writes it.
 *
 *   baton -f IN sanitize --out OUT [--secret-file PATH] [--anchor RFC3339]
 *                        [--allow-unknown-annotations] [--out-engine sqlite]
 *
 * The checks come in Go's order, all before a secret is generated: --out given, --out-engine
 * valid (pebble is refused here: libbaton writes v1 SQLite c1z files only), --anchor parsable,
 * -f exists, --out does not. The secret is --secret-file (at least 32 bytes, used as they are)
 * or 32 fresh random bytes written to "<out>.secret" (mode 0600, never over an existing file).
 *
 * Every source sync (parent before child) becomes one output sync of the same type, with its
 * parent mapped to the output sync (an external parent is HMAC'd); its rows are copied in Go's
 * phases and pages (resource types, all at once so every declared type is known first;
 * resources, entitlements and grants by pages of 10,000 in row order, each page sorted by output
 * id before it is written), then the assets its rows point at (placeholder bytes of the same
 * content type), then the sync is ended. Linked syncs and supports_diff are carried over last.
 * The output is written by the store (a temporary file renamed over OUT), so a failure leaves no
 * OUT; -f is opened read-only and never modified.
 */
#include "cmd_sanitize.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "store/store.h"

#define PAGE_SIZE 10000

/* Go's placeholderByContentType["image/png"]: a 1x1 transparent PNG. */
static const uint8_t png_placeholder[] = {
	0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44,
	0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f,
	0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x62, 0x00,
	0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49,
	0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
};
static const uint8_t zero_placeholder[] = {0x00};

/* The row kinds copied page by page. */
typedef enum kind { K_RESOURCE_TYPE, K_RESOURCE, K_ENTITLEMENT, K_GRANT } kind;

static const char *const kind_names[] = {"resource types", "resources", "entitlements", "grants"};

typedef struct run {
	tool *t;
	sz s;
	baton_store *src, *dst;
	baton_arena page;         /* transformed rows of a page */
	ProtobufCMessage **rows;  /* the page's transformed rows */
	size_t n_rows, cap_rows;
} run;

/* ---- secret -------------------------------------------------------------------------------- */

static int read_secret(const char *path, uint8_t **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	if (!f)
		return tool_fail("read --secret-file: %s: %s", path, strerror(errno));
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		fclose(f);
		return tool_fail("read --secret-file: %s: not a regular file", path);
	}
	size_t cap = 256, n = 0;
	uint8_t *b = malloc(cap);
	while (b) {
		if (n == cap) {
			uint8_t *nb = realloc(b, cap * 2);
			if (!nb) {
				free(b);
				b = NULL;
				break;
			}
			b = nb;
			cap *= 2;
		}
		size_t got = fread(b + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	bool err = ferror(f) != 0;
	fclose(f);
	if (!b)
		return tool_fail("read --secret-file: %s: out of memory", path);
	if (err) {
		free(b);
		return tool_fail("read --secret-file: %s: read error", path);
	}
	if (n < SZ_MIN_SECRET) {
		free(b);
		return tool_fail("--secret-file \"%s\" is too short: got %zu bytes, want at least %d", path, n,
		                 SZ_MIN_SECRET);
	}
	*out = b;
	*len = n;
	return 0;
}

static int generate_secret(const char *path, uint8_t **out, size_t *len)
{
	uint8_t *b = malloc(SZ_MIN_SECRET);
	size_t got = 0;
	if (!b)
		return tool_fail("generate secret: out of memory");
	while (got < SZ_MIN_SECRET) {
		ssize_t n = getrandom(b + got, SZ_MIN_SECRET - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(b);
			return tool_fail("generate secret: %s", strerror(errno));
		}
		got += (size_t)n;
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		free(b);
		if (errno == EEXIST)
			return tool_fail("default secret path \"%s\" already exists; pass --secret-file to reuse it",
			                 path);
		return tool_fail("write generated secret: %s: %s", path, strerror(errno));
	}
	ssize_t w = write(fd, b, SZ_MIN_SECRET);
	if (w != SZ_MIN_SECRET || fsync(fd) != 0 || close(fd) != 0) {
		int e = errno;
		if (w != SZ_MIN_SECRET)
			close(fd);
		unlink(path);
		free(b);
		return tool_fail("write generated secret: %s: %s", path, strerror(e));
	}
	*out = b;
	*len = SZ_MIN_SECRET;
	return 0;
}

/* ---- syncs --------------------------------------------------------------------------------- */

static bool in_list(const baton_sync_run *runs, size_t n, const char *id, const bool *done, bool need_done)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(runs[i].id, id) == 0)
			return need_done ? done[i] : true;
	return false;
}

/* Go's sortSyncsParentFirst: a stable refinement putting every sync after its parent. */
static int order_parent_first(const baton_sync_run *runs, size_t n, size_t *order)
{
	bool *done = calloc(n ? n : 1, sizeof(*done));
	size_t k = 0;
	if (!done)
		return baton_error_set(BATON_EEXHAUSTED, "sanitize: out of memory");
	while (k < n) {
		bool progressed = false;
		for (size_t i = 0; i < n; i++) {
			if (done[i])
				continue;
			const char *p = runs[i].parent_sync_id ? runs[i].parent_sync_id : "";
			if (!*p || !in_list(runs, n, p, done, false) || in_list(runs, n, p, done, true)) {
				order[k++] = i;
				done[i] = true;
				progressed = true;
			}
		}
		if (!progressed)
			for (size_t i = 0; i < n; i++)
				if (!done[i]) {
					order[k++] = i;
					done[i] = true;
				}
	}
	free(done);
	return 0;
}

/* ---- pages --------------------------------------------------------------------------------- */

static int list_kind(baton_store *s, kind k, const baton_store_query *q, baton_store_iter **it)
{
	switch (k) {
	case K_RESOURCE_TYPE: return baton_store_list_resource_types(s, q, it);
	case K_RESOURCE: return baton_store_list_resources(s, q, it);
	case K_ENTITLEMENT: return baton_store_list_entitlements(s, q, it);
	default: return baton_store_list_grants(s, q, it);
	}
}

static const ProtobufCMessageDescriptor *kind_desc(kind k)
{
	switch (k) {
	case K_RESOURCE_TYPE: return &c1__connector__v2__resource_type__descriptor;
	case K_RESOURCE: return &c1__connector__v2__resource__descriptor;
	case K_ENTITLEMENT: return &c1__connector__v2__entitlement__descriptor;
	default: return &c1__connector__v2__grant__descriptor;
	}
}

/* The next source row as wire bytes (in ctx). 0, BATON_ITEROVER or an error. */
static int next_bytes(baton_store_iter *it, kind k, baton_ctx *ctx, const uint8_t **data, size_t *len)
{
	int rc;
	switch (k) {
	case K_RESOURCE_TYPE: {
		baton_resource_type *o;
		if ((rc = baton_store_iter_next_resource_type(it, &o)) == 0)
			rc = baton_resource_type_pack(o, ctx, data, len);
		return rc;
	}
	case K_RESOURCE: {
		baton_resource *o;
		if ((rc = baton_store_iter_next_resource(it, &o)) == 0)
			rc = baton_resource_pack(o, ctx, data, len);
		return rc;
	}
	case K_ENTITLEMENT: {
		baton_entitlement *o;
		if ((rc = baton_store_iter_next_entitlement(it, &o)) == 0)
			rc = baton_entitlement_pack(o, ctx, data, len);
		return rc;
	}
	default: {
		baton_grant *o;
		if ((rc = baton_store_iter_next_grant(it, &o)) == 0)
			rc = baton_grant_pack(o, ctx, data, len);
		return rc;
	}
	}
}

static ProtobufCMessage *transform(sz *s, kind k, const ProtobufCMessage *m)
{
	switch (k) {
	case K_RESOURCE_TYPE: return (ProtobufCMessage *)sz_resource_type(s, (const void *)m);
	case K_RESOURCE: return (ProtobufCMessage *)sz_resource(s, (const void *)m);
	case K_ENTITLEMENT: return (ProtobufCMessage *)sz_entitlement(s, (const void *)m);
	default: return (ProtobufCMessage *)sz_grant(s, (const void *)m);
	}
}

static int cmp_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

static int cmp_resource_type(const void *x, const void *y)
{
	const C1__Connector__V2__ResourceType *a = *(const void *const *)x, *b = *(const void *const *)y;
	return cmp_str(a->id, b->id);
}

static int cmp_resource(const void *x, const void *y)
{
	const C1__Connector__V2__Resource *a = *(const void *const *)x, *b = *(const void *const *)y;
	int c = cmp_str(a->id ? a->id->resource_type : "", b->id ? b->id->resource_type : "");
	return c ? c : cmp_str(a->id ? a->id->resource : "", b->id ? b->id->resource : "");
}

static int cmp_entitlement(const void *x, const void *y)
{
	const C1__Connector__V2__Entitlement *a = *(const void *const *)x, *b = *(const void *const *)y;
	return cmp_str(a->id, b->id);
}

static int cmp_grant(const void *x, const void *y)
{
	const C1__Connector__V2__Grant *a = *(const void *const *)x, *b = *(const void *const *)y;
	return cmp_str(a->id, b->id);
}

static int push_row(run *r, ProtobufCMessage *m)
{
	if (r->n_rows == r->cap_rows) {
		size_t cap = r->cap_rows ? r->cap_rows * 2 : 1024;
		ProtobufCMessage **p = realloc(r->rows, cap * sizeof(*p));
		if (!p)
			return baton_error_set(BATON_EEXHAUSTED, "sanitize: out of memory");
		r->rows = p;
		r->cap_rows = cap;
	}
	r->rows[r->n_rows++] = m;
	return 0;
}

/* Sorts the page's rows by output id and writes them to the destination's current sync. */
static int put_rows(run *r, kind k, baton_ctx *ctx)
{
	static int (*const cmps[])(const void *, const void *) = {cmp_resource_type, cmp_resource,
	                                                          cmp_entitlement, cmp_grant};
	int rc = 0;
	if (r->n_rows > 1)
		qsort(r->rows, r->n_rows, sizeof(*r->rows), cmps[k]);
	for (size_t i = 0; i < r->n_rows && rc == 0; i++) {
		size_t len = protobuf_c_message_get_packed_size(r->rows[i]);
		uint8_t *buf = baton_arena_alloc_raw(&r->page, len ? len : 1);
		if (!buf)
			return baton_error_set(BATON_EEXHAUSTED, "sanitize: out of memory");
		protobuf_c_message_pack(r->rows[i], buf);
		switch (k) {
		case K_RESOURCE_TYPE: {
			baton_resource_type *o;
			if ((rc = baton_resource_type_unpack(ctx, buf, len, &o)) == 0)
				rc = baton_store_put_resource_type(r->dst, o);
			break;
		}
		case K_RESOURCE: {
			baton_resource *o;
			if ((rc = baton_resource_unpack(ctx, buf, len, &o)) == 0)
				rc = baton_store_put_resource(r->dst, o);
			break;
		}
		case K_ENTITLEMENT: {
			baton_entitlement *o;
			if ((rc = baton_entitlement_unpack(ctx, buf, len, &o)) == 0)
				rc = baton_store_put_entitlement(r->dst, o);
			break;
		}
		default: {
			baton_grant *o;
			if ((rc = baton_grant_unpack(ctx, buf, len, &o)) == 0)
				rc = baton_store_put_grant(r->dst, o);
			break;
		}
		}
	}
	return rc;
}

/*
 * Copies one kind of row of a source sync into the destination's current sync. Resource types
 * are read whole first and their ids declared before any row is transformed (Go's two passes);
 * the other kinds go page by page.
 */
static int copy_kind(run *r, kind k, const char *src_sync)
{
	char token[64] = "";
	bool whole = k == K_RESOURCE_TYPE;
	int rc = 0;

	r->n_rows = 0;
	baton_arena_reset(&r->page);
	r->s.a = &r->page;
	for (;;) {
		baton_store_query q = BATON_STORE_QUERY_INIT;
		baton_store_iter *it = NULL;
		baton_ctx *ctx = NULL;
		q.sync_id = src_sync;
		q.page_size = PAGE_SIZE;
		q.page_token = token;
		if ((rc = baton_ctx_new(&ctx)) < 0)
			return rc;
		if ((rc = list_kind(r->src, k, &q, &it)) < 0) {
			baton_ctx_free(ctx);
			return rc;
		}
		for (;;) {
			const uint8_t *data;
			size_t len;
			rc = next_bytes(it, k, ctx, &data, &len);
			if (rc == BATON_ITEROVER) {
				rc = 0;
				break;
			}
			if (rc < 0)
				break;
			ProtobufCMessage *m = pb_decode(&r->page, kind_desc(k), data, len);
			if (!m) {
				rc = BATON_EDATALOSS;
				break;
			}
			if (whole) {
				sz_add_known_type(&r->s, ((C1__Connector__V2__ResourceType *)(void *)m)->id);
			} else {
				m = transform(&r->s, k, m);
				if (!m || r->s.oom) {
					rc = baton_error_set(BATON_EEXHAUSTED, "sanitize: out of memory");
					break;
				}
			}
			if ((rc = push_row(r, m)) < 0)
				break;
		}
		if (rc == 0) {
			const char *next = baton_store_iter_next_page_token(it);
			if (strlen(next) >= sizeof(token))
				rc = baton_error_set(BATON_EINTERNAL, "sanitize: page token too long");
			else
				snprintf(token, sizeof(token), "%s", next);
		}
		baton_store_iter_free(it);
		if (rc == 0 && whole && !token[0]) {
			for (size_t i = 0; i < r->n_rows && rc == 0; i++) {
				r->rows[i] = transform(&r->s, k, r->rows[i]);
				if (!r->rows[i] || r->s.oom)
					rc = baton_error_set(BATON_EEXHAUSTED, "sanitize: out of memory");
			}
		}
		if (rc == 0 && (!whole || !token[0]))
			rc = put_rows(r, k, ctx);
		baton_ctx_free(ctx);
		if (rc < 0) {
			const baton_error *e = baton_error_last();
			return baton_error_set(e->code ? e->code : rc, "%s of sync %s: %s", kind_names[k], src_sync,
			                       e->message[0] ? e->message : baton_error_code_name(rc));
		}
		if (!whole) {
			r->n_rows = 0;
			baton_arena_reset(&r->page);
		}
		if (!token[0])
			return 0;
	}
}

/* Go's copyAssets: each referenced asset present in the source (read as Go's reader does, in
 * the source's latest finished sync) gets a placeholder of its content type under its new id. */
static int copy_assets(run *r, const char *asset_sync)
{
	int rc = 0;
	baton_arena_reset(&r->page);
	r->s.a = &r->page;
	for (size_t i = 0; i < r->s.n_assets && rc == 0; i++) {
		baton_ctx *ctx;
		const char *ct;
		const uint8_t *data;
		size_t len;
		if ((rc = baton_ctx_new(&ctx)) < 0)
			break;
		if (baton_store_get_asset(r->src, asset_sync, r->s.assets[i], ctx, &ct, &data, &len) < 0) {
			baton_error_clear();
			r->s.missing_assets++;
			baton_ctx_free(ctx);
			continue;
		}
		const uint8_t *ph = zero_placeholder;
		size_t ph_len = sizeof(zero_placeholder);
		char lower[16];
		size_t k = 0;
		for (; ct[k] && k < sizeof(lower) - 1; k++)
			lower[k] = (char)(ct[k] >= 'A' && ct[k] <= 'Z' ? ct[k] - 'A' + 'a' : ct[k]);
		lower[k] = '\0';
		if (strncmp(lower, "image/", 6) == 0) {
			ph = png_placeholder;
			ph_len = sizeof(png_placeholder);
		}
		const char *id = sz_id(&r->s, r->s.assets[i]);
		if (r->s.oom)
			rc = baton_error_set(BATON_EEXHAUSTED, "sanitize: out of memory");
		else
			rc = baton_store_put_asset(r->dst, id, ct, ph, ph_len);
		baton_ctx_free(ctx);
	}
	sz_assets_reset(&r->s);
	return rc;
}

/* Go's SetSyncLink on the destination. */
static int set_link(baton_store *s, const char *sync_id, const char *linked)
{
	sqlite3_stmt *st;
	int rc = baton__store_prepare(s, "UPDATE v1_sync_runs SET linked_sync_id = ? WHERE sync_id = ?", &st);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, linked, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, sync_id, -1, SQLITE_TRANSIENT);
	int sr = sqlite3_step(st);
	if (sr != SQLITE_DONE)
		rc = baton__store_sqlerr(s, sr, "setting a sync link");
	else
		s->dirty = true;
	baton__store_release(s, st);
	return rc;
}

static void print_counts(const char *what, const sz_counts *l)
{
	if (!l->head)
		return;
	fprintf(stderr, "baton: sanitize: %s:", what);
	for (const sz_count *c = l->head; c; c = c->next)
		fprintf(stderr, " %s=%llu", c->type_url, (unsigned long long)c->n);
	fputc('\n', stderr);
}

/* Copies one source sync into a new destination sync. */
static int copy_sync(run *r, const baton_sync_run *sr, strmap *id_map, const char *asset_sync)
{
	baton_sync_type type = sr->type == BATON_SYNC_TYPE_ANY ? BATON_SYNC_TYPE_FULL : sr->type;
	const char *parent = "";
	char dst_id[28];
	int rc;

	if (sr->parent_sync_id && *sr->parent_sync_id) {
		parent = strmap_get(id_map, sr->parent_sync_id, strlen(sr->parent_sync_id));
		if (!parent) {
			/* Not a sync of this file (a diff file's base): HMAC'd, as Go does. */
			baton_arena_reset(&r->page);
			r->s.a = &r->page;
			parent = sz_id(&r->s, sr->parent_sync_id);
		}
		if (!(parent = baton_arena_strdup(&r->t->arena, parent)))
			return baton_error_set(BATON_EEXHAUSTED, "sanitize: out of memory");
	}
	if ((rc = baton_store_sync_start(r->dst, type, parent, dst_id)) < 0)
		return rc;
	char *copy = baton_arena_strdup(&r->t->arena, dst_id);
	if (!copy || strmap_put(id_map, sr->id, strlen(sr->id), copy) < 0)
		return baton_error_set(BATON_EEXHAUSTED, "sanitize: out of memory");
	sz_assets_reset(&r->s);
	sz_grant_cache_reset(&r->s);
	for (kind k = K_RESOURCE_TYPE; k <= K_GRANT; k++)
		if ((rc = copy_kind(r, k, sr->id)) < 0)
			return rc;
	if ((rc = copy_assets(r, asset_sync)) < 0)
		return rc;
	return baton_store_sync_end(r->dst);
}

/* Go's preserveSyncGraphMetadata: linked_sync_id (when both ends were copied), supports_diff. */
static int copy_links(run *r, const baton_sync_run *runs, size_t n, strmap *id_map)
{
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const char *dst = strmap_get(id_map, runs[i].id, strlen(runs[i].id));
		if (!dst)
			continue;
		const char *l = runs[i].linked_sync_id;
		if (l && *l) {
			const char *dl = strmap_get(id_map, l, strlen(l));
			if (dl)
				rc = set_link(r->dst, dst, dl);
		}
		if (rc == 0 && runs[i].supports_diff && (rc = baton_store_sync_set_current(r->dst, dst)) == 0)
			rc = baton_store_sync_set_supports_diff(r->dst);
	}
	return rc;
}

static int sanitize_all(run *r, const char *out, int64_t anchor_sec, int32_t anchor_ns, bool anchor_given)
{
	baton_ctx *ctx = NULL;
	baton_sync_run *runs = NULL, latest;
	size_t n = 0, *order = NULL;
	const char *asset_sync = NULL;
	strmap id_map;
	baton_store_options dopts = BATON_STORE_OPTIONS_INIT;
	int rc;

	strmap_init(&id_map, &r->t->arena);
	if ((rc = baton_ctx_new(&ctx)) < 0)
		return tool_fail_last();
	/* Go's reader has the latest finished sync (any type) current: its GetAsset reads there. */
	rc = baton_store_sync_latest_finished(r->src, BATON_SYNC_TYPE_ANY, ctx, &latest);
	if (rc == 0)
		asset_sync = latest.id;
	else if (rc == BATON_ENOTFOUND)
		baton_error_clear();
	if ((rc != 0 && rc != BATON_ENOTFOUND) || (rc = baton_store_sync_list(r->src, ctx, &runs, &n)) < 0) {
		rc = tool_fail("open source c1z: %s", baton_error_last()->message);
		goto done;
	}

	/* The newest source timestamp (sync starts and ends) lands on the anchor. */
	bool have_max = false;
	int64_t max_sec = 0;
	int32_t max_ns = 0;
	for (size_t i = 0; i < n; i++) {
		const char *ts[2] = {runs[i].started_at, runs[i].ended_at};
		for (int j = 0; j < 2; j++) {
			int64_t sec;
			int32_t ns;
			if (ts[j] && tool_parse_time(ts[j], &sec, &ns) &&
			    (!have_max || sec > max_sec || (sec == max_sec && ns > max_ns))) {
				have_max = true;
				max_sec = sec;
				max_ns = ns;
			}
		}
	}
	if (!anchor_given) {
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		anchor_sec = now.tv_sec;
		anchor_ns = (int32_t)now.tv_nsec;
	}
	r->s.delta_ns = have_max ? sz_delta(anchor_sec, anchor_ns, max_sec, max_ns) : 0;

	if (!(order = malloc((n ? n : 1) * sizeof(*order))) || order_parent_first(runs, n, order) < 0) {
		rc = tool_fail("sanitize: out of memory");
		goto done;
	}
	if (baton_store_open(out, &dopts, &r->dst) < 0) {
		rc = tool_fail("open dst c1z: %s", baton_error_last()->message);
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		if (copy_sync(r, &runs[order[i]], &id_map, asset_sync) < 0) {
			rc = tool_fail("sanitize: sanitize sync %s: %s", runs[order[i]].id, baton_error_last()->message);
			goto done;
		}
	}
	if (copy_links(r, runs, n, &id_map) < 0) {
		rc = tool_fail("sanitize: preserve sync graph metadata: %s", baton_error_last()->message);
		goto done;
	}
	/* A source without syncs leaves the new store unchanged: like Go's writer, nothing is
	 * written (and the run still succeeds). */
	if (!baton_store_is_dirty(r->dst))
		fprintf(stderr, "baton: sanitize: %s holds no sync: nothing to write, %s not created (as the Go "
		        "tool)\n", r->t->file, out);
	rc = baton_store_close(r->dst);
	r->dst = NULL;
	if (rc < 0) {
		rc = tool_fail("failed to finalize output c1z: %s", baton_error_last()->message);
		goto done;
	}
	print_counts("dropped unknown annotations", &r->s.dropped);
	print_counts("passed unknown annotations through", &r->s.passed);
	print_counts("dropped annotations that failed to decode", &r->s.failed);
	if (r->s.missing_assets)
		fprintf(stderr, "baton: sanitize: %llu referenced assets missing from the source\n",
		        (unsigned long long)r->s.missing_assets);
	rc = TOOL_EXIT_OK;
done:
	baton_store_discard(r->dst);
	r->dst = NULL;
	free(order);
	strmap_free(&id_map);
	baton_ctx_free(ctx);
	return rc;
}

int cmd_sanitize(tool *t)
{
	tool_args *a = &t->args;
	const char *out = a->given[FLAG_OUT] ? a->value[FLAG_OUT] : "";
	int64_t anchor_sec = 0;
	int32_t anchor_ns = 0;
	uint8_t *secret = NULL;
	size_t secret_len = 0;
	struct stat st;
	run r;
	int rc;

	if (!*out)
		return tool_fail("--out is required");
	if (a->given[FLAG_OUT_ENGINE]) {
		const char *e = a->value[FLAG_OUT_ENGINE];
		if (strcmp(e, "sqlite") != 0 && strcmp(e, "pebble") != 0)
			return tool_fail("--out-engine must be \"sqlite\" or \"pebble\", got \"%s\"", e);
		if (strcmp(e, "pebble") == 0)
			return tool_fail("--out-engine pebble: not supported by libbaton, which writes v1 (SQLite) "
			                 "c1z files only; use --out-engine sqlite or leave it out");
	}
	if (a->given[FLAG_ANCHOR] && *a->value[FLAG_ANCHOR] &&
	    !sz_parse_rfc3339(a->value[FLAG_ANCHOR], &anchor_sec, &anchor_ns))
		return tool_fail("parse --anchor: \"%s\" is not an RFC 3339 time (2006-01-02T15:04:05Z07:00)",
		                 a->value[FLAG_ANCHOR]);
	if (stat(t->file, &st) != 0)
		return tool_fail("stat --file: %s: %s", t->file, strerror(errno));
	if (lstat(out, &st) == 0)
		return tool_fail("--out path \"%s\" already exists; refusing to overwrite", out);

	if (a->given[FLAG_SECRET_FILE] && *a->value[FLAG_SECRET_FILE]) {
		if ((rc = read_secret(a->value[FLAG_SECRET_FILE], &secret, &secret_len)) != 0)
			return rc;
	} else {
		char *path = baton_arena_alloc(&t->arena, strlen(out) + sizeof(".secret"));
		if (!path)
			return tool_fail("sanitize: out of memory");
		strcpy(path, out);
		strcat(path, ".secret");
		if ((rc = generate_secret(path, &secret, &secret_len)) != 0)
			return rc;
		fprintf(stderr, "baton: sanitize: generated a fresh secret in %s; archive it if you want "
		        "reversibility\n", path);
	}

	memset(&r, 0, sizeof(r));
	r.t = t;
	baton_arena_init(&r.page);
	if (sz_init(&r.s, secret, secret_len) < 0) {
		rc = tool_fail_last();
		goto done;
	}
	r.s.drop_unknown = !a->given[FLAG_ALLOW_UNKNOWN];
	r.s.a = &r.page;
	if (tool_open_path(t->file, &r.src) < 0) {
		rc = tool_fail("open source c1z: %s", baton_error_last()->message);
		goto done;
	}
	rc = sanitize_all(&r, out, anchor_sec, anchor_ns, a->given[FLAG_ANCHOR] && *a->value[FLAG_ANCHOR]);
done:
	baton_store_discard(r.src);
	sz_free(&r.s);
	free(r.rows);
	baton_arena_release(&r.page);
	memset(secret, 0, secret_len);
	free(secret);
	return rc;
}
