#!/usr/bin/env bash
# emulator_awscli.sh — proves awsemu speaks AWS's real wire formats: Debian's aws CLI (a real
# AWS client, botocore parsers) calls every emulated operation against the bundled demo tenant,
# with --page-size 2 so every paginated listing needs several pages (the CLI follows the tokens;
# the full count must come back), AssumeRole into every account with its ExternalId, calls with
# the temporary credentials, expired / invalid session tokens, a bad secret, unknown operations
# and the credential report round trip. Skips (77) only when no aws CLI is installed.
# The CLI's start-up (~1 s of Python each) is this test's cost: independent checks run
# ISM_AWSCLI_JOBS (default 4) at a time in the background, each with the credentials of the
# moment it was queued; their results print in order at the next `section` or `flush`. Checks
# whose outcome depends on what came before (the credential report's states, expiry, stats)
# flush first and run in the foreground.
set -euo pipefail
. "$(dirname "$0")/../lib/shtest.sh"

AWS_BIN=${AWS_CLI:-/usr/bin/aws}
[ -x "$AWS_BIN" ] || AWS_BIN=$(command -v aws || true)
if [ -z "$AWS_BIN" ]; then
  echo "emulator_awscli: aws CLI not installed: skipped"
  exit 77
fi
SRC=${ISM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
EMU=${AWSEMU:-${ISM_BUILD_DIR:-$SRC/build}/tests/awsemu}
TENANT=$SRC/tests/emulator/tenants/govcloud-demo.json
[ -x "$EMU" ] || { echo "emulator_awscli: awsemu not built ($EMU)"; exit 1; }

M=712345670001 MN=712345670002 LG=712345670003 OP=712345670004
R1=ap-northeast-1 R3=ap-northeast-3
EXT=minato-ismap-2025

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# Nothing of the machine's AWS setup may leak in.
for v in $(env | sed -n 's/^\(AWS_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
export HOME=$work/home AWS_CONFIG_FILE=$work/home/config AWS_SHARED_CREDENTIALS_FILE=$work/home/creds
export AWS_EC2_METADATA_DISABLED=true AWS_MAX_ATTEMPTS=3
mkdir -p "$HOME"
: > "$AWS_CONFIG_FILE"

failures=0
pass() { echo "ok   $*"; }
fail() { echo "FAIL $*"; failures=$((failures + 1)); }

# start_emu NAME FLAGS... — starts awsemu, sets PORT_<NAME>.
start_emu() {
  local name=$1
  shift
  "$EMU" --tenant "$TENANT" --port-file "$work/$name.port" "$@" >"$work/$name.out" 2>"$work/$name.err" &
  pids+=($!)
  wait_file "$work/$name.port" || { cat "$work/$name.err"; echo "awsemu $name did not start"; exit 1; }
  grep -q "listening on http://127.0.0.1:" "$work/$name.out" || { echo "no listening line"; exit 1; }
  printf -v "PORT_$name" '%s' "$(cat "$work/$name.port")"
}

# Credentials: the collector's long-term key from the tenant, or a set from AssumeRole.
use_collector() {
  export AWS_ACCESS_KEY_ID=AKIAMINATOCOLLECT001
  export AWS_SECRET_ACCESS_KEY='mInAtOcOlLeCtOr/SeCrEtKeY+0123456789aBcD'
  unset AWS_SESSION_TOKEN
}

# aws PORT REGION args... (JSON on stdout, errors on stderr)
aws_at() {
  local port=$1 region=$2
  shift 2
  "$AWS_BIN" --endpoint-url "http://127.0.0.1:$port" --region "$region" --no-cli-pager \
    --output json "$@"
}

# stats PORT — the emulator's counters (no curl needed)
stats() {
  "$PY" -c 'import sys, urllib.request as u
sys.stdout.write(u.urlopen("http://127.0.0.1:%s/__emulator/stats" % sys.argv[1], timeout=10).read().decode())' "$1"
}
jq_py() { "$PY" -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# tenant_count ACCOUNT EXPR — evaluates a Python expression over the account object `a`.
tenant_count() {
  "$PY" - "$TENANT" "$1" "$2" <<'PYEOF'
import json, sys
t = json.load(open(sys.argv[1]))
a = next(x for x in t["accounts"] if x["Id"] == sys.argv[2])
def L(region, svc, key):
    return a.get("resources", {}).get(region, {}).get(svc, {}).get(key, [])
print(eval(sys.argv[3]))
PYEOF
}

# _expect_count LABEL EXPECTED PORT REGION QUERY args... (in the foreground)
_expect_count() {
  local label=$1 want=$2 port=$3 region=$4 query=$5
  shift 5
  local got err=$work/err.$BASHPID
  got=$(aws_at "$port" "$region" "$@" --query "$query" 2>"$err" || echo "ERROR: $(tail -1 "$err")")
  if [ "$got" = "$want" ]; then pass "$label = $want"; else fail "$label: want $want, got $got"; fi
}

# _expect_error LABEL CODE PORT REGION args... (in the foreground)
_expect_error() {
  local label=$1 code=$2 port=$3 region=$4
  shift 4
  local out=$work/out.$BASHPID err=$work/err.$BASHPID
  if aws_at "$port" "$region" "$@" >"$out" 2>"$err"; then
    fail "$label: expected $code, the call succeeded"
  elif grep -q "($code)" "$err"; then
    pass "$label -> $code"
  else
    fail "$label: expected $code, got: $(tail -1 "$err")"
  fi
}

# The same, queued: at most $jobs_max checks run at once, each in a subshell writing its
# ok/FAIL line to $work/r.N and then $work/r.N.done; flush waits for all of them and prints (and
# counts) their lines in order.
jobs_max=${ISM_AWSCLI_JOBS:-4}
queued=0 printed=0 running=()
reap() { # keeps in $running the checks not done yet
  local n left=()
  for n in "${running[@]}"; do [ -e "$work/r.$n.done" ] || left+=("$n"); done
  running=("${left[@]}")
}
bg_check() {
  reap
  while [ ${#running[@]} -ge "$jobs_max" ]; do
    sleep 0.05 # the poll interval
    reap
  done
  queued=$((queued + 1))
  local n=$queued
  ("$@" >"$work/r.$n" 2>&1 || true; : >"$work/r.$n.done") &
  running+=("$n")
}
flush() {
  reap
  while [ ${#running[@]} -gt 0 ]; do
    sleep 0.05 # the poll interval
    reap
  done
  while [ $printed -lt $queued ]; do
    printed=$((printed + 1))
    cat "$work/r.$printed"
    failures=$((failures + $(grep -c '^FAIL' "$work/r.$printed" || true)))
  done
}
section() { flush; echo "$*"; }
expect_count() { bg_check _expect_count "$@"; }
expect_error() { bg_check _expect_error "$@"; }

# assume ACCOUNT [EXTERNAL_ID] — exports the role's temporary credentials.
assume() {
  use_collector
  aws_at "$PORT_main" "$R1" sts assume-role --role-arn "arn:aws:iam::$1:role/ISMAPAssessReadOnly" \
    --role-session-name ismap-test --external-id "${2:-$EXT}" >"$work/creds.json"
  export AWS_ACCESS_KEY_ID=$(jq_py 'd["Credentials"]["AccessKeyId"]' <"$work/creds.json")
  export AWS_SECRET_ACCESS_KEY=$(jq_py 'd["Credentials"]["SecretAccessKey"]' <"$work/creds.json")
  export AWS_SESSION_TOKEN=$(jq_py 'd["Credentials"]["SessionToken"]' <"$work/creds.json")
}

# This part checks the AWS CLI against the emulator's answers, not throttling: IAM gets a
# bucket above AWS's 20 + 10/s so the CLI's own (unpaced) paging is not throttled. The credential
# report takes 30 s, so the next call certainly sees it in progress however busy the machine;
# the checks in between run meanwhile and its completion is awaited near the end.
start_emu main --page-size 2 --report-delay-ms 30000 --bucket iam=200/100
P=$PORT_main

section "== identity, organization, IAM (management account, page size 2)"
use_collector
expect_count "sts:GetCallerIdentity Arn" "\"arn:aws:iam::$M:user/system/ismap-collector\"" "$P" "$R1" Arn sts get-caller-identity
expect_count "organizations:ListAccounts (paginated)" 4 "$P" "$R1" 'length(Accounts)' organizations list-accounts
expect_count "iam:ListUsers (paginated)" "$(tenant_count $M 'len(a["iam"]["Users"])')" "$P" "$R1" 'length(Users)' iam list-users
expect_count "iam:ListRoles" "$(tenant_count $M 'len(a["iam"]["Roles"])')" "$P" "$R1" 'length(Roles)' iam list-roles
expect_count "iam:ListRoles trust policy decoded" '"minato-ismap-2025"' "$P" "$R1" \
  "Roles[?RoleName=='ISMAPAssessReadOnly'].AssumeRolePolicyDocument.Statement[0].Condition.StringEquals.\"sts:ExternalId\" | [0]" iam list-roles
expect_count "iam:GetAccountSummary AccountMFAEnabled" 1 "$P" "$R1" SummaryMap.AccountMFAEnabled iam get-account-summary
expect_count "iam:GetAccountPasswordPolicy" 14 "$P" "$R1" PasswordPolicy.MinimumPasswordLength iam get-account-password-policy
expect_count "iam:ListMFADevices" '"arn:aws:iam::712345670001:mfa/admin.suzuki"' "$P" "$R1" 'MFADevices[0].SerialNumber' iam list-mfa-devices --user-name admin.suzuki
expect_count "iam:ListAttachedUserPolicies" 2 "$P" "$R1" 'length(AttachedPolicies)' iam list-attached-user-policies --user-name ismap-collector
expect_error "iam:ListMFADevices unknown user" NoSuchEntity "$P" "$R1" iam list-mfa-devices --user-name nobody
expect_count "s3:ListBuckets" 2 "$P" "$R1" 'length(Buckets)' s3api list-buckets
expect_count "s3:GetBucketLocation us-east-1 (empty)" null "$P" "$R1" LocationConstraint s3api get-bucket-location --bucket minato-gcas-tmp-export-us
expect_error "s3:GetBucketPolicyStatus none" NoSuchBucketPolicy "$P" "$R1" s3api get-bucket-policy-status --bucket minato-gcas-tmp-export-us
expect_count "s3:GetObjectLockConfiguration" '"COMPLIANCE"' "$P" "$R1" ObjectLockConfiguration.Rule.DefaultRetention.Mode s3api get-object-lock-configuration --bucket minato-org-cloudtrail-logs-$M
expect_error "s3 bucket of another account" AccessDenied "$P" "$R1" s3api get-bucket-versioning --bucket minato-citizen-portal-assets
expect_error "s3 unknown bucket" NoSuchBucket "$P" "$R1" s3api get-bucket-versioning --bucket no-such-bucket-here

section "== credential report (asynchronous): started"
_expect_error "iam:GetCredentialReport before any" ReportNotPresent "$P" "$R1" iam get-credential-report
_expect_count "iam:GenerateCredentialReport" '"STARTED"' "$P" "$R1" State iam generate-credential-report
_expect_error "iam:GetCredentialReport while generating" ReportInProgress "$P" "$R1" iam get-credential-report
section "== AssumeRole"
expect_error "AssumeRole without ExternalId" AccessDenied "$P" "$R1" sts assume-role \
  --role-arn "arn:aws:iam::$LG:role/ISMAPAssessReadOnly" --role-session-name ismap-test
expect_error "AssumeRole wrong ExternalId" AccessDenied "$P" "$R1" sts assume-role \
  --role-arn "arn:aws:iam::$LG:role/ISMAPAssessReadOnly" --role-session-name ismap-test --external-id nope
expect_error "AssumeRole unknown role" AccessDenied "$P" "$R1" sts assume-role \
  --role-arn "arn:aws:iam::$LG:role/NoSuchRole" --role-session-name ismap-test --external-id "$EXT"
for acct in $M $MN $LG $OP; do
  assume "$acct"
  expect_count "GetCallerIdentity as the role in $acct" "\"arn:aws:sts::$acct:assumed-role/ISMAPAssessReadOnly/ismap-test\"" "$P" "$R1" Arn sts get-caller-identity
done
assume $MN
expect_error "organizations:ListAccounts from a member" AccessDeniedException "$P" "$R1" organizations list-accounts
expect_count "organizations:DescribeOrganization from a member" "\"$M\"" "$P" "$R1" Organization.MasterAccountId organizations describe-organization

section "== EC2 (every Describe*, page size 2)"
for acct in $MN $LG $OP; do
  assume "$acct"
  for op in Vpcs:describe-vpcs Subnets:describe-subnets RouteTables:describe-route-tables \
    InternetGateways:describe-internet-gateways NatGateways:describe-nat-gateways \
    VpcPeeringConnections:describe-vpc-peering-connections \
    TransitGatewayAttachments:describe-transit-gateway-attachments \
    SecurityGroups:describe-security-groups NetworkAcls:describe-network-acls \
    FlowLogs:describe-flow-logs Volumes:describe-volumes Reservations:describe-instances; do
    key=${op%%:*} cmd=${op#*:}
    want=$(tenant_count "$acct" "len(L('$R1', 'ec2', '$key'))")
    expect_count "$acct ec2:$cmd" "$want" "$P" "$R1" "length($key)" ec2 "$cmd"
  done
done
assume $LG
expect_count "ec2:DescribeRegions" 2 "$P" "$R1" 'length(Regions)' ec2 describe-regions
expect_count "ec2:GetEbsEncryptionByDefault ap-northeast-1" true "$P" "$R1" EbsEncryptionByDefault ec2 get-ebs-encryption-by-default
expect_count "ec2:GetEbsEncryptionByDefault ap-northeast-3 (off)" false "$P" "$R3" EbsEncryptionByDefault ec2 get-ebs-encryption-by-default
expect_count "ec2 default VPC in ap-northeast-3" true "$P" "$R3" 'Vpcs[0].IsDefault' ec2 describe-vpcs
expect_count "ec2 SG open to 0.0.0.0/0 on 3389" '"0.0.0.0/0"' "$P" "$R1" \
  "SecurityGroups[?GroupName=='lgwan-rdp-sg'].IpPermissions[0].IpRanges[0].CidrIp | [0]" ec2 describe-security-groups
expect_count "ec2 Japanese Name tag" '"LGWAN接続系VPC"' "$P" "$R1" "Vpcs[0].Tags[?Key=='Name'].Value | [0]" ec2 describe-vpcs
expect_count "ec2 filter vpc-id" 2 "$P" "$R1" 'length(Subnets)' ec2 describe-subnets \
  --filters "Name=tag:ismap:domain,Values=lgwan" "Name=availability-zone,Values=ap-northeast-1a"
expect_error "ec2 unknown VPC id" InvalidVpcID.NotFound "$P" "$R1" ec2 describe-vpcs --vpc-ids vpc-0123456789abcdef0
expect_error "ec2 region outside the SCP" UnauthorizedOperation "$P" eu-west-1 ec2 describe-vpcs
expect_error "ec2 opt-in region not enabled" AuthFailure "$P" ap-east-1 ec2 describe-vpcs

section "== CloudTrail, KMS, Config, GuardDuty, Backup, Logs, S3 (member accounts)"
expect_count "cloudtrail:DescribeTrails (own + organization trail)" 2 "$P" "$R1" 'length(trailList)' cloudtrail describe-trails
expect_count "cloudtrail shadow trails in ap-northeast-3" 2 "$P" "$R3" 'length(trailList)' cloudtrail describe-trails
expect_count "cloudtrail:GetTrailStatus" true "$P" "$R1" IsLogging cloudtrail get-trail-status --name minato-lgwan-trail
expect_count "cloudtrail:GetEventSelectors" '"WriteOnly"' "$P" "$R1" 'EventSelectors[0].ReadWriteType' cloudtrail get-event-selectors --trail-name minato-lgwan-trail
expect_error "cloudtrail unknown trail" TrailNotFoundException "$P" "$R1" cloudtrail get-trail-status --name nope
expect_count "logs:DescribeLogGroups (paginated)" "$(tenant_count $LG "len(L('$R1','logs','LogGroups'))")" "$P" "$R1" 'length(logGroups)' logs describe-log-groups
expect_error "s3:GetBucketEncryption none" ServerSideEncryptionConfigurationNotFoundError "$P" "$R1" s3api get-bucket-encryption --bucket minato-lgwan-legacy-share-$LG
expect_count "s3:GetBucketVersioning" '"Suspended"' "$P" "$R1" Status s3api get-bucket-versioning --bucket minato-lgwan-legacy-share-$LG
expect_count "s3:GetBucketEncryption" '"AES256"' "$P" "$R1" 'ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm' s3api get-bucket-encryption --bucket minato-lgwan-trail-logs-$LG
expect_count "s3:GetPublicAccessBlock" true "$P" "$R1" PublicAccessBlockConfiguration.BlockPublicAcls s3api get-public-access-block --bucket minato-lgwan-trail-logs-$LG

assume $MN
expect_count "kms:ListKeys (paginated)" "$(tenant_count $MN "len(L('$R1','kms','Keys'))")" "$P" "$R1" 'length(Keys)' kms list-keys
expect_count "kms:DescribeKey by alias" '"PendingDeletion"' "$P" "$R1" KeyMetadata.KeyState kms describe-key --key-id alias/minato-mynumber-legacy
expect_count "kms:GetKeyRotationStatus" true "$P" "$R1" KeyRotationEnabled kms get-key-rotation-status --key-id alias/minato-mynumber-data
expect_error "kms:GetKeyRotationStatus pending deletion" KMSInvalidStateException "$P" "$R1" kms get-key-rotation-status --key-id alias/minato-mynumber-legacy
expect_count "config:DescribeConfigurationRecorders" '"default"' "$P" "$R1" 'ConfigurationRecorders[0].name' configservice describe-configuration-recorders
expect_count "config:DescribeConfigurationRecorderStatus" true "$P" "$R1" 'ConfigurationRecordersStatus[0].recording' configservice describe-configuration-recorder-status
det=$(aws_at "$P" "$R1" guardduty list-detectors --query 'DetectorIds[0]' --output text)
expect_count "guardduty:ListDetectors" 1 "$P" "$R1" 'length(DetectorIds)' guardduty list-detectors
expect_count "guardduty:GetDetector" '"ENABLED"' "$P" "$R1" Status guardduty get-detector --detector-id "$det"
plan=$(aws_at "$P" "$R1" backup list-backup-plans --query 'BackupPlansList[0].BackupPlanId' --output text)
expect_count "backup:ListBackupPlans" 1 "$P" "$R1" 'length(BackupPlansList)' backup list-backup-plans
expect_count "backup:GetBackupPlan" 35 "$P" "$R1" 'BackupPlan.Rules[0].Lifecycle.DeleteAfterDays' backup get-backup-plan --backup-plan-id "$plan"
expect_error "backup:GetBackupPlan unknown" ResourceNotFoundException "$P" "$R1" backup get-backup-plan --backup-plan-id nope
expect_error "s3:GetObjectLockConfiguration none" ObjectLockConfigurationNotFoundError "$P" "$R1" s3api get-object-lock-configuration --bucket minato-mynumber-app-logs-$MN
expect_count "s3:GetBucketLocation" '"ap-northeast-3"' "$P" "$R1" LocationConstraint s3api get-bucket-location --bucket minato-mynumber-backup-osaka-$MN
expect_count "iam (member): root access key present" 1 "$P" "$R1" SummaryMap.AccountAccessKeysPresent iam get-account-summary

assume $OP
expect_error "iam:GetAccountPasswordPolicy none" NoSuchEntity "$P" "$R1" iam get-account-password-policy
expect_count "guardduty off in ap-northeast-3" 0 "$P" "$R3" 'length(DetectorIds)' guardduty list-detectors
expect_error "s3:GetPublicAccessBlock none" NoSuchPublicAccessBlockConfiguration "$P" "$R1" s3api get-public-access-block --bucket minato-citizen-portal-assets
expect_count "s3:GetBucketPolicyStatus public" true "$P" "$R1" PolicyStatus.IsPublic s3api get-bucket-policy-status --bucket minato-citizen-portal-assets

section "== signatures and tokens"
use_collector
AWS_SECRET_ACCESS_KEY=wrong-secret expect_error "bad secret (query)" SignatureDoesNotMatch "$P" "$R1" sts get-caller-identity
AWS_SECRET_ACCESS_KEY=wrong-secret expect_error "bad secret (EC2)" SignatureDoesNotMatch "$P" "$R1" ec2 describe-vpcs
AWS_SECRET_ACCESS_KEY=wrong-secret expect_error "bad secret (JSON)" InvalidSignatureException "$P" "$R1" kms list-keys
AWS_SECRET_ACCESS_KEY=wrong-secret expect_error "bad secret (S3)" SignatureDoesNotMatch "$P" "$R1" s3api list-buckets
AWS_ACCESS_KEY_ID=AKIANOSUCHKEY0000000 expect_error "unknown key (query)" InvalidClientTokenId "$P" "$R1" iam list-users
AWS_ACCESS_KEY_ID=AKIANOSUCHKEY0000000 expect_error "unknown key (S3)" InvalidAccessKeyId "$P" "$R1" s3api list-buckets
assume $LG
AWS_SESSION_TOKEN=not-the-token expect_error "invalid session token" InvalidClientTokenId "$P" "$R1" sts get-caller-identity

section "== unknown operations"
expect_error "EC2 operation not emulated" InvalidAction "$P" "$R1" ec2 describe-images
expect_error "IAM operation not emulated" InvalidAction "$P" "$R1" iam list-groups
expect_error "JSON operation not emulated" UnknownOperationException "$P" "$R1" kms list-aliases
expect_error "S3 operation not emulated" NotImplemented "$P" "$R1" s3api get-bucket-tagging --bucket minato-lgwan-trail-logs-$LG

section "== expired credentials (--creds-ttl 2)"
start_emu short --creds-ttl 2
use_collector
aws_at "$PORT_short" "$R1" sts assume-role --role-arn "arn:aws:iam::$OP:role/ISMAPAssessReadOnly" \
  --role-session-name ismap-test --external-id "$EXT" >"$work/short.json"
export AWS_ACCESS_KEY_ID=$(jq_py 'd["Credentials"]["AccessKeyId"]' <"$work/short.json")
export AWS_SECRET_ACCESS_KEY=$(jq_py 'd["Credentials"]["SecretAccessKey"]' <"$work/short.json")
export AWS_SESSION_TOKEN=$(jq_py 'd["Credentials"]["SessionToken"]' <"$work/short.json")
# Wait for the 2 s credentials to expire: a condition (the emulator says so), not a fixed time.
for _ in $(seq 600); do
  aws_at "$PORT_short" "$R1" sts get-caller-identity >"$work/exp.out" 2>&1 || true
  if grep -q ExpiredToken "$work/exp.out"; then break; fi
  sleep 0.1
done
expect_error "expired token (query)" ExpiredToken "$PORT_short" "$R1" sts get-caller-identity
expect_error "expired token (EC2)" RequestExpired "$PORT_short" "$R1" ec2 describe-vpcs
expect_error "expired token (JSON)" ExpiredTokenException "$PORT_short" "$R1" kms list-keys
expect_error "expired token (S3)" ExpiredToken "$PORT_short" "$R1" s3api list-buckets

section "== variant separation-broken"
start_emu broken --variant separation-broken
assume_at() { PORT_main=$PORT_broken assume "$1"; }
assume_at $MN
expect_count "peering in the My Number account" 1 "$PORT_broken" "$R1" 'length(VpcPeeringConnections)' ec2 describe-vpc-peering-connections
expect_count "route to LGWAN over the peering" '"10.20.0.0/16"' "$PORT_broken" "$R1" \
  "RouteTables[].Routes[] | [?VpcPeeringConnectionId].DestinationCidrBlock | [0]" ec2 describe-route-tables

section "== pagination of every listed operation (synthetic organization, --page-size 2)"
"$PY" "$SRC/tests/emulator/gen_synthetic.py" --accounts 3 --regions 1 --profile large --seed 9 \
  -o "$work/synthetic.json" 2>/dev/null
TENANT_MAIN=$TENANT
TENANT=$work/synthetic.json
start_emu syn --page-size 2 --no-throttle
S=$PORT_syn SA=100000000000
export AWS_ACCESS_KEY_ID=AKIASYNTHCOLLECT0001 AWS_SECRET_ACCESS_KEY='sYnThEtIc/CoLlEcToR+SeCrEt0123456789abcd'
unset AWS_SESSION_TOKEN
pages() { # LABEL EXPECTED QUERY args... — full count through pages
  local label=$1 want=$2 query=$3
  shift 3
  expect_count "$label" "$want" "$S" "$R1" "$query" "$@"
}
pages "organizations:ListAccounts" 3 'length(Accounts)' organizations list-accounts
pages "iam:ListUsers" "$(tenant_count $SA 'len(a["iam"]["Users"])')" 'length(Users)' iam list-users
pages "iam:ListRoles" "$(tenant_count $SA 'len(a["iam"]["Roles"])')" 'length(Roles)' iam list-roles
pages "iam:ListMFADevices" 3 'length(MFADevices)' iam list-mfa-devices --user-name user-00
pages "iam:ListAttachedUserPolicies" 3 'length(AttachedPolicies)' iam list-attached-user-policies --user-name user-00
for op in Vpcs:describe-vpcs Subnets:describe-subnets RouteTables:describe-route-tables \
  InternetGateways:describe-internet-gateways NatGateways:describe-nat-gateways \
  VpcPeeringConnections:describe-vpc-peering-connections \
  TransitGatewayAttachments:describe-transit-gateway-attachments \
  SecurityGroups:describe-security-groups NetworkAcls:describe-network-acls \
  FlowLogs:describe-flow-logs Volumes:describe-volumes Reservations:describe-instances; do
  key=${op%%:*} cmd=${op#*:}
  pages "ec2:$cmd" "$(tenant_count $SA "len(L('$R1', 'ec2', '$key'))")" "length($key)" ec2 "$cmd"
done
pages "kms:ListKeys" "$(tenant_count $SA "len(L('$R1','kms','Keys'))")" 'length(Keys)' kms list-keys
pages "logs:DescribeLogGroups" "$(tenant_count $SA "len(L('$R1','logs','LogGroups'))")" 'length(logGroups)' logs describe-log-groups
pages "backup:ListBackupPlans" "$(tenant_count $SA "len(L('$R1','backup','BackupPlans'))")" 'length(BackupPlansList)' backup list-backup-plans
pages "guardduty:ListDetectors" "$(tenant_count $SA "len(L('$R1','guardduty','Detectors'))")" 'length(DetectorIds)' guardduty list-detectors
flush
stats "$S" >"$work/syn-stats.json"
"$PY" - "$work/syn-stats.json" <<'PYEOF' && pass "every listing took several pages" || fail "pages: $(cat "$work/syn-stats.json")"
import json, sys
ops = json.load(open(sys.argv[1]))["operations"]
paged = ["organizations:ListAccounts", "iam:ListUsers", "iam:ListRoles", "iam:ListMFADevices",
         "iam:ListAttachedUserPolicies", "kms:ListKeys", "logs:DescribeLogGroups",
         "backup:ListBackupPlans"] + ["ec2:Describe" + n for n in (
         "Vpcs", "Subnets", "RouteTables", "InternetGateways", "NatGateways", "VpcPeeringConnections",
         "TransitGatewayAttachments", "SecurityGroups", "NetworkAcls", "FlowLogs", "Volumes", "Instances")]
few = {op: ops.get(op, {}).get("requests", 0) for op in paged if ops.get(op, {}).get("requests", 0) < 2}
assert not few, few
PYEOF
TENANT=$TENANT_MAIN

section "== credential report (asynchronous): complete"
state=""
report_done() {
  use_collector
  state=$(aws_at "$P" "$R1" iam generate-credential-report --query State --output text)
  [ "$state" = COMPLETE ]
}
wait_for "the credential report" report_done || true
use_collector
[ "$state" = COMPLETE ] && pass "report COMPLETE" || fail "report never COMPLETE ($state)"
aws_at "$P" "$R1" iam get-credential-report --query Content --output text | base64 -d >"$work/report.csv"
"$PY" - "$work/report.csv" "$(tenant_count $M 'len(a["iam"]["Users"])')" <<'PYEOF' && pass "report CSV columns and rows" || fail "report CSV"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
cols = ["user", "arn", "user_creation_time", "password_enabled", "password_last_used",
        "password_last_changed", "password_next_rotation", "mfa_active", "access_key_1_active",
        "access_key_1_last_rotated", "access_key_1_last_used_date", "access_key_1_last_used_region",
        "access_key_1_last_used_service", "access_key_2_active", "access_key_2_last_rotated",
        "access_key_2_last_used_date", "access_key_2_last_used_region",
        "access_key_2_last_used_service", "cert_1_active", "cert_1_last_rotated", "cert_2_active",
        "cert_2_last_rotated"]
assert list(rows[0].keys()) == cols, rows[0].keys()
assert rows[0]["user"] == "<root_account>" and rows[0]["mfa_active"] == "true", rows[0]
assert len(rows) == int(sys.argv[2]) + 1, len(rows)
c = next(r for r in rows if r["user"] == "ismap-collector")
assert c["password_enabled"] == "false" and c["access_key_1_active"] == "true", c
PYEOF

section "== stats"
stats "$P" >"$work/stats.json"
"$PY" - "$work/stats.json" <<'PYEOF' && pass "stats count the calls" || fail "stats"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["requests"] > 100, s["requests"]
assert s["operations"]["ec2:DescribeSubnets"]["requests"] >= 3, s["operations"]["ec2:DescribeSubnets"]
assert s["auth_failures"] >= 6, s["auth_failures"]
PYEOF

flush
if [ "$failures" -gt 0 ]; then
  echo "emulator_awscli: $failures failure(s)"
  echo "--- awsemu stderr (tail)"
  tail -20 "$work/main.err"
  exit 1
fi
echo "emulator_awscli: all passed"
