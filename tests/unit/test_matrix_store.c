/* test_matrix_store.c — assessments, findings with resource waivers, append-only judgments,
 * waiver validation, framework requirement lists, and the matrix built and diffed end to end
 * over the real catalogs. */
#include "ismap/catalog.h"
#include "ismap/matrix.h"
#include "ismap/store.h"
#include "testutil.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *dir;
static ism_store *st;
static ism_catalog_set *cs;

static void setup(void)
{
    dir = tu_tempdir("matrix");
    char *p = tu_store_location(dir);
    ism_error e = {0};
    st = ism_store_open_with(p, ism_matrix_schema(), 1, &e);
    ck_assert_msg(st != NULL, "%s", e.message);
    free(p);
    p = ism_strdupf("%s/catalog", tu_source_dir());
    cs = ism_catalog_load_cached(p, getenv("ISMAP_CATALOG_CACHE"), NULL, &e);
    ck_assert_msg(cs != NULL, "%s", e.message);
    free(p);
}

static void teardown(void)
{
    ism_catalog_free(cs);
    ism_store_close(st);
    tu_rmtree(dir);
    free(dir);
}

START_TEST(framework_requirements)
{
    ism_error e = {0};
    struct {
        const char *fw;
        size_t n;
    } want[] = {{"ismap-must-meet", 152},     {"mic", 421},
                {"mic-cloud-addon", 36},      {"mic-beta", 9 + 23},
                {"mic-alpha-prime", 17 + 23}, {"mic-wireless", 13}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        json_t *r = ism_matrix_requirements(cs, want[i].fw, &e);
        ck_assert_msg(r != NULL, "%s: %s", want[i].fw, e.message);
        ck_assert_msg(json_array_size(r) == want[i].n, "%s has %zu requirements, not %zu",
                      want[i].fw, json_array_size(r), want[i].n);
        json_decref(r);
    }
    json_t *r = ism_matrix_requirements(cs, "ismap", &e);
    size_t must = 0, i;
    json_t *x;
    json_array_foreach(r, i, x) must += json_is_true(json_object_get(x, "must_meet"));
    ck_assert_int_eq(must, 152);
    json_decref(r);
    ck_assert_ptr_null(ism_matrix_requirements(cs, "nist-800-53", &e));
    ck_assert_int_eq(e.code, ISM_E_INVALID_PARAMS);
    ism_error_clear(&e);
}
END_TEST

static json_t *new_assessment(void)
{
    ism_error e = {0};
    json_t *fw = json_pack("[s, s]", "ismap-must-meet", "mic-cloud-addon");
    json_t *sn = json_pack("[s]", "snap_1");
    json_t *a = ism_assessment_create(st, "city", "subj_1", "2026年度 外部監査", fw, sn,
                                      "2026-11-22", NULL, "local", &e);
    ck_assert_msg(a != NULL, "%s", e.message);
    json_decref(fw);
    json_decref(sn);
    return a;
}

START_TEST(findings_waivers_and_judgments)
{
    ism_error e = {0};
    json_t *a = new_assessment();
    const char *aid = ism_json_getstr(a, "id");
    ism_findings_writer *w = ism_findings_begin(st, aid, "snap_1", &e);
    ck_assert(ism_findings_add(w, "aws-iam-root-mfa", "critical", "111", "global", "iam.User",
                               "<root_account>", NULL, "fail", "root has no MFA"));
    ck_assert(ism_findings_add(w, "aws-ec2-ebs-encrypted", "high", "111", "ap-northeast-1",
                               "ec2.Volume", "vol-1", "arn:vol-1", "fail", "not encrypted"));
    ck_assert(ism_findings_add(w, "aws-ec2-ebs-encrypted", "high", "111", "ap-northeast-1",
                               "ec2.Volume", "vol-2", "arn:vol-2", "pass", "encrypted"));
    ck_assert(ism_findings_end(w, true, &e));
    /* A waiver on one resource of a check. */
    json_t *wv = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "check", "aws-ec2-ebs-encrypted",
                           "resource", "vol-1", "justification", "移行中のため2027年3月まで",
                           "approver", "CISO 山田", "ticket", "SEC-42", "expires", "2027-03-31");
    json_t *waiver = ism_waiver_add(st, "city", wv, "local", &e);
    ck_assert_msg(waiver != NULL, "%s", e.message);
    json_t *agg = ism_findings_aggregate(st, aid, "2026-11-22", &e);
    json_t *ebs = json_object_get(agg, "aws-ec2-ebs-encrypted");
    ck_assert_int_eq(json_integer_value(json_object_get(ebs, "fail")), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(ebs, "waived")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(ebs, "pass")), 1);
    json_decref(agg);
    /* After it expires, the fail counts again. */
    agg = ism_findings_aggregate(st, aid, "2027-04-01", &e);
    ck_assert_int_eq(
        json_integer_value(json_object_get(json_object_get(agg, "aws-ec2-ebs-encrypted"), "fail")),
        1);
    json_decref(agg);
    /* Revoked: counts again at once. */
    ck_assert(ism_waiver_revoke(st, ism_json_getstr(waiver, "id"), "city", "local", &e));
    ck_assert(!ism_waiver_revoke(st, ism_json_getstr(waiver, "id"), "city", "local", &e));
    ism_error_clear(&e);
    agg = ism_findings_aggregate(st, aid, "2026-11-22", &e);
    ck_assert_int_eq(
        json_integer_value(json_object_get(json_object_get(agg, "aws-ec2-ebs-encrypted"), "fail")),
        1);
    json_decref(agg);
    json_decref(waiver);
    json_decref(wv);
    /* Waiver validation names the problem. */
    static const char *const bad[] = {
        "{\"justification\":\"x\",\"approver\":\"y\",\"expires\":\"2027-01-01\"}",
        "{\"catalog\":\"ismap\",\"justification\":\"x\",\"approver\":\"y\",\"expires\":\"2027-01-"
        "01\"}",
        "{\"check\":\"c\",\"justification\":\"x\",\"approver\":\"y\",\"expires\":\"31/12/2027\"}",
        "{\"check\":\"c\",\"justification\":\"\",\"approver\":\"y\",\"expires\":\"2027-01-01\"}",
        "{\"resource\":\"r\",\"justification\":\"x\",\"approver\":\"y\",\"expires\":\"2027-01-"
        "01\"}"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        json_t *b = json_loads(bad[i], 0, NULL);
        ck_assert_ptr_null(ism_waiver_add(st, "city", b, "local", &e));
        ck_assert_int_eq(e.code, ISM_E_INVALID_PARAMS);
        ism_error_clear(&e);
        json_decref(b);
    }
    /* Judgments: append-only; the latest counts; history keeps all. */
    json_t *j1 = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "catalog", "mic-audit", "item", "C-1",
                           "result", "partial", "examined", "情報セキュリティポリシー", "findings",
                           "連絡体制が文書化されていない", "improvement", "連絡体制図を整備する");
    json_t *j2 = json_pack("{s:s, s:s, s:s, s:s}", "catalog", "mic-audit", "item", "C-1", "result",
                           "satisfied", "examined", "連絡体制図 第2版");
    json_t *r1 = ism_judgment_add(st, aid, j1, "auditor1", &e);
    ck_assert_msg(r1 != NULL, "%s", e.message);
    json_t *r2 = ism_judgment_add(st, aid, j2, "auditor1", &e);
    json_t *latest = ism_judgment_latest(st, aid, &e);
    ck_assert_str_eq(ism_json_getstr(json_object_get(latest, "mic-audit:C-1"), "result"),
                     "satisfied");
    json_t *hist = ism_judgment_history(st, aid, "mic-audit", "C-1", &e);
    ck_assert_int_eq(json_array_size(hist), 2);
    ck_assert_str_eq(ism_json_getstr(json_array_get(hist, 1), "findings"),
                     "連絡体制が文書化されていない");
    json_t *na = json_pack("{s:s, s:s, s:s}", "catalog", "mic-audit", "item", "C-2", "result",
                           "not_applicable");
    ck_assert_ptr_null(ism_judgment_add(st, aid, na, "auditor1", &e));
    ck_assert_ptr_nonnull(strstr(e.message, "reason"));
    ism_error_clear(&e);
    json_decref(na);
    json_decref(hist);
    json_decref(latest);
    json_decref(r1);
    json_decref(r2);
    json_decref(j1);
    json_decref(j2);

    /* The whole matrix over the real catalogs: the root-MFA check bears on C-items. */
    json_t *refs = json_pack("{s:{s:s, s:s, s:{s:[s, s]}}, s:{s:s, s:s, s:{s:[s]}}}",
                             "aws-iam-root-mfa", "title", "root MFA", "severity", "critical",
                             "refs", "mic-audit", "C-9", "C-10", "aws-ec2-ebs-encrypted", "title",
                             "EBS", "severity", "high", "refs", "ismap", "10.1.1");
    json_t *m = ism_matrix_build(st, cs, refs, NULL, aid, "city", "2026-11-22", &e);
    ck_assert_msg(m != NULL, "%s", e.message);
    ck_assert_int_eq(json_array_size(json_object_get(m, "requirements")), 152 + 36);
    json_t *counts = json_object_get(m, "counts");
    ck_assert_int_ge(json_integer_value(json_object_get(counts, "not_satisfied")), 1);
    json_t *fl = ism_findings_list(st, aid, "fail", NULL, 0, &e);
    ck_assert_int_eq(json_array_size(fl), 2);
    ck_assert_str_eq(ism_json_getstr(json_array_get(fl, 0), "severity"), "critical");
    /* Diff: fix the root MFA in a second run and see what changed. */
    json_t *fw = json_pack("[s, s]", "ismap-must-meet", "mic-cloud-addon");
    json_t *sn = json_pack("[s]", "snap_2");
    json_t *b = ism_assessment_create(st, "city", "subj_1", "再評価", fw, sn, "2026-11-22", NULL,
                                      "local", &e);
    w = ism_findings_begin(st, ism_json_getstr(b, "id"), "snap_2", &e);
    ck_assert(ism_findings_add(w, "aws-iam-root-mfa", "critical", "111", "global", "iam.User",
                               "<root_account>", NULL, "pass", "root has MFA"));
    ck_assert(ism_findings_end(w, true, &e));
    json_t *m2 =
        ism_matrix_build(st, cs, refs, NULL, ism_json_getstr(b, "id"), "city", "2026-11-22", &e);
    json_t *fl2 = ism_findings_list(st, ism_json_getstr(b, "id"), NULL, NULL, 0, &e);
    json_t *d = ism_matrix_diff(m, m2, fl, fl2, NULL);
    ck_assert_int_ge(json_array_size(json_object_get(d, "changed")), 1);
    ck_assert_int_eq(json_array_size(json_object_get(d, "findings_resolved")), 2);
    ck_assert_int_eq(json_array_size(json_object_get(d, "findings_new")), 0);
    json_decref(d);
    /* Issue 9 item 14: with b's coverage, only the root-MFA finding (examined again in that
     * account and region) is resolved; the EBS one was never collected the second time. */
    json_t *cov = ism_findings_coverage(st, ism_json_getstr(b, "id"), &e);
    ck_assert_msg(cov != NULL, "%s", e.message);
    ck_assert_ptr_nonnull(json_object_get(cov, "aws-iam-root-mfa|111|global"));
    d = ism_matrix_diff(m, m2, fl, fl2, cov);
    json_t *res = json_object_get(d, "findings_resolved"),
           *nc = json_object_get(d, "findings_not_collected");
    ck_assert_int_eq(json_array_size(res), 1);
    ck_assert_str_eq(ism_json_getstr(json_array_get(res, 0), "check"), "aws-iam-root-mfa");
    ck_assert_int_eq(json_array_size(nc), 1);
    ck_assert_str_eq(ism_json_getstr(json_array_get(nc, 0), "check"), "aws-ec2-ebs-encrypted");
    json_decref(d);
    json_decref(cov);
    json_decref(fl2);
    json_decref(m2);
    json_decref(b);
    json_decref(fw);
    json_decref(sn);
    json_decref(fl);
    json_decref(m);
    json_decref(refs);
    json_decref(a);
}
END_TEST

/* Issue 11 item 9: the materialized matrix is served while its inputs are unchanged and
 * invalidated by each of them: findings, judgments, waivers (added, revoked), and what the
 * caller brings (evidence support, catalogs, checks, today). */
/* findings.list's filters: account, region, severity, check, status and network domain (the
 * closed domain recorded for the account, or "internet" for none), each alone and together,
 * with cursor pages that neither repeat nor skip a finding and totals of the filtered list. */
START_TEST(findings_pages_filtered)
{
    ism_error e = {0};
    json_t *fw = json_pack("[s]", "mic-cloud-addon"), *sn = json_pack("[s, s]", "snap_a", "snap_b");
    json_t *a = ism_assessment_create(st, "city", "subj_1", "filters", fw, sn, "2026-11-22", NULL,
                                      "local", &e);
    ck_assert_msg(a != NULL, "%s", e.message);
    const char *aid = ism_json_getstr(a, "id");
    static const char *const sev[] = {"critical", "high", "medium", "low"};
    static const char *const acct[] = {"111", "222", "333"};
    static const char *const reg[] = {"ap-northeast-1", "ap-northeast-3"};
    /* snap_a: 111 is マイナンバー利用事務系, 222 LGWAN接続系, 333 unclassified. snap_b names 333
     * lgwan: a domain belongs to (snapshot, account). */
    for (int sidx = 0; sidx < 2; sidx++) {
        ism_findings_writer *w = ism_findings_begin(st, aid, sidx ? "snap_b" : "snap_a", &e);
        ck_assert_msg(w != NULL, "%s", e.message);
        json_t *dom = sidx ? json_pack("{s:s}", "333", "lgwan")
                           : json_pack("{s:s, s:{s:s, s:s}}", "111", "mynumber", "222", "domain",
                                       "lgwan", "basis", "vpc tag");
        ck_assert(ism_findings_set_domains(w, dom));
        json_decref(dom);
        for (int i = 0; i < 60; i++) {
            char id[32];
            snprintf(id, sizeof id, "vol-%d-%02d", sidx, i);
            ck_assert(ism_findings_add(w, i % 5 ? "aws-ec2-ebs-encrypted" : "aws-iam-root-mfa",
                                       sev[i % 4], acct[i % 3], reg[i % 2], "ec2.Volume", id, NULL,
                                       i % 3 == 1 ? "pass" : "fail", "reason"));
        }
        ck_assert(ism_findings_end(w, true, &e));
    }
    struct {
        ism_findings_filter f;
        long want;
    } cases[] = {
        {{0}, 120},
        {{.account = "111"}, 40},
        {{.region = "ap-northeast-3"}, 60},
        {{.severity = "critical"}, 30},
        {{.check = "aws-iam-root-mfa"}, 24},
        {{.status = "pass"}, 40},
        {{.domain = "mynumber"}, 20}, /* 111 in snap_a */
        {{.domain = "lgwan"}, 40},    /* 222 in snap_a, 333 in snap_b */
        {{.domain = "internet"}, 60}, /* 333 in snap_a, 111 and 222 in snap_b */
        {{.domain = "lgwan", .status = "fail", .severity = "high"}, 5}, /* 333 in snap_b */
        {{.account = "111", .region = "ap-northeast-1", .check = "aws-ec2-ebs-encrypted"}, 16},
        {{.account = "nobody"}, 0},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const ism_findings_filter *f = &cases[c].f;
        json_t *seen = json_object();
        long total = -1, offset = 0;
        for (int pages = 0; pages < 100; pages++) {
            json_t *page = ism_findings_page(st, aid, f, offset, 7, &total, &e);
            ck_assert_msg(page != NULL, "%s", e.message);
            ck_assert_msg(total == cases[c].want, "case %zu: total %ld, want %ld", c, total,
                          cases[c].want);
            size_t i;
            json_t *r;
            json_array_foreach(page, i, r)
            {
                char key[96];
                snprintf(key, sizeof key, "%s/%s", ism_json_getstr(r, "snapshot"),
                         ism_json_getstr(r, "resource_id"));
                ck_assert_msg(!json_object_get(seen, key), "case %zu: %s twice", c, key);
                json_object_set_new(seen, key, json_true());
                const char *d = ism_json_getstr(r, "domain");
                ck_assert_ptr_nonnull(d);
                if (f->account) ck_assert_str_eq(ism_json_getstr(r, "account"), f->account);
                if (f->region) ck_assert_str_eq(ism_json_getstr(r, "region"), f->region);
                if (f->severity) ck_assert_str_eq(ism_json_getstr(r, "severity"), f->severity);
                if (f->check) ck_assert_str_eq(ism_json_getstr(r, "check"), f->check);
                if (f->status) ck_assert_str_eq(ism_json_getstr(r, "status"), f->status);
                if (f->domain) ck_assert_str_eq(d, f->domain);
            }
            offset += (long)json_array_size(page);
            size_t n = json_array_size(page);
            json_decref(page);
            if (n == 0 || offset >= total) break;
        }
        ck_assert_int_eq((long)json_object_size(seen), cases[c].want);
        json_decref(seen);
    }
    /* The domain of a row is its (snapshot, account)'s. */
    ism_findings_filter one = {.account = "333"};
    json_t *p333 = ism_findings_page(st, aid, &one, 0, 0, NULL, &e);
    size_t i;
    json_t *r;
    json_array_foreach(p333, i, r)
        ck_assert_str_eq(ism_json_getstr(r, "domain"),
                         !strcmp(ism_json_getstr(r, "snapshot"), "snap_b") ? "lgwan" : "internet");
    json_decref(p333);
    /* Facets: every value over the whole assessment with its count. */
    json_t *fc = ism_findings_facets(st, aid, &e);
    ck_assert_msg(fc != NULL, "%s", e.message);
    ck_assert_int_eq(json_object_size(json_object_get(fc, "account")), 3);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(fc, "account"), "222")),
                     40);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(fc, "domain"), "lgwan")),
                     40);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(fc, "domain"), "internet")),
                     60);
    ck_assert_int_eq(json_object_size(json_object_get(fc, "severity")), 4);
    ck_assert_int_eq(json_object_size(json_object_get(fc, "check")), 2);
    ck_assert_int_eq(json_object_size(json_object_get(fc, "status")), 2);
    json_decref(fc);
    /* The unfiltered list (reports) keeps its rows as they were: no domain key. */
    json_t *all = ism_findings_list(st, aid, NULL, NULL, 0, &e);
    ck_assert_int_eq(json_array_size(all), 120);
    ck_assert_ptr_null(json_object_get(json_array_get(all, 0), "domain"));
    json_decref(all);
    json_decref(a);
    json_decref(fw);
    json_decref(sn);
}
END_TEST

START_TEST(materialized_matrix_is_invalidated_by_each_input)
{
    ism_error e = {0};
    json_t *fw = json_pack("[s]", "mic-cloud-addon"), *sn = json_pack("[s]", "snap_1");
    json_t *a = ism_assessment_create(st, "city", "subj_1", "cache", fw, sn, NULL, NULL, "t", &e);
    ck_assert_msg(a != NULL, "%s", e.message);
    const char *aid = ism_json_getstr(a, "id");
    char *keys[8];
    int n = 0;
#define KEY(extra)                                                                                 \
    do {                                                                                           \
        keys[n] = ism_matrix_inputs_key(st, aid, "city", extra, &e);                               \
        ck_assert_msg(keys[n] != NULL, "%s", e.message);                                           \
        for (int i = 0; i < n; i++)                                                                \
            ck_assert_msg(strcmp(keys[i], keys[n]), "key %d did not change after step %d", n, n);  \
        n++;                                                                                       \
    } while (0)
    KEY("support-1|checks-1|cat|2026-11-22");
    /* Unchanged inputs: the same key, and the stored matrix comes back. */
    char *same = ism_matrix_inputs_key(st, aid, "city", "support-1|checks-1|cat|2026-11-22", &e);
    ck_assert_str_eq(same, keys[0]);
    free(same);
    json_t *m = json_pack("{s:s, s:[]}", "assessment", aid, "requirements");
    ck_assert(ism_matrix_cache_put(st, aid, keys[0], m, &e));
    json_t *got = ism_matrix_cache_get(st, aid, keys[0]);
    ck_assert(json_equal(got, m));
    json_decref(got);
    json_decref(m);
    /* Findings: a new evaluation. */
    ism_findings_writer *w = ism_findings_begin(st, aid, "snap_1", &e);
    ck_assert(ism_findings_add(w, "aws-iam-root-mfa", "critical", "111", "global", "iam.User",
                               "<root_account>", NULL, "fail", "no MFA"));
    ck_assert(ism_findings_end(w, true, &e));
    KEY("support-1|checks-1|cat|2026-11-22");
    ck_assert_ptr_null(ism_matrix_cache_get(st, aid, keys[n - 1]));
    /* A judgment. */
    json_t *j =
        json_pack("{s:s, s:s, s:s}", "catalog", "mic-audit", "item", "C-9", "result", "partial");
    json_t *jr = ism_judgment_add(st, aid, j, "auditor", &e);
    ck_assert_msg(jr != NULL, "%s", e.message);
    KEY("support-1|checks-1|cat|2026-11-22");
    /* A waiver, then its revocation. */
    json_t *wv =
        json_pack("{s:s, s:s, s:s, s:s, s:s}", "check", "aws-iam-root-mfa", "justification",
                  "移行中", "approver", "CISO", "expires", "2099-01-01", "assessment", aid);
    json_t *wr = ism_waiver_add(st, "city", wv, "auditor", &e);
    ck_assert_msg(wr != NULL, "%s", e.message);
    KEY("support-1|checks-1|cat|2026-11-22");
    ck_assert(ism_waiver_revoke(st, ism_json_getstr(wr, "id"), "city", "auditor", &e));
    KEY("support-1|checks-1|cat|2026-11-22");
    /* Evidence support, catalogs/checks, today: what the caller brings. */
    KEY("support-2|checks-1|cat|2026-11-22");
    KEY("support-2|checks-2|cat|2026-11-22");
    KEY("support-2|checks-2|cat|2026-11-23");
#undef KEY
    for (int i = 0; i < n; i++)
        free(keys[i]);
    json_decref(wv);
    json_decref(wr);
    json_decref(j);
    json_decref(jr);
    json_decref(a);
    json_decref(fw);
    json_decref(sn);
}
END_TEST

/* Findings that tie on every sort column come in the order they were written, on every page,
 * and a store whose findings table predates its explicit key (matrix schema 2: SQLite's rowid
 * made the order total) keeps that order through the migration that adds the key. */
START_TEST(findings_order_is_total_across_the_key_migration)
{
    ism_error e = {0};
    char *sub = ism_strdupf("%s/old", dir);
    ck_assert_int_eq(mkdir(sub, 0700), 0);
    char *loc = tu_store_location(sub);
    ism_store_schema v2 = *ism_matrix_schema();
    ck_assert_int_ge(v2.count, 3);
    v2.count = 2;
    ism_store *old = ism_store_open_with(loc, &v2, 1, &e);
    ck_assert_msg(old != NULL, "%s", e.message);
    json_t *fw = json_pack("[s]", "mic-cloud-addon"), *sn = json_pack("[s, s]", "snap_a", "snap_b");
    json_t *a = ism_assessment_create(old, "city", "subj_1", "order", fw, sn, "2026-11-22", NULL,
                                      "local", &e);
    ck_assert_msg(a != NULL, "%s", e.message);
    const char *aid = ism_json_getstr(a, "id");
    /* 12 ties (same status, severity, check, account, region, resource), their reasons numbered
     * in the order written, written backwards relative to their names; then snap_a again (the
     * replaced rows' keys are not reused ahead of the kept ones). */
    static const char *const snaps[] = {"snap_a", "snap_b", "snap_a"};
    for (int k = 0; k < 3; k++) {
        ism_findings_writer *w = ism_findings_begin(old, aid, snaps[k], &e);
        ck_assert_msg(w != NULL, "%s", e.message);
        for (int i = 0; i < 12; i++) {
            char reason[32];
            snprintf(reason, sizeof reason, "%s-%02d", snaps[k], 11 - i);
            ck_assert(ism_findings_add(w, "aws-ec2-ebs-encrypted", "high", "111", "ap-northeast-1",
                                       "ec2.Volume", "vol-1", NULL, "fail", reason));
        }
        ck_assert(ism_findings_end(w, true, &e));
    }
    ism_store_close(old);
    /* The current schema: the key migration runs. */
    old = ism_store_open_with(loc, ism_matrix_schema(), 1, &e);
    ck_assert_msg(old != NULL, "%s", e.message);
    json_t *vers = ism_store_schema_versions(old);
    ck_assert_int_eq(json_integer_value(json_object_get(vers, "matrix")),
                     ism_matrix_schema()->count);
    json_decref(vers);
    json_t *all = ism_findings_list(old, aid, NULL, NULL, 0, &e);
    ck_assert_msg(all != NULL, "%s", e.message);
    ck_assert_int_eq(json_array_size(all), 24);
    for (int i = 0; i < 24; i++) {
        char want[32];
        snprintf(want, sizeof want, "%s-%02d", i < 12 ? "snap_b" : "snap_a", 11 - i % 12);
        ck_assert_str_eq(ism_json_getstr(json_array_get(all, (size_t)i), "reason"), want);
    }
    /* Rows written after the migration come after the older ties, in the order written also
     * across the writer's batches (250 rows: full batches, then the rest one by one); the
     * arn of every other row is NULL, which stays NULL; long values (a batch's values outgrow
     * the writer's first buffer) come back whole. */
    char longtype[1200];
    memset(longtype, 'x', sizeof longtype - 1);
    longtype[sizeof longtype - 1] = '\0';
    ism_findings_writer *w = ism_findings_begin(old, aid, "snap_c", &e);
    ck_assert_msg(w != NULL, "%s", e.message);
    for (int i = 0; i < 250; i++) {
        char reason[32];
        snprintf(reason, sizeof reason, "snap_c-%03d", 249 - i);
        ck_assert(ism_findings_add(w, "aws-ec2-ebs-encrypted", "high", "111", "ap-northeast-1",
                                   i % 3 ? "ec2.Volume" : longtype, "vol-1", i % 2 ? "arn:x" : NULL,
                                   "fail", reason));
    }
    ck_assert(ism_findings_end(w, true, &e));
    json_decref(all);
    all = ism_findings_list(old, aid, NULL, NULL, 0, &e);
    ck_assert_int_eq(json_array_size(all), 274);
    for (int i = 0; i < 250; i++) {
        char want[32];
        snprintf(want, sizeof want, "snap_c-%03d", 249 - i);
        json_t *r = json_array_get(all, (size_t)(24 + i));
        ck_assert_str_eq(ism_json_getstr(r, "reason"), want);
        ck_assert(i % 2 ? json_is_string(json_object_get(r, "arn"))
                        : json_is_null(json_object_get(r, "arn")));
        ck_assert_str_eq(ism_json_getstr(r, "resource_type"), i % 3 ? "ec2.Volume" : longtype);
    }
    /* Pages of 5 add up to the list, in its order. */
    for (long off = 0; off < 25; off += 5) {
        long total = 0;
        json_t *page = ism_findings_page(old, aid, NULL, off, 5, &total, &e);
        ck_assert_msg(page != NULL, "%s", e.message);
        ck_assert_int_eq(total, 274);
        ck_assert_int_eq(json_array_size(page), 5);
        for (size_t i = 0; i < 5; i++)
            ck_assert_str_eq(ism_json_getstr(json_array_get(page, i), "reason"),
                             ism_json_getstr(json_array_get(all, (size_t)off + i), "reason"));
        json_decref(page);
    }
    /* The aggregate's failing examples are the first five of that order. */
    json_t *agg = ism_findings_aggregate(old, aid, "2026-11-22", &e);
    ck_assert_msg(agg != NULL, "%s", e.message);
    json_t *ex = json_object_get(json_object_get(agg, "aws-ec2-ebs-encrypted"), "failing");
    ck_assert_int_eq(json_array_size(ex), 5);
    for (size_t i = 0; i < 5; i++)
        ck_assert_str_eq(ism_json_getstr(json_array_get(ex, i), "reason"),
                         ism_json_getstr(json_array_get(all, i), "reason"));
    ck_assert_int_eq(
        json_integer_value(json_object_get(json_object_get(agg, "aws-ec2-ebs-encrypted"), "fail")),
        274);
    json_decref(agg);
    json_decref(all);
    /* The materialized matrix is replaced, not added beside the old one. */
    json_t *m1 = json_pack("{s:i}", "v", 1), *m2 = json_pack("{s:i}", "v", 2);
    ck_assert(ism_matrix_cache_put(old, aid, "k1", m1, &e));
    ck_assert(ism_matrix_cache_put(old, aid, "k2", m2, &e));
    ck_assert_ptr_null(ism_matrix_cache_get(old, aid, "k1"));
    json_t *got = ism_matrix_cache_get(old, aid, "k2");
    ck_assert(json_equal(got, m2));
    json_decref(got);
    json_decref(m1);
    json_decref(m2);
    ism_store_close(old);
    json_decref(a);
    json_decref(fw);
    json_decref(sn);
    free(loc);
    free(sub);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("matrix_store");
    TCase *tc = tcase_create("store");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, framework_requirements);
    tcase_add_test(tc, findings_waivers_and_judgments);
    tcase_add_test(tc, materialized_matrix_is_invalidated_by_each_input);
    tcase_add_test(tc, findings_pages_filtered);
    tcase_add_test(tc, findings_order_is_total_across_the_key_migration);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
