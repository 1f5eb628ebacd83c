/*
 * The YAML config file: $BATON_CONFIG_PATH (which must end in .yaml or .yml) or ./.baton.yaml
 * (./.baton.yml), keys being flag names. A missing file is no error. Values: a scalar (read as the
 * flag's text form), a sequence of scalars (lists), or a mapping of scalars (maps). Keys that name
 * no flag are ignored, as viper does.
 */
#include "cli/cli.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "core/error.h"
#include "core/input.h"

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

/* ------------------------------------------------------------------------------------------ */
/* The document, read from libyaml's events into a tree of nodes. Built in one pass over the file
 * (no second parse) with three bounds checked as the events arrive, so that no input costs more
 * than its size: collections nest at most BATON__YAML_MAX_DEPTH deep (libyaml's own scanner is
 * quadratic in the nesting of flow collections, so a deep file is refused before that matters),
 * and aliases, which stand for the whole of their anchor's node, may together stand for at most
 * BATON__YAML_MAX_ALIAS_NODES nodes and BATON__YAML_MAX_ALIAS_BYTES bytes of scalar text (the
 * "billion laughs" of nested anchors). An alias is kept as a reference to its anchor's node,
 * never copied. */

typedef enum { YN_SCALAR, YN_SEQ, YN_MAP } yn_type;

typedef struct ynode {
	yn_type type;
	char *value;             /* scalars: the text (libyaml's, NUL terminated) */
	size_t len;
	bool plain;
	size_t line;             /* 1-based */
	struct ynode **items;    /* sequences: items; mappings: key, value, key, value, ... */
	size_t n, cap;
	size_t height;           /* collections nested inside, this one included (scalars: 0) */
	size_t nodes, bytes;     /* the expanded size: nodes and scalar bytes, aliases included */
	char *anchor;            /* while open: the anchor to register when complete */
	size_t index;            /* in ydoc.all */
} ynode;

typedef struct ydoc {
	const char *path;
	const char *text;        /* the file, for positions of encoding errors */
	size_t len;
	ynode **all;             /* every node made, freed together */
	size_t n_all, cap_all;
	json_t *anchors;         /* name -> index in all */
	size_t alias_nodes, alias_bytes;
} ydoc;

static ynode *ydoc_new(ydoc *d, yn_type type, size_t line)
{
	if (d->n_all == d->cap_all) {
		size_t ncap = d->cap_all ? d->cap_all * 2 : 64;
		ynode **na = realloc(d->all, ncap * sizeof(*na));
		if (!na)
			return NULL;
		d->all = na;
		d->cap_all = ncap;
	}
	ynode *n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->type = type;
	n->line = line;
	n->nodes = 1;
	n->index = d->n_all;
	d->all[d->n_all++] = n;
	return n;
}

static void ydoc_free(ydoc *d)
{
	for (size_t i = 0; i < d->n_all; i++) {
		free(d->all[i]->value);
		free(d->all[i]->items);
		free(d->all[i]->anchor);
		free(d->all[i]);
	}
	free(d->all);
	json_decref(d->anchors);
}

static int add_child(ynode *parent, ynode *child)
{
	if (parent->n == parent->cap) {
		size_t ncap = parent->cap ? parent->cap * 2 : 8;
		ynode **na = realloc(parent->items, ncap * sizeof(*na));
		if (!na)
			return baton__error_oom("config file");
		parent->items = na;
		parent->cap = ncap;
	}
	parent->items[parent->n++] = child;
	if (child->height + 1 > parent->height)
		parent->height = child->height + 1;
	parent->nodes += child->nodes;
	parent->bytes += child->bytes;
	return 0;
}

static int register_anchor(ydoc *d, const char *anchor, const ynode *n)
{
	json_t *v;
	if (anchor && (!(v = json_integer((json_int_t)n->index)) || json_object_set_new(d->anchors, anchor, v)))
		return baton__error_oom("config file");
	return 0;
}

/* Line and column (1-based) of a byte offset of the file. */
static void position(const ydoc *d, size_t off, size_t *line, size_t *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off && i < d->len; i++) {
		if (d->text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)d->text[i] & 0xC0) != 0x80) {
			(*col)++;
		}
	}
}

static int parse_error(const ydoc *d, const yaml_parser_t *p)
{
	if (p->error == YAML_READER_ERROR) {
		/* the encoding: libyaml gives an offset, no mark */
		size_t line, col;
		position(d, p->problem_offset, &line, &col);
		if (p->problem_value >= 0)
			return baton_error_set(BATON_EINVALID, "reading config file %s: line %zu column %zu: %s "
			                       "(0x%X): the file must be UTF-8 text", d->path, line, col,
			                       p->problem ? p->problem : "invalid text", (unsigned)p->problem_value);
		return baton_error_set(BATON_EINVALID, "reading config file %s: line %zu column %zu: %s: the "
		                       "file must be UTF-8 text", d->path, line, col,
		                       p->problem ? p->problem : "invalid text");
	}
	if (p->error == YAML_MEMORY_ERROR)
		return baton__error_oom("config file");
	return baton_error_set(BATON_EINVALID, "reading config file %s: %s (line %zu column %zu)", d->path,
	                       p->problem ? p->problem : "invalid YAML", (size_t)p->problem_mark.line + 1,
	                       (size_t)p->problem_mark.column + 1);
}

/*
 * Reads the first document of the file into *root (NULL: an empty file). The stack of open
 * collections is the parser's own (no recursion), at most BATON__YAML_MAX_DEPTH deep.
 */
static int load_doc(ydoc *d, ynode **root)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	ynode *stack[BATON__YAML_MAX_DEPTH];
	size_t depth = 0;
	int rc = 0;

	*root = NULL;
	if (!(d->anchors = json_object()))
		return baton__error_oom("config file");
	if (!yaml_parser_initialize(&parser))
		return baton__error_oom("config file");
	yaml_parser_set_input_string(&parser, (const unsigned char *)d->text, d->len);
	for (bool done = false; !done && !rc;) {
		if (!yaml_parser_parse(&parser, &ev)) {
			rc = parse_error(d, &parser);
			break;
		}
		size_t line = (size_t)ev.start_mark.line + 1, col = (size_t)ev.start_mark.column + 1;
		ynode *n = NULL;
		const char *anchor = NULL;
		switch (ev.type) {
		case YAML_DOCUMENT_END_EVENT:
		case YAML_STREAM_END_EVENT:
			done = true; /* the first document only, as before */
			break;
		case YAML_SCALAR_EVENT:
			if (strlen((const char *)ev.data.scalar.value) != ev.data.scalar.length) {
				rc = baton_error_set(BATON_EINVALID, "reading config file %s: line %zu column %zu: a "
				                     "value holds a NUL character", d->path, line, col);
				break;
			}
			if (!(n = ydoc_new(d, YN_SCALAR, line))) {
				rc = baton__error_oom("config file");
				break;
			}
			n->value = (char *)ev.data.scalar.value;
			ev.data.scalar.value = NULL; /* the node has it now */
			n->len = ev.data.scalar.length;
			n->plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
			n->bytes = n->len;
			anchor = (const char *)ev.data.scalar.anchor;
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (depth == BATON__YAML_MAX_DEPTH) {
				rc = baton_error_set(BATON_EINVALID, "reading config file %s: line %zu column %zu: "
				                     "nested more than %d levels deep", d->path, line, col,
				                     BATON__YAML_MAX_DEPTH);
				break;
			}
			if (!(n = ydoc_new(d, ev.type == YAML_SEQUENCE_START_EVENT ? YN_SEQ : YN_MAP, line))) {
				rc = baton__error_oom("config file");
				break;
			}
			anchor = (const char *)(ev.type == YAML_SEQUENCE_START_EVENT ? ev.data.sequence_start.anchor
			                                                              : ev.data.mapping_start.anchor);
			if (anchor && !(n->anchor = strdup(anchor))) {
				rc = baton__error_oom("config file");
				break;
			}
			stack[depth++] = n;
			n = NULL; /* added to its parent when it ends */
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			n = stack[--depth];
			if ((rc = register_anchor(d, n->anchor, n)))
				break;
			break;
		case YAML_ALIAS_EVENT: {
			/* an anchor is registered when its node is complete, so an alias inside its own
			 * anchor's node (a loop) is an undefined alias */
			json_t *ix = json_object_get(d->anchors, (const char *)ev.data.alias.anchor);
			if (!ix) {
				rc = baton_error_set(BATON_EINVALID, "reading config file %s: line %zu column %zu: "
				                     "alias *%s names no anchor before it", d->path, line, col,
				                     (const char *)ev.data.alias.anchor);
				break;
			}
			n = d->all[json_integer_value(ix)];
			if (depth + n->height > BATON__YAML_MAX_DEPTH) {
				rc = baton_error_set(BATON_EINVALID, "reading config file %s: line %zu column %zu: "
				                     "alias *%s: nested more than %d levels deep", d->path, line, col,
				                     (const char *)ev.data.alias.anchor, BATON__YAML_MAX_DEPTH);
				break;
			}
			d->alias_nodes += n->nodes;
			d->alias_bytes += n->bytes;
			if (d->alias_nodes > BATON__YAML_MAX_ALIAS_NODES || d->alias_bytes > BATON__YAML_MAX_ALIAS_BYTES)
				rc = baton_error_set(BATON_EINVALID, "reading config file %s: line %zu column %zu: "
				                     "aliases expand to more than %d nodes or %d bytes of text (an alias "
				                     "bomb?)", d->path, line, col, BATON__YAML_MAX_ALIAS_NODES,
				                     BATON__YAML_MAX_ALIAS_BYTES);
			break;
		}
		default:
			break;
		}
		if (!rc && n) {
			if (anchor && ev.type == YAML_SCALAR_EVENT)
				rc = register_anchor(d, anchor, n);
			if (!rc && depth)
				rc = add_child(stack[depth - 1], n);
			else if (!rc && !*root)
				*root = n;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	return rc;
}

static int file_error(const char *path, const ynode *n, const char *what)
{
	return baton_error_set(BATON_EINVALID, "reading config file %s: %s (line %zu)", path, what, n->line);
}

/* One key's value into its flag. */
static int apply(baton__flag *f, const ynode *v, const char *path)
{
	char where[600];
	snprintf(where, sizeof(where), "%s (line %zu)", path, v->line);
	if (v->type == YN_SCALAR) {
		/* an empty or null value (`key:`, `key: ~`, `key: null`) is no value, as viper has it */
		if (v->plain && (!v->len || !strcmp(v->value, "~") || !strcmp(v->value, "null") ||
		                 !strcmp(v->value, "Null") || !strcmp(v->value, "NULL")))
			return 0;
		return baton__cli_set_text(f, v->value, BATON__SRC_FILE, where);
	}
	if (v->type == YN_SEQ) {
		if (f->kind != BATON__FLAG_STRINGS)
			return file_error(path, v, "a list is only allowed for list flags");
		const char **items = calloc(v->n ? v->n : 1, sizeof(*items));
		if (!items)
			return baton__error_oom("config file");
		for (size_t i = 0; i < v->n; i++) {
			if (v->items[i]->type != YN_SCALAR) {
				free(items);
				return file_error(path, v, "list items must be plain values");
			}
			items[i] = v->items[i]->value;
		}
		int rc = baton__cli_set_items(f, items, NULL, v->n, BATON__SRC_FILE, where);
		free(items);
		return rc;
	}
	if (f->kind != BATON__FLAG_MAP)
		return file_error(path, v, "a mapping is only allowed for map flags");
	size_t n = v->n / 2;
	const char **keys = calloc(n ? n : 1, sizeof(*keys));
	const char **vals = calloc(n ? n : 1, sizeof(*vals));
	int rc = 0;
	if (!keys || !vals) {
		rc = baton__error_oom("config file");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const ynode *k = v->items[2 * i], *x = v->items[2 * i + 1];
		if (k->type != YN_SCALAR || x->type != YN_SCALAR) {
			rc = file_error(path, v, "map entries must be plain key: value pairs");
			goto out;
		}
		keys[i] = k->value;
		vals[i] = x->value;
	}
	rc = baton__cli_set_items(f, keys, vals, n, BATON__SRC_FILE, where);
out:
	free(keys);
	free(vals);
	return rc;
}

static int read_file(baton__cli *cli, const char *text, size_t len, const char *path)
{
	ydoc d = {.path = path, .text = text, .len = len};
	ynode *root;
	int rc = load_doc(&d, &root);
	if (rc || !root)
		goto done; /* an error, or an empty file */
	if (root->type == YN_SCALAR && !root->len)
		goto done;
	if (root->type != YN_MAP) {
		rc = file_error(path, root, "expected a mapping of flag names to values");
		goto done;
	}
	for (size_t i = 0; i + 1 < root->n; i += 2) {
		ynode *k = root->items[i], *v = root->items[i + 1];
		if (k->type != YN_SCALAR)
			continue;
		char name[128];
		size_t n = 0;
		for (const char *s = k->value; *s && n + 1 < sizeof(name); s++)
			name[n++] = (char)tolower((unsigned char)*s);
		name[n] = '\0';
		baton__flag *f = baton__cli_flag(cli, name);
		if (!f)
			continue;
		if ((rc = apply(f, v, path)))
			break;
	}
done:
	ydoc_free(&d);
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
		char *text;
		size_t len;
		int rc = baton__input_read_all(candidates[i], "config file", BATON__CONFIG_FILE_MAX, &text, &len);
		if (rc == BATON_ENOTFOUND)
			continue;
		if (rc)
			return rc;
		rc = read_file(cli, text, len, candidates[i]);
		free(text);
		if (!rc && !(cli->config_file = strdup(candidates[i])))
			rc = baton__error_oom("config file");
		return rc;
	}
	return 0;
}
