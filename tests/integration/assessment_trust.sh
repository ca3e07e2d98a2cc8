#!/usr/bin/env bash
# assessment_trust.sh — what an auditor must be able to trust in an assessment, against a live
# ismapd: a sealed snapshot changed after sealing is refused, never evaluated (issue 9 item 7).
set -u
: "${ISMAPD:?run through ctest}" "${ISMAPCTL:?run through ctest}" "${ISM_SOURCE_DIR:?}" "${ISMSNAPFIX:?}"
tmp=$(mktemp -d /tmp/ismtest-trust-XXXXXX)
"$ISMAPD" --data-dir "$tmp/data" --log-file "$tmp/log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
export ISMAP_SOCKET="$tmp/data/ismapd.sock"
for _ in $(seq 200); do "$ISMAPCTL" ping >/dev/null 2>&1 && break; sleep 0.05; done
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
[ "$(json 'len(d["findings"]) if isinstance(d, dict) else len(d)')" = 0 ] && ok || no "findings stored for a tampered snapshot"

echo "assessment_trust: $passes passed, $fails failed"
[ "$fails" = 0 ]
