/*
 * baton-demo: a connector program for a generated, in-memory company. See README.md here.
 */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include "demo.h"

/* The c1z the SDK will use: -f/--file on the command line, else $BATON_FILE, else sync.c1z. */
static const char *c1z_path(int argc, char **argv)
{
	const char *path = getenv("BATON_FILE");
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if ((strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--file") == 0) && i + 1 < argc)
			path = argv[++i];
		else if (strncmp(argv[i], "--file=", 7) == 0)
			path = argv[i] + 7;
	}
	return path != NULL && *path != '\0' ? path : "sync.c1z";
}

int main(int argc, char **argv)
{
	if (demo_hooks_setup() != 0)
		return 1;
	if (demo_set_state_path(c1z_path(argc, argv), getenv("BATON_DEMO_STATE")) != 0) {
		fprintf(stderr, "baton-demo: out of memory\n");
		return 1;
	}
	return baton_main(argc, argv, &demo_connector);
}
