/*
 * baton-file's loaders (examples/file/loader.c, model.c). The first byte picks the loader, the
 * rest is the file: 0 YAML, 1 JSON (file_load), 2 a users CSV, 3 a grants CSV (file_load_csv),
 * 4 a YAML input through the whole model (file_model_load). Checked: every load ends (-timeout
 * and -rss_limit_mb catch an alias bomb or a blow-up), an error always has a message, every
 * string a loaded document holds is UTF-8 without NUL (nothing half-decoded or cut short gets
 * through), a CSV row never has more cells than the header has columns read (no shifting), and a
 * loaded model lists every resource: at the top level or as a child (no silent loss).
 */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"

static char base[256];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	(void)argc;
	(void)argv;
	snprintf(base, sizeof(base), "%s/baton-fuzz-file-%ld", tmp && *tmp ? tmp : "/tmp", (long)getpid());
	return 0;
}

/* Every string of the document: well-formed UTF-8 with no NUL; keys too. */
static void check_strings(json_t *v, int depth)
{
	FUZZ_CHECK(depth <= FILE_YAML_MAX_DEPTH + 2);
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		size_t n = json_string_length(v);
		FUZZ_CHECK(memchr(s, '\0', n) == NULL);
		FUZZ_CHECK(file_utf8_invalid_at(s, n) == n);
	} else if (json_is_array(v)) {
		for (size_t i = 0; i < json_array_size(v); i++)
			check_strings(json_array_get(v, i), depth + 1);
	} else if (json_is_object(v)) {
		const char *k;
		json_t *x;
		json_object_foreach(v, k, x) {
			FUZZ_CHECK(file_utf8_invalid_at(k, strlen(k)) == strlen(k));
			check_strings(x, depth + 1);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const ext[] = {".yaml", ".json", ".csv", ".csv", ".yaml"};
	char path[300];
	json_t *doc = NULL;
	int rc;

	if (size < 1)
		return 0;
	if (!base[0])
		LLVMFuzzerInitialize(NULL, NULL);
	unsigned mode = data[0] % 5;
	snprintf(path, sizeof(path), "%s%s", base, ext[mode]);
	FILE *f = fopen(path, "wb");
	if (!f)
		return 0;
	fwrite(data + 1, 1, size - 1, f);
	fclose(f);

	if (mode <= 1) {
		rc = file_load(path, &doc);
	} else if (mode <= 3) {
		doc = json_object();
		rc = doc ? file_load_csv(path, mode == 2 ? FILE_CSV_USERS : FILE_CSV_GRANTS, doc) : 1;
		if (rc == 0) {
			/* a row holds at most its known columns (and _line, and profile) */
			json_t *rows = json_object_get(doc, mode == 2 ? "users" : "grants");
			for (size_t i = 0; i < json_array_size(rows); i++)
				FUZZ_CHECK(json_object_size(json_array_get(rows, i)) <= 9);
		}
	} else {
		file_model *m = NULL;
		rc = file_model_load(path, NULL, NULL, &m);
		if (rc == 0) {
			size_t reached = 0;
			for (size_t t = 0; t < m->n_types; t++)
				reached += m->types[t]->n_top;
			for (size_t r = 0; r < m->n_resources; r++)
				reached += m->resources[r]->n_children;
			FUZZ_CHECK(reached == m->n_resources);
			check_strings(m->doc, 0);
		} else {
			FUZZ_CHECK(m == NULL);
		}
		file_model_free(m);
	}
	if (rc != 0)
		FUZZ_CHECK(baton_error_last()->message[0] != '\0');
	else if (doc)
		check_strings(doc, 0);
	json_decref(doc);
	unlink(path);
	return 0;
}
