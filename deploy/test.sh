#!/usr/bin/env bash
# test.sh — installs dependencies, builds, and runs every test, as a list of stages: the normal
# build, its tests (unit, integration, catalog), the build with AddressSanitizer +
# UndefinedBehaviorSanitizer and the unit and integration tests again there (except labels
# `external` and `asan-skip`, whose rule is in tests/CMakeLists.txt; the browser journeys, label
# e2e, run once, in the normal build), a short run of every libFuzzer target
# (tests/fuzz/run.sh, ISM_FUZZ_SECONDS each, default 5; skipped with a message without clang),
# then the format check. Stage pg runs the tests labelled `store` again with the store on
# PostgreSQL (tests/pg/pg_run.sh). Prints each stage's time and a summary; exit status 0 only if all passed.
#   deploy/test.sh                 # every stage
#   deploy/test.sh tests asan      # only these stages (the builds they need must exist)
# ISM_TEST_JOBS sets ctest's parallelism (default: twice the cores — many tests wait on a
# daemon, an emulator or a timer rather than compute).
# The ASan build runs beside the normal tests, the fuzz build beside the ASan tests (see
# prebuild). To add a stage: write stage_NAME (exit status 0 = passed) and add NAME to STAGES.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

STAGES=(deps build tests pg asan fuzz format)
jobs=${ISM_TEST_JOBS:-$(($(nproc) * 2))}
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
# validator, and playwright-core + axe-core for the browser journeys.
stage_deps() {
  "$root/deploy/install-deps.sh" --test || return 1
  "$root/tests/openapi/setup.sh" || return 1
  "$root/tests/emulator/azure/client/setup.sh" || return 1
  "$root/tests/emulator/gcp/client/setup.sh" || return 1 # Google's Node clients (wire test)
  "$root/tests/e2e/setup.sh"
}

stage_build() { "$root/deploy/build.sh" "$root/build" -DISM_WERROR=ON; }

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
build_asan() {
  "$root/deploy/build.sh" "$root/build-asan" -DISM_WERROR=ON -DISM_SANITIZE=ON \
    -DCMAKE_BUILD_TYPE=Debug
}
build_fuzz() { ISM_FUZZ_BUILD_ONLY=1 "$root/tests/fuzz/run.sh"; }

stage_tests() {
  wanted asan && prebuild asan build_asan
  ctest_run "$root/build"
}

# The tests that open the store (label `store`) again, on PostgreSQL: a throw-away server from
# Debian's postgresql package in a temp dir (tests/pg/pg_run.sh), the normal build. Skipped, and
# said so, only when PostgreSQL's binaries are not there (install-deps.sh --test installs them).
stage_pg() {
  wanted asan && [ ! -e "$prebuild_dir/asan.started" ] && prebuild asan build_asan
  "$root/tests/pg/pg_run.sh" bash -c "jobs=$jobs; $(declare -f ctest_run); ctest_run '$root/build' -L store"
  case $? in
    0) ;;
    77) echo "pg: SKIPPED (PostgreSQL's server binaries are missing; see tests/pg/pg_run.sh)" ;;
    *) return 1 ;;
  esac
}

stage_asan() {
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  build_or_await asan build_asan || return 1
  wanted fuzz && prebuild fuzz build_fuzz
  # Labels `external` (a test double against an outside client: no product code) and
  # `asan-skip` (text printed from the program's own tables) run once, in the normal build;
  # the rule is in tests/CMakeLists.txt.
  ctest_run "$root/build-asan" -L 'unit|integration' -LE 'external|asan-skip'
}

stage_fuzz() {
  build_or_await fuzz build_fuzz
  case $? in
    0) ;;
    77) echo "fuzz: SKIPPED (no clang / libFuzzer)"; return 0 ;;
    *) return 1 ;;
  esac
  ISM_FUZZ_NO_BUILD=1 "$root/tests/fuzz/run.sh" "${ISM_FUZZ_SECONDS:-5}"
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
