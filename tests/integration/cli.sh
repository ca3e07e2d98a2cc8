#!/usr/bin/env bash
# cli.sh — ismapctl against a live ismapd: human and --json output, exit statuses
# (0 ok, 1 service error, 2 usage or connection error), tokens over loopback TCP.
set -u
. "$(dirname "$0")/../lib/shtest.sh"
: "${ISMAPD:?run through ctest}" "${ISMAPCTL:?run through ctest}"
tmp=$(mktemp -d /tmp/ismtest-cli-XXXXXX)
port=$(free_port)
"$ISMAPD" --data-dir "$tmp/data" --log-file "$tmp/log" --listen "ipc://$tmp/data/ismapd.sock" \
  --listen "tcp://127.0.0.1:$port" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
export ISMAP_SOCKET="$tmp/data/ismapd.sock"
wait_daemon "$pid" || exit 1

check ping 0 "$ISMAPCTL" ping
contains ping-text "$tmp/out" "pong from ipc://"
check status 0 "$ISMAPCTL" status
contains status-text "$tmp/out" "store:"
check status-json 0 "$ISMAPCTL" status --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["caller"]["role"]=="admin"' "$tmp/out" \
  && passes=$((passes+1)) || { fails=$((fails+1)); echo "FAIL status-json parse"; }
check help 0 "$ISMAPCTL" --help
contains help-text "$tmp/out" "token create"
check version 0 "$ISMAPCTL" --version
check unknown-command 2 "$ISMAPCTL" frobnicate
check unknown-option 2 "$ISMAPCTL" jobs list --colour
check missing-arg 2 "$ISMAPCTL" jobs show
check not-found 1 "$ISMAPCTL" jobs show job_0000000000000000
contains not-found-text "$tmp/err" "not_found"
check no-daemon 2 "$ISMAPCTL" --socket "$tmp/nowhere.sock" --timeout 2 ping
check bad-role 1 "$ISMAPCTL" token create --name x --role root
check token-create 0 "$ISMAPCTL" token create --name ci --role auditor --org city --json
tok=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"])' "$tmp/out")
tid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$tmp/out")
check tcp-no-token 1 env -u ISMAP_TOKEN "$ISMAPCTL" --url "tcp://127.0.0.1:$port" ping
contains tcp-no-token-text "$tmp/err" "unauthenticated"
check tcp-token-env 0 env ISMAP_TOKEN="$tok" "$ISMAPCTL" --url "tcp://127.0.0.1:$port" status
contains tcp-role "$tmp/out" "auditor of city"
check tcp-denied 1 "$ISMAPCTL" --url "tcp://127.0.0.1:$port" --token "$tok" token list
contains tcp-denied-text "$tmp/err" "permission_denied"
check token-list 0 "$ISMAPCTL" token list
contains token-list-text "$tmp/out" "$tid"
if grep -q "$tok" "$tmp/out"; then fails=$((fails+1)); echo "FAIL token list shows a secret"; fi
check token-revoke 0 "$ISMAPCTL" token revoke "$tid"
check tcp-revoked 1 "$ISMAPCTL" --url "tcp://127.0.0.1:$port" --token "$tok" ping
check job-wait 0 "$ISMAPCTL" jobs submit diag.wait --params '{"ms":100}' --wait
contains job-wait-text "$tmp/out" "succeeded"
check job-bad-params 2 "$ISMAPCTL" jobs submit diag.wait --params 'not json'
check job-fail-wait 1 "$ISMAPCTL" jobs submit store.backup --params '{"dest":"relative.db"}'
if [ -z "${ISMAP_TEST_PG_URL:-}" ]; then
  check backup 0 "$ISMAPCTL" jobs submit store.backup --params "{\"dest\":\"$tmp/backup.db\"}" --wait
  [ -s "$tmp/backup.db" ] && passes=$((passes+1)) || { fails=$((fails+1)); echo "FAIL backup file"; }
else # a PostgreSQL store is PostgreSQL's to back up: the job says so and writes nothing
  check backup-pg 1 "$ISMAPCTL" jobs submit store.backup --params "{\"dest\":\"$tmp/backup.db\"}" --wait
  contains backup-pg-text "$tmp/out" "pg_dump"
  [ ! -e "$tmp/backup.db" ] && passes=$((passes+1)) || { fails=$((fails+1)); echo "FAIL backup-pg wrote a file"; }
fi
check jobs-list 0 "$ISMAPCTL" jobs list
contains jobs-list-text "$tmp/out" "store.backup"
check call 0 "$ISMAPCTL" call ping '{"echo":"マイナンバー"}'
contains call-text "$tmp/out" "マイナンバー"

echo "cli: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
