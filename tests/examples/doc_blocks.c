/*
 * doc_blocks OUTDIR DOC.md...: pulls the code blocks that the documentation says are checked out
 * of DOC.md into OUTDIR, for tests/examples/docs_code.sh to compile and run. Every ```c block must
 * say what it is, on the line(s) just before it:
 *
 *   <!-- compile: program -->      a whole program (a connector): compiled, linked and run
 *   <!-- compile: fragment
 *   C declarations -->             part of a file: compiled (-c) after <baton.h>, the usual libc
 *                                  headers and the C text of the comment (declarations the block
 *                                  uses but does not show; the comment may be just the marker)
 *   <!-- compile: statements
 *   C text ending in "int f(...) {" -->
 *                                  statements: compiled as the body of the function the comment
 *                                  opens (the test closes it with "return 0; }")
 *   <!-- snippet: path -->         a copy of part of path (checked byte for byte by
 *                                  snippets_check); path itself is compiled
 *   <!-- compile: member STRUCT NAME... -->
 *                                  a prototype: the block declares each NAME, and each must have
 *                                  the type of STRUCT's member NAME (compiled like a fragment)
 *   <!-- compile: no, REASON -->   not compilable on purpose (a statement out of context)
 *
 * and an ```sh block marked
 *   <!-- run: tree -->             is run by bash -e in (a copy of) the libbaton tree,
 *   <!-- run: ~/DIR -->            or in $HOME/DIR, with $HOME a scratch directory.
 *
 * Writes OUTDIR/blockN.c or OUTDIR/blockN.sh and prints one line per block, tab-separated:
 *     KIND  FILE  DOC:LINE  ARG
 * (KIND program, fragment, snippet, run; FILE "-" for a snippet; ARG the snippet's path or the run
 * directory, else "-"). The C files carry #line directives, so the compiler's messages name the
 * lines of DOC.md. Exits 1 naming every unmarked or malformed block.
 */
#define _POSIX_C_SOURCE 200809L /* strtok_r */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    (buf = malloc((size_t)n + 1)) == NULL) {
		fclose(f);
		return NULL;
	}
	buf[fread(buf, 1, (size_t)n, f)] = '\0';
	fclose(f);
	return buf;
}

static size_t line_of(const char *doc, const char *at)
{
	size_t line = 1;

	for (const char *q = doc; q < at; q++)
		line += *q == '\n';
	return line;
}

/* The HTML comment that ends on the line before `fence` (blank lines not allowed between), or
 * NULL; *len is its length including "<!--" and "-->". */
static const char *comment_before(const char *doc, const char *fence, size_t *len)
{
	const char *end, *start;

	if (fence - doc < 5 || fence[-1] != '\n')
		return NULL;
	end = fence - 1; /* the newline ending the previous line */
	if (end - doc < 3 || strncmp(end - 3, "-->", 3) != 0)
		return NULL;
	for (start = end - 3; start > doc; start--)
		if (strncmp(start, "<!--", 4) == 0)
			break;
	if (strncmp(start, "<!--", 4) != 0)
		return NULL;
	for (const char *q = start; q > doc && q[-1] != '\n'; q--)
		if (q[-1] != ' ')
			return NULL; /* the comment starts its line, after spaces */
	*len = (size_t)(end - start);
	return start;
}

/* The next fence ("```" at the start of a line, after spaces) at or after `from`; *line_start is
 * the start of its line. */
static const char *next_fence(const char *doc, const char *from, const char **line_start)
{
	for (const char *p = strstr(from, "```"); p != NULL; p = strstr(p + 3, "```")) {
		const char *q = p;

		while (q > doc && q[-1] == ' ')
			q--;
		if (q == doc || q[-1] == '\n') {
			*line_start = q;
			return p;
		}
	}
	return NULL;
}

static int write_file(const char *path, const char *parts[], const size_t lens[], size_t n)
{
	FILE *f = fopen(path, "wb");
	int ok = f != NULL;

	for (size_t i = 0; ok && i < n; i++)
		ok = fwrite(parts[i], 1, lens[i], f) == lens[i];
	if (f != NULL && fclose(f) != 0)
		ok = 0;
	if (!ok)
		fprintf(stderr, "doc_blocks: cannot write %s\n", path);
	return ok ? 0 : -1;
}

static int do_doc(const char *outdir, const char *docpath, int *counter)
{
	char *doc = slurp(docpath);
	const char *p;
	int failed = 0;

	if (doc == NULL) {
		fprintf(stderr, "doc_blocks: cannot read %s\n", docpath);
		return 1;
	}
	const char *start, *close_start;

	for (p = doc; (p = next_fence(doc, p, &start)) != NULL;) {
		const char *info = p + 3, *body = strchr(info, '\n'), *close, *mark;
		size_t info_len, mark_len = 0, line = line_of(doc, p);
		char out[4096], hdr[4096];

		if (body == NULL)
			break;
		info_len = (size_t)(body - info);
		body++;
		close = next_fence(doc, body, &close_start);
		if (close == NULL) {
			fprintf(stderr, "%s:%zu: a code block without its end\n", docpath, line);
			failed = 1;
			break;
		}
		p = close + 3;
		close = close_start; /* the block's text is [body, close), with its last newline */
		mark = comment_before(doc, start, &mark_len);
		(*counter)++;
		if (info_len == 1 && info[0] == 'c') {
			if (mark != NULL && strncmp(mark, "<!-- snippet: ", 14) == 0) {
				printf("snippet\t-\t%s:%zu\t%.*s\n", docpath, line, (int)(mark_len - 14 - 4),
				       mark + 14);
			} else if (mark != NULL && strncmp(mark, "<!-- compile: program -->", 25) == 0) {
				const char *parts[] = {hdr, body};
				size_t lens[] = {0, (size_t)(close - body)};

				snprintf(hdr, sizeof(hdr), "#line %zu \"%s\"\n", line + 1, docpath);
				lens[0] = strlen(hdr);
				snprintf(out, sizeof(out), "%s/block%d.c", outdir, *counter);
				if (write_file(out, parts, lens, 2) != 0)
					failed = 1;
				printf("program\t%s\t%s:%zu\t-\n", out, docpath, line);
			} else if (mark != NULL && (strncmp(mark, "<!-- compile: fragment", 22) == 0 ||
			                            strncmp(mark, "<!-- compile: statements", 24) == 0)) {
				int statements = mark[14] == 's';
				const char *prelude = mark + (statements ? 24 : 22), *prelude_end = mark + mark_len - 3;
				const char *parts[5];
				size_t lens[5];
				int n;

				n = snprintf(hdr, sizeof(hdr),
				             "#include <baton.h>\n#include <stdio.h>\n#include <stdlib.h>\n"
				             "#include <string.h>\n#line %zu \"%s\"\n",
				             line_of(doc, prelude), docpath);
				parts[0] = hdr;
				lens[0] = (size_t)n;
				parts[1] = prelude;
				lens[1] = (size_t)(prelude_end - prelude);
				snprintf(out, sizeof(out), "\n#line %zu \"%s\"\n", line + 1, docpath);
				parts[2] = out;
				lens[2] = strlen(out);
				parts[3] = body;
				lens[3] = (size_t)(close - body);
				parts[4] = "\treturn 0;\n}\n"; /* statements: the end of the prelude's function */
				lens[4] = statements ? strlen(parts[4]) : 0;
				snprintf(hdr + n + 1, sizeof(hdr) - (size_t)n - 1, "%s/block%d.c", outdir, *counter);
				if (write_file(hdr + n + 1, parts, lens, 5) != 0)
					failed = 1;
				printf("fragment\t%s\t%s:%zu\t-\n", hdr + n + 1, docpath, line);
			} else if (mark != NULL && strncmp(mark, "<!-- compile: member ", 21) == 0) {
				/* "member STRUCT NAME...": the block declares each NAME as a variable of the
				 * type of STRUCT's member NAME */
				char words[1024], *w, *save = NULL, *type;
				const char *parts[3];
				size_t lens[3];
				int n = 0;

				snprintf(words, sizeof(words), "%.*s", (int)(mark_len - 21 - 4), mark + 21);
				type = strtok_r(words, " ", &save);
				snprintf(hdr, sizeof(hdr), "#include <baton.h>\n#line %zu \"%s\"\n", line + 1, docpath);
				parts[0] = hdr;
				lens[0] = strlen(hdr);
				parts[1] = body;
				lens[1] = (size_t)(close - body);
				snprintf(out, sizeof(out), "#line %zu \"%s\"\n", line_of(doc, mark), docpath);
				while (type != NULL && (w = strtok_r(NULL, " ", &save)) != NULL) {
					size_t at = strlen(out);

					snprintf(out + at, sizeof(out) - at,
					         "_Static_assert(__builtin_types_compatible_p(__typeof__(%s), "
					         "__typeof__(((%s *)0)->%s)), \"%s is not what %s.%s is\");\n",
					         w, type, w, w, type, w);
					n++;
				}
				if (n == 0) {
					fprintf(stderr, "%s:%zu: compile: member needs a struct and member names\n",
					        docpath, line);
					failed = 1;
					continue;
				}
				parts[2] = out;
				lens[2] = strlen(out);
				snprintf(hdr + lens[0] + 1, sizeof(hdr) - lens[0] - 1, "%s/block%d.c", outdir, *counter);
				if (write_file(hdr + lens[0] + 1, parts, lens, 3) != 0)
					failed = 1;
				printf("fragment\t%s\t%s:%zu\t-\n", hdr + lens[0] + 1, docpath, line);
			} else if (mark != NULL && strncmp(mark, "<!-- compile: no, ", 18) == 0 && mark_len > 18 + 4) {
				/* not compilable on purpose, and the reason is given */
			} else {
				fprintf(stderr,
				        "%s:%zu: a C block with no <!-- compile: program|fragment|no, REASON --> "
				        "or <!-- snippet: FILE --> marker on the line before it\n",
				        docpath, line);
				failed = 1;
			}
		} else if (mark != NULL && strncmp(mark, "<!-- run: ", 10) == 0) {
			const char *parts[] = {body};
			size_t lens[] = {(size_t)(close - body)};

			if (!(info_len == 2 && strncmp(info, "sh", 2) == 0)) {
				fprintf(stderr, "%s:%zu: a run marker on a block that is not ```sh\n", docpath, line);
				failed = 1;
			} else {
				snprintf(out, sizeof(out), "%s/block%d.sh", outdir, *counter);
				if (write_file(out, parts, lens, 1) != 0)
					failed = 1;
				printf("run\t%s\t%s:%zu\t%.*s\n", out, docpath, line, (int)(mark_len - 10 - 4),
				       mark + 10);
			}
		}
	}
	free(doc);
	return failed;
}

int main(int argc, char **argv)
{
	int failed = 0, counter = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: doc_blocks OUTDIR DOC.md...\n");
		return 2;
	}
	for (int i = 2; i < argc; i++)
		failed |= do_doc(argv[1], argv[i], &counter);
	return failed;
}
