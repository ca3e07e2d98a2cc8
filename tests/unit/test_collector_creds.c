/* test_collector_creds.c — the AWS collector's credentials: environment keys, the shared
 * credentials and config files (profiles, [profile x] sections, role_arn + source_profile +
 * external_id chains, credential_source), refused settings, messages that never carry a secret,
 * redaction, and the sources' AssumeRole body, expiry margin and invalidation. */
#include "ismap/aws.h"
#include "testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char *dir;

#define SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

static void write_file(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "w");
    ck_assert(fp != NULL);
    fputs(text, fp);
    fclose(fp);
}

static void setup(void)
{
    dir = tu_tempdir("awscreds");
    char p[512];
    snprintf(p, sizeof p, "%s/credentials", dir);
    setenv("AWS_SHARED_CREDENTIALS_FILE", p, 1);
    snprintf(p, sizeof p, "%s/config", dir);
    setenv("AWS_CONFIG_FILE", p, 1);
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    unsetenv("AWS_SESSION_TOKEN");
    unsetenv("AWS_PROFILE");
    unsetenv("AWS_REGION");
    unsetenv("AWS_DEFAULT_REGION");
}

static void teardown(void)
{
    tu_rmtree(dir);
    free(dir);
}

START_TEST(environment_keys)
{
    setenv("AWS_ACCESS_KEY_ID", "AKIAENVENVENVENV0001", 1);
    setenv("AWS_SECRET_ACCESS_KEY", SECRET, 1);
    setenv("AWS_SESSION_TOKEN", "tok", 1);
    setenv("AWS_DEFAULT_REGION", "ap-northeast-3", 1);
    ism_aws_profile p;
    ism_error e = {0};
    ck_assert_msg(ism_aws_profile_load(NULL, &p, &e), "%s", e.message);
    ck_assert_str_eq(p.access_key, "AKIAENVENVENVENV0001");
    ck_assert_str_eq(p.secret_key, SECRET);
    ck_assert_str_eq(p.session_token, "tok");
    ck_assert_str_eq(p.region, "ap-northeast-3");
    ck_assert_int_eq(p.nhops, 0);
    ck_assert(strstr(p.source, "environment") != NULL);
    ism_aws_profile_free(&p);
    ck_assert(p.access_key == NULL);
    /* AWS_REGION wins over AWS_DEFAULT_REGION. */
    setenv("AWS_REGION", "ap-northeast-1", 1);
    ck_assert(ism_aws_profile_load(NULL, &p, &e));
    ck_assert_str_eq(p.region, "ap-northeast-1");
    ism_aws_profile_free(&p);
}
END_TEST

START_TEST(default_and_named_profiles)
{
    write_file("credentials", "# comment\n[default]\naws_access_key_id = AKIADEFAULT000000001\n"
                              "aws_secret_access_key=" SECRET "\n\n"
                              "[audit]\nAWS_Access_Key_Id = AKIAAUDIT00000000001 \n"
                              "aws_secret_access_key = s2\naws_session_token = t2\n");
    write_file("config", "[default]\nregion = ap-northeast-1\n"
                         "[profile audit]\nregion = ap-northeast-3\n"
                         "s3 =\n  max_concurrent_requests = 20\n");
    ism_aws_profile p;
    ism_error e = {0};
    ck_assert_msg(ism_aws_profile_load(NULL, &p, &e), "%s", e.message);
    ck_assert_str_eq(p.name, "default");
    ck_assert_str_eq(p.access_key, "AKIADEFAULT000000001");
    ck_assert_str_eq(p.secret_key, SECRET);
    ck_assert_ptr_null(p.session_token);
    ck_assert_str_eq(p.region, "ap-northeast-1");
    ism_aws_profile_free(&p);

    ck_assert_msg(ism_aws_profile_load("audit", &p, &e), "%s", e.message);
    ck_assert_str_eq(p.access_key, "AKIAAUDIT00000000001");
    ck_assert_str_eq(p.session_token, "t2");
    ck_assert_str_eq(p.region, "ap-northeast-3");
    ck_assert(strstr(p.source, "audit") != NULL);
    ck_assert(strstr(p.source, SECRET) == NULL);
    ism_aws_profile_free(&p);

    /* AWS_PROFILE picks one when none is named... */
    setenv("AWS_PROFILE", "audit", 1);
    ck_assert(ism_aws_profile_load(NULL, &p, &e));
    ck_assert_str_eq(p.access_key, "AKIAAUDIT00000000001");
    ism_aws_profile_free(&p);
    /* ...but environment keys win over it, and a named profile wins over them. */
    setenv("AWS_ACCESS_KEY_ID", "AKIAENVENVENVENV0001", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
    ck_assert(ism_aws_profile_load(NULL, &p, &e));
    ck_assert_str_eq(p.access_key, "AKIAENVENVENVENV0001");
    ism_aws_profile_free(&p);
    ck_assert(ism_aws_profile_load("default", &p, &e));
    ck_assert_str_eq(p.access_key, "AKIADEFAULT000000001");
    ism_aws_profile_free(&p);

    ck_assert(!ism_aws_profile_load("nosuch", &p, &e));
    ck_assert_int_eq(e.code, ISM_E_CONFIG);
    ck_assert(strstr(e.message, "nosuch") != NULL);
    ism_error_clear(&e);
}
END_TEST

START_TEST(role_chains)
{
    write_file("credentials", "[base]\naws_access_key_id = AKIABASE000000000001\n"
                              "aws_secret_access_key = " SECRET "\n");
    write_file("config",
               "[profile base]\nregion = ap-northeast-1\n"
               "[profile mgmt]\nrole_arn = arn:aws:iam::111111111111:role/Audit\n"
               "source_profile = base\nexternal_id = ext-123\nrole_session_name = me\n"
               "duration_seconds = 1800\n"
               "[profile deep]\nrole_arn = arn:aws:iam::222222222222:role/Deeper\n"
               "source_profile = mgmt\n"
               "[profile self]\nrole_arn = arn:aws:iam::333333333333:role/Self\n"
               "source_profile = self\naws_access_key_id = AKIASELF000000000001\n"
               "aws_secret_access_key = selfsecret\n"
               "[profile envsrc]\nrole_arn = arn:aws:iam::444444444444:role/FromEnv\n"
               "credential_source = Environment\n"
               "[profile loop1]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = loop2\n"
               "[profile loop2]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = loop1\n");
    ism_aws_profile p;
    ism_error e = {0};
    ck_assert_msg(ism_aws_profile_load("mgmt", &p, &e), "%s", e.message);
    ck_assert_str_eq(p.access_key, "AKIABASE000000000001");
    ck_assert_int_eq(p.nhops, 1);
    ck_assert_str_eq(p.hops[0].role_arn, "arn:aws:iam::111111111111:role/Audit");
    ck_assert_str_eq(p.hops[0].external_id, "ext-123");
    ck_assert_str_eq(p.hops[0].session_name, "me");
    ck_assert_int_eq(p.hops[0].duration_s, 1800);
    ck_assert_str_eq(p.region, "ap-northeast-1"); /* from the source profile */
    ism_aws_profile_free(&p);

    /* Two hops, in the order they are assumed: base → mgmt's role → deep's role. */
    ck_assert_msg(ism_aws_profile_load("deep", &p, &e), "%s", e.message);
    ck_assert_int_eq(p.nhops, 2);
    ck_assert_str_eq(p.hops[0].role_arn, "arn:aws:iam::111111111111:role/Audit");
    ck_assert_str_eq(p.hops[1].role_arn, "arn:aws:iam::222222222222:role/Deeper");
    ck_assert_ptr_null(p.hops[1].external_id);
    ism_aws_profile_free(&p);

    ck_assert_msg(ism_aws_profile_load("self", &p, &e), "%s", e.message);
    ck_assert_str_eq(p.access_key, "AKIASELF000000000001");
    ck_assert_int_eq(p.nhops, 1);
    ism_aws_profile_free(&p);

    ck_assert(!ism_aws_profile_load("envsrc", &p, &e));
    ck_assert(strstr(e.message, "AWS_ACCESS_KEY_ID") != NULL);
    ism_error_clear(&e);
    setenv("AWS_ACCESS_KEY_ID", "AKIAENVENVENVENV0001", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
    ck_assert_msg(ism_aws_profile_load("envsrc", &p, &e), "%s", e.message);
    ck_assert_str_eq(p.access_key, "AKIAENVENVENVENV0001");
    ck_assert_int_eq(p.nhops, 1);
    ism_aws_profile_free(&p);

    ck_assert(!ism_aws_profile_load("loop1", &p, &e));
    ck_assert(strstr(e.message, "circular") != NULL);
    ism_error_clear(&e);
}
END_TEST

START_TEST(refusals_and_secret_free_errors)
{
    write_file("credentials", "[half]\naws_access_key_id = AKIAHALF000000000001\n"
                              "[broken]\nthis line has the secret " SECRET "\n");
    write_file("config", "[profile sso]\nsso_start_url = https://x.awsapps.com/start\n"
                         "[profile mfa]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = half\n"
                         "mfa_serial = arn:aws:iam::1:mfa/u\n"
                         "[profile imds]\nrole_arn = arn:aws:iam::1:role/r\n"
                         "credential_source = Ec2InstanceMetadata\n"
                         "[profile norole]\nregion = ap-northeast-1\n");
    ism_aws_profile p;
    ism_error e = {0};
    /* A malformed file is an error naming the file and line, never echoing it. */
    ck_assert(!ism_aws_profile_load("half", &p, &e));
    ck_assert(strstr(e.message, "credentials:4") != NULL);
    ck_assert(strstr(e.message, SECRET) == NULL);
    ism_error_clear(&e);
    write_file("credentials", "[half]\naws_access_key_id = AKIAHALF000000000001\n");
    ck_assert(!ism_aws_profile_load("half", &p, &e));
    ck_assert(strstr(e.message, "aws_secret_access_key") != NULL);
    ism_error_clear(&e);
    static const char *const refused[][2] = {{"sso", "sso_start_url"},
                                             {"mfa", "mfa_serial"},
                                             {"imds", "Ec2InstanceMetadata"},
                                             {"norole", "no aws_access_key_id"}};
    for (size_t i = 0; i < 4; i++) {
        ck_assert(!ism_aws_profile_load(refused[i][0], &p, &e));
        ck_assert_msg(strstr(e.message, refused[i][1]) != NULL, "%s: %s", refused[i][0], e.message);
        ism_error_clear(&e);
    }
    /* No files and no environment: say where we looked. */
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/creds", 1);
    setenv("AWS_CONFIG_FILE", "/nonexistent/config", 1);
    ck_assert(!ism_aws_profile_load(NULL, &p, &e));
    ck_assert(strstr(e.message, "/nonexistent/creds") != NULL);
    ism_error_clear(&e);
}
END_TEST

START_TEST(redaction)
{
    char a[] = "<Credentials><AccessKeyId>ASIAQWERTYUIOPASDFGH</AccessKeyId>"
               "<SecretAccessKey>" SECRET "</SecretAccessKey><SessionToken>FwoGZXIvYXdzE+/="
               "</SessionToken></Credentials>";
    ism_aws_redact(a);
    ck_assert(strstr(a, SECRET) == NULL);
    ck_assert(strstr(a, "FwoGZXIvYXdzE") == NULL);
    ck_assert(strstr(a, "ASIAQWERTY") == NULL);
    ck_assert(strstr(a, "ASIA****") != NULL);
    char b[] = "{\"SecretAccessKey\": \"abc/def+\", \"x\": 1} aws_session_token = zzz9";
    ism_aws_redact(b);
    ck_assert(strstr(b, "abc/def") == NULL && strstr(b, "zzz9") == NULL);
    ck_assert(strstr(b, "\"x\": 1") != NULL);
    /* Error codes that merely contain a word are left alone. */
    char c[] = "SignatureDoesNotMatch: The request signature we calculated does not match";
    ism_aws_redact(c);
    ck_assert_str_eq(c, "SignatureDoesNotMatch: The request signature we calculated does not "
                        "match");
    char d[] = "Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20150830/"
               "us-east-1/iam/aws4_request, SignedHeaders=host, Signature=5d672d79c15b";
    ism_aws_redact(d);
    ck_assert(strstr(d, "IOSFODNN7") == NULL && strstr(d, "5d672d79") == NULL);
    ism_aws_redact(NULL);
}
END_TEST

START_TEST(sources)
{
    ism_aws_source *base = ism_aws_source_static("AKIABASE000000000001", SECRET, NULL);
    ism_aws_credentials cr;
    unsigned gen = 99;
    ism_error e = {0};
    ck_assert(ism_aws_source_get(base, &cr, &gen, &e));
    ck_assert_str_eq(cr.access_key, "AKIABASE000000000001");
    ck_assert_ptr_null(cr.session_token);
    ck_assert_uint_eq(gen, 0);
    ck_assert(!ism_aws_source_needs_refresh(base, time(NULL) + 100000));
    ck_assert_int_eq(ism_aws_source_ttl(base, time(NULL)), -1);
    ck_assert_ptr_null(ism_aws_source_role_arn(base));

    ism_aws_role_hop hop = {.role_arn = "arn:aws:iam::123456789012:role/Audit Role",
                            .external_id = "ext&id"};
    ism_http_config hc = {.allow_http_loopback = true, .max_attempts = 1};
    ism_aws_sts_config sts = {"http://127.0.0.1:1", "ap-northeast-1", &hc};
    ism_aws_source *role = ism_aws_source_role(base, true, &hop, &sts);
    ck_assert_ptr_eq(ism_aws_source_parent(role), base);
    ck_assert(ism_aws_source_needs_refresh(role, time(NULL)));
    char *body = ism_aws_source_assume_body(role);
    ck_assert_msg(strstr(body, "Action=AssumeRole&Version=2011-06-15") == body, "%s", body);
    ck_assert(strstr(body, "&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2FAudit%20Role"));
    ck_assert(strstr(body, "&ExternalId=ext%26id"));
    ck_assert(strstr(body, "&DurationSeconds=3600"));
    ck_assert(strstr(body, "&RoleSessionName=ismap-assess-"));
    free(body);

    /* Credentials that live 100 s are renewed in their last fifth. */
    time_t now = time(NULL);
    char exp[32];
    struct tm tm;
    time_t t = now + 100;
    gmtime_r(&t, &tm);
    strftime(exp, sizeof exp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_t *out =
        json_pack("{s:{s:s, s:s, s:s, s:s}}", "Credentials", "AccessKeyId", "ASIAROLE000000000001",
                  "SecretAccessKey", "rs", "SessionToken", "rt", "Expiration", exp);
    ck_assert(ism_aws_source_set_assumed(role, out, &e));
    json_decref(out);
    ck_assert(!ism_aws_source_needs_refresh(role, now));
    ck_assert(!ism_aws_source_needs_refresh(role, now + 75));
    ck_assert(ism_aws_source_needs_refresh(role, now + 85));
    ck_assert_uint_eq(ism_aws_source_generation(role), 1);
    ck_assert(ism_aws_source_get(role, &cr, &gen, &e));
    ck_assert_str_eq(cr.access_key, "ASIAROLE000000000001");
    ck_assert_str_eq(cr.session_token, "rt");
    ck_assert_uint_eq(gen, 1);
    long ttl = ism_aws_source_ttl(role, now);
    ck_assert(ttl >= 99 && ttl <= 100);
    /* An ExpiredToken on an older issue is ignored; on the current one it forces renewal. */
    ism_aws_source_invalidate(role, 0);
    ck_assert(!ism_aws_source_needs_refresh(role, now));
    ism_aws_source_invalidate(role, 1);
    ck_assert(ism_aws_source_needs_refresh(role, now));
    /* Renewal against a port nobody listens on fails with a clear message, no secret. */
    ck_assert(!ism_aws_source_get(role, &cr, &gen, &e));
    ck_assert(strstr(e.message, "AssumeRole arn:aws:iam::123456789012:role/Audit Role") != NULL);
    ck_assert(strstr(e.message, SECRET) == NULL);
    ism_error_clear(&e);

    out = json_pack("{s:{s:s}}", "Credentials", "AccessKeyId", "x");
    ck_assert(!ism_aws_source_set_assumed(role, out, &e));
    ism_error_clear(&e);
    json_decref(out);
    ism_aws_source_free(role); /* frees base too: own_parent */
}
END_TEST

START_TEST(profile_to_source_chain)
{
    write_file("credentials", "[base]\naws_access_key_id = AKIABASE000000000001\n"
                              "aws_secret_access_key = " SECRET "\n");
    write_file("config",
               "[profile deep]\nrole_arn = arn:aws:iam::1:role/A\nsource_profile = mid\n"
               "[profile mid]\nrole_arn = arn:aws:iam::1:role/B\nsource_profile = base\n");
    ism_aws_profile p;
    ism_error e = {0};
    ck_assert(ism_aws_profile_load("deep", &p, &e));
    ism_aws_sts_config sts = {NULL, "ap-northeast-1", NULL};
    ism_aws_source *s = ism_aws_source_from_profile(&p, &sts, &e);
    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(ism_aws_source_role_arn(s), "arn:aws:iam::1:role/A");
    ism_aws_source *mid = ism_aws_source_parent(s);
    ck_assert_str_eq(ism_aws_source_role_arn(mid), "arn:aws:iam::1:role/B");
    ck_assert_ptr_null(ism_aws_source_role_arn(ism_aws_source_parent(mid)));
    ism_aws_source_free(s);
    ism_aws_profile_free(&p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("collector_creds");
    TCase *tc = tcase_create("creds");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, environment_keys);
    tcase_add_test(tc, default_and_named_profiles);
    tcase_add_test(tc, role_chains);
    tcase_add_test(tc, refusals_and_secret_free_errors);
    tcase_add_test(tc, redaction);
    tcase_add_test(tc, sources);
    tcase_add_test(tc, profile_to_source_chain);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
