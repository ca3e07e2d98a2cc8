/* provider.c — what Microsoft Azure does as a provider (ism_provider_ops_azure; its params table
 * is info.c: subscriptions, management group, locations, endpoint URLs): their checks, the
 * adapter from the generic job to ism_azure_collect, the RBAC action / Graph permission to grant
 * for a denied read and the operations list. */
#include "ismap/azure.h"
#include "ismap/provider.h"

#include <stdlib.h>
#include <string.h>

static bool is_guid(const char *s)
{
    static const int dash[] = {8, 13, 18, 23};
    if (strlen(s) != 36) return false;
    for (int i = 0; i < 36; i++) {
        bool d = i == dash[0] || i == dash[1] || i == dash[2] || i == dash[3];
        if (d ? s[i] != '-' : !strchr("0123456789abcdefABCDEF", s[i])) return false;
    }
    return true;
}

static bool azure_check(const json_t *p, ism_error *err)
{
    const json_t *subs = json_object_get(p, "subscriptions");
    size_t i;
    const json_t *v;
    json_array_foreach(subs, i, v)
    {
        if (!is_guid(json_string_value(v)))
            return ism_error_set(err, ISM_E_INVALID_PARAMS,
                                 "field 'subscriptions' item %zu: '%s' is not a subscription id "
                                 "(a GUID: xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)",
                                 i, json_string_value(v));
    }
    if (json_array_size(subs) && json_object_get(p, "management_group"))
        return ism_error_set(err, ISM_E_INVALID_PARAMS,
                             "give either 'subscriptions' or 'management_group', not both");
    if (json_object_get(p, "endpoint_url") &&
        (json_object_get(p, "authority_host") || json_object_get(p, "arm_url") ||
         json_object_get(p, "graph_url")))
        return ism_error_set(err, ISM_E_INVALID_PARAMS,
                             "'endpoint_url' sets every endpoint: give it alone, or "
                             "'authority_host', 'arm_url' and 'graph_url' one by one");
    return true;
}

static bool azure_credentials(const json_t *params, ism_error *err)
{
    ism_azure_creds c;
    bool ok = ism_azure_creds_from_env(&c,
                                       ism_json_getstr(params, "endpoint_url")
                                           ? ism_json_getstr(params, "endpoint_url")
                                           : ism_json_getstr(params, "authority_host"),
                                       err);
    ism_azure_creds_free(&c);
    return ok;
}

static void on_progress(void *ctx, const ism_azure_progress *a)
{
    const ism_collect_run *run = ctx;
    ism_collect_progress p = {a->subs_done, a->subs_total, a->units_done, a->units_total, a->calls,
                              a->throttled, a->retries,    a->errors,     a->message};
    if (run->progress) run->progress(run->ctx, &p);
}

static bool azure_collect(const ism_collect_run *run, struct ism_snapshot *snap,
                          ism_collect_stats *out, ism_error *err)
{
    const json_t *p = run->params;
    const char **subs = ism_provider_names(json_object_get(p, "subscriptions"));
    const char **locs = ism_provider_names(json_object_get(p, "locations"));
    ism_azure_opts o = {.subscriptions = subs,
                        .management_group = ism_json_getstr(p, "management_group"),
                        .locations = locs,
                        .endpoint_url = ism_json_getstr(p, "endpoint_url"),
                        .authority_host = ism_json_getstr(p, "authority_host"),
                        .arm_url = ism_json_getstr(p, "arm_url"),
                        .graph_url = ism_json_getstr(p, "graph_url"),
                        .progress = on_progress,
                        .should_stop = ism_collect_run_should_stop,
                        .ctx = (void *)run};
    ism_azure_stats st = {0};
    bool ok = ism_azure_collect(&o, snap, &st, err);
    free(subs);
    free(locs);
    *out = (ism_collect_stats){.scopes = st.scopes,
                               .scopes_not_entered = st.not_entered,
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

/* What to grant for a denied read: the RBAC action (in Reader / Security Reader) or the Graph
 * application permission the operation needs. */
static void azure_grant(const json_t *params, const char *scope, const char *service,
                        const char *op, const char *reason, char *out, size_t n)
{
    (void)params;
    (void)reason;
    const ism_azure_op *o = ism_azure_op_find(op);
    if (!o)
        snprintf(out, n, "%s:%s", service, op);
    else if (o->api == ISM_AZURE_GRAPH)
        snprintf(out, n, "Microsoft Graph %s, admin-consented", o->permission);
    else if (!strcmp(op, "SubscriptionsGet"))
        snprintf(out, n, "%s (the Reader role on subscription %s)", o->permission, scope);
    else
        snprintf(out, n, "%s", o->permission);
}

static const char *scope_name(ism_azure_scope s)
{
    return s == ISM_AZURE_SCOPE_TENANT         ? "global"
           : s == ISM_AZURE_SCOPE_SUBSCRIPTION ? "subscription"
           : s == ISM_AZURE_SCOPE_LOCATION     ? "regional"
                                               : "per-resource";
}

static json_t *azure_operations(void)
{
    size_t n;
    const ism_azure_op *ops = ism_azure_ops(&n);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:s?, s:b}",
                                             "service", ops[i].service, "operation", ops[i].name,
                                             "permission", ops[i].permission, "api",
                                             ops[i].api == ISM_AZURE_GRAPH ? "graph" : "arm",
                                             "path", ops[i].path, "scope", scope_name(ops[i].scope),
                                             "api_version", ops[i].api_version, "parent",
                                             ops[i].parent, "paginated", !ops[i].single));
    return arr;
}

const ism_provider_ops ism_provider_ops_azure = {
    .check = azure_check,
    .check_credentials = azure_credentials,
    .collect = azure_collect,
    .grant = azure_grant,
    .operations = azure_operations,
};
