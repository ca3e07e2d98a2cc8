/* test_import_limits.c — the bounds that keep one import's memory small and the daemon's total
 * bounded: row caps refused while reading (CAIQ, SOC 2), the per-import cell-text budget (a
 * shared string multiplied by many cells), the import slots, and the ISMAP list's duplicate
 * check on a large list. Each refusal says what and where, and leaves the store as it was.
 * Figures (time, peak memory) are in tests/bench/import_bench.c, never asserted here. */
#include "ismap/catalog.h"
#include "ismap/evidence.h"
#include "ismap/store.h"
#include "evfix.h"
#include "testutil.h"

#include <check.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static ism_catalog_set *cats;
static char *dir;
static ism_store *st;
static char subj[64];

static void setup(void)
{
    dir = tu_tempdir("impl");
    st = tu_evidence_store(dir);
    tu_evidence_subject(st, NULL, subj, sizeof subj);
}

static void teardown(void)
{
    ism_store_close(st);
    tu_rmtree(dir);
    free(dir);
    ism_import_set_limits(0, -1);
}

static json_t *import_mem(const char *kind, const char *name, const char *data, size_t len,
                          ism_error *e)
{
    const ism_importer *im = ism_importer_find(kind);
    ck_assert_ptr_nonnull(im);
    char *files = ism_strdupf("%s/files", dir);
    ism_import_ctx ctx = {
        st,    cats,        im->needs_subject ? subj : NULL, "", "test", name, data, len, NULL,
        files, "2025-09-01"};
    json_t *r = im->fn(&ctx, e);
    free(files);
    return r;
}

static char *table_dump(void)
{
    return tu_evidence_dump(
        st, "SELECT id||state FROM evidence UNION ALL SELECT import_id||row FROM ismap_list");
}

typedef struct buf {
    char *p;
    size_t n, cap;
} buf;

static void put(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (b->n + (size_t)k + 1 > b->cap) {
        b->cap = (b->n + (size_t)k + 1) * 2;
        b->p = realloc(b->p, b->cap);
        ck_assert_ptr_nonnull(b->p);
    }
    va_start(ap, fmt);
    vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
    va_end(ap);
    b->n += (size_t)k;
}

/* Refused with code and every text (in the message or a detail), and the store unchanged.
 * Returns the error's details (new reference) for a test that looks further at them, so the
 * large input is not imported a second time. */
static json_t *refused_details(const char *kind, const char *name, const buf *b, ism_code code,
                               const char *const *expect)
{
    char *before = table_dump();
    ism_error e = {0};
    json_t *r = import_mem(kind, name, b->p, b->n, &e);
    ck_assert_msg(r == NULL, "%s accepted", name);
    ck_assert_msg(e.code == code, "%s: code %s: %s", name, ism_code_name(e.code), e.message);
    for (int i = 0; expect[i]; i++) {
        bool found = strstr(e.message, expect[i]) != NULL;
        size_t k;
        json_t *d;
        json_array_foreach(e.details, k, d)
        {
            const char *m = ism_json_getstr(d, "message");
            found = found || (m && strstr(m, expect[i]));
        }
        ck_assert_msg(found, "%s: '%s' not in %s", name, expect[i], e.message);
    }
    char *after = table_dump();
    ck_assert_str_eq(before, after);
    free(before), free(after);
    json_t *details = json_incref(e.details);
    ism_error_clear(&e);
    return details;
}

static void refused(const char *kind, const char *name, const buf *b, ism_code code,
                    const char *const *expect)
{
    json_decref(refused_details(kind, name, b, code, expect));
}

static void caiq_rows(buf *b, long rows, const char *question)
{
    put(b, "Question ID,Question,CSP CAIQ Answer,SSRM Control Ownership,CCM Control ID\n");
    for (long i = 1; i < rows; i++)
        put(b, "IAM-02.%ld,%s,Yes,CSP-owned,IAM-02\n", i, question);
}

START_TEST(caiq_row_cap)
{
    buf b = {0};
    caiq_rows(&b, 10000, "承認に基づいてアカウントを発行しているか。");
    ism_error e = {0};
    json_t *r = import_mem("caiq", "caiq.csv", b.p, b.n, &e);
    ck_assert_msg(r != NULL, "%s", e.message); /* 9,999 answers: under the cap */
    json_decref(r);
    free(b.p);
    b = (buf){0};
    caiq_rows(&b, 12000, "承認に基づいてアカウントを発行しているか。");
    refused("caiq", "caiq.csv", &b, ISM_E_TOO_LARGE,
            (const char *const[]){"more than 10000 rows", "CAIQ", "row 10001", NULL});
    free(b.p);
}
END_TEST

START_TEST(soc2_row_cap)
{
    buf b = {0};
    put(&b, "service_organization,はまなすクラウド株式会社\nsystem,住民記録クラウド\n"
            "service_auditor,あおば監査法人\nreport_type,Type II\nperiod_start,2024-07-01\n"
            "period_end,2025-06-30\nopinion,無限定適正\n\n"
            "規準,統制番号,統制の記述,実施した検証手続,検証結果\n");
    for (long i = 1; i < 10500; i++)
        put(&b, "CC6.1,C-%ld,多要素認証を必須とする。,設定を閲覧した。,No exceptions noted.\n", i);
    refused("soc2", "soc2.csv", &b, ISM_E_TOO_LARGE,
            (const char *const[]){"more than 10000 rows", "SOC 2", "row 10001", NULL});
    free(b.p);
}
END_TEST

/* Every question 60 KiB long: about 280 rows pass the 16 MiB budget of cell text. */
START_TEST(cell_text_budget)
{
    size_t qlen = 60u << 10;
    char *q = malloc(qlen + 1);
    memset(q, 'q', qlen);
    q[qlen] = '\0';
    buf b = {0};
    caiq_rows(&b, 400, q);
    free(q);
    json_t *details =
        refused_details("caiq", "long.csv", &b, ISM_E_INVALID_DATA,
                        (const char *const[]){"more than 16 MiB of text", "max_import_text", NULL});
    /* and the place: the row where the budget ran out */
    json_t *first = json_array_get(details, 0);
    ck_assert_ptr_nonnull(strstr(ism_json_getstr(first, "message"), "max_import_text"));
    json_int_t row = json_integer_value(json_object_get(first, "row"));
    ck_assert_int_gt(row, 250);
    ck_assert_int_lt(row, 300);
    ck_assert_str_eq(ism_json_getstr(first, "sheet"), "long");
    json_decref(details);
    free(b.p);
}
END_TEST

START_TEST(import_slots)
{
    ism_import_set_limits(1, 0);
    ism_error e = {0};
    ck_assert(ism_import_slot_acquire("test", &e)); /* another import is running */
    const char *text = "提出用の覚書";
    const ism_importer *im = ism_importer_find("file");
    char *files = ism_strdupf("%s/files", dir);
    json_t *opts = json_pack("{s:s}", "kind", "contract");
    ism_import_ctx ctx = {st,   cats,         subj, "",    "test",      "memo.txt",
                          text, strlen(text), opts, files, "2025-09-01"};
    char *before = table_dump();
    ck_assert_ptr_null(im->fn(&ctx, &e));
    ck_assert_int_eq(e.code, ISM_E_UNAVAILABLE);
    ck_assert_ptr_nonnull(strstr(e.message, "1 of 1 import slots"));
    ck_assert_ptr_nonnull(strstr(e.message, "file import refused"));
    char *after = table_dump();
    ck_assert_str_eq(before, after);
    free(before), free(after);
    ism_error_clear(&e);
    ism_import_slot_release(); /* the other import ends: the slot is free again */
    json_t *r = im->fn(&ctx, &e);
    ck_assert_msg(r != NULL, "%s", e.message);
    json_decref(r);
    /* and the slot was given back: a second import runs too */
    r = im->fn(&ctx, &e);
    ck_assert_msg(r != NULL, "%s", e.message);
    json_decref(r);
    json_decref(opts);
    free(files);
}
END_TEST

/* 20,000 entries with two duplicates far apart: both found, each naming the first row. */
START_TEST(ismap_list_duplicates_large)
{
    buf b = {0};
    put(&b, "登録番号,クラウドサービスの名称,クラウドサービス事業者名,リスト,外部監査の対象期間\n");
    for (long i = 1; i <= 20000; i++)
        put(&b, "C%05ld,サービス%ld,事業者%ld株式会社,ISMAP,2024/4/1～2025/3/31\n",
            i == 15000   ? 3L
            : i == 19999 ? 3L
                         : i,
            i, i);
    json_t *details = refused_details(
        "ismap-list", "list.csv", &b, ISM_E_INVALID_DATA,
        (const char *const[]){"registration number C00003 appears twice (also row 4)", NULL});
    size_t n = 0, i;
    json_t *d;
    json_array_foreach(details, i, d) n +=
        strstr(ism_json_getstr(d, "message"), "appears twice") != NULL;
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(details, 0), "row")), 15001);
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(details, 1), "row")), 20000);
    json_decref(details);
    free(b.p);
}
END_TEST

/* Lists stored in batches of rows (100 a statement): a whole number of batches, and batches
 * with a remainder; every entry is stored, in order, and found. */
START_TEST(ismap_list_batches)
{
    const long sizes[] = {100, 250};
    for (size_t t = 0; t < 2; t++) {
        buf b = {0};
        put(&b,
            "登録番号,クラウドサービスの名称,クラウドサービス事業者名,リスト,外部監査の対象期間\n");
        for (long i = 1; i <= sizes[t]; i++)
            put(&b, "C%05ld,サービス%ld,事業者%ld株式会社,ISMAP,2024/4/1～2025/3/31\n", i, i, i);
        ism_error e = {0};
        json_t *r = import_mem("ismap-list", "list.csv", b.p, b.n, &e);
        ck_assert_msg(r != NULL, "%s", e.message);
        const char *ev = ism_json_getstr(json_object_get(r, "evidence"), "id");
        char *sql = ism_strdupf("SELECT count(*), min(row), max(row) FROM ismap_list WHERE "
                                "import_id='%s'",
                                ev);
        char *got = tu_evidence_dump(st, sql);
        char *want = ism_strdupf("[\"%ld\",\"2\",\"%ld\"];", sizes[t], sizes[t] + 1);
        ck_assert_str_eq(got, want);
        free(sql), free(got), free(want);
        sql = ism_strdupf("SELECT reg_no FROM ismap_list WHERE import_id='%s' AND row=%ld", ev,
                          sizes[t] + 1);
        got = tu_evidence_dump(st, sql);
        want = ism_strdupf("[\"C%05ld\"];", sizes[t]);
        ck_assert_str_eq(got, want);
        free(sql), free(got), free(want);
        const long probe[] = {1, 100, sizes[t]};
        for (size_t k = 0; k < 3; k++) {
            char p[64], s[64], reg[16];
            snprintf(p, sizeof p, "事業者%ld株式会社", probe[k]);
            snprintf(s, sizeof s, "サービス%ld", probe[k]);
            snprintf(reg, sizeof reg, "C%05ld", probe[k]);
            json_t *l = ism_ismap_list_lookup(st, p, s, "2025-09-01", &e);
            ck_assert_msg(l != NULL, "%s", e.message);
            ck_assert_str_eq(ism_json_getstr(l, "status"), "listed");
            ck_assert_str_eq(ism_json_getstr(l, "reg_no"), reg);
            json_decref(l);
        }
        json_decref(r);
        free(b.p);
    }
}
END_TEST

int main(void)
{
    cats = tu_catalogs();
    if (!cats) return 1;
    Suite *s = suite_create("import_limits");
    TCase *tc = tcase_create("limits");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, caiq_row_cap);
    tcase_add_test(tc, soc2_row_cap);
    tcase_add_test(tc, cell_text_budget);
    tcase_add_test(tc, import_slots);
    tcase_add_test(tc, ismap_list_duplicates_large);
    tcase_add_test(tc, ismap_list_batches);
    suite_add_tcase(s, tc);
    int failed = tu_run_suite(s);
    ism_catalog_free(cats);
    return failed;
}
