/* Flag parsing for baton_main, cobra/pflag style. */
#include "cli/cli.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "baton/common.h"
#include "core/error.h"
#include "sync/sync.h"

baton__flag *baton__cli_flag(baton__cli *cli, const char *name)
{
	for (size_t i = 0; i < cli->n_flags; i++)
		if (!strcmp(cli->flags[i].name, name))
			return &cli->flags[i];
	return NULL;
}

static int add_list(baton__flag *f, const char *v)
{
	const char *p = v;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		char **l = realloc(f->list, (f->n_list + 1) * sizeof(*l));
		if (!l)
			return baton__error_oom("flag");
		f->list = l;
		if (!(l[f->n_list] = strndup(p, n)))
			return baton__error_oom("flag");
		f->n_list++;
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

static int parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "1") || !strcasecmp(v, "t") || !strcasecmp(v, "true")) {
		*out = true;
		return 0;
	}
	if (!strcmp(v, "0") || !strcasecmp(v, "f") || !strcasecmp(v, "false")) {
		*out = false;
		return 0;
	}
	return -1;
}

static int set_value(baton__flag *f, const char *v, bool from_flag, bool replace_list)
{
	switch (f->kind) {
	case BATON__FLAG_BOOL:
		if (parse_bool(v, &f->b))
			return baton_error_set(BATON_EINVALID, "invalid argument \"%s\" for \"--%s\" flag: strconv.ParseBool: "
			                       "parsing \"%s\": invalid syntax", v, f->name, v);
		break;
	case BATON__FLAG_INT: {
		char *end;
		strtol(v, &end, 10);
		if (!*v || *end)
			return baton_error_set(BATON_EINVALID, "invalid argument \"%s\" for \"--%s\" flag: strconv.ParseInt: "
			                       "parsing \"%s\": invalid syntax", v, f->name, v);
	}
		/* fallthrough */
	case BATON__FLAG_STRING:
		free(f->str);
		if (!(f->str = strdup(v)))
			return baton__error_oom("flag");
		break;
	case BATON__FLAG_STRINGS:
		if (replace_list) {
			for (size_t i = 0; i < f->n_list; i++)
				free(f->list[i]);
			f->n_list = 0;
		}
		if (*v) {
			int rc = add_list(f, v);
			if (rc)
				return rc;
		}
		break;
	}
	(void)from_flag;
	f->set = true;
	return 0;
}

int baton__cli_parse(baton__cli *cli, int argc, char **argv)
{
	cli->prog = argc > 0 && argv[0] ? argv[0] : "connector";
	const char *slash = strrchr(cli->prog, '/');
	if (slash)
		cli->prog = slash + 1;
	/* environment: BATON_<NAME> */
	for (size_t i = 0; i < cli->n_flags; i++) {
		baton__flag *f = &cli->flags[i];
		char env[128] = "BATON_";
		size_t k = 6;
		for (const char *p = f->name; *p && k < sizeof(env) - 1; p++)
			env[k++] = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
		env[k] = '\0';
		const char *v = getenv(env);
		if (v && *v) {
			int rc = set_value(f, v, false, true);
			if (rc)
				return rc;
		}
	}
	bool replaced[64] = {false};
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (!strcmp(arg, "--"))
			break;
		if (arg[0] != '-' || !arg[1])
			return baton_error_set(BATON_EINVALID, "unknown command \"%s\" for \"%s\"", arg, cli->prog);
		baton__flag *f = NULL;
		const char *value = NULL;
		char name[256];
		if (arg[1] == '-') {
			const char *eq = strchr(arg + 2, '=');
			size_t n = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
			if (n >= sizeof(name))
				n = sizeof(name) - 1;
			memcpy(name, arg + 2, n);
			name[n] = '\0';
			if (eq)
				value = eq + 1;
			if (!strcmp(name, "help")) {
				cli->help = true;
				continue;
			}
			if (!strcmp(name, "version")) {
				cli->version = true;
				continue;
			}
			f = baton__cli_flag(cli, name);
			if (!f)
				return baton_error_set(BATON_EINVALID, "unknown flag: --%s", name);
		} else {
			char c = arg[1];
			if (c == 'h') {
				cli->help = true;
				continue;
			}
			for (size_t j = 0; j < cli->n_flags; j++)
				if (cli->flags[j].shorthand == c)
					f = &cli->flags[j];
			if (!f)
				return baton_error_set(BATON_EINVALID, "unknown shorthand flag: '%c' in %s", c, arg);
			snprintf(name, sizeof(name), "%s", f->name);
			if (arg[2])
				value = arg[2] == '=' ? arg + 3 : arg + 2;
		}
		if (!value) {
			if (f->kind == BATON__FLAG_BOOL) {
				value = "true";
			} else if (i + 1 < argc) {
				value = argv[++i];
			} else {
				return baton_error_set(BATON_EINVALID, "flag needs an argument: --%s", f->name);
			}
		}
		size_t idx = (size_t)(f - cli->flags);
		bool first = idx < 64 && !replaced[idx];
		if (idx < 64)
			replaced[idx] = true;
		int rc = set_value(f, value, true, first);
		if (rc)
			return rc;
	}
	return 0;
}

void baton__cli_usage(const baton__cli *cli, const char *display_name, FILE *out)
{
	fprintf(out, "%s\n\nUsage:\n  %s [flags]\n\nFlags:\n", display_name ? display_name : cli->prog, cli->prog);
	for (size_t i = 0; i < cli->n_flags; i++) {
		const baton__flag *f = &cli->flags[i];
		if (f->hidden)
			continue;
		char left[96];
		const char *type = f->kind == BATON__FLAG_BOOL ? "" : f->kind == BATON__FLAG_INT ? " int" :
		                   f->kind == BATON__FLAG_STRINGS ? " strings" : " string";
		if (f->shorthand)
			snprintf(left, sizeof(left), "  -%c, --%s%s", f->shorthand, f->name, type);
		else
			snprintf(left, sizeof(left), "      --%s%s", f->name, type);
		fprintf(out, "%-44s %s", left, f->help ? f->help : "");
		if (f->def && *f->def)
			fprintf(out, f->kind == BATON__FLAG_STRING ? " (default \"%s\")" : " (default %s)", f->def);
		fprintf(out, "\n");
	}
	fprintf(out, "%-44s %s\n", "  -h, --help", "help for this command");
	fprintf(out, "%-44s %s\n", "  -v, --version", "version for this command");
}

void baton__cli_free(baton__cli *cli)
{
	for (size_t i = 0; i < cli->n_flags; i++) {
		baton__flag *f = &cli->flags[i];
		free(f->str);
		for (size_t j = 0; j < f->n_list; j++)
			free(f->list[j]);
		free(f->list);
		f->str = NULL;
		f->list = NULL;
		f->n_list = 0;
	}
}

/* ---- resource references (--sync-resources) ---- */

/* Splits on unescaped '/', removing backslash escapes. */
static int split_ref(const char *s, char *parts[4], size_t *n)
{
	*n = 0;
	size_t len = strlen(s);
	char *cur = malloc(len + 1);
	if (!cur)
		return baton__error_oom("resource reference");
	size_t k = 0;
	for (size_t i = 0; i <= len; i++) {
		char c = s[i];
		if (c == '\\' && i + 1 < len) {
			cur[k++] = s[++i];
			continue;
		}
		if (c == '/' || c == '\0') {
			if (*n == 4) {
				free(cur);
				return -1;
			}
			cur[k] = '\0';
			if (!(parts[(*n)++] = strdup(cur))) {
				free(cur);
				return baton__error_oom("resource reference");
			}
			k = 0;
			continue;
		}
		cur[k++] = c;
	}
	free(cur);
	return 0;
}

int baton__parse_resource_ref(const char *s, char *out[4])
{
	memset(out, 0, 4 * sizeof(char *));
	const char *body = s ? s : "";
	if (!strncmp(body, "bid:r:", 6))
		body += 6;
	else if (!strncmp(body, "bid:", 4))
		return baton_error_set(BATON_EINVALID, "invalid resource reference '%s': only resource BIDs (bid:r:...) "
		                       "can be synced", s);
	char *parts[4] = {NULL, NULL, NULL, NULL};
	size_t n = 0;
	int rc = split_ref(body, parts, &n);
	bool ok = rc == 0 && (n == 2 || n == 4);
	for (size_t i = 0; ok && i < n; i++)
		if (!*parts[i])
			ok = false;
	if (!ok) {
		for (size_t i = 0; i < n; i++)
			free(parts[i]);
		if (rc < -1 || rc > 0)
			return rc;
		return baton_error_set(BATON_EINVALID, "invalid resource reference '%s': expected type/id, "
		                       "parentType/parentId/type/id or bid:r:[parentType/parentId/]type/id", s ? s : "");
	}
	if (n == 2) {
		out[0] = parts[0];
		out[1] = parts[1];
	} else {
		out[2] = parts[0];
		out[3] = parts[1];
		out[0] = parts[2];
		out[1] = parts[3];
	}
	return 0;
}
