#!/usr/bin/env bash
# test.sh — installs dependencies, builds, and runs every test, as a list of stages: the normal
# build, its tests (unit, integration, catalog, e2e), the tests labelled `store` again with the
# store on PostgreSQL but those labelled `store-once` (stage pg, tests/pg/pg_run.sh; the rule is
# in tests/CMakeLists.txt), the build with AddressSanitizer +
# UndefinedBehaviorSanitizer and the unit tests and the integration tests labelled `asan` again
# there (the rule, and why the rest run once, is in tests/CMakeLists.txt), a short
# deterministic run of every libFuzzer target (tests/fuzz/run.sh --ci: a fixed seed and a fixed
# number of runs per target over the committed corpus, so a commit gets the same verdict on
# every machine; skipped with a message without clang), then the format check. Prints each
# stage's time and a summary; exit status 0 only if all passed.
#   deploy/test.sh                 # every stage
#   deploy/test.sh tests asan      # only these stages (the builds they need must exist)
# ISM_TEST_JOBS sets ctest's parallelism in the normal build (default: three times the cores —
# most of those tests wait on a daemon, an emulator or a browser rather than compute; measured:
# the tests stage kept 2 cores ~75% busy at twice the cores); ISM_PG_JOBS on PostgreSQL and
# ISM_ASAN_JOBS in the ASan build (default: twice the cores — there the server or ASan computes:
# the pg stage took 203 s at three times the cores, 151 s at twice the run before).
# The ASan build runs beside the normal tests, the fuzz build and its run beside the ASan tests
# (see prebuild). To add a stage: write stage_NAME (exit status 0 = passed) and add NAME to STAGES.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

STAGES=(deps build tests pg asan fuzz format)
jobs=${ISM_TEST_JOBS:-$(($(nproc) * 3))}
asan_jobs=${ISM_ASAN_JOBS:-$(($(nproc) * 2))}
pg_jobs=${ISM_PG_JOBS:-$(($(nproc) * 2))}
# ctest runs the tests that took longest last time first (its cost data), the rest by COST.
# After the run it prints what each test cost — the slowest first, and the sum — so the price
# of a new test shows in every run's log (the whole list: BUILD_DIR/ctest-times.txt).
ctest_run() { # ctest_run BUILD_DIR ARGS...
  local dir=$1 rc
  shift
  (cd "$dir" && ctest --output-on-failure -j"$jobs" --timeout 1800 "$@") | tee "$dir/ctest-output.log"
  rc=${PIPESTATUS[0]}
  sed -n 's/^ *[0-9]*\/[0-9]* Test *#[0-9]*: \([^ ]*\) .* \([0-9.]*\) sec$/\2 \1/p' \
    "$dir/ctest-output.log" | sort -rn >"$dir/ctest-times.txt"
  awk -v dir="$dir" 'NR <= 12 { top = top sprintf("   %7.1f s  %s\n", $1, $2) }
    { sum += $1 } END { printf "-- test seconds in %s: %.0f in all (%d tests); slowest:\n%s",
    dir, sum, NR, top }' "$dir/ctest-times.txt"
  return "$rc"
}

# Debian packages, then the npm test clients from their lockfiles (npm ci): the OpenAPI
# validator, the Azure, Google Cloud and OCI SDKs that prove the emulators, and playwright-core +
# axe-core for the browser journeys. The five installs are independent (each its own
# node_modules; npm's cache takes concurrent writers) and mostly wait on the disk and on
# unpacking: they run at once, and their output is printed in this order when all are done.
stage_deps() {
  "$root/deploy/install-deps.sh" --test || return 1
  local setups=(tests/openapi/setup.sh tests/emulator/azure/client/setup.sh
    tests/emulator/gcp/client/setup.sh tests/emulator/oci/client/setup.sh tests/e2e/setup.sh)
  local out i rc failed=0 pids=()
  out=$(mktemp -d /tmp/ismap-deps-XXXXXX)
  for i in "${!setups[@]}"; do
    "$root/${setups[$i]}" >"$out/$i.log" 2>&1 &
    pids[i]=$!
  done
  for i in "${!setups[@]}"; do
    wait "${pids[$i]}"
    rc=$?
    cat "$out/$i.log"
    # The OCI SDK's 77: no Node.js 20 or npm, and its test skips, saying so.
    if [ "$rc" -ne 0 ] && ! { [ "$rc" -eq 77 ] && [[ ${setups[$i]} == */oci/* ]]; }; then
      echo "deps: ${setups[$i]} failed (exit $rc)"
      failed=1
    fi
  done
  rm -rf "$out"
  return "$failed"
}

# The test builds carry line tables only (-g1: file and line in every stack trace, ASan's
# included) rather than full debug info: 15% less compiler CPU (measured on six of its files),
# and smaller objects to link into ~100 test programs;
# the optimization and NDEBUG are RelWithDebInfo's, as deploy/build.sh builds for use.
stage_build() {
  "$root/deploy/build.sh" "$root/build" -DISM_WERROR=ON \
    -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG"
}

# A build a later stage needs starts in the background while the stage before it runs its
# tests, which mostly wait on daemons, emulators and the browser: the compiler gets the idle
# cores. The later stage waits for it (for its exit-status file: a condition, not a time).
prebuild_dir=$(mktemp -d /tmp/ismap-prebuild-XXXXXX)
trap 'rm -rf "$prebuild_dir"' EXIT
wanted() { [[ " ${want[*]} " == *" $1 "* ]]; }
prebuild() { # prebuild NAME COMMAND...
  local name=$1
  shift
  : >"$prebuild_dir/$name.started"
  ("$@" >"$prebuild_dir/$name.log" 2>&1; echo $? >"$prebuild_dir/$name.rc") &
}
build_or_await() { # build_or_await NAME COMMAND...: the started build's status, else COMMAND's
  local name=$1
  shift
  [ -e "$prebuild_dir/$name.started" ] || { "$@"; return; }
  while [ ! -e "$prebuild_dir/$name.rc" ]; do sleep 1; done
  cat "$prebuild_dir/$name.log"
  return "$(cat "$prebuild_dir/$name.rc")"
}
# Debug at -O1: asserts on, and ASan's own advice for a usable speed (at -O0 the ASan stage
# was the longest of the run); UBSan's checks are the same at -O1.
build_asan() {
  "$root/deploy/build.sh" "$root/build-asan" -DISM_WERROR=ON -DISM_SANITIZE=ON \
    -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS_DEBUG="-g1 -O1"
}
build_fuzz() { ISM_FUZZ_BUILD_ONLY=1 "$root/tests/fuzz/run.sh"; }
# The fuzz stage's work: build the targets, then the deterministic short run (exit 77: no clang).
# Started beside the ASan tests, it runs one target at a time: they mostly wait on daemons.
fuzz_ci() {
  build_fuzz || return $?
  ISM_FUZZ_NO_BUILD=1 ISM_FUZZ_JOBS=${1:-$(nproc)} "$root/tests/fuzz/run.sh" --ci
}

stage_tests() {
  wanted asan && prebuild asan build_asan
  ctest_run "$root/build"
}

# The tests that open the store (label `store`) again, on PostgreSQL, but those whose subject is
# not the store (label `store-once`, tests/CMakeLists.txt): a throw-away server from
# Debian's postgresql package in a temp dir (tests/pg/pg_run.sh), the normal build. Skipped, and
# said so, only when PostgreSQL's binaries are not there (install-deps.sh --test installs them).
stage_pg() {
  wanted asan && [ ! -e "$prebuild_dir/asan.started" ] && prebuild asan build_asan
  "$root/tests/pg/pg_run.sh" bash -c "jobs=$pg_jobs; $(declare -f ctest_run); ctest_run '$root/build' -L store -LE store-once"
  case $? in
    0) ;;
    77) echo "pg: SKIPPED (PostgreSQL's server binaries are missing; see tests/pg/pg_run.sh)" ;;
    *) return 1 ;;
  esac
}

stage_asan() {
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  build_or_await asan build_asan || return 1
  wanted fuzz && prebuild fuzz fuzz_ci 1
  # Every unit test and the integration tests labelled `asan`: hostile input and one journey
  # per way through the daemon; the rule and its reason are in tests/CMakeLists.txt.
  jobs=$asan_jobs ctest_run "$root/build-asan" -L '^(unit|asan)$'
}

stage_fuzz() {
  build_or_await fuzz fuzz_ci
  case $? in
    0) ;;
    77) echo "fuzz: SKIPPED (no clang / libFuzzer)" ;;
    *) return 1 ;;
  esac
}

stage_format() {
  command -v clang-format >/dev/null || { echo "format: SKIPPED (no clang-format)"; return 0; }
  local files
  files=$(git ls-files '*.c' '*.h' 2>/dev/null || find service include tests -name '*.[ch]')
  # shellcheck disable=SC2086
  if clang-format --dry-run -Werror $files; then echo "format: all files formatted"; else
    echo "format: run clang-format -i on the files above"
    return 1
  fi
}

# Stages whose failure stops the run (nothing after them can work).
fatal=" deps build "
want=("$@")
[ ${#want[@]} -gt 0 ] || want=("${STAGES[@]}")
for s in "${want[@]}"; do
  declare -F "stage_$s" >/dev/null || { echo "test.sh: no stage '$s' (stages: ${STAGES[*]})" >&2; exit 2; }
done

status=0
summary=()
t_all=$SECONDS
for s in "${want[@]}"; do
  echo
  echo "== $s"
  t0=$SECONDS
  if (stage_"$s"); then r=passed; else r=FAILED status=1; fi
  summary+=("$(printf '%-8s %-7s %5d s' "$s" "$r" $((SECONDS - t0)))")
  echo "== $s: $r in $((SECONDS - t0)) s"
  if [ $r = FAILED ] && [[ $fatal == *" $s "* ]]; then break; fi
done

echo
echo "== result ($((SECONDS - t_all)) s)"
printf '%s\n' "${summary[@]}"
if [ $status -eq 0 ]; then echo "all test stages passed"; else echo "SOME TESTS FAILED"; fi
exit $status
