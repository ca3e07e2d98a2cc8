/* test_import_questionnaire.c — the 別紙 questionnaire importer: the same answers from XLSX
 * (two-row header, merged cells, repeated header, several sheets), CP932 and UTF-8 CSV and
 * JSON; the marks people type; the warnings a procurement officer needs; and malformed inputs,
 * each refused with a precise error while the evidence table stays exactly as it was. */
#include "ismap/catalog.h"
#include "ismap/evidence.h"
#include "ismap/store.h"
#include "evfix.h"
#include "testutil.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static ism_catalog_set *cats;
static char *dir;
static ism_store *st;
static char subj[64];

static void setup(void)
{
    dir = tu_tempdir("impq");
    st = tu_evidence_store(dir);
    tu_evidence_subject(st, "Hamanasu 住民記録クラウド", subj, sizeof subj);
}

static void teardown(void)
{
    ism_store_close(st);
    tu_rmtree(dir);
    free(dir);
}

static char *fixture(const char *name, size_t *len)
{
    char *p = ism_strdupf("%s/tests/fixtures/evidence/%s", tu_source_dir(), name);
    ism_error e = {0};
    char *d = ism_read_file(p, 64u << 20, len, &e);
    ck_assert_msg(d != NULL, "%s: %s", p, e.message);
    free(p);
    return d;
}

/* Every row of every evidence table with every column, as text. */
static json_t *import_mem(const char *name, const char *data, size_t len, const char *opts,
                          ism_error *e)
{
    json_t *o = opts ? json_loads(opts, 0, NULL) : NULL;
    char *files = ism_strdupf("%s/files", dir);
    ism_import_ctx ctx = {st, cats, subj, "", "test", name, data, len, o, files, "2025-09-01"};
    char *before = tu_evidence_scan(st);
    json_t *r = ism_import_questionnaire(&ctx, e);
    json_decref(o);
    free(files);
    /* Every refused input of this suite passes here: nothing may be left behind. */
    if (!r) {
        char *after = tu_evidence_scan(st);
        ck_assert_msg(!strcmp(before, after), "%s refused (%s) but the store changed", name,
                      e->message);
        free(after);
    }
    free(before);
    return r;
}

static json_t *import(const char *file, const char *opts, ism_error *e)
{
    size_t len;
    char *d = fixture(file, &len);
    json_t *r = import_mem(file, d, len, opts, e);
    free(d);
    return r;
}

/* Every row of the evidence table, as text: what "nothing was imported" is checked against. */
static char *table_dump(void)
{
    return tu_evidence_dump(st, "SELECT id||state||version FROM evidence");
}

static const json_t *row(const json_t *r, const char *no)
{
    const json_t *rows =
        json_object_get(json_object_get(json_object_get(r, "evidence"), "data"), "rows");
    size_t i;
    json_t *x;
    json_array_foreach(rows, i, x) if (!strcmp(ism_json_getstr(x, "no"), no)) return x;
    return NULL;
}

static bool has_warning(const json_t *r, const char *code, const char *text)
{
    size_t i;
    json_t *w;
    json_array_foreach(json_object_get(r, "warnings"), i,
                       w) if (!strcmp(ism_json_getstr(w, "code"), code) &&
                              (!text || strstr(ism_json_getstr(w, "message"), text))) return true;
    return false;
}

static json_int_t sum(const json_t *r, const char *key)
{
    return json_integer_value(json_object_get(json_object_get(r, "summary"), key));
}

/* The detail entry whose message contains text, or NULL. */
static const json_t *detail(const ism_error *e, const char *text)
{
    size_t i;
    json_t *d;
    json_array_foreach(
        e->details, i,
        d) if (strstr(ism_json_getstr(d, "message") ? ism_json_getstr(d, "message") : "",
                      text)) return d;
    return NULL;
}

/* ---- good inputs ------------------------------------------------------------------------------
 */

START_TEST(xlsx_complete)
{
    ism_error e = {0};
    json_t *r = import("questionnaire.xlsx", NULL, &e);
    ck_assert_msg(r != NULL, "%s", e.message);
    ck_assert_int_eq(sum(r, "rows"), 44);
    ck_assert_int_eq(sum(r, "yes"), 40);
    ck_assert_int_eq(sum(r, "no"), 3);
    ck_assert_int_eq(sum(r, "na"), 1);
    ck_assert_int_eq(sum(r, "no_without_alternative"), 1);
    ck_assert_str_eq(ism_json_getstr(json_object_get(r, "summary"), "confidentiality"), "3B");
    /* 4-3 typed into Excel became 4月3日: read back as the row, with a warning. */
    ck_assert_ptr_nonnull(row(r, "4-3"));
    ck_assert(has_warning(r, "number_as_date", "4-3"));
    /* The form's own mismatch: 5-17 says 確保すべき領域, the criteria 保つべき領域. */
    ck_assert(has_warning(r, "name_mismatch", "保つべき領域"));
    ck_assert(has_warning(r, "no_alternative", "5-25"));
    ck_assert(has_warning(r, "hidden_sheet", "作業用"));
    /* A 備考 spilling onto the next row (merged 項番) is joined. */
    const char *rem = ism_json_getstr(row(r, "5-17"), "remarks");
    ck_assert_ptr_nonnull(strstr(rem, "依拠する。\n同社のISMAP登録"));
    /* Rows on the second sheet and after the repeated header are read. */
    ck_assert_str_eq(ism_json_getstr(row(r, "5-37"), "answer"), "yes");
    ck_assert_str_eq(ism_json_getstr(row(r, "5-21"), "answer"), "yes");
    /* Marks as typed: 〇, O, ｏ, Ｏ, ✕, 該当なし. */
    ck_assert_str_eq(ism_json_getstr(row(r, "3-1"), "mark"), "〇");
    ck_assert_str_eq(ism_json_getstr(row(r, "5-18"), "answer"), "no");
    ck_assert_str_eq(ism_json_getstr(row(r, "5-3"), "answer"), "na");
    const json_t *ev = json_object_get(r, "evidence");
    ck_assert_str_eq(ism_json_getstr(json_object_get(ev, "source"), "name"), "questionnaire.xlsx");
    ck_assert_int_eq(strlen(ism_json_getstr(json_object_get(ev, "source"), "sha256")), 64);
    ck_assert_str_eq(ism_json_getstr(ev, "imported_by"), "test");
    json_decref(r);
}
END_TEST

/* XLSX, CP932 CSV, UTF-8 CSV with BOM and JSON say the same thing. */
START_TEST(formats_agree)
{
    static const char *const files[] = {"questionnaire.xlsx", "questionnaire_cp932.csv",
                                        "questionnaire_utf8.csv", "questionnaire.json"};
    json_t *first = NULL;
    for (int i = 0; i < 4; i++) {
        ism_error e = {0};
        json_t *r = import(files[i], NULL, &e);
        ck_assert_msg(r != NULL, "%s: %s", files[i], e.message);
        ck_assert_int_eq(
            json_integer_value(json_object_get(json_object_get(r, "evidence"), "version")), i + 1);
        json_t *answers = json_object();
        const json_t *rows =
            json_object_get(json_object_get(json_object_get(r, "evidence"), "data"), "rows");
        size_t k;
        json_t *x;
        json_array_foreach(rows, k, x)
            json_object_set(answers, ism_json_getstr(x, "no"), json_object_get(x, "answer"));
        if (!first)
            first = answers;
        else {
            ck_assert_msg(json_equal(first, answers), "%s answers differ", files[i]);
            json_decref(answers);
        }
        json_decref(r);
    }
    json_decref(first);
    /* Every version is kept; only the last is current. */
    ism_error e = {0};
    json_t *all = ism_evidence_list(st, subj, "questionnaire", true, "", &e);
    ck_assert_int_eq(json_array_size(all), 4);
    json_t *cur = ism_evidence_list(st, subj, "questionnaire", false, "", &e);
    ck_assert_int_eq(json_array_size(cur), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(cur, 0), "version")), 4);
    json_decref(all);
    json_decref(cur);
}
END_TEST

START_TEST(cp932_csv_details)
{
    ism_error e = {0};
    json_t *r = import("questionnaire_cp932.csv", NULL, &e);
    ck_assert_msg(r != NULL, "%s", e.message);
    const json_t *d = json_object_get(json_object_get(r, "evidence"), "data");
    ck_assert_str_eq(ism_json_getstr(d, "encoding"), "CP932");
    ck_assert_ptr_nonnull(
        strstr(ism_json_getstr(json_object_get(d, "row1"), "information"), "住民基本台帳"));
    ck_assert_str_eq(ism_json_getstr(json_object_get(d, "listing"), "answer"), "no");
    /* A remark a spreadsheet would run as a formula is kept as text (exports neutralize it). */
    ck_assert_str_eq(ism_json_getstr(row(r, "5-33"), "remarks"),
                     "=HYPERLINK(\"http://example.invalid/\",\"連絡窓口\")");
    json_decref(r);
}
END_TEST

START_TEST(listed_rows_need_no_answer)
{
    ism_error e = {0};
    json_t *r = import("questionnaire_listed.json", NULL, &e);
    ck_assert_msg(r != NULL, "%s", e.message);
    ck_assert_int_eq(sum(r, "unanswered"), 44);
    ck_assert(json_is_true(json_object_get(json_object_get(r, "summary"), "listing_claimed")));
    const json_t *l =
        json_object_get(json_object_get(json_object_get(r, "evidence"), "data"), "listing");
    ck_assert_str_eq(ism_json_getstr(l, "provider"), "（株）エービーシー");
    ck_assert_str_eq(ism_json_getstr(l, "list"), "ISMAP");
    json_decref(r);
}
END_TEST

/* Blank answers on a service that is not listed: refused, unless asked to accept a draft. */
START_TEST(blank_answers)
{
    size_t len;
    char *d = fixture("questionnaire.json", &len);
    json_t *j = json_loadb(d, len, 0, NULL);
    free(d);
    json_t *r12 = json_array_get(json_object_get(j, "rows"), 13);
    json_object_set_new(r12, "answer", json_string(""));
    char *text = json_dumps(j, 0);
    ism_error e = {0};
    char *before = table_dump();
    ck_assert_ptr_null(import_mem("draft.json", text, strlen(text), NULL, &e));
    ck_assert_int_eq(e.code, ISM_E_INVALID_DATA);
    ck_assert_ptr_nonnull(strstr(e.message, "has no answer"));
    char *after = table_dump();
    ck_assert_str_eq(before, after);
    ism_error_clear(&e);
    json_t *r = import_mem("draft.json", text, strlen(text), "{\"allow_blank\": true}", &e);
    ck_assert_msg(r != NULL, "%s", e.message);
    ck_assert_int_eq(sum(r, "unanswered"), 1);
    ck_assert(has_warning(r, "unanswered", NULL));
    json_decref(r);
    free(before), free(after), free(text);
    json_decref(j);
}
END_TEST

/* The ISMAP number column disagreeing with the catalog is a warning, not a rejection. */
START_TEST(number_mismatch_warns)
{
    const char *doc = "{\"rows\": [{\"no\":\"1\",\"confidentiality\":\"機密性２\"},"
                      "{\"no\":\"2\",\"answer\":\"×\"}]}";
    json_t *j = json_loads(doc, 0, NULL);
    json_t *cat = ism_catalog_items(cats, "ismap-questionnaire", "row", NULL, NULL);
    size_t i;
    json_t *it;
    json_array_foreach(cat, i, it)
    {
        const char *no = ism_json_getstr(it, "id");
        if (!strcmp(no, "1") || !strcmp(no, "2")) continue;
        json_array_append_new(json_object_get(j, "rows"),
                              json_pack("{s:s, s:s, s:s}", "no", no, "answer", "○", "ismap_no",
                                        !strcmp(no, "5-4") ? "6.4" : ""));
    }
    char *text = json_dumps(j, 0);
    ism_error e = {0};
    json_t *r = import_mem("q.json", text, strlen(text), NULL, &e);
    ck_assert_msg(r != NULL, "%s", e.message);
    ck_assert(has_warning(r, "ismap_number_mismatch", "6.3.P"));
    ck_assert_str_eq(ism_json_getstr(json_object_get(r, "summary"), "confidentiality"), "2");
    json_decref(r);
    free(text);
    json_decref(cat);
    json_decref(j);
}
END_TEST

/* ---- the 別紙 as printed (seed 004's layouts) ---------------------------------------------------
 */

/* The answers of an import, {no: answer}. New reference. */
static json_t *answers_of(const json_t *r)
{
    json_t *answers = json_object();
    const json_t *rows =
        json_object_get(json_object_get(json_object_get(r, "evidence"), "data"), "rows");
    size_t k;
    json_t *x;
    json_array_foreach(rows, k, x)
        json_object_set(answers, ism_json_getstr(x, "no"), json_object_get(x, "answer"));
    return answers;
}

/* Row 1 and row 2 under their own header rows, rows from 3 on under the captioned section
 * header (no 項番 heading) printed again at a page break, and the criteria appendix after the
 * form: XLSX with merged cells, UTF-8 with BOM and CP932 read alike, and like the flat form. */
START_TEST(printed_form_answered)
{
    static const char *const files[] = {"form_answered.xlsx", "form_answered_utf8.csv",
                                        "form_answered_cp932.csv"};
    ism_error e = {0};
    json_t *flat = import("questionnaire_utf8.csv", NULL, &e);
    ck_assert_msg(flat != NULL, "%s", e.message);
    json_t *want = answers_of(flat);
    for (int i = 0; i < 3; i++) {
        json_t *r = import(files[i], NULL, &e);
        ck_assert_msg(r != NULL, "%s: %s", files[i], e.message);
        ck_assert_int_eq(sum(r, "rows"), 44);
        ck_assert_int_eq(sum(r, "no"), 3);
        ck_assert_int_eq(sum(r, "na"), 1);
        ck_assert_str_eq(ism_json_getstr(json_object_get(r, "summary"), "confidentiality"), "3B");
        const json_t *d = json_object_get(json_object_get(r, "evidence"), "data");
        ck_assert_ptr_nonnull(
            strstr(ism_json_getstr(json_object_get(d, "row1"), "information"), "住民基本台帳"));
        ck_assert_str_eq(ism_json_getstr(json_object_get(d, "listing"), "answer"), "no");
        json_t *got = answers_of(r);
        ck_assert_msg(json_equal(want, got), "%s: answers differ from the flat form", files[i]);
        /* The ISMAP columns are read as such, after the page-break header too. */
        ck_assert_str_eq(ism_json_getstr(row(r, "5-1"), "ismap_no"), "5.1");
        ck_assert_str_eq(ism_json_getstr(row(r, "5-37"), "ismap_no"), "18.2");
        ck_assert_str_eq(ism_json_getstr(row(r, "5-8"), "ismap_name"), "資産に対する責任");
        ck_assert_ptr_nonnull(strstr(ism_json_getstr(row(r, "5-22"), "remarks"), "1年間保存"));
        ck_assert(!has_warning(r, "ismap_number_mismatch", NULL));
        json_decref(got);
        json_decref(r);
    }
    json_decref(want);
    json_decref(flat);
}
END_TEST

/* Row 2 ○ with the listed service in 採用クラウドサービス企業 / 名称 / ISMAP or ISMAP-LIU, each
 * cell still carrying the form's prompt; rows from 3 on left blank. */
START_TEST(printed_form_listed)
{
    static const char *const files[] = {"form_listed.xlsx", "form_listed_cp932.csv"};
    for (int i = 0; i < 2; i++) {
        ism_error e = {0};
        json_t *r = import(files[i], NULL, &e);
        ck_assert_msg(r != NULL, "%s: %s", files[i], e.message);
        ck_assert_int_eq(sum(r, "unanswered"), 44);
        ck_assert(json_is_true(json_object_get(json_object_get(r, "summary"), "listing_claimed")));
        ck_assert_str_eq(ism_json_getstr(json_object_get(r, "summary"), "confidentiality"), "3C");
        const json_t *l =
            json_object_get(json_object_get(json_object_get(r, "evidence"), "data"), "listing");
        ck_assert_str_eq(ism_json_getstr(l, "provider"), "（株）エービーシー");
        ck_assert_str_eq(ism_json_getstr(l, "service"), "ＡＢＣ クラウド　プラットフォーム");
        ck_assert_str_eq(ism_json_getstr(l, "list"), "ISMAP");
        ck_assert(!has_warning(r, "list_not_stated", NULL));
        json_decref(r);
    }
}
END_TEST

/* Row 2 ○ with the service name left at the form's prompt: refused, quoting the 採用クラウド
 * サービス名称 cell and naming its column. */
START_TEST(printed_form_listed_without_name)
{
    size_t len;
    char *d = fixture("form_listed_cp932.csv", &len);
    /* "クラウドサービス名：ＡＢＣ クラウド　プラットフォーム" → "クラウドサービス名：" */
    size_t tlen = 0;
    ism_error e = {0};
    ism_text_encoding enc;
    char *text = ism_text_decode(d, len, ISM_ENC_CP932, "form.csv", &enc, &tlen, &e);
    ck_assert_msg(text != NULL, "%s", e.message);
    free(d);
    char *at = strstr(text, "クラウドサービス名：ＡＢＣ");
    ck_assert_ptr_nonnull(at);
    char *end = strchr(at, ',');
    memmove(at + strlen("クラウドサービス名："), end, strlen(end) + 1);
    char *before = table_dump();
    ck_assert_ptr_null(import_mem("form.csv", text, strlen(text), NULL, &e));
    const json_t *p = detail(&e, "does not name the listed service");
    ck_assert_msg(p != NULL, "%s", e.message);
    ck_assert_str_eq(ism_json_getstr(p, "column"), "F");
    ck_assert_str_eq(ism_json_getstr(p, "value"), "クラウドサービス名：");
    ck_assert_ptr_nonnull(strstr(ism_json_getstr(p, "message"), "service"));
    char *after = table_dump();
    ck_assert_str_eq(before, after);
    free(before), free(after), free(text);
    ism_error_clear(&e);
}
END_TEST

/* ---- malformed inputs: precise errors, nothing stored -----------------------------------------
 */

typedef struct bad {
    const char *file, *opts;
    ism_code code;
    const char *message; /* in the error message */
    const char *detail;  /* in some detail's message, or NULL */
    const char *column;  /* that detail's column, or NULL */
} bad;

static const bad bads[] = {
    {"bad_truncated.xlsx", NULL, ISM_E_INVALID_DATA, "zip", NULL, NULL},
    {"bad_bomb.xlsx", NULL, ISM_E_TOO_LARGE, "max_entry_bytes", NULL, NULL},
    {"bad_huge.xlsx", NULL, ISM_E_TOO_LARGE, "max_rows", NULL, NULL},
    {"bad_formula.xlsx", NULL, ISM_E_INVALID_DATA, "formula", "paste it as values", "D"},
    {"bad_eucjp.csv", NULL, ISM_E_INVALID_DATA, "CP932", NULL, NULL},
    {"questionnaire_cp932.csv", "{\"encoding\": \"utf-8\"}", ISM_E_INVALID_DATA, "UTF-8", NULL,
     NULL},
    {"bad_duplicate.csv", NULL, ISM_E_INVALID_DATA, "appears twice", "row 5-12 appears twice", "A"},
    {"bad_missing_column.csv", NULL, ISM_E_INVALID_DATA, "missing column 適合状況", NULL, NULL},
    {"bad_unknown_row.csv", NULL, ISM_E_INVALID_DATA, "problems", "unknown row 5-38", "A"},
    {"bad_unknown_row.csv", NULL, ISM_E_INVALID_DATA, "problems", "'✓' is not an answer", "D"},
    {"contract.pdf", NULL, ISM_E_INVALID_DATA, "", NULL, NULL},
};

START_TEST(malformed)
{
    const bad *b = &bads[_i];
    ism_error e = {0};
    /* A good import first, so "unchanged" means the table holds something. */
    json_t *good = import("questionnaire.json", NULL, &e);
    ck_assert_msg(good != NULL, "%s", e.message);
    json_decref(good);
    char *before = table_dump();
    json_t *r = import(b->file, b->opts, &e);
    ck_assert_msg(r == NULL, "%s was accepted", b->file);
    ck_assert_msg(e.code == b->code, "%s: code %s: %s", b->file, ism_code_name(e.code), e.message);
    ck_assert_msg(strstr(e.message, b->message), "%s: message '%s'", b->file, e.message);
    if (b->detail) {
        const json_t *d = detail(&e, b->detail);
        ck_assert_msg(d != NULL, "%s: no detail '%s' in: %s", b->file, b->detail, e.message);
        ck_assert_str_eq(ism_json_getstr(d, "file"), b->file);
        ck_assert(json_integer_value(json_object_get(d, "row")) > 0);
        if (b->column) ck_assert_str_eq(ism_json_getstr(d, "column"), b->column);
        ck_assert_ptr_nonnull(ism_json_getstr(d, "value"));
    }
    char *after = table_dump();
    ck_assert_str_eq(before, after);
    free(before);
    free(after);
    ism_error_clear(&e);
}
END_TEST

START_TEST(json_problems)
{
    ism_error e = {0};
    const char *t1 = "{\"rows\": [{\"no\": \"5-1\", \"answr\": \"○\"}], \"extra\": 1}";
    ck_assert_ptr_null(import_mem("q.json", t1, strlen(t1), NULL, &e));
    ck_assert_ptr_nonnull(detail(&e, "unknown field 'answr'"));
    ck_assert_ptr_nonnull(detail(&e, "unknown top-level field 'extra'"));
    ck_assert_ptr_nonnull(detail(&e, "row 1 is missing"));
    ism_error_clear(&e);
    const char *t2 = "{\"rows\": [";
    ck_assert_ptr_null(import_mem("q.json", t2, strlen(t2), NULL, &e));
    ck_assert_ptr_nonnull(strstr(e.message, "not valid JSON"));
    ism_error_clear(&e);
}
END_TEST

/* The original bytes are kept content-addressed, once per content. */
START_TEST(original_kept)
{
    ism_error e = {0};
    json_t *r = import("questionnaire.json", NULL, &e);
    json_t *r2 = import("questionnaire.json", NULL, &e);
    const char *sha =
        ism_json_getstr(json_object_get(json_object_get(r, "evidence"), "source"), "sha256");
    char *path = ism_strdupf("%s/files/%.2s/%s", dir, sha, sha);
    size_t len, flen;
    char *kept = ism_read_file(path, 1 << 20, &len, &e);
    char *orig = fixture("questionnaire.json", &flen);
    ck_assert_msg(kept != NULL, "%s", e.message);
    ck_assert_uint_eq(len, flen);
    ck_assert(memcmp(kept, orig, len) == 0);
    free(kept), free(orig), free(path);
    json_decref(r);
    json_decref(r2);
}
END_TEST

int main(void)
{
    cats = tu_catalogs();
    if (!cats) return 1;
    Suite *s = suite_create("import_questionnaire");
    TCase *tc = tcase_create("questionnaire");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, xlsx_complete);
    tcase_add_test(tc, formats_agree);
    tcase_add_test(tc, cp932_csv_details);
    tcase_add_test(tc, listed_rows_need_no_answer);
    tcase_add_test(tc, blank_answers);
    tcase_add_test(tc, number_mismatch_warns);
    tcase_add_test(tc, printed_form_answered);
    tcase_add_test(tc, printed_form_listed);
    tcase_add_test(tc, printed_form_listed_without_name);
    tcase_add_loop_test(tc, malformed, 0, (int)(sizeof bads / sizeof bads[0]));
    tcase_add_test(tc, json_problems);
    tcase_add_test(tc, original_kept);
    suite_add_tcase(s, tc);
    int failed = tu_run_suite(s);
    ism_catalog_free(cats);
    return failed;
}
