/* test_azure_auth.c — the Azure collector's Entra ID auth: RS256 against RFC 7515 appendix A.2's
 * published key and signature (PKCS#1 v1.5 is deterministic, so our signer must reproduce it byte
 * for byte), base64url (RFC 4648 test vectors), the x5t#S256 thumbprint against `openssl x509
 * -outform DER | openssl dgst -sha256` of the fixture certificate, client assertions verified the
 * way Entra ID does (and each way one can be wrong), the token request bodies, the token answer
 * and its errors, the AZURE_* environment and the per-(tenant, resource) cache with its renewal
 * margin. */
#include "ismap/azure.h"
#include "testutil.h"

#include <check.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <stdlib.h>
#include <string.h>

/* RFC 7515 A.2: the RSA key (n, e, d), the JWS Protected Header {"alg":"RS256"} and the payload
 * with its CRLFs, and the resulting compact serialization. */
static const char *const A2_N =
    "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4"
    "QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdb"
    "BYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-D"
    "WNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ";
static const char *const A2_D =
    "Eq5xpGnNCivDflJsRQBXHx1hdR1k6Ulwe2JZD50LpXyWPEAeP88vLNO97IjlA7_GQ5sLKMgvfTeXZx9SE-7YwVol2NXOoA"
    "Je46sui395IW_GO-pWJ1O0BkTGoVEn2bKVRUCgu-GjBVaYLU6f3l9kJfFNS3E0QbVdxzubSu3Mkqzjkn439X0M_V51gfpR"
    "LI9JYanrC4D4qAdGcopV_0ZHHzQlBjudU2QvXt4ehNYTCBr6XCLQUShb1juUO1ZdiYoFaFQT5Tw8bGUl_x_jTj3ccPDVZF"
    "D9pIuhLhBOneufuBiB4cS98l2SR_RQyGWSeWjnczT0QU91p1DhOVRuOopznQ";
static const char *const A2_JWS =
    "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNv"
    "bS9pc19yb290Ijp0cnVlfQ.cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm"
    "4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6x"
    "BArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-"
    "eOkHWEsqtFZESc6BfI7noOPqvhJ1"
    "phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";

/* `openssl x509 -in tests/fixtures/azure/cert.pem -outform DER | openssl dgst -sha256 -binary |
 * basenc --base64url` (padding dropped). */
static const char *const FIXTURE_X5T = "KFoGrNnoQDDRfbszpeLQ1DFHkjPuNu78ghhvJg_tfE8";

static BIGNUM *bn_b64u(const char *s)
{
    size_t n = 0;
    unsigned char *raw = ism_azure_b64url_decode(s, &n);
    ck_assert_ptr_nonnull(raw);
    BIGNUM *b = BN_bin2bn(raw, (int)n, NULL);
    free(raw);
    return b;
}

static EVP_PKEY *a2_key(void)
{
    BIGNUM *n = bn_b64u(A2_N), *e = bn_b64u("AQAB"), *d = bn_b64u(A2_D);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n);
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e);
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_D, d);
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    EVP_PKEY *key = NULL;
    ck_assert_int_eq(EVP_PKEY_fromdata_init(ctx), 1);
    ck_assert_int_eq(EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_KEYPAIR, params), 1);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(n);
    BN_free(e);
    BN_free(d);
    return key;
}

START_TEST(rs256_rfc7515_a2)
{
    EVP_PKEY *key = a2_key();
    ism_error e = {0};
    char *jws = ism_azure_jws_rs256(
        key, "{\"alg\":\"RS256\"}",
        "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}", &e);
    ck_assert_ptr_nonnull(jws);
    ck_assert_str_eq(jws, A2_JWS);
    free(jws);
    EVP_PKEY_free(key);
}
END_TEST

START_TEST(b64url_vectors)
{
    /* RFC 4648 section 10, padding dropped */
    static const char *const in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *const out[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
    for (int i = 0; i < 7; i++) {
        char *s = ism_azure_b64url(in[i], strlen(in[i]));
        ck_assert_str_eq(s, out[i]);
        size_t n = 0;
        unsigned char *back = ism_azure_b64url_decode(s, &n);
        ck_assert_uint_eq(n, strlen(in[i]));
        ck_assert(memcmp(back, in[i], n) == 0);
        free(back);
        free(s);
    }
    unsigned char bytes[] = {0xfb, 0xff, 0xfe};
    char *s = ism_azure_b64url(bytes, 3);
    ck_assert_str_eq(s, "-__-"); /* the URL-safe alphabet, not + and / */
    free(s);
    ck_assert_ptr_null(ism_azure_b64url_decode("Zm9v!", NULL));
    ck_assert_ptr_null(ism_azure_b64url_decode("Z", NULL));
}
END_TEST

static char *fixture(const char *name, size_t *len)
{
    char *path = ism_strdupf("%s/tests/fixtures/azure/%s", tu_source_dir(), name);
    ism_error e = {0};
    char *s = ism_read_file(path, 1 << 20, len, &e);
    ck_assert_msg(s != NULL, "%s: %s", path, e.message);
    free(path);
    return s;
}

static void load_client(ism_azure_creds *c)
{
    memset(c, 0, sizeof *c);
    ism_strlcpy(c->tenant, "contoso.example", sizeof c->tenant);
    ism_strlcpy(c->client_id, "11111111-2222-3333-4444-555555555555", sizeof c->client_id);
    ism_strlcpy(c->authority, "https://login.example.test", sizeof c->authority);
    size_t n;
    char *pem = fixture("client.pem", &n);
    ism_error e = {0};
    ck_assert_msg(ism_azure_creds_load_cert(c, pem, n, "client.pem", &e), "%s", e.message);
    free(pem);
}

START_TEST(x5t_s256_of_fixture)
{
    ism_azure_creds c;
    load_client(&c);
    ck_assert_str_eq(c.x5t_s256, FIXTURE_X5T);
    ism_azure_creds_free(&c);
}
END_TEST

START_TEST(assertion_claims_and_verify)
{
    ism_azure_creds c;
    load_client(&c);
    const char *aud = "https://login.example.test/contoso.example/oauth2/v2.0/token";
    ism_error e = {0};
    char *jwt = ism_azure_client_assertion(&c, aud, 1700000000, "jti-1", &e);
    ck_assert_ptr_nonnull(jwt);
    /* header and claims as Entra ID documents them */
    const char *d1 = strchr(jwt, '.');
    char *h64 = strndup(jwt, (size_t)(d1 - jwt));
    unsigned char *hraw = ism_azure_b64url_decode(h64, NULL);
    json_t *h = json_loads((const char *)hraw, 0, NULL);
    ck_assert_str_eq(json_string_value(json_object_get(h, "alg")), "RS256");
    ck_assert_str_eq(json_string_value(json_object_get(h, "typ")), "JWT");
    ck_assert_str_eq(json_string_value(json_object_get(h, "x5t#S256")), FIXTURE_X5T);
    json_decref(h);
    free(hraw);
    free(h64);
    const char *d2 = strchr(d1 + 1, '.');
    char *p64 = strndup(d1 + 1, (size_t)(d2 - d1 - 1));
    unsigned char *praw = ism_azure_b64url_decode(p64, NULL);
    json_t *p = json_loads((const char *)praw, 0, NULL);
    ck_assert_str_eq(json_string_value(json_object_get(p, "aud")), aud);
    ck_assert_str_eq(json_string_value(json_object_get(p, "iss")), c.client_id);
    ck_assert_str_eq(json_string_value(json_object_get(p, "sub")), c.client_id);
    ck_assert_str_eq(json_string_value(json_object_get(p, "jti")), "jti-1");
    ck_assert_int_eq(json_integer_value(json_object_get(p, "nbf")), 1700000000);
    ck_assert_int_eq(json_integer_value(json_object_get(p, "exp")), 1700000600);
    json_decref(p);
    free(praw);
    free(p64);

    size_t cl;
    char *cert = fixture("cert.pem", &cl);
    ck_assert_msg(ism_azure_assertion_verify(jwt, cert, cl, aud, c.client_id, 1700000100, &e), "%s",
                  e.message);
    /* each way it can be wrong */
    ck_assert(!ism_azure_assertion_verify(jwt, cert, cl, "https://elsewhere/token", c.client_id,
                                          1700000100, &e));
    ck_assert_ptr_nonnull(strstr(e.message, "aud"));
    ism_error_clear(&e);
    ck_assert(!ism_azure_assertion_verify(jwt, cert, cl, aud, "someone-else", 1700000100, &e));
    ck_assert_ptr_nonnull(strstr(e.message, "iss/sub"));
    ism_error_clear(&e);
    ck_assert(!ism_azure_assertion_verify(jwt, cert, cl, aud, c.client_id, 1700001000, &e));
    ck_assert_ptr_nonnull(strstr(e.message, "expired"));
    ism_error_clear(&e);
    ck_assert(!ism_azure_assertion_verify(jwt, cert, cl, aud, c.client_id, 1699999000, &e));
    ck_assert_ptr_nonnull(strstr(e.message, "nbf"));
    ism_error_clear(&e);
    /* another certificate: its thumbprint differs */
    size_t ol;
    char *other = fixture("other.pem", &ol);
    ck_assert(!ism_azure_assertion_verify(jwt, other, ol, aud, c.client_id, 1700000100, &e));
    ck_assert_ptr_nonnull(strstr(e.message, "x5t#S256"));
    ism_error_clear(&e);
    /* a flipped signature byte */
    char *bad = strdup(jwt);
    char *last = bad + strlen(bad) - 5;
    *last = *last == 'A' ? 'B' : 'A';
    ck_assert(!ism_azure_assertion_verify(bad, cert, cl, aud, c.client_id, 1700000100, &e));
    ck_assert_ptr_nonnull(strstr(e.message, "signature"));
    ism_error_clear(&e);
    ck_assert(!ism_azure_assertion_verify("a.b", cert, cl, aud, c.client_id, 1700000100, &e));
    ism_error_clear(&e);
    free(bad);
    free(other);
    free(cert);
    free(jwt);
    ism_azure_creds_free(&c);
}
END_TEST

/* MSAL signs its assertions PS256: the verifier (Entra ID's part, in the emulator) takes both. */
START_TEST(assertion_ps256_and_alg_none)
{
    ism_azure_creds c;
    load_client(&c);
    const char *aud = "https://login.example.test/t/oauth2/v2.0/token";
    char hdr[200];
    snprintf(hdr, sizeof hdr, "{\"alg\":\"PS256\",\"typ\":\"JWT\",\"x5t#S256\":\"%s\"}",
             c.x5t_s256);
    char *pl = ism_strdupf("{\"aud\":\"%s\",\"iss\":\"%s\",\"sub\":\"%s\",\"jti\":\"j\","
                           "\"nbf\":1700000000,\"exp\":1700000600}",
                           aud, c.client_id, c.client_id);
    char *h64 = ism_azure_b64url(hdr, strlen(hdr)), *p64 = ism_azure_b64url(pl, strlen(pl));
    char *input = ism_strdupf("%s.%s", h64, p64);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    size_t n = 0;
    ck_assert_int_eq(EVP_DigestSignInit(md, &pctx, EVP_sha256(), NULL, c.key), 1);
    ck_assert_int_eq(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), 1);
    ck_assert_int_eq(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST), 1);
    ck_assert_int_eq(EVP_DigestSign(md, NULL, &n, (unsigned char *)input, strlen(input)), 1);
    unsigned char *sig = malloc(n);
    ck_assert_int_eq(EVP_DigestSign(md, sig, &n, (unsigned char *)input, strlen(input)), 1);
    EVP_MD_CTX_free(md);
    char *s64 = ism_azure_b64url(sig, n);
    char *jwt = ism_strdupf("%s.%s", input, s64);
    size_t cl;
    char *cert = fixture("cert.pem", &cl);
    ism_error e = {0};
    ck_assert_msg(ism_azure_assertion_verify(jwt, cert, cl, aud, c.client_id, 1700000100, &e), "%s",
                  e.message);
    /* the same signature presented as RS256 does not verify; alg none is refused */
    char *rs = ism_strdupf("{\"alg\":\"RS256\",\"typ\":\"JWT\",\"x5t#S256\":\"%s\"}", c.x5t_s256);
    char *rs64 = ism_azure_b64url(rs, strlen(rs));
    char *jwt2 = ism_strdupf("%s.%s.%s", rs64, p64, s64);
    ck_assert(!ism_azure_assertion_verify(jwt2, cert, cl, aud, c.client_id, 1700000100, &e));
    ism_error_clear(&e);
    char *none = ism_azure_b64url("{\"alg\":\"none\"}", 15);
    char *jwt3 = ism_strdupf("%s.%s.", none, p64);
    ck_assert(!ism_azure_assertion_verify(jwt3, cert, cl, aud, c.client_id, 1700000100, &e));
    ism_error_clear(&e);
    free(none);
    free(jwt3);
    free(jwt2);
    free(rs64);
    free(rs);
    free(cert);
    free(jwt);
    free(s64);
    free(sig);
    free(input);
    free(h64);
    free(p64);
    free(pl);
    ism_azure_creds_free(&c);
}
END_TEST

START_TEST(cert_problems)
{
    ism_azure_creds c = {0};
    size_t n;
    char *cert = fixture("cert.pem", &n); /* a certificate without its key */
    ism_error e = {0};
    ck_assert(!ism_azure_creds_load_cert(&c, cert, n, "cert.pem", &e));
    ck_assert_ptr_nonnull(strstr(e.message, "cert.pem: no (unencrypted) PEM private key"));
    ism_error_clear(&e);
    /* key of one, certificate of the other */
    char *client = fixture("client.pem", &n);
    char *other = fixture("other.pem", NULL);
    char *mix = ism_strdupf("%.*s%s", (int)(strstr(client, "-----BEGIN CERTIFICATE") - client),
                            client, strstr(other, "-----BEGIN CERTIFICATE"));
    ck_assert(!ism_azure_creds_load_cert(&c, mix, strlen(mix), "mix.pem", &e));
    ck_assert_ptr_nonnull(strstr(e.message, "does not match"));
    ism_error_clear(&e);
    free(mix);
    free(other);
    free(client);
    free(cert);
    ism_azure_creds_free(&c);
}
END_TEST

START_TEST(token_bodies)
{
    ism_azure_creds c = {0};
    ism_strlcpy(c.tenant, "t1", sizeof c.tenant);
    ism_strlcpy(c.client_id, "app 1", sizeof c.client_id);
    ism_strlcpy(c.authority, "https://login.example.test", sizeof c.authority);
    c.secret = strdup("s3cr=t&x");
    ism_error e = {0};
    char *b = ism_azure_token_body(&c, "https://management.azure.com/.default", 1700000000, &e);
    ck_assert_str_eq(b, "grant_type=client_credentials&client_id=app%201&scope=https%3A%2F%2F"
                        "management.azure.com%2F.default&client_secret=s3cr%3Dt%26x");
    free(b);
    char url[256];
    ism_azure_token_url(&c, url, sizeof url);
    ck_assert_str_eq(url, "https://login.example.test/t1/oauth2/v2.0/token");
    ism_azure_creds_free(&c);

    load_client(&c);
    b = ism_azure_token_body(&c, "https://graph.microsoft.com/.default", 1700000000, &e);
    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_nonnull(strstr(b, "&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3A"
                                    "client-assertion-type%3Ajwt-bearer&client_assertion=ey"));
    ck_assert_ptr_null(strstr(b, "client_secret"));
    /* the assertion in the body verifies against the certificate, for this token endpoint */
    char *jwt = strstr(b, "&client_assertion=") + strlen("&client_assertion=");
    size_t cl;
    char *cert = fixture("cert.pem", &cl);
    ism_azure_token_url(&c, url, sizeof url);
    ck_assert_msg(ism_azure_assertion_verify(jwt, cert, cl, url, c.client_id, 1700000000, &e), "%s",
                  e.message);
    free(cert);
    free(b);
    ism_azure_creds_free(&c);
}
END_TEST

START_TEST(token_answers)
{
    ism_azure_token t;
    ism_error e = {0};
    const char *ok = "{\"token_type\":\"Bearer\",\"expires_in\":3599,\"ext_expires_in\":3599,"
                     "\"access_token\":\"eyJ0eXAi.x.y\"}";
    ck_assert(ism_azure_token_parse(ok, strlen(ok), 1000, &t, &e));
    ck_assert_str_eq(t.access_token, "eyJ0eXAi.x.y");
    ck_assert_int_eq(t.expires_at, 4599);
    ck_assert_int_eq(t.refresh_at, 4599 - ISM_AZURE_TOKEN_MARGIN_S);
    ism_azure_token_free(&t);
    /* ADFS and older endpoints send expires_in as a string */
    const char *str = "{\"token_type\":\"Bearer\",\"expires_in\":\"60\",\"access_token\":\"a\"}";
    ck_assert(ism_azure_token_parse(str, strlen(str), 1000, &t, &e));
    ck_assert_int_eq(t.expires_at, 1060);
    ck_assert_int_eq(t.refresh_at, 1030); /* short-lived: renewed at half its life */
    ism_azure_token_free(&t);
    const char *err =
        "{\"error\":\"invalid_client\",\"error_description\":\"AADSTS7000215: Invalid "
        "client secret provided.\\r\\nTrace ID: x\",\"error_codes\":[7000215]}";
    ck_assert(!ism_azure_token_parse(err, strlen(err), 1000, &t, &e));
    ck_assert_int_eq(e.code, ISM_E_UNAUTHENTICATED);
    ck_assert_str_eq(e.message,
                     "Entra ID refused the token request: invalid_client: AADSTS7000215: "
                     "Invalid client secret provided.");
    ism_error_clear(&e);
    const char *bad[] = {"not json", "{\"token_type\":\"Bearer\",\"expires_in\":10}",
                         "{\"token_type\":\"MAC\",\"expires_in\":10,\"access_token\":\"a\"}",
                         "{\"token_type\":\"Bearer\",\"access_token\":\"a\"}"};
    for (int i = 0; i < 4; i++) {
        ck_assert(!ism_azure_token_parse(bad[i], strlen(bad[i]), 1000, &t, &e));
        ism_error_clear(&e);
    }
}
END_TEST

static ism_azure_token tok(const char *s, int64_t exp)
{
    return (ism_azure_token){.access_token = strdup(s), .expires_at = exp};
}

START_TEST(cache_per_tenant_and_resource)
{
    ism_azure_token_cache tc = {0};
    ism_azure_token a = tok("arm-1", 10000), g = tok("graph-1", 10000), o = tok("arm-t2", 10000);
    ck_assert(ism_azure_cache_put(&tc, "t1", "https://management.azure.com", &a));
    ck_assert(ism_azure_cache_put(&tc, "t1", "https://graph.microsoft.com", &g));
    ck_assert(ism_azure_cache_put(&tc, "t2", "https://management.azure.com", &o));
    ck_assert_ptr_null(a.access_token); /* taken */
    ck_assert_str_eq(ism_azure_cache_get(&tc, "t1", "https://management.azure.com", 5000), "arm-1");
    ck_assert_str_eq(ism_azure_cache_get(&tc, "t1", "https://graph.microsoft.com", 5000),
                     "graph-1");
    ck_assert_str_eq(ism_azure_cache_get(&tc, "t2", "https://management.azure.com", 5000),
                     "arm-t2");
    ck_assert_ptr_null(ism_azure_cache_get(&tc, "t2", "https://graph.microsoft.com", 5000));
    /* renewed ISM_AZURE_TOKEN_MARGIN_S before it expires */
    ck_assert_ptr_nonnull(ism_azure_cache_get(&tc, "t1", "https://management.azure.com",
                                              10000 - ISM_AZURE_TOKEN_MARGIN_S - 1));
    ck_assert_ptr_null(ism_azure_cache_get(&tc, "t1", "https://management.azure.com",
                                           10000 - ISM_AZURE_TOKEN_MARGIN_S));
    /* replaced; dropped */
    ism_azure_token a2 = tok("arm-2", 20000);
    ck_assert(ism_azure_cache_put(&tc, "t1", "https://management.azure.com", &a2));
    ck_assert_str_eq(ism_azure_cache_get(&tc, "t1", "https://management.azure.com", 15000),
                     "arm-2");
    ism_azure_cache_drop(&tc, "t1", "https://management.azure.com");
    ck_assert_ptr_null(ism_azure_cache_get(&tc, "t1", "https://management.azure.com", 0));
    ck_assert_str_eq(ism_azure_cache_get(&tc, "t1", "https://graph.microsoft.com", 0), "graph-1");
    ism_azure_cache_free(&tc);
}
END_TEST

START_TEST(env_credentials)
{
    ism_azure_creds c;
    ism_error e = {0};
    unsetenv("AZURE_TENANT_ID");
    unsetenv("AZURE_CLIENT_ID");
    unsetenv("AZURE_CLIENT_SECRET");
    unsetenv("AZURE_CLIENT_CERTIFICATE_PATH");
    unsetenv("AZURE_AUTHORITY_HOST");
    ck_assert(!ism_azure_creds_from_env(&c, NULL, &e));
    ck_assert_int_eq(e.code, ISM_E_CONFIG);
    ck_assert_ptr_nonnull(strstr(e.message, "AZURE_TENANT_ID is not set"));
    ism_error_clear(&e);
    setenv("AZURE_TENANT_ID", "t1", 1);
    setenv("AZURE_CLIENT_ID", "c1", 1);
    ck_assert(!ism_azure_creds_from_env(&c, NULL, &e));
    ck_assert_ptr_nonnull(strstr(e.message, "neither AZURE_CLIENT_SECRET nor"));
    ism_error_clear(&e);
    setenv("AZURE_CLIENT_SECRET", "very-secret-value", 1);
    ck_assert(ism_azure_creds_from_env(&c, NULL, &e));
    ck_assert_str_eq(c.authority, ISM_AZURE_AUTHORITY_DEFAULT);
    ck_assert_str_eq(c.secret, "very-secret-value");
    ism_azure_creds_free(&c);
    setenv("AZURE_AUTHORITY_HOST", "https://login.microsoftonline.us/", 1);
    ck_assert(ism_azure_creds_from_env(&c, NULL, &e));
    ck_assert_str_eq(c.authority, "https://login.microsoftonline.us");
    ism_azure_creds_free(&c);
    ck_assert(ism_azure_creds_from_env(&c, "http://127.0.0.1:9", &e));
    ck_assert_str_eq(c.authority, "http://127.0.0.1:9");
    ism_azure_creds_free(&c);
    unsetenv("AZURE_CLIENT_SECRET");
    setenv("AZURE_CLIENT_CERTIFICATE_PATH", "/nonexistent/cert.pem", 1);
    ck_assert(!ism_azure_creds_from_env(&c, NULL, &e));
    ck_assert_ptr_nonnull(strstr(e.message, "AZURE_CLIENT_CERTIFICATE_PATH"));
    ck_assert_ptr_null(strstr(e.message, "very-secret-value"));
    ism_error_clear(&e);
    ism_azure_creds_free(&c);
    char *path = ism_strdupf("%s/tests/fixtures/azure/client.pem", tu_source_dir());
    setenv("AZURE_CLIENT_CERTIFICATE_PATH", path, 1);
    ck_assert_msg(ism_azure_creds_from_env(&c, NULL, &e), "%s", e.message);
    ck_assert_str_eq(c.x5t_s256, FIXTURE_X5T);
    ck_assert_ptr_null(c.secret);
    ism_azure_creds_free(&c);
    free(path);
    setenv("AZURE_TENANT_ID", "t1/../x", 1);
    ck_assert(!ism_azure_creds_from_env(&c, NULL, &e));
    ck_assert_ptr_nonnull(strstr(e.message, "AZURE_TENANT_ID may hold only"));
    ism_error_clear(&e);
}
END_TEST

START_TEST(ops_table_is_sound)
{
    size_t n;
    const ism_azure_op *ops = ism_azure_ops(&n);
    ck_assert_uint_ge(n, 30);
    for (size_t i = 0; i < n; i++) {
        ck_assert_ptr_eq(ism_azure_op_find(ops[i].name), &ops[i]); /* names are unique */
        if (ops[i].api == ISM_AZURE_ARM)
            ck_assert_msg(ops[i].api_version && strlen(ops[i].api_version) >= 10, "%s",
                          ops[i].name);
        else
            ck_assert_msg(!strncmp(ops[i].path, "/v1.0/", 6), "%s", ops[i].name);
        if (ops[i].scope == ISM_AZURE_SCOPE_PER_RESOURCE) {
            const ism_azure_op *p = ism_azure_op_find(ops[i].parent);
            ck_assert_msg(p && p < &ops[i], "%s: parent listed before", ops[i].name);
        }
        ck_assert(ops[i].permission && ops[i].type && strchr(ops[i].type, '.'));
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("azure_auth");
    TCase *tc = tcase_create("azure_auth");
    tcase_add_test(tc, rs256_rfc7515_a2);
    tcase_add_test(tc, b64url_vectors);
    tcase_add_test(tc, x5t_s256_of_fixture);
    tcase_add_test(tc, assertion_claims_and_verify);
    tcase_add_test(tc, assertion_ps256_and_alg_none);
    tcase_add_test(tc, cert_problems);
    tcase_add_test(tc, token_bodies);
    tcase_add_test(tc, token_answers);
    tcase_add_test(tc, cache_per_tenant_and_resource);
    tcase_add_test(tc, env_credentials);
    tcase_add_test(tc, ops_table_is_sound);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
