/* benchmark.c — the IPA 情報セキュリティ対策ベンチマーク self-assessment: checking answers
 * against the catalog (ipa-benchmark: 5 areas, 27 questions, 1–5 each), the scored view
 * (per area and overall), a 27-axis radar chart as SVG written here (no library), the XLSX
 * workbook and the section the HTML report appends.
 *
 * Scoring. The source (seed 002) lists the questions and their check points but neither the
 * way scores are aggregated nor any published distribution of other organizations' scores. So
 * the view states its rule — per area the sum and the mean of the answered questions, overall
 * the sum out of 27 × 5 = 135 and the mean — and carries "distribution": null with a note
 * saying the seed gives none, instead of inventing one. Everything here is a pure function of
 * the catalogs and the answers. */
#include "ismap/catalog.h"
#include "ismap/report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#define CATALOG "ipa-benchmark"
#define NOTE_MAX 4000

static const char *const DIST_NOTE =
    "出典（IPA 情報セキュリティ対策ベンチマーク 質問項目と対策のポイント、seed 002）には他組織"
    "の得点分布が含まれていないため、分布との比較は行わない。";
static const char *const RULE_NOTE =
    "各設問を1〜5点で回答する。領域ごとに回答済み設問の合計点と平均点を、全体では合計点（満点"
    "135点）と平均点を示す。集計方法は出典に記載がないため ismap-assess が定めたものである。";

/* The scale's wording, as the catalog states it (ismap-assess's own, not IPA's). */
static const char *const LEVELS[5] = {"実施していない（又は実施状況が分からない）",
                                      "実施に向けて検討している段階、又はごく一部のみ実施",
                                      "一部を実施している", "ほぼ全てを実施している",
                                      "全てを実施し、定期的に見直している"};

static const char *str_or(const char *s)
{
    return s ? s : "";
}

static const char *jtext(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    if (json_is_object(v)) v = json_object_get(v, "ja");
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* ---- checking answers ----------------------------------------------------------------------- */

bool ism_report_benchmark_check(ism_catalog_set *cs, const json_t *answers, ism_error *err)
{
    if (!json_is_array(answers) || json_array_size(answers) == 0)
        return ism_error_set(err, ISM_E_INVALID_PARAMS,
                             "answers: must be a non-empty array of {question, value, note}");
    json_t *seen = json_object();
    size_t i;
    json_t *a;
    bool ok = true;
    json_array_foreach(answers, i, a)
    {
        const char *k, *q = ism_json_getstr(a, "question");
        json_t *v;
        if (!json_is_object(a)) {
            ok = ism_error_set(err, ISM_E_INVALID_PARAMS, "answers[%zu]: must be an object", i);
            break;
        }
        json_object_foreach(a, k, v)
        {
            if (strcmp(k, "question") && strcmp(k, "value") && strcmp(k, "note")) {
                ok = ism_error_set(err, ISM_E_INVALID_PARAMS, "answers[%zu]: unknown key \"%s\"", i,
                                   k);
                break;
            }
        }
        if (!ok) break;
        if (!q || !ism_catalog_has(cs, CATALOG, q)) {
            ok = ism_error_set(err, ISM_E_INVALID_PARAMS,
                               "answers[%zu].question: \"%s\" is not a question of the IPA "
                               "benchmark (1-1 … 5-3)",
                               i, q ? q : "(missing)");
            break;
        }
        json_t *item = ism_catalog_item(cs, CATALOG, q, NULL);
        bool is_q = item && !strcmp(str_or(ism_json_getstr(item, "class")), "question");
        json_decref(item);
        if (!is_q) {
            ok = ism_error_set(err, ISM_E_INVALID_PARAMS,
                               "answers[%zu].question: \"%s\" is an area or a check point, not "
                               "a question",
                               i, q);
            break;
        }
        json_t *val = json_object_get(a, "value");
        if (!json_is_integer(val) || json_integer_value(val) < 1 || json_integer_value(val) > 5) {
            ok = ism_error_set(err, ISM_E_INVALID_PARAMS,
                               "answers[%zu].value: must be an integer from 1 to 5", i);
            break;
        }
        json_t *note = json_object_get(a, "note");
        if (note && !json_is_null(note) &&
            (!json_is_string(note) || json_string_length(note) > NOTE_MAX)) {
            ok = ism_error_set(err, ISM_E_INVALID_PARAMS,
                               "answers[%zu].note: must be a string of at most %d bytes", i,
                               NOTE_MAX);
            break;
        }
        if (json_object_get(seen, q)) {
            ok = ism_error_set(err, ISM_E_INVALID_PARAMS,
                               "answers[%zu].question: \"%s\" is answered twice", i, q);
            break;
        }
        json_object_set_new(seen, q, json_true());
    }
    json_decref(seen);
    return ok;
}

/* ---- the scored view ------------------------------------------------------------------------ */

static json_t *mean_of(json_int_t sum, json_int_t n)
{
    return n ? json_real(round((double)sum / (double)n * 100) / 100) : json_null();
}

json_t *ism_report_benchmark(ism_catalog_set *cs, const json_t *answers, ism_error *err)
{
    json_t *items = cs ? ism_catalog_items(cs, CATALOG, NULL, NULL, err) : NULL;
    if (!items) {
        if (!cs) ism_error_set(err, ISM_E_UNAVAILABLE, "the catalogs are not loaded");
        return NULL;
    }
    json_t *areas = json_array(), *questions = json_array(), *area = NULL;
    json_int_t tsum = 0, tn = 0, tq = 0, asum = 0, an = 0, aq = 0;
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        const char *cls = ism_json_getstr(it, "class"), *id = ism_json_getstr(it, "id");
        if (!cls || !id) continue;
        if (!strcmp(cls, "area")) {
            if (area) {
                json_object_set_new(area, "answered", json_integer(an));
                json_object_set_new(area, "sum", json_integer(asum));
                json_object_set_new(area, "max", json_integer(aq * 5));
                json_object_set_new(area, "mean", mean_of(asum, an));
            }
            area = json_pack("{s:s, s:s?, s:s?, s:[]}", "id", id, "label",
                             ism_json_getstr(json_object_get(it, "props"), "label"), "title",
                             jtext(it, "title"), "questions");
            json_array_append_new(areas, area);
            asum = an = aq = 0;
        } else if (!strcmp(cls, "question") && area) {
            const json_t *ans = json_object_get(answers, id);
            json_t *val = json_object_get(ans, "value");
            json_t *q =
                json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:[], s:O?, s:O?, s:O?, s:O?}", "id", id,
                          "area", ism_json_getstr(area, "id"), "no",
                          ism_json_getstr(json_object_get(it, "props"), "printed_number"), "title",
                          jtext(it, "title"), "text", jtext(it, "text"), "checkpoints", "value",
                          json_is_integer(val) ? val : NULL, "note", json_object_get(ans, "note"),
                          "answered_by", json_object_get(ans, "answered_by"), "answered_at",
                          json_object_get(ans, "answered_at"));
            if (!json_object_get(q, "value")) json_object_set_new(q, "value", json_null());
            json_array_append_new(questions, q);
            json_array_append_new(json_object_get(area, "questions"), json_string(id));
            aq++, tq++;
            if (json_is_integer(val)) {
                asum += json_integer_value(val), tsum += json_integer_value(val);
                an++, tn++;
            }
        } else if (!strcmp(cls, "checkpoint")) {
            json_t *last = json_array_get(questions, json_array_size(questions) - 1);
            if (last && !strcmp(ism_json_getstr(last, "id"), str_or(ism_json_getstr(it, "parent"))))
                json_array_append_new(json_object_get(last, "checkpoints"),
                                      json_string(str_or(jtext(it, "text"))));
        }
    }
    if (area) {
        json_object_set_new(area, "answered", json_integer(an));
        json_object_set_new(area, "sum", json_integer(asum));
        json_object_set_new(area, "max", json_integer(aq * 5));
        json_object_set_new(area, "mean", mean_of(asum, an));
    }
    json_decref(items);
    json_t *levels = json_array();
    for (int l = 0; l < 5; l++)
        json_array_append_new(levels, json_pack("{s:i, s:s}", "value", l + 1, "ja", LEVELS[l]));
    return json_pack("{s:s, s:s, s:{s:i, s:i, s:o}, s:o, s:o, s:{s:I, s:I, s:I, s:I, s:o}, "
                     "s:b, s:s, s:n, s:s}",
                     "catalog", CATALOG, "title", "情報セキュリティ対策ベンチマーク", "scale",
                     "min", 1, "max", 5, "levels", levels, "areas", areas, "questions", questions,
                     "total", "questions", tq, "answered", tn, "sum", tsum, "max", tq * 5, "mean",
                     mean_of(tsum, tn), "complete", tq > 0 && tn == tq, "scoring", RULE_NOTE,
                     "distribution", "distribution_note", DIST_NOTE);
}

/* ---- SVG ------------------------------------------------------------------------------------ */

static void xml_esc(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '&')
            fputs("&amp;", f);
        else if (*p == '<')
            fputs("&lt;", f);
        else if (*p == '>')
            fputs("&gt;", f);
        else if (*p == '"')
            fputs("&quot;", f);
        else if (*p < 0x20 && *p != '\n' && *p != '\t')
            fputs("\xEF\xBF\xBD", f);
        else
            fputc(*p, f);
    }
}

#define SVG_W 760
#define SVG_H 740
#define CX 380.0
#define CY 310.0
#define R 230.0

/* One colour per area (labels and legend), told apart also by the area number. */
static const char *const AREA_COLORS[] = {"#1f5fa8", "#b3541e", "#2e7d32", "#6a1b9a", "#c62828"};

static const char *area_color(const json_t *view, const char *area)
{
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(view, "areas"), i, a)
    {
        if (area && !strcmp(str_or(ism_json_getstr(a, "id")), area)) return AREA_COLORS[i % 5];
    }
    return "#333333";
}

static void point(size_t k, size_t n, double r, double *x, double *y)
{
    double a = -M_PI / 2 + 2 * M_PI * (double)k / (double)n;
    *x = CX + r * cos(a);
    *y = CY + r * sin(a);
}

/* The chart; fragment: without the XML declaration (for inlining in the HTML report). */
static void svg_to(FILE *f, const json_t *view, bool fragment)
{
    const json_t *qs = json_object_get(view, "questions"), *total = json_object_get(view, "total");
    size_t n = json_array_size(qs), i;
    json_t *q;
    if (!fragment) fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            "viewBox=\"0 0 %d %d\" style=\"max-width:100%%;height:auto\" role=\"img\" "
            "font-family=\"'Noto Sans CJK JP', sans-serif\">\n"
            "<title>情報セキュリティ対策ベンチマーク 自己評価（%zu 設問）</title>\n"
            "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n"
            "<text x=\"%d\" y=\"28\" font-size=\"18\" text-anchor=\"middle\" "
            "font-weight=\"bold\">情報セキュリティ対策ベンチマーク 自己評価</text>\n",
            SVG_W, SVG_H, SVG_W, SVG_H, n, SVG_W, SVG_H, SVG_W / 2);
    /* Rings 1..5 and the axes. */
    fputs("<g class=\"grid\" fill=\"none\" stroke=\"#bbbbbb\" stroke-width=\"0.8\">\n", f);
    for (int ring = 1; ring <= 5 && n; ring++) {
        fputs("<polygon points=\"", f);
        for (size_t k = 0; k < n; k++) {
            double x, y;
            point(k, n, R * ring / 5, &x, &y);
            fprintf(f, "%s%.1f,%.1f", k ? " " : "", x, y);
        }
        fputs("\"/>\n", f);
    }
    for (size_t k = 0; k < n; k++) {
        double x, y;
        point(k, n, R, &x, &y);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", CX, CY, x, y);
    }
    fputs("</g>\n<g class=\"scale\" font-size=\"10\" fill=\"#666666\">\n", f);
    for (int ring = 1; ring <= 5; ring++)
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">%d</text>\n", CX + 3, CY - R * ring / 5 - 2, ring);
    fputs("</g>\n", f);
    /* The answers: one point per question, unanswered at the centre and hollow. */
    fputs("<polygon class=\"answers\" fill=\"#1f5fa8\" fill-opacity=\"0.25\" stroke=\"#1f5fa8\" "
          "stroke-width=\"2\" points=\"",
          f);
    json_array_foreach(qs, i, q)
    {
        json_t *v = json_object_get(q, "value");
        double x, y;
        point(i, n, json_is_integer(v) ? R * (double)json_integer_value(v) / 5 : 0, &x, &y);
        fprintf(f, "%s%.1f,%.1f", i ? " " : "", x, y);
    }
    fputs("\"/>\n<g class=\"points\">\n", f);
    json_array_foreach(qs, i, q)
    {
        json_t *v = json_object_get(q, "value");
        double x, y;
        point(i, n, json_is_integer(v) ? R * (double)json_integer_value(v) / 5 : 0, &x, &y);
        fprintf(f,
                "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\" stroke=\"#1f5fa8\" "
                "data-question=\"",
                x, y, json_is_integer(v) ? "#1f5fa8" : "#ffffff");
        xml_esc(f, ism_json_getstr(q, "id"));
        if (json_is_integer(v))
            fprintf(f, "\" data-value=\"%lld\"/>\n", (long long)json_integer_value(v));
        else
            fputs("\" data-value=\"\"/>\n", f);
    }
    fputs("</g>\n<g class=\"labels\" font-size=\"11\">\n", f);
    json_array_foreach(qs, i, q)
    {
        double x, y;
        point(i, n, R + 16, &x, &y);
        const char *anchor = x < CX - 5 ? "end" : x > CX + 5 ? "start" : "middle";
        fprintf(f,
                "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" dominant-baseline=\"middle\" "
                "fill=\"%s\">",
                x, y, anchor, area_color(view, ism_json_getstr(q, "area")));
        xml_esc(f, ism_json_getstr(q, "id"));
        fputs("</text>\n", f);
    }
    fputs("</g>\n", f);
    /* The areas with their scores, below the chart. */
    fputs("<g class=\"areas\" font-size=\"12\">\n", f);
    const json_t *areas = json_object_get(view, "areas");
    json_t *a;
    double ly = CY + R + 44;
    json_array_foreach(areas, i, a)
    {
        json_t *mean = json_object_get(a, "mean");
        char score[64];
        if (json_is_number(mean))
            snprintf(score, sizeof score, "平均 %.2f（%lld / %lld 点）", json_number_value(mean),
                     (long long)json_integer_value(json_object_get(a, "sum")),
                     (long long)json_integer_value(json_object_get(a, "max")));
        else
            snprintf(score, sizeof score, "未回答");
        fprintf(f, "<text class=\"area\" data-area=\"%s\" x=\"40\" y=\"%.1f\" fill=\"%s\">",
                str_or(ism_json_getstr(a, "id")), ly, AREA_COLORS[i % 5]);
        xml_esc(f, ism_json_getstr(a, "id"));
        fputs(". ", f);
        xml_esc(f, ism_json_getstr(a, "title"));
        fputs("：", f);
        xml_esc(f, score);
        fputs("</text>\n", f);
        ly += 16;
    }
    fputs("</g>\n", f);
    json_t *tm = json_object_get(total, "mean");
    fprintf(f,
            "<text x=\"40\" y=\"%.1f\" font-size=\"12\" font-weight=\"bold\">全体：回答 %lld / "
            "%lld 設問、合計 %lld / %lld 点",
            ly + 4, (long long)json_integer_value(json_object_get(total, "answered")),
            (long long)json_integer_value(json_object_get(total, "questions")),
            (long long)json_integer_value(json_object_get(total, "sum")),
            (long long)json_integer_value(json_object_get(total, "max")));
    if (json_is_number(tm)) fprintf(f, "、平均 %.2f", json_number_value(tm));
    fputs("</text>\n", f);
    fprintf(f, "<text x=\"40\" y=\"%.1f\" font-size=\"10\" fill=\"#555555\">", ly + 22);
    xml_esc(f, "比較用の得点分布は出典に含まれていないため示さない。");
    fputs("</text>\n</svg>\n", f);
}

static char *svg_mem(const json_t *view, bool fragment, size_t *len, ism_error *err)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    if (!f) {
        ism_error_set(err, ISM_E_INTERNAL, "out of memory");
        return NULL;
    }
    svg_to(f, view, fragment);
    fclose(f);
    if (len) *len = n;
    return buf;
}

char *ism_report_benchmark_svg(const json_t *view, size_t *len, ism_error *err)
{
    if (!json_is_array(json_object_get(view, "questions")))
        return ism_error_set(err, ISM_E_INVALID_PARAMS, "not a benchmark view"), NULL;
    return svg_mem(view, false, len, err);
}

char *ism_report_benchmark_html(const json_t *view)
{
    if (!json_integer_value(json_object_get(json_object_get(view, "total"), "answered")))
        return NULL;
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    if (!f) return NULL;
    fputs("<section id=\"benchmark\" class=\"part\">\n<h2>付録 情報セキュリティ対策ベンチマーク"
          "（自己評価）</h2>\n<p>",
          f);
    xml_esc(f, RULE_NOTE);
    fputs("</p>\n<figure>\n", f);
    svg_to(f, view, true);
    fputs("</figure>\n<table class=\"kv\">\n<thead><tr><th>領域</th><th>回答</th><th>合計</th>"
          "<th>平均</th></tr></thead>\n<tbody>\n",
          f);
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(view, "areas"), i, a)
    {
        json_t *mean = json_object_get(a, "mean");
        fputs("<tr><td>", f);
        xml_esc(f, ism_json_getstr(a, "id"));
        fputs(". ", f);
        xml_esc(f, ism_json_getstr(a, "title"));
        fprintf(f, "</td><td>%zu 設問中 %lld</td><td>%lld / %lld</td><td>",
                json_array_size(json_object_get(a, "questions")),
                (long long)json_integer_value(json_object_get(a, "answered")),
                (long long)json_integer_value(json_object_get(a, "sum")),
                (long long)json_integer_value(json_object_get(a, "max")));
        if (json_is_number(mean))
            fprintf(f, "%.2f", json_number_value(mean));
        else
            fputs("未回答", f);
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody>\n</table>\n<p class=\"note\">", f);
    xml_esc(f, DIST_NOTE);
    fputs("</p>\n</section>\n", f);
    fclose(f);
    return buf;
}

/* ---- XLSX ----------------------------------------------------------------------------------- */

static void cell(lxw_worksheet *ws, int r, int c, const char *s, lxw_format *fmt)
{
    char *safe = ism_report_cell_text(s);
    worksheet_write_string(ws, (lxw_row_t)r, (lxw_col_t)c, safe ? safe : "", fmt);
    free(safe);
}

static void sheets(lxw_workbook *wb, const json_t *view)
{
    lxw_format *head = workbook_add_format(wb), *wrap = workbook_add_format(wb);
    format_set_bold(head);
    format_set_bg_color(head, 0xE0E0E0);
    format_set_border(head, LXW_BORDER_THIN);
    format_set_text_wrap(wrap);
    format_set_align(wrap, LXW_ALIGN_VERTICAL_TOP);
    format_set_border(wrap, LXW_BORDER_THIN);

    lxw_worksheet *sum = workbook_add_worksheet(wb, "集計");
    worksheet_set_column(sum, 0, 0, 60, NULL);
    worksheet_set_column(sum, 1, 5, 12, NULL);
    static const char *const sh[] = {"領域", "設問数", "回答数", "合計点", "満点", "平均点"};
    for (int c = 0; c < 6; c++)
        cell(sum, 0, c, sh[c], head);
    size_t i;
    json_t *a;
    int r = 1;
    json_array_foreach(json_object_get(view, "areas"), i, a)
    {
        char *t = ism_strdupf("%s. %s", ism_json_getstr(a, "id"), ism_json_getstr(a, "title"));
        cell(sum, r, 0, t, wrap);
        free(t);
        worksheet_write_number(sum, r, 1, (double)json_array_size(json_object_get(a, "questions")),
                               wrap);
        worksheet_write_number(sum, r, 2,
                               (double)json_integer_value(json_object_get(a, "answered")), wrap);
        worksheet_write_number(sum, r, 3, (double)json_integer_value(json_object_get(a, "sum")),
                               wrap);
        worksheet_write_number(sum, r, 4, (double)json_integer_value(json_object_get(a, "max")),
                               wrap);
        json_t *mean = json_object_get(a, "mean");
        if (json_is_number(mean))
            worksheet_write_number(sum, r, 5, json_number_value(mean), wrap);
        else
            cell(sum, r, 5, "未回答", wrap);
        r++;
    }
    const json_t *t = json_object_get(view, "total");
    cell(sum, r, 0, "全体", head);
    worksheet_write_number(sum, r, 1, (double)json_integer_value(json_object_get(t, "questions")),
                           head);
    worksheet_write_number(sum, r, 2, (double)json_integer_value(json_object_get(t, "answered")),
                           head);
    worksheet_write_number(sum, r, 3, (double)json_integer_value(json_object_get(t, "sum")), head);
    worksheet_write_number(sum, r, 4, (double)json_integer_value(json_object_get(t, "max")), head);
    if (json_is_number(json_object_get(t, "mean")))
        worksheet_write_number(sum, r, 5, json_number_value(json_object_get(t, "mean")), head);
    else
        cell(sum, r, 5, "未回答", head);
    cell(sum, r + 2, 0, RULE_NOTE, NULL);
    cell(sum, r + 3, 0, DIST_NOTE, NULL);

    lxw_worksheet *ans = workbook_add_worksheet(wb, "回答");
    static const char *const ah[] = {"設問",       "領域", "質問",   "回答",
                                     "回答の意味", "メモ", "回答者", "回答日時"};
    static const double widths[] = {8, 6, 60, 6, 30, 30, 14, 22};
    for (int c = 0; c < 8; c++) {
        worksheet_set_column(ans, (lxw_col_t)c, (lxw_col_t)c, widths[c], NULL);
        cell(ans, 0, c, ah[c], head);
    }
    json_t *q;
    r = 1;
    json_array_foreach(json_object_get(view, "questions"), i, q)
    {
        cell(ans, r, 0, ism_json_getstr(q, "id"), wrap);
        cell(ans, r, 1, ism_json_getstr(q, "area"), wrap);
        cell(ans, r, 2, ism_json_getstr(q, "title"), wrap);
        json_t *v = json_object_get(q, "value");
        if (json_is_integer(v)) {
            worksheet_write_number(ans, r, 3, (double)json_integer_value(v), wrap);
            cell(ans, r, 4, LEVELS[json_integer_value(v) - 1], wrap);
        } else {
            cell(ans, r, 3, "", wrap);
            cell(ans, r, 4, "未回答", wrap);
        }
        cell(ans, r, 5, ism_json_getstr(q, "note"), wrap);
        cell(ans, r, 6, ism_json_getstr(q, "answered_by"), wrap);
        cell(ans, r, 7, ism_json_getstr(q, "answered_at"), wrap);
        r++;
    }
}

char *ism_report_benchmark_xlsx(const json_t *view, size_t *len, ism_error *err)
{
    if (!json_is_array(json_object_get(view, "questions")))
        return ism_error_set(err, ISM_E_INVALID_PARAMS, "not a benchmark view"), NULL;
    const char *dir = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char *path = ism_strdupf("%s/benchmark-XXXXXX.xlsx", dir);
    int fd = mkstemps(path, 5);
    if (fd < 0) {
        ism_error_set(err, ISM_E_IO, "cannot create a temporary file in %s", dir);
        free(path);
        return NULL;
    }
    close(fd);
    lxw_workbook_options opt = {.constant_memory = LXW_FALSE, .tmpdir = (char *)dir};
    lxw_workbook *wb = workbook_new_opt(path, &opt);
    char *out = NULL;
    if (!wb) {
        ism_error_set(err, ISM_E_IO, "cannot start an XLSX workbook in %s", dir);
    } else {
        sheets(wb, view);
        lxw_error rc = workbook_close(wb);
        if (rc != LXW_NO_ERROR)
            ism_error_set(err, ISM_E_IO, "writing the XLSX failed: %s", lxw_strerror(rc));
        else
            out = ism_read_file(path, 64u << 20, len, err);
    }
    unlink(path);
    free(path);
    return out;
}
