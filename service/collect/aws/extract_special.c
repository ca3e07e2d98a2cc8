/* extract_special.c — the extractors with a twist: IAM's URL-encoded policy documents, the
 * credential report (asynchronous, a base64 CSV), S3 buckets filed under the region
 * GetBucketLocation names, and answers that say "nothing is configured". */
#include "../internal.h"
#include "ismap/aws.h"
#include "ismap/snapshot.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

/* ---- IAM roles ---------------------------------------------------------------------------- */
static int hexval(char c)
{
    return isdigit((unsigned char)c)    ? c - '0'
           : isxdigit((unsigned char)c) ? (c | 0x20) - 'a' + 10
                                        : -1;
}

/* RFC 3986 percent-decoding ('+' stays: IAM encodes spaces as %20). malloc'd. */
static char *percent_decode(const char *s)
{
    size_t n = strlen(s);
    char *out = malloc(n + 1), *o = out;
    if (!out) return NULL;
    for (size_t i = 0; i < n; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < n && (hi = hexval(s[i + 1])) >= 0 &&
            (lo = hexval(s[i + 2])) >= 0) {
            *o++ = (char)(hi << 4 | lo);
            i += 2;
        } else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    return out;
}

/* The query API sends policy documents URL-encoded; the snapshot holds them as JSON, as the
 * AWS CLI prints them. A document that does not decode to JSON is kept as sent. */
ism_aws_xresult ism_aws_x_roles(ism_aws_xctx *x, const json_t *out, ism_error *err)
{
    const json_t *roles = json_object_get(out, x->op->result);
    size_t i;
    json_t *r;
    json_array_foreach(roles, i, r)
    {
        const char *name = ism_json_getstr(r, x->op->id_field);
        if (!name) {
            ism_error_set(err, ISM_E_UPSTREAM, "unexpected answer: a role without RoleName");
            return ISM_AWS_X_ERROR;
        }
        json_t *role = json_deep_copy(r);
        const char *doc = ism_json_getstr(role, "AssumeRolePolicyDocument");
        char *text = doc ? percent_decode(doc) : NULL;
        json_t *parsed = text ? json_loads(text, 0, NULL) : NULL;
        if (parsed) json_object_set_new(role, "AssumeRolePolicyDocument", parsed);
        free(text);
        bool ok =
            ism_aws_put(x, x->region, x->op->type, name, ism_json_getstr(r, "Arn"), role, err);
        json_decref(role);
        if (!ok) return ISM_AWS_X_ERROR;
    }
    return ISM_AWS_X_OK;
}

/* ---- the credential report ---------------------------------------------------------------- */
ism_aws_xresult ism_aws_x_report_state(ism_aws_xctx *x, const json_t *out, ism_error *err)
{
    (void)x;
    const char *state = ism_json_getstr(out, "State");
    if (!state) {
        ism_error_set(err, ISM_E_UPSTREAM,
                      "unexpected answer: GenerateCredentialReport has no "
                      "State");
        return ISM_AWS_X_ERROR;
    }
    return strcmp(state, "COMPLETE") == 0 ? ISM_AWS_X_OK : ISM_AWS_X_AGAIN;
}

/* Base64 (whitespace ignored) to bytes; malloc'd and NUL-terminated, NULL when invalid. */
static char *b64_decode(const char *in, size_t *len)
{
    size_t n = strlen(in), m = 0;
    char *clean = malloc(n + 1);
    if (!clean) return NULL;
    for (size_t i = 0; i < n; i++)
        if (!isspace((unsigned char)in[i])) clean[m++] = in[i];
    clean[m] = '\0';
    char *out = m % 4 == 0 ? malloc(m / 4 * 3 + 1) : NULL;
    int got = out ? EVP_DecodeBlock((unsigned char *)out, (unsigned char *)clean, (int)m) : -1;
    if (got < 0) {
        free(out);
        free(clean);
        return NULL;
    }
    /* EVP_DecodeBlock counts the padding as zero bytes. */
    for (size_t i = m; i > 0 && clean[i - 1] == '='; i--)
        got--;
    out[got] = '\0';
    *len = (size_t)got;
    free(clean);
    return out;
}

/* One CSV field from *p (RFC 4180 quotes); leaves *p after the separator. malloc'd. */
static char *csv_field(const char **p, bool *eol)
{
    ism_cbuf b = {0};
    const char *s = *p;
    if (*s == '"') {
        for (s++; *s; s++) {
            if (*s == '"' && s[1] == '"')
                ism_cbuf_addc(&b, '"'), s++;
            else if (*s == '"') {
                s++;
                break;
            } else
                ism_cbuf_addc(&b, *s);
        }
    }
    for (; *s && *s != ',' && *s != '\n' && *s != '\r'; s++)
        ism_cbuf_addc(&b, *s);
    *eol = *s != ',';
    if (*s == '\r') s++;
    if (*s) s++;
    *p = s;
    ism_cbuf_addc(&b, '\0');
    return ism_cbuf_take(&b);
}

/* Rows as arrays of strings. New reference. */
static json_t *csv_rows(const char *text)
{
    json_t *rows = json_array();
    const char *p = text;
    while (*p) {
        json_t *row = json_array();
        bool eol = false;
        while (!eol && *p) {
            char *f = csv_field(&p, &eol);
            json_array_append_new(row, json_string(f ? f : ""));
            free(f);
        }
        if (json_array_size(row) > 1 || json_string_length(json_array_get(row, 0)))
            json_array_append(rows, row);
        json_decref(row);
    }
    return rows;
}

/* Each row of the CSV becomes an iam.CredentialReport, named by its "user" column
 * ("<root_account>" for the root user); values are the CSV's text ("true", "N/A", dates). */
ism_aws_xresult ism_aws_x_credential_report(ism_aws_xctx *x, const json_t *out, ism_error *err)
{
    const char *content = ism_json_getstr(out, "Content");
    size_t len = 0;
    char *csv = content ? b64_decode(content, &len) : NULL;
    if (!csv) {
        ism_error_set(err, ISM_E_UPSTREAM,
                      "unexpected answer: the credential report's Content is "
                      "%s",
                      content ? "not valid base64" : "missing");
        return ISM_AWS_X_ERROR;
    }
    json_t *rows = csv_rows(csv);
    free(csv);
    json_t *head = json_array_get(rows, 0);
    bool ok = json_array_size(head) > 0;
    if (!ok)
        ism_error_set(err, ISM_E_UPSTREAM, "unexpected answer: the credential report is empty");
    for (size_t r = 1; ok && r < json_array_size(rows); r++) {
        json_t *row = json_array_get(rows, r), *obj = json_object();
        for (size_t c = 0; c < json_array_size(head) && c < json_array_size(row); c++)
            json_object_set(obj, json_string_value(json_array_get(head, c)),
                            json_array_get(row, c));
        const char *user = ism_json_getstr(obj, "user");
        if (user && *user)
            ok =
                ism_aws_put(x, x->region, x->op->type, user, ism_json_getstr(obj, "arn"), obj, err);
        json_decref(obj);
    }
    json_decref(rows);
    return ok ? ISM_AWS_X_OK : ISM_AWS_X_ERROR;
}

/* ---- S3 ---------------------------------------------------------------------------------- */
const char *ism_aws_s3_region(const char *lc)
{
    if (!lc || !*lc) return "us-east-1";
    if (strcmp(lc, "EU") == 0) return "eu-west-1";
    return lc;
}

static bool delete_row(ism_aws_xctx *x, const char *region, const char *type, const char *id,
                       ism_error *err)
{
    sqlite3_stmt *st = NULL;
    bool ok = sqlite3_prepare_v2(ism_snapshot_db(x->snap),
                                 "DELETE FROM resources WHERE provider='aws' AND account=? AND "
                                 "region=? AND type=? AND id=?",
                                 -1, &st, NULL) == SQLITE_OK;
    if (ok) {
        sqlite3_bind_text(st, 1, x->account, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, region, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, type, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, id, -1, SQLITE_STATIC);
        ok = sqlite3_step(st) == SQLITE_DONE;
    }
    sqlite3_finalize(st);
    return ok ? true
              : ism_error_set(err, ISM_E_IO, "snapshot: %s",
                              sqlite3_errmsg(ism_snapshot_db(x->snap)));
}

/* ListBuckets files every bucket under "global"; its location moves it to its region. */
ism_aws_xresult ism_aws_x_bucket_location(ism_aws_xctx *x, const json_t *out, ism_error *err)
{
    const char *from = x->resource_region ? x->resource_region : x->region;
    const char *to = ism_aws_s3_region(ism_json_getstr(out, "LocationConstraint"));
    sqlite3_stmt *st = NULL;
    json_t *data = NULL;
    char *arn = NULL;
    if (sqlite3_prepare_v2(ism_snapshot_db(x->snap),
                           "SELECT data, arn FROM resources WHERE provider='aws' AND account=? "
                           "AND region=? AND type=? AND id=?",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, x->account, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, from, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, x->op->type, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, x->resource, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) {
            data = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
            if (sqlite3_column_text(st, 1)) arn = strdup((const char *)sqlite3_column_text(st, 1));
        }
    }
    sqlite3_finalize(st);
    if (!json_is_object(data)) {
        json_decref(data);
        data = json_object();
    }
    json_object_set(data, x->op->key, (json_t *)out);
    bool ok = (strcmp(from, to) == 0 || delete_row(x, from, x->op->type, x->resource, err)) &&
              ism_aws_put(x, to, x->op->type, x->resource, arn, data, err);
    json_decref(data);
    free(arn);
    return ok ? ISM_AWS_X_OK : ISM_AWS_X_ERROR;
}

/* ---- "nothing configured" ------------------------------------------------------------------ */
bool ism_aws_x_none_configured(ism_aws_xctx *x, const char *code, const char *message,
                               ism_error *err)
{
    const ism_aws_op *op = x->op;
    if (!op->type) return true;
    if (op->scope == ISM_AWS_SCOPE_PER_RESOURCE) {
        json_t *e =
            json_pack("{s:{s:s, s:s}}", "Error", "Code", code, "Message", message ? message : "");
        const char *region = x->resource_region ? x->resource_region : x->region;
        bool ok = ism_aws_merge(x, region, op->type, x->resource, NULL,
                                op->key ? op->key : op->name, e, err);
        json_decref(e);
        return ok;
    }
    json_t *d = json_object();
    json_object_set_new(d, code, json_true());
    const char *id = op->scope == ISM_AWS_SCOPE_GLOBAL ? x->account : x->region;
    bool ok = ism_aws_put(x, x->region, op->type, id, NULL, d, err);
    json_decref(d);
    return ok;
}
