/*
 * baton: look into c1z files written by connectors.
 *
 * The subcommands that read c1z files arrive with the store; this entry point already gives the
 * command line its shape: `baton [global flags] <command> [flags]`, errors on stderr, non-zero
 * exit on failure.
 */
#include <stdio.h>
#include <string.h>

#include "baton.h"

static void usage(FILE *out)
{
	fprintf(out,
	        "Usage: baton [--version] [--help] <command> [flags]\n"
	        "\n"
	        "Look into c1z files written by Baton connectors.\n"
	        "\n"
	        "Commands:\n"
	        "  version     print the libbaton version\n"
	        "  help        show this help\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
		printf("baton (libbaton) %s\n", baton_version());
		return 0;
	}
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "baton: unknown command \"%s\" (see baton --help)\n", cmd);
	return 2;
}
