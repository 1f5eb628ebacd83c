/*
 * The connector's configuration: schema checks when baton_main starts, validation of the values
 * (in the Go SDK's order and words: cobra's required flags and flag groups, then every field's
 * rules, then the connector's constraints), FILE fields' bytes, and the baton_ctx_config_* readers.
 */
#include "cli/cli.h"

#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "connector/connector.h"
#include "core/error.h"
#include "core/input.h"
#include "core/log.h"

#define MAX_FILE_BYTES (2u * 1024 * 1024)

/* ------------------------------------------------------------------------------------------ */
/* A growing message, one problem per line                                                      */

typedef struct problems {
	baton__buf buf;
	size_t n;
} problems;

static void add_problem(problems *p, const char *fmt, ...) BATON_PRINTF(2, 3);
static void add_problem(problems *p, const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (p->n++)
		baton__buf_puts(&p->buf, "\n");
	baton__buf_puts(&p->buf, line);
}

static int report(problems *p)
{
	int rc = 0;
	if (p->buf.oom)
		rc = baton__error_oom("validation");
	else if (p->n)
		rc = baton_error_set(BATON_EINVALID, "%s", p->buf.data);
	baton__buf_free(&p->buf);
	return rc;
}

/* Go's %v of a []string: "[a b c]". */
static void go_list(baton__buf *b, const char *const *items, size_t n)
{
	baton__buf_puts(b, "[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			baton__buf_puts(b, " ");
		baton__buf_puts(b, items[i]);
	}
	baton__buf_puts(b, "]");
}

/* Go's %v of a []int64: "[1 2 3]". */
static void int_list(baton__buf *b, const int64_t *items, size_t n)
{
	baton__buf_puts(b, "[");
	for (size_t i = 0; i < n; i++)
		baton__buf_printf(b, "%s%lld", i ? " " : "", (long long)items[i]);
	baton__buf_puts(b, "]");
}

/* The Go SDK's list wording: ('a'), ('a' and 'b'), ('a', 'b', and 'c'). */
static void nice(baton__buf *b, const char *const *items, size_t n)
{
	baton__buf_puts(b, "(");
	for (size_t i = 0; i < n; i++) {
		if (i && n > 2)
			baton__buf_puts(b, ", ");
		if (i && i == n - 1)
			baton__buf_puts(b, n > 2 ? "and " : " and ");
		baton__buf_printf(b, "'%s'", items[i]);
	}
	baton__buf_puts(b, ")");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* ------------------------------------------------------------------------------------------ */
/* Schema checks                                                                               */

static const baton__flag *find(const baton__cli *cli, const char *name)
{
	return baton__cli_flag((baton__cli *)cli, name);
}

static bool is_secret(const baton__flag *f)
{
	return f->field && (f->field->flags & BATON_FIELD_SECRET);
}

static int check_names(const baton__cli *cli, const char *what, size_t idx, const char *const *names, size_t n)
{
	if (n && !names)
		return baton_error_set(BATON_EINVALID, "connector config: %s %zu: field list is NULL", what, idx);
	for (size_t i = 0; i < n; i++) {
		if (!names[i] || !find(cli, names[i]))
			return baton_error_set(BATON_EINVALID, "connector config: %s %zu: unknown field '%s'", what, idx,
			                       names[i] ? names[i] : "(null)");
		for (size_t j = 0; j < i; j++)
			if (!strcmp(names[i], names[j]))
				return baton_error_set(BATON_EINVALID, "connector config: %s %zu: field '%s' listed twice", what,
				                       idx, names[i]);
	}
	return 0;
}

int baton__config_check_schema(const baton__cli *cli);
int baton__config_check_schema(const baton__cli *cli)
{
	for (size_t i = cli->n_sdk; i < cli->n_flags; i++) {
		const baton_field *d = cli->flags[i].field;
		if (d->kind == BATON_FIELD_BOOL && (d->flags & BATON_FIELD_REQUIRED))
			return baton_error_set(BATON_EINVALID, "requiring %s of type bool does not make sense", d->name);
		if (d->kind == BATON_FIELD_SELECT && (!d->options || !d->n_options))
			return baton_error_set(BATON_EINVALID, "connector config: field %s: a select field needs options", d->name);
		if (d->n_options && !d->options)
			return baton_error_set(BATON_EINVALID, "connector config: field %s: options is NULL", d->name);
		if (d->pattern) {
			regex_t re;
			if (regcomp(&re, d->pattern, REG_EXTENDED | REG_NOSUB))
				return baton_error_set(BATON_EINVALID, "connector config: field %s: invalid pattern %s", d->name,
				                       d->pattern);
			regfree(&re);
		}
		if ((d->flags & BATON_FIELD_OPS) && (d->flags & BATON_FIELD_CLI_ONLY))
			return baton_error_set(BATON_EINVALID, "connector config: field %s: OPS and CLI_ONLY exclude each other",
			                       d->name);
		bool stringish = d->kind == BATON_FIELD_STRING || d->kind == BATON_FIELD_SELECT ||
		                 d->kind == BATON_FIELD_OAUTH2 || d->kind == BATON_FIELD_RANDOM ||
		                 d->kind == BATON_FIELD_STRING_LIST;
		if ((!stringish && (d->prefix || d->suffix || d->contains || d->well_known)) ||
		    (d->kind == BATON_FIELD_SELECT && d->well_known))
			return baton_error_set(BATON_EINVALID, "connector config: field %s: prefix, suffix, contains and "
			                       "well_known apply to string fields only", d->name);
		switch (d->well_known) {
		case BATON_WELL_KNOWN_NONE: case BATON_WELL_KNOWN_EMAIL: case BATON_WELL_KNOWN_HOSTNAME:
		case BATON_WELL_KNOWN_IP: case BATON_WELL_KNOWN_IPV4: case BATON_WELL_KNOWN_IPV6: case BATON_WELL_KNOWN_URI:
		case BATON_WELL_KNOWN_UUID:
			break;
		default:
			return baton_error_set(BATON_EINVALID, "connector config: field %s: unknown well_known %d", d->name,
			                       (int)d->well_known);
		}
		if ((d->n_not_in && !d->not_in) || (d->n_int_in && !d->int_in) || (d->n_int_not_in && !d->int_not_in))
			return baton_error_set(BATON_EINVALID, "connector config: field %s: a value list is NULL", d->name);
		if (d->kind != BATON_FIELD_INT && (d->n_int_in || d->n_int_not_in))
			return baton_error_set(BATON_EINVALID, "connector config: field %s: int_in and int_not_in apply to INT "
			                       "fields only", d->name);
		if (d->kind != BATON_FIELD_STRING_LIST && (d->min_items || d->max_items || d->unique_items))
			return baton_error_set(BATON_EINVALID, "connector config: field %s: min_items, max_items and "
			                       "unique_items apply to STRING_LIST fields only", d->name);
		if (d->suggested_value && d->kind == BATON_FIELD_STRING_MAP)
			return baton_error_set(BATON_EINVALID, "connector config: field %s: suggested_value is not supported on "
			                       "STRING_MAP fields", d->name);
		if (d->suggested_value && d->kind == BATON_FIELD_INT) {
			char *end;
			(void)strtoll(d->suggested_value, &end, 10);
			if (!*d->suggested_value || *end)
				return baton_error_set(BATON_EINVALID, "connector config: field %s: suggested_value \"%s\" is not an "
				                       "integer", d->name, d->suggested_value);
		}
		if (d->suggested_value && d->kind == BATON_FIELD_BOOL && strcmp(d->suggested_value, "true") &&
		    strcmp(d->suggested_value, "false"))
			return baton_error_set(BATON_EINVALID, "connector config: field %s: suggested_value must be true or "
			                       "false", d->name);
		if (d->min_items && d->max_items && d->min_items > d->max_items)
			return baton_error_set(BATON_EINVALID, "connector config: field %s: min_items %zu > max_items %zu",
			                       d->name, d->min_items, d->max_items);
	}
	const baton_config_schema *s = cli->schema;
	if (!s)
		return 0;
	if (s->n_constraints && !s->constraints)
		return baton_error_set(BATON_EINVALID, "connector config: constraints is NULL");
	for (size_t i = 0; i < s->n_constraints; i++) {
		const baton_constraint *c = &s->constraints[i];
		int rc = check_names(cli, "constraint", i, c->fields, c->n_fields);
		if (!rc)
			rc = check_names(cli, "constraint", i, c->secondary_fields, c->n_secondary);
		if (rc)
			return rc;
		switch (c->kind) {
		case BATON_CONSTRAINT_REQUIRED_TOGETHER:
		case BATON_CONSTRAINT_AT_LEAST_ONE:
		case BATON_CONSTRAINT_MUTUALLY_EXCLUSIVE:
			if (c->n_fields < 2 || c->n_secondary)
				return baton_error_set(BATON_EINVALID, "connector config: constraint %zu: needs two or more fields "
				                       "(and no secondary fields)", i);
			break;
		case BATON_CONSTRAINT_DEPENDENT_ON:
			if (!c->n_fields || !c->n_secondary)
				return baton_error_set(BATON_EINVALID, "connector config: constraint %zu: needs fields and "
				                       "secondary fields", i);
			break;
		default:
			return baton_error_set(BATON_EINVALID, "connector config: constraint %zu: invalid kind %d", i, (int)c->kind);
		}
		if (c->kind == BATON_CONSTRAINT_MUTUALLY_EXCLUSIVE) {
			for (size_t j = 0; j < c->n_fields; j++) {
				const baton__flag *f = find(cli, c->fields[j]);
				if (f->field->flags & BATON_FIELD_REQUIRED)
					return baton_error_set(BATON_EINVALID, "connector config: constraint %zu: mutually exclusive "
					                       "field %s may not be required", i, f->name);
			}
		}
	}
	if (s->n_groups && !s->groups)
		return baton_error_set(BATON_EINVALID, "connector config: groups is NULL");
	size_t defaults = 0;
	baton__buf names = {0};
	for (size_t i = 0; i < s->n_groups; i++) {
		const baton_field_group *g = &s->groups[i];
		if (!g->name || !*g->name) {
			baton__buf_free(&names);
			return baton_error_set(BATON_EINVALID, "connector config: field group %zu has no name", i);
		}
		int rc = check_names(cli, "field group", i, g->fields, g->n_fields);
		if (rc) {
			baton__buf_free(&names);
			return rc;
		}
		if (g->is_default) {
			baton__buf_printf(&names, "%s%s", defaults ? ", " : "", g->name);
			defaults++;
		}
	}
	if (defaults > 1) {
		int rc = baton_error_set(BATON_EINVALID, "only one field group can be set as default, but found %zu: %s",
		                         defaults, names.data ? names.data : "");
		baton__buf_free(&names);
		return rc;
	}
	baton__buf_free(&names);
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Validation                                                                                  */

/* Whether a value is "present" (not the kind's zero value), as field.Validate counts it. */
static bool present(const baton__flag *f)
{
	switch (f->kind) {
	case BATON__FLAG_BOOL:
		return f->b;
	case BATON__FLAG_INT:
		return f->i != 0;
	case BATON__FLAG_STRING:
		return f->str && *f->str;
	default:
		return f->n_list > 0;
	}
}

static bool in_group(const baton__cli *cli, const baton__flag *f)
{
	if (f->sdk || !cli->group)
		return true;
	for (size_t i = 0; i < cli->group->n_fields; i++)
		if (!strcmp(cli->group->fields[i], f->name))
			return true;
	return false;
}

/* String rules (STRING, SELECT, FILE, and list items with `label` "field x invalid item at field i"). */
static void string_rules(problems *p, const baton__flag *f, const char *label, const char *v)
{
	const baton_field *d = f->field;
	const char *sv = is_secret(f) ? "[REDACTED]" : v;
	size_t len = strlen(v);
	if (d->exact_len > 0 && len != d->exact_len) {
		add_problem(p, "%s: value must be exactly %zu characters long but got %zu", label, d->exact_len, len);
		return;
	}
	if (d->min_len > 0 && len < d->min_len) {
		add_problem(p, "%s: value must be at least %zu characters long but got %zu", label, d->min_len, len);
		return;
	}
	if (d->max_len > 0 && len > d->max_len) {
		add_problem(p, "%s: value must be at most %zu characters long but got %zu", label, d->max_len, len);
		return;
	}
	if (d->pattern) {
		regex_t re;
		if (!regcomp(&re, d->pattern, REG_EXTENDED | REG_NOSUB)) {
			int m = regexec(&re, v, 0, NULL, 0);
			regfree(&re);
			if (m) {
				add_problem(p, "%s: value must match pattern %s but got '%s'", label, d->pattern, sv);
				return;
			}
		}
	}
	if (d->prefix && strncmp(v, d->prefix, strlen(d->prefix))) {
		add_problem(p, "%s: value must have prefix '%s' but got '%s'", label, d->prefix, sv);
		return;
	}
	if (d->suffix && (len < strlen(d->suffix) || strcmp(v + len - strlen(d->suffix), d->suffix))) {
		add_problem(p, "%s: value must have suffix '%s' but got '%s'", label, d->suffix, sv);
		return;
	}
	if (d->contains && !strstr(v, d->contains)) {
		add_problem(p, "%s: value must contain '%s' but got '%s'", label, d->contains, sv);
		return;
	}
	if (d->kind == BATON_FIELD_SELECT) {
		bool found = false;
		for (size_t i = 0; i < d->n_options && !found; i++)
			found = d->options[i] && !strcmp(d->options[i], v);
		if (!found) {
			baton__buf b = {0};
			go_list(&b, d->options, d->n_options);
			add_problem(p, "%s: value must be one of %s but got '%s'", label, b.data ? b.data : "[]", sv);
			baton__buf_free(&b);
			return;
		}
	}
	for (size_t i = 0; i < d->n_not_in; i++) {
		if (d->not_in[i] && !strcmp(d->not_in[i], v)) {
			baton__buf b = {0};
			go_list(&b, d->not_in, d->n_not_in);
			add_problem(p, "%s: value must not be one of %s but got '%s'", label, b.data ? b.data : "[]", sv);
			baton__buf_free(&b);
			return;
		}
	}
	if (d->well_known) {
		const char *what = baton__well_known_check(d->well_known, v);
		if (what) {
			add_problem(p, "%s: value must be a valid %s but got '%s'", label, what, sv);
			return;
		}
	}
	if (d->kind == BATON_FIELD_FILE && d->n_options) {
		for (size_t i = 0; i < d->n_options; i++) {
			size_t n = strlen(d->options[i]);
			if (len >= n && !strcmp(v + len - n, d->options[i]))
				return;
		}
		baton__buf b = {0};
		go_list(&b, d->options, d->n_options);
		add_problem(p, "%s: file must have one of the extensions %s but got '%s'", label, b.data ? b.data : "[]", sv);
		baton__buf_free(&b);
	}
}

static void field_rules(problems *p, const baton__flag *f)
{
	const baton_field *d = f->field;
	bool required = (d->flags & BATON_FIELD_REQUIRED) != 0;
	char label[200];
	snprintf(label, sizeof(label), "field %s", f->name);
	switch (f->kind) {
	case BATON__FLAG_STRING:
		if (!*f->str) {
			if (required)
				add_problem(p, "field %s of type string is marked as required but it has a zero-value", f->name);
			return;
		}
		string_rules(p, f, label, f->str);
		return;
	case BATON__FLAG_INT:
		if (!f->i) {
			if (required)
				add_problem(p, "field %s of type int is marked as required but it has a zero-value", f->name);
			return;
		}
		if (d->min < d->max) {
			if (f->i > d->max) {
				add_problem(p, "field %s: value must be less than or equal to %lld but got %lld", f->name,
				            (long long)d->max, (long long)f->i);
				return;
			}
			if (f->i < d->min) {
				add_problem(p, "field %s: value must be greater than or equal to %lld but got %lld", f->name,
				            (long long)d->min, (long long)f->i);
				return;
			}
		}
		if (d->n_int_in) {
			bool found = false;
			for (size_t i = 0; i < d->n_int_in && !found; i++)
				found = d->int_in[i] == f->i;
			if (!found) {
				baton__buf b = {0};
				int_list(&b, d->int_in, d->n_int_in);
				add_problem(p, "field %s: value must be one of %s but got %lld", f->name, b.data ? b.data : "[]",
				            (long long)f->i);
				baton__buf_free(&b);
				return;
			}
		}
		for (size_t i = 0; i < d->n_int_not_in; i++) {
			if (d->int_not_in[i] == f->i) {
				baton__buf b = {0};
				int_list(&b, d->int_not_in, d->n_int_not_in);
				add_problem(p, "field %s: value must not be one of %s but got %lld", f->name, b.data ? b.data : "[]",
				            (long long)f->i);
				baton__buf_free(&b);
				return;
			}
		}
		return;
	case BATON__FLAG_STRINGS:
		if (!f->n_list) {
			if (required)
				add_problem(p, "field %s of type []string is marked as required but it has a zero-value", f->name);
			return;
		}
		if (d->min_items > 0 && f->n_list < d->min_items) {
			add_problem(p, "field %s: value must have at least %zu items but got %zu", f->name, d->min_items, f->n_list);
			return;
		}
		if (d->max_items > 0 && f->n_list > d->max_items) {
			add_problem(p, "field %s: value must have at most %zu items but got %zu", f->name, d->max_items, f->n_list);
			return;
		}
		for (size_t i = 0; d->unique_items && i < f->n_list; i++) {
			for (size_t j = 0; j < i; j++) {
				if (!strcmp(f->list[i], f->list[j])) {
					add_problem(p, "field %s: value must not contain duplicate items but got multiple \"%s\"", f->name,
					            is_secret(f) ? "[REDACTED]" : f->list[i]);
					return;
				}
			}
		}
		for (size_t i = 0; i < f->n_list; i++) {
			char item[260];
			snprintf(item, sizeof(item), "field %s invalid item at field %zu", f->name, i);
			size_t before = p->n;
			string_rules(p, f, item, f->list[i]);
			if (p->n != before)
				return;
		}
		return;
	case BATON__FLAG_MAP:
		if (!f->n_list && required)
			add_problem(p, "field %s of type map[string]any is marked as required but it has a zero-value", f->name);
		return;
	default:
		return;
	}
}

/* cobra's flag groups, over "given" (flag, environment, file). */
typedef struct group_ref {
	const baton_constraint *c;
	char key[1024];
} group_ref;

static int cmp_group(const void *a, const void *b)
{
	return strcmp(((const group_ref *)a)->key, ((const group_ref *)b)->key);
}

static void cobra_groups(problems *p, baton__cli *cli, baton_constraint_kind kind)
{
	const baton_config_schema *s = cli->schema;
	size_t total = baton__n_sdk_constraints + (s ? s->n_constraints : 0);
	group_ref *refs = calloc(total ? total : 1, sizeof(*refs));
	if (!refs) {
		p->buf.oom = true;
		return;
	}
	size_t n = 0;
	for (size_t i = 0; i < total; i++) {
		const baton_constraint *c = i < baton__n_sdk_constraints ? &baton__sdk_constraints[i]
		                                                          : &s->constraints[i - baton__n_sdk_constraints];
		if (c->kind != kind)
			continue;
		refs[n].c = c;
		size_t k = 0;
		for (size_t j = 0; j < c->n_fields && k + 1 < sizeof(refs[n].key); j++) {
			int w = snprintf(refs[n].key + k, sizeof(refs[n].key) - k, "%s%s", j ? " " : "", c->fields[j]);
			k += w > 0 ? (size_t)w : 0;
		}
		n++;
	}
	qsort(refs, n, sizeof(*refs), cmp_group);
	for (size_t i = 0; i < n && !p->n; i++) {
		const baton_constraint *c = refs[i].c;
		const char **given = calloc(c->n_fields, sizeof(*given)), **missing = calloc(c->n_fields, sizeof(*missing));
		size_t ng = 0, nm = 0;
		if (!given || !missing) {
			free(given);
			free(missing);
			p->buf.oom = true;
			break;
		}
		for (size_t j = 0; j < c->n_fields; j++) {
			if (baton__cli_is_set(cli, c->fields[j]))
				given[ng++] = c->fields[j];
			else
				missing[nm++] = c->fields[j];
		}
		qsort(given, ng, sizeof(*given), cmp_str);
		qsort(missing, nm, sizeof(*missing), cmp_str);
		baton__buf b = {0};
		if (kind == BATON_CONSTRAINT_REQUIRED_TOGETHER && ng && nm) {
			go_list(&b, missing, nm);
			add_problem(p, "if any flags in the group [%s] are set they must all be set; missing %s", refs[i].key,
			            b.data ? b.data : "[]");
		} else if (kind == BATON_CONSTRAINT_AT_LEAST_ONE && !ng) {
			add_problem(p, "at least one of the flags in the group [%s] is required", refs[i].key);
		} else if (kind == BATON_CONSTRAINT_MUTUALLY_EXCLUSIVE && ng > 1) {
			go_list(&b, given, ng);
			add_problem(p, "if any flags in the group [%s] are set none of the others can be; %s were all set",
			            refs[i].key, b.data ? b.data : "[]");
		}
		baton__buf_free(&b);
		free(given);
		free(missing);
	}
	free(refs);
}

/* The connector's constraints over present values (field.Validate's second half); first failure. */
static void schema_constraints(problems *p, baton__cli *cli)
{
	const baton_config_schema *s = cli->schema;
	for (size_t i = 0; s && i < s->n_constraints && !p->n; i++) {
		const baton_constraint *c = &s->constraints[i];
		const char **a = calloc(c->n_fields + 1, sizeof(*a)), **m = calloc(c->n_fields + c->n_secondary + 1, sizeof(*m));
		if (!a || !m) {
			free(a);
			free(m);
			p->buf.oom = true;
			return;
		}
		size_t na = 0, nm = 0, sec = 0;
		for (size_t j = 0; j < c->n_fields; j++) {
			baton__flag *f = baton__cli_flag(cli, c->fields[j]);
			if (present(f) && in_group(cli, f))
				a[na++] = f->name;
			else
				m[nm++] = f->name;
		}
		for (size_t j = 0; j < c->n_secondary; j++) {
			baton__flag *f = baton__cli_flag(cli, c->secondary_fields[j]);
			if (present(f) && in_group(cli, f))
				sec++;
		}
		baton__buf b = {0}, b2 = {0};
		switch (c->kind) {
		case BATON_CONSTRAINT_MUTUALLY_EXCLUSIVE:
			if (na > 1) {
				nice(&b, a, na);
				add_problem(p, "fields marked as mutually exclusive were set: %s", b.data);
			}
			break;
		case BATON_CONSTRAINT_REQUIRED_TOGETHER:
			if (na && nm) {
				nice(&b, m, nm);
				add_problem(p, "fields marked as needed together are missing: %s", b.data);
			}
			break;
		case BATON_CONSTRAINT_AT_LEAST_ONE:
			if (!na) {
				nice(&b, m, nm);
				add_problem(p, "at least one field was expected, any of: %s", b.data);
			}
			break;
		case BATON_CONSTRAINT_DEPENDENT_ON:
			if (na && sec != c->n_secondary) {
				size_t nn = 0;
				for (size_t j = 0; j < c->n_secondary; j++) {
					baton__flag *f = baton__cli_flag(cli, c->secondary_fields[j]);
					if (!(present(f) && in_group(cli, f)))
						m[nn++] = f->name;
				}
				nice(&b, a, na);
				nice(&b2, m, nn);
				add_problem(p, "set fields %s are dependent on %s being set", b.data, b2.data);
			}
			break;
		}
		baton__buf_free(&b);
		baton__buf_free(&b2);
		free(a);
		free(m);
	}
}

static int select_group(baton__cli *cli)
{
	const baton_config_schema *s = cli->schema;
	cli->group = NULL;
	if (!s || !s->n_groups) {
		/* upstream ignores it; a flag accepted must do something, so it is refused */
		if (*baton__cli_string(cli, "auth-method"))
			return baton_error_set(BATON_EINVALID, "--auth-method %s: this connector has no auth methods (field "
			                       "groups) to choose from", baton__cli_string(cli, "auth-method"));
		return 0;
	}
	const char *want = baton__cli_string(cli, "auth-method");
	for (size_t i = 0; *want && i < s->n_groups; i++)
		if (!strcmp(s->groups[i].name, want))
			cli->group = &s->groups[i];
	if (*want && !cli->group) {
		baton__buf b = {0};
		for (size_t i = 0; i < s->n_groups; i++)
			baton__buf_printf(&b, "%s%s", i ? ", " : "", s->groups[i].name);
		int rc = baton_error_set(BATON_EINVALID, "unknown auth method \"%s\": expected one of %s", want,
		                         b.data ? b.data : "");
		baton__buf_free(&b);
		return rc;
	}
	for (size_t i = 0; !cli->group && i < s->n_groups; i++)
		if (s->groups[i].is_default)
			cli->group = &s->groups[i];
	if (!cli->group)
		cli->group = &s->groups[0];
	return 0;
}

static int load_files(baton__cli *cli);

int baton__cli_validate(baton__cli *cli)
{
	int rc = select_group(cli);
	if (rc)
		return rc;
	problems p = {{0}, 0};
	/* 1. cobra: required flags (not when the schema has field groups) */
	if (!cli->schema || !cli->schema->n_groups) {
		const char **missing = calloc(cli->n_flags, sizeof(*missing));
		size_t n = 0;
		if (!missing)
			return baton__error_oom("validation");
		for (size_t i = cli->n_sdk; i < cli->n_flags; i++)
			if ((cli->flags[i].field->flags & BATON_FIELD_REQUIRED) && !cli->flags[i].set)
				missing[n++] = cli->flags[i].name;
		if (n) {
			qsort(missing, n, sizeof(*missing), cmp_str);
			baton__buf b = {0};
			for (size_t i = 0; i < n; i++)
				baton__buf_printf(&b, "%s\"%s\"", i ? ", " : "", missing[i]);
			add_problem(&p, "required flag(s) %s not set", b.data);
			baton__buf_free(&b);
		}
		free(missing);
		if (p.n)
			return report(&p);
	}
	/* 2. cobra: flag groups, by kind */
	cobra_groups(&p, cli, BATON_CONSTRAINT_REQUIRED_TOGETHER);
	if (!p.n)
		cobra_groups(&p, cli, BATON_CONSTRAINT_AT_LEAST_ONE);
	if (!p.n)
		cobra_groups(&p, cli, BATON_CONSTRAINT_MUTUALLY_EXCLUSIVE);
	if (p.n || p.buf.oom)
		return report(&p);
	/* FILE fields are read as the configuration is decoded, before field.Validate */
	if ((rc = load_files(cli))) {
		baton__buf_free(&p.buf);
		return rc;
	}
	/* 3. every field's rules, all problems */
	for (size_t i = 0; i < cli->n_flags; i++)
		if (in_group(cli, &cli->flags[i]))
			field_rules(&p, &cli->flags[i]);
	if (p.n || p.buf.oom)
		return report(&p);
	/* 4. the connector's constraints */
	schema_constraints(&p, cli);
	return report(&p);
}

/* ------------------------------------------------------------------------------------------ */
/* FILE fields and map order                                                                    */

static void sort_map(baton__flag *f)
{
	for (size_t i = 1; i < f->n_list; i++) {
		for (size_t j = i; j > 0 && strcmp(f->list[j - 1], f->list[j]) > 0; j--) {
			char *k = f->list[j], *v = f->values[j];
			f->list[j] = f->list[j - 1];
			f->values[j] = f->values[j - 1];
			f->list[j - 1] = k;
			f->values[j - 1] = v;
		}
	}
}

static int load_files(baton__cli *cli)
{
	for (size_t i = 0; i < cli->n_flags; i++) {
		baton__flag *f = &cli->flags[i];
		if (f->kind == BATON__FLAG_MAP)
			sort_map(f);
		if (f->field->kind != BATON_FIELD_FILE || !*f->str || !in_group(cli, f))
			continue;
		/* never blocks on a FIFO (core/input.h) */
		int fd = baton__input_open(f->str, "file");
		FILE *fp = fd >= 0 ? fdopen(fd, "rb") : NULL;
		if (!fp) {
			if (fd >= 0)
				close(fd);
			return baton_error_set(BATON_EINVALID, "field %s: reading %s: %s", f->name, f->str,
			                       fd == BATON_EINVALID ? "not a regular file" : strerror(errno));
		}
		struct stat st;
		if (fstat(fileno(fp), &st) || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > MAX_FILE_BYTES) {
			fclose(fp);
			return baton_error_set(BATON_EINVALID, "field %s: %s is not a regular file of at most 2 MiB", f->name,
			                       f->str);
		}
		uint8_t *data = malloc((size_t)st.st_size + 1);
		if (!data) {
			fclose(fp);
			return baton__error_oom("config file field");
		}
		size_t n = fread(data, 1, (size_t)st.st_size, fp);
		fclose(fp);
		data[n] = 0;
		f->data = data;
		f->len = n;
	}
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* The readers                                                                                 */

static baton__config *active;

void baton__config_set_active(baton__config *cfg)
{
	active = cfg;
}

static baton__flag *lookup(const char *name, baton__flag_kind want, bool any_kind)
{
	if (!active)
		return NULL; /* no configuration (a connector run without baton_main): zero values */
	baton__flag *f = baton__cli_flag(active->cli, name);
	if (!f) {
		baton__log(BATON_LOG_WARN, "unknown configuration field", "field", name ? name : "(null)", NULL);
		return NULL;
	}
	if (!any_kind && f->kind != want) {
		baton__log(BATON_LOG_WARN, "configuration field read as the wrong kind", "field", name, NULL);
		return NULL;
	}
	return f;
}

BATON_API const char *baton_ctx_config_string(baton_ctx *ctx, const char *name)
{
	(void)ctx;
	baton__flag *f = lookup(name, BATON__FLAG_STRING, true);
	if (!f)
		return "";
	if (f->kind == BATON__FLAG_BOOL)
		return f->b ? "true" : "false";
	if (f->kind != BATON__FLAG_STRING && f->kind != BATON__FLAG_INT) {
		baton__log(BATON_LOG_WARN, "configuration field read as the wrong kind", "field", name, NULL);
		return "";
	}
	return f->str ? f->str : "";
}

BATON_API bool baton_ctx_config_bool(baton_ctx *ctx, const char *name)
{
	(void)ctx;
	baton__flag *f = lookup(name, BATON__FLAG_BOOL, false);
	return f && f->b;
}

BATON_API int64_t baton_ctx_config_int(baton_ctx *ctx, const char *name)
{
	(void)ctx;
	baton__flag *f = lookup(name, BATON__FLAG_INT, false);
	return f ? f->i : 0;
}

BATON_API size_t baton_ctx_config_list(baton_ctx *ctx, const char *name, const char *const **items)
{
	(void)ctx;
	baton__flag *f = lookup(name, BATON__FLAG_STRINGS, false);
	if (items)
		*items = f ? (const char *const *)f->list : NULL;
	return f ? f->n_list : 0;
}

BATON_API const char *baton_ctx_config_map_get(baton_ctx *ctx, const char *name, const char *key)
{
	(void)ctx;
	baton__flag *f = lookup(name, BATON__FLAG_MAP, false);
	for (size_t i = 0; f && key && i < f->n_list; i++)
		if (!strcmp(f->list[i], key))
			return f->values[i];
	return NULL;
}

BATON_API size_t baton_ctx_config_map_keys(baton_ctx *ctx, const char *name, const char *const **keys)
{
	(void)ctx;
	baton__flag *f = lookup(name, BATON__FLAG_MAP, false);
	if (keys)
		*keys = f ? (const char *const *)f->list : NULL;
	return f ? f->n_list : 0;
}

BATON_API bool baton_ctx_config_file(baton_ctx *ctx, const char *name, const uint8_t **data, size_t *len)
{
	(void)ctx;
	baton__flag *f = lookup(name, BATON__FLAG_STRING, false);
	bool ok = f && f->data;
	if (data)
		*data = ok ? f->data : NULL;
	if (len)
		*len = ok ? f->len : 0;
	return ok;
}

BATON_API bool baton_ctx_config_is_set(baton_ctx *ctx, const char *name)
{
	(void)ctx;
	baton__flag *f = lookup(name, BATON__FLAG_STRING, true);
	return f && f->set;
}

BATON_API const char *baton_ctx_config_auth_method(baton_ctx *ctx)
{
	(void)ctx;
	return active && active->cli->group ? active->cli->group->name : "";
}
