/*
 * --help: cobra's layout (usage, commands, flags with pflag's type names and defaults, each help
 * text ending with its environment variable and required ones starting "required: "), with the
 * connector's fields first (grouped by auth method when the schema has field groups) and the
 * SDK's visible flags after, sorted by name as pflag sorts them. Secret defaults are not shown.
 */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>

#include "connector/connector.h"

static const char *type_name(const baton__flag *f)
{
	switch (f->kind) {
	case BATON__FLAG_BOOL:
		return "";
	case BATON__FLAG_INT:
		return " int";
	case BATON__FLAG_STRINGS:
		return " strings";
	case BATON__FLAG_MAP:
		return " stringToString";
	default:
		return " string";
	}
}

static void left_of(const baton__flag *f, char *buf, size_t size)
{
	if (f->shorthand)
		snprintf(buf, size, "  -%c, --%s%s", f->shorthand, f->name, type_name(f));
	else
		snprintf(buf, size, "      --%s%s", f->name, type_name(f));
}

static void default_of(const baton__flag *f, baton__buf *b)
{
	if (f->field && (f->field->flags & BATON_FIELD_SECRET))
		return;
	switch (f->kind) {
	case BATON__FLAG_BOOL:
		if (f->def && !strcmp(f->def, "true"))
			baton__buf_puts(b, " (default true)");
		return;
	case BATON__FLAG_INT:
		if (f->def && *f->def && strcmp(f->def, "0"))
			baton__buf_printf(b, " (default %s)", f->def);
		return;
	case BATON__FLAG_STRINGS:
	case BATON__FLAG_MAP:
		if (f->def && *f->def)
			baton__buf_printf(b, " (default [%s])", f->def);
		return;
	default:
		if (f->def && *f->def)
			baton__buf_printf(b, " (default \"%s\")", f->def);
		return;
	}
}

static void line(FILE *out, const baton__flag *f, int width)
{
	char left[160], env[160];
	left_of(f, left, sizeof(left));
	baton__cli_env_name(f->name, env, sizeof(env));
	baton__buf b = {0};
	if (f->field && (f->field->flags & BATON_FIELD_REQUIRED))
		baton__buf_puts(&b, "required: ");
	if (f->help && *f->help)
		baton__buf_printf(&b, "%s ", f->help);
	baton__buf_printf(&b, "($%s)", env);
	default_of(f, &b);
	fprintf(out, "%-*s   %s\n", width, left, b.data ? b.data : "");
	baton__buf_free(&b);
}

static int cmp_flag(const void *a, const void *b)
{
	return strcmp((*(const baton__flag *const *)a)->name, (*(const baton__flag *const *)b)->name);
}

static bool in_group(const baton_field_group *g, const char *name)
{
	for (size_t i = 0; i < g->n_fields; i++)
		if (!strcmp(g->fields[i], name))
			return true;
	return false;
}

void baton__cli_usage(const baton__cli *cli, FILE *out)
{
	const baton_connector *c = cli->connector;
	const char *prog = cli->prog ? cli->prog : "connector";
	int width = 0;
	for (size_t i = 0; i < cli->n_flags; i++) {
		char left[160];
		if (cli->flags[i].hidden)
			continue;
		left_of(&cli->flags[i], left, sizeof(left));
		if ((int)strlen(left) > width)
			width = (int)strlen(left);
	}
	if (width < 16)
		width = 16;

	if (c && c->display_name) {
		fprintf(out, "%s", c->display_name);
		if (c->description && *c->description)
			fprintf(out, ": %s", c->description);
		fprintf(out, "\n\n");
	}
	fprintf(out, "Usage:\n  %s [flags]\n  %s [command]\n\n", prog, prog);
	fprintf(out, "Available Commands:\n");
	fprintf(out, "  capabilities   Get connector capabilities\n");
	fprintf(out, "  completion     Generate the autocompletion script for the specified shell\n");
	fprintf(out, "  config         Get the connector config schema\n");
	fprintf(out, "  health-check   Check the health of a running connector\n");
	fprintf(out, "  help           Help about any command\n\n");

	/* the connector's fields */
	const baton_config_schema *s = cli->schema;
	bool any = false;
	for (size_t i = cli->n_sdk; i < cli->n_flags; i++)
		if (!cli->flags[i].hidden)
			any = true;
	if (any) {
		if (s && s->n_groups) {
			for (size_t g = 0; g < s->n_groups; g++) {
				const baton_field_group *grp = &s->groups[g];
				fprintf(out, "Connector flags, auth method \"%s\"%s", grp->name, grp->is_default ? " (default)" : "");
				if (grp->help_text && *grp->help_text)
					fprintf(out, ": %s", grp->help_text);
				fprintf(out, "\n");
				for (size_t i = cli->n_sdk; i < cli->n_flags; i++)
					if (!cli->flags[i].hidden && in_group(grp, cli->flags[i].name))
						line(out, &cli->flags[i], width);
				fprintf(out, "\n");
			}
			bool header = false;
			for (size_t i = cli->n_sdk; i < cli->n_flags; i++) {
				bool grouped = false;
				for (size_t g = 0; g < s->n_groups; g++)
					grouped = grouped || in_group(&s->groups[g], cli->flags[i].name);
				if (cli->flags[i].hidden || grouped)
					continue;
				if (!header)
					fprintf(out, "Connector flags:\n");
				header = true;
				line(out, &cli->flags[i], width);
			}
			if (header)
				fprintf(out, "\n");
		} else {
			fprintf(out, "Connector flags:\n");
			for (size_t i = cli->n_sdk; i < cli->n_flags; i++)
				if (!cli->flags[i].hidden)
					line(out, &cli->flags[i], width);
			fprintf(out, "\n");
		}
	}

	/* the SDK's flags, sorted */
	const baton__flag **sorted = calloc(cli->n_sdk + 1, sizeof(*sorted));
	size_t n = 0;
	for (size_t i = 0; sorted && i < cli->n_sdk; i++)
		if (!cli->flags[i].hidden)
			sorted[n++] = &cli->flags[i];
	if (sorted)
		qsort(sorted, n, sizeof(*sorted), cmp_flag);
	fprintf(out, "SDK flags:\n");
	for (size_t i = 0; i < n; i++)
		line(out, sorted[i], width);
	free(sorted);
	fprintf(out, "%-*s   help for %s\n", width, "  -h, --help", prog);
	fprintf(out, "%-*s   version for %s\n\n", width, "  -v, --version", prog);

	fprintf(out, "Every flag can also be set with its environment variable, or in a YAML config file\n"
	             "(./.baton.yaml, or the file $BATON_CONFIG_PATH names) under the flag's name.\n"
	             "Precedence: flag, then environment, then config file, then default.\n\n");
	fprintf(out, "Use \"%s [command] --help\" for more information about a command.\n", prog);
}
