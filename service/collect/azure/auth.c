/* auth.c — Microsoft Entra ID client credentials for the Azure collector: credentials from the
 * daemon's environment (AZURE_*), the token request's form body with a client secret or a
 * certificate's JWT client assertion (RS256 with OpenSSL, x5t#S256), the token answer, and the
 * per-(tenant, resource) token cache. Nothing here logs; secrets are zeroed before they are freed.
 */
#include "ismap/azure.h"

#include <ctype.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- base64url ------------------------------------------------------------------------------ */
static const char b64u[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

char *ism_azure_b64url(const void *data, size_t len)
{
    const unsigned char *p = data;
    char *out = malloc(len / 3 * 4 + 5), *o = out;
    if (!out) return NULL;
    size_t i = 0;
    for (; i + 2 < len; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
        *o++ = b64u[v >> 18 & 63], *o++ = b64u[v >> 12 & 63], *o++ = b64u[v >> 6 & 63];
        *o++ = b64u[v & 63];
    }
    if (len - i == 1) {
        unsigned v = (unsigned)p[i] << 16;
        *o++ = b64u[v >> 18 & 63], *o++ = b64u[v >> 12 & 63];
    } else if (len - i == 2) {
        unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8;
        *o++ = b64u[v >> 18 & 63], *o++ = b64u[v >> 12 & 63], *o++ = b64u[v >> 6 & 63];
    }
    *o = 0;
    return out;
}

static int b64u_val(char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-' || c == '+') return 62;
    if (c == '_' || c == '/') return 63;
    return -1;
}

unsigned char *ism_azure_b64url_decode(const char *s, size_t *len_out)
{
    size_t n = strlen(s);
    while (n && s[n - 1] == '=')
        n--;
    if (n % 4 == 1) return NULL;
    unsigned char *out = malloc(n / 4 * 3 + 4); /* + a NUL, not counted */
    if (!out) return NULL;
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        int v = b64u_val(s[i]);
        if (v < 0) {
            free(out);
            return NULL;
        }
        acc = acc << 6 | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits & 0xff);
        }
    }
    out[o] = 0;
    if (len_out) *len_out = o;
    return out;
}

/* ---- credentials ---------------------------------------------------------------------------- */
static void zfree(char *s)
{
    if (!s) return;
    OPENSSL_cleanse(s, strlen(s));
    free(s);
}

void ism_azure_creds_free(ism_azure_creds *c)
{
    if (!c) return;
    zfree(c->secret);
    EVP_PKEY_free(c->key);
    memset(c, 0, sizeof *c);
}

static bool x5t_of(X509 *cert, char out[64])
{
    unsigned char *der = NULL;
    int n = i2d_X509(cert, &der);
    if (n <= 0) return false;
    unsigned char md[32];
    unsigned mdlen = 0;
    bool ok = EVP_Digest(der, (size_t)n, md, &mdlen, EVP_sha256(), NULL) == 1;
    OPENSSL_free(der);
    char *b = ok ? ism_azure_b64url(md, mdlen) : NULL;
    if (b) ism_strlcpy(out, b, 64);
    free(b);
    return b != NULL;
}

bool ism_azure_creds_load_cert(ism_azure_creds *c, const char *pem, size_t len, const char *where,
                               ism_error *err)
{
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    EVP_PKEY *key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    if (bio) BIO_free(bio);
    bio = BIO_new_mem_buf(pem, (int)len);
    X509 *cert = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    if (bio) BIO_free(bio);
    bool ok = false;
    if (!key)
        ism_error_set(err, ISM_E_CONFIG, "%s: no (unencrypted) PEM private key found", where);
    else if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA)
        ism_error_set(err, ISM_E_CONFIG, "%s: the private key is not RSA (RS256 needs RSA)", where);
    else if (!cert)
        ism_error_set(err, ISM_E_CONFIG, "%s: no PEM certificate found beside the key", where);
    else if (X509_check_private_key(cert, key) != 1)
        ism_error_set(err, ISM_E_CONFIG, "%s: the certificate does not match the private key",
                      where);
    else if (!x5t_of(cert, c->x5t_s256))
        ism_error_set(err, ISM_E_CONFIG, "%s: cannot hash the certificate", where);
    else
        ok = true;
    if (ok) {
        EVP_PKEY_free(c->key);
        c->key = key;
    } else {
        EVP_PKEY_free(key);
    }
    X509_free(cert);
    return ok;
}

static bool env_into(const char *name, char *out, size_t n, ism_error *err)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return ism_error_set(err, ISM_E_CONFIG,
                             "%s is not set in the daemon's environment (Azure credentials: "
                             "AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET or "
                             "AZURE_CLIENT_CERTIFICATE_PATH)",
                             name);
    if (strlen(v) >= n) return ism_error_set(err, ISM_E_CONFIG, "%s is too long", name);
    for (const char *p = v; *p; p++)
        if (!(isalnum((unsigned char)*p) || strchr("-_.", *p)))
            return ism_error_set(err, ISM_E_CONFIG,
                                 "%s may hold only letters, digits, '-', '_' and '.'", name);
    ism_strlcpy(out, v, n);
    return true;
}

bool ism_azure_creds_from_env(ism_azure_creds *c, const char *authority_host, ism_error *err)
{
    memset(c, 0, sizeof *c);
    if (!env_into("AZURE_TENANT_ID", c->tenant, sizeof c->tenant, err) ||
        !env_into("AZURE_CLIENT_ID", c->client_id, sizeof c->client_id, err))
        return false;
    const char *auth =
        authority_host && *authority_host ? authority_host : getenv("AZURE_AUTHORITY_HOST");
    if (!auth || !*auth) auth = ISM_AZURE_AUTHORITY_DEFAULT;
    if (strncmp(auth, "https://", 8) && strncmp(auth, "http://", 7))
        return ism_error_set(err, ISM_E_CONFIG, "the authority host '%.200s' is not an http(s) URL",
                             auth);
    if (strlen(auth) >= sizeof c->authority)
        return ism_error_set(err, ISM_E_CONFIG, "the authority host is too long");
    ism_strlcpy(c->authority, auth, sizeof c->authority);
    size_t n = strlen(c->authority);
    while (n && c->authority[n - 1] == '/')
        c->authority[--n] = 0;

    const char *secret = getenv("AZURE_CLIENT_SECRET");
    const char *path = getenv("AZURE_CLIENT_CERTIFICATE_PATH");
    if (secret && *secret) {
        c->secret = strdup(secret);
        if (!c->secret) return ism_error_set(err, ISM_E_INTERNAL, "out of memory");
        return true;
    }
    if (!path || !*path)
        return ism_error_set(err, ISM_E_CONFIG,
                             "neither AZURE_CLIENT_SECRET nor AZURE_CLIENT_CERTIFICATE_PATH is set "
                             "in the daemon's environment");
    size_t len = 0;
    ism_error e2 = {0};
    char *pem = ism_read_file(path, 1 << 20, &len, &e2);
    if (!pem) {
        ism_error_set(err, ISM_E_CONFIG, "AZURE_CLIENT_CERTIFICATE_PATH: %s", e2.message);
        ism_error_clear(&e2);
        return false;
    }
    char where[300];
    snprintf(where, sizeof where, "AZURE_CLIENT_CERTIFICATE_PATH %.200s", path);
    bool ok = ism_azure_creds_load_cert(c, pem, len, where, err);
    OPENSSL_cleanse(pem, len);
    free(pem);
    return ok;
}

/* ---- JWT ------------------------------------------------------------------------------------ */
char *ism_azure_jws_rs256(void *key, const char *header_json, const char *payload_json,
                          ism_error *err)
{
    char *h = ism_azure_b64url(header_json, strlen(header_json));
    char *p = ism_azure_b64url(payload_json, strlen(payload_json));
    char *input = h && p ? ism_strdupf("%s.%s", h, p) : NULL;
    free(h);
    free(p);
    if (!input) return ism_error_set(err, ISM_E_INTERNAL, "out of memory"), NULL;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char *sig = NULL;
    size_t siglen = 0;
    bool ok = md && EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
              EVP_DigestSign(md, NULL, &siglen, (const unsigned char *)input, strlen(input)) == 1 &&
              (sig = malloc(siglen)) &&
              EVP_DigestSign(md, sig, &siglen, (const unsigned char *)input, strlen(input)) == 1;
    EVP_MD_CTX_free(md);
    char *s = ok ? ism_azure_b64url(sig, siglen) : NULL;
    free(sig);
    char *out = s ? ism_strdupf("%s.%s", input, s) : NULL;
    free(s);
    free(input);
    if (!out) ism_error_set(err, ISM_E_INTERNAL, "cannot sign the client assertion (RS256)");
    return out;
}

char *ism_azure_client_assertion(const ism_azure_creds *c, const char *aud, int64_t now_s,
                                 const char *jti, ism_error *err)
{
    if (!c->key) return ism_error_set(err, ISM_E_CONFIG, "no certificate key loaded"), NULL;
    char rnd[33];
    if (!jti) {
        unsigned char b[16];
        if (!ism_random_bytes(b, sizeof b))
            return ism_error_set(err, ISM_E_INTERNAL, "no randomness"), NULL;
        ism_hex(b, sizeof b, rnd);
        jti = rnd;
    }
    json_t *hdr =
        json_pack("{s:s, s:s, s:s}", "alg", "RS256", "typ", "JWT", "x5t#S256", c->x5t_s256);
    json_t *pl = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I}", "aud", aud, "iss", c->client_id,
                           "sub", c->client_id, "jti", jti, "nbf", (json_int_t)now_s, "iat",
                           (json_int_t)now_s, "exp", (json_int_t)(now_s + 600));
    char *hs = hdr ? json_dumps(hdr, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    char *ps = pl ? json_dumps(pl, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(hdr);
    json_decref(pl);
    char *out = hs && ps ? ism_azure_jws_rs256(c->key, hs, ps, err) : NULL;
    if (!hs || !ps) ism_error_set(err, ISM_E_INTERNAL, "out of memory");
    free(hs);
    free(ps);
    return out;
}

static json_t *jwt_part(const char *b64, size_t n)
{
    char *s = strndup(b64, n);
    size_t len = 0;
    unsigned char *raw = s ? ism_azure_b64url_decode(s, &len) : NULL;
    free(s);
    json_t *j = raw ? json_loadb((const char *)raw, len, 0, NULL) : NULL;
    free(raw);
    return json_is_object(j) ? j : (json_decref(j), NULL);
}

bool ism_azure_assertion_verify(const char *jwt, const char *cert_pem, size_t cert_len,
                                const char *aud, const char *client_id, int64_t now_s,
                                ism_error *err)
{
    const char *d1 = strchr(jwt, '.'), *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    if (!d1 || !d2 || strchr(d2 + 1, '.'))
        return ism_error_set(err, ISM_E_UNAUTHENTICATED, "client assertion: not a compact JWS");
    BIO *bio = BIO_new_mem_buf(cert_pem, (int)cert_len);
    X509 *cert = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    if (!cert)
        return ism_error_set(err, ISM_E_UNAUTHENTICATED,
                             "client assertion: no certificate to check");
    char x5t[64] = "";
    x5t_of(cert, x5t);
    EVP_PKEY *pub = X509_get_pubkey(cert);
    X509_free(cert);
    json_t *hdr = jwt_part(jwt, (size_t)(d1 - jwt));
    json_t *pl = jwt_part(d1 + 1, (size_t)(d2 - d1 - 1));
    size_t siglen = 0;
    unsigned char *sig = ism_azure_b64url_decode(d2 + 1, &siglen);
    bool ok = false;
    const char *why = NULL;
    if (!hdr || !pl || !sig)
        why = "malformed header, claims or signature";
    else if (!ism_json_getstr(hdr, "alg") || (strcmp(ism_json_getstr(hdr, "alg"), "RS256") &&
                                              strcmp(ism_json_getstr(hdr, "alg"), "PS256")))
        why = "alg is neither RS256 nor PS256";
    else if (!ism_json_getstr(hdr, "x5t#S256") || strcmp(ism_json_getstr(hdr, "x5t#S256"), x5t))
        why = "x5t#S256 does not name the registered certificate";
    else {
        /* PS256 (RSASSA-PSS, SHA-256, salt as long as the hash) is what MSAL signs with */
        bool pss = !strcmp(ism_json_getstr(hdr, "alg"), "PS256");
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        EVP_PKEY_CTX *pctx = NULL;
        bool sig_ok =
            md && pub && EVP_DigestVerifyInit(md, &pctx, EVP_sha256(), NULL, pub) == 1 &&
            (!pss || (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
                      EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1)) &&
            EVP_DigestVerify(md, sig, siglen, (const unsigned char *)jwt, (size_t)(d2 - jwt)) == 1;
        EVP_MD_CTX_free(md);
        json_int_t nbf = json_integer_value(json_object_get(pl, "nbf"));
        json_int_t exp = json_integer_value(json_object_get(pl, "exp"));
        const char *a = ism_json_getstr(pl, "aud"), *iss = ism_json_getstr(pl, "iss"),
                   *sub = ism_json_getstr(pl, "sub");
        if (!sig_ok)
            why = "the signature does not verify";
        else if (!a || strcmp(a, aud))
            why = "aud is not this token endpoint";
        else if (!iss || !sub || strcmp(iss, client_id) || strcmp(sub, client_id))
            why = "iss/sub are not the client id";
        else if (!json_object_get(pl, "jti"))
            why = "no jti";
        else if (nbf > now_s + 300)
            why = "not yet valid (nbf)";
        else if (exp <= now_s - 300)
            why = "expired (exp)";
        else
            ok = true;
    }
    EVP_PKEY_free(pub);
    json_decref(hdr);
    json_decref(pl);
    free(sig);
    if (!ok) ism_error_set(err, ISM_E_UNAUTHENTICATED, "client assertion: %s", why);
    return ok;
}

/* ---- the token request and answer ---------------------------------------------------------------
 */
void ism_azure_token_url(const ism_azure_creds *c, char *out, size_t n)
{
    snprintf(out, n, "%s/%s/oauth2/v2.0/token", c->authority, c->tenant);
}

static char *form_escape(const char *s)
{
    size_t n = strlen(s);
    char *out = malloc(n * 3 + 1), *o = out;
    if (!out) return NULL;
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (isalnum(ch) || strchr("-_.~", ch))
            *o++ = (char)ch;
        else
            o += sprintf(o, "%%%02X", ch);
    }
    *o = 0;
    return out;
}

char *ism_azure_token_body(const ism_azure_creds *c, const char *scope, int64_t now_s,
                           ism_error *err)
{
    char *cid = form_escape(c->client_id), *sc = form_escape(scope);
    char *out = NULL;
    if (!cid || !sc) {
        ism_error_set(err, ISM_E_INTERNAL, "out of memory");
    } else if (c->secret) {
        char *sec = form_escape(c->secret);
        if (sec)
            out =
                ism_strdupf("grant_type=client_credentials&client_id=%s&scope=%s&client_secret=%s",
                            cid, sc, sec);
        zfree(sec);
    } else {
        char url[1400];
        ism_azure_token_url(c, url, sizeof url);
        char *jwt = ism_azure_client_assertion(c, url, now_s, NULL, err);
        if (jwt)
            out = ism_strdupf("grant_type=client_credentials&client_id=%s&scope=%s"
                              "&client_assertion_type=urn%%3Aietf%%3Aparams%%3Aoauth%%3A"
                              "client-assertion-type%%3Ajwt-bearer&client_assertion=%s",
                              cid, sc, jwt);
        zfree(jwt);
    }
    free(cid);
    free(sc);
    if (!out && err && err->code == ISM_OK) ism_error_set(err, ISM_E_INTERNAL, "out of memory");
    return out;
}

bool ism_azure_token_parse(const char *body, size_t len, int64_t now_s, ism_azure_token *out,
                           ism_error *err)
{
    memset(out, 0, sizeof *out);
    json_t *j = json_loadb(body ? body : "", len, 0, NULL);
    if (!json_is_object(j)) {
        json_decref(j);
        return ism_error_set(err, ISM_E_UNAUTHENTICATED, "the token endpoint's answer is not JSON");
    }
    const char *code = ism_json_getstr(j, "error");
    if (code) {
        const char *d = ism_json_getstr(j, "error_description");
        size_t dl = d ? strcspn(d, "\r\n") : 0;
        ism_error_set(err, ISM_E_UNAUTHENTICATED, "Entra ID refused the token request: %.80s%s%.*s",
                      code, d ? ": " : "", (int)(dl > 300 ? 300 : dl), d ? d : "");
        json_decref(j);
        return false;
    }
    const char *tok = ism_json_getstr(j, "access_token");
    const char *type = ism_json_getstr(j, "token_type");
    json_t *ex = json_object_get(j, "expires_in");
    int64_t secs = json_is_integer(ex)  ? (int64_t)json_integer_value(ex)
                   : json_is_string(ex) ? strtoll(json_string_value(ex), NULL, 10)
                                        : -1;
    bool ok = false;
    if (!tok || !*tok)
        ism_error_set(err, ISM_E_UNAUTHENTICATED, "the token answer has no access_token");
    else if (!type || strcasecmp(type, "Bearer"))
        ism_error_set(err, ISM_E_UNAUTHENTICATED, "the token answer's token_type is not Bearer");
    else if (secs <= 0)
        ism_error_set(err, ISM_E_UNAUTHENTICATED, "the token answer has no valid expires_in");
    else if (!(out->access_token = strdup(tok)))
        ism_error_set(err, ISM_E_INTERNAL, "out of memory");
    else {
        out->expires_at = now_s + secs;
        out->refresh_at =
            out->expires_at -
            (secs / 2 < ISM_AZURE_TOKEN_MARGIN_S ? secs / 2 : ISM_AZURE_TOKEN_MARGIN_S);
        ok = true;
    }
    json_decref(j);
    return ok;
}

void ism_azure_token_free(ism_azure_token *t)
{
    if (!t) return;
    zfree(t->access_token);
    t->access_token = NULL;
}

/* ---- the cache --------------------------------------------------------------------------------
 */
struct ism_azure_cached {
    char *tenant, *resource;
    ism_azure_token tok;
};

static struct ism_azure_cached *find(const ism_azure_token_cache *tc, const char *tenant,
                                     const char *resource)
{
    for (size_t i = 0; i < tc->n; i++)
        if (!strcmp(tc->v[i].tenant, tenant) && !strcmp(tc->v[i].resource, resource))
            return &tc->v[i];
    return NULL;
}

const char *ism_azure_cache_get(const ism_azure_token_cache *tc, const char *tenant,
                                const char *resource, int64_t now_s)
{
    struct ism_azure_cached *e = find(tc, tenant, resource);
    if (!e || !e->tok.access_token) return NULL;
    int64_t at =
        e->tok.refresh_at ? e->tok.refresh_at : e->tok.expires_at - ISM_AZURE_TOKEN_MARGIN_S;
    if (now_s && at <= now_s) return NULL;
    return e->tok.access_token;
}

bool ism_azure_cache_put(ism_azure_token_cache *tc, const char *tenant, const char *resource,
                         ism_azure_token *t)
{
    struct ism_azure_cached *e = find(tc, tenant, resource);
    if (!e) {
        if (tc->n == tc->cap) {
            size_t cap = tc->cap ? tc->cap * 2 : 4;
            void *v = realloc(tc->v, cap * sizeof *tc->v);
            if (!v) return false;
            tc->v = v;
            tc->cap = cap;
        }
        e = &tc->v[tc->n];
        e->tenant = strdup(tenant);
        e->resource = strdup(resource);
        e->tok = (ism_azure_token){0};
        if (!e->tenant || !e->resource) {
            free(e->tenant);
            free(e->resource);
            return false;
        }
        tc->n++;
    }
    ism_azure_token_free(&e->tok);
    e->tok = *t;
    *t = (ism_azure_token){0};
    return true;
}

void ism_azure_cache_drop(ism_azure_token_cache *tc, const char *tenant, const char *resource)
{
    struct ism_azure_cached *e = find(tc, tenant, resource);
    if (e) ism_azure_token_free(&e->tok);
}

void ism_azure_cache_free(ism_azure_token_cache *tc)
{
    for (size_t i = 0; i < tc->n; i++) {
        ism_azure_token_free(&tc->v[i].tok);
        free(tc->v[i].tenant);
        free(tc->v[i].resource);
    }
    free(tc->v);
    memset(tc, 0, sizeof *tc);
}
