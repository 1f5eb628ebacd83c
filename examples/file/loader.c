/*
 * baton-file: reading the input files into one JSON document.
 */
#include "file.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

/* Files larger than this are refused (the whole file is held in memory). */
#define FILE_MAX_BYTES ((size_t)1 << 30)

static int read_all(const char *path, char **data, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;

	if (f == NULL)
		return baton_error_set(errno == ENOENT ? BATON_ENOTFOUND : BATON_EPERM,
		                       "input file %s: %s", path, strerror(errno));
	for (;;) {
		if (cap - n < 65536) {
			size_t ncap = cap ? cap * 2 : 65536;
			char *nb;

			if (ncap > FILE_MAX_BYTES + 1 || (nb = realloc(buf, ncap + 1)) == NULL) {
				free(buf);
				fclose(f);
				return baton_error_set(BATON_EEXHAUSTED, "input file %s: too large", path);
			}
			buf = nb;
			cap = ncap;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		fclose(f);
		return baton_error_set(BATON_EPERM, "input file %s: read error", path);
	}
	fclose(f);
	buf[n] = '\0';
	*data = buf;
	*len = n;
	return 0;
}

static const char *extension(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *dot = strrchr(slash ? slash : path, '.');

	return dot ? dot : "";
}

static bool ext_is(const char *ext, const char *want)
{
	return strcasecmp(ext, want) == 0;
}

/* ------------------------------------------------------------------------------------------ */
/* YAML                                                                                        */

static bool all_match(const char *s, size_t len, const char *set)
{
	for (size_t i = 0; i < len; i++)
		if (!strchr(set, s[i]))
			return false;
	return len > 0;
}

/* A plain scalar typed as YAML 1.2's core schema does (what yaml.v3 gives an interface{}). */
static json_t *typed_scalar(const char *s, size_t len)
{
	if (len == 0 || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL"))
		return json_null();
	if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE"))
		return json_true();
	if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE"))
		return json_false();
	const char *d = (s[0] == '-' || s[0] == '+') ? s + 1 : s;
	size_t dl = len - (size_t)(d - s);
	if (all_match(d, dl, "0123456789")) {
		char *end;
		errno = 0;
		long long v = strtoll(s, &end, 10);
		if (errno == 0 && *end == '\0')
			return json_integer(v);
	}
	if (all_match(d, dl, "0123456789.eE+-") && strchr("0123456789.", d[0]) &&
	    strcmp(d, ".")) {
		char *end;
		double v = strtod(s, &end);
		if (*end == '\0')
			return json_real(v);
	}
	return json_stringn(s, len);
}

static int yaml_node(const char *name, yaml_document_t *doc, yaml_node_t *n, bool typed, int depth,
                     json_t **out)
{
	if (depth > 64)
		return baton_error_set(BATON_EINVALID, "%s: line %zu: nested too deeply (an alias loop?)",
		                       name, (size_t)n->start_mark.line + 1);
	switch (n->type) {
	case YAML_SCALAR_NODE: {
		const char *s = (const char *)n->data.scalar.value;
		size_t len = n->data.scalar.length;
		bool plain = n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;

		if (plain && typed)
			*out = typed_scalar(s, len);
		else if (plain && (len == 0 || !strcmp(s, "~") || !strcmp(s, "null") ||
		                   !strcmp(s, "Null") || !strcmp(s, "NULL")))
			*out = json_null();
		else
			*out = json_stringn(s, len);
		break;
	}
	case YAML_SEQUENCE_NODE: {
		json_t *a = json_array();
		for (yaml_node_item_t *it = n->data.sequence.items.start; a && it < n->data.sequence.items.top; it++) {
			json_t *v;
			int rc = yaml_node(name, doc, yaml_document_get_node(doc, *it), typed, depth + 1, &v);
			if (rc) {
				json_decref(a);
				return rc;
			}
			json_array_append_new(a, v);
		}
		*out = a;
		break;
	}
	case YAML_MAPPING_NODE: {
		json_t *o = json_object();
		for (yaml_node_pair_t *p = n->data.mapping.pairs.start; o && p < n->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(doc, p->key);
			json_t *v;
			if (k->type != YAML_SCALAR_NODE) {
				json_decref(o);
				return baton_error_set(BATON_EINVALID, "%s: line %zu: mapping keys must be plain "
				                       "values", name, (size_t)k->start_mark.line + 1);
			}
			const char *key = (const char *)k->data.scalar.value;
			if (json_object_get(o, key)) {
				json_decref(o);
				return baton_error_set(BATON_EINVALID, "%s: line %zu: mapping key \"%s\" already "
				                       "defined", name, (size_t)k->start_mark.line + 1, key);
			}
			int rc = yaml_node(name, doc, yaml_document_get_node(doc, p->value),
			                   typed || !strcmp(key, "profile"), depth + 1, &v);
			if (rc) {
				json_decref(o);
				return rc;
			}
			json_object_set_new(o, key, v);
		}
		*out = o;
		break;
	}
	default:
		*out = json_null();
		break;
	}
	if (*out == NULL)
		return baton_error_set(BATON_EEXHAUSTED, "%s: out of memory", name);
	return 0;
}

int file_yaml_to_json(const char *name, const char *text, size_t len, json_t **out)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	int rc;

	if (!yaml_parser_initialize(&parser))
		return baton_error_set(BATON_EEXHAUSTED, "%s: out of memory", name);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		rc = baton_error_set(BATON_EINVALID, "%s: line %zu: %s", name,
		                     (size_t)parser.problem_mark.line + 1,
		                     parser.problem ? parser.problem : "malformed YAML");
		yaml_parser_delete(&parser);
		return rc;
	}
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	if (root == NULL)
		*out = json_object(), rc = *out ? 0 : baton_error_set(BATON_EEXHAUSTED, "out of memory");
	else
		rc = yaml_node(name, &doc, root, false, 0, out);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* CSV                                                                                         */

typedef struct csv_reader {
	const char *p, *end;
	size_t line;
} csv_reader;

/*
 * Reads one record into a new JSON array of strings; *out NULL at the end of the input.
 * RFC 4180: fields separated by commas, optionally quoted with "" as an escaped quote; records
 * end with LF or CRLF; quoted fields may hold commas and line breaks.
 */
static int csv_record(const char *name, csv_reader *r, json_t **out)
{
	json_t *rec;
	char *field = NULL;
	size_t n = 0, cap = 0;

	*out = NULL;
	if (r->p >= r->end)
		return 0;
	if ((rec = json_array()) == NULL)
		return baton_error_set(BATON_EEXHAUSTED, "out of memory");
	for (;;) {
		bool quoted = r->p < r->end && *r->p == '"';
		size_t start_line = r->line;

		n = 0;
		if (quoted)
			r->p++;
		for (;;) {
			char c;
			if (r->p >= r->end) {
				if (quoted) {
					free(field);
					json_decref(rec);
					return baton_error_set(BATON_EINVALID, "%s: line %zu: unterminated quoted "
					                       "field", name, start_line);
				}
				break;
			}
			c = *r->p;
			if (quoted && c == '"') {
				if (r->p + 1 < r->end && r->p[1] == '"') {
					r->p += 2;
				} else {
					r->p++;
					quoted = false;
					/* only a separator or the end of the record may follow */
					if (r->p < r->end && *r->p != ',' && *r->p != '\n' && *r->p != '\r') {
						free(field);
						json_decref(rec);
						return baton_error_set(BATON_EINVALID, "%s: line %zu: text after a "
						                       "closing quote", name, r->line);
					}
					continue;
				}
			} else if (!quoted && (c == ',' || c == '\n' || c == '\r')) {
				break;
			} else {
				if (c == '\n')
					r->line++;
				r->p++;
			}
			if (n + 1 >= cap) {
				size_t ncap = cap ? cap * 2 : 64;
				char *nf = realloc(field, ncap);
				if (nf == NULL) {
					free(field);
					json_decref(rec);
					return baton_error_set(BATON_EEXHAUSTED, "out of memory");
				}
				field = nf;
				cap = ncap;
			}
			field[n++] = c;
		}
		json_array_append_new(rec, json_stringn(field ? field : "", n));
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		/* end of record */
		if (r->p < r->end && *r->p == '\r')
			r->p++;
		if (r->p < r->end && *r->p == '\n')
			r->p++;
		r->line++;
		break;
	}
	free(field);
	*out = rec;
	return 0;
}

/* Lower-cased, trimmed copy of a header cell, in buf. */
static void header_key(const char *s, char *buf, size_t size)
{
	size_t n = 0;

	while (isspace((unsigned char)*s))
		s++;
	for (; *s && n + 1 < size; s++)
		buf[n++] = (char)tolower((unsigned char)*s);
	while (n > 0 && isspace((unsigned char)buf[n - 1]))
		n--;
	buf[n] = '\0';
}

/* The document key for a header, or NULL when the column is not read. *profile set for profile
 * columns, with the profile key in `pkey`. */
static const char *column_key(file_csv_table table, const char *raw, bool *profile, char *pkey,
                              size_t pkey_size)
{
	char h[256];
	static const struct {
		file_csv_table table;
		const char *header, *key;
	} map[] = {
		{FILE_CSV_USERS, "name", "name"},
		{FILE_CSV_USERS, "display name", "display_name"},
		{FILE_CSV_USERS, "display_name", "display_name"},
		{FILE_CSV_USERS, "email", "email"},
		{FILE_CSV_USERS, "status", "status"},
		{FILE_CSV_USERS, "type", "type"},
		{FILE_CSV_USERS, "last login", "last_login"},
		{FILE_CSV_USERS, "last_login", "last_login"},
		{FILE_CSV_GRANTS, "principal receiving grant", "principal"},
		{FILE_CSV_GRANTS, "principal", "principal"},
		{FILE_CSV_GRANTS, "entitlement granted to prinicpal", "entitlement_id"}, /* sic, upstream */
		{FILE_CSV_GRANTS, "entitlement granted to principal", "entitlement_id"},
		{FILE_CSV_GRANTS, "entitlement_id", "entitlement_id"},
	};

	*profile = false;
	header_key(raw, h, sizeof(h));
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].table == table && !strcmp(map[i].header, h))
			return map[i].key;
	if (table == FILE_CSV_USERS) {
		const char *k = NULL;
		if (!strncmp(h, "profile:", 8))
			k = h + 8;
		else if (!strncmp(h, "profile.", 8))
			k = h + 8;
		if (k != NULL) {
			while (isspace((unsigned char)*k))
				k++;
			if (*k) {
				snprintf(pkey, pkey_size, "%s", k);
				*profile = true;
				return "profile";
			}
		}
	}
	return NULL;
}

int file_load_csv(const char *path, file_csv_table table, json_t *doc)
{
	const char *tname = table == FILE_CSV_USERS ? "users" : "grants";
	char *data;
	size_t len;
	json_t *header = NULL, *rec = NULL;
	int rc;

	if ((rc = read_all(path, &data, &len)) != 0)
		return rc;
	csv_reader r = {data, data + len, 1};
	if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3)) /* a UTF-8 byte order mark, as Excel writes */
		r.p += 3;

	json_t *rows = json_object_get(doc, tname);
	if (rows == NULL || json_is_null(rows)) {
		rows = json_array();
		json_object_set_new(doc, tname, rows);
	}
	if (!json_is_array(rows)) {
		rc = baton_error_set(BATON_EINVALID, "%s: the input's \"%s\" is not a list", path, tname);
		goto out;
	}
	if ((rc = csv_record(path, &r, &header)) != 0)
		goto out;
	if (header == NULL) {
		rc = baton_error_set(BATON_EINVALID, "%s: empty file (a header row is required)", path);
		goto out;
	}

	size_t ncol = json_array_size(header);
	const char **keys = calloc(ncol ? ncol : 1, sizeof(*keys));
	char (*pkeys)[256] = calloc(ncol ? ncol : 1, sizeof(*pkeys));
	bool have_required = false, have_second = false;
	if (!keys || !pkeys) {
		free(keys);
		free(pkeys);
		rc = baton_error_set(BATON_EEXHAUSTED, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < ncol; i++) {
		bool prof;
		keys[i] = column_key(table, json_string_value(json_array_get(header, i)), &prof,
		                     pkeys[i], sizeof(pkeys[i]));
		if (!prof)
			pkeys[i][0] = '\0';
		if (keys[i] && !strcmp(keys[i], table == FILE_CSV_USERS ? "name" : "principal"))
			have_required = true;
		if (keys[i] && !strcmp(keys[i], table == FILE_CSV_USERS ? "display_name" : "entitlement_id"))
			have_second = true;
	}
	if (!have_required || !have_second) {
		rc = baton_error_set(BATON_EINVALID, "%s: a %s table needs the columns %s", path, tname,
		                     table == FILE_CSV_USERS ? "\"Name\" and \"Display Name\""
		                                             : "\"Principal Receiving Grant\" and "
		                                               "\"Entitlement Granted to Prinicpal\"");
		free(keys);
		free(pkeys);
		goto out;
	}
	for (;;) {
		size_t line = r.line;
		if ((rc = csv_record(path, &r, &rec)) != 0 || rec == NULL)
			break;
		/* blank lines are skipped */
		if (json_array_size(rec) == 1 && !*json_string_value(json_array_get(rec, 0))) {
			json_decref(rec);
			continue;
		}
		json_t *obj = json_object();
		json_object_set_new(obj, "_line", json_integer((json_int_t)line));
		for (size_t i = 0; i < ncol && i < json_array_size(rec); i++) {
			const char *v = json_string_value(json_array_get(rec, i));
			if (keys[i] == NULL)
				continue;
			/* surrounding spaces are trimmed, as upstream trims Excel cells */
			while (isspace((unsigned char)*v))
				v++;
			size_t vl = strlen(v);
			while (vl > 0 && isspace((unsigned char)v[vl - 1]))
				vl--;
			if (pkeys[i][0]) {
				if (vl == 0)
					continue;
				json_t *p = json_object_get(obj, "profile");
				if (p == NULL) {
					p = json_object();
					json_object_set_new(obj, "profile", p);
				}
				json_object_set_new(p, pkeys[i], json_stringn(v, vl));
			} else {
				json_object_set_new(obj, keys[i], json_stringn(v, vl));
			}
		}
		json_array_append_new(rows, obj);
		json_decref(rec);
	}
	free(keys);
	free(pkeys);
out:
	json_decref(header);
	free(data);
	return rc;
}

/* ------------------------------------------------------------------------------------------ */

int file_load(const char *path, json_t **doc)
{
	const char *ext = extension(path);
	char *data;
	size_t len;
	int rc;

	*doc = NULL;
	if (ext_is(ext, ".csv")) {
		json_t *d = json_object();
		if (d == NULL)
			return baton_error_set(BATON_EEXHAUSTED, "out of memory");
		if ((rc = file_load_csv(path, FILE_CSV_USERS, d)) != 0) {
			json_decref(d);
			return rc;
		}
		*doc = d;
		return 0;
	}
	if (!ext_is(ext, ".json") && !ext_is(ext, ".yaml") && !ext_is(ext, ".yml"))
		return baton_error_set(BATON_EINVALID, "unsupported file type: '%s' for file: %s "
		                       "(.yaml, .yml, .json or .csv)", ext, path);
	if ((rc = read_all(path, &data, &len)) != 0)
		return rc;
	if (ext_is(ext, ".json")) {
		json_error_t err;
		*doc = json_loadb(data, len, JSON_REJECT_DUPLICATES, &err);
		if (*doc == NULL)
			rc = baton_error_set(BATON_EINVALID, "%s: line %d: %s", path, err.line, err.text);
	} else {
		rc = file_yaml_to_json(path, data, len, doc);
	}
	free(data);
	if (rc == 0 && json_is_null(*doc)) {
		json_decref(*doc);
		*doc = json_object();
	}
	if (rc == 0 && !json_is_object(*doc)) {
		json_decref(*doc);
		*doc = NULL;
		rc = baton_error_set(BATON_EINVALID, "%s: the top level must be a mapping with the keys "
		                     "users, resources, entitlements and grants", path);
	}
	return rc;
}
