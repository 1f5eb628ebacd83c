/*
 * Configuration parsing (src/cli): the input is split at NUL bytes; the first part is the YAML
 * config file (BATON_CONFIG_PATH), the others are command-line arguments, except "BATON_X=v"
 * parts, which are set in the environment for that one run. A connector schema with a field of
 * every kind (and a secret, a pattern, bounds, a select, constraints) is parsed and validated.
 */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

static const char *const colors[] = {"red", "green"};
static const baton_field fields[] = {
	{.name = "base-url", .kind = BATON_FIELD_STRING, .pattern = "^https?://", .max_len = 200},
	{.name = "api-key", .kind = BATON_FIELD_STRING, .flags = BATON_FIELD_SECRET, .short_name = 'k'},
	{.name = "verbose", .kind = BATON_FIELD_BOOL},
	{.name = "page-size", .kind = BATON_FIELD_INT, .default_value = "100", .min = 1, .max = 500},
	{.name = "groups", .kind = BATON_FIELD_STRING_LIST, .min_len = 1},
	{.name = "labels", .kind = BATON_FIELD_STRING_MAP},
	{.name = "color", .kind = BATON_FIELD_SELECT, .options = colors, .n_options = 2},
};
static const char *const together[] = {"base-url", "api-key"};
static const baton_constraint constraints[] = {
	{.kind = BATON_CONSTRAINT_REQUIRED_TOGETHER, .fields = together, .n_fields = 2},
};
static const baton_config_schema schema = {
	.version = BATON_CONFIG_SCHEMA_VERSION, .fields = fields, .n_fields = sizeof(fields) / sizeof(fields[0]),
	.constraints = constraints, .n_constraints = 1,
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
	snprintf(yaml_path, sizeof(yaml_path), "%s/baton-fuzz-config-%ld.yaml", tmp && *tmp ? tmp : "/tmp",
	         (long)getpid());
	setenv("BATON_CONFIG_PATH", yaml_path, 1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *argv[65], *envs[16];
	size_t i = 0, start, n_env = 0;
	int argc = 1;
	baton__cli cli;
	FILE *f;

	if (!buf)
		return 0;
	if (!yaml_path[0])
		LLVMFuzzerInitialize(NULL, NULL);
	memcpy(buf, data, size);
	buf[size] = '\0';
	while (i < size && buf[i])
		i++;
	f = fopen(yaml_path, "wb");
	if (f) {
		fwrite(buf, 1, i, f);
		fclose(f);
	}
	argv[0] = "fuzz";
	for (start = i + 1; start < size && argc < 64;) {
		char *part = buf + start;
		size_t len = strlen(part);
		char *eq = strchr(part, '=');
		if (strncmp(part, "BATON_", 6) == 0 && eq && n_env < 16 && strcmp(part, "BATON_CONFIG_PATH") != 0) {
			*eq = '\0';
			if (strcmp(part, "BATON_CONFIG_PATH") != 0 && setenv(part, eq + 1, 1) == 0)
				envs[n_env++] = part;
		} else {
			argv[argc++] = part;
		}
		start += len + 1;
	}
	argv[argc] = NULL;
	if (baton__cli_init(&cli, &connector) == 0) {
		if (baton__cli_parse(&cli, argc, argv) == 0)
			baton__cli_validate(&cli);
		baton__cli_free(&cli);
	}
	for (size_t k = 0; k < n_env; k++)
		unsetenv(envs[k]);
	free(buf);
	return 0;
}
