/*
 * The connector's command line (baton_main). Flags follow the Go SDK's names (pkg/field/defaults.go)
 * and BATON_<FLAG> environment variables ("-" as "_"), flags winning over the environment.
 *
 *   main.c   baton_main: parse, configure logging, dispatch to a mode (today: sync)
 *   args.c   the flag table and parser (later issues add connector fields and subcommands)
 */
#ifndef BATON_CLI_CLI_H
#define BATON_CLI_CLI_H

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>

typedef enum baton__flag_kind {
	BATON__FLAG_STRING,
	BATON__FLAG_BOOL,
	BATON__FLAG_INT,
	BATON__FLAG_STRINGS   /* repeatable, comma-separated */
} baton__flag_kind;

typedef struct baton__flag {
	const char *name;      /* long name, without "--" */
	char shorthand;        /* 0: none */
	baton__flag_kind kind;
	const char *def;       /* default (strings/ints), NULL for none */
	const char *help;
	bool hidden;
	/* value */
	bool set;              /* given on the command line or in the environment */
	char *str;             /* STRING / INT text (malloc) */
	bool b;
	char **list;           /* STRINGS (malloc) */
	size_t n_list;
} baton__flag;

typedef struct baton__cli {
	baton__flag *flags;
	size_t n_flags;
	bool help, version;
	const char *prog;
} baton__cli;

/*
 * Parses argv against the table: environment first, then flags. Returns 0, or BATON_EINVALID with
 * the message Go's cobra gives ("unknown flag: --x", "flag needs an argument: --file", ...).
 */
int baton__cli_parse(baton__cli *cli, int argc, char **argv);
baton__flag *baton__cli_flag(baton__cli *cli, const char *name);
void baton__cli_usage(const baton__cli *cli, const char *display_name, FILE *out);
void baton__cli_free(baton__cli *cli);

#endif
