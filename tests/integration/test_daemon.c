/* test_daemon.c — ismapd as a process: transports, tokens over TCP and TLS, concurrency,
 * oversized and garbage input, refusal of unsafe listeners, events, graceful stop, and
 * kill -9 during a job (resumed or failed with reason). */
#include "ismap/rpc.h"
#include "testutil.h"

#include <check.h>
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

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
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
    sleep_ms(100);
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

static json_t *wait_job(const char *id, const char *state, int ms)
{
    for (int i = 0; i < ms / 50; i++) {
        json_t *j = job_state(id);
        if (j && strcmp(ism_json_getstr(j, "state"), state) == 0) return j;
        json_decref(j);
        sleep_ms(50);
    }
    ck_abort_msg("job %s did not reach %s", id, state);
    return NULL;
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

START_TEST(kill9_during_job_resumes_or_fails_with_reason)
{
    char *tok = make_token("viewer", "city");
    char *a = submit("diag.wait", 2500);
    char *b = submit("diag.hold", 60000);
    json_t *j;
    for (;;) { /* until a has checkpointed a good part */
        j = job_state(a);
        if (json_number_value(json_object_get(j, "progress")) >= 0.3) break;
        json_decref(j);
        sleep_ms(20);
    }
    json_decref(j);
    json_decref(wait_job(b, "running", 5000));
    tu_daemon_kill9(&d);
    restart();
    j = wait_job(a, "succeeded", 15000);
    json_t *res = json_object_get(j, "result");
    ck_assert_int_ge(json_integer_value(json_object_get(res, "resumed_at_ms")), 700);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "attempts")), 2);
    json_decref(j);
    j = wait_job(b, "failed", 5000);
    ck_assert_str_eq(ism_json_getstr(json_object_get(j, "error"), "code"), "interrupted");
    json_decref(j);
    /* Committed data (the token) survived. */
    json_t *r = tu_call(tcpurl, "ping", NULL, tok);
    ck_assert_str_eq(tu_code(r), "ok");
    json_decref(r);
    free(a);
    free(b);
    free(tok);
}
END_TEST

START_TEST(sigterm_checkpoints_and_exits_cleanly)
{
    char *a = submit("diag.wait", 60000);
    json_decref(wait_job(a, "running", 5000));
    sleep_ms(300);
    int64_t t0 = ism_mono_ms();
    ck_assert_int_eq(tu_daemon_stop(&d), 0);
    ck_assert_int_lt(ism_mono_ms() - t0, 5000);
    size_t len;
    ism_error e = {0};
    char *log = ism_read_file(d.log, 1 << 24, &len, &e);
    ck_assert_ptr_nonnull(strstr(log, "\"event\":\"daemon.stopped\""));
    ck_assert_ptr_nonnull(strstr(log, "\"event\":\"job.requeued\""));
    free(log);
    restart();
    json_t *j = wait_job(a, "running", 5000);
    json_decref(j);
    json_t *r = tu_call(d.url, "jobs.cancel", json_pack("{s:s}", "id", a), NULL);
    ck_assert_str_eq(tu_code(r), "ok");
    json_decref(r);
    json_decref(wait_job(a, "cancelled", 5000));
    free(a);
}
END_TEST

START_TEST(events_are_published)
{
    nng_socket sub;
    ck_assert_int_eq(nng_sub0_open(&sub), 0);
    nng_socket_set(sub, NNG_OPT_SUB_SUBSCRIBE, "job.finished", 12);
    nng_socket_set_ms(sub, NNG_OPT_RECVTIMEO, 10000);
    char url[4200];
    snprintf(url, sizeof url, "ipc://%s/events.sock", datadir);
    ck_assert_int_eq(nng_dial(sub, url, NULL, 0), 0);
    sleep_ms(200); /* let the subscription reach the publisher */
    char *a = submit("diag.wait", 50);
    char *buf = NULL;
    size_t sz = 0;
    ck_assert_int_eq(nng_recv(sub, &buf, &sz, NNG_FLAG_ALLOC), 0);
    char *msg = strndup(buf, sz);
    nng_free(buf, sz);
    ck_assert(strncmp(msg, "job.finished {", 14) == 0);
    ck_assert_ptr_nonnull(strstr(msg, a));
    ck_assert_ptr_nonnull(strstr(msg, "\"succeeded\""));
    free(msg);
    free(a);
    nng_close(sub);
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
