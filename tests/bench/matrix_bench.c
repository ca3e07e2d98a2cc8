/* matrix_bench.c — serving under load (issue 11 item 9): N concurrent clients over nng (the
 * daemon's ipc socket) for D seconds per read pattern, each calling `status` and `matrix.get`
 * in turn on an evaluated assessment; prints requests, throughput and p50/p99/max per op. The
 * patterns (MATRIX_BENCH_PATTERNS, default all, comma-separated): whole (the 1.2 MB matrix),
 * page (the first 100 requirements), unchanged (if_none_match with the etag held: no body) and
 * summary (the counts only). Figures, not a pass/fail: it asserts nothing on time (target
 * p99 ≤ 20 ms on the 2-core machine).
 * MATRIX_BENCH_CLIENTS (100) and MATRIX_BENCH_SECONDS (30) set the load. The clients do not
 * parse the replies (a 1.2 MB matrix costs a client ~10 ms of CPU to parse, and they share the
 * daemon's two cores): MATRIX_BENCH_PARSE=1 makes them parse every reply as ismapctl does. */
#include "ismap/rpc.h"
#include "snapfix.h"
#include "testutil.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "latency.h"

typedef struct worker {
    const char *url, *assessment;
    const json_t *params; /* matrix.get's params for this pattern */
    bool parse;
    int64_t until_ms;
    lat status, matrix;
    long errors;
} worker;

static void *run(void *arg)
{
    worker *w = arg;
    ism_error e = {0};
    ism_rpc_client *c = ism_rpc_client_open(w->url, NULL, 30000, &e);
    if (!c) {
        w->errors++;
        return NULL;
    }
    for (int i = 0; ism_mono_ms() < w->until_ms; i++) {
        bool mx = i % 2;
        json_t *p = mx ? json_deep_copy(w->params) : json_object();
        bool ok;
        int64_t t0 = bench_now_ns();
        if (w->parse) {
            json_t *reply = NULL;
            ok = ism_rpc_client_call(c, mx ? "matrix.get" : "status", p, NULL, &reply, &e) &&
                 !strcmp(tu_code(reply), "ok");
            json_decref(reply);
        } else {
            /* The envelope's head says whether it succeeded: {"id":"…","ok":true,… */
            json_t *env = json_pack("{s:s, s:s, s:O}", "op", mx ? "matrix.get" : "status", "id",
                                    "b", "params", p);
            char *req = json_dumps(env, JSON_COMPACT);
            json_decref(env);
            size_t n = 0;
            char *reply = ism_rpc_client_raw(c, req, strlen(req), &n, &e);
            ok = reply && !strncmp(reply, "{\"id\":\"b\",\"ok\":true,", 20);
            free(reply);
            free(req);
        }
        double ms = (double)(bench_now_ns() - t0) / 1e6;
        if (!ok)
            w->errors++;
        else
            lat_push(mx ? &w->matrix : &w->status, ms);
        json_decref(p);
    }
    ism_rpc_client_close(c);
    return NULL;
}

static void report(const char *op, worker *ws, int n, double secs, int which)
{
    lat all = {0};
    for (int i = 0; i < n; i++) {
        lat *l = which ? &ws[i].matrix : &ws[i].status;
        for (size_t k = 0; k < l->n; k++)
            lat_push(&all, l->ms[k]);
    }
    if (!all.n) {
        printf("%-11s no successful requests\n", op);
        return;
    }
    lat_sort(&all);
    printf("%-11s %8zu requests  %8.1f req/s  p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms\n", op,
           all.n, (double)all.n / secs, lat_at(&all, 0.5), lat_at(&all, 0.99), all.ms[all.n - 1]);
    free(all.ms);
}

static json_t *must_call(const char *url, const char *op, json_t *params)
{
    json_t *r = tu_call(url, op, params, NULL);
    if (!r || strcmp(tu_code(r), "ok")) {
        char *s = r ? json_dumps(r, 0) : NULL;
        fprintf(stderr, "matrix_bench: %s failed: %s\n", op, s ? s : "no reply");
        exit(1);
    }
    json_t *res = json_incref(json_object_get(r, "result"));
    json_decref(r);
    return res;
}

int main(void)
{
    int clients = getenv("MATRIX_BENCH_CLIENTS") ? atoi(getenv("MATRIX_BENCH_CLIENTS")) : 100;
    int secs = getenv("MATRIX_BENCH_SECONDS") ? atoi(getenv("MATRIX_BENCH_SECONDS")) : 30;
    if (clients < 1 || secs < 1) return 2;
    char *tmp = tu_tempdir("mxbench");
    ism_error e = {0};
    char *base = ism_strdupf("%s/tests/fixtures/snapshots/base.json", tu_source_dir());
    char *snap = ism_strdupf("%s/tenant.db", tmp), *data = ism_strdupf("%s/data", tmp);
    json_t *fx = snapfix_read(base, &e);
    if (!fx || !snapfix_build(fx, snap, &e)) {
        fprintf(stderr, "matrix_bench: %s\n", e.message);
        return 1;
    }
    json_decref(fx);
    tu_daemon d;
    if (!tu_daemon_start(&d, data, NULL)) {
        fprintf(stderr, "matrix_bench: ismapd did not start; see %s\n", d.log);
        return 1;
    }
    json_t *s = must_call(d.url, "snapshot.import", json_pack("{s:s}", "path", snap));
    json_t *sub = must_call(d.url, "subject.create",
                            json_pack("{s:s, s:s, s:s, s:[s]}", "kind", "workload", "name", "bench",
                                      "environment", "production", "accounts", "111122223333"));
    json_t *a = must_call(d.url, "assessment.create",
                          json_pack("{s:s, s:s, s:[O]}", "subject", "bench", "frameworks",
                                    "ismap,mic", "snapshots", json_object_get(s, "id")));
    const char *aid = ism_json_getstr(a, "id");
    /* Wait for the evaluation (a condition, with a generous bound). */
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
    char *mt = json_dumps(m, JSON_COMPACT);
    printf("matrix_bench: %d clients, %d s, matrix of %zu requirements (%zu bytes), replies %s\n",
           clients, secs, json_array_size(json_object_get(m, "requirements")), strlen(mt),
           getenv("MATRIX_BENCH_PARSE") ? "parsed" : "not parsed");
    free(mt);
    json_decref(m);
    /* The etag a client holds after one whole read. */
    json_t *held = must_call(d.url, "matrix.get", json_pack("{s:s}", "assessment", aid));
    char *etag = strdup(ism_json_getstr(held, "etag") ? ism_json_getstr(held, "etag") : "");
    json_decref(held);
    json_t *check = must_call(d.url, "matrix.get",
                              json_pack("{s:s, s:s}", "assessment", aid, "if_none_match", etag));
    printf("matrix_bench: conditional read with the etag held answers unchanged: %s\n",
           json_is_true(json_object_get(check, "unchanged")) ? "yes" : "NO");
    json_decref(check);
    const struct {
        const char *name;
        json_t *params;
    } patterns[] = {
        {"whole", json_pack("{s:s}", "assessment", aid)},
        {"page", json_pack("{s:s, s:i}", "assessment", aid, "limit", 100)},
        {"unchanged", json_pack("{s:s, s:s}", "assessment", aid, "if_none_match", etag)},
        {"summary", json_pack("{s:s, s:b}", "assessment", aid, "summary", 1)},
    };
    const char *want = getenv("MATRIX_BENCH_PATTERNS");
    worker *ws = calloc((size_t)clients, sizeof *ws);
    pthread_t *th = calloc((size_t)clients, sizeof *th);
    long errors = 0;
    for (size_t k = 0; k < sizeof patterns / sizeof *patterns; k++) {
        if (want && *want && !strstr(want, patterns[k].name)) continue;
        int64_t t0 = ism_mono_ms();
        for (int i = 0; i < clients; i++) {
            ws[i] = (worker){.url = d.url,
                             .assessment = aid,
                             .params = patterns[k].params,
                             .parse = getenv("MATRIX_BENCH_PARSE") != NULL,
                             .until_ms = t0 + secs * 1000};
            pthread_create(&th[i], NULL, run, &ws[i]);
        }
        long perr = 0;
        for (int i = 0; i < clients; i++) {
            pthread_join(th[i], NULL);
            perr += ws[i].errors;
        }
        errors += perr;
        double el = (double)(ism_mono_ms() - t0) / 1000.0;
        printf("-- %s: %d clients, %d s, status and matrix.get (%s) in turn, %ld errors\n",
               patterns[k].name, clients, secs, patterns[k].name, perr);
        report("status", ws, clients, el, 0);
        report("matrix.get", ws, clients, el, 1);
        for (int i = 0; i < clients; i++) {
            free(ws[i].status.ms);
            free(ws[i].matrix.ms);
        }
    }
    printf("errors: %ld (target: p99 <= 20 ms)\n", errors);
    for (size_t k = 0; k < sizeof patterns / sizeof *patterns; k++)
        json_decref(patterns[k].params);
    free(etag);
    free(ws);
    free(th);
    json_decref(a);
    json_decref(sub);
    json_decref(s);
    tu_daemon_stop(&d);
    tu_rmtree(tmp);
    free(tmp);
    free(base);
    free(snap);
    free(data);
    return 0;
}
