/*
 * The harness: `measure` runs one workload as a child and records wall time, CPU time and peak
 * RSS (wait4) with the workload's own result line; `report` takes the recorded runs, keeps the
 * median of each (workload, implementation) and writes latest.json and a Markdown table with the
 * ratios ours / Go.
 */
#define _DEFAULT_SOURCE /* wait4 */
#include "bench.h"

#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------------------------------------ */
/* measure                                                                                     */

static json_t *last_json_line(FILE *f)
{
	char line[8192];
	json_t *found = NULL;
	rewind(f);
	while (fgets(line, sizeof(line), f)) {
		if (line[0] != '{')
			continue;
		json_t *j = json_loads(line, 0, NULL);
		if (j) {
			json_decref(found);
			found = j;
		}
	}
	return found;
}

int bench_measure(int argc, char **argv)
{
	const char *workload = NULL, *impl = NULL, *out = NULL, *log = NULL;
	long long timeout = 0;
	int i = 1;
	for (; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		if (bench_opt_str(argc, argv, &i, "--workload", &workload) ||
		    bench_opt_str(argc, argv, &i, "--impl", &impl) || bench_opt_str(argc, argv, &i, "--out", &out) ||
		    bench_opt_str(argc, argv, &i, "--log", &log) ||
		    bench_opt_long(argc, argv, &i, "--timeout", &timeout))
			continue;
		fprintf(stderr, "measure: unknown option %s\n", argv[i]);
		return 2;
	}
	if (!workload || !impl || !out || i >= argc) {
		fprintf(stderr, "measure: --workload W --impl I --out FILE [--log FILE] [--timeout S] -- CMD...\n");
		return 2;
	}
	FILE *cap = tmpfile();
	if (!cap) {
		perror("measure: tmpfile");
		return 1;
	}
	sigset_t chld, old;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &old);
	double t0 = bench_now();
	pid_t pid = fork();
	if (pid < 0) {
		perror("measure: fork");
		return 1;
	}
	if (pid == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		dup2(fileno(cap), 1);
		if (log) {
			FILE *lf = fopen(log, "a");
			if (lf)
				dup2(fileno(lf), 2);
		}
		execvp(argv[i], argv + i);
		fprintf(stderr, "measure: %s: %s\n", argv[i], strerror(errno));
		_exit(127);
	}
	const char *status = "ok";
	int ws = 0;
	struct rusage ru;
	memset(&ru, 0, sizeof(ru));
	for (;;) {
		pid_t r = wait4(pid, &ws, WNOHANG, &ru);
		if (r == pid)
			break;
		double left = timeout > 0 ? (double)timeout - (bench_now() - t0) : 3600.0;
		if (left <= 0) {
			kill(pid, SIGKILL);
			wait4(pid, &ws, 0, &ru);
			status = "timeout";
			break;
		}
		struct timespec ts = {(time_t)left, (long)((left - (double)(time_t)left) * 1e9)};
		sigtimedwait(&chld, NULL, &ts);
	}
	double wall = bench_now() - t0;
	sigprocmask(SIG_SETMASK, &old, NULL);
	int code = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + (WIFSIGNALED(ws) ? WTERMSIG(ws) : 0);
	if (!strcmp(status, "ok") && code != 0)
		status = "failed";

	json_t *res = last_json_line(cap);
	fclose(cap);
	if (!res)
		res = json_object();
	json_object_set_new(res, "workload", json_string(workload));
	json_object_set_new(res, "impl", json_string(impl));
	json_object_set_new(res, "status", json_string(status));
	json_object_set_new(res, "exit", json_integer(code));
	json_object_set_new(res, "wall_s", json_real(wall));
	json_object_set_new(res, "user_s", json_real((double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6));
	json_object_set_new(res, "sys_s", json_real((double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6));
	json_object_set_new(res, "maxrss_kb", json_integer(ru.ru_maxrss));
	FILE *o = fopen(out, "a");
	if (!o) {
		perror(out);
		json_decref(res);
		return 1;
	}
	char *line = json_dumps(res, JSON_COMPACT);
	fprintf(o, "%s\n", line);
	fclose(o);
	fprintf(stderr, "  %-26s %-10s %-7s wall %8.3f s  cpu %8.3f s  rss %7.1f MB\n", workload, impl, status,
	        wall, json_real_value(json_object_get(res, "user_s")) + json_real_value(json_object_get(res, "sys_s")),
	        (double)ru.ru_maxrss / 1024.0);
	free(line);
	json_decref(res);
	return !strcmp(status, "ok") ? 0 : 1;
}

/* ------------------------------------------------------------------------------------------ */
/* report                                                                                      */

typedef struct agg {
	char *workload, *impl, *status;
	double wall[64], cpu[64], rss[64];
	int n;
	json_int_t rows, bytes;
	double inner;
} agg;

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	if (n == 0)
		return 0;
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double jnum(json_t *o, const char *k)
{
	return json_number_value(json_object_get(o, k));
}

static agg *find(agg *a, int n, const char *w, const char *impl)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(a[i].workload, w) && !strcmp(a[i].impl, impl))
			return &a[i];
	return NULL;
}

static void fmt_ratio(char *buf, size_t n, const agg *ours, const agg *go)
{
	if (!ours || !go || strcmp(ours->status, "ok") || strcmp(go->status, "ok") || go->wall[0] <= 0) {
		snprintf(buf, n, "%s", go ? go->status : "—");
		return;
	}
	double r = ours->wall[ours->n / 2] / go->wall[go->n / 2];
	if (r <= 1.0)
		snprintf(buf, n, "%.2f (%.1f× faster)", r, 1.0 / r);
	else
		snprintf(buf, n, "**%.2f (%.1f× slower)**", r, r);
}

static void fmt_wall(char *buf, size_t n, const agg *a)
{
	if (!a)
		snprintf(buf, n, "—");
	else if (strcmp(a->status, "ok"))
		snprintf(buf, n, "%s", a->status);
	else
		snprintf(buf, n, "%.3f", a->wall[a->n / 2]);
}

int bench_report(int argc, char **argv)
{
	const char *in = NULL, *jout = NULL, *mdout = NULL;
	json_t *meta = json_object();
	for (int i = 1; i < argc; i++) {
		const char *kv;
		if (bench_opt_str(argc, argv, &i, "--json", &jout) || bench_opt_str(argc, argv, &i, "--md", &mdout))
			continue;
		if (bench_opt_str(argc, argv, &i, "--meta", &kv)) {
			const char *eq = strchr(kv, '=');
			if (eq) {
				char key[64];
				snprintf(key, sizeof(key), "%.*s", (int)(eq - kv), kv);
				json_object_set_new(meta, key, json_string(eq + 1));
			}
			continue;
		}
		if (argv[i][0] != '-' && !in) {
			in = argv[i];
			continue;
		}
		fprintf(stderr, "report: unknown argument %s\n", argv[i]);
		return 2;
	}
	if (!in || !jout || !mdout) {
		fprintf(stderr, "report: RESULTS.jsonl --json OUT --md OUT [--meta key=value]...\n");
		return 2;
	}
	FILE *f = fopen(in, "r");
	if (!f) {
		perror(in);
		return 1;
	}
	agg *a = calloc(256, sizeof(*a));
	int na = 0;
	char line[16384];
	json_t *runs = json_array();
	while (fgets(line, sizeof(line), f)) {
		json_t *j = json_loads(line, 0, NULL);
		if (!j)
			continue;
		json_array_append(runs, j);
		const char *w = json_string_value(json_object_get(j, "workload"));
		const char *impl = json_string_value(json_object_get(j, "impl"));
		const char *st = json_string_value(json_object_get(j, "status"));
		if (!w || !impl || !st) {
			json_decref(j);
			continue;
		}
		agg *g = find(a, na, w, impl);
		if (!g && na < 256) {
			g = &a[na++];
			g->workload = strdup(w);
			g->impl = strdup(impl);
			g->status = strdup("ok");
		}
		if (g && g->n < 64) {
			if (strcmp(st, "ok")) {
				free(g->status);
				g->status = strdup(st);
			} else {
				g->wall[g->n] = jnum(j, "wall_s");
				g->cpu[g->n] = jnum(j, "user_s") + jnum(j, "sys_s");
				g->rss[g->n] = jnum(j, "maxrss_kb") / 1024.0;
				g->rows = (json_int_t)jnum(j, "rows");
				g->bytes = (json_int_t)jnum(j, "c1z_bytes");
				g->inner = jnum(j, "inner_s");
				g->n++;
			}
		}
		json_decref(j);
	}
	fclose(f);

	json_t *results = json_array();
	for (int i = 0; i < na; i++) {
		agg *g = &a[i];
		double w = median(g->wall, g->n), c = median(g->cpu, g->n), r = median(g->rss, g->n);
		json_t *o = json_pack("{s:s,s:s,s:s,s:i,s:f,s:f,s:f,s:I,s:I,s:f}", "workload", g->workload, "impl",
		                      g->impl, "status", g->status, "runs", g->n, "wall_s_median", w,
		                      "cpu_s_median", c, "peak_rss_mb_median", r, "rows", g->rows, "c1z_bytes",
		                      g->bytes, "rows_per_s", w > 0 ? (double)g->rows / w : 0.0);
		json_array_append_new(results, o);
		/* keep the sorted arrays' middle at [n/2] for the table */
		if (g->n % 2 == 0 && g->n > 0)
			g->wall[g->n / 2] = w;
	}
	json_t *doc = json_pack("{s:o,s:o,s:o}", "machine", meta, "results", results, "runs", runs);
	if (json_dump_file(doc, jout, JSON_INDENT(1)) != 0) {
		fprintf(stderr, "report: cannot write %s\n", jout);
		return 1;
	}

	FILE *md = fopen(mdout, "w");
	if (!md) {
		perror(mdout);
		return 1;
	}
	fprintf(md, "| workload | rows | C wall s | C CPU s | C peak MB | C c1z KB | Go SQLite wall s | ours/Go SQLite "
	            "| Go Pebble wall s | ours/Go Pebble | Go peak MB (SQLite / Pebble) | Go file KB (SQLite / Pebble) |\n");
	fprintf(md, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	for (int i = 0; i < na; i++) {
		if (strcmp(a[i].impl, "c"))
			continue;
		agg *c = &a[i], *gs = find(a, na, c->workload, "go-sqlite"), *gp = find(a, na, c->workload, "go-pebble");
		char cw[32], gsw[32], gpw[32], rs[48], rp[48];
		fmt_wall(cw, sizeof(cw), c);
		fmt_wall(gsw, sizeof(gsw), gs);
		fmt_wall(gpw, sizeof(gpw), gp);
		fmt_ratio(rs, sizeof(rs), c, gs);
		fmt_ratio(rp, sizeof(rp), c, gp);
		double crss = median(c->rss, c->n), ccpu = median(c->cpu, c->n);
		char gmem[48] = "—", gsize[48] = "—";
		if (gs || gp) {
			snprintf(gmem, sizeof(gmem), "%.0f / %.0f", gs && gs->n ? median(gs->rss, gs->n) : 0.0,
			         gp && gp->n ? median(gp->rss, gp->n) : 0.0);
			snprintf(gsize, sizeof(gsize), "%lld / %lld", gs && gs->n ? (long long)gs->bytes / 1024 : 0LL,
			         gp && gp->n ? (long long)gp->bytes / 1024 : 0LL);
		}
		fprintf(md, "| %s | %lld | %s | %.3f | %.1f | %lld | %s | %s | %s | %s | %s | %s |\n", c->workload,
		        (long long)c->rows, cw, ccpu, crss, c->bytes > 0 ? (long long)c->bytes / 1024 : 0LL, gsw, rs,
		        gpw, rp, gmem, gsize);
	}
	fclose(md);
	json_decref(doc);
	for (int i = 0; i < na; i++) {
		free(a[i].workload);
		free(a[i].impl);
		free(a[i].status);
	}
	free(a);
	return 0;
}
