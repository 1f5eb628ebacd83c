#!/usr/bin/env bash
# Go interop tests: libbaton's builder output checked against the Go baton-sdk (v0.25.0).
#
#   scripts/interop.sh [build-dir]     (default: build)
#
# The C test test_interop_fixture writes <build-dir>/test-out/interop/fixture.json; it is run here
# when that file is missing or older than the test binary. Then tests/interop's Go test reads it
# (BATON_INTEROP_FIXTURE). Without `go` on the PATH this is a no-op that succeeds.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"

build="${1:-build}"
case "$build" in
  /*) ;;
  *) build="$root/$build" ;;
esac

if ! command -v go >/dev/null 2>&1; then
  echo "interop: go not found; skipping Go interop tests"
  exit 0
fi

out_dir="$build/test-out"
fixture="$out_dir/interop/fixture.json"
bin="$build/bin/tests/test_interop_fixture"

fixture_status=0
if [ ! -f "$fixture" ] || { [ -x "$bin" ] && [ "$bin" -nt "$fixture" ]; }; then
  if [ ! -x "$bin" ]; then
    echo "interop: $bin not found; build $build first (cmake --build $build)" >&2
    exit 1
  fi
  echo "interop: writing $fixture"
  mkdir -p "$out_dir"
  # A case that fails to build on the C side is still written (with its error) and reported by
  # the Go test too, so carry on and fail at the end.
  BATON_TEST_OUT_DIR="$out_dir" "$bin" || fixture_status=$?
  if [ ! -f "$fixture" ]; then
    echo "interop: $bin did not write $fixture" >&2
    exit 1
  fi
fi

echo "interop: go test (fixture $fixture)"
cd "$root/tests/interop"
BATON_INTEROP_FIXTURE="$fixture" go test ./... -count=1
if [ "$fixture_status" -ne 0 ]; then
  echo "interop: test_interop_fixture failed (exit $fixture_status)" >&2
  exit "$fixture_status"
fi
