#!/usr/bin/env bash
# libbaton benchmarks: builds in release mode, runs every workload for libbaton (C) and for the
# Go SDK (bench/peer-go, both its SQLite engine and its default Pebble engine), and writes
# bench/results/latest.json and bench/results/latest.md. See bench/README.md and BENCHMARKS.md.
#
#   ./bench/run.sh [--quick] [--large] [--runs N] [--no-go] [--only W1,W2]
#     --quick   tiny sizes, one run, not meant as a measurement (what CI runs)
#     --large   also the 10M-grant fanout workload
#     --runs N  runs per workload and implementation (default 3; the median is reported)
#     --no-go   skip the Go peer
#     --only    a comma-separated list of workloads to run
#   ./bench/run.sh --ci BIN_DIR OUT_DIR
#     the C side of --quick with the programs in BIN_DIR, checking every file it writes (ctest)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"

quick=0 large=0 runs=3 nogo=0 only="" ci=0
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --large) large=1 ;;
    --runs) runs="$2"; shift ;;
    --no-go) nogo=1 ;;
    --only) only="$2"; shift ;;
    --ci) ci=1; bin="$2"; work="$3"; shift 2; quick=1; nogo=1 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
[ "$quick" = 1 ] && runs=1

testdata="${BATON_TESTDATA_DIR:-$root/tests/data}"
small_unexpanded="$testdata/c1z/expansion-small.unexpanded.c1z"
small_expanded="$testdata/c1z/expansion-small.expanded.c1z"

if [ "$ci" = 0 ]; then
  bin="$root/build-release/bin"
  work="$root/build-release/bench-work"
  echo "== building libbaton (Release) into build-release/"
  # BATON_BENCH_CMAKE_ARGS: extra configure arguments.
  cmake -S "$root" -B "$root/build-release" -DCMAKE_BUILD_TYPE=Release -DBATON_BUILD_TESTS=OFF \
    ${BATON_BENCH_CMAKE_ARGS:-} >/dev/null
  cmake --build "$root/build-release" -j"$(nproc)" --target baton-bench baton >/dev/null
  cmake --build "$root/build-release" -j"$(nproc)" --target baton-demo >/dev/null 2>&1 ||
    echo "   (baton-demo did not build: startup-capabilities will be skipped)"
  gobin=""
  if [ "$nogo" = 0 ]; then
    if command -v go >/dev/null 2>&1; then
      echo "== building the Go peer (bench/peer-go, $(go version | awk '{print $3}'))"
      (cd "$here/peer-go" && go build -o "$bin/peer-go" . && go build -o "$bin/baton-go" github.com/conductorone/baton-sdk/cmd/baton)
      gobin="$bin/peer-go"
    else
      echo "== go is not installed: the Go peer is skipped (install Go >= 1.26 to compare with the Go SDK)"
    fi
  fi
else
  gobin=""
fi
rm -rf "$work"
mkdir -p "$work"
results="$work/runs.jsonl"
: >"$results"
log="$work/stderr.log"
bb="$bin/baton-bench"

want() { [ -z "$only" ] || [[ ",$only," == *",$1,"* ]]; }

# measure WORKLOAD IMPL [--timeout S] -- CMD...
# A (workload, implementation) that timed out once is not run again.
measure() {
  local w="$1" impl="$2"; shift 2
  if grep -q "\"workload\":\"$w\",\"impl\":\"$impl\",\"status\":\"timeout\"" "$results" 2>/dev/null ||
     grep "\"status\":\"timeout\"" "$results" 2>/dev/null | grep "\"workload\":\"$w\"" | grep -q "\"impl\":\"$impl\""; then
    echo "  $w $impl: skipped (timed out before)" >&2
    return 0
  fi
  "$bb" measure --workload "$w" --impl "$impl" --out "$results" --log "$log" "$@" || true
}

# sizes
if [ "$quick" = 1 ]; then
  wp_grants=2000; shape=(--users 200 --groups 20 --roles 3); scale=20
  lat=(--latency-ms 1 --users 20 --groups 5 --roles 2); fan=(--resources 20 --grants-per 50)
  timeout=60
else
  wp_grants=1000000; shape=(); scale=1; lat=(--latency-ms 20); fan=(--resources 10000 --grants-per 1000)
  timeout=${BATON_BENCH_TIMEOUT:-300}
fi

echo "== workloads ($runs run(s) each; results in $results)"
for ((r = 1; r <= runs; r++)); do
  if want writepack; then
    measure writepack c -- "$bb" writepack -o "$work/wp.c.c1z" --grants "$wp_grants"
    if [ -n "$gobin" ]; then
      for e in sqlite pebble; do
        measure writepack "go-$e" --timeout "$timeout" -- "$gobin" writepack --engine "$e" -o "$work/wp.go-$e.c1z" --grants "$wp_grants"
      done
    fi
  fi
  if want sync-shape; then
    measure sync-shape c -- "$bb" sync-shape -o "$work/shape.c.c1z" ${shape[@]+"${shape[@]}"}
    if [ -n "$gobin" ]; then
      for e in sqlite pebble; do
        measure sync-shape "go-$e" --timeout "$timeout" -- "$gobin" sync-shape --engine "$e" -o "$work/shape.go-$e.c1z" ${shape[@]+"${shape[@]}"}
      done
    fi
  fi
done

# expand: the held-in file and the synthetic graphs (generated once, not timed)
inputs=()
if [ -f "$small_unexpanded" ]; then inputs+=("small:$small_unexpanded"); else echo "   (no $small_unexpanded: expand-small skipped)"; fi
for k in chain wide cycles tenant; do
  if want "expand-$k"; then
    "$bb" gen-graph "$k" -o "$work/graph-$k.c1z" --scale "$scale" >/dev/null
    inputs+=("$k:$work/graph-$k.c1z")
  fi
done
for item in "${inputs[@]}"; do
  name="${item%%:*}" in="${item#*:}"
  want "expand-$name" || continue
  sid="$("$bb" sync-id "$in")"
  if [ -n "$gobin" ]; then "$gobin" convert "$in" "$work/expand-$name.pebble.c1z" 2>>"$log"; fi
  for ((r = 1; r <= runs; r++)); do
    measure "expand-$name" c -- "$bb" expand "$in" -o "$work/expand-$name.c.c1z" --label "expand-$name"
    if [ -n "$gobin" ]; then
      # The Go SQLite engine stops at depth 20 unless told otherwise (BATON_GRAPH_EXPAND_MAX_DEPTH).
      BATON_GRAPH_EXPAND_MAX_DEPTH=100000 measure "expand-$name" go-sqlite --timeout "$timeout" -- \
        "$gobin" expand --engine sqlite --sync-id "$sid" -o "$work/expand-$name.go-sqlite.c1z" "$in"
      measure "expand-$name" go-pebble --timeout "$timeout" -- \
        "$gobin" expand --engine pebble --sync-id "$sid" -o "$work/expand-$name.go-pebble.c1z" "$work/expand-$name.pebble.c1z"
    fi
  done
done

# latency: every connector call sleeps; workers 1, 4, 16
for w in 1 4 16; do
  want "latency-w$w" || continue
  for ((r = 1; r <= runs; r++)); do
    measure "latency-w$w" c -- "$bb" latency -o "$work/lat$w.c.c1z" --workers "$w" "${lat[@]}"
    if [ -n "$gobin" ]; then
      for e in sqlite pebble; do
        measure "latency-w$w" "go-$e" --timeout "$timeout" -- "$gobin" latency --engine "$e" -o "$work/lat$w.go-$e.c1z" --workers "$w" "${lat[@]}"
      done
    fi
  done
done

# startup: `baton stats` on a small file, and `baton-demo capabilities` once it exists
if want startup && [ -f "$small_expanded" ]; then
  for ((r = 1; r <= runs * 3; r++)); do
    measure startup-stats c -- "$bin/baton" -f "$small_expanded" stats
    if [ -n "$gobin" ] && [ -x "$bin/baton-go" ]; then
      measure startup-stats go-sqlite -- "$bin/baton-go" -f "$small_expanded" stats
    fi
  done
  if [ -x "$bin/baton-demo" ] && "$bin/baton-demo" capabilities >/dev/null 2>&1; then
    for ((r = 1; r <= runs * 3; r++)); do
      measure startup-capabilities c -- "$bin/baton-demo" capabilities
    done
  else
    echo "   (baton-demo capabilities is not available yet: startup-capabilities skipped)"
  fi
fi

# fanout: 10,000 resources x 1,000 grants (opt-in; tiny in --quick)
if { [ "$large" = 1 ] || [ "$quick" = 1 ]; } && want fanout; then
  fr=$([ "$quick" = 1 ] && echo 1 || echo 1)
  for ((r = 1; r <= fr; r++)); do
    measure fanout c -- "$bb" fanout -o "$work/fanout.c.c1z" "${fan[@]}"
    if [ -n "$gobin" ]; then
      for e in sqlite pebble; do
        measure fanout "go-$e" --timeout "$((timeout * 4))" -- "$gobin" fanout --engine "$e" -o "$work/fanout.go-$e.c1z" "${fan[@]}"
      done
    fi
  done
fi

if [ "$ci" = 1 ]; then
  # Every workload must have run and written a valid file.
  status=0
  for f in wp.c shape.c expand-chain.c expand-wide.c expand-cycles.c expand-tenant.c lat1.c lat4.c lat16.c fanout.c; do
    if ! "$bb" verify "$work/$f.c1z" --min-grants 1; then status=1; fi
  done
  # The Go-written file is in the repository (tests/data): missing is a failure, not a skip.
  if [ ! -f "$small_unexpanded" ]; then echo "run.sh --ci: $small_unexpanded is missing" >&2; status=1
  elif ! "$bb" verify "$work/expand-small.c.c1z" --min-grants 14981; then status=1; fi
  "$bin/baton" -f "$work/shape.c.c1z" stats >/dev/null || status=1
  if grep -v '"status":"ok"' "$results"; then echo "run.sh --ci: a workload failed (above)" >&2; status=1; fi
  "$bb" report "$results" --json "$work/latest.json" --md "$work/latest.md" || status=1
  cat "$work/latest.md"
  exit $status
fi

mkdir -p "$here/results"
cc_version="$(cc --version | head -1)"
go_version="$(command -v go >/dev/null 2>&1 && go version || echo "not installed")"
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
mem="$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
os="$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")"
mode=$([ "$quick" = 1 ] && echo quick || echo full)
"$bb" report "$results" --json "$here/results/latest.json" --md "$here/results/latest.md" \
  --meta "nproc=$(nproc)" --meta "cpu=$cpu" --meta "memory=$mem" --meta "os=$os" \
  --meta "compiler=$cc_version" --meta "go=$go_version" --meta "mode=$mode" --meta "runs=$runs" \
  --meta "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)" --meta "commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo
cat "$here/results/latest.md"
echo
echo "written: bench/results/latest.json, bench/results/latest.md (raw runs: $results)"
