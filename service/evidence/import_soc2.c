/* import_soc2.c — a SOC 2 report as evidence: its metadata (service organization, auditor,
 * Type I or II, period, opinion, subservice organizations, complementary user entity controls,
 * bridge letter) and its section-4 test table (criterion, control, test, result), from the
 * documented JSON or CSV/XLSX template (docs/evidence-formats.md). The rules that decide what
 * the report may support are applied here as warnings and again, on the day asked, by
 * ism_evidence_support. */
#include "import_int.h"

#include <stdlib.h>
#include <string.h>

/* ---- the template ---------------------------------------------------------------------------- */

static const char *const k_org[] = {"service_organization", "service organization", "受託会社",
                                    "サービス組織", NULL};
static const char *const k_system[] = {"system", "システム", "対象システム", NULL};
static const char *const k_auditor[] = {"service_auditor", "service auditor", "受託会社監査人",
                                        "監査人", NULL};
static const char *const k_type[] = {"report_type", "type", "報告書の種類", "種類", NULL};
static const char *const k_start[] = {"period_start", "対象期間開始日", "期間開始日", NULL};
static const char *const k_end[] = {"period_end", "as_of",  "対象期間終了日",
                                    "期間終了日", "基準日", NULL};
static const char *const k_opinion[] = {"opinion", "意見", "監査意見", NULL};
static const char *const k_note[] = {"opinion_note", "意見の根拠", "除外事項", NULL};
static const char *const k_bridge[] = {"bridge_letter_date", "bridge letter", "ブリッジレター",
                                       "ブリッジレター日付", NULL};
static const char *const k_sub[] = {"subservice_organization", "subservice organization",
                                    "再受託会社", NULL};
static const char *const k_cuec[] = {"cuec", "complementary user entity control",
                                     "補完的利用者統制", "利用者統制", NULL};
static const char *const k_format[] = {"format", NULL};

static const ism_imp_kvspec kv_specs[] = {
    {"service_organization", k_org, false, false},
    {"system", k_system, false, false},
    {"service_auditor", k_auditor, false, false},
    {"report_type", k_type, false, false},
    {"period_start", k_start, false, true},
    {"period_end", k_end, false, true},
    {"opinion", k_opinion, false, false},
    {"opinion_note", k_note, false, false},
    {"bridge_letter_date", k_bridge, false, true},
    {"subservice", k_sub, true, false},
    {"cuec", k_cuec, true, false},
    {"format", k_format, false, false},
};
#define NKV (int)(sizeof kv_specs / sizeof kv_specs[0])

enum { TF_CRITERION, TF_CONTROL_ID, TF_CONTROL, TF_TEST, TF_RESULT, TF_COUNT };
static const char *const t_crit[] = {"criterion", "criteria", "TSC", "規準", "評価規準", NULL};
static const char *const t_cid[] = {"control_id", "control id", "control no",
                                    "統制番号",   "統制ID",     NULL};
static const char *const t_ctl[] = {"control", "control description", "統制の記述", "統制内容",
                                    NULL};
static const char *const t_test[] = {
    "test", "test performed", "tests performed", "実施した検証手続", "検証手続", "運用評価手続",
    NULL};
static const char *const t_res[] = {"result", "results", "test results", "検証結果", "結果", NULL};
static const ism_imp_colspec t_specs[TF_COUNT] = {
    {"criterion", t_crit, true}, {"control_id", t_cid, false}, {"control", t_ctl, false},
    {"test", t_test, false},     {"result", t_res, true},
};

/* ---- reading: both forms into one document --------------------------------------------------- */

/* Splits s at ";" or "；" into at most n trimmed parts (missing ones are ""). */
static void split3(const char *s, char *parts[3])
{
    const char *p = s;
    for (int i = 0; i < 3; i++) {
        const char *a = strchr(p, ';'), *b = strstr(p, "\xEF\xBC\x9B"); /* ； */
        const char *end = a && (!b || a < b) ? a : b;
        size_t skip = end == a ? 1 : 3;
        if (i == 2 || !end) end = p + strlen(p), skip = 0;
        char *part = strndup(p, (size_t)(end - p));
        parts[i] = ism_imp_trim(part);
        free(part);
        p = *end ? end + skip : end;
    }
}

/* "name; services; carve-out" → {name, services, method}. */
static json_t *split_sub(const char *s)
{
    char *f[3];
    split3(s, f);
    json_t *o = json_pack("{s:s, s:s, s:s}", "name", f[0], "services", f[1], "method", f[2]);
    free(f[0]), free(f[1]), free(f[2]);
    return o;
}

/* "CUEC-1; description; CC6.1 CC6.2" → {id, description, criteria: [...]}. */
static json_t *split_cuec(const char *s)
{
    char *f[3], *save = NULL;
    split3(s, f);
    json_t *crit = json_array();
    for (char *t = strtok_r(f[2], " ,", &save); t; t = strtok_r(NULL, " ,", &save))
        json_array_append_new(crit, json_string(t));
    json_t *o = json_pack("{s:s, s:s, s:o}", "id", f[0], "description", f[1], "criteria", crit);
    free(f[0]), free(f[1]), free(f[2]);
    return o;
}

static void read_tests(ism_imp_log *lg, const ism_workbook *wb, uint32_t *stops, json_t *tests)
{
    bool found = false;
    for (size_t s = 0; s < wb->nsheets; s++) {
        const ism_sheet *sh = &wb->sheets[s];
        ism_imp_header h;
        if (sh->state != ISM_SHEET_VISIBLE ||
            !ism_imp_find_header(sh, t_specs, TF_COUNT, 200, &h) || h.missing_required)
            continue;
        found = true;
        stops[s] = h.row;
        for (size_t i = 0; i < sh->nrows; i++) {
            const ism_row *row = &sh->rows[i];
            if (row->num <= h.row || ism_imp_repeats_header(sh, row, t_specs, TF_COUNT, &h))
                continue;
            json_t *t = json_object();
            bool any = false;
            for (int k = 0; k < TF_COUNT; k++) {
                char *v = ism_imp_trim(
                    ism_imp_cell(lg, sh, row->num, h.col[k], t_specs[k].aliases[0], true));
                any = any || *v;
                json_object_set_new(t, t_specs[k].key, json_string(v));
                free(v);
            }
            json_object_set_new(t, "where",
                                json_pack("{s:s, s:i, s:i, s:i}", "sheet", sh->name, "row",
                                          row->num, "criterion_col", h.col[TF_CRITERION],
                                          "result_col", h.col[TF_RESULT]));
            if (any)
                json_array_append_new(tests, t);
            else
                json_decref(t);
        }
    }
    if (!found)
        ism_imp_problem(
            lg, NULL, NULL,
            "no test table: a header row with 'criterion' and 'result' (規準, 検証結果) "
            "is needed");
}

/* A SOC 2 report tests hundreds of controls; a sheet of more rows is refused while it is read,
 * which bounds the memory one import takes. */
#define SOC2_MAX_ROWS 10000u

static json_t *read_table_doc(const ism_import_ctx *ctx, ism_imp_log *lg, json_t *where,
                              ism_error *err)
{
    ism_workbook *wb =
        ism_imp_read_table_max(ctx, SOC2_MAX_ROWS, "a SOC 2 report's test table", err);
    if (!wb) return NULL;
    uint32_t *stops = calloc(wb->nsheets + 1, sizeof *stops);
    json_t *doc = json_object(), *tests = json_array();
    read_tests(lg, wb, stops, tests);
    ism_imp_read_kv(lg, wb, kv_specs, NKV, stops, doc, where);
    json_t *subs = json_array(), *cuecs = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(doc, "subservice"), i, v)
        json_array_append_new(subs, split_sub(json_string_value(v)));
    json_array_foreach(json_object_get(doc, "cuec"), i, v)
        json_array_append_new(cuecs, split_cuec(json_string_value(v)));
    json_object_set_new(doc, "subservice", subs);
    json_object_set_new(doc, "cuec", cuecs);
    json_object_set_new(doc, "tests", tests);
    /* Sheet names in `where` are copies, so the workbook can go. */
    free(stops);
    ism_workbook_free(wb);
    return doc;
}

static void copy_str(json_t *doc, const char *key, json_t *v, ism_imp_log *lg)
{
    if (!v || json_is_null(v)) return;
    if (!json_is_string(v)) {
        ism_imp_where w = {NULL, 0, 0, key};
        ism_imp_problem(lg, &w, NULL, "'%s' must be a string", key);
        return;
    }
    json_object_set(doc, key, v);
}

static json_t *read_json_doc(const ism_import_ctx *ctx, ism_imp_log *lg, ism_error *err)
{
    json_t *j = ism_imp_read_json(ctx, err);
    if (!j) return NULL;
    static const char *const known[] = {"format",
                                        "service_organization",
                                        "system",
                                        "service_auditor",
                                        "report_type",
                                        "period",
                                        "opinion",
                                        "opinion_note",
                                        "bridge_letter",
                                        "categories",
                                        "subservice_organizations",
                                        "cuecs",
                                        "tests",
                                        NULL};
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v)
    {
        int i = 0;
        while (known[i] && strcmp(known[i], key))
            i++;
        ism_imp_where w = {NULL, 0, 0, key};
        if (!known[i]) ism_imp_problem(lg, &w, NULL, "unknown field '%s'", key);
    }
    json_t *doc = json_object();
    static const char *const plain[] = {
        "format",  "service_organization", "system", "service_auditor", "report_type",
        "opinion", "opinion_note",         NULL};
    for (int i = 0; plain[i]; i++)
        copy_str(doc, plain[i], json_object_get(j, plain[i]), lg);
    json_t *period = json_object_get(j, "period");
    copy_str(doc, "period_start", json_object_get(period, "start"), lg);
    copy_str(doc, "period_end", json_object_get(period, "end"), lg);
    copy_str(doc, "period_end", json_object_get(period, "as_of"), lg);
    copy_str(doc, "bridge_letter_date",
             json_object_get(json_object_get(j, "bridge_letter"), "date"), lg);
    json_t *subs = json_object_get(j, "subservice_organizations");
    json_object_set_new(doc, "subservice", json_is_array(subs) ? json_incref(subs) : json_array());
    json_t *cuecs = json_object_get(j, "cuecs");
    json_object_set_new(doc, "cuec", json_is_array(cuecs) ? json_incref(cuecs) : json_array());
    json_t *tests = json_object_get(j, "tests");
    if (!json_is_array(tests)) {
        ism_imp_where w = {NULL, 0, 0, "tests"};
        ism_imp_problem(lg, &w, NULL,
                        "'tests' must be an array of {criterion, control_id, "
                        "control, test, result}");
        tests = NULL;
    }
    json_t *ts = json_array();
    size_t i;
    json_array_foreach(tests, i, v)
    {
        json_t *t = json_is_object(v) ? json_deep_copy(v) : json_object();
        json_object_set_new(t, "where", json_pack("{s:i}", "index", (int)i));
        json_array_append_new(ts, t);
    }
    json_object_set_new(doc, "tests", ts);
    json_decref(j);
    return doc;
}

/* ---- validation ---------------------------------------------------------------------------------
 */

typedef struct sctx {
    const ism_import_ctx *ctx;
    ism_imp_log *lg;
    json_t *doc, *where;
    char today[11];
    json_t *known; /* criterion id → true/false: the catalog asked once per id, not per test */
} sctx;

static ism_imp_where field_where(sctx *x, const char *key)
{
    return ism_imp_kv_where(x->where, key, 0);
}

static const char *need(sctx *x, const char *key, const char *what)
{
    const char *v = ism_json_getstr(x->doc, key);
    if (v && *v) return v;
    ism_imp_where w = field_where(x, key);
    ism_imp_problem(x->lg, &w, NULL, "%s ('%s') is required", what, key);
    return NULL;
}

static const char *norm_type(const char *s)
{
    char *k = ism_imp_key(s);
    const char *out = NULL;
    if (!strcmp(k, "typeii") || !strcmp(k, "type2") || !strcmp(k, "ii") || !strcmp(k, "2") ||
        !strcmp(k, "タイプii") || !strcmp(k, "タイプ2") || !strcmp(k, "typeⅱ"))
        out = "Type II";
    else if (!strcmp(k, "typei") || !strcmp(k, "type1") || !strcmp(k, "i") || !strcmp(k, "1") ||
             !strcmp(k, "タイプi") || !strcmp(k, "タイプ1") || !strcmp(k, "typeⅰ"))
        out = "Type I";
    free(k);
    return out;
}

static const char *norm_opinion(const char *s)
{
    static const ism_imp_alias map[] = {{"unqualified", "unqualified"},
                                        {"unmodified", "unqualified"},
                                        {"無限定", "unqualified"},
                                        {"無限定適正", "unqualified"},
                                        {"無限定適正意見", "unqualified"},
                                        {"qualified", "qualified"},
                                        {"限定付", "qualified"},
                                        {"限定付適正", "qualified"},
                                        {"限定付適正意見", "qualified"},
                                        {"adverse", "adverse"},
                                        {"不適正", "adverse"},
                                        {"不適正意見", "adverse"},
                                        {"disclaimer", "disclaimer"},
                                        {"disclaimerofopinion", "disclaimer"},
                                        {"意見不表明", "disclaimer"}};
    return ism_imp_alias_lookup(s, map, sizeof map / sizeof map[0]);
}

static const char *norm_method(const char *s)
{
    char *k = ism_imp_key(s);
    const char *out = NULL;
    if (!strcmp(k, "carve-out") || !strcmp(k, "carveout") || !strcmp(k, "除外方式"))
        out = "carve-out";
    else if (!strcmp(k, "inclusive") || !strcmp(k, "一体方式") || !strcmp(k, "包含方式"))
        out = "inclusive";
    free(k);
    return out;
}

/* Whether a test result says there were no exceptions. The phrase must be the whole result
 * (trailing full stop aside): anything longer is read as an exception description. */
static bool no_exceptions(const char *s)
{
    static const char *const ok[] = {"noexceptionsnoted",
                                     "noexceptionnoted",
                                     "noexceptions",
                                     "noexception",
                                     "例外事項なし",
                                     "例外なし",
                                     "逸脱なし",
                                     "逸脱事項なし",
                                     "例外事項は識別されなかった",
                                     NULL};
    char *k = ism_imp_key(s);
    size_t n = strlen(k);
    if (n && k[n - 1] == '.') k[--n] = '\0';
    if (n >= 3 && !strcmp(k + n - 3, "。")) k[n - 3] = '\0';
    bool hit = false;
    for (int i = 0; ok[i] && !hit; i++)
        hit = !strcmp(k, ok[i]);
    free(k);
    return hit;
}

static bool date_field(sctx *x, const char *key, char out[11])
{
    const char *v = ism_json_getstr(x->doc, key);
    if (!v || !*v) return false;
    ism_imp_where w = field_where(x, key);
    return ism_imp_text_date(x->lg, &w, v, out);
}

static bool is_criterion(sctx *x, const char *id)
{
    json_t *seen = x->known ? json_object_get(x->known, id) : NULL;
    if (seen) return json_is_true(seen);
    json_t *it = ism_catalog_item(x->ctx->catalogs, "soc2-tsc", id, NULL);
    const char *c = ism_json_getstr(it, "class");
    bool ok = c && (!strcmp(c, "criterion") || !strcmp(c, "additional-criterion"));
    json_decref(it);
    if (x->known) json_object_set_new(x->known, id, json_boolean(ok));
    return ok;
}

static ism_imp_where test_where(const json_t *t, const char *field, char *path, size_t n)
{
    json_t *w = json_object_get(t, "where");
    if (json_object_get(w, "index")) {
        snprintf(path, n, "tests[%lld].%s",
                 (long long)json_integer_value(json_object_get(w, "index")), field);
        return (ism_imp_where){NULL, 0, 0, path};
    }
    bool res = !strcmp(field, "result");
    return (ism_imp_where){
        ism_json_getstr(w, "sheet"), (uint32_t)json_integer_value(json_object_get(w, "row")),
        (uint32_t)json_integer_value(json_object_get(w, res ? "result_col" : "criterion_col")),
        field};
}

/* Each test: a known criterion and a result; per criterion the tests and the exceptions. */
static json_t *check_tests(sctx *x)
{
    json_t *criteria = json_object();
    size_t i;
    json_t *t;
    char path[64];
    json_array_foreach(json_object_get(x->doc, "tests"), i, t)
    {
        const char *crit = ism_json_getstr(t, "criterion"), *res = ism_json_getstr(t, "result");
        char *c = ism_imp_key(crit ? crit : "");
        for (char *p = c; *p; p++)
            if (*p >= 'a' && *p <= 'z') *p = (char)(*p - 'a' + 'A');
        ism_imp_where w = test_where(t, "criterion", path, sizeof path);
        if (!*c) {
            ism_imp_problem(x->lg, &w, NULL, "the criterion is empty");
        } else if (!is_criterion(x, c)) {
            ism_imp_problem(x->lg, &w, crit,
                            "'%s' is not a Trust Services Criterion (CC1.1…CC9.2, A1.1…A1.3, "
                            "C1.1, C1.2, PI1.1…PI1.5, P1.1…P8.1)",
                            crit);
        }
        if (!res || ism_imp_blank(res)) {
            w = test_where(t, "result", path, sizeof path);
            ism_imp_problem(x->lg, &w, NULL,
                            "the result is empty: write 'No exceptions noted.' or the exception");
        }
        if (*c && res) {
            json_t *e = json_object_get(criteria, c);
            if (!e)
                json_object_set_new(criteria, c,
                                    e = json_pack("{s:i, s:[]}", "tests", 0, "exceptions"));
            json_object_set_new(e, "tests",
                                json_integer(json_integer_value(json_object_get(e, "tests")) + 1));
            if (!no_exceptions(res))
                json_array_append_new(json_object_get(e, "exceptions"),
                                      json_pack("{s:s?, s:s}", "control_id",
                                                ism_json_getstr(t, "control_id"), "exception",
                                                res));
            json_object_set_new(t, "criterion", json_string(c));
            json_object_set_new(t, "exception", json_boolean(!no_exceptions(res)));
        }
        free(c);
    }
    if (!json_array_size(json_object_get(x->doc, "tests")))
        ism_imp_problem(x->lg, NULL, NULL, "the report has no test results");
    const char *k;
    json_object_foreach(criteria, k, t) json_object_set_new(
        t, "result",
        json_string(json_array_size(json_object_get(t, "exceptions")) ? "exceptions"
                                                                      : "no_exceptions"));
    return criteria;
}

static json_t *check_subs(sctx *x)
{
    json_t *out = json_array();
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(x->doc, "subservice"), i, s)
    {
        ism_imp_where w = ism_imp_kv_where(x->where, "subservice", i);
        const char *name = ism_json_getstr(s, "name"),
                   *m = norm_method(ism_json_getstr(s, "method"));
        if (!name || !*name || !m) {
            ism_imp_problem(x->lg, &w, ism_json_getstr(s, "method"),
                            "a subservice organization needs a name and the method: carve-out "
                            "(除外方式) or inclusive (一体方式)");
            continue;
        }
        json_array_append_new(out, json_pack("{s:s, s:s?, s:s}", "name", name, "services",
                                             ism_json_getstr(s, "services"), "method", m));
        if (!strcmp(m, "carve-out"))
            ism_imp_warn(x->lg, &w, name, "carve_out",
                         "%s is carved out: its controls are not covered by this report; ask "
                         "for its own report",
                         name);
    }
    return out;
}

static json_t *check_cuecs(sctx *x)
{
    json_t *out = json_array();
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(x->doc, "cuec"), i, c)
    {
        ism_imp_where w = ism_imp_kv_where(x->where, "cuec", i);
        const char *d = ism_json_getstr(c, "description");
        if (!d || !*d) {
            ism_imp_problem(x->lg, &w, ism_json_getstr(c, "id"),
                            "a complementary user entity control needs a description");
            continue;
        }
        json_t *crit = json_object_get(c, "criteria");
        size_t j;
        json_t *v;
        json_array_foreach(crit, j,
                           v) if (!json_is_string(v) || !is_criterion(x, json_string_value(v)))
            ism_imp_problem(x->lg, &w, json_string_value(v), "unknown criterion in a CUEC");
        json_array_append_new(
            out, json_pack("{s:s?, s:s, s:o}", "id", ism_json_getstr(c, "id"), "description", d,
                           "criteria", json_is_array(crit) ? json_incref(crit) : json_array()));
    }
    return out;
}

/* Dates: the period, the bridge letter, and how long the report stays current. */
static bool check_period(sctx *x, const char *type, char start[11], char end[11], char bridge[11],
                         char until[11])
{
    bool have_start = date_field(x, "period_start", start),
         have_end = date_field(x, "period_end", end);
    bool have_bridge = date_field(x, "bridge_letter_date", bridge);
    if (!have_end && !ism_json_getstr(x->doc, "period_end")) {
        ism_imp_where w = field_where(x, "period_end");
        ism_imp_problem(x->lg, &w, NULL, "the period end (Type I: the as-of date) is required");
        return false;
    }
    if (type && !strcmp(type, "Type II") && !have_start &&
        !ism_json_getstr(x->doc, "period_start")) {
        ism_imp_where w = field_where(x, "period_start");
        ism_imp_problem(x->lg, &w, NULL, "a Type II report needs the start of its period");
    }
    /* A Type I report is as of one date, so a start equal to its end is that date; a Type II
     * report covers a period, which must have length. */
    bool type1 = type && !strcmp(type, "Type I");
    if (have_start && have_end && strcmp(start, end) > (type1 ? 0 : -1)) {
        ism_imp_where w = field_where(x, "period_start");
        if (type1)
            ism_imp_problem(x->lg, &w, start, "the period starts after it ends (%s)", end);
        else
            ism_imp_problem(x->lg, &w, start, "the period starts on or after it ends (%s)", end);
    }
    long a, b;
    if (have_start && have_end && ism_imp_days(start, &a) && ism_imp_days(end, &b) && b - a < 89 &&
        b > a) {
        ism_imp_where w = field_where(x, "period_start");
        ism_imp_warn(x->lg, &w, start, "short_period",
                     "the period is %ld days; a Type II period is normally 3 to 12 months",
                     b - a + 1);
    }
    if (have_bridge && have_end && strcmp(bridge, end) <= 0) {
        ism_imp_where w = field_where(x, "bridge_letter_date");
        ism_imp_problem(x->lg, &w, bridge,
                        "a bridge letter is dated after the period it bridges from");
    }
    if (!have_end) return false;
    char next[11], by_bridge[11] = "";
    ism_imp_add_days(end, 1, next);
    ism_imp_period_end(next, 12, until);
    if (have_bridge && strcmp(bridge, end) > 0) {
        ism_imp_add_days(bridge, 1, next);
        ism_imp_period_end(next, 3, by_bridge);
        if (strcmp(by_bridge, until) > 0) memcpy(until, by_bridge, 11);
    }
    if (strcmp(x->today, until) > 0) {
        ism_imp_where w = field_where(x, "period_end");
        ism_imp_warn(x->lg, &w, end, "stale",
                     "the period ended on %s, more than 12 months before %s, and no bridge letter "
                     "covers the gap: the report is stale",
                     end, x->today);
    }
    return true;
}

static json_t *validate(sctx *x, json_t *summary, char period_end[11], char until[11])
{
    const char *org = need(x, "service_organization", "the service organization");
    const char *auditor = need(x, "service_auditor", "the service auditor");
    const char *type_s = need(x, "report_type", "the report type (Type I or Type II)");
    const char *op_s = need(x, "opinion", "the opinion");
    const char *type = type_s ? norm_type(type_s) : NULL, *op = op_s ? norm_opinion(op_s) : NULL;
    if (type_s && !type) {
        ism_imp_where w = field_where(x, "report_type");
        ism_imp_problem(x->lg, &w, type_s, "the report type must be Type I or Type II");
    }
    if (op_s && !op) {
        ism_imp_where w = field_where(x, "opinion");
        ism_imp_problem(x->lg, &w, op_s,
                        "the opinion must be unqualified (無限定適正), qualified (限定付適正), "
                        "adverse (不適正) or disclaimer (意見不表明)");
    } else if (op && strcmp(op, "unqualified")) {
        ism_imp_where w = field_where(x, "opinion");
        ism_imp_warn(x->lg, &w, op_s, "opinion",
                     "the auditor's opinion is %s, not unqualified: read the basis for it "
                     "before relying on the report",
                     op);
    }
    if (type && !strcmp(type, "Type I")) {
        ism_imp_where w = field_where(x, "report_type");
        ism_imp_warn(x->lg, &w, type_s, "type_i",
                     "a Type I report describes the design of controls at one date and says "
                     "nothing about their operating effectiveness");
    }
    char start[11] = "", bridge[11] = "";
    check_period(x, type, start, period_end, bridge, until);
    json_t *criteria = check_tests(x), *subs = check_subs(x), *cuecs = check_cuecs(x);
    int exc = 0;
    const char *k;
    json_t *c;
    json_object_foreach(criteria, k, c) exc +=
        json_array_size(json_object_get(c, "exceptions")) > 0;
    json_object_set_new(summary, "criteria", json_integer((json_int_t)json_object_size(criteria)));
    json_object_set_new(summary, "criteria_with_exceptions", json_integer(exc));
    json_object_set_new(
        summary, "tests",
        json_integer((json_int_t)json_array_size(json_object_get(x->doc, "tests"))));
    json_object_set_new(summary, "report_type", type ? json_string(type) : json_null());
    json_object_set_new(summary, "opinion", op ? json_string(op) : json_null());
    json_object_set_new(summary, "period_end", *period_end ? json_string(period_end) : json_null());
    json_object_set_new(summary, "cuecs", json_integer((json_int_t)json_array_size(cuecs)));
    json_t *tests = json_array();
    size_t i;
    json_array_foreach(json_object_get(x->doc, "tests"), i, c)
    {
        json_t *t = json_deep_copy(c);
        json_object_del(t, "where");
        json_array_append_new(tests, t);
    }
    json_t *data = json_pack(
        "{s:s?, s:s?, s:s?, s:s?, s:{s:s?, s:s?}, s:s?, s:s?, s:s?, s:o, "
        "s:o, s:o, s:o}",
        "service_organization", org, "system", ism_json_getstr(x->doc, "system"), "service_auditor",
        auditor, "report_type", type, "period", "start", *start ? start : NULL, "end",
        *period_end ? period_end : NULL, "opinion", op, "opinion_note",
        ism_json_getstr(x->doc, "opinion_note"), "bridge_letter_date", *bridge ? bridge : NULL,
        "subservice_organizations", subs, "cuecs", cuecs, "criteria", criteria, "tests", tests);
    json_object_set_new(data, "current_until", *until ? json_string(until) : json_null());
    return data;
}

json_t *ism_import_soc2(const ism_import_ctx *ctx, ism_error *err)
{
    ism_imp_log lg;
    ism_imp_log_init(&lg, ctx->name);
    json_t *where = json_object(), *summary = json_object(), *data = NULL, *out = NULL;
    bool is_json = ism_imp_sniff(ctx->data, ctx->len) == ISM_IMP_JSON;
    json_t *doc = is_json ? read_json_doc(ctx, &lg, err) : read_table_doc(ctx, &lg, where, err);
    if (!doc) goto done;
    sctx x = {ctx, &lg, doc, where, "", json_object()};
    ism_imp_ctx_today(ctx, x.today);
    char end[11] = "", until[11] = "";
    data = validate(&x, summary, end, until);
    json_decref(x.known);
    if (ism_imp_failed(&lg, err)) goto done;
    json_object_set_new(data, "format", json_string(is_json ? "json" : "table"));
    char *title = ism_strdupf("SOC 2 %s report of %s (to %s)", ism_json_getstr(data, "report_type"),
                              ism_json_getstr(data, "service_organization"), end);
    ism_evidence_new ev = {.kind = "soc2",
                           .key = end,
                           .title = title,
                           .valid_from = ism_json_getstr(json_object_get(data, "period"), "start"),
                           .valid_until = *until ? until : NULL,
                           .data = data,
                           .summary = summary};
    out = ism_imp_store(ctx, &ev, &lg, err);
    free(title);
done:
    json_decref(doc);
    json_decref(where);
    json_decref(summary);
    json_decref(data);
    ism_imp_log_free(&lg);
    return out;
}
