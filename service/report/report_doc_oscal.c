/* report_doc_oscal.c — the engagement in OSCAL 1.2.1: the 監査実施計画書 as an assessment-plan
 * (terms-and-conditions carry 目的 … 適用基準, tasks the 日程, reviewed-controls the 監査項目 of
 * the chosen frameworks, the 監査実施体制 as parties in the assessor role), and the 監査報告書 as
 * assessment-results (the matrix export of oscal_ar.c, where 未評価 is never a not-satisfied
 * finding) with the auditors as parties and the 総括 and 改善勧告 as remarks and risks-free
 * props. UUIDs derive from the content, so the same engagement gives the same document. */
#include "report_doc_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define OSCAL_VERSION "1.2.1"
#define NS "urn:x-ismap-assess:engagement"

static json_t *uuid_of(const char *kind, const char *a, const char *b)
{
    char *name = ism_strdupf("ismap-assess/engagement/%s/%s/%s", kind, a ? a : "", b ? b : "");
    char h[65];
    ism_sha256_hex(name, strlen(name), h);
    free(name);
    h[12] = '5';
    h[16] = "89ab"[h[16] % 4];
    char u[37];
    snprintf(u, sizeof u, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
    return json_string(u);
}

static char *token(const char *cat, const char *id)
{
    char *t = ism_strdupf("%s-%s", cat, id);
    for (char *p = t; p && *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-' && *p != '_') *p = '_';
    return t;
}

/* A non-empty string without surrounding blanks (OSCAL's string rule), or NULL. */
static json_t *ostr(const char *s)
{
    if (!s) return NULL;
    while (*s && isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    return n ? json_stringn(s, n) : NULL;
}

static void prop(json_t *props, const char *name, const char *value)
{
    json_t *v = ostr(value);
    if (v)
        json_array_append_new(props,
                              json_pack("{s:s, s:s, s:o}", "name", name, "ns", NS, "value", v));
}

/* Roles and parties: the auditors (assessor), and for a plan its approver. */
static void people(json_t *md, const char *aid, const json_t *names, const char *approver)
{
    json_t *parties = json_array(), *assessors = json_array();
    size_t i;
    json_t *n;
    json_array_foreach(names, i, n)
    {
        json_t *name = ostr(json_string_value(n));
        if (!name) continue;
        json_t *u = uuid_of("party", aid, json_string_value(name));
        json_array_append_new(
            parties, json_pack("{s:O, s:s, s:o}", "uuid", u, "type", "person", "name", name));
        json_array_append_new(assessors, u);
    }
    json_t *roles = json_pack("[{s:s, s:s}]", "id", "assessor", "title", "監査人");
    json_t *resp = json_array();
    if (json_array_size(assessors))
        json_array_append_new(
            resp, json_pack("{s:s, s:O}", "role-id", "assessor", "party-uuids", assessors));
    json_t *ap = ostr(approver);
    if (ap) {
        json_t *u = uuid_of("party", aid, json_string_value(ap));
        json_array_append_new(
            parties, json_pack("{s:O, s:s, s:o}", "uuid", u, "type", "person", "name", ap));
        json_array_append_new(roles, json_pack("{s:s, s:s}", "id", "approver", "title", "承認者"));
        json_array_append_new(resp,
                              json_pack("{s:s, s:[o]}", "role-id", "approver", "party-uuids", u));
    }
    json_object_set_new(md, "roles", roles);
    if (json_array_size(parties))
        json_object_set_new(md, "parties", parties);
    else
        json_decref(parties);
    if (json_array_size(resp))
        json_object_set_new(md, "responsible-parties", resp);
    else
        json_decref(resp);
    json_decref(assessors);
}

/* "2026-12-05" → "2026-12-05T00:00:00+09:00" (Japan); an RFC 3339 time as it is. */
static json_t *when(const char *s, bool end)
{
    if (!s || strlen(s) < 10) return NULL;
    if (strlen(s) == 10) return json_sprintf("%sT%s+09:00", s, end ? "23:59:59" : "00:00:00");
    return json_string(s);
}

static json_t *plan_names(const json_t *plan)
{
    json_t *out = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(plan, "team"), i, v) if (ism_json_getstr(v, "name"))
        json_array_append(out, json_object_get(v, "name"));
    return out;
}

json_t *ism_report_plan_oscal(const json_t *plan_row, const json_t *assessment,
                              struct ism_catalog_set *catalogs, const char *now, ism_error *err)
{
    if (!json_is_object(plan_row) || !json_is_object(assessment) || !now) {
        ism_error_set(err, ISM_E_INVALID_PARAMS,
                      "the OSCAL plan needs a plan, an assessment and a time");
        return NULL;
    }
    const char *aid = ism_json_getstr(assessment, "id");
    const json_t *plan = json_object_get(plan_row, "plan");
    json_int_t ver = json_integer_value(json_object_get(plan_row, "version"));
    const char *title = ism_json_getstr(plan, "title");
    if (!title) title = ism_json_getstr(assessment, "name");
    const char *modified = ism_json_getstr(plan_row, "approved");
    if (!modified) modified = ism_json_getstr(plan_row, "updated");
    if (!modified) modified = now;
    json_t *md = json_pack("{s:o, s:s, s:o, s:s}", "title",
                           json_sprintf("情報セキュリティ監査実施計画書: %s", title ? title : aid),
                           "last-modified", modified, "version",
                           json_sprintf("%lld", (long long)ver), "oscal-version", OSCAL_VERSION);
    json_t *props = json_array();
    prop(props, "assessment-id", aid);
    prop(props, "subject", ism_json_getstr(assessment, "subject"));
    prop(props, "plan-state", ism_json_getstr(plan_row, "state"));
    prop(props, "tool", "ismap-assess " ISM_VERSION);
    json_object_set_new(md, "props", props);
    json_t *names = plan_names(plan);
    people(md, aid, names, ism_json_getstr(plan_row, "approved_by"));
    json_decref(names);

    /* 監査項目: every requirement of the chosen frameworks, as the catalog export names it. */
    const json_t *fws = json_object_get(plan, "frameworks");
    if (!json_array_size(fws)) fws = json_object_get(assessment, "frameworks");
    json_t *ctl = json_array(), *seen = json_object();
    size_t i, k;
    json_t *f, *r;
    json_array_foreach(fws, i, f)
    {
        ism_error e = {0};
        json_t *reqs = ism_matrix_requirements(catalogs, json_string_value(f), &e);
        ism_error_clear(&e);
        json_array_foreach(reqs, k, r)
        {
            char *t = token(ism_json_getstr(r, "catalog"), ism_json_getstr(r, "item"));
            if (!json_object_get(seen, t)) {
                json_object_set_new(seen, t, json_true());
                json_array_append_new(ctl, json_pack("{s:s}", "control-id", t));
            }
            free(t);
        }
        json_decref(reqs);
    }
    json_decref(seen);
    json_t *sel = json_array_size(ctl) ? json_pack("{s:o}", "include-controls", ctl)
                                       : (json_decref(ctl), json_pack("{s:{}}", "include-all"));

    /* 目的 … 適用基準 as the terms and conditions. */
    json_t *parts = json_array();
    static const char *const fields[][2] = {{"purpose", "監査目的"}, {"theme", "監査テーマ"},
                                            {"scope", "監査範囲"},   {"auditee", "被監査部門"},
                                            {"method", "監査方法"},  {"items_note", "監査項目"}};
    const json_t *meta = json_object_get(assessment, "meta");
    for (size_t n = 0; n < sizeof fields / sizeof *fields; n++) {
        const char *v = ism_json_getstr(plan, fields[n][0]);
        if (!v) v = ism_json_getstr(meta, fields[n][0]);
        json_t *pv = ostr(v);
        if (pv)
            json_array_append_new(
                parts, json_pack("{s:o, s:s, s:s, s:o}", "uuid", uuid_of("part", aid, fields[n][0]),
                                 "name", fields[n][0], "title", fields[n][1], "prose", pv));
    }
    json_t *std = json_array();
    json_array_foreach(json_object_get(plan, "standards"), i, f)
    {
        json_t *s = ostr(json_string_value(f));
        if (s)
            json_array_append_new(std, json_pack("{s:o, s:s, s:o}", "uuid",
                                                 uuid_of("standard", aid, json_string_value(s)),
                                                 "name", "standard", "prose", s));
    }
    if (json_array_size(std))
        json_array_append_new(parts, json_pack("{s:o, s:s, s:s, s:o}", "uuid",
                                               uuid_of("part", aid, "standards"), "name",
                                               "standards", "title", "適用基準", "parts", std));
    else
        json_decref(std);

    /* 日程 as tasks. */
    json_t *tasks = json_array();
    json_array_foreach(json_object_get(plan, "schedule"), i, f)
    {
        json_t *t =
            json_pack("{s:o, s:s, s:o}", "uuid", uuid_of("task", aid, ism_json_getstr(f, "phase")),
                      "type", "milestone", "title", ostr(ism_json_getstr(f, "phase")));
        json_t *s = when(ism_json_getstr(f, "from"), false),
               *e = when(ism_json_getstr(f, "to"), true);
        if (s && e)
            json_object_set_new(
                t, "timing",
                json_pack("{s:{s:o, s:o}}", "within-date-range", "start", s, "end", e));
        else if (s || e)
            json_object_set_new(t, "timing", json_pack("{s:{s:o}}", "on-date", "date", s ? s : e));
        if (s && !e) json_decref(e);
        if (e && !s) json_decref(s);
        json_t *note = ostr(ism_json_getstr(f, "note"));
        if (note) json_object_set_new(t, "description", note);
        json_array_append_new(tasks, t);
    }

    json_t *ssp = uuid_of("system", aid, NULL);
    json_t *root = json_pack(
        "{s:o, s:o, s:{s:o, s:s}, s:{s:s, s:[o]}, s:{s:[{s:s, s:o, s:s}]}}", "uuid",
        uuid_of("assessment-plan", aid, json_string_value(json_object_get(plan_row, "updated"))),
        "metadata", md, "import-ssp", "href", json_sprintf("#%s", json_string_value(ssp)),
        "remarks", "The system is the assessment's subject, described in the back-matter resource.",
        "reviewed-controls", "description", "監査項目: 計画で選んだフレームワークの要求事項",
        "control-selections", sel, "back-matter", "resources", "uuid", json_string_value(ssp),
        "title",
        json_sprintf("監査対象: %s", ism_json_getstr(assessment, "subject")
                                         ? ism_json_getstr(assessment, "subject")
                                         : aid),
        "description",
        "ismap-assess keeps no OSCAL system security plan; this resource names the assessment's "
        "subject, which stands in for it.");
    json_decref(ssp);
    if (json_array_size(parts))
        json_object_set_new(root, "terms-and-conditions", json_pack("{s:o}", "parts", parts));
    else
        json_decref(parts);
    if (json_array_size(tasks))
        json_object_set_new(root, "tasks", tasks);
    else
        json_decref(tasks);
    return json_pack("{s:o}", "assessment-plan", root);
}

json_t *ism_report_engagement_oscal(const ism_report_engagement *in, const char *now,
                                    ism_error *err)
{
    ism_report_input ri = {.matrix = in->matrix,
                           .findings = in->findings,
                           .judgments = in->judgments,
                           .assessment = in->assessment,
                           .catalogs = in->catalogs,
                           .generated = in->issued ? in->issued : now};
    json_t *doc = ism_report_oscal(&ri, err);
    if (!doc) return NULL;
    json_t *sum = ism_report_engagement_summary(in, err);
    if (!sum) {
        json_decref(doc);
        return NULL;
    }
    json_t *ar = json_object_get(doc, "assessment-results");
    json_t *md = json_object_get(ar, "metadata");
    const char *aid = ism_json_getstr(in->assessment, "id");
    people(md, aid ? aid : "", json_object_get(sum, "auditors"), NULL);
    json_t *props = json_object_get(md, "props");
    if (!json_is_array(props)) json_object_set_new(md, "props", props = json_array());
    prop(props, "report-state", in->issued ? "issued" : "draft");
    prop(props, "report-date", ism_json_getstr(in->draft, "report_date"));
    /* The auditor's 総括 and the 改善勧告 travel as the result's remarks. */
    json_t *res = json_array_get(json_object_get(ar, "results"), 0);
    const char *overall = ism_json_getstr(in->draft, "overall");
    const char *old = ism_json_getstr(res, "remarks");
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (old) fprintf(f, "%s\n\n", old);
    if (overall) fprintf(f, "総括: %s\n\n", overall);
    const json_t *recs = json_object_get(in->draft, "recommendations");
    if (!recs) recs = json_object_get(sum, "suggested_recommendations");
    size_t i;
    json_t *r;
    json_array_foreach(recs, i, r)
    {
        const char *p = ism_json_getstr(r, "priority");
        fprintf(f, "改善勧告（%s）%s: %s\n", p && !strcmp(p, "urgent") ? "緊急" : "一般",
                ism_json_getstr(r, "id") ? ism_json_getstr(r, "id") : "",
                ism_json_getstr(r, "text") ? ism_json_getstr(r, "text") : "");
    }
    fclose(f);
    json_t *rm = ostr(buf);
    if (rm && res)
        json_object_set_new(res, "remarks", rm);
    else
        json_decref(rm);
    free(buf);
    json_decref(sum);
    return doc;
}
