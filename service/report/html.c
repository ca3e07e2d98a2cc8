/* html.c — the 監査報告書 in Japanese, laid out after the MIC guideline's example (監査目的 …
 * 適用基準, 総括, then per area 監査結果 / 指摘事項 / 改善案). One self-contained XHTML file:
 * inline CSS, no scripts, no external fonts, a pure-CSS summary chart, print rules for A4 with
 * page breaks between areas and repeated table headers. Everything that comes from data is
 * escaped; the header fields come from the assessment's meta and are never made up — a missing
 * one reads 未記入. The 総括 states counts only. */
#include "ismap/report.h"

#include <stdlib.h>
#include <string.h>

#define WORST_FINDINGS 50 /* rows of the findings table */
#define LABEL_CHARS 120   /* item texts in tables are cut to this many characters */

/* ---- escaping ------------------------------------------------------------------------------ */

/* XML-escapes s; characters XML does not allow (C0 controls, U+FFFE, U+FFFF) become U+FFFD;
 * with br, line breaks become <br/>. */
static void esc_to(FILE *f, const char *s, bool br)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        switch (*p) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        case '\r':
            break;
        case '\n':
            fputs(br ? "<br/>\n" : "\n", f);
            break;
        case '\t':
            fputc('\t', f);
            break;
        default:
            if (*p < 0x20 || *p == 0x7F) {
                fputs("\xEF\xBF\xBD", f);
            } else if (*p == 0xEF && p[1] == 0xBF && (p[2] == 0xBE || p[2] == 0xBF)) {
                fputs("\xEF\xBF\xBD", f); /* U+FFFE and U+FFFF are not XML characters */
                p += 2;
            } else {
                fputc(*p, f);
            }
        }
    }
}

static void esc(FILE *f, const char *s)
{
    esc_to(f, s, false);
}

static void esc_br(FILE *f, const char *s)
{
    esc_to(f, s, true);
}

/* s cut to n characters (UTF-8), with "…" when cut. malloc'd. */
static char *cut(const char *s, size_t n)
{
    if (!s) return strdup("");
    const char *p = s;
    for (size_t k = 0; *p && k < n; k++)
        do
            p++;
        while (((unsigned char)*p & 0xC0) == 0x80);
    return *p ? ism_strdupf("%.*s…", (int)(p - s), s) : strdup(s);
}

/* ---- the shape of a report ------------------------------------------------------------------ */

typedef struct html {
    FILE *f;
    const ism_report_input *in;
    const json_t *meta;
    json_t *rows;
    const char *name, *generated;
} html;

static void status_cell(FILE *f, const char *status, const char *label)
{
    fprintf(f, "<td class=\"st st-%s\">", ism_req_status_name(ism_report_status_of(status)));
    esc(f, label ? label : ism_req_status_ja(ism_report_status_of(status)));
    fputs("</td>", f);
}

static void css(FILE *f)
{
    fputs("<style>\n"
          "@page { size: A4; margin: 15mm 12mm; }\n"
          "body { font-family: \"Yu Gothic\", YuGothic, \"Hiragino Kaku Gothic ProN\", "
          "\"Noto Sans CJK JP\", Meiryo, sans-serif; font-size: 10.5pt; line-height: 1.6; "
          "color: #111; max-width: 1120px; margin: 0 auto; padding: 1em 1.5em; }\n"
          "h1 { font-size: 20pt; margin: .2em 0; }\n"
          "h2 { font-size: 14pt; border-bottom: 2px solid #1F3864; margin-top: 1.6em; }\n"
          "h3 { font-size: 12pt; margin: 1.2em 0 .3em; }\n"
          "h4 { font-size: 11pt; margin: 1em 0 .2em; border-left: 4px solid #1F3864; "
          "padding-left: .4em; }\n"
          "table { border-collapse: collapse; width: 100%; margin: .4em 0 1em; }\n"
          "th, td { border: 1px solid #999; padding: 3px 5px; vertical-align: top; "
          "text-align: left; word-break: break-word; }\n"
          "thead th { background: #1F3864; color: #fff; }\n"
          "thead { display: table-header-group; }\n"
          "tr { break-inside: avoid; page-break-inside: avoid; }\n"
          "table.kv th { width: 10em; background: #EEF1F7; color: #111; }\n"
          "td.num { text-align: right; }\n"
          ".st { font-weight: bold; white-space: nowrap; }\n"
          ".missing { color: #A00000; }\n"
          ".fact { color: #333; }\n"
          ".note { font-size: 9pt; color: #444; }\n"
          ".chart-row { display: flex; align-items: center; margin: .3em 0; }\n"
          ".chart-label { width: 18em; font-size: 9pt; padding-right: .5em; }\n"
          ".bar { display: flex; flex: 1; height: 1.7em; border: 1px solid #555; }\n"
          ".seg { overflow: hidden; white-space: nowrap; font-size: 8pt; line-height: 1.7em; "
          "padding: 0 2px; border-right: 1px solid #fff; }\n"
          "ul.legend { list-style: none; padding: 0; }\n"
          "ul.legend li { margin: .1em 0; }\n"
          ".swatch { display: inline-block; width: 1.2em; height: .9em; border: 1px solid #555;"
          " margin-right: .4em; vertical-align: middle; }\n",
          f);
    for (int s = 0; s < ISM_REQ_STATUS_COUNT; s++)
        fprintf(f, ".st-%s { background: #%06X; }\n", ism_req_status_name((ism_req_status)s),
                ism_report_status_color((ism_req_status)s));
    fputs("@media print {\n"
          "  body { max-width: none; padding: 0; font-size: 9.5pt; }\n"
          "  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }\n"
          "  nav.toc { break-after: page; page-break-after: always; }\n"
          "  section.area, section.part { break-before: page; page-break-before: always; }\n"
          "  a { color: inherit; text-decoration: none; }\n"
          "  h2, h3, h4 { break-after: avoid; page-break-after: avoid; }\n"
          "}\n"
          "</style>\n",
          f);
}

/* ---- meta: the header fields ---------------------------------------------------------------- */

typedef struct meta_field {
    const char *key, *ja;
} meta_field;

/* The guideline's items 1–9, in its order; meta may use either key. */
static const meta_field overview_fields[] = {
    {"purpose", "監査目的"},   {"theme", "監査テーマ"}, {"scope", "監査範囲"},
    {"auditee", "被監査部門"}, {"method", "監査方法"},  {"schedule", "監査実施日程"},
    {"team", "監査実施体制"},  {"items", "監査項目"},   {"standards", "適用基準"}};

static const json_t *meta_get(const html *h, const char *key, const char *ja)
{
    const json_t *v = json_object_get(h->meta, key);
    if (!v || json_is_null(v)) v = json_object_get(h->meta, ja);
    if (json_is_string(v) && !*json_string_value(v)) return NULL;
    if ((json_is_array(v) && !json_array_size(v)) || (json_is_object(v) && !json_object_size(v)))
        return NULL;
    return json_is_null(v) ? NULL : v;
}

static void scalar(FILE *f, const json_t *v)
{
    if (json_is_string(v))
        esc_br(f, json_string_value(v));
    else if (json_is_integer(v))
        fprintf(f, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        fprintf(f, "%g", json_real_value(v));
    else if (json_is_boolean(v))
        fputs(json_is_true(v) ? "はい" : "いいえ", f);
    else {
        char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        esc(f, s);
        free(s);
    }
}

/* A meta value: text as a paragraph, a list as a list, an object as "key: value" lines. */
static void meta_value(FILE *f, const json_t *v)
{
    if (!v) {
        fputs("<p class=\"missing\">未記入</p>\n", f);
        return;
    }
    if (json_is_array(v) || json_is_object(v)) {
        fputs("<ul>", f);
        size_t i;
        const char *k;
        json_t *x;
        json_array_foreach(v, i, x)
        {
            fputs("<li>", f);
            scalar(f, x);
            fputs("</li>", f);
        }
        json_object_foreach((json_t *)v, k, x)
        {
            fputs("<li>", f);
            esc(f, k);
            fputs(": ", f);
            scalar(f, x);
            fputs("</li>", f);
        }
        fputs("</ul>\n", f);
        return;
    }
    fputs("<p>", f);
    scalar(f, v);
    fputs("</p>\n", f);
}

static const char *meta_str(const html *h, const char *key, const char *ja)
{
    return ism_json_getstr(h->meta, key) ? ism_json_getstr(h->meta, key)
                                         : ism_json_getstr(h->meta, ja);
}

/* ---- cover, contents, overview ----------------------------------------------------------------
 */

static void kv(FILE *f, const char *k, const char *v)
{
    fputs("<tr><th>", f);
    esc(f, k);
    fputs("</th><td>", f);
    if (v && *v)
        esc(f, v);
    else
        fputs("<span class=\"missing\">未記入</span>", f);
    fputs("</td></tr>\n", f);
}

static void cover(html *h)
{
    FILE *f = h->f;
    const json_t *m = h->in->matrix, *a = h->in->assessment;
    const char *org = meta_str(h, "organization", "団体名");
    fputs("<header class=\"cover\">\n", f);
    if (org) {
        fputs("<p>", f);
        esc(f, org);
        fputs("</p>\n", f);
    }
    const char *title = meta_str(h, "title", "報告書名");
    fputs("<h1>", f);
    esc(f, title ? title : "情報セキュリティ監査報告書");
    fputs("</h1>\n<table class=\"kv\">\n", f);
    kv(f, "評価名", h->name);
    kv(f, "評価ID",
       ism_json_getstr(a, "id") ? ism_json_getstr(a, "id") : ism_json_getstr(m, "assessment"));
    kv(f, "評価対象", ism_json_getstr(a ? a : m, "subject"));
    kv(f, "基準日", ism_json_getstr(a ? a : m, "as_of"));
    kv(f, "宛先", meta_str(h, "addressee", "宛先"));
    kv(f, "報告日", meta_str(h, "report_date", "報告日"));
    kv(f, "作成日時", h->generated);
    fputs("</table>\n<p class=\"note\">この報告書は ismap-assess が評価の適合状況マトリクスから"
          "生成した。各要件の判定は、自動チェックの結果・証跡・監査人の判断・例外措置に基づき、"
          "その根拠を併記している。</p>\n</header>\n",
          f);
}

static void contents(html *h)
{
    fputs("<nav class=\"toc\">\n<h2>目次</h2>\n<ol>\n"
          "<li><a href=\"#overview\">監査の概要</a></li>\n"
          "<li><a href=\"#conclusion\">総括</a></li>\n"
          "<li><a href=\"#areas\">監査結果（領域別）</a></li>\n"
          "<li><a href=\"#by-status\">判定別の要件一覧</a></li>\n"
          "<li><a href=\"#findings\">主な検出事項（自動チェック）</a></li>\n"
          "<li><a href=\"#notes\">特記事項</a></li>\n</ol>\n</nav>\n",
          h->f);
}

static const char *framework_title(const json_t *fws, const char *id)
{
    size_t i;
    json_t *f;
    json_array_foreach(fws, i, f)
    {
        if (!strcmp(ism_json_getstr(f, "id"), id)) return ism_json_getstr(f, "title");
    }
    return id;
}

/* The frameworks of the assessment, as a fact under 監査項目 (not a replacement for it). */
static void framework_fact(html *h)
{
    json_t *fws = ism_matrix_frameworks();
    fputs("<p class=\"fact\">本評価の対象とした枠組み: ", h->f);
    const char *id;
    json_t *c;
    bool first = true;
    json_object_foreach((json_t *)json_object_get(h->in->matrix, "counts_by_framework"), id, c)
    {
        json_int_t n = 0;
        const char *k;
        json_t *v;
        json_object_foreach(c, k, v) n += json_integer_value(v);
        fputs(first ? "" : "、", h->f);
        esc(h->f, framework_title(fws, id));
        fprintf(h->f, "（%lld 項目）", (long long)n);
        first = false;
    }
    if (first) fputs("なし", h->f);
    fputs("</p>\n", h->f);
    json_decref(fws);
}

/* 評価の出所: what the matrix was computed from, so the report can be traced and re-checked. */
static void provenance(html *h)
{
    const json_t *p = json_object_get(h->in->matrix, "provenance");
    fputs("<h3>評価の出所（スナップショット・証跡・版）</h3>\n<table class=\"kv\">\n", h->f);
    kv(h->f, "製品", ism_json_getstr(p, "product"));
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(p, "snapshots"), i, v)
    {
        char *line =
            ism_strdupf("%s（%s、SHA-256 %s）", ism_json_getstr(v, "id"),
                        ism_json_getstr(v, "provider") ? ism_json_getstr(v, "provider") : "?",
                        ism_json_getstr(v, "sha256") ? ism_json_getstr(v, "sha256") : "未記録");
        kv(h->f, "スナップショット", line);
        free(line);
    }
    if (!json_array_size(json_object_get(p, "snapshots"))) kv(h->f, "スナップショット", "なし");
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f) {
        json_array_foreach(json_object_get(p, "evidence"), i, v)
            fprintf(f, "%s%s", i ? "、" : "", json_string_value(v));
        fclose(f);
    }
    kv(h->f, "証跡ID", buf && *buf ? buf : "なし");
    free(buf);
    buf = NULL;
    f = open_memstream(&buf, &len);
    if (f) {
        json_array_foreach(json_object_get(p, "catalogs"), i, v)
            fprintf(f, "%s%s %s", i ? "、" : "", ism_json_getstr(v, "id"),
                    ism_json_getstr(v, "revision") ? ism_json_getstr(v, "revision") : "(版不明)");
        fclose(f);
    }
    kv(h->f, "カタログの版", buf);
    free(buf);
    const json_t *c = json_object_get(p, "checks");
    char *cl = json_is_object(c)
                   ? ism_strdupf("%lld 件（SHA-256 %s）",
                                 (long long)json_integer_value(json_object_get(c, "checks")),
                                 ism_json_getstr(c, "sha256"))
                   : NULL;
    kv(h->f, "チェックの版", cl);
    free(cl);
    fputs("</table>\n", h->f);
}

static void overview(html *h)
{
    fputs("<section id=\"overview\" class=\"part\">\n<h2>1. 監査の概要</h2>\n", h->f);
    for (size_t i = 0; i < sizeof overview_fields / sizeof *overview_fields; i++) {
        fputs("<h3>", h->f);
        esc(h->f, overview_fields[i].ja);
        fputs("</h3>\n", h->f);
        meta_value(h->f, meta_get(h, overview_fields[i].key, overview_fields[i].ja));
        if (!strcmp(overview_fields[i].key, "items")) framework_fact(h);
    }
    provenance(h);
    fputs("</section>\n", h->f);
}

/* ---- 総括 -------------------------------------------------------------------------------------
 */

/* "不適合 3 項目、適合 10 項目" over the nonzero statuses; false when all are zero. */
static bool breakdown(FILE *f, const json_int_t n[ISM_REQ_STATUS_COUNT])
{
    bool any = false;
    for (int s = 0; s < ISM_REQ_STATUS_COUNT; s++) {
        if (!n[s]) continue;
        fprintf(f, "%s%s %lld 項目", any ? "、" : "", ism_req_status_ja((ism_req_status)s),
                (long long)n[s]);
        any = true;
    }
    return any;
}

typedef struct tally {
    json_int_t all[ISM_REQ_STATUS_COUNT], must[ISM_REQ_STATUS_COUNT];
    json_int_t total, must_total, judged, waived;
} tally;

static void count_rows(const json_t *rows, tally *t)
{
    memset(t, 0, sizeof *t);
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        ism_req_status s = ism_report_status_of(ism_json_getstr(r, "status"));
        t->all[s]++, t->total++;
        if (json_is_true(json_object_get(r, "must_meet")) ||
            json_is_true(json_object_get(r, "mandatory")))
            t->must[s]++, t->must_total++;
        t->judged += json_is_object(json_object_get(r, "judgment"));
        t->waived += json_is_object(json_object_get(r, "waiver"));
    }
}

static void findings_sentence(html *h)
{
    json_int_t n = 0, fail = 0, err = 0, na = 0, pass = 0, crit = 0, high = 0;
    size_t i;
    json_t *f;
    json_array_foreach(h->in->findings, i, f)
    {
        const char *st = ism_json_getstr(f, "status"), *sev = ism_json_getstr(f, "severity");
        n++;
        if (!st) continue;
        bool is_fail = !strcmp(st, "fail");
        fail += is_fail, err += !strcmp(st, "error"), na += !strcmp(st, "not_assessed");
        pass += !strcmp(st, "pass");
        crit += is_fail && sev && !strcmp(sev, "critical");
        high += is_fail && sev && !strcmp(sev, "high");
    }
    if (!n) {
        fputs("<p>自動チェックの検出結果は含まれていない。</p>\n", h->f);
        return;
    }
    fprintf(h->f,
            "<p>自動チェックの検出結果は %lld 件（リソース単位）で、不合格 %lld 件、エラー %lld "
            "件、未評価 %lld 件、合格 %lld 件である。",
            (long long)n, (long long)fail, (long long)err, (long long)na, (long long)pass);
    if (fail)
        fprintf(h->f, "不合格のうち重要度「重大」は %lld 件、「高」は %lld 件である。",
                (long long)crit, (long long)high);
    fputs("</p>\n", h->f);
}

static void conclusion_text(html *h, const tally *t)
{
    FILE *f = h->f;
    fputs("<p>本評価「", f);
    esc(f, h->name);
    fprintf(f, "」は、要件 %lld 項目を対象とし、", (long long)t->total);
    const char *as_of = ism_json_getstr(h->in->matrix, "as_of");
    if (as_of) {
        esc(f, as_of);
        fputs(" 時点の", f);
    }
    fputs("自動チェックの結果・証跡・監査人の判断・例外措置から各要件を判定した。</p>\n<p>判定の"
          "内訳は、",
          f);
    if (!breakdown(f, t->all)) fputs("なし", f);
    fputs("である。</p>\n", f);
    if (t->must_total) {
        fprintf(f, "<p>このうち必須項目は %lld 項目で、内訳は、", (long long)t->must_total);
        breakdown(f, t->must);
        fputs("である。</p>\n", f);
    }
    findings_sentence(h);
    fprintf(
        f,
        "<p>監査人の判断が記録された要件は %lld 項目、例外措置が適用中の要件は %lld 項目である。"
        "</p>\n",
        (long long)t->judged, (long long)t->waived);
    json_int_t bad = t->all[ISM_REQ_NOT_SATISFIED] + t->all[ISM_REQ_PARTIAL];
    if (bad)
        fprintf(f,
                "<p>不適合または一部適合と判定された要件が %lld 項目あり、領域別の「指摘事項」"
                "に示す。</p>\n",
                (long long)bad);
    else
        fputs("<p>不適合または一部適合と判定された要件はない。</p>\n", f);
    if (t->all[ISM_REQ_NOT_ASSESSED])
        fprintf(f, "<p>未評価の要件が %lld 項目あり、判定の根拠がまだない。</p>\n",
                (long long)t->all[ISM_REQ_NOT_ASSESSED]);
}

/* One stacked bar per framework; each segment is labelled, so colour is never the only cue. */
static void chart_row(FILE *f, const char *title, const json_t *counts)
{
    json_int_t n[ISM_REQ_STATUS_COUNT], total = 0;
    for (int s = 0; s < ISM_REQ_STATUS_COUNT; s++)
        total += n[s] =
            json_integer_value(json_object_get(counts, ism_req_status_name((ism_req_status)s)));
    fputs("<div class=\"chart-row\"><div class=\"chart-label\">", f);
    esc(f, title);
    fputs("</div><div class=\"bar\">", f);
    for (int s = 0; s < ISM_REQ_STATUS_COUNT && total; s++) {
        if (!n[s]) continue;
        const char *ja = ism_req_status_ja((ism_req_status)s);
        fprintf(f,
                "<span class=\"seg st-%s\" style=\"width:%.2f%%\" title=\"%s %lld\">%s %lld"
                "</span>",
                ism_req_status_name((ism_req_status)s), 100.0 * (double)n[s] / (double)total, ja,
                (long long)n[s], ja, (long long)n[s]);
    }
    fputs("</div></div>\n", f);
}

static void counts_table(html *h, const json_t *fws)
{
    FILE *f = h->f;
    fputs("<table class=\"counts\">\n<thead><tr><th>枠組み</th>", f);
    for (int s = 0; s < ISM_REQ_STATUS_COUNT; s++)
        fprintf(f, "<th>%s</th>", ism_req_status_ja((ism_req_status)s));
    fputs("<th>合計</th></tr></thead>\n<tbody>\n", f);
    const char *id;
    json_t *c;
    json_object_foreach((json_t *)json_object_get(h->in->matrix, "counts_by_framework"), id, c)
    {
        json_int_t total = 0;
        fputs("<tr><td>", f);
        esc(f, framework_title(fws, id));
        fputs("</td>", f);
        for (int s = 0; s < ISM_REQ_STATUS_COUNT; s++) {
            json_int_t n =
                json_integer_value(json_object_get(c, ism_req_status_name((ism_req_status)s)));
            total += n;
            fprintf(f, "<td class=\"num\">%lld</td>", (long long)n);
        }
        fprintf(f, "<td class=\"num\">%lld</td></tr>\n", (long long)total);
    }
    fputs("</tbody>\n</table>\n", f);
}

static void legend(FILE *f)
{
    fputs("<ul class=\"legend\">\n", f);
    for (int s = 0; s < ISM_REQ_STATUS_COUNT; s++)
        fprintf(f, "<li><span class=\"swatch st-%s\"></span><strong>%s</strong>（%s）: %s</li>\n",
                ism_req_status_name((ism_req_status)s), ism_req_status_ja((ism_req_status)s),
                ism_req_status_name((ism_req_status)s),
                ism_report_status_meaning((ism_req_status)s));
    fputs("</ul>\n", f);
}

static void conclusion(html *h)
{
    tally t;
    count_rows(h->rows, &t);
    fputs("<section id=\"conclusion\" class=\"part\">\n<h2>2. 総括</h2>\n", h->f);
    conclusion_text(h, &t);
    json_t *fws = ism_matrix_frameworks();
    fputs("<h3>判定の分布</h3>\n<div class=\"chart\">\n", h->f);
    const char *id;
    json_t *c;
    json_object_foreach((json_t *)json_object_get(h->in->matrix, "counts_by_framework"), id, c)
        chart_row(h->f, framework_title(fws, id), c);
    fputs("</div>\n", h->f);
    counts_table(h, fws);
    json_decref(fws);
    fputs("<h3>凡例</h3>\n", h->f);
    legend(h->f);
    fputs("</section>\n", h->f);
}

/* ---- areas ------------------------------------------------------------------------------------
 */

static char *area_key(const json_t *r)
{
    const char *area = ism_json_getstr(r, "area");
    return ism_strdupf("%s|%s", ism_json_getstr(r, "catalog"), area ? area : "");
}

/* Rows grouped by area in order of first appearance, each item once: {key: [rows]} + order. */
static json_t *group_areas(const json_t *rows, json_t *order)
{
    json_t *groups = json_object(), *seen = json_object();
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        char *item =
            ism_strdupf("%s:%s", ism_json_getstr(r, "catalog"), ism_json_getstr(r, "item"));
        char *key = area_key(r);
        if (!json_object_get(seen, item)) {
            json_object_set_new(seen, item, json_true());
            json_t *g = json_object_get(groups, key);
            if (!g) {
                g = json_array();
                json_object_set_new(groups, key, g);
                json_array_append_new(order, json_string(key));
            }
            json_array_append(g, r);
        }
        free(item);
        free(key);
    }
    json_decref(seen);
    return groups;
}

static void area_heading(FILE *f, const json_t *first, size_t n)
{
    const char *cat = ism_json_getstr(first, "catalog"), *area = ism_json_getstr(first, "area");
    const char *title = ism_json_getstr(first, "area_title");
    fputs("<h3>", f);
    esc(f, !strcmp(cat, "mic-audit") ? "監査項目" : !strcmp(cat, "ismap") ? "ISMAP管理基準" : cat);
    fputs(" ", f);
    esc(f, area ? area : "");
    if (title) {
        fputs(" ", f);
        esc(f, title);
    }
    fprintf(f, "（%zu 項目）</h3>\n", n);
}

static const char *must_label(const json_t *r)
{
    if (json_is_true(json_object_get(r, "must_meet"))) return "○";
    if (strcmp(ism_json_getstr(r, "catalog"), "mic-audit")) return "";
    const json_t *m = json_object_get(r, "mandatory");
    return json_is_true(m) ? "○" : json_is_false(m) ? "" : "要確認";
}

static void req_table(FILE *f, const json_t *rows, bool with_framework)
{
    fputs("<table class=\"reqs\">\n<thead><tr>", f);
    if (with_framework) fputs("<th>枠組み</th>", f);
    fputs("<th>項番</th><th>監査項目</th><th>必須</th><th>判定</th><th>根拠</th></tr></thead>\n"
          "<tbody>\n",
          f);
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        fputs("<tr>", f);
        if (with_framework) {
            fputs("<td>", f);
            esc(f, ism_json_getstr(r, "framework"));
            fputs("</td>", f);
        }
        fputs("<td>", f);
        esc(f, ism_json_getstr(r, "item"));
        fputs("</td><td>", f);
        char *label = cut(ism_json_getstr(r, "label"), LABEL_CHARS);
        esc(f, label);
        free(label);
        fputs("</td><td>", f);
        esc(f, must_label(r));
        fputs("</td>", f);
        status_cell(f, ism_json_getstr(r, "status"), ism_json_getstr(r, "status_ja"));
        fputs("<td>", f);
        esc(f, ism_json_getstr(r, "summary"));
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody>\n</table>\n", f);
}

static void list_item(FILE *f, const json_t *r, const char *text)
{
    fputs("<li><strong>", f);
    esc(f, ism_json_getstr(r, "item"));
    fputs("</strong>: ", f);
    esc_br(f, text);
    fputs("</li>\n", f);
}

/* 指摘事項: the auditor's, else the automatic ones, else the bare fact of a failing status. */
static void area_findings(FILE *f, const json_t *rows)
{
    fputs("<h4>指摘事項</h4>\n", f);
    bool any = false;
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        const char *jf = ism_json_getstr(json_object_get(r, "judgment"), "findings");
        const char *af = ism_json_getstr(r, "auto_findings");
        ism_req_status s = ism_report_status_of(ism_json_getstr(r, "status"));
        char *fact = NULL;
        if (!(jf && *jf) && !af && (s == ISM_REQ_NOT_SATISFIED || s == ISM_REQ_PARTIAL))
            fact = ism_strdupf("%s（%s）", ism_req_status_ja(s), ism_json_getstr(r, "summary"));
        const char *text = jf && *jf ? jf : af ? af : fact;
        if (text) {
            fputs(any ? "" : "<ul>\n", f);
            list_item(f, r, text);
            any = true;
        }
        free(fact);
    }
    fputs(any ? "</ul>\n" : "<p>なし</p>\n", f);
}

static void area_improvements(FILE *f, const json_t *rows)
{
    fputs("<h4>改善案</h4>\n", f);
    bool any = false;
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        const char *im = ism_json_getstr(json_object_get(r, "judgment"), "improvement");
        if (!im || !*im) im = ism_json_getstr(r, "auto_improvement");
        if (!im || !*im) continue;
        fputs(any ? "" : "<ul>\n", f);
        list_item(f, r, im);
        any = true;
    }
    fputs(any ? "</ul>\n" : "<p>記録された改善案はない。</p>\n", f);
}

static void area_result_sentence(FILE *f, const json_t *rows)
{
    json_int_t n[ISM_REQ_STATUS_COUNT] = {0};
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) n[ism_report_status_of(ism_json_getstr(r, "status"))]++;
    fputs("<p>", f);
    breakdown(f, n);
    fputs("。</p>\n", f);
}

static void area(html *h, const json_t *rows, size_t idx)
{
    FILE *f = h->f;
    fprintf(f, "<section class=\"area\" id=\"area-%zu\">\n", idx + 1);
    area_heading(f, json_array_get(rows, 0), json_array_size(rows));
    fputs("<h4>監査結果</h4>\n", f);
    area_result_sentence(f, rows);
    req_table(f, rows, false);
    area_findings(f, rows);
    area_improvements(f, rows);
    fputs("</section>\n", f);
}

static void areas(html *h)
{
    fputs("<section id=\"areas\" class=\"part\">\n<h2>3. 監査結果（領域別）</h2>\n"
          "<p class=\"note\">領域ごとに、監査結果（各要件の判定と根拠）、指摘事項、改善案を示す。"
          "「【自動】」の付いた指摘事項は自動チェックの不合格から作成したもので、監査人の判断では"
          "ない。</p>\n",
          h->f);
    json_t *order = json_array();
    json_t *groups = group_areas(h->rows, order);
    size_t i;
    json_t *k;
    json_array_foreach(order, i, k) area(h, json_object_get(groups, json_string_value(k)), i);
    json_decref(groups);
    json_decref(order);
    fputs("</section>\n", h->f);
}

/* ---- by status, findings, notes ----------------------------------------------------------------
 */

static void by_status(html *h)
{
    fputs("<section id=\"by-status\" class=\"part\">\n<h2>4. 判定別の要件一覧</h2>\n", h->f);
    for (int s = 0; s < ISM_REQ_STATUS_COUNT; s++) {
        json_t *pick = json_array();
        size_t i;
        json_t *r;
        json_array_foreach(h->rows, i, r)
        {
            if (ism_report_status_of(ism_json_getstr(r, "status")) == (ism_req_status)s)
                json_array_append(pick, r);
        }
        if (json_array_size(pick)) {
            fprintf(h->f, "<h3 id=\"status-%s\">%s（%zu 項目）</h3>\n",
                    ism_req_status_name((ism_req_status)s), ism_req_status_ja((ism_req_status)s),
                    json_array_size(pick));
            req_table(h->f, pick, true);
        }
        json_decref(pick);
    }
    fputs("</section>\n", h->f);
}

static int severity_rank(const char *sev)
{
    static const char *const order[] = {"critical", "high", "medium", "low", "info"};
    for (int i = 0; sev && i < 5; i++)
        if (!strcmp(sev, order[i])) return i;
    return 5;
}

static int by_severity(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int d = severity_rank(ism_json_getstr(x, "severity")) -
            severity_rank(ism_json_getstr(y, "severity"));
    if (d) return d;
    const char *cx = ism_json_getstr(x, "check"), *cy = ism_json_getstr(y, "check");
    return strcmp(cx ? cx : "", cy ? cy : "");
}

static void finding_row(FILE *f, const json_t *x)
{
    static const char *const keys[] = {"check",       "account", "region",
                                       "resource_id", "arn",     "reason"};
    fputs("<tr><td>", f);
    esc(f, ism_report_severity_ja(ism_json_getstr(x, "severity")));
    fputs("</td>", f);
    for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
        fputs("<td>", f);
        esc(f, ism_json_getstr(x, keys[k]));
        fputs("</td>", f);
    }
    fputs("</tr>\n", f);
}

/* The failing findings, worst severity first (qsort is not stable, so ties break on check). */
static void worst_findings(html *h)
{
    FILE *f = h->f;
    fputs("<section id=\"findings\" class=\"part\">\n<h2>5. 主な検出事項（自動チェック）</h2>\n",
          f);
    size_t n = json_array_size(h->in->findings), k = 0, i;
    const json_t **fails = calloc(n ? n : 1, sizeof *fails);
    json_t *x;
    json_array_foreach(h->in->findings, i, x)
    {
        const char *st = ism_json_getstr(x, "status");
        if (st && !strcmp(st, "fail")) fails[k++] = x;
    }
    qsort(fails, k, sizeof *fails, by_severity);
    if (!k) fputs("<p>不合格の検出結果はない。</p>\n", f);
    if (k) {
        fprintf(f,
                "<p>不合格 %zu 件のうち、重要度の高い順に %zu 件を示す（全件は CSV・XLSX で"
                "出力できる）。</p>\n",
                k, k < WORST_FINDINGS ? k : (size_t)WORST_FINDINGS);
        fputs("<table class=\"findings\">\n<thead><tr><th>重要度</th><th>チェック</th>"
              "<th>アカウント</th><th>リージョン</th><th>リソースID</th><th>ARN</th>"
              "<th>理由</th></tr></thead>\n<tbody>\n",
              f);
        for (size_t j = 0; j < k && j < WORST_FINDINGS; j++)
            finding_row(f, fails[j]);
        fputs("</tbody>\n</table>\n", f);
    }
    free(fails);
    fputs("</section>\n", f);
}

static void notes(html *h)
{
    fputs("<section id=\"notes\" class=\"part\">\n<h2>6. 特記事項</h2>\n", h->f);
    meta_value(h->f, meta_get(h, "notes", "特記事項"));
    fputs("</section>\n", h->f);
}

/* ---- the document ------------------------------------------------------------------------------
 */

static void document(html *h)
{
    FILE *f = h->f;
    fputs("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"ja\" "
          "xml:lang=\"ja\">\n<head>\n<meta charset=\"utf-8\"/>\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
          "<meta name=\"generator\" content=\"ismap-assess " ISM_VERSION "\"/>\n<title>",
          f);
    const char *title = meta_str(h, "title", "報告書名");
    esc(f, title ? title : "情報セキュリティ監査報告書");
    fputs(" — ", f);
    esc(f, h->name);
    fputs("</title>\n", f);
    css(f);
    fputs("</head>\n<body>\n", f);
    cover(h);
    contents(h);
    overview(h);
    conclusion(h);
    areas(h);
    by_status(h);
    worst_findings(h);
    notes(h);
    const json_t *bv = json_object_get(h->in->assessment, "benchmark");
    char *bench = bv ? ism_report_benchmark_html(bv) : NULL;
    if (bench) fputs(bench, f);
    free(bench);
    fputs("<footer><p class=\"note\">ismap-assess " ISM_VERSION " により作成。</p></footer>\n"
          "</body>\n</html>\n",
          f);
}

char *ism_report_html(const ism_report_input *in, size_t *len, ism_error *err)
{
    if (in && in->findings && !json_is_array(in->findings)) {
        ism_error_set(err, ISM_E_INVALID_PARAMS, "findings must be an array");
        return NULL;
    }
    json_t *rows = ism_report_rows(in, err);
    if (!rows) return NULL;
    html h = {.in = in, .rows = rows};
    const json_t *a = in->assessment;
    h.meta = json_object_get(a, "meta");
    h.name = ism_json_getstr(a ? a : in->matrix, "name");
    if (!h.name) h.name = ism_json_getstr(in->matrix, "assessment");
    if (!h.name) h.name = "評価";
    h.generated = in->generated ? in->generated : ism_json_getstr(in->matrix, "generated");
    if (!h.generated) h.generated = ism_json_getstr(in->matrix, "today");
    char *buf = NULL;
    size_t n = 0;
    h.f = open_memstream(&buf, &n);
    if (!h.f) {
        json_decref(rows);
        ism_error_set(err, ISM_E_INTERNAL, "out of memory");
        return NULL;
    }
    document(&h);
    bool bad = ferror(h.f) != 0;
    fclose(h.f);
    json_decref(rows);
    if (bad) {
        free(buf);
        ism_error_set(err, ISM_E_INTERNAL, "could not build the HTML report (out of memory)");
        return NULL;
    }
    if (len) *len = n;
    return buf;
}
