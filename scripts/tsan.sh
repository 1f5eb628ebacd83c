#!/usr/bin/env bash
# ThreadSanitizer check of the syncer's worker pool and the store's grant writer thread: builds build-tsan (-DBATON_TSAN=ON, the
# default RelWithDebInfo build type) and runs the tests that drive the workers under TSan; any
# report fails the run (halt_on_error). Usage: scripts/tsan.sh [extra ctest -R regex]
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="$(nproc)"
build=build-tsan
tests='^(test_sync_workers|test_sync_syncer|test_sync_concurrent|test_demo_workers|test_demo_concurrent|test_connector_api|test_store_writer)$'
if [ $# -gt 0 ]; then
  tests="$tests|$1"
fi

cmake -S . -B "$build" -DBATON_TSAN=ON >/dev/null
cmake --build "$build" -j"$jobs" --target test_sync_workers test_sync_syncer test_sync_concurrent test_connector_api \
  test_demo_workers test_demo_concurrent test_store_writer baton-demo

# Some kernels map memory where TSan's shadow cannot live (high mmap entropy); run without ASLR
# when the plain run cannot even start.
runner=()
if ! TSAN_OPTIONS="halt_on_error=1" "$build/bin/baton-demo" --version >/dev/null 2>&1; then
  if command -v setarch >/dev/null; then
    runner=(setarch "$(uname -m)" -R)
  fi
fi

export TSAN_OPTIONS="halt_on_error=1 abort_on_error=0 exitcode=66 second_deadlock_stack=1 history_size=4"
"${runner[@]}" ctest --test-dir "$build" --output-on-failure -j"$jobs" -R "$tests"
echo "ThreadSanitizer: no reports"
