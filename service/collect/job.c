/* job.c — the "collect.<provider>" job kinds: one collection of any provider (ism_provider)
 * into one snapshot file of the daemon's snapshots directory, registered in the store, sealed and
 * signed when it is done; the result lists exactly what was not collected and why.
 *
 * The job's params are names and choices only (profiles, scopes, regions); the daemon reads the
 * credentials themselves from its own user's environment and files when the job runs. The
 * snapshot's id is derived from the job's, so a run that resumes after a crash (the kinds are
 * resumable) finds its file even if it died before its first checkpoint. */
#include "ismap/jobs.h"
#include "ismap/provider.h"
#include "ismap/rpc.h"
#include "ismap/snapshot.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- the run ------------------------------------------------------------------------------ */
/* A kind's context: one per provider. */
typedef struct kind_ctx {
    ism_rpc_app *app;
    const ism_provider *p;
    char name[64];
} kind_ctx;

/* The log event "collect.<provider>.<what>" into buf. */
static const char *event(char *buf, size_t n, const ism_provider *p, const char *what)
{
    snprintf(buf, n, "collect.%s.%s", p->name, what);
    return buf;
}

typedef struct job_run {
    ism_job *job;
    json_t *checkpoint;
} job_run;

static void on_progress(void *ctx, const ism_collect_progress *p)
{
    job_run *r = ctx;
    double f = p->units_total ? (double)p->units_done / p->units_total : 0;
    json_object_set_new(r->checkpoint, "units_done", json_integer(p->units_done));
    ism_job_progress(r->job, f * 0.99, p->message, r->checkpoint);
}

static bool on_should_stop(void *ctx)
{
    return ism_job_should_stop(((job_run *)ctx)->job);
}

/* The file: created on the first run, reopened on a resumed one. A file already sealed means
 * the previous run died between sealing and recording: *sealed tells the caller to finish. */
static ism_snapshot *open_snapshot(const ism_provider *p, ism_job *job, const char *id,
                                   const char *path, const json_t *params, bool *sealed,
                                   ism_error *err)
{
    struct stat sb;
    *sealed = false;
    ism_snapshot *s = NULL;
    bool no_state = false;
    if (stat(path, &sb) == 0) {
        s = ism_snapshot_open(path, true, err);
        if (!s && err->code == ISM_E_CONFLICT) {
            /* Sealed — or created so far only that its manifest has no state yet. */
            ism_snapshot *ro = ism_snapshot_open(path, false, err);
            const char *state = ro ? ism_snapshot_manifest(ro, "state") : NULL;
            if (state && !strcmp(state, "sealed")) {
                ism_error_clear(err);
                *sealed = true;
                return ro;
            }
            no_state = ro && !state;
            ism_snapshot_close(ro);
        }
        /* A run killed while creating the file (in its first milliseconds) leaves it empty or
         * without its manifest: nothing in it to resume, so it is made again. Any other failure
         * to open it (a file that holds collected data) is an error, never a reason to discard. */
        bool unfinished =
            s ? !ism_snapshot_manifest(s, "state")
              : no_state || sb.st_size == 0 || strstr(err->message, "no manifest") != NULL;
        if (!s && !unfinished) return NULL;
        if (unfinished) {
            char ev[96];
            ism_log(ISM_LOG_WARN, event(ev, sizeof ev, p, "snapshot"),
                    "snapshot file %s was left unfinished by an interrupted start (%s); "
                    "creating it again",
                    path, s ? "no manifest" : err->message);
            ism_snapshot_close(s);
            ism_error_clear(err);
            char side[4400];
            snprintf(side, sizeof side, "%s-wal", path);
            remove(side);
            snprintf(side, sizeof side, "%s-shm", path);
            remove(side);
            remove(path);
            s = ism_snapshot_create(path, id, p->name, params, err);
        }
    } else {
        s = ism_snapshot_create(path, id, p->name, params, err);
    }
    if (!s) return NULL;
    ism_error e = {0};
    json_t *row = ism_snapshot_get(ism_job_store(job), id, "", &e);
    bool ok = row || ism_snapshot_register(ism_job_store(job), id, p->name, path, params,
                                           ism_job_org(job), ism_job_id(job), err);
    json_decref(row);
    ism_error_clear(&e);
    if (!ok) {
        ism_snapshot_close(s);
        return NULL;
    }
    return s;
}

/* ---- gaps ------------------------------------------------------------------------------------ */
#define MAX_MISSING_LISTED 200

/* The provider's error code of the last failed call of (scope, region, operation) — or, for a
 * scope that could not be entered, of its entry operation; "" when none. */
static void error_code_of(sqlite3 *db, const ism_provider *p, const char *account,
                          const char *region, const char *op, char *out, size_t n)
{
    static const char *const sql =
        "SELECT error_code FROM calls WHERE provider=?4 AND account=?1 AND "
        "operation IN (?3, ?5) AND (region=?2 OR ?2='global' OR operation=?5) "
        "AND coalesce(error_code,'') <> '' ORDER BY operation = ?3 DESC, seq DESC LIMIT 1";
    sqlite3_stmt *st = NULL;
    out[0] = '\0';
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return;
    sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, region, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, op, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, p->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, p->entry_operation ? p->entry_operation : op, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        ism_strlcpy(out, (const char *)sqlite3_column_text(st, 0), n);
    sqlite3_finalize(st);
}

/* Every (scope, region, operation) in scope that was not collected — denied or failed — with the
 * provider's error, and for denied ones the permission to grant. Each is logged at warn level.
 * The list is capped (MAX_MISSING_LISTED); *total counts them all, *not_entered the scopes that
 * could not be entered at all. */
static json_t *missing_list(const ism_provider *p, ism_snapshot *s, const json_t *params,
                            size_t *total, int *not_entered_n)
{
    sqlite3 *db = ism_snapshot_db(s);
    json_t *list = json_array(), *not_entered = json_object();
    char ev[96];
    event(ev, sizeof ev, p, "missing");
    sqlite3_stmt *st = NULL;
    *total = 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT account, region, service, operation, state, coalesce(reason,'') "
                           "FROM coverage WHERE provider=?1 AND state IN ('denied','failed') "
                           "ORDER BY account, region, service, operation",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, p->name, -1, SQLITE_STATIC);
        while (sqlite3_step(st) == SQLITE_ROW) {
            const char *account = (const char *)sqlite3_column_text(st, 0);
            const char *region = (const char *)sqlite3_column_text(st, 1);
            const char *service = (const char *)sqlite3_column_text(st, 2);
            const char *op = (const char *)sqlite3_column_text(st, 3);
            const char *state = (const char *)sqlite3_column_text(st, 4);
            const char *reason = (const char *)sqlite3_column_text(st, 5);
            char code[128], grant[600], name[160];
            error_code_of(db, p, account, region, op, code, sizeof code);
            if (ism_provider_ops_of(p)->grant)
                ism_provider_ops_of(p)->grant(params, account, service, op, reason, grant,
                                              sizeof grant);
            else
                snprintf(grant, sizeof grant, "%s:%s", service, op);
            snprintf(name, sizeof name, "%s:%s", service, op);
            if (p->entry_operation && !strcmp(op, p->entry_operation))
                json_object_set_new(not_entered, account, json_true());
            (*total)++;
            if (*total <= 50)
                ism_logj(ISM_LOG_WARN, ev,
                         json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "provider", p->name,
                                   "account", account, "region", region, "operation", name, "state",
                                   state, "error_code", code, "grant", grant),
                         "not collected: %s %s %s %s (%s): %s%s%s", p->name, account, region, name,
                         state, reason, !strcmp(state, "denied") ? "; grant " : "",
                         !strcmp(state, "denied") ? grant : "");
            if (*total > MAX_MISSING_LISTED) continue;
            json_t *row =
                json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "account", account, "region", region,
                          "operation", name, "state", state, "error_code", code, "error", reason);
            if (!strcmp(state, "denied")) json_object_set_new(row, "grant", json_string(grant));
            json_array_append_new(list, row);
        }
    }
    sqlite3_finalize(st);
    *not_entered_n = (int)json_object_size(not_entered);
    json_decref(not_entered);
    if (*total > 50)
        ism_log(ISM_LOG_WARN, ev, "... and %zu more operations not collected (see the job result)",
                *total - 50);
    return list;
}

/* Requests and API calls as the snapshot counts them (so the job and `snapshot show` agree):
 * an API call is one logged call of an operation (a page, a per-resource call, a poll); the
 * HTTP requests are its attempts, retries included. */
static void call_counts(ism_snapshot *s, json_int_t *api_calls, json_int_t *http_requests)
{
    sqlite3_stmt *st = NULL;
    *api_calls = *http_requests = 0;
    if (sqlite3_prepare_v2(ism_snapshot_db(s),
                           "SELECT count(*), coalesce(sum(attempts),0) FROM calls", -1, &st,
                           NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        *api_calls = sqlite3_column_int64(st, 0);
        *http_requests = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
}

/* Seals and signs; the result says what was collected, and — unless "complete" is true — what
 * is missing. *sig_out (malloc'd) gets the signature of the seal statement, *summary_out (new
 * reference) the snapshot's counts. s is closed. */
static json_t *seal_and_report(const ism_provider *p, ism_signer *signer, ism_snapshot *s,
                               bool already_sealed, const char *id, const char *path,
                               const ism_collect_stats *st, const json_t *params, char **sig_out,
                               json_t **summary_out, ism_error *err)
{
    *sig_out = NULL;
    json_t *summary = ism_snapshot_summary(s);
    size_t n_missing = 0;
    int not_entered = 0;
    json_t *missing = missing_list(p, s, params, &n_missing, &not_entered);
    if (st->scopes_not_entered > not_entered) not_entered = st->scopes_not_entered;
    json_int_t api_calls, http_requests;
    call_counts(s, &api_calls, &http_requests);
    char sha[65];
    bool ok;
    if (already_sealed) {
        ism_snapshot_close(s);
        ok = ism_snapshot_file_sha256(path, sha, err);
    } else {
        ok = ism_snapshot_seal(s, sha, err);
    }
    char *stmt = ok ? ism_snapshot_seal_statement(id, p->name, sha) : NULL;
    char *sig = stmt ? ism_signer_sign(signer, stmt, strlen(stmt), err) : NULL;
    json_t *result = NULL;
    if (sig) {
        /* api_calls: API calls logged in the snapshot (one per call of an operation: a page, a
         * per-resource call, a poll); http_requests: their HTTP requests, retries included;
         * attempts/tokens: the collection engine's attempts and the rate-bucket tokens they
         * took (equal: every attempt takes one). "accounts" counts the provider's scopes
         * (accounts, subscriptions, projects, compartments: scope_noun says which). */
        json_t *stats = json_pack(
            "{s:s, s:s, s:i, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "provider", p->name,
            "scope_noun", p->scope_noun, "accounts", st->scopes, "accounts_not_entered",
            not_entered, "api_calls", api_calls, "http_requests", http_requests, "retries",
            (json_int_t)st->retries, "throttled", (json_int_t)st->throttled, "attempts",
            (json_int_t)st->calls, "tokens", (json_int_t)st->tokens, "throttle_limit_hits",
            (json_int_t)st->throttle_limit_hits);
        json_t *units =
            json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:I, s:s}", "complete", st->units_complete,
                      "denied", st->units_denied, "failed", st->units_failed, "not_enabled",
                      st->units_not_enabled, "skipped", st->units_skipped, "resumed",
                      st->units_resumed, "ms", (json_int_t)st->ms, "principal", st->principal);
        json_object_update(stats, units);
        json_decref(units);
        bool complete = n_missing == 0 && not_entered == 0;
        result =
            json_pack("{s:s, s:s, s:s, s:O, s:b, s:I, s:O, s:o}", "snapshot", id, "provider",
                      p->name, "sha256", sha, "summary", summary, "complete", complete,
                      "missing_total", (json_int_t)n_missing, "missing", missing, "stats", stats);
        char ev[96];
        if (!complete)
            ism_logj(ISM_LOG_WARN, event(ev, sizeof ev, p, "incomplete"),
                     json_pack("{s:s, s:s, s:I, s:i}", "provider", p->name, "snapshot", id,
                               "missing", (json_int_t)n_missing, "not_entered", not_entered),
                     "%s collection %s is incomplete: %zu operations not collected, %d %ss not "
                     "entered",
                     p->title, id, n_missing, not_entered, p->scope_noun);
    }
    free(stmt);
    json_decref(missing);
    if (!result) {
        free(sig);
        json_decref(summary);
        return NULL;
    }
    *sig_out = sig;
    *summary_out = summary;
    return result;
}

/* Seals, signs and records the seal in the store. */
static bool finish(const kind_ctx *kc, ism_job *job, ism_snapshot *s, bool already_sealed,
                   const char *id, const char *path, const ism_collect_stats *st,
                   const json_t *params, json_t **result, ism_error *err)
{
    char *sig = NULL;
    json_t *summary = NULL;
    json_t *r = seal_and_report(kc->p, kc->app->signer, s, already_sealed, id, path, st, params,
                                &sig, &summary, err);
    bool ok = r && ism_snapshot_record_seal(ism_job_store(job), id, ism_json_getstr(r, "sha256"),
                                            sig, summary, err);
    if (ok)
        *result = r;
    else
        json_decref(r);
    free(sig);
    json_decref(summary);
    return ok;
}

static bool stopped(ism_job *job, const char *id, ism_error *err)
{
    /* A cancel ends the snapshot; a shutdown leaves it collecting for the resumed run. */
    if (ism_store_job_cancel_requested(ism_job_store(job), ism_job_id(job))) {
        ism_error e = {0};
        ism_snapshot_record_failure(ism_job_store(job), id, "cancelled", &e);
        ism_error_clear(&e);
    }
    (void)err;
    return false;
}

static bool collect_run(ism_job *job, const json_t *params, const json_t *cp, json_t **result,
                        ism_error *err)
{
    const kind_ctx *kc = ism_job_ctx(job);
    const ism_provider *p = kc->p;
    if (!ism_provider_check_params(p, params, err)) return false;
    const char *jid = ism_job_id(job);
    char id[80], path[4300], session[64];
    snprintf(id, sizeof id, "snap_%s", strncmp(jid, "job_", 4) == 0 ? jid + 4 : jid);
    snprintf(path, sizeof path, "%s/%s.db", kc->app->snapshots_dir, id);
    snprintf(session, sizeof session, "ismap-assess-%.40s", jid);
    bool sealed;
    /* The scope recorded until the collection writes the full one; secrets-adjacent values
     * (AWS's external id) are kept out of the file and the registry. */
    json_t *scope = json_deep_copy(params);
    json_object_del(scope, "external_id");
    ism_snapshot *s = open_snapshot(p, job, id, path, scope, &sealed, err);
    json_decref(scope);
    if (!s) return false;
    job_run r = {job, json_pack("{s:s, s:s}", "snapshot", id, "path", path)};
    ism_job_progress(job, 0, cp ? "resuming the collection" : "collecting", r.checkpoint);
    ism_collect_run run = {.params = params,
                           .job_id = jid,
                           .session_name = session,
                           .progress = on_progress,
                           .should_stop = on_should_stop,
                           .ctx = &r};
    ism_collect_stats st = {0};
    bool ok = sealed || ism_provider_ops_of(p)->collect(&run, s, &st, err);
    json_decref(r.checkpoint);
    if (ok) {
        char ev[96];
        ism_logj(ISM_LOG_INFO, event(ev, sizeof ev, p, "done"),
                 json_pack("{s:s, s:s, s:i, s:I, s:I, s:i, s:i}", "provider", p->name, "snapshot",
                           id, "scopes", st.scopes, "calls", (json_int_t)st.calls, "throttled",
                           (json_int_t)st.throttled, "denied", st.units_denied, "failed",
                           st.units_failed),
                 "%s collection %s done: %d %ss, %llu calls", p->title, id, st.scopes,
                 p->scope_noun, (unsigned long long)st.calls);
        if (st.throttle_limit_hits)
            ism_log(ISM_LOG_ERROR, event(ev, sizeof ev, p, "throttle_limit"),
                    "collection %s: %llu calls were given up after the safety bound on throttled "
                    "attempts; they are listed as failed",
                    id, (unsigned long long)st.throttle_limit_hits);
        return finish(kc, job, s, sealed, id, path, &st, params, result, err);
    }
    ism_snapshot_close(s);
    if (err->code == ISM_E_INTERRUPTED) return stopped(job, id, err);
    ism_error e = {0};
    ism_snapshot_record_failure(ism_job_store(job), id, err->message, &e);
    ism_error_clear(&e);
    return false;
}

/* At submit time, in the daemon: the params, then are there credentials at all? */
static bool collect_check(const json_t *params, void *ctx, ism_error *err)
{
    const kind_ctx *kc = ctx;
    if (json_object_get(params, "zone")) {
        /* Routed to a remote collector: the credentials are that collector's, checked where it
         * runs; here only the params. */
        const char *zone;
        if (!ism_json_str(params, "zone", true, &zone, err) || !ism_collect_zone_check(zone, err))
            return false;
        json_t *rest = json_deep_copy(params);
        json_object_del(rest, "zone");
        bool ok = ism_provider_check_params(kc->p, rest, err);
        json_decref(rest);
        return ok;
    }
    json_t *none = params ? NULL : json_object();
    bool ok = ism_provider_check_params(kc->p, params ? params : none, err) &&
              (!ism_provider_ops_of(kc->p)->check_credentials ||
               ism_provider_ops_of(kc->p)->check_credentials(params ? params : none, err));
    json_decref(none);
    return ok;
}

bool ism_collect_zone_check(const char *zone, ism_error *err)
{
    size_t n = zone ? strlen(zone) : 0;
    if (n < 1 || n > 64)
        return ism_error_set(err, ISM_E_INVALID_PARAMS,
                             "field 'zone' must be a network zone name of 1 to 64 characters");
    for (size_t i = 0; i < n; i++) {
        char c = zone[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return ism_error_set(err, ISM_E_INVALID_PARAMS,
                                 "field 'zone': '%c' at position %zu is not a letter, digit, "
                                 "'-', '_' or '.'",
                                 c, i + 1);
    }
    return true;
}

json_t *ism_collect_run_sealed(const ism_provider *p, const json_t *params,
                               const ism_collect_remote *rc, char **sig_out, ism_error *err)
{
    *sig_out = NULL;
    if (!ism_provider_check_params(p, params, err) ||
        (ism_provider_ops_of(p)->check_credentials &&
         !ism_provider_ops_of(p)->check_credentials(params, err)))
        return NULL;
    bool sealed = false;
    ism_snapshot *s = NULL;
    struct stat sb;
    if (stat(rc->path, &sb) == 0) {
        /* A run of this job that this collector began before (it restarted): resume it when the
         * file is still collecting, finish it when sealed. */
        s = ism_snapshot_open(rc->path, true, err);
        if (!s && err->code == ISM_E_CONFLICT) {
            ism_error_clear(err);
            s = ism_snapshot_open(rc->path, false, err);
            sealed = s != NULL;
        }
    } else {
        json_t *scope = json_deep_copy(params);
        json_object_del(scope, "external_id");
        s = ism_snapshot_create(rc->path, rc->snapshot_id, p->name, scope, err);
        json_decref(scope);
    }
    if (!s) return NULL;
    char session[64];
    snprintf(session, sizeof session, "ismap-assess-%.40s", rc->job_id);
    ism_collect_run run = {.params = params,
                           .job_id = rc->job_id,
                           .session_name = session,
                           .progress = rc->progress,
                           .should_stop = rc->should_stop,
                           .ctx = rc->ctx};
    ism_collect_stats st = {0};
    if (!sealed && !ism_provider_ops_of(p)->collect(&run, s, &st, err)) {
        ism_snapshot_close(s);
        return NULL;
    }
    json_t *summary = NULL;
    json_t *r = seal_and_report(p, rc->signer, s, sealed, rc->snapshot_id, rc->path, &st, params,
                                sig_out, &summary, err);
    json_decref(summary);
    return r;
}

bool ism_collect_register_jobs(struct ism_jobs *q, struct ism_rpc_app *app, ism_error *err)
{
    size_t n;
    const ism_provider *const *ps = ism_providers(&n);
    /* The contexts live as long as the process (a queue keeps pointers to them): taken from a
     * static pool, n per queue (a test process may make several queues). */
    static kind_ctx pool[512];
    static size_t used;
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&mu);
    kind_ctx *ctxs = used + n <= sizeof pool / sizeof pool[0] ? pool + used : NULL;
    if (ctxs) used += n;
    pthread_mutex_unlock(&mu);
    if (!ctxs) return ism_error_set(err, ISM_E_INTERNAL, "too many job queues in one process");
    for (size_t i = 0; i < n; i++) {
        ctxs[i].app = app;
        ctxs[i].p = ps[i];
        snprintf(ctxs[i].name, sizeof ctxs[i].name, "collect.%s", ps[i]->name);
        ism_job_kind k = {.name = ctxs[i].name,
                          .summary = ps[i]->summary,
                          .run = collect_run,
                          .resumable = true,
                          .roles = ISM_ROLE_AUDITOR,
                          .ctx = &ctxs[i],
                          .check_ctx = collect_check};
        if (!ism_jobs_register(q, &k, err)) return false;
    }
    return true;
}
