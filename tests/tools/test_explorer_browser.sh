#!/usr/bin/env bash
# `baton explorer` in a real browser: headless Chromium loads the page with URL fragments that
# make it perform the steps a person would (search a user, open their access, open the path of
# an expanded grant), and the rendered DOM is checked against the JSON API: names, counts, the
# path's nodes. A screenshot of the path page is saved as <out>/explorer-path.png.
#
#   test_explorer_browser.sh <baton> <baton-demo> <out dir>
# Exit 77 (skip) when chromium or curl is absent, or baton has no server (no libmicrohttpd).
set -u
baton=$1
demo=$2
out=$3

browser=""
for b in chromium chromium-browser google-chrome; do
  if command -v "$b" >/dev/null 2>&1; then browser=$(command -v "$b"); break; fi
done
if [ -z "$browser" ] || ! command -v curl >/dev/null 2>&1; then
  echo "skipped: no chromium or no curl"
  exit 77
fi
if "$baton" -f x.c1z explorer -p abc 2>&1 | grep -q "without libmicrohttpd"; then
  echo "skipped: baton built without libmicrohttpd"
  exit 77
fi

mkdir -p "$out"
work=$(mktemp -d "$out/explorer-browser.XXXXXX")
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# The demo connector's file: people, nested groups, projects.
"$demo" -f "$work/demo.c1z" >"$work/demo.log" 2>&1 || fail "baton-demo failed: $(tail -3 "$work/demo.log")"

"$baton" -f "$work/demo.c1z" explorer -p 0 >"$work/server.out" 2>"$work/server.err" &
pid=$!
url=""
for _ in $(seq 1 100); do
  url=$(grep -ao 'http://[^ ]*' "$work/server.out" 2>/dev/null | head -1)
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || fail "explorer did not print its URL: $(cat "$work/server.err")"

api() { curl -sf "${url}api/$1"; }
dom() {
  timeout 40 "$browser" --headless --no-sandbox --disable-gpu --no-first-run \
    --user-data-dir="$work/profile" --virtual-time-budget=10000 --dump-dom "${url}#$1" 2>/dev/null
}

# 1. Search: the user's name, the count the page shows is the API's.
user_id=$(api "resources?resource_type_id=user&q=Rosa%20Haddad" | grep -o '"resource_type":"user","resource":"[^"]*"' |
  head -1 | sed 's/.*"resource":"\([^"]*\)"/\1/')
[ -n "$user_id" ] || fail "the API finds no Rosa Haddad"
total=$(api "resources?resource_type_id=user&q=Rosa" | grep -o '"total_count":[0-9]*' | cut -d: -f2)
page=$(dom "/resources?type=user&q=Rosa")
echo "$page" | grep -q "id=\"result-count\">$total matching resource" || fail "search count: want $total"
echo "$page" | grep -q ">Rosa Haddad</a>" || fail "search result Rosa Haddad not rendered"
rows=$(echo "$page" | grep -o 'class="res-row"' | wc -l)
[ "$rows" -eq "$total" ] || fail "search rows: $rows, want $total"

# 2. Access: as many entitlements and resources as the API gives.
acc=$(api "access/user/$user_id")
n_ent=$(echo "$acc" | grep -o '"direct":' | wc -l)
n_res=$(echo "$acc" | grep -o '"how":\[' | wc -l)
n_exp=$(echo "$acc" | grep -o '"expanded":true' | wc -l)
[ "$n_exp" -gt 0 ] || fail "the demo user has no expanded grant"
page=$(dom "/access/user/$user_id")
echo "$page" | grep -q "id=\"principal-name\">Rosa Haddad<" || fail "access page: no principal name"
echo "$page" | grep -q "id=\"access-count\">$n_ent entitlements on $n_res resources" ||
  fail "access count: want $n_ent on $n_res"
n_rows=$(echo "$page" | grep -o "class=\"acc-ent\"" | wc -l)
[ "$n_rows" -eq "$n_ent" ] || fail "access rows: $n_rows, want $n_ent"
[ "$(echo "$page" | grep -o 'class="why"' | wc -l)" -eq "$n_exp" ] || fail "access: $n_exp 'why?' links wanted"

# 3. The steps in one go: search -> access -> path of an expanded grant; the graph's nodes are the API's.
steps="/resources?type=user&q=Rosa%20Haddad&go=access,path"
page=$(dom "$steps")
echo "$page" | grep -q 'data-page="path"' || fail "the steps did not reach the path page"
ent=$(echo "$page" | grep -o 'data-entitlement="[^"]*"' | head -1 | cut -d'"' -f2)
[ -n "$ent" ] || fail "no graph on the path page"
path=$(api "path/user/$user_id?entitlement_id=$(printf %s "$ent" | sed 's/:/%3A/g')")
echo "$path" | grep -q '"direct":false' || fail "the chosen entitlement $ent is not expanded"
n_nodes=$(echo "$path" | grep -o '"kind":"\(principal\|entitlement\)"' | wc -l)
n_edges=$(echo "$path" | grep -o '"kind":"\(direct\|expands\)"' | wc -l)
echo "$page" | grep -q "data-nodes=\"$n_nodes\" data-edges=\"$n_edges\"" || fail "graph size: want $n_nodes nodes, $n_edges edges"
[ "$(echo "$page" | grep -o '<g class="node ' | wc -l)" -eq "$n_nodes" ] || fail "drawn nodes"
[ "$(echo "$page" | grep -o '<g class="edge ' | wc -l)" -eq "$n_edges" ] || fail "drawn edges"
[ "$n_nodes" -ge 3 ] || fail "an expanded grant's path has at least 3 nodes (principal, group, target)"
for id in $(echo "$path" | grep -o '"id":"[^"]*","kind":"entitlement"' | cut -d'"' -f4); do
  echo "$page" | grep -q "data-id=\"$id\"" || fail "node $id not drawn"
done
echo "$page" | grep -q 'class="node principal"' || fail "no principal node"
echo "$page" | grep -q 'class="node entitlement target' || fail "no target node"
for src in $(echo "$path" | sed 's/.*"sources":\[\([^]]*\)\].*/\1/' | grep -o '"entitlement_id":"[^"]*"' | cut -d'"' -f4); do
  echo "$page" | grep -q "<li data-id=\"$src\">" || fail "source $src not listed"
done
echo "$page" | grep -q "Why Rosa Haddad has" || fail "path title"

# 4. The screenshot (kept in the build folder).
timeout 40 "$browser" --headless --no-sandbox --disable-gpu --no-first-run --hide-scrollbars \
  --user-data-dir="$work/profile" --virtual-time-budget=10000 --window-size=1280,480 \
  --screenshot="$out/explorer-path.png" "${url}#$steps" >/dev/null 2>&1
[ "$(head -c 4 "$out/explorer-path.png" 2>/dev/null | tail -c 3)" = "PNG" ] || fail "no screenshot"

kill -TERM "$pid"
wait "$pid"
status=$?
pid=""
[ "$status" -eq 0 ] || fail "explorer exit status $status after SIGTERM"
grep -q "stopped (SIGTERM)" "$work/server.out" || fail "no stop message"
echo "ok: search ($total), access ($n_ent on $n_res), path of $ent ($n_nodes nodes), screenshot $out/explorer-path.png"
