#!/usr/bin/env bash
# The ctest suite under valgrind memcheck: builds build-valgrind (RelWithDebInfo, no sanitizers,
# the tests' time limits ×20 through BATON_TEST_TIMEOUT_SCALE, fewer crash points) and runs every
# test with `ctest -T memcheck`, children included (baton-demo and the other programs the
# end-to-end tests start). A memory error fails its test at once; leaks (definite or indirect)
# fail the script (see below). The slow ones are left out unless --all (about 1.5 h more on 2
# CPUs): the kill-and-rerun tests (crash_resume_*, test_demo_kill), test_memory_flat,
# test_tool_baton, test_secrets, the c1z corpus replay, and bench_quick, whose workloads --all
# runs directly under memcheck (a script starts them, and scripts are not traced). Logs, one per
# process: build-valgrind/valgrind-logs/<pid>.log.
#   scripts/valgrind.sh [--all] [-R regex]
set -euo pipefail
cd "$(dirname "$0")/.."
exclude='^(crash_resume_|test_demo_kill$|test_memory_flat$|test_tool_baton$|test_secrets$|bench_quick$|fuzz_replay_c1z$)'
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --all) exclude='^$'; shift ;;
    -R) extra+=(-R "$2"); shift 2 ;;
    *) echo "usage: $0 [--all] [-R regex]" >&2; exit 2 ;;
  esac
done
./scripts/setup.sh --valgrind >/dev/null
jobs="$(nproc)"
cmake -S . -B build-valgrind -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBATON_TEST_TIMEOUT_SCALE=20 >/dev/null
cmake --build build-valgrind -j"$jobs" >/dev/null
supp="$PWD/scripts/valgrind.supp"
# Memory errors fail the test at once (--error-exitcode). Leaks are read from the logs afterwards:
# a process forked without exec (tests that fork a helper) exits holding its parent's memory,
# which valgrind would call lost, so forked children are silent (--child-silent-after-fork) and
# only the test programs and the programs they exec are checked for leaks.
opts="--leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=none"
opts="$opts --error-exitcode=99 --track-origins=yes --num-callers=30 --suppressions=$supp"
# --vgdb=no: no gdbserver FIFOs in TMPDIR, which a killed process would leave behind (the crash
# tests check that TMPDIR is left empty)
opts="$opts --child-silent-after-fork=yes --vgdb=no"
# system programs the tests start (sh, cp, slapd, cc, cmake, doxygen, go) are not ours to check
opts="$opts --trace-children=yes --trace-children-skip=/usr/*,/bin/*,/sbin/*"
# One log per process: the log ctest names is one file per test, which every child it starts
# would truncate in turn, leaving only the last process's report. ctest parses no log then; the
# checks below read them all.
logs="$PWD/build-valgrind/valgrind-logs"
rm -rf "$logs"
mkdir -p "$logs"
opts="$opts --log-file=$logs/%p.log"
rm -f build-valgrind/Testing/Temporary/MemoryChecker.*.log
export BATON_TEST_UNDER_VALGRIND=1 # test_memory_flat: the RSS it reads is memcheck's
status=0
# (ctest then says "Cannot find memory tester output file" for each test: filtered out)
ctest --test-dir build-valgrind -T memcheck -j"$jobs" -E "$exclude" "${extra[@]}" --output-on-failure \
  --overwrite MemoryCheckCommand="$(command -v valgrind)" \
  --overwrite MemoryCheckCommandOptions="$opts" \
  --timeout 3600 2>&1 | grep -v '^Cannot find memory tester output file' && ctest_rc=0 || ctest_rc=("${PIPESTATUS[@]}")
[ "${ctest_rc[0]}" -eq 0 ] || status=1

# bench_quick runs bench/run.sh, whose `#!/usr/bin/env bash` is skipped above, so the programs it
# starts are not traced: the same workloads (quick sizes) are run here under memcheck instead.
if [ "$exclude" = '^$' ] || [[ " ${extra[*]-} " == *bench* ]]; then
  echo "== baton-bench workloads under memcheck"
  bw=build-valgrind/bench-valgrind
  rm -rf "$bw"
  mkdir -p "$bw"
  bench_vg() {
    # shellcheck disable=SC2086
    if valgrind $opts build-valgrind/bin/baton-bench "$@" >/dev/null 2>"$bw/stderr.txt"; then
      echo "ok   baton-bench $1"
    else
      echo "FAIL baton-bench $*: exit $? (stderr in $bw/stderr.txt)"
      status=1
    fi
  }
  bench_vg writepack -o "$bw/wp.c1z" --grants 2000
  bench_vg sync-shape -o "$bw/shape.c1z" --users 200 --groups 20 --roles 3
  bench_vg gen-graph cycles -o "$bw/graph.c1z" --scale 20
  bench_vg expand "$bw/graph.c1z" -o "$bw/expanded.c1z" --label expand-cycles
  bench_vg latency -o "$bw/lat.c1z" --workers 4 --latency-ms 1 --users 20 --groups 5 --roles 2
  bench_vg fanout -o "$bw/fanout.c1z" --resources 20 --grants-per 50
  bench_vg verify "$bw/expanded.c1z" --min-grants 1
fi
processes="$(find "$logs" -name '*.log' | wc -l)"
errors="$(grep -lE 'ERROR SUMMARY: [1-9]' "$logs"/*.log || true)"
leaks="$(grep -lE '(definitely|indirectly) lost: [1-9]' "$logs"/*.log || true)"
for f in $errors; do
  echo "-- memory errors: $f ($(grep -m1 'Command:' "$f" | sed 's/.*Command: //'))"
  grep -A20 -E '^==[0-9]+== (Invalid|Conditional|Use of|Syscall|Mismatched|Source and destination)' "$f" | head -60
  status=1
done
for f in $leaks; do
  echo "-- leaks: $f ($(grep -m1 'Command:' "$f" | sed 's/.*Command: //'))"
  grep -B2 -A25 -E 'are definitely lost|are indirectly lost' "$f" | head -80
  status=1
done
echo "== valgrind: $processes processes checked; $(echo "$errors" | grep -c . || true) with memory errors," \
  "$(echo "$leaks" | grep -c . || true) with definite or indirect leaks (logs in $logs)"
exit $status
