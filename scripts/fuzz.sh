#!/usr/bin/env bash
# Fuzzing: builds the libFuzzer targets (tests/fuzz/) with clang, ASan and UBSan into build-fuzz/
# and runs each for a bounded time (default 60 s; `scripts/fuzz.sh 600` for longer), from the
# seed corpus (tests/fuzz/corpus/<target>/, plus the Go-written c1z files in tests/data/c1z/ for
# the c1z reader) into a working corpus build-fuzz/corpus/<target>/ that grows across runs. A
# crash stops with the input saved as build-fuzz/crash-*; copy it to
# tests/fuzz/regressions/<target>/ once fixed, and ctest replays it in every build from then on.
#   scripts/fuzz.sh [seconds] [target...]      targets: c1z c1z_rows pagebag sync_token config ratelimit
#                                               protojson http config_yaml file_loaders client_secret types
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-60}"
[ $# -gt 0 ] && shift
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(c1z c1z_rows pagebag sync_token config ratelimit protojson http config_yaml file_loaders client_secret types)
./scripts/setup.sh --fuzz >/dev/null
jobs="$(nproc)"
CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBATON_FUZZ=ON -DBATON_WERROR=ON >/dev/null
if ! cmake --build build-fuzz -j"$jobs" --target $(printf 'fuzz_%s ' "${targets[@]}") >build-fuzz/build.log 2>&1; then
  tail -40 build-fuzz/build.log
  exit 1
fi
testdata="${BATON_TESTDATA_DIR:-$PWD/tests/data}"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export BATON_LOG_LEVEL=error
summary=build-fuzz/fuzz-summary.txt
: > "$summary"
status=0
for t in "${targets[@]}"; do
  corpus="build-fuzz/corpus/$t"
  mkdir -p "$corpus"
  cp -n tests/fuzz/corpus/"$t"/* "$corpus"/ 2>/dev/null || true
  if [ "$t" = c1z ]; then
    # The Go-written seeds are part of the repository: their absence is an error, not a quiet skip.
    if ! ls "$testdata"/c1z/*.c1z >/dev/null 2>&1; then echo "fuzz: no c1z seeds in $testdata/c1z" >&2; exit 1; fi
    cp -n "$testdata"/c1z/*.c1z "$corpus"/
  fi
  max_len=65536
  [ "$t" = c1z ] && max_len=1048576
  log="build-fuzz/fuzz-$t.log"
  if (cd build-fuzz && "./bin/fuzz/fuzz_$t" -max_total_time="$secs" -max_len="$max_len" -timeout=25 \
        -rss_limit_mb=2048 -print_final_stats=1 "corpus/$t" >"fuzz-$t.log" 2>&1); then
    result=ok
  else
    result=CRASH
    status=1
  fi
  execs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)"
  cov="$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo 0)"
  printf '%-11s %-5s %8s executions in %s s, coverage %s edges, corpus %s inputs\n' "$t" "$result" "$execs" \
    "$secs" "$cov" "$(ls "$corpus" | wc -l)" | tee -a "$summary"
  if [ "$result" = CRASH ]; then grep -A30 'ERROR\|==ERROR\|deadly signal\|Test unit written' "$log" | head -40; fi
done
exit $status
