/* protocol.c — AWS wire protocols on the way back: successful answers to JSON, error answers to
 * (code, message, request id), and the next-page token of each pagination style. Anything that is
 * not the expected shape (a proxy's HTML page, truncated XML) becomes a clear
 * "unparseable response" error, never a crash or a silently empty page. */
#include "../internal.h"
#include "aws_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static bool is_xml(ism_aws_protocol p)
{
    return p == ISM_AWS_QUERY || p == ISM_AWS_EC2 || p == ISM_AWS_REST_XML;
}

static bool blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!isspace((unsigned char)s[i])) return false;
    return true;
}

static json_t *parse_json(const char *body, size_t len, const char *what, ism_error *err)
{
    json_error_t je;
    json_t *v = json_loadb(body, len, 0, &je);
    if (v) return v;
    char excerpt[160];
    ism_aws_body_excerpt(body, len, excerpt, sizeof excerpt);
    ism_error_set(err, ISM_E_UPSTREAM,
                  "unparseable response: expected %s, it is not valid JSON (line %d: %s); the "
                  "body starts \"%s\"",
                  what, je.line, je.text, excerpt);
    return NULL;
}

json_t *ism_aws_parse_response(ism_aws_protocol p, const char *body, size_t len,
                               const char *const *list_names, ism_error *err)
{
    if (!body) len = 0;
    if (!is_xml(p)) return blank(body, len) ? json_object() : parse_json(body, len, "JSON", err);
    json_t *doc = ism_aws_xml_to_json(body, len, list_names, err);
    if (!doc) return NULL;
    /* The root's name is the operation's ("ListUsersResponse"): the caller knows it. */
    json_t *root = json_incref(json_object_iter_value(json_object_iter(doc)));
    json_decref(doc);
    return root;
}

/* ---- errors ---- */
static void copy_str(const json_t *v, char *out, size_t n)
{
    if (json_is_string(v)) ism_strlcpy(out, json_string_value(v), n);
}

/* Depth-first: the first object holding "Code" under a key "Error" (query's ErrorResponse,
 * EC2's Response/Errors, S3's root all have one). */
static const json_t *find_error(const json_t *v, const char *key)
{
    if (json_is_object(v)) {
        if (key && strcmp(key, "Error") == 0 && json_object_get(v, "Code")) return v;
        const char *k;
        json_t *c;
        json_object_foreach((json_t *)v, k, c)
        {
            const json_t *f = find_error(c, k);
            if (f) return f;
        }
    } else if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++) {
            const json_t *f = find_error(json_array_get(v, i), key);
            if (f) return f;
        }
    }
    return NULL;
}

static const json_t *find_key(const json_t *v, const char *a, const char *b)
{
    if (!json_is_object(v)) return NULL;
    const json_t *hit = json_object_get(v, a);
    if (!hit && b) hit = json_object_get(v, b);
    if (hit) return hit;
    const char *k;
    json_t *c;
    json_object_foreach((json_t *)v, k, c)
    {
        const json_t *f = find_key(c, a, b);
        if (f) return f;
    }
    return NULL;
}

static bool xml_error(const char *body, size_t len, ism_aws_error_info *out, ism_error *why)
{
    json_t *doc = ism_aws_xml_to_json(body, len, NULL, why);
    if (!doc) return false;
    const json_t *e = find_error(doc, NULL);
    if (e) {
        copy_str(json_object_get(e, "Code"), out->code, sizeof out->code);
        copy_str(json_object_get(e, "Message"), out->message, sizeof out->message);
        copy_str(find_key(doc, "RequestId", "RequestID"), out->request_id, sizeof out->request_id);
    } else {
        ism_error_set(why, ISM_E_UPSTREAM, "XML without an <Error><Code>");
    }
    json_decref(doc);
    return e && out->code[0];
}

/* "com.amazonaws.kms#NotFoundException" → "NotFoundException";
 * "ResourceNotFoundException:http://internal.amazon.com/..." → "ResourceNotFoundException". */
static void clean_code(char *code)
{
    char *hash = strrchr(code, '#');
    if (hash) memmove(code, hash + 1, strlen(hash + 1) + 1);
    code[strcspn(code, ":")] = '\0';
}

static bool json_error(ism_aws_protocol p, const ism_http_headers *headers, const char *body,
                       size_t len, ism_aws_error_info *out, ism_error *why)
{
    const char *hdr = ism_http_headers_get(headers, "x-amzn-ErrorType");
    if (hdr && p == ISM_AWS_REST_JSON) ism_strlcpy(out->code, hdr, sizeof out->code);
    json_t *doc = blank(body, len) ? NULL : parse_json(body, len, "a JSON error", why);
    if (json_is_object(doc)) {
        const char *keys[] = {"__type", "code", "Code"};
        for (size_t i = 0; i < 3 && !out->code[0]; i++)
            copy_str(json_object_get(doc, keys[i]), out->code, sizeof out->code);
        copy_str(json_object_get(doc, "message"), out->message, sizeof out->message);
        if (!out->message[0])
            copy_str(json_object_get(doc, "Message"), out->message, sizeof out->message);
    }
    if (!out->code[0] && hdr) ism_strlcpy(out->code, hdr, sizeof out->code);
    json_decref(doc);
    clean_code(out->code);
    return out->code[0] != '\0';
}

static void header_request_id(const ism_http_headers *h, ism_aws_error_info *out)
{
    const char *id = ism_http_headers_get(h, "x-amzn-RequestId");
    if (!id) id = ism_http_headers_get(h, "x-amz-request-id");
    if (id && !out->request_id[0]) ism_strlcpy(out->request_id, id, sizeof out->request_id);
}

bool ism_aws_parse_error(ism_aws_protocol p, long status, const ism_http_headers *headers,
                         const char *body, size_t len, ism_aws_error_info *out)
{
    memset(out, 0, sizeof *out);
    if (!body) len = 0;
    ism_error why = {0};
    bool ok = is_xml(p) ? (len && xml_error(body, len, out, &why))
                        : json_error(p, headers, body, len, out, &why);
    header_request_id(headers, out);
    if (ok) return true;
    if (!len) {
        /* HEAD and some 5xx answers have no body: the status is all there is. */
        snprintf(out->code, sizeof out->code, "%ld", status);
        snprintf(out->message, sizeof out->message,
                 "unparseable response: HTTP %ld with an "
                 "empty body",
                 status);
    } else {
        char excerpt[160];
        ism_aws_body_excerpt(body, len, excerpt, sizeof excerpt);
        out->code[0] = '\0';
        snprintf(out->message, sizeof out->message,
                 "unparseable response: HTTP %ld, expected an AWS %s error (%s); the body starts "
                 "\"%s\"",
                 status, is_xml(p) ? "XML" : "JSON", why.message[0] ? why.message : "no code",
                 excerpt);
    }
    ism_error_clear(&why);
    return false;
}

/* ---- pagination ---- */
/* "NextToken" or "nextToken": AWS spells it both ways (JSON vs EC2 / REST-JSON). */
static const json_t *member(const json_t *o, const char *name)
{
    const json_t *v = json_object_get(o, name);
    if (v) return v;
    char lower[64];
    ism_strlcpy(lower, name, sizeof lower);
    lower[0] = ism_ascii_lower(lower[0]);
    return json_object_get(o, lower);
}

static bool truthy(const json_t *v)
{
    return json_is_true(v) || (json_is_string(v) && strcmp(json_string_value(v), "true") == 0);
}

static char *nonempty(const json_t *v)
{
    return json_is_string(v) && *json_string_value(v) ? strdup(json_string_value(v)) : NULL;
}

/* S3 ListObjects v1 without a delimiter gives no NextMarker: the last key is the marker. */
static char *last_key(const json_t *result)
{
    const json_t *c = json_object_get(result, "Contents");
    if (json_is_array(c)) c = json_array_get(c, json_array_size(c) - 1);
    return nonempty(json_object_get(c, "Key"));
}

bool ism_aws_page_next(const json_t *result, ism_aws_paging style, char **token, ism_error *err)
{
    *token = NULL;
    if (!json_is_object(result))
        return ism_error_set(err, ISM_E_UPSTREAM, "pagination: the page is not an object");
    if (style == ISM_AWS_PAGE_NEXT_TOKEN) {
        *token = nonempty(member(result, "NextToken"));
        return true;
    }
    const json_t *trunc = member(result, "IsTruncated");
    if (!trunc) trunc = member(result, "Truncated");
    if (!truthy(trunc)) return true;
    const char *name = style == ISM_AWS_PAGE_MARKER        ? "Marker"
                       : style == ISM_AWS_PAGE_NEXT_MARKER ? "NextMarker"
                                                           : "NextContinuationToken";
    *token = nonempty(member(result, name));
    if (!*token && style == ISM_AWS_PAGE_NEXT_MARKER) *token = last_key(result);
    if (!*token)
        return ism_error_set(err, ISM_E_UPSTREAM,
                             "pagination: the page says it is truncated but has no %s", name);
    return true;
}
