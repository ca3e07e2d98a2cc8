#!/usr/bin/env bash
# ismapd-pg.sh — runs an ismapd binary for the shell tests on PostgreSQL (tests/pg/pg_run.sh):
#   ismapd-pg.sh REAL_ISMAPD ARGS...
# With ISMAP_TEST_PG_URL set and a --data-dir among ARGS, the daemon gets `--store URL` of a
# database of its own on that server, named after the data dir (d_ + 24 hex digits of its
# SHA-256, as tu_daemon_store in tests/lib/testutil.c), so a daemon started again on the same
# data dir finds its store again. tests/lib/shtest.sh points $ISMAPD here; the process is
# exec'd, so its pid is the test's.
set -u
real=$1
shift
dir=
prev=
for a in "$@"; do
  case $prev in -d | --data-dir) dir=$a ;; esac
  case $a in --data-dir=*) dir=${a#--data-dir=} ;; esac
  prev=$a
done
[ -n "${ISMAP_TEST_PG_URL:-}" ] && [ -n "$dir" ] || exec "$real" "$@"

name="d_$(printf '%s' "$dir" | sha256sum | cut -c1-24)"
psql=psql
[ -n "${ISM_PG_BINDIR:-}" ] && psql=$ISM_PG_BINDIR/psql
out=$("$psql" -X -q -v ON_ERROR_STOP=1 "${ISMAP_TEST_PG_URL}postgres" \
  -c "CREATE DATABASE \"$name\" TEMPLATE template0 LOCALE 'C' ENCODING 'UTF8'" 2>&1) ||
  case $out in
    *"already exists"*) ;;
    *) echo "ismapd-pg.sh: cannot create the test database $name: $out" >&2; exit 1 ;;
  esac
exec "$real" --store "${ISMAP_TEST_PG_URL}$name" "$@"
