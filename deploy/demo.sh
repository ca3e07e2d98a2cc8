#!/usr/bin/env bash
# demo.sh — installs dependencies, builds, starts ismapd on a temporary data directory,
# shows what it serves, and stops it cleanly. Later stages grow this into the full
# assessment demo (emulated Government Cloud tenant, evidence, matrix, reports).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/deploy/install-deps.sh"
"$root/deploy/build.sh" "$root/build"
bin="$root/build"

data=$(mktemp -d /tmp/ismap-demo-XXXXXX)
"$bin/ismapd" --data-dir "$data/data" --log-file "$data/ismapd.log" &
pid=$!
cleanup() { kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; }
trap cleanup EXIT
export ISMAP_SOCKET="$data/data/ismapd.sock"
for _ in $(seq 200); do "$bin/ismapctl" ping >/dev/null 2>&1 && break; sleep 0.05; done

echo "== ismapctl status"
"$bin/ismapctl" status
echo
echo "== a diagnostic job through the persistent queue"
"$bin/ismapctl" jobs submit diag.wait --params '{"ms":300}' --wait
"$bin/ismapctl" jobs list

kill -TERM "$pid"
wait "$pid"
trap - EXIT
echo
echo "ismapd stopped cleanly; data dir and log: $data"
