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
# openapi_results validates the replies test_role_matrix records while it runs (a ctest fixture:
# ctest runs test_role_matrix first, also when asked for openapi_results alone), instead of
# driving every op on a daemon a second time (a minute, more under ASan).
if(TEST test_role_matrix)
  set(ISM_ROLE_MATRIX_REPLIES ${CMAKE_CURRENT_BINARY_DIR}/role_matrix_replies.json)
  set_property(TEST test_role_matrix APPEND PROPERTY ENVIRONMENT
    "ISM_ROLE_MATRIX_DUMP=${ISM_ROLE_MATRIX_REPLIES}")
  set_property(TEST test_role_matrix APPEND PROPERTY FIXTURES_SETUP role_matrix_replies)
  add_test(NAME openapi_results COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/results.sh)
  set_tests_properties(openapi_results PROPERTIES LABELS integration SKIP_RETURN_CODE 77
    FIXTURES_REQUIRED role_matrix_replies
    ENVIRONMENT "${ISM_OPENAPI_ENV};ROLE_MATRIX_REPLIES=${ISM_ROLE_MATRIX_REPLIES}" TIMEOUT 900)
endif()
