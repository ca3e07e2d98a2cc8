/* test_eval_load.c — a bad check stops the load, and the error names the file and the field:
 * bad SQL, an unknown MIC item, a missing field, an id that is not the file name, the wrong
 * columns, and the other ways a definition can be wrong. */
#include "ismap/catalog.h"
#include "ismap/eval.h"
#include "testutil.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static ism_catalog_set *cats;
static char *tmp;

static const char *good_query =
    "SELECT account, region, type AS resource_type, id AS resource_id, arn, 'pass' AS status, "
    "'' AS reason FROM resources WHERE type = 'iam.CredentialReport'";

/* A valid check definition; tests break one thing in it. New reference. */
static json_t *good(const char *id)
{
    return json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:s, s:s}, s:s, s:[{s:s, s:s}],"
                     " s:{s:[s, s], s:[s]}, s:{s:s, s:s}, s:[s]}",
                     "id", id, "provider", "aws", "title", "ja", "試験", "en", "test",
                     "description", "ja", "試験用", "en", "for tests", "severity", "medium",
                     "requires", "service", "iam", "operation", "GetCredentialReport", "refs",
                     "mic-audit", "232", "C-17", "ismap", "9.2.3", "remediation", "ja", "なし",
                     "en", "none", "query", good_query);
}

static void setup(void)
{
    tmp = tu_tempdir("evalload");
    char *p = ism_strdupf("%s/aws", tmp);
    mkdir(p, 0700);
    free(p);
}

static void teardown(void)
{
    tu_rmtree(tmp);
    free(tmp);
}

/* Writes def (stolen) as checks/aws/<file>.json. Returns the file's path (malloc'd). */
static char *put(const char *file, json_t *def)
{
    char *path = ism_strdupf("%s/aws/%s.json", tmp, file);
    ck_assert_int_eq(json_dump_file(def, path, JSON_INDENT(2)), 0);
    json_decref(def);
    return path;
}

/* Loads and expects ISM_E_INVALID_DATA naming path and containing each of the words. */
static void refused(const char *path, const char *w1, const char *w2)
{
    ism_error e = {0};
    ism_eval_checks *cs = ism_eval_load(tmp, cats, &e);
    ck_assert_msg(cs == NULL, "%s was accepted", path);
    ck_assert_int_eq(e.code, ISM_E_INVALID_DATA);
    ck_assert_msg(strstr(e.message, path), "message does not name %s: %s", path, e.message);
    ck_assert_msg(!w1 || strstr(e.message, w1), "no '%s' in: %s", w1, e.message);
    ck_assert_msg(!w2 || strstr(e.message, w2), "no '%s' in: %s", w2, e.message);
    json_t *d = json_array_get(e.details, 0);
    ck_assert_str_eq(ism_json_getstr(d, "file"), path);
    ism_error_clear(&e);
}

START_TEST(a_good_check_loads)
{
    free(put("aws-test-good", good("aws-test-good")));
    ism_error e = {0};
    ism_eval_checks *cs = ism_eval_load(tmp, cats, &e);
    ck_assert_msg(cs != NULL, "%s", e.message);
    ck_assert_int_eq(ism_eval_count(cs), 1);
    ism_eval_free(cs);
}
END_TEST

START_TEST(bad_sql)
{
    json_t *d = good("aws-test-bad-sql");
    json_object_set_new(d, "query", json_string("SELEC account FROM resources"));
    char *p = put("aws-test-bad-sql", d);
    refused(p, "'query'", "syntax error");
    free(p);
}
END_TEST

START_TEST(unknown_table_or_column)
{
    json_t *d = good("aws-test-no-table");
    json_object_set_new(d, "query",
                        json_string("SELECT account, region, type AS resource_type, id AS "
                                    "resource_id, arn, 'pass' AS status, '' AS reason FROM "
                                    "resource_list"));
    char *p = put("aws-test-no-table", d);
    refused(p, "'query'", "no such table");
    free(p);
}
END_TEST

START_TEST(unknown_mic_item)
{
    json_t *d = good("aws-test-bad-ref");
    json_object_set_new(json_object_get(d, "refs"), "mic-audit",
                        json_pack("[s, s]", "232", "C-99"));
    char *p = put("aws-test-bad-ref", d);
    refused(p, "'refs.mic-audit'", "C-99");
    free(p);
}
END_TEST

START_TEST(unknown_ismap_item_and_catalog)
{
    json_t *d = good("aws-test-bad-ismap");
    json_object_set_new(json_object_get(d, "refs"), "ismap", json_pack("[s]", "99.9.9"));
    char *p = put("aws-test-bad-ismap", d);
    refused(p, "'refs.ismap'", "99.9.9");
    free(p);
    d = good("aws-test-bad-ismap");
    json_object_set_new(json_object_get(d, "refs"), "nist-800-53", json_pack("[s]", "AC-2"));
    p = put("aws-test-bad-ismap", d);
    refused(p, "'refs.nist-800-53'", NULL);
    free(p);
}
END_TEST

START_TEST(missing_fields)
{
    static const char *const fields[] = {"remediation", "title", "severity",   "requires",
                                         "refs",        "query", "description"};
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        json_t *d = good("aws-test-missing");
        json_object_del(d, fields[i]);
        char *p = put("aws-test-missing", d);
        char want[64];
        snprintf(want, sizeof want, "'%s", fields[i]);
        refused(p, want, NULL);
        free(p);
    }
    json_t *d = good("aws-test-missing");
    json_object_del(json_object_get(d, "remediation"), "ja");
    char *p = put("aws-test-missing", d);
    refused(p, "'remediation.ja'", NULL);
    free(p);
}
END_TEST

START_TEST(id_is_not_the_file_name)
{
    char *p = put("aws-test-file-name", good("aws-test-other-name"));
    refused(p, "'id'", "aws-test-file-name.json");
    free(p);
    p = put("aws-test-file-name", good("azure-test-file-name"));
    refused(p, "'id'", NULL);
    free(p);
}
END_TEST

START_TEST(wrong_columns)
{
    json_t *d = good("aws-test-columns");
    json_object_set_new(d, "query",
                        json_string("SELECT account, region, type, id, arn, 'pass' AS status "
                                    "FROM resources"));
    char *p = put("aws-test-columns", d);
    refused(p, "'query'", "6 columns");
    free(p);
    d = good("aws-test-columns");
    json_object_set_new(d, "query",
                        json_string("SELECT account, region, type, id AS resource_id, arn, "
                                    "'pass' AS status, '' AS reason FROM resources"));
    p = put("aws-test-columns", d);
    refused(p, "column 3", "resource_type");
    free(p);
}
END_TEST

START_TEST(other_mistakes)
{
    json_t *d = good("aws-test-other");
    json_object_set_new(d, "severity", json_string("urgent"));
    char *p = put("aws-test-other", d);
    refused(p, "'severity'", NULL);
    free(p);
    d = good("aws-test-other");
    json_object_set_new(d, "titel", json_string("typo"));
    p = put("aws-test-other", d);
    refused(p, "'titel'", "unknown");
    free(p);
    d = good("aws-test-other");
    json_object_set_new(d, "query", json_string("DELETE FROM resources"));
    p = put("aws-test-other", d);
    refused(p, "'query'", NULL);
    free(p);
    d = good("aws-test-other");
    json_object_set_new(d, "query", json_pack("[s, s]", good_query, "; SELECT 1"));
    p = put("aws-test-other", d);
    refused(p, "one statement", NULL);
    free(p);
    d = good("aws-test-other");
    json_object_set_new(d, "provider", json_string("azure"));
    p = put("aws-test-other", d);
    refused(p, "'provider'", NULL);
    free(p);
    d = good("aws-test-other");
    json_array_append_new(json_object_get(d, "requires"), json_pack("{s:s}", "service", "ec2"));
    p = put("aws-test-other", d);
    refused(p, "'requires[1]'", "operation");
    free(p);
    /* Not JSON at all. */
    p = ism_strdupf("%s/aws/aws-test-other.json", tmp);
    FILE *fp = fopen(p, "w");
    fputs("{\"id\": \"aws-test-other\",", fp);
    fclose(fp);
    refused(p, "line", NULL);
    free(p);
}
END_TEST

START_TEST(bad_view_names_its_file)
{
    free(put("aws-test-good", good("aws-test-good")));
    char *vdir = ism_strdupf("%s/aws/views", tmp);
    mkdir(vdir, 0700);
    char *p = ism_strdupf("%s/aws_broken.json", vdir);
    json_t *v = json_pack("{s:s, s:{s:s, s:s}, s:s}", "name", "aws_broken", "description", "ja",
                          "壊れた", "en", "broken", "query", "SELECT nothing FROM nowhere");
    ck_assert_int_eq(json_dump_file(v, p, 0), 0);
    json_decref(v);
    refused(p, "'query'", NULL);
    free(p);
    free(vdir);
}
END_TEST

START_TEST(the_shipped_checks_load_with_the_catalogs)
{
    char *dir = ism_strdupf("%s/checks", tu_source_dir());
    ism_error e = {0};
    ism_eval_checks *cs = ism_eval_load(dir, cats, &e);
    ck_assert_msg(cs != NULL, "%s", e.message);
    ck_assert_int_ge(ism_eval_count(cs), 40);
    ck_assert_str_eq(ism_eval_dir(cs), dir);
    ism_eval_free(cs);
    ck_assert_ptr_null(ism_eval_load("/nonexistent/checks", cats, &e));
    ck_assert_int_eq(e.code, ISM_E_CONFIG);
    ism_error_clear(&e);
    free(dir);
}
END_TEST

int main(void)
{
    ism_error e = {0};
    char *dir = ism_strdupf("%s/catalog", tu_source_dir());
    cats = ism_catalog_load_cached(dir, getenv("ISMAP_CATALOG_CACHE"), NULL, &e);
    free(dir);
    if (!cats) {
        fprintf(stderr, "%s\n", e.message);
        return 1;
    }
    Suite *s = suite_create("eval_load");
    TCase *t = tcase_create("load");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, a_good_check_loads);
    tcase_add_test(t, bad_sql);
    tcase_add_test(t, unknown_table_or_column);
    tcase_add_test(t, unknown_mic_item);
    tcase_add_test(t, unknown_ismap_item_and_catalog);
    tcase_add_test(t, missing_fields);
    tcase_add_test(t, id_is_not_the_file_name);
    tcase_add_test(t, wrong_columns);
    tcase_add_test(t, other_mistakes);
    tcase_add_test(t, bad_view_names_its_file);
    tcase_add_test(t, the_shipped_checks_load_with_the_catalogs);
    suite_add_tcase(s, t);
    int failed = tu_run_suite(s);
    ism_catalog_free(cats);
    return failed;
}
