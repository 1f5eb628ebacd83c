#!/usr/bin/env bash
# Service mode's --health-check server (src/service/health.c), as the Go SDK v0.25's
# pkg/healthcheck: baton-demo runs as a daemon against fakec1 (tests/interop/fakec1, one Hello
# task, then lingering) with --health-check on a free port, and curl checks
#   1. /live 200 {"status":"alive","timestamp":...}, /ready 200 "ready", /health 200 "healthy"
#      (the demo's validate passes): exact bodies (timestamp RFC 3339 UTC), a newline at the end,
#      Content-Type application/json; any method (POST, HEAD) is answered as GET is;
#   2. /health when the connector's validate fails (BATON_DEMO_FAIL_AFTER=2: init is call 1,
#      validate call 2): 503 "unhealthy", details.error "connector validation failed" and
#      details.validation_error naming the connector's error; the next /health is healthy again;
#   3. another path (/, /healthz, /health/) is 404 "404 page not found", text/plain;
#   4. SIGTERM: exit 0 and the port is closed;
#   5. a port already taken: the daemon exits non-zero with "failed to start health check server:
#      ... bind: address already in use" (Go's words); port 70000: "invalid port"; a bind address
#      that does not resolve: "lookup ...";
#   6. without --health-check nothing listens; one-shot runs refuse --health-check (Go only serves
#      it in service mode) and --health-check-port without --health-check is refused in service
#      mode too (Go would ignore it; libbaton accepts no flag it ignores).
# Skipped (77) without go, curl or python3, or when fakec1 does not build offline.
#
#   health_service.sh <baton-demo> <tests/interop dir> <work dir>
set -u
demo=$(realpath "$1") interop=$(realpath "$2") work=$3
for t in go curl python3; do
  command -v "$t" >/dev/null 2>&1 || { echo "skipped: no $t"; exit 77; }
done
rm -rf "$work" && mkdir -p "$work" && work=$(realpath "$work")
fake="$work/fakec1"
if ! (cd "$interop" && GOFLAGS=-mod=mod GOPROXY=${GOPROXY:-off} go build -o "$fake" ./fakec1) >"$work/build.log" 2>&1; then
  echo "skipped: fakec1 does not build offline"; cat "$work/build.log"; exit 77
fi
fail() { echo "FAIL: $*"; for f in "$work"/*.log; do echo "--- $f"; tail -20 "$f"; done; exit 1; }
client_pid= fake_pid= holder_pid=
cleanup() {
  for p in $client_pid $fake_pid $holder_pid; do kill -KILL "$p" 2>/dev/null; done
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

start_fake() {
  "$fake" --script "$interop/testdata/service-hello.json" --out "$work/$1" --timeout 120s --linger \
    >"$work/$1.fake.log" 2>&1 &
  fake_pid=$!
  for _ in $(seq 200); do [ -f "$work/$1/ready.json" ] && return 0; sleep 0.1; done
  fail "fakec1 did not get ready"
}

# start_client <name> <args...>: the daemon with fakec1's env (and $client_env)
start_client() {
  local name=$1; shift
  ( cd "$work" || exit 1
    set -a; . "$work/fake/env"; set +a
    for kv in ${client_env:-}; do export "${kv?}"; done
    exec "$demo" --log-format console "$@" ) >"$work/$name.log" 2>&1 &
  client_pid=$!
}

# wait_listening <port>: up to 20 s
wait_listening() {
  for _ in $(seq 200); do
    curl -s -o /dev/null "http://127.0.0.1:$1/live" && return 0
    kill -0 "$client_pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

stop_client() {
  kill -TERM "$client_pid" 2>/dev/null
  for _ in $(seq 300); do kill -0 "$client_pid" 2>/dev/null || break; sleep 0.1; done
  wait "$client_pid"; local st=$?
  client_pid=
  return $st
}

# get <method> <path>: sets code, ctype, body (body with a trailing "|" so its newline shows)
get() {
  local out
  out=$(curl -s -X "$1" -o "$work/body" -w '%{http_code} %{content_type}' "http://127.0.0.1:$port$2") || true
  code=${out%% *} ctype=${out#* }
  body="$(cat "$work/body"; echo '|')"
}
ts='"timestamp":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z"'
expect() { # <what> <code> <content type> <body regex (anchored)>
  [ "$code" = "$2" ] || fail "$1: status $code, want $2 (body $body)"
  [ "$ctype" = "$3" ] || fail "$1: content type '$ctype', want '$3'"
  printf '%s' "$body" | grep -Eq "^$4\$" || fail "$1: body '$body' does not match $4"
}

start_fake fake
port=$(free_port)

# 1-3: a daemon with the server (it does the script's Hello task; fakec1 then lingers, empty)
start_client health --health-check --health-check-port "$port"
wait_listening "$port" || fail "nothing listens on $port"
grep -q "startup Hello succeeded" "$work/health.log" || fail "the server listened before the startup Hello"
get GET /health
expect "/health" 200 application/json "\\{\"status\":\"healthy\",$ts\\}
\\|"
get GET /live
expect "/live" 200 application/json "\\{\"status\":\"alive\",$ts\\}
\\|"
get GET /ready
expect "/ready" 200 application/json "\\{\"status\":\"ready\",$ts\\}
\\|"
get POST /ready
expect "POST /ready" 200 application/json "\\{\"status\":\"ready\",$ts\\}
\\|"
head_code=$(curl -s -I -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/live")
[ "$head_code" = 200 ] || fail "HEAD /live: $head_code"
for p in / /healthz /health/ /live/x; do
  get GET "$p"
  expect "$p" 404 "text/plain; charset=utf-8" "404 page not found
\\|"
done
stop_client || fail "SIGTERM: exit $?"
curl -s -o /dev/null "http://127.0.0.1:$port/live" && fail "still listening after the daemon stopped"
grep -q "health check server starting" "$work/health.log" || fail "no 'health check server starting' line"

# 2. validate failing. Which demo callback call is the validate of the first /health is found
# with a tracing daemon (nothing else calls the connector while fakec1 has no task), then a
# daemon failing that call answers 503 once, and healthy after.
client_env="BATON_DEMO_TRACE=1" start_client trace --health-check --health-check-port "$port"
wait_listening "$port" || fail "trace: nothing listens on $port"
get GET /health
stop_client || fail "trace: exit $?"
v=$(sed -n 's/^baton-demo: call \([0-9]*\) demo_validate$/\1/p' "$work/trace.log" | head -1)
[ -n "$v" ] || fail "no demo_validate call traced"
client_env="BATON_DEMO_FAIL_AFTER=$v" start_client failing --health-check --health-check-port "$port"
wait_listening "$port" || fail "failing: nothing listens on $port"
get GET /health
expect "/health, validate failing" 503 application/json \
  "\\{\"status\":\"unhealthy\",$ts,\"details\":\\{\"error\":\"connector validation failed\",\"validation_error\":\"rpc error: code = Internal desc = validate failed: baton-demo: failing call $v \\(demo_validate\\) as BATON_DEMO_FAIL_AFTER asks\"\\}\\}
\\|"
get GET /health
expect "/health after the failure" 200 application/json "\\{\"status\":\"healthy\",$ts\\}
\\|"
stop_client || fail "failing: exit $?"
# the connector cannot be set up (its init fails): Go's "failed to get connector client"
client_env="BATON_DEMO_USERS=many" start_client noinit --health-check --health-check-port "$port"
wait_listening "$port" || fail "noinit: nothing listens on $port"
get GET /health
expect "/health, init failing" 503 application/json \
  "\\{\"status\":\"unhealthy\",$ts,\"details\":\\{\"error\":\"failed to get connector client\"\\}\\}
\\|"
get GET /ready
expect "/ready, init failing" 200 application/json "\\{\"status\":\"ready\",$ts\\}
\\|"
stop_client || fail "noinit: exit $?"

# 5. the port taken; an invalid port
python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1)
print("held", flush=True); time.sleep(60)' "$port" >"$work/holder.out" &
holder_pid=$!
for _ in $(seq 50); do grep -q held "$work/holder.out" 2>/dev/null && break; sleep 0.1; done
start_client taken --health-check --health-check-port "$port"
for _ in $(seq 200); do kill -0 "$client_pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$client_pid" 2>/dev/null && fail "the daemon runs although its health port is taken"
wait "$client_pid"; st=$?; client_pid=
[ "$st" -ne 0 ] || fail "port taken: exit 0"
grep -q "failed to start health check server: listen tcp 127.0.0.1:$port: bind: address already in use" "$work/taken.log" ||
  fail "port taken: no clear message"
kill -KILL "$holder_pid"; wait "$holder_pid" 2>/dev/null; holder_pid=
start_client badport --health-check --health-check-port 70000
for _ in $(seq 200); do kill -0 "$client_pid" 2>/dev/null || break; sleep 0.1; done
wait "$client_pid"; st=$?; client_pid=
[ "$st" -ne 0 ] || fail "port 70000: exit 0"
grep -q "failed to start health check server: listen tcp: address 127.0.0.1:70000: invalid port" "$work/badport.log" ||
  fail "port 70000: no clear message"
start_client badhost --health-check --health-check-port "$port" --health-check-bind-address no-such-host.invalid
for _ in $(seq 300); do kill -0 "$client_pid" 2>/dev/null || break; sleep 0.1; done
wait "$client_pid"; st=$?; client_pid=
[ "$st" -ne 0 ] || fail "unknown bind address: exit 0"
grep -q "failed to start health check server: listen tcp: lookup no-such-host.invalid: " "$work/badhost.log" ||
  fail "unknown bind address: no clear message"

# 6. no --health-check: nothing listens; the flags elsewhere
port2=$(free_port)
start_client plain
sleep 3
kill -0 "$client_pid" 2>/dev/null || fail "the daemon without --health-check exited"
curl -s -o /dev/null "http://127.0.0.1:$port2/live" && fail "something listens on $port2 without --health-check"
stop_client || fail "plain: exit $?"
out=$(cd "$work" && "$demo" --health-check --health-check-port "$port2" -f "$work/x.c1z" 2>&1); st=$?
[ "$st" -eq 2 ] && printf '%s' "$out" | grep -q -- "--health-check applies to service mode" ||
  fail "one-shot --health-check: exit $st: $out"
out=$(cd "$work" && set -a && . "$work/fake/env" && set +a && timeout 20 "$demo" --health-check-port "$port2" 2>&1); st=$?
[ "$st" -eq 2 ] && printf '%s' "$out" | grep -q -- "--health-check-port applies with --health-check only" ||
  fail "service mode --health-check-port without --health-check: exit $st: $out"
echo "ok"
