/*
 * baton-bench: workloads that measure libbaton (see bench/README.md and BENCHMARKS.md).
 *
 * Every workload prints one JSON object on the last line of stdout with what it did (rows,
 * output file and its size, time spent inside the timed part); `baton-bench measure` runs a
 * workload as a child process, adds wall time, CPU time and peak RSS from wait4(), and appends the
 * result to a JSON-lines file that `baton-bench report` turns into latest.json and a table.
 */
#ifndef BATON_BENCH_H
#define BATON_BENCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <baton.h>

/* Monotonic seconds. */
double bench_now(void);
/* Size of a file in bytes, or -1. */
long long bench_file_size(const char *path);
/* Copies a file (for workloads that change their input). 0 or -1 with a message on stderr. */
int bench_copy_file(const char *from, const char *to);
/* Prints "<what>: <last libbaton error>" on stderr and returns 1. */
int bench_fail(const char *what, int rc);
/* Parses "--name=value" or "--name value" style integer options; returns true when matched. */
bool bench_opt_long(int argc, char **argv, int *i, const char *name, long long *out);
bool bench_opt_str(int argc, char **argv, int *i, const char *name, const char **out);
/*
 * Prints the result line: {"workload":..., "rows":..., "c1z":..., "c1z_bytes":..., "inner_s":...,
 * plus `extra` (a JSON fragment starting with ',' or "")}.
 */
void bench_result(const char *workload, uint64_t rows, const char *c1z, double inner_s, const char *extra);

/* The workloads (argv[0] is the subcommand). */
int bench_writepack(int argc, char **argv);
int bench_gen_graph(int argc, char **argv);
int bench_expand(int argc, char **argv);
int bench_sync(int argc, char **argv);   /* sync-shape, fanout, latency */
int bench_verify(int argc, char **argv);
int bench_sync_id(int argc, char **argv);
int bench_measure(int argc, char **argv);
int bench_report(int argc, char **argv);

#endif
