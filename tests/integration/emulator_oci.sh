#!/usr/bin/env bash
# emulator_oci.sh — ociemu verifies HTTP signatures against the API keys it registers (a good
# key passes; an unknown key, a tampered signature and a stale date are 401 NotAuthenticated),
# serves lists with limit/page and opc-next-page, filters by compartment (or the whole subtree),
# answers what the tenant lacks or a --deny prefix with 404 NotAuthorizedOrNotFound, rewrites
# Vault management endpoints to itself, and injects 429 TooManyRequests, 5xx and dropped
# connections at the rates asked, the same ones for the same seed.
set -euo pipefail
. "$(dirname "$0")/../lib/shtest.sh"

SRC=${ISM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
EMU=${OCIEMU:-${ISM_BUILD_DIR:-$SRC/build}/tests/ociemu}
CALL=${OCICALL:-${ISM_BUILD_DIR:-$SRC/build}/tests/ocicall}
[ -x "$EMU" ] && [ -x "$CALL" ] || { echo "emulator_oci: ociemu/ocicall not built"; exit 1; }
command -v openssl >/dev/null || { echo "no openssl: skipped"; exit 77; }
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY
for v in $(env | grep -o '^OCI_CLI_[A-Z_]*'); do unset "$v"; done

tmp=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"' EXIT
T=ocid1.tenancy.oc1..aaaaaaaaminatocity
U=ocid1.user.oc1..aaaaaaaacollector

# The collector's key (registered) and a stranger's (not).
newkey() { # NAME -> $tmp/NAME.pem, its fingerprint in $tmp/NAME.fp
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$tmp/$1.pem" 2>/dev/null
  openssl rsa -in "$tmp/$1.pem" -pubout -out "$tmp/$1.pub" 2>/dev/null
  openssl rsa -in "$tmp/$1.pem" -pubout -outform DER 2>/dev/null | openssl md5 -c |
    sed 's/.*= //' >"$tmp/$1.fp"
}
newkey good
newkey other
cat >"$tmp/config" <<CFG
[DEFAULT]
user = $U
tenancy = $T
fingerprint = $(cat "$tmp/good.fp")
key_file = $tmp/good.pem
region = ap-tokyo-1

[stranger]
fingerprint = $(cat "$tmp/other.fp")
key_file = $tmp/other.pem
CFG

start_emu() { # NAME FLAGS...
  local name=$1
  shift
  rm -f "$tmp/$name.port"
  "$EMU" --register-key "$U=$tmp/good.pub" --port-file "$tmp/$name.port" "$@" \
    >"$tmp/$name.out" 2>"$tmp/$name.err" &
  pids+=($!)
  wait_file "$tmp/$name.port" || { cat "$tmp/$name.err"; exit 1; }
  printf -v "PORT_$name" '%s' "$(cat "$tmp/$name.port")"
}
call() { "$CALL" --config "$tmp/config" "$@"; }

start_emu plain --page-size 2
B=http://127.0.0.1:$PORT_plain

# a signed call passes; the list comes back paged
check "compartments page 1" 0 call "$B/identity/ap-tokyo-1/20160918/compartments?compartmentId=$T&compartmentIdInSubtree=true&accessLevel=ANY"
contains "status 200" "$tmp/err" "status 200"
contains "next page header" "$tmp/err" "opc-next-page p.2"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d)==2 and d[0]["id"].startswith("ocid1.compartment."), d' "$tmp/out" &&
  passes=$((passes + 1)) || { fails=$((fails + 1)); echo "FAIL page 1 shape"; }
check "compartments page 2" 0 call "$B/identity/ap-tokyo-1/20160918/compartments?compartmentId=$T&compartmentIdInSubtree=true&page=p.2"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d)==1 and d[0]["name"]=="prodnet", d' "$tmp/out" &&
  passes=$((passes + 1)) || { fails=$((fails + 1)); echo "FAIL page 2"; }
if grep -q opc-next-page "$tmp/err"; then fails=$((fails + 1)); echo "FAIL last page has a next"; else passes=$((passes + 1)); fi
# direct children only without compartmentIdInSubtree
check "children" 0 call "$B/identity/ap-tokyo-1/20160918/compartments?compartmentId=ocid1.compartment.oc1..aaaaaaaaprod"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert [c["name"] for c in d]==["prodnet"], d' "$tmp/out" &&
  passes=$((passes + 1)) || { fails=$((fails + 1)); echo "FAIL children"; }
# an object answer; items-wrapped lists
check "audit config" 0 call "$B/audit/ap-osaka-1/20190901/configuration?compartmentId=$T"
contains "retention" "$tmp/out" '"retentionPeriodDays":90'
check "cloud guard targets" 0 call "$B/cloudguard/ap-tokyo-1/20200131/targets?compartmentId=$T"
contains "items" "$tmp/out" '"items":\[{'
# the vault's management endpoint points back at the emulator
check "vaults" 0 call "$B/kms/ap-tokyo-1/20180608/vaults?compartmentId=ocid1.compartment.oc1..aaaaaaaaprod"
contains "management endpoint" "$tmp/out" "\"managementEndpoint\":\"http://127.0.0.1:$PORT_plain/kmsmanagement/ap-tokyo-1\""
# unknown resource: 404 NotAuthorizedOrNotFound
check "unknown path" 0 call "$B/iaas/ap-tokyo-1/20160918/nosuch"
contains "404" "$tmp/err" "status 404"
contains "404 code" "$tmp/out" '"code":"NotAuthorizedOrNotFound"'
# unsubscribed region
check "unsubscribed region" 0 call "$B/iaas/us-ashburn-1/20160918/vcns?compartmentId=$T"
contains "401 region" "$tmp/err" "status 401"

# signatures: a stranger's key, a stale date, a tampered Authorization
check "stranger" 0 call --profile stranger "$B/identity/ap-tokyo-1/20160918/users?compartmentId=$T"
contains "401" "$tmp/err" "status 401"
contains "NotAuthenticated" "$tmp/out" '"code":"NotAuthenticated"'
check "no signature" 0 curl -sS -o "$tmp/body" -w '%{http_code}' "$B/identity/ap-tokyo-1/20160918/users?compartmentId=$T"
contains "unsigned 401" "$tmp/out" "401"
check "POST body hash" 0 call --method POST --body '{"a":1}' "$B/identity/ap-tokyo-1/20160918/users"
contains "POST verified then refused as a write" "$tmp/err" "status 405"

# --deny: a read the policy does not allow
start_emu deny --deny "cloudguard /20200131/targets"
check "denied" 0 call "http://127.0.0.1:$PORT_deny/cloudguard/ap-tokyo-1/20200131/targets?compartmentId=$T"
contains "denied 404" "$tmp/err" "status 404"
check "not denied" 0 call "http://127.0.0.1:$PORT_deny/cloudguard/ap-tokyo-1/20200131/configuration?compartmentId=$T"
contains "config 200" "$tmp/err" "status 200"

# faults: the same seed gives the same answers
faulty() { # NAME SEED
  start_emu "$1" --seed "$2" --throttle-rate 0.3 --error-rate 0.2 --drop-rate 0.1
  local port_var=PORT_$1 i
  for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
    "$CALL" --config "$tmp/config" "http://127.0.0.1:${!port_var}/iaas/ap-tokyo-1/20160918/vcns?compartmentId=x&i=$i" \
      >/dev/null 2>"$tmp/f.err" || true
    grep -o 'status [0-9]*' "$tmp/f.err" | sed 's/status 0/dropped/' || echo dropped
  done >"$tmp/$1.seq"
}
faulty f1 7
faulty f2 7
faulty f3 8
if cmp -s "$tmp/f1.seq" "$tmp/f2.seq"; then passes=$((passes + 1)); else fails=$((fails + 1)); echo "FAIL same seed differs"; fi
if cmp -s "$tmp/f1.seq" "$tmp/f3.seq"; then fails=$((fails + 1)); echo "FAIL another seed is the same"; else passes=$((passes + 1)); fi
for s in "status 429" "status 200" "dropped"; do contains "fault $s" "$tmp/f1.seq" "$s"; done
grep -q "status 50[03]" "$tmp/f1.seq" && passes=$((passes + 1)) || { fails=$((fails + 1)); echo "FAIL no 5xx"; cat "$tmp/f1.seq"; }

echo "emulator_oci: $passes passed, $fails failed"
[ "$fails" = 0 ]
