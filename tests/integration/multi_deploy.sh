#!/usr/bin/env bash
# multi_deploy.sh — deploy/multi.sh, the multi-process example the README gives as one command,
# runs end to end: two daemons on one store and a remote collector over mutual TLS, a zoned
# collection whose signed snapshot is verified, the matrix read from the other daemon. On
# PostgreSQL when Debian's server binaries are installed (else that half says it is skipped),
# and on one SQLite file shared by both daemons: two parts that ctest runs side by side
# (sh_multi_deploy_postgresql and sh_multi_deploy_sqlite; tests/CMakeLists.txt reads the line
# below). No argument runs both.
# ctest parts: postgresql sqlite
set -u
part=${1:-all}
case $part in all | postgresql | sqlite) ;; *) echo "usage: multi_deploy.sh [postgresql|sqlite]"; exit 2 ;; esac
: "${ISMAPCTL:?run through ctest}"
bin=$(dirname "$ISMAPCTL")
root=$(cd "$(dirname "$0")/../.." && pwd)
passes=0 fails=0
run() { # run NAME ARGS...
  local name=$1 out rc
  shift
  # The bound only stops a hang, below ctest's own TIMEOUT (1800 s) so that multi.sh gets the
  # TERM and stops its daemons and cluster itself: a journey of ~30 s on a quiet machine took
  # over 300 s with ten suites and two CPU-bound processes on two cores.
  out=$(ISMAP_BUILD_DIR=$bin timeout 1500 "$root/deploy/multi.sh" "$@" 2>&1)
  rc=$?
  if [ $rc = 0 ] && grep -q "signature is valid" <<<"$out" &&
    grep -q "^mic-cloud-addon .*satisfied" <<<"$out" && grep -q "^multi.sh: done" <<<"$out"; then
    passes=$((passes + 1))
  else
    fails=$((fails + 1))
    echo "FAIL $name: exit $rc"
    tail -30 <<<"$out"
  fi
}
if [ "$part" != sqlite ]; then
  if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    run postgresql
  else
    echo "multi_deploy: PostgreSQL's server binaries are not installed: the PostgreSQL half is skipped"
    [ "$part" = postgresql ] && exit 77
  fi
fi
[ "$part" = postgresql ] || run sqlite --sqlite
echo "multi_deploy: $passes passed, $fails failed"
[ $fails = 0 ] && [ $passes -gt 0 ]
