#!/usr/bin/env bash
# pg_durable.sh — for the backend benchmarks (eval_backends.sh, api_backends.sh): under
# tests/pg/pg_run.sh, whose throw-away server runs with fsync, synchronous_commit and
# full_page_writes off and 32 MB of shared buffers (right for tests), restarts that server
# with PostgreSQL's defaults for those (durable commits, as SQLite's synchronous=FULL; 128 MB),
# keeping its address, port and socket directory; then runs the command. Those settings came
# from the server's command line, which outranks ALTER SYSTEM: hence the restart.
# Usage: tests/pg/pg_run.sh tests/bench/pg_durable.sh CMD...
set -euo pipefail
[ -n "${ISMAP_TEST_PG_URL:-}" ] || { echo "pg_durable: ISMAP_TEST_PG_URL is not set (run under tests/pg/pg_run.sh)" >&2; exit 2; }
bindir=${ISM_PG_BINDIR:?run under tests/pg/pg_run.sh}
q() { "$bindir/psql" -qAtX -d "${ISMAP_TEST_PG_URL}postgres" -c "$1"; }
data=$(q "SHOW data_directory")
port=$(q "SHOW port")
sock=$(q "SHOW unix_socket_directories")
as_pg=()
[ "$(id -u)" = 0 ] && as_pg=(runuser -u postgres --)
"${as_pg[@]}" "$bindir/pg_ctl" -D "$data" -l "$(dirname "$data")/server.log" -w -t 120 -m fast \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $sock -c max_connections=400" restart >/dev/null
echo "pg_durable: $(q "SELECT string_agg(name || '=' || current_setting(name), ' ' ORDER BY name) FROM pg_settings WHERE name IN ('fsync','synchronous_commit','full_page_writes','shared_buffers','max_connections')")" >&2
exec "$@"
