#!/usr/bin/env bash
# remote_collector.sh — a remote collector end to end (issue 18): a central ismapd listening on
# tls+tcp:// with mutual TLS (tls.client_ca), and a collector (ismapd --role collector) that
# alone has the AWS credentials and the endpoint of the provider (awsemu). An auditor routes a
# collection to the collector's zone; the collector claims it, collects with its own credentials,
# seals and signs the snapshot with its own key and uploads it; the central registers it only
# after checking hash and signature against the key the collector was registered with. Then:
# an upload changed in transit and one signed by another key are refused (nothing kept, the job
# fails with the reason); the collector's token can call nothing but the collector ops; a client
# without a certificate gets no connection.
#
# Everything is on 127.0.0.1 (the house rule for tests): the central cannot collect from the
# emulator because it has neither the credentials nor the endpoint (its endpoint_allow is empty),
# which the test shows too. The tampering comes from ismapd-collector-test, ismapd built with
# test hooks (ISM_COLLECTOR_TEST_HOOKS); ismapd itself has no such switch.
set -u
. "$(dirname "$0")/../lib/shtest.sh"
: "${ISMAPD:?run through ctest}" "${ISMAPCTL:?run through ctest}"
COLLECTORD=${ISMAPD_COLLECTOR_TEST:-}
AWSEMU=${AWSEMU:-${ISM_BUILD_DIR:-}/tests/awsemu}
if [ ! -x "$AWSEMU" ]; then echo "remote_collector: awsemu not built: skipped"; exit 77; fi
if [ ! -x "$COLLECTORD" ]; then echo "remote_collector: ismapd-collector-test not built: skipped"; exit 77; fi
command -v openssl >/dev/null || { echo "remote_collector: openssl not installed: skipped"; exit 77; }

tmp=$(mktemp -d /tmp/ismtest-remote-XXXXXX)
emu_pid="" central_pid="" col_pid=""
cleanup() {
  for p in $col_pid $central_pid $emu_pid; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
no() { fails=$((fails + 1)); echo "FAIL $*"; }
ok() { passes=$((passes + 1)); }
jget() { $PY -c 'import json,sys; v=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): v=v[int(k)] if isinstance(v,list) else v.get(k)
print("" if v is None else v)' "$@"; }

# ---- certificates: a CA for the central's certificate, another for the collectors' ----------
ossl() { openssl "$@" 2>>"$tmp/openssl.err" || { echo "openssl $1 failed"; cat "$tmp/openssl.err"; exit 1; }; }
cd "$tmp" || exit 1
for ca in server-ca client-ca; do
  ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=$ca" \
    -keyout $ca.key -out $ca.pem
done
ossl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 \
  -keyout central.key -out central.csr
printf 'subjectAltName=IP:127.0.0.1\n' >central.ext
ossl x509 -req -in central.csr -CA server-ca.pem -CAkey server-ca.key -CAcreateserial -days 2 \
  -extfile central.ext -out central.pem
ossl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=collector-lgwan-1 \
  -keyout collector.key -out collector.csr
ossl x509 -req -in collector.csr -CA client-ca.pem -CAkey client-ca.key -CAcreateserial -days 2 \
  -out collector.pem

# ---- the emulator, and the central without credentials ------------------------------------
"$AWSEMU" --port-file "$tmp/emu.port" --seed 7 >"$tmp/emu.log" 2>&1 &
emu_pid=$!
wait_file "$tmp/emu.port" || { echo "awsemu did not start"; exit 1; }
emu_port=$(cat "$tmp/emu.port")
port=$(free_port)

cat >"$tmp/central.json" <<EOF
{"tls": {"cert_file": "$tmp/central.pem", "key_file": "$tmp/central.key",
         "client_ca": "$tmp/client-ca.pem"},
 "listen": ["ipc://$tmp/central/ismapd.sock", "tls+tcp://127.0.0.1:$port"]}
EOF
export ISMAP_SOCKET=$tmp/central/ismapd.sock
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
(
  unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE
  export AWS_SHARED_CREDENTIALS_FILE=$tmp/none AWS_CONFIG_FILE=$tmp/none
  exec "$ISMAPD" --config "$tmp/central.json" --data-dir "$tmp/central" \
    --log-file "$tmp/central.log" --workers 1
) &
central_pid=$!
wait_daemon "$central_pid" || { cat "$tmp/central.log"; exit 1; }

# ---- registration ---------------------------------------------------------------------------
pub=$("$COLLECTORD" --role collector --data-dir "$tmp/col" --print-public-key)
[ -n "$pub" ] && ok || no "collector public key"
"$ISMAPCTL" --json call collector.register "{\"name\": \"lgwan-1\", \"zone\": \"lgwan\",
  \"scopes\": [{\"provider\": \"aws\", \"scopes\": [\"712345670001\"]}], \"public_key\": \"$pub\"}" \
  >"$tmp/reg.json" 2>"$tmp/reg.err" && ok || { no "collector.register"; cat "$tmp/reg.err"; }
jget "$tmp/reg.json" token >"$tmp/col.token"
col_id=$(jget "$tmp/reg.json" collector.id)
check "a bad public key is refused" 1 "$ISMAPCTL" call collector.register \
  '{"name": "x", "zone": "lgwan", "scopes": "*", "public_key": "bm90IGEga2V5"}'
check "a collector token is not made by token.create" 1 "$ISMAPCTL" token create --name c --role collector
"$ISMAPCTL" --json token create --name aud --role auditor --org minato >"$tmp/aud.json" || no "auditor token"
AUD=$(jget "$tmp/aud.json" token)
COL=$(cat "$tmp/col.token")

# ---- the collector: its own credentials and endpoint -------------------------------------------
cat >"$tmp/collector.json" <<EOF
{"collector": {"connect": "tls+tcp://127.0.0.1:$port", "token_file": "$tmp/col.token",
   "ca_file": "$tmp/server-ca.pem", "cert_file": "$tmp/collector.pem",
   "key_file": "$tmp/collector.key", "poll_s": 1,
   "overrides": {"aws": {"endpoint_url": "http://127.0.0.1:$emu_port"}}}}
EOF
start_collector() { # start_collector LOG [ENV=VALUE...]
  local log=$1
  shift
  env AWS_ACCESS_KEY_ID=AKIAMINATOCOLLECT001 \
    AWS_SECRET_ACCESS_KEY='mInAtOcOlLeCtOr/SeCrEtKeY+0123456789aBcD' \
    AWS_SHARED_CREDENTIALS_FILE="$tmp/none" AWS_CONFIG_FILE="$tmp/none" "$@" \
    "$COLLECTORD" --role collector --config "$tmp/collector.json" --data-dir "$tmp/col" \
    --log-file "$tmp/$log" &
  col_pid=$!
}
stop_collector() {
  stop_pid "$col_pid" "the collector" && ok || no "the collector stops on SIGTERM"
  col_pid=""
}

# collect NAME: an auditor's zoned collection, followed to its end; the job in $tmp/NAME.job.
# The bounds only stop a hang (a busy machine stretches a few seconds' collection many times).
collect() {
  timeout 600 "$ISMAPCTL" --token "$AUD" --timeout 300 --json collect aws --regions ap-northeast-1 \
    --services sts,iam,ec2 --zone lgwan --wait >"$tmp/$1.job" 2>"$tmp/$1.err"
}

# The central itself cannot collect from the emulator: no credentials, no endpoint allowed.
check "the central has no AWS credentials" 1 "$ISMAPCTL" collect aws --regions ap-northeast-1 --wait
check "the central may not point at the emulator" 1 "$ISMAPCTL" collect aws \
  --endpoint-url "http://127.0.0.1:$emu_port" --zone lgwan
# A zoned job is never run by the central's workers: without a collector it stays queued.
"$ISMAPCTL" --token "$AUD" --json collect aws --regions ap-northeast-1 --services sts --zone lgwan \
  >"$tmp/q.json" || no "zoned submit"
qjob=$(jget "$tmp/q.json" job)
[ "$(jget "$tmp/q.json" zone)" = lgwan ] && ok || no "the job names its zone"

start_collector collector.log
# The queued job is claimed by the collector once it runs, and finishes there.
ISM_TEST_WAIT_S=60 wait_for "the queued zoned job to finish" sh -c \
  "'$ISMAPCTL' --json jobs show $qjob | grep -q '\"state\": *\"succeeded\"'" && ok || {
  no "queued zoned job"; "$ISMAPCTL" --json jobs show "$qjob"; cat "$tmp/collector.log"; }

collect good && ok || { no "zoned collection"; cat "$tmp/good.job" "$tmp/good.err" "$tmp/collector.log" | tail -40; }
snap=$(jget "$tmp/good.job" result.snapshot)
[ "$(jget "$tmp/good.job" result.collector.name)" = lgwan-1 ] && ok || no "the result names the collector"
"$ISMAPCTL" --json snapshot verify "$snap" >"$tmp/verify.json" && ok || { no "snapshot verify"; cat "$tmp/verify.json"; }
[ "$(jget "$tmp/verify.json" ok)" = True ] && ok || no "snapshot does not verify"
[ "$(jget "$tmp/verify.json" signed_by.public_key)" = "$pub" ] && ok || {
  no "the signature is not the collector's"; cat "$tmp/verify.json"; }
[ "$(jget "$tmp/verify.json" signed_by.collector)" = "$col_id" ] && ok || no "signed_by.collector"
# Its data is what the collector read with its credentials: the collector's account.
acct=$($PY -c 'import sqlite3,sys; c=sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
print(",".join(r[0] for r in c.execute("SELECT DISTINCT account FROM resources")))' \
  "$tmp/central/snapshots/$snap.db")
[ "$acct" = 712345670001 ] && ok || no "resources of $acct"
# The collector's copy is gone once the central has it; no credentials are in the central's log.
[ ! -e "$tmp/col/snapshots/$snap.db" ] && ok || no "the collector kept its copy"
grep -q "mInAtOcOlLeCtOr\|AKIAMINATOCOLLECT001" "$tmp/central.log" "$tmp/central/ismap.db" \
  && no "credentials reached the central" || ok
# The installation key does not verify it: the signature really is the collector's.
grep -q "\"installation\"" "$tmp/verify.json" && no "signed by the installation" || ok

# ---- tampered uploads ---------------------------------------------------------------------
refused() { # refused NAME ENV TEXT: the job fails with TEXT, nothing is registered
  local before after
  before=$("$ISMAPCTL" --json snapshot list | $PY -c 'import json,sys; print(len(json.load(sys.stdin)))')
  stop_collector
  start_collector "$1.log" "$2=1"
  collect "$1"
  local rc=$?
  [ $rc -eq 1 ] && ok || { no "$1: exit $rc, wanted 1"; cat "$tmp/$1.job" "$tmp/$1.err"; }
  cat "$tmp/$1.job" "$tmp/$1.err" >"$tmp/$1.all"
  contains "$1: job error" "$tmp/$1.all" "$3"
  after=$("$ISMAPCTL" --json snapshot list | $PY -c 'import json,sys; print(len(json.load(sys.stdin)))')
  [ "$before" = "$after" ] && ok || no "$1: a refused snapshot was registered"
  ls "$tmp/central/snapshots/" | grep -q '\.upload$' && no "$1: the upload was kept" || ok
}
refused tampered ISMAP_TEST_CORRUPT_UPLOAD "SHA-256"
refused foreign ISMAP_TEST_FOREIGN_KEY "signature does not verify"
stop_collector

# ---- the collector's token does nothing else; mutual TLS ---------------------------------------
for op in ping status snapshot.list jobs.list collector.list collect.aws token.list; do
  check "collector token may not call $op" 1 "$ISMAPCTL" --token "$COL" call "$op" '{}'
  cat "$tmp/out" "$tmp/err" >"$tmp/both"
  contains "collector token: $op denied" "$tmp/both" "may not call"
done
check "a client without a certificate gets no connection" 2 "$ISMAPCTL" --timeout 3 \
  --url "tls+tcp://127.0.0.1:$port" --ca-file "$tmp/server-ca.pem" --token "$AUD" ping
# Revoked: the token is refused at once.
check "revoke" 0 "$ISMAPCTL" call collector.revoke "{\"id\": \"$col_id\"}"
check "a revoked collector's token" 1 "$ISMAPCTL" --token "$COL" call collector.claim '{}'

echo "remote_collector: $passes passed, $fails failed"
[ "$fails" = 0 ]
