/* http_routes.c — the HTTP gateway's route table and the generic op route. Every route
 * authenticates, then calls ops through ism_rpc_call_op (the op table's roles and org scoping),
 * so HTTP is another door to the same ops, never a second implementation. */
#include "http_int.h"

#include <string.h>

/* POST /api/v1/ops/{op}: the op's params as the JSON body. */
static enum MHD_Result route_op(http_req *r)
{
    ism_error err = {0};
    const char *op = r->caps[0];
    ism_strlcpy(r->op, op, sizeof r->op);
    /* An unknown op is told before the caller is asked who they are, as over nng. */
    if (!ism_rpc_find_op(op)) {
        ism_error_set(&err, ISM_E_UNKNOWN_OP, "no op named '%s'", op);
        return http_reply_error(r, &err);
    }
    ism_rpc_caller who;
    if (!http_authenticate(r, &who, &err)) return http_reply_error(r, &err);
    json_t *params = http_body_object(r, &err);
    if (!params) return http_reply_error(r, &err);
    return http_call_and_reply(r, &who, op, params);
}

const http_route ism_rpc_http_routes[] = {
    {"POST", "/api/v1/ops/*", route_op},
    /* Resource reads (http_resources.c), downloads (http_download.c), uploads (http_upload.c). */
    {"GET", "/api/v1/subjects", http_route_resource},
    {"GET", "/api/v1/subjects/*", http_route_resource},
    {"GET", "/api/v1/subjects/*/screening", http_route_resource},
    {"GET", "/api/v1/subjects/*/screening/export", http_route_screening_export},
    {"GET", "/api/v1/assessments", http_route_resource},
    {"GET", "/api/v1/assessments/*", http_route_resource},
    {"GET", "/api/v1/assessments/*/matrix", http_route_resource},
    {"GET", "/api/v1/assessments/*/findings", http_route_resource},
    {"GET", "/api/v1/assessments/*/report", http_route_report},
    {"GET", "/api/v1/snapshots", http_route_resource},
    {"GET", "/api/v1/snapshots/*", http_route_resource},
    {"GET", "/api/v1/jobs", http_route_resource},
    {"GET", "/api/v1/jobs/*", http_route_resource},
    {"POST", "/api/v1/evidence", http_route_upload},
    {"POST", "/api/v1/session", http_route_session},
    {"GET", "/api/v1/session", http_route_session},
    {"DELETE", "/api/v1/session", http_route_session},
    {"GET", "/api/v1/events", http_route_events},
    {"GET", "/", http_route_index},
    {"GET", "/assets/**", http_route_asset},
    {NULL, NULL, NULL},
};
