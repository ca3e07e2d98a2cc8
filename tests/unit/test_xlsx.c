/* test_xlsx.c — the XLSX reader against the fixtures from tests/tools/make_xlsx.py: values,
 * types, merges, dates, limits, and every kind of damaged input (which must fail cleanly). */
#include "ismap/readers.h"

#include "testutil.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static char *fixture(const char *name)
{
    const char *src = getenv("ISM_SOURCE_DIR");
    return ism_strdupf("%s/tests/fixtures/readers/%s", src ? src : ".", name);
}

static ism_workbook *open_fixture(const char *name, const ism_table_limits *lim, ism_error *err)
{
    char *path = fixture(name);
    ism_workbook *wb = ism_xlsx_read_file(path, lim, err);
    free(path);
    return wb;
}

static ism_workbook *questionnaire(void)
{
    ism_error err = {0};
    ism_workbook *wb = open_fixture("questionnaire.xlsx", NULL, &err);
    ck_assert_msg(wb != NULL, "%s", err.message);
    ism_error_clear(&err);
    return wb;
}

/* Reads a fixture expecting failure with `code` and a message containing `needle`. */
static void expect_fail(const char *name, const ism_table_limits *lim, ism_code code,
                        const char *needle)
{
    ism_error err = {0};
    ism_workbook *wb = open_fixture(name, lim, &err);
    ck_assert_msg(wb == NULL, "%s: expected failure", name);
    ck_assert_msg(err.code == code, "%s: code %s, message %s", name, ism_code_name(err.code),
                  err.message);
    ck_assert_msg(strstr(err.message, needle), "%s: message \"%s\" lacks \"%s\"", name, err.message,
                  needle);
    /* Every error must serialize (messages and details are valid UTF-8). */
    json_t *j = ism_error_to_json(&err);
    ck_assert_ptr_nonnull(j);
    char *dump = json_dumps(j, 0);
    ck_assert_ptr_nonnull(dump);
    free(dump);
    json_decref(j);
    ism_error_clear(&err);
}

static ism_table_limits limits(void)
{
    ism_table_limits l;
    ism_table_limits_default(&l);
    return l;
}

/* ---- structure --------------------------------------------------------------------------- */

START_TEST(sheets_in_tab_order)
{
    ism_workbook *wb = questionnaire();
    ck_assert_int_eq(wb->format, ISM_TABLE_XLSX);
    ck_assert_str_eq(wb->file, "questionnaire.xlsx");
    ck_assert(!wb->date1904);
    ck_assert_uint_eq(wb->nsheets, 4); /* the chart sheet is skipped */
    ck_assert_str_eq(wb->sheets[0].name, "別紙");
    ck_assert_str_eq(wb->sheets[1].name, "別紙(続き)");
    ck_assert_str_eq(wb->sheets[2].name, "日付");
    ck_assert_str_eq(wb->sheets[3].name, "作業用");
    ck_assert_str_eq(wb->sheets[0].part, "xl/worksheets/sheet1.xml");
    ck_assert_str_eq(wb->sheets[1].part, "xl/worksheets/sheet2.xml"); /* absolute target */
    ck_assert_str_eq(wb->sheets[2].part, "xl/worksheets/sheet3.xml"); /* with ".." */
    ck_assert_int_eq(wb->sheets[0].state, ISM_SHEET_VISIBLE);
    ck_assert_int_eq(wb->sheets[3].state, ISM_SHEET_HIDDEN);
    ck_assert_ptr_eq(ism_workbook_sheet(wb, "日付"), &wb->sheets[2]);
    ck_assert_ptr_null(ism_workbook_sheet(wb, "グラフ"));
    ism_workbook_free(wb);
}
END_TEST

START_TEST(shared_strings_rich_text_and_furigana)
{
    ism_workbook *wb = questionnaire();
    const ism_sheet *sh = &wb->sheets[0];
    ck_assert_str_eq(ism_sheet_value(sh, 1, 1), "クラウドサービス要件確認");
    ck_assert_str_eq(ism_sheet_value(sh, 2, 2), "要件");
    /* Runs are joined; the phonetic runs (アンゴウカ, ジッシ, ホカン) are not text. */
    ck_assert_str_eq(ism_sheet_value(sh, 3, 2), "暗号化の実施");
    ck_assert_str_eq(ism_sheet_value(sh, 4, 2), "ログの保管");
    ck_assert_str_eq(ism_sheet_value(sh, 3, 3), "○");
    ck_assert_str_eq(ism_sheet_value(sh, 4, 3), "×");
    /* Inline rich text, furigana excluded; xml:space="preserve" keeps the spaces. */
    ck_assert_str_eq(ism_sheet_value(sh, 3, 4), "インライン");
    ck_assert_str_eq(ism_sheet_value(sh, 4, 4), "  前後に空白  ");
    /* _x000D_ is a carriage return; _x005F_ escapes an underscore. */
    ck_assert_str_eq(ism_sheet_value(sh, 5, 2), "一行目\r\n二行目");
    ck_assert_str_eq(ism_sheet_value(sh, 11, 1), "見出し _x0041_ 記号");
    const ism_cell *c = ism_sheet_cell(sh, 3, 2);
    ck_assert_int_eq(c->type, ISM_CELL_STRING);
    ck_assert_str_eq(c->ref, "B3");
    ck_assert_uint_eq(c->row, 3);
    ck_assert_uint_eq(c->col, 2);
    ck_assert(!c->formula);
    ck_assert_ptr_null(c->raw);
    ism_workbook_free(wb);
}
END_TEST

START_TEST(empty_cells_are_not_stored)
{
    ism_workbook *wb = questionnaire();
    const ism_sheet *sh = &wb->sheets[0];
    const ism_row *r1 = ism_sheet_row(sh, 1);
    ck_assert_uint_eq(r1->ncells, 1); /* B1..D1 are styled but empty */
    ck_assert_ptr_null(ism_row_cell(r1, 2));
    ck_assert_str_eq(ism_row_value(r1, 2), "");
    ck_assert_ptr_null(ism_sheet_row(sh, 9));
    ck_assert_str_eq(ism_sheet_value(sh, 9, 1), "");
    ck_assert_str_eq(ism_row_value(NULL, 1), "");
    ism_workbook_free(wb);
}
END_TEST

START_TEST(merged_cells)
{
    ism_workbook *wb = questionnaire();
    const ism_sheet *sh = &wb->sheets[0];
    ck_assert_uint_eq(sh->nmerges, 2);
    const ism_merge *m = ism_sheet_merge_at(sh, 1, 3);
    ck_assert_ptr_nonnull(m);
    ck_assert_uint_eq(m->first_row, 1);
    ck_assert_uint_eq(m->first_col, 1);
    ck_assert_uint_eq(m->last_row, 1);
    ck_assert_uint_eq(m->last_col, 4);
    ck_assert_str_eq(ism_sheet_merged_value(sh, 1, 4), "クラウドサービス要件確認");
    ck_assert_str_eq(ism_sheet_value(sh, 1, 4), "");
    ck_assert_str_eq(ism_sheet_merged_value(sh, 7, 2), "結合セル");
    ck_assert_ptr_eq(ism_sheet_merged_cell(sh, 7, 2), ism_sheet_cell(sh, 6, 2));
    ck_assert_ptr_null(ism_sheet_merge_at(sh, 8, 2));
    ck_assert_str_eq(ism_sheet_merged_value(sh, 3, 2), "暗号化の実施"); /* not merged */
    ism_workbook_free(wb);
}
END_TEST

START_TEST(cell_types_and_formulas)
{
    ism_workbook *wb = questionnaire();
    const ism_sheet *sh = &wb->sheets[0];
    const ism_cell *c = ism_sheet_cell(sh, 3, 1);
    ck_assert_int_eq(c->type, ISM_CELL_NUMBER);
    ck_assert_str_eq(c->value, "1");
    ck_assert_str_eq(c->raw, "1");

    c = ism_sheet_cell(sh, 5, 3);
    ck_assert_int_eq(c->type, ISM_CELL_BOOL);
    ck_assert_str_eq(c->value, "TRUE");
    ck_assert_str_eq(ism_sheet_value(sh, 5, 4), "FALSE");

    c = ism_sheet_cell(sh, 6, 3); /* =A3+A4 cached 3 */
    ck_assert_int_eq(c->type, ISM_CELL_NUMBER);
    ck_assert(c->formula);
    ck_assert_str_eq(c->value, "3");

    c = ism_sheet_cell(sh, 7, 3); /* =SUM(A3:A5) with no cached value */
    ck_assert_int_eq(c->type, ISM_CELL_UNCACHED);
    ck_assert(c->formula);
    ck_assert_str_eq(c->value, "");
    ck_assert_str_eq(c->raw, "SUM(A3:A5)");

    c = ism_sheet_cell(sh, 6, 4); /* t="str" */
    ck_assert_int_eq(c->type, ISM_CELL_STRING);
    ck_assert(c->formula);
    ck_assert_str_eq(c->value, "結合セル!");

    c = ism_sheet_cell(sh, 7, 4);
    ck_assert_int_eq(c->type, ISM_CELL_ERROR);
    ck_assert(c->formula);
    ck_assert_str_eq(c->value, "#DIV/0!");

    c = ism_sheet_cell(sh, 11, 2); /* ="" : a cached empty string is still a formula cell */
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(c->type, ISM_CELL_STRING);
    ck_assert_str_eq(c->value, "");

    c = ism_sheet_cell(sh, 12, 3); /* a shared formula's dependent without a value */
    ck_assert_int_eq(c->type, ISM_CELL_UNCACHED);
    ck_assert_str_eq(c->raw, "");
    ck_assert_str_eq(ism_sheet_value(sh, 11, 3), "0.6");
    ism_workbook_free(wb);
}
END_TEST

START_TEST(number_text)
{
    ism_workbook *wb = questionnaire();
    const ism_sheet *sh = &wb->sheets[0];
    const ism_cell *c = ism_sheet_cell(sh, 10, 1);
    ck_assert_str_eq(c->value, "0.3");
    ck_assert_str_eq(c->raw, "0.30000000000000004");
    ck_assert_str_eq(ism_sheet_value(sh, 10, 2), "0"); /* -0 */
    ck_assert_str_eq(ism_sheet_value(sh, 10, 3), "0.0015");
    c = ism_sheet_cell(sh, 10, 4);
    ck_assert_str_eq(c->value, "1.23456789012346e+19");
    ck_assert_str_eq(c->raw, "12345678901234567890");
    ism_workbook_free(wb);
}
END_TEST

START_TEST(hidden_rows)
{
    ism_workbook *wb = questionnaire();
    const ism_sheet *sh = &wb->sheets[0];
    ck_assert(ism_sheet_row(sh, 8)->hidden);
    ck_assert(!ism_sheet_row(sh, 7)->hidden);
    ck_assert_uint_eq(ism_sheet_row(sh, 8)->line, 8);
    ism_workbook_free(wb);
}
END_TEST

START_TEST(header_repeated_on_second_sheet)
{
    ism_workbook *wb = questionnaire();
    const ism_sheet *a = &wb->sheets[0], *b = &wb->sheets[1];
    for (uint32_t col = 1; col <= 4; col++)
        ck_assert_str_eq(ism_sheet_value(b, 1, col), ism_sheet_value(a, 2, col));
    ck_assert_str_eq(ism_sheet_value(b, 2, 2), "バックアップ");
    ck_assert_str_eq(ism_sheet_value(b, 2, 3), "-");
    /* Row and cells without r= follow their predecessors. */
    const ism_row *r = ism_sheet_row(b, 3);
    ck_assert_ptr_nonnull(r);
    ck_assert_uint_eq(r->ncells, 3);
    ck_assert_str_eq(r->cells[0].ref, "A3");
    ck_assert_str_eq(r->cells[2].ref, "C3");
    ck_assert_str_eq(ism_row_value(r, 3), "該当なし");
    ism_workbook_free(wb);
}
END_TEST

/* ---- dates -------------------------------------------------------------------------------- */

START_TEST(date_cells)
{
    static const struct {
        uint32_t row;
        ism_cell_type type;
        const char *value;
    } want[] = {
        {1, ISM_CELL_DATE, "2025-03-31"},  {2, ISM_CELL_DATE, "2025-03-31T12:00:00"},
        {3, ISM_CELL_DATE, "2019-05-01"},  {4, ISM_CELL_DATE, "2019-04-30"},
        {5, ISM_CELL_DATE, "18:00:00"},    {6, ISM_CELL_NUMBER, "45747"},
        {7, ISM_CELL_DATE, "30:00:00"},    {8, ISM_CELL_NUMBER, "60"},
        {9, ISM_CELL_DATE, "1900-02-28"},  {10, ISM_CELL_DATE, "1900-03-01"},
        {11, ISM_CELL_NUMBER, "45747"},    {12, ISM_CELL_DATE, "2025-04-01T06:00:00"},
        {13, ISM_CELL_DATE, "2025-03-31"}, {14, ISM_CELL_DATE, "2025-03-31"},
    };
    ism_workbook *wb = questionnaire();
    const ism_sheet *sh = ism_workbook_sheet(wb, "日付");
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const ism_cell *c = ism_sheet_cell(sh, want[i].row, 1);
        ck_assert_msg(c != NULL, "row %u", want[i].row);
        ck_assert_msg(c->type == want[i].type && strcmp(c->value, want[i].value) == 0,
                      "row %u: type %d value %s, want %s", want[i].row, c->type, c->value,
                      want[i].value);
    }
    ck_assert_str_eq(ism_sheet_cell(sh, 1, 1)->raw, "45747");
    ck_assert_str_eq(ism_sheet_value(sh, 14, 2), "2025-03-31T09:15:00");
    ism_workbook_free(wb);
}
END_TEST

START_TEST(date1904_system)
{
    ism_error err = {0};
    ism_workbook *wb = open_fixture("date1904.xlsx", NULL, &err);
    ck_assert_msg(wb != NULL, "%s", err.message);
    ck_assert(wb->date1904);
    const ism_sheet *sh = &wb->sheets[0];
    ck_assert_str_eq(ism_sheet_value(sh, 1, 1), "1904-01-01");
    ck_assert_str_eq(ism_sheet_value(sh, 1, 2), "2025-03-31");
    ck_assert_str_eq(ism_sheet_value(sh, 1, 3), "2025-03-31T18:00:00");
    ism_workbook_free(wb);
}
END_TEST

START_TEST(numfmt_kinds)
{
    for (int id = 0; id < 164; id++) {
        bool date = (id >= 14 && id <= 22) || (id >= 27 && id <= 36) || (id >= 45 && id <= 47) ||
                    (id >= 50 && id <= 58);
        ck_assert_msg((ism_xlsx_numfmt_kind(id, NULL) != 0) == date, "built-in %d", id);
    }
    ck_assert_uint_eq(ism_xlsx_numfmt_kind(164, "yyyy\"年\"m\"月\"d\"日\""), ISM_NUMFMT_DATE);
    ck_assert_uint_eq(ism_xlsx_numfmt_kind(164, "[$-411]ggge\"年\"m\"月\"d\"日\""),
                      ISM_NUMFMT_DATE);
    ck_assert_uint_eq(ism_xlsx_numfmt_kind(164, "[$-ja-JP]ge.m.d"), ISM_NUMFMT_DATE);
    ck_assert_uint_eq(ism_xlsx_numfmt_kind(164, "yyyy/mm/dd\\ hh:mm:ss"),
                      ISM_NUMFMT_DATE | ISM_NUMFMT_TIME);
    ck_assert_uint_eq(ism_xlsx_numfmt_kind(164, "h\"時\"mm\"分\""), ISM_NUMFMT_TIME);
    ck_assert_uint_eq(ism_xlsx_numfmt_kind(164, "mm:ss"), ISM_NUMFMT_TIME);
    ck_assert_uint_eq(ism_xlsx_numfmt_kind(164, "[h]:mm"), ISM_NUMFMT_TIME | ISM_NUMFMT_ELAPSED);
    ck_assert_uint_eq(ism_xlsx_numfmt_kind(164, "h:mm AM/PM"), ISM_NUMFMT_TIME);
    ck_assert_uint_eq(ism_xlsx_numfmt_kind(164, "mmm-yy"), ISM_NUMFMT_DATE);
    /* Not dates: letters only inside quotes, brackets, or escaped; or none at all. */
    ck_assert_uint_eq(ism_xlsx_numfmt_kind(164, "General"), 0);
    ck_assert_uint_eq(ism_xlsx_numfmt_kind(164, "G/標準"), 0);
    ck_assert_uint_eq(ism_xlsx_numfmt_kind(164, "#,##0\"円\";[Red]\\-#,##0\"円\""), 0);
    ck_assert_uint_eq(ism_xlsx_numfmt_kind(164, "0.0\" days\""), 0);
    ck_assert_uint_eq(ism_xlsx_numfmt_kind(164, "0\\d"), 0);
    ck_assert_uint_eq(ism_xlsx_numfmt_kind(164, "[Red][<=100]0;[Blue]0"), 0);
    ck_assert_uint_eq(ism_xlsx_numfmt_kind(164, "0.00E+00"), 0);
    ck_assert_uint_eq(ism_xlsx_numfmt_kind(164, "_(* #,##0_);_(* \\(#,##0\\)"), 0);
    ck_assert_uint_eq(ism_xlsx_numfmt_kind(164, "\"unterminated"), 0);
    ck_assert_uint_eq(ism_xlsx_numfmt_kind(164, "[unterminated"), 0);
    ck_assert_uint_eq(ism_xlsx_numfmt_kind(164, ""), 0);
}
END_TEST

START_TEST(serials)
{
    char out[24];
    ck_assert(ism_xlsx_serial_to_iso(1, false, ISM_NUMFMT_DATE, out));
    ck_assert_str_eq(out, "1900-01-01");
    ck_assert(!ism_xlsx_serial_to_iso(60, false, ISM_NUMFMT_DATE, out));
    ck_assert(!ism_xlsx_serial_to_iso(0, false, ISM_NUMFMT_DATE, out));
    ck_assert(!ism_xlsx_serial_to_iso(-1, false, ISM_NUMFMT_DATE, out));
    ck_assert(ism_xlsx_serial_to_iso(36526, false, 0, out)); /* kind 0 = date */
    ck_assert_str_eq(out, "2000-01-01");
    ck_assert(ism_xlsx_serial_to_iso(43585, false, ISM_NUMFMT_DATE, out));
    ck_assert_str_eq(out, "2019-04-30");
    ck_assert(ism_xlsx_serial_to_iso(45747, false, ISM_NUMFMT_DATE, out));
    ck_assert_str_eq(out, "2025-03-31");
    ck_assert(ism_xlsx_serial_to_iso(45351, false, ISM_NUMFMT_DATE, out));
    ck_assert_str_eq(out, "2024-02-29");
    ck_assert(ism_xlsx_serial_to_iso(36585, false, ISM_NUMFMT_DATE, out));
    ck_assert_str_eq(out, "2000-02-29"); /* 2000 is a leap year, 1900 is not */
}
END_TEST

START_TEST(serial_edges)
{
    char out[24];
    ck_assert(ism_xlsx_serial_to_iso(2958465, false, ISM_NUMFMT_DATE, out));
    ck_assert_str_eq(out, "9999-12-31");
    ck_assert(!ism_xlsx_serial_to_iso(2958466, false, ISM_NUMFMT_DATE, out));
    ck_assert(ism_xlsx_serial_to_iso(45747.99999999, false, ISM_NUMFMT_DATE | ISM_NUMFMT_TIME,
                                     out)); /* rounds up to the next midnight */
    ck_assert_str_eq(out, "2025-04-01T00:00:00");
    ck_assert(ism_xlsx_serial_to_iso(0.5, false, ISM_NUMFMT_TIME, out));
    ck_assert_str_eq(out, "12:00:00");
    ck_assert(ism_xlsx_serial_to_iso(45747.25, false, ISM_NUMFMT_TIME, out)); /* time of day */
    ck_assert_str_eq(out, "06:00:00");
    ck_assert(ism_xlsx_serial_to_iso(2.5, false, ISM_NUMFMT_TIME | ISM_NUMFMT_ELAPSED, out));
    ck_assert_str_eq(out, "60:00:00");
    ck_assert(ism_xlsx_serial_to_iso(1462, true, ISM_NUMFMT_DATE, out));
    ck_assert_str_eq(out, "1908-01-02");
    ck_assert(ism_xlsx_serial_to_iso(45747 - 1462, true, ISM_NUMFMT_DATE, out));
    ck_assert_str_eq(out, "2025-03-31");
    double nan = strtod("nan", NULL);
    ck_assert(!ism_xlsx_serial_to_iso(nan, false, ISM_NUMFMT_DATE, out));
}
END_TEST

/* ---- references --------------------------------------------------------------------------- */

START_TEST(references)
{
    char name[4];
    static const struct {
        uint32_t col;
        const char *name;
    } cols[] = {{1, "A"},     {26, "Z"},      {27, "AA"}, {28, "AB"}, {702, "ZZ"},
                {703, "AAA"}, {16384, "XFD"}, {0, ""},    {16385, ""}};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
        ism_col_name(cols[i].col, name);
        ck_assert_str_eq(name, cols[i].name);
    }
    uint32_t r, c;
    ck_assert(ism_cell_ref_parse("C12", &r, &c));
    ck_assert_uint_eq(r, 12);
    ck_assert_uint_eq(c, 3);
    ck_assert(ism_cell_ref_parse("$XFD$1048576", &r, &c));
    ck_assert_uint_eq(c, 16384);
    ck_assert(ism_cell_ref_parse("ab7", &r, &c));
    ck_assert_uint_eq(c, 28);
    ck_assert(!ism_cell_ref_parse("XFE1", &r, &c));
    ck_assert(!ism_cell_ref_parse("A0", &r, &c));
    ck_assert(!ism_cell_ref_parse("A1048577", &r, &c));
    ck_assert(!ism_cell_ref_parse("12", &r, &c));
    ck_assert(!ism_cell_ref_parse("A", &r, &c));
    ck_assert(!ism_cell_ref_parse("A1B", &r, &c));
    ck_assert(!ism_cell_ref_parse("", &r, &c));
    ck_assert(!ism_cell_ref_parse(NULL, &r, &c));

    json_t *w = ism_table_where("a.xlsx", "別紙", 12, 5, "x");
    ck_assert_str_eq(json_string_value(json_object_get(w, "column")), "E");
    ck_assert_int_eq(json_integer_value(json_object_get(w, "row")), 12);
    ck_assert_str_eq(json_string_value(json_object_get(w, "sheet")), "別紙");
    json_decref(w);
    w = ism_table_where(NULL, NULL, 0, 0, "\xff");
    ck_assert_uint_eq(json_object_size(w), 1);
    json_decref(w);
}
END_TEST

/* ---- malformed input and limits ------------------------------------------------------------ */

START_TEST(truncated_zip)
{
    expect_fail("truncated.xlsx", NULL, ISM_E_INVALID_DATA, "not a readable XLSX file");
}
END_TEST

START_TEST(corrupt_entry)
{
    expect_fail("corrupt.xlsx", NULL, ISM_E_INVALID_DATA, "xl/worksheets/sheet1.xml");
}
END_TEST

START_TEST(zip_bomb_counted_while_inflating)
{
    ism_table_limits l = limits();
    l.max_entry_bytes = 1 << 20; /* declared 1000 bytes; inflates to 8 MiB */
    expect_fail("bomb.xlsx", &l, ISM_E_TOO_LARGE, "inflates past the limit max_entry_bytes");
    l = limits();
    l.max_total_bytes = 2 << 20;
    expect_fail("bomb.xlsx", &l, ISM_E_TOO_LARGE, "max_total_bytes");
    /* Under the default limits the lying header does no harm: the sheet reads. */
    ism_error err = {0};
    ism_workbook *wb = open_fixture("bomb.xlsx", NULL, &err);
    ck_assert_msg(wb != NULL, "%s", err.message);
    ck_assert_str_eq(ism_sheet_value(&wb->sheets[0], 1, 1), "1");
    ism_workbook_free(wb);
}
END_TEST

START_TEST(declared_sizes)
{
    ism_table_limits l = limits();
    l.max_entry_bytes = 600;
    expect_fail("questionnaire.xlsx", &l, ISM_E_TOO_LARGE, "over the limit max_entry_bytes=600");
    l = limits();
    l.max_total_bytes = 3000;
    expect_fail("questionnaire.xlsx", &l, ISM_E_TOO_LARGE, "max_total_bytes=3000");
}
END_TEST

START_TEST(too_many_rows)
{
    ism_table_limits l = limits();
    l.max_rows = 10;
    ism_error err = {0};
    ism_workbook *wb = open_fixture("rows.xlsx", &l, &err);
    ck_assert_ptr_null(wb);
    ck_assert_int_eq(err.code, ISM_E_TOO_LARGE);
    ck_assert_msg(strstr(err.message, "max_rows=10") && strstr(err.message, "row 11"), "%s",
                  err.message);
    json_t *d = json_array_get(err.details, 0);
    ck_assert_int_eq(json_integer_value(json_object_get(d, "row")), 11);
    ck_assert_str_eq(json_string_value(json_object_get(d, "sheet")), "Sheet1");
    ck_assert_str_eq(json_string_value(json_object_get(d, "part")), "xl/worksheets/sheet1.xml");
    ism_error_clear(&err);
    l.max_rows = 50;
    wb = open_fixture("rows.xlsx", &l, &err);
    ck_assert_ptr_nonnull(wb);
    ck_assert_uint_eq(wb->sheets[0].nrows, 50);
    ism_workbook_free(wb);
}
END_TEST

START_TEST(other_limits)
{
    ism_table_limits l = limits();
    l.max_cols = 3;
    expect_fail("questionnaire.xlsx", &l, ISM_E_TOO_LARGE, "column D: over the limit max_cols=3");
    l = limits();
    l.max_cells = 5;
    expect_fail("questionnaire.xlsx", &l, ISM_E_TOO_LARGE, "max_cells=5");
    l = limits();
    l.max_sheets = 2;
    expect_fail("questionnaire.xlsx", &l, ISM_E_TOO_LARGE, "max_sheets=2");
    l = limits();
    l.max_shared_strings = 3;
    expect_fail("questionnaire.xlsx", &l, ISM_E_TOO_LARGE, "max_shared_strings=3");
    l = limits();
    l.max_string_bytes = 10;
    expect_fail("questionnaire.xlsx", &l, ISM_E_TOO_LARGE, "max_string_bytes=10");
    l = limits();
    l.max_entries = 5;
    expect_fail("questionnaire.xlsx", &l, ISM_E_TOO_LARGE, "max_entries=5");
    l = limits();
    l.max_file_bytes = 100;
    expect_fail("questionnaire.xlsx", &l, ISM_E_TOO_LARGE, "max_file_bytes=100");
}
END_TEST

START_TEST(malformed_xml_names_part_and_line)
{
    expect_fail("badxml.xlsx", NULL, ISM_E_INVALID_DATA, "xl/worksheets/sheet2.xml: line 3:");
}
END_TEST

START_TEST(shared_string_without_part)
{
    ism_error err = {0};
    ism_workbook *wb = open_fixture("nosst.xlsx", NULL, &err);
    ck_assert_ptr_null(wb);
    ck_assert_int_eq(err.code, ISM_E_INVALID_DATA);
    ck_assert_msg(strstr(err.message, "no shared strings part") &&
                      strstr(err.message, "sheet Sheet1, row 3, column B"),
                  "%s", err.message);
    json_t *d = json_array_get(err.details, 0);
    ck_assert_str_eq(json_string_value(json_object_get(d, "column")), "B");
    ck_assert_str_eq(json_string_value(json_object_get(d, "file")), "nosst.xlsx");
    ism_error_clear(&err);
    expect_fail("missingsst.xlsx", NULL, ISM_E_INVALID_DATA, "missing part xl/sharedStrings.xml");
}
END_TEST

START_TEST(doctype_refused)
{
    int64_t t0 = ism_mono_ms();
    expect_fail("doctype.xlsx", NULL, ISM_E_INVALID_DATA, "DOCTYPE");
    ck_assert_int_lt(ism_mono_ms() - t0, 5000);
}
END_TEST

START_TEST(not_a_zip)
{
    static const unsigned char ole2[16] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
    ism_error err = {0};
    ck_assert_ptr_null(ism_xlsx_read_mem(ole2, sizeof ole2, "old.xls", NULL, &err));
    ck_assert_int_eq(err.code, ISM_E_INVALID_DATA);
    ck_assert_msg(strstr(err.message, "old.xls is an Excel 97-2003"), "%s", err.message);
    ism_error_clear(&err);
    ck_assert_ptr_null(ism_xlsx_read_mem("", 0, "/srv/secret/empty.xlsx", NULL, &err));
    ck_assert_int_eq(err.code, ISM_E_INVALID_DATA);
    ck_assert_ptr_null(strstr(err.message, "/srv/secret")); /* base name only */
    ism_error_clear(&err);
    ck_assert_ptr_null(ism_xlsx_read_mem("PK\3\4garbage", 11, "x.xlsx", NULL, &err));
    ck_assert_int_eq(err.code, ISM_E_INVALID_DATA);
    ism_error_clear(&err);
    char *path = fixture("no-such-file.xlsx");
    ck_assert_ptr_null(ism_xlsx_read_file(path, NULL, &err));
    ck_assert_int_eq(err.code, ISM_E_IO);
    ism_error_clear(&err);
    free(path);
}
END_TEST

START_TEST(sniffing_entry_point)
{
    ism_error err = {0};
    char *path = fixture("questionnaire.xlsx");
    ism_workbook *wb = ism_table_read_file(path, NULL, &err);
    free(path);
    ck_assert_ptr_nonnull(wb);
    ck_assert_int_eq(wb->format, ISM_TABLE_XLSX);
    ism_workbook_free(wb);
    path = fixture("cp932.csv");
    wb = ism_table_read_file(path, NULL, &err);
    free(path);
    ck_assert_ptr_nonnull(wb);
    ck_assert_int_eq(wb->format, ISM_TABLE_CSV);
    ism_workbook_free(wb);
}
END_TEST

/* Every prefix and thousands of random corruptions of a good workbook: the reader must
 * return a workbook or a clean error, never crash or leak (run under ASan in CI). */
START_TEST(damaged_never_crash)
{
    char *path = fixture("questionnaire.xlsx");
    size_t len = 0;
    ism_error err = {0};
    char *good = ism_read_file(path, 1 << 20, &len, &err);
    free(path);
    ck_assert_ptr_nonnull(good);
    char *buf = malloc(len);
    unsigned seed = 12345;
    int ok = 0, failed = 0;
    for (size_t cut = 0; cut < len; cut += 97) {
        ism_workbook *wb = ism_xlsx_read_mem(good, cut, "cut.xlsx", NULL, &err);
        wb ? ok++ : failed++;
        ck_assert(wb || err.code == ISM_E_INVALID_DATA || err.code == ISM_E_TOO_LARGE);
        ism_workbook_free(wb);
        ism_error_clear(&err);
    }
    for (int round = 0; round < 1500; round++) {
        memcpy(buf, good, len);
        int flips = 1 + round % 8;
        for (int i = 0; i < flips; i++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = (seed >> 8) % len;
            seed = seed * 1103515245u + 12345u;
            buf[at] = (char)(seed >> 16);
        }
        ism_workbook *wb = ism_xlsx_read_mem(buf, len, "fuzz.xlsx", NULL, &err);
        wb ? ok++ : failed++;
        ck_assert_msg(wb || err.code == ISM_E_INVALID_DATA || err.code == ISM_E_TOO_LARGE,
                      "round %d: %s %s", round, ism_code_name(err.code), err.message);
        if (!wb) {
            json_t *j = ism_error_to_json(&err);
            ck_assert_ptr_nonnull(j);
            json_decref(j);
        }
        ism_workbook_free(wb);
        ism_error_clear(&err);
    }
    ck_assert_int_gt(failed, 0);
    free(buf);
    free(good);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("xlsx");
    TCase *tc = tcase_create("reader");
    tcase_add_test(tc, sheets_in_tab_order);
    tcase_add_test(tc, shared_strings_rich_text_and_furigana);
    tcase_add_test(tc, empty_cells_are_not_stored);
    tcase_add_test(tc, merged_cells);
    tcase_add_test(tc, cell_types_and_formulas);
    tcase_add_test(tc, number_text);
    tcase_add_test(tc, hidden_rows);
    tcase_add_test(tc, header_repeated_on_second_sheet);
    tcase_add_test(tc, sniffing_entry_point);
    suite_add_tcase(s, tc);

    tc = tcase_create("dates");
    tcase_add_test(tc, date_cells);
    tcase_add_test(tc, date1904_system);
    tcase_add_test(tc, numfmt_kinds);
    tcase_add_test(tc, serials);
    tcase_add_test(tc, serial_edges);
    tcase_add_test(tc, references);
    suite_add_tcase(s, tc);

    tc = tcase_create("malformed");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, truncated_zip);
    tcase_add_test(tc, corrupt_entry);
    tcase_add_test(tc, zip_bomb_counted_while_inflating);
    tcase_add_test(tc, declared_sizes);
    tcase_add_test(tc, too_many_rows);
    tcase_add_test(tc, other_limits);
    tcase_add_test(tc, malformed_xml_names_part_and_line);
    tcase_add_test(tc, shared_string_without_part);
    tcase_add_test(tc, doctype_refused);
    tcase_add_test(tc, not_a_zip);
    tcase_add_test(tc, damaged_never_crash);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(suite());
}
