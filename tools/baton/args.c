/*
 * Command-line splitting. Flags may come before or after the command words, as with cobra's
 * persistent flags; which flags a command accepts is checked in main.c once the command is known.
 */
#include "cli.h"

#include <string.h>

static const tool_flag_def flags[FLAG_COUNT] = {
	{FLAG_FILE, "file", 'f', true, "PATH"},
	{FLAG_OUTPUT, "output-format", 'o', true, "FORMAT"},
	{FLAG_HELP, "help", 'h', false, NULL},
	{FLAG_VERSION, "version", 0, false, NULL},
	{FLAG_SYNC_ID, "sync-id", 0, true, "ID"},
	{FLAG_RESOURCE_TYPE, "resource-type", 't', true, "TYPE"},
	{FLAG_RESOURCE, "resource", 'r', true, "ID"},
	{FLAG_ENTITLEMENT, "entitlement", 'e', true, "ID"},
	{FLAG_OUT, "out", 0, true, "PATH"},
	{FLAG_BASE_SYNC_ID, "base-sync-id", 0, true, "ID"},
	{FLAG_AGAINST, "against", 0, true, "PATH"},
	{FLAG_OUTPUT_PATH, "output", 0, true, "PATH"},
	{FLAG_PORT, "port", 'p', true, "PORT"},
	{FLAG_HOST, "host", 0, true, "HOST"},
	{FLAG_WITH_EXPANSION, "with-expansion", 0, false, NULL},
	{FLAG_DRY_RUN, "dry-run", 0, false, NULL},
	{FLAG_REPLAY, "replay", 0, false, NULL},
	{FLAG_PRESERVE_SUSPECT, "preserve-suspect-grants", 0, false, NULL},
	{FLAG_VALIDATE, "validate", 0, false, NULL},
	{FLAG_BATCH_SIZE, "batch-size", 0, true, "N"},
	{FLAG_TMP_DIR, "tmp-dir", 0, true, "DIR"},
	{FLAG_COMPARE_FILE, "compare-file", 0, true, "PATH"},
	{FLAG_COMPARE_ENTITLEMENT, "compare-entitlement", 0, true, "ID"},
	{FLAG_OUT_ENGINE, "out-engine", 0, true, "ENGINE"},
	{FLAG_SECRET_FILE, "secret-file", 0, true, "PATH"},
	{FLAG_ANCHOR, "anchor", 0, true, "TIME"},
	{FLAG_ALLOW_UNKNOWN, "allow-unknown-annotations", 0, false, NULL},
};

const tool_flag_def *tool_flag_get(tool_flag_id id)
{
	return &flags[id];
}

static const tool_flag_def *by_long(const char *name, size_t len)
{
	for (size_t i = 0; i < FLAG_COUNT; i++) {
		if (strlen(flags[i].name) == len && memcmp(flags[i].name, name, len) == 0)
			return &flags[i];
	}
	return NULL;
}

static const tool_flag_def *by_short(char c)
{
	for (size_t i = 0; i < FLAG_COUNT; i++) {
		if (flags[i].short_name && flags[i].short_name == c)
			return &flags[i];
	}
	return NULL;
}

static int set_flag(tool_args *a, const tool_flag_def *f, const char *value)
{
	a->given[f->id] = true;
	a->value[f->id] = value;
	return 0;
}

int tool_args_parse(int argc, char **argv, tool_args *out)
{
	bool only_words = false;

	memset(out, 0, sizeof(*out));
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (only_words || arg[0] != '-' || arg[1] == '\0') {
			if (out->n_words < sizeof(out->words) / sizeof(out->words[0]))
				out->words[out->n_words++] = arg;
			else if (!out->extra)
				out->extra = arg;
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			only_words = true;
			continue;
		}

		const tool_flag_def *f;
		const char *value = NULL;
		char shown[64];

		if (arg[1] == '-') {
			const char *name = arg + 2;
			const char *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);
			f = by_long(name, len);
			if (!f)
				return tool_usage_fail("unknown flag: --%.*s (see baton --help)", (int)len, name);
			if (eq && !f->takes_value) {
				/* Booleans take =true/=false, as with cobra. */
				if (strcmp(eq + 1, "true") == 0 || strcmp(eq + 1, "1") == 0)
					eq = NULL;
				else if (strcmp(eq + 1, "false") == 0 || strcmp(eq + 1, "0") == 0) {
					/* the last occurrence wins, as with cobra: --x --x=false is false */
					out->given[f->id] = false;
					out->value[f->id] = NULL;
					continue;
				}
				else
					return tool_usage_fail("flag --%s takes no value, or =true/=false", f->name);
			}
			if (eq)
				value = eq + 1;
		} else {
			f = by_short(arg[1]);
			if (!f)
				return tool_usage_fail("unknown shorthand flag: '%c' in %s (see baton --help)",
				                       arg[1], arg);
			if (arg[2] != '\0') {
				if (!f->takes_value)
					return tool_usage_fail("flag -%c does not take a value (in %s)", arg[1], arg);
				value = arg[2] == '=' ? arg + 3 : arg + 2;
			}
		}

		if (f->short_name)
			snprintf(shown, sizeof(shown), "-%c/--%s", f->short_name, f->name);
		else
			snprintf(shown, sizeof(shown), "--%s", f->name);

		if (f->takes_value && !value) {
			if (i + 1 >= argc)
				return tool_usage_fail("flag %s needs a value", shown);
			value = argv[++i];
		}
		set_flag(out, f, f->takes_value ? value : "true");
	}
	return 0;
}
