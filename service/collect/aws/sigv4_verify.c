/* sigv4_verify.c — checks a received request's SigV4 Authorization header the way AWS does, and
 * names the failure with AWS's own error codes. The provider emulator rejects bad signatures with
 * it, so our signer is tested against a strict server, not a permissive one. */
#include "../internal.h"
#include "sigv4_int.h"

#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* AWS's code per failure and protocol family: query (IAM/STS), EC2, JSON (1.x and REST), S3. */
static const char *auth_code(ism_aws_auth st, ism_aws_protocol p)
{
    static const char *const codes[][4] = {
        [ISM_AWS_AUTH_MISSING] = {"MissingAuthenticationToken", "MissingAuthenticationToken",
                                  "MissingAuthenticationTokenException", "AccessDenied"},
        [ISM_AWS_AUTH_INCOMPLETE] = {"IncompleteSignature", "IncompleteSignature",
                                     "IncompleteSignatureException",
                                     "AuthorizationHeaderMalformed"},
        [ISM_AWS_AUTH_UNKNOWN_KEY] = {"InvalidClientTokenId", "AuthFailure",
                                      "UnrecognizedClientException", "InvalidAccessKeyId"},
        [ISM_AWS_AUTH_MISMATCH] = {"SignatureDoesNotMatch", "SignatureDoesNotMatch",
                                   "InvalidSignatureException", "SignatureDoesNotMatch"},
        [ISM_AWS_AUTH_SKEWED] = {"SignatureDoesNotMatch", "RequestExpired",
                                 "InvalidSignatureException", "RequestTimeTooSkewed"},
        [ISM_AWS_AUTH_PAYLOAD_MISMATCH] = {"SignatureDoesNotMatch", "SignatureDoesNotMatch",
                                           "InvalidSignatureException",
                                           "XAmzContentSHA256Mismatch"},
    };
    if (st == ISM_AWS_AUTH_OK) return "";
    int col = p == ISM_AWS_QUERY ? 0 : p == ISM_AWS_EC2 ? 1 : p == ISM_AWS_REST_XML ? 3 : 2;
    return codes[st][col];
}

static bool fail(ism_aws_verify_result *out, const ism_aws_verify_input *in, ism_aws_auth st,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static bool fail(ism_aws_verify_result *out, const ism_aws_verify_input *in, ism_aws_auth st,
                 const char *fmt, ...)
{
    out->status = st;
    ism_strlcpy(out->code, auth_code(st, in->protocol), sizeof out->code);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->message, sizeof out->message, fmt, ap);
    va_end(ap);
    return false;
}

typedef struct auth_parts {
    char cred[512], signed_headers[2048], signature[128];
    char access_key[128], date8[16], region[64], service[64];
} auth_parts;

/* Copies the value of "Name=value" from the comma-separated list after the algorithm. */
static bool auth_param(const char *list, const char *name, char *out, size_t n)
{
    size_t nl = strlen(name);
    for (const char *p = list; p && *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t len = strcspn(p, ",");
        if (len > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
            size_t vl = len - nl - 1;
            while (vl && p[nl + 1 + vl - 1] == ' ')
                vl--;
            if (vl >= n) return false;
            memcpy(out, p + nl + 1, vl);
            out[vl] = '\0';
            return vl > 0;
        }
        p += len;
    }
    return false;
}

/* "AK/20150830/us-east-1/service/aws4_request" into its parts. */
static bool split_credential(auth_parts *a)
{
    char *f[5], buf[512];
    ism_strlcpy(buf, a->cred, sizeof buf);
    int n = 0;
    for (char *s = buf, *save = NULL, *t; n < 5 && (t = strtok_r(s, "/", &save)); s = NULL)
        f[n++] = t;
    if (n != 5 || strchr(a->cred, '/') == NULL || strcmp(f[4], "aws4_request") != 0) return false;
    if (strlen(f[1]) != 8) return false;
    return ism_strlcpy(a->access_key, f[0], sizeof a->access_key) &&
           ism_strlcpy(a->date8, f[1], sizeof a->date8) &&
           ism_strlcpy(a->region, f[2], sizeof a->region) &&
           ism_strlcpy(a->service, f[3], sizeof a->service);
}

static bool parse_authorization(const ism_aws_verify_input *in, const char *auth, auth_parts *a,
                                ism_aws_verify_result *out)
{
    size_t al = strlen(ISM_SIGV4_ALGORITHM);
    if (strncmp(auth, ISM_SIGV4_ALGORITHM, al) != 0 || auth[al] != ' ')
        return fail(out, in, ISM_AWS_AUTH_INCOMPLETE,
                    "Unsupported AWS 'algorithm': only %s is accepted", ISM_SIGV4_ALGORITHM);
    const char *list = auth + al + 1;
    bool c = auth_param(list, "Credential", a->cred, sizeof a->cred);
    bool s = auth_param(list, "Signature", a->signature, sizeof a->signature);
    bool h = auth_param(list, "SignedHeaders", a->signed_headers, sizeof a->signed_headers);
    if (!c || !s || !h)
        return fail(out, in, ISM_AWS_AUTH_INCOMPLETE, "%s%s%sAuthorization=%s",
                    c ? "" : "Authorization header requires 'Credential' parameter. ",
                    s ? "" : "Authorization header requires 'Signature' parameter. ",
                    h ? "" : "Authorization header requires 'SignedHeaders' parameter. ", auth);
    if (!split_credential(a))
        return fail(out, in, ISM_AWS_AUTH_INCOMPLETE,
                    "Credential should be scoped to a valid region, and of the form "
                    "<key>/<YYYYMMDD>/<region>/<service>/aws4_request: '%s'",
                    a->cred);
    ism_strlcpy(out->access_key, a->access_key, sizeof out->access_key);
    ism_strlcpy(out->region, a->region, sizeof out->region);
    ism_strlcpy(out->service, a->service, sizeof out->service);
    return true;
}

static bool parse_amz_date(const char *s, time_t *t)
{
    struct tm tm = {0};
    if (!s || strlen(s) != 16) return false;
    const char *end = strptime(s, "%Y%m%dT%H%M%SZ", &tm);
    if (!end || *end) return false;
    *t = timegm(&tm);
    return true;
}

static bool check_date(const ism_aws_verify_input *in, const auth_parts *a, const char *amz_date,
                       ism_aws_verify_result *out)
{
    time_t t;
    if (!parse_amz_date(amz_date, &t))
        return fail(out, in, ISM_AWS_AUTH_INCOMPLETE,
                    "Authorization header requires existence of either a 'X-Amz-Date' or a "
                    "'Date' header (X-Amz-Date as YYYYMMDD'T'HHMMSS'Z').");
    if (strncmp(a->date8, amz_date, 8) != 0)
        return fail(out, in, ISM_AWS_AUTH_MISMATCH,
                    "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of "
                    "date from HTTP: '%s' != '%.8s', from '%s'.",
                    a->date8, amz_date, amz_date);
    long skew = in->max_skew_s > 0 ? in->max_skew_s : 900;
    long diff = (long)(in->now - t);
    if (diff > skew || diff < -skew)
        return fail(out, in, ISM_AWS_AUTH_SKEWED,
                    "Signature expired: %s is now %s than the allowed %ld seconds around the "
                    "server time.",
                    amz_date, diff > 0 ? "earlier" : "later", skew);
    return true;
}

/* The received headers named in SignedHeaders, in their received order. */
static bool pick_signed(const ism_aws_verify_input *in, const char *signed_list,
                        ism_http_headers *h)
{
    for (size_t i = 0; in->headers && i < in->headers->n; i++) {
        const char *name = in->headers->v[i].name;
        size_t nl = strlen(name);
        for (const char *p = signed_list; *p;) {
            size_t len = strcspn(p, ";");
            if (len == nl && ism_ascii_ieqn(p, name, nl)) {
                if (!ism_http_headers_add(h, name, in->headers->v[i].value)) return false;
                break;
            }
            p += len + (p[len] == ';');
        }
    }
    return true;
}

/* x-amz-content-sha256 when sent (S3), checked against the body unless it says unsigned. */
static bool payload_hash(const ism_aws_verify_input *in, char out_hash[65],
                         ism_aws_verify_result *out)
{
    char actual[65];
    ism_sha256_hex(in->body ? in->body : "", in->body ? in->body_len : 0, actual);
    const char *sent = ism_http_headers_get(in->headers, "x-amz-content-sha256");
    if (!sent) {
        memcpy(out_hash, actual, 65);
        return true;
    }
    ism_strlcpy(out_hash, sent, 65);
    if (strcmp(sent, "UNSIGNED-PAYLOAD") == 0 || strncmp(sent, "STREAMING-", 10) == 0) return true;
    if (strcmp(sent, actual) != 0)
        return fail(out, in, ISM_AWS_AUTH_PAYLOAD_MISMATCH,
                    "The provided 'x-amz-content-sha256' header does not match what was "
                    "computed.");
    return true;
}

static bool check_signature(const ism_aws_verify_input *in, const auth_parts *a,
                            const char *amz_date, const char *secret, ism_aws_verify_result *out)
{
    char hash[65], sig[65], scope[256];
    if (!payload_hash(in, hash, out)) return false;
    ism_http_headers h = {0};
    char *signed_hdrs = NULL;
    const char *path, *query;
    size_t plen, qlen;
    ism_sigv4_split_target(in->target ? in->target : "/", &path, &plen, &query, &qlen);
    bool ok = pick_signed(in, a->signed_headers, &h);
    if (ok)
        out->canonical_request =
            ism_sigv4_canonical_request(in->method, path, plen, query, qlen, &h, hash,
                                        ism_sigv4_flags(a->service, in->flags), &signed_hdrs);
    ism_http_headers_clear(&h);
    snprintf(scope, sizeof scope, "%s/%s/%s/aws4_request", a->date8, a->region, a->service);
    if (out->canonical_request)
        out->string_to_sign = ism_sigv4_string_to_sign(amz_date, scope, out->canonical_request);
    if (!out->string_to_sign) {
        free(signed_hdrs);
        return fail(out, in, ISM_AWS_AUTH_MISMATCH, "out of memory while verifying");
    }
    ism_sigv4_signature(secret, a->date8, a->region, a->service, out->string_to_sign, sig);
    /* A signed header that was not received, or a list not in canonical form, cannot match. */
    bool same_list = strcmp(signed_hdrs, a->signed_headers) == 0;
    free(signed_hdrs);
    bool same_sig = strlen(a->signature) == 64 && CRYPTO_memcmp(sig, a->signature, 64) == 0;
    if (!same_list || !same_sig)
        return fail(out, in, ISM_AWS_AUTH_MISMATCH,
                    "The request signature we calculated does not match the signature you "
                    "provided. Check your AWS Secret Access Key and signing method. Consult the "
                    "service documentation for details.");
    return true;
}

bool ism_aws_sigv4_verify(const ism_aws_verify_input *in, ism_aws_verify_result *out)
{
    memset(out, 0, sizeof *out);
    const char *auth = ism_http_headers_get(in->headers, "authorization");
    if (!auth)
        return fail(out, in, ISM_AWS_AUTH_MISSING, "Request is missing Authentication Token");
    auth_parts a = {0};
    if (!parse_authorization(in, auth, &a, out)) return false;
    const char *amz_date = ism_http_headers_get(in->headers, "x-amz-date");
    if (!check_date(in, &a, amz_date, out)) return false;
    char secret[256];
    const char *token = ism_http_headers_get(in->headers, "x-amz-security-token");
    if (!in->lookup || !in->lookup(a.access_key, token, secret, sizeof secret, in->lookup_arg))
        return fail(out, in, ISM_AWS_AUTH_UNKNOWN_KEY,
                    "The security token included in the request is invalid.");
    bool ok = check_signature(in, &a, amz_date, secret, out);
    OPENSSL_cleanse(secret, sizeof secret);
    if (ok) out->status = ISM_AWS_AUTH_OK;
    return ok;
}

void ism_aws_verify_result_free(ism_aws_verify_result *r)
{
    free(r->canonical_request);
    free(r->string_to_sign);
    r->canonical_request = r->string_to_sign = NULL;
}
