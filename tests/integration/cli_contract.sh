#!/usr/bin/env bash
# cli_contract.sh — what every ismapctl command promises, against a live ismapd:
#  * --json: every command --help lists is run with --json and its stdout parsed as JSON (the
#    test fails if a listed command is not exercised here);
#  * filters take the Japanese labels the tool prints as well as the codes, and refuse an
#    unknown value (exit 2) listing the valid ones;
#  * -o - writes the document to stdout for every command that writes a file;
#  * a refused connection and a timeout say so, with exit status 2.
set -u
. "$(dirname "$0")/../lib/shtest.sh"
: "${ISMAPD:?run through ctest}" "${ISMAPCTL:?run through ctest}" "${ISM_SOURCE_DIR:?}" "${ISMSNAPFIX:?}"
tmp=$(mktemp -d /tmp/ismtest-clicontract-XXXXXX)
# Credentials of no account: collect aws only has to start its job here, at a loopback endpoint
# the config allows.
mkdir -p "$tmp/data"
chmod 700 "$tmp/data"
echo '{"collect": {"endpoint_allow": ["127.0.0.1"]}}' >"$tmp/ismapd.json"
# An OCI API key for the daemon's environment (the collection itself is never run here).
oci_key=$(openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 2>/dev/null)
oci_fp=$(printf '%s\n' "$oci_key" | openssl rsa -pubout -outform DER 2>/dev/null | openssl md5 -c | sed 's/.*= //')
AWS_ACCESS_KEY_ID=AKIAEXAMPLECONTRACT01 AWS_SECRET_ACCESS_KEY=contract-test-not-a-secret \
  AWS_SHARED_CREDENTIALS_FILE="$tmp/none" AWS_CONFIG_FILE="$tmp/none" \
  AZURE_TENANT_ID=00000000-0000-0000-0000-00000000c0de AZURE_CLIENT_ID=00000000-0000-0000-0000-0000000c1d00 \
  AZURE_CLIENT_SECRET=contract-test-not-a-secret \
  OCI_CLI_USER=ocid1.user.oc1..contract \
  OCI_CLI_TENANCY=ocid1.tenancy.oc1..contract OCI_CLI_KEY_CONTENT="$oci_key" OCI_CLI_FINGERPRINT="$oci_fp" \
  "$ISMAPD" -c "$tmp/ismapd.json" --data-dir "$tmp/data" --log-file "$tmp/log" &
pid=$!
fake=""
trap 'kill $pid $fake 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
export ISMAP_SOCKET="$tmp/data/ismapd.sock"
wait_daemon "$pid" || exit 1
fx="$ISM_SOURCE_DIR/tests/fixtures"

# The system interpreter when there is one: a version-manager shim costs a process per call.
py=/usr/bin/python3; [ -x "$py" ] || py=python3
fails=0 passes=0
ok() { passes=$((passes+1)); }
no() { fails=$((fails+1)); echo "FAIL $*"; }
isjson() { "$py" -c 'import json,sys; json.load(open(sys.argv[1], encoding="utf-8"))' "$1" 2>/dev/null; }
get() { "$py" -c "import json,sys; d=json.load(open(sys.argv[1], encoding='utf-8')); print($1)" "$tmp/out"; }
: >"$tmp/done"
# J WANT_STATUS COMMAND WORDS... -- ARGS: runs ismapctl COMMAND ARGS --json, wants the status
# and a JSON stdout; records the command as exercised. The stdout is kept, and every kept one
# is parsed at the end by one interpreter (json_checked): an interpreter's start per command was
# a third of this test's time.
mkdir -p "$tmp/json"
jn=0
J() {
  local want=$1; shift
  local words=()
  while [ "$1" != "--" ]; do words+=("$1"); shift; done
  shift
  echo "${words[*]}" >>"$tmp/done"
  "$ISMAPCTL" "${words[@]}" "$@" --json >"$tmp/out" 2>"$tmp/err"; local st=$?
  [ "$st" = "$want" ] && ok || { no "${words[*]} $*: exit $st, wanted $want"; head -5 "$tmp/err"; }
  jn=$((jn + 1))
  cp "$tmp/out" "$tmp/json/$jn"
  echo "${words[*]}" >"$tmp/json/$jn.what"
}
# json_checked: each stdout J kept must parse as JSON; one pass or fail per command.
json_checked() {
  local res last good bad
  res=$("$py" - "$tmp/json" <<'EOF'
import json, os, sys
d = sys.argv[1]
good = bad = 0
for n in sorted((f for f in os.listdir(d) if f.isdigit()), key=int):
    path = os.path.join(d, n)
    try:
        json.load(open(path, encoding="utf-8"))
        good += 1
    except (ValueError, UnicodeDecodeError):
        bad += 1
        what = open(path + ".what", encoding="utf-8").read().strip()
        print("FAIL %s --json: stdout is not JSON:" % what)
        print(open(path, "rb").read(300).decode("utf-8", "replace"))
print("JSON %d %d" % (good, bad))
EOF
)
  last=$(printf '%s\n' "$res" | tail -1)
  printf '%s\n' "$res" | sed '$d'
  read -r _ good bad <<<"$last"
  if [ -z "${good:-}" ] || [ $((good + bad)) != "$jn" ]; then
    no "checking the --json outputs: $last"
    return
  fi
  passes=$((passes + good)) fails=$((fails + bad))
}

# ---- fixtures: a snapshot, a subject with evidence, an assessment --------------------------
"$ISMSNAPFIX" "$fx/snapshots/base.json" "$fx/snapshots/aws-iam-root-access-keys/fail.json" "$tmp/snap.db" \
  || no "building the snapshot"

J 0 ping --
J 0 status --
J 0 ops --
J 0 snapshot import -- "$tmp/snap.db"; snap=$(get 'd["id"]')
J 0 snapshot list --
J 0 snapshot show -- "$snap"
J 0 snapshot verify -- "$snap"
J 0 subject create -- 契約テスト基盤 --kind workload --organization みなと市
J 0 subject list --
J 0 subject show -- 契約テスト基盤
J 0 evidence import -- ismap-list "$fx/evidence/ismap_list.csv" --as-of 2025-08-01
J 0 subject create -- 住民記録クラウド --provider はまなすクラウド株式会社 --service "Hamanasu 住民記録クラウド" --model SaaS
J 0 evidence import -- questionnaire "$fx/evidence/questionnaire.xlsx" --subject 住民記録クラウド
ev=$(get 'd["evidence"]["id"]')
J 0 evidence list -- 住民記録クラウド
J 0 evidence show -- "$ev"
J 0 evidence kinds --
J 0 ismap-list lookup -- はまなすクラウド株式会社 "Hamanasu 住民記録クラウド"
J 0 screening -- 住民記録クラウド
J 0 screening -- 住民記録クラウド --format json -o "$tmp/scr.json"
[ "$(get 'd["output"]')" = "$tmp/scr.json" ] && [ -s "$tmp/scr.json" ] && ok || no "screening -o FILE --json"
J 0 frameworks --
J 0 assessment create -- 契約テスト基盤 --frameworks ismap-must-meet,mic-cloud-addon --snapshot "$snap" --wait
a=$(get 'd["id"]')
J 0 assessment list --
J 0 assessment show -- "$a"
J 0 matrix -- "$a"
J 0 findings -- "$a" --status fail
J 0 judge -- "$a" C-1 --result 一部適合 --examined 構成図
[ "$(get 'd["result"]')" = partial ] && ok || no "judge --result 一部適合 recorded $(cat "$tmp/out")"
J 0 waiver add -- --check aws-iam-root-access-keys --justification 移行中 --approver CISO --expires 2099-12-31
wid=$(get 'd["id"]')
J 0 waiver list --
J 0 waiver revoke -- "$wid"
J 0 export -- "$a" --format csv -o "$tmp/m.csv"
[ "$(get 'd["bytes"]')" -gt 0 ] && [ -s "$tmp/m.csv" ] && ok || no "export -o FILE --json"
J 0 diff -- "$a" "$a"
J 0 plan set -- "$a" --theme 契約テスト --member 山田花子:主任監査人 --phase 本調査:2026-11-20:2026-11-27
J 0 plan show -- "$a"
J 0 plan approve -- "$a"
J 0 plan export -- "$a" --format xlsx -o "$tmp/plan.xlsx"
J 0 workpaper add -- "$a" C-1 --procedures 構成図の閲覧 --conclusion 確認した --result 一部適合
J 0 workpaper attach -- "$a" C-1 "$fx/evidence/contract.pdf"
J 0 workpaper list -- "$a"
J 0 workpaper history -- "$a" C-1
J 0 report set -- "$a" --addressee 'みなと市 CISO 殿' --overall 概ね適切
J 0 report show -- "$a"
J 0 report issue -- "$a"
J 0 report verify -- "$a"
J 0 report export -- "$a" --format html --public -o "$tmp/rep.html"
J 0 followup -- "$a"
J 0 remediation set -- "$a" ismap:9.2.3 --owner 情報政策課 --status in_progress
J 0 benchmark show -- --assessment "$a"
J 0 benchmark answer -- --assessment "$a" 1-1=4 1-2=3
[ "$(get 'd["total"]["answered"]')" = 2 ] && ok || no "benchmark answer --json"
J 0 benchmark export -- --assessment "$a" --format svg -o "$tmp/radar.svg"
[ "$(get 'd["bytes"]')" -gt 0 ] && [ -s "$tmp/radar.svg" ] && ok || no "benchmark export -o FILE --json"
J 0 checks list --
J 0 checks show -- aws-iam-root-access-keys
J 0 eval -- "$tmp/snap.db" --status fail
J 0 catalog list --
J 0 catalog show -- ismap 10.1.1.9.PB
J 0 catalog items -- iso27017
J 0 catalog search -- マイナンバー
J 0 catalog map -- mic-audit C-4
J 0 catalog export -- iso27017 -o "$tmp/cat.json"
isjson "$tmp/cat.json" && ok || no "catalog export file is not JSON"
J 0 collect operations --
J 0 collect providers --
J 0 collect aws -- --endpoint-url http://127.0.0.1:9 --regions ap-northeast-1 --services ec2
J 0 collect azure -- --endpoint-url http://127.0.0.1:9 --subscription 00000000-0000-0000-0000-000000000001
J 0 collect gcp -- --endpoint-url http://127.0.0.1:9 --project contract-1 --key-file "$ISM_SOURCE_DIR/tests/fixtures/gcp/sa-key.json"
J 0 collect oci -- --endpoint-url http://127.0.0.1:9 --regions ap-tokyo-1
J 0 jobs kinds --
J 0 jobs submit -- diag.wait --params '{"ms":600000}'; job=$(get 'd["id"]')
J 0 jobs show -- "$job"
"$ISMAPCTL" jobs list --state running --json >"$tmp/out" 2>&1 && isjson "$tmp/out" && ok || no "jobs list --state running"
J 0 jobs list --
J 0 jobs cancel -- "$job"
J 1 jobs wait -- "$job"
[ "$(get 'd["state"]')" = cancelled ] && ok || no "jobs wait --json of a cancelled job"
J 0 token create -- --name ci --role viewer --org city; tid=$(get 'd["id"]')
J 0 token list --
J 0 token revoke -- "$tid"
J 0 call -- ping '{"echo":"x"}'

# Every command --help lists was run above.
"$ISMAPCTL" --help | "$py" -c '
import sys
lines = sys.stdin.read().split("\n")
listed = {l[2:20].strip() for l in lines[lines.index("Commands:") + 1:] if l.startswith("  ") and l[2] != " "}
done = {l.strip() for l in open(sys.argv[1], encoding="utf-8")}
missing = sorted(listed - done)
sys.exit("not run with --json: %s" % missing if missing else 0)' "$tmp/done" && ok || no "--json coverage"

# ---- filters: codes and the labels the tool prints -----------------------------------------
same() { # same NAME EXPR CMD... ::: CMD... — both succeed and EXPR of their JSON (d) agrees
  local name=$1 expr=$2; shift 2; local a=() b=()
  while [ "$1" != ":::" ]; do a+=("$1"); shift; done; shift; b=("$@")
  "$ISMAPCTL" "${a[@]}" >"$tmp/a" 2>"$tmp/ea" && "$ISMAPCTL" "${b[@]}" >"$tmp/b" 2>"$tmp/eb" \
    && "$py" -c "
import json, sys
r = [(lambda d: $expr)(json.load(open(f, encoding='utf-8'))) for f in sys.argv[1:]]
sys.exit(0 if r[0] == r[1] else 'differ: %r vs %r' % (r[0], r[1]))" "$tmp/a" "$tmp/b" \
    && ok || { no "$name: the label and the code differ"; head -3 "$tmp/ea" "$tmp/eb"; }
}
for pair in 不適合:not_satisfied 一部適合:partial 未評価:not_assessed 適合:satisfied 証跡期限切れ:evidence_expired 対象外:not_applicable 例外措置:waived; do
  same "matrix --status ${pair%%:*}" '[r["item"] for r in d["requirements"]]' matrix "$a" --status "${pair%%:*}" --json ::: matrix "$a" --status "${pair##*:}" --json
done
# The label of a status the matrix has selects exactly the requirements with that status.
"$ISMAPCTL" matrix "$a" --json >"$tmp/out"; code=$(get 'd["requirements"][0]["status"]'); label=$(get 'd["requirements"][0]["status_ja"]')
n=$(get "sum(1 for r in d['requirements'] if r['status'] == '$code')")
"$ISMAPCTL" matrix "$a" --status "$label" --json >"$tmp/out" && [ "$(get 'len(d["requirements"])')" = "$n" ] && ok || no "matrix --status $label does not give the $n $code requirements"
get 'sorted({r["status"] for r in d["requirements"]})' | grep -qx "\['$code'\]" && ok || no "matrix --status $label mixes statuses"
same "findings --status 不合格" d findings "$a" --status 不合格 --json ::: findings "$a" --status fail --json
same "findings --status 合格" d findings "$a" --status 合格 --json ::: findings "$a" --status pass --json
# The place filters select exactly what filtering the whole list would (the first finding's).
"$ISMAPCTL" findings "$a" --all --json >"$tmp/all.json"
read -r facct freg fsev < <("$py" -c 'import json,sys; f=json.load(open(sys.argv[1]))["findings"][0]; print(f["account"], f["region"], f["severity"])' "$tmp/all.json")
"$ISMAPCTL" findings "$a" --all --json --account "$facct" --region "$freg" --severity "$fsev" >"$tmp/some.json" \
  && "$py" -c '
import json, sys
a, s, acct, reg, sev = json.load(open(sys.argv[1]))["findings"], json.load(open(sys.argv[2]))["findings"], *sys.argv[3:]
want = [f for f in a if f["account"] == acct and f["region"] == reg and f["severity"] == sev]
sys.exit(0 if want and s == want else "filtered %d, expected %d" % (len(s), len(want)))' "$tmp/all.json" "$tmp/some.json" "$facct" "$freg" "$fsev" \
  && ok || no "findings --account/--region/--severity"
"$ISMAPCTL" findings "$a" --domain nowhere >"$tmp/out" 2>"$tmp/err" && no "findings --domain nowhere accepted" || { grep -q "domain" "$tmp/err" && ok || { no "findings --domain nowhere: no message naming the field"; cat "$tmp/err"; }; }
same "eval --status 不合格" 'd["findings"]' eval "$tmp/snap.db" --status 不合格 --json ::: eval "$tmp/snap.db" --status fail --json
for pair in 適合:met 不適合:unmet 代替策要確認:alternative 証跡不足:no_evidence 回答不要:not_required; do
  same "screening --verdict ${pair%%:*}" '[r["no"] for r in d["rows"]]' screening 住民記録クラウド --verdict "${pair%%:*}" --json ::: screening 住民記録クラウド --verdict "${pair##*:}" --json
done
"$ISMAPCTL" screening 住民記録クラウド --json >"$tmp/out"; v=$(get 'd["rows"][-1]["verdict"]'); n=$(get "sum(1 for r in d['rows'] if r['verdict'] == '$v')")
"$ISMAPCTL" screening 住民記録クラウド --verdict "$v" --json >"$tmp/out" && [ "$(get 'len(d["rows"])')" = "$n" ] && ok || no "screening --verdict $v does not give its $n rows"
get 'sorted({r["verdict"] for r in d["rows"]})' | grep -qx "\['$v'\]" && ok || no "screening --verdict $v mixes verdicts"
same "jobs --state" '[j["id"] for j in d]' jobs list --state failed --json ::: jobs list --state FAILED --json
for bad in "matrix $a --status 不適格" "findings $a --status failed" "eval $tmp/snap.db --status bogus" \
           "judge $a C-1 --result great" "jobs list --state 実行中" "screening 住民記録クラウド --verdict 合格"; do
  # shellcheck disable=SC2086
  "$ISMAPCTL" $bad >"$tmp/out" 2>"$tmp/err"; st=$?
  [ $st = 2 ] && grep -q "unknown value" "$tmp/err" && ok || { no "'$bad' exit $st"; cat "$tmp/err"; }
done
"$ISMAPCTL" matrix "$a" --status 不適格 2>&1 | grep -q "not_satisfied (不適合)" && ok || no "the refusal does not list the valid values"
"$ISMAPCTL" findings "$a" --status x 2>&1 | grep -q "fail (不合格)" && ok || no "the findings refusal does not list labels"

# ---- -o - writes to stdout ----------------------------------------------------------------
"$ISMAPCTL" export "$a" --format json -o - >"$tmp/stdout.json" 2>"$tmp/err" && isjson "$tmp/stdout.json" && ok || { no "export json -o -"; cat "$tmp/err"; }
"$ISMAPCTL" export "$a" --format json -o "$tmp/file.json" >/dev/null && "$py" -c '
import json, sys
a, b = (json.load(open(f, encoding="utf-8")) for f in sys.argv[1:])
for d in (a, b): d.pop("generated", None)
sys.exit(0 if a == b else "differ")' "$tmp/stdout.json" "$tmp/file.json" && ok || no "export -o - differs from the file"
"$ISMAPCTL" export "$a" --format csv -o - --json >"$tmp/out" && head -c 3 "$tmp/out" | od -An -tx1 | grep -q "ef bb bf" && ok || no "export csv -o - is not the CSV"
"$ISMAPCTL" export "$a" --format xlsx -o - >"$tmp/x.xlsx" && "$py" -c 'import zipfile,sys; zipfile.ZipFile(sys.argv[1]).namelist()' "$tmp/x.xlsx" && ok || no "export xlsx -o - to a file"
"$ISMAPCTL" benchmark export --assessment "$a" --format json -o - >"$tmp/out" && isjson "$tmp/out" && ok || no "benchmark export json -o -"
"$ISMAPCTL" report export "$a" --format json -o - >"$tmp/out" && isjson "$tmp/out" && grep -q '"signature"' "$tmp/out" && ok || no "report export json -o -"
"$ISMAPCTL" plan export "$a" --format xlsx -o - >"$tmp/p.xlsx" && "$py" -c 'import zipfile,sys; zipfile.ZipFile(sys.argv[1]).namelist()' "$tmp/p.xlsx" && ok || no "plan export xlsx -o - to a file"
"$ISMAPCTL" catalog export iso27017 -o - >"$tmp/out" && isjson "$tmp/out" && ok || no "catalog export -o -"
grep -q '"catalog"' "$tmp/out" && ok || no "catalog export -o - is not the catalog"
"$ISMAPCTL" screening 住民記録クラウド --format csv -o - >"$tmp/out" && grep -q "5-1" "$tmp/out" && ok || no "screening csv -o -"
"$ISMAPCTL" screening 住民記録クラウド --format xlsx -o - >"$tmp/s.xlsx" && "$py" -c 'import zipfile,sys; zipfile.ZipFile(sys.argv[1]).namelist()' "$tmp/s.xlsx" && ok || no "screening xlsx -o -"
"$ISMAPCTL" export "$a" --format json >/dev/null 2>&1; [ $? = 2 ] && ok || no "export without -o is not a usage error"

# ---- connection errors ---------------------------------------------------------------------
"$ISMAPCTL" --socket "$tmp/nowhere.sock" ping >"$tmp/out" 2>"$tmp/err"; st=$?
[ $st = 2 ] && ok || no "refused connection exits $st"
grep -q "cannot connect to ipc://$tmp/nowhere.sock: connection refused — is ismapd running?" "$tmp/err" && ok || { no "refused connection message:"; cat "$tmp/err"; }
# A peer that completes the SP handshake as a REP socket and never answers: a timeout.
"$py" - "$tmp/fake.port" <<'EOF' &
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(4)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
conns = []
while True:
    c, _ = s.accept(); conns.append(c)
    c.sendall(b"\x00SP\x00\x00\x31\x00\x00")  # SP header: protocol REP0 (0x31)
EOF
fake=$!
wait_file "$tmp/fake.port" || no "the fake server did not start"
"$ISMAPCTL" --url "tcp://127.0.0.1:$(cat "$tmp/fake.port")" --timeout 1 ping >"$tmp/out" 2>"$tmp/err"; st=$?
[ $st = 2 ] && ok || no "timeout exits $st"
grep -q "timeout: no reply from ismapd at tcp://127.0.0.1:" "$tmp/err" && ok || { no "timeout message:"; cat "$tmp/err"; }
# An endpoint where nothing listens: the failed collection says the connection failed, never
# "unparseable response: HTTP 0".
"$ISMAPCTL" collect aws --endpoint-url http://127.0.0.1:9 --regions ap-northeast-1 --services ec2 \
  --wait >"$tmp/out" 2>"$tmp/err"; st=$?
[ $st = 1 ] && ok || no "collection at a closed port exits $st"
grep -q "connection to http://127.0.0.1:9 failed" "$tmp/err" && ! grep -q "HTTP 0" "$tmp/err" && ok ||
  { no "collection at a closed port:"; cat "$tmp/err"; }

json_checked
echo "cli_contract: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
