# tests.cmake — the collector benchmark (tests/bench/collect_bench.*): figures, not a pass/fail.
# Runs only when asked: ISM_BENCH=1 ctest -L bench. Included by tests/CMakeLists.txt.
add_executable(collect_bench ${CMAKE_CURRENT_LIST_DIR}/collect_bench.c)
target_link_libraries(collect_bench PRIVATE ismap)

add_test(NAME bench_collect COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/collect_bench.sh)
set_tests_properties(bench_collect PROPERTIES LABELS bench SKIP_RETURN_CODE 77
  ENVIRONMENT "${ISM_TEST_ENV};COLLECT_BENCH=$<TARGET_FILE:collect_bench>" TIMEOUT 3600)

# ping requests/s over the local socket, without and with a token (tests/bench/ping_bench.c).
add_executable(ping_bench ${CMAKE_CURRENT_LIST_DIR}/ping_bench.c)
target_link_libraries(ping_bench PRIVATE ismtest)
add_test(NAME bench_ping COMMAND bash -c
  "[ \"$ISM_BENCH\" = 1 ] || { echo 'set ISM_BENCH=1 to run'; exit 77; }; exec \"$0\"" $<TARGET_FILE:ping_bench>)
set_tests_properties(bench_ping PROPERTIES LABELS bench SKIP_RETURN_CODE 77 TIMEOUT 600
  ENVIRONMENT "${ISM_TEST_ENV}")

# The serving benchmark (tests/bench/matrix_bench.c, issue 11 item 9): 100 clients over nng,
# p50/p99 of status and matrix.get. ISM_BENCH=1 ctest -L bench runs it for 30 s; the duration
# and client count come from MATRIX_BENCH_SECONDS / MATRIX_BENCH_CLIENTS.
add_executable(matrix_bench ${CMAKE_CURRENT_LIST_DIR}/matrix_bench.c)
target_link_libraries(matrix_bench PRIVATE ismtest Threads::Threads)
add_test(NAME bench_matrix_serving COMMAND bash -c
  "[ \"$ISM_BENCH\" = 1 ] || { echo 'set ISM_BENCH=1 to run'; exit 77; }; exec \"$0\"" $<TARGET_FILE:matrix_bench>)
set_tests_properties(bench_matrix_serving PROPERTIES LABELS bench SKIP_RETURN_CODE 77 TIMEOUT 600
  ENVIRONMENT "${ISM_TEST_ENV}")

# The import benchmark (tests/bench/import_bench.c): peak memory and time per import at 10k and
# 100k rows. Figures, not a pass/fail; runs only with ISM_BENCH=1.
add_executable(import_bench ${CMAKE_CURRENT_LIST_DIR}/import_bench.c)
target_link_libraries(import_bench PRIVATE ismap)
add_test(NAME bench_import COMMAND bash -c
  "[ \"$ISM_BENCH\" = 1 ] || { echo 'set ISM_BENCH=1 to run'; exit 77; }; exec \"$0\" \"$1\""
  $<TARGET_FILE:import_bench> ${CMAKE_SOURCE_DIR}/catalog)
set_tests_properties(bench_import PROPERTIES LABELS bench SKIP_RETURN_CODE 77 TIMEOUT 3600
  ENVIRONMENT "${ISM_TEST_ENV}")

# The HTTP gateway under load (tests/bench/http_bench.c, issue 12): 100 keep-alive clients
# reading the matrix over HTTP for 30 s, then the same over nng. HTTP_BENCH_CLIENTS /
# HTTP_BENCH_SECONDS set the load. Figures only; runs with ISM_BENCH=1.
add_executable(http_bench ${CMAKE_CURRENT_LIST_DIR}/http_bench.c)
target_link_libraries(http_bench PRIVATE ismtest Threads::Threads)
add_test(NAME bench_http_matrix COMMAND bash -c
  "[ \"$ISM_BENCH\" = 1 ] || { echo 'set ISM_BENCH=1 to run'; exit 77; }; exec \"$0\"" $<TARGET_FILE:http_bench>)
set_tests_properties(bench_http_matrix PROPERTIES LABELS bench SKIP_RETURN_CODE 77 TIMEOUT 600
  ENVIRONMENT "${ISM_TEST_ENV}")

# The OCI collector at 500 compartments × 2 regions (tests/bench/collect_oci_bench.sh, issue 16).
# Figures only; runs with ISM_BENCH=1 (OCI_BENCH_COMPARTMENTS sets the size).
# (ociemu is defined by tests/emulator/tests.cmake, included after this file: the generator
# expression resolves at generation time.)
add_test(NAME bench_collect_oci COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/collect_oci_bench.sh)
set_tests_properties(bench_collect_oci PROPERTIES LABELS bench SKIP_RETURN_CODE 77 TIMEOUT 7200
  ENVIRONMENT "${ISM_TEST_ENV};OCIEMU=$<TARGET_FILE:ociemu>")

# The matrix room's store under bulk load (tests/bench/findings_bench.c, issue 18): 1,000 accounts'
# findings written through one writer, then the page, facet and aggregate reads. Figures only;
# runs with ISM_BENCH=1 (on PostgreSQL too: tests/pg/pg_run.sh ctest -R bench_findings).
add_executable(findings_bench ${CMAKE_CURRENT_LIST_DIR}/findings_bench.c)
target_link_libraries(findings_bench PRIVATE ismtest)
add_test(NAME bench_findings COMMAND findings_bench)
set_tests_properties(bench_findings PROPERTIES LABELS "bench;store" SKIP_RETURN_CODE 77
  TIMEOUT 3600 ENVIRONMENT "${ISM_TEST_ENV}")
# The shared job queue under contention (tests/bench/claim_bench.c, issue 18): claims/s and
# claim p99 with 1, 2 and 4 processes on one store; under tests/pg/pg_run.sh on PostgreSQL.
# Figures only; runs with ISM_BENCH=1.
add_executable(claim_bench ${CMAKE_CURRENT_LIST_DIR}/claim_bench.c)
target_link_libraries(claim_bench PRIVATE ismtest)
add_test(NAME bench_claim COMMAND bash -c
  "[ \"$ISM_BENCH\" = 1 ] || { echo 'set ISM_BENCH=1 to run'; exit 77; }; exec \"$0\"" $<TARGET_FILE:claim_bench>)
set_tests_properties(bench_claim PROPERTIES LABELS bench SKIP_RETURN_CODE 77 TIMEOUT 1800
  ENVIRONMENT "${ISM_TEST_ENV}")
# Issue 18's API pair (tests/bench/api_backends.*): 100 HTTP clients (reads and reviewer
# writes) on one ismapd over SQLite, one over PostgreSQL, and two over one PostgreSQL, with
# PostgreSQL from tests/pg/pg_run.sh. API_BENCH_CLIENTS / API_BENCH_SECONDS set the load.
# Figures only; runs with ISM_BENCH=1.
add_executable(api_backends ${CMAKE_CURRENT_LIST_DIR}/api_backends.c)
target_link_libraries(api_backends PRIVATE ismtest Threads::Threads)
add_test(NAME bench_api_backends COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/api_backends.sh)
set_tests_properties(bench_api_backends PROPERTIES LABELS bench SKIP_RETURN_CODE 77
  TIMEOUT 1800 ENVIRONMENT "${ISM_TEST_ENV};API_BENCH=$<TARGET_FILE:api_backends>")
