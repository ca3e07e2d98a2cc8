/* params.c — request parameters for the handlers, whatever the protocol: query-protocol forms
 * (and URL query strings), JSON bodies, REST path segments; and the operation routing that
 * reads them: form Action, X-Amz-Target, or method + path (+ S3 sub-resource). */
#include "dispatch_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "a=1&b=x%20y" into params (later keys win). */
void emu_form_parse(json_t *params, const char *s, size_t n)
{
    char *copy = emu_xmalloc(n + 1);
    memcpy(copy, s, n);
    copy[n] = '\0';
    char *save = NULL;
    for (char *pair = strtok_r(copy, "&", &save); pair; pair = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(pair, '=');
        char *val = eq ? eq + 1 : pair + strlen(pair);
        if (eq) *eq = '\0';
        emu_pct_decode(pair, true);
        emu_pct_decode(val, true);
        if (*pair) json_object_set_new(params, pair, json_string(val));
    }
    free(copy);
}

const char *emu_param(const emu_ctx *c, const char *name)
{
    return name ? json_string_value(json_object_get(c->params, name)) : NULL;
}

long emu_param_long(const emu_ctx *c, const char *name)
{
    json_t *v = name ? json_object_get(c->params, name) : NULL;
    if (json_is_integer(v)) return (long)json_integer_value(v);
    if (json_is_string(v)) return atol(json_string_value(v));
    return 0;
}

json_t *emu_param_list(const emu_ctx *c, const char *name)
{
    json_t *v = json_object_get(c->params, name);
    if (json_is_array(v)) return json_deep_copy(v);
    json_t *out = json_array();
    char key[160];
    for (int i = 1;; i++) {
        snprintf(key, sizeof key, "%s.%d", name, i);
        const char *s = emu_param(c, key);
        if (!s) {
            snprintf(key, sizeof key, "%s.member.%d", name, i);
            s = emu_param(c, key);
        }
        if (!s) break;
        json_array_append_new(out, json_string(s));
    }
    return out;
}

/* ---- REST routes ------------------------------------------------------------------------------
 */
/* Splits "/a/b/" into non-empty segments (at most max). */
static int split_path(char *p, char **seg, int max)
{
    int n = 0;
    for (char *save = NULL, *t = strtok_r(p, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
        if (n == max) return -1;
        seg[n++] = t;
    }
    return n;
}

static bool query_has_key(const char *query, const char *key)
{
    size_t kl = strlen(key);
    for (const char *p = query; p && *p;) {
        size_t len = strcspn(p, "&");
        if (len >= kl && strncmp(p, key, kl) == 0 && (len == kl || p[kl] == '=')) return true;
        p += len + (p[len] == '&');
    }
    return false;
}

static bool segments_match(char **ps, int pn, char **rs, int rn, json_t *params)
{
    if (pn != rn) return false;
    for (int i = 0; i < pn; i++) {
        size_t l = strlen(ps[i]);
        if (ps[i][0] == '{' && ps[i][l - 1] == '}') {
            char name[96];
            snprintf(name, sizeof name, "%.*s", (int)l - 2, ps[i] + 1);
            char *val = emu_xstrdup(rs[i]);
            emu_pct_decode(val, false);
            json_object_set_new(params, name, json_string(val));
            free(val);
        } else if (strcmp(ps[i], rs[i]) != 0) {
            return false;
        }
    }
    return true;
}

/* "GET /detector/{detectorId}" or "GET /{Bucket}?encryption" against the request. */
static bool route_match(const char *route, const emu_req *req, json_t *params)
{
    const char *sp = strchr(route, ' ');
    if (!sp || strncmp(route, req->method, (size_t)(sp - route)) != 0 ||
        req->method[sp - route] != '\0')
        return false;
    char pat[256], path[2048], *ps[16], *rs[16];
    ism_strlcpy(pat, sp + 1, sizeof pat);
    char *sub = strchr(pat, '?');
    if (sub) *sub++ = '\0';
    if (sub && !query_has_key(req->query, sub)) return false;
    if (!ism_strlcpy(path, req->path, sizeof path)) return false;
    int pn = split_path(pat, ps, 16), rn = split_path(path, rs, 16);
    if (pn < 0 || rn < 0) return false;
    json_t *tmp = json_object();
    bool ok = segments_match(ps, pn, rs, rn, tmp);
    if (ok) json_object_update(params, tmp);
    json_decref(tmp);
    return ok;
}

static const emu_op *route_rest(emu_ctx *c)
{
    const emu_op *best = NULL;
    for (size_t i = 0; i < emu_ops_count; i++) {
        const emu_op *op = &emu_ops[i];
        if (strcmp(op->service, c->svc->name) != 0 || !op->route) continue;
        if (route_match(op->route, c->req, c->params)) {
            best = op;
            if (strchr(op->route, '?')) break; /* a sub-resource route is the most specific */
        }
    }
    return best;
}

/* ---- operation lookup per protocol ---------------------------------------------------------- */
static bool unknown_op(emu_ctx *c, const char *name)
{
    switch (c->svc->proto) {
    case ISM_AWS_QUERY:
        if (!name || !*name)
            emu_fail(c, 400, "MissingAction", "Missing Action");
        else
            emu_fail(c, 400, "InvalidAction", "Could not find operation %s for version %s", name,
                     json_string_value(
                         json_object_get(json_object_get(c->svc->root, "metadata"), "apiVersion")));
        break;
    case ISM_AWS_EC2:
        emu_fail(c, 400, name && *name ? "InvalidAction" : "MissingAction",
                 "The action %s is not valid for this web service.", name ? name : "");
        break;
    case ISM_AWS_JSON:
        emu_fail(c, 400, "UnknownOperationException", "%s", "");
        break;
    case ISM_AWS_REST_JSON:
        emu_fail(c, 404, "UnknownOperationException", "No route for %s %s", c->req->method,
                 c->req->path);
        break;
    case ISM_AWS_REST_XML:
        emu_fail(c, 501, "NotImplemented",
                 "A header you provided implies functionality that is not implemented");
        break;
    }
    return false;
}

static bool route_json(emu_ctx *c)
{
    const char *target = ism_http_headers_get(&c->req->headers, "x-amz-target");
    const char *dot = target ? strrchr(target, '.') : NULL;
    size_t pl = strlen(c->svc->target_prefix);
    if (!dot || (size_t)(dot - target) != pl || strncmp(target, c->svc->target_prefix, pl) != 0)
        return unknown_op(c, target);
    c->op = emu_op_find(c->svc->name, dot + 1);
    return c->op ? true : unknown_op(c, dot + 1);
}

bool emu_route_op(emu_ctx *c)
{
    switch (c->svc->proto) {
    case ISM_AWS_QUERY:
    case ISM_AWS_EC2: {
        const char *action = emu_param(c, "Action");
        c->op = action ? emu_op_find(c->svc->name, action) : NULL;
        return c->op ? true : unknown_op(c, action);
    }
    case ISM_AWS_JSON:
        return route_json(c);
    default:
        c->op = route_rest(c);
        return c->op ? true : unknown_op(c, NULL);
    }
}

/* Collects the parameters: URL query always; a form body (query protocols) or a JSON body. */
bool emu_parse_params(emu_ctx *c)
{
    c->params = json_object();
    emu_form_parse(c->params, c->req->query, strlen(c->req->query));
    if (c->svc->proto == ISM_AWS_QUERY || c->svc->proto == ISM_AWS_EC2) {
        emu_form_parse(c->params, c->req->body, c->req->body_len);
        return true;
    }
    if (c->svc->proto != ISM_AWS_JSON && c->svc->proto != ISM_AWS_REST_JSON) return true;
    if (c->req->body_len == 0) return true;
    json_error_t je;
    json_t *body = json_loadb(c->req->body, c->req->body_len, 0, &je);
    if (!json_is_object(body)) {
        json_decref(body);
        emu_fail(c, 400, "SerializationException",
                 "Start of structure or map found where not expected: %s", je.text);
        return false;
    }
    json_object_update(c->params, body);
    json_decref(body);
    return true;
}
