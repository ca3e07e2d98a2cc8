#!/usr/bin/env bash
# demo.sh — the whole assessment on a fresh machine: installs dependencies, builds, starts the
# AWS emulator (tests/emulator) with the bundled Government Cloud tenant of a fictional city
# (みなと市: management, マイナンバー利用事務系, LGWAN接続系 and operations accounts in
# ap-northeast-1 and -3), starts ismapd on a temporary data directory, imports the sample
# procurement evidence, collects the organization, evaluates it, builds the conformance matrix,
# writes the reports, and prints a short summary with the paths. Then it prints the web UI's URL
# and a login token per role; with --serve (or when run in a terminal) ismapd keeps serving the
# UI and the HTTP API until Ctrl-C, otherwise it stops.
#
#   deploy/demo.sh [--serve|--no-serve]    ISMAP_DEMO_PORT=8080 chooses the HTTP port
#
# The emulator is a test double that speaks AWS's wire formats; pointing the same commands at
# real AWS means dropping --endpoint-url and giving ismapd real read-only credentials
# (docs/aws-permissions.md).
set -euo pipefail
serve=auto
case "${1:-}" in
  --serve) serve=yes ;;
  --no-serve) serve=no ;;
  "") ;;
  *) echo "usage: deploy/demo.sh [--serve|--no-serve]" >&2; exit 2 ;;
esac
[ "$serve" = auto ] && { [ -t 0 ] && [ -t 1 ] && serve=yes || serve=no; }
http_port=${ISMAP_DEMO_PORT:-8080}
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/deploy/install-deps.sh" --demo
"$root/deploy/build.sh" "$root/build"
bin="$root/build"
fx="$root/tests/fixtures/evidence"
t0=$(date +%s)

work=$(mktemp -d /tmp/ismap-demo-XXXXXX)
out="$work/reports"
mkdir -p "$out"
emu_pid="" daemon_pid=""
emu_pids=() # the other clouds' emulators
cleanup() {
  [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
  [ -n "$emu_pid" ] && kill "$emu_pid" 2>/dev/null && wait "$emu_pid" 2>/dev/null
  for p in "${emu_pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  return 0
}
trap cleanup EXIT
step() { printf '\n== %s\n' "$*"; }
demo_snapshots=() # further clouds' snapshots (--snapshot ID) for the one assessment

step "AWS emulator with the みなと市 Government Cloud tenant"
"$bin/tests/awsemu" --port-file "$work/emu.port" --latency-ms 5 --jitter-ms 3 \
  >"$work/awsemu.log" 2>&1 &
emu_pid=$!
for _ in $(seq 200); do [ -s "$work/emu.port" ] && break; sleep 0.05; done
[ -s "$work/emu.port" ] || { echo "awsemu did not start:"; cat "$work/awsemu.log"; exit 1; }
endpoint="http://127.0.0.1:$(cat "$work/emu.port")"
echo "listening on $endpoint"

# ---- Azure (issue 14): the みなと市 Azure tenant in azureemu; the collector's credentials ----
step "Azure emulator with the みなと市 Azure tenant (2 subscriptions and Entra ID)"
"$bin/tests/azureemu" --port-file "$work/azemu.port" --latency-ms 5 --jitter-ms 3 \
  >"$work/azureemu.log" 2>&1 &
emu_pids+=($!)
for _ in $(seq 200); do [ -s "$work/azemu.port" ] && break; sleep 0.05; done
[ -s "$work/azemu.port" ] || { echo "azureemu did not start:"; cat "$work/azureemu.log"; exit 1; }
az_endpoint="http://127.0.0.1:$(cat "$work/azemu.port")"
echo "listening on $az_endpoint"
export AZURE_TENANT_ID=7a3c0e6d-1f2b-4c5d-9e8f-0a1b2c3d4e5f
export AZURE_CLIENT_ID=5c1e2d3f-4a5b-4c6d-8e7f-901234567890
export AZURE_CLIENT_CERTIFICATE_PATH="$root/tests/fixtures/azure/client.pem"
unset AZURE_CLIENT_SECRET AZURE_AUTHORITY_HOST
# ---- end of Azure (issue 14) ----

step "ismapd"
# The collector reads credentials from ismapd's own environment (never from a request).
export AWS_ACCESS_KEY_ID=AKIAMINATOCOLLECT001
export AWS_SECRET_ACCESS_KEY='mInAtOcOlLeCtOr/SeCrEtKeY+0123456789aBcD'
export AWS_SHARED_CREDENTIALS_FILE="$work/none" AWS_CONFIG_FILE="$work/none"
unset AWS_SESSION_TOKEN AWS_PROFILE
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
# The emulator is on loopback: the config lets the (local admin's) collection point there.
echo '{"collect": {"endpoint_allow": ["127.0.0.1"]}}' >"$work/ismapd.json"
"$bin/ismapd" --config "$work/ismapd.json" --data-dir "$work/data" --log-file "$work/ismapd.log" \
  --http "http://127.0.0.1:$http_port" &
daemon_pid=$!
export ISMAP_SOCKET="$work/data/ismapd.sock"
ctl() { "$bin/ismapctl" "$@"; }
# Wait until it answers (loading the catalogs takes seconds, more on a busy machine), or ends.
for _ in $(seq 1200); do
  ctl --timeout 5 ping >/dev/null 2>&1 && break
  kill -0 "$daemon_pid" 2>/dev/null || { echo "ismapd ended:"; tail -5 "$work/ismapd.log"; exit 1; }
  sleep 0.1
done
ctl status
# The people of みなと市 work through the HTTP gateway with tokens of their organization, so that
# what they collect and assess belongs to みなと市 (the local socket acts for every organization).
token() { ctl --json token create "$@" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'; }
tok_admin=$(token --name demo-admin --role admin)
tok_procurement=$(token --name demo-procurement --role procurement --org みなと市)
tok_auditor=$(token --name demo-auditor --role auditor --org みなと市)
tok_cloud=$(token --name demo-cloud-admin --role admin --org みなと市)
http="http://127.0.0.1:$http_port"
as_cloud() { ctl --url "$http" --token "$tok_cloud" "$@"; }
as_auditor() { ctl --url "$http" --token "$tok_auditor" "$@"; }

step "procurement: the provider's evidence and the screening"
ctl evidence import ismap-list "$fx/ismap_list.csv" --as-of 2025-08-01 >/dev/null
svc=住民記録クラウド
ctl subject create "$svc" --organization みなと市 --provider はまなすクラウド株式会社 \
  --service "Hamanasu 住民記録クラウド" --model SaaS --region 東京 >/dev/null
for f in "questionnaire questionnaire.xlsx" "soc2 soc2_type2.csv" "iso-cert iso27001_2022.json" \
         "soa soa_2022.csv" "caiq caiq.csv"; do
  set -- $f
  ctl evidence import "$1" "$fx/$2" --subject "$svc" >"$work/import.out"
  sed -n 1p "$work/import.out"
done
ctl screening "$svc" >"$work/screening.txt"
sed -n 1,8p "$work/screening.txt"
echo "  … (the whole screening: $work/screening.txt)"
ctl screening "$svc" --format xlsx -o "$out/screening.xlsx" >/dev/null

step "cloud administrator: collect the organization (4 accounts × 2 regions)"
as_cloud --timeout 600 collect aws --org --role-name ISMAPAssessReadOnly \
  --external-id minato-ismap-2025 --endpoint-url "$endpoint" --wait | tail -5
snap=$(as_cloud --json snapshot list | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
as_cloud snapshot verify "$snap"

# ---- Azure (issue 14): collect the tenant; its snapshot joins the assessment ----
step "cloud administrator: collect Azure (2 subscriptions + Entra ID, certificate credential)"
as_cloud --timeout 600 collect azure --management-group minato-city --endpoint-url "$az_endpoint" \
  --wait | tail -5
azure_snap=$(as_cloud --json snapshot list | python3 -c '
import json, sys
print(next(s["id"] for s in json.load(sys.stdin) if s["provider"] == "azure"))')
as_cloud snapshot verify "$azure_snap"
demo_snapshots+=(--snapshot "$azure_snap")
# ---- end of Azure (issue 14) ----
# ---- Google Cloud (issue 15): gcpemu with the みなと市 organization, collected beside AWS ----
step "cloud administrator: collect the Google Cloud organization (2 projects × 2 regions)"
# The emulator's token endpoint verifies the JWT the collector signs with this test key file;
# its token_uri names the emulator, as a real key file names Google's.
gcp_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 - "$root/tests/fixtures/gcp/sa-key.json" "$work/gcp-key.json" "$gcp_port" <<'PY'
import json, sys
k = json.load(open(sys.argv[1]))
k["token_uri"] = "http://127.0.0.1:%s/token" % sys.argv[3]
json.dump(k, open(sys.argv[2], "w"))
PY
chmod 600 "$work/gcp-key.json"
"$bin/tests/gcpemu" --key "$work/gcp-key.json" --port "$gcp_port" --port-file "$work/gcpemu.port" \
  --latency-ms 5 --jitter-ms 3 >"$work/gcpemu.log" 2>&1 &
emu_pids+=($!)
for _ in $(seq 200); do [ -s "$work/gcpemu.port" ] && break; sleep 0.05; done
[ -s "$work/gcpemu.port" ] || { echo "gcpemu did not start:"; cat "$work/gcpemu.log"; exit 1; }
# Real Google Cloud: drop --endpoint-url and give a real key file (docs/gcp-permissions.md).
as_cloud --timeout 600 collect gcp --organization 538211890412 --key-file "$work/gcp-key.json" \
  --endpoint-url "http://127.0.0.1:$gcp_port" --wait | tail -5 || [ $? -eq 3 ]
gcp_snap=$(as_cloud --json snapshot list | python3 -c '
import json, sys
print(next(s["id"] for s in json.load(sys.stdin) if s["provider"] == "gcp"))')
as_cloud snapshot verify "$gcp_snap"
demo_snapshots+=(--snapshot "$gcp_snap")
# ---- end of the Google Cloud block ----
# ---- OCI (issue 16): the みなと市 OCI tenancy on ociemu, collected into a second snapshot ----
step "cloud administrator: collect the OCI tenancy (4 compartments × 2 regions)"
oci="$work/oci"
mkdir -p "$oci"
# The collector's API key: generated here and registered with the emulator; ismapd reads the
# config file named by --config-file (an admin-only path on its own host), never the key itself.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$oci/key.pem" 2>/dev/null
openssl rsa -in "$oci/key.pem" -pubout -out "$oci/key.pub" 2>/dev/null
oci_user=ocid1.user.oc1..aaaaaaaacollector
printf '[DEFAULT]\nuser = %s\ntenancy = %s\nfingerprint = %s\nkey_file = %s\nregion = ap-tokyo-1\n' \
  "$oci_user" ocid1.tenancy.oc1..aaaaaaaaminatocity \
  "$(openssl rsa -in "$oci/key.pem" -pubout -outform DER 2>/dev/null | openssl md5 -c | sed 's/.*= //')" \
  "$oci/key.pem" >"$oci/config"
"$bin/tests/ociemu" --register-key "$oci_user=$oci/key.pub" --port-file "$oci/emu.port" \
  --latency-ms 5 --jitter-ms 3 >"$work/ociemu.log" 2>&1 &
emu_pids+=($!)
for _ in $(seq 200); do [ -s "$oci/emu.port" ] && break; sleep 0.05; done
[ -s "$oci/emu.port" ] || { echo "ociemu did not start:"; cat "$work/ociemu.log"; exit 1; }
as_cloud --timeout 600 collect oci --config-file "$oci/config" \
  --endpoint-url "http://127.0.0.1:$(cat "$oci/emu.port")" --wait | tail -5
oci_snap=$(as_cloud --json snapshot list | python3 -c '
import json, sys
print(next(s["id"] for s in json.load(sys.stdin) if s.get("provider") == "oci"))')
as_cloud snapshot verify "$oci_snap"
demo_snapshots+=(--snapshot "$oci_snap")
# ---- end of the OCI block ------------------------------------------------------------------

step "auditor: assessment, matrix, findings"
ws=みなと市ガバメントクラウド
ctl subject create "$ws" --kind workload --environment production --organization みなと市 \
  >/dev/null
cat >"$work/meta.json" <<'JSON'
{"purpose": "標準準拠システムのガバメントクラウド移行に伴う情報セキュリティ対策の確認",
 "theme": "クラウドサービス利用に係る技術的対策（ネットワーク分離、認証、ログ、暗号化）",
 "scope": "みなと市のガバメントクラウド上のAWSアカウント（管理、マイナンバー利用事務系、LGWAN接続系、運用）",
 "auditee": "情報政策課", "method": "設定値の自動収集と点検、監査資料のレビュー",
 "schedule": "2026年11月", "team": "情報セキュリティ監査人（デモ）",
 "standards": "地方公共団体における情報セキュリティ監査に関するガイドライン（令和7年3月版）"}
JSON
a=$(as_auditor assessment create "$ws" --frameworks mic-cloud-addon,mic,ismap-must-meet \
      --snapshot "$snap" "${demo_snapshots[@]}" \
      --name "2026年度 ガバメントクラウド監査" --meta "@$work/meta.json" --wait)
as_auditor matrix "$a" --json | python3 -c '
import json, sys
m = json.load(sys.stdin)
ja = {"not_satisfied": "不適合", "partial": "一部適合", "evidence_expired": "証跡期限切れ",
      "not_assessed": "未評価", "satisfied": "適合", "not_applicable": "対象外", "waived": "例外措置"}
for fw, c in m["counts_by_framework"].items():
    print(f"{fw:18} " + "  ".join(f"{ja[k]} {v}" for k, v in c.items() if v))'
echo
echo "worst findings:"
as_auditor findings "$a" --status fail --limit 12

step "reports"
for f in html xlsx csv oscal json; do as_auditor export "$a" --format $f -o "$out/assessment.$f"; done

step "web UI and HTTP API"
echo "URL: $http/   (paste a token on the login page; API: $http/api/v1/...)"
printf '  %s\n      %s\n' "管理者 admin (all orgs)" "$tok_admin" \
  "調達担当 procurement (みなと市)" "$tok_procurement" \
  "監査人 auditor (みなと市)" "$tok_auditor" \
  "クラウド管理者 admin (みなと市)" "$tok_cloud"
printf '\ndone in %ss. Reports in %s:\n' "$(( $(date +%s) - t0 ))" "$out"
ls -1 "$out" | sed "s#^#  $out/#"
echo "ismapd data and logs: $work"
if [ "$serve" = yes ]; then
  echo
  echo "ismapd keeps serving http://127.0.0.1:$http_port/ — press Ctrl-C to stop."
  wait "$daemon_pid" || true
fi
