#!/usr/bin/env bash
# assessment_trust.sh — what an auditor must be able to trust in an assessment, against a live
# ismapd: a sealed snapshot changed after sealing is refused, never evaluated (issue 9 item 7).
set -u
. "$(dirname "$0")/../lib/shtest.sh"
: "${ISMAPD:?run through ctest}" "${ISMAPCTL:?run through ctest}" "${ISM_SOURCE_DIR:?}" "${ISMSNAPFIX:?}"
tmp=$(mktemp -d /tmp/ismtest-trust-XXXXXX)
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

"$ISMSNAPFIX" "$fx/snapshots/base.json" "$fx/snapshots/aws-iam-root-access-keys/fail.json" "$tmp/bad.db" \
  || no "building the failing snapshot"
run "$ISMAPCTL" snapshot import "$tmp/bad.db"; bad=$(cat "$tmp/out")
run "$ISMAPCTL" subject create 改ざん検知基盤 --kind workload --environment production \
  --account 111122223333 --organization みなと市

# --- item 7: a tampered sealed snapshot is refused with a typed error -------------------------
run "$ISMAPCTL" snapshot show "$bad" --json
file=$(json 'd["path"]')
# Remove the planted violation from the sealed file, as someone with sqlite3 could.
python3 - "$file" <<'PY' || no "could not change the snapshot file"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
n = db.execute("UPDATE resources SET data=json_set(data,'$.root_access_key_1_active','false',"
               "'$.root_access_key_2_active','false') WHERE type='iam.CredentialReport'").rowcount
db.commit()
sys.exit(0 if n else 1)
PY
"$ISMAPCTL" snapshot verify "$bad" >"$tmp/out" 2>&1 && no "verify passed a changed file" || ok
"$ISMAPCTL" assessment create 改ざん検知基盤 --frameworks ismap --snapshot "$bad" --wait \
  >"$tmp/out" 2>&1 && no "a tampered snapshot was evaluated" || ok
has "integrity_failed\|does not verify"
run "$ISMAPCTL" assessment list --json
a=$(json '[x["id"] for x in d][0]')
run "$ISMAPCTL" assessment show "$a" --json
[ "$(json 'd["state"]')" = failed ] && ok || no "assessment of a tampered snapshot is $(json 'd["state"]')"
json 'd.get("state_reason") or d.get("reason") or ""' | grep -q "does not verify" && ok \
  || no "the failed assessment does not say why: $(cat "$tmp/out")"
run "$ISMAPCTL" findings "$a" --json
[ "$(json 'd["total"]')" = 0 ] && ok || no "findings stored for a tampered snapshot"

# --- item 12: root MFA off in the My Number account only is 不適合, not 一部適合 -----------------
cat >"$tmp/mynumber.json" <<'JSON'
{"resources": [
  {"account": "111122223333", "region": "global", "type": "organizations.Account",
   "id": "111122223333", "data": {"Id": "111122223333", "Name": "minato-mynumber (マイナンバー利用事務系)"}},
  {"account": "111122223333", "region": "global", "type": "organizations.Account",
   "id": "444455556666", "data": {"Id": "444455556666", "Name": "minato-operations"}}],
 "set": [{"type": "iam.CredentialReport", "id": "<root_account>", "account": "111122223333",
          "data": {"mfa_active": "false"}}]}
JSON
"$ISMSNAPFIX" "$fx/snapshots/base.json" "$tmp/mynumber.json" "$tmp/mn.db" || no "building the My Number snapshot"
run "$ISMAPCTL" snapshot import "$tmp/mn.db"; mn=$(cat "$tmp/out")
run "$ISMAPCTL" assessment create 改ざん検知基盤 --frameworks ismap --snapshot "$mn" --wait
amn=$(cat "$tmp/out")
run "$ISMAPCTL" findings "$amn" --check aws-iam-root-mfa --json
json '" ".join(sorted(f["status"] for f in d["findings"]))' | grep -q "fail pass" && ok \
  || no "root MFA should fail in one account and pass in the other: $(head -c 400 "$tmp/out")"
run "$ISMAPCTL" matrix "$amn" --json
rows=$(json "' '.join(r['item']+'='+r['status'] for r in d['requirements'] if any(x.get('check')=='aws-iam-root-mfa' for x in r['reasons']))")
[ -n "$rows" ] && ok || no "no requirement names aws-iam-root-mfa"
echo "$rows" | grep -q "=partial" && no "root MFA off in the My Number account reads as 一部適合: $rows" || ok
echo "$rows" | grep -q "=not_satisfied" && ok || no "root MFA off in the My Number account is not 不適合: $rows"
json "[r['rule'] for r in d['requirements'] if any(x.get('check')=='aws-iam-root-mfa' for x in r['reasons'])][0]" \
  | grep -q "マイナンバー利用事務系" && ok || no "the rule does not name the domain"
# --- item 9: the console names the failing check with its title ----------------------------------
run "$ISMAPCTL" matrix "$amn" --framework ismap
title=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['title']['ja'])" "$ISM_SOURCE_DIR/checks/aws/aws-iam-root-mfa.json")
grep -q "aws-iam-root-mfa (critical): 1 fail — ${title:0:10}" "$tmp/out" && ok \
  || no "WHY does not name the failing root MFA check with its title"; 

# --- item 8: every export names the snapshot and its hash, the versions and the product --------
run "$ISMAPCTL" snapshot show "$mn" --json
sha=$(json 'd["sha256"]')
[ ${#sha} = 64 ] && ok || no "no recorded hash for $mn"
version=$("$ISMAPCTL" status --json 2>/dev/null | python3 -c "import json,sys; print(json.load(sys.stdin)['version'])")
[ -n "$version" ] && ok || no "status gives no version"
for fmt in csv csv-findings xlsx json oscal html; do
  run "$ISMAPCTL" export "$amn" --format $fmt -o "$tmp/export.$fmt" || continue
  if [ $fmt = xlsx ]; then
    python3 -c "import zipfile,sys; print(zipfile.ZipFile(sys.argv[1]).read('xl/sharedStrings.xml').decode())" \
      "$tmp/export.$fmt" >"$tmp/export.txt"
  else
    cp "$tmp/export.$fmt" "$tmp/export.txt"
  fi
  for want in "$mn" "$sha" "ismap-assess $version" "2024-08-01"; do
    grep -qF -- "$want" "$tmp/export.txt" && ok || no "$fmt export does not state '$want'"
  done
done

# --- item 11: without --snapshot, the assessment binds to the snapshots covering the subject's
# accounts — not the newest snapshot of any scope — and says which it used ------------------------
cat >"$tmp/other.json" <<'JSON'
{"manifest": {"id": "snap_other", "provider": "aws", "created": "2026-11-30T00:00:00Z",
  "scope": {"accounts": ["777788889999"], "regions": ["ap-northeast-1"], "org": false}},
 "defaults": {"account": "777788889999", "region": "ap-northeast-1"},
 "resources": [{"type": "sts.CallerIdentity", "id": "777788889999", "region": "global",
   "data": {"Account": "777788889999", "Arn": "arn:aws:iam::777788889999:root", "UserId": "x"}}]}
JSON
"$ISMSNAPFIX" "$tmp/other.json" "$tmp/other.db" || no "building the other-scope snapshot"
run "$ISMAPCTL" snapshot import "$tmp/other.db"; other=$(cat "$tmp/out")
"$ISMAPCTL" assessment create 改ざん検知基盤 --frameworks ismap --wait >"$tmp/out" 2>"$tmp/err" && ok \
  || { no "assessment create without --snapshot failed"; cat "$tmp/err"; }
adef=$(cat "$tmp/out")
grep -q "snapshot $mn" "$tmp/err" && ok || no "create does not say it used $mn: $(cat "$tmp/err")"
run "$ISMAPCTL" assessment show "$adef" --json
[ "$(json '",".join(d["snapshots"])')" = "$mn" ] && ok || no "bound to $(json 'd["snapshots"]'), not $mn"
run "$ISMAPCTL" subject create 別アカウント基盤 --kind workload --environment production \
  --account 123412341234 --organization みなと市
"$ISMAPCTL" assessment create 別アカウント基盤 --frameworks ismap >"$tmp/out" 2>&1 \
  && no "an assessment was bound to snapshots that do not cover its account" || ok
has "covers the subject's accounts"

# --- item 10: findings page with a cursor and say how many there are ---------------------------
run "$ISMAPCTL" findings "$amn" --all --json
total=$(json 'd["total"]'); nall=$(json 'len(d["findings"])')
[ "$total" -gt 80 ] && [ "$nall" = "$total" ] && ok || no "--all gave $nall of $total findings"
cursor=""; seen=0; : >"$tmp/keys"
for _ in $(seq 100); do
  run "$ISMAPCTL" findings "$amn" --limit 40 ${cursor:+--cursor "$cursor"} --json || break
  json '"\n".join("|".join(str(f[k]) for k in ("check","account","region","resource_id","status")) for f in d["findings"])' >>"$tmp/keys"
  [ "$(json 'd["total"]')" = "$total" ] && ok || no "total changes between pages"
  cursor=$(json 'd["next_cursor"] or ""')
  [ -z "$cursor" ] && break
done
[ "$(grep -c . "$tmp/keys")" = "$total" ] && ok || no "paging gave $(grep -c . "$tmp/keys") findings, not $total"
[ "$(sort "$tmp/keys" | uniq -d | wc -l)" = 0 ] && ok || no "paging repeated findings"
run "$ISMAPCTL" findings "$amn" --limit 40
has "findings 1–40 of $total"
has "--cursor o40"
"$ISMAPCTL" findings "$amn" --cursor bogus >"$tmp/out" 2>&1 && no "a bogus cursor was accepted" || ok

# --- issue 10 item 12: refused, not recorded ------------------------------------------------------
run "$ISMAPCTL" waiver list --json; before=$(json 'len(d)')
"$ISMAPCTL" waiver add --check aws-iam-root-mfa --justification x --approver y --expires 2020-01-01 \
  >"$tmp/out" 2>&1 && no "a waiver expiring in the past was recorded" || ok
has "in the past"
"$ISMAPCTL" waiver add --check aws-iam-root-mfa --resource no-such-user --justification x \
  --approver y --expires 2099-01-01 >"$tmp/out" 2>&1 && no "a waiver for an unknown resource was recorded" || ok
has "no-such-user"
"$ISMAPCTL" waiver add --check aws-nope --justification x --approver y --expires 2099-01-01 \
  >"$tmp/out" 2>&1 && no "a waiver for an unknown check was recorded" || ok
run "$ISMAPCTL" waiver list --json
[ "$(json 'len(d)')" = "$before" ] && ok || no "refused waivers were recorded"
run "$ISMAPCTL" waiver add --check aws-iam-root-mfa --resource "<root_account>" --assessment "$amn" \
  --justification "移行中" --approver CISO --expires 2099-01-01
"$ISMAPCTL" matrix "$amn" --framework nope >"$tmp/out" 2>&1 && no "an unknown framework was accepted" || ok
has "nope"

echo "assessment_trust: $passes passed, $fails failed"
[ "$fails" = 0 ]
