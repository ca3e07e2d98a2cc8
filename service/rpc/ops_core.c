/* ops_core.c — the daemon's own ops: ping, status, ops, jobs, tokens. */
#include "ismap/catalog.h"
#include "ops.h"

#include <string.h>

#define ALL ISM_ROLES_ALL
#define ADMIN ISM_ROLE_ADMIN

const ism_op ism_ops_core[] = {
    {"ping", op_ping, ALL, "liveness check; echoes params.echo"},
    {"status", op_status, ALL, "daemon version, uptime, store, workers, jobs by state"},
    {"ops.list", op_ops_list, ALL, "the op table with the roles each op needs"},
    {"jobs.list", op_jobs_list, ALL, "jobs, newest first (params: state, limit)"},
    {"jobs.show", op_jobs_show, ALL, "one job (params: id)"},
    {"jobs.cancel", op_jobs_cancel, ADMIN | ISM_ROLE_AUDITOR | ISM_ROLE_PROCUREMENT,
     "cancel a queued or running job (params: id)"},
    {"jobs.submit", op_jobs_submit, ADMIN,
     "queue a job of a registered kind (params: kind, params)"},
    {"jobs.kinds", op_jobs_kinds, ALL, "registered job kinds"},
    {"token.create", op_token_create, ADMIN,
     "new API token (params: name, role, org; an org-scoped admin: its own org only)"},
    {"token.list", op_token_list, ADMIN, "API tokens, of the caller's org if scoped (no secrets)"},
    {"token.revoke", op_token_revoke, ADMIN,
     "revoke a token (params: id; an org-scoped admin: its own org's tokens only)"},
    {NULL, NULL, 0, NULL},
};

const char *ops_org_scope(const ism_rpc_call *call)
{
    return call->caller->org;
}

OP(op_ping)
{
    (void)err;
    json_t *echo = json_object_get(params, "echo");
    *result = json_pack("{s:s, s:O?}", "pong", call->app->started_iso, "echo", echo);
    return true;
}

OP(op_status)
{
    (void)params;
    ism_rpc_app *app = call->app;
    /* Counted in the store: listing the jobs to count them cost O(jobs) a call and stopped
     * at 100,000. */
    json_t *by_state = ism_store_job_counts(app->store, ops_org_scope(call), err);
    if (!by_state) return false;
    json_t *cats = json_null();
    if (app->catalogs)
        cats = json_pack("{s:s, s:I}", "dir", ism_catalog_dir(app->catalogs), "loaded",
                         (json_int_t)ism_catalog_count(app->catalogs));
    *result = json_pack(
        "{s:s, s:s, s:I, s:s, s:{s:s, s:i, s:i}, s:i, s:i, s:i, s:I, s:o, s:{s:s, s:s, s:b}}",
        "version", ISM_VERSION, "started", app->started_iso, "uptime_s",
        (json_int_t)((ism_mono_ms() - app->started_mono_ms) / 1000), "data_dir", app->data_dir,
        "store", "path", ism_store_path(app->store), "schema", ism_store_schema_version(app->store),
        "schema_latest", ism_store_schema_latest(), "workers", app->workers, "jobs_running",
        ism_jobs_running(app->jobs), "contexts", app->contexts, "max_message_bytes",
        (json_int_t)app->max_msg, "jobs", by_state, "caller", "role",
        ism_role_name(call->caller->role), "org", call->caller->org, "local", call->caller->local);
    json_object_set_new(*result, "catalogs", cats);
    json_t *mc = ops_reply_cache_stats();
    if (mc) ops_matrix_memo_stats(mc);
    json_object_set_new(*result, "matrix_cache", mc);
    ism_rpc_conn_stats cs;
    if (ism_rpc_server_conn_stats(app->server, &cs))
        json_object_set_new(
            *result, "connections",
            json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "open",
                      (json_int_t)cs.open, "unauthenticated", (json_int_t)cs.unauthenticated,
                      "limit_unauthenticated", (json_int_t)cs.limit_unauthenticated,
                      "unauthenticated_bytes_bound", (json_int_t)cs.unauthenticated_bytes_bound,
                      "unauthenticated_message_limit", (json_int_t)cs.unauthenticated_message_limit,
                      "admitted", (json_int_t)cs.admitted, "refused", (json_int_t)cs.refused,
                      "timed_out", (json_int_t)cs.timed_out, "limit_per_address",
                      (json_int_t)cs.limit_per_address, "limit_total", (json_int_t)cs.limit_total,
                      "idle_timeout_ms", (json_int_t)app->idle_timeout_ms));
    json_object_set_new(json_object_get(*result, "store"), "schemas",
                        ism_store_schema_versions(app->store));
    return true;
}

static void list_op(const ism_op *op, void *ctx)
{
    json_t *roles = json_array();
    for (int r = ISM_ROLE_ADMIN; r >= ISM_ROLE_VIEWER; r >>= 1)
        if ((op->roles | ISM_ROLE_ADMIN) & r)
            json_array_append_new(roles, json_string(ism_role_name((ism_role)r)));
    json_array_append_new(
        ctx, json_pack("{s:s, s:s, s:o}", "op", op->name, "summary", op->summary, "roles", roles));
}

OP(op_ops_list)
{
    (void)call, (void)params, (void)err;
    *result = json_array();
    ism_rpc_foreach_op(list_op, *result);
    return true;
}

OP(op_jobs_list)
{
    const char *state = NULL;
    json_int_t limit = 50;
    if (!ism_json_str(params, "state", false, &state, err) ||
        !ism_json_int(params, "limit", false, 1, 10000, &limit, err))
        return false;
    static const char *const states[] = {"queued", "running", "succeeded", "failed", "cancelled"};
    bool known = !state;
    for (int i = 0; i < 5 && !known; i++)
        known = strcmp(state, states[i]) == 0;
    if (!known)
        return ism_error_set(err, ISM_E_INVALID_PARAMS,
                             "field 'state' must be one of queued, running, succeeded, failed, "
                             "cancelled");
    *result = ism_store_job_list(call->app->store, state, ops_org_scope(call), (int)limit, err);
    return *result != NULL;
}

OP(op_jobs_show)
{
    const char *id;
    if (!ism_json_str(params, "id", true, &id, err)) return false;
    *result = ism_store_job_get(call->app->store, id, ops_org_scope(call), err);
    return *result != NULL;
}

OP(op_jobs_cancel)
{
    const char *id;
    char state[16];
    if (!ism_json_str(params, "id", true, &id, err)) return false;
    if (!ism_store_job_cancel(call->app->store, id, ops_org_scope(call), state, err)) return false;
    ism_jobs_poke(call->app->jobs);
    *result = json_pack("{s:s, s:s, s:b}", "id", id, "state", state, "cancel_requested", 1);
    return true;
}

OP(op_jobs_submit)
{
    const char *kind;
    char id[64];
    if (!ism_json_str(params, "kind", true, &kind, err)) return false;
    json_t *p = json_object_get(params, "params");
    if (p && !json_is_object(p))
        return ism_error_set(err, ISM_E_INVALID_PARAMS, "field 'params' must be an object");
    const ism_job_kind *k = ism_jobs_kind(call->app->jobs, kind);
    if (k && !((k->roles | ISM_ROLE_ADMIN) & (int)call->caller->role))
        return ism_error_set(err, ISM_E_PERMISSION_DENIED, "role '%s' may not start %s jobs",
                             ism_role_name(call->caller->role), kind);
    if (!ism_jobs_submit(call->app->jobs, kind, p, ops_org_scope(call), id, err)) return false;
    *result = json_pack("{s:s, s:s, s:s}", "id", id, "kind", kind, "state", "queued");
    return true;
}

OP(op_jobs_kinds)
{
    (void)params, (void)err;
    *result = ism_jobs_kinds(call->app->jobs);
    return true;
}

OP(op_token_create)
{
    const char *name, *role_s, *org;
    ism_role role;
    if (!ism_json_str(params, "name", true, &name, err) ||
        !ism_json_str(params, "role", true, &role_s, err) ||
        !ism_json_str(params, "org", false, &org, err))
        return false;
    if (!ism_role_parse(role_s, &role) || role == ISM_ROLE_COLLECTOR)
        return ism_error_set(err, ISM_E_INVALID_PARAMS,
                             "field 'role' must be admin, procurement, auditor or viewer, not '%s' "
                             "(collector tokens come from collector.register)",
                             role_s);
    if (!name[0] || strlen(name) > 120)
        return ism_error_set(err, ISM_E_INVALID_PARAMS, "field 'name' must be 1-120 bytes");
    if (org && strlen(org) > 120)
        return ism_error_set(err, ISM_E_INVALID_PARAMS, "field 'org' must be at most 120 bytes");
    /* An admin scoped to one organization manages that organization only: its tokens land in
     * it (an org-less admin token would be a global admin), and naming another is refused. */
    const char *scope = ops_org_scope(call);
    if (scope[0]) {
        if (org && org[0] && strcmp(org, scope) != 0)
            return ism_error_set(err, ISM_E_PERMISSION_DENIED,
                                 "an admin of organization '%s' may not create tokens for '%s'",
                                 scope, org);
        org = scope;
    }
    if (role != ISM_ROLE_ADMIN && (!org || !org[0]))
        return ism_error_set(err, ISM_E_INVALID_PARAMS,
                             "a %s token needs an organization (field 'org')", role_s);
    char token[80];
    ism_token_info info;
    if (!ism_store_token_create(call->app->store, name, role, org, token, &info, err)) return false;
    ism_logj(ISM_LOG_INFO, "token.created",
             json_pack("{s:s, s:s, s:s}", "token", info.id, "role", role_s, "org", info.org),
             "token %s created", info.id);
    *result = json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", info.id, "name", info.name, "role",
                        role_s, "org", info.org, "token", token);
    return true;
}

OP(op_token_list)
{
    (void)params;
    *result = ism_store_token_list(call->app->store, ops_org_scope(call), err);
    return *result != NULL;
}

OP(op_token_revoke)
{
    const char *id;
    if (!ism_json_str(params, "id", true, &id, err)) return false;
    if (!ism_store_token_revoke(call->app->store, id, ops_org_scope(call), err)) return false;
    ism_logj(ISM_LOG_INFO, "token.revoked", json_pack("{s:s}", "token", id), "token %s revoked",
             id);
    *result = json_pack("{s:s, s:b}", "id", id, "revoked", 1);
    return true;
}
