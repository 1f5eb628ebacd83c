#!/usr/bin/env bash
# Service mode as a process, without a platform: the daemon must stop promptly and cleanly.
#   1. the platform accepts connections and never answers (a hung load balancer): the token
#      request in flight is abandoned on SIGTERM; exit 0 within 2 s;
#   2. the platform refuses connections: the startup Hello is retried (logged), SIGTERM exits 0;
#   3. a second signal during a graceful stop is not needed, but SIGINT works as SIGTERM does;
#   4. credentials of the wrong form: exit 2 with "invalid client id" / "invalid client secret",
#      the secret not echoed.
#   stop_service.sh <baton-demo> <work dir>
set -u
demo=$(realpath "$1") work=$2
rm -rf "$work" && mkdir -p "$work" && work=$(realpath "$work")
command -v python3 >/dev/null 2>&1 || { echo "skipped: no python3"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
SECRET='secret-token:conductorone.com:v1:eyJrdHkiOiJPS1AiLCJjcnYiOiJFZDI1NTE5IiwieCI6InpwM1BXY2NTQlZPdGhTTnN5ck1zVGVFaDlpTjhTWTNnSDZfcDBEUkZaTWMiLCJkIjoielkzTzFybnItQUV3NW0wbVpCTzBjSEZpWWoxTmlSdk1pU1Y1X1Ffa0tiZyJ9'
hang_pid= client_pid=
trap '[ -n "$hang_pid" ] && kill -KILL $hang_pid 2>/dev/null; [ -n "$client_pid" ] && kill -KILL $client_pid 2>/dev/null' EXIT

# run_and_signal <name> <host> <signal>: starts the daemon, waits 2 s, signals it; prints the
# exit status and how long the stop took (ms)
run_and_signal() {
  ( cd "$work" && BATON_C1_API_HOST=$2 exec "$demo" --client-id svc@tenant.invalid/x --client-secret "$SECRET" \
      --log-format console ) >"$work/$1.log" 2>&1 &
  client_pid=$!
  sleep 2
  kill -0 "$client_pid" 2>/dev/null || fail "$1: the daemon exited by itself: $(cat "$work/$1.log")"
  local t0; t0=$(date +%s%N)
  kill "-$3" "$client_pid"
  for _ in $(seq 100); do kill -0 "$client_pid" 2>/dev/null || break; sleep 0.05; done
  wait "$client_pid"; local st=$?
  client_pid=
  echo "$st $(( ($(date +%s%N) - t0) / 1000000 ))"
}

# 1. a listener that never answers
python3 -c '
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(64)
print(s.getsockname()[1], flush=True)
held = []
while True:
    c, _ = s.accept(); held.append(c)
' >"$work/hang.port" &
hang_pid=$!
for _ in $(seq 50); do [ -s "$work/hang.port" ] && break; sleep 0.1; done
port=$(cat "$work/hang.port")
read -r st ms < <(run_and_signal hang "127.0.0.1:$port" TERM)
[ "$st" = 0 ] || fail "hung platform: exit $st: $(cat "$work/hang.log")"
[ "$ms" -lt 2000 ] || fail "hung platform: the stop took $ms ms"
grep -q "service: stopped" "$work/hang.log" || fail "hung platform: no 'stopped' line"
kill -KILL "$hang_pid"; wait "$hang_pid" 2>/dev/null; hang_pid=
echo "ok   hung platform: SIGTERM stops the daemon in $ms ms, exit 0"

# 2. connections refused: retried, then SIGINT
read -r st ms < <(run_and_signal refused "127.0.0.1:1" INT)
[ "$st" = 0 ] || fail "refused: exit $st: $(cat "$work/refused.log")"
[ "$ms" -lt 2000 ] || fail "refused: the stop took $ms ms"
grep -q "startup Hello failed; will retry" "$work/refused.log" || fail "refused: no retry logged"
echo "ok   platform down: Hello retried, SIGINT stops the daemon in $ms ms, exit 0"

# 3. nothing in the logs quotes the secret
for f in "$work"/*.log; do
  if grep -qF "${SECRET##*:}" "$f"; then fail "the client secret is in $f"; fi
done

# 4. credentials of the wrong form
out=$("$demo" --client-id not-an-id --client-secret "$SECRET" 2>&1); st=$?
[ "$st" = 2 ] && [ "$out" = "invalid client id" ] || fail "bad id: exit $st: $out"
out=$("$demo" --client-id svc@tenant.invalid/x --client-secret "x:y:v1:PLANTED-NOT-BASE64" 2>&1); st=$?
[ "$st" = 2 ] && [ "$out" = "invalid client secret" ] || fail "bad secret: exit $st: $out"
echo "ok   malformed credentials: exit 2, secret not echoed"
