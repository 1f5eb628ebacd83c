/*
 * Console tables in the layout of the Go tool's pterm tables: a header row, then one line per row,
 * cells left-aligned and padded to the widest cell of their column, separated by " | ".
 * Widths count UTF-8 code points. On a terminal the header is bold and every line is cut to the
 * terminal width; anywhere else the output is plain text. A column is padded to at most
 * TABLE_MAX_PAD code points: a longer cell is printed whole (as the Go tool prints it) and
 * unpadded, so one very long value no longer pads every line of its column to its width (that
 * multiplied the output by the row count: 118 KB of c1z gave 3.85 GB); the output stays linear in
 * what is printed. JSON output is never cut either.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#define TABLE_MAX_PAD 120

struct table {
	size_t n_cols;
	char **cells;     /* row-major; row 0 is the header */
	size_t n_rows, cap_rows;
	size_t *widths;
};

static size_t text_width(const char *s)
{
	size_t w = 0;
	for (; *s; s++) {
		if (((unsigned char)*s & 0xC0) != 0x80)
			w++;
	}
	return w;
}

static char *clean_copy(const char *s)
{
	/* Line breaks and tabs inside a cell would break the layout: show them as spaces. */
	if (!s)
		s = "";
	size_t n = strlen(s);
	char *c = malloc(n + 1);
	if (!c)
		return NULL;
	memcpy(c, s, n + 1);
	for (char *p = c; *p; p++) {
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	}
	return c;
}

table *table_new(size_t n_cols, const char *const *headers)
{
	table *tb = calloc(1, sizeof(*tb));
	if (!tb || !(tb->widths = calloc(n_cols, sizeof(size_t)))) {
		free(tb);
		baton_error_set(BATON_EEXHAUSTED, "out of memory");
		return NULL;
	}
	tb->n_cols = n_cols;
	if (table_add(tb, headers) < 0) {
		table_free(tb);
		return NULL;
	}
	return tb;
}

int table_add(table *tb, const char *const *cells)
{
	if (tb->n_rows == tb->cap_rows) {
		size_t ncap = tb->cap_rows ? tb->cap_rows * 2 : 64;
		char **n = realloc(tb->cells, ncap * tb->n_cols * sizeof(char *));
		if (!n)
			return baton_error_set(BATON_EEXHAUSTED, "out of memory");
		tb->cells = n;
		tb->cap_rows = ncap;
	}
	char **row = &tb->cells[tb->n_rows * tb->n_cols];
	for (size_t c = 0; c < tb->n_cols; c++) {
		row[c] = clean_copy(cells[c]);
		if (!row[c]) {
			while (c-- > 0)
				free(row[c]);
			return baton_error_set(BATON_EEXHAUSTED, "out of memory");
		}
		size_t w = text_width(row[c]);
		if (w > TABLE_MAX_PAD)
			w = TABLE_MAX_PAD; /* a longer cell overflows its column, unpadded */
		if (w > tb->widths[c])
			tb->widths[c] = w;
	}
	tb->n_rows++;
	return 0;
}

size_t tool_term_width(FILE *out)
{
	int fd = fileno(out);
	if (fd < 0 || !isatty(fd))
		return 0;
	const char *cols = getenv("COLUMNS");
	if (cols && *cols) {
		char *end;
		long v = strtol(cols, &end, 10);
		if (*end == '\0' && v > 0)
			return (size_t)v;
	}
	struct winsize ws;
	if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

/* Line buffer that stops taking text once `limit` code points are in (0: no limit). */
typedef struct line {
	char *buf;
	size_t len, cap, width, limit;
} line;

static void line_put(line *l, const char *s, size_t pad_to)
{
	size_t w = 0;
	for (const char *p = s; *p; p++) {
		bool lead = ((unsigned char)*p & 0xC0) != 0x80;
		if (lead) {
			if (l->limit && l->width >= l->limit)
				return;
			l->width++;
			w++;
		}
		if (l->len + 1 >= l->cap) {
			size_t ncap = l->cap ? l->cap * 2 : 256;
			char *n = realloc(l->buf, ncap);
			if (!n)
				return;
			l->buf = n;
			l->cap = ncap;
		}
		l->buf[l->len++] = *p;
	}
	for (; w < pad_to; w++) {
		if (l->limit && l->width >= l->limit)
			return;
		if (l->len + 1 >= l->cap) {
			size_t ncap = l->cap ? l->cap * 2 : 256;
			char *n = realloc(l->buf, ncap);
			if (!n)
				return;
			l->buf = n;
			l->cap = ncap;
		}
		l->buf[l->len++] = ' ';
		l->width++;
	}
}

void table_print(const table *tb, FILE *out)
{
	size_t limit = tool_term_width(out);
	bool tty = limit > 0;
	line l = {0};
	l.limit = limit;

	for (size_t r = 0; r < tb->n_rows; r++) {
		char *const *row = &tb->cells[r * tb->n_cols];
		l.len = l.width = 0;
		for (size_t c = 0; c < tb->n_cols; c++) {
			if (c > 0)
				line_put(&l, " | ", 0);
			/* The last column is not padded: no trailing blanks. */
			line_put(&l, row[c], c + 1 < tb->n_cols ? tb->widths[c] : 0);
		}
		if (tty && r == 0)
			fputs("\033[1m", out);
		fwrite(l.buf ? l.buf : "", 1, l.len, out);
		if (tty && r == 0)
			fputs("\033[0m", out);
		fputc('\n', out);
	}
	free(l.buf);
}

void table_free(table *tb)
{
	if (!tb)
		return;
	for (size_t i = 0; i < tb->n_rows * tb->n_cols; i++)
		free(tb->cells[i]);
	free(tb->cells);
	free(tb->widths);
	free(tb);
}
