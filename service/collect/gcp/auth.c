/* auth.c — Google Cloud credentials: service-account key files, the RS256-signed JWT bearer
 * assertion and its verification (for the emulator), the token endpoint's and
 * generateAccessToken's answers, and when a cached token must be refreshed. No I/O but reading
 * the key file: the collector sends the requests through the HTTP engine. */
#include "ismap/gcp.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- base64url ----------------------------------------------------------------------------- */
char *ism_gcp_b64url(const void *data, size_t len)
{
    char *out = malloc(4 * ((len + 2) / 3) + 1);
    if (!out) return NULL;
    int n = EVP_EncodeBlock((unsigned char *)out, data, (int)len);
    while (n > 0 && out[n - 1] == '=')
        n--;
    out[n] = '\0';
    for (int i = 0; i < n; i++)
        out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
    return out;
}

unsigned char *ism_gcp_b64url_decode(const char *text, size_t tl, size_t *len_out)
{
    while (tl > 0 && text[tl - 1] == '=')
        tl--;
    if (tl % 4 == 1) return NULL;
    size_t padded = (tl + 3) / 4 * 4;
    char *b = malloc(padded + 1);
    unsigned char *out = malloc(padded / 4 * 3 + 1);
    if (!b || !out) goto fail;
    for (size_t i = 0; i < tl; i++) {
        char c = text[i];
        if (c == '-')
            c = '+';
        else if (c == '_')
            c = '/';
        else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
            goto fail;
        b[i] = c;
    }
    for (size_t i = tl; i < padded; i++)
        b[i] = '=';
    int n = padded ? EVP_DecodeBlock(out, (unsigned char *)b, (int)padded) : 0;
    if (n < 0) goto fail;
    n -= (int)(padded - tl); /* EVP_DecodeBlock counts the padding as zero bytes */
    out[n] = '\0';
    free(b);
    if (len_out) *len_out = (size_t)n;
    return out;
fail:
    free(b);
    free(out);
    return NULL;
}

/* ---- key files ---------------------------------------------------------------------------- */
static bool take(const json_t *o, const char *field, bool required, char **out, const char *where,
                 ism_error *err)
{
    const json_t *v = json_object_get(o, field);
    if (!v && !required) return true;
    if (!json_is_string(v) || !*json_string_value(v))
        return ism_error_set(err, ISM_E_INVALID_DATA,
                             "%s: the service-account key file has no '%s' string", where, field);
    *out = strdup(json_string_value(v));
    return *out || ism_error_set(err, ISM_E_INTERNAL, "out of memory");
}

static bool http_url(const char *u)
{
    return u && (!strncmp(u, "https://", 8) || !strncmp(u, "http://", 7));
}

/* An external_account file (workload identity federation). */
static bool external_parse(const json_t *o, const char *where, ism_gcp_key *out, ism_error *err)
{
    out->external = true;
    const json_t *src = json_object_get(o, "credential_source");
    bool ok =
        take(o, "audience", true, &out->audience, where, err) &&
        take(o, "subject_token_type", true, &out->subject_token_type, where, err) &&
        take(o, "token_url", false, &out->token_uri, where, err) &&
        take(o, "service_account_impersonation_url", false, &out->impersonation_url, where, err);
    if (ok && !json_is_object(src))
        ok = ism_error_set(err, ISM_E_INVALID_DATA,
                           "%s: the external account has no 'credential_source' object", where);
    ok = ok && take(src, "file", false, &out->source_file, where, err) &&
         take(src, "url", false, &out->source_url, where, err);
    if (ok && !!out->source_file == !!out->source_url)
        ok = ism_error_set(err, ISM_E_INVALID_DATA,
                           "%s: 'credential_source' must name a 'file' or a 'url' (one of them; "
                           "executable and AWS sources are not supported)",
                           where);
    const json_t *hd = json_object_get(src, "headers");
    if (ok && hd) {
        const char *k;
        const json_t *v;
        if (!json_is_object(hd)) ok = false;
        json_object_foreach((json_t *)hd, k, v) if (!json_is_string(v)) ok = false;
        if (!ok)
            ism_error_set(err, ISM_E_INVALID_DATA,
                          "%s: 'credential_source.headers' must be an object of strings", where);
        else
            out->source_headers = json_deep_copy(hd);
    }
    const json_t *fmt = json_object_get(src, "format");
    const char *ft = ism_json_getstr(fmt, "type");
    if (ok && ft && !strcmp(ft, "json"))
        ok = take(fmt, "subject_token_field_name", true, &out->source_field, where, err);
    else if (ok && ft && strcmp(ft, "text") != 0)
        ok = ism_error_set(err, ISM_E_INVALID_DATA,
                           "%s: 'credential_source.format.type' must be 'text' or 'json'", where);
    if (ok && !out->token_uri && !(out->token_uri = strdup(ISM_GCP_DEFAULT_STS_URL)))
        ok = ism_error_set(err, ISM_E_INTERNAL, "out of memory");
    if (ok && (!http_url(out->token_uri) ||
               (out->impersonation_url && !http_url(out->impersonation_url)) ||
               (out->source_url && !http_url(out->source_url))))
        ok = ism_error_set(err, ISM_E_INVALID_DATA,
                           "%s: 'token_url', 'service_account_impersonation_url' and "
                           "'credential_source.url' must be http(s) URLs",
                           where);
    /* the identity it acts as: the impersonated service account, else the pool's principal */
    const char *sa =
        out->impersonation_url ? strstr(out->impersonation_url, "serviceAccounts/") : NULL;
    const char *end = sa ? strstr(sa, ":generateAccessToken") : NULL;
    if (ok && out->impersonation_url && (!sa || !end || end <= sa + 16))
        ok = ism_error_set(err, ISM_E_INVALID_DATA,
                           "%s: 'service_account_impersonation_url' is not a "
                           ".../serviceAccounts/EMAIL:generateAccessToken URL",
                           where);
    if (ok)
        out->client_email =
            sa ? ism_strdupf("%.*s", (int)(end - sa - 16), sa + 16) : strdup(out->audience);
    if (ok && !out->client_email) ok = ism_error_set(err, ISM_E_INTERNAL, "out of memory");
    return ok;
}

bool ism_gcp_key_parse(const char *text, size_t len, const char *where, ism_gcp_key *out,
                       ism_error *err)
{
    memset(out, 0, sizeof *out);
    json_error_t je;
    json_t *o = json_loadb(text, len, 0, &je);
    if (!json_is_object(o)) {
        json_decref(o);
        /* je.text may quote the input: say only where. */
        return ism_error_set(err, ISM_E_INVALID_DATA, "%s: not a JSON object (line %d, column %d)",
                             where, je.line, je.column);
    }
    const char *type = ism_json_getstr(o, "type");
    bool ok = true;
    if (type && !strcmp(type, "external_account")) {
        ok = external_parse(o, where, out, err);
        json_decref(o);
        if (!ok) ism_gcp_key_free(out);
        return ok;
    }
    if (!type || strcmp(type, "service_account") != 0)
        ok = ism_error_set(err, ISM_E_INVALID_DATA,
                           "%s: 'type' is '%s', not 'service_account' or 'external_account' (a "
                           "key file of a service account or a workload identity federation "
                           "configuration is needed)",
                           where, type ? type : "(none)");
    ok = ok && take(o, "client_email", true, &out->client_email, where, err) &&
         take(o, "private_key", true, &out->private_key, where, err) &&
         take(o, "private_key_id", true, &out->private_key_id, where, err) &&
         take(o, "token_uri", false, &out->token_uri, where, err) &&
         take(o, "project_id", false, &out->project_id, where, err);
    if (ok && !strstr(out->private_key, "-----BEGIN PRIVATE KEY-----"))
        ok = ism_error_set(err, ISM_E_INVALID_DATA,
                           "%s: 'private_key' is not a PEM PKCS#8 private key", where);
    if (ok && !out->token_uri && !(out->token_uri = strdup(ISM_GCP_DEFAULT_TOKEN_URI)))
        ok = ism_error_set(err, ISM_E_INTERNAL, "out of memory");
    if (ok && strncmp(out->token_uri, "https://", 8) != 0 &&
        strncmp(out->token_uri, "http://", 7) != 0)
        ok = ism_error_set(err, ISM_E_INVALID_DATA, "%s: 'token_uri' is not an http(s) URL", where);
    json_decref(o);
    if (!ok) ism_gcp_key_free(out);
    return ok;
}

bool ism_gcp_key_load(const char *path, ism_gcp_key *out, ism_error *err)
{
    size_t len;
    char *text = ism_read_file(path, 64 * 1024, &len, err);
    if (!text) return false;
    bool ok = ism_gcp_key_parse(text, len, path, out, err);
    OPENSSL_cleanse(text, len);
    free(text);
    return ok;
}

void ism_gcp_key_free(ism_gcp_key *k)
{
    if (!k) return;
    if (k->private_key) OPENSSL_cleanse(k->private_key, strlen(k->private_key));
    free(k->client_email);
    free(k->private_key_id);
    free(k->private_key);
    free(k->token_uri);
    free(k->project_id);
    free(k->audience);
    free(k->subject_token_type);
    free(k->impersonation_url);
    free(k->source_file);
    free(k->source_url);
    free(k->source_field);
    json_decref(k->source_headers);
    memset(k, 0, sizeof *k);
}

const char *ism_gcp_key_path(const char *param)
{
    if (param && *param) return param;
    const char *env = getenv("GOOGLE_APPLICATION_CREDENTIALS");
    return env && *env ? env : NULL;
}

/* ---- RS256 -------------------------------------------------------------------------------- */
static EVP_PKEY *load_private(const char *pem)
{
    BIO *b = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *k = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    return k;
}

static EVP_PKEY *load_any(const char *pem)
{
    if (strstr(pem, "PRIVATE KEY-----")) return load_private(pem);
    BIO *b = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *k = b ? PEM_read_bio_PUBKEY(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    return k;
}

char *ism_gcp_rs256_sign(const char *pem, const char *input, size_t len, ism_error *err)
{
    EVP_PKEY *k = load_private(pem);
    if (!k || EVP_PKEY_get_base_id(k) != EVP_PKEY_RSA) {
        EVP_PKEY_free(k);
        ism_error_set(err, ISM_E_INVALID_DATA,
                      "the service account's private key is not an RSA "
                      "key OpenSSL can read");
        return NULL;
    }
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    size_t siglen = 0;
    unsigned char *sig = NULL;
    char *out = NULL;
    if (md && EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k) == 1 &&
        EVP_DigestSign(md, NULL, &siglen, (const unsigned char *)input, len) == 1 &&
        (sig = malloc(siglen)) &&
        EVP_DigestSign(md, sig, &siglen, (const unsigned char *)input, len) == 1)
        out = ism_gcp_b64url(sig, siglen);
    if (!out) ism_error_set(err, ISM_E_INTERNAL, "RS256 signing failed");
    free(sig);
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(k);
    return out;
}

static char *b64json(json_t *o)
{
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    char *b = s ? ism_gcp_b64url(s, strlen(s)) : NULL;
    free(s);
    json_decref(o);
    return b;
}

char *ism_gcp_jwt_assertion(const ism_gcp_key *k, const char *scope, int64_t now_s, ism_error *err)
{
    char *h = b64json(
        json_pack("{s:s, s:s, s:s}", "alg", "RS256", "typ", "JWT", "kid", k->private_key_id));
    char *c = b64json(json_pack("{s:s, s:s, s:s, s:I, s:I}", "iss", k->client_email, "scope", scope,
                                "aud", k->token_uri, "iat", (json_int_t)now_s, "exp",
                                (json_int_t)(now_s + 3600)));
    char *input = h && c ? ism_strdupf("%s.%s", h, c) : NULL;
    free(h);
    free(c);
    if (!input) {
        ism_error_set(err, ISM_E_INTERNAL, "out of memory");
        return NULL;
    }
    char *sig = ism_gcp_rs256_sign(k->private_key, input, strlen(input), err);
    char *jwt = sig ? ism_strdupf("%s.%s", input, sig) : NULL;
    free(sig);
    free(input);
    return jwt;
}

static json_t *decode_part(const char *s, size_t n)
{
    size_t len;
    unsigned char *raw = ism_gcp_b64url_decode(s, n, &len);
    json_t *o = raw ? json_loadb((const char *)raw, len, 0, NULL) : NULL;
    free(raw);
    if (o && !json_is_object(o)) {
        json_decref(o);
        o = NULL;
    }
    return o;
}

json_t *ism_gcp_jwt_verify(const char *jwt, const char *pem, ism_error *err)
{
    const char *d1 = strchr(jwt, '.');
    const char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    if (!d1 || !d2 || strchr(d2 + 1, '.')) {
        ism_error_set(err, ISM_E_UNAUTHENTICATED, "the assertion is not a JWS compact JWT");
        return NULL;
    }
    json_t *hdr = decode_part(jwt, (size_t)(d1 - jwt));
    json_t *claims = decode_part(d1 + 1, (size_t)(d2 - d1 - 1));
    const char *alg = ism_json_getstr(hdr, "alg");
    json_t *ret = NULL;
    if (!hdr || !claims) {
        ism_error_set(err, ISM_E_UNAUTHENTICATED, "the JWT's header or claims are not JSON");
    } else if (!alg || strcmp(alg, "RS256") != 0) {
        ism_error_set(err, ISM_E_UNAUTHENTICATED, "the JWT's algorithm is not RS256");
    } else {
        size_t siglen;
        unsigned char *sig = ism_gcp_b64url_decode(d2 + 1, strlen(d2 + 1), &siglen);
        EVP_PKEY *k = load_any(pem);
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        bool good =
            sig && k && md && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, k) == 1 &&
            EVP_DigestVerify(md, sig, siglen, (const unsigned char *)jwt, (size_t)(d2 - jwt)) == 1;
        EVP_MD_CTX_free(md);
        EVP_PKEY_free(k);
        free(sig);
        if (good)
            ret = json_incref(claims);
        else
            ism_error_set(err, ISM_E_UNAUTHENTICATED, "Invalid JWT Signature.");
    }
    json_decref(hdr);
    json_decref(claims);
    return ret;
}

char *ism_gcp_grant_body(const char *assertion)
{
    return ism_strdupf("grant_type=urn%%3Aietf%%3Aparams%%3Aoauth%%3Agrant-type%%3Ajwt-bearer"
                       "&assertion=%s",
                       assertion);
}

/* ---- tokens -------------------------------------------------------------------------------- */
static bool put_token(ism_gcp_token *out, const char *tok, int64_t now_s, int64_t exp,
                      ism_error *err)
{
    if (strlen(tok) >= sizeof out->access_token)
        return ism_error_set(err, ISM_E_UPSTREAM, "the access token is longer than %zu bytes",
                             sizeof out->access_token - 1);
    ism_strlcpy(out->access_token, tok, sizeof out->access_token);
    out->issued_s = now_s;
    out->expires_s = exp;
    return true;
}

bool ism_gcp_token_parse(const char *body, int64_t now_s, ism_gcp_token *out, ism_error *err)
{
    json_t *o = json_loads(body ? body : "", 0, NULL);
    const char *tok = ism_json_getstr(o, "access_token");
    json_t *exp = json_object_get(o, "expires_in");
    bool ok;
    if (json_is_string(json_object_get(o, "error")))
        ok = ism_error_set(
            err, ISM_E_UPSTREAM, "token endpoint: %s: %s", ism_json_getstr(o, "error"),
            ism_json_getstr(o, "error_description") ? ism_json_getstr(o, "error_description") : "");
    else if (!tok || !*tok)
        ok = ism_error_set(err, ISM_E_UPSTREAM, "the token endpoint's answer has no access_token");
    else if (!json_is_integer(exp) || json_integer_value(exp) <= 0)
        ok = ism_error_set(err, ISM_E_UPSTREAM,
                           "the token endpoint's answer has no positive expires_in");
    else
        ok = put_token(out, tok, now_s, now_s + json_integer_value(exp), err);
    json_decref(o);
    return ok;
}

int64_t ism_gcp_parse_time(const char *s)
{
    int Y, M, D, h, m, sec, n = 0;
    if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &Y, &M, &D, &h, &m, &sec, &n) != 6 || n != 19)
        return -1;
    const char *p = s + 19;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9') return -1;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (strcmp(p, "Z") != 0 && strcmp(p, "+00:00") != 0) return -1;
    if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60) return -1;
    struct tm tm = {.tm_year = Y - 1900,
                    .tm_mon = M - 1,
                    .tm_mday = D,
                    .tm_hour = h,
                    .tm_min = m,
                    .tm_sec = sec};
    return (int64_t)timegm(&tm);
}

bool ism_gcp_impersonated_parse(const char *body, int64_t now_s, ism_gcp_token *out, ism_error *err)
{
    json_t *o = json_loads(body ? body : "", 0, NULL);
    const char *tok = ism_json_getstr(o, "accessToken");
    int64_t exp = ism_gcp_parse_time(ism_json_getstr(o, "expireTime"));
    bool ok;
    if (!tok || !*tok)
        ok = ism_error_set(err, ISM_E_UPSTREAM, "generateAccessToken's answer has no accessToken");
    else if (exp <= now_s)
        ok = ism_error_set(err, ISM_E_UPSTREAM,
                           "generateAccessToken's answer has no future expireTime");
    else
        ok = put_token(out, tok, now_s, exp, err);
    json_decref(o);
    return ok;
}

bool ism_gcp_token_fresh(const ism_gcp_token *t, int64_t now_s)
{
    if (!t->expires_s || !t->access_token[0]) return false;
    int64_t margin = 300, life = t->expires_s - t->issued_s;
    if (life / 2 < margin) margin = life / 2;
    return now_s < t->expires_s - margin;
}

char *ism_gcp_impersonate_url(const char *base, const char *sa)
{
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/')
        n--;
    return ism_strdupf("%.*s/v1/projects/-/serviceAccounts/%s:generateAccessToken", (int)n, base,
                       sa);
}

char *ism_gcp_impersonate_body(const char *scope, int lifetime_s)
{
    char life[32]; /* a protobuf Duration: "3600s" */
    snprintf(life, sizeof life, "%ds", lifetime_s);
    json_t *o = json_pack("{s:[s], s:s}", "scope", scope, "lifetime", life);
    char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    return s;
}

/* ---- errors -------------------------------------------------------------------------------- */
bool ism_gcp_parse_error(const char *body, size_t len, ism_gcp_error_info *out)
{
    memset(out, 0, sizeof *out);
    json_t *o = body ? json_loadb(body, len, 0, NULL) : NULL;
    json_t *e = json_object_get(o, "error");
    bool ok = true;
    if (json_is_object(e)) {
        out->code = (int)json_integer_value(json_object_get(e, "code"));
        const char *v = ism_json_getstr(e, "status");
        ism_strlcpy(out->status, v ? v : "", sizeof out->status);
        v = ism_json_getstr(e, "message");
        ism_strlcpy(out->message, v ? v : "", sizeof out->message);
        v = ism_json_getstr(json_array_get(json_object_get(e, "errors"), 0), "reason");
        ism_strlcpy(out->reason, v ? v : "", sizeof out->reason);
    } else if (json_is_string(e)) { /* OAuth */
        ism_strlcpy(out->status, json_string_value(e), sizeof out->status);
        const char *v = ism_json_getstr(o, "error_description");
        ism_strlcpy(out->message, v ? v : "", sizeof out->message);
    } else {
        ok = false;
    }
    json_decref(o);
    return ok;
}

ism_http_class ism_gcp_http_classify(const ism_http_result *res, ism_http_class dflt, void *arg)
{
    (void)arg;
    if (dflt == ISM_HTTP_OK || res->status == 0) return dflt;
    if (res->status == 429) return ISM_HTTP_THROTTLED;
    ism_gcp_error_info info;
    if (!ism_gcp_parse_error(res->body, res->body_len, &info)) return dflt;
    if (!strcmp(info.status, "RESOURCE_EXHAUSTED") || !strcmp(info.reason, "rateLimitExceeded") ||
        !strcmp(info.reason, "userRateLimitExceeded"))
        return ISM_HTTP_THROTTLED;
    if (!strcmp(info.status, "UNAVAILABLE") && res->status >= 500) return ISM_HTTP_SERVER_ERROR;
    return dflt;
}

/* ---- workload identity federation --------------------------------------------------------- */
char *ism_gcp_subject_token(const ism_gcp_key *k, const char *body, size_t len, ism_error *err)
{
    if (!body) body = "", len = 0;
    if (!k->source_field) { /* text: the whole of it, without surrounding white space */
        while (len && strchr(" \t\r\n", body[0]))
            body++, len--;
        while (len && strchr(" \t\r\n", body[len - 1]))
            len--;
        if (!len) {
            ism_error_set(err, ISM_E_UNAUTHENTICATED, "the subject token source is empty");
            return NULL;
        }
        return ism_strdupf("%.*s", (int)len, body);
    }
    json_t *o = json_loadb(body, len, 0, NULL);
    const char *v = ism_json_getstr(o, k->source_field);
    char *out = v && *v ? strdup(v) : NULL;
    json_decref(o);
    if (!out)
        ism_error_set(err, ISM_E_UNAUTHENTICATED,
                      "the subject token source is not a JSON object with a '%s' string",
                      k->source_field);
    return out;
}

static void form_add(char **body, const char *name, const char *value)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(value);
    char *v = malloc(n * 3 + 1), *p = v;
    if (!v) return;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)value[i];
        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
            strchr("-_.~", ch))
            *p++ = (char)ch;
        else
            *p++ = '%', *p++ = hex[ch >> 4], *p++ = hex[ch & 15];
    }
    *p = '\0';
    char *b = ism_strdupf("%s%s%s=%s", *body ? *body : "", *body ? "&" : "", name, v);
    OPENSSL_cleanse(v, strlen(v));
    free(v);
    if (*body) OPENSSL_cleanse(*body, strlen(*body));
    free(*body);
    *body = b;
}

char *ism_gcp_sts_body(const ism_gcp_key *k, const char *subject_token, const char *scope)
{
    char *b = NULL;
    form_add(&b, "grant_type", "urn:ietf:params:oauth:grant-type:token-exchange");
    form_add(&b, "audience", k->audience ? k->audience : "");
    form_add(&b, "scope", scope);
    form_add(&b, "requested_token_type", "urn:ietf:params:oauth:token-type:access_token");
    form_add(&b, "subject_token", subject_token);
    form_add(&b, "subject_token_type", k->subject_token_type ? k->subject_token_type : "");
    return b;
}
