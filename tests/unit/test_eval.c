/* test_eval.c — the runner: what the coverage table does to findings (denied, failed, never
 * collected, out of scope: never a pass), a check whose SQL fails at run time while the others
 * still run, the options (selection, status filter, cap, sink), and list/show. */
#include "ismap/catalog.h"
#include "ismap/eval.h"
#include "snapfix.h"
#include "testutil.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define A "111122223333"
#define B "444455556666"

static ism_catalog_set *cats;
static ism_eval_checks *checks;
static char *tmp;

static void setup(void)
{
    tmp = tu_tempdir("eval");
}

static void teardown(void)
{
    tu_rmtree(tmp);
    free(tmp);
}

/* The base tenant with an inline patch (JSON text, may be NULL), as an open snapshot. */
static ism_snapshot *tenant(const char *patch_json)
{
    ism_error e = {0};
    char *base = ism_strdupf("%s/tests/fixtures/snapshots/base.json", tu_source_dir());
    json_t *fx = snapfix_read(base, &e);
    ck_assert_msg(fx != NULL, "%s", e.message);
    free(base);
    if (patch_json) {
        json_error_t je;
        json_t *patch = json_loads(patch_json, 0, &je);
        ck_assert_msg(patch != NULL, "patch: %s", je.text);
        ck_assert_msg(snapfix_patch(fx, patch, &e), "%s", e.message);
        json_decref(patch);
    }
    static int n;
    char *path = ism_strdupf("%s/t%d.db", tmp, n++);
    ck_assert_msg(snapfix_build(fx, path, &e), "%s", e.message);
    json_decref(fx);
    ism_snapshot *s = ism_snapshot_open(path, false, &e);
    ck_assert_msg(s != NULL, "%s", e.message);
    free(path);
    return s;
}

static json_t *run_one(ism_eval_checks *cs, ism_snapshot *s, const char *id)
{
    ism_error e = {0};
    ism_eval_options opt = {.checks = &id, .nchecks = 1};
    json_t *r = ism_eval_run(cs, s, &opt, &e);
    ck_assert_msg(r != NULL, "%s", e.message);
    return r;
}

/* The findings of account (and region, when given) as [status, ...]. */
static json_t *statuses(json_t *r, const char *account, const char *region)
{
    json_t *out = json_array();
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(r, "findings"), i, f)
    {
        const char *a = ism_json_getstr(f, "account"), *g = ism_json_getstr(f, "region");
        if (a && !strcmp(a, account) && (!region || (g && !strcmp(g, region))))
            json_array_append(out, json_object_get(f, "status"));
    }
    return out;
}

static json_t *first_with(json_t *r, const char *account, const char *status)
{
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(r, "findings"), i, f)
    {
        if (!strcmp(ism_json_getstr(f, "account"), account) &&
            !strcmp(ism_json_getstr(f, "status"), status))
            return f;
    }
    return NULL;
}

START_TEST(denied_operation_is_not_assessed_never_pass)
{
    /* Root MFA is off in A, but the report could not be read there: the failure cannot be
     * seen, and the check must not say pass either. */
    ism_snapshot *s = tenant(
        "{\"set\": [{\"type\": \"iam.CredentialReport\", \"id\": \"<root_account>\", "
        "\"account\": \"" A "\", \"data\": {\"mfa_active\": \"false\"}}],"
        " \"coverage\": [{\"account\": \"" A "\", \"region\": \"global\", \"service\": \"iam\","
        " \"operation\": \"GetCredentialReport\", \"state\": \"denied\", \"reason\": "
        "\"AccessDenied: User arn:aws:sts::" A ":assumed-role/ismap/x is not authorized to perform "
        "iam:GetCredentialReport\"}]}");
    json_t *r = run_one(checks, s, "aws-iam-root-mfa");
    json_t *sa = statuses(r, A, NULL), *sb = statuses(r, B, NULL);
    ck_assert_int_eq(json_array_size(sa), 1);
    ck_assert_str_eq(json_string_value(json_array_get(sa, 0)), "not_assessed");
    json_t *f = first_with(r, A, "not_assessed");
    ck_assert_str_eq(ism_json_getstr(f, "region"), "global");
    ck_assert_ptr_nonnull(strstr(ism_json_getstr(f, "reason"), "no access: AccessDenied"));
    ck_assert_ptr_nonnull(strstr(ism_json_getstr(f, "reason"), "iam:GetCredentialReport"));
    /* The other account was read and still passes. */
    ck_assert_int_eq(json_array_size(sb), 1);
    ck_assert_str_eq(json_string_value(json_array_get(sb, 0)), "pass");
    json_t *c = json_array_get(json_object_get(r, "checks"), 0);
    ck_assert_str_eq(ism_json_getstr(c, "status"), "not_assessed");
    json_decref(sa);
    json_decref(sb);
    json_decref(r);
    ism_snapshot_close(s);
}
END_TEST

START_TEST(regional_gap_replaces_only_that_region)
{
    /* GuardDuty's list failed in Osaka for A, and the detector there is missing: Osaka is not
     * assessed (not a fail: the list was not read), Tokyo still passes. */
    ism_snapshot *s = tenant(
        "{\"remove\": [{\"type\": \"guardduty.Detector\", \"account\": \"" A
        "\", \"region\": \"ap-northeast-3\"}],"
        " \"coverage\": [{\"account\": \"" A "\", \"region\": \"ap-northeast-3\", \"service\": "
        "\"guardduty\", \"operation\": \"ListDetectors\", \"state\": \"failed\", \"reason\": "
        "\"InternalFailure: HTTP 500 after 4 attempts\"}]}");
    json_t *r = run_one(checks, s, "aws-guardduty-enabled");
    json_t *osaka = statuses(r, A, "ap-northeast-3"), *tokyo = statuses(r, A, "ap-northeast-1");
    ck_assert_int_eq(json_array_size(osaka), 1);
    ck_assert_str_eq(json_string_value(json_array_get(osaka, 0)), "not_assessed");
    ck_assert_int_eq(json_array_size(tokyo), 1);
    ck_assert_str_eq(json_string_value(json_array_get(tokyo, 0)), "pass");
    json_t *f = first_with(r, A, "not_assessed");
    ck_assert_ptr_nonnull(strstr(ism_json_getstr(f, "reason"), "collection failed: Internal"));
    json_decref(osaka);
    json_decref(tokyo);
    json_decref(r);
    ism_snapshot_close(s);
}
END_TEST

START_TEST(never_collected_and_out_of_scope)
{
    /* A: the trail's status call left no coverage row at all (never collected) in Tokyo.
     * B: GuardDuty is out of the collection's scope in Osaka (skipped): no finding there.
     * A third account in the manifest's scope that the collection never reached is not
     * assessed, rather than silently absent. */
    ism_snapshot *s = tenant(
        "{\"coverage\": ["
        " {\"account\": \"" A "\", \"region\": \"ap-northeast-1\", \"service\": \"cloudtrail\","
        "  \"operation\": \"GetTrailStatus\", \"state\": \"absent\"},"
        " {\"account\": \"" B "\", \"region\": \"ap-northeast-3\", \"service\": \"guardduty\","
        "  \"operation\": [\"ListDetectors\", \"GetDetector\"], \"state\": \"skipped\"}]}");
    json_t *r = run_one(checks, s, "aws-cloudtrail-logging");
    json_t *f = first_with(r, A, "not_assessed");
    ck_assert_ptr_nonnull(f);
    ck_assert_str_eq(ism_json_getstr(f, "region"), "ap-northeast-1");
    ck_assert_ptr_nonnull(strstr(ism_json_getstr(f, "reason"), "not collected"));
    ck_assert_ptr_null(first_with(r, A, "pass")); /* A's trail lives in Tokyo */
    json_decref(r);
    r = run_one(checks, s, "aws-guardduty-enabled");
    json_t *st = statuses(r, B, "ap-northeast-3");
    ck_assert_int_eq(json_array_size(st), 0);
    json_decref(st);
    st = statuses(r, B, "ap-northeast-1");
    ck_assert_int_eq(json_array_size(st), 1);
    json_decref(st);
    json_decref(r);
    ism_snapshot_close(s);
}
END_TEST

START_TEST(account_in_scope_but_never_reached)
{
    /* The manifest asked for a third account; nothing was recorded for it. */
    ism_error e = {0};
    char *base = ism_strdupf("%s/tests/fixtures/snapshots/base.json", tu_source_dir());
    json_t *fx = snapfix_read(base, &e);
    free(base);
    json_array_append_new(
        json_object_get(json_object_get(json_object_get(fx, "manifest"), "scope"), "accounts"),
        json_string("777788889999"));
    char *path = ism_strdupf("%s/scope.db", tmp);
    ck_assert_msg(snapfix_build(fx, path, &e), "%s", e.message);
    ism_snapshot *s = ism_snapshot_open(path, false, &e);
    json_t *r = run_one(checks, s, "aws-iam-password-min-length");
    json_t *st = statuses(r, "777788889999", "global");
    ck_assert_int_eq(json_array_size(st), 1);
    ck_assert_str_eq(json_string_value(json_array_get(st, 0)), "not_assessed");
    json_decref(st);
    json_decref(r);
    r = run_one(checks, s, "aws-guardduty-enabled");
    st = statuses(r, "777788889999", NULL);
    ck_assert_int_eq(json_array_size(st), 2); /* Tokyo and Osaka */
    json_decref(st);
    json_decref(r);
    ism_snapshot_close(s);
    json_decref(fx);
    free(path);
}
END_TEST

/* Writes a check file (and its folder) into dir/aws/. */
static void write_check(const char *dir, const char *id, const char *query)
{
    char *pdir = ism_strdupf("%s/aws", dir);
    mkdir(pdir, 0700);
    json_t *c =
        json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:s, s:s}, s:s, s:[{s:s, s:s}], s:{s:[s], s:[s]},"
                  " s:{s:s, s:s}, s:s}",
                  "id", id, "provider", "aws", "title", "ja", "試験", "en", "test", "description",
                  "ja", "試験用", "en", "for tests", "severity", "low", "requires", "service",
                  "iam", "operation", "GetCredentialReport", "refs", "mic-audit", "C-18", "ismap",
                  "9.4.3", "remediation", "ja", "なし", "en", "none", "query", query);
    char *path = ism_strdupf("%s/%s.json", pdir, id);
    ck_assert_int_eq(json_dump_file(c, path, JSON_INDENT(2)), 0);
    json_decref(c);
    free(path);
    free(pdir);
}

START_TEST(runtime_error_is_error_and_others_still_run)
{
    char *dir = ism_strdupf("%s/checks", tmp);
    mkdir(dir, 0700);
    /* Prepares fine and is empty on an empty snapshot; json_extract on the report's id
     * ("<root_account>" is not JSON) fails once there are rows. */
    write_check(dir, "aws-test-a-breaks",
                "SELECT account, region, type AS resource_type, id AS resource_id, arn, 'pass' "
                "AS status, json_extract(id, '$.x') AS reason FROM resources WHERE type = "
                "'iam.CredentialReport'");
    write_check(dir, "aws-test-b-bad-status",
                "SELECT account, region, type AS resource_type, id AS resource_id, arn, 'maybe' "
                "AS status, '' AS reason FROM resources WHERE type = 'iam.CredentialReport'");
    write_check(dir, "aws-test-c-works",
                "SELECT account, region, type AS resource_type, id AS resource_id, arn, 'pass' "
                "AS status, 'ok' AS reason FROM resources WHERE type = 'iam.CredentialReport'");
    ism_error e = {0};
    ism_eval_checks *cs = ism_eval_load(dir, cats, &e);
    ck_assert_msg(cs != NULL, "%s", e.message);
    ism_snapshot *s = tenant(NULL);
    json_t *r = ism_eval_run(cs, s, NULL, &e);
    ck_assert_msg(r != NULL, "%s", e.message);
    json_t *ck = json_object_get(r, "checks");
    ck_assert_int_eq(json_array_size(ck), 3);
    json_t *a = json_array_get(ck, 0), *b = json_array_get(ck, 1), *c = json_array_get(ck, 2);
    ck_assert_str_eq(ism_json_getstr(a, "status"), "error");
    ck_assert_ptr_nonnull(strstr(ism_json_getstr(a, "error"), "malformed JSON"));
    ck_assert_str_eq(ism_json_getstr(b, "status"), "error");
    ck_assert_ptr_nonnull(strstr(ism_json_getstr(b, "error"), "'maybe'"));
    ck_assert_str_eq(ism_json_getstr(c, "status"), "pass");
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(c, "counts"), "pass")), 4);
    /* Each broken check is one error finding, whatever it emitted before failing. */
    size_t i, errors = 0;
    json_t *f;
    json_array_foreach(json_object_get(r, "findings"), i, f)
    {
        if (strcmp(ism_json_getstr(f, "status"), "error") == 0) {
            errors++;
            ck_assert_ptr_null(ism_json_getstr(f, "account"));
        } else {
            ck_assert_str_eq(ism_json_getstr(f, "check"), "aws-test-c-works");
        }
    }
    ck_assert_int_eq(errors, 2);
    json_t *sum = json_object_get(json_object_get(r, "summary"), "check_status");
    ck_assert_int_eq(json_integer_value(json_object_get(sum, "error")), 2);
    json_decref(r);
    ism_snapshot_close(s);
    ism_eval_free(cs);
    free(dir);
}
END_TEST

typedef struct counter {
    long n, fails, stop_after;
} counter;

static bool count_sink(void *ctx, const ism_eval_finding *f)
{
    counter *c = ctx;
    c->n++;
    c->fails += f->status == ISM_EVAL_FAIL;
    ck_assert_ptr_nonnull(f->check);
    ck_assert_ptr_nonnull(f->reason);
    return !c->stop_after || c->n < c->stop_after;
}

START_TEST(options_select_filter_cap_and_stream)
{
    ism_snapshot *s = tenant("{\"set\": [{\"type\": \"iam.CredentialReport\", \"id\": "
                             "\"<root_account>\", \"account\": \"" A
                             "\", \"data\": {\"mfa_active\": \"false\"}}]}");
    ism_error e = {0};
    /* Only failures are delivered, but the summary counts everything. */
    ism_eval_options opt = {.statuses = 1u << ISM_EVAL_FAIL};
    json_t *r = ism_eval_run(checks, s, &opt, &e);
    ck_assert_int_eq(json_array_size(json_object_get(r, "findings")), 1);
    json_t *fs = json_object_get(json_object_get(r, "summary"), "findings");
    ck_assert_int_gt(json_integer_value(json_object_get(fs, "pass")), 50);
    ck_assert_int_eq(json_integer_value(json_object_get(fs, "fail")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(
                         json_object_get(json_object_get(r, "summary"), "check_status"), "fail")),
                     1);
    json_decref(r);
    /* A cap keeps the first N and says so. */
    opt = (ism_eval_options){.max_findings = 5};
    r = ism_eval_run(checks, s, &opt, &e);
    ck_assert_int_eq(json_array_size(json_object_get(r, "findings")), 5);
    ck_assert(json_is_true(json_object_get(r, "truncated")));
    json_decref(r);
    /* A sink gets every finding, and "findings" is left out. */
    counter cnt = {0};
    opt = (ism_eval_options){.sink = count_sink, .sink_ctx = &cnt};
    r = ism_eval_run(checks, s, &opt, &e);
    ck_assert_ptr_null(json_object_get(r, "findings"));
    fs = json_object_get(json_object_get(r, "summary"), "findings");
    ck_assert_int_eq(cnt.n, json_integer_value(json_object_get(fs, "pass")) + 1);
    ck_assert_int_eq(cnt.fails, 1);
    json_decref(r);
    /* A sink that stops cancels the run. */
    cnt = (counter){.stop_after = 3};
    opt = (ism_eval_options){.sink = count_sink, .sink_ctx = &cnt};
    ck_assert_ptr_null(ism_eval_run(checks, s, &opt, &e));
    ck_assert_int_eq(e.code, ISM_E_CANCELLED);
    ism_error_clear(&e);
    /* Unknown ids are refused. */
    const char *bad[] = {"aws-iam-root-mfa", "aws-no-such-check"};
    opt = (ism_eval_options){.checks = bad, .nchecks = 2};
    ck_assert_ptr_null(ism_eval_run(checks, s, &opt, &e));
    ck_assert_int_eq(e.code, ISM_E_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(e.message, "aws-no-such-check"));
    ism_error_clear(&e);
    ism_snapshot_close(s);
}
END_TEST

START_TEST(list_show_and_refs)
{
    json_t *l = ism_eval_list(checks, NULL);
    ck_assert_int_ge(json_array_size(l), 40);
    ck_assert_int_eq(json_array_size(l), ism_eval_count(checks));
    json_t *none = ism_eval_list(checks, "no-such-provider");
    ck_assert_int_eq(json_array_size(none), 0);
    json_decref(none);
    json_t *first = json_array_get(l, 0);
    ck_assert_ptr_nonnull(ism_json_getstr(json_object_get(first, "title"), "ja"));
    ck_assert(json_is_array(json_object_get(first, "requires")));
    json_decref(l);
    ism_error e = {0};
    json_t *c = ism_eval_show(checks, "aws-iam-root-mfa", &e);
    ck_assert_ptr_nonnull(c);
    ck_assert_ptr_nonnull(strstr(ism_json_getstr(c, "query"), "<root_account>"));
    ck_assert_ptr_nonnull(strstr(ism_json_getstr(c, "file"), "checks/aws/aws-iam-root-mfa.json"));
    ck_assert_str_eq(ism_json_getstr(c, "severity"), "critical");
    json_decref(c);
    ck_assert_ptr_null(ism_eval_show(checks, "aws-nope", &e));
    ck_assert_int_eq(e.code, ISM_E_NOT_FOUND);
    ism_error_clear(&e);
    json_t *refs = ism_eval_check_refs(checks);
    json_t *r = json_object_get(refs, "aws-iam-admin-mfa");
    ck_assert_str_eq(ism_json_getstr(r, "severity"), "critical");
    json_t *mic = json_object_get(json_object_get(r, "refs"), "mic-audit");
    bool c17 = false;
    size_t i;
    json_t *x;
    json_array_foreach(mic, i, x) c17 |= !strcmp(json_string_value(x), "C-17");
    ck_assert(c17);
    json_decref(refs);
    ism_eval_status st;
    ck_assert(ism_eval_status_parse("not_assessed", &st));
    ck_assert_int_eq(st, ISM_EVAL_NOT_ASSESSED);
    ck_assert(!ism_eval_status_parse("ok", &st));
    ck_assert_str_eq(ism_eval_status_name(ISM_EVAL_ERROR), "error");
}
END_TEST

START_TEST(every_cloud_item_is_accounted_for)
{
    /* docs/checks-coverage.md lists all 36 cloud add-on items and every check with its MIC
     * references, so the table cannot drift from the check files. */
    char *path = ism_strdupf("%s/docs/checks-coverage.md", tu_source_dir());
    ism_error e = {0};
    char *doc = ism_read_file(path, 1 << 20, NULL, &e);
    ck_assert_msg(doc != NULL, "%s", e.message);
    for (int n = 1; n <= 36; n++) {
        char key[24];
        snprintf(key, sizeof key, "| C-%d |", n);
        ck_assert_msg(strstr(doc, key), "docs/checks-coverage.md has no row for C-%d", n);
    }
    /* Each check has a row "| `id` | severity | title | MIC refs | ISMAP refs |" that cites
     * every MIC item of its refs. */
    json_t *refs = ism_eval_check_refs(checks);
    const char *id;
    json_t *r;
    json_object_foreach(refs, id, r)
    {
        char *key = ism_strdupf("\n| `%s` |", id);
        const char *row = strstr(doc, key);
        ck_assert_msg(row, "docs/checks-coverage.md has no row for %s", id);
        char *line = strndup(row + 1, strcspn(row + 1, "\n"));
        size_t i;
        json_t *item;
        json_array_foreach(json_object_get(json_object_get(r, "refs"), "mic-audit"), i, item)
        {
            char *cell = ism_strdupf(" %s,", json_string_value(item));
            char *last = ism_strdupf(" %s |", json_string_value(item));
            ck_assert_msg(strstr(line, cell) || strstr(line, last),
                          "docs/checks-coverage.md: the row of %s lacks MIC %s", id,
                          json_string_value(item));
            free(cell);
            free(last);
        }
        free(line);
        free(key);
    }
    json_decref(refs);
    free(doc);
    free(path);
}
END_TEST

int main(void)
{
    ism_error e = {0};
    char *dir = ism_strdupf("%s/catalog", tu_source_dir());
    cats = ism_catalog_load_cached(dir, getenv("ISMAP_CATALOG_CACHE"), NULL, &e);
    free(dir);
    dir = ism_strdupf("%s/checks", tu_source_dir());
    checks = cats ? ism_eval_load(dir, cats, &e) : NULL;
    free(dir);
    if (!checks) {
        fprintf(stderr, "%s\n", e.message);
        return 1;
    }
    Suite *s = suite_create("eval");
    TCase *t = tcase_create("runner");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, denied_operation_is_not_assessed_never_pass);
    tcase_add_test(t, regional_gap_replaces_only_that_region);
    tcase_add_test(t, never_collected_and_out_of_scope);
    tcase_add_test(t, account_in_scope_but_never_reached);
    tcase_add_test(t, runtime_error_is_error_and_others_still_run);
    tcase_add_test(t, options_select_filter_cap_and_stream);
    tcase_add_test(t, list_show_and_refs);
    tcase_add_test(t, every_cloud_item_is_accounted_for);
    suite_add_tcase(s, t);
    int failed = tu_run_suite(s);
    ism_eval_free(checks);
    ism_catalog_free(cats);
    return failed;
}
