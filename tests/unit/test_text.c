/* test_text.c — text helpers: UTF-8 validation and decoding, width folding, answer marks,
 * formula-injection neutralizing and Japanese dates. */
#include "ismap/readers.h"

#include "testutil.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static void fold_is(const char *in, unsigned flags, const char *want)
{
    char *got = ism_text_fold(in, flags);
    ck_assert_ptr_nonnull(got);
    ck_assert_msg(strcmp(got, want) == 0, "fold(\"%s\") = \"%s\", want \"%s\"", in, got, want);
    free(got);
}

/* ---- UTF-8 and decoding -------------------------------------------------------------------- */

START_TEST(utf8_validation)
{
    size_t bad = 99;
    ck_assert(ism_text_utf8_valid("", 0, &bad));
    ck_assert(ism_text_utf8_valid("abc あ 😀", strlen("abc あ 😀"), &bad));
    static const struct {
        const char *s;
        size_t bad;
    } cases[] = {
        {"a\x80", 1},            /* a lone continuation byte */
        {"a\xc0\xaf", 1},        /* overlong '/' */
        {"\xe0\x80\xaf", 0},     /* overlong, 3 bytes */
        {"ab\xed\xa0\x80", 2},   /* a UTF-16 surrogate */
        {"\xf4\x90\x80\x80", 0}, /* beyond U+10FFFF */
        {"xy\xe3\x81", 2},       /* cut short at the end */
        {"\xe3\x81"
         "a",
         0}, /* cut short by ASCII */
        {"ok\xff", 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bad = 99;
        ck_assert_msg(!ism_text_utf8_valid(cases[i].s, strlen(cases[i].s), &bad), "case %zu", i);
        ck_assert_msg(bad == cases[i].bad, "case %zu: bad %zu", i, bad);
    }
    ck_assert(!ism_text_utf8_valid("\xff", 1, NULL));
}
END_TEST

START_TEST(decoding)
{
    ism_error err = {0};
    ism_text_encoding enc;
    size_t len;
    char *s = ism_text_decode("\xef\xbb\xbf"
                              "abc",
                              6, ISM_ENC_AUTO, "x", &enc, &len, &err);
    ck_assert_str_eq(s, "abc");
    ck_assert_uint_eq(len, 3);
    ck_assert_int_eq(enc, ISM_ENC_UTF8_BOM);
    free(s);
    s = ism_text_decode("\x82\xa0\xb1", 3, ISM_ENC_AUTO, "x", &enc, &len, &err); /* あｱ */
    ck_assert_str_eq(s, "あｱ");
    ck_assert_int_eq(enc, ISM_ENC_CP932);
    free(s);
    s = ism_text_decode("", 0, ISM_ENC_AUTO, "x", &enc, &len, &err);
    ck_assert_str_eq(s, "");
    ck_assert_int_eq(enc, ISM_ENC_UTF8);
    free(s);
    s = ism_text_decode("\xff\xfe"
                        "a\0",
                        4, ISM_ENC_UTF16LE, "x", &enc, &len, &err);
    ck_assert_str_eq(s, "a");
    free(s);
    s = ism_text_decode("a\0", 2, ISM_ENC_UTF16LE, "x", &enc, &len, &err); /* no BOM: as told */
    ck_assert_str_eq(s, "a");
    free(s);
    /* A lead byte cut off by the end of the input is not CP932 either. */
    ck_assert_ptr_null(ism_text_decode("ab\x82", 3, ISM_ENC_CP932, "x", &enc, &len, &err));
    ck_assert_int_eq(err.code, ISM_E_INVALID_DATA);
    ck_assert_msg(strstr(err.message, "offset 2"), "%s", err.message);
    ism_error_clear(&err);
    /* An ASCII-only UTF-16 file without a BOM looks like UTF-8 full of NULs. */
    ck_assert_ptr_null(ism_text_decode("a\0b\0", 4, ISM_ENC_AUTO, "x", &enc, &len, &err));
    ck_assert_msg(strstr(err.message, "UTF-16 file without a BOM"), "%s", err.message);
    ism_error_clear(&err);
    ck_assert_str_eq(ism_text_encoding_name(ISM_ENC_UTF16BE), "UTF-16BE");
    ck_assert_str_eq(ism_text_encoding_name((ism_text_encoding)99), "auto");
}
END_TEST

/* ---- folding --------------------------------------------------------------------------------- */

START_TEST(folding)
{
    fold_is("ＡＢＣ１２３！～", 0, "ABC123!~");
    fold_is("ｶﾞｲﾄﾞﾗｲﾝ", 0, "ガイドライン");
    fold_is("ﾊﾟｿｺﾝ ﾊﾞｯｸｱｯﾌﾟ", 0, "パソコン バックアップ");
    fold_is("ｳﾞｧｲｵﾘﾝ", 0, "ヴァイオリン");
    fold_is("ｱﾞ", 0, "ア゛"); /* ア takes no dakuten: the mark stands alone */
    fold_is("ﾞ", 0, "゛");
    fold_is("ﾎﾟｲﾝﾄ｡｢ｶｷﾞ｣､･ｰ", 0, "ポイント。「カギ」、・ー");
    fold_is("　全角　 空白\t\r\nと改行  ", 0, "全角 空白 と改行");
    fold_is("\xc2\xa0nbsp\xe2\x80\x83"
            "em",
            0, "nbsp em");
    fold_is("ＡＢｃ Def", ISM_FOLD_CASE, "abc def");
    fold_is("ＡＢｃ", 0, "ABc");
    fold_is("￥１，０００", 0, "¥1,000");
    fold_is("㍻31年", 0, "平成31年");
    fold_is("㋿元年", 0, "令和元年");
    fold_is("\xef\xbb\xbfNo.\xe2\x80\x8b", 0, "No."); /* stray BOM, zero-width space */
    fold_is("a\xff"
            "b",
            0,
            "a\xef\xbf\xbd"
            "b"); /* invalid byte → U+FFFD */
    fold_is("   ", 0, "");
    fold_is("", 0, "");
    fold_is(NULL, 0, "");
    fold_is("漢字とひらがなはそのまま", 0, "漢字とひらがなはそのまま");
}
END_TEST

/* ---- answer marks ---------------------------------------------------------------------------- */

START_TEST(answer_marks)
{
    static const struct {
        const char *s;
        ism_answer_mark m;
    } cases[] = {
        {"○", ISM_MARK_YES},       {"〇", ISM_MARK_YES},
        {"◯", ISM_MARK_YES},       {"O", ISM_MARK_YES},
        {"o", ISM_MARK_YES},       {"Ｏ", ISM_MARK_YES},
        {"ｏ", ISM_MARK_YES},      {" ○ ", ISM_MARK_YES},
        {"◎", ISM_MARK_YES},       {"×", ISM_MARK_NO},
        {"x", ISM_MARK_NO},        {"X", ISM_MARK_NO},
        {"✕", ISM_MARK_NO},        {"✖", ISM_MARK_NO},
        {"ｘ", ISM_MARK_NO},       {"Ｘ", ISM_MARK_NO},
        {"╳", ISM_MARK_NO},        {"☓", ISM_MARK_NO},
        {"-", ISM_MARK_NA},        {"－", ISM_MARK_NA},
        {"―", ISM_MARK_NA},        {"N/A", ISM_MARK_NA},
        {"n/a", ISM_MARK_NA},      {"Ｎ／Ａ", ISM_MARK_NA},
        {"該当なし", ISM_MARK_NA}, {"対象外", ISM_MARK_NA},
        {"ー", ISM_MARK_NA},       {"--", ISM_MARK_NA},
        {"", ISM_MARK_EMPTY},      {"　 ", ISM_MARK_EMPTY},
        {NULL, ISM_MARK_EMPTY},    {"✓", ISM_MARK_UNKNOWN},
        {"✔", ISM_MARK_UNKNOWN},   {"レ", ISM_MARK_UNKNOWN},
        {"△", ISM_MARK_UNKNOWN},   {"●", ISM_MARK_UNKNOWN},
        {"0", ISM_MARK_UNKNOWN},   {"○（一部）", ISM_MARK_UNKNOWN},
        {"OK", ISM_MARK_UNKNOWN},  {"xx", ISM_MARK_UNKNOWN},
        {"-1", ISM_MARK_UNKNOWN},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ism_answer_mark m = ism_text_answer_mark(cases[i].s);
        ck_assert_msg(m == cases[i].m, "\"%s\": %s, want %s", cases[i].s ? cases[i].s : "NULL",
                      ism_answer_mark_name(m), ism_answer_mark_name(cases[i].m));
    }
    ck_assert_str_eq(ism_answer_mark_name(ISM_MARK_NA), "na");
    ck_assert_str_eq(ism_answer_mark_name(ISM_MARK_EMPTY), "empty");
}
END_TEST

/* ---- numbers and formula injection ----------------------------------------------------------- */

START_TEST(numbers)
{
    static const char *yes[] = {"0",  "-1", "+3",  "12.5",   "-0.25",
                                ".5", "5.", "1e5", "-1E+05", "2.5e-3"};
    static const char *no[] = {"",   "-",  "+",    ".",   "1e",  "1e+",   "--1", "1-2",
                               " 1", "1 ", "0x10", "inf", "nan", "1,000", "１"};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
        ck_assert_msg(ism_text_is_number(yes[i]), "%s", yes[i]);
    for (size_t i = 0; i < sizeof no / sizeof *no; i++)
        ck_assert_msg(!ism_text_is_number(no[i]), "%s", no[i]);
    ck_assert(!ism_text_is_number(NULL));
}
END_TEST

START_TEST(neutralize)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"=SUM(A1:A9)", "'=SUM(A1:A9)"},
        {"+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"},
        {"-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"},
        {"@SUM(1)", "'@SUM(1)"},
        {"\t=1", "'\t=1"},
        {"\r=1", "'\r=1"},
        {"-", "'-"},
        {"-12.5", "-12.5"}, /* numbers stay numbers */
        {"+81", "+81"},
        {"-1e3", "-1e3"},
        {"a=b", "a=b"},
        {"", ""},
        {"＝1+1", "＝1+1"}, /* full-width = is not a formula to Excel */
        {"暗号化", "暗号化"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = ism_text_neutralize(cases[i].in);
        ck_assert_msg(strcmp(got, cases[i].out) == 0, "\"%s\" → \"%s\"", cases[i].in, got);
        ck_assert(ism_text_formula_risk(cases[i].in) == (strcmp(cases[i].in, got) != 0));
        free(got);
    }
    char *got = ism_text_neutralize(NULL);
    ck_assert_str_eq(got, "");
    free(got);
}
END_TEST

/* ---- dates --------------------------------------------------------------------------------- */

START_TEST(dates)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"2025-03-31", "2025-03-31"},
        {"2025/3/31", "2025-03-31"},
        {"2025.3.31", "2025-03-31"},
        {"2025年3月31日", "2025-03-31"},
        {"2025年3月31", "2025-03-31"},
        {"２０２５年３月３１日", "2025-03-31"},
        {" 2025 年 3 月 31 日 ", "2025-03-31"},
        {"令和7年3月31日", "2025-03-31"},
        {"令和 7 年 3 月 31 日", "2025-03-31"},
        {"R7.3.31", "2025-03-31"},
        {"R7/3/31", "2025-03-31"},
        {"r07-03-31", "2025-03-31"},
        {"R7年3月31日", "2025-03-31"},
        {"平成31年4月30日", "2019-04-30"},
        {"H31.4.30", "2019-04-30"},
        {"令和元年5月1日", "2019-05-01"},
        {"R元.5.1", "2019-05-01"},
        {"㋿元年5月1日", "2019-05-01"},
        {"㍻元年1月8日", "1989-01-08"},
        {"昭和64年1月7日", "1989-01-07"},
        {"S39.10.10", "1964-10-10"},
        {"大正元年7月30日", "1912-07-30"},
        {"T15.12.24", "1926-12-24"},
        {"明治6年1月1日", "1873-01-01"},
        {"M45.7.29", "1912-07-29"},
        {"2024-02-29", "2024-02-29"},
        {"2000/2/29", "2000-02-29"},
        {"2025-03-31T09:30:00", "2025-03-31"},
        {"2025/3/31 9:30", "2025-03-31"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[11] = "";
        ism_error err = {0};
        ck_assert_msg(ism_text_parse_date(cases[i].in, out, &err), "%s: %s", cases[i].in,
                      err.message);
        ck_assert_msg(strcmp(out, cases[i].out) == 0, "%s → %s", cases[i].in, out);
    }
}
END_TEST

START_TEST(bad_dates)
{
    static const struct {
        const char *in, *why;
    } cases[] = {
        {"平成31年5月1日", "平成 ended before 2019-05-01, when 令和 began"},
        {"平成32年1月1日", "ended before"},
        {"令和元年4月30日", "令和 begins on 2019-05-01"},
        {"平成元年1月7日", "平成 begins on 1989-01-08"},
        {"明治5年12月2日", "lunisolar"},
        {"2025-02-29", "no such day"},
        {"1900-02-29", "no such day"},
        {"2025-13-01", "no such month"},
        {"2025-00-10", "no such month"},
        {"2025/3-31", "expected"}, /* mixed separators */
        {"25/3/31", "expected"},
        {"3/31/2025", "expected"},
        {"2025年3月31日です", "expected"},
        {"R0.1.1", "expected"},
        {"X7.3.31", "expected"},
        {"", "expected"},
        {"1500-01-01", "1583"},
        {"令和", "expected"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[11];
        ism_error err = {0};
        ck_assert_msg(!ism_text_parse_date(cases[i].in, out, &err), "%s parsed", cases[i].in);
        ck_assert_int_eq(err.code, ISM_E_INVALID_DATA);
        ck_assert_msg(strstr(err.message, cases[i].why), "%s: \"%s\" lacks \"%s\"", cases[i].in,
                      err.message, cases[i].why);
        json_t *j = ism_error_to_json(&err);
        ck_assert_ptr_nonnull(j);
        json_decref(j);
        ism_error_clear(&err);
    }
    /* A long value is quoted clipped at a character boundary: the message stays UTF-8. */
    char longval[400] = "";
    for (int i = 0; i < 100; i++)
        strcat(longval, "あ");
    char out[11];
    ism_error err = {0};
    ck_assert(!ism_text_parse_date(longval, out, &err));
    ck_assert(ism_text_utf8_valid(err.message, strlen(err.message), NULL));
    ck_assert_ptr_nonnull(strstr(err.message, "…"));
    ism_error_clear(&err);
    ck_assert(!ism_text_parse_date(NULL, out, &err));
    ism_error_clear(&err);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("text");
    TCase *tc = tcase_create("text");
    tcase_add_test(tc, utf8_validation);
    tcase_add_test(tc, decoding);
    tcase_add_test(tc, folding);
    tcase_add_test(tc, answer_marks);
    tcase_add_test(tc, numbers);
    tcase_add_test(tc, neutralize);
    tcase_add_test(tc, dates);
    tcase_add_test(tc, bad_dates);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(suite());
}
