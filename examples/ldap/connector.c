/*
 * baton-ldap: the connector. Users, groups and roles of an LDAP directory, read with paged
 * searches one page per callback; group and role membership provisioning; accounts (create,
 * rotate password, delete); the create_ou and update_profile actions.
 *
 * Resource ids are canonical DNs (ldap_client.h). Two connections are kept: `list` runs the paged
 * searches whose cookie travels in page tokens (the server keeps paging state per connection),
 * `aux` everything else. A cookie the server no longer knows (after a restart of this program,
 * say) restarts that listing from its first page; rows are upserts, so the result is the same.
 */
#include "ldap_connector.h"
#include "ldap_client.h"
#include "strmap.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "baton/actions.h"

const ldap_settings *ldap_settings_override;

#define DEFAULT_PAGE_SIZE 50
#define UID_CACHE_MAX 200000

#define USER_FILTER "(|(objectClass=inetOrgPerson)(objectClass=person)(objectClass=user)" \
                    "(objectClass=organizationalPerson)(objectClass=posixAccount))"
#define GROUP_FILTER "(|(objectClass=groupOfUniqueNames)(objectClass=groupOfNames)" \
                     "(objectClass=groupOfURLs)(objectClass=posixGroup)(objectClass=group))"
#define ROLE_FILTER "(objectClass=organizationalRole)"

#define SESSION_GROUPS "ldap-group:"
#define SESSION_MARK "ldap-mark:"

typedef struct ldap_state {
	ldap_settings s;       /* strings below, or borrowed from the configuration */
	char *url;             /* owned copies */
	char *bind_dn;
	char *base_dn;         /* canonical */
	char *user_dn, *group_dn, *role_dn;
	char *filter;          /* the configured filter in parentheses, or NULL */
	lc_options opts;
	lc_conn list;
	lc_conn aux;
	strmap uid2dn;         /* memberUid -> user DN ("" when not found) */
} ldap_state;

static ldap_state *state_of(baton_ctx *ctx)
{
	return (ldap_state *)baton_ctx_userdata(ctx);
}

static int oom(void)
{
	return baton_error_set(BATON_EEXHAUSTED, "baton-ldap: out of memory");
}

/* `base` ANDed with the configured filter, in ctx. */
static const char *with_filter(baton_ctx *ctx, const ldap_state *st, const char *base)
{
	if (st->filter == NULL)
		return base;
	return baton_ctx_sprintf(ctx, "(&%s%s)", base, st->filter);
}

static int page_size(baton_ctx *ctx, const ldap_state *st)
{
	uint32_t n = baton_ctx_page_size(ctx);

	if (n > 0 && n <= 10000)
		return (int)n;
	return st->s.page_size > 0 ? st->s.page_size : DEFAULT_PAGE_SIZE;
}

/* A malloc'd copy of an entry's DN in canonical form, or NULL (error set). */
static char *entry_dn(lc_conn *c, LDAPMessage *e)
{
	char *raw = ldap_get_dn(c->ld, e), *dn;

	if (raw == NULL) {
		baton_error_set(BATON_EINTERNAL, "baton-ldap: entry without a DN");
		return NULL;
	}
	dn = lc_dn_canonical(raw);
	ldap_memfree(raw);
	return dn;
}

/* lc_first_value, copied into ctx ("" when absent). */
static const char *value_in(baton_ctx *ctx, lc_conn *c, LDAPMessage *e, const char *attr)
{
	char *v = lc_first_value(c, e, attr);
	const char *out;

	if (v == NULL)
		return "";
	out = baton_ctx_strdup(ctx, v);
	free(v);
	return out ? out : "";
}

static bool has_binary(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 32 || (unsigned char)s[i] > 126)
			return true;
	return false;
}

static bool contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return true;
	return false;
}

/* ------------------------------------------------------------------------------------------ */
/* Resource types                                                                              */

static const baton_trait trait_user[] = {BATON_TRAIT_USER};
static const baton_trait trait_group[] = {BATON_TRAIT_GROUP};
static const baton_trait trait_role[] = {BATON_TRAIT_ROLE};

/* The `user` type: the running callback's, or a new one in ctx (as the Go connector declares it,
 * SkipEntitlementsAndGrants included, since entitlements embed it whole). */
static const baton_resource_type *user_type(baton_ctx *ctx)
{
	const baton_resource_type *cur = baton_ctx_resource_type(ctx);
	baton_resource_type *rt;

	if (cur != NULL && strcmp(baton_resource_type_id(cur), "user") == 0)
		return cur;
	if (baton_resource_type_new(ctx, "User", trait_user, 1, &rt) != 0)
		return NULL;
	if (baton_annotations_set_skip_entitlements_and_grants(baton_resource_type_annotations(rt)) != 0)
		return NULL;
	return rt;
}

static const baton_resource_type *named_type(baton_ctx *ctx, const char *name, const baton_trait *t)
{
	const baton_resource_type *cur = baton_ctx_resource_type(ctx);
	baton_resource_type *rt;

	if (cur != NULL && strcasecmp(baton_resource_type_display_name(cur), name) == 0)
		return cur;
	if (baton_resource_type_new(ctx, name, t, 1, &rt) != 0)
		return NULL;
	return rt;
}

/* ------------------------------------------------------------------------------------------ */
/* Users                                                                                       */

/* Generalized time "YYYYMMDDHHMMSS[.fff](Z|+hhmm|-hhmm)". */
static bool parse_generalized_time(const char *s, baton_timestamp *out)
{
	struct tm tm;
	int y, mo, d, h, mi, sec, off = 0;
	const char *p = s;
	time_t t;

	for (int i = 0; i < 14; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	if (sscanf(s, "%4d%2d%2d%2d%2d%2d", &y, &mo, &d, &h, &mi, &sec) != 6)
		return false;
	p = s + 14;
	if (*p == '.' || *p == ',')
		for (p++; isdigit((unsigned char)*p); p++)
			;
	if (*p == 'Z') {
		p++;
	} else if ((*p == '+' || *p == '-') && isdigit((unsigned char)p[1]) && isdigit((unsigned char)p[2]) &&
	           isdigit((unsigned char)p[3]) && isdigit((unsigned char)p[4])) {
		off = ((p[1] - '0') * 10 + (p[2] - '0')) * 3600 + ((p[3] - '0') * 10 + (p[4] - '0')) * 60;
		if (*p == '-')
			off = -off;
		p += 5;
	} else {
		return false;
	}
	if (*p != '\0')
		return false;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	out->seconds = (int64_t)t - off;
	out->nanos = 0;
	return true;
}

/* A last-logon value: generalized time, or Active Directory's 100 ns intervals since 1601. */
static bool parse_last_login(const char *s, baton_timestamp *out)
{
	char *end;
	long long v;

	if (*s == '\0')
		return false;
	if (parse_generalized_time(s, out))
		return true;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return false;
	out->seconds = v / 10000000 - 11644473600LL;
	out->nanos = 0;
	return true;
}

/* strconv.ParseBool's true values. */
static bool parse_true(const char *s)
{
	return strcmp(s, "1") == 0 || strcmp(s, "t") == 0 || strcmp(s, "T") == 0 || strcmp(s, "true") == 0 ||
	       strcmp(s, "TRUE") == 0 || strcmp(s, "True") == 0;
}

/*
 * Status as the Go connector reads it: Active Directory's userAccountControl (ACCOUNTDISABLE bit),
 * else FreeIPA/389's nsAccountLock; and, for OpenLDAP's password policy overlay,
 * pwdAccountLockedTime (a locked account). Default enabled.
 */
static baton_status user_status(baton_ctx *ctx, lc_conn *c, LDAPMessage *e)
{
	const char *uac = value_in(ctx, c, e, "userAccountControl");
	const char *lock = value_in(ctx, c, e, "nsAccountLock");
	const char *pwlock = value_in(ctx, c, e, "pwdAccountLockedTime");

	if (*uac != '\0') {
		char *end;
		long long v = strtoll(uac, &end, 10);
		if (*end == '\0')
			return (v & 2) ? BATON_STATUS_DISABLED : BATON_STATUS_ENABLED;
		baton_ctx_log(ctx, BATON_LOG_WARN, "baton-ldap: userAccountControl is not a number: %s", uac);
	} else if (*lock != '\0') {
		return parse_true(lock) ? BATON_STATUS_DISABLED : BATON_STATUS_ENABLED;
	}
	if (*pwlock != '\0')
		return BATON_STATUS_DISABLED;
	return BATON_STATUS_ENABLED;
}

static int user_resource(baton_ctx *ctx, lc_conn *c, LDAPMessage *e, baton_resource **out)
{
	const baton_resource_type *rt = user_type(ctx);
	const char *cn = value_in(ctx, c, e, "cn"), *given = value_in(ctx, c, e, "givenName");
	const char *sn = value_in(ctx, c, e, "sn"), *display = value_in(ctx, c, e, "displayName");
	const char *uid = value_in(ctx, c, e, "uid"), *mail = value_in(ctx, c, e, "mail");
	const char *first = given, *last = sn;
	const char *login_src[5];
	const char *login = "", *aliases[5];
	size_t n_aliases = 0;
	baton_timestamp ts;
	baton_resource *r = NULL;
	baton_user_trait *t;
	json_t *profile = NULL;
	BerElement *ber = NULL;
	char *dn, *attr, *pj = NULL;
	struct berval **ocs;
	bool service = false;
	int rc;

	if (rt == NULL)
		return baton_error_last()->code;
	if ((dn = entry_dn(c, e)) == NULL)
		return baton_error_last()->code;
	if (*first == '\0' || *last == '\0')
		baton_split_full_name(ctx, cn, &first, &last);
	if (*display == '\0')
		display = cn;
	if (*display == '\0')
		display = uid;

	profile = json_object();
	if (profile == NULL) {
		free(dn);
		return oom();
	}
	json_object_set_new(profile, "user_id", json_string(uid));
	json_object_set_new(profile, "first_name", json_string(first ? first : ""));
	json_object_set_new(profile, "last_name", json_string(last ? last : ""));
	json_object_set_new(profile, "path", json_string(dn));
	for (attr = ldap_first_attribute(c->ld, e, &ber); attr != NULL; attr = ldap_next_attribute(c->ld, e, ber)) {
		struct berval **vals;
		if (contains_ci(attr, "password")) {
			ldap_memfree(attr);
			continue;
		}
		vals = ldap_get_values_len(c->ld, e, attr);
		if (vals != NULL && vals[0] != NULL && vals[1] == NULL &&
		    !has_binary(vals[0]->bv_val, vals[0]->bv_len))
			json_object_set_new(profile, attr, json_stringn(vals[0]->bv_val, vals[0]->bv_len));
		ldap_value_free_len(vals);
		ldap_memfree(attr);
	}
	if (ber != NULL)
		ber_free(ber, 0);

	/* login: the first of these that is set and printable; the others are aliases */
	login_src[0] = value_in(ctx, c, e, "sAMAccountName");
	login_src[1] = uid;
	login_src[2] = cn;
	login_src[3] = value_in(ctx, c, e, "userPrincipalName");
	login_src[4] = value_in(ctx, c, e, "objectGUID");
	for (int i = 0; i < 5; i++) {
		const char *v = login_src[i];
		bool dup = false;
		if (*v == '\0' || has_binary(v, strlen(v)))
			continue;
		if (*login == '\0') {
			login = v;
			continue;
		}
		dup = strcmp(v, login) == 0;
		for (size_t j = 0; j < n_aliases && !dup; j++)
			dup = strcmp(aliases[j], v) == 0;
		if (!dup)
			aliases[n_aliases++] = v;
	}
	if (*login != '\0')
		json_object_set_new(profile, "login", json_string(login));
	pj = json_dumps(profile, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(profile);
	if (pj == NULL) {
		free(dn);
		return oom();
	}

	rc = baton_user_resource_new(ctx, display, rt, dn, &r);
	free(dn);
	if (rc == 0)
		rc = baton_resource_set_profile_json(r, pj);
	free(pj);
	if (rc == 0)
		rc = baton_resource_set_status(r, user_status(ctx, c, e), NULL);
	if (rc != 0)
		return rc;
	if ((t = baton_resource_user_trait(r)) == NULL)
		return baton_error_last()->code;
	if ((rc = baton_user_trait_add_email(t, mail, true)) != 0)
		return rc;
	ocs = ldap_get_values_len(c->ld, e, "objectClass");
	for (size_t i = 0; ocs != NULL && ocs[i] != NULL; i++) {
		const struct berval *v = ocs[i];
		if ((v->bv_len == 8 && strncasecmp(v->bv_val, "computer", 8) == 0) ||
		    (v->bv_len == 26 && strncasecmp(v->bv_val, "msds-managedserviceaccount", 26) == 0))
			service = true;
	}
	ldap_value_free_len(ocs);
	/* person (or anything else) stays HUMAN, the trait's default, as in the Go SDK */
	if (service && (rc = baton_user_trait_set_account_type(t, BATON_ACCOUNT_TYPE_SERVICE)) != 0)
		return rc;
	if (*login != '\0' && (rc = baton_user_trait_set_login(t, login, aliases, n_aliases)) != 0)
		return rc;
	if (parse_generalized_time(value_in(ctx, c, e, "createTimestamp"), &ts) &&
	    (rc = baton_resource_set_created_at(r, ts)) != 0)
		return rc;
	if ((parse_last_login(value_in(ctx, c, e, "lastLogonTimestamp"), &ts) ||
	     parse_last_login(value_in(ctx, c, e, "authTimestamp"), &ts)) &&
	    (rc = baton_user_trait_set_last_login(t, ts)) != 0)
		return rc;
	*out = r;
	return 0;
}

static const char *const user_attrs_all[] = {"*", "+", NULL};
static const char *const user_attrs_plain[] = {"*", NULL};

static const char *const *user_attrs(const ldap_state *st)
{
	return st->s.disable_operational_attrs ? user_attrs_plain : user_attrs_all;
}

/*
 * One page of a paged listing behind a page bag: the bag's current state carries the paging
 * cookie (base64). `emit` turns each entry into a resource.
 */
typedef int (*entry_fn)(baton_ctx *ctx, lc_conn *c, LDAPMessage *e, void *arg);

static int list_paged(baton_ctx *ctx, const char *type_id, const char *base, const char *filter,
                      const char *const *attrs, entry_fn fn, void *arg, bool *last_page)
{
	ldap_state *st = state_of(ctx);
	baton_page_bag *bag;
	baton_page_state cur;
	lc_page page;
	bool restarted = false;
	char *next = NULL;
	int rc;

	if ((rc = baton_page_bag_new(ctx, baton_ctx_page_token(ctx), &bag)) != 0)
		return rc;
	if (!baton_page_bag_current(bag, &cur)) {
		if ((rc = baton_page_bag_push(bag, "", type_id, "")) != 0)
			return rc;
		baton_page_bag_current(bag, &cur);
	}
	rc = lc_search_page(&st->list, base, LDAP_SCOPE_SUBTREE, filter, attrs, cur.token,
	                    page_size(ctx, st), &page, &restarted);
	if (rc == BATON_ENOTFOUND)
		/* the search base itself is missing: a configuration error, not a listing to skip
		 * (the syncer skips a NotFound step with a warning, leaving a sync with no such entries) */
		return baton_error_set(BATON_EPRECONDITION, "ldap-connector: listing %ss: the search base %s is "
		                       "not in the directory (%s)", type_id, base, baton_error_last()->message);
	if (rc != 0)
		return rc;
	if (restarted)
		baton_ctx_log(ctx, BATON_LOG_INFO, "baton-ldap: paging cookie expired; listing %s again from "
		              "the first page", type_id);
	for (LDAPMessage *e = ldap_first_entry(st->list.ld, page.res); e != NULL && rc == 0;
	     e = ldap_next_entry(st->list.ld, e))
		rc = fn(ctx, &st->list, e, arg);
	if (rc == 0)
		rc = baton_page_bag_next_token(bag, page.next_cookie ? page.next_cookie : "", &next);
	if (rc == 0)
		rc = baton_ctx_set_next_page(ctx, next);
	if (last_page)
		*last_page = page.next_cookie == NULL;
	lc_page_free(&page);
	return rc;
}

static int emit_user(baton_ctx *ctx, lc_conn *c, LDAPMessage *e, void *arg)
{
	baton_resource *r;
	int rc = user_resource(ctx, c, e, &r);

	(void)arg;
	return rc != 0 ? rc : baton_ctx_emit_resource(ctx, r);
}

static int users_list(baton_ctx *ctx, const baton_resource_id *parent)
{
	ldap_state *st = state_of(ctx);

	(void)parent;
	return list_paged(ctx, "user", st->user_dn, with_filter(ctx, st, USER_FILTER), user_attrs(st),
	                  emit_user, NULL, NULL);
}

static int users_describe(baton_ctx *ctx, baton_resource_type *rt)
{
	(void)ctx;
	return baton_annotations_set_skip_entitlements_and_grants(baton_resource_type_annotations(rt));
}

/* Reads one user entry by DN into a resource; *r NULL when there is none. */
static int read_user(baton_ctx *ctx, lc_conn *c, const ldap_state *st, const char *dn, baton_resource **r)
{
	LDAPMessage *res, *e;
	int rc = lc_get(c, dn, with_filter(ctx, st, USER_FILTER), user_attrs_all, &res, &e);

	*r = NULL;
	if (rc == BATON_ENOTFOUND) {
		baton_error_clear();
		return 0;
	}
	if (rc != 0)
		return rc;
	rc = user_resource(ctx, c, e, r);
	ldap_msgfree(res);
	return rc;
}

static int users_get(baton_ctx *ctx, const baton_resource_id *id, const baton_resource_id *parent)
{
	ldap_state *st = state_of(ctx);
	baton_resource *r;
	char *dn = lc_dn_canonical(id->resource);
	int rc;

	(void)parent;
	if (dn == NULL)
		return baton_error_set(BATON_EINVALID, "ldap-connector: failed to canonicalize user DN: %s",
		                       baton_error_last()->message);
	rc = read_user(ctx, &st->aux, st, dn, &r);
	free(dn);
	if (rc == 0 && r != NULL)
		rc = baton_ctx_emit_resource(ctx, r);
	return rc;
}

static int users_delete(baton_ctx *ctx, const baton_resource_id *id, const baton_resource_id *parent)
{
	ldap_state *st = state_of(ctx);
	char *dn = lc_dn_canonical(id->resource);
	int rc;

	(void)parent;
	if (dn == NULL)
		return baton_error_set(BATON_EINVALID, "ldap-connector: failed to canonicalize user DN: %s",
		                       baton_error_last()->message);
	rc = lc_delete(&st->aux, dn, NULL);
	free(dn);
	if (rc != 0)
		return baton_error_set(rc, "ldap-connector: failed to delete user: %s", baton_error_last()->message);
	return 0;
}

/* ---- passwords ---- */

/* The password the caller asked for: "" for NO_PASSWORD, else generated or given (in ctx). */
static int choose_password(baton_ctx *ctx, const baton_credential_options *opts, const char **pw)
{
	char *gen;
	int rc;

	*pw = "";
	if (opts == NULL)
		return baton_error_set(BATON_EINVALID, "baton-ldap: missing credential options");
	switch (opts->kind) {
	case BATON_CREDENTIAL_OPTION_NO_PASSWORD:
		return 0;
	case BATON_CREDENTIAL_OPTION_RANDOM_PASSWORD:
		if ((rc = baton_ctx_generate_password(ctx, opts, &gen)) != 0)
			return rc;
		*pw = gen;
		return 0;
	case BATON_CREDENTIAL_OPTION_ENCRYPTED_PASSWORD:
		if (opts->plaintext_password == NULL || *opts->plaintext_password == '\0')
			return baton_error_set(BATON_EINVALID, "baton-ldap: no password was given");
		*pw = opts->plaintext_password;
		return 0;
	default:
		return baton_error_set(BATON_EINVALID, "baton-ldap: unsupported credential option");
	}
}

static int emit_password(baton_ctx *ctx, const char *pw)
{
	if (*pw == '\0')
		return 0;
	return baton_ctx_emit_secret(ctx, "password", "The password for the user", (const uint8_t *)pw,
	                             strlen(pw));
}

static int users_rotate(baton_ctx *ctx, const baton_resource_id *id, const baton_credential_options *opts)
{
	ldap_state *st = state_of(ctx);
	LDAPMessage *res = NULL, *e;
	LDAPMod mod, *mods[2] = {&mod, NULL};
	char *vals[2] = {NULL, NULL};
	const char *pw;
	char *dn = lc_dn_canonical(id->resource), *real;
	int rc, lrc = 0;

	if (dn == NULL)
		return baton_error_set(BATON_EINVALID, "ldap-connector: failed to canonicalize user DN: %s",
		                       baton_error_last()->message);
	rc = lc_get(&st->aux, dn, USER_FILTER, (const char *const[]){"1.1", NULL}, &res, &e);
	free(dn);
	if (rc != 0)
		return baton_error_set(rc, "ldap-connector: failed to get user: %s", baton_error_last()->message);
	real = ldap_get_dn(st->aux.ld, e);
	ldap_msgfree(res);
	if (real == NULL)
		return oom();
	if ((rc = choose_password(ctx, opts, &pw)) != 0) {
		ldap_memfree(real);
		return rc;
	}
	memset(&mod, 0, sizeof(mod));
	mod.mod_type = (char *)"userPassword";
	if (*pw == '\0') {
		mod.mod_op = LDAP_MOD_DELETE;
	} else {
		mod.mod_op = LDAP_MOD_REPLACE;
		vals[0] = (char *)pw;
		mod.mod_values = vals;
	}
	rc = lc_modify(&st->aux, real, mods, &lrc);
	ldap_memfree(real);
	if (rc != 0 && lrc == LDAP_NO_SUCH_ATTRIBUTE) {
		baton_error_clear();
		rc = 0;
	}
	if (rc != 0)
		return baton_error_set(rc, "ldap-connector: failed to set password: %s", baton_error_last()->message);
	return emit_password(ctx, pw);
}

/* ---- create account ---- */

typedef struct attrlist {
	char **names;
	char ***vals;       /* NULL-terminated value arrays */
	size_t *nvals;
	size_t n, cap;
	bool oom;
} attrlist;

static ssize_t attrs_find(attrlist *a, const char *name)
{
	for (size_t i = 0; i < a->n; i++)
		if (strcasecmp(a->names[i], name) == 0)
			return (ssize_t)i;
	return -1;
}

static void attrs_add(attrlist *a, const char *name, const char *value)
{
	ssize_t i = attrs_find(a, name);
	char **nv;

	if (a->oom)
		return;
	if (i < 0) {
		if (a->n == a->cap) {
			size_t cap = a->cap ? a->cap * 2 : 16;
			char **nn = realloc(a->names, cap * sizeof(*nn));
			char ***nvv;
			size_t *nc;
			if (nn == NULL) {
				a->oom = true;
				return;
			}
			a->names = nn;
			if ((nvv = realloc(a->vals, cap * sizeof(*nvv))) == NULL) {
				a->oom = true;
				return;
			}
			a->vals = nvv;
			if ((nc = realloc(a->nvals, cap * sizeof(*nc))) == NULL) {
				a->oom = true;
				return;
			}
			a->nvals = nc;
			a->cap = cap;
		}
		i = (ssize_t)a->n;
		a->names[i] = strdup(name);
		a->vals[i] = NULL;
		a->nvals[i] = 0;
		if (a->names[i] == NULL) {
			a->oom = true;
			return;
		}
		a->n++;
	}
	nv = realloc(a->vals[i], (a->nvals[i] + 2) * sizeof(*nv));
	if (nv == NULL) {
		a->oom = true;
		return;
	}
	a->vals[i] = nv;
	if ((nv[a->nvals[i]] = strdup(value)) == NULL) {
		a->oom = true;
		return;
	}
	nv[++a->nvals[i]] = NULL;
}

static void attrs_remove(attrlist *a, const char *name)
{
	ssize_t i;

	while ((i = attrs_find(a, name)) >= 0) {
		free(a->names[i]);
		for (size_t k = 0; k < a->nvals[i]; k++)
			free(a->vals[i][k]);
		free(a->vals[i]);
		memmove(a->names + i, a->names + i + 1, (a->n - (size_t)i - 1) * sizeof(*a->names));
		memmove(a->vals + i, a->vals + i + 1, (a->n - (size_t)i - 1) * sizeof(*a->vals));
		memmove(a->nvals + i, a->nvals + i + 1, (a->n - (size_t)i - 1) * sizeof(*a->nvals));
		a->n--;
	}
}

static void attrs_free(attrlist *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free(a->names[i]);
		for (size_t k = 0; k < a->nvals[i]; k++)
			free(a->vals[i][k]);
		free(a->vals[i]);
	}
	free(a->names);
	free(a->vals);
	free(a->nvals);
	memset(a, 0, sizeof(*a));
}

/* One JSON value as attribute text (numbers without a fraction print as integers). */
static char *json_text(const json_t *v)
{
	char buf[64];

	switch (json_typeof(v)) {
	case JSON_STRING:
		return strdup(json_string_value(v));
	case JSON_INTEGER:
		snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
		return strdup(buf);
	case JSON_REAL: {
		double d = json_real_value(v);
		if (d == (double)(long long)d)
			snprintf(buf, sizeof(buf), "%lld", (long long)d);
		else
			snprintf(buf, sizeof(buf), "%g", d);
		return strdup(buf);
	}
	case JSON_TRUE:
		return strdup("true");
	case JSON_FALSE:
		return strdup("false");
	case JSON_NULL:
		return strdup("");
	default:
		return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	}
}

/* A profile value as an attribute: a list gives one value per item. */
static void attrs_add_json(attrlist *a, const char *name, const json_t *v)
{
	if (json_is_array(v)) {
		size_t i;
		json_t *item;
		json_array_foreach(v, i, item) {
			char *s = json_text(item);
			if (s == NULL) {
				a->oom = true;
				return;
			}
			attrs_add(a, name, s);
			free(s);
		}
		return;
	}
	char *s = json_text(v);
	if (s == NULL) {
		a->oom = true;
		return;
	}
	attrs_add(a, name, s);
	free(s);
}

/* The next free uidNumber: one more than the largest under the user search base. */
static int next_uid_number(baton_ctx *ctx, ldap_state *st, long long *out)
{
	const char *cookie = NULL;
	long long max = 0;
	char *keep = NULL;
	int rc = 0;

	do {
		lc_page page;
		rc = lc_search_page(&st->aux, st->user_dn, LDAP_SCOPE_SUBTREE,
		                    with_filter(ctx, st, "(objectClass=posixAccount)"),
		                    (const char *const[]){"uidNumber", NULL}, cookie, 500, &page, NULL);
		if (rc != 0)
			break;
		for (LDAPMessage *e = ldap_first_entry(st->aux.ld, page.res); e != NULL; e = ldap_next_entry(st->aux.ld, e)) {
			char *v = lc_first_value(&st->aux, e, "uidNumber");
			if (v != NULL) {
				char *end;
				long long n = strtoll(v, &end, 10);
				if (*end == '\0' && n > max)
					max = n;
				free(v);
			}
		}
		free(keep);
		keep = page.next_cookie;
		page.next_cookie = NULL;
		cookie = keep;
		lc_page_free(&page);
	} while (cookie != NULL);
	free(keep);
	*out = max + 1;
	return rc;
}

static const char *profile_string(json_t *p, const char *key, bool *ok)
{
	json_t *v = json_object_get(p, key);

	*ok = json_is_string(v);
	return *ok ? json_string_value(v) : NULL;
}

static int users_create_account(baton_ctx *ctx, const baton_account_info *info,
                                const baton_credential_options *opts)
{
	static const char *const skip[] = {"additionalAttributes", "rdnKey", "rdnValue", "path", "suffix",
	                                   "login", "calculatePosixUIDNumber"};
	ldap_state *st = state_of(ctx);
	const char *suffix, *path, *rdn_key, *rdn_value, *pw = "", *key;
	json_t *p, *oc, *v, *extra;
	json_error_t jerr;
	attrlist attrs = {0};
	LDAPMod *mods = NULL, **modp = NULL;
	baton_resource *r = NULL;
	bool ok, posix = false, calc;
	char *esc = NULL, *dn = NULL;
	int rc = 0, lrc = 0;
	size_t i;

	if (opts == NULL)
		return baton_error_set(BATON_EINVALID, "baton-ldap: create-account: missing credential options");
	if (info->profile_json == NULL || *info->profile_json == '\0')
		return baton_error_set(BATON_EINVALID, "missing profile");
	p = json_loads(info->profile_json, 0, &jerr);
	if (!json_is_object(p)) {
		json_decref(p);
		return baton_error_set(BATON_EINVALID, "missing profile");
	}
#define REQ(var, name)                                                                          \
	do {                                                                                    \
		var = profile_string(p, name, &ok);                                             \
		if (!ok) {                                                                      \
			rc = baton_error_set(BATON_EINVALID, "invalid/missing " name);          \
			goto done;                                                              \
		}                                                                               \
	} while (0)
	REQ(suffix, "suffix");
	REQ(path, "path");
	REQ(rdn_key, "rdnKey");
	REQ(rdn_value, "rdnValue");
#undef REQ
	calc = json_is_true(json_object_get(p, "calculatePosixUIDNumber"));
	if ((esc = lc_dn_escape_value(rdn_value)) == NULL) {
		rc = oom();
		goto done;
	}
	dn = *path ? baton_ctx_sprintf(ctx, "%s=%s,%s,%s", rdn_key, esc, path, suffix)
	           : baton_ctx_sprintf(ctx, "%s=%s,%s", rdn_key, esc, suffix);
	oc = json_object_get(p, "objectClass");
	if (!json_is_array(oc)) {
		rc = baton_error_set(BATON_EINVALID, "invalid/missing objectClass");
		goto done;
	}
	json_array_foreach(oc, i, v) {
		if (!json_is_string(v)) {
			rc = baton_error_set(BATON_EINVALID, "invalid objectClass");
			goto done;
		}
		if (strcasecmp(json_string_value(v), "posixAccount") == 0)
			posix = true;
	}
	if (calc && posix) {
		long long uidn;
		char buf[32];
		if ((rc = next_uid_number(ctx, st, &uidn)) != 0)
			goto done;
		snprintf(buf, sizeof(buf), "%lld", uidn);
		attrs_add(&attrs, "uidNumber", buf);
	}
	json_object_foreach(p, key, v) {
		bool skipped = false;
		for (size_t k = 0; k < sizeof(skip) / sizeof(skip[0]) && !skipped; k++)
			skipped = strcmp(key, skip[k]) == 0;
		if (!skipped)
			attrs_add_json(&attrs, key, v);
	}
	extra = json_object_get(p, "additionalAttributes");
	if (json_is_object(extra)) {
		json_object_foreach(extra, key, v) {
			if (calc && strcasecmp(key, "uidNumber") == 0)
				continue;
			attrs_add_json(&attrs, key, v);
		}
	}
	if ((rc = choose_password(ctx, opts, &pw)) != 0)
		goto done;
	attrs_remove(&attrs, "userPassword");
	if (*pw != '\0')
		attrs_add(&attrs, "userPassword", pw);
	if (attrs.oom) {
		rc = oom();
		goto done;
	}
	mods = calloc(attrs.n, sizeof(*mods));
	modp = calloc(attrs.n + 1, sizeof(*modp));
	if ((mods == NULL && attrs.n > 0) || modp == NULL) {
		rc = oom();
		goto done;
	}
	for (i = 0; i < attrs.n; i++) {
		mods[i].mod_op = LDAP_MOD_ADD;
		mods[i].mod_type = attrs.names[i];
		mods[i].mod_values = attrs.vals[i];
		modp[i] = &mods[i];
	}
	rc = lc_add(&st->aux, dn, modp, &lrc);
	if (rc != 0 && lrc != LDAP_ALREADY_EXISTS) {
		/* the attributes carry the password: name the DN only */
		rc = baton_error_set(rc, "baton-ldap: create-account failed to create account %s: %s", dn,
		                     baton_error_last()->message);
		goto done;
	}
	if (rc != 0) {
		baton_error_clear();
		rc = read_user(ctx, &st->aux, st, dn, &r);
		if (rc == 0)
			rc = baton_ctx_account_result(ctx, BATON_ACCOUNT_ALREADY_EXISTS, r, NULL);
		goto done;
	}
	if ((rc = read_user(ctx, &st->aux, st, dn, &r)) != 0)
		goto done;
	if (r == NULL) {
		rc = baton_error_set(BATON_ENOTFOUND, "ldap-connector: failed to get user: %s was created but is "
		                     "not a user under the search base", dn);
		goto done;
	}
	rc = baton_ctx_account_result(ctx, BATON_ACCOUNT_CREATED, r, NULL);
	if (rc == 0)
		rc = emit_password(ctx, pw);
done:
	free(mods);
	free(modp);
	free(esc);
	attrs_free(&attrs);
	json_decref(p);
	return rc;
}

static const baton_credential_option password_options[] = {
	BATON_CREDENTIAL_OPTION_ENCRYPTED_PASSWORD,
	BATON_CREDENTIAL_OPTION_NO_PASSWORD,
	BATON_CREDENTIAL_OPTION_RANDOM_PASSWORD,
};
static const baton_credential_details create_details = {
	.supported = password_options, .n_supported = 3,
	.preferred = BATON_CREDENTIAL_OPTION_RANDOM_PASSWORD,
};
static const baton_credential_details rotate_details = {
	.supported = password_options, .n_supported = 3,
	.preferred = BATON_CREDENTIAL_OPTION_ENCRYPTED_PASSWORD,
};

/* ------------------------------------------------------------------------------------------ */
/* Groups                                                                                      */

static int group_resource(baton_ctx *ctx, lc_conn *c, LDAPMessage *e, baton_resource **out)
{
	const baton_resource_type *rt = named_type(ctx, "Group", trait_group);
	const char *gid = value_in(ctx, c, e, "gidNumber");
	const char *desc = value_in(ctx, c, e, "description");
	const char *name = value_in(ctx, c, e, "cn");
	char *raw = ldap_get_dn(c->ld, e), *dn, *pj;
	baton_resource *r;
	json_t *profile;
	int rc;

	if (rt == NULL)
		return baton_error_last()->code;
	if (raw == NULL)
		return oom();
	if ((dn = lc_dn_canonical(raw)) == NULL) {
		ldap_memfree(raw);
		return baton_error_last()->code;
	}
	profile = json_object();
	json_object_set_new(profile, "path", json_string(dn));
	if (*desc)
		json_object_set_new(profile, "group_description", json_string(desc));
	if (*gid)
		json_object_set_new(profile, "gid", json_string(gid));
	pj = json_dumps(profile, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(profile);
	rc = pj ? baton_group_resource_new(ctx, name, rt, dn, &r) : oom();
	if (rc == 0)
		rc = baton_resource_set_external_id(r, raw, NULL, NULL);
	if (rc == 0 && *desc)
		rc = baton_resource_set_description(r, desc);
	if (rc == 0)
		rc = baton_resource_set_profile_json(r, pj);
	free(pj);
	free(dn);
	ldap_memfree(raw);
	if (rc == 0)
		*out = r;
	return rc;
}

static const char *const group_list_attrs[] = {"cn", "description", "gidNumber", "objectClass", NULL};

/* Listing also notes each group's DN in the sync's session store, so that grants can tell a
 * nested group from a user without asking the directory about every member. */
static int emit_group(baton_ctx *ctx, lc_conn *c, LDAPMessage *e, void *arg)
{
	baton_resource *r;
	baton_resource_id id;
	bool *all_noted = arg;
	int rc = group_resource(ctx, c, e, &r);

	if (rc != 0)
		return rc;
	id = baton_resource_get_id(r);
	if (strlen(id.resource) + sizeof(SESSION_GROUPS) <= 512) {
		if (baton_session_set(ctx, SESSION_GROUPS, id.resource, (const uint8_t *)"1", 1) != 0) {
			baton_error_clear();
			*all_noted = false;
		}
	} else {
		*all_noted = false;
	}
	return baton_ctx_emit_resource(ctx, r);
}

static int groups_list(baton_ctx *ctx, const baton_resource_id *parent)
{
	ldap_state *st = state_of(ctx);
	bool last = false, all_noted = true;
	const uint8_t *v;
	size_t len;
	int rc;

	(void)parent;
	/* a page that could not note its groups spoils the mark for this sync */
	rc = list_paged(ctx, "group", st->group_dn, with_filter(ctx, st, GROUP_FILTER), group_list_attrs,
	                emit_group, &all_noted, &last);
	if (rc != 0)
		return rc;
	if (!all_noted) {
		baton_session_set(ctx, SESSION_MARK, "groups-spoiled", (const uint8_t *)"1", 1);
		baton_error_clear();
	}
	if (last && *baton_ctx_page_token(ctx) == '\0' && all_noted) {
		/* a one-page listing: nothing can have been spoiled */
		baton_session_set(ctx, SESSION_MARK, "groups-listed", (const uint8_t *)"1", 1);
		baton_error_clear();
	} else if (last) {
		if (baton_session_get(ctx, SESSION_MARK, "groups-spoiled", &v, &len) == BATON_ENOTFOUND)
			baton_session_set(ctx, SESSION_MARK, "groups-listed", (const uint8_t *)"1", 1);
		baton_error_clear();
	}
	return 0;
}

static int read_group(baton_ctx *ctx, ldap_state *st, const char *dn, const char *const *attrs,
                      LDAPMessage **res, LDAPMessage **e)
{
	return lc_get(&st->aux, dn, with_filter(ctx, st, GROUP_FILTER), attrs, res, e);
}

static int groups_get(baton_ctx *ctx, const baton_resource_id *id, const baton_resource_id *parent)
{
	ldap_state *st = state_of(ctx);
	LDAPMessage *res, *e;
	baton_resource *r;
	char *dn = lc_dn_canonical(id->resource);
	int rc;

	(void)parent;
	if (dn == NULL)
		return baton_error_set(BATON_EINVALID, "ldap-connector: failed to canonicalize group DN: %s",
		                       baton_error_last()->message);
	rc = read_group(ctx, st, dn, group_list_attrs, &res, &e);
	free(dn);
	if (rc == BATON_ENOTFOUND) {
		baton_error_clear();
		return 0;
	}
	if (rc != 0)
		return rc;
	rc = group_resource(ctx, &st->aux, e, &r);
	ldap_msgfree(res);
	return rc == 0 ? baton_ctx_emit_resource(ctx, r) : rc;
}

/* "member" on a group or role, grantable to users. */
static int member_entitlement(baton_ctx *ctx, const baton_resource *resource, const char *kind,
                              const char *kind_lower)
{
	const baton_resource_type *ut = user_type(ctx);
	const char *name = baton_resource_display_name(resource);
	baton_entitlement *e;
	int rc;

	if (ut == NULL)
		return baton_error_last()->code;
	rc = baton_assignment_entitlement_new(ctx, resource, "member", &e);
	if (rc == 0)
		rc = baton_entitlement_set_grantable_to(e, &ut, 1);
	if (rc == 0)
		rc = baton_entitlement_set_display_name(e, baton_ctx_sprintf(ctx, "%s %s member", name, kind));
	if (rc == 0)
		rc = baton_entitlement_set_description(e, baton_ctx_sprintf(ctx, "Access to %s %s in LDAP", name,
		                                                            kind_lower));
	return rc == 0 ? baton_ctx_emit_entitlement(ctx, e) : rc;
}

static int groups_entitlements(baton_ctx *ctx, const baton_resource *resource)
{
	return member_entitlement(ctx, resource, "Group", "group");
}

/* The resource type of a member entry, from its object classes (user when none matches). */
static const char *type_of_entry(lc_conn *c, LDAPMessage *e)
{
	static const char *const groups[] = {"group", "groupOfNames", "groupOfUniqueNames", "groupOfURLs",
	                                     "posixGroup"};
	static const char *const users[] = {"inetOrgPerson", "organizationalPerson", "person", "user"};
	struct berval **ocs = ldap_get_values_len(c->ld, e, "objectClass");
	const char *type = "user";

	/* the first object class that names a type decides, as in the Go connector */
	for (size_t i = 0; ocs != NULL && ocs[i] != NULL; i++) {
		for (size_t k = 0; k < sizeof(groups) / sizeof(groups[0]); k++)
			if (ocs[i]->bv_len == strlen(groups[k]) && memcmp(ocs[i]->bv_val, groups[k], ocs[i]->bv_len) == 0) {
				type = "group";
				goto out;
			}
		for (size_t k = 0; k < sizeof(users) / sizeof(users[0]); k++)
			if (ocs[i]->bv_len == strlen(users[k]) && memcmp(ocs[i]->bv_val, users[k], ocs[i]->bv_len) == 0)
				goto out;
	}
out:
	ldap_value_free_len(ocs);
	return type;
}

/* Whether a member DN is a group: the session store when groups were listed in this sync, else a
 * look at the entry (a missing one counts as a user, as upstream). */
static int member_type(baton_ctx *ctx, ldap_state *st, const char *dn, const char **type)
{
	const uint8_t *v;
	size_t len;
	LDAPMessage *res, *e;
	int rc;

	*type = "user";
	if (strlen(dn) + sizeof(SESSION_GROUPS) <= 512) {
		rc = baton_session_get(ctx, SESSION_GROUPS, dn, &v, &len);
		if (rc == 0) {
			*type = "group";
			return 0;
		}
		if (rc == BATON_ENOTFOUND &&
		    baton_session_get(ctx, SESSION_MARK, "groups-listed", &v, &len) == 0) {
			baton_error_clear();
			return 0;
		}
		baton_error_clear();
	}
	rc = lc_get(&st->aux, dn, st->filter ? st->filter : "(objectClass=*)",
	            (const char *const[]){"objectClass", NULL}, &res, &e);
	if (rc == BATON_ENOTFOUND || rc == BATON_EINVALID) {
		baton_error_clear();
		return 0;
	}
	if (rc != 0)
		return rc;
	*type = type_of_entry(&st->aux, e);
	ldap_msgfree(res);
	return 0;
}

/* A memberUid: the DN of the user with that uid (else that cn), "" when there is none. */
static int find_member(baton_ctx *ctx, ldap_state *st, const char *uid, const char **dn)
{
	static const char *const attrs[] = {"uid", "cn"};
	const char *cached;
	char *esc;
	int rc = 0;

	*dn = "";
	if (strmap_get(&st->uid2dn, uid, &cached)) {
		*dn = cached ? cached : "";
		return 0;
	}
	if ((esc = lc_filter_escape(uid)) == NULL)
		return oom();
	for (size_t i = 0; i < 2 && **dn == '\0'; i++) {
		lc_page page;
		const char *f = with_filter(ctx, st, baton_ctx_sprintf(ctx, "(&%s(%s=%s))", USER_FILTER, attrs[i], esc));
		rc = lc_search_page(&st->aux, st->user_dn, LDAP_SCOPE_SUBTREE, f,
		                    (const char *const[]){"1.1", NULL}, NULL, 0, &page, NULL);
		if (rc != 0)
			break;
		if (page.count > 1) {
			baton_ctx_log(ctx, BATON_LOG_WARN, "ldap-connector: expanding group: multiple users "
			              "found for member %s; skipped", uid);
			lc_page_free(&page);
			break;
		}
		if (page.count == 1) {
			char *d = entry_dn(&st->aux, ldap_first_entry(st->aux.ld, page.res));
			if (d == NULL) {
				lc_page_free(&page);
				rc = baton_error_last()->code;
				break;
			}
			*dn = baton_ctx_strdup(ctx, d);
			free(d);
		}
		lc_page_free(&page);
	}
	free(esc);
	if (rc != 0)
		return rc;
	if (**dn == '\0')
		baton_ctx_log(ctx, BATON_LOG_DEBUG, "ldap-connector: expanding group: no user for member %s", uid);
	if (st->uid2dn.n >= UID_CACHE_MAX)
		strmap_clear(&st->uid2dn);
	if (strmap_put(&st->uid2dn, uid, *dn) != 0)
		return oom();
	return 0;
}

/* A grant of `member` on `group` (a stub resource) to principal DN `dn` of type `type`. */
static int emit_member_grant(baton_ctx *ctx, const baton_resource *group, const char *dn, const char *type,
                             strmap *seen, bool immutable)
{
	baton_resource_id pid = {type, dn};
	baton_grant *g;
	int rc;

	if (seen != NULL) {
		if (strmap_get(seen, dn, NULL))
			return 0;
		if (strmap_put(seen, dn, NULL) != 0)
			return oom();
	}
	if ((rc = baton_grant_new(ctx, group, "member", &pid, &g)) != 0)
		return rc;
	if (strcmp(type, "group") == 0) {
		const char *ent = baton_ctx_sprintf(ctx, "group:%s:member", dn);
		if ((rc = baton_grant_set_expandable(g, &ent, 1, false, NULL, 0)) != 0)
			return rc;
	}
	if (immutable && (rc = baton_grant_set_immutable(g, NULL, NULL)) != 0)
		return rc;
	return baton_ctx_emit_grant(ctx, g);
}

/* uniqueMember values may end in an optional "#'0101'B" UID. */
static char *strip_optional_uid(const char *v)
{
	const char *hash = strrchr(v, '#');
	size_t n = strlen(v);

	if (hash != NULL && hash > v && hash[-1] != '\\' && hash[1] == '\'' && n >= 3 && v[n - 1] == 'B' &&
	    v[n - 2] == '\'')
		return strndup(v, (size_t)(hash - v));
	return strdup(v);
}

typedef struct url_ctx {
	const baton_resource *group;
} url_ctx;

static int emit_url_member(baton_ctx *ctx, lc_conn *c, LDAPMessage *e, void *arg)
{
	url_ctx *u = arg;
	char *dn = entry_dn(c, e);
	int rc;

	if (dn == NULL)
		return baton_error_last()->code;
	rc = emit_member_grant(ctx, u->group, baton_ctx_strdup(ctx, dn), type_of_entry(c, e), NULL, true);
	free(dn);
	return rc;
}

/*
 * A dynamic group (groupOfURLs): one page of one memberURL per call. The bag holds one state per
 * URL (resource type "groupOfURLs", resource id the URL, token the paging cookie).
 */
static int member_url_page(baton_ctx *ctx, ldap_state *st, const baton_resource *group, baton_page_bag *bag,
                           LDAPMessage *entry)
{
	baton_page_state cur;
	LDAPURLDesc *lud = NULL;
	lc_page page;
	url_ctx u = {group};
	char *next = NULL;
	int rc, scope;

	if (entry != NULL) {
		struct berval **urls = ldap_get_values_len(st->aux.ld, entry, "memberURL");
		size_t n = 0;
		baton_page_state dummy;
		if (urls == NULL)
			return 0;
		while (urls[n] != NULL)
			n++;
		baton_page_bag_pop(bag, &dummy);
		for (size_t i = n; i-- > 0;) {
			char *url = strndup(urls[i]->bv_val, urls[i]->bv_len);
			rc = url ? baton_page_bag_push(bag, "", "groupOfURLs", url) : oom();
			free(url);
			if (rc != 0) {
				ldap_value_free_len(urls);
				return rc;
			}
		}
		ldap_value_free_len(urls);
	}
	if (!baton_page_bag_current(bag, &cur))
		return 0;
	if (ldap_url_parse(cur.resource_id, &lud) != LDAP_URL_SUCCESS)
		return baton_error_set(BATON_EINVALID, "ldap-connector: invalid memberURL %s", cur.resource_id);
	scope = lud->lud_scope == LDAP_SCOPE_DEFAULT ? LDAP_SCOPE_SUBTREE : lud->lud_scope;
	rc = lc_search_page(&st->list, lud->lud_dn ? lud->lud_dn : "", scope,
	                    with_filter(ctx, st, lud->lud_filter ? lud->lud_filter : "(objectClass=*)"),
	                    (const char *const[]){"objectClass", NULL}, cur.token, page_size(ctx, st), &page, NULL);
	ldap_free_urldesc(lud);
	if (rc != 0)
		return baton_error_set(rc, "ldap-connector: memberURL search failed: %s", baton_error_last()->message);
	for (LDAPMessage *e = ldap_first_entry(st->list.ld, page.res); e != NULL && rc == 0;
	     e = ldap_next_entry(st->list.ld, e))
		rc = emit_url_member(ctx, &st->list, e, &u);
	if (rc == 0)
		rc = baton_page_bag_next_token(bag, page.next_cookie ? page.next_cookie : "", &next);
	lc_page_free(&page);
	if (rc == 0)
		rc = baton_ctx_set_next_page(ctx, next);
	return rc;
}

static int groups_grants(baton_ctx *ctx, const baton_resource *resource)
{
	static const char *const attrs[] = {"objectClass", "member", "uniqueMember", "memberUid", "memberURL",
	                                    "gidNumber", NULL};
	static const char *const member_attrs[] = {"uniqueMember", "member", "memberUid"};
	ldap_state *st = state_of(ctx);
	baton_resource_id rid = baton_resource_get_id(resource);
	baton_page_bag *bag;
	baton_page_state cur;
	baton_resource *stub;
	LDAPMessage *res = NULL, *e;
	strmap seen = {0}, values = {0};
	char *gid = NULL;
	int rc;

	if ((rc = baton_page_bag_new(ctx, baton_ctx_page_token(ctx), &bag)) != 0)
		return rc;
	if (!baton_page_bag_current(bag, &cur)) {
		if ((rc = baton_page_bag_push(bag, "", "group", rid.resource)) != 0)
			return rc;
		baton_page_bag_current(bag, &cur);
	}
	/* grants name the group by id only, not its whole profile */
	if ((rc = baton_resource_new_with_id(ctx, baton_resource_display_name(resource), &rid, &stub)) != 0)
		return rc;
	if (strcmp(cur.resource_type_id, "groupOfURLs") == 0)
		return member_url_page(ctx, st, stub, bag, NULL);

	rc = read_group(ctx, st, rid.resource, attrs, &res, &e);
	if (rc == BATON_ENOTFOUND) {
		/* deleted since it was listed (or a server that lists what it cannot read) */
		baton_ctx_log(ctx, BATON_LOG_WARN, "ldap-connector: group %s is gone; no grants", rid.resource);
		baton_error_clear();
		return 0;
	}
	if (rc != 0)
		return baton_error_set(rc, "ldap-connector: failed to list group %s members: %s", rid.resource,
		                       baton_error_last()->message);
	if (lc_has_object_class(&st->aux, e, "groupOfURLs")) {
		rc = member_url_page(ctx, st, stub, bag, e);
		ldap_msgfree(res);
		return rc;
	}
	gid = lc_first_value(&st->aux, e, "gidNumber");
	for (size_t a = 0; a < 3 && rc == 0; a++) {
		struct berval **vals = ldap_get_values_len(st->aux.ld, e, member_attrs[a]);
		for (size_t i = 0; vals != NULL && vals[i] != NULL && rc == 0; i++) {
			char *raw = strndup(vals[i]->bv_val, vals[i]->bv_len), *v, *dn;
			const char *type, *mdn;
			if (raw == NULL) {
				rc = oom();
				break;
			}
			v = strip_optional_uid(raw);
			free(raw);
			if (v == NULL) {
				rc = oom();
				break;
			}
			if (*v == '\0') {
				/* the empty value keeps a groupOfNames without members: no one, and no
				 * search for a user named "" (the Go connector grants a user with an
				 * empty id) */
				free(v);
				continue;
			}
			if (strmap_get(&values, v, NULL)) {
				free(v);
				continue;
			}
			if (strmap_put(&values, v, NULL) != 0) {
				free(v);
				rc = oom();
				break;
			}
			dn = strchr(v, '=') != NULL ? lc_dn_canonical(v) : NULL;
			if (dn != NULL && *dn != '\0') {
				const char *d = baton_ctx_strdup(ctx, dn);
				free(dn);
				rc = member_type(ctx, st, d, &type);
				if (rc == 0)
					rc = emit_member_grant(ctx, stub, d, type, &seen, false);
				free(v);
				continue;
			}
			free(dn);
			baton_error_clear();
			rc = find_member(ctx, st, v, &mdn);
			if (rc == 0 && *mdn != '\0')
				rc = emit_member_grant(ctx, stub, mdn, "user", &seen, false);
			free(v);
		}
		ldap_value_free_len(vals);
	}
	ldap_msgfree(res);

	/* a posixGroup's primary members: the users whose gidNumber is the group's */
	if (rc == 0 && gid != NULL && *gid != '\0') {
		char *esc = lc_filter_escape(gid), *keep = NULL;
		const char *f = esc ? with_filter(ctx, st, baton_ctx_sprintf(ctx, "(&%s(gidNumber=%s))", USER_FILTER, esc))
		                    : NULL;
		const char *cookie = NULL;
		free(esc);
		if (f == NULL)
			rc = oom();
		while (rc == 0) {
			lc_page page;
			rc = lc_search_page(&st->aux, st->user_dn, LDAP_SCOPE_SUBTREE, f,
			                    (const char *const[]){"1.1", NULL}, cookie, page_size(ctx, st), &page, NULL);
			if (rc != 0) {
				rc = baton_error_set(rc, "ldap-connector: failed to list group members: %s",
				                     baton_error_last()->message);
				break;
			}
			for (e = ldap_first_entry(st->aux.ld, page.res); e != NULL && rc == 0; e = ldap_next_entry(st->aux.ld, e)) {
				char *d = entry_dn(&st->aux, e);
				if (d == NULL) {
					baton_error_clear();
					continue;
				}
				rc = emit_member_grant(ctx, stub, baton_ctx_strdup(ctx, d), "user", &seen, false);
				free(d);
			}
			free(keep);
			keep = page.next_cookie;
			page.next_cookie = NULL;
			cookie = keep;
			lc_page_free(&page);
			if (cookie == NULL)
				break;
		}
		free(keep);
	}
	free(gid);
	strmap_clear(&seen);
	strmap_clear(&values);
	return rc;
}

/* The attribute a group keeps user members in, and the value for this user. */
static int membership_change(baton_ctx *ctx, ldap_state *st, const char *group_dn, const char *user_dn,
                             const char **attr, const char **value)
{
	LDAPMessage *res, *e;
	char *guid;
	int rc = read_group(ctx, st, group_dn, (const char *const[]){"objectClass", "objectGUID", NULL}, &res, &e);

	if (rc != 0)
		return rc;
	guid = lc_first_value(&st->aux, e, "objectGUID");
	*value = user_dn;
	if (lc_has_object_class(&st->aux, e, "groupOfURLs")) {
		rc = baton_error_set(BATON_EPRECONDITION, "baton-ldap: cannot change membership of dynamic "
		                     "groupOfURLs group \"%s\" directly", group_dn);
	} else if (lc_has_object_class(&st->aux, e, "posixGroup")) {
		/* memberUid holds the uid as the directory spells it (memberUid matches case-exactly) */
		LDAPMessage *ures, *ue;
		char *real = NULL, *first;
		*attr = "memberUid";
		if (lc_get(&st->aux, user_dn, NULL, (const char *const[]){"1.1", NULL}, &ures, &ue) == 0) {
			real = ldap_get_dn(st->aux.ld, ue);
			ldap_msgfree(ures);
		}
		baton_error_clear();
		first = lc_dn_first_value(real ? real : user_dn);
		ldap_memfree(real);
		if (first == NULL)
			rc = baton_error_set(BATON_EINVALID, "baton-ldap: invalid principal DN %s", user_dn);
		else
			*value = baton_ctx_strdup(ctx, first);
		free(first);
	} else if (lc_has_object_class(&st->aux, e, "groupOfUniqueNames")) {
		*attr = "uniqueMember";
	} else if (lc_has_object_class(&st->aux, e, "groupOfNames") || lc_has_object_class(&st->aux, e, "group") ||
	           lc_has_object_class(&st->aux, e, "ipausergroup") || guid != NULL) {
		*attr = "member";
	} else {
		*attr = "uniqueMember";
	}
	free(guid);
	ldap_msgfree(res);
	return rc;
}

/* Adds or deletes one value; "already so" becomes the annotation `already`. */
static int change_value(baton_ctx *ctx, ldap_state *st, const char *dn, int op, const char *attr,
                        const char *value, const char *already, const char *what)
{
	LDAPMod mod, *mods[2] = {&mod, NULL};
	char *vals[2] = {(char *)value, NULL};
	int rc, lrc = 0;

	memset(&mod, 0, sizeof(mod));
	mod.mod_op = op;
	mod.mod_type = (char *)attr;
	mod.mod_values = vals;
	rc = lc_modify(&st->aux, dn, mods, &lrc);
	if (rc != 0 && ((op == LDAP_MOD_ADD && lrc == LDAP_TYPE_OR_VALUE_EXISTS) ||
	                (op == LDAP_MOD_DELETE && lrc == LDAP_NO_SUCH_ATTRIBUTE))) {
		baton_error_clear();
		return baton_annotations_append_json(baton_ctx_annotations(ctx), already, "{}");
	}
	if (rc != 0)
		return baton_error_set(rc, "ldap-connector: failed to %s: %s", what, baton_error_last()->message);
	return 0;
}

static int check_user_principal(const baton_resource_id *p, const char *kind, const char *verb)
{
	if (strcmp(p->resource_type, "user") != 0)
		return baton_error_set(BATON_EINVALID, "baton-ldap: only users can have %s membership %s", kind, verb);
	return 0;
}

static int groups_grant(baton_ctx *ctx, const baton_resource *principal, const baton_entitlement *ent)
{
	ldap_state *st = state_of(ctx);
	baton_resource_id pid = baton_resource_get_id(principal);
	baton_resource_id gid = baton_resource_get_id(baton_entitlement_resource(ent));
	const char *attr, *value;
	int rc;

	if ((rc = check_user_principal(&pid, "group", "granted")) != 0)
		return rc;
	if ((rc = membership_change(ctx, st, gid.resource, pid.resource, &attr, &value)) != 0)
		return rc;
	return change_value(ctx, st, gid.resource, LDAP_MOD_ADD, attr, value, "c1.connector.v2.GrantAlreadyExists",
	                    "grant group membership to user");
}

static int groups_revoke(baton_ctx *ctx, const baton_grant *grant)
{
	ldap_state *st = state_of(ctx);
	baton_resource_id pid = baton_grant_principal_id(grant);
	baton_resource_id gid = baton_grant_resource_id(grant);
	const char *attr, *value;
	int rc;

	if ((rc = check_user_principal(&pid, "group", "revoked")) != 0)
		return rc;
	if ((rc = membership_change(ctx, st, gid.resource, pid.resource, &attr, &value)) != 0)
		return rc;
	return change_value(ctx, st, gid.resource, LDAP_MOD_DELETE, attr, value,
	                    "c1.connector.v2.GrantAlreadyRevoked", "revoke group membership from user");
}

/* ------------------------------------------------------------------------------------------ */
/* Roles                                                                                       */

static int emit_role(baton_ctx *ctx, lc_conn *c, LDAPMessage *e, void *arg)
{
	const baton_resource_type *rt = named_type(ctx, "Role", trait_role);
	const char *desc = value_in(ctx, c, e, "description");
	baton_resource *r;
	char *dn, *pj;
	json_t *profile;
	int rc;

	(void)arg;
	if (rt == NULL)
		return baton_error_last()->code;
	if ((dn = entry_dn(c, e)) == NULL)
		return baton_error_last()->code;
	profile = json_object();
	json_object_set_new(profile, "role_description", json_string(desc));
	json_object_set_new(profile, "path", json_string(dn));
	pj = json_dumps(profile, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(profile);
	rc = pj ? baton_role_resource_new(ctx, value_in(ctx, c, e, "cn"), rt, dn, &r) : oom();
	if (rc == 0)
		rc = baton_resource_set_profile_json(r, pj);
	free(pj);
	free(dn);
	return rc == 0 ? baton_ctx_emit_resource(ctx, r) : rc;
}

static int roles_list(baton_ctx *ctx, const baton_resource_id *parent)
{
	ldap_state *st = state_of(ctx);

	(void)parent;
	return list_paged(ctx, "role", st->role_dn, with_filter(ctx, st, ROLE_FILTER),
	                  (const char *const[]){"cn", "description", "objectClass", NULL}, emit_role, NULL, NULL);
}

static int roles_entitlements(baton_ctx *ctx, const baton_resource *resource)
{
	return member_entitlement(ctx, resource, "Role", "role");
}

static int roles_grants(baton_ctx *ctx, const baton_resource *resource)
{
	ldap_state *st = state_of(ctx);
	baton_resource_id rid = baton_resource_get_id(resource);
	LDAPMessage *res, *e;
	struct berval **vals;
	strmap seen = {0};
	int rc = lc_get(&st->aux, rid.resource, with_filter(ctx, st, ROLE_FILTER),
	                (const char *const[]){"roleOccupant", NULL}, &res, &e);

	if (rc != 0)
		return baton_error_set(rc, "ldap-connector: failed to list role members: %s", baton_error_last()->message);
	vals = ldap_get_values_len(st->aux.ld, e, "roleOccupant");
	for (size_t i = 0; vals != NULL && vals[i] != NULL && rc == 0; i++) {
		char *raw = strndup(vals[i]->bv_val, vals[i]->bv_len);
		char *dn = raw ? lc_dn_canonical(raw) : NULL;
		baton_resource_id pid;
		baton_grant *g;
		if (dn == NULL) {
			baton_ctx_log(ctx, BATON_LOG_WARN, "ldap-connector: invalid DN in role_members: '%s'; skipped",
			              raw ? raw : "");
			baton_error_clear();
			free(raw);
			continue;
		}
		free(raw);
		if (*dn == '\0') {
			/* the empty DN keeps a role without occupants (it names no entry); the Go
			 * connector makes it a grant to a user with an empty id */
			free(dn);
			continue;
		}
		if (!strmap_get(&seen, dn, NULL)) {
			pid.resource_type = "user";
			pid.resource = baton_ctx_strdup(ctx, dn);
			rc = strmap_put(&seen, dn, NULL) == 0 ? baton_grant_new(ctx, resource, "member", &pid, &g) : oom();
			if (rc == 0)
				rc = baton_ctx_emit_grant(ctx, g);
		}
		free(dn);
	}
	ldap_value_free_len(vals);
	ldap_msgfree(res);
	strmap_clear(&seen);
	return rc;
}

static int roles_grant(baton_ctx *ctx, const baton_resource *principal, const baton_entitlement *ent)
{
	ldap_state *st = state_of(ctx);
	baton_resource_id pid = baton_resource_get_id(principal);
	baton_resource_id rid = baton_resource_get_id(baton_entitlement_resource(ent));
	int rc = check_user_principal(&pid, "role", "granted");

	if (rc != 0)
		return rc;
	return change_value(ctx, st, rid.resource, LDAP_MOD_ADD, "roleOccupant", pid.resource,
	                    "c1.connector.v2.GrantAlreadyExists", "grant role membership to user");
}

static int roles_revoke(baton_ctx *ctx, const baton_grant *grant)
{
	ldap_state *st = state_of(ctx);
	baton_resource_id pid = baton_grant_principal_id(grant);
	baton_resource_id rid = baton_grant_resource_id(grant);
	int rc = check_user_principal(&pid, "role", "revoked");

	if (rc != 0)
		return rc;
	return change_value(ctx, st, rid.resource, LDAP_MOD_DELETE, "roleOccupant", pid.resource,
	                    "c1.connector.v2.GrantAlreadyRevoked", "revoke role membership from user");
}

/* ------------------------------------------------------------------------------------------ */
/* Actions                                                                                     */

/* Actions run on threads of their own: each opens its own connection. */
static int action_conn(baton_ctx *ctx, lc_conn *c)
{
	ldap_state *st = state_of(ctx);

	return lc_open(c, &st->opts);
}

static int create_ou(baton_ctx *ctx, const char *args_json)
{
	ldap_state *st = state_of(ctx);
	const char *name = NULL, *parent_arg = "", *desc = "";
	char *tname = NULL, *tdesc = NULL, *parent = NULL, *esc = NULL, *dn = NULL, *resp = NULL;
	LDAPMod m_oc, m_ou, m_desc, *mods[4];
	char *oc_vals[] = {(char *)"top", (char *)"organizationalUnit", NULL}, *ou_vals[2], *desc_vals[2];
	LDAPMessage *res, *e;
	lc_conn c = {0};
	json_t *out;
	int rc, lrc = 0, nm = 0;

	(void)args_json;
	rc = baton_ctx_action_arg_string(ctx, "name", &name);
	if (rc != 0)
		return baton_error_set(BATON_EINVALID, "ldap-connector: create_ou: %s", baton_error_last()->message);
	if (baton_ctx_action_arg_string(ctx, "parent_dn", &parent_arg) != 0)
		parent_arg = "";
	if (baton_ctx_action_arg_string(ctx, "description", &desc) != 0)
		desc = "";
	baton_error_clear();
	/* trim */
	while (isspace((unsigned char)*name))
		name++;
	tname = strdup(name);
	while (isspace((unsigned char)*desc))
		desc++;
	tdesc = strdup(desc);
	if (tname == NULL || tdesc == NULL) {
		rc = oom();
		goto done;
	}
	for (size_t n = strlen(tname); n > 0 && isspace((unsigned char)tname[n - 1]); n--)
		tname[n - 1] = '\0';
	for (size_t n = strlen(tdesc); n > 0 && isspace((unsigned char)tdesc[n - 1]); n--)
		tdesc[n - 1] = '\0';
	if (*tname == '\0') {
		rc = baton_error_set(BATON_EINVALID, "ldap-connector: create_ou: name is required");
		goto done;
	}
	if (st->base_dn == NULL || *st->base_dn == '\0') {
		rc = baton_error_set(BATON_EINVALID, "ldap-connector: create_ou: base-dn must be configured");
		goto done;
	}
	while (isspace((unsigned char)*parent_arg))
		parent_arg++;
	parent = *parent_arg ? lc_dn_canonical(parent_arg) : strdup(st->base_dn);
	if (parent == NULL) {
		rc = baton_error_set(BATON_EINVALID, "ldap-connector: create_ou: invalid parent_dn \"%s\"", parent_arg);
		goto done;
	}
	if (!lc_dn_within(parent, st->base_dn)) {
		rc = baton_error_set(BATON_EINVALID, "ldap-connector: create_ou: parent_dn \"%s\" is outside the "
		                     "configured base-dn \"%s\"", parent, st->base_dn);
		goto done;
	}
	if ((esc = lc_dn_escape_value(tname)) == NULL) {
		rc = oom();
		goto done;
	}
	if ((dn = malloc(strlen(esc) + strlen(parent) + 5)) == NULL) {
		rc = oom();
		goto done;
	}
	sprintf(dn, "ou=%s,%s", esc, parent);
	memset(&m_oc, 0, sizeof(m_oc));
	memset(&m_ou, 0, sizeof(m_ou));
	memset(&m_desc, 0, sizeof(m_desc));
	m_oc.mod_op = m_ou.mod_op = m_desc.mod_op = LDAP_MOD_ADD;
	m_oc.mod_type = (char *)"objectClass";
	m_oc.mod_values = oc_vals;
	ou_vals[0] = tname;
	ou_vals[1] = NULL;
	m_ou.mod_type = (char *)"ou";
	m_ou.mod_values = ou_vals;
	mods[nm++] = &m_oc;
	mods[nm++] = &m_ou;
	if (*tdesc) {
		desc_vals[0] = tdesc;
		desc_vals[1] = NULL;
		m_desc.mod_type = (char *)"description";
		m_desc.mod_values = desc_vals;
		mods[nm++] = &m_desc;
	}
	mods[nm] = NULL;
	if ((rc = action_conn(ctx, &c)) != 0)
		goto done;
	rc = lc_add(&c, dn, mods, &lrc);
	if (rc != 0 && lrc != LDAP_ALREADY_EXISTS) {
		rc = baton_error_set(rc, "ldap-connector: create_ou: failed to add ou \"%s\": %s", dn,
		                     baton_error_last()->message);
		goto done;
	}
	baton_error_clear();
	/* the entry must be there now, and be an OU (an existing entry of another kind is a failure) */
	rc = lc_get(&c, dn, "(objectClass=organizationalUnit)", (const char *const[]){"ou", NULL}, &res, &e);
	if (rc != 0) {
		rc = baton_error_set(rc, "ldap-connector: create_ou: ou \"%s\" was not created: %s", dn,
		                     baton_error_last()->message);
		goto done;
	}
	ldap_msgfree(res);
	out = json_pack("{s:b, s:s}", "success", 1, "ou_dn", dn);
	resp = out ? json_dumps(out, JSON_COMPACT) : NULL;
	json_decref(out);
	rc = resp ? baton_ctx_action_response_json(ctx, resp) : oom();
done:
	lc_close(&c);
	free(resp);
	free(dn);
	free(esc);
	free(parent);
	free(tname);
	free(tdesc);
	return rc;
}

static const char *const profile_args[][2] = {
	{"first_name", "givenName"}, {"last_name", "sn"}, {"display_name", "displayName"}, {"email", "mail"},
};

/* The RDN attribute types of a DN (lowercase), joined by ',' with a leading and trailing ','. */
static char *rdn_types(const char *dn)
{
	LDAPDN parsed = NULL;
	char buf[1024] = ",";

	if (ldap_str2dn(dn, &parsed, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS)
		return strdup(buf);
	for (int j = 0; parsed && parsed[0] && parsed[0][j]; j++) {
		size_t n = strlen(buf);
		snprintf(buf + n, sizeof(buf) - n, "%.*s,", (int)parsed[0][j]->la_attr.bv_len, parsed[0][j]->la_attr.bv_val);
	}
	ldap_dnfree(parsed);
	for (char *p = buf; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return strdup(buf);
}

static int cmp_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int update_profile(baton_ctx *ctx, const char *args_json)
{
	ldap_state *st = state_of(ctx);
	baton_resource_id uid;
	json_t *args = NULL, *custom, *v, *skipped = json_array(), *out = NULL;
	json_error_t jerr;
	const char **keys = NULL;
	const char *key;
	char *dn = NULL, *real = NULL, *types = NULL, *resp = NULL;
	/* the mask: attribute names and values, in order */
	const char *mask_attr[64], *mask_val[64];
	size_t n_mask = 0, n_keys = 0, applied = 0;
	LDAPMod mods_store[64], *mods[65];
	char *mod_vals[64][2];
	LDAPMessage *res = NULL, *e;
	lc_conn c = {0};
	baton_resource *updated = NULL;
	int rc, lrc = 0;
	size_t n_mods = 0;

	if (skipped == NULL)
		return oom();
	rc = baton_ctx_action_arg_resource_id(ctx, "user_id", &uid);
	if (rc != 0 || uid.resource == NULL || *uid.resource == '\0') {
		rc = baton_error_set(BATON_EINVALID, "ldap-connector: update_profile: user_id is required");
		goto done;
	}
	if (uid.resource_type != NULL && *uid.resource_type && strcmp(uid.resource_type, "user") != 0) {
		rc = baton_error_set(BATON_EINVALID, "ldap-connector: update_profile: user_id must reference a "
		                     "\"user\" resource, got \"%s\"", uid.resource_type);
		goto done;
	}
	args = json_loads(args_json, 0, &jerr);
	if (!json_is_object(args)) {
		rc = baton_error_set(BATON_EINVALID, "ldap-connector: update_profile: arguments are not an object");
		goto done;
	}
	/* named fields, in schema order */
	for (size_t i = 0; i < 4; i++) {
		v = json_object_get(args, profile_args[i][0]);
		if (v == NULL || json_is_null(v))
			continue;
		if (!json_is_string(v)) {
			rc = baton_error_set(BATON_EINVALID, "ldap-connector: update_profile: argument \"%s\" must be a "
			                     "string value", profile_args[i][0]);
			goto done;
		}
		if (*json_string_value(v) == '\0') {
			json_array_append_new(skipped, json_string(profile_args[i][0]));
			continue;
		}
		mask_attr[n_mask] = profile_args[i][1];
		mask_val[n_mask++] = json_string_value(v);
	}
	/* custom attributes, sorted by key; reserved names are dropped and reported */
	custom = json_object_get(args, "custom_attributes");
	if (custom != NULL && !json_is_null(custom)) {
		if (!json_is_object(custom)) {
			rc = baton_error_set(BATON_EINVALID, "ldap-connector: update_profile: custom_attributes must be a struct");
			goto done;
		}
		keys = calloc(json_object_size(custom) + 1, sizeof(*keys));
		if (keys == NULL) {
			rc = oom();
			goto done;
		}
		json_object_foreach(custom, key, v) {
			if (!json_is_string(v)) {
				rc = baton_error_set(BATON_EINVALID, "ldap-connector: update_profile: custom_attributes entry "
				                     "\"%s\" must be a string value", key);
				goto done;
			}
			keys[n_keys++] = key;
		}
		qsort(keys, n_keys, sizeof(*keys), cmp_keys);
		for (size_t i = 0; i < n_keys; i++) {
			bool reserved = false;
			for (size_t k = 0; k < 4 && !reserved; k++)
				reserved = strcasecmp(keys[i], profile_args[k][0]) == 0;
			for (size_t k = 0; k < n_mask && !reserved; k++)
				reserved = strcasecmp(keys[i], mask_attr[k]) == 0;
			if (reserved) {
				json_array_append_new(skipped, json_string(keys[i]));
				continue;
			}
			if (n_mask == 64) {
				rc = baton_error_set(BATON_EINVALID, "ldap-connector: update_profile: too many attributes");
				goto done;
			}
			mask_attr[n_mask] = keys[i];
			mask_val[n_mask++] = json_string_value(json_object_get(custom, keys[i]));
		}
	}
	/* the target: in the user search scope, and a user */
	dn = lc_dn_canonical(uid.resource);
	if (dn == NULL) {
		rc = baton_error_set(BATON_EINVALID, "ldap-connector: update_profile: invalid resource_id \"%s\"",
		                     uid.resource);
		goto done;
	}
	if (!lc_dn_within(dn, st->user_dn)) {
		rc = baton_error_set(BATON_ENOTFOUND, "ldap-connector: update_profile: user not found");
		goto done;
	}
	if ((rc = action_conn(ctx, &c)) != 0)
		goto done;
	rc = lc_get(&c, dn, USER_FILTER, user_attrs_all, &res, &e);
	if (rc == BATON_ENOTFOUND) {
		rc = baton_error_set(BATON_ENOTFOUND, "ldap-connector: update_profile: user not found");
		goto done;
	}
	if (rc != 0) {
		rc = baton_error_set(rc, "ldap-connector: update_profile: failed to look up user \"%s\": %s", dn,
		                     baton_error_last()->message);
		goto done;
	}
	real = ldap_get_dn(c.ld, e);
	types = rdn_types(dn);
	for (size_t i = 0; i < n_mask; i++) {
		char probe[300];
		struct berval **cur;
		size_t ncur = 0;
		bool dup = false;
		if (contains_ci(mask_attr[i], "password")) {
			rc = baton_error_set(BATON_EINVALID, "ldap-connector: update_profile: attribute \"%s\" cannot be "
			                     "modified via update_profile; use credential rotation instead", mask_attr[i]);
			goto done;
		}
		if (strcasecmp(mask_attr[i], "objectClass") == 0) {
			rc = baton_error_set(BATON_EINVALID, "ldap-connector: update_profile: attribute \"%s\" cannot be "
			                     "modified via update_profile", mask_attr[i]);
			goto done;
		}
		snprintf(probe, sizeof(probe), ",%s,", mask_attr[i]);
		for (char *p = probe; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		if (types != NULL && strstr(types, probe) != NULL) {
			json_array_append_new(skipped, json_string(mask_attr[i]));
			continue;
		}
		for (size_t k = 0; k < i && !dup; k++)
			dup = strcasecmp(mask_attr[k], mask_attr[i]) == 0;
		if (dup) {
			json_array_append_new(skipped, json_string(mask_attr[i]));
			continue;
		}
		cur = ldap_get_values_len(c.ld, e, mask_attr[i]);
		while (cur != NULL && cur[ncur] != NULL)
			ncur++;
		if (*mask_val[i] == '\0') {
			ldap_value_free_len(cur);
			if (ncur == 0)
				continue;
			memset(&mods_store[n_mods], 0, sizeof(mods_store[n_mods]));
			mods_store[n_mods].mod_op = LDAP_MOD_REPLACE;
			mods_store[n_mods].mod_type = (char *)mask_attr[i];
			mods_store[n_mods].mod_values = NULL;
			mods[n_mods] = &mods_store[n_mods];
			n_mods++;
			continue;
		}
		if (ncur > 1) {
			ldap_value_free_len(cur);
			rc = baton_error_set(BATON_EINVALID, "ldap-connector: update_profile: attribute \"%s\" has %zu "
			                     "existing values; refusing to replace them with a single value via "
			                     "update_profile (clear the attribute first if this is intentional)",
			                     mask_attr[i], ncur);
			goto done;
		}
		if (ncur == 1 && cur[0]->bv_len == strlen(mask_val[i]) &&
		    memcmp(cur[0]->bv_val, mask_val[i], cur[0]->bv_len) == 0) {
			ldap_value_free_len(cur);
			continue;
		}
		ldap_value_free_len(cur);
		memset(&mods_store[n_mods], 0, sizeof(mods_store[n_mods]));
		mod_vals[n_mods][0] = (char *)mask_val[i];
		mod_vals[n_mods][1] = NULL;
		mods_store[n_mods].mod_op = LDAP_MOD_REPLACE;
		mods_store[n_mods].mod_type = (char *)mask_attr[i];
		mods_store[n_mods].mod_values = mod_vals[n_mods];
		mods[n_mods] = &mods_store[n_mods];
		n_mods++;
	}
	mods[n_mods] = NULL;
	ldap_msgfree(res);
	res = NULL;
	if (n_mods > 0) {
		rc = lc_modify(&c, real ? real : dn, mods, &lrc);
		if (rc != 0) {
			rc = baton_error_set(rc, "ldap-connector: update_profile: failed to modify user \"%s\": %s", dn,
			                     baton_error_last()->message);
			goto done;
		}
		applied = n_mods;
	}
	out = json_pack("{s:b, s:I, s:O}", "success", 1, "applied", (json_int_t)applied, "skipped", skipped);
	/* best effort: the user as it is now */
	if (out != NULL && read_user(ctx, &c, st, dn, &updated) == 0 && updated != NULL) {
		char *rj = NULL;
		if (baton_resource_to_json(updated, ctx, &rj) == 0) {
			json_t *rv = json_loads(rj, 0, &jerr);
			if (rv != NULL)
				json_object_set_new(out, "updated_user", rv);
		}
	}
	baton_error_clear();
	resp = out ? json_dumps(out, JSON_COMPACT) : NULL;
	rc = resp ? baton_ctx_action_response_json(ctx, resp) : oom();
done:
	if (res != NULL)
		ldap_msgfree(res);
	lc_close(&c);
	ldap_memfree(real);
	free(types);
	free(resp);
	free(dn);
	free(keys);
	json_decref(out);
	json_decref(skipped);
	json_decref(args);
	return rc;
}

static const baton_action_field create_ou_args[] = {
	{.name = "name", .kind = BATON_ACTION_FIELD_STRING, .display_name = "Name",
	 .description = "The OU name (used as the ou attribute and RDN).", .required = true},
	{.name = "parent_dn", .kind = BATON_ACTION_FIELD_STRING, .display_name = "Parent DN",
	 .description = "The container DN under which to create the OU. Defaults to the configured base DN if empty."},
	{.name = "description", .kind = BATON_ACTION_FIELD_STRING, .display_name = "Description",
	 .description = "Optional description attribute for the OU."},
};
static const baton_action_field create_ou_returns[] = {
	{.name = "ou_dn", .kind = BATON_ACTION_FIELD_STRING, .display_name = "OU DN",
	 .description = "The distinguished name of the created OU."},
	{.name = "success", .kind = BATON_ACTION_FIELD_BOOL, .display_name = "Success"},
};
static const baton_action_type create_ou_types[] = {BATON_ACTION_TYPE_RESOURCE_CREATE};
static const baton_action create_ou_action = {
	.version = BATON_ACTION_VERSION,
	.name = "create_ou",
	.display_name = "Create Organizational Unit",
	.description = "Create an LDAP organizational unit (OU) under a parent container within the configured base DN.",
	.action_types = create_ou_types, .n_action_types = 1,
	.arguments = create_ou_args, .n_arguments = 3,
	.return_types = create_ou_returns, .n_return_types = 2,
	.invoke = create_ou,
};

static const baton_action_field update_profile_args[] = {
	{.name = "user_id", .kind = BATON_ACTION_FIELD_RESOURCE_ID, .display_name = "User",
	 .description = "The user to update.", .required = true},
	{.name = "first_name", .kind = BATON_ACTION_FIELD_STRING, .display_name = "First Name",
	 .description = "The user's first (given) name. Ignored if empty."},
	{.name = "last_name", .kind = BATON_ACTION_FIELD_STRING, .display_name = "Last Name",
	 .description = "The user's last (surname) name. Ignored if empty."},
	{.name = "display_name", .kind = BATON_ACTION_FIELD_STRING, .display_name = "Display Name",
	 .description = "The user's display name. Ignored if empty."},
	{.name = "email", .kind = BATON_ACTION_FIELD_STRING, .display_name = "Email",
	 .description = "The user's email address. Ignored if empty."},
	{.name = "custom_attributes", .kind = BATON_ACTION_FIELD_STRING_MAP, .display_name = "Custom Attributes",
	 .description = "LDAP attribute name to value, written verbatim; an empty value clears the attribute."},
};
static const baton_action_field update_profile_returns[] = {
	{.name = "success", .kind = BATON_ACTION_FIELD_BOOL, .display_name = "Success"},
	{.name = "updated_user", .kind = BATON_ACTION_FIELD_RESOURCE, .display_name = "Updated User",
	 .description = "The user after the update (absent when reading it back failed)."},
	{.name = "applied", .kind = BATON_ACTION_FIELD_INT, .display_name = "Applied",
	 .description = "The number of attributes modified."},
	{.name = "skipped", .kind = BATON_ACTION_FIELD_STRING_LIST, .display_name = "Skipped",
	 .description = "Fields or attributes that were not written."},
};
static const baton_action_type update_profile_types[] = {BATON_ACTION_TYPE_ACCOUNT_UPDATE_PROFILE};
static const baton_action update_profile_action = {
	.version = BATON_ACTION_VERSION,
	.name = "update_profile",
	.display_name = "Update User Profile",
	.description = "Set first name, last name, display name, email and/or custom LDAP attributes on an "
	               "existing user. Password, objectClass and RDN attributes cannot be changed this way.",
	.action_types = update_profile_types, .n_action_types = 1,
	.resource_type_id = "user",
	.arguments = update_profile_args, .n_arguments = 6,
	.return_types = update_profile_returns, .n_return_types = 4,
	.invoke = update_profile,
};

static const baton_action *const actions[] = {&create_ou_action, &update_profile_action};

/* ------------------------------------------------------------------------------------------ */
/* Configuration, init, validate                                                               */

static const char *const url_domain[] = {"url", "domain"};
static const baton_constraint constraints[] = {
	{.kind = BATON_CONSTRAINT_MUTUALLY_EXCLUSIVE, .fields = url_domain, .n_fields = 2},
	{.kind = BATON_CONSTRAINT_AT_LEAST_ONE, .fields = url_domain, .n_fields = 2},
};

static const baton_field fields[] = {
	{.name = "url", .description = "The URL to connect to. Example: \"ldaps://baton.example.com\""},
	{.name = "domain", .flags = BATON_FIELD_HIDDEN,
	 .description = "The fully-qualified LDAP domain to connect to. Example: \"baton.example.com\" (deprecated, use url"},
	{.name = "base-dn", .description = "The base DN to search from. Example: \"DC=baton,DC=example,DC=com\""},
	{.name = "password", .flags = BATON_FIELD_SECRET, .description = "The password to bind to the LDAP server"},
	{.name = "user-dn", .flags = BATON_FIELD_HIDDEN,
	 .description = "The user DN to bind to the LDAP server (deprecated, use user-bind-dn)"},
	{.name = "bind-dn", .description = "The user DN to bind to the LDAP server"},
	{.name = "user-search-dn",
	 .description = "The DN to search for users under. Example: 'OU=Users,DC=baton,DC=example,DC=com'"},
	{.name = "group-search-dn",
	 .description = "The DN to search for groups under. Example: 'OU=Groups,DC=baton,DC=example,DC=com'"},
	{.name = "role-search-dn",
	 .description = "The DN to search for roles under. Example: 'OU=Roles,DC=baton,DC=example,DC=com'"},
	{.name = "insecure-skip-verify", .kind = BATON_FIELD_BOOL,
	 .description = "If connecting over TLS, skip verifying the server certificate"},
	{.name = "disable-operational-attrs", .kind = BATON_FIELD_BOOL,
	 .description = "Disable fetching operational attributes. Some LDAP servers don't support these. If "
	                "disabled, created_at and last login info will not be fetched"},
	{.name = "filter",
	 .description = "An optional filter to add to all LDAP searches. Example: '(!(objectClass=computer))' will "
	                "exclude all entries with a computer object class"},
	/* libbaton additions (not in the Go connector's schema, but settable from ConductorOne too: a
	 * CLI_ONLY field would be out of reach of a hosted connector) */
	{.name = "page-size", .kind = BATON_FIELD_INT, .default_value = "50",
	 .min = 1, .max = 10000,
	 .description = "Entries per page of the paged searches (RFC 2696 simple paged results)"},
	{.name = "start-tls", .kind = BATON_FIELD_BOOL,
	 .description = "Upgrade an ldap:// connection with StartTLS (required to succeed)"},
	{.name = "ca-cert-file",
	 .description = "A PEM file of CA certificates to verify the server's certificate with"},
};

static const baton_config_schema schema = {
	.version = BATON_CONFIG_SCHEMA_VERSION,
	.fields = fields, .n_fields = sizeof(fields) / sizeof(fields[0]),
	.constraints = constraints, .n_constraints = 2,
};

static void state_free(ldap_state *st)
{
	if (st == NULL)
		return;
	lc_close(&st->list);
	lc_close(&st->aux);
	strmap_clear(&st->uid2dn);
	free(st->url);
	free(st->bind_dn);
	free(st->base_dn);
	free(st->user_dn);
	free(st->group_dn);
	free(st->role_dn);
	free(st->filter);
	free(st);
}

static void ldap_close_cb(void *userdata)
{
	state_free(userdata);
}

/* A search DN: canonical, defaulting to the base DN. */
static int search_dn(const char *value, const char *base, const char *name, char **out)
{
	*out = value && *value ? lc_dn_canonical(value) : strdup(base);
	if (*out == NULL)
		return baton_error_set(BATON_EINVALID, "error parsing %s: %s", name, baton_error_last()->message);
	return 0;
}

static int ldap_init_cb(baton_ctx *ctx, void **userdata)
{
	ldap_settings s;
	ldap_state *st;
	int rc;

	if (ldap_settings_override != NULL) {
		s = *ldap_settings_override;
	} else {
		const char *domain = baton_ctx_config_string(ctx, "domain");
		const char *user_dn = baton_ctx_config_string(ctx, "user-dn");
		memset(&s, 0, sizeof(s));
		s.url = baton_ctx_config_string(ctx, "url");
		if (*s.url == '\0' && *domain != '\0')
			s.url = baton_ctx_sprintf(ctx, "ldap://%s", domain);
		s.bind_dn = baton_ctx_config_string(ctx, "bind-dn");
		if (*s.bind_dn == '\0')
			s.bind_dn = user_dn;
		s.password = baton_ctx_config_string(ctx, "password");
		s.base_dn = baton_ctx_config_string(ctx, "base-dn");
		s.user_search_dn = baton_ctx_config_string(ctx, "user-search-dn");
		s.group_search_dn = baton_ctx_config_string(ctx, "group-search-dn");
		s.role_search_dn = baton_ctx_config_string(ctx, "role-search-dn");
		s.filter = baton_ctx_config_string(ctx, "filter");
		s.page_size = (int)baton_ctx_config_int(ctx, "page-size");
		s.start_tls = baton_ctx_config_bool(ctx, "start-tls");
		s.insecure_skip_verify = baton_ctx_config_bool(ctx, "insecure-skip-verify");
		s.ca_cert_file = baton_ctx_config_string(ctx, "ca-cert-file");
		s.disable_operational_attrs = baton_ctx_config_bool(ctx, "disable-operational-attrs");
	}
	if (s.url == NULL || *s.url == '\0')
		return baton_error_set(BATON_EINVALID, "missing server URL");
	if (strncasecmp(s.url, "ldap://", 7) != 0 && strncasecmp(s.url, "ldaps://", 8) != 0) {
		const char *colon = strstr(s.url, "://");
		return baton_error_set(BATON_EINVALID, "unsupported scheme: %.*s",
		                       colon ? (int)(colon - s.url) : (int)strlen(s.url), s.url);
	}
	if (s.start_tls && strncasecmp(s.url, "ldaps://", 8) == 0)
		return baton_error_set(BATON_EINVALID, "start-tls is for ldap:// URLs; ldaps:// is TLS already");
	if (s.bind_dn == NULL || *s.bind_dn == '\0')
		return baton_error_set(BATON_EINVALID, "missing bind-dn");
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return oom();
	st->s = s;
	st->url = strdup(s.url);
	st->bind_dn = lc_dn_canonical(s.bind_dn);
	if (st->url == NULL || st->bind_dn == NULL) {
		rc = baton_error_set(BATON_EINVALID, "error parsing bind-dn: %s", baton_error_last()->message);
		goto fail;
	}
	st->base_dn = lc_dn_canonical(s.base_dn ? s.base_dn : "");
	if (st->base_dn == NULL) {
		rc = baton_error_set(BATON_EINVALID, "error parsing base-dn: %s", baton_error_last()->message);
		goto fail;
	}
	if ((rc = search_dn(s.user_search_dn, st->base_dn, "user-search-dn", &st->user_dn)) != 0 ||
	    (rc = search_dn(s.group_search_dn, st->base_dn, "group-search-dn", &st->group_dn)) != 0 ||
	    (rc = search_dn(s.role_search_dn, st->base_dn, "role-search-dn", &st->role_dn)) != 0)
		goto fail;
	if (s.filter != NULL && *s.filter != '\0') {
		size_t n = strlen(s.filter);
		st->filter = malloc(n + 3);
		if (st->filter == NULL) {
			rc = oom();
			goto fail;
		}
		if (s.filter[0] == '(')
			memcpy(st->filter, s.filter, n + 1);
		else
			snprintf(st->filter, n + 3, "(%s)", s.filter);
	}
	if (s.password == NULL || *s.password == '\0')
		baton_ctx_log(ctx, BATON_LOG_WARN, "No password supplied. Will try an unauthenticated bind");
	st->s.url = st->url;
	st->opts.url = st->url;
	st->opts.bind_dn = s.bind_dn;
	st->opts.password = s.password;
	st->opts.start_tls = s.start_tls;
	st->opts.insecure_skip_verify = s.insecure_skip_verify;
	st->opts.ca_cert_file = s.ca_cert_file;
	baton_ctx_log(ctx, BATON_LOG_DEBUG, "creating new LDAP connector: server_url=%s bind_dn=%s", st->url, st->bind_dn);
	/* connect now, as the Go connector does: a wrong URL or password fails at once */
	if ((rc = lc_open(&st->aux, &st->opts)) != 0)
		goto fail;
	st->list.opts = st->opts;
	*userdata = st;
	return 0;
fail:
	state_free(st);
	return rc;
}

static int ldap_validate_cb(baton_ctx *ctx)
{
	ldap_state *st = state_of(ctx);
	lc_page page;
	int rc = lc_search_page(&st->aux, "", LDAP_SCOPE_BASE, "(objectClass=*)", (const char *const[]){"1.1", NULL},
	                        NULL, 0, &page, NULL);

	if (rc != 0)
		return baton_error_set(rc, "ldap-connector: failed to validate connection: %s", baton_error_last()->message);
	lc_page_free(&page);
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* The connector                                                                               */

static const baton_resource_syncer user_syncer = {
	.version = BATON_RESOURCE_SYNCER_VERSION,
	.name = "User", .id = "user", .traits = trait_user, .n_traits = 1,
	.describe = users_describe,
	.list = users_list,
	.get = users_get,
	.delete_resource = users_delete,
	.create_account = users_create_account, .create_account_details = &create_details,
	.rotate_credentials = users_rotate, .rotate_details = &rotate_details,
};

static const baton_resource_syncer group_syncer = {
	.version = BATON_RESOURCE_SYNCER_VERSION,
	.name = "Group", .id = "group", .traits = trait_group, .n_traits = 1,
	.list = groups_list,
	.entitlements = groups_entitlements,
	.grants = groups_grants,
	.get = groups_get,
	.grant = groups_grant, .revoke = groups_revoke,
};

static const baton_resource_syncer role_syncer = {
	.version = BATON_RESOURCE_SYNCER_VERSION,
	.name = "Role", .id = "role", .traits = trait_role, .n_traits = 1,
	.list = roles_list,
	.entitlements = roles_entitlements,
	.grants = roles_grants,
	.grant = roles_grant, .revoke = roles_revoke,
};

static const baton_resource_syncer *const syncers[] = {&user_syncer, &group_syncer, &role_syncer};

const baton_connector ldap_connector = {
	.version = BATON_CONNECTOR_VERSION,
	.display_name = "LDAP",
	.description = "LDAP connector for Baton",
	.init = ldap_init_cb,
	.close = ldap_close_cb,
	.validate = ldap_validate_cb,
	.resource_types = syncers, .n_resource_types = 3,
	.config = &schema,
	.actions = actions, .n_actions = 2,
};
