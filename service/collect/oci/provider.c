/* provider.c — what OCI does as a provider (ism_provider_ops_oci; its description is info.c, the
 * params table params.c): the credentials check, the
 * adapter from the generic job to ism_oci_collect, the policy statement to grant for a denied
 * read and the operations list. */
#include "ismap/provider.h"
#include "oci_int.h"

#include <stdlib.h>
#include <string.h>

static bool oci_credentials(const json_t *params, ism_error *err)
{
    ism_oci_profile p;
    if (!ism_oci_profile_load(ism_json_getstr(params, "profile"),
                              ism_json_getstr(params, "config_file"), &p, err))
        return false;
    ism_oci_profile_free(&p);
    return true;
}

static bool oci_collect(const ism_collect_run *run, struct ism_snapshot *snap,
                        ism_collect_stats *out, ism_error *err)
{
    const json_t *p = run->params;
    const char **regions = ism_provider_names(json_object_get(p, "regions"));
    ism_oci_collect_opts o = {.profile = ism_json_getstr(p, "profile"),
                              .config_file = ism_json_getstr(p, "config_file"),
                              .compartment = ism_json_getstr(p, "compartment"),
                              .endpoint_url = ism_json_getstr(p, "endpoint_url"),
                              .regions = regions,
                              .run = run};
    memset(out, 0, sizeof *out);
    bool ok = ism_oci_collect(&o, snap, out, err);
    free(regions);
    return ok;
}

/* The policy statement that allows a denied read: "Allow group <your collector group> to inspect
 * vcns in tenancy". */
static void oci_grant(const json_t *params, const char *scope, const char *service,
                      const char *operation, const char *reason, char *out, size_t n)
{
    (void)scope;
    (void)reason;
    const oci_op *o = ism_oci_op_find(operation);
    const char *where = ism_json_getstr(params, "compartment");
    char in[300];
    if (where && strncmp(where, "ocid1.tenancy.", 14))
        snprintf(in, sizeof in, "compartment id %s", where);
    else
        snprintf(in, sizeof in, "tenancy");
    if (o)
        snprintf(out, n, "Allow group <collector-group> to %s in %s", o->permission, in);
    else
        snprintf(out, n, "%s:%s", service, operation);
}

static const char *scope_name(const oci_op *o)
{
    switch (o->scope) {
    case OCI_TENANCY:
    case OCI_GLOBAL_PER_COMP:
        return "global";
    case OCI_REGION_ONCE:
    case OCI_REGION_PER_COMP:
        return "regional";
    default:
        return "per-resource";
    }
}

static json_t *oci_operations(void)
{
    size_t n;
    const oci_op *ops = ism_oci_ops(&n);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        char perm[160];
        snprintf(perm, sizeof perm, "%s", ops[i].permission);
        json_array_append_new(arr,
                              json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s?, s:b}", "service",
                                        ops[i].service, "operation", ops[i].operation, "permission",
                                        perm, "scope", scope_name(&ops[i]), "type", ops[i].type,
                                        "parent", ops[i].parent, "paginated", ops[i].paginated));
    }
    return arr;
}

const ism_provider_ops ism_provider_ops_oci = {
    .check = ism_oci_params_check,
    .check_credentials = oci_credentials,
    .collect = oci_collect,
    .grant = oci_grant,
    .operations = oci_operations,
};
