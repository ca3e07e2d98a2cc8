/* plan.c — the 監査実施計画書 as a document model, after the MIC guideline's 図表 2.6 (監査目的,
 * テーマ, 範囲, 被監査部門, 方法, 日程, 体制, 監査項目, 適用基準). Pure: the plan row, the
 * assessment row and the read-only catalogs in, the document out. */
#include "ismap/catalog.h"
#include "report_doc_int.h"

#include <stdlib.h>
#include <string.h>

static void add(json_t *b, json_t *x)
{
    json_array_append_new(b, x);
}

static const char *field(const json_t *plan, const json_t *a, const char *k)
{
    const char *v = ism_json_getstr(plan, k);
    return v ? v : ism_json_getstr(json_object_get(a, "meta"), k);
}

static void team(json_t *b, const json_t *plan)
{
    json_t *rows = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(plan, "team"), i, v) json_array_append_new(
        rows, doc_row(3, ism_json_getstr(v, "name"), ism_json_getstr(v, "role"),
                      ism_json_getstr(v, "organization")));
    if (json_array_size(rows))
        add(b, doc_table("氏名:0.35|役割:0.3|所属:0.35", rows));
    else {
        json_decref(rows);
        doc_text_or_blank(b, NULL);
    }
}

static void schedule(json_t *b, const json_t *plan, const json_t *a)
{
    json_t *rows = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(plan, "schedule"), i, v) json_array_append_new(
        rows, doc_row(4, ism_json_getstr(v, "phase"), ism_json_getstr(v, "from"),
                      ism_json_getstr(v, "to"), ism_json_getstr(v, "note")));
    if (json_array_size(rows))
        add(b, doc_table("工程:0.4|開始:0.15|終了:0.15|備考:0.3", rows));
    else {
        json_decref(rows);
        doc_text_or_blank(b, ism_json_getstr(json_object_get(a, "meta"), "schedule"));
    }
}

static void items(json_t *b, const json_t *plan, const json_t *a, struct ism_catalog_set *cs)
{
    const json_t *fws = json_object_get(plan, "frameworks");
    if (!json_array_size(fws)) fws = json_object_get(a, "frameworks");
    json_t *areas = doc_framework_areas(cs, fws);
    size_t i, k;
    json_t *v, *ar;
    json_array_foreach(areas, i, v)
    {
        char *h = ism_strdupf("%s（%s、%lld 項目）", ism_json_getstr(v, "title"),
                              ism_json_getstr(v, "framework"),
                              (long long)json_integer_value(json_object_get(v, "count")));
        add(b, doc_heading(3, h));
        free(h);
        json_t *rows = json_array();
        json_array_foreach(json_object_get(v, "areas"), k, ar)
        {
            char n[32];
            snprintf(n, sizeof n, "%lld",
                     (long long)json_integer_value(json_object_get(ar, "count")));
            json_array_append_new(
                rows, doc_row(3, ism_json_getstr(ar, "area"), ism_json_getstr(ar, "title"), n));
        }
        add(b, doc_table("大項目:0.15|名称:0.7|項目数:0.15", rows));
    }
    if (!json_array_size(areas)) doc_text_or_blank(b, NULL);
    json_decref(areas);
    const char *note = ism_json_getstr(plan, "items_note");
    if (note) add(b, doc_para(note, NULL));
}

json_t *ism_report_plan_doc(const json_t *plan_row, const json_t *assessment,
                            struct ism_catalog_set *catalogs, ism_error *err)
{
    if (!json_is_object(plan_row) || !json_is_object(assessment)) {
        ism_error_set(err, ISM_E_INVALID_PARAMS,
                      "the plan document needs a plan and an assessment");
        return NULL;
    }
    const json_t *plan = json_object_get(plan_row, "plan");
    const char *state = ism_json_getstr(plan_row, "state");
    bool approved = state && !strcmp(state, "approved");
    char ver[32], date[32];
    snprintf(ver, sizeof ver, "第%lld版",
             (long long)json_integer_value(json_object_get(plan_row, "version")));
    doc_date_ja(ism_json_getstr(plan_row, approved ? "approved" : "updated"), date);
    char *st = approved ? ism_strdupf("承認済（%s、%s）", date,
                                      ism_json_getstr(plan_row, "approved_by")
                                          ? ism_json_getstr(plan_row, "approved_by")
                                          : "")
                        : ism_strdupf("案（未承認）");
    const char *subject = ism_json_getstr(assessment, "subject");
    const char *title = ism_json_getstr(plan, "title");
    if (!title) title = ism_json_getstr(assessment, "name");
    json_t *doc = json_pack("{s:s, s:s, s:s, s:s, s:[[s,s],[s,s],[s,s]], s:[]}", "title",
                            "情報セキュリティ監査実施計画書", "subtitle",
                            title ? title : (subject ? subject : ""), "lang", "ja", "footer",
                            approved ? "承認済" : "案 — 未承認", "meta", "監査対象",
                            subject ? subject : "", "版", ver, "状態", st, "blocks");
    free(st);
    doc_set_created(doc, ism_json_getstr(plan_row, approved ? "approved" : "updated"));
    json_t *b = json_object_get(doc, "blocks");
    static const char *const simple[][2] = {{"purpose", "1. 監査目的"},
                                            {"theme", "2. 監査テーマ"},
                                            {"scope", "3. 監査範囲"},
                                            {"auditee", "4. 被監査部門"},
                                            {"method", "5. 監査方法"}};
    for (size_t i = 0; i < 5; i++) {
        add(b, doc_heading(1, simple[i][1]));
        doc_text_or_blank(b, field(plan, assessment, simple[i][0]));
    }
    add(b, doc_heading(1, "6. 監査実施日程"));
    schedule(b, plan, assessment);
    add(b, doc_heading(1, "7. 監査実施体制"));
    team(b, plan);
    add(b, doc_heading(1, "8. 監査項目"));
    items(b, plan, assessment, catalogs);
    add(b, doc_heading(1, "9. 適用基準"));
    json_t *std = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(plan, "standards"), i, v) json_array_append(std, v);
    if (json_array_size(std))
        add(b, doc_list(false, std));
    else {
        json_decref(std);
        doc_text_or_blank(b, ism_json_getstr(json_object_get(assessment, "meta"), "standards"));
    }
    const json_t *notes = json_object_get(plan, "notes");
    if (json_array_size(notes)) {
        add(b, doc_heading(1, "備考"));
        json_t *n = json_array();
        json_array_foreach(notes, i, v) json_array_append_new(
            n, json_string(json_is_string(v) ? json_string_value(v) : ism_json_getstr(v, "text")));
        add(b, doc_list(false, n));
    }
    return doc;
}
