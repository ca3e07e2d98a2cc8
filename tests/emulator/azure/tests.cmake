# tests.cmake — the Azure emulator (azureemu) and what the Azure tests need to find it. Included
# from tests/emulator/tests.cmake; lives in tests/ only.
add_executable(azureemu ${CMAKE_CURRENT_LIST_DIR}/azureemu.c)
target_link_libraries(azureemu PRIVATE emucore ismap)
target_compile_definitions(azureemu PRIVATE
  AZUREEMU_DEFAULT_TENANT="${CMAKE_CURRENT_LIST_DIR}/tenants/minato-azure.json")

set(AZUREEMU_TEST_ENV "AZUREEMU=$<TARGET_FILE:azureemu>")
foreach(t sh_collect_azure sh_emulator_azure_client bench_collect_azure)
  if(TEST ${t})
    set_property(TEST ${t} APPEND PROPERTY ENVIRONMENT ${AZUREEMU_TEST_ENV})
  endif()
endforeach()
# The official-client wire test runs no product code (label external, as the aws CLI's).
if(TEST sh_emulator_azure_client)
  set_property(TEST sh_emulator_azure_client APPEND PROPERTY LABELS external)
endif()

# Benchmark: 200 subscriptions x 2 locations (ISM_BENCH=1 ctest -L bench).
add_test(NAME bench_collect_azure COMMAND bash ${CMAKE_SOURCE_DIR}/tests/bench/collect_azure.sh)
set_tests_properties(bench_collect_azure PROPERTIES LABELS bench SKIP_RETURN_CODE 77
  ENVIRONMENT "${ISM_TEST_ENV};${AZUREEMU_TEST_ENV}" TIMEOUT 3600)
