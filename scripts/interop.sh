#!/usr/bin/env bash
# Go interop tests: libbaton checked against the Go baton-sdk (v0.25.0) as an oracle.
#
#   scripts/interop.sh [build-dir]     (default: build)
#
# (a) C writers, into <build-dir>/test-out/interop/:
#     - test_interop_fixture writes fixture.json (builder bytes); run when that file is missing or
#       older than the test binary;
#     - test_interop_store writes ours.c1z + ours.json (a c1z written by our store); always run.
# (b) `go test` in tests/interop: compares fixture.json with the SDK's builders
#     (BATON_INTEROP_FIXTURE), reads ours.c1z with the SDK's dotc1z reader, checks the schema
#     fixture, and writes go.c1z + go.json with the SDK's writer (BATON_INTEROP_DIR).
# (c) test_interop_store_read reads go.c1z with our store and the `baton` tool
#     (BATON_INTEROP_GO_C1Z).
# Every step runs even when an earlier one failed (as long as its input exists); the exit status
# is non-zero if any failed. Without `go` on the PATH this is a no-op that succeeds.
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

interop_dir="$out_dir/interop"
store_bin="$build/bin/tests/test_interop_store"
read_bin="$build/bin/tests/test_interop_store_read"
for b in "$store_bin" "$read_bin"; do
  if [ ! -x "$b" ]; then
    echo "interop: $b not found; build $build first (cmake --build $build)" >&2
    exit 1
  fi
done

echo "interop: writing $interop_dir/ours.c1z"
store_status=0
BATON_TEST_OUT_DIR="$out_dir" "$store_bin" || store_status=$?
if [ ! -f "$interop_dir/ours.c1z" ] || [ ! -f "$interop_dir/ours.json" ]; then
  echo "interop: $store_bin did not write ours.c1z and ours.json" >&2
  exit 1
fi

# --- baton-demo (tests/interop/demo_test.go) --------------------------------------------------
# A c1z synced by examples/demo with its default sizes, for the Go reader. When the sync fails
# the variable still names the (missing) file, so the Go test fails instead of skipping.
demo_c1z="$interop_dir/demo.c1z"
rm -f "$demo_c1z"
if [ -x "$build/bin/baton-demo" ]; then
  echo "interop: syncing $build/bin/baton-demo into $demo_c1z"
  (env -u BATON_DEMO_USERS -u BATON_DEMO_GROUPS -u BATON_DEMO_ROLES -u BATON_DEMO_WORKSPACES \
     -u BATON_DEMO_PROJECTS -u BATON_DEMO_SEED -u BATON_DEMO_PAGE_SIZE \
     "$build/bin/baton-demo" -f "$demo_c1z" --log-level error) ||
    echo "interop: baton-demo failed" >&2
  export BATON_INTEROP_DEMO_C1Z="$demo_c1z"
else
  echo "interop: $build/bin/baton-demo not built; the demo interop test skips"
fi
# ---------------------------------------------------------------------------------------------

# --- secrets (tests/interop/secrets_test.go) ----------------------------------------------------
# test_provision_e2e leaves the age files baton-demo printed for --secret-recipient in
# $interop_dir; without it the Go test skips.
prov_bin="$build/bin/tests/test_provision_e2e"
rm -f "$interop_dir"/secrets-*
if [ -x "$prov_bin" ] && [ -x "$build/bin/baton-demo" ]; then
  echo "interop: writing secrets-* files with $prov_bin"
  BATON_TEST_OUT_DIR="$out_dir" "$prov_bin" "$build/bin/baton-demo" >/dev/null ||
    echo "interop: test_provision_e2e failed" >&2
fi
# ---------------------------------------------------------------------------------------------

# --- type-scoped grants (tests/interop/typescoped_test.go) -------------------------------------
# test_sync_type_scoped also syncs its type-scoped connector into this file for the Go test,
# which syncs the same connector written with the Go SDK and compares the rows.
ts_bin="$build/bin/tests/test_sync_type_scoped"
ts_c1z="$interop_dir/typescoped.c1z"
rm -f "$ts_c1z"
if [ -x "$ts_bin" ]; then
  BATON_TEST_OUT_DIR="$out_dir" BATON_INTEROP_TYPESCOPED_C1Z="$ts_c1z" "$ts_bin" >/dev/null ||
    echo "interop: test_sync_type_scoped failed" >&2
  export BATON_INTEROP_TYPESCOPED_C1Z="$ts_c1z"
fi
# ---------------------------------------------------------------------------------------------

# --- command line (tests/interop/cli_test.go) -------------------------------------------------
# `capabilities` and `config` of baton-demo and tests/cli's cli-probe, compared with the Go SDK's
# output for equivalent Go connectors; each test skips when its program is not built.
if [ -x "$build/bin/baton-demo" ]; then
  export BATON_INTEROP_DEMO_BIN="$build/bin/baton-demo"
fi
if [ -x "$build/bin/tests/cli-probe" ]; then
  export BATON_INTEROP_PROBE_BIN="$build/bin/tests/cli-probe"
fi
# baton_store_sync_diff_from_file (tests/interop/compact_test.go, TestDiffFromFileMatchesGo)
if [ -x "$build/bin/tests/c1z-diff-file" ]; then
  export BATON_INTEROP_DIFF_FILE_BIN="$build/bin/tests/c1z-diff-file"
fi
# external-resource matching (tests/interop/external_match_test.go)
if [ -x "$build/bin/tests/ext-probe" ]; then
  export BATON_INTEROP_EXT_PROBE_BIN="$build/bin/tests/ext-probe"
fi
# ---------------------------------------------------------------------------------------------

# --- the baton tool (tests/interop/batontool_test.go) -------------------------------------------
# build/bin/baton against the Go SDK's cmd/baton (built by the test) on tests/data/c1z and the
# demo c1z: JSON field by field, console text, and the files the writers make. It takes about
# 5 minutes (plus building cmd/baton once), hence go test's -timeout below.
if [ -x "$build/bin/baton" ]; then
  export BATON_INTEROP_BATON_BIN="$build/bin/baton"
fi
# ---------------------------------------------------------------------------------------------

# --- baton-file and baton-unix (tests/interop/examples_test.go) ---------------------------------
# examples/file's example.yaml with its two CSV tables, and tests/examples/fixtures/unix, synced by
# the example connectors; as for the demo, a failed sync leaves the variable naming a missing file.
for ex in file unix; do
  c1z="$interop_dir/example-$ex.c1z"
  rm -f "$c1z"
  if [ ! -x "$build/bin/baton-$ex" ]; then
    echo "interop: $build/bin/baton-$ex not built; its interop test skips"
    continue
  fi
  echo "interop: syncing $build/bin/baton-$ex into $c1z"
  if [ "$ex" = file ]; then
    args=(-i examples/file/example.yaml --users-csv examples/file/example.csv
          --grants-csv examples/file/example-grants.csv)
    export BATON_INTEROP_FILE_C1Z="$c1z"
  else
    fx=tests/examples/fixtures/unix
    args=(--passwd-file "$fx/passwd" --group-file "$fx/group" --shadow-file "$fx/shadow" --uid-min 1000)
    export BATON_INTEROP_UNIX_C1Z="$c1z"
  fi
  "$build/bin/baton-$ex" -f "$c1z" --log-level error "${args[@]}" || echo "interop: baton-$ex failed" >&2
done
# ---------------------------------------------------------------------------------------------

# --- service mode (tests/interop/service_test.go) ------------------------------------------------
# TestServiceGoSDK always runs: the Go SDK's service mode (tests/interop/godemo, replaying the
# company in $BATON_INTEROP_DEMO_C1Z) against tests/interop/fakec1; its recording lands in
# $interop_dir/service-go. TestServiceC runs baton-demo against the same script and compares; it
# skips (with a SKIP line) while baton-demo answers --client-id with "not supported" (exit 12).
if [ -x "$build/bin/baton-demo" ]; then
  export BATON_SERVICE_C_BIN="$build/bin/baton-demo"
  probe="$(cd "$interop_dir" && timeout 10 "$build/bin/baton-demo" --client-id probe@tenant.invalid/x --client-secret x \
             2>&1 </dev/null || true)"
  case "$probe" in
    *"not supported"*)
      echo "interop: SKIP service-mode comparison (TestServiceC): baton-demo does not support --client-id yet" ;;
    *) echo "interop: service mode: baton-demo compared with the Go SDK against fakec1 (TestServiceC)" ;;
  esac
fi
rm -rf "$interop_dir"/service-go "$interop_dir"/service-c "$interop_dir"/service-c-*
# ---------------------------------------------------------------------------------------------

echo "interop: go test (fixture $fixture, c1z files in $interop_dir)"
rm -f "$interop_dir/go.c1z" "$interop_dir/go.json" "$interop_dir/go-lcache.db"
go_status=0
(cd "$root/tests/interop" &&
  BATON_INTEROP_FIXTURE="$fixture" BATON_INTEROP_DIR="$interop_dir" go test ./... -count=1 -timeout 30m) || go_status=$?

read_status=0
if [ -f "$interop_dir/go.c1z" ] && [ -f "$interop_dir/go.json" ]; then
  echo "interop: reading $interop_dir/go.c1z with our store and $build/bin/baton"
  BATON_TEST_OUT_DIR="$out_dir" BATON_INTEROP_GO_C1Z="$interop_dir/go.c1z" "$read_bin" || read_status=$?
else
  echo "interop: the Go test did not write go.c1z and go.json" >&2
  read_status=1
fi

# The Go SDK's db HTTP cache file (tests/interop/httpcache_test.go) against ours.
dbcache_status=0
dbcache_bin="$build/bin/tests/test_http_dbcache"
if [ -f "$interop_dir/go-lcache.db" ] && [ -x "$dbcache_bin" ]; then
  echo "interop: comparing $interop_dir/go-lcache.db with our db cache"
  BATON_TEST_OUT_DIR="$out_dir" BATON_INTEROP_GO_LCACHE="$interop_dir/go-lcache.db" "$dbcache_bin" ||
    dbcache_status=$?
else
  echo "interop: no go-lcache.db from the Go test or no $dbcache_bin" >&2
  dbcache_status=1
fi

status=0
for pair in "test_interop_fixture:$fixture_status" "test_interop_store:$store_status" \
            "go test:$go_status" "test_interop_store_read:$read_status" \
            "test_http_dbcache:$dbcache_status"; do
  name="${pair%:*}"
  rc="${pair##*:}"
  if [ "$rc" -ne 0 ]; then
    echo "interop: $name failed (exit $rc)" >&2
    status=1
  fi
done
if [ "$status" -eq 0 ]; then
  echo "interop: all passed"
fi
exit "$status"
