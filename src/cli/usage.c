/*
 * --help: cobra's layout (usage, commands, flags with pflag's type names and defaults, each help
 * text ending with its environment variable and required ones starting "required: "), with the
 * connector's fields first (grouped by auth method when the schema has field groups) and the
 * SDK's visible flags after, sorted by name as pflag sorts them. Secret defaults are not shown.
 * A subcommand's --help is cobra's for that subcommand (subcommand_usage).
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

/* pflag's column: the widest left part of a flag set, as `line` pads to it */
static int width_of(const baton__flag *const *flags, size_t n, int min)
{
	int width = min;
	for (size_t i = 0; i < n; i++) {
		char left[160];
		left_of(flags[i], left, sizeof(left));
		if ((int)strlen(left) > width)
			width = (int)strlen(left);
	}
	return width;
}

/* The visible flags of cli->flags[from, to), sorted by name as pflag sorts them; malloc'd
 * (NULL when there are none or memory ran out: *n is then 0). */
static const baton__flag **sorted_flags(const baton__cli *cli, size_t from, size_t to, size_t *n)
{
	*n = 0;
	const baton__flag **v = calloc(to - from + 1, sizeof(*v));
	for (size_t i = from; v && i < to; i++)
		if (!cli->flags[i].hidden)
			v[(*n)++] = &cli->flags[i];
	if (v)
		qsort(v, *n, sizeof(*v), cmp_flag);
	return v;
}

/* A local flag of a subcommand that is not in the table (health-check's --endpoint and
 * --timeout, -h): pflag's line without an environment variable. */
static void plain_line(FILE *out, int width, const char *left, const char *help)
{
	fprintf(out, "%-*s   %s\n", width, left, help);
}

/*
 * A subcommand's --help, as cobra prints it: its long (or short) description, its usage, its
 * local flags (`capabilities` builds the connector so it takes the connector's fields; health-check
 * has two of its own; every one has -h) and then the root's persistent flags, which in the Go SDK
 * are all the SDK's visible flags (the connector's fields are local to the root and not shown).
 */
static void subcommand_usage(const baton__cli *cli, FILE *out)
{
	const char *prog = cli->prog ? cli->prog : "connector";
	const char *cmd = cli->command;
	bool completion = !strcmp(cmd, "completion");
	if (!strcmp(cmd, "health-check"))
		fprintf(out, "Query the health check server of a running connector.\n\n"
		             "This command is designed for use in container/Kubernetes health check scenarios.\n"
		             "It queries the specified endpoint and exits with code 0 if healthy, or non-zero otherwise.\n\n"
		             "Examples:\n"
		             "  # Check health using defaults (localhost:8081/health)\n"
		             "  connector-name health-check\n\n"
		             "  # Check readiness endpoint\n"
		             "  connector-name health-check --endpoint=ready\n\n"
		             "  # Check liveness with custom port\n"
		             "  connector-name health-check --endpoint=live --health-check-port=9090\n\n");
	else if (!strcmp(cmd, "capabilities"))
		fprintf(out, "Get connector capabilities\n\n");
	else if (!strcmp(cmd, "config"))
		fprintf(out, "Get the connector config schema\n\n");
	else if (completion)
		fprintf(out, "Generate the autocompletion script for %s for the specified shell.\n"
		             "See each sub-command's help for details on how to use the generated script.\n\n", prog);

	fprintf(out, "Usage:\n  %s %s %s\n\n", prog, cmd, completion ? "[command]" : "[flags]");
	/* cobra also lists powershell, which mode_completion.c does not generate (and refuses) */
	if (completion)
		fprintf(out, "Available Commands:\n"
		             "  bash        Generate the autocompletion script for bash\n"
		             "  fish        Generate the autocompletion script for fish\n"
		             "  zsh         Generate the autocompletion script for zsh\n\n");

	char help[160];
	snprintf(help, sizeof(help), "help for %s", cmd);
	fprintf(out, "Flags:\n");
	if (!strcmp(cmd, "health-check")) {
		int w = (int)strlen("      --endpoint string");
		plain_line(out, w, "      --endpoint string", "Endpoint to check: health, ready, or live (default \"health\")");
		plain_line(out, w, "  -h, --help", help);
		plain_line(out, w, "      --timeout int", "Request timeout in seconds (default 5)");
	} else if (!strcmp(cmd, "capabilities")) {
		size_t n = 0;
		const baton__flag **local = sorted_flags(cli, cli->n_sdk, cli->n_flags, &n);
		int w = width_of(local, n, (int)strlen("  -h, --help"));
		/* -h sorts by its long name among the others */
		bool done = false;
		for (size_t i = 0; i < n; i++) {
			if (!done && strcmp(local[i]->name, "help") > 0) {
				plain_line(out, w, "  -h, --help", help);
				done = true;
			}
			line(out, local[i], w);
		}
		if (!done)
			plain_line(out, w, "  -h, --help", help);
		free(local);
	} else {
		plain_line(out, (int)strlen("  -h, --help"), "  -h, --help", help);
	}

	size_t n = 0;
	const baton__flag **global = sorted_flags(cli, 0, cli->n_sdk, &n);
	if (n) {
		int w = width_of(global, n, 0);
		fprintf(out, "\nGlobal Flags:\n");
		for (size_t i = 0; i < n; i++)
			line(out, global[i], w);
	}
	free(global);
	if (completion)
		fprintf(out, "\nUse \"%s completion [command] --help\" for more information about a command.\n", prog);
}

void baton__cli_usage(const baton__cli *cli, FILE *out)
{
	if (cli->command) {
		subcommand_usage(cli, out);
		return;
	}
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
	size_t n = 0;
	const baton__flag **sorted = sorted_flags(cli, 0, cli->n_sdk, &n);
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
