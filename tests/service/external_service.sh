#!/usr/bin/env bash
# Service mode with --external-resource-c1z (and --external-resource-traits): a full sync task run
# by the daemon against fakec1 (tests/interop/fakec1) must apply the external resources exactly as
# a one-shot sync with the same flags does, as the Go SDK's full sync task handler passes them to
# its syncer. ext-probe's grants ask for external principals; the external file is the Go-written
# expansion-small c1z (1,000 users, 21 groups). Checks:
#   1. the one-shot sync with the flags has the external rows (more resources and grants than one
#      without): the test's own premise;
#   2. the service's uploaded c1z has the same resource types, resources, entitlements and grants
#      (by id) as the one-shot file.
# Skipped (77) without go or without fakec1's source.
#
#   external_service.sh <ext-probe> <baton> <tests/interop dir> <work dir> <external c1z>
set -u
probe=$(realpath "$1") tool=$(realpath "$2") interop=$(realpath "$3") work=$4 ext_src=$(realpath "$5")
scale=${BATON_TEST_TIME_SCALE:-1}

if ! command -v go >/dev/null 2>&1; then echo "skipped: no go"; exit 77; fi
if [ ! -f "$interop/fakec1/main.go" ]; then echo "skipped: no fakec1 in $interop"; exit 77; fi
rm -rf "$work" && mkdir -p "$work/tmp" && work=$(realpath "$work")
fake="$work/fakec1"
if ! (cd "$interop" && GOFLAGS=-mod=mod GOPROXY=${GOPROXY:-off} go build -o "$fake" ./fakec1) >"$work/build.log" 2>&1; then
  echo "skipped: fakec1 does not build offline"; cat "$work/build.log"; exit 77
fi

fail() { echo "FAIL: $*"; exit 1; }
client_pid= fake_pid=
cleanup() {
  [ -n "$client_pid" ] && kill -KILL "$client_pid" 2>/dev/null
  [ -n "$fake_pid" ] && kill -KILL "$fake_pid" 2>/dev/null
}
trap cleanup EXIT

ext="$work/ext.c1z"
cp "$ext_src" "$ext"
flags=(--external-resource-c1z "$ext" --external-resource-traits user,group)

# ---- 1. the one-shot syncs -------------------------------------------------------------------
"$probe" -f "$work/plain.c1z" --c1z-temp-dir "$work/tmp" >"$work/plain.log" 2>&1 || fail "plain sync: $(tail -3 "$work/plain.log")"
"$probe" -f "$work/oneshot.c1z" --c1z-temp-dir "$work/tmp" "${flags[@]}" >"$work/oneshot.log" 2>&1 ||
  fail "one-shot sync: $(tail -3 "$work/oneshot.log")"

# ---- 2. the same sync as a service task --------------------------------------------------------
# run_script <name> <tasks json>: fakec1 plays the tasks, ext-probe serves them with the flags
run_script() {
  local name=$1 tasks=$2
  printf '{"token_ttl_seconds": 60, "next_poll_ms": 100, "heartbeat_ms": 1000, "lease_ms": 20000, "tasks": %s}\n' \
    "$tasks" >"$work/$name.json"
  "$fake" --script "$work/$name.json" --out "$work/$name" --timeout $((120 * scale))s >"$work/$name.fake.log" 2>&1 &
  fake_pid=$!
  local i
  for i in $(seq 200); do [ -f "$work/$name/ready.json" ] && break; sleep 0.1; done
  [ -f "$work/$name/ready.json" ] || fail "fakec1 ($name) did not get ready: $(cat "$work/$name.fake.log")"
  ( cd "$work" || exit 1
    set -a; . "$work/$name/env"; set +a
    exec "$probe" --c1z-temp-dir "$work/tmp" --log-level debug --log-format json "${flags[@]}" ) \
    >"$work/$name.client.log" 2>&1 &
  client_pid=$!
  while kill -0 "$fake_pid" 2>/dev/null; do
    kill -0 "$client_pid" 2>/dev/null || fail "$name: the client exited early: $(tail -3 "$work/$name.client.log")"
    sleep 0.1
  done
  wait "$fake_pid"; local fst=$?; fake_pid=
  kill -TERM "$client_pid" 2>/dev/null
  for i in $(seq $((300 * scale))); do kill -0 "$client_pid" 2>/dev/null || break; sleep 0.1; done
  wait "$client_pid"; local cst=$?; client_pid=
  [ "$fst" = 0 ] || fail "$name: fakec1 exit $fst: $(tail -5 "$work/$name.fake.log")"
  [ "$cst" = 0 ] || fail "$name: client exit $cst after SIGTERM: $(tail -5 "$work/$name.client.log")"
}
run_script sync '[{"name": "hello", "task": {"hello": {}}}, {"name": "sync-full", "task": {"syncFull": {}}}]'

python3 - "$tool" "$work" <<'EOF' || fail "service upload against the one-shot file"
import json, os, subprocess, sys
tool, work = sys.argv[1], sys.argv[2]
s = json.load(open(os.path.join(work, "sync", "summary.json")))
assert s["ok"] is True, s
t = {x["name"]: x for x in s["tasks"]}
assert t["sync-full"]["code"] == "OK", t["sync-full"]
upload = os.path.join(work, "sync", t["sync-full"]["uploads"][-1])

def rows(path, what, field, key):
    r = subprocess.run([tool, "-f", path, "-o", "json", what], capture_output=True, text=True)
    assert r.returncode == 0, (path, what, r.stderr)
    return sorted(key(x) for x in json.loads(r.stdout).get(field, []))

def snapshot(path):
    def rid(x):
        i = x["resource"]["id"]
        return i["resourceType"] + "/" + i["resource"]
    return {
        "types": rows(path, "resource-types", "resourceTypes", lambda x: x["resourceType"]["id"]),
        "resources": rows(path, "resources", "resources", rid),
        "entitlements": rows(path, "entitlements", "entitlements", lambda x: x["entitlement"]["id"]),
        "grants": rows(path, "grants", "grants", lambda x: x["grant"]["id"]),
    }

plain = snapshot(os.path.join(work, "plain.c1z"))
oneshot = snapshot(os.path.join(work, "oneshot.c1z"))
service = snapshot(upload)
# the premise: the flags bring the external users and groups in
assert len(oneshot["resources"]) > len(plain["resources"]) + 1000, (len(plain["resources"]), len(oneshot["resources"]))
assert len(oneshot["grants"]) > len(plain["grants"]), (len(plain["grants"]), len(oneshot["grants"]))
for k in oneshot:
    assert service[k] == oneshot[k], (k, len(service[k]), len(oneshot[k]),
                                      sorted(set(service[k]) ^ set(oneshot[k]))[:5])
print("service upload = one-shot:", {k: len(v) for k, v in service.items()})
EOF
echo "ok   a full sync task applies --external-resource-c1z and --external-resource-traits as a one-shot sync"
