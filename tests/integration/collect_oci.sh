#!/usr/bin/env bash
# collect_oci.sh — the OCI collector end to end: ismapd and `ismapctl collect oci` against ociemu
# (tests/emulator/oci) with the みなと市 tenancy (two regions, a compartment tree). The daemon's
# credentials come from its own OCI config file (a key generated here and registered with the
# emulator). A clean run is the reference; then:
#   faults (pages of 1 item, 25% 429 TooManyRequests, 10% 5xx, 5% dropped connections, latency)
#   give the same resources and coverage;
#   denied reads (Cloud Guard targets, the audit configuration) give exactly those missing, with
#   NotAuthorizedOrNotFound and the policy statement to grant, and complete=false;
#   ismapd killed with SIGKILL mid-collection, restarted, resumes to the clean run's data;
#   --regions and --compartment narrow the scope (an unsubscribed region is refused); a key whose
#   fingerprint is not the config's is refused naming the reason.
set -u
. "$(dirname "$0")/../lib/shtest.sh"
: "${ISMAPD:?run through ctest}" "${ISMAPCTL:?run through ctest}"
OCIEMU=${OCIEMU:-${ISM_BUILD_DIR:-}/tests/ociemu}
[ -x "$OCIEMU" ] || { echo "collect_oci: ociemu not built: skipped"; exit 77; }
command -v openssl >/dev/null || { echo "collect_oci: no openssl: skipped"; exit 77; }

tmp=$(mktemp -d /tmp/ismtest-collect-oci-XXXXXX)
emu_pid="" daemon_pid=""
cleanup() {
  [ -n "$emu_pid" ] && kill "$emu_pid" 2>/dev/null
  [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
for v in $(env | grep -o '^OCI_CLI_[A-Z_]*'); do unset "$v"; done
export NO_PROXY=127.0.0.1,localhost,::1 no_proxy=127.0.0.1,localhost,::1
export ISMAP_SOCKET=$tmp/data/ismapd.sock
T=ocid1.tenancy.oc1..aaaaaaaaminatocity
U=ocid1.user.oc1..aaaaaaaacollector

# The collector's API key, passphrase-protected, in the daemon's OCI config.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -aes-256-cbc \
  -pass pass:collector-pass -out "$tmp/key.pem" 2>/dev/null
openssl rsa -in "$tmp/key.pem" -passin pass:collector-pass -pubout -out "$tmp/key.pub" 2>/dev/null
FP=$(openssl rsa -in "$tmp/key.pem" -passin pass:collector-pass -pubout -outform DER 2>/dev/null |
  openssl md5 -c | sed 's/.*= //')
cat >"$tmp/oci-config" <<CFG
[DEFAULT]
user = $U
tenancy = $T
fingerprint = $FP
key_file = $tmp/key.pem
pass_phrase = collector-pass
region = ap-tokyo-1

[WRONGKEY]
fingerprint = 00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff
CFG
export OCI_CLI_CONFIG_FILE=$tmp/oci-config

fails=0 passes=0
ok() { passes=$((passes + 1)); }
bad() { fails=$((fails + 1)); echo "FAIL $*"; }

start_emu() { # NAME ARGS... -> $port
  local name=$1
  shift
  rm -f "$tmp/$name.port"
  "$OCIEMU" --register-key "$U=$tmp/key.pub" --port-file "$tmp/$name.port" --seed 7 "$@" \
    >"$tmp/$name.emu.log" 2>&1 &
  emu_pid=$!
  wait_file "$tmp/$name.port" || { bad "ociemu $name did not start"; cat "$tmp/$name.emu.log"; }
  port=$(cat "$tmp/$name.port")
}
stop_emu() { kill "$emu_pid" 2>/dev/null; wait "$emu_pid" 2>/dev/null; emu_pid=""; }

echo '{"collect": {"endpoint_allow": ["127.0.0.1"]}}' >"$tmp/ismapd.json"
start_daemon() {
  "$ISMAPD" --config "$tmp/ismapd.json" --data-dir "$tmp/data" --log-file "$tmp/ismapd.log" --workers 2 &
  daemon_pid=$!
  wait_daemon "$daemon_pid" && return 0
  echo "ismapd did not start"; cat "$tmp/ismapd.log"; exit 1
}

# collect NAME [options]: a --wait collection; job JSON in $tmp/NAME.job, exit code in $collect_rc
# (0 complete, 3 sealed with something missing), the snapshot file in $db.
collect() {
  local name=$1
  shift
  "$ISMAPCTL" --timeout 600 --json collect oci --endpoint-url "http://127.0.0.1:$port" --wait "$@" \
    >"$tmp/$name.job" 2>"$tmp/$name.err"
  collect_rc=$?
  snap=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["result"]["snapshot"])' "$tmp/$name.job" 2>/dev/null)
  db="$tmp/data/snapshots/$snap.db"
  if { [ $collect_rc -ne 0 ] && [ $collect_rc -ne 3 ]; } || [ -z "$snap" ]; then
    bad "$name: collection failed (exit $collect_rc)"; cat "$tmp/$name.job" "$tmp/$name.err"; return 1
  fi
  ok
  "$ISMAPCTL" snapshot verify "$snap" >"$tmp/$name.verify" && ok || { bad "$name: verify"; cat "$tmp/$name.verify"; }
}

cat >"$tmp/check.py" <<'PY'
import json, re, sqlite3, sys
def db(p): return sqlite3.connect("file:%s?mode=ro" % p, uri=True)
def resources(c): return sorted("|".join(r) for r in c.execute("SELECT account, region, type, id FROM resources"))
def coverage(c): return {(a, r, o): s for a, r, o, s in c.execute("SELECT account, region, operation, state FROM coverage")}
cmd = sys.argv[1]
if cmd == "same":  # same resources (and data) and coverage as the reference
    a, b = db(sys.argv[2]), db(sys.argv[3])
    ra, rb = resources(a), resources(b)
    assert ra == rb, ("resources differ", sorted(set(ra) ^ set(rb))[:10])
    emu = lambda d: json.loads(re.sub(r"http://127\.0\.0\.1:[0-9]+", "http://EMU", d))
    da = dict(((t, i, r), d) for t, i, r, d in a.execute("SELECT type, id, region, data FROM resources"))
    db_ = dict(((t, i, r), d) for t, i, r, d in b.execute("SELECT type, id, region, data FROM resources"))
    diff = [k for k in da if emu(da[k]) != emu(db_[k])]
    assert not diff, ("data differs", diff[:5])
    ca, cb = coverage(a), coverage(b)
    assert ca == cb, ("coverage differs", set(ca.items()) ^ set(cb.items()))
    print(len(ra), "resources,", len(ca), "coverage rows")
elif cmd == "clean":  # every coverage row complete; the types the checks need are there
    c = db(sys.argv[2])
    bad = [k for k, s in coverage(c).items() if s != "complete"]
    assert not bad, bad
    types = {t for (t,) in c.execute("SELECT DISTINCT type FROM resources")}
    want = set(sys.argv[3].split(","))
    assert want <= types, ("missing types", want - types)
    regions = {r for (r,) in c.execute("SELECT DISTINCT region FROM resources")}
    assert regions == {"global", "ap-tokyo-1", "ap-osaka-1"}, regions
    acct = {a for (a,) in c.execute("SELECT DISTINCT account FROM resources")}
    assert acct == {"ocid1.tenancy.oc1..aaaaaaaaminatocity"}, acct
    print(len(resources(c)), "resources")
elif cmd == "missing":  # the job's missing list is exactly the given operations
    job = json.load(open(sys.argv[2]))["result"]
    got = sorted((m["region"], m["operation"], m["state"], m["error_code"]) for m in job["missing"])
    want = sorted(tuple(x.split("|")) for x in sys.argv[3].split(","))
    assert got == want, (got, want)
    assert job["complete"] is False
    for m in job["missing"]:
        assert m["grant"].startswith("Allow group "), m
    print(job["missing_total"], "missing:", got)
elif cmd == "subset":  # resources of b are those of a in the given regions
    a, b = db(sys.argv[2]), db(sys.argv[3])
    regions = set(sys.argv[4].split(","))
    ra = [r for r in resources(a) if r.split("|")[1] in regions]
    assert ra == resources(b), sorted(set(ra) ^ set(resources(b)))[:10]
    print(len(ra), "resources")
PY
check_py() { $PY "$tmp/check.py" "$@" >"$tmp/py.out" 2>&1 && ok || { bad "check $1 (line ${BASH_LINENO[0]})"; cat "$tmp/py.out"; }; }

TYPES=identity.Tenancy,identity.RegionSubscription,identity.Compartment,identity.User,identity.ApiKey,identity.Group,identity.Policy,identity.AuthenticationPolicy,audit.Configuration,cloudguard.Configuration,cloudguard.Target,objectstorage.Bucket,objectstorage.RetentionRule,objectstorage.ReplicationPolicy,kms.Vault,kms.Key,iaas.Vcn,iaas.Subnet,iaas.SecurityList,iaas.NetworkSecurityGroup,iaas.NsgSecurityRule,iaas.RouteTable,iaas.NatGateway,iaas.Instance,iaas.VnicAttachment,iaas.Vnic,iaas.Volume,iaas.BootVolume,logging.LogGroup,logging.Log,events.Rule,notification.Topic

start_daemon

# 1. clean
start_emu clean
collect clean
[ "$collect_rc" = 0 ] && ok || bad "clean: exit $collect_rc"
clean_db=$db
check_py clean "$clean_db" "$TYPES"
stop_emu

# 2. faults: same resources and coverage
start_emu faults --page-size 1 --throttle-rate 0.25 --error-rate 0.1 --drop-rate 0.05 --latency-ms 2 --jitter-ms 2
collect faults
[ "$collect_rc" = 0 ] && ok || { bad "faults: exit $collect_rc"; cat "$tmp/faults.job"; }
check_py same "$clean_db" "$db"
$PY -c 'import json,sys; s=json.load(open(sys.argv[1]))["result"]["stats"]; assert s["retries"]>0 and s["throttled"]>0, s' "$tmp/faults.job" && ok || bad "faults: no retries counted"
stop_emu

# 3. denied reads: exactly those missing
start_emu denied --deny "cloudguard /20200131/targets" --deny "audit /20190901/configuration"
collect denied
[ "$collect_rc" = 3 ] && ok || bad "denied: exit $collect_rc, wanted 3"
check_py missing "$tmp/denied.job" "global|cloudguard:ListTargets|denied|NotAuthorizedOrNotFound,global|audit:GetConfiguration|denied|NotAuthorizedOrNotFound"
stop_emu

# 4. scope: two regions asked, one given
start_emu scope
collect osaka --regions ap-osaka-1
[ "$collect_rc" = 0 ] && ok || bad "osaka: exit $collect_rc"
check_py subset "$clean_db" "$db" global,ap-osaka-1
collect subtree --compartment ocid1.compartment.oc1..aaaaaaaaprod
[ "$collect_rc" = 0 ] && ok || bad "subtree: exit $collect_rc"
$PY - "$db" <<'PYC' && ok || bad "subtree: resources outside the prod subtree"
import json, sqlite3, sys
c = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
want = {"ocid1.compartment.oc1..aaaaaaaaprod", "ocid1.compartment.oc1..aaaaaaaaprodnet"}
rows = [(t, json.loads(d).get("compartmentId")) for t, d in c.execute(
    "SELECT type, data FROM resources WHERE region <> 'global' AND type LIKE 'iaas.%'")]
assert rows and all(cid in want for t, cid in rows if cid is not None), rows
names = {i for (i,) in c.execute("SELECT id FROM resources WHERE type = 'objectstorage.Bucket'")}
assert names == {"juminhyo-backup", "dr-replica"}, names
PYC
"$ISMAPCTL" --json collect oci --endpoint-url "http://127.0.0.1:$port" --regions us-ashburn-1 --wait >"$tmp/unsub.out" 2>&1
grep -q "does not subscribe to region 'us-ashburn-1'" "$tmp/unsub.out" && ok || { bad "unsubscribed region not refused"; cat "$tmp/unsub.out"; }
stop_emu

# 5. a wrong key: refused, naming the fingerprint mismatch, before any call
"$ISMAPCTL" --json collect oci --profile WRONGKEY --endpoint-url "http://127.0.0.1:1" --wait >"$tmp/wrong.out" 2>&1
grep -q "is not the key's" "$tmp/wrong.out" && ok || { bad "wrong key not refused by name"; cat "$tmp/wrong.out"; }

# 6. kill -9 mid-collection, restart: the resumed job gives the clean data. The emulator answers
#    the first 80 calls of the collection (of 203 at pages of one item) and holds every
#    later one unanswered, so the job is certainly still running when it is killed, however fast
#    or busy the machine; the resumed run reads from a second emulator on the same port (the
#    job's endpoint) that holds nothing: what it proves is the resume.
start_emu slow --page-size 1 --hold-after 80
"$ISMAPCTL" --json collect oci --endpoint-url "http://127.0.0.1:$port" >"$tmp/kill.job" 2>&1
job=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["job"])' "$tmp/kill.job" 2>/dev/null ||
  $PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d.get("id") or d["job"]["id"])' "$tmp/kill.job")
kdb=$tmp/data/snapshots/snap_${job#job_}.db
some_written() { [ "$($PY -c 'import sqlite3,sys
try: print(sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True).execute("SELECT count(*) FROM coverage").fetchone()[0])
except Exception: print(0)' "$kdb")" -ge 10 ]; }
wait_for "a part of the collection to be committed" some_written || bad "nothing committed"
kill -9 "$daemon_pid"; wait "$daemon_pid" 2>/dev/null
stop_emu
start_emu resumed --port "$port" --page-size 1
start_daemon
"$ISMAPCTL" --timeout 600 jobs wait "$job" >"$tmp/kill.wait" 2>&1 && ok || { bad "kill: resumed job did not succeed"; cat "$tmp/kill.wait"; }
"$ISMAPCTL" --json jobs show "$job" >"$tmp/resumed.job"
snap=$($PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["result"]["snapshot"])' "$tmp/resumed.job" 2>/dev/null)
if [ -n "$snap" ]; then
  ok
  check_py same "$clean_db" "$tmp/data/snapshots/$snap.db"
  $PY -c 'import json,sys; s=json.load(open(sys.argv[1]))["result"]["stats"]; assert s.get("resumed",0)>0, s' "$tmp/resumed.job" && ok || { bad "resume: nothing resumed"; head -c 2000 "$tmp/resumed.job"; }
else
  bad "resumed job did not finish"; cat "$tmp/resumed.job" "$tmp/kill.job"
fi
stop_emu

echo "collect_oci: $passes passed, $fails failed"
[ "$fails" = 0 ]
