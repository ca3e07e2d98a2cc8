/* test_http_engine.c — the HTTP engine against tests/lib/httpd_test on 127.0.0.1: retries and
 * backoff, Retry-After, dropped and slow connections, concurrency limits, connection reuse,
 * token buckets and their adaptation, the http:// policy, the body cap, per-attempt signing
 * (and that secrets stay out of the logs), classifiers, the clock-skew retry, callbacks that
 * submit, cancellation. */
#include "httpd_test.h"
#include "ismap/aws.h"
#include "ismap/collect.h"
#include "testutil.h"

#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct outcome {
    int calls;
    int admits;     /* attempts admitted through the admit hook */
    int64_t at[64]; /* the (virtual) time of each admitted attempt */
    long status;
    ism_http_class cls;
    int attempts;
    ism_code code;
    char msg[512], body[256], reqid[64];
    int64_t waited_ms, latency_ms;
} outcome;

static void on_done(ism_http_result *r, void *arg)
{
    outcome *o = arg;
    o->calls++;
    o->status = r->status;
    o->cls = r->cls;
    o->attempts = r->attempts;
    o->code = r->err.code;
    ism_strlcpy(o->msg, r->err.message, sizeof o->msg);
    ism_strlcpy(o->body, r->body ? r->body : "", sizeof o->body);
    ism_strlcpy(o->reqid, r->request_id, sizeof o->reqid);
    o->waited_ms = r->waited_ms;
    o->latency_ms = r->latency_ms;
}

/* A virtual clock: time moves only when the engine waits for it (sleep_ms), so backoff and
 * bucket timing are exact and independent of how busy the machine is. */
typedef struct vclock {
    int64_t now;
    int64_t wall; /* seconds since the epoch, for signing (wall_s) */
} vclock;

static int64_t vnow(void *arg)
{
    return ((vclock *)arg)->now;
}

static void vsleep(void *arg, int64_t ms)
{
    ((vclock *)arg)->now += ms;
}

static ism_http_config with_vclock(ism_http_config cfg, vclock *vc)
{
    cfg.clock = (ism_http_clock){.now_ms = vnow, .sleep_ms = vsleep, .arg = vc};
    return cfg;
}

/* Records when each attempt was admitted; never holds one back. */
static int64_t record_admit(int attempt, int64_t now, void *arg)
{
    outcome *o = arg;
    (void)attempt;
    if (o->admits < 64) o->at[o->admits] = now;
    o->admits++;
    return 0;
}

static ism_http_engine *engine(ism_http_config cfg)
{
    cfg.allow_http_loopback = true;
    ism_error e = {0};
    ism_http_engine *eng = ism_http_engine_new(&cfg, &e);
    ck_assert_msg(eng != NULL, "%s", e.message);
    return eng;
}

static void submit(ism_http_engine *eng, httpd_test *srv, const char *path, outcome *o,
                   const char *rate_key)
{
    char url[256];
    ism_http_request rq = {.method = "GET",
                           .url = httpd_test_url(srv, path, url, sizeof url),
                           .label = "test:Get",
                           .rate_key = rate_key,
                           .done = on_done,
                           .done_arg = o};
    ism_error e = {0};
    ck_assert_msg(ism_http_submit(eng, &rq, &e), "%s", e.message);
}

/* Like submit, with the admit hook recording attempt times into o. */
static void submit_timed(ism_http_engine *eng, httpd_test *srv, outcome *o, const char *rate_key)
{
    char url[256];
    ism_http_request rq = {.method = "GET",
                           .url = httpd_test_url(srv, "/", url, sizeof url),
                           .label = "test:Get",
                           .rate_key = rate_key,
                           .admit = record_admit,
                           .admit_arg = o,
                           .done = on_done,
                           .done_arg = o};
    ism_error e = {0};
    ck_assert_msg(ism_http_submit(eng, &rq, &e), "%s", e.message);
}

static void run(ism_http_engine *eng)
{
    ism_error e = {0};
    ck_assert_msg(ism_http_run(eng, &e), "%s", e.message);
}

START_TEST(ok_post_with_headers)
{
    httpd_test *srv = httpd_test_start(NULL, NULL);
    httpd_resp ok = {200,  "x-amzn-RequestId: req-123\r\nContent-Type: text/xml\r\n", "<ok/>", 0, 0,
                     false};
    httpd_test_script(srv, &ok, 1);
    ism_http_engine *eng = engine((ism_http_config){0});
    ism_http_headers h = {0};
    ism_http_headers_add(&h, "Content-Type", "application/x-www-form-urlencoded");
    ism_http_headers_add(&h, "X-Empty", "");
    char url[256];
    outcome o = {0};
    ism_http_request rq = {.method = "POST",
                           .url = httpd_test_url(srv, "/?a=1", url, sizeof url),
                           .headers = &h,
                           .body = "Action=ListUsers&Version=2010-05-08",
                           .body_len = strlen("Action=ListUsers&Version=2010-05-08"),
                           .done = on_done,
                           .done_arg = &o};
    ism_error e = {0};
    ck_assert(ism_http_submit(eng, &rq, &e));
    ism_http_headers_clear(&h); /* the engine copied them */
    run(eng);
    ck_assert_int_eq(o.calls, 1);
    ck_assert_int_eq(o.status, 200);
    ck_assert_int_eq(o.cls, ISM_HTTP_OK);
    ck_assert_int_eq(o.code, ISM_OK);
    ck_assert_int_eq(o.attempts, 1);
    ck_assert_str_eq(o.body, "<ok/>");
    ck_assert_str_eq(o.reqid, "req-123");
    httpd_req r;
    ck_assert(httpd_test_request(srv, 0, &r));
    ck_assert_str_eq(r.method, "POST");
    ck_assert_str_eq(r.target, "/?a=1");
    ck_assert_str_eq(r.body, "Action=ListUsers&Version=2010-05-08");
    ck_assert_str_eq(ism_http_headers_get(&r.headers, "content-type"),
                     "application/x-www-form-urlencoded");
    ck_assert_str_eq(ism_http_headers_get(&r.headers, "x-empty"), "");
    ck_assert_ptr_null(ism_http_headers_get(&r.headers, "expect"));
    httpd_req_free(&r);
    ism_http_stats st;
    ism_http_stats_get(eng, &st);
    ck_assert_int_eq(st.requests, 1);
    ck_assert_int_eq(st.completed, 1);
    ck_assert_int_eq(st.calls, 1);
    ck_assert_int_eq(st.ok, 1);
    ck_assert_int_eq(st.bytes_in, 5);
    ism_http_engine_free(eng);
    httpd_test_stop(srv);
}
END_TEST

START_TEST(retries_back_off_and_stop)
{
    httpd_test *srv = httpd_test_start(NULL, NULL);
    httpd_resp busy = {503, NULL, "busy", 0, 0, false};
    httpd_test_script(srv, &busy, 1);
    vclock vc = {.now = 1000};
    ism_http_engine *eng = engine(with_vclock(
        (ism_http_config){.max_attempts = 4, .backoff_base_ms = 60, .no_jitter = true}, &vc));
    outcome o = {0};
    submit_timed(eng, srv, &o, NULL);
    run(eng);
    ck_assert_int_eq(httpd_test_requests(srv), 4);
    ck_assert_int_eq(o.attempts, 4);
    ck_assert_int_eq(o.cls, ISM_HTTP_SERVER_ERROR);
    ck_assert_int_eq(o.code, ISM_E_UPSTREAM);
    ck_assert_ptr_nonnull(strstr(o.msg, "HTTP 503"));
    ck_assert_ptr_nonnull(strstr(o.msg, "4 attempts"));
    /* 60, 120, 240 ms of (virtual) time: exponential. */
    ck_assert_int_eq(o.admits, 4);
    ck_assert_int_eq(o.at[1] - o.at[0], 60);
    ck_assert_int_eq(o.at[2] - o.at[1], 120);
    ck_assert_int_eq(o.at[3] - o.at[2], 240);
    ck_assert_int_eq(o.waited_ms, 420);
    ism_http_stats st;
    ism_http_stats_get(eng, &st);
    ck_assert_int_eq(st.retries, 3);
    ck_assert_int_eq(st.server_errors, 4);
    ism_http_engine_free(eng);
    httpd_test_stop(srv);
}
END_TEST

START_TEST(full_jitter_stays_under_the_cap)
{
    httpd_test *srv = httpd_test_start(NULL, NULL);
    httpd_resp busy = {500, NULL, NULL, 0, 0, false};
    httpd_test_script(srv, &busy, 1);
    vclock vc = {0};
    ism_http_engine *eng =
        engine(with_vclock((ism_http_config){.max_attempts = 5, .backoff_base_ms = 100}, &vc));
    outcome o = {0};
    submit_timed(eng, srv, &o, NULL);
    run(eng);
    ck_assert_int_eq(httpd_test_requests(srv), 5);
    ck_assert_int_eq(o.admits, 5);
    for (size_t i = 1; i < 5; i++) {
        ck_assert_int_le(o.at[i] - o.at[i - 1], 100 << (i - 1));
        ck_assert_int_ge(o.at[i] - o.at[i - 1], 0);
    }
    ism_http_engine_free(eng);
    httpd_test_stop(srv);
}
END_TEST

START_TEST(retry_after_is_honoured)
{
    httpd_test *srv = httpd_test_start(NULL, NULL);
    httpd_resp steps[] = {
        {503, "Retry-After: 1\r\n", NULL, 0, 0, false},
        {429, "Retry-After: Wed, 21 Oct 2015 07:28:00 GMT\r\n", NULL, 0, 0, false},
        {200, NULL, "done", 0, 0, false}};
    httpd_test_script(srv, steps, 3);
    vclock vc = {0};
    ism_http_engine *eng =
        engine(with_vclock((ism_http_config){.backoff_base_ms = 10, .no_jitter = true}, &vc));
    outcome o = {0};
    submit_timed(eng, srv, &o, NULL);
    run(eng);
    ck_assert_int_eq(o.cls, ISM_HTTP_OK);
    ck_assert_int_eq(o.attempts, 3);
    ck_assert_int_eq(o.at[1] - o.at[0], 1000); /* Retry-After: 1 beats a 10 ms backoff */
    ck_assert_int_eq(o.at[2] - o.at[1], 20);   /* a date in the past means "now": the backoff */
    ism_http_stats st;
    ism_http_stats_get(eng, &st);
    ck_assert_int_eq(st.throttled, 1);
    ck_assert_int_eq(st.server_errors, 1);
    ism_http_engine_free(eng);
    httpd_test_stop(srv);
}
END_TEST

START_TEST(retry_after_is_clamped)
{
    httpd_test *srv = httpd_test_start(NULL, NULL);
    httpd_resp steps[] = {{429, "Retry-After: 3600\r\n", NULL, 0, 0, false},
                          {200, NULL, NULL, 0, 0, false}};
    httpd_test_script(srv, steps, 2);
    vclock vc = {0};
    ism_http_engine *eng = engine(with_vclock((ism_http_config){.retry_after_max_ms = 300}, &vc));
    outcome o = {0};
    submit_timed(eng, srv, &o, NULL);
    run(eng);
    ck_assert_int_eq(o.cls, ISM_HTTP_OK);
    ck_assert_int_eq(o.at[1] - o.at[0], 300);
    ism_http_engine_free(eng);
    httpd_test_stop(srv);
}
END_TEST

START_TEST(dropped_connection_is_retried)
{
    httpd_test *srv = httpd_test_start(NULL, NULL);
    httpd_resp steps[] = {{0, NULL, NULL, 0, 0, false}, {200, NULL, "second", 0, 0, false}};
    httpd_test_script(srv, steps, 2);
    ism_http_engine *eng = engine((ism_http_config){.backoff_base_ms = 10});
    outcome o = {0};
    submit(eng, srv, "/", &o, NULL);
    run(eng);
    ck_assert_int_eq(o.cls, ISM_HTTP_OK);
    ck_assert_int_eq(o.attempts, 2);
    ck_assert_str_eq(o.body, "second");
    ck_assert_int_eq(httpd_test_connections(srv), 2);
    ism_http_stats st;
    ism_http_stats_get(eng, &st);
    ck_assert_int_eq(st.connection_errors, 1);
    ism_http_engine_free(eng);
    httpd_test_stop(srv);
}
END_TEST

START_TEST(slow_answer_times_out)
{
    httpd_test *srv = httpd_test_start(NULL, NULL);
    httpd_resp slow = {200, NULL, "late", 0, 1500, false};
    httpd_test_script(srv, &slow, 1);
    ism_http_engine *eng =
        engine((ism_http_config){.timeout_ms = 200, .max_attempts = 2, .backoff_base_ms = 10});
    outcome o = {0};
    submit(eng, srv, "/", &o, NULL);
    run(eng);
    ck_assert_int_eq(o.cls, ISM_HTTP_CONNECTION_ERROR);
    ck_assert_int_eq(o.code, ISM_E_TIMEOUT);
    ck_assert_int_eq(o.attempts, 2);
    ck_assert_ptr_nonnull(strstr(o.msg, "200 ms"));
    ism_http_engine_free(eng);
    httpd_test_stop(srv);
}
END_TEST

START_TEST(connection_refused)
{
    int port = tu_free_port();
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
    ism_http_engine *eng = engine((ism_http_config){.max_attempts = 2, .backoff_base_ms = 10});
    outcome o = {0};
    ism_http_request rq = {.method = "GET", .url = url, .done = on_done, .done_arg = &o};
    ism_error e = {0};
    ck_assert(ism_http_submit(eng, &rq, &e));
    run(eng);
    ck_assert_int_eq(o.cls, ISM_HTTP_CONNECTION_ERROR);
    ck_assert_int_eq(o.code, ISM_E_UPSTREAM);
    ck_assert_int_eq(o.attempts, 2);
    ck_assert_int_eq(o.status, 0);
    ism_http_engine_free(eng);
}
END_TEST

static void run_many(ism_http_config cfg, int n, int *server_max, int *engine_max)
{
    httpd_test *srv = httpd_test_start(NULL, NULL);
    httpd_resp slow = {200, NULL, "x", 0, 80, false};
    httpd_test_script(srv, &slow, 1);
    ism_http_engine *eng = engine(cfg);
    outcome *o = calloc((size_t)n, sizeof *o);
    for (int i = 0; i < n; i++)
        submit(eng, srv, "/", &o[i], NULL);
    run(eng);
    for (int i = 0; i < n; i++)
        ck_assert_int_eq(o[i].cls, ISM_HTTP_OK);
    *server_max = httpd_test_max_in_flight(srv);
    ism_http_stats st;
    ism_http_stats_get(eng, &st);
    *engine_max = st.max_in_flight_seen;
    free(o);
    ism_http_engine_free(eng);
    httpd_test_stop(srv);
}

START_TEST(concurrency_is_bounded)
{
    int srv_max, eng_max;
    run_many((ism_http_config){.max_in_flight = 4, .max_per_host = 10}, 20, &srv_max, &eng_max);
    ck_assert_int_le(srv_max, 4);
    ck_assert_int_ge(srv_max, 2); /* and the bound is actually used */
    ck_assert_int_le(eng_max, 4);
    run_many((ism_http_config){.max_in_flight = 10, .max_per_host = 3}, 15, &srv_max, &eng_max);
    ck_assert_int_le(srv_max, 3);
    ck_assert_int_ge(srv_max, 2);
}
END_TEST

START_TEST(connections_are_reused)
{
    httpd_test *srv = httpd_test_start(NULL, NULL);
    ism_http_engine *eng = engine((ism_http_config){.max_in_flight = 1});
    outcome o[10] = {{0}};
    for (int i = 0; i < 10; i++)
        submit(eng, srv, "/", &o[i], NULL);
    run(eng);
    ck_assert_int_eq(httpd_test_requests(srv), 10);
    ck_assert_int_eq(httpd_test_connections(srv), 1);
    ism_http_engine_free(eng);
    httpd_test_stop(srv);
}
END_TEST

START_TEST(token_bucket_limits_the_rate)
{
    httpd_test *srv = httpd_test_start(NULL, NULL);
    vclock vc = {0};
    ism_http_engine *eng = engine(with_vclock((ism_http_config){0}, &vc));
    ism_error e = {0};
    ck_assert(ism_http_bucket_set(eng, "111122223333/ap-northeast-1/ec2", 2, 10, &e));
    outcome o[12] = {{0}};
    for (int i = 0; i < 12; i++)
        submit_timed(eng, srv, &o[i], "111122223333/ap-northeast-1/ec2");
    run(eng);
    /* Two at once from the full bucket, then ten at 10/s, in virtual time. */
    ck_assert_int_eq(o[0].at[0], 0);
    ck_assert_int_eq(o[1].at[0], 0);
    for (int i = 2; i < 12; i++) {
        ck_assert_int_eq(o[i].cls, ISM_HTTP_OK);
        ck_assert_int_ge(o[i].at[0] - o[i - 1].at[0], 99);
        ck_assert_int_le(o[i].at[0] - o[i - 1].at[0], 101);
    }
    ck_assert_int_eq(ism_http_bucket_taken(eng, "111122223333/ap-northeast-1/ec2"), 12);
    /* Another key, and no key, are not slowed by it. */
    outcome p[6] = {{0}};
    for (int i = 0; i < 3; i++)
        submit_timed(eng, srv, &p[i], "other/key");
    for (int i = 3; i < 6; i++)
        submit_timed(eng, srv, &p[i], NULL);
    int64_t t0 = vc.now;
    run(eng);
    ck_assert_int_eq(vc.now, t0);
    ck_assert_double_eq(ism_http_bucket_rate(eng, "other/key"), -1);
    ism_http_engine_free(eng);
    httpd_test_stop(srv);
}
END_TEST

START_TEST(every_attempt_takes_a_token)
{
    httpd_test *srv = httpd_test_start(NULL, NULL);
    httpd_resp steps[] = {{503, NULL, NULL, 0, 0, false},
                          {429, NULL, NULL, 0, 0, false},
                          {500, NULL, NULL, 0, 0, false},
                          {200, NULL, NULL, 0, 0, false}};
    httpd_test_script(srv, steps, 4);
    vclock vc = {0};
    ism_http_engine *eng =
        engine(with_vclock((ism_http_config){.backoff_base_ms = 1, .no_jitter = true}, &vc));
    ism_error e = {0};
    ck_assert(ism_http_bucket_set(eng, "k", 1, 2, &e));
    outcome o[3] = {{0}};
    for (int i = 0; i < 3; i++)
        submit_timed(eng, srv, &o[i], "k");
    run(eng);
    ism_http_stats st;
    ism_http_stats_get(eng, &st);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(o[i].cls, ISM_HTTP_OK);
    ck_assert_int_eq(st.calls, 6); /* three failed attempts were retried */
    ck_assert_int_eq(st.retries, 3);
    ck_assert_int_eq(st.admitted, st.calls);
    ck_assert_int_eq(ism_http_bucket_taken(eng, "k"), st.calls);
    /* One token at the start, then 2/s (slower after the throttle): retries waited too. */
    ck_assert_int_ge(vc.now, 2500);
    ism_http_engine_free(eng);
    httpd_test_stop(srv);
}
END_TEST

START_TEST(bucket_adapts_to_throttling)
{
    httpd_test *srv = httpd_test_start(NULL, NULL);
    httpd_resp steps[] = {{429, NULL, NULL, 0, 0, false}, {200, NULL, NULL, 0, 0, false}};
    httpd_test_script(srv, steps, 2);
    /* Default buckets apply to every key not set explicitly. */
    vclock vc = {0};
    ism_http_engine *eng = engine(with_vclock(
        (ism_http_config){.bucket_capacity = 5, .bucket_refill = 40, .backoff_base_ms = 10}, &vc));
    outcome o = {0};
    submit(eng, srv, "/", &o, "acct/region/svc");
    run(eng);
    ck_assert_int_eq(o.cls, ISM_HTTP_OK);
    /* Cut to 0.7 x 40 = 28, then (one success later) only just above it on the cubic. */
    ck_assert_double_ge(ism_http_bucket_rate(eng, "acct/region/svc"), 28);
    ck_assert_double_lt(ism_http_bucket_rate(eng, "acct/region/svc"), 30);
    ism_http_engine_free(eng);
    httpd_test_stop(srv);
}
END_TEST

/* The bucket alone, in its own time: the cut, one cut per second, the cubic recovery. */
START_TEST(rate_bucket_cubic)
{
    ism_rate_bucket b;
    ism_rate_bucket_init(&b, 20, 10, 0);
    for (int i = 0; i < 20; i++)
        ck_assert(ism_rate_bucket_take(&b, 0, NULL));
    int64_t wait = 0;
    ck_assert(!ism_rate_bucket_take(&b, 0, &wait));
    ck_assert_int_ge(wait, 100);
    ck_assert_int_le(wait, 101);
    ck_assert(ism_rate_bucket_take(&b, 101, NULL));
    ck_assert_int_eq(b.taken, 21);
    /* Sending at 10/s for 3 s, all answered fine: the rate stays at the maximum. */
    int64_t t = 101;
    for (int i = 0; i < 30; i++, t += 100)
        ism_rate_bucket_feedback(&b, false, t);
    ck_assert_double_eq(b.rate, 10);
    ck_assert_double_gt(b.measured_rate, 8);
    /* Throttled: 0.7 x min(measured, rate); a second throttle within the second is no cut. */
    double measured = b.measured_rate < 10 ? b.measured_rate : 10;
    ism_rate_bucket_feedback(&b, true, t);
    ck_assert_double_eq_tol(b.rate, 0.7 * measured, 1e-9);
    ck_assert_double_le(b.tokens, 0);
    double cut = b.rate;
    ism_rate_bucket_feedback(&b, true, t + 500);
    ck_assert_double_eq(b.rate, cut);
    /* Recovery follows the cubic: below the old rate shortly after, back at it after K s. */
    ism_rate_bucket_feedback(&b, false, t + 600);
    ck_assert_double_lt(b.rate, measured);
    ck_assert_double_ge(b.rate, cut);
    for (int64_t u = t + 700; u <= t + 6000; u += 100)
        ism_rate_bucket_feedback(&b, false, u);
    ck_assert_double_eq(b.rate, 10); /* never above the configured rate */
    /* Repeated throttling never goes below 0.5/s. */
    for (int i = 0; i < 30; i++)
        ism_rate_bucket_feedback(&b, true, t + 7000 + 1000 * i);
    ck_assert_double_eq(b.rate, 0.5);
}
END_TEST

START_TEST(only_what_the_sdks_retry)
{
    httpd_test *srv = httpd_test_start(NULL, NULL);
    const int retried[] = {500, 502, 503, 504, 429};
    const int not_retried[] = {501, 505, 400, 403, 404};
    vclock vc = {0};
    ism_http_engine *eng = engine(with_vclock(
        (ism_http_config){.max_attempts = 3, .backoff_base_ms = 1, .throttle_attempt_limit = 4},
        &vc));
    for (size_t i = 0; i < 5; i++) {
        httpd_resp r = {retried[i], NULL, NULL, 0, 0, false};
        httpd_test_script(srv, &r, 1);
        outcome o = {0};
        submit(eng, srv, "/", &o, NULL);
        run(eng);
        /* Throttling goes on up to the safety bound; the others stop at max_attempts. */
        ck_assert_msg(o.attempts == (retried[i] == 429 ? 4 : 3), "HTTP %d: %d attempts", retried[i],
                      o.attempts);
    }
    for (size_t i = 0; i < 5; i++) {
        httpd_resp r = {not_retried[i], NULL, NULL, 0, 0, false};
        httpd_test_script(srv, &r, 1);
        outcome o = {0};
        submit(eng, srv, "/", &o, NULL);
        run(eng);
        ck_assert_msg(o.attempts == 1, "HTTP %d: %d attempts", not_retried[i], o.attempts);
        if (not_retried[i] >= 500) ck_assert_ptr_nonnull(strstr(o.msg, "not retried"));
    }
    ism_http_engine_free(eng);
    httpd_test_stop(srv);
}
END_TEST

START_TEST(throttling_does_not_use_up_attempts)
{
    httpd_test *srv = httpd_test_start(NULL, NULL);
    httpd_resp steps[] = {{429, NULL, NULL, 0, 0, false}, {429, NULL, NULL, 0, 0, false},
                          {503, NULL, NULL, 0, 0, false}, {429, NULL, NULL, 0, 0, false},
                          {429, NULL, NULL, 0, 0, false}, {429, NULL, NULL, 0, 0, false},
                          {200, NULL, "ok", 0, 0, false}};
    httpd_test_script(srv, steps, 7);
    vclock vc = {0};
    ism_http_engine *eng =
        engine(with_vclock((ism_http_config){.max_attempts = 2, .backoff_base_ms = 5}, &vc));
    outcome o = {0};
    submit(eng, srv, "/", &o, NULL);
    run(eng);
    ck_assert_int_eq(o.cls, ISM_HTTP_OK);
    ck_assert_int_eq(o.attempts, 7);
    ism_http_stats st;
    ism_http_stats_get(eng, &st);
    ck_assert_int_eq(st.throttled, 5);
    ck_assert_int_eq(st.throttle_limit_hits, 0);
    ism_http_engine_free(eng);
    /* The safety bound ends it, and says so in the stats. */
    httpd_resp always = {429, NULL, NULL, 0, 0, false};
    httpd_test_script(srv, &always, 1);
    eng = engine(with_vclock(
        (ism_http_config){.max_attempts = 2, .backoff_base_ms = 5, .throttle_attempt_limit = 6},
        &vc));
    outcome p = {0};
    submit(eng, srv, "/", &p, NULL);
    run(eng);
    ck_assert_int_eq(p.cls, ISM_HTTP_THROTTLED);
    ck_assert_int_eq(p.attempts, 6);
    ism_http_stats_get(eng, &st);
    ck_assert_int_eq(st.throttle_limit_hits, 1);
    ism_http_engine_free(eng);
    httpd_test_stop(srv);
}
END_TEST

/* The admit hook sees every attempt and can hold each back. */
static int64_t admit_every_other(int attempt, int64_t now, void *arg)
{
    outcome *o = arg;
    (void)now;
    if (o->admits < 64) o->at[o->admits] = attempt;
    return o->admits++ % 2 == 0 ? 40 : 0;
}

START_TEST(admit_hook_gates_every_attempt)
{
    httpd_test *srv = httpd_test_start(NULL, NULL);
    httpd_resp steps[] = {{503, NULL, NULL, 0, 0, false}, {200, NULL, NULL, 0, 0, false}};
    httpd_test_script(srv, steps, 2);
    vclock vc = {0};
    ism_http_engine *eng =
        engine(with_vclock((ism_http_config){.backoff_base_ms = 1, .no_jitter = true}, &vc));
    char url[256];
    outcome o = {0};
    ism_http_request rq = {.method = "GET",
                           .url = httpd_test_url(srv, "/", url, sizeof url),
                           .admit = admit_every_other,
                           .admit_arg = &o,
                           .done = on_done,
                           .done_arg = &o};
    ism_error e = {0};
    ck_assert(ism_http_submit(eng, &rq, &e));
    run(eng);
    ck_assert_int_eq(o.cls, ISM_HTTP_OK);
    ck_assert_int_eq(o.attempts, 2);
    ck_assert_int_eq(o.admits, 4); /* asked twice per attempt: held back, then admitted */
    ck_assert_int_eq(o.at[0], 1);
    ck_assert_int_eq(o.at[1], 1);
    ck_assert_int_eq(o.at[2], 2);
    ck_assert_int_eq(o.at[3], 2);
    ck_assert_int_eq(vc.now, 40 + 1 + 40);
    ism_http_stats st;
    ism_http_stats_get(eng, &st);
    ck_assert_int_eq(st.admitted, 2);
    ism_http_engine_free(eng);
    httpd_test_stop(srv);
}
END_TEST

static int cancelled_callbacks;
static void count_cancelled(ism_http_result *r, void *arg)
{
    (void)arg;
    if (r->err.code == ISM_E_CANCELLED) cancelled_callbacks++;
}

START_TEST(plain_http_policy)
{
    ck_assert(ism_http_is_loopback_host("127.0.0.1"));
    ck_assert(ism_http_is_loopback_host("127.255.3.4"));
    ck_assert(ism_http_is_loopback_host("localhost"));
    ck_assert(ism_http_is_loopback_host("LocalHost"));
    ck_assert(ism_http_is_loopback_host("[::1]"));
    ck_assert(!ism_http_is_loopback_host("128.0.0.1"));
    ck_assert(!ism_http_is_loopback_host("10.0.0.1"));
    ck_assert(!ism_http_is_loopback_host("127.0.0.1.example.com"));
    ck_assert(!ism_http_is_loopback_host("localhost.example.com"));
    ck_assert(!ism_http_is_loopback_host("[::2]"));

    ism_http_engine *eng = engine((ism_http_config){0});
    ism_error e = {0};
    const char *refused[] = {"http://example.com/",      "http://10.0.0.1:8080/",
                             "http://127.0.0.1.nip.io/", "ftp://127.0.0.1/",
                             "file:///etc/passwd",       "not a url"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        ism_http_request rq = {.method = "GET", .url = refused[i], .done = count_cancelled};
        ck_assert_msg(!ism_http_submit(eng, &rq, &e), "%s accepted", refused[i]);
        ck_assert_msg(e.code == ISM_E_CONFIG || e.code == ISM_E_INVALID_PARAMS, "%s", e.message);
    }
    ism_http_request rq = {.method = "GET", .url = "http://example.com/", .done = count_cancelled};
    ck_assert(!ism_http_submit(eng, &rq, &e));
    ck_assert_int_eq(e.code, ISM_E_CONFIG);
    ck_assert_ptr_nonnull(strstr(e.message, "loopback"));
    /* https is fine at submit; freeing the engine completes it as cancelled, unsent. */
    rq.url = "https://iam.amazonaws.com/";
    ck_assert(ism_http_submit(eng, &rq, &e));
    ism_http_engine_free(eng);
    ck_assert_int_eq(cancelled_callbacks, 1);

    /* Loopback over http needs the operator's explicit endpoint. */
    ism_http_engine *strict = ism_http_engine_new(&(ism_http_config){0}, &e);
    rq.url = "http://127.0.0.1:9/";
    ck_assert(!ism_http_submit(strict, &rq, &e));
    ck_assert_int_eq(e.code, ISM_E_CONFIG);
    ck_assert_ptr_nonnull(strstr(e.message, "explicitly"));
    ism_http_engine_free(strict);
    ism_error_clear(&e);
}
END_TEST

START_TEST(body_cap_is_enforced)
{
    static char big[5000];
    memset(big, 'x', sizeof big);
    httpd_test *srv = httpd_test_start(NULL, NULL);
    httpd_resp steps[] = {{200, NULL, big, sizeof big, 0, false},
                          {200, NULL, big, sizeof big, 0, true}};
    httpd_test_script(srv, steps, 2);
    ism_http_engine *eng = engine((ism_http_config){.max_body = 1000, .max_in_flight = 1});
    outcome declared = {0}, streamed = {0};
    submit(eng, srv, "/", &declared, NULL);
    submit(eng, srv, "/", &streamed, NULL);
    run(eng);
    outcome *os[] = {&declared, &streamed};
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(os[i]->cls, ISM_HTTP_LOCAL_ERROR);
        ck_assert_int_eq(os[i]->code, ISM_E_TOO_LARGE);
        ck_assert_int_eq(os[i]->attempts, 1);
        ck_assert_ptr_nonnull(strstr(os[i]->msg, "1000 bytes"));
    }
    ck_assert_int_eq(httpd_test_requests(srv), 2);
    ism_http_engine_free(eng);
    httpd_test_stop(srv);
}
END_TEST

static int signer_calls;
static bool test_signer(ism_http_attempt *a, void *arg, ism_error *err)
{
    (void)err;
    signer_calls++;
    char n[16];
    snprintf(n, sizeof n, "%d", a->attempt);
    ism_http_headers_set(a->headers, "X-Attempt", n);
    ism_http_headers_set(a->headers, "Authorization", (const char *)arg);
    return true;
}

static bool failing_signer(ism_http_attempt *a, void *arg, ism_error *err)
{
    (void)a;
    (void)arg;
    return ism_error_set(err, ISM_E_UNAUTHENTICATED, "credentials expired");
}

START_TEST(signer_runs_per_attempt)
{
    char *dir = tu_tempdir("httplog"), *log = ism_strdupf("%s/log.jsonl", dir);
    ism_error e = {0};
    ck_assert(ism_log_open(log, ISM_LOG_DEBUG, &e));
    httpd_test *srv = httpd_test_start(NULL, NULL);
    httpd_resp steps[] = {{503, NULL, NULL, 0, 0, false},
                          {500, NULL, NULL, 0, 0, false},
                          {200, NULL, NULL, 0, 0, false}};
    httpd_test_script(srv, steps, 3);
    ism_http_engine *eng = engine((ism_http_config){.backoff_base_ms = 5});
    ism_http_headers h = {0};
    ism_http_headers_add(&h, "X-Base", "kept");
    char url[256];
    outcome o = {0}, f = {0};
    ism_http_request rq = {
        .method = "GET",
        .url = httpd_test_url(srv, "/s?X-Amz-Signature=querysecret", url, sizeof url),
        .headers = &h,
        .signer = test_signer,
        .signer_arg = "AWS4-HMAC-SHA256 Signature=supersecret",
        .done = on_done,
        .done_arg = &o};
    ck_assert(ism_http_submit(eng, &rq, &e));
    run(eng);
    ck_assert_int_eq(signer_calls, 3);
    ck_assert_int_eq(o.attempts, 3);
    for (size_t i = 0; i < 3; i++) {
        httpd_req r;
        ck_assert(httpd_test_request(srv, i, &r));
        char want[4];
        snprintf(want, sizeof want, "%zu", i + 1);
        ck_assert_str_eq(ism_http_headers_get(&r.headers, "x-attempt"), want);
        ck_assert_str_eq(ism_http_headers_get(&r.headers, "x-base"), "kept");
        httpd_req_free(&r);
    }
    /* A signer that fails ends the request here, unsent and not retried. */
    rq.signer = failing_signer;
    rq.done_arg = &f;
    ck_assert(ism_http_submit(eng, &rq, &e));
    run(eng);
    ck_assert_int_eq(f.cls, ISM_HTTP_LOCAL_ERROR);
    ck_assert_int_eq(f.code, ISM_E_UNAUTHENTICATED);
    ck_assert_int_eq(f.attempts, 0);
    ck_assert_int_eq(httpd_test_requests(srv), 3);
    ism_http_engine_free(eng);
    httpd_test_stop(srv);
    ism_http_headers_clear(&h);
    ism_log_open(NULL, ISM_LOG_WARN, &e);
    char *text = ism_read_file(log, 1 << 20, NULL, &e);
    ck_assert_ptr_nonnull(text);
    ck_assert_ptr_nonnull(strstr(text, "http.retry")); /* the log is there... */
    ck_assert_ptr_null(strstr(text, "supersecret"));   /* ...without the secrets */
    ck_assert_ptr_null(strstr(text, "querysecret"));
    free(text);
    tu_rmtree(dir);
    free(dir);
    free(log);
}
END_TEST

static ism_http_class body_says_throttling(const ism_http_result *r, ism_http_class dflt, void *arg)
{
    (void)arg;
    return r->status == 400 && strstr(r->body, "Throttling") ? ISM_HTTP_THROTTLED : dflt;
}

START_TEST(classifier_refines)
{
    httpd_test *srv = httpd_test_start(NULL, NULL);
    httpd_resp steps[] = {{400, NULL, "<Code>Throttling</Code>", 0, 0, false},
                          {400, NULL, "<Code>AccessDenied</Code>", 0, 0, false}};
    httpd_test_script(srv, steps, 2);
    ism_http_engine *eng = engine((ism_http_config){.backoff_base_ms = 5});
    char url[256];
    outcome o = {0};
    ism_http_request rq = {.method = "GET",
                           .url = httpd_test_url(srv, "/", url, sizeof url),
                           .classify = body_says_throttling,
                           .done = on_done,
                           .done_arg = &o};
    ism_error e = {0};
    ck_assert(ism_http_submit(eng, &rq, &e));
    run(eng);
    ck_assert_int_eq(o.attempts, 2); /* throttled, retried, then a real client error */
    ck_assert_int_eq(o.cls, ISM_HTTP_CLIENT_ERROR);
    ck_assert_str_eq(o.body, "<Code>AccessDenied</Code>");
    ism_http_stats st;
    ism_http_stats_get(eng, &st);
    ck_assert_int_eq(st.throttled, 1);
    ck_assert_int_eq(st.client_errors, 1);
    ism_http_engine_free(eng);
    httpd_test_stop(srv);
}
END_TEST

/* The virtual clock's wall time, fixed unless a test moves it. */
static int64_t vwall(void *arg)
{
    return ((vclock *)arg)->wall;
}

#define SKEW_BODY(code, msg)                                                                       \
    "<ErrorResponse><Error><Type>Sender</Type><Code>" code "</Code><Message>" msg                  \
    "</Message></Error><RequestId>rid-skew</RequestId></ErrorResponse>"

static void submit_signed(ism_http_engine *eng, httpd_test *srv, ism_aws_signer *sg, outcome *o)
{
    char url[256];
    const char *body = "Action=ListUsers&Version=2010-05-08";
    ism_http_request rq = {.method = "POST",
                           .url = httpd_test_url(srv, "/", url, sizeof url),
                           .body = body,
                           .body_len = strlen(body),
                           .label = "iam:ListUsers",
                           .signer = ism_aws_http_sign,
                           .signer_arg = sg,
                           .classify = ism_aws_http_classify,
                           .done = on_done,
                           .done_arg = o};
    ism_error e = {0};
    ck_assert_msg(ism_http_submit(eng, &rq, &e), "%s", e.message);
}

static void assert_amz_date(httpd_test *srv, size_t i, const char *want)
{
    httpd_req r;
    ck_assert(httpd_test_request(srv, i, &r));
    ck_assert_str_eq(ism_http_headers_get(&r.headers, "x-amz-date"), want);
    httpd_req_free(&r);
}

/* A refusal for clock skew is retried exactly once, at once, re-signed at the server's time
 * (its Date header); the correction stays for later requests. Other signature errors, and a
 * second skew refusal, are final. Time is virtual: the wall clock is 30 minutes slow. */
START_TEST(clock_skew_is_retried_once_resigned)
{
    vclock vc = {.now = 0, .wall = 1788694200}; /* 2026-09-06T11:30:00Z, 30 minutes slow */
    ism_http_engine *eng = engine((ism_http_config){
        .backoff_base_ms = 1000, .clock = (ism_http_clock){vnow, vsleep, &vc, vwall}});
    ism_aws_signer sg = {.region = "us-east-1", .service = "iam", .creds = {"AKIDEXAMPLE", "s"}};
    const char *date = "Date: Sun, 06 Sep 2026 12:00:00 GMT\r\n";
    httpd_test *srv = httpd_test_start(NULL, NULL);
    httpd_resp steps[] = {
        /* 1: skewed, corrected, retried at once and answered */
        {403, date,
         SKEW_BODY("SignatureDoesNotMatch", "Signature expired: 20260906T113000Z is now earlier "
                                            "than 20260906T114500Z (20260906T120000Z - 15 min.)"),
         0, 0, false},
        {200, NULL, "<ListUsersResponse/>", 0, 0, false},
        /* 2: signed at the corrected time from the start */
        {200, NULL, "<ListUsersResponse/>", 0, 0, false},
        /* 3: skewed twice: one retry only */
        {400, date, SKEW_BODY("RequestExpired", "Request has expired."), 0, 0, false},
        {403, date, SKEW_BODY("RequestTimeTooSkewed", "too skewed"), 0, 0, false},
        /* 4: a wrong signature is not skew: not retried */
        {403, date,
         SKEW_BODY("SignatureDoesNotMatch", "The request signature we calculated does not "
                                            "match the signature you provided."),
         0, 0, false},
    };
    httpd_test_script(srv, steps, sizeof steps / sizeof steps[0]);

    outcome o1 = {0}, o2 = {0}, o3 = {0}, o4 = {0};
    submit_signed(eng, srv, &sg, &o1);
    run(eng);
    ck_assert_int_eq(o1.cls, ISM_HTTP_OK);
    ck_assert_int_eq(o1.attempts, 2);
    ck_assert_int_eq(vc.now, 0); /* no backoff before the re-signed attempt */
    ck_assert_int_eq(ism_http_clock_skew_s(eng), 1800);
    assert_amz_date(srv, 0, "20260906T113000Z");
    assert_amz_date(srv, 1, "20260906T120000Z");

    submit_signed(eng, srv, &sg, &o2);
    run(eng);
    ck_assert_int_eq(o2.attempts, 1);
    assert_amz_date(srv, 2, "20260906T120000Z");

    vc.wall += 60;
    submit_signed(eng, srv, &sg, &o3);
    run(eng);
    ck_assert_int_eq(o3.attempts, 2);
    ck_assert_int_eq(o3.cls, ISM_HTTP_CLIENT_ERROR);
    ck_assert_int_eq(o3.status, 403);
    assert_amz_date(srv, 3, "20260906T120100Z");
    /* The server's Date did not move with ours: the correction follows it. */
    ck_assert_int_eq(ism_http_clock_skew_s(eng), 1740);
    assert_amz_date(srv, 4, "20260906T120000Z");

    submit_signed(eng, srv, &sg, &o4);
    run(eng);
    ck_assert_int_eq(o4.attempts, 1);
    ck_assert_int_eq(o4.cls, ISM_HTTP_CLIENT_ERROR);
    ck_assert_int_eq(httpd_test_requests(srv), 6);

    ism_http_stats st;
    ism_http_stats_get(eng, &st);
    ck_assert_int_eq(st.client_errors, 4);
    ck_assert_int_eq(st.ok, 2);
    ism_http_engine_free(eng);
    httpd_test_stop(srv);
}
END_TEST

typedef struct pager {
    ism_http_engine *eng;
    httpd_test *srv;
    int pages;
    char *kept;
} pager;

static void next_page(ism_http_result *r, void *arg)
{
    pager *p = arg;
    ck_assert_int_eq(r->cls, ISM_HTTP_OK);
    free(p->kept);
    p->kept = ism_http_result_take_body(r, NULL);
    if (++p->pages == 5) return;
    char url[256];
    ism_http_request rq = {.method = "GET",
                           .url = httpd_test_url(p->srv, "/page", url, sizeof url),
                           .done = next_page,
                           .done_arg = p};
    ism_error e = {0};
    ck_assert(ism_http_submit(p->eng, &rq, &e));
}

START_TEST(callbacks_can_submit)
{
    httpd_test *srv = httpd_test_start(NULL, NULL);
    ism_http_engine *eng = engine((ism_http_config){0});
    pager p = {eng, srv, 0, NULL};
    char url[256];
    ism_http_request rq = {.method = "GET",
                           .url = httpd_test_url(srv, "/page", url, sizeof url),
                           .done = next_page,
                           .done_arg = &p};
    ism_error e = {0};
    ck_assert(ism_http_submit(eng, &rq, &e));
    run(eng);
    ck_assert_int_eq(p.pages, 5);
    ck_assert_str_eq(p.kept, "ok");
    free(p.kept);
    ism_http_engine_free(eng);
    httpd_test_stop(srv);
}
END_TEST

typedef struct cancel_arg {
    ism_http_engine *eng;
    httpd_test *srv;
} cancel_arg;

/* Cancels once both transfers have reached the server (a condition, not a fixed delay). */
static void *cancel_later(void *arg)
{
    cancel_arg *ca = arg;
    for (int i = 0; i < 60000 && httpd_test_requests(ca->srv) < 2; i++)
        usleep(1000);
    ism_http_cancel(ca->eng);
    return NULL;
}

START_TEST(cancel_from_another_thread)
{
    httpd_test *srv = httpd_test_start(NULL, NULL);
    httpd_resp slow = {200, NULL, NULL, 0, 3000, false};
    httpd_test_script(srv, &slow, 1);
    ism_http_engine *eng = engine((ism_http_config){.max_in_flight = 2});
    outcome o[4] = {{0}};
    for (int i = 0; i < 4; i++)
        submit(eng, srv, "/", &o[i], NULL);
    pthread_t t;
    cancel_arg ca = {eng, srv};
    pthread_create(&t, NULL, cancel_later, &ca);
    ism_error e = {0};
    ck_assert(!ism_http_run(eng, &e));
    ck_assert_int_eq(e.code, ISM_E_CANCELLED);
    pthread_join(t, NULL);
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(o[i].calls, 1);
        ck_assert_int_eq(o[i].code, ISM_E_CANCELLED);
    }
    /* The engine is usable again afterwards. */
    httpd_resp fast = {200, NULL, "again", 0, 0, false};
    httpd_test_script(srv, &fast, 1);
    outcome again = {0};
    submit(eng, srv, "/", &again, NULL);
    run(eng);
    ck_assert_str_eq(again.body, "again");
    ism_http_engine_free(eng);
    httpd_test_stop(srv);
}
END_TEST

START_TEST(methods_and_bodies)
{
    httpd_test *srv = httpd_test_start(NULL, NULL);
    ism_http_engine *eng = engine((ism_http_config){.max_in_flight = 1});
    const char *methods[] = {"PUT", "DELETE", "HEAD", "POST"};
    const char *bodies[] = {"put-body", NULL, NULL, NULL};
    outcome o[4] = {{0}};
    char url[256];
    for (int i = 0; i < 4; i++) {
        ism_http_request rq = {.method = methods[i],
                               .url = httpd_test_url(srv, "/m", url, sizeof url),
                               .body = bodies[i],
                               .body_len = bodies[i] ? strlen(bodies[i]) : 0,
                               .done = on_done,
                               .done_arg = &o[i]};
        ism_error e = {0};
        ck_assert(ism_http_submit(eng, &rq, &e));
    }
    run(eng);
    for (size_t i = 0; i < 4; i++) {
        ck_assert_msg(o[i].cls == ISM_HTTP_OK, "%s: %s", methods[i], o[i].msg);
        httpd_req r;
        ck_assert(httpd_test_request(srv, i, &r));
        ck_assert_str_eq(r.method, methods[i]);
        ck_assert_str_eq(r.body, bodies[i] ? bodies[i] : "");
        httpd_req_free(&r);
    }
    ck_assert_str_eq(o[2].body, ""); /* HEAD has no body */
    ism_error e = {0};
    ism_http_request bad = {.method = "GET", .url = url};
    ck_assert(!ism_http_submit(eng, &bad, &e));
    ck_assert_int_eq(e.code, ISM_E_INVALID_PARAMS);
    ism_http_engine_free(eng);
    httpd_test_stop(srv);
}
END_TEST

int main(void)
{
    /* A proxy in the environment must not be asked to reach our 127.0.0.1 server. */
    setenv("NO_PROXY", "127.0.0.1,localhost,::1", 1);
    setenv("no_proxy", "127.0.0.1,localhost,::1", 1);
    ism_log_open(NULL, ISM_LOG_WARN, NULL);
    Suite *s = suite_create("http_engine");
    TCase *tc = tcase_create("http_engine");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, ok_post_with_headers);
    tcase_add_test(tc, retries_back_off_and_stop);
    tcase_add_test(tc, full_jitter_stays_under_the_cap);
    tcase_add_test(tc, retry_after_is_honoured);
    tcase_add_test(tc, retry_after_is_clamped);
    tcase_add_test(tc, dropped_connection_is_retried);
    tcase_add_test(tc, slow_answer_times_out);
    tcase_add_test(tc, connection_refused);
    tcase_add_test(tc, concurrency_is_bounded);
    tcase_add_test(tc, connections_are_reused);
    tcase_add_test(tc, token_bucket_limits_the_rate);
    tcase_add_test(tc, bucket_adapts_to_throttling);
    tcase_add_test(tc, every_attempt_takes_a_token);
    tcase_add_test(tc, rate_bucket_cubic);
    tcase_add_test(tc, only_what_the_sdks_retry);
    tcase_add_test(tc, throttling_does_not_use_up_attempts);
    tcase_add_test(tc, admit_hook_gates_every_attempt);
    tcase_add_test(tc, plain_http_policy);
    tcase_add_test(tc, body_cap_is_enforced);
    tcase_add_test(tc, signer_runs_per_attempt);
    tcase_add_test(tc, classifier_refines);
    tcase_add_test(tc, clock_skew_is_retried_once_resigned);
    tcase_add_test(tc, callbacks_can_submit);
    tcase_add_test(tc, cancel_from_another_thread);
    tcase_add_test(tc, methods_and_bodies);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
