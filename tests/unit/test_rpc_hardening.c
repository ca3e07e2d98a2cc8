/* test_rpc_hardening.c — issue 11 through ism_rpc_handle: token management scoped to the
 * caller's organization, error replies that stay valid for long non-ASCII text in every op's
 * string fields, and an authenticated request that does not write to the store each time. */
#include "ismap/rpc.h"
#include "testutil.h"

#include <check.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

static char *dir;
static ism_store *st;
static ism_jobs *jobs;
static ism_rpc_app app;

static void setup(void)
{
    dir = tu_tempdir("rpcharden");
    char *path = ism_strdupf("%s/ismap.db", dir);
    ism_error e = {0};
    st = ism_store_open(path, &e);
    free(path);
    ck_assert_ptr_nonnull(st);
    jobs = ism_jobs_new(st, 1, NULL, NULL);
    ck_assert(ism_jobs_register_builtin(jobs, &e));
    app = (ism_rpc_app){.store = st,
                        .jobs = jobs,
                        .data_dir = dir,
                        .snapshots_dir = dir,
                        .files_dir = dir,
                        .max_msg = 1 << 20,
                        .contexts = 1,
                        .workers = 1};
}

static void teardown(void)
{
    ism_jobs_free(jobs);
    ism_store_close(st);
    tu_rmtree(dir);
    free(dir);
}

static json_t *call(const char *op, json_t *params, const char *token)
{
    json_t *req =
        json_pack("{s:s, s:s, s:s?, s:o?}", "op", op, "id", "h1", "token", token, "params", params);
    char *t = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    char *r = ism_rpc_handle(&app, t, strlen(t), token == NULL);
    free(t);
    ck_assert_ptr_nonnull(r);
    json_t *j = json_loads(r, 0, NULL);
    ck_assert_msg(j != NULL, "reply is not JSON: %.200s", r);
    free(r);
    return j;
}

/* Creates a token as the local admin (or as `as`); returns {id, token} (new ref). */
static json_t *token(const char *role, const char *org, const char *as)
{
    json_t *r = call("token.create",
                     json_pack("{s:s, s:s, s:s?}", "name", "t", "role", role, "org", org), as);
    ck_assert_str_eq(tu_code(r), "ok");
    json_t *res = json_incref(json_object_get(r, "result"));
    json_decref(r);
    return res;
}

static const char *tok(const json_t *t)
{
    return ism_json_getstr(t, "token");
}

static void expect(json_t *reply, const char *code)
{
    ck_assert_msg(strcmp(tu_code(reply), code) == 0, "expected %s, got %s", code, tu_code(reply));
    json_decref(reply);
}

START_TEST(org_admin_manages_its_own_org_only)
{
    json_t *global = token("admin", NULL, NULL);
    json_t *a_admin = token("admin", "org-a", NULL);
    json_t *b_view = token("viewer", "org-b", NULL);

    /* No tokens for another organization. */
    expect(call("token.create",
                json_pack("{s:s, s:s, s:s}", "name", "x", "role", "viewer", "org", "org-b"),
                tok(a_admin)),
           "permission_denied");
    /* Its tokens land in its organization, an admin one too (never a global admin). */
    json_t *a_view = token("viewer", NULL, tok(a_admin));
    ck_assert_str_eq(ism_json_getstr(a_view, "org"), "org-a");
    json_t *a_admin2 = token("admin", NULL, tok(a_admin));
    ck_assert_str_eq(ism_json_getstr(a_admin2, "org"), "org-a");

    /* It sees only its organization's tokens. */
    json_t *r = call("token.list", NULL, tok(a_admin));
    ck_assert_str_eq(tu_code(r), "ok");
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(r, "result"), i, t)
        ck_assert_str_eq(ism_json_getstr(t, "org"), "org-a");
    ck_assert_int_eq(json_array_size(json_object_get(r, "result")), 3);
    json_decref(r);

    /* It revokes neither the global admin nor another organization's token... */
    expect(
        call("token.revoke", json_pack("{s:s}", "id", ism_json_getstr(global, "id")), tok(a_admin)),
        "not_found");
    expect(
        call("token.revoke", json_pack("{s:s}", "id", ism_json_getstr(b_view, "id")), tok(a_admin)),
        "not_found");
    expect(call("ping", NULL, tok(global)), "ok");
    expect(call("ping", NULL, tok(b_view)), "ok");
    /* ...but its own organization's. */
    expect(
        call("token.revoke", json_pack("{s:s}", "id", ism_json_getstr(a_view, "id")), tok(a_admin)),
        "ok");
    expect(call("ping", NULL, tok(a_view)), "unauthenticated");
    /* The global admin still manages everything. */
    expect(
        call("token.revoke", json_pack("{s:s}", "id", ism_json_getstr(b_view, "id")), tok(global)),
        "ok");
    r = call("token.list", NULL, tok(global));
    ck_assert_int_eq(json_array_size(json_object_get(r, "result")), 5);
    json_decref(r);
    json_decref(global);
    json_decref(a_admin);
    json_decref(a_admin2);
    json_decref(a_view);
    json_decref(b_view);
}
END_TEST

START_TEST(error_message_truncation_keeps_utf8)
{
    char big[4000] = "";
    while (strlen(big) + 3 < sizeof big)
        strcat(big, "監");
    for (int shift = 0; shift < 3; shift++) {
        ism_error e = {0};
        ism_error_set(&e, ISM_E_INVALID_PARAMS, "%.*sfield 'x': %s", shift, "ab", big);
        json_t *j = ism_error_to_json(&e);
        ck_assert_ptr_nonnull(j);
        ck_assert_ptr_nonnull(ism_json_getstr(j, "message"));
        ck_assert_uint_gt(strlen(ism_json_getstr(j, "message")), 400);
        json_decref(j);
        ism_error_clear(&e);
    }
    /* Bytes that are not UTF-8 at all still give a message. */
    ism_error e = {0};
    ism_error_set(&e, ISM_E_IO, "cannot open %s", "caf\xe9.csv");
    json_t *j = ism_error_to_json(&e);
    ck_assert_str_eq(ism_json_getstr(j, "message"), "cannot open caf?.csv");
    json_decref(j);
}
END_TEST

struct op_ctx {
    const char **names;
    int n;
};

static void collect_op(const ism_op *op, void *ctx)
{
    struct op_ctx *c = ctx;
    if (c->n < 512) c->names[c->n++] = op->name;
}

/* Every op, every string field the ops read, a long Japanese value: each reply is a reply —
 * ok, or an error with a code and a message (never "error": null). */
START_TEST(long_japanese_strings_in_every_op)
{
    static const char *const fields[] = {
        "a",     "as_of",   "assessment",   "b",      "catalog", "check",
        "class", "format",  "framework",    "id",     "item",    "kind",
        "name",  "org",     "organization", "path",   "profile", "provider",
        "role",  "service", "state",        "status", "subject", "text",
        "today", "echo",    "snapshot",     "account"};
    char jp[3000] = "";
    while (strlen(jp) + 13 < sizeof jp)
        strcat(jp, "情報セキ"); /* 12 bytes per round: the cut can fall anywhere in a character */
    const char *names[512];
    struct op_ctx c = {names, 0};
    ism_rpc_foreach_op(collect_op, &c);
    ck_assert_int_gt(c.n, 10);
    int checked = 0;
    for (int i = 0; i < c.n; i++) {
        if (strcmp(names[i], "token.create") == 0 || strncmp(names[i], "collect.", 8) == 0 ||
            strcmp(names[i], "jobs.submit") == 0)
            continue; /* would start real work; their string fields are covered below */
        for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
            for (int cut = 0; cut < 3; cut++) {
                /* A 0-2 byte ASCII prefix moves every cut point across a character. */
                char *v = ism_strdupf("%.*s%s", cut, "ab", jp);
                json_t *p = json_object();
                json_object_set_new(p, fields[f], json_string(v));
                free(v);
                json_t *r = call(names[i], p, NULL);
                json_t *ok = json_object_get(r, "ok");
                ck_assert(json_is_boolean(ok));
                if (!json_is_true(ok)) {
                    json_t *e = json_object_get(r, "error");
                    ck_assert_msg(json_is_object(e), "%s with long %s: error is not an object",
                                  names[i], fields[f]);
                    ck_assert_ptr_nonnull(ism_json_getstr(e, "code"));
                    ck_assert_msg(ism_json_getstr(e, "message") != NULL,
                                  "%s with long %s: no message", names[i], fields[f]);
                }
                json_decref(r);
                checked++;
            }
        }
    }
    ck_assert_int_gt(checked, 100);
    /* token.create and jobs.submit refuse bad values before doing anything. */
    json_t *r = call("token.create", json_pack("{s:s, s:s}", "name", jp, "role", jp), NULL);
    ck_assert(json_is_object(json_object_get(r, "error")));
    json_decref(r);
    r = call("jobs.submit", json_pack("{s:s}", "kind", jp), NULL);
    ck_assert(json_is_object(json_object_get(r, "error")));
    json_decref(r);
}
END_TEST

static long long data_version(sqlite3 *db)
{
    sqlite3_stmt *s;
    sqlite3_prepare_v2(db, "PRAGMA data_version", -1, &s, NULL);
    ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
    long long v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

/* A token used again within the last_used grain costs a read, not a committed write. */
START_TEST(authenticated_requests_do_not_write_each_time)
{
    json_t *t = token("viewer", "org-a", NULL);
    expect(call("ping", NULL, tok(t)), "ok"); /* first use records last_used */
    sqlite3 *other;
    ck_assert_int_eq(sqlite3_open(ism_store_path(st), &other), SQLITE_OK);
    long long before = data_version(other);
    for (int i = 0; i < 20; i++)
        expect(call("ping", NULL, tok(t)), "ok");
    ck_assert_int_eq(data_version(other), before);
    sqlite3_close(other);
    json_t *r = call("token.list", NULL, NULL);
    ck_assert(json_is_string(
        json_object_get(json_array_get(json_object_get(r, "result"), 0), "last_used")));
    json_decref(r);
    json_decref(t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("rpc_hardening");
    TCase *tc = tcase_create("rpc_hardening");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, org_admin_manages_its_own_org_only);
    tcase_add_test(tc, error_message_truncation_keeps_utf8);
    tcase_add_test(tc, long_japanese_strings_in_every_op);
    tcase_add_test(tc, authenticated_requests_do_not_write_each_time);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
