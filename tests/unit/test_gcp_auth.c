/* test_gcp_auth.c — Google Cloud credentials: key-file parsing and its errors, base64url, the
 * RS256 signature against a known answer made with the openssl command line (an independent
 * signer: PKCS#1 v1.5 is deterministic), the JWT assertion's header and claims and its
 * verification (every way it can be wrong), the token endpoint's and generateAccessToken's
 * answers, the cache's refresh margin, which errors are throttling, and workload identity
 * federation's external_account files and STS exchange. */
#include "ismap/gcp.h"
#include "testutil.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static ism_gcp_key key;

static void load_key(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/fixtures/gcp/sa-key.json", tu_source_dir());
    ism_error e = {0};
    ck_assert_msg(ism_gcp_key_load(path, &key, &e), "%s", e.message);
}

static void free_key(void)
{
    ism_gcp_key_free(&key);
}

START_TEST(key_fields)
{
    ck_assert_str_eq(key.client_email, "ismap-scanner@minato-sec-tools.iam.gserviceaccount.com");
    ck_assert_str_eq(key.private_key_id, "0f3c1d2e4b5a69788796a5b4c3d2e1f001122334");
    ck_assert_str_eq(key.token_uri, "https://oauth2.googleapis.com/token");
    ck_assert_str_eq(key.project_id, "minato-sec-tools");
}
END_TEST

static void bad_key(const char *json, const char *needle)
{
    ism_gcp_key k;
    ism_error e = {0};
    ck_assert(!ism_gcp_key_parse(json, strlen(json), "k.json", &k, &e));
    ck_assert_int_eq(e.code, ISM_E_INVALID_DATA);
    ck_assert_msg(strstr(e.message, needle) && strstr(e.message, "k.json"), "%s", e.message);
    ism_error_clear(&e);
}

START_TEST(key_errors)
{
    bad_key("[1]", "not a JSON object");
    bad_key("{\"type\":\"authorized_user\"}", "not 'service_account'");
    bad_key("{\"type\":\"service_account\",\"private_key\":\"x\"}", "'client_email'");
    bad_key("{\"type\":\"service_account\",\"client_email\":\"a@b\",\"private_key_id\":\"k\","
            "\"private_key\":\"secret-not-pem\"}",
            "not a PEM");
    bad_key("{\"type\":\"service_account\",\"client_email\":\"a@b\",\"private_key_id\":\"k\","
            "\"private_key\":\"-----BEGIN PRIVATE KEY-----\\n\",\"token_uri\":\"ftp://x\"}",
            "token_uri");
    /* the value of a wrong field is never echoed */
    ism_gcp_key k;
    ism_error e = {0};
    const char *j = "{\"type\":\"service_account\",\"client_email\":\"a@b\",\"private_key_id\":"
                    "\"k\",\"private_key\":\"TOPSECRET\"}";
    ck_assert(!ism_gcp_key_parse(j, strlen(j), "k.json", &k, &e));
    ck_assert(!strstr(e.message, "TOPSECRET"));
    ism_error_clear(&e);
    /* token_uri defaults to Google's */
    j = "{\"type\":\"service_account\",\"client_email\":\"a@b\",\"private_key_id\":\"k\","
        "\"private_key\":\"-----BEGIN PRIVATE KEY-----\\n\"}";
    ck_assert(ism_gcp_key_parse(j, strlen(j), "k.json", &k, &e));
    ck_assert_str_eq(k.token_uri, ISM_GCP_DEFAULT_TOKEN_URI);
    ck_assert_ptr_null(k.project_id);
    ism_gcp_key_free(&k);
}
END_TEST

START_TEST(key_path_env)
{
    unsetenv("GOOGLE_APPLICATION_CREDENTIALS");
    ck_assert_ptr_null(ism_gcp_key_path(NULL));
    ck_assert_str_eq(ism_gcp_key_path("/p/k.json"), "/p/k.json");
    setenv("GOOGLE_APPLICATION_CREDENTIALS", "/env/k.json", 1);
    ck_assert_str_eq(ism_gcp_key_path(NULL), "/env/k.json");
    ck_assert_str_eq(ism_gcp_key_path(""), "/env/k.json");
    ck_assert_str_eq(ism_gcp_key_path("/p/k.json"), "/p/k.json");
    unsetenv("GOOGLE_APPLICATION_CREDENTIALS");
}
END_TEST

START_TEST(b64url)
{
    /* RFC 4648 §10 vectors, url alphabet, no padding */
    const char *in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    const char *out[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
    for (int i = 0; i < 7; i++) {
        char *b = ism_gcp_b64url(in[i], strlen(in[i]));
        ck_assert_str_eq(b, out[i]);
        size_t n;
        unsigned char *d = ism_gcp_b64url_decode(b, strlen(b), &n);
        ck_assert_uint_eq(n, strlen(in[i]));
        ck_assert_str_eq((char *)d, in[i]);
        free(b);
        free(d);
    }
    unsigned char bin[] = {0xfb, 0xff, 0xfe};
    char *b = ism_gcp_b64url(bin, 3);
    ck_assert_str_eq(b, "-__-");
    free(b);
    ck_assert_ptr_null(ism_gcp_b64url_decode("a+b/", 4, NULL));
    ck_assert_ptr_null(ism_gcp_b64url_decode("abcde", 5, NULL));
}
END_TEST

/* `openssl dgst -sha256 -sign key.pem` over the input, base64url: recorded once. */
START_TEST(rs256_known_answer)
{
    const char *input = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJqb2UifQ";
    const char *want =
        "yYhkf4n-AMy-QKA7rpklT7Cnt9fFPNElKKiZ0m9umQBa1X8iDN79XTPplYU6b00uPc5OQDaIr4wdRp2f5L3E2f-"
        "FDThuuXlcKxLgC-EoZf3ovgChfm9408d6rjF1du1IbRJ5ygukcstykFnP6nmlToDjIo6lYK4ghf6haN6h6hNME1"
        "VPjWljcKDtwK2XlTqjCy10mnSqsahYMo-4J89XnomV0bNh55_kqBSr1WAIQOKMGkzeUFxrny4Vrx6Mkgqn-hy56R"
        "RPiz4rO18U8D-WLkhh4MHI-UCyGFK8cCbvzdll8ns3gaO_ooZVxUjhohQnBWEKDXnt7J8P6TyEKUVxbA";
    ism_error e = {0};
    char *sig = ism_gcp_rs256_sign(key.private_key, input, strlen(input), &e);
    ck_assert_msg(sig, "%s", e.message);
    ck_assert_str_eq(sig, want);
    free(sig);
}
END_TEST

START_TEST(jwt_assertion)
{
    ism_error e = {0};
    char *jwt = ism_gcp_jwt_assertion(&key, ISM_GCP_SCOPE, 1764963600, &e);
    ck_assert_msg(jwt, "%s", e.message);
    json_t *claims = ism_gcp_jwt_verify(jwt, key.private_key, &e);
    ck_assert_msg(claims, "%s", e.message);
    ck_assert_str_eq(ism_json_getstr(claims, "iss"), key.client_email);
    ck_assert_str_eq(ism_json_getstr(claims, "aud"), "https://oauth2.googleapis.com/token");
    ck_assert_str_eq(ism_json_getstr(claims, "scope"), ISM_GCP_SCOPE);
    ck_assert_int_eq(json_integer_value(json_object_get(claims, "iat")), 1764963600);
    ck_assert_int_eq(json_integer_value(json_object_get(claims, "exp")), 1764963600 + 3600);
    json_decref(claims);
    /* the header */
    size_t n;
    unsigned char *h = ism_gcp_b64url_decode(jwt, (size_t)(strchr(jwt, '.') - jwt), &n);
    ck_assert_str_eq((char *)h,
                     "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"0f3c1d2e4b5a69788796a5b4c3d2e1f"
                     "001122334\"}");
    free(h);

    /* tampered claims, a cut signature, alg none, not three parts, another key */
    char *t = strdup(jwt);
    char *c = strchr(t, '.') + 5;
    *c = *c == 'A' ? 'B' : 'A';
    ck_assert_ptr_null(ism_gcp_jwt_verify(t, key.private_key, &e));
    ck_assert_int_eq(e.code, ISM_E_UNAUTHENTICATED);
    ism_error_clear(&e);
    free(t);
    t = strdup(jwt);
    t[strlen(t) - 3] = '\0';
    ck_assert_ptr_null(ism_gcp_jwt_verify(t, key.private_key, &e));
    ism_error_clear(&e);
    free(t);
    char *none = ism_gcp_b64url("{\"alg\":\"none\"}", 14);
    t = ism_strdupf("%s%s", none, strchr(jwt, '.'));
    ck_assert_ptr_null(ism_gcp_jwt_verify(t, key.private_key, &e));
    ck_assert(strstr(e.message, "RS256"));
    ism_error_clear(&e);
    free(t);
    free(none);
    ck_assert_ptr_null(ism_gcp_jwt_verify("a.b", key.private_key, &e));
    ism_error_clear(&e);
    const char *other = "-----BEGIN PUBLIC KEY-----\n"
                        "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDWFE5InFzW8TGVNB6d+TkkvIdu\n"
                        "ZkxfPVOLh3rQNkOwlnodho8YsVi8hyLmH8tT8BgWoj4dbwor82IFA6CykjaZtlU3\n"
                        "hvqvXJIGwj8DOB1F/LC3iXAUUsD0/mmnzMB16NCoCMnD+hhp4p/RgvavAAXyhlia\n"
                        "iDZ7FBPNKrQ0EB65vQIDAQAB\n"
                        "-----END PUBLIC KEY-----\n";
    ck_assert_ptr_null(ism_gcp_jwt_verify(jwt, other, &e));
    ism_error_clear(&e);
    free(jwt);
}
END_TEST

START_TEST(grant_and_impersonation_shapes)
{
    char *b = ism_gcp_grant_body("a.b.c");
    ck_assert_str_eq(b, "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer"
                        "&assertion=a.b.c");
    free(b);
    char *u = ism_gcp_impersonate_url("http://127.0.0.1:9/", "scan@p.iam.gserviceaccount.com");
    ck_assert_str_eq(u, "http://127.0.0.1:9/v1/projects/-/serviceAccounts/"
                        "scan@p.iam.gserviceaccount.com:generateAccessToken");
    free(u);
    b = ism_gcp_impersonate_body(ISM_GCP_SCOPE, 3600);
    ck_assert_str_eq(b, "{\"scope\":[\"https://www.googleapis.com/auth/cloud-platform\"],"
                        "\"lifetime\":\"3600s\"}");
    free(b);
}
END_TEST

START_TEST(token_answers)
{
    ism_gcp_token t = {0};
    ism_error e = {0};
    ck_assert(ism_gcp_token_parse(
        "{\"access_token\":\"ya29.x\",\"expires_in\":3599,\"token_type\":\"Bearer\"}", 1000, &t,
        &e));
    ck_assert_str_eq(t.access_token, "ya29.x");
    ck_assert_int_eq(t.expires_s, 4599);
    ck_assert(!ism_gcp_token_parse("{\"error\":\"invalid_grant\",\"error_description\":"
                                   "\"Invalid JWT Signature.\"}",
                                   1000, &t, &e));
    ck_assert(strstr(e.message, "invalid_grant") && strstr(e.message, "Invalid JWT Signature"));
    ism_error_clear(&e);
    ck_assert(!ism_gcp_token_parse("{\"access_token\":\"x\"}", 1000, &t, &e));
    ck_assert(strstr(e.message, "expires_in"));
    ism_error_clear(&e);
    ck_assert(!ism_gcp_token_parse("not json", 1000, &t, &e));
    ism_error_clear(&e);

    int64_t now = ism_gcp_parse_time("2026-12-05T19:00:00Z");
    ck_assert_int_eq(now, 1796497200);
    ck_assert_int_eq(ism_gcp_parse_time("2026-12-05T19:00:00.123456Z"), now);
    ck_assert_int_eq(ism_gcp_parse_time("2026-12-05T19:00:00+00:00"), now);
    ck_assert_int_eq(ism_gcp_parse_time("2026-12-05T19:00:00+09:00"), -1);
    ck_assert_int_eq(ism_gcp_parse_time("2026-13-05T19:00:00Z"), -1);
    ck_assert(ism_gcp_impersonated_parse(
        "{\"accessToken\":\"ya29.imp\",\"expireTime\":\"2026-12-05T20:00:00Z\"}", now, &t, &e));
    ck_assert_str_eq(t.access_token, "ya29.imp");
    ck_assert_int_eq(t.expires_s, now + 3600);
    ck_assert(!ism_gcp_impersonated_parse(
        "{\"accessToken\":\"x\",\"expireTime\":\"2026-12-05T18:00:00Z\"}", now, &t, &e));
    ism_error_clear(&e);
}
END_TEST

/* Workload identity federation: the external_account file (Google's documented fields), its
 * errors, the subject token out of a text or json source, and the STS exchange's form body. */
START_TEST(external_account)
{
    static const char file_src[] =
        "{\"type\":\"external_account\",\"audience\":\"//iam.googleapis.com/projects/1/locations/"
        "global/workloadIdentityPools/p/providers/o\",\"subject_token_type\":\"urn:ietf:params:"
        "oauth:token-type:jwt\",\"token_url\":\"https://sts.googleapis.com/v1/token\","
        "\"service_account_impersonation_url\":\"https://iamcredentials.googleapis.com/v1/"
        "projects/-/serviceAccounts/scan@p.iam.gserviceaccount.com:generateAccessToken\","
        "\"credential_source\":{\"file\":\"/var/run/token\"}}";
    ism_gcp_key k;
    ism_error e = {0};
    ck_assert_msg(ism_gcp_key_parse(file_src, strlen(file_src), "wif.json", &k, &e), "%s",
                  e.message);
    ck_assert(k.external);
    ck_assert_str_eq(k.client_email, "scan@p.iam.gserviceaccount.com");
    ck_assert_str_eq(k.token_uri, "https://sts.googleapis.com/v1/token");
    ck_assert_str_eq(k.source_file, "/var/run/token");
    ck_assert_ptr_null(k.source_url);
    char *sub = ism_gcp_subject_token(&k, "  eyJ.a.b\n", 10, &e);
    ck_assert_str_eq(sub, "eyJ.a.b");
    char *b = ism_gcp_sts_body(&k, sub, ISM_GCP_SCOPE);
    ck_assert_str_eq(b, "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange"
                        "&audience=%2F%2Fiam.googleapis.com%2Fprojects%2F1%2Flocations%2Fglobal"
                        "%2FworkloadIdentityPools%2Fp%2Fproviders%2Fo"
                        "&scope=https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fcloud-platform"
                        "&requested_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3A"
                        "access_token&subject_token=eyJ.a.b"
                        "&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Ajwt");
    free(b);
    free(sub);
    ck_assert_ptr_null(ism_gcp_subject_token(&k, " \n", 2, &e));
    ck_assert(strstr(e.message, "empty"));
    ism_error_clear(&e);
    ism_gcp_key_free(&k);

    static const char url_src[] =
        "{\"type\":\"external_account\",\"audience\":\"aud\",\"subject_token_type\":\"urn:ietf:"
        "params:oauth:token-type:jwt\",\"credential_source\":{\"url\":\"http://169.254.169.254/"
        "token\",\"headers\":{\"Metadata\":\"true\"},\"format\":{\"type\":\"json\","
        "\"subject_token_field_name\":\"access_token\"}}}";
    ck_assert_msg(ism_gcp_key_parse(url_src, strlen(url_src), "wif.json", &k, &e), "%s", e.message);
    ck_assert_str_eq(k.token_uri, ISM_GCP_DEFAULT_STS_URL);
    ck_assert_ptr_null(k.impersonation_url);
    ck_assert_str_eq(k.client_email, "aud");
    ck_assert_str_eq(json_string_value(json_object_get(k.source_headers, "Metadata")), "true");
    sub = ism_gcp_subject_token(&k, "{\"access_token\":\"tok\"}", 22, &e);
    ck_assert_str_eq(sub, "tok");
    free(sub);
    ck_assert_ptr_null(ism_gcp_subject_token(&k, "{\"id_token\":\"tok\"}", 18, &e));
    ck_assert(strstr(e.message, "'access_token'"));
    ism_error_clear(&e);
    ism_gcp_key_free(&k);

    /* what is wrong, and where */
    static const char *const bad[][2] = {
        {"{\"type\":\"external_account\",\"subject_token_type\":\"t\",\"credential_source\":"
         "{\"file\":\"f\"}}",
         "'audience'"},
        {"{\"type\":\"external_account\",\"audience\":\"a\",\"subject_token_type\":\"t\"}",
         "'credential_source'"},
        {"{\"type\":\"external_account\",\"audience\":\"a\",\"subject_token_type\":\"t\","
         "\"credential_source\":{\"executable\":{\"command\":\"x\"}}}",
         "a 'file' or a 'url'"},
        {"{\"type\":\"external_account\",\"audience\":\"a\",\"subject_token_type\":\"t\","
         "\"credential_source\":{\"file\":\"f\",\"format\":{\"type\":\"xml\"}}}",
         "'text' or 'json'"},
        {"{\"type\":\"external_account\",\"audience\":\"a\",\"subject_token_type\":\"t\","
         "\"credential_source\":{\"file\":\"f\"},\"service_account_impersonation_url\":"
         "\"https://x/v1/nothing\"}",
         "generateAccessToken URL"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_msg(!ism_gcp_key_parse(bad[i][0], strlen(bad[i][0]), "wif.json", &k, &e),
                      "case %zu parsed", i);
        ck_assert_msg(strstr(e.message, bad[i][1]) && strstr(e.message, "wif.json"), "case %zu: %s",
                      i, e.message);
        ism_error_clear(&e);
    }
}
END_TEST

START_TEST(cache_margin)
{
    ism_gcp_token t = {.access_token = "x", .issued_s = 1000, .expires_s = 1000 + 3600};
    ck_assert(ism_gcp_token_fresh(&t, 1000));
    ck_assert(ism_gcp_token_fresh(&t, 1000 + 3600 - 301));
    ck_assert(!ism_gcp_token_fresh(&t, 1000 + 3600 - 300));
    ck_assert(!ism_gcp_token_fresh(&t, 1000 + 4000));
    /* a short-lived token: half its life */
    t = (ism_gcp_token){.access_token = "x", .issued_s = 0, .expires_s = 60};
    ck_assert(ism_gcp_token_fresh(&t, 29));
    ck_assert(!ism_gcp_token_fresh(&t, 30));
    t = (ism_gcp_token){0};
    ck_assert(!ism_gcp_token_fresh(&t, 0));
}
END_TEST

static ism_http_class classify(long status, const char *body)
{
    ism_http_result r = {.status = status, .body = (char *)body, .body_len = strlen(body)};
    ism_http_class d = status >= 500 ? ISM_HTTP_SERVER_ERROR : ISM_HTTP_CLIENT_ERROR;
    return ism_gcp_http_classify(&r, d, NULL);
}

START_TEST(throttling)
{
    ck_assert_int_eq(classify(429, "{\"error\":{\"code\":429,\"message\":\"Quota exceeded\","
                                   "\"status\":\"RESOURCE_EXHAUSTED\"}}"),
                     ISM_HTTP_THROTTLED);
    ck_assert_int_eq(classify(403, "{\"error\":{\"code\":403,\"message\":\"Rate Limit Exceeded\","
                                   "\"errors\":[{\"message\":\"Rate Limit Exceeded\",\"domain\":"
                                   "\"usageLimits\",\"reason\":\"rateLimitExceeded\"}]}}"),
                     ISM_HTTP_THROTTLED);
    ck_assert_int_eq(classify(403,
                              "{\"error\":{\"code\":403,\"message\":\"denied\",\"status\":"
                              "\"PERMISSION_DENIED\",\"errors\":[{\"reason\":\"forbidden\"}]}}"),
                     ISM_HTTP_CLIENT_ERROR);
    ck_assert_int_eq(classify(501, "{\"error\":{\"code\":501,\"status\":\"UNIMPLEMENTED\"}}"),
                     ISM_HTTP_SERVER_ERROR); /* the engine never retries a 501 */
    ism_gcp_error_info i;
    const char *oauth = "{\"error\":\"invalid_grant\",\"error_description\":\"bad\"}";
    ck_assert(ism_gcp_parse_error(oauth, strlen(oauth), &i));
    ck_assert_str_eq(i.status, "invalid_grant");
    ck_assert(!ism_gcp_parse_error("<html>", 6, &i));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("gcp_auth");
    TCase *t = tcase_create("auth");
    tcase_add_checked_fixture(t, load_key, free_key);
    tcase_add_test(t, key_fields);
    tcase_add_test(t, key_errors);
    tcase_add_test(t, key_path_env);
    tcase_add_test(t, b64url);
    tcase_add_test(t, rs256_known_answer);
    tcase_add_test(t, jwt_assertion);
    tcase_add_test(t, grant_and_impersonation_shapes);
    tcase_add_test(t, token_answers);
    tcase_add_test(t, cache_margin);
    tcase_add_test(t, external_account);
    tcase_add_test(t, throttling);
    suite_add_tcase(s, t);
    return tu_run_suite(s);
}
