/* sigv4.c — AWS Signature Version 4 signing, in header form or as a presigned query. Our own
 * (OpenSSL HMAC-SHA256) because libcurl 7.88's CURLOPT_AWS_SIGV4 signs queries wrongly. */
#include "../internal.h"
#include "sigv4_int.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

static void hmac256(const void *key, size_t klen, const char *msg, unsigned char out[32])
{
    unsigned int n = 32;
    HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)msg, strlen(msg), out, &n);
}

void ism_sigv4_signature(const char *secret, const char *date8, const char *region,
                         const char *service, const char *sts, char out[65])
{
    size_t sl = strlen(secret);
    unsigned char *k = malloc(sl + 4), kd[32], kr[32], ks[32], kf[32], sig[32];
    if (!k) {
        out[0] = '\0';
        return;
    }
    memcpy(k, "AWS4", 4);
    memcpy(k + 4, secret, sl);
    hmac256(k, sl + 4, date8, kd);
    hmac256(kd, 32, region, kr);
    hmac256(kr, 32, service, ks);
    hmac256(ks, 32, "aws4_request", kf);
    hmac256(kf, 32, sts, sig);
    ism_hex(sig, 32, out);
    /* The derived keys are as good as the secret for a day: do not leave them on the stack. */
    OPENSSL_cleanse(k, sl + 4);
    OPENSSL_cleanse(kd, 32);
    OPENSSL_cleanse(kr, 32);
    OPENSSL_cleanse(ks, 32);
    OPENSSL_cleanse(kf, 32);
    free(k);
}

char *ism_sigv4_string_to_sign(const char *amz_date, const char *scope, const char *cr)
{
    char hash[65];
    ism_sha256_hex(cr, strlen(cr), hash);
    return ism_strdupf("%s\n%s\n%s\n%s", ISM_SIGV4_ALGORITHM, amz_date, scope, hash);
}

/* The parts of an absolute URL that signing needs; Host is lower-cased, default ports dropped
 * (the Host header libcurl sends). */
typedef struct url_parts {
    char host[512];
    const char *path, *query;
    size_t plen, qlen;
} url_parts;

static bool split_url(const char *url, url_parts *u, ism_error *err)
{
    const char *sep = strstr(url, "://");
    if (!sep) return ism_error_set(err, ISM_E_INVALID_PARAMS, "not an absolute URL");
    bool https = (size_t)(sep - url) == 5 && ism_ascii_ieqn(url, "https", 5);
    const char *auth = sep + 3, *end = auth + strcspn(auth, "/?#");
    const char *at = memchr(auth, '@', (size_t)(end - auth));
    if (at) auth = at + 1;
    size_t alen = (size_t)(end - auth);
    const char *dflt = https ? ":443" : ":80";
    if (alen > strlen(dflt) && memcmp(end - strlen(dflt), dflt, strlen(dflt)) == 0)
        alen -= strlen(dflt);
    if (alen == 0 || alen >= sizeof u->host)
        return ism_error_set(err, ISM_E_INVALID_PARAMS, "URL has no usable host");
    for (size_t i = 0; i < alen; i++)
        u->host[i] = ism_ascii_lower(auth[i]);
    u->host[alen] = '\0';
    ism_sigv4_split_target(end, &u->path, &u->plen, &u->query, &u->qlen);
    return true;
}

static bool check_input(const ism_aws_sign_input *in, ism_error *err)
{
    const ism_aws_credentials *c = in->creds;
    if (!c || !c->access_key || !*c->access_key || !c->secret_key || !*c->secret_key)
        return ism_error_set(err, ISM_E_INVALID_PARAMS, "SigV4: no AWS credentials");
    if (!in->region || !*in->region || !in->service || !*in->service)
        return ism_error_set(err, ISM_E_INVALID_PARAMS, "SigV4: region and service are required");
    if (!in->method || !*in->method || (!in->url && !in->target))
        return ism_error_set(err, ISM_E_INVALID_PARAMS, "SigV4: method and URL are required");
    return true;
}

static bool has_token(const ism_aws_sign_input *in)
{
    return in->creds->session_token && *in->creds->session_token;
}

/* The headers that go into the signature: the caller's, minus those the signer owns, plus Host
 * and (header mode) X-Amz-Date, the session token and x-amz-content-sha256. */
static bool sign_headers(const ism_aws_sign_input *in, unsigned flags, const char *host,
                         const ism_aws_signed *out, ism_http_headers *h)
{
    bool presign = in->presign_expires > 0;
    bool sha_hdr = !presign && (flags & ISM_SIGV4_CONTENT_SHA256);
    for (size_t i = 0; in->headers && i < in->headers->n; i++) {
        const char *n = in->headers->v[i].name;
        if (ism_ascii_ieq(n, "authorization") || ism_ascii_ieq(n, "x-amz-date") ||
            ism_ascii_ieq(n, "x-amz-security-token") ||
            (sha_hdr && ism_ascii_ieq(n, "x-amz-content-sha256")))
            continue;
        if (!ism_http_headers_add(h, n, in->headers->v[i].value)) return false;
    }
    if (!ism_http_headers_get(h, "host") && host && !ism_http_headers_add(h, "host", host))
        return false;
    if (presign) return true;
    if (!ism_http_headers_add(h, "x-amz-date", out->amz_date)) return false;
    if (has_token(in) && !(flags & ISM_SIGV4_OMIT_TOKEN) &&
        !ism_http_headers_add(h, "x-amz-security-token", in->creds->session_token))
        return false;
    return !sha_hdr || ism_http_headers_add(h, "x-amz-content-sha256", out->payload_hash);
}

/* Presign mode: the X-Amz-* parameters that are part of the signed query. */
static char *presign_query(const ism_aws_sign_input *in, unsigned flags, const char *query,
                           size_t qlen, const char *cred, const char *signed_hdrs,
                           const char *amz_date)
{
    char *ecred = ism_aws_uri_encode(cred, strlen(cred), false);
    char *esh = ism_aws_uri_encode(signed_hdrs, strlen(signed_hdrs), false);
    char *etok =
        has_token(in) && !(flags & ISM_SIGV4_OMIT_TOKEN)
            ? ism_aws_uri_encode(in->creds->session_token, strlen(in->creds->session_token), false)
            : NULL;
    ism_cbuf b = {0};
    ism_cbuf_add(&b, query, qlen);
    ism_cbuf_addf(&b,
                  "%sX-Amz-Algorithm=%s&X-Amz-Credential=%s&X-Amz-Date=%s&X-Amz-Expires=%d"
                  "&X-Amz-SignedHeaders=%s",
                  qlen ? "&" : "", ISM_SIGV4_ALGORITHM, ecred ? ecred : "", amz_date,
                  in->presign_expires, esh ? esh : "");
    if (etok) ism_cbuf_addf(&b, "&X-Amz-Security-Token=%s", etok);
    if (!ecred || !esh) b.oom = true;
    free(ecred);
    free(esh);
    free(etok);
    return ism_cbuf_take(&b);
}

static void payload_hash(const ism_aws_sign_input *in, unsigned flags, char out[65])
{
    if (flags & ISM_SIGV4_UNSIGNED_PAYLOAD)
        ism_strlcpy(out, "UNSIGNED-PAYLOAD", 65);
    else if (in->payload_hash)
        ism_strlcpy(out, in->payload_hash, 65);
    else
        ism_sha256_hex(in->body ? in->body : "", in->body ? in->body_len : 0, out);
}

/* Header mode: what the request must carry besides the caller's headers. */
static bool header_outputs(const ism_aws_sign_input *in, unsigned flags, const char *cred,
                           ism_aws_signed *out)
{
    out->authorization =
        ism_strdupf("%s Credential=%s, SignedHeaders=%s, Signature=%s", ISM_SIGV4_ALGORITHM, cred,
                    out->signed_headers, out->signature);
    if (!out->authorization) return false;
    bool ok = ism_http_headers_add(&out->add, "X-Amz-Date", out->amz_date);
    if (ok && has_token(in))
        ok = ism_http_headers_add(&out->add, "X-Amz-Security-Token", in->creds->session_token);
    if (ok && (flags & ISM_SIGV4_CONTENT_SHA256))
        ok = ism_http_headers_add(&out->add, "X-Amz-Content-SHA256", out->payload_hash);
    return ok && ism_http_headers_add(&out->add, "Authorization", out->authorization);
}

/* Presign mode: the query to send is the canonical one, the token if it was left out of the
 * signature, and the signature last. */
static bool presign_outputs(const ism_aws_sign_input *in, unsigned flags, const char *cquery,
                            ism_aws_signed *out)
{
    char *etok =
        has_token(in) && (flags & ISM_SIGV4_OMIT_TOKEN)
            ? ism_aws_uri_encode(in->creds->session_token, strlen(in->creds->session_token), false)
            : NULL;
    out->presigned_query =
        ism_strdupf("%s%s%s&X-Amz-Signature=%s", cquery, etok ? "&X-Amz-Security-Token=" : "",
                    etok ? etok : "", out->signature);
    free(etok);
    return out->presigned_query != NULL;
}

/* The canonical query is the third line of the canonical request. */
static char *cr_query_line(const char *cr)
{
    const char *l2 = strchr(cr, '\n'), *l3 = l2 ? strchr(l2 + 1, '\n') : NULL;
    const char *e = l3 ? strchr(l3 + 1, '\n') : NULL;
    return e ? strndup(l3 + 1, (size_t)(e - l3 - 1)) : NULL;
}

/* What one signing computes before the canonical request. */
typedef struct sign_ctx {
    url_parts u;
    unsigned flags;
    char date8[9], scope[256], cred[512];
} sign_ctx;

static bool prepare(const ism_aws_sign_input *in, sign_ctx *c, ism_aws_signed *out, ism_error *err)
{
    c->flags = ism_sigv4_flags(in->service, in->flags);
    if (in->url) {
        if (!split_url(in->url, &c->u, err)) return false;
    } else {
        ism_sigv4_split_target(in->target, &c->u.path, &c->u.plen, &c->u.query, &c->u.qlen);
        if (!ism_http_headers_get(in->headers, "host"))
            return ism_error_set(err, ISM_E_INVALID_PARAMS, "SigV4: no Host header");
    }
    struct tm tm;
    gmtime_r(&in->when, &tm);
    strftime(out->amz_date, sizeof out->amz_date, "%Y%m%dT%H%M%SZ", &tm);
    payload_hash(in, c->flags, out->payload_hash);
    memcpy(c->date8, out->amz_date, 8);
    c->date8[8] = '\0';
    snprintf(c->scope, sizeof c->scope, "%s/%s/%s/aws4_request", c->date8, in->region, in->service);
    snprintf(c->cred, sizeof c->cred, "%s/%s", in->creds->access_key, c->scope);
    return true;
}

/* Canonical request, string to sign and signature for the headers in h. */
static bool compute(const ism_aws_sign_input *in, const sign_ctx *c, ism_http_headers *h,
                    ism_aws_signed *out)
{
    char *query = NULL;
    if (in->presign_expires > 0) {
        /* The signed-headers list must be known before the query that carries it. */
        char *sh = ism_sigv4_signed_headers(h);
        query = sh ? presign_query(in, c->flags, c->u.query, c->u.qlen, c->cred, sh, out->amz_date)
                   : NULL;
        free(sh);
        if (!query) return false;
    }
    out->canonical_request = ism_sigv4_canonical_request(
        in->method, c->u.path, c->u.plen, query ? query : c->u.query,
        query ? strlen(query) : c->u.qlen, h, out->payload_hash, c->flags, &out->signed_headers);
    free(query);
    if (out->canonical_request)
        out->string_to_sign =
            ism_sigv4_string_to_sign(out->amz_date, c->scope, out->canonical_request);
    if (!out->string_to_sign) return false;
    ism_sigv4_signature(in->creds->secret_key, c->date8, in->region, in->service,
                        out->string_to_sign, out->signature);
    return out->signature[0] != '\0';
}

bool ism_aws_sigv4_sign(const ism_aws_sign_input *in, ism_aws_signed *out, ism_error *err)
{
    memset(out, 0, sizeof *out);
    sign_ctx c = {0};
    if (!check_input(in, err) || !prepare(in, &c, out, err)) return false;
    ism_http_headers h = {0};
    bool ok =
        sign_headers(in, c.flags, in->url ? c.u.host : NULL, out, &h) && compute(in, &c, &h, out);
    ism_http_headers_clear(&h);
    if (ok && in->presign_expires > 0) {
        char *cq = cr_query_line(out->canonical_request);
        ok = cq && presign_outputs(in, c.flags, cq, out);
        free(cq);
    } else if (ok) {
        ok = header_outputs(in, c.flags, c.cred, out);
    }
    if (!ok) {
        ism_aws_signed_free(out);
        return ism_error_set(err, ISM_E_INTERNAL, "SigV4: out of memory");
    }
    return true;
}

void ism_aws_signed_free(ism_aws_signed *s)
{
    free(s->canonical_request);
    free(s->string_to_sign);
    free(s->signed_headers);
    free(s->authorization);
    free(s->presigned_query);
    ism_http_headers_clear(&s->add);
    memset(s, 0, sizeof *s);
}
