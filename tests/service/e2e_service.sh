#!/usr/bin/env bash
# Service mode end to end: baton-demo runs as a daemon against fakec1, the fake ConductorOne of
# tests/interop/fakec1 (token endpoint + BatonService over TLS with its own CA), playing the task
# script tests/interop/testdata/service-script.json. Checks:
#   1. the whole script: fakec1 exits 0 (every task done as the script expects), the summary says
#      ok, syncs uploaded c1z files the baton tool reads, grants and revokes finished OK, task
#      types libbaton does not do finished UNKNOWN "unsupported task type" (as Go); SIGTERM then
#      stops the client with 0;
#   2. a token endpoint answering 401: the client gives up at the startup Hello, exit 16
#      (Unauthenticated), having sent no gRPC call;
#   3. a CA that did not sign fakec1's certificate: no request reaches fakec1 at all, and SIGTERM
#      stops the retrying client with 0;
#   4. secrets: RotateCredentials, CreateAccount and IssueCredential (baton-demo's API tokens)
#      with a baton/age/v1 and a baton/jwk/v1 encryption config: the age copy decrypts to the
#      generated password / token, the jwk copy is an age file for the key's ssh-ed25519 recipient
#      with the key's thumbprint as key id, and the secret is in no log; the issued token's
#      response names t0001 for u0004 (VIRTUAL, request id = task id), and a DeleteResource of it
#      revokes it;
#   5. resume: a client killed (SIGKILL) in the middle of a sync; the next client's startup Hello
#      gets the task again and the sync resumes from the checkpoint its working copy kept;
#   6. SIGTERM in the middle of a sync: the sync checkpoints, its task is finished CANCELLED (with
#      a token fetched after the stop), the working copy stays for a re-issue, and the client
#      exits 0.
# The client secret appears in no output. Skipped (77) without go or without fakec1's source.
#
#   e2e_service.sh <baton-demo> <baton> <tests/interop dir> <work dir> <svc_agetool>
set -u
demo=$(realpath "$1") tool=$(realpath "$2") interop=$(realpath "$3") work=$4 agetool=$(realpath "$5")
scale=${BATON_TEST_TIME_SCALE:-1}

if ! command -v go >/dev/null 2>&1; then echo "skipped: no go"; exit 77; fi
if [ ! -f "$interop/fakec1/main.go" ] || [ ! -f "$interop/testdata/service-script.json" ]; then
  echo "skipped: no fakec1 in $interop"; exit 77
fi
rm -rf "$work" && mkdir -p "$work/tmp" && work=$(realpath "$work")
fake="$work/fakec1"
if ! (cd "$interop" && GOFLAGS=-mod=mod GOPROXY=${GOPROXY:-off} go build -o "$fake" ./fakec1) >"$work/build.log" 2>&1; then
  echo "skipped: fakec1 does not build offline"; cat "$work/build.log"; exit 77
fi

fail() { echo "FAIL: $*"; exit 1; }
client_pid=
fake_pid=
cleanup() {
  [ -n "$client_pid" ] && kill -KILL "$client_pid" 2>/dev/null
  [ -n "$fake_pid" ] && kill -KILL "$fake_pid" 2>/dev/null
}
trap cleanup EXIT

# start_fake <name> <extra flags...>: fakec1 recording to $work/<name>, its env in $work/<name>/env
# ($script: the task script, by default the interop one)
start_fake() {
  local name=$1; shift
  "$fake" --script "${script:-$interop/testdata/service-script.json}" --out "$work/$name" \
    --timeout $((120 * scale))s "$@" >"$work/$name.fake.log" 2>&1 &
  fake_pid=$!
  for _ in $(seq 200); do [ -f "$work/$name/ready.json" ] && return 0; sleep 0.1; done
  fail "fakec1 ($name) did not get ready: $(cat "$work/$name.fake.log")"
}

# start_client <name> [env overrides]: baton-demo in service mode with fakec1's env
start_client() {
  local name=$1; shift
  # cwd: the work directory, so baton-demo's provisioning state file starts fresh there
  ( cd "$work" || exit 1
    set -a; . "$work/$name/env"; set +a
    for kv in "$@"; do export "${kv?}"; done
    # $client_flags: the enabling flags, by default both (-p: --provisioning)
    exec "$demo" --c1z-temp-dir "$work/tmp" --log-level debug --log-format json ${client_flags--p --ticketing} \
      ${client_args:-} ) \
    >>"$work/$name.client.log" 2>&1 &
  client_pid=$!
}

# stop_client: SIGTERM, then the exit status within 30 s
stop_client() {
  kill -TERM "$client_pid" 2>/dev/null
  for _ in $(seq $((300 * scale))); do
    kill -0 "$client_pid" 2>/dev/null || break
    sleep 0.1
  done
  wait "$client_pid"; local st=$?
  client_pid=
  return $st
}

secret_of() { sed -n 's/^BATON_CLIENT_SECRET=//p' "$work/$1/env"; }
no_secret_in() {
  local s; s=$(secret_of "$1")
  local key=${s##*:}
  for f in "$work/$1.client.log" "$work/$1.fake.log"; do
    if grep -qF -- "$key" "$f"; then fail "$1: the client secret is in $f"; fi
  done
}

# ---- 1. the whole script ------------------------------------------------------------------
start_fake full
start_client full
wait "$fake_pid"; fake_status=$?; fake_pid=
stop_client; client_status=$?
[ "$fake_status" = 0 ] || fail "fakec1 exit $fake_status: $(tail -5 "$work/full.fake.log")"
[ "$client_status" = 0 ] || fail "client exit $client_status after SIGTERM: $(tail -5 "$work/full.client.log")"
python3 - "$work/full" "$tool" <<'EOF' || fail "summary check"
import json, subprocess, sys, os
out, tool = sys.argv[1], sys.argv[2]
s = json.load(open(os.path.join(out, "summary.json")))
assert s["ok"] is True, s
t = {x["name"]: x for x in s["tasks"]}
for n in ("sync-full", "sync-skip-expand", "sync-skip-grants", "sync-skip-ents", "sync-types", "sync-targeted",
          "grant", "grant-again", "revoke", "revoke-again", "create-resource", "delete-resource",
          "create-account", "rotate-credentials", "sync-final"):
    assert t[n]["code"] == "OK", (n, t[n])
for n in ("list-event-feeds", "list-events", "action-list-schemas", "list-ticket-schemas", "create-ticket"):
    assert t[n]["code"] == "OK", (n, t[n])
# types libbaton does not do: UNKNOWN "unsupported task type", as the Go SDK's manager answers
for n in ("unknown-type", "event-feed"):
    assert t[n]["code"] == "Unknown" and t[n]["message"] == "unsupported task type", (n, t[n])
# IssueCredential: baton-demo's API token for u0004; refusals as Go's builder words them
assert t["issue-token"]["code"] == "OK" and t["revoke-token"]["code"] == "OK", (t["issue-token"], t["revoke-token"])
f = json.load(open(os.path.join(out, "finish", "issue-token.json")))
r = f["success"]["response"]
assert r["@type"].endswith("c1.connector.v2.IssueCredentialResponse") and r["secret"]["id"] == {
    "resourceType": "api_token", "resource": "t0001"} and r["requestId"] == "issue-token", r
assert r["resourceMode"] == "CREDENTIAL_RESOURCE_MODE_VIRTUAL" and len(r["encryptedData"]) == 1, r
for n, code, part in (("issue-credential", "Unknown", "malformed issue credential task"),
                      ("issue-token-expiry", "InvalidArgument", "requested expiry exceeds connector maximum"),
                      ("issue-token-scope", "InvalidArgument", 'scope "delete" is not advertised by connector'),
                      ("issue-token-disabled", "FailedPrecondition", "user u0002 is disabled"),
                      ("issue-token-group", "Unimplemented", "does not have credential issuer configured"),
                      ("issue-token-bad-config", "InvalidArgument", "invalid encryption config 0")):
    assert t[n]["code"] == code and part in t[n]["message"], (n, t[n])
    assert t[n]["message"].endswith("\ntask failed and is non-retryable"), (n, t[n])
    f = json.load(open(os.path.join(out, "finish", n + ".json")))
    assert f["error"].get("nonRetryable") is True, (n, f)
# malformed tasks and the builder's refusals, as Go's handlers finish them (the exact texts come
# from the Go SDK's run in tests/interop TestServiceC): non-retryable, Go's message
nr = "\ntask failed and is non-retryable"
for n, code, msg in (
        ("bulk-create-tickets", "Unknown", "malformed bulk create ticket task" + nr),
        ("bulk-get-tickets", "Unknown", "malformed bulk get tickets task" + nr),
        ("grant-malformed", "Unknown", "malformed grant task" + nr),
        ("revoke-malformed", "Unknown", "invalid task type" + nr),
        ("grant-no-provisioner", "Unimplemented", "rpc error: code = Unimplemented desc = resource type workspace "
         "does not have provisioner configured" + nr),
        ("create-resource-unsupported", "Unimplemented", "rpc error: code = Unimplemented desc = resource type "
         "workspace does not have resource Create() configured" + nr),
        ("rotate-unsupported", "Unimplemented", "rpc error: code = Unimplemented desc = resource type does not "
         "have credential manager configured" + nr),
        ("get-ticket-malformed", "Unknown", "malformed get ticket task" + nr)):
    assert t[n]["code"] == code and t[n]["message"] == msg, (n, t[n])
    f = json.load(open(os.path.join(out, "finish", n + ".json")))
    assert f["error"].get("nonRetryable") is True, (n, f)
# an action's error stays retryable, its message the status's own
assert t["action-invoke-no-name"]["message"] == "action name required", t["action-invoke-no-name"]
f = json.load(open(os.path.join(out, "finish", "action-invoke-no-name.json")))
assert not f["error"].get("nonRetryable"), f
assert t["sync-cancelled"]["cancelled"] is True, t["sync-cancelled"]
# every upload is a c1z whose latest sync the baton tool can read
ups = [u for n in t for u in t[n].get("uploads", [])]
assert len(ups) >= 7, ups
for u in ups:
    p = os.path.join(out, u)
    assert open(p, "rb").read(5) == b"C1ZF\0", p
    r = subprocess.run([tool, "-f", p, "-o", "json", "stats"], capture_output=True, text=True)
    assert r.returncode == 0, (p, r.stderr)
# the skip-grants sync has no grants, the full one has
def grants(name):
    r = subprocess.run([tool, "-f", os.path.join(out, t[name]["uploads"][-1]), "-o", "json", "grants"],
                       capture_output=True, text=True)
    return len(json.loads(r.stdout).get("grants", []))
assert grants("sync-full") > 0 and grants("sync-skip-grants") == 0
# grant's response is a GrantManagerServiceGrantResponse
f = json.load(open(os.path.join(out, "finish", "grant.json")))
assert f["success"]["response"]["@type"].endswith("c1.connector.v2.GrantManagerServiceGrantResponse"), f
f = json.load(open(os.path.join(out, "finish", "create-resource.json")))
assert f["success"]["response"]["created"]["id"]["resourceType"] == "group", f
print("summary ok:", len(ups), "uploads,", s.get("token_requests"), "token requests")
EOF
no_secret_in full
echo "ok   full script: fakec1 ok, client exit 0 on SIGTERM"

# ---- 2. the token endpoint refuses ----------------------------------------------------------
start_fake token401 --token-status 401 --timeout $((10 * scale))s
start_client token401
for _ in $(seq $((300 * scale))); do kill -0 "$client_pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$client_pid" 2>/dev/null; then fail "the client kept running after a 401"; fi
wait "$client_pid"; st=$?; client_pid=
[ "$st" = 16 ] || fail "401: client exit $st, want 16: $(tail -3 "$work/token401.client.log")"
grep -q "failed to get token: HTTP 401" "$work/token401.client.log" || fail "401: no clear message"
if grep -q '"method":"Hello"' "$work/token401/events.jsonl" 2>/dev/null; then fail "401: a Hello reached fakec1"; fi
kill -TERM "$fake_pid" 2>/dev/null; wait "$fake_pid" 2>/dev/null; fake_pid=
no_secret_in token401
echo "ok   token 401: exit 16 at the startup Hello, no gRPC call"

# ---- 3. a CA that does not vouch for the server ---------------------------------------------
start_fake wrongca --other-ca "$work/other-ca.pem" --timeout $((10 * scale))s
start_client wrongca "SSL_CERT_FILE=$work/other-ca.pem"
sleep 3
kill -0 "$client_pid" 2>/dev/null || fail "wrong CA: the client gave up (it should retry)"
stop_client; st=$?
[ "$st" = 0 ] || fail "wrong CA: client exit $st after SIGTERM"
if [ -s "$work/wrongca/events.jsonl" ]; then fail "wrong CA: requests reached fakec1: $(head -3 "$work/wrongca/events.jsonl")"; fi
kill -TERM "$fake_pid" 2>/dev/null; wait "$fake_pid" 2>/dev/null; fake_pid=
no_secret_in wrongca
echo "ok   wrong CA: nothing reached fakec1, SIGTERM exit 0"

# ---- 4. secrets encrypted for the task's encryption configs --------------------------------
age_recipient=$("$agetool" keygen "$work/identity.txt") || fail "keygen"
jwk_out=$("$agetool" jwkgen) || fail "jwkgen"
jwk_pub=$(printf '%s\n' "$jwk_out" | sed -n 1p)
jwk_tp=$(printf '%s\n' "$jwk_out" | sed -n 2p)
jwk_b64=$(printf '%s' "$jwk_pub" | base64 -w0)
confs="[{\"provider\":\"baton/age/v1\",\"ageRecipientConfig\":{\"recipient\":\"$age_recipient\"}},
        {\"provider\":\"baton/jwk/v1\",\"jwkPublicKeyConfig\":{\"pubKey\":\"$jwk_b64\"}}]"
cat >"$work/secrets-script.json" <<JSON
{"token_ttl_seconds": 60, "next_poll_ms": 100, "heartbeat_ms": 1000, "lease_ms": 20000,
 "tasks": [
  {"name": "rotate", "compare": "finished",
   "task": {"rotateCredentials": {"resourceId": {"resourceType": "user", "resource": "u0003"},
            "credentialOptions": {"randomPassword": {"length": 24}}, "encryptionConfigs": $confs}}},
  {"name": "account", "compare": "finished",
   "task": {"createAccount": {"accountInfo": {"login": "enc-test", "emails": [{"address": "enc@example.com", "isPrimary": true}]},
            "credentialOptions": {"randomPassword": {"length": 20}}, "resourceTypeId": "user", "encryptionConfigs": $confs}}},
  {"name": "issue", "compare": "finished",
   "task": {"issueCredential": {"identityId": {"resourceType": "user", "resource": "u0004"},
            "credentialOptions": {"apiKey": {"scopes": ["write"]}}, "encryptionConfigs": $confs}}},
  {"name": "revoke-token", "compare": "finished",
   "task": {"deleteResource": {"resourceId": {"resourceType": "api_token", "resource": "t0001"}}}},
  {"name": "revoke-token-again", "compare": "finished",
   "task": {"deleteResource": {"resourceId": {"resourceType": "api_token", "resource": "t0001"}}}},
  {"name": "rotate-bad-config", "compare": "finished",
   "task": {"rotateCredentials": {"resourceId": {"resourceType": "user", "resource": "u0004"},
            "credentialOptions": {"randomPassword": {"length": 16}},
            "encryptionConfigs": [{"provider": "baton/nope/v1"}]}}}
 ]}
JSON
script="$work/secrets-script.json" start_fake secrets
# its own state file: the token ids start at t0001
client_args="--state-file $work/secrets.state.json" start_client secrets
wait "$fake_pid"; fake_status=$?; fake_pid=
stop_client; st=$?
[ "$fake_status" = 0 ] || fail "secrets: fakec1 exit $fake_status: $(tail -3 "$work/secrets.fake.log")"
[ "$st" = 0 ] || fail "secrets: client exit $st"
for task in rotate:24 account:20 issue:44; do
  name=${task%%:*} len=${task##*:}
  f="$work/secrets/finish/$name.json"
  pw=$("$agetool" decrypt "$work/identity.txt" "$f" 0) || fail "$name: the baton/age/v1 copy does not decrypt"
  [ "${#pw}" = "$len" ] || fail "$name: decrypted a password of ${#pw} characters, want $len"
  kid=$("$agetool" jwkfile "$f" 1) || fail "$name: the baton/jwk/v1 copy"
  [ "$kid" = "$jwk_tp" ] || fail "$name: jwk key id $kid, want the thumbprint $jwk_tp"
  for log in "$work/secrets.client.log" "$work/secrets.fake.log" "$work/secrets/events.jsonl"; do
    if grep -qF -- "$pw" "$log"; then fail "$name: the password is in $log"; fi
  done
done
python3 - "$work/secrets" <<'EOF2' || fail "secrets: bad config"
import json, os, sys
s = json.load(open(os.path.join(sys.argv[1], "summary.json")))
t = {x["name"]: x for x in s["tasks"]}
assert t["rotate"]["code"] == "OK" and t["account"]["code"] == "OK", t
assert t["rotate-bad-config"]["code"] == "Unknown" and "not registered" in t["rotate-bad-config"]["message"], t
assert t["issue"]["code"] == "OK" and t["revoke-token"]["code"] == "OK", t
assert t["revoke-token-again"]["code"] == "NotFound" and "api_token t0001 not found" in t["revoke-token-again"]["message"], t
f = json.load(open(os.path.join(sys.argv[1], "finish", "issue.json")))
r = f["success"]["response"]
assert r["secret"]["id"] == {"resourceType": "api_token", "resource": "t0001"}, r
tr = [a for a in r["secret"]["annotations"] if a["@type"].endswith("SecretTrait")][0]
assert tr["identityId"] == {"resourceType": "user", "resource": "u0004"} and "expiresAt" in tr, tr
assert [e["provider"] for e in r["encryptedData"]] == ["baton/age/v1", "baton/jwk/v1"], r
assert all(e["name"] == "token" for e in r["encryptedData"]), r
EOF2
grep -q '^bdt_[0-9a-f]\{40\}$' <<<"$("$agetool" decrypt "$work/identity.txt" "$work/secrets/finish/issue.json" 0)" ||
  fail "issue: the token is not bdt_ + 40 hex digits"
echo "ok   secrets: age copy decrypts, jwk copy for the key's ssh-ed25519 recipient, unknown provider refused;"
echo "     an issued API token likewise, then revoked"

# ---- 4b. without --provisioning / --ticketing: those tasks are refused, as Go's runner ---------
cat >"$work/gated-script.json" <<'JSON'
{"token_ttl_seconds": 60, "next_poll_ms": 100, "heartbeat_ms": 1000, "lease_ms": 600000,
 "tasks": [{"name": "grant", "compare": "outcome", "task": {"grant": {
    "entitlement": {"id": "group:g003:member", "resource": {"id": {"resourceType": "group", "resource": "g003"}}},
    "principal": {"id": {"resourceType": "user", "resource": "u0001"}}}}},
  {"name": "issue", "compare": "outcome", "task": {"issueCredential": {"identityId": {"resourceType": "user", "resource": "u0004"},
    "credentialOptions": {"apiKey": {}}, "encryptionConfigs": [{"provider": "baton/age/v1", "ageRecipientConfig": {"recipient": "$age_recipient"}}]}}},
  {"name": "list-ticket-schemas", "compare": "outcome", "task": {"listTicketSchemas": {}}}]}
JSON
sed -i "s|\$age_recipient|$age_recipient|" "$work/gated-script.json"
script="$work/gated-script.json" start_fake gated --timeout $((60 * scale))s
client_flags="" start_client gated
wait "$fake_pid"; fake_status=$?; fake_pid=
stop_client || fail "gated: client exit $? after SIGTERM: $(tail -5 "$work/gated.client.log")"
[ "$fake_status" = 0 ] || fail "gated: fakec1 exit $fake_status: $(tail -5 "$work/gated.fake.log")"
python3 - "$work/gated" <<'EOF' || fail "gated summary"
import json, os, sys
t = {x["name"]: x for x in json.load(open(os.path.join(sys.argv[1], "summary.json")))["tasks"]}
# Go's noop provisioner refuses every provisioning call; its handlers make that non-retryable
for n in ("grant", "issue"):
    assert t[n]["code"] == "FailedPrecondition" and t[n]["message"] == ("rpc error: code = FailedPrecondition "
        "desc = provisioning is not enabled\ntask failed and is non-retryable"), t
    f = json.load(open(os.path.join(sys.argv[1], "finish", n + ".json")))
    assert f["error"].get("nonRetryable") is True, f
m = t["list-ticket-schemas"]
assert m["code"] == "Unknown" and m["message"] == "ticketing is not enabled", t
EOF
echo "ok   gated: grant, issue credential and ticket tasks refused without --provisioning / --ticketing"

# ---- 5. a killed client's sync resumes ------------------------------------------------------
cat >"$work/resume-script.json" <<'JSON'
{"token_ttl_seconds": 60, "next_poll_ms": 100, "heartbeat_ms": 1000, "lease_ms": 600000,
 "tasks": [{"name": "sync-resume", "compare": "outcome", "task": {"syncFull": {}}}]}
JSON
script="$work/resume-script.json" start_fake resume --timeout $((300 * scale))s
client_args="--users 30000" start_client resume BATON_CHECKPOINT_INTERVAL_MS=100
wip="$work/tmp/baton-sync-sync_resume.c1z.wip"
for _ in $(seq $((600 * scale))); do
  grep -q '"phase": *"list-grants"\|Syncing grants' "$work/resume.client.log" 2>/dev/null && [ -d "$wip" ] && break
  sleep 0.1
done
[ -d "$wip" ] || fail "resume: no working copy appeared: $(tail -3 "$work/resume.client.log")"
sleep 1
kill -KILL "$client_pid"; wait "$client_pid" 2>/dev/null; client_pid=
[ -d "$wip" ] || fail "resume: the working copy did not survive the kill"
client_args="--users 30000" start_client resume BATON_CHECKPOINT_INTERVAL_MS=100
wait "$fake_pid"; fake_status=$?; fake_pid=
stop_client; st=$?
[ "$fake_status" = 0 ] || fail "resume: fakec1 exit $fake_status: $(tail -3 "$work/resume.fake.log")"
[ "$st" = 0 ] || fail "resume: client exit $st"
grep -q '"resumed": *"true"' "$work/resume.client.log" || fail "resume: the second sync did not resume: $(grep 'sync finished' "$work/resume.client.log")"
python3 - "$work/resume" <<'EOF2' || fail "resume: summary"
import json, os, sys
s = json.load(open(os.path.join(sys.argv[1], "summary.json")))
t = s["tasks"][0]
assert t["handed_out"] == 2 and t["code"] == "OK" and len(t.get("uploads", [])) == 1, t
EOF2
[ ! -e "$wip" ] || fail "resume: the working copy is still there after the upload"
echo "ok   resume: killed mid-sync, re-issued at the next Hello, resumed from the checkpoint, uploaded"

# ---- 6. SIGTERM during a sync ---------------------------------------------------------------
# Tokens live 10 s, the renewal margin: every call fetches a new one, so the FinishTask that
# reports the cancelled sync needs a token after the stop (a stopping daemon abandons only the
# token requests of GetTask and Hello).
cat >"$work/term-script.json" <<'JSON'
{"token_ttl_seconds": 10, "next_poll_ms": 100, "heartbeat_ms": 1000, "lease_ms": 600000,
 "tasks": [{"name": "sync-term", "compare": "outcome", "task": {"syncFull": {}}}]}
JSON
script="$work/term-script.json" start_fake term --timeout $((300 * scale))s
client_args="--users 30000" start_client term BATON_CHECKPOINT_INTERVAL_MS=100
wip="$work/tmp/baton-sync-sync_term.c1z.wip"
for _ in $(seq $((600 * scale))); do
  grep -q 'Syncing grants' "$work/term.client.log" 2>/dev/null && [ -d "$wip" ] && break
  sleep 0.1
done
[ -d "$wip" ] || fail "term: the sync did not start: $(tail -3 "$work/term.client.log")"
stop_client; st=$?
[ "$st" = 0 ] || fail "term: client exit $st after SIGTERM"
wait "$fake_pid"; fake_status=$?; fake_pid=
[ "$fake_status" = 0 ] || fail "term: fakec1 exit $fake_status"
python3 - "$work/term" <<'EOF2' || fail "term: summary"
import json, os, sys
s = json.load(open(os.path.join(sys.argv[1], "summary.json")))
t = s["tasks"][0]
assert t["finishes"] == 1 and t["code"] == "Canceled" and not t.get("uploads"), t
EOF2
[ -d "$wip" ] || fail "term: the working copy is gone"
echo "ok   SIGTERM mid-sync: task finished CANCELLED, working copy kept, exit 0"
