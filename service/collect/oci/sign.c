/* sign.c — OCI request signatures (draft-cavage HTTP Signatures, rsa-sha256, as Oracle's SDKs
 * sign and the OCI services verify): the API key (PEM, passphrase-protected too, and its MD5
 * fingerprint), the signer that sets Date, Host, the body headers and Authorization, and the
 * verifier the emulator uses. Known answers: tests/unit/test_oci_auth.c. */
#include "ismap/oci.h"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct ism_oci_key {
    EVP_PKEY *pkey;
};

/* ---- keys ---------------------------------------------------------------------------------- */
static int pass_cb(char *buf, int size, int rwflag, void *u)
{
    (void)rwflag;
    const char *pass = u;
    if (!pass || !*pass) return -1; /* encrypted and no passphrase: fail, never prompt */
    size_t n = strlen(pass);
    if (n > (size_t)size) n = (size_t)size;
    memcpy(buf, pass, n);
    return (int)n;
}

static ism_oci_key *wrap(EVP_PKEY *pk)
{
    ism_oci_key *k = calloc(1, sizeof *k);
    if (!k) {
        EVP_PKEY_free(pk);
        return NULL;
    }
    k->pkey = pk;
    return k;
}

ism_oci_key *ism_oci_key_from_pem(const char *pem, size_t len, const char *passphrase,
                                  const char *what, ism_error *err)
{
    if (!what) what = "the key";
    BIO *b = BIO_new_mem_buf(pem, (int)len);
    if (!b) {
        ism_error_set(err, ISM_E_INTERNAL, "out of memory reading %s", what);
        return NULL;
    }
    bool encrypted = memmem(pem, len, "ENCRYPTED", 9) != NULL;
    EVP_PKEY *pk = PEM_read_bio_PrivateKey(b, NULL, pass_cb, (void *)passphrase);
    BIO_free(b);
    if (!pk) {
        if (encrypted && (!passphrase || !*passphrase))
            ism_error_set(err, ISM_E_CONFIG,
                          "%s is encrypted: set its pass_phrase (or OCI_CLI_PASSPHRASE)", what);
        else if (encrypted)
            ism_error_set(err, ISM_E_CONFIG, "%s: the pass_phrase does not decrypt it", what);
        else
            ism_error_set(err, ISM_E_CONFIG, "%s is not a PEM private key", what);
        return NULL;
    }
    if (EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA) {
        EVP_PKEY_free(pk);
        ism_error_set(err, ISM_E_CONFIG, "%s is not an RSA key (OCI API keys are RSA)", what);
        return NULL;
    }
    ism_oci_key *k = wrap(pk);
    if (!k) ism_error_set(err, ISM_E_INTERNAL, "out of memory reading %s", what);
    return k;
}

ism_oci_key *ism_oci_pubkey_from_pem(const char *pem, size_t len, const char *what, ism_error *err)
{
    if (!what) what = "the public key";
    BIO *b = BIO_new_mem_buf(pem, (int)len);
    EVP_PKEY *pk = b ? PEM_read_bio_PUBKEY(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    if (!pk || EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA) {
        EVP_PKEY_free(pk);
        ism_error_set(err, ISM_E_CONFIG, "%s is not a PEM RSA public key", what);
        return NULL;
    }
    ism_oci_key *k = wrap(pk);
    if (!k) ism_error_set(err, ISM_E_INTERNAL, "out of memory reading %s", what);
    return k;
}

void ism_oci_key_free(ism_oci_key *k)
{
    if (!k) return;
    EVP_PKEY_free(k->pkey);
    free(k);
}

bool ism_oci_key_fingerprint(const ism_oci_key *k, char out[48])
{
    out[0] = '\0';
    unsigned char *der = NULL;
    int n = k ? i2d_PUBKEY(k->pkey, &der) : -1;
    if (n <= 0) return false;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    bool ok = EVP_Digest(der, (size_t)n, md, &mdlen, EVP_md5(), NULL) == 1 && mdlen == 16;
    OPENSSL_free(der);
    if (!ok) return false;
    for (unsigned i = 0; i < mdlen; i++)
        snprintf(out + i * 3, 4, i + 1 < mdlen ? "%02x:" : "%02x", md[i]);
    return true;
}

char *ism_oci_key_public_pem(const ism_oci_key *k)
{
    BIO *b = BIO_new(BIO_s_mem());
    if (!b || !PEM_write_bio_PUBKEY(b, k->pkey)) {
        BIO_free(b);
        return NULL;
    }
    char *data;
    long n = BIO_get_mem_data(b, &data);
    char *s = malloc((size_t)n + 1);
    if (s) {
        memcpy(s, data, (size_t)n);
        s[n] = '\0';
    }
    BIO_free(b);
    return s;
}

/* ---- pieces ---------------------------------------------------------------------------------- */
static char *b64(const unsigned char *d, size_t n)
{
    char *s = malloc(4 * ((n + 2) / 3) + 1);
    if (s) EVP_EncodeBlock((unsigned char *)s, d, (int)n);
    return s;
}

static bool sha256_b64(const void *d, size_t n, char out[45])
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    if (EVP_Digest(d ? d : "", n, md, &mdlen, EVP_sha256(), NULL) != 1) return false;
    EVP_EncodeBlock((unsigned char *)out, md, 32);
    return true;
}

static void http_date(int64_t t, char out[40])
{
    static const char *days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *mons[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    snprintf(out, 40, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday], tm.tm_mday,
             mons[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static bool has_body(const char *method)
{
    return !strcasecmp(method, "POST") || !strcasecmp(method, "PUT") ||
           !strcasecmp(method, "PATCH");
}

/* Splits an absolute URL into its authority (without user information) and request-target. */
static bool split_url(const char *url, char *host, size_t hn, const char **target)
{
    const char *p = strstr(url, "://");
    if (!p) return false;
    p += 3;
    size_t n = strcspn(p, "/?#");
    const char *at = memchr(p, '@', n);
    const char *h = at ? at + 1 : p;
    size_t len = (size_t)(p + n - h);
    if (!len || len >= hn) return false;
    memcpy(host, h, len);
    host[len] = '\0';
    *target = p[n] == '/' || p[n] == '?' ? p + n : "/";
    return true;
}

char *ism_oci_signing_string(const char *method, const char *target, const ism_http_headers *h,
                             const char *names, ism_error *err)
{
    size_t cap = 256, len = 0;
    char *s = malloc(cap);
    if (!s) goto oom;
    s[0] = '\0';
    const char *p = names;
    while (*p) {
        while (*p == ' ')
            p++;
        size_t n = strcspn(p, " ");
        if (!n) break;
        char name[128];
        if (n >= sizeof name) {
            free(s);
            ism_error_set(err, ISM_E_INVALID_PARAMS, "a signed header name is too long");
            return NULL;
        }
        for (size_t i = 0; i < n; i++)
            name[i] = (char)tolower((unsigned char)p[i]);
        name[n] = '\0';
        p += n;
        char *line;
        if (!strcmp(name, "(request-target)")) {
            char m[16];
            size_t i = 0;
            for (; method[i] && i < sizeof m - 1; i++)
                m[i] = (char)tolower((unsigned char)method[i]);
            m[i] = '\0';
            line = ism_strdupf("(request-target): %s %s", m, target);
        } else {
            const char *v = ism_http_headers_get(h, name);
            if (!v) {
                free(s);
                ism_error_set(err, ISM_E_INVALID_PARAMS, "the signed header '%s' is missing", name);
                return NULL;
            }
            line = ism_strdupf("%s: %s", name, v);
        }
        if (!line) goto oom;
        size_t ll = strlen(line);
        if (len + ll + 2 > cap) {
            while (len + ll + 2 > cap)
                cap *= 2;
            char *t = realloc(s, cap);
            if (!t) {
                free(line);
                goto oom;
            }
            s = t;
        }
        if (len) s[len++] = '\n';
        memcpy(s + len, line, ll + 1);
        len += ll;
        free(line);
    }
    return s;
oom:
    free(s);
    ism_error_set(err, ISM_E_INTERNAL, "out of memory building the signing string");
    return NULL;
}

/* ---- signing ----------------------------------------------------------------------------- */
bool ism_oci_sign(const char *key_id, const ism_oci_key *key, const char *method, const char *url,
                  const void *body, size_t body_len, int64_t time_s, ism_http_headers *h,
                  ism_error *err)
{
    char host[512];
    const char *target;
    if (!key || !key_id || !*key_id)
        return ism_error_set(err, ISM_E_CONFIG, "no OCI API key to sign with");
    if (!split_url(url, host, sizeof host, &target))
        return ism_error_set(err, ISM_E_INVALID_PARAMS, "cannot sign: not an absolute URL");
    char date[40];
    http_date(time_s, date);
    bool ok = (ism_http_headers_get(h, "date") || ism_http_headers_set(h, "Date", date)) &&
              ism_http_headers_set(h, "Host", host);
    const char *names = "date (request-target) host";
    if (has_body(method)) {
        char clen[32], sha[45];
        snprintf(clen, sizeof clen, "%zu", body_len);
        if (!sha256_b64(body, body_len, sha))
            return ism_error_set(err, ISM_E_INTERNAL, "SHA-256 failed");
        ok = ok && ism_http_headers_set(h, "Content-Length", clen) &&
             ism_http_headers_set(h, "x-content-sha256", sha);
        if (ok && !ism_http_headers_get(h, "content-type"))
            ok = ism_http_headers_set(h, "Content-Type", "application/json");
        names = "date (request-target) host content-length content-type x-content-sha256";
    }
    if (!ok) return ism_error_set(err, ISM_E_INTERNAL, "out of memory signing");
    char *sts = ism_oci_signing_string(method, target, h, names, err);
    if (!sts) return false;
    unsigned char sig[1024];
    size_t siglen = sizeof sig;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    ok = md && EVP_PKEY_get_size(key->pkey) <= (int)sizeof sig &&
         EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key->pkey) == 1 &&
         EVP_DigestSign(md, sig, &siglen, (const unsigned char *)sts, strlen(sts)) == 1;
    EVP_MD_CTX_free(md);
    free(sts);
    if (!ok) return ism_error_set(err, ISM_E_INTERNAL, "RSA signing failed");
    char *sb = b64(sig, siglen);
    char *auth = sb ? ism_strdupf("Signature version=\"1\",headers=\"%s\",keyId=\"%s\","
                                  "algorithm=\"rsa-sha256\",signature=\"%s\"",
                                  names, key_id, sb)
                    : NULL;
    free(sb);
    ok = auth && ism_http_headers_set(h, "Authorization", auth);
    free(auth);
    if (!ok) return ism_error_set(err, ISM_E_INTERNAL, "out of memory signing");
    return true;
}

bool ism_oci_http_signer(ism_http_attempt *a, void *arg, ism_error *err)
{
    const ism_oci_profile *p = arg;
    return ism_oci_sign(p->key_id, p->key, a->method, a->url, a->body, a->body_len, a->sign_time_s,
                        a->headers, err);
}

/* ---- verifying ------------------------------------------------------------------------------ */
/* The value of `key="..."` in a Signature header's parameters; false when absent. */
static bool auth_param(const char *auth, const char *key, char *out, size_t n)
{
    size_t kl = strlen(key);
    const char *p = auth;
    while ((p = strstr(p, key)) != NULL) {
        bool start = p == auth || p[-1] == ' ' || p[-1] == ',';
        if (start && p[kl] == '=' && p[kl + 1] == '"') {
            const char *v = p + kl + 2, *e = strchr(v, '"');
            if (!e || (size_t)(e - v) >= n) return false;
            memcpy(out, v, (size_t)(e - v));
            out[e - v] = '\0';
            return true;
        }
        p += kl;
    }
    return false;
}

static bool fail(ism_oci_verify_result *out, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool fail(ism_oci_verify_result *out, const char *code, const char *fmt, ...)
{
    out->ok = false;
    ism_strlcpy(out->code, code, sizeof out->code);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->message, sizeof out->message, fmt, ap);
    va_end(ap);
    return false;
}

static bool list_has(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; (p = strstr(p, name)) != NULL; p += n)
        if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0')) return true;
    return false;
}

static int64_t parse_http_date(const char *s)
{
    static const char *mons = "JanFebMarAprMayJunJulAugSepOctNovDec";
    char mon[4];
    int d, y, hh, mm, ss;
    if (!s || sscanf(s, "%*3s, %d %3s %d %d:%d:%d GMT", &d, mon, &y, &hh, &mm, &ss) != 6) return -1;
    const char *m = strstr(mons, mon);
    if (!m || (m - mons) % 3) return -1;
    struct tm tm = {.tm_mday = d,
                    .tm_mon = (int)((m - mons) / 3),
                    .tm_year = y - 1900,
                    .tm_hour = hh,
                    .tm_min = mm,
                    .tm_sec = ss};
    return (int64_t)timegm(&tm);
}

bool ism_oci_verify(const char *method, const char *target, const ism_http_headers *h,
                    const void *body, size_t body_len, int64_t now_s, int max_skew_s,
                    ism_oci_key_lookup_fn lookup, void *lookup_arg, ism_oci_verify_result *out)
{
    memset(out, 0, sizeof *out);
    const char *auth = ism_http_headers_get(h, "authorization");
    if (!auth)
        return fail(out, "NotAuthenticated",
                    "The required information to complete authentication was not provided.");
    if (strncmp(auth, "Signature ", 10))
        return fail(out, "NotAuthenticated", "The Authorization header is not a Signature");
    char version[8], names[512], alg[32], sigb64[1024];
    if (!auth_param(auth, "keyId", out->key_id, sizeof out->key_id) ||
        !auth_param(auth, "algorithm", alg, sizeof alg) ||
        !auth_param(auth, "signature", sigb64, sizeof sigb64))
        return fail(out, "NotAuthenticated",
                    "The Authorization header lacks keyId, algorithm or signature");
    if (auth_param(auth, "version", version, sizeof version) && strcmp(version, "1"))
        return fail(out, "NotAuthenticated", "Unsupported signature version '%s'", version);
    if (strcmp(alg, "rsa-sha256"))
        return fail(out, "NotAuthenticated", "Unsupported signature algorithm '%s'", alg);
    if (!auth_param(auth, "headers", names, sizeof names)) ism_strlcpy(names, "date", sizeof names);
    static const char *const need[] = {"(request-target)", "host", NULL};
    static const char *const need_body[] = {"content-length", "content-type", "x-content-sha256",
                                            NULL};
    if (!list_has(names, "date") && !list_has(names, "x-date"))
        return fail(out, "NotAuthenticated", "The signature does not cover the date");
    for (int i = 0; need[i]; i++)
        if (!list_has(names, need[i]))
            return fail(out, "NotAuthenticated", "The signature does not cover '%s'", need[i]);
    if (has_body(method)) {
        for (int i = 0; need_body[i]; i++)
            if (!list_has(names, need_body[i]))
                return fail(out, "NotAuthenticated", "The signature does not cover '%s'",
                            need_body[i]);
        char sha[45];
        const char *got = ism_http_headers_get(h, "x-content-sha256");
        if (!sha256_b64(body, body_len, sha) || !got || strcmp(sha, got))
            return fail(out, "NotAuthenticated", "x-content-sha256 does not match the body");
        const char *cl = ism_http_headers_get(h, "content-length");
        if (!cl || strtoull(cl, NULL, 10) != body_len)
            return fail(out, "NotAuthenticated", "content-length does not match the body");
    }
    const char *date = ism_http_headers_get(h, list_has(names, "x-date") ? "x-date" : "date");
    int64_t t = parse_http_date(date);
    if (t < 0) return fail(out, "NotAuthenticated", "The date header '%s' is malformed", date);
    if (t > now_s + max_skew_s || t < now_s - max_skew_s)
        return fail(out, "NotAuthenticated",
                    "The request date '%s' is outside the allowed clock skew", date);
    const ism_oci_key *key = lookup ? lookup(out->key_id, lookup_arg) : NULL;
    if (!key)
        return fail(out, "NotAuthenticated", "The keyId '%s' is not a registered API key",
                    out->key_id);
    ism_error e = {0};
    char *sts = ism_oci_signing_string(method, target, h, names, &e);
    ism_error_clear(&e);
    if (!sts) return fail(out, "NotAuthenticated", "A signed header is missing");
    unsigned char sig[1024];
    int n = EVP_DecodeBlock(sig, (const unsigned char *)sigb64, (int)strlen(sigb64));
    size_t sl = strlen(sigb64);
    if (n > 0) { /* EVP_DecodeBlock counts padding as bytes */
        if (sl >= 1 && sigb64[sl - 1] == '=') n--;
        if (sl >= 2 && sigb64[sl - 2] == '=') n--;
    }
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    bool ok = n > 0 && md && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key->pkey) == 1 &&
              EVP_DigestVerify(md, sig, (size_t)n, (const unsigned char *)sts, strlen(sts)) == 1;
    EVP_MD_CTX_free(md);
    free(sts);
    if (!ok) return fail(out, "NotAuthenticated", "The signature does not verify");
    out->ok = true;
    return true;
}
