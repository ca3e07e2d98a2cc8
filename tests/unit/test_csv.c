/* test_csv.c — the CSV reader: encodings (fixtures from tests/tools/make_xlsx.py), RFC 4180
 * grammar with Excel's leniency, error positions and limits. */
#include "ismap/readers.h"

#include "testutil.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static ism_workbook *read_fixture(const char *name, const ism_csv_options *opts, ism_error *err)
{
    const char *src = getenv("ISM_SOURCE_DIR");
    char *path = ism_strdupf("%s/tests/fixtures/readers/%s", src ? src : ".", name);
    ism_workbook *wb = ism_csv_read_file(path, opts, NULL, err);
    free(path);
    return wb;
}

static ism_workbook *parse(const char *text, const ism_table_limits *lim, ism_error *err)
{
    return ism_csv_read_mem(text, strlen(text), "t.csv", NULL, lim, err);
}

static ism_workbook *parse_ok(const char *text)
{
    ism_error err = {0};
    ism_workbook *wb = parse(text, NULL, &err);
    ck_assert_msg(wb != NULL, "%s", err.message);
    return wb;
}

static void expect_fail(const char *text, const ism_table_limits *lim, ism_code code,
                        const char *needle)
{
    ism_error err = {0};
    ism_workbook *wb = parse(text, lim, &err);
    ck_assert_msg(wb == NULL, "expected failure for %s", text);
    ck_assert_msg(err.code == code, "code %s: %s", ism_code_name(err.code), err.message);
    ck_assert_msg(strstr(err.message, needle), "\"%s\" lacks \"%s\"", err.message, needle);
    json_t *j = ism_error_to_json(&err);
    ck_assert_ptr_nonnull(j);
    json_decref(j);
    ism_error_clear(&err);
}

/* The four fixtures hold the same table in different encodings. */
static void check_table(const ism_workbook *wb)
{
    ck_assert_int_eq(wb->format, ISM_TABLE_CSV);
    ck_assert_uint_eq(wb->nsheets, 1);
    const ism_sheet *sh = &wb->sheets[0];
    ck_assert_ptr_null(sh->part);
    ck_assert_uint_eq(sh->nrows, 4);
    ck_assert_str_eq(ism_sheet_value(sh, 1, 1), "No.");
    ck_assert_str_eq(ism_sheet_value(sh, 1, 4), "備考");
    ck_assert_str_eq(ism_sheet_value(sh, 2, 2), "暗号化の実施");
    ck_assert_str_eq(ism_sheet_value(sh, 2, 3), "○");
    ck_assert_str_eq(ism_sheet_value(sh, 2, 4), "ｶﾞｲﾄﾞﾗｲﾝ参照"); /* readers do not fold */
    ck_assert_str_eq(ism_sheet_value(sh, 3, 2), "ソフトウェア表示");
    ck_assert_str_eq(ism_sheet_value(sh, 3, 4), "①NEC特殊文字");
    ck_assert_str_eq(ism_sheet_value(sh, 4, 3), "－");
    ck_assert_ptr_null(ism_sheet_cell(sh, 4, 4)); /* empty field */
    const ism_cell *c = ism_sheet_cell(sh, 3, 2);
    ck_assert_str_eq(c->ref, "B3");
    ck_assert_int_eq(c->type, ISM_CELL_STRING);
    ck_assert(!c->formula);
}

START_TEST(utf8)
{
    ism_error err = {0};
    ism_workbook *wb = read_fixture("utf8.csv", NULL, &err);
    ck_assert_msg(wb != NULL, "%s", err.message);
    check_table(wb);
    ck_assert_int_eq(wb->encoding, ISM_ENC_UTF8);
    ck_assert_int_eq(wb->delimiter, ',');
    ck_assert_str_eq(wb->file, "utf8.csv");
    ck_assert_str_eq(wb->sheets[0].name, "utf8");
    ism_workbook_free(wb);
}
END_TEST

START_TEST(utf8_bom)
{
    ism_error err = {0};
    ism_workbook *wb = read_fixture("utf8_bom.csv", NULL, &err);
    ck_assert_msg(wb != NULL, "%s", err.message);
    check_table(wb); /* the BOM is not part of "No.", CRLF not part of the last field */
    ck_assert_int_eq(wb->encoding, ISM_ENC_UTF8_BOM);
    ism_workbook_free(wb);
}
END_TEST

START_TEST(cp932)
{
    ism_error err = {0};
    ism_workbook *wb = read_fixture("cp932.csv", NULL, &err);
    ck_assert_msg(wb != NULL, "%s", err.message);
    check_table(wb);
    ck_assert_int_eq(wb->encoding, ISM_ENC_CP932);
    ck_assert_str_eq(ism_text_encoding_name(wb->encoding), "CP932");
    ism_workbook_free(wb);
    /* Told the encoding, no detection happens. */
    ism_csv_options o = {.encoding = ISM_ENC_CP932};
    wb = read_fixture("cp932.csv", &o, &err);
    ck_assert_ptr_nonnull(wb);
    ism_workbook_free(wb);
    o.encoding = ISM_ENC_UTF8;
    ck_assert_ptr_null(read_fixture("cp932.csv", &o, &err));
    ck_assert_int_eq(err.code, ISM_E_INVALID_DATA);
    ck_assert_msg(strstr(err.message, "not valid UTF-8"), "%s", err.message);
    ism_error_clear(&err);
}
END_TEST

START_TEST(utf16le)
{
    ism_error err = {0};
    ism_workbook *wb = read_fixture("utf16le.txt", NULL, &err);
    ck_assert_msg(wb != NULL, "%s", err.message);
    check_table(wb);
    ck_assert_int_eq(wb->encoding, ISM_ENC_UTF16LE);
    ck_assert_int_eq(wb->delimiter, '\t');
    ck_assert_str_eq(wb->sheets[0].name, "utf16le");
    ism_workbook_free(wb);
}
END_TEST

START_TEST(utf16be_and_surrogates)
{
    /* FE FF, "a,😀" with a surrogate pair, LF */
    static const char be[] = "\xfe\xff\x00\x61\x00\x2c\xd8\x3d\xde\x00\x00\n";
    ism_error err = {0};
    ism_workbook *wb = ism_csv_read_mem(be, sizeof be - 1, "be.csv", NULL, NULL, &err);
    ck_assert_msg(wb != NULL, "%s", err.message);
    ck_assert_int_eq(wb->encoding, ISM_ENC_UTF16BE);
    ck_assert_str_eq(ism_sheet_value(&wb->sheets[0], 1, 2), "😀");
    ism_workbook_free(wb);
    static const char lone[] = "\xff\xfe\x61\x00\x00\xdc\n\x00"; /* a lone low surrogate */
    ck_assert_ptr_null(ism_csv_read_mem(lone, sizeof lone - 1, "l.csv", NULL, NULL, &err));
    ck_assert_int_eq(err.code, ISM_E_INVALID_DATA);
    ck_assert_msg(strstr(err.message, "offset 4"), "%s", err.message);
    ism_error_clear(&err);
    static const char odd[] = "\xff\xfe\x61\x00\x62";
    ck_assert_ptr_null(ism_csv_read_mem(odd, sizeof odd - 1, "o.csv", NULL, NULL, &err));
    ck_assert_int_eq(err.code, ISM_E_INVALID_DATA);
    ism_error_clear(&err);
}
END_TEST

START_TEST(quoted_multiline)
{
    ism_error err = {0};
    ism_workbook *wb = read_fixture("multiline.csv", NULL, &err);
    ck_assert_msg(wb != NULL, "%s", err.message);
    const ism_sheet *sh = &wb->sheets[0];
    ck_assert_str_eq(ism_sheet_value(sh, 2, 2), "一行目\n二行目"); /* CRLF inside → LF */
    ck_assert_str_eq(ism_sheet_value(sh, 2, 3), "He said \"yes\", then left");
    ck_assert_str_eq(ism_sheet_value(sh, 3, 2), "a,b,c");
    ck_assert_ptr_null(ism_sheet_row(sh, 4)); /* ",," holds nothing */
    const ism_row *r = ism_sheet_row(sh, 5);
    ck_assert_ptr_nonnull(r);
    ck_assert_uint_eq(r->line, 6); /* record 2 spans two lines */
    ck_assert_str_eq(ism_row_value(r, 2), "末尾");
    ck_assert_uint_eq(sh->nrows, 4);
    ism_workbook_free(wb);
}
END_TEST

START_TEST(unterminated_quote)
{
    ism_error err = {0};
    ck_assert_ptr_null(read_fixture("unterminated.csv", NULL, &err));
    ck_assert_int_eq(err.code, ISM_E_INVALID_DATA);
    ck_assert_msg(strstr(err.message, "starting at row 3 (line 3), column B has no closing quote"),
                  "%s", err.message);
    json_t *d = json_array_get(err.details, 0);
    ck_assert_int_eq(json_integer_value(json_object_get(d, "row")), 3);
    ck_assert_str_eq(json_string_value(json_object_get(d, "column")), "B");
    ck_assert_str_eq(json_string_value(json_object_get(d, "file")), "unterminated.csv");
    ism_error_clear(&err);
}
END_TEST

START_TEST(invalid_bytes)
{
    ism_error err = {0};
    ck_assert_ptr_null(read_fixture("invalid.csv", NULL, &err));
    ck_assert_int_eq(err.code, ISM_E_INVALID_DATA);
    ck_assert_msg(strstr(err.message, "neither UTF-8") && strstr(err.message, "offset 12") &&
                      strstr(err.message, "line 3") && strstr(err.message, "CSV row 3"),
                  "%s", err.message);
    json_t *d = json_array_get(err.details, 0);
    ck_assert_int_eq(json_integer_value(json_object_get(d, "offset")), 12);
    ck_assert_int_eq(json_integer_value(json_object_get(d, "row")), 3);
    ism_error_clear(&err);
    /* The CSV row differs from the line when a quoted field spans lines. */
    static const char q[] = "a,\"x\ny\"\nb,\xff\n";
    ck_assert_ptr_null(ism_csv_read_mem(q, sizeof q - 1, "q.csv", NULL, NULL, &err));
    ck_assert_msg(strstr(err.message, "line 3") && strstr(err.message, "CSV row 2"), "%s",
                  err.message);
    ism_error_clear(&err);
}
END_TEST

START_TEST(nul_refused)
{
    static const char text[] = "a,b\nc,\0d\n";
    ism_error err = {0};
    ck_assert_ptr_null(ism_csv_read_mem(text, sizeof text - 1, "n.csv", NULL, NULL, &err));
    ck_assert_int_eq(err.code, ISM_E_INVALID_DATA);
    ck_assert_msg(strstr(err.message, "NUL") && strstr(err.message, "line 2"), "%s", err.message);
    ism_error_clear(&err);
}
END_TEST

START_TEST(grammar)
{
    ism_workbook *wb = parse_ok("a,b\r\nc,d"); /* no final newline */
    const ism_sheet *sh = &wb->sheets[0];
    ck_assert_uint_eq(sh->nrows, 2);
    ck_assert_str_eq(ism_sheet_value(sh, 2, 2), "d");
    ism_workbook_free(wb);

    wb = parse_ok("a\rb\rc\r"); /* old Mac line ends */
    ck_assert_uint_eq(wb->sheets[0].nrows, 3);
    ck_assert_str_eq(ism_sheet_value(&wb->sheets[0], 3, 1), "c");
    ism_workbook_free(wb);

    wb = parse_ok("\"abc\"def,x\n"); /* Excel keeps text after a closing quote */
    ck_assert_str_eq(ism_sheet_value(&wb->sheets[0], 1, 1), "abcdef");
    ism_workbook_free(wb);

    wb = parse_ok("a\"b,\"\"\"\",\"\"\n"); /* a quote inside an unquoted field is literal */
    sh = &wb->sheets[0];
    ck_assert_str_eq(ism_sheet_value(sh, 1, 1), "a\"b");
    ck_assert_str_eq(ism_sheet_value(sh, 1, 2), "\"");
    ck_assert_ptr_null(ism_sheet_cell(sh, 1, 3));
    ism_workbook_free(wb);

    wb = parse_ok("\n\n x , y \n\n"); /* blank lines keep numbers; spaces are data */
    sh = &wb->sheets[0];
    ck_assert_uint_eq(sh->nrows, 1);
    ck_assert_uint_eq(sh->rows[0].num, 3);
    ck_assert_str_eq(ism_sheet_value(sh, 3, 1), " x ");
    ism_workbook_free(wb);

    wb = parse_ok("");
    ck_assert_uint_eq(wb->nsheets, 1);
    ck_assert_uint_eq(wb->sheets[0].nrows, 0);
    ism_workbook_free(wb);

    wb = parse_ok("a\tb\tc,d\n1\t2,3\t4\n"); /* more tabs than commas */
    ck_assert_int_eq(wb->delimiter, '\t');
    ck_assert_str_eq(ism_sheet_value(&wb->sheets[0], 2, 2), "2,3");
    ism_workbook_free(wb);

    wb = parse_ok("\"a\tb\tc\",d\n"); /* tabs inside quotes do not vote */
    ck_assert_int_eq(wb->delimiter, ',');
    ism_workbook_free(wb);
}
END_TEST

START_TEST(given_delimiter)
{
    ism_csv_options o = {.delimiter = ';'};
    ism_error err = {0};
    ism_workbook *wb = ism_csv_read_mem("a;b,c\n", 6, "s.csv", &o, NULL, &err);
    ck_assert_ptr_nonnull(wb);
    ck_assert_str_eq(ism_sheet_value(&wb->sheets[0], 1, 2), "b,c");
    ism_workbook_free(wb);
    o.delimiter = '"';
    ck_assert_ptr_null(ism_csv_read_mem("a", 1, "s.csv", &o, NULL, &err));
    ck_assert_int_eq(err.code, ISM_E_INVALID_PARAMS);
    ism_error_clear(&err);
}
END_TEST

START_TEST(limits)
{
    ism_table_limits l;
    ism_table_limits_default(&l);
    l.max_rows = 2;
    expect_fail("a\nb\nc\n", &l, ISM_E_TOO_LARGE, "row 3: over the limit max_rows=2");
    ism_error err = {0};
    ism_workbook *wb = parse("a\nb\n\n\n", &l, &err); /* trailing blank lines are fine */
    ck_assert_ptr_nonnull(wb);
    ism_workbook_free(wb);

    ism_table_limits_default(&l);
    l.max_cols = 2;
    expect_fail("a,b\nc,d,e\n", &l, ISM_E_TOO_LARGE, "row 2, column C: over the limit max_cols=2");
    ism_table_limits_default(&l);
    l.max_string_bytes = 4;
    expect_fail("abcd,\"abcde\"\n", &l, ISM_E_TOO_LARGE, "column B: over the limit max_string");
    ism_table_limits_default(&l);
    l.max_cells = 3;
    expect_fail("a,b\nc,d\n", &l, ISM_E_TOO_LARGE, "max_cells=3");
    ism_table_limits_default(&l);
    l.max_file_bytes = 3;
    expect_fail("a,b\n", &l, ISM_E_TOO_LARGE, "max_file_bytes=3");
}
END_TEST

/* Random bytes, and random damage to a valid file, must end in a workbook or a clean error. */
START_TEST(random_input_never_crashes)
{
    unsigned seed = 42;
    char buf[512];
    ism_error err = {0};
    static const char alphabet[] = "a,\"\t\r\n\xe3\x81\x82\x82\xa0\xff\xfe\x00";
    for (int round = 0; round < 3000; round++) {
        size_t len = (size_t)(round % 300);
        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            buf[i] = round % 2 ? (char)(seed >> 16) : alphabet[(seed >> 16) % 15];
        }
        ism_workbook *wb = ism_csv_read_mem(buf, len, "r.csv", NULL, NULL, &err);
        ck_assert(wb || err.code == ISM_E_INVALID_DATA);
        if (!wb) {
            json_t *j = ism_error_to_json(&err);
            ck_assert_ptr_nonnull(j);
            json_decref(j);
        }
        ism_workbook_free(wb);
        ism_error_clear(&err);
    }
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("csv");
    TCase *tc = tcase_create("encodings");
    tcase_add_test(tc, utf8);
    tcase_add_test(tc, utf8_bom);
    tcase_add_test(tc, cp932);
    tcase_add_test(tc, utf16le);
    tcase_add_test(tc, utf16be_and_surrogates);
    tcase_add_test(tc, invalid_bytes);
    tcase_add_test(tc, nul_refused);
    suite_add_tcase(s, tc);
    tc = tcase_create("grammar");
    tcase_add_test(tc, quoted_multiline);
    tcase_add_test(tc, unterminated_quote);
    tcase_add_test(tc, grammar);
    tcase_add_test(tc, given_delimiter);
    tcase_add_test(tc, limits);
    tcase_add_test(tc, random_input_never_crashes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(suite());
}
