#!/usr/bin/env bash
# Service mode costs (issue 15; a measurement, not a timed test).
#
#   bench/service.sh [BUILD_DIR] [DEMO SIZE FLAGS...]
#       (default build-release, else build; sizes default to --users 12500 --groups 200 --roles 25:
#        91,555 grants, near the 100k of bench sync-shape)
#
# 1. idle: fakec1 (tests/interop/fakec1, built offline as tests/service/e2e_service.sh does) plays
#    one Hello task then, with --linger, answers empty GetTask polls; baton-demo runs in service
#    mode against it; after 10 s of settling, the daemon's CPU time (/proc/PID/stat utime+stime)
#    and RSS (/proc/PID/status VmRSS) are sampled over 30 s of idling: % of one core, MB. Twice:
#    with the idle trim (default) and with BATON_SERVICE_IDLE_TRIM=0.
# 2. a full-sync task of baton-demo at the given sizes (wall from fakec1's GetTask hand-out to
#    its FinishTask, so it includes the upload; the daemon's CPU time when the task is finished,
#    startup and the first polls included; its RSS 10 s later, idle again), with and without the
#    idle trim, versus the same sync one-shot (`baton-demo -f x.c1z`).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${1:-}
[ $# -gt 0 ] && shift
if [ -z "$build" ]; then
  if [ -x build-release/bin/baton-demo ]; then build=build-release; else build=build; fi
fi
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(--users 12500 --groups 200 --roles 25)
demo=$root/$build/bin/baton-demo
tool=$root/$build/bin/baton
[ -x "$demo" ] && [ -x "$tool" ] || { echo "build baton-demo and baton first (cmake --build $build)"; exit 2; }
command -v go >/dev/null || { echo "needs go (fakec1)"; exit 2; }

work=$(mktemp -d)
fake_pid="" client_pid=""
cleanup() {
  [ -n "$client_pid" ] && kill -KILL "$client_pid" 2>/dev/null
  [ -n "$fake_pid" ] && kill -KILL "$fake_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fake=$work/fakec1
(cd tests/interop && GOFLAGS=-mod=mod GOPROXY=${GOPROXY:-off} go build -o "$fake" ./fakec1) \
  || { echo "fakec1 does not build"; exit 2; }
hz=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# start_fake NAME SCRIPT TIMEOUT
start_fake() {
  "$fake" --script "$2" --out "$work/$1" --timeout "$3" --linger >"$work/$1.fake.log" 2>&1 &
  fake_pid=$!
  for _ in $(seq 200); do [ -f "$work/$1/ready.json" ] && return 0; sleep 0.1; done
  echo "fakec1 did not get ready"; cat "$work/$1.fake.log"; exit 1
}
# start_client NAME [demo flags...]
start_client() {
  local name=$1; shift
  mkdir -p "$work/$name.cwd" "$work/$name.tmp"
  ( cd "$work/$name.cwd" && set -a && . "$work/$name/env" && set +a &&
    exec "$demo" --c1z-temp-dir "$work/$name.tmp" "$@" ) >"$work/$name.client.log" 2>&1 &
  client_pid=$!
}
stop_all() {
  kill -TERM "$client_pid" 2>/dev/null || true; wait "$client_pid" 2>/dev/null || true; client_pid=""
  kill -TERM "$fake_pid" 2>/dev/null || true; wait "$fake_pid" 2>/dev/null || true; fake_pid=""
}

echo "machine: $(nproc) cores; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "binary: $demo"

# ---- 1. idle --------------------------------------------------------------------------------
# twice: with the idle trim (src/service/idle.c, the default) and with BATON_SERVICE_IDLE_TRIM=0
printf '{"tasks": [{"name": "hello", "compare": "exact", "task": {"hello": {}}}]}\n' >"$work/idle.json"
for trim in 1 0; do
  start_fake "idle$trim" "$work/idle.json" 120s
  BATON_SERVICE_IDLE_TRIM=$trim start_client "idle$trim"
  sleep 10
  kill -0 "$client_pid" || { echo "client died"; cat "$work/idle$trim.client.log"; exit 1; }
  t0=$(cpu_ticks "$client_pid"); s0=$(date +%s.%N)
  max_rss=0 sum_rss=0 n=0
  for _ in $(seq 30); do
    sleep 1
    r=$(rss_kb "$client_pid"); sum_rss=$((sum_rss + r)); n=$((n + 1))
    [ "$r" -gt "$max_rss" ] && max_rss=$r
  done
  t1=$(cpu_ticks "$client_pid"); s1=$(date +%s.%N)
  split=$(awk '/^(RssAnon|RssFile):/ {printf "%s %.1f MB, ", $1, $2 / 1024}' "/proc/$client_pid/status"
    awk '/^(Pss|Private_Clean|Private_Dirty):/ {printf "%s %.1f MB, ", $1, $2 / 1024}' "/proc/$client_pid/smaps_rollup")
  stop_all
  awk -v t="$((t1 - t0))" -v hz="$hz" -v s0="$s0" -v s1="$s1" -v max="$max_rss" -v sum="$sum_rss" -v n="$n" -v p="$split" -v trim="$trim" \
    'BEGIN { w = s1 - s0; printf "idle (BATON_SERVICE_IDLE_TRIM=%s): %.2f s wall, CPU %.2f s = %.3f%% of one core; RSS mean %.1f MB, max %.1f MB (%s); polled every 200 ms (fakec1 next_poll)\n", trim, w, t / hz, 100 * t / hz / w, sum / n / 1024, max / 1024, p }'
done

# ---- 2. full sync: task vs one-shot ---------------------------------------------------------
# the task twice (idle trim on, off); after its FinishTask the daemon idles 10 s: RSS then
printf '{"tasks": [{"name": "sync", "compare": "exact", "task": {"syncFull": {}}}]}\n' >"$work/sync.json"
for trim in 1 0; do
  start_fake "sync$trim" "$work/sync.json" 1200s
  BATON_SERVICE_IDLE_TRIM=$trim start_client "sync$trim" "${sizes[@]}" --page-size 100
  until grep -q '"method":"FinishTask"' "$work/sync$trim/events.jsonl" 2>/dev/null; do
    kill -0 "$client_pid" 2>/dev/null || { echo "client died"; tail "$work/sync$trim.client.log"; exit 1; }
    sleep 0.2
  done
  task_cpu=$(cpu_ticks "$client_pid")
  task_rss=$(awk '/^VmHWM:/ {print $2}' "/proc/$client_pid/status")
  sleep 10
  after=$(awk '/^(VmRSS|RssAnon|RssFile):/ {printf "%s %.1f MB ", $1, $2 / 1024}' "/proc/$client_pid/status")
  stop_all
  python3 - "$work/sync$trim/events.jsonl" <<'EOF' >"$work/task$trim.txt"
import json, sys, datetime
def t(s):
    s = s.rstrip("Z"); base, _, frac = s.partition(".")
    return datetime.datetime.fromisoformat(base).timestamp() + float("0." + (frac or "0"))
ev = [json.loads(l) for l in open(sys.argv[1])]
out = next(e for e in ev if e["method"] == "GetTask" and e.get("task_id"))
fin = next(e for e in ev if e["method"] == "FinishTask")
print("%.2f %s" % (t(fin["time"]) - t(out["time"]), fin["note"]))
EOF
  awk -v w="$(cut -d' ' -f1 "$work/task$trim.txt")" -v c="$task_cpu" -v hz="$hz" -v m="$task_rss" -v a="$after" -v trim="$trim" \
    'BEGIN { printf "sync task (BATON_SERVICE_IDLE_TRIM=%s): %.2f s wall (hand-out to FinishTask, upload included); daemon CPU %.2f s (from its start); peak RSS %.1f MB; 10 s after: %s\n", trim, w, c / hz, m / 1024, a }'
done
up_file=$(find "$work/sync1" -name '*.bin' | head -1)
grants=$("$tool" -f "$up_file" stats | awk -F'|' '/^Grants/ {gsub(/ /, "", $2); print $2}')
/usr/bin/time -f '%e %U %S %M' -o "$work/oneshot.time" "$demo" "${sizes[@]}" --page-size 100 \
  -f "$work/oneshot.c1z" --c1z-temp-dir "$work" >"$work/oneshot.log" 2>&1
read -r ow ou os om <"$work/oneshot.time"
echo "sizes: ${sizes[*]} --page-size 100: $grants grants in the uploaded c1z ($(stat -c %s "$up_file") bytes)"
awk -v w="$ow" -v u="$ou" -v s="$os" -v m="$om" \
  'BEGIN { printf "one-shot:  %.2f s wall; CPU %.2f s; peak RSS %.1f MB\n", w, u + s, m / 1024 }'
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
