/* evaluate.c — the "assessment.evaluate" job: runs the checks over each of an assessment's
 * snapshots and stores the findings. Idempotent (findings of a snapshot are replaced as a
 * whole), so after a crash it simply runs again. */
#include "ismap/eval.h"
#include "ismap/jobs.h"
#include "ismap/matrix.h"
#include "ismap/snapshot.h"
#include "ismap/store.h"

#include <stdlib.h>
#include <string.h>

typedef struct eval_job {
    ism_store *store;
    const ism_eval_checks *checks;
    ism_signer *signer;
} eval_job;

static eval_job job_ctx;

struct sink_ctx {
    ism_findings_writer *w;
    ism_job *job;
    long n;
};

static bool sink(void *ctx, const ism_eval_finding *f)
{
    struct sink_ctx *c = ctx;
    if (!ism_findings_add(c->w, f->check, f->severity, f->account, f->region, f->resource_type,
                          f->resource_id, f->arn, ism_eval_status_name(f->status), f->reason))
        return false;
    /* Cancellation is polled now and then: a large snapshot has a million findings. */
    return ++c->n % 50000 || !ism_job_should_stop(c->job);
}

/* The closed network domain of each account the snapshot covers: the Organizations account
 * name (マイナンバー / mynumber / my_number, or lgwan, as the collector records it), else the
 * ismap:domain tag when every tagged VPC of the account carries the same closed domain. The
 * severity- and domain-aware rule (README, "How a requirement gets its status") reads it. */
static json_t *account_domains(ism_snapshot *snap)
{
    static const char sql[] =
        "SELECT id, CASE WHEN lower(n) LIKE '%mynumber%' OR lower(n) LIKE '%my_number%' OR "
        "  lower(n) LIKE '%my-number%' OR n LIKE '%マイナンバー%' THEN 'mynumber' "
        "  WHEN lower(n) LIKE '%lgwan%' THEN 'lgwan' END, 'account name' "
        "FROM (SELECT id, json_extract(data, '$.Name') AS n FROM resources "
        "      WHERE type = 'organizations.Account') WHERE n IS NOT NULL "
        "UNION ALL "
        "SELECT account, min(d), 'vpc tag' FROM ("
        "  SELECT v.account, (SELECT lower(trim(json_extract(t.value, '$.Value'))) "
        "    FROM json_each(v.data, '$.Tags') t "
        "    WHERE json_extract(t.value, '$.Key') = 'ismap:domain') AS d "
        "  FROM resources v WHERE v.type = 'ec2.Vpc') WHERE d IS NOT NULL "
        "GROUP BY account HAVING count(DISTINCT d) = 1";
    json_t *out = json_object();
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(ism_snapshot_db(snap), sql, -1, &s, NULL) != SQLITE_OK) return out;
    while (sqlite3_step(s) == SQLITE_ROW) {
        const char *acct = (const char *)sqlite3_column_text(s, 0);
        const char *dom = (const char *)sqlite3_column_text(s, 1);
        if (!acct || !dom || (strcmp(dom, "mynumber") && strcmp(dom, "lgwan"))) continue;
        if (json_object_get(out, acct)) continue; /* the account's own name comes first */
        json_object_set_new(out, acct,
                            json_pack("{s:s, s:s}", "domain", dom, "basis",
                                      (const char *)sqlite3_column_text(s, 2)));
    }
    sqlite3_finalize(s);
    return out;
}

static bool check_params(const json_t *params, ism_error *err)
{
    const char *a;
    return ism_json_str(params, "assessment", true, &a, err);
}

static bool run(ism_job *job, const json_t *params, const json_t *cp, json_t **result,
                ism_error *err)
{
    (void)cp;
    eval_job *ctx = ism_job_ctx(job);
    const char *aid = ism_json_getstr(params, "assessment");
    json_t *a = ism_assessment_get(ctx->store, aid, ism_job_org(job), err);
    if (!a) return false;
    ism_assessment_set_state(ctx->store, aid, "evaluating", NULL, NULL);
    json_t *snaps = json_object_get(a, "snapshots"), *per = json_array();
    size_t n = json_array_size(snaps), i;
    json_t *sid;
    bool ok = true;
    json_array_foreach(snaps, i, sid)
    {
        char msg[160];
        snprintf(msg, sizeof msg, "evaluating snapshot %zu of %zu", i + 1, n);
        ism_job_progress(job, (double)i / (double)(n ? n : 1), msg, NULL);
        /* Hash and signature first: a changed file is refused, never evaluated. */
        ism_snapshot *snap = ism_snapshot_open_verified(ctx->store, ctx->signer,
                                                        json_string_value(sid), "", NULL, err);
        if (!snap) {
            ok = false;
            break;
        }
        struct sink_ctx sc = {ism_findings_begin(ctx->store, aid, json_string_value(sid), err), job,
                              0};
        if (!sc.w) {
            ism_snapshot_close(snap);
            ok = false;
            break;
        }
        json_t *domains = account_domains(snap);
        ism_findings_set_domains(sc.w, domains);
        json_decref(domains);
        ism_eval_options opt = {.sink = sink, .sink_ctx = &sc};
        json_t *res = ism_eval_run(ctx->checks, snap, &opt, err);
        ism_snapshot_close(snap);
        if (!ism_findings_end(sc.w, res != NULL, res ? err : NULL) || !res) {
            json_decref(res);
            ok = false;
            break;
        }
        json_array_append_new(per, json_pack("{s:O, s:O}", "snapshot", sid, "summary",
                                             json_object_get(res, "summary")));
        json_decref(res);
    }
    ism_assessment_set_state(ctx->store, aid, ok ? "ready" : "failed", ok ? NULL : err->message,
                             NULL);
    if (ok)
        *result = json_pack("{s:s, s:o}", "assessment", aid, "snapshots", per);
    else
        json_decref(per);
    json_decref(a);
    return ok;
}

bool ism_matrix_register_jobs(ism_jobs *jobs, ism_store *store, const ism_eval_checks *checks,
                              ism_signer *signer, ism_error *err)
{
    job_ctx.store = store;
    job_ctx.checks = checks;
    job_ctx.signer = signer;
    ism_job_kind k = {"assessment.evaluate",
                      "run the checks over an assessment's snapshots and store the findings",
                      run,
                      check_params,
                      true,
                      ISM_ROLE_AUDITOR,
                      &job_ctx,
                      NULL};
    return ism_jobs_register(jobs, &k, err);
}
