/* ops_collect.c — collection ops, made from the provider table (include/ismap/provider.h):
 * "collect.providers" lists the providers and their params; for each provider "collect.<name>"
 * starts a collection (a "collect.<name>" job) and "collect.<name>.operations" lists the
 * operations the collector calls (what its read-only policy must allow). */
#include "ismap/provider.h"
#include "ops.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define COLLECTORS (ISM_ROLE_ADMIN | ISM_ROLE_AUDITOR)

/* The provider an op serves: "collect.<name>" or "collect.<name>.operations". */
static const ism_provider *provider_of(const ism_rpc_call *call)
{
    const char *n = call->op ? call->op->name : "";
    if (strncmp(n, "collect.", 8) != 0) return NULL;
    char name[64];
    size_t len = strcspn(n + 8, ".");
    if (len >= sizeof name) return NULL;
    memcpy(name, n + 8, len);
    name[len] = '\0';
    return ism_provider_find(name);
}

/* An endpoint override sends signed requests (with session tokens) to the host it names, and a
 * path names a file of the daemon's host: only an admin may set one, endpoints only to a host
 * the daemon's config allows. */
static bool overrides_permitted(const ism_rpc_call *call, const ism_provider *p,
                                const json_t *params, ism_error *err)
{
    for (const ism_provider_param *pp = p->params; pp->name; pp++) {
        if (pp->kind != ISM_PPARAM_URL && pp->kind != ISM_PPARAM_PATH) continue;
        const json_t *v = json_object_get(params, pp->name);
        if (!v) continue;
        if (call->caller->role != ISM_ROLE_ADMIN)
            return ism_error_set(err, ISM_E_PERMISSION_DENIED,
                                 pp->kind == ISM_PPARAM_URL
                                     ? "only an admin may set %s (signed requests and tokens go "
                                       "to that host)"
                                     : "only an admin may set %s (a file of the daemon's host)",
                                 pp->name);
        if (pp->kind == ISM_PPARAM_URL &&
            !ism_collect_endpoint_allowed(json_string_value(v), call->app->collect_endpoint_allow,
                                          err))
            return false;
    }
    return true;
}

static OP(op_collect_start)
{
    const ism_provider *p = provider_of(call);
    if (!p) return ism_error_set(err, ISM_E_INTERNAL, "no provider for this op");
    /* A zone routes the collection to the remote collectors of that network zone; the rest
     * are the provider's params. */
    const char *zone = NULL;
    if (!ism_json_str(params, "zone", false, &zone, err) ||
        (zone && !ism_collect_zone_check(zone, err)))
        return false;
    json_t *pp = json_deep_copy(params);
    json_object_del(pp, "zone");
    /* The params' own rules first (a malformed or plain-http remote URL says so), then who
     * may point the collection where. */
    bool valid = ism_provider_check_params(p, pp, err) && overrides_permitted(call, p, pp, err);
    json_decref(pp);
    if (!valid) return false;
    char kind[80], id[64];
    snprintf(kind, sizeof kind, "collect.%s", p->name);
    json_t *copy = json_deep_copy(params);
    bool ok = ism_jobs_submit(call->app->jobs, kind, copy, ops_org_scope(call), id, err);
    json_decref(copy);
    if (!ok) return false;
    *result = json_pack("{s:s, s:s, s:s}", "job", id, "kind", kind, "state", "queued");
    if (zone) json_object_set_new(*result, "zone", json_string(zone));
    return true;
}

static OP(op_collect_operations)
{
    (void)params;
    const ism_provider *p = provider_of(call);
    if (!p) return ism_error_set(err, ISM_E_INTERNAL, "no provider for this op");
    *result = ism_provider_ops_of(p)->operations();
    return *result != NULL || ism_error_set(err, ISM_E_INTERNAL, "out of memory");
}

static OP(op_collect_providers)
{
    (void)call, (void)params, (void)err;
    size_t n;
    const ism_provider *const *ps = ism_providers(&n);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, ism_provider_describe(ps[i]));
    *result = arr;
    return true;
}

/* ---- the section ----------------------------------------------------------------------------- */
#define MAX_PROVIDERS 16
static ism_op section[2 * MAX_PROVIDERS + 2];
static char names[MAX_PROVIDERS][2][80];
static char summaries[MAX_PROVIDERS][2][300];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void build(void)
{
    size_t n, k = 0;
    const ism_provider *const *ps = ism_providers(&n);
    section[k++] = (ism_op){"collect.providers", op_collect_providers, ISM_ROLES_ALL,
                            "the cloud providers the service collects from, with their params"};
    for (size_t i = 0; i < n && i < MAX_PROVIDERS; i++) {
        snprintf(names[i][0], sizeof names[i][0], "collect.%s", ps[i]->name);
        snprintf(summaries[i][0], sizeof summaries[i][0],
                 "start a %s collection job: %s (URL and path params: admins only; zone: run it "
                 "by the remote collectors of that network zone)",
                 ps[i]->title, ps[i]->summary);
        section[k++] = (ism_op){names[i][0], op_collect_start, COLLECTORS, summaries[i][0]};
        snprintf(names[i][1], sizeof names[i][1], "collect.%s.operations", ps[i]->name);
        snprintf(summaries[i][1], sizeof summaries[i][1],
                 "the %s operations the collector calls (the permissions it needs)", ps[i]->title);
        section[k++] = (ism_op){names[i][1], op_collect_operations, ISM_ROLES_ALL, summaries[i][1]};
    }
    section[k] = (ism_op){NULL, NULL, 0, NULL};
}

const ism_op *ism_ops_collect(void)
{
    pthread_once(&once, build);
    return section;
}
