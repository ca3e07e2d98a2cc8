/* test_collect_endpoint.c — who may point a collection at another endpoint (issue 11 item 5):
 * only an admin, and only to a host in the daemon's collect.endpoint_allow; through
 * ism_rpc_handle as a remote auditor, a remote admin and the local socket. */
#include "ismap/aws.h"
#include "ismap/provider.h"
#include "ismap/jobs.h"
#include "ismap/rpc.h"
#include "ismap/store.h"
#include "testutil.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static char *dir;
static ism_store *st;
static ism_jobs *jobs;
static ism_rpc_app app;
static const char *const allow[] = {"127.0.0.1", "localhost", NULL};

static void setup(void)
{
    dir = tu_tempdir("endpoint");
    char *path = ism_strdupf("%s/ismap.db", dir);
    ism_error e = {0};
    st = ism_store_open(path, &e);
    free(path);
    ck_assert_ptr_nonnull(st);
    jobs = ism_jobs_new(st, 1, NULL, NULL);
    app = (ism_rpc_app){.store = st,
                        .jobs = jobs,
                        .data_dir = dir,
                        .max_msg = 1 << 20,
                        .contexts = 1,
                        .workers = 1,
                        .collect_endpoint_allow = allow};
}

static void teardown(void)
{
    ism_jobs_free(jobs);
    ism_store_close(st);
    tu_rmtree(dir);
    free(dir);
}

/* The reply's error code ("ok" when none) and message. */
static char *call(const char *token, bool local, const char *endpoint, char *msg, size_t n)
{
    json_t *params = json_object();
    if (endpoint) json_object_set_new(params, "endpoint_url", json_string(endpoint));
    json_t *req = json_pack("{s:s, s:s, s:s?, s:o}", "op", "collect.aws", "id", "t", "token", token,
                            "params", params);
    char *t = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    char *r = ism_rpc_handle(&app, t, strlen(t), local);
    free(t);
    json_t *j = json_loads(r, 0, NULL);
    free(r);
    ck_assert_ptr_nonnull(j);
    json_t *err = json_object_get(j, "error");
    ism_strlcpy(msg, err ? ism_json_getstr(err, "message") : "", n);
    char *code = strdup(err ? ism_json_getstr(err, "code") : "ok");
    json_decref(j);
    return code;
}

static char *token_for(const char *role)
{
    json_t *req = json_pack("{s:s, s:s, s:{s:s, s:s, s:s}}", "op", "token.create", "id", "t",
                            "params", "name", role, "role", role, "org", "city");
    char *t = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    char *r = ism_rpc_handle(&app, t, strlen(t), true);
    free(t);
    json_t *j = json_loads(r, 0, NULL);
    free(r);
    const char *tok = ism_json_getstr(json_object_get(j, "result"), "token");
    ck_assert_msg(tok != NULL, "token.create failed");
    char *copy = strdup(tok);
    json_decref(j);
    return copy;
}

START_TEST(only_admins_and_only_allowed_hosts)
{
    char msg[512];
    char *auditor = token_for("auditor");
    /* An auditor may collect, but not choose where the signed requests go. */
    char *code = call(auditor, false, "http://127.0.0.1:9/", msg, sizeof msg);
    ck_assert_str_eq(code, "permission_denied");
    ck_assert_ptr_nonnull(strstr(msg, "only an admin"));
    free(code);
    code = call(auditor, false, "https://collector.attacker.example/", msg, sizeof msg);
    ck_assert_str_eq(code, "permission_denied");
    free(code);
    /* An auditor without an override is not refused for that reason. */
    code = call(auditor, false, NULL, msg, sizeof msg);
    ck_assert_str_ne(code, "permission_denied");
    free(code);
    /* The local admin: only hosts in the allow-list. */
    code = call(NULL, true, "https://collector.attacker.example/", msg, sizeof msg);
    ck_assert_str_eq(code, "permission_denied");
    ck_assert_ptr_nonnull(strstr(msg, "collect.endpoint_allow"));
    ck_assert_ptr_nonnull(strstr(msg, "collector.attacker.example"));
    free(code);
    code = call(NULL, true, "https://127.0.0.1.attacker.example/", msg, sizeof msg);
    ck_assert_str_eq(code, "permission_denied");
    free(code);
    code = call(NULL, true, "https://user@127.0.0.1/", msg, sizeof msg);
    ck_assert_str_ne(code, "ok");
    free(code);
    code = call(NULL, true, "http://127.0.0.1:9/", msg, sizeof msg);
    ck_assert_msg(strcmp(code, "permission_denied") != 0, "%s: %s", code, msg);
    free(code);
    code = call(NULL, true, "http://LOCALHOST:9/", msg, sizeof msg);
    ck_assert_msg(strcmp(code, "permission_denied") != 0, "%s: %s", code, msg);
    free(code);
    /* No allow-list configured: no override at all, whoever asks. */
    app.collect_endpoint_allow = NULL;
    code = call(NULL, true, "http://127.0.0.1:9/", msg, sizeof msg);
    ck_assert_str_eq(code, "permission_denied");
    free(code);
    free(auditor);
}
END_TEST

START_TEST(allowed_hosts_as_a_function)
{
    ism_error e = {0};
    const char *const v6[] = {"::1", NULL};
    ck_assert(ism_collect_endpoint_allowed("http://[::1]:8080/", v6, &e));
    ck_assert(ism_collect_endpoint_allowed("http://127.0.0.1/x", allow, &e));
    ck_assert(!ism_collect_endpoint_allowed("http://127.0.0.2/", allow, &e));
    ck_assert_int_eq(e.code, ISM_E_PERMISSION_DENIED);
    ism_error_clear(&e);
    ck_assert(!ism_collect_endpoint_allowed("ftp://127.0.0.1/", allow, &e));
    ck_assert_int_eq(e.code, ISM_E_INVALID_PARAMS);
    ism_error_clear(&e);
    ck_assert(!ism_collect_endpoint_allowed("http://127.0.0.1/", NULL, &e));
    ism_error_clear(&e);
}
END_TEST

int main(void)
{
    ism_log_open(NULL, ISM_LOG_ERROR, NULL);
    Suite *s = suite_create("collect_endpoint");
    TCase *tc = tcase_create("endpoint");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, only_admins_and_only_allowed_hosts);
    tcase_add_test(tc, allowed_hosts_as_a_function);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
