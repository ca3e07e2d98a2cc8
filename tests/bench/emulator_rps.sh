#!/usr/bin/env bash
# emulator_rps.sh — the emulator throughput benchmark: starts awsemu (no token buckets) on the
# bundled demo tenant and on a synthetic 200-account organization, runs emulator_rps (8 keep-alive
# connections) for a light call and for listings of 40-50 resources, and prints requests/s.
# Also shows that injected latency is served by timers (throughput with --latency-ms 30 scales
# with connections instead of collapsing). Runs only when asked: ISM_BENCH=1 ctest -L bench.
set -euo pipefail
if [ "${ISM_BENCH:-0}" != 1 ]; then
  echo "emulator_rps: benchmark; run with ISM_BENCH=1 (skipped)"
  exit 77
fi
SRC=${ISM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
EMU=${AWSEMU:-${ISM_BUILD_DIR:-$SRC/build}/tests/awsemu}
RPS=${EMULATOR_RPS:-${ISM_BUILD_DIR:-$SRC/build}/tests/emulator_rps}
DURATION=${BENCH_SECONDS:-5}
work=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$work"' EXIT

start() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  rm -f "$work/port"
  "$EMU" --port-file "$work/port" --no-throttle "$@" >/dev/null 2>"$work/err" &
  pid=$!
  for _ in $(seq 300); do [ -s "$work/port" ] && break; sleep 0.1; done
  [ -s "$work/port" ] || { cat "$work/err"; exit 1; }
}
run() {
  echo "-- $1"
  shift
  "$RPS" --port "$(cat "$work/port")" --duration "$DURATION" "$@"
}

DEMO=(--key AKIAMINATOCOLLECT001 --secret 'mInAtOcOlLeCtOr/SeCrEtKeY+0123456789aBcD')
start
run "demo tenant, sts:GetCallerIdentity" "${DEMO[@]}"
run "demo tenant, kms:ListKeys (JSON 1.1)" "${DEMO[@]}" --service kms --target TrentService.ListKeys
start --latency-ms 30 --jitter-ms 10
run "demo tenant, --latency-ms 30 --jitter-ms 10, 64 connections" "${DEMO[@]}" --connections 64

python3 "$SRC/tests/emulator/gen_synthetic.py" --accounts 200 --regions 2 --profile large -o "$work/org.json" 2>/dev/null
SYN=(--key AKIASYNTHCOLLECT0001 --secret 'sYnThEtIc/CoLlEcToR+SeCrEt0123456789abcd')
start --tenant "$work/org.json"
run "synthetic 200 accounts x 2 regions: ec2:DescribeSecurityGroups (50 groups)" "${SYN[@]}" --service ec2 --action DescribeSecurityGroups
run "synthetic: ec2:DescribeInstances (40 instances)" "${SYN[@]}" --service ec2 --action DescribeInstances
