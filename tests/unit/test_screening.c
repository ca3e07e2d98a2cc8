/* test_screening.c — the procurement verdict: listed and valid (by the subject's names or by
 * questionnaire row 2), the 152 must-meet items met / unmet / alternative / lacking evidence
 * from the answers and from independent evidence alone, the warnings an officer must see, and
 * the CSV, XLSX (read back with our own reader) and JSON exports. */
#include "ismap/catalog.h"
#include "ismap/evidence.h"
#include "ismap/report.h"
#include "ismap/store.h"
#include "evfix.h"
#include "testutil.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#define TODAY "2025-09-01"

static ism_catalog_set *cats;
static char *dir;
static ism_store *st;

static char *new_subject(const char *org, const char *name, const char *provider,
                         const char *service)
{
    ism_error e = {0};
    json_t *spec = json_pack("{s:s, s:s, s:s, s:s?}", "kind", "service", "name", name, "provider",
                             provider, "service_name", service);
    json_t *s = ism_subject_create(st, org, spec, "test", &e);
    ck_assert_msg(s != NULL, "%s", e.message);
    char *id = strdup(ism_json_getstr(s, "id"));
    json_decref(s);
    json_decref(spec);
    return id;
}

static void import_bytes(const char *kind, const char *subject, const char *org, const char *name,
                         const char *data, size_t len)
{
    const ism_importer *im = ism_importer_find(kind);
    ism_error e = {0};
    ism_import_ctx ctx = {
        st,   cats, im->needs_subject ? subject : NULL, org, "test", name, data, len, NULL,
        NULL, TODAY};
    json_t *r = im->fn(&ctx, &e);
    ck_assert_msg(r != NULL, "%s: %s", name, e.message);
    json_decref(r);
}

static void import(const char *kind, const char *subject, const char *file)
{
    char *p = ism_strdupf("%s/tests/fixtures/evidence/%s", tu_source_dir(), file);
    ism_error e = {0};
    size_t len;
    char *d = ism_read_file(p, 64u << 20, &len, &e);
    ck_assert_msg(d != NULL, "%s", e.message);
    import_bytes(kind, subject, "", file, d, len);
    free(d);
    free(p);
}

static char *hamanasu;

static void setup(void)
{
    dir = tu_tempdir("scr");
    char *p = tu_store_location(dir);
    ism_error e = {0};
    st = ism_store_open_with(p, ism_evidence_schema(), 1, &e);
    ck_assert_msg(st != NULL, "%s", e.message);
    free(p);
    import("ismap-list", NULL, "ismap_list.csv");
    hamanasu = new_subject("", "住民記録クラウド", "はまなすクラウド株式会社",
                           "Hamanasu 住民記録クラウド");
}

static void teardown(void)
{
    free(hamanasu);
    ism_store_close(st);
    tu_rmtree(dir);
    free(dir);
}

static void import_all(const char *subject, bool questionnaire)
{
    if (questionnaire) import("questionnaire", subject, "questionnaire_cp932.csv");
    import("soc2", subject, "soc2_type2.json");
    import("iso-cert", subject, "iso27001_2022.json");
    import("iso-cert", subject, "iso27017.xlsx");
    import("soa", subject, "soa_2022.csv");
    import("soa", subject, "soa_27017.json");
    import("caiq", subject, "caiq.csv");
}

static json_t *screen(const char *subject, const char *today)
{
    ism_error e = {0};
    json_t *s = ism_screening(st, cats, subject, "", today, &e);
    ck_assert_msg(s != NULL, "%s", e.message);
    return s;
}

static json_int_t mm(const json_t *s, const char *k)
{
    return json_integer_value(
        json_object_get(json_object_get(json_object_get(s, "verdict"), "must_meet"), k));
}

static const json_t *row(const json_t *s, const char *no)
{
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(s, "rows"), i,
                       r) if (!strcmp(ism_json_getstr(r, "no"), no)) return r;
    return NULL;
}

static const json_t *item(const json_t *s, const char *id)
{
    size_t i, j;
    json_t *r, *it;
    json_array_foreach(json_object_get(s, "rows"), i, r) json_array_foreach(
        json_object_get(r, "items"), j, it) if (!strcmp(ism_json_getstr(it, "id"), id)) return it;
    return NULL;
}

static bool warned(const json_t *s, const char *code)
{
    size_t i;
    json_t *w;
    json_array_foreach(json_object_get(s, "warnings"), i,
                       w) if (!strcmp(ism_json_getstr(w, "code"), code)) return true;
    return false;
}

static const char *verdict_of(const json_t *s, const char *id)
{
    const json_t *it = item(s, id);
    ck_assert_msg(it != NULL, "no item %s", id);
    return ism_json_getstr(it, "verdict");
}

START_TEST(not_listed_with_answers)
{
    import_all(hamanasu, true);
    json_t *s = screen(hamanasu, TODAY);
    const json_t *v = json_object_get(s, "verdict");
    ck_assert_str_eq(ism_json_getstr(v, "decision"), "unmet_requirements");
    ck_assert_str_eq(ism_json_getstr(json_object_get(s, "listing"), "status"), "not_listed");
    ck_assert_int_eq(mm(s, "total"), 152);
    ck_assert_int_eq(mm(s, "unmet"), 1);
    ck_assert_int_eq(mm(s, "alternative"), 18);
    ck_assert_int_eq(mm(s, "met"), 133);
    ck_assert_int_eq(mm(s, "no_evidence"), 0);
    ck_assert_ptr_nonnull(strstr(ism_json_getstr(v, "summary"), "1 unmet"));
    /* What is unmet, and why. */
    const json_t *u = json_array_get(json_object_get(s, "unmet"), 0);
    ck_assert_str_eq(ism_json_getstr(u, "id"), "12.7.1");
    ck_assert_str_eq(ism_json_getstr(u, "row"), "5-25");
    ck_assert_str_eq(ism_json_getstr(row(s, "5-25"), "verdict"), "unmet");
    ck_assert_str_eq(ism_json_getstr(row(s, "5-17"), "verdict"), "alternative");
    ck_assert_str_eq(ism_json_getstr(row(s, "5-3"), "verdict"), "alternative");
    ck_assert_str_eq(ism_json_getstr(row(s, "3-1"), "verdict"), "met");
    ck_assert_int_eq(json_array_size(json_object_get(s, "rows")), 46);
    ck_assert_int_eq(json_array_size(json_object_get(row(s, "5-18"), "items")), 10);
    /* What the evidence says: a ○ with SOC 2 exceptions behind it carries the concern. */
    const json_t *it = item(s, "9.2.1");
    ck_assert_str_eq(ism_json_getstr(it, "verdict"), "met");
    ck_assert_ptr_nonnull(
        strstr(json_string_value(json_array_get(json_object_get(it, "concerns"), 0)), "CC6.2"));
    size_t kinds = 0, i;
    json_t *e;
    json_array_foreach(json_object_get(it, "evidence"), i, e) kinds |=
        !strcmp(ism_json_getstr(e, "kind"), "soa")             ? 1
        : !strcmp(ism_json_getstr(e, "kind"), "soc2")          ? 2
        : !strcmp(ism_json_getstr(e, "kind"), "questionnaire") ? 4
                                                               : 0;
    ck_assert_int_eq(kinds, 7);
    ck_assert(warned(s, "carve_out"));
    ck_assert(warned(s, "name_mismatch"));
    ck_assert(warned(s, "no_alternative"));
    ck_assert_int_eq(json_array_size(json_object_get(s, "customer_duties")), 7);
    ck_assert_int_eq(json_array_size(json_object_get(s, "documents")), 7);
    json_decref(s);
}
END_TEST

/* No questionnaire: independent evidence alone decides, and what it does not cover lacks
 * evidence. */
START_TEST(evidence_without_answers)
{
    import_all(hamanasu, false);
    json_t *s = screen(hamanasu, TODAY);
    ck_assert_str_eq(verdict_of(s, "9.2.1"), "met");          /* SoA A.5.16 implemented */
    ck_assert_str_eq(verdict_of(s, "11.1.1"), "unmet");       /* SoA excludes A.7.1 */
    ck_assert_str_eq(verdict_of(s, "6.3.1.P"), "met");        /* 27017 SoA CLD.6.3.1 */
    ck_assert_str_eq(verdict_of(s, "14.2.1"), "no_evidence"); /* A.8.25 only partly done */
    /* The SoA's exclusion outweighs a SOC 2 test that touches the same item. */
    ck_assert_str_eq(verdict_of(s, "11.1.4"), "unmet");
    ck_assert_int_eq(mm(s, "met") + mm(s, "unmet") + mm(s, "alternative") + mm(s, "no_evidence"),
                     152);
    ck_assert(json_array_size(json_object_get(s, "lacking_evidence")) > 0);
    ck_assert_str_eq(ism_json_getstr(json_object_get(s, "verdict"), "decision"),
                     "unmet_requirements");
    /* Two years on, the certificates and the report no longer count. */
    json_t *later = screen(hamanasu, "2027-09-01");
    ck_assert_str_eq(verdict_of(later, "9.2.1"), "no_evidence");
    ck_assert_int_eq(mm(later, "met"), 0);
    ck_assert(warned(later, "expired"));
    ck_assert(warned(later, "stale"));
    json_decref(later);
    json_decref(s);
}
END_TEST

START_TEST(listed_by_subject_names)
{
    char *id =
        new_subject("", "Example IaaS 基盤", "エグザンプル・クラウド 株式会社", "Example　IaaS");
    json_t *s = screen(id, TODAY);
    const json_t *v = json_object_get(s, "verdict");
    ck_assert_str_eq(ism_json_getstr(v, "decision"), "listed");
    ck_assert(json_is_true(json_object_get(v, "listed_valid")));
    ck_assert_int_eq(mm(s, "not_required"), 152);
    ck_assert_str_eq(ism_json_getstr(row(s, "3-1"), "verdict"), "not_required");
    ck_assert_str_eq(ism_json_getstr(row(s, "2"), "verdict"), "met");
    ck_assert_str_eq(ism_json_getstr(json_object_get(s, "listing"), "valid_until"), "2026-07-31");
    json_decref(s);
    /* After the registration lapses, the rows need answers again, and there are none. */
    s = screen(id, "2026-08-01");
    ck_assert_str_eq(ism_json_getstr(json_object_get(s, "listing"), "status"), "expired");
    ck_assert_str_eq(ism_json_getstr(json_object_get(s, "verdict"), "decision"), "incomplete");
    ck_assert_int_eq(mm(s, "no_evidence"), 152);
    json_decref(s);
    free(id);
}
END_TEST

START_TEST(listed_by_row_2)
{
    char *id = new_subject("", "ABC勤怠", "ABC", NULL);
    import("questionnaire", id, "questionnaire_listed.json");
    json_t *s = screen(id, TODAY);
    ck_assert_str_eq(ism_json_getstr(json_object_get(s, "verdict"), "decision"), "listed");
    ck_assert_str_eq(ism_json_getstr(json_object_get(s, "listing"), "reg_no"), "C23-0155-2");
    json_decref(s);
    /* Row 2 still claims the listing after it lapsed: the officer is told. */
    s = screen(id, "2026-11-01");
    ck_assert_str_eq(ism_json_getstr(json_object_get(s, "listing"), "status"), "expired");
    ck_assert(warned(s, "listing_claim"));
    ck_assert_str_eq(ism_json_getstr(json_object_get(s, "verdict"), "decision"), "incomplete");
    json_decref(s);
    free(id);
}
END_TEST

/* A subject named like a listed service does not override the provider's own × in row 2:
 * the screening says they conflict and judges the answers. */
START_TEST(subject_name_does_not_override_row_2)
{
    char *id =
        new_subject("", "Example IaaS 調達", "エグザンプル・クラウド株式会社", "Example IaaS");
    import("questionnaire", id, "questionnaire_cp932.csv"); /* row 2 ×, every row answered */
    json_t *s = screen(id, TODAY);
    const json_t *v = json_object_get(s, "verdict");
    ck_assert_str_eq(ism_json_getstr(v, "decision"), "unmet_requirements");
    ck_assert(json_is_false(json_object_get(v, "listed_valid")));
    ck_assert_int_eq(mm(s, "not_required"), 0);
    ck_assert_int_eq(mm(s, "unmet"), 1);
    ck_assert(warned(s, "listing_conflict"));
    ck_assert_ptr_nonnull(
        strstr(ism_json_getstr(json_object_get(s, "listing"), "conflict"), "C23-0101-1"));
    json_decref(s);
    free(id);
}
END_TEST

/* Row 2 ○ naming another listed service than the subject's: a conflict, not a listing. */
START_TEST(row_2_names_another_service)
{
    char *id =
        new_subject("", "Example IaaS 調達2", "エグザンプル・クラウド株式会社", "Example IaaS");
    import("questionnaire", id, "questionnaire_listed.json"); /* names ＡＢＣ クラウド */
    json_t *s = screen(id, TODAY);
    ck_assert_str_ne(ism_json_getstr(json_object_get(s, "verdict"), "decision"), "listed");
    ck_assert(warned(s, "listing_conflict"));
    ck_assert_str_eq(ism_json_getstr(json_object_get(s, "listing"), "reg_no"), "C23-0155-2");
    json_decref(s);
    free(id);
}
END_TEST

START_TEST(liu_for_3b_information)
{
    char *id = new_subject("", "勤怠", "ミナトソフト", NULL);
    json_t *j = json_pack("{s:[{s:s, s:s}, {s:s, s:s, s:s, s:s}]}", "rows", "no", "1",
                          "confidentiality", "3B", "no", "2", "answer", "○", "provider",
                          "ミナトソフト株式会社", "service", "ミナト勤怠SaaS");
    json_t *cat = ism_catalog_items(cats, "ismap-questionnaire", "row", NULL, NULL);
    size_t i;
    json_t *it;
    json_array_foreach(cat, i, it) if (strchr(ism_json_getstr(it, "id"), '-'))
        json_array_append_new(json_object_get(j, "rows"),
                              json_pack("{s:s}", "no", ism_json_getstr(it, "id")));
    char *t = json_dumps(j, 0);
    import_bytes("questionnaire", id, "", "q.json", t, strlen(t));
    json_t *s = screen(id, TODAY);
    ck_assert_str_eq(ism_json_getstr(json_object_get(s, "listing"), "list"), "ISMAP-LIU");
    ck_assert(warned(s, "liu_3b"));
    /* LIU covers low-impact use only: with 機密性3B it does not decide listed, and says why. */
    ck_assert_str_ne(ism_json_getstr(json_object_get(s, "verdict"), "decision"), "listed");
    ck_assert(json_is_false(json_object_get(json_object_get(s, "verdict"), "listed_valid")));
    ck_assert_ptr_nonnull(
        strstr(ism_json_getstr(json_object_get(s, "listing"), "not_sufficient"), "3B"));
    ck_assert_str_ne(ism_json_getstr(row(s, "3-1"), "verdict"), "not_required");
    ck_assert_int_eq(mm(s, "not_required"), 0);
    json_decref(s);
    free(t);
    json_decref(cat);
    json_decref(j);
    free(id);
}
END_TEST

START_TEST(scoping_and_params)
{
    ism_error e = {0};
    ck_assert_ptr_null(ism_screening(st, cats, "nobody", "", TODAY, &e));
    ck_assert_int_eq(e.code, ISM_E_NOT_FOUND);
    ism_error_clear(&e);
    ck_assert_ptr_null(ism_screening(st, cats, hamanasu, "", "2025-13-01", &e));
    ck_assert_int_eq(e.code, ISM_E_INVALID_PARAMS);
    ism_error_clear(&e);
    char *city = new_subject("city", "city-svc", "P", "S");
    ck_assert_ptr_null(ism_screening(st, cats, city, "town", TODAY, &e));
    ck_assert_int_eq(e.code, ISM_E_NOT_FOUND);
    ism_error_clear(&e);
    json_t *s = ism_screening(st, cats, city, "city", TODAY, &e);
    ck_assert_ptr_nonnull(s);
    json_decref(s);
    free(city);
}
END_TEST

/* ---- exports ------------------------------------------------------------------------------------
 */

START_TEST(export_csv)
{
    import_all(hamanasu, true);
    json_t *s = screen(hamanasu, TODAY);
    char *out;
    size_t len;
    ism_error e = {0};
    ck_assert(ism_screening_export(s, ISM_SCREENING_CSV, NULL, &out, &len, &e));
    ck_assert(len > 3 && !memcmp(out, "\xEF\xBB\xBF", 3));
    /* The provider's =HYPERLINK(...) remark is neutralized, never a bare formula. */
    ck_assert_ptr_nonnull(strstr(out, "\"'=HYPERLINK("));
    ck_assert_ptr_null(strstr(out, "\"=HYPERLINK("));
    ism_workbook *wb = ism_csv_read_mem(out, len, "screening.csv", NULL, NULL, &e);
    ck_assert_msg(wb != NULL, "%s", e.message);
    const ism_sheet *sh = &wb->sheets[0];
    ck_assert_str_eq(ism_sheet_value(sh, 1, 2), "項番");
    /* 46 rows + 152 items + the header. */
    ck_assert_uint_eq(sh->nrows, 46 + 152 + 1);
    bool found = false, name = false, row1 = false, row2 = false;
    for (size_t i = 0; i < sh->nrows; i++) {
        const ism_row *r = &sh->rows[i];
        bool is_row = !strcmp(ism_row_value(r, 1), "別紙");
        if (is_row && !strcmp(ism_row_value(r, 2), "5-25"))
            found =
                !strcmp(ism_row_value(r, 10), "unmet") && !strcmp(ism_row_value(r, 9), "不適合");
        /* The ISMAP管理基準 項目名 column is filled from the criteria. */
        if (is_row && !strcmp(ism_row_value(r, 2), "5-1"))
            name = !strcmp(ism_row_value(r, 7), "情報セキュリティのための経営陣の方向性");
        /* Rows 1 and 2 carry what the provider wrote. */
        if (is_row && !strcmp(ism_row_value(r, 2), "1"))
            row1 = !strcmp(ism_row_value(r, 5), "機密性3B") &&
                   strstr(ism_row_value(r, 6), "住民基本台帳") != NULL;
        if (is_row && !strcmp(ism_row_value(r, 2), "2")) row2 = !strcmp(ism_row_value(r, 5), "×");
        /* Every line says whom, when and what was decided. */
        if (i > 0) {
            ck_assert_str_eq(ism_row_value(r, 13), "住民記録クラウド");
            ck_assert_str_eq(ism_row_value(r, 15), TODAY);
            ck_assert_str_eq(ism_row_value(r, 16), "不適合あり");
            ck_assert_str_eq(ism_row_value(r, 17), "unmet_requirements");
        }
    }
    ck_assert(found);
    ck_assert(name);
    ck_assert(row1);
    ck_assert(row2);
    ck_assert_str_eq(ism_sheet_value(sh, 1, 13), "対象");
    ism_workbook_free(wb);
    free(out);
    json_decref(s);
}
END_TEST

START_TEST(export_xlsx_reads_back)
{
    import_all(hamanasu, true);
    json_t *s = screen(hamanasu, TODAY);
    char *out;
    size_t len;
    ism_error e = {0};
    ck_assert_msg(ism_screening_export(s, ISM_SCREENING_XLSX, dir, &out, &len, &e), "%s",
                  e.message);
    ism_workbook *wb = ism_xlsx_read_mem(out, len, "screening.xlsx", NULL, &e);
    ck_assert_msg(wb != NULL, "%s", e.message);
    ck_assert_ptr_nonnull(ism_workbook_sheet(wb, "判定概要"));
    const ism_sheet *form = ism_workbook_sheet(wb, "別紙");
    const ism_sheet *items = ism_workbook_sheet(wb, "必須管理策");
    const ism_sheet *docs = ism_workbook_sheet(wb, "証跡");
    ck_assert(form && items && docs);
    ck_assert_str_eq(ism_sheet_value(form, 1, 1), "項番");
    ck_assert_str_eq(ism_sheet_value(form, 1, 8), "判定");
    ck_assert_uint_eq(form->nrows, 47);
    ck_assert_uint_eq(items->nrows, 153);
    ck_assert_uint_eq(docs->nrows, 8);
    bool unmet = false, neutral = false;
    for (uint32_t r = 2; r <= 47; r++) {
        if (!strcmp(ism_sheet_value(form, r, 1), "5-25"))
            unmet = !strcmp(ism_sheet_value(form, r, 8), "不適合");
        if (!strcmp(ism_sheet_value(form, r, 1), "5-33"))
            neutral = !strncmp(ism_sheet_value(form, r, 5), "'=HYPERLINK", 11);
    }
    ck_assert(unmet);
    ck_assert(neutral);
    ck_assert_str_eq(ism_sheet_value(items, 2, 1), "5.1.1");
    /* Japanese first: the decision and the standings of the evidence. */
    const ism_sheet *sum = ism_workbook_sheet(wb, "判定概要");
    ck_assert_str_eq(ism_sheet_value(sum, 6, 1), "判定 decision");
    ck_assert_str_eq(ism_sheet_value(sum, 6, 2), "不適合あり（unmet_requirements）");
    ck_assert_ptr_nonnull(strstr(ism_sheet_value(sum, 7, 2), "ISMAP未登録"));
    bool ja_standing = false;
    for (uint32_t r = 2; r <= docs->nrows; r++)
        ja_standing |= !strcmp(ism_sheet_value(docs, r, 4), "裏付けあり");
    ck_assert(ja_standing);
    for (uint32_t r = 2; r <= 47; r++)
        if (!strcmp(ism_sheet_value(form, r, 1), "5-1"))
            ck_assert_str_eq(ism_sheet_value(form, r, 6), "情報セキュリティのための経営陣の方向性");
    ism_workbook_free(wb);
    free(out);
    json_decref(s);
}
END_TEST

/* A cell longer than Excel holds is cut with a visible marker, and the summary says so. */
START_TEST(export_xlsx_long_cell)
{
    import_all(hamanasu, true);
    json_t *s = screen(hamanasu, TODAY);
    size_t i;
    json_t *r;
    char *huge = malloc(40001);
    memset(huge, 'a', 40000);
    huge[40000] = '\0';
    json_array_foreach(json_object_get(s, "rows"), i,
                       r) if (!strcmp(ism_json_getstr(r, "no"), "5-17"))
        json_object_set_new(r, "remarks", json_string(huge));
    free(huge);
    char *out;
    size_t len;
    ism_error e = {0};
    ck_assert_msg(ism_screening_export(s, ISM_SCREENING_XLSX, dir, &out, &len, &e), "%s",
                  e.message);
    ism_workbook *wb = ism_xlsx_read_mem(out, len, "screening.xlsx", NULL, &e);
    ck_assert_msg(wb != NULL, "%s", e.message);
    const ism_sheet *form = ism_workbook_sheet(wb, "別紙");
    bool cut = false;
    for (uint32_t n = 2; n <= 47; n++)
        if (!strcmp(ism_sheet_value(form, n, 1), "5-17")) {
            const char *v = ism_sheet_value(form, n, 5);
            cut = strlen(v) < 32767 && strstr(v, "以下省略") != NULL && v[0] == 'a';
        }
    ck_assert(cut);
    const ism_sheet *sum = ism_workbook_sheet(wb, "判定概要");
    bool said = false;
    for (size_t k = 0; k < sum->nrows; k++)
        if (strstr(ism_row_value(&sum->rows[k], 1), "cell_truncated"))
            said = strstr(ism_row_value(&sum->rows[k], 2), "別紙!E") != NULL;
    ck_assert(said);
    ism_workbook_free(wb);
    free(out);
    json_decref(s);
}
END_TEST

START_TEST(export_json)
{
    import_all(hamanasu, true);
    json_t *s = screen(hamanasu, TODAY);
    char *out;
    size_t len;
    ism_error e = {0};
    ck_assert(ism_screening_export(s, ISM_SCREENING_JSON, NULL, &out, &len, &e));
    json_t *back = json_loadb(out, len, 0, NULL);
    ck_assert(json_equal(back, s));
    json_decref(back);
    free(out);
    json_decref(s);
    ism_screening_format f;
    ck_assert(ism_screening_format_parse("XLSX", &f) && f == ISM_SCREENING_XLSX);
    ck_assert(!ism_screening_format_parse("pdf", &f));
}
END_TEST

int main(void)
{
    cats = tu_catalogs();
    if (!cats) return 1;
    Suite *s = suite_create("screening");
    TCase *tc = tcase_create("screening");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, not_listed_with_answers);
    tcase_add_test(tc, evidence_without_answers);
    tcase_add_test(tc, listed_by_subject_names);
    tcase_add_test(tc, listed_by_row_2);
    tcase_add_test(tc, liu_for_3b_information);
    tcase_add_test(tc, subject_name_does_not_override_row_2);
    tcase_add_test(tc, row_2_names_another_service);
    tcase_add_test(tc, scoping_and_params);
    tcase_add_test(tc, export_csv);
    tcase_add_test(tc, export_xlsx_reads_back);
    tcase_add_test(tc, export_json);
    tcase_add_test(tc, export_xlsx_long_cell);
    suite_add_tcase(s, tc);
    int failed = tu_run_suite(s);
    ism_catalog_free(cats);
    return failed;
}
