/* test_matrix_cache.c — matrix.get serves a kept, serialized result (issue 11 item 9): the kept
 * reply is byte for byte the one a freshly started daemon builds, its filters only leave
 * requirements out, and a new judgment, waiver, evaluation (findings) or evidence row makes the
 * next read rebuild it. Conditional reads: every reply carries an etag of its own (inputs and
 * params); if_none_match naming the current one answers {etag, assessment, unchanged} without
 * the body, and a new judgment makes it stale; summary answers the counts without the
 * requirements. After a change, concurrent reads of every kind build the matrix once (the
 * in-memory memo). Counts come from status.matrix_cache; nothing here is timed. */
#include "ismap/rpc.h"
#include "snapfix.h"
#include "testutil.h"

#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char *tmp, *data, *snap;
static tu_daemon d;

static void setup(void)
{
    tmp = tu_tempdir("mxcache");
    ism_error e = {0};
    char *base = ism_strdupf("%s/tests/fixtures/snapshots/base.json", tu_source_dir());
    snap = ism_strdupf("%s/tenant.db", tmp);
    data = ism_strdupf("%s/data", tmp);
    json_t *fx = snapfix_read(base, &e);
    ck_assert_msg(fx && snapfix_build(fx, snap, &e), "%s", e.message);
    json_decref(fx);
    free(base);
    ck_assert_msg(tu_daemon_start(&d, data, NULL), "ismapd did not start; see %s", d.log);
}

static void teardown(void)
{
    if (d.pid) ck_assert_int_eq(tu_daemon_stop(&d), 0);
    tu_rmtree(tmp);
    free(tmp);
    free(data);
    free(snap);
}

static json_t *must(const char *op, json_t *params)
{
    json_t *r = tu_call(d.url, op, params, NULL);
    ck_assert_msg(r && !strcmp(tu_code(r), "ok"), "%s failed: %s", op, tu_code(r));
    json_t *res = json_incref(json_object_get(r, "result"));
    json_decref(r);
    return res;
}

/* The raw reply text of one request (the bytes the daemon sent). malloc'd. */
static char *raw(const char *op, json_t *params)
{
    ism_error e = {0};
    ism_rpc_client *c = ism_rpc_client_open(d.url, NULL, 120000, &e);
    ck_assert_msg(c != NULL, "%s", e.message);
    json_t *env = json_pack("{s:s, s:s, s:o}", "op", op, "id", "x", "params", params);
    char *req = json_dumps(env, JSON_COMPACT);
    char *rep = ism_rpc_client_raw(c, req, strlen(req), NULL, &e);
    ck_assert_msg(rep != NULL, "%s", e.message);
    ck_assert_msg(!strncmp(rep, "{\"id\":\"x\",\"ok\":true,", 20), "%s: %.300s", op, rep);
    free(req);
    json_decref(env);
    ism_rpc_client_close(c);
    return rep;
}

static json_int_t cache_count(const char *what)
{
    json_t *s = must("status", json_object());
    json_int_t n = json_integer_value(json_object_get(json_object_get(s, "matrix_cache"), what));
    json_decref(s);
    return n;
}

static bool ready(const char *aid)
{
    for (int i = 0; i < 12000; i++) {
        json_t *x = must("assessment.show", json_pack("{s:s}", "id", aid));
        const char *st = ism_json_getstr(x, "state");
        bool done = !strcmp(st, "ready"), failed = !strcmp(st, "failed");
        json_decref(x);
        if (done || failed) return done;
        nanosleep(&(struct timespec){0, 10000000}, NULL); /* poll the condition */
    }
    return false;
}

static bool job_done(const char *id)
{
    for (int i = 0; i < 12000; i++) {
        json_t *x = must("jobs.show", json_pack("{s:s}", "id", id));
        const char *st = ism_json_getstr(x, "state");
        bool ok = !strcmp(st, "succeeded"),
             over = ok || !strcmp(st, "failed") || !strcmp(st, "cancelled");
        json_decref(x);
        if (over) return ok;
        nanosleep(&(struct timespec){0, 10000000}, NULL); /* poll the condition */
    }
    return false;
}

static char *matrix(const char *aid)
{
    return raw("matrix.get", json_pack("{s:s}", "assessment", aid));
}

/* The requirement catalog:item in a matrix.get reply text. Borrowed from *doc (new ref). */
static json_t *requirement(const char *text, const char *cat, const char *item, json_t **doc)
{
    *doc = json_loads(text, 0, NULL);
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(json_object_get(*doc, "result"), "requirements"), i, r)
    {
        if (!strcmp(ism_json_getstr(r, "catalog"), cat) &&
            !strcmp(ism_json_getstr(r, "item"), item))
            return r;
    }
    return NULL;
}

START_TEST(kept_reply_equals_a_fresh_one_and_follows_its_inputs)
{
    json_t *s = must("snapshot.import", json_pack("{s:s}", "path", snap));
    json_decref(must("subject.create",
                     json_pack("{s:s, s:s, s:s, s:[s]}", "kind", "workload", "name", "city",
                               "environment", "production", "accounts", "111122223333")));
    json_t *a =
        must("assessment.create", json_pack("{s:s, s:s, s:[O]}", "subject", "city", "frameworks",
                                            "ismap,mic", "snapshots", json_object_get(s, "id")));
    char *aid = strdup(ism_json_getstr(a, "id"));
    json_decref(a);
    json_decref(s);
    ck_assert(ready(aid));

    /* First read builds, the second is the kept bytes. */
    json_int_t b0 = cache_count("builds"), h0 = cache_count("hits");
    char *m1 = matrix(aid);
    ck_assert_int_eq(cache_count("builds"), b0 + 1);
    char *m2 = matrix(aid);
    ck_assert_int_eq(cache_count("hits"), h0 + 1);
    ck_assert_int_eq(cache_count("builds"), b0 + 1);
    ck_assert_str_eq(m1, m2);

    /* A filter leaves requirements out and nothing else. */
    json_t *full = json_loads(m1, 0, NULL);
    json_t *reqs = json_object_get(json_object_get(full, "result"), "requirements");
    char *want = strdup(ism_json_getstr(json_array_get(reqs, json_array_size(reqs) - 1), "status"));
    char *f = raw("matrix.get", json_pack("{s:s, s:s, s:s}", "assessment", aid, "status", want,
                                          "framework", "mic"));
    json_t *filtered = json_loads(f, 0, NULL);
    json_t *keep = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(reqs, i, r)
    {
        if (!strcmp(ism_json_getstr(r, "status"), want) &&
            !strcmp(ism_json_getstr(r, "framework"), "mic"))
            json_array_append(keep, r);
    }
    free(want);
    ck_assert_int_gt(json_array_size(keep), 0);
    json_object_set_new(json_object_get(full, "result"), "requirements", keep);
    /* ... and has an etag of its own. */
    ck_assert_str_ne(ism_json_getstr(json_object_get(full, "result"), "etag"),
                     ism_json_getstr(json_object_get(filtered, "result"), "etag"));
    json_object_del(json_object_get(full, "result"), "etag");
    json_object_del(json_object_get(filtered, "result"), "etag");
    ck_assert(json_equal(full, filtered));
    json_decref(filtered);
    free(f);

    /* A page is a slice of the same requirements, with where it lies. */
    json_t *all = json_loads(m1, 0, NULL);
    json_t *allreqs = json_object_get(json_object_get(all, "result"), "requirements");
    size_t total = json_array_size(allreqs);
    ck_assert_int_gt(total, 150);
    const char *cursors[] = {NULL, "o100", NULL};
    char last[32];
    snprintf(last, sizeof last, "o%zu", total - 30);
    cursors[2] = last;
    for (int k = 0; k < 3; k++) {
        json_t *p = json_pack("{s:s, s:i}", "assessment", aid, "limit", 100);
        if (cursors[k]) json_object_set_new(p, "cursor", json_string(cursors[k]));
        char *pt = raw("matrix.get", p);
        json_t *pg = json_loads(pt, 0, NULL);
        json_t *res = json_object_get(pg, "result");
        size_t off = k == 0 ? 0 : k == 1 ? 100 : total - 30;
        size_t n = k == 2 ? 30 : 100;
        ck_assert_int_eq(json_integer_value(json_object_get(res, "total")), (json_int_t)total);
        ck_assert_int_eq(json_integer_value(json_object_get(res, "offset")), (json_int_t)off);
        json_t *got = json_object_get(res, "requirements");
        ck_assert_int_eq(json_array_size(got), n);
        for (size_t j = 0; j < n; j++)
            ck_assert(json_equal(json_array_get(got, j), json_array_get(allreqs, off + j)));
        if (k == 2)
            ck_assert(json_is_null(json_object_get(res, "next_cursor")));
        else
            ck_assert_str_eq(ism_json_getstr(res, "next_cursor"), k == 0 ? "o100" : "o200");
        json_decref(pg);
        free(pt);
    }
    json_decref(all);
    json_t *bad = tu_call(d.url, "matrix.get",
                          json_pack("{s:s, s:s}", "assessment", aid, "cursor", "x1"), NULL);
    ck_assert_str_eq(tu_code(bad), "invalid_params");
    json_decref(bad);

    /* The kept reply is the one a daemon with nothing kept builds. */
    ck_assert_int_eq(tu_daemon_stop(&d), 0);
    ck_assert_msg(tu_daemon_start(&d, data, NULL), "ismapd did not restart; see %s", d.log);
    char *fresh = matrix(aid);
    ck_assert_str_eq(fresh, m1);
    free(fresh);

    /* A judgment: the next read shows it. */
    json_t *first =
        json_array_get(json_object_get(json_object_get(full, "result"), "requirements"), 0);
    char *cat = strdup(ism_json_getstr(first, "catalog")),
         *item = strdup(ism_json_getstr(first, "item"));
    json_decref(full);
    json_decref(must("judgment.add", json_pack("{s:s, s:s, s:s, s:s, s:s}", "assessment", aid,
                                               "catalog", cat, "item", item, "result",
                                               "not_applicable", "reason", "out of scope")));
    char *m3 = matrix(aid);
    ck_assert_str_ne(m3, m1);
    json_t *doc;
    json_t *req = requirement(m3, cat, item, &doc);
    ck_assert_ptr_nonnull(req);
    ck_assert_str_eq(ism_json_getstr(json_object_get(req, "judgment"), "result"), "not_applicable");
    json_decref(doc);
    /* ... and is what a fresh daemon builds. */
    ck_assert_int_eq(tu_daemon_stop(&d), 0);
    ck_assert_msg(tu_daemon_start(&d, data, NULL), "ismapd did not restart; see %s", d.log);
    fresh = matrix(aid);
    ck_assert_str_eq(fresh, m3);
    free(fresh);
    char *again = matrix(aid);
    ck_assert_str_eq(again, m3);
    free(again);

    /* A waiver on the same requirement. */
    json_int_t b1 = cache_count("builds");
    json_decref(
        must("waiver.add", json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "assessment", aid, "catalog",
                                     cat, "item", item, "justification", "compensating control",
                                     "approver", "CISO", "expires", "2099-12-31")));
    char *m4 = matrix(aid);
    ck_assert_int_eq(cache_count("builds"), b1 + 1);
    req = requirement(m4, cat, item, &doc);
    ck_assert_ptr_nonnull(req);
    ck_assert(json_is_object(json_object_get(req, "waiver")));
    json_decref(doc);

    /* New findings: the assessment evaluated again. */
    json_t *job = must("jobs.submit", json_pack("{s:s, s:{s:s}}", "kind", "assessment.evaluate",
                                                "params", "assessment", aid));
    ck_assert(job_done(ism_json_getstr(job, "id")));
    json_decref(job);
    json_int_t b2 = cache_count("builds");
    char *m5 = matrix(aid);
    ck_assert_int_eq(cache_count("builds"), b2 + 1);
    free(m5);
    m5 = matrix(aid);
    ck_assert_int_eq(cache_count("builds"), b2 + 1);

    free(cat);
    free(item);
    free(m1);
    free(m2);
    free(m3);
    free(m4);
    free(m5);
    free(aid);
}
END_TEST

/* An evaluated assessment of the base fixture; malloc'd id. */
static char *evaluated(void)
{
    json_t *s = must("snapshot.import", json_pack("{s:s}", "path", snap));
    json_decref(must("subject.create",
                     json_pack("{s:s, s:s, s:s, s:[s]}", "kind", "workload", "name", "city",
                               "environment", "production", "accounts", "111122223333")));
    json_t *a =
        must("assessment.create", json_pack("{s:s, s:s, s:[O]}", "subject", "city", "frameworks",
                                            "ismap,mic", "snapshots", json_object_get(s, "id")));
    char *aid = strdup(ism_json_getstr(a, "id"));
    json_decref(a);
    json_decref(s);
    ck_assert(ready(aid));
    return aid;
}

/* matrix.get's result for params (consumed), parsed. New reference. */
static json_t *mx(json_t *params)
{
    char *t = raw("matrix.get", params);
    json_t *doc = json_loads(t, 0, NULL);
    free(t);
    json_t *res = json_incref(json_object_get(doc, "result"));
    json_decref(doc);
    return res;
}

static bool is_unchanged(const json_t *res, const char *aid, const char *etag)
{
    return json_object_size(res) == 3 && json_is_true(json_object_get(res, "unchanged")) &&
           !strcmp(ism_json_getstr(res, "assessment"), aid) &&
           !strcmp(ism_json_getstr(res, "etag"), etag);
}

START_TEST(conditional_reads_and_summary)
{
    char *aid = evaluated();
    json_t *full = mx(json_pack("{s:s}", "assessment", aid));
    char *etag = strdup(ism_json_getstr(full, "etag"));
    ck_assert_int_eq(strlen(etag), 32);
    size_t total = json_array_size(json_object_get(full, "requirements"));
    ck_assert_int_gt(total, 150);

    /* The etag held: no body. The same once more (nothing kept is spent on it). */
    for (int k = 0; k < 2; k++) {
        json_t *u = mx(json_pack("{s:s, s:s}", "assessment", aid, "if_none_match", etag));
        ck_assert_msg(is_unchanged(u, aid, etag), "not an unchanged reply");
        json_decref(u);
    }
    /* Another etag: the whole reply, as without one. */
    json_t *again = mx(json_pack("{s:s, s:s}", "assessment", aid, "if_none_match", "stale"));
    ck_assert(json_equal(again, full));
    json_decref(again);

    /* A page has its own etag: the whole matrix's does not answer it "unchanged". */
    json_t *page =
        mx(json_pack("{s:s, s:i, s:s}", "assessment", aid, "limit", 100, "if_none_match", etag));
    ck_assert_int_eq(json_array_size(json_object_get(page, "requirements")), 100);
    ck_assert_str_ne(ism_json_getstr(page, "etag"), etag);
    json_t *pu = mx(json_pack("{s:s, s:i, s:s}", "assessment", aid, "limit", 100, "if_none_match",
                              ism_json_getstr(page, "etag")));
    ck_assert(is_unchanged(pu, aid, ism_json_getstr(page, "etag")));
    json_decref(pu);
    json_decref(page);

    /* The summary: the whole matrix's counts, no requirements, its own etag. */
    json_t *sum = mx(json_pack("{s:s, s:b}", "assessment", aid, "summary", 1));
    ck_assert_ptr_null(json_object_get(sum, "requirements"));
    ck_assert(json_equal(json_object_get(sum, "counts"), json_object_get(full, "counts")));
    ck_assert(json_equal(json_object_get(sum, "counts_by_framework"),
                         json_object_get(full, "counts_by_framework")));
    ck_assert_str_ne(ism_json_getstr(sum, "etag"), etag);
    json_int_t n = 0;
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(sum, "counts"), k, v) n += json_integer_value(v);
    ck_assert_int_eq(n, (json_int_t)total);
    json_t *bad =
        tu_call(d.url, "matrix.get",
                json_pack("{s:s, s:b, s:i}", "assessment", aid, "summary", 1, "limit", 5), NULL);
    ck_assert_str_eq(tu_code(bad), "invalid_params");
    json_decref(bad);
    bad = tu_call(d.url, "matrix.get",
                  json_pack("{s:s, s:i}", "assessment", aid, "if_none_match", 7), NULL);
    ck_assert_str_eq(tu_code(bad), "invalid_params");
    json_decref(bad);

    /* A judgment changes the inputs: the etag held is stale, the reply whole and new. */
    json_t *first = json_array_get(json_object_get(full, "requirements"), 0);
    json_decref(must("judgment.add", json_pack("{s:s, s:s, s:s, s:s, s:s}", "assessment", aid,
                                               "catalog", ism_json_getstr(first, "catalog"), "item",
                                               ism_json_getstr(first, "item"), "result",
                                               "not_applicable", "reason", "out of scope")));
    json_t *after = mx(json_pack("{s:s, s:s}", "assessment", aid, "if_none_match", etag));
    ck_assert_ptr_null(json_object_get(after, "unchanged"));
    ck_assert_int_eq(json_array_size(json_object_get(after, "requirements")), total);
    ck_assert_str_ne(ism_json_getstr(after, "etag"), etag);
    json_t *sum2 = mx(json_pack("{s:s, s:b, s:s}", "assessment", aid, "summary", 1, "if_none_match",
                                ism_json_getstr(sum, "etag")));
    ck_assert_ptr_null(json_object_get(sum2, "unchanged"));
    ck_assert(json_equal(json_object_get(sum2, "counts"), json_object_get(after, "counts")));
    json_decref(sum2);
    json_decref(after);
    json_decref(sum);
    json_decref(full);
    free(etag);
    free(aid);
}
END_TEST

/* One reader thread: matrix.get with its own params (released here), the reply checked. */
struct reader {
    json_t *params;
    pthread_barrier_t *go;
    bool ok;
};

static void *read_one(void *arg)
{
    struct reader *r = arg;
    ism_error e = {0};
    ism_rpc_client *c = ism_rpc_client_open(d.url, NULL, 120000, &e);
    pthread_barrier_wait(r->go);
    json_t *reply = NULL;
    r->ok = c && ism_rpc_client_call(c, "matrix.get", r->params, NULL, &reply, &e) &&
            !strcmp(tu_code(reply), "ok");
    json_decref(reply);
    json_decref(r->params);
    ism_rpc_client_close(c);
    return NULL;
}

/* After a new judgment, the summary, pages and filters asked at the same moment (different
 * replies, so the reply cache cannot share them) make the matrix once: the first caller builds
 * it, the others wait for it — not one build each (a storm that held 100 readers 20–40 s behind
 * 10% writes). Later reads of another kind copy it from memory: no build at all. */
START_TEST(concurrent_reads_of_a_changed_matrix_build_it_once)
{
    json_t *s = must("snapshot.import", json_pack("{s:s}", "path", snap));
    json_decref(must("subject.create",
                     json_pack("{s:s, s:s, s:s, s:[s]}", "kind", "workload", "name", "city",
                               "environment", "production", "accounts", "111122223333")));
    json_t *a =
        must("assessment.create", json_pack("{s:s, s:s, s:[O]}", "subject", "city", "frameworks",
                                            "ismap,mic", "snapshots", json_object_get(s, "id")));
    char *aid = strdup(ism_json_getstr(a, "id"));
    json_decref(a);
    json_decref(s);
    ck_assert(ready(aid));
    char *m0 = matrix(aid);
    json_t *doc = json_loads(m0, 0, NULL);
    json_t *first =
        json_array_get(json_object_get(json_object_get(doc, "result"), "requirements"), 0);
    ck_assert_ptr_nonnull(first);
    json_decref(must("judgment.add", json_pack("{s:s, s:s, s:s, s:s, s:s}", "assessment", aid,
                                               "catalog", ism_json_getstr(first, "catalog"), "item",
                                               ism_json_getstr(first, "item"), "result",
                                               "not_applicable", "reason", "out of scope")));
    json_decref(doc);
    free(m0);

    enum { N = 8 };
    json_int_t b0 = cache_count("matrix_builds");
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, N);
    struct reader r[N];
    pthread_t th[N];
    for (int i = 0; i < N; i++) {
        json_t *p = json_pack("{s:s}", "assessment", aid);
        if (i == 0) json_object_set_new(p, "summary", json_true());
        if (i == 1) json_object_set_new(p, "status", json_string("satisfied"));
        if (i == 2) json_object_set_new(p, "framework", json_string("ismap"));
        if (i >= 3) {
            json_object_set_new(p, "limit", json_integer(10));
            if (i > 3) json_object_set_new(p, "cursor", json_sprintf("o%d", 10 * (i - 3)));
        }
        r[i] = (struct reader){.params = p, .go = &go};
        ck_assert_int_eq(pthread_create(&th[i], NULL, read_one, &r[i]), 0);
    }
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        ck_assert_msg(r[i].ok, "reader %d failed", i);
    }
    pthread_barrier_destroy(&go);
    ck_assert_int_eq(cache_count("matrix_builds"), b0 + 1);
    /* Another kind of read of the same inputs: from memory. */
    json_int_t h0 = cache_count("matrix_memo_hits");
    json_decref(must("matrix.get", json_pack("{s:s, s:i}", "assessment", aid, "limit", 3)));
    ck_assert_int_eq(cache_count("matrix_builds"), b0 + 1);
    ck_assert_int_eq(cache_count("matrix_memo_hits"), h0 + 1);
    free(aid);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("matrix_cache");
    TCase *tc = tcase_create("serve");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, kept_reply_equals_a_fresh_one_and_follows_its_inputs);
    tcase_add_test(tc, conditional_reads_and_summary);
    tcase_add_test(tc, concurrent_reads_of_a_changed_matrix_build_it_once);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
