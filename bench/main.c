/* baton-bench: the dispatcher and the helpers the workloads share. */
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

double bench_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

long long bench_file_size(const char *path)
{
	struct stat st;
	if (!path || stat(path, &st) != 0)
		return -1;
	return (long long)st.st_size;
}

int bench_copy_file(const char *from, const char *to)
{
	int in = open(from, O_RDONLY);
	if (in < 0) {
		fprintf(stderr, "baton-bench: %s: %s\n", from, strerror(errno));
		return -1;
	}
	int out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0) {
		fprintf(stderr, "baton-bench: %s: %s\n", to, strerror(errno));
		close(in);
		return -1;
	}
	char buf[1 << 16];
	ssize_t n;
	int rc = 0;
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		if (write(out, buf, (size_t)n) != n) {
			fprintf(stderr, "baton-bench: %s: %s\n", to, strerror(errno));
			rc = -1;
			break;
		}
	}
	if (n < 0)
		rc = -1;
	close(in);
	if (close(out) != 0)
		rc = -1;
	return rc;
}

int bench_fail(const char *what, int rc)
{
	fprintf(stderr, "baton-bench: %s: %s (%d)\n", what, baton_error_last()->message, rc);
	return 1;
}

bool bench_opt_str(int argc, char **argv, int *i, const char *name, const char **out)
{
	size_t n = strlen(name);
	const char *a = argv[*i];
	if (strncmp(a, name, n) != 0)
		return false;
	if (a[n] == '=') {
		*out = a + n + 1;
		return true;
	}
	if (a[n] == '\0' && *i + 1 < argc) {
		*out = argv[++*i];
		return true;
	}
	return false;
}

bool bench_opt_long(int argc, char **argv, int *i, const char *name, long long *out)
{
	const char *v;
	if (!bench_opt_str(argc, argv, i, name, &v))
		return false;
	char *end;
	long long x = strtoll(v, &end, 10);
	if (*v == '\0' || *end != '\0' || x < 0) {
		fprintf(stderr, "baton-bench: %s wants a non-negative integer, not '%s'\n", name, v);
		exit(2);
	}
	*out = x;
	return true;
}

void bench_result(const char *workload, uint64_t rows, const char *c1z, double inner_s, const char *extra)
{
	printf("{\"workload\":\"%s\",\"rows\":%llu,\"c1z\":\"%s\",\"c1z_bytes\":%lld,\"inner_s\":%.6f%s}\n",
	       workload, (unsigned long long)rows, c1z ? c1z : "", bench_file_size(c1z), inner_s,
	       extra ? extra : "");
	fflush(stdout);
}

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: baton-bench <command> [options]\n"
	        "workloads (each prints one JSON result line):\n"
	        "  writepack  -o FILE [--grants N]           N grants (default 1,000,000) through the store\n"
	        "  gen-graph  KIND -o FILE [--scale N]       an unexpanded c1z: chain | wide | cycles | tenant\n"
	        "  expand     IN [-o WORKFILE]               grant expansion of a copy of IN\n"
	        "  sync-shape -o FILE [--users U --groups G --roles R --workers W]\n"
	        "  fanout     -o FILE [--resources N --grants-per M --workers W]\n"
	        "  latency    -o FILE [--latency-ms MS --workers W --users U --groups G --roles R]\n"
	        "  verify     FILE [--min-grants N]          checks a c1z holds a finished sync\n"
	        "  sync-id    FILE                           the id of the newest sync of FILE\n"
	        "harness:\n"
	        "  measure    --label L --out RESULTS.jsonl [--timeout S] -- CMD ARGS...\n"
	        "  report     RESULTS.jsonl --json OUT.json --md OUT.md\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];
	argc--;
	argv++;
	if (!strcmp(cmd, "writepack"))
		return bench_writepack(argc, argv);
	if (!strcmp(cmd, "gen-graph"))
		return bench_gen_graph(argc, argv);
	if (!strcmp(cmd, "expand"))
		return bench_expand(argc, argv);
	if (!strcmp(cmd, "sync-shape") || !strcmp(cmd, "fanout") || !strcmp(cmd, "latency"))
		return bench_sync(argc, argv);
	if (!strcmp(cmd, "verify"))
		return bench_verify(argc, argv);
	if (!strcmp(cmd, "sync-id"))
		return bench_sync_id(argc, argv);
	if (!strcmp(cmd, "measure"))
		return bench_measure(argc, argv);
	if (!strcmp(cmd, "report"))
		return bench_report(argc, argv);
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "baton-bench: unknown command '%s'\n", cmd);
	usage(stderr);
	return 2;
}
