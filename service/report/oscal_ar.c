/* oscal_ar.c — the matrix as an OSCAL 1.2.1 assessment-results document: one result with the
 * reviewed controls, one finding per requirement (targeting the control ids that the catalog
 * room's OSCAL export gives), and observations aggregated per automated check, per auditor
 * judgment and per piece of evidence. UUIDs are derived from the content (as the catalog export
 * does), times come from the input, so the same matrix exports the same document. */
#include "ismap/report.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define OSCAL_VERSION "1.2.1"
#define NS "urn:x-ismap-assess:report"
#define MAX_EVIDENCE 50 /* failing resources listed per check observation */

/* A version 5 style UUID from the SHA-256 of a name (the catalog export's rule). */
static json_t *uuid_for(const char *kind, const char *a, const char *b)
{
    char *name = ism_strdupf("ismap-assess/report/%s/%s/%s", kind, a ? a : "", b ? b : "");
    char h[65];
    ism_sha256_hex(name, strlen(name), h);
    free(name);
    h[12] = '5';
    h[16] = "89ab"[h[16] % 4];
    char u[37];
    snprintf(u, sizeof u, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
    return json_string(u);
}

/* The control id the catalog export uses: "<catalog>-<item>", other characters as '_'. */
static char *token_for(const char *cat, const char *id)
{
    char *t = ism_strdupf("%s-%s", cat, id);
    for (char *p = t; p && *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-' && *p != '_') *p = '_';
    return t;
}

/* OSCAL strings are non-empty without surrounding whitespace; a line has no line breaks. */
static json_t *ostr(const char *s, bool line)
{
    if (!s) return NULL;
    while (*s && isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    if (!n) return NULL;
    char *c = strndup(s, n);
    for (char *p = c; line && *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t') *p = ' ';
    json_t *v = json_string(c);
    free(c);
    return v;
}

static json_t *ostr_or(const char *s, bool line, const char *fallback)
{
    json_t *v = ostr(s, line);
    return v ? v : json_string(fallback);
}

static void add_prop(json_t *props, const char *name, const char *value)
{
    json_t *v = ostr(value, true);
    if (v)
        json_array_append_new(props,
                              json_pack("{s:s, s:s, s:o}", "name", name, "ns", NS, "value", v));
}

static void add_count(json_t *props, const char *name, json_int_t n)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)n);
    add_prop(props, name, buf);
}

static void set_props(json_t *o, json_t *props)
{
    if (json_array_size(props))
        json_object_set_new(o, "props", props);
    else
        json_decref(props);
}

/* An OSCAL date-time: full timestamps pass, a bare date is taken as midnight in Japan. */
static json_t *timestamp(const char *s)
{
    if (!s) return NULL;
    size_t n = strlen(s);
    if (n == 10 && s[4] == '-' && s[7] == '-') return json_sprintf("%sT00:00:00+09:00", s);
    if (n >= 20 && s[10] == 'T' && (s[n - 1] == 'Z' || strchr(s + 19, '+') || strchr(s + 19, '-')))
        return json_string(s);
    return NULL;
}

/* ---- the pieces ------------------------------------------------------------------------------ */

typedef struct ar {
    const ism_report_input *in;
    const char *aid;   /* assessment id, the namespace of every UUID */
    json_t *collected; /* the report's time, for observations without their own */
    json_t *observations;
    json_t *obs_by_key; /* "check:<id>" / "judgment:<cat:item>" / "evidence:<id>|<src>" → uuid */
} ar;

static const char *check_obs(ar *a, const json_t *r)
{
    const char *check = ism_json_getstr(r, "check");
    char *key = ism_strdupf("check:%s", check ? check : "");
    json_t *known = json_object_get(a->obs_by_key, key);
    if (known) {
        free(key);
        return json_string_value(known);
    }
    json_t *u = uuid_for("check", a->aid, check);
    json_t *props = json_array();
    add_prop(props, "check-id", check);
    add_prop(props, "severity", ism_json_getstr(r, "severity"));
    static const char *const counts[] = {"pass", "fail", "error", "not_assessed", "waived"};
    for (size_t i = 0; i < sizeof counts / sizeof *counts; i++)
        add_count(props, counts[i], json_integer_value(json_object_get(r, counts[i])));
    const char *title = ism_json_getstr(r, "title");
    json_t *o =
        json_pack("{s:O, s:o, s:o, s:[s], s:O}", "uuid", u, "title",
                  json_sprintf("チェック %s%s%s", check, title ? ": " : "", title ? title : ""),
                  "description",
                  json_sprintf("自動チェック %s の結果（リソース単位）: 合格 %lld件、"
                               "不合格 %lld件、エラー %lld件、未評価 %lld件、例外措置 %lld件",
                               check, (long long)json_integer_value(json_object_get(r, "pass")),
                               (long long)json_integer_value(json_object_get(r, "fail")),
                               (long long)json_integer_value(json_object_get(r, "error")),
                               (long long)json_integer_value(json_object_get(r, "not_assessed")),
                               (long long)json_integer_value(json_object_get(r, "waived"))),
                  "methods", "TEST", "collected", a->collected);
    set_props(o, props);
    /* Scratch keys, removed once the failing resources are attached (attach_evidence). */
    json_object_set_new(o, "_check", json_string(check));
    if (json_object_get(r, "failing"))
        json_object_set(o, "_failing", json_object_get(r, "failing"));
    json_array_append_new(a->observations, o);
    json_object_set_new(a->obs_by_key, key, u);
    free(key);
    return json_string_value(u);
}

static json_t *finding_evidence(const json_t *f)
{
    const char *acct = ism_json_getstr(f, "account"), *reg = ism_json_getstr(f, "region");
    const char *rid = ism_json_getstr(f, "resource_id"), *why = ism_json_getstr(f, "reason");
    const char *st = ism_json_getstr(f, "status");
    json_t *e = json_pack("{s:o}", "description",
                          json_sprintf("%s: %s / %s / %s%s%s", st ? st : "fail", acct ? acct : "-",
                                       reg ? reg : "-", rid ? rid : "-", why && *why ? " — " : "",
                                       why && *why ? why : ""));
    json_t *props = json_array();
    add_prop(props, "account", acct);
    add_prop(props, "region", reg);
    add_prop(props, "resource-id", rid);
    add_prop(props, "arn", ism_json_getstr(f, "arn"));
    add_prop(props, "status", st);
    set_props(e, props);
    return e;
}

/* Failing resources as relevant-evidence of their check's observation: from the findings list
 * when the caller gave one, else the few examples the matrix carries. */
static void attach_evidence(ar *a)
{
    size_t i, k;
    json_t *o, *f;
    json_array_foreach(a->observations, i, o)
    {
        const char *check = ism_json_getstr(o, "_check");
        if (!check) continue;
        json_t *ev = json_array();
        const json_t *src = a->in->findings ? a->in->findings : json_object_get(o, "_failing");
        json_array_foreach(src, k, f)
        {
            const char *st = ism_json_getstr(f, "status"), *fc = ism_json_getstr(f, "check");
            if (json_array_size(ev) >= MAX_EVIDENCE) break;
            /* The matrix's examples are failing resources of this check already. */
            if (a->in->findings && (!st || strcmp(st, "fail") || !fc || strcmp(fc, check)))
                continue;
            json_array_append_new(ev, finding_evidence(f));
        }
        if (json_array_size(ev))
            json_object_set_new(o, "relevant-evidence", ev);
        else
            json_decref(ev);
        json_object_del(o, "_check");
        json_object_del(o, "_failing");
    }
}

static const char *judgment_obs(ar *a, const json_t *row, const json_t *j)
{
    char *key = ism_strdupf("judgment:%s:%s", ism_json_getstr(row, "catalog"),
                            ism_json_getstr(row, "item"));
    json_t *known = json_object_get(a->obs_by_key, key);
    if (known) {
        free(key);
        return json_string_value(known);
    }
    json_t *u = uuid_for("judgment", a->aid, key + 9);
    const char *ex = ism_json_getstr(j, "examined"), *fi = ism_json_getstr(j, "findings");
    const char *im = ism_json_getstr(j, "improvement"), *re = ism_json_getstr(j, "reason");
    json_t *desc = json_sprintf(
        "監査結果: %s。確認した監査資料: %s。指摘事項: %s。改善案: %s。%s%s",
        ism_req_status_ja(ism_report_status_of(ism_json_getstr(j, "result"))), ex ? ex : "記録なし",
        fi ? fi : "記録なし", im ? im : "記録なし", re ? "理由: " : "", re ? re : "");
    json_t *when = timestamp(ism_json_getstr(j, "at"));
    json_t *o = json_pack("{s:O, s:o, s:o, s:[s], s:o}", "uuid", u, "title",
                          json_sprintf("監査人の判断: %s %s", ism_json_getstr(row, "catalog"),
                                       ism_json_getstr(row, "item")),
                          "description", desc, "methods", "EXAMINE", "collected",
                          when ? when : json_incref(a->collected));
    json_t *props = json_array();
    add_prop(props, "judged-by", ism_json_getstr(j, "by"));
    add_prop(props, "result", ism_json_getstr(j, "result"));
    set_props(o, props);
    json_array_append_new(a->observations, o);
    json_object_set_new(a->obs_by_key, key, u);
    free(key);
    return json_string_value(u);
}

static const char *evidence_obs(ar *a, const json_t *r)
{
    const json_t *e = json_object_get(r, "evidence");
    const char *id = ism_json_getstr(e, "evidence"), *src = ism_json_getstr(e, "source");
    char *key = ism_strdupf("evidence:%s|%s", id ? id : "", src ? src : "");
    json_t *known = json_object_get(a->obs_by_key, key);
    if (known) {
        free(key);
        return json_string_value(known);
    }
    json_t *u = uuid_for("evidence", a->aid, key + 9);
    const char *kind = ism_json_getstr(e, "kind"), *why = ism_json_getstr(e, "reason");
    json_t *o = json_pack(
        "{s:O, s:o, s:o, s:[s], s:O}", "uuid", u, "title",
        json_sprintf("証跡 %s %s", kind ? kind : "", src ? src : ""), "description",
        json_sprintf("%s%s%s",
                     ism_json_getstr(e, "standing") ? ism_json_getstr(e, "standing") : "unknown",
                     why ? ": " : "", why ? why : ""),
        "methods", "EXAMINE", "collected", a->collected);
    json_t *props = json_array();
    add_prop(props, "evidence-id", id);
    add_prop(props, "evidence-kind", kind);
    add_prop(props, "standing", ism_json_getstr(e, "standing"));
    add_prop(props, "valid-until", ism_json_getstr(e, "valid_until"));
    set_props(o, props);
    json_array_append_new(a->observations, o);
    json_object_set_new(a->obs_by_key, key, u);
    free(key);
    return json_string_value(u);
}

/* ---- findings ----------------------------------------------------------------------------------
 */

/* Requirements that were not assessed (未評価) or whose only evidence expired (証跡期限切れ) have
 * no finding: OSCAL knows only satisfied / not-satisfied, and either would misstate them.
 * They are carried on the result instead (props and remarks). */
static bool concluded(const char *status)
{
    ism_req_status s = ism_report_status_of(status);
    return s != ISM_REQ_NOT_ASSESSED && s != ISM_REQ_EXPIRED;
}

/* OSCAL knows only satisfied / not-satisfied; the reason and our own prop keep the nuance. */
static json_t *target_status(const char *status)
{
    ism_req_status s = ism_report_status_of(status);
    bool sat = s == ISM_REQ_SATISFIED || s == ISM_REQ_NOT_APPLICABLE;
    const char *reason = s == ISM_REQ_SATISFIED                               ? "pass"
                         : s == ISM_REQ_NOT_SATISFIED || s == ISM_REQ_PARTIAL ? "fail"
                                                                              : "other";
    return json_pack("{s:s, s:s, s:o}", "state", sat ? "satisfied" : "not-satisfied", "reason",
                     reason, "remarks",
                     json_sprintf("%s (%s)", ism_req_status_ja(s), ism_req_status_name(s)));
}

static json_t *related(ar *a, const json_t *row)
{
    json_t *rel = json_array(), *seen = json_object();
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(row, "reasons"), i, r)
    {
        const char *src = ism_json_getstr(r, "source"), *u = NULL;
        if (!src) continue;
        if (!strcmp(src, "finding"))
            u = check_obs(a, r);
        else if (!strcmp(src, "evidence") && json_object_get(r, "evidence"))
            u = evidence_obs(a, r);
        if (u && !json_object_get(seen, u)) {
            json_object_set_new(seen, u, json_true());
            json_array_append_new(rel, json_pack("{s:s}", "observation-uuid", u));
        }
    }
    const json_t *j = json_object_get(row, "judgment");
    if (json_is_object(j))
        json_array_append_new(rel, json_pack("{s:s}", "observation-uuid", judgment_obs(a, row, j)));
    json_decref(seen);
    return rel;
}

static json_t *finding(ar *a, const json_t *row)
{
    const char *fw = ism_json_getstr(row, "framework"), *cat = ism_json_getstr(row, "catalog");
    const char *item = ism_json_getstr(row, "item"), *st = ism_json_getstr(row, "status");
    char *tok = token_for(cat, item), *key = ism_strdupf("%s:%s:%s", fw, cat, item);
    json_t *target = json_pack("{s:s, s:s, s:o}", "type", "objective-id", "target-id", tok,
                               "status", target_status(st));
    json_t *f =
        json_pack("{s:o, s:o, s:o, s:o}", "uuid", uuid_for("finding", a->aid, key), "title",
                  json_sprintf("%s %s: %s", cat, item, ism_req_status_ja(ism_report_status_of(st))),
                  "description", ostr_or(ism_json_getstr(row, "summary"), false, "根拠なし"),
                  "target", target);
    json_t *props = json_array();
    add_prop(props, "framework", fw);
    add_prop(props, "status", st);
    add_prop(props, "derived-status", ism_json_getstr(row, "derived_status"));
    add_prop(props, "until", ism_json_getstr(row, "until"));
    add_prop(props, "must-meet", json_is_true(json_object_get(row, "must_meet")) ? "true" : NULL);
    const json_t *m = json_object_get(row, "mandatory");
    add_prop(props, "mandatory", json_is_true(m) ? "true" : json_is_false(m) ? "false" : NULL);
    set_props(f, props);
    const json_t *w = json_object_get(row, "waiver");
    const char *just = ism_json_getstr(w, "justification");
    if (just)
        json_object_set_new(
            f, "remarks",
            json_sprintf(
                "例外措置（%s まで、承認 %s）: %s",
                ism_json_getstr(w, "expires") ? ism_json_getstr(w, "expires") : "期限未記入",
                ism_json_getstr(w, "approver") ? ism_json_getstr(w, "approver") : "未記入", just));
    json_t *rel = related(a, row);
    if (json_array_size(rel))
        json_object_set_new(f, "related-observations", rel);
    else
        json_decref(rel);
    free(tok);
    free(key);
    return f;
}

static json_t *reviewed(const json_t *rows)
{
    json_t *ids = json_array(), *seen = json_object();
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        char *tok = token_for(ism_json_getstr(r, "catalog"), ism_json_getstr(r, "item"));
        if (!json_object_get(seen, tok)) {
            json_object_set_new(seen, tok, json_true());
            json_array_append_new(ids, json_pack("{s:s}", "control-id", tok));
        }
        free(tok);
    }
    json_decref(seen);
    json_t *sel = json_object();
    if (json_array_size(ids))
        json_object_set_new(sel, "include-controls", ids);
    else {
        json_decref(ids);
        json_object_set_new(sel, "include-all", json_object());
    }
    return json_pack("{s:s, s:[o]}", "description",
                     "この評価の枠組みに含まれる要件（カタログ項目）", "control-selections", sel);
}

/* ---- the document -----------------------------------------------------------------------------
 */

static const char *generated_of(const ism_report_input *in)
{
    if (in->generated) return in->generated;
    const char *g = ism_json_getstr(in->matrix, "generated");
    return g ? g : ism_json_getstr(in->matrix, "today");
}

static json_t *metadata(const ism_report_input *in, const char *name, json_t *when)
{
    const char *as_of = ism_json_getstr(in->matrix, "as_of");
    json_t *md = json_pack("{s:o, s:O, s:s, s:s}", "title",
                           json_sprintf("ISMAP・監査項目 評価結果: %s", name), "last-modified",
                           when, "version", as_of ? as_of : "1", "oscal-version", OSCAL_VERSION);
    json_t *props = json_array();
    add_prop(props, "assessment-id", ism_json_getstr(in->matrix, "assessment"));
    add_prop(props, "subject", ism_json_getstr(in->matrix, "subject"));
    add_prop(props, "tool", "ismap-assess " ISM_VERSION);
    const json_t *p = json_object_get(in->matrix, "provenance");
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(p, "catalogs"), i, v)
    {
        char *cr = ism_strdupf("%s@%s", ism_json_getstr(v, "id"),
                               ism_json_getstr(v, "revision") ? ism_json_getstr(v, "revision")
                                                              : "unknown");
        add_prop(props, "catalog-revision", cr);
        free(cr);
    }
    const json_t *c = json_object_get(p, "checks");
    add_prop(props, "checks-sha256", ism_json_getstr(c, "sha256"));
    if (json_is_object(c))
        add_count(props, "checks-count", json_integer_value(json_object_get(c, "checks")));
    json_array_foreach(json_object_get(p, "evidence"), i, v)
        add_prop(props, "evidence-id", json_string_value(v));
    set_props(md, props);
    return md;
}

/* One back-matter resource per snapshot the matrix came from, with its recorded SHA-256. */
static void snapshot_resources(const ism_report_input *in, const char *aid, json_t *resources)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(json_object_get(in->matrix, "provenance"), "snapshots"), i,
                       v)
    {
        const char *id = ism_json_getstr(v, "id"), *sha = ism_json_getstr(v, "sha256");
        if (!id) continue;
        json_t *rl = json_pack("{s:o}", "href", json_sprintf("urn:x-ismap-assess:snapshot:%s", id));
        if (sha)
            json_object_set_new(rl, "hashes",
                                json_pack("[{s:s, s:s}]", "algorithm", "SHA-256", "value", sha));
        json_t *res = json_pack(
            "{s:o, s:o, s:o, s:[o]}", "uuid", uuid_for("snapshot", aid, id), "title",
            json_sprintf("スナップショット %s", id), "description",
            json_sprintf("評価したスナップショット %s（%s）。封印時に記録した "
                         "SHA-256 を hashes に示す。",
                         id, ism_json_getstr(v, "provider") ? ism_json_getstr(v, "provider") : "?"),
            "rlinks", rl);
        json_t *props = json_array();
        add_prop(props, "snapshot-id", id);
        set_props(res, props);
        json_array_append_new(resources, res);
    }
}

/* ismap-assess writes no OSCAL assessment plan; import-ap must still resolve, so it points at
 * a back-matter resource that says what the plan was (the assessment's own definition). */
static json_t *plan_resource(const ism_report_input *in, json_t *uuid)
{
    char *fws = json_dumps(json_object_get(in->matrix, "frameworks"), JSON_COMPACT);
    char *snaps = json_dumps(json_object_get(in->matrix, "snapshots"), JSON_COMPACT);
    json_t *res = json_pack(
        "{s:O, s:s, s:o}", "uuid", uuid, "title", "評価計画（プレースホルダ）", "description",
        json_sprintf("ismap-assess does not export an OSCAL assessment plan. This resource stands "
                     "in for it: the plan is the assessment %s itself — frameworks %s, "
                     "snapshots %s, evidence as of %s.",
                     ism_json_getstr(in->matrix, "assessment")
                         ? ism_json_getstr(in->matrix, "assessment")
                         : "(unnamed)",
                     fws ? fws : "[]", snaps ? snaps : "[]",
                     ism_json_getstr(in->matrix, "as_of") ? ism_json_getstr(in->matrix, "as_of")
                                                          : "(unknown)"));
    free(fws);
    free(snaps);
    json_t *props = json_array();
    add_prop(props, "placeholder", "true");
    set_props(res, props);
    return res;
}

static json_t *result(ar *a, const json_t *rows, const char *name, json_t *when)
{
    json_t *findings = json_array();
    size_t i;
    json_t *r;
    json_int_t nsat = 0, nnot = 0, nna = 0, nexp = 0;
    char *open_list = NULL, *exp_list = NULL;
    size_t olen = 0, elen = 0;
    FILE *ol = open_memstream(&open_list, &olen), *el = open_memstream(&exp_list, &elen);
    json_array_foreach(rows, i, r)
    {
        const char *st = ism_json_getstr(r, "status");
        if (!concluded(st)) {
            bool exp = ism_report_status_of(st) == ISM_REQ_EXPIRED;
            char *tok = token_for(ism_json_getstr(r, "catalog"), ism_json_getstr(r, "item"));
            FILE *to = exp ? el : ol;
            if (to) fprintf(to, "%s%s", (exp ? nexp : nna) ? ", " : "", tok);
            free(tok);
            exp ? nexp++ : nna++;
            continue;
        }
        json_t *f = finding(a, r);
        const char *state =
            ism_json_getstr(json_object_get(json_object_get(f, "target"), "status"), "state");
        !strcmp(state, "satisfied") ? nsat++ : nnot++;
        json_array_append_new(findings, f);
    }
    if (ol) fclose(ol);
    if (el) fclose(el);
    attach_evidence(a);
    const json_t *asmt = a->in->assessment;
    json_t *start = timestamp(ism_json_getstr(asmt, "created"));
    if (!start) start = timestamp(ism_json_getstr(a->in->matrix, "as_of"));
    json_t *res = json_pack(
        "{s:o, s:o, s:o, s:o, s:O, s:o}", "uuid", uuid_for("result", a->aid, NULL), "title",
        json_sprintf("評価結果: %s", name), "description",
        json_sprintf("要件 %zu 項目の判定。観察事項は自動チェックごと（リソース単位の結果を集約）、"
                     "監査人の判断ごと、証跡ごとに一つ。",
                     json_array_size(rows)),
        "start", start ? start : json_incref(when), "end", when, "reviewed-controls",
        reviewed(rows));
    json_t *props = json_array();
    add_count(props, "satisfied-count", nsat);
    add_count(props, "not-satisfied-count", nnot);
    add_count(props, "not-assessed-count", nna);
    add_count(props, "evidence-expired-count", nexp);
    set_props(res, props);
    if (nna || nexp)
        json_object_set_new(
            res, "remarks",
            json_sprintf(
                "判定に至らなかった要件は finding にしない（satisfied でも not-satisfied でも"
                "ない）。未評価 (not assessed) %lld 項目: %s。証跡期限切れ (evidence "
                "expired) %lld 項目: %s。",
                (long long)nna, nna && open_list ? open_list : "なし", (long long)nexp,
                nexp && exp_list ? exp_list : "なし"));
    free(open_list);
    free(exp_list);
    if (json_array_size(a->observations)) json_object_set(res, "observations", a->observations);
    if (json_array_size(findings))
        json_object_set_new(res, "findings", findings);
    else
        json_decref(findings);
    return res;
}

json_t *ism_report_oscal(const ism_report_input *in, ism_error *err)
{
    json_t *rows = ism_report_rows(in, err);
    if (!rows) return NULL;
    json_t *when = timestamp(generated_of(in));
    if (!when) {
        json_decref(rows);
        ism_error_set(err, ISM_E_INVALID_PARAMS,
                      "the OSCAL export needs a report time (input 'generated' or the matrix's)");
        return NULL;
    }
    const char *aid = ism_json_getstr(in->matrix, "assessment");
    const char *name = ism_json_getstr(in->matrix, "name");
    if (!name) name = aid ? aid : "評価";
    ar a = {in, aid ? aid : "", when, json_array(), json_object()};
    json_t *plan = uuid_for("assessment-plan", a.aid, NULL);
    json_t *res = result(&a, rows, name, when);
    json_t *doc = json_pack(
        "{s:{s:o, s:o, s:{s:o, s:s}, s:[o], s:{s:[o]}}}", "assessment-results", "uuid",
        uuid_for("assessment-results", a.aid, json_string_value(when)), "metadata",
        metadata(in, name, when), "import-ap", "href", json_sprintf("#%s", json_string_value(plan)),
        "remarks",
        "Placeholder: see the back-matter resource; ismap-assess writes no assessment plan.",
        "results", res, "back-matter", "resources", plan_resource(in, plan));
    snapshot_resources(
        in, a.aid,
        json_object_get(json_object_get(json_object_get(doc, "assessment-results"), "back-matter"),
                        "resources"));
    json_decref(plan);
    json_decref(a.observations);
    json_decref(a.obs_by_key);
    json_decref(when);
    json_decref(rows);
    return doc;
}
