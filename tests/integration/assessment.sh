#!/usr/bin/env bash
# assessment.sh — the auditor's journey through ismapctl against a live ismapd: import a
# snapshot, attach evidence, create an assessment and evaluate it, read the matrix and the
# findings, record a judgment and a waiver and see the matrix follow, export every format,
# and diff against a second assessment where a setting was fixed.
set -u
. "$(dirname "$0")/../lib/shtest.sh"
: "${ISMAPD:?run through ctest}" "${ISMAPCTL:?run through ctest}" "${ISM_SOURCE_DIR:?}" "${ISMSNAPFIX:?}"
tmp=$(mktemp -d /tmp/ismtest-assess-XXXXXX)
"$ISMAPD" --data-dir "$tmp/data" --log-file "$tmp/log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
export ISMAP_SOCKET="$tmp/data/ismapd.sock"
wait_daemon "$pid" || exit 1
fx="$ISM_SOURCE_DIR/tests/fixtures"

fails=0 passes=0
ok() { passes=$((passes+1)); }
no() { fails=$((fails+1)); echo "FAIL $*"; }
run() { "$@" >"$tmp/out" 2>"$tmp/err" && ok || { no "exit $? from: $*"; cat "$tmp/err"; return 1; }; }
has() { grep -q -- "$1" "$tmp/out" && ok || { no "'$1' not in the output"; head -30 "$tmp/out"; }; }
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($1)" "$tmp/out"; }

# Two snapshots: the base tenant, and the same with the root access key removed (fixed).
"$ISMSNAPFIX" "$fx/snapshots/base.json" "$tmp/base.db" || no "building the base snapshot"
"$ISMSNAPFIX" "$fx/snapshots/base.json" "$fx/snapshots/aws-iam-root-access-keys/fail.json" "$tmp/bad.db" \
  || no "building the failing snapshot"
run "$ISMAPCTL" snapshot import "$tmp/bad.db"; bad=$(cat "$tmp/out")
run "$ISMAPCTL" snapshot import "$tmp/base.db"; good=$(cat "$tmp/out")
run "$ISMAPCTL" snapshot verify "$bad"
has "verified"
echo "not a snapshot" >"$tmp/junk.db"
"$ISMAPCTL" snapshot import "$tmp/junk.db" >"$tmp/out" 2>&1 && no "junk accepted as a snapshot" || ok

run "$ISMAPCTL" subject create みなと市住民記録基盤 --kind workload --environment production \
  --account 111122223333 --organization みなと市
run "$ISMAPCTL" frameworks
has "mic-cloud-addon"

# Assessment of the failing snapshot.
run "$ISMAPCTL" assessment create みなと市住民記録基盤 --frameworks ismap-must-meet,mic-cloud-addon \
  --snapshot "$bad" --name "2026年度 監査" --wait \
  --meta '{"purpose":"標準準拠システムのクラウド利用に係る情報セキュリティ対策の確認","auditee":"情報政策課"}'
a1=$(cat "$tmp/out")
[ -n "$a1" ] && ok || no "no assessment id"
run "$ISMAPCTL" assessment show "$a1"
has "ready"
run "$ISMAPCTL" matrix "$a1" --json
total=$(json 'len(d["requirements"])')
[ "$total" = 188 ] && ok || no "matrix has $total requirements, not 152 + 36"
nsat=$(json 'd["counts"]["not_satisfied"] + d["counts"]["partial"]')
[ "$nsat" -ge 1 ] && ok || no "no unsatisfied requirement although a check fails"
run "$ISMAPCTL" findings "$a1" --status fail --json
json 'sorted(set(f["check"] for f in d["findings"]))' | grep -q "aws-iam-root-access-keys" && ok || { no "root key finding missing"; head -c 600 "$tmp/out"; }
run "$ISMAPCTL" findings "$a1" --status fail
has "aws-iam-root-access-keys"

# A requirement the root-key check bears on: judge it, then waive it, and watch the status.
run "$ISMAPCTL" matrix "$a1" --json
item=$(json "[r['item'] for r in d['requirements'] if any(x.get('check')=='aws-iam-root-access-keys' for x in r['reasons'])][0]")
cat_=$(json "[r['catalog'] for r in d['requirements'] if r['item']=='$item'][0]")
[ -n "$item" ] && ok || no "no requirement names the root access key check"
run "$ISMAPCTL" judge "$a1" "$item" --catalog $cat_ --result partial --examined "IAM設定画面" \
  --findings "ルートユーザーにアクセスキーが残存" --improvement "アクセスキーを削除する"
run "$ISMAPCTL" matrix "$a1" --json
st=$(json "[r['status'] for r in d['requirements'] if r['item']=='$item'][0]")
[ "$st" = partial ] && ok || no "judged item has status $st, not partial"
"$ISMAPCTL" judge "$a1" "$item" --catalog $cat_ --result great >/dev/null 2>&1; [ $? = 2 ] && ok || no "bad result accepted (or not a usage error)"
run "$ISMAPCTL" waiver add --item "$item" --catalog $cat_ --justification "移行完了まで" \
  --approver "CISO" --ticket SEC-7 --expires 2099-12-31 --assessment "$a1"
wid=$(awk '{print $2}' "$tmp/out")
run "$ISMAPCTL" matrix "$a1" --status waived --json
json "[r['item'] for r in d['requirements']]" | grep -q -- "'$item'" && ok || no "waived item not shown as waived"
run "$ISMAPCTL" waiver list
has "$wid"
run "$ISMAPCTL" waiver revoke "$wid"
run "$ISMAPCTL" matrix "$a1" --json
st=$(json "[r['status'] for r in d['requirements'] if r['item']=='$item'][0]")
[ "$st" = partial ] && ok || no "after revoking, status is $st, not back to partial"
"$ISMAPCTL" waiver add --item "$item" --catalog $cat_ --justification x --approver y \
  --expires tomorrow >/dev/null 2>&1; [ $? = 1 ] && ok || no "bad expiry accepted"

# Exports.
for f in csv csv-findings xlsx json oscal html; do
  run "$ISMAPCTL" export "$a1" --format $f -o "$tmp/report.$f"
  [ -s "$tmp/report.$f" ] && ok || no "empty $f export"
done
# One shape per object: a requirement in `matrix --json` (the matrix.get op) is the JSON
# report's REQUIREMENT, key for key (same order) and value for value (true stays true, not 1).
day=$(TZ=Asia/Tokyo date +%F)
run "$ISMAPCTL" export "$a1" --format json --today "$day" -o "$tmp/same.json"
run "$ISMAPCTL" matrix "$a1" --today "$day" --json
same_shape() {
  python3 -c '
import json, sys
def load(p):
    return json.load(open(p), object_pairs_hook=lambda kv: kv)
rep = dict(load(sys.argv[1]))["requirements"]
mat = dict(load(sys.argv[2]))["requirements"]
want = sys.argv[3]
if want:
    rep = [r for r in rep if dict(r)["status"] == want]
assert rep, "nothing to compare"
assert len(rep) == len(mat), (len(rep), len(mat))
for a, b in zip(rep, mat):
    ka, kb = [k for k, _ in a], [k for k, _ in b]
    assert ka == kb, (dict(a)["item"], ka, kb)
    assert json.dumps(a) == json.dumps(b), (dict(a)["item"], [k for (k, x), (_, y) in zip(a, b) if json.dumps(x) != json.dumps(y)])
' "$tmp/same.json" "$tmp/out" "${1:-}"
}
same_shape && ok || no "matrix --json and the JSON export give requirements in different shapes"
run "$ISMAPCTL" matrix "$a1" --today "$day" --status partial --json
same_shape partial && ok || no "matrix --status partial --json differs from the export's partial requirements"
head -c 3 "$tmp/report.csv" | od -An -tx1 | grep -q "ef bb bf" && ok || no "CSV has no BOM"
python3 -c 'import zipfile,sys; z=zipfile.ZipFile(sys.argv[1]); n=z.namelist(); assert any("worksheets" in x for x in n), n' "$tmp/report.xlsx" && ok || no "XLSX is not a workbook"
python3 -c 'import xml.dom.minidom,sys; xml.dom.minidom.parse(sys.argv[1])' "$tmp/report.html" && ok || no "HTML is not well-formed"
grep -q "監査目的" "$tmp/report.html" && grep -q "情報政策課" "$tmp/report.html" && ok || no "HTML report header"
schemas="${ISM_SHARED_DIR:-$ISM_SOURCE_DIR/../shared}/reference/oscal-schemas"
if [ -d "$schemas" ] && /usr/bin/python3 -c 'import jsonschema' 2>/dev/null; then
  /usr/bin/python3 "$ISM_SOURCE_DIR/tests/tools/validate_oscal.py" "$schemas" assessment-results \
    "$tmp/report.oscal" >"$tmp/v" && ok || { no "OSCAL assessment-results invalid"; cat "$tmp/v"; }
fi

# A second assessment over the fixed snapshot; the diff shows what changed.
run "$ISMAPCTL" assessment create みなと市住民記録基盤 --frameworks ismap-must-meet,mic-cloud-addon \
  --snapshot "$good" --name "是正後" --wait
a2=$(cat "$tmp/out")
run "$ISMAPCTL" diff "$a1" "$a2" --json
res=$(json 'len(d["findings_resolved"])')
[ "$res" -ge 1 ] && ok || no "diff shows $res resolved findings"
json '[f["check"] for f in d["findings_resolved"]]' | grep -q aws-iam-root-access-keys && ok || no "root key fix not in the diff"
run "$ISMAPCTL" diff "$a1" "$a2"
has "resolved findings"
run "$ISMAPCTL" assessment list
has "是正後"

echo "assessment: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
