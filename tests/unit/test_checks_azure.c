/* test_checks_azure.c — every Azure check in checks/azure against the fixtures in
 * tests/fixtures/azure/checks/: the base tenant (みなと市's two subscriptions and Entra ID, set up
 * so that every check passes, in the shapes azureemu serves) must give each check pass rows and
 * nothing else, and each check's fail.json (the base with one thing broken) must give a fail row
 * naming what it broke. Also: every check has its fixture and there are at least 35 checks. */
#include "ismap/catalog.h"
#include "ismap/eval.h"
#include "snapfix.h"
#include "testutil.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static ism_catalog_set *cats;
static ism_eval_checks *checks;
static json_t *ids;
static char *tmp;

/* The base tenants, read once in main before the tests fork (each test patches a copy): path
 * -> fixture. */
static json_t *bases;

/* A copy of the fixture at path (new reference), read on first use. */
static json_t *base_copy(const char *path)
{
    ism_error e = {0};
    json_t *fx = snapfix_read_cached(bases, path, &e);
    ck_assert_msg(fx != NULL, "%s", e.message);
    return fx;
}

/* Reads the fixture at path into bases, from main (no Check assert there): false after saying
 * why on stderr. */
static bool preload(const char *path)
{
    ism_error e = {0};
    json_t *fx = snapfix_read_cached(bases, path, &e);
    if (!fx) fprintf(stderr, "%s\n", e.message);
    json_decref(fx);
    return fx != NULL;
}

static char *fixture_path(const char *check, const char *file)
{
    if (!check) return ism_strdupf("%s/tests/fixtures/azure/checks/%s", tu_source_dir(), file);
    return ism_strdupf("%s/tests/fixtures/azure/checks/%s/%s", tu_source_dir(), check, file);
}

static ism_snapshot *build(const char *check, json_t **expect)
{
    ism_error e = {0};
    char *base = fixture_path(NULL, "base.json");
    json_t *fx = base_copy(base);
    free(base);
    if (check) {
        char *p = fixture_path(check, "fail.json");
        json_t *patch = snapfix_read(p, &e);
        ck_assert_msg(patch != NULL, "%s: %s", p, e.message);
        ck_assert_msg(snapfix_patch(fx, patch, &e), "%s: %s", p, e.message);
        *expect = json_incref(json_object_get(json_object_get(patch, "expect"), "fail"));
        json_decref(patch);
        free(p);
    }
    static int n;
    char *path = ism_strdupf("%s/snap-%d-%s.db", tmp, n++, check ? check : "base");
    ck_assert_msg(snapfix_build(fx, path, &e), "%s", e.message);
    json_decref(fx);
    ism_snapshot *s = ism_snapshot_open(path, false, &e);
    ck_assert_msg(s != NULL, "%s", e.message);
    free(path);
    return s;
}

static void setup(void)
{
    tmp = tu_tempdir("checks-azure");
}

static void teardown(void)
{
    tu_rmtree(tmp);
    free(tmp);
}

static json_t *find_check(json_t *result, const char *id)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(result, "checks"), i, c)
    {
        if (!strcmp(ism_json_getstr(c, "check"), id)) return c;
    }
    return NULL;
}

static long count(const json_t *check, const char *status)
{
    return (long)json_integer_value(json_object_get(json_object_get(check, "counts"), status));
}

static char *non_passes(json_t *result, const char *id)
{
    char *out = strdup("");
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(result, "findings"), i, f)
    {
        if (strcmp(ism_json_getstr(f, "check"), id) ||
            !strcmp(ism_json_getstr(f, "status"), "pass"))
            continue;
        char *n = ism_strdupf("%s\n  %s %s %s %s: %s", out, ism_json_getstr(f, "account"),
                              ism_json_getstr(f, "resource_id"), ism_json_getstr(f, "status"),
                              ism_json_getstr(f, "region"), ism_json_getstr(f, "reason"));
        free(out);
        out = n;
    }
    return out;
}

START_TEST(base_tenant_passes_every_check)
{
    ism_snapshot *s = build(NULL, NULL);
    ism_error e = {0};
    const char **want = calloc(json_array_size(ids), sizeof *want);
    for (size_t i = 0; i < json_array_size(ids); i++)
        want[i] = json_string_value(json_array_get(ids, i));
    ism_eval_options opt = {.checks = want, .nchecks = (int)json_array_size(ids)};
    json_t *r = ism_eval_run(checks, s, &opt, &e);
    ck_assert_msg(r != NULL, "%s", e.message);
    size_t i;
    json_t *id;
    json_array_foreach(ids, i, id)
    {
        json_t *c = find_check(r, json_string_value(id));
        ck_assert_ptr_nonnull(c);
        char *bad = non_passes(r, json_string_value(id));
        ck_assert_msg(count(c, "pass") >= 1, "%s: no pass row on the base tenant%s",
                      json_string_value(id), bad);
        ck_assert_msg(!*bad, "%s: the base tenant should only pass:%s", json_string_value(id), bad);
        free(bad);
    }
    free(want);
    json_decref(r);
    ism_snapshot_close(s);
}
END_TEST

static bool has_fail(json_t *result, const char *check, const char *want)
{
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(result, "findings"), i, f)
    {
        if (!strcmp(ism_json_getstr(f, "check"), check) &&
            !strcmp(ism_json_getstr(f, "status"), "fail") && ism_json_getstr(f, "resource_id") &&
            !strcmp(ism_json_getstr(f, "resource_id"), want))
            return true;
    }
    return false;
}

START_TEST(each_check_fails_on_its_fixture)
{
    const char *id = json_string_value(json_array_get(ids, (size_t)_i));
    json_t *expect = NULL;
    ism_snapshot *s = build(id, &expect);
    ck_assert_msg(json_array_size(expect) > 0, "%s/fail.json: expect.fail is empty", id);
    ism_error e = {0};
    ism_eval_options opt = {.checks = &id, .nchecks = 1};
    json_t *r = ism_eval_run(checks, s, &opt, &e);
    ck_assert_msg(r != NULL, "%s", e.message);
    json_t *c = find_check(r, id);
    ck_assert_msg(count(c, "error") == 0, "%s: %s", id, ism_json_getstr(c, "error"));
    size_t i;
    json_t *want;
    json_array_foreach(expect, i, want)
    {
        char *got = non_passes(r, id);
        ck_assert_msg(has_fail(r, id, json_string_value(want)), "%s: no fail row for %s; got:%s",
                      id, json_string_value(want), got);
        free(got);
    }
    json_decref(expect);
    json_decref(r);
    ism_snapshot_close(s);
}
END_TEST

START_TEST(every_check_has_a_fail_fixture)
{
    ck_assert_uint_ge(json_array_size(ids), 35);
    size_t i;
    json_t *id;
    json_array_foreach(ids, i, id)
    {
        char *p = fixture_path(json_string_value(id), "fail.json");
        struct stat sb;
        ck_assert_msg(stat(p, &sb) == 0, "missing %s", p);
        free(p);
    }
}
END_TEST

int main(void)
{
    ism_error e = {0};
    char *dir = ism_strdupf("%s/catalog", tu_source_dir());
    cats = ism_catalog_load_cached(dir, getenv("ISMAP_CATALOG_CACHE"), NULL, &e);
    free(dir);
    if (!cats) {
        fprintf(stderr, "catalogs: %s\n", e.message);
        return 1;
    }
    dir = ism_strdupf("%s/checks", tu_source_dir());
    checks = ism_eval_load(dir, cats, &e);
    free(dir);
    if (!checks) {
        fprintf(stderr, "checks: %s\n", e.message);
        return 1;
    }
    bases = json_object();
    char *base = fixture_path(NULL, "base.json");
    bool ok = preload(base);
    free(base);
    if (!ok) return 1;
    ids = json_array();
    json_t *list = ism_eval_list(checks, "azure");
    size_t i;
    json_t *c;
    json_array_foreach(list, i, c) json_array_append(ids, json_object_get(c, "id"));
    json_decref(list);

    Suite *s = suite_create("checks_azure");
    TCase *t = tcase_create("checks_azure");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, base_tenant_passes_every_check);
    tcase_add_loop_test(t, each_check_fails_on_its_fixture, 0, (int)json_array_size(ids));
    tcase_add_test(t, every_check_has_a_fail_fixture);
    suite_add_tcase(s, t);
    int failed = tu_run_suite(s);
    json_decref(ids);
    json_decref(bases);
    ism_eval_free(checks);
    ism_catalog_free(cats);
    return failed;
}
