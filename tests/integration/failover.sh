#!/usr/bin/env bash
# failover.sh — two ismapd on one store (issue 18): one PostgreSQL database when
# ISMAP_TEST_PG_URL is set (tests/pg/pg_run.sh), else one SQLite file in a data directory both
# share (jobs.shared_data_dir). A collection of awsemu's demo tenant, slowed by latency, is
# claimed by one of them; once its checkpoint has advanced that daemon is killed with SIGKILL.
# The other daemon's sweep finds the lease expired (a short lease, jobs.lease_ms), takes the job
# over and resumes it from the checkpoint: the snapshot must hold exactly the resources of a clean
# run (nothing lost, nothing twice), the job one result, written by the survivor. A client
# following the survivor's event stream (SSE) sees the job's progress while the other daemon ran
# it, and its end. No fixed waits: every wait is for a condition.
set -u
. "$(dirname "$0")/../lib/shtest.sh"
: "${ISMAPD:?run through ctest}" "${ISMAPCTL:?run through ctest}"
AWSEMU=${AWSEMU:-${ISM_BUILD_DIR:-}/tests/awsemu}
if [ ! -x "$AWSEMU" ]; then echo "failover: awsemu not built: skipped"; exit 77; fi
command -v curl >/dev/null || { echo "failover: curl not installed: skipped"; exit 77; }

tmp=$(mktemp -d /tmp/ismtest-failover-XXXXXX)
emu_pid="" pid_a="" pid_b="" sse_a="" sse_b=""
cleanup() {
  for p in $sse_a $sse_b $pid_a $pid_b $emu_pid; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  [ -n "${ISM_KEEP_TMP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT
ok() { passes=$((passes + 1)); }
no() { fails=$((fails + 1)); echo "FAIL $*"; }
jget() { $PY -c 'import json,sys; v=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): v=v[int(k)] if isinstance(v,list) else v.get(k)
print("" if v is None else v)' "$@"; }

export AWS_ACCESS_KEY_ID=AKIAMINATOCOLLECT001
export AWS_SECRET_ACCESS_KEY='mInAtOcOlLeCtOr/SeCrEtKeY+0123456789aBcD'
export AWS_SHARED_CREDENTIALS_FILE=$tmp/none AWS_CONFIG_FILE=$tmp/none
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_REGION AWS_DEFAULT_REGION
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
ROLE=(--org --role-name ISMAPAssessReadOnly --external-id minato-ismap-2025)

# ---- the store both daemons use -------------------------------------------------------------
store_entry=""
backend=sqlite
if [ -n "${ISMAP_TEST_PG_URL:-}" ]; then
  command -v psql >/dev/null || { echo "failover: psql not installed: skipped"; exit 77; }
  db="ismap_failover_$$"
  psql -q "${ISMAP_TEST_PG_URL}postgres" -c "CREATE DATABASE $db TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'" \
    || { echo "failover: cannot create database $db"; exit 1; }
  store_entry="\"store\": {\"url\": \"${ISMAP_TEST_PG_URL}$db\"},"
  backend=postgresql
fi

start_emu() { # start_emu NAME ARGS... → $port
  local name=$1
  shift
  "$AWSEMU" --port-file "$tmp/$name.port" --seed 7 "$@" >"$tmp/$name.emu.log" 2>&1 &
  emu_pid=$!
  wait_file "$tmp/$name.port" || { echo "awsemu did not start"; exit 1; }
  port=$(cat "$tmp/$name.port")
}
stop_emu() { kill "$emu_pid" 2>/dev/null; wait "$emu_pid" 2>/dev/null; emu_pid=""; }
start_emu ref
http_a=$(free_port)
http_b=$(free_port)

# Both daemons use one data directory (snapshots, signing key) and one store; each has its own
# sockets, worker id and log. The lease is short so that the takeover comes soon after the kill.
conf() { # conf NAME [HTTP_PORT]
  local http=""
  [ -n "${2:-}" ] && http="\"http\": {\"listen\": \"http://127.0.0.1:$2\"},"
  cat >"$tmp/$1.json" <<EOF
{$store_entry $http
 "collect": {"endpoint_allow": ["127.0.0.1"]},
 "listen": ["ipc://$tmp/$1.sock"], "events": "ipc://$tmp/$1-events.sock",
 "jobs": {"shared_data_dir": true, "worker_id": "$1", "lease_ms": 1500, "peer_events_ms": 100}}
EOF
}
conf a "$http_a"
conf b "$http_b"
start() { # start NAME → pid_NAME
  "$ISMAPD" --config "$tmp/$1.json" --data-dir "$tmp/data" --log-file "$tmp/$1.log" --workers 1 &
  local p=$!
  eval "pid_$1=$p"
  wait_daemon "$p" --socket "$tmp/$1.sock" || { cat "$tmp/$1.log"; exit 1; }
}
start a
start b
ctl() { "$ISMAPCTL" --socket "$tmp/$1.sock" "${@:2}"; }

# A daemon that expects the data directory alone refuses to start beside them.
"$ISMAPD" --data-dir "$tmp/data" --listen "ipc://$tmp/c.sock" --events "ipc://$tmp/c-ev.sock" \
  --log-file "$tmp/c.log" --workers 1 >/dev/null 2>&1 &
c_pid=$!
wait "$c_pid"
[ $? -ne 0 ] && ok || no "an unshared daemon started beside shared ones"
grep -q "does not share its data directory\|another ismapd" "$tmp/c.log" "$tmp/a.log" "$tmp/b.log" 2>/dev/null \
  && ok || { no "the refusal says why"; cat "$tmp/c.log"; }

# ---- the clean reference --------------------------------------------------------------------
ctl a --timeout 600 --json collect aws "${ROLE[@]}" --endpoint-url "http://127.0.0.1:$port" \
  --wait >"$tmp/ref.job" 2>"$tmp/ref.err" || { no "reference collection"; cat "$tmp/ref.job" "$tmp/ref.err"; exit 1; }
ref=$tmp/data/snapshots/$(jget "$tmp/ref.job" result.snapshot).db
[ -s "$ref" ] && ok || { no "reference snapshot $ref"; exit 1; }

# ---- the killed run -------------------------------------------------------------------------
# A fresh emulator whose credential report takes 20 s: the run is certainly still collecting
# when its checkpoint has passed 30 operations, however fast the machine.
stop_emu
start_emu killed --latency-ms 100 --jitter-ms 20 --report-delay-ms 20000
tok=$(ctl a --json token create --name sse --role admin | $PY -c 'import json,sys; print(json.load(sys.stdin)["token"])')
# A client follows each daemon's event stream; the survivor's must show the job run by the other.
for n in a b; do
  eval "hp=\$http_$n"
  curl -sN -D "$tmp/$n.hdr" -H "Authorization: Bearer $tok" "http://127.0.0.1:$hp/api/v1/events" \
    >"$tmp/$n.events" 2>"$tmp/sse-$n.err" &
  eval "sse_$n=$!"
  wait_file "$tmp/$n.hdr" || no "no event stream from $n: $(cat "$tmp/sse-$n.err")"
done

ctl a --json collect aws "${ROLE[@]}" --endpoint-url "http://127.0.0.1:$port" >"$tmp/kill.submit" \
  || { no "submit"; exit 1; }
job=$(jget "$tmp/kill.submit" job)
# Who runs it, once its checkpoint has advanced past a few dozen operations.
via=a # the daemon asked about the job (the survivor once the other is killed)
job_field() { ctl "$via" --json jobs show "$job" | $PY -c 'import json,sys; j=json.load(sys.stdin)
v=j
for k in sys.argv[1].split("."): v=(v or {}).get(k)
print("" if v is None else v)' "$1"; }
advanced() { [ "$(job_field checkpoint.units_done)" -ge 30 ] 2>/dev/null; }
wait_for "the collection's checkpoint to advance" advanced || { no "no checkpoint"; ctl a --json jobs show "$job"; exit 1; }
holder=$(job_field worker)
case $holder in a) victim=$pid_a survivor=b ;; b) victim=$pid_b survivor=a ;;
  *) no "the job's worker is '$holder'"; exit 1 ;; esac
units_at_kill=$(job_field checkpoint.units_done)
kill -9 "$victim"; wait "$victim" 2>/dev/null
via=$survivor
if [ "$holder" = a ]; then pid_a=""; else pid_b=""; fi
# Not ended: still running, or already back in the queue (the short lease may have expired
# before this question is answered on a busy machine) — never succeeded or failed.
state=$(job_field state)
case $state in running | queued) ok ;; *) no "the job ended before the kill: '$state'" ;; esac

# The survivor takes it over after the lease and finishes it.
taken() { [ "$(job_field worker)" = "$survivor" ]; }
wait_for "the survivor ($survivor) to take the job over" taken && ok || no "no takeover"
ctl "$survivor" --timeout 600 jobs wait "$job" >"$tmp/kill.wait" 2>&1 && ok || {
  no "the job did not succeed on the survivor"; cat "$tmp/kill.wait"; tail -20 "$tmp/$survivor.log"; }
ctl "$survivor" --json jobs show "$job" >"$tmp/kill.job"
[ "$(jget "$tmp/kill.job" state)" = succeeded ] && ok || no "state $(jget "$tmp/kill.job" state)"
[ "$(jget "$tmp/kill.job" worker)" = "$survivor" ] && ok || no "the result is not the survivor's"
[ "$(jget "$tmp/kill.job" attempts)" = 2 ] && ok || no "attempts $(jget "$tmp/kill.job" attempts), wanted 2"
resumed=$(jget "$tmp/kill.job" result.stats.resumed)
[ "${resumed:-0}" -gt 0 ] && ok || no "nothing was resumed from the checkpoint ($resumed; $units_at_kill units at the kill)"
grep -q '"event":"job.lease_expired"' "$tmp/$survivor.log" && ok || no "the survivor logged no lease expiry"
snap=$(jget "$tmp/kill.job" result.snapshot)
db=$tmp/data/snapshots/$snap.db
ctl "$survivor" snapshot verify "$snap" >/dev/null && ok || no "the snapshot does not verify"

# Nothing lost, nothing twice: the resources are the clean run's, each once.
$PY - "$ref" "$db" >"$tmp/cmp.out" 2>&1 <<'EOF' && ok || { no "snapshot differs from the clean run"; cat "$tmp/cmp.out"; }
import sqlite3, sys
def rows(p):
    c = sqlite3.connect("file:%s?mode=ro" % p, uri=True)
    return [tuple(r) for r in c.execute("SELECT account, region, type, id FROM resources")]
ref, got = rows(sys.argv[1]), rows(sys.argv[2])
if len(set(got)) != len(got):
    sys.exit("duplicated resources: %d rows, %d distinct" % (len(got), len(set(got))))
if sorted(ref) != sorted(got):
    sys.exit("lost %d, extra %d" % (len(set(ref) - set(got)), len(set(got) - set(ref))))
print("same %d resources" % len(got))
EOF
# One result: the job table holds one row for it, and one snapshot was registered for it.
n=$(ctl "$survivor" --json snapshot list | $PY -c 'import json,sys
print(sum(1 for s in json.load(sys.stdin) if s.get("job") == sys.argv[1] or s.get("id") == sys.argv[2]))' "$job" "$snap")
[ "$n" = 1 ] && ok || no "$n snapshots for the job"

# Events across processes: the survivor's stream carried the progress of the job while the
# killed daemon ran it (relayed from the store, worker = the holder), then its end.
ev=$tmp/$survivor.events
cat >"$tmp/relayed.py" <<'EOF'
import json, sys
path, job, topic, worker = sys.argv[1:]
cur = None
for line in open(path, encoding="utf-8", errors="replace"):
    line = line.rstrip("\n")
    if line.startswith("event:"):
        cur = line[6:].strip()
    elif line.startswith("data:") and cur == topic:
        try:
            d = json.loads(line[5:])
        except ValueError:
            continue
        if d.get("job") == job and (worker == "-" or d.get("worker") == worker) and \
           (topic != "job.finished" or d.get("state") == "succeeded"):
            sys.exit(0)
sys.exit(1)
EOF
relayed() { $PY "$tmp/relayed.py" "$ev" "$job" "$1" "$2"; }
relayed job.progress "$holder" && ok || { no "$survivor's stream has no progress of the job run by $holder"; head -c 2000 "$ev"; }
wait_for "the job.finished event on $survivor's stream" relayed job.finished - && ok || {
  no "no job.finished on $survivor's stream"; tail -c 2000 "$ev"; }

echo "failover ($backend, the job ran on $holder, killed at $units_at_kill units): $passes passed, $fails failed"
[ "$fails" = 0 ]
