#!/usr/bin/env bash
# eval_backends.sh — issue 18's first benchmark pair: 1,000 accounts' evaluation and matrix on
# SQLite, then on PostgreSQL (a throw-away server from tests/pg/pg_run.sh, with durable
# commits: pg_durable.sh), in one go, and a side-by-side table with ratios (PostgreSQL /
# SQLite). Runs test_eval_bench ($EVAL_BENCH) twice; it prints a "bench-result" line each time.
# ISM_EVAL_BENCH_ACCOUNTS sets the size (default 1000). EVAL_BENCH_COMPARE=PATH (another build
# of test_eval_bench, e.g. before a change to the PostgreSQL backend) also runs that binary on
# the same PostgreSQL server and adds its column. Figures only; ISM_BENCH=1 to run.
set -uo pipefail
[ "${ISM_BENCH:-}" = 1 ] || { echo "set ISM_BENCH=1 to run"; exit 77; }
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
: "${EVAL_BENCH:?EVAL_BENCH must name the test_eval_bench binary}"
export ISM_EVAL_BENCH_ACCOUNTS=${ISM_EVAL_BENCH_ACCOUNTS:-1000} CK_FORK=no
out=$(mktemp -d /tmp/ismap-evalbe-XXXXXX)
trap 'rm -rf "$out"' EXIT

echo "== SQLite ($ISM_EVAL_BENCH_ACCOUNTS accounts)"
env -u ISMAP_TEST_PG_URL "$EVAL_BENCH" 2>&1 | tee "$out/sqlite.txt" | grep -E '^bench|^pg_|[0-9]+%:' || true
echo "== PostgreSQL ($ISM_EVAL_BENCH_ACCOUNTS accounts)"
# One server for both PostgreSQL runs (the compared build first), so their ratio is fair.
pg_runs() {
  if [ -n "${EVAL_BENCH_COMPARE:-}" ]; then
    echo "-- $EVAL_BENCH_COMPARE"
    "$EVAL_BENCH_COMPARE" >"$out/pg-compare.txt" 2>&1
    grep -E '^bench' "$out/pg-compare.txt"
    echo "-- $EVAL_BENCH"
  fi
  "$EVAL_BENCH"
}
export -f pg_runs
export out EVAL_BENCH EVAL_BENCH_COMPARE="${EVAL_BENCH_COMPARE:-}"
"$root/tests/pg/pg_run.sh" "$here/pg_durable.sh" bash -c pg_runs 2>&1 | tee "$out/pg.txt" |
  grep -E '^bench|^pg_|^--|[0-9]+%:' || true
pgrc=${PIPESTATUS[0]}
[ "$pgrc" = 77 ] && { echo "PostgreSQL is not installed: only the SQLite figures"; exit 0; }

python3 - "$out/sqlite.txt" "$out/pg.txt" "$out/pg-compare.txt" <<'PY'
import os, sys
def result(path):
    for line in open(path, errors="replace"):
        if line.startswith("bench-result "):
            return dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv)
    return None
def last_result(path):
    found = None
    for line in open(path, errors="replace"):
        if line.startswith("bench-result "):
            found = dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv)
    return found
a, b = result(sys.argv[1]), last_result(sys.argv[2])
c = result(sys.argv[3]) if os.path.exists(sys.argv[3]) else None
if not a or not b:
    sys.exit("eval_backends: a run printed no bench-result line (see above)")
rows = [("evaluation (eval + store findings)", "eval_ms", "ms"),
        ("findings stored", "findings", ""),
        ("findings stored per second", "findings_per_s", "/s"),
        ("  of which the final commit", "findings_commit_ms", "ms"),
        ("matrix build", "matrix_build_ms", "ms"),
        ("matrix read (materialized)", "matrix_read_ms", "ms"),
        ("peak RSS of the process", "peak_rss_mb", "MB"),
        ("database size after the run", "db_size_mb", "MB"),
        ("postgres backend peak RSS (VmHWM)", "pg_backend_peak_rss_mb", "MB")]
print(f"\n{a['accounts']} accounts, {a['resources']} resources")
def ratio(x, y):
    try:
        if x is not None and y is not None and float(x) > 0:
            return f"{float(y) / float(x):.2f}x"
    except ValueError:
        pass
    return ""
head = f"{'':38} {'SQLite':>12} {'PostgreSQL':>12} {'PG/SQLite':>10}"
if c:
    head += f" {'PG compared':>12} {'PG/compared':>11}"
print(head)
for name, k, unit in rows:
    x, y = a.get(k), b.get(k)
    def show(v): return "-" if v is None else f"{v} {unit}".strip()
    line = f"{name:38} {show(x):>12} {show(y):>12} {ratio(x, y):>10}"
    if c:
        line += f" {show(c.get(k)):>12} {ratio(c.get(k), y):>11}"
    print(line)
if c:
    print(f"(PG compared: {os.environ.get('EVAL_BENCH_COMPARE')}, on the same server just before)")
print(f"(postgres backends whose /proc status was read: {b.get('pg_backends_read', '-')};"
      " VmHWM counts the shared buffers a backend touched)")
PY
