/* test_import_names.c — what people type, kept whole: long Japanese names, titles and file names
 * go through every importer (CAIQ, SOC 2, ISO certificate, SoA, ISMAP list, documents) and read
 * back exactly as given (issue 10 item 2); and the smaller rules of item 8: SOC 2 Type I with one
 * date, audit periods written with ASCII hyphens, "empty file" for an empty file, and
 * corporate forms that make different providers (合同会社 / 株式会社, LLC / Inc.). */
#include "ismap/catalog.h"
#include "ismap/evidence.h"
#include "ismap/store.h"
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
    char *p = ism_strdupf("%s/s.db", dir);
    ism_error e = {0};
    st = ism_store_open_with(p, ism_evidence_schema(), 1, &e);
    ck_assert_msg(st != NULL, "%s", e.message);
    free(p);
    json_t *spec = json_pack("{s:s, s:s, s:s}", "kind", "service", "name", "住民記録クラウド",
                             "provider", "はまなすクラウド株式会社");
    json_t *s = ism_subject_create(st, "", spec, "test", &e);
    ism_strlcpy(subj, ism_json_getstr(s, "id"), sizeof subj);
    json_decref(s);
    json_decref(spec);
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

int main(void)
{
    ism_error e = {0};
    char *cdir = ism_strdupf("%s/catalog", tu_source_dir());
    cats = ism_catalog_load(cdir, &e);
    free(cdir);
    if (!cats) {
        fprintf(stderr, "catalogs: %s\n", e.message);
        return 1;
    }
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
    suite_add_tcase(s, tc);
    int failed = tu_run_suite(s);
    ism_catalog_free(cats);
    return failed;
}
