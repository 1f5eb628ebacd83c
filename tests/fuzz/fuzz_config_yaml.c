/*
 * The YAML config file reader (src/cli/yaml.c) on raw bytes: the whole input is the file
 * (BATON_CONFIG_PATH), NUL bytes included (fuzz_config cuts its YAML at the first NUL to carry
 * arguments after it, so this reader's encoding checks, depth bound and alias bounds are fuzzed
 * here). The schema has a list, a map and a plain field. Checked: the parse ends (libFuzzer's
 * -timeout and -rss_limit_mb catch a blow-up), an error always has a message, and a file read
 * once reads the same again (same values).
 */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

static const baton_field fields[] = {
	{.name = "name", .kind = BATON_FIELD_STRING},
	{.name = "groups", .kind = BATON_FIELD_STRING_LIST},
	{.name = "labels", .kind = BATON_FIELD_STRING_MAP},
	{.name = "count", .kind = BATON_FIELD_INT},
};
static const baton_config_schema schema = {
	.version = BATON_CONFIG_SCHEMA_VERSION, .fields = fields, .n_fields = sizeof(fields) / sizeof(fields[0]),
};

static int list_none(baton_ctx *ctx, const baton_resource_id *parent)
{
	(void)ctx;
	(void)parent;
	return 0;
}

static const baton_resource_syncer user_syncer = {
	.version = BATON_RESOURCE_SYNCER_VERSION, .name = "User", .id = "user", .list = list_none,
};
static const baton_resource_syncer *types[] = {&user_syncer};
static const baton_connector connector = {
	.version = BATON_CONNECTOR_VERSION, .display_name = "fuzz", .resource_types = types,
	.n_resource_types = 1, .config = &schema,
};

static char yaml_path[256];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	(void)argc;
	(void)argv;
	snprintf(yaml_path, sizeof(yaml_path), "%s/baton-fuzz-config-yaml-%ld.yaml", tmp && *tmp ? tmp : "/tmp",
	         (long)getpid());
	setenv("BATON_CONFIG_PATH", yaml_path, 1);
	setenv("BATON_LOG_LEVEL", "error", 1);
	return 0;
}

/* Parses the file; 0 or the error code. On success the values, joined, in *out (malloc). */
static int parse(char **out)
{
	baton__cli cli;
	char *argv[] = {(char *)"fuzz", NULL};
	*out = NULL;
	if (baton__cli_init(&cli, &connector) != 0)
		return 1;
	int rc = baton__cli_parse(&cli, 1, argv);
	if (rc != 0) {
		FUZZ_CHECK(baton_error_last()->message[0] != '\0');
	} else {
		size_t size = 64, len = 0;
		char *s = malloc(size);
		const char *const *items;
		size_t n = baton__cli_list(&cli, "groups", &items);
		const char *vals[64];
		size_t nv = 0;
		vals[nv++] = baton__cli_string(&cli, "name");
		for (size_t i = 0; i < n && nv < 63; i++)
			vals[nv++] = items[i];
		for (size_t i = 0; s && i < nv; i++) {
			size_t l = strlen(vals[i]);
			if (len + l + 2 > size) {
				char *ns = realloc(s, size = (len + l + 2) * 2);
				if (!ns)
					free(s);
				s = ns;
			}
			if (s) {
				memcpy(s + len, vals[i], l);
				len += l;
				s[len++] = '\n';
			}
		}
		if (s)
			s[len] = '\0';
		*out = s;
	}
	baton__cli_free(&cli);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!yaml_path[0])
		LLVMFuzzerInitialize(NULL, NULL);
	FILE *f = fopen(yaml_path, "wb");
	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	char *a, *b;
	int rc1 = parse(&a);
	int rc2 = parse(&b);
	FUZZ_CHECK(rc1 == rc2);
	FUZZ_CHECK((a == NULL) == (b == NULL));
	if (a && b)
		FUZZ_CHECK(strcmp(a, b) == 0);
	free(a);
	free(b);
	return 0;
}
