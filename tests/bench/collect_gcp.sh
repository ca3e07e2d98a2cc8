#!/usr/bin/env bash
# collect_gcp.sh — the Google Cloud collection benchmark: a synthetic organization of
# BENCH_GCP_PROJECTS projects (300) × 2 regions in gcpemu with latency, collected by ismapd with
# every per-(project, API) quota scaled by ISM_GCP_RATE_SCALE (so the quotas, not the machine,
# bound the run). Prints the wall time, the quota lower bound (the slowest bucket: its attempts
# beyond the first burst ÷ its rate), their ratio, calls, retries, reads lost and ismapd's peak
# RSS. Two runs (BENCH_GCP_MODES): "cai", where Cloud Asset Inventory's organization-wide
# assets.list serves most reads (its consumer-project quota, 100 a minute, is then the slowest
# bucket), and "per-service", every service's API in every project (--no-asset-inventory).
# Figures are printed, not asserted. Runs only with ISM_BENCH=1.
set -u
if [ "${ISM_BENCH:-0}" != 1 ]; then echo "collect_gcp: benchmark; run with ISM_BENCH=1 (skipped)"; exit 77; fi
SRC=${ISM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${ISM_BUILD_DIR:-$SRC/build}
GCPEMU=${GCPEMU:-$BUILD/tests/gcpemu}
ISMAPD=${ISMAPD:-$BUILD/ismapd} ISMAPCTL=${ISMAPCTL:-$BUILD/ismapctl}
N=${BENCH_GCP_PROJECTS:-300}
export ISM_GCP_RATE_SCALE=${ISM_GCP_RATE_SCALE:-0.02}
ISM_TEST_NO_WATCH=1 # a benchmark: its length is its own
. "$SRC/tests/lib/shtest.sh"
tmp=$(mktemp -d /tmp/gcpbench-XXXXXX)
emu="" d=""
trap '[ -n "$emu" ] && kill $emu 2>/dev/null; [ -n "$d" ] && kill $d 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
port=$(free_port)
$PY "$SRC/tests/emulator/gcp/gen_tenant.py" --projects "$N" --out "$tmp/tenant.json"
$PY - "$SRC/tests/fixtures/gcp/sa-key.json" "$tmp/key.json" "$port" <<'PY'
import json, sys
k = json.load(open(sys.argv[1])); k["token_uri"] = "http://127.0.0.1:%s/token" % sys.argv[3]
json.dump(k, open(sys.argv[2], "w"))
PY
"$GCPEMU" --key "$tmp/key.json" --tenant "$tmp/tenant.json" --port "$port" --port-file "$tmp/port" \
  --latency-ms "${BENCH_LATENCY_MS:-20}" --jitter-ms 5 >"$tmp/emu.log" 2>&1 &
emu=$!
wait_file "$tmp/port" || exit 1
export GOOGLE_APPLICATION_CREDENTIALS=$tmp/key.json NO_PROXY=127.0.0.1 ISMAP_SOCKET=$tmp/data/ismapd.sock
echo '{"collect": {"endpoint_allow": ["127.0.0.1"]}}' >"$tmp/ismapd.json"
"$ISMAPD" --config "$tmp/ismapd.json" --data-dir "$tmp/data" --log-file "$tmp/ismapd.log" &
d=$!
wait_daemon "$d" || exit 1
for mode in ${BENCH_GCP_MODES:-cai per-service}; do
extra=()
[ "$mode" = per-service ] && extra=(--no-asset-inventory)
t0=$(date +%s.%N)
"$ISMAPCTL" --timeout 3600 --json collect gcp --organization 538211890412 "${extra[@]}" \
  --regions asia-northeast1,asia-northeast2 --endpoint-url "http://127.0.0.1:$port" --wait >"$tmp/job-$mode.json"
rc=$?
t1=$(date +%s.%N)
rss=$(awk '/VmHWM/ {print $2}' /proc/$d/status)
$PY - "$tmp/job-$mode.json" "$t0" "$t1" "$rss" "$rc" "$N" "$ISM_GCP_RATE_SCALE" "$tmp/data/snapshots" "$mode" <<'PY'
import json, sqlite3, sys
job = json.load(open(sys.argv[1]))["result"]
t0, t1, rss, rc, n, scale = float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6], float(sys.argv[7])
db = sqlite3.connect("%s/%s.db" % (sys.argv[8], job["snapshot"]))
rates = {"cloudresourcemanager": 5, "serviceusage": 3, "compute": 20, "storage": 20, "logging": 10,
         "cloudkms": 10, "iam": 10, "orgpolicy": 10, "backupdr": 5, "cloudasset": 1.5}
bound, slow = 0.0, None
# the collector's buckets: one per (project or node, API); Cloud Asset Inventory's is the
# consumer project's, one for every node, with a burst of 10 (scaled); an organization's or a
# folder's bucket has a burst of 3
q = ("SELECT CASE service WHEN 'cloudasset' THEN 'consumer' ELSE account END, service, "
     "sum(attempts) FROM calls GROUP BY 1, 2")
for acct, svc, att in db.execute(q):
    r = rates.get(svc, 5) * scale
    node = acct.startswith(("organizations/", "folders/"))
    burst = max(1.0, (10 * scale) if svc == "cloudasset" else max(3.0, r) if node else r)
    b = max(0.0, (att - burst) / r)
    if b > bound: bound, slow = b, (acct, svc, att)
wall = t1 - t0
st = job["stats"]
print(f"[{sys.argv[9]}] projects {n} x 2 regions, quota scale {scale}: exit {rc}, complete {job['complete']}, missing {job['missing_total']}")
print(f"  wall {wall:.1f} s; quota lower bound {bound:.1f} s (slowest bucket {slow}); ratio {wall / bound if bound else 0:.2f}")
print(f"  api calls {st['api_calls']}, http requests {st['http_requests']}, retries {st['retries']}, throttled {st['throttled']}, "
      f"resources {job['summary']['resources']}, reads lost {job['missing_total']}; ismapd peak RSS {rss / 1024:.0f} MB")
PY
done
