#!/usr/bin/env bash
# synthetic_test.sh — gen_synthetic.py makes a tenant awsemu loads and serves: a small
# organization (5 accounts x 2 regions, "large" profile), AssumeRole into a member with the
# synthetic ExternalId, then DescribeVolumes / ListAccounts return what the generator wrote.
set -euo pipefail
SRC=${ISM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
EMU=${AWSEMU:-${ISM_BUILD_DIR:-$SRC/build}/tests/awsemu}
CALL=${EMUCALL:-${ISM_BUILD_DIR:-$SRC/build}/tests/emucall}
. "$(dirname "$0")/../lib/shtest.sh"
work=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$work"' EXIT

"$PY" "$SRC/tests/emulator/gen_synthetic.py" --accounts 5 --regions 2 --profile large --seed 3 \
  -o "$work/org.json" 2>/dev/null
"$EMU" --tenant "$work/org.json" --port-file "$work/port" --no-throttle >/dev/null 2>"$work/err" &
pid=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.05; done
if [ ! -s "$work/port" ]; then
  cat "$work/err"
  grep -q "cannot load the .* model" "$work/err" && { echo "no botocore models: skipped"; exit 77; }
  exit 1
fi
P=$(cat "$work/port")
KEY=AKIASYNTHCOLLECT0001 SECRET='sYnThEtIc/CoLlEcToR+SeCrEt0123456789abcd'

"$CALL" --port "$P" --key $KEY --secret "$SECRET" --service organizations --target ListAccounts \
  --json '{"MaxResults": 20}' >"$work/accounts"
grep -q '^HTTP 200' "$work/accounts"
n=$(grep -o '"Id":"[0-9]*"' "$work/accounts" | wc -l)
[ "$n" -eq 5 ] || { echo "ListAccounts: want 5, got $n"; exit 1; }

"$CALL" --port "$P" --key $KEY --secret "$SECRET" --service sts --action AssumeRole \
  --form 'RoleArn=arn:aws:iam::100000000003:role/ISMAPAssessReadOnly&RoleSessionName=synthetic&ExternalId=synthetic-ext' \
  >"$work/role"
grep -q '^HTTP 200' "$work/role" || { cat "$work/role"; exit 1; }
get() { sed -n "s:.*<$1>\([^<]*\)</$1>.*:\1:p" "$work/role"; }
"$CALL" --port "$P" --key "$(get AccessKeyId)" --secret "$(get SecretAccessKey)" \
  --token "$(get SessionToken)" --service ec2 --region ap-northeast-3 --action DescribeVolumes \
  >"$work/volumes"
want=$("$PY" -c "import json; t=json.load(open('$work/org.json')); print(len(t['accounts'][3]['resources']['ap-northeast-3']['ec2']['Volumes']))")
got=$(grep -o '<volumeId>vol-[0-9a-f]*</volumeId>' "$work/volumes" | sort -u | wc -l)
[ "$got" -eq "$want" ] || { echo "DescribeVolumes: want $want, got $got"; exit 1; }
echo "synthetic tenant: ok ($want volumes in one account-region)"
