/* http_bench.c — the HTTP gateway under load (issue 12): N concurrent keep-alive clients (a
 * thread each with its own libcurl easy handle, so one connection reused) reading
 * GET /api/v1/assessments/{id}/matrix for D seconds, then the same number of nng clients calling
 * matrix.get on the daemon's ipc socket for D seconds, for comparison. Prints requests/s and
 * p50/p99/max latency of each; asserts nothing on time (target p99 <= 20 ms).
 * HTTP_BENCH_CLIENTS (100) and HTTP_BENCH_SECONDS (30) set the load. */
#include "ismap/rpc.h"
#include "snapfix.h"
#include "testutil.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "latency.h"

typedef struct worker {
    const char *url, *assessment, *auth, *token;
    int64_t until_ms;
    lat l;
    long errors;
    size_t bytes;
} worker;

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    (void)p;
    *(size_t *)ud += size * n;
    return size * n;
}

static void *run_http(void *arg)
{
    worker *w = arg;
    CURL *c = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, w->auth);
    size_t got = 0;
    curl_easy_setopt(c, CURLOPT_URL, w->url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &got);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    while (ism_mono_ms() < w->until_ms) {
        got = 0;
        int64_t t0 = bench_now_ns();
        CURLcode rc = curl_easy_perform(c);
        double ms = (double)(bench_now_ns() - t0) / 1e6;
        long status = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        if (rc != CURLE_OK || status != 200) {
            w->errors++;
        } else {
            lat_push(&w->l, ms);
            w->bytes = got;
        }
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return NULL;
}

static void *run_nng(void *arg)
{
    worker *w = arg;
    ism_error e = {0};
    ism_rpc_client *c = ism_rpc_client_open(w->url, NULL, 30000, &e);
    if (!c) {
        w->errors++;
        return NULL;
    }
    json_t *p = json_pack("{s:s}", "assessment", w->assessment);
    while (ism_mono_ms() < w->until_ms) {
        json_t *reply = NULL;
        int64_t t0 = bench_now_ns();
        bool ok = ism_rpc_client_call(c, "matrix.get", p, w->token, &reply, &e);
        double ms = (double)(bench_now_ns() - t0) / 1e6;
        if (!ok || strcmp(tu_code(reply), "ok"))
            w->errors++;
        else
            lat_push(&w->l, ms);
        json_decref(reply);
        ism_error_clear(&e);
    }
    json_decref(p);
    ism_rpc_client_close(c);
    return NULL;
}

static void load(const char *name, void *(*fn)(void *), const char *url, const char *aid,
                 const char *auth, const char *token, int clients, int secs)
{
    worker *ws = calloc((size_t)clients, sizeof *ws);
    pthread_t *th = calloc((size_t)clients, sizeof *th);
    int64_t t0 = ism_mono_ms();
    for (int i = 0; i < clients; i++) {
        ws[i] = (worker){.url = url,
                         .assessment = aid,
                         .auth = auth,
                         .token = token,
                         .until_ms = t0 + secs * 1000};
        pthread_create(&th[i], NULL, fn, &ws[i]);
    }
    lat all = {0};
    long errors = 0;
    size_t bytes = 0;
    for (int i = 0; i < clients; i++) {
        pthread_join(th[i], NULL);
        errors += ws[i].errors;
        if (ws[i].bytes) bytes = ws[i].bytes;
        for (size_t k = 0; k < ws[i].l.n; k++)
            lat_push(&all, ws[i].l.ms[k]);
        free(ws[i].l.ms);
    }
    double el = (double)(ism_mono_ms() - t0) / 1000.0;
    if (all.n) {
        lat_sort(&all);
        printf("%-16s %8zu requests  %8.1f req/s  p50 %8.2f ms  p99 %8.2f ms  max %8.2f ms  "
               "errors %ld\n",
               name, all.n, (double)all.n / el, lat_at(&all, 0.5), lat_at(&all, 0.99),
               all.ms[all.n - 1], errors);
        if (bytes) printf("%-16s reply body %zu bytes\n", "", bytes);
    } else {
        printf("%-16s no successful requests, %ld errors\n", name, errors);
    }
    free(all.ms);
    free(ws);
    free(th);
}

static json_t *must_call(const char *url, const char *op, json_t *params)
{
    json_t *r = tu_call(url, op, params, NULL);
    if (!r || strcmp(tu_code(r), "ok")) {
        char *s = r ? json_dumps(r, 0) : NULL;
        fprintf(stderr, "http_bench: %s failed: %s\n", op, s ? s : "no reply");
        exit(1);
    }
    json_t *res = json_incref(json_object_get(r, "result"));
    json_decref(r);
    return res;
}

/* The port the gateway bound, from the daemon's log line http.listening (waits for it). */
static int http_port(const char *log)
{
    for (int i = 0; i < 1000; i++) {
        FILE *fp = fopen(log, "r");
        char line[4096];
        while (fp && fgets(line, sizeof line, fp)) {
            json_t *j = json_loads(line, 0, NULL);
            const char *ev = ism_json_getstr(j, "event");
            int port = ev && !strcmp(ev, "http.listening")
                           ? (int)json_integer_value(json_object_get(j, "port"))
                           : 0;
            json_decref(j);
            if (port) {
                fclose(fp);
                return port;
            }
        }
        if (fp) fclose(fp);
        nanosleep(&(struct timespec){0, 10000000}, NULL); /* poll the condition */
    }
    return 0;
}

int main(void)
{
    int clients = getenv("HTTP_BENCH_CLIENTS") ? atoi(getenv("HTTP_BENCH_CLIENTS")) : 100;
    int secs = getenv("HTTP_BENCH_SECONDS") ? atoi(getenv("HTTP_BENCH_SECONDS")) : 30;
    if (clients < 1 || secs < 1) return 2;
    setvbuf(stdout, NULL, _IOLBF, 0);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    char *tmp = tu_tempdir("httpbench");
    ism_error e = {0};
    char *base = ism_strdupf("%s/tests/fixtures/snapshots/base.json", tu_source_dir());
    char *snap = ism_strdupf("%s/tenant.db", tmp), *data = ism_strdupf("%s/data", tmp);
    char *cfg = ism_strdupf("%s/ismapd.json", tmp);
    FILE *fp = fopen(cfg, "w");
    if (!fp) return 1;
    /* Every client comes from 127.0.0.1: the per-address cap must let them all in. */
    fprintf(fp,
            "{\"http\": {\"listen\": \"http://127.0.0.1:0\", \"max_connections\": %d, "
            "\"per_address\": %d}}\n",
            clients + 16, clients + 16);
    fclose(fp);
    json_t *fx = snapfix_read(base, &e);
    if (!fx || !snapfix_build(fx, snap, &e)) {
        fprintf(stderr, "http_bench: %s\n", e.message);
        return 1;
    }
    json_decref(fx);
    tu_daemon d;
    const char *extra[] = {"--config", cfg, NULL};
    if (!tu_daemon_start(&d, data, extra)) {
        fprintf(stderr, "http_bench: ismapd did not start; see %s\n", d.log);
        return 1;
    }
    int port = http_port(d.log);
    if (!port) {
        fprintf(stderr, "http_bench: no http.listening in %s\n", d.log);
        return 1;
    }
    json_t *s = must_call(d.url, "snapshot.import", json_pack("{s:s}", "path", snap));
    json_t *sub = must_call(d.url, "subject.create",
                            json_pack("{s:s, s:s, s:s, s:[s]}", "kind", "workload", "name", "bench",
                                      "environment", "production", "accounts", "111122223333"));
    json_t *a = must_call(d.url, "assessment.create",
                          json_pack("{s:s, s:s, s:[O]}", "subject", "bench", "frameworks",
                                    "ismap,mic", "snapshots", json_object_get(s, "id")));
    json_t *tok =
        must_call(d.url, "token.create", json_pack("{s:s, s:s}", "name", "bench", "role", "admin"));
    const char *aid = ism_json_getstr(a, "id");
    for (int i = 0; i < 6000; i++) {
        json_t *x = must_call(d.url, "assessment.show", json_pack("{s:s}", "id", aid));
        bool ready = !strcmp(ism_json_getstr(x, "state"), "ready");
        bool failed = !strcmp(ism_json_getstr(x, "state"), "failed");
        json_decref(x);
        if (failed) return 1;
        if (ready) break;
        nanosleep(&(struct timespec){0, 10000000}, NULL); /* poll the condition */
    }
    json_t *m = must_call(d.url, "matrix.get", json_pack("{s:s}", "assessment", aid));
    printf("http_bench: %d keep-alive clients, %d s each transport, matrix of %zu requirements\n",
           clients, secs, json_array_size(json_object_get(m, "requirements")));
    json_decref(m);
    char *url = ism_strdupf("http://127.0.0.1:%d/api/v1/assessments/%s/matrix", port, aid);
    char *auth = ism_strdupf("Authorization: Bearer %s", ism_json_getstr(tok, "token"));
    /* Both transports authenticate with the same token, so both pay the token check. */
    const char *secret = ism_json_getstr(tok, "token");
    load("HTTP matrix", run_http, url, aid, auth, NULL, clients, secs);
    load("nng matrix.get", run_nng, d.url, aid, NULL, secret, clients, secs);
    printf("(target: p99 <= 20 ms)\n");
    free(url);
    free(auth);
    json_decref(tok);
    json_decref(a);
    json_decref(sub);
    json_decref(s);
    tu_daemon_stop(&d);
    tu_rmtree(tmp);
    free(tmp);
    free(base);
    free(snap);
    free(data);
    free(cfg);
    curl_global_cleanup();
    return 0;
}
