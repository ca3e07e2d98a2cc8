/* reasons.c — a requirement's reasons (findings, evidence, judgment, waiver, roll-up) as one
 * readable Japanese line, for the cells and tables where the structured reasons do not fit. */
#include "ismap/report.h"

#include <stdlib.h>
#include <string.h>

static const char *label(const char *const map[][2], size_t n, const char *key)
{
    for (size_t i = 0; key && i < n; i++)
        if (!strcmp(map[i][0], key)) return map[i][1];
    return key ? key : "";
}

static const char *kind_ja(const char *kind)
{
    static const char *const map[][2] = {
        {"soc2", "SOC 2"}, {"iso-cert", "ISO認証"},     {"soa", "適用宣言書"},
        {"caiq", "CAIQ"},  {"questionnaire", "質問票"}, {"ismap-list", "ISMAPリスト"},
        {"file", "資料"}};
    return label(map, sizeof map / sizeof map[0], kind);
}

static const char *standing_ja(const char *standing)
{
    static const char *const map[][2] = {{"supports", "支持"},  {"partial", "一部支持"},
                                         {"against", "不支持"}, {"expired", "期限切れ"},
                                         {"stale", "更新切れ"}, {"not_evidence", "証跡外"}};
    return label(map, sizeof map / sizeof map[0], standing);
}

static json_int_t num(const json_t *o, const char *k)
{
    return json_integer_value(json_object_get(o, k));
}

static void finding_part(FILE *f, const json_t *r)
{
    const char *title = ism_json_getstr(r, "title");
    fprintf(f, "チェック %s", ism_json_getstr(r, "check") ? ism_json_getstr(r, "check") : "?");
    if (title && *title) fprintf(f, "（%s）", title);
    fputs(":", f);
    static const char *const keys[][2] = {{"fail", "不合格"},
                                          {"error", "エラー"},
                                          {"not_assessed", "未評価"},
                                          {"pass", "合格"},
                                          {"waived", "例外措置"}};
    bool any = false;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        json_int_t n = num(r, keys[i][0]);
        if (!n) continue;
        fprintf(f, "%s%s %lld件", any ? "、" : " ", keys[i][1], (long long)n);
        any = true;
    }
    if (!any) fputs(" 対象リソースなし", f);
}

static void evidence_part(FILE *f, const json_t *r)
{
    const json_t *e = json_object_get(r, "evidence");
    const char *src = ism_json_getstr(e, "source");
    fprintf(f, "証跡 %s%s%s: %s", kind_ja(ism_json_getstr(e, "kind")), src ? " " : "",
            src ? src : "", standing_ja(ism_json_getstr(e, "standing")));
    const char *until = ism_json_getstr(e, "valid_until");
    if (until && !strcmp(ism_json_getstr(r, "status"), "evidence_expired"))
        fprintf(f, "（%sまで有効）", until);
}

static void judgment_part(FILE *f, const json_t *r)
{
    fprintf(f, "判断: %s", ism_req_status_ja(ism_report_status_of(ism_json_getstr(r, "status"))));
    const json_t *j = json_object_get(r, "judgment");
    const char *by = ism_json_getstr(j, "by"), *at = ism_json_getstr(j, "at");
    if (by || at) fprintf(f, "（%s%s%.10s）", by ? by : "", by && at ? " " : "", at ? at : "");
    if (json_object_get(r, "conflict")) fputs("［自動判定と不一致］", f);
}

static void waiver_part(FILE *f, const json_t *r)
{
    const char *st = ism_json_getstr(r, "status");
    if (st && !strcmp(st, "expired")) {
        const char *id = ism_json_getstr(r, "waiver"), *on = ism_json_getstr(r, "expired_on");
        fprintf(f, "例外措置 %s は %s に期限切れ", id ? id : "", on ? on : "");
        return;
    }
    const json_t *w = json_object_get(r, "waiver");
    const char *just = ism_json_getstr(w, "justification");
    const char *appr = ism_json_getstr(w, "approver"), *exp = ism_json_getstr(w, "expires");
    const char *ticket = ism_json_getstr(w, "ticket");
    fprintf(f, "例外措置: %s（承認 %s、%sまで%s%s）", just ? just : "", appr ? appr : "未記入",
            exp ? exp : "期限未記入", ticket ? "、" : "", ticket ? ticket : "");
}

static void rollup_part(FILE *f, const json_t *r)
{
    fprintf(f, "下位 %lld 項目の集約: %s", (long long)num(r, "children"),
            ism_req_status_ja(ism_report_status_of(ism_json_getstr(r, "status"))));
}

/* One reason; false when it is not worth a place in the summary. */
static bool part(FILE *f, const json_t *r)
{
    const char *src = ism_json_getstr(r, "source");
    if (!src) return false;
    if (!strcmp(src, "finding"))
        finding_part(f, r);
    else if (!strcmp(src, "evidence")) {
        /* Documents that are not evidence of anything only add noise to one line. */
        if (!strcmp(ism_json_getstr(r, "status") ? ism_json_getstr(r, "status") : "", "ignored"))
            return false;
        evidence_part(f, r);
    } else if (!strcmp(src, "judgment"))
        judgment_part(f, r);
    else if (!strcmp(src, "waiver"))
        waiver_part(f, r);
    else if (!strcmp(src, "rollup"))
        rollup_part(f, r);
    else if (!strcmp(src, "none"))
        fputs("根拠なし（チェック結果・証跡・判断がまだない）", f);
    else if (ism_json_getstr(r, "text"))
        fputs(ism_json_getstr(r, "text"), f);
    else
        return false;
    return true;
}

char *ism_report_reasons_text(const json_t *requirement)
{
    char *buf = NULL, *one = NULL;
    size_t len = 0, olen = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return NULL;
    size_t i;
    json_t *r;
    bool first = true;
    json_array_foreach(json_object_get(requirement, "reasons"), i, r)
    {
        FILE *p = open_memstream(&one, &olen);
        if (!p) continue;
        bool keep = part(p, r);
        fclose(p);
        if (keep) fprintf(f, "%s%s", first ? "" : " / ", one);
        first = first && !keep;
        free(one);
        one = NULL;
    }
    fclose(f);
    return buf;
}
