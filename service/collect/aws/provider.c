/* provider.c — what AWS does as a provider (ism_provider_ops_aws; its params table is info.c):
 * the checks of the params (profile, organization, member role, regions, services, endpoint),
 * the adapter from the generic job to ism_aws_collect, the IAM action to grant for a denied read
 * and the operations list. */
#include "ismap/aws.h"
#include "ismap/provider.h"

#include <stdlib.h>
#include <string.h>

static bool aws_check(const json_t *p, ism_error *err)
{
    const json_t *svc = json_object_get(p, "services");
    size_t i;
    const json_t *v;
    json_array_foreach(svc, i, v)
    {
        if (!ism_aws_service_known(json_string_value(v)))
            return ism_error_set(err, ISM_E_INVALID_PARAMS,
                                 "unknown service '%s'; known: sts, organizations, iam, s3, ec2, "
                                 "cloudtrail, kms, config, guardduty, backup, logs",
                                 json_string_value(v));
    }
    bool org = json_is_true(json_object_get(p, "org"));
    const char *role = ism_json_getstr(p, "role_name");
    if (role && !ism_aws_role_spec_check(role, err)) return false;
    if (org && !role)
        return ism_error_set(err, ISM_E_INVALID_PARAMS,
                             "field 'role_name' is required with org: the role to assume in each "
                             "member account");
    if (!org && (role || json_object_get(p, "external_id")))
        return ism_error_set(err, ISM_E_INVALID_PARAMS,
                             "role_name and external_id apply to org collections only");
    return true;
}

bool ism_aws_collect_check(const json_t *params, ism_error *err)
{
    return ism_provider_check_params(&ism_provider_aws, params, err);
}

static bool aws_credentials(const json_t *params, ism_error *err)
{
    ism_aws_profile p;
    if (!ism_aws_profile_load(ism_json_getstr(params, "profile"), &p, err)) return false;
    ism_aws_profile_free(&p);
    return true;
}

/* ---- the run ------------------------------------------------------------------------------- */
static void on_progress(void *ctx, const ism_aws_collect_progress *a)
{
    const ism_collect_run *run = ctx;
    ism_collect_progress p = {a->accounts_done, a->accounts_total, a->units_done,
                              a->units_total,   a->calls,          a->throttled,
                              a->retries,       a->errors,         a->message};
    if (run->progress) run->progress(run->ctx, &p);
}

static bool aws_collect(const ism_collect_run *run, struct ism_snapshot *snap,
                        ism_collect_stats *out, ism_error *err)
{
    const json_t *params = run->params;
    const char **regions = ism_provider_names(json_object_get(params, "regions"));
    const char **services = ism_provider_names(json_object_get(params, "services"));
    ism_aws_collect_opts o = {.profile = ism_json_getstr(params, "profile"),
                              .org = json_is_true(json_object_get(params, "org")),
                              .role_name = ism_json_getstr(params, "role_name"),
                              .external_id = ism_json_getstr(params, "external_id"),
                              .regions = regions,
                              .services = services,
                              .endpoint_url = ism_json_getstr(params, "endpoint_url"),
                              .session_name = run->session_name,
                              .progress = on_progress,
                              .should_stop = ism_collect_run_should_stop,
                              .ctx = (void *)run};
    ism_aws_collect_stats st = {0};
    bool ok = ism_aws_collect(&o, snap, &st, err);
    free(regions);
    free(services);
    *out = (ism_collect_stats){.scopes = st.accounts,
                               .units_complete = st.units_complete,
                               .units_denied = st.units_denied,
                               .units_failed = st.units_failed,
                               .units_not_enabled = st.units_not_enabled,
                               .units_skipped = st.units_skipped,
                               .units_resumed = st.units_resumed,
                               .calls = st.calls,
                               .retries = st.retries,
                               .throttled = st.throttled,
                               .tokens = st.tokens,
                               .throttle_limit_hits = st.throttle_limit_hits,
                               .ms = st.ms};
    ism_strlcpy(out->principal, st.principal, sizeof out->principal);
    return ok;
}

/* What to grant for a denied entry: the operation's IAM action, or — for an account that could
 * not be entered — sts:AssumeRole on the member role (which must exist and trust the caller). */
static void aws_grant(const json_t *params, const char *account, const char *service,
                      const char *op, const char *reason, char *out, size_t n)
{
    const char *role_name = ism_json_getstr(params, "role_name");
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

static const char *scope_name(ism_aws_scope s)
{
    return s == ISM_AWS_SCOPE_GLOBAL     ? "global"
           : s == ISM_AWS_SCOPE_REGIONAL ? "regional"
                                         : "per-resource";
}

static json_t *aws_operations(void)
{
    size_t n;
    const ism_aws_op *ops = ism_aws_ops(&n);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        char action[128];
        ism_aws_op_action(&ops[i], action, sizeof action);
        json_array_append_new(
            arr, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?, s:s?, s:b}", "service", ops[i].service,
                           "operation", ops[i].name, "permission", action, "action", action,
                           "scope", scope_name(ops[i].scope), "type", ops[i].type, "parent",
                           ops[i].parent, "paginated", ops[i].in_token != NULL));
    }
    return arr;
}

const ism_provider_ops ism_provider_ops_aws = {
    .check = aws_check,
    .check_credentials = aws_credentials,
    .collect = aws_collect,
    .grant = aws_grant,
    .operations = aws_operations,
};
