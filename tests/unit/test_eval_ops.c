/* test_eval_ops.c — the eval room seen from outside: the ops checks.list, checks.show and
 * eval.snapshot through ism_rpc_handle (params, roles), ismapd loading the checks at start
 * (and refusing to start on a bad one, naming the file), and ismapctl's checks and eval
 * commands against a running ismapd. */
#include "ismap/catalog.h"
#include "ismap/eval.h"
#include "ismap/rpc.h"
#include "ismap/snapshot.h"
#include "ismap/store.h"
#include "snapfix.h"
#include "testutil.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

static ism_catalog_set *cats;
static ism_eval_checks *checks;
static char *tmp, *snap_path;

/* The base tenant with root MFA off in the workload account, sealed at tmp/tenant.db. */
static void setup(void)
{
    tmp = tu_tempdir("evalops");
    ism_error e = {0};
    char *base = ism_strdupf("%s/tests/fixtures/snapshots/base.json", tu_source_dir());
    json_t *fx = snapfix_read(base, &e);
    free(base);
    json_t *patch = json_loads("{\"set\": [{\"type\": \"iam.CredentialReport\", \"id\": "
                               "\"<root_account>\", \"account\": \"111122223333\", \"data\": "
                               "{\"mfa_active\": \"false\"}}]}",
                               0, NULL);
    ck_assert(snapfix_patch(fx, patch, &e));
    snap_path = ism_strdupf("%s/tenant.db", tmp);
    ck_assert_msg(snapfix_build(fx, snap_path, &e), "%s", e.message);
    json_decref(patch);
    json_decref(fx);
}

static void teardown(void)
{
    tu_rmtree(tmp);
    free(tmp);
    free(snap_path);
}

/* One request through the one way in; returns the reply envelope. */
static json_t *handle(ism_rpc_app *app, const char *op, json_t *params, const char *token)
{
    json_t *req = json_pack("{s:s, s:s, s:o}", "op", op, "id", "t1", "params", params);
    if (token) json_object_set_new(req, "token", json_string(token));
    char *msg = json_dumps(req, JSON_COMPACT);
    char *reply = ism_rpc_handle(app, msg, strlen(msg), token == NULL);
    json_t *r = json_loads(reply, 0, NULL);
    free(reply);
    free(msg);
    json_decref(req);
    return r;
}

START_TEST(ops_list_show_and_evaluate)
{
    ism_rpc_app app = {.checks = checks, .catalogs = cats, .max_msg = ISM_RPC_DEFAULT_MAX_MSG};
    json_t *r = handle(&app, "checks.list", json_pack("{s:s}", "provider", "aws"), NULL);
    ck_assert_str_eq(tu_code(r), "ok");
    ck_assert_int_ge(json_array_size(json_object_get(r, "result")), 40);
    json_decref(r);
    r = handle(&app, "checks.show", json_pack("{s:s}", "id", "aws-net-mynumber-no-igw"), NULL);
    ck_assert_str_eq(tu_code(r), "ok");
    ck_assert_ptr_nonnull(
        strstr(ism_json_getstr(json_object_get(r, "result"), "query"), "aws_vpc_domains"));
    json_decref(r);
    r = handle(&app, "checks.show", json_pack("{s:s}", "id", "nope"), NULL);
    ck_assert_str_eq(tu_code(r), "not_found");
    json_decref(r);

    r = handle(&app, "eval.snapshot", json_pack("{s:s, s:s}", "path", snap_path, "status", "fail"),
               NULL);
    ck_assert_str_eq(tu_code(r), "ok");
    json_t *res = json_object_get(r, "result");
    json_t *fs = json_object_get(res, "findings");
    ck_assert_int_eq(json_array_size(fs), 1);
    ck_assert_str_eq(ism_json_getstr(json_array_get(fs, 0), "check"), "aws-iam-root-mfa");
    ck_assert_str_eq(ism_json_getstr(res, "path"), snap_path);
    ck_assert_int_ge(json_array_size(json_object_get(res, "checks")), 40);
    json_decref(r);
    /* Summary only. */
    r = handle(
        &app, "eval.snapshot",
        json_pack("{s:s, s:i, s:[s]}", "path", snap_path, "limit", 0, "checks", "aws-iam-root-mfa"),
        NULL);
    ck_assert_str_eq(tu_code(r), "ok");
    ck_assert_ptr_null(json_object_get(json_object_get(r, "result"), "findings"));
    json_decref(r);
}
END_TEST

START_TEST(ops_refuse_bad_params)
{
    ism_rpc_app app = {.checks = checks, .catalogs = cats, .max_msg = ISM_RPC_DEFAULT_MAX_MSG};
    struct {
        json_t *params;
        const char *code;
    } cases[] = {
        {json_pack("{s:s}", "path", "tenant.db"), "invalid_params"},
        {json_pack("{}"), "invalid_params"},
        {json_pack("{s:s, s:s}", "path", snap_path, "id", "snap_x"), "invalid_params"},
        {json_pack("{s:s, s:s}", "path", snap_path, "status", "maybe"), "invalid_params"},
        {json_pack("{s:s, s:[i]}", "path", snap_path, "checks", 3), "invalid_params"},
        {json_pack("{s:s, s:[s]}", "path", snap_path, "checks", "aws-nope"), "not_found"},
        {json_pack("{s:s}", "path", "/nonexistent/snapshot.db"), "not_found"},
        {json_pack("{s:s}", "id", "snap_x"), "unavailable"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        json_t *r = handle(&app, "eval.snapshot", cases[i].params, NULL);
        ck_assert_msg(!strcmp(tu_code(r), cases[i].code), "case %zu: %s", i, tu_code(r));
        json_decref(r);
    }
    ism_rpc_app none = {.max_msg = ISM_RPC_DEFAULT_MAX_MSG};
    json_t *r = handle(&none, "checks.list", json_object(), NULL);
    ck_assert_str_eq(tu_code(r), "unavailable");
    json_decref(r);
}
END_TEST

START_TEST(ops_roles)
{
    ism_error e = {0};
    char *db = ism_strdupf("%s/store.db", tmp);
    const ism_store_schema rooms[] = {*ism_snapshot_schema()};
    ism_store *st = ism_store_open_with(db, rooms, 1, &e);
    ck_assert_msg(st != NULL, "%s", e.message);
    char viewer[80], auditor[80];
    ism_token_info info;
    ck_assert(ism_store_token_create(st, "v", ISM_ROLE_VIEWER, "city-a", viewer, &info, &e));
    ck_assert(ism_store_token_create(st, "a", ISM_ROLE_AUDITOR, "city-a", auditor, &info, &e));
    ism_rpc_app app = {
        .store = st, .checks = checks, .catalogs = cats, .max_msg = ISM_RPC_DEFAULT_MAX_MSG};
    json_t *r = handle(&app, "checks.list", json_object(), viewer);
    ck_assert_str_eq(tu_code(r), "ok");
    json_decref(r);
    r = handle(&app, "eval.snapshot", json_pack("{s:s}", "path", snap_path), viewer);
    ck_assert_str_eq(tu_code(r), "permission_denied");
    json_decref(r);
    /* Remote callers never name files on the daemon's host (issue 11 item 3). */
    r = handle(&app, "eval.snapshot", json_pack("{s:s, s:i}", "path", snap_path, "limit", 3),
               auditor);
    ck_assert_str_eq(tu_code(r), "permission_denied");
    json_decref(r);
    r = handle(&app, "eval.snapshot", json_pack("{s:s}", "path", "/etc/passwd"), auditor);
    ck_assert_str_eq(tu_code(r), "permission_denied");
    json_decref(r);
    /* A registered, sealed and signed snapshot by id, seen only by its organization. */
    char *keyf = ism_strdupf("%s/key.pem", tmp);
    ism_signer *signer = ism_signer_load(keyf, &e);
    ck_assert_msg(signer != NULL, "%s", e.message);
    app.signer = signer;
    char sha[65];
    ck_assert(ism_snapshot_file_sha256(snap_path, sha, &e));
    char *stmt = ism_snapshot_seal_statement("snap_t1", "aws", sha);
    char *sig = ism_signer_sign(signer, stmt, strlen(stmt), &e);
    ck_assert_msg(ism_snapshot_register(st, "snap_t1", "aws", snap_path, NULL, "city-a", NULL, &e),
                  "%s", e.message);
    ck_assert_msg(ism_snapshot_record_seal(st, "snap_t1", sha, sig, NULL, &e), "%s", e.message);
    r = handle(&app, "eval.snapshot",
               json_pack("{s:s, s:s, s:i}", "id", "snap_t1", "status", "fail", "limit", 3),
               auditor);
    ck_assert_str_eq(tu_code(r), "ok");
    json_t *res = json_object_get(r, "result");
    ck_assert_int_eq(json_array_size(json_object_get(res, "findings")), 1);
    ck_assert(json_is_true(json_object_get(res, "verified")));
    ck_assert_str_eq(ism_json_getstr(res, "sha256"), sha);
    ck_assert_ptr_null(json_object_get(res, "path"));
    json_decref(r);
    char other[80];
    ck_assert(ism_store_token_create(st, "o", ISM_ROLE_AUDITOR, "city-b", other, &info, &e));
    r = handle(&app, "eval.snapshot", json_pack("{s:s}", "id", "snap_t1"), other);
    ck_assert_str_eq(tu_code(r), "not_found");
    json_decref(r);
    /* A changed file is refused with a typed error, not evaluated (issue 9 item 7). */
    sqlite3 *db3;
    ck_assert_int_eq(sqlite3_open(snap_path, &db3), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(db3,
                                  "UPDATE resources SET data=json_set(data,'$.mfa_active','true') "
                                  "WHERE type='iam.CredentialReport'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db3);
    r = handle(&app, "eval.snapshot", json_pack("{s:s}", "id", "snap_t1"), auditor);
    ck_assert_str_eq(tu_code(r), "integrity_failed");
    ck_assert_ptr_nonnull(
        strstr(ism_json_getstr(json_object_get(r, "error"), "message"), "SHA-256"));
    json_decref(r);
    free(stmt);
    free(sig);
    free(keyf);
    ism_signer_free(signer);
    ism_store_close(st);
    free(db);
}
END_TEST

/* Runs ismapctl with args against url; returns its exit status and output (malloc'd). */
static int ctl(const char *url, const char *args, char **out)
{
    const char *bin = getenv("ISMAPCTL");
    char *cmd = ism_strdupf("%s --socket %s %s 2>&1", bin ? bin : "ismapctl", url + 6, args);
    FILE *p = popen(cmd, "r");
    size_t cap = 1 << 16, len = 0;
    *out = malloc(cap);
    size_t n;
    while ((n = fread(*out + len, 1, cap - len - 1, p)) > 0) {
        len += n;
        if (cap - len < 4096) *out = realloc(*out, cap *= 2);
    }
    (*out)[len] = '\0';
    int status = pclose(p);
    free(cmd);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

START_TEST(daemon_and_cli)
{
    char *data = ism_strdupf("%s/data", tmp);
    tu_daemon d;
    ck_assert_msg(tu_daemon_start(&d, data, NULL), "ismapd did not start; see %s", d.log);
    char *out;
    ck_assert_int_eq(ctl(d.url, "checks list", &out), 0);
    ck_assert_ptr_nonnull(strstr(out, "aws-net-mynumber-no-igw"));
    ck_assert_ptr_nonnull(strstr(out, "C-4"));
    free(out);
    ck_assert_int_eq(ctl(d.url, "checks show aws-iam-admin-mfa", &out), 0);
    ck_assert_ptr_nonnull(strstr(out, "AdministratorAccess"));
    ck_assert_ptr_nonnull(strstr(out, "SELECT"));
    free(out);
    ck_assert_int_eq(ctl(d.url, "checks show aws-nope", &out), 1);
    free(out);
    char *args = ism_strdupf("eval %s --status fail", snap_path);
    ck_assert_int_eq(ctl(d.url, args, &out), 0);
    ck_assert_ptr_nonnull(strstr(out, "CHECK"));
    ck_assert_ptr_nonnull(strstr(out, "aws-iam-root-mfa"));
    ck_assert_ptr_nonnull(strstr(out, "111122223333"));
    ck_assert_ptr_nonnull(strstr(out, "findings: pass"));
    ck_assert_ptr_null(strstr(out, "aws-iam-admin-mfa"));
    free(out);
    free(args);
    args = ism_strdupf("--json eval %s --check aws-iam-root-mfa", snap_path);
    ck_assert_int_eq(ctl(d.url, args, &out), 0);
    json_t *j = json_loads(out, 0, NULL);
    ck_assert_msg(j != NULL, "not JSON: %s", out);
    ck_assert_int_eq(json_array_size(json_object_get(j, "findings")), 2);
    json_decref(j);
    free(out);
    free(args);
    ck_assert_int_eq(ctl(d.url, "eval /nonexistent/file.db", &out), 2);
    free(out);
    ck_assert_int_eq(tu_daemon_stop(&d), 0);
    free(data);
}
END_TEST

START_TEST(daemon_refuses_a_bad_check)
{
    char *cdir = ism_strdupf("%s/checks", tmp), *aws = ism_strdupf("%s/checks/aws", tmp);
    mkdir(cdir, 0700);
    mkdir(aws, 0700);
    char *file = ism_strdupf("%s/aws-broken.json", aws);
    FILE *fp = fopen(file, "w");
    fputs("{\"id\": \"aws-broken\"}\n", fp);
    fclose(fp);
    char *data = ism_strdupf("%s/data2", tmp);
    const char *extra[] = {"--checks-dir", cdir, NULL};
    tu_daemon d;
    ck_assert(!tu_daemon_start(&d, data, extra));
    ism_error e = {0};
    char *log = ism_read_file(d.log, 1 << 20, NULL, &e);
    ck_assert_msg(log && strstr(log, file), "the log does not name %s: %s", file, log);
    free(log);
    free(d.data_dir);
    free(data);
    free(file);
    free(aws);
    free(cdir);
}
END_TEST

int main(void)
{
    ism_error e = {0};
    char *dir = ism_strdupf("%s/catalog", tu_source_dir());
    cats = ism_catalog_load_cached(dir, getenv("ISMAP_CATALOG_CACHE"), NULL, &e);
    free(dir);
    dir = ism_strdupf("%s/checks", tu_source_dir());
    checks = cats ? ism_eval_load(dir, cats, &e) : NULL;
    free(dir);
    if (!checks) {
        fprintf(stderr, "%s\n", e.message);
        return 1;
    }
    Suite *s = suite_create("eval_ops");
    TCase *t = tcase_create("ops");
    tcase_set_timeout(t, 120);
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, ops_list_show_and_evaluate);
    tcase_add_test(t, ops_refuse_bad_params);
    tcase_add_test(t, ops_roles);
    tcase_add_test(t, daemon_and_cli);
    tcase_add_test(t, daemon_refuses_a_bad_check);
    suite_add_tcase(s, t);
    int failed = tu_run_suite(s);
    ism_eval_free(checks);
    ism_catalog_free(cats);
    return failed;
}
