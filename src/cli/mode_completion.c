/*
 * The `completion` subcommand (cobra's default one): `prog completion bash|zsh|fish` prints a
 * completion script for that shell on stdout. The scripts are static: they list the subcommands
 * and the visible flags (hidden ones are left out, as cobra does), offer a SELECT field's options
 * after its flag, and let the shell complete file names for other values.
 *
 *   source <(baton-demo completion bash)
 *   baton-demo completion zsh > "${fpath[1]}/_baton-demo"
 *   baton-demo completion fish | source
 */
#include "cli/modes.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define USAGE_EXIT 2

static const char *const subcommands = "capabilities completion config health-check help";

/* The shell function name for the program: letters, digits and '_'. */
static void ident(const char *prog, char *buf, size_t size)
{
	size_t k = 0;
	for (const char *p = prog; *p && k + 1 < size; p++)
		buf[k++] = isalnum((unsigned char)*p) ? *p : '_';
	buf[k] = '\0';
}

/* Prints s inside single quotes for a POSIX shell / fish / zsh ('\'' for a quote); `extra` chars
 * are backslash-escaped too (zsh's _arguments specs). Newlines become spaces. */
static void escaped(FILE *out, const char *s, const char *extra, bool fish)
{
	for (const char *p = s ? s : ""; *p; p++) {
		if (*p == '\'')
			fputs(fish ? "\\'" : "'\\''", out);
		else if (fish && *p == '\\')
			fputs("\\\\", out);
		else if (*p == '\n' || *p == '\r' || *p == '\t')
			fputc(' ', out);
		else if (extra && strchr(extra, *p))
			fprintf(out, "\\%c", *p);
		else
			fputc(*p, out);
	}
}

static void quoted(FILE *out, const char *s, const char *extra, bool fish)
{
	fputc('\'', out);
	escaped(out, s, extra, fish);
	fputc('\'', out);
}

static bool visible(const baton__flag *f)
{
	return !f->hidden;
}

static bool is_select(const baton__flag *f)
{
	return f->field && f->field->kind == BATON_FIELD_SELECT && f->field->n_options;
}

static void options_words(FILE *out, const baton__flag *f)
{
	for (size_t i = 0; i < f->field->n_options; i++)
		if (f->field->options[i] && *f->field->options[i])
			fprintf(out, "%s%s", i ? " " : "", f->field->options[i]);
}

static void bash_script(const baton__cli *cli, FILE *out, const char *fn)
{
	fprintf(out, "# bash completion for %s (libbaton %s)\n", cli->prog, baton_version());
	fprintf(out, "_%s_complete() {\n", fn);
	fputs("    local cur=\"${COMP_WORDS[COMP_CWORD]}\" prev=\"\"\n"
	      "    (( COMP_CWORD > 0 )) && prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n"
	      "    case \"$prev\" in\n"
	      "    completion) COMPREPLY=( $(compgen -W 'bash zsh fish' -- \"$cur\") ); return 0 ;;\n", out);
	for (size_t i = 0; i < cli->n_flags; i++) {
		const baton__flag *f = &cli->flags[i];
		if (!visible(f) || !is_select(f))
			continue;
		fprintf(out, "    --%s) COMPREPLY=( $(compgen -W '", f->name);
		options_words(out, f);
		fputs("' -- \"$cur\") ); return 0 ;;\n", out);
	}
	fputs("    esac\n"
	      "    if [[ \"$cur\" == -* ]]; then\n"
	      "        COMPREPLY=( $(compgen -W '--help --version", out);
	for (size_t i = 0; i < cli->n_flags; i++)
		if (visible(&cli->flags[i]))
			fprintf(out, " --%s", cli->flags[i].name);
	fprintf(out, "' -- \"$cur\") )\n"
	        "    else\n"
	        "        COMPREPLY=( $(compgen -W '%s' -- \"$cur\") )\n"
	        "    fi\n"
	        "    return 0\n"
	        "}\n"
	        "complete -o default -F _%s_complete %s\n", subcommands, fn, cli->prog);
}

static void zsh_script(const baton__cli *cli, FILE *out, const char *fn)
{
	fprintf(out, "#compdef %s\n# zsh completion for %s (libbaton %s)\n", cli->prog, cli->prog, baton_version());
	fprintf(out, "_%s() {\n    _arguments -s \\\n", fn);
	fputs("        '(-h --help)'{-h,--help}'[help]' \\\n"
	      "        '(-v --version)'{-v,--version}'[version]' \\\n", out);
	for (size_t i = 0; i < cli->n_flags; i++) {
		const baton__flag *f = &cli->flags[i];
		if (!visible(f))
			continue;
		fputs("        ", out);
		if (f->kind == BATON__FLAG_STRINGS || f->kind == BATON__FLAG_MAP)
			fprintf(out, "'*--%s[", f->name);
		else
			fprintf(out, "'--%s[", f->name);
		escaped(out, f->help && *f->help ? f->help : f->name, "[]:\\", false);
		if (f->kind == BATON__FLAG_BOOL) {
			fputs("]' \\\n", out);
			continue;
		}
		if (is_select(f)) {
			fputs("]:value:(", out);
			options_words(out, f);
			fputs(")' \\\n", out);
		} else {
			fputs("]:value:_files' \\\n", out);
		}
	}
	fprintf(out, "        '1:command:(%s)'\n}\n", subcommands);
	fprintf(out, "if [ \"$funcstack[1]\" = \"_%s\" ]; then\n    _%s \"$@\"\nelse\n    compdef _%s %s\nfi\n", fn, fn,
	        fn, cli->prog);
}

static void fish_script(const baton__cli *cli, FILE *out)
{
	fprintf(out, "# fish completion for %s (libbaton %s)\n", cli->prog, baton_version());
	fprintf(out, "complete -c %s -f -n __fish_use_subcommand -a '%s'\n", cli->prog, subcommands);
	fprintf(out, "complete -c %s -f -n '__fish_seen_subcommand_from completion' -a 'bash zsh fish'\n", cli->prog);
	fprintf(out, "complete -c %s -s h -l help -d help\n", cli->prog);
	fprintf(out, "complete -c %s -s v -l version -d version\n", cli->prog);
	for (size_t i = 0; i < cli->n_flags; i++) {
		const baton__flag *f = &cli->flags[i];
		if (!visible(f))
			continue;
		fprintf(out, "complete -c %s", cli->prog);
		if (f->shorthand)
			fprintf(out, " -s %c", f->shorthand);
		fprintf(out, " -l %s -d ", f->name);
		quoted(out, f->help && *f->help ? f->help : f->name, NULL, true);
		if (is_select(f)) {
			fputs(" -x -a '", out);
			options_words(out, f);
			fputs("'", out);
		} else if (f->kind != BATON__FLAG_BOOL) {
			fputs(" -r", out);
		}
		fputs("\n", out);
	}
}

int baton__mode_completion(baton__cli_env *env)
{
	const baton__cli *cli = env->cli;
	const char *shell = cli->shell;
	char fn[128];
	ident(cli->prog, fn, sizeof(fn));
	if (!shell) {
		fprintf(stderr, "completion needs a shell: %s completion bash|zsh|fish\n", cli->prog);
		return USAGE_EXIT;
	}
	if (!strcmp(shell, "bash"))
		bash_script(cli, stdout, fn);
	else if (!strcmp(shell, "zsh"))
		zsh_script(cli, stdout, fn);
	else if (!strcmp(shell, "fish"))
		fish_script(cli, stdout);
	else {
		fprintf(stderr, "unknown shell \"%s\" for completion: expected bash, zsh or fish\n", shell);
		return USAGE_EXIT;
	}
	return 0;
}
