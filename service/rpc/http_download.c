/* http_download.c — the HTTP gateway's file downloads: the assessment report
 * (assessment.export) and the procurement screening export (screening.export). The ops answer
 * with base64; here the bytes go out as a file with the format's Content-Type and a
 * Content-Disposition carrying an ASCII fallback name and the Japanese name people file it
 * under (RFC 6266 with RFC 5987's filename*). */
#include "http_int.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

static const char *content_type(const char *format)
{
    static const char *const map[][2] = {
        {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
        {"csv", "text/csv; charset=utf-8"},
        {"csv-findings", "text/csv; charset=utf-8"},
        {"html", "text/html; charset=utf-8"},
        {"pdf", "application/pdf"},
        {"json", "application/json"},
        {"oscal", "application/json"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i][0], format) == 0) return map[i][1];
    return "application/octet-stream";
}

/* The file name extension of a format (csv-findings is a CSV, oscal a JSON document). */
static const char *extension(const char *format)
{
    if (!strcmp(format, "csv-findings")) return "csv";
    if (!strcmp(format, "oscal")) return "json";
    return format;
}

/* RFC 5987 ext-value: attr-chars as they are, every other byte %XX. malloc'd. */
char *http_rfc5987(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s);
    char *out = malloc(3 * n + 1), *o = out;
    if (!out) return NULL;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            strchr("!#$&+-.^_`|~", *p)) {
            *o++ = (char)*p;
        } else {
            *o++ = '%';
            *o++ = hex[*p >> 4];
            *o++ = hex[*p & 15];
        }
    }
    *o = '\0';
    return out;
}

/* A quoted-string-safe ASCII name: letters, digits, '.', '-' and '_' kept, anything else '_'. */
char *http_ascii_filename(const char *s)
{
    char *out = strdup(s ? s : "download");
    if (!out) return NULL;
    for (unsigned char *p = (unsigned char *)out; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '.' || *p == '-' || *p == '_'))
            *p = '_';
    return out;
}

/* Decodes the op's content_base64 (len: the decoded size). NULL if it is not base64. */
static unsigned char *decode_b64(const char *b64, size_t *len)
{
    size_t n = strlen(b64);
    if (n % 4) return NULL;
    unsigned char *out = malloc(n / 4 * 3 + 1);
    if (!out) return NULL;
    int got = n ? EVP_DecodeBlock(out, (const unsigned char *)b64, (int)n) : 0;
    if (got < 0) {
        free(out);
        return NULL;
    }
    size_t pad = n >= 1 && b64[n - 1] == '=' ? (n >= 2 && b64[n - 2] == '=' ? 2 : 1) : 0;
    *len = (size_t)got - pad;
    return out;
}

/* Calls op with params (stolen) and sends its content_base64 as a file named ascii_name /
 * utf8_name (both borrowed). */
static enum MHD_Result send_file(http_req *r, const ism_rpc_caller *who, const char *op,
                                 json_t *params, const char *format, const char *ascii_name,
                                 const char *utf8_name)
{
    ism_error err = {0};
    json_t *result = NULL;
    bool ok = ism_rpc_call_op(r->srv->app, who, op, params, &result, NULL, &err);
    json_decref(params);
    if (!ok) return http_reply_error(r, &err);
    const char *b64 = ism_json_getstr(result, "content_base64");
    size_t len = 0;
    unsigned char *data = b64 ? decode_b64(b64, &len) : NULL;
    json_decref(result);
    if (!data) {
        ism_error_set(&err, ISM_E_INTERNAL, "%s answered without a decodable content_base64", op);
        return http_reply_error(r, &err);
    }
    char *fallback = http_ascii_filename(ascii_name), *enc = http_rfc5987(utf8_name);
    char *disp = ism_strdupf("attachment; filename=\"%s\"; filename*=UTF-8''%s",
                             fallback ? fallback : "download", enc ? enc : "download");
    const char *headers[] = {"Content-Disposition", disp, NULL};
    enum MHD_Result rc = http_reply_bytes(r, 200, content_type(format), data, len, headers);
    free(disp);
    free(enc);
    free(fallback);
    free(data);
    return rc;
}

static const http_param export_query[] = {
    {"format", NULL, false},
    {"today", NULL, false},
    {NULL, NULL, false},
};

/* The params of a download: query (format, today) + the path's id. NULL with err. */
static json_t *download_params(http_req *r, const char *id_param, const char **format,
                               ism_error *err)
{
    json_t *params = http_query_params(r, export_query, err);
    const char *names[] = {id_param, NULL};
    if (params && !http_set_caps(r, params, names, err)) {
        json_decref(params);
        return NULL;
    }
    if (!params) return NULL;
    *format = ism_json_getstr(params, "format");
    if (!*format) {
        json_decref(params);
        ism_error_set(err, ISM_E_INVALID_PARAMS, "query parameter 'format' is required");
        ism_error_detail(err, json_pack("{s:s}", "parameter", "format"));
        return NULL;
    }
    return params;
}

/* GET /api/v1/assessments/{id}/report?format=html|xlsx|csv|csv-findings|json|oscal&today= */
enum MHD_Result http_route_report(http_req *r)
{
    ism_error err = {0};
    ism_strlcpy(r->op, "assessment.export", sizeof r->op);
    ism_rpc_caller who;
    if (!http_authenticate(r, &who, &err)) return http_reply_error(r, &err);
    const char *format = NULL;
    json_t *params = download_params(r, "assessment", &format, &err);
    if (!params) return http_reply_error(r, &err);
    char fmt[32];
    ism_strlcpy(fmt, format, sizeof fmt);
    const char *aid = r->caps[0];
    bool findings = !strcmp(fmt, "csv-findings");
    char *ascii =
        ism_strdupf("assessment-%s%s.%s", aid, findings ? "-findings" : "", extension(fmt));
    char *utf8 =
        ism_strdupf("%s_%s.%s", findings ? "指摘事項一覧" : "監査報告書", aid, extension(fmt));
    enum MHD_Result rc = send_file(r, &who, "assessment.export", params, fmt, ascii, utf8);
    free(ascii);
    free(utf8);
    return rc;
}

/* GET /api/v1/subjects/{id}/screening/export?format=xlsx|csv|json&today= */
enum MHD_Result http_route_screening_export(http_req *r)
{
    ism_error err = {0};
    ism_strlcpy(r->op, "screening.export", sizeof r->op);
    ism_rpc_caller who;
    if (!http_authenticate(r, &who, &err)) return http_reply_error(r, &err);
    const char *format = NULL;
    json_t *params = download_params(r, "subject", &format, &err);
    if (!params) return http_reply_error(r, &err);
    char fmt[32];
    ism_strlcpy(fmt, format, sizeof fmt);
    const char *subject = r->caps[0];
    char *ascii = ism_strdupf("screening-%s.%s", subject, extension(fmt));
    char *utf8 = ism_strdupf("別紙_クラウドサービス要件確認_%s.%s", subject, extension(fmt));
    enum MHD_Result rc = send_file(r, &who, "screening.export", params, fmt, ascii, utf8);
    free(ascii);
    free(utf8);
    return rc;
}
