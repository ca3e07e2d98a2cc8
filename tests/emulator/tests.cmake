# tests.cmake — the AWS provider emulator (awsemu), its helper client (emucall), the requests/s
# benchmark and their tests. Included by tests/CMakeLists.txt; lives in tests/ only.
# emucore: what every provider emulator shares (core/emu_core.h): buffers, maps, the HTTP/1.1
# framing and the epoll server. Each emulator is a binary that links it and gives its dispatch.
file(GLOB EMUCORE_SRC CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/core/*.c)
add_library(emucore STATIC ${EMUCORE_SRC})
target_include_directories(emucore PUBLIC ${CMAKE_CURRENT_LIST_DIR} ${CMAKE_CURRENT_LIST_DIR}/core)
target_link_libraries(emucore PUBLIC ismap)

file(GLOB AWSEMU_SRC CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.c)
add_executable(awsemu ${AWSEMU_SRC})
target_link_libraries(awsemu PRIVATE emucore ismap)
target_compile_definitions(awsemu PRIVATE
  AWSEMU_DEFAULT_TENANT="${CMAKE_CURRENT_LIST_DIR}/tenants/govcloud-demo.json")

# emucall: signs and sends one AWS call to the emulator, prints status, headers and body.
add_executable(emucall ${CMAKE_CURRENT_LIST_DIR}/client/emucall.c)
target_link_libraries(emucall PRIVATE ismap)

# The keep-alive load generator (prints requests/s).
add_executable(emulator_rps ${CMAKE_SOURCE_DIR}/tests/bench/emulator_rps.c)
target_link_libraries(emulator_rps PRIVATE ismap)

set(AWSEMU_TEST_ENV
  "AWSEMU=$<TARGET_FILE:awsemu>"
  "EMUCALL=$<TARGET_FILE:emucall>"
  "EMULATOR_RPS=$<TARGET_FILE:emulator_rps>")

# tests/integration/emulator_*.sh are registered by tests/CMakeLists.txt as sh_emulator_*; give
# them the binaries' paths.
file(GLOB AWSEMU_SH CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/integration/emulator_*.sh)
foreach(src ${AWSEMU_SH})
  get_filename_component(name ${src} NAME_WE)
  if(TEST sh_${name})
    set_property(TEST sh_${name} APPEND PROPERTY ENVIRONMENT ${AWSEMU_TEST_ENV})
    set_property(TEST sh_${name} APPEND PROPERTY LABELS emulator)
  endif()
endforeach()

# The synthetic-organization generator must produce a tenant awsemu loads.
find_program(AWSEMU_PYTHON3 python3)
if(AWSEMU_PYTHON3)
  add_test(NAME emulator_synthetic COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/synthetic_test.sh)
  set_tests_properties(emulator_synthetic PROPERTIES LABELS "integration;emulator"
    SKIP_RETURN_CODE 77 ENVIRONMENT "${ISM_TEST_ENV};${AWSEMU_TEST_ENV}" TIMEOUT 300)
endif()

# Benchmark: runs only when asked (ISM_BENCH=1 ctest -L bench); otherwise it reports "skipped".
add_test(NAME bench_emulator_rps COMMAND bash ${CMAKE_SOURCE_DIR}/tests/bench/emulator_rps.sh)
set_tests_properties(bench_emulator_rps PROPERTIES LABELS bench SKIP_RETURN_CODE 77
  ENVIRONMENT "${ISM_TEST_ENV};${AWSEMU_TEST_ENV}" TIMEOUT 600)

# The Azure emulator (azureemu).
include(${CMAKE_CURRENT_LIST_DIR}/azure/tests.cmake)
include(${CMAKE_CURRENT_LIST_DIR}/gcp/tests.cmake) # Google Cloud: gcpemu and its tests
include(${CMAKE_CURRENT_LIST_DIR}/oci/tests.cmake)
