#!/usr/bin/env bash
# A sync task heartbeats until its result is sent, through the upload, as the Go SDK's handler
# does (a big c1z on a slow link takes minutes; a task that stops heartbeating looks lost to the
# platform). fakec1 answers each UploadAsset 3.5 s after the data arrived (upload_delay_ms):
#   1. heartbeats go on meanwhile (at least 2 at the 1 s interval), and the task finishes OK with
#      its upload;
#   2. the platform cancelling the task during the upload (the next heartbeat after the data
#      arrived says so) gives the upload up: the task is finished CANCELLED, before the answer.
# Skipped (77) without go or without fakec1's source.
#   upload_service.sh <baton-demo> <tests/interop dir> <work dir>
set -u
demo=$(realpath "$1") interop=$(realpath "$2") work=$3
if ! command -v go >/dev/null 2>&1; then echo "skipped: no go"; exit 77; fi
command -v python3 >/dev/null 2>&1 || { echo "skipped: no python3"; exit 77; }
[ -f "$interop/fakec1/main.go" ] || { echo "skipped: no fakec1 in $interop"; exit 77; }
rm -rf "$work" && mkdir -p "$work/tmp" && work=$(realpath "$work")
fake="$work/fakec1"
if ! (cd "$interop" && GOFLAGS=-mod=mod GOPROXY=${GOPROXY:-off} go build -o "$fake" ./fakec1) >"$work/build.log" 2>&1; then
  echo "skipped: fakec1 does not build offline"; cat "$work/build.log"; exit 77
fi
fail() { echo "FAIL: $*"; exit 1; }
client_pid= fake_pid=
trap '[ -n "$client_pid" ] && kill -KILL "$client_pid" 2>/dev/null; [ -n "$fake_pid" ] && kill -KILL "$fake_pid" 2>/dev/null' EXIT

# run <name> <script json>: fakec1 with the script, baton-demo against it until fakec1 is done
run() {
  local name=$1
  printf '%s\n' "$2" >"$work/$name.json"
  "$fake" --script "$work/$name.json" --out "$work/$name" --timeout 120s >"$work/$name.fake.log" 2>&1 &
  fake_pid=$!
  for _ in $(seq 200); do [ -f "$work/$name/ready.json" ] && break; sleep 0.1; done
  [ -f "$work/$name/ready.json" ] || fail "$name: fakec1 did not get ready"
  ( cd "$work" && set -a && . "$work/$name/env" && set +a &&
    exec "$demo" --c1z-temp-dir "$work/tmp" --log-level debug --log-format json ) >"$work/$name.client.log" 2>&1 &
  client_pid=$!
}
# finish <name>: fakec1's exit status, then SIGTERM the client (exit 0 expected)
finish() {
  wait "$fake_pid"; local st=$?; fake_pid=
  kill -TERM "$client_pid" 2>/dev/null
  wait "$client_pid"; local cst=$?; client_pid=
  [ "$st" = 0 ] || fail "$1: fakec1 exit $st: $(tail -3 "$work/$1.fake.log")"
  [ "$cst" = 0 ] || fail "$1: client exit $cst: $(tail -3 "$work/$1.client.log")"
}

# ---- 1. heartbeats during the upload
run slow '{"heartbeat_ms": 1000, "next_poll_ms": 100, "lease_ms": 600000, "upload_delay_ms": 3500,
 "tasks": [{"name": "sync-slow", "task": {"syncFull": {}}}]}'
finish slow
python3 - "$work/slow" <<'PY' || fail "slow: heartbeats during the upload"
import json, os, sys
out = sys.argv[1]
ev = [json.loads(l) for l in open(os.path.join(out, "events.jsonl"))]
start = next(e["seq"] for e in ev if e["method"] == "UploadAsset" and e["note"].startswith("answering in"))
end = next(e["seq"] for e in ev if e["method"] == "UploadAsset" and e["note"] == "answered")
hb = [e for e in ev if e["method"] == "Heartbeat" and e.get("task_id") == "sync-slow" and start < e["seq"] < end]
assert len(hb) >= 2, ("heartbeats while the upload was answered:", len(hb))
s = json.load(open(os.path.join(out, "summary.json")))
t = s["tasks"][0]
assert t["code"] == "OK" and t["finishes"] == 1 and len(t["uploads"]) == 1, t
print("ok   %d heartbeats during a 3.5 s upload answer; task finished OK" % len(hb))
PY

# ---- 2. cancelled during the upload
run cancel "{\"heartbeat_ms\": 1000, \"next_poll_ms\": 100, \"lease_ms\": 600000, \"upload_delay_ms\": 3500,
 \"tasks\": [{\"name\": \"sync-cancel\", \"cancel_when_file\": \"$work/cancel-now\", \"task\": {\"syncFull\": {}}}]}"
for _ in $(seq 300); do
  grep -q '"answering in' "$work/cancel/events.jsonl" 2>/dev/null && break
  sleep 0.1
done
grep -q '"answering in' "$work/cancel/events.jsonl" || fail "cancel: the upload never arrived"
touch "$work/cancel-now"
finish cancel
python3 - "$work/cancel" <<'PY' || fail "cancel: the upload was not given up"
import json, os, sys
out = sys.argv[1]
ev = [json.loads(l) for l in open(os.path.join(out, "events.jsonl"))]
assert not any(e["method"] == "UploadAsset" and e["note"] == "answered" for e in ev), "the upload waited for its answer"
s = json.load(open(os.path.join(out, "summary.json")))
t = s["tasks"][0]
assert t["cancelled"] and t["code"] == "Canceled" and t["finishes"] == 1, t
assert t["message"] == "task was cancelled", t
print("ok   cancelled during the upload: upload given up, task finished CANCELLED")
PY
ls "$work/tmp" | grep -q . && fail "temporary files left: $(ls "$work/tmp")"
echo "ok   no temporary file left"
