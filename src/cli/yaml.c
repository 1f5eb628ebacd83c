/*
 * The YAML config file: $BATON_CONFIG_PATH (which must end in .yaml or .yml) or ./.baton.yaml
 * (./.baton.yml), keys being flag names. A missing file is no error. Values: a scalar (read as the
 * flag's text form), a sequence of scalars (lists), or a mapping of scalars (maps). Keys that name
 * no flag are ignored, as viper does.
 */
#include "cli/cli.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "core/error.h"

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

static const char *scalar(yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static int file_error(const char *path, const yaml_node_t *n, const char *what)
{
	return baton_error_set(BATON_EINVALID, "reading config file %s: %s (line %zu)", path, what,
	                       (size_t)n->start_mark.line + 1);
}

/* One key's value into its flag. */
static int apply(baton__flag *f, yaml_document_t *doc, yaml_node_t *v, const char *path)
{
	char where[600];
	snprintf(where, sizeof(where), "%s (line %zu)", path, (size_t)v->start_mark.line + 1);
	if (v->type == YAML_SCALAR_NODE) {
		/* an empty or null value (`key:`, `key: ~`, `key: null`) is no value, as viper has it */
		if (v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
		    (!v->data.scalar.length || !strcmp(scalar(v), "~") || !strcmp(scalar(v), "null") ||
		     !strcmp(scalar(v), "Null") || !strcmp(scalar(v), "NULL")))
			return 0;
		return baton__cli_set_text(f, scalar(v), BATON__SRC_FILE, where);
	}
	if (v->type == YAML_SEQUENCE_NODE) {
		if (f->kind != BATON__FLAG_STRINGS)
			return file_error(path, v, "a list is only allowed for list flags");
		size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
		const char **items = calloc(n ? n : 1, sizeof(*items));
		if (!items)
			return baton__error_oom("config file");
		for (size_t i = 0; i < n; i++) {
			yaml_node_t *it = yaml_document_get_node(doc, v->data.sequence.items.start[i]);
			if (!it || it->type != YAML_SCALAR_NODE) {
				free(items);
				return file_error(path, v, "list items must be plain values");
			}
			items[i] = scalar(it);
		}
		int rc = baton__cli_set_items(f, items, NULL, n, BATON__SRC_FILE, where);
		free(items);
		return rc;
	}
	if (v->type == YAML_MAPPING_NODE) {
		if (f->kind != BATON__FLAG_MAP)
			return file_error(path, v, "a mapping is only allowed for map flags");
		size_t n = (size_t)(v->data.mapping.pairs.top - v->data.mapping.pairs.start);
		const char **keys = calloc(n ? n : 1, sizeof(*keys));
		const char **vals = calloc(n ? n : 1, sizeof(*vals));
		int rc = 0;
		if (!keys || !vals) {
			rc = baton__error_oom("config file");
			goto out;
		}
		for (size_t i = 0; i < n; i++) {
			yaml_node_t *k = yaml_document_get_node(doc, v->data.mapping.pairs.start[i].key);
			yaml_node_t *x = yaml_document_get_node(doc, v->data.mapping.pairs.start[i].value);
			if (!k || !x || k->type != YAML_SCALAR_NODE || x->type != YAML_SCALAR_NODE) {
				rc = file_error(path, v, "map entries must be plain key: value pairs");
				goto out;
			}
			keys[i] = scalar(k);
			vals[i] = scalar(x);
		}
		rc = baton__cli_set_items(f, keys, vals, n, BATON__SRC_FILE, where);
out:
		free(keys);
		free(vals);
		return rc;
	}
	return 0;
}

static int read_file(baton__cli *cli, FILE *fp, const char *path)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	if (!yaml_parser_initialize(&parser))
		return baton__error_oom("config file");
	yaml_parser_set_input_file(&parser, fp);
	if (!yaml_parser_load(&parser, &doc)) {
		int rc = baton_error_set(BATON_EINVALID, "reading config file %s: %s (line %zu)", path,
		                         parser.problem ? parser.problem : "invalid YAML",
		                         (size_t)parser.problem_mark.line + 1);
		yaml_parser_delete(&parser);
		return rc;
	}
	int rc = 0;
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	if (!root)
		goto done; /* empty file */
	if (root->type == YAML_SCALAR_NODE && !root->data.scalar.length)
		goto done;
	if (root->type != YAML_MAPPING_NODE) {
		rc = file_error(path, root, "expected a mapping of flag names to values");
		goto done;
	}
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(&doc, p->key);
		yaml_node_t *v = yaml_document_get_node(&doc, p->value);
		if (!k || !v || k->type != YAML_SCALAR_NODE)
			continue;
		char name[128];
		size_t n = 0;
		for (const char *s = scalar(k); *s && n + 1 < sizeof(name); s++)
			name[n++] = (char)tolower((unsigned char)*s);
		name[n] = '\0';
		baton__flag *f = baton__cli_flag(cli, name);
		if (!f)
			continue;
		if ((rc = apply(f, &doc, v, path)))
			break;
	}
done:
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return rc;
}

int baton__cli_read_config_file(baton__cli *cli)
{
	const char *custom = getenv("BATON_CONFIG_PATH");
	const char *candidates[2] = {"./.baton.yaml", "./.baton.yml"};
	size_t n = 2;
	if (custom && *custom) {
		if (!ends_with(custom, ".yaml") && !ends_with(custom, ".yml"))
			return baton_error_set(BATON_EINVALID, "expected config file to have .yaml or .yml extension");
		candidates[0] = custom;
		n = 1;
	}
	for (size_t i = 0; i < n; i++) {
		FILE *fp = fopen(candidates[i], "rb");
		if (!fp) {
			if (errno == ENOENT || errno == ENOTDIR)
				continue;
			return baton_error_set(BATON_EINVALID, "reading config file %s: %s", candidates[i], strerror(errno));
		}
		int rc = read_file(cli, fp, candidates[i]);
		fclose(fp);
		if (!rc && !(cli->config_file = strdup(candidates[i])))
			rc = baton__error_oom("config file");
		return rc;
	}
	return 0;
}
