/* run.c — runs checks over one snapshot. Each check's SQL is prepared once and stepped once;
 * its rows become findings unless the coverage says the check could not be judged in that
 * account/region, in which case one "not_assessed" finding stands for the whole scope. A
 * check that fails at run time becomes one "error" finding and the next check runs. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct run {
    const ism_eval_options *opt;
    sqlite3 *db;
    json_t *findings; /* NULL when a sink takes them */
    size_t max;
    bool truncated, stopped;
    long counts[ISM_EVAL_STATUS_COUNT];           /* this check */
    long totals[ISM_EVAL_STATUS_COUNT];           /* every check */
    long check_status[ISM_EVAL_STATUS_COUNT + 1]; /* + not_applicable */
} run;

/* A JSON string that survives bad UTF-8 in provider data (replaced by '?'). */
static json_t *jstr(const char *s)
{
    if (!s) return json_null();
    json_t *j = json_string(s);
    if (j) return j;
    char *copy = strdup(s);
    for (unsigned char *p = (unsigned char *)copy; *p; p++)
        if (*p >= 0x80) *p = '?';
    j = json_string(copy);
    free(copy);
    return j;
}

static void emit(run *r, const ism_eval_finding *f)
{
    r->counts[f->status]++;
    if (r->stopped || (r->opt->statuses && !(r->opt->statuses & (1u << f->status)))) return;
    if (r->opt->sink) {
        r->stopped = !r->opt->sink(r->opt->sink_ctx, f);
        return;
    }
    if (r->max && json_array_size(r->findings) >= r->max) {
        r->truncated = true;
        return;
    }
    json_t *o = json_object();
    json_object_set_new(o, "check", json_string(f->check));
    json_object_set_new(o, "severity", json_string(f->severity));
    json_object_set_new(o, "account", jstr(f->account));
    json_object_set_new(o, "region", jstr(f->region));
    json_object_set_new(o, "resource_type", jstr(f->resource_type));
    json_object_set_new(o, "resource_id", jstr(f->resource_id));
    json_object_set_new(o, "arn", jstr(f->arn));
    json_object_set_new(o, "status", json_string(ism_eval_status_name(f->status)));
    json_object_set_new(o, "reason", jstr(f->reason));
    json_array_append_new(r->findings, o);
}

static const char *col(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

/* Steps the check's rows. Returns false with *why set (malloc'd) when the SQL fails or a row
 * breaks the contract. */
static bool step_rows(run *r, const eval_check *c, sqlite3_stmt *st, const eval_gaps *gaps,
                      char **why)
{
    int rc = SQLITE_DONE;
    long n = 0;
    while (!r->stopped && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        n++;
        const char *account = col(st, 0), *region = col(st, 1), *status = col(st, 5);
        ism_eval_status s;
        if (!ism_eval_status_parse(status, &s) || s == ISM_EVAL_ERROR) {
            *why = ism_strdupf("row %ld has status '%s'; a check returns pass, fail or "
                               "not_assessed",
                               n, status ? status : "NULL");
            return false;
        }
        if (eval_gaps_find(gaps, account, region)) continue; /* judged by the gap instead */
        const char *reason = col(st, 6);
        ism_eval_finding f = {c->id,      c->severity, account,
                              region,     col(st, 2),  col(st, 3),
                              col(st, 4), s,           reason ? reason : ""};
        emit(r, &f);
    }
    if (r->stopped || rc == SQLITE_DONE) return true;
    *why = ism_strdupf("SQL failed at row %ld: %s", n + 1, sqlite3_errmsg(r->db));
    return false;
}

static void emit_gaps(run *r, const eval_check *c, const eval_gaps *gaps)
{
    for (size_t i = 0; i < gaps->n; i++) {
        const eval_gap *g = &gaps->v[i];
        if (g->kind != GAP_NOT_ASSESSED) continue;
        ism_eval_finding f = {c->id, c->severity,           g->account, g->region, NULL, NULL,
                              NULL,  ISM_EVAL_NOT_ASSESSED, g->reason};
        emit(r, &f);
    }
}

static const char *check_status(const long *counts, int *index)
{
    static const int order[] = {ISM_EVAL_ERROR, ISM_EVAL_FAIL, ISM_EVAL_NOT_ASSESSED,
                                ISM_EVAL_PASS};
    for (size_t i = 0; i < 4; i++)
        if (counts[order[i]]) {
            *index = order[i];
            return ism_eval_status_name((ism_eval_status)order[i]);
        }
    *index = ISM_EVAL_STATUS_COUNT;
    return "not_applicable";
}

/* Replaces whatever the failed check delivered (JSON mode) by one error finding. */
static void fail_check(run *r, const eval_check *c, size_t first, const char *why)
{
    if (r->findings && !r->opt->sink)
        while (json_array_size(r->findings) > first)
            json_array_remove(r->findings, json_array_size(r->findings) - 1);
    memset(r->counts, 0, sizeof r->counts);
    ism_eval_finding f = {c->id, c->severity, NULL, NULL, NULL, NULL, NULL, ISM_EVAL_ERROR, why};
    emit(r, &f);
}

static json_t *run_check(run *r, const eval_check *c, const eval_coverage *cov)
{
    int64_t t0 = ism_mono_ms();
    memset(r->counts, 0, sizeof r->counts);
    size_t first = r->findings ? json_array_size(r->findings) : 0;
    eval_gaps gaps = {0};
    eval_gaps_compute(cov, c, &gaps);
    sqlite3_stmt *st = NULL;
    char *why = NULL;
    if (sqlite3_prepare_v2(r->db, c->query, -1, &st, NULL) != SQLITE_OK)
        why = ism_strdupf("SQL does not prepare on this snapshot: %s", sqlite3_errmsg(r->db));
    else if (step_rows(r, c, st, &gaps, &why))
        emit_gaps(r, c, &gaps);
    sqlite3_finalize(st);
    if (why) fail_check(r, c, first, why);
    eval_gaps_free(&gaps);
    int idx;
    const char *status = check_status(r->counts, &idx);
    r->check_status[idx]++;
    json_t *counts = json_object();
    for (int i = 0; i < ISM_EVAL_STATUS_COUNT; i++) {
        json_object_set_new(counts, ism_eval_status_name((ism_eval_status)i),
                            json_integer(r->counts[i]));
        r->totals[i] += r->counts[i];
    }
    json_t *o = json_pack("{s:s, s:O, s:s, s:s, s:o, s:I}", "check", c->id, "title", c->title,
                          "severity", c->severity, "status", status, "counts", counts, "ms",
                          (json_int_t)(ism_mono_ms() - t0));
    if (why) json_object_set_new(o, "error", jstr(why));
    free(why);
    return o;
}

static const eval_check *find_check(const ism_eval_checks *cs, const char *id)
{
    size_t lo = 0, hi = cs->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(cs->checks[mid].id, id);
        if (!c) return &cs->checks[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* The checks to run, in id order; NULL with err set when an id is unknown or of another
 * provider. */
static const eval_check **select_checks(const ism_eval_checks *cs, const ism_eval_options *opt,
                                        const char *provider, size_t *n, ism_error *err)
{
    const eval_check **sel = calloc(cs->n + 1, sizeof *sel);
    *n = 0;
    if (!opt->checks) {
        for (size_t i = 0; i < cs->n; i++)
            if (!strcmp(cs->checks[i].provider, provider)) sel[(*n)++] = &cs->checks[i];
        return sel;
    }
    for (size_t i = 0; i < cs->n; i++) {
        const eval_check *c = &cs->checks[i];
        bool wanted = false;
        for (size_t j = 0; j < opt->nchecks; j++)
            wanted |= !strcmp(opt->checks[j], c->id);
        if (wanted) sel[(*n)++] = c;
    }
    for (size_t j = 0; j < opt->nchecks; j++) {
        const eval_check *c = find_check(cs, opt->checks[j]);
        if (!c || strcmp(c->provider, provider) != 0) {
            if (!c)
                ism_error_set(err, ISM_E_NOT_FOUND, "no check named '%s' (see checks list)",
                              opt->checks[j]);
            else
                ism_error_set(err, ISM_E_INVALID_PARAMS,
                              "check '%s' is for provider %s; the snapshot is from %s", c->id,
                              c->provider, provider);
            free(sel);
            return NULL;
        }
    }
    return sel;
}

static json_t *snapshot_info(ism_snapshot *snap)
{
    json_t *o = json_object();
    static const char *const keys[] = {"id", "provider", "created", "finished", "state"};
    for (size_t i = 0; i < 5; i++) {
        const char *v = ism_snapshot_manifest(snap, keys[i]);
        json_object_set_new(o, keys[i], v ? json_string(v) : json_null());
    }
    return o;
}

static json_t *summary(const run *r, size_t nchecks, int64_t ms)
{
    json_t *cst = json_object(), *fst = json_object();
    for (int i = 0; i < ISM_EVAL_STATUS_COUNT; i++) {
        json_object_set_new(cst, ism_eval_status_name((ism_eval_status)i),
                            json_integer(r->check_status[i]));
        json_object_set_new(fst, ism_eval_status_name((ism_eval_status)i),
                            json_integer(r->totals[i]));
    }
    json_object_set_new(cst, "not_applicable",
                        json_integer(r->check_status[ISM_EVAL_STATUS_COUNT]));
    return json_pack("{s:I, s:o, s:o, s:I}", "checks", (json_int_t)nchecks, "check_status", cst,
                     "findings", fst, "ms", (json_int_t)ms);
}

json_t *ism_eval_run(const ism_eval_checks *cs, ism_snapshot *snap, const ism_eval_options *opt,
                     ism_error *err)
{
    static const ism_eval_options none = {0};
    if (!opt) opt = &none;
    int64_t t0 = ism_mono_ms();
    json_t *info = snapshot_info(snap);
    const char *provider = ism_json_getstr(info, "provider");
    if (!provider) {
        json_decref(info);
        ism_error_set(err, ISM_E_INVALID_DATA, "the snapshot's manifest names no provider");
        return NULL;
    }
    size_t n;
    const eval_check **sel = select_checks(cs, opt, provider, &n, err);
    run r = {.opt = opt, .db = ism_snapshot_db(snap), .max = opt->max_findings};
    eval_coverage *cov = sel ? eval_coverage_load(r.db, provider, err) : NULL;
    if (!cov || !eval_views_create(cs, r.db, false, err)) {
        eval_coverage_free(cov);
        free(sel);
        json_decref(info);
        return NULL;
    }
    r.findings = opt->sink ? NULL : json_array();
    json_t *checks = json_array();
    for (size_t i = 0; i < n && !r.stopped; i++)
        json_array_append_new(checks, run_check(&r, sel[i], cov));
    eval_views_drop(cs, r.db);
    eval_coverage_free(cov);
    free(sel);
    if (r.stopped) {
        json_decref(checks);
        json_decref(info);
        json_decref(r.findings);
        ism_error_set(err, ISM_E_CANCELLED, "evaluation stopped by its receiver");
        return NULL;
    }
    json_t *out = json_pack("{s:o, s:o, s:o}", "snapshot", info, "summary",
                            summary(&r, n, ism_mono_ms() - t0), "checks", checks);
    if (r.findings) {
        json_object_set_new(out, "findings", r.findings);
        json_object_set_new(out, "truncated", json_boolean(r.truncated));
    }
    return out;
}
