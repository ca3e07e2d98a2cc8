/* test_checks.c — every check in checks/, against the fixtures in tests/fixtures/snapshots/:
 * the base tenant (a city's workload and log-archive accounts, set up so that every check
 * passes) must give each check pass rows and nothing else, and each check's fail.json (the
 * base tenant with one thing broken) must give a fail row naming the resource it broke.
 * Also: every check has its fixture, and no query makes SQLite read the whole resources
 * table where an index would do (the 1M-resource budget depends on it). */
#include "ismap/catalog.h"
#include "ismap/eval.h"
#include "snapfix.h"
#include "testutil.h"

#include <check.h>
#include <dirent.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

static ism_catalog_set *cats;
static ism_eval_checks *checks;
static json_t *ids; /* the check ids, sorted */
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
    if (!check) return ism_strdupf("%s/tests/fixtures/snapshots/%s", tu_source_dir(), file);
    return ism_strdupf("%s/tests/fixtures/snapshots/%s/%s", tu_source_dir(), check, file);
}

/* The base tenant of a check's provider: base-<provider>.json (the provider is the id's first
 * word) when there is one, else base.json (AWS). malloc'd. */
static char *base_path(const char *check)
{
    size_t n = check ? strcspn(check, "-") : 0;
    if (n && strncmp(check, "aws", n)) {
        char *name = ism_strdupf("base-%.*s.json", (int)n, check);
        char *p = fixture_path(NULL, name);
        free(name);
        struct stat sb;
        if (stat(p, &sb) == 0) return p;
        free(p);
    }
    return fixture_path(NULL, "base.json");
}

/* The base tenant (of `provider` when check is NULL), with the patch of one check applied when
 * check is set. Caller closes. */
static ism_snapshot *build_for(const char *provider, const char *check, const char *file,
                               json_t **expect)
{
    ism_error e = {0};
    char *base = base_path(check ? check : provider);
    json_t *fx = base_copy(base);
    free(base);
    if (check) {
        char *p = fixture_path(check, file);
        json_t *patch = snapfix_read(p, &e);
        ck_assert_msg(patch != NULL, "%s: %s", p, e.message);
        ck_assert_msg(snapfix_patch(fx, patch, &e), "%s: %s", p, e.message);
        if (expect)
            *expect = json_incref(json_object_get(json_object_get(patch, "expect"), "fail"));
        json_decref(patch);
        free(p);
    }
    static int n;
    char *path = ism_strdupf("%s/snap-%d-%s.db", tmp, n++, check ? check : provider);
    ck_assert_msg(snapfix_build(fx, path, &e), "%s", e.message);
    json_decref(fx);
    ism_snapshot *s = ism_snapshot_open(path, false, &e);
    ck_assert_msg(s != NULL, "%s", e.message);
    free(path);
    return s;
}

static ism_snapshot *build(const char *check, const char *file, json_t **expect)
{
    return build_for("aws", check, file, expect);
}

static void setup(void)
{
    tmp = tu_tempdir("checks");
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

/* The findings of one check that are not passes, as text for failure messages. */
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
        char *n = ism_strdupf("%s\n  %s %s %s: %s", out, ism_json_getstr(f, "resource_id"),
                              ism_json_getstr(f, "status"), ism_json_getstr(f, "region"),
                              ism_json_getstr(f, "reason"));
        free(out);
        out = n;
    }
    return out;
}

/* Each provider's base tenant gives every check of that provider pass rows and nothing else. */
START_TEST(base_tenant_passes_every_check)
{
    json_t *providers = json_array();
    size_t i;
    json_t *id;
    json_array_foreach(ids, i, id)
    {
        const char *s = json_string_value(id);
        char prov[32];
        snprintf(prov, sizeof prov, "%.*s", (int)strcspn(s, "-"), s);
        bool seen = false;
        size_t k;
        json_t *p;
        json_array_foreach(providers, k, p) seen |= !strcmp(json_string_value(p), prov);
        if (!seen) json_array_append_new(providers, json_string(prov));
    }
    size_t k;
    json_t *prov;
    json_array_foreach(providers, k, prov)
    {
        const char *pv = json_string_value(prov);
        ism_snapshot *s = build_for(pv, NULL, NULL, NULL);
        ism_error e = {0};
        json_t *r = ism_eval_run(checks, s, NULL, &e);
        ck_assert_msg(r != NULL, "%s", e.message);
        size_t mine = 0;
        json_array_foreach(ids, i, id)
        {
            const char *cid = json_string_value(id);
            if (strncmp(cid, pv, strlen(pv)) || cid[strlen(pv)] != '-') continue;
            mine++;
            json_t *c = find_check(r, cid);
            ck_assert_msg(c != NULL, "%s: not run on the %s base tenant", cid, pv);
            char *bad = non_passes(r, cid);
            ck_assert_msg(count(c, "pass") >= 1, "%s: no pass row on the base tenant", cid);
            ck_assert_msg(!*bad, "%s: the base tenant should only pass:%s", cid, bad);
            free(bad);
        }
        ck_assert_int_eq(json_array_size(json_object_get(r, "checks")), mine);
        json_decref(r);
        ism_snapshot_close(s);
    }
    json_decref(providers);
}
END_TEST

/* Whether some fail finding matches every member of want (a resource id, or an object of
 * resource_id/account/region). */
static bool has_fail(json_t *result, const char *check, const json_t *want)
{
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(result, "findings"), i, f)
    {
        if (strcmp(ism_json_getstr(f, "check"), check) ||
            strcmp(ism_json_getstr(f, "status"), "fail"))
            continue;
        if (json_is_string(want)) {
            if (ism_json_getstr(f, "resource_id") &&
                !strcmp(ism_json_getstr(f, "resource_id"), json_string_value(want)))
                return true;
            continue;
        }
        bool all = true;
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)want, k, v)
        {
            const char *have = ism_json_getstr(f, k);
            all &= have && !strcmp(have, json_string_value(v));
        }
        if (all) return true;
    }
    return false;
}

START_TEST(each_check_fails_on_its_fixture)
{
    const char *id = json_string_value(json_array_get(ids, (size_t)_i));
    json_t *expect = NULL;
    ism_snapshot *s = build_for(NULL, id, "fail.json", &expect);
    ck_assert_msg(json_array_size(expect) > 0, "%s/fail.json: expect.fail is empty", id);
    ism_error e = {0};
    ism_eval_options opt = {.checks = &id, .nchecks = 1};
    json_t *r = ism_eval_run(checks, s, &opt, &e);
    ck_assert_msg(r != NULL, "%s", e.message);
    json_t *c = find_check(r, id);
    ck_assert_msg(count(c, "fail") >= 1, "%s: the fail fixture gives no fail row", id);
    ck_assert_msg(count(c, "error") == 0, "%s: %s", id, ism_json_getstr(c, "error"));
    size_t i;
    json_t *want;
    json_array_foreach(expect, i, want)
    {
        char *t = json_dumps(want, JSON_ENCODE_ANY | JSON_COMPACT), *got = non_passes(r, id);
        ck_assert_msg(has_fail(r, id, want), "%s: no fail row for %s; got:%s", id, t, got);
        free(t);
        free(got);
    }
    json_decref(expect);
    json_decref(r);
    ism_snapshot_close(s);
}
END_TEST

/* A single-account collection of a member account (issue 9 item 11): the organization's
 * management account, known only from DescribeOrganization, is internal; others stay external. */
START_TEST(org_management_account_is_internal)
{
    const char *id = "aws-iam-cross-account-role-mfa";
    json_t *expect = NULL;
    ism_snapshot *s = build(id, "org-management.json", &expect);
    ism_error e = {0};
    ism_eval_options opt = {.checks = &id, .nchecks = 1};
    json_t *r = ism_eval_run(checks, s, &opt, &e);
    ck_assert_msg(r != NULL, "%s", e.message);
    ck_assert_int_eq(json_array_size(expect), 1);
    ck_assert(has_fail(r, id, json_array_get(expect, 0)));
    size_t i;
    json_t *f;
    int vendor = 0;
    json_array_foreach(json_object_get(r, "findings"), i, f)
    {
        const char *rid = ism_json_getstr(f, "resource_id"), *why = ism_json_getstr(f, "reason");
        ck_assert_msg(!rid || strcmp(rid, "OrgSecurityAudit"),
                      "the management account's role "
                      "is reported: %s",
                      why ? why : "");
        if (rid && !strcmp(rid, "VendorSupport")) {
            vendor++;
            ck_assert_ptr_nonnull(strstr(why, "123456789012"));
            ck_assert_ptr_null(strstr(why, "999988887777"));
        }
    }
    ck_assert_int_eq(vendor, 1);
    json_decref(expect);
    json_decref(r);
    ism_snapshot_close(s);
}
END_TEST

START_TEST(every_check_has_a_fail_fixture_and_no_stray_ones)
{
    size_t i;
    json_t *id;
    json_array_foreach(ids, i, id)
    {
        char *p = fixture_path(json_string_value(id), "fail.json");
        struct stat sb;
        ck_assert_msg(stat(p, &sb) == 0, "missing %s", p);
        free(p);
    }
    char *dir = fixture_path(NULL, "");
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || strstr(e->d_name, ".json")) continue; /* base*.json */
        bool known = false;
        json_array_foreach(ids, i, id) known |= !strcmp(json_string_value(id), e->d_name);
        ck_assert_msg(known, "fixture folder %s has no check of that name", e->d_name);
    }
    closedir(d);
    free(dir);
}
END_TEST

/* ---- query plans ---------------------------------------------------------------------- */

/* Appends to names every match of group `group` of pattern in text. */
static void collect(const char *text, const char *pattern, int group, json_t *names)
{
    regex_t re;
    ck_assert_int_eq(regcomp(&re, pattern, REG_EXTENDED), 0);
    regmatch_t m[4];
    for (const char *p = text; regexec(&re, p, 4, m, 0) == 0; p += m[0].rm_eo) {
        char *s = strndup(p + m[group].rm_so, (size_t)(m[group].rm_eo - m[group].rm_so));
        json_array_append_new(names, json_string(s));
        free(s);
    }
    regfree(&re);
}

static bool member(const json_t *arr, const char *s)
{
    size_t i;
    json_t *x;
    json_array_foreach(arr, i, x) if (!strcmp(json_string_value(x), s)) return true;
    return false;
}

/* The SQL of the check and of the views it uses. */
static char *sql_with_views(const char *id)
{
    ism_error e = {0};
    json_t *c = ism_eval_show(checks, id, &e);
    char *sql = strdup(ism_json_getstr(c, "query"));
    json_decref(c);
    char *vdir = ism_strdupf("%s/checks/aws/views", tu_source_dir());
    DIR *d = opendir(vdir);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (!strstr(de->d_name, ".json")) continue;
        char *name = strndup(de->d_name, strlen(de->d_name) - 5);
        if (strstr(sql, name)) {
            char *p = ism_strdupf("%s/%s", vdir, de->d_name);
            json_t *v = snapfix_read(p, &e);
            size_t i;
            json_t *line;
            json_array_foreach(json_object_get(v, "query"), i, line)
            {
                char *n = ism_strdupf("%s\n%s", sql, json_string_value(line));
                free(sql);
                sql = n;
            }
            json_decref(v);
            free(p);
        }
        free(name);
    }
    if (d) closedir(d);
    free(vdir);
    return sql;
}

/* Whether plan row i (ids/parents/details in arrays) runs once per row of something else: it
 * sits under a correlated subquery, or follows a table loop under the same parent (the inner
 * loop of a join). */
static bool nested(const int *id, const int *parent, char **detail, int n, int i)
{
    for (int j = 0; j < i; j++)
        if (parent[j] == parent[i] &&
            (!strncmp(detail[j], "SCAN ", 5) || !strncmp(detail[j], "SEARCH ", 7)))
            return true;
    for (int p = parent[i]; p != 0;) {
        int k = -1;
        for (int j = 0; j < n; j++)
            if (id[j] == p) k = j;
        if (k < 0) break;
        if (strstr(detail[k], "CORRELATED")) return true;
        p = parent[k];
    }
    return false;
}

/* Plan lines that read all of resources: a SCAN of one of its aliases, a search of the
 * primary key on provider alone (every row of a one-provider snapshot), or a search by type
 * alone repeated for every row of an outer loop (quadratic: look such rows up by the key
 * prefix provider, account, region, type instead). */
static char *full_scans(sqlite3 *db, const char *check)
{
    char *sql = sql_with_views(check);
    json_t *aliases = json_pack("[s]", "resources"), *ctes = json_array();
    collect(sql, "resources[[:space:]]+(AS[[:space:]]+)?([a-z_][a-z0-9_]*)", 2, aliases);
    collect(sql, "([a-z_][a-z0-9_]*)[[:space:]]+AS[[:space:]]+(MATERIALIZED[[:space:]]+)?\\(", 1,
            ctes);
    json_t *c = ism_eval_show(checks, check, NULL);
    char *explain = ism_strdupf("EXPLAIN QUERY PLAN %s", ism_json_getstr(c, "query"));
    json_decref(c);
    sqlite3_stmt *st = NULL;
    ck_assert_msg(sqlite3_prepare_v2(db, explain, -1, &st, NULL) == SQLITE_OK, "%s: %s", check,
                  sqlite3_errmsg(db));
    int n = 0, id[512], parent[512];
    char *detail[512];
    while (n < 512 && sqlite3_step(st) == SQLITE_ROW) {
        id[n] = sqlite3_column_int(st, 0);
        parent[n] = sqlite3_column_int(st, 1);
        detail[n++] = strdup((const char *)sqlite3_column_text(st, 3));
    }
    sqlite3_finalize(st);
    char *bad = strdup("");
    for (int i = 0; i < n; i++) {
        const char *line = detail[i];
        char name[64] = "";
        bool scan = sscanf(line, "SCAN %63[a-z0-9_]", name) == 1 && !strstr(line, "USING") &&
                    !strstr(line, "VIRTUAL") && member(aliases, name) && !member(ctes, name);
        bool provider_only = strstr(line, "sqlite_autoindex_resources_1 (provider=?)") != NULL;
        bool type_loop =
            strstr(line, "resources_type (type=?)") && nested(id, parent, detail, n, i);
        if (scan || provider_only || type_loop) {
            char *msg = ism_strdupf("%s\n  %s", bad, line);
            free(bad);
            bad = msg;
        }
    }
    for (int i = 0; i < n; i++)
        free(detail[i]);
    free(explain);
    free(sql);
    json_decref(aliases);
    json_decref(ctes);
    return bad;
}

START_TEST(queries_read_resources_through_indexes)
{
    ism_snapshot *s = build(NULL, NULL, NULL);
    sqlite3 *db = ism_snapshot_db(s);
    /* The views, as the runner creates them. */
    char *vdir = ism_strdupf("%s/checks/aws/views", tu_source_dir());
    DIR *d = opendir(vdir);
    struct dirent *de;
    ism_error e = {0};
    while (d && (de = readdir(d))) {
        if (!strstr(de->d_name, ".json")) continue;
        char *p = ism_strdupf("%s/%s", vdir, de->d_name);
        json_t *v = snapfix_read(p, &e);
        char *q = strdup("");
        size_t i;
        json_t *line;
        json_array_foreach(json_object_get(v, "query"), i, line)
        {
            char *n = ism_strdupf("%s\n%s", q, json_string_value(line));
            free(q);
            q = n;
        }
        char *ddl = ism_strdupf("CREATE TEMP VIEW %s AS %s", ism_json_getstr(v, "name"), q);
        ck_assert_msg(sqlite3_exec(db, ddl, NULL, NULL, NULL) == SQLITE_OK, "%s",
                      sqlite3_errmsg(db));
        free(ddl);
        free(q);
        json_decref(v);
        free(p);
    }
    if (d) closedir(d);
    free(vdir);
    size_t i;
    json_t *id;
    json_array_foreach(ids, i, id)
    {
        char *bad = full_scans(db, json_string_value(id));
        ck_assert_msg(!*bad, "%s reads all of resources:%s", json_string_value(id), bad);
        free(bad);
    }
    ism_snapshot_close(s);
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
    ids = json_array();
    /* Every provider whose fixtures live here: AWS (base.json) and each provider with a
     * base-<provider>.json. Azure and Google Cloud keep theirs beside their own tests
     * (test_checks_azure, test_checks_gcp). */
    json_t *list = ism_eval_list(checks, NULL);
    size_t i;
    json_t *c;
    json_array_foreach(list, i, c)
    {
        const char *prov = ism_json_getstr(c, "provider");
        char *base = ism_strdupf("base-%s.json", prov ? prov : "");
        char *path = fixture_path(NULL, base);
        bool here = (prov && !strcmp(prov, "aws")) || access(path, R_OK) == 0;
        free(base);
        free(path);
        if (!here) continue;
        json_array_append(ids, json_object_get(c, "id"));
        path = base_path(ism_json_getstr(c, "id"));
        bool ok = preload(path);
        free(path);
        if (!ok) return 1;
    }
    json_decref(list);

    Suite *s = suite_create("checks");
    TCase *t = tcase_create("checks");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, base_tenant_passes_every_check);
    tcase_add_loop_test(t, each_check_fails_on_its_fixture, 0, (int)json_array_size(ids));
    tcase_add_test(t, every_check_has_a_fail_fixture_and_no_stray_ones);
    tcase_add_test(t, org_management_account_is_internal);
    tcase_add_test(t, queries_read_resources_through_indexes);
    suite_add_tcase(s, t);
    int failed = tu_run_suite(s);
    json_decref(ids);
    json_decref(bases);
    ism_eval_free(checks);
    ism_catalog_free(cats);
    return failed;
}
