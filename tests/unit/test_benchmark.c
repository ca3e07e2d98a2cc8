/* test_benchmark.c — the IPA benchmark self-assessment: answers checked against the catalog,
 * scores per area and overall, the store's table, the radar chart as SVG (well-formed, one
 * point and one label per question, the five areas), the XLSX and the HTML report's section. */
#include "ismap/catalog.h"
#include "ismap/matrix.h"
#include "ismap/report.h"
#include "ismap/store.h"
#include "testutil.h"

#include <check.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <stdlib.h>
#include <string.h>

static ism_catalog_set *cs;
static char *dir;

static json_t *js(const char *text)
{
    json_error_t je;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &je);
    ck_assert_msg(v != NULL, "fixture JSON: %s", je.text);
    return v;
}

static void refused(const char *answers, const char *want)
{
    json_t *a = js(answers);
    ism_error e = {0};
    ck_assert_msg(!ism_report_benchmark_check(cs, a, &e), "accepted %s", answers);
    ck_assert_int_eq(e.code, ISM_E_INVALID_PARAMS);
    ck_assert_msg(strstr(e.message, want), "message \"%s\", wanted \"%s\"", e.message, want);
    ism_error_clear(&e);
    json_decref(a);
}

START_TEST(answers_checked)
{
    refused("{}", "answers: must be a non-empty array");
    refused("[]", "answers: must be a non-empty array");
    refused("[{\"question\":\"9-9\",\"value\":3}]", "answers[0].question: \"9-9\"");
    refused("[{\"question\":\"1\",\"value\":3}]", "not a question");
    refused("[{\"question\":\"1-1-1\",\"value\":3}]", "not a question");
    refused("[{\"question\":\"1-1\",\"value\":0}]", "answers[0].value: must be an integer from 1");
    refused("[{\"question\":\"1-1\",\"value\":6}]", "answers[0].value");
    refused("[{\"question\":\"1-1\",\"value\":\"3\"}]", "answers[0].value");
    refused("[{\"question\":\"1-1\",\"value\":3},{\"question\":\"1-1\",\"value\":4}]",
            "answers[1].question: \"1-1\" is answered twice");
    refused("[{\"question\":\"1-1\",\"value\":3,\"score\":1}]", "unknown key \"score\"");
    refused("[{\"question\":\"1-1\",\"value\":3,\"note\":5}]", "answers[0].note");
    json_t *ok = js("[{\"question\":\"1-1\",\"value\":3,\"note\":\"規程あり\"},"
                    "{\"question\":\"5-3\",\"value\":5,\"note\":null}]");
    ism_error e = {0};
    ck_assert_msg(ism_report_benchmark_check(cs, ok, &e), "%s", e.message);
    json_decref(ok);
}
END_TEST

/* Answers: question i (0-based, document order) gets (i % 5) + 1, except skip. */
static json_t *answers_all(const char *skip)
{
    json_t *empty = ism_report_benchmark(cs, NULL, NULL);
    json_t *out = json_object(), *q;
    size_t i;
    json_array_foreach(json_object_get(empty, "questions"), i, q)
    {
        const char *id = ism_json_getstr(q, "id");
        if (skip && !strcmp(id, skip)) continue;
        json_object_set_new(
            out, id,
            json_pack("{s:i, s:s}", "value", (int)(i % 5) + 1, "note", i == 0 ? "A&B <規程>" : ""));
    }
    json_decref(empty);
    return out;
}

START_TEST(scores)
{
    ism_error e = {0};
    json_t *v = ism_report_benchmark(cs, NULL, &e);
    ck_assert_msg(v != NULL, "%s", e.message);
    ck_assert_int_eq(json_array_size(json_object_get(v, "questions")), 27);
    json_t *areas = json_object_get(v, "areas");
    ck_assert_int_eq(json_array_size(areas), 5);
    static const int per_area[5] = {8, 4, 7, 5, 3};
    for (int a = 0; a < 5; a++) {
        json_t *ar = json_array_get(areas, (size_t)a);
        ck_assert_int_eq(json_array_size(json_object_get(ar, "questions")), per_area[a]);
        ck_assert(json_is_null(json_object_get(ar, "mean")));
        ck_assert_int_eq(json_integer_value(json_object_get(ar, "max")), per_area[a] * 5);
    }
    json_t *t = json_object_get(v, "total");
    ck_assert_int_eq(json_integer_value(json_object_get(t, "max")), 135);
    ck_assert_int_eq(json_integer_value(json_object_get(t, "answered")), 0);
    ck_assert(json_is_false(json_object_get(v, "complete")));
    /* The seed has no distribution: said, not invented. */
    ck_assert(json_is_null(json_object_get(v, "distribution")));
    ck_assert_ptr_nonnull(strstr(ism_json_getstr(v, "distribution_note"), "含まれていない"));
    /* Check points hang under their questions. */
    json_t *q0 = json_array_get(json_object_get(v, "questions"), 0);
    ck_assert_str_eq(ism_json_getstr(q0, "id"), "1-1");
    ck_assert_uint_gt(json_array_size(json_object_get(q0, "checkpoints")), 3);
    json_decref(v);

    /* All but 5-3 answered: values 1..5 cycling over the document order. */
    json_t *ans = answers_all("5-3");
    v = ism_report_benchmark(cs, ans, &e);
    ck_assert_msg(v != NULL, "%s", e.message);
    areas = json_object_get(v, "areas");
    /* Area 1 = questions 0..7: 1 2 3 4 5 1 2 3 → sum 21, mean 2.63 (rounded to 2 places). */
    json_t *a1 = json_array_get(areas, 0);
    ck_assert_int_eq(json_integer_value(json_object_get(a1, "sum")), 21);
    ck_assert_int_eq(json_integer_value(json_object_get(a1, "answered")), 8);
    ck_assert_double_eq_tol(json_real_value(json_object_get(a1, "mean")), 2.63, 1e-9);
    /* Area 5 = questions 24..26 → 5 1 (2 skipped) → sum 6 over 2. */
    json_t *a5 = json_array_get(areas, 4);
    ck_assert_int_eq(json_integer_value(json_object_get(a5, "sum")), 6);
    ck_assert_int_eq(json_integer_value(json_object_get(a5, "answered")), 2);
    ck_assert_double_eq_tol(json_real_value(json_object_get(a5, "mean")), 3.0, 1e-9);
    t = json_object_get(v, "total");
    /* 0..25 → five full cycles (15 each) + 1 → 76. */
    ck_assert_int_eq(json_integer_value(json_object_get(t, "sum")), 76);
    ck_assert_int_eq(json_integer_value(json_object_get(t, "answered")), 26);
    ck_assert(json_is_false(json_object_get(v, "complete")));
    json_decref(v);
    json_decref(ans);
}
END_TEST

START_TEST(store_round_trip)
{
    char *path = tu_store_location(dir);
    ism_error e = {0};
    ism_store *st = ism_store_open_with(path, ism_benchmark_schema(), 1, &e);
    free(path);
    ck_assert_msg(st != NULL, "%s", e.message);
    json_t *a = js("[{\"question\":\"1-1\",\"value\":3,\"note\":\"規程あり\"},"
                   "{\"question\":\"2-1\",\"value\":4}]");
    ck_assert_msg(
        ism_benchmark_save(st, "assessment", "asm_1", a, "tok_a", "2026-12-05T10:00:00Z", &e), "%s",
        e.message);
    json_decref(a);
    a = js("[{\"question\":\"1-1\",\"value\":5}]");
    ck_assert(
        ism_benchmark_save(st, "assessment", "asm_1", a, "tok_b", "2026-12-06T10:00:00Z", &e));
    json_decref(a);
    json_t *got = ism_benchmark_answers(st, "assessment", "asm_1", &e);
    ck_assert_int_eq(json_object_size(got), 2);
    json_t *q = json_object_get(got, "1-1");
    ck_assert_int_eq(json_integer_value(json_object_get(q, "value")), 5);
    ck_assert_str_eq(ism_json_getstr(q, "answered_by"), "tok_b");
    ck_assert(json_is_null(json_object_get(q, "note")));
    json_decref(got);
    /* Another target sees none; the table refuses a value outside 1–5 (all or nothing). */
    got = ism_benchmark_answers(st, "subject", "asm_1", &e);
    ck_assert_int_eq(json_object_size(got), 0);
    json_decref(got);
    a = js("[{\"question\":\"3-1\",\"value\":2},{\"question\":\"3-2\",\"value\":9}]");
    ck_assert(!ism_benchmark_save(st, "assessment", "asm_1", a, "x", "2026-12-06T10:00:00Z", &e));
    ism_error_clear(&e);
    json_decref(a);
    got = ism_benchmark_answers(st, "assessment", "asm_1", &e);
    ck_assert_ptr_null(json_object_get(got, "3-1"));
    json_decref(got);
    ism_store_close(st);
}
END_TEST

static int xpath_count(xmlDoc *doc, const char *expr)
{
    xmlXPathContext *ctx = xmlXPathNewContext(doc);
    xmlXPathRegisterNs(ctx, BAD_CAST "s", BAD_CAST "http://www.w3.org/2000/svg");
    xmlXPathRegisterNs(ctx, BAD_CAST "h", BAD_CAST "http://www.w3.org/1999/xhtml");
    xmlXPathObject *o = xmlXPathEvalExpression(BAD_CAST expr, ctx);
    int n = o && o->nodesetval ? o->nodesetval->nodeNr : -1;
    xmlXPathFreeObject(o);
    xmlXPathFreeContext(ctx);
    return n;
}

START_TEST(svg_radar)
{
    json_t *ans = answers_all("5-3");
    ism_error e = {0};
    json_t *v = ism_report_benchmark(cs, ans, &e);
    size_t len = 0;
    char *svg = ism_report_benchmark_svg(v, &len, &e);
    ck_assert_msg(svg != NULL, "%s", e.message);
    xmlDoc *doc = xmlReadMemory(svg, (int)len, "radar.svg", "UTF-8", XML_PARSE_NONET);
    ck_assert_msg(doc != NULL, "the SVG is not well-formed XML");
    ck_assert_int_eq(xpath_count(doc, "/s:svg"), 1);
    ck_assert_int_eq(xpath_count(doc, "//s:circle[@data-question]"), 27);
    ck_assert_int_eq(xpath_count(doc, "//s:circle[@data-value='']"), 1); /* 5-3 */
    ck_assert_int_eq(xpath_count(doc, "//s:g[@class='labels']/s:text"), 27);
    ck_assert_int_eq(xpath_count(doc, "//s:text[@class='area']"), 5);
    ck_assert_int_eq(xpath_count(doc, "//s:g[@class='grid']/s:polygon"), 5);
    /* The answers' polygon has one vertex per question. */
    xmlXPathContext *ctx = xmlXPathNewContext(doc);
    xmlXPathRegisterNs(ctx, BAD_CAST "s", BAD_CAST "http://www.w3.org/2000/svg");
    xmlXPathObject *o =
        xmlXPathEvalExpression(BAD_CAST "string(//s:polygon[@class='answers']/@points)", ctx);
    int pairs = 0;
    for (const char *p = (const char *)o->stringval; *p; p++)
        pairs += *p == ',';
    ck_assert_int_eq(pairs, 27);
    xmlXPathFreeObject(o);
    xmlXPathFreeContext(ctx);
    xmlFreeDoc(doc);
    ck_assert_ptr_nonnull(strstr(svg, "平均 2.63"));
    free(svg);

    /* The workbook. */
    char *x = ism_report_benchmark_xlsx(v, &len, &e);
    ck_assert_msg(x != NULL, "%s", e.message);
    ck_assert(len > 1000 && !memcmp(x, "PK", 2));
    free(x);

    /* The HTML report's section: inline SVG in well-formed XHTML; none without answers. */
    json_t *a = json_pack("{s:s, s:s, s:O}", "id", "asm_1", "name", "評価", "benchmark", v);
    json_t *m = js("{\"assessment\":\"asm_1\",\"requirements\":[],\"counts\":{}}");
    ism_report_input in = {m, NULL, NULL, a, cs, "2026-12-05T10:00:00+09:00"};
    char *html = ism_report_html(&in, &len, &e);
    ck_assert_msg(html != NULL, "%s", e.message);
    doc = xmlReadMemory(html, (int)len, "r.html", "UTF-8", XML_PARSE_NONET);
    ck_assert_msg(doc != NULL, "the HTML is not well-formed");
    ck_assert_int_eq(xpath_count(doc, "//h:section[@id='benchmark']//s:svg"), 1);
    xmlFreeDoc(doc);
    free(html);
    json_t *none = ism_report_benchmark(cs, NULL, &e);
    json_object_set_new(a, "benchmark", none);
    html = ism_report_html(&in, &len, &e);
    ck_assert_ptr_null(strstr(html, "id=\"benchmark\""));
    free(html);
    json_decref(a);
    json_decref(m);
    json_decref(v);
    json_decref(ans);
}
END_TEST

int main(void)
{
    /* Only the benchmark's catalog: a folder of its own, loaded fast. */
    dir = tu_tempdir("bench");
    char src[4200], dst[4200];
    snprintf(src, sizeof src, "%s/catalog/ipa-benchmark.json", tu_source_dir());
    snprintf(dst, sizeof dst, "%s/cat", dir);
    ism_error e = {0};
    ism_mkdirs(dst, 0700, &e);
    size_t len;
    char *data = ism_read_file(src, 1 << 24, &len, &e);
    snprintf(dst, sizeof dst, "%s/cat/ipa-benchmark.json", dir);
    if (!data || !ism_report_write_file(dst, data, len, &e)) {
        fprintf(stderr, "fixture: %s\n", e.message);
        return 1;
    }
    free(data);
    snprintf(dst, sizeof dst, "%s/cat", dir);
    cs = ism_catalog_load(dst, &e);
    if (!cs) {
        fprintf(stderr, "catalogs: %s\n", e.message);
        return 1;
    }
    Suite *s = suite_create("benchmark");
    TCase *tc = tcase_create("benchmark");
    tcase_add_test(tc, answers_checked);
    tcase_add_test(tc, scores);
    tcase_add_test(tc, store_round_trip);
    tcase_add_test(tc, svg_radar);
    suite_add_tcase(s, tc);
    int rc = tu_run_suite(s);
    ism_catalog_free(cs);
    tu_rmtree(dir);
    free(dir);
    return rc;
}
