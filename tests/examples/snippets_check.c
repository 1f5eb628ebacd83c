/*
 * snippets_check ROOT DOC.md: every code block of DOC.md that follows a line
 *     <!-- snippet: path/from/ROOT -->
 * must appear, byte for byte, in that file: the documentation cannot drift from the code that
 * the test suite builds and runs. Exits 1 naming each block that does not match.
 */
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
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	if ((buf = malloc((size_t)n + 1)) == NULL) {
		fclose(f);
		return NULL;
	}
	buf[fread(buf, 1, (size_t)n, f)] = '\0';
	fclose(f);
	return buf;
}

int main(int argc, char **argv)
{
	const char *marker = "<!-- snippet: ";
	char *doc, *p;
	int blocks = 0, failed = 0;

	if (argc != 3 || (doc = slurp(argv[2])) == NULL) {
		fprintf(stderr, "usage: snippets_check ROOT DOC.md\n");
		return 2;
	}
	for (p = strstr(doc, marker); p != NULL; p = strstr(p, marker)) {
		char path[4096], rel[1024];
		char *end = strstr(p, " -->"), *open, *body, *close, *src;
		size_t line = 1;

		for (char *q = doc; q < p; q++)
			line += *q == '\n';
		if (end == NULL || (size_t)(end - p - strlen(marker)) >= sizeof(rel)) {
			fprintf(stderr, "%s:%zu: malformed snippet marker\n", argv[2], line);
			return 1;
		}
		snprintf(rel, sizeof(rel), "%.*s", (int)(end - p - strlen(marker)), p + strlen(marker));
		snprintf(path, sizeof(path), "%s/%s", argv[1], rel);
		if ((open = strstr(end, "```")) == NULL || (body = strchr(open, '\n')) == NULL ||
		    (close = strstr(body + 1, "\n```")) == NULL) {
			fprintf(stderr, "%s:%zu: no code block after the marker\n", argv[2], line);
			return 1;
		}
		body++;
		close[1] = '\0'; /* the block, with its last newline */
		if ((src = slurp(path)) == NULL) {
			fprintf(stderr, "%s:%zu: cannot read %s\n", argv[2], line, path);
			failed = 1;
		} else if (strstr(src, body) == NULL) {
			fprintf(stderr, "%s:%zu: this block is not in %s any more:\n%s", argv[2], line, rel, body);
			failed = 1;
		}
		free(src);
		blocks++;
		p = close + 2;
	}
	free(doc);
	if (blocks == 0) {
		fprintf(stderr, "%s: no snippet markers\n", argv[2]);
		return 1;
	}
	if (!failed)
		printf("snippets_check: %d blocks of %s match their sources\n", blocks, argv[2]);
	return failed;
}
