/* ping_bench.c — requests/s of `ping` over ismapd's local socket without a token and with one
 * (token verification, incl. the last_used bookkeeping), from 4 client threads for a few
 * seconds each. Prints figures; asserts nothing. Run: ISM_BENCH=1 ctest -R bench_ping -V. */
#include "ismap/rpc.h"
#include "testutil.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define THREADS 4
#define SECONDS 5

struct worker {
    const char *url, *token;
    long done;
};

static void *run(void *arg)
{
    struct worker *w = arg;
    ism_error e = {0};
    ism_rpc_client *c = ism_rpc_client_open(w->url, NULL, 10000, &e);
    int64_t end = ism_mono_ms() + SECONDS * 1000;
    while (c && ism_mono_ms() < end) {
        json_t *r = NULL;
        if (!ism_rpc_client_call(c, "ping", NULL, w->token, &r, &e)) break;
        if (json_is_true(json_object_get(r, "ok"))) w->done++;
        json_decref(r);
    }
    ism_rpc_client_close(c);
    ism_error_clear(&e);
    return NULL;
}

static double measure(const char *url, const char *token)
{
    pthread_t t[THREADS];
    struct worker w[THREADS];
    int64_t t0 = ism_mono_ms();
    for (int i = 0; i < THREADS; i++) {
        w[i] = (struct worker){url, token, 0};
        pthread_create(&t[i], NULL, run, &w[i]);
    }
    long total = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        total += w[i].done;
    }
    return total * 1000.0 / (double)(ism_mono_ms() - t0);
}

int main(void)
{
    if (!getenv("ISMAPD")) return 77;
    char *dir = tu_tempdir("pingbench");
    char data[4200];
    snprintf(data, sizeof data, "%s/data", dir);
    tu_daemon d = {0};
    if (!tu_daemon_start(&d, data, NULL)) {
        fprintf(stderr, "ismapd did not start\n");
        return 1;
    }
    json_t *r =
        tu_call(d.url, "token.create",
                json_pack("{s:s, s:s, s:s}", "name", "b", "role", "viewer", "org", "o"), NULL);
    const char *tok = ism_json_getstr(json_object_get(r, "result"), "token");
    double plain = measure(d.url, NULL);
    double with_token = tok ? measure(d.url, tok) : 0;
    printf("ping over ipc, %d clients, %d s each:\n", THREADS, SECONDS);
    printf("  without token: %8.0f req/s\n", plain);
    printf("  with token:    %8.0f req/s (%.0f%% of without)\n", with_token,
           plain > 0 ? 100.0 * with_token / plain : 0);
    json_decref(r);
    tu_daemon_stop(&d);
    tu_rmtree(dir);
    free(dir);
    return 0;
}
