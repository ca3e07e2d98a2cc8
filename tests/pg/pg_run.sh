#!/usr/bin/env bash
# pg_run.sh — runs a command against a throw-away PostgreSQL server, for the store's tests:
#   tests/pg/pg_run.sh ctest -L store
# Starts a cluster from Debian's postgresql package in a temp directory (initdb --locale=C -E
# UTF8, trust authentication, listening on 127.0.0.1 on a free port, its socket in the temp
# dir, no system service), exports ISMAP_TEST_PG_URL=postgresql://postgres@127.0.0.1:PORT/ (a
# server URL without a database: tests create their own databases on it — tu_store_location,
# ism_test_pg_db in tests/lib/shtest.sh), runs the command, then stops the server and deletes
# the cluster. Exit status: the command's; 77 (skipped) when PostgreSQL's binaries are missing.
# Run as root, the server runs as the `postgres` user (PostgreSQL refuses to run as root).
set -uo pipefail

[ $# -gt 0 ] || { echo "usage: $0 COMMAND [ARGS...]" >&2; exit 2; }
bindir=${ISM_PG_BINDIR:-}
if [ -z "$bindir" ]; then
  for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && bindir=$d; done
fi
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ] || [ ! -x "$bindir/pg_ctl" ]; then
  echo "pg_run: PostgreSQL's server binaries (initdb, pg_ctl) are missing: install Debian's" \
    "postgresql package (deploy/install-deps.sh --test); skipped" >&2
  exit 77
fi

as_pg=()
tmp=$(mktemp -d /tmp/ismap-pg-XXXXXX)
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || { echo "pg_run: running as root, and there is no postgres user" >&2; exit 77; }
  chown postgres "$tmp"
  as_pg=(runuser -u postgres --)
fi
cleanup() {
  "${as_pg[@]}" "$bindir/pg_ctl" -D "$tmp/data" -m immediate -w stop >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! "${as_pg[@]}" "$bindir/initdb" -D "$tmp/data" -U postgres -A trust --locale=C -E UTF8 \
  --no-sync >"$tmp/initdb.log" 2>&1; then
  echo "pg_run: initdb failed:" >&2
  cat "$tmp/initdb.log" >&2
  exit 1
fi

# free_port: a port from below the kernel's ephemeral range (tests/lib/shtest.sh).
ISM_TEST_NO_WATCH=1 # this runs a whole stage: no hang watcher of a single test's length
. "$(dirname "$0")/../lib/shtest.sh"
# Tests only: durability settings off (a test never survives a power cut), room for the
# connections of parallel tests (each open store holds five).
started=
for _ in 1 2 3 4 5; do # another process may take the free port before the server binds it
  port=$(free_port)
  if "${as_pg[@]}" "$bindir/pg_ctl" -D "$tmp/data" -l "$tmp/server.log" -w -t 60 -o \
    "-c listen_addresses=127.0.0.1 -p $port -k $tmp -c max_connections=400 -c fsync=off \
     -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=32MB" start \
    >/dev/null 2>&1; then
    started=1
    break
  fi
done
if [ -z "$started" ]; then
  echo "pg_run: the PostgreSQL server did not start:" >&2
  tail -20 "$tmp/server.log" >&2
  exit 1
fi

export ISM_PG_BINDIR="$bindir"
export ISMAP_TEST_PG_URL="postgresql://postgres@127.0.0.1:$port/"
echo "pg_run: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2
"$@"
