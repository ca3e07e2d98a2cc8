/* collector_job.c — the "collect.aws" job kind: one collection into one snapshot file of the
 * daemon's snapshots directory, registered in the store, sealed and signed when it is done.
 *
 * The job's params are names and choices only (profile, role name, regions, services); the
 * daemon reads the credentials themselves from its own user's environment and ~/.aws files when
 * the job runs. The snapshot's id is derived from the job's, so a run that resumes after a crash
 * (the kind is resumable) finds its file even if it died before its first checkpoint. */
#include "ismap/aws.h"
#include "ismap/jobs.h"
#include "ismap/rpc.h"
#include "ismap/snapshot.h"

#include <ctype.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_LIST 64

/* ---- params ------------------------------------------------------------------------------- */
static bool chars_ok(const char *s, const char *extra, size_t min, size_t max)
{
    size_t n = strlen(s);
    if (n < min || n > max) return false;
    for (const char *p = s; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr(extra, *p)) return false;
    return true;
}

static bool check_str(const json_t *params, const char *key, const char *extra, size_t min,
                      size_t max, ism_error *err)
{
    const char *v = NULL;
    if (!ism_json_str(params, key, false, &v, err)) return false;
    if (v && !chars_ok(v, extra, min, max))
        return ism_error_set(err, ISM_E_INVALID_PARAMS,
                             "field '%s' must be %zu to %zu characters: letters, digits and %s",
                             key, min, max, extra);
    return true;
}

static bool check_list(const json_t *params, const char *key, ism_error *err)
{
    const json_t *a = json_object_get(params, key);
    if (!a) return true;
    if (!json_is_array(a) || json_array_size(a) == 0 || json_array_size(a) > MAX_LIST)
        return ism_error_set(err, ISM_E_INVALID_PARAMS,
                             "field '%s' must be a list of 1 to %d names", key, MAX_LIST);
    size_t i;
    const json_t *v;
    json_array_foreach(a, i, v)
    {
        const char *s = json_string_value(v);
        if (!s || !chars_ok(s, "-", 2, 32))
            return ism_error_set(err, ISM_E_INVALID_PARAMS,
                                 "field '%s[%zu]' must be a name such as ap-northeast-1", key, i);
        if (!strcmp(key, "services") && !ism_aws_service_known(s))
            return ism_error_set(err, ISM_E_INVALID_PARAMS,
                                 "unknown service '%s'; known: sts, organizations, iam, s3, ec2, "
                                 "cloudtrail, kms, config, guardduty, backup, logs",
                                 s);
    }
    return true;
}

/* The host of an http(s):// URL ("[::1]" keeps its brackets). */
static bool endpoint_host(const char *url, char *host, size_t size, bool *http, ism_error *err)
{
    *http = strncmp(url, "http://", 7) == 0;
    if (!*http && strncmp(url, "https://", 8) != 0)
        return ism_error_set(err, ISM_E_INVALID_PARAMS,
                             "field 'endpoint_url' must be an http(s):// URL");
    const char *h = url + (*http ? 7 : 8);
    size_t n = *h == '[' ? strcspn(h, "]") + 1 : strcspn(h, ":/?#@");
    if (n == 0 || n >= size || h[n] == '@')
        return ism_error_set(err, ISM_E_INVALID_PARAMS,
                             "field 'endpoint_url' has no host (or carries user information)");
    memcpy(host, h, n);
    host[n] = '\0';
    return true;
}

bool ism_aws_endpoint_allowed(const char *url, const char *const *allow, ism_error *err)
{
    char host[256];
    bool http;
    if (!endpoint_host(url, host, sizeof host, &http, err)) return false;
    const char *bare = host;
    char unbr[256];
    if (host[0] == '[') {
        snprintf(unbr, sizeof unbr, "%.*s", (int)strlen(host) - 2, host + 1);
        bare = unbr;
    }
    for (size_t i = 0; allow && allow[i]; i++)
        if (!strcasecmp(allow[i], host) || !strcasecmp(allow[i], bare)) return true;
    return ism_error_set(err, ISM_E_PERMISSION_DENIED,
                         "endpoint_url host '%s' is not allowed: the daemon's config lists the "
                         "hosts an admin may point a collection at (collect.endpoint_allow)",
                         host);
}

/* http:// only to a loopback host (an emulator); the engine enforces it again per call. */
static bool check_endpoint(const char *url, ism_error *err)
{
    char host[256];
    bool http;
    if (!endpoint_host(url, host, sizeof host, &http, err)) return false;
    if (http && !ism_http_is_loopback_host(host))
        return ism_error_set(err, ISM_E_INVALID_PARAMS,
                             "endpoint_url: plain http:// is allowed only to a loopback host "
                             "(127.0.0.1, ::1, localhost); use https://");
    return true;
}

bool ism_aws_collect_check(const json_t *params, ism_error *err)
{
    static const char *const known[] = {"profile", "org",      "role_name",   "external_id",
                                        "regions", "services", "endpoint_url"};
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)params, k, v)
    {
        bool ok = false;
        for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
            ok |= !strcmp(k, known[i]);
        if (!ok) return ism_error_set(err, ISM_E_INVALID_PARAMS, "unknown field '%s'", k);
    }
    bool org = false;
    const char *url = NULL, *role = NULL;
    if (!ism_json_bool(params, "org", false, &org, err) ||
        !check_str(params, "profile", "_-.@+", 1, 64, err) ||
        !ism_json_str(params, "role_name", false, &role, err) ||
        (role && !ism_aws_role_spec_check(role, err)) ||
        !check_str(params, "external_id", "_+=,.@:/-", 2, 1224, err) ||
        !check_list(params, "regions", err) || !check_list(params, "services", err) ||
        !ism_json_str(params, "endpoint_url", false, &url, err))
        return false;
    if (org && !role)
        return ism_error_set(err, ISM_E_INVALID_PARAMS,
                             "field 'role_name' is required with org: the role to assume in each "
                             "member account");
    if (!org && (role || json_object_get(params, "external_id")))
        return ism_error_set(err, ISM_E_INVALID_PARAMS,
                             "role_name and external_id apply to org collections only");
    return !url || check_endpoint(url, err);
}

/* At submit time, in the daemon: are there credentials at all? (Fails early, names no secret.) */
static bool check_with_credentials(const json_t *params, ism_error *err)
{
    if (!ism_aws_collect_check(params, err)) return false;
    ism_aws_profile p;
    if (!ism_aws_profile_load(ism_json_getstr(params, "profile"), &p, err)) return false;
    ism_aws_profile_free(&p);
    return true;
}

/* ---- the run ------------------------------------------------------------------------------ */
typedef struct job_run {
    ism_job *job;
    json_t *checkpoint;
} job_run;

static void on_progress(void *ctx, const ism_aws_collect_progress *p)
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

static const char **names(const json_t *a)
{
    if (!json_is_array(a)) return NULL;
    const char **v = calloc(json_array_size(a) + 1, sizeof *v);
    for (size_t i = 0; v && i < json_array_size(a); i++)
        v[i] = json_string_value(json_array_get(a, i));
    return v;
}

/* The file: created on the first run, reopened on a resumed one. A file already sealed means
 * the previous run died between sealing and recording: *sealed tells the caller to finish. */
static ism_snapshot *open_snapshot(ism_rpc_app *app, ism_job *job, const char *id, const char *path,
                                   const json_t *params, bool *sealed, ism_error *err)
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
            ism_log(ISM_LOG_WARN, "collect.aws.snapshot",
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
            s = ism_snapshot_create(path, id, "aws", params, err);
        }
    } else {
        s = ism_snapshot_create(path, id, "aws", params, err);
    }
    if (!s) return NULL;
    ism_error e = {0};
    json_t *row = ism_snapshot_get(ism_job_store(job), id, "", &e);
    bool ok = row || ism_snapshot_register(ism_job_store(job), id, "aws", path, params,
                                           ism_job_org(job), ism_job_id(job), err);
    json_decref(row);
    ism_error_clear(&e);
    (void)app;
    if (!ok) {
        ism_snapshot_close(s);
        return NULL;
    }
    return s;
}

/* ---- gaps ------------------------------------------------------------------------------------ */
#define MAX_MISSING_LISTED 200

/* The AWS error code of the last failed call of (account, region, operation) — or, for an
 * account that could not be entered, of its AssumeRole; "" when none. */
static void error_code_of(sqlite3 *db, const char *account, const char *region, const char *op,
                          char *out, size_t n)
{
    static const char *const sql =
        "SELECT error_code FROM calls WHERE provider='aws' AND account=?1 AND "
        "operation IN (?3, 'AssumeRole') AND (region=?2 OR ?2='global' OR operation='AssumeRole') "
        "AND coalesce(error_code,'') <> '' ORDER BY operation = ?3 DESC, seq DESC LIMIT 1";
    sqlite3_stmt *st = NULL;
    out[0] = '\0';
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return;
    sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, region, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, op, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        ism_strlcpy(out, (const char *)sqlite3_column_text(st, 0), n);
    sqlite3_finalize(st);
}

/* What to grant for a denied entry: the operation's IAM action, or — for an account that could
 * not be entered — sts:AssumeRole on the member role (which must exist and trust the caller). */
static void grant_of(const char *service, const char *op, const char *account, const char *reason,
                     const char *role_name, char *out, size_t n)
{
    const ism_aws_op *o = ism_aws_op_find(service, op);
    bool assume = !strcmp(op, "AssumeRole") || (reason && strstr(reason, "could not assume"));
    if (assume && role_name) {
        char arn[400];
        ism_aws_role_arn_for(role_name, account, arn, sizeof arn);
        snprintf(out, n, "sts:AssumeRole on %s (the role must exist and trust the caller)", arn);
    } else if (o) {
        ism_aws_op_action(o, out, n);
    } else {
        snprintf(out, n, "%s:%s", service, op);
    }
}

/* Every (account, region, operation) in scope that was not collected — denied or failed — with
 * AWS's error, and for denied ones the IAM action to grant. Each is logged at warn level. The
 * list is capped (MAX_MISSING_LISTED); *total counts them all, *accounts_not_entered the
 * member accounts whose role could not be assumed. */
static json_t *missing_list(ism_snapshot *s, const char *role_name, size_t *total,
                            int *accounts_not_entered)
{
    sqlite3 *db = ism_snapshot_db(s);
    json_t *list = json_array(), *not_entered = json_object();
    sqlite3_stmt *st = NULL;
    *total = 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT account, region, service, operation, state, coalesce(reason,'') "
                           "FROM coverage WHERE provider='aws' AND state IN ('denied','failed') "
                           "ORDER BY account, region, service, operation",
                           -1, &st, NULL) == SQLITE_OK)
        while (sqlite3_step(st) == SQLITE_ROW) {
            const char *account = (const char *)sqlite3_column_text(st, 0);
            const char *region = (const char *)sqlite3_column_text(st, 1);
            const char *service = (const char *)sqlite3_column_text(st, 2);
            const char *op = (const char *)sqlite3_column_text(st, 3);
            const char *state = (const char *)sqlite3_column_text(st, 4);
            const char *reason = (const char *)sqlite3_column_text(st, 5);
            char code[128], grant[600], name[160];
            error_code_of(db, account, region, op, code, sizeof code);
            grant_of(service, op, account, reason, role_name, grant, sizeof grant);
            snprintf(name, sizeof name, "%s:%s", service, op);
            if (!strcmp(op, "AssumeRole")) json_object_set_new(not_entered, account, json_true());
            (*total)++;
            if (*total <= 50)
                ism_logj(ISM_LOG_WARN, "collect.aws.missing",
                         json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "account", account, "region",
                                   region, "operation", name, "state", state, "error_code", code,
                                   "grant", grant),
                         "not collected: %s %s %s (%s): %s%s%s", account, region, name, state,
                         reason, !strcmp(state, "denied") ? "; grant " : "",
                         !strcmp(state, "denied") ? grant : "");
            if (*total > MAX_MISSING_LISTED) continue;
            json_t *row =
                json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "account", account, "region", region,
                          "operation", name, "state", state, "error_code", code, "error", reason);
            if (!strcmp(state, "denied")) json_object_set_new(row, "grant", json_string(grant));
            json_array_append_new(list, row);
        }
    sqlite3_finalize(st);
    *accounts_not_entered = (int)json_object_size(not_entered);
    json_decref(not_entered);
    if (*total > 50)
        ism_log(ISM_LOG_WARN, "collect.aws.missing",
                "... and %zu more operations not collected (see the job result)", *total - 50);
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

/* Seals, signs and records; the result says what was collected, and — unless "complete" is
 * true — what is missing. */
static bool finish(ism_rpc_app *app, ism_job *job, ism_snapshot *s, bool already_sealed,
                   const char *id, const char *path, const ism_aws_collect_stats *st,
                   const char *role_name, json_t **result, ism_error *err)
{
    json_t *summary = ism_snapshot_summary(s);
    size_t n_missing = 0;
    int not_entered = 0;
    json_t *missing = missing_list(s, role_name, &n_missing, &not_entered);
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
    char *stmt = ok ? ism_snapshot_seal_statement(id, "aws", sha) : NULL;
    char *sig = stmt ? ism_signer_sign(app->signer, stmt, strlen(stmt), err) : NULL;
    ok = sig && ism_snapshot_record_seal(ism_job_store(job), id, sha, sig, summary, err);
    if (ok) {
        /* api_calls: API calls logged in the snapshot (one per call of an operation: a page, a
         * per-resource call, a poll); http_requests: their HTTP requests, retries included;
         * attempts/tokens: the collection engine's attempts and the rate-bucket tokens they
         * took (equal: every attempt takes one). */
        json_t *stats = json_pack(
            "{s:i, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "accounts", st->accounts,
            "accounts_not_entered", not_entered, "api_calls", api_calls, "http_requests",
            http_requests, "retries", (json_int_t)st->retries, "throttled",
            (json_int_t)st->throttled, "attempts", (json_int_t)st->calls, "tokens",
            (json_int_t)st->tokens, "throttle_limit_hits", (json_int_t)st->throttle_limit_hits);
        json_t *units =
            json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:I, s:s}", "complete", st->units_complete,
                      "denied", st->units_denied, "failed", st->units_failed, "not_enabled",
                      st->units_not_enabled, "skipped", st->units_skipped, "resumed",
                      st->units_resumed, "ms", (json_int_t)st->ms, "principal", st->principal);
        json_object_update(stats, units);
        json_decref(units);
        *result = json_pack("{s:s, s:s, s:O, s:b, s:I, s:O, s:o}", "snapshot", id, "sha256", sha,
                            "summary", summary, "complete", n_missing == 0, "missing_total",
                            (json_int_t)n_missing, "missing", missing, "stats", stats);
        if (n_missing)
            ism_logj(ISM_LOG_WARN, "collect.aws.incomplete",
                     json_pack("{s:s, s:I, s:i}", "snapshot", id, "missing", (json_int_t)n_missing,
                               "accounts_not_entered", not_entered),
                     "collection %s is incomplete: %zu operations not collected, %d accounts "
                     "not entered",
                     id, n_missing, not_entered);
    }
    free(stmt);
    free(sig);
    json_decref(summary);
    json_decref(missing);
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
    ism_rpc_app *app = ism_job_ctx(job);
    if (!ism_aws_collect_check(params, err)) return false;
    const char *jid = ism_job_id(job);
    char id[80], path[4300], session[64];
    snprintf(id, sizeof id, "snap_%s", strncmp(jid, "job_", 4) == 0 ? jid + 4 : jid);
    snprintf(path, sizeof path, "%s/%s.db", app->snapshots_dir, id);
    snprintf(session, sizeof session, "ismap-assess-%.40s", jid);
    bool sealed;
    /* The scope recorded until the collection writes the full one; the external id is kept
     * out of the file and the registry (not a secret, but no business of a reader's). */
    json_t *scope = json_deep_copy(params);
    json_object_del(scope, "external_id");
    ism_snapshot *s = open_snapshot(app, job, id, path, scope, &sealed, err);
    json_decref(scope);
    if (!s) return false;
    job_run r = {job, json_pack("{s:s, s:s}", "snapshot", id, "path", path)};
    ism_job_progress(job, 0, cp ? "resuming the collection" : "collecting", r.checkpoint);
    const char **regions = names(json_object_get(params, "regions"));
    const char **services = names(json_object_get(params, "services"));
    ism_aws_collect_opts o = {.profile = ism_json_getstr(params, "profile"),
                              .org = json_is_true(json_object_get(params, "org")),
                              .role_name = ism_json_getstr(params, "role_name"),
                              .external_id = ism_json_getstr(params, "external_id"),
                              .regions = regions,
                              .services = services,
                              .endpoint_url = ism_json_getstr(params, "endpoint_url"),
                              .session_name = session,
                              .progress = on_progress,
                              .should_stop = on_should_stop,
                              .ctx = &r};
    ism_aws_collect_stats st = {0};
    bool ok = sealed || ism_aws_collect(&o, s, &st, err);
    free(regions);
    free(services);
    json_decref(r.checkpoint);
    if (ok) {
        ism_logj(ISM_LOG_INFO, "collect.aws.done",
                 json_pack("{s:s, s:i, s:I, s:I, s:i, s:i}", "snapshot", id, "accounts",
                           st.accounts, "calls", (json_int_t)st.calls, "throttled",
                           (json_int_t)st.throttled, "denied", st.units_denied, "failed",
                           st.units_failed),
                 "collection %s done: %d accounts, %llu calls", id, st.accounts,
                 (unsigned long long)st.calls);
        if (st.throttle_limit_hits)
            ism_log(ISM_LOG_ERROR, "collect.aws.throttle_limit",
                    "collection %s: %llu calls were given up after the safety bound on throttled "
                    "attempts; they are listed as failed",
                    id, (unsigned long long)st.throttle_limit_hits);
        return finish(app, job, s, sealed, id, path, &st, ism_json_getstr(params, "role_name"),
                      result, err);
    }
    ism_snapshot_close(s);
    if (err->code == ISM_E_INTERRUPTED) return stopped(job, id, err);
    ism_error e = {0};
    ism_snapshot_record_failure(ism_job_store(job), id, err->message, &e);
    ism_error_clear(&e);
    return false;
}

bool ism_aws_register_jobs(struct ism_jobs *q, struct ism_rpc_app *app, ism_error *err)
{
    ism_job_kind k = {"collect.aws",
                      "collect an AWS account or organization into a signed snapshot",
                      collect_run,
                      check_with_credentials,
                      true,
                      ISM_ROLE_AUDITOR,
                      app};
    return ism_jobs_register(q, &k, err);
}
