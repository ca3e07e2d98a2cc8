/* test_core.c — error codes, JSON parameter checks, hashing, ids, files, roles. */
#include "ismap/core.h"
#include "testutil.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

START_TEST(codes_round_trip)
{
    for (int i = 0; i < ISM_CODE_COUNT; i++) {
        ism_code c;
        ck_assert(ism_code_parse(ism_code_name((ism_code)i), &c));
        ck_assert_int_eq(c, i);
    }
    ism_code c;
    ck_assert(!ism_code_parse("nonsense", &c));
    ck_assert_str_eq(ism_code_name(ISM_E_PERMISSION_DENIED), "permission_denied");
}
END_TEST

START_TEST(error_details_serialize)
{
    ism_error e = {0};
    ck_assert(!ism_error_set(&e, ISM_E_INVALID_DATA, "row %d bad", 7));
    ism_error_detail(&e, json_pack("{s:s, s:i}", "file", "a.csv", "row", 7));
    json_t *j = ism_error_to_json(&e);
    ck_assert_str_eq(ism_json_getstr(j, "code"), "invalid_data");
    ck_assert_str_eq(ism_json_getstr(j, "message"), "row 7 bad");
    ck_assert_int_eq(json_array_size(json_object_get(j, "details")), 1);
    json_decref(j);
    ism_error_clear(&e);
    ck_assert_int_eq(e.code, ISM_OK);
    ck_assert_ptr_null(e.details);
}
END_TEST

START_TEST(json_param_checks)
{
    json_t *o = json_pack("{s:s, s:i, s:b, s:i}", "name", "x", "n", 5, "flag", 1, "big", 99);
    const char *s;
    json_int_t n = 0;
    bool b = false;
    ism_error e = {0};
    ck_assert(ism_json_str(o, "name", true, &s, &e) && strcmp(s, "x") == 0);
    ck_assert(ism_json_int(o, "n", true, 0, 10, &n, &e) && n == 5);
    ck_assert(ism_json_bool(o, "flag", true, &b, &e) && b);
    ck_assert(ism_json_str(o, "absent", false, &s, &e) && s == NULL);
    ck_assert(!ism_json_str(o, "absent", true, &s, &e));
    ck_assert_int_eq(e.code, ISM_E_INVALID_PARAMS);
    ck_assert_ptr_nonnull(strstr(e.message, "absent"));
    ism_error_clear(&e);
    ck_assert(!ism_json_str(o, "n", true, &s, &e));
    ck_assert_ptr_nonnull(strstr(e.message, "must be a string, not integer"));
    ism_error_clear(&e);
    ck_assert(!ism_json_int(o, "big", true, 0, 10, &n, &e));
    ck_assert_ptr_nonnull(strstr(e.message, "between 0 and 10"));
    ism_error_clear(&e);
    json_decref(o);
}
END_TEST

START_TEST(sha256_known_answer)
{
    char hex[65];
    ism_sha256_hex("abc", 3, hex);
    ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    ism_sha256_hex("", 0, hex);
    ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}
END_TEST

START_TEST(ids_are_random_and_prefixed)
{
    char a[64], b[64];
    ck_assert(ism_new_id("job", a) && ism_new_id("job", b));
    ck_assert_int_eq(strlen(a), 20);
    ck_assert(strncmp(a, "job_", 4) == 0);
    ck_assert_str_ne(a, b);
}
END_TEST

START_TEST(read_file_limits)
{
    char *dir = tu_tempdir("core");
    char *path = ism_strdupf("%s/f.txt", dir);
    FILE *fp = fopen(path, "w");
    for (int i = 0; i < 10000; i++)
        fputc('a' + i % 26, fp);
    fclose(fp);
    ism_error e = {0};
    size_t len = 0;
    char *buf = ism_read_file(path, 10000, &len, &e);
    ck_assert_ptr_nonnull(buf);
    ck_assert_int_eq(len, 10000);
    ck_assert_int_eq(buf[10000], '\0');
    free(buf);
    ck_assert_ptr_null(ism_read_file(path, 9999, &len, &e));
    ck_assert_int_eq(e.code, ISM_E_TOO_LARGE);
    ism_error_clear(&e);
    char *missing = ism_strdupf("%s/none", dir);
    ck_assert_ptr_null(ism_read_file(missing, 100, &len, &e));
    ck_assert_int_eq(e.code, ISM_E_IO);
    ck_assert_ptr_nonnull(strstr(e.message, missing));
    ism_error_clear(&e);
    free(missing);
    free(path);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(roles_parse)
{
    ism_role r;
    ck_assert(ism_role_parse("auditor", &r) && r == ISM_ROLE_AUDITOR);
    ck_assert(ism_role_parse("admin", &r) && r == ISM_ROLE_ADMIN);
    ck_assert(!ism_role_parse("root", &r));
    ck_assert_str_eq(ism_role_name(ISM_ROLE_PROCUREMENT), "procurement");
}
END_TEST

START_TEST(strlcpy_truncates)
{
    char b[4];
    ck_assert(!ism_strlcpy(b, "abcdef", sizeof b));
    ck_assert_str_eq(b, "abc");
    ck_assert(ism_strlcpy(b, "ab", sizeof b));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("core");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, codes_round_trip);
    tcase_add_test(tc, error_details_serialize);
    tcase_add_test(tc, json_param_checks);
    tcase_add_test(tc, sha256_known_answer);
    tcase_add_test(tc, ids_are_random_and_prefixed);
    tcase_add_test(tc, read_file_limits);
    tcase_add_test(tc, roles_parse);
    tcase_add_test(tc, strlcpy_truncates);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
