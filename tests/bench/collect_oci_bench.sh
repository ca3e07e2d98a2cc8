#!/usr/bin/env bash
# collect_oci_bench.sh — the OCI collector at the issue's size: a synthetic tenancy of
# OCI_BENCH_COMPARTMENTS (500) compartments × 2 regions on ociemu (tests/bench/oci_gen_tenant.py),
# collected by ismapd. Prints wall time, the rate-limit lower bound (the busiest bucket's calls ÷
# its rate, 20/s per region and service, after its burst of 20) and their ratio, calls, retries,
# reads lost (coverage rows not complete) and ismapd's peak RSS. Figures, not a pass/fail; runs
# only with ISM_BENCH=1.
set -u
[ "${ISM_BENCH:-}" = 1 ] || { echo "set ISM_BENCH=1 to run"; exit 77; }
ISM_TEST_NO_WATCH=1 # a benchmark: its length is its own
. "$(dirname "$0")/../lib/shtest.sh"
: "${ISMAPD:?run through ctest}" "${ISMAPCTL:?run through ctest}" "${OCIEMU:?}"
SRC=${ISM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
N=${OCI_BENCH_COMPARTMENTS:-500}
tmp=$(mktemp -d /tmp/ismbench-oci-XXXXXX)
emu_pid="" daemon_pid=""
trap '[ -n "$emu_pid" ] && kill "$emu_pid"; [ -n "$daemon_pid" ] && kill "$daemon_pid"; wait; rm -rf "$tmp"' EXIT
for v in $(env | grep -o '^OCI_CLI_[A-Z_]*'); do unset "$v"; done
export NO_PROXY=127.0.0.1 no_proxy=127.0.0.1 ISMAP_SOCKET=$tmp/data/ismapd.sock
$PY "$SRC/tests/bench/oci_gen_tenant.py" "$N" "$tmp/tenant.json"
U=ocid1.user.oc1..aaaaaaaabench
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$tmp/key.pem" 2>/dev/null
openssl rsa -in "$tmp/key.pem" -pubout -out "$tmp/key.pub" 2>/dev/null
printf '[DEFAULT]\nuser = %s\ntenancy = ocid1.tenancy.oc1..aaaaaaaabench\nfingerprint = %s\nkey_file = %s\nregion = ap-tokyo-1\n' \
  "$U" "$(openssl rsa -in "$tmp/key.pem" -pubout -outform DER 2>/dev/null | openssl md5 -c | sed 's/.*= //')" \
  "$tmp/key.pem" >"$tmp/config"
export OCI_CLI_CONFIG_FILE=$tmp/config
"$OCIEMU" --tenant "$tmp/tenant.json" --register-key "$U=$tmp/key.pub" --latency-ms 20 --jitter-ms 10 \
  --port-file "$tmp/port" >"$tmp/emu.log" 2>&1 &
emu_pid=$!
wait_file "$tmp/port" || { cat "$tmp/emu.log"; exit 1; }
echo '{"collect": {"endpoint_allow": ["127.0.0.1"]}}' >"$tmp/ismapd.json"
"$ISMAPD" --config "$tmp/ismapd.json" --data-dir "$tmp/data" --log-file "$tmp/ismapd.log" &
daemon_pid=$!
wait_daemon "$daemon_pid" || exit 1
t0=$(date +%s.%N)
"$ISMAPCTL" --timeout 7200 --json collect oci --endpoint-url "http://127.0.0.1:$(cat "$tmp/port")" --wait >"$tmp/job.json"
t1=$(date +%s.%N)
rss=$(awk '/VmHWM/ {print $2}' /proc/$daemon_pid/status)
$PY - "$tmp/job.json" "$tmp/data/snapshots" "$t0" "$t1" "$rss" "$N" <<'PY'
import json, sqlite3, sys, collections
job, snaps, t0, t1, rss, n = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
r = json.load(open(job))["result"]
db = sqlite3.connect("%s/%s.db" % (snaps, r["snapshot"]))
per = collections.Counter()
for region, service, k in db.execute("SELECT region, service, count(*) FROM calls GROUP BY region, service"):
    per[(region, service)] += k
# global calls go to the home region's buckets
merged = collections.Counter()
for (region, service), k in per.items():
    merged[("ap-tokyo-1" if region == "global" else region, service)] += k
busiest = max(merged.items(), key=lambda kv: kv[1])
bound = max(0.0, (busiest[1] - 20) / 20.0)
wall = t1 - t0
lost = db.execute("SELECT count(*) FROM coverage WHERE state <> 'complete'").fetchone()[0]
s = r["stats"]
print("OCI collection: %d compartments x 2 regions" % n)
print("  wall %.1f s; rate lower bound %.1f s (busiest bucket %s/%s: %d calls at 20/s); ratio %.2f"
      % (wall, bound, busiest[0][0], busiest[0][1], busiest[1], wall / bound if bound else 0))
print("  calls %d, http requests %d, retries %d, throttled %d, reads lost %d, resources %d"
      % (s["api_calls"], s["http_requests"], s["retries"], s["throttled"], lost,
         db.execute("SELECT count(*) FROM resources").fetchone()[0]))
print("  ismapd peak RSS %.1f MB" % (rss / 1024.0))
PY
