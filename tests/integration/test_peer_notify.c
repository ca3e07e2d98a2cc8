/* test_peer_notify.c — job events across processes by PostgreSQL LISTEN/NOTIFY (issue 18): two
 * ismapd on one PostgreSQL database, each with its peer poll at the maximum (60 s), so that what
 * crosses between them within the test's waits crosses by notification. A job run by daemon A
 * shows its progress and its end on daemon B's events socket, and a job submitted through B while
 * only A has a free worker is claimed by A. Then the server terminates both daemons' listening
 * connections: they connect and listen again, and the same holds for the next job.
 * Runs only on PostgreSQL (tests/pg/pg_run.sh); skipped otherwise. No fixed waits: every wait is
 * for an event or a condition, under the tests' generous overall bound. */
#include "ismap/store.h"
#include "testutil.h"
#include "waitfor.h"

#include <check.h>
#include <nng/nng.h>
#include <nng/protocol/pubsub0/sub.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *dir, *store_url;
static tu_daemon a, b;

static void start(tu_daemon *d, const char *name)
{
    char data[4200], conf[4200];
    snprintf(data, sizeof data, "%s/%s", dir, name);
    snprintf(conf, sizeof conf, "%s/%s.json", dir, name);
    FILE *f = fopen(conf, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "{\"jobs\": {\"worker_id\": \"%s\", \"peer_events_ms\": 60000}}\n", name);
    fclose(f);
    const char *extra[] = {"--config", conf, "--store", store_url, "--workers", "1", NULL};
    ck_assert_msg(tu_daemon_start(d, data, extra), "ismapd %s did not start", name);
}

/* How many times `needle` is in the daemon's log (written by another process). */
static int log_count(const tu_daemon *d, const char *needle)
{
    size_t len;
    ism_error e = {0};
    char *log = ism_read_file(d->log, 1 << 24, &len, &e);
    int n = 0;
    for (const char *p = log; p && (p = strstr(p, needle)); p += strlen(needle))
        n++;
    free(log);
    ism_error_clear(&e);
    return n;
}

struct listened {
    const tu_daemon *d;
    int times;
};

static bool has_listened(void *arg)
{
    struct listened *l = arg;
    return log_count(l->d, "job.listening") >= l->times;
}

static char *submit(const tu_daemon *d, const char *kind, int ms)
{
    json_t *r = tu_call(d->url, "jobs.submit",
                        json_pack("{s:s, s:{s:i}}", "kind", kind, "params", "ms", ms), NULL);
    ck_assert_msg(r && !strcmp(tu_code(r), "ok"), "submit %s: %s", kind, tu_code(r));
    char *id = strdup(ism_json_getstr(json_object_get(r, "result"), "id"));
    json_decref(r);
    return id;
}

static json_t *job(const tu_daemon *d, const char *id)
{
    json_t *r = tu_call(d->url, "jobs.show", json_pack("{s:s}", "id", id), NULL);
    ck_assert_msg(r && !strcmp(tu_code(r), "ok"), "jobs.show %s: %s", id, tu_code(r));
    json_t *j = json_incref(json_object_get(r, "result"));
    json_decref(r);
    return j;
}

struct running {
    const tu_daemon *d;
    const char *id;
};

static bool is_running(void *arg)
{
    struct running *r = arg;
    json_t *j = job(r->d, r->id);
    bool yes = !strcmp(ism_json_getstr(j, "state"), "running");
    json_decref(j);
    return yes;
}

/* What B's events socket has carried of one job. */
struct watch {
    nng_socket sub;
    const tu_daemon *submit_to; /* while confirming the subscription: submit a job each look */
    char *probes[64];
    int nprobes;
    const char *id;     /* the job watched */
    const char *worker; /* the worker its relayed events must name */
    bool probed;        /* the end of one of the probes arrived */
    bool progress, finished;
};

/* One message (or none within the receive timeout): notes what it says of the watched job. */
static void take(struct watch *w)
{
    char *buf = NULL;
    size_t sz = 0;
    if (nng_recv(w->sub, &buf, &sz, NNG_FLAG_ALLOC) != 0) return;
    char *msg = strndup(buf, sz);
    nng_free(buf, sz);
    char *sp = strchr(msg, ' ');
    json_t *ev = sp ? json_loads(sp + 1, 0, NULL) : NULL;
    if (sp) *sp = '\0';
    const char *id = ism_json_getstr(ev, "job"), *worker = ism_json_getstr(ev, "worker");
    for (int i = 0; id && w->submit_to && i < w->nprobes; i++)
        if (!strcmp(id, w->probes[i]) && !strcmp(msg, "job.finished")) w->probed = true;
    if (id && w->id && !strcmp(id, w->id) && worker && !strcmp(worker, w->worker)) {
        if (!strcmp(msg, "job.progress")) w->progress = true;
        if (!strcmp(msg, "job.finished") && !strcmp(ism_json_getstr(ev, "state"), "succeeded"))
            w->finished = true;
    }
    json_decref(ev);
    free(msg);
}

/* The subscription reaches the publisher at some unknown point after the dial: B's own short
 * jobs are submitted until the end of one of them arrives. */
static bool subscribed(void *arg)
{
    struct watch *w = arg;
    if (w->nprobes < 64) w->probes[w->nprobes++] = submit(w->submit_to, "diag.wait", 1);
    take(w);
    return w->probed;
}

static bool relayed(void *arg)
{
    struct watch *w = arg;
    take(w);
    return w->progress && w->finished;
}

/* A job submitted through B, whose only worker is busy: A claims it and runs it; B relays its
 * progress and its end, both naming worker a. */
static void job_crosses(struct watch *w)
{
    char *id = submit(&b, "diag.wait", 1000);
    w->id = id;
    w->worker = "a";
    w->progress = w->finished = false;
    ck_assert_msg(tu_wait_for(relayed, w, "A's job events on B's socket"),
                  "job %s: progress %d, finished %d", id, w->progress, w->finished);
    json_t *j = job(&b, id);
    ck_assert_str_eq(ism_json_getstr(j, "state"), "succeeded");
    ck_assert_str_eq(ism_json_getstr(j, "worker"), "a");
    json_decref(j);
    free(id);
}

static json_t *first_column(ism_stmt *s)
{
    return ism_stmt_json_text(s, 0);
}

/* Terminates the listening connections of every ismapd on the database; returns how many. */
static int terminate_listeners(void)
{
    ism_error e = {0};
    ism_store *st = ism_store_open(store_url, &e);
    ck_assert_msg(st != NULL, "%s", e.message);
    const char *args[] = {ISM_STORE_LISTENER_NAME};
    json_t *rows = ism_store_select(st,
                                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                                    "application_name = ?1 AND datname = current_database()",
                                    args, 1, first_column, &e);
    ck_assert_msg(rows != NULL, "%s", e.message);
    int n = (int)json_array_size(rows);
    json_decref(rows);
    ism_store_close(st);
    return n;
}

START_TEST(events_and_claims_cross_by_notification)
{
    start(&b, "b");
    struct watch w = {.submit_to = &b};
    ck_assert_int_eq(nng_sub0_open(&w.sub), 0);
    nng_socket_set(w.sub, NNG_OPT_SUB_SUBSCRIBE, "", 0);
    nng_socket_set_ms(w.sub, NNG_OPT_RECVTIMEO, 250);
    char ev[4300];
    snprintf(ev, sizeof ev, "ipc://%s/events.sock", b.data_dir);
    ck_assert_int_eq(nng_dial(w.sub, ev, NULL, 0), 0);
    ck_assert(tu_wait_for(subscribed, &w, "B's events socket"));
    w.submit_to = NULL;

    /* B's only worker is taken for the rest of the test. */
    char *hold = submit(&b, "diag.hold", 3600 * 1000);
    struct running r = {&b, hold};
    ck_assert(tu_wait_for(is_running, &r, "B to run the hold job"));

    start(&a, "a");
    struct listened la = {&a, 1}, lb = {&b, 1};
    ck_assert(tu_wait_for(has_listened, &la, "A to listen"));
    ck_assert(tu_wait_for(has_listened, &lb, "B to listen"));
    job_crosses(&w);

    /* The server drops both listening connections: each daemon listens again (and polls once),
     * and jobs and events cross as before. */
    ck_assert_int_eq(terminate_listeners(), 2);
    la.times = lb.times = 2;
    ck_assert(tu_wait_for(has_listened, &la, "A to listen again"));
    ck_assert(tu_wait_for(has_listened, &lb, "B to listen again"));
    ck_assert_int_ge(log_count(&a, "job.listen_lost"), 1);
    ck_assert_int_ge(log_count(&b, "job.listen_lost"), 1);
    job_crosses(&w);

    json_t *c = tu_call(b.url, "jobs.cancel", json_pack("{s:s}", "id", hold), NULL);
    ck_assert_str_eq(tu_code(c), "ok");
    json_decref(c);
    free(hold);
    for (int i = 0; i < w.nprobes; i++)
        free(w.probes[i]);
    nng_close(w.sub);
    /* Both stop cleanly: the listening thread is woken out of its wait, not left to its poll. */
    ck_assert_int_eq(tu_daemon_stop(&a), 0);
    ck_assert_int_eq(tu_daemon_stop(&b), 0);
}
END_TEST

static void setup(void)
{
    dir = tu_tempdir("peernotify");
    char name[64];
    snprintf(name, sizeof name, "peer_notify_%ld", (long)getpid());
    store_url = tu_pg_database(name);
    ck_assert_ptr_nonnull(store_url);
}

static void teardown(void)
{
    if (a.pid) tu_daemon_stop(&a);
    if (b.pid) tu_daemon_stop(&b);
    tu_rmtree(dir);
    free(dir);
    free(store_url);
}

int main(void)
{
    if (!getenv("ISMAP_TEST_PG_URL") || !*getenv("ISMAP_TEST_PG_URL")) {
        printf("test_peer_notify: PostgreSQL only (tests/pg/pg_run.sh): skipped\n");
        return 77;
    }
    Suite *s = suite_create("peer_notify");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 600);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, events_and_claims_cross_by_notification);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
