/* test_dispatch.c — the envelope, typed errors, authentication and roles through
 * ism_rpc_handle (the one way in), and the job queue behind the jobs.* ops. */
#include "ismap/rpc.h"
#include "testutil.h"
#include "waitfor.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char *dir;
static ism_store *st;
static ism_jobs *jobs;
static ism_rpc_app app;
static int events_seen;

static void on_event(void *ctx, const char *topic, const json_t *ev)
{
    (void)ctx, (void)ev;
    if (strcmp(topic, "job.finished") == 0) __atomic_add_fetch(&events_seen, 1, __ATOMIC_SEQ_CST);
}

static void setup(void)
{
    dir = tu_tempdir("dispatch");
    char *path = ism_strdupf("%s/ismap.db", dir);
    ism_error e = {0};
    st = ism_store_open(path, &e);
    free(path);
    ck_assert_ptr_nonnull(st);
    jobs = ism_jobs_new(st, 2, on_event, NULL);
    ck_assert(ism_jobs_register_builtin(jobs, &e));
    ck_assert(ism_jobs_start(jobs, &e));
    app = (ism_rpc_app){
        .store = st, .jobs = jobs, .data_dir = dir, .max_msg = 4096, .contexts = 1, .workers = 2};
    events_seen = 0;
}

static void teardown(void)
{
    ism_jobs_free(jobs);
    ism_store_close(st);
    tu_rmtree(dir);
    free(dir);
}

/* Sends text, returns the parsed reply (new ref). */
static json_t *send_raw(const char *text, bool local)
{
    char *r = ism_rpc_handle(&app, text, strlen(text), local);
    ck_assert_ptr_nonnull(r);
    json_t *j = json_loads(r, 0, NULL);
    free(r);
    ck_assert_ptr_nonnull(j);
    return j;
}

static json_t *send_req(const char *op, json_t *params, const char *token, bool local)
{
    json_t *req =
        json_pack("{s:s, s:s, s:s?, s:o?}", "op", op, "id", "t1", "token", token, "params", params);
    char *t = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    json_t *r = send_raw(t, local);
    free(t);
    return r;
}

static void expect_code(json_t *reply, const char *code)
{
    ck_assert_msg(strcmp(tu_code(reply), code) == 0, "expected %s, got %s", code, tu_code(reply));
    json_decref(reply);
}

START_TEST(malformed_requests_get_typed_errors)
{
    json_t *r = send_raw("{\"op\": \"ping\",", true);
    ck_assert_str_eq(tu_code(r), "bad_request");
    ck_assert_ptr_nonnull(json_object_get(
        json_array_get(json_object_get(json_object_get(r, "error"), "details"), 0), "column"));
    json_decref(r);
    expect_code(send_raw("[1,2]", true), "bad_request");
    expect_code(send_raw("{\"op\": 5}", true), "bad_request");
    expect_code(send_raw("{\"id\": \"x\"}", true), "bad_request");
    expect_code(send_raw("{\"op\": \"ping\", \"params\": [1]}", true), "invalid_params");
    expect_code(send_raw("{\"op\": \"ping\", \"token\": 7}", true), "bad_request");
    expect_code(send_raw("{\"op\": \"ping\", \"op\": \"status\"}", true), "bad_request");
    expect_code(send_req("no.such.op", NULL, NULL, true), "unknown_op");
    expect_code(send_req("jobs.show", NULL, NULL, true), "invalid_params");
    expect_code(send_req("jobs.show", json_pack("{s:i}", "id", 5), NULL, true), "invalid_params");
    expect_code(send_req("jobs.show", json_pack("{s:s}", "id", "job_x"), NULL, true), "not_found");
    expect_code(send_req("jobs.list", json_pack("{s:s}", "state", "weird"), NULL, true),
                "invalid_params");
    expect_code(
        send_req("token.create", json_pack("{s:s, s:s}", "name", "a", "role", "root"), NULL, true),
        "invalid_params");
}
END_TEST

START_TEST(reply_echoes_id)
{
    json_t *r = send_raw("{\"op\": \"ping\", \"id\": 42, \"params\": {\"echo\": \"やあ\"}}", true);
    ck_assert(json_is_true(json_object_get(r, "ok")));
    ck_assert_int_eq(json_integer_value(json_object_get(r, "id")), 42);
    ck_assert_str_eq(ism_json_getstr(json_object_get(r, "result"), "echo"), "やあ");
    json_decref(r);
}
END_TEST

/* ism_rpc_handle_parts (what the nng server sends) joins to exactly ism_rpc_handle's text, for
 * a result, an error and a malformed request; only a kept result has a body. */
START_TEST(reply_parts_join_to_the_reply)
{
    const char *reqs[] = {"{\"op\": \"ping\", \"id\": \"p\", \"params\": {\"echo\": \"x\"}}",
                          "{\"op\": \"no.such\", \"id\": 7}", "{not json", "[]"};
    for (size_t i = 0; i < sizeof reqs / sizeof *reqs; i++) {
        char *whole = ism_rpc_handle(&app, reqs[i], strlen(reqs[i]), true);
        ism_rpc_reply r;
        bool authed = true;
        ism_rpc_handle_parts(&app, reqs[i], strlen(reqs[i]), true, &authed, &r);
        ck_assert_ptr_nonnull(r.head);
        ck_assert_ptr_null(r.body);
        char *joined = ism_strdupf("%s%s", r.head, r.tail);
        ck_assert_str_eq(joined, whole);
        ck_assert(authed == (i == 0));
        ism_rpc_reply_release(&r);
        ck_assert_ptr_null(r.head);
        free(joined);
        free(whole);
    }
}
END_TEST

START_TEST(oversized_message_rejected)
{
    size_t n = app.max_msg + 10;
    char *big = malloc(n + 1);
    memset(big, ' ', n);
    memcpy(big, "{\"op\":\"ping\"}", 13);
    big[n] = '\0';
    char *r = ism_rpc_handle(&app, big, n, true);
    json_t *j = json_loads(r, 0, NULL);
    ck_assert_str_eq(tu_code(j), "too_large");
    json_decref(j);
    free(r);
    free(big);
}
END_TEST

START_TEST(tokens_and_roles)
{
    /* Remote without a token: unauthenticated. */
    expect_code(send_req("ping", NULL, NULL, false), "unauthenticated");
    expect_code(send_req("ping", NULL, "ism_bogus", false), "unauthenticated");
    json_t *r = send_req("token.create",
                         json_pack("{s:s, s:s, s:s}", "name", "v", "role", "viewer", "org", "c1"),
                         NULL, true);
    ck_assert_str_eq(tu_code(r), "ok");
    char viewer[80], vid[64];
    ism_strlcpy(viewer, ism_json_getstr(json_object_get(r, "result"), "token"), sizeof viewer);
    ism_strlcpy(vid, ism_json_getstr(json_object_get(r, "result"), "id"), sizeof vid);
    json_decref(r);
    /* A non-admin token needs an org. */
    expect_code(send_req("token.create", json_pack("{s:s, s:s}", "name", "p", "role", "auditor"),
                         NULL, true),
                "invalid_params");
    expect_code(send_req("ping", NULL, viewer, false), "ok");
    r = send_req("status", NULL, viewer, false);
    ck_assert_str_eq(
        ism_json_getstr(json_object_get(json_object_get(r, "result"), "caller"), "role"), "viewer");
    json_decref(r);
    /* Wrong role: permission_denied, and the service keeps serving. */
    expect_code(send_req("token.list", NULL, viewer, false), "permission_denied");
    expect_code(send_req("jobs.submit", json_pack("{s:s}", "kind", "diag.wait"), viewer, false),
                "permission_denied");
    expect_code(send_req("ping", NULL, viewer, false), "ok");
    /* A token presented on the local socket is honoured as that token, not as admin. */
    expect_code(send_req("token.list", NULL, viewer, true), "permission_denied");
    /* Revoked: unauthenticated from then on. */
    expect_code(send_req("token.revoke", json_pack("{s:s}", "id", vid), NULL, true), "ok");
    expect_code(send_req("ping", NULL, viewer, false), "unauthenticated");
    expect_code(send_req("token.revoke", json_pack("{s:s}", "id", vid), NULL, true), "not_found");
}
END_TEST

struct job_wait {
    const char *id, *want;
    json_t *job; /* the job once it is in state `want` */
};

static bool job_in_state(void *arg)
{
    struct job_wait *w = arg;
    json_t *r = send_req("jobs.show", json_pack("{s:s}", "id", w->id), NULL, true);
    json_t *job = json_object_get(r, "result");
    bool there = strcmp(ism_json_getstr(job, "state"), w->want) == 0;
    if (there) w->job = json_incref(job);
    json_decref(r);
    return there;
}

/* Waits until job id is in state want and returns it (new ref). */
static json_t *wait_state(const char *id, const char *want)
{
    struct job_wait w = {id, want, NULL};
    ck_assert_msg(tu_wait_for(job_in_state, &w, want), "job %s never reached %s", id, want);
    return w.job;
}

/* The job's checkpointed progress of a diag.wait/diag.hold (0 before its first checkpoint). */
static json_int_t done_ms(const json_t *job)
{
    return json_integer_value(json_object_get(json_object_get(job, "checkpoint"), "done_ms"));
}

static bool has_checkpoint(void *arg)
{
    json_t *r = send_req("jobs.show", json_pack("{s:s}", "id", (const char *)arg), NULL, true);
    bool yes = done_ms(json_object_get(r, "result")) > 0;
    json_decref(r);
    return yes;
}

static bool events_at_least_two(void *arg)
{
    (void)arg;
    return __atomic_load_n(&events_seen, __ATOMIC_SEQ_CST) >= 2;
}

START_TEST(jobs_run_cancel_and_scope)
{
    expect_code(send_req("jobs.submit", json_pack("{s:s}", "kind", "nope"), NULL, true),
                "invalid_params");
    expect_code(send_req("jobs.submit",
                         json_pack("{s:s, s:{s:i}}", "kind", "diag.wait", "params", "ms", -1), NULL,
                         true),
                "invalid_params");
    json_t *r =
        send_req("jobs.submit",
                 json_pack("{s:s, s:{s:i}}", "kind", "diag.wait", "params", "ms", 150), NULL, true);
    ck_assert_str_eq(tu_code(r), "ok");
    char id[64];
    ism_strlcpy(id, ism_json_getstr(json_object_get(r, "result"), "id"), sizeof id);
    json_decref(r);
    json_t *job = wait_state(id, "succeeded");
    ck_assert(json_number_value(json_object_get(job, "progress")) == 1.0);
    ck_assert_int_eq(
        json_integer_value(json_object_get(json_object_get(job, "result"), "waited_ms")), 150);
    json_decref(job);
    expect_code(send_req("jobs.cancel", json_pack("{s:s}", "id", id), NULL, true), "conflict");

    r = send_req("jobs.submit",
                 json_pack("{s:s, s:{s:i}}", "kind", "diag.wait", "params", "ms", 60000), NULL,
                 true);
    ism_strlcpy(id, ism_json_getstr(json_object_get(r, "result"), "id"), sizeof id);
    json_decref(r);
    json_decref(wait_state(id, "running"));
    expect_code(send_req("jobs.cancel", json_pack("{s:s}", "id", id), NULL, true), "ok");
    job = wait_state(id, "cancelled");
    ck_assert_str_eq(ism_json_getstr(json_object_get(job, "error"), "code"), "cancelled");
    json_decref(job);
    /* The finished event is published after the state is stored, so it may still be on its way. */
    ck_assert(tu_wait_for(events_at_least_two, NULL, "two job.finished events"));

    /* A viewer of another org sees none of these jobs. */
    r = send_req("token.create",
                 json_pack("{s:s, s:s, s:s}", "name", "v", "role", "viewer", "org", "other"), NULL,
                 true);
    char tok[80];
    ism_strlcpy(tok, ism_json_getstr(json_object_get(r, "result"), "token"), sizeof tok);
    json_decref(r);
    r = send_req("jobs.list", NULL, tok, false);
    ck_assert_int_eq(json_array_size(json_object_get(r, "result")), 0);
    json_decref(r);
    expect_code(send_req("jobs.show", json_pack("{s:s}", "id", id), tok, false), "not_found");
}
END_TEST

START_TEST(shutdown_requeues_resumable_and_fails_others)
{
    json_t *r = send_req("jobs.submit",
                         json_pack("{s:s, s:{s:i}}", "kind", "diag.wait", "params", "ms", 60000),
                         NULL, true);
    char a[64], b[64];
    ism_strlcpy(a, ism_json_getstr(json_object_get(r, "result"), "id"), sizeof a);
    json_decref(r);
    r = send_req("jobs.submit",
                 json_pack("{s:s, s:{s:i}}", "kind", "diag.hold", "params", "ms", 60000), NULL,
                 true);
    ism_strlcpy(b, ism_json_getstr(json_object_get(r, "result"), "id"), sizeof b);
    json_decref(r);
    json_decref(wait_state(b, "running"));
    /* Stop once a has a checkpoint to resume from (not after some time: on a busy machine the
     * job may not have run at all by then). */
    ck_assert(tu_wait_for(has_checkpoint, a, "a checkpoint of the diag.wait job"));
    ism_jobs_stop(jobs);
    /* Submitting during shutdown is refused. */
    expect_code(send_req("jobs.submit",
                         json_pack("{s:s, s:{s:i}}", "kind", "diag.wait", "params", "ms", 10), NULL,
                         true),
                "unavailable");
    /* ism_jobs_stop waited for the workers: the states are final now. */
    json_t *ja = wait_state(a, "queued");
    ck_assert_int_gt(done_ms(ja), 0);
    json_decref(ja);
    json_t *jb = wait_state(b, "failed");
    ck_assert_str_eq(ism_json_getstr(json_object_get(jb, "error"), "code"), "interrupted");
    json_decref(jb);
}
END_TEST

static void check_op(const ism_op *op, void *ctx)
{
    ck_assert_ptr_nonnull(op->fn);
    ck_assert_msg(op->roles != 0, "%s has no roles", op->name);
    ck_assert_msg(ism_rpc_find_op(op->name) == op, "%s is in the table twice", op->name);
    ck_assert_ptr_nonnull(op->summary);
    (*(int *)ctx)++;
}

START_TEST(ops_table_is_sane)
{
    int n = 0;
    ism_rpc_foreach_op(check_op, &n);
    ck_assert_int_gt(n, 15);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dispatch");
    TCase *tc = tcase_create("dispatch");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, malformed_requests_get_typed_errors);
    tcase_add_test(tc, reply_echoes_id);
    tcase_add_test(tc, reply_parts_join_to_the_reply);
    tcase_add_test(tc, oversized_message_rejected);
    tcase_add_test(tc, tokens_and_roles);
    tcase_add_test(tc, jobs_run_cancel_and_scope);
    tcase_add_test(tc, shutdown_requeues_resumable_and_fails_others);
    tcase_add_test(tc, ops_table_is_sane);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
