/*
 * `export json` and `export csv`. Both write to a private (0600) temporary file next to --out and
 * rename it into place when complete, with the mode of the file it replaces (else 0666 less the
 * umask): an export holds the same identity data as the c1z. --out may never name the c1z being
 * read.
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <jansson.h>

#include "core/file.h"

typedef struct out_file {
	const char *path;
	char *tmp;
	FILE *f;
} out_file;

static int out_open(tool *t, const char *def, out_file *o)
{
	struct stat in_st, out_st;

	memset(o, 0, sizeof(*o));
	o->path = t->args.given[FLAG_OUT] ? t->args.value[FLAG_OUT] : def;
	if (!*o->path)
		return tool_usage_fail("--out needs a non-empty path");
	/* Only a regular file (or nothing) is replaced: never a device, FIFO or directory, and a
	 * link is written through only to a regular file. */
	char *resolved;
	if (baton__file_check_target(o->path, &resolved) < 0)
		return tool_fail_last();
	o->path = baton_arena_strdup(&t->arena, resolved);
	free(resolved);
	if (!o->path)
		return tool_fail("out of memory");
	if (stat(t->file, &in_st) == 0 && stat(o->path, &out_st) == 0 && in_st.st_dev == out_st.st_dev &&
	    in_st.st_ino == out_st.st_ino)
		return tool_fail("%s: refusing to overwrite the c1z being read (choose another --out)", o->path);
	size_t n = strlen(o->path) + 16;
	if (!(o->tmp = baton_arena_alloc(&t->arena, n)))
		return tool_fail("out of memory");
	snprintf(o->tmp, n, "%s.tmp", o->path);
	int fd = baton__file_create_private(o->tmp);
	if (fd < 0)
		return tool_fail("%s: cannot create: %s", o->tmp, strerror(errno));
	if (!(o->f = fdopen(fd, "w"))) {
		int e = errno;
		close(fd);
		unlink(o->tmp);
		return tool_fail("%s: %s", o->tmp, strerror(e));
	}
	return 0;
}

/* Closes and renames into place when ok; removes the temporary file otherwise. */
static int out_close(out_file *o, bool ok)
{
	if (!o->f)
		return 0;
	int err = 0;
	if (fflush(o->f) != 0 || ferror(o->f))
		err = errno ? errno : EIO;
	else if (ok && (fchmod(fileno(o->f), baton__file_replace_mode(o->path)) != 0 || fsync(fileno(o->f)) != 0))
		err = errno;
	if (fclose(o->f) != 0 && !err)
		err = errno;
	o->f = NULL;
	if (!ok) {
		unlink(o->tmp);
		return 0;
	}
	if (err) {
		unlink(o->tmp);
		return baton_error_set(BATON_EUNAVAILABLE, "%s: cannot write: %s", o->tmp, strerror(err));
	}
	int rc = baton__file_replace(o->tmp, o->path);
	if (rc)
		unlink(o->tmp);
	return rc;
}

/* ---- export json ------------------------------------------------------------------------- */

static int write_json_string(FILE *f, const char *s)
{
	json_t *j = json_string(s ? s : "");
	char *text = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
	json_decref(j);
	if (!text)
		return baton_error_set(BATON_EINVALID, "cannot encode a string as JSON (not UTF-8?)");
	fputs(text, f);
	free(text);
	return 0;
}

static int export_kind(tool *t, FILE *f, int kind, baton_arena *row)
{
	baton_store_query q = BATON_STORE_QUERY_INIT;
	baton_store_iter *it = NULL;
	size_t n = 0;
	int rc;

	q.sync_id = tool_query_sync(t);
	switch (kind) {
	case 0: rc = baton_store_list_resource_types(t->store, &q, &it); break;
	case 1: rc = baton_store_list_resources(t->store, &q, &it); break;
	case 2: rc = baton_store_list_entitlements(t->store, &q, &it); break;
	default: rc = baton_store_list_grants(t->store, &q, &it); break;
	}
	while (rc == 0) {
		ProtobufCMessage *m = NULL;
		if (kind == 0) {
			baton_resource_type *o;
			if ((rc = baton_store_iter_next_resource_type(it, &o)) == 0)
				m = (ProtobufCMessage *)pb_resource_type(row, o);
		} else if (kind == 1) {
			baton_resource *o;
			if ((rc = baton_store_iter_next_resource(it, &o)) == 0)
				m = (ProtobufCMessage *)pb_resource(row, o);
		} else if (kind == 2) {
			baton_entitlement *o;
			if ((rc = baton_store_iter_next_entitlement(it, &o)) == 0)
				m = (ProtobufCMessage *)pb_entitlement(row, o);
		} else {
			baton_grant *o;
			if ((rc = baton_store_iter_next_grant(it, &o)) == 0)
				m = (ProtobufCMessage *)pb_grant(row, o);
		}
		if (rc < 0)
			break;
		if (!m) {
			rc = baton_error_last()->code;
			break;
		}
		pb_prune_unknown_any(m);
		if (n++)
			fputc(',', f);
		rc = pb_write_json(f, m);
		baton_arena_reset(row);
	}
	baton_store_iter_free(it);
	return rc == BATON_ITEROVER ? 0 : rc;
}

int cmd_export_json(tool *t)
{
	static const char *const names[] = {"resourceTypes", "resources", "entitlements", "grants"};
	out_file o;
	baton_arena row;
	int rc;

	if ((rc = tool_open(t, true)) != 0)
		return rc;
	if ((rc = out_open(t, "./sync.json", &o)) != 0)
		return rc;
	baton_arena_init(&row);
	fputs("{\"syncId\":", o.f);
	rc = write_json_string(o.f, t->sync_id);
	for (int k = 0; k < 4 && rc == 0; k++) {
		fprintf(o.f, ",\"%s\":[", names[k]);
		rc = export_kind(t, o.f, k, &row);
		fputc(']', o.f);
	}
	fputs("}\n", o.f);
	baton_arena_release(&row);
	if (rc < 0) {
		out_close(&o, false);
		return tool_fail_last();
	}
	if (out_close(&o, true) < 0)
		return tool_fail_last();
	return TOOL_EXIT_OK;
}

/* ---- export csv -------------------------------------------------------------------------- */

enum {
	COL_TYPE, COL_LAST, COL_FIRST, COL_USER_ID, COL_STATUS, COL_EMAIL, COL_ENT_DISPLAY, COL_ENT,
	COL_RT, COL_RES_NAME, COL_ENT_DESC, COL_ENT_SLUG, N_COLS
};

static const char *const csv_headers[N_COLS] = {
	"Type", "Last Name", "First Name", "User ID", "User Status", "Email Address",
	"Entitlement Display Name", "Entitlement", "Resource Type", "Resource Name",
	"Entitlement Description", "Entitlement Slug",
};

/* One field as Go's encoding/csv writes it: quoted when it holds a comma, a quote, CR or LF, or
 * starts with a space or tab; quotes doubled. */
static void csv_field(FILE *f, const char *s)
{
	if (!s)
		s = "";
	bool quote = *s == ' ' || *s == '\t' || strpbrk(s, ",\"\r\n") != NULL;
	if (!quote) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void csv_row(FILE *f, const char *const *cells)
{
	for (int i = 0; i < N_COLS; i++) {
		if (i)
			fputc(',', f);
		csv_field(f, cells[i]);
	}
	fputc('\n', f);
}

typedef struct user_info {
	const char *type;
	const char *last, *first, *user_id, *status, *email;
} user_info;

typedef struct ent_info {
	const char *display, *id, *rt, *res_name, *desc, *slug;
} ent_info;

static const char *profile_str(baton_resource *r, const char *key)
{
	const char *v;
	return baton_resource_profile_string(r, key, &v) == 0 && v ? v : "";
}

static const char *user_status(baton_resource *r)
{
	switch (baton_resource_status(r, NULL)) {
	case BATON_STATUS_DISABLED: return "Disabled";
	case BATON_STATUS_DELETED: return "Deleted";
	case BATON_STATUS_ENABLED:
	case BATON_STATUS_UNSPECIFIED: return "Enabled";
	default: return "Unknown";
	}
}

static char *id_key(baton_arena *a, baton_resource_id id, size_t *len)
{
	size_t tl = strlen(id.resource_type), rl = strlen(id.resource);
	char *k = baton_arena_alloc(a, tl + rl + 2);
	if (!k)
		return NULL;
	memcpy(k, id.resource_type, tl);
	k[tl] = '\x1f';
	memcpy(k + tl + 1, id.resource, rl);
	*len = tl + rl + 1;
	return k;
}

#define DUP(x) baton_arena_strdup(a, (x))

int cmd_export_csv(tool *t)
{
	baton_arena *a = &t->arena;
	baton_store_query q = BATON_STORE_QUERY_INIT;
	baton_store_iter *it = NULL;
	strmap user_types, users, ents;
	user_info **identities = NULL;
	size_t n_ident = 0, cap_ident = 0;
	const char **type_order = NULL;
	size_t n_types = 0;
	out_file o;
	int rc;

	if ((rc = tool_open(t, false)) != 0)
		return rc;
	if ((rc = out_open(t, "./sync.csv", &o)) != 0)
		return rc;
	strmap_init(&user_types, a);
	strmap_init(&users, a);
	strmap_init(&ents, a);
	q.sync_id = tool_query_sync(t);

	/* Resource types with the user trait, in listing order. */
	baton_resource_type *rt;
	rc = baton_store_list_resource_types(t->store, &q, &it);
	while (rc == 0 && (rc = baton_store_iter_next_resource_type(it, &rt)) == 0) {
		if (!baton_resource_type_has_trait(rt, BATON_TRAIT_USER))
			continue;
		const char *id = DUP(baton_resource_type_id(rt));
		const char **nt = realloc(type_order, (n_types + 1) * sizeof(*nt));
		if (!id || !nt) {
			free(nt ? (void *)nt : (void *)type_order);
			type_order = NULL;
			rc = baton_error_set(BATON_EEXHAUSTED, "out of memory");
			break;
		}
		type_order = nt;
		type_order[n_types++] = id;
		rc = strmap_put(&user_types, id, strlen(id), (void *)id);
	}
	baton_store_iter_free(it);
	it = NULL;
	if (rc != BATON_ITEROVER)
		goto done;

	/* Every resource with a user trait (grant rows need them); identities for user types. */
	baton_resource *r;
	rc = baton_store_list_resources(t->store, &q, &it);
	while (rc == 0 && (rc = baton_store_iter_next_resource(it, &r)) == 0) {
		if (!baton_resource_has_trait(r, BATON_TRAIT_USER))
			continue;
		baton_user_trait *ut = baton_resource_user_trait(r);
		user_info *u = baton_arena_alloc(a, sizeof(*u));
		if (!ut || !u) {
			rc = ut ? baton_error_set(BATON_EEXHAUSTED, "out of memory") : baton_error_last()->code;
			break;
		}
		const char *email = "";
		for (size_t i = 0, n = baton_user_trait_email_count(ut); i < n; i++) {
			bool primary = false;
			const char *addr = baton_user_trait_email_at(ut, i, &primary);
			if (primary) {
				email = addr;
				break;
			}
		}
		baton_resource_id id = baton_resource_get_id(r);
		u->type = DUP(id.resource_type);
		u->last = DUP(profile_str(r, "last_name"));
		u->first = DUP(profile_str(r, "first_name"));
		u->user_id = DUP(profile_str(r, "user_id"));
		u->status = user_status(r);
		u->email = DUP(email);
		size_t kl = 0;
		char *key = id_key(a, id, &kl);
		if (!u->type || !u->last || !u->first || !u->user_id || !u->email || !key) {
			rc = baton_error_set(BATON_EEXHAUSTED, "out of memory");
			break;
		}
		if ((rc = strmap_put(&users, key, kl, u)) < 0)
			break;
		if (strmap_get(&user_types, u->type, strlen(u->type))) {
			if (n_ident == cap_ident) {
				size_t ncap = cap_ident ? cap_ident * 2 : 256;
				user_info **ni = realloc(identities, ncap * sizeof(*ni));
				if (!ni) {
					rc = baton_error_set(BATON_EEXHAUSTED, "out of memory");
					break;
				}
				identities = ni;
				cap_ident = ncap;
			}
			identities[n_ident++] = u;
		}
	}
	baton_store_iter_free(it);
	it = NULL;
	if (rc != BATON_ITEROVER)
		goto done;

	csv_row(o.f, csv_headers);
	for (size_t k = 0; k < n_types; k++) {
		for (size_t i = 0; i < n_ident; i++) {
			const user_info *u = identities[i];
			if (strcmp(u->type, type_order[k]) != 0)
				continue;
			const char *cells[N_COLS] = {"Identity", u->last, u->first, u->user_id, u->status, u->email};
			csv_row(o.f, cells);
		}
	}

	baton_entitlement *e;
	rc = baton_store_list_entitlements(t->store, &q, &it);
	while (rc == 0 && (rc = baton_store_iter_next_entitlement(it, &e)) == 0) {
		baton_resource *er = baton_entitlement_resource(e);
		ent_info *ei = baton_arena_alloc(a, sizeof(*ei));
		if (!ei) {
			rc = baton_error_set(BATON_EEXHAUSTED, "out of memory");
			break;
		}
		ei->display = DUP(baton_entitlement_display_name(e));
		ei->id = DUP(baton_entitlement_id(e));
		ei->rt = DUP(er ? baton_resource_get_id(er).resource_type : "");
		ei->res_name = DUP(er ? baton_resource_display_name(er) : "");
		ei->desc = DUP(baton_entitlement_description(e));
		ei->slug = DUP(baton_entitlement_slug(e));
		if (!ei->display || !ei->id || !ei->rt || !ei->res_name || !ei->desc || !ei->slug) {
			rc = baton_error_set(BATON_EEXHAUSTED, "out of memory");
			break;
		}
		if ((rc = strmap_put(&ents, ei->id, strlen(ei->id), ei)) < 0)
			break;
		const char *cells[N_COLS] = {"Entitlement", "", "", "", "", "", ei->display, ei->id, ei->rt,
		                             ei->res_name, ei->desc, ei->slug};
		csv_row(o.f, cells);
	}
	baton_store_iter_free(it);
	it = NULL;
	if (rc != BATON_ITEROVER)
		goto done;

	baton_grant *g;
	rc = baton_store_list_grants(t->store, &q, &it);
	while (rc == 0 && (rc = baton_store_iter_next_grant(it, &g)) == 0) {
		size_t kl;
		baton_arena scratch;
		baton_arena_init(&scratch);
		char *key = id_key(&scratch, baton_grant_principal_id(g), &kl);
		const user_info *u = key ? strmap_get(&users, key, kl) : NULL;
		baton_arena_release(&scratch);
		if (!u)
			continue;
		const char *eid = baton_grant_entitlement_id(g);
		const ent_info *ei = strmap_get(&ents, eid, strlen(eid));
		ent_info stub;
		if (!ei) {
			/* The entitlement is not in the sync: use what the grant carries. */
			baton_entitlement *ge = baton_grant_entitlement(g);
			baton_resource *gr = ge ? baton_entitlement_resource(ge) : NULL;
			stub.display = ge ? baton_entitlement_display_name(ge) : "";
			stub.id = eid;
			stub.rt = baton_grant_resource_id(g).resource_type;
			stub.res_name = gr ? baton_resource_display_name(gr) : "";
			stub.desc = ge ? baton_entitlement_description(ge) : "";
			stub.slug = ge ? baton_entitlement_slug(ge) : "";
			ei = &stub;
		}
		const char *cells[N_COLS] = {"Grant", u->last, u->first, u->user_id, "", u->email,
		                             ei->display, ei->id, ei->rt, ei->res_name, ei->desc, ei->slug};
		csv_row(o.f, cells);
	}
	baton_store_iter_free(it);
	it = NULL;
	if (rc == BATON_ITEROVER)
		rc = 0;

done:
	baton_store_iter_free(it);
	strmap_free(&user_types);
	strmap_free(&users);
	strmap_free(&ents);
	free(identities);
	free(type_order);
	if (rc < 0) {
		out_close(&o, false);
		return tool_fail_last();
	}
	if (out_close(&o, true) < 0)
		return tool_fail_last();
	return TOOL_EXIT_OK;
}
