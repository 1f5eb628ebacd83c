#!/usr/bin/env bash
# Service calls across a short network outage, against fakec1 through svc_blip's own TCP proxy
# (see svc_blip.c for the checks). Skipped (77) without go or without fakec1's source.
#   blip_service.sh <svc_blip> <tests/interop dir> <work dir>
set -u
blip=$(realpath "$1") interop=$(realpath "$2") work=$3
if ! command -v go >/dev/null 2>&1; then echo "skipped: no go"; exit 77; fi
[ -f "$interop/fakec1/main.go" ] || { echo "skipped: no fakec1 in $interop"; exit 77; }
rm -rf "$work" && mkdir -p "$work" && work=$(realpath "$work")
fake="$work/fakec1"
if ! (cd "$interop" && GOFLAGS=-mod=mod GOPROXY=${GOPROXY:-off} go build -o "$fake" ./fakec1) >"$work/build.log" 2>&1; then
  echo "skipped: fakec1 does not build offline"; cat "$work/build.log"; exit 77
fi
fake_pid=
trap '[ -n "$fake_pid" ] && kill -KILL "$fake_pid" 2>/dev/null' EXIT
cat >"$work/script.json" <<'JSON'
{"unavailable": {"FinishTask": 1}, "tasks": [{"name": "never-asked-for", "task": {"hello": {}}}]}
JSON
"$fake" --script "$work/script.json" --out "$work/fake" --timeout 300s >"$work/fake.log" 2>&1 &
fake_pid=$!
for _ in $(seq 200); do [ -f "$work/fake/ready.json" ] && break; sleep 0.1; done
[ -f "$work/fake/ready.json" ] || { echo "FAIL: fakec1 did not get ready: $(cat "$work/fake.log")"; exit 1; }
( set -a; . "$work/fake/env"; set +a; exec "$blip" "$work" )
st=$?
exit $st
