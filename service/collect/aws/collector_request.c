/* collector_request.c — one operation call as it goes on the wire: which host (AWS's, or the
 * operator's --endpoint-url), which region to sign for, and the body or query each protocol
 * wants (query form, JSON with X-Amz-Target, REST paths and query strings). */
#include "../internal.h"
#include "ismap/aws.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static bool is(const char *a, const char *b)
{
    return strcmp(a, b) == 0;
}

static const char *signing_region(const ism_aws_op *op, const char *region, const char *home)
{
    if (is(op->service, "iam") || is(op->service, "organizations")) return "us-east-1";
    if (!is(region, "global")) return region;
    return is(op->service, "s3") ? "us-east-1" : home;
}

/* A bucket name a *.s3.<region>.amazonaws.com certificate covers: lower-case letters, digits
 * and hyphens (no dots). */
static bool virtual_host_ok(const char *bucket)
{
    if (!bucket || !*bucket) return false;
    for (const char *p = bucket; *p; p++)
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-')) return false;
    return true;
}

/* op->path with its "{label}" replaced by enc, or dropped when enc is NULL (a bucket on its
 * own virtual host: "/{Bucket}?location" is "/?location"). */
static void fill_path(ism_cbuf *b, const char *path, const char *enc)
{
    const char *open = strchr(path, '{'), *close = open ? strchr(open, '}') : NULL;
    if (!open || !close) {
        ism_cbuf_adds(b, path);
        return;
    }
    ism_cbuf_add(b, path, (size_t)(open - path));
    if (enc) ism_cbuf_adds(b, enc);
    ism_cbuf_adds(b, close + 1);
}

char *ism_aws_endpoint(const ism_aws_op *op, const char *region, const char *home_region,
                       const char *endpoint_url, const char *resource, const char **sign_region)
{
    const char *sr = signing_region(op, region, home_region);
    *sign_region = sr;
    char *enc = resource ? ism_aws_uri_encode(resource, strlen(resource), false) : NULL;
    bool s3 = is(op->service, "s3");
    bool vhost = s3 && !endpoint_url && resource && virtual_host_ok(resource);
    ism_cbuf b = {0};
    if (endpoint_url) {
        size_t n = strlen(endpoint_url);
        while (n && endpoint_url[n - 1] == '/')
            n--;
        ism_cbuf_add(&b, endpoint_url, n);
    } else if (is(op->service, "iam")) {
        ism_cbuf_adds(&b, "https://iam.amazonaws.com");
    } else if (is(op->service, "organizations")) {
        ism_cbuf_adds(&b, "https://organizations.us-east-1.amazonaws.com");
    } else if (vhost) {
        ism_cbuf_addf(&b, "https://%s.s3.%s.amazonaws.com", resource, sr);
    } else {
        ism_cbuf_addf(&b, "https://%s.%s.amazonaws.com", op->service, sr);
    }
    fill_path(&b, op->path, vhost ? NULL : enc);
    free(enc);
    return ism_cbuf_take(&b);
}

/* ---- bodies and queries ------------------------------------------------------------------ */
static void form_add(ism_cbuf *b, const char *name, const char *value)
{
    char *v = ism_aws_uri_encode(value, strlen(value), false);
    ism_cbuf_addf(b, "&%s=%s", name, v ? v : "");
    free(v);
}

static char *query_body(const ism_aws_op *op, const char *resource, const char *token)
{
    ism_cbuf b = {0};
    ism_cbuf_addf(&b, "Action=%s&Version=%s", op->name, op->version);
    if (op->params) ism_cbuf_addf(&b, "&%s", op->params);
    if (resource && op->param) form_add(&b, op->param, resource);
    if (token) form_add(&b, op->in_token, token);
    if (op->in_token && op->limit_key) ism_cbuf_addf(&b, "&%s=%d", op->limit_key, op->limit);
    return ism_cbuf_take(&b);
}

static char *json_body(const ism_aws_op *op, const char *resource, const char *token,
                       ism_error *err)
{
    char *fixed = ism_strdupf("{%s}", op->params ? op->params : "");
    json_t *o = fixed ? json_loads(fixed, 0, NULL) : NULL;
    free(fixed);
    if (!json_is_object(o)) {
        json_decref(o);
        ism_error_set(err, ISM_E_INTERNAL, "%s: malformed fixed params in the operations table",
                      op->name);
        return NULL;
    }
    if (resource && op->param) json_object_set_new(o, op->param, json_string(resource));
    if (token) json_object_set_new(o, op->in_token, json_string(token));
    if (op->in_token && op->limit_key)
        json_object_set_new(o, op->limit_key, json_integer(op->limit));
    char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    return s;
}

/* REST: the paging parameters (and fixed ones) go in the query string. */
static void rest_query(ism_cbuf *url, const ism_aws_op *op, const char *token)
{
    char sep = strchr(url->p ? url->p : "", '?') ? '&' : '?';
    if (op->params) {
        ism_cbuf_addf(url, "%c%s", sep, op->params);
        sep = '&';
    }
    if (op->in_token && op->limit_key) {
        ism_cbuf_addf(url, "%c%s=%d", sep, op->limit_key, op->limit);
        sep = '&';
    }
    if (token) {
        char *v = ism_aws_uri_encode(token, strlen(token), false);
        ism_cbuf_addf(url, "%c%s=%s", sep, op->in_token, v ? v : "");
        free(v);
    }
}

bool ism_aws_build_request(const ism_aws_op *op, const char *region, const char *home_region,
                           const char *endpoint_url, const char *resource, const char *token,
                           ism_aws_call_req *out, ism_error *err)
{
    memset(out, 0, sizeof *out);
    bool in_path = op->param && op->param[0] == '{';
    char *url = ism_aws_endpoint(op, region, home_region, endpoint_url, in_path ? resource : NULL,
                                 &out->sign_region);
    if (!url) return ism_error_set(err, ISM_E_INTERNAL, "out of memory");
    ism_cbuf u = {0};
    ism_cbuf_adds(&u, url);
    free(url);
    switch (op->protocol) {
    case ISM_AWS_QUERY:
    case ISM_AWS_EC2:
        out->body = query_body(op, resource, token);
        ism_http_headers_set(&out->headers, "Content-Type",
                             "application/x-www-form-urlencoded; charset=utf-8");
        break;
    case ISM_AWS_JSON:
        out->body = json_body(op, in_path ? NULL : resource, token, err);
        if (!out->body) {
            ism_cbuf_free(&u);
            return false;
        }
        ism_http_headers_set(&out->headers, "Content-Type", "application/x-amz-json-1.1");
        ism_http_headers_set(&out->headers, "X-Amz-Target", op->target);
        break;
    case ISM_AWS_REST_JSON:
    case ISM_AWS_REST_XML:
        rest_query(&u, op, token);
        break;
    }
    out->body_len = out->body ? strlen(out->body) : 0;
    out->url = ism_cbuf_take(&u);
    if (!out->url) return ism_error_set(err, ISM_E_INTERNAL, "out of memory");
    return true;
}

void ism_aws_call_req_free(ism_aws_call_req *r)
{
    free(r->url);
    free(r->body);
    ism_http_headers_clear(&r->headers);
    memset(r, 0, sizeof *r);
}
