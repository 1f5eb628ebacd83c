#!/usr/bin/env bash
# baton-demo's credential issuing (API tokens, examples/demo/demo_tokens.c) through libbaton's
# one-shot flags (--issue-credential*):
#   1. capabilities: the user type offers CAPABILITY_CREDENTIAL_ISSUE (API_KEY, scopes
#      read/write/admin, expiry 1 h..365 d, VIRTUAL, secret type api_token); api_token can be deleted;
#   2. an issuance prints one armored age file that decrypts (with the recipient's identity) to a
#      "bdt_" + 40 hex token; the token is in no log and not in the state file, which records
#      t0001 for u0004 with the scopes and the expiry asked; a second one without scopes or expiry
#      is t0002 with scope read and 90 days;
#   3. refusals print nothing and mint nothing: a disabled user (FailedPrecondition, exit 9), an
#      unknown user (NotFound, 5), an expiry beyond 365 d and a scope not offered (InvalidArgument,
#      3, checked before the connector runs), no recipient;
#   4. deleting api_token t0001 revokes it; a second delete is NotFound; a sync lists the api_token
#      type and no token (VIRTUAL).
#
#   demo_issue.sh <baton-demo> <baton> <svc_agetool> <work dir>
set -u
demo=$(realpath "$1") tool=$(realpath "$2") agetool=$(realpath "$3") work=$4
rm -rf "$work" && mkdir -p "$work" && work=$(realpath "$work") && cd "$work" || exit 1
fail() { echo "FAIL: $*"; exit 1; }

# ---- 1. capabilities ----
"$demo" capabilities >caps.json 2>caps.err || fail "capabilities: $(cat caps.err)"
python3 - caps.json <<'EOF' || fail "capabilities"
import json, sys
d = json.load(open(sys.argv[1]))
t = {x["resourceType"]["id"]: x for x in d["resourceTypeCapabilities"]}
u = t["user"]
assert "CAPABILITY_CREDENTIAL_ISSUE" in u["capabilities"], u["capabilities"]
ci = u["credentialIssue"]
o = ci["options"]
assert len(o) == 1 and o[0]["option"] == "CAPABILITY_DETAIL_CREDENTIAL_OPTION_API_KEY", o
assert o[0]["scopes"] == ["read", "write", "admin"], o
assert o[0]["expiry"] == {"min": "3600s", "max": "31536000s"}, o
assert o[0]["resourceMode"] == "CREDENTIAL_RESOURCE_MODE_VIRTUAL" and o[0]["secretResourceTypeId"] == "api_token", o
assert ci["preferredOption"] == "CAPABILITY_DETAIL_CREDENTIAL_OPTION_API_KEY", ci
a = t["api_token"]
assert a["resourceType"]["traits"] == ["TRAIT_SECRET"], a
assert "CAPABILITY_RESOURCE_DELETE" in a["capabilities"], a
EOF
echo "ok   capabilities"

# ---- 2. issuing ----
recipient=$("$agetool" keygen id.txt) || fail keygen
issue() { "$demo" -f s.c1z --issue-credential-type user --secret-recipient "$recipient" "$@" >out.txt 2>err.txt; }
now=$(date +%s)
issue --issue-credential u0004 --issue-credential-scopes read,write --issue-credential-expires-in 7200 \
  --issue-credential-request-id req-1 || fail "issue: exit $?: $(tail -3 err.txt)"
[ "$(grep -c 'BEGIN AGE ENCRYPTED FILE' out.txt)" = 1 ] || fail "issue: want one armored file: $(cat out.txt)"
tok=$("$agetool" dearmor id.txt out.txt) || fail "issue: the armored file does not decrypt"
[[ "$tok" =~ ^bdt_[0-9a-f]{40}$ ]] || fail "issue: token $tok"
for f in err.txt s.c1z.demo.json; do if grep -qF -- "$tok" "$f"; then fail "the token is in $f"; fi; done
cp out.txt first.txt
issue --issue-credential u0004 || fail "issue 2: exit $?: $(tail -3 err.txt)"
tok2=$("$agetool" dearmor id.txt out.txt) || fail "issue 2: does not decrypt"
[[ "$tok2" =~ ^bdt_[0-9a-f]{40}$ && "$tok2" != "$tok" ]] || fail "issue 2: token $tok2"
python3 - s.c1z.demo.json "$now" <<'EOF' || fail "state file"
import json, sys
ops = json.load(open(sys.argv[1]))["ops"]
now = int(sys.argv[2])
iss = [o for o in ops if o["op"] == "issue_token"]
assert [o["token"] for o in iss] == ["t0001", "t0002"], iss
a, b = iss
assert a["user"] == "u0004" and a["scopes"] == ["read", "write"] and a["request_id"] == "req-1", a
assert now + 7200 <= a["expires_at"] <= now + 7200 + 60, (a, now)
assert b["scopes"] == ["read"] and now + 90 * 86400 <= b["expires_at"] <= now + 90 * 86400 + 60, (b, now)
EOF
grep -q '"secret_id":"t0002"' err.txt || fail "issue: the log does not name the token: $(cat err.txt)"
echo "ok   issue: the token decrypts, t0001 and t0002 recorded, the value in no log"

# ---- 3. refusals ----
refused() { # refused <exit> <message part> <flags...>
  local want=$1 msg=$2; shift 2
  issue "$@"; local st=$?
  [ "$st" = "$want" ] || fail "$*: exit $st, want $want: $(tail -2 err.txt)"
  grep -qF -- "$msg" err.txt || fail "$*: no \"$msg\" in: $(tail -2 err.txt)"
  [ ! -s out.txt ] || fail "$*: printed something"
}
refused 9 "user u0002 is disabled" --issue-credential u0002
refused 5 "user u9999 not found" --issue-credential u9999
refused 3 "requested expiry exceeds connector maximum" --issue-credential u0004 --issue-credential-expires-in 40000000
refused 3 'scope "delete" is not advertised by connector' --issue-credential u0004 --issue-credential-scopes delete
"$demo" -f s.c1z --issue-credential u0004 --issue-credential-type user >out.txt 2>err.txt && fail "no recipient: exit 0"
grep -q "at least one encryption config is required" err.txt || fail "no recipient: $(tail -2 err.txt)"
[ "$(grep -c '"issue_token"' s.c1z.demo.json)" = 2 ] || fail "a refused issuance was recorded"
echo "ok   refusals: disabled, unknown, expiry, scope, no recipient; nothing minted"

# ---- 4. revoking, and syncs ----
"$demo" -f s.c1z --delete-resource t0001 --delete-resource-type api_token >/dev/null 2>err.txt || fail "revoke: $(tail -2 err.txt)"
grep -q '"revoke_token"' s.c1z.demo.json || fail "revoke: not recorded"
"$demo" -f s.c1z --delete-resource t0001 --delete-resource-type api_token >/dev/null 2>err.txt && fail "revoke again: exit 0"
grep -q "api_token t0001 not found" err.txt || fail "revoke again: $(tail -2 err.txt)"
"$demo" -f s.c1z --delete-resource t0002 --delete-resource-type api_token >/dev/null 2>err.txt || fail "revoke t0002: $(tail -2 err.txt)"
"$demo" -f s.c1z >/dev/null 2>err.txt || fail "sync: $(tail -2 err.txt)"
"$tool" -f s.c1z -o json stats >stats.json 2>err.txt || fail "stats: $(tail -2 err.txt)"
python3 - stats.json <<'EOF' || fail "sync content"
import json, sys
s = json.load(open(sys.argv[1]))["stats"]
assert s["resourceTypes"] == "6" and s["resourcesByResourceType"]["api_token"] == "0", s
EOF
echo "ok   revoke: t0001 revoked once, then NotFound; a sync has the api_token type and no token"
