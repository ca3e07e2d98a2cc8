#!/usr/bin/env bash
# engagement.sh — the auditor's engagement end to end through ismapctl against a live ismapd:
# a plan written, approved and frozen; working papers with evidence and finding references and
# an attachment; the 監査報告書 drafted, issued (frozen, signed), verified, and refused once
# tampered; the 公開版 scanned for every account id, ARN and IP of the fixture tenant; then a
# follow-up assessment that carries the previous judgments and 改善勧告 forward and tells a
# recommendation resolved by a new collection from one that was not collected this time.
set -u
. "$(dirname "$0")/../lib/shtest.sh"
: "${ISMAPD:?run through ctest}" "${ISMAPCTL:?run through ctest}" "${ISM_SOURCE_DIR:?}" "${ISMSNAPFIX:?}"
tmp=$(mktemp -d /tmp/ismtest-engage-XXXXXX)
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
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($1)" "$tmp/out"; }
call() { run "$ISMAPCTL" call "$@"; }
refused() { # refused CODE OP PARAMS: the call fails with that error code
  "$ISMAPCTL" --json call "$2" "$3" >"$tmp/out" 2>"$tmp/err"
  grep -q "$1" "$tmp/err" "$tmp/out" && ok || { no "$2 not refused with $1"; cat "$tmp/err" "$tmp/out" | head -5; }
}

# The tenant: three things broken (root access key, SSH open to the internet, no MFA on root).
overlays="$fx/snapshots/aws-iam-root-access-keys/fail.json $fx/snapshots/aws-ec2-sg-admin-ports/fail.json $fx/snapshots/aws-iam-root-mfa/fail.json"
# shellcheck disable=SC2086
"$ISMSNAPFIX" "$fx/snapshots/base.json" $overlays "$tmp/bad.db" || no "building the snapshot"
# The follow-up's collection: the root key fixed, root MFA still missing, and the security
# groups not collected at all this time (so SSH open to the internet is not known to be fixed).
echo '{"remove": [{"type": "ec2.SecurityGroup"}]}' >"$tmp/no-sg.json"
"$ISMSNAPFIX" "$fx/snapshots/base.json" "$fx/snapshots/aws-iam-root-mfa/fail.json" "$tmp/no-sg.json" \
  "$tmp/next.db" || no "building the second snapshot"
run "$ISMAPCTL" snapshot import "$tmp/bad.db"; bad=$(cat "$tmp/out")
run "$ISMAPCTL" snapshot import "$tmp/next.db"; next=$(cat "$tmp/out")
run "$ISMAPCTL" subject create みなと市住民記録基盤 --kind workload --environment production \
  --account 111122223333 --account 444455556666 --organization みなと市
run "$ISMAPCTL" --json evidence import file "$fx/evidence/contract.pdf" --subject みなと市住民記録基盤 \
  --kind contract --title 利用契約書 --date 2025-04-01 --issuer はまなすクラウド株式会社 \
  --valid-until 2099-03-31 --about "12.3.1"
ev=$(json 'd["evidence"]["id"]')

# An auditor with a name: what judgments and papers record.
run "$ISMAPCTL" --json token create --name "監査人 山田花子" --role admin
tok=$(json 'd["token"]')
export ISMAP_TOKEN="$tok"

run "$ISMAPCTL" assessment create みなと市住民記録基盤 --frameworks ismap-must-meet,mic-cloud-addon \
  --snapshot "$bad" --name "令和8年度 情報セキュリティ監査" --wait \
  --meta '{"purpose":"クラウド利用の情報セキュリティ対策の確認","auditee":"情報政策課"}'
a1=$(cat "$tmp/out")

# ---- 1. the plan ----------------------------------------------------------------------------
call plan.get "{\"assessment\":\"$a1\"}"
[ "$(json 'd["version"]')" = 0 ] && ok || no "a new assessment already has a plan"
call plan.update "{\"assessment\":\"$a1\",\"plan\":{\"theme\":\"クラウドサービス利用の重点監査\",\"scope\":\"住民記録基盤（AWS 2 アカウント）\",\"method\":\"レビュー、インタビュー、自動チェック\",\"schedule\":[{\"phase\":\"本調査\",\"from\":\"2026-11-20\",\"to\":\"2026-11-27\"}],\"team\":[{\"name\":\"山田花子\",\"role\":\"主任監査人\"},{\"name\":\"佐藤一郎\",\"role\":\"監査人\"}],\"frameworks\":[\"mic-cloud-addon\",\"mic-beta\"],\"standards\":[\"地方公共団体における情報セキュリティ監査に関するガイドライン（令和7年3月版）\"]}}"
[ "$(json 'd["version"]')" = 1 ] && ok || no "plan not at version 1"
[ "$(json 'd["plan"]["purpose"]')" = "クラウド利用の情報セキュリティ対策の確認" ] && ok || no "plan did not start from the assessment's meta"
refused invalid_params plan.update "{\"assessment\":\"$a1\",\"plan\":{\"frameworks\":[\"mic-gamma\"]}}"
refused invalid_params plan.update "{\"assessment\":\"$a1\",\"plan\":{\"budget\":\"1\"}}"
refused conflict plan.update "{\"assessment\":\"$a1\",\"version\":7,\"plan\":{\"theme\":\"x\"}}"
call plan.export "{\"assessment\":\"$a1\",\"format\":\"doc\"}"
json 'json.dumps(d["document"], ensure_ascii=False)' | grep -q "ガバメントクラウド\|β\|監査実施体制" && ok || no "plan document lacks its sections"
json 'json.dumps(d["document"], ensure_ascii=False)' | grep -q "佐藤一郎" && ok || no "plan document lacks the team"
run "$ISMAPCTL" call plan.export "{\"assessment\":\"$a1\",\"format\":\"xlsx\"}"
python3 -c 'import json,sys,base64,zipfile,io; d=json.load(open(sys.argv[1])); z=zipfile.ZipFile(io.BytesIO(base64.b64decode(d["content_base64"]))); assert any("sheet" in n for n in z.namelist())' "$tmp/out" && ok || no "plan XLSX is not a workbook"
call plan.approve "{\"assessment\":\"$a1\"}"
[ "$(json 'd["state"]')" = approved ] && ok || no "plan not approved"
[ "$(json 'd["approved_by"]')" = "監査人 山田花子" ] && ok || no "approver is not the token's name"
refused conflict plan.update "{\"assessment\":\"$a1\",\"plan\":{\"theme\":\"後から変更\"}}"
refused conflict plan.approve "{\"assessment\":\"$a1\"}"
call plan.history "{\"assessment\":\"$a1\"}"
[ "$(json 'len(d)')" = 2 ] && ok || no "plan history does not keep the version and the approval"

# ---- 2. working papers -------------------------------------------------------------------------
run "$ISMAPCTL" --json matrix "$a1"
item=$(json "[r['item'] for r in d['requirements'] if any(x.get('check')=='aws-iam-root-access-keys' and x.get('fail',0)>0 for x in r['reasons'])][0]")
cat_=$(json "[r['catalog'] for r in d['requirements'] if r['item']=='$item'][0]")
arn=$("$ISMAPCTL" --json findings "$a1" --status fail --check aws-iam-root-access-keys | python3 -c 'import json,sys; f=json.load(sys.stdin)["findings"][0]; print(f["arn"] or f["resource_id"])')
call workpaper.add "{\"assessment\":\"$a1\",\"catalog\":\"$cat_\",\"item\":\"$item\",\"procedures\":\"IAM 資格情報レポートを閲覧\",\"materials\":[{\"kind\":\"evidence\",\"id\":\"$ev\"},{\"kind\":\"finding\",\"check\":\"aws-iam-root-access-keys\",\"resource\":\"$arn\"}],\"interviews\":[{\"interviewee\":\"情報政策課 担当\",\"summary\":\"ルートのキーは移行時のもの\"}],\"conclusion\":\"ルートユーザーにアクセスキーが残る【内部】担当者の端末 10.1.2.3 で使用【/内部】\",\"result\":\"partial\"}"
[ "$(json 'd["version"]')" = 1 ] && ok || no "first paper is not version 1"
[ "$(json 'd["by"]')" = "監査人 山田花子" ] && ok || no "paper not by the token's name"
json 'd["materials"][1]["snapshot_sha256"]' | grep -qE '^[0-9a-f]{64}$' && ok || no "finding reference without its snapshot's hash"
json 'd["materials"][0]["sha256"]' | grep -qE '^[0-9a-f]{64}$' && ok || no "evidence reference without its hash"
refused not_found workpaper.add "{\"assessment\":\"$a1\",\"catalog\":\"$cat_\",\"item\":\"$item\",\"materials\":[{\"kind\":\"evidence\",\"id\":\"ev_0000000000000000\"}]}"
refused not_found workpaper.add "{\"assessment\":\"$a1\",\"catalog\":\"$cat_\",\"item\":\"$item\",\"materials\":[{\"kind\":\"finding\",\"check\":\"aws-iam-root-access-keys\",\"resource\":\"no-such\"}]}"
b64=$(printf 'screenshot of the IAM console' | base64)
call workpaper.attach "{\"assessment\":\"$a1\",\"catalog\":\"$cat_\",\"item\":\"$item\",\"name\":\"iam.png\",\"media_type\":\"image/png\",\"content_base64\":\"$b64\"}"
sha=$(printf 'screenshot of the IAM console' | sha256sum | cut -d' ' -f1)
[ "$(json 'd["attachments"][0]["sha256"]')" = "$sha" ] && ok || no "attachment not content-addressed"
[ -f "$tmp/data/files/${sha:0:2}/$sha" ] && ok || no "attachment not in the file store"
[ "$(json 'd["version"]')" = 2 ] && ok || no "attaching did not add a version"
[ "$(json 'd["conclusion"][:10]')" = "ルートユーザーにアク" ] && ok || no "attaching lost the paper's fields"
call workpaper.history "{\"assessment\":\"$a1\",\"catalog\":\"$cat_\",\"item\":\"$item\"}"
[ "$(json 'len(d)')" = 2 ] && ok || no "history is not append-only"
run "$ISMAPCTL" judge "$a1" "$item" --catalog "$cat_" --result partial --findings "ルートユーザーにアクセスキー（$arn）" --improvement "ルートのアクセスキーを削除する"
call judgment.history "{\"assessment\":\"$a1\",\"catalog\":\"$cat_\",\"item\":\"$item\"}"
[ "$(json 'd[0]["by"]')" = "監査人 山田花子" ] && ok || no "judgment not recorded under the token's name"

# ---- 3. the report -------------------------------------------------------------------------------
call report.draft.get "{\"assessment\":\"$a1\"}"
[ "$(json 'len(d["summary"]["suggested_recommendations"]) > 0')" = True ] && ok || no "no 改善勧告 offered"
[ "$(json 'len(d["redaction_rules"]) >= 5')" = True ] && ok || no "redaction rules not visible"
call report.draft.update "{\"assessment\":\"$a1\",\"draft\":{\"addressee\":\"みなと市 CISO 殿\",\"report_date\":\"2026-12-05\",\"overall\":\"概ね適切だが、特権 ID の管理に緊急の改善を要する。\",\"commendable\":[\"ログの保全が全リージョンで有効\",{\"text\":\"内部メモ\",\"internal\":true}],\"special_notes\":[\"監査対象アカウント 111122223333 の一部リージョンは対象外\"]}}"
[ "$(json 'd["version"]')" = 1 ] && ok || no "draft not at version 1"
refused invalid_params report.draft.update "{\"assessment\":\"$a1\",\"draft\":{\"recommendations\":[{\"text\":\"x\",\"priority\":\"soon\"}]}}"
for v in detailed public; do
  call report.export "{\"assessment\":\"$a1\",\"format\":\"doc\",\"version\":\"$v\"}"
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["document"]; t=json.dumps(d,ensure_ascii=False); assert "案" in d["footer"]; assert "…" not in t, "cut text"; assert "11.3 未評価の項目" in t' "$tmp/out" && ok || no "draft $v document"
done
call report.issue "{\"assessment\":\"$a1\"}"
[ "$(json 'd["state"]')" = issued ] && ok || no "report not issued"
refused conflict report.issue "{\"assessment\":\"$a1\"}"
refused conflict report.draft.update "{\"assessment\":\"$a1\",\"draft\":{\"overall\":\"後から\"}}"
call report.verify "{\"assessment\":\"$a1\"}"
[ "$(json 'd["ok"]')" = True ] && ok || no "issued report does not verify"
for v in detailed public; do
  run "$ISMAPCTL" call report.export "{\"assessment\":\"$a1\",\"format\":\"json\",\"version\":\"$v\"}"
  python3 -c 'import json,sys,base64; d=json.load(open(sys.argv[1])); open(sys.argv[2],"wb").write(base64.b64decode(d["content_base64"]))' "$tmp/out" "$tmp/issued-$v.json"
  run "$ISMAPCTL" call report.export "{\"assessment\":\"$a1\",\"format\":\"html\",\"version\":\"$v\"}"
  python3 -c 'import json,sys,base64; d=json.load(open(sys.argv[1])); open(sys.argv[2],"wb").write(base64.b64decode(d["content_base64"]))' "$tmp/out" "$tmp/report-$v.html"
  python3 -c 'import xml.dom.minidom,sys; xml.dom.minidom.parse(sys.argv[1])' "$tmp/report-$v.html" && ok || no "$v HTML not well-formed"
done
grep -q "山田花子" "$tmp/report-detailed.html" && ok || no "auditor's name not in the report"
grep -q "10.1.2.3" "$tmp/report-detailed.html" && ok || no "the 詳細版 lost the internal note"
# The exported issued report verifies; changed by one character, it does not.
run "$ISMAPCTL" report verify --file "$tmp/issued-detailed.json"
grep -q "^verified" "$tmp/out" && ok || no "exported issued report does not verify"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["body"]["draft"]["overall"] += "。"; json.dump(d, open(sys.argv[2], "w"))' "$tmp/issued-detailed.json" "$tmp/tampered.json"
"$ISMAPCTL" --json report verify --file "$tmp/tampered.json" >"$tmp/out"; st=$?
[ $st = 1 ] && [ "$(json 'd["hash_matches"]')" = False ] && ok || no "a tampered report verifies (exit $st)"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["signature"] = d["signature"][::-1]; json.dump(d, open(sys.argv[2], "w"))' "$tmp/issued-detailed.json" "$tmp/badsig.json"
"$ISMAPCTL" --json report verify --file "$tmp/badsig.json" >"$tmp/out"
[ "$(json 'd["signature_valid"]')" = False ] && ok || no "a bad signature verifies"
run "$ISMAPCTL" report verify "$a1"
grep -q "^verified" "$tmp/out" && ok || no "stored issued report does not verify"

# The 公開版 holds no account id, ARN or IP of the tenant (all of the fixtures it was built from).
python3 - "$tmp/issued-public.json" "$tmp/report-public.html" "$fx/snapshots/base.json" $overlays <<'EOF' && ok || no "the 公開版 leaks tenant identifiers"
import json, re, sys
pub = [open(p, encoding="utf-8").read() for p in sys.argv[1:3]]
pub[0] = json.dumps(json.load(open(sys.argv[1]))["body"]["public"], ensure_ascii=False)
text = "\n".join(open(p, encoding="utf-8").read() for p in sys.argv[3:])
secrets = set(re.findall(r"(?<!\d)\d{12}(?!\d)", text))
secrets |= set(re.findall(r"arn:aws[\w:/.*-]*", text))
secrets |= {ip for ip in re.findall(r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?:/\d+)?", text)}
secrets |= {"10.1.2.3"}
assert len(secrets) > 5, secrets
leaks = sorted(s for s in secrets for p in pub if s in p)
assert not leaks, leaks
assert "［アカウントID］" in pub[0] or "［ARN］" in pub[0]
assert "内部メモ" not in pub[0]
EOF

# The PDFs (plan, 詳細版, 公開版) render back to images page by page, and the 公開版's text leaks
# nothing either (whitespace removed: a table cell may break an ARN across lines).
for what in "plan.export:plan" "report.export:detailed" "report.export:public"; do
  op=${what%%:*}; v=${what#*:}
  if [ "$op" = plan.export ]; then params="{\"assessment\":\"$a1\",\"format\":\"pdf\"}"
  else params="{\"assessment\":\"$a1\",\"format\":\"pdf\",\"version\":\"$v\"}"; fi
  run "$ISMAPCTL" call "$op" "$params"
  python3 -c 'import json,sys,base64; d=json.load(open(sys.argv[1])); open(sys.argv[2],"wb").write(base64.b64decode(d["content_base64"]))' "$tmp/out" "$tmp/$v.pdf"
  head -c 5 "$tmp/$v.pdf" | grep -q '%PDF-' && ok || no "$v: not a PDF"
done
if command -v pdftoppm >/dev/null && command -v pdftotext >/dev/null; then
  for v in plan detailed public; do
    mkdir -p "$tmp/png-$v"
    pdftoppm -r 30 -png "$tmp/$v.pdf" "$tmp/png-$v/p" && [ "$(ls "$tmp/png-$v" | wc -l)" -ge 1 ] && ok || no "$v.pdf does not render"
  done
  pdftotext -enc UTF-8 "$tmp/public.pdf" "$tmp/public.txt"
  python3 - "$tmp/public.txt" "$fx/snapshots/base.json" $overlays <<'EOF' && ok || no "the 公開版 PDF leaks tenant identifiers"
import re, sys
pub = re.sub(r"\s", "", open(sys.argv[1], encoding="utf-8").read())
text = "\n".join(open(p, encoding="utf-8").read() for p in sys.argv[2:])
secrets = set(re.findall(r"(?<!\d)\d{12}(?!\d)", text)) | set(re.findall(r"arn:aws[\w:/.*-]*", text))
secrets |= {ip for ip in re.findall(r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?:/\d+)?", text)} | {"10.1.2.3"}
assert len(pub) > 500, "the PDF's text is nearly empty"
leaks = sorted(s for s in secrets if s in pub)
assert not leaks, leaks
EOF
else
  echo "pdftoppm/pdftotext not installed: PDF page checks skipped"
fi

# ---- 4. follow-up ---------------------------------------------------------------------------------
run "$ISMAPCTL" assessment create みなと市住民記録基盤 --frameworks ismap-must-meet,mic-cloud-addon \
  --snapshot "$next" --name "フォローアップ監査" --wait
a2=$(cat "$tmp/out")
call followup.get "{\"assessment\":\"$a2\"}"
[ "$(json 'd["previous"]["id"]')" = "$a1" ] && ok || no "follow-up does not look back to the issued assessment"
[ "$(json 'd["judgments"][0]["label"]')" = "前回の判断 (要再確認)" ] && ok || no "previous judgments not carried forward"
rec=$(json "[r['id'] for r in d['recommendations'] if r.get('checks')==['aws-iam-root-access-keys']][0]")
json "[r['resolution'] for r in d['recommendations'] if r['id']=='$rec'][0]" | grep -q resolved_by_collection && ok || no "root key fix not resolved by the new collection"
json "[r['resolution'] for r in d['recommendations'] if r.get('checks')==['aws-ec2-sg-admin-ports']]" | grep -q "not_collected" && ok || no "SSH rule not collected this time, yet not said so"
json "[r['resolution'] for r in d['recommendations'] if 'aws-iam-root-mfa' in r.get('checks',[])]" | grep -q "open" && ok || no "root MFA still missing, yet not open"
call remediation.update "{\"assessment\":\"$a1\",\"rec\":\"$rec\",\"owner\":\"情報政策課\",\"due\":\"2027-03-31\",\"status\":\"done\"}"
refused invalid_params remediation.update "{\"assessment\":\"$a1\",\"rec\":\"$rec\",\"status\":\"finished\"}"
call followup.get "{\"assessment\":\"$a2\"}"
[ "$(json "[r['plan']['owner'] for r in d['recommendations'] if r['id']=='$rec'][0]")" = 情報政策課 ] && ok || no "改善計画 not shown in the follow-up"
# SSH open on the web server: the second collection never saw it, so it is not resolved.
run "$ISMAPCTL" diff "$a1" "$a2" --json
json '[f["check"] for f in d["findings_resolved"]]' | grep -q aws-iam-root-access-keys && ok || no "root key fix not resolved in diff"
json '[(f["check"], f["why"]) for f in d["findings_not_collected"]]' | grep -q "aws-ec2-sg-admin-ports', 'check_not_examined" && ok || no "SSH rule not 'not collected' (check not examined) in diff"
json '[f["check"] for f in d["findings_resolved"]]' | grep -vq aws-ec2-sg-admin-ports && ok || no "SSH rule counted resolved"
call report.export "{\"assessment\":\"$a2\",\"format\":\"doc\"}"
json 'json.dumps(d["document"], ensure_ascii=False)' | grep -q "フォローアップ" && ok || no "follow-up section missing from the next report"

# ---- 5. OSCAL ----------------------------------------------------------------------------------
run "$ISMAPCTL" call plan.export "{\"assessment\":\"$a1\",\"format\":\"oscal\"}"
python3 -c 'import json,sys,base64; d=json.load(open(sys.argv[1])); open(sys.argv[2],"wb").write(base64.b64decode(d["content_base64"]))' "$tmp/out" "$tmp/plan.oscal.json"
run "$ISMAPCTL" call report.export "{\"assessment\":\"$a1\",\"format\":\"oscal\"}"
python3 -c 'import json,sys,base64; d=json.load(open(sys.argv[1])); open(sys.argv[2],"wb").write(base64.b64decode(d["content_base64"]))' "$tmp/out" "$tmp/report.oscal.json"
python3 - "$tmp/report.oscal.json" <<'EOF' && ok || no "OSCAL results count 未評価 as not-satisfied or lack the auditors"
import json, sys
d = json.load(open(sys.argv[1]))["assessment-results"]
names = [p["name"] for p in d["metadata"].get("parties", [])]
assert "山田花子" in names, names
r = d["results"][0]
props = {p["name"]: p["value"] for p in r.get("props", [])}
nf = [f for f in r.get("findings", []) if f["target"]["status"]["state"] == "not-satisfied"]
assert int(props["not-assessed-count"]) > 0 and len(nf) == int(props["not-satisfied-count"]), (props, len(nf))
EOF
schemas="${ISM_SHARED_DIR:-$ISM_SOURCE_DIR/../shared}/reference/oscal-schemas"
if [ -d "$schemas" ] && /usr/bin/python3 -c 'import jsonschema' 2>/dev/null; then
  /usr/bin/python3 "$ISM_SOURCE_DIR/tests/tools/validate_oscal.py" "$schemas" assessment-plan \
    "$tmp/plan.oscal.json" >"$tmp/v" && ok || { no "OSCAL assessment-plan invalid"; cat "$tmp/v"; }
  /usr/bin/python3 "$ISM_SOURCE_DIR/tests/tools/validate_oscal.py" "$schemas" assessment-results \
    "$tmp/report.oscal.json" >"$tmp/v" && ok || { no "OSCAL assessment-results invalid"; cat "$tmp/v"; }
else
  echo "skip: OSCAL schemas (../shared) or python3-jsonschema absent"
fi

echo "engagement: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
