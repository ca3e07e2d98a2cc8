/* http_resources.c — the HTTP gateway's resource reads (GET /api/v1/subjects, …/matrix,
 * …/findings, …) and its query-parameter mapping. Each route names one op, the path segments it
 * fills in and the query parameters it takes; a query parameter the route does not know is
 * refused (400, naming it) rather than silently ignored, so a typo never looks like a filter.
 * The matrix is a conditional read: its reply carries an ETag (matrix.get's etag), and a request
 * whose If-None-Match names the current one gets 304 without the body. */
#include "http_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- query parameters -------------------------------------------------------------------- */

typedef struct query_walk {
    const http_param *allowed;
    json_t *params;
    ism_error *err;
} query_walk;

static const http_param *find_param(const http_param *allowed, const char *name)
{
    for (const http_param *p = allowed; p && p->name; p++)
        if (strcmp(p->name, name) == 0) return p;
    return NULL;
}

static void allowed_list(const http_param *allowed, char *buf, size_t n)
{
    buf[0] = '\0';
    size_t used = 0;
    for (const http_param *p = allowed; p && p->name; p++) {
        int w = snprintf(buf + used, n - used, "%s%s", used ? ", " : "", p->name);
        if (w < 0 || (size_t)w >= n - used) break;
        used += (size_t)w;
    }
    if (!buf[0]) ism_strlcpy(buf, "none", n);
}

static enum MHD_Result on_query_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                    const char *value)
{
    (void)kind;
    query_walk *w = cls;
    const http_param *p = find_param(w->allowed, key);
    if (!p) {
        char names[256];
        allowed_list(w->allowed, names, sizeof names);
        ism_error_set(w->err, ISM_E_BAD_REQUEST,
                      "unknown query parameter '%s' (this path takes: %s)", key, names);
        ism_error_detail(w->err, json_pack("{s:s}", "parameter", key));
        return MHD_NO;
    }
    if (json_object_get(w->params, p->param ? p->param : p->name)) {
        ism_error_set(w->err, ISM_E_BAD_REQUEST, "query parameter '%s' is given twice", key);
        ism_error_detail(w->err, json_pack("{s:s}", "parameter", key));
        return MHD_NO;
    }
    /* "?status=" (an empty form field) means "no filter", as in a browser form. */
    if (!value || !*value) return MHD_YES;
    json_t *v;
    if (p->integer) {
        errno = 0;
        char *end = NULL;
        long long n = strtoll(value, &end, 10);
        if (errno || end == value || *end) {
            ism_error_set(w->err, ISM_E_INVALID_PARAMS,
                          "query parameter '%s' must be an integer, not '%s'", key, value);
            ism_error_detail(w->err, json_pack("{s:s, s:s}", "parameter", key, "value", value));
            return MHD_NO;
        }
        v = json_integer((json_int_t)n);
    } else {
        v = json_string(value);
        if (!v) {
            ism_error_set(w->err, ISM_E_INVALID_PARAMS, "query parameter '%s' is not UTF-8", key);
            ism_error_detail(w->err, json_pack("{s:s}", "parameter", key));
            return MHD_NO;
        }
    }
    json_object_set_new(w->params, p->param ? p->param : p->name, v);
    return MHD_YES;
}

json_t *http_query_params(http_req *r, const http_param *allowed, ism_error *err)
{
    query_walk w = {allowed, json_object(), err};
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, on_query_arg, &w);
    if (err->code != ISM_OK) {
        json_decref(w.params);
        return NULL;
    }
    return w.params;
}

bool http_set_caps(const http_req *r, json_t *params, const char *const *names, ism_error *err)
{
    for (int i = 0; i < HTTP_MAX_CAPS && names[i] && r->caps[i]; i++) {
        json_t *v = json_string(r->caps[i]);
        if (!v)
            return ism_error_set(err, ISM_E_BAD_REQUEST, "path segment %d of %s is not UTF-8",
                                 i + 1, r->path);
        json_object_set_new(params, names[i], v);
    }
    return true;
}

/* ---- resource routes --------------------------------------------------------------------- */

/* One resource read: the op, the param each captured path segment fills, the query
 * parameters it takes. */
typedef struct resource {
    const char *pattern;
    const char *op;
    const char *cap_param[HTTP_MAX_CAPS];
    http_param query[10];
} resource;

#define TODAY                                                                                      \
    {                                                                                              \
        "today", NULL, false                                                                       \
    }

static const resource resources[] = {
    {"/api/v1/subjects", "subject.list", {NULL}, {{NULL, NULL, false}}},
    {"/api/v1/subjects/*", "subject.show", {"subject"}, {{NULL, NULL, false}}},
    {"/api/v1/subjects/*/screening", "screening.get", {"subject"}, {TODAY, {NULL, NULL, false}}},
    {"/api/v1/assessments", "assessment.list", {NULL}, {{NULL, NULL, false}}},
    {"/api/v1/assessments/*", "assessment.show", {"id"}, {{NULL, NULL, false}}},
    {"/api/v1/assessments/*/matrix",
     "matrix.get",
     {"assessment"},
     {{"status", NULL, false},
      {"framework", NULL, false},
      TODAY,
      {"cursor", NULL, false},
      {"limit", NULL, true},
      {"summary", NULL, false},
      {NULL, NULL, false}}},
    {"/api/v1/assessments/*/findings",
     "findings.list",
     {"assessment"},
     {{"cursor", NULL, false},
      {"limit", NULL, true},
      {"status", NULL, false},
      {"check", NULL, false},
      {"account", NULL, false},
      {"region", NULL, false},
      {"severity", NULL, false},
      {"domain", NULL, false},
      {NULL, NULL, false}}},
    {"/api/v1/snapshots", "snapshot.list", {NULL}, {{"limit", NULL, true}, {NULL, NULL, false}}},
    {"/api/v1/snapshots/*", "snapshot.show", {"id"}, {{NULL, NULL, false}}},
    {"/api/v1/jobs",
     "jobs.list",
     {NULL},
     {{"state", NULL, false}, {"limit", NULL, true}, {NULL, NULL, false}}},
    {"/api/v1/jobs/*", "jobs.show", {"id"}, {{NULL, NULL, false}}},
    {NULL, NULL, {NULL}, {{NULL, NULL, false}}},
};

/* ---- the matrix: ETag and If-None-Match ------------------------------------------------- */

/* The first entity tag of an If-None-Match header without W/ and quotes, into out (n bytes);
 * false for none, "*" or one too long to be ours. matrix.get compares one tag: a client
 * revalidating its copy sends the one it holds. */
static bool first_etag(const char *inm, char *out, size_t n)
{
    if (!inm) return false;
    while (*inm == ' ' || *inm == '\t' || *inm == ',')
        inm++;
    if (strncmp(inm, "W/", 2) == 0) inm += 2;
    if (*inm == '"') inm++;
    size_t len = strcspn(inm, "\", \t");
    if (len == 0 || len >= n) return false;
    memcpy(out, inm, len);
    out[len] = '\0';
    return true;
}

/* ?summary=true|1|false|0 into the op's boolean (the query mapping knows strings and
 * integers). */
static bool summary_param(json_t *params, ism_error *err)
{
    const char *v = json_string_value(json_object_get(params, "summary"));
    if (!v) return true;
    if (!strcmp(v, "true") || !strcmp(v, "1")) {
        json_object_set_new(params, "summary", json_true());
    } else if (!strcmp(v, "false") || !strcmp(v, "0")) {
        json_object_del(params, "summary");
    } else {
        ism_error_set(err, ISM_E_INVALID_PARAMS,
                      "query parameter 'summary' must be true or false, not '%s'", v);
        ism_error_detail(err, json_pack("{s:s, s:s}", "parameter", "summary", "value", v));
        return false;
    }
    return true;
}

/* matrix.get's kept reply starts {"etag":"<tag>", and the one without a body ends
 * ,"unchanged":true}: both read from the text, which is never parsed again here. */
static enum MHD_Result matrix_reply(http_req *r, const ism_rpc_caller *who, json_t *params)
{
    ism_error err = {0};
    json_t *result = NULL;
    ism_rpc_text text = {0};
    ism_strlcpy(r->op, "matrix.get", sizeof r->op);
    bool ok = ism_rpc_call_op(r->srv->app, who, "matrix.get", params, &result, &text, &err);
    json_decref(params);
    if (!ok) return http_reply_error(r, &err);
    if (!text.text) return http_reply_result(r, result);
    static const char head[] = "{\"etag\":\"", tail[] = ",\"unchanged\":true}";
    static const char env[] = "{\"ok\":true,\"result\":";
    size_t n = strlen(text.text);
    char etag[48] = "";
    if (strncmp(text.text, head, sizeof head - 1) == 0) {
        const char *t = text.text + sizeof head - 1;
        size_t len = strcspn(t, "\"");
        if (len < sizeof etag - 2) snprintf(etag, sizeof etag, "\"%.*s\"", (int)len, t);
    }
    bool unchanged = n >= sizeof tail - 1 && !strcmp(text.text + n - (sizeof tail - 1), tail);
    struct MHD_Response *resp = NULL;
    if (unchanged) {
        ism_rpc_text_release(&text);
        resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    } else {
        char *body = malloc(sizeof env - 1 + n + 2);
        if (!body) {
            ism_rpc_text_release(&text);
            return MHD_NO;
        }
        memcpy(body, env, sizeof env - 1);
        memcpy(body + sizeof env - 1, text.text, n);
        memcpy(body + sizeof env - 1 + n, "}", 2);
        ism_rpc_text_release(&text);
        resp = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
        if (!resp) {
            free(body);
            return MHD_NO;
        }
        MHD_add_response_header(resp, "Content-Type", "application/json; charset=utf-8");
    }
    if (!resp) return MHD_NO;
    /* Cache-Control stays the gateway's no-store: a client that keeps its copy (the web UI, a
     * script) sends the ETag back itself. */
    if (etag[0]) MHD_add_response_header(resp, "ETag", etag);
    return http_send_response(r, unchanged ? 304 : 200, resp);
}

/* The route table names the same patterns; the handler finds its resource by pattern. */
enum MHD_Result http_route_resource(http_req *r)
{
    ism_error err = {0};
    const resource *res = NULL;
    for (const resource *x = resources; x->pattern; x++)
        if (r->route && strcmp(x->pattern, r->route->pattern) == 0) res = x;
    if (!res) {
        ism_error_set(&err, ISM_E_INTERNAL, "no resource for %s", r->path);
        return http_reply_error(r, &err);
    }
    ism_strlcpy(r->op, res->op, sizeof r->op);
    ism_rpc_caller who;
    if (!http_authenticate(r, &who, &err)) return http_reply_error(r, &err);
    json_t *params = http_query_params(r, res->query, &err);
    if (!params) return http_reply_error(r, &err);
    if (!http_set_caps(r, params, res->cap_param, &err)) {
        json_decref(params);
        return http_reply_error(r, &err);
    }
    if (strcmp(res->op, "matrix.get") == 0) {
        char tag[80];
        if (!summary_param(params, &err)) {
            json_decref(params);
            return http_reply_error(r, &err);
        }
        if (first_etag(http_header(r, MHD_HTTP_HEADER_IF_NONE_MATCH), tag, sizeof tag))
            json_object_set_new(params, "if_none_match", json_string(tag));
        return matrix_reply(r, &who, params);
    }
    return http_call_and_reply(r, &who, res->op, params);
}
