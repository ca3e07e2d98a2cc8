#!/usr/bin/env bash
# eval_backends.sh — issue 18's first benchmark pair: 1,000 accounts' evaluation and matrix on
# SQLite, then on PostgreSQL (a throw-away server from tests/pg/pg_run.sh, with durable
# commits: pg_durable.sh), in one go, and a side-by-side table with ratios (PostgreSQL /
# SQLite). Runs test_eval_bench ($EVAL_BENCH) twice; it prints a "bench-result" line each time.
# ISM_EVAL_BENCH_ACCOUNTS sets the size (default 1000). Figures only; ISM_BENCH=1 to run.
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
"$root/tests/pg/pg_run.sh" "$here/pg_durable.sh" "$EVAL_BENCH" 2>&1 | tee "$out/pg.txt" |
  grep -E '^bench|^pg_|[0-9]+%:' || true
pgrc=${PIPESTATUS[0]}
[ "$pgrc" = 77 ] && { echo "PostgreSQL is not installed: only the SQLite figures"; exit 0; }

python3 - "$out/sqlite.txt" "$out/pg.txt" <<'PY'
import sys
def result(path):
    for line in open(path, errors="replace"):
        if line.startswith("bench-result "):
            return dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv)
    return None
a, b = result(sys.argv[1]), result(sys.argv[2])
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
print(f"{'':38} {'SQLite':>12} {'PostgreSQL':>12} {'PG/SQLite':>10}")
for name, k, unit in rows:
    x, y = a.get(k), b.get(k)
    def show(v): return "-" if v is None else f"{v} {unit}".strip()
    ratio = ""
    try:
        if x is not None and y is not None and float(x) > 0:
            ratio = f"{float(y) / float(x):.2f}x"
    except ValueError:
        pass
    print(f"{name:38} {show(x):>12} {show(y):>12} {ratio:>10}")
print(f"(postgres backends whose /proc status was read: {b.get('pg_backends_read', '-')};"
      " VmHWM counts the shared buffers a backend touched)")
PY
