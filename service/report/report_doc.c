/* report_doc.c — the 監査報告書 as a document model (詳細版 and 公開版 from one source), laid
 * out after the MIC guideline's 図表 2.7: 1–9 the engagement (from the approved plan), 10 総括
 * (the auditor's words beside the computed counts), 11 監査結果 (評価できる事項, the items
 * evaluated with their full text, the 未評価 ones summarised by reason), 12 指摘事項, 13 改善勧告
 * (緊急 / 一般), 14 特記事項, then the follow-up of the previous report, the 監査資料 and
 * attachments, the provenance, and the 公開版's redaction rules. Pure: everything comes from
 * the input. */
#include "ismap/catalog.h"
#include "report_doc_int.h"

#include <stdlib.h>
#include <string.h>

typedef struct ctx {
    const ism_report_engagement *in;
    json_t *pool;  /* strings made for the document, freed with it */
    json_t *terms; /* what the 公開版 replaces by ［リソース名］ */
    json_t *rows;  /* ism_report_rows of the matrix */
} ctx;

/* Text that comes from the tenant or the auditor: redacted in the 公開版. Borrowed from the
 * pool. */
static const char *T(ctx *c, const char *s)
{
    if (!s) return "";
    char *r =
        c->in->public_version ? ism_report_redact(s, c->terms) : ism_report_strip_internal_marks(s);
    json_array_append_new(c->pool, json_string(r ? r : ""));
    free(r);
    return json_string_value(json_array_get(c->pool, json_array_size(c->pool) - 1));
}

static const char *F(ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static const char *F(ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0) s = NULL;
    va_end(ap);
    json_array_append_new(c->pool, json_string(s ? s : ""));
    free(s);
    return json_string_value(json_array_get(c->pool, json_array_size(c->pool) - 1));
}

static void add(json_t *blocks, json_t *b)
{
    json_array_append_new(blocks, b);
}

static void add_term(json_t *terms, const char *s)
{
    if (s && strlen(s) >= 3) json_array_append_new(terms, json_string(s));
}

/* ---- the summary: what the report computes, offered to the auditor ----------------------------
 */

static bool bad_status(const char *st)
{
    return st && (!strcmp(st, "not_satisfied") || !strcmp(st, "partial") ||
                  !strcmp(st, "evidence_expired"));
}

/* Why an item is 未評価: a check bears on it but could not assess it (outside what was
 * collected), it needs an interview only, or documents to review. */
static const char *not_assessed_reason(const json_t *row)
{
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(row, "reasons"), i, r)
    {
        const char *src = ism_json_getstr(r, "source"), *v = ism_json_getstr(r, "verdict");
        if (src && !strcmp(src, "finding") && v &&
            (!strcmp(v, "not_assessed") || !strcmp(v, "error")))
            return "out_of_scope";
    }
    const json_t *ex = json_object_get(row, "evidence_examples");
    const char *proc = ism_json_getstr(row, "procedure");
    bool no_docs = !ex || json_is_null(ex) || (json_is_array(ex) && !json_array_size(ex)) ||
                   (json_is_string(ex) && !*json_string_value(ex));
    if (no_docs && proc && strstr(proc, "インタビュー")) return "interview";
    return "document";
}

static const char *reason_ja(const char *r)
{
    return !strcmp(r, "out_of_scope") ? "収集範囲外（チェックが対象を評価できなかった）"
           : !strcmp(r, "interview") ? "インタビューによる確認が未了"
                                     : "文書（監査資料）による確認が未了";
}

static bool mandatory(const json_t *row)
{
    return json_is_true(json_object_get(row, "must_meet")) ||
           json_is_true(json_object_get(row, "mandatory"));
}

/* The 改善勧告 offered as drafts: one per requirement found wanting, from the judgment's 改善案
 * or the failing checks' remediation texts; urgent when a high/critical check fails or a
 * mandatory item is 不適合. */
static json_t *suggested_recommendations(const json_t *rows)
{
    json_t *out = json_array();
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        const char *st = ism_json_getstr(row, "status");
        if (!bad_status(st)) continue;
        const json_t *j = json_object_get(row, "judgment");
        const char *imp = ism_json_getstr(j, "improvement");
        const char *auto_imp = ism_json_getstr(row, "auto_improvement");
        bool grave = false;
        size_t k;
        json_t *r, *checks = json_array();
        json_array_foreach(json_object_get(row, "reasons"), k, r)
        {
            const char *sev = ism_json_getstr(r, "severity");
            if (json_integer_value(json_object_get(r, "fail")) <= 0) continue;
            if (ism_json_getstr(r, "check")) json_array_append(checks, json_object_get(r, "check"));
            if (sev && (!strcmp(sev, "high") || !strcmp(sev, "critical"))) grave = true;
        }
        if (!strcmp(st, "not_satisfied") && mandatory(row)) grave = true;
        const char *text = imp && *imp ? imp : auto_imp;
        if (!text || !*text) {
            json_decref(checks);
            continue;
        }
        char *id =
            ism_strdupf("%s:%s", ism_json_getstr(row, "catalog"), ism_json_getstr(row, "item"));
        json_array_append_new(
            out, json_pack("{s:s, s:s, s:s, s:O, s:O, s:s, s:o}", "id", id, "text", text,
                           "priority", grave ? "urgent" : "general", "catalog",
                           json_object_get(row, "catalog"), "item", json_object_get(row, "item"),
                           "source", imp && *imp ? "judgment" : "checks", "checks", checks));
        free(id);
    }
    return out;
}

static json_t *auditors_of(const ism_report_engagement *in)
{
    const json_t *d = json_object_get(in->draft, "auditors");
    if (json_array_size(d)) return json_deep_copy(d);
    json_t *out = json_array(), *seen = json_object();
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(json_object_get(in->plan, "plan"), "team"), i, v)
    {
        const char *n = ism_json_getstr(v, "name");
        if (n && !json_object_get(seen, n))
            json_object_set_new(seen, n, json_true()), json_array_append_new(out, json_string(n));
    }
    const char *k;
    json_object_foreach((json_t *)in->judgments, k, v)
    {
        const char *n = ism_json_getstr(v, "by");
        if (n && strcmp(n, "local") && strncmp(n, "tok_", 4) && !json_object_get(seen, n))
            json_object_set_new(seen, n, json_true()), json_array_append_new(out, json_string(n));
    }
    json_array_foreach(in->workpapers, i, v)
    {
        const char *n = ism_json_getstr(v, "by");
        if (n && strcmp(n, "local") && strncmp(n, "tok_", 4) && !json_object_get(seen, n))
            json_object_set_new(seen, n, json_true()), json_array_append_new(out, json_string(n));
    }
    json_decref(seen);
    return out;
}

static json_t *redact_terms(const ism_report_engagement *in)
{
    json_t *t = json_array();
    size_t i;
    json_t *f;
    json_array_foreach(in->findings, i, f)
    {
        add_term(t, ism_json_getstr(f, "resource_id"));
        add_term(t, ism_json_getstr(f, "arn"));
        add_term(t, ism_json_getstr(f, "account"));
    }
    json_array_foreach(json_object_get(in->draft, "redact_terms"), i, f)
        add_term(t, json_string_value(f));
    return t;
}

static json_t *summary_of(const ism_report_engagement *in, const json_t *rows)
{
    json_t *na = json_pack("{s:[], s:[], s:[]}", "document", "interview", "out_of_scope");
    json_t *counts = json_object();
    size_t i, assessed = 0;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        const char *st = ism_json_getstr(row, "status");
        if (!st) continue;
        json_object_set_new(counts, st,
                            json_integer(json_integer_value(json_object_get(counts, st)) + 1));
        if (!strcmp(st, "not_assessed"))
            json_array_append(json_object_get(na, not_assessed_reason(row)),
                              json_object_get(row, "item"));
        else
            assessed++;
    }
    return json_pack("{s:o, s:I, s:I, s:o, s:o, s:o, s:o}", "counts", counts, "total",
                     (json_int_t)json_array_size(rows), "assessed", (json_int_t)assessed,
                     "not_assessed", na, "suggested_recommendations",
                     suggested_recommendations(rows), "auditors", auditors_of(in), "redact_terms",
                     redact_terms(in));
}

static json_t *rows_of(const ism_report_engagement *in, ism_error *err)
{
    ism_report_input ri = {.matrix = in->matrix,
                           .findings = in->findings,
                           .judgments = in->judgments,
                           .assessment = in->assessment,
                           .catalogs = in->catalogs};
    return ism_report_rows(&ri, err);
}

json_t *ism_report_engagement_summary(const ism_report_engagement *in, ism_error *err)
{
    json_t *rows = rows_of(in, err);
    if (!rows) return NULL;
    json_t *s = summary_of(in, rows);
    json_decref(rows);
    return s;
}

/* ---- sections ----------------------------------------------------------------------------------
 */

static const char *plan_field(const ism_report_engagement *in, const char *k)
{
    const char *v = ism_json_getstr(json_object_get(in->plan, "plan"), k);
    if (!v) v = ism_json_getstr(json_object_get(in->assessment, "meta"), k);
    return v;
}

static void overview(ctx *c, json_t *b)
{
    const ism_report_engagement *in = c->in;
    const json_t *plan = json_object_get(in->plan, "plan");
    add(b, doc_heading(1, "第1部 監査の概要"));
    static const char *const simple[][2] = {{"purpose", "1. 監査目的"},
                                            {"theme", "2. 監査テーマ"},
                                            {"scope", "3. 監査範囲"},
                                            {"auditee", "4. 被監査部門"},
                                            {"method", "5. 監査方法"}};
    for (size_t i = 0; i < 5; i++) {
        add(b, doc_heading(2, simple[i][1]));
        const char *v = plan_field(in, simple[i][0]);
        doc_text_or_blank(b, v ? T(c, v) : NULL);
    }
    add(b, doc_heading(2, "6. 監査実施日程"));
    json_t *sched = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(plan, "schedule"), i, v) json_array_append_new(
        sched, doc_row(4, T(c, ism_json_getstr(v, "phase")), ism_json_getstr(v, "from"),
                       ism_json_getstr(v, "to"), T(c, ism_json_getstr(v, "note"))));
    if (json_array_size(sched))
        add(b, doc_table("工程:0.4|開始:0.15|終了:0.15|備考:0.3", sched));
    else {
        json_decref(sched);
        const char *s = ism_json_getstr(json_object_get(in->assessment, "meta"), "schedule");
        doc_text_or_blank(b, s ? T(c, s) : NULL);
    }
    add(b, doc_heading(2, "7. 監査実施体制"));
    json_t *team = json_array();
    json_array_foreach(json_object_get(plan, "team"), i, v) json_array_append_new(
        team, doc_row(3, ism_json_getstr(v, "name"), ism_json_getstr(v, "role"),
                      ism_json_getstr(v, "organization")));
    if (json_array_size(team))
        add(b, doc_table("氏名:0.35|役割:0.3|所属:0.35", team));
    else {
        json_decref(team);
        json_t *aud = auditors_of(in);
        json_t *items = json_array();
        json_array_foreach(aud, i, v) json_array_append(items, v);
        json_decref(aud);
        if (json_array_size(items))
            add(b, doc_list(false, items));
        else {
            json_decref(items);
            doc_text_or_blank(b, NULL);
        }
    }
    add(b, doc_heading(2, "8. 監査項目"));
    const json_t *fws = json_object_get(plan, "frameworks");
    if (!json_array_size(fws)) fws = json_object_get(in->assessment, "frameworks");
    json_t *areas = doc_framework_areas(in->catalogs, fws);
    json_array_foreach(areas, i, v)
    {
        add(b, doc_heading(3, F(c, "%s（%lld 項目）", ism_json_getstr(v, "title"),
                                (long long)json_integer_value(json_object_get(v, "count")))));
        json_t *rows = json_array();
        size_t k;
        json_t *a;
        json_array_foreach(json_object_get(v, "areas"), k, a) json_array_append_new(
            rows,
            doc_row(3, ism_json_getstr(a, "area"), ism_json_getstr(a, "title"),
                    F(c, "%lld", (long long)json_integer_value(json_object_get(a, "count")))));
        add(b, doc_table("大項目:0.15|名称:0.7|項目数:0.15", rows));
    }
    json_decref(areas);
    const char *note = ism_json_getstr(plan, "items_note");
    if (note) add(b, doc_para(T(c, note), NULL));
    add(b, doc_heading(2, "9. 適用基準"));
    json_t *std = json_array();
    json_array_foreach(json_object_get(plan, "standards"), i, v) json_array_append(std, v);
    if (!json_array_size(std)) {
        const char *s = ism_json_getstr(json_object_get(in->assessment, "meta"), "standards");
        if (s) json_array_append_new(std, json_string(s));
    }
    if (json_array_size(std))
        add(b, doc_list(false, std));
    else {
        json_decref(std);
        doc_text_or_blank(b, NULL);
    }
}

static const char *item_text(ctx *c, const json_t *row)
{
    const char *title = ism_json_getstr(row, "title"), *text = ism_json_getstr(row, "text");
    const char *label = ism_json_getstr(row, "label");
    if (title && *title && text && *text && strcmp(title, text) && strcmp(label, text))
        return F(c, "%s\n%s", title, text);
    return label ? label : "";
}

static void conclusion(ctx *c, json_t *b, const json_t *sum)
{
    add(b, doc_heading(1, "10. 監査結果概要（総括）"));
    doc_text_or_blank(b, ism_json_getstr(c->in->draft, "overall")
                             ? T(c, ism_json_getstr(c->in->draft, "overall"))
                             : NULL);
    add(b, doc_para("判定の集計（自動計算）", "note"));
    json_t *rows = json_array();
    const json_t *counts = json_object_get(sum, "counts");
    for (int s = 0; s < ISM_REQ_STATUS_COUNT; s++) {
        json_int_t n = json_integer_value(json_object_get(counts, ism_req_status_name(s)));
        json_array_append_new(rows, doc_row(3, ism_req_status_ja(s), F(c, "%lld", (long long)n),
                                            ism_report_status_meaning(s)));
    }
    json_array_append_new(
        rows, doc_row(3, "合計",
                      F(c, "%lld", (long long)json_integer_value(json_object_get(sum, "total"))),
                      F(c, "うち評価済 %lld 項目",
                        (long long)json_integer_value(json_object_get(sum, "assessed")))));
    add(b, doc_table("判定:0.2|件数:0.12|意味:0.68", rows));
}

static json_t *texts_list(ctx *c, const json_t *arr, size_t *hidden)
{
    json_t *items = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        const char *t = json_is_string(v) ? json_string_value(v) : ism_json_getstr(v, "text");
        if (c->in->public_version && json_is_true(json_object_get(v, "internal"))) {
            (*hidden)++;
            continue;
        }
        json_array_append_new(items, json_string(T(c, t)));
    }
    return items;
}

static const json_t *paper_of(const ism_report_engagement *in, const json_t *row)
{
    size_t i;
    json_t *p;
    json_array_foreach(in->workpapers, i, p)
    {
        if (!strcmp(ism_json_getstr(p, "catalog") ? ism_json_getstr(p, "catalog") : "",
                    ism_json_getstr(row, "catalog")) &&
            !strcmp(ism_json_getstr(p, "item") ? ism_json_getstr(p, "item") : "",
                    ism_json_getstr(row, "item")))
            return p;
    }
    return NULL;
}

static void results(ctx *c, json_t *b, const json_t *sum)
{
    add(b, doc_heading(1, "11. 監査結果"));
    add(b, doc_heading(2, "11.1 評価できる事項"));
    size_t hidden = 0;
    json_t *items = texts_list(c, json_object_get(c->in->draft, "commendable"), &hidden);
    if (json_array_size(items))
        add(b, doc_list(false, items));
    else {
        json_decref(items);
        add(b, doc_para("（記載なし）", "note"));
    }
    if (hidden) add(b, doc_para(F(c, "非公開の記載 %zu 件を省略した。", hidden), "note"));

    add(b, doc_heading(2, "11.2 評価した監査項目"));
    json_t *rows = json_array();
    size_t i;
    json_t *row;
    json_array_foreach(c->rows, i, row)
    {
        const char *st = ism_json_getstr(row, "status");
        if (!st || !strcmp(st, "not_assessed")) continue;
        const json_t *p = paper_of(c->in, row);
        bool hide = p && c->in->public_version && json_is_true(json_object_get(p, "internal"));
        const char *concl = p && !hide ? ism_json_getstr(p, "conclusion") : NULL;
        const char *basis = ism_json_getstr(row, "summary");
        const char *cell = concl ? F(c, "%s\n監査調書: %s", T(c, basis), T(c, concl)) : T(c, basis);
        json_array_append_new(rows, doc_row(4, ism_json_getstr(row, "item"), item_text(c, row),
                                            ism_json_getstr(row, "status_ja"), cell));
    }
    if (json_array_size(rows))
        add(b, doc_table("項番:0.1|監査項目:0.45|判定:0.1|根拠:0.35", rows));
    else {
        json_decref(rows);
        add(b, doc_para("評価した項目はない。", "note"));
    }

    add(b, doc_heading(2, "11.3 未評価の項目（理由別）"));
    const json_t *na = json_object_get(sum, "not_assessed");
    static const char *const reasons[] = {"document", "interview", "out_of_scope"};
    json_t *nrows = json_array();
    for (size_t k = 0; k < 3; k++) {
        const json_t *ids = json_object_get(na, reasons[k]);
        if (!json_array_size(ids)) continue;
        size_t cap = 16 * json_array_size(ids) + 1, len = 0;
        char *joined = calloc(1, cap);
        json_t *id;
        json_array_foreach(ids, i, id)
        {
            const char *s = json_string_value(id);
            size_t need = strlen(s) + 3;
            if (len + need >= cap) joined = realloc(joined, cap = (len + need) * 2);
            len += (size_t)snprintf(joined + len, cap - len, "%s%s", i ? ", " : "", s);
        }
        json_array_append_new(
            nrows, doc_row(3, reason_ja(reasons[k]), F(c, "%zu", json_array_size(ids)), joined));
        free(joined);
    }
    if (json_array_size(nrows)) {
        add(b, doc_para("未評価の項目は本文に列挙せず、理由ごとに項番のみを示す。", "note"));
        add(b, doc_table("理由:0.3|件数:0.1|項番:0.6", nrows));
    } else {
        json_decref(nrows);
        add(b, doc_para("未評価の項目はない。", "note"));
    }
}

static void findings(ctx *c, json_t *b)
{
    add(b, doc_heading(1, "12. 指摘事項"));
    json_t *rows = json_array();
    size_t i;
    json_t *row;
    json_array_foreach(c->rows, i, row)
    {
        if (!bad_status(ism_json_getstr(row, "status"))) continue;
        const char *f = ism_json_getstr(json_object_get(row, "judgment"), "findings");
        if (!f || !*f) f = ism_json_getstr(row, "auto_findings");
        json_array_append_new(rows, doc_row(4, ism_json_getstr(row, "item"), item_text(c, row),
                                            ism_json_getstr(row, "status_ja"),
                                            f ? T(c, f) : "（指摘事項の記載なし）"));
    }
    if (json_array_size(rows))
        add(b, doc_table("項番:0.1|監査項目:0.4|判定:0.1|指摘事項:0.4", rows));
    else {
        json_decref(rows);
        add(b, doc_para("指摘事項はない。", "note"));
    }
}

static void recommendations(ctx *c, json_t *b, const json_t *sum)
{
    add(b, doc_heading(1, "13. 改善勧告"));
    const json_t *recs = json_object_get(c->in->draft, "recommendations");
    bool offered = !recs;
    if (!recs) recs = json_object_get(sum, "suggested_recommendations");
    if (offered && json_array_size(recs))
        add(b, doc_para("監査人が改善勧告を記入していないため、判断の改善案とチェックの是正方法から"
                        "作成した案を示す。",
                        "note"));
    static const char *const pr[][2] = {{"urgent", "13.1 緊急改善事項"},
                                        {"general", "13.2 一般的改善事項"}};
    for (int k = 0; k < 2; k++) {
        add(b, doc_heading(2, pr[k][1]));
        json_t *rows = json_array();
        size_t i, hidden = 0;
        json_t *r;
        json_array_foreach(recs, i, r)
        {
            const char *p = ism_json_getstr(r, "priority");
            if (strcmp(p ? p : "general", pr[k][0])) continue;
            if (c->in->public_version && json_is_true(json_object_get(r, "internal"))) {
                hidden++;
                continue;
            }
            const char *id = ism_json_getstr(r, "id");
            const char *item = ism_json_getstr(r, "item");
            json_array_append_new(rows, doc_row(3, id ? id : F(c, "R%zu", i + 1), item ? item : "",
                                                T(c, ism_json_getstr(r, "text"))));
        }
        if (json_array_size(rows))
            add(b, doc_table("番号:0.2|項番:0.12|改善すべき事項:0.68", rows));
        else {
            json_decref(rows);
            add(b, doc_para("該当なし。", "note"));
        }
        if (hidden) add(b, doc_para(F(c, "非公開の記載 %zu 件を省略した。", hidden), "note"));
    }
}

static void special(ctx *c, json_t *b)
{
    add(b, doc_heading(1, "14. 特記事項"));
    size_t hidden = 0;
    json_t *items = texts_list(c, json_object_get(c->in->draft, "special_notes"), &hidden);
    size_t i;
    json_t *w;
    json_array_foreach(c->in->waivers, i, w)
    {
        if (!json_is_true(json_object_get(w, "active"))) continue;
        const char *scope =
            ism_json_getstr(w, "item") ? ism_json_getstr(w, "item") : ism_json_getstr(w, "check");
        json_array_append_new(
            items,
            json_string(F(c, "例外措置: %s（%s、承認 %s、期限 %s）", scope ? scope : "",
                          T(c, ism_json_getstr(w, "justification")),
                          T(c, ism_json_getstr(w, "approver")), ism_json_getstr(w, "expires"))));
    }
    if (json_array_size(items))
        add(b, doc_list(false, items));
    else {
        json_decref(items);
        add(b, doc_para("特記事項はない。", "note"));
    }
    if (hidden) add(b, doc_para(F(c, "非公開の記載 %zu 件を省略した。", hidden), "note"));
}

static void followup(ctx *c, json_t *b)
{
    const json_t *fu = c->in->followup;
    if (!fu || !json_object_get(fu, "previous") || json_is_null(json_object_get(fu, "previous")))
        return;
    add(b, doc_heading(1, "フォローアップ（前回監査の改善勧告）"));
    const json_t *prev = json_object_get(fu, "previous");
    add(b, doc_para(F(c, "前回の監査: %s（%s）", T(c, ism_json_getstr(prev, "name")),
                      ism_json_getstr(prev, "id")),
                    NULL));
    json_t *rows = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(fu, "recommendations"), i, r)
    {
        if (c->in->public_version && json_is_true(json_object_get(r, "internal"))) continue;
        const json_t *p = json_object_get(r, "plan");
        json_array_append_new(
            rows,
            doc_row(5, ism_json_getstr(r, "id"), T(c, ism_json_getstr(r, "text")),
                    F(c, "%s / %s / %s", T(c, ism_json_getstr(p, "owner")),
                      ism_json_getstr(p, "due") ? ism_json_getstr(p, "due") : "期限未定",
                      ism_json_getstr(p, "status_ja") ? ism_json_getstr(p, "status_ja") : "未着手"),
                    ism_json_getstr(r, "resolution_ja"), ism_json_getstr(r, "current_status_ja")));
    }
    if (json_array_size(rows))
        add(b, doc_table("番号:0.16|改善勧告:0.36|改善計画（担当/期限/"
                         "状況）:0.2|確認結果:0.16|今回の判定:0.12",
                         rows));
    else {
        json_decref(rows);
        add(b, doc_para("前回の改善勧告はない。", "note"));
    }
    size_t n = json_array_size(json_object_get(fu, "judgments"));
    if (n)
        add(b, doc_para(F(c, "前回の判断 %zu 件を「前回の判断（要再確認）」として引き継いだ。", n),
                        "note"));
}

static void materials(ctx *c, json_t *b)
{
    add(b, doc_heading(1, "監査資料及び添付資料"));
    json_t *rows = json_array();
    const json_t *prov = json_object_get(c->in->matrix, "provenance");
    size_t i, k;
    json_t *v, *m;
    json_array_foreach(json_object_get(prov, "snapshots"), i, v)
        json_array_append_new(rows, doc_row(4, "スナップショット", ism_json_getstr(v, "id"),
                                            ism_json_getstr(v, "sha256"), "自動チェック"));
    json_array_foreach(c->in->workpapers, i, v)
    {
        bool hide = c->in->public_version && json_is_true(json_object_get(v, "internal"));
        if (hide) continue;
        const char *item = ism_json_getstr(v, "item");
        json_array_foreach(json_object_get(v, "materials"), k, m)
        {
            const char *kind = ism_json_getstr(m, "kind");
            bool ev = kind && !strcmp(kind, "evidence");
            const char *idv =
                ev ? F(c, "%s %s", ism_json_getstr(m, "id"),
                       ism_json_getstr(m, "name") ? ism_json_getstr(m, "name") : "")
                   : F(c, "%s / %s", ism_json_getstr(m, "check"), ism_json_getstr(m, "resource"));
            json_array_append_new(rows, doc_row(4, ev ? "証跡" : "検出結果", T(c, idv),
                                                ism_json_getstr(m, "sha256"), item));
        }
        json_array_foreach(json_object_get(v, "attachments"), k, m)
            json_array_append_new(rows, doc_row(4, "添付資料", T(c, ism_json_getstr(m, "name")),
                                                ism_json_getstr(m, "sha256"), item));
    }
    json_array_foreach(json_object_get(prov, "evidence"), i, v)
        json_array_append_new(rows, doc_row(4, "証跡（判定に使用）", json_string_value(v), "", ""));
    if (json_array_size(rows))
        add(b, doc_table("種別:0.15|識別子:0.3|SHA-256:0.4|関連項目:0.15", rows));
    else {
        json_decref(rows);
        add(b, doc_para("監査資料の記録はない。", "note"));
    }
}

static void provenance(ctx *c, json_t *b)
{
    add(b, doc_heading(1, "来歴"));
    const json_t *prov = json_object_get(c->in->matrix, "provenance");
    json_t *kv = json_array();
    json_array_append_new(kv, doc_row(2, "ツール", ism_json_getstr(prov, "product")));
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(prov, "catalogs"), i, v) json_array_append_new(
        kv, doc_row(2, "カタログ",
                    F(c, "%s 版 %s", ism_json_getstr(v, "id"),
                      ism_json_getstr(v, "revision") ? ism_json_getstr(v, "revision") : "-")));
    const json_t *ch = json_object_get(prov, "checks");
    if (ch)
        json_array_append_new(
            kv, doc_row(2, "チェック",
                        F(c, "%lld 件 sha256:%s",
                          (long long)json_integer_value(json_object_get(ch, "checks")),
                          ism_json_getstr(ch, "sha256") ? ism_json_getstr(ch, "sha256") : "-")));
    json_array_foreach(json_object_get(prov, "snapshots"), i, v) json_array_append_new(
        kv, doc_row(2, "スナップショット",
                    F(c, "%s sha256:%s", ism_json_getstr(v, "id"), ism_json_getstr(v, "sha256"))));
    add(b, doc_kv(kv));
}

static void rules(ctx *c, json_t *b)
{
    add(b, doc_heading(1, "公開版の編集規則"));
    add(b, doc_para(c->in->public_version
                        ? "この公開版は詳細版と同じ記録から作成し、次の規則で置き換えた。"
                        : "公開版は詳細版と同じ記録から作成し、次の規則で置き換える。",
                    NULL));
    json_t *r = ism_report_redaction_rules(), *rows = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(r, i, v) json_array_append_new(
        rows, doc_row(2, ism_json_getstr(v, "rule"), ism_json_getstr(v, "replacement")));
    json_decref(r);
    add(b, doc_table("規則:0.75|置換後:0.25", rows));
}

json_t *ism_report_engagement_doc(const ism_report_engagement *in, ism_error *err)
{
    ctx c = {.in = in, .pool = json_array(), .terms = redact_terms(in)};
    c.rows = rows_of(in, err);
    if (!c.rows) {
        json_decref(c.pool);
        json_decref(c.terms);
        return NULL;
    }
    json_t *sum = summary_of(in, c.rows);
    const json_t *d = in->draft;
    const char *subject = ism_json_getstr(in->assessment, "subject");
    const char *name = ism_json_getstr(in->assessment, "name");
    char date[32];
    const char *rd = ism_json_getstr(d, "report_date");
    doc_date_ja(rd ? rd : in->today, date);
    json_t *aud = json_object_get(sum, "auditors");
    char *names = NULL;
    size_t i, len = 0;
    json_t *v;
    FILE *mf = open_memstream(&names, &len);
    json_array_foreach(aud, i, v) fprintf(mf, "%s%s", i ? "、" : "", json_string_value(v));
    fclose(mf);
    json_t *meta = json_array();
    json_array_append_new(meta, doc_row(2, "宛先",
                                        ism_json_getstr(d, "addressee")
                                            ? T(&c, ism_json_getstr(d, "addressee"))
                                            : "（未記入）"));
    json_array_append_new(meta, doc_row(2, "報告日", date));
    json_array_append_new(meta, doc_row(2, "監査対象", T(&c, subject)));
    json_array_append_new(meta, doc_row(2, "監査人", *names ? names : "（未記入）"));
    json_array_append_new(
        meta, doc_row(2, "状態", in->issued ? F(&c, "発行済（%s）", in->issued) : "案（未発行）"));
    free(names);
    const char *t = ism_json_getstr(d, "title");
    json_t *doc = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:o, s:[]}", "title",
        in->public_version ? "情報セキュリティ監査報告書（公開版）"
                           : "情報セキュリティ監査報告書（詳細版）",
        "subtitle",
        t      ? T(&c, t)
        : name ? T(&c, name)
               : T(&c, subject),
        "lang", "ja", "header",
        F(&c, "%s 監査報告書%s", T(&c, subject), in->public_version ? "（公開版）" : "（詳細版）"),
        "footer",
        !in->issued          ? "案 — 未発行"
        : in->public_version ? "公開版"
                             : "詳細版 — 取扱注意",
        "meta", meta, "blocks");
    doc_set_created(doc, in->issued ? in->issued : ism_json_getstr(d, "report_date"));
    json_t *b = json_object_get(doc, "blocks");
    overview(&c, b);
    conclusion(&c, b, sum);
    results(&c, b, sum);
    findings(&c, b);
    recommendations(&c, b, sum);
    special(&c, b);
    followup(&c, b);
    materials(&c, b);
    provenance(&c, b);
    rules(&c, b);
    json_decref(sum);
    json_decref(c.rows);
    json_decref(c.terms);
    json_decref(c.pool);
    return doc;
}
