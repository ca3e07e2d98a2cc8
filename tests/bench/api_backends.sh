#!/usr/bin/env bash
# api_backends.sh — runs api_backends ($API_BENCH) against a throw-away PostgreSQL server
# (tests/pg/pg_run.sh, made durable by pg_durable.sh): (a) one ismapd on SQLite, (c) one on
# PostgreSQL, (b) two on one PostgreSQL database, side by side. Without PostgreSQL's binaries,
# (a) alone. API_BENCH_CLIENTS / API_BENCH_SECONDS set the load. Figures only; ISM_BENCH=1.
set -uo pipefail
[ "${ISM_BENCH:-}" = 1 ] || { echo "set ISM_BENCH=1 to run"; exit 77; }
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
: "${API_BENCH:?API_BENCH must name the api_backends binary}"
"$root/tests/pg/pg_run.sh" "$here/pg_durable.sh" "$API_BENCH"
rc=$?
if [ "$rc" = 77 ]; then
  echo "PostgreSQL is not installed: SQLite only"
  exec env -u ISMAP_TEST_PG_URL "$API_BENCH"
fi
exit "$rc"
