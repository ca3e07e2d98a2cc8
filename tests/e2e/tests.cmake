# tests.cmake — the web UI's browser journeys (tests/e2e/journeys.test.mjs, label e2e) and its
# benchmark (tests/bench/ui_bench.mjs, label bench, ISM_BENCH=1). Both drive Debian's chromium
# through playwright-core from tests/e2e/node_modules (tests/e2e/setup.sh) and skip (77) when the
# browser or the packages are missing. Included by tests/CMakeLists.txt.
find_program(ISM_NODE node)
if(ISM_NODE)
  add_test(NAME e2e_web_journeys
    COMMAND ${ISM_NODE} --test-reporter=spec ${CMAKE_CURRENT_LIST_DIR}/journeys.test.mjs)
  set_tests_properties(e2e_web_journeys PROPERTIES LABELS e2e SKIP_RETURN_CODE 77 TIMEOUT 1800
    ENVIRONMENT "${ISM_TEST_ENV};ISMAP_BUILD=${CMAKE_BINARY_DIR};ISMAP_E2E_OUT=${CMAKE_BINARY_DIR}/e2e")
  add_test(NAME bench_web_ui COMMAND bash -c
    "[ \"$ISM_BENCH\" = 1 ] || { echo 'set ISM_BENCH=1 to run'; exit 77; }; exec \"$0\" \"$1\""
    ${ISM_NODE} ${CMAKE_CURRENT_LIST_DIR}/../bench/ui_bench.mjs)
  set_tests_properties(bench_web_ui PROPERTIES LABELS bench SKIP_RETURN_CODE 77 TIMEOUT 1800
    ENVIRONMENT "${ISM_TEST_ENV};ISMAP_BUILD=${CMAKE_BINARY_DIR}")
endif()
# The message tables (no browser needed): duplicate keys, keys the pages use but no table has.
if(ISM_NODE)
  add_test(NAME web_i18n COMMAND ${ISM_NODE} --test ${CMAKE_CURRENT_LIST_DIR}/i18n.test.mjs)
  set_tests_properties(web_i18n PROPERTIES LABELS web TIMEOUT 120)
endif()
