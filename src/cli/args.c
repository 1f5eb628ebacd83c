/* The flag table and the command line, cobra/pflag style; values from defaults, env and argv. */
#include "cli/cli.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "baton/common.h"
#include "cli/provision.h"
#include "core/error.h"

/* ------------------------------------------------------------------------------------------ */
/* Lookups                                                                                     */

baton__flag *baton__cli_flag(baton__cli *cli, const char *name)
{
	if (!cli || !name)
		return NULL;
	for (size_t i = 0; i < cli->n_flags; i++)
		if (!strcmp(cli->flags[i].name, name))
			return &cli->flags[i];
	return NULL;
}

static int parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
	static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False"};
	for (size_t i = 0; i < 6; i++) {
		if (!strcmp(v, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcmp(v, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

const char *baton__cli_string(baton__cli *cli, const char *name)
{
	baton__flag *f = baton__cli_flag(cli, name);
	if (!f || f->kind == BATON__FLAG_BOOL || f->kind == BATON__FLAG_STRINGS || f->kind == BATON__FLAG_MAP)
		return "";
	return f->str ? f->str : "";
}

bool baton__cli_bool(baton__cli *cli, const char *name)
{
	baton__flag *f = baton__cli_flag(cli, name);
	if (!f)
		return false;
	if (f->kind == BATON__FLAG_BOOL)
		return f->b;
	if (f->kind == BATON__FLAG_STRING && f->str) {
		/* a string read as a bool (upstream's --event-feed): what strconv.ParseBool accepts */
		bool b = false;
		return parse_bool(f->str, &b) == 0 && b;
	}
	return false;
}

int64_t baton__cli_int(baton__cli *cli, const char *name)
{
	baton__flag *f = baton__cli_flag(cli, name);
	return f && f->kind == BATON__FLAG_INT ? f->i : 0;
}

size_t baton__cli_list(baton__cli *cli, const char *name, const char *const **items)
{
	baton__flag *f = baton__cli_flag(cli, name);
	if (!f || f->kind != BATON__FLAG_STRINGS) {
		if (items)
			*items = NULL;
		return 0;
	}
	if (items)
		*items = (const char *const *)f->list;
	return f->n_list;
}

bool baton__cli_is_set(baton__cli *cli, const char *name)
{
	baton__flag *f = baton__cli_flag(cli, name);
	return f && f->set;
}

void baton__cli_env_name(const char *flag, char *buf, size_t size)
{
	size_t k = 0;
	const char *prefix = "BATON_";
	for (const char *p = prefix; *p && k + 1 < size; p++)
		buf[k++] = *p;
	for (const char *p = flag; *p && k + 1 < size; p++)
		buf[k++] = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
	if (size)
		buf[k < size ? k : size - 1] = '\0';
}

/* ------------------------------------------------------------------------------------------ */
/* Values                                                                                      */

static void clear_items(baton__flag *f)
{
	for (size_t i = 0; i < f->n_list; i++) {
		free(f->list[i]);
		if (f->values)
			free(f->values[i]);
	}
	f->n_list = 0;
}

static int add_item(baton__flag *f, const char *item, size_t n, const char *value, size_t vn)
{
	if (f->kind == BATON__FLAG_MAP) {
		/* a key given again takes the new value */
		for (size_t i = 0; i < f->n_list; i++) {
			if (strlen(f->list[i]) == n && !memcmp(f->list[i], item, n)) {
				char *v = strndup(value, vn);
				if (!v)
					return baton__error_oom("flag");
				free(f->values[i]);
				f->values[i] = v;
				return 0;
			}
		}
	}
	char **l = realloc(f->list, (f->n_list + 1) * sizeof(*l));
	if (!l)
		return baton__error_oom("flag");
	f->list = l;
	if (f->kind == BATON__FLAG_MAP) {
		char **v = realloc(f->values, (f->n_list + 1) * sizeof(*v));
		if (!v)
			return baton__error_oom("flag");
		f->values = v;
		if (!(v[f->n_list] = strndup(value, vn)))
			return baton__error_oom("flag");
	}
	if (!(l[f->n_list] = strndup(item, n))) {
		if (f->kind == BATON__FLAG_MAP)
			free(f->values[f->n_list]);
		return baton__error_oom("flag");
	}
	f->n_list++;
	return 0;
}

/* How a flag is named in pflag's errors. */
static void flag_label(const baton__flag *f, char *buf, size_t size)
{
	if (f->shorthand)
		snprintf(buf, size, "-%c, --%s", f->shorthand, f->name);
	else
		snprintf(buf, size, "--%s", f->name);
}

static const char *shown(const baton__flag *f, const char *v)
{
	return f->field && (f->field->flags & BATON_FIELD_SECRET) ? "[REDACTED]" : v;
}

/* A value error, worded as pflag words it, naming the source. */
static int bad_value(const baton__flag *f, const char *v, baton__source src, const char *where,
                     const char *reason)
{
	char label[160], envname[160];
	const char *sv = shown(f, v);
	switch (src) {
	case BATON__SRC_ENV:
		baton__cli_env_name(f->name, envname, sizeof(envname));
		return baton_error_set(BATON_EINVALID, "invalid argument \"%s\" for \"%s\" environment variable: %s",
		                       sv, envname, reason);
	case BATON__SRC_FILE:
		return baton_error_set(BATON_EINVALID, "invalid argument \"%s\" for \"%s\" in %s: %s", sv, f->name,
		                       where ? where : "the config file", reason);
	case BATON__SRC_DEFAULT:
		return baton_error_set(BATON_EINVALID, "connector config: field %s: invalid default \"%s\": %s", f->name,
		                       sv, reason);
	default:
		flag_label(f, label, sizeof(label));
		return baton_error_set(BATON_EINVALID, "invalid argument \"%s\" for \"%s\" flag: %s", sv, label, reason);
	}
}

/*
 * Splits a CSV record (pflag reads string slices as one CSV line): commas separate, an item may be
 * double-quoted with "" for a quote. Calls add for each item.
 */
static int csv_items(baton__flag *f, const char *v, baton__source src, const char *where)
{
	const char *p = v;
	size_t cap = strlen(v) + 1;
	char *item = malloc(cap);
	if (!item)
		return baton__error_oom("flag");
	int rc = 0;
	for (;;) {
		size_t k = 0;
		if (*p == '"') {
			p++;
			for (;;) {
				if (!*p) {
					free(item);
					return bad_value(f, v, src, where, "parse error: extraneous or missing \" in quoted-field");
				}
				if (*p == '"') {
					if (p[1] == '"') {
						item[k++] = '"';
						p += 2;
						continue;
					}
					p++;
					break;
				}
				item[k++] = *p++;
			}
			if (*p && *p != ',') {
				free(item);
				return bad_value(f, v, src, where, "parse error: extraneous or missing \" in quoted-field");
			}
		} else {
			while (*p && *p != ',')
				item[k++] = *p++;
		}
		item[k] = '\0';
		if (f->kind == BATON__FLAG_MAP) {
			char *eq = strchr(item, '=');
			if (!eq) {
				char reason[300];
				snprintf(reason, sizeof(reason), "%s must be formatted as key=value", shown(f, item));
				rc = bad_value(f, v, src, where, reason);
				break;
			}
			rc = add_item(f, item, (size_t)(eq - item), eq + 1, strlen(eq + 1));
		} else {
			rc = add_item(f, item, k, NULL, 0);
		}
		if (rc || !*p)
			break;
		p++; /* the comma */
	}
	free(item);
	return rc;
}

/* A JSON object as map items (the environment form viper's string maps read). */
static int json_map_items(baton__flag *f, const char *v, baton__source src, const char *where)
{
	json_error_t e;
	json_t *o = json_loads(v, 0, &e);
	if (!o || !json_is_object(o)) {
		json_decref(o);
		return bad_value(f, v, src, where, "not a JSON object");
	}
	const char *k;
	json_t *val;
	int rc = 0;
	json_object_foreach(o, k, val) {
		char *text = json_is_string(val) ? strdup(json_string_value(val)) : json_dumps(val, JSON_ENCODE_ANY);
		if (!text) {
			rc = baton__error_oom("flag");
			break;
		}
		rc = add_item(f, k, strlen(k), text, strlen(text));
		free(text);
		if (rc)
			break;
	}
	json_decref(o);
	return rc;
}

/* Whether this set replaces the current items (a new source) or adds to them (a repeated flag). */
static bool replaces(baton__flag *f, baton__source src)
{
	if (src == BATON__SRC_FLAG) {
		bool first = !f->from_flag_once;
		f->from_flag_once = true;
		return first;
	}
	return true;
}

int baton__cli_set_text(baton__flag *f, const char *v, baton__source src, const char *where)
{
	int rc = 0;
	switch (f->kind) {
	case BATON__FLAG_BOOL: {
		bool b;
		if (parse_bool(v, &b)) {
			char reason[300];
			snprintf(reason, sizeof(reason), "strconv.ParseBool: parsing \"%s\": invalid syntax", shown(f, v));
			return bad_value(f, v, src, where, reason);
		}
		f->b = b;
		break;
	}
	case BATON__FLAG_INT: {
		char *end;
		errno = 0;
		long long n = strtoll(v, &end, 0);
		if (!*v || *end || isspace((unsigned char)*v)) {
			char reason[300];
			snprintf(reason, sizeof(reason), "strconv.ParseInt: parsing \"%s\": invalid syntax", shown(f, v));
			return bad_value(f, v, src, where, reason);
		}
		if (errno == ERANGE) {
			char reason[300];
			snprintf(reason, sizeof(reason), "strconv.ParseInt: parsing \"%s\": value out of range", shown(f, v));
			return bad_value(f, v, src, where, reason);
		}
		f->i = n;
	}
		/* fallthrough */
	case BATON__FLAG_STRING: {
		char *s = strdup(v);
		if (!s)
			return baton__error_oom("flag");
		free(f->str);
		f->str = s;
		break;
	}
	case BATON__FLAG_STRINGS:
	case BATON__FLAG_MAP:
		if (replaces(f, src))
			clear_items(f);
		if (f->kind == BATON__FLAG_MAP && src != BATON__SRC_FLAG && v[0] == '{')
			rc = json_map_items(f, v, src, where);
		else if (*v)
			rc = csv_items(f, v, src, where);
		if (rc)
			return rc;
		break;
	}
	if (src != BATON__SRC_DEFAULT)
		f->set = true;
	f->source = src;
	return 0;
}

int baton__cli_set_items(baton__flag *f, const char *const *items, const char *const *values, size_t n,
                         baton__source src, const char *where)
{
	(void)where;
	clear_items(f);
	for (size_t i = 0; i < n; i++) {
		int rc = add_item(f, items[i], strlen(items[i]), values ? values[i] : NULL, values ? strlen(values[i]) : 0);
		if (rc)
			return rc;
	}
	f->set = true;
	f->source = src;
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* The table                                                                                   */

static baton__flag_kind kind_of(baton_field_kind k)
{
	switch (k) {
	case BATON_FIELD_BOOL:
		return BATON__FLAG_BOOL;
	case BATON_FIELD_INT:
		return BATON__FLAG_INT;
	case BATON_FIELD_STRING_LIST:
		return BATON__FLAG_STRINGS;
	case BATON_FIELD_STRING_MAP:
		return BATON__FLAG_MAP;
	default:
		return BATON__FLAG_STRING;
	}
}

static bool valid_name(const char *n)
{
	if (!n || !islower((unsigned char)n[0]))
		return false;
	for (const char *p = n; *p; p++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '-')
			return false;
	return strlen(n) < 100;
}

static int fill(baton__flag *f, const baton_field *d, bool sdk)
{
	memset(f, 0, sizeof(*f));
	f->name = d->name;
	f->shorthand = d->short_name;
	f->kind = kind_of(d->kind);
	f->def = sdk ? baton__sdk_default(d) : d->default_value_func ? d->default_value_func() : d->default_value;
	f->help = d->description;
	f->hidden = (d->flags & BATON_FIELD_HIDDEN) != 0;
	f->field = d;
	f->sdk = sdk;
	f->source = BATON__SRC_DEFAULT;
	const char *def = f->def;
	if (def) {
		/* a STRINGS / MAP default is parsed once, as the flag's own form */
		int rc = baton__cli_set_text(f, def, BATON__SRC_DEFAULT, NULL);
		if (rc)
			return rc;
	}
	if ((f->kind == BATON__FLAG_STRING || f->kind == BATON__FLAG_INT) && !f->str && !(f->str = strdup("")))
		return baton__error_oom("flag");
	return 0;
}

int baton__config_check_schema(const baton__cli *cli);

/* baton_field as BATON_CONFIG_SCHEMA_VERSION 1 laid it out (up to `pattern`). */
typedef struct baton__field_v1 {
	const char *name;
	baton_field_kind kind;
	unsigned int flags;
	const char *display_name;
	const char *description;
	const char *placeholder;
	const char *default_value;
	char short_name;
	const char *const *options;
	size_t n_options;
	int64_t min, max;
	size_t min_len, max_len;
	const char *pattern;
} baton__field_v1;

/* The connector's declarations in the current layout: a version 1 array is copied member by member. */
static int current_fields(baton__cli *cli, const baton_config_schema *schema)
{
	cli->n_fields = schema ? schema->n_fields : 0;
	if (!schema || schema->version >= 2 || !schema->n_fields) {
		cli->fields = schema ? schema->fields : NULL;
		return 0;
	}
	const baton__field_v1 *old = (const baton__field_v1 *)(const void *)schema->fields;
	baton_field *f = calloc(schema->n_fields, sizeof(*f));
	if (!f)
		return baton__error_oom("flags");
	for (size_t i = 0; i < schema->n_fields; i++) {
		f[i].name = old[i].name;
		f[i].kind = old[i].kind;
		f[i].flags = old[i].flags;
		f[i].display_name = old[i].display_name;
		f[i].description = old[i].description;
		f[i].placeholder = old[i].placeholder;
		f[i].default_value = old[i].default_value;
		f[i].short_name = old[i].short_name;
		f[i].options = old[i].options;
		f[i].n_options = old[i].n_options;
		f[i].min = old[i].min;
		f[i].max = old[i].max;
		f[i].min_len = old[i].min_len;
		f[i].max_len = old[i].max_len;
		f[i].pattern = old[i].pattern;
	}
	cli->fields = cli->fields_owned = f;
	return 0;
}

int baton__cli_init(baton__cli *cli, const baton_connector *connector)
{
	memset(cli, 0, sizeof(*cli));
	cli->connector = connector;
	const baton_config_schema *schema = connector && connector->version >= 2 ? connector->config : NULL;
	if (schema && schema->version < 1)
		return baton_error_set(BATON_EINVALID, "connector config: version must be set (BATON_CONFIG_SCHEMA_VERSION)");
	cli->schema = schema;
	size_t n_conn = schema ? schema->n_fields : 0;
	if (n_conn && !schema->fields)
		return baton_error_set(BATON_EINVALID, "connector config: fields is NULL");
	size_t n_sdk = baton__n_sdk_fields + baton__n_provision_fields;
	cli->flags = calloc(n_sdk + n_conn + 1, sizeof(*cli->flags));
	if (!cli->flags)
		return baton__error_oom("flags");
	int rc = 0;
	for (size_t i = 0; i < n_sdk; i++) {
		const baton_field *d = i < baton__n_sdk_fields ? &baton__sdk_fields[i]
		                                                : &baton__provision_fields[i - baton__n_sdk_fields];
		if ((rc = fill(&cli->flags[cli->n_flags], d, true)))
			goto fail;
		cli->n_flags++;
	}
	cli->n_sdk = cli->n_flags;
	if ((rc = current_fields(cli, schema)))
		goto fail;
	for (size_t i = 0; i < n_conn; i++) {
		const baton_field *d = &cli->fields[i];
		if (d->name && (d->flags & BATON_FIELD_REEXPORT)) {
			/* Go's ExportAs: the SDK's flag stays; only where the schema lists it changes */
			baton__flag *sf = baton__cli_flag(cli, d->name);
			if (!sf || !sf->sdk) {
				rc = baton_error_set(BATON_EINVALID, "connector config: field %s: BATON_FIELD_REEXPORT names no SDK "
				                     "flag", d->name);
				goto fail;
			}
			if (sf->export_as) {
				rc = baton_error_set(BATON_EINVALID, "multiple fields with the same name: %s. If you want to use a "
				                     "default field in the SDK, use ExportAs on the connector schema field", d->name);
				goto fail;
			}
			if ((d->flags & BATON_FIELD_OPS) && (d->flags & BATON_FIELD_CLI_ONLY)) {
				rc = baton_error_set(BATON_EINVALID, "connector config: field %s: OPS and CLI_ONLY exclude each other",
				                     d->name);
				goto fail;
			}
			sf->export_as = d;
			continue;
		}
		if (!valid_name(d->name)) {
			rc = baton_error_set(BATON_EINVALID, "connector config: field %zu: invalid name '%s' (lowercase letters, "
			                     "digits and '-', starting with a letter)", i, d->name ? d->name : "(null)");
			goto fail;
		}
		if (baton__cli_flag(cli, d->name)) {
			baton__flag *sf = baton__cli_flag(cli, d->name);
			rc = baton_error_set(BATON_EINVALID, "multiple fields with the same name: %s%s", d->name,
			                     sf->sdk ? ". If you want to use a default field in the SDK, use ExportAs on the "
			                               "connector schema field" : "");
			goto fail;
		}
		if (d->kind > BATON_FIELD_RANDOM) {
			rc = baton_error_set(BATON_EINVALID, "connector config: field %s: unknown kind %d", d->name, (int)d->kind);
			goto fail;
		}
		if (d->short_name) {
			bool clash = d->short_name == 'h' || d->short_name == 'v' || !isalnum((unsigned char)d->short_name);
			for (size_t j = 0; j < cli->n_flags; j++)
				if (cli->flags[j].shorthand == d->short_name)
					clash = true;
			if (clash) {
				rc = baton_error_set(BATON_EINVALID, "connector config: field %s: shorthand '%c' is already used",
				                     d->name, d->short_name);
				goto fail;
			}
		}
		if ((rc = fill(&cli->flags[cli->n_flags], d, false))) {
			cli->n_flags++;
			goto fail;
		}
		cli->n_flags++;
	}
	if ((rc = baton__config_check_schema(cli)))
		goto fail;
	return 0;
fail:
	baton__cli_free(cli);
	return rc;
}

void baton__cli_free(baton__cli *cli)
{
	for (size_t i = 0; i < cli->n_flags; i++) {
		baton__flag *f = &cli->flags[i];
		free(f->str);
		clear_items(f);
		free(f->list);
		free(f->values);
		if (f->data) {
			memset(f->data, 0, f->len);
			free(f->data);
		}
	}
	free(cli->flags);
	free(cli->config_file);
	free(cli->fields_owned);
	memset(cli, 0, sizeof(*cli));
}

/* ------------------------------------------------------------------------------------------ */
/* The environment and argv                                                                    */

static int read_env(baton__cli *cli)
{
	for (size_t i = 0; i < cli->n_flags; i++) {
		baton__flag *f = &cli->flags[i];
		char env[160];
		baton__cli_env_name(f->name, env, sizeof(env));
		const char *v = getenv(env);
		if (v && *v) {
			int rc = baton__cli_set_text(f, v, BATON__SRC_ENV, NULL);
			if (rc)
				return rc;
		}
	}
	return 0;
}

static baton__flag *by_short(baton__cli *cli, char c)
{
	for (size_t j = 0; j < cli->n_flags; j++)
		if (cli->flags[j].shorthand == c)
			return &cli->flags[j];
	return NULL;
}

static bool is_command(const char *s)
{
	return !strcmp(s, "capabilities") || !strcmp(s, "config") || !strcmp(s, "help") || !strcmp(s, "health-check") ||
	       !strcmp(s, "completion");
}

int baton__cli_parse(baton__cli *cli, int argc, char **argv)
{
	cli->prog = argc > 0 && argv[0] ? argv[0] : "connector";
	const char *slash = strrchr(cli->prog, '/');
	if (slash)
		cli->prog = slash + 1;
	int rc = baton__cli_read_config_file(cli);
	if (!rc)
		rc = read_env(cli);
	if (rc)
		return rc;
	/* the flags set from a source other than argv start again when argv names them */
	for (size_t i = 0; i < cli->n_flags; i++)
		cli->flags[i].from_flag_once = false;

	bool positional_only = false;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (!positional_only && !strcmp(arg, "--")) {
			positional_only = true;
			continue;
		}
		if (positional_only || arg[0] != '-' || !arg[1]) {
			if (!cli->command && is_command(arg)) {
				cli->command = !strcmp(arg, "help") ? NULL : arg;
				if (!strcmp(arg, "help"))
					cli->help = true;
				continue;
			}
			if (cli->command && !strcmp(cli->command, "completion") && !cli->shell) {
				cli->shell = arg;
				continue;
			}
			if (cli->command)
				continue; /* cobra hands a subcommand's extra arguments to it; ours ignore them */
			return baton_error_set(BATON_EINVALID, "unknown command \"%s\" for \"%s\"", arg, cli->prog);
		}
		if (arg[1] == '-') {
			char name[256];
			const char *eq = strchr(arg + 2, '=');
			size_t n = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
			if (n >= sizeof(name))
				n = sizeof(name) - 1;
			memcpy(name, arg + 2, n);
			name[n] = '\0';
			const char *value = eq ? eq + 1 : NULL;
			if (!strcmp(name, "help") || !strcmp(name, "version")) {
				bool b = true;
				if (value && parse_bool(value, &b))
					return baton_error_set(BATON_EINVALID, "invalid argument \"%s\" for \"%s\" flag: "
					                       "strconv.ParseBool: parsing \"%s\": invalid syntax", value,
					                       name[0] == 'h' ? "-h, --help" : "-v, --version", value);
				if (name[0] == 'h')
					cli->help = b;
				else
					cli->version = b;
				continue;
			}
			if (cli->command && !strcmp(cli->command, "health-check") &&
			    (!strcmp(name, "endpoint") || !strcmp(name, "timeout"))) {
				/* the health-check subcommand's own flags */
				if (!value && i + 1 < argc)
					value = argv[++i];
				else if (!value)
					return baton_error_set(BATON_EINVALID, "flag needs an argument: --%s", name);
				if (name[0] == 'e')
					cli->hc_endpoint = value;
				else
					cli->hc_timeout = value;
				continue;
			}
			baton__flag *f = baton__cli_flag(cli, name);
			if (!f)
				return baton_error_set(BATON_EINVALID, "unknown flag: --%s", name);
			if (!value) {
				if (f->kind == BATON__FLAG_BOOL)
					value = "true";
				else if (i + 1 < argc)
					value = argv[++i];
				else
					return baton_error_set(BATON_EINVALID, "flag needs an argument: --%s", f->name);
			}
			if ((rc = baton__cli_set_text(f, value, BATON__SRC_FLAG, NULL)))
				return rc;
			continue;
		}
		/* shorthands: -p, -pf x, -fx, -f=x */
		for (const char *p = arg + 1; *p; p++) {
			char c = *p;
			if (c == 'h') {
				cli->help = true;
				continue;
			}
			baton__flag *f = by_short(cli, c);
			if (!f && c == 'v') {
				cli->version = true;
				continue;
			}
			if (!f)
				return baton_error_set(BATON_EINVALID, "unknown shorthand flag: '%c' in -%s", c, p);
			const char *value = NULL;
			bool more = false; /* further shorthands follow in this argument */
			if (p[1] == '=') {
				value = p + 2;
			} else if (f->kind == BATON__FLAG_BOOL) {
				value = "true";
				more = true;
			} else if (p[1]) {
				value = p + 1;
			} else if (i + 1 < argc) {
				value = argv[++i];
			} else {
				return baton_error_set(BATON_EINVALID, "flag needs an argument: '%c' in -%s", c, p);
			}
			if ((rc = baton__cli_set_text(f, value, BATON__SRC_FLAG, NULL)))
				return rc;
			if (!more)
				break;
		}
	}
	return 0;
}
