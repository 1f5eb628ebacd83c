/*
 * baton-file: the loaded document as resource types, resources, entitlements and grants.
 *
 * The rules are upstream baton-file's (pkg/connector/cache.go and syncers.go there):
 *  - users[] are resources of the type "user" (TRAIT_USER), which exists when there are users;
 *  - resources[] give their type: `resource_type` lower-cased is the id, title-cased the name,
 *    and the first row's `resource_function` (user, group, role, app, secret) the trait;
 *  - names are resource ids, unique over users and resources together;
 *  - entitlements[] are assignment entitlements keyed "<resource name>:<slug>";
 *  - grants[] grant an entitlement to a principal named by its resource name, or by an
 *    entitlement key ("team:member": the resource of that entitlement, whose members then hold
 *    the granted entitlement too, through GrantExpandable, unless the resource is a user or app).
 * Rows upstream skips with a log line are skipped here with a warning.
 */
#include "file.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GROW(arr, n, cap)                                                         \
	((n) < (cap) ? 0 : grow_array((void **)&(arr), &(cap), sizeof(*(arr))))

static int grow_array(void **arr, size_t *cap, size_t elem)
{
	size_t ncap = *cap ? *cap * 2 : 8;
	void *na = realloc(*arr, ncap * elem);

	if (na == NULL)
		return baton_error_set(BATON_EEXHAUSTED, "out of memory");
	*arr = na;
	*cap = ncap;
	return 0;
}

static char *dup_printf(const char *fmt, ...) BATON_PRINTF(1, 2);
static char *dup_printf(const char *fmt, ...)
{
	va_list ap;
	int n;
	char *s;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (s = malloc((size_t)n + 1)) == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

typedef struct loader {
	file_model *m;
	size_t cap_types, cap_resources, cap_entitlements, cap_grants, cap_warnings;
	json_t *by_name;   /* resource name -> index in m->resources */
	json_t *by_key;    /* "<resource name>:<slug>" -> index in m->entitlements */
	json_t *by_grant;  /* grant id -> 1 */
} loader;

static void warn(loader *l, const char *fmt, ...) BATON_PRINTF(2, 3);
static void warn(loader *l, const char *fmt, ...)
{
	va_list ap;
	char buf[1024];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (GROW(l->m->warnings, l->m->n_warnings, l->cap_warnings) == 0) {
		char *w = strdup(buf);
		if (w)
			l->m->warnings[l->m->n_warnings++] = w;
	}
}

/* Where a row came from, for messages: "users[3]" or "users.csv line 4". */
static void row_where(const loader *l, const char *table, size_t i, json_t *row, char *buf,
                      size_t size)
{
	json_t *line = json_object_get(row, "_line");
	const char *csv = !strcmp(table, "users") ? l->m->users_csv : l->m->grants_csv;

	if (json_is_integer(line))
		snprintf(buf, size, "%s line %lld", csv && *csv ? csv : l->m->input,
		         (long long)json_integer_value(line));
	else
		snprintf(buf, size, "%s: %s[%zu]", l->m->input, table, i);
}

/*
 * A text field of a row: "" when absent or null. A number or boolean is taken as its text (YAML
 * gives those for unquoted values); anything else is an error. The returned string belongs to
 * the document.
 */
static int text(json_t *row, const char *key, const char *where, const char **out)
{
	json_t *v = json_object_get(row, key);
	char buf[64];

	*out = "";
	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_string(v)) {
		*out = json_string_value(v);
		return 0;
	}
	if (json_is_integer(v))
		snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
	else if (json_is_boolean(v))
		snprintf(buf, sizeof(buf), "%s", json_is_true(v) ? "true" : "false");
	else
		return baton_error_set(BATON_EINVALID, "%s: \"%s\" must be a text value", where, key);
	if (json_object_set_new(row, key, json_string(buf)) != 0)
		return baton_error_set(BATON_EEXHAUSTED, "out of memory");
	*out = json_string_value(json_object_get(row, key));
	return 0;
}

/* The rows of a top-level key: an array of objects, or nothing. */
static int table_rows(loader *l, const char *key, json_t **rows)
{
	json_t *a = json_object_get(l->m->doc, key);

	*rows = NULL;
	if (a == NULL || json_is_null(a))
		return 0;
	if (!json_is_array(a))
		return baton_error_set(BATON_EINVALID, "%s: \"%s\" must be a list", l->m->input, key);
	for (size_t i = 0; i < json_array_size(a); i++)
		if (!json_is_object(json_array_get(a, i)))
			return baton_error_set(BATON_EINVALID, "%s: %s[%zu] must be a mapping", l->m->input,
			                       key, i);
	*rows = a;
	return 0;
}

static char *lower_dup(const char *s)
{
	char *d = strdup(s);

	for (char *p = d; p && *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return d;
}

/* Title case, as upstream's cases.Title: the first letter of each word upper-cased. */
static char *title_dup(const char *s)
{
	char *d = strdup(s);
	bool start = true;

	for (char *p = d; p && *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (isalpha(c) && start)
			*p = (char)toupper(c);
		start = !(isalnum(c) || c == '_' || c == '\'' || c >= 0x80);
	}
	return d;
}

static baton_trait trait_of(const char *function, bool *known)
{
	static const struct {
		const char *name;
		baton_trait trait;
	} map[] = {
		{"user", BATON_TRAIT_USER}, {"group", BATON_TRAIT_GROUP}, {"role", BATON_TRAIT_ROLE},
		{"app", BATON_TRAIT_APP}, {"secret", BATON_TRAIT_SECRET},
	};
	char *f = lower_dup(function);

	*known = false;
	for (size_t i = 0; f && i < sizeof(map) / sizeof(map[0]); i++) {
		if (!strcmp(f, map[i].name)) {
			free(f);
			*known = true;
			return map[i].trait;
		}
	}
	free(f);
	return BATON_TRAIT_UNSPECIFIED;
}

file_type *file_model_type(const file_model *m, const char *id)
{
	for (size_t i = 0; i < m->n_types; i++)
		if (!strcmp(m->types[i]->id, id))
			return m->types[i];
	return NULL;
}

static int add_type(loader *l, const char *id, baton_trait trait, file_type **out)
{
	file_model *m = l->m;
	file_type *t;
	int rc;

	if ((rc = GROW(m->types, m->n_types, l->cap_types)) != 0)
		return rc;
	if ((t = calloc(1, sizeof(*t))) == NULL || (t->id = strdup(id)) == NULL ||
	    (t->name = title_dup(id)) == NULL) {
		if (t)
			free(t->id);
		free(t);
		return baton_error_set(BATON_EEXHAUSTED, "out of memory");
	}
	t->trait = trait;
	/* "user" comes first, the others in order of first appearance */
	if (!strcmp(id, "user")) {
		memmove(m->types + 1, m->types, m->n_types * sizeof(*m->types));
		m->types[0] = t;
	} else {
		m->types[m->n_types] = t;
	}
	m->n_types++;
	*out = t;
	return 0;
}

static int add_resource(loader *l, const char *name, file_type *t, file_resource **out)
{
	file_model *m = l->m;
	file_resource *r;
	int rc;

	if ((rc = GROW(m->resources, m->n_resources, l->cap_resources)) != 0)
		return rc;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return baton_error_set(BATON_EEXHAUSTED, "out of memory");
	r->name = name;
	r->type = t;
	json_object_set_new(l->by_name, name, json_integer((json_int_t)m->n_resources));
	m->resources[m->n_resources++] = r;
	*out = r;
	return 0;
}

static file_resource *find_resource(loader *l, const char *name)
{
	json_t *v = json_object_get(l->by_name, name);

	return v ? l->m->resources[json_integer_value(v)] : NULL;
}

static file_entitlement *find_entitlement(loader *l, const char *key)
{
	json_t *v = json_object_get(l->by_key, key);

	return v ? l->m->entitlements[json_integer_value(v)] : NULL;
}

/* "MM/DD/YYYY" (Go's layout "01/02/2006") as midnight UTC. */
static bool parse_last_login(const char *s, baton_timestamp *t)
{
	int mo, d, y;

	if (strlen(s) != 10 || s[2] != '/' || s[5] != '/')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 2 && i != 5 && !isdigit((unsigned char)s[i]))
			return false;
	mo = (s[0] - '0') * 10 + (s[1] - '0');
	d = (s[3] - '0') * 10 + (s[4] - '0');
	y = atoi(s + 6);
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap))
		return false;
	/* days from civil (Howard Hinnant's algorithm) */
	int yy = y - (mo <= 2);
	int era = yy / 400;
	int yoe = yy - era * 400;
	int doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	int64_t days = (int64_t)era * 146097 + doe - 719468;
	t->seconds = days * 86400;
	t->nanos = 0;
	return true;
}

static int load_user(loader *l, file_type **user_type, json_t *row, const char *where)
{
	const char *name, *display, *email, *status, *last_login, *type;
	file_resource *r;
	int rc;

	if ((rc = text(row, "name", where, &name)) || (rc = text(row, "display_name", where, &display)) ||
	    (rc = text(row, "email", where, &email)) || (rc = text(row, "status", where, &status)) ||
	    (rc = text(row, "last_login", where, &last_login)) || (rc = text(row, "type", where, &type)))
		return rc;
	if (!*name) {
		warn(l, "%s: skipping a user with an empty name", where);
		return 0;
	}
	if (find_resource(l, name)) {
		warn(l, "%s: skipping user %s: the name is already used", where, name);
		return 0;
	}
	if (*user_type == NULL && (rc = add_type(l, "user", BATON_TRAIT_USER, user_type)) != 0)
		return rc;
	if ((rc = add_resource(l, name, *user_type, &r)) != 0)
		return rc;
	r->is_user = true;
	r->display_name = *display ? display : name;
	r->email = email;

	char *s = lower_dup(status);
	r->status = BATON_STATUS_ENABLED;
	if (s && (!strcmp(s, "disabled") || !strcmp(s, "inactive") || !strcmp(s, "suspended")))
		r->status = BATON_STATUS_DISABLED;
	else if (s && *s && strcmp(s, "enabled") && strcmp(s, "active"))
		warn(l, "%s: user %s: unknown status \"%s\", taken as enabled", where, name, status);
	free(s);

	s = lower_dup(type);
	r->account_type = BATON_ACCOUNT_TYPE_HUMAN;
	if (s && (!strcmp(s, "service") || !strcmp(s, "system") || !strcmp(s, "bot") ||
	          !strcmp(s, "machine")))
		r->account_type = BATON_ACCOUNT_TYPE_SERVICE;
	else if (s && *s && strcmp(s, "human") && strcmp(s, "user") && strcmp(s, "person"))
		warn(l, "%s: user %s: unknown type \"%s\", taken as human", where, name, type);
	free(s);

	if (*last_login) {
		if (parse_last_login(last_login, &r->last_login))
			r->has_last_login = true;
		else
			warn(l, "%s: user %s: last_login \"%s\" is not MM/DD/YYYY, left out", where, name,
			     last_login);
	}

	json_t *profile = json_object_get(row, "profile");
	if (profile != NULL && !json_is_null(profile)) {
		if (!json_is_object(profile))
			return baton_error_set(BATON_EINVALID, "%s: \"profile\" must be a mapping", where);
		if (json_object_size(profile) > 0 &&
		    (r->profile_json = json_dumps(profile, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
			return baton_error_set(BATON_EEXHAUSTED, "out of memory");
	}
	return 0;
}

static int load_resource(loader *l, file_type **user_type, json_t *row, const char *where)
{
	const char *rtype, *function, *name, *display, *description, *parent;
	file_resource *r;
	file_type *t;
	int rc;

	if ((rc = text(row, "resource_type", where, &rtype)) ||
	    (rc = text(row, "resource_function", where, &function)) ||
	    (rc = text(row, "name", where, &name)) || (rc = text(row, "display_name", where, &display)) ||
	    (rc = text(row, "description", where, &description)) ||
	    (rc = text(row, "parent_resource", where, &parent)))
		return rc;
	if (!*name) {
		warn(l, "%s: skipping a resource with an empty name", where);
		return 0;
	}
	if (!*rtype) {
		warn(l, "%s: skipping resource %s: no resource_type", where, name);
		return 0;
	}
	if (find_resource(l, name)) {
		warn(l, "%s: skipping resource %s: the name is already used", where, name);
		return 0;
	}
	char *id = lower_dup(rtype);
	if (id == NULL)
		return baton_error_set(BATON_EEXHAUSTED, "out of memory");
	if (!strcmp(id, "user")) {
		/* a user given as a resource row: a user with default attributes */
		free(id);
		if (*user_type == NULL && (rc = add_type(l, "user", BATON_TRAIT_USER, user_type)) != 0)
			return rc;
		t = *user_type;
	} else if ((t = file_model_type(l->m, id)) == NULL) {
		bool known;
		baton_trait trait = trait_of(function, &known);
		if (!known)
			warn(l, "%s: resource type %s: resource_function \"%s\" is none of user, group, "
			     "role, app, secret: no trait", where, id, function);
		rc = add_type(l, id, trait, &t);
		free(id);
		if (rc)
			return rc;
	} else {
		free(id);
	}
	if ((rc = add_resource(l, name, t, &r)) != 0)
		return rc;
	r->display_name = *display ? display : name;
	r->description = description;
	r->is_user = t->trait == BATON_TRAIT_USER;
	r->status = BATON_STATUS_ENABLED;
	r->account_type = BATON_ACCOUNT_TYPE_HUMAN;
	r->parent_name = parent; /* resolved once every resource is known */
	return 0;
}

static int push_child(file_resource *p, file_resource *c)
{
	int rc = GROW(p->children, p->n_children, p->cap_children);
	if (rc == 0)
		p->children[p->n_children++] = c;
	return rc;
}

static int load_entitlement(loader *l, json_t *row, const char *where)
{
	file_model *m = l->m;
	const char *rname, *slug, *display, *description;
	file_entitlement *e;
	file_resource *r;
	int rc;

	if ((rc = text(row, "resource_name", where, &rname)) || (rc = text(row, "entitlement", where, &slug)) ||
	    (rc = text(row, "display_name", where, &display)) ||
	    (rc = text(row, "description", where, &description)))
		return rc;
	if (!*rname || !*slug) {
		warn(l, "%s: skipping an entitlement without %s", where, !*rname ? "resource_name" : "entitlement");
		return 0;
	}
	char *key = dup_printf("%s:%s", rname, slug);
	if (key == NULL)
		return baton_error_set(BATON_EEXHAUSTED, "out of memory");
	if (find_entitlement(l, key)) {
		warn(l, "%s: skipping entitlement %s: defined twice", where, key);
		free(key);
		return 0;
	}
	if ((r = find_resource(l, rname)) == NULL) {
		warn(l, "%s: skipping entitlement %s: no resource named %s", where, key, rname);
		free(key);
		return 0;
	}
	if ((rc = GROW(m->entitlements, m->n_entitlements, l->cap_entitlements)) != 0 ||
	    (rc = GROW(r->ents, r->n_ents, r->cap_ents)) != 0) {
		free(key);
		return rc;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL ||
	    (e->id = dup_printf("%s:%s:%s", r->type->id, r->name, slug)) == NULL) {
		free(e);
		free(key);
		return baton_error_set(BATON_EEXHAUSTED, "out of memory");
	}
	e->resource = r;
	e->slug = slug;
	e->display_name = *display ? display : slug;
	e->description = description;
	json_object_set_new(l->by_key, key, json_integer((json_int_t)m->n_entitlements));
	free(key);
	m->entitlements[m->n_entitlements++] = e;
	r->ents[r->n_ents++] = e;
	return 0;
}

static int load_grant(loader *l, json_t *row, const char *where)
{
	file_model *m = l->m;
	const char *principal, *target;
	file_entitlement *ent, *via = NULL;
	file_resource *p;
	file_grant *g;
	int rc;

	if ((rc = text(row, "principal", where, &principal)) ||
	    (rc = text(row, "entitlement_id", where, &target)))
		return rc;
	if ((p = find_resource(l, principal)) == NULL) {
		if ((via = find_entitlement(l, principal)) == NULL) {
			warn(l, "%s: skipping a grant: no resource or entitlement named \"%s\"", where, principal);
			return 0;
		}
		p = via->resource;
	}
	if ((ent = find_entitlement(l, target)) == NULL) {
		warn(l, "%s: skipping a grant: no entitlement \"%s\"", where, target);
		return 0;
	}
	char *id = dup_printf("%s:%s:%s", ent->id, p->type->id, p->name);
	if (id == NULL)
		return baton_error_set(BATON_EEXHAUSTED, "out of memory");
	if (json_object_get(l->by_grant, id)) {
		warn(l, "%s: skipping grant %s: given twice", where, id);
		free(id);
		return 0;
	}
	file_resource *on = ent->resource;
	if ((rc = GROW(m->grants, m->n_grants, l->cap_grants)) != 0 ||
	    (rc = GROW(on->grants, on->n_grants, on->cap_grants)) != 0) {
		free(id);
		return rc;
	}
	if ((g = calloc(1, sizeof(*g))) == NULL) {
		free(id);
		return baton_error_set(BATON_EEXHAUSTED, "out of memory");
	}
	g->id = id;
	g->entitlement = ent;
	g->principal = p;
	/* members of a group-like principal hold the entitlement too (not for users and apps) */
	if (via != NULL && p->type->trait != BATON_TRAIT_USER && p->type->trait != BATON_TRAIT_APP)
		g->expand = via;
	json_object_set_new(l->by_grant, id, json_true());
	m->grants[m->n_grants++] = g;
	on->grants[on->n_grants++] = g;
	return 0;
}

static int cmp_res_id(const void *a, const void *b)
{
	const file_resource *x = *(const file_resource *const *)a, *y = *(const file_resource *const *)b;
	int c = strcmp(x->type->id, y->type->id);

	return c ? c : strcmp(x->name, y->name);
}

static int cmp_ent(const void *a, const void *b)
{
	const file_entitlement *x = *(const file_entitlement *const *)a, *y = *(const file_entitlement *const *)b;

	return strcmp(x->slug, y->slug);
}

static int cmp_grant(const void *a, const void *b)
{
	const file_grant *x = *(const file_grant *const *)a, *y = *(const file_grant *const *)b;
	int c = strcmp(x->principal->type->id, y->principal->type->id);

	if (c == 0)
		c = strcmp(x->principal->name, y->principal->name);
	return c ? c : strcmp(x->entitlement->id, y->entitlement->id);
}

/*
 * Resources whose parents form a cycle (a resource its own parent, a -> b -> a, ...) would be
 * reached by no listing -- neither at the top level nor as anyone's child -- and vanish from the
 * sync without a word (upstream baton-file drops them so). They are refused instead, the cycle
 * named. Each resource is walked up once: linear in the number of resources.
 */
static int check_parent_cycles(file_model *m)
{
	/* 0: not seen; 1: on the walk under way; 2: leads to the top level */
	unsigned char *state = calloc(m->n_resources ? m->n_resources : 1, 1);
	json_t *ix = json_object();
	int rc = 0;

	if (state == NULL || ix == NULL) {
		rc = baton_error_set(BATON_EEXHAUSTED, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < m->n_resources; i++) {
		json_t *v = json_integer((json_int_t)i);
		if (v == NULL || json_object_set_new(ix, m->resources[i]->name, v)) {
			rc = baton_error_set(BATON_EEXHAUSTED, "out of memory");
			goto out;
		}
	}
	for (size_t i = 0; i < m->n_resources && rc == 0; i++) {
		file_resource *r = m->resources[i];
		size_t k;

		while (r != NULL && state[k = (size_t)json_integer_value(json_object_get(ix, r->name))] == 0) {
			state[k] = 1;
			r = r->parent;
		}
		if (r != NULL && state[k] == 1) {
			/* r is on a cycle: name it, from r round to r again */
			size_t len = 0, cap = 256;
			char *text = malloc(cap);
			file_resource *c = r;
			do {
				size_t need = strlen(c->name) + 8;
				if (text != NULL && len + need >= cap && len < 300) {
					char *nt = realloc(text, cap = (len + need) * 2);
					if (nt == NULL)
						free(text);
					text = nt;
				}
				if (text != NULL && len < 300)
					len += (size_t)snprintf(text + len, cap - len, "%s -> ", c->name);
				c = c->parent;
			} while (c != r);
			if (text != NULL && len < 300)
				snprintf(text + len, cap - len, "%s", r->name);
			rc = baton_error_set(BATON_EINVALID, "%s: the parents of resource %s form a cycle (%s%s): "
			                     "a resource cannot be its own ancestor", m->input, r->name,
			                     text ? text : "", text && len >= 300 ? " ..." : "");
			free(text);
			break;
		}
		/* the walk reached the top level, or a resource that does: all of it does */
		for (file_resource *c = m->resources[i]; c != NULL; c = c->parent) {
			k = (size_t)json_integer_value(json_object_get(ix, c->name));
			if (state[k] == 2)
				break;
			state[k] = 2;
		}
	}
out:
	free(state);
	json_decref(ix);
	return rc;
}

int file_model_load(const char *input, const char *users_csv, const char *grants_csv,
                    file_model **out)
{
	loader l;
	file_model *m;
	file_type *user_type = NULL;
	json_t *rows;
	char where[1200];
	int rc;

	*out = NULL;
	memset(&l, 0, sizeof(l));
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return baton_error_set(BATON_EEXHAUSTED, "out of memory");
	l.m = m;
	l.by_name = json_object();
	l.by_key = json_object();
	l.by_grant = json_object();
	m->input = strdup(input ? input : "");
	m->users_csv = strdup(users_csv ? users_csv : "");
	m->grants_csv = strdup(grants_csv ? grants_csv : "");
	if (!l.by_name || !l.by_key || !l.by_grant || !m->input || !m->users_csv || !m->grants_csv) {
		rc = baton_error_set(BATON_EEXHAUSTED, "out of memory");
		goto fail;
	}
	if ((rc = file_load(input, &m->doc)) != 0)
		goto fail;
	if (*m->users_csv && (rc = file_load_csv(m->users_csv, FILE_CSV_USERS, m->doc)) != 0)
		goto fail;
	if (*m->grants_csv && (rc = file_load_csv(m->grants_csv, FILE_CSV_GRANTS, m->doc)) != 0)
		goto fail;

	if ((rc = table_rows(&l, "users", &rows)) != 0)
		goto fail;
	for (size_t i = 0; i < json_array_size(rows); i++) {
		row_where(&l, "users", i, json_array_get(rows, i), where, sizeof(where));
		if ((rc = load_user(&l, &user_type, json_array_get(rows, i), where)) != 0)
			goto fail;
	}
	if ((rc = table_rows(&l, "resources", &rows)) != 0)
		goto fail;
	for (size_t i = 0; i < json_array_size(rows); i++) {
		row_where(&l, "resources", i, json_array_get(rows, i), where, sizeof(where));
		if ((rc = load_resource(&l, &user_type, json_array_get(rows, i), where)) != 0)
			goto fail;
	}
	/* parents, now that every name is known */
	for (size_t i = 0; i < m->n_resources; i++) {
		file_resource *r = m->resources[i], *p;

		if (r->parent_name == NULL || !*r->parent_name)
			continue;
		if ((p = find_resource(&l, r->parent_name)) == NULL)
			warn(&l, "resource %s: no parent resource named %s, listed at the top level",
			     r->name, r->parent_name);
		else
			r->parent = p;
	}
	if ((rc = check_parent_cycles(m)) != 0)
		goto fail;
	for (size_t i = 0; i < m->n_resources; i++) {
		file_resource *r = m->resources[i];
		if (r->parent) {
			rc = push_child(r->parent, r);
		} else {
			rc = GROW(r->type->top, r->type->n_top, r->type->cap_top);
			if (rc == 0)
				r->type->top[r->type->n_top++] = r;
		}
		if (rc)
			goto fail;
	}

	if ((rc = table_rows(&l, "entitlements", &rows)) != 0)
		goto fail;
	for (size_t i = 0; i < json_array_size(rows); i++) {
		snprintf(where, sizeof(where), "%s: entitlements[%zu]", m->input, i);
		if ((rc = load_entitlement(&l, json_array_get(rows, i), where)) != 0)
			goto fail;
	}
	if ((rc = table_rows(&l, "grants", &rows)) != 0)
		goto fail;
	for (size_t i = 0; i < json_array_size(rows); i++) {
		row_where(&l, "grants", i, json_array_get(rows, i), where, sizeof(where));
		if ((rc = load_grant(&l, json_array_get(rows, i), where)) != 0)
			goto fail;
	}

	if (m->n_types == 0) {
		rc = baton_error_set(BATON_EINVALID, "%s: no users and no resources", input);
		goto fail;
	}
	/* (qsort() must not be given a NULL array, even of no items) */
	for (size_t i = 0; i < m->n_types; i++)
		if (m->types[i]->n_top > 1)
			qsort(m->types[i]->top, m->types[i]->n_top, sizeof(file_resource *), cmp_res_id);
	for (size_t i = 0; i < m->n_resources; i++) {
		file_resource *r = m->resources[i];
		if (r->n_children > 1)
			qsort(r->children, r->n_children, sizeof(*r->children), cmp_res_id);
		if (r->n_ents > 1)
			qsort(r->ents, r->n_ents, sizeof(*r->ents), cmp_ent);
		if (r->n_grants > 1)
			qsort(r->grants, r->n_grants, sizeof(*r->grants), cmp_grant);
	}
	m->by_name = l.by_name;
	json_decref(l.by_key);
	json_decref(l.by_grant);
	*out = m;
	return 0;
fail:
	json_decref(l.by_name);
	json_decref(l.by_key);
	json_decref(l.by_grant);
	file_model_free(m);
	return rc;
}

file_resource *file_model_resource(const file_model *m, const char *type_id, const char *name)
{
	json_t *v = json_object_get(m->by_name, name);
	file_resource *r = v ? m->resources[json_integer_value(v)] : NULL;

	return r && !strcmp(r->type->id, type_id) ? r : NULL;
}

void file_model_free(file_model *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->n_types; i++) {
		free(m->types[i]->id);
		free(m->types[i]->name);
		free(m->types[i]->top);
		free(m->types[i]);
	}
	for (size_t i = 0; i < m->n_resources; i++) {
		free(m->resources[i]->children);
		free(m->resources[i]->ents);
		free(m->resources[i]->grants);
		free(m->resources[i]->profile_json);
		free(m->resources[i]);
	}
	for (size_t i = 0; i < m->n_entitlements; i++) {
		free(m->entitlements[i]->id);
		free(m->entitlements[i]);
	}
	for (size_t i = 0; i < m->n_grants; i++) {
		free(m->grants[i]->id);
		free(m->grants[i]);
	}
	for (size_t i = 0; i < m->n_warnings; i++)
		free(m->warnings[i]);
	free(m->types);
	free(m->resources);
	free(m->entitlements);
	free(m->grants);
	free(m->warnings);
	json_decref(m->doc);
	json_decref(m->by_name);
	free(m->input);
	free(m->users_csv);
	free(m->grants_csv);
	free(m);
}
