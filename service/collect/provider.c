/* provider.c — what every provider shares: checking a job's params against its params table, the
 * params' JSON Schema and description, and the rules for endpoint overrides (the tables of the
 * providers are table.c). */
#include "ismap/provider.h"
#include "ismap/collect.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- endpoints ------------------------------------------------------------------------------ */
/* The host of an http(s):// URL ("[::1]" keeps its brackets). */
static bool endpoint_host(const char *url, const char *field, char *host, size_t size, bool *http,
                          ism_error *err)
{
    *http = strncmp(url, "http://", 7) == 0;
    if (!*http && strncmp(url, "https://", 8) != 0)
        return ism_error_set(err, ISM_E_INVALID_PARAMS, "field '%s' must be an http(s):// URL",
                             field);
    const char *h = url + (*http ? 7 : 8);
    size_t n = *h == '[' ? strcspn(h, "]") + 1 : strcspn(h, ":/?#@");
    if (n == 0 || n >= size || h[n] == '@')
        return ism_error_set(err, ISM_E_INVALID_PARAMS,
                             "field '%s' has no host (or carries user information)", field);
    memcpy(host, h, n);
    host[n] = '\0';
    return true;
}

bool ism_collect_endpoint_allowed(const char *url, const char *const *allow, ism_error *err)
{
    char host[256];
    bool http;
    if (!endpoint_host(url, "endpoint_url", host, sizeof host, &http, err)) return false;
    const char *bare = host;
    char unbr[256];
    if (host[0] == '[') {
        snprintf(unbr, sizeof unbr, "%.*s", (int)strlen(host) - 2, host + 1);
        bare = unbr;
    }
    for (size_t i = 0; allow && allow[i]; i++)
        if (!strcasecmp(allow[i], host) || !strcasecmp(allow[i], bare)) return true;
    return ism_error_set(err, ISM_E_PERMISSION_DENIED,
                         "endpoint host '%s' is not allowed: the daemon's config lists the "
                         "hosts an admin may point a collection at (collect.endpoint_allow)",
                         host);
}

bool ism_collect_endpoint_check(const char *url, const char *field, ism_error *err)
{
    char host[256];
    bool http;
    if (!endpoint_host(url, field, host, sizeof host, &http, err)) return false;
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7f)
            return ism_error_set(err, ISM_E_INVALID_PARAMS,
                                 "field '%s' must not contain spaces or control characters", field);
    if (http && !ism_http_is_loopback_host(host))
        return ism_error_set(err, ISM_E_INVALID_PARAMS,
                             "%s: plain http:// is allowed only to a loopback host "
                             "(127.0.0.1, ::1, localhost); use https://",
                             field);
    return true;
}

/* ---- params -----------------------------------------------------------------------------------
 */
static const char *chars_of(const ism_provider_param *pp)
{
    return pp->chars ? pp->chars : "-_.";
}

static bool name_ok(const ism_provider_param *pp, const char *s)
{
    size_t n = strlen(s);
    size_t min = pp->min_len > 0 ? (size_t)pp->min_len : 1;
    size_t max = pp->max_len > 0 ? (size_t)pp->max_len : 256;
    if (n < min || n > max) return false;
    for (const char *p = s; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr(chars_of(pp), *p)) return false;
    return true;
}

static bool name_error(const ism_provider_param *pp, const char *where, ism_error *err)
{
    return ism_error_set(err, ISM_E_INVALID_PARAMS,
                         "field '%s' must be %d to %d characters: letters, digits and %s", where,
                         pp->min_len > 0 ? pp->min_len : 1, pp->max_len > 0 ? pp->max_len : 256,
                         chars_of(pp));
}

static bool check_one(const ism_provider_param *pp, const json_t *v, ism_error *err)
{
    switch (pp->kind) {
    case ISM_PPARAM_BOOL:
        if (!json_is_boolean(v))
            return ism_error_set(err, ISM_E_INVALID_PARAMS, "field '%s' must be true or false",
                                 pp->name);
        return true;
    case ISM_PPARAM_STRING:
        if (!json_is_string(v))
            return ism_error_set(err, ISM_E_INVALID_PARAMS, "field '%s' must be a string",
                                 pp->name);
        return name_ok(pp, json_string_value(v)) || name_error(pp, pp->name, err);
    case ISM_PPARAM_URL:
    case ISM_PPARAM_PATH: {
        if (!json_is_string(v))
            return ism_error_set(err, ISM_E_INVALID_PARAMS, "field '%s' must be a string",
                                 pp->name);
        const char *s = json_string_value(v);
        size_t max = pp->max_len > 0 ? (size_t)pp->max_len : 2048;
        if (!*s || strlen(s) > max)
            return ism_error_set(err, ISM_E_INVALID_PARAMS,
                                 "field '%s' must be 1 to %zu characters", pp->name, max);
        if (pp->kind == ISM_PPARAM_URL) return ism_collect_endpoint_check(s, pp->name, err);
        if (s[0] != '/' && s[0] != '~')
            return ism_error_set(err, ISM_E_INVALID_PARAMS,
                                 "field '%s' must be an absolute path (or start with ~/)",
                                 pp->name);
        for (const char *p = s; *p; p++)
            if ((unsigned char)*p < 0x20 || *p == 0x7f)
                return ism_error_set(err, ISM_E_INVALID_PARAMS,
                                     "field '%s' must not contain control characters", pp->name);
        return true;
    }
    case ISM_PPARAM_LIST: {
        int max_items = pp->max_items > 0 ? pp->max_items : 64;
        if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > (size_t)max_items)
            return ism_error_set(err, ISM_E_INVALID_PARAMS,
                                 "field '%s' must be a list of 1 to %d names", pp->name, max_items);
        size_t i;
        const json_t *e;
        json_array_foreach(v, i, e)
        {
            char where[96];
            snprintf(where, sizeof where, "%s[%zu]", pp->name, i);
            if (!json_is_string(e))
                return ism_error_set(err, ISM_E_INVALID_PARAMS, "field '%s' must be a string",
                                     where);
            if (!name_ok(pp, json_string_value(e))) return name_error(pp, where, err);
        }
        return true;
    }
    }
    return ism_error_set(err, ISM_E_INTERNAL, "param '%s' has no kind", pp->name);
}

bool ism_provider_check_params(const ism_provider *p, const json_t *params, ism_error *err)
{
    if (!json_is_object(params))
        return ism_error_set(err, ISM_E_INVALID_PARAMS, "params must be a JSON object");
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)params, k, v)
    {
        const ism_provider_param *pp = p->params;
        while (pp && pp->name && strcmp(pp->name, k) != 0)
            pp++;
        if (!pp || !pp->name) {
            char known[1024] = "";
            size_t used = 0;
            for (const ism_provider_param *q = p->params; q && q->name && used < sizeof known; q++)
                used += (size_t)snprintf(known + used, sizeof known - used, "%s%s",
                                         used ? ", " : "", q->name);
            return ism_error_set(err, ISM_E_INVALID_PARAMS,
                                 "unknown field '%s' for a %s collection; known: %s", k, p->title,
                                 known);
        }
        if (!check_one(pp, v, err)) return false;
    }
    const ism_provider_ops *ops = ism_provider_ops_of(p);
    return !ops->check || ops->check(params, err);
}

bool ism_collect_run_should_stop(void *ctx)
{
    const ism_collect_run *run = ctx;
    return run->should_stop && run->should_stop(run->ctx);
}

const char **ism_provider_names(const json_t *list)
{
    if (!json_is_array(list)) return NULL;
    const char **v = calloc(json_array_size(list) + 1, sizeof *v);
    for (size_t i = 0; v && i < json_array_size(list); i++)
        v[i] = json_string_value(json_array_get(list, i));
    return v;
}

static const char *kind_name(ism_pparam_kind k)
{
    switch (k) {
    case ISM_PPARAM_STRING:
        return "string";
    case ISM_PPARAM_LIST:
        return "list";
    case ISM_PPARAM_BOOL:
        return "bool";
    case ISM_PPARAM_URL:
        return "url";
    case ISM_PPARAM_PATH:
        return "path";
    }
    return "?";
}

json_t *ism_provider_params_schema(const ism_provider *p)
{
    json_t *props = json_object();
    for (const ism_provider_param *pp = p->params; pp && pp->name; pp++) {
        json_t *s;
        int min = pp->min_len > 0 ? pp->min_len : 1;
        if (pp->kind == ISM_PPARAM_BOOL) {
            s = json_pack("{s:s}", "type", "boolean");
        } else if (pp->kind == ISM_PPARAM_LIST) {
            s = json_pack("{s:s, s:i, s:i, s:{s:s, s:i, s:i}}", "type", "array", "minItems", 1,
                          "maxItems", pp->max_items > 0 ? pp->max_items : 64, "items", "type",
                          "string", "minLength", min, "maxLength",
                          pp->max_len > 0 ? pp->max_len : 256);
        } else if (pp->kind == ISM_PPARAM_URL) {
            s = json_pack("{s:s, s:s}", "type", "string", "format", "uri");
        } else {
            s = json_pack("{s:s, s:i, s:i}", "type", "string", "minLength", min, "maxLength",
                          pp->max_len > 0                 ? pp->max_len
                          : pp->kind == ISM_PPARAM_STRING ? 256
                                                          : 2048);
        }
        char desc[600];
        snprintf(desc, sizeof desc, "%s%s", pp->help,
                 pp->kind == ISM_PPARAM_URL
                     ? " Admins only, and only to a host the config's collect.endpoint_allow names."
                 : pp->kind == ISM_PPARAM_PATH ? " A file on the daemon's host: admins only."
                                               : "");
        json_object_set_new(s, "description", json_string(desc));
        json_object_set_new(props, pp->name, s);
    }
    return json_pack("{s:s, s:b, s:o}", "type", "object", "additionalProperties", false,
                     "properties", props);
}

json_t *ism_provider_describe(const ism_provider *p)
{
    json_t *params = json_array();
    for (const ism_provider_param *pp = p->params; pp && pp->name; pp++)
        json_array_append_new(params, json_pack("{s:s, s:s, s:s, s:s?, s:s}", "name", pp->name,
                                                "kind", kind_name(pp->kind), "flag", pp->flag,
                                                "metavar", pp->metavar, "help", pp->help));
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "name", p->name, "title", p->title,
                     "scope_noun", p->scope_noun, "summary", p->summary, "permission_title",
                     p->permission_title ? p->permission_title : "PERMISSION", "params", params);
}
