#!/usr/bin/env bash
# The ctest suite under valgrind memcheck: builds build-valgrind (RelWithDebInfo, no sanitizers)
# and runs every test with `ctest -T memcheck`, children included (baton-demo and the other
# programs the end-to-end tests start). A memory error fails its test at once; leaks (definite or
# indirect) fail the script (see below). Left out unless --all, because under valgrind they take
# an hour and reach no code the others do not: the kill-and-rerun tests (crash_resume_*,
# test_demo_kill), test_memory_flat, bench_quick, the c1z corpus replay, and test_tool_baton and
# test_secrets (their 600 s and 300 s limits are too short under valgrind). Logs:
# build-valgrind/Testing/Temporary/MemoryChecker.*.log.
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
rm -f build-valgrind/Testing/Temporary/MemoryChecker.*.log
status=0
ctest --test-dir build-valgrind -T memcheck -j"$jobs" -E "$exclude" "${extra[@]}" --output-on-failure \
  --overwrite MemoryCheckCommand="$(command -v valgrind)" \
  --overwrite MemoryCheckCommandOptions="$opts" \
  --timeout 3600 || status=1
leaks="$(grep -lE '(definitely|indirectly) lost: [1-9]' build-valgrind/Testing/Temporary/MemoryChecker.*.log || true)"
if [ -n "$leaks" ]; then
  echo "== leaks (definite or indirect):"
  for f in $leaks; do
    echo "-- $f"
    grep -B2 -A25 -E 'are definitely lost|are indirectly lost' "$f" | head -80
  done
  status=1
else
  echo "== valgrind: no definite or indirect leak in any process"
fi
exit $status
