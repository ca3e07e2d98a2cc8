/* test_daemon.c — ismapd as a process: transports, tokens over TCP and TLS, concurrency,
 * oversized and garbage input, refusal of unsafe listeners, events, graceful stop, and
 * kill -9 during a job (resumed or failed with reason). */
#include "ismap/rpc.h"
#include "ismap/store.h"
#include "testutil.h"
#include "waitfor.h"

#include <check.h>
#include <sqlite3.h>
#include <nng/nng.h>
#include <nng/protocol/pubsub0/sub.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char *dir;
static char datadir[4096];
static tu_daemon d;
static char tcpurl[64];

/* True once the daemon's log holds `needle` (a char *): the log is written by another process,
 * so tests wait for the line rather than for some time. */
static bool log_has(void *needle)
{
    size_t len;
    ism_error e = {0};
    char *log = ism_read_file(d.log, 1 << 24, &len, &e);
    bool yes = log && strstr(log, needle);
    free(log);
    ism_error_clear(&e);
    return yes;
}

static void setup(void)
{
    dir = tu_tempdir("daemon");
    snprintf(datadir, sizeof datadir, "%s/data", dir);
    snprintf(tcpurl, sizeof tcpurl, "tcp://127.0.0.1:%d", tu_free_port());
    const char *extra[] = {"--listen", "",           "--listen", tcpurl, "--max-message",
                           "65536",    "--contexts", "8",        NULL};
    char ipc[4200];
    snprintf(ipc, sizeof ipc, "ipc://%s/ismapd.sock", datadir);
    extra[1] = ipc;
    ck_assert_msg(tu_daemon_start(&d, datadir, extra), "ismapd did not start");
}

static void teardown(void)
{
    if (d.pid) ck_assert_int_eq(tu_daemon_stop(&d), 0);
    tu_rmtree(dir);
    free(dir);
}

static char *make_token(const char *role, const char *org)
{
    json_t *r =
        tu_call(d.url, "token.create",
                json_pack("{s:s, s:s, s:s?}", "name", "it", "role", role, "org", org), NULL);
    ck_assert_str_eq(tu_code(r), "ok");
    char *t = strdup(ism_json_getstr(json_object_get(r, "result"), "token"));
    json_decref(r);
    return t;
}

START_TEST(local_socket_is_private_and_trusted)
{
    struct stat sb;
    char path[4200];
    snprintf(path, sizeof path, "%s/ismapd.sock", datadir);
    ck_assert_int_eq(stat(path, &sb), 0);
    ck_assert_int_eq(sb.st_mode & 0777, 0600);
    ck_assert_int_eq(stat(datadir, &sb), 0);
    ck_assert_int_eq(sb.st_mode & 0077, 0);
    json_t *r = tu_call(d.url, "status", NULL, NULL);
    ck_assert_str_eq(tu_code(r), "ok");
    json_t *caller = json_object_get(json_object_get(r, "result"), "caller");
    ck_assert_str_eq(ism_json_getstr(caller, "role"), "admin");
    ck_assert(json_is_true(json_object_get(caller, "local")));
    json_decref(r);
}
END_TEST

START_TEST(tcp_needs_token_and_checks_role)
{
    json_t *r = tu_call(tcpurl, "ping", NULL, NULL);
    ck_assert_str_eq(tu_code(r), "unauthenticated");
    json_decref(r);
    char *aud = make_token("auditor", "city");
    r = tu_call(tcpurl, "status", NULL, aud);
    ck_assert_str_eq(tu_code(r), "ok");
    json_decref(r);
    r = tu_call(tcpurl, "token.create", json_pack("{s:s, s:s}", "name", "x", "role", "admin"), aud);
    ck_assert_str_eq(tu_code(r), "permission_denied");
    json_decref(r);
    /* The denial is logged. */
    ck_assert(tu_wait_for(log_has, "\"event\":\"rpc.denied\"", "the rpc.denied log line"));
    size_t len;
    ism_error e = {0};
    char *log = ism_read_file(d.log, 1 << 24, &len, &e);
    ck_assert_ptr_nonnull(log);
    ck_assert_ptr_nonnull(strstr(log, "\"event\":\"rpc.denied\""));
    ck_assert_ptr_null(strstr(log, aud)); /* the secret never reaches the log */
    free(log);
    free(aud);
}
END_TEST

struct hammer {
    const char *url, *token;
    int ok;
};

static void *hammer(void *arg)
{
    struct hammer *h = arg;
    ism_error e = {0};
    ism_rpc_client *c = ism_rpc_client_open(h->url, NULL, 10000, &e);
    for (int i = 0; c && i < 50; i++) {
        json_t *r = NULL, *p = json_pack("{s:i}", "echo", i);
        if (ism_rpc_client_call(c, "ping", p, h->token, &r, &e) &&
            json_is_true(json_object_get(r, "ok")) &&
            json_integer_value(json_object_get(json_object_get(r, "result"), "echo")) == i)
            h->ok++;
        json_decref(r);
        json_decref(p);
    }
    ism_rpc_client_close(c);
    return NULL;
}

START_TEST(serves_clients_concurrently_despite_bad_ones)
{
    char *tok = make_token("viewer", "city");
    /* A client that connects and never sends must not hold up anyone. */
    ism_error e = {0};
    ism_rpc_client *idle = ism_rpc_client_open(tcpurl, NULL, 1000, &e);
    ck_assert_ptr_nonnull(idle);
    pthread_t th[8];
    struct hammer h[8];
    for (int i = 0; i < 8; i++) {
        h[i] = (struct hammer){i % 2 ? tcpurl : d.url, i % 2 ? tok : NULL, 0};
        pthread_create(&th[i], NULL, hammer, &h[i]);
    }
    /* Meanwhile, garbage and oversized requests. */
    ism_rpc_client *bad = ism_rpc_client_open(d.url, NULL, 5000, &e);
    const unsigned char junk[] = {0xff, 0x00, 0xfe, '{', '"'};
    char *r = ism_rpc_client_raw(bad, junk, sizeof junk, NULL, &e);
    json_t *j = json_loads(r, 0, NULL);
    ck_assert_str_eq(tu_code(j), "bad_request");
    json_decref(j);
    free(r);
    size_t n = 65536 + 100;
    char *big = malloc(n);
    memset(big, ' ', n);
    memcpy(big, "{\"op\":\"ping\"}", 13);
    r = ism_rpc_client_raw(bad, big, n, NULL, &e);
    j = json_loads(r, 0, NULL);
    ck_assert_str_eq(tu_code(j), "too_large");
    json_decref(j);
    free(r);
    free(big);
    ism_rpc_client_close(bad);
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        ck_assert_int_eq(h[i].ok, 50);
    }
    ism_rpc_client_close(idle);
    /* A message far beyond the limit, from a raw peer that speaks the SP wire protocol (a
     * hostile client): the transport drops that connection and the daemon goes on. */
    int port = atoi(strrchr(tcpurl, ':') + 1);
    for (int i = 0; i < 20; i++)
        ck_assert(tu_sp_send_oversized(port, 1ull << 30));
    json_t *p = tu_call(d.url, "ping", NULL, NULL);
    ck_assert_str_eq(tu_code(p), "ok");
    json_decref(p);
    free(tok);
}
END_TEST

static json_t *job_state(const char *id)
{
    json_t *r = tu_call(d.url, "jobs.show", json_pack("{s:s}", "id", id), NULL);
    json_t *job = json_incref(json_object_get(r, "result"));
    json_decref(r);
    return job;
}

struct job_wait {
    const char *id, *state;
    json_t *job; /* once in `state` */
};

static bool job_reached(void *arg)
{
    struct job_wait *w = arg;
    json_t *j = job_state(w->id);
    if (j && strcmp(ism_json_getstr(j, "state"), w->state) == 0) {
        w->job = j;
        return true;
    }
    json_decref(j);
    return false;
}

/* Waits until job id is in `state`; returns it (new ref). */
static json_t *wait_job(const char *id, const char *state)
{
    struct job_wait w = {id, state, NULL};
    ck_assert_msg(tu_wait_for(job_reached, &w, state), "job %s did not reach %s", id, state);
    return w.job;
}

/* A diag.wait/diag.hold job's checkpointed progress in ms (0 before its first checkpoint). */
static json_int_t done_ms(const json_t *job)
{
    return json_integer_value(json_object_get(json_object_get(job, "checkpoint"), "done_ms"));
}

static bool job_checkpointed(void *id)
{
    json_t *j = job_state(id);
    bool yes = done_ms(j) > 0;
    json_decref(j);
    return yes;
}

static char *submit(const char *kind, int ms)
{
    json_t *r = tu_call(d.url, "jobs.submit",
                        json_pack("{s:s, s:{s:i}}", "kind", kind, "params", "ms", ms), NULL);
    ck_assert_str_eq(tu_code(r), "ok");
    char *id = strdup(ism_json_getstr(json_object_get(r, "result"), "id"));
    json_decref(r);
    return id;
}

static void restart(void)
{
    const char *extra[] = {"--listen", "", "--listen", tcpurl, NULL};
    char ipc[4200];
    snprintf(ipc, sizeof ipc, "ipc://%s/ismapd.sock", datadir);
    extra[1] = ipc;
    ck_assert_msg(tu_daemon_start(&d, datadir, extra), "ismapd did not restart");
}

/* Reads a job's state and checkpoint straight from the store file. */
/* The store the daemon writes, opened by the test beside it (while the daemon runs: opening
 * may take the PostgreSQL writer lock, which a frozen daemon could be holding). Reads only. */
static ism_store *peek;

static void peek_open(void)
{
    char *pg = tu_daemon_store(datadir);
    char *loc = pg ? pg : ism_strdupf("%s/ismap.db", datadir);
    ism_error e = {0};
    peek = ism_store_open(loc, &e);
    ck_assert_msg(peek != NULL, "cannot open the daemon's store: %s", e.message);
    free(loc);
}

static bool job_row(const char *id, char state[16], json_int_t *done)
{
    ism_error e = {0};
    json_t *j = ism_store_job_get(peek, id, NULL, &e);
    ism_error_clear(&e);
    if (!j) return false;
    ism_strlcpy(state, json_string_value(json_object_get(j, "state")), 16);
    *done = json_integer_value(json_object_get(json_object_get(j, "checkpoint"), "done_ms"));
    json_decref(j);
    return true;
}

struct freeze {
    const char *a, *b;
    json_int_t a_done; /* a's checkpoint when frozen */
    bool too_late;     /* a had already finished */
};

/* Stops the daemon (SIGSTOP) and looks at the store: true, leaving it stopped, once a is
 * running with a checkpoint and b is running; else resumes it (SIGCONT) and says false. With
 * the daemon frozen, what was read is exactly what a kill -9 leaves behind, however slowly the
 * test itself gets to run. */
static bool frozen_at_checkpoint(void *arg)
{
    struct freeze *f = arg;
    int status;
    ck_assert_int_eq(kill(d.pid, SIGSTOP), 0);
    ck_assert_int_eq(waitpid(d.pid, &status, WUNTRACED), d.pid);
    ck_assert(WIFSTOPPED(status));
    char sa[16], sb[16];
    json_int_t bd;
    if (job_row(f->a, sa, &f->a_done) && job_row(f->b, sb, &bd)) {
        f->too_late = strcmp(sa, "succeeded") == 0;
        if (f->too_late ||
            (strcmp(sa, "running") == 0 && f->a_done > 0 && strcmp(sb, "running") == 0))
            return true;
    }
    kill(d.pid, SIGCONT);
    return false;
}

START_TEST(kill9_during_job_resumes_or_fails_with_reason)
{
    char *tok = make_token("viewer", "city");
    char *b = submit("diag.hold", 600000);
    struct freeze f = {NULL, b, 0, true};
    peek_open();
    /* a must still be running when the daemon is frozen; should this test have been starved
     * for the whole of a's 3 s, a has finished and a new one is tried. */
    for (int tries = 0; f.too_late && tries < 5; tries++) {
        free((char *)f.a);
        f.a = submit("diag.wait", 3000);
        ck_assert(tu_wait_for(frozen_at_checkpoint, &f, "a frozen daemon with a checkpoint"));
        if (f.too_late) kill(d.pid, SIGCONT);
    }
    ck_assert_msg(!f.too_late, "diag.wait always finished before the daemon could be frozen");
    tu_daemon_kill9(&d);
    ism_store_close(peek);
    peek = NULL;
    restart();
    json_t *j = wait_job(f.a, "succeeded");
    json_t *res = json_object_get(j, "result");
    /* Resumed from exactly the checkpoint the kill left, not from the start. */
    ck_assert_int_eq(json_integer_value(json_object_get(res, "resumed_at_ms")), f.a_done);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "attempts")), 2);
    json_decref(j);
    j = wait_job(b, "failed");
    ck_assert_str_eq(ism_json_getstr(json_object_get(j, "error"), "code"), "interrupted");
    json_decref(j);
    /* Committed data (the token) survived. */
    json_t *r = tu_call(tcpurl, "ping", NULL, tok);
    ck_assert_str_eq(tu_code(r), "ok");
    json_decref(r);
    free((char *)f.a);
    free(b);
    free(tok);
}
END_TEST

START_TEST(sigterm_checkpoints_and_exits_cleanly)
{
    char *a = submit("diag.wait", 600000);
    ck_assert(tu_wait_for(job_checkpointed, a, "a checkpoint of the diag.wait job"));
    ck_assert_int_eq(tu_daemon_stop(&d), 0);
    size_t len;
    ism_error e = {0};
    char *log = ism_read_file(d.log, 1 << 24, &len, &e);
    ck_assert_ptr_nonnull(strstr(log, "\"event\":\"daemon.stopped\""));
    ck_assert_ptr_nonnull(strstr(log, "\"event\":\"job.requeued\""));
    free(log);
    restart();
    /* The stop did not wait for the job (ten minutes long) to finish: it was requeued with its
     * checkpoint and now runs a second time. */
    json_t *j = wait_job(a, "running");
    ck_assert_int_eq(json_integer_value(json_object_get(j, "attempts")), 2);
    ck_assert_int_gt(done_ms(j), 0);
    json_decref(j);
    json_t *r = tu_call(d.url, "jobs.cancel", json_pack("{s:s}", "id", a), NULL);
    ck_assert_str_eq(tu_code(r), "ok");
    json_decref(r);
    json_decref(wait_job(a, "cancelled"));
    free(a);
}
END_TEST

struct event_wait {
    nng_socket sub;
    char *ids[64];
    int n;
    char *msg; /* the job.finished event of one of ids */
};

/* Submits a short job and takes what the subscription receives for a while: a subscription
 * reaches the publisher at some unknown point after the dial, and events published before
 * that are not delivered, so the test keeps submitting until one of its jobs' events arrives. */
static bool got_finished_event(void *arg)
{
    struct event_wait *w = arg;
    if (w->n < 64) w->ids[w->n++] = submit("diag.wait", 1);
    char *buf = NULL;
    size_t sz = 0;
    if (nng_recv(w->sub, &buf, &sz, NNG_FLAG_ALLOC) != 0) return false;
    char *msg = strndup(buf, sz);
    nng_free(buf, sz);
    for (int i = 0; i < w->n; i++)
        if (strstr(msg, w->ids[i])) {
            w->msg = msg;
            return true;
        }
    free(msg);
    return false;
}

START_TEST(events_are_published)
{
    struct event_wait w = {0};
    ck_assert_int_eq(nng_sub0_open(&w.sub), 0);
    nng_socket_set(w.sub, NNG_OPT_SUB_SUBSCRIBE, "job.finished", 12);
    /* How long one look waits for a message before the next job is submitted. */
    nng_socket_set_ms(w.sub, NNG_OPT_RECVTIMEO, 250);
    char url[4200];
    snprintf(url, sizeof url, "ipc://%s/events.sock", datadir);
    ck_assert_int_eq(nng_dial(w.sub, url, NULL, 0), 0);
    ck_assert(tu_wait_for(got_finished_event, &w, "a job.finished event"));
    ck_assert(strncmp(w.msg, "job.finished {", 14) == 0);
    ck_assert_ptr_nonnull(strstr(w.msg, "\"succeeded\""));
    free(w.msg);
    for (int i = 0; i < w.n; i++)
        free(w.ids[i]);
    nng_close(w.sub);
}
END_TEST

static int run_ismapd(const char *const *args)
{
    pid_t pid = fork();
    if (pid == 0) {
        const char *argv[32];
        int n = 0;
        argv[n++] = getenv("ISMAPD");
        for (int i = 0; args[i]; i++)
            argv[n++] = args[i];
        argv[n] = NULL;
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    int status;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

START_TEST(refuses_unsafe_or_conflicting_starts)
{
    char other[4200], log[4300];
    snprintf(other, sizeof other, "%s/other", dir);
    snprintf(log, sizeof log, "%s/other.log", dir);
    const char *plain[] = {"--data-dir",      other, "--log-file", log, "--listen",
                           "tcp://0.0.0.0:1", NULL};
    ck_assert_int_eq(run_ismapd(plain), 2);
    const char *notls[] = {"--data-dir",          other, "--log-file", log, "--listen",
                           "tls+tcp://0.0.0.0:1", NULL};
    ck_assert_int_eq(run_ismapd(notls), 2);
    const char *same[] = {"--data-dir", datadir, "--log-file", log, NULL};
    ck_assert_int_eq(run_ismapd(same), 1);
    const char *badflag[] = {"--workers", "0", NULL};
    ck_assert_int_eq(run_ismapd(badflag), 2);
    size_t len;
    ism_error e = {0};
    char *text = ism_read_file(log, 1 << 20, &len, &e);
    ck_assert_ptr_nonnull(strstr(text, "refusing plain tcp://0.0.0.0:1"));
    ck_assert_ptr_nonnull(strstr(text, "needs tls.cert_file"));
    ck_assert_ptr_nonnull(strstr(text, "another ismapd is using"));
    free(text);
}
END_TEST

START_TEST(refuses_newer_store)
{
    ck_assert_int_eq(tu_daemon_stop(&d), 0);
    char db[4200];
    snprintf(db, sizeof db, "%s/ismap.db", datadir);
    sqlite3 *h;
    ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
    sqlite3_exec(h, "PRAGMA user_version=9999", NULL, NULL, NULL);
    sqlite3_close(h);
    char log[4300];
    snprintf(log, sizeof log, "%s/v.log", dir);
    const char *args[] = {"--data-dir", datadir, "--log-file", log, NULL};
    ck_assert_int_eq(run_ismapd(args), 3);
    size_t len;
    ism_error e = {0};
    char *text = ism_read_file(log, 1 << 20, &len, &e);
    ck_assert_ptr_nonnull(strstr(text, "schema version 9999"));
    free(text);
}
END_TEST

START_TEST(tls_transport_with_token)
{
    if (system("command -v openssl >/dev/null 2>&1") != 0) {
        fprintf(stderr, "openssl CLI missing: TLS test not run\n");
        return;
    }
    ck_assert_int_eq(tu_daemon_stop(&d), 0);
    char cmd[9000], cert[4200], key[4200];
    snprintf(cert, sizeof cert, "%s/cert.pem", dir);
    snprintf(key, sizeof key, "%s/key.pem", dir);
    snprintf(cmd, sizeof cmd,
             "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost "
             "-addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout %s -out %s "
             ">/dev/null 2>&1",
             key, cert);
    ck_assert_int_eq(system(cmd), 0);
    int port = tu_free_port();
    char listen[64], url[64];
    snprintf(listen, sizeof listen, "tls+tcp://127.0.0.1:%d", port);
    snprintf(url, sizeof url, "tls+tcp://localhost:%d", port);
    char ipc[4200];
    snprintf(ipc, sizeof ipc, "ipc://%s/ismapd.sock", datadir);
    const char *extra[] = {"--listen", ipc,         "--listen", listen, "--tls-cert",
                           cert,       "--tls-key", key,        NULL};
    ck_assert_msg(tu_daemon_start(&d, datadir, extra), "ismapd with TLS did not start");
    char *tok = make_token("procurement", "city");
    ism_error e = {0};
    ism_rpc_client *c = ism_rpc_client_open(url, cert, 10000, &e);
    ck_assert_ptr_nonnull(c);
    json_t *r = NULL;
    ck_assert_msg(ism_rpc_client_call(c, "status", NULL, tok, &r, &e), "%s", e.message);
    ck_assert_str_eq(tu_code(r), "ok");
    ck_assert_str_eq(
        ism_json_getstr(json_object_get(json_object_get(r, "result"), "caller"), "role"),
        "procurement");
    json_decref(r);
    ck_assert(ism_rpc_client_call(c, "status", NULL, NULL, &r, &e));
    ck_assert_str_eq(tu_code(r), "unauthenticated");
    json_decref(r);
    ism_rpc_client_close(c);
    /* Without the CA the server is not trusted: no reply. */
    c = ism_rpc_client_open(url, NULL, 1500, &e);
    ck_assert(!c || !ism_rpc_client_call(c, "ping", NULL, tok, &r, &e));
    ism_rpc_client_close(c);
    ism_error_clear(&e);
    free(tok);
}
END_TEST

int main(void)
{
    if (!getenv("ISMAPD")) {
        fprintf(stderr, "ISMAPD is not set; run through ctest\n");
        return 77;
    }
    Suite *s = suite_create("daemon");
    TCase *tc = tcase_create("daemon");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, local_socket_is_private_and_trusted);
    tcase_add_test(tc, tcp_needs_token_and_checks_role);
    tcase_add_test(tc, serves_clients_concurrently_despite_bad_ones);
    tcase_add_test(tc, kill9_during_job_resumes_or_fails_with_reason);
    tcase_add_test(tc, sigterm_checkpoints_and_exits_cleanly);
    tcase_add_test(tc, events_are_published);
    tcase_add_test(tc, refuses_unsafe_or_conflicting_starts);
    tcase_add_test(tc, refuses_newer_store);
    tcase_add_test(tc, tls_transport_with_token);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
