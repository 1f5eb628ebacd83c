/* See examples_util.h. */
#include "examples_util.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int ex_run(const char *const *argv, const char *const *env, const char *out_path)
{
	pid_t pid;
	int status;

	fflush(NULL);
	if ((pid = fork()) < 0)
		fail_msg("fork failed");
	if (pid == 0) {
		int fd = open(out_path ? out_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			_exit(126);
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
		for (size_t i = 0; env && env[i]; i++) {
			char kv[8192];
			char *eq;
			snprintf(kv, sizeof(kv), "%s", env[i]);
			if ((eq = strchr(kv, '=')) != NULL) {
				*eq = '\0';
				setenv(kv, eq + 1, 1);
			}
		}
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		fail_msg("waitpid failed");
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

char *ex_slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL)
		return strdup("");
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	buf[fread(buf, 1, (size_t)n, f)] = '\0';
	fclose(f);
	return buf;
}

const char *ex_log(const char *path)
{
	static char buf[16384];
	char *all = ex_slurp(path);

	snprintf(buf, sizeof(buf), "%s", all);
	free(all);
	return buf;
}

const char *ex_path(const char *prefix, const char *name)
{
	static char ring[8][4096];
	static unsigned next;
	char *p = ring[next++ % 8];

	snprintf(p, sizeof(ring[0]), "%s/%s-%ld-%s", test_out_dir(), prefix, (long)getpid(), name);
	return p;
}

baton_store *ex_open(const char *c1z)
{
	baton_store_options o = BATON_STORE_OPTIONS_INIT;
	baton_store *s = NULL;

	o.read_only = true;
	if (baton_store_open(c1z, &o, &s) != 0)
		fail_msg("open %s: %s", c1z, baton_error_last()->message);
	return s;
}

baton_store_counts ex_counts(baton_store *s)
{
	baton_store_counts c;

	if (baton_store_count(s, NULL, &c) != 0)
		fail_msg("count: %s", baton_error_last()->message);
	return c;
}

baton_resource *ex_resource(baton_store *s, baton_ctx *ctx, const char *type, const char *id)
{
	baton_resource_id rid = {type, id};
	baton_resource *r = NULL;

	if (baton_store_get_resource(s, NULL, &rid, ctx, &r) != 0)
		fail_msg("resource %s/%s: %s", type, id, baton_error_last()->message);
	return r;
}

baton_entitlement *ex_entitlement(baton_store *s, baton_ctx *ctx, const char *id)
{
	baton_entitlement *e = NULL;

	if (baton_store_get_entitlement(s, NULL, id, ctx, &e) != 0)
		fail_msg("entitlement %s: %s", id, baton_error_last()->message);
	return e;
}

baton_grant *ex_grant(baton_store *s, baton_ctx *ctx, const char *id)
{
	baton_grant *g = NULL;

	if (baton_store_get_grant(s, NULL, id, ctx, &g) != 0)
		fail_msg("grant %s: %s", id, baton_error_last()->message);
	return g;
}

bool ex_has_grant(baton_store *s, const char *id)
{
	baton_ctx *ctx;
	baton_grant *g;
	bool found;

	assert_int_equal(baton_ctx_new(&ctx), 0);
	found = baton_store_get_grant(s, NULL, id, ctx, &g) == 0;
	baton_ctx_free(ctx);
	return found;
}

json_t *ex_resource_json(baton_store *s, const char *type, const char *id)
{
	baton_ctx *ctx;
	char *text;
	json_t *j;

	assert_int_equal(baton_ctx_new(&ctx), 0);
	assert_int_equal(baton_resource_to_json(ex_resource(s, ctx, type, id), ctx, &text), 0);
	j = test_json_parse(text);
	baton_ctx_free(ctx);
	return j;
}
