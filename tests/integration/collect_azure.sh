#!/usr/bin/env bash
# collect_azure.sh — the Azure collector end to end: ismapd and ismapctl against azureemu (the
# Azure emulator, tests/emulator/azure) with the みなと市 tenant: two subscriptions and Entra ID.
# A clean run with a client secret is the reference; then the same collection must give the same
# resources with a certificate (JWT client assertion), by management group, under faults (pages of
# one item, 30% of reads throttled with Retry-After, 5% 5xx, 5% dropped connections, latency with
# jitter, tokens that expire every 4 s), must say exactly what it lacks when reads are denied (a
# whole subscription and one operation), and must resume after ismapd is killed with SIGKILL
# mid-collection.
set -u
. "$(dirname "$0")/../lib/shtest.sh"
: "${ISMAPD:?run through ctest}" "${ISMAPCTL:?run through ctest}"
AZUREEMU=${AZUREEMU:-${ISM_BUILD_DIR:-}/tests/azureemu}
if [ ! -x "$AZUREEMU" ]; then echo "collect_azure: azureemu not built: skipped"; exit 77; fi
SRC=${ISM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}

tmp=$(mktemp -d /tmp/ismtest-azure-XXXXXX)
emu_pid="" daemon_pid=""
cleanup() {
  [ -n "$emu_pid" ] && kill "$emu_pid" 2>/dev/null
  [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

S1=11111111-aaaa-4aaa-8aaa-000000000001
S2=22222222-bbbb-4bbb-8bbb-000000000002
export AZURE_TENANT_ID=7a3c0e6d-1f2b-4c5d-9e8f-0a1b2c3d4e5f
export AZURE_CLIENT_ID=5c1e2d3f-4a5b-4c6d-8e7f-901234567890
SECRET=minato-emulator-secret
unset AZURE_AUTHORITY_HOST AZURE_CLIENT_CERTIFICATE_PATH
export NO_PROXY=127.0.0.1,localhost,::1 no_proxy=127.0.0.1,localhost,::1
export ISMAP_SOCKET=$tmp/data/ismapd.sock

ok() { passes=$((passes + 1)); }
bad() {
  fails=$((fails + 1))
  echo "FAIL $*"
}

start_emu() { # start_emu NAME ARGS... → $port
  local name=$1
  shift
  rm -f "$tmp/$name.port"
  "$AZUREEMU" --port-file "$tmp/$name.port" --seed 7 "$@" >"$tmp/$name.emu.log" 2>&1 &
  emu_pid=$!
  wait_file "$tmp/$name.port" || bad "azureemu $name did not start"
  port=$(cat "$tmp/$name.port")
}
stop_emu() {
  kill "$emu_pid" 2>/dev/null
  wait "$emu_pid" 2>/dev/null
  emu_pid=""
}

echo '{"collect": {"endpoint_allow": ["127.0.0.1"]}}' >"$tmp/ismapd.json"
start_daemon() { # credentials: the daemon's own environment
  "$ISMAPD" --config "$tmp/ismapd.json" --data-dir "$tmp/data" --log-file "$tmp/ismapd.log" \
    --workers 2 &
  daemon_pid=$!
  wait_daemon "$daemon_pid" && return 0
  echo "ismapd did not start"
  cat "$tmp/ismapd.log"
  exit 1
}
stop_daemon() {
  kill "$daemon_pid" 2>/dev/null
  wait "$daemon_pid" 2>/dev/null
  daemon_pid=""
}

# collect NAME [options]: a --wait collection; job JSON in $tmp/NAME.job, exit code $collect_rc,
# snapshot file $db.
collect() {
  local name=$1
  shift
  "$ISMAPCTL" --timeout 300 --json collect azure --endpoint-url "http://127.0.0.1:$port" --wait \
    "$@" >"$tmp/$name.job" 2>"$tmp/$name.err"
  collect_rc=$?
  snap=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["result"]["snapshot"])' \
    "$tmp/$name.job" 2>/dev/null)
  db="$tmp/data/snapshots/$snap.db"
}
# The resources of a snapshot, in order: what two runs must agree on.
dump() { sqlite3 "$1" "SELECT account, region, type, id, data FROM resources ORDER BY 1,2,3,4"; }
jq_() { $PY -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"; }

start_emu clean
export AZURE_CLIENT_SECRET=$SECRET
start_daemon

# 1. clean, with a client secret: everything complete
collect clean
[ "$collect_rc" = 0 ] && ok || {
  bad "clean collection: rc $collect_rc"
  cat "$tmp/clean.err" "$tmp/clean.job"
}
dump "$db" >"$tmp/clean.dump"
[ "$(jq_ "$tmp/clean.job" 'j["result"]["complete"]')" = True ] && ok || bad "clean: not complete"
n=$(sqlite3 "$db" "SELECT count(DISTINCT type) FROM resources")
[ "$n" -ge 30 ] && ok || bad "clean: only $n resource types"
[ "$(sqlite3 "$db" "SELECT count(*) FROM coverage WHERE state NOT IN ('complete', 'skipped')")" = 0 ] && ok ||
  bad "clean: coverage not all complete"
for t in graph.UserRegistrationDetail keyvault.Key network.FlowLog recoveryservices.ProtectedItem \
  monitor.DiagnosticSetting network.VirtualNetworkPeering graph.SecurityDefaultsPolicy; do
  [ "$(sqlite3 "$db" "SELECT count(*) FROM resources WHERE type='$t'")" -ge 1 ] && ok ||
    bad "clean: no $t"
done
# Graph objects under the tenant, ARM under their subscription, regions = locations
[ "$(sqlite3 "$db" "SELECT DISTINCT account FROM resources WHERE type LIKE 'graph.%'")" = \
  "$AZURE_TENANT_ID" ] && ok || bad "graph objects not under the tenant id"
[ "$(sqlite3 "$db" "SELECT region FROM resources WHERE type='storage.StorageAccount' AND account='$S2'")" = \
  eastus ] && ok || bad "storage region is not its location"
# no secret anywhere in the snapshot or the daemon's log
if grep -q "$SECRET" "$db" "$tmp/ismapd.log"; then bad "the client secret was written"; else ok; fi
if grep -q "azemu\.arm\." "$db" "$tmp/ismapd.log"; then bad "an access token was written"; else ok; fi

# 2. the operations list and the params' checks
check ops 0 "$ISMAPCTL" --json collect operations azure
contains ops-keys "$tmp/out" "Microsoft.KeyVault/vaults/keys/read"
contains ops-graph "$tmp/out" "AuditLog.Read.All"
check bad-sub 1 "$ISMAPCTL" collect azure --subscription not-a-guid
check both-scopes 1 "$ISMAPCTL" collect azure --subscription "$S1" --management-group m
stop_daemon

# 3. a certificate instead of the secret; by management group; same resources
unset AZURE_CLIENT_SECRET
export AZURE_CLIENT_CERTIFICATE_PATH=$SRC/tests/fixtures/azure/client.pem
start_daemon
collect cert --management-group minato-city
[ "$collect_rc" = 0 ] && ok || {
  bad "certificate collection: rc $collect_rc"
  cat "$tmp/cert.err"
}
dump "$db" | grep -v '|management.Descendant|' >"$tmp/cert.dump"
diff -q "$tmp/clean.dump" "$tmp/cert.dump" >/dev/null && ok || {
  bad "certificate/management-group run differs from the clean run"
  diff "$tmp/clean.dump" "$tmp/cert.dump" | head -5
}
# a certificate the app does not have: the job fails naming Entra ID's refusal
export AZURE_CLIENT_CERTIFICATE_PATH=$SRC/tests/fixtures/azure/other.pem
stop_daemon
start_daemon
collect othercert
[ "$collect_rc" != 0 ] && ok || bad "a foreign certificate was accepted"
grep -q "invalid_client" "$tmp/othercert.job" "$tmp/othercert.err" && ok ||
  bad "the refusal does not say invalid_client"
stop_daemon
stop_emu
unset AZURE_CLIENT_CERTIFICATE_PATH
export AZURE_CLIENT_SECRET=$SECRET

# 4. faults: the same resources
start_emu faults --page-size 2 --throttle-rate 0.2 --error-rate 0.05 --drop-rate 0.05 \
  --latency-ms 5 --jitter-ms 5 --token-ttl 4 --token-uses 40
start_daemon
collect faults
[ "$collect_rc" = 0 ] && ok || {
  bad "faulty collection: rc $collect_rc"
  head -c 2000 "$tmp/faults.job"
  cat "$tmp/faults.err"
}
dump "$db" >"$tmp/faults.dump"
diff -q "$tmp/clean.dump" "$tmp/faults.dump" >/dev/null && ok || {
  bad "faulty run differs from the clean run"
  diff "$tmp/clean.dump" "$tmp/faults.dump" | head -5
}
r=$(jq_ "$tmp/faults.job" 'j["result"]["stats"]["retries"]')
th=$(jq_ "$tmp/faults.job" 'j["result"]["stats"]["throttled"]')
[ "$r" -gt 0 ] && [ "$th" -gt 0 ] && ok || bad "faults: retries $r throttled $th"
# every attempt spent a token: attempts = tokens + token-endpoint requests
at=$(jq_ "$tmp/faults.job" 'j["result"]["stats"]["attempts"]')
tk=$(jq_ "$tmp/faults.job" 'j["result"]["stats"]["tokens"]')
te=$(sqlite3 "$db" "SELECT coalesce(sum(attempts),0) FROM calls WHERE operation='Token'")
[ "$at" = $((tk + te)) ] && ok || bad "faults: attempts $at != tokens $tk + token requests $te"
# tokens expired during the run and were renewed
[ "$(sqlite3 "$db" "SELECT count(*) FROM calls WHERE operation='Token'")" -ge 3 ] && ok ||
  bad "faults: tokens were not renewed"
stop_daemon
stop_emu

# 5. denied: subscription 2 entirely, and key vault keys in subscription 1
start_emu denied --deny "/subscriptions/$S2" --deny "/vaults/kv-mynumber/keys"
start_daemon
collect denied
[ "$collect_rc" = 3 ] && ok || bad "denied: rc $collect_rc, wanted 3 (sealed, incomplete)"
$PY - "$tmp/denied.job" "$S1" "$S2" >"$tmp/denied.check" 2>&1 <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))["result"]
s1, s2 = sys.argv[2], sys.argv[3]
got = sorted((m["account"], m["operation"], m["state"], m["error_code"], m.get("grant", ""))
             for m in j["missing"])
want = sorted([(s1, "keyvault:KeysList", "denied", "AuthorizationFailed",
                "Microsoft.KeyVault/vaults/keys/read"),
               (s2, "resources:SubscriptionsGet", "denied", "AuthorizationFailed",
                "Microsoft.Resources/subscriptions/read (the Reader role on subscription %s)" % s2)])
assert j["complete"] is False, j["complete"]
assert got == want, got
assert j["missing_total"] == 2, j["missing_total"]
assert j["stats"]["accounts_not_entered"] == 1, j["stats"]
print("ok")
EOF
grep -qx ok "$tmp/denied.check" && ok || {
  bad "denied: missing list"
  cat "$tmp/denied.check"
}
# the rest of subscription 2 is skipped, not complete
[ "$(sqlite3 "$db" "SELECT count(*) FROM coverage WHERE account='$S2' AND state='complete'")" = 0 ] &&
  ok || bad "denied: subscription 2 has complete coverage"
stop_daemon
stop_emu

# 6. kill -9 mid-collection, restart: the job resumes and gives the clean run's resources. The
#    emulator answers the first 40 reads of the collection (of 95 at pages of one item) and
#    holds every later one unanswered, so the job is certainly still running when it is killed,
#    however fast or busy the machine (with latency instead, a busy machine saw it finish first).
#    The resumed run reads from a second emulator on the same port (the job's endpoint) that
#    holds nothing: what it proves is the resume.
start_emu kill --page-size 1 --hold-after 40
start_daemon
"$ISMAPCTL" --json collect azure --endpoint-url "http://127.0.0.1:$port" >"$tmp/kill.submit"
job=$(jq_ "$tmp/kill.submit" 'j["job"]')
snapdb() { echo "$tmp/data/snapshots/snap_${job#job_}.db"; } # the job's snapshot
# wait until some coverage is committed, then SIGKILL
has_some() {
  local f
  f=$(snapdb) && [ -s "$f" ] && [ "$(sqlite3 "$f" 'SELECT count(*) FROM coverage' 2>/dev/null)" -ge 5 ]
}
wait_for "coverage to be committed" has_some || bad "kill: nothing committed"
kill -9 "$daemon_pid"
wait "$daemon_pid" 2>/dev/null
daemon_pid=""
before=$(sqlite3 "$(snapdb)" 'SELECT count(*) FROM coverage')
stop_emu
start_emu resumed --port "$port" --page-size 1
start_daemon
done_() { "$ISMAPCTL" --json jobs show "$job" 2>/dev/null | grep -q '"state": "succeeded"'; }
wait_for "the resumed job" done_ || bad "kill: the job did not finish after the restart"
"$ISMAPCTL" --json jobs show "$job" >"$tmp/kill.job"
db=$(snapdb)
dump "$db" >"$tmp/kill.dump"
diff -q "$tmp/clean.dump" "$tmp/kill.dump" >/dev/null && ok || {
  bad "kill -9 + resume differs from the clean run"
  diff "$tmp/clean.dump" "$tmp/kill.dump" | head -5
}
resumed=$(jq_ "$tmp/kill.job" 'j["result"]["stats"]["resumed"]')
[ "$resumed" -ge 1 ] && [ "$before" -ge 5 ] && ok || bad "kill: resumed $resumed (had $before)"

echo "collect_azure: $passes passed, $fails failed"
[ "$fails" = 0 ]
