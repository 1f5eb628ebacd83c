#!/usr/bin/env bash
# Two sync tasks at once in one service (--task-concurrency 2), one cancelled by its heartbeat:
# baton-demo as a daemon against fakec1 (tests/interop/fakec1) with a script of two sync tasks;
# the heartbeat of "sync-a" answers cancelled once both syncs were seen running. Checks:
#   (GetTasks batches: fakec1 hands both tasks out at once.)
#   1. both syncs run at the same time: their working copies exist together while "sync-a" is
#      not yet finished (the old service ran one sync at a time);
#   2. "sync-a" is cancelled alone: it is finished CANCELLED, uploads nothing and keeps its
#      working copy (to resume on a re-issue);
#   3. "sync-b" runs on through that cancel: finished OK with one upload, a c1z whose latest
#      sync the baton tool reads, with the same counts (every type, every user, every grant) as
#      the same demo synced alone, one-shot.
# Skipped (77) without go or python3, or when fakec1 does not build offline.
#
#   concurrent_syncs.sh <baton-demo> <baton> <tests/interop dir> <work dir>
set -u
demo=$(realpath "$1") tool=$(realpath "$2") interop=$(realpath "$3") work=$4
scale=${BATON_TEST_TIME_SCALE:-1}
for t in go python3; do
  command -v "$t" >/dev/null 2>&1 || { echo "skipped: no $t"; exit 77; }
done
rm -rf "$work" && mkdir -p "$work/tmp" && work=$(realpath "$work")
fake="$work/fakec1"
if ! (cd "$interop" && GOFLAGS=-mod=mod GOPROXY=${GOPROXY:-off} go build -o "$fake" ./fakec1) >"$work/build.log" 2>&1; then
  echo "skipped: fakec1 does not build offline"; cat "$work/build.log"; exit 77
fi
client_pid= fake_pid=
fail() { echo "FAIL: $*"; for f in "$work"/*.log; do echo "--- $f"; tail -15 "$f"; done; exit 1; }
cleanup() { for p in $client_pid $fake_pid; do kill -KILL "$p" 2>/dev/null; done; }
trap cleanup EXIT

# sync-a is cancelled once the test has seen both syncs run together: the test creates
# $work/cancel-a then, and fakec1 answers sync-a's next heartbeat with cancelled (the script asks
# for one every 200 ms; the client sends one a second at most).
# (A fixed heartbeat count raced with the sync's speed: a faster sync, or a slower start under a
# sanitizer, finished or cancelled sync-a before the check.)
cat >"$work/script.json" <<JSON
{"token_ttl_seconds": 60, "next_poll_ms": 100, "heartbeat_ms": 200, "lease_ms": 600000, "batch": true,
 "tasks": [
  {"name": "sync-a", "compare": "cancelled", "cancel_when_file": "$work/cancel-a", "expect_finish": false, "task": {"syncFull": {}}},
  {"name": "sync-b", "compare": "outcome", "task": {"syncFull": {}}}]}
JSON
# Nothing below waits for a fixed time: each wait polls for the event it needs and stops early
# when a process it depends on has exited. The time limits are backstops for a hang, kept below
# ctest's (1200 s x scale); the one speed this test assumes is that a sync of 60,000 users outlasts
# a heartbeat interval (1 s; such a sync takes 10 s or more alone, minutes under load or a
# sanitizer).
alive() { kill -0 "$1" 2>/dev/null; }
"$fake" --script "$work/script.json" --out "$work/fake" --timeout $((900 * scale))s >"$work/fake.log" 2>&1 &
fake_pid=$!
deadline=$((SECONDS + 120 * scale))
until [ -f "$work/fake/ready.json" ]; do
  alive "$fake_pid" || fail "fakec1 exited before it was ready"
  [ "$SECONDS" -lt "$deadline" ] || fail "fakec1 did not get ready in $((120 * scale)) s"
  sleep 0.1
done

users=60000
( cd "$work" || exit 1
  set -a; . "$work/fake/env"; set +a
  export BATON_CHECKPOINT_INTERVAL_MS=100 BATON_GET_TASKS=true
  exec "$demo" --c1z-temp-dir "$work/tmp" --task-concurrency 2 --users "$users" --log-level debug \
    --log-format json ) >"$work/client.log" 2>&1 &
client_pid=$!

wa="$work/tmp/baton-sync-sync_a.c1z.wip" wb="$work/tmp/baton-sync-sync_b.c1z.wip"
fa="$work/fake/finish/sync-a.json"
# Both working copies exist once both syncs have loaded the company (the demo builds it first:
# seconds alone, a minute or more under a sanitizer on a loaded machine). The wait ends when they
# do, or when it can no longer happen: sync-a finished, or the client or fakec1 exited.
together= why=
deadline=$((SECONDS + 600 * scale))
while :; do
  if [ -d "$wa" ] && [ -d "$wb" ] && [ ! -e "$fa" ]; then together=1; break; fi
  if [ -e "$fa" ]; then why="sync-a finished first"; break; fi
  alive "$client_pid" || { why="the client exited"; break; }
  alive "$fake_pid" || { why="fakec1 exited"; break; }
  [ "$SECONDS" -lt "$deadline" ] || { why="still waiting after $((600 * scale)) s"; break; }
  sleep 0.05
done
[ -n "$together" ] || fail "the two syncs never ran at the same time ($why)"
echo "ok   both syncs run at once"
touch "$work/cancel-a"

# fakec1 exits once sync-b is uploaded and both tasks are finished (or at its --timeout)
while alive "$fake_pid"; do
  alive "$client_pid" || { sleep 1; alive "$fake_pid" && fail "the client exited while fakec1 waited for its tasks"; }
  sleep 0.2
done
wait "$fake_pid"; fake_status=$?; fake_pid=
kill -TERM "$client_pid"; wait "$client_pid"; st=$?; client_pid=
[ "$fake_status" = 0 ] || fail "fakec1 exit $fake_status"
[ "$st" = 0 ] || fail "client exit $st after SIGTERM"
# the reference: the same demo synced alone, one-shot
( cd "$work" && exec "$demo" --users "$users" -f "$work/ref.c1z" ) >"$work/ref.log" 2>&1 || fail "reference sync"
python3 - "$work/fake" "$tool" "$users" "$work/ref.c1z" <<'EOF' || fail "summary"
import json, os, subprocess, sys
out, tool, users, ref = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
s = json.load(open(os.path.join(out, "summary.json")))
t = {x["name"]: x for x in s["tasks"]}
a, b = t["sync-a"], t["sync-b"]
assert a["cancelled"] is True and a["code"] == "Canceled" and not a.get("uploads"), a
assert b["code"] == "OK" and not b.get("cancelled") and len(b.get("uploads", [])) == 1, b
up = b["uploads"][0]
path = up if os.path.isabs(up) else os.path.join(out, up)
assert open(path, "rb").read(5) == b"C1ZF\0", path
def stats(p):
    r = subprocess.run([tool, "-f", p, "-o", "json", "stats"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)["stats"]
got, want = stats(path), stats(ref)
assert got["resourcesByResourceType"]["user"] == str(users), got
assert got == want, (got, want)

EOF
[ -d "$wa" ] || fail "sync-a's working copy is gone"
echo "ok   sync-a cancelled alone (CANCELLED, working copy kept); sync-b finished OK with the same rows as a one-shot sync"
