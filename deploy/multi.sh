#!/usr/bin/env bash
# multi.sh — the multi-process deployment in one command, on one machine and without compose:
# a throw-away PostgreSQL cluster from Debian's postgresql package (initdb + pg_ctl in a temp
# dir, no system service), two ismapd on it (each with its own sockets, HTTP port and worker
# id; one data directory for snapshots and the signing key), and one remote collector
# (ismapd --role collector, its own process, data directory and credentials) that reaches them
# over tls+tcp:// on loopback with mutual TLS. It registers the collector, routes a
# collection of the demo AWS tenant (awsemu) to its zone, evaluates the snapshot, builds the
# conformance matrix and prints its summary, then stops everything and deletes the temp dir.
#
#   deploy/multi.sh [--sqlite] [--keep]
#     --sqlite  one SQLite file shared by both daemons instead of PostgreSQL (same host only)
#     --keep    leave the temp dir (logs, configs, store) for a look afterwards
#
# Needs a build in build/ (deploy/build.sh build) and, without --sqlite, Debian's postgresql
# package. The emulator stands in for AWS; with real AWS the collector host drops the
# endpoint override and holds real read-only credentials. See README.md, "Several ismapd on
# one store".
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${ISMAP_BUILD_DIR:-$root/build}
backend=postgresql keep=no
for a in "$@"; do
  case $a in
    --sqlite) backend=sqlite ;;
    --keep) keep=yes ;;
    *) echo "usage: deploy/multi.sh [--sqlite] [--keep]" >&2; exit 2 ;;
  esac
done
for b in ismapd ismapctl tests/awsemu; do
  [ -x "$bin/$b" ] || { echo "multi.sh: $bin/$b is missing: run deploy/build.sh build first" >&2; exit 2; }
done
command -v openssl >/dev/null || { echo "multi.sh: openssl is needed for the TLS certificates" >&2; exit 2; }
pgbin=""
if [ "$backend" = postgresql ]; then
  for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && pgbin=$d; done
  [ -n "$pgbin" ] || { echo "multi.sh: PostgreSQL's binaries are missing (apt-get install postgresql), or use --sqlite" >&2; exit 2; }
fi

work=$(mktemp -d /tmp/ismap-multi-XXXXXX)
pids=()
# PostgreSQL refuses to run as root: run as root, its cluster belongs to the postgres user.
as_pg=()
if [ -n "$pgbin" ] && [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || { echo "multi.sh: running as root, and there is no postgres user" >&2; exit 2; }
  as_pg=(runuser -u postgres --)
fi
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -n "$pgbin" ] && [ -d "$work/pgroot/data" ] &&
    "${as_pg[@]}" "$pgbin/pg_ctl" -D "$work/pgroot/data" -m fast -w stop >/dev/null 2>&1 || true
  if [ "$keep" = yes ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
step() { printf '\n== %s\n' "$*"; }
free_port() { python3 -c 'import socket,sys; s=socket.socket(); s.bind((sys.argv[1],0)); print(s.getsockname()[1])' "${1:-127.0.0.1}"; }
# until_ok WHAT CMD... — polls CMD until it succeeds, giving up after ISM_TEST_WAIT_S seconds
# (default 120; the tests' one bound for a wait that would otherwise hang).
until_ok() {
  local what=$1 start=$SECONDS limit=${ISM_TEST_WAIT_S:-120}
  shift
  until "$@" >/dev/null 2>&1; do
    [ $((SECONDS - start)) -lt "$limit" ] || { echo "multi.sh: gave up waiting for $what ($limit s)" >&2; return 1; }
    sleep 0.1
  done
}
export NO_PROXY=127.0.0.1,127.0.0.2,localhost no_proxy=127.0.0.1,127.0.0.2,localhost

# ---- the store -------------------------------------------------------------------------------
store_entry=""
if [ "$backend" = postgresql ]; then
  step "PostgreSQL: a throw-away cluster in $work/pgroot"
  mkdir "$work/pgroot"
  if [ ${#as_pg[@]} -gt 0 ]; then chmod 711 "$work"; chown postgres "$work/pgroot"; fi
  "${as_pg[@]}" "$pgbin/initdb" -D "$work/pgroot/data" -U ismap -A trust --locale=C -E UTF8 \
    >"$work/initdb.log" 2>&1 || { echo "multi.sh: initdb failed:" >&2; cat "$work/initdb.log" >&2; exit 1; }
  pgport=$(free_port)
  "${as_pg[@]}" "$pgbin/pg_ctl" -D "$work/pgroot/data" -l "$work/pgroot/pg.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $pgport -k $work/pgroot" start >/dev/null
  "$pgbin/createdb" -h 127.0.0.1 -p "$pgport" -U ismap -T template0 -l C -E UTF8 ismap
  store_entry="\"store\": {\"url\": \"postgresql://ismap@127.0.0.1:$pgport/ismap\"},"
  echo "store: postgresql://ismap@127.0.0.1:$pgport/ismap"
else
  step "SQLite: one file in the shared data directory"
fi

# ---- certificates: the central's (tls+tcp) and the collector's (mutual TLS) ------------------
step "certificates"
cd "$work"
ossl() { openssl "$@" 2>>"$work/openssl.log"; }
for ca in server-ca client-ca; do
  ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=$ca" -keyout $ca.key -out $ca.pem
done
ossl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 -keyout central.key -out central.csr
printf 'subjectAltName=IP:127.0.0.1\n' >central.ext
ossl x509 -req -in central.csr -CA server-ca.pem -CAkey server-ca.key -CAcreateserial -days 2 -extfile central.ext -out central.pem
ossl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=collector-lgwan -keyout collector.key -out collector.csr
ossl x509 -req -in collector.csr -CA client-ca.pem -CAkey client-ca.key -CAcreateserial -days 2 -out collector.pem

# ---- the emulator (stands in for AWS, reachable only by the collector) -----------------------
"$bin/tests/awsemu" --port-file "$work/emu.port" --seed 7 >"$work/emu.log" 2>&1 &
pids+=($!)
until_ok "awsemu" test -s "$work/emu.port"
emu_port=$(cat "$work/emu.port")

# ---- two ismapd on one store --------------------------------------------------------------
step "two ismapd on one store"
for n in 1 2; do
  tls_port=$(free_port)
  http_port=$(free_port)
  eval "tls_$n=$tls_port http_$n=$http_port"
  cat >"$work/ismapd-$n.json" <<EOF
{$store_entry
 "listen": ["ipc://$work/ismapd-$n.sock", "tls+tcp://127.0.0.1:$tls_port"],
 "events": "ipc://$work/events-$n.sock",
 "http": {"listen": "http://127.0.0.1:$http_port"},
 "tls": {"cert_file": "$work/central.pem", "key_file": "$work/central.key",
         "client_ca": "$work/client-ca.pem"},
 "jobs": {"shared_data_dir": true, "worker_id": "ismapd-$n"}}
EOF
  (
    # The central has no AWS credentials: collections run on the collector.
    unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE
    export AWS_SHARED_CREDENTIALS_FILE=$work/none AWS_CONFIG_FILE=$work/none
    exec "$bin/ismapd" --config "$work/ismapd-$n.json" --data-dir "$work/data" --log-file "$work/ismapd-$n.log"
  ) &
  pids+=($!)
  until_ok "ismapd-$n" "$bin/ismapctl" --socket "$work/ismapd-$n.sock" --timeout 5 ping || { tail "$work/ismapd-$n.log"; exit 1; }
  echo "ismapd-$n: ipc://$work/ismapd-$n.sock, tls+tcp://127.0.0.1:$tls_port, http://127.0.0.1:$http_port"
done
ctl1() { "$bin/ismapctl" --socket "$work/ismapd-1.sock" "$@"; }
ctl2() { "$bin/ismapctl" --socket "$work/ismapd-2.sock" "$@"; }

# ---- the remote collector on 127.0.0.2 ------------------------------------------------------
step "a remote collector (zone lgwan), its own process and credentials"
pub=$("$bin/ismapd" --role collector --data-dir "$work/collector" --print-public-key)
ctl1 --json call collector.register "{\"name\": \"lgwan-1\", \"zone\": \"lgwan\", \"scopes\": \"*\", \"public_key\": \"$pub\"}" >"$work/reg.json"
python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"])' "$work/reg.json" >"$work/collector.token"
# It talks to ismapd-2; the collection is submitted to ismapd-1: the queue is one.
cat >"$work/collector.json" <<EOF
{"collector": {"connect": "tls+tcp://127.0.0.1:$tls_2", "token_file": "$work/collector.token",
   "ca_file": "$work/server-ca.pem", "cert_file": "$work/collector.pem", "key_file": "$work/collector.key",
   "poll_s": 1, "overrides": {"aws": {"endpoint_url": "http://127.0.0.1:$emu_port"}}}}
EOF
env AWS_ACCESS_KEY_ID=AKIAMINATOCOLLECT001 AWS_SECRET_ACCESS_KEY='mInAtOcOlLeCtOr/SeCrEtKeY+0123456789aBcD' \
  AWS_SHARED_CREDENTIALS_FILE="$work/none" AWS_CONFIG_FILE="$work/none" \
  "$bin/ismapd" --role collector --config "$work/collector.json" --data-dir "$work/collector" \
  --log-file "$work/collector.log" &
pids+=($!)

# ---- a collection of the demo tenant through the collector -----------------------------------
step "collection of the demo tenant, routed to zone lgwan (submitted to ismapd-1)"
ctl1 --timeout 600 --json collect aws --org --role-name ISMAPAssessReadOnly --external-id minato-ismap-2025 \
  --regions ap-northeast-1,ap-northeast-3 --zone lgwan --wait >"$work/collect.json" || {
  echo "multi.sh: the collection failed"; cat "$work/collect.json"; tail -20 "$work/collector.log"; exit 1; }
snap=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["result"]["snapshot"])' "$work/collect.json")
echo "snapshot $snap, collected by $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["result"]["collector"]["name"])' "$work/collect.json")"
ctl2 snapshot verify "$snap"

step "assessment and conformance matrix (on ismapd-2)"
ctl2 subject create "みなと市ガバメントクラウド" --kind workload --environment production \
  --organization みなと市 >/dev/null
a=$(ctl2 --timeout 600 assessment create "みなと市ガバメントクラウド" --frameworks mic-cloud-addon,mic \
  --snapshot "$snap" --name "multi-process demo" --wait)
ctl2 --timeout 600 matrix "$a" --json | python3 -c '
import json, sys
m = json.load(sys.stdin)
for fw, c in m["counts_by_framework"].items():
    print(f"{fw:18} " + "  ".join(f"{k} {v}" for k, v in c.items() if v))'
echo
echo "multi.sh: done ($backend store; logs in $work until exit)"
