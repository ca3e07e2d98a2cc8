/* test_oci_auth.c — the OCI request signer against the known answers Oracle publishes with its Go
 * SDK (common/http_signer_test.go: the draft-cavage test key, a GET and a POST with a body), the
 * verifier the emulator uses (round trip and each way a request can be wrong), and the
 * ~/.oci/config profiles: [DEFAULT] inheritance, OCI_CLI_* overrides, passphrase-protected keys
 * (PKCS#8 and traditional), and the errors that name what is missing. */
#include "ismap/oci.h"
#include "testutil.h"

#include <check.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Oracle's published test vectors (oci-go-sdk common/http_signer_test.go). */
#define T_TENANCY "ocid1.tenancy.oc1..aaaaaaaaba3pv6wkcr4jqae5f15p2b2m2yt2j6rx32uzr4h25vqstifsfdsq"
#define T_USER "ocid1.user.oc1..aaaaaaaat5nvwcna5j6aqzjcaty5eqbb6qt2jvpkanghtgdaqedqw3rynjq"
#define T_FP "20:3b:97:13:55:1c:5b:0d:d3:37:d8:50:4e:c5:3a:34"
#define T_KEYID T_TENANCY "/" T_USER "/" T_FP
#define T_DATE "Thu, 05 Jan 2014 21:31:40 GMT"
#define T_URL                                                                                      \
    "https://iaas.us-phoenix-1.oraclecloud.com/20160918/instances"                                 \
    "?availabilityDomain=Pjwf%3A%20PHX-AD-1&"                                                      \
    "compartmentId=ocid1.compartment.oc1..aaaaaaaam3we6vgnherjq5q2idnccdflvjsnog7mlr6rtdb25gilch"  \
    "feyjxa&displayName=TeamXInstances&volumeId=ocid1.volume.oc1.phx.abyhqljrgvttnlx73nmrwfaux7"   \
    "kcvzfs3s66izvxf2h4lgvyndsdsnoiwr5q"
#define T_URL2 "https://iaas.us-phoenix-1.oraclecloud.com/20160918/volumeAttachments"
static const char T_BODY[] =
    "{\n"
    "    \"compartmentId\": "
    "\"ocid1.compartment.oc1..aaaaaaaam3we6vgnherjq5q2idnccdflvjsnog7mlr6rtdb25gilchfeyjxa\",\n"
    "    \"instanceId\": "
    "\"ocid1.instance.oc1.phx.abuw4ljrlsfiqw6vzzxb43vyypt4pkodawglp3wqxjqofakrwvou52gb6s5a\",\n"
    "    \"volumeId\": "
    "\"ocid1.volume.oc1.phx.abyhqljrgvttnlx73nmrwfaux7kcvzfs3s66izvxf2h4lgvyndsdsnoiwr5q\"\n"
    "}";
static const char T_KEY[] = "-----BEGIN RSA PRIVATE KEY-----\n"
                            "MIICXgIBAAKBgQDCFENGw33yGihy92pDjZQhl0C36rPJj+CvfSC8+q28hxA161QF\n"
                            "NUd13wuCTUcq0Qd2qsBe/2hFyc2DCJJg0h1L78+6Z4UMR7EOcpfdUE9Hf3m/hs+F\n"
                            "UR45uBJeDK1HSFHD8bHKD6kv8FPGfJTotc+2xjJwoYi+1hqp1fIekaxsyQIDAQAB\n"
                            "AoGBAJR8ZkCUvx5kzv+utdl7T5MnordT1TvoXXJGXK7ZZ+UuvMNUCdN2QPc4sBiA\n"
                            "QWvLw1cSKt5DsKZ8UETpYPy8pPYnnDEz2dDYiaew9+xEpubyeW2oH4Zx71wqBtOK\n"
                            "kqwrXa/pzdpiucRRjk6vE6YY7EBBs/g7uanVpGibOVAEsqH1AkEA7DkjVH28WDUg\n"
                            "f1nqvfn2Kj6CT7nIcE3jGJsZZ7zlZmBmHFDONMLUrXR/Zm3pR5m0tCmBqa5RK95u\n"
                            "412jt1dPIwJBANJT3v8pnkth48bQo/fKel6uEYyboRtA5/uHuHkZ6FQF7OUkGogc\n"
                            "mSJluOdc5t6hI1VsLn0QZEjQZMEOWr+wKSMCQQCC4kXJEsHAve77oP6HtG/IiEn7\n"
                            "kpyUXRNvFsDE0czpJJBvL/aRFUJxuRK91jhjC68sA7NsKMGg5OXb5I5Jj36xAkEA\n"
                            "gIT7aFOYBFwGgQAQkWNKLvySgKbAZRTeLBacpHMuQdl1DfdntvAyqpAZ0lY0RKmW\n"
                            "G6aFKaqQfOXKCyWoUiVknQJAXrlgySFci/2ueKlIE1QqIiLSZ8V8OlpFLRnb1pzI\n"
                            "7U1yQXnTAEFYM560yJlzUpOb1V4cScGd365tiSMvxLOvTA==\n"
                            "-----END RSA PRIVATE KEY-----\n";

#define T_SIG1                                                                                     \
    "GBas7grhyrhSKHP6AVIj/h5/Vp8bd/"                                                               \
    "peM79H9Wv8kjoaCivujVXlpbKLjMPeDUhxkFIWtTtLBj3sUzaFj34XE6YZAHc9r"                              \
    "2DmE4pMwOAy/kiITcZxa1oHPOeRheC0jP2dqbTll8fmTZVwKZOKHYPtrLJIJQHJjNvxFWeHQjMaR7M="
#define T_SIG2                                                                                     \
    "Mje8vIDPlwIHmD/cTDwRxE7HaAvBg16JnVcsuqaNRim23fFPgQfLoOOxae6WqKb1uPjYEl0qIdazWaBy/"            \
    "Ml8DRhqlocMw"                                                                                 \
    "oSXv0fbukP8J5N80LCmzT/FFBvIvTB91XuXI3hYfP9Zt1l7S6ieVadHUfqBedWH0itrtPJBgKmrWso="

static const int64_t T_TIME = 1388957500; /* 2014-01-05T21:31:40Z */

static ism_oci_key *test_key(void)
{
    ism_error e = {0};
    ism_oci_key *k = ism_oci_key_from_pem(T_KEY, strlen(T_KEY), NULL, "the test key", &e);
    ck_assert_msg(k, "%s", e.message);
    return k;
}

START_TEST(known_answer_get)
{
    ism_oci_key *k = test_key();
    ism_http_headers h = {0};
    ism_http_headers_set(&h, "Date", T_DATE);
    ism_error e = {0};
    ck_assert_msg(ism_oci_sign(T_KEYID, k, "GET", T_URL, NULL, 0, T_TIME, &h, &e), "%s", e.message);
    const char *target = strstr(T_URL, "/20160918");
    char *sts = ism_oci_signing_string("GET", target, &h, "date (request-target) host", &e);
    ck_assert_str_eq(
        sts, "date: " T_DATE "\n(request-target): get /20160918/instances?availabilityDomain"
             "=Pjwf%3A%20PHX-AD-1&compartmentId=ocid1.compartment.oc1..aaaaaaaam3we6vgnhe"
             "rjq5q2idnccdflvjsnog7mlr6rtdb25gilchfeyjxa&displayName=TeamXInstances&volum"
             "eId=ocid1.volume.oc1.phx.abyhqljrgvttnlx73nmrwfaux7kcvzfs3s66izvxf2h4lgvynd"
             "sdsnoiwr5q\nhost: iaas.us-phoenix-1.oraclecloud.com");
    free(sts);
    ck_assert_str_eq(
        ism_http_headers_get(&h, "authorization"),
        "Signature version=\"1\",headers=\"date (request-target) host\",keyId=\"" T_KEYID
        "\",algorithm=\"rsa-sha256\",signature=\"" T_SIG1 "\"");
    ck_assert_ptr_null(ism_http_headers_get(&h, "x-content-sha256"));
    ism_http_headers_clear(&h);
    ism_oci_key_free(k);
}
END_TEST

START_TEST(known_answer_post)
{
    ck_assert_uint_eq(strlen(T_BODY), 316);
    ism_oci_key *k = test_key();
    ism_http_headers h = {0};
    ism_http_headers_set(&h, "Date", T_DATE);
    ism_error e = {0};
    ck_assert(ism_oci_sign(T_KEYID, k, "POST", T_URL2, T_BODY, strlen(T_BODY), T_TIME, &h, &e));
    ck_assert_str_eq(ism_http_headers_get(&h, "x-content-sha256"),
                     "V9Z20UJTvkvpJ50flBzKE32+6m2zJjweHpDMX/U4Uy0=");
    ck_assert_str_eq(ism_http_headers_get(&h, "content-length"), "316");
    ck_assert_str_eq(ism_http_headers_get(&h, "content-type"), "application/json");
    ck_assert_str_eq(ism_http_headers_get(&h, "authorization"),
                     "Signature version=\"1\",headers=\"date (request-target) host content-length "
                     "content-type x-content-sha256\",keyId=\"" T_KEYID
                     "\",algorithm=\"rsa-sha256\",signature=\"" T_SIG2 "\"");
    ism_http_headers_clear(&h);
    /* An empty body still gets the body headers (the SDK's SignEmptyBody case). */
    ck_assert(ism_oci_sign(T_KEYID, k, "PUT", T_URL2, NULL, 0, T_TIME, &h, &e));
    ck_assert_str_eq(ism_http_headers_get(&h, "content-length"), "0");
    ck_assert_str_eq(ism_http_headers_get(&h, "x-content-sha256"),
                     "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
    ism_http_headers_clear(&h);
    ism_oci_key_free(k);
}
END_TEST

START_TEST(date_host_and_port)
{
    ism_oci_key *k = test_key();
    ism_http_headers h = {0};
    ism_error e = {0};
    ck_assert(ism_oci_sign("a/b/c", k, "GET", "http://127.0.0.1:8123/x/20160918/users?limit=5",
                           NULL, 0, T_TIME, &h, &e));
    ck_assert_str_eq(ism_http_headers_get(&h, "date"), "Sun, 05 Jan 2014 21:31:40 GMT");
    ck_assert_str_eq(ism_http_headers_get(&h, "host"), "127.0.0.1:8123");
    ism_http_headers_clear(&h);
    ck_assert(!ism_oci_sign("a/b/c", k, "GET", "not-a-url", NULL, 0, T_TIME, &h, &e));
    ck_assert(!ism_oci_sign("a/b/c", NULL, "GET", T_URL, NULL, 0, T_TIME, &h, &e));
    ism_error_clear(&e);
    ism_http_headers_clear(&h);
    ism_oci_key_free(k);
}
END_TEST

/* ---- the verifier ---------------------------------------------------------------------------- */
static ism_oci_key *g_pub;
static const ism_oci_key *lookup(const char *key_id, void *arg)
{
    (void)arg;
    return !strcmp(key_id, T_KEYID) ? g_pub : NULL;
}

static ism_oci_key *pub_of(const ism_oci_key *k)
{
    char *pem = ism_oci_key_public_pem(k);
    ck_assert_ptr_nonnull(pem);
    ism_error e = {0};
    ism_oci_key *p = ism_oci_pubkey_from_pem(pem, strlen(pem), "pub", &e);
    free(pem);
    ck_assert_ptr_nonnull(p);
    return p;
}

static bool verify(const char *method, const char *target, ism_http_headers *h, const char *body,
                   int64_t now, ism_oci_verify_result *r)
{
    return ism_oci_verify(method, target, h, body, body ? strlen(body) : 0, now, 300, lookup, NULL,
                          r);
}

START_TEST(verify_round_trip_and_rejections)
{
    ism_oci_key *k = test_key();
    g_pub = pub_of(k);
    ism_oci_verify_result r;
    ism_error e = {0};
    const char *target = "/20160918/volumeAttachments";
    ism_http_headers h = {0};
    ck_assert(ism_oci_sign(T_KEYID, k, "POST", T_URL2, T_BODY, strlen(T_BODY), T_TIME, &h, &e));
    ck_assert_msg(verify("POST", target, &h, T_BODY, T_TIME + 10, &r), "%s", r.message);
    ck_assert_str_eq(r.key_id, T_KEYID);
    /* the body changed */
    ck_assert(!verify("POST", target, &h, "{}", T_TIME, &r));
    ck_assert_str_eq(r.code, "NotAuthenticated");
    ck_assert_ptr_nonnull(strstr(r.message, "x-content-sha256"));
    /* another path */
    ck_assert(!verify("POST", "/20160918/volumes", &h, T_BODY, T_TIME, &r));
    ck_assert_ptr_nonnull(strstr(r.message, "does not verify"));
    /* the method changed */
    ck_assert(!verify("PUT", target, &h, T_BODY, T_TIME, &r));
    /* too old, too new */
    ck_assert(!verify("POST", target, &h, T_BODY, T_TIME + 301, &r));
    ck_assert_ptr_nonnull(strstr(r.message, "clock skew"));
    ck_assert(!verify("POST", target, &h, T_BODY, T_TIME - 301, &r));
    ism_http_headers_clear(&h);
    /* an unknown key */
    ck_assert(ism_oci_sign("t/u/f", k, "GET", T_URL, NULL, 0, T_TIME, &h, &e));
    ck_assert(!verify("GET", strstr(T_URL, "/2016"), &h, NULL, T_TIME, &r));
    ck_assert_ptr_nonnull(strstr(r.message, "not a registered"));
    ism_http_headers_clear(&h);
    /* a GET verifies; a tampered host does not */
    ck_assert(ism_oci_sign(T_KEYID, k, "GET", T_URL, NULL, 0, T_TIME, &h, &e));
    ck_assert_msg(verify("GET", strstr(T_URL, "/2016"), &h, NULL, T_TIME, &r), "%s", r.message);
    ism_http_headers_set(&h, "Host", "evil.example");
    ck_assert(!verify("GET", strstr(T_URL, "/2016"), &h, NULL, T_TIME, &r));
    ism_http_headers_clear(&h);
    /* a POST signed like a GET (no body headers in the list) */
    ism_http_headers_set(&h, "Date", T_DATE);
    ism_http_headers_set(
        &h, "Authorization",
        "Signature version=\"1\",headers=\"date (request-target) host\",keyId=\"" T_KEYID
        "\",algorithm=\"rsa-sha256\",signature=\"" T_SIG1 "\"");
    ism_http_headers_set(&h, "Host", "iaas.us-phoenix-1.oraclecloud.com");
    ck_assert(!verify("POST", target, &h, T_BODY, T_TIME, &r));
    ck_assert_ptr_nonnull(strstr(r.message, "content-length"));
    /* no Authorization, a foreign algorithm */
    ism_http_headers_remove(&h, "Authorization");
    ck_assert(!verify("GET", target, &h, NULL, T_TIME, &r));
    ism_http_headers_set(
        &h, "Authorization",
        "Signature version=\"1\",headers=\"date (request-target) host\",keyId=\"" T_KEYID
        "\",algorithm=\"hmac-sha256\",signature=\"AAAA\"");
    ck_assert(!verify("GET", target, &h, NULL, T_TIME, &r));
    ck_assert_ptr_nonnull(strstr(r.message, "algorithm"));
    ism_http_headers_clear(&h);
    ism_oci_key_free(g_pub);
    ism_oci_key_free(k);
}
END_TEST

/* ---- profiles ------------------------------------------------------------------------------- */
static char *g_dir;

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

/* A fresh 2048-bit key written to dir/name: encrypted with pass (NULL: clear), traditional
 * (PKCS#1) or PKCS#8. Returns its fingerprint. */
static void new_key(const char *name, const char *pass, bool traditional, char fp[48])
{
    EVP_PKEY *pk = EVP_RSA_gen(2048);
    ck_assert_ptr_nonnull(pk);
    char *path = ism_strdupf("%s/%s", g_dir, name);
    BIO *f = BIO_new_file(path, "w");
    ck_assert_ptr_nonnull(f);
    const EVP_CIPHER *c = pass ? EVP_aes_256_cbc() : NULL;
    int len = pass ? (int)strlen(pass) : 0;
    int ok =
        traditional
            ? PEM_write_bio_PrivateKey_traditional(f, pk, c, (unsigned char *)pass, len, NULL, NULL)
            : PEM_write_bio_PrivateKey(f, pk, c, (unsigned char *)pass, len, NULL, NULL);
    ck_assert_int_eq(ok, 1);
    BIO_free(f);
    free(path);
    unsigned char *der = NULL;
    int n = i2d_PUBKEY(pk, &der);
    unsigned char md[16];
    unsigned int ml;
    EVP_Digest(der, (size_t)n, md, &ml, EVP_md5(), NULL);
    for (int i = 0; i < 16; i++)
        snprintf(fp + i * 3, 4, i < 15 ? "%02x:" : "%02x", md[i]);
    OPENSSL_free(der);
    EVP_PKEY_free(pk);
}

static const char *ENV_VARS[] = {"OCI_CLI_PROFILE",     "OCI_CLI_CONFIG_FILE",
                                 "OCI_CLI_USER",        "OCI_CLI_TENANCY",
                                 "OCI_CLI_FINGERPRINT", "OCI_CLI_KEY_FILE",
                                 "OCI_CLI_KEY_CONTENT", "OCI_CLI_PASSPHRASE",
                                 "OCI_CLI_REGION",      NULL};

static void setup(void)
{
    g_dir = tu_tempdir("oci-auth");
    for (int i = 0; ENV_VARS[i]; i++)
        unsetenv(ENV_VARS[i]);
    setenv("HOME", g_dir, 1);
}

static void teardown(void)
{
    tu_rmtree(g_dir);
    free(g_dir);
}

START_TEST(profile_default_and_inheritance)
{
    char fp1[48], fp2[48];
    new_key("k1.pem", NULL, false, fp1);
    new_key("k2.pem", "s3cret pass", false, fp2);
    char *cfg = ism_strdupf("%s/config", g_dir);
    char *text = ism_strdupf("# a comment\n[DEFAULT]\nuser = ocid1.user.oc1..u1\n"
                             "tenancy=ocid1.tenancy.oc1..t\nfingerprint = %s\n"
                             "key_file = ~/k1.pem\nregion = ap-tokyo-1\n\n"
                             "[audit]\nuser = ocid1.user.oc1..u2\nfingerprint = %s\n"
                             "key_file = %s/k2.pem\npass_phrase = s3cret pass\n",
                             fp1, fp2, g_dir);
    write_file(cfg, text);
    ism_oci_profile p;
    ism_error e = {0};
    ck_assert_msg(ism_oci_profile_load(NULL, cfg, &p, &e), "%s", e.message);
    ck_assert_str_eq(p.name, "DEFAULT");
    ck_assert_str_eq(p.region, "ap-tokyo-1");
    char *kid = ism_strdupf("ocid1.tenancy.oc1..t/ocid1.user.oc1..u1/%s", fp1);
    ck_assert_str_eq(p.key_id, kid);
    free(kid);
    ism_oci_profile_free(&p);
    /* a named profile inherits tenancy and region from DEFAULT; its key is encrypted */
    ck_assert_msg(ism_oci_profile_load("audit", cfg, &p, &e), "%s", e.message);
    kid = ism_strdupf("ocid1.tenancy.oc1..t/ocid1.user.oc1..u2/%s", fp2);
    ck_assert_str_eq(p.key_id, kid);
    free(kid);
    ck_assert_str_eq(p.region, "ap-tokyo-1");
    /* the profile signs requests a verifier with its public key accepts */
    ism_http_headers h = {0};
    ck_assert(ism_oci_sign(p.key_id, p.key, "GET", "http://127.0.0.1:1/20160918/users", NULL, 0,
                           T_TIME, &h, &e));
    g_pub = pub_of(p.key);
    ism_oci_verify_result r;
    ck_assert(ism_oci_verify("GET", "/20160918/users", &h, NULL, 0, T_TIME, 300, lookup, NULL,
                             &r) == false); /* another keyId than the lookup knows */
    ism_oci_key_free(g_pub);
    ism_http_headers_clear(&h);
    ism_oci_profile_free(&p);
    /* OCI_CLI_PROFILE chooses; OCI_CLI_CONFIG_FILE locates */
    setenv("OCI_CLI_PROFILE", "audit", 1);
    setenv("OCI_CLI_CONFIG_FILE", cfg, 1);
    ck_assert_msg(ism_oci_profile_load(NULL, NULL, &p, &e), "%s", e.message);
    ck_assert_str_eq(p.name, "audit");
    ism_oci_profile_free(&p);
    /* OCI_CLI_* override the file */
    setenv("OCI_CLI_REGION", "ap-osaka-1", 1);
    setenv("OCI_CLI_USER", "ocid1.user.oc1..envuser", 1);
    ck_assert(ism_oci_profile_load(NULL, NULL, &p, &e));
    ck_assert_str_eq(p.region, "ap-osaka-1");
    ck_assert_ptr_nonnull(strstr(p.key_id, "/ocid1.user.oc1..envuser/"));
    ism_oci_profile_free(&p);
    free(text);
    free(cfg);
}
END_TEST

START_TEST(profile_errors_name_what)
{
    char fp1[48], fp2[48];
    new_key("k1.pem", "right", true, fp1);
    new_key("k2.pem", NULL, false, fp2);
    char *cfg = ism_strdupf("%s/config", g_dir);
    char *text = ism_strdupf("[DEFAULT]\nuser = u\ntenancy = t\nfingerprint = %s\n"
                             "key_file = %s/k1.pem\n"
                             "[wrongpass]\npass_phrase = Hunter2xyz\n"
                             "[goodpass]\npass_phrase = right\n"
                             "[mismatch]\nkey_file = %s/k2.pem\n"
                             "[nokey]\nkey_file =\n"
                             "[nofile]\nkey_file = %s/absent.pem\n",
                             fp1, g_dir, g_dir, g_dir);
    write_file(cfg, text);
    ism_oci_profile p;
    ism_error e = {0};
    /* encrypted (traditional PEM) and no pass_phrase */
    ck_assert(!ism_oci_profile_load(NULL, cfg, &p, &e));
    ck_assert_msg(strstr(e.message, "encrypted") && strstr(e.message, "k1.pem"), "%s", e.message);
    ck_assert(!ism_oci_profile_load("wrongpass", cfg, &p, &e));
    ck_assert_msg(strstr(e.message, "does not decrypt"), "%s", e.message);
    ck_assert_ptr_null(strstr(e.message, "Hunter2xyz")); /* never the passphrase */
    ck_assert_msg(ism_oci_profile_load("goodpass", cfg, &p, &e), "%s", e.message);
    ism_oci_profile_free(&p);
    ck_assert(!ism_oci_profile_load("mismatch", cfg, &p, &e));
    ck_assert_msg(strstr(e.message, "is not the key's"), "%s", e.message);
    ck_assert(!ism_oci_profile_load("nofile", cfg, &p, &e));
    ck_assert_msg(strstr(e.message, "absent.pem") && strstr(e.message, "cannot be read"), "%s",
                  e.message);
    ck_assert(!ism_oci_profile_load("other", cfg, &p, &e));
    ck_assert_msg(strstr(e.message, "'other' is not in"), "%s", e.message);
    /* a missing setting names it and its variable */
    write_file(cfg, "[DEFAULT]\nuser = u\nfingerprint = f\nkey_file = x\n");
    ck_assert(!ism_oci_profile_load(NULL, cfg, &p, &e));
    ck_assert_msg(strstr(e.message, "'tenancy'") && strstr(e.message, "OCI_CLI_TENANCY"), "%s",
                  e.message);
    /* a malformed line names the file and line, not its content */
    write_file(cfg, "[DEFAULT]\nuser = u\n\nthis line has a secret\n");
    ck_assert(!ism_oci_profile_load(NULL, cfg, &p, &e));
    ck_assert_msg(strstr(e.message, ":4:") && !strstr(e.message, "secret"), "%s", e.message);
    /* a config file named but absent; none at all and no environment */
    ck_assert(!ism_oci_profile_load(NULL, "/nonexistent/config", &p, &e));
    ck_assert_msg(strstr(e.message, "does not exist"), "%s", e.message);
    ck_assert(!ism_oci_profile_load(NULL, NULL, &p, &e));
    ck_assert_msg(strstr(e.message, "OCI_CLI_USER"), "%s", e.message);
    /* the environment alone, the key in OCI_CLI_KEY_CONTENT */
    char *k2 = ism_strdupf("%s/k2.pem", g_dir);
    char *pem = ism_read_file(k2, 1 << 16, NULL, &e);
    free(k2);
    ck_assert_ptr_nonnull(pem);
    setenv("OCI_CLI_USER", "ocid1.user.oc1..eu", 1);
    setenv("OCI_CLI_TENANCY", "ocid1.tenancy.oc1..et", 1);
    setenv("OCI_CLI_FINGERPRINT", fp2, 1);
    setenv("OCI_CLI_KEY_CONTENT", pem, 1);
    ck_assert_msg(ism_oci_profile_load(NULL, NULL, &p, &e), "%s", e.message);
    ck_assert_str_eq(p.config_file, "");
    ism_oci_profile_free(&p);
    free(pem);
    ism_error_clear(&e);
    free(text);
    free(cfg);
}
END_TEST

START_TEST(fingerprint_of_key)
{
    /* The published test key's fingerprint, as `openssl rsa -pubout -outform DER | openssl md5
     * -c` gives it. */
    ism_oci_key *k = test_key();
    char fp[48];
    ck_assert(ism_oci_key_fingerprint(k, fp));
    ck_assert_str_eq(fp, "73:61:a2:21:67:e0:df:be:7e:4b:93:1e:15:98:a5:b7");
    ism_oci_key_free(k);
    ism_error e = {0};
    ck_assert_ptr_null(ism_oci_key_from_pem("junk", 4, NULL, "x", &e));
    ck_assert_ptr_null(ism_oci_pubkey_from_pem("junk", 4, "x", &e));
    ism_error_clear(&e);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("oci_auth");
    TCase *tc = tcase_create("sign");
    tcase_add_test(tc, known_answer_get);
    tcase_add_test(tc, known_answer_post);
    tcase_add_test(tc, date_host_and_port);
    tcase_add_test(tc, verify_round_trip_and_rejections);
    tcase_add_test(tc, fingerprint_of_key);
    suite_add_tcase(s, tc);
    TCase *tp = tcase_create("profile");
    tcase_add_checked_fixture(tp, setup, teardown);
    tcase_add_test(tp, profile_default_and_inheritance);
    tcase_add_test(tp, profile_errors_name_what);
    suite_add_tcase(s, tp);
    return tu_run_suite(s);
}
