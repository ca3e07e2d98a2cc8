/* doc_matrix.c — the matrix report (what the HTML 監査報告書 shows today) as a document model
 * for the PDF renderer: cover fields, the guideline's overview items 1–9, the 総括 counts, the
 * requirements table with full item texts (never cut), the 指摘事項 and the failing check
 * findings. A pure function of the same ism_report_input the HTML report reads. */
#include "pdf_internal.h"

#include <stdlib.h>
#include <string.h>

/* Rows of the findings table (the HTML report shows as many; all are in CSV and XLSX). */
#define WORST_FINDINGS 50

static const struct {
    const char *key, *ja;
} overview[] = {{"purpose", "監査目的"},   {"theme", "監査テーマ"}, {"scope", "監査範囲"},
                {"auditee", "被監査部門"}, {"method", "監査方法"},  {"schedule", "監査実施日程"},
                {"team", "監査実施体制"},  {"items", "監査項目"},   {"standards", "適用基準"}};

static const json_t *meta_get(const json_t *meta, const char *key, const char *ja)
{
    const json_t *v = json_object_get(meta, key);
    if (!v || json_is_null(v)) v = json_object_get(meta, ja);
    return json_is_null(v) ? NULL : v;
}

/* A meta value as text: a list one item a line, an object "key: value" lines; "未記入" when
 * missing or empty. malloc'd. */
static char *meta_text(const json_t *v)
{
    if (!v || (json_is_string(v) && !*json_string_value(v))) return strdup("未記入");
    if (json_is_string(v)) return strdup(json_string_value(v));
    if (!json_is_array(v) && !json_is_object(v)) return json_dumps(v, JSON_ENCODE_ANY);
    char *out = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&out, &n);
    size_t i;
    const char *k;
    json_t *x;
    bool first = true;
    json_array_foreach(v, i, x)
    {
        char *s = json_is_string(x) ? strdup(json_string_value(x)) : json_dumps(x, JSON_ENCODE_ANY);
        fprintf(f, "%s%s", first ? "" : "\n", s ? s : "");
        free(s);
        first = false;
    }
    json_object_foreach((json_t *)v, k, x)
    {
        char *s = json_is_string(x) ? strdup(json_string_value(x)) : json_dumps(x, JSON_ENCODE_ANY);
        fprintf(f, "%s%s: %s", first ? "" : "\n", k, s ? s : "");
        free(s);
        first = false;
    }
    fclose(f);
    if (first) {
        free(out);
        return strdup("未記入");
    }
    return out;
}

static const char *or_(const char *a, const char *b)
{
    return a ? a : b;
}

static void add(json_t *blocks, json_t *b)
{
    json_array_append_new(blocks, b);
}

static json_t *heading(int level, const char *text)
{
    return json_pack("{s:s, s:i, s:s}", "type", "heading", "level", level, "text", text);
}

static json_t *para(const char *text, const char *style)
{
    return json_pack("{s:s, s:s, s:s}", "type", "paragraph", "text", text, "style", style);
}

static json_t *column(const char *title, double width)
{
    return json_pack("{s:s, s:f}", "title", title, "width", width);
}

static void kv_row(json_t *rows, const char *k, const char *v)
{
    json_array_append_new(rows, json_pack("[s, s]", k, v && *v ? v : "未記入"));
}

static int sev_rank(const char *sev)
{
    static const char *const order[] = {"critical", "high", "medium", "low", "info"};
    for (int i = 0; i < 5; i++)
        if (sev && strcmp(sev, order[i]) == 0) return i;
    return 5;
}

static int by_severity(const void *a, const void *b)
{
    const json_t *x = *(const json_t *const *)a, *y = *(const json_t *const *)b;
    int d = sev_rank(ism_json_getstr(x, "severity")) - sev_rank(ism_json_getstr(y, "severity"));
    if (d) return d;
    const char *cx = ism_json_getstr(x, "check"), *cy = ism_json_getstr(y, "check");
    d = strcmp(cx ? cx : "", cy ? cy : "");
    if (d) return d;
    cx = ism_json_getstr(x, "resource_id"), cy = ism_json_getstr(y, "resource_id");
    return strcmp(cx ? cx : "", cy ? cy : "");
}

static void summary(json_t *blocks, const json_t *rows, const char *name)
{
    json_int_t all[ISM_REQ_STATUS_COUNT] = {0}, must[ISM_REQ_STATUS_COUNT] = {0}, total = 0,
               must_total = 0;
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        ism_req_status s = ism_report_status_of(ism_json_getstr(r, "status"));
        all[s]++, total++;
        if (json_is_true(json_object_get(r, "must_meet")) ||
            json_is_true(json_object_get(r, "mandatory")))
            must[s]++, must_total++;
    }
    char *text = ism_strdupf("本評価「%s」は、要件 %lld 項目を対象とし、自動チェックの結果・証跡・"
                             "監査人の判断・例外措置から各要件を判定した。判定の内訳を次に示す。",
                             name, (long long)total);
    add(blocks, para(text, "normal"));
    free(text);
    json_t *trows = json_array();
    for (int s = 0; s < ISM_REQ_STATUS_COUNT; s++) {
        char n[32], m[32];
        snprintf(n, sizeof n, "%lld", (long long)all[s]);
        snprintf(m, sizeof m, "%lld", (long long)must[s]);
        json_array_append_new(trows, json_pack("[s, s, s, s]", ism_req_status_ja((ism_req_status)s),
                                               ism_report_status_meaning((ism_req_status)s), n, m));
    }
    char n[32], m[32];
    snprintf(n, sizeof n, "%lld", (long long)total);
    snprintf(m, sizeof m, "%lld", (long long)must_total);
    json_array_append_new(trows, json_pack("[s, s, s, s]", "計", "", n, m));
    add(blocks, json_pack("{s:s, s:[o, o, o, o], s:o}", "type", "table", "columns",
                          column("判定", 0.14), column("意味", 0.56), column("項目数", 0.15),
                          column("うち必須", 0.15), "rows", trows));
}

static const char *must_label(const json_t *r)
{
    if (json_is_true(json_object_get(r, "must_meet"))) return "○";
    const char *cat = ism_json_getstr(r, "catalog");
    if (!cat || strcmp(cat, "mic-audit")) return "";
    const json_t *m = json_object_get(r, "mandatory");
    return json_is_true(m) ? "○" : json_is_false(m) ? "" : "要確認";
}

static void requirements(json_t *blocks, const json_t *rows)
{
    json_t *trows = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        const char *label = ism_json_getstr(r, "label"), *text = ism_json_getstr(r, "text");
        char *item = text && label && strcmp(label, text) ? ism_strdupf("%s\n%s", label, text)
                                                          : strdup(label ? label : "");
        const char *st = ism_json_getstr(r, "status_ja");
        const char *sum = ism_json_getstr(r, "summary");
        json_array_append_new(trows,
                              json_pack("[s, s, s, s, s]", or_(ism_json_getstr(r, "item"), ""),
                                        item, must_label(r), st ? st : "", sum ? sum : ""));
        free(item);
    }
    add(blocks, json_pack("{s:s, s:[o, o, o, o, o], s:o}", "type", "table", "columns",
                          column("項番", 0.1), column("監査項目", 0.46), column("必須", 0.07),
                          column("判定", 0.1), column("根拠", 0.27), "rows", trows));
}

/* 指摘事項 and 改善案: the auditor's, else the automatic ones. */
static void remarks(json_t *blocks, const json_t *rows)
{
    json_t *found = json_array(), *improve = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        const json_t *j = json_object_get(r, "judgment");
        const char *jf = ism_json_getstr(j, "findings"), *af = ism_json_getstr(r, "auto_findings");
        const char *text = jf && *jf ? jf : af;
        const char *item = or_(ism_json_getstr(r, "item"), "");
        if (text && *text) json_array_append_new(found, json_sprintf("%s: %s", item, text));
        const char *im = ism_json_getstr(j, "improvement");
        if (!im || !*im) im = ism_json_getstr(r, "auto_improvement");
        if (im && *im) json_array_append_new(improve, json_sprintf("%s: %s", item, im));
    }
    add(blocks, heading(2, "指摘事項"));
    if (json_array_size(found))
        add(blocks, json_pack("{s:s, s:b, s:o}", "type", "list", "ordered", 0, "items", found));
    else
        add(blocks, para("なし", "normal")), json_decref(found);
    add(blocks, heading(2, "改善案"));
    if (json_array_size(improve))
        add(blocks, json_pack("{s:s, s:b, s:o}", "type", "list", "ordered", 0, "items", improve));
    else
        add(blocks, para("記録された改善案はない。", "normal")), json_decref(improve);
}

static void findings(json_t *blocks, const json_t *all)
{
    size_t n = json_array_size(all), k = 0, i;
    const json_t **fails = calloc(n ? n : 1, sizeof *fails);
    json_t *x;
    json_array_foreach(all, i, x)
    {
        const char *st = ism_json_getstr(x, "status");
        if (fails && st && !strcmp(st, "fail")) fails[k++] = x;
    }
    if (!k) {
        add(blocks, para("不合格の検出結果はない。", "normal"));
        free(fails);
        return;
    }
    qsort(fails, k, sizeof *fails, by_severity);
    char *text = ism_strdupf("不合格 %zu 件のうち、重要度の高い順に %zu 件を示す（全件は CSV・XLSX "
                             "で出力できる）。",
                             k, k < WORST_FINDINGS ? k : (size_t)WORST_FINDINGS);
    add(blocks, para(text, "normal"));
    free(text);
    json_t *trows = json_array();
    for (size_t j = 0; j < k && j < WORST_FINDINGS; j++) {
        const char *res = ism_json_getstr(fails[j], "arn");
        if (!res) res = ism_json_getstr(fails[j], "resource_id");
        char *where = ism_strdupf("%s / %s", or_(ism_json_getstr(fails[j], "account"), "-"),
                                  or_(ism_json_getstr(fails[j], "region"), "-"));
        json_array_append_new(
            trows, json_pack("[s, s, s, s, s]",
                             ism_report_severity_ja(ism_json_getstr(fails[j], "severity")),
                             or_(ism_json_getstr(fails[j], "check"), ""), where, res ? res : "",
                             or_(ism_json_getstr(fails[j], "reason"), "")));
        free(where);
    }
    free(fails);
    add(blocks, json_pack("{s:s, s:[o, o, o, o, o], s:o}", "type", "table", "columns",
                          column("重要度", 0.08), column("チェック", 0.2),
                          column("アカウント / リージョン", 0.18), column("リソース", 0.3),
                          column("理由", 0.24), "rows", trows));
}

json_t *ism_report_doc_matrix(const ism_report_input *in, ism_error *err)
{
    if (in && in->findings && !json_is_array(in->findings)) {
        ism_error_set(err, ISM_E_INVALID_PARAMS, "findings must be an array");
        return NULL;
    }
    json_t *rows = ism_report_rows(in, err);
    if (!rows) return NULL;
    const json_t *a = in->assessment, *m = in->matrix, *meta = json_object_get(a, "meta");
    const char *name = ism_json_getstr(a ? a : m, "name");
    if (!name) name = ism_json_getstr(m, "assessment");
    if (!name) name = "評価";
    const char *generated = in->generated ? in->generated : ism_json_getstr(m, "generated");
    if (!generated) generated = ism_json_getstr(m, "today");
    const char *title = or_(ism_json_getstr(meta, "title"), ism_json_getstr(meta, "報告書名"));
    if (!title) title = "情報セキュリティ監査報告書";
    const char *org = or_(ism_json_getstr(meta, "organization"), ism_json_getstr(meta, "団体名"));

    json_t *cover = json_array();
    if (org) kv_row(cover, "団体名", org);
    kv_row(cover, "評価名", name);
    kv_row(cover, "評価ID", or_(ism_json_getstr(a, "id"), ism_json_getstr(m, "assessment")));
    kv_row(cover, "評価対象", ism_json_getstr(a ? a : m, "subject"));
    kv_row(cover, "基準日", ism_json_getstr(a ? a : m, "as_of"));
    kv_row(cover, "宛先", or_(ism_json_getstr(meta, "addressee"), ism_json_getstr(meta, "宛先")));
    kv_row(cover, "報告日",
           or_(ism_json_getstr(meta, "report_date"), ism_json_getstr(meta, "報告日")));
    kv_row(cover, "作成日時", generated);

    json_t *blocks = json_array();
    add(blocks, para("この報告書は ismap-assess が評価の適合状況マトリクスから生成した。各要件の"
                     "判定は、自動チェックの結果・証跡・監査人の判断・例外措置に基づき、その根拠を"
                     "併記している。",
                     "note"));
    add(blocks, heading(1, "1. 監査の概要"));
    json_t *ov = json_array();
    for (size_t i = 0; i < sizeof overview / sizeof *overview; i++) {
        char *t = meta_text(meta_get(meta, overview[i].key, overview[i].ja));
        char *k = ism_strdupf("(%zu) %s", i + 1, overview[i].ja);
        json_array_append_new(ov, json_pack("[s, s]", k, t));
        free(k);
        free(t);
    }
    add(blocks, json_pack("{s:s, s:o}", "type", "kv", "rows", ov));
    add(blocks, heading(1, "2. 総括"));
    summary(blocks, rows, name);
    add(blocks, heading(1, "3. 監査結果"));
    remarks(blocks, rows);
    add(blocks, heading(2, "要件一覧"));
    requirements(blocks, rows);
    add(blocks, heading(1, "4. 主な検出事項（自動チェック）"));
    findings(blocks, in->findings);
    add(blocks, heading(1, "5. 特記事項"));
    char *notes = meta_text(meta_get(meta, "notes", "特記事項"));
    add(blocks, para(notes, "normal"));
    free(notes);
    char *prov = ism_report_provenance_text(m);
    if (prov) {
        add(blocks, heading(2, "出所"));
        add(blocks, para(prov, "small"));
        free(prov);
    }
    json_decref(rows);

    json_t *doc =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o}", "title", title, "subtitle", name, "lang",
                  "ja", "header", title, "footer", "ismap-assess " ISM_VERSION " により作成",
                  "meta", cover, "blocks", blocks);
    if (!doc) {
        ism_error_set(err, ISM_E_INTERNAL, "out of memory building the document model");
        return NULL;
    }
    if (generated && ism_pdf_date(generated, NULL))
        json_object_set_new(doc, "created", json_string(generated));
    else if (generated && strlen(generated) == 10) { /* a date: midnight in Japan */
        char *d = ism_strdupf("%sT00:00:00+09:00", generated);
        if (ism_pdf_date(d, NULL)) json_object_set_new(doc, "created", json_string(d));
        free(d);
    }
    return doc;
}

char *ism_report_pdf_matrix(const ism_report_input *in, size_t *len, ism_error *err)
{
    json_t *doc = ism_report_doc_matrix(in, err);
    if (!doc) return NULL;
    char *pdf = ism_report_pdf(doc, len, err);
    json_decref(doc);
    return pdf;
}
