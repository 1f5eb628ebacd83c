#!/usr/bin/env bash
# The least a SQLite (c1z v1) writer can spend on expand-tenant's output (a measurement, not a test).
#
#   bench/v1-floor.sh [BIN_DIR] [--go-pebble-s SECONDS]
#     BIN_DIR        where baton-bench is (default build-release/bin)
#     --go-pebble-s  Go + Pebble's expand-tenant wall time from the same machine (default: the
#                    median in bench/results/latest.json), to print the 10x target next to it
#
# Expands the tenant graph with libbaton (timed), then lets the sqlite3 and zstd programs alone
# make the same file from the finished rows: a fresh database with v1_grants as the schema
# declares it, the expanded file's 419k grant rows copied in rowid order (no protobuf to build,
# no closure, no look-ups: the cheapest insert SQLite has), the schema's seven grant indexes
# built from the sorted table (what CREATE INDEX does best), then zstd at the level and worker
# count libbaton uses. The other tables are left out (a few thousand rows). What this prints
# is therefore a lower bound for any writer of a v1 file holding these rows; a writer that
# computes the rows too can only be slower. See BENCHMARKS.md, "The floor of a v1 file".
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build-release/bin go_pebble=""
while [ $# -gt 0 ]; do
  case "$1" in
    --go-pebble-s) go_pebble="$2"; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    -*) echo "v1-floor.sh: unknown argument $1" >&2; exit 2 ;;
    *) bin="$1" ;;
  esac
  shift
done
bb=$bin/baton-bench
[ -x "$bb" ] || { echo "v1-floor.sh: no $bb (build it: cmake --build build-release)" >&2; exit 2; }
for p in sqlite3 zstd /usr/bin/time python3; do
  command -v "$p" >/dev/null || { echo "v1-floor.sh: needs $p (scripts/setup.sh installs it)" >&2; exit 2; }
done
if [ -z "$go_pebble" ] && [ -f bench/results/latest.json ]; then
  go_pebble=$(python3 -c '
import json, sys
d = json.load(open("bench/results/latest.json"))
for r in d["results"]:
    if r["workload"] == "expand-tenant" and r["impl"] == "go-pebble" and r["status"] == "ok":
        print("%.3f" % r["wall_s_median"])
        break
')
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bb" gen-graph tenant -o "$work/in.c1z" >/dev/null

# "wall user sys" of a command, from /usr/bin/time
timed() {
  /usr/bin/time -f "%e %U %S" -o "$work/t" "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
  cat "$work/t"
}
read -r c_wall c_user c_sys < <(timed "$bb" expand "$work/in.c1z" -o "$work/out.c1z")

# the expanded database, as libbaton saved it (magic C1ZF\0, then one zstd frame)
tail -c +6 "$work/out.c1z" | zstd -d -q -o "$work/expanded.db"
rows=$(sqlite3 "$work/expanded.db" "SELECT count(*) FROM v1_grants")
{
  echo "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA locking_mode = EXCLUSIVE;"
  echo "PRAGMA cache_size = -32768;"
  echo "ATTACH '$work/expanded.db' AS src;"
  sqlite3 "$work/expanded.db" "SELECT sql || ';' FROM sqlite_master WHERE type = 'table' AND name = 'v1_grants'"
  echo ".timer on"
  echo "INSERT INTO main.v1_grants SELECT * FROM src.v1_grants ORDER BY id;"
  echo ".timer off"
  echo "DETACH src;"
  echo ".timer on"
  sqlite3 "$work/expanded.db" "SELECT sql || ';' FROM sqlite_master WHERE type = 'index' AND tbl_name = 'v1_grants' AND sql IS NOT NULL"
} >"$work/floor.sql"
nidx=$(grep -ci "^create.*index" "$work/floor.sql")
/usr/bin/time -f "%e %U %S" -o "$work/t" sqlite3 "$work/floor.db" ".read $work/floor.sql" >"$work/timer" 2>"$work/err" ||
  { cat "$work/err" >&2; exit 1; }
read -r s_wall s_user s_sys <"$work/t"
# the sqlite3 shell's per-statement times: the first is the copy, the others the index builds
read -r copy_cpu idx_cpu < <(awk '/^Run Time:/ { t = $6 + $8; if (n++ == 0) c = t; else i += t }
  END { printf "%.3f %.3f\n", c, i }' "$work/timer")
read -r z_wall z_user z_sys < <(timed zstd -3 -T2 -q -f "$work/floor.db" -o "$work/floor.zst")

python3 - "$rows" "$nidx" "$c_wall" "$c_user" "$c_sys" "$s_wall" "$s_user" "$s_sys" "$z_wall" "$z_user" "$z_sys" "$go_pebble" "$copy_cpu" "$idx_cpu" <<'EOF'
import sys
a = sys.argv[1:]
rows, nidx = int(a[0]), int(a[1])
c = [float(x) for x in a[2:5]]
s = [float(x) for x in a[5:8]]
z = [float(x) for x in a[8:11]]
go = float(a[11]) if a[11] else None
copy_cpu, idx_cpu = float(a[12]), float(a[13])
def line(name, w, u, sy):
    print(f"| {name} | {w:.2f} | {u + sy:.2f} |")
print(f"grant rows: {rows}; grant indexes built: {nidx}")
print("| step | wall s | CPU s |")
print("|---|---:|---:|")
line("libbaton: expand-tenant, whole (read, expand, write, index, save)", *c)
line("floor: sqlite3 copies the rows and builds the indexes", *s)
line("floor: zstd -3 -T2 of that database", *z)
fw, fc = s[0] + z[0], s[1] + s[2] + z[1] + z[2]
print(f"| floor: total | {fw:.2f} | {fc:.2f} |")
print(f"of which CPU s: copying the rows {copy_cpu:.2f}, building the {nidx} indexes {idx_cpu:.2f}")
print(f"floor with both cores fully used: >= {fc / 2:.2f} s wall")
mandatory = idx_cpu + z[1] + z[2]
print(f"the indexes and zstd alone (no row written at all): {mandatory:.2f} s CPU, >= {mandatory / 2:.2f} s wall")
if go:
    print(f"Go + Pebble expand-tenant (latest run): {go:.2f} s; 10x faster would be {go / 10:.2f} s,"
          f" {fc / 2 / (go / 10):.1f}x below the two-core floor")
EOF
