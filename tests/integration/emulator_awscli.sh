#!/usr/bin/env bash
# emulator_awscli.sh — proves awsemu speaks AWS's real wire formats, with AWS's own client code:
#  * emulator_botocore.py, in ONE Python process, with botocore (Debian's python3-botocore: the
#    parsers, signer and paginators the aws CLI runs on) calls every emulated operation against
#    the bundled demo tenant, which the emulator pages by 2 so every listing needs several pages
#    (the paginator follows the tokens; the full count must come back), AssumeRole into every
#    account with its ExternalId, calls with the temporary credentials, expired / invalid session
#    tokens, bad secrets, unknown operations, the credential report round trip, and the paging of
#    every listed operation on a synthetic organization;
#  * a handful of real `aws` CLI runs, for the CLI's own path: one call per wire protocol (query,
#    EC2, JSON, REST-JSON, REST-XML), the CLI's pagination, shorthand filters, --query output of
#    non-ASCII text, AssumeRole's credentials used by the CLI, and error codes as the CLI prints
#    them.
# Each `aws` process spends ~1 s importing botocore, which is why only a few remain here (the
# whole set took ~300 s of CLI start-ups; botocore makes the same calls in seconds). They run
# ISM_AWSCLI_JOBS (default 4) at a time in the background, each with the credentials of the moment
# it was queued; their results print in order at the next `section` or `flush`. Skips (77) only
# when neither the aws CLI nor botocore is installed.
set -euo pipefail
. "$(dirname "$0")/../lib/shtest.sh"

AWS_BIN=${AWS_CLI:-/usr/bin/aws}
[ -x "$AWS_BIN" ] || AWS_BIN=$(command -v aws || true)
if [ -z "$AWS_BIN" ]; then
  echo "emulator_awscli: aws CLI not installed: skipped"
  exit 77
fi
"$PY" -c 'import botocore, jmespath' 2>/dev/null || {
  echo "emulator_awscli: python3-botocore not installed: skipped"
  exit 77
}
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

# The main emulator pages every listing by 2; IAM gets a bucket above AWS's 20 + 10/s so the
# clients' own (unpaced) paging is not throttled. The credential report takes 2 s (the Python
# part freezes the emulator's clock around its "in progress" calls, then waits for COMPLETE).
start_emu main --page-size 2 --report-delay-ms 2000 --bucket iam=200/100
start_emu short --creds-ttl 2
start_emu broken --variant separation-broken
"$PY" "$SRC/tests/emulator/gen_synthetic.py" --accounts 3 --regions 1 --profile large --seed 9 \
  -o "$work/synthetic.json" 2>/dev/null
TENANT_MAIN=$TENANT
TENANT=$work/synthetic.json
start_emu syn --page-size 2 --no-throttle
TENANT=$TENANT_MAIN
P=$PORT_main

section "== the aws CLI itself (one call per protocol, its pagination, shorthand and output)"
use_collector
expect_count "aws sts get-caller-identity (query)" "\"arn:aws:iam::$M:user/system/ismap-collector\"" "$P" "$R1" Arn sts get-caller-identity
expect_count "aws organizations list-accounts (JSON, paginated by the CLI)" 4 "$P" "$R1" 'length(Accounts)' organizations list-accounts
expect_count "aws iam list-users (query, paginated by the CLI)" "$(tenant_count $M 'len(a["iam"]["Users"])')" "$P" "$R1" 'length(Users)' iam list-users
expect_error "aws iam list-mfa-devices unknown user" NoSuchEntity "$P" "$R1" iam list-mfa-devices --user-name nobody
expect_count "aws s3api get-bucket-location us-east-1 (REST-XML, empty)" null "$P" "$R1" LocationConstraint s3api get-bucket-location --bucket minato-gcas-tmp-export-us
AWS_SECRET_ACCESS_KEY=wrong-secret expect_error "aws s3api with a bad secret" SignatureDoesNotMatch "$P" "$R1" s3api list-buckets
flush
assume $LG
expect_count "aws ec2 describe-subnets --filters shorthand (EC2)" 2 "$P" "$R1" 'length(Subnets)' ec2 describe-subnets \
  --filters "Name=tag:ismap:domain,Values=lgwan" "Name=availability-zone,Values=ap-northeast-1a"
expect_count "aws ec2 Japanese Name tag" '"LGWAN接続系VPC"' "$P" "$R1" "Vpcs[0].Tags[?Key=='Name'].Value | [0]" ec2 describe-vpcs
expect_count "aws guardduty list-detectors (REST-JSON)" "$(tenant_count $LG "len(L('$R1','guardduty','Detectors'))")" "$P" "$R1" 'length(DetectorIds)' guardduty list-detectors
flush

section "== botocore: every operation, credentials, errors, paging, the credential report"
use_collector
if "$PY" "$SRC/tests/integration/emulator_botocore.py" "$TENANT" "$work/synthetic.json" \
  "$PORT_main" "$PORT_short" "$PORT_broken" "$PORT_syn"; then :; else
  rc=$?
  [ $rc = 77 ] && exit 77
  fail "emulator_botocore.py (exit $rc)"
fi

flush
if [ "$failures" -gt 0 ]; then
  echo "emulator_awscli: $failures failure(s)"
  echo "--- awsemu stderr (tail)"
  tail -20 "$work/main.err"
  exit 1
fi
echo "emulator_awscli: all passed"
