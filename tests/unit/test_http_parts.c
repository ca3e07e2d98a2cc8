/* test_http_parts.c — the HTTP gateway's request/response pieces that need no server: the
 * multipart/form-data splitter of uploads (well-formed forms, quoted and RFC 5987 file names,
 * cut or malformed bodies refused with what is wrong), percent-decoding of X-Filename, and the
 * Content-Disposition names of downloads (RFC 5987 and the ASCII fallback). */
#include "../../service/rpc/http_int.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#define CT "multipart/form-data; boundary=XyZ"

static bool parse(const char *ctype, const char *body, http_part *parts, int *n, ism_error *err)
{
    return http_multipart_parse(ctype, body, strlen(body), parts, 8, n, err);
}

START_TEST(form_with_file)
{
    const char *body = "--XyZ\r\n"
                       "Content-Disposition: form-data; name=\"kind\"\r\n\r\n"
                       "questionnaire\r\n"
                       "--XyZ\r\n"
                       "Content-Disposition: form-data; name=\"file\"; "
                       "filename=\"別紙;回答 \\\"v2\\\".csv\"\r\n"
                       "Content-Type: text/csv\r\n\r\n"
                       "a,b\r\n1,2\r\n"
                       "--XyZ--\r\n";
    http_part parts[8];
    int n = 0;
    ism_error err = {0};
    ck_assert_msg(parse(CT, body, parts, &n, &err), "%s", err.message);
    ck_assert_int_eq(n, 2);
    ck_assert_str_eq(parts[0].name, "kind");
    ck_assert_ptr_null(parts[0].filename);
    ck_assert_int_eq(parts[0].len, 13);
    ck_assert(!memcmp(parts[0].data, "questionnaire", 13));
    ck_assert_str_eq(parts[1].name, "file");
    ck_assert_str_eq(parts[1].filename, "別紙;回答 \"v2\".csv");
    ck_assert_int_eq(parts[1].len, 8); /* the CRLF inside the file is the file's */
    ck_assert(!memcmp(parts[1].data, "a,b\r\n1,2", 8));
    http_parts_free(parts, n);
}
END_TEST

START_TEST(quoted_boundary_preamble_and_filename_star)
{
    static const char body[] = "preamble to ignore\r\n"
                               "--a b\r\n"
                               "Content-Disposition: form-data; name=file; filename=\"x.xlsx\"; "
                               "filename*=UTF-8''%E5%88%A5%E7%B4%99.xlsx\r\n\r\n"
                               "\x00\x01PK"
                               "\r\n--a b--";
    http_part parts[8];
    int n = 0;
    ism_error err = {0};
    size_t len = sizeof body - 1; /* strlen would stop at the NUL */
    ck_assert_msg(http_multipart_parse("multipart/form-data; boundary=\"a b\"", body, len, parts, 8,
                                       &n, &err),
                  "%s", err.message);
    ck_assert_int_eq(n, 1);
    ck_assert_str_eq(parts[0].name, "file");
    ck_assert_str_eq(parts[0].filename, "別紙.xlsx");
    ck_assert_int_eq(parts[0].len, 4);
    ck_assert(!memcmp(parts[0].data, "\x00\x01PK", 4));
    http_parts_free(parts, n);
}
END_TEST

START_TEST(malformed_forms_refused)
{
    static const struct {
        const char *ctype, *body, *says;
    } cases[] = {
        {"multipart/form-data", "--x\r\n\r\n\r\n--x--", "boundary"},
        {CT, "no delimiter here", "no part delimited"},
        {CT, "--XyZ\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\ncut here",
         "not closed by the boundary"},
        {CT, "--XyZ\r\nContent-Disposition: form-data; name=\"f\"", "empty line"},
        {CT, "--XyZ\r\nContent-Type: text/plain\r\n\r\nx\r\n--XyZ--", "no Content-Disposition"},
        {CT, "--XyZjunk\r\n\r\nx\r\n--XyZ--", "not followed by CRLF"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        http_part parts[8];
        int n = 0;
        ism_error err = {0};
        ck_assert_msg(!parse(cases[i].ctype, cases[i].body, parts, &n, &err), "case %zu parsed", i);
        ck_assert_int_eq(err.code, ISM_E_BAD_REQUEST);
        ck_assert_msg(strstr(err.message, cases[i].says), "case %zu: %s", i, err.message);
        http_parts_free(parts, n);
        ism_error_clear(&err);
    }
}
END_TEST

START_TEST(too_many_parts)
{
    char body[2048] = "";
    for (int i = 0; i < 10; i++)
        strcat(body, "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n");
    strcat(body, "--XyZ--");
    http_part parts[8];
    int n = 0;
    ism_error err = {0};
    ck_assert(!parse(CT, body, parts, &n, &err));
    ck_assert_ptr_nonnull(strstr(err.message, "more than 8 parts"));
    ck_assert_int_eq(n, 8);
    http_parts_free(parts, n);
    ism_error_clear(&err);
}
END_TEST

START_TEST(percent_decoding)
{
    char *s = http_percent_decode("%E7%9B%A3%E6%9F%BB+a%20b.csv");
    ck_assert_str_eq(s, "監査+a b.csv");
    free(s);
    ck_assert_ptr_null(http_percent_decode("bad%2"));
    ck_assert_ptr_null(http_percent_decode("bad%zz"));
}
END_TEST

START_TEST(download_names)
{
    char *s = http_rfc5987("監査報告書_a1 \"x\";.html");
    ck_assert_str_eq(s, "%E7%9B%A3%E6%9F%BB%E5%A0%B1%E5%91%8A%E6%9B%B8_a1%20%22x%22%3B.html");
    free(s);
    s = http_ascii_filename("screening-住民 \"x\";.xlsx");
    ck_assert_str_eq(s, "screening-________x__.xlsx");
    free(s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("http_parts");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, form_with_file);
    tcase_add_test(tc, quoted_boundary_preamble_and_filename_star);
    tcase_add_test(tc, malformed_forms_refused);
    tcase_add_test(tc, too_many_parts);
    tcase_add_test(tc, percent_decoding);
    tcase_add_test(tc, download_names);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
