/* test_matrix_rules.c — every status rule of the conformance matrix, on hand-made inputs. */
#include "ismap/matrix.h"

#include "testutil.h"

#include <check.h>
#include <string.h>

/* A tiny catalog: objective O with controls C1, C2 (ismap), and a MIC item M. */
static json_t *reqs(void)
{
    return json_pack("[{s:s, s:s, s:s, s:n, s:s, s:b}, {s:s, s:s, s:s, s:s, s:s, s:b},"
                     " {s:s, s:s, s:s, s:s, s:s, s:b}, {s:s, s:s, s:s, s:n, s:s, s:b}]",
                     "framework", "ismap", "catalog", "ismap", "item", "O", "parent", "class",
                     "objective", "must_meet", 0, "framework", "ismap", "catalog", "ismap", "item",
                     "C1", "parent", "O", "class", "control", "must_meet", 1, "framework", "ismap",
                     "catalog", "ismap", "item", "C2", "parent", "O", "class", "control",
                     "must_meet", 1, "framework", "mic", "catalog", "mic-audit", "item", "M",
                     "parent", "class", "item", "must_meet", 0);
}

static json_t *checks(void)
{
    return json_pack("{s:{s:s, s:s, s:{s:[s], s:[s]}}, s:{s:s, s:s, s:{s:[s]}}}", "chk-a", "title",
                     "A", "severity", "high", "refs", "ismap", "C1", "mic-audit", "M", "chk-b",
                     "title", "B", "severity", "low", "refs", "mic-audit", "M");
}

static json_t *agg(int pass, int fail, int na, int waived)
{
    return json_pack("{s:i, s:i, s:i, s:i, s:i, s:[], s:s}", "pass", pass, "fail", fail,
                     "not_assessed", na, "error", 0, "waived", waived, "failing",
                     "not_assessed_reason", "no access: AccessDenied on GetCredentialReport");
}

typedef struct run {
    json_t *out;
} run;

static json_t *compute(json_t *findings, json_t *support, json_t *judg, json_t *waivers)
{
    json_t *r = reqs(), *c = checks();
    json_t *f = findings ? findings : json_object(), *j = judg ? judg : json_object();
    json_t *w = waivers ? waivers : json_array();
    ism_matrix_inputs in = {r, c, f, support, j, w, "2026-11-22"};
    json_t *out = ism_matrix_compute(&in);
    json_decref(r);
    json_decref(c);
    json_decref(f);
    json_decref(j);
    json_decref(w);
    json_decref(support);
    return out;
}

static const char *status_of(json_t *m, const char *item)
{
    size_t i;
    json_t *r;
    json_array_foreach(
        json_object_get(m, "requirements"), i,
        r) if (!strcmp(ism_json_getstr(r, "item"), item)) return ism_json_getstr(r, "status");
    return "missing";
}

static json_t *row_of(json_t *m, const char *item)
{
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(m, "requirements"), i,
                       r) if (!strcmp(ism_json_getstr(r, "item"), item)) return r;
    return NULL;
}

START_TEST(nothing_known_is_not_assessed_never_satisfied)
{
    json_t *m = compute(NULL, NULL, NULL, NULL);
    ck_assert_str_eq(status_of(m, "C1"), "not_assessed");
    ck_assert_str_eq(status_of(m, "O"), "not_assessed");
    json_t *reasons = json_object_get(row_of(m, "C1"), "reasons");
    ck_assert_str_eq(ism_json_getstr(json_array_get(reasons, 0), "source"), "none");
    ck_assert_int_eq(
        json_integer_value(json_object_get(json_object_get(m, "counts"), "not_assessed")), 4);
    /* Counts are kept per framework too. */
    json_t *fw = json_object_get(json_object_get(m, "counts_by_framework"), "mic");
    ck_assert_int_eq(json_integer_value(json_object_get(fw, "not_assessed")), 1);
    json_decref(m);
}
END_TEST

START_TEST(findings_decide_pass_fail_partial_and_no_access)
{
    json_t *m = compute(json_pack("{s:o}", "chk-a", agg(3, 0, 0, 0)), NULL, NULL, NULL);
    ck_assert_str_eq(status_of(m, "C1"), "satisfied");
    ck_assert_str_eq(status_of(m, "M"), "satisfied"); /* chk-b did not run: not counted */
    json_decref(m);
    m = compute(json_pack("{s:o}", "chk-a", agg(0, 2, 0, 0)), NULL, NULL, NULL);
    ck_assert_str_eq(status_of(m, "C1"), "not_satisfied");
    json_decref(m);
    m = compute(json_pack("{s:o, s:o}", "chk-a", agg(5, 0, 0, 0), "chk-b", agg(0, 1, 0, 0)), NULL,
                NULL, NULL);
    ck_assert_str_eq(status_of(m, "M"), "partial");
    json_decref(m);
    /* Only not-assessed (no access): not assessed, never a pass, and the reason says why. */
    m = compute(json_pack("{s:o}", "chk-a", agg(0, 0, 4, 0)), NULL, NULL, NULL);
    ck_assert_str_eq(status_of(m, "C1"), "not_assessed");
    json_t *r0 = json_array_get(json_object_get(row_of(m, "C1"), "reasons"), 0);
    ck_assert_ptr_nonnull(strstr(ism_json_getstr(r0, "not_assessed_reason"), "AccessDenied"));
    json_decref(m);
    /* Fails covered by a waiver no longer count as fails. */
    m = compute(json_pack("{s:o}", "chk-a", agg(2, 0, 0, 1)), NULL, NULL, NULL);
    ck_assert_str_eq(status_of(m, "C1"), "satisfied");
    json_decref(m);
}
END_TEST

static json_t *support1(const char *item, const char *standing)
{
    return json_pack("{s:{s:[{s:s, s:s, s:s}]}}", "items", item, "kind", "soc2", "evidence", "ev_1",
                     "standing", standing);
}

START_TEST(evidence_standings)
{
    json_t *m = compute(NULL, support1("C1", "supports"), NULL, NULL);
    ck_assert_str_eq(status_of(m, "C1"), "satisfied");
    json_decref(m);
    m = compute(NULL, support1("C1", "partial"), NULL, NULL);
    ck_assert_str_eq(status_of(m, "C1"), "partial");
    json_decref(m);
    m = compute(NULL, support1("C1", "against"), NULL, NULL);
    ck_assert_str_eq(status_of(m, "C1"), "not_satisfied");
    json_decref(m);
    /* Expired evidence does not count: the status says so. */
    m = compute(NULL, support1("C1", "expired"), NULL, NULL);
    ck_assert_str_eq(status_of(m, "C1"), "evidence_expired");
    json_decref(m);
    m = compute(NULL, support1("C1", "stale"), NULL, NULL);
    ck_assert_str_eq(status_of(m, "C1"), "evidence_expired");
    json_decref(m);
    m = compute(NULL, support1("C1", "not_evidence"), NULL, NULL);
    ck_assert_str_eq(status_of(m, "C1"), "not_assessed");
    json_decref(m);
    /* Expired and valid together: the valid one counts. */
    json_t *s = json_pack("{s:{s:[{s:s, s:s}, {s:s, s:s}]}}", "items", "C1", "kind", "iso-cert",
                          "standing", "expired", "kind", "soc2", "standing", "supports");
    m = compute(NULL, s, NULL, NULL);
    ck_assert_str_eq(status_of(m, "C1"), "satisfied");
    json_decref(m);
    /* Paper says yes, the tenant says no: the tenant wins. */
    m = compute(json_pack("{s:o}", "chk-a", agg(0, 1, 0, 0)), support1("C1", "supports"), NULL,
                NULL);
    ck_assert_str_eq(status_of(m, "C1"), "not_satisfied");
    json_decref(m);
    /* Evidence is mapped to ISMAP only; it does not decide MIC items. */
    m = compute(NULL, support1("M", "supports"), NULL, NULL);
    ck_assert_str_eq(status_of(m, "M"), "not_assessed");
    json_decref(m);
}
END_TEST

START_TEST(objective_satisfied_only_when_all_controls_are)
{
    json_t *s = json_pack("{s:{s:[{s:s}], s:[{s:s}]}}", "items", "C1", "standing", "supports", "C2",
                          "standing", "supports");
    json_t *m = compute(NULL, s, NULL, NULL);
    ck_assert_str_eq(status_of(m, "O"), "satisfied");
    json_decref(m);
    m = compute(NULL, support1("C1", "supports"), NULL, NULL);
    ck_assert_str_eq(status_of(m, "O"), "not_assessed"); /* C2 unknown */
    json_decref(m);
    s = json_pack("{s:{s:[{s:s}], s:[{s:s}]}}", "items", "C1", "standing", "supports", "C2",
                  "standing", "against");
    m = compute(NULL, s, NULL, NULL);
    ck_assert_str_eq(status_of(m, "O"), "not_satisfied");
    json_t *reasons = json_object_get(row_of(m, "O"), "reasons");
    ck_assert_str_eq(
        ism_json_getstr(json_array_get(reasons, json_array_size(reasons) - 1), "source"), "rollup");
    json_decref(m);
    /* A control judged not applicable does not hold its objective back. */
    json_t *j = json_pack("{s:{s:s, s:s, s:s, s:s}}", "ismap:C2", "catalog", "ismap", "item", "C2",
                          "result", "not_applicable", "reason", "物理サーバを保有しない");
    m = compute(NULL, support1("C1", "supports"), j, NULL);
    ck_assert_str_eq(status_of(m, "C2"), "not_applicable");
    ck_assert_str_eq(status_of(m, "O"), "satisfied");
    json_decref(m);
}
END_TEST

START_TEST(judgments_decide_and_conflicts_are_named)
{
    json_t *j = json_pack("{s:{s:s, s:s, s:s, s:s, s:s, s:s}}", "ismap:C1", "catalog", "ismap",
                          "item", "C1", "result", "satisfied", "examined", "運用手順書", "findings",
                          "", "improvement", "");
    json_t *m = compute(json_pack("{s:o}", "chk-a", agg(0, 1, 0, 0)), NULL, j, NULL);
    json_t *row = row_of(m, "C1");
    ck_assert_str_eq(ism_json_getstr(row, "status"), "satisfied");
    ck_assert_str_eq(ism_json_getstr(row, "derived_status"), "not_satisfied");
    json_t *reasons = json_object_get(row, "reasons");
    bool conflict = false;
    size_t i;
    json_t *r;
    json_array_foreach(reasons, i, r) conflict |= json_object_get(r, "conflict") != NULL;
    ck_assert(conflict);
    json_decref(m);
}
END_TEST

START_TEST(waivers_apply_until_they_expire)
{
    json_t *w = json_pack("[{s:s, s:s, s:s, s:s, s:n}]", "id", "wvr_1", "catalog", "ismap", "item",
                          "C1", "expires", "2027-03-31", "revoked");
    json_t *m = compute(json_pack("{s:o}", "chk-a", agg(0, 1, 0, 0)), NULL, NULL, w);
    json_t *row = row_of(m, "C1");
    ck_assert_str_eq(ism_json_getstr(row, "status"), "waived");
    ck_assert_str_eq(ism_json_getstr(row, "status_ja"), "例外措置");
    ck_assert_str_eq(ism_json_getstr(row, "until"), "2027-03-31");
    ck_assert_str_eq(ism_json_getstr(row, "derived_status"), "not_satisfied");
    json_decref(m);
    /* Expired yesterday: no longer applies, and the reason says so. */
    w = json_pack("[{s:s, s:s, s:s, s:s, s:n}]", "id", "wvr_2", "catalog", "ismap", "item", "C1",
                  "expires", "2026-11-21", "revoked");
    m = compute(json_pack("{s:o}", "chk-a", agg(0, 1, 0, 0)), NULL, NULL, w);
    row = row_of(m, "C1");
    ck_assert_str_eq(ism_json_getstr(row, "status"), "not_satisfied");
    bool noted = false;
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(row, "reasons"), i, r) noted |=
        !strcmp(ism_json_getstr(r, "source"), "waiver") &&
        !strcmp(ism_json_getstr(r, "status"), "expired");
    ck_assert(noted);
    json_decref(m);
    /* Revoked: gone at once. Expiring today: still applies today. */
    w = json_pack("[{s:s, s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s, s:n}]", "id", "wvr_3",
                  "catalog", "ismap", "item", "C2", "expires", "2027-01-01", "revoked",
                  "2026-11-01T00:00:00Z", "id", "wvr_4", "catalog", "mic-audit", "item", "M",
                  "expires", "2026-11-22", "revoked");
    m = compute(NULL, NULL, NULL, w);
    ck_assert_str_eq(status_of(m, "C2"), "not_assessed");
    ck_assert_str_eq(status_of(m, "M"), "waived");
    json_decref(m);
}
END_TEST

/* Issue 9 item 12: a high or critical failure in the My Number or LGWAN domain makes the
 * requirement 不適合 even when other accounts pass; a low one, or one outside those domains, stays
 * 一部適合; a requirement waiver still applies; every row says which rule decided it. */
static json_t *agg_dom(int pass, int fail, const char *dom, int ndom)
{
    json_t *a = agg(pass, fail, 0, 0);
    if (dom) json_object_set_new(a, "fail_by_domain", json_pack("{s:i}", dom, ndom));
    return a;
}

START_TEST(grave_failure_in_a_closed_domain_is_not_satisfied)
{
    /* chk-a is high and bears on C1 and M: 3 accounts pass, the My Number account fails. */
    json_t *m =
        compute(json_pack("{s:o}", "chk-a", agg_dom(3, 1, "mynumber", 1)), NULL, NULL, NULL);
    ck_assert_str_eq(status_of(m, "C1"), "not_satisfied");
    ck_assert_str_eq(status_of(m, "M"), "not_satisfied");
    ck_assert_str_eq(status_of(m, "O"), "not_satisfied"); /* rolled up */
    const char *rule = ism_json_getstr(row_of(m, "C1"), "rule");
    ck_assert_msg(rule && strstr(rule, "マイナンバー利用事務系") && strstr(rule, "chk-a") &&
                      strstr(rule, "high"),
                  "rule: %s", rule);
    bool seen = false;
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(row_of(m, "C1"), "reasons"), i, r)
    {
        if (!strcmp(ism_json_getstr(r, "source"), "rule")) {
            ck_assert_str_eq(ism_json_getstr(r, "domain"), "mynumber");
            seen = true;
        }
    }
    ck_assert(seen);
    json_decref(m);
    /* LGWAN too. */
    m = compute(json_pack("{s:o}", "chk-a", agg_dom(5, 2, "lgwan", 2)), NULL, NULL, NULL);
    ck_assert_str_eq(status_of(m, "C1"), "not_satisfied");
    ck_assert_ptr_nonnull(strstr(ism_json_getstr(row_of(m, "C1"), "rule"), "LGWAN"));
    json_decref(m);
    /* Outside the closed domains: still 一部適合, and the rule says why. */
    m = compute(json_pack("{s:o}", "chk-a", agg_dom(3, 1, NULL, 0)), NULL, NULL, NULL);
    ck_assert_str_eq(status_of(m, "C1"), "partial");
    ck_assert_ptr_nonnull(strstr(ism_json_getstr(row_of(m, "C1"), "rule"), "一部適合"));
    json_decref(m);
    /* A low-severity check (chk-b on M) failing in the My Number domain: 一部適合. */
    m = compute(json_pack("{s:o}", "chk-b", agg_dom(3, 1, "mynumber", 1)), NULL, NULL, NULL);
    ck_assert_str_eq(status_of(m, "M"), "partial");
    json_decref(m);
    /* Waived resources are already netted out of fail_by_domain; a requirement waiver wins. */
    m = compute(json_pack("{s:o}", "chk-a", agg_dom(3, 1, "mynumber", 1)), NULL, NULL,
                json_pack("[{s:s, s:s, s:s, s:s}]", "id", "wv_1", "catalog", "ismap", "item", "C1",
                          "expires", "2099-01-01"));
    ck_assert_str_eq(status_of(m, "C1"), "waived");
    ck_assert_ptr_nonnull(strstr(ism_json_getstr(row_of(m, "C1"), "rule"), "例外措置"));
    ck_assert_str_eq(status_of(m, "M"), "not_satisfied");
    json_decref(m);
}
END_TEST

START_TEST(status_names)
{
    ism_req_status s;
    for (int i = 0; i < ISM_REQ_STATUS_COUNT; i++) {
        ck_assert(ism_req_status_parse(ism_req_status_name((ism_req_status)i), &s));
        ck_assert_int_eq(s, i);
    }
    ck_assert_str_eq(ism_req_status_ja(ISM_REQ_PARTIAL), "一部適合");
    ck_assert(!ism_req_status_parse("ok", &s));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("matrix_rules");
    TCase *tc = tcase_create("rules");
    tcase_add_test(tc, nothing_known_is_not_assessed_never_satisfied);
    tcase_add_test(tc, findings_decide_pass_fail_partial_and_no_access);
    tcase_add_test(tc, evidence_standings);
    tcase_add_test(tc, objective_satisfied_only_when_all_controls_are);
    tcase_add_test(tc, judgments_decide_and_conflicts_are_named);
    tcase_add_test(tc, waivers_apply_until_they_expire);
    tcase_add_test(tc, grave_failure_in_a_closed_domain_is_not_satisfied);
    tcase_add_test(tc, status_names);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
