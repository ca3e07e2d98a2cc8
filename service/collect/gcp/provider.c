/* provider.c — what Google Cloud does as a provider (ism_provider_ops_gcp; its params table is
 * info.c: key file, scanning identity, projects / folder / organization, regions, endpoint):
 * their checks, the adapter from the generic job to ism_gcp_collect, the permission to grant
 * for a denied read and the operations list. */
#include "gcp_int.h"

#include <stdlib.h>
#include <string.h>

static bool digits(const char *s)
{
    if (!s || !*s) return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9') return false;
    return true;
}

static bool gcp_check(const json_t *p, ism_error *err)
{
    const char *f = ism_json_getstr(p, "folder"), *o = ism_json_getstr(p, "organization");
    if (f && !digits(f))
        return ism_error_set(err, ISM_E_INVALID_PARAMS,
                             "field 'folder' must be a folder's numeric id (folders/ID)");
    if (o && !digits(o))
        return ism_error_set(err, ISM_E_INVALID_PARAMS,
                             "field 'organization' must be an organization's numeric id");
    if (f && o)
        return ism_error_set(err, ISM_E_INVALID_PARAMS,
                             "give folder or organization, not both (the organization holds "
                             "every folder)");
    const json_t *imp = json_object_get(p, "impersonate");
    if (imp && !strchr(json_string_value(imp), '@'))
        return ism_error_set(err, ISM_E_INVALID_PARAMS,
                             "field 'impersonate' must be a service account's email");
    return true;
}

static bool gcp_credentials(const json_t *params, ism_error *err)
{
    const char *path = ism_gcp_key_path(ism_json_getstr(params, "key_file"));
    if (!path)
        return ism_error_set(err, ISM_E_CONFIG,
                             "no Google Cloud credentials: give key_file or set "
                             "GOOGLE_APPLICATION_CREDENTIALS in the daemon's environment");
    ism_gcp_key k;
    if (!ism_gcp_key_load(path, &k, err)) return false;
    ism_gcp_key_free(&k);
    return true;
}

static bool gcp_collect(const ism_collect_run *run, struct ism_snapshot *snap,
                        ism_collect_stats *out, ism_error *err)
{
    const json_t *p = run->params;
    const char **projects = ism_provider_names(json_object_get(p, "projects"));
    const char **regions = ism_provider_names(json_object_get(p, "regions"));
    const char *single[2] = {NULL, NULL};
    ism_gcp_key k = {0};
    const char *org = ism_json_getstr(p, "organization"), *folder = ism_json_getstr(p, "folder");
    if (!projects && !org && !folder) {
        /* no scope given: the key file's own project */
        const char *path = ism_gcp_key_path(ism_json_getstr(p, "key_file"));
        if (path && ism_gcp_key_load(path, &k, err) && k.project_id) single[0] = k.project_id;
        if (!single[0]) {
            free(regions);
            ism_gcp_key_free(&k);
            return err->code ? false
                             : ism_error_set(err, ISM_E_INVALID_PARAMS,
                                             "no scope: give projects, folder or organization "
                                             "(the key file names no project_id)");
        }
    }
    gcp_opts o = {.key_file = ism_json_getstr(p, "key_file"),
                  .impersonate = ism_json_getstr(p, "impersonate"),
                  .projects = projects    ? projects
                              : single[0] ? single
                                          : NULL,
                  .regions = regions,
                  .folder = folder,
                  .organization = org,
                  .endpoint_url = ism_json_getstr(p, "endpoint_url"),
                  .no_asset_inventory = json_is_true(json_object_get(p, "no_asset_inventory")),
                  .session_name = run->session_name,
                  .progress = run->progress,
                  .should_stop = run->should_stop,
                  .ctx = run->ctx};
    const char *scale = getenv("ISM_GCP_RATE_SCALE"); /* tests and benchmarks only */
    if (scale) o.rate_scale = atof(scale);
    bool ok = ism_gcp_collect(&o, snap, out, err);
    free(projects);
    free(regions);
    ism_gcp_key_free(&k);
    return ok;
}

/* What to grant: the operation's permission; for a project that could not be entered, the
 * Resource Manager permission to read it. */
static void gcp_grant(const json_t *params, const char *scope, const char *service,
                      const char *operation, const char *reason, char *out, size_t n)
{
    (void)params;
    (void)reason;
    const gcp_op *op = ism_gcp_op_find(operation);
    if (op && !strncmp(scope, "organizations/", 14))
        snprintf(out, n, "%s on %s", op->permission, scope);
    else if (op && !strncmp(scope, "folders/", 8))
        snprintf(out, n, "%s on %s", op->permission, scope);
    else if (op)
        snprintf(out, n, "%s on projects/%s", op->permission, scope);
    else
        snprintf(out, n, "%s:%s", service, operation);
}

static const char *scope_name(gcp_scope s)
{
    return s == GCP_GLOBAL                       ? "global"
           : s == GCP_REGIONAL || s == GCP_ZONAL ? "regional"
                                                 : "per-resource";
}

static json_t *gcp_operations(void)
{
    json_t *arr = json_array();
    size_t n;
    const gcp_op *ops = ism_gcp_ops(&n);
    for (const gcp_op *o = ism_gcp_tree_ops; o->operation; o++)
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:s, s:b}", "service",
                                             o->service, "operation", o->operation, "permission",
                                             o->permission, "scope", "global", "type", o->type,
                                             "paginated", o->page_param != NULL));
    for (const gcp_op *o = ism_gcp_cai_ops; o->operation; o++)
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:s, s:b}", "service",
                                             o->service, "operation", o->operation, "permission",
                                             o->permission, "scope", "global", "type",
                                             "cloudasset.Asset", "paginated", true));
    for (size_t i = 0; i < n; i++)
        json_array_append_new(
            arr, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?, s:b}", "service", ops[i].service,
                           "operation", ops[i].operation, "permission", ops[i].permission, "scope",
                           scope_name(ops[i].scope), "type", ops[i].type, "parent", ops[i].parent,
                           "paginated", ops[i].page_param != NULL));
    return arr;
}

const ism_provider_ops ism_provider_ops_gcp = {
    .check = gcp_check,
    .check_credentials = gcp_credentials,
    .collect = gcp_collect,
    .grant = gcp_grant,
    .operations = gcp_operations,
};
