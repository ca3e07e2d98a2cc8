#!/usr/bin/env bash
# screening.sh — the procurement journey through ismapctl against a live ismapd: subjects, every
# importer fed the samples in tests/fixtures/evidence (locally and, with a procurement token,
# over loopback TCP), malformed files refused without changing anything, a file too big for the
# daemon's message limit, and `ismapctl screening` answering the three questions — is it listed,
# what is unmet, what does the evidence say — with CSV, XLSX and JSON exports read back.
set -u
. "$(dirname "$0")/../lib/shtest.sh"
: "${ISMAPD:?run through ctest}" "${ISMAPCTL:?run through ctest}" "${ISM_SOURCE_DIR:?run through ctest}"
F="$ISM_SOURCE_DIR/tests/fixtures/evidence"
tmp=$(mktemp -d /tmp/ismtest-screening-XXXXXX)
port=$(free_port)
# A small message limit, so "too big for the daemon" is cheap to reach.
"$ISMAPD" --data-dir "$tmp/data" --log-file "$tmp/log" --max-message 262144 \
  --listen "ipc://$tmp/data/ismapd.sock" --listen "tcp://127.0.0.1:$port" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
export ISMAP_SOCKET="$tmp/data/ismapd.sock"
wait_daemon "$pid" || exit 1
C="$ISMAPCTL"
TODAY=2025-09-01
S=住民記録クラウド

pyassert() { # pyassert NAME FILE PYTHON-EXPRESSION-ON-d
  if $PY -c "import json,sys; d=json.load(open(sys.argv[1])); assert $3, repr(d)[:600]" "$2" 2>"$tmp/pyerr"; then
    passes=$((passes+1)); else fails=$((fails+1)); echo "FAIL $1:"; tail -3 "$tmp/pyerr"; fi
}

# ---- subjects ----------------------------------------------------------------------------------
check subject-create 0 $C subject create "$S" --provider はまなすクラウド株式会社 \
  --service "Hamanasu 住民記録クラウド" --model SaaS --region 東京 --region 大阪
check subject-dup 1 $C subject create "$S" --provider x
contains subject-dup-text "$tmp/err" conflict
check subject-bad-model 1 $C subject create other --provider x --model FaaS
check subject-listed 0 $C subject create "Example IaaS 基盤" --provider "エグザンプル・クラウド株式会社" \
  --service "Example IaaS" --model IaaS
check subject-list 0 $C subject list
contains subject-list-text "$tmp/out" "Hamanasu 住民記録クラウド"

# ---- imports -----------------------------------------------------------------------------------
check kinds 0 $C evidence kinds
contains kinds-text "$tmp/out" "caiq"
check list-import 0 $C evidence import ismap-list "$F/ismap_list.csv" --as-of 2025-08-01 --today $TODAY
contains list-import-text "$tmp/out" '"entries":6'
check list-needs-no-subject 1 $C evidence import ismap-list "$F/ismap_list.csv" --subject "$S"
for f in "questionnaire questionnaire.xlsx" "soc2 soc2_type2.csv" "iso-cert iso27001_2022.json" \
         "iso-cert iso27001_2013.csv" "iso-cert iso27017.xlsx" "soa soa_2022.csv" \
         "soa soa_27017.json" "caiq caiq.csv"; do
  set -- $f
  check "import-$2" 0 $C evidence import "$1" "$F/$2" --subject "$S" --today $TODAY
done
check import-file 0 $C evidence import file "$F/contract.pdf" --subject "$S" --kind contract \
  --title 利用契約書 --date 2025-04-01 --issuer はまなすクラウド株式会社 --valid-until 2026-03-31 \
  --about "5-21 12.3.1"
contains import-file-text "$tmp/out" "SHA-256"
sha=$(sha256sum "$F/contract.pdf" | cut -c1-64)
[ -f "$tmp/data/files/${sha:0:2}/$sha" ] && passes=$((passes+1)) || { fails=$((fails+1)); echo "FAIL file not content-addressed"; }
# The CP932 CSV of the same answers: a second version; the first is kept.
check reimport 0 $C evidence import questionnaire "$F/questionnaire_cp932.csv" --subject "$S" --today $TODAY
contains reimport-version "$tmp/out" "(version 2)"
check list-all 0 $C --json evidence list "$S" --all --kind questionnaire
pyassert list-all-versions "$tmp/out" 'sorted((x["version"], x["state"]) for x in d) == [(1, "superseded"), (2, "current")]'
qid=$($PY -c 'import json,sys; print([x for x in json.load(open(sys.argv[1])) if x["version"]==1][0]["id"])' "$tmp/out")
check evidence-show 0 $C --json evidence show "$qid"
pyassert provenance "$tmp/out" 'd["source"]["name"] == "questionnaire.xlsx" and len(d["source"]["sha256"]) == 64 and d["imported_by"] == "local" and d["imported_at"] and d["state"] == "superseded"'

# ---- refusals: precise errors, nothing imported -------------------------------------------------
$C --json evidence list "$S" --all >"$tmp/before.json"
check bad-formula 1 $C evidence import questionnaire "$F/bad_formula.xlsx" --subject "$S"
contains bad-formula-where "$tmp/err" '"sheet":"別紙","row":26,"column":"D"'
check bad-duplicate 1 $C evidence import questionnaire "$F/bad_duplicate.csv" --subject "$S"
contains bad-duplicate-text "$tmp/err" "row 5-12 appears twice"
check bad-missing 1 $C evidence import questionnaire "$F/bad_missing_column.csv" --subject "$S"
contains bad-missing-text "$tmp/err" "missing column 適合状況"
check bad-encoding 1 $C evidence import questionnaire "$F/bad_eucjp.csv" --subject "$S"
contains bad-encoding-text "$tmp/err" "CP932"
check bad-truncated 1 $C evidence import questionnaire "$F/bad_truncated.xlsx" --subject "$S"
check bad-bomb 1 $C evidence import questionnaire "$F/bad_bomb.xlsx" --subject "$S"
contains bad-bomb-text "$tmp/err" "too_large"
check bad-date 1 $C evidence import iso-cert "$F/bad_serial_date.csv" --subject "$S"
contains bad-date-text "$tmp/err" "is a number, not a date"
check bad-soc2 1 $C evidence import soc2 "$F/bad_soc2.csv" --subject "$S"
contains bad-soc2-text "$tmp/err" "CC10.1"
check bad-kind 1 $C evidence import pdf "$F/contract.pdf" --subject "$S"
check bad-subject 1 $C evidence import caiq "$F/caiq.csv" --subject nobody
head -c 300000 /dev/urandom >"$tmp/big.bin"
check too-big 2 $C evidence import file "$tmp/big.bin" --subject "$S"
contains too-big-text "$tmp/err" "max_message_bytes"
$C --json evidence list "$S" --all >"$tmp/after.json"
cmp -s "$tmp/before.json" "$tmp/after.json" && passes=$((passes+1)) || { fails=$((fails+1)); echo "FAIL refusals changed the evidence"; diff "$tmp/before.json" "$tmp/after.json" | head; }

# ---- the ISMAP list ------------------------------------------------------------------------------
check lookup-listed 0 $C ismap-list lookup "（株）エービーシー" "ABCクラウドプラットフォーム" --today $TODAY
contains lookup-listed-text "$tmp/out" "valid until 2026-10-31"
check lookup-expired 0 $C ismap-list lookup レガシー・システムズ オールド・ストレージ --today $TODAY
contains lookup-expired-text "$tmp/out" "expired on 2024-05-01"
check lookup-not 0 $C ismap-list lookup はまなすクラウド株式会社 "Hamanasu 住民記録クラウド" --today $TODAY
contains lookup-not-text "$tmp/out" "is not on the ISMAP"

# ---- the screening: the three questions ----------------------------------------------------------
check screening 0 $C screening "$S" --today $TODAY
contains q1-listed "$tmp/out" "is not on the ISMAP or ISMAP-LIU list"
contains q2-unmet "$tmp/out" "unmet must-meet items (1)"
contains q2-unmet-item "$tmp/out" "12.7.1"
contains q2-review "$tmp/out" "alternative measures to review (18)"
contains q3-evidence "$tmp/out" "SOC 2 Type II"
contains q3-carve-out "$tmp/out" "carved out"
contains q3-duties "$tmp/out" "customer duties (7)"
check screening-json 0 $C --json screening "$S" --today $TODAY
pyassert verdict "$tmp/out" 'd["verdict"]["decision"] == "unmet_requirements" and d["verdict"]["must_meet"] == {"total": 152, "met": 133, "unmet": 1, "alternative": 18, "no_evidence": 0, "not_required": 0}'
pyassert listing "$tmp/out" 'd["listing"]["status"] == "not_listed" and d["listing"]["similar"][0]["service"] == "はまなす文書管理"'
pyassert evidence-says "$tmp/out" '{e["kind"] for r in d["rows"] for i in r["items"] if i["id"] == "9.2.1" for e in i["evidence"]} >= {"questionnaire", "soc2", "soa"}'
pyassert file-evidence "$tmp/out" 'any(e["kind"] == "file" for r in d["rows"] for i in r["items"] if i["id"] == "12.3.1" for e in i["evidence"])'
check screening-listed 0 $C screening "Example IaaS 基盤" --today $TODAY
contains listed-text "$tmp/out" "listed on ISMAP (registration C23-0101-1) and valid until 2026-07-31"
contains listed-decision "$tmp/out" "decision:     ISMAP登録済（listed）"
check screening-bad-today 1 $C screening "$S" --today 2025-02-30

# ---- exports -------------------------------------------------------------------------------------
check export-xlsx 0 $C screening "$S" --today $TODAY --format xlsx -o "$tmp/s.xlsx"
$PY - "$tmp/s.xlsx" >"$tmp/xlsx.txt" 2>&1 <<'EOF'
import re, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
wb = z.read("xl/workbook.xml").decode()
names = re.findall(r'<sheet name="([^"]+)"', wb)
assert names == ["判定概要", "別紙", "必須管理策", "証跡"], names
sst = z.read("xl/sharedStrings.xml").decode()
assert "不適合" in sst and "代替策要確認" in sst and "'=HYPERLINK" in sst, "verdicts or neutralized remark missing"
assert "<f>" not in z.read("xl/worksheets/sheet2.xml").decode(), "a formula in the export"
rows = re.findall(r"<row ", z.read("xl/worksheets/sheet3.xml").decode())
assert len(rows) == 153, len(rows)
print("xlsx ok")
EOF
contains export-xlsx-reads "$tmp/xlsx.txt" "xlsx ok"
check export-xlsx-stdout 2 $C screening "$S" --format xlsx
check export-csv 0 $C screening "$S" --today $TODAY --format csv -o "$tmp/s.csv"
head -c 3 "$tmp/s.csv" | od -An -tx1 | grep -q "ef bb bf" && passes=$((passes+1)) || { fails=$((fails+1)); echo "FAIL csv BOM"; }
contains export-csv-neutral "$tmp/s.csv" "\"'=HYPERLINK"
grep -q '"=HYPERLINK' "$tmp/s.csv" && { fails=$((fails+1)); echo "FAIL csv formula not neutralized"; } || passes=$((passes+1))
check export-json 0 $C screening "$S" --today $TODAY --format json -o "$tmp/s.json"
pyassert export-json-parse "$tmp/s.json" 'd["verdict"]["must_meet"]["unmet"] == 1'
check export-bad 1 $C screening "$S" --format pdf -o "$tmp/x"

# ---- a remote officer: procurement token over TCP sends the file's bytes ---------------------------
check token 0 $C token create --name officer --role procurement --org city --json
tok=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"])' "$tmp/out")
check viewer 0 $C token create --name viewer --role viewer --org city --json
vtok=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"])' "$tmp/out")
R=("$C" --url "tcp://127.0.0.1:$port" --token "$tok")
check remote-subject 0 "${R[@]}" subject create 市の住民記録 --provider はまなすクラウド株式会社 --service "Hamanasu 住民記録クラウド"
check remote-not-others 1 "${R[@]}" subject show "$S"
check remote-import 0 "${R[@]}" evidence import questionnaire "$F/questionnaire.xlsx" --subject 市の住民記録 --today $TODAY
check remote-screening 0 "${R[@]}" screening 市の住民記録 --today $TODAY
contains remote-screening-text "$tmp/out" "unmet must-meet items (1)"
check viewer-denied 1 "$C" --url "tcp://127.0.0.1:$port" --token "$vtok" evidence import caiq "$F/caiq.csv" --subject 市の住民記録
contains viewer-denied-text "$tmp/err" permission_denied
check viewer-screens 0 "$C" --url "tcp://127.0.0.1:$port" --token "$vtok" screening 市の住民記録 --today $TODAY

# ---- --about with ids that name nothing: refused, naming them; nothing stored -----------------------
$C --json evidence list "$S" --all >"$tmp/before.json"
check about-unknown 1 $C evidence import file "$F/contract.pdf" --subject "$S" --kind sla \
  --title SLA --about "5-21 99.9.9 保守 5-99 ismap:12.3.1"
contains about-unknown-ids "$tmp/err" "99.9.9, 5-99"
$C --json evidence list "$S" --all >"$tmp/after.json"
cmp -s "$tmp/before.json" "$tmp/after.json" && passes=$((passes+1)) || { fails=$((fails+1)); echo "FAIL --about refusal stored something"; }

# ---- long multibyte names: whole, readable, never a hidden row or a superseded good version --------
# A name longer than a file system allows only comes through the API (ismapctl call).
$PY - "$F/questionnaire_cp932.csv" "$S" "$tmp/params.json" <<'EOF'
import base64, json, sys
data = base64.b64encode(open(sys.argv[1], "rb").read()).decode()
json.dump({"kind": "questionnaire", "subject": sys.argv[2], "name": "a" + "あ" * 120 + ".csv",
           "content_base64": data, "today": "2025-09-01"}, open(sys.argv[3], "w"), ensure_ascii=False)
EOF
check long-name 0 $C call evidence.import "$(cat "$tmp/params.json")"
pyassert long-name-whole "$tmp/out" 'd["evidence"]["source"]["name"] == "a" + "あ" * 120 + ".csv" and d["evidence"]["state"] == "current"'
check long-name-screening 0 $C --json screening "$S" --today $TODAY
pyassert long-name-verdict "$tmp/out" 'd["verdict"]["must_meet"]["unmet"] == 1 and d["verdict"]["must_meet"]["no_evidence"] == 0'
$C --json evidence list "$S" --all >"$tmp/before.json"
title=$($PY -c 'print("長い件名の利用契約書" * 10)')
"$C" --json evidence import file "$F/contract.pdf" --subject "$S" --kind contract --title "$title" \
  --date 2025-04-01 >"$tmp/out" 2>"$tmp/err"; got=$?
$C --json evidence list "$S" --all >"$tmp/after.json"
if [ $got = 0 ]; then  # stored: then whole and readable
  pyassert long-title-whole "$tmp/out" 'd["evidence"]["title"] == "長い件名の利用契約書" * 10'
else                   # refused: then nothing left behind
  cmp -s "$tmp/before.json" "$tmp/after.json" && passes=$((passes+1)) || { fails=$((fails+1)); echo "FAIL a refused import left a row behind"; diff "$tmp/before.json" "$tmp/after.json" | head; }
fi

echo "screening: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
