/* json.c — the JSON report: the matrix with every requirement's status, reasons and judgment,
 * the findings, the judgments and the assessment, in the shape docs/report-format.md fixes
 * (format "ismap-assess-report", version 1). Fields are always present (null when unknown), so
 * a consumer never has to guess whether a key was forgotten or empty. */
#include "ismap/report.h"

#include <string.h>

#define REPORT_FORMAT "ismap-assess-report"
#define REPORT_VERSION 1

static json_t *field(const json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return v ? json_deep_copy(v) : json_null();
}

static json_t *pick(const json_t *o, const char *const *keys, size_t n)
{
    json_t *out = json_object();
    for (size_t i = 0; i < n; i++)
        json_object_set_new(out, keys[i], field(o, keys[i]));
    return out;
}

static json_t *assessment_part(const ism_report_input *in)
{
    static const char *const keys[] = {"id",         "org",       "subject",   "name",
                                       "frameworks", "snapshots", "as_of",     "state",
                                       "meta",       "created",   "created_by"};
    if (in->assessment) return pick(in->assessment, keys, sizeof keys / sizeof *keys);
    /* Without the row, the matrix knows most of it. */
    json_t *a = json_object();
    const json_t *m = in->matrix;
    json_object_set_new(a, "id", field(m, "assessment"));
    for (size_t i = 1; i < sizeof keys / sizeof *keys; i++)
        json_object_set_new(a, keys[i], field(m, keys[i]));
    return a;
}

static const char *const finding_keys[] = {"check",  "severity",      "snapshot",    "account",
                                           "region", "resource_type", "resource_id", "arn",
                                           "status", "reason",        "waiver"};

static json_t *findings_part(const json_t *findings, json_t *tally)
{
    json_t *out = json_array();
    size_t i;
    json_t *f;
    json_array_foreach(findings, i, f)
    {
        json_array_append_new(out,
                              pick(f, finding_keys, sizeof finding_keys / sizeof *finding_keys));
        const char *st = ism_json_getstr(f, "status");
        json_t *n = st ? json_object_get(tally, st) : NULL;
        if (n) json_integer_set(n, json_integer_value(n) + 1);
    }
    return out;
}

static const char *const judgment_keys[] = {
    "id", "catalog", "item", "result", "examined", "findings", "improvement", "reason", "by", "at"};

/* The judgments as a list, ordered by catalog and item so the output does not depend on
 * the order of an object's keys. */
static json_t *judgments_part(const json_t *rows)
{
    json_t *out = json_array(), *seen = json_object();
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        const json_t *j = json_object_get(r, "judgment");
        char key[512];
        snprintf(key, sizeof key, "%s:%s", ism_json_getstr(r, "catalog"),
                 ism_json_getstr(r, "item"));
        if (!json_is_object(j) || json_object_get(seen, key)) continue;
        json_object_set_new(seen, key, json_true());
        json_array_append_new(out,
                              pick(j, judgment_keys, sizeof judgment_keys / sizeof *judgment_keys));
    }
    json_decref(seen);
    return out;
}

/* The view rows of ism_report_rows(), every field, in this order. */
static const char *const row_keys[] = {"framework",
                                       "catalog",
                                       "item",
                                       "parent",
                                       "class",
                                       "title",
                                       "text",
                                       "label",
                                       "area",
                                       "area_title",
                                       "section",
                                       "section_title",
                                       "must_meet",
                                       "mandatory",
                                       "no",
                                       "evidence_examples",
                                       "procedure",
                                       "status",
                                       "status_ja",
                                       "derived_status",
                                       "until",
                                       "rule",
                                       "reasons",
                                       "summary",
                                       "judgment",
                                       "waiver",
                                       "auto_findings",
                                       "auto_improvement"};

json_t *ism_report_requirements(const ism_report_input *in, ism_error *err)
{
    json_t *rows = ism_report_rows(in, err);
    if (!rows) return NULL;
    json_t *reqs = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
        json_array_append_new(reqs, pick(r, row_keys, sizeof row_keys / sizeof *row_keys));
    json_decref(rows);
    return reqs;
}

static json_t *summary_part(const ism_report_input *in, const json_t *rows, json_t *tally)
{
    json_int_t judged = 0, waived = 0;
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        judged += json_is_object(json_object_get(r, "judgment"));
        waived += json_is_object(json_object_get(r, "waiver"));
    }
    return json_pack("{s:o, s:o, s:I, s:O, s:I, s:I}", "counts", field(in->matrix, "counts"),
                     "counts_by_framework", field(in->matrix, "counts_by_framework"),
                     "requirements", (json_int_t)json_array_size(rows), "findings", tally, "judged",
                     judged, "waived", waived);
}

json_t *ism_report_json(const ism_report_input *in, ism_error *err)
{
    if (in && in->findings && !json_is_array(in->findings)) {
        ism_error_set(err, ISM_E_INVALID_PARAMS, "findings must be an array");
        return NULL;
    }
    json_t *reqs = ism_report_requirements(in, err);
    if (!reqs) return NULL;
    json_t *tally =
        json_pack("{s:i, s:i, s:i, s:i}", "pass", 0, "fail", 0, "error", 0, "not_assessed", 0);
    json_t *findings = findings_part(in->findings, tally);
    const char *gen = in->generated ? in->generated : ism_json_getstr(in->matrix, "generated");
    json_t *summary = summary_part(in, reqs, tally);
    json_t *judgments = judgments_part(reqs);
    json_t *out = json_pack(
        "{s:s, s:i, s:s, s:s?, s:s?, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "format", REPORT_FORMAT,
        "version", REPORT_VERSION, "tool", "ismap-assess " ISM_VERSION, "generated", gen, "today",
        ism_json_getstr(in->matrix, "today"), "assessment", assessment_part(in), "frameworks",
        field(in->matrix, "frameworks"), "summary", summary, "requirements", reqs, "findings",
        findings, "judgments", judgments, "provenance", field(in->matrix, "provenance"));
    json_decref(tally);
    return out;
}
