/* test_http_events.c — Server-Sent Events from an in-process HTTP gateway: events reach only
 * subscribers of their organization (an admin of every organization sees all, an event without
 * an organization reaches only such admins), a stalled subscriber loses events and is told
 * with "event: overflow" while the publisher never waits, the subscriber count is bounded and
 * the stream needs a token. */
#include "httpc.h"
#include "ismap/rpc.h"
#include "testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dir;
static ism_store *st;
static ism_rpc_app app;
static ism_rpc_http_server *srv;
static int port;
static char tok_a[80], tok_b[80], tok_admin[80];

static void setup(void)
{
    dir = tu_tempdir("httpevents");
    char *path = ism_strdupf("%s/ismap.db", dir);
    ism_error err = {0};
    st = ism_store_open(path, &err);
    free(path);
    ck_assert_msg(st, "%s", err.message);
    ism_token_info info;
    ck_assert(ism_store_token_create(st, "a", ISM_ROLE_VIEWER, "org-a", tok_a, &info, &err));
    ck_assert(ism_store_token_create(st, "b", ISM_ROLE_VIEWER, "org-b", tok_b, &info, &err));
    ck_assert(ism_store_token_create(st, "adm", ISM_ROLE_ADMIN, "", tok_admin, &info, &err));
    app.store = st;
    /* The slow-client timeout (30 s by default) would end the stalled subscriber's stream
     * while a busy machine is still publishing its 20,000 events: that is a disconnect, not
     * the overflow tested here, so it is set far beyond any wait of these tests. */
    ism_rpc_http_config cfg = {
        .listen = "http://127.0.0.1:0", .per_address = 100, .timeout_s = 3600};
    srv = ism_rpc_http_start(&app, &cfg, &err);
    ck_assert_msg(srv, "%s", err.message);
    port = ism_rpc_http_port(srv);
}

static void teardown(void)
{
    ism_rpc_http_stop(srv);
    ism_store_close(st);
    tu_rmtree(dir);
    free(dir);
}

static httpc_stream *subscribe(const char *token, int rcvbuf)
{
    char auth[128];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
    const char *h[] = {auth, NULL};
    httpc_stream *s = httpc_stream_open(port, "/api/v1/events", h, rcvbuf);
    ck_assert_ptr_nonnull(s);
    ck_assert_msg(httpc_stream_wait(s, 0, ": subscribed\n\n"), "no stream: %s",
                  httpc_stream_text(s, NULL));
    return s;
}

static void publish(const char *topic, const char *job, const char *org)
{
    json_t *ev = json_pack("{s:s, s:s?, s:f}", "job", job, "org", org, "progress", 0.5);
    ism_rpc_http_publish(srv, topic, ev);
    json_decref(ev);
}

START_TEST(org_filter)
{
    httpc_stream *a = subscribe(tok_a, 0), *b = subscribe(tok_b, 0), *adm = subscribe(tok_admin, 0);
    const char *head = httpc_stream_text(a, NULL);
    ck_assert_ptr_nonnull(strstr(head, "Content-Type: text/event-stream"));
    ck_assert_ptr_nonnull(strstr(head, "Content-Security-Policy: "));
    publish("job.progress", "job_of_b", "org-b");
    publish("job.progress", "no_org", NULL);
    publish("job.finished", "job_of_a", "org-a");
    /* Each sees its own; the admin of every organization sees all three, in order. */
    ck_assert(httpc_stream_wait(a, 0, "event: job.finished\ndata: {\"job\":\"job_of_a\""));
    ck_assert(httpc_stream_wait(b, 0, "event: job.progress\ndata: {\"job\":\"job_of_b\""));
    ck_assert(httpc_stream_wait(adm, 0, "job_of_a"));
    const char *t = httpc_stream_text(adm, NULL);
    ck_assert_ptr_nonnull(strstr(t, "job_of_b"));
    ck_assert_ptr_nonnull(strstr(t, "no_org"));
    ck_assert(strstr(t, "job_of_b") < strstr(t, "job_of_a"));
    /* a saw nothing of b's and nothing without an organization: those came before its own. */
    ck_assert_ptr_null(strstr(httpc_stream_text(a, NULL), "job_of_b"));
    ck_assert_ptr_null(strstr(httpc_stream_text(a, NULL), "no_org"));
    /* b's next event proves b's stream is past the point where a's event would be. */
    publish("job.finished", "job_of_b", "org-b");
    ck_assert(httpc_stream_wait(b, 0, "event: job.finished"));
    ck_assert_ptr_null(strstr(httpc_stream_text(b, NULL), "job_of_a"));
    ck_assert_ptr_null(strstr(httpc_stream_text(b, NULL), "no_org"));
    httpc_stream_close(a);
    httpc_stream_close(b);
    httpc_stream_close(adm);
}
END_TEST

START_TEST(stalled_subscriber_overflows)
{
    /* A subscriber that does not read, with a small receive buffer: once the sockets are full,
     * its queue fills and further events are dropped; the publisher goes on. */
    httpc_stream *slow = subscribe(tok_a, 4096);
    char pad[1024];
    memset(pad, 'x', sizeof pad - 1);
    pad[sizeof pad - 1] = '\0';
    enum { N = 20000 };
    for (int i = 0; i < N; i++) {
        json_t *ev = json_pack("{s:s, s:i, s:s}", "org", "org-a", "i", i, "pad", pad);
        ism_rpc_http_publish(srv, "job.progress", ev);
        json_decref(ev);
    }
    /* Once it reads again: the queued events, then a notice saying how many were lost, then
     * the events published after it. */
    ck_assert(httpc_stream_wait(slow, 0, "event: overflow\ndata: {\"dropped\":"));
    /* The notice seen may be one queued while the stream drained during the publishing, with
     * the queue full again behind it: an event published now can still be dropped. So publish
     * a marker and wait for it or for a newer notice (which says it was dropped: the stream
     * tells a gap once it has drained), and again until a marker arrives. */
    char last[64];
    for (int k = N;; k++) {
        size_t from = 0;
        httpc_stream_text(slow, &from);
        json_t *ev = json_pack("{s:s, s:i}", "org", "org-a", "i", k);
        ism_rpc_http_publish(srv, "job.finished", ev);
        json_decref(ev);
        snprintf(last, sizeof last, "\"i\":%d}", k);
        bool arrived = false, noticed = false;
        for (size_t seen = from; !arrived && !noticed;) {
            /* Anything new: a hang bound only (tu_wait_limit_ms). */
            ck_assert(httpc_stream_wait(slow, seen, "\n"));
            size_t n = 0;
            const char *t = httpc_stream_text(slow, &n);
            arrived = strstr(t + from, last) != NULL;
            noticed = strstr(t + from, "event: overflow") != NULL;
            seen = n;
        }
        if (arrived) break;
        ck_assert_int_lt(k, N + 1000);
    }
    const char *text = httpc_stream_text(slow, NULL);
    /* (More than one notice when the stream drained in between while events were published.) */
    const char *ov = strstr(text, "event: overflow");
    for (const char *n = ov; n; n = strstr(n + 1, "event: overflow"))
        ov = n;
    ck_assert_int_gt(atoi(strstr(ov, "\"dropped\":") + 10), 0);
    ck_assert(strstr(ov, last) != NULL);
    /* The events that did arrive came in order. */
    const char *t = httpc_stream_text(slow, NULL);
    int prev = -1, seen = 0;
    for (const char *p = strstr(t, "\"i\":"); p; p = strstr(p + 1, "\"i\":")) {
        int i = atoi(p + 4);
        ck_assert_int_gt(i, prev);
        prev = i;
        seen++;
    }
    ck_assert_int_lt(seen, N);
    httpc_stream_close(slow);
}
END_TEST

START_TEST(bounded_and_authenticated)
{
    httpc_stream *none = httpc_stream_open(port, "/api/v1/events", NULL, 0);
    ck_assert(httpc_stream_wait(none, 0, "\r\n\r\n"));
    ck_assert_ptr_nonnull(strstr(httpc_stream_text(none, NULL), " 401 "));
    httpc_stream_close(none);
    httpc_stream *subs[ISM_RPC_HTTP_MAX_SUBSCRIBERS];
    for (int i = 0; i < ISM_RPC_HTTP_MAX_SUBSCRIBERS; i++)
        subs[i] = subscribe(i % 2 ? tok_a : tok_b, 0);
    char auth[128];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", tok_a);
    const char *h[] = {auth, NULL};
    httpc_stream *extra = httpc_stream_open(port, "/api/v1/events", h, 0);
    ck_assert(httpc_stream_wait(extra, 0, "\r\n\r\n"));
    ck_assert_ptr_nonnull(strstr(httpc_stream_text(extra, NULL), " 503 "));
    httpc_stream_close(extra);
    for (int i = 0; i < ISM_RPC_HTTP_MAX_SUBSCRIBERS; i++)
        httpc_stream_close(subs[i]);
}
END_TEST

/* matrix.changed from a judgment or waiver op: to the assessment's organization (here the
 * caller's, as the assessment is not in the store), on the gateway that app->http names. */
START_TEST(matrix_changed)
{
    httpc_stream *a = subscribe(tok_a, 0), *b = subscribe(tok_b, 0);
    __atomic_store_n(&app.http, srv, __ATOMIC_RELEASE);
    ism_rpc_caller who = {.role = ISM_ROLE_AUDITOR};
    ism_strlcpy(who.org, "org-a", sizeof who.org);
    ism_rpc_call call = {.app = &app, .caller = &who};
    ism_rpc_matrix_changed(&call, "asm_1");
    ck_assert(httpc_stream_wait(
        a, 0, "event: matrix.changed\ndata: {\"assessment\":\"asm_1\",\"org\":\"org-a\"}\n\n"));
    publish("job.finished", "job_of_b", "org-b");
    ck_assert(httpc_stream_wait(b, 0, "job_of_b"));
    ck_assert_ptr_null(strstr(httpc_stream_text(b, NULL), "matrix.changed"));
    app.http = NULL;
    httpc_stream_close(a);
    httpc_stream_close(b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("http_events");
    TCase *tc = tcase_create("events");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, org_filter);
    tcase_add_test(tc, stalled_subscriber_overflows);
    tcase_add_test(tc, bounded_and_authenticated);
    tcase_add_test(tc, matrix_changed);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
