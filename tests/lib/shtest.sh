# shtest.sh — sourced by the shell tests (tests/integration/*.sh, tests/emulator/*.sh): the
# Python they call, and how they wait.
#
# Python: the system interpreter when there is one. A version manager's shim first on PATH
# (pyenv) costs a shell script and a second interpreter start per call — over a second each on a
# busy machine, and these tests make hundreds of calls. $PY names it, and `python3` in a script
# that sources this file means it too.
if [ -x /usr/bin/python3 ]; then ISM_PY=/usr/bin/python3; else ISM_PY=$(command -v python3); fi
PY=$ISM_PY
python3() { "$ISM_PY" "$@"; }

# Waiting: the shell twin of tests/lib/waitfor.c — for a condition, polled, under one generous
# overall deadline (ISM_TEST_WAIT_S seconds, default 120), never for a fixed time. A busy machine
# only makes a wait longer; it fails only when the condition is really never met (or the process
# it waits on has exited).

# wait_for WHAT COMMAND... — runs COMMAND (output discarded) until it succeeds. Returns 0 then,
# or 1 after printing "gave up waiting for WHAT" to stderr.
wait_for() {
  local what=$1 limit=${ISM_TEST_WAIT_S:-120} start=$SECONDS
  shift
  until "$@" >/dev/null 2>&1; do
    if [ $((SECONDS - start)) -ge "$limit" ]; then
      echo "gave up waiting for $what (${limit} s)" >&2
      return 1
    fi
    sleep 0.05 # the poll interval, not a wait for something to happen
  done
}

# wait_file FILE — waits until FILE exists and is not empty.
wait_file() { wait_for "$1 to be written" test -s "$1"; }

# wait_daemon PID [ISMAPCTL ARGS...] — waits until the ismapd with process id PID answers
# `ismapctl ARGS... ping` (ARGS: e.g. --socket PATH; default $ISMAP_SOCKET). Gives up at once,
# printing so, when PID has exited (a daemon that refused to start never answers).
wait_daemon() {
  local pid=$1 limit=${ISM_TEST_WAIT_S:-120} start=$SECONDS
  shift
  until "$ISMAPCTL" "$@" --timeout 5 ping >/dev/null 2>&1; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "ismapd (pid $pid) exited before answering ping" >&2
      return 1
    fi
    if [ $((SECONDS - start)) -ge "$limit" ]; then
      echo "gave up waiting for ismapd (pid $pid) to answer ping (${limit} s)" >&2
      return 1
    fi
    sleep 0.05 # the poll interval
  done
}

# stacks PID... — prints each process's command line and, when gdb is installed, the stack of
# each of its threads: what a process that does not end is waiting on.
stacks() {
  local p
  for p in "$@"; do
    [ -r "/proc/$p/cmdline" ] || continue
    echo "--- pid $p: $(tr '\0' ' ' <"/proc/$p/cmdline")"
    command -v gdb >/dev/null &&
      timeout 120 gdb -p "$p" -batch -nx -ex "thread apply all bt" 2>&1 |
      grep -E '^(Thread|#)' | head -200
  done
}

# stop_pid PID WHAT — stops a daemon the test started: SIGTERM, then waits for it to end (under
# the same overall deadline as wait_for). A daemon still running then is a bug: prints so and
# its threads' stacks, kills it (SIGKILL) and returns 1 (the caller counts the failure).
stop_pid() {
  local pid=$1 what=$2 limit=${ISM_TEST_WAIT_S:-120} start=$SECONDS
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
  while kill -0 "$pid" 2>/dev/null && [ -z "$(ps -o stat= -p "$pid" | grep Z)" ]; do
    if [ $((SECONDS - start)) -ge "$limit" ]; then
      echo "$what (pid $pid) did not stop within ${limit} s of SIGTERM; its threads:"
      stacks "$pid"
      kill -KILL "$pid" 2>/dev/null
      wait "$pid" 2>/dev/null
      return 1
    fi
    sleep 0.05 # the poll interval
  done
  wait "$pid" 2>/dev/null
  return 0
}

# A script that hangs says where: ISM_TEST_HANG_S seconds after it started (default 1500, below
# ctest's TIMEOUT of 1800 s, after which ctest kills it), a watcher prints the processes the
# script started and their threads' stacks, so the log ctest keeps shows what the test waited
# on. It only reports, never decides a result, and ends when the script does. It is not the
# script's child (a script's `wait` does not wait for it).
_ism_watch() {
  local script=$1 after=$2 start=$SECONDS
  while kill -0 "$script" 2>/dev/null; do
    if [ $((SECONDS - start)) -ge "$after" ]; then
      local kids
      kids=$(ps -eo pid=,ppid= | awk -v root="$script" '{ parent[$1] = $2 }
        END { for (p in parent) for (q = parent[p]; q > 1; q = parent[q]) if (q == root) { print p; break } }')
      {
        echo "=== $(basename "$0") has run ${after} s: the processes it started"
        ps -o pid,ppid,stat,etime,args -p "$(echo "$script" $kids | tr ' ' ',')"
        # shellcheck disable=SC2086
        stacks $(for k in $kids; do case $(cat "/proc/$k/comm" 2>/dev/null) in
          ismap* | *emu* | node | python3) echo "$k" ;; esac; done)
      } >&2
      return
    fi
    sleep 1 # the watcher's poll interval
  done
}
if [ -z "${ISM_TEST_NO_WATCH:-}" ]; then
  (_ism_watch $$ "${ISM_TEST_HANG_S:-1500}" &)
fi

# free_port — prints a free TCP port on 127.0.0.1 for a daemon to listen on, from below the
# kernel's ephemeral range (as tu_free_port in tests/lib/testutil.c): a port from that range
# (bind to port 0) can be taken by another test's outgoing connection before the daemon binds
# it, and the daemon then refuses to start.
free_port() {
  "$ISM_PY" -c '
import random, socket
try:
    lo = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
except Exception:
    lo = 0
ports = random.SystemRandom().sample(range(lo - 8000, lo), 200) if lo >= 10000 else []
for p in ports + [0]:
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
        print(s.getsockname()[1])
        break
    except OSError:
        pass
    finally:
        s.close()
'
}

# The checks a script counts: `check NAME STATUS COMMAND...` runs COMMAND (its output in
# $tmp/out and $tmp/err) and wants that exit status; `contains NAME FILE TEXT` wants TEXT in
# FILE. Each adds to $passes or $fails and says what failed; the script ends with [ $fails = 0 ].
fails=0 passes=0
check() {
  local name=$1 want=$2
  shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  if [ "$got" = "$want" ]; then passes=$((passes + 1)); else
    fails=$((fails + 1))
    echo "FAIL $name: exit $got, wanted $want"
    cat "$tmp/out" "$tmp/err"
  fi
}
contains() {
  if grep -q -- "$3" "$2"; then passes=$((passes + 1)); else
    fails=$((fails + 1))
    echo "FAIL $1: '$3' not in output:"
    head -40 "$2"
  fi
}

# PostgreSQL (tests/pg/pg_run.sh sets ISMAP_TEST_PG_URL): $ISMAPD and $ISMAPD_COLLECTOR_TEST
# become wrappers (tests/pg/ismapd-pg.sh) that give each daemon a database of its own on that
# server — `--store URL`, the same database whenever the same data dir is started again.
if [ -n "${ISMAP_TEST_PG_URL:-}" ] && [ -z "${ISM_PG_WRAPPED:-}" ]; then
  export ISM_PG_WRAPPED=1
  _pgw="${ISM_BUILD_DIR:-${TMPDIR:-/tmp}}/pg-wrap"
  mkdir -p "$_pgw"
  for _v in ISMAPD ISMAPD_COLLECTOR_TEST; do
    _real=${!_v:-}
    [ -n "$_real" ] || continue
    _f="$_pgw/$(basename "$_real")"
    # Written once per test run, atomically (parallel tests write the same content).
    printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "${ISM_SOURCE_DIR:-.}/tests/pg/ismapd-pg.sh" \
      "$_real" >"$_f.$$" && chmod +x "$_f.$$" && mv -f "$_f.$$" "$_f"
    export "$_v=$_f"
  done
  unset _pgw _v _real _f
fi
