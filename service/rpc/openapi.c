/* openapi.c — the OpenAPI 3.1 document of the HTTP API, built at run time from the op table
 * and the per-op schemas (op_schemas.c), so it cannot drift from what the service does: every
 * op as its own POST /api/v1/ops/<op>, the resource reads, the upload, the downloads, the
 * event stream and the browser session of the gateway contract, the error envelope with the
 * statuses the contract gives each error code, and the two ways to authenticate (bearer token,
 * session cookie + X-CSRF-Token). The gateway serves it at GET /api/v1/openapi.json. */
#include "ismap/rpc.h"

#include <stdlib.h>
#include <string.h>

#define REF(name) json_pack("{s:s}", "$ref", "#/components/schemas/" name)

/* The error statuses of the contract: status, component name, what it means. */
static const struct {
    const char *status, *name, *text;
} errors[] = {
    {"400", "BadRequest",
     "bad_request, invalid_params or invalid_data: the details say which field, "
     "row or column"},
    {"401", "Unauthenticated",
     "unauthenticated: no token or session, or an unknown or revoked one"},
    {"403", "PermissionDenied",
     "permission_denied: the role may not do this (or a cookie request "
     "without its X-CSRF-Token)"},
    {"404", "NotFound", "not_found or unknown_op: no such object in the caller's organization"},
    {"409", "Conflict", "conflict: the object's state does not allow it"},
    {"413", "TooLarge", "too_large: the request is over the configured limit"},
    {"429", "RateLimited", "rate_limited: too many attempts; retry after Retry-After seconds"},
    {"500", "Internal", "internal, io and every other code"},
    {"503", "Unavailable", "unavailable: shutting down, or catalogs/checks not loaded"},
    {"504", "Timeout", "timeout: gave up waiting"},
};
#define NERRORS (sizeof errors / sizeof errors[0])

static json_t *json_content(json_t *schema)
{
    return json_pack("{s:{s:o}}", "application/json", "schema", schema);
}

/* {"ok": true, "result": <result>} */
static json_t *success(const char *what, json_t *result)
{
    json_t *env =
        json_pack("{s:s, s:[s, s], s:{s:{s:b}, s:o}}", "type", "object", "required", "ok", "result",
                  "properties", "ok", "const", 1, "result", result ? result : json_object());
    return json_pack("{s:s, s:o}", "description", what, "content", json_content(env));
}

/* The error responses an operation can give, by status. */
static void add_errors(json_t *responses, const char *const *statuses)
{
    for (const char *const *s = statuses; *s; s++)
        for (size_t i = 0; i < NERRORS; i++)
            if (!strcmp(errors[i].status, *s))
                json_object_set_new(
                    responses, *s,
                    json_pack("{s:s+}", "$ref", "#/components/responses/", errors[i].name));
}

static const char *const op_errors[] = {"400", "401", "403", "404", "409", "413",
                                        "429", "500", "503", "504", NULL};
static const char *const read_errors[] = {"400", "401", "403", "404", "429",
                                          "500", "503", "504", NULL};

static json_t *roles_of(const ism_op *op)
{
    json_t *roles = json_array();
    for (int r = ISM_ROLE_ADMIN; r >= ISM_ROLE_VIEWER; r >>= 1)
        if ((op->roles | ISM_ROLE_ADMIN) & r)
            json_array_append_new(roles, json_string(ism_role_name((ism_role)r)));
    return roles;
}

static json_t *op_result(const char *op)
{
    json_t *r = ism_rpc_op_result_schema(op);
    return r ? r : json_object();
}

/* POST /api/v1/ops/<op> */
static void add_op(const ism_op *op, void *ctx)
{
    json_t *paths = ctx;
    json_t *params = ism_rpc_op_params_schema(op->name);
    json_t *roles = roles_of(op);
    char *roles_text = json_dumps(roles, JSON_COMPACT);
    char *desc = ism_strdupf("%s.\n\nRoles: %s. The body is the op's params (an empty body is "
                             "{}); over nng the same op is {\"op\": \"%s\", \"params\": ...}.",
                             op->summary, roles_text ? roles_text : "[]", op->name);
    char id[160];
    ism_strlcpy(id, op->name, sizeof id);
    for (char *p = id; *p; p++)
        if (*p == '.') *p = '_';
    const char *dot = strchr(op->name, '.');
    char tag[64];
    snprintf(tag, sizeof tag, "%.*s", dot ? (int)(dot - op->name) : (int)strlen(op->name),
             op->name);
    json_t *responses = json_pack("{s:o}", "200", success("the op's result", op_result(op->name)));
    add_errors(responses, op_errors);
    json_t *post =
        json_pack("{s:s, s:s, s:s, s:[s], s:o, s:o, s:{s:b, s:o}, s:[{s:s}], s:o}", "operationId",
                  id, "summary", op->summary, "description", desc, "tags", tag, "x-ismap-op",
                  json_string(op->name), "x-ismap-roles", roles, "requestBody", "required", 0,
                  "content", json_content(params ? params : json_object()), "parameters", "$ref",
                  "#/components/parameters/CsrfToken", "responses", responses);
    char *path = ism_strdupf("/api/v1/ops/%s", op->name);
    json_object_set_new(paths, path, json_pack("{s:o}", "post", post));
    free(path);
    free(desc);
    free(roles_text);
}

/* Query (and path) parameters of a resource GET, from the op's params schema: the path
 * parameter takes `path_param` (NULL: none), every other property of the op becomes a query
 * parameter unless `only` lists the ones to take. */
static json_t *op_parameters(const char *op, const char *path_param, const char *const *only)
{
    json_t *out = json_array();
    json_t *ps = ism_rpc_op_params_schema(op);
    json_t *props = json_object_get(ps, "properties"), *req = json_object_get(ps, "required");
    if (path_param) {
        char *what = ism_strdupf("the op's param '%s'", path_param);
        json_array_append_new(out, json_pack("{s:s, s:s, s:b, s:{s:s}, s:s}", "name", "id", "in",
                                             "path", "required", 1, "schema", "type", "string",
                                             "description", what));
        free(what);
    }
    const char *k;
    json_t *v;
    json_object_foreach(props, k, v)
    {
        if (path_param && !strcmp(k, path_param)) continue;
        bool take = !only;
        for (const char *const *o = only; o && *o; o++)
            take = take || !strcmp(*o, k);
        if (!take) continue;
        bool required = false;
        size_t i;
        json_t *r;
        json_array_foreach(req, i, r) required = required || !strcmp(json_string_value(r), k);
        json_array_append_new(out, json_pack("{s:s, s:s, s:b, s:O}", "name", k, "in", "query",
                                             "required", required, "schema", v));
    }
    json_decref(ps);
    return out;
}

static void add_get(json_t *paths, const char *path, const char *op, const char *path_param,
                    const char *const *only)
{
    const ism_op *o = ism_rpc_find_op(op);
    if (!o) return;
    char *desc = ism_strdupf("The op %s (POST /api/v1/ops/%s): %s.%s", op, op, o->summary,
                             path_param ? " The path's id is its param '" : "");
    if (path_param) {
        char *d2 = ism_strdupf("%s%s'; query parameters are its other params.", desc, path_param);
        free(desc);
        desc = d2;
    }
    char id[160];
    snprintf(id, sizeof id, "get_%s%s", op, path_param ? "_by_id" : "");
    for (char *p = id; *p; p++)
        if (*p == '.') *p = '_';
    json_t *responses = json_pack("{s:o}", "200", success("the op's result", op_result(op)));
    add_errors(responses, read_errors);
    json_object_set_new(paths, path,
                        json_pack("{s:{s:s, s:s, s:s, s:[s], s:s, s:o, s:o}}", "get", "operationId",
                                  id, "summary", o->summary, "description", desc, "tags",
                                  "resources", "x-ismap-op", op, "parameters",
                                  op_parameters(op, path_param, only), "responses", responses));
    free(desc);
}

static void add_resources(json_t *paths)
{
    static const char *const findings_q[] = {"cursor", "limit",    "status", "check", "account",
                                             "region", "severity", "domain", NULL};
    add_get(paths, "/api/v1/subjects", "subject.list", NULL, NULL);
    add_get(paths, "/api/v1/subjects/{id}", "subject.show", "subject", NULL);
    add_get(paths, "/api/v1/subjects/{id}/screening", "screening.get", "subject", NULL);
    add_get(paths, "/api/v1/assessments", "assessment.list", NULL, NULL);
    add_get(paths, "/api/v1/assessments/{id}", "assessment.show", "id", NULL);
    add_get(paths, "/api/v1/assessments/{id}/matrix", "matrix.get", "assessment", NULL);
    add_get(paths, "/api/v1/assessments/{id}/findings", "findings.list", "assessment", findings_q);
    add_get(paths, "/api/v1/snapshots", "snapshot.list", NULL, NULL);
    add_get(paths, "/api/v1/snapshots/{id}", "snapshot.show", "id", NULL);
    add_get(paths, "/api/v1/jobs", "jobs.list", NULL, NULL);
    add_get(paths, "/api/v1/jobs/{id}", "jobs.show", "id", NULL);
}

static json_t *download(const char *id, const char *summary, json_t *formats, json_t *types)
{
    json_t *content = json_object();
    size_t i;
    json_t *t;
    json_array_foreach(types, i, t)
        json_object_set_new(content, json_string_value(t),
                            json_pack("{s:{s:s, s:s}}", "schema", "type", "string",
                                      "contentMediaType", json_string_value(t)));
    json_decref(types);
    json_t *responses = json_pack(
        "{s:{s:s, s:{s:{s:s, s:{s:s}}}, s:o}}", "200", "description",
        "the file's bytes (not JSON unless the format is)", "headers", "Content-Disposition",
        "description",
        "attachment; filename=\"<ascii>\"; filename*=UTF-8''<percent-encoded name> (RFC 5987)",
        "schema", "type", "string", "content", content);
    add_errors(responses, read_errors);
    json_t *params =
        json_pack("[{s:s, s:s, s:b, s:{s:s}}, {s:s, s:s, s:b, s:{s:s, s:o}}, {s:s, s:s, s:b, s:o}]",
                  "name", "id", "in", "path", "required", 1, "schema", "type", "string", "name",
                  "format", "in", "query", "required", 1, "schema", "type", "string", "enum",
                  formats, "name", "today", "in", "query", "required", 0, "schema", REF("Today"));
    return json_pack("{s:{s:s, s:s, s:[s], s:o, s:o}}", "get", "operationId", id, "summary",
                     summary, "tags", "files", "parameters", params, "responses", responses);
}

static void add_files(json_t *paths)
{
    json_object_set_new(
        paths, "/api/v1/assessments/{id}/report",
        download("get_assessment_report", "the assessment's report as a file (assessment.export)",
                 json_pack("[s,s,s,s,s,s,s]", "html", "xlsx", "csv", "csv-findings", "json",
                           "oscal", "pdf"),
                 json_pack("[s,s,s,s,s]", "text/html; charset=utf-8", "application/pdf",
                           "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           "text/csv; charset=utf-8", "application/json")));
    json_object_set_new(
        paths, "/api/v1/subjects/{id}/screening/export",
        download("get_screening_export", "the procurement screening as a file (screening.export)",
                 json_pack("[s,s,s]", "xlsx", "csv", "json"),
                 json_pack("[s,s,s]",
                           "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           "text/csv; charset=utf-8", "application/json")));

    /* Upload: a raw body with X-Filename, or multipart/form-data. */
    json_t *kinds = json_pack("[s,s,s,s,s,s,s]", "questionnaire", "ismap-list", "soc2", "iso-cert",
                              "soa", "caiq", "file");
    json_t *params = json_pack(
        "[{s:s, s:s, s:b, s:{s:s, s:O}}, {s:s, s:s, s:b, s:{s:s}, s:s}, {s:s, s:s, s:b, s:{s:s}, "
        "s:s}, {s:s}]",
        "name", "kind", "in", "query", "required", 0, "schema", "type", "string", "enum", kinds,
        "name", "subject", "in", "query", "required", 0, "schema", "type", "string", "description",
        "the subject (every kind but ismap-list); or a multipart part", "name", "X-Filename", "in",
        "header", "required", 0, "schema", "type", "string", "description",
        "with a raw body: the file's name, percent-encoded UTF-8", "$ref",
        "#/components/parameters/CsrfToken");
    json_t *body =
        json_pack("{s:b, s:{s:{s:{s:s, s:s}}, s:{s:{s:s, s:[s], s:{s:{s:s, s:O}, s:{s:s}, s:{s:s, "
                  "s:s}}}}}}",
                  "required", 1, "content", "application/octet-stream", "schema", "type", "string",
                  "contentMediaType", "application/octet-stream", "multipart/form-data", "schema",
                  "type", "object", "required", "file", "properties", "kind", "type", "string",
                  "enum", kinds, "subject", "type", "string", "file", "type", "string",
                  "contentMediaType", "application/octet-stream");
    json_decref(kinds);
    json_t *responses = json_pack(
        "{s:o}", "200", success("what evidence.import imported", op_result("evidence.import")));
    add_errors(responses, op_errors);
    json_object_set_new(
        paths, "/api/v1/evidence",
        json_pack(
            "{s:{s:s, s:s, s:s, s:[s], s:o, s:o, s:o}}", "post", "operationId", "upload_evidence",
            "summary", "import a file as evidence (evidence.import)", "description",
            "The same importers and size limits as evidence.import; an import error names "
            "the sheet, row, column and value in its details.",
            "tags", "files", "parameters", params, "requestBody", body, "responses", responses));
}

static void add_events_and_session(json_t *paths)
{
    json_t *responses = json_pack(
        "{s:{s:s, s:{s:{s:{s:s}}}}}", "200", "description",
        "Server-Sent Events of the caller's organization: job.progress {job, kind, progress, "
        "message}, job.finished {job, kind, state, ...}, matrix.changed {assessment}; a "
        "': keep-alive' comment every 15 s",
        "content", "text/event-stream", "schema", "type", "string");
    add_errors(responses, read_errors);
    json_object_set_new(paths, "/api/v1/events",
                        json_pack("{s:{s:s, s:s, s:[s], s:o}}", "get", "operationId", "events",
                                  "summary", "live job progress and matrix changes", "tags",
                                  "events", "responses", responses));

    json_t *session = json_pack(
        "{s:s, s:[s,s,s,s,s], s:{s:o, s:{s:s}, s:{s:s}, s:{s:s, s:s}, s:{s:s}}}", "type", "object",
        "required", "role", "org", "csrf_token", "expires_at", "idle_timeout_s", "properties",
        "role", REF("Role"), "org", "type", "string", "csrf_token", "type", "string", "expires_at",
        "type", "string", "format", "date-time", "idle_timeout_s", "type", "integer");
    json_t *post_resp = json_pack("{s:o}", "200",
                                  success("the session; Set-Cookie: ismap_session=...; HttpOnly; "
                                          "SameSite=Strict (and Secure on https)",
                                          json_deep_copy(session)));
    static const char *const login_errors[] = {"400", "401", "429", "500", NULL};
    add_errors(post_resp, login_errors);
    json_t *get_resp = json_pack("{s:o}", "200", success("the live session", session));
    static const char *const session_errors[] = {"401", "500", NULL};
    add_errors(get_resp, session_errors);
    json_t *del_resp =
        json_pack("{s:o}", "200", success("logged out; the cookie is cleared", NULL));
    static const char *const del_errors[] = {"401", "403", "500", NULL};
    add_errors(del_resp, del_errors);
    json_object_set_new(
        paths, "/api/v1/session",
        json_pack(
            "{s:{s:s, s:s, s:[s], s:[], s:{s:b, s:o}, s:o}, s:{s:s, s:s, s:[s], s:[{s:[]}], s:o}, "
            "s:{s:s, s:s, s:[s], s:[{s:[]}], s:[{s:s}], s:o}}",
            "post", "operationId", "session_login", "summary",
            "exchange an API token for a session cookie (login attempts are rate-limited per "
            "client address)",
            "tags", "session", "security", "requestBody", "required", 1, "content",
            json_content(json_pack("{s:s, s:[s], s:{s:{s:s}}}", "type", "object", "required",
                                   "token", "properties", "token", "type", "string")),
            "responses", post_resp, "get", "operationId", "session_get", "summary",
            "the current session, with its CSRF token", "tags", "session", "security", "cookie",
            "responses", get_resp, "delete", "operationId", "session_logout", "summary",
            "log out: the session is revoked on the server", "tags", "session", "security",
            "cookie", "parameters", "$ref", "#/components/parameters/CsrfToken", "responses",
            del_resp));

    json_t *doc_resp = json_pack("{s:{s:s, s:o}}", "200", "description", "this document", "content",
                                 json_content(json_pack("{s:s}", "type", "object")));
    json_object_set_new(paths, "/api/v1/openapi.json",
                        json_pack("{s:{s:s, s:s, s:[s], s:[], s:o}}", "get", "operationId",
                                  "openapi", "summary", "this OpenAPI 3.1 document", "tags", "meta",
                                  "security", "responses", doc_resp));
}

static json_t *components(void)
{
    json_t *responses = json_object();
    for (size_t i = 0; i < NERRORS; i++) {
        json_t *r = json_pack("{s:s, s:o}", "description", errors[i].text, "content",
                              json_content(REF("ErrorEnvelope")));
        const char *header = !strcmp(errors[i].status, "401")   ? "WWW-Authenticate"
                             : !strcmp(errors[i].status, "429") ? "Retry-After"
                                                                : NULL;
        if (header)
            json_object_set_new(r, "headers",
                                json_pack("{s:{s:{s:s}}}", header, "schema", "type", "string"));
        json_object_set_new(responses, errors[i].name, r);
    }
    return json_pack(
        "{s:o, s:o, s:{s:{s:s, s:s, s:s}, s:{s:s, s:s, s:s, s:s}}, s:{s:{s:s, s:s, s:b, s:{s:s}, "
        "s:s}}}",
        "schemas", ism_rpc_schema_components(), "responses", responses, "securitySchemes", "bearer",
        "type", "http", "scheme", "bearer", "description",
        "an API token (ismapctl token create): Authorization: Bearer <token>", "cookie", "type",
        "apiKey", "in", "cookie", "name", "ismap_session", "description",
        "the browser session of POST /api/v1/session; state-changing requests also send "
        "X-CSRF-Token",
        "parameters", "CsrfToken", "name", "X-CSRF-Token", "in", "header", "required", 0, "schema",
        "type", "string", "description",
        "the session's csrf_token: required with the session cookie on POST, PUT, PATCH and "
        "DELETE; not needed with a bearer token");
}

json_t *ism_rpc_openapi(const char *server_url)
{
    json_t *paths = json_object();
    ism_rpc_foreach_op(add_op, paths);
    add_resources(paths);
    add_files(paths);
    add_events_and_session(paths);
    json_t *doc = json_pack(
        "{s:s, s:{s:s, s:s, s:s}, s:s, s:[{s:[]}, {s:[]}], s:o, s:o}", "openapi", "3.1.0", "info",
        "title", "ismap-assess HTTP API", "version", ISM_VERSION, "description",
        "Every op of the service's one op table over HTTPS + JSON, with the same roles and "
        "organization scoping as the nng socket. Replies are {\"ok\": true, \"result\": ...} or "
        "{\"ok\": false, \"error\": {\"code\", \"message\", \"details\"}} with the HTTP status "
        "of the error code.",
        "jsonSchemaDialect", "https://json-schema.org/draft/2020-12/schema", "security", "bearer",
        "cookie", "paths", paths, "components", components());
    if (server_url && *server_url)
        json_object_set_new(doc, "servers", json_pack("[{s:s}]", "url", server_url));
    return doc;
}
