#!/usr/bin/env bash
# How fast `baton explorer` answers on a file of ~50,000 grants (not a timed test: a measurement).
#
#   bench/explorer.sh [BUILD_DIR]     (default build-release, else build)
#
# Makes the file with `baton-bench sync-shape --users 2600 --roles 9` (users in nested groups,
# roles granted to users and groups; ~33k direct + ~17k expanded grants), starts the explorer on a
# free loopback port, then times every page's requests with curl: the first answer ("cold": the
# explorer caches only /api/principals) and the median of 7 more; "over" marks a time over 200 ms.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-}
if [ -z "$build" ]; then
  if [ -x build-release/bin/baton ]; then build=build-release; else build=build; fi
fi
baton=$build/bin/baton
bench=$build/bin/baton-bench
[ -x "$baton" ] && [ -x "$bench" ] || { echo "build baton and baton-bench first (cmake --build $build)"; exit 2; }

work=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
file=$work/explorer-50k.c1z
"$bench" sync-shape -o "$file" --users 2600 --roles 9 --tmp-dir "$work" >/dev/null 2>&1
grants=$("$baton" -f "$file" stats | awk -F'|' '/^Grants/ {gsub(/ /, "", $2); print $2}')

t0=$(date +%s.%N)
"$baton" -f "$file" explorer -p 0 >"$work/out" 2>"$work/err" &
pid=$!
url=""
for _ in $(seq 1 300); do
  url=$(grep -ao 'http://[^ ]*' "$work/out" 2>/dev/null | head -1) && [ -n "$url" ] && break
  sleep 0.05
done
t1=$(date +%s.%N)
[ -n "$url" ] || { cat "$work/err"; exit 1; }

# A user with an expanded grant, and that entitlement, for the access and path pages.
user="" ent=""
for i in $(seq 0 50); do
  ent=$(curl -sf "${url}api/access/user/u$i" | grep -o '"entitlement_id":"[^"]*","direct":false' | tail -1 | cut -d'"' -f4 || true)
  if [ -n "$ent" ]; then user=u$i; break; fi
done
[ -n "$user" ] || { echo "no user with an expanded grant"; exit 1; }
group=$(curl -sf "${url}api/resources?resource_type_id=group&page_size=1" | grep -o '"resource_type":"group","resource":"[^"]*"' | head -1 | sed 's/.*"resource":"//; s/"$//')

endpoints=(
  ""
  "explorer.js"
  "api/info"
  "api/resourceTypes"
  "api/resources?resource_type_id=user&page_size=50"
  "api/resources?resource_type_id=user&page_size=50&q=u25"
  "api/entitlements?page_size=100"
  "api/entitlements?resource_type_id=group&resource_id=$group"
  "api/grants/group/$group?page_size=200"
  "api/grants/role/r0?page_size=200"
  "api/group/$group"
  "api/access/user/$user"
  "api/path/user/$user?entitlement_id=$ent"
  "api/principals/group"
)

printf 'file: %s grants; explorer ready in %.0f ms (open, decompress, %s)\n' "$grants" \
  "$(echo "($t1 - $t0) * 1000" | bc -l)" "read the expansion edges and user counts"
printf '%-62s %8s %8s %10s\n' "endpoint" "cold ms" "ms" "bytes"
worst=0
for ep in "${endpoints[@]}"; do
  cold=$(curl -sf -o /dev/null -w '%{time_total}' "${url}$ep") || { echo "FAILED: $ep"; exit 1; }
  cold_ms=$(echo "$cold * 1000" | bc -l)
  times=()
  for _ in 1 2 3 4 5 6 7; do
    times+=("$(curl -sf -o /dev/null -w '%{time_total}' "${url}$ep")")
  done
  med=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 4p)
  ms=$(echo "$med * 1000" | bc -l)
  bytes=$(curl -sf "${url}$ep" | wc -c)
  flag=""
  if [ "$(echo "$ms > 200 || $cold_ms > 200" | bc -l)" = 1 ]; then flag=" over"; fi
  if [ "$(echo "$cold_ms > $worst" | bc -l)" = 1 ]; then worst=$cold_ms; fi
  if [ "$(echo "$ms > $worst" | bc -l)" = 1 ]; then worst=$ms; fi
  printf '%-62s %8.1f %8.1f %10s%s\n' "/${ep:0:61}" "$cold_ms" "$ms" "$bytes" "$flag"
done
printf 'slowest: %.1f ms\n' "$worst"
