#!/usr/bin/env bash
# Quick start, command 2: install what is needed, build, and run every test: the unit and
# integration tests in a plain build and again under AddressSanitizer + UndefinedBehaviorSanitizer,
# a Release build (-O3, warnings as errors, as bench/run.sh builds) with the benchmark harness's
# quick check on it, the install/consumer checks, the worker-pool tests under ThreadSanitizer, the
# Go interop tests when `go` is on the PATH, and each fuzz target for 10 s (clang and its libFuzzer
# runtime are installed with the rest: setup.sh --fuzz). Needs nothing outside the checkout: the
# test data is in tests/data.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --fuzz
jobs="$(nproc)"

echo "== plain build"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure -j"$jobs"

echo "== Release build (-O3 -Werror: gcc warns there, e.g. maybe-uninitialized, where the others do not)"
# The tree bench/run.sh uses (the same configuration): the library, tools, examples and benchmarks;
# the tests are not built here, but the benchmark harness's quick check runs on the -O3 programs.
cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DBATON_BUILD_TESTS=OFF -DBATON_WERROR=ON \
  >/dev/null
cmake --build build-release -j"$jobs"
./bench/run.sh --ci build-release/bin build-release/bench-ci

echo "== ASan + UBSan build"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DBATON_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs"
ASAN_OPTIONS="detect_leaks=1:abort_on_error=1" \
UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
  ctest --test-dir build-asan --output-on-failure -j"$jobs"

echo "== ThreadSanitizer (the syncer's worker pool)"
./scripts/tsan.sh

echo "== Go interop"
./scripts/interop.sh build

echo "== Fuzzing (10 s per target; scripts/fuzz.sh for longer)"
./scripts/fuzz.sh 10
