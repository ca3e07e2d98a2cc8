# tests.cmake — the Google Cloud emulator (gcpemu) and the tests that drive it: the collector's
# integration test, the official-client wire test and the benchmark. Included by
# tests/emulator/tests.cmake; lives in tests/ only.
add_executable(gcpemu ${CMAKE_CURRENT_LIST_DIR}/gcpemu.c)
target_link_libraries(gcpemu PRIVATE emucore ismap)
target_compile_definitions(gcpemu PRIVATE
  GCPEMU_DEFAULT_TENANT="${CMAKE_CURRENT_LIST_DIR}/tenants/minato-gcp.json")

set(GCPEMU_TEST_ENV
  "GCPEMU=$<TARGET_FILE:gcpemu>"
  "GCPEMU_DIR=${CMAKE_CURRENT_LIST_DIR}")

# tests/integration/*gcp*.sh are registered by tests/CMakeLists.txt as sh_<name>; give them the
# emulator's path.
file(GLOB GCPEMU_SH CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/integration/*gcp*.sh)
foreach(src ${GCPEMU_SH})
  get_filename_component(name ${src} NAME_WE)
  if(TEST sh_${name})
    set_property(TEST sh_${name} APPEND PROPERTY ENVIRONMENT ${GCPEMU_TEST_ENV})
    set_property(TEST sh_${name} APPEND PROPERTY LABELS emulator)
  endif()
endforeach()

# Google's official Node clients against gcpemu (skips without Node.js 20+ or the npm packages).
add_test(NAME gcpemu_wire COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/wire_test.sh)
set_tests_properties(gcpemu_wire PROPERTIES LABELS "emulator;external" SKIP_RETURN_CODE 77
  ENVIRONMENT "${ISM_TEST_ENV};${GCPEMU_TEST_ENV}" TIMEOUT 300)

# The 300-project benchmark (prints figures; ISM_BENCH=1 ctest -L bench).
add_test(NAME bench_collect_gcp COMMAND bash ${CMAKE_SOURCE_DIR}/tests/bench/collect_gcp.sh)
set_tests_properties(bench_collect_gcp PROPERTIES LABELS bench SKIP_RETURN_CODE 77
  ENVIRONMENT "${ISM_TEST_ENV};${GCPEMU_TEST_ENV}" TIMEOUT 3600)
