# tests.cmake — the per-op schemas and the OpenAPI document (service/rpc/op_schemas.c,
# openapi.c): ismopenapi prints the document; openapi_document checks what the gateway
# contract says it states (Python stdlib); openapi_validate runs swagger-parser over it (npm,
# tests/openapi/setup.sh; skips when not installed); openapi_results validates real replies of
# every op against the schemas (python3-jsonschema). Included by tests/CMakeLists.txt.
add_executable(ismopenapi ${CMAKE_CURRENT_LIST_DIR}/dump_openapi.c)
target_link_libraries(ismopenapi PRIVATE ismap)

set(ISM_OPENAPI_ENV ${ISM_TEST_ENV} "ISMOPENAPI=$<TARGET_FILE:ismopenapi>")
add_test(NAME openapi_document COMMAND bash -c
  "set -o pipefail; \"$ISMOPENAPI\" https://ismap.example.jp:8443 > \"$0\" && python3 \"$1\" \"$0\""
  ${CMAKE_CURRENT_BINARY_DIR}/openapi_document.json ${CMAKE_CURRENT_LIST_DIR}/check_document.py)
add_test(NAME openapi_validate COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/validate.sh)
foreach(t openapi_document openapi_validate)
  set_tests_properties(${t} PROPERTIES LABELS unit SKIP_RETURN_CODE 77
    ENVIRONMENT "${ISM_OPENAPI_ENV}" TIMEOUT 300)
endforeach()
if(TARGET test_role_matrix)
  add_test(NAME openapi_results COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/results.sh)
  set_tests_properties(openapi_results PROPERTIES LABELS integration SKIP_RETURN_CODE 77
    ENVIRONMENT "${ISM_OPENAPI_ENV};TEST_ROLE_MATRIX=$<TARGET_FILE:test_role_matrix>" TIMEOUT 900)
endif()
