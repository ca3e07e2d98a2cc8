/* engagement_check.c — the shapes of the engagement's documents as callers write them: the
 * plan's fields, a working paper, the report's draft. Pure functions: each change is merged
 * into the stored value field by field, and anything unknown or of the wrong type is refused
 * with a message naming the field (and the list index). */
#include "ismap/matrix.h"

#include <string.h>

typedef enum { F_STR, F_DATE, F_STRS, F_TEXTS, F_OBJS, F_BOOL } ftype;

typedef struct field {
    const char *name;
    ftype type;
    const char *const *keys; /* F_OBJS: allowed keys; the first is required */
} field;

static bool is_date(const char *s)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-') return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) return false;
    return true;
}

static bool in_keys(const char *const *keys, const char *k)
{
    for (; *keys; keys++)
        if (!strcmp(*keys, k)) return true;
    return false;
}

static bool check_obj(const char *where, size_t idx, const json_t *o, const char *const *keys,
                      ism_error *err)
{
    if (!json_is_object(o))
        return ism_error_set(err, ISM_E_INVALID_PARAMS, "%s[%zu] must be an object", where, idx);
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v)
    {
        if (!in_keys(keys, k)) {
            char allowed[512] = "";
            for (const char *const *p = keys; *p; p++) {
                if (*allowed) strncat(allowed, ", ", sizeof allowed - strlen(allowed) - 1);
                strncat(allowed, *p, sizeof allowed - strlen(allowed) - 1);
            }
            return ism_error_set(err, ISM_E_INVALID_PARAMS,
                                 "%s[%zu] has an unknown field '%s' (known: %s)", where, idx, k,
                                 allowed);
        }
        bool list = !strcmp(k, "checks");
        bool ok = !strcmp(k, "internal") ? json_is_boolean(v)
                  : list                 ? json_is_array(v)
                                         : json_is_string(v) || json_is_null(v);
        if (!ok)
            return ism_error_set(err, ISM_E_INVALID_PARAMS, "%s[%zu].%s must be a %s", where, idx,
                                 k,
                                 !strcmp(k, "internal") ? "boolean"
                                 : list                 ? "list"
                                                        : "string");
        if ((!strcmp(k, "date") || !strcmp(k, "from") || !strcmp(k, "to") || !strcmp(k, "due")) &&
            json_is_string(v) && !is_date(json_string_value(v)))
            return ism_error_set(err, ISM_E_INVALID_PARAMS,
                                 "%s[%zu].%s must be a date YYYY-MM-DD, not '%s'", where, idx, k,
                                 json_string_value(v));
    }
    const char *req = ism_json_getstr(o, keys[0]);
    if (!req || !*req)
        return ism_error_set(err, ISM_E_INVALID_PARAMS, "%s[%zu] needs '%s'", where, idx, keys[0]);
    return true;
}

static const char *const text_keys[] = {"text", "internal", NULL};

static bool check_value(const field *f, const json_t *v, ism_error *err)
{
    size_t i;
    json_t *e;
    switch (f->type) {
    case F_STR:
        if (json_is_string(v)) return true;
        return ism_error_set(err, ISM_E_INVALID_PARAMS, "field '%s' must be a string", f->name);
    case F_BOOL:
        if (json_is_boolean(v)) return true;
        return ism_error_set(err, ISM_E_INVALID_PARAMS, "field '%s' must be true or false",
                             f->name);
    case F_DATE:
        if (json_is_string(v) && is_date(json_string_value(v))) return true;
        return ism_error_set(err, ISM_E_INVALID_PARAMS, "field '%s' must be a date YYYY-MM-DD",
                             f->name);
    case F_STRS:
        if (!json_is_array(v))
            return ism_error_set(err, ISM_E_INVALID_PARAMS, "field '%s' must be a list of strings",
                                 f->name);
        json_array_foreach(v, i, e) if (!json_is_string(e)) return ism_error_set(
            err, ISM_E_INVALID_PARAMS, "%s[%zu] must be a string", f->name, i);
        return true;
    case F_TEXTS: /* strings, or {text, internal} */
        if (!json_is_array(v))
            return ism_error_set(err, ISM_E_INVALID_PARAMS,
                                 "field '%s' must be a list of texts (strings or {text, internal})",
                                 f->name);
        json_array_foreach(v, i, e)
        {
            if (json_is_string(e)) continue;
            if (!check_obj(f->name, i, e, text_keys, err)) return false;
        }
        return true;
    case F_OBJS:
        if (!json_is_array(v))
            return ism_error_set(err, ISM_E_INVALID_PARAMS, "field '%s' must be a list of objects",
                                 f->name);
        json_array_foreach(v, i, e) if (!check_obj(f->name, i, e, f->keys, err)) return false;
        return true;
    }
    return false;
}

/* Merges patch into a copy of base by the field table: a null value removes the field. */
static json_t *merge(const field *fields, size_t n, const json_t *base, const json_t *patch,
                     const char *what, ism_error *err)
{
    if (!json_is_object(patch)) {
        ism_error_set(err, ISM_E_INVALID_PARAMS, "the %s must be an object", what);
        return NULL;
    }
    json_t *out = json_is_object(base) ? json_deep_copy(base) : json_object();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)patch, k, v)
    {
        const field *f = NULL;
        for (size_t i = 0; i < n && !f; i++)
            if (!strcmp(fields[i].name, k)) f = &fields[i];
        if (!f) {
            char known[1024] = "";
            for (size_t i = 0; i < n; i++) {
                if (*known) strncat(known, ", ", sizeof known - strlen(known) - 1);
                strncat(known, fields[i].name, sizeof known - strlen(known) - 1);
            }
            ism_error_set(err, ISM_E_INVALID_PARAMS, "the %s has no field '%s' (fields: %s)", what,
                          k, known);
            json_decref(out);
            return NULL;
        }
        if (json_is_null(v)) {
            json_object_del(out, k);
            continue;
        }
        if (!check_value(f, v, err)) {
            json_decref(out);
            return NULL;
        }
        json_object_set(out, k, v);
    }
    return out;
}

/* ---- the plan (監査実施計画書; the guideline's 図表 2.6) ---------------------------------------
 */
static const char *const schedule_keys[] = {"phase", "from", "to", "note", NULL};
static const char *const team_keys[] = {"name", "role", "organization", NULL};
static const field plan_fields[] = {
    {"title", F_STR, NULL},
    {"purpose", F_STR, NULL},
    {"theme", F_STR, NULL},
    {"scope", F_STR, NULL},
    {"auditee", F_STR, NULL},
    {"method", F_STR, NULL},
    {"schedule", F_OBJS, schedule_keys},
    {"team", F_OBJS, team_keys},
    {"frameworks", F_STRS, NULL},
    {"items_note", F_STR, NULL},
    {"standards", F_STRS, NULL},
    {"notes", F_TEXTS, NULL},
};

json_t *ism_plan_merge(const json_t *base, const json_t *patch, ism_error *err)
{
    return merge(plan_fields, sizeof plan_fields / sizeof *plan_fields, base, patch, "plan", err);
}

/* ---- the report's draft ------------------------------------------------------------------------
 */
static const char *const rec_keys[] = {"text",     "id",     "priority", "catalog", "item",
                                       "internal", "checks", "source",   NULL};
static const field draft_fields[] = {
    {"title", F_STR, NULL},
    {"addressee", F_STR, NULL},
    {"report_date", F_DATE, NULL},
    {"auditors", F_STRS, NULL},
    {"overall", F_STR, NULL},
    {"commendable", F_TEXTS, NULL},
    {"recommendations", F_OBJS, rec_keys},
    {"special_notes", F_TEXTS, NULL},
    {"redact_terms", F_STRS, NULL},
};

json_t *ism_report_draft_merge(const json_t *base, const json_t *patch, ism_error *err)
{
    json_t *out = merge(draft_fields, sizeof draft_fields / sizeof *draft_fields, base, patch,
                        "report draft", err);
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(out, "recommendations"), i, r)
    {
        const char *p = ism_json_getstr(r, "priority");
        if (p && strcmp(p, "urgent") && strcmp(p, "general")) {
            ism_error_set(err, ISM_E_INVALID_PARAMS,
                          "recommendations[%zu].priority must be urgent (緊急改善事項) or general "
                          "(一般的改善事項), not '%s'",
                          i, p);
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

/* ---- a working paper (監査調書)
 * ------------------------------------------------------------------ */
static const char *const interview_keys[] = {"interviewee", "role", "date", "summary", NULL};
static const field paper_fields[] = {
    {"procedures", F_STR, NULL}, {"interviews", F_OBJS, interview_keys},
    {"conclusion", F_STR, NULL}, {"result", F_STR, NULL},
    {"date", F_DATE, NULL},      {"internal", F_BOOL, NULL},
};

json_t *ism_workpaper_merge(const json_t *base, const json_t *patch, ism_error *err)
{
    json_t *out = merge(paper_fields, sizeof paper_fields / sizeof *paper_fields, base, patch,
                        "working paper", err);
    const char *r = ism_json_getstr(out, "result");
    ism_req_status s;
    if (out && r &&
        (!ism_req_status_parse(r, &s) ||
         (s != ISM_REQ_SATISFIED && s != ISM_REQ_PARTIAL && s != ISM_REQ_NOT_SATISFIED &&
          s != ISM_REQ_NOT_APPLICABLE))) {
        ism_error_set(err, ISM_E_INVALID_PARAMS,
                      "field 'result' must be satisfied, partial, not_satisfied or "
                      "not_applicable, not '%s'",
                      r);
        json_decref(out);
        return NULL;
    }
    return out;
}
