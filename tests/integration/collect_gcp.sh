#!/usr/bin/env bash
# collect_gcp.sh — the Google Cloud collector end to end: ismapd and ismapctl against gcpemu (the
# Google Cloud emulator, tests/emulator/gcp) with the みなと市 organization (three folders, two
# projects, two regions). The daemon's credentials are a service-account key file whose token_uri
# is the emulator's token endpoint (which verifies the JWT's signature). A clean organization
# run is the reference; then:
#   faults: pages of 1 item, 30% of calls over quota (429 RESOURCE_EXHAUSTED / 403
#     rateLimitExceeded), 5% 503, 5% dropped connections, tokens that expire every 4 s — the
#     same resources, complete;
#   denied: permissions missing in one project and everywhere — exactly those reads (and what
#     depends on them) missing, with the permission to grant; a project that cannot be entered;
#   impersonation: the same data read as the scanning identity;
#   workload identity federation (external_account: file- and URL-sourced subject tokens, the
#     STS exchange, impersonation): the same data; a subject the pool refuses fails;
#   kill -9 of ismapd mid-collection, then a restart: the resumed job gives the clean run's data.
set -u
. "$(dirname "$0")/../lib/shtest.sh"
: "${ISMAPD:?run through ctest}" "${ISMAPCTL:?run through ctest}"
GCPEMU=${GCPEMU:-${ISM_BUILD_DIR:-}/tests/gcpemu}
SRC=${ISM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
if [ ! -x "$GCPEMU" ]; then echo "collect_gcp: gcpemu not built: skipped"; exit 77; fi

tmp=$(mktemp -d /tmp/ismtest-gcp-XXXXXX)
emu_pid="" daemon_pid=""
cleanup() {
  [ -n "$emu_pid" ] && kill "$emu_pid" 2>/dev/null
  [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
export NO_PROXY=127.0.0.1,localhost,::1 no_proxy=127.0.0.1,localhost,::1
export ISMAP_SOCKET=$tmp/data/ismapd.sock
unset GOOGLE_APPLICATION_CREDENTIALS

# One port for every emulator run: the key file's token_uri names it.
port=$(free_port)
$PY - "$SRC/tests/fixtures/gcp/sa-key.json" "$tmp/key.json" "$port" <<'EOF'
import json, sys
k = json.load(open(sys.argv[1]))
k["token_uri"] = "http://127.0.0.1:%s/token" % sys.argv[3]
json.dump(k, open(sys.argv[2], "w"))
EOF
chmod 600 "$tmp/key.json"
export GOOGLE_APPLICATION_CREDENTIALS=$tmp/key.json

start_emu() { # start_emu NAME ARGS...
  "$GCPEMU" --key "$tmp/key.json" --port "$port" --port-file "$tmp/$1.port" --seed 7 "${@:2}" \
    >"$tmp/$1.emu.log" 2>&1 &
  emu_pid=$!
  wait_file "$tmp/$1.port" || { bad "gcpemu $1 did not start"; cat "$tmp/$1.emu.log"; }
}
stop_emu() { kill "$emu_pid" 2>/dev/null; wait "$emu_pid" 2>/dev/null; emu_pid=""; }
ok() { passes=$((passes+1)); }
bad() { fails=$((fails+1)); echo "FAIL $*"; }

echo '{"collect": {"endpoint_allow": ["127.0.0.1"]}}' >"$tmp/ismapd.json"
start_daemon() {
  # quotas x40: at Google's rates (Cloud Asset Inventory's 1.5/s), slowed further by the
  # adaptive buckets each time the faults run throttles, the one-asset pages take minutes; the
  # buckets and their slowing down are driven all the same (a collection here makes fewer
  # Cloud Asset Inventory calls than gcpemu's quota of 100 a minute)
  ISM_GCP_RATE_SCALE=40 "$ISMAPD" --config "$tmp/ismapd.json" --data-dir "$tmp/data" --log-file "$tmp/ismapd.log" --workers 2 &
  daemon_pid=$!
  wait_daemon "$daemon_pid" && return 0
  echo "ismapd did not start"; cat "$tmp/ismapd.log"; exit 1
}

# collect NAME [options]: a --wait collection of the organization; $db the snapshot, $collect_rc
# 0 (complete) or 3 (sealed with something missing).
collect() {
  local name=$1; shift
  "$ISMAPCTL" --timeout 600 --json collect gcp --endpoint-url "http://127.0.0.1:$port" --wait "$@" \
    >"$tmp/$name.job" 2>"$tmp/$name.err"
  collect_rc=$?
  snap=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["result"]["snapshot"])' \
    "$tmp/$name.job" 2>/dev/null)
  db="$tmp/data/snapshots/$snap.db"
  if [ -z "$snap" ] || { [ $collect_rc -ne 0 ] && [ $collect_rc -ne 3 ]; }; then
    bad "$name: collection failed (exit $collect_rc)"; cat "$tmp/$name.job" "$tmp/$name.err"; return 1
  fi
  "$ISMAPCTL" snapshot verify "$snap" >/dev/null && ok || bad "$name: snapshot verify"
}

cat >"$tmp/check.py" <<'EOF'
import json, sqlite3, sys

def db(p):
    return sqlite3.connect("file:%s?mode=ro" % p, uri=True)

def resources(p):
    return sorted("|".join(map(str, r)) for r in db(p).execute(
        "SELECT account, region, type, id, data FROM resources"))

def fail(msg):
    print("check: " + msg)
    sys.exit(1)

cmd = sys.argv[1]
def resources(p):
    # IAM policies: what getIamPolicy and Cloud Asset Inventory's iamPolicy share
    out = []
    for r in db(p).execute("SELECT account, region, type, id, data FROM resources"):
        d = r[4]
        if r[2] in ("resourcemanager.IamPolicy", "storage.BucketIamPolicy"):
            d = json.loads(d)
            d = json.dumps({k: d.get(k) for k in ("resourceId", "bindings", "auditConfigs")},
                           sort_keys=True)
        out.append("|".join(map(str, r[:4] + (d,))))
    return sorted(out)

if cmd == "findings":  # the same findings (check, resource, status) from both evaluations
    def f(p):
        return sorted("|".join(str(x.get(k)) for k in ("check", "account", "region", "resource_type",
                                                      "resource_id", "reason", "status"))
                      for x in json.load(open(p))["findings"])
    a, b = f(sys.argv[2]), f(sys.argv[3])
    if a != b or not a:
        fail("findings differ (%d / %d): %s / %s" % (len(a), len(b), sorted(set(a) - set(b))[:3],
                                                    sorted(set(b) - set(a))[:3]))
    if not any(x.endswith("|fail") for x in a) or not any(x.endswith("|pass") for x in a):
        fail("the tenant gave no pass or no fail findings")
elif cmd == "same":  # same resources (ids and data) as the reference
    a, b = resources(sys.argv[2]), resources(sys.argv[3])
    if a != b:
        sa, sb = set(a), set(b)
        fail("differs: %d only here, %d only in the reference; e.g. %s / %s" % (
            len(sa - sb), len(sb - sa), sorted(sa - sb)[:1], sorted(sb - sa)[:1]))
elif cmd == "full":  # the demo tenant: every type there, every unit complete or not_enabled
    c = db(sys.argv[2])
    bad = list(c.execute("SELECT account, region, operation, state FROM coverage "
                         "WHERE state NOT IN ('complete','not_enabled','skipped')"))
    if bad:
        fail("not complete: %s" % bad[:5])
    types = {t for (t,) in c.execute("SELECT DISTINCT type FROM resources")}
    want = {"resourcemanager.Organization", "resourcemanager.Folder", "resourcemanager.Project",
            "resourcemanager.IamPolicy", "serviceusage.Service", "compute.Region",
            "compute.Network", "compute.Subnetwork", "compute.Firewall", "compute.Route",
            "compute.Instance", "compute.Disk", "storage.Bucket", "storage.BucketIamPolicy",
            "logging.Sink", "logging.LogBucket", "cloudkms.KeyRing", "cloudkms.CryptoKey",
            "iam.ServiceAccount", "iam.ServiceAccountKey", "orgpolicy.Policy",
            "backupdr.BackupPlan", "securitycenter.Source"}
    if want - types:
        fail("types missing: %s" % sorted(want - types))
    n = c.execute("SELECT count(*) FROM coverage WHERE account LIKE 'minato-%'").fetchone()[0]
    # 13 global operations and 6 regional ones in 2 regions, in each of the 2 projects, and
    # Security Command Center's sources skipped there (read on the organization)
    if n != 2 * (13 + 6 * 2 + 1):
        fail("%d project coverage rows, wanted 52" % n)
elif cmd == "missing":  # the job's missing list is exactly the expected one
    job = json.load(open(sys.argv[2]))["result"]
    got = sorted("%s %s %s %s" % (m["account"], m["region"], m["operation"], m["state"])
                 for m in job["missing"])
    want = sorted(json.loads(sys.argv[3]))
    if got != want:
        fail("missing list:\n got  %s\n want %s" % (got, want))
    if job["complete"]:
        fail("complete is true")
    for m in job["missing"]:
        if m["state"] == "denied" and "." not in m.get("grant", ""):
            fail("no permission to grant for %s" % m)
elif cmd == "sql":  # sql DB QUERY WANT
    got = db(sys.argv[2]).execute(sys.argv[3]).fetchone()[0]
    if str(got) != sys.argv[4]:
        fail("%s gave %s, wanted %s" % (sys.argv[3], got, sys.argv[4]))
EOF
chk() { check "$1" 0 $PY "$tmp/check.py" "${@:2}"; }

start_daemon
ORG=(--organization 538211890412)

# 1. Clean: the reference.
start_emu clean
collect clean "${ORG[@]}"
[ "$collect_rc" = 0 ] && ok || bad "clean: not complete (exit $collect_rc)"
ref=$db
chk clean-full full "$ref"
chk clean-tokens sql "$ref" "SELECT count(*) FROM calls WHERE status != 'ok'" 0

# 1b. Cloud Asset Inventory disabled (403 SERVICE_DISABLED): every service's API read instead,
# complete; the same resources (IAM policies: the same bindings and audit configs) and the same
# findings of every check as the Cloud Asset Inventory run; coverage says which path read what.
chk cai-used sql "$ref" "SELECT count(*) FROM coverage WHERE service='cloudasset' AND state='complete'" 2
chk cai-served sql "$ref" "SELECT count(*) FROM coverage WHERE account LIKE 'minato-%' AND reason LIKE 'read through Cloud Asset Inventory on organizations/538211890412'" 42
chk cai-no-fanout sql "$ref" "SELECT count(*) FROM calls WHERE service IN ('compute','storage','iam','cloudkms','logging','serviceusage') AND operation != 'regions.list'" 0
stop_emu
start_emu percai --cai-disabled
collect percai "${ORG[@]}"
[ "$collect_rc" = 0 ] && ok || bad "percai: not complete (exit $collect_rc)"
chk percai-full full "$db"
chk percai-same same "$db" "$ref"
chk percai-fallback sql "$db" "SELECT count(*) FROM coverage WHERE service='cloudasset' AND state='skipped' AND reason LIKE '%has not been used%'" 2
chk percai-direct sql "$db" "SELECT count(*) FROM coverage WHERE reason LIKE 'read through Cloud Asset%'" 0
"$ISMAPCTL" --json eval "$db" >"$tmp/percai.eval" && "$ISMAPCTL" --json eval "$ref" >"$tmp/ref.eval" && ok || bad "eval failed"
chk findings-same findings "$tmp/percai.eval" "$tmp/ref.eval"
stop_emu

# 2. Faults: the same resources, complete. The 429s say Retry-After: 0 (sent and read; the
# engine's honouring of a longer one is tests/unit/test_http_engine's): a second on each of the
# sequential one-asset pages' throttles is what made this run the test's longest.
start_emu faults --page-size 1 --throttle-rate 0.3 --error-rate 0.05 --drop-rate 0.05 --token-ttl 4 \
  --latency-ms 20 --jitter-ms 10 --retry-after 0
collect faults "${ORG[@]}"
[ "$collect_rc" = 0 ] && ok || { bad "faults: not complete (exit $collect_rc)"; head -c 2000 "$tmp/faults.job"; }
chk faults-same same "$db" "$ref"
$PY -c 'import json,sys; s=json.load(open(sys.argv[1]))["result"]["stats"]; sys.exit(0 if s["retries"] > 0 and s["throttled"] > 0 else 1)' \
  "$tmp/faults.job" && ok || bad "faults: no retries or throttling seen"
stop_emu

# 3. Denied reads and an unknown project: exactly those missing, with what to grant. Cloud Asset
# Inventory denied too (PERMISSION_DENIED): the per-service reads are the fallback.
start_emu denied --deny '*:compute.firewalls.list' --deny 'minato-lgwan-web:storage.buckets.list' \
  --deny '*:cloudasset.assets.listResource'
collect denied "${ORG[@]}"
[ "$collect_rc" = 3 ] && ok || bad "denied: exit $collect_rc, wanted 3"
chk denied-missing missing "$tmp/denied.job" '["minato-juki-prod global compute:firewalls.list denied",
  "minato-lgwan-web global compute:firewalls.list denied",
  "minato-lgwan-web global storage:buckets.list denied",
  "minato-lgwan-web global storage:buckets.getIamPolicy denied"]'
contains denied-grant "$tmp/denied.job" "compute.firewalls.list on projects/minato-juki-prod"
chk denied-cai sql "$db" "SELECT count(*) FROM coverage WHERE service='cloudasset' AND state='skipped' AND reason LIKE '%PERMISSION_DENIED%'" 1
stop_emu
start_emu unknown
collect unknown --project minato-juki-prod --project minato-gone-1234
[ "$collect_rc" = 3 ] && ok || bad "unknown project: exit $collect_rc, wanted 3"
$PY -c 'import json,sys; r=json.load(open(sys.argv[1]))["result"]; sys.exit(0 if r["stats"]["accounts_not_entered"] == 1 and all(m["account"] == "minato-gone-1234" for m in r["missing"]) and r["missing"] else 1)' \
  "$tmp/unknown.job" && ok || { bad "unknown project: not reported as not entered"; $PY -c 'import json,sys; r=json.load(open(sys.argv[1]))["result"]; print(r["stats"], [m["account"] + " " + m["operation"] for m in r["missing"]])' "$tmp/unknown.job"; }
stop_emu

# 4. Impersonation: the scanning identity reads the same; one it may not impersonate fails.
start_emu imp
collect imp "${ORG[@]}" --impersonate-service-account ismap-reader@minato-sec-tools.iam.gserviceaccount.com
chk imp-same same "$db" "$ref"
$PY -c 'import json,sys; r=json.load(open(sys.argv[1]))["result"]; sys.exit(0 if r["stats"]["principal"].startswith("ismap-reader@") else 1)' \
  "$tmp/imp.job" && ok || bad "imp: principal is not the impersonated account"
"$ISMAPCTL" --timeout 600 --json collect gcp --endpoint-url "http://127.0.0.1:$port" --wait "${ORG[@]}" \
  --impersonate-service-account other@minato-sec-tools.iam.gserviceaccount.com >"$tmp/imp2.job" 2>&1
contains imp-refused "$tmp/imp2.job" "generateAccessToken"
stop_emu

# 4b. Workload identity federation: an external_account file whose subject token comes from a
# file (then the STS exchange and the file's service_account_impersonation_url), or from a URL
# (json format, a header; the STS token used as is) reads the same; a subject the pool does not
# accept fails the collection at the token exchange.
AUD=//iam.googleapis.com/projects/415104041262/locations/global/workloadIdentityPools/minato/providers/oidc
start_emu wif --sts-audience "$AUD" --sts-subject eyJ.subject.token
printf 'eyJ.subject.token\n' >"$tmp/subject.txt"
$PY - "$tmp" "$port" "$AUD" <<'PY'
import json, sys
tmp, port, aud = sys.argv[1:4]
base = "http://127.0.0.1:%s" % port
common = {"type": "external_account", "audience": aud,
          "subject_token_type": "urn:ietf:params:oauth:token-type:jwt", "token_url": base + "/v1/token"}
json.dump(dict(common, credential_source={"file": tmp + "/subject.txt"},
               service_account_impersonation_url=base + "/v1/projects/-/serviceAccounts/"
               "ismap-reader@minato-sec-tools.iam.gserviceaccount.com:generateAccessToken"),
          open(tmp + "/wif-file.json", "w"))
json.dump(dict(common, credential_source={"url": base + "/emu/subject-token", "headers": {"Metadata": "true"},
                                          "format": {"type": "json", "subject_token_field_name": "id_token"}}),
          open(tmp + "/wif-url.json", "w"))
json.dump(dict(common, credential_source={"file": tmp + "/wrong.txt"}), open(tmp + "/wif-bad.json", "w"))
open(tmp + "/wrong.txt", "w").write("eyJ.another.token")
PY
collect wif-file "${ORG[@]}" --key-file "$tmp/wif-file.json"
chk wif-file-same same "$db" "$ref"
$PY -c 'import json,sys; r=json.load(open(sys.argv[1]))["result"]; sys.exit(0 if r["stats"]["principal"].startswith("ismap-reader@") else 1)' \
  "$tmp/wif-file.job" && ok || bad "wif-file: principal is not the impersonated account"
collect wif-url "${ORG[@]}" --key-file "$tmp/wif-url.json"
chk wif-url-same same "$db" "$ref"
"$ISMAPCTL" --timeout 600 --json collect gcp --endpoint-url "http://127.0.0.1:$port" --wait "${ORG[@]}" \
  --key-file "$tmp/wif-bad.json" >"$tmp/wif-bad.job" 2>&1
contains wif-refused "$tmp/wif-bad.job" "token exchange (STS)"
stop_emu

# 5. kill -9 of ismapd mid-collection; the restarted daemon resumes the job. The emulator answers
# the first 70 API calls of the collection (of 85 at pages of one item) and holds every
# later one unanswered, so the job is certainly still running when it is killed (at 4
# operations done), however fast or busy the machine; the resumed run reads from an emulator
# that holds nothing (the same tenant, on the same port), since what it proves is the resume.
wait_ops() { # wait_ops JOB N
  done_units=0
  for _ in $(seq 2400); do
    msg=$("$ISMAPCTL" --json jobs show "$1" | $PY -c 'import json,sys; print(json.load(sys.stdin).get("message") or "")')
    done_units=$(echo "$msg" | sed -n 's/.*operations \([0-9]*\)\/.*/\1/p')
    [ "${done_units:-0}" -ge "$2" ] && return 0
    sleep 0.05
  done
  return 1
}
start_emu killed --page-size 1 --cai-quota-per-min 0 --hold-after 70
"$ISMAPCTL" --json collect gcp --endpoint-url "http://127.0.0.1:$port" "${ORG[@]}" >"$tmp/kill.submit"
job=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["job"])' "$tmp/kill.submit")
wait_ops "$job" 4 && ok || bad "kill: the collection did not get going ($msg)"
kill -9 "$daemon_pid"; wait "$daemon_pid" 2>/dev/null; daemon_pid=""
stop_emu
start_emu resumed --page-size 1 --cai-quota-per-min 0
start_daemon
"$ISMAPCTL" --timeout 600 jobs wait "$job" >"$tmp/kill.wait" 2>&1 && ok || { bad "kill: resumed job did not succeed"; cat "$tmp/kill.wait"; }
"$ISMAPCTL" --json jobs show "$job" >"$tmp/kill.job"
snap=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["result"]["snapshot"])' "$tmp/kill.job")
db="$tmp/data/snapshots/$snap.db"
$PY -c 'import json,sys; r=json.load(open(sys.argv[1]))["result"]; sys.exit(0 if r["stats"]["resumed"] > 0 and r["complete"] else 1)' \
  "$tmp/kill.job" && ok || { bad "kill: nothing resumed or incomplete"; head -c 1500 "$tmp/kill.job"; }
chk kill-same same "$db" "$ref"
"$ISMAPCTL" snapshot verify "$snap" >/dev/null && ok || bad "kill: verify"
stop_emu

echo "collect_gcp: $passes passed, $fails failed"
[ "$fails" = 0 ]
