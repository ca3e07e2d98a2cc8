/* test_import_evidence.c — the ISMAP list (names, validity, lookups, header map), SOC 2, ISO/IEC
 * 27001/27017 certificates and SoAs, CAIQ and plain documents: each rule of
 * docs/evidence-formats.md, and each refusal leaving the store as it was. */
#include "ismap/catalog.h"
#include "ismap/evidence.h"
#include "ismap/store.h"
#include "evfix.h"
#include "testutil.h"

#include <check.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

static ism_catalog_set *cats;
static char *dir;
static ism_store *st;
static char subj[64];

static void setup(void)
{
    dir = tu_tempdir("impe");
    st = tu_evidence_store(dir);
    tu_evidence_subject(st, NULL, subj, sizeof subj);
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
static json_t *import_mem(const char *kind, const char *name, const char *data, size_t len,
                          const char *opts, const char *today, ism_error *e)
{
    const ism_importer *im = ism_importer_find(kind);
    ck_assert_ptr_nonnull(im);
    json_t *o = opts ? json_loads(opts, 0, NULL) : NULL;
    char *files = ism_strdupf("%s/files", dir);
    ism_import_ctx ctx = {
        st, cats, im->needs_subject ? subj : NULL, "", "test", name, data, len, o, files, today};
    char *before = tu_evidence_scan(st);
    json_t *r = im->fn(&ctx, e);
    json_decref(o);
    free(files);
    /* Every refused input of this suite passes here: the store must hold exactly what it held
     * before (no row, no superseded version), whatever the refusal. */
    if (!r) {
        char *after = tu_evidence_scan(st);
        ck_assert_msg(!strcmp(before, after), "%s refused (%s) but the store changed", name,
                      e->message);
        free(after);
    }
    free(before);
    return r;
}

static json_t *import(const char *kind, const char *file, const char *opts, const char *today,
                      ism_error *e)
{
    size_t len;
    char *d = fixture(file, &len);
    json_t *r = import_mem(kind, file, d, len, opts, today, e);
    free(d);
    return r;
}

static json_t *import_text(const char *kind, const char *name, const char *text, const char *today,
                           ism_error *e)
{
    return import_mem(kind, name, text, strlen(text), NULL, today, e);
}

static void must_import(const char *kind, const char *file, const char *opts, const char *today)
{
    ism_error e = {0};
    json_t *r = import(kind, file, opts, today, &e);
    ck_assert_msg(r != NULL, "%s: %s", file, e.message);
    json_decref(r);
}

static char *table_dump(void)
{
    return tu_evidence_dump(
        st, "SELECT id||state FROM evidence UNION ALL SELECT import_id||row FROM ismap_list");
}

static bool has_warning(const json_t *r, const char *code)
{
    size_t i;
    json_t *w;
    json_array_foreach(json_object_get(r, "warnings"), i,
                       w) if (!strcmp(ism_json_getstr(w, "code"), code)) return true;
    return false;
}

static bool has_detail(const ism_error *e, const char *text)
{
    size_t i;
    json_t *d;
    json_array_foreach(e->details, i, d)
    {
        const char *m = ism_json_getstr(d, "message"), *v = ism_json_getstr(d, "value");
        if ((m && strstr(m, text)) || (v && strstr(v, text))) return true;
    }
    return strstr(e->message, text) != NULL;
}

/* Refused with these texts, and nothing changed. */
static void refused(const char *kind, const char *name, const char *text, const char *today,
                    const char *const *expect)
{
    char *before = table_dump();
    ism_error e = {0};
    json_t *r = import_text(kind, name, text, today, &e);
    ck_assert_msg(r == NULL, "%s accepted", name);
    for (int i = 0; expect[i]; i++)
        ck_assert_msg(has_detail(&e, expect[i]), "%s: '%s' not in %s", name, expect[i], e.message);
    char *after = table_dump();
    ck_assert_str_eq(before, after);
    free(before), free(after);
    ism_error_clear(&e);
}

/* The judged document of a kind (and key) in the support on a day. */
static json_t *doc(const char *kind, const char *key, const char *today)
{
    ism_error e = {0};
    json_t *s = ism_evidence_support(st, cats, subj, "", today, &e);
    ck_assert_msg(s != NULL, "%s", e.message);
    json_t *out = NULL;
    size_t i;
    json_t *d;
    json_array_foreach(json_object_get(s, "documents"), i,
                       d) if (!strcmp(ism_json_getstr(d, "kind"), kind) &&
                              (!key || !strcmp(ism_json_getstr(d, "key"), key))) out =
        json_incref(d);
    json_decref(s);
    ck_assert_msg(out != NULL, "no %s document", kind);
    return out;
}

static void assert_standing(const char *kind, const char *key, const char *today, const char *want)
{
    json_t *d = doc(kind, key, today);
    ck_assert_msg(!strcmp(ism_json_getstr(d, "standing"), want), "%s %s on %s: %s (%s), wanted %s",
                  kind, key ? key : "", today, ism_json_getstr(d, "standing"),
                  ism_json_getstr(d, "reason"), want);
    json_decref(d);
}

/* Support entries of an ISMAP item of one kind, as "source:standing;" */
static char *entries(const char *item, const char *kind, const char *today)
{
    ism_error e = {0};
    json_t *s = ism_evidence_support(st, cats, subj, "", today, &e);
    char *out = strdup("");
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(json_object_get(s, "items"), item), i, x)
    {
        if (strcmp(ism_json_getstr(x, "kind"), kind)) continue;
        char *n = ism_strdupf("%s%s:%s;", out, ism_json_getstr(x, "source"),
                              ism_json_getstr(x, "standing"));
        free(out);
        out = n;
    }
    json_decref(s);
    return out;
}

/* ---- ISMAP list --------------------------------------------------------------------------------
 */

START_TEST(name_keys)
{
    static const char *const same[][2] = {
        {"株式会社エービーシー", "（株）エービーシー"},
        {"㈱エービーシー", "エービーシー 株式会社"},
        {"ＡＢＣ　クラウド　プラットフォーム", "abcクラウドプラットフォーム"},
        {"Example Cloud Co., Ltd.", "EXAMPLE CLOUD"},
        {"Amazon Web Services Japan G.K.", "amazon web services japan"},
        {"エグザンプル・クラウド株式会社", "エグザンプル クラウド"},
        {"ﾐﾅﾄｿﾌﾄ(株)", "ミナトソフト"},
    };
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        char *a = ism_ismap_name_key(same[i][0]), *b = ism_ismap_name_key(same[i][1]);
        ck_assert_msg(ism_ismap_name_match(a, b), "'%s' → '%s' but '%s' → '%s'", same[i][0], a,
                      same[i][1], b);
        free(a), free(b);
    }
    char *a = ism_ismap_name_key("ABC Storage"), *b = ism_ismap_name_key("ABC Backup");
    ck_assert_str_ne(a, b);
    free(a), free(b);
}
END_TEST

START_TEST(registration_validity)
{
    static const char *const cases[][2] = {
        {"2024-03-31", "2025-07-31"}, /* from 04-01: 1 year 4 months ends the day before 08-01 */
        {"2025-03-31", "2026-07-31"}, {"2024-06-30", "2025-10-31"},
        {"2023-10-30", "2025-02-28"}, /* from 10-31: no 02-31, so the last day of February */
        {"2022-10-29", "2024-02-29"}, /* a leap year's February */
        {"2022-10-28", "2024-02-28"}, {"2024-12-31", "2026-04-30"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[11];
        ck_assert(ism_ismap_valid_until(cases[i][0], out));
        ck_assert_msg(!strcmp(out, cases[i][1]), "%s → %s, wanted %s", cases[i][0], out,
                      cases[i][1]);
    }
    char out[11];
    ck_assert(!ism_ismap_valid_until("2024-02-30", out));
}
END_TEST

static json_t *lookup(const char *p, const char *s, const char *today)
{
    ism_error e = {0};
    json_t *r = ism_ismap_list_lookup(st, p, s, today, &e);
    ck_assert_msg(r != NULL, "%s", e.message);
    return r;
}

static void assert_lookup(const char *p, const char *s, const char *today, const char *status,
                          const char *until)
{
    json_t *r = lookup(p, s, today);
    ck_assert_msg(!strcmp(ism_json_getstr(r, "status"), status), "%s/%s: %s, wanted %s", p, s,
                  ism_json_getstr(r, "status"), status);
    if (until) ck_assert_str_eq(ism_json_getstr(r, "valid_until"), until);
    json_decref(r);
}

/* The services of a lookup's similar entries, in order, each followed by ';' (static). */
static const char *similar_services(const json_t *r)
{
    static char out[512];
    *out = '\0';
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(r, "similar"), i, m)
    {
        size_t n = strlen(out);
        snprintf(out + n, sizeof out - n, "%s;", ism_json_getstr(m, "service"));
    }
    return out;
}

START_TEST(ismap_list_lookups)
{
    assert_lookup("エグザンプル・クラウド株式会社", "Example IaaS", "2025-09-01", "no_list", NULL);
    must_import("ismap-list", "ismap_list.csv", "{\"as_of\": \"2025-08-01\"}", "2025-09-01");
    assert_lookup("エグザンプル・クラウド株式会社", "Example IaaS", "2025-09-01", "listed",
                  "2026-07-31");
    assert_lookup("エグザンプル クラウド(株)", "EXAMPLE  iaas", "2026-07-31", "listed", NULL);
    assert_lookup("エグザンプル・クラウド株式会社", "Example IaaS", "2026-08-01", "expired",
                  "2026-07-31");
    assert_lookup("(株)エービーシー", "ABCクラウドプラットフォーム", "2025-09-01", "listed",
                  "2026-10-31");
    assert_lookup("北斗データセンター", "北斗IaaS", "2025-09-01", "listed", "2026-04-30");
    json_t *r = lookup("レガシー・システムズ株式会社", "オールド・ストレージ", "2025-09-01");
    ck_assert_str_eq(ism_json_getstr(r, "status"), "expired");
    ck_assert_str_eq(ism_json_getstr(r, "expired_on"), "2024-05-01");
    ck_assert_ptr_nonnull(strstr(ism_json_getstr(r, "message"), "expired on 2024-05-01"));
    json_decref(r);
    r = lookup("ミナトソフト株式会社", "ミナト勤怠SaaS", "2025-09-01");
    ck_assert_str_eq(ism_json_getstr(r, "list"), "ISMAP-LIU");
    json_decref(r);
    /* Not listed, but the provider has another service: shown as similar, never as a match. */
    r = lookup("はまなすクラウド株式会社", "Hamanasu 住民記録クラウド", "2025-09-01");
    ck_assert_str_eq(ism_json_getstr(r, "status"), "not_listed");
    ck_assert_str_eq(ism_json_getstr(json_array_get(json_object_get(r, "similar"), 0), "service"),
                     "はまなす文書管理");
    json_decref(r);
    /* The same service name under another provider is not a match. */
    assert_lookup("別会社株式会社", "Example IaaS", "2025-09-01", "not_listed", NULL);
    /* A service name inside the one asked for, or containing it, is shown as similar. */
    r = lookup("別会社株式会社", "Example IaaS Plus", "2025-09-01");
    ck_assert_str_eq(ism_json_getstr(r, "status"), "not_listed");
    ck_assert_str_eq(similar_services(r), "Example IaaS;");
    json_decref(r);
    r = lookup("別会社株式会社", "iaas", "2025-09-01");
    ck_assert_str_eq(similar_services(r), "Example IaaS;北斗IaaS;");
    json_decref(r);
    r = lookup("別会社株式会社", "ストレージ", "2025-09-01");
    ck_assert_str_eq(similar_services(r), "オールド・ストレージ;");
    json_decref(r);
    /* An old list says so. */
    r = lookup("エグザンプル・クラウド株式会社", "Example IaaS", "2025-12-15");
    ck_assert_ptr_nonnull(
        ism_json_getstr(json_array_get(json_object_get(r, "checked_against"), 0), "warning"));
    json_decref(r);
}
END_TEST

START_TEST(ismap_list_header_map)
{
    ism_error e = {0};
    char *before = table_dump();
    ck_assert_ptr_null(import("ismap-list", "ismap_list_mapped.xlsx", NULL, "2025-09-01", &e));
    ck_assert(has_detail(&e, "missing column クラウドサービス事業者名"));
    ism_error_clear(&e);
    ck_assert_ptr_null(import("ismap-list", "ismap_list_mapped.xlsx",
                              "{\"map\": {\"provider\": \"Supplier\"}}", "2025-09-01", &e));
    ck_assert(has_detail(&e, "missing column Supplier"));
    ism_error_clear(&e);
    ck_assert_ptr_null(import("ismap-list", "ismap_list_mapped.xlsx",
                              "{\"map\": {\"vendor\": \"Vendor\"}}", "2025-09-01", &e));
    ck_assert(has_detail(&e, "'vendor' is not a field"));
    ism_error_clear(&e);
    char *after = table_dump();
    ck_assert_str_eq(before, after);
    free(before), free(after);
    must_import("ismap-list", "ismap_list_mapped.xlsx",
                "{\"map\": {\"service\": \"Service Name\", \"provider\": \"Vendor\", \"reg_no\": "
                "\"Reg No\", \"audit_end\": \"Period End\", \"list\": \"List\"}}",
                "2025-09-01");
    assert_lookup("株式会社エービーシー", "ABC クラウド プラットフォーム", "2025-09-01", "listed",
                  "2026-10-31");
}
END_TEST

START_TEST(ismap_list_refusals)
{
    must_import("ismap-list", "ismap_list.csv", NULL, "2025-09-01");
    refused("ismap-list", "dup.csv",
            "登録番号,サービス名称,事業者名,監査期間\nA-1,S1,P1,2024/3/31\nA-1,S2,P2,2024/3/31\n",
            "2025-09-01", (const char *const[]){"registration number A-1 appears twice", NULL});
    refused("ismap-list", "nodate.csv",
            "登録番号,サービス名称,事業者名,登録日\nA-1,S1,P1,2024/3/31\n", "2025-09-01",
            (const char *const[]){"validity cannot be known", NULL});
    refused("ismap-list", "badlist.csv",
            "サービス名称,事業者名,リスト,有効期限\nS1,P1,SOC2,2026/1/1\nS2,,ISMAP,2026/1/1\n",
            "2025-09-01",
            (const char *const[]){"ISMAP or ISMAP-LIU", "the provider is empty", NULL});
    refused("ismap-list", "baddate.csv", "サービス名称,事業者名,有効期限\nS1,P1,2026/13/1\n",
            "2025-09-01", (const char *const[]){"not a date", NULL});
    /* The earlier list still answers. */
    assert_lookup("エグザンプル・クラウド株式会社", "Example IaaS", "2025-09-01", "listed", NULL);
}
END_TEST

/* ---- SOC 2 ------------------------------------------------------------------------------------
 */

START_TEST(soc2_type2)
{
    ism_error e = {0};
    json_t *r = import("soc2", "soc2_type2.json", NULL, "2025-09-01", &e);
    ck_assert_msg(r != NULL, "%s", e.message);
    const json_t *s = json_object_get(r, "summary");
    ck_assert_int_eq(json_integer_value(json_object_get(s, "criteria_with_exceptions")), 2);
    ck_assert_int_eq(json_integer_value(json_object_get(s, "cuecs")), 3);
    ck_assert(has_warning(r, "carve_out"));
    json_decref(r);
    /* The CSV template says the same. */
    r = import("soc2", "soc2_type2.csv", NULL, "2025-09-01", &e);
    ck_assert_msg(r != NULL, "%s", e.message);
    s = json_object_get(r, "summary");
    ck_assert_int_eq(json_integer_value(json_object_get(s, "criteria_with_exceptions")), 2);
    ck_assert_int_eq(json_integer_value(json_object_get(s, "cuecs")), 3);
    ck_assert_str_eq(ism_json_getstr(s, "opinion"), "unqualified");
    ck_assert(has_warning(r, "carve_out"));
    const json_t *d = json_object_get(json_object_get(r, "evidence"), "data");
    ck_assert_str_eq(
        ism_json_getstr(json_array_get(json_object_get(d, "subservice_organizations"), 0),
                        "method"),
        "carve-out");
    ck_assert_str_eq(ism_json_getstr(json_array_get(json_object_get(d, "cuecs"), 1), "description"),
                     "利用者は多要素認証を有効にし、認証情報を適切に管理する。");
    json_decref(r);
    assert_standing("soc2", NULL, "2025-09-01", "supports");
    /* Exceptions make the criterion partial: CC6.2 bears on ISMAP 9.2.1. */
    char *es = entries("9.2.1", "soc2", "2025-09-01");
    ck_assert_ptr_nonnull(strstr(es, "CC6.2:partial"));
    free(es);
    es = entries("12.6.1", "soc2", "2025-09-01");
    ck_assert_ptr_nonnull(strstr(es, "CC7.1:supports"));
    free(es);
    /* More than 12 months after the period (and after the bridge letter's 3 months): stale. */
    assert_standing("soc2", NULL, "2026-07-01", "stale");
    es = entries("12.6.1", "soc2", "2026-07-01");
    ck_assert_ptr_nonnull(strstr(es, "CC7.1:stale"));
    free(es);
}
END_TEST

static char *soc2_variant(const char *field, const char *value, const char *period_end)
{
    size_t len;
    char *d = fixture("soc2_type2.json", &len);
    json_t *j = json_loadb(d, len, 0, NULL);
    free(d);
    if (field) json_object_set_new(j, field, json_string(value));
    if (period_end) {
        json_object_set_new(json_object_get(j, "period"), "end", json_string(period_end));
        json_object_set_new(json_object_get(j, "period"), "start", json_string("2023-07-01"));
    }
    char *t = json_dumps(j, 0);
    json_decref(j);
    return t;
}

START_TEST(soc2_rules)
{
    static const struct {
        const char *field, *value, *standing, *warning;
    } cases[] = {
        {"report_type", "Type I", "partial", "type_i"},
        {"opinion", "限定付適正意見", "partial", "opinion"},
        {"opinion", "adverse", "against", "opinion"},
        {"opinion", "意見不表明", "not_evidence", "opinion"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *t = soc2_variant(cases[i].field, cases[i].value, NULL);
        ism_error e = {0};
        json_t *r = import_text("soc2", "v.json", t, "2025-09-01", &e);
        ck_assert_msg(r != NULL, "%s", e.message);
        ck_assert(has_warning(r, cases[i].warning));
        json_decref(r);
        free(t);
        assert_standing("soc2", NULL, "2025-09-01", cases[i].standing);
    }
}
END_TEST

/* A bridge letter keeps an old period current for 3 months after its date. */
START_TEST(soc2_bridge_letter)
{
    char *t = soc2_variant(NULL, NULL, "2024-06-30"); /* bridge letter dated 2025-08-31 */
    ism_error e = {0};
    json_t *r = import_text("soc2", "old.json", t, "2025-09-01", &e);
    ck_assert_msg(r != NULL, "%s", e.message);
    ck_assert(!has_warning(r, "stale"));
    ck_assert_str_eq(ism_json_getstr(json_object_get(r, "evidence"), "valid_until"), "2025-11-30");
    json_decref(r);
    assert_standing("soc2", "2024-06-30", "2025-09-01", "supports");
    assert_standing("soc2", "2024-06-30", "2025-12-01", "stale");
    free(t);
    /* Without the letter the same report is stale already. */
    size_t len;
    char *d = fixture("soc2_type2.json", &len);
    json_t *j = json_loadb(d, len, 0, NULL);
    free(d);
    json_object_del(j, "bridge_letter");
    json_object_set_new(json_object_get(j, "period"), "end", json_string("2024-06-30"));
    json_object_set_new(json_object_get(j, "period"), "start", json_string("2023-07-01"));
    t = json_dumps(j, 0);
    json_decref(j);
    r = import_text("soc2", "old.json", t, "2025-09-01", &e);
    ck_assert(has_warning(r, "stale"));
    json_decref(r);
    assert_standing("soc2", "2024-06-30", "2025-09-01", "stale");
    free(t);
}
END_TEST

START_TEST(soc2_refusals)
{
    size_t len;
    char *bad = fixture("bad_soc2.csv", &len);
    refused("soc2", "bad_soc2.csv", bad, "2025-09-01",
            (const char *const[]){"'CC10.1' is not a Trust Services Criterion",
                                  "the result is empty", NULL});
    free(bad);
    refused("soc2", "t.json",
            "{\"service_organization\":\"X\",\"report_type\":\"Type III\",\"period\":{\"end\":"
            "\"2025-03-31\"},\"opinion\":\"fine\",\"tests\":[{\"criterion\":\"CC6\",\"result\":"
            "\"No exceptions noted.\"}]}",
            "2025-09-01",
            (const char *const[]){"the service auditor", "Type I or Type II", "the opinion must be",
                                  "'CC6' is not a Trust Services Criterion", NULL});
    refused("soc2", "t.json",
            "{\"service_organization\":\"X\",\"service_auditor\":\"Y\",\"report_type\":\"Type II\","
            "\"period\":{\"start\":\"2025-04-01\",\"end\":\"2025-03-31\"},\"opinion\":"
            "\"unqualified\",\"bridge_letter\":{\"date\":\"2025-01-01\"},\"tests\":[]}",
            "2025-09-01",
            (const char *const[]){"starts on or after it ends", "bridge letter is dated after",
                                  "no test results", NULL});
}
END_TEST

/* ---- ISO/IEC 27001 / 27017 ----------------------------------------------------------------------
 */

START_TEST(iso_2013_transition)
{
    ism_error e = {0};
    json_t *r = import("iso-cert", "iso27001_2013.csv", NULL, "2025-09-01", &e);
    ck_assert_msg(r != NULL, "%s", e.message);
    ck_assert(has_warning(r, "iso2013_transition"));
    const json_t *ev = json_object_get(r, "evidence");
    ck_assert_str_eq(ism_json_getstr(ev, "valid_until"), "2025-10-31");
    ck_assert_str_eq(ism_json_getstr(json_object_get(ev, "data"), "expiry_date"), "2026-01-15");
    ck_assert_str_eq(ism_json_getstr(json_object_get(ev, "data"), "edition"), "2013");
    json_decref(r);
    assert_standing("iso-cert", "HCI-27001-0017", "2025-10-31", "supports");
    json_t *d = doc("iso-cert", "HCI-27001-0017", "2025-11-01");
    ck_assert_str_eq(ism_json_getstr(d, "standing"), "expired");
    ck_assert_ptr_nonnull(strstr(ism_json_getstr(d, "reason"), "2025-10-31"));
    ck_assert_ptr_nonnull(strstr(ism_json_getstr(d, "scope"), "旧 住民記録システム"));
    json_decref(d);
}
END_TEST

START_TEST(iso_27017_needs_27001)
{
    ism_error e = {0};
    json_t *r = import("iso-cert", "iso27017.xlsx", NULL, "2025-09-01", &e);
    ck_assert_msg(r != NULL, "%s", e.message);
    const json_t *data = json_object_get(json_object_get(r, "evidence"), "data");
    ck_assert_str_eq(ism_json_getstr(data, "issue_date"), "2024-04-01");  /* a date cell */
    ck_assert_str_eq(ism_json_getstr(data, "expiry_date"), "2027-03-31"); /* 令和9年3月31日 */
    json_decref(r);
    assert_standing("iso-cert", "HCI-27017-0008", "2025-09-01", "not_evidence");
    must_import("iso-cert", "iso27001_2022.json", NULL, "2025-09-01");
    assert_standing("iso-cert", "HCI-27017-0008", "2025-09-01", "supports");
    /* The 27017 certificate bears on ISMAP's cloud items; its scope goes with it. */
    must_import("soa", "soa_27017.json", NULL, "2025-09-01");
    char *es = entries("6.3.1.P", "soa", "2025-09-01");
    ck_assert_ptr_nonnull(strstr(es, "CLD.6.3.1:supports"));
    free(es);
    es = entries("6.3.1.P", "iso-cert", "2025-09-01");
    ck_assert_ptr_nonnull(strstr(es, ":supports"));
    free(es);
    /* Once the 27001 certificate expires the 27017 one stops counting. */
    assert_standing("iso-cert", "HCI-27017-0008", "2027-04-01", "expired");
}
END_TEST

/* Evidence dated after the day judged (the clock is the injected "today"): a SOC 2 period
 * that has not ended, a certificate issued next year, a document dated later — not evidence
 * on that day, flagged with the date, and evidence once the day has come. */
START_TEST(future_dated_evidence)
{
    char *t = soc2_variant(NULL, NULL, NULL);
    json_t *j = json_loads(t, 0, NULL);
    free(t);
    json_object_set_new(json_object_get(j, "period"), "start", json_string("2025-01-01"));
    json_object_set_new(json_object_get(j, "period"), "end", json_string("2025-12-31"));
    json_object_del(j, "bridge_letter");
    t = json_dumps(j, 0);
    json_decref(j);
    ism_error e = {0};
    json_t *r = import_text("soc2", "future.json", t, "2025-09-01", &e);
    ck_assert_msg(r != NULL, "%s", e.message);
    json_decref(r);
    free(t);
    json_t *d = doc("soc2", NULL, "2025-09-01");
    ck_assert_str_eq(ism_json_getstr(d, "standing"), "not_evidence");
    ck_assert_str_eq(ism_json_getstr(d, "future_dated"), "2025-12-31");
    ck_assert_ptr_nonnull(strstr(ism_json_getstr(d, "reason"), "future-dated"));
    json_decref(d);
    char *es = entries("12.6.1", "soc2", "2025-09-01");
    ck_assert_ptr_null(strstr(es, ":supports"));
    free(es);
    assert_standing("soc2", NULL, "2026-01-05", "supports");
    r = import_text("iso-cert", "next.json",
                    "{\"certification_body\":\"B\",\"accreditation_body\":\"A\","
                    "\"certificate_number\":\"N-9\",\"standard\":\"ISO/IEC 27001:2022\","
                    "\"scope\":\"S\",\"issue_date\":\"2026-01-10\",\"expiry_date\":"
                    "\"2029-01-09\"}",
                    "2025-09-01", &e);
    if (r) {
        json_decref(r);
        assert_standing("iso-cert", "N-9", "2025-09-01", "not_evidence");
        d = doc("iso-cert", "N-9", "2025-09-01");
        ck_assert_str_eq(ism_json_getstr(d, "future_dated"), "2026-01-10");
        json_decref(d);
        assert_standing("iso-cert", "N-9", "2026-02-01", "supports");
    } else {
        /* An importer that refuses a certificate issued in the future is as good. */
        ck_assert_int_eq(e.code, ISM_E_INVALID_DATA);
        ism_error_clear(&e);
    }
}
END_TEST

/* A long multibyte name in a reason built in a fixed buffer: the document keeps its entry
 * (the reason is cut on a character boundary, never in the middle of one). */
START_TEST(long_multibyte_names_in_reasons)
{
    char auditor[1024] = "";
    for (int i = 0; i < 150; i++)
        strcat(auditor, "監");
    char *t = soc2_variant("service_auditor", auditor, NULL);
    ism_error e = {0};
    json_t *r = import_text("soc2", "long.json", t, "2025-09-01", &e);
    ck_assert_msg(r != NULL, "%s", e.message);
    json_decref(r);
    free(t);
    json_t *d = doc("soc2", NULL, "2025-09-01");
    ck_assert_str_eq(ism_json_getstr(d, "standing"), "supports");
    ck_assert_ptr_nonnull(strstr(ism_json_getstr(d, "reason"), "監監監"));
    json_decref(d);
    char *es = entries("12.6.1", "soc2", "2025-09-01");
    ck_assert_ptr_nonnull(strstr(es, "CC7.1:supports"));
    free(es);
}
END_TEST

START_TEST(iso_expired_and_dates)
{
    ism_error e = {0};
    json_t *r = import_text("iso-cert", "old.json",
                            "{\"certification_body\":\"B\",\"accreditation_body\":\"A\","
                            "\"certificate_number\":\"N-1\",\"standard\":\"ISO/IEC 27001:2022\","
                            "\"scope\":\"S\",\"issue_date\":\"2022-01-01\",\"expiry_date\":"
                            "\"2024-12-31\"}",
                            "2025-09-01", &e);
    ck_assert_msg(r != NULL, "%s", e.message);
    ck_assert(has_warning(r, "expired"));
    json_decref(r);
    assert_standing("iso-cert", "N-1", "2025-09-01", "expired");
    size_t len;
    char *t = fixture("bad_serial_date.csv", &len);
    refused("iso-cert", "bad_serial_date.csv", t, "2025-09-01",
            (const char *const[]){"'46112' is a number, not a date", NULL});
    free(t);
    t = fixture("bad_text_date.csv", &len);
    refused("iso-cert", "bad_text_date.csv", t, "2025-09-01",
            (const char *const[]){"2025/02/30", NULL});
    free(t);
    refused("iso-cert", "x.json",
            "{\"certification_body\":\"B\",\"certificate_number\":\"N\",\"standard\":\"ISO 9001\","
            "\"issue_date\":\"2025-01-01\",\"expiry_date\":\"2024-01-01\"}",
            "2025-09-01",
            (const char *const[]){"27001 or ISO/IEC 27017", "the scope",
                                  "expires before it was issued", NULL});
}
END_TEST

START_TEST(soa_2022_through_the_crosswalk)
{
    must_import("iso-cert", "iso27001_2022.json", NULL, "2025-09-01");
    ism_error e = {0};
    json_t *r = import("soa", "soa_2022.csv", NULL, "2025-09-01", &e);
    ck_assert_msg(r != NULL, "%s", e.message);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(r, "summary"), "controls")),
                     93);
    json_decref(r);
    /* 2022 A.5.16 ← 2013 A.9.2.1 ← ISMAP 9.2.1: found in reverse through both crosswalks. */
    char *es = entries("9.2.1", "soa", "2025-09-01");
    ck_assert_msg(strstr(es, "A.5.16:supports") != NULL, "%s", es);
    free(es);
    /* Excluded physical controls speak against the ISMAP items they cover. */
    es = entries("11.1.1", "soa", "2025-09-01");
    ck_assert_msg(strstr(es, ":against") != NULL, "%s", es);
    free(es);
    /* Partially implemented is partial. */
    es = entries("14.2.1", "soa", "2025-09-01");
    ck_assert_msg(strstr(es, "A.8.25:partial") != NULL, "%s", es);
    free(es);
    /* The certificate's scope travels with each SoA entry. */
    json_t *s = ism_evidence_support(st, cats, subj, "", "2025-09-01", &e);
    json_t *x = json_array_get(json_object_get(json_object_get(s, "items"), "9.2.1"), 0);
    ck_assert_ptr_nonnull(strstr(ism_json_getstr(x, "scope"), "住民記録クラウド"));
    json_decref(s);
}
END_TEST

START_TEST(soa_refusals)
{
    refused("soa", "s.csv", "管理策,適用\nA.5.1,適用\nA.5.1,適用\nA.5.99,適用\nA.5.2,たぶん\n",
            "2025-09-01",
            (const char *const[]){"A.5.1 is listed twice",
                                  "A.5.99 is not a control of iso27001-2022",
                                  "applicable must be yes or no", NULL});
    refused("soa", "s.csv", "管理策,適用\nA.5.1.1,適用\nA.5.1,適用\n", "2025-09-01",
            (const char *const[]){"mixes 2013", NULL});
    refused("soa", "s.csv", "control,applicable,status\nA.9.2.3,yes,done\n", "2025-09-01",
            (const char *const[]){"status must be", NULL});
    ism_error e = {0};
    json_t *r =
        import_text("soa", "s.csv", "管理策,適用\nA.9.2.3,yes\nA.11.1.1,no\n", "2025-09-01", &e);
    ck_assert_msg(r != NULL, "%s", e.message);
    ck_assert(has_warning(r, "soa_incomplete"));
    ck_assert(has_warning(r, "exclusion_without_reason"));
    ck_assert_str_eq(
        ism_json_getstr(json_object_get(json_object_get(r, "evidence"), "data"), "edition"),
        "2013");
    json_decref(r);
    /* An SoA without a certificate is only the provider's word. */
    assert_standing("soa", NULL, "2025-09-01", "partial");
}
END_TEST

/* ---- CAIQ and documents
 * -------------------------------------------------------------------------- */

START_TEST(caiq)
{
    ism_error e = {0};
    json_t *r = import("caiq", "caiq.csv", NULL, "2025-09-01", &e);
    ck_assert_msg(r != NULL, "%s", e.message);
    const json_t *s = json_object_get(r, "summary");
    ck_assert_int_eq(json_integer_value(json_object_get(s, "questions")), 13);
    ck_assert_int_eq(json_integer_value(json_object_get(s, "no")), 2);
    ck_assert_int_eq(json_integer_value(json_object_get(s, "csc_responsibilities")), 4);
    const json_t *a = json_array_get(
        json_object_get(json_object_get(json_object_get(r, "evidence"), "data"), "answers"), 2);
    ck_assert_str_eq(ism_json_getstr(a, "ownership"), "shared");
    json_decref(r);
    json_t *d = doc("caiq", NULL, "2025-09-01");
    ck_assert_int_eq(json_array_size(json_object_get(d, "csc_responsibilities")), 4);
    ck_assert_int_eq(json_array_size(json_object_get(d, "answered_no")), 2);
    json_decref(d);
    refused("caiq", "c.csv",
            "Question ID,CSP CAIQ Answer,SSRM Control Ownership,CCM Control ID\n"
            "IAM-02.1,Yes,CSP-owned,IAM-02\nIAM-02.1,No,CSP-owned,IAM-02\nIAM2.1,Yes,,\n"
            "LOG-05.1,Maybe,CSP-owned,LOG-05\nTVM-07.1,Yes,Vendor,TVM-08\n",
            "2025-09-01",
            (const char *const[]){"answered twice", "not a CAIQ v4 question ID",
                                  "must be Yes, No or NA", "SSRM ownership must be",
                                  "belongs to CCM control TVM-07", NULL});
}
END_TEST

static int count_files(const char *path)
{
    DIR *d = opendir(path);
    if (!d) return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') {
            char *sub = ism_strdupf("%s/%s", path, e->d_name);
            n += e->d_type == DT_DIR ? count_files(sub) : 1;
            if (e->d_type != DT_DIR) ck_assert_int_eq(strlen(e->d_name), 64); /* sha-named only */
            free(sub);
        }
    closedir(d);
    return n;
}

START_TEST(documents)
{
    ism_error e = {0};
    const char *opts = "{\"kind\":\"contract\",\"title\":\"利用契約書\",\"date\":\"令和7年4月1日\","
                       "\"issuer\":\"はまなすクラウド株式会社\",\"valid_until\":\"2026-03-31\","
                       "\"about\":\"5-21、12.3.1 バックアップ条項\"}";
    json_t *r = import("file", "contract.pdf", opts, "2025-09-01", &e);
    ck_assert_msg(r != NULL, "%s", e.message);
    const json_t *ev = json_object_get(r, "evidence"), *d = json_object_get(ev, "data");
    ck_assert_str_eq(ism_json_getstr(d, "media_type"), "application/pdf");
    ck_assert_str_eq(ism_json_getstr(d, "date"), "2025-04-01");
    ck_assert_str_eq(ism_json_getstr(ev, "valid_until"), "2026-03-31");
    char *items = json_dumps(json_object_get(d, "about_items"), JSON_COMPACT);
    ck_assert_str_eq(items, "[\"12.3\",\"12.3.1\"]");
    free(items);
    json_decref(r);
    char *files = ism_strdupf("%s/files", dir);
    ck_assert_int_eq(count_files(files), 1);
    /* The same bytes under a name that looks like a path: stored once, name never a path. */
    size_t len;
    char *data = fixture("contract.pdf", &len);
    r = import_mem("file", "../../etc/passwd", data, len, "{\"title\":\"写し\"}", "2025-09-01", &e);
    ck_assert_msg(r != NULL, "%s", e.message);
    ck_assert(has_warning(r, "same_content"));
    json_decref(r);
    ck_assert_int_eq(count_files(files), 1);
    /* A corrected document under the same title is a new version. */
    r = import_mem("file", "contract-v2.pdf", "%PDF-1.4 v2", 11, opts, "2025-09-01", &e);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(r, "evidence"), "version")),
                     2);
    json_decref(r);
    ck_assert_int_eq(count_files(files), 2);
    /* Attached about 12.3.1, the document is evidence there for review, until it expires. */
    char *es = entries("12.3.1", "file", "2025-09-01");
    ck_assert_ptr_nonnull(strstr(es, "利用契約書:partial"));
    free(es);
    assert_standing("file", "contract:利用契約書", "2026-04-01", "expired");
    char *before = table_dump();
    ck_assert_ptr_null(
        import_mem("file", "x", data, len,
                   "{\"kind\":\"memo\",\"date\":\"2025-05-01\",\"valid_until\":\"2025-04-01\"}",
                   "2025-09-01", &e));
    ck_assert(has_detail(&e, "kind must be contract"));
    ck_assert(has_detail(&e, "before the document's date"));
    ism_error_clear(&e);
    ck_assert_ptr_null(import_mem("file", "empty", "", 0, NULL, "2025-09-01", &e));
    ism_error_clear(&e);
    size_t big = (48u << 20) + 1;
    char *huge = calloc(1, big);
    ck_assert_ptr_null(import_mem("file", "huge.bin", huge, big, NULL, "2025-09-01", &e));
    ck_assert_int_eq(e.code, ISM_E_TOO_LARGE);
    ism_error_clear(&e);
    free(huge);
    char *after = table_dump();
    ck_assert_str_eq(before, after);
    free(before), free(after), free(data), free(files);
}
END_TEST

int main(void)
{
    cats = tu_catalogs();
    if (!cats) return 1;
    Suite *s = suite_create("import_evidence");
    TCase *tc = tcase_create("evidence");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, name_keys);
    tcase_add_test(tc, registration_validity);
    tcase_add_test(tc, ismap_list_lookups);
    tcase_add_test(tc, ismap_list_header_map);
    tcase_add_test(tc, ismap_list_refusals);
    tcase_add_test(tc, soc2_type2);
    tcase_add_test(tc, soc2_rules);
    tcase_add_test(tc, soc2_bridge_letter);
    tcase_add_test(tc, soc2_refusals);
    tcase_add_test(tc, iso_2013_transition);
    tcase_add_test(tc, iso_27017_needs_27001);
    tcase_add_test(tc, iso_expired_and_dates);
    tcase_add_test(tc, future_dated_evidence);
    tcase_add_test(tc, long_multibyte_names_in_reasons);
    tcase_add_test(tc, soa_2022_through_the_crosswalk);
    tcase_add_test(tc, soa_refusals);
    tcase_add_test(tc, caiq);
    tcase_add_test(tc, documents);
    suite_add_tcase(s, tc);
    int failed = tu_run_suite(s);
    ism_catalog_free(cats);
    return failed;
}
