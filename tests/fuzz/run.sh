#!/usr/bin/env bash
# run.sh — runs every libFuzzer target in tests/fuzz over its committed corpus
# (tests/fuzz/corpus/<target>/). Two kinds of run:
#  * --ci: the short run deploy/test.sh does. Deterministic: each target makes a fixed number of
#    runs (CI_RUNS below, a few seconds each on the 2-core machine) from a fixed seed
#    (ISM_FUZZ_SEED, default 1), so a commit gets the same verdict on any machine and on every
#    try; the fuzzer's random finds never block a change that did not cause them.
#  * SECONDS: the long run, time-based and randomly seeded (libFuzzer's default seed), to find
#    new inputs: each target for SECONDS (default 10). What it finds gets fixed, and the input
#    goes into the corpus (and a regression test), so from then on the --ci run checks it too.
# Builds the targets first with clang into BUILD (ISM_FUZZ_BUILD, default build-fuzz) unless
# ISM_FUZZ_NO_BUILD=1. Runs ISM_FUZZ_JOBS targets at once (default: the cores). New inputs the
# fuzzer finds go to a scratch directory, not into the committed corpus (pass --merge to fold
# them into tests/fuzz/corpus after a long run). A crash leaves its input as
# BUILD/fuzz-artifacts/<target>-crash-* and fails the run.
# Exit status: 0 all ran clean, 1 a target crashed or did not build, 77 clang/libFuzzer missing.
#   tests/fuzz/run.sh --ci         # the deterministic short run (deploy/test.sh)
#   tests/fuzz/run.sh 1800         # the long run: thirty minutes per target, random seeds
#   tests/fuzz/run.sh 600 --merge fuzz_rpc fuzz_xlsx   # only these, keeping what they find
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
secs=10
merge=0
ci=0
targets=()
for a in "$@"; do
  case "$a" in
    --merge) merge=1 ;;
    --ci) ci=1 ;;
    [0-9]*) secs=$a ;;
    *) targets+=("$a") ;;
  esac
done
build=${ISM_FUZZ_BUILD:-"$root/build-fuzz"}
corpus="$root/tests/fuzz/corpus"
njobs=${ISM_FUZZ_JOBS:-$(nproc)}
seed=${ISM_FUZZ_SEED:-1}

# --ci: runs per target (the corpus replayed, then mutations from the fixed seed), chosen so
# that each costs 2-3 s of CPU on the 2-core machine: one input's cost differs by 50x between
# targets (an AWS JSON answer vs a questionnaire workbook through its importer), hence a count
# each. A new target without an entry makes DEFAULT_RUNS.
DEFAULT_RUNS=1000
declare -A CI_RUNS=(
  [fuzz_rpc]=3000 [fuzz_xlsx]=4000 [fuzz_csv]=5000 [fuzz_aws_xml]=15000 [fuzz_aws_json]=50000
  [fuzz_snapshot]=1500 [fuzz_import_questionnaire]=300 [fuzz_import_ismap_list]=800
  [fuzz_import_soc2]=400 [fuzz_import_iso_cert]=800 [fuzz_import_soa]=600
  [fuzz_import_caiq]=800
)

if ! command -v clang >/dev/null; then
  echo "fuzz: skipped: clang is not installed (deploy/install-deps.sh --test installs it)"
  exit 77
fi
if ! echo 'int LLVMFuzzerTestOneInput(const char *d, long n) { return 0; }' |
  clang -x c -fsanitize=fuzzer -o /dev/null - 2>/dev/null; then
  echo "fuzz: skipped: clang cannot link libFuzzer (install libclang-rt-14-dev)"
  exit 77
fi
if [ "${ISM_FUZZ_NO_BUILD:-0}" != 1 ]; then
  # Debug at -O1 with line tables, as the ASan build: asserts on (an invariant a fuzzer breaks
  # is a finding), libFuzzer's own advice for the optimization, file and line in every stack;
  # a third less compiler CPU than -O2 with full debug info, and this build runs beside the tests.
  CC=clang cmake -S "$root" -B "$build" -DISM_FUZZ=ON -DISM_TESTS=OFF -DISM_WERROR=ON \
    -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS_DEBUG="-O1 -g1" >/dev/null || exit 1
  cmake --build "$build" --target fuzz -j"$(nproc)" >/dev/null || {
    echo "fuzz: the targets do not build"; exit 1; }
fi
# ISM_FUZZ_BUILD_ONLY=1: build the targets and stop (deploy/test.sh builds them early).
[ "${ISM_FUZZ_BUILD_ONLY:-0}" = 1 ] && { echo "fuzz: targets built in $build"; exit 0; }
if [ ${#targets[@]} -eq 0 ]; then
  for d in "$corpus"/*/; do targets+=("$(basename "$d")"); done
fi

# The catalog index, built once per fuzz build and read by every target after that.
export ISMAP_CATALOG_CACHE=${ISMAP_CATALOG_CACHE:-"$build/catalog-cache"}
art="$build/fuzz-artifacts"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$art"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# One target: its verdict line into $scratch/$t.out, exit status 0 = clean.
fuzz_one() {
  local t=$1 exe="$build/tests/fuzz/$1" how
  if [ ! -x "$exe" ]; then echo "fuzz: $t: no such target in $build" >"$scratch/$t.out"; return 1; fi
  mkdir -p "$scratch/$t"
  # -rss_limit_mb and -timeout turn a memory blow-up or a hang into a reported failure.
  local args=(-rss_limit_mb=2048 -max_len=65536 -artifact_prefix="$art/$t-" -print_final_stats=1)
  if [ $ci = 1 ]; then
    local runs=${CI_RUNS[$t]:-$DEFAULT_RUNS}
    # -timeout only turns a hang into a failure: in the deterministic run it must never judge
    # speed (the first input carries the target's set-up, on whatever machine, however busy).
    args+=(-seed="$seed" -runs="$runs" -timeout="${ISM_FUZZ_TIMEOUT:-600}")
    how="seed $seed"
  else
    args+=(-max_total_time="$secs" -timeout="${ISM_FUZZ_TIMEOUT:-25}")
    how="${secs}s"
  fi
  local t0=$SECONDS rc=0
  "$exe" "${args[@]}" "$scratch/$t" "$corpus/$t" >"$scratch/$t.log" 2>&1 || rc=1
  if [ $rc = 0 ]; then
    local n cov
    n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$scratch/$t.log")
    cov=$(grep -o 'cov: [0-9]*' "$scratch/$t.log" | tail -1)
    echo "fuzz: $t: ok, ${n:-?} runs ($how) in $((SECONDS - t0)) s, ${cov:-cov: ?}" >"$scratch/$t.out"
  else
    {
      echo "fuzz: $t: FAILED ($how; input kept in $art/); replay: $exe $art/$t-crash-…"
      [ $ci = 1 ] && echo "  (deterministic: tests/fuzz/run.sh --ci $t reproduces it)"
      echo "  the fuzzer said:"
      grep -v '^#\|^INFO\|^\s*$' "$scratch/$t.log" | head -40
    } >"$scratch/$t.out"
  fi
  if [ $merge = 1 ]; then
    "$exe" -merge=1 "$corpus/$t" "$scratch/$t" >/dev/null 2>&1 && echo "fuzz: $t: merged into corpus" >>"$scratch/$t.out"
  fi
  return $rc
}

# Up to $njobs targets at once; verdicts printed in the targets' order.
status=0
for t in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$njobs" ]; do wait -n; done
  (fuzz_one "$t"; echo $? >"$scratch/$t.rc") &
done
wait
for t in "${targets[@]}"; do
  cat "$scratch/$t.out"
  [ "$(cat "$scratch/$t.rc" 2>/dev/null)" = 0 ] || status=1
done
exit $status
