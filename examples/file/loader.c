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
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>
#include <yaml.h>

/* Files larger than this are refused (the whole file is held in memory). */
#define FILE_MAX_BYTES ((size_t)1 << 30)

static const char *file_kind(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISCHR(m) || S_ISBLK(m))
		return "a device";
	return "not a regular file";
}

int file_open_input(const char *path, const char *what)
{
	/* O_NONBLOCK: opening a FIFO with no writer must not wait for one; cleared once the file is
	 * known to be a regular one, the only kind read */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;

	if (fd < 0)
		return baton_error_set(errno == ENOENT ? BATON_ENOTFOUND : BATON_EPERM, "%s %s: %s", what,
		                       path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		int rc = baton_error_set(BATON_EPERM, "%s %s: %s", what, path, strerror(errno));
		close(fd);
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return baton_error_set(BATON_EINVALID, "%s %s: is %s, not a regular file", what, path,
		                       file_kind(st.st_mode));
	}
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		int rc = baton_error_set(BATON_EPERM, "%s %s: %s", what, path, strerror(errno));
		close(fd);
		return rc;
	}
	return fd;
}

int file_read_all(const char *path, const char *what, size_t max, char **data, size_t *len)
{
	char *buf = NULL;
	size_t n = 0, cap = 0;
	int fd = file_open_input(path, what);

	if (fd < 0)
		return fd;
	for (;;) {
		if (cap - n < 65536) {
			size_t ncap = cap ? cap * 2 : 65536;
			char *nb;

			if (ncap > max + 1)
				ncap = max + 1;
			if (ncap <= n || (nb = realloc(buf, ncap + 1)) == NULL) {
				free(buf);
				close(fd);
				return baton_error_set(BATON_EEXHAUSTED, "%s %s: larger than %zu bytes", what, path, max);
			}
			buf = nb;
			cap = ncap;
		}
		ssize_t got = read(fd, buf + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int rc = baton_error_set(BATON_EPERM, "%s %s: read error: %s", what, path, strerror(errno));
			free(buf);
			close(fd);
			return rc;
		}
		if (got == 0)
			break;
		n += (size_t)got;
		if (n > max) {
			free(buf);
			close(fd);
			return baton_error_set(BATON_EEXHAUSTED, "%s %s: larger than %zu bytes", what, path, max);
		}
	}
	close(fd);
	buf[n] = '\0';
	*data = buf;
	*len = n;
	return 0;
}

static int read_all(const char *path, char **data, size_t *len)
{
	return file_read_all(path, "input file", FILE_MAX_BYTES, data, len);
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

/*
 * The YAML is read from libyaml's events in one pass, with an explicit stack (no recursion) and
 * three bounds checked as the events arrive: collections nest at most FILE_YAML_MAX_DEPTH deep,
 * and aliases -- each of which is a copy of its anchor's value in the JSON document -- may
 * together stand for at most FILE_YAML_MAX_ALIAS_NODES nodes and FILE_YAML_MAX_ALIAS_BYTES bytes
 * of scalar text. A "billion laughs" file of nested anchors is refused before its copies are
 * made, so memory stays in proportion to the input. An anchor is usable once its node is
 * complete: an alias inside its own anchor (a loop) names no anchor.
 */

typedef struct yaml_anchor {
	json_t *value;               /* the anchor's value (a reference) */
	char *raw;                   /* scalars: the text, for use as a mapping key; else NULL */
	size_t height, nodes, bytes; /* collections nested, nodes and scalar bytes, expanded */
} yaml_anchor;

typedef struct yaml_frame {
	json_t *v;                   /* the open array or object */
	bool typed;                  /* plain scalars in it are typed (under a "profile" key) */
	char *key;                   /* objects: the key read, whose value comes next; NULL: none */
	size_t key_line;
	char *anchor;
	size_t height, nodes, bytes;
} yaml_frame;

typedef struct yaml_reader {
	const char *name, *text;
	size_t len;
	yaml_frame stack[FILE_YAML_MAX_DEPTH];
	size_t depth;
	json_t *anchor_ix;           /* name -> index in anchors */
	yaml_anchor *anchors;
	size_t n_anchors, cap_anchors;
	size_t alias_nodes, alias_bytes;
	json_t *root;
} yaml_reader;

/* Line and column (1-based) of a byte offset of the text. */
static void text_position(const char *text, size_t len, size_t off, size_t *line, size_t *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off && i < len; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)text[i] & 0xC0) != 0x80) {
			(*col)++;
		}
	}
}

static int yaml_anchor_set(yaml_reader *r, const char *name, json_t *value, const char *raw,
                           size_t height, size_t nodes, size_t bytes)
{
	if (r->n_anchors == r->cap_anchors) {
		size_t ncap = r->cap_anchors ? r->cap_anchors * 2 : 16;
		yaml_anchor *na = realloc(r->anchors, ncap * sizeof(*na));
		if (na == NULL)
			return baton_error_set(BATON_EEXHAUSTED, "%s: out of memory", r->name);
		r->anchors = na;
		r->cap_anchors = ncap;
	}
	yaml_anchor *a = &r->anchors[r->n_anchors];
	*a = (yaml_anchor){json_incref(value), raw ? strdup(raw) : NULL, height, nodes, bytes};
	json_t *ix = json_integer((json_int_t)r->n_anchors);
	r->n_anchors++;
	if ((raw && a->raw == NULL) || ix == NULL || json_object_set_new(r->anchor_ix, name, ix))
		return baton_error_set(BATON_EEXHAUSTED, "%s: out of memory", r->name);
	return 0;
}

/* A complete value into the open collection (or as the root). Takes `v`. */
static int yaml_put(yaml_reader *r, json_t *v, size_t line, size_t height, size_t nodes, size_t bytes)
{
	if (v == NULL)
		return baton_error_set(BATON_EEXHAUSTED, "%s: out of memory", r->name);
	if (r->depth == 0) {
		if (r->root == NULL)
			r->root = v;
		else
			json_decref(v);
		return 0;
	}
	yaml_frame *f = &r->stack[r->depth - 1];
	if (height + 1 > f->height)
		f->height = height + 1;
	f->nodes += nodes;
	f->bytes += bytes;
	if (json_is_array(f->v))
		return json_array_append_new(f->v, v) ? baton_error_set(BATON_EEXHAUSTED, "%s: out of memory",
		                                                         r->name) : 0;
	if (f->key == NULL) {
		json_decref(v);
		return baton_error_set(BATON_EINVALID, "%s: line %zu: mapping keys must be plain values",
		                       r->name, line);
	}
	if (json_object_get(f->v, f->key)) {
		json_decref(v);
		return baton_error_set(BATON_EINVALID, "%s: line %zu: mapping key \"%s\" already defined",
		                       r->name, f->key_line, f->key);
	}
	int rc = json_object_set_new(f->v, f->key, v);
	free(f->key);
	f->key = NULL;
	return rc ? baton_error_set(BATON_EEXHAUSTED, "%s: out of memory", r->name) : 0;
}

/* In an object with no key read yet, the next scalar is the key: true (and *f) then. */
static bool yaml_wants_key(yaml_reader *r, yaml_frame **f)
{
	*f = r->depth ? &r->stack[r->depth - 1] : NULL;
	return *f && json_is_object((*f)->v) && (*f)->key == NULL;
}

static int yaml_event(yaml_reader *r, yaml_event_t *ev)
{
	size_t line = (size_t)ev->start_mark.line + 1, col = (size_t)ev->start_mark.column + 1;
	yaml_frame *f;
	int rc;

	switch (ev->type) {
	case YAML_SCALAR_EVENT: {
		const char *s = (const char *)ev->data.scalar.value;
		size_t len = ev->data.scalar.length;
		bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		const char *anchor = (const char *)ev->data.scalar.anchor;

		if (strlen(s) != len)
			return baton_error_set(BATON_EINVALID, "%s: line %zu column %zu: a value holds a NUL "
			                       "character", r->name, line, col);
		if (yaml_wants_key(r, &f)) {
			if ((f->key = strdup(s)) == NULL)
				return baton_error_set(BATON_EEXHAUSTED, "%s: out of memory", r->name);
			f->key_line = line;
			f->nodes++;
			f->bytes += len;
			if (anchor) {
				json_t *k = json_stringn(s, len);
				rc = yaml_anchor_set(r, anchor, k, s, 0, 1, len);
				json_decref(k);
				return rc;
			}
			return 0;
		}
		bool typed = r->depth && (r->stack[r->depth - 1].typed ||
		                          (r->stack[r->depth - 1].key && !strcmp(r->stack[r->depth - 1].key, "profile")));
		json_t *v;
		if (plain && typed)
			v = typed_scalar(s, len);
		else if (plain && (len == 0 || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
		                   !strcmp(s, "NULL")))
			v = json_null();
		else
			v = json_stringn(s, len);
		if (v && anchor && (rc = yaml_anchor_set(r, anchor, v, s, 0, 1, len)) != 0) {
			json_decref(v);
			return rc;
		}
		return yaml_put(r, v, line, 0, 1, len);
	}
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT: {
		bool seq = ev->type == YAML_SEQUENCE_START_EVENT;
		const char *anchor = (const char *)(seq ? ev->data.sequence_start.anchor : ev->data.mapping_start.anchor);

		if (yaml_wants_key(r, &f))
			return baton_error_set(BATON_EINVALID, "%s: line %zu: mapping keys must be plain values",
			                       r->name, line);
		if (r->depth == FILE_YAML_MAX_DEPTH)
			return baton_error_set(BATON_EINVALID, "%s: line %zu column %zu: nested more than %d "
			                       "levels deep", r->name, line, col, FILE_YAML_MAX_DEPTH);
		bool typed = r->depth && (r->stack[r->depth - 1].typed ||
		                          (r->stack[r->depth - 1].key && !strcmp(r->stack[r->depth - 1].key, "profile")));
		f = &r->stack[r->depth];
		*f = (yaml_frame){.v = seq ? json_array() : json_object(), .typed = typed, .nodes = 1};
		if (anchor)
			f->anchor = strdup(anchor);
		if (f->v == NULL || (anchor && f->anchor == NULL)) {
			json_decref(f->v);
			free(f->anchor);
			return baton_error_set(BATON_EEXHAUSTED, "%s: out of memory", r->name);
		}
		r->depth++;
		return 0;
	}
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT: {
		yaml_frame done = r->stack[--r->depth];
		free(done.key);
		rc = 0;
		if (done.anchor)
			rc = yaml_anchor_set(r, done.anchor, done.v, NULL, done.height, done.nodes, done.bytes);
		free(done.anchor);
		if (rc) {
			json_decref(done.v);
			return rc;
		}
		return yaml_put(r, done.v, line, done.height, done.nodes, done.bytes);
	}
	case YAML_ALIAS_EVENT: {
		const char *name = (const char *)ev->data.alias.anchor;
		json_t *ix = json_object_get(r->anchor_ix, name);
		if (ix == NULL)
			return baton_error_set(BATON_EINVALID, "%s: line %zu column %zu: alias *%s names no "
			                       "anchor before it", r->name, line, col, name);
		yaml_anchor *a = &r->anchors[json_integer_value(ix)];
		if (r->depth + a->height > FILE_YAML_MAX_DEPTH)
			return baton_error_set(BATON_EINVALID, "%s: line %zu column %zu: alias *%s: nested more "
			                       "than %d levels deep", r->name, line, col, name, FILE_YAML_MAX_DEPTH);
		r->alias_nodes += a->nodes;
		r->alias_bytes += a->bytes;
		if (r->alias_nodes > FILE_YAML_MAX_ALIAS_NODES || r->alias_bytes > FILE_YAML_MAX_ALIAS_BYTES)
			return baton_error_set(BATON_EINVALID, "%s: line %zu column %zu: aliases expand to more "
			                       "than %d nodes or %d bytes of text (an alias bomb?)", r->name, line,
			                       col, FILE_YAML_MAX_ALIAS_NODES, FILE_YAML_MAX_ALIAS_BYTES);
		if (yaml_wants_key(r, &f)) {
			if (a->raw == NULL)
				return baton_error_set(BATON_EINVALID, "%s: line %zu: mapping keys must be plain "
				                       "values", r->name, line);
			if ((f->key = strdup(a->raw)) == NULL)
				return baton_error_set(BATON_EEXHAUSTED, "%s: out of memory", r->name);
			f->key_line = line;
			f->nodes += a->nodes;
			f->bytes += a->bytes;
			return 0;
		}
		return yaml_put(r, json_deep_copy(a->value), line, a->height, a->nodes, a->bytes);
	}
	default:
		return 0;
	}
}

int file_yaml_to_json(const char *name, const char *text, size_t len, json_t **out)
{
	yaml_parser_t parser;
	yaml_reader r;
	int rc = 0;

	*out = NULL;
	memset(&r, 0, sizeof(r));
	r.name = name;
	r.text = text;
	r.len = len;
	if ((r.anchor_ix = json_object()) == NULL || !yaml_parser_initialize(&parser)) {
		json_decref(r.anchor_ix);
		return baton_error_set(BATON_EEXHAUSTED, "%s: out of memory", name);
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	for (bool done = false; !done && rc == 0;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&parser, &ev)) {
			if (parser.error == YAML_READER_ERROR) {
				/* the encoding: libyaml gives the offset, no mark */
				size_t line, col;
				text_position(text, len, parser.problem_offset, &line, &col);
				rc = baton_error_set(BATON_EINVALID, "%s: line %zu column %zu: %s: the file must be "
				                     "UTF-8 text", name, line, col,
				                     parser.problem ? parser.problem : "invalid text");
			} else {
				rc = baton_error_set(BATON_EINVALID, "%s: line %zu column %zu: %s", name,
				                     (size_t)parser.problem_mark.line + 1,
				                     (size_t)parser.problem_mark.column + 1,
				                     parser.problem ? parser.problem : "malformed YAML");
			}
			break;
		}
		/* the first document only */
		done = ev.type == YAML_DOCUMENT_END_EVENT || ev.type == YAML_STREAM_END_EVENT;
		rc = yaml_event(&r, &ev);
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	while (r.depth > 0) {
		r.depth--;
		json_decref(r.stack[r.depth].v);
		free(r.stack[r.depth].key);
		free(r.stack[r.depth].anchor);
	}
	for (size_t i = 0; i < r.n_anchors; i++) {
		json_decref(r.anchors[i].value);
		free(r.anchors[i].raw);
	}
	free(r.anchors);
	json_decref(r.anchor_ix);
	if (rc) {
		json_decref(r.root);
		return rc;
	}
	*out = r.root ? r.root : json_object();
	if (*out == NULL)
		return baton_error_set(BATON_EEXHAUSTED, "%s: out of memory", name);
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* JSON                                                                                        */

/*
 * The nesting of a JSON text, checked before jansson reads it (jansson's own bound is 2048
 * levels; a baton-file document needs a handful): objects and arrays nest at most
 * FILE_JSON_MAX_DEPTH deep. Strings are skipped (brackets in them do not count); anything
 * malformed is left to jansson.
 */
static int json_depth_check(const char *name, const char *text, size_t len)
{
	size_t depth = 0, line = 1, col = 0;
	bool in_string = false;

	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		col++;
		if (in_string) {
			if (c == '\\')
				i++, col++;
			else if (c == '"')
				in_string = false;
			else if (c == '\n')
				line++, col = 0;
			continue;
		}
		if (c == '"') {
			in_string = true;
		} else if (c == '\n') {
			line++;
			col = 0;
		} else if (c == '[' || c == '{') {
			if (++depth > FILE_JSON_MAX_DEPTH)
				return baton_error_set(BATON_EINVALID, "%s: line %zu column %zu: nested more than %d "
				                       "levels deep", name, line, col, FILE_JSON_MAX_DEPTH);
		} else if ((c == ']' || c == '}') && depth > 0) {
			depth--;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* CSV                                                                                         */

/*
 * Where a UTF-8 text is malformed: the offset of the first bad byte, or `len` when it is well
 * formed. Refused: bytes that start no sequence (0x80-0xBF alone, 0xC0, 0xC1, 0xF5-0xFF),
 * sequences cut short, overlong forms, UTF-16 surrogates (U+D800-U+DFFF) and code points past
 * U+10FFFF -- the rules of RFC 3629, which jansson applies to every string it holds.
 */
size_t file_utf8_invalid_at(const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;

	for (size_t i = 0; i < len;) {
		unsigned char c = s[i];
		size_t n;
		unsigned long cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			n = 2, cp = c & 0x1F;
		else if (c >= 0xE0 && c <= 0xEF)
			n = 3, cp = c & 0x0F;
		else if (c >= 0xF0 && c <= 0xF4)
			n = 4, cp = c & 0x07;
		else
			return i;
		if (len - i < n)
			return i;
		for (size_t k = 1; k < n; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return i;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || (cp >= 0xD800 && cp <= 0xDFFF) ||
		    cp > 0x10FFFF)
			return i;
		i += n;
	}
	return len;
}

/* A cell that is not UTF-8 text, or holds a NUL, is refused: it would be dropped (shifting the
 * cells after it) or cut short (making a later row look like a duplicate). */
static int csv_check_cell(const char *path, const char *v, size_t n, size_t line, size_t column,
                          json_t *header)
{
	const char *nul = memchr(v, '\0', n);
	size_t bad = nul ? (size_t)(nul - v) : file_utf8_invalid_at(v, n);
	char col[300];

	if (bad == n)
		return 0;
	if (header != NULL && column <= json_array_size(header))
		snprintf(col, sizeof(col), "column %zu (\"%.200s\")", column,
		         json_string_value(json_array_get(header, column - 1)));
	else
		snprintf(col, sizeof(col), "column %zu", column);
	if (nul)
		return baton_error_set(BATON_EINVALID, "%s: line %zu, %s: the cell holds a NUL byte (at "
		                       "offset %zu)", path, line, col, bad);
	return baton_error_set(BATON_EINVALID, "%s: line %zu, %s: the cell is not UTF-8 text (byte "
	                       "0x%02X at offset %zu)", path, line, col, (unsigned)(unsigned char)v[bad], bad);
}

typedef struct csv_reader {
	const char *p, *end;
	size_t line;
} csv_reader;

/*
 * Reads one record into a new JSON array of strings; *out NULL at the end of the input.
 * RFC 4180: fields separated by commas, optionally quoted with "" as an escaped quote; records
 * end with LF or CRLF; quoted fields may hold commas and line breaks.
 */
static int csv_record(const char *name, csv_reader *r, json_t *header, json_t **out)
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
		int crc = csv_check_cell(name, field ? field : "", n, start_line, json_array_size(rec) + 1,
		                         header);
		json_t *cell = crc ? NULL : json_stringn(field ? field : "", n);
		if (crc || cell == NULL || json_array_append_new(rec, cell)) {
			free(field);
			json_decref(rec);
			return crc ? crc : baton_error_set(BATON_EEXHAUSTED, "out of memory");
		}
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
	if ((rc = csv_record(path, &r, NULL, &header)) != 0)
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
		if ((rc = csv_record(path, &r, header, &rec)) != 0 || rec == NULL)
			break;
		/* blank lines are skipped */
		if (json_array_size(rec) == 1 && !*json_string_value(json_array_get(rec, 0))) {
			json_decref(rec);
			continue;
		}
		/* a cell past the last column: an unquoted comma in a value shifted the row (empty
		 * trailing cells, as spreadsheets export them, are fine) */
		for (size_t i = ncol; i < json_array_size(rec); i++) {
			const char *v = json_string_value(json_array_get(rec, i));
			while (isspace((unsigned char)*v))
				v++;
			if (*v != '\0') {
				rc = baton_error_set(BATON_EINVALID, "%s: line %zu: %zu cells, but the header names %zu "
				                     "columns (a comma in a value that is not quoted?)", path, line,
				                     json_array_size(rec), ncol);
				break;
			}
		}
		if (rc != 0) {
			json_decref(rec);
			break;
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
		if ((rc = json_depth_check(path, data, len)) != 0) {
			free(data);
			return rc;
		}
		*doc = json_loadb(data, len, JSON_REJECT_DUPLICATES, &err);
		if (*doc == NULL)
			rc = baton_error_set(BATON_EINVALID, "%s: line %d column %d: %s", path, err.line,
			                     err.column, err.text);
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
