#!/usr/bin/env bash
# test.sh — installs dependencies, builds, and runs every test: the normal build (unit,
# integration, catalog, and the web UI's browser journeys, label e2e), then the unit and
# integration tests again under AddressSanitizer + UndefinedBehaviorSanitizer, then a short
# run of every libFuzzer target (tests/fuzz/run.sh, ISM_FUZZ_SECONDS each, default 5; skipped
# with a message without clang), then the format
# check. Exit status 0 only if all passed.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
"$root/deploy/install-deps.sh" --test || exit 1

status=0
step() { echo; echo "== $*"; }

step "build (warnings are errors)"
"$root/deploy/build.sh" "$root/build" -DISM_WERROR=ON || exit 1

step "e2e packages (tests/e2e/setup.sh: npm ci from the lockfile)"
"$root/tests/e2e/setup.sh" || status=1

step "tests"
(cd "$root/build" && ctest --output-on-failure -j2 --timeout 900) || status=1

step "tests under ASan + UBSan"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
"$root/deploy/build.sh" "$root/build-asan" -DISM_WERROR=ON -DISM_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug \
  || exit 1
# sh_emulator_awscli proves the test double against Debian's aws CLI and runs no product code:
# its time is the CLI's start-up, once is enough.
(cd "$root/build-asan" && ctest --output-on-failure -j2 -L 'unit|integration' \
  -E '^sh_emulator_awscli$' --timeout 900) || status=1

step "fuzz: a short run of each target (tests/fuzz/run.sh; a long run is in README)"
"$root/tests/fuzz/run.sh" "${ISM_FUZZ_SECONDS:-5}"
case $? in
  0) ;;
  77) echo "fuzz: SKIPPED (no clang / libFuzzer)" ;;
  *) status=1 ;;
esac

step "format"
if command -v clang-format >/dev/null; then
  files=$(git ls-files '*.c' '*.h' 2>/dev/null || find service include tests -name '*.[ch]')
  if clang-format --dry-run -Werror $files; then echo "format: all files formatted"; else
    echo "format: run clang-format -i on the files above"; status=1; fi
fi

step "result"
if [ $status -eq 0 ]; then echo "all test stages passed"; else echo "SOME TESTS FAILED"; fi
exit $status
