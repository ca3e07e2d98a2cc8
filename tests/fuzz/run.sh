#!/usr/bin/env bash
# run.sh — runs every libFuzzer target in tests/fuzz over its seed corpus for SECONDS each
# (default 10). Builds the targets first with clang into BUILD (default build-fuzz) unless
# ISM_FUZZ_NO_BUILD=1. New inputs the fuzzer finds go to a scratch directory, not into the
# committed corpus (pass --merge to fold them into tests/fuzz/corpus after a long run). A crash
# leaves its input as BUILD/fuzz-artifacts/<target>-crash-* and fails the run.
# Exit status: 0 all ran clean, 1 a target crashed or did not build, 77 clang/libFuzzer missing.
#   tests/fuzz/run.sh            # the short run deploy/test.sh does
#   tests/fuzz/run.sh 600        # ten minutes per target
#   tests/fuzz/run.sh 600 --merge fuzz_rpc fuzz_xlsx   # only these, keeping what they find
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
secs=10
merge=0
targets=()
for a in "$@"; do
  case "$a" in
    --merge) merge=1 ;;
    [0-9]*) secs=$a ;;
    *) targets+=("$a") ;;
  esac
done
build=${ISM_FUZZ_BUILD:-"$root/build-fuzz"}
corpus="$root/tests/fuzz/corpus"

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
  CC=clang cmake -S "$root" -B "$build" -DISM_FUZZ=ON -DISM_TESTS=OFF -DISM_WERROR=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || exit 1
  cmake --build "$build" --target fuzz -j"$(nproc)" >/dev/null || {
    echo "fuzz: the targets do not build"; exit 1; }
fi
# ISM_FUZZ_BUILD_ONLY=1: build the targets and stop (deploy/test.sh builds them early).
[ "${ISM_FUZZ_BUILD_ONLY:-0}" = 1 ] && { echo "fuzz: targets built in $build"; exit 0; }
if [ ${#targets[@]} -eq 0 ]; then
  for d in "$corpus"/*/; do targets+=("$(basename "$d")"); done
fi

art="$build/fuzz-artifacts"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$art"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
for t in "${targets[@]}"; do
  exe="$build/tests/fuzz/$t"
  if [ ! -x "$exe" ]; then echo "fuzz: $t: no such target in $build"; status=1; continue; fi
  mkdir -p "$scratch/$t"
  # -rss_limit_mb and -timeout turn a memory blow-up or a hang into a reported failure.
  if "$exe" -max_total_time="$secs" -timeout=25 -rss_limit_mb=2048 -max_len=65536 \
    -artifact_prefix="$art/$t-" -print_final_stats=1 "$scratch/$t" "$corpus/$t" \
    >"$scratch/$t.log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$scratch/$t.log")
    cov=$(grep -o 'cov: [0-9]*' "$scratch/$t.log" | tail -1)
    echo "fuzz: $t: ok, ${runs:-?} runs in ${secs}s, ${cov:-cov: ?}"
  else
    echo "fuzz: $t: FAILED (input kept in $art/); the fuzzer said:"
    grep -v '^#\|^INFO\|^\s*$' "$scratch/$t.log" | head -40
    status=1
  fi
  if [ $merge = 1 ]; then
    "$exe" -merge=1 "$corpus/$t" "$scratch/$t" >/dev/null 2>&1 && echo "fuzz: $t: merged into corpus"
  fi
done
exit $status
