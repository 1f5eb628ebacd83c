/*
 * baton-file: the program. The resource types of a file connector come from the file, and a
 * connector's types are fixed before baton_main() starts, so the input files are found here
 * first -- as the SDK will find them: the flag (--input/-i, --users-csv, --grants-csv), else the
 * environment (BATON_INPUT, ...), else the YAML config file ($BATON_CONFIG_PATH or
 * ./.baton.yaml) -- and read. init() then checks that the SDK's configuration names the same
 * files.
 */
#include "file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Copies of the config file's values (NULL when absent). */
static json_t *config_file;

static void load_config_file(void)
{
	const char *path = getenv("BATON_CONFIG_PATH");
	const char *candidates[] = {".baton.yaml", ".baton.yml"};
	char *buf = NULL;
	size_t n = 0;
	int rc = BATON_ENOTFOUND;

	/* the whole file, as the SDK reads it, and never blocking on a FIFO; the same bounds as the
	 * input files (depth, aliases), so a hostile config file costs no more here than there */
	if (path && *path) {
		rc = file_read_all(path, "config file", FILE_CONFIG_MAX_BYTES, &buf, &n);
	} else {
		for (size_t i = 0; rc == BATON_ENOTFOUND && i < 2; i++)
			rc = file_read_all(candidates[i], "config file", FILE_CONFIG_MAX_BYTES, &buf, &n);
	}
	if (rc != 0)
		return; /* the SDK reports an unreadable config file itself */
	if (file_yaml_to_json("config file", buf, n, &config_file) != 0 || !json_is_object(config_file)) {
		json_decref(config_file);
		config_file = NULL; /* the SDK reports a malformed config file itself */
	}
	free(buf);
}

/* The value of one option, as the SDK will see it; NULL when not given. */
static const char *option(int argc, char **argv, const char *name, char short_name)
{
	size_t nl = strlen(name);
	const char *value = NULL;
	char env[64];

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--"))
			break;
		if (a[0] == '-' && a[1] == '-' && !strncmp(a + 2, name, nl)) {
			if (a[2 + nl] == '=')
				value = a + 3 + nl;
			else if (a[2 + nl] == '\0' && i + 1 < argc)
				value = argv[++i];
		} else if (short_name && a[0] == '-' && a[1] == short_name) {
			if (a[2] != '\0')
				value = a[2] == '=' ? a + 3 : a + 2;
			else if (i + 1 < argc)
				value = argv[++i];
		}
	}
	if (value)
		return value;
	snprintf(env, sizeof(env), "BATON_%s", name);
	for (char *p = env; *p; p++)
		*p = *p == '-' ? '_' : (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
	value = getenv(env);
	if (value && *value)
		return value;
	return json_string_value(json_object_get(config_file, name));
}

int main(int argc, char **argv)
{
	file_model *m = NULL;
	baton_connector *conn;
	const char *input, *users_csv, *grants_csv;
	int rc = 0, status;
	char *err = NULL;

	load_config_file();
	input = option(argc, argv, "input", 'i');
	users_csv = option(argc, argv, "users-csv", 0);
	grants_csv = option(argc, argv, "grants-csv", 0);
	if (input && *input) {
		if ((rc = file_model_load(input, users_csv, grants_csv, &m)) != 0)
			err = strdup(baton_error_last()->message);
	}
	/* Without an input file the connector has no resource types; the SDK then reports the
	 * missing --input (or init reports why the file could not be read). --help and the
	 * `config` subcommand work either way. */
	conn = file_connector_new(m, rc, err);
	free(err);
	if (conn == NULL) {
		fprintf(stderr, "baton-file: out of memory\n");
		file_model_free(m);
		return 1;
	}
	status = baton_main(argc, argv, conn);
	file_connector_free(conn);
	file_model_free(m);
	json_decref(config_file);
	return status;
}
