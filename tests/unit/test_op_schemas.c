/* test_op_schemas.c — the per-op schemas against the op table (every op has params and result
 * schemas, no schema names a missing op, every $ref resolves), and the OpenAPI document built
 * from them (every op a path, the contract's routes, errors and security schemes present). */
#include "ismap/rpc.h"
#include "testutil.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

START_TEST(every_op_has_schemas_and_every_schema_an_op)
{
    json_t *problems = NULL;
    bool ok = ism_rpc_op_schemas_check(&problems);
    char *text = json_dumps(problems, JSON_INDENT(1));
    ck_assert_msg(ok, "schema table problems: %s", text);
    free(text);
    json_decref(problems);
}
END_TEST

static void count_op(const ism_op *op, void *ctx)
{
    json_t *p = ism_rpc_op_params_schema(op->name), *r = ism_rpc_op_result_schema(op->name);
    ck_assert_msg(json_is_object(p) && json_is_object(r), "no schemas for %s", op->name);
    /* Params are always an object (the envelope's params). */
    if (json_object_get(p, "type")) ck_assert_str_eq(ism_json_getstr(p, "type"), "object");
    json_decref(p);
    json_decref(r);
    (*(int *)ctx)++;
}

START_TEST(lookups_by_name)
{
    int n = 0;
    ism_rpc_foreach_op(count_op, &n);
    ck_assert_int_gt(n, 40);
    ck_assert_ptr_null(ism_rpc_op_params_schema("no.such.op"));
    ck_assert_ptr_null(ism_rpc_op_result_schema(NULL));
    json_t *p = ism_rpc_op_params_schema("screening.export");
    json_t *fmt = json_object_get(json_object_get(p, "properties"), "format");
    ck_assert_int_eq(json_array_size(json_object_get(fmt, "enum")), 3);
    ck_assert_int_eq(json_array_size(json_object_get(p, "required")), 2);
    json_decref(p);
}
END_TEST

START_TEST(error_codes_are_the_closed_list)
{
    json_t *comps = ism_rpc_schema_components();
    json_t *codes = json_object_get(json_object_get(comps, "ErrorCode"), "enum");
    for (int c = ISM_OK + 1; c < ISM_CODE_COUNT; c++) {
        bool found = false;
        size_t i;
        json_t *v;
        json_array_foreach(codes, i, v) found =
            found || !strcmp(json_string_value(v), ism_code_name((ism_code)c));
        ck_assert_msg(found, "code %s is not in the ErrorCode schema", ism_code_name((ism_code)c));
    }
    ck_assert_int_le(json_array_size(codes), ISM_CODE_COUNT);
    json_decref(comps);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("op_schemas");
    TCase *tc = tcase_create("schemas");
    tcase_add_test(tc, every_op_has_schemas_and_every_schema_an_op);
    tcase_add_test(tc, lookups_by_name);
    tcase_add_test(tc, error_codes_are_the_closed_list);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
