#!/usr/bin/env bash
# Long crash-and-resume runs: builds build-rel (the default RelWithDebInfo build) and runs the
# harness (tests/crash/crash_resume.c) on baton-demo and baton-synth, and on baton-demo with 4
# workers, with N iterations of fresh random kill and SIGTERM/SIGINT points each (the ctest tests
# run one iteration).
#   tests/crash/run.sh [--iterations N] [--seed S] [--points N] [--timer-points N]
#                      [--signal-points N] [--build DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
iterations=10 seed="$(date +%s)" points=30 timer=8 signal=16 build=build-rel
while [ $# -gt 0 ]; do
  case "$1" in
    --iterations) iterations="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --points) points="$2"; shift 2 ;;
    --timer-points) timer="$2"; shift 2 ;;
    --signal-points) signal="$2"; shift 2 ;;
    --build) build="$2"; shift 2 ;;
    *) echo "usage: $0 [--iterations N] [--seed S] [--points N] [--timer-points N] [--signal-points N] [--build DIR]" >&2
       exit 2 ;;
  esac
done
cmake -S . -B "$build" >/dev/null
cmake --build "$build" -j"$(nproc)" --target crash_resume baton-demo baton-synth >/dev/null
export BATON_TEST_OUT_DIR="${BATON_TEST_OUT_DIR:-$PWD/$build/test-out}"
mkdir -p "$BATON_TEST_OUT_DIR"
echo "seed $seed, $iterations iterations"
for run in baton-demo baton-synth "baton-demo --env BATON_WORKERS=4"; do
  bin="${run%% *}"
  extra=()
  [ "$run" != "$bin" ] && read -r -a extra <<<"${run#* }"
  "$build/bin/tests/crash_resume" --bin "$build/bin/$bin" --iterations "$iterations" --seed "$seed" \
    --points "$points" --timer-points "$timer" --signal-points "$signal" --incremental "${extra[@]}" \
    | grep -v '^ok ' || exit 1
done
