/* compute.c — the status rules: from findings, evidence, judgments and waivers to one status
 * per requirement, with its reasons. Pure: everything comes in ism_matrix_inputs, so every rule
 * is tested without a store. The rules are written down in README.md. */
#include "ismap/matrix.h"

#include <stdlib.h>
#include <string.h>

static const char *const names[ISM_REQ_STATUS_COUNT] = {
    "not_satisfied",  "partial", "evidence_expired", "not_assessed", "satisfied",
    "not_applicable", "waived"};
static const char *const names_ja[ISM_REQ_STATUS_COUNT] = {
    "不適合", "一部適合", "証跡期限切れ", "未評価", "適合", "対象外", "例外措置"};

const char *ism_req_status_name(ism_req_status s)
{
    return (int)s >= 0 && s < ISM_REQ_STATUS_COUNT ? names[s] : "not_assessed";
}

const char *ism_req_status_ja(ism_req_status s)
{
    return (int)s >= 0 && s < ISM_REQ_STATUS_COUNT ? names_ja[s] : "未評価";
}

bool ism_req_status_parse(const char *name, ism_req_status *out)
{
    for (int i = 0; i < ISM_REQ_STATUS_COUNT; i++)
        if (name && !strcmp(name, names[i])) {
            *out = (ism_req_status)i;
            return true;
        }
    return false;
}

/* Combining sources: the worst wins, where "worst" is the enum order, and not_applicable and
 * waived count as satisfied for the purpose of combining. */
static ism_req_status worse(ism_req_status a, ism_req_status b)
{
    if (a >= ISM_REQ_SATISFIED) a = ISM_REQ_SATISFIED;
    if (b >= ISM_REQ_SATISFIED) b = ISM_REQ_SATISFIED;
    return a < b ? a : b;
}

static bool in_array(const json_t *arr, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i,
                       v) if (json_is_string(v) && !strcmp(json_string_value(v), s)) return true;
    return false;
}

/* A check's text in one language: {ja, en} objects (as checks are written) or a plain string;
 * falls back to the other language, NULL when there is none. */
static const char *text_in(const json_t *v, const char *lang)
{
    if (json_is_string(v)) return json_string_value(v);
    const char *s = ism_json_getstr(v, lang);
    if (s && *s) return s;
    s = ism_json_getstr(v, strcmp(lang, "ja") ? "ja" : "en");
    return s && *s ? s : NULL;
}

static json_int_t count(const json_t *agg, const char *k)
{
    return json_integer_value(json_object_get(agg, k));
}

static const char *domain_ja(const char *d)
{
    return !strcmp(d, "mynumber") ? "マイナンバー利用事務系"
           : !strcmp(d, "lgwan")  ? "LGWAN接続系"
                                  : d;
}

/* Rule F: what the checks that bear on (catalog, item) found. Returns true when at least one
 * check bears on it; *st receives the findings' verdict and *rule (malloc'd) the rule that
 * decided it. */
static bool from_findings(const ism_matrix_inputs *in, const char *cat, const char *item,
                          ism_req_status *st, json_t *reasons, char **rule)
{
    json_int_t pass = 0, fail = 0, na = 0, errs = 0, waived = 0;
    const json_t *severe = NULL; /* the first high/critical failure in a closed domain */
    const char *severe_dom = NULL;
    json_int_t severe_n = 0;
    bool any = false;
    const char *cid;
    json_t *def;
    json_object_foreach((json_t *)in->check_refs, cid, def)
    {
        if (!in_array(json_object_get(json_object_get(def, "refs"), cat), item)) continue;
        json_t *agg = json_object_get(in->findings, cid);
        if (!agg) continue; /* the check did not run in this assessment (other provider) */
        any = true;
        json_int_t p = count(agg, "pass"), f = count(agg, "fail"), n = count(agg, "not_assessed");
        json_int_t e = count(agg, "error"), w = count(agg, "waived");
        pass += p, fail += f, na += n, errs += e, waived += w;
        const char *verdict = f         ? "fail"
                              : e       ? "error"
                              : n && !p ? "not_assessed"
                              : p       ? "pass"
                                        : "not_applicable";
        const json_t *title = json_object_get(def, "title");
        json_t *r =
            json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:s, s:I, s:I, s:I, s:I, s:I}", "source",
                      "finding", "check", cid, "title", text_in(title, "ja"), "title_en",
                      text_in(title, "en"), "severity", ism_json_getstr(def, "severity"), "verdict",
                      verdict, "pass", p, "fail", f, "not_assessed", n, "error", e, "waived", w);
        const char *rem = text_in(json_object_get(def, "remediation"), "ja");
        if (f && rem) json_object_set_new(r, "remediation", json_string(rem));
        json_t *failing = json_object_get(agg, "failing");
        if (json_array_size(failing)) json_object_set(r, "failing", failing);
        const char *nar = ism_json_getstr(agg, "not_assessed_reason");
        if (n && nar) json_object_set_new(r, "not_assessed_reason", json_string(nar));
        const json_t *by = json_object_get(agg, "fail_by_domain");
        if (f && json_object_size(by)) json_object_set(r, "fail_by_domain", (json_t *)by);
        const char *sev = ism_json_getstr(def, "severity");
        bool grave = sev && (!strcmp(sev, "high") || !strcmp(sev, "critical"));
        const char *dom;
        json_t *dn;
        json_object_foreach((json_t *)by, dom, dn)
        {
            if (!grave || json_integer_value(dn) <= 0 || severe) continue;
            severe = r, severe_dom = dom, severe_n = json_integer_value(dn);
        }
        json_array_append_new(reasons, r);
    }
    if (!any) return false;
    if (severe) {
        /* Severity- and domain-aware: other accounts passing do not soften a grave failure in
         * the closed My Number or LGWAN domain. */
        *st = ISM_REQ_NOT_SATISFIED;
        *rule =
            ism_strdupf("重大度 %s のチェック %s が%sで %lld 件不合格のため不適合（他のアカウントの"
                        "合格では一部適合にならない）",
                        ism_json_getstr(severe, "severity"), ism_json_getstr(severe, "check"),
                        domain_ja(severe_dom), (long long)severe_n);
        json_array_append_new(reasons, json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:s}", "source",
                                                 "rule", "status", "not_satisfied", "check",
                                                 ism_json_getstr(severe, "check"), "severity",
                                                 ism_json_getstr(severe, "severity"), "domain",
                                                 severe_dom, "fail", severe_n, "text", *rule));
    } else if (fail && pass) {
        *st = ISM_REQ_PARTIAL;
        *rule = ism_strdupf("チェックの不合格 %lld 件・合格 %lld 件のため一部適合", (long long)fail,
                            (long long)pass);
    } else if (fail) {
        *st = ISM_REQ_NOT_SATISFIED;
        *rule = ism_strdupf("チェックを受けたリソースがすべて不合格（%lld 件）のため不適合",
                            (long long)fail);
    } else if (pass) {
        *st = ISM_REQ_SATISFIED;
        *rule = ism_strdupf("チェックがすべて合格（%lld 件）のため適合", (long long)pass);
    } else {
        *st = ISM_REQ_NOT_ASSESSED; /* only not-assessed, errors, or nothing examined */
        *rule = strdup("チェックが対象を評価できなかったため未評価");
    }
    return true;
}

/* Rule E: what the evidence says (ISMAP items only; evidence is mapped to ISMAP). */
static bool from_evidence(const ism_matrix_inputs *in, const char *cat, const char *item,
                          ism_req_status *st, json_t *reasons)
{
    if (strcmp(cat, "ismap") != 0 || !in->support) return false;
    json_t *list = json_object_get(json_object_get(in->support, "items"), item);
    bool any = false;
    ism_req_status acc = ISM_REQ_SATISFIED;
    bool positive = false, expired = false;
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e)
    {
        const char *standing = ism_json_getstr(e, "standing");
        ism_req_status s;
        if (!standing || !strcmp(standing, "not_evidence")) {
            json_array_append_new(reasons, json_pack("{s:s, s:s, s:O}", "source", "evidence",
                                                     "status", "ignored", "evidence", e));
            continue;
        }
        if (!strcmp(standing, "supports"))
            s = ISM_REQ_SATISFIED, positive = true;
        else if (!strcmp(standing, "partial"))
            s = ISM_REQ_PARTIAL;
        else if (!strcmp(standing, "against"))
            s = ISM_REQ_NOT_SATISFIED;
        else if (!strcmp(standing, "expired") || !strcmp(standing, "stale")) {
            expired = true;
            json_array_append_new(reasons, json_pack("{s:s, s:s, s:O}", "source", "evidence",
                                                     "status", "evidence_expired", "evidence", e));
            continue;
        } else
            continue;
        any = true;
        acc = worse(acc, s);
        json_array_append_new(reasons, json_pack("{s:s, s:s, s:O}", "source", "evidence", "status",
                                                 ism_req_status_name(s), "evidence", e));
    }
    if (any && (acc != ISM_REQ_SATISFIED || positive)) {
        *st = acc;
        return true;
    }
    if (expired) {
        *st = ISM_REQ_EXPIRED;
        return true;
    }
    return false;
}

static const json_t *active_waiver(const ism_matrix_inputs *in, const char *cat, const char *item,
                                   json_t *reasons)
{
    const json_t *best = NULL;
    size_t i;
    json_t *w;
    json_array_foreach(in->waivers, i, w)
    {
        if (!ism_json_getstr(w, "item") || strcmp(ism_json_getstr(w, "item"), item) ||
            !ism_json_getstr(w, "catalog") || strcmp(ism_json_getstr(w, "catalog"), cat))
            continue;
        const char *exp = ism_json_getstr(w, "expires");
        bool revoked = ism_json_getstr(w, "revoked") != NULL;
        if (revoked) continue;
        if (exp && in->today && strcmp(exp, in->today) < 0) {
            json_array_append_new(
                reasons, json_pack("{s:s, s:s, s:s, s:s?, s:s}", "source", "waiver", "status",
                                   "expired", "waiver", ism_json_getstr(w, "id"), "expired_on", exp,
                                   "text", "this waiver has expired and no longer applies"));
            continue;
        }
        if (!best || strcmp(exp ? exp : "", ism_json_getstr(best, "expires")) > 0) best = w;
    }
    return best;
}

static ism_req_status apply_judgment(const json_t *j, ism_req_status derived, json_t *reasons)
{
    ism_req_status s;
    if (!ism_req_status_parse(ism_json_getstr(j, "result"), &s)) return derived;
    json_t *r = json_pack("{s:s, s:s, s:O}", "source", "judgment", "status", ism_req_status_name(s),
                          "judgment", j);
    if (s == ISM_REQ_SATISFIED && (derived == ISM_REQ_NOT_SATISFIED || derived == ISM_REQ_PARTIAL))
        json_object_set_new(r, "conflict",
                            json_sprintf("the auditor judged this satisfied although the "
                                         "automated result is %s",
                                         ism_req_status_name(derived)));
    json_array_append_new(reasons, r);
    return s;
}

json_t *ism_matrix_compute(const ism_matrix_inputs *in)
{
    size_t n = json_array_size(in->requirements);
    json_t *out = json_array();
    /* final status per "framework:catalog:item", for the roll-up of parents */
    json_t *final = json_object();
    /* Children come after their parents in document order: walk backwards so every child is
     * final before its parent is computed, then emit in document order. */
    json_t **rows = calloc(n ? n : 1, sizeof *rows);
    for (size_t k = n; k-- > 0;) {
        json_t *req = json_array_get(in->requirements, k);
        const char *fw = ism_json_getstr(req, "framework");
        const char *cat = ism_json_getstr(req, "catalog");
        const char *item = ism_json_getstr(req, "item");
        if (!fw || !cat || !item) continue; /* not a requirement row: nothing to say */
        json_t *reasons = json_array();
        ism_req_status st = ISM_REQ_NOT_ASSESSED, s;
        bool have = false;
        char *rule = NULL, *frule = NULL;
        if (from_findings(in, cat, item, &s, reasons, &frule)) {
            st = s, have = true;
            rule = frule, frule = NULL;
        }
        if (from_evidence(in, cat, item, &s, reasons)) {
            if (!have || worse(st, s) != st) {
                free(rule);
                rule = ism_strdupf("監査資料（証跡）によれば%s", ism_req_status_ja(s));
            }
            st = have ? worse(st, s) : s, have = true;
        }
        /* Rule R: children in the same framework. */
        char key[512];
        bool kids = false;
        ism_req_status kid = ISM_REQ_SATISFIED;
        int nk = 0;
        for (size_t c = k + 1; c < n; c++) {
            json_t *cr = json_array_get(in->requirements, c);
            const char *p = ism_json_getstr(cr, "parent");
            if (!p || strcmp(p, item) || strcmp(ism_json_getstr(cr, "framework"), fw) ||
                strcmp(ism_json_getstr(cr, "catalog"), cat))
                continue;
            snprintf(key, sizeof key, "%s:%s:%s", fw, cat, ism_json_getstr(cr, "item"));
            ism_req_status cs = (ism_req_status)json_integer_value(json_object_get(final, key));
            kid = worse(kid, cs);
            kids = true;
            nk++;
        }
        if (kids) {
            json_array_append_new(reasons,
                                  json_pack("{s:s, s:s, s:i, s:s}", "source", "rollup", "status",
                                            ism_req_status_name(kid), "children", nk, "text",
                                            "satisfied only when every item beneath it is"));
            if (!have || worse(st, kid) != st) {
                free(rule);
                rule = ism_strdupf("配下の %d 項目のうち最も悪い状態（%s）を引き継ぐ", nk,
                                   ism_req_status_ja(kid));
            }
            st = have ? worse(st, kid) : kid;
            have = true;
        }
        if (!have) rule = strdup("根拠となるチェック・証跡・判断がまだないため未評価");
        if (!have)
            json_array_append_new(reasons,
                                  json_pack("{s:s, s:s, s:s}", "source", "none", "status",
                                            "not_assessed", "text",
                                            "no check finding, evidence or judgment bears on this "
                                            "requirement yet"));
        ism_req_status derived = st;
        snprintf(key, sizeof key, "%s:%s", cat, item);
        const json_t *j = json_object_get(in->judgments, key);
        if (j) {
            ism_req_status js = apply_judgment(j, st, reasons);
            if (js != st || ism_req_status_parse(ism_json_getstr(j, "result"), &s)) {
                free(rule);
                rule = ism_strdupf("監査人の判断（%s）による", ism_req_status_ja(js));
            }
            st = js;
        }
        const json_t *w = active_waiver(in, cat, item, reasons);
        const char *until = NULL;
        if (w) {
            until = ism_json_getstr(w, "expires");
            json_array_append_new(reasons, json_pack("{s:s, s:s, s:O}", "source", "waiver",
                                                     "status", "waived", "waiver", w));
            st = ISM_REQ_WAIVED;
            free(rule);
            rule = ism_strdupf("例外措置（%s まで）による", until ? until : "期限なし");
        }
        snprintf(key, sizeof key, "%s:%s:%s", fw, cat, item);
        json_object_set_new(final, key, json_integer(st));
        json_t *row = json_pack(
            "{s:s, s:s, s:s, s:O?, s:O?, s:O?, s:O?, s:s, s:s, s:s, s:s?, s:o}", "framework", fw,
            "catalog", cat, "item", item, "parent", json_object_get(req, "parent"), "class",
            json_object_get(req, "class"), "title", json_object_get(req, "title"), "must_meet",
            json_object_get(req, "must_meet"), "status", ism_req_status_name(st), "status_ja",
            ism_req_status_ja(st), "derived_status", ism_req_status_name(derived), "until", until,
            "reasons", reasons);
        json_object_set_new(row, "rule", json_string(rule));
        free(rule);
        rows[k] = row;
    }
    json_t *counts = json_object(), *by_fw = json_object();
    for (int i = 0; i < ISM_REQ_STATUS_COUNT; i++)
        json_object_set_new(counts, names[i], json_integer(0));
    for (size_t k = 0; k < n; k++) {
        json_t *row = rows[k];
        if (!row) continue;
        const char *st = ism_json_getstr(row, "status");
        const char *fw = ism_json_getstr(row, "framework");
        json_object_set_new(counts, st, json_integer(count(counts, st) + 1));
        json_t *f = json_object_get(by_fw, fw);
        if (!f) {
            f = json_object();
            for (int i = 0; i < ISM_REQ_STATUS_COUNT; i++)
                json_object_set_new(f, names[i], json_integer(0));
            json_object_set_new(by_fw, fw, f);
        }
        json_object_set_new(f, st, json_integer(count(f, st) + 1));
        json_array_append_new(out, row);
    }
    free(rows);
    json_decref(final);
    return json_pack("{s:o, s:o, s:o}", "counts", counts, "counts_by_framework", by_fw,
                     "requirements", out);
}
