#!/usr/bin/env bash
# collect_aws.sh — the AWS collector end to end: ismapd and ismapctl against awsemu (the AWS
# emulator, tests/emulator) with its demo tenant, an organization of four accounts in two
# regions. A clean run is the reference; then the same collection under faults must give the
# same resources and say exactly what it lacks:
#   pages of 1 item everywhere (every paginated operation the tenant can page is paged); AccessDenied on some operations; 30% of calls throttled with 5%
#   5xx and dropped connections; truncated XML, invalid JSON and a proxy's HTML page; credentials
#   that expire every 3 s; ismapd killed with SIGKILL mid-collection, then restarted; a cancel.
set -u
. "$(dirname "$0")/../lib/shtest.sh"
: "${ISMAPD:?run through ctest}" "${ISMAPCTL:?run through ctest}"
AWSEMU=${AWSEMU:-${ISM_BUILD_DIR:-}/tests/awsemu}
if [ ! -x "$AWSEMU" ]; then echo "collect_aws: awsemu not built: skipped"; exit 77; fi

tmp=$(mktemp -d /tmp/ismtest-collect-XXXXXX)
emu_pid="" daemon_pid=""
cleanup() {
  [ -n "$emu_pid" ] && kill "$emu_pid" 2>/dev/null
  [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

# The demo tenant's collector user; the daemon reads these from its own environment.
export AWS_ACCESS_KEY_ID=AKIAMINATOCOLLECT001
export AWS_SECRET_ACCESS_KEY='mInAtOcOlLeCtOr/SeCrEtKeY+0123456789aBcD'
export AWS_SHARED_CREDENTIALS_FILE=$tmp/no-credentials AWS_CONFIG_FILE=$tmp/no-config
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_REGION AWS_DEFAULT_REGION
export NO_PROXY=127.0.0.1,localhost,::1 no_proxy=127.0.0.1,localhost,::1
export ISMAP_SOCKET=$tmp/data/ismapd.sock
ROLE=(--org --role-name ISMAPAssessReadOnly --external-id minato-ismap-2025)

# The scenarios come in two parts that ctest runs side by side (sh_collect_aws_faults and
# sh_collect_aws_restarts; tests/CMakeLists.txt reads the line below); each part makes its own
# clean reference. No argument runs both.
# ctest parts: faults restarts
part=${1:-all}
case $part in all | faults | restarts) ;; *) echo "usage: collect_aws.sh [faults|restarts]"; exit 2 ;; esac
in_part() { [ "$part" = all ] || [ "$part" = "$1" ]; }

fails=0 passes=0
ok() { passes=$((passes+1)); }
bad() { fails=$((fails+1)); echo "FAIL $*"; }

start_emu() { # start_emu NAME ARGS... → $port
  rm -f "$tmp/$1.port"
  local name=$1; shift
  "$AWSEMU" --port-file "$tmp/$name.port" --seed 7 "$@" >"$tmp/$name.emu.log" 2>&1 &
  emu_pid=$!
  wait_file "$tmp/$name.port" || bad "awsemu $name did not start"
  port=$(cat "$tmp/$name.port")
}
stop_emu() { kill "$emu_pid" 2>/dev/null; wait "$emu_pid" 2>/dev/null; emu_pid=""; }

# The emulator is on loopback; collections may be pointed there only because the config says so.
echo '{"collect": {"endpoint_allow": ["127.0.0.1"]}}' >"$tmp/ismapd.json"
start_daemon() {
  "$ISMAPD" --config "$tmp/ismapd.json" --data-dir "$tmp/data" --log-file "$tmp/ismapd.log" --workers 2 &
  daemon_pid=$!
  wait_daemon "$daemon_pid" && return 0
  echo "ismapd did not start"; cat "$tmp/ismapd.log"; exit 1
}

# collect NAME [ismapctl options...]: a --wait collection; its job JSON in $tmp/NAME.job, its
# exit code in $collect_rc: 0 when everything was collected, 3 when the snapshot was sealed with
# something missing (result.complete false), anything else a failure.
collect() {
  local name=$1; shift
  "$ISMAPCTL" --timeout 600 --json collect aws "${ROLE[@]}" \
    --endpoint-url "http://127.0.0.1:$port" --wait "$@" >"$tmp/$name.job" 2>"$tmp/$name.err"
  local rc=$?
  collect_rc=$rc
  snap=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["result"]["snapshot"])' \
    "$tmp/$name.job" 2>/dev/null)
  db="$tmp/data/snapshots/$snap.db"
  local complete
  complete=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["result"]["complete"])' \
    "$tmp/$name.job" 2>/dev/null)
  if { [ $rc -eq 0 ] && [ "$complete" != True ]; } || { [ $rc -eq 3 ] && [ "$complete" != False ]; }; then
    bad "$name: exit $rc does not match result.complete=$complete"
  fi
  if { [ $rc -ne 0 ] && [ $rc -ne 3 ]; } || [ -z "$snap" ]; then
    bad "$name: collection failed (exit $rc)"; cat "$tmp/$name.job" "$tmp/$name.err"; return 1
  fi
  ok
  "$ISMAPCTL" snapshot verify "$snap" >"$tmp/$name.verify" && ok || { bad "$name: verify"; cat "$tmp/$name.verify"; }
}

# The checks on a snapshot, in Python (stdlib sqlite3).
cat >"$tmp/check.py" <<'EOF'
import json, sqlite3, sys

def db(path):
    c = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    return c

def resources(c):
    return sorted("|".join(r) for r in c.execute(
        "SELECT account, region, type, id FROM resources"))

def coverage(c):
    return {(a, r, o): (s, why) for a, r, o, s, why in c.execute(
        "SELECT account, region, operation, state, reason FROM coverage")}

TYPES = ["sts.CallerIdentity", "organizations.Account", "organizations.Organization",
         "iam.AccountSummary",
         "iam.PasswordPolicy", "iam.User", "iam.CredentialReport", "iam.Role", "ec2.Region",
         "ec2.Vpc", "ec2.Subnet", "ec2.RouteTable", "ec2.InternetGateway", "ec2.NatGateway",
         "ec2.TransitGatewayAttachment", "ec2.SecurityGroup",
         "ec2.NetworkAcl", "ec2.FlowLog", "ec2.EbsEncryptionByDefault", "ec2.Volume",
         "ec2.Instance", "cloudtrail.Trail", "kms.Key", "s3.Bucket",
         "config.ConfigurationRecorder", "guardduty.Detector", "backup.BackupPlan",
         "logs.LogGroup"]
GLOBAL = ["GetCallerIdentity", "ListAccounts", "DescribeOrganization", "GetAccountSummary", "GetAccountPasswordPolicy",
          "GenerateCredentialReport", "ListUsers", "ListRoles", "ListMFADevices",
          "ListAttachedUserPolicies", "GetCredentialReport", "ListBuckets", "GetBucketLocation",
          "GetBucketEncryption", "GetPublicAccessBlock", "GetBucketVersioning",
          "GetObjectLockConfiguration", "GetBucketPolicyStatus", "DescribeRegions"]
REGIONAL = ["DescribeVpcs", "DescribeSubnets", "DescribeRouteTables", "DescribeInternetGateways",
            "DescribeNatGateways", "DescribeVpcPeeringConnections",
            "DescribeTransitGatewayAttachments", "DescribeSecurityGroups", "DescribeNetworkAcls",
            "DescribeFlowLogs", "GetEbsEncryptionByDefault", "DescribeVolumes",
            "DescribeInstances", "DescribeTrails", "GetTrailStatus", "GetEventSelectors",
            "ListKeys", "DescribeKey", "GetKeyRotationStatus", "DescribeConfigurationRecorders",
            "DescribeConfigurationRecorderStatus", "ListDetectors", "GetDetector",
            "ListBackupPlans", "GetBackupPlan", "DescribeLogGroups"]
ACCOUNTS = ["712345670001", "712345670002", "712345670003", "712345670004"]
REGIONS = ["ap-northeast-1", "ap-northeast-3"]
MGMT = ACCOUNTS[0]

def fail(msg):
    print("check: " + msg)
    sys.exit(1)

def full(path, tenant):
    """Everything collected: every (account, region, operation) complete, every type there,
    and counts that match the tenant."""
    c = db(path)
    cov = coverage(c)
    for a in ACCOUNTS:
        for o in GLOBAL:
            want = "skipped" if (o == "ListAccounts" and a != MGMT) else "complete"
            got, why = cov.get((a, "global", o), ("absent", None))
            if got != want: fail("%s global %s: %s (%s), wanted %s" % (a, o, got, why, want))
        if a != MGMT and cov.get((a, "global", "AssumeRole"), ("absent",))[0] != "complete":
            fail("%s: AssumeRole not complete" % a)
        for r in REGIONS:
            for o in REGIONAL:
                got, why = cov.get((a, r, o), ("absent", None))
                if got != "complete": fail("%s %s %s: %s (%s)" % (a, r, o, got, why))
    types = {t for (t,) in c.execute("SELECT DISTINCT type FROM resources")}
    missing = [t for t in TYPES if t not in types]
    if missing: fail("no resources of " + ", ".join(missing))
    for a in ACCOUNTS:  # every account, members too, knows its organization's management account
        m = c.execute("SELECT json_extract(data, '$.Organization.MasterAccountId') FROM resources "
                      "WHERE account=? AND type='organizations.Organization'", (a,)).fetchone()
        if not m or m[0] != MGMT: fail("%s: organizations.Organization names %s" % (a, m))
    t = json.load(open(tenant))
    for acct in t["accounts"]:
        users = len(acct.get("iam", {}).get("Users", []))
        n = c.execute("SELECT count(*) FROM resources WHERE account=? AND type='iam.User'",
                      (acct["Id"],)).fetchone()[0]
        if n != users: fail("%s: %d iam.User, the tenant has %d" % (acct["Id"], n, users))
        n = c.execute("SELECT count(*) FROM resources WHERE account=? AND type='ec2.Region'",
                      (acct["Id"],)).fetchone()[0]
        if n != len(acct["regions"]): fail("%s: %d regions" % (acct["Id"], n))
        for r in acct["regions"]:
            n = c.execute("SELECT count(*) FROM resources WHERE account=? AND region=? AND "
                          "type='ec2.EbsEncryptionByDefault' AND json_type(data,"
                          "'$.EbsEncryptionByDefault') IN ('true','false')",
                          (acct["Id"], r)).fetchone()[0]
            if n != 1: fail("%s %s: EbsEncryptionByDefault not a boolean" % (acct["Id"], r))
    # Typed fields the checks read.
    for sql in ["SELECT count(*) FROM resources WHERE type='cloudtrail.Trail' AND "
                "json_type(data,'$.Status.IsLogging') NOT IN ('true','false')",
                "SELECT count(*) FROM resources WHERE type='ec2.Vpc' AND "
                "json_type(data,'$.IsDefault') NOT IN ('true','false')",
                "SELECT count(*) FROM resources WHERE type='iam.AccountSummary' AND "
                "json_type(data,'$.SummaryMap.AccountMFAEnabled') <> 'integer'",
                "SELECT count(*) FROM resources WHERE type='s3.Bucket' AND region='global'"]:
        if c.execute(sql).fetchone()[0]: fail("typing: " + sql)
    # Every call is in the log; the principal and scope are in the manifest.
    calls = c.execute("SELECT count(*) FROM calls").fetchone()[0]
    units = c.execute("SELECT count(*) FROM coverage WHERE state='complete'").fetchone()[0]
    if calls < units // 2: fail("only %d calls for %d complete operations" % (calls, units))
    man = dict(c.execute("SELECT key, value FROM manifest"))
    if json.loads(man["principal"])["Account"] != MGMT: fail("principal")
    scope = json.loads(man["scope"])
    if sorted(scope["accounts"]) != ACCOUNTS or sorted(scope["regions"]) != REGIONS:
        fail("scope " + man["scope"])
    if man["state"] != "sealed": fail("not sealed")

def same(path, ref, *ignore):
    """The same resources as the reference run (except the types/ops given to ignore)."""
    a, b = resources(db(path)), resources(db(ref))
    a = [x for x in a if not any(i in x for i in ignore)]
    b = [x for x in b if not any(i in x for i in ignore)]
    if a != b:
        extra, lost = sorted(set(a) - set(b)), sorted(set(b) - set(a))
        fail("resources differ: %d extra %s, %d lost %s" % (len(extra), extra[:5], len(lost),
                                                             lost[:5]))

def state(path, account, region, op, want, reason=""):
    s = coverage(db(path)).get((account, region, op), ("absent", ""))
    if s[0] != want or reason not in (s[1] or ""):
        fail("%s %s %s: %s (%s), wanted %s with '%s'" % (account, region, op, s[0], s[1], want,
                                                        reason))

def only_bad(path, *allowed):
    """Nothing but the listed (account|region|op) is denied or failed."""
    for (a, r, o), (s, why) in coverage(db(path)).items():
        if s in ("denied", "failed", "not_enabled") and "%s|%s|%s" % (a, r, o) not in allowed:
            fail("unexpected %s for %s %s %s: %s" % (s, a, r, o, why))

def retries(path):
    c = db(path)
    n, att = c.execute("SELECT count(*), sum(attempts) FROM calls").fetchone()
    multi = c.execute("SELECT count(*) FROM calls WHERE attempts > 1").fetchone()[0]
    if att <= n or multi == 0: fail("no retries in the calls table (%d calls, %d attempts)" %
                                    (n, att))
    print("calls %d, attempts %d, calls retried %d" % (n, att, multi))

def job_missing(job, account, region, operation, state, code, grant=""):
    """The job result lists (account, region, operation) as missing with AWS's error code and,
    for denied ones, the IAM action to grant."""
    r = json.load(open(job))["result"]
    if r["complete"]: fail("job says complete")
    for m in r["missing"]:
        if (m["account"], m["region"], m["operation"]) == (account, region, operation):
            if m["state"] != state or m["error_code"] != code or (grant and grant not in m.get("grant", "")):
                fail("missing entry %s" % m)
            if not m["error"]: fail("no error message in %s" % m)
            return
    fail("%s %s %s not among the missing: %s" % (account, region, operation, r["missing"][:3]))

def job_counts(job, path):
    """The job's API calls and HTTP requests are the snapshot's (count and attempts of calls)."""
    st = json.load(open(job))["result"]["stats"]
    n, att = db(path).execute("SELECT count(*), sum(attempts) FROM calls").fetchone()
    if (st["api_calls"], st["http_requests"]) != (n, att):
        fail("job says %d API calls / %d HTTP requests, the snapshot %d / %d" %
             (st["api_calls"], st["http_requests"], n, att))
    if st["http_requests"] - st["api_calls"] != st["retries"] and st["resumed"] == 0:
        fail("retries %d != requests - calls" % st["retries"])

def paged(path, ref, ops_json):
    """With pages of one item, every paginated operation whose list has at least two items in
    some account and region (in the reference run) took more calls than with the collector's
    large pages: its paging path was exercised. Operations the tenant cannot page (fewer items,
    or per-resource lists) are named, not failed."""
    ops = [o for o in json.load(open(ops_json)) if o["paginated"]]
    if not ops: fail("no paginated operations listed")
    def n(p, svc, op):
        return db(p).execute("SELECT count(*) FROM calls WHERE service=? AND operation=?",
                             (svc, op)).fetchone()[0]
    unpaged, cannot = [], []
    for o in ops:
        most = 0
        # DescribeInstances pages reservations, not the instances the snapshot counts.
        if o["scope"] != "per-resource" and o.get("type") and o["operation"] != "DescribeInstances":
            most = db(ref).execute("SELECT coalesce(max(c),0) FROM (SELECT count(*) c FROM "
                                   "resources WHERE type=? GROUP BY account, region)",
                                   (o["type"],)).fetchone()[0]
        name = "%s:%s" % (o["service"], o["operation"])
        if most < 2:
            cannot.append(name)
        elif n(path, o["service"], o["operation"]) <= n(ref, o["service"], o["operation"]):
            unpaged.append(name)
    if unpaged: fail("not paged with 1 item a page: " + ", ".join(unpaged))
    print("%d paginated operations paged; not pageable with this tenant: %s" %
          (len(ops) - len(cannot), ", ".join(cannot) or "none"))

def count(path, sql, op, want):
    got, want = db(path).execute(sql).fetchone()[0], int(want)
    if not eval("%d %s %d" % (got, op, want)): fail("%s: %d, wanted %s %d" % (sql, got, op, want))

fn = globals()[sys.argv[1]]
fn(*sys.argv[2:])
EOF
check() { # check NAME FUNCTION ARGS...
  local name=$1; shift
  if $PY "$tmp/check.py" "$@" >"$tmp/check.out" 2>&1; then ok; else bad "$name: $(cat "$tmp/check.out")"; fi
}
TENANT=$(dirname "$0")/../emulator/tenants/govcloud-demo.json

start_daemon

# 1. The reference: a clean collection of the whole organization.
start_emu clean --report-delay-ms 300
collect clean && {
  ref=$db
  [ "$collect_rc" -eq 0 ] && ok || bad "clean: exit $collect_rc, wanted 0"
  check clean-counts job_counts "$tmp/clean.job" "$ref"
  check clean-full full "$ref" "$TENANT"
  "$ISMAPCTL" snapshot show "$snap" >"$tmp/show" 2>&1
  grep -q "nothing missing" "$tmp/show" && ok || { bad "clean: snapshot show lists something missing"; cat "$tmp/show"; }
  grep -q "AKIAMINATO\|SeCrEtKeY" "$tmp/ismapd.log" "$ref" "$tmp/data/ismap.db" && bad "a credential was written down" || ok
  "$ISMAPCTL" collect aws "${ROLE[@]}" --endpoint-url "http://127.0.0.1:$port" --wait >"$tmp/human" 2>&1 \
    && grep -q "sealed" "$tmp/human" && grep -q "principal:  arn:aws:iam::712345670001:user/system/ismap-collector" "$tmp/human" \
    && ok || { bad "human --wait output"; cat "$tmp/human"; }
}
stop_emu

# 2. Pages of one item: every list paged, the same resources.
if in_part faults; then
start_emu pages --page-size 1 --report-delay-ms 300
collect pages && {
  check pages-same same "$db" "$ref"; check pages-full full "$db" "$TENANT"
  "$ISMAPCTL" --json collect operations >"$tmp/ops.json"
  check pages-every-op paged "$db" "$ref" "$tmp/ops.json"
  cat "$tmp/check.out"
}
stop_emu
fi

# 3. AccessDenied on some operations: recorded as denied with the reason, the rest collected.
if in_part faults; then
start_emu denied --fault "ec2:DescribeFlowLogs@712345670002=access_denied" \
  --fault "kms:GetKeyRotationStatus@712345670003/ap-northeast-1=access_denied" \
  --fault "iam:GetCredentialReport@712345670004=access_denied" --report-delay-ms 300
collect denied && {
  [ "$collect_rc" -eq 3 ] && ok || bad "denied: exit $collect_rc, wanted 3 (incomplete)"
  check denied-job-flow job_missing "$tmp/denied.job" 712345670002 ap-northeast-1 ec2:DescribeFlowLogs denied UnauthorizedOperation ec2:DescribeFlowLogs
  check denied-job-report job_missing "$tmp/denied.job" 712345670004 global iam:GetCredentialReport denied AccessDenied iam:GetCredentialReport
  grep -q '"level":"warn","event":"collect.aws.missing"' "$tmp/ismapd.log" && ok || bad "denied: no warn-level log of what is missing"
  check denied-flow state "$db" 712345670002 ap-northeast-1 DescribeFlowLogs denied UnauthorizedOperation
  check denied-flow3 state "$db" 712345670002 ap-northeast-3 DescribeFlowLogs denied UnauthorizedOperation
  check denied-kms state "$db" 712345670003 ap-northeast-1 GetKeyRotationStatus denied "resources"
  check denied-report state "$db" 712345670004 global GetCredentialReport denied AccessDenied
  check denied-only only_bad "$db" "712345670002|ap-northeast-1|DescribeFlowLogs" \
    "712345670002|ap-northeast-3|DescribeFlowLogs" \
    "712345670003|ap-northeast-1|GetKeyRotationStatus" "712345670004|global|GetCredentialReport"
  check denied-rest same "$db" "$ref" "712345670002|ap-northeast-1|ec2.FlowLog" \
    "712345670002|ap-northeast-3|ec2.FlowLog" "712345670004|global|iam.CredentialReport"
  check denied-calls count "$db" "SELECT count(*) FROM calls WHERE status='denied'" ">=" 3
  "$ISMAPCTL" snapshot show "$snap" >"$tmp/show" 2>&1
  grep -q "missing (4 operations not collected)" "$tmp/show" && ok || { bad "denied: show"; cat "$tmp/show"; }
}
stop_emu
fi

# 3b. A wrong role name: three member accounts cannot be entered. The job must not look
#     complete: exit 3, "not entered" in the progress and the summary, each account listed with
#     AWS's error and the sts:AssumeRole to grant.
if in_part faults; then
start_emu wrongrole --report-delay-ms 300
"$ISMAPCTL" --timeout 600 collect aws --org --role-name NoSuchRole --external-id minato-ismap-2025 \
  --endpoint-url "http://127.0.0.1:$port" --wait >"$tmp/wrongrole.out" 2>&1
rc=$?
[ $rc -eq 3 ] && ok || { bad "wrong role: exit $rc, wanted 3"; cat "$tmp/wrongrole.out"; }
grep -q "accounts 4/4" "$tmp/wrongrole.out" && { bad "wrong role: says accounts 4/4"; cat "$tmp/wrongrole.out"; } || ok
grep -q "3 could not be entered" "$tmp/wrongrole.out" && grep -q "complete:   NO" "$tmp/wrongrole.out" \
  && grep -q "grant: sts:AssumeRole on arn:aws:iam::712345670002:role/NoSuchRole" "$tmp/wrongrole.out" \
  && ok || { bad "wrong role: summary"; cat "$tmp/wrongrole.out"; }
stop_emu
fi

# 4. 30% of calls throttled, 5% 5xx, 2% dropped connections: everything still collected, with
#    retries in the calls table.
if in_part faults; then
start_emu flaky --fault "*=throttle:0.3" --error-rate 0.05 --drop-rate 0.02 --report-delay-ms 300
collect flaky && {
  [ "$collect_rc" -eq 0 ] && ok || bad "flaky: exit $collect_rc: a call was lost"
  check flaky-same same "$db" "$ref"
  check flaky-full full "$db" "$TENANT"
  check flaky-retries retries "$db"
  t=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["result"]["stats"]["throttled"])' "$tmp/flaky.job")
  [ "${t:-0}" -gt 0 ] && ok || bad "flaky: no throttled calls counted"
}
stop_emu
fi

# 4b. Buckets slower than AWS's published ones (IAM 5 + 2/s, EC2 10 + 5/s per account): the
#     collector is throttled for real and must slow down, never losing a call; every attempt
#     took a token (counted, not timed) and the safety bound was never reached.
if in_part faults; then
start_emu slowbuckets --bucket iam=5/2 --bucket ec2=10/5 --report-delay-ms 300
collect slowbuckets && {
  [ "$collect_rc" -eq 0 ] && ok || { bad "slow buckets: exit $collect_rc: a call was lost"; cat "$tmp/slowbuckets.job"; }
  check slowbuckets-full full "$db" "$TENANT"
  $PY -c 'import json,sys
s = json.load(open(sys.argv[1]))["result"]["stats"]
assert s["throttled"] > 0, "never throttled: %s" % s
assert s["tokens"] == s["attempts"], "tokens %d != attempts %d" % (s["tokens"], s["attempts"])
assert s["throttle_limit_hits"] == 0, s' "$tmp/slowbuckets.job" && ok || bad "slow buckets: stats"
}
stop_emu
fi

# 5. Truncated XML, invalid JSON, an HTML page from a proxy: failed with a clear reason.
if in_part restarts; then
start_emu broken --fault "ec2:DescribeVolumes@712345670003/ap-northeast-1=truncated" \
  --fault "kms:ListKeys@712345670002/ap-northeast-3=invalid_json" \
  --fault "iam:ListRoles@712345670004=html_proxy" --report-delay-ms 300
collect broken && {
  check broken-xml state "$db" 712345670003 ap-northeast-1 DescribeVolumes failed "unparseable response"
  check broken-json state "$db" 712345670002 ap-northeast-3 ListKeys failed "not valid JSON"
  check broken-html state "$db" 712345670004 global ListRoles failed "HTTP 502"
  check broken-html-body state "$db" 712345670004 global ListRoles failed "html"
  check broken-child state "$db" 712345670002 ap-northeast-3 DescribeKey failed "needs ListKeys"
  check broken-only only_bad "$db" "712345670003|ap-northeast-1|DescribeVolumes" \
    "712345670002|ap-northeast-3|ListKeys" "712345670002|ap-northeast-3|DescribeKey" \
    "712345670002|ap-northeast-3|GetKeyRotationStatus" "712345670004|global|ListRoles"
  check broken-rest same "$db" "$ref" "712345670003|ap-northeast-1|ec2.Volume" \
    "712345670002|ap-northeast-3|kms.Key" "712345670004|global|iam.Role"
}
stop_emu
fi

# 6. Credentials that expire every 3 seconds; the credential report takes 6 s, so every account
#    is still being polled after its first credentials expired.
if in_part restarts; then
start_emu expiring --creds-ttl 3 --latency-ms 150 --jitter-ms 50 --report-delay-ms 6000
collect expiring && {
  check expiring-same same "$db" "$ref"
  check expiring-full full "$db" "$TENANT"
  check expiring-reassumed count "$db" "SELECT count(*) FROM calls WHERE operation='AssumeRole' AND status='ok'" ">" 3
}
stop_emu
fi

# wait_ops JOB N: waits (a condition, with a generous bound) until the job's progress says at
# least N operations are done; $done_units and $msg say where it got to.
wait_ops() {
  done_units=0
  for _ in $(seq 1200); do
    msg=$("$ISMAPCTL" --json jobs show "$1" | $PY -c 'import json,sys; print(json.load(sys.stdin).get("message") or "")')
    done_units=$(echo "$msg" | sed -n 's/.*operations \([0-9]*\)\/.*/\1/p')
    [ "${done_units:-0}" -ge "$2" ] && return 0
    sleep 0.05
  done
  return 1
}

# 7. SIGKILL of ismapd in the middle of a collection; the restarted daemon resumes the job. The
#    credential report never becomes ready while the first emulator runs, so the collection is
#    certainly still running when it is killed (at 60 operations), however fast or busy the
#    machine. The resumed run reads from a second emulator on the same port (the job's
#    endpoint) whose report is ready in 300 ms and that adds no latency: what it proves is the
#    resume — the report generated again and every unit not yet done read — not the waiting.
if in_part restarts; then
start_emu killed --latency-ms 250 --jitter-ms 50 --report-delay-ms 600000
"$ISMAPCTL" --json collect aws "${ROLE[@]}" --endpoint-url "http://127.0.0.1:$port" >"$tmp/kill.submit"
job=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["job"])' "$tmp/kill.submit")
wait_ops "$job" 60
kill -9 "$daemon_pid"; wait "$daemon_pid" 2>/dev/null; daemon_pid=""
[ "${done_units:-0}" -ge 60 ] && ok || bad "kill: the collection did not get going ($msg)"
stop_emu
start_emu resumed --port "$port" --report-delay-ms 300
start_daemon
"$ISMAPCTL" --timeout 600 jobs wait "$job" >"$tmp/kill.wait" 2>&1 && ok || { bad "kill: resumed job did not succeed"; cat "$tmp/kill.wait"; tail -20 "$tmp/ismapd.log"; }
"$ISMAPCTL" --json jobs show "$job" >"$tmp/kill.job"
snap=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["result"]["snapshot"])' "$tmp/kill.job")
db="$tmp/data/snapshots/$snap.db"
resumed=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["result"]["stats"]["resumed"])' "$tmp/kill.job")
[ "${resumed:-0}" -gt 0 ] && ok || bad "kill: nothing was resumed ($resumed)"
check kill-same same "$db" "$ref"
check kill-full full "$db" "$TENANT"
check kill-unique count "$db" "SELECT count(*) - (SELECT count(*) FROM (SELECT DISTINCT account, region, type, id FROM resources)) FROM resources" "==" 0
"$ISMAPCTL" snapshot verify "$snap" >/dev/null && ok || bad "kill: verify"
stop_emu
fi

# 7b. Killed in its first milliseconds: the daemon dies right after accepting the job, and the
#     snapshot file is left empty (as a kill between creating the file and writing its schema
#     leaves it). The resumed job must make the file again and succeed — no io_error, no empty
#     snapshot.
if in_part restarts; then
start_emu firstms --report-delay-ms 300
"$ISMAPCTL" --json collect aws "${ROLE[@]}" --endpoint-url "http://127.0.0.1:$port" >"$tmp/firstms.submit"
kill -9 "$daemon_pid"; wait "$daemon_pid" 2>/dev/null; daemon_pid=""
job=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["job"])' "$tmp/firstms.submit")
fsnap=snap_${job#job_}
rm -f "$tmp/data/snapshots/$fsnap.db-wal" "$tmp/data/snapshots/$fsnap.db-shm"
: >"$tmp/data/snapshots/$fsnap.db"
start_daemon
"$ISMAPCTL" --timeout 600 jobs wait "$job" >"$tmp/firstms.wait" 2>&1 && ok || { bad "first ms: resumed job did not succeed"; cat "$tmp/firstms.wait"; }
[ -s "$tmp/data/snapshots/$fsnap.db" ] && "$ISMAPCTL" snapshot verify "$fsnap" >/dev/null && ok || bad "first ms: snapshot empty or not verified"
check firstms-full full "$tmp/data/snapshots/$fsnap.db" "$TENANT"
stop_emu
fi

# 8. A cancelled collection ends cancelled; its snapshot is marked failed, not left collecting.
#    The credential report never becomes ready within the test, so the job is still running
#    (polling) when it is cancelled, once it has done some work.
if in_part restarts; then
start_emu cancelled --latency-ms 100 --report-delay-ms 600000
"$ISMAPCTL" --json collect aws "${ROLE[@]}" --endpoint-url "http://127.0.0.1:$port" >"$tmp/cancel.submit"
job=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["job"])' "$tmp/cancel.submit")
wait_ops "$job" 20 || bad "cancel: the collection did not get going ($msg)"
"$ISMAPCTL" jobs cancel "$job" >/dev/null
"$ISMAPCTL" --timeout 120 jobs wait "$job" >"$tmp/cancel.wait" 2>&1
grep -q "cancelled" "$tmp/cancel.wait" && ok || { bad "cancel: job state"; cat "$tmp/cancel.wait"; }
csnap=snap_${job#job_}
"$ISMAPCTL" --json snapshot show "$csnap" >"$tmp/cancel.show" 2>&1
$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["state"]=="failed" and d["reason"]=="cancelled", d' \
  "$tmp/cancel.show" && ok || { bad "cancel: snapshot state"; cat "$tmp/cancel.show"; }
stop_emu
fi

# 9. Usage errors are refused before a job is queued.
if in_part restarts; then
"$ISMAPCTL" collect aws --org >"$tmp/out" 2>&1; [ $? -eq 1 ] && grep -q "role_name" "$tmp/out" && ok || { bad "org without role"; cat "$tmp/out"; }
"$ISMAPCTL" collect aws --endpoint-url http://203.0.113.1:80 >"$tmp/out" 2>&1; [ $? -eq 1 ] && grep -q "loopback" "$tmp/out" && ok || { bad "http to a remote host"; cat "$tmp/out"; }
"$ISMAPCTL" collect aws --endpoint-url https://collector.attacker.example >"$tmp/out" 2>&1; [ $? -eq 1 ] && grep -q "collect.endpoint_allow" "$tmp/out" && ok || { bad "endpoint not in the allow-list"; cat "$tmp/out"; }
"$ISMAPCTL" collect aws --services ec2,lambda >"$tmp/out" 2>&1; [ $? -eq 1 ] && grep -q "unknown service 'lambda'" "$tmp/out" && ok || { bad "unknown service"; cat "$tmp/out"; }
"$ISMAPCTL" collect aws --profile nosuch >"$tmp/out" 2>&1; [ $? -eq 1 ] && grep -q "nosuch" "$tmp/out" && ok || { bad "unknown profile"; cat "$tmp/out"; }
"$ISMAPCTL" collect operations >"$tmp/out" 2>&1 && grep -q "ec2:DescribeVpcs" "$tmp/out" && ok || { bad "collect operations"; cat "$tmp/out"; }
fi

echo "collect_aws ($part): $passes passed, $fails failed"
[ "$fails" -eq 0 ]
