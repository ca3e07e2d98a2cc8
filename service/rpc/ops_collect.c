/* ops_collect.c — collection ops: start an AWS collection (a "collect.aws" job) and list the
 * operations the collector calls (what its IAM policy must allow). */
#include "ismap/aws.h"
#include "ops.h"

#include <string.h>

#define COLLECTORS (ISM_ROLE_ADMIN | ISM_ROLE_AUDITOR)

/* An endpoint override sends signed requests (with session tokens) to the host it names: only
 * an admin may set one, and only to a host the daemon's config allows. */
static bool endpoint_permitted(const ism_rpc_call *call, const json_t *params, ism_error *err)
{
    const char *url = ism_json_getstr(params, "endpoint_url");
    if (!json_object_get(params, "endpoint_url")) return true;
    if (!url)
        return ism_error_set(err, ISM_E_INVALID_PARAMS, "field 'endpoint_url' must be a string");
    if (call->caller->role != ISM_ROLE_ADMIN)
        return ism_error_set(err, ISM_E_PERMISSION_DENIED,
                             "only an admin may set endpoint_url (signed requests and session "
                             "tokens go to that host)");
    return ism_aws_endpoint_allowed(url, call->app->collect_endpoint_allow, err);
}

OP(op_collect_aws)
{
    char id[64];
    /* The params' own rules first (a malformed or plain-http remote URL says so), then who
     * may point the collection where. */
    if (!ism_aws_collect_check(params, err) || !endpoint_permitted(call, params, err)) return false;
    json_t *p = json_deep_copy(params);
    bool ok = ism_jobs_submit(call->app->jobs, "collect.aws", p, ops_org_scope(call), id, err);
    json_decref(p);
    if (!ok) return false;
    *result = json_pack("{s:s, s:s, s:s}", "job", id, "kind", "collect.aws", "state", "queued");
    return true;
}

static const char *scope_name(ism_aws_scope s)
{
    return s == ISM_AWS_SCOPE_GLOBAL     ? "global"
           : s == ISM_AWS_SCOPE_REGIONAL ? "regional"
                                         : "per-resource";
}

OP(op_collect_aws_operations)
{
    (void)call, (void)params, (void)err;
    size_t n;
    const ism_aws_op *ops = ism_aws_ops(&n);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        char action[128];
        json_array_append_new(arr,
                              json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s?, s:b}", "service",
                                        ops[i].service, "operation", ops[i].name, "action",
                                        ism_aws_op_action(&ops[i], action, sizeof action), "scope",
                                        scope_name(ops[i].scope), "type", ops[i].type, "parent",
                                        ops[i].parent, "paginated", ops[i].in_token != NULL));
    }
    *result = arr;
    return true;
}

const ism_op ism_ops_collect[] = {
    {"collect.aws", op_collect_aws, COLLECTORS,
     "start an AWS collection job (params: profile, org, role_name, external_id, regions, "
     "services, endpoint_url — admins only, to a host in the config's collect.endpoint_allow)"},
    {"collect.aws.operations", op_collect_aws_operations, ISM_ROLES_ALL,
     "the AWS operations the collector calls (the IAM actions it needs)"},
    {NULL, NULL, 0, NULL},
};
