/* views.c — the rows every report prints: the matrix's requirements joined with what the
 * catalogs say about each item (text, MIC 必須, 監査資料の例, 監査実施の例, section) and with the
 * latest judgment and active waiver, so the formats only lay out what is computed here once. */
#include "ismap/catalog.h"
#include "ismap/report.h"

#include <stdlib.h>
#include <string.h>

/* {id: item} for one catalog; an empty object without catalogs (the rows then carry less). */
static json_t *catalog_index(struct ism_catalog_set *cs, const char *cat)
{
    json_t *idx = json_object();
    if (!cs) return idx;
    ism_error e = {0};
    json_t *items = ism_catalog_items(cs, cat, NULL, NULL, &e);
    ism_error_clear(&e);
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        const char *id = ism_json_getstr(it, "id");
        if (id && !json_object_get(idx, id)) json_object_set(idx, id, it);
    }
    json_decref(items);
    return idx;
}

static const char *lang(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    const char *s = ism_json_getstr(v, "ja");
    return s ? s : ism_json_getstr(v, "en");
}

/* MIC: the section at the top of the item's section chain ("3.4.1" → "3.4"). */
static const char *mic_area(const json_t *idx, const json_t *item, const json_t *req)
{
    const char *sec = ism_json_getstr(json_object_get(item, "props"), "section");
    if (!sec) sec = ism_json_getstr(req, "parent");
    for (int guard = 0; sec && guard < 16; guard++) {
        const char *up = ism_json_getstr(json_object_get(idx, sec), "parent");
        if (!up) break;
        sec = up;
    }
    return sec;
}

static void set_area(json_t *row, const json_t *idx, const json_t *item, const json_t *req)
{
    const char *cat = ism_json_getstr(req, "catalog"), *id = ism_json_getstr(req, "item");
    json_t *area = NULL;
    if (!strcmp(cat, "mic-audit")) {
        const char *a = mic_area(idx, item, req);
        area = a ? json_string(a) : NULL;
    } else if (!strcmp(cat, "ismap")) {
        /* ISMAP numbers start with their chapter: "10.1.1.9.PB" is in chapter 10. */
        area = json_stringn(id, strcspn(id, "."));
    } else if (ism_json_getstr(req, "parent")) {
        area = json_string(ism_json_getstr(req, "parent"));
    }
    const char *title = area ? lang(json_object_get(idx, json_string_value(area)), "title") : NULL;
    json_object_set_new(row, "area", area ? area : json_null());
    json_object_set_new(row, "area_title", title ? json_string(title) : json_null());
    /* MIC: the section the item sits in, which the checklist's 項目 column names. */
    const char *sec = !strcmp(cat, "mic-audit")
                          ? ism_json_getstr(json_object_get(item, "props"), "section")
                          : NULL;
    if (!sec && !strcmp(cat, "mic-audit")) sec = ism_json_getstr(req, "parent");
    const char *st = sec ? lang(json_object_get(idx, sec), "title") : NULL;
    json_object_set_new(row, "section", sec ? json_string(sec) : json_null());
    json_object_set_new(row, "section_title", st ? json_string(st) : json_null());
}

static void set_mic(json_t *row, const json_t *item, bool mic)
{
    const json_t *props = json_object_get(item, "props");
    const json_t *m = json_object_get(props, "mandatory");
    json_object_set_new(row, "mandatory",
                        mic && json_is_boolean(m) ? json_copy((json_t *)m) : json_null());
    json_object_set_new(row, "no", mic ? json_string(ism_json_getstr(row, "item")) : json_null());
    const json_t *ev = json_object_get(props, "evidence");
    json_object_set_new(row, "evidence_examples",
                        mic && json_is_array(ev) ? json_deep_copy(ev) : json_null());
    const char *proc = ism_json_getstr(props, "procedure");
    json_object_set_new(row, "procedure", mic && proc ? json_string(proc) : json_null());
}

/* The reason object of a source (and status, when given), or NULL. */
static const json_t *reason_of(const json_t *req, const char *source, const char *status)
{
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(req, "reasons"), i, r)
    {
        const char *src = ism_json_getstr(r, "source"), *st = ism_json_getstr(r, "status");
        if (src && !strcmp(src, source) && (!status || (st && !strcmp(st, status)))) return r;
    }
    return NULL;
}

static const json_t *judgment_for(const ism_report_input *in, const json_t *req)
{
    if (in->judgments) {
        char key[512];
        snprintf(key, sizeof key, "%s:%s", ism_json_getstr(req, "catalog"),
                 ism_json_getstr(req, "item"));
        return json_object_get(in->judgments, key);
    }
    return json_object_get(reason_of(req, "judgment", NULL), "judgment");
}

static void failing_examples(FILE *f, const json_t *r)
{
    const json_t *failing = json_object_get(r, "failing");
    size_t i, shown = 0;
    json_t *x;
    json_array_foreach(failing, i, x)
    {
        if (shown == 3) break;
        const char *acct = ism_json_getstr(x, "account"), *reg = ism_json_getstr(x, "region");
        const char *rid = ism_json_getstr(x, "resource_id"), *why = ism_json_getstr(x, "reason");
        fprintf(f, "%s%s/%s/%s", shown ? "; " : "（", acct ? acct : "-", reg ? reg : "-",
                rid ? rid : "-");
        if (why && *why) fprintf(f, ": %s", why);
        shown++;
    }
    json_int_t fails = json_integer_value(json_object_get(r, "fail"));
    if (shown && fails > (json_int_t)shown)
        fprintf(f, " ほか %lld件", (long long)(fails - (json_int_t)shown));
    if (shown) fputs("）", f);
}

/* 指摘事項 pre-filled from failing check findings, marked 【自動】 so nobody mistakes it for the
 * auditor's own words; NULL when there is nothing failing. */
static json_t *auto_findings(const json_t *req)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return NULL;
    size_t i;
    json_t *r;
    bool any = false;
    json_array_foreach(json_object_get(req, "reasons"), i, r)
    {
        const char *src = ism_json_getstr(r, "source");
        if (!src || strcmp(src, "finding") || json_integer_value(json_object_get(r, "fail")) <= 0)
            continue;
        const char *title = ism_json_getstr(r, "title");
        fprintf(f, "%s【自動】チェック %s%s%s%sで不合格 %lld件", any ? "\n" : "",
                ism_json_getstr(r, "check"), title ? "（" : "", title ? title : "",
                title ? "）" : " ", (long long)json_integer_value(json_object_get(r, "fail")));
        failing_examples(f, r);
        any = true;
    }
    fclose(f);
    json_t *out = any ? json_string(buf) : NULL;
    free(buf);
    return out;
}

/* 改善案 pre-filled from the Japanese remediation of each failing check, marked 【自動】 like
 * the findings; NULL when nothing fails or no failing check says what to do. */
static json_t *auto_improvement(const json_t *req)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return NULL;
    size_t i;
    json_t *r;
    bool any = false;
    json_array_foreach(json_object_get(req, "reasons"), i, r)
    {
        const char *src = ism_json_getstr(r, "source"), *rem = ism_json_getstr(r, "remediation");
        if (!src || strcmp(src, "finding") || json_integer_value(json_object_get(r, "fail")) <= 0 ||
            !rem || !*rem)
            continue;
        fprintf(f, "%s【自動】チェック %s: %s", any ? "\n" : "", ism_json_getstr(r, "check"), rem);
        any = true;
    }
    fclose(f);
    json_t *out = any ? json_string(buf) : NULL;
    free(buf);
    return out;
}

static void set_judgment(json_t *row, const ism_report_input *in, const json_t *req)
{
    const json_t *j = judgment_for(in, req);
    json_object_set_new(row, "judgment", j ? json_deep_copy(j) : json_null());
    const json_t *w = json_object_get(reason_of(req, "waiver", "waived"), "waiver");
    json_object_set_new(row, "waiver", w ? json_deep_copy(w) : json_null());
    const char *jf = ism_json_getstr(j, "findings");
    json_t *af = jf && *jf ? NULL : auto_findings(req);
    json_object_set_new(row, "auto_findings", af ? af : json_null());
    const char *ji = ism_json_getstr(j, "improvement");
    json_t *ai = ji && *ji ? NULL : auto_improvement(req);
    json_object_set_new(row, "auto_improvement", ai ? ai : json_null());
}

static json_t *copy_field(const json_t *req, const char *k)
{
    json_t *v = json_object_get(req, k);
    return v ? json_deep_copy(v) : json_null();
}

static json_t *view_row(const ism_report_input *in, const json_t *req, const json_t *mic,
                        const json_t *ismap)
{
    const char *cat = ism_json_getstr(req, "catalog"), *id = ism_json_getstr(req, "item");
    bool is_mic = cat && !strcmp(cat, "mic-audit");
    const json_t *idx = is_mic ? mic : ismap;
    const json_t *item = json_object_get(idx, id);
    json_t *row = json_object();
    static const char *const head[] = {"framework", "catalog", "item", "parent", "class", "title"};
    for (size_t i = 0; i < sizeof head / sizeof *head; i++)
        json_object_set_new(row, head[i], copy_field(req, head[i]));
    const char *text = lang(item, "text"), *title = ism_json_getstr(req, "title");
    json_object_set_new(row, "text", text ? json_string(text) : json_null());
    /* MIC's 監査項目 is the label and the requirement as printed (its title is the label only). */
    const char *label = is_mic && text ? text : title && *title ? title : text ? text : id;
    json_object_set_new(row, "label", json_string(label));
    set_area(row, idx, item, req);
    json_object_set_new(row, "must_meet",
                        json_boolean(json_is_true(json_object_get(req, "must_meet"))));
    set_mic(row, item, is_mic);
    static const char *const tail[] = {"status", "status_ja", "derived_status",
                                       "until",  "rule",      "reasons"};
    for (size_t i = 0; i < sizeof tail / sizeof *tail; i++)
        json_object_set_new(row, tail[i], copy_field(req, tail[i]));
    char *sum = ism_report_reasons_text(req);
    json_object_set_new(row, "summary", json_string(sum ? sum : ""));
    free(sum);
    set_judgment(row, in, req);
    return row;
}

json_t *ism_report_rows(const ism_report_input *in, ism_error *err)
{
    const json_t *reqs = in && in->matrix ? json_object_get(in->matrix, "requirements") : NULL;
    if (!json_is_array(reqs)) {
        ism_error_set(err, ISM_E_INVALID_PARAMS, "the report needs a matrix with 'requirements'");
        return NULL;
    }
    json_t *mic = catalog_index(in->catalogs, "mic-audit");
    json_t *ismap = catalog_index(in->catalogs, "ismap");
    json_t *rows = json_array();
    size_t i;
    json_t *req;
    json_array_foreach(reqs, i, req)
    {
        if (!ism_json_getstr(req, "catalog") || !ism_json_getstr(req, "item")) continue;
        json_array_append_new(rows, view_row(in, req, mic, ismap));
    }
    json_decref(mic);
    json_decref(ismap);
    return rows;
}

/* ---- 別紙 クラウドサービス要件確認 ------------------------------------------------------------
 */

/* Whether ISMAP item `id` is `ref` or lies beneath it (by the catalog's parent chain, because
 * "6.3.1.P" is under "6.3.P" although its number does not start with it). */
static bool under(const json_t *ismap, const char *id, const char *ref)
{
    for (int guard = 0; id && guard < 16; guard++) {
        if (!strcmp(id, ref)) return true;
        id = ism_json_getstr(json_object_get(ismap, id), "parent");
    }
    return false;
}

/* The matrix's ISMAP requirements, once each (the first framework that lists one wins). */
static json_t *ismap_requirements(const json_t *matrix)
{
    json_t *seen = json_object(), *out = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(matrix, "requirements"), i, r)
    {
        const char *cat = ism_json_getstr(r, "catalog"), *id = ism_json_getstr(r, "item");
        if (!cat || strcmp(cat, "ismap") || !id || json_object_get(seen, id)) continue;
        json_object_set_new(seen, id, json_true());
        json_array_append(out, r);
    }
    json_decref(seen);
    return out;
}

typedef struct qacc {
    ism_req_status worst;
    json_t *matched; /* [{item, status}] */
    FILE *basis, *remarks;
    bool any_basis, any_remark;
} qacc;

static void q_match(qacc *a, const json_t *r)
{
    ism_req_status s = ism_report_status_of(ism_json_getstr(r, "status"));
    if (s < a->worst) a->worst = s;
    json_array_append_new(a->matched, json_pack("{s:O, s:O}", "item", json_object_get(r, "item"),
                                                "status", json_object_get(r, "status")));
    fprintf(a->basis, "%s%s: %s", a->any_basis ? " / " : "", ism_json_getstr(r, "item"),
            ism_req_status_ja(s));
    a->any_basis = true;
    const json_t *w = json_object_get(reason_of(r, "waiver", "waived"), "waiver");
    const char *just = ism_json_getstr(w, "justification");
    if (just) {
        fprintf(a->remarks, "%s%s: %s", a->any_remark ? "\n" : "", ism_json_getstr(r, "item"),
                just);
        a->any_remark = true;
    }
}

static void q_ref(qacc *a, const json_t *reqs, const json_t *ismap, const char *ref)
{
    size_t i, before = json_array_size(a->matched);
    json_t *r;
    json_array_foreach(reqs, i, r)
    {
        if (under(ismap, ism_json_getstr(r, "item"), ref)) q_match(a, r);
    }
    if (json_array_size(a->matched) == before) {
        fprintf(a->basis, "%s%s: 本評価の枠組みに含まれない", a->any_basis ? " / " : "", ref);
        a->any_basis = true;
    }
}

static const char *q_mark(ism_req_status s)
{
    switch (s) {
    case ISM_REQ_SATISFIED:
    case ISM_REQ_NOT_APPLICABLE:
        return "○";
    case ISM_REQ_NOT_SATISFIED:
    case ISM_REQ_PARTIAL:
    case ISM_REQ_WAIVED:
        return "×";
    default:
        return "";
    }
}

static json_t *q_row(const json_t *item, const json_t *reqs, const json_t *ismap)
{
    const json_t *props = json_object_get(item, "props");
    const json_t *refs = json_object_get(props, "ismap_refs");
    const char *t = lang(item, "title"), *x = lang(item, "text");
    json_t *row = json_pack("{s:O, s:s, s:s, s:o, s:o}", "no", json_object_get(item, "id"), "title",
                            t ? t : "", "text", x ? x : "", "ismap_refs",
                            json_is_array(refs) ? json_deep_copy(refs) : json_array(),
                            "ismap_names", copy_field(props, "ismap_names"));
    char *basis = NULL, *remarks = NULL;
    size_t bl = 0, rl = 0;
    qacc a = {
        ISM_REQ_WAIVED, json_array(), open_memstream(&basis, &bl), open_memstream(&remarks, &rl),
        false,          false};
    size_t i;
    json_t *ref;
    json_array_foreach(refs, i, ref) q_ref(&a, reqs, ismap, json_string_value(ref));
    if (!json_array_size(refs))
        fputs("ISMAP管理基準の番号がない行（提供者の回答で確認する）", a.basis);
    fclose(a.basis);
    fclose(a.remarks);
    bool judged = json_array_size(a.matched) > 0;
    ism_req_status s = judged ? a.worst : ISM_REQ_NOT_ASSESSED;
    bool has_refs = json_array_size(refs) > 0;
    json_object_set_new(row, "status",
                        has_refs ? json_string(ism_req_status_name(s)) : json_null());
    json_object_set_new(row, "status_ja",
                        has_refs ? json_string(ism_req_status_ja(s)) : json_null());
    json_object_set_new(row, "mark", json_string(has_refs ? q_mark(s) : ""));
    json_object_set_new(row, "basis", json_string(basis ? basis : ""));
    json_object_set_new(row, "remarks", json_string(remarks ? remarks : ""));
    json_object_set_new(row, "matched", a.matched);
    free(basis);
    free(remarks);
    return row;
}

json_t *ism_report_questionnaire_rows(const ism_report_input *in, ism_error *err)
{
    if (!in || !json_is_array(json_object_get(in->matrix, "requirements"))) {
        ism_error_set(err, ISM_E_INVALID_PARAMS, "the report needs a matrix with 'requirements'");
        return NULL;
    }
    if (!in->catalogs) {
        ism_error_set(err, ISM_E_INVALID_PARAMS, "the 別紙 rows need the catalogs");
        return NULL;
    }
    json_t *items = ism_catalog_items(in->catalogs, "ismap-questionnaire", "row", NULL, err);
    if (!items) return NULL;
    json_t *ismap = catalog_index(in->catalogs, "ismap");
    json_t *reqs = ismap_requirements(in->matrix);
    json_t *out = json_array();
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) json_array_append_new(out, q_row(it, reqs, ismap));
    json_decref(reqs);
    json_decref(ismap);
    json_decref(items);
    return out;
}
