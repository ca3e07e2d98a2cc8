/* test_catalog.c — the catalog room over the committed catalogs: loading, lookups, Japanese
 * search, transitive mapping, OSCAL export shape, damaged files that must stop the load
 * with the file and the entry named, and the cache of the built index (a changed catalog is
 * built afresh; a damaged cache file is built over). The fixture's set comes through the cache
 * in ISMAP_CATALOG_CACHE when the environment names one (ctest: one per build folder), so each
 * test does not build the index again; cached_index_is_the_built_one proves that is the same. */
#include "ismap/catalog.h"
#include "testutil.h"

#include <check.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

static ism_catalog_set *cs;
static char catdir[4096];

static void setup(void)
{
    snprintf(catdir, sizeof catdir, "%s/catalog", tu_source_dir());
    ism_error e = {0};
    cs = ism_catalog_load_cached(catdir, getenv("ISMAP_CATALOG_CACHE"), NULL, &e);
    ck_assert_msg(cs != NULL, "load failed: %s", e.message);
}

static void teardown(void)
{
    ism_catalog_free(cs);
}

static json_t *find(json_t *arr, const char *key, const char *val)
{
    size_t i;
    json_t *x;
    json_array_foreach(arr, i, x) if (!strcmp(ism_json_getstr(x, key), val)) return x;
    return NULL;
}

START_TEST(list_has_every_catalog_and_counts)
{
    json_t *l = ism_catalog_list(cs);
    /* What status reports, counted without reading the documents. */
    ck_assert_uint_eq(ism_catalog_count(cs), json_array_size(l));
    static const char *const ids[] = {"ismap",
                                      "ismap-questionnaire",
                                      "mic-audit",
                                      "ipa-benchmark",
                                      "iso27001-2013",
                                      "iso27001-2022",
                                      "iso27017",
                                      "soc2-tsc",
                                      "xw-iso27001-2013-2022",
                                      "xw-ismap-iso27001-2013",
                                      "xw-ismap-iso27017",
                                      "xw-mic-ismap",
                                      "xw-mic-cloud-ismap",
                                      "xw-soc2-iso27001-2013",
                                      "xw-soc2-ismap"};
    for (size_t i = 0; i < sizeof ids / sizeof *ids; i++)
        ck_assert_msg(find(l, "id", ids[i]) != NULL, "%s missing", ids[i]);
    json_t *ismap = find(l, "id", "ismap");
    json_t *counts = json_object_get(ismap, "counts");
    ck_assert_int_eq(json_integer_value(json_object_get(counts, "objective")), 37);
    ck_assert_int_eq(json_integer_value(json_object_get(counts, "control")), 121);
    ck_assert_int_eq(json_integer_value(json_object_get(counts, "detail")), 31);
    json_t *mic = find(l, "id", "mic-audit");
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(mic, "counts"), "item")),
                     421);
    json_decref(l);
    ism_error e = {0};
    json_t *mm = ism_catalog_items(cs, "ismap", NULL, "must-meet", &e);
    ck_assert_int_eq(json_array_size(mm), 152);
    json_decref(mm);
    json_t *cloud = ism_catalog_items(cs, "mic-audit", "cloud-item", NULL, &e);
    ck_assert_int_eq(json_array_size(cloud), 36);
    json_decref(cloud);
}
END_TEST

START_TEST(item_with_context)
{
    ism_error e = {0};
    json_t *it = ism_catalog_item(cs, "ismap", "10.1.1.9.PB", &e);
    ck_assert_ptr_nonnull(it);
    ck_assert_str_eq(ism_json_getstr(it, "parent"), "10.1.1");
    json_t *props = json_object_get(it, "props");
    ck_assert(json_is_true(json_object_get(props, "must_meet")));
    ck_assert(json_is_true(json_object_get(props, "cloud")));
    ck_assert(json_is_true(json_object_get(props, "baseline")));
    ck_assert_ptr_nonnull(strstr(ism_json_getstr(json_object_get(it, "text"), "ja"), "暗号技術"));
    /* Ancestors are exactly the parent chain: chapter 10, objective 10.1, control 10.1.1. */
    json_t *anc = json_object_get(it, "ancestors");
    ck_assert_int_eq(json_array_size(anc), 3);
    ck_assert_str_eq(ism_json_getstr(json_array_get(anc, 0), "id"), "10");
    ck_assert_str_eq(ism_json_getstr(json_array_get(anc, 2), "id"), "10.1.1");
    ck_assert_int_ge(json_array_size(json_object_get(it, "mappings")), 1);
    bool in_must_meet = false;
    size_t i;
    json_t *pr;
    json_array_foreach(json_object_get(it, "profiles"), i, pr) in_must_meet |=
        !strcmp(json_string_value(pr), "must-meet");
    ck_assert(in_must_meet);
    json_decref(it);
    ck_assert_ptr_null(ism_catalog_item(cs, "ismap", "99.9", &e));
    ck_assert_int_eq(e.code, ISM_E_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(e.message, "no item '99.9'"));
    ism_error_clear(&e);
    ck_assert_ptr_null(ism_catalog_item(cs, "nist", "AC-1", &e));
    ck_assert_ptr_nonnull(strstr(e.message, "no catalog named 'nist'"));
    ism_error_clear(&e);
}
END_TEST

START_TEST(every_parent_is_an_ancestor)
{
    /* Each item's recorded parent is the nearest ancestor in its context (catches stale
     * bindings or a wrong hierarchy in the index). */
    ism_error e = {0};
    static const char *const cats[] = {"ismap", "mic-audit", "ipa-benchmark", "iso27001-2013"};
    for (size_t c = 0; c < 4; c++) {
        json_t *items = ism_catalog_items(cs, cats[c], NULL, NULL, &e);
        size_t i;
        json_t *x;
        int roots = 0;
        json_array_foreach(items, i, x)
        {
            json_t *p = json_object_get(x, "parent");
            if (json_is_null(p)) roots++;
            if (i % 17) continue; /* a sample is enough for the context walk */
            json_t *full = ism_catalog_item(cs, cats[c], ism_json_getstr(x, "id"), &e);
            json_t *anc = json_object_get(full, "ancestors");
            if (json_is_null(p))
                ck_assert_int_eq(json_array_size(anc), 0);
            else
                ck_assert_str_eq(
                    ism_json_getstr(json_array_get(anc, json_array_size(anc) - 1), "id"),
                    json_string_value(p));
            json_decref(full);
        }
        ck_assert_int_gt(roots, 0);
        ck_assert_int_lt(roots, (int)json_array_size(items));
        json_decref(items);
    }
}
END_TEST

START_TEST(search_japanese_short_and_long)
{
    ism_error e = {0};
    /* Two characters: below the trigram size, served by the scan. */
    json_t *r = ism_catalog_search(cs, "暗号", "ismap", 200, &e);
    ck_assert_ptr_nonnull(r);
    ck_assert_ptr_nonnull(find(r, "id", "10.1.1"));
    ck_assert_ptr_nonnull(strstr(ism_json_getstr(json_array_get(r, 0), "snippet"), "【暗号】"));
    json_decref(r);
    r = ism_catalog_search(cs, "マイナンバー", "mic-audit", 50, &e);
    ck_assert_int_ge(json_array_size(r), 5);
    json_decref(r);
    /* Several terms must all match. */
    r = ism_catalog_search(cs, "マイナンバー 分離", "mic-audit", 50, &e);
    ck_assert_ptr_nonnull(find(r, "id", "18"));
    size_t i;
    json_t *x;
    json_array_foreach(r, i, x)
    {
        /* Each term is in the item's title, text, procedure/notes or a section title. */
        json_t *it = ism_catalog_item(cs, "mic-audit", ism_json_getstr(x, "id"), &e);
        json_t *seen =
            json_pack("[O, O, O, O]", json_object_get(it, "title"), json_object_get(it, "text"),
                      json_object_get(it, "props"), json_object_get(it, "ancestors"));
        char *t = json_dumps(seen, 0);
        ck_assert(t && strstr(t, "マイナンバー") && strstr(t, "分離"));
        free(t);
        json_decref(seen);
        json_decref(it);
    }
    json_decref(r);
    /* Ideographic space separates terms too; English titles are searchable. */
    r = ism_catalog_search(cs, "マイナンバー\u3000分離", "mic-audit", 50, &e);
    ck_assert_ptr_nonnull(find(r, "id", "18"));
    json_decref(r);
    r = ism_catalog_search(cs, "cryptographic", "iso27001-2013", 50, &e);
    ck_assert_int_ge(json_array_size(r), 1);
    json_decref(r);
    /* Metacharacters are data, not syntax. */
    r = ism_catalog_search(cs, "\"OR\" AND *", NULL, 10, &e);
    ck_assert_ptr_nonnull(r);
    json_decref(r);
    r = ism_catalog_search(cs, "%", NULL, 10, &e);
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(json_array_size(r), 0);
    json_decref(r);
    ck_assert_ptr_null(ism_catalog_search(cs, "  \u3000 ", NULL, 10, &e));
    ck_assert_int_eq(e.code, ISM_E_INVALID_PARAMS);
    ism_error_clear(&e);
}
END_TEST

/* Whether the search for q (all catalogs, 100 rows) finds cat:id. */
static bool search_finds(const char *q, const char *cat, const char *id)
{
    ism_error e = {0};
    json_t *r = ism_catalog_search(cs, q, NULL, 100, &e);
    ck_assert_msg(r != NULL, "search '%s': %s", q, e.message);
    bool hit = false;
    size_t i;
    json_t *x;
    json_array_foreach(r, i, x) hit |=
        !strcmp(ism_json_getstr(x, "catalog"), cat) && !strcmp(ism_json_getstr(x, "id"), id);
    json_decref(r);
    return hit;
}

/* Common phrasings find the relevant ISMAP and MIC items through the synonym table
 * (catalog/search-synonyms.tsv), the indexed procedures/notes and the section titles. */
START_TEST(search_common_phrasings)
{
    static const struct {
        const char *q, *cat, *id;
    } want[] = {
        {"物理 入退室", "ismap", "11.1.2"}, /* 入退管理策 under 物理的及び環境的セキュリティ */
        {"物理 入退室", "mic-audit", "57"},
        {"物理 入退室", "mic-audit", "58"},
        {"物理 入退室", "iso27001-2013", "A.11.1.2"},
        {"ログ 保存期間", "ismap", "12.4.1"}, /* イベントログを取得し、保持し */
        {"ログ 保存期間", "mic-audit", "160"},
        {"ログ 保存期間", "mic-audit", "161"},
        {"暗号化 鍵管理", "ismap", "10.1.2"}, /* 暗号鍵の利用、保護及び有効期間 */
        {"暗号化 鍵管理", "mic-audit", "200"},
        {"multi-factor authentication", "mic-audit", "81"},    /* 多要素認証の利用 */
        {"multi-factor authentication", "ismap", "9.4.2.2.B"}, /* 強い認証 */
        {"Multi-Factor Authentication", "mic-audit", "81"},
        {"MFA", "mic-audit", "81"},
        {"incident response", "ismap", "16.1.5"},
        {"incident response", "ismap", "16.1.1"},
        {"incident response", "mic-audit", "123"},
        {"incident response", "mic-audit", "343"}, /* 緊急時対応計画 */
        {"incident response", "iso27001-2022", "A.5.26"},
        /* Procedures are indexed: アンケート is only in 監査実施の例 of No.93. */
        {"支給以外 アンケート", "mic-audit", "93"},
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        ck_assert_msg(search_finds(want[i].q, want[i].cat, want[i].id), "'%s' does not find %s %s",
                      want[i].q, want[i].cat, want[i].id);
    /* Expansion keeps the terms conjunctive: unrelated items stay out. */
    ck_assert(!search_finds("物理 入退室", "mic-audit", "200"));
    ck_assert(!search_finds("incident response", "ismap", "10.1.2"));
    /* The snippet marks what matched, also when it was a synonym. */
    ism_error e = {0};
    json_t *r = ism_catalog_search(cs, "multi-factor authentication", "mic-audit", 5, &e);
    ck_assert_ptr_nonnull(strstr(ism_json_getstr(json_array_get(r, 0), "snippet"), "【多要素"));
    json_decref(r);
}
END_TEST

START_TEST(map_is_transitive_with_chain)
{
    ism_error e = {0};
    json_t *m = ism_catalog_map(cs, "ismap", "10.1.1", 3, &e);
    ck_assert_ptr_nonnull(m);
    json_t *res = json_object_get(m, "results");
    json_t *a = NULL, *b = NULL;
    size_t i;
    json_t *x;
    json_array_foreach(res, i, x)
    {
        if (!strcmp(ism_json_getstr(x, "item"), "A.10.1.1")) a = x;
        if (!b && !strcmp(ism_json_getstr(x, "catalog"), "iso27001-2022")) b = x;
    }
    ck_assert_ptr_nonnull(a);
    ck_assert_int_eq(json_integer_value(json_object_get(a, "depth")), 1);
    ck_assert_ptr_nonnull(b);
    ck_assert_int_eq(json_integer_value(json_object_get(b, "depth")), 2);
    ck_assert_int_eq(json_array_size(json_object_get(b, "chain")), 2);
    json_decref(m);
    /* MIC item → ISMAP through the 2022→2013 chain, recorded. */
    m = ism_catalog_map(cs, "mic-audit", "200", 1, &e);
    ck_assert_int_ge(json_array_size(json_object_get(m, "results")), 1);
    json_decref(m);
    /* An item with no mappings of its own borrows its ancestor's and says so. */
    json_t *items = ism_catalog_items(cs, "ismap", "governance", NULL, &e);
    const char *lonely = NULL;
    json_array_foreach(items, i, x)
    {
        json_t *it = ism_catalog_item(cs, "ismap", ism_json_getstr(x, "id"), &e);
        bool none = json_array_size(json_object_get(it, "mappings")) == 0 &&
                    !json_is_null(json_object_get(it, "parent"));
        json_decref(it);
        if (none) {
            lonely = ism_json_getstr(x, "id");
            break;
        }
    }
    if (lonely) {
        m = ism_catalog_map(cs, "ismap", lonely, 2, &e);
        ck_assert(!json_is_null(json_object_get(m, "inherited_from")) ||
                  json_array_size(json_object_get(m, "results")) == 0);
        json_decref(m);
    }
    json_decref(items);
}
END_TEST

/* The OSCAL node (group or control) whose "label" prop is id, searched depth-first. */
static json_t *oscal_node(json_t *parent, const char *id)
{
    static const char *const kids[] = {"groups", "controls"};
    for (size_t k = 0; k < 2; k++) {
        size_t i;
        json_t *n;
        json_array_foreach(json_object_get(parent, kids[k]), i, n)
        {
            size_t j;
            json_t *p;
            json_array_foreach(json_object_get(n, "props"), j, p)
            {
                if (!strcmp(ism_json_getstr(p, "name"), "label") &&
                    !strcmp(ism_json_getstr(p, "value"), id))
                    return n;
            }
            json_t *hit = oscal_node(n, id);
            if (hit) return hit;
        }
    }
    return NULL;
}

/* Values of the props named name, joined with '|'. Caller frees. */
static char *oscal_props(json_t *node, const char *name)
{
    char *out = strdup("");
    size_t j;
    json_t *p;
    json_array_foreach(json_object_get(node, "props"), j, p)
    {
        if (strcmp(ism_json_getstr(p, "name"), name)) continue;
        char *n = ism_strdupf("%s%s%s", out, *out ? "|" : "", ism_json_getstr(p, "value"));
        free(out);
        out = n;
    }
    return out;
}

START_TEST(oscal_mic_titles_flags_and_unknown_mandatory)
{
    ism_error e = {0};
    json_t *doc = ism_catalog_export_oscal(cs, "mic-audit", &e);
    ck_assert_ptr_nonnull(doc);
    json_t *cat = json_object_get(doc, "catalog");
    /* Titles are the 監査項目 label, not the bare number. */
    json_t *n = oscal_node(cat, "347");
    ck_assert_ptr_nonnull(n);
    ck_assert_str_eq(ism_json_getstr(n, "title"), "例外措置に関わる基準及び対応手続");
    char *v = oscal_props(n, "mandatory");
    ck_assert_str_eq(v, "false");
    free(v);
    /* Unknown 必須 is exported as unknown with its basis, never dropped or false. */
    n = oscal_node(cat, "29");
    v = oscal_props(n, "mandatory");
    ck_assert_str_eq(v, "unknown");
    free(v);
    v = oscal_props(n, "mandatory_basis");
    ck_assert_ptr_nonnull(strstr(v, "merged the No. and 必須 columns"));
    free(v);
    v = oscal_props(n, "text_flags");
    ck_assert_str_eq(v, "missing");
    free(v);
    n = oscal_node(cat, "357");
    v = oscal_props(n, "text_flags");
    ck_assert_str_eq(v, "missing|heading");
    free(v);
    v = oscal_props(n, "text_note");
    ck_assert_ptr_nonnull(strstr(v, "section heading"));
    free(v);
    n = oscal_node(cat, "84");
    v = oscal_props(n, "repairs");
    ck_assert_ptr_nonnull(strstr(v, "戶外→庁外"));
    free(v);
    json_decref(doc);
}
END_TEST

static bool matches(const char *re, const char *s)
{
    regex_t r;
    regcomp(&r, re, REG_EXTENDED | REG_NOSUB);
    bool ok = s && regexec(&r, s, 0, NULL, 0) == 0;
    regfree(&r);
    return ok;
}

START_TEST(oscal_export_shape_and_determinism)
{
    ism_error e = {0};
    json_t *a = ism_catalog_export_oscal(cs, "ismap", &e);
    json_t *b = ism_catalog_export_oscal(cs, "ismap", &e);
    ck_assert_ptr_nonnull(a);
    ck_assert(json_equal(a, b));
    json_t *cat = json_object_get(a, "catalog");
    const char *uuid = ism_json_getstr(cat, "uuid");
    ck_assert(
        matches("^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", uuid));
    json_t *md = json_object_get(cat, "metadata");
    ck_assert_str_eq(ism_json_getstr(md, "oscal-version"), "1.2.1");
    ck_assert_str_eq(ism_json_getstr(md, "last-modified"), "2024-08-01T00:00:00+09:00");
    char *text = json_dumps(a, JSON_COMPACT);
    ck_assert_ptr_nonnull(strstr(text, "\"id\":\"ismap-10.1.1.9.PB\""));
    ck_assert_ptr_nonnull(strstr(text, "\"name\":\"must_meet\""));
    free(text);
    json_decref(a);
    json_decref(b);
    json_t *x = ism_catalog_export_oscal(cs, "xw-ismap-iso27017", &e);
    json_t *mc = json_object_get(x, "mapping-collection");
    ck_assert_ptr_nonnull(mc);
    json_t *maps = json_object_get(json_array_get(json_object_get(mc, "mappings"), 0), "maps");
    ck_assert_int_eq(json_array_size(maps), 12);
    json_decref(x);
    ck_assert_ptr_null(ism_catalog_export_oscal(cs, "nope", &e));
    ck_assert_int_eq(e.code, ISM_E_NOT_FOUND);
    ism_error_clear(&e);
}
END_TEST

/* ---- damaged catalogs: each must stop the load naming file and entry ---------------------- */

static char *copy_catalogs(void)
{
    char *dir = tu_tempdir("catalog");
    char *cmd = ism_strdupf("cp '%s'/*.json '%s'/", catdir, dir);
    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
    return dir;
}

/* Rewrites dir/file with a Python expression applied to the parsed JSON `d`. */
static void mutate(const char *dir, const char *file, const char *expr)
{
    char *cmd = ism_strdupf("python3 -c 'import json,sys; p=sys.argv[1]; d=json.load(open(p)); "
                            "%s; json.dump(d, open(p, \"w\"), ensure_ascii=False)' '%s/%s'",
                            expr, dir, file);
    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
}

static void expect_load_error(const char *dir, const char *want1, const char *want2)
{
    ism_error e = {0};
    ism_catalog_set *bad = ism_catalog_load(dir, &e);
    ck_assert_ptr_null(bad);
    ck_assert_int_eq(e.code, ISM_E_INVALID_DATA);
    ck_assert_msg(strstr(e.message, want1) && (!want2 || strstr(e.message, want2)),
                  "message '%s' lacks '%s'/'%s'", e.message, want1, want2 ? want2 : "");
    ism_error_clear(&e);
}

START_TEST(damaged_files_are_named)
{
    char *dir = copy_catalogs();
    char *p = ism_strdupf("%s/ismap.json", dir);
    FILE *fp = fopen(p, "a");
    fputs("garbage", fp);
    fclose(fp);
    expect_load_error(dir, "ismap.json", "line");
    free(p);
    tu_rmtree(dir);
    free(dir);

    dir = copy_catalogs();
    mutate(dir, "ismap.json", "d[\"items\"][5][\"id\"]=d[\"items\"][4][\"id\"]");
    expect_load_error(dir, "ismap.json", "duplicate id");
    tu_rmtree(dir);
    free(dir);

    dir = copy_catalogs();
    mutate(dir, "mic-audit.json", "d[\"items\"][50][\"parent\"]=\"9.9.9\"");
    expect_load_error(dir, "mic-audit.json", "parent '9.9.9'");
    tu_rmtree(dir);
    free(dir);

    dir = copy_catalogs();
    mutate(dir, "xw-mic-ismap.json", "d[\"maps\"][3][\"target\"]=\"99.99.99\"");
    expect_load_error(dir, "xw-mic-ismap.json: maps[3]", "target '99.99.99'");
    tu_rmtree(dir);
    free(dir);

    dir = copy_catalogs();
    mutate(dir, "xw-ismap-iso27017.json", "d[\"maps\"][0][\"relationship\"]=\"sorta\"");
    expect_load_error(dir, "xw-ismap-iso27017.json: maps[0]", "relationship 'sorta'");
    tu_rmtree(dir);
    free(dir);

    dir = copy_catalogs();
    mutate(dir, "soc2-tsc.json", "d[\"format\"]=2");
    expect_load_error(dir, "soc2-tsc.json", "'format' must be 1");
    tu_rmtree(dir);
    free(dir);

    dir = copy_catalogs();
    mutate(dir, "iso27017.json", "d[\"items\"][1][\"props\"]={\"x\": {\"nested\": 1}}");
    expect_load_error(dir, "iso27017.json: item", "prop 'x'");
    tu_rmtree(dir);
    free(dir);

    dir = copy_catalogs();
    mutate(dir, "ismap.json", "d[\"profiles\"][0][\"items\"].append(\"0.0.0\")");
    expect_load_error(dir, "profile 'must-meet'", "'0.0.0'");
    tu_rmtree(dir);
    free(dir);

    dir = copy_catalogs();
    char *cmd = ism_strdupf("mv '%s/iso27017.json' '%s/renamed.json'", dir, dir);
    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
    expect_load_error(dir, "renamed.json", "does not match the file name");
    tu_rmtree(dir);
    free(dir);

    /* The synonym table: a one-term group and a term in two groups are named with the line. */
    dir = copy_catalogs();
    p = ism_strdupf("%s/search-synonyms.tsv", dir);
    fp = fopen(p, "w");
    fputs("# comment\n\nlog\tログ\nalone\n", fp);
    fclose(fp);
    expect_load_error(dir, "search-synonyms.tsv: line 4", "two or more terms");
    fp = fopen(p, "w");
    fputs("log\tログ\nLOG\tjournal\n", fp);
    fclose(fp);
    expect_load_error(dir, "search-synonyms.tsv: line 2", "already in the group on line 1");
    free(p);
    tu_rmtree(dir);
    free(dir);

    ism_error e = {0};
    ck_assert_ptr_null(ism_catalog_load("/nonexistent-catalog-dir", &e));
    ck_assert_int_eq(e.code, ISM_E_CONFIG);
    ism_error_clear(&e);
}
END_TEST

/* Everything a caller sees of a set, as one JSON document (the list, every item of ISMAP's
 * catalog, a Japanese search, a mapping). New reference. */
static json_t *observe(ism_catalog_set *set)
{
    ism_error e = {0};
    json_t *o = json_object();
    json_object_set_new(o, "list", ism_catalog_list(set));
    json_t *items = ism_catalog_items(set, "ismap", NULL, NULL, &e);
    ck_assert_msg(items, "%s", e.message);
    json_object_set_new(o, "items", items);
    json_t *hits = ism_catalog_search(set, "暗号化", NULL, 50, &e);
    ck_assert_msg(hits, "%s", e.message);
    json_object_set_new(o, "search", hits);
    return o;
}

/* How many cache files dir holds. */
static int cache_files(const char *dir)
{
    char *cmd = ism_strdupf("ls '%s' | grep -c '^catalog-.*\\.db$'", dir);
    FILE *p = popen(cmd, "r");
    int n = -1;
    ck_assert(p && fscanf(p, "%d", &n) == 1);
    pclose(p);
    free(cmd);
    return n;
}

/* Whether the first ISMAP item of the set has the title the test gave it. */
static bool has_new_title(ism_catalog_set *set, const json_t *seen)
{
    ism_error e = {0};
    const char *id = ism_json_getstr(json_array_get(json_object_get(seen, "items"), 0), "id");
    json_t *it = ism_catalog_item(set, "ismap", id, &e);
    ck_assert_msg(it, "%s", e.message);
    const char *t = ism_json_getstr(json_object_get(it, "title"), "ja");
    bool yes = t && !strcmp(t, "キャッシュ試験の題名");
    json_decref(it);
    return yes;
}

START_TEST(cached_index_is_the_built_one)
{
    char *dir = copy_catalogs();
    char *syn = ism_strdupf("cp '%s'/search-synonyms.tsv '%s'/", catdir, dir);
    ck_assert_int_eq(system(syn), 0);
    free(syn);
    char *cache = tu_tempdir("catcache");
    char *sub = ism_strdupf("%s/sub", cache); /* made by the load */
    ism_error e = {0};
    ism_catalog_set *built = ism_catalog_load(dir, &e);
    ck_assert_msg(built, "%s", e.message);
    json_t *want = observe(built);
    ism_catalog_free(built);

    /* A miss builds and writes the file; the next load reads it; both are the built set. */
    bool hit = true;
    ism_catalog_set *a = ism_catalog_load_cached(dir, sub, &hit, &e);
    ck_assert_msg(a, "%s", e.message);
    ck_assert(!hit);
    json_t *got = observe(a);
    ck_assert(json_equal(got, want));
    json_decref(got);
    ism_catalog_free(a);
    ism_catalog_set *b = ism_catalog_load_cached(dir, sub, &hit, &e);
    ck_assert_msg(b, "%s", e.message);
    ck_assert(hit);
    got = observe(b);
    ck_assert(json_equal(got, want));
    json_decref(got);
    ism_catalog_free(b);

    /* A changed catalog is another digest: built again, and the change shows. */
    mutate(dir, "ismap.json", "d[\"items\"][0][\"title\"][\"ja\"]=\"キャッシュ試験の題名\"");
    ism_catalog_set *c = ism_catalog_load_cached(dir, sub, &hit, &e);
    ck_assert_msg(c, "%s", e.message);
    ck_assert(!hit);
    ck_assert_int_eq(cache_files(sub), 1); /* the old index is gone */
    ck_assert(has_new_title(c, want));
    ism_catalog_free(c);
    /* So is a changed synonyms file (not a .json). */
    char *add =
        ism_strdupf("printf '\nキャッシュ\tcache-test-synonym\n' >> '%s'/search-synonyms.tsv", dir);
    ck_assert_int_eq(system(add), 0);
    free(add);
    c = ism_catalog_load_cached(dir, sub, &hit, &e);
    ck_assert_msg(c, "%s", e.message);
    ck_assert(!hit);
    ism_catalog_free(c);
    c = ism_catalog_load_cached(dir, sub, &hit, &e);
    ck_assert(c && hit);
    ism_catalog_free(c);

    /* A damaged cache file (cut short) is not used: built over, then read again. */
    char *cut = ism_strdupf("for f in '%s'/catalog-*.db; do truncate -s 4096 \"$f\"; done", sub);
    ck_assert_int_eq(system(cut), 0);
    free(cut);
    c = ism_catalog_load_cached(dir, sub, &hit, &e);
    ck_assert_msg(c, "%s", e.message);
    ck_assert(!hit);
    ck_assert(has_new_title(c, want));
    ism_catalog_free(c);
    c = ism_catalog_load_cached(dir, sub, &hit, &e);
    ck_assert(c && hit);
    ism_catalog_free(c);

    /* A damaged catalog still stops the load, cache or not. */
    mutate(dir, "ismap.json", "d[\"items\"][5][\"id\"]=d[\"items\"][4][\"id\"]");
    ck_assert_ptr_null(ism_catalog_load_cached(dir, sub, &hit, &e));
    ck_assert_int_eq(e.code, ISM_E_INVALID_DATA);
    ism_error_clear(&e);

    json_decref(want);
    tu_rmtree(cache);
    tu_rmtree(dir);
    free(sub);
    free(cache);
    free(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("catalog");
    TCase *tc = tcase_create("catalog");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, list_has_every_catalog_and_counts);
    tcase_add_test(tc, item_with_context);
    tcase_add_test(tc, every_parent_is_an_ancestor);
    tcase_add_test(tc, search_japanese_short_and_long);
    tcase_add_test(tc, search_common_phrasings);
    tcase_add_test(tc, map_is_transitive_with_chain);
    tcase_add_test(tc, oscal_export_shape_and_determinism);
    tcase_add_test(tc, oscal_mic_titles_flags_and_unknown_mandatory);
    tcase_add_test(tc, damaged_files_are_named);
    tcase_add_test(tc, cached_index_is_the_built_one);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
