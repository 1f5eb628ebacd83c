/*
 * baton-demo past one page of the syncer's store listings (10,000 resources): with 10,001 users
 * the entitlements/grants roots have a second page, and a root taken into a batch of per-resource
 * actions was once skipped as "unknown resource type ''" (a warning per root, and the resources
 * of the later page lost their entitlements and grants, with the sync reporting success). The
 * run must log no warning at all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "demo_testutil.h"
#include "testutil.h"

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s BATON_DEMO_BIN\n", argv[0]);
		return 2;
	}
	char dir[512], c1z[600], err[600];
	snprintf(dir, sizeof(dir), "%s/demo-large-%ld", test_out_dir(), (long)getpid());
	if (mkdir(dir, 0755) != 0) {
		fprintf(stderr, "cannot create %s\n", dir);
		return 1;
	}
	snprintf(c1z, sizeof(c1z), "%s/large.c1z", dir);
	snprintf(err, sizeof(err), "%s/stderr.log", dir);
	static const char *const env[] = {"BATON_USERS=10001", NULL};
	int st = demo_run(argv[1], c1z, env, err);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "baton-demo: %s (see %s)\n", demo_status_str(st), err);
		return 1;
	}
	FILE *f = fopen(err, "r");
	if (!f) {
		fprintf(stderr, "cannot read %s\n", err);
		return 1;
	}
	char line[4096];
	int bad = 0, users = 0;
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, "\"level\":\"warn\"") || strstr(line, "unknown resource type")) {
			fprintf(stderr, "unexpected: %s", line);
			bad++;
		}
		/* every user got its entitlements and grants listed: the per-type summary line */
		if (strstr(line, "\"resource_type_id\":\"user\"") && strstr(line, "\"resources\":10001"))
			users++;
	}
	fclose(f);
	if (!users) {
		fprintf(stderr, "no summary with 10001 users in %s\n", err);
		bad++;
	}
	if (!bad) {
		unlink(c1z);
		unlink(err);
		rmdir(dir);
		printf("baton-demo with 10,001 users: no warning\n");
	}
	return bad ? 1 : 0;
}
