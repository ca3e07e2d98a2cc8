#!/usr/bin/env bash
# store_config.sh — ismapd's store settings: store.url and --store take only a PostgreSQL URL
# (SQLite needs no setting), an unknown store key is refused; and on PostgreSQL
# (tests/pg/pg_run.sh) the database password — in the URL or in store.password_file — appears
# nowhere: not in the log, not on stderr, not in `status`.
set -u
: "${ISMAPD:?run through ctest}" "${ISMAPCTL:?run through ctest}"
real_ismapd=$ISMAPD # before shtest.sh wraps it: this test sets the store itself
. "$(dirname "$0")/../lib/shtest.sh"
tmp=$(mktemp -d /tmp/ismtest-storecfg-XXXXXX)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT

printf '{"store": {"url": "%s/ismap.db"}}' "$tmp" >"$tmp/path.json"
check store-url-path 2 "$real_ismapd" -c "$tmp/path.json" --data-dir "$tmp/d1"
contains store-url-path-says "$tmp/err" "must be a postgresql:// or postgres:// URL"
printf '{"store": {"url": "postgresql://h/db", "passwd": "x"}}' >"$tmp/key.json"
check store-unknown-key 2 "$real_ismapd" -c "$tmp/key.json" --data-dir "$tmp/d1"
contains store-unknown-key-says "$tmp/err" "unknown key 'store.passwd'"
check store-flag-path 2 "$real_ismapd" --store "$tmp/ismap.db" --data-dir "$tmp/d1"
contains store-flag-path-says "$tmp/err" "must be a postgresql://"
check help-names-store 0 "$real_ismapd" --help
contains help-names-store-says "$tmp/out" "store.password_file"

if [ -n "${ISMAP_TEST_PG_URL:-}" ]; then
  psql=psql
  [ -n "${ISM_PG_BINDIR:-}" ] && psql=$ISM_PG_BINDIR/psql
  db="cfg_$$"
  "$psql" -X -q "${ISMAP_TEST_PG_URL}postgres" \
    -c "CREATE DATABASE $db TEMPLATE template0 LOCALE 'C' ENCODING 'UTF8'" || exit 1
  # The server trusts 127.0.0.1, so any password is let in: the point is where it is printed.
  url=$(printf '%s' "$ISMAP_TEST_PG_URL" | sed 's|://\([^@/]*\)@|://\1:UrlSecret42@|')$db
  printf 'FileSecret42\n' >"$tmp/db.pass"
  printf '{"store": {"url": "%s", "password_file": "%s"}}' "$url" "$tmp/db.pass" >"$tmp/pg.json"
  "$real_ismapd" -c "$tmp/pg.json" --data-dir "$tmp/d2" --log-file "$tmp/log" 2>"$tmp/stderr" &
  pid=$!
  # Up (every room has its PostgreSQL schema), or refused (one has not, yet): either way, what
  # it printed is checked.
  if wait_daemon $pid --socket "$tmp/d2/ismapd.sock"; then
    "$ISMAPCTL" --socket "$tmp/d2/ismapd.sock" status --json >"$tmp/status" 2>&1
    contains status-names-store "$tmp/status" "$db"
  else
    cat "$tmp/log" "$tmp/stderr" >"$tmp/all" 2>/dev/null
    contains refusal-says-why "$tmp/all" "store"
  fi
  kill $pid 2>/dev/null
  wait $pid 2>/dev/null
  pid=
  for f in "$tmp/log" "$tmp/stderr" "$tmp/status"; do
    [ -e "$f" ] || continue
    if grep -q -e UrlSecret42 -e FileSecret42 "$f"; then
      fails=$((fails + 1))
      echo "FAIL: the database password is in $f:"
      grep -e UrlSecret42 -e FileSecret42 "$f"
    else passes=$((passes + 1)); fi
  done
fi
echo "store_config: $passes passed, $fails failed"
[ "$fails" = 0 ]
