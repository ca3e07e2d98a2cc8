/* test_import_names.c — what people type, kept whole: long Japanese names, titles and file names
 * go through every importer (CAIQ, SOC 2, ISO certificate, SoA, ISMAP list, documents) and read
 * back exactly as given (issue 10 item 2); and the smaller rules of item 8: SOC 2 Type I with one
 * date, audit periods written with ASCII hyphens, "empty file" for an empty file, and
 * corporate forms that make different providers (合同会社 / 株式会社, LLC / Inc.). */
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
    dir = tu_tempdir("impn");
    st = tu_evidence_store(dir);
    tu_evidence_subject(st, NULL, subj, sizeof subj);
}

static void teardown(void)
{
    ism_store_close(st);
    tu_rmtree(dir);
    free(dir);
}

/* n copies of s, after prefix and before suffix. Caller frees. */
static char *rep(const char *prefix, const char *s, int n, const char *suffix)
{
    size_t len = strlen(prefix) + strlen(s) * (size_t)n + strlen(suffix) + 1;
    char *out = malloc(len);
    strcpy(out, prefix);
    for (int i = 0; i < n; i++)
        strcat(out, s);
    strcat(out, suffix);
    return out;
}

static json_t *import_opts(const char *kind, const char *name, const char *text, json_t *opts,
                           ism_error *e)
{
    const ism_importer *im = ism_importer_find(kind);
    ck_assert_ptr_nonnull(im);
    char *files = ism_strdupf("%s/files", dir);
    ism_import_ctx ctx = {st,    cats,         im->needs_subject ? subj : NULL,
                          "",    "test",       name,
                          text,  strlen(text), opts,
                          files, "2025-09-01"};
    json_t *r = im->fn(&ctx, e);
    free(files);
    return r;
}

static json_t *import_text(const char *kind, const char *name, const char *text, ism_error *e)
{
    return import_opts(kind, name, text, NULL, e);
}

/* The import succeeded and its row reads back from the store with this file name, key and a
 * title containing `in_title`. */
static void reads_back(json_t *r, const ism_error *e, const char *name, const char *key,
                       const char *in_title)
{
    ck_assert_msg(r != NULL, "%s: %s", name, e->message);
    const char *id = ism_json_getstr(json_object_get(r, "evidence"), "id");
    ck_assert_ptr_nonnull(id);
    ism_error ge = {0};
    json_t *row = ism_evidence_get(st, id, "", &ge);
    ck_assert_msg(row != NULL, "reading %s back: %s", id, ge.message);
    ck_assert_str_eq(ism_json_getstr(json_object_get(row, "source"), "name"), name);
    if (key) ck_assert_str_eq(ism_json_getstr(row, "key"), key);
    if (in_title)
        ck_assert_msg(strstr(ism_json_getstr(row, "title"), in_title), "title %s",
                      ism_json_getstr(row, "title"));
    json_decref(row);
    json_decref(r);
}

/* The first problem of a refused import names this sheet, whole. */
static void problem_sheet(const ism_error *e, const char *sheet)
{
    ck_assert_msg(json_array_size(e->details) > 0, "no details: %s", e->message);
    size_t i;
    json_t *d;
    json_array_foreach(e->details, i, d)
    {
        const char *s = ism_json_getstr(d, "sheet");
        ck_assert_msg(s && !strcmp(s, sheet), "problem %zu names sheet %s", i, s ? s : "(none)");
    }
}

START_TEST(long_names_caiq)
{
    char *name = rep("a", "あ", 120, ".csv"), *stem = rep("a", "あ", 120, "");
    char *q = rep("", "利用者のアカウントを承認に基づいて発行しているか", 4, "");
    char *text = ism_strdupf("Question ID,Question,CSP CAIQ Answer,SSRM Control Ownership\n"
                             "IAM-02.1,%s,Yes,CSP-owned\nIAM-02.2,%s,Maybe,CSP-owned\n",
                             q, q);
    ism_error e = {0};
    ck_assert_ptr_null(import_text("caiq", name, text, &e));
    problem_sheet(&e, stem);
    ism_error_clear(&e);
    free(text);
    text = ism_strdupf("Question ID,Question,CSP CAIQ Answer,SSRM Control Ownership\n"
                       "IAM-02.1,%s,Yes,CSP-owned\n",
                       q);
    json_t *r = import_text("caiq", name, text, &e);
    reads_back(r, &e, name, NULL, NULL);
    free(text), free(q), free(name), free(stem);
}
END_TEST

START_TEST(long_names_soc2)
{
    char *org = rep("", "はまなす", 40, "クラウド株式会社"), *name = rep("a", "あ", 120, ".csv");
    char *text =
        ism_strdupf("service_organization,%s\nsystem,住民記録クラウド\n"
                    "service_auditor,あおば監査法人\nreport_type,Type II\n"
                    "period_start,2024-07-01\nperiod_end,2025-06-30\nopinion,無限定適正\n\n"
                    "規準,統制番号,統制の記述,実施した検証手続,検証結果\n"
                    "CC6.1,C-6.1,多要素認証を必須とする。,設定を閲覧した。,No exceptions "
                    "noted.\n",
                    org);
    ism_error e = {0};
    json_t *r = import_text("soc2", name, text, &e);
    reads_back(r, &e, name, "2025-06-30", org);
    free(text), free(org), free(name);
}
END_TEST

START_TEST(long_names_iso_cert)
{
    char *body = rep("", "日本認証", 40, "サービス株式会社"), *name = rep("a", "あ", 120, ".csv");
    char *text = ism_strdupf("項目,値\n認証機関,%s\n認定機関,ISMS-AC\n登録番号,HCI-27001-0042\n"
                             "規格,ISO/IEC 27001:2022\n組織名,はまなすクラウド株式会社\n"
                             "適用範囲,住民記録クラウドの提供\n発行日,2025/1/16\n"
                             "有効期限,2028年1月15日\n",
                             body);
    ism_error e = {0};
    json_t *r = import_text("iso-cert", name, text, &e);
    reads_back(r, &e, name, "HCI-27001-0042", body);
    free(text), free(body), free(name);
}
END_TEST

START_TEST(long_names_soa)
{
    char *cert = rep("HCI-", "認証番号", 35, "-0042"), *name = rep("a", "あ", 120, ".csv");
    char *stem = rep("a", "あ", 120, "");
    char *text = ism_strdupf("standard,ISO/IEC 27001:2022\ncertificate,%s\n\n"
                             "管理策,管理策名,適用,適用・除外の理由,実施状況\n"
                             "A.5.1,セキュリティ方針群,適用,リスク対応のため,実施済\n"
                             "A.5.2,役割と責任,たぶん,リスク対応のため,実施済\n",
                             cert);
    ism_error e = {0};
    ck_assert_ptr_null(import_text("soa", name, text, &e));
    problem_sheet(&e, stem);
    ism_error_clear(&e);
    free(text);
    text = ism_strdupf("standard,ISO/IEC 27001:2022\ncertificate,%s\n\n"
                       "管理策,管理策名,適用,適用・除外の理由,実施状況\n"
                       "A.5.1,セキュリティ方針群,適用,リスク対応のため,実施済\n",
                       cert);
    json_t *r = import_text("soa", name, text, &e);
    reads_back(r, &e, name, cert, cert);
    free(text), free(cert), free(name), free(stem);
}
END_TEST

START_TEST(long_names_ismap_list)
{
    char *svc = rep("", "住民記録", 35, "クラウド"), *prov = rep("", "はまなす", 35, "株式会社");
    char *name = rep("a", "あ", 120, ".csv");
    char *text = ism_strdupf("登録番号,クラウドサービスの名称,クラウドサービス事業者名,リスト,"
                             "外部監査の対象期間\nC25-0001-1,%s,%s,ISMAP,2025/4/1～2026/3/31\n",
                             svc, prov);
    ism_error e = {0};
    json_t *r = import_text("ismap-list", name, text, &e);
    reads_back(r, &e, name, NULL, NULL);
    json_t *l = ism_ismap_list_lookup(st, prov, svc, "2025-09-01", &e);
    ck_assert_msg(l != NULL, "%s", e.message);
    ck_assert_str_eq(ism_json_getstr(l, "status"), "listed");
    ck_assert_str_eq(ism_json_getstr(l, "service"), svc);
    ck_assert_str_eq(ism_json_getstr(l, "provider"), prov);
    json_decref(l);
    free(text), free(svc), free(prov), free(name);
}
END_TEST

START_TEST(long_names_file)
{
    char *title = rep("", "クラウドサービス利用契約書", 9, "（令和7年度）");
    char *name = rep("a", "あ", 120, ".pdf"), *key = ism_strdupf("contract:%s", title);
    json_t *opts = json_pack("{s:s, s:s}", "kind", "contract", "title", title);
    ism_error e = {0};
    json_t *r = import_opts("file", name, "%PDF-1.4\n契約書\n", opts, &e);
    reads_back(r, &e, name, key, title);
    json_decref(opts);
    free(title), free(name), free(key);
}
END_TEST

/* Invalid UTF-8 in what would be stored is refused before anything is written. */
START_TEST(invalid_utf8_name_refused)
{
    json_t *opts = json_pack("{s:s}", "kind", "contract");
    ism_error e = {0};
    ck_assert_ptr_null(import_opts("file", "bad\xE3\x81.pdf", "%PDF-1.4\n", opts, &e));
    ck_assert_ptr_nonnull(strstr(e.message, "file name is not valid UTF-8"));
    ism_error_clear(&e);
    json_t *l = ism_evidence_list(st, subj, NULL, true, "", &e);
    ck_assert_uint_eq(json_array_size(l), 0);
    json_decref(l);
    json_decref(opts);
}
END_TEST

/* ---- item 8 ---------------------------------------------------------------------------------- */

static char *soc2_text(const char *type, const char *start, const char *end)
{
    return ism_strdupf("service_organization,はまなすクラウド株式会社\nsystem,住民記録クラウド\n"
                       "service_auditor,あおば監査法人\nreport_type,%s\nperiod_start,%s\n"
                       "period_end,%s\nopinion,無限定適正\n\n"
                       "規準,統制番号,統制の記述,実施した検証手続,検証結果\n"
                       "CC6.1,C-6.1,多要素認証を必須とする。,設定を閲覧した。,No exceptions "
                       "noted.\n",
                       type, start, end);
}

START_TEST(soc2_type1_one_date)
{
    char *text = soc2_text("Type I", "2025-06-30", "2025-06-30");
    ism_error e = {0};
    json_t *r = import_text("soc2", "type1.csv", text, &e);
    reads_back(r, &e, "type1.csv", "2025-06-30", "Type I");
    free(text);
    /* a Type I period still may not run backwards, and a Type II needs a period */
    text = soc2_text("Type I", "2025-07-01", "2025-06-30");
    ck_assert_ptr_null(import_text("soc2", "type1.csv", text, &e));
    ck_assert_ptr_nonnull(strstr(e.message, "starts after it ends"));
    ism_error_clear(&e);
    free(text);
    text = soc2_text("Type II", "2025-06-30", "2025-06-30");
    ck_assert_ptr_null(import_text("soc2", "type2.csv", text, &e));
    ck_assert_ptr_nonnull(strstr(e.message, "starts on or after it ends"));
    ism_error_clear(&e);
    free(text);
}
END_TEST

START_TEST(audit_period_ascii_hyphens)
{
    static const char *const periods[] = {"2024-04-01-2025-03-31", "2024/4/1-2025/3/31",
                                          "2024-04-01 -2025-03-31", "2024-04-01 - 2025-03-31"};
    for (size_t i = 0; i < sizeof periods / sizeof periods[0]; i++) {
        char *text =
            ism_strdupf("登録番号,クラウドサービスの名称,クラウドサービス事業者名,リスト,"
                        "外部監査の対象期間\nC25-0001-1,住民記録クラウド,はまなすクラウド株式会社,"
                        "ISMAP,%s\n",
                        periods[i]);
        ism_error e = {0};
        json_t *r = import_text("ismap-list", "list.csv", text, &e);
        ck_assert_msg(r != NULL, "%s: %s", periods[i], e.message);
        json_decref(r);
        json_t *l = ism_ismap_list_lookup(st, "はまなすクラウド株式会社", "住民記録クラウド",
                                          "2025-09-01", &e);
        ck_assert_str_eq(ism_json_getstr(l, "audit_end"), "2025-03-31");
        ck_assert_str_eq(ism_json_getstr(l, "valid_until"), "2026-07-31");
        json_decref(l);
        free(text);
    }
}
END_TEST

START_TEST(empty_files)
{
    static const char *const kinds[] = {"caiq", "soc2",       "iso-cert",
                                        "soa",  "ismap-list", "questionnaire"};
    static const char *const texts[] = {"", "\xEF\xBB\xBF", "\r\n\r\n  \n"};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++) {
            ism_error e = {0};
            ck_assert_ptr_null(import_text(kinds[k], "empty.csv", texts[t], &e));
            ck_assert_msg(strstr(e.message, "empty.csv is an empty file"), "%s: %s", kinds[k],
                          e.message);
            ck_assert_ptr_null(strstr(e.message, "header"));
            ism_error_clear(&e);
        }
    /* a file of separators only holds no value either */
    ism_error e = {0};
    ck_assert_ptr_null(import_text("caiq", "commas.csv", ",,,\n,,\n", &e));
    ck_assert_msg(strstr(e.message, "commas.csv is empty"), "%s", e.message);
    ism_error_clear(&e);
}
END_TEST

START_TEST(corporate_forms_differ)
{
    static const char *const differ[][2] = {
        {"はまなすクラウド合同会社", "はまなすクラウド株式会社"},
        {"Example Cloud LLC", "Example Cloud Inc."},
        {"Example Cloud G.K.", "Example Cloud Co., Ltd."},
        {"はまなす有限会社", "はまなす株式会社"},
    };
    for (size_t i = 0; i < sizeof differ / sizeof differ[0]; i++) {
        char *a = ism_ismap_name_key(differ[i][0]), *b = ism_ismap_name_key(differ[i][1]);
        ck_assert_msg(!ism_ismap_name_match(a, b), "'%s' → '%s' matches '%s' → '%s'", differ[i][0],
                      a, differ[i][1], b);
        free(a), free(b);
    }
    static const char *const same[][2] = {
        {"はまなすクラウド合同会社", "Hamanasu Cloud"},
        {"はまなすクラウド合同会社", "（同）はまなすクラウド"},
        {"Example Cloud LLC", "Example Cloud G.K."},
        {"Example Cloud Inc.", "EXAMPLE CLOUD K.K."},
        {"株式会社エービーシー", "エービーシー"},
    };
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        char *a = ism_ismap_name_key(same[i][0]), *b = ism_ismap_name_key(same[i][1]);
        if (i == 0) { /* different scripts are different names */
            ck_assert(!ism_ismap_name_match(a, b));
        } else {
            ck_assert_msg(ism_ismap_name_match(a, b), "'%s' → '%s' vs '%s' → '%s'", same[i][0], a,
                          same[i][1], b);
        }
        free(a), free(b);
    }
    /* and the list lookup: a 株式会社 is not the listed 合同会社 */
    const char *text = "登録番号,クラウドサービスの名称,クラウドサービス事業者名,リスト,"
                       "外部監査の対象期間\nC25-0002-1,文書管理クラウド,はまなす合同会社,ISMAP,"
                       "2024/4/1～2025/3/31\n";
    ism_error e = {0};
    json_t *r = import_text("ismap-list", "list.csv", text, &e);
    ck_assert_msg(r != NULL, "%s", e.message);
    json_decref(r);
    json_t *l = ism_ismap_list_lookup(st, "はまなす株式会社", "文書管理クラウド", "2025-09-01", &e);
    ck_assert_str_eq(ism_json_getstr(l, "status"), "not_listed");
    json_decref(l);
    l = ism_ismap_list_lookup(st, "はまなす", "文書管理クラウド", "2025-09-01", &e);
    ck_assert_str_eq(ism_json_getstr(l, "status"), "listed");
    json_decref(l);
    l = ism_ismap_list_lookup(st, "（同）はまなす", "文書管理クラウド", "2025-09-01", &e);
    ck_assert_str_eq(ism_json_getstr(l, "status"), "listed");
    json_decref(l);
}
END_TEST

int main(void)
{
    cats = tu_catalogs();
    if (!cats) return 1;
    Suite *s = suite_create("import_names");
    TCase *tc = tcase_create("names");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, long_names_caiq);
    tcase_add_test(tc, long_names_soc2);
    tcase_add_test(tc, long_names_iso_cert);
    tcase_add_test(tc, long_names_soa);
    tcase_add_test(tc, long_names_ismap_list);
    tcase_add_test(tc, long_names_file);
    tcase_add_test(tc, invalid_utf8_name_refused);
    tcase_add_test(tc, soc2_type1_one_date);
    tcase_add_test(tc, audit_period_ascii_hyphens);
    tcase_add_test(tc, empty_files);
    tcase_add_test(tc, corporate_forms_differ);
    suite_add_tcase(s, tc);
    int failed = tu_run_suite(s);
    ism_catalog_free(cats);
    return failed;
}
