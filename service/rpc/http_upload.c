/* http_upload.c — evidence uploads over HTTP: POST /api/v1/evidence?kind=&subject= with either
 * the file as the raw body (its name in X-Filename, percent-encoded UTF-8) or a
 * multipart/form-data form (parts kind, subject, today, options, name, file). The bytes go to
 * evidence.import as content_base64, so every importer, its limits and its all-or-nothing
 * errors are the op's. The body was already read under http_body_limit (413 beyond it). */
#include "http_int.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define UPLOAD_PATH "/api/v1/evidence"
/* Room for the multipart framing and the small text parts around a file of max_body bytes. */
#define UPLOAD_SLACK (64 * 1024)

size_t http_body_limit(const ism_rpc_http_server *srv, const char *method, const char *path)
{
    if (method && path && !strcmp(method, "POST") && !strcmp(path, UPLOAD_PATH))
        return srv->max_body + UPLOAD_SLACK;
    return srv->max_body;
}

/* ---- multipart/form-data (RFC 7578) ------------------------------------------------------ */

static const char *find_bytes(const char *hay, size_t n, const char *needle, size_t m)
{
    if (m == 0 || n < m) return NULL;
    for (const char *p = hay; (p = memchr(p, needle[0], n - (size_t)(p - hay) - m + 1));) {
        if (memcmp(p, needle, m) == 0) return p;
        if ((size_t)(++p - hay) > n - m) break;
    }
    return NULL;
}

/* The value of parameter `key` in a header like `form-data; name="file"; filename="a.csv"`
 * (quoted or token; backslash escapes in quotes). malloc'd, NULL when absent. */
static char *header_param(const char *h, size_t hlen, const char *key)
{
    size_t klen = strlen(key);
    const char *end = h + hlen, *p = h;
    while (p < end) {
        const char *semi = memchr(p, ';', (size_t)(end - p));
        if (!semi) break;
        p = semi + 1;
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if ((size_t)(end - p) > klen && strncasecmp(p, key, klen) == 0 && p[klen] == '=') {
            p += klen + 1;
            char *out = malloc((size_t)(end - p) + 1), *o = out;
            if (!out) return NULL;
            if (p < end && *p == '"') {
                for (p++; p < end && *p != '"'; p++) {
                    if (*p == '\\' && p + 1 < end) p++;
                    *o++ = *p;
                }
            } else {
                while (p < end && *p != ';' && *p != ' ' && *p != '\t')
                    *o++ = *p++;
            }
            *o = '\0';
            return out;
        }
        /* Skip a quoted value that may hold ';'. */
        const char *eq = memchr(p, '=', (size_t)(end - p));
        if (eq && eq + 1 < end && eq[1] == '"') {
            const char *q = eq + 2;
            while (q < end && *q != '"')
                q += (*q == '\\' && q + 1 < end) ? 2 : 1;
            p = q;
        }
    }
    return NULL;
}

/* The boundary of a multipart Content-Type; false if it is not multipart/form-data. */
static bool boundary_of(const char *ctype, char *out, size_t n, ism_error *err)
{
    char *b = header_param(ctype, strlen(ctype), "boundary");
    if (!b || !*b || strlen(b) > 70 || strlen(b) + 1 > n) {
        free(b);
        return ism_error_set(err, ISM_E_BAD_REQUEST,
                             "Content-Type multipart/form-data needs a boundary of 1 to 70 "
                             "characters");
    }
    ism_strlcpy(out, b, n);
    free(b);
    return true;
}

void http_parts_free(http_part *parts, int n)
{
    for (int i = 0; i < n; i++) {
        free(parts[i].name);
        free(parts[i].filename);
    }
}

bool http_multipart_parse(const char *ctype, const char *body, size_t len, http_part *parts,
                          int max, int *nparts, ism_error *err)
{
    *nparts = 0;
    char bnd[80], delim[84];
    if (!boundary_of(ctype, bnd, sizeof bnd, err)) return false;
    snprintf(delim, sizeof delim, "\r\n--%s", bnd);
    size_t dlen = strlen(delim);
    /* The first delimiter may open the body without the CRLF before it. */
    const char *p;
    if (len >= dlen - 2 && memcmp(body, delim + 2, dlen - 2) == 0)
        p = body + dlen - 2;
    else if ((p = find_bytes(body, len, delim, dlen)))
        p += dlen;
    else
        return ism_error_set(err, ISM_E_BAD_REQUEST,
                             "multipart body has no part delimited by its boundary '%s'", bnd);
    const char *end = body + len;
    for (;;) {
        if (end - p >= 2 && p[0] == '-' && p[1] == '-') return true; /* close delimiter */
        /* Transport padding, then CRLF. */
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
            return ism_error_set(err, ISM_E_BAD_REQUEST,
                                 "multipart part %d: the boundary line is not followed by CRLF",
                                 *nparts + 1);
        p += 2;
        const char *hend = find_bytes(p, (size_t)(end - p), "\r\n\r\n", 4);
        const char *hblank = (end - p >= 2 && p[0] == '\r' && p[1] == '\n') ? p : NULL;
        if (!hend && !hblank)
            return ism_error_set(err, ISM_E_BAD_REQUEST,
                                 "multipart part %d: headers do not end with an empty line",
                                 *nparts + 1);
        const char *data = hblank ? p + 2 : hend + 4;
        const char *hstop = hblank ? p : hend;
        const char *next = find_bytes(data, (size_t)(end - data), delim, dlen);
        if (!next)
            return ism_error_set(err, ISM_E_BAD_REQUEST,
                                 "multipart part %d is not closed by the boundary (body cut?)",
                                 *nparts + 1);
        if (*nparts == max)
            return ism_error_set(err, ISM_E_BAD_REQUEST, "multipart body has more than %d parts",
                                 max);
        http_part *part = &parts[*nparts];
        memset(part, 0, sizeof *part);
        /* Headers: only Content-Disposition matters. */
        for (const char *h = p; h < hstop;) {
            const char *eol = find_bytes(h, (size_t)(hstop - h) + 2, "\r\n", 2);
            size_t hl = eol ? (size_t)(eol - h) : (size_t)(hstop - h);
            if (hl > 20 && strncasecmp(h, "Content-Disposition:", 20) == 0) {
                part->name = header_param(h, hl, "name");
                part->filename = header_param(h, hl, "filename");
                char *ext = header_param(h, hl, "filename*");
                if (ext && strncasecmp(ext, "UTF-8''", 7) == 0) {
                    free(part->filename);
                    part->filename = http_percent_decode(ext + 7);
                }
                free(ext);
            }
            h += hl + 2;
        }
        (*nparts)++;
        if (!part->name)
            return ism_error_set(err, ISM_E_BAD_REQUEST,
                                 "multipart part %d has no Content-Disposition form-data name",
                                 *nparts);
        part->data = data;
        part->len = (size_t)(next - data);
        p = next + dlen;
    }
}

/* ---- the upload route -------------------------------------------------------------------- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

char *http_percent_decode(const char *s)
{
    char *out = malloc(strlen(s) + 1), *o = out;
    if (!out) return NULL;
    for (; *s; s++) {
        if (*s == '%') {
            int hi = hexval(s[1]), lo = hi >= 0 ? hexval(s[2]) : -1;
            if (lo < 0) {
                free(out);
                return NULL;
            }
            *o++ = (char)(hi * 16 + lo);
            s += 2;
        } else {
            *o++ = *s;
        }
    }
    *o = '\0';
    return out;
}

static const http_param upload_query[] = {
    {"kind", NULL, false},    {"subject", NULL, false}, {"today", NULL, false},
    {"options", NULL, false}, {"name", NULL, false},    {NULL, NULL, false},
};

static bool is_upload_field(const char *name)
{
    for (const http_param *p = upload_query; p->name; p++)
        if (!strcmp(p->name, name)) return true;
    return false;
}

/* Sets a text field (from the query or a form part) into params; options is JSON text. */
static bool set_field(json_t *params, const char *key, const char *val, size_t len, ism_error *err)
{
    if (json_object_get(params, key))
        return ism_error_set(err, ISM_E_BAD_REQUEST, "field '%s' is given twice", key);
    json_t *v;
    if (!strcmp(key, "options")) {
        json_error_t je;
        v = json_loadb(val, len, JSON_REJECT_DUPLICATES, &je);
        if (!v || !json_is_object(v)) {
            json_decref(v);
            return ism_error_set(err, ISM_E_INVALID_PARAMS,
                                 "field 'options' must be a JSON object, e.g. "
                                 "{\"kind\":\"contract\",\"title\":\"...\"}");
        }
    } else {
        v = json_stringn(val, len);
        if (!v) return ism_error_set(err, ISM_E_INVALID_PARAMS, "field '%s' is not UTF-8", key);
    }
    json_object_set_new(params, key, v);
    return true;
}

/* The query's fields as params (options parsed from its JSON text). */
static json_t *query_fields(http_req *r, ism_error *err)
{
    json_t *q = http_query_params(r, upload_query, err);
    if (!q) return NULL;
    json_t *params = json_object();
    const char *key;
    json_t *v;
    json_object_foreach(q, key, v)
    {
        const char *s = json_string_value(v);
        if (!set_field(params, key, s, strlen(s), err)) {
            json_decref(q);
            json_decref(params);
            return NULL;
        }
    }
    json_decref(q);
    return params;
}

#define MAX_PARTS 16

/* Fills params from the form; *file / *flen point into the body. */
static bool form_fields(http_req *r, const char *ctype, json_t *params, const char **file,
                        size_t *flen, ism_error *err)
{
    http_part parts[MAX_PARTS];
    int n = 0;
    bool ok =
        http_multipart_parse(ctype, r->body ? r->body : "", r->len, parts, MAX_PARTS, &n, err);
    for (int i = 0; ok && i < n; i++) {
        const http_part *pt = &parts[i];
        if (!strcmp(pt->name, "file")) {
            if (*file) {
                ok = ism_error_set(err, ISM_E_BAD_REQUEST, "the form has more than one 'file'");
                break;
            }
            *file = pt->data;
            *flen = pt->len;
            if (pt->filename && *pt->filename && !json_object_get(params, "name"))
                ok = set_field(params, "name", pt->filename, strlen(pt->filename), err);
        } else if (is_upload_field(pt->name)) {
            ok = set_field(params, pt->name, pt->data, pt->len, err);
        } else {
            ok = ism_error_set(err, ISM_E_BAD_REQUEST,
                               "unknown form field '%s' (fields: kind, subject, today, options, "
                               "name, file)",
                               pt->name);
            ism_error_detail(err, json_pack("{s:s}", "field", pt->name));
        }
    }
    http_parts_free(parts, n);
    if (ok && !*file) ok = ism_error_set(err, ISM_E_INVALID_PARAMS, "the form has no 'file' part");
    return ok;
}

enum MHD_Result http_route_upload(http_req *r)
{
    ism_error err = {0};
    ism_strlcpy(r->op, "evidence.import", sizeof r->op);
    ism_rpc_caller who;
    if (!http_authenticate(r, &who, &err)) return http_reply_error(r, &err);
    json_t *params = query_fields(r, &err);
    if (!params) return http_reply_error(r, &err);
    const char *ctype = http_header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
    const char *file = NULL;
    size_t flen = 0;
    bool ok;
    if (ctype && strncasecmp(ctype, "multipart/form-data", 19) == 0) {
        ok = form_fields(r, ctype, params, &file, &flen, &err);
    } else {
        const char *xf = http_header(r, "X-Filename");
        char *name = xf ? http_percent_decode(xf) : NULL;
        if (!xf)
            ok = ism_error_set(&err, ISM_E_INVALID_PARAMS,
                               "a raw upload needs the header X-Filename (the file's name, "
                               "percent-encoded UTF-8), or send multipart/form-data");
        else if (!name)
            ok = ism_error_set(&err, ISM_E_INVALID_PARAMS,
                               "header X-Filename has a bad percent-escape: '%s'", xf);
        else
            ok = set_field(params, "name", name, strlen(name), &err);
        free(name);
        file = r->body ? r->body : "";
        flen = r->len;
    }
    if (ok && flen > r->srv->max_body) {
        ok = ism_error_set(&err, ISM_E_TOO_LARGE, "the file is %zu bytes; the limit is %zu", flen,
                           r->srv->max_body);
    }
    if (!ok) {
        json_decref(params);
        return http_reply_error(r, &err);
    }
    char *b64 = malloc(4 * ((flen + 2) / 3) + 1);
    if (!b64) {
        json_decref(params);
        ism_error_set(&err, ISM_E_INTERNAL, "out of memory for a %zu-byte upload", flen);
        return http_reply_error(r, &err);
    }
    EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)file, (int)flen);
    /* The body is no longer needed: hold one copy of the file at a time. */
    free(r->body);
    r->body = NULL;
    r->len = r->cap = 0;
    json_object_set_new(params, "content_base64", json_string_nocheck(b64));
    free(b64);
    return http_call_and_reply(r, &who, "evidence.import", params);
}
