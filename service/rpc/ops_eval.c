/* ops_eval.c — check ops: list and show the check definitions (any role), and evaluate a
 * snapshot (admin, auditor) — by id in the caller's organization, verified first. Evaluation runs
 * synchronously in the request for now; a large snapshot's findings are capped by "limit" so a
 * reply stays within the message size. */
#include "ismap/eval.h"
#include "ismap/snapshot.h"
#include "ops.h"

#include <stdlib.h>
#include <string.h>

#define ALL ISM_ROLES_ALL

static bool need_checks(ism_rpc_call *call, ism_error *err)
{
    if (call->app->checks) return true;
    return ism_error_set(err, ISM_E_UNAVAILABLE, "no checks are loaded");
}

OP(op_checks_list)
{
    const char *provider;
    if (!need_checks(call, err) || !ism_json_str(params, "provider", false, &provider, err))
        return false;
    *result = ism_eval_list(call->app->checks, provider);
    return true;
}

OP(op_checks_show)
{
    const char *id;
    if (!need_checks(call, err) || !ism_json_str(params, "id", true, &id, err)) return false;
    *result = ism_eval_show(call->app->checks, id, err);
    return *result != NULL;
}

/* "status": one name or an array of names → a bit set of ism_eval_status. */
static bool parse_statuses(const json_t *params, unsigned *out, ism_error *err)
{
    json_t *v = json_object_get(params, "status");
    *out = 0;
    if (!v) return true;
    json_t *list = json_is_string(v) ? json_pack("[O]", v) : json_incref(v);
    bool ok = json_is_array(list) && json_array_size(list) > 0;
    size_t i;
    json_t *s;
    json_array_foreach(list, i, s)
    {
        ism_eval_status st;
        if (!ism_eval_status_parse(json_string_value(s), &st)) {
            ok = false;
            break;
        }
        *out |= 1u << st;
    }
    json_decref(list);
    if (!ok)
        ism_error_set(err, ISM_E_INVALID_PARAMS,
                      "field 'status' must be pass, fail, error or not_assessed, or an array "
                      "of them");
    return ok;
}

/* "checks": an optional array of ids; the strings stay borrowed from params. */
static bool parse_ids(const json_t *params, const char ***ids, size_t *n, ism_error *err)
{
    json_t *v = json_object_get(params, "checks");
    *ids = NULL;
    *n = 0;
    if (!v) return true;
    if (!json_is_array(v) || json_array_size(v) == 0)
        return ism_error_set(err, ISM_E_INVALID_PARAMS,
                             "field 'checks' must be a non-empty array of check ids");
    *ids = calloc(json_array_size(v), sizeof **ids);
    size_t i;
    json_t *s;
    json_array_foreach(v, i, s)
    {
        if (!json_is_string(s)) {
            free(*ids);
            *ids = NULL;
            return ism_error_set(err, ISM_E_INVALID_PARAMS, "field 'checks[%zu]' must be a string",
                                 i);
        }
        (*ids)[(*n)++] = json_string_value(s);
    }
    return true;
}

/* The snapshot to evaluate. Remote callers name a registered snapshot by "id", looked up in
 * their organization and verified (hash and signature) before it is opened: they never name
 * files on the daemon's host. The trusted local socket may also give "path" (an absolute file
 * name), which is opened as it is and marked unverified. Sets *row to the registry row (new
 * reference) for ids. */
static ism_snapshot *open_snapshot(ism_rpc_call *call, const json_t *params, json_t **row,
                                   ism_error *err)
{
    const char *path, *id;
    *row = NULL;
    if (!ism_json_str(params, "path", false, &path, err) ||
        !ism_json_str(params, "id", false, &id, err))
        return NULL;
    if (path && !call->caller->local) {
        ism_error_set(err, ISM_E_PERMISSION_DENIED,
                      "field 'path' is accepted only on the local admin socket; name the snapshot "
                      "by 'id'");
        return NULL;
    }
    if (!path == !id) {
        ism_error_set(err, ISM_E_INVALID_PARAMS,
                      call->caller->local ? "give the snapshot as 'path' or as 'id'"
                                          : "give the snapshot's 'id'");
        return NULL;
    }
    if (path) {
        if (path[0] != '/') {
            ism_error_set(err, ISM_E_INVALID_PARAMS,
                          "field 'path' must be an absolute file name on the service's host");
            return NULL;
        }
        return ism_snapshot_open(path, false, err);
    }
    if (!call->app->store) {
        ism_error_set(err, ISM_E_UNAVAILABLE, "no snapshot registry is open");
        return NULL;
    }
    return ism_snapshot_open_verified(call->app->store, call->app->signer, id, ops_org_scope(call),
                                      row, err);
}

/* limit 0: the summary alone, findings counted but not kept. */
static bool drop_finding(void *ctx, const ism_eval_finding *f)
{
    (void)ctx;
    (void)f;
    return true;
}

OP(op_eval_snapshot)
{
    json_int_t limit = 20000;
    ism_eval_options opt = {0};
    const char **ids = NULL;
    if (!need_checks(call, err) || !ism_json_int(params, "limit", false, 0, 1000000, &limit, err) ||
        !parse_statuses(params, &opt.statuses, err) || !parse_ids(params, &ids, &opt.nchecks, err))
        return false;
    json_t *row = NULL;
    ism_snapshot *snap = open_snapshot(call, params, &row, err);
    if (snap) {
        opt.checks = ids;
        opt.max_findings = (size_t)limit;
        if (limit == 0) opt.sink = drop_finding;
        *result = ism_eval_run(call->app->checks, snap, &opt, err);
        if (*result && row) {
            json_object_set_new(*result, "verified", json_true());
            json_object_set(*result, "sha256", json_object_get(row, "sha256"));
        } else if (*result) {
            json_object_set_new(*result, "verified", json_false());
            json_object_set(*result, "path", json_object_get(params, "path"));
        }
    }
    ism_snapshot_close(snap);
    json_decref(row);
    free(ids);
    return snap && *result;
}

const ism_op ism_ops_eval[] = {
    {"checks.list", op_checks_list, ALL,
     "check definitions: id, severity, titles, required operations, refs (params: provider)"},
    {"checks.show", op_checks_show, ALL, "one check as written, with its SQL (params: id)"},
    {"eval.snapshot", op_eval_snapshot, ISM_ROLE_ADMIN | ISM_ROLE_AUDITOR,
     "run the checks over a verified snapshot: summary per check and findings (params: id "
     "(path on the local socket only), checks, status, limit; limit 0 = summary only)"},
    {NULL, NULL, 0, NULL},
};
